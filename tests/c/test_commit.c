/* test_commit.c — a finished file's group commit runs beside the loop: its
 * hashing and data sync go to the session's hashing thread, and the loop
 * goes on. A task paused or removed in that window must come out of its
 * group whole: paused keeps every byte and finishes on resume with the
 * right SHA-256; removed leaves nothing behind. The window is held open by
 * the fault shim, which makes the part file's fdatasync take 3 s; the
 * worker pauses (or removes) the task as soon as its progress event says
 * every byte is written. Facts from the worker and from the shim go to one
 * log, in the order they happened. */
#define _GNU_SOURCE
#include "harness.h"
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIZE (64 * 1024)        /* under every checkpoint: one fdatasync */

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

/* The first run: the part file's fdatasync is slow, and the worker acts on
 * the task (pause or remove) once all its bytes are written. */
static int run_with_slow_sync(struct commit_run *r, const char *action)
{
	struct worker_run run = {
		.state_dir = r->dir, .session = "commit", .dir = r->dir, .log = r->log,
		.options = { "--on-complete", action, NULL },
		.faults = { "YCDL_FAULT_CALL=fdatasync", r->fault_path,
			"YCDL_FAULT_ACTION=delay", "YCDL_FAULT_DELAY_MS=3000",
			r->fault_log, NULL },
		.urls = { r->url, NULL },
	};

	return worker_run(&run);
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
	snprintf(line, sizeof(line), "fdatasync %s", r.part);
	free(expect_worker_line(r.log, line));             /* the window was held */
	snprintf(line, sizeof(line), "paused %s 0\n", r.key);
	check_order(r.log, line, "delay-end fdatasync");
	CHECK(worker_line(r.log, "finished ") == NULL);
	snprintf(line, sizeof(line), "final %s paused %d ", r.key, SIZE);
	free(expect_worker_line(r.log, line));
	CHECK(!file_exists(r.dest));
	CHECK_INT(file_size(r.part), SIZE);

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
	snprintf(line, sizeof(line), "fdatasync %s", r.part);
	free(expect_worker_line(r.log, line));
	snprintf(line, sizeof(line), "removed %s 0\n", r.key);
	check_order(r.log, line, "delay-end fdatasync");
	CHECK(worker_line(r.log, "finished ") == NULL);
	CHECK(!file_exists(r.dest));
	CHECK(!file_exists(r.part));

	CHECK_INT(run_again(&r, "--no-start"), 0);
	CHECK_INT(worker_lines(r.log, "task-end 0"), 2);    /* both runs: none */
	CHECK(!file_exists(r.dest));
	release(&r);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(paused_while_its_commit_is_out_keeps_every_byte_and_finishes_on_resume),
		TEST_ENTRY(removed_while_its_commit_is_out_leaves_nothing_behind),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
