/* ycdl_bench_shared.c — the driver's commands for shared sessions (issue
 * 15): what a control call costs through an attached handle, how fast the
 * owner's events reach attached processes, and what each attached process
 * costs the owner in memory.
 *
 *   ycdl-bench roundtrip --state DIR --url-prefix URL --count N --calls N
 *       owns a session of N paused tasks and times --calls calls of
 *       ycdl_session_get_info and of ycdl_task_get_info, back to back and
 *       1 ms apart, on the owner's handle, on a handle attached from this
 *       process, and from another process;
 *   ycdl-bench events --state DIR --url-prefix URL --count N --clients K
 *                     [--batch N] [--backlog]
 *       starts K attached processes, then adds N paused tasks (--batch per
 *       ycdl_task_add_many, 1000 by default); each process and the owner's
 *       own consumer report when they took the first and the last of the N
 *       task_added events. --backlog holds the consumers (SIGSTOP) until
 *       the adds are done: their rate is then what the path delivers, not
 *       what the adds produce;
 *   ycdl-bench clients --state DIR --url-prefix URL --count N --clients K
 *       owns N paused tasks and reads its RSS before and after K idle
 *       processes attach (and after they leave).
 *
 * The attached processes are this program again (`calls`, `listen`),
 * started with posix_spawn: the owner has threads, so forking it and
 * calling the library in the child is not an option. Their report is one
 * line on their stdout; `listen` says "ready" first, once the owner's
 * snapshot (the attached event) is in, and an idle one leaves when its
 * stdin closes. Times are CLOCK_MONOTONIC, the same in every process. */
#define _GNU_SOURCE
#include "ycdl_bench.h"
#include "ycdl.pb-c.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* How long a child may take to attach, and to report once it should. */
#define READY_MS 10000
#define REPORT_MS 120000

/* ------------------------------------------------------------ children */

struct child {
	pid_t pid;
	int out;                   /* its stdout, which we read */
	int in;                    /* its stdin: closing it lets it go */
};

/* Starts this program again with argv. Every pipe end of ours is
 * close-on-exec, so a child's stdin reaches EOF once we close it, however
 * many children were started after it. */
static int spawn_self(struct child *c, char *const argv[])
{
	posix_spawn_file_actions_t fa;
	int out[2], in[2], rc;

	if (pipe2(out, O_CLOEXEC) != 0)
		return fail("pipe", YCDL_E_IO);
	if (pipe2(in, O_CLOEXEC) != 0) {
		close(out[0]);
		close(out[1]);
		return fail("pipe", YCDL_E_IO);
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	rc = posix_spawn(&c->pid, "/proc/self/exe", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	close(in[0]);
	c->out = out[0];
	c->in = in[1];
	if (rc != 0) {
		close(c->out);
		close(c->in);
		c->pid = 0;
		fprintf(stderr, "ycdl-bench: posix_spawn: %s\n", strerror(rc));
		return 1;
	}
	return 0;
}

/* One line of the child's stdout (without the newline), within ms. */
static int read_line(const struct child *c, char *buf, size_t size, int ms)
{
	double deadline = now_s() + ms / 1000.0;
	size_t n = 0;

	while (n + 1 < size) {
		struct pollfd p = { c->out, POLLIN, 0 };
		int left = (int)((deadline - now_s()) * 1000);

		if (left <= 0 || poll(&p, 1, left) == 0)
			break;
		if (read(c->out, buf + n, 1) != 1)
			break;
		if (buf[n] == '\n') {
			buf[n] = '\0';
			return 0;
		}
		n++;
	}
	buf[n] = '\0';
	fprintf(stderr, "ycdl-bench: child %d said \"%s\" and no more\n", (int)c->pid, buf);
	return 1;
}

/* Lets the child go, reads what it still says (closing its stdout first
 * would kill it with SIGPIPE) and reaps it; 0 when it exited with 0. */
static int end_child(struct child *c)
{
	struct pollfd p = { c->out, POLLIN, 0 };
	char rest[256];
	int status = 0;

	if (c->pid <= 0)
		return 1;
	if (c->in >= 0)
		close(c->in);
	while (poll(&p, 1, REPORT_MS) > 0 && read(c->out, rest, sizeof(rest)) > 0)
		;
	close(c->out);
	while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
		;
	c->pid = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "ycdl-bench: a child failed (status %#x)\n", status);
		return 1;
	}
	return 0;
}

static void kill_children(struct child *c, long n)
{
	for (long i = 0; i < n; i++)
		if (c[i].pid > 0) {
			kill(c[i].pid, SIGKILL);
			(void)end_child(&c[i]);
		}
}

static void signal_children(const struct child *c, long n, int sig)
{
	for (long i = 0; i < n; i++)
		kill(c[i].pid, sig);
}

/* Starts n listeners of count task_added events each (0: idle until let
 * go) and waits until every one has the owner's snapshot. */
static int start_listeners(struct child *c, long n, const struct args *a, long count)
{
	char count_text[32], line[64];

	snprintf(count_text, sizeof(count_text), "%ld", count);
	for (long i = 0; i < n; i++) {
		char *argv[] = { "ycdl-bench", "listen", "--state", (char *)a->state,
			"--count", count_text, NULL };

		if (spawn_self(&c[i], argv) != 0)
			return 1;
	}
	for (long i = 0; i < n; i++)
		if (read_line(&c[i], line, sizeof(line), READY_MS) != 0 ||
		    strcmp(line, "ready") != 0)
			return 1;
	return 0;
}

/* ------------------------------------------------------------ round trip */

struct latency {
	double p50, p99, max;     /* microseconds */
};

enum call_kind { CALL_SESSION_INFO, CALL_TASK_INFO, CALL_KINDS };

/* Both kinds of call, back to back and spaced. */
struct series {
	struct latency back_to_back[CALL_KINDS];
	struct latency spaced[CALL_KINDS];
};

/* Spaced calls are this far apart: long enough for both loop threads to
 * have stopped spinning (loop.c: 30 us) and gone to sleep, as before a
 * call an application makes when its user clicks. */
#define SPACED_GAP_NS 1000000L

static int compare_doubles(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/* Nearest rank: the smallest sample with at least permille of them at or
 * below it. */
static double percentile(const double *sorted, size_t n, unsigned permille)
{
	size_t rank = (n * permille + 999) / 1000;

	return sorted[rank ? rank - 1 : 0];
}

/* One call; wrong answers count as failures, not as fast calls. */
static int one_call(ycdl_session *s, enum call_kind kind, const struct args *a)
{
	ycdl_session_info *info;
	ycdl_task_info *task;
	bool right;
	int rc;

	if (kind == CALL_TASK_INFO) {
		if ((rc = ycdl_task_get_info(&task, s, a->key)) != 0)
			return fail("ycdl_task_get_info", rc);
		right = strcmp(task->key, a->key) == 0;
		ycdl_task_info_free(task);
	} else {
		if ((rc = ycdl_session_get_info(&info, s)) != 0)
			return fail("ycdl_session_get_info", rc);
		right = info->tasks == (size_t)a->count;
		ycdl_free(info);
	}
	if (!right)
		fprintf(stderr, "ycdl-bench: a call answered for another session or task\n");
	return right ? 0 : 1;
}

/* n calls of one kind, gap_ns apart (0: back to back), after a few not
 * counted (the first call of a handle finds cold caches). */
static int time_calls(ycdl_session *s, enum call_kind kind, const struct args *a,
		long n, long gap_ns, struct latency *out)
{
	struct timespec gap = { 0, gap_ns };
	double *us = malloc((size_t)n * sizeof(*us));
	int rc = us ? 0 : fail("out of memory", YCDL_E_NOMEM);

	for (long i = -(n / 10); i < n && rc == 0; i++) {
		double start;

		if (gap_ns)
			nanosleep(&gap, NULL);
		start = now_s();
		rc = one_call(s, kind, a);
		if (i >= 0)
			us[i] = (now_s() - start) * 1e6;
	}
	if (rc == 0) {
		qsort(us, (size_t)n, sizeof(*us), compare_doubles);
		out->p50 = percentile(us, (size_t)n, 500);
		out->p99 = percentile(us, (size_t)n, 990);
		out->max = us[n - 1];
	}
	free(us);
	return rc;
}

/* Spaced calls take a millisecond each: a tenth as many. */
static long spaced_calls(const struct args *a)
{
	return a->calls / 10 > 20 ? a->calls / 10 : 20;
}

static int time_series(ycdl_session *s, const struct args *a, struct series *out)
{
	for (int k = 0; k < CALL_KINDS; k++)
		if (time_calls(s, k, a, a->calls, 0, &out->back_to_back[k]) != 0 ||
		    time_calls(s, k, a, spaced_calls(a), SPACED_GAP_NS, &out->spaced[k]) != 0)
			return 1;
	return 0;
}

static void print_latency(const char *name, const struct latency *l, const char *sep)
{
	printf("\"%s\": {\"p50_us\": %.1f, \"p99_us\": %.1f, \"max_us\": %.1f}%s",
			name, l->p50, l->p99, l->max, sep);
}

/* One JSON object, on one line: a child's whole report. */
static void print_series(const struct series *r)
{
	printf("{");
	print_latency("session_info", &r->back_to_back[CALL_SESSION_INFO], ", ");
	print_latency("task_info", &r->back_to_back[CALL_TASK_INFO], ", ");
	print_latency("session_info_spaced", &r->spaced[CALL_SESSION_INFO], ", ");
	print_latency("task_info_spaced", &r->spaced[CALL_TASK_INFO], "}");
}

/* The owner's handle takes events for all; an attached one starts with the
 * owner's snapshot, after which every event of the session reaches it. */
static int wait_attached(ycdl_session *s, struct tally *t)
{
	double deadline = now_s() + READY_MS / 1000.0;

	while (!t->attached && now_s() < deadline) {
		ycdl_session_wait_event(s, 100);
		consume_events(s, t);
	}
	if (!t->attached)
		fprintf(stderr, "ycdl-bench: no attached event within %d ms\n", READY_MS);
	return t->attached ? 0 : 1;
}

/* The session of a->count paused tasks, owned; a->key set to the first's. */
static int own_with_tasks(ycdl_session **s, struct args *a, struct tally *t)
{
	char url[512], *key;
	int rc;

	if (open_session_mode(s, a, YCDL_OPEN_OWN) != 0)
		return 1;
	if (a->batch <= 0)
		a->batch = 1000;
	if (add_paused_in_batches(*s, a, t) != 0)
		return 1;
	snprintf(url, sizeof(url), "%s/%07d.bin", a->url_prefix, 0);
	if ((rc = ycdl_task_find_by_url(&key, *s, url)) != 0)
		return fail("ycdl_task_find_by_url", rc);
	a->key = key;
	return 0;
}

/* The same series from another process, its report copied as it is. */
static int series_elsewhere(const struct args *a)
{
	char count[32], calls[32], line[1024];
	char *argv[] = { "ycdl-bench", "calls", "--state", (char *)a->state, "--key",
		(char *)a->key, "--count", count, "--calls", calls, NULL };
	struct child c;

	snprintf(count, sizeof(count), "%ld", a->count);
	snprintf(calls, sizeof(calls), "%ld", a->calls);
	if (spawn_self(&c, argv) != 0)
		return 1;
	if (read_line(&c, line, sizeof(line), REPORT_MS) != 0) {
		kill_children(&c, 1);
		return 1;
	}
	if (end_child(&c) != 0)
		return 1;
	printf("%s", line);
	return 0;
}

int run_roundtrip(const struct args *given)
{
	struct args a = *given;
	struct tally t = { 0 }, attached_tally = { 0 };
	struct series own, attached;
	ycdl_session *s, *peer;
	int rc;

	if (own_with_tasks(&s, &a, &t) != 0 || time_series(s, &a, &own) != 0)
		return 1;
	if (open_session_mode(&peer, &a, YCDL_OPEN_ATTACH) != 0 ||
	    wait_attached(peer, &attached_tally) != 0 ||
	    time_series(peer, &a, &attached) != 0)
		return 1;
	ycdl_session_close(peer);
	printf("{\"tasks\": %ld, \"calls\": %ld, \"spaced_calls\": %ld, "
			"\"spaced_gap_us\": %ld, \"in_process\": ", a.count, a.calls,
			spaced_calls(&a), SPACED_GAP_NS / 1000);
	print_series(&own);
	printf(", \"attached\": ");
	print_series(&attached);
	printf(", \"other_process\": ");
	rc = series_elsewhere(&a);
	printf("}\n");
	consume_events(s, &t);
	ycdl_session_close(s);
	ycdl_free((void *)a.key);
	return rc;
}

/* `calls`: the series of an attached process, for run_roundtrip. */
int run_calls(const struct args *a)
{
	struct tally t = { 0 };
	struct series r;
	ycdl_session *s;

	if (open_session_mode(&s, a, YCDL_OPEN_ATTACH) != 0 || wait_attached(s, &t) != 0 ||
	    time_series(s, a, &r) != 0)
		return 1;
	print_series(&r);
	printf("\n");
	ycdl_session_close(s);
	return 0;
}

/* ------------------------------------------------------------ listeners */

/* Takes events until count task_added came; stalls of 30 s fail. */
static int count_added(ycdl_session *s, long count, struct tally *t)
{
	double quiet_since = now_s();

	while (t->added < (unsigned long)count) {
		unsigned long before = t->events;

		ycdl_session_wait_event(s, 1000);
		consume_events(s, t);
		if (t->role_changes || t->undecodable) {
			fprintf(stderr, "ycdl-bench: listen: the owner went away\n");
			return 1;
		}
		if (t->events != before)
			quiet_since = now_s();
		else if (now_s() - quiet_since > 30) {
			fprintf(stderr, "ycdl-bench: listen: %lu of %ld events, then none\n",
					t->added, count);
			return 1;
		}
	}
	return 0;
}

/* Blocks until the parent closes our stdin. */
static void wait_for_eof(void)
{
	char buf[64];

	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0 || errno == EINTR)
		errno = 0;
}

/* `listen`: attached; "ready" once the snapshot is in; then either counts
 * a->count task_added events or, with 0, idles until let go. Reports
 * "EVENTS FIRST LAST SNAPSHOT_BYTES". */
int run_listen(const struct args *a)
{
	struct tally t = { 0 };
	ycdl_session *s;
	int rc = 0;

	if (open_session_mode(&s, a, YCDL_OPEN_ATTACH) != 0 || wait_attached(s, &t) != 0)
		return 1;
	printf("ready\n");
	fflush(stdout);
	if (a->count > 0)
		rc = count_added(s, a->count, &t);
	else
		wait_for_eof();
	printf("%lu %.9f %.9f %zu\n", t.added, t.first_added, t.last_added,
			t.attached_bytes);
	fflush(stdout);
	ycdl_session_close(s);
	return rc;
}

/* ------------------------------------------------------------ events */

/* When one consumer took its first and last task_added, from the start. */
static void print_consumer(unsigned long events, double first, double last, double t0,
		const char *sep)
{
	printf("{\"events\": %lu, \"first_s\": %.6f, \"last_s\": %.6f}%s", events,
			events ? first - t0 : 0, events ? last - t0 : 0, sep);
}

/* Each listener's report, printed as a consumer; 1 when one is wrong. */
static int report_listeners(struct child *c, long n, long count, double t0)
{
	int rc = 0;

	printf("[");
	for (long i = 0; i < n; i++) {
		char line[128];
		unsigned long events = 0;
		double first = 0, last = 0;

		if (read_line(&c[i], line, sizeof(line), REPORT_MS) != 0 ||
		    sscanf(line, "%lu %lf %lf", &events, &first, &last) != 3 ||
		    events != (unsigned long)count)
			rc = 1;
		if (end_child(&c[i]) != 0)
			rc = 1;
		print_consumer(events, first, last, t0, i + 1 < n ? ", " : "");
	}
	printf("]");
	return rc;
}

int run_events(const struct args *given)
{
	struct args a = *given;
	struct child *c = calloc((size_t)a.clients + 1, sizeof(*c));
	struct tally t = { 0 };
	double t0, added, resumed;
	ycdl_session *s;
	int rc;

	if (a.batch <= 0)
		a.batch = 1000;
	if (!c || open_session_mode(&s, &a, YCDL_OPEN_OWN) != 0)
		return 1;
	consume_events(s, &t);
	if (start_listeners(c, a.clients, &a, a.count) != 0) {
		kill_children(c, a.clients);
		return 1;
	}
	if (a.backlog)
		signal_children(c, a.clients, SIGSTOP);
	t0 = now_s();
	/* The owner's own consumer takes its events after each batch, or
	 * (backlog) only once all are in. */
	rc = add_paused_in_batches(s, &a, a.backlog ? NULL : &t);
	added = now_s();
	if (a.backlog)
		signal_children(c, a.clients, SIGCONT);
	resumed = now_s();
	while (rc == 0 && t.added < (unsigned long)a.count) {
		ycdl_session_wait_event(s, 1000);
		consume_events(s, &t);
	}
	printf("{\"tasks\": %ld, \"clients\": %ld, \"batch\": %ld, \"backlog\": %d, "
			"\"adds_s\": %.6f, \"resumed_s\": %.6f, \"owner\": ", a.count,
			a.clients, a.batch, a.backlog, added - t0, resumed - t0);
	print_consumer(t.added, t.first_added, t.last_added, t0, ", \"listeners\": ");
	if (report_listeners(c, a.clients, a.count, t0) != 0)
		rc = 1;
	printf("}\n");
	kill_children(c, a.clients);
	free(c);
	ycdl_session_close(s);
	return rc || t.added != (unsigned long)a.count || t.undecodable ? 1 : 0;
}

/* ------------------------------------------------------------ RSS */

/* Until the owner counts n clients (they have hung up, or said hello). */
static int wait_clients(ycdl_session *s, unsigned int n)
{
	struct timespec poll_every = { 0, 10 * 1000 * 1000 };
	double deadline = now_s() + READY_MS / 1000.0;

	while (now_s() < deadline) {
		ycdl_session_info *info;
		bool there;
		int rc;

		if ((rc = ycdl_session_get_info(&info, s)) != 0)
			return fail("ycdl_session_get_info", rc);
		there = info->clients == n;
		ycdl_free(info);
		if (there)
			return 0;
		nanosleep(&poll_every, NULL);
	}
	fprintf(stderr, "ycdl-bench: the owner never counted %u clients\n", n);
	return 1;
}

/* Starts the peak RSS (VmHWM, getrusage's maxrss) afresh (Linux 4.0 on),
 * so that it tells what the clients cost, not what adding the tasks did. */
static void reset_peak_rss(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "we");

	if (f) {
		fputs("5", f);
		fclose(f);
	}
}

/* Lets an idle listener go; *snapshot: the attached event's size it saw. */
static int let_go(struct child *c, size_t *snapshot)
{
	char line[128];
	unsigned long events;
	double first, last;

	close(c->in);
	c->in = -1;
	if (read_line(c, line, sizeof(line), REPORT_MS) != 0 ||
	    sscanf(line, "%lu %lf %lf %zu", &events, &first, &last, snapshot) != 4) {
		(void)end_child(c);
		return 1;
	}
	return end_child(c);
}

int run_clients(const struct args *given)
{
	struct args a = *given;
	struct child *c = calloc((size_t)a.clients, sizeof(*c));
	struct tally t = { 0 };
	long before, with, after;
	size_t snapshot = 0;
	ycdl_session *s;
	int rc = 0;

	if (!c || own_with_tasks(&s, &a, &t) != 0)
		return 1;
	before = rss_now_kib();
	reset_peak_rss();
	if (start_listeners(c, a.clients, &a, 0) != 0 ||
	    wait_clients(s, (unsigned int)a.clients) != 0) {
		kill_children(c, a.clients);
		return 1;
	}
	with = rss_now_kib();
	for (long i = 0; i < a.clients; i++)
		if (let_go(&c[i], &snapshot) != 0)
			rc = 1;
	rc |= wait_clients(s, 0);
	consume_events(s, &t);
	after = rss_now_kib();
	/* The peak is while the clients attach: the owner holds each one's
	 * snapshot until that client has read it. */
	printf("{\"tasks\": %ld, \"clients\": %ld, \"rss_before_kib\": %ld, "
			"\"rss_with_clients_kib\": %ld, \"rss_after_kib\": %ld, "
			"\"peak_rss_kib\": %ld, \"per_client_kib\": %.1f, "
			"\"snapshot_bytes\": %zu}\n", a.count, a.clients, before, with,
			after, rss_peak_kib(), (double)(with - before) / (double)a.clients,
			snapshot);
	free(c);
	ycdl_session_close(s);
	ycdl_free((void *)a.key);
	return rc;
}
