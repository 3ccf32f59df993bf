/* fixtures.h — what the fault, crash and security tests share beyond
 * harness.h: downloads in a child process that a test can fault, kill or
 * restart (the worker program, tests/torture/worker.c, with or without the
 * fault shim, tests/faults/faultshim.c) and its log of facts; the recovery
 * of a session by a new process; pausing at a byte count;
 * the servers.env settings the harness does not read itself. */
#ifndef YCDL_TEST_FIXTURES_H
#define YCDL_TEST_FIXTURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define WORKER_MAX_ARGS 24

struct worker_run {
	const char *state_dir;
	const char *session;
	const char *dir;                      /* where downloads go */
	const char *log;                      /* the worker's log (appended) */
	const char *options[WORKER_MAX_ARGS]; /* more worker options; NULL ends */
	/* "YCDL_FAULT_...=value" settings; NULL ends. With any, the shim is
	 * preloaded into the worker. */
	const char *faults[WORKER_MAX_ARGS];
	const char *urls[WORKER_MAX_ARGS];    /* NULL ends */
};

struct test_case;

/* A servers.env value by name (borrowed, valid for the whole run); fails
 * the test when servers.env lacks it. */
const char *server_setting(const char *name);

/* Starts the worker as described; returns its pid. */
pid_t worker_start(const struct worker_run *run);
/* Waits for it to end: its exit status, or 128 + the signal that ended it. */
int worker_wait(pid_t pid);
/* worker_start then worker_wait. */
int worker_run(const struct worker_run *run);
/* SIGKILLs a running worker and reaps it. */
void worker_kill(pid_t pid);

/* Waits (generously) until path holds at least bytes; fails the test when
 * the worker pid ends first or it never happens. */
void wait_for_size(const char *path, int64_t bytes, pid_t pid);

/* The last line of the worker log that starts with prefix (allocated; the
 * prefix is matched as given, e.g. "failed " or "finished KEY "), or NULL. */
char *worker_line(const char *log, const char *prefix);
/* How many lines of the log start with prefix. */
size_t worker_lines(const char *log, const char *prefix);
/* Fails the test, showing the whole log, when it has no line with prefix;
 * else returns that line (allocated). */
char *expect_worker_line(const char *log, const char *prefix);

struct event_log;
struct Ycdl__Event;

/* What the task looked like when the journal was read back, and how it was
 * finished. */
struct recovery {
	int status;               /* restored status (ycdl_status) */
	int error_code;           /* restored last error */
	uint64_t bytes;           /* restored bytes_written (what was claimed) */
	bool resumed;             /* continued from its data (resumed event) */
	uint64_t resumed_offset;
	bool restarted;           /* started over (restarted event) */
};

/* The recovery half of a fault test: opens the session in this process,
 * without faults; checks that the journal reads back whole (tasks tasks,
 * nothing quarantined); resumes key unless it is finished; checks that it
 * finishes byte-identical (sha) with no .part left next to its file. */
void recover_and_finish(const char *state_dir, const char *session,
		const char *key, unsigned int tasks, const char *sha,
		struct recovery *out);

/* Waits until a progress event says key has at least bytes on disk; fails
 * the test when no progress event comes for timeout_ms. */
void wait_progress(struct event_log *log, const char *key, uint64_t bytes,
		int timeout_ms);

/* The SHA-256 of www/name as the fault server serves it after a change
 * (change_after): every byte XOR 0x5A, resize bytes longer (0x00 ^ 0x5A
 * each) or shorter. */
void changed_sha256(const char *name, long resize, char out[65]);

/* Waits until key has at least bytes on disk, pauses it and returns the
 * bytes it holds once paused. */
uint64_t pause_at(struct event_log *log, const char *key, uint64_t bytes);


/* One response body the fault server sent for an id (see /_ranges). */
struct body_range {
	uint64_t first;         /* offset of its first byte in the file */
	uint64_t sent;          /* bytes written to the socket */
	bool done;
};

/* The bodies sent for id, in request order (at most max); returns how many. */
size_t fault_ranges(const char *id, struct body_range *out, size_t max);

/* "LOGDIR/name.log" for a fresh log (allocated). */
char *worker_log_path(const char *dir, const char *name);

/* The task key libycdl gives a URL added without a file id: the hex MD5 of
 * the URL (static buffer per call). */
const char *key_of_url(const char *url);

/* How many connections nginx logged (its conn=N serials) for the requests
 * whose access log line holds tag; fails the test when there are none. */
size_t nginx_connections_used(const char *tag);

#endif
