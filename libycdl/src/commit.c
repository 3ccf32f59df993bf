/* commit.c — see commit.h. */
#define _GNU_SOURCE
#include "commit.h"

#include "completion.h"
#include "error.h"
#include "events.h"
#include "partfile.h"
#include "scheduler.h"
#include "session.h"
#include "task.h"
#include "util.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* How long a finished file waits for others to share its commit: short
 * enough to go unnoticed, long enough to gather a burst of small files. */
#define GATHER_MS 10
/* A group this big is committed at once. */
#define MAX_GROUP 256
/* From this many files on, one syncfs beats a sync per file. */
#define SYNCFS_FROM 4

static void commit_group(struct ycdl_session *s, struct task **tasks, size_t count);

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	commit_flush(arg);
}

int commit_init(struct commit *c, struct ycdl_session *s)
{
	memset(c, 0, sizeof(*c));
	c->timer = evtimer_new(s->loop.base, on_timer, s);
	return c->timer ? 0 : error_set(YCDL_E_NOMEM, "out of memory");
}

void commit_free(struct commit *c)
{
	if (c->timer)
		event_free(c->timer);
	free(c->tasks);
	memset(c, 0, sizeof(*c));
}

void commit_enqueue(struct ycdl_session *s, struct task *t)
{
	struct commit *c = &s->commit;
	struct timeval tv = { 0, GATHER_MS * 1000 };

	if (c->count == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct task **tasks = realloc(c->tasks, cap * sizeof(*tasks));

		if (!tasks) {
			/* No room to wait: this one commits alone, now. */
			t->committing = true;
			s->sched.committing++;
			commit_group(s, &t, 1);
			return;
		}
		c->tasks = tasks;
		c->cap = cap;
	}
	c->tasks[c->count++] = t;
	t->committing = true;
	/* The task keeps its download slot until committed: "at most N at
	 * once" stays true of what the statuses say. So waiting only makes
	 * sense while other transfers may join, and never once every slot
	 * is waiting. */
	s->sched.committing++;
	if (c->count >= MAX_GROUP || s->sched.running == 0 ||
	    s->sched.committing >= s->sched.max_concurrent)
		commit_flush(s);
	else if (!evtimer_pending(c->timer, NULL))
		evtimer_add(c->timer, &tv);
}

static void release_slot(struct ycdl_session *s, struct task *t)
{
	t->committing = false;
	s->sched.committing--;
	scheduler_request_pump(s);
}

void commit_cancel(struct ycdl_session *s, struct task *t)
{
	struct commit *c = &s->commit;

	if (!t->committing)
		return;
	for (size_t i = 0; i < c->count; i++)
		if (c->tasks[i] == t) {
			memmove(&c->tasks[i], &c->tasks[i + 1],
					(c->count - i - 1) * sizeof(*c->tasks));
			c->count--;
			break;
		}
	release_slot(s, t);
}

/* fdatasync of one part file; 0 or -errno. */
static int sync_one(const struct task *t)
{
	int fd = open(t->part_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (util_sync_data(fd) != 0)
		rc = -errno;
	close(fd);
	return rc;
}

#ifdef __linux__
/* One syncfs per file system the group's files live on. */
static int sync_group(struct task **tasks, size_t count, int *results)
{
	dev_t done[8];
	size_t ndone = 0;

	for (size_t i = 0; i < count; i++) {
		struct stat st;
		int fd = open(tasks[i]->part_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		bool seen = false;

		results[i] = 0;
		if (fd < 0 || fstat(fd, &st) != 0) {
			results[i] = -errno;
			if (fd >= 0)
				close(fd);
			continue;
		}
		for (size_t d = 0; d < ndone; d++)
			seen |= done[d] == st.st_dev;
		if (!seen && ndone == sizeof(done) / sizeof(done[0]))
			results[i] = util_sync_data(fd) == 0 ? 0 : -errno;
		else if (!seen && syncfs(fd) != 0)
			results[i] = -errno;
		else if (!seen)
			done[ndone++] = st.st_dev;
		close(fd);
	}
	return 0;
}
#endif

/* Makes every file's data durable; results[i] is 0 or -errno. */
static void sync_data(struct task **tasks, size_t count, int *results)
{
#ifdef __linux__
	if (count >= SYNCFS_FROM) {
		sync_group(tasks, count, results);
		return;
	}
#endif
	for (size_t i = 0; i < count; i++)
		results[i] = sync_one(tasks[i]);
}

static void fail_io(struct ycdl_session *s, struct task *t, const char *what, int rc)
{
	char message[512];

	snprintf(message, sizeof(message), "%s: %s", what, strerror(-rc));
	completion_fail(s, t, error_from_errno(-rc), message, 0, false, 0);
}

/* The move into place, the mode a user's file has, the finished event. */
static void place(struct ycdl_session *s, struct task *t)
{
	int rc;

	(void)partfile_publish_mode(t->part_path, s->cfg.file_mode);
	rc = partfile_place(t->part_path, t->dest_path,
			t->conflict == YCDL_CONFLICT_OVERWRITE);
	if (rc != 0) {
		fail_io(s, t, "cannot move the file into place", rc);
		return;
	}
	emit_finished(s, t);
}

/* Syncs, records and places a group of files. */
static void commit_group(struct ycdl_session *s, struct task **tasks, size_t count)
{
	int *results = calloc(count, sizeof(*results));

	for (size_t i = 0; i < count; i++)
		release_slot(s, tasks[i]);
	if (results)
		sync_data(tasks, count, results);
	for (size_t i = 0; i < count; i++) {
		int rc = results ? results[i] : sync_one(tasks[i]);

		if (rc != 0) {
			fail_io(s, tasks[i], "cannot sync the downloaded file", rc);
			tasks[i] = NULL;
			continue;
		}
		task_clear_error(tasks[i]);
		tasks[i]->synced_offset = tasks[i]->offset;
		task_set_status(s, tasks[i], YCDL_STATUS_FINISHED);
	}
	/* One journal sync for the group: every "finished" is durable before
	 * any file moves, so a crash between is completed on the next open. */
	(void)store_sync(&s->store);
	for (size_t i = 0; i < count; i++)
		if (tasks[i])
			place(s, tasks[i]);
	free(results);
}

void commit_flush(struct ycdl_session *s)
{
	struct commit *c = &s->commit;
	struct task **tasks = c->tasks;
	size_t count = c->count;

	if (count == 0)
		return;
	evtimer_del(c->timer);
	/* The group is ours now: what it sets off may queue the next one. */
	c->tasks = NULL;
	c->count = c->cap = 0;
	commit_group(s, tasks, count);
	free(tasks);
}
