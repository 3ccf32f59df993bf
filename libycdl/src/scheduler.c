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

/* ---------------------------------------------------------- the lines */

/* Two lines: tasks that may run on the current network, and tasks waiting
 * for another one. Starting work walks only the first, so a thousand tasks
 * that may not use cellular cost nothing while the phone is on cellular;
 * a change of network or permission moves tasks between the lines once. */

static bool runs_before(const struct task *a, const struct task *b)
{
	return a->priority > b->priority ||
		(a->priority == b->priority && a->order < b->order);
}

/* Most tasks arrive last in line, so the walk starts at the tail. */
static void line_insert(struct task_line *line, struct task *t)
{
	struct queue *q;

	for (q = line->tasks.prev; q != &line->tasks; q = q->prev)
		if (!runs_before(t, QUEUE_DATA(q, struct task, wait)))
			break;
	queue_insert_after(q, &t->wait);
	t->line = line;
}

static void line_remove(struct task *t)
{
	queue_remove(&t->wait);
	t->line = NULL;
}

static struct task *line_first(const struct task_line *line)
{
	struct queue *q = queue_first(&line->tasks);

	return q ? QUEUE_DATA(q, struct task, wait) : NULL;
}

static void cancel_retry(struct task *t)
{
	if (t->retry_timer) {
		event_free(t->retry_timer);
		t->retry_timer = NULL;
	}
}

/* Puts t in the line its network permission says, with the status that
 * goes with it. */
static void line_up(struct ycdl_session *s, struct task *t)
{
	bool allowed = task_is_allowed_on_network(s, t);
	struct task_line *line = allowed ? &s->sched.ready : &s->sched.blocked;

	if (t->line != line) {
		line_remove(t);
		line_insert(line, t);
	}
	task_set_status(s, t, allowed ? YCDL_STATUS_WAITING
			: YCDL_STATUS_WAITING_FOR_NETWORK);
}

void scheduler_enqueue(struct ycdl_session *s, struct task *t)
{
	cancel_retry(t);
	s->sched.was_busy = true;   /* all-finished follows, even if it fails at once */
	line_up(s, t);
	scheduler_request_pump(s);
}

void scheduler_dequeue(struct ycdl_session *s, struct task *t)
{
	(void)s;
	line_remove(t);
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
	queue_insert_tail(&sc->running, &x->running);
	sc->running_count++;
}

static void running_remove(struct scheduler *sc, struct transfer *x)
{
	queue_remove(&x->running);
	sc->running_count--;
}

void scheduler_speed_changed(struct ycdl_session *s)
{
	struct queue *q;

	QUEUE_FOREACH(q, &s->sched.running)
		transfer_apply_speed_limit(s, QUEUE_DATA(q, struct transfer, running)->task);
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
	struct queue *q;

	(void)fd;
	(void)what;
	QUEUE_FOREACH(q, &s->sched.running)
		emit_progress(s, QUEUE_DATA(q, struct transfer, running)->task, false);
	if (s->sched.running_count > 0)
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

	(void)fd;
	(void)what;
	sc->pump_requested = false;
	while (line_first(&sc->ready) &&
	       sc->running_count + sc->committing < sc->max_concurrent && !s->closing) {
		struct task *t = line_first(&sc->ready);

		line_remove(t);
		scheduler_start_now(s, t);
	}
	signal_all_finished(s);
	if (store_needs_compaction(&s->store, s->tasks.count))
		(void)session_compact(s);
}

void scheduler_request_pump(struct ycdl_session *s)
{
	if (s->sched.pump) {
		s->sched.pump_requested = true;
		event_active(s->sched.pump, 0, 0);
	}
}

void scheduler_pump_if_requested(struct ycdl_session *s)
{
	if (!s->sched.pump_requested)
		return;
	event_del(s->sched.pump);       /* also takes back its activation */
	pump(-1, 0, s);
}

/* Re-checks every task of line against the network (each moves at most
 * once). */
static void move_between_lines(struct ycdl_session *s, struct task_line *line)
{
	struct queue *q, *spare;

	QUEUE_FOREACH_SAFE(q, spare, &line->tasks)
		line_up(s, QUEUE_DATA(q, struct task, wait));
}

void scheduler_policy_changed(struct ycdl_session *s)
{
	struct queue *q, *spare;

	QUEUE_FOREACH_SAFE(q, spare, &s->sched.running) {
		struct task *t = QUEUE_DATA(q, struct transfer, running)->task;

		if (!task_is_allowed_on_network(s, t)) {
			transfer_stop(s, t);
			scheduler_enqueue(s, t);
		}
	}
	move_between_lines(s, &s->sched.ready);
	move_between_lines(s, &s->sched.blocked);
	scheduler_request_pump(s);
}

void scheduler_stop_all(struct ycdl_session *s)
{
	struct queue *q;

	while ((q = queue_first(&s->sched.running)) != NULL)
		transfer_stop(s, QUEUE_DATA(q, struct transfer, running)->task);
	for (struct task *t = tasks_first(&s->tasks); t; t = tasks_next(&s->tasks, t))
		cancel_retry(t);
}

int scheduler_init(struct scheduler *sc, struct ycdl_session *s)
{
	memset(sc, 0, sizeof(*sc));
	queue_init(&sc->ready.tasks);
	queue_init(&sc->blocked.tasks);
	queue_init(&sc->running);
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
