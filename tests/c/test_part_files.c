/* test_part_files.c — a part file belongs to exactly one task of one
 * session, and a name that holds somebody else's file is never written
 * through: two sessions given one destination, a part file that is a hard
 * link to a file elsewhere, a part file of another user, and removals that
 * must not take another download's part file with them. */
#define _GNU_SOURCE
#include "harness.h"
#include "fixtures.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define SIZE (1024 * 1024)

struct side {
	ycdl_session *s;
	struct event_log log;
	char *key;
};

static void open_side(struct side *side, const char *id, const char *dir)
{
	char *state;
	ycdl_session_options o;

	if (asprintf(&state, "%s/%s", dir, id) < 0)
		abort();
	o = test_session_options(state);
	side->s = open_session(id, &o);
	log_init(&side->log, side->s);
	free(state);
}

static char *add_to(struct side *side, const char *url, const char *dest)
{
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;

	t.url = url;
	t.dest_path = dest;
	CHECK_OK(ycdl_task_add(&side->key, side->s, &t));
	return side->key;
}

static void close_side(struct side *side)
{
	ycdl_free(side->key);
	log_free(&side->log);
	ycdl_session_close(side->s);
}

/* Writes size bytes of value to path. */
static void write_file(const char *path, size_t size, int value)
{
	char *data = malloc(size);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK(data && fd >= 0);
	memset(data, value, size);
	CHECK((size_t)write(fd, data, size) == size);
	close(fd);
	free(data);
}

/* The case: two sessions, the same -o FILE, different URLs. The
 * second may not splice its bytes into the first's part file: it fails
 * with YCDL_E_LOCKED and a message naming the file, and the first one's
 * finished file is exactly its own content. */
TEST(second_session_writing_the_same_destination_is_refused)
{
	char *dir = test_dir("claim-two"), *dest, *url_a, *url_b, sha_a[65], sha_b[65];
	struct side a, b;
	Ycdl__Event *e;

	make_file("claim-a.bin", SIZE, sha_a);
	make_file("claim-b.bin", SIZE, sha_b);
	url_a = test_url(env.fault, "claim-a.bin?rate=700000");
	url_b = test_url(env.fault, "claim-b.bin");
	if (asprintf(&dest, "%s/same.bin", dir) < 0)
		abort();
	open_side(&a, "claim-a", dir);
	open_side(&b, "claim-b", dir);
	add_to(&a, url_a, dest);
	wait_progress(&a.log, a.key, 100000, 10000);
	add_to(&b, url_b, dest);
	e = log_wait_end(&b.log, 0, b.key, 10000);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FAILED);
	CHECK_INT(e->failed->error_code, YCDL_E_LOCKED);
	CHECK(strstr(e->failed->message, "same.bin.part") != NULL);
	/* The loser's removal leaves the winner's part file where it is. */
	CHECK_OK(ycdl_task_remove(b.s, b.key, 0));
	e = log_wait_end(&a.log, 0, a.key, 30000);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha_a);
	sha256_file(dest, sha_b);
	CHECK_STR(sha_b, sha_a);
	close_side(&a);
	close_side(&b);
	free(url_a);
	free(url_b);
	free(dest);
	free(dir);
}

/* Once the first download is done and its file placed, the second may
 * download (its destination taken, it fails as the conflict policy says,
 * never by writing into the finished file). */
TEST(second_session_may_use_the_name_once_the_first_is_done)
{
	char *dir = test_dir("claim-after"), *dest, *url_a, *url_b, sha_a[65], now[65];
	struct side a, b;
	Ycdl__Event *e;

	make_file("claim-after-a.bin", SIZE, sha_a);
	make_file("claim-after-b.bin", SIZE, NULL);
	url_a = test_url(env.fault, "claim-after-a.bin");
	url_b = test_url(env.fault, "claim-after-b.bin");
	if (asprintf(&dest, "%s/after.bin", dir) < 0)
		abort();
	open_side(&a, "claim-after-a", dir);
	add_to(&a, url_a, dest);
	CHECK_INT(log_wait_end(&a.log, 0, a.key, 30000)->kind_case, YCDL__EVENT__KIND_FINISHED);
	open_side(&b, "claim-after-b", dir);
	add_to(&b, url_b, dest);
	e = log_wait_end(&b.log, 0, b.key, 30000);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FAILED);
	CHECK_INT(e->failed->error_code, YCDL_E_EXISTS);
	sha256_file(dest, now);
	CHECK_STR(now, sha_a);
	close_side(&a);
	close_side(&b);
	free(url_a);
	free(url_b);
	free(dest);
	free(dir);
}

/* A child forked and not yet exec'ed (what posix_spawn or fork+exec from
 * another thread of an app looks like for a moment) holds a copy of every
 * descriptor, the part file's among them. A pause then a resume must not
 * find the task's own claim held by that copy (a bare close would leave it
 * there): the resume claims the part file again and finishes the file. */
TEST(a_claim_survives_no_child_holding_a_copy_of_the_descriptor)
{
	char *dir = test_dir("claim-child"), *dest, *url, sha[65];
	struct side a;
	Ycdl__Event *e;
	pid_t child;

	make_file("claim-child.bin", SIZE, sha);
	url = test_url(env.fault, "claim-child.bin?rate=700000");
	if (asprintf(&dest, "%s/child.bin", dir) < 0)
		abort();
	open_side(&a, "claim-child", dir);
	add_to(&a, url, dest);
	pause_at(&a.log, a.key, 100000);
	/* Forked while the task ran: the child's copies were made then. */
	CHECK_OK(ycdl_task_resume(a.s, a.key));
	wait_progress(&a.log, a.key, 200000, 10000);
	child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		/* Never execs: holds the copies until killed (or the test,
		 * failing, leaves). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pause();
		_exit(0);
	}
	CHECK_OK(ycdl_task_pause(a.s, a.key));
	CHECK_OK(ycdl_task_resume(a.s, a.key));
	e = log_wait_end(&a.log, 0, a.key, 30000);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	close_side(&a);
	free(url);
	free(dest);
	free(dir);
}

/* A part file that is a hard link to a file outside the download folder:
 * O_NOFOLLOW and S_ISREG do not see it. The outside file must keep every
 * byte; the download goes to a fresh file. */
TEST(part_file_hard_linked_to_an_outside_file_is_not_written_through)
{
	char *dir = test_dir("hardlink"), *outside, *dest, *part, *url;
	char sha[65], before[65], after[65];
	struct side a;
	Ycdl__Event *e;
	struct stat st;

	make_file("hardlink.bin", SIZE, sha);
	url = test_url(env.nginx, "hardlink.bin");
	if (asprintf(&outside, "%s/precious.txt", dir) < 0 ||
	    asprintf(&dest, "%s/downloads/hardlink.bin", dir) < 0 ||
	    asprintf(&part, "%s.part", dest) < 0)
		abort();
	write_file(outside, 500000, 'p');
	sha256_file(outside, before);
	*strrchr(part, '/') = '\0';
	CHECK(mkdir(part, 0700) == 0);          /* dir/downloads */
	part[strlen(part)] = '/';
	CHECK(link(outside, part) == 0);
	open_side(&a, "hardlink", dir);
	add_to(&a, url, dest);
	e = log_wait_end(&a.log, 0, a.key, 30000);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	sha256_file(outside, after);
	CHECK_STR(after, before);
	CHECK(stat(outside, &st) == 0);
	CHECK_INT(st.st_nlink, 1);
	CHECK_INT(st.st_size, 500000);
	close_side(&a);
	free(url);
	free(outside);
	free(dest);
	free(part);
	free(dir);
}

/* The same after a restart: a task with resume data whose part file was
 * swapped for a hard link meanwhile starts over in a fresh file and says
 * so; the outside file is untouched. */
TEST(part_file_swapped_for_a_hard_link_between_runs_restarts_fresh)
{
	char *dir = test_dir("hardlink-resume"), *outside, *dest, *part, *url;
	char sha[65], before[65], after[65];
	struct side a;
	Ycdl__Event *e;
	uint64_t held;

	make_file("hardlink-resume.bin", SIZE, sha);
	url = test_url(env.fault, "hardlink-resume.bin?rate=700000");
	if (asprintf(&outside, "%s/precious.txt", dir) < 0 ||
	    asprintf(&dest, "%s/hardlink-resume.bin", dir) < 0 ||
	    asprintf(&part, "%s.part", dest) < 0)
		abort();
	open_side(&a, "hardlink-resume", dir);
	add_to(&a, url, dest);
	held = pause_at(&a.log, a.key, 300000);
	CHECK(held >= 300000);
	write_file(outside, held, 'q');
	sha256_file(outside, before);
	CHECK(unlink(part) == 0);
	CHECK(link(outside, part) == 0);
	CHECK_OK(ycdl_task_resume(a.s, a.key));
	e = log_wait_end(&a.log, 0, a.key, 30000);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	e = log_find(&a.log, YCDL__EVENT__KIND_RESTARTED, a.key);
	CHECK(e && strstr(e->restarted->reason, "hard link"));
	sha256_file(outside, after);
	CHECK_STR(after, before);
	close_side(&a);
	free(url);
	free(outside);
	free(dest);
	free(part);
	free(dir);
}

/* Run as root (as CI is), a part file owned by another user is refused
 * with a clear error and left as it was. */
TEST(part_file_of_another_user_is_refused)
{
	char *dir = test_dir("other-owner"), *dest, *part, *url, before[65], after[65];
	struct side a;
	Ycdl__Event *e;

	if (geteuid() != 0) {
		printf("     (not root: no other user's file can be made here)\n");
		free(dir);
		return;
	}
	make_file("other-owner.bin", SIZE, NULL);
	url = test_url(env.nginx, "other-owner.bin");
	if (asprintf(&dest, "%s/other-owner.bin", dir) < 0 ||
	    asprintf(&part, "%s.part", dest) < 0)
		abort();
	write_file(part, 1000, 'o');
	CHECK(chown(part, 65534, 65534) == 0);
	sha256_file(part, before);
	open_side(&a, "other-owner", dir);
	add_to(&a, url, dest);
	e = log_wait_end(&a.log, 0, a.key, 30000);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FAILED);
	CHECK_INT(e->failed->error_code, YCDL_E_IO);
	CHECK(strstr(e->failed->message, "belongs to another user") != NULL);
	sha256_file(part, after);
	CHECK_STR(after, before);
	CHECK(!file_exists(dest));
	close_side(&a);
	free(url);
	free(dest);
	free(part);
	free(dir);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(a_claim_survives_no_child_holding_a_copy_of_the_descriptor),
		TEST_ENTRY(second_session_writing_the_same_destination_is_refused),
		TEST_ENTRY(second_session_may_use_the_name_once_the_first_is_done),
		TEST_ENTRY(part_file_hard_linked_to_an_outside_file_is_not_written_through),
		TEST_ENTRY(part_file_swapped_for_a_hard_link_between_runs_restarts_fresh),
		TEST_ENTRY(part_file_of_another_user_is_refused),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
