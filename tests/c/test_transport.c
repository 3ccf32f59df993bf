/* test_transport.c — the transport options the session passes to libcurl:
 * a proxy, and the maximum file size (with and without a known length). */
#define _GNU_SOURCE
#include "harness.h"

#include <stdlib.h>

/* Runs one URL to its end in a fresh session with options o; returns the
 * finished or failed event. The caller frees the log and closes *s. */
static Ycdl__Event *run(const char *id, const char *url, ycdl_session_options *o,
		struct event_log *log, ycdl_session **s)
{
	char *dir = test_dir(id);
	char *key;
	Ycdl__Event *end;

	o->state_dir = dir;
	o->download_dir = dir;
	*s = open_session(id, o);
	free(dir);
	log_init(log, *s);
	key = add_url(*s, url, NULL);
	end = log_wait_end(log, 0, key, 20000);
	ycdl_free(key);
	return end;
}

static bool log_mentions(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	if (f)
		fclose(f);
	return found;
}

TEST(downloads_through_an_http_proxy)
{
	ycdl_session_options o = test_session_options("unused");
	struct event_log log;
	ycdl_session *s;
	char sha[65], url[512];
	Ycdl__Event *e;

	make_file("via-proxy.bin", 200000, sha);
	snprintf(url, sizeof(url), "%s/via-proxy.bin", env.fault);
	o.proxy = env.proxy;
	e = run("proxy", url, &o, &log, &s);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	/* The proxy saw the absolute URL: the request went through it. */
	CHECK(log_mentions(env.proxy_log, url));
	log_free(&log);
	ycdl_session_close(s);
}

TEST(file_over_the_maximum_size_fails_when_announced)
{
	ycdl_session_options o = test_session_options("unused");
	struct event_log log;
	ycdl_session *s;
	char url[512];
	Ycdl__Event *e;

	make_file("too-big.bin", 300000, NULL);
	snprintf(url, sizeof(url), "%s/too-big.bin", env.fault);
	o.max_file_size = 100000;
	e = run("too-big", url, &o, &log, &s);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FAILED);
	CHECK_INT(e->failed->error_code, YCDL_E_TOO_LARGE);
	CHECK(!e->failed->retryable);
	CHECK_INT(log_count(&log, YCDL__EVENT__KIND_RETRYING, NULL), 0);
	/* Refused on the announced length: not one byte reached the disk. */
	{
		ycdl_task_info *info;
		char part[2048];

		CHECK_OK(ycdl_task_get_info(&info, s, e->key));
		CHECK_INT(info->bytes_written, 0);
		snprintf(part, sizeof(part), "%s.part", info->dest_path);
		CHECK(!file_exists(part));
		ycdl_task_info_free(info);
	}
	log_free(&log);
	ycdl_session_close(s);
}

TEST(file_over_the_maximum_size_fails_when_length_is_unknown)
{
	ycdl_session_options o = test_session_options("unused");
	struct event_log log;
	ycdl_session *s;
	char url[512];
	Ycdl__Event *e;
	ycdl_task_info *info;

	make_file("too-big-chunked.bin", 300000, NULL);
	snprintf(url, sizeof(url), "%s/too-big-chunked.bin?chunked=1", env.fault);
	o.max_file_size = 100000;
	e = run("too-big-chunked", url, &o, &log, &s);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FAILED);
	CHECK_INT(e->failed->error_code, YCDL_E_TOO_LARGE);
	CHECK_OK(ycdl_task_get_info(&info, s, e->key));
	CHECK(info->bytes_written <= 100000);
	ycdl_task_info_free(info);
	log_free(&log);
	ycdl_session_close(s);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(downloads_through_an_http_proxy),
		TEST_ENTRY(file_over_the_maximum_size_fails_when_announced),
		TEST_ENTRY(file_over_the_maximum_size_fails_when_length_is_unknown),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
