/* events.c — encoding events and queueing them for the application.
 *
 * The queue is the one piece of state shared between the loop thread (which
 * pushes) and application threads (which pop), hence its own mutex. A pipe
 * makes it pollable: it holds one byte exactly while the queue is non-empty,
 * so any event loop can watch it — eventfd would do on Linux but not on
 * Apple platforms. The byte is written once per turn of the loop, not per
 * event, so that a burst of events wakes the consumer once. */
#define _GNU_SOURCE
#include "events.h"

#include "error.h"
#include "session.h"
#include "task.h"
#include "util.h"
#include "ycdl.pb-c.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct queued_event {
	struct queue link;
	size_t len;
	unsigned char data[];
};

static int make_pipe(int fds[2])
{
	if (pipe(fds) != 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		if (fcntl(fds[i], F_SETFD, FD_CLOEXEC) != 0 ||
		    fcntl(fds[i], F_SETFL, O_NONBLOCK) != 0) {
			close(fds[0]);
			close(fds[1]);
			return -1;
		}
	}
	return 0;
}

static void deliver_to_callback(evutil_socket_t fd, short what, void *arg)
{
	struct ycdl_session *s = arg;
	void *data;
	size_t len;

	(void)fd;
	(void)what;
	while (event_queue_pop(&s->events, &data, &len) == 0) {
		s->cfg.event_cb(data, len, s->cfg.event_cb_payload);
		free(data);
	}
}

int event_queue_init(struct event_queue *q, struct ycdl_session *s)
{
	int fds[2];

	memset(q, 0, sizeof(*q));
	queue_init(&q->pending);
	q->pipe_read = q->pipe_write = -1;
	q->next_seq = 1;
	pthread_mutex_init(&q->mutex, NULL);
	q->ready = true;
	if (make_pipe(fds) != 0)
		return error_set(YCDL_E_IO, "cannot create the event pipe: %s",
				strerror(errno));
	q->pipe_read = fds[0];
	q->pipe_write = fds[1];
	if (s->cfg.event_cb) {
		q->deliver = event_new(s->loop.base, -1, 0, deliver_to_callback, s);
		if (!q->deliver)
			return error_set(YCDL_E_NOMEM, "out of memory");
	}
	return 0;
}

void event_queue_free(struct event_queue *q)
{
	struct queue *link;

	if (!q->ready)
		return;
	while ((link = queue_pop(&q->pending)) != NULL)
		free(QUEUE_DATA(link, struct queued_event, link));
	if (q->deliver)
		event_free(q->deliver);
	if (q->pipe_read >= 0)
		close(q->pipe_read);
	if (q->pipe_write >= 0)
		close(q->pipe_write);
	pthread_mutex_destroy(&q->mutex);
	memset(q, 0, sizeof(*q));
	q->pipe_read = q->pipe_write = -1;
}

/* Puts the one byte in the pipe that makes the fd readable; the queue's
 * mutex is held. */
static void signal_pending(struct event_queue *q)
{
	char byte = 1;

	if (!q->signalled)
		q->signalled = write(q->pipe_write, &byte, 1) == 1;
}

void event_queue_signal(struct event_queue *q)
{
	pthread_mutex_lock(&q->mutex);
	if (!queue_empty(&q->pending))
		signal_pending(q);
	pthread_mutex_unlock(&q->mutex);
}

static void push(struct event_queue *q, struct queued_event *e)
{
	pthread_mutex_lock(&q->mutex);
	queue_insert_tail(&q->pending, &e->link);
	pthread_mutex_unlock(&q->mutex);
	if (q->deliver)
		event_active(q->deliver, 0, 0);
}

int event_queue_pop(struct event_queue *q, void **data, size_t *len)
{
	struct queued_event *e;
	struct queue *link;
	void *copy;

	pthread_mutex_lock(&q->mutex);
	if (!(link = queue_pop(&q->pending))) {
		pthread_mutex_unlock(&q->mutex);
		return YCDL_E_AGAIN;
	}
	e = QUEUE_DATA(link, struct queued_event, link);
	if (queue_empty(&q->pending)) {
		char byte;

		while (read(q->pipe_read, &byte, 1) == 1)
			;
		q->signalled = false;
	}
	pthread_mutex_unlock(&q->mutex);
	/* Hand out a plain buffer so callers free it without knowing the node. */
	copy = malloc(e->len ? e->len : 1);
	if (!copy) {
		/* Put it back rather than lose it, and make the fd readable
		 * again: the event is still pending. */
		pthread_mutex_lock(&q->mutex);
		queue_insert_head(&q->pending, &e->link);
		signal_pending(q);
		pthread_mutex_unlock(&q->mutex);
		return error_set(YCDL_E_NOMEM, "out of memory");
	}
	memcpy(copy, e->data, e->len);
	*data = copy;
	*len = e->len;
	free(e);
	return 0;
}

/* Stamps ev with the key, sequence number and time, encodes and queues it. */
static void emit(struct ycdl_session *s, const char *key, Ycdl__Event *ev)
{
	struct queued_event *e;
	size_t len;

	ev->seq = s->events.next_seq++;
	ev->timestamp_ms = util_wall_ms();
	ev->key = (char *)(key ? key : "");
	len = ycdl__event__get_packed_size(ev);
	e = malloc(sizeof(*e) + len);
	if (!e) {
		s->events.lost++;
		return;
	}
	e->len = ycdl__event__pack(ev, e->data);
	/* Before the push: a consumer may take and free e at once. */
	if (s->events.tap)
		s->events.tap(s->events.tap_arg, ev, e->data, e->len);
	if (!s->cfg.receive_events) {
		free(e);        /* a handle that only makes calls */
		return;
	}
	push(&s->events, e);
}

int event_queue_push_encoded(struct event_queue *q, const void *data, size_t len)
{
	struct queued_event *e = malloc(sizeof(*e) + len);

	if (!e)
		return error_set(YCDL_E_NOMEM, "out of memory");
	e->len = len;
	memcpy(e->data, data, len);
	push(q, e);
	return 0;
}

#define STR(s) ((char *)((s) ? (s) : ""))

void emit_task_added(struct ycdl_session *s, const struct task *t)
{
	Ycdl__Event ev = YCDL__EVENT__INIT;
	Ycdl__TaskAdded m = YCDL__TASK_ADDED__INIT;

	m.url = STR(t->url);
	m.dest_path = STR(t->dest_path);
	m.file_id = STR(t->file_id);
	m.display_name = STR(t->display_name);
	m.thumbnail_url = STR(t->thumbnail_url);
	m.user_data.data = t->user_data;
	m.user_data.len = t->user_data_len;
	m.status = (Ycdl__TaskStatus)t->status;
	ev.kind_case = YCDL__EVENT__KIND_TASK_ADDED;
	ev.task_added = &m;
	emit(s, t->key, &ev);
}

void emit_status_changed(struct ycdl_session *s, const struct task *t,
		int old_status, int new_status)
{
	Ycdl__Event ev = YCDL__EVENT__INIT;
	Ycdl__StatusChanged m = YCDL__STATUS_CHANGED__INIT;

	m.old_status = (Ycdl__TaskStatus)old_status;
	m.new_status = (Ycdl__TaskStatus)new_status;
	ev.kind_case = YCDL__EVENT__KIND_STATUS_CHANGED;
	ev.status_changed = &m;
	emit(s, t->key, &ev);
}

/* Smooths the speed so that bursty loopback reads give steady figures. */
static void update_speed(struct task *t, uint64_t burst, int64_t elapsed_ms)
{
	uint64_t instant;

	if (elapsed_ms <= 0)
		return;
	instant = burst * 1000 / (uint64_t)elapsed_ms;
	t->speed_bps = t->speed_bps ? (t->speed_bps * 7 + instant * 3) / 10 : instant;
}

/* After this long without a byte a transfer counts as stalled: its speed
 * is reported as zero once, so a progress display does not freeze on the
 * last figure. */
#define STALLED_AFTER_MS 1000

void emit_progress(struct ycdl_session *s, struct task *t, bool force)
{
	Ycdl__Event ev = YCDL__EVENT__INIT;
	Ycdl__Progress m = YCDL__PROGRESS__INIT;
	int64_t now = util_monotonic_ms();
	int64_t elapsed = now - t->last_progress_ms;
	uint64_t burst;

	if (!force && elapsed < (int64_t)s->cfg.progress_interval_ms)
		return;
	burst = t->offset >= t->progress_reported ? t->offset - t->progress_reported : 0;
	if (burst == 0 && !force) {
		if (t->speed_bps == 0 || elapsed < STALLED_AFTER_MS)
			return;
		t->speed_bps = 0;
	} else {
		update_speed(t, burst, elapsed);
	}
	t->last_progress_ms = now;
	t->progress_reported = t->offset;
	m.bytes_this_burst = burst;
	m.bytes_written = t->offset;
	m.bytes_expected = t->total;
	m.speed_bps = t->speed_bps;
	ev.kind_case = YCDL__EVENT__KIND_PROGRESS;
	ev.progress = &m;
	emit(s, t->key, &ev);
}

void emit_resumed(struct ycdl_session *s, const struct task *t)
{
	Ycdl__Event ev = YCDL__EVENT__INIT;
	Ycdl__ResumedAtOffset m = YCDL__RESUMED_AT_OFFSET__INIT;

	m.offset = t->offset;
	m.bytes_expected = t->total;
	ev.kind_case = YCDL__EVENT__KIND_RESUMED;
	ev.resumed = &m;
	emit(s, t->key, &ev);
}

void emit_redirected(struct ycdl_session *s, const struct task *t,
		const char *from, const char *to, unsigned int http_status)
{
	Ycdl__Event ev = YCDL__EVENT__INIT;
	Ycdl__Redirected m = YCDL__REDIRECTED__INIT;

	m.from_url = STR(from);
	m.to_url = STR(to);
	m.http_status = http_status;
	ev.kind_case = YCDL__EVENT__KIND_REDIRECTED;
	ev.redirected = &m;
	emit(s, t->key, &ev);
}

void emit_restarted(struct ycdl_session *s, const struct task *t,
		const char *reason, uint64_t discarded)
{
	Ycdl__Event ev = YCDL__EVENT__INIT;
	Ycdl__Restarted m = YCDL__RESTARTED__INIT;

	m.reason = STR(reason);
	m.discarded_bytes = discarded;
	ev.kind_case = YCDL__EVENT__KIND_RESTARTED;
	ev.restarted = &m;
	emit(s, t->key, &ev);
}

void emit_finished(struct ycdl_session *s, const struct task *t)
{
	Ycdl__Event ev = YCDL__EVENT__INIT;
	Ycdl__Finished m = YCDL__FINISHED__INIT;

	m.path = STR(t->dest_path);
	m.size = t->offset;
	m.sha256_hex = STR(t->sha256_hex);
	m.final_url = STR(t->final_url);
	m.display_name = STR(t->display_name);
	m.file_id = STR(t->file_id);
	ev.kind_case = YCDL__EVENT__KIND_FINISHED;
	ev.finished = &m;
	emit(s, t->key, &ev);
}

void emit_failed(struct ycdl_session *s, const struct task *t, bool retryable)
{
	Ycdl__Event ev = YCDL__EVENT__INIT;
	Ycdl__Failed m = YCDL__FAILED__INIT;

	m.error_code = t->error_code;
	m.message = STR(t->error_message);
	m.http_status = t->http_status;
	m.retryable = retryable;
	ev.kind_case = YCDL__EVENT__KIND_FAILED;
	ev.failed = &m;
	emit(s, t->key, &ev);
}

void emit_url_needed(struct ycdl_session *s, const struct task *t)
{
	Ycdl__Event ev = YCDL__EVENT__INIT;
	Ycdl__UrlNeeded m = YCDL__URL_NEEDED__INIT;

	m.error_code = t->error_code;
	m.message = STR(t->error_message);
	m.http_status = t->http_status;
	m.url = STR(task_request_url(t));
	ev.kind_case = YCDL__EVENT__KIND_URL_NEEDED;
	ev.url_needed = &m;
	emit(s, t->key, &ev);
}

void emit_url_changed(struct ycdl_session *s, const struct task *t,
		const char *from, const char *to, const char *reason)
{
	Ycdl__Event ev = YCDL__EVENT__INIT;
	Ycdl__UrlChanged m = YCDL__URL_CHANGED__INIT;

	m.from = STR(from);
	m.to = STR(to);
	m.reason = STR(reason);
	ev.kind_case = YCDL__EVENT__KIND_URL_CHANGED;
	ev.url_changed = &m;
	emit(s, t->key, &ev);
}

void emit_removed(struct ycdl_session *s, const char *key)
{
	Ycdl__Event ev = YCDL__EVENT__INIT;
	Ycdl__Removed m = YCDL__REMOVED__INIT;

	ev.kind_case = YCDL__EVENT__KIND_REMOVED;
	ev.removed = &m;
	emit(s, key, &ev);
}

void emit_all_finished(struct ycdl_session *s)
{
	Ycdl__Event ev = YCDL__EVENT__INIT;
	Ycdl__AllFinished m = YCDL__ALL_FINISHED__INIT;

	m.finished = (uint32_t)s->tasks.status_count[YCDL_STATUS_FINISHED];
	m.failed = (uint32_t)s->tasks.status_count[YCDL_STATUS_FAILED];
	m.paused = (uint32_t)s->tasks.status_count[YCDL_STATUS_PAUSED];
	m.waiting_for_url = (uint32_t)s->tasks.status_count[YCDL_STATUS_WAITING_FOR_URL];
	ev.kind_case = YCDL__EVENT__KIND_ALL_FINISHED;
	ev.all_finished = &m;
	emit(s, NULL, &ev);
}

void emit_session_restored(struct ycdl_session *s, unsigned int found,
		unsigned int quarantined, const char *quarantine_path)
{
	Ycdl__Event ev = YCDL__EVENT__INIT;
	Ycdl__SessionRestored m = YCDL__SESSION_RESTORED__INIT;

	m.tasks_found = found;
	m.tasks_quarantined = quarantined;
	m.quarantine_path = STR(quarantine_path);
	ev.kind_case = YCDL__EVENT__KIND_SESSION_RESTORED;
	ev.session_restored = &m;
	emit(s, NULL, &ev);
}

void emit_resumability(struct ycdl_session *s, const struct task *t,
		const char *reason)
{
	Ycdl__Event ev = YCDL__EVENT__INIT;
	Ycdl__ResumabilityKnown m = YCDL__RESUMABILITY_KNOWN__INIT;

	m.resumability = (Ycdl__Resumability)t->resumability;
	m.reason = STR(reason);
	ev.kind_case = YCDL__EVENT__KIND_RESUMABILITY;
	ev.resumability = &m;
	emit(s, t->key, &ev);
}

void emit_retrying(struct ycdl_session *s, const struct task *t,
		unsigned int attempt, unsigned int delay_ms)
{
	Ycdl__Event ev = YCDL__EVENT__INIT;
	Ycdl__Retrying m = YCDL__RETRYING__INIT;

	m.attempt = attempt;
	m.delay_ms = delay_ms;
	m.error_code = t->error_code;
	m.message = STR(t->error_message);
	m.http_status = t->http_status;
	ev.kind_case = YCDL__EVENT__KIND_RETRYING;
	ev.retrying = &m;
	emit(s, t->key, &ev);
}

void emit_role_changed(struct ycdl_session *s, int role, const char *reason)
{
	Ycdl__Event ev = YCDL__EVENT__INIT;
	Ycdl__RoleChanged m = YCDL__ROLE_CHANGED__INIT;

	m.role = (Ycdl__Role)role;
	m.reason = STR(reason);
	ev.kind_case = YCDL__EVENT__KIND_ROLE_CHANGED;
	ev.role_changed = &m;
	emit(s, NULL, &ev);
}

void emit_stop_requested(struct ycdl_session *s, const char *by)
{
	Ycdl__Event ev = YCDL__EVENT__INIT;
	Ycdl__StopRequested m = YCDL__STOP_REQUESTED__INIT;

	m.by = STR(by);
	ev.kind_case = YCDL__EVENT__KIND_STOP_REQUESTED;
	ev.stop_requested = &m;
	emit(s, NULL, &ev);
}

void emit_clients_changed(struct ycdl_session *s, unsigned int attached)
{
	Ycdl__Event ev = YCDL__EVENT__INIT;
	Ycdl__ClientsChanged m = YCDL__CLIENTS_CHANGED__INIT;

	m.attached = attached;
	ev.kind_case = YCDL__EVENT__KIND_CLIENTS_CHANGED;
	ev.clients_changed = &m;
	emit(s, NULL, &ev);
}

uint64_t events_last_seq(const struct ycdl_session *s)
{
	return s->events.next_seq - 1;
}
