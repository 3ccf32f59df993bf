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
 * A group's file work (the rest of each SHA-256, the data sync) runs on the
 * session's hashing thread while the loop goes on with the other downloads:
 * with many small files the hashing alone was a sixth of the loop's time.
 * Its tasks keep their slots until the group is back, so a group starts
 * once half the slots wait in it. A task paused or removed meanwhile is
 * taken out of the group (commit_cancel) and the rest goes on. */
#ifndef YCDL_COMMIT_H
#define YCDL_COMMIT_H

#include "partfile.h"

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
	struct event *timer;
	struct commit_group *out;      /* groups whose file work is out */
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

/* Takes t out of the waiting group (paused, cancelled or removed first);
 * its data stays in the part file. */
void commit_cancel(struct ycdl_session *s, struct task *t);

/* Starts the waiting group's commit now. */
void commit_flush(struct ycdl_session *s);

/* Commits the waiting group and waits for every group out (the session is
 * closing). */
void commit_finish_all(struct ycdl_session *s);

#endif
