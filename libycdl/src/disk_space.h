/* disk_space.h — whether a download's remaining bytes fit on its disk,
 * checked once its length is known and before a byte of the body is
 * written, and the room taken up front where the file system can: a full
 * disk is found before the download, not in the middle of it. */
#ifndef YCDL_DISK_SPACE_H
#define YCDL_DISK_SPACE_H

#include <stdbool.h>
#include <stdint.h>

/* Files at least this large get their room taken up front. */
#define DISK_SPACE_PREALLOCATE_FROM (16u << 20)

/* The reserve kept free by default: 1 % of the file system, at most
 * 256 MiB. */
uint64_t disk_space_default_reserve(uint64_t fs_size);

/* Checks that need bytes fit in fd's file system with reserve left free
 * (reserve < 0: the default); then, when preallocate and need is large
 * enough, takes the room without changing the file's size (its size is
 * what was written: the resume point). YCDL_E_DISK_FULL with "needs N, M
 * available" when they do not fit; a file system that cannot preallocate
 * is not an error. */
int disk_space_claim(int fd, const char *path, uint64_t offset, uint64_t need,
		int64_t reserve, bool preallocate);

#endif
