/* client.h — a session handle attached to another handle's session (the
 * owner, in this process or another): its connection to the owner's
 * socket, its requests and their answers, the owner's events queued for the
 * application, and what happens when the owner goes away — take the session
 * over, attach to whoever did, or give up. The public calls of a client go
 * through api_remote.c. */
#ifndef YCDL_CLIENT_H
#define YCDL_CLIENT_H

#include "ycdl_wire.pb-c.h"

#include <stdbool.h>

struct ycdl_session;
struct client;

/* What client_request says when the handle has become the owner meanwhile:
 * the caller runs its call locally. Not a YCDL_E_* code. */
#define CLIENT_OWNER_NOW 1

/* Takes the session over when its owner went away (session.c: the lock,
 * the journal, the server); 0 or a YCDL_E_* code. Loop thread. */
typedef int (*client_take_over_fn)(struct ycdl_session *s);

/* Connects s to its owner and sends the hello (the loop thread, not yet
 * running, reads the answer once started). YCDL_E_NOT_FOUND when no owner
 * listens. */
int client_connect(struct ycdl_session *s, const char *name,
		client_take_over_fn take_over);

/* Waits (up to timeout_ms) for the owner's welcome, once the loop runs.
 * 0, or the error that ended the attempt. */
int client_wait_welcome(struct ycdl_session *s, int timeout_ms);

/* Sends req (its id is set here) and waits for the answer: 0 with *out
 * (free it with ycdl__wire__server_message__free_unpacked), CLIENT_OWNER_NOW,
 * or a YCDL_E_* code (YCDL_E_CLOSED when the owner went and nobody took
 * over). Not on the loop thread. */
int client_request(struct ycdl_session *s, Ycdl__Wire__Request *req,
		Ycdl__Wire__ServerMessage **out);

/* The owner's process id, as its welcome said. */
int client_owner_pid(const struct ycdl_session *s);

/* Disconnects and frees (the loop thread has stopped). */
void client_free(struct ycdl_session *s);

#endif
