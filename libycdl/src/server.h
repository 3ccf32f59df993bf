/* server.h — the owner side of a shared session: the session's Unix socket
 * served on the loop thread, one connection per attached client, each
 * client's requests run as the same calls the public API makes, and every
 * event sent on to the clients that want them — with a bound per client so
 * that one that never reads cannot grow the owner's memory: its progress
 * events are coalesced per task once it falls behind, and past the bound it
 * is told goodbye and disconnected. Status, finished and the other events
 * are never dropped or reordered. */
#ifndef YCDL_SERVER_H
#define YCDL_SERVER_H

#include <stddef.h>

struct ycdl_session;
struct server;

/* Bytes waiting for one client before its progress events are coalesced,
 * and before it is disconnected. */
#define SERVER_COALESCE_FROM (1u << 20)
#define SERVER_DISCONNECT_FROM (64u << 20)

/* Listens on the session's socket (the caller holds the session lock).
 * Loop thread, or before the loop starts. */
int server_start(struct ycdl_session *s);

/* Tells every client goodbye (reason), closes their connections and the
 * socket. Loop thread. */
void server_stop(struct ycdl_session *s, const char *reason);

/* Frees what server_stop left (after the loop stopped). */
void server_free(struct ycdl_session *s);

#endif
