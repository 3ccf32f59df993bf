/* harness.h — the small test framework and fixtures shared by the C tests:
 * test registration and checks, the test servers' addresses, deterministic
 * files, SHA-256, sessions in temporary state directories and an event log
 * to wait on and assert against. */
#ifndef YCDL_TEST_HARNESS_H
#define YCDL_TEST_HARNESS_H

#include "ycdl.h"
#include "ycdl.pb-c.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------ running */

struct test_case {
	const char *name;
	void (*fn)(void);
};

#define TEST(name) static void name(void)
#define TEST_ENTRY(name) { #name, name }

/* Runs the cases named on the command line, or all; 0 when all pass. */
int test_main(int argc, char **argv, const struct test_case *cases, size_t count);

void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

#define CHECK(cond) do { if (!(cond)) \
	test_fail(__FILE__, __LINE__, "check failed: %s", #cond); } while (0)
#define CHECK_INT(actual, expected) do { long long a_ = (long long)(actual), \
	e_ = (long long)(expected); if (a_ != e_) test_fail(__FILE__, __LINE__, \
	"%s is %lld, expected %lld", #actual, a_, e_); } while (0)
#define CHECK_STR(actual, expected) do { const char *a_ = (actual), \
	*e_ = (expected); if (!a_ || strcmp(a_, e_) != 0) test_fail(__FILE__, \
	__LINE__, "%s is \"%s\", expected \"%s\"", #actual, a_ ? a_ : "(null)", e_); \
	} while (0)
/* A libycdl call that must succeed; prints its message when it does not. */
#define CHECK_OK(call) do { int rc_ = (call); if (rc_ != 0) test_fail(__FILE__, \
	__LINE__, "%s returned %d (%s): %s", #call, rc_, ycdl_strerror(rc_), \
	ycdl_last_error_message()); } while (0)

/* How many bytes before its offset a resume asks for, to compare them with
 * the part file (transfer.c); all of them when it holds fewer. */
#define RESUME_OVERLAP 65536

/* ---------------------------------------------------------- fixtures */

struct test_env {
	char nginx[128];      /* http://127.0.0.1:PORT */
	char fault[128];
	char nginx_tls[128];  /* https://127.0.0.1:PORT, HTTP/2 offered */
	char ca_file[1024];   /* the private CA that signed nginx's certificate */
	char access_log[1024];/* nginx's access log */
	char proxy[128];      /* http://127.0.0.1:PORT, a forward proxy */
	char proxy_log[1024]; /* the proxy's access log */
	char pinned_key[128]; /* sha256//... of the HTTPS server's key */
	char www[1024];       /* both servers' document root */
	char tmp[1024];       /* this test run's scratch directory */
};

extern struct test_env env;

/* A fresh directory under env.tmp (allocated string). */
char *test_dir(const char *name);
/* Writes www/<name> with size deterministic bytes (seeded by name) and puts
 * its SHA-256 hex into sha (65 bytes) when sha is not NULL. */
void make_file(const char *name, uint64_t size, char *sha);
/* SHA-256 hex of a file, or "" when it cannot be read. */
void sha256_file(const char *path, char out[65]);
bool file_exists(const char *path);
int64_t file_size(const char *path);

/* "server/path" (allocated; free with free). */
char *test_url(const char *server, const char *path);
/* GET url; returns the body (malloc'ed, NUL-terminated) or NULL. */
char *http_get(const char *url);
/* A counter from the fault server's /_stats for id ("requests", "bytes"). */
long long fault_stat(const char *id, const char *counter);
/* The value of header name in the fault server's last request for id
 * (allocated), or NULL when that request had no such header. */
char *fault_header(const char *id, const char *name);
/* Forgets id's counters (and restarts its one-shot faults), so a test can
 * run again against servers that are still up; other ids are untouched,
 * since test programs run side by side. */
void fault_reset(const char *id);

/* Session options for tests: short retries and checkpoints. */
ycdl_session_options test_session_options(const char *state_dir);
ycdl_session *open_session(const char *id, const ycdl_session_options *opts);

/* Attached mode (YCDL_TEST_ATTACHED=1 in the environment; ctest's c.attached.*
 * variants): open_session opens the session's owner in this process and
 * returns a second handle attached to it, so that every call and event of
 * the test goes through the owner's socket; closing that handle closes
 * both. The same tests then show that a call gives the same result either
 * way. Tests check what differs by design (an attached handle's first
 * event is "attached", not "session restored") with test_attached(). */
bool test_attached(void);
int test_session_close(ycdl_session *s);
#ifndef YCDL_TEST_HARNESS_IMPL
#define ycdl_session_close(s) test_session_close(s)
#endif

/* The status of key now (a task info, no event taken). */
int task_status(ycdl_session *s, const char *key);

/* ------------------------------------------------------------- events */

struct event_log {
	ycdl_session *session;
	Ycdl__Event **events;
	size_t count, cap;
	bool attached;        /* the handle was (or is) attached: seq may jump */
	bool counts_gaps;     /* logged from seq 1: skipped numbers are checked */
	uint64_t skipped;     /* seq numbers skipped between logged events */
	uint64_t coalesced;   /* the sum of the logged progress events' coalesced */
};

void log_init(struct event_log *log, ycdl_session *s);
void log_free(struct event_log *log);
/* Reads every pending event into the log, checking that seq strictly
 * increases and skips only coalesced progress events. */
void log_drain(struct event_log *log);
/* Decodes one event into the log (an event callback's, say) and returns
 * it; checks that seq strictly increases. */
Ycdl__Event *log_add(struct event_log *log, const void *data, size_t len);
/* Waits until an event of kind for key (NULL: any) is logged after position
 * from; returns it or fails the test after timeout_ms. */
Ycdl__Event *log_wait(struct event_log *log, size_t from, Ycdl__Event__KindCase kind,
		const char *key, int timeout_ms);
/* Waits for a status change of key into status. */
void log_wait_status(struct event_log *log, const char *key, int status, int timeout_ms);
/* Waits for key to end (finished or failed) after position from; returns
 * its finished or failed event. */
Ycdl__Event *log_wait_end(struct event_log *log, size_t from, const char *key,
		int timeout_ms);
/* Counts logged events of kind for key (NULL: any). */
size_t log_count(const struct event_log *log, Ycdl__Event__KindCase kind, const char *key);
/* The first logged event of kind for key, or NULL. */
Ycdl__Event *log_find(const struct event_log *log, Ycdl__Event__KindCase kind,
		const char *key);

/* Adds url (with optional dest file) and returns the key (static buffer
 * per call site is not needed: the key is malloc'ed, free with ycdl_free). */
char *add_url(ycdl_session *s, const char *url, const char *dest);
/* Adds the task t describes (the add must succeed); its key as add_url's. */
char *add_task(ycdl_session *s, const ycdl_task_options *t);

#endif
