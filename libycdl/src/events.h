/* events.h — the event stream: encoding each event as a ycdl.Event protobuf
 * message and handing it to the application through a pollable queue (or a
 * callback on the loop thread). */
#ifndef YCDL_EVENTS_H
#define YCDL_EVENTS_H

#include "queue.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ycdl_session;
struct task;
struct event;
struct event_base;
struct queued_event;

struct Ycdl__Event;

/* Sees every event the session emits, encoded, after it is queued: the
 * session's server sends them on to attached clients (server.c). */
typedef void (*event_tap_fn)(void *arg, const struct Ycdl__Event *ev,
		const void *data, size_t len);

struct event_queue {
	pthread_mutex_t mutex;
	struct queue pending;         /* queued_event, under the mutex */
	int pipe_read, pipe_write;    /* readable iff the queue is non-empty */
	bool signalled;
	struct event *deliver;        /* drains to the callback, if any */
	uint64_t next_seq;            /* loop thread only */
	uint64_t lost;                /* events that could not be allocated */
	bool ready;                   /* initialised: safe to free */
	event_tap_fn tap;             /* loop thread only */
	void *tap_arg;
};

int event_queue_init(struct event_queue *q, struct ycdl_session *s);
void event_queue_free(struct event_queue *q);
/* Makes the event fd readable if events wait and it is not yet: called once
 * per turn of the loop, so a burst of events wakes the consumer once. */
void event_queue_signal(struct event_queue *q);
/* Queues an event encoded elsewhere (an attached handle's, from its
 * owner), as it is. YCDL_E_NOMEM when it cannot. */
int event_queue_push_encoded(struct event_queue *q, const void *data, size_t len);

/* Takes the next encoded event (malloc'ed) or returns YCDL_E_AGAIN. */
int event_queue_pop(struct event_queue *q, void **data, size_t *len);

/* One emitter per event kind; loop thread only. */
void emit_task_added(struct ycdl_session *s, const struct task *t);
void emit_status_changed(struct ycdl_session *s, const struct task *t,
		int old_status, int new_status);
/* Coalesced: does nothing unless the progress interval has passed or
 * force is set. Bytes held back by the coalescing are reported by the
 * scheduler's progress tick, so the last figure is never lost. */
void emit_progress(struct ycdl_session *s, struct task *t, bool force);
void emit_resumed(struct ycdl_session *s, const struct task *t);
void emit_redirected(struct ycdl_session *s, const struct task *t,
		const char *from, const char *to, unsigned int http_status);
void emit_restarted(struct ycdl_session *s, const struct task *t,
		const char *reason, uint64_t discarded);
void emit_finished(struct ycdl_session *s, const struct task *t);
void emit_failed(struct ycdl_session *s, const struct task *t, bool retryable);
/* t waits for a new URL; its error says why. */
void emit_url_needed(struct ycdl_session *s, const struct task *t);
void emit_url_changed(struct ycdl_session *s, const struct task *t,
		const char *from, const char *to, const char *reason);
void emit_removed(struct ycdl_session *s, const char *key);
void emit_all_finished(struct ycdl_session *s);
void emit_session_restored(struct ycdl_session *s, unsigned int found,
		unsigned int quarantined, const char *quarantine_path);
void emit_resumability(struct ycdl_session *s, const struct task *t,
		const char *reason);
void emit_retrying(struct ycdl_session *s, const struct task *t,
		unsigned int attempt, unsigned int delay_ms);
void emit_role_changed(struct ycdl_session *s, int role, const char *reason);
void emit_stop_requested(struct ycdl_session *s, const char *by);
void emit_clients_changed(struct ycdl_session *s, unsigned int attached);

/* The seq of the last event emitted (0 before the first). */
uint64_t events_last_seq(const struct ycdl_session *s);

#endif
