/* session.h — a session handle: the object behind ycdl_session. Every
 * handle has a loop thread and an event queue; the owner (role
 * YCDL_ROLE_OWNER) also has the curl multi handle, the task table, the
 * scheduler, the group commit, the worker, the journal and the server of
 * its socket; a client (YCDL_ROLE_CLIENT) has its connection to the owner
 * (client.h) instead, until it takes the session over. */
#ifndef YCDL_SESSION_H
#define YCDL_SESSION_H

#include "commit.h"
#include "config.h"
#include "events.h"
#include "group.h"
#include "loop.h"
#include "multi.h"
#include "scheduler.h"
#include "store.h"
#include "task_table.h"
#include "throttle.h"
#include "worker.h"

#include <stdint.h>

struct ycdl_session {
	char *identifier;
	char *dir;                 /* <state_dir>/<identifier> */
	struct config cfg;
	int lock_fd;
	struct loop loop;
	struct multi multi;
	struct event_stream events;
	struct store store;
	struct tasks tasks;
	struct groups groups;
	struct scheduler sched;
	struct throttle throttle;  /* the session's speed limit */
	struct commit commit;
	struct worker worker;      /* off-loop file work */
	struct queue segment_spawns;   /* tasks wanting helpers (segments.h) */
	uint64_t rng_state;        /* for retry jitter (util_random) */
	bool closing;
	int role;                  /* ycdl_role; atomic: changes on the loop
				      thread only, from client to owner */
	struct server *server;     /* owner: serves the socket */
	unsigned int clients;      /* owner: clients attached (server.c) */
	struct client *client;     /* client: the connection to the owner */
};

static inline int session_role(const struct ycdl_session *s)
{
	return __atomic_load_n(&s->role, __ATOMIC_ACQUIRE);
}

static inline bool session_is_client(const struct ycdl_session *s)
{
	return session_role(s) == YCDL_ROLE_CLIENT;
}


#endif
