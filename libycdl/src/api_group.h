/* api_group.h — the calls about groups, as the session's server runs them
 * for an attached client (server.c), on the loop thread (or any thread:
 * they hand themselves to the loop when needed). */
#ifndef YCDL_API_GROUP_H
#define YCDL_API_GROUP_H

#include "api_task.h"
#include "ycdl.h"

#include <stddef.h>

struct ycdl_session;

int api_group_set(struct ycdl_session *s, const char *key, const char *group);
int api_group_get_info(struct ycdl_session *s, const char *group, ycdl_group_info **out);
/* group NULL: the names of the groups; else the keys of its tasks in mask. */
int api_group_list(struct ycdl_session *s, const char *group, unsigned int mask,
		char ***out, size_t *count);
int api_group_run(struct ycdl_session *s, const char *group, enum task_op op,
		const struct task_op_args *args);

#endif
