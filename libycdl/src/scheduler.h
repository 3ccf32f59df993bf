/* scheduler.h — who runs: the lines of waiting tasks (priority, then
 * FIFO), the download slots (at most max_concurrent at once), the network
 * policy and retry timers (speed limits are throttle.h's). The scheduler
 * is the one owner of these: others ask it through these calls and never
 * write its fields. It starts nothing
 * itself: at the end of a turn the session takes the next task to start
 * (scheduler_take_next) and starts it (completion_start), so that a burst
 * of changes is settled in one pass and no transfer starts inside a curl
 * callback. */
#ifndef YCDL_SCHEDULER_H
#define YCDL_SCHEDULER_H

#include "queue.h"

#include <stdbool.h>
#include <stdint.h>

struct ycdl_session;
struct task;
struct transfer;
struct event;

/* Tasks in line (task->wait), by priority then FIFO. */
struct task_line {
	struct queue tasks;
};

struct scheduler {
	struct task_line ready;               /* waiting: may run on this network */
	struct task_line blocked;             /* waiting for another network */
	struct queue running;                 /* transfers (transfer->running) */
	unsigned int running_count;
	unsigned int slots_used;              /* running, starting, or held by
						 the group commit */
	unsigned int max_concurrent;
	int network;                          /* ycdl_network */
	bool allow_cellular;
	bool pump_requested;                  /* something may start */
	struct event *progress_tick;          /* flushes coalesced progress */
};

/* The session's settings (cfg) give the first values; from then on the
 * scheduler's are the live ones. */
int scheduler_init(struct scheduler *sc, struct ycdl_session *s);
void scheduler_free(struct scheduler *sc);

/* Queues t (status waiting, or waiting-for-network when its network is not
 * allowed) in priority-then-FIFO order. */
void scheduler_enqueue(struct ycdl_session *s, struct task *t);
/* Takes t out of its line and cancels a pending retry, if any. */
void scheduler_dequeue(struct ycdl_session *s, struct task *t);
/* Status waiting now; queued again after delay_ms. */
void scheduler_retry_later(struct ycdl_session *s, struct task *t,
		unsigned int delay_ms);
/* Puts t back in its line at its priority's place (it changed). */
void scheduler_priority_changed(struct ycdl_session *s, struct task *t);

/* Asks for the waiting tasks to be looked at the end of this turn. */
void scheduler_request_pump(struct ycdl_session *s);
/* When a pump was asked for and a slot is free, the first task of the
 * ready line, out of it and holding the slot (the caller starts it, or
 * gives the slot back); else NULL. */
struct task *scheduler_take_next(struct ycdl_session *s);
/* A slot taken by scheduler_take_next (or held on by the group commit)
 * is free again. */
void scheduler_give_back_slot(struct ycdl_session *s);

/* x started in its task's slot / ended (its slot stays taken: the caller
 * gives it back, restarts in it, or hands it to the group commit). */
void scheduler_add_running(struct ycdl_session *s, struct transfer *x);
void scheduler_remove_running(struct ycdl_session *s, struct transfer *x);
unsigned int scheduler_running_count(const struct ycdl_session *s);
unsigned int scheduler_max_concurrent(const struct ycdl_session *s);

/* Stops whatever t does (its transfer, with its slot; its line; its
 * retry timer), keeping its data. */
void scheduler_stop_task(struct ycdl_session *s, struct task *t);
/* Stops every transfer and retry timer (session closing). */
void scheduler_stop_all(struct ycdl_session *s);

/* Session-wide settings; each applies at once to every task. */
void scheduler_set_max_concurrent(struct ycdl_session *s, unsigned int n);
void scheduler_set_network(struct ycdl_session *s, int network);
void scheduler_set_allow_cellular(struct ycdl_session *s, bool allow);
/* Re-applies network permissions to every task (t's own switch changed,
 * or the network). */
void scheduler_policy_changed(struct ycdl_session *s);
/* True when the network is offline (failures then wait, not retry). */
bool scheduler_is_offline(const struct ycdl_session *s);

#endif
