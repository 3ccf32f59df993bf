/* test_mirrors.c — a task with other URLs of the same file: when the URL
 * in use fails for good (its retries ran out, an error page, a refused
 * link), the next one is tried, in order, its partial data kept when the
 * other server shows the same file (Last-Modified and size; the 64 KiB
 * before the offset compared) and dropped when it does not. */
#define _GNU_SOURCE
#include "fixtures.h"
#include "harness.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SIZE (1024 * 1024)
#define CUT 300000

struct run {
	char *dir;
	ycdl_session *s;
	struct event_log log;
	char *key;
};

static void start(struct run *r, const char *name, const char *url,
		const char *const *mirrors, size_t count, unsigned int retries)
{
	ycdl_session_options o;
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;

	r->dir = test_dir(name);
	o = test_session_options(r->dir);
	o.max_retries = retries;
	r->s = open_session(name, &o);
	log_init(&r->log, r->s);
	t.url = url;
	t.mirrors = mirrors;
	t.mirror_count = count;
	CHECK_OK(ycdl_task_add(&r->key, r->s, &t));
}

static void finish(struct run *r)
{
	ycdl_free(r->key);
	log_free(&r->log);
	ycdl_session_close(r->s);
	free(r->dir);
}

/* The url_changed events of the run, in order, into out (at most max). */
static size_t url_changes(struct run *r, Ycdl__Event **out, size_t max)
{
	size_t n = 0;

	log_drain(&r->log);
	for (size_t i = 0; i < r->log.count && n < max; i++)
		if (r->log.events[i]->kind_case == YCDL__EVENT__KIND_URL_CHANGED)
			out[n++] = r->log.events[i];
	return n;
}

static char *fault_url(const char *server, const char *name, const char *q)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s?%s", name, q);
	return test_url(server, path);
}

TEST(a_url_that_fails_for_good_gives_way_to_a_mirror_on_another_server_keeping_the_bytes)
{
	char sha[65], *primary, *mirror;
	const char *mirrors[1];
	Ycdl__Event *e, *changes[4];
	struct run r;

	make_file("mirror-keep.bin", SIZE, sha);
	fault_reset("mirror-keep");
	fault_reset("mirror-keep-2");
	/* Part of the file, then 404 for good; the mirror is nginx, another
	 * server with its own ETags and the same Last-Modified. */
	primary = fault_url(env.fault, "mirror-keep.bin",
			"id=mirror-keep&short=300000&fail_at=2&fail=100&status=404");
	mirror = test_url(env.nginx, "mirror-keep.bin");
	mirrors[0] = mirror;
	start(&r, "mirror-keep", primary, mirrors, 1, 3);
	e = log_wait(&r.log, 0, YCDL__EVENT__KIND_RESUMED, r.key, 20000);
	CHECK_INT(e->resumed->offset, CUT);
	e = log_wait_end(&r.log, 0, r.key, 30000);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	CHECK_INT(url_changes(&r, changes, 4), 1);
	CHECK_STR(changes[0]->url_changed->from, primary);
	CHECK_STR(changes[0]->url_changed->to, mirror);
	CHECK(strstr(changes[0]->url_changed->reason, "404"));
	CHECK_INT(log_count(&r.log, YCDL__EVENT__KIND_RESTARTED, r.key), 0);
	/* 404 is not retried: the primary saw two requests. */
	CHECK_INT(fault_stat("mirror-keep", "requests"), 2);
	free(primary);
	free(mirror);
	finish(&r);
}

TEST(mirrors_are_tried_in_order_until_one_works)
{
	char sha[65], *primary, *first, *second;
	const char *mirrors[2];
	Ycdl__Event *e, *changes[4];
	struct run r;

	make_file("mirror-order.bin", 50000, sha);
	fault_reset("mirror-order");
	fault_reset("mirror-order-1");
	fault_reset("mirror-order-2");
	/* A server error that retries do not fix, a 410, then one that works. */
	primary = fault_url(env.fault, "mirror-order.bin", "id=mirror-order&always=503");
	first = fault_url(env.fault, "mirror-order.bin", "id=mirror-order-1&always=410");
	second = fault_url(env.fault, "mirror-order.bin", "id=mirror-order-2");
	mirrors[0] = first;
	mirrors[1] = second;
	start(&r, "mirror-order", primary, mirrors, 2, 2);
	e = log_wait_end(&r.log, 0, r.key, 30000);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	CHECK_INT(url_changes(&r, changes, 4), 2);
	CHECK_STR(changes[0]->url_changed->to, first);
	CHECK(strstr(changes[0]->url_changed->reason, "503"));
	CHECK_STR(changes[1]->url_changed->to, second);
	CHECK(strstr(changes[1]->url_changed->reason, "410"));
	/* The primary had its retries (1 + 2), the 410 none. */
	CHECK_INT(fault_stat("mirror-order", "requests"), 3);
	CHECK_INT(fault_stat("mirror-order-1", "requests"), 1);
	free(primary);
	free(first);
	free(second);
	finish(&r);
}

TEST(when_every_mirror_fails_the_task_fails_with_the_last_error)
{
	char *primary, *first;
	const char *mirrors[1];
	Ycdl__Event *e, *changes[4];
	struct run r;
	ycdl_task_info *info;

	make_file("mirror-none.bin", 5000, NULL);
	fault_reset("mirror-none");
	fault_reset("mirror-none-1");
	primary = fault_url(env.fault, "mirror-none.bin", "id=mirror-none&always=404");
	first = fault_url(env.fault, "mirror-none.bin", "id=mirror-none-1&always=500");
	mirrors[0] = first;
	start(&r, "mirror-none", primary, mirrors, 1, 1);
	e = log_wait_end(&r.log, 0, r.key, 30000);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FAILED);
	CHECK_INT(e->failed->http_status, 500);
	CHECK_INT(url_changes(&r, changes, 4), 1);
	/* A new run starts again from the task's own URL. */
	CHECK_OK(ycdl_task_get_info(&info, r.s, r.key));
	CHECK_STR(info->request_url, first);
	ycdl_task_info_free(info);
	CHECK_OK(ycdl_task_start(r.s, r.key));
	CHECK_OK(ycdl_task_get_info(&info, r.s, r.key));
	CHECK_STR(info->request_url, "");
	ycdl_task_info_free(info);
	free(primary);
	free(first);
	finish(&r);
}

TEST(an_error_page_moves_to_the_next_mirror_before_waiting_for_a_url)
{
	char sha[65], *primary, *page, *good;
	const char *mirrors[2];
	Ycdl__Event *e;
	struct run r;

	make_file("mirror-page.bin", 50000, sha);
	fault_reset("mirror-page");
	fault_reset("mirror-page-1");
	fault_reset("mirror-page-2");
	primary = fault_url(env.fault, "mirror-page.bin", "id=mirror-page&html_from=1");
	page = fault_url(env.fault, "mirror-page.bin", "id=mirror-page-1&html_from=1");
	good = fault_url(env.fault, "mirror-page.bin", "id=mirror-page-2");
	/* Only error pages: it waits for a URL once both were tried. */
	mirrors[0] = page;
	start(&r, "mirror-page", primary, mirrors, 1, 3);
	e = log_wait(&r.log, 0, YCDL__EVENT__KIND_URL_NEEDED, r.key, 20000);
	CHECK_INT(e->url_needed->error_code, YCDL_E_NOT_THE_FILE);
	CHECK_STR(e->url_needed->url, page);
	finish(&r);
	/* An error page, then the file. */
	fault_reset("mirror-page");
	mirrors[0] = good;
	start(&r, "mirror-page-ok", primary, mirrors, 1, 3);
	e = log_wait_end(&r.log, 0, r.key, 30000);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	free(primary);
	free(page);
	free(good);
	finish(&r);
}

/* Copies www/from to www/to with its mtime moved by shift seconds. */
static void copy_with_mtime(const char *from, const char *to, long shift)
{
	char a[1200], b[1200], buf[65536];
	struct stat st;
	struct timespec times[2];
	int in, out;
	ssize_t n;

	snprintf(a, sizeof(a), "%s/%s", env.www, from);
	snprintf(b, sizeof(b), "%s/%s", env.www, to);
	CHECK((in = open(a, O_RDONLY)) >= 0);
	CHECK((out = open(b, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		CHECK(write(out, buf, (size_t)n) == n);
	CHECK(fstat(in, &st) == 0);
	times[0] = st.st_atim;
	times[1] = st.st_mtim;
	times[1].tv_sec += shift;
	CHECK(futimens(out, times) == 0);
	close(in);
	close(out);
}

TEST(a_mirror_that_shows_another_last_modified_starts_again_from_zero)
{
	char sha[65], *primary, *mirror;
	const char *mirrors[1];
	Ycdl__Event *e;
	struct run r;

	make_file("mirror-lm.bin", SIZE, sha);
	copy_with_mtime("mirror-lm.bin", "mirror-lm-copy.bin", -100);
	fault_reset("mirror-lm");
	primary = fault_url(env.fault, "mirror-lm.bin",
			"id=mirror-lm&short=300000&fail_at=2&fail=100&status=404");
	mirror = test_url(env.nginx, "mirror-lm-copy.bin");
	mirrors[0] = mirror;
	start(&r, "mirror-lm", primary, mirrors, 1, 3);
	e = log_wait(&r.log, 0, YCDL__EVENT__KIND_RESTARTED, r.key, 20000);
	CHECK_INT(e->restarted->discarded_bytes, CUT);
	e = log_wait_end(&r.log, 0, r.key, 30000);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	free(primary);
	free(mirror);
	finish(&r);
}

TEST(the_mirror_in_use_survives_a_restart)
{
	char sha[65], *primary, *mirror, *dir;
	const char *mirrors[1];
	ycdl_session_options o;
	ycdl_task_info *info;
	struct run r;

	make_file("mirror-persist.bin", 2 * SIZE, sha);
	fault_reset("mirror-persist");
	fault_reset("mirror-persist-1");
	primary = fault_url(env.fault, "mirror-persist.bin", "id=mirror-persist&always=404");
	mirror = fault_url(env.fault, "mirror-persist.bin",
			"id=mirror-persist-1&rate=1000000");
	mirrors[0] = mirror;
	start(&r, "mirror-persist", primary, mirrors, 1, 0);
	wait_progress(&r.log, r.key, 200000, 20000);
	dir = strdup(r.dir);
	log_free(&r.log);
	ycdl_session_close(r.s);
	o = test_session_options(dir);
	o.auto_resume = 1;
	r.s = open_session("mirror-persist", &o);
	log_init(&r.log, r.s);
	/* Resumed where it was: on the mirror, the primary not asked again. */
	CHECK_OK(ycdl_task_get_info(&info, r.s, r.key));
	CHECK_STR(info->request_url, mirror);
	ycdl_task_info_free(info);
	CHECK_INT(log_wait_end(&r.log, 0, r.key, 30000)->kind_case,
			YCDL__EVENT__KIND_FINISHED);
	CHECK_INT(fault_stat("mirror-persist", "requests"), 1);
	free(dir);
	free(primary);
	free(mirror);
	finish(&r);
}

TEST(mirrors_are_checked_when_added)
{
	char *dir = test_dir("mirror-args");
	ycdl_session_options o = test_session_options(dir);
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	const char *bad[17];
	ycdl_session *s = open_session("mirror-args", &o);

	t.url = "http://127.0.0.1:1/a.bin";
	t.mirrors = bad;
	t.mirror_count = 1;
	bad[0] = "ftp://example.com/a.bin";
	CHECK_INT(ycdl_task_add(NULL, s, &t), YCDL_E_PROTOCOL);
	bad[0] = "http://user:pw@example.com/a.bin";
	CHECK_INT(ycdl_task_add(NULL, s, &t), YCDL_E_INVALID);
	bad[0] = NULL;
	CHECK_INT(ycdl_task_add(NULL, s, &t), YCDL_E_INVALID);
	t.mirrors = NULL;
	CHECK_INT(ycdl_task_add(NULL, s, &t), YCDL_E_INVALID);
	for (int i = 0; i < 17; i++)
		bad[i] = "http://127.0.0.1:1/b.bin";
	t.mirrors = bad;
	t.mirror_count = 17;
	CHECK_INT(ycdl_task_add(NULL, s, &t), YCDL_E_INVALID);
	t.mirror_count = 16;
	CHECK_OK(ycdl_task_add(NULL, s, &t));
	ycdl_session_close(s);
	free(dir);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(a_url_that_fails_for_good_gives_way_to_a_mirror_on_another_server_keeping_the_bytes),
		TEST_ENTRY(mirrors_are_tried_in_order_until_one_works),
		TEST_ENTRY(when_every_mirror_fails_the_task_fails_with_the_last_error),
		TEST_ENTRY(an_error_page_moves_to_the_next_mirror_before_waiting_for_a_url),
		TEST_ENTRY(a_mirror_that_shows_another_last_modified_starts_again_from_zero),
		TEST_ENTRY(the_mirror_in_use_survives_a_restart),
		TEST_ENTRY(mirrors_are_checked_when_added),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
