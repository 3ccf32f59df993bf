/* task_methods.c — the task methods of the native Session class. Each checks its
 * arguments, makes one libycdl call and turns its result into a value or a
 * thrown error; tasks are named by their key, as in the C API. */
#include "addon.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const conflict_names[] = { "fail", "overwrite", "rename" };

char *named_call(napi_env env, napi_callback_info info, size_t *argc,
		napi_value *argv, struct native_session **ns, const char *what)
{
	if (!(*ns = session_from_call(env, info, argc, argv, true)))
		return NULL;
	return arg_string(env, argv[0], what);
}

/* The session and the key (malloc'ed) of a call whose first argument is a
 * task key; argv receives *argc arguments. NULL after throwing. */
static char *key_call(napi_env env, napi_callback_info info, size_t *argc,
		napi_value *argv, struct native_session **ns)
{
	return named_call(env, info, argc, argv, ns, "key");
}

/* Frees key and returns undefined, or throws when rc failed. */
static napi_value key_call_done(napi_env env, char *key, int rc)
{
	free(key);
	return result_of(env, rc);
}

bool optional_string_arg(napi_env env, napi_value value, const char *what, char **out)
{
	napi_valuetype type;

	*out = NULL;
	if (napi_typeof(env, value, &type) == napi_ok &&
	    (type == napi_undefined || type == napi_null))
		return true;
	return (*out = arg_string(env, value, what)) != NULL;
}

/* key as a JavaScript string; frees key, which libycdl allocated. */
static napi_value key_string(napi_env env, char *key)
{
	napi_value v;
	napi_status st = napi_create_string_utf8(env, key, NAPI_AUTO_LENGTH, &v);

	ycdl_free(key);
	if (st != napi_ok) {
		throw_napi_failure(env, st);
		return NULL;
	}
	return v;
}

/* ---------------------------------------------------------------- add */

static bool read_task_options(struct reader *r, ycdl_task_options *t)
{
	int64_t number;
	uint64_t count;

	read_string(r, "url", &t->url);
	read_string(r, "dest", &t->dest_path);
	read_string(r, "destDir", &t->dest_dir);
	read_string(r, "fileId", &t->file_id);
	read_string(r, "displayName", &t->display_name);
	read_string(r, "thumbnailUrl", &t->thumbnail_url);
	read_bytes(r, "userData", &t->user_data, &t->user_data_len);
	read_string_array(r, "headers", &t->headers, &t->header_count);
	read_string_array(r, "secretHeaders", &t->secret_headers,
			&t->secret_header_count);
	read_bool(r, "allowCellular", &t->allow_cellular);
	if (read_int(r, "priority", INT32_MIN, INT32_MAX, &number))
		t->priority = (int)number;
	read_int(r, "expectedSize", -1, JS_MAX_SAFE_INTEGER, &t->expected_size);
	read_string(r, "checksum", &t->checksum);
	read_uint(r, "maxRecvSpeed", UINT64_MAX, &t->max_recv_speed);
	read_choice(r, "conflict", conflict_names,
			sizeof(conflict_names) / sizeof(conflict_names[0]), &t->conflict);
	read_bool(r, "useContentDisposition", &t->use_content_disposition);
	read_bool(r, "startPaused", &t->start_paused);
	read_string(r, "group", &t->group);
	read_string_array(r, "mirrors", &t->mirrors, &t->mirror_count);
	read_string_array(r, "acceptTypes", &t->accept_types, &t->accept_type_count);
	read_uint(r, "minSize", JS_MAX_SAFE_INTEGER, &t->min_size);
	read_bool(r, "nameFromUrl", &t->name_from_url);
	/* 0..YCDL_MAX_CONNECTIONS is the core's to judge. */
	if (read_uint(r, "connections", UINT32_MAX, &count))
		t->connections = (unsigned int)count;
	if (r->failed)
		return false;
	if (!r->object) {
		throw_invalid(r->env, "task options must be an object with a url");
		return false;
	}
	if (!t->url) {
		throw_invalid(r->env, "options.url is required: an http or https URL");
		return false;
	}
	return true;
}

/* add(options) -> key. Adding a URL or key the session already holds
 * returns the existing task's key. */
napi_value task_add(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1], result = NULL;
	struct native_session *ns = session_from_call(env, info, &argc, argv, true);
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	struct reader r;
	char *key;
	int rc;

	if (!ns)
		return NULL;
	reader_init(&r, env, argv[0], "options");
	if (!read_task_options(&r, &t))
		goto out;
	if ((rc = ycdl_task_add(&key, ns->core, &t)) != 0) {
		throw_core_error(env, rc);
		goto out;
	}
	result = key_string(env, key);
	watch_update(ns, true);
out:
	reader_free(&r);
	return result;
}

/* One item of addMany's answer: the key, or the error of the item. */
static napi_value add_many_item(napi_env env, const char *key, int code, const char *message)
{
	struct builder b;
	napi_value v;

	if (key && code == 0) {
		NAPI_OR_NULL(env, napi_create_string_utf8(env, key, NAPI_AUTO_LENGTH, &v));
		return v;
	}
	builder_init(&b, env);
	put_string(&b, "code", error_name(code));
	put_number(&b, "errno", code);
	put_string(&b, "message", message);
	return builder_finish(&b);
}

/* addMany(optionsArray) -> per item its key, or { code, errno, message }:
 * one hand-over to the core and one journal write for them all. Items are
 * independent; the first failing one's message is the core's own. */
napi_value task_add_many(napi_env env, napi_callback_info info)
{
	size_t argc = 1, count = 0, done = 0;
	napi_value argv[1], result = NULL, item;
	struct native_session *ns = session_from_call(env, info, &argc, argv, true);
	ycdl_task_options *opts = NULL;
	const ycdl_task_options **items = NULL;
	struct reader *readers = NULL;
	char **keys = NULL, what[64], message[512];
	int *codes = NULL, rc;
	bool is_array = false, first = true;
	uint32_t len;

	if (!ns)
		return NULL;
	if (napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array ||
	    napi_get_array_length(env, argv[0], &len) != napi_ok) {
		throw_invalid(env, "items must be an array of task options");
		return NULL;
	}
	count = len;
	opts = calloc(count ? count : 1, sizeof(*opts));
	items = calloc(count ? count : 1, sizeof(*items));
	readers = calloc(count ? count : 1, sizeof(*readers));
	codes = calloc(count ? count : 1, sizeof(*codes));
	if (!opts || !items || !readers || !codes) {
		throw_error(env, YCDL_E_NOMEM, "out of memory");
		goto out;
	}
	for (; done < count; done++) {
		snprintf(what, sizeof(what), "items[%zu]", done);
		if (napi_get_element(env, argv[0], (uint32_t)done, &item) != napi_ok) {
			throw_napi_failure(env, napi_generic_failure);
			goto out;
		}
		opts[done] = (ycdl_task_options)YCDL_TASK_OPTIONS_INIT;
		reader_init(&readers[done], env, item, what);
		items[done] = &opts[done];
		if (!read_task_options(&readers[done], &opts[done])) {
			done++;
			goto out;
		}
	}
	rc = ycdl_task_add_many(&keys, codes, ns->core, items, count);
	snprintf(message, sizeof(message), "%s", ycdl_last_error_message());
	if (!keys && count) {
		throw_core_error(env, rc);
		goto out;
	}
	if (napi_create_array_with_length(env, count, &result) != napi_ok) {
		throw_napi_failure(env, napi_generic_failure);
		result = NULL;
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		int code = keys[i] ? codes[i] : (codes[i] ? codes[i] : rc);
		napi_value v = add_many_item(env, keys[i], code,
				code && first && *message ? message : ycdl_strerror(code));

		if (code)
			first = false;
		if (!v || napi_set_element(env, result, (uint32_t)i, v) != napi_ok) {
			throw_napi_failure(env, napi_generic_failure);
			result = NULL;
			break;
		}
	}
	watch_update(ns, true);
out:
	if (keys)
		ycdl_keys_free(keys, count);
	for (size_t i = 0; readers && i < done; i++)
		reader_free(&readers[i]);
	free(opts);
	free(items);
	free(readers);
	free(codes);
	return result;
}

/* -------------------------------------------------------- state changes */

napi_value task_pause(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1];
	struct native_session *ns;
	char *key = key_call(env, info, &argc, argv, &ns);

	if (!key)
		return NULL;
	return key_call_done(env, key, ycdl_task_pause(ns->core, key));
}

/* resume(key): a paused or failed task queues again (a failed one starts
 * over its retries); one already waiting or downloading is left alone. */
napi_value task_resume(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1], result;
	struct native_session *ns;
	char *key = key_call(env, info, &argc, argv, &ns);

	if (!key)
		return NULL;
	result = key_call_done(env, key, ycdl_task_resume(ns->core, key));
	if (result)
		watch_update(ns, true);
	return result;
}

/* A boolean flag argument: undefined means false. */
static bool flag_arg(napi_env env, napi_value value, const char *what, bool *out)
{
	napi_valuetype type;

	*out = false;
	if (napi_typeof(env, value, &type) == napi_ok && type == napi_undefined)
		return true;
	return arg_bool(env, value, what, out);
}

typedef int (*key_flags_fn)(ycdl_session *session, const char *key,
		unsigned int flags);

/* A call (key, flag) whose optional boolean flag sets one libycdl flag. */
static napi_value key_flag_call(napi_env env, napi_callback_info info,
		const char *flag_name, unsigned int flag, key_flags_fn fn)
{
	size_t argc = 2;
	napi_value argv[2];
	struct native_session *ns;
	char *key = key_call(env, info, &argc, argv, &ns);
	bool set;

	if (!key)
		return NULL;
	if (!flag_arg(env, argv[1], flag_name, &set)) {
		free(key);
		return NULL;
	}
	return key_call_done(env, key, fn(ns->core, key, set ? flag : 0));
}

/* cancel(key, deleteData): the task fails with YCDL_E_CANCELED. */
napi_value task_cancel(napi_env env, napi_callback_info info)
{
	return key_flag_call(env, info, "deleteData", YCDL_CANCEL_DELETE_DATA,
			ycdl_task_cancel);
}

/* remove(key, deleteFile): forgets the task and its partial data. */
napi_value task_remove(napi_env env, napi_callback_info info)
{
	return key_flag_call(env, info, "deleteFile", YCDL_REMOVE_DELETE_FILE,
			ycdl_task_remove);
}

/* ---------------------------------------------------------------- info */

static napi_value error_object(napi_env env, const ycdl_task_info *t)
{
	struct builder b;

	builder_init(&b, env);
	put_string(&b, "code", error_name(t->error_code));
	put_number(&b, "errno", t->error_code);
	put_string(&b, "message", t->error_message);
	put_number(&b, "httpStatus", t->http_status);
	return builder_finish(&b);
}

napi_value info_object(napi_env env, const ycdl_task_info *t)
{
	struct builder b;

	builder_init(&b, env);
	put_string(&b, "key", t->key);
	put_string(&b, "url", t->url);
	put_string(&b, "finalUrl", t->final_url);
	put_string(&b, "dest", t->dest_path);
	put_string(&b, "fileId", t->file_id);
	put_string(&b, "displayName", t->display_name);
	put_string(&b, "thumbnailUrl", t->thumbnail_url);
	put_bytes(&b, "userData", t->user_data, t->user_data_len);
	put_string(&b, "status", ycdl_status_name(t->status));
	put_number(&b, "bytesWritten", (double)t->bytes_written);
	put_number(&b, "bytesExpected", (double)t->bytes_expected);
	put_number(&b, "speedBps", (double)t->speed_bps);
	put_number(&b, "etaSeconds", (double)t->eta_seconds);
	if (t->resumable < 0)
		put_null(&b, "resumable");
	else
		put_bool(&b, "resumable", t->resumable != 0);
	put_number(&b, "priority", t->priority);
	put_bool(&b, "allowCellular", t->allow_cellular != 0);
	if (t->error_code == 0)
		put_null(&b, "error");
	else if (b.status == napi_ok)
		put_value(&b, "error", error_object(env, t));
	put_number(&b, "httpStatus", t->http_status);
	put_number(&b, "retries", t->retries);
	put_string(&b, "sha256", t->sha256_hex);
	put_string(&b, "requestUrl", t->request_url);
	put_string(&b, "group", t->group);
	put_number(&b, "connections", t->connections);
	put_number(&b, "maxConnections", t->max_connections);
	return builder_finish(&b);
}

napi_value task_info(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1], result;
	struct native_session *ns;
	char *key = key_call(env, info, &argc, argv, &ns);
	ycdl_task_info *t;
	int rc;

	if (!key)
		return NULL;
	rc = ycdl_task_get_info(&t, ns->core, key);
	free(key);
	if (rc != 0) {
		throw_core_error(env, rc);
		return NULL;
	}
	result = info_object(env, t);
	ycdl_task_info_free(t);
	return result;
}

/* ---------------------------------------------------------------- list */

/* A status mask from an array of status names; undefined means all. */
bool status_mask(napi_env env, napi_value value, unsigned int *mask)
{
	static const char *const names[] = { "waiting", "downloading", "paused",
		"waiting-for-network", "finished", "failed", "waiting-for-url" };
	napi_valuetype type;
	napi_value item;
	bool is_array = false;
	uint32_t count;
	char what[64];
	int index;

	*mask = YCDL_STATUS_ALL;
	if (napi_typeof(env, value, &type) == napi_ok && type == napi_undefined)
		return true;
	if (napi_is_array(env, value, &is_array) != napi_ok || !is_array ||
	    napi_get_array_length(env, value, &count) != napi_ok) {
		throw_invalid(env, "statuses must be an array of status names");
		return false;
	}
	*mask = 0;
	for (uint32_t i = 0; i < count; i++) {
		snprintf(what, sizeof(what), "statuses[%u]", i);
		NAPI_OR_FALSE(env, napi_get_element(env, value, i, &item));
		index = arg_choice(env, item, what, names, sizeof(names) / sizeof(names[0]));
		if (index < 0)
			return false;
		/* names[i] is status i + 1, as in ycdl_status. */
		*mask |= YCDL_STATUS_BIT(index + 1);
	}
	return true;
}

napi_value keys_array(napi_env env, char **keys, size_t count)
{
	napi_value array = NULL, item;

	if (napi_create_array_with_length(env, count, &array) != napi_ok)
		goto fail;
	for (size_t i = 0; i < count; i++)
		if (napi_create_string_utf8(env, keys[i], NAPI_AUTO_LENGTH, &item) != napi_ok ||
		    napi_set_element(env, array, (uint32_t)i, item) != napi_ok)
			goto fail;
	ycdl_keys_free(keys, count);
	return array;
fail:
	ycdl_keys_free(keys, count);
	throw_napi_failure(env, napi_generic_failure);
	return NULL;
}

/* list(statuses) -> keys in queue order. */
napi_value task_list(napi_env env, napi_callback_info info)
{
	size_t argc = 1, count;
	napi_value argv[1];
	struct native_session *ns = session_from_call(env, info, &argc, argv, true);
	unsigned int mask;
	char **keys;
	int rc;

	if (!ns || !status_mask(env, argv[0], &mask))
		return NULL;
	if ((rc = ycdl_session_list(&keys, &count, ns->core, mask)) != 0) {
		throw_core_error(env, rc);
		return NULL;
	}
	return keys_array(env, keys, count);
}

/* listInfo(statuses) -> every task's info in queue order, with one
 * hand-over to the core. */
napi_value task_list_info(napi_env env, napi_callback_info info)
{
	size_t argc = 1, count;
	napi_value argv[1], array = NULL, item;
	struct native_session *ns = session_from_call(env, info, &argc, argv, true);
	ycdl_task_info **infos;
	unsigned int mask;
	int rc;

	if (!ns || !status_mask(env, argv[0], &mask))
		return NULL;
	if ((rc = ycdl_session_list_info(&infos, &count, ns->core, mask)) != 0) {
		throw_core_error(env, rc);
		return NULL;
	}
	if (napi_create_array_with_length(env, count, &array) != napi_ok) {
		throw_napi_failure(env, napi_generic_failure);
		array = NULL;
	}
	for (size_t i = 0; array && i < count; i++) {
		if (!(item = info_object(env, infos[i])) ||
		    napi_set_element(env, array, (uint32_t)i, item) != napi_ok) {
			throw_napi_failure(env, napi_generic_failure);
			array = NULL;
		}
	}
	ycdl_task_info_list_free(infos, count);
	return array;
}

/* findByUrl(url) -> the key of the task whose original URL is url, or
 * null. */
napi_value task_find_by_url(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1], none;
	struct native_session *ns = session_from_call(env, info, &argc, argv, true);
	char *url, *key;
	int rc;

	if (!ns || !(url = arg_string(env, argv[0], "url")))
		return NULL;
	rc = ycdl_task_find_by_url(&key, ns->core, url);
	free(url);
	if (rc == YCDL_E_NOT_FOUND) {
		NAPI_OR_NULL(env, napi_get_null(env, &none));
		return none;
	}
	if (rc != 0) {
		throw_core_error(env, rc);
		return NULL;
	}
	return key_string(env, key);
}

/* ------------------------------------------------------- task settings */

typedef int (*key_value_fn)(ycdl_session *session, const char *key, int value);

/* A call (key, value) with an int32 value, or a boolean one as 0/1. */
static napi_value key_value_call(napi_env env, napi_callback_info info,
		const char *name, bool boolean, key_value_fn fn)
{
	size_t argc = 2;
	napi_value argv[2];
	struct native_session *ns;
	char *key = key_call(env, info, &argc, argv, &ns);
	int64_t value = 0;
	bool b = false, ok;

	if (!key)
		return NULL;
	ok = boolean ? arg_bool(env, argv[1], name, &b)
		: arg_int(env, argv[1], name, INT32_MIN, INT32_MAX, &value);
	if (!ok) {
		free(key);
		return NULL;
	}
	return key_call_done(env, key, fn(ns->core, key, boolean ? b : (int)value));
}

napi_value task_set_priority(napi_env env, napi_callback_info info)
{
	return key_value_call(env, info, "priority", false, ycdl_task_set_priority);
}

napi_value task_set_allow_cellular(napi_env env, napi_callback_info info)
{
	return key_value_call(env, info, "allow", true, ycdl_task_set_allow_cellular);
}

/* A call (key, string or null) whose string may be absent: NULL. */
static napi_value key_optional_string_call(napi_env env, napi_callback_info info,
		const char *name, int (*fn)(ycdl_session *, const char *, const char *),
		bool requeues)
{
	size_t argc = 2;
	napi_value argv[2], result;
	struct native_session *ns;
	char *key = key_call(env, info, &argc, argv, &ns), *value;

	if (!key)
		return NULL;
	if (!optional_string_arg(env, argv[1], name, &value)) {
		free(key);
		return NULL;
	}
	result = key_call_done(env, key, fn(ns->core, key, value));
	free(value);
	if (result && requeues)
		watch_update(ns, true);
	return result;
}

/* setUrl(key, url or null): a new URL to request; a task waiting for one
 * is queued again. */
napi_value task_set_url(napi_env env, napi_callback_info info)
{
	return key_optional_string_call(env, info, "url", ycdl_task_set_url, true);
}

/* setGroup(key, group or null). */
napi_value task_set_group(napi_env env, napi_callback_info info)
{
	return key_optional_string_call(env, info, "group", ycdl_task_set_group, false);
}

napi_value task_set_headers(napi_env env, napi_callback_info info)
{
	size_t argc = 2, count;
	napi_value argv[2];
	struct native_session *ns;
	char *key = key_call(env, info, &argc, argv, &ns), **headers;
	int rc;

	if (!key)
		return NULL;
	if (!arg_string_array(env, argv[1], "headers", &headers, &count)) {
		free(key);
		return NULL;
	}
	rc = ycdl_task_set_headers(ns->core, key, (const char *const *)headers, count);
	strings_free(headers);
	return key_call_done(env, key, rc);
}
