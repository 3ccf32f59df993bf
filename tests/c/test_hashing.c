/* test_hashing.c — the SHA-256 of big downloads, computed on the session's
 * hashing thread behind the writes (hashing.c, hasher.c): right whether the
 * bytes came in one go, were continued by another session, were thrown away
 * by a restart while a job was out, or the task went away mid-job. */
#define _GNU_SOURCE
#include "fixtures.h"
#include "harness.h"

#include <stdlib.h>
#include <unistd.h>

/* Far past the first megabyte that is hashed inline, and long enough for
 * the hashing thread to fall behind the writes and catch up many times. */
#define BIG (40u * 1024 * 1024)

struct run {
	char *dir;
	ycdl_session *s;
	struct event_log log;
	char *key;
};

/* Far slower than loopback, so that a test can pause or remove the task
 * midway even under valgrind, and still past the inline megabyte in well
 * under a second. */
#define SLOW_BPS (8u * 1000 * 1000)

static void open_run(struct run *r, const char *name, uint64_t max_recv_speed)
{
	ycdl_session_options o = test_session_options(r->dir);

	o.max_recv_speed = max_recv_speed;
	r->s = open_session(name, &o);
	log_init(&r->log, r->s);
}

/* A fresh state directory, a session named name and url added to it. */
static void begin(struct run *r, const char *name, const char *url,
		uint64_t max_recv_speed)
{
	r->dir = test_dir(name);
	open_run(r, name, max_recv_speed);
	r->key = add_url(r->s, url, NULL);
}

static void close_run(struct run *r)
{
	log_free(&r->log);
	CHECK_OK(ycdl_session_close(r->s));
	r->s = NULL;
}

static void end(struct run *r, char *url)
{
	close_run(r);
	ycdl_free(r->key);
	free(r->dir);
	free(url);
}

TEST(a_big_download_is_hashed_off_the_loop_and_right)
{
	char sha[65];
	struct run r = { 0 };
	Ycdl__Event *e;
	char *url;

	make_file("hash-big.bin", BIG, sha);
	url = test_url(env.nginx, "hash-big.bin");
	begin(&r, "hash-big", url, 0);
	e = log_wait_end(&r.log, 0, r.key, 60000);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_INT(e->finished->size, BIG);
	CHECK_STR(e->finished->sha256_hex, sha);
	sha256_file(e->finished->path, sha);
	CHECK_STR(e->finished->sha256_hex, sha);
	end(&r, url);
}

/* A new session holds a 6 MiB prefix no digest has seen: the hashing
 * thread catches up from the part file while the rest arrives. */
TEST(a_download_continued_by_another_session_hashes_its_prefix)
{
	char sha[65];
	struct run r = { 0 };
	Ycdl__Event *e;
	uint64_t held;
	char *url;

	make_file("hash-continued.bin", BIG, sha);
	url = test_url(env.nginx, "hash-continued.bin");
	begin(&r, "hash-continued", url, SLOW_BPS);
	held = pause_at(&r.log, r.key, 6u << 20);
	CHECK(held < BIG);
	close_run(&r);

	open_run(&r, "hash-continued", 0);
	CHECK_OK(ycdl_task_resume(r.s, r.key));
	e = log_wait_end(&r.log, 0, r.key, 60000);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	e = log_find(&r.log, YCDL__EVENT__KIND_RESUMED, r.key);
	CHECK(e != NULL);
	CHECK_INT(e->resumed->offset, held);
	end(&r, url);
}

/* Paused with a job out for the bytes so far, resumed against content that
 * changed: the restart from zero abandons whatever job is still out, and
 * the digest of the new content must owe nothing to the old one. */
TEST(a_restart_from_zero_drops_what_was_hashed)
{
	char sha[65];
	struct run r = { 0 };
	Ycdl__Event *e;
	char *url;

	make_file("hash-changed.bin", BIG, NULL);
	changed_sha256("hash-changed.bin", 0, sha);

	fault_reset("hash-changed");
	url = test_url(env.fault, "hash-changed.bin?id=hash-changed&change_after=1");
	begin(&r, "hash-changed", url, SLOW_BPS);
	(void)pause_at(&r.log, r.key, 6u << 20);
	CHECK_OK(ycdl_session_set_max_recv_speed(r.s, 0));
	CHECK_OK(ycdl_task_resume(r.s, r.key));
	e = log_wait_end(&r.log, 0, r.key, 60000);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	CHECK(log_find(&r.log, YCDL__EVENT__KIND_RESTARTED, r.key) != NULL);
	end(&r, url);
}

/* Removed while its bytes are being hashed, then the session closes at
 * once: the job out frees itself (the sanitizer and valgrind runs of this
 * test see to "no leak, no use after free"), the part file is gone. */
TEST(a_task_removed_mid_hash_leaves_nothing_behind)
{
	struct run r = { 0 };
	ycdl_task_info *info;
	char part[2048];
	char *url;

	make_file("hash-removed.bin", BIG, NULL);
	url = test_url(env.nginx, "hash-removed.bin");
	begin(&r, "hash-removed", url, SLOW_BPS);
	wait_progress(&r.log, r.key, 4u << 20, 30000);
	CHECK_OK(ycdl_task_get_info(&info, r.s, r.key));
	snprintf(part, sizeof(part), "%s.part", info->dest_path);
	ycdl_task_info_free(info);
	CHECK_OK(ycdl_task_remove(r.s, r.key, 0));
	CHECK(!file_exists(part));
	end(&r, url);
}

/* Reopened with a 30 MiB prefix to catch up on, and removed at once: the
 * catch-up job is abandoned while the thread is inside it (at 1.7 GB/s it
 * takes ~20 ms, under valgrind seconds). The first request stalls after
 * 30 MiB so that the prefix is exact. */
TEST(a_catch_up_abandoned_midway_frees_itself)
{
	struct run r = { 0 };
	ycdl_task_info *info;
	char part[2048];
	uint64_t prefix = 30u << 20;
	char *url;

	make_file("hash-abandoned.bin", BIG, NULL);
	fault_reset("hash-abandoned");
	if (asprintf(&url, "%s/hash-abandoned.bin?id=hash-abandoned&stall_after=%llu&stall=30",
			env.fault, (unsigned long long)prefix) < 0)
		abort();
	begin(&r, "hash-abandoned", url, 0);
	CHECK_INT(pause_at(&r.log, r.key, prefix), prefix);
	CHECK_OK(ycdl_task_get_info(&info, r.s, r.key));
	snprintf(part, sizeof(part), "%s.part", info->dest_path);
	ycdl_task_info_free(info);
	close_run(&r);

	open_run(&r, "hash-abandoned", 0);
	CHECK_OK(ycdl_task_resume(r.s, r.key));
	CHECK_OK(ycdl_task_remove(r.s, r.key, 0));
	CHECK(!file_exists(part));
	end(&r, url);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(a_big_download_is_hashed_off_the_loop_and_right),
		TEST_ENTRY(a_download_continued_by_another_session_hashes_its_prefix),
		TEST_ENTRY(a_restart_from_zero_drops_what_was_hashed),
		TEST_ENTRY(a_task_removed_mid_hash_leaves_nothing_behind),
		TEST_ENTRY(a_catch_up_abandoned_midway_frees_itself),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
