/* ipc_socket.h — the session's Unix socket, <session dir>/socket: the owner
 * listens on it, clients connect to it. The session folder is private
 * (0700) and the socket 0600; a peer of another user is refused whatever
 * the modes say. A path longer than a socket address holds (108 bytes on
 * Linux) is reached through the folder's descriptor. Every function
 * returns 0 or a YCDL_E_* code with a message. */
#ifndef YCDL_IPC_SOCKET_H
#define YCDL_IPC_SOCKET_H

/* Binds and listens on the session's socket (a stale one from a process
 * that died is replaced: the caller holds the session lock). *out_fd is
 * non-blocking and close-on-exec. */
int ipc_listen(const char *session_dir, int *out_fd);

/* Connects to the session's owner. YCDL_E_NOT_FOUND when nobody listens
 * (no socket, or refused). *out_fd is non-blocking and close-on-exec. */
int ipc_connect(const char *session_dir, int *out_fd);

/* Removes the session's socket (the owner closing). */
void ipc_unlink(const char *session_dir);

/* 0 when the peer of the connected socket fd runs as this process's user;
 * YCDL_E_STATE (with the uids) when not, YCDL_E_IO when it cannot tell. */
int ipc_check_peer(int fd);

#endif
