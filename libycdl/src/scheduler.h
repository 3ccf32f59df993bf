/* scheduler.h — who runs: the wait queue (priority, then FIFO), the
 * concurrency limit, the network policy and retry timers. */
#ifndef YCDL_SCHEDULER_H
#define YCDL_SCHEDULER_H

#include <stdbool.h>
#include <stdint.h>

struct ycdl_session;
struct task;
struct transfer;
struct event;

#include "queue.h"

/* Tasks in line (task->wait), by priority then FIFO. */
struct task_line {
	struct queue tasks;
};

struct scheduler {
	struct task_line ready;               /* waiting: may run on this network */
	struct task_line blocked;             /* waiting for another network */
	struct queue running;                 /* transfers (transfer->running) */
	unsigned int running_count;
	unsigned int committing;              /* finished, in the group commit:
						 they keep their slots */
	unsigned int max_concurrent;
	int network;                          /* ycdl_network */
	bool allow_cellular;
	uint64_t max_recv_speed;
	struct event *pump;                   /* deferred: never inside curl */
	bool pump_requested;                  /* pump is active, not yet run */
	struct event *progress_tick;          /* flushes coalesced progress */
	bool was_busy;                        /* for the all-finished signal */
};

int scheduler_init(struct scheduler *sc, struct ycdl_session *s);
void scheduler_free(struct scheduler *sc);

/* Queues t (status waiting, or waiting-for-network when its network is not
 * allowed) in priority-then-FIFO order. */
void scheduler_enqueue(struct ycdl_session *s, struct task *t);
/* Takes t out of the queue and cancels a pending retry, if any. */
void scheduler_dequeue(struct ycdl_session *s, struct task *t);
/* Status waiting now; queued again after delay_ms. */
void scheduler_retry_later(struct ycdl_session *s, struct task *t,
		unsigned int delay_ms);
/* Starts t at once in the slot it already holds (restarts). */
void scheduler_start_now(struct ycdl_session *s, struct task *t);
/* Starts what can start, on the next loop turn. */
void scheduler_request_pump(struct ycdl_session *s);

/* Runs a requested pump now rather than in the next turn. Only where no
 * curl callback is on the stack: the end of a turn or of an API call, so
 * that a task added to a free slot starts before the next call is taken,
 * even when the loop takes calls back to back (loop.c). */
void scheduler_pump_if_requested(struct ycdl_session *s);
/* A transfer left curl: frees its slot. */
void scheduler_transfer_detached(struct ycdl_session *s, struct transfer *x);
/* Re-applies network permissions to every task (network or switch
 * changed). */
void scheduler_policy_changed(struct ycdl_session *s);
/* Re-applies the session-wide speed limit to running transfers. */
void scheduler_speed_changed(struct ycdl_session *s);
/* Stops every transfer and retry timer (session closing). */
void scheduler_stop_all(struct ycdl_session *s);

#endif
