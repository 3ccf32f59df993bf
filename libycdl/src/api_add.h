/* api_add.h — adding downloads and finding them by URL, as the session's
 * server runs them for an attached client (server.c), on the loop thread. */
#ifndef YCDL_API_ADD_H
#define YCDL_API_ADD_H

#include "ycdl.h"

#include <stddef.h>

struct ycdl_session;

/* ycdl_task_add_many on the loop thread: every item checked as the public
 * call checks it; keys[i] receives its key (malloc'ed) or NULL, errors[i]
 * its result. Returns 0 or the first failing item's code (message set). */
int api_add_run(struct ycdl_session *s, const ycdl_task_options *const *opts,
		size_t count, char **keys, int *errors);

/* ycdl_task_find_by_url on the loop thread. */
int api_add_find(struct ycdl_session *s, const char *url, char **out_key);

#endif
