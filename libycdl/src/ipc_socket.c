/* ipc_socket.c — see ipc_socket.h. */
#define _GNU_SOURCE
#include "ipc_socket.h"

#include "error.h"
#include "util.h"
#include "ycdl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#define SOCKET_NAME "socket"
/* Clients waiting to be accepted; more wait in connect. */
#define BACKLOG 128

/* The socket's address; dir_fd >= 0 when it goes through the folder's
 * descriptor (close it with address_release). */
struct address {
	struct sockaddr_un sun;
	socklen_t len;
	int dir_fd;
};

static void address_release(struct address *a)
{
	if (a->dir_fd >= 0)
		close(a->dir_fd);
	a->dir_fd = -1;
}

static int address_of(struct address *a, const char *session_dir)
{
	int n;

	memset(a, 0, sizeof(*a));
	a->dir_fd = -1;
	a->sun.sun_family = AF_UNIX;
	n = snprintf(a->sun.sun_path, sizeof(a->sun.sun_path), "%s/%s",
			session_dir, SOCKET_NAME);
	if (n < 0 || (size_t)n >= sizeof(a->sun.sun_path)) {
#ifdef __linux__
		/* Too long for sun_path: the same file through the folder's
		 * descriptor, a path of a few dozen bytes. */
		a->dir_fd = open(session_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (a->dir_fd < 0)
			return error_set(error_from_errno(errno), "cannot open %s: %s",
					session_dir, strerror(errno));
		snprintf(a->sun.sun_path, sizeof(a->sun.sun_path),
				"/proc/self/fd/%d/%s", a->dir_fd, SOCKET_NAME);
#else
		return error_set(YCDL_E_UNSUPPORTED, "the session folder's path is "
				"too long for a socket (%zu bytes at most): %s",
				sizeof(a->sun.sun_path) - sizeof(SOCKET_NAME) - 1,
				session_dir);
#endif
	}
	a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
			strlen(a->sun.sun_path) + 1);
	return 0;
}

static int new_socket(int *out_fd)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return error_set(error_from_errno(errno), "cannot create a socket: %s",
				strerror(errno));
	*out_fd = fd;
	return 0;
}

static int set_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
		return error_set(YCDL_E_IO, "cannot make a socket non-blocking: %s",
				strerror(errno));
	return 0;
}

int ipc_listen(const char *session_dir, int *out_fd)
{
	struct address a;
	int fd = -1, rc;

	if ((rc = address_of(&a, session_dir)) != 0)
		return rc;
	if ((rc = new_socket(&fd)) != 0)
		goto out;
	/* A socket left by an owner that died: ours now (we hold the lock). */
	(void)unlink(a.sun.sun_path);
	if (bind(fd, (struct sockaddr *)&a.sun, a.len) != 0 ||
	    chmod(a.sun.sun_path, 0600) != 0 || listen(fd, BACKLOG) != 0) {
		rc = error_set(error_from_errno(errno), "cannot serve the session on "
				"%s/%s: %s", session_dir, SOCKET_NAME, strerror(errno));
		goto out;
	}
	if ((rc = set_nonblocking(fd)) != 0)
		goto out;
	*out_fd = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	address_release(&a);
	return rc;
}

int ipc_connect(const char *session_dir, int *out_fd)
{
	struct address a;
	int fd = -1, rc;

	if ((rc = address_of(&a, session_dir)) != 0)
		return rc;
	if ((rc = new_socket(&fd)) != 0)
		goto out;
	while (connect(fd, (struct sockaddr *)&a.sun, a.len) != 0) {
		if (errno == EINTR)
			continue;
		rc = errno == ENOENT || errno == ECONNREFUSED
			? error_set(YCDL_E_NOT_FOUND, "no owner serves %s", session_dir)
			: error_set(error_from_errno(errno), "cannot connect to %s/%s: %s",
					session_dir, SOCKET_NAME, strerror(errno));
		goto out;
	}
	if ((rc = ipc_check_peer(fd)) != 0 || (rc = set_nonblocking(fd)) != 0)
		goto out;
	*out_fd = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	address_release(&a);
	return rc;
}

void ipc_unlink(const char *session_dir)
{
	struct address a;

	if (address_of(&a, session_dir) != 0)
		return;
	(void)unlink(a.sun.sun_path);
	address_release(&a);
}

int ipc_check_peer(int fd)
{
	uid_t uid;
#if defined(SO_PEERCRED) && defined(__linux__)
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return error_set(YCDL_E_IO, "cannot tell who is at the other end of "
				"the session's socket: %s", strerror(errno));
	uid = cred.uid;
#else
	gid_t gid;

	if (getpeereid(fd, &uid, &gid) != 0)
		return error_set(YCDL_E_IO, "cannot tell who is at the other end of "
				"the session's socket: %s", strerror(errno));
#endif
	if (uid != geteuid())
		return error_set(YCDL_E_STATE, "the session's peer runs as user %u, "
				"not %u: refused", (unsigned int)uid,
				(unsigned int)geteuid());
	return 0;
}
