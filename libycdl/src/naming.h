/* naming.h — task keys and file names: the seed's naming rule (file id, else
 * MD5 of the URL, plus the URL path's extension) and the sanitising of names
 * that come from outside (file ids, Content-Disposition). */
#ifndef YCDL_NAMING_H
#define YCDL_NAMING_H

#include <stdbool.h>
#include <stddef.h>

#define NAMING_MAX_NAME 200

/* True for a usable caller-chosen file id / key: 1..200 bytes, no control
 * characters. */
bool naming_key_is_valid(const char *key);

/* The key for a task: file_id if given, else the MD5 hex of url. Allocated. */
char *naming_task_key(const char *file_id, const char *url);

/* ".ext" from the last segment of a URL's path (1..16 alphanumerics), or
 * "" when there is none. Writes into out (at least 18 bytes). */
void naming_path_extension(const char *path, char *out, size_t cap);

/* Reduces name to a safe basename in out: no '/', '\\', NUL or control
 * characters, no leading dot, never "." or "..", at most NAMING_MAX_NAME
 * bytes without splitting a UTF-8 sequence. Returns false when nothing
 * usable is left. */
bool naming_safe_basename(const char *name, char *out, size_t cap);

/* The file name a Content-Disposition value suggests (filename* preferred,
 * percent-decoded), already reduced to a safe basename. Allocated, or NULL
 * when the header names no usable file. */
char *naming_from_content_disposition(const char *value);

/* "dir/name.ext" -> "dir/name (n).ext" (the extension is the last dot of
 * the last component, unless that dot starts the name; a name already
 * ending in " (k)" has that replaced). Allocated. */
char *naming_numbered(const char *dest, unsigned int n);

/* The last segment of url's path, percent-decoded and reduced to a safe
 * basename, as wget and curl -O name a download. Allocated, or NULL when
 * the path ends without a name ("/", "dir/"). */
char *naming_from_url(const char *url);

/* <dir>/<key reduced to a safe basename><ext>: the seed's rule, since a
 * task's key is its file id, else the MD5 of its URL. Allocated. */
char *naming_default_dest(const char *dir, const char *key, const char *ext);

#endif
