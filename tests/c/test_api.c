/* test_api.c — every public function called with NULLs and nonsense: a
 * precise error code and a message, out-parameters left alone, no crash
 * (CI runs this under ASan and UBSan). */
#define _GNU_SOURCE
#include "harness.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

/* A call that must fail with code and leave a message for this thread. */
#define CHECK_FAILS(call, code) do { int rc_ = (call); \
	if (rc_ != (code)) test_fail(__FILE__, __LINE__, "%s returned %d, " \
		"expected %d", #call, rc_, (int)(code)); \
	if (ycdl_last_error_message()[0] == '\0') test_fail(__FILE__, __LINE__, \
		"%s left no error message", #call); } while (0)

#define SENTINEL ((void *)0x1)

static ycdl_session *open_scratch(const char *id, char **dir)
{
	ycdl_session_options o;

	*dir = test_dir(id);
	o = test_session_options(*dir);
	return open_session(id, &o);
}

TEST(static_helpers_accept_any_value)
{
	static const int codes[] = { INT_MIN, -1000, -26, -1, 0, 1, INT_MAX };

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		CHECK(ycdl_strerror(codes[i]) != NULL);
		CHECK(ycdl_status_name(codes[i]) != NULL);
	}
	CHECK_STR(ycdl_strerror(YCDL_E_LOCKED), "session is held by another process");
	CHECK_STR(ycdl_strerror(12345), "unknown error");
	CHECK_STR(ycdl_status_name(YCDL_STATUS_WAITING_FOR_NETWORK), "waiting-for-network");
	CHECK_STR(ycdl_status_name(0), "unknown");
	CHECK_STR(ycdl_version(), YCDL_VERSION_STRING);
	ycdl_free(NULL);
	ycdl_task_info_free(NULL);
	ycdl_keys_free(NULL, 7);
}

TEST(options_init_checks_version)
{
	ycdl_session_options so;
	ycdl_task_options to;

	CHECK_FAILS(ycdl_session_options_init(NULL, YCDL_SESSION_OPTIONS_VERSION),
			YCDL_E_INVALID);
	CHECK_FAILS(ycdl_session_options_init(&so, 0), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_session_options_init(&so, 99), YCDL_E_INVALID);
	CHECK_OK(ycdl_session_options_init(&so, YCDL_SESSION_OPTIONS_VERSION));
	CHECK_INT(so.max_concurrent, 3);
	CHECK_INT(so.verify_tls, 1);
	CHECK_INT(so.compute_sha256, 1);
	/* A caller built against version 1 has no compute_sha256: init must
	 * not write there. */
	so.compute_sha256 = 77;
	CHECK_OK(ycdl_session_options_init(&so, 1));
	CHECK_INT(so.version, 1);
	CHECK_INT(so.compute_sha256, 77);
	CHECK_FAILS(ycdl_task_options_init(NULL, YCDL_TASK_OPTIONS_VERSION), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_task_options_init(&to, 0), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_task_options_init(&to, YCDL_TASK_OPTIONS_VERSION + 1),
			YCDL_E_INVALID);
	CHECK_OK(ycdl_task_options_init(&to, YCDL_TASK_OPTIONS_VERSION));
	CHECK_INT(to.expected_size, -1);
	CHECK_INT(to.allow_cellular, 1);
	/* A caller built against version 1 has no secret_headers. */
	to.secret_header_count = 77;
	CHECK_OK(ycdl_task_options_init(&to, 1));
	CHECK_INT(to.version, 1);
	CHECK_INT(to.secret_header_count, 77);
}

TEST(session_open_rejects_bad_identifiers_and_options)
{
	char *dir = test_dir("badopen");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s = SENTINEL;
	char long_id[300], file_path[2048];
	static const char *const bad_ids[] = { "", ".", "..", "a/b", "../up", "sp ace",
		"new\nline", "ümlaut" };

	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	CHECK_FAILS(ycdl_session_open(NULL, "x", &o), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_session_open(&s, NULL, &o), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_session_open(&s, long_id, &o), YCDL_E_INVALID);
	for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++)
		CHECK_FAILS(ycdl_session_open(&s, bad_ids[i], &o), YCDL_E_INVALID);
	o.version = 0;
	CHECK_FAILS(ycdl_session_open(&s, "ok", &o), YCDL_E_INVALID);
	o = test_session_options(dir);
	o.max_concurrent = 0;
	CHECK_FAILS(ycdl_session_open(&s, "ok", &o), YCDL_E_INVALID);
	o = test_session_options(dir);
	o.retry_base_ms = 0;
	CHECK_FAILS(ycdl_session_open(&s, "ok", &o), YCDL_E_INVALID);
	o = test_session_options(dir);
	o.retry_max_ms = 1;
	CHECK_FAILS(ycdl_session_open(&s, "ok", &o), YCDL_E_INVALID);
	o = test_session_options(dir);
	o.max_redirects = 1000;
	CHECK_FAILS(ycdl_session_open(&s, "ok", &o), YCDL_E_INVALID);
	/* Version 1 options open a session; the later fields are not read. */
	o = test_session_options(dir);
	o.version = 1;
	o.compute_sha256 = 12345;
	s = open_session("v1", &o);
	ycdl_session_close(s);
	s = SENTINEL;
	/* A state directory that is a file. */
	snprintf(file_path, sizeof(file_path), "%s/plain-file", dir);
	fclose(fopen(file_path, "w"));
	o = test_session_options(file_path);
	CHECK_FAILS(ycdl_session_open(&s, "ok", &o), YCDL_E_IO);
	CHECK(s == SENTINEL);
	CHECK_INT(ycdl_session_close(NULL), 0);
	free(dir);
}

TEST(session_calls_reject_null_and_out_of_range)
{
	char *dir;
	ycdl_session *s = open_scratch("nulls", &dir);
	int fd = -5;
	void *data = SENTINEL;
	size_t len = 77;
	char **keys = SENTINEL;
	size_t count = 99;

	CHECK_FAILS(ycdl_session_event_fd(NULL, s), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_session_event_fd(&fd, NULL), YCDL_E_INVALID);
	CHECK_INT(fd, -5);
	CHECK_FAILS(ycdl_session_next_event(NULL, &len, s), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_session_next_event(&data, NULL, s), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_session_next_event(&data, &len, NULL), YCDL_E_INVALID);
	CHECK(data == SENTINEL);
	CHECK_INT(len, 77);
	CHECK_FAILS(ycdl_session_wait_event(NULL, 0), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_session_set_max_concurrent(NULL, 2), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_session_set_max_concurrent(s, 0), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_session_set_max_concurrent(s, 1001), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_session_set_network(NULL, YCDL_NETWORK_CELLULAR), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_session_set_network(s, (ycdl_network)7), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_session_set_network(s, (ycdl_network)-1), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_session_set_allow_cellular(NULL, 1), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_session_set_max_recv_speed(NULL, 10), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_session_list(NULL, &count, s, YCDL_STATUS_ALL), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_session_list(&keys, NULL, s, YCDL_STATUS_ALL), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_session_list(&keys, &count, NULL, YCDL_STATUS_ALL), YCDL_E_INVALID);
	CHECK(keys == SENTINEL);
	CHECK_INT(count, 99);
	/* Valid calls still work after all of that. */
	CHECK_OK(ycdl_session_event_fd(&fd, s));
	CHECK(fd >= 0);
	CHECK_OK(ycdl_session_set_max_concurrent(s, 1000));
	CHECK_OK(ycdl_session_set_network(s, YCDL_NETWORK_OFFLINE));
	CHECK_OK(ycdl_session_list(&keys, &count, s, 0));
	CHECK_INT(count, 0);
	ycdl_keys_free(keys, count);
	CHECK_OK(ycdl_session_close(s));
	free(dir);
}

/* Each bad option set on top of a valid one, with the code it must give. */
static void expect_add_fails(ycdl_session *s, const ycdl_task_options *t, int code,
		int line)
{
	char *key = SENTINEL;
	int rc = ycdl_task_add(&key, s, t);

	if (rc != code)
		test_fail(__FILE__, line, "ycdl_task_add returned %d (%s), expected %d",
				rc, ycdl_last_error_message(), code);
	if (key != SENTINEL)
		test_fail(__FILE__, line, "ycdl_task_add touched out_key on failure");
	if (ycdl_last_error_message()[0] == '\0')
		test_fail(__FILE__, line, "no error message");
}

#define ADD_FAILS(field_assignment, code) do { ycdl_task_options t_ = base; \
	t_.field_assignment; expect_add_fails(s, &t_, code, __LINE__); } while (0)

TEST(task_add_rejects_each_bad_option)
{
	char *dir;
	ycdl_session *s = open_scratch("badadd", &dir);
	ycdl_task_options base = YCDL_TASK_OPTIONS_INIT;
	char *huge = malloc(10000), long_id[300];
	const char *crlf[] = { "X-Ok: 1", "X-Evil: a\r\nHost: evil" };
	const char *no_colon[] = { "NoColonHere" };
	const char *empty_name[] = { ": value" };
	const char *null_header[] = { NULL };
	const char *many[101];
	char *key;
	char **keys;
	size_t n;

	memset(huge, 'a', 9999);
	memcpy(huge, "http://h/", 9);
	huge[9999] = '\0';
	memset(long_id, 'i', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	for (int i = 0; i < 101; i++)
		many[i] = "X-A: b";
	base.url = "http://127.0.0.1:9/file.bin";
	base.start_paused = 1;

	CHECK_FAILS(ycdl_task_add(&key, NULL, &base), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_task_add(&key, s, NULL), YCDL_E_INVALID);
	ADD_FAILS(version = 0, YCDL_E_INVALID);
	ADD_FAILS(version = 77, YCDL_E_INVALID);
	ADD_FAILS(url = NULL, YCDL_E_INVALID);
	ADD_FAILS(url = "", YCDL_E_INVALID);
	ADD_FAILS(url = "not a url", YCDL_E_INVALID);
	ADD_FAILS(url = huge, YCDL_E_INVALID);
	ADD_FAILS(url = "file:///etc/passwd", YCDL_E_PROTOCOL);
	ADD_FAILS(url = "gopher://h/x", YCDL_E_PROTOCOL);
	ADD_FAILS(file_id = "", YCDL_E_INVALID);
	ADD_FAILS(file_id = "tab\there", YCDL_E_INVALID);
	ADD_FAILS(file_id = long_id, YCDL_E_INVALID);
	ADD_FAILS(user_data_len = 4, YCDL_E_INVALID);
	ADD_FAILS(user_data = "x"; t_.user_data_len = (size_t)2 << 20, YCDL_E_INVALID);
	ADD_FAILS(conflict = 9, YCDL_E_INVALID);
	ADD_FAILS(conflict = -1, YCDL_E_INVALID);
	ADD_FAILS(expected_size = -2, YCDL_E_INVALID);
	ADD_FAILS(dest_path = "", YCDL_E_INVALID);
	ADD_FAILS(dest_path = "/tmp/dir/", YCDL_E_INVALID);
	ADD_FAILS(checksum = "sha256:xyz", YCDL_E_INVALID);
	ADD_FAILS(checksum = "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709", YCDL_E_INVALID);
	ADD_FAILS(checksum = "md5:0123456789abcdef0123456789abcdeg", YCDL_E_INVALID);
	ADD_FAILS(headers = crlf; t_.header_count = 2, YCDL_E_INVALID);
	ADD_FAILS(headers = no_colon; t_.header_count = 1, YCDL_E_INVALID);
	ADD_FAILS(headers = empty_name; t_.header_count = 1, YCDL_E_INVALID);
	ADD_FAILS(headers = null_header; t_.header_count = 1, YCDL_E_INVALID);
	ADD_FAILS(headers = NULL; t_.header_count = 3, YCDL_E_INVALID);
	ADD_FAILS(headers = many; t_.header_count = 101, YCDL_E_INVALID);
	/* None of that created a task. */
	CHECK_OK(ycdl_session_list(&keys, &n, s, YCDL_STATUS_ALL));
	CHECK_INT(n, 0);
	ycdl_keys_free(keys, n);
	/* A NULL out_key is allowed. */
	CHECK_OK(ycdl_task_add(NULL, s, &base));
	/* The batch form: bad arguments, and a NULL inside the array. */
	{
		const ycdl_task_options *items[2] = { &base, NULL };
		char **keys = SENTINEL;
		int errors[2] = { 7, 7 };

		CHECK_FAILS(ycdl_task_add_many(&keys, errors, NULL, items, 2), YCDL_E_INVALID);
		CHECK_FAILS(ycdl_task_add_many(&keys, errors, s, NULL, 2), YCDL_E_INVALID);
		CHECK(keys == SENTINEL && errors[0] == 7);
		CHECK_FAILS(ycdl_task_add_many(&keys, errors, s, items, 2), YCDL_E_INVALID);
		CHECK_INT(errors[0], 0);
		CHECK_INT(errors[1], YCDL_E_INVALID);
		CHECK(keys[0] != NULL && keys[1] == NULL);
		ycdl_keys_free(keys, 2);
	}
	free(huge);
	ycdl_session_close(s);
	free(dir);
}

TEST(task_calls_reject_bad_keys_and_flags)
{
	char *dir;
	ycdl_session *s = open_scratch("badkeys", &dir);
	const char *hdr[] = { "X-A: 1" };
	const char *bad_hdr[] = { "X-A: 1\nX-B: 2" };
	static const char *const bad_keys[] = { NULL, "", "new\nline" };
	ycdl_task_info *info = SENTINEL;
	char *found = SENTINEL;
	char *key;

	for (size_t i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++) {
		const char *k = bad_keys[i];

		CHECK_FAILS(ycdl_task_start(s, k), YCDL_E_INVALID);
		CHECK_FAILS(ycdl_task_resume(s, k), YCDL_E_INVALID);
		CHECK_FAILS(ycdl_task_pause(s, k), YCDL_E_INVALID);
		CHECK_FAILS(ycdl_task_cancel(s, k, 0), YCDL_E_INVALID);
		CHECK_FAILS(ycdl_task_remove(s, k, 0), YCDL_E_INVALID);
		CHECK_FAILS(ycdl_task_set_allow_cellular(s, k, 1), YCDL_E_INVALID);
		CHECK_FAILS(ycdl_task_set_priority(s, k, 1), YCDL_E_INVALID);
		CHECK_FAILS(ycdl_task_set_headers(s, k, hdr, 1), YCDL_E_INVALID);
		CHECK_FAILS(ycdl_task_get_info(&info, s, k), YCDL_E_INVALID);
	}
	CHECK_FAILS(ycdl_task_start(NULL, "k"), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_task_pause(NULL, "k"), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_task_get_info(NULL, s, "k"), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_task_get_info(&info, NULL, "k"), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_task_find_by_url(NULL, s, "http://h/x"), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_task_find_by_url(&found, NULL, "http://h/x"), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_task_find_by_url(&found, s, NULL), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_task_find_by_url(&found, s, ""), YCDL_E_INVALID);
	/* Well-formed but unknown. */
	CHECK_FAILS(ycdl_task_start(s, "nobody"), YCDL_E_NOT_FOUND);
	CHECK_FAILS(ycdl_task_pause(s, "nobody"), YCDL_E_NOT_FOUND);
	CHECK_FAILS(ycdl_task_cancel(s, "nobody", 0), YCDL_E_NOT_FOUND);
	CHECK_FAILS(ycdl_task_remove(s, "nobody", 0), YCDL_E_NOT_FOUND);
	CHECK_FAILS(ycdl_task_set_priority(s, "nobody", 3), YCDL_E_NOT_FOUND);
	CHECK_FAILS(ycdl_task_get_info(&info, s, "nobody"), YCDL_E_NOT_FOUND);
	CHECK_FAILS(ycdl_task_find_by_url(&found, s, "http://h/none"), YCDL_E_NOT_FOUND);
	CHECK(info == SENTINEL);
	CHECK(found == SENTINEL);
	/* Flags and headers on a real task. */
	key = add_url(s, "http://127.0.0.1:9/real.bin", NULL);
	CHECK_OK(ycdl_task_pause(s, key));
	CHECK_FAILS(ycdl_task_cancel(s, key, 0x80), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_task_remove(s, key, 0x10), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_task_set_headers(s, key, bad_hdr, 1), YCDL_E_INVALID);
	CHECK_FAILS(ycdl_task_set_headers(s, key, NULL, 2), YCDL_E_INVALID);
	CHECK_OK(ycdl_task_set_headers(s, key, NULL, 0));
	CHECK_OK(ycdl_task_set_headers(s, key, hdr, 1));
	CHECK_OK(ycdl_task_pause(s, key));          /* already paused: fine */
	CHECK_OK(ycdl_task_remove(s, key, 0));
	CHECK_FAILS(ycdl_task_get_info(&info, s, key), YCDL_E_NOT_FOUND);
	ycdl_free(key);
	ycdl_session_close(s);
	free(dir);
}

/* A file id names one task of one URL: adding it again with another URL
 * says so and changes nothing (it used to answer with the old key and keep
 * the old URL silently); the same URL again still answers with its key. */
TEST(file_id_added_again_with_another_url_is_refused)
{
	char *dir;
	ycdl_session *s = open_scratch("readd", &dir);
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	ycdl_task_info *info;
	char *key = SENTINEL, *again;

	t.url = "http://127.0.0.1:9/first.bin";
	t.file_id = "episode-1";
	t.start_paused = 1;
	CHECK_OK(ycdl_task_add(&again, s, &t));
	CHECK_STR(again, "episode-1");
	ycdl_free(again);
	t.url = "http://127.0.0.1:9/second.bin";
	CHECK_FAILS(ycdl_task_add(&key, s, &t), YCDL_E_EXISTS);
	CHECK(key == SENTINEL);
	CHECK(strstr(ycdl_last_error_message(), "episode-1") != NULL);
	CHECK(strstr(ycdl_last_error_message(), "http://127.0.0.1:9/first.bin") != NULL);
	CHECK_OK(ycdl_task_get_info(&info, s, "episode-1"));
	CHECK_STR(info->url, "http://127.0.0.1:9/first.bin");
	ycdl_task_info_free(info);
	t.url = "http://127.0.0.1:9/first.bin";
	CHECK_OK(ycdl_task_add(&again, s, &t));
	CHECK_STR(again, "episode-1");
	ycdl_free(again);
	ycdl_session_close(s);
	free(dir);
}

TEST(finished_task_refuses_pause_start_and_cancel)
{
	char *dir;
	ycdl_session *s = open_scratch("finstate", &dir);
	struct event_log log;
	char url[512], *key;

	make_file("finstate.bin", 1000, NULL);
	snprintf(url, sizeof(url), "%s/finstate.bin", env.nginx);
	log_init(&log, s);
	key = add_url(s, url, NULL);
	log_wait(&log, 0, YCDL__EVENT__KIND_FINISHED, key, 10000);
	CHECK_FAILS(ycdl_task_pause(s, key), YCDL_E_STATE);
	CHECK_FAILS(ycdl_task_start(s, key), YCDL_E_STATE);
	CHECK_FAILS(ycdl_task_cancel(s, key, 0), YCDL_E_STATE);
	CHECK_OK(ycdl_task_set_priority(s, key, 4));
	ycdl_free(key);
	log_free(&log);
	ycdl_session_close(s);
	free(dir);
}

/* ------------------------------------------------- the event callback */

struct callback_state {
	ycdl_session *session;
	atomic_int events;
	int close_rc;
	int info_rc;
	int status_on_finish;
	char key[64];
	atomic_int done;        /* set last: the rest is then safe to read */
};

static void on_event(const void *data, size_t len, void *payload)
{
	struct callback_state *st = payload;
	Ycdl__Event *e = ycdl__event__unpack(NULL, len, data);
	ycdl_task_info *info;

	if (!e)
		return;
	atomic_fetch_add(&st->events, 1);
	if (e->kind_case == YCDL__EVENT__KIND_FINISHED) {
		/* Calls from the loop thread run at once; closing cannot. */
		st->close_rc = ycdl_session_close(st->session);
		st->info_rc = ycdl_task_get_info(&info, st->session, e->key);
		if (st->info_rc == 0) {
			st->status_on_finish = info->status;
			ycdl_task_info_free(info);
		}
		snprintf(st->key, sizeof(st->key), "%s", e->key);
		atomic_store(&st->done, 1);
	}
	ycdl__event__free_unpacked(e, NULL);
}

TEST(event_callback_runs_on_loop_and_may_query_but_not_close)
{
	char *dir = test_dir("callback");
	ycdl_session_options o = test_session_options(dir);
	struct callback_state st = { .close_rc = 0 };
	char url[512], *key;
	void *data;
	size_t len;

	make_file("callback.bin", 5000, NULL);
	snprintf(url, sizeof(url), "%s/callback.bin", env.nginx);
	o.event_cb = on_event;
	o.event_cb_payload = &st;
	/* The callback may fire before open returns; it only reads the
	 * session pointer once a finished event arrives. */
	st.session = open_session("callback", &o);
	key = add_url(st.session, url, NULL);
	for (int i = 0; i < 500 && !atomic_load(&st.done); i++)
		usleep(10000);
	CHECK_STR(st.key, key);
	CHECK_INT(st.close_rc, YCDL_E_STATE);
	CHECK_INT(st.info_rc, 0);
	CHECK_INT(st.status_on_finish, YCDL_STATUS_FINISHED);
	CHECK(atomic_load(&st.events) >= 5);
	/* With a callback, nothing is left to pull. */
	CHECK_INT(ycdl_session_next_event(&data, &len, st.session), YCDL_E_AGAIN);
	ycdl_free(key);
	CHECK_OK(ycdl_session_close(st.session));
	free(dir);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(static_helpers_accept_any_value),
		TEST_ENTRY(options_init_checks_version),
		TEST_ENTRY(session_open_rejects_bad_identifiers_and_options),
		TEST_ENTRY(session_calls_reject_null_and_out_of_range),
		TEST_ENTRY(task_add_rejects_each_bad_option),
		TEST_ENTRY(task_calls_reject_bad_keys_and_flags),
		TEST_ENTRY(file_id_added_again_with_another_url_is_refused),
		TEST_ENTRY(finished_task_refuses_pause_start_and_cancel),
		TEST_ENTRY(event_callback_runs_on_loop_and_may_query_but_not_close),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
