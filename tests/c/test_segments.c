/* test_segments.c — one file over several connections (segments.h): every
 * way the servers can answer the pieces' requests ends in an exact file or
 * a precise error, never in a splice; pausing, and a kill -9, resume every
 * segment from its own bytes. nginx for real ranges (its access log counts
 * connections), the fault server for the answers nginx will not give. */
#define _GNU_SOURCE
#include "fixtures.h"
#include "harness.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SIZE (8u * 1024 * 1024)
#define MIN_PIECE (256u * 1024)
/* nginx lets a first second's worth of its limit_rate through at once on
 * every request: from nginx, pieces of 2 MiB at 512 KiB/s (four, one per
 * connection) take 3 s each, so that the connections overlap in time. */
#define NGINX_PIECE (2u * 1024 * 1024)
#define CONNECTIONS 4

struct run {
	char *dir;
	ycdl_session *s;
	struct event_log log;
	char *key;
	char sha[65];
	char *url;
};

/* What a run may vary; zeros are the usual. */
struct shape {
	uint64_t piece;        /* the pieces' least size; 0: by server */
	uint64_t size;         /* the file's; 0: SIZE */
	bool session_default;  /* CONNECTIONS from the session, not the task */
	bool checksum;         /* the task is given the file's SHA-256 */
};

/* A session cutting files into pieces of at least MIN_PIECE (NGINX_PIECE
 * from nginx), one task of CONNECTIONS connections for www/name served by
 * server with query. */
static void start_shaped(struct run *r, const char *id, const char *server,
		const char *name, const char *query, const struct shape *shape)
{
	ycdl_session_options o;
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	char path[256], checksum[80];

	r->dir = test_dir(id);
	o = test_session_options(r->dir);
	o.segment_min_size = shape->piece ? shape->piece :
			server == env.nginx ? NGINX_PIECE : MIN_PIECE;
	if (shape->session_default)
		o.connections = CONNECTIONS;
	else
		t.connections = CONNECTIONS;
	r->s = open_session(id, &o);
	log_init(&r->log, r->s);
	make_file(name, shape->size ? shape->size : SIZE, r->sha);
	snprintf(path, sizeof(path), "%s?%s", name, query);
	r->url = test_url(server, path);
	t.url = r->url;
	if (shape->checksum) {
		snprintf(checksum, sizeof(checksum), "sha256:%s", r->sha);
		t.checksum = checksum;
	}
	r->key = add_task(r->s, &t);
}

static void start(struct run *r, const char *id, const char *server,
		const char *name, const char *query)
{
	start_shaped(r, id, server, name, query, &(struct shape){ 0 });
}

static void finish(struct run *r)
{
	ycdl_free(r->key);
	log_free(&r->log);
	ycdl_session_close(r->s);
	free(r->url);
	free(r->dir);
}

/* The most connections a progress event of key reported. */
static unsigned int most_connections(const struct event_log *log, const char *key)
{
	unsigned int most = 0;

	for (size_t i = 0; i < log->count; i++) {
		const Ycdl__Event *e = log->events[i];

		if (e->kind_case == YCDL__EVENT__KIND_PROGRESS && strcmp(e->key, key) == 0 &&
		    e->progress->connections > most)
			most = e->progress->connections;
	}
	return most;
}

static Ycdl__Event *wait_end(struct run *r)
{
	return log_wait_end(&r->log, 0, r->key, 60000);
}

TEST(a_large_file_is_fetched_over_several_connections_byte_identical)
{
	char tag[64], query[128];
	ycdl_task_info *info;
	struct run r;
	Ycdl__Event *e;

	snprintf(tag, sizeof(tag), "seg-nginx-%ld", (long)getpid());
	snprintf(query, sizeof(query), "rate=512k&tag=%s", tag);
	start(&r, "seg-nginx", env.nginx, "seg-nginx.bin", query);
	wait_progress(&r.log, r.key, 1, 20000);
	CHECK_OK(ycdl_task_get_info(&info, r.s, r.key));
	CHECK_INT(info->max_connections, CONNECTIONS);
	ycdl_task_info_free(info);
	e = wait_end(&r);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, r.sha);
	CHECK_INT(most_connections(&r.log, r.key), CONNECTIONS);
	CHECK(nginx_connections_used(tag) >= CONNECTIONS);
	CHECK_INT(log_count(&r.log, YCDL__EVENT__KIND_RESTARTED, r.key), 0);
	CHECK_INT(log_count(&r.log, YCDL__EVENT__KIND_RESUMED, r.key), 0);
	CHECK_OK(ycdl_task_get_info(&info, r.s, r.key));
	CHECK_INT(info->connections, 0);
	CHECK_INT(info->bytes_written, SIZE);
	ycdl_task_info_free(info);
	/* Read back, it is one finished file: no map outlives the segments
	 * (the last piece came from a helper while the first request waited:
	 * the map once went into the finished record, which then claimed only
	 * the bytes of its last checkpoint). */
	log_free(&r.log);
	ycdl_session_close(r.s);
	{
		ycdl_session_options o = test_session_options(r.dir);

		r.s = open_session("seg-nginx", &o);
		log_init(&r.log, r.s);
	}
	CHECK_OK(ycdl_task_get_info(&info, r.s, r.key));
	CHECK_INT(info->status, YCDL_STATUS_FINISHED);
	CHECK_INT(info->bytes_written, SIZE);
	CHECK_STR(info->sha256_hex, r.sha);
	ycdl_task_info_free(info);
	finish(&r);
}

TEST(a_file_given_a_checksum_is_verified_over_several_connections)
{
	struct run r;
	Ycdl__Event *e;

	start_shaped(&r, "seg-sum", env.nginx, "seg-sum.bin", "rate=512k",
			&(struct shape){ .session_default = true, .checksum = true });
	e = wait_end(&r);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, r.sha);
	CHECK(most_connections(&r.log, r.key) > 1);
	finish(&r);
}

TEST(a_file_shorter_than_two_pieces_uses_one_connection)
{
	char tag[64], query[128];
	struct run r;
	Ycdl__Event *e;

	snprintf(tag, sizeof(tag), "seg-small-%ld", (long)getpid());
	snprintf(query, sizeof(query), "rate=1m&tag=%s", tag);
	start_shaped(&r, "seg-small", env.nginx, "seg-small.bin", query,
			&(struct shape){ .piece = MIN_PIECE, .size = 2 * MIN_PIECE - 1 });
	e = wait_end(&r);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, r.sha);
	CHECK_INT(nginx_connections_used(tag), 1);
	CHECK(most_connections(&r.log, r.key) <= 1);
	finish(&r);
}

/* www/<id>.bin from the fault server with fault (query parameters) that
 * makes the pieces' ranges fail with a 200: the first request, which asked
 * for the whole file, carries it alone, nothing discarded, nothing
 * restarted; the first request and each helper's one refused request. */
static void one_connection_finishes(const char *id, const char *fault)
{
	char name[64], query[128];
	struct run r;
	Ycdl__Event *e;

	snprintf(name, sizeof(name), "%s.bin", id);
	snprintf(query, sizeof(query), "id=%s&rate=4000000&%s", id, fault);
	fault_reset(id);
	start(&r, id, env.fault, name, query);
	e = wait_end(&r);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, r.sha);
	CHECK_INT(log_count(&r.log, YCDL__EVENT__KIND_RESTARTED, r.key), 0);
	CHECK(fault_stat(id, "requests") <= CONNECTIONS);
	CHECK(fault_stat(id, "requests") >= 2);
	finish(&r);
}

/* The server takes the first request's range-less GET, then refuses every
 * range (200, the whole file, no Accept-Ranges). */
TEST(a_server_that_refuses_ranges_after_the_first_request_falls_back_to_one_connection)
{
	one_connection_finishes("seg-norange", "norange_from=2");
}

/* Every range is answered 200 with the asked bytes: never written as the
 * file. */
TEST(a_range_answered_with_200_is_never_written_and_one_connection_finishes)
{
	one_connection_finishes("seg-ok200", "ok_with_range=1");
}

/* The file changes after the first request (new validators): the pieces'
 * If-Range no longer matches, the whole file starts again, and what is
 * saved is the new file entire, never old bytes beside new ones. */
TEST(a_file_that_changes_between_segment_requests_restarts_and_is_never_spliced)
{
	char changed[65];
	struct run r;
	Ycdl__Event *e, *restarted;

	fault_reset("seg-change");
	start(&r, "seg-change", env.fault, "seg-change.bin",
			"id=seg-change&rate=4000000&change_after=1");
	changed_sha256("seg-change.bin", 0, changed);
	e = wait_end(&r);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, changed);
	restarted = log_find(&r.log, YCDL__EVENT__KIND_RESTARTED, r.key);
	CHECK(restarted != NULL);
	CHECK(strstr(restarted->restarted->reason, "changed") != NULL);
	finish(&r);
}

/* The same change, but the server keeps the validators (nginx's ETag
 * cannot tell a file replaced within the same second by one of the same
 * size) and honours the ranges: a piece that continues a segment compares
 * the bytes before it with the disk, as a resume does. */
TEST(a_file_changed_under_the_same_validators_is_caught_by_a_continued_segment)
{
	char changed[65];
	struct run r;
	Ycdl__Event *e;
	uint64_t held;

	/* Four pieces of 2 MiB at 1 MB/s each: paused at a third, none is
	 * complete, so the four first requests are all there were and the
	 * change comes between the pause and the resume. (A change under the
	 * same validators *between* two pieces' first requests is not seen:
	 * a piece that holds nothing has nothing to compare. docs/
	 * architecture.md, "Segmented downloads".) */
	fault_reset("seg-samev");
	start_shaped(&r, "seg-samev", env.fault, "seg-samev.bin",
			"id=seg-samev&rate=1000000&change_after=4&keep_validators=1",
			&(struct shape){ .piece = 2u << 20 });
	held = pause_at(&r.log, r.key, SIZE / 3);
	CHECK(held >= SIZE / 3);
	changed_sha256("seg-samev.bin", 0, changed);
	CHECK_OK(ycdl_task_resume(r.s, r.key));
	e = log_wait_end(&r.log, 0, r.key, 60000);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, changed);
	CHECK(log_find(&r.log, YCDL__EVENT__KIND_RESTARTED, r.key) != NULL);
	finish(&r);
}

/* One piece's connection is reset midway: its segment is taken over
 * (from the bytes it holds) and the file is whole. */
TEST(a_segment_whose_connection_is_reset_is_taken_over)
{
	struct run r;
	Ycdl__Event *e;

	fault_reset("seg-reset");
	start(&r, "seg-reset", env.fault, "seg-reset.bin",
			"id=seg-reset&rate=4000000&reset_at=3&reset_after=300000");
	e = wait_end(&r);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, r.sha);
	CHECK_INT(log_count(&r.log, YCDL__EVENT__KIND_RESTARTED, r.key), 0);
	CHECK_INT(log_count(&r.log, YCDL__EVENT__KIND_FAILED, r.key), 0);
	/* The reset bytes are fetched again, nothing much more. */
	CHECK(fault_stat("seg-reset", "bytes") <= SIZE + 2 * MIN_PIECE + 4 * RESUME_OVERLAP);
	finish(&r);
}

/* Paused halfway, every segment keeps its bytes (synced, claimed); the
 * resume asks each for what it lacks (plus the overlap compared). */
TEST(a_paused_segmented_download_resumes_every_segment_from_its_own_bytes)
{
	struct body_range ranges[64];
	ycdl_task_info *info;
	struct run r;
	Ycdl__Event *e;
	uint64_t held;
	size_t n, after_pause;

	fault_reset("seg-pause");
	start(&r, "seg-pause", env.fault, "seg-pause.bin", "id=seg-pause&rate=2000000");
	held = pause_at(&r.log, r.key, SIZE * 2 / 5);
	CHECK_OK(ycdl_task_get_info(&info, r.s, r.key));
	CHECK_INT(info->connections, 0);
	CHECK_INT(info->bytes_written, held);
	ycdl_task_info_free(info);
	usleep(300 * 1000);     /* the server notices the closed connections */
	after_pause = fault_ranges("seg-pause", ranges, 64);
	CHECK_OK(ycdl_task_resume(r.s, r.key));
	e = log_wait_end(&r.log, 0, r.key, 60000);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, r.sha);
	CHECK_INT(log_count(&r.log, YCDL__EVENT__KIND_RESTARTED, r.key), 0);
	CHECK(log_find(&r.log, YCDL__EVENT__KIND_RESUMED, r.key) != NULL);
	/* After the pause: at least one request continuing a segment (not
	 * at a piece's first byte), and no more bytes sent than the file
	 * lacked, the overlaps and what was in flight when it paused. */
	n = fault_ranges("seg-pause", ranges, 64);
	CHECK(n > after_pause);
	{
		uint64_t sent = 0;

		for (size_t i = after_pause; i < n; i++)
			sent += ranges[i].sent;
		CHECK(sent <= SIZE - held + CONNECTIONS * (RESUME_OVERLAP + MIN_PIECE));
	}
	finish(&r);
}

/* kill -9 halfway: a new process resumes every segment from its last
 * checkpoint (here with the session's one connection: the map is the
 * task's, whoever continues it). */
TEST(a_killed_segmented_download_resumes_each_segment_from_its_checkpoint)
{
	char sha[65], *dir = test_dir("seg-kill"), *url, *log;
	struct worker_run run = { 0 };
	struct recovery rec;
	long long before;
	pid_t pid;

	/* A crash and its recovery (recover_and_finish) are one process's:
	 * the attached run has nothing to add (it would only wait for its own
	 * restore event, which an attached handle does not get). */
	if (test_attached()) {
		free(dir);
		return;
	}
	fault_reset("seg-kill");
	make_file("seg-kill.bin", SIZE, sha);
	url = test_url(env.fault, "seg-kill.bin?id=seg-kill&rate=2000000");
	log = worker_log_path(dir, "seg-kill");
	run.state_dir = dir;
	run.session = "seg-kill";
	run.dir = dir;
	run.log = log;
	run.options[0] = "--connections";
	run.options[1] = "4";
	run.options[2] = "--checkpoint-bytes";
	run.options[3] = "262144";
	run.urls[0] = url;
	pid = worker_start(&run);
	for (int i = 0; i < 400 && fault_stat("seg-kill", "bytes") < (long long)SIZE * 2 / 5; i++)
		usleep(20 * 1000);
	CHECK(fault_stat("seg-kill", "requests") >= 4);
	worker_kill(pid);
	usleep(200 * 1000);
	before = fault_stat("seg-kill", "bytes");
	recover_and_finish(dir, "seg-kill", key_of_url(url), 1, sha, &rec);
	CHECK(rec.bytes > 0);
	CHECK(!rec.restarted);
	/* Re-fetched: at most one checkpoint's worth per segment (and the
	 * overlaps), beyond what the claims lacked. */
	CHECK(fault_stat("seg-kill", "bytes") - before <=
			(long long)(SIZE - rec.bytes) + 4 * (262144 + RESUME_OVERLAP) + MIN_PIECE);
	free(log);
	free(url);
	free(dir);
}

TEST(connections_out_of_range_are_refused_with_a_clear_error)
{
	char *dir = test_dir("seg-bad");
	ycdl_session_options o = test_session_options(dir);
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	ycdl_session *s, *bad = NULL;
	char *key = NULL;

	o.connections = 0;
	CHECK_INT(ycdl_session_open(&bad, "seg-bad", &o), YCDL_E_INVALID);
	CHECK(bad == NULL);
	o.connections = YCDL_MAX_CONNECTIONS + 1;
	CHECK_INT(ycdl_session_open(&bad, "seg-bad", &o), YCDL_E_INVALID);
	o = test_session_options(dir);
	o.segment_min_size = 1024;
	CHECK_INT(ycdl_session_open(&bad, "seg-bad", &o), YCDL_E_INVALID);
	o = test_session_options(dir);
	s = open_session("seg-bad", &o);
	t.url = "http://127.0.0.1:9/x.bin";
	t.connections = YCDL_MAX_CONNECTIONS + 1;
	CHECK_INT(ycdl_task_add(&key, s, &t), YCDL_E_INVALID);
	CHECK(strstr(ycdl_last_error_message(), "connections") != NULL);
	CHECK(key == NULL);
	ycdl_session_close(s);
	free(dir);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(a_large_file_is_fetched_over_several_connections_byte_identical),
		TEST_ENTRY(a_file_given_a_checksum_is_verified_over_several_connections),
		TEST_ENTRY(a_file_shorter_than_two_pieces_uses_one_connection),
		TEST_ENTRY(a_server_that_refuses_ranges_after_the_first_request_falls_back_to_one_connection),
		TEST_ENTRY(a_range_answered_with_200_is_never_written_and_one_connection_finishes),
		TEST_ENTRY(a_file_that_changes_between_segment_requests_restarts_and_is_never_spliced),
		TEST_ENTRY(a_file_changed_under_the_same_validators_is_caught_by_a_continued_segment),
		TEST_ENTRY(a_segment_whose_connection_is_reset_is_taken_over),
		TEST_ENTRY(a_paused_segmented_download_resumes_every_segment_from_its_own_bytes),
		TEST_ENTRY(a_killed_segmented_download_resumes_each_segment_from_its_checkpoint),
		TEST_ENTRY(connections_out_of_range_are_refused_with_a_clear_error),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
