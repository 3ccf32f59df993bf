/* test_disk_space.c — a download whose rest does not fit on its disk (with
 * the session's reserve left free) fails at once, before a byte is
 * written, saying how much it needs and how much there is; a large one
 * takes its room up front, without changing the part file's size (the
 * resume point). */
#define _GNU_SOURCE
#include "fixtures.h"
#include "harness.h"

#include <linux/magic.h>
#include <sys/vfs.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

static Ycdl__Event *download(const char *name, const char *query,
		const ycdl_session_options *given, char **dir_out, char **key_out)
{
	static struct event_log log;
	ycdl_session_options o;
	ycdl_session *s;
	char path[1024], *url;
	Ycdl__Event *end, *copy;
	size_t len;
	uint8_t *buf;

	*dir_out = test_dir(name);
	o = given ? *given : test_session_options(*dir_out);
	o.state_dir = o.download_dir = *dir_out;
	s = open_session(name, &o);
	log_init(&log, s);
	snprintf(path, sizeof(path), "%s.bin?%s", name, query);
	url = test_url(env.fault, path);
	*key_out = add_url(s, url, NULL);
	end = log_wait_end(&log, 0, *key_out, 30000);
	/* A copy that outlives the log. */
	len = ycdl__event__get_packed_size(end);
	buf = malloc(len);
	ycdl__event__pack(end, buf);
	copy = ycdl__event__unpack(NULL, len, buf);
	free(buf);
	free(url);
	log_free(&log);
	ycdl_session_close(s);
	return copy;
}

static uint64_t available(const char *dir)
{
	struct statvfs fs;

	CHECK(statvfs(dir, &fs) == 0);
	return (uint64_t)fs.f_bavail * fs.f_frsize;
}

TEST(a_download_larger_than_the_free_space_fails_at_once)
{
	char *dir, *key, part[1200];
	Ycdl__Event *end;

	make_file("disk-huge.bin", 100000, NULL);
	fault_reset("disk-huge");
	/* The server announces a petabyte. */
	end = download("disk-huge", "id=disk-huge&lie_length=1125899906842624", NULL,
			&dir, &key);
	CHECK_INT(end->kind_case, YCDL__EVENT__KIND_FAILED);
	CHECK_INT(end->failed->error_code, YCDL_E_DISK_FULL);
	CHECK(strstr(end->failed->message, "needs 1.0 PiB more"));
	CHECK(strstr(end->failed->message, "available"));
	CHECK(!end->failed->retryable);
	/* Not retried, nothing kept. */
	CHECK_INT(fault_stat("disk-huge", "requests"), 1);
	snprintf(part, sizeof(part), "%s/%s.bin.part", dir, key);
	CHECK(!file_exists(part) || file_size(part) == 0);
	ycdl__event__free_unpacked(end, NULL);
	ycdl_free(key);
	free(dir);
}

TEST(the_reserve_is_kept_free)
{
	ycdl_session_options o = test_session_options(NULL);
	char *dir, *key, *probe = test_dir("disk-reserve-probe");
	Ycdl__Event *end;

	make_file("disk-reserve.bin", 100000, NULL);
	make_file("disk-small.bin", 100000, NULL);
	/* Leave 64 MiB usable: 100 MiB announced does not fit, 100 KB does
	 * (other tests writing meanwhile have 63 MiB of slack). */
	o.disk_reserve = (int64_t)available(probe) - (64 << 20);
	CHECK(o.disk_reserve > 0);
	fault_reset("disk-reserve");
	end = download("disk-reserve", "id=disk-reserve&lie_length=104857600", &o, &dir, &key);
	CHECK_INT(end->kind_case, YCDL__EVENT__KIND_FAILED);
	CHECK_INT(end->failed->error_code, YCDL_E_DISK_FULL);
	CHECK(strstr(end->failed->message, "keeping"));
	ycdl__event__free_unpacked(end, NULL);
	ycdl_free(key);
	free(dir);
	end = download("disk-small", "id=disk-small", &o, &dir, &key);
	CHECK_INT(end->kind_case, YCDL__EVENT__KIND_FINISHED);
	ycdl__event__free_unpacked(end, NULL);
	ycdl_free(key);
	free(dir);
	o.disk_reserve = -2;
	{
		ycdl_session *bad = NULL;

		CHECK_INT(ycdl_session_open(&bad, "disk-bad", &o), YCDL_E_INVALID);
		CHECK(strstr(ycdl_last_error_message(), "disk_reserve"));
	}
	free(probe);
}

/* Whether the file system under dir can take room without growing a
 * file (not every one can: then nothing is preallocated, by design; nor
 * is tmpfs, whose blocks are memory: disk_space.c). */
static bool can_preallocate(const char *dir)
{
	char path[1100];
	struct statfs fs;
	int fd, rc;

	if (statfs(dir, &fs) == 0 && fs.f_type == TMPFS_MAGIC)
		return false;

	snprintf(path, sizeof(path), "%s/probe", dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	CHECK(fd >= 0);
	rc = fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 1 << 20);
	close(fd);
	unlink(path);
	return rc == 0;
}

TEST(a_large_download_takes_its_room_up_front_keeping_its_size)
{
	enum { SIZE = 24 << 20 };
	char *dir = test_dir("disk-prealloc"), sha[65], part[1200], *url, *key;
	ycdl_session_options o = test_session_options(dir);
	struct event_log log;
	ycdl_session *s;
	struct stat st;

	if (!can_preallocate(dir)) {
		printf("skip: %s cannot preallocate\n", dir);
		free(dir);
		return;
	}
	make_file("disk-prealloc.bin", SIZE, sha);
	fault_reset("disk-prealloc");
	s = open_session("disk-prealloc", &o);
	log_init(&log, s);
	url = test_url(env.fault, "disk-prealloc.bin?id=disk-prealloc&rate=8000000");
	key = add_url(s, url, NULL);
	wait_progress(&log, key, 1, 20000);
	snprintf(part, sizeof(part), "%s/%s.bin.part", dir, key);
	CHECK(stat(part, &st) == 0);
	/* Every block is taken, the size is what was written. */
	CHECK((uint64_t)st.st_blocks * 512 >= SIZE);
	CHECK(st.st_size < SIZE);
	CHECK_INT(log_wait_end(&log, 0, key, 30000)->kind_case, YCDL__EVENT__KIND_FINISHED);
	ycdl_free(key);
	free(url);
	log_free(&log);
	ycdl_session_close(s);
	/* Without preallocation only what was written takes room. */
	o.preallocate = 0;
	fault_reset("disk-prealloc-2");
	s = open_session("disk-prealloc-2", &o);
	log_init(&log, s);
	url = test_url(env.fault, "disk-prealloc.bin?id=disk-prealloc-2&rate=8000000");
	key = add_url(s, url, NULL);
	wait_progress(&log, key, 1, 20000);
	snprintf(part, sizeof(part), "%s/%s.bin.part", dir, key);
	CHECK(stat(part, &st) == 0);
	CHECK((uint64_t)st.st_blocks * 512 < SIZE / 2);
	CHECK_INT(log_wait_end(&log, 0, key, 30000)->kind_case, YCDL__EVENT__KIND_FINISHED);
	ycdl_free(key);
	free(url);
	log_free(&log);
	ycdl_session_close(s);
	free(dir);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(a_download_larger_than_the_free_space_fails_at_once),
		TEST_ENTRY(the_reserve_is_kept_free),
		TEST_ENTRY(a_large_download_takes_its_room_up_front_keeping_its_size),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
