/* api_query.h — what the query side of the API gives the session's server
 * (server.c), which answers attached clients on the loop thread. */
#ifndef YCDL_API_QUERY_H
#define YCDL_API_QUERY_H

#include "ycdl.h"

struct task;
struct ycdl_session;

/* One query: the key or status mask asked about, and what it found. */
struct query {
	const char *key;
	unsigned int mask;
	ycdl_task_info *info;
	char **keys;
	ycdl_task_info **infos;
	size_t count;
};

/* The loop-thread halves of ycdl_task_get_info, ycdl_session_list and
 * ycdl_session_list_info (loop_fn shaped; arg is a struct query). */
int api_query_get_info(struct ycdl_session *s, void *arg);
int api_query_list(struct ycdl_session *s, void *arg);
int api_query_list_info(struct ycdl_session *s, void *arg);

/* The info of t in one block (free with ycdl_task_info_free); NULL when
 * out of memory. Loop thread. */
ycdl_task_info *api_query_info_of(const struct ycdl_session *s,
		const struct task *t);

#endif
