/* api_query.c — the query side of the API: one task's info and lists of
 * keys or infos, copied out of the loop thread into memory the caller
 * owns. */
#define _GNU_SOURCE
#include "error.h"
#include "naming.h"
#include "session.h"
#include "task.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct info_cmd {
	const char *key;
	unsigned int mask;
	ycdl_task_info *info;
	char **keys;
	ycdl_task_info **infos;
	size_t count;
};

/* Info and its strings live in one block, so ycdl_task_info_free is one
 * free(). */
struct packer {
	char *cursor;
};

static const char *pack(struct packer *p, const char *s, size_t len)
{
	char *at = p->cursor;

	memcpy(at, s, len);
	at[len] = '\0';
	p->cursor += len + 1;
	return at;
}

static const char *pack_str(struct packer *p, const char *s)
{
	return pack(p, s ? s : "", s ? strlen(s) : 0);
}

static size_t packed_size(const struct task *t)
{
	const char *strings[] = { t->key, t->url, t->final_url, t->dest_path,
		t->file_id, t->display_name, t->thumbnail_url, t->error_message,
		t->sha256_hex };
	size_t size = sizeof(ycdl_task_info) + t->user_data_len + 1;

	for (size_t i = 0; i < YCDL_ARRAY_SIZE(strings); i++)
		size += (strings[i] ? strlen(strings[i]) : 0) + 1;
	return size;
}

static int64_t eta_seconds(const struct task *t)
{
	if (t->status != YCDL_STATUS_DOWNLOADING || t->speed_bps == 0 || t->total < 0 ||
	    (uint64_t)t->total < t->offset)
		return -1;
	return (int64_t)(((uint64_t)t->total - t->offset) / t->speed_bps);
}

static ycdl_task_info *build_info(const struct task *t)
{
	ycdl_task_info *info = calloc(1, packed_size(t));
	struct packer p;

	if (!info)
		return NULL;
	p.cursor = (char *)(info + 1);
	info->key = pack_str(&p, t->key);
	info->url = pack_str(&p, t->url);
	info->final_url = pack_str(&p, t->final_url);
	info->dest_path = pack_str(&p, t->dest_path);
	info->file_id = pack_str(&p, t->file_id);
	info->display_name = pack_str(&p, t->display_name);
	info->thumbnail_url = pack_str(&p, t->thumbnail_url);
	info->error_message = pack_str(&p, t->error_message);
	info->sha256_hex = pack_str(&p, t->status == YCDL_STATUS_FINISHED
			? t->sha256_hex : "");
	info->user_data = t->user_data_len
		? pack(&p, (const char *)t->user_data, t->user_data_len) : NULL;
	info->user_data_len = t->user_data_len;
	info->status = t->status;
	info->bytes_written = t->offset;
	info->bytes_expected = t->total;
	info->speed_bps = t->status == YCDL_STATUS_DOWNLOADING ? t->speed_bps : 0;
	info->eta_seconds = eta_seconds(t);
	info->resumable = t->resumability == RESUMABLE_YES ? 1
		: t->resumability == RESUMABLE_NO ? 0 : -1;
	info->priority = t->priority;
	info->allow_cellular = t->allow_cellular;
	info->error_code = t->error_code;
	info->http_status = t->http_status;
	info->retries = t->retries;
	return info;
}

static int do_get_info(struct ycdl_session *s, void *arg)
{
	struct info_cmd *cmd = arg;
	struct task *t = tasks_find(&s->tasks, cmd->key);

	if (!t)
		return error_set(YCDL_E_NOT_FOUND, "no task with key \"%s\"", cmd->key);
	if (!(cmd->info = build_info(t)))
		return error_set(YCDL_E_NOMEM, "out of memory");
	return 0;
}

YCDL_EXTERN int ycdl_task_get_info(ycdl_task_info **out, ycdl_session *s,
		const char *key)
{
	struct info_cmd cmd = { .key = key };
	int rc;

	error_clear();
	if (!out || !s)
		return error_set(YCDL_E_INVALID, "out and session are required");
	if (!naming_key_is_valid(key))
		return error_set(YCDL_E_INVALID, "key must be 1..200 bytes without "
				"control characters");
	if ((rc = loop_call(&s->loop, do_get_info, &cmd)) == 0)
		*out = cmd.info;
	return rc;
}

YCDL_EXTERN void ycdl_task_info_free(ycdl_task_info *info)
{
	free(info);
}

static int do_list(struct ycdl_session *s, void *arg)
{
	struct info_cmd *cmd = arg;
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
	struct info_cmd cmd = { .mask = status_mask };
	int rc;

	error_clear();
	if (!out_keys || !out_count || !s)
		return error_set(YCDL_E_INVALID, "out_keys, out_count and session are "
				"required");
	if ((rc = loop_call(&s->loop, do_list, &cmd)) == 0) {
		*out_keys = cmd.keys;
		*out_count = cmd.count;
	}
	return rc;
}

YCDL_EXTERN void ycdl_keys_free(char **keys, size_t count)
{
	if (!keys)
		return;
	for (size_t i = 0; i < count; i++)
		free(keys[i]);
	free(keys);
}

static int do_list_info(struct ycdl_session *s, void *arg)
{
	struct info_cmd *cmd = arg;
	size_t n = 0;

	cmd->infos = calloc(s->tasks.count ? s->tasks.count : 1, sizeof(*cmd->infos));
	if (!cmd->infos)
		return error_set(YCDL_E_NOMEM, "out of memory");
	for (struct task *t = tasks_first(&s->tasks); t; t = tasks_next(&s->tasks, t)) {
		if (!(cmd->mask & YCDL_STATUS_BIT(t->status)))
			continue;
		if (!(cmd->infos[n] = build_info(t))) {
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
	struct info_cmd cmd = { .mask = status_mask };
	int rc;

	error_clear();
	if (!out_infos || !out_count || !s)
		return error_set(YCDL_E_INVALID, "out_infos, out_count and session are "
				"required");
	if ((rc = loop_call(&s->loop, do_list_info, &cmd)) == 0) {
		*out_infos = cmd.infos;
		*out_count = cmd.count;
	}
	return rc;
}

YCDL_EXTERN void ycdl_task_info_list_free(ycdl_task_info **infos, size_t count)
{
	if (!infos)
		return;
	for (size_t i = 0; i < count; i++)
		free(infos[i]);
	free(infos);
}
