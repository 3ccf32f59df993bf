/* completion.h — a task's requests from start to end: starting one in the
 * slot the scheduler gave it, and what its end means for the task: finish
 * (verify, then the group commit places the file), restart from zero,
 * retry later, or fail. */
#ifndef YCDL_COMPLETION_H
#define YCDL_COMPLETION_H

#include <curl/curl.h>
#include <stdbool.h>

struct ycdl_session;
struct task;
struct transfer;

/* Starts t, which holds a slot (scheduler_take_next): its status turns
 * downloading, or it fails (or waits for a retry) and gives the slot back. */
void completion_start(struct ycdl_session *s, struct task *t);

/* curl finished x's request (the multi's done function): a redirect goes
 * on; otherwise the end is judged, the slot given back or kept, and x
 * freed. */
void completion_request_done(struct ycdl_session *s, struct transfer *x,
		CURLcode result);

/* Re-does the placement of a finished file interrupted by a crash. */
void completion_recover_finished(struct ycdl_session *s, struct task *t);

#endif
