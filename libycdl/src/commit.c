/* commit.c — see commit.h. */
#define _GNU_SOURCE
#include "commit.h"

#include "outcome.h"
#include "persist.h"
#include "status.h"
#include "digest.h"
#include "error.h"
#include "events.h"
#include "download_hash.h"
#include "task_table.h"
#include "partfile.h"
#include "scheduler.h"
#include "session.h"
#include "task.h"
#include "util.h"
#include "worker.h"

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

/* One finished file of a group, from its sync to its event. What the
 * worker reads is copied here: the task is the loop's. */
struct commit_member {
	struct task *task;  /* loop thread only; NULL once taken out */
	struct commit_group *group;
	int fd;             /* the part file, claimed (partfile.h) until the
			       file is in place or the task leaves */
	struct partfile_id part;  /* dev: its file system, for syncfs */
	int rc;             /* 0, or the YCDL_E_* that failed it */
	char *message;      /* what failed, when rc says so (NULL: no memory) */
	char *part_path;          /* the task's part file */
	char *want_dest;          /* the task's destination, to be checked */
	int conflict;             /* what to do when it is taken */
	char *dest;               /* the name chosen for it, once checked */
	bool hashes;              /* the thread finishes its SHA-256 */
	struct digest *digest;    /* the task's, covering [0, from), or NULL */
	uint64_t from, to;        /* the range the thread hashes */
	/* A task taken out (paused) while the file work was out: its key and
	 * offset, so that the bytes the group syncs all the same are claimed
	 * once they are synced (a clean pause loses nothing). */
	char *left_key;
	uint64_t left_offset;
};

/* A group out on the session's worker, in two stages, so that the
 * loop goes on downloading meanwhile: first its file work (each file
 * checked and named, what is left of each SHA-256, one data sync), then,
 * once the loop has written "finished" for its files into the journal,
 * its moves (the journal sync, the renames, the folder syncs). Back on the
 * loop after each stage: the records, then the finished events. */
struct commit_group {
	struct worker_job work;     /* first: the job is the group */
	struct ycdl_session *session;
	struct commit_member *m;
	size_t count;
	unsigned int file_mode;
	bool moving;                /* in the second stage */
	struct store_ticket journal;  /* what the second stage syncs */
	int journal_rc;             /* YCDL_E_*: "finished" is not recorded */
	char *journal_message;      /* why, when the worker's sync failed */
	struct queue out;           /* in the commit's groups out */
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
	queue_init(&c->out);
	c->timer = evtimer_new(s->loop.base, on_timer, s);
	return c->timer ? 0 : error_set(YCDL_E_NOMEM, "out of memory");
}

void commit_free(struct commit *c)
{
	if (c->timer)
		event_free(c->timer);
	for (size_t i = 0; i < c->count; i++)
		partfile_close(c->entries[i].fd);
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
			t->commit_stage = COMMIT_WAITING;
			c->held++;
			start_group(s, &entry, 1);
			return;
		}
		c->entries = entries;
		c->cap = cap;
	}
	c->entries[c->count++] = entry;
	t->commit_stage = COMMIT_WAITING;
	/* The task keeps its download slot until committed: "at most N at
	 * once" stays true of what the statuses say. So waiting only makes
	 * sense while other transfers may join, and never once every slot is
	 * waiting. A group starts once half the slots wait in it: its work
	 * then runs on the worker while the other half download. */
	c->held++;
	if (c->count >= MAX_GROUP || scheduler_running_count(s) == 0 ||
	    2 * c->count >= scheduler_max_concurrent(s) ||
	    c->held >= scheduler_max_concurrent(s))
		commit_flush(s);
	else if (!evtimer_pending(c->timer, NULL))
		evtimer_add(c->timer, &tv);
}

/* The task leaves the commit, and its download slot is free. */
static void release_slot(struct ycdl_session *s, struct task *t)
{
	t->commit_stage = COMMIT_NONE;
	t->run->in_commit = NULL;
	s->commit.held--;
	scheduler_give_back_slot(s);
}

/* A task taken out of its commit keeps what it holds: its bytes are synced
 * and claimed, as a checkpoint would (the next start fetches only the
 * overlap a resume compares, which ends the file). Through the descriptor the
 * transfer left while the path still names its file, else the file opened
 * again; the entry's descriptor is closed. */
static void claim_delivered(struct commit_entry *e)
{
	struct task *t = e->task;
	int fd = e->fd;

	if (fd >= 0 && partfile_still_at(task_part_path(t), &e->part) != 0) {
		partfile_close(fd);
		fd = -1;
	}
	if (fd < 0)
		fd = open(task_part_path(t), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	e->fd = -1;
	if (fd < 0)
		return;
	if (util_sync_data(fd) == 0)
		t->synced_offset = t->offset;
	partfile_close(fd);
}

void commit_settle(struct ycdl_session *s, struct task *t)
{
	if (t->commit_stage == COMMIT_RECORDED)
		worker_finish(&s->worker, &t->run->in_commit->group->work);
}

void commit_cancel(struct ycdl_session *s, struct task *t)
{
	struct commit *c = &s->commit;

	commit_settle(s, t);    /* callers settle first, to see its status */
	if (t->commit_stage == COMMIT_OUT) {
		/* Its group's file work is out: the group goes on without it (its
		 * data is synced all the same), and its digest goes with the
		 * group. */
		partfile_release_claim(t->run->in_commit->fd);   /* a resume may claim it */
		t->run->in_commit->left_key = strdup(t->key);     /* NULL: not claimed */
		t->run->in_commit->left_offset = t->offset;
		t->run->in_commit->task = NULL;
		release_slot(s, t);
		return;
	}
	if (t->commit_stage != COMMIT_WAITING)
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

/* ------------------------------------------------------ on the worker */

/* Records why m failed: the code, and the message the failing call left
 * on this thread (the loop cannot read it). */
static void member_failed(struct commit_member *m, int rc)
{
	m->rc = rc;
	free(m->message);
	m->message = strdup(ycdl_last_error_message());
}

/* Each part file is given its final mode and synced through one
 * descriptor: the transfer's, else one opened here. The path that will be
 * moved must still name the file the descriptor holds: a part file
 * swapped for a symlink (or anything else) midway is never published. */
static void check_members(struct commit_group *g)
{
	struct commit_member *m = g->m;

	for (size_t i = 0; i < g->count; i++) {
		if (m[i].rc != 0)
			continue;
		int rc = m[i].fd >= 0 ? partfile_still_at(m[i].part_path, &m[i].part)
			: partfile_open_finished(m[i].part_path, &m[i].fd, &m[i].part.dev);

		if (rc != 0)
			member_failed(&m[i], rc);
		else
			(void)fchmod(m[i].fd, (mode_t)g->file_mode);
	}
}

/* A failed sync of m's data (errno set) as the library's error. */
static int sync_error(const struct commit_member *m)
{
	return error_set(error_from_errno(errno), "cannot sync the downloaded "
			"file %s: %s", m->part_path, strerror(errno));
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
				member_failed(&m[i], sync_error(&m[i]));
			done = true;
		}
#endif
		/* fsync, not fdatasync: the mode check_members gave it must
		 * last too (syncfs above keeps everything). */
		if (!done && util_sync_file(m[i].fd) != 0)
			member_failed(&m[i], sync_error(&m[i]));
	}
}

/* A name an earlier member of the group chose is taken: it is not on disk
 * yet, but it will be before this member's file. */
struct chosen {
	const struct commit_group *g;
	size_t before;
};

static bool chosen_in_group(const char *name, const void *arg)
{
	const struct chosen *c = arg;

	for (size_t k = 0; k < c->before; k++)
		if (c->g->m[k].rc == 0 && c->g->m[k].dest &&
		    strcmp(c->g->m[k].dest, name) == 0)
			return true;
	return false;
}

static bool same_folder(const char *a, const char *b)
{
	const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');

	return sa && sb && sa - a == sb - b && strncmp(a, b, (size_t)(sa - a)) == 0;
}

static const char *part_of(const struct commit_member *m)
{
	return m->part_path;
}

static const char *dest_of(const struct commit_member *m)
{
	return m->dest;
}

/* A name made or moved in a folder is durable once the folder is synced:
 * once per folder, for the part files' names or the moved files'. */
static void sync_folders(struct commit_member *m, size_t count,
		const char *(*name)(const struct commit_member *))
{
	for (size_t i = 0; i < count; i++) {
		bool done = false;

		if (m[i].rc != 0)
			continue;
		for (size_t k = 0; k < i && !done; k++)
			done = m[k].rc == 0 && same_folder(name(&m[k]), name(&m[i]));
		if (!done)
			(void)util_fsync_parent_dir(name(&m[i]));
	}
}

/* Stage one: each file checked and named, what is left of each SHA-256,
 * then the data. */
static bool run_file_work(struct worker_job *work)
{
	struct commit_group *g = (struct commit_group *)work;
	int rc;

	check_members(g);
	for (size_t i = 0; i < g->count; i++) {
		struct commit_member *m = &g->m[i];

		struct chosen earlier = { g, i };

		if (m->rc == 0 && (rc = partfile_choose_dest(m->want_dest, m->conflict,
				chosen_in_group, &earlier, &m->dest)) != 0)
			member_failed(m, rc);
		if (m->rc != 0 || !m->hashes || !m->digest || m->to <= m->from)
			continue;
		if ((rc = digest_update_from_fd(m->digest, m->fd, m->from,
				m->to - m->from)) != 0)
			member_failed(m, error_set(rc, "cannot hash the downloaded file %s",
					m->part_path));
	}
	sync_members(g->m, g->count);
	/* The journal is about to say "finished": the part file a restart
	 * would place must be at its name after a power cut, not only its
	 * bytes (a part file made since its folder was last synced). */
	sync_folders(g->m, g->count, part_of);
	return false;
}

/* Stage two: "finished" durable in the journal, then every file moved. A
 * journal that cannot say so gets no file moved: the next process would
 * not know the file is ours. */
static bool run_moves(struct worker_job *work)
{
	struct commit_group *g = (struct commit_group *)work;
	int rc;

	if (g->journal_rc)
		return false;
	if ((g->journal_rc = store_ticket_sync(&g->journal)) != 0) {
		g->journal_message = strdup(ycdl_last_error_message());
		return false;
	}
	for (size_t i = 0; i < g->count; i++) {
		struct commit_member *m = &g->m[i];

		if (m->rc == 0 && (rc = partfile_place(m->part_path, m->dest,
				m->conflict == YCDL_CONFLICT_OVERWRITE)) != 0)
			member_failed(m, rc);
	}
	sync_folders(g->m, g->count, dest_of);
	return false;
}

/* ------------------------------------------------------ back on the loop */

/* Lets go of the member's part file, and so of its claim. */
static void release_part(struct commit_member *m)
{
	partfile_close(m->fd);
	m->fd = -1;
}

/* The task leaves its group with its slot free; a failed member leaves it
 * failed (a name taken when it was chosen, before the moves, is its own
 * error). */
static void leave_group(struct ycdl_session *s, struct commit_member *m)
{
	struct task *t = m->task;

	m->task = NULL;
	release_part(m);
	release_slot(s, t);
	if (m->rc != 0)
		outcome_fail(s, t, m->rc, m->message ? m->message
				: ycdl_strerror(m->rc), 0, false, 0);
}

static void free_names(struct commit_member *m)
{
	free(m->left_key);
	free(m->part_path);
	free(m->want_dest);
	free(m->dest);
	free(m->message);
}

/* Gives each task its digest back and its hex SHA-256 set, and its chosen
 * name; a member taken out meanwhile (paused, cancelled, removed) is
 * dropped from the group, a member that failed leaves it. */
/* m's task left the group while its data was being synced: if it is
 * still the same task, idle, on the same part file with the same bytes,
 * the synced bytes are its claim now. */
static void claim_synced(struct ycdl_session *s, const struct commit_member *m)
{
	struct task *t = m->left_key ? tasks_find(&s->tasks, m->left_key) : NULL;
	const struct partfile_id *part = t ? task_claimed_part(t) : NULL;

	if (!part || m->rc != 0 || t->transfer || t->commit_stage != COMMIT_NONE ||
	    part->dev != m->part.dev || part->ino != m->part.ino ||
	    t->offset != m->left_offset || t->synced_offset >= t->offset)
		return;
	t->synced_offset = t->offset;
	persist_mark(s, t);
}

static void collect_members(struct ycdl_session *s, struct commit_group *g)
{
	struct commit_member *m = g->m;
	size_t kept = 0;

	for (size_t i = 0; i < g->count; i++) {
		struct task *t = m[i].task;

		if (!t) {
			claim_synced(s, &m[i]);
			digest_free(m[i].digest);
			release_part(&m[i]);
			free_names(&m[i]);
			continue;
		}
		if (m[i].rc == 0 && strcmp(m[i].dest, t->dest_path) != 0 &&
		    !tasks_set_dest(&s->tasks, t, m[i].dest))
			member_failed(&m[i], error_set(YCDL_E_NOMEM, "out of memory"));
		if (m[i].hashes) {
			int rc;

			download_hash_take_back(t, m[i].rc == 0 ? m[i].digest : NULL, m[i].to);
			if (m[i].rc != 0)
				digest_free(m[i].digest);
			else if ((rc = download_hash_finish(s, t)) != 0)
				member_failed(&m[i], rc);
		}
		m[kept] = m[i];
		t->run->in_commit = &m[kept];
		if (m[kept].rc != 0)
			leave_group(s, &m[kept]);
		kept++;
	}
	g->count = kept;
}

/* Writes "finished" for each file still in the group (the status itself
 * follows once the file is in place) and takes the ticket the moves sync
 * the journal with. Returns false when no file is left to move. */
static bool record_finished(struct ycdl_session *s, struct commit_group *g)
{
	size_t left = 0;

	for (size_t i = 0; i < g->count; i++) {
		struct task *t = g->m[i].task;

		if (!t)
			continue;
		task_clear_error(t);
		t->synced_offset = t->offset;
		t->commit_stage = COMMIT_RECORDED;
		persist_mark(s, t);
		left++;
	}
	if (left == 0)
		return false;
	if ((g->journal_rc = persist_write_marked(s)) == 0)
		g->journal_rc = store_ticket_take(&s->store, &g->journal);
	return true;
}

/* Every file left fails with the journal's error and stays a part file. */
static void fail_unrecorded(struct ycdl_session *s, struct commit_group *g)
{
	char message[1100];

	snprintf(message, sizeof(message), "cannot record the finished file: %s",
			g->journal_message ? g->journal_message : ycdl_last_error_message());
	for (size_t i = 0; i < g->count; i++) {
		struct task *t = g->m[i].task;

		if (!t)
			continue;
		leave_group(s, &g->m[i]);
		outcome_fail(s, t, g->journal_rc, message, 0, false, 0);
	}
}

static void end_group(struct commit_group *g)
{
	queue_remove(&g->out);
	for (size_t i = 0; i < g->count; i++) {
		release_part(&g->m[i]);
		free_names(&g->m[i]);
	}
	if (g->journal.fd >= 0)
		close(g->journal.fd);
	free(g->journal_message);
	free(g->m);
	free(g);
}

/* Stage two is back: each file is in place and finished, or failed. */
static void on_moves_done(struct worker_job *work)
{
	struct commit_group *g = (struct commit_group *)work;
	struct ycdl_session *s = g->session;

	if (g->journal_rc) {
		fail_unrecorded(s, g);
		end_group(g);
		return;
	}
	store_ticket_done(&s->store, &g->journal);
	for (size_t i = 0; i < g->count; i++) {
		struct commit_member *m = &g->m[i];
		struct task *t = m->task;

		if (!t)
			continue;
		leave_group(s, m);
		if (m->rc == 0) {
			status_show(s, t, YCDL_STATUS_FINISHED);
			emit_finished(s, t);
		}
	}
	end_group(g);
}

/* Stage one is back: the group's files are recorded finished, then sent
 * to be moved. */
static void on_file_work_done(struct worker_job *work)
{
	struct commit_group *g = (struct commit_group *)work;
	struct ycdl_session *s = g->session;

	collect_members(s, g);
	if (!record_finished(s, g)) {
		end_group(g);
		return;
	}
	g->moving = true;
	g->work.run = run_moves;
	g->work.done = on_moves_done;
	if (g->journal_rc || worker_post(&s->worker, &g->work) != 0) {
		run_moves(&g->work);
		on_moves_done(&g->work);
	}
}

/* Each member that hashes takes its task's digest along. */
static void hand_over_digests(struct ycdl_session *s, struct commit_member *m,
		size_t count)
{
	for (size_t i = 0; i < count; i++) {
		struct task *t = m[i].task;

		t->run->in_commit = &m[i];
		t->commit_stage = COMMIT_OUT;
		if (m[i].rc != 0 || !task_hashed_by_commit(s, t))
			continue;
		m[i].hashes = true;
		download_hash_hand_over(s, t, &m[i].digest, &m[i].from);
		m[i].to = t->offset;
	}
}

static void fail_entries(struct ycdl_session *s, struct commit_entry *entries,
		size_t count)
{
	for (size_t i = 0; i < count; i++) {
		release_slot(s, entries[i].task);
		partfile_close(entries[i].fd);
		outcome_fail(s, entries[i].task, YCDL_E_NOMEM, "out of memory",
				0, true, 0);
	}
}

/* Sends a group of files to the worker for its file work (or does
 * it here when the thread cannot start). With nothing to hash the thread
 * still does it: a handover costs ~30 us, a sync on a real disk
 * milliseconds that every download would wait for on the loop. */
static void start_group(struct ycdl_session *s, struct commit_entry *entries,
		size_t count)
{
	struct commit *c = &s->commit;
	struct commit_group *g = calloc(1, sizeof(*g));
	struct commit_member *m = calloc(count, sizeof(*m));

	if (!g || !m) {
		free(g);
		free(m);
		fail_entries(s, entries, count);
		return;
	}
	for (size_t i = 0; i < count; i++) {
		struct task *t = entries[i].task;

		m[i].task = t;
		m[i].group = g;
		m[i].fd = entries[i].fd;
		m[i].part = entries[i].part;
		m[i].conflict = t->conflict;
		if (!(m[i].want_dest = strdup(t->dest_path)) ||
		    !(m[i].part_path = strdup(task_part_path(t))))
			member_failed(&m[i], error_set(YCDL_E_NOMEM, "out of memory"));
	}
	hand_over_digests(s, m, count);
	g->work.run = run_file_work;
	g->work.done = on_file_work_done;
	g->session = s;
	g->m = m;
	g->count = count;
	g->file_mode = s->cfg.file_mode;
	g->journal.fd = -1;
	queue_insert_tail(&c->out, &g->out);
	if (worker_post(&s->worker, &g->work) != 0) {
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
	struct queue *q;

	while ((q = queue_first(&s->commit.out)) != NULL)
		worker_finish(&s->worker, &QUEUE_DATA(q, struct commit_group, out)->work);
}
