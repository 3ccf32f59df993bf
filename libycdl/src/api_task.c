/* api_task.c — the public calls about one task (start, pause, cancel,
 * remove, its settings): the key checked on the caller's thread, then the
 * task found and the work done on the loop thread, through one helper. */
#define _GNU_SOURCE
#include "commit.h"
#include "download_hash.h"
#include "error.h"
#include "events.h"
#include "naming.h"
#include "partfile.h"
#include "persist.h"
#include "retry.h"
#include "scheduler.h"
#include "session.h"
#include "status.h"
#include "store.h"
#include "task.h"
#include "transfer.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What a call does to the task its key names, on the loop thread. */
typedef int (*task_fn)(struct ycdl_session *s, struct task *t, const void *arg);

struct task_call {
	const char *key;
	task_fn fn;
	const void *arg;
};

/* A task whose finished file is being moved is judged once it is in
 * place: the call waits for the move (commit_settle). */
static int run_task_call(struct ycdl_session *s, void *arg)
{
	const struct task_call *call = arg;
	struct task *t = tasks_find(&s->tasks, call->key);

	if (!t)
		return error_set(YCDL_E_NOT_FOUND, "no task with key \"%s\"", call->key);
	commit_settle(s, t);
	return call->fn(s, t, call->arg);
}

static int call_on_task(ycdl_session *s, const char *key, task_fn fn, const void *arg)
{
	struct task_call call = { key, fn, arg };

	error_clear();
	if (!s)
		return error_set(YCDL_E_INVALID, "session is NULL");
	if (!naming_key_is_valid(key))
		return error_set(YCDL_E_INVALID, "key must be 1..200 bytes without "
				"control characters");
	return loop_call(&s->loop, run_task_call, &call);
}

/* ------------------------------------------------------ state changes */

static int start(struct ycdl_session *s, struct task *t, const void *arg)
{
	(void)arg;
	if (t->status == YCDL_STATUS_FINISHED)
		return error_set(YCDL_E_STATE, "task \"%s\" is already finished", t->key);
	if (task_status_is_pending(t->status))
		return 0;
	if (task_lacks_credentials(t))
		return error_set(YCDL_E_STATE, "task \"%s\" was added with credentials, "
				"which are never stored: give them again with "
				"ycdl_task_set_headers first", t->key);
	retry_new_run(t);
	task_clear_error(t);
	scheduler_enqueue(s, t);
	return 0;
}

YCDL_EXTERN int ycdl_task_start(ycdl_session *s, const char *key)
{
	return call_on_task(s, key, start, NULL);
}

YCDL_EXTERN int ycdl_task_resume(ycdl_session *s, const char *key)
{
	return ycdl_task_start(s, key);
}

/* Stops whatever t is doing, keeping its data. */
static void halt(struct ycdl_session *s, struct task *t)
{
	scheduler_stop_task(s, t);
	commit_cancel(s, t);
}

static int pause_task(struct ycdl_session *s, struct task *t, const void *arg)
{
	(void)arg;
	if (t->status == YCDL_STATUS_PAUSED)
		return 0;
	if (!task_status_is_pending(t->status))
		return error_set(YCDL_E_STATE, "task \"%s\" is %s, not running", t->key,
				ycdl_status_name(t->status));
	halt(s, t);
	status_set(s, t, YCDL_STATUS_PAUSED);
	return 0;
}

YCDL_EXTERN int ycdl_task_pause(ycdl_session *s, const char *key)
{
	return call_on_task(s, key, pause_task, NULL);
}

static void delete_partial(struct ycdl_session *s, struct task *t)
{
	if (partfile_remove(t->part_path, &t->part) != 0)
		return;
	transfer_forget_progress(s, t);
	persist_mark(s, t);
}

static int cancel(struct ycdl_session *s, struct task *t, const void *arg)
{
	unsigned int flags = *(const unsigned int *)arg;

	if (t->status == YCDL_STATUS_FINISHED)
		return error_set(YCDL_E_STATE, "task \"%s\" is already finished", t->key);
	halt(s, t);
	if (flags & YCDL_CANCEL_DELETE_DATA)
		delete_partial(s, t);
	task_set_error(t, YCDL_E_CANCELED, "cancelled by the application", 0);
	status_set(s, t, YCDL_STATUS_FAILED);
	emit_failed(s, t, false);
	return 0;
}

YCDL_EXTERN int ycdl_task_cancel(ycdl_session *s, const char *key, unsigned int flags)
{
	if (flags & ~YCDL_CANCEL_DELETE_DATA)
		return error_set(YCDL_E_INVALID, "unknown cancel flags 0x%x", flags);
	return call_on_task(s, key, cancel, &flags);
}

static int remove_task(struct ycdl_session *s, struct task *t, const void *arg)
{
	unsigned int flags = *(const unsigned int *)arg;
	int rc;

	if ((rc = store_remove(&s->store, t->key)) != 0)
		return rc;      /* not forgotten on disk: keep it in memory too */
	halt(s, t);
	(void)partfile_remove(t->part_path, &t->part);
	if ((flags & YCDL_REMOVE_DELETE_FILE) && t->status == YCDL_STATUS_FINISHED)
		unlink(t->dest_path);
	emit_removed(s, t->key);
	tasks_unlink(&s->tasks, t);
	download_hash_forget(s, t);     /* a job still out frees itself */
	task_free(t);
	return 0;
}

YCDL_EXTERN int ycdl_task_remove(ycdl_session *s, const char *key, unsigned int flags)
{
	if (flags & ~YCDL_REMOVE_DELETE_FILE)
		return error_set(YCDL_E_INVALID, "unknown remove flags 0x%x", flags);
	return call_on_task(s, key, remove_task, &flags);
}

/* ----------------------------------------------------------- settings */

static int set_cellular(struct ycdl_session *s, struct task *t, const void *arg)
{
	t->allow_cellular = *(const int *)arg != 0;
	persist_mark(s, t);
	scheduler_policy_changed(s);
	return 0;
}

YCDL_EXTERN int ycdl_task_set_allow_cellular(ycdl_session *s, const char *key, int allow)
{
	return call_on_task(s, key, set_cellular, &allow);
}

static int set_priority(struct ycdl_session *s, struct task *t, const void *arg)
{
	t->priority = *(const int *)arg;
	persist_mark(s, t);
	scheduler_priority_changed(s, t);     /* its new place in line */
	return 0;
}

YCDL_EXTERN int ycdl_task_set_priority(ycdl_session *s, const char *key, int priority)
{
	return call_on_task(s, key, set_priority, &priority);
}

struct header_list {
	const char *const *lines;
	size_t count;
};

static int set_headers(struct ycdl_session *s, struct task *t, const void *arg)
{
	const struct header_list *h = arg;
	char **copy = calloc(h->count ? h->count : 1, sizeof(char *));

	if (!copy)
		return error_set(YCDL_E_NOMEM, "out of memory");
	for (size_t i = 0; i < h->count; i++) {
		if (!(copy[i] = strdup(h->lines[i]))) {
			while (i > 0)
				free(copy[--i]);
			free(copy);
			return error_set(YCDL_E_NOMEM, "out of memory");
		}
	}
	for (size_t i = 0; i < t->header_count; i++)
		free(t->headers[i]);
	free(t->headers);
	t->headers = copy;
	t->header_count = h->count;
	t->had_credentials = false;
	for (size_t i = 0; i < t->header_count; i++)
		t->had_credentials |= task_header_is_secret(t, t->headers[i]);
	persist_mark(s, t);
	return 0;
}

YCDL_EXTERN int ycdl_task_set_headers(ycdl_session *s, const char *key,
		const char *const *headers, size_t header_count)
{
	struct header_list h = { headers, header_count };
	int rc;

	error_clear();
	if ((rc = task_check_headers(headers, header_count)) != 0)
		return rc;
	return call_on_task(s, key, set_headers, &h);
}
