/* status.c — see status.h. */
#include "status.h"

#include "events.h"
#include "persist.h"
#include "session.h"
#include "task.h"
#include "task_table.h"

void status_show(struct ycdl_session *s, struct task *t, int new_status)
{
	int old = t->status;

	if (old == new_status)
		return;
	s->tasks.status_count[old]--;
	s->tasks.status_count[new_status]++;
	t->status = new_status;
	/* Something became pending: "all finished" follows once nothing is,
	 * even when it fails the moment it starts. */
	if (task_status_is_pending(new_status))
		s->tasks.was_busy = true;
	emit_status_changed(s, t, old, new_status);
	group_note(s, t, true);
}

void status_set(struct ycdl_session *s, struct task *t, int new_status)
{
	if (t->status == new_status)
		return;
	status_show(s, t, new_status);
	persist_mark(s, t);
}

void status_check_all_finished(struct ycdl_session *s)
{
	if (tasks_pending(&s->tasks) > 0) {
		s->tasks.was_busy = true;
	} else if (s->tasks.was_busy) {
		s->tasks.was_busy = false;
		emit_all_finished(s);
	}
}
