/* loop.h — the session's loop thread and the posting of calls onto it.
 *
 * All session state is touched only on the loop thread. A public function
 * called on another thread posts a command and waits for its answer; called
 * on the loop thread itself (from an event callback) it runs at once. */
#ifndef YCDL_LOOP_H
#define YCDL_LOOP_H

#include "queue.h"

#include <pthread.h>
#include <stdbool.h>

struct event_base;
struct event;
struct ycdl_session;
struct loop_command;

typedef int (*loop_fn)(struct ycdl_session *session, void *arg);
typedef void (*loop_turn_fn)(struct ycdl_session *session);

struct loop {
	struct event_base *base;
	struct event *wake;          /* made active when commands are queued */
	pthread_t thread;
	bool running;                /* the thread was started */
	bool accepting;              /* commands are still taken */
	pthread_mutex_t mutex;
	pthread_cond_t answered;
	struct queue commands;       /* loop_command, under the mutex */
	struct ycdl_session *session;
	loop_turn_fn turn_done;      /* after each turn of the loop, if set */
	bool spin;                   /* a second CPU: hand-offs spin a moment */
	bool lingering;              /* atomic: the loop thread watches the queue */
	bool queued;                 /* atomic: a command came while it watched */
	bool exiting;                /* loop thread only */
};

int loop_init(struct loop *loop, struct ycdl_session *session);
/* Has fn run at the end of every turn of the loop (every batch of
 * callbacks), after every posted call (before its caller is answered), and
 * once before the first turn. Before loop_start. */
void loop_on_turn_done(struct loop *loop, loop_turn_fn fn);
int loop_start(struct loop *loop);
/* Runs fn(session, arg) on the loop thread and returns its result; the
 * detailed error message travels back to the calling thread. */
int loop_call(struct loop *loop, loop_fn fn, void *arg);
bool loop_on_thread(const struct loop *loop);
/* Stops taking commands (later calls get YCDL_E_CLOSED) and makes the loop
 * return once the current callback ends. Loop thread only. */
void loop_request_exit(struct loop *loop);
/* Waits for the loop thread to return (after loop_request_exit). */
void loop_join(struct loop *loop);
/* Frees the loop; joins first if still running. */
void loop_free(struct loop *loop);

#endif
