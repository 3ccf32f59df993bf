/* events.c — encoding events, numbering them and handing them on: to the
 * tap (the server's clients) as emitted, and to the application's queue
 * (event_queue.c), which bounds what waits there. */
#define _GNU_SOURCE
#include "events.h"

#include "error.h"
#include "segmented_task.h"
#include "session.h"
#include "task.h"
#include "util.h"
#include "ycdl.pb-c.h"

#include <stdlib.h>
#include <string.h>

int events_init(struct event_stream *st, struct ycdl_session *s)
{
	memset(st, 0, sizeof(*st));
	st->next_seq = 1;
	return event_queue_init(&st->queue, s->loop.base, s->cfg.event_cb,
			s->cfg.event_cb_payload);
}

void events_free(struct event_stream *st)
{
	event_queue_free(&st->queue);
}

/* Stamps ev with the key, sequence number and time, encodes and queues it. */
static void emit(struct ycdl_session *s, const char *key, Ycdl__Event *ev)
{
	struct queued_event *e;

	ev->seq = s->events.next_seq++;
	ev->timestamp_ms = util_wall_ms();
	ev->key = (char *)(key ? key : "");
	if (!(e = queued_event_new(ev, NULL, 0))) {
		s->events.lost++;
		return;
	}
	/* Before the push: a consumer may take and free e at once. */
	if (s->events.tap)
		s->events.tap(s->events.tap_arg, ev, e->data, e->len);
	if (!s->cfg.receive_events) {
		free(e);        /* a handle that only makes calls */
		return;
	}
	event_queue_push(&s->events.queue, e);
}

int events_push_encoded(struct event_stream *st, const Ycdl__Event *ev,
		const void *data, size_t len)
{
	struct queued_event *e = queued_event_new(ev, data, len);

	if (!e)
		return error_set(YCDL_E_NOMEM, "out of memory");
	event_queue_push(&st->queue, e);
	return 0;
}

#define STR(s) ((char *)((s) ? (s) : ""))

void emit_task_added(struct ycdl_session *s, const struct task *t)
{
	Ycdl__Event ev = YCDL__EVENT__INIT;
	Ycdl__TaskAdded m = YCDL__TASK_ADDED__INIT;

	m.url = STR(t->url);
	m.dest_path = STR(t->dest_path);
	m.file_id = STR(t->extras->file_id);
	m.display_name = STR(t->extras->display_name);
	m.thumbnail_url = STR(t->extras->thumbnail_url);
	m.user_data.data = t->extras->user_data;
	m.user_data.len = t->extras->user_data_len;
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
static void update_speed(struct task_run *r, uint64_t burst, int64_t elapsed_ms)
{
	uint64_t instant;

	if (elapsed_ms <= 0)
		return;
	instant = burst * 1000 / (uint64_t)elapsed_ms;
	r->speed_bps = r->speed_bps ? (r->speed_bps * 7 + instant * 3) / 10 : instant;
}

/* After this long without a byte a transfer counts as stalled: its speed
 * is reported as zero once, so a progress display does not freeze on the
 * last figure. */
#define STALLED_AFTER_MS 1000

void emit_progress(struct ycdl_session *s, struct task *t, bool force)
{
	Ycdl__Event ev = YCDL__EVENT__INIT;
	Ycdl__Progress m = YCDL__PROGRESS__INIT;
	struct task_run *r = task_run_of(t);
	int64_t now = util_monotonic_ms();
	int64_t elapsed;
	uint64_t burst;

	if (!r)
		return;     /* out of memory: the next one tells */
	elapsed = now - r->last_progress_ms;
	if (!force && elapsed < (int64_t)s->cfg.progress_interval_ms)
		return;
	burst = t->offset >= r->progress_reported ? t->offset - r->progress_reported : 0;
	if (burst == 0 && !force) {
		if (r->speed_bps == 0 || elapsed < STALLED_AFTER_MS)
			return;
		r->speed_bps = 0;
	} else {
		update_speed(r, burst, elapsed);
	}
	r->last_progress_ms = now;
	r->progress_reported = t->offset;
	m.bytes_this_burst = burst;
	m.bytes_written = t->offset;
	m.bytes_expected = t->total;
	m.speed_bps = r->speed_bps;
	m.eta_seconds = task_eta_seconds(t);
	m.connections = segments_in_use(t);
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
	m.display_name = STR(t->extras->display_name);
	m.file_id = STR(t->extras->file_id);
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

void group_figures_message(Ycdl__GroupFigures *m, const ycdl_group_info *f)
{
	ycdl__group_figures__init(m);
	m->group = (char *)f->name;
	m->tasks = (uint32_t)f->tasks;
	m->waiting = (uint32_t)f->waiting;
	m->downloading = (uint32_t)f->downloading;
	m->paused = (uint32_t)f->paused;
	m->waiting_for_network = (uint32_t)f->waiting_for_network;
	m->finished = (uint32_t)f->finished;
	m->failed = (uint32_t)f->failed;
	m->waiting_for_url = (uint32_t)f->waiting_for_url;
	m->bytes_written_known = f->bytes_written_known;
	m->bytes_expected = f->bytes_expected;
	m->bytes_written_unknown = f->bytes_written_unknown;
	m->speed_bps = f->speed_bps;
	m->eta_seconds = f->eta_seconds;
}

void emit_group_figures(struct ycdl_session *s, const ycdl_group_info *f, bool finished)
{
	Ycdl__Event ev = YCDL__EVENT__INIT;
	Ycdl__GroupFigures m;

	group_figures_message(&m, f);
	if (finished) {
		ev.kind_case = YCDL__EVENT__KIND_GROUP_FINISHED;
		ev.group_finished = &m;
	} else {
		ev.kind_case = YCDL__EVENT__KIND_GROUP_PROGRESS;
		ev.group_progress = &m;
	}
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
