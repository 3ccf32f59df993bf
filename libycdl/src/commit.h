/* commit.h — the group commit of finished downloads.
 *
 * A finished file's data, then its "finished" snapshot, then its move into
 * place must each be durable before the next, or a crash could leave a
 * finished-looking file with missing bytes. Done one file at a time that is
 * two fsyncs per file (~0.4 ms each on an ordinary disk), which a burst of
 * small files pays thousands of times. Files that finish close together are
 * committed together instead: one sync of their data (syncfs on Linux), one
 * journal sync, then the moves and the finished events.
 *
 * A group goes to the session's worker twice while the loop goes on
 * with the other downloads: for its file work (the checks, the names, the
 * rest of each SHA-256, the data sync; with many small files the hashing
 * alone was a sixth of the loop's time), and, once the loop has written
 * "finished" for its files into the journal, for its moves (the journal
 * sync, the renames, the folder syncs: a slow disk's syncs never hold up
 * the loop). Its tasks keep their slots, and stay "downloading", until
 * their files are in place, so a group starts once half the slots wait in
 * it. A task paused or removed during the file work is taken out of the
 * group (commit_cancel) and the rest goes on; during the moves it is
 * finished already in the journal, so a call about it waits for the moves
 * (commit_settle) and then finds it finished. */
#ifndef YCDL_COMMIT_H
#define YCDL_COMMIT_H

#include "partfile.h"
#include "queue.h"

#include <stddef.h>

struct ycdl_session;
struct task;
struct event;
struct commit_group;

/* A task waiting for its group, and the descriptor of its part file the
 * transfer left open (-1: the commit opens the file itself). */
struct commit_entry {
	struct task *task;
	int fd;
	struct partfile_id part;   /* which file fd holds */
};

struct commit {
	struct commit_entry *entries;  /* verified, waiting for their group */
	size_t count, cap;
	unsigned int held;             /* tasks here (waiting or out), each
					  holding its download slot */
	struct event *timer;
	struct queue out;              /* groups out on the worker */
};

int commit_init(struct commit *c, struct ycdl_session *s);
void commit_free(struct commit *c);

/* Queues t, whose bytes are all in its part file and verified, to be
 * named (its destination, or a free name beside it when that is taken and
 * t's conflict policy says so), synced, recorded finished and moved into
 * place with the next group. fd is the part file (the file part) open
 * for writing, or -1; the commit owns it from here. */
void commit_enqueue(struct ycdl_session *s, struct task *t, int fd,
		const struct partfile_id *part);

/* Waits until t's file is in place when t's group is moving it: call it
 * before judging t's status for a pause, cancel or removal. */
void commit_settle(struct ycdl_session *s, struct task *t);

/* Takes t out of the waiting group (paused, cancelled or removed first);
 * its data stays in the part file. */
void commit_cancel(struct ycdl_session *s, struct task *t);

/* Starts the waiting group's commit now. */
void commit_flush(struct ycdl_session *s);

/* Commits the waiting group and waits for every group out (the session is
 * closing). */
void commit_finish_all(struct ycdl_session *s);

#endif
