/* util.c — clocks, string and path helpers shared across the library. */
#define _POSIX_C_SOURCE 200809L
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int64_t util_monotonic_ms(void)
{
	return util_monotonic_us() / 1000;
}

int64_t util_monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t util_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *util_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

char util_empty_chars[1];

char *util_empty_string(void)
{
	return util_empty_chars;
}

void util_free_string(char *s)
{
	if (s != util_empty_chars)
		free(s);
}

char *util_strdup_or_empty(const char *s)
{
	return util_is_empty(s) ? util_empty_chars : strdup(s);
}

bool util_copy_strings(char ***out, size_t *out_count, const char *const *from,
		size_t count)
{
	char **copy;

	*out = NULL;
	*out_count = 0;
	if (!count)
		return true;
	if (!(copy = calloc(count, sizeof(*copy))))
		return false;
	for (size_t i = 0; i < count; i++)
		if (!(copy[i] = strdup(from[i]))) {
			util_free_strings(copy, i);
			return false;
		}
	*out = copy;
	*out_count = count;
	return true;
}

void util_free_strings(char **strings, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(strings[i]);
	free(strings);
}

char *util_printf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *out;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(out = malloc((size_t)n + 1)))
		return NULL;
	va_start(ap, fmt);
	vsnprintf(out, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return out;
}

bool util_replace_string(char **slot, const char *value)
{
	char *copy = util_strdup_or_empty(value);

	if (!copy)
		return false;
	util_free_string(*slot);
	*slot = copy;
	return true;
}

bool util_is_empty(const char *s)
{
	return !s || !*s;
}

/* mkdir, and when it made the folder, a sync of its parent: a folder's
 * name is durable only once the folder holding it is synced (a power cut
 * can take a new state folder with the journal in it). */
static int make_dir(const char *path)
{
	int rc;

	if (mkdir(path, 0700) != 0)
		return errno == EEXIST ? 0 : -errno;
	rc = util_fsync_parent_dir(path);
	return rc == -EACCES ? 0 : rc;   /* a parent we may not open */
}

int util_mkdir_p(const char *dir)
{
	char buf[PATH_MAX];
	size_t len = strlen(dir);
	int rc;

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if ((rc = make_dir(buf)) != 0)
			return rc;
		*p = '/';
	}
	return make_dir(buf);
}

char *util_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

char *util_absolute_path(const char *path)
{
	char cwd[PATH_MAX];

	if (path[0] == '/')
		return strdup(path);
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	return util_printf("%s/%s", cwd, path);
}

unsigned int util_process_umask(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned int mask;
	mode_t old;

	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "Umask: %o", &mask) == 1) {
				fclose(f);
				return mask & 0777;
			}
		fclose(f);
	}
	/* Elsewhere the only way to read it is to set it: briefly, so a file
	 * another thread creates in between could get mode 0 bits masked
	 * differently. Done once, when a session opens. */
	old = umask(022);
	umask(old);
	return (unsigned int)old & 0777;
}

int util_sync_data(int fd)
{
#if defined(__APPLE__)
	if (fcntl(fd, F_FULLFSYNC) == 0)
		return 0;
	return fsync(fd);   /* file systems without F_FULLFSYNC */
#else
	return fdatasync(fd);
#endif
}

int util_sync_file(int fd)
{
#if defined(__APPLE__)
	if (fcntl(fd, F_FULLFSYNC) == 0)
		return 0;
#endif
	return fsync(fd);
}

int util_fsync_parent_dir(const char *path)
{
	char *dir = util_dirname(path);
	int fd, rc = 0;

	if (!dir)
		return -ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -errno;
	if (fsync(fd) != 0 && errno != EINVAL)
		rc = -errno;
	close(fd);
	return rc;
}

/* write() or, at offset >= 0, pwrite() of all len bytes. */
static int write_fully(int fd, const void *buf, size_t len, int64_t offset)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = offset < 0 ? write(fd, p, len)
			: pwrite(fd, p, len, (off_t)offset);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		if (offset >= 0)
			offset += n;
	}
	return 0;
}

int util_write_all(int fd, const void *buf, size_t len)
{
	return write_fully(fd, buf, len, -1);
}

int util_pwrite_all(int fd, const void *buf, size_t len, uint64_t offset)
{
	return write_fully(fd, buf, len, (int64_t)offset);
}

uint64_t util_random(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 2685821657736338717ull;
}

void util_hex(char *out, const unsigned char *bin, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[bin[i] >> 4];
		out[2 * i + 1] = digits[bin[i] & 15];
	}
	out[2 * len] = '\0';
}
