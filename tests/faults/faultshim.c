/* faultshim.c — an LD_PRELOAD library that makes chosen system calls fail
 * (or kill the process) so that tests can prove what libycdl does when the
 * machine misbehaves: a full disk, an I/O error, a read-only file system, a
 * crash at the worst moment, a wall clock that jumps backwards.
 *
 * Nothing in the core knows about it: it replaces the libc functions the
 * core calls through the dynamic linker, and passes every call it does not
 * target on to the real function. Linux only (it names a descriptor's file
 * through /proc/self/fd).
 *
 * Environment (read once, when the library loads). Two faults can be set
 * at once: YCDL_FAULT_* and YCDL_FAULT2_* (same names after the prefix);
 * when both match a call, the first one decides.
 *
 *   YCDL_FAULT_CALL    comma-separated calls to target: write, fdatasync,
 *                      fsync, ftruncate, open, rename, renameat2, link,
 *                      unlink, mkdir (unset: no call fault)
 *   YCDL_FAULT_PATH    fnmatch(3) pattern the call's file must match: the
 *                      path argument of open/unlink/mkdir, either path of
 *                      rename/renameat2/link, the file behind the descriptor
 *                      of write/fdatasync/fsync/ftruncate (unset: any file)
 *   YCDL_FAULT_WRITE_ONLY=1  open: only opens that may write or create
 *   YCDL_FAULT_AFTER   this many matching calls succeed first (default 0)
 *   YCDL_FAULT_COUNT   this many matching calls then fail; -1: all of them
 *                      (default 1)
 *   YCDL_FAULT_ERRNO   the errno a failing call reports: ENOSPC, EIO, EFBIG,
 *                      EROFS, EACCES, EDQUOT, EPERM, ENOENT, ENOSYS, EINVAL
 *                      or a number (default EIO)
 *   YCDL_FAULT_ACTION  what a failing call does:
 *                        errno       return -1 with YCDL_FAULT_ERRNO (default)
 *                        kill        SIGKILL the process before the call
 *                        kill-after  do the call, then SIGKILL the process
 *                        kill-torn   write: write the first half, then
 *                                    SIGKILL (a torn record); other calls:
 *                                    as kill
 *                        delay       sleep YCDL_FAULT_DELAY_MS (default
 *                                    1000), log "delay-end CALL", then do
 *                                    the call (a slow disk: what happens
 *                                    while one call takes long)
 *   YCDL_FAULT_FLAG    a path: the fault fires only while this file exists,
 *                      so the test can clear "the disk is full" in a process
 *                      that keeps running (calls made while it is absent do
 *                      not count towards YCDL_FAULT_AFTER)
 *
 *   YCDL_FAULT_LOG     a path: one line per fault fired ("CALL PATH"),
 *                      appended, so the test can tell that it fired
 *   YCDL_FAULT_CLOCK_STEP_S  the wall clock (CLOCK_REALTIME and its
 *                      relatives, gettimeofday, time) goes this many seconds
 *                      backwards on every call after the first
 *                      YCDL_FAULT_CLOCK_AFTER (default 10) calls; monotonic
 *                      clocks are untouched
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum fault_call {
	CALL_WRITE = 1 << 0,
	CALL_FDATASYNC = 1 << 1,
	CALL_FSYNC = 1 << 2,
	CALL_FTRUNCATE = 1 << 3,
	CALL_OPEN = 1 << 4,
	CALL_RENAME = 1 << 5,
	CALL_RENAMEAT2 = 1 << 6,
	CALL_LINK = 1 << 7,
	CALL_UNLINK = 1 << 8,
	CALL_MKDIR = 1 << 9
};

enum fault_action { ACT_ERRNO, ACT_KILL, ACT_KILL_AFTER, ACT_KILL_TORN, ACT_DELAY };

static const struct {
	const char *name;
	unsigned int bit;
} call_names[] = {
	{ "write", CALL_WRITE }, { "fdatasync", CALL_FDATASYNC },
	{ "fsync", CALL_FSYNC }, { "ftruncate", CALL_FTRUNCATE },
	{ "open", CALL_OPEN }, { "rename", CALL_RENAME },
	{ "renameat2", CALL_RENAMEAT2 }, { "link", CALL_LINK },
	{ "unlink", CALL_UNLINK }, { "mkdir", CALL_MKDIR },
};

static const struct {
	const char *name;
	int value;
} errno_names[] = {
	{ "ENOSPC", ENOSPC }, { "EIO", EIO }, { "EFBIG", EFBIG },
	{ "EROFS", EROFS }, { "EACCES", EACCES }, { "EDQUOT", EDQUOT },
	{ "EPERM", EPERM }, { "ENOENT", ENOENT }, { "ENOSYS", ENOSYS },
	{ "EINVAL", EINVAL },
};

/* One fault: set once by the constructor, before any other thread exists;
 * only the counter changes afterwards. */
struct fault {
	unsigned int calls;
	const char *path_pattern;
	bool write_opens_only;
	long after;
	long count;
	int error;
	enum fault_action action;
	long delay_ms;
	const char *flag_path;
	long matching_calls;        /* shared by every thread */
};

static struct fault faults[2];
static const char *log_path;
static long clock_step_s;
static long clock_after;
static long clock_calls;

/* ------------------------------------------------------------ config */

static const char *setting(const char *prefix, const char *name)
{
	char var[64];

	snprintf(var, sizeof(var), "%s%s", prefix, name);
	return getenv(var);
}

static long number(const char *value, long fallback)
{
	return value && *value ? strtol(value, NULL, 10) : fallback;
}

static unsigned int parse_calls(const char *list)
{
	unsigned int bits = 0;
	char buf[256], *save = NULL;

	if (!list)
		return 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save))
		for (size_t i = 0; i < sizeof(call_names) / sizeof(call_names[0]); i++)
			if (strcmp(w, call_names[i].name) == 0)
				bits |= call_names[i].bit;
	return bits;
}

static int parse_errno(const char *name)
{
	if (!name || !*name)
		return EIO;
	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (strcmp(name, errno_names[i].name) == 0)
			return errno_names[i].value;
	return atoi(name) > 0 ? atoi(name) : EIO;
}

static enum fault_action parse_action(const char *name)
{
	if (!name)
		return ACT_ERRNO;
	if (strcmp(name, "kill") == 0)
		return ACT_KILL;
	if (strcmp(name, "kill-after") == 0)
		return ACT_KILL_AFTER;
	if (strcmp(name, "kill-torn") == 0)
		return ACT_KILL_TORN;
	if (strcmp(name, "delay") == 0)
		return ACT_DELAY;
	return ACT_ERRNO;
}

static void read_fault(struct fault *f, const char *prefix)
{
	f->calls = parse_calls(setting(prefix, "CALL"));
	f->path_pattern = setting(prefix, "PATH");
	f->write_opens_only = number(setting(prefix, "WRITE_ONLY"), 0) != 0;
	f->after = number(setting(prefix, "AFTER"), 0);
	f->count = number(setting(prefix, "COUNT"), 1);
	f->error = parse_errno(setting(prefix, "ERRNO"));
	f->action = parse_action(setting(prefix, "ACTION"));
	f->delay_ms = number(setting(prefix, "DELAY_MS"), 1000);
	f->flag_path = setting(prefix, "FLAG");
}

__attribute__((constructor)) static void read_config(void)
{
	read_fault(&faults[0], "YCDL_FAULT_");
	read_fault(&faults[1], "YCDL_FAULT2_");
	log_path = getenv("YCDL_FAULT_LOG");
	clock_step_s = number(getenv("YCDL_FAULT_CLOCK_STEP_S"), 0);
	clock_after = number(getenv("YCDL_FAULT_CLOCK_AFTER"), 10);
}

/* ------------------------------------------------------------ the real calls */

/* The next definition of name after this library: libc's (or a sanitizer's
 * interceptor, which then calls libc's). Looked up once per call site. */
static void *real(const char *name)
{
	void *fn = dlsym(RTLD_NEXT, name);

	if (!fn)
		abort();
	return fn;
}

#define REAL(name) (__extension__({                                       \
	static __typeof__(&name) fn_;                                     \
	__typeof__(&name) f_ = __atomic_load_n(&fn_, __ATOMIC_ACQUIRE);   \
	if (!f_) {                                                        \
		f_ = (__typeof__(&name))real(#name);                      \
		__atomic_store_n(&fn_, f_, __ATOMIC_RELEASE);             \
	}                                                                 \
	f_; }))

/* ------------------------------------------------------------ deciding */

static bool targeted(unsigned int call)
{
	return ((faults[0].calls | faults[1].calls) & call) != 0;
}

static bool path_matches(const struct fault *f, const char *path)
{
	return path && (!f->path_pattern || fnmatch(f->path_pattern, path, 0) == 0);
}

/* The file behind fd, or "?". */
static const char *fd_path(int fd, char *buf, size_t size)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, size - 1);
	if (n <= 0)
		return "?";
	buf[n] = '\0';
	return buf;
}

static bool flag_raised(const struct fault *f)
{
	struct stat st;

	return !f->flag_path || stat(f->flag_path, &st) == 0;
}

static void note_fault(const char *call, const char *path)
{
	char line[PATH_MAX + 64];
	int fd, len;

	if (!log_path)
		return;
	len = snprintf(line, sizeof(line), "%s %s\n", call, path);
	fd = REAL(open)(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (REAL(write)(fd, line, (size_t)len) < 0)
		(void)0;    /* nowhere to report it */
	close(fd);
}

/* Whether f fires on this call: its matching calls are counted, the first
 * `after` pass, the next `count` fire. */
static bool fault_fires(struct fault *f, unsigned int call, const char *a,
		const char *b, bool writes)
{
	long n;

	if (!(f->calls & call) || (f->write_opens_only && !writes) ||
	    !(path_matches(f, a) || path_matches(f, b)) || !flag_raised(f))
		return false;
	n = __atomic_fetch_add(&f->matching_calls, 1, __ATOMIC_SEQ_CST);
	return n >= f->after && (f->count < 0 || n < f->after + f->count);
}

/* The fault that fires on this call (logged), or NULL. a and b are its
 * paths (b may be NULL); writes says whether an open may write. */
static const struct fault *firing(unsigned int call, const char *name,
		const char *a, const char *b, bool writes)
{
	for (size_t i = 0; i < 2; i++)
		if (fault_fires(&faults[i], call, a, b, writes)) {
			note_fault(name, a && path_matches(&faults[i], a) ? a : b);
			return &faults[i];
		}
	return NULL;
}

static const struct fault *fd_firing(unsigned int call, const char *name, int fd)
{
	char path[PATH_MAX];

	if (!targeted(call))
		return NULL;        /* no readlink for calls nobody targets */
	return firing(call, name, fd_path(fd, path, sizeof(path)), NULL, true);
}

__attribute__((noreturn)) static void die_now(void)
{
	raise(SIGKILL);
	_exit(137);     /* not reached */
}

/* For a call whose fault fired: with the delay action, sleeps, logs the
 * end of the delay and returns true: the call is then done as usual. */
static bool delayed(const struct fault *f, const char *call)
{
	struct timespec left = { f->delay_ms / 1000, (f->delay_ms % 1000) * 1000000L };

	if (f->action != ACT_DELAY)
		return false;
	while (nanosleep(&left, &left) != 0 && errno == EINTR)
		;
	note_fault("delay-end", call);
	return true;
}

/* For a call whose fault fired: returns true when the call must report
 * failure instead (errno is set); dies at once for the kill actions; returns
 * false for kill-after (do the call, then die_now). */
static bool fail_instead(const struct fault *f)
{
	if (f->action == ACT_ERRNO) {
		errno = f->error;
		return true;
	}
	if (f->action != ACT_KILL_AFTER)
		die_now();
	return false;
}

/* ------------------------------------------------------------ descriptor calls */

ssize_t write(int fd, const void *buf, size_t len)
{
	const struct fault *f = fd_firing(CALL_WRITE, "write", fd);

	if (!f)
		return REAL(write)(fd, buf, len);
	if (delayed(f, "write"))
		return REAL(write)(fd, buf, len);
	if (f->action == ACT_KILL_TORN) {
		if (REAL(write)(fd, buf, len / 2) < 0)
			(void)0;
		die_now();
	}
	if (fail_instead(f))
		return -1;
	(void)REAL(write)(fd, buf, len);
	die_now();
}

/* A call taking one descriptor (and maybe more arguments after it). */
#define FD_CALL(ret, fn, bit, params, args)                               \
	ret fn params                                                     \
	{                                                                 \
		const struct fault *f = fd_firing(bit, #fn, fd);          \
                                                                          \
		if (!f || delayed(f, #fn))                                \
			return REAL(fn) args;                             \
		if (fail_instead(f))                                      \
			return -1;                                        \
		(void)REAL(fn) args;                                      \
		die_now();                                                \
	}

FD_CALL(int, fdatasync, CALL_FDATASYNC, (int fd), (fd))
FD_CALL(int, fsync, CALL_FSYNC, (int fd), (fd))
FD_CALL(int, ftruncate, CALL_FTRUNCATE, (int fd, off_t length), (fd, length))

/* ------------------------------------------------------------ path calls */

static bool opens_for_writing(int flags)
{
	return (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) != 0;
}

static mode_t creation_mode(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

#define OPEN_CALL(fn)                                                     \
	int fn(const char *path, int flags, ...)                          \
	{                                                                 \
		const struct fault *f;                                    \
		va_list ap;                                               \
		mode_t mode;                                              \
                                                                          \
		va_start(ap, flags);                                      \
		mode = creation_mode(flags, ap);                          \
		va_end(ap);                                               \
		f = firing(CALL_OPEN, "open", path, NULL,                 \
				opens_for_writing(flags));                \
		if (!f || delayed(f, "open"))                             \
			return REAL(fn)(path, flags, mode);               \
		if (fail_instead(f))                                      \
			return -1;                                        \
		(void)REAL(fn)(path, flags, mode);                        \
		die_now();                                                \
	}

OPEN_CALL(open)
OPEN_CALL(open64)

/* A call taking one or two paths (any other arguments after them). */
#define PATH_CALL(fn, bit, params, a, b, args)                            \
	int fn params                                                     \
	{                                                                 \
		const struct fault *f = firing(bit, #fn, a, b, true);     \
                                                                          \
		if (!f || delayed(f, #fn))                                \
			return REAL(fn) args;                             \
		if (fail_instead(f))                                      \
			return -1;                                        \
		(void)REAL(fn) args;                                      \
		die_now();                                                \
	}

PATH_CALL(rename, CALL_RENAME, (const char *from, const char *to), from, to,
		(from, to))
PATH_CALL(renameat2, CALL_RENAMEAT2, (int from_dir, const char *from, int to_dir,
		const char *to, unsigned int flags), from, to,
		(from_dir, from, to_dir, to, flags))
PATH_CALL(link, CALL_LINK, (const char *from, const char *to), from, to, (from, to))
PATH_CALL(unlink, CALL_UNLINK, (const char *path), path, NULL, (path))
PATH_CALL(mkdir, CALL_MKDIR, (const char *path, mode_t mode), path, NULL,
		(path, mode))

/* ------------------------------------------------------------ the wall clock */

/* How far the wall clock has been set back so far, in seconds: one more
 * step on every call past the first few. */
static long wall_clock_setback(void)
{
	long n;

	if (!clock_step_s)
		return 0;
	n = __atomic_add_fetch(&clock_calls, 1, __ATOMIC_SEQ_CST) - clock_after;
	return n > 0 ? n * clock_step_s : 0;
}

static bool is_wall_clock(clockid_t id)
{
	return id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE ||
		id == CLOCK_TAI;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
	int rc = REAL(clock_gettime)(id, ts);

	if (rc == 0 && is_wall_clock(id))
		ts->tv_sec -= wall_clock_setback();
	return rc;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	int rc = REAL(gettimeofday)(tv, tz);

	if (rc == 0)
		tv->tv_sec -= wall_clock_setback();
	return rc;
}

time_t time(time_t *out)
{
	time_t now = REAL(time)(NULL) - wall_clock_setback();

	if (out)
		*out = now;
	return now;
}
