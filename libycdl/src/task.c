/* task.c — the task model: creating tasks from the caller's options,
 * freeing them, and what can be said of one task alone. It calls nothing
 * above itself (status.c changes statuses, persist.c writes snapshots). */
#define _GNU_SOURCE
#include "task.h"

#include "digest.h"
#include "error.h"
#include "body_guard.h"
#include "naming.h"
#include "segmented_task.h"
#include "session.h"
#include "url.h"
#include "util.h"

#include <ctype.h>
#include <stddef.h>
#include <curl/curl.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_USER_DATA (1u << 20)
#define MAX_HEADERS 100
/* A part file's name: its destination's, with this after it. */
#define PART_SUFFIX ".part"

const struct task_extras task_no_extras = {
	.file_id = util_empty_chars,
	.display_name = util_empty_chars,
	.thumbnail_url = util_empty_chars,
	.expected_checksum = util_empty_chars,
	.request_url = util_empty_chars,
};

struct task_extras *task_own_extras(struct task *t)
{
	struct task_extras *e;

	if (t->extras != &task_no_extras)
		return (struct task_extras *)t->extras;
	if (!(e = malloc(sizeof(*e))))
		return NULL;
	*e = task_no_extras;
	t->extras = e;
	return e;
}

static bool extras_are_defaults(const struct task_extras *e)
{
	const struct task_extras *d = &task_no_extras;

	return e->file_id == d->file_id && e->display_name == d->display_name &&
		e->thumbnail_url == d->thumbnail_url &&
		e->expected_checksum == d->expected_checksum &&
		e->request_url == d->request_url && !e->user_data &&
		!e->headers && !e->secret_names && !e->accept_types && !e->mirrors &&
		!e->max_recv_speed && !e->min_size && !e->url_creds.user &&
		!e->url_creds.password && !e->mirror_index;
}

void task_settle_extras(struct task *t)
{
	if (t->extras != &task_no_extras && extras_are_defaults(t->extras)) {
		free((void *)t->extras);
		t->extras = &task_no_extras;
	}
}

static void extras_free(const struct task_extras *shared)
{
	struct task_extras *e = (struct task_extras *)shared;

	if (shared == &task_no_extras)
		return;
	util_free_string(e->file_id);
	util_free_string(e->display_name);
	util_free_string(e->thumbnail_url);
	util_free_string(e->expected_checksum);
	util_free_string(e->request_url);
	free(e->user_data);
	util_free_strings(e->headers, e->header_count);
	util_free_strings(e->secret_names, e->secret_name_count);
	util_free_strings(e->accept_types, e->accept_type_count);
	util_free_strings(e->mirrors, e->mirror_count);
	url_credentials_clear(&e->url_creds);
	free(e);
}

/* line is "name: ..." (name compared without case). */
static bool header_has_name(const char *line, const char *name, size_t len)
{
	return strncasecmp(line, name, len) == 0 && line[len] == ':';
}

bool task_header_is_secret(const struct task *t, const char *line)
{
	static const char *const secret[] = {
		"authorization", "proxy-authorization", "cookie",
	};

	for (size_t i = 0; i < YCDL_ARRAY_SIZE(secret); i++)
		if (header_has_name(line, secret[i], strlen(secret[i])))
			return true;
	for (size_t i = 0; t && i < t->extras->secret_name_count; i++)
		if (header_has_name(line, t->extras->secret_names[i],
				strlen(t->extras->secret_names[i])))
			return true;
	return false;
}

bool task_mark_secret(struct task *t, const char *line)
{
	size_t len = strcspn(line, ":");
	struct task_extras *e;
	char **names, *name;

	for (size_t i = 0; i < t->extras->secret_name_count; i++)
		if (strlen(t->extras->secret_names[i]) == len &&
		    header_has_name(line, t->extras->secret_names[i], len))
			return true;
	if (!(e = task_own_extras(t)) || !(name = strndup(line, len)))
		return false;
	for (char *p = name; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	names = realloc(e->secret_names, (e->secret_name_count + 1) * sizeof(*names));
	if (!names) {
		free(name);
		return false;
	}
	names[e->secret_name_count++] = name;
	e->secret_names = names;
	return true;
}

bool task_hashes(const struct ycdl_session *s, const struct task *t)
{
	return s->cfg.compute_sha256 || strncmp(t->extras->expected_checksum, "sha256:", 7) == 0;
}

bool task_hashed_by_commit(const struct ycdl_session *s, const struct task *t)
{
	return task_hashes(s, t) && util_is_empty(t->extras->expected_checksum);
}

bool task_lacks_credentials(const struct task *t)
{
	const struct task_extras *e = t->extras;

	if (!t->had_credentials || e->url_creds.user)
		return false;
	for (size_t i = 0; i < e->header_count; i++)
		if (task_header_is_secret(t, e->headers[i]))
			return false;
	return true;
}

const char *task_request_url(const struct task *t)
{
	const struct task_extras *e = t->extras;

	if (e->mirror_index > 0 && e->mirror_index <= e->mirror_count)
		return e->mirrors[e->mirror_index - 1];
	return util_is_empty(e->request_url) ? t->url : e->request_url;
}

void task_use_mirror(struct task *t, unsigned int mirror_index)
{
	const char *before = task_request_url(t);

	/* A task with mirrors owns its extras (it was given them). */
	if (mirror_index > t->extras->mirror_count ||
	    mirror_index == t->extras->mirror_index)
		return;
	((struct task_extras *)t->extras)->mirror_index = mirror_index;
	t->validators_elsewhere |= !url_same_origin(before, task_request_url(t));
}

int task_check_mirrors(const char *const *mirrors, size_t count)
{
	if (count > TASK_MAX_MIRRORS)
		return error_set(YCDL_E_INVALID, "at most %d mirrors", TASK_MAX_MIRRORS);
	if (count && !mirrors)
		return error_set(YCDL_E_INVALID, "mirrors is NULL but mirror_count > 0");
	for (size_t i = 0; i < count; i++) {
		struct url_parts parts;
		bool creds;
		int rc;

		if (!mirrors[i])
			return error_set(YCDL_E_INVALID, "mirror %zu is NULL", i);
		if ((rc = url_parse(mirrors[i], &parts)) != 0)
			return error_set(rc, "mirror %zu: %s", i, ycdl_last_error_message());
		creds = parts.creds.user != NULL;
		url_parts_clear(&parts);
		if (creds)
			return error_set(YCDL_E_INVALID, "mirror %zu carries credentials: "
					"give them as headers", i);
	}
	return 0;
}

bool task_status_is_pending(int status)
{
	return status == YCDL_STATUS_WAITING || status == YCDL_STATUS_DOWNLOADING ||
		status == YCDL_STATUS_WAITING_FOR_NETWORK;
}

void task_forget_progress(struct task *t)
{
	t->offset = t->synced_offset = 0;
	t->total = -1;
}

void task_set_error(struct task *t, int code, const char *message,
		unsigned int http_status)
{
	t->error_code = code;
	t->http_status = http_status;
	util_replace_string(&t->error_message, message);
}

void task_clear_error(struct task *t)
{
	task_set_error(t, 0, "", t->http_status);
}

/* The paths a task was given after it was made are its own strings; the
 * ones made with it live in its block (task_alloc). */
static void drop_dest(struct task *t)
{
	if (!t->dest_inline)
		util_free_string(t->dest_path);
}

static void drop_held_part_path(struct task *t)
{
	if (!t->part_inline)
		free(t->held_part_path);
	t->held_part_path = NULL;
	t->part_inline = false;
}

void task_free(struct task *t)
{
	if (!t)
		return;
	util_free_string(t->final_url);
	drop_dest(t);
	drop_held_part_path(t);
	util_free_string(t->etag);
	util_free_string(t->last_modified);
	util_free_string(t->error_message);
	util_free_string(t->sha256_hex);
	/* A member's name is its group's (group_join); its membership is a
	 * plain block, freed with it when the session closes. */
	if (t->group)
		free(t->group);
	else
		util_free_string(t->group_name);
	extras_free(t->extras);
	segments_forget(t);
	if (t->run) {
		if (t->run->retry_timer)
			event_free(t->run->retry_timer);
		digest_free(t->run->sha256);  /* its owner abandoned a job still out */
		free(t->run);
	}
	free(t);
}

/* ------------------------------------------------- validating options */

static bool is_hex(const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static int check_checksum(const char *checksum)
{
	if (util_is_empty(checksum))
		return 0;
	if ((strncmp(checksum, "sha256:", 7) == 0 && is_hex(checksum + 7, 64)) ||
	    (strncmp(checksum, "md5:", 4) == 0 && is_hex(checksum + 4, 32)))
		return 0;
	return error_set(YCDL_E_INVALID, "checksum must be sha256:<64 hex> or "
			"md5:<32 hex>");
}

int task_check_headers(const char *const *headers, size_t count)
{
	if (count > MAX_HEADERS)
		return error_set(YCDL_E_INVALID, "at most %d headers", MAX_HEADERS);
	if (count && !headers)
		return error_set(YCDL_E_INVALID, "headers is NULL but header_count > 0");
	for (size_t i = 0; i < count; i++) {
		const char *h = headers[i];
		const char *colon = h ? strchr(h, ':') : NULL;

		if (!colon || colon == h || strpbrk(h, "\r\n") || strlen(h) > 8192)
			return error_set(YCDL_E_INVALID, "header %zu is not a single "
					"\"Name: value\" line", i);
	}
	return 0;
}

int task_check_options(const ycdl_task_options *given)
{
	ycdl_task_options full;
	const ycdl_task_options *o = &full;
	int rc;

	if (!given)
		return error_set(YCDL_E_INVALID, "opts is NULL");
	if (given->version == 0 || given->version > YCDL_TASK_OPTIONS_VERSION)
		return error_set(YCDL_E_INVALID, "unsupported ycdl_task_options "
				"version %u (use YCDL_TASK_OPTIONS_INIT)", given->version);
	task_options_complete(&full, given);
	if (o->file_id && !naming_key_is_valid(o->file_id))
		return error_set(YCDL_E_INVALID, "file_id must be 1..200 bytes "
				"without control characters");
	if (o->group && *o->group && !naming_key_is_valid(o->group))
		return error_set(YCDL_E_INVALID, "group must be 1..200 bytes "
				"without control characters");
	if (o->user_data_len > MAX_USER_DATA || (o->user_data_len && !o->user_data))
		return error_set(YCDL_E_INVALID, "user_data must be at most 1 MiB");
	if (o->conflict < YCDL_CONFLICT_FAIL || o->conflict > YCDL_CONFLICT_RENAME)
		return error_set(YCDL_E_INVALID, "conflict must be a ycdl_conflict");
	if (o->expected_size < -1)
		return error_set(YCDL_E_INVALID, "expected_size must be -1 or >= 0");
	if (o->connections > YCDL_MAX_CONNECTIONS)
		return error_set(YCDL_E_INVALID, "connections must be 0..%d",
				YCDL_MAX_CONNECTIONS);
	if (o->dest_path && (!*o->dest_path || o->dest_path[strlen(o->dest_path) - 1] == '/'))
		return error_set(YCDL_E_INVALID, "dest_path must name a file");
	if ((rc = check_checksum(o->checksum)) != 0)
		return rc;
	if (o->header_count > MAX_HEADERS || o->secret_header_count > MAX_HEADERS ||
	    o->header_count + o->secret_header_count > MAX_HEADERS)
		return error_set(YCDL_E_INVALID, "at most %d headers", MAX_HEADERS);
	if ((rc = task_check_headers(o->headers, o->header_count)) != 0)
		return rc;
	if ((rc = body_guard_check_types(o->accept_types, o->accept_type_count)) != 0 ||
	    (rc = task_check_mirrors(o->mirrors, o->mirror_count)) != 0)
		return rc;
	return task_check_headers(o->secret_headers, o->secret_header_count);
}

size_t task_options_size(unsigned int version)
{
	if (version == 1)
		return offsetof(ycdl_task_options, secret_headers);
	if (version == 2)
		return offsetof(ycdl_task_options, accept_types);
	if (version == 3)
		return offsetof(ycdl_task_options, connections);
	return sizeof(ycdl_task_options);
}

void task_options_complete(ycdl_task_options *full, const ycdl_task_options *given)
{
	static const ycdl_task_options defaults = YCDL_TASK_OPTIONS_INIT;

	*full = defaults;
	memcpy(full, given, task_options_size(given->version));
}

/* ------------------------------------------------------- construction */

static char *destination_for(const struct ycdl_session *s, const ycdl_task_options *o,
		const char *key, const struct url_parts *url)
{
	char *dir, *dest, *name = NULL;

	if (o->dest_path)
		return util_absolute_path(o->dest_path);
	dir = util_absolute_path(o->dest_dir ? o->dest_dir : s->cfg.download_dir);
	if (!dir)
		return NULL;
	if (o->name_from_url && (name = naming_from_url(url->bare)))
		dest = util_printf("%s/%s", dir, name);
	else
		dest = naming_default_dest(dir, key, url->extension);
	free(name);
	free(dir);
	return dest;
}

/* The caller's headers, then its secret ones (whose names the task
 * remembers as secret). */
static int copy_headers(struct task *t, struct task_extras *e,
		const ycdl_task_options *o)
{
	size_t count = o->header_count + o->secret_header_count;

	if (!count)
		return 0;
	if (!(e->headers = calloc(count, sizeof(char *))))
		return YCDL_E_NOMEM;
	for (size_t i = 0; i < count; i++) {
		bool marked = i >= o->header_count;
		const char *line = marked ? o->secret_headers[i - o->header_count]
			: o->headers[i];

		if (!(e->headers[i] = strdup(line)))
			return YCDL_E_NOMEM;
		e->header_count++;
		if (marked && !task_mark_secret(t, line))
			return YCDL_E_NOMEM;
	}
	for (size_t i = 0; i < e->header_count; i++)
		t->had_credentials |= task_header_is_secret(t, e->headers[i]);
	return 0;
}

/* The rare options into t's own extras (task_settle_extras lets go of
 * them again when none was given). */
static int copy_extras(struct task *t, const ycdl_task_options *o,
		struct url_parts *url)
{
	struct task_extras *e = task_own_extras(t);

	if (!e)
		return YCDL_E_NOMEM;
	e->max_recv_speed = o->max_recv_speed;
	e->min_size = o->min_size;
	if (url->creds.user) {
		e->url_creds = url->creds;
		url->creds.user = url->creds.password = NULL;
		t->had_credentials = true;
	}
	if (!(e->file_id = util_strdup_or_empty(o->file_id)) ||
	    !(e->display_name = util_strdup_or_empty(o->display_name)) ||
	    !(e->thumbnail_url = util_strdup_or_empty(o->thumbnail_url)) ||
	    !(e->expected_checksum = util_strdup_or_empty(o->checksum)))
		return YCDL_E_NOMEM;
	if (o->user_data_len && !(e->user_data = malloc(o->user_data_len)))
		return YCDL_E_NOMEM;
	if (o->user_data_len)
		memcpy(e->user_data, o->user_data, o->user_data_len);
	e->user_data_len = o->user_data_len;
	if (!util_copy_strings(&e->accept_types, &e->accept_type_count,
			o->accept_types, o->accept_type_count) ||
	    !util_copy_strings(&e->mirrors, &e->mirror_count, o->mirrors,
			o->mirror_count))
		return YCDL_E_NOMEM;
	return copy_headers(t, e, o);
}

/* Copies s behind *at and moves *at past it. */
static char *place(char **at, const char *s, size_t len)
{
	char *copy = memcpy(*at, s, len + 1);

	*at += len + 1;
	return copy;
}

struct task *task_alloc(const char *key, const char *url, const char *dest,
		const char *part)
{
	size_t lens[4] = { strlen(key), strlen(url), strlen(dest), part ? strlen(part) : 0 };
	struct task *t = calloc(1, sizeof(*t) + lens[0] + lens[1] + lens[2] +
			(part ? lens[3] + 1 : 0) + 3);
	char *at;

	if (!t)
		return NULL;
	at = (char *)(t + 1);
	t->key = place(&at, key, lens[0]);
	t->url = place(&at, url, lens[1]);
	t->dest_path = place(&at, dest, lens[2]);
	t->held_part_path = part ? place(&at, part, lens[3]) : NULL;
	t->dest_inline = t->part_inline = true;
	t->extras = &task_no_extras;
	queue_init(&t->wait);
	queue_init(&t->dirty);
	queue_init(&t->all);
	return t;
}

bool task_part_path_is_derived(const char *dest, const char *path)
{
	size_t len = strlen(dest);

	return strncmp(path, dest, len) == 0 && strcmp(path + len, PART_SUFFIX) == 0;
}

char *task_part_path_copy(const struct task *t)
{
	return t->held_part_path ? strdup(t->held_part_path)
		: util_printf("%s" PART_SUFFIX, t->dest_path);
}

const char *task_part_path(struct task *t)
{
	char *made;

	if (t->held_part_path)
		return t->held_part_path;
	if (!(made = task_part_path_copy(t))) {
		error_set(YCDL_E_NOMEM, "out of memory");
		return NULL;
	}
	t->held_part_path = made;
	t->part_inline = false;
	return made;
}

static void set_dest(struct task *t, char *dest)
{
	drop_dest(t);
	t->dest_path = dest;
	t->dest_inline = false;
}

void task_rename(struct task *t, char *dest)
{
	drop_held_part_path(t);
	set_dest(t, dest);
}

bool task_move_dest(struct task *t, char *dest)
{
	if (!task_part_path(t))
		return false;   /* the name its bytes are under, before dest moves */
	set_dest(t, dest);
	return true;
}

struct task_run *task_run_of(struct task *t)
{
	if (!t->run && task_part_path(t) && (t->run = calloc(1, sizeof(*t->run))) != NULL)
		t->run->best_offset = t->offset;
	return t->run;
}

int task_new(struct task **out, struct ycdl_session *s, const ycdl_task_options *o,
		const char *key, struct url_parts *url)
{
	char *dest = destination_for(s, o, key, url);
	struct task *t = dest ? task_alloc(key, url->bare, dest, NULL) : NULL;

	free(dest);
	if (!t)
		return error_set(YCDL_E_NOMEM, "out of memory");
	t->final_url = util_empty_string();
	t->etag = util_empty_string();
	t->last_modified = util_empty_string();
	t->error_message = util_empty_string();
	t->sha256_hex = util_empty_string();
	t->group_name = util_strdup_or_empty(o->group);
	if (!t->final_url || !t->etag || !t->last_modified || !t->error_message || !t->sha256_hex ||
	    !t->group_name || copy_extras(t, o, url) != 0) {
		task_free(t);
		return error_set(YCDL_E_NOMEM, "out of memory");
	}
	task_settle_extras(t);
	t->allow_cellular = o->allow_cellular != 0;
	t->priority = o->priority;
	t->expected_size = o->expected_size;
	t->total = -1;
	t->connections = o->connections;
	t->conflict = o->conflict;
	t->use_content_disposition = o->use_content_disposition != 0;
	t->created_ms = util_wall_ms();
	t->status = YCDL_STATUS_PAUSED;
	*out = t;
	return 0;
}
