/* hashing.h — the running SHA-256 of a download. The first megabyte is
 * hashed as it is written, so a small download never leaves the loop
 * thread; past it the session's hashing thread (hasher.h) reads the bytes
 * back from the page cache behind the writes (one job that follows the
 * download to its end), and the loop goes on receiving. The same thread catches up on a
 * prefix nobody hashed yet (a download continued by a new process). The
 * digest covers exactly bytes [0, task->hashed) whenever no job is out. */
#ifndef YCDL_HASHING_H
#define YCDL_HASHING_H

#include <stddef.h>

struct ycdl_session;
struct task;
struct transfer;
struct hash_job;

/* Sets the digest up for x's task (whose part file x->fd holds
 * task->offset bytes) and starts catching up if it is behind. */
int hashing_start(struct ycdl_session *s, struct transfer *x);

/* To be called with bytes just written at task->offset (before the offset
 * moves past them). */
void hashing_wrote(struct transfer *x, const void *data, size_t len);

/* Waits for the job out for t, if any, hashes whatever is still missing
 * from the part file, then gives the hex SHA-256 of the task's
 * task->offset bytes in *out (allocated). Returns 0 or a negative errno. */
int hashing_finish(struct ycdl_session *s, struct task *t, char **out);

/* Drops what was hashed (the task starts from zero, or is freed); a job
 * still out is abandoned and frees itself when it comes back. */
void hashing_forget(struct task *t);

/* The hasher's done callback (arg is the session): takes a job's result
 * and gives the thread the next range if the download has moved on. */
void hashing_job_done(void *arg, struct hash_job *job);

#endif
