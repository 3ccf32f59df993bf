/* api_task.h — the calls about one task, as the session's server runs them
 * for an attached client (server.c), on the loop thread. */
#ifndef YCDL_API_TASK_H
#define YCDL_API_TASK_H

#include <stddef.h>

struct ycdl_session;

enum task_op {
	TASK_OP_START,
	TASK_OP_PAUSE,
	TASK_OP_CANCEL,                 /* flags */
	TASK_OP_REMOVE,                 /* flags */
	TASK_OP_SET_ALLOW_CELLULAR,     /* value */
	TASK_OP_SET_PRIORITY,           /* value */
	TASK_OP_SET_HEADERS,            /* headers */
	TASK_OP_SET_URL                 /* url (NULL or "": the original) */
};

struct task_op_args {
	unsigned int flags;
	int value;
	const char *const *headers;
	size_t header_count;
	const char *url;
};

/* Checks the arguments as the public call does, then runs it: 0 or a
 * YCDL_E_* code with its message. Loop thread. */
int api_task_run(struct ycdl_session *s, enum task_op op, const char *key,
		const struct task_op_args *args);

#endif
