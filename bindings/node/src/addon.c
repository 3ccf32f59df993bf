/* addon.c — the entry point of ycdl.node: exports the native Session class,
 * the library's version, MAX_CONNECTIONS and decodeEvent (the decoder of the session's
 * events, for the tests: it lets them decode every kind, also those only
 * another process's session sends). Context-aware (NAPI_MODULE_INIT), so it loads
 * in worker threads and Electron renderers; it keeps no global state. */
#include "addon.h"

static napi_value version(napi_env env, napi_callback_info info)
{
	napi_value v;

	(void)info;
	NAPI_OR_NULL(env, napi_create_string_utf8(env, ycdl_version(),
			NAPI_AUTO_LENGTH, &v));
	return v;
}

/* decodeEvent(bytes): one serialized ycdl.Event as the object a session
 * hands to its listeners (before taskAdded's userData becomes metadata). */
static napi_value decode_event(napi_env env, napi_callback_info info)
{
	size_t argc = 1, len = 0;
	napi_value argv[1];
	bool is_buffer = false, changes_tasks = false;
	void *data = NULL;

	NAPI_OR_NULL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	if (argc < 1 || napi_is_buffer(env, argv[0], &is_buffer) != napi_ok || !is_buffer) {
		napi_throw_type_error(env, "YCDL_E_INVALID", "decodeEvent(bytes): bytes must be a Buffer");
		return NULL;
	}
	NAPI_OR_NULL(env, napi_get_buffer_info(env, argv[0], &data, &len));
	return event_to_object(env, data, len, &changes_tasks);
}

NAPI_MODULE_INIT()
{
	napi_value fn, decode, most;

	if (session_class_define(env, exports) != napi_ok ||
	    napi_create_function(env, "version", NAPI_AUTO_LENGTH, version, NULL,
			&fn) != napi_ok ||
	    napi_set_named_property(env, exports, "version", fn) != napi_ok ||
	    napi_create_uint32(env, YCDL_MAX_CONNECTIONS, &most) != napi_ok ||
	    napi_set_named_property(env, exports, "MAX_CONNECTIONS", most) != napi_ok ||
	    napi_create_function(env, "decodeEvent", NAPI_AUTO_LENGTH, decode_event,
			NULL, &decode) != napi_ok ||
	    napi_set_named_property(env, exports, "decodeEvent", decode) != napi_ok) {
		throw_napi_failure(env, napi_generic_failure);
		return NULL;
	}
	return exports;
}
