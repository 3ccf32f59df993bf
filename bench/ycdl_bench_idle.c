/* ycdl_bench_idle.c — what an idle session costs (issue 20, "battery"): a
 * session holding N paused tasks, opened and then left alone for S
 * seconds, should not wake the CPU at all. A laptop or phone app keeps its
 * session open all day; a timer that fires with nothing to do drains the
 * battery for nothing.
 *
 *   ycdl-bench idle --state DIR --out DIR --url-prefix URL --count N
 *                   --seconds S
 *
 * Adds N paused tasks when the state folder holds none, closes, reopens
 * (the state an app finds at launch), takes the restore's events, then
 * sleeps S seconds and reports what every thread of the process used
 * meanwhile: CPU time, and context switches (each a wake-up of some thread:
 * getrusage counts them for the whole process). This thread sleeps in one
 * nanosleep: its own share is one switch. */
#define _GNU_SOURCE
#include "ycdl_bench.h"

#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

struct usage {
	double cpu_s;
	long switches;
};

static struct usage usage_now(void)
{
	struct rusage ru;
	struct usage u;

	getrusage(RUSAGE_SELF, &ru);
	u.cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		(double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	u.switches = ru.ru_nvcsw + ru.ru_nivcsw;
	return u;
}

static void sleep_s(double seconds)
{
	struct timespec left = { (time_t)seconds,
		(long)((seconds - (double)(time_t)seconds) * 1e9) };

	while (nanosleep(&left, &left) != 0 && errno == EINTR)
		;
}

/* Adds the tasks once: a state folder from an earlier run is reused. */
static int ensure_tasks(const struct args *a)
{
	struct args batched = *a;
	struct tally t = { 0 };
	ycdl_session *s;
	size_t n;
	char **keys;
	int rc;

	if (open_session_mode(&s, a, YCDL_OPEN_OWN) != 0)
		return 1;
	rc = ycdl_session_list(&keys, &n, s, YCDL_STATUS_ALL);
	if (rc == 0) {
		ycdl_keys_free(keys, n);
		batched.batch = 10000;
		if (n == 0)
			rc = add_paused_in_batches(s, &batched, &t) != 0 ? YCDL_E_INTERNAL : 0;
	}
	ycdl_session_close(s);
	return rc != 0 ? fail("adding the paused tasks", rc) : 0;
}

int run_idle(const struct args *a)
{
	struct tally t = { 0 };
	struct usage before, after;
	unsigned long events_before;
	ycdl_session *s;

	if (ensure_tasks(a) != 0 || open_session_mode(&s, a, YCDL_OPEN_OWN) != 0)
		return 1;
	ycdl_session_wait_event(s, -1);
	/* The restore's events come in the first turns; a second's quiet
	 * after them starts the measured stretch. */
	sleep_s(1.0);
	consume_events(s, &t);
	events_before = t.events;
	before = usage_now();
	sleep_s((double)a->seconds);
	after = usage_now();
	consume_events(s, &t);
	ycdl_session_close(s);
	printf("{\"tasks\": %lu, \"seconds\": %ld, \"cpu_s\": %.6f, \"switches\": %ld, "
			"\"wakeups_per_s\": %.2f, \"events\": %lu}\n",
			t.restored, a->seconds, after.cpu_s - before.cpu_s,
			after.switches - before.switches,
			(double)(after.switches - before.switches) / (double)a->seconds,
			t.events - events_before);
	return t.restored == (unsigned long)a->count ? 0 : 1;
}
