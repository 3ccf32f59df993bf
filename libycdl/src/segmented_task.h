/* segmented_task.h — what a task holds when its file is fetched over
 * several connections (segments.h says how they run): its segment map,
 * the prefix its running SHA-256 may read, its helpers, and the readings
 * of them the rest of the library takes (how many connections, how many
 * bytes from 0). Below the transfers, so that a request, a snapshot and
 * an event can all reach it. */
#ifndef YCDL_SEGMENTED_TASK_H
#define YCDL_SEGMENTED_TASK_H

#include "queue.h"
#include "segment_map.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ycdl_session;
struct task;
struct transfer;

/* A segmented task's runtime (task->segs). */
struct segments {
	struct task *task;
	struct segment_map map;
	uint64_t prefix;              /* segment_map_prefix(map, false), kept */
	struct queue helpers;         /* struct transfer (helper_link) */
	unsigned int helper_count;
	unsigned int helper_failures; /* in this run of the task */
	struct queue spawn_link;      /* in the session's tasks wanting helpers */
};

/* The connections t may use: its own setting, else the session's. */
unsigned int segments_wanted(const struct ycdl_session *s, const struct task *t);

/* The connections t uses now (0 when it is not downloading). */
unsigned int segments_in_use(const struct task *t);

/* Bytes of t from 0 without a gap: its offset, or the map's prefix. */
uint64_t segments_prefix(const struct task *t);

/* From the first response of a task's request for the whole file (or
 * the rest of it) once its size and validators are judged: cuts the file
 * when t may use several connections, x keeping the first segment; the
 * helpers start at the end of the turn. 0, or YCDL_E_NOMEM. */
int segments_begin(struct ycdl_session *s, struct task *t, struct transfer *x);

/* Makes t's map from a snapshot's segments (restore): ranges are
 * {start, end, synced} in order; 0, or YCDL_E_STORE when they do not
 * cover the file. */
int segments_restore(struct task *t, uint64_t total,
		const uint64_t (*ranges)[3], size_t count);

/* Bytes were just written at segment g by x: a complete segment lets go
 * of x (x->piece_done). True when the prefix moved (the running hash may
 * follow it: t->segs->prefix). */
bool segments_wrote(struct transfer *x, struct segment *g);

/* Asks for t's helpers to be started at the end of the turn. */
void segments_want_helpers(struct ycdl_session *s, struct task *t);

/* Drops t's map (restart from zero, finished, task freed); its helpers
 * must be gone. */
void segments_forget(struct task *t);

#endif
