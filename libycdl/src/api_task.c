/* api_task.c — the public calls about one task (start, pause, cancel,
 * remove, its settings): the key checked on the caller's thread, then the
 * task found and the work done on the loop thread, through one helper. */
#define _GNU_SOURCE
#include "api_remote.h"
#include "api_task.h"
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
#include "url.h"
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

static int check_key(const char *key)
{
	if (!naming_key_is_valid(key))
		return error_set(YCDL_E_INVALID, "key must be 1..200 bytes without "
				"control characters");
	return 0;
}

/* The public calls' one way in: checks the key, then runs fn on the loop
 * thread of the owner — through its socket when this handle is attached
 * (api_remote.c; op and args say the same to the owner). */
static int call_on_task(ycdl_session *s, const char *key, task_fn fn, const void *arg,
		enum task_op op, const struct task_op_args *args)
{
	struct task_call call = { key, fn, arg };
	int rc;

	error_clear();
	if (!s)
		return error_set(YCDL_E_INVALID, "session is NULL");
	if ((rc = check_key(key)) != 0)
		return rc;
	if (remote_task(&rc, s, op, key, args))
		return rc;
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
	task_use_mirror(t, 0);      /* a new run starts from the first URL */
	scheduler_enqueue(s, t);
	return 0;
}

YCDL_EXTERN int ycdl_task_start(ycdl_session *s, const char *key)
{
	struct task_op_args args = { 0 };

	return call_on_task(s, key, start, NULL, TASK_OP_START, &args);
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
	if (!task_status_is_pending(t->status) && t->status != YCDL_STATUS_WAITING_FOR_URL)
		return error_set(YCDL_E_STATE, "task \"%s\" is %s, not running", t->key,
				ycdl_status_name(t->status));
	halt(s, t);
	status_set(s, t, YCDL_STATUS_PAUSED);
	return 0;
}

YCDL_EXTERN int ycdl_task_pause(ycdl_session *s, const char *key)
{
	struct task_op_args args = { 0 };

	return call_on_task(s, key, pause_task, NULL, TASK_OP_PAUSE, &args);
}

static void delete_partial(struct ycdl_session *s, struct task *t)
{
	const char *part = task_part_path(t);

	if (!part || persist_unclaim(s, t) != 0 || partfile_remove(part, task_claimed_part(t)) != 0)
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
	struct task_op_args args = { .flags = flags };

	if (flags & ~YCDL_CANCEL_DELETE_DATA)
		return error_set(YCDL_E_INVALID, "unknown cancel flags 0x%x", flags);
	return call_on_task(s, key, cancel, &flags, TASK_OP_CANCEL, &args);
}

static int remove_task(struct ycdl_session *s, struct task *t, const void *arg)
{
	unsigned int flags = *(const unsigned int *)arg;
	const char *part = task_part_path(t);   /* what fails, before a change */
	int rc;

	if (!part)
		return YCDL_E_NOMEM;
	/* Stopped first: stopping a transfer checkpoints it, a snapshot that
	 * must come before the removal in the journal, or it brings the task
	 * back on the next open. */
	halt(s, t);
	if ((rc = store_remove(&s->store, t->key)) != 0) {
		/* Not forgotten on disk: kept in memory too, stopped. */
		if (task_status_is_pending(t->status))
			status_set(s, t, YCDL_STATUS_PAUSED);
		return rc;
	}
	/* Its bytes go once the journal no longer claims them (persist.h);
	 * should that fail, the part file stays rather than a claim on
	 * nothing. */
	if (persist_forget(s, t) == 0)
		(void)partfile_remove(part, task_claimed_part(t));
	if ((flags & YCDL_REMOVE_DELETE_FILE) && t->status == YCDL_STATUS_FINISHED)
		unlink(t->dest_path);
	emit_removed(s, t->key);
	group_leave(s, t);
	tasks_unlink(&s->tasks, t);
	download_hash_forget(s, t);     /* a job still out frees itself */
	task_free(t);
	return 0;
}

YCDL_EXTERN int ycdl_task_remove(ycdl_session *s, const char *key, unsigned int flags)
{
	struct task_op_args args = { .flags = flags };

	if (flags & ~YCDL_REMOVE_DELETE_FILE)
		return error_set(YCDL_E_INVALID, "unknown remove flags 0x%x", flags);
	return call_on_task(s, key, remove_task, &flags, TASK_OP_REMOVE, &args);
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
	struct task_op_args args = { .value = allow };

	return call_on_task(s, key, set_cellular, &allow, TASK_OP_SET_ALLOW_CELLULAR,
			&args);
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
	struct task_op_args args = { .value = priority };

	return call_on_task(s, key, set_priority, &priority, TASK_OP_SET_PRIORITY,
			&args);
}

struct header_list {
	const char *const *lines;
	size_t count;
};

static int set_headers(struct ycdl_session *s, struct task *t, const void *arg)
{
	const struct header_list *h = arg;
	char **copy = calloc(h->count ? h->count : 1, sizeof(char *));
	struct task_extras *e;

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
	if (!(e = task_own_extras(t))) {
		util_free_strings(copy, h->count);
		return error_set(YCDL_E_NOMEM, "out of memory");
	}
	util_free_strings(e->headers, e->header_count);
	e->headers = copy;
	e->header_count = h->count;
	t->had_credentials = false;
	for (size_t i = 0; i < e->header_count; i++)
		t->had_credentials |= task_header_is_secret(t, e->headers[i]);
	persist_mark(s, t);
	return 0;
}

YCDL_EXTERN int ycdl_task_set_headers(ycdl_session *s, const char *key,
		const char *const *headers, size_t header_count)
{
	struct header_list h = { headers, header_count };
	struct task_op_args args = { .headers = headers, .header_count = header_count };
	int rc;

	error_clear();
	if ((rc = task_check_headers(headers, header_count)) != 0)
		return rc;
	return call_on_task(s, key, set_headers, &h, TASK_OP_SET_HEADERS, &args);
}

/* Requests go to url (NULL: the task's own) from now on. A task that
 * waits for a URL, or failed, is queued again; a running one continues
 * from the new URL (its data kept by the rules of a resume). */
static int set_url(struct ycdl_session *s, struct task *t, const void *arg)
{
	const char *url = arg && strcmp(arg, t->url) != 0 ? arg : NULL;
	struct task_extras *e;
	char *before, *next;

	if (t->status == YCDL_STATUS_FINISHED)
		return error_set(YCDL_E_STATE, "task \"%s\" is already finished", t->key);
	if (!(e = task_own_extras(t)) || !(before = strdup(task_request_url(t))))
		return error_set(YCDL_E_NOMEM, "out of memory");
	if (!(next = url ? strdup(url) : util_empty_string())) {
		free(before);
		return error_set(YCDL_E_NOMEM, "out of memory");
	}
	util_free_string(e->request_url);
	e->request_url = next;
	e->mirror_index = 0;        /* the mirrors come after the new URL */
	persist_mark(s, t);
	if (strcmp(before, task_request_url(t)) != 0) {
		t->validators_elsewhere |= !url_same_origin(before, task_request_url(t));
		emit_url_changed(s, t, before, task_request_url(t),
				"set by the application");
	}
	free(before);
	if (t->status == YCDL_STATUS_DOWNLOADING)
		halt(s, t);     /* its next request goes to the new URL */
	if (t->status == YCDL_STATUS_DOWNLOADING || t->status == YCDL_STATUS_FAILED ||
	    t->status == YCDL_STATUS_WAITING_FOR_URL) {
		retry_new_run(t);
		task_clear_error(t);
		scheduler_enqueue(s, t);
	}
	return 0;
}

/* An http(s) URL without credentials (a refreshed link carries its own
 * signature; credentials go in headers), as the bare URL in parts. */
static int check_new_url(const char *url, struct url_parts *parts)
{
	int rc;

	memset(parts, 0, sizeof(*parts));
	if (!url || !*url)
		return 0;
	if ((rc = url_parse(url, parts)) != 0)
		return rc;
	if (parts->creds.user) {
		url_parts_clear(parts);
		return error_set(YCDL_E_INVALID, "a new URL must not carry "
				"credentials: give them as headers");
	}
	return 0;
}

YCDL_EXTERN int ycdl_task_set_url(ycdl_session *s, const char *key, const char *url)
{
	struct url_parts parts;
	struct task_op_args args = { 0 };
	int rc;

	error_clear();
	if ((rc = check_new_url(url, &parts)) != 0)
		return rc;
	args.url = parts.bare;
	rc = call_on_task(s, key, set_url, parts.bare, TASK_OP_SET_URL, &args);
	url_parts_clear(&parts);
	return rc;
}

/* ------------------------------------------------------ for the server */

int api_task_run(struct ycdl_session *s, enum task_op op, const char *key,
		const struct task_op_args *args)
{
	struct header_list h = { args->headers, args->header_count };
	struct task_call call = { key, NULL, NULL };
	int rc;

	if ((rc = check_key(key)) != 0)
		return rc;
	switch (op) {
	case TASK_OP_START:
		call.fn = start;
		break;
	case TASK_OP_PAUSE:
		call.fn = pause_task;
		break;
	case TASK_OP_CANCEL:
	case TASK_OP_REMOVE:
		if (args->flags & ~(op == TASK_OP_CANCEL ? YCDL_CANCEL_DELETE_DATA
				: YCDL_REMOVE_DELETE_FILE))
			return error_set(YCDL_E_INVALID, "unknown flags 0x%x", args->flags);
		call.fn = op == TASK_OP_CANCEL ? cancel : remove_task;
		call.arg = &args->flags;
		break;
	case TASK_OP_SET_ALLOW_CELLULAR:
	case TASK_OP_SET_PRIORITY:
		call.fn = op == TASK_OP_SET_PRIORITY ? set_priority : set_cellular;
		call.arg = &args->value;
		break;
	case TASK_OP_SET_HEADERS:
		if ((rc = task_check_headers(args->headers, args->header_count)) != 0)
			return rc;
		call.fn = set_headers;
		call.arg = &h;
		break;
	case TASK_OP_SET_URL: {
		struct url_parts parts;

		if ((rc = check_new_url(args->url, &parts)) != 0)
			return rc;
		call.fn = set_url;
		call.arg = parts.bare;
		rc = run_task_call(s, &call);
		url_parts_clear(&parts);
		return rc;
	}
	default:
		return error_set(YCDL_E_INVALID, "unknown task call %d", (int)op);
	}
	return run_task_call(s, &call);
}
