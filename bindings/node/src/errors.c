/* errors.c — libycdl error codes as JavaScript errors: one place decides
 * which errors are TypeErrors and what `code` and `errno` they carry. */
#include "addon.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const names[] = {
	"YCDL_OK",
	"YCDL_E_INVALID",
	"YCDL_E_NOMEM",
	"YCDL_E_LOCKED",
	"YCDL_E_NOT_FOUND",
	"YCDL_E_EXISTS",
	"YCDL_E_STATE",
	"YCDL_E_CLOSED",
	"YCDL_E_AGAIN",
	"YCDL_E_IO",
	"YCDL_E_DISK_FULL",
	"YCDL_E_STORE",
	"YCDL_E_NETWORK",
	"YCDL_E_RESOLVE",
	"YCDL_E_TIMEOUT",
	"YCDL_E_TLS",
	"YCDL_E_HTTP",
	"YCDL_E_TOO_MANY_REDIRECTS",
	"YCDL_E_PROTOCOL",
	"YCDL_E_CHECKSUM",
	"YCDL_E_SIZE_MISMATCH",
	"YCDL_E_TOO_LARGE",
	"YCDL_E_CANCELED",
	"YCDL_E_BAD_RESPONSE",
	"YCDL_E_UNSUPPORTED",
	"YCDL_E_INTERNAL",
	"YCDL_E_FETCH_LIMIT",
	"YCDL_E_NOT_THE_FILE",
	"YCDL_E_URL_EXPIRED",
};

const char *error_name(int code)
{
	if (code > 0 || (size_t)-code >= sizeof(names) / sizeof(names[0]))
		return "YCDL_E_UNKNOWN";
	return names[-code];
}

/* Creates and throws an Error or TypeError with code and errno set. */
static void throw_with_code(napi_env env, bool type_error, const char *code,
		int errnum, const char *message)
{
	napi_value js_code, js_message, js_errno, error;
	napi_status st;

	st = napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &js_code);
	if (st == napi_ok)
		st = napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &js_message);
	if (st == napi_ok)
		st = type_error ? napi_create_type_error(env, js_code, js_message, &error)
			: napi_create_error(env, js_code, js_message, &error);
	if (st == napi_ok)
		st = napi_create_int32(env, errnum, &js_errno);
	if (st == napi_ok)
		st = napi_set_named_property(env, error, "errno", js_errno);
	if (st == napi_ok)
		st = napi_throw(env, error);
	if (st != napi_ok)
		throw_napi_failure(env, st);
}

void throw_error(napi_env env, int code, const char *message)
{
	throw_with_code(env, code == YCDL_E_INVALID, error_name(code), code, message);
}

void throw_core_error(napi_env env, int code)
{
	const char *message = ycdl_last_error_message();

	throw_error(env, code, message && *message ? message : ycdl_strerror(code));
}

napi_value result_of(napi_env env, int rc)
{
	napi_value undefined = NULL;

	if (rc != 0) {
		throw_core_error(env, rc);
		return NULL;
	}
	napi_get_undefined(env, &undefined);
	return undefined;
}

void throw_invalid(napi_env env, const char *fmt, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	throw_with_code(env, true, "YCDL_E_INVALID", YCDL_E_INVALID, message);
}

void throw_napi_failure(napi_env env, napi_status status)
{
	const napi_extended_error_info *info = NULL;
	const char *message = "N-API call failed";
	bool pending = false;

	/* Read first: every later N-API call overwrites the last error. The
	 * messages are static strings. */
	if (status != napi_ok && napi_get_last_error_info(env, &info) == napi_ok &&
	    info && info->error_message)
		message = info->error_message;
	/* The usual cause is an exception already thrown by JavaScript (a
	 * getter, a Proxy); that one is the informative error, keep it. */
	if (napi_is_exception_pending(env, &pending) != napi_ok || pending)
		return;
	napi_throw_error(env, "YCDL_E_INTERNAL", message);
}
