/* events.h — the event stream: encoding each event as a ycdl.Event protobuf
 * message, numbering it and handing it to the application's queue
 * (event_queue.h) and to the tap. */
#ifndef YCDL_EVENTS_H
#define YCDL_EVENTS_H

#include "event_queue.h"
#include "ycdl.h"
#include "ycdl.pb-c.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ycdl_session;
struct task;

struct Ycdl__Event;

/* Sees every event the session emits, encoded, before it is queued, as
 * emitted (never coalesced): the session's server sends them on to
 * attached clients (server.c). */
typedef void (*event_tap_fn)(void *arg, const struct Ycdl__Event *ev,
		const void *data, size_t len);

struct event_stream {
	struct event_queue queue;     /* the application's */
	uint64_t next_seq;            /* loop thread only */
	uint64_t lost;                /* events that could not be allocated */
	event_tap_fn tap;             /* loop thread only */
	void *tap_arg;
};

/* Numbering from 1, and the queue (events_free frees it). */
int events_init(struct event_stream *st, struct ycdl_session *s);
void events_free(struct event_stream *st);

/* Queues an event encoded elsewhere (an attached handle's, from its
 * owner; ev is its decoded form), as it is but for coalescing. */
int events_push_encoded(struct event_stream *st, const struct Ycdl__Event *ev,
		const void *data, size_t len);

/* One emitter per event kind; loop thread only. */
void emit_task_added(struct ycdl_session *s, const struct task *t);
void emit_status_changed(struct ycdl_session *s, const struct task *t,
		int old_status, int new_status);
/* Spaced in time: does nothing unless the progress interval has passed or
 * force is set. Bytes held back meanwhile are reported by the
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
/* A group's figures: group_progress, or group_finished. */
void emit_group_figures(struct ycdl_session *s, const ycdl_group_info *f, bool finished);
/* f as the message events and the wire carry (strings borrowed). */
void group_figures_message(Ycdl__GroupFigures *m, const ycdl_group_info *f);
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
