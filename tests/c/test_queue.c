/* test_queue.c — the queue: at most N at once, priority then FIFO, the
 * network policy (the seed's cellular switch), and "all tasks finished". */
#define _GNU_SOURCE
#include "harness.h"
#include "fixtures.h"

#include <stdlib.h>
#include <unistd.h>

struct fixture {
	char *dir;
	ycdl_session *s;
	struct event_log log;
};

static void open_fixture(struct fixture *f, const char *id, unsigned int max,
		bool allow_cellular)
{
	ycdl_session_options o;

	f->dir = test_dir(id);
	o = test_session_options(f->dir);
	o.max_concurrent = max;
	o.allow_cellular = allow_cellular;
	f->s = open_session(id, &o);
	log_init(&f->log, f->s);
}

static void close_fixture(struct fixture *f)
{
	log_free(&f->log);
	ycdl_session_close(f->s);
	free(f->dir);
}

static char *add_slow(struct fixture *f, const char *file, int priority, uint64_t rate)
{
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	char url[1024], *key;

	snprintf(url, sizeof(url), "%s/%s?rate=%llu", env.fault, file,
			(unsigned long long)rate);
	t.url = url;
	t.priority = priority;
	CHECK_OK(ycdl_task_add(&key, f->s, &t));
	return key;
}

/* Replays the log: the most tasks downloading at one time, and the keys in
 * the order they started. */
static int max_parallel(const struct event_log *log, char **started, size_t cap,
		size_t *nstarted)
{
	int now = 0, max = 0;

	*nstarted = 0;
	for (size_t i = 0; i < log->count; i++) {
		const Ycdl__Event *e = log->events[i];

		if (e->kind_case != YCDL__EVENT__KIND_STATUS_CHANGED)
			continue;
		if (e->status_changed->new_status == YCDL__TASK_STATUS__TASK_STATUS_DOWNLOADING) {
			now++;
			if (*nstarted < cap)
				started[(*nstarted)++] = e->key;
		}
		if (e->status_changed->old_status == YCDL__TASK_STATUS__TASK_STATUS_DOWNLOADING)
			now--;
		if (now > max)
			max = now;
	}
	return max;
}

TEST(at_most_n_run_at_once_and_the_rest_start_in_fifo_order)
{
	struct fixture f;
	char *keys[6], *started[16], name[32];
	size_t n;

	open_fixture(&f, "fifo", 2, true);
	for (int i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "fifo-%d.bin", i);
		make_file(name, 120000, NULL);
		keys[i] = add_slow(&f, name, 0, 600000);
	}
	log_wait(&f.log, 0, YCDL__EVENT__KIND_ALL_FINISHED, NULL, 30000);
	CHECK_INT(max_parallel(&f.log, started, 16, &n), 2);
	CHECK_INT(n, 6);
	for (int i = 0; i < 6; i++)
		CHECK_STR(started[i], keys[i]);
	CHECK_INT(log_count(&f.log, YCDL__EVENT__KIND_FINISHED, NULL), 6);
	CHECK_INT(log_count(&f.log, YCDL__EVENT__KIND_ALL_FINISHED, NULL), 1);
	for (int i = 0; i < 6; i++)
		ycdl_free(keys[i]);
	close_fixture(&f);
}

TEST(higher_priority_waits_less)
{
	struct fixture f;
	char *first, *low, *high, *started[8];
	size_t n;

	open_fixture(&f, "prio", 1, true);
	make_file("prio-a.bin", 150000, NULL);
	make_file("prio-b.bin", 1000, NULL);
	make_file("prio-c.bin", 1000, NULL);
	first = add_slow(&f, "prio-a.bin", 0, 500000);
	low = add_slow(&f, "prio-b.bin", 0, 10000000);
	high = add_slow(&f, "prio-c.bin", 5, 10000000);
	log_wait(&f.log, 0, YCDL__EVENT__KIND_ALL_FINISHED, NULL, 30000);
	CHECK_INT(max_parallel(&f.log, started, 8, &n), 1);
	CHECK_INT(n, 3);
	CHECK_STR(started[0], first);
	CHECK_STR(started[1], high);
	CHECK_STR(started[2], low);
	ycdl_free(first);
	ycdl_free(low);
	ycdl_free(high);
	close_fixture(&f);
}

TEST(raising_max_concurrent_at_run_time_starts_waiting_tasks)
{
	struct fixture f;
	char *keys[3], *started[8], name[32];
	size_t n;

	open_fixture(&f, "raise", 1, true);
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "raise-%d.bin", i);
		make_file(name, 300000, NULL);
		keys[i] = add_slow(&f, name, 0, 300000);
	}
	log_wait_status(&f.log, keys[0], YCDL_STATUS_DOWNLOADING, 5000);
	CHECK_OK(ycdl_session_set_max_concurrent(f.s, 3));
	log_wait_status(&f.log, keys[2], YCDL_STATUS_DOWNLOADING, 5000);
	log_wait(&f.log, 0, YCDL__EVENT__KIND_ALL_FINISHED, NULL, 30000);
	CHECK_INT(max_parallel(&f.log, started, 8, &n), 3);
	for (int i = 0; i < 3; i++)
		ycdl_free(keys[i]);
	close_fixture(&f);
}

TEST(cellular_switch_holds_tasks_until_allowed)
{
	struct fixture f;
	char *key;

	open_fixture(&f, "cellular", 3, false);
	make_file("cell.bin", 50000, NULL);
	CHECK_OK(ycdl_session_set_network(f.s, YCDL_NETWORK_CELLULAR));
	key = add_slow(&f, "cell.bin", 0, 10000000);
	log_wait_status(&f.log, key, YCDL_STATUS_WAITING_FOR_NETWORK, 5000);
	CHECK_INT(task_status(f.s, key), YCDL_STATUS_WAITING_FOR_NETWORK);
	/* Turning the switch on applies to the task already created. */
	CHECK_OK(ycdl_session_set_allow_cellular(f.s, 1));
	log_wait(&f.log, 0, YCDL__EVENT__KIND_FINISHED, key, 10000);
	ycdl_free(key);
	close_fixture(&f);
}

TEST(task_refusing_cellular_waits_then_continues_on_wifi)
{
	struct fixture f;
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	char url[512], *key;

	open_fixture(&f, "taskcell", 3, true);
	make_file("taskcell.bin", 600000, NULL);
	snprintf(url, sizeof(url), "%s/taskcell.bin?rate=400000", env.fault);
	t.url = url;
	CHECK_OK(ycdl_task_add(&key, f.s, &t));
	wait_progress(&f.log, key, 2 * RESUME_OVERLAP, 10000);  /* then it resumes */
	/* A running task that may not use cellular stops at once. */
	CHECK_OK(ycdl_task_set_allow_cellular(f.s, key, 0));
	CHECK_OK(ycdl_session_set_network(f.s, YCDL_NETWORK_CELLULAR));
	log_wait_status(&f.log, key, YCDL_STATUS_WAITING_FOR_NETWORK, 5000);
	CHECK_OK(ycdl_session_set_network(f.s, YCDL_NETWORK_UNMETERED));
	log_wait(&f.log, 0, YCDL__EVENT__KIND_RESUMED, key, 10000);
	log_wait(&f.log, 0, YCDL__EVENT__KIND_FINISHED, key, 10000);
	ycdl_free(key);
	close_fixture(&f);
}

TEST(offline_suspends_without_spending_retries)
{
	struct fixture f;
	ycdl_task_info *info;
	char sha[65], *key;

	open_fixture(&f, "offline", 3, true);
	make_file("offline.bin", 600000, sha);
	key = add_slow(&f, "offline.bin", 0, 400000);
	log_wait(&f.log, 0, YCDL__EVENT__KIND_PROGRESS, key, 10000);
	CHECK_OK(ycdl_session_set_network(f.s, YCDL_NETWORK_OFFLINE));
	log_wait_status(&f.log, key, YCDL_STATUS_WAITING_FOR_NETWORK, 5000);
	CHECK_OK(ycdl_task_get_info(&info, f.s, key));
	CHECK_INT(info->retries, 0);
	CHECK(info->bytes_written > 0);
	ycdl_task_info_free(info);
	CHECK_INT(log_count(&f.log, YCDL__EVENT__KIND_ALL_FINISHED, NULL), 0);
	CHECK_OK(ycdl_session_set_network(f.s, YCDL_NETWORK_UNKNOWN));
	CHECK_STR(log_wait(&f.log, 0, YCDL__EVENT__KIND_FINISHED, key, 10000)->finished->sha256_hex,
			sha);
	CHECK_INT(log_count(&f.log, YCDL__EVENT__KIND_RETRYING, key), 0);
	ycdl_free(key);
	close_fixture(&f);
}

TEST(all_finished_fires_once_when_nothing_is_pending)
{
	struct fixture f;
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	char url[512], *paused, *a, *b;
	Ycdl__Event *e;

	open_fixture(&f, "allfin", 3, true);
	make_file("allfin-1.bin", 100000, NULL);
	make_file("allfin-2.bin", 100000, NULL);
	snprintf(url, sizeof(url), "%s/allfin-1.bin?x=paused", env.nginx);
	t.url = url;
	t.start_paused = 1;
	CHECK_OK(ycdl_task_add(&paused, f.s, &t));
	a = add_slow(&f, "allfin-1.bin", 0, 400000);
	b = add_slow(&f, "allfin-2.bin", 0, 200000);
	e = log_wait(&f.log, 0, YCDL__EVENT__KIND_ALL_FINISHED, NULL, 20000);
	CHECK_INT(e->all_finished->finished, 2);
	CHECK_INT(e->all_finished->paused, 1);
	CHECK_INT(e->all_finished->failed, 0);
	CHECK_STR(e->key, "");
	/* It comes after both finished events, and only once. */
	CHECK(log_find(&f.log, YCDL__EVENT__KIND_FINISHED, a)->seq < e->seq);
	CHECK(log_find(&f.log, YCDL__EVENT__KIND_FINISHED, b)->seq < e->seq);
	log_drain(&f.log);
	CHECK_INT(log_count(&f.log, YCDL__EVENT__KIND_ALL_FINISHED, NULL), 1);
	ycdl_free(paused);
	ycdl_free(a);
	ycdl_free(b);
	close_fixture(&f);
}

/* Small files finish faster than their group commit (commit.c): most slots
 * can be waiting in it at once, leaving curl with one or two transfers, and
 * curl keeps only 4 idle connections per transfer unless told otherwise.
 * With 16 slots the idle connections must still survive: at most one per
 * slot for the whole run (before multi_keep_connections: dozens). */
TEST(small_files_keep_one_connection_per_slot)
{
	struct fixture f;
	char name[64], url[512], tag[64], *keys[200];

	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "reuse-%03d.bin", i);
		make_file(name, 2000, NULL);
	}
	/* The log outlives this run when the servers do: tag its requests. */
	snprintf(tag, sizeof(tag), "?run=%ld-", (long)getpid());
	open_fixture(&f, "reuse", 16, true);
	for (int i = 0; i < 200; i++) {
		snprintf(url, sizeof(url), "%s/reuse-%03d.bin%s%d", env.nginx, i, tag, i);
		keys[i] = add_url(f.s, url, NULL);
	}
	for (int i = 0; i < 200; i++) {
		log_wait(&f.log, 0, YCDL__EVENT__KIND_FINISHED, keys[i], 30000);
		ycdl_free(keys[i]);
	}
	CHECK(nginx_connections_used(tag) <= 16);
	close_fixture(&f);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(at_most_n_run_at_once_and_the_rest_start_in_fifo_order),
		TEST_ENTRY(higher_priority_waits_less),
		TEST_ENTRY(raising_max_concurrent_at_run_time_starts_waiting_tasks),
		TEST_ENTRY(cellular_switch_holds_tasks_until_allowed),
		TEST_ENTRY(task_refusing_cellular_waits_then_continues_on_wifi),
		TEST_ENTRY(offline_suspends_without_spending_retries),
		TEST_ENTRY(all_finished_fires_once_when_nothing_is_pending),
		TEST_ENTRY(small_files_keep_one_connection_per_slot),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
