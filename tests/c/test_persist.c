/* test_persist.c — the snapshot store and the session lock: tasks survive
 * a close and come back paused (or running with auto-resume), with their
 * metadata; damaged journals are quarantined, never trusted. */
#define _GNU_SOURCE
#include "harness.h"
#include "fixtures.h"

#include "ycdl.pb-c.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <zlib.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static char *journal_path(const char *dir, const char *id)
{
	char *path;

	if (asprintf(&path, "%s/%s/tasks.journal", dir, id) < 0)
		abort();
	return path;
}

static char *add_with_metadata(ycdl_session *s, const char *url, const char *file_id,
		int start_paused)
{
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	char *key;

	t.url = url;
	t.file_id = file_id;
	t.display_name = "Episode 1";
	t.thumbnail_url = "https://example.com/thumb.jpg";
	t.user_data = "\x01\x02\x00\x03";
	t.user_data_len = 4;
	t.start_paused = start_paused;
	CHECK_OK(ycdl_task_add(&key, s, &t));
	return key;
}

TEST(running_task_comes_back_paused_with_its_metadata)
{
	char *dir = test_dir("reopen");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s = open_session("reopen", &o);
	struct event_log log;
	char sha[65], url[512], *key;
	ycdl_task_info *info;
	Ycdl__Event *e;
	uint64_t held;

	make_file("reopen.bin", 1500000, sha);
	snprintf(url, sizeof(url), "%s/reopen.bin?rate=500000", env.fault);
	log_init(&log, s);
	key = add_with_metadata(s, url, "ep1", 0);
	wait_progress(&log, key, 2 * RESUME_OVERLAP, 10000);  /* to resume, not restart */
	log_free(&log);
	CHECK_OK(ycdl_session_close(s));

	s = open_session("reopen", &o);
	log_init(&log, s);
	e = log_wait(&log, 0, YCDL__EVENT__KIND_SESSION_RESTORED, NULL, 5000);
	CHECK_INT(e->seq, 1);
	CHECK_INT(e->session_restored->tasks_found, 1);
	CHECK_INT(e->session_restored->tasks_quarantined, 0);
	log_wait_status(&log, key, YCDL_STATUS_PAUSED, 5000);
	CHECK_OK(ycdl_task_get_info(&info, s, key));
	CHECK_INT(info->status, YCDL_STATUS_PAUSED);
	CHECK_STR(info->file_id, "ep1");
	CHECK_STR(info->display_name, "Episode 1");
	CHECK_STR(info->thumbnail_url, "https://example.com/thumb.jpg");
	CHECK_INT(info->user_data_len, 4);
	CHECK(memcmp(info->user_data, "\x01\x02\x00\x03", 4) == 0);
	CHECK_STR(info->url, url);
	held = info->bytes_written;
	CHECK(held > 0);
	ycdl_task_info_free(info);
	CHECK_OK(ycdl_task_resume(s, key));
	e = log_wait(&log, 0, YCDL__EVENT__KIND_RESUMED, key, 10000);
	CHECK_INT(e->resumed->offset, held);
	e = log_wait(&log, 0, YCDL__EVENT__KIND_FINISHED, key, 20000);
	CHECK_STR(e->finished->sha256_hex, sha);
	CHECK_STR(e->finished->display_name, "Episode 1");
	CHECK_STR(e->finished->file_id, "ep1");
	ycdl_free(key);
	log_free(&log);
	ycdl_session_close(s);

	/* Finished items are still listed after another reopen. */
	s = open_session("reopen", &o);
	CHECK_OK(ycdl_task_get_info(&info, s, "ep1"));
	CHECK_INT(info->status, YCDL_STATUS_FINISHED);
	CHECK_STR(info->sha256_hex, sha);
	ycdl_task_info_free(info);
	ycdl_session_close(s);
	free(dir);
}

TEST(auto_resume_continues_restored_downloads)
{
	char *dir = test_dir("auto");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s = open_session("auto", &o);
	struct event_log log;
	char sha[65], url[512], *key;

	make_file("auto.bin", 1000000, sha);
	snprintf(url, sizeof(url), "%s/auto.bin?rate=500000", env.fault);
	log_init(&log, s);
	key = add_url(s, url, NULL);
	wait_progress(&log, key, 2 * RESUME_OVERLAP, 10000);
	log_free(&log);
	ycdl_session_close(s);

	o.auto_resume = 1;
	s = open_session("auto", &o);
	log_init(&log, s);
	CHECK(log_wait(&log, 0, YCDL__EVENT__KIND_RESUMED, key, 10000)->resumed->offset > 0);
	CHECK_STR(log_wait(&log, 0, YCDL__EVENT__KIND_FINISHED, key, 20000)->finished->sha256_hex,
			sha);
	ycdl_free(key);
	log_free(&log);
	ycdl_session_close(s);
	free(dir);
}

/* Three paused tasks in a closed session. */
static void prepare_three(const char *id, const ycdl_session_options *o)
{
	ycdl_session *s = open_session(id, o);
	char url[512], *key;

	for (int i = 0; i < 3; i++) {
		snprintf(url, sizeof(url), "%s/none-%d.bin", env.nginx, i);
		key = add_with_metadata(s, url, NULL, 1);
		ycdl_free(key);
	}
	ycdl_session_close(s);
}

static void overwrite(const char *path, off_t at, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY);

	CHECK(fd >= 0);
	CHECK(pwrite(fd, data, len, at) == (ssize_t)len);
	close(fd);
}

static Ycdl__Event *reopen_restored(const char *id, const ycdl_session_options *o,
		ycdl_session **s, struct event_log *log)
{
	*s = open_session(id, o);
	log_init(log, *s);
	return log_wait(log, 0, YCDL__EVENT__KIND_SESSION_RESTORED, NULL, 5000);
}

TEST(journal_overwritten_with_garbage_is_quarantined)
{
	char *dir = test_dir("garbage");
	ycdl_session_options o = test_session_options(dir);
	char *journal = journal_path(dir, "garbage");
	char junk[4096];
	struct event_log log;
	ycdl_session *s;
	Ycdl__Event *e;

	prepare_three("garbage", &o);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7 + 3);
	overwrite(journal, 0, junk, sizeof(junk));
	e = reopen_restored("garbage", &o, &s, &log);
	CHECK_INT(e->session_restored->tasks_found, 0);
	CHECK(e->session_restored->tasks_quarantined >= 1);
	CHECK(file_exists(e->session_restored->quarantine_path));
	/* The session works on: a new task can be added. */
	ycdl_free(add_url(s, "http://127.0.0.1:9/after.bin", NULL));
	log_free(&log);
	ycdl_session_close(s);
	free(journal);
	free(dir);
}

TEST(journal_zero_filled_is_quarantined)
{
	char *dir = test_dir("zeros");
	ycdl_session_options o = test_session_options(dir);
	char *journal = journal_path(dir, "zeros");
	int64_t size;
	char *zeros;
	struct event_log log;
	ycdl_session *s;
	Ycdl__Event *e;

	prepare_three("zeros", &o);
	size = file_size(journal);
	zeros = calloc(1, (size_t)size);
	overwrite(journal, 0, zeros, (size_t)size);
	e = reopen_restored("zeros", &o, &s, &log);
	CHECK_INT(e->session_restored->tasks_found, 0);
	CHECK(e->session_restored->tasks_quarantined >= 1);
	log_free(&log);
	ycdl_session_close(s);
	/* The fresh journal is clean: the next open finds nothing wrong. */
	e = reopen_restored("zeros", &o, &s, &log);
	CHECK_INT(e->session_restored->tasks_quarantined, 0);
	log_free(&log);
	ycdl_session_close(s);
	free(zeros);
	free(journal);
	free(dir);
}

TEST(one_damaged_record_loses_only_that_record)
{
	char *dir = test_dir("onebad");
	ycdl_session_options o = test_session_options(dir);
	char *journal = journal_path(dir, "onebad");
	struct event_log log;
	ycdl_session *s;
	Ycdl__Event *e;
	size_t n;
	char **keys;

	prepare_three("onebad", &o);
	/* Flip a byte inside the first record's payload (after the 8-byte file
	 * header and the 12-byte frame). */
	overwrite(journal, 8 + 12 + 10, "\xff\xfe", 2);
	e = reopen_restored("onebad", &o, &s, &log);
	CHECK_INT(e->session_restored->tasks_found, 2);
	CHECK_INT(e->session_restored->tasks_quarantined, 1);
	CHECK_OK(ycdl_session_list(&keys, &n, s, YCDL_STATUS_ALL));
	CHECK_INT(n, 2);
	ycdl_keys_free(keys, n);
	log_free(&log);
	ycdl_session_close(s);
	free(journal);
	free(dir);
}

/* Removing a running task stops its transfer, and stopping checkpoints it:
 * that snapshot must not land in the journal after the removal, or the
 * task comes back on the next open (it did). Its part file goes too. */
TEST(a_task_removed_while_downloading_stays_removed_after_reopen)
{
	char *dir = test_dir("rmrun"), *url, *key, **keys, part[4096];
	ycdl_session_options o = test_session_options(dir);
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	struct event_log log;
	ycdl_session *s;
	ycdl_task_info *info;
	size_t n;

	o.checkpoint_bytes = 65536;
	make_file("rmrun.bin", 2 * 1024 * 1024, NULL);
	url = test_url(env.fault, "rmrun.bin?rate=500000");
	s = open_session("rmrun", &o);
	log_init(&log, s);
	t.url = url;
	CHECK_OK(ycdl_task_add(&key, s, &t));
	wait_progress(&log, key, 300000, 10000);
	CHECK_OK(ycdl_task_get_info(&info, s, key));
	snprintf(part, sizeof(part), "%s.part", info->dest_path);
	ycdl_free(info);
	CHECK(access(part, F_OK) == 0);
	CHECK_OK(ycdl_task_remove(s, key, 0));
	CHECK(access(part, F_OK) != 0);
	log_free(&log);
	ycdl_session_close(s);

	s = open_session("rmrun", &o);
	CHECK_OK(ycdl_session_list(&keys, &n, s, YCDL_STATUS_ALL));
	CHECK_INT(n, 0);
	ycdl_keys_free(keys, n);
	ycdl_session_close(s);
	ycdl_free(key);
	free(url);
	free(dir);
}

/* A child forked and not yet exec'ed (posix_spawn or fork+exec from another
 * thread of the app, for a moment) holds a copy of the session lock's
 * descriptor: a session closed then must still be free to open at once. */
TEST(a_closed_session_reopens_at_once_while_a_child_holds_copies)
{
	char *dir = test_dir("lockchild");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s = open_session("lockchild", &o);
	pid_t child = fork();

	CHECK(child >= 0);
	if (child == 0) {
		/* Never execs: holds the copies until killed (or the test,
		 * failing, leaves). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pause();
		_exit(0);
	}
	ycdl_session_close(s);
	s = open_session("lockchild", &o);      /* fails on YCDL_E_LOCKED */
	ycdl_session_close(s);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	free(dir);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* Appends, as a whole and well-formed frame (docs/architecture.md: magic,
 * length, CRC-32, record), a copy of the journal's first record under
 * another key: the same URL and destination as that task, which the session
 * must refuse to restore as a second task. */
typedef void (*alter_fn)(Ycdl__TaskSnapshot *snap, const void *arg);

static void append_altered_first(const char *journal, alter_fn alter, const void *arg);

static void as_duplicate(Ycdl__TaskSnapshot *snap, const void *arg)
{
	(void)arg;
	snap->key = "ffffffffffffffffffffffffffffffff";
}

/* A second task for the first one's URL: whole and well-formed, refused. */
static void append_duplicate_of_first(const char *journal)
{
	append_altered_first(journal, as_duplicate, NULL);
}

/* A segment map as {start, end, synced} triples, and the offset and total
 * the snapshot claims with it. */
struct bad_map {
	const char *what;
	int64_t total;
	uint64_t offset;
	size_t count;
	uint64_t ranges[3][3];
};

static void with_map(Ycdl__TaskSnapshot *snap, const void *arg)
{
	static Ycdl__Segment segs[3], *ptrs[3];
	const struct bad_map *m = arg;

	snap->key = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";
	snap->url = "http://127.0.0.1:9/bad-map.bin";
	snap->dest_path = "/nonexistent/bad-map.bin";
	snap->part_path = "/nonexistent/bad-map.bin.part";
	snap->status = YCDL__TASK_STATUS__TASK_STATUS_PAUSED;
	snap->total = m->total;
	snap->offset = m->offset;
	for (size_t i = 0; i < m->count; i++) {
		ycdl__segment__init(&segs[i]);
		segs[i].start = m->ranges[i][0];
		segs[i].end = m->ranges[i][1];
		segs[i].synced = m->ranges[i][2];
		ptrs[i] = &segs[i];
	}
	snap->n_segments = m->count;
	snap->segments = ptrs;
}

/* Appends a copy of the journal's first record as alter changes it. */
static void append_altered_first(const char *journal, alter_fn alter, const void *arg)
{
	unsigned char head[8 + 12], *payload, *frame;
	Ycdl__JournalRecord *rec;
	size_t len;
	int fd = open(journal, O_RDWR | O_APPEND);

	CHECK(fd >= 0);
	CHECK(pread(fd, head, sizeof(head), 0) == (ssize_t)sizeof(head));
	len = le32(head + 8 + 4);
	CHECK((payload = malloc(len)) != NULL);
	CHECK(pread(fd, payload, len, sizeof(head)) == (ssize_t)len);
	CHECK((rec = ycdl__journal_record__unpack(NULL, len, payload)) != NULL);
	CHECK(rec->kind_case == YCDL__JOURNAL_RECORD__KIND_PUT);
	{
		/* The alteration points fields at static strings: the record
		 * is packed, then its own fields are put back to be freed. */
		Ycdl__TaskSnapshot saved = *rec->put;

		alter(rec->put, arg);
		len = ycdl__journal_record__get_packed_size(rec);
		CHECK((frame = malloc(12 + len)) != NULL);
		ycdl__journal_record__pack(rec, frame + 12);
		*rec->put = saved;
	}
	put_le32(frame, le32(head + 8));                /* the record magic */
	put_le32(frame + 4, (uint32_t)len);
	put_le32(frame + 8, (uint32_t)crc32(crc32(0L, Z_NULL, 0), frame + 12, (uInt)len));
	CHECK(write(fd, frame, 12 + len) == (ssize_t)(12 + len));
	ycdl__journal_record__free_unpacked(rec, NULL);
	free(frame);
	free(payload);
	close(fd);
}

/* Restoring frees each record as its task is made; a record refused then
 * (whole and well-formed, but a second task for one URL) must still come
 * out quarantined with the journal kept aside, and every other task
 * restored and written anew. */
TEST(a_whole_record_the_session_refuses_is_quarantined_and_the_rest_kept)
{
	char *dir = test_dir("refused");
	ycdl_session_options o = test_session_options(dir);
	char *journal = journal_path(dir, "refused");
	struct event_log log;
	ycdl_session *s;
	Ycdl__Event *e;
	size_t n;
	char **keys;

	prepare_three("refused", &o);
	append_duplicate_of_first(journal);
	e = reopen_restored("refused", &o, &s, &log);
	CHECK_INT(e->session_restored->tasks_found, 3);
	CHECK_INT(e->session_restored->tasks_quarantined, 1);
	CHECK(e->session_restored->quarantine_path &&
	      access(e->session_restored->quarantine_path, R_OK) == 0);
	CHECK_OK(ycdl_session_list(&keys, &n, s, YCDL_STATUS_ALL));
	CHECK_INT(n, 3);
	for (size_t i = 0; i < n; i++)
		CHECK(strcmp(keys[i], "ffffffffffffffffffffffffffffffff") != 0);
	ycdl_keys_free(keys, n);
	log_free(&log);
	ycdl_session_close(s);

	/* Written anew: the three tasks, nothing refused any more. */
	e = reopen_restored("refused", &o, &s, &log);
	CHECK_INT(e->session_restored->tasks_found, 3);
	CHECK_INT(e->session_restored->tasks_quarantined, 0);
	log_free(&log);
	ycdl_session_close(s);
	free(journal);
	free(dir);
}

/* A segmented task's map is believed only when it covers its file in
 * order, no segment claims more than its length, and the offset is its
 * synced prefix: any other is quarantined, never resumed from. */
TEST(a_segment_map_that_does_not_cover_its_file_is_quarantined)
{
	static const struct bad_map maps[] = {
		{ "overlap", 1000, 10, 2, { { 0, 600, 10 }, { 500, 1000, 0 } } },
		{ "gap", 1000, 10, 2, { { 0, 400, 10 }, { 500, 1000, 0 } } },
		{ "short", 1000, 10, 2, { { 0, 500, 10 }, { 500, 900, 0 } } },
		{ "over-length", 1000, 500, 2, { { 0, 500, 600 }, { 500, 1000, 0 } } },
		{ "no size", -1, 10, 2, { { 0, 500, 10 }, { 500, 1000, 0 } } },
		{ "offset", 1000, 400, 2, { { 0, 500, 10 }, { 500, 1000, 0 } } },
	};

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		char id[32], *dir, *journal;
		ycdl_session_options o;
		struct event_log log;
		ycdl_session *s;
		Ycdl__Event *e;
		ycdl_task_info *info = NULL;

		snprintf(id, sizeof(id), "badmap-%zu", i);
		dir = test_dir(id);
		o = test_session_options(dir);
		journal = journal_path(dir, id);
		prepare_three(id, &o);
		append_altered_first(journal, with_map, &maps[i]);
		e = reopen_restored(id, &o, &s, &log);
		if (e->session_restored->tasks_quarantined != 1)
			test_fail(__FILE__, __LINE__, "the %s map: %u quarantined",
					maps[i].what, e->session_restored->tasks_quarantined);
		CHECK_INT(e->session_restored->tasks_found, 3);
		CHECK_INT(ycdl_task_get_info(&info, s, "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"),
				YCDL_E_NOT_FOUND);
		log_free(&log);
		ycdl_session_close(s);
		free(journal);
		free(dir);
	}
}

/* The same record with a map that is whole is believed: the task comes
 * back with the sum of its segments' synced bytes. */
TEST(a_whole_segment_map_is_restored_with_its_bytes)
{
	static const struct bad_map good = { "whole", 1000, 10, 3,
		{ { 0, 300, 10 }, { 300, 700, 400 }, { 700, 1000, 5 } } };
	char *dir = test_dir("goodmap"), *journal = journal_path(dir, "goodmap");
	ycdl_session_options o = test_session_options(dir);
	struct event_log log;
	ycdl_task_info *info;
	ycdl_session *s;
	Ycdl__Event *e;

	prepare_three("goodmap", &o);
	append_altered_first(journal, with_map, &good);
	e = reopen_restored("goodmap", &o, &s, &log);
	CHECK_INT(e->session_restored->tasks_quarantined, 0);
	CHECK_INT(e->session_restored->tasks_found, 4);
	CHECK_OK(ycdl_task_get_info(&info, s, "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"));
	CHECK_INT(info->bytes_written, 10 + 400 + 5);
	CHECK_INT(info->bytes_expected, 1000);
	CHECK_INT(info->status, YCDL_STATUS_PAUSED);
	ycdl_task_info_free(info);
	log_free(&log);
	ycdl_session_close(s);
	free(journal);
	free(dir);
}

TEST(torn_last_record_is_dropped_quietly)
{
	char *dir = test_dir("torn");
	ycdl_session_options o = test_session_options(dir);
	char *journal = journal_path(dir, "torn");
	/* A frame that promises 500 bytes but the file ends after 20. */
	static const unsigned char torn[] = { 'Y', 'C', 'D', 'R', 0xf4, 0x01, 0, 0,
		1, 2, 3, 4, 0x0a, 0x10, 'x', 'x', 'x', 'x', 'x', 'x' };
	struct event_log log;
	ycdl_session *s;
	Ycdl__Event *e;
	int64_t size;

	prepare_three("torn", &o);
	size = file_size(journal);
	overwrite(journal, size, torn, sizeof(torn));
	e = reopen_restored("torn", &o, &s, &log);
	CHECK_INT(e->session_restored->tasks_found, 3);
	CHECK_INT(e->session_restored->tasks_quarantined, 0);
	log_free(&log);
	ycdl_session_close(s);
	CHECK_INT(file_size(journal), size);
	free(journal);
	free(dir);
}

/* A power cut after records were appended but before they were synced:
 * the file's new size is on disk, some of its new blocks are not and read
 * as zeros. That is a torn write, dropped quietly like a torn record, in
 * each shape it takes: zeros after the last record, a last record whose end
 * is zeros, a last record with a zeroed sector in its middle. */
/* Where the journal's last record starts (its frames followed by length). */
static int64_t last_record_at(const char *path)
{
	FILE *f = fopen(path, "rb");
	int64_t at = 8, last = -1;
	unsigned char frame[12];

	CHECK(f != NULL);
	while (fseek(f, (long)at, SEEK_SET) == 0 && fread(frame, 1, 12, f) == 12) {
		last = at;
		at += 12 + (int64_t)(frame[4] | frame[5] << 8 | frame[6] << 16 |
				(uint32_t)frame[7] << 24);
	}
	fclose(f);
	CHECK(last > 0);
	return last;
}

/* A power cut after records were appended but before they were synced:
 * the file's new size is on disk, some of its new blocks are not and read
 * as zeros, in any order. A torn write, dropped quietly like a torn record,
 * in each shape it takes — and the records after a hole are kept. */
TEST(an_unsynced_tail_that_came_back_as_zeros_is_dropped_quietly)
{
	static const char *shapes[] = {
		"zeros after the last record", "the new records zeroed after a frame",
		"a zeroed sector in the last record", "a zeroed sector, whole records after it",
	};
	char *dir = test_dir("zerotail");
	ycdl_session_options o = test_session_options(dir);
	char *journal = journal_path(dir, "zerotail");
	static char zeros[8192];
	char url[2048];
	struct event_log log;
	ycdl_session *s;
	Ycdl__Event *e;
	int64_t before, after, last;
	size_t tasks = 3;

	prepare_three("zerotail", &o);
	for (int shape = 0; shape < 4; shape++) {
		/* A new task, its records long enough to span whole sectors
		 * (it is written when added and again when the session closes),
		 * then the holes a power cut leaves. */
		before = file_size(journal);
		s = open_session("zerotail", &o);
		snprintf(url, sizeof(url), "http://127.0.0.1:9/%d-%01500d.bin", shape, 0);
		ycdl_free(add_url(s, url, NULL));
		ycdl_session_close(s);
		after = file_size(journal);
		last = last_record_at(journal);
		CHECK(last > before && after - last > 1500);
		printf("     %s\n", shapes[shape]);
		if (shape == 0)
			overwrite(journal, after, zeros, 4096 - (size_t)(after % 4096));
		else if (shape == 1)
			overwrite(journal, before + 12, zeros, (size_t)(after - before - 12));
		else if (shape == 2)
			overwrite(journal, (last + 12 + 511) / 512 * 512, zeros, 512);
		else
			overwrite(journal, (before + 12 + 511) / 512 * 512, zeros, 512);
		/* Shape 1 loses the new task; the others keep a record of it. */
		tasks += shape != 1;
		e = reopen_restored("zerotail", &o, &s, &log);
		CHECK_INT(e->session_restored->tasks_found, tasks);
		CHECK_INT(e->session_restored->tasks_quarantined, 0);
		CHECK_STR(e->session_restored->quarantine_path, "");
		log_free(&log);
		ycdl_session_close(s);
		/* The holes are gone: what this open appended follows whole
		 * records, and the next open finds nothing wrong. */
		e = reopen_restored("zerotail", &o, &s, &log);
		CHECK_INT(e->session_restored->tasks_found, tasks);
		CHECK_INT(e->session_restored->tasks_quarantined, 0);
		log_free(&log);
		ycdl_session_close(s);
	}
	free(journal);
	free(dir);
}

/* Bytes that are not zeros at the end are damage, not a power cut's hole:
 * still quarantined. */
TEST(a_damaged_tail_without_zeros_is_still_quarantined)
{
	char *dir = test_dir("badtail");
	ycdl_session_options o = test_session_options(dir);
	char *journal = journal_path(dir, "badtail");
	unsigned char junk[300];
	struct event_log log;
	ycdl_session *s;
	Ycdl__Event *e;

	prepare_three("badtail", &o);
	junk[0] = 'Y';
	junk[1] = 'C';
	junk[2] = 'D';
	junk[3] = 'R';
	junk[4] = 100;
	junk[5] = junk[6] = junk[7] = 0;
	for (size_t i = 8; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 13 + 1) | 1;
	overwrite(journal, file_size(journal), junk, sizeof(junk));
	e = reopen_restored("badtail", &o, &s, &log);
	CHECK_INT(e->session_restored->tasks_found, 3);
	CHECK_INT(e->session_restored->tasks_quarantined, 1);
	log_free(&log);
	ycdl_session_close(s);
	free(journal);
	free(dir);
}

TEST(restored_tasks_keep_the_order_they_were_added_in)
{
	char *dir = test_dir("order");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s = open_session("order", &o);
	ycdl_task_options opts[40];
	const ycdl_task_options *items[40];
	char urls[40][64], **keys, **listed;
	size_t n;

	for (int i = 0; i < 40; i++) {
		ycdl_task_options_init(&opts[i], YCDL_TASK_OPTIONS_VERSION);
		snprintf(urls[i], sizeof(urls[i]), "http://127.0.0.1:9/order-%02d.bin", i);
		opts[i].url = urls[i];
		opts[i].start_paused = 1;
		items[i] = &opts[i];
	}
	CHECK_OK(ycdl_task_add_many(&keys, NULL, s, items, 40));
	/* Later records for the tasks, newest first: the journal's order is
	 * no longer the tasks' order. */
	for (int i = 39; i >= 0; i -= 3)
		CHECK_OK(ycdl_task_set_priority(s, keys[i], 0));
	ycdl_session_close(s);

	s = open_session("order", &o);
	CHECK_OK(ycdl_session_list(&listed, &n, s, YCDL_STATUS_ALL));
	CHECK_INT(n, 40);
	for (size_t i = 0; i < n; i++)
		CHECK_STR(listed[i], keys[i]);
	ycdl_keys_free(listed, n);
	ycdl_keys_free(keys, 40);
	ycdl_session_close(s);
	free(dir);
}

/* In YCDL_OPEN_OWN mode (the only one before sessions could be shared;
 * test_shared.c covers attaching). */
TEST(second_open_of_same_identifier_is_locked)
{
	char *dir = test_dir("lock");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *a, *b = NULL, *other;

	o.open_mode = YCDL_OPEN_OWN;
	a = open_session("lock", &o);
	CHECK_INT(ycdl_session_open(&b, "lock", &o), YCDL_E_LOCKED);
	CHECK(b == NULL);
	CHECK(strstr(ycdl_last_error_message(), "held") != NULL);
	other = open_session("lock-other", &o);
	ycdl_session_close(other);
	ycdl_session_close(a);
	b = open_session("lock", &o);
	ycdl_session_close(b);
	free(dir);
}

TEST(another_process_gets_locked_at_once)
{
	char *dir = test_dir("lockproc");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s;
	int ready[2], release[2], status;
	pid_t child;
	char byte;

	o.open_mode = YCDL_OPEN_OWN;
	CHECK(pipe(ready) == 0 && pipe(release) == 0);
	child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		ycdl_session *held;

		if (ycdl_session_open(&held, "lockproc", &o) != 0)
			_exit(3);
		if (write(ready[1], "r", 1) != 1 || read(release[0], &byte, 1) != 1)
			_exit(4);
		ycdl_session_close(held);
		_exit(0);
	}
	CHECK(read(ready[0], &byte, 1) == 1);
	s = NULL;
	CHECK_INT(ycdl_session_open(&s, "lockproc", &o), YCDL_E_LOCKED);
	CHECK(write(release[1], "x", 1) == 1);
	CHECK(waitpid(child, &status, 0) == child);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	s = open_session("lockproc", &o);
	ycdl_session_close(s);
	free(dir);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(running_task_comes_back_paused_with_its_metadata),
		TEST_ENTRY(auto_resume_continues_restored_downloads),
		TEST_ENTRY(journal_overwritten_with_garbage_is_quarantined),
		TEST_ENTRY(journal_zero_filled_is_quarantined),
		TEST_ENTRY(an_unsynced_tail_that_came_back_as_zeros_is_dropped_quietly),
		TEST_ENTRY(a_damaged_tail_without_zeros_is_still_quarantined),
		TEST_ENTRY(one_damaged_record_loses_only_that_record),
		TEST_ENTRY(a_whole_record_the_session_refuses_is_quarantined_and_the_rest_kept),
		TEST_ENTRY(a_segment_map_that_does_not_cover_its_file_is_quarantined),
		TEST_ENTRY(a_whole_segment_map_is_restored_with_its_bytes),
		TEST_ENTRY(torn_last_record_is_dropped_quietly),
		TEST_ENTRY(restored_tasks_keep_the_order_they_were_added_in),
		TEST_ENTRY(second_open_of_same_identifier_is_locked),
		TEST_ENTRY(another_process_gets_locked_at_once),
		TEST_ENTRY(a_closed_session_reopens_at_once_while_a_child_holds_copies),
		TEST_ENTRY(a_task_removed_while_downloading_stays_removed_after_reopen),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
