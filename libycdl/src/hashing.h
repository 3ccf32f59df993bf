/* hashing.h — the running SHA-256 of a download, computed off the loop
 * thread: the session's hashing thread (hasher.h) reads the bytes back from
 * the page cache behind the writes (one job that follows the download to
 * its end, from its first megabyte on), and the loop goes on receiving.
 * What is left when the download ends (all of a small file) is hashed by
 * the same thread as part of the group commit's file work (commit.c). The
 * loop hashes only what the thread failed to, and a file whose checksum it
 * must compare before the commit. The same thread catches up on a prefix
 * nobody hashed yet (a download continued by a new process). The digest
 * covers exactly bytes [0, task->hashed) whenever no job is out. */
#ifndef YCDL_HASHING_H
#define YCDL_HASHING_H

#include <stddef.h>
#include <stdint.h>

struct ycdl_session;
struct task;
struct transfer;
struct hash_job;
struct digest;

/* Sets the digest up for x's task (whose part file x->fd holds
 * task->offset bytes) and starts catching up if it is behind. */
int hashing_start(struct ycdl_session *s, struct transfer *x);

/* To be called with len bytes just written at task->offset (before the
 * offset moves past them). */
void hashing_wrote(struct transfer *x, size_t len);

/* Hands t's digest over to the group commit (waiting for a job out, if
 * any): *digest covers bytes [0, *from) of the part file and may be NULL
 * when out of memory. t has no digest until hashing_take_back. */
void hashing_hand_over(struct ycdl_session *s, struct task *t,
		struct digest **digest, uint64_t *from);

/* Gives t the digest back, now covering [0, hashed). */
void hashing_take_back(struct task *t, struct digest *digest, uint64_t hashed);

/* Waits for the job out for t, if any, hashes whatever is still missing
 * from the part file, then sets task->sha256_hex to the hex SHA-256 of the
 * task's task->offset bytes. Returns 0 or a negative errno. */
int hashing_finish(struct ycdl_session *s, struct task *t);

/* Drops what was hashed (the task starts from zero, or is freed); a job
 * still out is abandoned and frees itself when it comes back. */
void hashing_forget(struct task *t);

/* The hasher's done callback (arg is the session): takes a job's result
 * and gives the thread the next range if the download has moved on. */
void hashing_job_done(void *arg, struct hash_job *job);

#endif
