/* fuzz_naming.c — names that come from outside (Content-Disposition values,
 * file ids, URLs) never yield a file name that escapes the destination
 * folder: no '/', '\\', NUL or control characters, no leading dot, never
 * "." or "..", at most NAMING_MAX_NAME bytes. */
#include "fuzz.h"
#include "naming.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	char safe[NAMING_MAX_NAME + 8], ext[24], *name, *dest;

	name = naming_from_content_disposition(text);
	if (name)
		check_basename(name);
	free(name);
	if (naming_safe_basename(text, safe, sizeof(safe)))
		check_basename(safe);
	naming_url_extension(text, ext, sizeof(ext));
	FUZZ_CHECK(ext[0] == '\0' || (ext[0] == '.' && strlen(ext) <= 17 &&
			!strchr(ext + 1, '.') && !strchr(ext, '/')));
	/* As a file id and as a URL, the default destination stays a direct
	 * child of the folder. */
	dest = naming_default_dest("/downloads", text, "http://h/a.bin");
	if (dest) {
		FUZZ_CHECK(strncmp(dest, "/downloads/", 11) == 0);
		check_dest_name(dest + 11);
	}
	free(dest);
	dest = naming_default_dest("/downloads", NULL, text);
	if (dest) {
		FUZZ_CHECK(strncmp(dest, "/downloads/", 11) == 0);
		check_dest_name(dest + 11);
	}
	free(dest);
	free(text);
	return 0;
}
