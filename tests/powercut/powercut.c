/* powercut.c — an LD_PRELOAD layer that lets a test cut the power under a
 * process: it keeps, for every file and folder under one root, what the
 * disk was last told to keep (a sync), and at a chosen call it kills the
 * process on the spot. tests/powercut/powercut.py then rebuilds the root as
 * a disk would show it after the cut — the model, written down in
 * docs/reliability.md ("Power loss"), is strict POSIX:
 *
 *   - a file's data (and size) is what it held at its last fdatasync,
 *     fsync or syncfs; its mode only as of its last fsync or syncfs;
 *   - a folder's entries (names -> files: creates, renames, links,
 *     unlinks) are as of its last fsync or syncfs;
 *   - anything never synced is as it was before the process started (or,
 *     made since, gone).
 *
 * What is kept goes to YCDL_POWERCUT_SHADOW (the latest only):
 *   ino-N        a file's bytes at its last sync   ino-N.mode  its mode
 *   dir-HASH     a folder at its last sync: its path under the root on
 *                the first line, then "NAME\tINO\tTYPE" (f, d) per entry
 *   count        the calls counted when the process exits normally
 *   cut          "CALL PATH" of the call the power was cut before
 *   now-ino-N    at the cut, each file's bytes as the process left them
 *                (the page cache): what a torn write may have let through
 *   pinned/      a hard link to every file an unlink or a rename over it
 *                would free: a run never frees an inode, so its number is
 *                never given to a new file while a folder kept earlier
 *                still names it (which would mix two files' bytes)
 *
 * Environment (read when the library loads):
 *   YCDL_POWERCUT_ROOT    the folder whose contents are followed
 *   YCDL_POWERCUT_SHADOW  where the kept state goes (outside the root)
 *   YCDL_POWERCUT_AT      cut before the N-th call that changes something
 *                         under the root (write, ftruncate, fallocate,
 *                         fchmod, a sync, open with O_CREAT or O_TRUNC,
 *                         rename, link, unlink, mkdir); 0 or unset: never
 *   YCDL_POWERCUT_FROM    count only from the first such call on a path
 *                         that contains this text (aims the cuts at a rare
 *                         stretch, e.g. "tasks.journal.tmp": compaction)
 *
 * Written by hand: LazyFS and CrashMonkey need a FUSE or kernel set-up a
 * test run cannot count on; this follows the calls libycdl makes. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static char root[PATH_MAX];
static size_t root_len;
static char shadow[PATH_MAX];
static long cut_at;
static char from_text[256];     /* YCDL_POWERCUT_FROM; "" counts every call */
static atomic_bool counting;
static atomic_long calls;
/* Held while the kept state is written, and forever once the power is cut,
 * so that no thread is half-way through keeping something at the cut. */
static pthread_mutex_t keeping = PTHREAD_MUTEX_INITIALIZER;
static bool enabled;

#define REAL(name) real_##name
#define DECLARE_REAL(ret, name, args) static ret (*real_##name) args

DECLARE_REAL(ssize_t, write, (int, const void *, size_t));
DECLARE_REAL(ssize_t, pwrite, (int, const void *, size_t, off_t));
DECLARE_REAL(ssize_t, pwrite64, (int, const void *, size_t, off_t));
DECLARE_REAL(int, ftruncate, (int, off_t));
DECLARE_REAL(int, ftruncate64, (int, off_t));
DECLARE_REAL(int, fallocate, (int, int, off_t, off_t));
DECLARE_REAL(int, fallocate64, (int, int, off_t, off_t));
DECLARE_REAL(int, fchmod, (int, mode_t));
DECLARE_REAL(int, fsync, (int));
DECLARE_REAL(int, fdatasync, (int));
DECLARE_REAL(int, syncfs, (int));
DECLARE_REAL(int, open, (const char *, int, ...));
DECLARE_REAL(int, open64, (const char *, int, ...));
DECLARE_REAL(int, openat, (int, const char *, int, ...));
DECLARE_REAL(int, openat64, (int, const char *, int, ...));
DECLARE_REAL(int, rename, (const char *, const char *));
DECLARE_REAL(int, renameat, (int, const char *, int, const char *));
DECLARE_REAL(int, renameat2, (int, const char *, int, const char *, unsigned int));
DECLARE_REAL(int, link, (const char *, const char *));
DECLARE_REAL(int, linkat, (int, const char *, int, const char *, int));
DECLARE_REAL(int, unlink, (const char *));
DECLARE_REAL(int, unlinkat, (int, const char *, int));
DECLARE_REAL(int, mkdir, (const char *, mode_t));
DECLARE_REAL(int, mkdirat, (int, const char *, mode_t));

#define LOAD(name) real_##name = dlsym(RTLD_NEXT, #name)

__attribute__((constructor)) static void powercut_init(void)
{
	const char *r = getenv("YCDL_POWERCUT_ROOT"), *sh = getenv("YCDL_POWERCUT_SHADOW");
	const char *at = getenv("YCDL_POWERCUT_AT"), *from = getenv("YCDL_POWERCUT_FROM");

	LOAD(write); LOAD(pwrite); LOAD(pwrite64); LOAD(ftruncate); LOAD(ftruncate64);
	LOAD(fallocate); LOAD(fallocate64); LOAD(fchmod); LOAD(fsync); LOAD(fdatasync);
	LOAD(syncfs); LOAD(open); LOAD(open64); LOAD(openat); LOAD(openat64);
	LOAD(rename); LOAD(renameat); LOAD(renameat2); LOAD(link); LOAD(linkat);
	LOAD(unlink); LOAD(unlinkat); LOAD(mkdir); LOAD(mkdirat);
	if (!r || !sh || !realpath(r, root) || !realpath(sh, shadow))
		return;
	root_len = strlen(root);
	cut_at = at ? strtol(at, NULL, 10) : 0;
	snprintf(from_text, sizeof(from_text), "%s", from ? from : "");
	atomic_store(&counting, from_text[0] == '\0');
	enabled = true;
}

/* --------------------------------------------------------------- paths */

static bool under_root(const char *path)
{
	return enabled && strncmp(path, root, root_len) == 0 &&
		(path[root_len] == '/' || path[root_len] == '\0');
}

/* The absolute path of fd's file, or "" (a pipe, a socket, a deleted file). */
static void fd_path(int fd, char out[PATH_MAX])
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, PATH_MAX - 1);
	out[n > 0 ? n : 0] = '\0';
}

/* a "/" b into out (PATH_MAX); "" when it does not fit (not followed). */
static void join(char out[PATH_MAX], const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la + lb + 2 > PATH_MAX) {
		out[0] = '\0';
		return;
	}
	memcpy(out, a, la);
	out[la] = '/';
	memcpy(out + la + 1, b, lb + 1);
}

/* path made absolute (against dirfd, or the working folder); its folder
 * resolved, so that links in it do not hide the root. */
static void abs_path(int dirfd, const char *path, char out[PATH_MAX])
{
	char base[PATH_MAX], dir[PATH_MAX], *slash;

	if (path[0] == '/') {
		snprintf(base, sizeof(base), "%s", path);
	} else {
		char at[PATH_MAX];

		if (dirfd == AT_FDCWD) {
			if (!getcwd(at, sizeof(at)))
				at[0] = '\0';
		} else {
			fd_path(dirfd, at);
		}
		join(base, at, path);
	}
	snprintf(dir, sizeof(dir), "%s", base);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		char resolved[PATH_MAX];

		*slash = '\0';
		if (realpath(dir, resolved)) {
			join(out, resolved, slash + 1);
			return;
		}
	}
	snprintf(out, PATH_MAX, "%s", base);
}

/* ------------------------------------------------------------- keeping */

/* Writes data to shadow/name through a temporary name and a rename. */
static void keep_file(const char *name, int from_fd, const char *text)
{
	char tmp[PATH_MAX + 16], final[PATH_MAX + 16], buf[65536];
	int out;
	ssize_t n;
	off_t at = 0;

	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", shadow, name);
	snprintf(final, sizeof(final), "%s/%s", shadow, name);
	out = REAL(open)(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0)
		abort();
	if (text && REAL(write)(out, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	while (from_fd >= 0 && (n = pread(from_fd, buf, sizeof(buf), at)) > 0) {
		if (REAL(write)(out, buf, (size_t)n) != n)
			abort();
		at += n;
	}
	close(out);
	if (REAL(rename)(tmp, final) != 0)
		abort();
}

/* A regular file's bytes (and its mode, with_mode) as the disk keeps them. */
static void keep_regular(const char *path, const struct stat *st, bool with_mode)
{
	char name[64], mode[32];
	int fd = REAL(open)(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;          /* gone since: its folder says so */
	snprintf(name, sizeof(name), "ino-%llu", (unsigned long long)st->st_ino);
	keep_file(name, fd, NULL);
	close(fd);
	if (with_mode) {
		snprintf(name, sizeof(name), "ino-%llu.mode", (unsigned long long)st->st_ino);
		snprintf(mode, sizeof(mode), "%o\n", (unsigned int)(st->st_mode & 07777));
		keep_file(name, -1, mode);
	}
}

static unsigned long long fnv1a(const char *s)
{
	unsigned long long h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* A folder's entries as the disk keeps them. */
static void keep_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char name[64], *text;
	size_t len = 0, cap = 4096;

	if (!d)
		return;
	text = malloc(cap);
	len = (size_t)snprintf(text, cap, "%s\n", path[root_len] ? path + root_len + 1 : "");
	while ((de = readdir(d)) != NULL) {
		char entry[PATH_MAX + 64], full[PATH_MAX * 2];
		struct stat st;
		int n;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(full, sizeof(full), "%s/%s", path, de->d_name);
		if (lstat(full, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
			continue;        /* sockets are made anew */
		n = snprintf(entry, sizeof(entry), "%s\t%llu\t%c\n", de->d_name,
				(unsigned long long)st.st_ino, S_ISDIR(st.st_mode) ? 'd' : 'f');
		while (len + (size_t)n + 1 > cap)
			text = realloc(text, cap *= 2);
		memcpy(text + len, entry, (size_t)n + 1);
		len += (size_t)n;
	}
	closedir(d);
	snprintf(name, sizeof(name), "dir-%016llx", fnv1a(path));
	keep_file(name, -1, text);
	free(text);
}

/* syncfs: every file and folder under the root, as they are. */
static void keep_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (!d)
		return;
	keep_dir(path);
	while ((de = readdir(d)) != NULL) {
		char full[PATH_MAX];
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(full, sizeof(full), "%s/%s", path, de->d_name);
		if (lstat(full, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			keep_tree(full);
		else if (S_ISREG(st.st_mode))
			keep_regular(full, &st, true);
	}
	closedir(d);
}

/* At the cut: every file's bytes as they are, unsynced ones included. */
static void keep_now(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;

	while (d && (de = readdir(d)) != NULL) {
		char full[PATH_MAX], name[64];
		struct stat st;
		int fd;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(full, sizeof(full), "%s/%s", path, de->d_name);
		if (lstat(full, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			keep_now(full);
			continue;
		}
		if (!S_ISREG(st.st_mode) || (fd = REAL(open)(full, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		snprintf(name, sizeof(name), "now-ino-%llu", (unsigned long long)st.st_ino);
		keep_file(name, fd, NULL);
		close(fd);
	}
	if (d)
		closedir(d);
}

/* After a successful sync of fd: what it made durable. */
static void kept(int fd, bool with_mode, bool whole_fs)
{
	char path[PATH_MAX];
	struct stat st;

	fd_path(fd, path);
	if (!under_root(path) && !(whole_fs && enabled))
		return;
	pthread_mutex_lock(&keeping);
	if (whole_fs)
		keep_tree(root);
	else if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
		keep_dir(path);
	else if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		char self[64];

		/* By the descriptor: the file may have another name by now. */
		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		keep_regular(self, &st, with_mode);
	}
	pthread_mutex_unlock(&keeping);
}

/* Before path (under the root) loses a name: keeps its inode alive. */
static void pin(int dirfd, const char *path)
{
	static atomic_long pinned;
	char full[PATH_MAX], link_path[PATH_MAX + 64];
	struct stat st;

	if (!enabled || !path)
		return;
	abs_path(dirfd, path, full);
	if (!under_root(full) || lstat(full, &st) != 0 || !S_ISREG(st.st_mode))
		return;
	snprintf(link_path, sizeof(link_path), "%s/pinned", shadow);
	(void)REAL(mkdir)(link_path, 0700);
	snprintf(link_path, sizeof(link_path), "%s/pinned/%ld", shadow,
			atomic_fetch_add(&pinned, 1));
	if (REAL(link)(full, link_path) != 0)
		abort();
}

/* ------------------------------------------------------------- cutting */

/* Before a call that changes path (or fd's file): the power goes when it is
 * the chosen one. */
static void before_change(const char *call, const char *path)
{
	char line[PATH_MAX + 64];

	if (!under_root(path))
		return;
	if (!atomic_load(&counting)) {
		if (!strstr(path, from_text))
			return;
		atomic_store(&counting, true);
	}
	if (atomic_fetch_add(&calls, 1) + 1 != cut_at || cut_at <= 0)
		return;
	pthread_mutex_lock(&keeping);           /* never given back */
	keep_now(root);
	snprintf(line, sizeof(line), "%s %s\n", call, path);
	keep_file("cut", -1, line);
	kill(getpid(), SIGKILL);
	for (;;)
		pause();
}

static void before_fd_change(const char *call, int fd)
{
	char path[PATH_MAX];

	if (!enabled)
		return;
	fd_path(fd, path);
	before_change(call, path);
}

static void before_at_change(const char *call, int dirfd, const char *path)
{
	char full[PATH_MAX];

	if (!enabled || !path)
		return;
	abs_path(dirfd, path, full);
	before_change(call, full);
}

__attribute__((destructor)) static void powercut_exit(void)
{
	char text[32];

	if (!enabled)
		return;
	snprintf(text, sizeof(text), "%ld\n", atomic_load(&calls));
	pthread_mutex_lock(&keeping);
	keep_file("count", -1, text);
	pthread_mutex_unlock(&keeping);
}

/* ---------------------------------------------------------- the calls */

ssize_t write(int fd, const void *buf, size_t len)
{
	before_fd_change("write", fd);
	return REAL(write)(fd, buf, len);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t at)
{
	before_fd_change("pwrite", fd);
	return REAL(pwrite)(fd, buf, len, at);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off_t at)
{
	before_fd_change("pwrite", fd);
	return REAL(pwrite64)(fd, buf, len, at);
}

int ftruncate(int fd, off_t len)
{
	before_fd_change("ftruncate", fd);
	return REAL(ftruncate)(fd, len);
}

int ftruncate64(int fd, off_t len)
{
	before_fd_change("ftruncate", fd);
	return REAL(ftruncate64)(fd, len);
}

int fallocate(int fd, int mode, off_t at, off_t len)
{
	before_fd_change("fallocate", fd);
	return REAL(fallocate)(fd, mode, at, len);
}

int fallocate64(int fd, int mode, off_t at, off_t len)
{
	before_fd_change("fallocate", fd);
	return REAL(fallocate64)(fd, mode, at, len);
}

int fchmod(int fd, mode_t mode)
{
	before_fd_change("fchmod", fd);
	return REAL(fchmod)(fd, mode);
}

int fsync(int fd)
{
	int rc;

	before_fd_change("fsync", fd);
	if ((rc = REAL(fsync)(fd)) == 0)
		kept(fd, true, false);
	return rc;
}

int fdatasync(int fd)
{
	int rc;

	before_fd_change("fdatasync", fd);
	if ((rc = REAL(fdatasync)(fd)) == 0)
		kept(fd, false, false);
	return rc;
}

int syncfs(int fd)
{
	int rc;

	before_fd_change("syncfs", fd);
	if ((rc = REAL(syncfs)(fd)) == 0)
		kept(fd, true, true);
	return rc;
}

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

#define CHANGES(flags) ((flags) & (O_CREAT | O_TRUNC))

int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (CHANGES(flags))
		before_at_change("open", AT_FDCWD, path);
	return REAL(open)(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (CHANGES(flags))
		before_at_change("open", AT_FDCWD, path);
	return REAL(open64)(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (CHANGES(flags))
		before_at_change("open", dirfd, path);
	return REAL(openat)(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	if (CHANGES(flags))
		before_at_change("open", dirfd, path);
	return REAL(openat64)(dirfd, path, flags, mode);
}

int rename(const char *from, const char *to)
{
	before_at_change("rename", AT_FDCWD, to);
	pin(AT_FDCWD, to);
	return REAL(rename)(from, to);
}

int renameat(int fromfd, const char *from, int tofd, const char *to)
{
	before_at_change("rename", tofd, to);
	pin(tofd, to);
	return REAL(renameat)(fromfd, from, tofd, to);
}

int renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned int flags)
{
	before_at_change("renameat2", tofd, to);
	pin(tofd, to);
	return REAL(renameat2)(fromfd, from, tofd, to, flags);
}

int link(const char *from, const char *to)
{
	before_at_change("link", AT_FDCWD, to);
	return REAL(link)(from, to);
}

int linkat(int fromfd, const char *from, int tofd, const char *to, int flags)
{
	before_at_change("link", tofd, to);
	return REAL(linkat)(fromfd, from, tofd, to, flags);
}

int unlink(const char *path)
{
	before_at_change("unlink", AT_FDCWD, path);
	pin(AT_FDCWD, path);
	return REAL(unlink)(path);
}

int unlinkat(int dirfd, const char *path, int flags)
{
	before_at_change("unlink", dirfd, path);
	pin(dirfd, path);
	return REAL(unlinkat)(dirfd, path, flags);
}

int mkdir(const char *path, mode_t mode)
{
	before_at_change("mkdir", AT_FDCWD, path);
	return REAL(mkdir)(path, mode);
}

int mkdirat(int dirfd, const char *path, mode_t mode)
{
	before_at_change("mkdir", dirfd, path);
	return REAL(mkdirat)(dirfd, path, mode);
}
