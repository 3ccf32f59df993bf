/* scheduler.c — see scheduler.h. */
#include "scheduler.h"

#include "error.h"
#include "events.h"
#include "multi.h"
#include "session.h"
#include "status.h"
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

static bool allowed_on_network(const struct scheduler *sc, const struct task *t)
{
	switch (sc->network) {
	case YCDL_NETWORK_OFFLINE:
		return false;
	case YCDL_NETWORK_CELLULAR:
		return sc->allow_cellular && t->allow_cellular;
	default:
		return true;
	}
}

static void cancel_retry(struct task *t)
{
	if (t->run && t->run->retry_timer) {
		event_free(t->run->retry_timer);
		t->run->retry_timer = NULL;
	}
}

/* Puts t in the line its network permission says, with the status that
 * goes with it. */
static void line_up(struct ycdl_session *s, struct task *t)
{
	bool allowed = allowed_on_network(&s->sched, t);
	struct task_line *line = allowed ? &s->sched.ready : &s->sched.blocked;

	if (t->line != line) {
		line_remove(t);
		line_insert(line, t);
	}
	status_set(s, t, allowed ? YCDL_STATUS_WAITING
			: YCDL_STATUS_WAITING_FOR_NETWORK);
}

void scheduler_enqueue(struct ycdl_session *s, struct task *t)
{
	cancel_retry(t);
	line_up(s, t);
	scheduler_request_pump(s);
}

void scheduler_dequeue(struct ycdl_session *s, struct task *t)
{
	(void)s;
	line_remove(t);
	cancel_retry(t);
}

void scheduler_priority_changed(struct ycdl_session *s, struct task *t)
{
	struct task_line *line = t->line;

	if (!line)
		return;
	line_remove(t);
	line_insert(line, t);
	scheduler_request_pump(s);
}

static void on_retry_timer(evutil_socket_t fd, short what, void *arg)
{
	struct task *t = arg;

	(void)fd;
	(void)what;
	scheduler_enqueue(t->run->session, t);
}

void scheduler_retry_later(struct ycdl_session *s, struct task *t,
		unsigned int delay_ms)
{
	struct timeval tv = { (time_t)(delay_ms / 1000), (long)(delay_ms % 1000) * 1000 };

	scheduler_dequeue(s, t);
	status_set(s, t, YCDL_STATUS_WAITING);
	t->run->session = s;
	t->run->retry_timer = evtimer_new(s->loop.base, on_retry_timer, t);
	if (!t->run->retry_timer || evtimer_add(t->run->retry_timer, &tv) != 0) {
		cancel_retry(t);
		scheduler_enqueue(s, t);    /* no timer: retry at once */
	}
}

/* ---------------------------------------------------------- slots */

void scheduler_request_pump(struct ycdl_session *s)
{
	s->sched.pump_requested = true;
}

struct task *scheduler_take_next(struct ycdl_session *s)
{
	struct scheduler *sc = &s->sched;
	struct task *t;

	if (!sc->pump_requested)
		return NULL;
	if (sc->slots_used >= sc->max_concurrent || !(t = line_first(&sc->ready))) {
		sc->pump_requested = false;
		return NULL;
	}
	line_remove(t);
	sc->slots_used++;
	return t;
}

void scheduler_give_back_slot(struct ycdl_session *s)
{
	s->sched.slots_used--;
	scheduler_request_pump(s);
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
	QUEUE_FOREACH(q, &s->sched.running) {
		struct task *t = QUEUE_DATA(q, struct transfer, running)->task;

		emit_progress(s, t, false);
		group_note(s, t, false);
	}
	if (s->sched.running_count > 0)
		arm_progress_tick(s);
}

void scheduler_add_running(struct ycdl_session *s, struct transfer *x)
{
	queue_insert_tail(&s->sched.running, &x->running);
	s->sched.running_count++;
	arm_progress_tick(s);
}

void scheduler_remove_running(struct ycdl_session *s, struct transfer *x)
{
	queue_remove(&x->running);
	s->sched.running_count--;
}

unsigned int scheduler_running_count(const struct ycdl_session *s)
{
	return s->sched.running_count;
}

unsigned int scheduler_max_concurrent(const struct ycdl_session *s)
{
	return s->sched.max_concurrent;
}

/* ---------------------------------------------------------- stopping */

void scheduler_stop_task(struct ycdl_session *s, struct task *t)
{
	if (t->transfer) {
		struct transfer *x = t->transfer;

		scheduler_remove_running(s, x);
		transfer_stop(s, t);
		scheduler_give_back_slot(s);
	}
	scheduler_dequeue(s, t);
}

void scheduler_stop_all(struct ycdl_session *s)
{
	struct queue *q;

	while ((q = queue_first(&s->sched.running)) != NULL)
		scheduler_stop_task(s, QUEUE_DATA(q, struct transfer, running)->task);
	for (struct task *t = tasks_first(&s->tasks); t; t = tasks_next(&s->tasks, t))
		cancel_retry(t);
}

/* ---------------------------------------------------------- policy */

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

		if (!allowed_on_network(&s->sched, t)) {
			scheduler_stop_task(s, t);
			scheduler_enqueue(s, t);
		}
	}
	move_between_lines(s, &s->sched.ready);
	move_between_lines(s, &s->sched.blocked);
	scheduler_request_pump(s);
}

bool scheduler_is_offline(const struct ycdl_session *s)
{
	return s->sched.network == YCDL_NETWORK_OFFLINE;
}

void scheduler_set_max_concurrent(struct ycdl_session *s, unsigned int n)
{
	s->sched.max_concurrent = n;
	multi_keep_connections(&s->multi, n);
	scheduler_request_pump(s);
}

void scheduler_set_network(struct ycdl_session *s, int network)
{
	s->sched.network = network;
	scheduler_policy_changed(s);
}

void scheduler_set_allow_cellular(struct ycdl_session *s, bool allow)
{
	s->sched.allow_cellular = allow;
	scheduler_policy_changed(s);
}

int scheduler_init(struct scheduler *sc, struct ycdl_session *s)
{
	memset(sc, 0, sizeof(*sc));
	queue_init(&sc->ready.tasks);
	queue_init(&sc->blocked.tasks);
	queue_init(&sc->running);
	sc->max_concurrent = s->cfg.max_concurrent;
	sc->allow_cellular = s->cfg.allow_cellular;
	sc->network = YCDL_NETWORK_UNKNOWN;
	sc->progress_tick = evtimer_new(s->loop.base, on_progress_tick, s);
	if (!sc->progress_tick)
		return error_set(YCDL_E_NOMEM, "out of memory");
	multi_keep_connections(&s->multi, sc->max_concurrent);
	return 0;
}

void scheduler_free(struct scheduler *sc)
{
	if (sc->progress_tick)
		event_free(sc->progress_tick);
	memset(sc, 0, sizeof(*sc));
}
