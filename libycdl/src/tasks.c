/* tasks.c — the task table: three indexes and one ordered list. */
#define _POSIX_C_SOURCE 200809L
#include "tasks.h"

#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void tasks_init(struct tasks *tasks)
{
	memset(tasks, 0, sizeof(*tasks));
	strmap_init(&tasks->by_key);
	strmap_init(&tasks->by_url);
	strmap_init(&tasks->by_dest);
	tasks->next_order = 1;
	tasks->dirty_tail = &tasks->dirty_head;
}

static void free_chain(struct task *t)
{
	while (t) {
		struct task *next = t->all_next;

		task_free(t);
		t = next;
	}
}

void tasks_free(struct tasks *tasks)
{
	free_chain(tasks->first);
	free_chain(tasks->restored);
	strmap_free(&tasks->by_key);
	strmap_free(&tasks->by_url);
	strmap_free(&tasks->by_dest);
	memset(tasks, 0, sizeof(*tasks));
}

/* Restored tasks arrive mostly in order, so the walk from the tail is
 * short; new tasks always go last. */
static void link_ordered(struct tasks *tasks, struct task *t)
{
	struct task *after = tasks->last;

	while (after && after->order > t->order)
		after = after->all_prev;
	t->all_prev = after;
	t->all_next = after ? after->all_next : tasks->first;
	if (t->all_next)
		t->all_next->all_prev = t;
	else
		tasks->last = t;
	if (after)
		after->all_next = t;
	else
		tasks->first = t;
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
	return true;
}

bool tasks_insert_restored(struct tasks *tasks, struct task *t)
{
	if (!index_task(tasks, t))
		return false;
	t->all_next = tasks->restored;
	tasks->restored = t;
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
	struct task **sorted, *t;

	for (t = tasks->restored; t; t = t->all_next)
		n++;
	sorted = malloc((n ? n : 1) * sizeof(*sorted));
	for (t = tasks->restored; t && sorted; t = t->all_next)
		sorted[i++] = t;
	if (sorted)
		qsort(sorted, n, sizeof(*sorted), by_order);
	/* Without memory to sort, each finds its place the slow way. */
	for (i = 0, t = tasks->restored; i < n; i++) {
		struct task *next = sorted ? NULL : t->all_next;

		link_ordered(tasks, sorted ? sorted[i] : t);
		t = next;
	}
	free(sorted);
	tasks->restored = NULL;
}

/* A task going away must not stay in the list of snapshots to write. */
static void forget_dirty(struct tasks *tasks, struct task *t)
{
	struct task **link = &tasks->dirty_head;

	if (!t->dirty)
		return;
	while (*link && *link != t)
		link = &(*link)->dirty_next;
	if (*link)
		*link = t->dirty_next;
	if (tasks->dirty_tail == &t->dirty_next)
		tasks->dirty_tail = link;
	t->dirty = false;
	t->dirty_next = NULL;
}

void tasks_unlink(struct tasks *tasks, struct task *t)
{
	forget_dirty(tasks, t);
	strmap_remove(&tasks->by_key, t->key);
	if (strmap_get(&tasks->by_url, t->url) == t)
		strmap_remove(&tasks->by_url, t->url);
	if (strmap_get(&tasks->by_dest, t->dest_path) == t)
		strmap_remove(&tasks->by_dest, t->dest_path);
	if (t->all_prev)
		t->all_prev->all_next = t->all_next;
	else
		tasks->first = t->all_next;
	if (t->all_next)
		t->all_next->all_prev = t->all_prev;
	else
		tasks->last = t->all_prev;
	t->all_prev = t->all_next = NULL;
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

	if (!copy)
		return false;
	if (strmap_get(&tasks->by_dest, t->dest_path) == t)
		strmap_remove(&tasks->by_dest, t->dest_path);
	util_free_string(t->dest_path);
	t->dest_path = copy;
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
