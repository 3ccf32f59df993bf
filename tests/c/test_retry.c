/* test_retry.c — transient failures are retried with backoff and continue
 * from where they stopped; permanent ones fail with a precise code. */
#define _GNU_SOURCE
#include "harness.h"

#include <stdlib.h>
#include <time.h>

static Ycdl__Event *run_opts(const char *id, const char *path, struct event_log *log,
		ycdl_session **s, char **key, const ycdl_session_options *custom)
{
	char *dir = test_dir(id);
	ycdl_session_options o = custom ? *custom : test_session_options(dir);
	char url[1024];

	o.state_dir = dir;
	o.download_dir = dir;
	fault_reset(id);      /* every call here uses the session id as fault id */
	snprintf(url, sizeof(url), "%s/%s", env.fault, path);
	*s = open_session(id, &o);
	log_init(log, *s);
	*key = add_url(*s, url, NULL);
	free(dir);
	return log_wait_end(log, 0, *key, 60000);
}

static Ycdl__Event *run(const char *id, const char *path, struct event_log *log,
		ycdl_session **s, char **key)
{
	return run_opts(id, path, log, s, key, NULL);
}

static void done(struct event_log *log, ycdl_session *s, char *key)
{
	ycdl_free(key);
	log_free(log);
	ycdl_session_close(s);
}

TEST(server_errors_then_success_are_retried)
{
	char sha[65];
	struct event_log log;
	ycdl_session *s;
	char *key;
	Ycdl__Event *e;

	make_file("flaky.bin", 200000, sha);
	e = run("flaky", "flaky.bin?fail=3&status=503&id=flaky", &log, &s, &key);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	CHECK_INT(log_count(&log, YCDL__EVENT__KIND_RETRYING, key), 3);
	e = log_find(&log, YCDL__EVENT__KIND_RETRYING, key);
	CHECK_INT(e->retrying->attempt, 1);
	CHECK_INT(e->retrying->http_status, 503);
	CHECK_INT(e->retrying->error_code, YCDL_E_HTTP);
	CHECK_INT(fault_stat("flaky", "requests"), 4);
	done(&log, s, key);
}

TEST(too_many_server_errors_fail_retryable_after_the_limit)
{
	struct event_log log;
	ycdl_session *s;
	char *key;
	Ycdl__Event *e;

	make_file("down.bin", 1000, NULL);
	e = run("down", "down.bin?always=500&id=down", &log, &s, &key);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FAILED);
	CHECK_INT(e->failed->error_code, YCDL_E_HTTP);
	CHECK_INT(e->failed->http_status, 500);
	CHECK(e->failed->retryable);
	CHECK_INT(log_count(&log, YCDL__EVENT__KIND_RETRYING, key), 5);
	CHECK_INT(fault_stat("down", "requests"), 6);
	done(&log, s, key);
}

TEST(retry_after_on_429_is_honoured)
{
	struct event_log log;
	ycdl_session *s;
	char *key;
	Ycdl__Event *e;

	make_file("busy.bin", 1000, NULL);
	e = run("busy", "busy.bin?fail=1&status=429&retry_after=1&id=busy", &log, &s, &key);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	e = log_find(&log, YCDL__EVENT__KIND_RETRYING, key);
	CHECK(e != NULL);
	CHECK_INT(e->retrying->delay_ms, 1000);
	CHECK_INT(e->retrying->http_status, 429);
	done(&log, s, key);
}

TEST(connection_reset_mid_body_continues_from_offset)
{
	char sha[65];
	struct event_log log;
	ycdl_session *s;
	char *key;
	Ycdl__Event *e;

	make_file("reset.bin", 1000000, sha);
	e = run("reset", "reset.bin?reset_after=300000&id=reset", &log, &s, &key);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	CHECK_INT(log_count(&log, YCDL__EVENT__KIND_RETRYING, key), 1);
	e = log_find(&log, YCDL__EVENT__KIND_RESUMED, key);
	CHECK(e != NULL);
	CHECK(e->resumed->offset > 0);
	CHECK_INT(log_count(&log, YCDL__EVENT__KIND_RESTARTED, key), 0);
	/* Nothing fetched twice: the second request asked for the rest. */
	CHECK(fault_stat("reset", "bytes") <= 1000000 + 300000);
	done(&log, s, key);
}

TEST(short_body_is_retried_and_completed)
{
	char sha[65];
	struct event_log log;
	ycdl_session *s;
	char *key;
	Ycdl__Event *e;

	make_file("short.bin", 500000, sha);
	e = run("short", "short.bin?short=100000&id=short", &log, &s, &key);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	CHECK(log_count(&log, YCDL__EVENT__KIND_RETRYING, key) >= 1);
	done(&log, s, key);
}

TEST(stalled_transfer_hits_low_speed_limit_and_resumes)
{
	char sha[65];
	struct event_log log;
	ycdl_session *s;
	char *key;
	Ycdl__Event *e;
	ycdl_session_options o = test_session_options("unused");

	o.low_speed_limit = 1000;
	o.low_speed_time_s = 1;
	make_file("stall.bin", 400000, sha);
	e = run_opts("stall", "stall.bin?stall_after=100000&stall=30&id=stall", &log, &s,
			&key, &o);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	e = log_find(&log, YCDL__EVENT__KIND_RETRYING, key);
	CHECK(e != NULL);
	CHECK_INT(e->retrying->error_code, YCDL_E_TIMEOUT);
	CHECK(log_find(&log, YCDL__EVENT__KIND_RESUMED, key) != NULL);
	done(&log, s, key);
}

TEST(connection_refused_fails_with_network_error_after_retries)
{
	char *dir = test_dir("refused");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s = open_session("refused", &o);
	struct event_log log;
	char *key;
	Ycdl__Event *e;

	log_init(&log, s);
	/* Port 9 (discard) is closed on test machines. */
	key = add_url(s, "http://127.0.0.1:9/nothing.bin", NULL);
	log_wait_status(&log, key, YCDL_STATUS_FAILED, 30000);
	e = log_wait(&log, 0, YCDL__EVENT__KIND_FAILED, key, 1000);
	CHECK_INT(e->failed->error_code, YCDL_E_NETWORK);
	CHECK(e->failed->retryable);
	CHECK_INT(log_count(&log, YCDL__EVENT__KIND_RETRYING, key), 5);
	done(&log, s, key);
	free(dir);
}

TEST(unresolvable_host_fails_with_resolve_error)
{
	char *dir = test_dir("dns");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s;
	struct event_log log;
	char *key;
	Ycdl__Event *e;

	o.max_retries = 1;
	s = open_session("dns", &o);
	log_init(&log, s);
	key = add_url(s, "http://no-such-host.invalid/x.bin", NULL);
	log_wait_status(&log, key, YCDL_STATUS_FAILED, 30000);
	e = log_wait(&log, 0, YCDL__EVENT__KIND_FAILED, key, 1000);
	CHECK_INT(e->failed->error_code, YCDL_E_RESOLVE);
	done(&log, s, key);
	free(dir);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(server_errors_then_success_are_retried),
		TEST_ENTRY(too_many_server_errors_fail_retryable_after_the_limit),
		TEST_ENTRY(retry_after_on_429_is_honoured),
		TEST_ENTRY(connection_reset_mid_body_continues_from_offset),
		TEST_ENTRY(short_body_is_retried_and_completed),
		TEST_ENTRY(stalled_transfer_hits_low_speed_limit_and_resumes),
		TEST_ENTRY(connection_refused_fails_with_network_error_after_retries),
		TEST_ENTRY(unresolvable_host_fails_with_resolve_error),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
