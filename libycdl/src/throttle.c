/* throttle.c — see throttle.h. */
#include "throttle.h"

#include "error.h"
#include "util.h"

#include <event2/event.h>
#include <string.h>

static int arm(struct event *timer, int64_t us)
{
	struct timeval tv = { (time_t)(us / 1000000), (suseconds_t)(us % 1000000) };

	return evtimer_add(timer, &tv);
}

/* Lets curl deliver the chunk it holds for w: it comes back through the
 * write callback, with curl 7.x before curl_easy_pause returns (and may be
 * held again). When the callback refuses it there (the transfer failed on
 * our side, see transfer.c on_body), curl returns the error without waking
 * the transfer, which would then wait on nothing: pausing and unpausing
 * once more makes curl run it, and it meets the refusal again. */
static void release(struct throttled *w)
{
	if (curl_easy_pause(w->easy, CURLPAUSE_CONT) != CURLE_OK) {
		curl_easy_pause(w->easy, CURLPAUSE_RECV);
		curl_easy_pause(w->easy, CURLPAUSE_CONT);
	}
}

static void on_own_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	release(arg);
}

static void leave_line(struct throttled *w)
{
	queue_remove(&w->in_line);
}

/* Arms the line's timer for when the session's bucket holds the chunk of
 * the first in line. */
static int arm_line(struct throttle *th)
{
	struct throttled *first = QUEUE_DATA(queue_first(&th->line), struct throttled,
			in_line);

	return arm(th->timer, rate_limit_wait_us(&th->bucket, first->held));
}

/* The first of the line goes on while the session's bucket holds its
 * chunk: usually one, whose chunk leaves too little for the next. */
static void let_out(struct throttle *th)
{
	struct queue *q;

	while ((q = queue_first(&th->line))) {
		struct throttled *w = QUEUE_DATA(q, struct throttled, in_line);

		if (!rate_limit_allows(&th->bucket, w->held, util_monotonic_us()))
			break;
		leave_line(w);
		w->woken = true;
		release(w);
	}
	if (!queue_empty(&th->line) && arm_line(th) != 0)
		event_active(th->timer, 0, 0);    /* no timer: try again next turn */
}

static void on_line_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	let_out(arg);
}

int throttle_init(struct throttle *th, struct event_base *base, uint64_t rate)
{
	memset(th, 0, sizeof(*th));
	th->base = base;
	queue_init(&th->line);
	rate_limit_set(&th->bucket, rate, util_monotonic_us());
	if (!(th->timer = evtimer_new(base, on_line_timer, th)))
		return error_set(YCDL_E_NOMEM, "out of memory");
	return 0;
}

void throttle_free(struct throttle *th)
{
	if (th->timer)
		event_free(th->timer);
	memset(th, 0, sizeof(*th));
}

void throttle_set_rate(struct throttle *th, uint64_t rate)
{
	rate_limit_set(&th->bucket, rate, util_monotonic_us());
	if (!rate)
		evtimer_del(th->timer);
	let_out(th);
}

int throttle_join(struct throttled *w, struct throttle *th, CURL *easy,
		uint64_t rate)
{
	memset(w, 0, sizeof(*w));
	w->session = th;
	w->easy = easy;
	queue_init(&w->in_line);
	rate_limit_set(&w->bucket, rate, util_monotonic_us());
	if (rate && !(w->timer = evtimer_new(th->base, on_own_timer, w)))
		return error_set(YCDL_E_NOMEM, "out of memory");
	return 0;
}

void throttle_set_own_rate(struct throttled *w, uint64_t rate)
{
	if (!w->session)
		return;
	/* A transfer joined without a limit has no timer: it keeps none. */
	rate_limit_set(&w->bucket, w->timer ? rate : 0, util_monotonic_us());
}

void throttle_leave(struct throttled *w)
{
	if (!w->session)
		return;
	leave_line(w);
	if (w->timer)
		event_free(w->timer);
	w->timer = NULL;
	w->session = NULL;
}

/* w waits for its own bucket to hold its chunk of len bytes; false when
 * no timer could be armed (the chunk is then taken: better over the limit
 * once than stuck). */
static bool wait_alone(struct throttled *w, size_t len)
{
	return arm(w->timer, rate_limit_wait_us(&w->bucket, len)) == 0;
}

/* w waits in line for the session's bucket to hold its chunk: last, or
 * first again when it was just let out (its chunk grew while held: curl
 * adds to a held chunk what an HTTP/2 connection brings meanwhile). */
static bool wait_in_line(struct throttled *w, size_t len)
{
	struct throttle *th = w->session;

	w->held = len;
	if (w->woken)
		queue_insert_head(&th->line, &w->in_line);
	else
		queue_insert_tail(&th->line, &w->in_line);
	w->woken = false;
	if (arm_line(th) == 0)
		return true;
	leave_line(w);
	return false;
}

/* Whether w's chunk must wait for the session's bucket: the bucket does
 * not hold it, or others wait and w was not just let out (no one jumps the
 * line). */
static bool session_holds(struct throttled *w, size_t len, int64_t now)
{
	struct throttle *th = w->session;

	return !rate_limit_allows(&th->bucket, len, now) ||
		(!w->woken && !queue_empty(&th->line));
}

bool throttle_admit(struct throttled *w, size_t len)
{
	struct throttle *th = w->session;
	int64_t now;

	if (!w->bucket.rate && !th->bucket.rate)
		return true;
	now = util_monotonic_us();
	if (!rate_limit_allows(&w->bucket, len, now) && wait_alone(w, len))
		return false;
	if (session_holds(w, len, now) && wait_in_line(w, len))
		return false;
	w->woken = false;
	rate_limit_take(&w->bucket, len);
	rate_limit_take(&th->bucket, len);
	return true;
}

long throttle_receive_buffer(const struct throttled *w)
{
	uint64_t own = w->bucket.rate, shared = w->session->bucket.rate;

	if (!own || (shared && shared < own))
		own = shared;
	return rate_limit_receive_buffer(own);
}
