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

static void commit_group(struct ycdl_session *s, struct commit_entry *entries,
		size_t count);

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
	for (size_t i = 0; i < c->count; i++)
		if (c->entries[i].fd >= 0)
			close(c->entries[i].fd);
	free(c->entries);
	memset(c, 0, sizeof(*c));
}

void commit_enqueue(struct ycdl_session *s, struct task *t, int fd,
		const struct partfile_id *part)
{
	struct commit *c = &s->commit;
	struct commit_entry entry = { t, fd, *part };
	struct timeval tv = { 0, GATHER_MS * 1000 };

	if (c->count == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct commit_entry *entries = realloc(c->entries, cap * sizeof(*entries));

		if (!entries) {
			/* No room to wait: this one commits alone, now. */
			t->committing = true;
			s->sched.committing++;
			commit_group(s, &entry, 1);
			return;
		}
		c->entries = entries;
		c->cap = cap;
	}
	c->entries[c->count++] = entry;
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

/* A task taken out of its commit keeps what it holds: its bytes are synced
 * and claimed, as a checkpoint would (the next start then gets 416 and
 * finishes without fetching them again). Through the descriptor the
 * transfer left while the path still names its file, else the file opened
 * again; the entry's descriptor is closed. */
static void claim_delivered(struct commit_entry *e)
{
	struct task *t = e->task;
	int fd = e->fd;

	if (fd >= 0 && partfile_still_at(t->part_path, &e->part) != 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		fd = open(t->part_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	e->fd = -1;
	if (fd < 0)
		return;
	if (util_sync_data(fd) == 0)
		t->synced_offset = t->offset;
	close(fd);
}

void commit_cancel(struct ycdl_session *s, struct task *t)
{
	struct commit *c = &s->commit;

	if (!t->committing)
		return;
	for (size_t i = 0; i < c->count; i++)
		if (c->entries[i].task == t) {
			claim_delivered(&c->entries[i]);
			memmove(&c->entries[i], &c->entries[i + 1],
					(c->count - i - 1) * sizeof(*c->entries));
			c->count--;
			break;
		}
	release_slot(s, t);
}

/* One finished file of a group, from its sync to its event. */
struct member {
	struct task *task;
	int fd;             /* the part file, while syncing */
	struct partfile_id part;  /* dev: its file system, for syncfs */
	int rc;             /* 0, or the -errno that failed it */
};

/* Each part file is given its final mode and synced through one
 * descriptor: the transfer's, else one opened here. The path that will be
 * moved must still name the file the descriptor holds: a part file
 * swapped for a symlink (or anything else) midway is never published. */
static void open_members(struct ycdl_session *s, struct member *m, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (m[i].fd >= 0)
			m[i].rc = partfile_still_at(m[i].task->part_path, &m[i].part);
		else
			m[i].rc = partfile_open_finished(m[i].task->part_path, &m[i].fd,
					&m[i].part.dev);
		if (m[i].rc == 0)
			(void)fchmod(m[i].fd, (mode_t)s->cfg.file_mode);
	}
}

/* Makes the group's data durable: one syncfs per file system for a big
 * enough group on Linux, else a sync per file. */
static void sync_members(struct member *m, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		bool done = false;

		if (m[i].rc != 0)
			continue;
#ifdef __linux__
		if (count >= SYNCFS_FROM) {
			for (size_t k = 0; k < i && !done; k++)
				if (m[k].rc == 0 && m[k].part.dev == m[i].part.dev)
					done = true;       /* its file system is synced */
			if (!done && syncfs(m[i].fd) != 0)
				m[i].rc = -errno;
			done = true;
		}
#endif
		if (!done && util_sync_data(m[i].fd) != 0)
			m[i].rc = -errno;
	}
	for (size_t i = 0; i < count; i++)
		if (m[i].fd >= 0)
			close(m[i].fd);
}

static void fail_io(struct ycdl_session *s, struct task *t, const char *what, int rc)
{
	char message[512];

	snprintf(message, sizeof(message), "%s: %s", what, strerror(-rc));
	completion_fail(s, t, error_from_errno(-rc), message, 0, false, 0);
}

static bool same_folder(const char *a, const char *b)
{
	const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');

	return sa && sb && sa - a == sb - b && strncmp(a, b, (size_t)(sa - a)) == 0;
}

/* The moves are durable once each folder is synced: once per folder. */
static void sync_folders(struct member *m, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		bool done = false;

		if (m[i].rc != 0)
			continue;
		for (size_t k = 0; k < i && !done; k++)
			done = m[k].rc == 0 && same_folder(m[k].task->dest_path,
					m[i].task->dest_path);
		if (!done)
			(void)util_fsync_parent_dir(m[i].task->dest_path);
	}
}

static int record_group(struct ycdl_session *s, struct member *m, size_t count)
{
	char message[1100];
	int rc = task_write_snapshots(s);

	if (rc == 0)
		rc = store_sync(&s->store);
	if (rc == 0)
		return 0;
	snprintf(message, sizeof(message), "cannot record the finished file: %s",
			ycdl_last_error_message());
	for (size_t i = 0; i < count; i++)
		if (m[i].rc == 0)
			completion_fail(s, m[i].task, rc, message, 0, false, 0);
	return rc;
}

/* Syncs, records and places a group of files. */
static void commit_group(struct ycdl_session *s, struct commit_entry *entries,
		size_t count)
{
	struct member *m = calloc(count, sizeof(*m));

	for (size_t i = 0; i < count; i++)
		release_slot(s, entries[i].task);
	if (!m) {
		for (size_t i = 0; i < count; i++) {
			if (entries[i].fd >= 0)
				close(entries[i].fd);
			completion_fail(s, entries[i].task, YCDL_E_NOMEM, "out of memory",
					0, true, 0);
		}
		return;
	}
	for (size_t i = 0; i < count; i++) {
		m[i].task = entries[i].task;
		m[i].fd = entries[i].fd;
		m[i].part = entries[i].part;
	}
	open_members(s, m, count);
	sync_members(m, count);
	for (size_t i = 0; i < count; i++) {
		if (m[i].rc != 0) {
			fail_io(s, m[i].task, "cannot sync the downloaded file", m[i].rc);
			continue;
		}
		task_clear_error(m[i].task);
		m[i].task->synced_offset = m[i].task->offset;
		task_set_status(s, m[i].task, YCDL_STATUS_FINISHED);
	}
	/* One journal sync for the group: every "finished" is durable before
	 * any file moves, so a crash between is completed on the next open. A
	 * journal that cannot say so gets no file moved: the next process
	 * would not know the file is ours. */
	if (record_group(s, m, count) != 0) {
		free(m);
		return;
	}
	for (size_t i = 0; i < count; i++) {
		struct task *t = m[i].task;

		if (m[i].rc == 0 && (m[i].rc = partfile_place(t->part_path, t->dest_path,
				t->conflict == YCDL_CONFLICT_OVERWRITE)) != 0)
			fail_io(s, t, "cannot move the file into place", m[i].rc);
	}
	sync_folders(m, count);
	for (size_t i = 0; i < count; i++)
		if (m[i].rc == 0)
			emit_finished(s, m[i].task);
	free(m);
}

void commit_flush(struct ycdl_session *s)
{
	struct commit *c = &s->commit;
	struct commit_entry *entries = c->entries;
	size_t count = c->count;

	if (count == 0)
		return;
	evtimer_del(c->timer);
	/* The group is ours now: what it sets off may queue the next one. */
	c->entries = NULL;
	c->count = c->cap = 0;
	commit_group(s, entries, count);
	free(entries);
}
