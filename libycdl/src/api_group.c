/* api_group.c — the public calls about groups: a task's group, a group's
 * figures and tasks, and the task calls for every task of a group at once,
 * each run as one command on the loop thread. */
#define _GNU_SOURCE
#include "api_group.h"
#include "api_query.h"
#include "api_remote.h"
#include "api_task.h"
#include "error.h"
#include "group.h"
#include "info_block.h"
#include "naming.h"
#include "persist.h"
#include "session.h"
#include "task.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static int check_group(const char *group)
{
	if (!naming_key_is_valid(group))
		return error_set(YCDL_E_INVALID, "group must be 1..200 bytes without "
				"control characters");
	return 0;
}

static struct group *find(struct ycdl_session *s, const char *name)
{
	struct group *g = group_find(&s->groups, name);

	if (!g)
		error_set(YCDL_E_NOT_FOUND, "no task is in group \"%s\"", name);
	return g;
}

/* ------------------------------------------------ a task's group */

struct set_group {
	const char *key;
	const char *group;      /* NULL: none */
};

static int run_set_group(struct ycdl_session *s, void *arg)
{
	const struct set_group *c = arg;
	struct task *t = tasks_find(&s->tasks, c->key);
	char *name;

	if (!t)
		return error_set(YCDL_E_NOT_FOUND, "no task with key \"%s\"", c->key);
	if (!(name = util_strdup_or_empty(c->group)))
		return error_set(YCDL_E_NOMEM, "out of memory");
	group_leave(s, t);
	util_free_string(t->group_name);
	t->group_name = name;
	persist_mark(s, t);
	if (!group_join(s, t, true))
		return error_set(YCDL_E_NOMEM, "out of memory");
	return 0;
}

int api_group_set(struct ycdl_session *s, const char *key, const char *group)
{
	struct set_group c = { key, group && *group ? group : NULL };
	int rc;

	if (!naming_key_is_valid(key))
		return error_set(YCDL_E_INVALID, "key must be 1..200 bytes without "
				"control characters");
	if (c.group && (rc = check_group(c.group)) != 0)
		return rc;
	return loop_on_thread(&s->loop) ? run_set_group(s, &c)
		: loop_call(&s->loop, run_set_group, &c);
}

YCDL_EXTERN int ycdl_task_set_group(ycdl_session *s, const char *key, const char *group)
{
	int rc;

	error_clear();
	if (!s)
		return error_set(YCDL_E_INVALID, "session is NULL");
	if (remote_set_group(&rc, s, key, group))
		return rc;
	return api_group_set(s, key, group);
}

/* ------------------------------------------------------ figures */

struct group_query {
	const char *name;
	ycdl_group_info *info;
	char **names;
	size_t count;
	unsigned int mask;
};

static int run_get_info(struct ycdl_session *s, void *arg)
{
	struct group_query *q = arg;
	struct group *g = find(s, q->name);
	ycdl_group_info figures;

	if (!g)
		return YCDL_E_NOT_FOUND;
	group_figures(g, &figures);
	if (!(q->info = info_block_group_copy(&figures)))
		return error_set(YCDL_E_NOMEM, "out of memory");
	return 0;
}

int api_group_get_info(struct ycdl_session *s, const char *group, ycdl_group_info **out)
{
	struct group_query q = { .name = group };
	int rc;

	if ((rc = check_group(group)) != 0)
		return rc;
	rc = loop_on_thread(&s->loop) ? run_get_info(s, &q)
		: loop_call(&s->loop, run_get_info, &q);
	*out = q.info;
	return rc;
}

YCDL_EXTERN int ycdl_group_get_info(ycdl_group_info **out, ycdl_session *s,
		const char *group)
{
	int rc;

	error_clear();
	if (!out || !s)
		return error_set(YCDL_E_INVALID, "out and session are required");
	*out = NULL;
	if (remote_group_info(&rc, s, out, group))
		return rc;
	return api_group_get_info(s, group, out);
}

/* ---------------------------------------------------------- lists */

static int add_name(struct group_query *q, const char *name, size_t cap)
{
	if (q->count == cap)
		return YCDL_E_INTERNAL;
	if (!(q->names[q->count] = strdup(name)))
		return error_set(YCDL_E_NOMEM, "out of memory");
	q->count++;
	return 0;
}

static int run_list_groups(struct ycdl_session *s, void *arg)
{
	struct group_query *q = arg;
	size_t cap = 0;
	struct queue *l;
	int rc = 0;

	QUEUE_FOREACH(l, &s->groups.all)
		cap++;
	if (!(q->names = calloc(cap ? cap : 1, sizeof(char *))))
		return error_set(YCDL_E_NOMEM, "out of memory");
	QUEUE_FOREACH(l, &s->groups.all)
		if (rc == 0)
			rc = add_name(q, QUEUE_DATA(l, struct group, link)->name, cap);
	return rc;
}

static int run_list_tasks(struct ycdl_session *s, void *arg)
{
	struct group_query *q = arg;
	struct group *g = find(s, q->name);
	int rc = 0;

	if (!g)
		return YCDL_E_NOT_FOUND;
	if (!(q->names = calloc(g->count ? g->count : 1, sizeof(char *))))
		return error_set(YCDL_E_NOMEM, "out of memory");
	/* The group's list is in joining order; the table's is the order
	 * added: walk the table's, which every list of tasks answers in. */
	for (struct task *t = tasks_first(&s->tasks); t && rc == 0;
			t = tasks_next(&s->tasks, t))
		if (t->group && t->group->group == g &&
		    (q->mask & YCDL_STATUS_BIT(t->status)))
			rc = add_name(q, t->key, g->count);
	return rc;
}

int api_group_list(struct ycdl_session *s, const char *group, unsigned int mask,
		char ***out, size_t *count)
{
	struct group_query q = { .name = group, .mask = mask };
	loop_fn fn = group ? run_list_tasks : run_list_groups;
	int rc;

	if (group && (rc = check_group(group)) != 0)
		return rc;
	rc = loop_on_thread(&s->loop) ? fn(s, &q) : loop_call(&s->loop, fn, &q);
	if (rc != 0) {
		ycdl_keys_free(q.names, q.count);
		return rc;
	}
	*out = q.names;
	*count = q.count;
	return 0;
}

YCDL_EXTERN int ycdl_group_list(char ***out_names, size_t *out_count, ycdl_session *s)
{
	int rc;

	error_clear();
	if (!out_names || !out_count || !s)
		return error_set(YCDL_E_INVALID, "out_names, out_count and session are "
				"required");
	if (remote_group_list(&rc, s, NULL, 0, out_names, out_count))
		return rc;
	return api_group_list(s, NULL, 0, out_names, out_count);
}

YCDL_EXTERN int ycdl_group_list_tasks(char ***out_keys, size_t *out_count,
		ycdl_session *s, const char *group, unsigned int mask)
{
	int rc;

	error_clear();
	if (!out_keys || !out_count || !s)
		return error_set(YCDL_E_INVALID, "out_keys, out_count and session are "
				"required");
	if (remote_group_list(&rc, s, group, mask, out_keys, out_count))
		return rc;
	return api_group_list(s, group, mask, out_keys, out_count);
}

/* ------------------------------------------------- the task calls */

struct group_call {
	const char *name;
	enum task_op op;
	const struct task_op_args *args;
};

/* The group's tasks in the table's order (the order added, which every
 * list of tasks answers in), *count of them; NULL when out of memory. */
static struct task **members_of(struct ycdl_session *s, const struct group *g,
		size_t *count)
{
	struct task **members = malloc(g->count * sizeof(*members));
	size_t n = 0;

	for (struct task *t = tasks_first(&s->tasks); t && members && n < g->count;
			t = tasks_next(&s->tasks, t))
		if (t->group && t->group->group == g)
			members[n++] = t;
	*count = n;
	return members;
}

/* The call for each task of the group, in one turn: nothing of the group
 * starts in between. A task the call does not apply to is left alone. */
static int run_group_call(struct ycdl_session *s, void *arg)
{
	const struct group_call *c = arg;
	struct group *g = find(s, c->name);
	struct task **members;
	size_t count;
	int rc = 0;

	if (!g)
		return YCDL_E_NOT_FOUND;
	/* Taken first: remove takes the group out with its last task. */
	if (!(members = members_of(s, g, &count)))
		return error_set(YCDL_E_NOMEM, "out of memory");
	/* Each call changes only its own task: the others stay where the
	 * list found them. */
	for (size_t i = 0; i < count && (rc == 0 || rc == YCDL_E_STATE); i++)
		rc = api_task_run(s, c->op, members[i]->key, c->args);
	free(members);
	if (rc != 0 && rc != YCDL_E_STATE)
		return rc;
	error_clear();
	return 0;
}

int api_group_run(struct ycdl_session *s, const char *group, enum task_op op,
		const struct task_op_args *args)
{
	struct group_call c = { group, op, args };
	int rc;

	if ((rc = check_group(group)) != 0)
		return rc;
	return loop_on_thread(&s->loop) ? run_group_call(s, &c)
		: loop_call(&s->loop, run_group_call, &c);
}

static int group_call(ycdl_session *s, const char *group, enum task_op op,
		const struct task_op_args *args)
{
	int rc;

	error_clear();
	if (!s)
		return error_set(YCDL_E_INVALID, "session is NULL");
	if (remote_group_call(&rc, s, group, op, args))
		return rc;
	return api_group_run(s, group, op, args);
}

YCDL_EXTERN int ycdl_group_start(ycdl_session *s, const char *group)
{
	struct task_op_args args = { 0 };

	return group_call(s, group, TASK_OP_START, &args);
}

YCDL_EXTERN int ycdl_group_pause(ycdl_session *s, const char *group)
{
	struct task_op_args args = { 0 };

	return group_call(s, group, TASK_OP_PAUSE, &args);
}

YCDL_EXTERN int ycdl_group_cancel(ycdl_session *s, const char *group, unsigned int flags)
{
	struct task_op_args args = { .flags = flags };

	return group_call(s, group, TASK_OP_CANCEL, &args);
}

YCDL_EXTERN int ycdl_group_remove(ycdl_session *s, const char *group, unsigned int flags)
{
	struct task_op_args args = { .flags = flags };

	return group_call(s, group, TASK_OP_REMOVE, &args);
}

YCDL_EXTERN int ycdl_group_set_priority(ycdl_session *s, const char *group, int priority)
{
	struct task_op_args args = { .value = priority };

	return group_call(s, group, TASK_OP_SET_PRIORITY, &args);
}

YCDL_EXTERN int ycdl_group_set_allow_cellular(ycdl_session *s, const char *group,
		int allow)
{
	struct task_op_args args = { .value = allow };

	return group_call(s, group, TASK_OP_SET_ALLOW_CELLULAR, &args);
}
