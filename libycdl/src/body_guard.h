/* body_guard.h — whether a response is the file the task wants, judged
 * from its Content-Type before any byte of its body is written: an error
 * page (a CDN's "Access denied", a captive portal, an expired link) that a
 * server sends with 200 OK must never be saved as video.mp4. */
#ifndef YCDL_BODY_GUARD_H
#define YCDL_BODY_GUARD_H

#include <stdbool.h>
#include <stddef.h>

/* The most bytes of a refused body quoted in the message. */
#define BODY_GUARD_SNIFF 96

/* Checks accepted-type patterns ("type/subtype", "type/" + "*", or the
 * star for any); a clear error for each mistake. */
int body_guard_check_types(const char *const *types, size_t count);

/* Whether a response of content_type (a header value; NULL or "" when the
 * server sent none, which passes) may be the file written to dest_path.
 * With patterns (count > 0) the type must match one; without, the
 * default: an HTML page only for a file named as one, another text type
 * not for a file named as a video, audio, image, archive or binary. */
bool body_guard_accepts(const char *const *types, size_t count,
		const char *content_type, const char *dest_path);

/* "HTTP 200, Content-Type text/html: \"<html>…\"", with the body's first
 * bytes made printable and short. */
void body_guard_describe(char *out, size_t cap, unsigned int status,
		const char *content_type, const unsigned char *body, size_t len);

#endif
