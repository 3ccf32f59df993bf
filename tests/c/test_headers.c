/* test_headers.c — what a request carries: the caller's headers and user
 * agent, credentials only to the host they were meant for, and never on
 * disk; a task restored without its credentials waits for them. */
#define _GNU_SOURCE
#include "harness.h"

#include <stdlib.h>
#include <unistd.h>

static void check_header(const char *id, const char *name, const char *expected)
{
	char *value = fault_header(id, name);

	if (!expected && value)
		test_fail(__FILE__, __LINE__, "%s was sent (%s) but must not be", name, value);
	if (expected && (!value || strcmp(value, expected) != 0))
		test_fail(__FILE__, __LINE__, "%s is \"%s\", expected \"%s\"", name,
				value ? value : "(absent)", expected);
	free(value);
}

/* Adds url with headers and runs it to its finished event. */
static void fetch(ycdl_session *s, struct event_log *log, const char *url,
		const char *const *headers, size_t count)
{
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	char *key;

	t.url = url;
	t.headers = headers;
	t.header_count = count;
	CHECK_OK(ycdl_task_add(&key, s, &t));
	log_wait(log, 0, YCDL__EVENT__KIND_FINISHED, key, 20000);
	ycdl_free(key);
}

static const char *const with_secrets[] = {
	"Authorization: Bearer SECRET-TOKEN-1",
	"Cookie: session=SECRET-COOKIE-2",
	"X-Trace: trace-3",
};

TEST(custom_headers_and_user_agent_are_sent)
{
	char *dir = test_dir("ua");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s;
	struct event_log log;
	char url[512];

	make_file("ua.bin", 1000, NULL);
	s = open_session("ua", &o);
	log_init(&log, s);
	snprintf(url, sizeof(url), "%s/ua.bin?id=ua-default", env.fault);
	fetch(s, &log, url, with_secrets + 2, 1);
	check_header("ua-default", "User-Agent", "libycdl/" YCDL_VERSION_STRING);
	check_header("ua-default", "X-Trace", "trace-3");
	log_free(&log);
	ycdl_session_close(s);

	o.user_agent = "ExampleApp/2.0";
	s = open_session("ua", &o);
	log_init(&log, s);
	snprintf(url, sizeof(url), "%s/ua.bin?id=ua-custom", env.fault);
	fetch(s, &log, url, NULL, 0);
	check_header("ua-custom", "User-Agent", "ExampleApp/2.0");
	log_free(&log);
	ycdl_session_close(s);
	free(dir);
}

TEST(credentials_follow_same_host_redirects_only)
{
	char *dir = test_dir("creds");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s = open_session("creds", &o);
	struct event_log log;
	char url[1024], port[16];
	const char *colon = strrchr(env.fault, ':');

	make_file("creds.bin", 2000, NULL);
	snprintf(port, sizeof(port), "%s", colon + 1);
	log_init(&log, s);

	/* Same host: the caller's credentials go along. */
	snprintf(url, sizeof(url), "%s/redirect/0?to=%%2Fcreds.bin%%3Fid%%3Dsame-host", env.fault);
	fetch(s, &log, url, with_secrets, 3);
	check_header("same-host", "Authorization", "Bearer SECRET-TOKEN-1");
	check_header("same-host", "Cookie", "session=SECRET-COOKIE-2");

	/* Another host name (same machine): they stay behind; the harmless
	 * header still goes. */
	snprintf(url, sizeof(url), "%s/redirect-to?url=http%%3A%%2F%%2Flocalhost%%3A%s"
			"%%2Fcreds.bin%%3Fid%%3Dother-host", env.fault, port);
	fetch(s, &log, url, with_secrets, 3);
	check_header("other-host", "Authorization", NULL);
	check_header("other-host", "Cookie", NULL);
	check_header("other-host", "X-Trace", "trace-3");
	log_free(&log);
	ycdl_session_close(s);
	free(dir);
}

static bool file_contains(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long size;
	bool found;

	CHECK(f != NULL);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = calloc(1, (size_t)size + 1);
	CHECK(fread(data, 1, (size_t)size, f) == (size_t)size);
	fclose(f);
	found = memmem(data, (size_t)size, needle, strlen(needle)) != NULL;
	free(data);
	return found;
}

TEST(credentials_never_reach_the_journal)
{
	char *dir = test_dir("nosecret");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s = open_session("nosecret", &o);
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	char journal[2048];

	t.url = "http://127.0.0.1:9/secret.bin";
	t.headers = with_secrets;
	t.header_count = 3;
	t.start_paused = 1;
	CHECK_OK(ycdl_task_add(NULL, s, &t));
	ycdl_session_close(s);
	snprintf(journal, sizeof(journal), "%s/nosecret/tasks.journal", dir);
	CHECK(file_contains(journal, "secret.bin"));     /* the task is there */
	CHECK(file_contains(journal, "trace-3"));        /* harmless headers too */
	CHECK(!file_contains(journal, "SECRET-TOKEN-1"));
	CHECK(!file_contains(journal, "SECRET-COOKIE-2"));
	free(dir);
}

TEST(restored_task_waits_for_its_credentials)
{
	char *dir = test_dir("needcreds");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s = open_session("needcreds", &o);
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	ycdl_task_info *info;
	struct event_log log;
	char url[512], sha[65], *key;

	make_file("needcreds.bin", 3000, sha);
	snprintf(url, sizeof(url), "%s/needcreds.bin?id=needcreds", env.fault);
	t.url = url;
	t.headers = with_secrets;
	t.header_count = 3;
	t.start_paused = 1;
	CHECK_OK(ycdl_task_add(&key, s, &t));
	ycdl_session_close(s);

	o.auto_resume = 1;       /* even so: not without its credentials */
	s = open_session("needcreds", &o);
	log_init(&log, s);
	CHECK_INT(ycdl_task_start(s, key), YCDL_E_STATE);
	CHECK(strstr(ycdl_last_error_message(), "ycdl_task_set_headers") != NULL);
	CHECK_OK(ycdl_task_get_info(&info, s, key));
	CHECK_INT(info->status, YCDL_STATUS_PAUSED);
	ycdl_task_info_free(info);
	CHECK_OK(ycdl_task_set_headers(s, key, with_secrets, 3));
	CHECK_OK(ycdl_task_start(s, key));
	CHECK_STR(log_wait(&log, 0, YCDL__EVENT__KIND_FINISHED, key, 10000)->finished->sha256_hex,
			sha);
	check_header("needcreds", "Authorization", "Bearer SECRET-TOKEN-1");
	check_header("needcreds", "X-Trace", "trace-3");
	ycdl_free(key);
	log_free(&log);
	ycdl_session_close(s);
	free(dir);
}

/* A header the caller marks secret (an API token) is treated as
 * Authorization is: sent, never stored, asked for again after a restart;
 * ycdl_task_set_headers keeps its name secret. */
TEST(header_marked_secret_never_reaches_the_journal_and_is_asked_for_again)
{
	static const char *const plain[] = { "X-Trace: trace-7" };
	static const char *const secret[] = { "X-Api-Token: SECRET-API-TOKEN-5" };
	static const char *const again[] = { "X-Trace: trace-7",
		"x-api-token: SECRET-API-TOKEN-6" };
	char *dir = test_dir("secretmark");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s = open_session("secretmark", &o);
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	struct event_log log;
	char url[512], sha[65], journal[2048], *key;

	make_file("secretmark.bin", 3000, sha);
	snprintf(url, sizeof(url), "%s/secretmark.bin?id=secretmark", env.fault);
	t.url = url;
	t.headers = plain;
	t.header_count = 1;
	t.secret_headers = secret;
	t.secret_header_count = 1;
	t.start_paused = 1;
	CHECK_OK(ycdl_task_add(&key, s, &t));
	ycdl_session_close(s);
	snprintf(journal, sizeof(journal), "%s/secretmark/tasks.journal", dir);
	CHECK(file_contains(journal, "trace-7"));
	CHECK(file_contains(journal, "x-api-token"));     /* the name only */
	CHECK(!file_contains(journal, "SECRET-API-TOKEN"));

	s = open_session("secretmark", &o);
	log_init(&log, s);
	CHECK_INT(ycdl_task_start(s, key), YCDL_E_STATE);
	CHECK_OK(ycdl_task_set_headers(s, key, again, 2));
	CHECK_OK(ycdl_task_start(s, key));
	CHECK_STR(log_wait(&log, 0, YCDL__EVENT__KIND_FINISHED, key, 10000)->finished->sha256_hex,
			sha);
	check_header("secretmark", "X-Api-Token", "SECRET-API-TOKEN-6");
	check_header("secretmark", "X-Trace", "trace-7");
	ycdl_session_close(s);
	/* Given again through set_headers, it is still a secret. */
	CHECK(!file_contains(journal, "SECRET-API-TOKEN"));
	ycdl_free(key);
	log_free(&log);
	free(dir);
}

/* "http://alice:s3cr%3At@127.0.0.1:PORT/path": the fault server's URL with
 * credentials, the password holding an encoded ':'. */
static void url_with_credentials(char *out, size_t cap, const char *path)
{
	if (snprintf(out, cap, "http://alice:s3cr%%3At@%s/%s", env.fault + strlen("http://"),
			path) >= (int)cap)
		test_fail(__FILE__, __LINE__, "URL too long");
}

TEST(url_credentials_are_sent_but_never_stored)
{
	char *dir = test_dir("urlcreds");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s = open_session("urlcreds", &o);
	struct event_log log;
	ycdl_task_info *info;
	char url[512], bare[512], journal[2048], sha[65], *key, *found;

	make_file("urlcreds.bin", 2000, sha);
	url_with_credentials(url, sizeof(url), "urlcreds.bin?id=urlcreds");
	snprintf(bare, sizeof(bare), "%s/urlcreds.bin?id=urlcreds", env.fault);
	log_init(&log, s);
	key = add_url(s, url, NULL);
	CHECK_STR(log_wait(&log, 0, YCDL__EVENT__KIND_FINISHED, key, 10000)->finished->sha256_hex,
			sha);
	/* base64("alice:s3cr:t") */
	check_header("urlcreds", "Authorization", "Basic YWxpY2U6czNjcjp0");
	CHECK_OK(ycdl_task_get_info(&info, s, key));
	CHECK_STR(info->url, bare);
	ycdl_task_info_free(info);
	CHECK_OK(ycdl_task_find_by_url(&found, s, url));
	CHECK_STR(found, key);
	ycdl_free(found);
	CHECK_OK(ycdl_task_find_by_url(&found, s, bare));
	CHECK_STR(found, key);
	ycdl_free(found);
	ycdl_free(key);
	log_free(&log);
	ycdl_session_close(s);
	snprintf(journal, sizeof(journal), "%s/urlcreds/tasks.journal", dir);
	CHECK(file_contains(journal, "urlcreds.bin"));
	CHECK(!file_contains(journal, "s3cr"));
	CHECK(!file_contains(journal, "alice"));
	free(dir);
}

TEST(url_credentials_come_back_by_adding_the_url_again)
{
	char *dir = test_dir("urlcreds2");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s = open_session("urlcreds2", &o);
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	struct event_log log;
	char url[512], sha[65], *key, *again;

	make_file("urlcreds2.bin", 2000, sha);
	url_with_credentials(url, sizeof(url), "urlcreds2.bin?id=urlcreds2");
	t.url = url;
	t.start_paused = 1;
	CHECK_OK(ycdl_task_add(&key, s, &t));
	ycdl_session_close(s);

	s = open_session("urlcreds2", &o);
	log_init(&log, s);
	CHECK_INT(ycdl_task_start(s, key), YCDL_E_STATE);
	CHECK_OK(ycdl_task_add(&again, s, &t));      /* the same task, credentials back */
	CHECK_STR(again, key);
	CHECK_OK(ycdl_task_start(s, key));
	CHECK_STR(log_wait(&log, 0, YCDL__EVENT__KIND_FINISHED, key, 10000)->finished->sha256_hex,
			sha);
	check_header("urlcreds2", "Authorization", "Basic YWxpY2U6czNjcjp0");
	ycdl_free(key);
	ycdl_free(again);
	log_free(&log);
	ycdl_session_close(s);
	free(dir);
}

TEST(url_credentials_stay_behind_on_a_redirect_to_another_host)
{
	char *dir = test_dir("urlcreds3");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s = open_session("urlcreds3", &o);
	struct event_log log;
	char url[1024], path[512];
	const char *port = strrchr(env.fault, ':') + 1;

	make_file("urlcreds3.bin", 2000, NULL);
	snprintf(path, sizeof(path), "redirect-to?url=http%%3A%%2F%%2Flocalhost%%3A%s"
			"%%2Furlcreds3.bin%%3Fid%%3Durlcreds3", port);
	url_with_credentials(url, sizeof(url), path);
	log_init(&log, s);
	fetch(s, &log, url, NULL, 0);
	check_header("urlcreds3", "Authorization", NULL);
	log_free(&log);
	ycdl_session_close(s);
	free(dir);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(custom_headers_and_user_agent_are_sent),
		TEST_ENTRY(credentials_follow_same_host_redirects_only),
		TEST_ENTRY(credentials_never_reach_the_journal),
		TEST_ENTRY(restored_task_waits_for_its_credentials),
		TEST_ENTRY(header_marked_secret_never_reaches_the_journal_and_is_asked_for_again),
		TEST_ENTRY(url_credentials_are_sent_but_never_stored),
		TEST_ENTRY(url_credentials_come_back_by_adding_the_url_again),
		TEST_ENTRY(url_credentials_stay_behind_on_a_redirect_to_another_host),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
