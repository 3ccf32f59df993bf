/* ycdl_bench_million.c — a session of a million paused tasks taken through
 * an application's day after `ycdl-bench add` made it (issue 20, item 4):
 *
 *   ycdl-bench million --state DIR --out DIR --count N --jobs J --finish K
 *
 * reopens it, lists every task, resumes every one (J run at once), waits
 * until K of them are finished, and closes; one JSON line with the time
 * and the resident set after each step. The tasks' URLs must answer (the
 * bench's nginx serves one small file for every name under /same/). */
#define _GNU_SOURCE
#include "ycdl_bench.h"

#include <stdio.h>
#include <stdlib.h>

/* Waits until t has seen `finished` finished tasks, or any failed. */
static int wait_finished(ycdl_session *s, struct tally *t, unsigned long finished)
{
	while (t->finished < finished && t->failed == 0) {
		ycdl_session_wait_event(s, 1000);
		consume_events(s, t);
	}
	return t->failed == 0 ? 0 : fail("a task failed", YCDL_E_INTERNAL);
}

/* Resumes every key, reading events as an application would while it
 * makes its calls. */
static int resume_all(ycdl_session *s, char **keys, size_t n, struct tally *t)
{
	int rc;

	for (size_t i = 0; i < n; i++) {
		if ((rc = ycdl_task_resume(s, keys[i])) != 0)
			return fail("ycdl_task_resume", rc);
		if (i % 1024 == 1023)
			consume_events(s, t);
	}
	return 0;
}

int run_million(const struct args *a)
{
	struct tally t = { 0 };
	double start, opened, listed, resumed, finished, closed;
	long rss_open, rss_listed, rss_resumed, rss_finished;
	ycdl_session *s;
	char **keys = NULL;
	size_t n = 0;
	int rc;

	start = now_s();
	if (open_session_mode(&s, a, YCDL_OPEN_OWN) != 0)
		return 1;
	ycdl_session_wait_event(s, -1);
	consume_events(s, &t);
	opened = now_s() - start;
	rss_open = rss_now_kib();

	start = now_s();
	if ((rc = ycdl_session_list(&keys, &n, s, YCDL_STATUS_ALL)) != 0)
		return fail("ycdl_session_list", rc);
	listed = now_s() - start;
	rss_listed = rss_now_kib();

	start = now_s();
	rc = resume_all(s, keys, n, &t);
	resumed = now_s() - start;
	rss_resumed = rss_now_kib();
	ycdl_keys_free(keys, n);
	if (rc != 0)
		return 1;

	start = now_s();
	rc = wait_finished(s, &t, (unsigned long)a->finish);
	finished = now_s() - start + resumed;   /* from the first resume */
	rss_finished = rss_now_kib();

	start = now_s();
	ycdl_session_close(s);
	closed = now_s() - start;
	printf("{\"tasks\": %lu, \"listed\": %zu, \"open_s\": %.6f, \"rss_open_kib\": %ld, "
			"\"list_s\": %.6f, \"rss_listed_kib\": %ld, \"resume_s\": %.6f, "
			"\"rss_resumed_kib\": %ld, \"finished\": %lu, \"finish_s\": %.6f, "
			"\"rss_finished_kib\": %ld, \"close_s\": %.6f, \"peak_rss_kib\": %ld}\n",
			t.restored, n, opened, rss_open, listed, rss_listed, resumed,
			rss_resumed, t.finished, finished, rss_finished, closed,
			rss_peak_kib());
	return rc == 0 && n == (size_t)a->count && t.restored == (unsigned long)a->count
		? 0 : 1;
}
