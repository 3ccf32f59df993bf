/* snapshot.c — task <-> ycdl.TaskSnapshot. Snapshots are read back by other
 * processes after crashes, so nothing in one is trusted before it is
 * checked. */
#define _GNU_SOURCE
#include "snapshot.h"

#include "body_guard.h"
#include "error.h"
#include "naming.h"
#include "segmented_task.h"
#include "task.h"
#include "url.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define S(x) ((char *)((x) ? (x) : ""))

/* Far more segments than a map holds (its connections plus the splits in
 * flight: complete neighbours merge at each checkpoint), beyond which a
 * map is not believed. */
#define SNAPSHOT_MAX_SEGMENTS (1u << 16)

/* The map of a segmented task, with what each segment holds synced; its
 * offset is the synced bytes from 0 (proto/ycdl.proto says why). */
static int view_segments(struct snapshot_view *view, const struct task *t)
{
	const struct segment_map *m = &t->segs->map;
	Ycdl__TaskSnapshot *snap = &view->snap;
	Ycdl__Segment *msgs, **ptrs;
	size_t i = 0;

	view->segments = calloc(m->count, sizeof(*msgs) + sizeof(*ptrs));
	if (!view->segments)
		return YCDL_E_NOMEM;
	msgs = view->segments;
	ptrs = (Ycdl__Segment **)(msgs + m->count);
	for (struct segment *g = segment_map_first(m); g; g = segment_map_next(m, g), i++) {
		ycdl__segment__init(&msgs[i]);
		msgs[i].start = g->start;
		msgs[i].end = g->end;
		msgs[i].synced = g->synced;
		ptrs[i] = &msgs[i];
	}
	snap->n_segments = m->count;
	snap->segments = ptrs;
	snap->offset = segment_map_prefix(m, true);
	return 0;
}

int snapshot_view_of(struct snapshot_view *view, const struct task *t)
{
	Ycdl__TaskSnapshot *snap = &view->snap;
	size_t n = 0;

	ycdl__task_snapshot__init(snap);
	view->headers = NULL;
	view->segments = NULL;
	view->part_path = NULL;
	/* Written out whole, so that the record is read the same by every
	 * version; the task keeps it only once it is needed. */
	if (!t->held_part_path && !(view->part_path = task_part_path_copy(t)))
		return YCDL_E_NOMEM;
	if (t->extras->header_count) {
		view->headers = calloc(t->extras->header_count, sizeof(char *));
		if (!view->headers) {
			snapshot_view_release(view);
			return YCDL_E_NOMEM;
		}
		for (size_t i = 0; i < t->extras->header_count; i++)
			if (!task_header_is_secret(t, t->extras->headers[i]))
				view->headers[n++] = t->extras->headers[i];
	}
	snap->key = S(t->key);
	snap->url = S(t->url);
	snap->final_url = S(t->final_url);
	snap->dest_path = S(t->dest_path);
	snap->part_path = t->held_part_path ? t->held_part_path : view->part_path;
	snap->file_id = S(t->extras->file_id);
	snap->display_name = S(t->extras->display_name);
	snap->thumbnail_url = S(t->extras->thumbnail_url);
	snap->user_data.data = t->extras->user_data;
	snap->user_data.len = t->extras->user_data_len;
	snap->n_headers = n;
	snap->headers = view->headers;
	snap->had_credentials = t->had_credentials;
	snap->n_secret_header_names = t->extras->secret_name_count;
	snap->secret_header_names = t->extras->secret_names;
	snap->allow_cellular = t->allow_cellular;
	snap->priority = t->priority;
	snap->expected_size = t->expected_size;
	snap->expected_checksum = S(t->extras->expected_checksum);
	snap->status = (Ycdl__TaskStatus)(t->commit_stage == COMMIT_RECORDED
			? YCDL_STATUS_FINISHED : t->status);
	snap->offset = t->synced_offset;
	snap->total = t->total;
	snap->etag = S(t->etag);
	snap->last_modified = S(t->last_modified);
	snap->resumability = (Ycdl__Resumability)t->resumability;
	snap->retries = t->retries;
	snap->error_code = t->error_code;
	snap->error_message = S(t->error_message);
	snap->http_status = t->http_status;
	snap->order = t->order;
	snap->created_ms = t->created_ms;
	snap->conflict = (uint32_t)t->conflict;
	snap->use_content_disposition = t->use_content_disposition;
	snap->sha256_hex = S(t->sha256_hex);
	snap->max_recv_speed = t->extras->max_recv_speed;
	snap->request_url = S(t->extras->request_url);
	snap->n_accept_types = t->extras->accept_type_count;
	snap->accept_types = t->extras->accept_types;
	snap->min_size = t->extras->min_size;
	snap->n_mirrors = t->extras->mirror_count;
	snap->mirrors = t->extras->mirrors;
	snap->mirror_index = t->extras->mirror_index;
	snap->group = S(t->group_name);
	snap->connections = t->connections;
	/* A finished task's bytes are its file, never a map of segments. */
	if (t->segs && snap->status != YCDL__TASK_STATUS__TASK_STATUS_FINISHED &&
	    view_segments(view, t) != 0) {
		snapshot_view_release(view);
		return YCDL_E_NOMEM;
	}
	return 0;
}

void snapshot_view_release(struct snapshot_view *view)
{
	free(view->headers);
	view->headers = NULL;
	free(view->segments);
	view->segments = NULL;
	free(view->part_path);
	view->part_path = NULL;
}

/* A segmented snapshot's map, made the task's; the task's bytes are the
 * sum of its segments' synced bytes. */
static int restore_segments(struct task *t, const Ycdl__TaskSnapshot *s)
{
	uint64_t (*ranges)[3];
	int rc;

	if (s->total < 0 || s->n_segments > SNAPSHOT_MAX_SEGMENTS)
		return error_set(YCDL_E_STORE, "snapshot %s has segments without a size",
				s->key);
	if (!(ranges = calloc(s->n_segments, sizeof(*ranges))))
		return error_set(YCDL_E_NOMEM, "out of memory");
	for (size_t i = 0; i < s->n_segments; i++) {
		ranges[i][0] = s->segments[i]->start;
		ranges[i][1] = s->segments[i]->end;
		ranges[i][2] = s->segments[i]->synced;
	}
	rc = segments_restore(t, (uint64_t)s->total, (const uint64_t (*)[3])ranges,
			s->n_segments);
	free(ranges);
	if (rc != 0)
		return rc;
	if (segment_map_prefix(&t->segs->map, true) != s->offset)
		return error_set(YCDL_E_STORE, "snapshot %s: its offset is not its "
				"segments' prefix", s->key);
	t->offset = t->synced_offset = segment_map_sum(&t->segs->map, true);
	return 0;
}

static bool is_absolute(const char *path)
{
	return path && path[0] == '/';
}

static int check(const Ycdl__TaskSnapshot *s)
{
	if (!naming_key_is_valid(s->key) || util_is_empty(s->url))
		return error_set(YCDL_E_STORE, "snapshot without key or URL");
	if (!is_absolute(s->dest_path) || !is_absolute(s->part_path) ||
	    strcmp(s->dest_path, s->part_path) == 0)
		return error_set(YCDL_E_STORE, "snapshot %s has bad paths", s->key);
	if (s->status < YCDL__TASK_STATUS__TASK_STATUS_WAITING ||
	    s->status > YCDL__TASK_STATUS__TASK_STATUS_WAITING_FOR_URL ||
	    (!util_is_empty(s->request_url) && !url_is_http(s->request_url)) ||
	    body_guard_check_types((const char *const *)s->accept_types,
		    s->n_accept_types) != 0 ||
	    task_check_mirrors((const char *const *)s->mirrors, s->n_mirrors) != 0 ||
	    s->mirror_index > s->n_mirrors ||
	    (!util_is_empty(s->group) && !naming_key_is_valid(s->group)) ||
	    s->conflict > YCDL_CONFLICT_RENAME ||
	    (s->total >= 0 && s->offset > (uint64_t)s->total) ||
	    (int)s->resumability < RESUMABLE_UNKNOWN || (int)s->resumability > RESUMABLE_NO)
		return error_set(YCDL_E_STORE, "snapshot %s is inconsistent", s->key);
	return 0;
}

/* The strings every task has, beyond the four made with it (task_alloc). */
static int copy_strings(struct task *t, const Ycdl__TaskSnapshot *s)
{
	struct { char **dst; const char *src; } fields[] = {
		{ &t->final_url, s->final_url }, { &t->etag, s->etag }, { &t->last_modified, s->last_modified },
		{ &t->error_message, s->error_message },
		{ &t->sha256_hex, s->sha256_hex },
		{ &t->group_name, s->group },
	};

	for (size_t i = 0; i < YCDL_ARRAY_SIZE(fields); i++)
		if (!(*fields[i].dst = util_strdup_or_empty(fields[i].src)))
			return YCDL_E_NOMEM;
	return 0;
}

/* The options few tasks have, into t's own extras (task_settle_extras
 * lets go of them when the snapshot had none). */
static int copy_extras(struct task *t, const Ycdl__TaskSnapshot *s)
{
	struct task_extras *e = task_own_extras(t);

	if (!e)
		return YCDL_E_NOMEM;
	e->max_recv_speed = s->max_recv_speed;
	e->min_size = s->min_size;
	e->mirror_index = s->mirror_index;
	if (!(e->file_id = util_strdup_or_empty(s->file_id)) ||
	    !(e->display_name = util_strdup_or_empty(s->display_name)) ||
	    !(e->thumbnail_url = util_strdup_or_empty(s->thumbnail_url)) ||
	    !(e->expected_checksum = util_strdup_or_empty(s->expected_checksum)) ||
	    !(e->request_url = util_strdup_or_empty(s->request_url)))
		return YCDL_E_NOMEM;
	if (s->user_data.len) {
		if (!(e->user_data = malloc(s->user_data.len)))
			return YCDL_E_NOMEM;
		memcpy(e->user_data, s->user_data.data, s->user_data.len);
		e->user_data_len = s->user_data.len;
	}
	for (size_t i = 0; i < s->n_secret_header_names; i++)
		if (!task_mark_secret(t, s->secret_header_names[i]))
			return YCDL_E_NOMEM;
	if (!util_copy_strings(&e->accept_types, &e->accept_type_count,
			(const char *const *)s->accept_types, s->n_accept_types) ||
	    !util_copy_strings(&e->mirrors, &e->mirror_count,
			(const char *const *)s->mirrors, s->n_mirrors) ||
	    !util_copy_strings(&e->headers, &e->header_count,
			(const char *const *)s->headers, s->n_headers))
		return YCDL_E_NOMEM;
	return 0;
}

int snapshot_to_task(struct task **out, const Ycdl__TaskSnapshot *s)
{
	struct task *t;
	int rc;

	if ((rc = check(s)) != 0)
		return rc;
	if (!(t = task_alloc(s->key, s->url, s->dest_path,
			task_part_path_is_derived(s->dest_path, s->part_path)
			? NULL : s->part_path)))
		return error_set(YCDL_E_NOMEM, "out of memory");
	if (copy_strings(t, s) != 0 || copy_extras(t, s) != 0) {
		task_free(t);
		return error_set(YCDL_E_NOMEM, "out of memory");
	}
	task_settle_extras(t);
	t->had_credentials = s->had_credentials;
	t->allow_cellular = s->allow_cellular;
	t->priority = s->priority;
	t->expected_size = s->expected_size;
	t->status = (int)s->status;
	t->offset = t->synced_offset = s->offset;
	t->total = s->total;
	t->resumability = (int)s->resumability;
	t->retries = s->retries;
	t->error_code = s->error_code;
	t->http_status = s->http_status;
	t->order = s->order;
	t->created_ms = s->created_ms;
	t->conflict = (int)s->conflict;
	t->use_content_disposition = s->use_content_disposition;
	t->connections = s->connections > YCDL_MAX_CONNECTIONS ? YCDL_MAX_CONNECTIONS
		: s->connections;
	if (s->n_segments && (rc = restore_segments(t, s)) != 0) {
		task_free(t);
		return rc;
	}
	*out = t;
	return 0;
}
