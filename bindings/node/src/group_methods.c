/* group_methods.c — the group methods of the native Session class: the
 * figures of a group, its tasks, and the task calls for a whole group at
 * once. Groups are named by their name, as in the C API; a group no task
 * has is YCDL_E_NOT_FOUND. */
#include "addon.h"

#include <stdlib.h>

void put_group_figures(struct builder *b, const ycdl_group_info *g)
{
	put_string(b, "group", g->name);
	put_number(b, "tasks", (double)g->tasks);
	put_number(b, "waiting", (double)g->waiting);
	put_number(b, "downloading", (double)g->downloading);
	put_number(b, "paused", (double)g->paused);
	put_number(b, "waitingForNetwork", (double)g->waiting_for_network);
	put_number(b, "finished", (double)g->finished);
	put_number(b, "failed", (double)g->failed);
	put_number(b, "waitingForUrl", (double)g->waiting_for_url);
	put_number(b, "bytesWrittenKnown", (double)g->bytes_written_known);
	put_number(b, "bytesExpected", (double)g->bytes_expected);
	put_number(b, "bytesWrittenUnknown", (double)g->bytes_written_unknown);
	put_number(b, "speedBps", (double)g->speed_bps);
	put_number(b, "etaSeconds", (double)g->eta_seconds);
}

/* groupInfo(name) -> the group's figures. */
napi_value group_info(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1];
	struct native_session *ns;
	char *name = named_call(env, info, &argc, argv, &ns, "group");
	struct builder b;
	ycdl_group_info *g;
	int rc;

	if (!name)
		return NULL;
	rc = ycdl_group_get_info(&g, ns->core, name);
	free(name);
	if (rc != 0) {
		throw_core_error(env, rc);
		return NULL;
	}
	builder_init(&b, env);
	put_group_figures(&b, g);
	ycdl_free(g);
	return builder_finish(&b);
}

/* groupList() -> the names of the session's groups. */
napi_value group_list(napi_env env, napi_callback_info info)
{
	struct native_session *ns = session_from_call(env, info, NULL, NULL, true);
	char **names;
	size_t count;
	int rc;

	if (!ns)
		return NULL;
	if ((rc = ycdl_group_list(&names, &count, ns->core)) != 0) {
		throw_core_error(env, rc);
		return NULL;
	}
	return keys_array(env, names, count);
}

/* groupTasks(name, statuses) -> the keys of the group's tasks, in the
 * order they were added. */
napi_value group_tasks(napi_env env, napi_callback_info info)
{
	size_t argc = 2, count;
	napi_value argv[2];
	struct native_session *ns;
	char *name = named_call(env, info, &argc, argv, &ns, "group"), **keys;
	unsigned int mask;
	int rc;

	if (!name)
		return NULL;
	if (!status_mask(env, argv[1], &mask)) {
		free(name);
		return NULL;
	}
	rc = ycdl_group_list_tasks(&keys, &count, ns->core, name, mask);
	free(name);
	if (rc != 0) {
		throw_core_error(env, rc);
		return NULL;
	}
	return keys_array(env, keys, count);
}

/* A call (name) for a whole group; requeues: it may make tasks pending. */
static napi_value group_call(napi_env env, napi_callback_info info,
		int (*fn)(ycdl_session *, const char *), bool requeues)
{
	size_t argc = 1;
	napi_value argv[1], result;
	struct native_session *ns;
	char *name = named_call(env, info, &argc, argv, &ns, "group");

	if (!name)
		return NULL;
	result = result_of(env, fn(ns->core, name));
	free(name);
	if (result)
		watch_update(ns, requeues);
	return result;
}

napi_value group_start(napi_env env, napi_callback_info info)
{
	return group_call(env, info, ycdl_group_start, true);
}

napi_value group_pause(napi_env env, napi_callback_info info)
{
	return group_call(env, info, ycdl_group_pause, true);
}

/* A call (name, flag or value): cancel and remove take an optional
 * boolean, set_priority an int32, set_allow_cellular a boolean. */
enum group_arg { GROUP_FLAG, GROUP_INT, GROUP_BOOL };

static napi_value group_value_call(napi_env env, napi_callback_info info,
		const char *what, enum group_arg kind, unsigned int flag,
		int (*fn)(ycdl_session *, const char *, unsigned int),
		int (*int_fn)(ycdl_session *, const char *, int))
{
	size_t argc = 2;
	napi_value argv[2], result;
	napi_valuetype type;
	struct native_session *ns;
	char *name = named_call(env, info, &argc, argv, &ns, "group");
	int64_t number = 0;
	bool b = false, ok;

	if (!name)
		return NULL;
	if (kind == GROUP_INT)
		ok = arg_int(env, argv[1], what, INT32_MIN, INT32_MAX, &number);
	else if (kind == GROUP_FLAG && napi_typeof(env, argv[1], &type) == napi_ok &&
		 type == napi_undefined)
		ok = true;
	else
		ok = arg_bool(env, argv[1], what, &b);
	if (!ok) {
		free(name);
		return NULL;
	}
	if (kind == GROUP_FLAG)
		result = result_of(env, fn(ns->core, name, b ? flag : 0));
	else
		result = result_of(env, int_fn(ns->core, name, kind == GROUP_INT ? (int)number : b));
	free(name);
	if (result)
		watch_update(ns, true);
	return result;
}

/* groupCancel(name, deleteData): its tasks fail with YCDL_E_CANCELED. */
napi_value group_cancel(napi_env env, napi_callback_info info)
{
	return group_value_call(env, info, "deleteData", GROUP_FLAG, YCDL_CANCEL_DELETE_DATA,
			ycdl_group_cancel, NULL);
}

/* groupRemove(name, deleteFile): forgets every task of the group. */
napi_value group_remove(napi_env env, napi_callback_info info)
{
	return group_value_call(env, info, "deleteFile", GROUP_FLAG, YCDL_REMOVE_DELETE_FILE,
			ycdl_group_remove, NULL);
}

napi_value group_set_priority(napi_env env, napi_callback_info info)
{
	return group_value_call(env, info, "priority", GROUP_INT, 0, NULL,
			ycdl_group_set_priority);
}

napi_value group_set_allow_cellular(napi_env env, napi_callback_info info)
{
	return group_value_call(env, info, "allow", GROUP_BOOL, 0, NULL,
			ycdl_group_set_allow_cellular);
}
