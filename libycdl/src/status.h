/* status.h — the one place where a task's status changes: the table's
 * counts, the status_changed event, the snapshot, and the session's "all
 * tasks finished" signal all follow from here. */
#ifndef YCDL_STATUS_H
#define YCDL_STATUS_H

struct ycdl_session;
struct task;

/* Moves t to new_status and marks its snapshot to be written. */
void status_set(struct ycdl_session *s, struct task *t, int new_status);

/* The same but for the snapshot, for a status the journal holds already
 * (a finished file once it is in place, commit.c). */
void status_show(struct ycdl_session *s, struct task *t, int new_status);

/* Sends "all tasks finished" when nothing is pending any more and
 * something was since the last time (the seed's rule: paused and failed
 * tasks are not pending). Once per turn, at its end. */
void status_check_all_finished(struct ycdl_session *s);

#endif
