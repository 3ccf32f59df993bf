/* session_class.c — the native Session class: opening a libycdl session from
 * JavaScript options, closing it (explicitly, from the finalizer, or when
 * the environment shuts down — whichever comes first), and the session-wide
 * settings. The JavaScript Session in lib/session.js wraps it. */
#include "addon.h"

#include <stdlib.h>

/* Marks objects made by this class. V8 already refuses most foreign
 * receivers ("Illegal invocation"); the tag makes sure that no other object,
 * even one wrapped by another addon, is ever read as a native session. */
static const napi_type_tag session_tag = {
	0x9c1d5e0a7b3f4c21ull, 0x8e6f2d4b1a0c9e37ull
};

static const char *const network_names[] = {
	"unknown", "unmetered", "cellular", "offline"
};

/* Indexed by ycdl_open_mode. */
static const char *const mode_names[] = { "own-or-attach", "own", "attach" };

/* ------------------------------------------------------------ options */

static void read_u32(struct reader *r, const char *name, unsigned int *field)
{
	uint64_t value;

	if (read_uint(r, name, UINT32_MAX, &value))
		*field = (unsigned int)value;
}

static void read_numbers(struct reader *r, ycdl_session_options *o)
{
	int64_t max_concurrent;

	if (read_int(r, "maxConcurrent", 1, 1000, &max_concurrent))
		o->max_concurrent = (unsigned int)max_concurrent;
	read_u32(r, "progressIntervalMs", &o->progress_interval_ms);
	read_u32(r, "checkpointIntervalMs", &o->checkpoint_interval_ms);
	read_uint(r, "checkpointBytes", UINT64_MAX, &o->checkpoint_bytes);
	read_u32(r, "maxRetries", &o->max_retries);
	read_u32(r, "retryBaseMs", &o->retry_base_ms);
	read_u32(r, "retryMaxMs", &o->retry_max_ms);
	read_u32(r, "maxRetryAfterS", &o->max_retry_after_s);
	read_u32(r, "maxRedirects", &o->max_redirects);
	read_u32(r, "connectTimeoutMs", &o->connect_timeout_ms);
	read_u32(r, "lowSpeedLimit", &o->low_speed_limit);
	read_u32(r, "lowSpeedTimeS", &o->low_speed_time_s);
	read_uint(r, "maxRecvSpeed", UINT64_MAX, &o->max_recv_speed);
	read_uint(r, "maxFileSize", UINT64_MAX, &o->max_file_size);
	read_u32(r, "fetchBudgetFactor", &o->fetch_budget_factor);
	read_uint(r, "fetchBudgetExtra", UINT64_MAX, &o->fetch_budget_extra);
	read_int(r, "diskReserve", -1, JS_MAX_SAFE_INTEGER, &o->disk_reserve);
	read_u32(r, "maxHostConnections", &o->max_host_connections);
	/* Their ranges (1..YCDL_MAX_CONNECTIONS, at least 64 KiB) are the
	 * core's to judge: its message names the option. */
	read_u32(r, "connections", &o->connections);
	read_uint(r, "segmentMinSize", UINT64_MAX, &o->segment_min_size);
}

/* How the handle opens a session someone else may hold. Unlike the core,
 * whose default is own-or-attach, a Node session owns its identifier or
 * throws YCDL_E_LOCKED unless told otherwise, as it did before sessions
 * could be shared; background (which attaches) defaults to own-or-attach. */
static void read_sharing(struct reader *r, ycdl_session_options *o)
{
	size_t host_argc;

	read_bool(r, "background", &o->background);
	o->open_mode = o->background ? YCDL_OPEN_OWN_OR_ATTACH : YCDL_OPEN_OWN;
	read_choice(r, "mode", mode_names,
			sizeof(mode_names) / sizeof(mode_names[0]), &o->open_mode);
	read_bool(r, "takeover", &o->takeover);
	read_bool(r, "receiveEvents", &o->receive_events);
	read_string_array(r, "hostCommand", &o->host_command, &host_argc);
}

/* Fills o and *identifier from the options object; false after throwing.
 * The strings belong to the reader. */
static bool read_session_options(struct reader *r, ycdl_session_options *o,
		const char **identifier)
{
	*identifier = NULL;
	read_string(r, "identifier", identifier);
	read_string(r, "stateDir", &o->state_dir);
	read_string(r, "downloadDir", &o->download_dir);
	read_bool(r, "autoResume", &o->auto_resume);
	read_bool(r, "allowCellular", &o->allow_cellular);
	read_bool(r, "verifyTls", &o->verify_tls);
	read_bool(r, "computeSha256", &o->compute_sha256);
	read_string(r, "caFile", &o->ca_file);
	read_string(r, "pinnedPublicKey", &o->pinned_public_key);
	read_string(r, "proxy", &o->proxy);
	read_string(r, "userAgent", &o->user_agent);
	read_string(r, "urlRefreshStatuses", &o->url_refresh_statuses);
	read_string_array(r, "acceptTypes", &o->accept_types, &o->accept_type_count);
	read_bool(r, "preallocate", &o->preallocate);
	read_numbers(r, o);
	read_sharing(r, o);
	if (r->failed)
		return false;
	if (!*identifier) {
		throw_invalid(r->env, "options.identifier is required: a string of "
				"letters, digits, '.', '_' and '-'");
		return false;
	}
	return true;
}

/* ------------------------------------------------------------ closing */

static void on_environment_exit(void *arg);

/* Stops watching and closes the core; safe to call more than once and
 * from finalizers (no JavaScript runs). Returns the close result. */
static int shut_down(struct native_session *ns)
{
	int rc = 0;

	watch_stop(ns);
	if (ns->cleanup_hook) {
		napi_remove_env_cleanup_hook(ns->env, on_environment_exit, ns);
		ns->cleanup_hook = false;
	}
	if (ns->core) {
		rc = ycdl_session_close(ns->core);
		ns->core = NULL;
	}
	return rc;
}

/* The environment (the main thread at exit, or a worker) goes away: close
 * the core so its loop thread stops and every snapshot is written. */
static void on_environment_exit(void *arg)
{
	struct native_session *ns = arg;

	ns->cleanup_hook = false;
	shut_down(ns);
}

static void finalize(napi_env env, void *data, void *hint)
{
	struct native_session *ns = data;

	(void)hint;
	shut_down(ns);
	if (ns->async)
		napi_async_destroy(env, ns->async);
	if (ns->self)
		napi_delete_reference(env, ns->self);
	free(ns);
}

/* ------------------------------------------------------- constructing */

/* Ties ns to the wrapper object self; false after throwing. On failure
 * ns is left for the caller to free, unless the wrap took it. */
static bool attach(napi_env env, napi_value self, napi_value on_events,
		struct native_session *ns)
{
	napi_property_descriptor hidden = {
		"onEvents", NULL, NULL, NULL, NULL, on_events, napi_default, NULL
	};
	napi_value name;
	napi_status st;

	if ((st = napi_wrap(env, self, ns, finalize, NULL, &ns->self)) != napi_ok ||
	    (st = napi_type_tag_object(env, self, &session_tag)) != napi_ok ||
	    (st = napi_define_properties(env, self, 1, &hidden)) != napi_ok ||
	    (st = napi_create_string_utf8(env, "ycdl.Session", NAPI_AUTO_LENGTH,
			&name)) != napi_ok ||
	    (st = napi_async_init(env, self, name, &ns->async)) != napi_ok ||
	    (st = napi_add_env_cleanup_hook(env, on_environment_exit, ns)) != napi_ok) {
		throw_napi_failure(env, st);
		return false;
	}
	ns->cleanup_hook = true;
	return true;
}

static bool open_core(napi_env env, napi_value options, struct native_session *ns)
{
	ycdl_session_options opts = YCDL_SESSION_OPTIONS_INIT;
	struct reader r;
	const char *identifier;
	bool ok = false;
	int rc;

	reader_init(&r, env, options, "options");
	if (!read_session_options(&r, &opts, &identifier))
		goto out;
	if ((rc = ycdl_session_open(&ns->core, identifier, &opts)) != 0) {
		throw_core_error(env, rc);
		goto out;
	}
	ok = true;
out:
	reader_free(&r);
	return ok;
}

/* new Session(options, onEvents): opens the session; onEvents receives
 * arrays of events on the JavaScript thread. */
static napi_value session_new(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2], self, target;
	napi_valuetype type;
	struct native_session *ns;
	int rc;

	NAPI_OR_NULL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
	/* Called as a plain function, `this` would be whatever the caller
	 * had, even the global object: refuse before wrapping anything. */
	NAPI_OR_NULL(env, napi_get_new_target(env, info, &target));
	if (!target) {
		throw_invalid(env, "Session is a class: use new Session(...)");
		return NULL;
	}
	NAPI_OR_NULL(env, napi_typeof(env, argv[1], &type));
	if (type != napi_function) {
		throw_invalid(env, "onEvents must be a function");
		return NULL;
	}
	if (!(ns = calloc(1, sizeof(*ns)))) {
		throw_error(env, YCDL_E_NOMEM, "out of memory");
		return NULL;
	}
	ns->env = env;
	ns->keep_alive = true;
	if (!open_core(env, argv[0], ns)) {
		free(ns);
		return NULL;
	}
	if (!attach(env, self, argv[1], ns)) {
		shut_down(ns);
		if (!ns->self)          /* once wrapped, the finalizer frees ns */
			free(ns);
		return NULL;
	}
	if ((rc = watch_start(ns)) != 0) {
		shut_down(ns);
		throw_error(env, YCDL_E_IO, uv_strerror(rc));
		return NULL;
	}
	watch_update(ns, true);
	return self;
}

/* ------------------------------------------------------------ methods */

struct native_session *session_from_call(napi_env env, napi_callback_info info,
		size_t *argc, napi_value *argv, bool require_open)
{
	size_t none = 0;
	napi_value self;
	bool tagged = false;
	void *ns = NULL;

	NAPI_OR_NULL(env, napi_get_cb_info(env, info, argc ? argc : &none, argv,
			&self, NULL));
	if (napi_check_object_type_tag(env, self, &session_tag, &tagged) != napi_ok ||
	    !tagged || napi_unwrap(env, self, &ns) != napi_ok || !ns) {
		throw_invalid(env, "this method must be called on a ycdl Session");
		return NULL;
	}
	if (require_open && !((struct native_session *)ns)->core) {
		throw_error(env, YCDL_E_CLOSED, "the session is closed");
		return NULL;
	}
	return ns;
}

/* close(): pauses running downloads (keeping their data), writes every
 * snapshot and frees the session. Closing twice is harmless. */
static napi_value session_close(napi_env env, napi_callback_info info)
{
	struct native_session *ns = session_from_call(env, info, NULL, NULL, false);
	int rc;

	if (!ns)
		return NULL;
	rc = shut_down(ns);
	watch_update(ns, false);
	return result_of(env, rc);
}

static napi_value set_keep_alive(napi_env env, napi_callback_info info, bool keep)
{
	struct native_session *ns = session_from_call(env, info, NULL, NULL, false);

	if (!ns)
		return NULL;
	ns->keep_alive = keep;
	watch_update(ns, false);
	return result_of(env, 0);
}

static napi_value session_ref(napi_env env, napi_callback_info info)
{
	return set_keep_alive(env, info, true);
}

static napi_value session_unref(napi_env env, napi_callback_info info)
{
	return set_keep_alive(env, info, false);
}

static napi_value session_set_network(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1];
	struct native_session *ns = session_from_call(env, info, &argc, argv, true);
	int network;

	if (!ns)
		return NULL;
	network = arg_choice(env, argv[0], "network", network_names,
			sizeof(network_names) / sizeof(network_names[0]));
	if (network < 0)
		return NULL;
	return result_of(env, ycdl_session_set_network(ns->core, (ycdl_network)network));
}

static napi_value session_set_max_concurrent(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1];
	struct native_session *ns = session_from_call(env, info, &argc, argv, true);
	int64_t n;

	if (!ns || !arg_int(env, argv[0], "maxConcurrent", 1, 1000, &n))
		return NULL;
	return result_of(env, ycdl_session_set_max_concurrent(ns->core, (unsigned int)n));
}

static napi_value session_set_allow_cellular(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1];
	struct native_session *ns = session_from_call(env, info, &argc, argv, true);
	bool allow;

	if (!ns || !arg_bool(env, argv[0], "allow", &allow))
		return NULL;
	return result_of(env, ycdl_session_set_allow_cellular(ns->core, allow));
}

static napi_value session_set_max_recv_speed(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1];
	struct native_session *ns = session_from_call(env, info, &argc, argv, true);
	int64_t bps;

	if (!ns || !arg_int(env, argv[0], "bytesPerSecond", 0, JS_MAX_SAFE_INTEGER, &bps))
		return NULL;
	return result_of(env, ycdl_session_set_max_recv_speed(ns->core, (uint64_t)bps));
}

static const char *role_name(int role)
{
	return role == YCDL_ROLE_OWNER ? "owner" : "client";
}

/* role(): 'owner' (this process runs the downloads) or 'client'. */
static napi_value session_role(napi_env env, napi_callback_info info)
{
	struct native_session *ns = session_from_call(env, info, NULL, NULL, true);
	napi_value name;

	if (!ns)
		return NULL;
	NAPI_OR_NULL(env, napi_create_string_utf8(env, role_name(ycdl_session_role(ns->core)),
			NAPI_AUTO_LENGTH, &name));
	return name;
}

/* sessionInfo(): the session as its owner sees it. */
static napi_value session_info(napi_env env, napi_callback_info info)
{
	struct native_session *ns = session_from_call(env, info, NULL, NULL, true);
	ycdl_session_info *si;
	struct builder b;
	int rc;

	if (!ns)
		return NULL;
	if ((rc = ycdl_session_get_info(&si, ns->core)) != 0) {
		throw_core_error(env, rc);
		return NULL;
	}
	builder_init(&b, env);
	put_string(&b, "role", role_name(si->role));
	put_number(&b, "ownerPid", si->owner_pid);
	put_number(&b, "clients", si->clients);
	put_number(&b, "tasks", (double)si->tasks);
	put_number(&b, "pending", (double)si->pending);
	ycdl_free(si);
	return builder_finish(&b);
}

/* requestStop(): asks the owner to close (a host does; an app decides). */
static napi_value session_request_stop(napi_env env, napi_callback_info info)
{
	struct native_session *ns = session_from_call(env, info, NULL, NULL, true);

	if (!ns)
		return NULL;
	return result_of(env, ycdl_session_request_stop(ns->core));
}

/* -------------------------------------------------------------- class */

#define METHOD(name, fn) { name, NULL, fn, NULL, NULL, NULL, napi_default, NULL }

napi_status session_class_define(napi_env env, napi_value exports)
{
	static const napi_property_descriptor methods[] = {
		METHOD("close", session_close),
		METHOD("role", session_role),
		METHOD("sessionInfo", session_info),
		METHOD("requestStop", session_request_stop),
		METHOD("ref", session_ref),
		METHOD("unref", session_unref),
		METHOD("setNetwork", session_set_network),
		METHOD("setMaxConcurrent", session_set_max_concurrent),
		METHOD("setAllowCellular", session_set_allow_cellular),
		METHOD("setMaxRecvSpeed", session_set_max_recv_speed),
		METHOD("add", task_add),
		METHOD("pause", task_pause),
		METHOD("resume", task_resume),
		METHOD("cancel", task_cancel),
		METHOD("remove", task_remove),
		METHOD("info", task_info),
		METHOD("list", task_list),
		METHOD("findByUrl", task_find_by_url),
		METHOD("setPriority", task_set_priority),
		METHOD("setTaskAllowCellular", task_set_allow_cellular),
		METHOD("setHeaders", task_set_headers),
		METHOD("addMany", task_add_many),
		METHOD("listInfo", task_list_info),
		METHOD("setUrl", task_set_url),
		METHOD("setGroup", task_set_group),
		METHOD("groupInfo", group_info),
		METHOD("groupList", group_list),
		METHOD("groupTasks", group_tasks),
		METHOD("groupStart", group_start),
		METHOD("groupPause", group_pause),
		METHOD("groupCancel", group_cancel),
		METHOD("groupRemove", group_remove),
		METHOD("groupSetPriority", group_set_priority),
		METHOD("groupSetAllowCellular", group_set_allow_cellular),
	};
	napi_value cls;
	napi_status st;

	st = napi_define_class(env, "Session", NAPI_AUTO_LENGTH, session_new, NULL,
			sizeof(methods) / sizeof(methods[0]), methods, &cls);
	if (st != napi_ok)
		return st;
	return napi_set_named_property(env, exports, "Session", cls);
}
