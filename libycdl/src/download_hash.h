/* download_hash.h — the running SHA-256 of a download, computed off the
 * loop thread: a job on the session's worker (worker.h) reads the bytes
 * back from the page cache behind the writes, one slice per turn, and is
 * extended as the download goes on, so one job follows it from its first
 * megabyte to its last; the loop goes on receiving. What is left when the
 * download ends (all of a small file) is hashed by the group commit's file
 * work on the same worker (commit.c). The loop hashes only what the worker
 * failed to, and a file whose checksum it must compare before the commit.
 * The digest covers exactly bytes [0, task->hashed) whenever no job is
 * out. Errors are YCDL_E_* codes. */
#ifndef YCDL_DOWNLOAD_HASH_H
#define YCDL_DOWNLOAD_HASH_H

#include <stddef.h>
#include <stdint.h>

struct ycdl_session;
struct task;
struct transfer;
struct digest;

/* Sets the digest up for x's task (whose part file x->fd holds
 * task->offset bytes) and starts catching up if it is behind. */
int download_hash_start(struct ycdl_session *s, struct transfer *x);

/* To be called with len bytes just written at task->offset (before the
 * offset moves past them). */
void download_hash_wrote(struct transfer *x, size_t len);

/* For a segmented task (segments.h): bytes [0, end) are all written now. */
void download_hash_reached(struct ycdl_session *s, struct transfer *x,
		uint64_t end);

/* Hands t's digest over to the group commit (waiting for a job out, if
 * any): *digest covers bytes [0, *from) of the part file and may be NULL
 * when out of memory. t has no digest until download_hash_take_back. */
void download_hash_hand_over(struct ycdl_session *s, struct task *t,
		struct digest **digest, uint64_t *from);

/* Gives t the digest back, now covering [0, hashed). */
void download_hash_take_back(struct task *t, struct digest *digest,
		uint64_t hashed);

/* Waits for the job out for t, if any, hashes whatever is still missing
 * from the part file, then sets task->sha256_hex to the hex SHA-256 of the
 * task's task->offset bytes. Returns 0 or a YCDL_E_* code. */
int download_hash_finish(struct ycdl_session *s, struct task *t);

/* Drops what was hashed (the task starts from zero, or goes away); a job
 * still out is abandoned and frees itself when it comes back. */
void download_hash_forget(struct ycdl_session *s, struct task *t);

#endif
