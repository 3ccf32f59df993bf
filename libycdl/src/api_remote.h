/* api_remote.h — the public calls of a handle attached to another handle's
 * session: each becomes a request to the owner (client.c), and its answer
 * becomes the call's results. Each returns false when the handle is the
 * owner (now: an attached handle that took over runs its calls locally),
 * and the caller runs the call as usual; true when it handled the call,
 * with its result in *rc (and its message set). Arguments are checked by
 * the caller as for a local call, and again by the owner. */
#ifndef YCDL_API_REMOTE_H
#define YCDL_API_REMOTE_H

#include "api_settings.h"
#include "api_task.h"
#include "ycdl.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool remote_add_one(int *rc, ycdl_session *s, char **out_key,
		const ycdl_task_options *opts);
bool remote_add_many(int *rc, ycdl_session *s, char ***out_keys, int *out_errors,
		const ycdl_task_options *const *opts, size_t count);
bool remote_find_by_url(int *rc, ycdl_session *s, char **out_key, const char *url);
bool remote_task(int *rc, ycdl_session *s, enum task_op op, const char *key,
		const struct task_op_args *args);
bool remote_get_info(int *rc, ycdl_session *s, ycdl_task_info **out,
		const char *key);
bool remote_list(int *rc, ycdl_session *s, char ***out_keys, size_t *out_count,
		unsigned int status_mask);
bool remote_list_info(int *rc, ycdl_session *s, ycdl_task_info ***out_infos,
		size_t *out_count, unsigned int status_mask);
bool remote_setting(int *rc, ycdl_session *s, enum setting which, int64_t value);
bool remote_session_info(int *rc, ycdl_session *s, ycdl_session_info **out);
bool remote_stop(int *rc, ycdl_session *s);
bool remote_set_group(int *rc, ycdl_session *s, const char *key, const char *group);
bool remote_group_info(int *rc, ycdl_session *s, ycdl_group_info **out,
		const char *group);
/* group NULL: the groups' names; else its tasks' keys in status_mask. */
bool remote_group_list(int *rc, ycdl_session *s, const char *group,
		unsigned int status_mask, char ***out, size_t *count);
bool remote_group_call(int *rc, ycdl_session *s, const char *group, enum task_op op,
		const struct task_op_args *args);

#endif
