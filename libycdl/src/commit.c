/* commit.c — see commit.h. */
#define _GNU_SOURCE
#include "commit.h"

#include "completion.h"
#include "digest.h"
#include "error.h"
#include "events.h"
#include "hasher.h"
#include "hashing.h"
#include "tasks.h"
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

/* One finished file of a group, from its sync to its event. */
struct commit_member {
	struct task *task;  /* loop thread only; NULL once taken out */
	int fd;             /* the part file, while syncing */
	struct partfile_id part;  /* dev: its file system, for syncfs */
	int rc;             /* 0, or the -errno that failed it */
	const char *failed; /* what failed, when rc says so */
	char *want_dest;          /* the task's destination, to be checked */
	int conflict;             /* what to do when it is taken */
	char *dest;               /* the name chosen for it, once checked */
	bool hashes;              /* the thread finishes its SHA-256 */
	struct digest *digest;    /* the task's, covering [0, from), or NULL */
	uint64_t from, to;        /* the range the thread hashes */
};

/* A group whose file work (hashing what is left, syncing the data) is out
 * on the session's hashing thread, so that the loop goes on downloading;
 * back on the loop it is recorded, moved and announced. */
struct commit_group {
	struct hasher_work work;    /* first: the work is the group */
	struct ycdl_session *session;
	struct commit_member *m;
	size_t count;
	struct commit_group *prev, *next;   /* the groups out */
};

static void start_group(struct ycdl_session *s, struct commit_entry *entries,
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
			start_group(s, &entry, 1);
			return;
		}
		c->entries = entries;
		c->cap = cap;
	}
	c->entries[c->count++] = entry;
	t->committing = true;
	/* The task keeps its download slot until committed: "at most N at
	 * once" stays true of what the statuses say. So waiting only makes
	 * sense while other transfers may join, and never once every slot is
	 * waiting. When files are hashed, a group starts once half the slots
	 * wait in it: its file work then runs on the hashing thread while the
	 * other half download. Without hashing the work is done on the loop
	 * (handing it over cost more than it saved), and bigger groups share
	 * their syncs better. */
	s->sched.committing++;
	if (c->count >= MAX_GROUP || s->sched.running == 0 ||
	    (s->cfg.compute_sha256 && 2 * c->count >= s->sched.max_concurrent) ||
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

	if (t->in_commit) {
		/* Its group's file work is out: the group goes on without it (its
		 * data is synced all the same), and its digest goes with the
		 * group. */
		t->in_commit->task = NULL;
		t->in_commit = NULL;
		release_slot(s, t);
		return;
	}
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


/* Each part file is given its final mode and synced through one
 * descriptor: the transfer's, else one opened here. The path that will be
 * moved must still name the file the descriptor holds: a part file
 * swapped for a symlink (or anything else) midway is never published. */
static void open_members(struct ycdl_session *s, struct commit_member *m, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (m[i].rc != 0)
			continue;
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
static void sync_members(struct commit_member *m, size_t count)
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
static void sync_folders(struct commit_member *m, size_t count)
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

static int record_group(struct ycdl_session *s, struct commit_member *m, size_t count)
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

/* On the hashing thread (or on the loop, for a group with nothing to
 * hash): each destination's name, what is left of each SHA-256, then the
 * data. */
static void run_file_work(struct hasher_work *work)
{
	struct commit_group *g = (struct commit_group *)work;

	for (size_t i = 0; i < g->count; i++) {
		struct commit_member *m = &g->m[i];

		if (m->rc == 0 && (m->rc = partfile_choose_dest(m->want_dest, m->conflict,
				&m->dest)) != 0)
			m->failed = m->rc == -EEXIST ? "the destination file already exists"
				: "cannot name the downloaded file";
		if (m->rc != 0 || !m->hashes || !m->digest || m->to <= m->from)
			continue;
		if ((m->rc = digest_update_from_fd(m->digest, m->fd, m->from,
				m->to - m->from)) != 0)
			m->failed = "cannot hash the downloaded file";
	}
	sync_members(g->m, g->count);
}

/* Gives each task its digest back and its hex SHA-256 set; a member taken
 * out meanwhile (paused, cancelled, removed) is dropped from the group. */
static size_t collect_members(struct ycdl_session *s, struct commit_member *m,
		size_t count)
{
	size_t kept = 0;

	for (size_t i = 0; i < count; i++) {
		struct task *t = m[i].task;

		if (!t) {
			digest_free(m[i].digest);
			continue;
		}
		t->in_commit = NULL;
		release_slot(s, t);
		if (m[i].rc == 0 && strcmp(m[i].dest, t->dest_path) != 0 &&
		    !tasks_set_dest(&s->tasks, t, m[i].dest)) {
			m[i].rc = -ENOMEM;
			m[i].failed = "out of memory";
		}
		if (m[i].hashes) {
			hashing_take_back(t, m[i].rc == 0 ? m[i].digest : NULL, m[i].to);
			if (m[i].rc != 0)
				digest_free(m[i].digest);
			else if ((m[i].rc = hashing_finish(s, t)) != 0)
				m[i].failed = "cannot hash the downloaded file";
		}
		m[kept++] = m[i];
	}
	return kept;
}

/* Back on the loop: records the group's files finished, then moves them
 * into place and announces them. */
static void finish_group(struct ycdl_session *s, struct commit_member *m, size_t count)
{
	count = collect_members(s, m, count);
	for (size_t i = 0; i < count; i++) {
		if (m[i].rc == -EEXIST) {
			completion_fail(s, m[i].task, YCDL_E_EXISTS, m[i].failed, 0, false, 0);
			continue;
		}
		if (m[i].rc != 0) {
			fail_io(s, m[i].task, m[i].failed, m[i].rc);
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
	if (record_group(s, m, count) != 0)
		return;
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
}

static void on_file_work_done(struct hasher_work *work)
{
	struct commit_group *g = (struct commit_group *)work;
	struct ycdl_session *s = g->session;
	struct commit *c = &s->commit;

	if (g->prev)
		g->prev->next = g->next;
	else
		c->out = g->next;
	if (g->next)
		g->next->prev = g->prev;
	finish_group(s, g->m, g->count);
	for (size_t i = 0; i < g->count; i++) {
		free(g->m[i].want_dest);
		free(g->m[i].dest);
	}
	free(g->m);
	free(g);
}

/* Each member that hashes takes its task's digest along. */
static void hand_over_digests(struct ycdl_session *s, struct commit_member *m,
		size_t count)
{
	for (size_t i = 0; i < count; i++) {
		struct task *t = m[i].task;

		t->in_commit = &m[i];
		if (m[i].rc != 0 || !task_hashed_by_commit(s, t))
			continue;
		m[i].hashes = true;
		hashing_hand_over(s, t, &m[i].digest, &m[i].from);
		m[i].to = t->offset;
	}
}

/* Whether the thread has any hashing to do for the group: a group with
 * none does its syncs on the loop (one handover per group cost ~5 % of the
 * time of 10,000 small files, more than the syncs on a fast disk). */
static bool group_hashes(const struct commit_member *m, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (m[i].hashes)
			return true;
	return false;
}

/* Checks a group of files and sends its file work to the hashing thread
 * (or does it here when the thread cannot start). */
static void start_group(struct ycdl_session *s, struct commit_entry *entries,
		size_t count)
{
	struct commit *c = &s->commit;
	struct commit_group *g = calloc(1, sizeof(*g));
	struct commit_member *m = calloc(count, sizeof(*m));

	if (!g || !m) {
		free(g);
		free(m);
		for (size_t i = 0; i < count; i++) {
			release_slot(s, entries[i].task);
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
		m[i].conflict = entries[i].task->conflict;
		m[i].failed = "cannot sync the downloaded file";
		if (!(m[i].want_dest = strdup(entries[i].task->dest_path))) {
			m[i].rc = -ENOMEM;
			m[i].failed = "out of memory";
		}
	}
	open_members(s, m, count);
	hand_over_digests(s, m, count);
	g->work.run = run_file_work;
	g->work.done = on_file_work_done;
	g->session = s;
	g->m = m;
	g->count = count;
	g->next = c->out;
	if (c->out)
		c->out->prev = g;
	c->out = g;
	if (!group_hashes(m, count) || hasher_post_work(&s->hasher, &g->work) != 0) {
		run_file_work(&g->work);
		on_file_work_done(&g->work);
	}
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
	start_group(s, entries, count);
	free(entries);
}

void commit_finish_all(struct ycdl_session *s)
{
	commit_flush(s);
	while (s->commit.out)
		hasher_finish_work(&s->hasher, &s->commit.out->work);
}
