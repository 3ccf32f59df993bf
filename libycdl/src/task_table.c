/* task_table.c — the session's table of tasks: three indexes, one ordered
 * list, and the counts by status. */
#define _POSIX_C_SOURCE 200809L
#include "task_table.h"

#include "util.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void tasks_init(struct tasks *tasks)
{
	memset(tasks, 0, sizeof(*tasks));
	/* The tasks hold the keys: the indexes keep only the tasks. */
	strmap_init_keyed(&tasks->by_key, offsetof(struct task, key));
	strmap_init_keyed(&tasks->by_url, offsetof(struct task, url));
	strmap_init_keyed(&tasks->by_dest, offsetof(struct task, dest_path));
	queue_init(&tasks->all);
	queue_init(&tasks->dirty);
	queue_init(&tasks->restored);
	tasks->next_order = 1;
}

static void free_list(struct queue *list)
{
	struct queue *q;

	while ((q = queue_pop(list)) != NULL)
		task_free(QUEUE_DATA(q, struct task, all));
}

void tasks_free(struct tasks *tasks)
{
	if (!tasks->all.next)
		return;     /* never initialised */
	free_list(&tasks->all);
	free_list(&tasks->restored);
	strmap_free(&tasks->by_key);
	strmap_free(&tasks->by_url);
	strmap_free(&tasks->by_dest);
	memset(tasks, 0, sizeof(*tasks));
}

/* Restored tasks arrive mostly in order, so the walk from the tail is
 * short; new tasks always go last. */
static void link_ordered(struct tasks *tasks, struct task *t)
{
	struct queue *q;

	for (q = tasks->all.prev; q != &tasks->all; q = q->prev)
		if (QUEUE_DATA(q, struct task, all)->order <= t->order)
			break;
	queue_insert_after(q, &t->all);
}

/* The three indexes and the counts; false on ENOMEM (nothing changed). */
static bool index_task(struct tasks *tasks, struct task *t)
{
	if (!strmap_put(&tasks->by_key, t->key, t))
		return false;
	if (!strmap_put(&tasks->by_url, t->url, t)) {
		strmap_remove(&tasks->by_key, t->key);
		return false;
	}
	if (!strmap_put(&tasks->by_dest, t->dest_path, t)) {
		strmap_remove(&tasks->by_key, t->key);
		strmap_remove(&tasks->by_url, t->url);
		return false;
	}
	if (t->order >= tasks->next_order)
		tasks->next_order = t->order + 1;
	tasks->count++;
	tasks->status_count[t->status]++;
	return true;
}

bool tasks_insert(struct tasks *tasks, struct task *t)
{
	if (!index_task(tasks, t))
		return false;
	link_ordered(tasks, t);
	/* A new task that is pending makes "all finished" due, even when
	 * it fails in the turn it was added in (status.h). */
	if (task_status_is_pending(t->status))
		tasks->was_busy = true;
	return true;
}

bool tasks_insert_restored(struct tasks *tasks, struct task *t)
{
	if (!index_task(tasks, t))
		return false;
	queue_insert_tail(&tasks->restored, &t->all);
	return true;
}

static int by_order(const void *a, const void *b)
{
	uint64_t x = (*(struct task *const *)a)->order;
	uint64_t y = (*(struct task *const *)b)->order;

	return x < y ? -1 : x > y;
}

void tasks_order_restored(struct tasks *tasks)
{
	size_t n = 0, i = 0;
	struct task **sorted;
	struct queue *q;

	QUEUE_FOREACH(q, &tasks->restored)
		n++;
	if (!(sorted = malloc((n ? n : 1) * sizeof(*sorted)))) {
		/* Without memory to sort, each finds its place the slow way. */
		while ((q = queue_pop(&tasks->restored)) != NULL)
			link_ordered(tasks, QUEUE_DATA(q, struct task, all));
		return;
	}
	while ((q = queue_pop(&tasks->restored)) != NULL)
		sorted[i++] = QUEUE_DATA(q, struct task, all);
	qsort(sorted, n, sizeof(*sorted), by_order);
	for (i = 0; i < n; i++)
		link_ordered(tasks, sorted[i]);
	free(sorted);
}

void tasks_unlink(struct tasks *tasks, struct task *t)
{
	/* A task going away must not stay in the list of snapshots to write. */
	queue_remove(&t->dirty);
	strmap_remove(&tasks->by_key, t->key);
	if (strmap_get(&tasks->by_url, t->url) == t)
		strmap_remove(&tasks->by_url, t->url);
	if (strmap_get(&tasks->by_dest, t->dest_path) == t)
		strmap_remove(&tasks->by_dest, t->dest_path);
	queue_remove(&t->all);
	tasks->count--;
	tasks->status_count[t->status]--;
}

struct task *tasks_find(const struct tasks *tasks, const char *key)
{
	return strmap_get(&tasks->by_key, key);
}

struct task *tasks_find_url(const struct tasks *tasks, const char *url)
{
	return strmap_get(&tasks->by_url, url);
}

struct task *tasks_find_dest(const struct tasks *tasks, const char *dest)
{
	return strmap_get(&tasks->by_dest, dest);
}

bool tasks_set_dest(struct tasks *tasks, struct task *t, const char *dest)
{
	char *copy = strdup(dest);

	/* The part file's name is made first (task_move_dest), so that
	 * nothing fails once the index has let go of the old name. */
	if (!copy || !task_part_path(t)) {
		free(copy);
		return false;
	}
	if (strmap_get(&tasks->by_dest, t->dest_path) == t)
		strmap_remove(&tasks->by_dest, t->dest_path);
	(void)task_move_dest(t, copy);
	/* Without memory for the index entry the task stays findable by key;
	 * only the duplicate-destination check loses it. */
	(void)strmap_put(&tasks->by_dest, t->dest_path, t);
	return true;
}

size_t tasks_pending(const struct tasks *tasks)
{
	return tasks->status_count[YCDL_STATUS_WAITING] +
		tasks->status_count[YCDL_STATUS_DOWNLOADING] +
		tasks->status_count[YCDL_STATUS_WAITING_FOR_NETWORK];
}
