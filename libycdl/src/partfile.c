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
#include <sys/file.h>
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

/* Takes the exclusive claim on an open part file: -EBUSY when another
 * download (any session, any process) holds it. */
static int claim(int fd)
{
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		return errno == EWOULDBLOCK ? -EBUSY : -errno;
	}
	return 0;
}

void partfile_release_claim(int fd)
{
	if (fd >= 0)
		(void)flock(fd, LOCK_UN);
}

/* Opens and claims path as a regular file that is ours alone; closes it
 * again on any failure. */
static int open_claimed(const char *path, int flags, int *out_fd, struct stat *st)
{
	int rc = open_regular(path, flags, out_fd, st);

	if (rc == 0 && (rc = claim(*out_fd)) == 0 && st->st_uid != geteuid())
		rc = -EPERM;
	if (rc != 0 && *out_fd >= 0) {
		close(*out_fd);
		*out_fd = -1;
	}
	return rc;
}

/* The name holds a file with other links: writing would change that other
 * file too (O_NOFOLLOW and S_ISREG do not see hard links). The name is
 * ours to drop; the file it shared stays as it was. */
static int replace_linked(const char *path, int *fd, struct stat *st)
{
	close(*fd);
	*fd = -1;
	if (unlink(path) != 0 && errno != ENOENT)
		return -errno;
	return open_claimed(path, O_RDWR | O_CREAT | O_EXCL, fd, st);
}

static int cut_to(int fd, uint64_t keep, uint64_t *size)
{
	if (*size > keep) {
		if (ftruncate(fd, (off_t)keep) != 0)
			return -errno;
		*size = keep;
	}
	if (*size > 0 && lseek(fd, (off_t)*size, SEEK_SET) < 0)
		return -errno;
	return 0;
}

int partfile_open(const char *path, uint64_t keep, struct partfile_opened *out)
{
	struct stat st;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	if ((rc = open_claimed(path, O_RDWR | O_CREAT, &fd, &st)) != 0)
		return rc;
	if (st.st_nlink > 1) {
		if ((rc = replace_linked(path, &fd, &st)) != 0)
			return rc;
		out->replaced = true;
	}
	out->size = (uint64_t)st.st_size;
	if ((rc = cut_to(fd, keep, &out->size)) != 0) {
		close(fd);
		return rc;
	}
	out->fd = fd;
	out->id.dev = st.st_dev;
	out->id.ino = st.st_ino;
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

int partfile_open_reader(const char *path, const struct partfile_id *id)
{
	struct stat st;
	int fd, rc = open_regular(path, O_RDONLY, &fd, &st);

	if (rc == 0 && (st.st_dev != id->dev || st.st_ino != id->ino)) {
		close(fd);
		rc = -ESTALE;
	}
	if (rc != 0)
		errno = -rc;
	return rc == 0 ? fd : -1;
}

int partfile_open_finished(const char *path, int *out_fd, dev_t *dev)
{
	struct stat st;
	int rc = open_claimed(path, O_RDONLY, out_fd, &st);

	if (rc == 0 && st.st_nlink > 1) {
		close(*out_fd);
		*out_fd = -1;
		rc = -EMLINK;
	}
	if (rc == 0)
		*dev = st.st_dev;
	return rc;
}

int partfile_publish_mode(const char *path, unsigned int mode)
{
	struct stat st;
	int fd, rc = open_claimed(path, O_RDONLY, &fd, &st);

	if (rc != 0)
		return rc;
	if (st.st_nlink > 1)
		rc = -EMLINK;
	else if (fchmod(fd, (mode_t)mode) != 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* Whether path names the file claimed as ours (held by this task's own
 * transfer or group commit, whose claim does not keep it from itself). */
static bool is_ours(const char *path, const struct partfile_id *ours)
{
	struct stat st;

	return ours && ours->ino && lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		st.st_dev == ours->dev && st.st_ino == ours->ino;
}

/* Unlinks path while holding its claim, so that a file another download
 * is writing keeps its name. */
static int unlink_claimed(const char *path, const struct partfile_id *ours,
		bool only_if_empty)
{
	struct stat st;
	int fd, rc;

	if (is_ours(path, ours)) {
		if (only_if_empty && (lstat(path, &st) != 0 || st.st_size != 0))
			return 0;
		return unlink(path) == 0 || errno == ENOENT ? 0 : -errno;
	}
	rc = open_claimed(path, O_RDONLY, &fd, &st);
	if (rc == -EPERM || rc == -EINVAL || rc == -ELOOP) {
		/* Not a part file of ours (another user's, a symlink, not a
		 * regular file): the name still goes, as unlink would do. */
		return only_if_empty ? rc : (unlink(path) == 0 ? 0 : -errno);
	}
	if (rc != 0)
		return rc == -ENOENT ? 0 : rc;
	if (!only_if_empty || st.st_size == 0)
		rc = unlink(path) == 0 || errno == ENOENT ? 0 : -errno;
	close(fd);
	return rc;
}

void partfile_remove_if_empty(const char *path, const struct partfile_id *ours)
{
	(void)unlink_claimed(path, ours, true);
}

int partfile_remove(const char *path, const struct partfile_id *ours)
{
	return unlink_claimed(path, ours, false);
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

int partfile_same_file(const char *a, const char *b)
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

		if (err == EEXIST && partfile_same_file(part, dest))
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
