/* hashing.h — the running SHA-256 of a download. It follows the bytes as
 * they are written; when it is behind (a download continued by a new
 * process starts with a prefix nobody hashed yet) it catches up from the
 * part file one slice per loop turn, so the loop never stalls on a big
 * prefix. The digest always covers exactly bytes [0, task->hashed). */
#ifndef YCDL_HASHING_H
#define YCDL_HASHING_H

#include <stddef.h>

struct ycdl_session;
struct task;
struct transfer;

/* Sets the digest up for x's task (whose part file x->fd holds
 * task->offset bytes) and starts catching up if it is behind. */
int hashing_start(struct ycdl_session *s, struct transfer *x);

/* To be called with bytes just written at task->offset (before the offset
 * moves past them). */
void hashing_wrote(struct transfer *x, const void *data, size_t len);

/* Stops catching up (the transfer is going away); the digest keeps what it
 * covers, so the next transfer continues from there. */
void hashing_stop(struct transfer *x);

/* Hashes whatever is still missing from the part file, then gives the hex
 * SHA-256 of the task's task->offset bytes in *out (allocated). Returns 0
 * or a negative errno. */
int hashing_finish(struct task *t, char **out);

#endif
