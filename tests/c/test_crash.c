/* test_crash.c — cross-process resume: a child process downloading is
 * killed with SIGKILL; this process opens the same session and finishes the
 * file byte-identical, fetching again at most one checkpoint's worth. */
#define _GNU_SOURCE
#include "harness.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SIZE (4 * 1024 * 1024)

/* This program's own path: the child is this program again (not
 * /proc/self/exe, which under valgrind names valgrind itself). */
static char self_path[4096];
#define CHECKPOINT_BYTES (256 * 1024)

/* The child: download url in session id under dir until killed. */
static int child_main(const char *dir, const char *id, const char *url)
{
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s;
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;

	o.checkpoint_bytes = CHECKPOINT_BYTES;
	if (ycdl_session_open(&s, id, &o) != 0)
		return 3;
	t.url = url;
	if (ycdl_task_add(NULL, s, &t) != 0)
		return 4;
	for (;;)
		pause();
}

static pid_t spawn_child(const char *dir, const char *id, const char *url)
{
	pid_t pid = fork();

	if (pid == 0) {
		execl(self_path, "test_crash", "--child", dir, id, url, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void kill_when_part_reaches(pid_t pid, const char *part, int64_t bytes)
{
	for (int i = 0; i < 2000 && file_size(part) < bytes; i++)
		sleep_ms(10);
	CHECK(file_size(part) >= bytes);
	CHECK(kill(pid, SIGKILL) == 0);
	CHECK(waitpid(pid, NULL, 0) == pid);
}

TEST(sigkilled_download_is_finished_by_a_new_process)
{
	char *dir = test_dir("crash");
	char sha[65], url[512], part[2048], md5_key[64];
	ycdl_session_options o = test_session_options(dir);
	struct event_log log;
	ycdl_session *s;
	Ycdl__Event *e;
	char *key;
	long long served, refetched;
	int64_t at_kill;
	pid_t child;

	o.checkpoint_bytes = CHECKPOINT_BYTES;
	make_file("crash.bin", SIZE, sha);
	fault_reset("crash");
	snprintf(url, sizeof(url), "%s/crash.bin?rate=1500000&id=crash", env.fault);
	child = spawn_child(dir, "crash", url);
	CHECK(child > 0);

	/* The part file appears once the child's transfer starts. */
	for (int i = 0; i < 500; i++) {
		char cmd[2200];
		FILE *p;

		snprintf(cmd, sizeof(cmd), "ls %s/*.bin.part 2>/dev/null | head -1", dir);
		p = popen(cmd, "r");
		part[0] = '\0';
		if (p && fgets(part, sizeof(part), p))
			part[strcspn(part, "\n")] = '\0';
		if (p)
			pclose(p);
		if (part[0])
			break;
		sleep_ms(10);
	}
	CHECK(part[0] != '\0');
	kill_when_part_reaches(child, part, SIZE / 2);
	at_kill = file_size(part);

	s = open_session("crash", &o);
	log_init(&log, s);
	e = log_wait(&log, 0, YCDL__EVENT__KIND_SESSION_RESTORED, NULL, 5000);
	CHECK_INT(e->session_restored->tasks_found, 1);
	CHECK_OK(ycdl_task_find_by_url(&key, s, url));
	snprintf(md5_key, sizeof(md5_key), "%s", key);
	log_wait_status(&log, key, YCDL_STATUS_PAUSED, 5000);
	CHECK_OK(ycdl_task_resume(s, key));
	e = log_wait(&log, 0, YCDL__EVENT__KIND_RESUMED, key, 10000);
	CHECK(e->resumed->offset > 0);
	CHECK((int64_t)e->resumed->offset <= at_kill);
	e = log_wait(&log, 0, YCDL__EVENT__KIND_FINISHED, key, 30000);
	CHECK_STR(e->finished->sha256_hex, sha);
	served = fault_stat("crash", "bytes");
	refetched = served - SIZE;
	printf("     killed with %lld bytes on disk; resumed at %llu; fetched again: "
			"%lld bytes\n", (long long)at_kill,
			(unsigned long long)log_find(&log, YCDL__EVENT__KIND_RESUMED, key)->resumed->offset,
			refetched);
	/* One checkpoint, plus what was in flight in socket buffers. */
	CHECK(refetched >= 0);
	CHECK(refetched <= CHECKPOINT_BYTES + 256 * 1024);
	ycdl_free(key);
	log_free(&log);
	ycdl_session_close(s);
	free(dir);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(sigkilled_download_is_finished_by_a_new_process),
	};

	if (argc == 5 && strcmp(argv[1], "--child") == 0)
		return child_main(argv[2], argv[3], argv[4]);
	if (!realpath(argv[0], self_path))
		return 2;
	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
