/* ycdl_bench.c — the benchmark driver for the workloads measured through the
 * C API instead of the ycdl program: adding and persisting many tasks,
 * reopening a big session, and fetching while consuming every event.
 *
 *   ycdl-bench add    --state DIR --out DIR --url-prefix URL --count N
 *                     [--batch N]
 *   ycdl-bench reopen --state DIR --url-prefix URL --count N
 *   ycdl-bench fetch  --state DIR --out DIR --list FILE [--jobs N]
 *                     [--progress-ms MS] [--queue-first] [--batch N]
 *                     [--attach]
 *
 *   ycdl-bench soak   --state DIR --out DIR --list FILE --rounds N [--jobs N]
 *
 * and those of ycdl_bench_shared.c (roundtrip, events, clients) and
 * ycdl_bench_idle.c (idle).
 * fetch --attach works through a handle attached to an owner that another
 * process runs (`ycdl serve`), waiting a few seconds for it to serve.
 *
 * Each prints one JSON object on stdout (times in seconds, memory in KiB)
 * and exits non-zero when the library failed or the result is wrong, so
 * bench/run can tell a slow run from a broken one. */
#define _GNU_SOURCE
#include "ycdl_bench.h"
#include "ycdl.pb-c.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The resident set right now (KiB). Peak figures come from getrusage, but
 * "memory per task" needs the current one before and after. */
long rss_now_kib(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	long kib = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

long rss_peak_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

int fail(const char *what, int rc)
{
	fprintf(stderr, "ycdl-bench: %s: %s (%s)\n", what, ycdl_strerror(rc),
			ycdl_last_error_message());
	return 1;
}

int open_session_mode(ycdl_session **s, const struct args *a, int mode)
{
	ycdl_session_options o = YCDL_SESSION_OPTIONS_INIT;
	struct timespec retry = { 0, 20 * 1000 * 1000 };
	int rc;

	o.state_dir = a->state;
	o.download_dir = a->out;
	if (a->jobs)
		o.max_concurrent = a->jobs;
	if (a->progress_ms)
		o.progress_interval_ms = a->progress_ms;
	o.open_mode = mode;
	/* A figure measured through an attached handle must never become an
	 * owner's: it fails instead of taking the session over. */
	o.takeover = mode != YCDL_OPEN_ATTACH;
	for (int tries = 0; (rc = ycdl_session_open(s, SESSION_ID, &o)) ==
			YCDL_E_NOT_FOUND && mode == YCDL_OPEN_ATTACH && tries < 250; tries++)
		nanosleep(&retry, NULL);      /* the owner is still starting */
	if (rc != 0)
		return fail("cannot open the session", rc);
	return 0;
}

/* The commands of one process own their session: one that found another
 * owner would measure that one's work. fetch --attach works through it. */
static int open_session(ycdl_session **s, const struct args *a)
{
	return open_session_mode(s, a, a->attach ? YCDL_OPEN_ATTACH : YCDL_OPEN_OWN);
}

static void count_event(struct tally *t, const Ycdl__Event *e, size_t len)
{
	t->events++;
	switch (e->kind_case) {
	case YCDL__EVENT__KIND_PROGRESS:
		t->progress++;
		break;
	case YCDL__EVENT__KIND_FINISHED:
		t->finished++;
		t->finished_bytes += e->finished->size;
		break;
	case YCDL__EVENT__KIND_FAILED:
		t->failed++;
		fprintf(stderr, "ycdl-bench: %s failed: %s\n", e->key, e->failed->message);
		break;
	case YCDL__EVENT__KIND_SESSION_RESTORED:
		t->restored = e->session_restored->tasks_found;
		break;
	case YCDL__EVENT__KIND_TASK_ADDED:
		t->last_added = now_s();
		if (t->added++ == 0)
			t->first_added = t->last_added;
		break;
	case YCDL__EVENT__KIND_ATTACHED:
		t->attached++;
		t->attached_bytes = len;
		break;
	case YCDL__EVENT__KIND_ROLE_CHANGED:
		t->role_changes++;
		break;
	default:
		break;
	}
}

/* Takes every pending event, decodes and counts it: the least an
 * application does. Never inlined, so that a profile shows the consumer's
 * share of the event path under this one name. */
__attribute__((noinline)) void consume_events(ycdl_session *s, struct tally *t)
{
	void *data;
	size_t len;

	while (ycdl_session_next_event(&data, &len, s) == 0) {
		Ycdl__Event *e = ycdl__event__unpack(NULL, len, data);

		ycdl_free(data);
		if (!e) {
			t->undecodable++;
			continue;
		}
		count_event(t, e, len);
		ycdl__event__free_unpacked(e, NULL);
	}
}

static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void task_url(char *buf, size_t len, const char *prefix, long i)
{
	snprintf(buf, len, "%s/%07ld.bin", prefix, i);
}

/* ---------------------------------------------------------------- add */

static int add_paused(ycdl_session *s, const struct args *a, struct tally *t)
{
	ycdl_task_options o = YCDL_TASK_OPTIONS_INIT;
	char url[512];
	int rc;

	o.start_paused = 1;
	for (long i = 0; i < a->count; i++) {
		task_url(url, sizeof(url), a->url_prefix, i);
		o.url = url;
		if ((rc = ycdl_task_add(NULL, s, &o)) != 0)
			return fail("ycdl_task_add", rc);
		/* An application reads its events as they come; letting 100,000
		 * of them pile up would measure the queue, not the tasks. */
		if (i % 1024 == 1023)
			consume_events(s, t);
	}
	consume_events(s, t);
	return 0;
}

enum { GROUP_NAME_MAX = 32, URL_MAX = 128 };

/* The caller's side of ycdl_task_add_many, made once and reused: an
 * application's own arrays are not the library's memory. They are written
 * when made, so that an RSS taken before the adds already holds them (freed
 * after each batch they would stay on malloc's heap, which raises its mmap
 * threshold to their size after the first free, and be counted as the
 * tasks'). */
static struct batch {
	size_t cap;
	ycdl_task_options *items;
	const ycdl_task_options **ptrs;
	char *names;               /* group names, GROUP_NAME_MAX each */
	char *text;                /* URLs, URL_MAX each */
	const char **urls;
} batch;

int batch_ready(size_t n)
{
	if (n <= batch.cap)
		return 0;
	free(batch.items);
	free(batch.ptrs);
	free(batch.names);
	free(batch.text);
	free(batch.urls);
	batch.items = malloc(n * sizeof(*batch.items));
	batch.ptrs = malloc(n * sizeof(*batch.ptrs));
	batch.names = malloc(n * GROUP_NAME_MAX);
	batch.text = malloc(n * URL_MAX);
	batch.urls = malloc(n * sizeof(*batch.urls));
	if (!batch.items || !batch.ptrs || !batch.names || !batch.text || !batch.urls) {
		batch.cap = 0;
		return fail("out of memory", YCDL_E_NOMEM);
	}
	memset(batch.items, 0, n * sizeof(*batch.items));
	memset(batch.ptrs, 0, n * sizeof(*batch.ptrs));
	memset(batch.names, 0, n * GROUP_NAME_MAX);
	memset(batch.text, 0, n * URL_MAX);
	memset(batch.urls, 0, n * sizeof(*batch.urls));
	batch.cap = n;
	return 0;
}

/* Adds urls[0..n) with one ycdl_task_add_many call; with groups, the task
 * numbered first + i joins group-((first + i) % groups). */
static int add_many(ycdl_session *s, const char *const *urls, size_t n, int paused,
		long first, long groups)
{
	int rc;

	if (batch_ready(n) != 0)
		return YCDL_E_NOMEM;
	for (size_t i = 0; i < n; i++) {
		ycdl_task_options *o = &batch.items[i];

		ycdl_task_options_init(o, YCDL_TASK_OPTIONS_VERSION);
		o->url = urls[i];
		o->start_paused = paused;
		if (groups > 0) {
			snprintf(batch.names + i * GROUP_NAME_MAX, GROUP_NAME_MAX, "group-%ld",
					(first + (long)i) % groups);
			o->group = batch.names + i * GROUP_NAME_MAX;
		}
		batch.ptrs[i] = o;
	}
	rc = ycdl_task_add_many(NULL, NULL, s, batch.ptrs, n);
	return rc != 0 ? fail("ycdl_task_add_many", rc) : 0;
}

/* The same tasks through ycdl_task_add_many, a batch at a time: how an
 * application adds a playlist or an import. The events are taken after
 * each batch, or left queued when t is NULL. */
int add_paused_in_batches(ycdl_session *s, const struct args *a, struct tally *t)
{
	size_t per = (size_t)a->batch;
	int rc = batch_ready(per);

	for (long first = 0; first < a->count && rc == 0; first += (long)per) {
		size_t n = a->count - first < (long)per ? (size_t)(a->count - first) : per;

		for (size_t i = 0; i < n; i++) {
			task_url(batch.text + i * URL_MAX, URL_MAX, a->url_prefix, first + (long)i);
			batch.urls[i] = batch.text + i * URL_MAX;
		}
		rc = add_many(s, batch.urls, n, 1, first, a->groups);
		if (t)
			consume_events(s, t);
	}
	return rc;
}

static int count_tasks(ycdl_session *s, size_t *out)
{
	char **keys;
	int rc = ycdl_session_list(&keys, out, s, YCDL_STATUS_ALL);

	if (rc != 0)
		return fail("ycdl_session_list", rc);
	ycdl_keys_free(keys, *out);
	return 0;
}

static int run_add(const struct args *a)
{
	struct tally t = { 0 };
	ycdl_session *s;
	char journal[4096];
	double start, added, closed;
	long rss_empty, rss_tasks;
	size_t listed = 0;

	if (open_session(&s, a) != 0)
		return 1;
	consume_events(s, &t);
	if (a->batch > 0 && batch_ready((size_t)a->batch) != 0)
		return 1;
	rss_empty = rss_now_kib();
	start = now_s();
	if ((a->batch > 0 ? add_paused_in_batches(s, a, &t) : add_paused(s, a, &t)) != 0)
		return 1;
	added = now_s();
	rss_tasks = rss_now_kib();
	if (count_tasks(s, &listed) != 0)
		return 1;
	closed = now_s();
	ycdl_session_close(s);
	closed = now_s() - closed;
	snprintf(journal, sizeof(journal), "%s/%s/tasks.journal", a->state, SESSION_ID);
	printf("{\"tasks\": %zu, \"add_s\": %.6f, \"close_s\": %.6f, "
			"\"rss_empty_kib\": %ld, \"rss_tasks_kib\": %ld, "
			"\"journal_bytes\": %ld, \"events\": %lu}\n",
			listed, added - start, closed, rss_empty, rss_tasks,
			file_size(journal), t.events);
	return listed == (size_t)a->count && t.events == (unsigned long)a->count + 1 ? 0 : 1;
}

/* ------------------------------------------------------------- reopen */

/* "Ready" means the loop answers a call; looking up one URL proves it
 * without building a 100,000-key list first. */
static int answer_one_call(ycdl_session *s, const struct args *a)
{
	char url[512], *key;
	int rc;

	task_url(url, sizeof(url), a->url_prefix, 0);
	if ((rc = ycdl_task_find_by_url(&key, s, url)) != 0)
		return fail("ycdl_task_find_by_url", rc);
	ycdl_free(key);
	return 0;
}

/* Every group's figures, as an application drawing one bar per group asks
 * for them; the groups must be the ones add made. */
static int report_groups(ycdl_session *s, const struct args *a, double *seconds)
{
	double start = now_s();
	uint64_t tasks = 0;
	char **names;
	size_t n;
	int rc;

	if ((rc = ycdl_group_list(&names, &n, s)) != 0)
		return fail("ycdl_group_list", rc);
	for (size_t i = 0; i < n && rc == 0; i++) {
		ycdl_group_info *g;

		if ((rc = ycdl_group_get_info(&g, s, names[i])) != 0)
			break;
		tasks += g->tasks;
		ycdl_free(g);
	}
	ycdl_keys_free(names, n);
	if (rc != 0)
		return fail("ycdl_group_get_info", rc);
	*seconds = now_s() - start;
	return n == (size_t)a->groups && tasks == (uint64_t)a->count ? 0
		: fail("the groups do not hold every task", YCDL_E_INTERNAL);
}

static int run_reopen(const struct args *a)
{
	struct tally t = { 0 };
	ycdl_session *s;
	double start, opened, ready, closed, groups_s = 0;
	long rss;

	start = now_s();
	if (open_session(&s, a) != 0)
		return 1;
	opened = now_s() - start;
	ycdl_session_wait_event(s, -1);
	consume_events(s, &t);
	if (answer_one_call(s, a) != 0)
		return 1;
	ready = now_s() - start;
	rss = rss_now_kib();
	if (a->groups > 0 && report_groups(s, a, &groups_s) != 0)
		return 1;
	closed = now_s();
	ycdl_session_close(s);
	closed = now_s() - closed;
	printf("{\"tasks\": %lu, \"open_s\": %.6f, \"ready_s\": %.6f, "
			"\"close_s\": %.6f, \"rss_kib\": %ld, \"groups_info_s\": %.6f}\n",
			t.restored, opened, ready, closed, rss, groups_s);
	return t.restored == (unsigned long)a->count ? 0 : 1;
}

/* -------------------------------------------------------------- fetch */

/* The list file's URLs, one per line, in one buffer; NULL on failure. */
static char **read_list(const char *path, size_t *count)
{
	FILE *f = fopen(path, "re");
	char line[4096], **urls = NULL;
	size_t cap = 0;

	*count = 0;
	if (!f) {
		perror(path);
		return NULL;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0])
			continue;
		if (*count == cap) {
			char **more = realloc(urls, (cap = cap ? cap * 2 : 1024) * sizeof(*urls));

			if (!more)
				break;
			urls = more;
		}
		if (!(urls[*count] = strdup(line)))
			break;
		++*count;
	}
	fclose(f);
	return urls;
}

static void free_list(char **urls, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(urls[i]);
	free(urls);
}

/* One ycdl_task_add per URL (taking events every 64, as an application's
 * loop would), or batches of a->batch through ycdl_task_add_many. */
static int add_urls(ycdl_session *s, const struct args *a, char **urls, size_t n,
		struct tally *t)
{
	ycdl_task_options o = YCDL_TASK_OPTIONS_INIT;
	size_t per = a->batch > 0 ? (size_t)a->batch : 1;
	int rc;

	for (size_t i = 0; i < n; i += per) {
		if (a->batch > 0) {
			rc = add_many(s, (const char *const *)urls + i, n - i < per ? n - i : per, 0,
					(long)i, 0);
		} else {
			o.url = urls[i];
			if ((rc = ycdl_task_add(NULL, s, &o)) != 0)
				rc = fail("ycdl_task_add", rc);
		}
		if (rc != 0)
			return rc;
		if (a->batch > 0 || i % 64 == 63)
			consume_events(s, t);
	}
	return 0;
}

/* With --queue-first the session is told it is offline while the tasks
 * are added and online once all are in, so adding and downloading are
 * timed apart: otherwise each add waits for the loop thread between
 * downloads. It also changes what is measured: the adds meet a scheduler
 * with thousands of waiting tasks, and the consumer is idle (woken for each
 * event) while the downloads run. */
static int set_network(ycdl_session *s, const struct args *a, ycdl_network network)
{
	int rc;

	if (a->queue_first && (rc = ycdl_session_set_network(s, network)) != 0)
		return fail("ycdl_session_set_network", rc);
	return 0;
}

static int run_fetch(const struct args *a)
{
	struct tally t = { 0 };
	size_t added = 0;
	char **urls = read_list(a->list, &added);
	ycdl_session *s;
	double start = now_s(), adds;

	if (!urls || open_session(&s, a) != 0 || set_network(s, a, YCDL_NETWORK_OFFLINE) != 0)
		return 1;
	if (a->attach && ycdl_session_role(s) != YCDL_ROLE_CLIENT) {
		fprintf(stderr, "ycdl-bench: --attach, but this handle owns the session\n");
		return 1;
	}
	if (add_urls(s, a, urls, added, &t) != 0)
		return 1;
	free_list(urls, added);
	adds = now_s() - start;
	if (set_network(s, a, YCDL_NETWORK_UNKNOWN) != 0)
		return 1;
	while (t.finished + t.failed < added) {
		ycdl_session_wait_event(s, 1000);
		consume_events(s, &t);
	}
	ycdl_session_close(s);
	printf("{\"tasks\": %zu, \"finished\": %lu, \"failed\": %lu, "
			"\"bytes\": %llu, \"adds_s\": %.6f, \"wall_s\": %.6f, "
			"\"events\": %lu, \"progress_events\": %lu, "
			"\"undecodable\": %lu, \"peak_rss_kib\": %ld}\n",
			added, t.finished, t.failed, (unsigned long long)t.finished_bytes,
			adds, now_s() - start, t.events, t.progress, t.undecodable,
			rss_peak_kib());
	return t.failed == 0 && t.undecodable == 0 && t.role_changes == 0 ? 0 : 1;
}

/* --------------------------------------------------------------- soak */

/* Forgets every task and deletes its file: the round leaves an empty
 * session and folder behind, as an app that clears its finished list. */
static int remove_all(ycdl_session *s)
{
	char **keys;
	size_t n;
	int rc;

	if ((rc = ycdl_session_list(&keys, &n, s, YCDL_STATUS_ALL)) != 0)
		return fail("ycdl_session_list", rc);
	for (size_t i = 0; i < n && rc == 0; i++)
		if ((rc = ycdl_task_remove(s, keys[i], YCDL_REMOVE_DELETE_FILE)) != 0)
			rc = fail("ycdl_task_remove", rc);
	ycdl_keys_free(keys, n);
	return rc;
}

static double cpu_s(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

/* A long-lived session (issue 20, item 6): rounds of the list's files
 * added (add_many), fetched and removed, all in one session; each round's
 * wall and CPU, so that a round N slower than round 1 shows. */
static int run_soak(const struct args *a)
{
	struct tally t = { 0 };
	size_t n = 0;
	char **urls = read_list(a->list, &n);
	struct args batched = *a;
	ycdl_session *s;
	int rc = 0;

	if (!urls || n == 0 || open_session(&s, a) != 0)
		return 1;
	batched.batch = 10000;
	printf("{\"files\": %zu, \"rounds\": [", n);
	for (long round = 0; round < a->rounds && rc == 0; round++) {
		unsigned long done = t.finished + t.failed;
		struct rusage before, after;
		double start = now_s();

		getrusage(RUSAGE_SELF, &before);
		rc = add_urls(s, &batched, urls, n, &t);
		while (rc == 0 && t.finished + t.failed < done + n) {
			ycdl_session_wait_event(s, 1000);
			consume_events(s, &t);
		}
		if (rc == 0)
			rc = remove_all(s);
		consume_events(s, &t);
		getrusage(RUSAGE_SELF, &after);
		printf("%s{\"wall_s\": %.6f, \"user_s\": %.6f, \"sys_s\": %.6f}",
				round ? ", " : "", now_s() - start,
				cpu_s(&after.ru_utime) - cpu_s(&before.ru_utime),
				cpu_s(&after.ru_stime) - cpu_s(&before.ru_stime));
		fflush(stdout);
	}
	printf("], \"failed\": %lu, \"peak_rss_kib\": %ld}\n", t.failed, rss_peak_kib());
	ycdl_session_close(s);
	free_list(urls, n);
	return rc == 0 && t.failed == 0 && t.undecodable == 0 ? 0 : 1;
}

/* --------------------------------------------------------------- main */

static int usage(void)
{
	fprintf(stderr,
		"usage: ycdl-bench add    --state DIR --out DIR --url-prefix URL --count N\n"
		"                         [--batch N] [--groups N]\n"
		"       ycdl-bench reopen --state DIR --url-prefix URL --count N [--groups N]\n"
		"       ycdl-bench fetch  --state DIR --out DIR --list FILE [--jobs N]\n"
		"                         [--progress-ms MS] [--queue-first] [--batch N]\n"
		"                         [--attach]\n"
		"       ycdl-bench roundtrip --state DIR --url-prefix URL --count N --calls N\n"
		"       ycdl-bench events --state DIR --url-prefix URL --count N --clients K\n"
		"                         [--batch N] [--backlog]\n"
		"       ycdl-bench clients --state DIR --url-prefix URL --count N --clients K\n"
		"       ycdl-bench idle --state DIR --out DIR --url-prefix URL --count N --seconds S\n"
		"       ycdl-bench soak --state DIR --out DIR --list FILE --rounds N [--jobs N]\n"
		"       ycdl-bench million --state DIR --out DIR --count N --finish K [--jobs N]\n");
	return 2;
}

/* A flag, or false when name is none. */
static bool parse_flag(struct args *a, const char *name)
{
	if (strcmp(name, "--queue-first") == 0)
		a->queue_first = 1;
	else if (strcmp(name, "--attach") == 0)
		a->attach = 1;
	else if (strcmp(name, "--backlog") == 0)
		a->backlog = 1;
	else
		return false;
	return true;
}

/* An option with a value, or false when name is none. */
static bool parse_value(struct args *a, const char *name, const char *value)
{
	if (strcmp(name, "--state") == 0)
		a->state = value;
	else if (strcmp(name, "--out") == 0)
		a->out = value;
	else if (strcmp(name, "--url-prefix") == 0)
		a->url_prefix = value;
	else if (strcmp(name, "--list") == 0)
		a->list = value;
	else if (strcmp(name, "--key") == 0)
		a->key = value;
	else if (strcmp(name, "--count") == 0)
		a->count = atol(value);
	else if (strcmp(name, "--calls") == 0)
		a->calls = atol(value);
	else if (strcmp(name, "--clients") == 0)
		a->clients = atol(value);
	else if (strcmp(name, "--jobs") == 0)
		a->jobs = (unsigned int)atoi(value);
	else if (strcmp(name, "--progress-ms") == 0)
		a->progress_ms = (unsigned int)atoi(value);
	else if (strcmp(name, "--batch") == 0)
		a->batch = atol(value);
	else if (strcmp(name, "--groups") == 0)
		a->groups = atol(value);
	else if (strcmp(name, "--seconds") == 0)
		a->seconds = atol(value);
	else if (strcmp(name, "--rounds") == 0)
		a->rounds = atol(value);
	else if (strcmp(name, "--finish") == 0)
		a->finish = atol(value);
	else
		return false;
	return true;
}

static int parse(struct args *a, int argc, char **argv)
{
	if (argc < 2)
		return -1;
	a->command = argv[1];
	for (int i = 2; i < argc; i++) {
		if (parse_flag(a, argv[i]))
			continue;
		if (i + 1 >= argc || !parse_value(a, argv[i], argv[i + 1]))
			return -1;
		i++;
	}
	return a->state ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	const char *c;

	if (parse(&a, argc, argv) != 0)
		return usage();
	c = a.command;
	if (strcmp(c, "add") == 0 && a.out && a.url_prefix && a.count > 0)
		return run_add(&a);
	if (strcmp(c, "reopen") == 0 && a.url_prefix && a.count > 0)
		return run_reopen(&a);
	if (strcmp(c, "fetch") == 0 && a.out && a.list)
		return run_fetch(&a);
	if (strcmp(c, "roundtrip") == 0 && a.url_prefix && a.count > 0 && a.calls > 0)
		return run_roundtrip(&a);
	if (strcmp(c, "events") == 0 && a.url_prefix && a.count > 0 && a.clients >= 0)
		return run_events(&a);
	if (strcmp(c, "clients") == 0 && a.url_prefix && a.count > 0 && a.clients > 0)
		return run_clients(&a);
	if (strcmp(c, "soak") == 0 && a.out && a.list && a.rounds > 0)
		return run_soak(&a);
	if (strcmp(c, "idle") == 0 && a.out && a.url_prefix && a.count > 0 && a.seconds > 0)
		return run_idle(&a);
	if (strcmp(c, "million") == 0 && a.out && a.count > 0 && a.finish > 0)
		return run_million(&a);
	/* Started by the commands above, never by hand. */
	if (strcmp(c, "calls") == 0 && a.key && a.count > 0 && a.calls > 0)
		return run_calls(&a);
	if (strcmp(c, "listen") == 0 && a.count >= 0)
		return run_listen(&a);
	return usage();
}
