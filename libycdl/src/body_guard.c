/* body_guard.c — see body_guard.h. */
#define _GNU_SOURCE
#include "body_guard.h"

#include "error.h"
#include "util.h"
#include "ycdl.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A media type's length limit (RFC 6838: 127 per part). */
#define MAX_TYPE 255

/* Names whose content is never text: an HTML or other text answer for one
 * of these is an error page, not the file. */
static const char *const binary_extensions[] = {
	"mp4", "m4v", "mkv", "mov", "avi", "webm", "flv", "wmv", "ts", "m2ts",
	"mpg", "mpeg", "3gp", "mp3", "m4a", "aac", "flac", "wav", "ogg", "oga",
	"opus", "wma", "jpg", "jpeg", "png", "gif", "webp", "bmp", "tif", "tiff",
	"heic", "avif", "zip", "tar", "gz", "tgz", "bz2", "xz", "7z", "rar",
	"zst", "iso", "img", "dmg", "exe", "msi", "deb", "rpm", "apk", "ipa",
	"bin", "pdf", "epub", "docx", "xlsx", "pptx", "woff", "woff2", "ttf",
	"otf", "wasm", "so", "dylib", "dll", "pkg", "whl", "jar",
};

/* Names a web page may be saved under. */
static const char *const page_extensions[] = {
	"html", "htm", "xhtml", "shtml", "php", "asp", "aspx", "jsp",
};

/* The type without parameters, trimmed and lowercased, into out. */
static void bare_type(const char *value, char *out, size_t cap)
{
	size_t n = 0;

	while (*value == ' ' || *value == '\t')
		value++;
	for (; *value && *value != ';' && *value != ' ' && *value != '\t' &&
			n + 1 < cap; value++)
		out[n++] = (char)tolower((unsigned char)*value);
	out[n] = '\0';
}

static bool is_token_char(char c)
{
	return isalnum((unsigned char)c) || strchr("!#$&-^_.+", c) != NULL;
}

/* "type/subtype", "type/" + "*", or "*" + "/" + "*". */
static bool is_pattern(const char *p)
{
	const char *slash = strchr(p, '/');

	if (!slash || slash == p || !slash[1] || strlen(p) > MAX_TYPE)
		return false;
	if (strcmp(p, "*/*") == 0)
		return true;
	for (const char *c = p; c < slash; c++)
		if (!is_token_char(*c))
			return false;
	if (strcmp(slash + 1, "*") == 0)
		return true;
	for (const char *c = slash + 1; *c; c++)
		if (!is_token_char(*c))
			return false;
	return true;
}

int body_guard_check_types(const char *const *types, size_t count)
{
	if (count > 64)
		return error_set(YCDL_E_INVALID, "at most 64 accepted types");
	if (count && !types)
		return error_set(YCDL_E_INVALID, "accept_types is NULL but "
				"accept_type_count > 0");
	for (size_t i = 0; i < count; i++)
		if (!types[i] || !is_pattern(types[i]))
			return error_set(YCDL_E_INVALID, "accepted type %zu is not a "
					"media type pattern such as video/mp4 or video/*", i);
	return 0;
}

static bool matches(const char *pattern, const char *type)
{
	const char *slash = strchr(pattern, '/');

	if (strcmp(pattern, "*/*") == 0)
		return true;
	if (strcmp(slash + 1, "*") == 0)
		return strncasecmp(pattern, type, (size_t)(slash - pattern + 1)) == 0;
	return strcasecmp(pattern, type) == 0;
}

/* The extension of the file name at the end of path, lowercase, or "". */
static void extension_of(const char *path, char *out, size_t cap)
{
	const char *name = strrchr(path, '/'), *dot;
	size_t n = 0;

	name = name ? name + 1 : path;
	dot = strrchr(name, '.');
	if (dot && dot != name)
		for (dot++; *dot && n + 1 < cap; dot++)
			out[n++] = (char)tolower((unsigned char)*dot);
	out[n] = '\0';
}

static bool listed(const char *word, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(word, list[i]) == 0)
			return true;
	return false;
}

static bool is_html(const char *type)
{
	return strcmp(type, "text/html") == 0 || strcmp(type, "application/xhtml+xml") == 0;
}

static bool is_text(const char *type)
{
	return strncmp(type, "text/", 5) == 0 || strcmp(type, "application/json") == 0 ||
		strcmp(type, "application/xml") == 0 || is_html(type);
}

bool body_guard_accepts(const char *const *types, size_t count,
		const char *content_type, const char *dest_path)
{
	char type[MAX_TYPE + 1], ext[16];

	if (util_is_empty(content_type))
		return true;
	bare_type(content_type, type, sizeof(type));
	if (!type[0])
		return true;
	for (size_t i = 0; i < count; i++)
		if (matches(types[i], type))
			return true;
	if (count)
		return false;
	extension_of(dest_path ? dest_path : "", ext, sizeof(ext));
	if (is_html(type) && ext[0] && !listed(ext, page_extensions,
			YCDL_ARRAY_SIZE(page_extensions)))
		return false;
	return !(is_text(type) && listed(ext, binary_extensions,
			YCDL_ARRAY_SIZE(binary_extensions)));
}

void body_guard_describe(char *out, size_t cap, unsigned int status,
		const char *content_type, const unsigned char *body, size_t len)
{
	char quoted[BODY_GUARD_SNIFF + 1];
	size_t n = 0;
	bool space = false;

	/* Printable ASCII, whitespace runs as one space: a log line, not a
	 * page. */
	for (size_t i = 0; i < len && n < BODY_GUARD_SNIFF; i++) {
		unsigned char c = body[i];

		if (isspace(c)) {
			space = n > 0;
			continue;
		}
		if (space && n + 1 < BODY_GUARD_SNIFF)
			quoted[n++] = ' ';
		space = false;
		quoted[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	quoted[n] = '\0';
	snprintf(out, cap, "HTTP %u, Content-Type %s: \"%s%s\"", status,
			util_is_empty(content_type) ? "(none)" : content_type, quoted,
			len > BODY_GUARD_SNIFF ? "..." : "");
}
