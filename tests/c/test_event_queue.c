/* test_event_queue.c — the bounded event queue: a reader that does not
 * read finds one progress event per task, whose bursts still add up to the
 * file; every other event is kept in order; seq skips only what was
 * coalesced; progress says the ETA; an event callback still sees it all. */
#define _GNU_SOURCE
#include "harness.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Progress every 20 ms: a download of a second would queue about fifty. */
static ycdl_session_options fast_progress_options(const char *dir)
{
	ycdl_session_options o = test_session_options(dir);

	o.progress_interval_ms = 20;
	o.max_concurrent = 4;
	return o;
}

/* Adds www/name, size bytes, served by the fault server with params. */
static char *add_served(ycdl_session *s, const char *name, uint64_t size,
		const char *params)
{
	char path[256], *url, *key;

	make_file(name, size, NULL);
	snprintf(path, sizeof(path), "%s?%s", name, params);
	url = test_url(env.fault, path);
	key = add_url(s, url, NULL);
	free(url);
	return key;
}

static char *add_rated(ycdl_session *s, const char *name, uint64_t size,
		unsigned int rate)
{
	char params[64];

	snprintf(params, sizeof(params), "rate=%u", rate);
	return add_served(s, name, size, params);
}

/* Waits for key to finish without taking a single event. */
static void wait_finished_unread(ycdl_session *s, const char *key)
{
	for (int i = 0; i < 600 && task_status(s, key) != YCDL_STATUS_FINISHED; i++)
		usleep(50000);
	CHECK_INT(task_status(s, key), YCDL_STATUS_FINISHED);
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An event is queued within this long of its timestamp (the loop thread
 * stamps it and queues it in one go; an attached handle's comes over a
 * local socket). */
#define QUEUED_WITHIN_MS 100

/* Reads what is pending into the log and checks that it held at most one
 * progress event per task. Only for the events surely pending when the
 * reading began, those stamped well before: while it reads, a task whose
 * progress it just took may queue a newer one, which it takes too. */
static void read_pending(struct event_log *log)
{
	int64_t began = wall_ms();
	size_t from = log->count;

	log_drain(log);
	for (size_t i = from; i < log->count; i++) {
		const Ycdl__Event *a = log->events[i];

		if (a->kind_case != YCDL__EVENT__KIND_PROGRESS ||
		    a->timestamp_ms >= began - QUEUED_WITHIN_MS)
			continue;
		for (size_t j = i + 1; j < log->count; j++) {
			const Ycdl__Event *b = log->events[j];

			CHECK(b->kind_case != YCDL__EVENT__KIND_PROGRESS ||
			      strcmp(a->key, b->key) != 0 ||
			      b->timestamp_ms >= began - QUEUED_WITHIN_MS);
		}
	}
}

/* The numbers seq skipped (the log checks that it strictly increases) are
 * exactly the progress events coalesced: for an attached handle too, whose
 * owner here never changes. */
static void check_seq_accounts_for_coalescing(const struct event_log *log)
{
	CHECK_INT(log->skipped, log->coalesced);
}

static uint64_t burst_sum(const struct event_log *log, const char *key)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < log->count; i++)
		if (log->events[i]->kind_case == YCDL__EVENT__KIND_PROGRESS &&
		    strcmp(log->events[i]->key, key) == 0)
			sum += log->events[i]->progress->bytes_this_burst;
	return sum;
}

/* key's events but progress, as kinds, into kinds (at most max). */
static size_t kinds_but_progress(const struct event_log *log, const char *key,
		int *kinds, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < log->count && n < max; i++)
		if (log->events[i]->kind_case != YCDL__EVENT__KIND_PROGRESS &&
		    strcmp(log->events[i]->key, key) == 0)
			kinds[n++] = log->events[i]->kind_case;
	return n;
}

/* A download's own events, progress aside, in the order they happen. */
static void check_download_story(const struct event_log *log, const char *key)
{
	static const int story[] = { YCDL__EVENT__KIND_TASK_ADDED,
		YCDL__EVENT__KIND_STATUS_CHANGED, YCDL__EVENT__KIND_RESUMABILITY,
		YCDL__EVENT__KIND_STATUS_CHANGED, YCDL__EVENT__KIND_FINISHED };
	int kinds[16];
	size_t n = kinds_but_progress(log, key, kinds, 16);
	const Ycdl__Event *e;

	CHECK_INT(n, sizeof(story) / sizeof(story[0]));
	for (size_t i = 0; i < n; i++)
		CHECK_INT(kinds[i], story[i]);
	e = log_find(log, YCDL__EVENT__KIND_STATUS_CHANGED, key);
	CHECK_INT(e->status_changed->new_status, YCDL_STATUS_DOWNLOADING);
}

TEST(a_reader_that_does_not_read_finds_one_progress_event_per_task)
{
	char *dir = test_dir("unread");
	ycdl_session_options o = fast_progress_options(dir);
	ycdl_session *s = open_session("unread", &o);
	static const uint64_t sizes[3] = { 600000, 400000, 500000 };
	struct event_log log;
	char *keys[3], name[64];

	log_init(&log, s);
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "unread-%d.bin", i);
		keys[i] = add_rated(s, name, sizes[i], 1000000);
	}
	for (int i = 0; i < 3; i++)
		wait_finished_unread(s, keys[i]);
	log_wait(&log, 0, YCDL__EVENT__KIND_ALL_FINISHED, NULL, 10000);
	for (int i = 0; i < 3; i++) {
		const Ycdl__Event *p = log_find(&log, YCDL__EVENT__KIND_PROGRESS, keys[i]);

		CHECK_INT(log_count(&log, YCDL__EVENT__KIND_PROGRESS, keys[i]), 1);
		CHECK_INT(p->progress->bytes_this_burst, sizes[i]);
		CHECK_INT(p->progress->bytes_written, sizes[i]);
		CHECK_INT(p->progress->bytes_expected, sizes[i]);
		/* Some twenty were emitted over the 0.4 s or more; one is left. */
		CHECK(p->progress->coalesced >= 5);
		check_download_story(&log, keys[i]);
		ycdl_free(keys[i]);
	}
	check_seq_accounts_for_coalescing(&log);
	log_free(&log);
	ycdl_session_close(s);
	free(dir);
}

TEST(a_reader_that_falls_behind_never_has_two_progress_events_of_a_task)
{
	char *dir = test_dir("behind");
	ycdl_session_options o = fast_progress_options(dir);
	ycdl_session *s = open_session("behind", &o);
	static const uint64_t sizes[3] = { 500000, 700000, 900000 };
	struct event_log log;
	char *keys[3], name[64];
	size_t reads = 0;

	log_init(&log, s);
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "behind-%d.bin", i);
		keys[i] = add_rated(s, name, sizes[i], 800000);
	}
	/* A reader busy for a quarter of a second at a time. */
	while (!log_find(&log, YCDL__EVENT__KIND_ALL_FINISHED, NULL)) {
		CHECK(reads++ < 200);
		usleep(250000);
		read_pending(&log);
	}
	for (int i = 0; i < 3; i++) {
		CHECK_INT(burst_sum(&log, keys[i]), sizes[i]);
		check_download_story(&log, keys[i]);
		ycdl_free(keys[i]);
	}
	check_seq_accounts_for_coalescing(&log);
	CHECK(log.coalesced > 0);
	log_free(&log);
	ycdl_session_close(s);
	free(dir);
}

/* The status changes of key, as a chain: each starts where the last
 * ended. Returns how many there were; *paused tells whether one paused. */
static size_t check_status_chain(const struct event_log *log, const char *key,
		bool *paused)
{
	int status = YCDL_STATUS_WAITING;
	size_t n = 0;

	*paused = false;
	for (size_t i = 0; i < log->count; i++) {
		const Ycdl__Event *e = log->events[i];

		if (e->kind_case != YCDL__EVENT__KIND_STATUS_CHANGED ||
		    strcmp(e->key, key) != 0)
			continue;
		CHECK_INT(e->status_changed->old_status, status);
		status = (int)e->status_changed->new_status;
		*paused |= status == YCDL_STATUS_PAUSED;
		n++;
	}
	CHECK_INT(status, YCDL_STATUS_FINISHED);
	return n;
}

TEST(status_events_stay_in_order_around_coalesced_progress)
{
	char *dir = test_dir("pausing");
	ycdl_session_options o = fast_progress_options(dir);
	ycdl_session *s = open_session("pausing", &o);
	struct event_log log;
	ycdl_task_info *info;
	bool paused, some = false;
	char *key;

	log_init(&log, s);
	key = add_rated(s, "pausing.bin", 1000000, 1000000);
	for (int i = 0; i < 200 && !some; i++) {
		CHECK_OK(ycdl_task_get_info(&info, s, key));
		some = info->bytes_written >= 300000;
		ycdl_task_info_free(info);
		usleep(20000);
	}
	CHECK(some);
	CHECK_OK(ycdl_task_pause(s, key));
	CHECK_OK(ycdl_task_resume(s, key));
	wait_finished_unread(s, key);
	log_wait(&log, 0, YCDL__EVENT__KIND_ALL_FINISHED, NULL, 10000);
	/* waiting -> downloading -> paused -> waiting -> downloading -> finished */
	CHECK_INT(check_status_chain(&log, key, &paused), 5);
	CHECK(paused);
	CHECK(log_find(&log, YCDL__EVENT__KIND_FINISHED, key) != NULL);
	CHECK_INT(log_count(&log, YCDL__EVENT__KIND_PROGRESS, key), 1);
	CHECK_INT(burst_sum(&log, key), 1000000);
	check_seq_accounts_for_coalescing(&log);
	ycdl_free(key);
	log_free(&log);
	ycdl_session_close(s);
	free(dir);
}

TEST(progress_says_the_eta_when_the_size_is_known)
{
	char *dir = test_dir("eta");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s;
	struct event_log log;
	char *key;
	size_t mid = 0;

	o.progress_interval_ms = 100;
	s = open_session("eta", &o);
	log_init(&log, s);
	key = add_rated(s, "eta.bin", 1000000, 500000);
	log_wait(&log, 0, YCDL__EVENT__KIND_FINISHED, key, 20000);
	for (size_t i = 0; i < log.count; i++) {
		const Ycdl__Progress *p = log.events[i]->progress;
		uint64_t left;

		if (log.events[i]->kind_case != YCDL__EVENT__KIND_PROGRESS)
			continue;
		left = (uint64_t)p->bytes_expected - p->bytes_written;
		if (p->speed_bps == 0) {
			CHECK_INT(p->eta_seconds, -1);
			continue;
		}
		/* As task info computes it... */
		CHECK_INT(p->eta_seconds, (int64_t)(left / p->speed_bps));
		/* ...and sensible once the speed has settled: the file comes
		 * at 500 kB/s. */
		if (p->bytes_written >= 200000 && left >= 200000) {
			mid++;
			CHECK(p->eta_seconds >= (int64_t)(left / 500000) / 3);
			CHECK(p->eta_seconds <= (int64_t)(left / 500000) * 3 + 1);
		}
	}
	CHECK(mid >= 3);
	ycdl_free(key);

	/* No length, no ETA. */
	key = add_served(s, "eta-chunked.bin", 300000, "chunked=1&rate=600000");
	log_wait(&log, 0, YCDL__EVENT__KIND_FINISHED, key, 20000);
	CHECK(log_count(&log, YCDL__EVENT__KIND_PROGRESS, key) >= 1);
	for (size_t i = 0; i < log.count; i++)
		if (log.events[i]->kind_case == YCDL__EVENT__KIND_PROGRESS &&
		    strcmp(log.events[i]->key, key) == 0)
			CHECK_INT(log.events[i]->progress->eta_seconds, -1);
	ycdl_free(key);
	log_free(&log);
	ycdl_session_close(s);
	free(dir);
}

struct recorded {
	pthread_mutex_t mutex;
	struct event_log log;
	atomic_int all_finished;
};

static void record(const void *data, size_t len, void *payload)
{
	struct recorded *r = payload;
	bool all_finished;

	pthread_mutex_lock(&r->mutex);
	all_finished = log_add(&r->log, data, len)->kind_case ==
		YCDL__EVENT__KIND_ALL_FINISHED;
	pthread_mutex_unlock(&r->mutex);
	if (all_finished)
		atomic_store(&r->all_finished, 1);
}

TEST(an_event_callback_sees_every_byte_and_every_status)
{
	char *dir = test_dir("callback-queue");
	ycdl_session_options o = fast_progress_options(dir);
	struct recorded r = { .mutex = PTHREAD_MUTEX_INITIALIZER };
	ycdl_session *s;
	char *keys[2];

	o.event_cb = record;
	o.event_cb_payload = &r;
	s = open_session("callback-queue", &o);
	keys[0] = add_rated(s, "callback-queue-0.bin", 400000, 800000);
	keys[1] = add_rated(s, "callback-queue-1.bin", 300000, 800000);
	for (int i = 0; i < 600 && !atomic_load(&r.all_finished); i++)
		usleep(20000);
	CHECK(atomic_load(&r.all_finished));
	pthread_mutex_lock(&r.mutex);
	CHECK_INT(burst_sum(&r.log, keys[0]), 400000);
	CHECK_INT(burst_sum(&r.log, keys[1]), 300000);
	/* Delivered at once: progress comes every 20 ms, as emitted. */
	CHECK(log_count(&r.log, YCDL__EVENT__KIND_PROGRESS, keys[0]) >= 5);
	check_download_story(&r.log, keys[0]);
	check_download_story(&r.log, keys[1]);
	check_seq_accounts_for_coalescing(&r.log);
	pthread_mutex_unlock(&r.mutex);
	ycdl_free(keys[0]);
	ycdl_free(keys[1]);
	ycdl_session_close(s);
	log_free(&r.log);
	free(dir);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(a_reader_that_does_not_read_finds_one_progress_event_per_task),
		TEST_ENTRY(a_reader_that_falls_behind_never_has_two_progress_events_of_a_task),
		TEST_ENTRY(status_events_stay_in_order_around_coalesced_progress),
		TEST_ENTRY(progress_says_the_eta_when_the_size_is_known),
		TEST_ENTRY(an_event_callback_sees_every_byte_and_every_status),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
