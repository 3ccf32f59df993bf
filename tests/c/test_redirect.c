/* test_redirect.c — redirects: followed within limits, http(s) only, the
 * task keyed by its original URL, the hops reported. */
#define _GNU_SOURCE
#include "harness.h"

#include <stdlib.h>

static Ycdl__Event *run(const char *id, const char *url, struct event_log *log,
		ycdl_session **s, char **key)
{
	char *dir = test_dir(id);
	ycdl_session_options o = test_session_options(dir);

	*s = open_session(id, &o);
	log_init(log, *s);
	*key = add_url(*s, url, NULL);
	free(dir);
	return log_wait_end(log, 0, *key, 20000);
}

TEST(follows_302_chain_keeps_original_url_as_identity)
{
	char sha[65], url[512], final[512], md5_key[33];
	struct event_log log;
	ycdl_session *s;
	Ycdl__Event *e;
	ycdl_task_info *info;
	char *key, *found;

	make_file("redirected.bin", 123456, sha);
	snprintf(url, sizeof(url), "%s/redirect/3?to=%%2Fredirected.bin&code=302", env.fault);
	snprintf(final, sizeof(final), "%s/redirected.bin", env.fault);
	e = run("redir", url, &log, &s, &key);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	CHECK_STR(e->finished->final_url, final);
	CHECK_INT(log_count(&log, YCDL__EVENT__KIND_REDIRECTED, key), 4);
	e = log_find(&log, YCDL__EVENT__KIND_REDIRECTED, key);
	CHECK_STR(e->redirected->from_url, url);
	CHECK_INT(e->redirected->http_status, 302);
	CHECK_OK(ycdl_task_find_by_url(&found, s, url));
	CHECK_STR(found, key);
	CHECK_INT(ycdl_task_find_by_url(&found, s, final), YCDL_E_NOT_FOUND);
	CHECK_OK(ycdl_task_get_info(&info, s, key));
	CHECK_STR(info->url, url);
	CHECK_STR(info->final_url, final);
	ycdl_task_info_free(info);
	/* The key derives from the original URL, not the final one. */
	snprintf(md5_key, sizeof(md5_key), "%s", key);
	CHECK_INT(strlen(md5_key), 32);
	ycdl_free(found);
	ycdl_free(key);
	log_free(&log);
	ycdl_session_close(s);
}

TEST(follows_301_303_307_308)
{
	static const int codes[] = { 301, 303, 307, 308 };

	make_file("redirect-codes.bin", 5000, NULL);
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		char url[512], id[32];
		struct event_log log;
		ycdl_session *s;
		char *key;
		Ycdl__Event *e;

		snprintf(url, sizeof(url), "%s/redirect/0?to=%%2Fredirect-codes.bin&code=%d",
				env.fault, codes[i]);
		snprintf(id, sizeof(id), "code%d", codes[i]);
		e = run(id, url, &log, &s, &key);
		CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
		e = log_find(&log, YCDL__EVENT__KIND_REDIRECTED, key);
		CHECK(e != NULL);
		CHECK_INT(e->redirected->http_status, codes[i]);
		ycdl_free(key);
		log_free(&log);
		ycdl_session_close(s);
	}
}

TEST(redirect_loop_fails_with_too_many_redirects)
{
	char url[512];
	struct event_log log;
	ycdl_session *s;
	char *key;
	Ycdl__Event *e;

	snprintf(url, sizeof(url), "%s/loop", env.fault);
	e = run("loop", url, &log, &s, &key);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FAILED);
	CHECK_INT(e->failed->error_code, YCDL_E_TOO_MANY_REDIRECTS);
	CHECK(!e->failed->retryable);
	ycdl_free(key);
	log_free(&log);
	ycdl_session_close(s);
}

TEST(redirect_to_file_url_is_refused)
{
	static const char *const targets[] = {
		"file%3A%2F%2F%2Fetc%2Fpasswd", "ftp%3A%2F%2F127.0.0.1%2Fx",
		"scp%3A%2F%2F127.0.0.1%2Fx",
	};

	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		char url[512], id[32];
		struct event_log log;
		ycdl_session *s;
		char *key;
		Ycdl__Event *e;

		snprintf(url, sizeof(url), "%s/redirect-to?url=%s", env.fault, targets[i]);
		snprintf(id, sizeof(id), "scheme%zu", i);
		e = run(id, url, &log, &s, &key);
		CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FAILED);
		CHECK_INT(e->failed->error_code, YCDL_E_PROTOCOL);
		CHECK(!e->failed->retryable);
		ycdl_free(key);
		log_free(&log);
		ycdl_session_close(s);
	}
}

TEST(non_http_urls_are_refused_at_add)
{
	char *dir = test_dir("schemes");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s = open_session("schemes", &o);
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	char *key = NULL;

	t.url = "file:///etc/passwd";
	CHECK_INT(ycdl_task_add(&key, s, &t), YCDL_E_PROTOCOL);
	t.url = "ftp://example.com/x";
	CHECK_INT(ycdl_task_add(&key, s, &t), YCDL_E_PROTOCOL);
	t.url = "not a url";
	CHECK_INT(ycdl_task_add(&key, s, &t), YCDL_E_INVALID);
	CHECK(key == NULL);
	ycdl_session_close(s);
	free(dir);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(follows_302_chain_keeps_original_url_as_identity),
		TEST_ENTRY(follows_301_303_307_308),
		TEST_ENTRY(redirect_loop_fails_with_too_many_redirects),
		TEST_ENTRY(redirect_to_file_url_is_refused),
		TEST_ENTRY(non_http_urls_are_refused_at_add),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
