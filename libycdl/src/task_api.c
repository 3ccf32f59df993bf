/* task_api.c — the public ycdl_task_* functions: argument checks on the
 * caller's thread, then the work on the loop thread. */
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

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct task_cmd {
	const char *key;
	struct url_parts *url;            /* the URL as given, taken apart */
	unsigned int flags;
	int value;
	const ycdl_task_options *opts;
	const char *const *headers;
	size_t header_count;
	char *key_out;
	ycdl_task_info *info_out;
	char **keys_out;
	size_t count_out;
};

static int find(struct ycdl_session *s, const char *key, struct task **out)
{
	*out = tasks_find(&s->tasks, key);
	return *out ? 0 : error_set(YCDL_E_NOT_FOUND, "no task with key \"%s\"", key);
}

/* Runs fn on the loop after checking the arguments all key calls share. */
static int run_key_cmd(ycdl_session *s, const char *key, loop_fn fn,
		struct task_cmd *cmd)
{
	error_clear();
	if (!s)
		return error_set(YCDL_E_INVALID, "session is NULL");
	if (!naming_key_is_valid(key))
		return error_set(YCDL_E_INVALID, "key must be 1..200 bytes without "
				"control characters");
	cmd->key = key;
	return loop_call(&s->loop, fn, cmd);
}

YCDL_EXTERN int ycdl_task_options_init(ycdl_task_options *opts, unsigned int version)
{
	static const ycdl_task_options defaults = YCDL_TASK_OPTIONS_INIT;

	error_clear();
	if (!opts)
		return error_set(YCDL_E_INVALID, "opts is NULL");
	if (version == 0 || version > YCDL_TASK_OPTIONS_VERSION)
		return error_set(YCDL_E_INVALID, "unsupported ycdl_task_options "
				"version %u", version);
	memcpy(opts, &defaults, task_options_size(version));
	opts->version = version;
	return 0;
}

/* ----------------------------------------------------------------- add */

/* The seed's rule: one task per URL, the existing one wins. Credentials in
 * the URL are given back to it (they are never stored, so a task restored
 * from disk has lost them). */
static int add_existing(struct url_parts *url, struct task *t, char **key_out)
{
	struct url_credentials *creds = &url->creds;

	if (creds->user && !t->url_creds.user) {
		t->url_creds = *creds;
		creds->user = creds->password = NULL;
		t->had_credentials = true;
	}
	return (*key_out = strdup(t->key)) ? 0
		: error_set(YCDL_E_NOMEM, "out of memory");
}

/* Adds one download (loop thread); *key_out gets the new or existing
 * task's key. */
static int add_one(struct ycdl_session *s, const ycdl_task_options *given,
		struct url_parts *url, char **key_out)
{
	ycdl_task_options full;
	const ycdl_task_options *o = &full;
	char *key;
	struct task *t;
	int rc;

	task_options_complete(&full, given);
	if (!(key = naming_task_key(o->file_id, url->bare)))
		return error_set(YCDL_E_NOMEM, "out of memory");
	t = tasks_find(&s->tasks, key);
	if (t && strcmp(t->url, url->bare) != 0) {
		free(key);
		return error_set(YCDL_E_EXISTS, "file id \"%s\" is already the task "
				"of another URL, %s: adding it again does not change "
				"its URL", t->key, t->url);
	}
	if (!t)
		t = tasks_find_url(&s->tasks, url->bare);
	if (t) {
		free(key);
		return add_existing(url, t, key_out);
	}
	rc = task_new(&t, s, o, key, url);
	free(key);
	if (rc != 0)
		return rc;
	if (tasks_find_dest(&s->tasks, t->dest_path)) {
		rc = error_set(YCDL_E_EXISTS, "another task already downloads to %s",
				t->dest_path);
		task_free(t);
		return rc;
	}
	t->order = s->tasks.next_order;
	t->status = o->start_paused ? YCDL_STATUS_PAUSED : YCDL_STATUS_WAITING;
	if (!(*key_out = strdup(t->key)) || !tasks_insert(&s->tasks, t)) {
		free(*key_out);
		*key_out = NULL;
		task_free(t);
		return error_set(YCDL_E_NOMEM, "out of memory");
	}
	emit_task_added(s, t);
	persist_mark(s, t);
	if (!o->start_paused)
		scheduler_enqueue(s, t);
	return 0;
}

static int do_add(struct ycdl_session *s, void *arg)
{
	struct task_cmd *cmd = arg;

	return add_one(s, cmd->opts, cmd->url, &cmd->key_out);
}

YCDL_EXTERN int ycdl_task_add(char **out_key, ycdl_session *s,
		const ycdl_task_options *opts)
{
	struct url_parts url;
	struct task_cmd cmd = { .opts = opts, .url = &url };
	int rc;

	error_clear();
	if (!s)
		return error_set(YCDL_E_INVALID, "session is NULL");
	/* Checked and parsed here, on the caller's thread: the loop thread
	 * has downloads to drive. */
	if ((rc = task_check_options(opts)) != 0 || (rc = url_parse(opts->url, &url)) != 0)
		return rc;
	rc = loop_call(&s->loop, do_add, &cmd);
	url_parts_clear(&url);
	if (rc != 0)
		return rc;
	if (out_key)
		*out_key = cmd.key_out;
	else
		free(cmd.key_out);
	return 0;
}

/* ---------------------------------------------------------- add many */

struct many_cmd {
	const ycdl_task_options *const *opts;
	struct url_parts *urls;
	int *errors;               /* per item; set before the loop for bad ones */
	char **keys;
	size_t count;
	int first_error;
	char first_message[512];   /* of the first item that failed */
};

static void note_failure(struct many_cmd *cmd, size_t i, int rc)
{
	cmd->errors[i] = rc;
	if (cmd->first_error)
		return;
	cmd->first_error = rc;
	snprintf(cmd->first_message, sizeof(cmd->first_message), "item %zu: %s", i,
			ycdl_last_error_message());
}

/* One journal write for the whole batch. */
static int do_add_many(struct ycdl_session *s, void *arg)
{
	struct many_cmd *cmd = arg;

	store_begin_batch(&s->store);
	for (size_t i = 0; i < cmd->count; i++) {
		int rc;

		if (cmd->errors[i])
			continue;
		if ((rc = add_one(s, cmd->opts[i], &cmd->urls[i], &cmd->keys[i])) != 0)
			note_failure(cmd, i, rc);
	}
	/* Like a single add, a task whose record could not be written still
	 * exists; the next snapshot of it tries again. */
	(void)store_end_batch(&s->store);
	return 0;
}

static void free_many(struct many_cmd *cmd)
{
	for (size_t i = 0; i < cmd->count && cmd->urls; i++)
		url_parts_clear(&cmd->urls[i]);
	free(cmd->urls);
	free(cmd->errors);
	ycdl_keys_free(cmd->keys, cmd->count);
}

YCDL_EXTERN int ycdl_task_add_many(char ***out_keys, int *out_errors, ycdl_session *s,
		const ycdl_task_options *const *opts, size_t count)
{
	struct many_cmd cmd = { .opts = opts, .count = count };
	int rc;

	error_clear();
	if (!s || (count && !opts))
		return error_set(YCDL_E_INVALID, "session and opts are required");
	if (count > 10000000)
		return error_set(YCDL_E_INVALID, "at most 10,000,000 tasks at once");
	cmd.urls = calloc(count ? count : 1, sizeof(*cmd.urls));
	cmd.errors = calloc(count ? count : 1, sizeof(*cmd.errors));
	cmd.keys = calloc(count ? count : 1, sizeof(*cmd.keys));
	if (!cmd.urls || !cmd.errors || !cmd.keys) {
		free_many(&cmd);
		return error_set(YCDL_E_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < count; i++)
		if ((rc = task_check_options(opts[i])) != 0 ||
		    (rc = url_parse(opts[i]->url, &cmd.urls[i])) != 0)
			note_failure(&cmd, i, rc);
	if ((rc = loop_call(&s->loop, do_add_many, &cmd)) != 0) {
		free_many(&cmd);
		return rc;
	}
	if (out_errors)
		memcpy(out_errors, cmd.errors, count * sizeof(*out_errors));
	if (out_keys) {
		*out_keys = cmd.keys;
		cmd.keys = NULL;
	}
	free_many(&cmd);
	if (cmd.first_error)
		error_set_message(cmd.first_message);
	return cmd.first_error;
}

static int do_find_by_url(struct ycdl_session *s, void *arg)
{
	struct task_cmd *cmd = arg;
	struct task *t = tasks_find_url(&s->tasks, cmd->url->bare);

	if (!t)
		return error_set(YCDL_E_NOT_FOUND, "no task for URL %s", cmd->url->bare);
	return (cmd->key_out = strdup(t->key)) ? 0
		: error_set(YCDL_E_NOMEM, "out of memory");
}

YCDL_EXTERN int ycdl_task_find_by_url(char **out_key, ycdl_session *s, const char *url)
{
	struct url_parts parts;
	struct task_cmd cmd = { .url = &parts };
	int rc;

	error_clear();
	if (!out_key || !s || util_is_empty(url))
		return error_set(YCDL_E_INVALID, "out_key, session and url are required");
	/* Tasks are known by their URL without credentials; a URL that no task
	 * could have is simply not found. */
	if ((rc = url_parse(url, &parts)) != 0)
		return rc == YCDL_E_NOMEM ? rc : error_set(YCDL_E_NOT_FOUND,
				"no task for URL %s", url);
	if ((rc = loop_call(&s->loop, do_find_by_url, &cmd)) == 0)
		*out_key = cmd.key_out;
	url_parts_clear(&parts);
	return rc;
}

/* ------------------------------------------------------ state changes */

static int do_start(struct ycdl_session *s, void *arg)
{
	struct task_cmd *cmd = arg;
	struct task *t;
	int rc = find(s, cmd->key, &t);

	if (rc != 0)
		return rc;
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
	struct task_cmd cmd = { 0 };

	return run_key_cmd(s, key, do_start, &cmd);
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

static int do_pause(struct ycdl_session *s, void *arg)
{
	struct task_cmd *cmd = arg;
	struct task *t;
	int rc = find(s, cmd->key, &t);

	if (rc != 0)
		return rc;
	commit_settle(s, t);
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
	struct task_cmd cmd = { 0 };

	return run_key_cmd(s, key, do_pause, &cmd);
}

static void delete_partial(struct ycdl_session *s, struct task *t)
{
	if (partfile_remove(t->part_path, &t->part) != 0)
		return;
	transfer_forget_progress(s, t);
	persist_mark(s, t);
}

static int do_cancel(struct ycdl_session *s, void *arg)
{
	struct task_cmd *cmd = arg;
	struct task *t;
	int rc = find(s, cmd->key, &t);

	if (rc != 0)
		return rc;
	commit_settle(s, t);
	if (t->status == YCDL_STATUS_FINISHED)
		return error_set(YCDL_E_STATE, "task \"%s\" is already finished", t->key);
	halt(s, t);
	if (cmd->flags & YCDL_CANCEL_DELETE_DATA)
		delete_partial(s, t);
	task_set_error(t, YCDL_E_CANCELED, "cancelled by the application", 0);
	status_set(s, t, YCDL_STATUS_FAILED);
	emit_failed(s, t, false);
	return 0;
}

YCDL_EXTERN int ycdl_task_cancel(ycdl_session *s, const char *key, unsigned int flags)
{
	struct task_cmd cmd = { .flags = flags };

	if (flags & ~YCDL_CANCEL_DELETE_DATA)
		return error_set(YCDL_E_INVALID, "unknown cancel flags 0x%x", flags);
	return run_key_cmd(s, key, do_cancel, &cmd);
}

static int do_remove(struct ycdl_session *s, void *arg)
{
	struct task_cmd *cmd = arg;
	struct task *t;
	int rc = find(s, cmd->key, &t);

	if (rc != 0)
		return rc;
	commit_settle(s, t);
	if ((rc = store_remove(&s->store, t->key)) != 0)
		return rc;      /* not forgotten on disk: keep it in memory too */
	halt(s, t);
	(void)partfile_remove(t->part_path, &t->part);
	if ((cmd->flags & YCDL_REMOVE_DELETE_FILE) && t->status == YCDL_STATUS_FINISHED)
		unlink(t->dest_path);
	emit_removed(s, t->key);
	tasks_unlink(&s->tasks, t);
	download_hash_forget(s, t);     /* a job still out frees itself */
	task_free(t);
	return 0;
}

YCDL_EXTERN int ycdl_task_remove(ycdl_session *s, const char *key, unsigned int flags)
{
	struct task_cmd cmd = { .flags = flags };

	if (flags & ~YCDL_REMOVE_DELETE_FILE)
		return error_set(YCDL_E_INVALID, "unknown remove flags 0x%x", flags);
	return run_key_cmd(s, key, do_remove, &cmd);
}

/* ----------------------------------------------------------- settings */

static int do_set_cellular(struct ycdl_session *s, void *arg)
{
	struct task_cmd *cmd = arg;
	struct task *t;
	int rc = find(s, cmd->key, &t);

	if (rc != 0)
		return rc;
	t->allow_cellular = cmd->value != 0;
	persist_mark(s, t);
	scheduler_policy_changed(s);
	return 0;
}

YCDL_EXTERN int ycdl_task_set_allow_cellular(ycdl_session *s, const char *key, int allow)
{
	struct task_cmd cmd = { .value = allow };

	return run_key_cmd(s, key, do_set_cellular, &cmd);
}

static int do_set_priority(struct ycdl_session *s, void *arg)
{
	struct task_cmd *cmd = arg;
	struct task *t;
	int rc = find(s, cmd->key, &t);

	if (rc != 0)
		return rc;
	t->priority = cmd->value;
	persist_mark(s, t);
	scheduler_priority_changed(s, t);     /* its new place in line */
	return 0;
}

YCDL_EXTERN int ycdl_task_set_priority(ycdl_session *s, const char *key, int priority)
{
	struct task_cmd cmd = { .value = priority };

	return run_key_cmd(s, key, do_set_priority, &cmd);
}

static int do_set_headers(struct ycdl_session *s, void *arg)
{
	struct task_cmd *cmd = arg;
	struct task *t;
	char **copy;
	int rc = find(s, cmd->key, &t);

	if (rc != 0)
		return rc;
	copy = calloc(cmd->header_count ? cmd->header_count : 1, sizeof(char *));
	if (!copy)
		return error_set(YCDL_E_NOMEM, "out of memory");
	for (size_t i = 0; i < cmd->header_count; i++) {
		if (!(copy[i] = strdup(cmd->headers[i]))) {
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
	t->header_count = cmd->header_count;
	t->had_credentials = false;
	for (size_t i = 0; i < t->header_count; i++)
		t->had_credentials |= task_header_is_secret(t, t->headers[i]);
	persist_mark(s, t);
	return 0;
}

YCDL_EXTERN int ycdl_task_set_headers(ycdl_session *s, const char *key,
		const char *const *headers, size_t header_count)
{
	struct task_cmd cmd = { .headers = headers, .header_count = header_count };
	int rc;

	error_clear();
	if ((rc = task_check_headers(headers, header_count)) != 0)
		return rc;
	return run_key_cmd(s, key, do_set_headers, &cmd);
}
