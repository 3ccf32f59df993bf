/* test_download.c — whole downloads: bytes, names, de-duplication,
 * verification and the destination rules. */
#define _GNU_SOURCE
#include "fixtures.h"
#include "harness.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	fputs(text, f);
	fclose(f);
}

static char *read_text(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Runs one task to its end and returns its final event (finished or
 * failed); the log keeps every event. Looks from the task's latest
 * task_added event on: tasks running side by side may end in any order. */
static Ycdl__Event *run_to_end(struct event_log *log, const char *key)
{
	Ycdl__Event *e;
	size_t from;

	log_wait(log, 0, YCDL__EVENT__KIND_TASK_ADDED, key, 5000);
	for (from = log->count; from > 0; from--) {
		const Ycdl__Event *added = log->events[from - 1];

		if (added->kind_case == YCDL__EVENT__KIND_TASK_ADDED &&
		    strcmp(added->key, key) == 0)
			break;
	}
	e = log_wait_end(log, from, key, 20000);
	if (e->kind_case == YCDL__EVENT__KIND_FAILED)
		printf("     (%s failed: %d %s)\n", key, e->failed->error_code,
				e->failed->message);
	return e;
}

TEST(downloads_byte_identical_file_from_nginx)
{
	char sha[65], got[65];
	char *dir = test_dir("basic");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s = open_session("basic", &o);
	char *url = test_url(env.nginx, "basic-3m.bin");
	struct event_log log;
	Ycdl__Event *fin;
	char *key;
	ycdl_task_info *info;

	make_file("basic-3m.bin", 3 * 1024 * 1024 + 17, sha);
	log_init(&log, s);
	key = add_url(s, url, NULL);
	fin = run_to_end(&log, key);
	CHECK_INT(fin->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(fin->finished->sha256_hex, sha);
	CHECK_INT(fin->finished->size, 3 * 1024 * 1024 + 17);
	sha256_file(fin->finished->path, got);
	CHECK_STR(got, sha);
	{
		char part[2048];
		struct stat st;
		mode_t mask = umask(022);

		umask(mask);
		snprintf(part, sizeof(part), "%s.part", fin->finished->path);
		CHECK(!file_exists(part));
		/* Private while it fills (0600), an ordinary file once finished. */
		CHECK(stat(fin->finished->path, &st) == 0);
		CHECK_INT(st.st_mode & 0777, 0666 & ~mask);
	}
	log_wait(&log, 0, YCDL__EVENT__KIND_ALL_FINISHED, NULL, 5000);
	CHECK_OK(ycdl_task_get_info(&info, s, key));
	CHECK_INT(info->status, YCDL_STATUS_FINISHED);
	CHECK_INT(info->bytes_written, 3 * 1024 * 1024 + 17);
	CHECK_INT(info->bytes_expected, 3 * 1024 * 1024 + 17);
	CHECK_INT(info->resumable, 1);
	CHECK_STR(info->sha256_hex, sha);
	CHECK_STR(info->final_url, url);
	ycdl_task_info_free(info);
	/* First event: session restored (attached, for a handle attached to
	 * the owner); then added (waiting), waiting -> downloading … */
	CHECK_INT(log.events[0]->kind_case, test_attached() ? YCDL__EVENT__KIND_ATTACHED
			: YCDL__EVENT__KIND_SESSION_RESTORED);
	/* An attached handle sees the owner's numbers: the owner's own
	 * session_restored was its 1. */
	CHECK_INT(log.events[0]->seq, test_attached() ? 2 : 1);
	CHECK_INT(log.events[1]->kind_case, YCDL__EVENT__KIND_TASK_ADDED);
	CHECK_INT(log.events[1]->task_added->status, YCDL_STATUS_WAITING);
	CHECK(log_count(&log, YCDL__EVENT__KIND_PROGRESS, key) >= 1);
	ycdl_free(key);
	log_free(&log);
	CHECK_OK(ycdl_session_close(s));
	free(url);
	free(dir);
}

TEST(names_file_by_md5_of_url_or_file_id_with_extension)
{
	char *dir = test_dir("naming");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s = open_session("naming", &o);
	char *url = test_url(env.nginx, "naming.mp4?x=1");
	char *url2 = test_url(env.nginx, "naming2.mp4");
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	struct event_log log;
	char *key1, *key2, expected[2048];

	make_file("naming.mp4", 1000, NULL);
	make_file("naming2.mp4", 1000, NULL);
	log_init(&log, s);
	key1 = add_url(s, url, NULL);
	t.url = url2;
	t.file_id = "episode-42";
	CHECK_OK(ycdl_task_add(&key2, s, &t));
	CHECK_STR(key2, "episode-42");
	CHECK_INT(strlen(key1), 32);
	CHECK_INT(run_to_end(&log, key1)->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_INT(run_to_end(&log, key2)->kind_case, YCDL__EVENT__KIND_FINISHED);
	snprintf(expected, sizeof(expected), "%s/%s.mp4", dir, key1);
	CHECK_STR(log_find(&log, YCDL__EVENT__KIND_FINISHED, key1)->finished->path, expected);
	snprintf(expected, sizeof(expected), "%s/episode-42.mp4", dir);
	CHECK_STR(log_find(&log, YCDL__EVENT__KIND_FINISHED, key2)->finished->path, expected);
	CHECK(file_exists(expected));
	ycdl_free(key1);
	ycdl_free(key2);
	log_free(&log);
	ycdl_session_close(s);
	free(url);
	free(url2);
	free(dir);
}

/* name_from_url: wget's names; a name another task holds is numbered
 * (conflict RENAME) or refused (conflict FAIL). */
TEST(names_file_after_the_url_and_numbers_a_taken_name)
{
	char *dir = test_dir("urlnames"), path[1200], *url1, *url2, *url3;
	ycdl_session_options o = test_session_options(dir);
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	ycdl_task_info *info;
	ycdl_session *s = open_session("urlnames", &o);
	char *k1, *k2;

	url1 = test_url(env.nginx, "url%20name.bin?x=1");
	url2 = test_url(env.nginx, "url%20name.bin?x=2");
	url3 = test_url(env.nginx, "url%20name.bin?x=3");
	t.name_from_url = 1;
	t.start_paused = 1;
	t.conflict = YCDL_CONFLICT_RENAME;
	t.url = url1;
	CHECK_OK(ycdl_task_add(&k1, s, &t));
	t.url = url2;
	CHECK_OK(ycdl_task_add(&k2, s, &t));
	CHECK_OK(ycdl_task_get_info(&info, s, k1));
	snprintf(path, sizeof(path), "%s/url name.bin", dir);
	CHECK_STR(info->dest_path, path);
	ycdl_task_info_free(info);
	CHECK_OK(ycdl_task_get_info(&info, s, k2));
	snprintf(path, sizeof(path), "%s/url name (1).bin", dir);
	CHECK_STR(info->dest_path, path);
	ycdl_task_info_free(info);
	/* Keys stay the seed's. */
	CHECK_STR(k1, key_of_url(url1));
	t.url = url3;
	t.conflict = YCDL_CONFLICT_FAIL;
	CHECK_INT(ycdl_task_add(NULL, s, &t), YCDL_E_EXISTS);
	ycdl_free(k1);
	ycdl_free(k2);
	free(url1);
	free(url2);
	free(url3);
	ycdl_session_close(s);
	free(dir);
}

TEST(adding_the_same_url_or_key_returns_the_existing_task)
{
	char *dir = test_dir("dedup");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s = open_session("dedup", &o);
	char *url = test_url(env.nginx, "dedup.bin");
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	struct event_log log;
	char *a, *b, *c, *found;
	char **keys;
	size_t n;

	make_file("dedup.bin", 5000, NULL);
	log_init(&log, s);
	t.url = url;
	t.file_id = "same";
	t.start_paused = 1;
	CHECK_OK(ycdl_task_add(&a, s, &t));
	CHECK_OK(ycdl_task_add(&b, s, &t));
	t.file_id = NULL;       /* same URL, no id: still the same task */
	CHECK_OK(ycdl_task_add(&c, s, &t));
	CHECK_STR(a, "same");
	CHECK_STR(b, "same");
	CHECK_STR(c, "same");
	CHECK_OK(ycdl_task_find_by_url(&found, s, url));
	CHECK_STR(found, "same");
	CHECK_OK(ycdl_session_list(&keys, &n, s, YCDL_STATUS_ALL));
	CHECK_INT(n, 1);
	ycdl_keys_free(keys, n);
	log_drain(&log);
	CHECK_INT(log_count(&log, YCDL__EVENT__KIND_TASK_ADDED, NULL), 1);
	CHECK_INT(log_find(&log, YCDL__EVENT__KIND_TASK_ADDED, NULL)->task_added->status,
			YCDL_STATUS_PAUSED);
	ycdl_free(a);
	ycdl_free(b);
	ycdl_free(c);
	ycdl_free(found);
	log_free(&log);
	ycdl_session_close(s);
	free(url);
	free(dir);
}

/* Downloads in a fresh session; the caller frees the log and closes *out. */
static Ycdl__Event *download_with(const char *id, const char *file,
		const ycdl_task_options *base, struct event_log *log, ycdl_session **out)
{
	char *dir = test_dir(id);
	ycdl_session_options o = test_session_options(dir);
	ycdl_task_options t = *base;
	char *key, *url = NULL;
	Ycdl__Event *end;

	*out = open_session(id, &o);
	free(dir);
	log_init(log, *out);
	if (!t.url)
		t.url = url = test_url(env.nginx, file);
	CHECK_OK(ycdl_task_add(&key, *out, &t));
	free(url);
	end = run_to_end(log, key);
	ycdl_free(key);
	return end;
}

TEST(verifies_expected_sha256_and_md5)
{
	char sha[65], md5_hex[33] = "";
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	char checksum[80];
	struct event_log log;
	ycdl_session *s;
	char path[2048], cmd[4096];
	FILE *p;

	make_file("checked.bin", 70000, sha);
	snprintf(checksum, sizeof(checksum), "sha256:%s", sha);
	t.checksum = checksum;
	CHECK_INT(download_with("sha-ok", "checked.bin", &t, &log, &s)->kind_case,
			YCDL__EVENT__KIND_FINISHED);
	log_free(&log);
	ycdl_session_close(s);

	snprintf(path, sizeof(path), "%s/checked.bin", env.www);
	snprintf(cmd, sizeof(cmd), "md5sum %s", path);
	p = popen(cmd, "r");
	CHECK(p && fscanf(p, "%32s", md5_hex) == 1);
	pclose(p);
	snprintf(checksum, sizeof(checksum), "md5:%s", md5_hex);
	CHECK_INT(download_with("md5-ok", "checked.bin", &t, &log, &s)->kind_case,
			YCDL__EVENT__KIND_FINISHED);
	log_free(&log);
	ycdl_session_close(s);
}

TEST(sha256_can_be_left_out_but_sha256_checksums_still_verify)
{
	char *dir = test_dir("nohash");
	ycdl_session_options o = test_session_options(dir);
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	ycdl_session *s;
	struct event_log log;
	char sha[65], got[65], checksum[80], *url, *key;
	Ycdl__Event *e;

	o.compute_sha256 = 0;
	s = open_session("nohash", &o);
	make_file("nohash.bin", 50000, sha);
	make_file("nohash-checked.bin", 50000, NULL);
	log_init(&log, s);
	url = test_url(env.nginx, "nohash.bin");
	key = add_url(s, url, NULL);
	e = log_wait(&log, 0, YCDL__EVENT__KIND_FINISHED, key, 10000);
	CHECK_STR(e->finished->sha256_hex, "");
	sha256_file(e->finished->path, got);
	CHECK_STR(got, sha);
	ycdl_free(key);
	free(url);

	/* A sha256: checksum still gets its hash (and a wrong one fails). */
	snprintf(checksum, sizeof(checksum), "sha256:%s", sha);
	t.url = url = test_url(env.nginx, "nohash-checked.bin");
	t.checksum = checksum;
	CHECK_OK(ycdl_task_add(&key, s, &t));
	e = log_wait(&log, 0, YCDL__EVENT__KIND_FAILED, key, 10000);
	CHECK_INT(e->failed->error_code, YCDL_E_CHECKSUM);
	ycdl_free(key);
	free(url);
	log_free(&log);
	ycdl_session_close(s);
	free(dir);
}

TEST(checksum_mismatch_fails_with_precise_code)
{
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	struct event_log log;
	ycdl_session *s;
	Ycdl__Event *e;

	make_file("badsum.bin", 4000, NULL);
	t.checksum = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
	e = download_with("sha-bad", "badsum.bin", &t, &log, &s);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FAILED);
	CHECK_INT(e->failed->error_code, YCDL_E_CHECKSUM);
	CHECK(!e->failed->retryable);
	CHECK_INT(log_count(&log, YCDL__EVENT__KIND_FINISHED, NULL), 0);
	log_free(&log);
	ycdl_session_close(s);
}

TEST(expected_size_mismatch_fails)
{
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	struct event_log log;
	ycdl_session *s;
	Ycdl__Event *e;

	make_file("sized.bin", 4000, NULL);
	t.expected_size = 3999;
	e = download_with("size-bad", "sized.bin", &t, &log, &s);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FAILED);
	CHECK_INT(e->failed->error_code, YCDL_E_SIZE_MISMATCH);
	log_free(&log);
	ycdl_session_close(s);
}

TEST(existing_destination_is_never_clobbered)
{
	char *dir = test_dir("clobber");
	char dest[2048], renamed[2048], sha[65], got[65];
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s = open_session("clobber", &o);
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	struct event_log log;
	Ycdl__Event *e;
	char *key;

	make_file("clobber.txt", 3000, sha);
	snprintf(dest, sizeof(dest), "%s/mine.txt", dir);
	snprintf(renamed, sizeof(renamed), "%s/mine (1).txt", dir);
	write_text(dest, "the user's own file");
	log_init(&log, s);
	t.url = test_url(env.nginx, "clobber.txt");
	t.dest_path = dest;
	CHECK_OK(ycdl_task_add(&key, s, &t));
	e = run_to_end(&log, key);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FAILED);
	CHECK_INT(e->failed->error_code, YCDL_E_EXISTS);
	CHECK_STR(read_text(dest), "the user's own file");
	CHECK_OK(ycdl_task_remove(s, key, 0));
	ycdl_free(key);

	t.conflict = YCDL_CONFLICT_RENAME;
	CHECK_OK(ycdl_task_add(&key, s, &t));
	e = run_to_end(&log, key);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->path, renamed);
	sha256_file(renamed, got);
	CHECK_STR(got, sha);
	CHECK_STR(read_text(dest), "the user's own file");
	ycdl_free(key);
	free((char *)t.url);
	log_free(&log);
	ycdl_session_close(s);
	free(dir);
}

TEST(http_404_fails_at_once_without_retries)
{
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	struct event_log log;
	ycdl_session *s;
	Ycdl__Event *e;

	t.url = test_url(env.nginx, "does-not-exist.bin");
	e = download_with("404", NULL, &t, &log, &s);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FAILED);
	CHECK_INT(e->failed->error_code, YCDL_E_HTTP);
	CHECK_INT(e->failed->http_status, 404);
	CHECK(!e->failed->retryable);
	CHECK_INT(log_count(&log, YCDL__EVENT__KIND_RETRYING, NULL), 0);
	free((char *)t.url);
	log_free(&log);
	ycdl_session_close(s);
}

TEST(hostile_content_disposition_stays_inside_destination)
{
	char *dir = test_dir("cd");
	char sha[65], expected[2048];
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s = open_session("cd", &o);
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	struct event_log log;
	Ycdl__Event *e;
	char *key;

	make_file("cd.bin", 2000, sha);
	log_init(&log, s);
	t.url = test_url(env.fault, "cd.bin?cd=attachment%3B%20filename%3D%22..%2F..%2Fevil%07.sh%22");
	t.use_content_disposition = 1;
	CHECK_OK(ycdl_task_add(&key, s, &t));
	e = run_to_end(&log, key);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	snprintf(expected, sizeof(expected), "%s/evil.sh", dir);
	CHECK_STR(e->finished->path, expected);
	CHECK_STR(e->finished->sha256_hex, sha);
	ycdl_free(key);
	free((char *)t.url);
	log_free(&log);
	ycdl_session_close(s);
	free(dir);
}

TEST(chunked_body_without_length_downloads)
{
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	struct event_log log;
	ycdl_session *s;
	Ycdl__Event *e;
	char sha[65];

	make_file("chunked.bin", 300000, sha);
	t.url = test_url(env.fault, "chunked.bin?chunked=1");
	e = download_with("chunked", NULL, &t, &log, &s);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	free((char *)t.url);
	log_free(&log);
	ycdl_session_close(s);
}

TEST(add_many_adds_each_item_and_reports_the_bad_ones)
{
	char *dir = test_dir("many");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s = open_session("many", &o);
	ycdl_task_options good = YCDL_TASK_OPTIONS_INIT, bad = YCDL_TASK_OPTIONS_INIT,
		paused = YCDL_TASK_OPTIONS_INIT;
	const ycdl_task_options *items[4] = { &good, &bad, &paused, &good };
	struct event_log log;
	char sha[65], *url = test_url(env.nginx, "many.bin");
	char **keys, **listed;
	int errors[4];
	size_t n;

	make_file("many.bin", 20000, sha);
	good.url = url;
	bad.url = "ftp://example.com/x";
	paused.url = "http://127.0.0.1:9/many-paused.bin";
	paused.start_paused = 1;
	log_init(&log, s);
	CHECK_INT(ycdl_task_add_many(&keys, errors, s, items, 4), YCDL_E_PROTOCOL);
	CHECK(strstr(ycdl_last_error_message(), "item 1") != NULL);
	CHECK_INT(errors[0], 0);
	CHECK_INT(errors[1], YCDL_E_PROTOCOL);
	CHECK_INT(errors[2], 0);
	CHECK_INT(errors[3], 0);
	CHECK(keys[0] && keys[2] && keys[3]);
	CHECK(keys[1] == NULL);
	CHECK_STR(keys[3], keys[0]);         /* the same URL: the same task */
	CHECK_STR(log_wait(&log, 0, YCDL__EVENT__KIND_FINISHED, keys[0], 10000)->finished->sha256_hex,
			sha);
	CHECK_INT(log_count(&log, YCDL__EVENT__KIND_TASK_ADDED, NULL), 2);
	ycdl_keys_free(keys, 4);
	log_free(&log);
	ycdl_session_close(s);

	/* Both were written to the journal. */
	s = open_session("many", &o);
	CHECK_OK(ycdl_session_list(&listed, &n, s, YCDL_STATUS_ALL));
	CHECK_INT(n, 2);
	ycdl_keys_free(listed, n);
	CHECK_OK(ycdl_task_add_many(NULL, NULL, s, NULL, 0));
	/* Without keys asked for (none are made), the same tasks: one new,
	 * two already there; the bad item's error still comes back. */
	{
		ycdl_task_options other = YCDL_TASK_OPTIONS_INIT;
		const ycdl_task_options *again[4] = { &paused, &other, &bad, &good };
		char *key;

		other.url = "http://127.0.0.1:9/many-other.bin";
		other.start_paused = 1;
		CHECK_INT(ycdl_task_add_many(NULL, errors, s, again, 4), YCDL_E_PROTOCOL);
		CHECK_INT(errors[0], 0);
		CHECK_INT(errors[1], 0);
		CHECK_INT(errors[2], YCDL_E_PROTOCOL);
		CHECK_INT(errors[3], 0);
		CHECK_OK(ycdl_session_list(&listed, &n, s, YCDL_STATUS_ALL));
		CHECK_INT(n, 3);
		ycdl_keys_free(listed, n);
		CHECK_OK(ycdl_task_find_by_url(&key, s, other.url));
		ycdl_free(key);
	}
	ycdl_session_close(s);
	free(url);
	free(dir);
}

TEST(progress_bursts_add_up_and_respect_the_interval)
{
	char *dir = test_dir("progress");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s;
	struct event_log log;
	char *url, *key;
	uint64_t sum = 0, last = 0;
	int64_t previous_ms = -1;
	size_t events = 0;

	o.progress_interval_ms = 200;
	s = open_session("progress", &o);
	make_file("progress.bin", 1000000, NULL);
	url = test_url(env.fault, "progress.bin?rate=1000000");
	log_init(&log, s);
	key = add_url(s, url, NULL);
	log_wait(&log, 0, YCDL__EVENT__KIND_FINISHED, key, 20000);
	for (size_t i = 0; i < log.count; i++) {
		const Ycdl__Event *e = log.events[i];

		if (e->kind_case != YCDL__EVENT__KIND_PROGRESS)
			continue;
		events++;
		sum += e->progress->bytes_this_burst;
		CHECK(e->progress->bytes_written >= last);
		last = e->progress->bytes_written;
		CHECK_INT(e->progress->bytes_expected, 1000000);
		/* Coalesced: never closer than the interval (wall-clock stamps,
		 * so allow a millisecond of rounding). */
		if (previous_ms >= 0 && i + 1 < log.count &&
		    log.events[i + 1]->kind_case != YCDL__EVENT__KIND_STATUS_CHANGED)
			CHECK(e->timestamp_ms - previous_ms >= 199);
		previous_ms = e->timestamp_ms;
	}
	CHECK(events >= 2);
	CHECK_INT(sum, 1000000);
	CHECK_INT(last, 1000000);
	ycdl_free(key);
	log_free(&log);
	ycdl_session_close(s);
	free(url);
	free(dir);
}

TEST(cancel_keeps_or_deletes_the_partial_data)
{
	char *dir = test_dir("cancel");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s = open_session("cancel", &o);
	struct event_log log;
	ycdl_task_info *info;
	char *url, *key, part[2048];
	Ycdl__Event *e;

	make_file("cancel.bin", 2000000, NULL);
	url = test_url(env.fault, "cancel.bin?rate=800000");
	log_init(&log, s);
	key = add_url(s, url, NULL);
	log_wait(&log, 0, YCDL__EVENT__KIND_PROGRESS, key, 10000);
	CHECK_OK(ycdl_task_cancel(s, key, 0));
	e = log_wait(&log, 0, YCDL__EVENT__KIND_FAILED, key, 5000);
	CHECK_INT(e->failed->error_code, YCDL_E_CANCELED);
	CHECK_OK(ycdl_task_get_info(&info, s, key));
	CHECK_INT(info->status, YCDL_STATUS_FAILED);
	CHECK(info->bytes_written > 0);
	snprintf(part, sizeof(part), "%s.part", info->dest_path);
	CHECK_INT(file_size(part), info->bytes_written);
	ycdl_task_info_free(info);

	CHECK_OK(ycdl_task_cancel(s, key, YCDL_CANCEL_DELETE_DATA));
	CHECK(!file_exists(part));
	CHECK_OK(ycdl_task_get_info(&info, s, key));
	CHECK_INT(info->bytes_written, 0);
	CHECK_INT(info->error_code, YCDL_E_CANCELED);
	ycdl_task_info_free(info);
	ycdl_free(key);
	log_free(&log);
	ycdl_session_close(s);
	free(url);
	free(dir);
}

TEST(remove_deletes_the_finished_file_only_when_asked)
{
	char *dir = test_dir("remove");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s = open_session("remove", &o);
	struct event_log log;
	char *url, *key, path[2048];

	make_file("remove.bin", 3000, NULL);
	url = test_url(env.nginx, "remove.bin");
	log_init(&log, s);
	for (int round = 0; round < 2; round++) {
		key = add_url(s, url, NULL);
		snprintf(path, sizeof(path), "%s",
				log_wait(&log, log.count, YCDL__EVENT__KIND_FINISHED, key,
					10000)->finished->path);
		CHECK_OK(ycdl_task_remove(s, key, round ? YCDL_REMOVE_DELETE_FILE : 0));
		log_wait(&log, 0, YCDL__EVENT__KIND_REMOVED, key, 5000);
		CHECK_INT(ycdl_task_start(s, key), YCDL_E_NOT_FOUND);
		CHECK(file_exists(path) == (round == 0));
		if (round == 0)
			CHECK_INT(unlink(path), 0);
		ycdl_free(key);
	}
	log_free(&log);
	ycdl_session_close(s);
	free(url);
	free(dir);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(downloads_byte_identical_file_from_nginx),
		TEST_ENTRY(names_file_by_md5_of_url_or_file_id_with_extension),
		TEST_ENTRY(names_file_after_the_url_and_numbers_a_taken_name),
		TEST_ENTRY(adding_the_same_url_or_key_returns_the_existing_task),
		TEST_ENTRY(verifies_expected_sha256_and_md5),
		TEST_ENTRY(sha256_can_be_left_out_but_sha256_checksums_still_verify),
		TEST_ENTRY(checksum_mismatch_fails_with_precise_code),
		TEST_ENTRY(expected_size_mismatch_fails),
		TEST_ENTRY(existing_destination_is_never_clobbered),
		TEST_ENTRY(http_404_fails_at_once_without_retries),
		TEST_ENTRY(hostile_content_disposition_stays_inside_destination),
		TEST_ENTRY(chunked_body_without_length_downloads),
		TEST_ENTRY(add_many_adds_each_item_and_reports_the_bad_ones),
		TEST_ENTRY(progress_bursts_add_up_and_respect_the_interval),
		TEST_ENTRY(cancel_keeps_or_deletes_the_partial_data),
		TEST_ENTRY(remove_deletes_the_finished_file_only_when_asked),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
