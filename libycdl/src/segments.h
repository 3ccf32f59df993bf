/* segments.h — running one file over several connections (aria2's -x,
 * IDM); segmented_task.h holds what the task keeps of it. A
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

#include "segmented_task.h"

#include <curl/curl.h>
#include <stdbool.h>

struct ycdl_session;
struct transfer;

#define SEGMENTS_MAX_HELPER_FAILURES 4

/* curl finished x's request (the multi's done function, instead of
 * completion_request_done): a segmented task's request goes on with
 * another segment, waits for its helpers, or — a helper — ends here;
 * everything else (and the primary's last end, its helpers stopped) is
 * completion_request_done's. */
void segments_request_done(struct ycdl_session *s, struct transfer *x,
		CURLcode result);

/* Starts the helpers the tasks that asked for them may have (end of a
 * turn, never inside a curl callback). */
void segments_spawn_helpers(struct ycdl_session *s);

#endif
