/* error.c — static texts for YCDL_E_* codes and the per-thread detailed
 * message, so that callers on different threads never see each other's. */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_message[1024];

/* Formatted into a local buffer first: an argument may be the last
 * message itself ("mirror 2: %s", ycdl_last_error_message()). */
int error_set(int code, const char *fmt, ...)
{
	char message[sizeof(last_message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	memcpy(last_message, message, sizeof(last_message));
	return code;
}

void error_set_message(const char *message)
{
	error_set(0, "%s", message ? message : "");
}

void error_clear(void)
{
	last_message[0] = '\0';
}

int error_from_errno(int err)
{
	switch (err) {
	case ENOSPC:
#ifdef EDQUOT
	case EDQUOT:
#endif
	case EFBIG:
		return YCDL_E_DISK_FULL;
	case ENOMEM:
		return YCDL_E_NOMEM;
	case EEXIST:
		return YCDL_E_EXISTS;
	case EBUSY:         /* only partfile.h's claim gives it here */
		return YCDL_E_LOCKED;
	default:
		return YCDL_E_IO;
	}
}

YCDL_EXTERN const char *ycdl_last_error_message(void)
{
	return last_message;
}

YCDL_EXTERN const char *ycdl_strerror(int code)
{
	switch (code) {
	case YCDL_OK: return "success";
	case YCDL_E_INVALID: return "invalid argument";
	case YCDL_E_NOMEM: return "out of memory";
	case YCDL_E_LOCKED: return "session is held by another process";
	case YCDL_E_NOT_FOUND: return "no such task";
	case YCDL_E_EXISTS: return "destination already exists";
	case YCDL_E_STATE: return "not possible in the task's current status";
	case YCDL_E_CLOSED: return "session is closed";
	case YCDL_E_AGAIN: return "nothing pending";
	case YCDL_E_IO: return "local I/O error";
	case YCDL_E_DISK_FULL: return "no space left on device";
	case YCDL_E_STORE: return "snapshot store error";
	case YCDL_E_NETWORK: return "network error";
	case YCDL_E_RESOLVE: return "could not resolve host";
	case YCDL_E_TIMEOUT: return "timed out";
	case YCDL_E_TLS: return "TLS error";
	case YCDL_E_HTTP: return "HTTP error status";
	case YCDL_E_TOO_MANY_REDIRECTS: return "too many redirects";
	case YCDL_E_PROTOCOL: return "protocol not allowed";
	case YCDL_E_CHECKSUM: return "checksum mismatch";
	case YCDL_E_SIZE_MISMATCH: return "size mismatch";
	case YCDL_E_TOO_LARGE: return "file too large";
	case YCDL_E_CANCELED: return "cancelled";
	case YCDL_E_BAD_RESPONSE: return "malformed server response";
	case YCDL_E_UNSUPPORTED: return "unsupported";
	case YCDL_E_INTERNAL: return "internal error";
	case YCDL_E_FETCH_LIMIT: return "fetched more than the task's budget";
	case YCDL_E_NOT_THE_FILE: return "the response is not the file";
	case YCDL_E_URL_EXPIRED: return "the URL has expired";
	default: return "unknown error";
	}
}
