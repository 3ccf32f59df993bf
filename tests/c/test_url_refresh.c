/* test_url_refresh.c — a response that is not the file is never saved (the
 * body guard: error pages, types not accepted, bodies too small), and a URL
 * that stops working (401/403/410, an error page, a signature that says it
 * has expired) sends the task to wait for a new one with its partial data
 * kept: ycdl_task_set_url continues where it stopped when the new URL
 * serves the same file, and starts again when it does not. */
#define _GNU_SOURCE
#include "fixtures.h"
#include "harness.h"

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

static void open_run(struct run *r, const char *name, const ycdl_session_options *given)
{
	ycdl_session_options o;

	r->dir = test_dir(name);
	o = given ? *given : test_session_options(r->dir);
	o.state_dir = o.download_dir = r->dir;
	r->s = open_session(name, &o);
	log_init(&r->log, r->s);
	r->key = NULL;
}

static void close_run(struct run *r)
{
	ycdl_free(r->key);
	log_free(&r->log);
	ycdl_session_close(r->s);
	free(r->dir);
}

static ycdl_task_info *info_of(struct run *r)
{
	ycdl_task_info *info;

	CHECK_OK(ycdl_task_get_info(&info, r->s, r->key));
	return info;
}

/* Waits for the task to wait for a URL; returns its url_needed event. */
static Ycdl__Event *wait_for_url_needed(struct run *r, size_t from)
{
	Ycdl__Event *e = log_wait(&r->log, from, YCDL__EVENT__KIND_URL_NEEDED, r->key,
			20000);

	log_wait_status(&r->log, r->key, YCDL_STATUS_WAITING_FOR_URL, 5000);
	return e;
}

static int64_t part_size(const struct run *r)
{
	ycdl_task_info *info;
	char path[1200];
	struct stat st;

	CHECK_OK(ycdl_task_get_info(&info, r->s, r->key));
	snprintf(path, sizeof(path), "%s.part", info->dest_path);
	ycdl_task_info_free(info);
	return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* A URL of the fault server for name with the query q (id=... included). */
static char *fault_url(const char *name, const char *q)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s?%s", name, q);
	return test_url(env.fault, path);
}

static Ycdl__Event *finish_run(struct run *r, size_t from, const char *sha)
{
	Ycdl__Event *end = log_wait_end(&r->log, from, r->key, 30000);

	CHECK_INT(end->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(end->finished->sha256_hex, sha);
	return end;
}

/* ------------------------------------------------------------ the guard */

TEST(an_error_page_is_never_saved_and_the_bytes_before_it_are_kept)
{
	struct run r;
	char sha[65], *url, *again;
	ycdl_task_info *info;
	Ycdl__Event *e;
	size_t mark;

	make_file("refresh-page.bin", SIZE, sha);
	fault_reset("refresh-page");
	fault_reset("refresh-page-2");
	/* The first answer stops after CUT bytes; the retry gets a 200 with an
	 * "Access denied" HTML page, as a CDN whose link expired would send. */
	url = fault_url("refresh-page.bin", "id=refresh-page&short=300000&html_from=2");
	open_run(&r, "refresh-page", NULL);
	r.key = add_url(r.s, url, NULL);
	e = wait_for_url_needed(&r, 0);
	CHECK_INT(e->url_needed->error_code, YCDL_E_NOT_THE_FILE);
	CHECK_INT(e->url_needed->http_status, 200);
	CHECK(strstr(e->url_needed->message, "text/html"));
	CHECK(strstr(e->url_needed->message, "Access denied"));
	CHECK_STR(e->url_needed->url, url);
	info = info_of(&r);
	CHECK_INT(info->status, YCDL_STATUS_WAITING_FOR_URL);
	CHECK_INT(info->error_code, YCDL_E_NOT_THE_FILE);
	CHECK_INT(info->bytes_written, CUT);
	CHECK(!file_exists(info->dest_path));
	ycdl_task_info_free(info);
	CHECK_INT(part_size(&r), CUT);
	CHECK_INT(log_count(&r.log, YCDL__EVENT__KIND_FINISHED, r.key), 0);
	/* The same file from a URL that works: it continues at CUT. */
	again = fault_url("refresh-page.bin", "id=refresh-page-2");
	mark = r.log.count;
	CHECK_OK(ycdl_task_set_url(r.s, r.key, again));
	e = log_wait(&r.log, mark, YCDL__EVENT__KIND_URL_CHANGED, r.key, 5000);
	CHECK_STR(e->url_changed->from, url);
	CHECK_STR(e->url_changed->to, again);
	e = log_wait(&r.log, mark, YCDL__EVENT__KIND_RESUMED, r.key, 20000);
	CHECK_INT(e->resumed->offset, CUT);
	finish_run(&r, mark, sha);
	CHECK_INT(log_count(&r.log, YCDL__EVENT__KIND_RESTARTED, r.key), 0);
	CHECK_INT(fault_stat("refresh-page-2", "bytes"), SIZE - CUT + 65536);
	info = info_of(&r);
	CHECK_STR(info->request_url, again);
	CHECK_STR(info->url, url);
	ycdl_task_info_free(info);
	/* The key still answers to the original URL. */
	{
		char *key;

		CHECK_OK(ycdl_task_find_by_url(&key, r.s, url));
		CHECK_STR(key, r.key);
		ycdl_free(key);
	}
	free(again);
	free(url);
	close_run(&r);
}

/* Waits for the end of a download either way: finished or waiting. */
static bool ends_finished(const char *id, const char *type, const char *dest_name,
		const char *const *accept, size_t accept_count, uint64_t min_size,
		const char *extra)
{
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	char q[512], dest[1300];
	struct run r;
	char *url;
	bool finished = false, waiting = false;

	fault_reset(id);
	snprintf(q, sizeof(q), "id=%s&type=%s%s", id, type ? type : "", extra ? extra : "");
	url = fault_url("refresh-types.bin", q);
	open_run(&r, id, NULL);
	snprintf(dest, sizeof(dest), "%s/%s", r.dir, dest_name);
	t.url = url;
	t.dest_path = dest;
	t.accept_types = accept;
	t.accept_type_count = accept_count;
	t.min_size = min_size;
	CHECK_OK(ycdl_task_add(&r.key, r.s, &t));
	for (int waited = 0; !finished && !waiting && waited < 20000; waited += 20) {
		log_drain(&r.log);
		finished = log_count(&r.log, YCDL__EVENT__KIND_FINISHED, r.key) > 0;
		waiting = log_count(&r.log, YCDL__EVENT__KIND_URL_NEEDED, r.key) > 0;
		if (!finished && !waiting)
			usleep(20000);
	}
	CHECK(finished != waiting);
	CHECK(finished == file_exists(dest));
	/* Refused before a byte was kept: no empty .part left behind. */
	strcat(dest, ".part");
	CHECK(!file_exists(dest));
	free(url);
	close_run(&r);
	return finished;
}

TEST(accepted_types_and_the_default_guard)
{
	static const char *const video[] = { "video/*" };
	static const char *const exact[] = { "application/octet-stream", "video/mp4" };
	static const char *const any[] = { "*/*" };

	make_file("refresh-types.bin", 20000, NULL);
	/* The task's own patterns. */
	CHECK(!ends_finished("types-1", "application/octet-stream", "a.mp4", video, 1, 0, NULL));
	CHECK(ends_finished("types-2", "video/mp4", "a.mp4", video, 1, 0, NULL));
	CHECK(ends_finished("types-3", "VIDEO/MP4;%20codecs=avc1", "a.mp4", video, 1, 0, NULL));
	CHECK(ends_finished("types-4", "application/octet-stream", "a.bin", exact, 2, 0, NULL));
	CHECK(!ends_finished("types-5", "text/html", "a.bin", exact, 2, 0, NULL));
	CHECK(ends_finished("types-6", "text/html", "a.mp4", any, 1, 0, NULL));
	/* The default: an HTML page only for a page's name, other text not for
	 * a binary's name; no type at all passes. */
	CHECK(!ends_finished("types-7", "text/html", "a.mp4", NULL, 0, 0, NULL));
	CHECK(!ends_finished("types-8", "text/html", "a.dat", NULL, 0, 0, NULL));
	CHECK(ends_finished("types-9", "text/html", "a.html", NULL, 0, 0, NULL));
	CHECK(ends_finished("types-10", "text/html", "download", NULL, 0, 0, NULL));
	CHECK(!ends_finished("types-11", "text/plain", "a.zip", NULL, 0, 0, NULL));
	CHECK(ends_finished("types-12", "text/plain", "a.txt", NULL, 0, 0, NULL));
	CHECK(!ends_finished("types-13", "application/json", "a.iso", NULL, 0, 0, NULL));
	CHECK(ends_finished("types-14", NULL, "a.mp4", NULL, 0, 0, NULL));
	CHECK(ends_finished("types-15", "application/octet-stream", "a.mp4", NULL, 0, 0, NULL));
	/* The minimum size: refused from the announced length, or at the end
	 * of a body that announced none (its bytes are then thrown away). */
	CHECK(!ends_finished("types-16", "application/octet-stream", "a.bin", NULL, 0, 20001, NULL));
	CHECK(ends_finished("types-17", "application/octet-stream", "a.bin", NULL, 0, 20000, NULL));
	CHECK(!ends_finished("types-18", "application/octet-stream", "a.bin", NULL, 0, 20001,
			"&chunked=1"));
}

TEST(a_session_default_for_accepted_types_applies_to_tasks_without_their_own)
{
	static const char *const audio[] = { "audio/*" };
	ycdl_session_options o;
	struct run r;
	char *url, *ok_url;
	Ycdl__Event *e;

	make_file("refresh-session.bin", 5000, NULL);
	fault_reset("refresh-session");
	fault_reset("refresh-session-2");
	url = fault_url("refresh-session.bin", "id=refresh-session");
	ok_url = fault_url("refresh-session.bin", "id=refresh-session-2&type=audio/mpeg");
	o = test_session_options(NULL);
	o.accept_types = audio;
	o.accept_type_count = 1;
	open_run(&r, "refresh-session", &o);
	r.key = add_url(r.s, url, NULL);
	e = wait_for_url_needed(&r, 0);
	CHECK(strstr(e->url_needed->message, "application/octet-stream"));
	CHECK_OK(ycdl_task_set_url(r.s, r.key, ok_url));
	CHECK_INT(log_wait_end(&r.log, 0, r.key, 20000)->kind_case,
			YCDL__EVENT__KIND_FINISHED);
	free(url);
	free(ok_url);
	close_run(&r);
}

/* ----------------------------------------------------- refused links */

TEST(a_403_waits_for_a_url_across_a_restart_and_set_url_resumes_with_the_bytes_kept)
{
	ycdl_session_options o;
	struct run r;
	char sha[65], *url, *fresh, *dir;
	ycdl_task_info *info;
	Ycdl__Event *e;

	make_file("refresh-403.bin", SIZE, sha);
	fault_reset("refresh-403");
	fault_reset("refresh-403-2");
	url = fault_url("refresh-403.bin",
			"id=refresh-403&short=300000&fail_at=2&fail=100&status=403");
	open_run(&r, "refresh-403", NULL);
	r.key = add_url(r.s, url, NULL);
	e = wait_for_url_needed(&r, 0);
	CHECK_INT(e->url_needed->error_code, YCDL_E_HTTP);
	CHECK_INT(e->url_needed->http_status, 403);
	CHECK(strstr(e->url_needed->message, "403"));
	/* No retry was spent on a link that cannot work. */
	CHECK_INT(log_count(&r.log, YCDL__EVENT__KIND_RETRYING, r.key), 1);
	CHECK_INT(fault_stat("refresh-403", "requests"), 2);
	/* Another process finds it waiting, with the reason. */
	dir = strdup(r.dir);
	log_free(&r.log);
	ycdl_session_close(r.s);
	o = test_session_options(dir);
	o.auto_resume = 1;
	r.s = open_session("refresh-403", &o);
	log_init(&r.log, r.s);
	info = info_of(&r);
	CHECK_INT(info->status, YCDL_STATUS_WAITING_FOR_URL);
	CHECK_INT(info->http_status, 403);
	CHECK_INT(info->error_code, YCDL_E_HTTP);
	CHECK_INT(info->bytes_written, CUT);
	ycdl_task_info_free(info);
	usleep(300000);     /* auto_resume does not send it anywhere */
	CHECK_INT(fault_stat("refresh-403", "requests"), 2);
	fresh = fault_url("refresh-403.bin", "id=refresh-403-2");
	CHECK_OK(ycdl_task_set_url(r.s, r.key, fresh));
	e = log_wait(&r.log, 0, YCDL__EVENT__KIND_RESUMED, r.key, 20000);
	CHECK_INT(e->resumed->offset, CUT);
	finish_run(&r, 0, sha);
	free(dir);
	free(fresh);
	free(url);
	close_run(&r);
}

TEST(a_new_url_that_serves_another_file_starts_again_from_zero)
{
	struct run r;
	char sha[65], other_sha[65], *url, *other;
	Ycdl__Event *e;
	size_t mark;

	make_file("refresh-old.bin", SIZE, sha);
	make_file("refresh-new.bin", SIZE + 4096, other_sha);
	fault_reset("refresh-old");
	fault_reset("refresh-new");
	url = fault_url("refresh-old.bin",
			"id=refresh-old&short=300000&fail_at=2&fail=100&status=410");
	open_run(&r, "refresh-other", NULL);
	r.key = add_url(r.s, url, NULL);
	e = wait_for_url_needed(&r, 0);
	CHECK_INT(e->url_needed->http_status, 410);
	other = fault_url("refresh-new.bin", "id=refresh-new");
	mark = r.log.count;
	CHECK_OK(ycdl_task_set_url(r.s, r.key, other));
	e = log_wait(&r.log, mark, YCDL__EVENT__KIND_RESTARTED, r.key, 20000);
	CHECK_INT(e->restarted->discarded_bytes, CUT);
	finish_run(&r, mark, other_sha);
	free(url);
	free(other);
	close_run(&r);
}

TEST(refresh_statuses_are_the_sessions_to_choose)
{
	ycdl_session_options o = test_session_options(NULL);
	struct run r;
	char *url;
	Ycdl__Event *end;

	make_file("refresh-none.bin", 5000, NULL);
	fault_reset("refresh-none");
	url = fault_url("refresh-none.bin", "id=refresh-none&always=403");
	o.url_refresh_statuses = "";
	o.max_retries = 0;
	open_run(&r, "refresh-none", &o);
	r.key = add_url(r.s, url, NULL);
	end = log_wait_end(&r.log, 0, r.key, 20000);
	CHECK_INT(end->kind_case, YCDL__EVENT__KIND_FAILED);
	CHECK_INT(end->failed->http_status, 403);
	free(url);
	close_run(&r);
	o = test_session_options(NULL);
	o.url_refresh_statuses = "403,abc";
	CHECK_INT(ycdl_session_open(&r.s, "refresh-bad", &o), YCDL_E_INVALID);
	o.url_refresh_statuses = "200";
	CHECK_INT(ycdl_session_open(&r.s, "refresh-bad", &o), YCDL_E_INVALID);
}

/* ------------------------------------------------------ expired links */

static void utc_basic(char *out, size_t cap, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, cap, "%Y%m%dT%H%M%SZ", &tm);
}

TEST(an_expired_signed_url_is_not_even_asked)
{
	static const char *const expired[] = {
		"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20200101T000000Z&X-Amz-Expires=60&X-Amz-Signature=ab",
		"X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Date=20200101T000000Z&X-Goog-Expires=900&X-Goog-Signature=cd",
		"Expires=1577836800&Signature=ef&Key-Pair-Id=K1",
	};
	char sha[65], q[512], now[32];
	struct run r;
	char *url;
	Ycdl__Event *e;

	make_file("refresh-expired.bin", 100000, sha);
	for (size_t i = 0; i < sizeof(expired) / sizeof(expired[0]); i++) {
		char id[32];

		snprintf(id, sizeof(id), "refresh-exp-%zu", i);
		fault_reset(id);
		snprintf(q, sizeof(q), "id=%s&%s", id, expired[i]);
		url = fault_url("refresh-expired.bin", q);
		open_run(&r, id, NULL);
		r.key = add_url(r.s, url, NULL);
		e = wait_for_url_needed(&r, 0);
		CHECK_INT(e->url_needed->error_code, YCDL_E_URL_EXPIRED);
		CHECK(strstr(e->url_needed->message, "expired at 20"));
		CHECK_INT(fault_stat(id, "requests"), 0);
		free(url);
		close_run(&r);
	}
	/* A link signed a minute ago for an hour works (and the server checks
	 * it as S3 would). */
	fault_reset("refresh-exp-ok");
	utc_basic(now, sizeof(now), time(NULL) - 60);
	snprintf(q, sizeof(q), "id=refresh-exp-ok&X-Amz-Date=%s&X-Amz-Expires=3600", now);
	url = fault_url("refresh-expired.bin", q);
	open_run(&r, "refresh-exp-ok", NULL);
	r.key = add_url(r.s, url, NULL);
	finish_run(&r, 0, sha);
	free(url);
	close_run(&r);
}

TEST(a_link_that_expires_while_it_waits_is_refreshed_and_resumed)
{
	char sha[65], q[512], signed_at[32], *url, *fresh;
	struct run r;
	Ycdl__Event *e;

	/* Signed so that it expires a second from now; the first answer
	 * takes three to stop at CUT, so the retry would come after the
	 * expiry: the URL says so and is not asked again. */
	make_file("refresh-late.bin", SIZE, sha);
	fault_reset("refresh-late");
	fault_reset("refresh-late-2");
	utc_basic(signed_at, sizeof(signed_at), time(NULL) - 59);
	snprintf(q, sizeof(q), "id=refresh-late&short=300000&rate=100000&"
			"X-Amz-Date=%s&X-Amz-Expires=60", signed_at);
	url = fault_url("refresh-late.bin", q);
	open_run(&r, "refresh-late", NULL);
	r.key = add_url(r.s, url, NULL);
	e = wait_for_url_needed(&r, 0);
	CHECK_INT(e->url_needed->error_code, YCDL_E_URL_EXPIRED);
	CHECK_INT(fault_stat("refresh-late", "requests"), 1);
	CHECK_INT(part_size(&r), CUT);
	fresh = fault_url("refresh-late.bin", "id=refresh-late-2");
	CHECK_OK(ycdl_task_set_url(r.s, r.key, fresh));
	e = log_wait(&r.log, 0, YCDL__EVENT__KIND_RESUMED, r.key, 20000);
	CHECK_INT(e->resumed->offset, CUT);
	finish_run(&r, 0, sha);
	free(url);
	free(fresh);
	close_run(&r);
}

/* ------------------------------------------------------------ the call */

TEST(set_url_checks_its_arguments_and_null_goes_back_to_the_original)
{
	struct run r;
	char *url;
	ycdl_task_info *info;
	Ycdl__Event *e;
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	static const char *const bad_types[] = { "video" };
	size_t mark;

	make_file("refresh-args.bin", 5000, NULL);
	url = test_url(env.nginx, "refresh-args.bin");
	open_run(&r, "refresh-args", NULL);
	t.url = url;
	t.start_paused = 1;
	CHECK_OK(ycdl_task_add(&r.key, r.s, &t));
	CHECK_INT(ycdl_task_set_url(NULL, r.key, url), YCDL_E_INVALID);
	CHECK_INT(ycdl_task_set_url(r.s, NULL, url), YCDL_E_INVALID);
	CHECK_INT(ycdl_task_set_url(r.s, "nope", url), YCDL_E_NOT_FOUND);
	CHECK_INT(ycdl_task_set_url(r.s, r.key, "not a url"), YCDL_E_INVALID);
	CHECK_INT(ycdl_task_set_url(r.s, r.key, "ftp://example.com/x"), YCDL_E_PROTOCOL);
	CHECK_INT(ycdl_task_set_url(r.s, r.key, "http://u:p@127.0.0.1/x"), YCDL_E_INVALID);
	CHECK(strstr(ycdl_last_error_message(), "credentials"));
	CHECK_OK(ycdl_task_set_url(r.s, r.key, "http://127.0.0.1:1/elsewhere.bin"));
	info = info_of(&r);
	CHECK_STR(info->request_url, "http://127.0.0.1:1/elsewhere.bin");
	CHECK_INT(info->status, YCDL_STATUS_PAUSED);     /* a paused task stays */
	ycdl_task_info_free(info);
	e = log_wait(&r.log, 0, YCDL__EVENT__KIND_URL_CHANGED, r.key, 5000);
	CHECK_STR(e->url_changed->to, "http://127.0.0.1:1/elsewhere.bin");
	mark = r.log.count;
	CHECK_OK(ycdl_task_set_url(r.s, r.key, NULL));
	e = log_wait(&r.log, mark, YCDL__EVENT__KIND_URL_CHANGED, r.key, 5000);
	CHECK_STR(e->url_changed->from, "http://127.0.0.1:1/elsewhere.bin");
	CHECK_STR(e->url_changed->to, url);
	info = info_of(&r);
	CHECK_STR(info->request_url, "");
	ycdl_task_info_free(info);
	CHECK_OK(ycdl_task_start(r.s, r.key));
	CHECK_INT(log_wait_end(&r.log, 0, r.key, 20000)->kind_case,
			YCDL__EVENT__KIND_FINISHED);
	CHECK_INT(ycdl_task_set_url(r.s, r.key, url), YCDL_E_STATE);
	/* Bad patterns are refused when the task is added. */
	t.url = "http://127.0.0.1:1/other.bin";
	t.accept_types = bad_types;
	t.accept_type_count = 1;
	CHECK_INT(ycdl_task_add(NULL, r.s, &t), YCDL_E_INVALID);
	t.accept_types = NULL;
	CHECK_INT(ycdl_task_add(NULL, r.s, &t), YCDL_E_INVALID);
	free(url);
	close_run(&r);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(an_error_page_is_never_saved_and_the_bytes_before_it_are_kept),
		TEST_ENTRY(accepted_types_and_the_default_guard),
		TEST_ENTRY(a_session_default_for_accepted_types_applies_to_tasks_without_their_own),
		TEST_ENTRY(a_403_waits_for_a_url_across_a_restart_and_set_url_resumes_with_the_bytes_kept),
		TEST_ENTRY(a_new_url_that_serves_another_file_starts_again_from_zero),
		TEST_ENTRY(refresh_statuses_are_the_sessions_to_choose),
		TEST_ENTRY(an_expired_signed_url_is_not_even_asked),
		TEST_ENTRY(a_link_that_expires_while_it_waits_is_refreshed_and_resumed),
		TEST_ENTRY(set_url_checks_its_arguments_and_null_goes_back_to_the_original),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
