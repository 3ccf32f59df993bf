/* http_parse.h — the little header parsing libcurl leaves to us:
 * Content-Range, validators, and splitting raw header lines. */
#ifndef YCDL_HTTP_PARSE_H
#define YCDL_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct content_range {
	bool unsatisfied;   /* "bytes *\/total" (416 answers) */
	uint64_t first;
	uint64_t last;
	int64_t total;      /* -1 for "*" */
};

/* Parses "bytes first-last/total" or "bytes *\/total". */
bool http_parse_content_range(const char *value, struct content_range *out);

/* A strong ETag: quoted, not W/-prefixed. */
bool http_etag_is_strong(const char *etag);

/* Splits one raw header line ("Name: value\r\n") into a lowercase-compared
 * name match and its trimmed value; returns the value (allocated) when the
 * line's name is name, else NULL. */
char *http_header_value(const char *line, size_t len, const char *name);

/* Parses an HTTP status line ("HTTP/1.1 206 Partial Content"); 0 if not. */
unsigned int http_status_line_code(const char *line, size_t len);

#endif
