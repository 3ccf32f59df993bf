/* partfile.c — opening part files safely, claiming them, and placing
 * finished files. Every function here returns 0 or a YCDL_E_* code and
 * leaves a message naming the file: this is where the system calls are,
 * so this is where errno becomes the library's error. */
#define _GNU_SOURCE
#include "partfile.h"

#include "error.h"
#include "naming.h"
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

/* A failed system call on path, as the library's error. */
static int os_error(const char *what, const char *path, int err)
{
	return error_set(error_from_errno(err), "cannot %s %s: %s%s", what, path,
			strerror(err), err == ELOOP
			? " (a symbolic link is not followed)" : "");
}

/* Opens path without following a symlink and checks that it is a regular
 * file; *st describes it. Nothing is left open on failure. */
static int open_regular(const char *path, int flags, int *out_fd, struct stat *st)
{
	int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
	int err;

	/* Set on every path: gcc -O2 cannot tell that a failure always
	 * returns non-zero, and warns that callers may read it unset. */
	*out_fd = -1;
	if (fd < 0)
		return os_error("open", path, errno);
	if (fstat(fd, st) != 0) {
		err = errno;
		close(fd);
		return os_error("inspect", path, err);
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return error_set(YCDL_E_IO, "%s is not a regular file", path);
	}
	*out_fd = fd;
	return 0;
}

/* Takes the exclusive claim on an open part file. */
static int claim(int fd, const char *path)
{
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			return error_set(YCDL_E_LOCKED, "another download (in another "
					"session or process) is writing %s: a part file "
					"belongs to one task", path);
		return os_error("lock", path, errno);
	}
	return 0;
}

void partfile_release_claim(int fd)
{
	if (fd >= 0)
		(void)flock(fd, LOCK_UN);
}

void partfile_close(int fd)
{
	if (fd < 0)
		return;
	(void)flock(fd, LOCK_UN);
	close(fd);
}

/* Opens and claims path as a regular file of ours; closes it again on any
 * failure. */
static int open_claimed(const char *path, int flags, int *out_fd, struct stat *st)
{
	int rc = open_regular(path, flags, out_fd, st);

	if (rc == 0 && (rc = claim(*out_fd, path)) == 0 && st->st_uid != geteuid())
		rc = error_set(YCDL_E_IO, "%s belongs to another user: not writing "
				"to it", path);
	if (rc != 0 && *out_fd >= 0) {
		partfile_close(*out_fd);
		*out_fd = -1;
	}
	return rc;
}

/* The name holds a file with other links: writing would change that other
 * file too (O_NOFOLLOW and S_ISREG do not see hard links). The name is
 * ours to drop; the file it shared stays as it was. */
static int replace_linked(const char *path, int *fd, struct stat *st)
{
	partfile_close(*fd);
	*fd = -1;
	if (unlink(path) != 0 && errno != ENOENT)
		return os_error("replace", path, errno);
	return open_claimed(path, O_RDWR | O_CREAT | O_EXCL, fd, st);
}

static int cut_to(int fd, const char *path, uint64_t keep, uint64_t *size)
{
	if (*size > keep) {
		if (ftruncate(fd, (off_t)keep) != 0)
			return os_error("truncate", path, errno);
		*size = keep;
	}
	if (*size > 0 && lseek(fd, (off_t)*size, SEEK_SET) < 0)
		return os_error("seek in", path, errno);
	return 0;
}

/* Opens path for writing, creating its folder when it does not exist (yet,
 * or any more). */
static int open_or_make_folder(const char *path, int *fd, struct stat *st)
{
	int rc = open_claimed(path, O_RDWR | O_CREAT, fd, st);
	char *dir;
	struct stat dst;

	if (rc == 0 || !(dir = util_dirname(path)))
		return rc;
	if (stat(dir, &dst) == 0 || errno != ENOENT) {
		free(dir);
		return rc;      /* the folder is there: the open's error stands */
	}
	rc = util_mkdir_p(dir);
	free(dir);
	if (rc != 0)
		return error_set(error_from_errno(-rc), "cannot create the folder of "
				"%s: %s", path, strerror(-rc));
	return open_claimed(path, O_RDWR | O_CREAT, fd, st);
}

int partfile_open(const char *path, uint64_t keep, struct partfile_opened *out)
{
	struct stat st;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	if ((rc = open_or_make_folder(path, &fd, &st)) != 0)
		return rc;
	if (st.st_nlink > 1) {
		if ((rc = replace_linked(path, &fd, &st)) != 0)
			return rc;
		out->replaced = true;
	}
	out->size = (uint64_t)st.st_size;
	if ((rc = cut_to(fd, path, keep, &out->size)) != 0) {
		partfile_close(fd);
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
		return os_error("find", path, errno);
	if (S_ISLNK(st.st_mode))
		return error_set(YCDL_E_IO, "%s was replaced by a symbolic link: not "
				"followed", path);
	if (!S_ISREG(st.st_mode) || st.st_dev != id->dev || st.st_ino != id->ino)
		return error_set(YCDL_E_IO, "%s was replaced by another file while it "
				"downloaded", path);
	return 0;
}

int partfile_open_reader(const char *path, const struct partfile_id *id)
{
	struct stat st;
	int fd;

	if (open_regular(path, O_RDONLY, &fd, &st) != 0)
		return -1;
	if (st.st_dev != id->dev || st.st_ino != id->ino) {
		close(fd);
		errno = ESTALE;
		return -1;
	}
	return fd;
}

int partfile_open_finished(const char *path, int *out_fd, dev_t *dev)
{
	struct stat st;
	int rc = open_claimed(path, O_RDONLY, out_fd, &st);

	if (rc == 0 && st.st_nlink > 1) {
		partfile_close(*out_fd);
		*out_fd = -1;
		rc = error_set(YCDL_E_IO, "%s has other links: not published", path);
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
		rc = error_set(YCDL_E_IO, "%s has other links: not published", path);
	else if (fchmod(fd, (mode_t)mode) != 0)
		rc = os_error("change the mode of", path, errno);
	else if (util_sync_file(fd) != 0)   /* the mode lasts a power cut */
		rc = os_error("sync", path, errno);
	partfile_close(fd);
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

static int unlink_name(const char *path)
{
	return unlink(path) == 0 || errno == ENOENT ? 0 : os_error("delete", path, errno);
}

/* Unlinks path while holding its claim, so that a file another download
 * is writing keeps its name. */
static int unlink_claimed(const char *path, const struct partfile_id *ours,
		bool only_if_empty)
{
	struct stat st;
	int fd, rc;

	if (is_ours(path, ours))
		return only_if_empty && (lstat(path, &st) != 0 || st.st_size != 0)
			? 0 : unlink_name(path);
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : os_error("find", path, errno);
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid())
		/* Not a part file of ours (a symlink, another user's file):
		 * the name still goes, as unlink would do; its target stays. */
		return only_if_empty ? 0 : unlink_name(path);
	if ((rc = open_claimed(path, O_RDONLY, &fd, &st)) != 0)
		return rc;
	if (!only_if_empty || st.st_size == 0)
		rc = unlink_name(path);
	partfile_close(fd);
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

bool partfile_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static bool is_free(const char *name, partfile_taken_fn taken, const void *arg)
{
	return !partfile_exists(name) && !(taken && taken(name, arg));
}

int partfile_choose_dest(const char *dest, int conflict, partfile_taken_fn taken,
		const void *taken_arg, char **out)
{
	if (conflict == YCDL_CONFLICT_OVERWRITE ||
	    (conflict == YCDL_CONFLICT_RENAME ? is_free(dest, taken, taken_arg)
	     : !partfile_exists(dest))) {
		*out = strdup(dest);
		return *out ? 0 : error_set(YCDL_E_NOMEM, "out of memory");
	}
	if (conflict != YCDL_CONFLICT_RENAME)
		return error_set(YCDL_E_EXISTS, "the destination file already exists");
	for (unsigned int n = 1; n < 10000; n++) {
		char *candidate = naming_numbered(dest, n);

		if (!candidate)
			return error_set(YCDL_E_NOMEM, "out of memory");
		if (is_free(candidate, taken, taken_arg)) {
			*out = candidate;
			return 0;
		}
		free(candidate);
	}
	return error_set(YCDL_E_EXISTS, "no free name beside %s", dest);
}

bool partfile_same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return lstat(a, &sa) == 0 && lstat(b, &sb) == 0 &&
		sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int taken(const char *dest)
{
	return error_set(YCDL_E_EXISTS, "cannot move the file into place: %s "
			"already exists", dest);
}

/* File systems without hard links: check, then rename (a small race that
 * link() would have closed). */
static int place_without_link(const char *part, const char *dest)
{
	if (partfile_exists(dest))
		return taken(dest);
	return rename(part, dest) == 0 ? 0 : os_error("move into place", part, errno);
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
		else if (err == EEXIST)
			return taken(dest);
		else
			return os_error("move into place", part, err);
	}
	return unlink_name(part);
}

int partfile_place(const char *part, const char *dest, int overwrite)
{
	if (overwrite)
		return rename(part, dest) == 0 ? 0
			: os_error("move into place", part, errno);
#ifdef RENAME_NOREPLACE
	/* One system call where the kernel and file system have it. */
	if (renameat2(AT_FDCWD, part, AT_FDCWD, dest, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != EEXIST)
		return os_error("move into place", part, errno);
	/* EEXIST may be our own earlier link (a crash between link and
	 * unlink); the portable path tells. */
#endif
	return link_then_unlink(part, dest);
}
