/* addon.c — the entry point of ycdl.node: exports the native Session class
 * and the library's version. Context-aware (NAPI_MODULE_INIT), so it loads
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

NAPI_MODULE_INIT()
{
	napi_value fn;

	if (session_class_define(env, exports) != napi_ok ||
	    napi_create_function(env, "version", NAPI_AUTO_LENGTH, version, NULL,
			&fn) != napi_ok ||
	    napi_set_named_property(env, exports, "version", fn) != napi_ok) {
		throw_napi_failure(env, napi_generic_failure);
		return NULL;
	}
	return exports;
}
