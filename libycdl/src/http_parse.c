/* http_parse.c — Content-Range and friends, written by hand because libcurl
 * does not expose its own parsers; kept strict so that a lying server is
 * caught rather than trusted. */
#define _GNU_SOURCE
#include "http_parse.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Reads a decimal number of at most 19 digits (so it fits int64). */
static bool read_number(const char **p, uint64_t *out)
{
	uint64_t v = 0;
	int digits = 0;

	while (isdigit((unsigned char)**p)) {
		if (++digits > 19)
			return false;
		v = v * 10 + (uint64_t)(**p - '0');
		(*p)++;
	}
	*out = v;
	return digits > 0;
}

bool http_parse_content_range(const char *value, struct content_range *out)
{
	const char *p = value;
	uint64_t total;

	memset(out, 0, sizeof(*out));
	out->total = -1;
	if (!p || strncasecmp(p, "bytes", 5) != 0)
		return false;
	p += 5;
	while (*p == ' ')
		p++;
	if (*p == '*') {
		out->unsatisfied = true;
		p++;
	} else {
		if (!read_number(&p, &out->first) || *p++ != '-' ||
		    !read_number(&p, &out->last) || out->last < out->first)
			return false;
	}
	if (*p++ != '/')
		return false;
	if (*p == '*') {
		p++;
		if (out->unsatisfied)
			return false;
	} else {
		if (!read_number(&p, &total) || total > INT64_MAX)
			return false;
		out->total = (int64_t)total;
		if (!out->unsatisfied && out->last >= total)
			return false;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '\0';
}

bool http_etag_is_strong(const char *etag)
{
	size_t len = etag ? strlen(etag) : 0;

	return len >= 2 && etag[0] == '"' && etag[len - 1] == '"';
}

char *http_header_value(const char *line, size_t len, const char *name)
{
	size_t name_len = strlen(name);
	const char *v, *end = line + len;

	if (len <= name_len || strncasecmp(line, name, name_len) != 0 ||
	    line[name_len] != ':')
		return NULL;
	v = line + name_len + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' ||
			end[-1] == '\t'))
		end--;
	return strndup(v, (size_t)(end - v));
}

unsigned int http_status_line_code(const char *line, size_t len)
{
	const char *p = line, *end = line + len;
	unsigned int code = 0;

	if (len < 12 || strncmp(line, "HTTP/", 5) != 0)
		return 0;
	while (p < end && *p != ' ')
		p++;
	while (p < end && *p == ' ')
		p++;
	for (int i = 0; i < 3; i++, p++) {
		if (p >= end || !isdigit((unsigned char)*p))
			return 0;
		code = code * 10 + (unsigned int)(*p - '0');
	}
	return code;
}
