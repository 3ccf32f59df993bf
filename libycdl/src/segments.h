/* segments.h — one file over several connections (aria2's -x, IDM): a
 * task whose size is known, whose server takes byte ranges and names the
 * file with a strong validator is cut into segments (segment_map.h), each
 * fetched by its own ranged request written in place (pwrite) into the one
 * part file.
 *
 * The task's own transfer (task->transfer, "the primary") keeps its slot,
 * its part file and everything a one-connection download has; the others
 * ("helpers") borrow its descriptor and live only while it does. When a
 * request's segment is done it takes more work (an orphaned segment, else
 * half of the largest one left: dynamic splitting, down to the session's
 * minimum piece); a primary with nothing left to take waits, out of curl,
 * for its helpers to end. Every piece's response is validated like a
 * resume (206, the exact Content-Range, the same strong validator, the
 * bytes before it when it continues a segment); any contradiction
 * restarts the whole file, never splices; a server that answers a range
 * with the whole file makes the task finish over one connection.
 *
 * A helper that fails leaves its segment to the others (after
 * SEGMENTS_MAX_HELPER_FAILURES in one run no more helpers start). The
 * segment map is in the task's snapshot: after a crash every segment
 * resumes from its own checkpoint. */
#ifndef YCDL_SEGMENTS_H
#define YCDL_SEGMENTS_H

#include "queue.h"
#include "segment_map.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>

struct ycdl_session;
struct task;
struct transfer;

#define SEGMENTS_MAX_HELPER_FAILURES 4

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

/* Makes t's map from a snapshot's segments (restore); 0 or an error. */
int segments_restore(struct task *t, uint64_t total,
		const uint64_t (*ranges)[3], size_t count);

/* Called with the n bytes just written at segment g: moves the prefix
 * (and the running hash behind it) on. */
void segments_wrote(struct ycdl_session *s, struct transfer *x,
		struct segment *g, size_t n);

/* x's request ended (curl's result): true when the segments took care of
 * it — x goes on with another segment, waits for its helpers, or was a
 * helper and is gone. False: the task's end is judged as for one
 * connection (completion.c), the helpers already stopped. */
bool segments_request_done(struct ycdl_session *s, struct transfer *x,
		CURLcode result);

/* Asks for t's helpers to be started at the end of the turn. */
void segments_want_helpers(struct ycdl_session *s, struct task *t);

/* Starts the helpers the tasks that asked for them may have (end of a
 * turn, never inside a curl callback). */
void segments_spawn_helpers(struct ycdl_session *s);

/* Stops t's helpers (their bytes stay, claimed by the next checkpoint)
 * and lets go of every segment's owner. Not from a curl callback. */
void segments_stop_helpers(struct ycdl_session *s, struct task *t);

/* Drops t's map (restart from zero, finished, task freed). */
void segments_forget(struct task *t);

#endif
