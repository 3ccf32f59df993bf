/* persist.c — see persist.h. */
#define _GNU_SOURCE
#include "persist.h"

#include "error.h"
#include "segmented_task.h"
#include "session.h"
#include "snapshot.h"
#include "store.h"
#include "task.h"
#include "task_table.h"

void persist_mark(struct ycdl_session *s, struct task *t)
{
	/* In the order marked, so the journal keeps the order of events. */
	if (queue_empty(&t->dirty))
		queue_insert_tail(&s->tasks.dirty, &t->dirty);
}

int persist_write_marked(struct ycdl_session *s)
{
	struct queue *q;
	int rc = 0, end;

	if (queue_empty(&s->tasks.dirty))
		return 0;
	store_begin_batch(&s->store);
	while ((q = queue_pop(&s->tasks.dirty)) != NULL) {
		struct task *t = QUEUE_DATA(q, struct task, dirty);
		struct snapshot_view view;

		if (snapshot_view_of(&view, t) != 0) {
			rc = rc ? rc : error_set(YCDL_E_NOMEM, "out of memory");
		} else {
			int put = store_put(&s->store, &view.snap);

			rc = rc ? rc : put;
			snapshot_view_release(&view);
		}
	}
	end = store_end_batch(&s->store);
	return rc ? rc : end;
}

struct compaction {
	const struct tasks *tasks;
	struct task *next;
	struct snapshot_view view;
	bool holding;
};

static int next_snapshot(void *ctx, const Ycdl__TaskSnapshot **out)
{
	struct compaction *c = ctx;
	struct task *t = c->next;

	if (c->holding)
		snapshot_view_release(&c->view);
	c->holding = false;
	*out = NULL;
	if (!t)
		return 0;
	c->next = tasks_next(c->tasks, t);
	if (snapshot_view_of(&c->view, t) != 0)
		return error_set(YCDL_E_NOMEM, "out of memory while compacting");
	c->holding = true;
	*out = &c->view.snap;
	return 0;
}

int persist_unclaim(struct ycdl_session *s, struct task *t)
{
	int rc;

	if (t->synced_offset == 0)
		return 0;
	t->synced_offset = 0;
	if (t->segs)
		segment_map_unclaim(&t->segs->map);
	persist_mark(s, t);
	if ((rc = persist_write_marked(s)) != 0)
		return rc;
	return store_flush(&s->store);
}

int persist_forget(struct ycdl_session *s, struct task *t)
{
	/* A finished task's bytes are its placed file, not a part file. */
	if (t->synced_offset == 0 || t->status == YCDL_STATUS_FINISHED)
		return 0;
	return store_flush(&s->store);
}

int persist_compact(struct ycdl_session *s)
{
	struct compaction c = { &s->tasks, tasks_first(&s->tasks),
		{ YCDL__TASK_SNAPSHOT__INIT, NULL, NULL, NULL }, false };
	int rc;

	persist_write_marked(s);    /* the rewrite supersedes them; keep order simple */
	rc = store_rewrite(&s->store, next_snapshot, &c);

	if (c.holding)
		snapshot_view_release(&c.view);
	return rc;
}

