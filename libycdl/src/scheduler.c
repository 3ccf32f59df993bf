/* scheduler.c — the wait queue, slots, network policy and retry timers.
 *
 * Starting transfers is always deferred to the "pump" event so that it never
 * happens inside a curl callback and so that a burst of changes (a hundred
 * tasks added at once) is settled in one pass. */
#include "scheduler.h"

#include "completion.h"
#include "error.h"
#include "events.h"
#include "session.h"
#include "task.h"
#include "transfer.h"

#include <event2/event.h>
#include <string.h>

/* ----------------------------------------------------------- wait list */

static bool runs_before(const struct task *a, const struct task *b)
{
	return a->priority > b->priority ||
		(a->priority == b->priority && a->order < b->order);
}

/* Most tasks arrive last in line, so the walk starts at the tail. */
static void wait_insert(struct scheduler *sc, struct task *t)
{
	struct task *after = sc->wait_tail;

	while (after && runs_before(t, after))
		after = after->wait_prev;
	t->wait_prev = after;
	t->wait_next = after ? after->wait_next : sc->wait_head;
	if (t->wait_next)
		t->wait_next->wait_prev = t;
	else
		sc->wait_tail = t;
	if (after)
		after->wait_next = t;
	else
		sc->wait_head = t;
	t->queued = true;
}

static void wait_remove(struct scheduler *sc, struct task *t)
{
	if (!t->queued)
		return;
	if (t->wait_prev)
		t->wait_prev->wait_next = t->wait_next;
	else
		sc->wait_head = t->wait_next;
	if (t->wait_next)
		t->wait_next->wait_prev = t->wait_prev;
	else
		sc->wait_tail = t->wait_prev;
	t->wait_prev = t->wait_next = NULL;
	t->queued = false;
}

static void cancel_retry(struct task *t)
{
	if (t->retry_timer) {
		event_free(t->retry_timer);
		t->retry_timer = NULL;
	}
}

static int status_for_network(const struct ycdl_session *s, const struct task *t)
{
	return task_is_allowed_on_network(s, t) ? YCDL_STATUS_WAITING
		: YCDL_STATUS_WAITING_FOR_NETWORK;
}

void scheduler_enqueue(struct ycdl_session *s, struct task *t)
{
	cancel_retry(t);
	if (!t->queued)
		wait_insert(&s->sched, t);
	task_set_status(s, t, status_for_network(s, t));
	scheduler_request_pump(s);
}

void scheduler_dequeue(struct ycdl_session *s, struct task *t)
{
	wait_remove(&s->sched, t);
	cancel_retry(t);
}

static void on_retry_timer(evutil_socket_t fd, short what, void *arg)
{
	struct task *t = arg;

	(void)fd;
	(void)what;
	scheduler_enqueue(t->session, t);
}

void scheduler_retry_later(struct ycdl_session *s, struct task *t,
		unsigned int delay_ms)
{
	struct timeval tv = { (time_t)(delay_ms / 1000), (long)(delay_ms % 1000) * 1000 };

	scheduler_dequeue(s, t);
	task_set_status(s, t, YCDL_STATUS_WAITING);
	t->retry_timer = evtimer_new(s->loop.base, on_retry_timer, t);
	if (!t->retry_timer || evtimer_add(t->retry_timer, &tv) != 0) {
		cancel_retry(t);
		scheduler_enqueue(s, t);    /* no timer: retry at once */
	}
}

/* ---------------------------------------------------------- running */

static void running_add(struct scheduler *sc, struct transfer *x)
{
	x->prev = NULL;
	x->next = sc->running_head;
	if (x->next)
		x->next->prev = x;
	sc->running_head = x;
	sc->running++;
}

static void running_remove(struct scheduler *sc, struct transfer *x)
{
	if (x->prev)
		x->prev->next = x->next;
	else
		sc->running_head = x->next;
	if (x->next)
		x->next->prev = x->prev;
	x->prev = x->next = NULL;
	sc->running--;
}

void scheduler_speed_changed(struct ycdl_session *s)
{
	for (struct transfer *x = s->sched.running_head; x; x = x->next)
		transfer_apply_speed_limit(s, x->task);
}

/* Progress is coalesced per task as bytes arrive; when they stop
 * arriving, only this tick reports what was held back (and a stall). It
 * runs while anything is downloading. */
static void arm_progress_tick(struct ycdl_session *s)
{
	unsigned int ms = s->cfg.progress_interval_ms < 100 ? 100
		: s->cfg.progress_interval_ms;
	struct timeval tv = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000 };

	if (!evtimer_pending(s->sched.progress_tick, NULL))
		evtimer_add(s->sched.progress_tick, &tv);
}

static void on_progress_tick(evutil_socket_t fd, short what, void *arg)
{
	struct ycdl_session *s = arg;

	(void)fd;
	(void)what;
	for (struct transfer *x = s->sched.running_head; x; x = x->next)
		emit_progress(s, x->task, false);
	if (s->sched.running > 0)
		arm_progress_tick(s);
}

void scheduler_start_now(struct ycdl_session *s, struct task *t)
{
	int rc = transfer_start(s, t);

	if (rc != 0) {
		completion_fail(s, t, rc, ycdl_last_error_message(), 0, false, 0);
		return;
	}
	running_add(&s->sched, t->transfer);
	arm_progress_tick(s);
	task_set_status(s, t, YCDL_STATUS_DOWNLOADING);
	if (s->sched.max_recv_speed)
		scheduler_speed_changed(s);
}

void scheduler_transfer_detached(struct ycdl_session *s, struct transfer *x)
{
	running_remove(&s->sched, x);
	if (s->sched.max_recv_speed)
		scheduler_speed_changed(s);
	scheduler_request_pump(s);
}

/* ------------------------------------------------------------- pump */

static void signal_all_finished(struct ycdl_session *s)
{
	struct scheduler *sc = &s->sched;

	if (tasks_pending(&s->tasks) > 0) {
		sc->was_busy = true;
	} else if (sc->was_busy) {
		sc->was_busy = false;
		emit_all_finished(s);
	}
}

static void pump(evutil_socket_t fd, short what, void *arg)
{
	struct ycdl_session *s = arg;
	struct scheduler *sc = &s->sched;
	struct task *t = sc->wait_head;

	(void)fd;
	(void)what;
	while (t && sc->running + sc->committing < sc->max_concurrent && !s->closing) {
		struct task *next = t->wait_next;

		if (task_is_allowed_on_network(s, t)) {
			wait_remove(sc, t);
			scheduler_start_now(s, t);
		} else {
			task_set_status(s, t, YCDL_STATUS_WAITING_FOR_NETWORK);
		}
		t = next;
	}
	signal_all_finished(s);
	if (store_needs_compaction(&s->store, s->tasks.count))
		(void)session_compact(s);
}

void scheduler_request_pump(struct ycdl_session *s)
{
	if (s->sched.pump)
		event_active(s->sched.pump, 0, 0);
}

void scheduler_policy_changed(struct ycdl_session *s)
{
	struct transfer *x = s->sched.running_head;

	while (x) {
		struct transfer *next = x->next;
		struct task *t = x->task;

		if (!task_is_allowed_on_network(s, t)) {
			transfer_stop(s, t);
			scheduler_enqueue(s, t);
		}
		x = next;
	}
	for (struct task *t = s->sched.wait_head; t; t = t->wait_next)
		task_set_status(s, t, status_for_network(s, t));
	scheduler_request_pump(s);
}

void scheduler_stop_all(struct ycdl_session *s)
{
	while (s->sched.running_head)
		transfer_stop(s, s->sched.running_head->task);
	for (struct task *t = s->tasks.first; t; t = t->all_next)
		cancel_retry(t);
}

int scheduler_init(struct scheduler *sc, struct ycdl_session *s)
{
	memset(sc, 0, sizeof(*sc));
	sc->max_concurrent = s->cfg.max_concurrent;
	sc->allow_cellular = s->cfg.allow_cellular;
	sc->max_recv_speed = s->cfg.max_recv_speed;
	sc->network = YCDL_NETWORK_UNKNOWN;
	sc->pump = event_new(s->loop.base, -1, 0, pump, s);
	sc->progress_tick = evtimer_new(s->loop.base, on_progress_tick, s);
	if (!sc->pump || !sc->progress_tick)
		return error_set(YCDL_E_NOMEM, "out of memory");
	return 0;
}

void scheduler_free(struct scheduler *sc)
{
	if (sc->pump)
		event_free(sc->pump);
	if (sc->progress_tick)
		event_free(sc->progress_tick);
	memset(sc, 0, sizeof(*sc));
}
