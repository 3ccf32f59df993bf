/* util.h — small helpers every file needs: clocks, strings, paths. */
#ifndef YCDL_UTIL_H
#define YCDL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YCDL_UNUSED(x) ((void)(x))
#define YCDL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Milliseconds of a monotonic clock: for intervals, immune to clock jumps. */
int64_t util_monotonic_ms(void);
/* Microseconds of the same clock: for speed limits, where a millisecond is
 * too coarse for a 16 KiB read at 100 MB/s. */
int64_t util_monotonic_us(void);
/* Milliseconds since the Unix epoch: for timestamps people read. */
int64_t util_wall_ms(void);

/* strdup that accepts NULL (returns NULL). */
char *util_strdup(const char *s);
/* The one empty string that every empty stored field points to: a task has
 * a dozen string fields, most of them empty, and a session may hold 100,000
 * tasks. Strings that may be it are freed with util_free_string. */
char *util_empty_string(void);
/* The same, for static initializers. */
extern char util_empty_chars[1];
/* free() that leaves util_empty_string() alone. */
void util_free_string(char *s);
/* A copy of s, or util_empty_string() for NULL and "", so stored strings
 * are never NULL. */
char *util_strdup_or_empty(const char *s);
/* Copies count strings into a new array (*out NULL when count is 0);
 * false on ENOMEM, with nothing allocated. */
bool util_copy_strings(char ***out, size_t *out_count, const char *const *from,
		size_t count);
/* Frees an array of count strings and the array. */
void util_free_strings(char **strings, size_t count);
/* Allocating sprintf; NULL on failure. */
char *util_printf(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;
/* Replaces *slot (a stored string) with a copy of value; false (slot
 * unchanged) on ENOMEM. */
bool util_replace_string(char **slot, const char *value);
bool util_is_empty(const char *s);

/* Creates dir and its parents with mode 0700 (existing is fine). */
int util_mkdir_p(const char *dir);
/* The directory part of path (allocated), "." when it has none. */
char *util_dirname(const char *path);
/* Makes path absolute against the current directory (allocated). */
char *util_absolute_path(const char *path);
/* Makes fd's data durable: fdatasync, or F_FULLFSYNC on Apple systems
 * (where fsync does not reach the disk's own cache). 0 or -1 with errno. */
int util_sync_data(int fd);
/* The same for its data and its metadata (mode, times): fsync. For a file
 * whose mode just changed: fdatasync need not keep a mode. */
int util_sync_file(int fd);
/* fsync of the directory holding path, so a rename in it is durable. */
int util_fsync_parent_dir(const char *path);
/* write() of all len bytes, retrying on EINTR and short writes. */
int util_write_all(int fd, const void *buf, size_t len);
/* pwrite() of all len bytes at offset, the same way. */
int util_pwrite_all(int fd, const void *buf, size_t len, uint64_t offset);

/* The process's file-creation mask, read without changing it where the
 * system allows (Linux: /proc/self/status). */
unsigned int util_process_umask(void);

/* The next number of a pseudo-random sequence (xorshift64*) kept in
 * *state (never 0): for spreading retries, never for secrets. */
uint64_t util_random(uint64_t *state);

/* Lowercase hex of bin into out (2*len+1 bytes). */
void util_hex(char *out, const unsigned char *bin, size_t len);

#endif
