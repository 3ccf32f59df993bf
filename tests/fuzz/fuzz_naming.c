/* fuzz_naming.c — names that come from outside (Content-Disposition values,
 * file ids, URLs) never yield a file name that escapes the destination
 * folder: no '/', '\\', NUL or control characters, no leading dot, never
 * "." or "..", at most NAMING_MAX_NAME bytes. */
#include "fuzz.h"
#include "naming.h"
#include "url.h"

#include <stdlib.h>
#include <string.h>

/* A default destination adds the URL's extension (a dot and at most 16
 * characters) to a name of at most NAMING_MAX_NAME bytes. */
static void check_name(const char *name, size_t max)
{
	size_t len = strlen(name);

	FUZZ_CHECK(len > 0 && len <= max);
	FUZZ_CHECK(name[0] != '.');
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		FUZZ_CHECK(*p >= 0x20 && *p != 0x7f && *p != '/' && *p != '\\');
}

static void check_basename(const char *name)
{
	check_name(name, NAMING_MAX_NAME);
}

static void check_dest_name(const char *name)
{
	check_name(name, NAMING_MAX_NAME + 17);
}

static void check_extension(const char *ext)
{
	FUZZ_CHECK(ext[0] == '\0' || (ext[0] == '.' && strlen(ext) <= 17 &&
			!strchr(ext + 1, '.') && !strchr(ext, '/')));
}

/* The URL that names a task (and is written to disk) keeps no secret. */
static void check_no_credentials_left(const char *bare)
{
	struct url_parts again;

	FUZZ_CHECK(url_parse(bare, &again) == 0);
	FUZZ_CHECK(!again.creds.user && !again.creds.password);
	url_parts_clear(&again);
}

/* Frees dest after checking it is a direct child of /downloads. */
static void check_dest(char *dest)
{
	if (dest) {
		FUZZ_CHECK(strncmp(dest, "/downloads/", 11) == 0);
		check_dest_name(dest + 11);
	}
	free(dest);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	char safe[NAMING_MAX_NAME + 8], ext[24], *name, *dest;
	struct url_parts parts;

	name = naming_from_content_disposition(text);
	if (name)
		check_basename(name);
	free(name);
	if (naming_safe_basename(text, safe, sizeof(safe)))
		check_basename(safe);
	naming_path_extension(text, ext, sizeof(ext));
	check_extension(ext);
	/* As a key (a file id) the default destination stays a direct child
	 * of the folder; so with the extension of text taken as a URL. */
	dest = naming_default_dest("/downloads", text, ".bin");
	check_dest(dest);
	if (url_parse(text, &parts) == 0) {
		check_extension(parts.extension);
		FUZZ_CHECK(parts.bare != NULL);
		if (parts.creds.user)
			check_no_credentials_left(parts.bare);
		dest = naming_default_dest("/downloads", "0123456789abcdef0123456789abcdef",
				parts.extension);
		check_dest(dest);
		url_parts_clear(&parts);
	}
	free(text);
	return 0;
}
