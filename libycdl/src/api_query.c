/* api_query.c — the query side of the API: one task's info and lists of
 * keys or infos, copied out of the loop thread into memory the caller
 * owns. */
#define _GNU_SOURCE
#include "api_query.h"
#include "api_remote.h"
#include "error.h"
#include "info_block.h"
#include "naming.h"
#include "segmented_task.h"
#include "session.h"
#include "task.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

ycdl_task_info *api_query_info_of(const struct ycdl_session *s,
		const struct task *t)
{
	ycdl_task_info f = {
		.key = t->key, .url = t->url, .final_url = t->final_url,
		.dest_path = t->dest_path, .file_id = t->extras->file_id,
		.display_name = t->extras->display_name, .thumbnail_url = t->extras->thumbnail_url,
		.user_data = t->extras->user_data, .user_data_len = t->extras->user_data_len,
		.status = t->status, .bytes_written = t->offset,
		.bytes_expected = t->total,
		.speed_bps = t->status == YCDL_STATUS_DOWNLOADING && t->run ? t->run->speed_bps : 0,
		.eta_seconds = task_eta_seconds(t),
		.resumable = t->resumability == RESUMABLE_YES ? 1
			: t->resumability == RESUMABLE_NO ? 0 : -1,
		.priority = t->priority, .allow_cellular = t->allow_cellular,
		.error_code = t->error_code, .error_message = t->error_message,
		.http_status = t->http_status, .retries = t->retries,
		.sha256_hex = t->status == YCDL_STATUS_FINISHED ? t->sha256_hex : "",
		.request_url = strcmp(task_request_url(t), t->url) != 0
			? task_request_url(t) : "",
		.group = t->group_name,
		.connections = segments_in_use(t),
		.max_connections = segments_wanted(s, t),
	};

	return info_block_copy(&f);
}

int api_query_get_info(struct ycdl_session *s, void *arg)
{
	struct query *cmd = arg;
	struct task *t = tasks_find(&s->tasks, cmd->key);

	if (!t)
		return error_set(YCDL_E_NOT_FOUND, "no task with key \"%s\"", cmd->key);
	if (!(cmd->info = api_query_info_of(s, t)))
		return error_set(YCDL_E_NOMEM, "out of memory");
	return 0;
}

YCDL_EXTERN int ycdl_task_get_info(ycdl_task_info **out, ycdl_session *s,
		const char *key)
{
	struct query cmd = { .key = key };
	int rc;

	error_clear();
	if (!out || !s)
		return error_set(YCDL_E_INVALID, "out and session are required");
	if (!naming_key_is_valid(key))
		return error_set(YCDL_E_INVALID, "key must be 1..200 bytes without "
				"control characters");
	if (remote_get_info(&rc, s, out, key))
		return rc;
	if ((rc = loop_call(&s->loop, api_query_get_info, &cmd)) == 0)
		*out = cmd.info;
	return rc;
}

int api_query_list(struct ycdl_session *s, void *arg)
{
	struct query *cmd = arg;
	size_t n = 0;

	cmd->keys = calloc(s->tasks.count ? s->tasks.count : 1, sizeof(char *));
	if (!cmd->keys)
		return error_set(YCDL_E_NOMEM, "out of memory");
	for (struct task *t = tasks_first(&s->tasks); t; t = tasks_next(&s->tasks, t)) {
		if (!(cmd->mask & YCDL_STATUS_BIT(t->status)))
			continue;
		if (!(cmd->keys[n] = strdup(t->key))) {
			ycdl_keys_free(cmd->keys, n);
			cmd->keys = NULL;
			return error_set(YCDL_E_NOMEM, "out of memory");
		}
		n++;
	}
	cmd->count = n;
	return 0;
}

YCDL_EXTERN int ycdl_session_list(char ***out_keys, size_t *out_count,
		ycdl_session *s, unsigned int status_mask)
{
	struct query cmd = { .mask = status_mask };
	int rc;

	error_clear();
	if (!out_keys || !out_count || !s)
		return error_set(YCDL_E_INVALID, "out_keys, out_count and session are "
				"required");
	if (remote_list(&rc, s, out_keys, out_count, status_mask))
		return rc;
	if ((rc = loop_call(&s->loop, api_query_list, &cmd)) == 0) {
		*out_keys = cmd.keys;
		*out_count = cmd.count;
	}
	return rc;
}

int api_query_list_info(struct ycdl_session *s, void *arg)
{
	struct query *cmd = arg;
	size_t n = 0;

	cmd->infos = calloc(s->tasks.count ? s->tasks.count : 1, sizeof(*cmd->infos));
	if (!cmd->infos)
		return error_set(YCDL_E_NOMEM, "out of memory");
	for (struct task *t = tasks_first(&s->tasks); t; t = tasks_next(&s->tasks, t)) {
		if (!(cmd->mask & YCDL_STATUS_BIT(t->status)))
			continue;
		if (!(cmd->infos[n] = api_query_info_of(s, t))) {
			ycdl_task_info_list_free(cmd->infos, n);
			cmd->infos = NULL;
			return error_set(YCDL_E_NOMEM, "out of memory");
		}
		n++;
	}
	cmd->count = n;
	return 0;
}

YCDL_EXTERN int ycdl_session_list_info(ycdl_task_info ***out_infos, size_t *out_count,
		ycdl_session *s, unsigned int status_mask)
{
	struct query cmd = { .mask = status_mask };
	int rc;

	error_clear();
	if (!out_infos || !out_count || !s)
		return error_set(YCDL_E_INVALID, "out_infos, out_count and session are "
				"required");
	if (remote_list_info(&rc, s, out_infos, out_count, status_mask))
		return rc;
	if ((rc = loop_call(&s->loop, api_query_list_info, &cmd)) == 0) {
		*out_infos = cmd.infos;
		*out_count = cmd.count;
	}
	return rc;
}

