/* task_table.h — the session's table of tasks: lookups by key, by original URL and
 * by destination, and the list of all tasks in their queue order. */
#ifndef YCDL_TASK_TABLE_H
#define YCDL_TASK_TABLE_H

#include "strmap.h"
#include "task.h"

#include <stddef.h>

struct tasks {
	struct strmap by_key;
	struct strmap by_url;
	struct strmap by_dest;
	struct queue all;            /* every task, ordered by task->order */
	size_t count;
	size_t status_count[YCDL_STATUS_WAITING_FOR_URL + 1];
	uint64_t next_order;
	struct queue dirty;          /* snapshots to write (persist.h) */
	bool was_busy;               /* something was pending since the last
					"all tasks finished" (status.h) */
	struct queue restored;       /* read back, not yet in order (see below) */
};

void tasks_init(struct tasks *tasks);
/* Frees every task; transfers must already be stopped. */
void tasks_free(struct tasks *tasks);
/* Takes ownership of t; false on ENOMEM (t not inserted). Keeps the list
 * ordered by t->order, so restored tasks may come in any order. */
bool tasks_insert(struct tasks *tasks, struct task *t);
/* The same for a task read back from disk: the journal holds tasks in any
 * order (the last record of each wins), so they are indexed now and put in
 * order all at once by tasks_order_restored, in O(n log n). */
bool tasks_insert_restored(struct tasks *tasks, struct task *t);
void tasks_order_restored(struct tasks *tasks);
/* Unlinks t (the caller frees it). */
void tasks_unlink(struct tasks *tasks, struct task *t);
struct task *tasks_find(const struct tasks *tasks, const char *key);
struct task *tasks_find_url(const struct tasks *tasks, const char *url);
struct task *tasks_find_dest(const struct tasks *tasks, const char *dest);
/* Changes t->dest_path, keeping the destination index right. */
bool tasks_set_dest(struct tasks *tasks, struct task *t, const char *dest);
/* The first task in order, and the one after t; NULL past the last. */
static inline struct task *tasks_first(const struct tasks *tasks)
{
	struct queue *q = queue_first(&tasks->all);

	return q ? QUEUE_DATA(q, struct task, all) : NULL;
}

static inline struct task *tasks_next(const struct tasks *tasks,
		const struct task *t)
{
	return t->all.next == &tasks->all ? NULL
		: QUEUE_DATA(t->all.next, struct task, all);
}

/* Tasks counted as pending by the all-finished signal. */
size_t tasks_pending(const struct tasks *tasks);

#endif
