/* test_connections.c — how many connections downloads take: over HTTPS
 * with HTTP/2, downloads from one origin started together share one
 * (multiplexed, CURLOPT_PIPEWAIT); with max_host_connections, downloads to
 * one host never use more connections at once than the cap. Counted from
 * nginx's access log (its connection serial on every line). */
#define _GNU_SOURCE
#include "fixtures.h"
#include "harness.h"

#include <stdlib.h>
#include <unistd.h>

#define FILES 3
#define SIZE (2 * 1024 * 1024)

/* Adds FILES downloads of name-N.bin from server in one call (so they
 * start in one turn), tagged so that their log lines can be told apart;
 * waits until all are finished, byte-identical. */
static void download_together(const ycdl_session_options *o, const char *id,
		const char *server, const char *tag)
{
	char name[64], path[160], sha[FILES][65], *urls[FILES], **keys;
	ycdl_task_options opts[FILES];
	const ycdl_task_options *items[FILES];
	struct event_log log;
	ycdl_session *s = open_session(id, o);

	log_init(&log, s);
	for (int i = 0; i < FILES; i++) {
		snprintf(name, sizeof(name), "%s-%d.bin", id, i);
		make_file(name, SIZE, sha[i]);
		snprintf(path, sizeof(path), "%s%s%d", name, tag, i);
		urls[i] = test_url(server, path);
		opts[i] = (ycdl_task_options)YCDL_TASK_OPTIONS_INIT;
		opts[i].url = urls[i];
		items[i] = &opts[i];
	}
	CHECK_OK(ycdl_task_add_many(&keys, NULL, s, items, FILES));
	for (int i = 0; i < FILES; i++) {
		Ycdl__Event *e = log_wait(&log, 0, YCDL__EVENT__KIND_FINISHED, keys[i], 30000);

		CHECK_STR(e->finished->sha256_hex, sha[i]);
		free(urls[i]);
	}
	ycdl_keys_free(keys, FILES);
	log_free(&log);
	ycdl_session_close(s);
}

static void tag_for(char *tag, size_t len, const char *what)
{
	snprintf(tag, len, "?%s=%ld-", what, (long)getpid());
}

TEST(https_downloads_from_one_origin_started_together_share_one_http2_connection)
{
	char *dir = test_dir("conn-h2"), tag[64];
	ycdl_session_options o = test_session_options(dir);

	o.ca_file = env.ca_file;
	o.max_concurrent = FILES;
	tag_for(tag, sizeof(tag), "h2");
	download_together(&o, "conn-h2", env.nginx_tls, tag);
	CHECK_INT(nginx_connections_used(tag), 1);
	free(dir);
}

/* The same over plain HTTP/1.1: one connection per download at once... */
TEST(http1_downloads_started_together_take_a_connection_each)
{
	char *dir = test_dir("conn-h1"), tag[64];
	ycdl_session_options o = test_session_options(dir);

	o.max_concurrent = FILES;
	tag_for(tag, sizeof(tag), "h1");
	download_together(&o, "conn-h1", env.nginx, tag);
	CHECK(nginx_connections_used(tag) >= 2);
	free(dir);
}

/* ... unless the host's connections are capped: the downloads beyond the
 * cap wait in their slots, and one connection carries them all in turn. */
TEST(a_host_connection_cap_of_one_carries_every_download_on_one_connection)
{
	char *dir = test_dir("conn-cap"), tag[64];
	ycdl_session_options o = test_session_options(dir);

	o.max_concurrent = FILES;
	o.max_host_connections = 1;
	tag_for(tag, sizeof(tag), "cap");
	download_together(&o, "conn-cap", env.nginx, tag);
	CHECK_INT(nginx_connections_used(tag), 1);
	free(dir);
}

/* Over HTTPS with HTTP/1.1 (the fault server has no ALPN), downloads that
 * wait for the first connection to tell whether it multiplexes go on their
 * own connections once it says no — also when a speed limit holds the
 * first one paused. */
TEST(https_http1_downloads_under_a_session_limit_do_not_wait_for_each_other)
{
	char *dir = test_dir("conn-tls1"), tag[64];
	ycdl_session_options o = test_session_options(dir);

	o.ca_file = env.ca_file;
	o.max_concurrent = FILES;
	o.max_recv_speed = 8u << 20;
	tag_for(tag, sizeof(tag), "tls1");
	download_together(&o, "conn-tls1", server_setting("FAULT_TLS_URL"), tag);
	free(dir);
}

TEST(a_host_connection_cap_beyond_reason_is_refused)
{
	char *dir = test_dir("conn-bad");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s = NULL;

	o.max_host_connections = 1001;
	CHECK_INT(ycdl_session_open(&s, "conn-bad", &o), YCDL_E_INVALID);
	CHECK(s == NULL);
	free(dir);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(https_downloads_from_one_origin_started_together_share_one_http2_connection),
		TEST_ENTRY(http1_downloads_started_together_take_a_connection_each),
		TEST_ENTRY(a_host_connection_cap_of_one_carries_every_download_on_one_connection),
		TEST_ENTRY(https_http1_downloads_under_a_session_limit_do_not_wait_for_each_other),
		TEST_ENTRY(a_host_connection_cap_beyond_reason_is_refused),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
