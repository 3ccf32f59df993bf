/* naming.c — keys, default destinations and file-name sanitising. */
#define _GNU_SOURCE
#include "naming.h"

#include "digest.h"
#include "util.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool naming_key_is_valid(const char *key)
{
	size_t len;

	if (!key)
		return false;
	len = strlen(key);
	if (len == 0 || len > NAMING_MAX_NAME)
		return false;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

char *naming_task_key(const char *file_id, const char *url)
{
	char md5[33];

	if (!util_is_empty(file_id))
		return strdup(file_id);
	if (digest_md5_string_hex(md5, url) != 0)
		return NULL;
	return strdup(md5);
}

void naming_path_extension(const char *path, char *out, size_t cap)
{
	const char *segment = strrchr(path, '/');
	const char *dot;
	size_t len;

	out[0] = '\0';
	segment = segment ? segment + 1 : path;
	dot = strrchr(segment, '.');
	if (!dot || dot == segment)
		return;
	len = strlen(dot + 1);
	if (len == 0 || len > 16 || len + 2 > cap)
		return;
	for (const char *p = dot + 1; *p; p++)
		if (!isalnum((unsigned char)*p))
			return;
	memcpy(out, dot, len + 2);    /* the dot, the extension, the NUL */
}

/* Backs len up so that it does not end inside a UTF-8 sequence. */
static size_t utf8_boundary(const char *s, size_t len)
{
	while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
		len--;
	return len;
}

bool naming_safe_basename(const char *name, char *out, size_t cap)
{
	const char *base = name;
	size_t n = 0;

	if (!name || cap < 2)
		return false;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	for (const unsigned char *p = (const unsigned char *)base; *p && n + 1 < cap; p++) {
		if (*p < 0x20 || *p == 0x7f)
			continue;
		out[n++] = (char)*p;
	}
	out[n] = '\0';
	if (n > NAMING_MAX_NAME) {
		n = utf8_boundary(out, NAMING_MAX_NAME);
		out[n] = '\0';
	}
	/* Leading dots would hide the file or make "." and "..". */
	for (size_t i = 0; i < n && out[i] == '.'; i++)
		out[i] = '_';
	/* Trailing spaces and dots are trouble on other systems' file systems. */
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '.'))
		out[--n] = '\0';
	return n > 0;
}

/* The value of parameter name (case-insensitive) in a header value, with
 * quotes and backslash escapes removed. Allocated, or NULL. */
static char *header_param(const char *value, const char *name)
{
	size_t name_len = strlen(name);
	const char *p = value;

	while ((p = strchr(p, ';'))) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, name, name_len) != 0)
			continue;
		p += name_len;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=')
			continue;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '"') {
			char *out = malloc(strlen(p) + 1);
			size_t n = 0;

			if (!out)
				return NULL;
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				out[n++] = *p;
			}
			out[n] = '\0';
			return out;
		}
		return strndup(p, strcspn(p, "; \t"));
	}
	return NULL;
}

/* RFC 8187 ext-value: charset'language'percent-encoded. */
static char *decode_ext_value(const char *ext)
{
	const char *first = strchr(ext, '\'');
	const char *second = first ? strchr(first + 1, '\'') : NULL;
	char *decoded, *copy;
	int len = 0;

	if (!second)
		return NULL;
	decoded = curl_easy_unescape(NULL, second + 1, 0, &len);
	if (!decoded)
		return NULL;
	copy = strndup(decoded, strnlen(decoded, (size_t)len)); /* stop at %00 */
	curl_free(decoded);
	return copy;
}

char *naming_from_content_disposition(const char *value)
{
	char *ext, *plain, *chosen = NULL, *out;
	char safe[NAMING_MAX_NAME + 8];

	if (!value)
		return NULL;
	if ((ext = header_param(value, "filename*"))) {
		chosen = decode_ext_value(ext);
		free(ext);
	}
	if (!chosen && (plain = header_param(value, "filename")))
		chosen = plain;
	if (!chosen)
		return NULL;
	out = naming_safe_basename(chosen, safe, sizeof(safe)) ? strdup(safe) : NULL;
	free(chosen);
	return out;
}

char *naming_default_dest(const char *dir, const char *key, const char *ext)
{
	char stem[NAMING_MAX_NAME + 8];

	if (!naming_safe_basename(key, stem, sizeof(stem)))
		return NULL;
	return util_printf("%s/%s%s", dir, stem, ext);
}

/* The length of stem without a " (k)" it already ends with: a name that
 * is itself numbered counts on, "a (1).mp4" -> "a (2).mp4", not
 * "a (1) (1).mp4". */
static size_t unnumbered(const char *stem, size_t len)
{
	size_t i = len;

	if (i < 4 || stem[i - 1] != ')')
		return len;
	for (i -= 2; i > 0 && isdigit((unsigned char)stem[i]); i--)
		;
	if (i + 2 >= len || stem[i] != '(' || i < 1 || stem[i - 1] != ' ')
		return len;
	return i - 1;
}

char *naming_numbered(const char *dest, unsigned int n)
{
	const char *slash = strrchr(dest, '/');
	const char *base = slash ? slash + 1 : dest;
	const char *dot = strrchr(base, '.');
	size_t stem = (size_t)((dot && dot != base ? dot : base + strlen(base)) - dest);

	return util_printf("%.*s (%u)%s", (int)unnumbered(dest, stem), dest, n,
			dot && dot != base ? dot : "");
}

char *naming_from_url(const char *url)
{
	CURLU *u = curl_url();
	char *path = NULL, *name = NULL;
	const char *last;
	char safe[NAMING_MAX_NAME + 1];

	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE) == CURLUE_OK) {
		last = strrchr(path, '/');
		last = last ? last + 1 : path;
		if (*last && naming_safe_basename(last, safe, sizeof(safe)))
			name = strdup(safe);
	}
	curl_free(path);
	curl_url_cleanup(u);
	return name;
}
