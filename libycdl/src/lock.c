/* lock.c — the session lock. flock (not fcntl) locks belong to the open
 * file, so a second open of the same session in this very process is refused
 * too. */
#define _GNU_SOURCE
#include "lock.h"

#include "error.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int lock_acquire(const char *session_dir, int *out_fd)
{
	char *path = util_printf("%s/lock", session_dir);
	int fd;

	if (!path)
		return error_set(YCDL_E_NOMEM, "out of memory");
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		int err = errno;

		free(path);
		return error_set(YCDL_E_IO, "cannot open the session lock: %s",
				strerror(err));
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int err = errno;

		close(fd);
		if (err == EWOULDBLOCK) {
			error_set(YCDL_E_LOCKED, "the session at %s is held by another "
					"process", session_dir);
			free(path);
			return YCDL_E_LOCKED;
		}
		error_set(YCDL_E_IO, "cannot lock %s: %s", path, strerror(err));
		free(path);
		return YCDL_E_IO;
	}
	free(path);
	*out_fd = fd;
	return 0;
}

/* Unlocks before closing: a child that another thread of this process is
 * starting (posix_spawn, fork then exec) holds a copy of every descriptor
 * until its exec, and a flock belongs to the open file, not to one
 * descriptor of it: closed alone, the lock would stay with that copy, and
 * the session reopened at once would be "held by another process". */
void lock_release(int fd)
{
	if (fd < 0)
		return;
	(void)flock(fd, LOCK_UN);
	close(fd);
}
