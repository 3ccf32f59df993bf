/* partfile.c — opening part files safely and placing finished files. */
#define _GNU_SOURCE
#include "partfile.h"

#include "util.h"
#include "ycdl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Opens path without following a symlink and checks that it is a regular
 * file; *st describes it. 0 or a negative errno (nothing left open). */
static int open_regular(const char *path, int flags, int *out_fd, struct stat *st)
{
	int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
	int err;

	/* Set on every path: gcc -O2 cannot tell that -errno is never 0, and
	 * warns that callers may read an unset descriptor. */
	*out_fd = -1;
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) != 0) {
		err = errno;
		close(fd);
		return -err;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return -EINVAL;
	}
	*out_fd = fd;
	return 0;
}

int partfile_open(const char *path, uint64_t keep, int *out_fd, uint64_t *out_size,
		struct partfile_id *out_id)
{
	struct stat st;
	uint64_t size;
	int fd, rc;

	if ((rc = open_regular(path, O_RDWR | O_CREAT, &fd, &st)) != 0)
		return rc;
	size = (uint64_t)st.st_size;
	if (size > keep) {
		if (ftruncate(fd, (off_t)keep) != 0) {
			int err = errno;

			close(fd);
			return -err;
		}
		size = keep;
	}
	if (size > 0 && lseek(fd, (off_t)size, SEEK_SET) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	*out_fd = fd;
	*out_size = size;
	if (out_id) {
		out_id->dev = st.st_dev;
		out_id->ino = st.st_ino;
	}
	return 0;
}

int partfile_still_at(const char *path, const struct partfile_id *id)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return -errno;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (!S_ISREG(st.st_mode) || st.st_dev != id->dev || st.st_ino != id->ino)
		return -ESTALE;
	return 0;
}

int partfile_open_finished(const char *path, int *out_fd, dev_t *dev)
{
	struct stat st;
	int rc = open_regular(path, O_RDONLY, out_fd, &st);

	if (rc == 0)
		*dev = st.st_dev;
	return rc;
}

int partfile_publish_mode(const char *path, unsigned int mode)
{
	struct stat st;
	int fd, rc = open_regular(path, O_RDONLY, &fd, &st);

	if (rc != 0)
		return rc;
	if (fchmod(fd, (mode_t)mode) != 0)
		rc = -errno;
	close(fd);
	return rc;
}

void partfile_remove_if_empty(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
		(void)unlink(path);
}

int partfile_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* "dir/name.ext" -> "dir/name (n).ext"; the extension is the last dot of
 * the last component, unless that dot starts the name. */
static char *numbered_name(const char *dest, unsigned int n)
{
	const char *slash = strrchr(dest, '/');
	const char *base = slash ? slash + 1 : dest;
	const char *dot = strrchr(base, '.');

	if (!dot || dot == base)
		return util_printf("%s (%u)", dest, n);
	return util_printf("%.*s (%u)%s", (int)(dot - dest), dest, n, dot);
}

int partfile_choose_dest(const char *dest, int conflict, char **out)
{
	if (conflict == YCDL_CONFLICT_OVERWRITE || !partfile_exists(dest)) {
		*out = strdup(dest);
		return *out ? 0 : -ENOMEM;
	}
	if (conflict != YCDL_CONFLICT_RENAME)
		return -EEXIST;
	for (unsigned int n = 1; n < 10000; n++) {
		char *candidate = numbered_name(dest, n);

		if (!candidate)
			return -ENOMEM;
		if (!partfile_exists(candidate)) {
			*out = candidate;
			return 0;
		}
		free(candidate);
	}
	return -EEXIST;
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return lstat(a, &sa) == 0 && lstat(b, &sb) == 0 &&
		sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* File systems without hard links: check, then rename (a small race that
 * link() would have closed). */
static int place_without_link(const char *part, const char *dest)
{
	if (partfile_exists(dest))
		return -EEXIST;
	return rename(part, dest) == 0 ? 0 : -errno;
}

/* The portable no-clobber move: link (fails on an existing name,
 * atomically), then unlink. */
static int link_then_unlink(const char *part, const char *dest)
{
	if (link(part, dest) != 0) {
		int err = errno;

		if (err == EEXIST && same_file(part, dest))
			;           /* an earlier attempt linked it already */
		else if (err == EPERM || err == ENOTSUP || err == EOPNOTSUPP ||
				err == EMLINK)
			return place_without_link(part, dest);
		else
			return -err;
	}
	if (unlink(part) != 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int partfile_place(const char *part, const char *dest, int overwrite)
{
	if (overwrite)
		return rename(part, dest) == 0 ? 0 : -errno;
#ifdef RENAME_NOREPLACE
	/* One system call where the kernel and file system have it. */
	if (renameat2(AT_FDCWD, part, AT_FDCWD, dest, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != EEXIST)
		return -errno;
	/* EEXIST may be our own earlier link (a crash between link and
	 * unlink); the portable path tells. */
#endif
	return link_then_unlink(part, dest);
}
