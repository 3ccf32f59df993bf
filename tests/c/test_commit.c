/* test_commit.c — a finished file's group commit runs beside the loop, on
 * the session's hashing thread, in two stages, and the loop goes on.
 *
 * In the first (hashing, data sync) a task paused or removed must come out
 * of its group whole: paused keeps every byte and finishes on resume with
 * the right SHA-256; removed leaves nothing behind. The window is held
 * open by the fault shim, which makes the part file's fsync take 3 s;
 * the worker pauses (or removes) the task as soon as its progress event
 * says every byte is written.
 *
 * In the second (journal sync, moves) the journal says "finished" already:
 * a pause or removal waits for the file to be in place and then finds the
 * task finished. The shim makes the part file's rename take 3 s; the
 * worker acts 1 s after the progress event.
 *
 * Facts from the worker and from the shim go to one log, in the order
 * they happened. */
#define _GNU_SOURCE
#include "harness.h"
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIZE (64 * 1024)        /* under every checkpoint: one fsync, the commit's */

struct commit_run {
	char *dir;
	char *log;
	char url[512];
	char sha[65];
	char *key;
	char *dest;
	char *part;
	char fault_path[600];
	char fault_log[600];
};

static void prepare(struct commit_run *r, const char *name)
{
	char file[128];

	r->dir = test_dir(name);
	r->log = worker_log_path(r->dir, "worker");
	snprintf(file, sizeof(file), "commit-%s.bin", name);
	make_file(file, SIZE, r->sha);
	fault_reset(name);
	snprintf(r->url, sizeof(r->url), "%s/%s?id=%s", env.fault, file, name);
	r->key = strdup(key_of_url(r->url));
	if (asprintf(&r->dest, "%s/%s.bin", r->dir, r->key) < 0 ||
	    asprintf(&r->part, "%s.part", r->dest) < 0)
		abort();
	/* "*": a removed part file's descriptor names "PATH (deleted)". */
	snprintf(r->fault_path, sizeof(r->fault_path), "YCDL_FAULT_PATH=%s*", r->part);
	snprintf(r->fault_log, sizeof(r->fault_log), "YCDL_FAULT_LOG=%s", r->log);
}

static void release(struct commit_run *r)
{
	free(r->dir);
	free(r->log);
	free(r->key);
	free(r->dest);
	free(r->part);
}

/* A first run in which the fault shim makes one call on the part file
 * (fault_call: "YCDL_FAULT_CALL=...") take 3 s; run gives the worker's
 * options and URLs. */
static int run_slowed(struct commit_run *r, const char *fault_call,
		struct worker_run run)
{
	const char *faults[] = { fault_call, r->fault_path, "YCDL_FAULT_ACTION=delay",
		"YCDL_FAULT_DELAY_MS=3000", r->fault_log, NULL };

	run.state_dir = r->dir;
	run.session = "commit";
	run.dir = r->dir;
	run.log = r->log;
	memcpy(run.faults, faults, sizeof(faults));
	return worker_run(&run);
}

/* The part file's fsync is slow, and the worker acts on the task
 * (pause or remove) half a second after all its bytes are written: inside
 * the sync, which the hashing thread starts within milliseconds (a removal
 * before it would leave the thread nothing to sync). */
static int run_with_slow_sync(struct commit_run *r, const char *action)
{
	return run_slowed(r, "YCDL_FAULT_CALL=fsync", (struct worker_run){
		.options = { "--on-complete", action, "--on-complete-after", "500", NULL },
		.urls = { r->url, NULL } });
}

/* The part file's move is slow, and the worker acts on the task a second
 * after all its bytes are written. */
static int run_with_slow_move(struct commit_run *r, const char *action)
{
	return run_slowed(r, "YCDL_FAULT_CALL=renameat2", (struct worker_run){
		.options = { "--on-complete", action, "--on-complete-after", "1000", NULL },
		.urls = { r->url, NULL } });
}

/* Another run without faults; option may be NULL. */
static int run_again(struct commit_run *r, const char *option)
{
	struct worker_run run = {
		.state_dir = r->dir, .session = "commit", .dir = r->dir, .log = r->log,
		.options = { option, NULL },
		.urls = { NULL },
	};

	return worker_run(&run);
}

/* The log has `first` before `then`: the worker's call returned while the
 * shim still held the sync. */
static void check_order(const char *log, const char *first, const char *then)
{
	FILE *f = fopen(log, "r");
	char *text = NULL;
	size_t size = 0;
	const char *a, *b;

	CHECK(f != NULL);
	if (getdelim(&text, &size, '\0', f) < 0)
		test_fail(__FILE__, __LINE__, "cannot read %s", log);
	fclose(f);
	a = strstr(text, first);
	b = strstr(text, then);
	if (!a || !b || a > b)
		test_fail(__FILE__, __LINE__, "expected \"%s\" before \"%s\" in:\n%s",
				first, then, text);
	free(text);
}

TEST(paused_while_its_commit_is_out_keeps_every_byte_and_finishes_on_resume)
{
	struct commit_run r;
	char line[700];
	char actual[65];

	prepare(&r, "pause");
	CHECK_INT(run_with_slow_sync(&r, "pause"), 1);     /* a task is paused */
	snprintf(line, sizeof(line), "fsync %s", r.part);
	free(expect_worker_line(r.log, line));             /* the window was held */
	snprintf(line, sizeof(line), "paused %s 0\n", r.key);
	check_order(r.log, line, "delay-end fsync");
	CHECK(worker_line(r.log, "finished ") == NULL);
	snprintf(line, sizeof(line), "final %s paused %d ", r.key, SIZE);
	free(expect_worker_line(r.log, line));
	CHECK(!file_exists(r.dest));
	CHECK_INT(file_size(r.part), SIZE);
	/* The journal claims every byte too: the group synced them after the
	 * task left it, and a clean pause loses nothing (found by the
	 * torture: a SIGINT while a 9 MiB file's sync was out claimed only its
	 * last checkpoint). */
	CHECK_INT(run_again(&r, "--no-start"), 0);
	snprintf(line, sizeof(line), "task %s paused %d ", r.key, SIZE);
	free(expect_worker_line(r.log, line));

	CHECK_INT(run_again(&r, NULL), 0);                 /* resumed, finished */
	snprintf(line, sizeof(line), "finished %s %d %s %s", r.key, SIZE, r.sha, r.dest);
	free(expect_worker_line(r.log, line));
	CHECK_INT(worker_lines(r.log, "finished "), 1);
	sha256_file(r.dest, actual);
	CHECK_STR(actual, r.sha);
	CHECK(!file_exists(r.part));
	release(&r);
}

TEST(removed_while_its_commit_is_out_leaves_nothing_behind)
{
	struct commit_run r;
	char line[700];

	prepare(&r, "remove");
	CHECK_INT(run_with_slow_sync(&r, "remove"), 0);    /* nothing unfinished */
	snprintf(line, sizeof(line), "fsync %s", r.part);
	free(expect_worker_line(r.log, line));
	snprintf(line, sizeof(line), "removed %s 0\n", r.key);
	check_order(r.log, line, "delay-end fsync");
	CHECK(worker_line(r.log, "finished ") == NULL);
	CHECK(!file_exists(r.dest));
	CHECK(!file_exists(r.part));

	CHECK_INT(run_again(&r, "--no-start"), 0);
	CHECK_INT(worker_lines(r.log, "task-end 0"), 2);    /* both runs: none */
	CHECK(!file_exists(r.dest));
	release(&r);
}

/* The finished file is in place with the right bytes, its part file gone. */
static void check_placed(struct commit_run *r)
{
	char actual[65];

	sha256_file(r->dest, actual);
	CHECK_STR(actual, r->sha);
	CHECK(!file_exists(r->part));
}

/* How many lines start with `prefix` between the first line holding
 * `from` and the first holding `to` after it. */
static int lines_between(const char *log, const char *from, const char *to,
		const char *prefix)
{
	FILE *f = fopen(log, "r");
	char *line = NULL;
	size_t size = 0;
	int state = 0, count = 0;

	CHECK(f != NULL);
	while (state < 2 && getline(&line, &size, f) > 0) {
		if (state == 0 && strstr(line, from))
			state = 1;
		else if (state == 1 && strstr(line, to))
			state = 2;
		else if (state == 1 && strncmp(line, prefix, strlen(prefix)) == 0)
			count++;
	}
	free(line);
	fclose(f);
	if (state != 2)
		test_fail(__FILE__, __LINE__, "no \"%s\" then \"%s\" in %s", from, to, log);
	return count;
}

/* A run of the task beside another, slow one (its progress logged), the
 * task's move slow. */
static int run_beside_slow_move(struct commit_run *r, const char *other)
{
	return run_slowed(r, "YCDL_FAULT_CALL=renameat2", (struct worker_run){
		.options = { "--log-progress", "--jobs", "2", NULL },
		.urls = { r->url, other, NULL } });
}

/* While a group's file is moved (its rename held for 3 s), the loop goes
 * on: another download reports its progress meanwhile. */
TEST(other_downloads_go_on_while_a_file_is_moved)
{
	struct commit_run r;
	char other[600], prefix[128], renaming[700];

	prepare(&r, "moving-other");
	make_file("commit-moving-other-slow.bin", 1500 * 1000, NULL);
	snprintf(other, sizeof(other), "%s/commit-moving-other-slow.bin?rate=300000",
			env.fault);
	CHECK_INT(run_beside_slow_move(&r, other), 0);
	snprintf(renaming, sizeof(renaming), "renameat2 %s", r.part);
	snprintf(prefix, sizeof(prefix), "progress %s ", key_of_url(other));
	/* Progress is reported every 250 ms: a loop held by the move would
	 * report none until it is over. */
	CHECK(lines_between(r.log, renaming, "delay-end renameat2", prefix) >= 4);
	check_placed(&r);
	release(&r);
}

TEST(paused_while_its_file_is_moved_waits_and_finds_it_finished)
{
	struct commit_run r;
	char line[700];

	prepare(&r, "pause-moving");
	CHECK_INT(run_with_slow_move(&r, "pause"), 0);     /* every task finished */
	snprintf(line, sizeof(line), "renameat2 %s", r.part);
	free(expect_worker_line(r.log, line));             /* the window was held */
	snprintf(line, sizeof(line), "paused %s %d\n", r.key, YCDL_E_STATE);
	check_order(r.log, "delay-end renameat2", line);
	snprintf(line, sizeof(line), "finished %s %d %s %s", r.key, SIZE, r.sha, r.dest);
	free(expect_worker_line(r.log, line));
	snprintf(line, sizeof(line), "final %s finished %d ", r.key, SIZE);
	free(expect_worker_line(r.log, line));
	check_placed(&r);
	release(&r);
}

TEST(removed_while_its_file_is_moved_waits_and_keeps_the_finished_file)
{
	struct commit_run r;
	char line[700];

	prepare(&r, "remove-moving");
	CHECK_INT(run_with_slow_move(&r, "remove"), 0);
	snprintf(line, sizeof(line), "renameat2 %s", r.part);
	free(expect_worker_line(r.log, line));
	snprintf(line, sizeof(line), "removed %s 0\n", r.key);
	check_order(r.log, "delay-end renameat2", line);
	snprintf(line, sizeof(line), "finished %s %d %s %s", r.key, SIZE, r.sha, r.dest);
	free(expect_worker_line(r.log, line));
	check_placed(&r);                 /* a removal without DELETE_FILE keeps it */

	CHECK_INT(run_again(&r, "--no-start"), 0);
	CHECK_INT(worker_lines(r.log, "task-end 0"), 2);    /* forgotten in both */
	release(&r);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(paused_while_its_commit_is_out_keeps_every_byte_and_finishes_on_resume),
		TEST_ENTRY(removed_while_its_commit_is_out_leaves_nothing_behind),
		TEST_ENTRY(other_downloads_go_on_while_a_file_is_moved),
		TEST_ENTRY(paused_while_its_file_is_moved_waits_and_finds_it_finished),
		TEST_ENTRY(removed_while_its_file_is_moved_waits_and_keeps_the_finished_file),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
