/* addon.h — what the files of the Node addon share: the native session
 * object, reading JavaScript arguments, building plain objects and turning
 * libycdl error codes into JavaScript errors.
 *
 * Everything here runs on the JavaScript thread. The core's own loop thread
 * never reaches this code: events are pulled from the session's event fd
 * (watch.c), never pushed by a callback. */
#ifndef YCDL_NODE_ADDON_H
#define YCDL_NODE_ADDON_H

/* uv.h uses POSIX 2008 types (pthread_rwlock_t, struct addrinfo) that
 * strict C11 hides; this must precede every system header. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif

#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "ycdl.h"

/* ------------------------------------------------------------ session */

struct native_session {
	napi_env env;
	ycdl_session *core;             /* NULL once closed */
	uv_poll_t *poll;                /* NULL once closed; freed when closed */
	/* The JavaScript wrapper: strong while the session is busy, so that
	 * running downloads keep their listeners alive; weak while idle, so an
	 * unreachable idle session is collected and its finalizer closes it. */
	napi_ref self;
	napi_async_context async;
	bool tasks_pending;             /* as of the last recount */
	bool busy;                      /* tasks pending or events undelivered */
	bool keep_alive;                /* false after session.unref() */
	bool cleanup_hook;              /* registered with the environment */
};

/* Defines the native Session class on exports. */
napi_status session_class_define(napi_env env, napi_value exports);

/* The native session behind a method call's `this`; throws and returns
 * NULL when `this` is not one or (with require_open) when it is closed.
 * argv receives up to *argc arguments (missing ones are undefined). */
struct native_session *session_from_call(napi_env env, napi_callback_info info,
		size_t *argc, napi_value *argv, bool require_open);

/* ------------------------------------------------------------- watch */

/* Starts watching the core's event fd on the environment's libuv loop. */
int watch_start(struct native_session *ns);
/* Stops watching; the poll handle is freed by libuv later. */
void watch_stop(struct native_session *ns);
/* Re-evaluates whether the session keeps the process (and its wrapper)
 * alive: it does while tasks are pending or events wait to be delivered.
 * recount asks the core which tasks are pending; it is needed only when
 * that may have changed: at open, after add and resume, and after status
 * or removed events. */
void watch_update(struct native_session *ns, bool recount);

/* ------------------------------------------------------------- tasks */

/* The task methods of the native Session class, for session_class.c. */
napi_value task_add(napi_env env, napi_callback_info info);
napi_value task_pause(napi_env env, napi_callback_info info);
napi_value task_resume(napi_env env, napi_callback_info info);
napi_value task_cancel(napi_env env, napi_callback_info info);
napi_value task_remove(napi_env env, napi_callback_info info);
napi_value task_info(napi_env env, napi_callback_info info);
napi_value task_list(napi_env env, napi_callback_info info);
napi_value task_find_by_url(napi_env env, napi_callback_info info);
napi_value task_set_priority(napi_env env, napi_callback_info info);
napi_value task_set_allow_cellular(napi_env env, napi_callback_info info);
napi_value task_set_headers(napi_env env, napi_callback_info info);
napi_value task_add_many(napi_env env, napi_callback_info info);
napi_value task_list_info(napi_env env, napi_callback_info info);
napi_value task_set_url(napi_env env, napi_callback_info info);
napi_value task_set_group(napi_env env, napi_callback_info info);

/* The session and the first argument, a string named what (malloc'ed:
 * free it), of a call on a task or a group; NULL after throwing. */
char *named_call(napi_env env, napi_callback_info info, size_t *argc,
		napi_value *argv, struct native_session **ns, const char *what);
/* A string argument that may be undefined or null (*out NULL); false after
 * throwing. *out is malloc'ed. */
bool optional_string_arg(napi_env env, napi_value value, const char *what, char **out);
/* A status mask from an array of status names; undefined means all. */
bool status_mask(napi_env env, napi_value value, unsigned int *mask);
/* keys as a JavaScript array of strings; frees them (ycdl_keys_free). */
napi_value keys_array(napi_env env, char **keys, size_t count);

/* ------------------------------------------------------------ groups */

napi_value group_info(napi_env env, napi_callback_info info);
napi_value group_list(napi_env env, napi_callback_info info);
napi_value group_tasks(napi_env env, napi_callback_info info);
napi_value group_start(napi_env env, napi_callback_info info);
napi_value group_pause(napi_env env, napi_callback_info info);
napi_value group_cancel(napi_env env, napi_callback_info info);
napi_value group_remove(napi_env env, napi_callback_info info);
napi_value group_set_priority(napi_env env, napi_callback_info info);
napi_value group_set_allow_cellular(napi_env env, napi_callback_info info);

/* ------------------------------------------------------------ events */

/* One decoded ycdl.Event as a plain object with a `type`; NULL with an
 * exception pending when the JavaScript engine failed. *changes_tasks is
 * set when the event may change which tasks are pending (status, removed). */
/* One task info as the plain object task.info() returns (before its
 * userData becomes metadata); also the tasks of an attached event. */
napi_value info_object(napi_env env, const ycdl_task_info *t);
napi_value event_to_object(napi_env env, const void *data, size_t len,
		bool *changes_tasks);

/* ------------------------------------------------------------ errors */

/* "YCDL_E_HTTP" for YCDL_E_HTTP…; "YCDL_E_UNKNOWN" for codes this build
 * does not know. */
const char *error_name(int code);
/* Throws the error of a failed libycdl call: a TypeError for
 * YCDL_E_INVALID, else an Error; code, errno and the core's message. */
void throw_core_error(napi_env env, int code);
/* What a method returns after a libycdl call that answers nothing:
 * undefined when rc is 0, else NULL after throwing the core's error. */
napi_value result_of(napi_env env, int rc);
/* Throws an Error (TypeError for YCDL_E_INVALID) with code and errno. */
void throw_error(napi_env env, int code, const char *message);
/* Throws a TypeError with code YCDL_E_INVALID (printf-style message). */
void throw_invalid(napi_env env, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Throws an Error for a failed N-API call, unless one is already pending. */
void throw_napi_failure(napi_env env, napi_status status);

/* Returns NULL from the calling function when an N-API call fails. */
#define NAPI_OR_NULL(env, call) do { napi_status st_ = (call); \
	if (st_ != napi_ok) { throw_napi_failure((env), st_); return NULL; } } while (0)
#define NAPI_OR_FALSE(env, call) do { napi_status st_ = (call); \
	if (st_ != napi_ok) { throw_napi_failure((env), st_); return false; } } while (0)

/* -------------------------------------------------- reading arguments */

/* The largest integer a JavaScript number holds exactly (2^53 - 1). */
#define JS_MAX_SAFE_INTEGER 9007199254740991ll

#define READER_MAX_STRINGS 32

/* Reads properties of one options object. The first failure throws and
 * makes every later read a no-op, so a caller reads everything and checks
 * `failed` once. Strings read are owned by the reader. */
struct reader {
	napi_env env;
	napi_value object;              /* NULL: every property is absent */
	const char *what;               /* "options", for messages */
	bool failed;
	char *strings[READER_MAX_STRINGS];
	size_t string_count;
	char **arrays[6];               /* string arrays, each NULL-terminated */
	size_t array_count;
};

/* Starts reading value, which must be an object, undefined or null. */
void reader_init(struct reader *r, napi_env env, napi_value value, const char *what);
void reader_free(struct reader *r);
/* Each returns true when the property was given (not undefined or null);
 * *out keeps its default otherwise. */
bool read_string(struct reader *r, const char *name, const char **out);
bool read_bool(struct reader *r, const char *name, int *out);
bool read_uint(struct reader *r, const char *name, uint64_t max, uint64_t *out);
bool read_int(struct reader *r, const char *name, int64_t min, int64_t max,
		int64_t *out);
bool read_bytes(struct reader *r, const char *name, const void **data, size_t *len);
bool read_string_array(struct reader *r, const char *name, const char *const **out,
		size_t *count);
/* A string property that must be one of names[0..count); *out its index. */
bool read_choice(struct reader *r, const char *name, const char *const *names,
		size_t count, int *out);

/* Argument helpers for positional arguments; they throw on failure.
 * Strings are malloc'ed: free them. */
char *arg_string(napi_env env, napi_value value, const char *what);
bool arg_bool(napi_env env, napi_value value, const char *what, bool *out);
bool arg_int(napi_env env, napi_value value, const char *what, int64_t min,
		int64_t max, int64_t *out);
/* An array of strings; *out is NULL-terminated, free with strings_free. */
bool arg_string_array(napi_env env, napi_value value, const char *what,
		char ***out, size_t *count);
void strings_free(char **strings);
/* Index of a string argument in names, or -1 after throwing. */
int arg_choice(napi_env env, napi_value value, const char *what,
		const char *const *names, size_t count);

/* -------------------------------------------------- building objects */

struct builder;
/* The figures of a group, as groupInfo() and the group events carry them. */
void put_group_figures(struct builder *b, const ycdl_group_info *g);

/* Sets properties on one object; the first failure is kept in status and
 * makes later calls no-ops, so a builder is checked once at the end. */
struct builder {
	napi_env env;
	napi_value object;
	napi_status status;
};

void builder_init(struct builder *b, napi_env env);
void put_string(struct builder *b, const char *name, const char *value);
void put_number(struct builder *b, const char *name, double value);
void put_bool(struct builder *b, const char *name, bool value);
void put_null(struct builder *b, const char *name);
void put_bytes(struct builder *b, const char *name, const void *data, size_t len);
void put_value(struct builder *b, const char *name, napi_value value);
/* The object, or NULL after throwing when any step failed. */
napi_value builder_finish(struct builder *b);

#endif
