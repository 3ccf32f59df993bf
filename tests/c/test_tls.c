/* test_tls.c — HTTPS: certificates are verified by default, a private CA is
 * accepted when given, and HTTP/2 is used where the server offers it. */
#define _GNU_SOURCE
#include "fixtures.h"
#include "harness.h"

#include <stdlib.h>

/* The access log line nginx wrote for path (allocated), or NULL. */
static char *access_line(const char *path)
{
	FILE *f = fopen(env.access_log, "r");
	char line[4096], *found = NULL;

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, path)) {
			free(found);
			found = strdup(line);
		}
	fclose(f);
	return found;
}

static Ycdl__Event *fetch(const char *id, const char *url, const char *ca_file,
		struct event_log *log, ycdl_session **s)
{
	char *dir = test_dir(id);
	ycdl_session_options o = test_session_options(dir);
	char *key;
	Ycdl__Event *e;

	o.ca_file = ca_file;
	o.max_retries = 1;
	*s = open_session(id, &o);
	free(dir);
	log_init(log, *s);
	key = add_url(*s, url, NULL);
	log_wait_status(log, key, YCDL_STATUS_FINISHED, 20000);
	e = log_wait(log, 0, YCDL__EVENT__KIND_FINISHED, key, 5000);
	ycdl_free(key);
	return e;
}

TEST(https_with_the_right_ca_file_downloads_over_http2)
{
	char sha[65], url[512];
	struct event_log log;
	ycdl_session *s;
	Ycdl__Event *e;
	char *line;

	make_file("tls-h2.bin", 1500000, sha);
	snprintf(url, sizeof(url), "%s/tls-h2.bin", env.nginx_tls);
	e = fetch("tls-h2", url, env.ca_file, &log, &s);
	CHECK_STR(e->finished->sha256_hex, sha);
	line = access_line("/tls-h2.bin");
	CHECK(line != NULL);
	if (!strstr(line, "HTTP/2.0"))
		test_fail(__FILE__, __LINE__, "not HTTP/2: %s", line);
	free(line);
	log_free(&log);
	ycdl_session_close(s);
}

TEST(untrusted_certificate_fails_with_tls_error_not_retried)
{
	char *dir = test_dir("tls-untrusted");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s;
	struct event_log log;
	char url[512], *key;
	Ycdl__Event *e;

	make_file("tls-untrusted.bin", 1000, NULL);
	snprintf(url, sizeof(url), "%s/tls-untrusted.bin", env.nginx_tls);
	s = open_session("tls-untrusted", &o);     /* the system's CAs only */
	log_init(&log, s);
	key = add_url(s, url, NULL);
	log_wait_status(&log, key, YCDL_STATUS_FAILED, 20000);
	e = log_wait(&log, 0, YCDL__EVENT__KIND_FAILED, key, 5000);
	CHECK_INT(e->failed->error_code, YCDL_E_TLS);
	CHECK(!e->failed->retryable);
	CHECK_INT(log_count(&log, YCDL__EVENT__KIND_RETRYING, key), 0);
	CHECK(access_line("/tls-untrusted.bin") == NULL);   /* nothing was asked */
	ycdl_free(key);
	log_free(&log);
	ycdl_session_close(s);
	free(dir);
}

TEST(pinned_public_key_is_enforced)
{
	char url[512], sha[65], *dir;
	ycdl_session_options o;
	ycdl_session *s;
	struct event_log log;
	Ycdl__Event *e;
	char *key;

	make_file("tls-pin.bin", 5000, sha);
	snprintf(url, sizeof(url), "%s/tls-pin.bin", env.nginx_tls);
	/* The right pin on top of the CA: fine. */
	dir = test_dir("tls-pin");
	o = test_session_options(dir);
	o.ca_file = env.ca_file;
	o.pinned_public_key = env.pinned_key;
	s = open_session("tls-pin", &o);
	log_init(&log, s);
	key = add_url(s, url, NULL);
	e = log_wait(&log, 0, YCDL__EVENT__KIND_FINISHED, key, 20000);
	CHECK_STR(e->finished->sha256_hex, sha);
	ycdl_free(key);
	log_free(&log);
	ycdl_session_close(s);
	free(dir);

	/* A trusted certificate with another key: refused. */
	dir = test_dir("tls-badpin");
	o = test_session_options(dir);
	o.ca_file = env.ca_file;
	o.max_retries = 1;
	o.pinned_public_key = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
	s = open_session("tls-badpin", &o);
	log_init(&log, s);
	key = add_url(s, url, NULL);
	log_wait_status(&log, key, YCDL_STATUS_FAILED, 20000);
	e = log_wait(&log, 0, YCDL__EVENT__KIND_FAILED, key, 5000);
	CHECK_INT(e->failed->error_code, YCDL_E_TLS);
	CHECK(!e->failed->retryable);
	ycdl_free(key);
	log_free(&log);
	ycdl_session_close(s);
	free(dir);
}

TEST(resume_over_http2_is_byte_identical)
{
	char sha[65], url[512];
	char *dir = test_dir("tls-resume");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s;
	struct event_log log;
	Ycdl__Event *e;
	char *key;

	make_file("tls-resume.bin", 2 * 1024 * 1024, sha);
	snprintf(url, sizeof(url), "%s/tls-resume.bin?rate=800000", env.nginx_tls);
	o.ca_file = env.ca_file;
	s = open_session("tls-resume", &o);
	log_init(&log, s);
	key = add_url(s, url, NULL);
	wait_progress(&log, key, 300000, 20000);
	CHECK_OK(ycdl_task_pause(s, key));
	CHECK_OK(ycdl_task_resume(s, key));
	e = log_wait(&log, 0, YCDL__EVENT__KIND_FINISHED, key, 20000);
	CHECK_STR(e->finished->sha256_hex, sha);
	CHECK(log_find(&log, YCDL__EVENT__KIND_RESUMED, key) != NULL);
	CHECK_INT(log_count(&log, YCDL__EVENT__KIND_RESTARTED, key), 0);
	ycdl_free(key);
	log_free(&log);
	ycdl_session_close(s);
	free(dir);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(https_with_the_right_ca_file_downloads_over_http2),
		TEST_ENTRY(untrusted_certificate_fails_with_tls_error_not_retried),
		TEST_ENTRY(pinned_public_key_is_enforced),
		TEST_ENTRY(resume_over_http2_is_byte_identical),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
