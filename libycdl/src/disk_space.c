/* disk_space.c — see disk_space.h. */
#define _GNU_SOURCE
#include "disk_space.h"

#include "error.h"
#include "ycdl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#if defined(__linux__)
#include <linux/magic.h>
#include <sys/vfs.h>
#endif

#define MAX_DEFAULT_RESERVE (256ull << 20)

uint64_t disk_space_default_reserve(uint64_t fs_size)
{
	uint64_t one_percent = fs_size / 100;

	return one_percent < MAX_DEFAULT_RESERVE ? one_percent : MAX_DEFAULT_RESERVE;
}

/* "1.5 GiB": the sizes in a message a person reads. */
static void human(char *out, size_t cap, uint64_t n)
{
	static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)n;
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, cap, "%llu bytes", (unsigned long long)n);
	else
		snprintf(out, cap, "%.1f %s", v, units[u]);
}

#if defined(__linux__)
/* tmpfs's blocks are memory: fallocate zeroes every page of the file at
 * once (a quarter of a second per GiB here, with the network idle), and
 * the writes overwrite them after. The room is checked all the same. */
static bool is_memory_backed(int fd)
{
	struct statfs fs;

	return fstatfs(fd, &fs) == 0 && fs.f_type == TMPFS_MAGIC;
}
#endif

/* Takes [offset, offset + need) without changing the size. */
static int preallocate(int fd, uint64_t offset, uint64_t need)
{
#if defined(__linux__)
	if (is_memory_backed(fd))
		return 0;
	if (fallocate(fd, FALLOC_FL_KEEP_SIZE, (off_t)offset, (off_t)need) == 0)
		return 0;
	return errno;
#elif defined(F_PREALLOCATE)
	fstore_t store = { F_ALLOCATECONTIG, F_PEOFPOSMODE, 0, (off_t)need, 0 };

	(void)offset;
	if (fcntl(fd, F_PREALLOCATE, &store) == 0)
		return 0;
	store.fst_flags = F_ALLOCATEALL;
	return fcntl(fd, F_PREALLOCATE, &store) == 0 ? 0 : errno;
#else
	(void)fd;
	(void)offset;
	(void)need;
	return EOPNOTSUPP;
#endif
}

int disk_space_claim(int fd, const char *path, uint64_t offset, uint64_t need,
		int64_t reserve, bool want_preallocate)
{
	struct statvfs fs;
	uint64_t avail, keep;
	char a[32], b[32], c[32];
	int err;

	if (need == 0 || fstatvfs(fd, &fs) != 0)
		return 0;       /* nothing to check, or no way to */
	avail = (uint64_t)fs.f_bavail * fs.f_frsize;
	keep = reserve >= 0 ? (uint64_t)reserve
		: disk_space_default_reserve((uint64_t)fs.f_blocks * fs.f_frsize);
	if (need > avail || avail - need < keep) {
		human(a, sizeof(a), need);
		human(b, sizeof(b), avail);
		human(c, sizeof(c), keep);
		return error_set(YCDL_E_DISK_FULL, "%s needs %s more, %s available "
				"(keeping %s free)", path, a, b, c);
	}
	if (!want_preallocate || need < DISK_SPACE_PREALLOCATE_FROM)
		return 0;
	err = preallocate(fd, offset, need);
	if (err == ENOSPC || err == EDQUOT || err == EFBIG) {
		human(a, sizeof(a), need);
		return error_set(YCDL_E_DISK_FULL, "%s: cannot take %s for the download: %s",
				path, a, strerror(err));
	}
	return 0;       /* taken, or the file system does not do it */
}
