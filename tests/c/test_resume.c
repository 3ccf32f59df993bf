/* test_resume.c — pause and resume ("断点续传"): Range with If-Range, and
 * every way a server can make continuing unsafe, each ending in a
 * byte-identical file or a precise error with the partial data intact. */
#define _GNU_SOURCE
#include "fixtures.h"
#include "harness.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIZE (2 * 1024 * 1024)

struct run {
	char *dir;
	ycdl_session *s;
	struct event_log log;
	char *key;
};

static void start(struct run *r, const char *name, const char *url)
{
	ycdl_session_options o;

	r->dir = test_dir(name);
	o = test_session_options(r->dir);
	r->s = open_session(name, &o);
	log_init(&r->log, r->s);
	r->key = add_url(r->s, url, NULL);
}

static void finish(struct run *r)
{
	ycdl_free(r->key);
	log_free(&r->log);
	ycdl_session_close(r->s);
	free(r->dir);
}

/* Waits until at least bytes are on disk, then pauses; returns the offset
 * the task holds once paused. */
static uint64_t pause_after(struct run *r, uint64_t bytes)
{
	ycdl_task_info *info;
	uint64_t held;

	wait_progress(&r->log, r->key, bytes, 20000);
	CHECK_OK(ycdl_task_pause(r->s, r->key));
	CHECK_OK(ycdl_task_get_info(&info, r->s, r->key));
	CHECK_INT(info->status, YCDL_STATUS_PAUSED);
	held = info->bytes_written;
	CHECK(held >= bytes);
	CHECK(held < SIZE);
	ycdl_task_info_free(info);
	return held;
}

static Ycdl__Event *resume_to_end(struct run *r)
{
	size_t from = r->log.count;

	CHECK_OK(ycdl_task_resume(r->s, r->key));
	return log_wait_end(&r->log, from, r->key, 20000);
}

TEST(pause_then_resume_continues_with_range_and_if_range)
{
	char sha[65], expect_range[64];
	struct run r;
	uint64_t held;
	Ycdl__Event *e;
	char *range, *if_range, *url;

	make_file("resume-nginx.bin", SIZE, sha);
	fault_reset("resume1");
	url = test_url(env.fault, "resume-nginx.bin?rate=800000&id=resume1");
	start(&r, "resume1", url);
	held = pause_after(&r, 300000);
	{
		ycdl_task_info *info;
		char part[2048];
		struct stat st;

		CHECK_OK(ycdl_task_get_info(&info, r.s, r.key));
		snprintf(part, sizeof(part), "%s.part", info->dest_path);
		ycdl_task_info_free(info);
		CHECK(lstat(part, &st) == 0);
		CHECK_INT(st.st_mode & 0777, 0600);
		CHECK_INT(st.st_size, held);
	}
	e = resume_to_end(&r);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	e = log_find(&r.log, YCDL__EVENT__KIND_RESUMED, r.key);
	CHECK(e != NULL);
	CHECK_INT(e->resumed->offset, held);
	CHECK_INT(e->resumed->bytes_expected, SIZE);
	CHECK_INT(log_count(&r.log, YCDL__EVENT__KIND_RESTARTED, r.key), 0);
	range = fault_header("resume1", "Range");
	if_range = fault_header("resume1", "If-Range");
	/* From a little before the offset: that overlap is compared with
	 * the part file before anything is appended. */
	snprintf(expect_range, sizeof(expect_range), "bytes=%llu-",
			(unsigned long long)(held - RESUME_OVERLAP));
	CHECK_STR(range, expect_range);
	CHECK(if_range && if_range[0] == '"');      /* the strong ETag */
	free(range);
	free(if_range);
	/* Two requests: the first, then one range for the rest. */
	CHECK_INT(fault_stat("resume1", "requests"), 2);
	CHECK(fault_stat("resume1", "bytes") <= SIZE + 512 * 1024);
	finish(&r);
	free(url);
}

/* A task renamed by the server's Content-Disposition keeps writing the
 * part file it started (named after the first destination): that name is
 * written down with it, and another session resumes from it. */
TEST(content_disposition_rename_resumes_from_its_part_file_after_a_reopen)
{
	char sha[65], on_disk[65], first_part[2048], renamed[2048];
	ycdl_session_options o;
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	ycdl_task_info *info;
	struct run r;
	struct stat st;
	uint64_t held;
	Ycdl__Event *e;

	make_file("cd-resume.bin", SIZE, sha);
	fault_reset("cdres");
	r.dir = test_dir("cdres");
	o = test_session_options(r.dir);
	r.s = open_session("cdres", &o);
	log_init(&r.log, r.s);
	t.url = test_url(env.fault, "cd-resume.bin?rate=800000&id=cdres&"
			"cd=attachment%3B%20filename%3D%22renamed.bin%22");
	t.use_content_disposition = 1;
	CHECK_OK(ycdl_task_add(&r.key, r.s, &t));
	held = pause_after(&r, 300000);
	/* the first destination: the key, with the URL's extension */
	snprintf(first_part, sizeof(first_part), "%s/%s.bin.part", r.dir, r.key);
	snprintf(renamed, sizeof(renamed), "%s/renamed.bin", r.dir);
	CHECK_OK(ycdl_task_get_info(&info, r.s, r.key));
	CHECK_STR(info->dest_path, renamed);
	ycdl_task_info_free(info);
	CHECK(lstat(first_part, &st) == 0);
	CHECK_INT(st.st_size, held);
	log_free(&r.log);
	CHECK_OK(ycdl_session_close(r.s));

	r.s = open_session("cdres", &o);
	log_init(&r.log, r.s);
	e = resume_to_end(&r);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->path, renamed);
	CHECK_STR(e->finished->sha256_hex, sha);
	sha256_file(renamed, on_disk);
	CHECK_STR(on_disk, sha);
	e = log_find(&r.log, YCDL__EVENT__KIND_RESUMED, r.key);
	CHECK(e != NULL);
	CHECK_INT(e->resumed->offset, held);
	CHECK_INT(log_count(&r.log, YCDL__EVENT__KIND_RESTARTED, r.key), 0);
	CHECK(lstat(first_part, &st) != 0);
	free((char *)t.url);
	finish(&r);
}

TEST(nginx_pause_resume_is_byte_identical)
{
	char sha[65];
	struct run r;
	Ycdl__Event *e;
	char *url;

	make_file("resume-real.bin", SIZE, sha);
	url = test_url(env.nginx, "resume-real.bin?rate=800000");
	start(&r, "resume-nginx", url);
	pause_after(&r, 200000);
	e = resume_to_end(&r);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	CHECK(log_find(&r.log, YCDL__EVENT__KIND_RESUMED, r.key) != NULL);
	finish(&r);
	free(url);
}

static void check_restarts(const char *name, const char *query, const char *reason_part,
		bool content_changes)
{
	char sha[65], file[128], path[256];
	struct run r;
	Ycdl__Event *e, *restarted;
	char *url;

	snprintf(file, sizeof(file), "%s.bin", name);
	make_file(file, SIZE, sha);
	if (content_changes)
		changed_sha256(file, 0, sha);
	snprintf(path, sizeof(path), "%s?rate=800000&id=%s&%s", file, name, query);
	url = test_url(env.fault, path);
	fault_reset(name);
	start(&r, name, url);
	pause_after(&r, 200000);
	e = resume_to_end(&r);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	restarted = log_find(&r.log, YCDL__EVENT__KIND_RESTARTED, r.key);
	CHECK(restarted != NULL);
	if (!strstr(restarted->restarted->reason, reason_part))
		test_fail(__FILE__, __LINE__, "restart reason \"%s\" lacks \"%s\"",
				restarted->restarted->reason, reason_part);
	CHECK(restarted->restarted->discarded_bytes >= 200000);
	finish(&r);
	free(url);
}

TEST(resource_changed_between_pause_and_resume_restarts_from_zero)
{
	check_restarts("changed", "change_after=1", "changed", true);
}

/* The validators cannot see this change (as nginx's cannot for a file
 * replaced by one of the same size within the same second): the bytes the
 * resume asks for before its offset can, and nothing is spliced. */
TEST(content_changed_under_the_same_validators_restarts_by_its_bytes)
{
	check_restarts("same-validators", "change_after=1&keep_validators=1",
			"differ from those on disk", true);
}

/* The real case on real nginx: the file is replaced by another of
 * the same size and the same modification second between pause and resume.
 * ETag and Last-Modified stay the same; the result must be the new file,
 * whole, never old bytes followed by new ones. */
TEST(nginx_file_replaced_within_the_same_second_is_not_spliced)
{
	char sha_new[65], old_path[2048], new_path[2048];
	struct stat st;
	struct timespec times[2];
	struct run r;
	Ycdl__Event *e, *restarted;
	char *url;

	make_file("same-second.bin", SIZE, NULL);
	make_file("same-second-next.bin", SIZE, sha_new);
	snprintf(old_path, sizeof(old_path), "%s/same-second.bin", env.www);
	snprintf(new_path, sizeof(new_path), "%s/same-second-next.bin", env.www);
	CHECK(stat(old_path, &st) == 0);
	url = test_url(env.nginx, "same-second.bin?rate=800000");
	start(&r, "same-second", url);
	pause_after(&r, 300000);
	times[0] = st.st_atim;
	times[1] = st.st_mtim;
	CHECK(utimensat(AT_FDCWD, new_path, times, 0) == 0);
	CHECK(rename(new_path, old_path) == 0);
	e = resume_to_end(&r);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha_new);
	restarted = log_find(&r.log, YCDL__EVENT__KIND_RESTARTED, r.key);
	CHECK(restarted && strstr(restarted->restarted->reason, "differ"));
	finish(&r);
	free(url);
}

TEST(if_range_ignored_but_etag_changed_restarts)
{
	check_restarts("ifrange-ignored", "change_after=1&ignore_if_range=1", "changed", true);
}

TEST(content_range_start_mismatch_restarts_never_appends)
{
	check_restarts("cr-start", "cr_start_off=7", "different range", false);
}

TEST(content_range_total_mismatch_restarts_never_appends)
{
	check_restarts("cr-total", "cr_total_off=5", "size changed", false);
}

TEST(different_range_than_asked_restarts)
{
	check_restarts("wrong-range", "wrong_range=1", "different range", false);
}

TEST(no_accept_ranges_is_reported_not_resumable_and_restarts)
{
	char sha[65];
	struct run r;
	Ycdl__Event *e;
	char *url;
	ycdl_task_info *info;

	make_file("norange.bin", SIZE, sha);
	url = test_url(env.fault, "norange.bin?rate=800000&norange=1&id=norange");
	start(&r, "norange", url);
	e = log_wait(&r.log, 0, YCDL__EVENT__KIND_RESUMABILITY, r.key, 10000);
	CHECK_INT(e->resumability->resumability, YCDL__RESUMABILITY__RESUMABILITY_NO);
	pause_after(&r, 200000);
	CHECK_OK(ycdl_task_get_info(&info, r.s, r.key));
	CHECK_INT(info->resumable, 0);
	ycdl_task_info_free(info);
	e = resume_to_end(&r);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	CHECK(log_find(&r.log, YCDL__EVENT__KIND_RESTARTED, r.key) != NULL);
	CHECK(log_find(&r.log, YCDL__EVENT__KIND_RESUMED, r.key) == NULL);
	/* No range was asked for on the second request. */
	CHECK(fault_header("norange", "Range") == NULL);
	finish(&r);
	free(url);
}

TEST(no_validators_is_not_resumable)
{
	struct run r;
	Ycdl__Event *e;
	char *url;

	make_file("novalid.bin", 100000, NULL);
	url = test_url(env.fault, "novalid.bin?no_validators=1");
	start(&r, "novalid", url);
	e = log_wait(&r.log, 0, YCDL__EVENT__KIND_RESUMABILITY, r.key, 10000);
	CHECK_INT(e->resumability->resumability, YCDL__RESUMABILITY__RESUMABILITY_NO);
	log_wait(&r.log, 0, YCDL__EVENT__KIND_FINISHED, r.key, 10000);
	finish(&r);
	free(url);
}

TEST(weak_etag_resumes_with_last_modified)
{
	char sha[65];
	struct run r;
	Ycdl__Event *e;
	char *url, *if_range;

	make_file("weak.bin", SIZE, sha);
	url = test_url(env.fault, "weak.bin?rate=800000&weak_etag=1&id=weak");
	start(&r, "weak", url);
	pause_after(&r, 200000);
	e = resume_to_end(&r);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	if_range = fault_header("weak", "If-Range");
	/* A weak ETag may not be used in If-Range; the date is. */
	CHECK(if_range != NULL);
	CHECK(strstr(if_range, "GMT") != NULL);
	CHECK(strchr(if_range, '"') == NULL);
	free(if_range);
	finish(&r);
	free(url);
}

TEST(error_status_on_resume_keeps_the_partial_data)
{
	char sha[65], expect_range[64];
	struct run r;
	uint64_t held;
	Ycdl__Event *e;
	char *url, *range;

	/* Requests 2 and 3 (the resumes) get 503: nothing of their bodies may
	 * reach the file, and the third try continues at the same offset. */
	make_file("resume-503.bin", SIZE, sha);
	fault_reset("resume503");
	url = test_url(env.fault, "resume-503.bin?rate=800000&id=resume503&fail_at=2&fail=2&status=503");
	start(&r, "resume503", url);
	held = pause_after(&r, 300000);
	e = resume_to_end(&r);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	CHECK_INT(log_count(&r.log, YCDL__EVENT__KIND_RETRYING, r.key), 2);
	CHECK_INT(log_count(&r.log, YCDL__EVENT__KIND_RESTARTED, r.key), 0);
	CHECK_INT(log_find(&r.log, YCDL__EVENT__KIND_RESUMED, r.key)->resumed->offset, held);
	range = fault_header("resume503", "Range");
	snprintf(expect_range, sizeof(expect_range), "bytes=%llu-",
			(unsigned long long)(held - RESUME_OVERLAP));
	CHECK_STR(range, expect_range);
	CHECK_INT(fault_stat("resume503", "requests"), 4);
	free(range);
	finish(&r);
	free(url);
}

TEST(chunked_download_cut_before_its_end_completes_with_its_last_bytes)
{
	char sha[65], *range;
	struct run r;
	Ycdl__Event *e;
	char *url;

	/* Every data byte arrives, the terminating chunk does not: the length
	 * was never announced, so only the server can say the file is whole:
	 * the resume's overlap comes back as the file's last bytes, with its
	 * length, and nothing after them. */
	make_file("end416.bin", 300000, sha);
	fault_reset("end416");
	url = test_url(env.fault, "end416.bin?chunked=1&stall_before_end=30&id=end416");
	start(&r, "end416", url);
	pause_after(&r, 300000);
	e = resume_to_end(&r);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	CHECK_INT(e->finished->size, 300000);
	CHECK_INT(log_count(&r.log, YCDL__EVENT__KIND_RESTARTED, r.key), 0);
	range = fault_header("end416", "Range");
	CHECK_STR(range, "bytes=234464-");     /* 300000 - RESUME_OVERLAP */
	CHECK_INT(fault_stat("end416", "requests"), 2);
	free(range);
	finish(&r);
	free(url);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(pause_then_resume_continues_with_range_and_if_range),
		TEST_ENTRY(content_disposition_rename_resumes_from_its_part_file_after_a_reopen),
		TEST_ENTRY(nginx_pause_resume_is_byte_identical),
		TEST_ENTRY(resource_changed_between_pause_and_resume_restarts_from_zero),
		TEST_ENTRY(content_changed_under_the_same_validators_restarts_by_its_bytes),
		TEST_ENTRY(nginx_file_replaced_within_the_same_second_is_not_spliced),
		TEST_ENTRY(if_range_ignored_but_etag_changed_restarts),
		TEST_ENTRY(content_range_start_mismatch_restarts_never_appends),
		TEST_ENTRY(content_range_total_mismatch_restarts_never_appends),
		TEST_ENTRY(different_range_than_asked_restarts),
		TEST_ENTRY(no_accept_ranges_is_reported_not_resumable_and_restarts),
		TEST_ENTRY(no_validators_is_not_resumable),
		TEST_ENTRY(weak_etag_resumes_with_last_modified),
		TEST_ENTRY(error_status_on_resume_keeps_the_partial_data),
		TEST_ENTRY(chunked_download_cut_before_its_end_completes_with_its_last_bytes),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
