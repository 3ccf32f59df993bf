/* lock.h — one process per session: an exclusive, non-blocking flock on
 * <session dir>/lock, released by the kernel if the process dies. */
#ifndef YCDL_LOCK_H
#define YCDL_LOCK_H

/* Returns 0 with *out_fd holding the lock, YCDL_E_LOCKED, or another error. */
int lock_acquire(const char *session_dir, int *out_fd);
void lock_release(int fd);

#endif
