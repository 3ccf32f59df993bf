/* test_crash_points.c — stops at the exact moments where they hurt most,
 * each followed by a new process on the same session: SIGKILL inside a
 * checkpoint's fdatasync, inside the move that places a finished file
 * (renameat2, or link then unlink where the kernel lacks renameat2), inside
 * the creation of the journal (the fault shim kills the worker there); and
 * a pause (what Ctrl-C does) right after the last byte arrived. The crash
 * torture hits these at random; here each is hit every time. */
#define _GNU_SOURCE
#include "harness.h"
#include "fixtures.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#define SIZE (2 * 1024 * 1024)
#define PAUSE_SIZE 300000

struct crash_point {
	const char *name;       /* session, file and fault-server id */
	const char *call;       /* YCDL_FAULT_CALL */
	const char *path;       /* YCDL_FAULT_PATH */
	const char *action;     /* YCDL_FAULT_ACTION */
	const char *after;      /* matching calls that pass first */
	/* As on a kernel or file system without renameat2: finished files
	 * are placed by link, then unlink. */
	bool portable;
	bool fast;              /* unthrottled and large, else 2 MiB at 4 MB/s */
};

#define FAST_SIZE (24 * 1024 * 1024)

struct crash_run {
	char *dir;
	char *log;
	char url[512];
	char sha[65];
	char *key;
	char *dest;
};

static void prepare(struct crash_run *r, const char *name, bool fast)
{
	char file[128];

	r->dir = test_dir(name);
	r->log = worker_log_path(r->dir, "worker");
	snprintf(file, sizeof(file), "crash-%s.bin", name);
	make_file(file, fast ? FAST_SIZE : SIZE, r->sha);
	fault_reset(name);
	snprintf(r->url, sizeof(r->url), "%s/%s?id=%s%s", env.fault, file, name,
			fast ? "" : "&rate=4000000");
	r->key = strdup(key_of_url(r->url));
	if (asprintf(&r->dest, "%s/%s.bin", r->dir, r->key) < 0)
		abort();
}

/* Runs the worker until the shim kills it at the crash point. */
static void crash_at(struct crash_run *r, const struct crash_point *p)
{
	char call[64], path[600], action[64], after[64];
	struct worker_run run;

	prepare(r, p->name, p->fast);
	snprintf(call, sizeof(call), "YCDL_FAULT_CALL=%s", p->call);
	snprintf(path, sizeof(path), "YCDL_FAULT_PATH=%s", p->path);
	snprintf(action, sizeof(action), "YCDL_FAULT_ACTION=%s", p->action);
	snprintf(after, sizeof(after), "YCDL_FAULT_AFTER=%s", p->after);
	run = (struct worker_run){
		.state_dir = r->dir, .session = p->name, .dir = r->dir, .log = r->log,
		.options = { "--checkpoint-bytes", "262144", NULL },
		.faults = { call, path, action, after, NULL },
		.urls = { r->url, NULL },
	};
	if (p->portable) {
		run.faults[4] = "YCDL_FAULT2_CALL=renameat2";
		run.faults[5] = "YCDL_FAULT2_ERRNO=ENOSYS";
		run.faults[6] = "YCDL_FAULT2_COUNT=-1";
	}
	CHECK_INT(worker_run(&run), 128 + 9);       /* SIGKILL, from the shim */
}

static void release(struct crash_run *r)
{
	free(r->dir);
	free(r->log);
	free(r->key);
	free(r->dest);
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino &&
		sa.st_dev == sb.st_dev;
}

TEST(kill_inside_a_checkpoint_sync_resumes_from_the_previous_checkpoint)
{
	static const struct crash_point p = { "in-sync", "fdatasync", "*.part", "kill", "2",
		false, false };
	struct crash_run r;
	struct recovery rec;

	crash_at(&r, &p);
	recover_and_finish(r.dir, p.name, r.key, 1, r.sha, &rec);
	/* Two checkpoints were recorded; the third was cut short. */
	CHECK(rec.bytes >= 2 * 262144);
	CHECK(rec.resumed);
	CHECK_INT(rec.resumed_offset, rec.bytes);
	CHECK(!rec.restarted);
	release(&r);
}

/* The journal says "finished" before the file moves: the next open moves
 * it. */
static void check_placed_by_the_next_open(const struct crash_point *p)
{
	struct crash_run r;
	struct recovery rec;

	crash_at(&r, p);
	CHECK(!file_exists(r.dest));
	recover_and_finish(r.dir, p->name, r.key, 1, r.sha, &rec);
	CHECK_INT(rec.status, YCDL_STATUS_FINISHED);
	release(&r);
}

/* PENDING: task_persist only marks the task; snapshots reach the journal at
 * the end of a loop turn (task_write_snapshots), and one turn of a fast
 * download can run a hundred write callbacks (curl reads up to 100 buffers
 * per socket action): the checkpoints of the whole turn, fdatasync'ed and
 * all, are lost with the process. A checkpoint must write its snapshot at
 * once (it has just paid an fdatasync; one write more is nothing). */
TEST(kill_inside_a_checkpoint_of_a_fast_download_loses_one_checkpoint_at_most)
{
	static const struct crash_point p = { "in-fast-sync", "fdatasync", "*.part", "kill",
		"20", false, true };
	struct crash_run r;
	struct recovery rec;

	crash_at(&r, &p);
	recover_and_finish(r.dir, p.name, r.key, 1, r.sha, &rec);
	/* Twenty checkpoints, 256 KiB apart at least, were recorded. */
	CHECK(rec.bytes >= 20 * 262144);
	CHECK(rec.resumed);
	release(&r);
}

TEST(kill_inside_the_move_of_a_finished_file_is_placed_by_the_next_open)
{
	static const struct crash_point p = { "in-move", "renameat2", "*", "kill", "0",
		false, false };

	check_placed_by_the_next_open(&p);
}

TEST(kill_inside_the_link_of_a_finished_file_is_placed_by_the_next_open)
{
	static const struct crash_point p = { "in-link", "link", "*", "kill", "0", true,
		false };

	check_placed_by_the_next_open(&p);
}

TEST(kill_between_link_and_unlink_is_completed_by_the_next_open)
{
	static const struct crash_point p = { "after-link", "unlink", "*.part", "kill", "0",
		true, false };
	struct crash_run r;
	struct recovery rec;
	char *part;

	crash_at(&r, &p);
	if (asprintf(&part, "%s.part", r.dest) < 0)
		abort();
	CHECK(same_file(r.dest, part));     /* half-placed: one file, two names */
	recover_and_finish(r.dir, p.name, r.key, 1, r.sha, &rec);
	CHECK_INT(rec.status, YCDL_STATUS_FINISHED);
	free(part);
	release(&r);
}

/* PENDING: a kill after tasks.journal is created and before its 8-byte
 * header is written leaves an empty file; the next open (store.c load)
 * takes it for a damaged journal and reports it quarantined, though
 * nothing was ever in it. A prefix of the header is a creation cut short:
 * write the header again and report nothing. (Found by the torture.) */
TEST(kill_while_creating_the_journal_quarantines_nothing)
{
	static const struct crash_point p = { "in-create", "write", "*/tasks.journal",
		"kill-torn", "0", false, false };
	struct crash_run r;
	ycdl_session_options o;
	struct event_log log;
	ycdl_session *s;
	Ycdl__Event *e;

	crash_at(&r, &p);
	o = test_session_options(r.dir);
	s = open_session(p.name, &o);
	log_init(&log, s);
	e = log_wait(&log, 0, YCDL__EVENT__KIND_SESSION_RESTORED, NULL, 10000);
	CHECK_INT(e->session_restored->tasks_quarantined, 0);
	CHECK_INT(e->session_restored->tasks_found, 0);
	log_free(&log);
	ycdl_session_close(s);
	release(&r);
}

/* ------------------------------------------------------ pause points */

struct pauser {
	ycdl_session *session;
	char key[64];
	int pause_rc;
	bool paused;
	pthread_mutex_t mutex;
};

/* On the loop thread: the moment the last byte is reported, pause. */
static void on_event(const void *data, size_t len, void *payload)
{
	struct pauser *p = payload;
	Ycdl__Event *e = ycdl__event__unpack(NULL, len, data);

	if (!e)
		return;
	pthread_mutex_lock(&p->mutex);
	if (!p->paused && p->key[0] && strcmp(e->key, p->key) == 0 &&
	    e->kind_case == YCDL__EVENT__KIND_PROGRESS &&
	    e->progress->bytes_expected == PAUSE_SIZE && e->progress->bytes_written == PAUSE_SIZE) {
		p->pause_rc = ycdl_task_pause(p->session, p->key);
		p->paused = true;
	}
	pthread_mutex_unlock(&p->mutex);
	ycdl__event__free_unpacked(e, NULL);
}

static int status_of(ycdl_session *s, const char *key, uint64_t *bytes)
{
	ycdl_task_info *info;
	int status;

	CHECK_OK(ycdl_task_get_info(&info, s, key));
	status = info->status;
	*bytes = info->bytes_written;
	ycdl_task_info_free(info);
	return status;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* PENDING: a task whose last byte arrived waits (up to 10 ms) for the
 * group commit of finished files with nothing claimed since its last
 * checkpoint (transfer.c detach skips the checkpoint for a delivered
 * body); pausing it then (task_api.c halt -> commit_cancel) records
 * "paused" with the old claim, so the next start fetches those bytes
 * again — a whole small file. halt must claim the bytes (sync the part
 * file, synced_offset = offset) of a task it takes out of the commit. */
TEST(pause_right_after_the_last_byte_claims_every_byte)
{
	char *dir = test_dir("pause-commit"), url[512], other[512], sha[65];
	ycdl_session_options o = test_session_options(dir);
	struct pauser p = { .mutex = PTHREAD_MUTEX_INITIALIZER };
	ycdl_session *s;
	char *key, *slow;
	uint64_t bytes = 0;
	int status = 0;

	make_file("pause-commit.bin", PAUSE_SIZE, sha);
	make_file("pause-commit-other.bin", 4 << 20, NULL);
	fault_reset("pause-commit");
	snprintf(url, sizeof(url), "%s/pause-commit.bin?id=pause-commit", env.fault);
	/* A transfer that keeps running, so the finished file waits for others
	 * to share its commit. */
	snprintf(other, sizeof(other), "%s/pause-commit-other.bin?rate=500000", env.fault);
	o.event_cb = on_event;
	o.event_cb_payload = &p;
	p.session = s = open_session("pause-commit", &o);
	slow = add_url(s, other, NULL);
	pthread_mutex_lock(&p.mutex);
	snprintf(p.key, sizeof(p.key), "%s", key_of_url(url));
	pthread_mutex_unlock(&p.mutex);
	key = add_url(s, url, NULL);
	for (int i = 0; i < 3000 && status != YCDL_STATUS_PAUSED &&
	     status != YCDL_STATUS_FINISHED; i++) {
		sleep_ms(10);
		status = status_of(s, key, &bytes);
	}
	CHECK_INT(p.pause_rc, 0);
	CHECK_INT(status, YCDL_STATUS_PAUSED);
	CHECK_OK(ycdl_task_pause(s, slow));
	ycdl_session_close(s);

	/* What the journal claims is what the next process continues from. */
	o.event_cb = NULL;
	s = open_session("pause-commit", &o);
	CHECK_INT(status_of(s, key, &bytes), YCDL_STATUS_PAUSED);
	CHECK_INT(bytes, PAUSE_SIZE);
	ycdl_session_close(s);
	ycdl_free(key);
	ycdl_free(slow);
	free(dir);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(kill_inside_a_checkpoint_sync_resumes_from_the_previous_checkpoint),
		TEST_ENTRY(kill_inside_the_move_of_a_finished_file_is_placed_by_the_next_open),
		TEST_ENTRY(kill_inside_the_link_of_a_finished_file_is_placed_by_the_next_open),
		TEST_ENTRY(kill_between_link_and_unlink_is_completed_by_the_next_open),
		TEST_ENTRY(kill_while_creating_the_journal_quarantines_nothing),
		TEST_ENTRY(pause_right_after_the_last_byte_claims_every_byte),
		TEST_ENTRY(kill_inside_a_checkpoint_of_a_fast_download_loses_one_checkpoint_at_most),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
