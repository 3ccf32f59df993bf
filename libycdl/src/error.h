/* error.h — YCDL_E_* codes and the thread-local "last error" message. */
#ifndef YCDL_ERROR_H
#define YCDL_ERROR_H

#include "ycdl.h"

#if defined(__GNUC__)
#  define YCDL_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#  define YCDL_PRINTF(fmt, args)
#endif

/* Records a detailed message for code on this thread and returns code, so
 * that failure paths read `return error_set(YCDL_E_INVALID, "…", …);`. */
int error_set(int code, const char *fmt, ...) YCDL_PRINTF(2, 3);

/* Records message verbatim (used to carry a message across threads). */
void error_set_message(const char *message);

/* Clears this thread's message; every public entry point starts with it. */
void error_clear(void);

/* Maps an errno from a local file operation to a YCDL_E_* code. */
int error_from_errno(int err);

#endif
