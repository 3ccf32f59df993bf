/* api_add.c — adding downloads (ycdl_task_add, ycdl_task_add_many) and
 * finding them by URL: options checked and URLs parsed on the caller's
 * thread, the task created on the loop thread. */
#define _GNU_SOURCE
#include "api_add.h"
#include "api_remote.h"
#include "error.h"
#include "events.h"
#include "naming.h"
#include "persist.h"
#include "scheduler.h"
#include "session.h"
#include "store.h"
#include "task.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

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

/* A copy of t's key for the caller, when it wants one (key_out NULL: a
 * batch whose caller takes no keys, which then leaves no holes between the
 * tasks it makes); false when out of memory. */
static bool give_key(const struct task *t, char **key_out)
{
	return !key_out || (*key_out = strdup(t->key)) != NULL;
}

/* The seed's rule: one task per URL, the existing one wins. Credentials in
 * the URL are given back to it (they are never stored, so a task restored
 * from disk has lost them). */
static int add_existing(struct url_parts *url, struct task *t, char **key_out)
{
	struct url_credentials *creds = &url->creds;
	struct task_extras *e;

	if (creds->user && !t->extras->url_creds.user && (e = task_own_extras(t))) {
		e->url_creds = *creds;
		creds->user = creds->password = NULL;
		t->had_credentials = true;
	}
	return give_key(t, key_out) ? 0 : error_set(YCDL_E_NOMEM, "out of memory");
}

/* Another task already downloads to t's destination: with conflict RENAME
 * t takes the first "name (n).ext" no task has; otherwise it is refused. */
static int take_a_free_name(struct ycdl_session *s, struct task *t)
{
	if (t->conflict != YCDL_CONFLICT_RENAME)
		return error_set(YCDL_E_EXISTS, "another task already downloads to %s",
				t->dest_path);
	for (unsigned int n = 1; n < 10000; n++) {
		char *dest = naming_numbered(t->dest_path, n);

		if (!dest)
			return error_set(YCDL_E_NOMEM, "out of memory");
		if (tasks_find_dest(&s->tasks, dest)) {
			free(dest);
			continue;
		}
		task_rename(t, dest);
		return 0;
	}
	return error_set(YCDL_E_EXISTS, "no free name beside %s", t->dest_path);
}

/* Adds one download (loop thread); *key_out (unless NULL) gets the new or
 * existing task's key. */
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
	if (tasks_find_dest(&s->tasks, t->dest_path) &&
	    (rc = take_a_free_name(s, t)) != 0) {
		task_free(t);
		return rc;
	}
	t->order = s->tasks.next_order;
	t->status = o->start_paused ? YCDL_STATUS_PAUSED : YCDL_STATUS_WAITING;
	if (!tasks_insert(&s->tasks, t)) {
		task_free(t);
		return error_set(YCDL_E_NOMEM, "out of memory");
	}
	if (!give_key(t, key_out) || !group_join(s, t, true)) {
		tasks_unlink(&s->tasks, t);
		task_free(t);
		if (key_out) {
			free(*key_out);
			*key_out = NULL;
		}
		return error_set(YCDL_E_NOMEM, "out of memory");
	}
	emit_task_added(s, t);
	persist_mark(s, t);
	if (!o->start_paused)
		scheduler_enqueue(s, t);
	return 0;
}

/* One add, handed to the loop thread. */
struct add_call {
	const ycdl_task_options *opts;
	struct url_parts *url;         /* the URL as given, taken apart */
	char *key_out;
	bool want_key;
};

static int do_add(struct ycdl_session *s, void *arg)
{
	struct add_call *call = arg;

	return add_one(s, call->opts, call->url, call->want_key ? &call->key_out : NULL);
}

YCDL_EXTERN int ycdl_task_add(char **out_key, ycdl_session *s,
		const ycdl_task_options *opts)
{
	struct url_parts url;
	struct add_call call = { .opts = opts, .url = &url, .want_key = out_key != NULL };
	int rc;

	error_clear();
	if (!s)
		return error_set(YCDL_E_INVALID, "session is NULL");
	/* Checked and parsed here, on the caller's thread: the loop thread
	 * has downloads to drive. */
	if ((rc = task_check_options(opts)) != 0)
		return rc;
	if (remote_add_one(&rc, s, out_key, opts))
		return rc;
	if ((rc = url_parse(opts->url, &url)) != 0)
		return rc;
	rc = loop_call(&s->loop, do_add, &call);
	url_parts_clear(&url);
	if (rc != 0)
		return rc;
	if (out_key)
		*out_key = call.key_out;
	return 0;
}

/* ---------------------------------------------------------- add many */

struct many_cmd {
	const ycdl_task_options *const *opts;
	struct url_parts *urls;
	int *errors;               /* per item; set before the loop for bad ones */
	char **keys;               /* NULL when the caller takes none */
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
		if ((rc = add_one(s, cmd->opts[i], &cmd->urls[i],
				cmd->keys ? &cmd->keys[i] : NULL)) != 0)
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

/* Checks each item and takes its URL apart (where the caller runs: the
 * caller's thread, or the loop for a client's request). */
static void prepare_many(struct many_cmd *cmd)
{
	for (size_t i = 0; i < cmd->count; i++) {
		int rc;

		if ((rc = task_check_options(cmd->opts[i])) != 0 ||
		    (rc = url_parse(cmd->opts[i]->url, &cmd->urls[i])) != 0)
			note_failure(cmd, i, rc);
	}
}

static int alloc_many(struct many_cmd *cmd, size_t count, bool want_keys)
{
	cmd->count = count;
	cmd->urls = calloc(count ? count : 1, sizeof(*cmd->urls));
	cmd->errors = calloc(count ? count : 1, sizeof(*cmd->errors));
	cmd->keys = want_keys ? calloc(count ? count : 1, sizeof(*cmd->keys)) : NULL;
	if (cmd->urls && cmd->errors && (cmd->keys || !want_keys))
		return 0;
	free_many(cmd);
	return error_set(YCDL_E_NOMEM, "out of memory");
}

YCDL_EXTERN int ycdl_task_add_many(char ***out_keys, int *out_errors, ycdl_session *s,
		const ycdl_task_options *const *opts, size_t count)
{
	struct many_cmd cmd = { .opts = opts };
	int rc;

	error_clear();
	if (!s || (count && !opts))
		return error_set(YCDL_E_INVALID, "session and opts are required");
	if (count > 10000000)
		return error_set(YCDL_E_INVALID, "at most 10,000,000 tasks at once");
	if (remote_add_many(&rc, s, out_keys, out_errors, opts, count))
		return rc;
	if ((rc = alloc_many(&cmd, count, out_keys != NULL)) != 0)
		return rc;
	prepare_many(&cmd);
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

int api_add_run(struct ycdl_session *s, const ycdl_task_options *const *opts,
		size_t count, char **keys, int *errors)
{
	struct many_cmd cmd = { .opts = opts };
	int rc;

	if ((rc = alloc_many(&cmd, count, true)) != 0)
		return rc;
	prepare_many(&cmd);
	(void)do_add_many(s, &cmd);
	memcpy(errors, cmd.errors, count * sizeof(*errors));
	memcpy(keys, cmd.keys, count * sizeof(*keys));
	memset(cmd.keys, 0, count * sizeof(*keys));
	free_many(&cmd);
	if (cmd.first_error)
		error_set_message(cmd.first_message);
	return cmd.first_error;
}

static int do_find_by_url(struct ycdl_session *s, void *arg)
{
	struct add_call *call = arg;
	struct task *t = tasks_find_url(&s->tasks, call->url->bare);

	if (!t)
		return error_set(YCDL_E_NOT_FOUND, "no task for URL %s", call->url->bare);
	return (call->key_out = strdup(t->key)) ? 0
		: error_set(YCDL_E_NOMEM, "out of memory");
}

YCDL_EXTERN int ycdl_task_find_by_url(char **out_key, ycdl_session *s, const char *url)
{
	struct url_parts parts;
	struct add_call call = { .url = &parts };
	int rc;

	error_clear();
	if (!out_key || !s || util_is_empty(url))
		return error_set(YCDL_E_INVALID, "out_key, session and url are required");
	if (remote_find_by_url(&rc, s, out_key, url))
		return rc;
	/* Tasks are known by their URL without credentials; a URL that no task
	 * could have is simply not found. */
	if ((rc = url_parse(url, &parts)) != 0)
		return rc == YCDL_E_NOMEM ? rc : error_set(YCDL_E_NOT_FOUND,
				"no task for URL %s", url);
	if ((rc = loop_call(&s->loop, do_find_by_url, &call)) == 0)
		*out_key = call.key_out;
	url_parts_clear(&parts);
	return rc;
}

int api_add_find(struct ycdl_session *s, const char *url, char **out_key)
{
	struct url_parts parts;
	struct add_call call = { .url = &parts };
	int rc;

	if (util_is_empty(url))
		return error_set(YCDL_E_INVALID, "url is required");
	if ((rc = url_parse(url, &parts)) != 0)
		return rc == YCDL_E_NOMEM ? rc : error_set(YCDL_E_NOT_FOUND,
				"no task for URL %s", url);
	if ((rc = do_find_by_url(s, &call)) == 0)
		*out_key = call.key_out;
	url_parts_clear(&parts);
	return rc;
}
