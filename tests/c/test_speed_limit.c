/* test_speed_limit.c — speed limits that hold from the first second (issue
 * 16, item 5): a task's own limit and the session's, for one task and
 * shared by several, changed while transfers run (also from an attached
 * handle), held transfers paused and removed, over HTTP/2, and below curl's
 * low-speed limit. Every file must end byte-identical. A limited download
 * can only be slower than its limit (load slows it further, never speeds
 * it up), so times are bounded from below only, and the bytes of any
 * one-second window from above, as progress events count them: each event
 * is stamped as its bytes are counted (progress_interval_ms 0: one event
 * per chunk taken). */
#define _GNU_SOURCE
#include "fixtures.h"
#include "harness.h"

#include <stdlib.h>
#include <time.h>

#define KiB 1024u
#define MiB (1024u * 1024)

static int64_t clock_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* For durations. */
static int64_t now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

/* The clock of events' timestamps. */
static int64_t wall_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* The least time size bytes can take at rate, in ms: every one-second
 * window after the first holds at most the rate plus 10 %, and the first
 * is allowed as much again plus a burst (a tenth of the rate). */
static int64_t least_ms(uint64_t size, uint64_t rate)
{
	double s = ((double)size - 1.2 * (double)rate) / (double)rate;

	return s > 0 ? (int64_t)(s * 1000) : 0;
}

/* size bytes at rate took no less than least_ms since start (a monotonic
 * time in ms); the figures go to the output for the record. */
#define CHECK_NOT_SOONER(start, size, rate) do { \
	int64_t took_ = now_ms() - (start), least_ = least_ms((size), (rate)); \
	printf("     (%llu bytes at %llu B/s: %.2f s, at least %.2f s)\n", \
			(unsigned long long)(size), (unsigned long long)(rate), \
			took_ / 1000.0, least_ / 1000.0); \
	CHECK(took_ >= least_); \
} while (0)

/* A session for one test, its event log and its state directory. */
struct run {
	char *dir;
	ycdl_session *s;
	struct event_log log;
};

/* Makes r's state directory; test options in it, with one progress event
 * per chunk taken and four downloads at once. */
static ycdl_session_options run_options(struct run *r, const char *id)
{
	ycdl_session_options o;

	r->dir = test_dir(id);
	o = test_session_options(r->dir);
	o.max_concurrent = 4;
	o.progress_interval_ms = 0;
	return o;
}

static void begin_with(struct run *r, const char *id, const ycdl_session_options *o)
{
	r->s = open_session(id, o);
	log_init(&r->log, r->s);
}

/* A session limited to session_rate (0: none). */
static void begin(struct run *r, const char *id, uint64_t session_rate)
{
	ycdl_session_options o = run_options(r, id);

	o.max_recv_speed = session_rate;
	begin_with(r, id, &o);
}

static void end(struct run *r)
{
	log_free(&r->log);
	ycdl_session_close(r->s);
	free(r->dir);
}

#define MAX_FILES 4

/* www/<prefix>-<i>.bin, count files of size bytes, and their tasks. */
struct files {
	size_t count;
	char sha[MAX_FILES][65];
	char *urls[MAX_FILES];
	char *keys[MAX_FILES];
};

static void make_files(struct files *f, const char *server, const char *prefix,
		size_t count, uint64_t size)
{
	char name[64];

	memset(f, 0, sizeof(*f));
	f->count = count;
	for (size_t i = 0; i < count; i++) {
		snprintf(name, sizeof(name), "%s-%zu.bin", prefix, i);
		make_file(name, size, f->sha[i]);
		f->urls[i] = test_url(server, name);
	}
}

static void free_files(struct files *f)
{
	for (size_t i = 0; i < f->count; i++) {
		ycdl_free(f->keys[i]);
		free(f->urls[i]);
	}
}

/* Adds file i with its own limit rate (0: none). */
static void add_limited(struct files *f, ycdl_session *s, size_t i, uint64_t rate)
{
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;

	t.url = f->urls[i];
	t.max_recv_speed = rate;
	f->keys[i] = add_task(s, &t);
}

static void expect_file(struct event_log *log, const char *key, const char *sha)
{
	Ycdl__Event *e = log_wait_end(log, 0, key, 120000);

	if (e->kind_case == YCDL__EVENT__KIND_FAILED)
		test_fail(__FILE__, __LINE__, "%s failed: %s", key, e->failed->message);
	CHECK_STR(e->finished->sha256_hex, sha);
}

static void expect_files(struct run *r, const struct files *f)
{
	for (size_t i = 0; i < f->count; i++)
		expect_file(&r->log, f->keys[i], f->sha[i]);
}

/* ------------------------------------------------- one-second windows */

/* The worst window seen by any test, for the record (printed at the end). */
static double worst_ratio;

/* The bytes the tasks keys took together in (from, from + 999] ms, as the
 * events tell: for each task, its last counted bytes in the window less its
 * first. That is never more than what they took (the window's own bytes
 * are at least those between two events inside it). */
static uint64_t window_bytes(const struct event_log *log, char *const *keys,
		size_t n, int64_t from)
{
	uint64_t sum = 0;

	for (size_t k = 0; k < n; k++) {
		uint64_t first = 0, last = 0;
		bool seen = false;

		for (size_t i = 0; i < log->count; i++) {
			const Ycdl__Event *e = log->events[i];

			if (e->kind_case != YCDL__EVENT__KIND_PROGRESS ||
			    e->timestamp_ms < from || e->timestamp_ms > from + 999 ||
			    strcmp(e->key, keys[k]) != 0)
				continue;
			if (!seen)
				first = e->progress->bytes_written;
			last = e->progress->bytes_written;
			seen = true;
		}
		sum += last - first;
	}
	return sum;
}

/* Every one-second window that starts a second or more after since (a
 * wall-clock time in ms; 0: the first progress event of keys) holds at most
 * rate plus 10 % for keys together. Windows start at each progress event. */
static void check_windows(const struct event_log *log, char *const *keys,
		size_t n, uint64_t rate, int64_t since)
{
	double worst = 0;

	for (size_t i = 0; i < log->count; i++) {
		const Ycdl__Event *e = log->events[i];

		if (e->kind_case == YCDL__EVENT__KIND_PROGRESS && since == 0)
			since = e->timestamp_ms;
	}
	for (size_t i = 0; i < log->count; i++) {
		const Ycdl__Event *e = log->events[i];
		uint64_t bytes;
		double ratio;

		if (e->kind_case != YCDL__EVENT__KIND_PROGRESS ||
		    e->timestamp_ms < since + 1000)
			continue;
		bytes = window_bytes(log, keys, n, e->timestamp_ms);
		ratio = (double)bytes / (double)rate;
		if (ratio > worst)
			worst = ratio;
		if (bytes * 10 > rate * 11)
			test_fail(__FILE__, __LINE__, "%llu bytes in the second from %lld: "
					"over %llu B/s + 10 %%", (unsigned long long)bytes,
					(long long)e->timestamp_ms, (unsigned long long)rate);
	}
	printf("     (worst one-second window: %.3f x the limit of %llu B/s)\n", worst,
			(unsigned long long)rate);
	if (worst > worst_ratio)
		worst_ratio = worst;
}

/* ------------------------------------------------------------- tests */

/* One file of size bytes from server with its task limited to rate:
 * byte-identical, no sooner than the limit allows, every second within. */
static void download_one(struct run *r, const char *server, const char *prefix,
		uint64_t size, uint64_t rate)
{
	struct files f;
	int64_t start;

	make_files(&f, server, prefix, 1, size);
	start = now_ms();
	add_limited(&f, r->s, 0, rate);
	expect_files(r, &f);
	CHECK_NOT_SOONER(start, size, rate);
	check_windows(&r->log, f.keys, 1, rate, 0);
	free_files(&f);
}

/* The first case: curl let files under ~25 MB through at full
 * speed. */
TEST(a_task_limit_holds_from_the_first_second)
{
	struct run r;

	begin(&r, "limit-task", 0);
	download_one(&r, env.nginx, "limit-task", MiB, 256 * KiB);
	end(&r);
}

TEST(four_mib_at_two_mib_per_second_takes_the_time_it_must)
{
	struct run r;

	begin(&r, "limit-4m", 0);
	download_one(&r, env.nginx, "limit-4m", 4 * MiB, 2 * MiB);
	end(&r);
}

/* A file over four connections (segments.h): the task's limit holds for
 * their sum, not for each. */
TEST(a_task_limit_holds_for_the_sum_of_its_connections)
{
	struct run r;
	ycdl_session_options o = run_options(&r, "limit-segs");

	o.connections = 4;
	o.segment_min_size = 256 * KiB;
	begin_with(&r, "limit-segs", &o);
	download_one(&r, env.nginx, "limit-segs", 2 * MiB, 512 * KiB);
	end(&r);
}

/* HTTP/2 delivers a stream's data in frames of its own: held all the same. */
TEST(a_limit_holds_over_http2)
{
	struct run r;
	ycdl_session_options o = run_options(&r, "limit-h2");

	o.ca_file = env.ca_file;
	begin_with(&r, "limit-h2", &o);
	download_one(&r, env.nginx_tls, "limit-h2", MiB, 384 * KiB);
	end(&r);
}

/* Four transfers take turns at one bucket: their sum holds, not each. */
TEST(the_session_limit_holds_for_four_tasks_together)
{
	struct run r;
	struct files f;
	int64_t start;

	begin(&r, "limit-session", 2 * MiB);
	make_files(&f, env.nginx, "limit-session", 4, 2 * MiB);
	start = now_ms();
	for (size_t i = 0; i < 4; i++)
		add_limited(&f, r.s, i, 0);
	expect_files(&r, &f);
	CHECK_NOT_SOONER(start, 8 * MiB, 2 * MiB);
	check_windows(&r.log, f.keys, 4, 2 * MiB, 0);
	free_files(&f);
	end(&r);
}

/* A task's own limit below its share of the session's: both hold. */
TEST(a_task_limit_holds_inside_the_session_limit)
{
	struct run r;
	struct files f;
	int64_t start;

	begin(&r, "limit-both", MiB);
	make_files(&f, env.nginx, "limit-both", 2, MiB);
	start = now_ms();
	add_limited(&f, r.s, 0, 256 * KiB);
	add_limited(&f, r.s, 1, 0);
	expect_files(&r, &f);
	CHECK_NOT_SOONER(start, MiB, 256 * KiB);
	CHECK_NOT_SOONER(start, 2 * MiB, MiB);
	check_windows(&r.log, f.keys, 1, 256 * KiB, 0);
	check_windows(&r.log, f.keys, 2, MiB, 0);
	free_files(&f);
	end(&r);
}

/* Lowered while the transfer runs: the rest of it holds to the new limit
 * (its receive buffer stays the one it started with). */
TEST(a_session_limit_lowered_while_running_holds_for_the_rest)
{
	struct run r;
	struct files f;
	ycdl_task_info *info;
	int64_t changed_ms, changed_wall;
	uint64_t rest;

	begin(&r, "limit-lower", MiB);
	make_files(&f, env.nginx, "limit-lower", 1, MiB);
	add_limited(&f, r.s, 0, 0);
	wait_progress(&r.log, f.keys[0], 256 * KiB, 30000);
	CHECK_OK(ycdl_session_set_max_recv_speed(r.s, 256 * KiB));
	changed_ms = now_ms();
	changed_wall = wall_ms();
	CHECK_OK(ycdl_task_get_info(&info, r.s, f.keys[0]));
	rest = MiB - info->bytes_written;      /* no more than the rest then */
	ycdl_task_info_free(info);
	expect_files(&r, &f);
	CHECK_NOT_SOONER(changed_ms, rest, 256 * KiB);
	check_windows(&r.log, f.keys, 1, 256 * KiB, changed_wall);
	free_files(&f);
	end(&r);
}

/* Removed while transfers wait in line for the session's bucket: every one
 * goes on (nothing is left paused with no timer to wake it). */
TEST(removing_the_session_limit_lets_every_waiting_transfer_go)
{
	struct run r;
	struct files f;

	/* At 16 KiB/s the files would take ten minutes, five times as long as
	 * expect_file waits: only the removal lets them finish. */
	begin(&r, "limit-remove", 16 * KiB);
	make_files(&f, env.nginx, "limit-remove", 3, 3 * MiB);
	for (size_t i = 0; i < 3; i++)
		add_limited(&f, r.s, i, 0);
	for (size_t i = 0; i < 3; i++)
		wait_progress(&r.log, f.keys[i], 4 * KiB, 30000);
	CHECK_OK(ycdl_session_set_max_recv_speed(r.s, 0));
	expect_files(&r, &f);
	free_files(&f);
	end(&r);
}

/* The owner applies a limit an attached handle sets, to transfers the
 * handle added (with their own limit, through the wire as well). */
TEST(limits_from_an_attached_handle_hold)
{
	struct run r;
	ycdl_session_options o = run_options(&r, "limit-attached");
	ycdl_session *client;
	struct files f;
	int64_t start;

	o.open_mode = YCDL_OPEN_OWN;
	begin_with(&r, "limit-attached", &o);
	o.open_mode = YCDL_OPEN_ATTACH;
	client = open_session("limit-attached", &o);
	CHECK_INT(ycdl_session_role(client), YCDL_ROLE_CLIENT);
	make_files(&f, env.nginx, "limit-attached", 2, 512 * KiB);
	CHECK_OK(ycdl_session_set_max_recv_speed(client, 512 * KiB));
	start = now_ms();
	add_limited(&f, client, 0, 0);
	add_limited(&f, client, 1, 128 * KiB);
	expect_files(&r, &f);
	CHECK_NOT_SOONER(start, MiB, 512 * KiB);
	CHECK_NOT_SOONER(start, 512 * KiB, 128 * KiB);
	check_windows(&r.log, f.keys, 2, 512 * KiB, 0);
	check_windows(&r.log, &f.keys[1], 1, 128 * KiB, 0);
	CHECK_OK(ycdl_session_close(client));
	free_files(&f);
	end(&r);
}

/* Held most of the time, a transfer still pauses, resumes and is removed
 * like any other: its bytes kept, its timer gone (the sanitizer runs see to
 * "no leak, no use after free"). */
TEST(a_held_transfer_pauses_resumes_and_is_removed_cleanly)
{
	struct run r;
	struct files f;

	begin(&r, "limit-pause", 0);
	make_files(&f, env.nginx, "limit-pause", 2, 512 * KiB);
	add_limited(&f, r.s, 0, 128 * KiB);
	add_limited(&f, r.s, 1, 64 * KiB);
	CHECK(pause_at(&r.log, f.keys[0], 64 * KiB) < 512 * KiB);
	wait_progress(&r.log, f.keys[1], 32 * KiB, 30000);
	CHECK_OK(ycdl_task_remove(r.s, f.keys[1], YCDL_REMOVE_DELETE_FILE));
	CHECK_OK(ycdl_task_resume(r.s, f.keys[0]));
	expect_file(&r.log, f.keys[0], f.sha[0]);
	CHECK(log_find(&r.log, YCDL__EVENT__KIND_RESUMED, f.keys[0]) != NULL);
	free_files(&f);
	end(&r);
}

/* Three transfers share a slow session limit, so each is paused by the
 * throttle nearly all the time, most of them waiting in its line: one is
 * paused and resumed, one cancelled there. The others go on; nothing is
 * left in the line (the sanitizer and valgrind runs see to "no leak, no use
 * after free" of its timer and entries). */
TEST(a_transfer_waiting_for_the_session_limit_pauses_and_cancels_cleanly)
{
	struct run r;
	struct files f;
	Ycdl__Event *e;
	uint64_t held;

	begin(&r, "limit-line", 128 * KiB);
	make_files(&f, env.nginx, "limit-line", 3, 256 * KiB);
	for (size_t i = 0; i < 3; i++)
		add_limited(&f, r.s, i, 0);
	for (size_t i = 0; i < 3; i++)
		wait_progress(&r.log, f.keys[i], 8 * KiB, 30000);
	held = pause_at(&r.log, f.keys[0], 8 * KiB);
	CHECK(held < 256 * KiB);
	CHECK_OK(ycdl_task_cancel(r.s, f.keys[1], 0));
	wait_progress(&r.log, f.keys[2], 64 * KiB, 30000);
	CHECK_OK(ycdl_task_resume(r.s, f.keys[0]));
	expect_file(&r.log, f.keys[0], f.sha[0]);
	expect_file(&r.log, f.keys[2], f.sha[2]);
	e = log_wait_end(&r.log, 0, f.keys[1], 10000);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FAILED);
	CHECK_INT(e->failed->error_code, YCDL_E_CANCELED);
	free_files(&f);
	end(&r);
}

/* A task's limit is the task's: kept across a pause and by the next
 * session that continues the task (it is in the journal). */
TEST(a_task_limit_survives_a_pause_and_a_new_session)
{
	struct run r;
	ycdl_session_options o = run_options(&r, "limit-kept");
	struct files f;
	uint64_t held;
	int64_t resumed_ms, resumed_wall;

	begin_with(&r, "limit-kept", &o);
	make_files(&f, env.nginx, "limit-kept", 1, MiB);
	add_limited(&f, r.s, 0, 256 * KiB);
	held = pause_at(&r.log, f.keys[0], 128 * KiB);
	CHECK(held < MiB);
	log_free(&r.log);
	CHECK_OK(ycdl_session_close(r.s));
	begin_with(&r, "limit-kept", &o);
	resumed_ms = now_ms();
	resumed_wall = wall_ms();
	CHECK_OK(ycdl_task_resume(r.s, f.keys[0]));
	expect_files(&r, &f);
	/* A resume fetches again up to 64 KiB before the point it continues
	 * from (RESUME_OVERLAP): at least the rest of the file goes through. */
	CHECK_NOT_SOONER(resumed_ms, MiB - held, 256 * KiB);
	check_windows(&r.log, f.keys, 1, 256 * KiB, resumed_wall);
	free_files(&f);
	end(&r);
}

/* Several files from one HTTP/2 server share a connection: the throttle
 * pauses streams, not the connection, and their sum holds. */
TEST(the_session_limit_holds_for_multiplexed_http2_streams)
{
	struct run r;
	ycdl_session_options o = run_options(&r, "limit-h2-streams");
	struct files f;
	int64_t start;

	o.ca_file = env.ca_file;
	o.max_recv_speed = 512 * KiB;
	begin_with(&r, "limit-h2-streams", &o);
	make_files(&f, env.nginx_tls, "limit-h2-streams", 3, 512 * KiB);
	start = now_ms();
	for (size_t i = 0; i < 3; i++)
		add_limited(&f, r.s, i, 0);
	expect_files(&r, &f);
	CHECK_NOT_SOONER(start, 3 * 512 * KiB, 512 * KiB);
	check_windows(&r.log, f.keys, 3, 512 * KiB, 0);
	free_files(&f);
	end(&r);
}

/* The ends of the range: UINT64_MAX is as good as no limit (taken as
 * 1 TiB/s, ycdl.h), for a task, a session and the setter alike; 1 byte/s
 * lets one least read (1 KiB) through and then holds the transfer for
 * about 17 minutes, which a cancel and the session's close end cleanly. */
TEST(extreme_limits_are_taken_without_harm)
{
	struct run r;
	struct files f;
	ycdl_task_info *info;

	begin(&r, "limit-extreme", UINT64_MAX);
	make_files(&f, env.nginx, "limit-extreme", 2, MiB);
	CHECK_OK(ycdl_session_set_max_recv_speed(r.s, UINT64_MAX));
	add_limited(&f, r.s, 0, UINT64_MAX);
	expect_file(&r.log, f.keys[0], f.sha[0]);
	add_limited(&f, r.s, 1, 1);
	wait_progress(&r.log, f.keys[1], 1, 30000);
	sleep_ms(1500);
	CHECK_OK(ycdl_task_get_info(&info, r.s, f.keys[1]));
	CHECK(info->bytes_written <= KiB);
	CHECK_INT(info->status, YCDL_STATUS_DOWNLOADING);
	ycdl_task_info_free(info);
	CHECK_OK(ycdl_task_cancel(r.s, f.keys[1], YCDL_CANCEL_DELETE_DATA));
	/* Another held at 1 byte/s when the session closes. */
	CHECK_OK(ycdl_task_start(r.s, f.keys[1]));
	wait_progress(&r.log, f.keys[1], 1, 30000);
	free_files(&f);
	end(&r);
}

/* Slower than curl's low-speed limit on purpose: curl does not count the
 * time a transfer is held, so it is not taken for a stalled one. */
TEST(a_limit_below_the_low_speed_limit_is_not_a_stall)
{
	struct run r;
	ycdl_session_options o = run_options(&r, "limit-slow");
	struct files f;

	o.low_speed_limit = 200000;
	o.low_speed_time_s = 1;
	begin_with(&r, "limit-slow", &o);
	make_files(&f, env.nginx, "limit-slow", 1, 96 * KiB);
	add_limited(&f, r.s, 0, 24 * KiB);
	expect_files(&r, &f);
	CHECK_INT(log_count(&r.log, YCDL__EVENT__KIND_RETRYING, f.keys[0]), 0);
	free_files(&f);
	end(&r);
}

/* ... while a server that stops sending is still caught. */
TEST(a_limited_transfer_whose_server_stalls_still_times_out)
{
	struct run r;
	ycdl_session_options o = run_options(&r, "limit-stall");
	struct files f;
	Ycdl__Event *e;

	fault_reset("limit-stall");
	o.low_speed_limit = 1000;
	o.low_speed_time_s = 1;
	begin_with(&r, "limit-stall", &o);
	make_files(&f, env.fault, "limit-stall", 1, 400000);
	free(f.urls[0]);        /* the same file, stalled once by the server */
	f.urls[0] = test_url(env.fault,
			"limit-stall-0.bin?stall_after=100000&stall=30&id=limit-stall");
	add_limited(&f, r.s, 0, 512 * KiB);
	expect_files(&r, &f);
	e = log_find(&r.log, YCDL__EVENT__KIND_RETRYING, f.keys[0]);
	CHECK(e != NULL);
	CHECK_INT(e->retrying->error_code, YCDL_E_TIMEOUT);
	free_files(&f);
	end(&r);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(a_task_limit_holds_from_the_first_second),
		TEST_ENTRY(four_mib_at_two_mib_per_second_takes_the_time_it_must),
		TEST_ENTRY(a_task_limit_holds_for_the_sum_of_its_connections),
		TEST_ENTRY(a_limit_holds_over_http2),
		TEST_ENTRY(the_session_limit_holds_for_four_tasks_together),
		TEST_ENTRY(a_task_limit_holds_inside_the_session_limit),
		TEST_ENTRY(a_session_limit_lowered_while_running_holds_for_the_rest),
		TEST_ENTRY(removing_the_session_limit_lets_every_waiting_transfer_go),
		TEST_ENTRY(limits_from_an_attached_handle_hold),
		TEST_ENTRY(a_held_transfer_pauses_resumes_and_is_removed_cleanly),
		TEST_ENTRY(a_transfer_waiting_for_the_session_limit_pauses_and_cancels_cleanly),
		TEST_ENTRY(a_task_limit_survives_a_pause_and_a_new_session),
		TEST_ENTRY(the_session_limit_holds_for_multiplexed_http2_streams),
		TEST_ENTRY(extreme_limits_are_taken_without_harm),
		TEST_ENTRY(a_limit_below_the_low_speed_limit_is_not_a_stall),
		TEST_ENTRY(a_limited_transfer_whose_server_stalls_still_times_out),
	};
	int rc = test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));

	printf("worst one-second window of all: %.3f x the limit\n", worst_ratio);
	return rc;
}
