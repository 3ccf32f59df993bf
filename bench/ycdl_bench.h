/* ycdl_bench.h — what the benchmark driver's two files share: its
 * arguments, the consumer's tally and the helpers every command uses.
 * ycdl_bench.c has the commands of one process (add, reopen, fetch),
 * ycdl_bench_shared.c those of shared sessions (issue 15),
 * ycdl_bench_idle.c what an idle session costs (issue 20),
 * ycdl_bench_million.c a million tasks reopened, listed and started. */
#ifndef YCDL_BENCH_H
#define YCDL_BENCH_H

#include "ycdl.h"

#include <stddef.h>
#include <stdint.h>

#define SESSION_ID "bench"

struct args {
	const char *command;
	const char *state;
	const char *out;
	const char *url_prefix;
	const char *list;
	const char *key;
	long count;
	long calls;               /* timed calls per series (roundtrip) */
	long clients;             /* attached processes to start */
	unsigned int jobs;
	unsigned int progress_ms;
	int queue_first;
	int attach;               /* open attached to a running owner */
	int backlog;              /* clients read only once the adds are done */
	long batch;               /* tasks per ycdl_task_add_many; 0: one by one */
	long groups;              /* add: task i joins group-(i % groups); 0: none */
	long seconds;             /* idle: how long to leave the session alone */
	long rounds;              /* soak: rounds of the list added and removed */
	long finish;              /* million: finished tasks to wait for */
};

/* What the consumer saw; the event path of the library ends here. */
struct tally {
	unsigned long events;
	unsigned long progress;
	unsigned long finished;
	unsigned long failed;
	unsigned long undecodable;
	unsigned long restored;
	unsigned long attached;
	size_t attached_bytes;    /* the owner's snapshot, encoded */
	unsigned long role_changes;
	unsigned long added;      /* task_added events */
	double first_added;       /* when the first and the last of them were */
	double last_added;        /* taken (CLOCK_MONOTONIC, seconds) */
	uint64_t finished_bytes;
};

double now_s(void);
long rss_now_kib(void);
long rss_peak_kib(void);
int fail(const char *what, int rc);
/* mode: a ycdl_open_mode; an attached handle waits a few seconds for an
 * owner that is still starting. */
int open_session_mode(ycdl_session **s, const struct args *a, int mode);
void consume_events(ycdl_session *s, struct tally *t);
int add_paused_in_batches(ycdl_session *s, const struct args *a, struct tally *t);
/* Makes the arrays of a ycdl_task_add_many call of n items (once, kept for
 * the run: they are the caller's memory, not the library's). */
int batch_ready(size_t n);

int run_roundtrip(const struct args *a);
int run_calls(const struct args *a);
int run_events(const struct args *a);
int run_clients(const struct args *a);
int run_listen(const struct args *a);
int run_idle(const struct args *a);
int run_million(const struct args *a);

#endif
