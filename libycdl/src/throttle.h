/* throttle.h — speed limits that hold from the first second: each limited
 * transfer has a token bucket for its task's limit, the session has one
 * for its own (rate_limit.h). A chunk that arrives while either does not
 * hold it is left with curl (the write callback answers
 * CURL_WRITEFUNC_PAUSE and curl delivers the same bytes again once
 * unpaused), and a timer unpauses the transfer when the bucket will hold
 * it. Transfers that wait for the session's bucket line up and are let out
 * one at a time, in turn.
 *
 * curl's low-speed timeout and these pauses: curl skips its check while a
 * transfer is paused, and a held transfer is paused but for the moment it
 * reads a chunk the server has ready, so time held here does not count as
 * slow; a server that stops sending leaves the transfer unpaused and
 * waiting, and still trips it. (A low-speed limit above the speed limit
 * would trip it on a link that is slower still: it says nothing then.) */
#ifndef YCDL_THROTTLE_H
#define YCDL_THROTTLE_H

#include "queue.h"
#include "rate_limit.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event;
struct event_base;

/* The session's: its limit and the transfers waiting for it. The one
 * owner of the live session-wide limit. */
struct throttle {
	struct event_base *base;
	struct rate_limit bucket;
	struct queue line;        /* throttled->in_line, first come first */
	struct event *timer;      /* lets the first of the line out */
};

/* One transfer's. A zeroed one is not joined (throttle_leave does nothing). */
struct throttled {
	struct throttle *session;
	CURL *easy;
	struct rate_limit bucket; /* its task's limit */
	struct event *timer;      /* its own debt paid (only with a limit) */
	struct queue in_line;     /* in session->line while it waits there */
	size_t held;              /* the chunk it waits there with, in bytes */
	bool woken;               /* let out of the line: its turn to take */
};

int throttle_init(struct throttle *th, struct event_base *base, uint64_t rate);
/* After every transfer left. */
void throttle_free(struct throttle *th);

/* The session-wide limit (0: none), at once for every running transfer:
 * lowered, the transfers are held to it from their next chunk; removed,
 * every transfer waiting for it goes on. */
void throttle_set_rate(struct throttle *th, uint64_t rate);

/* Starts holding the transfer of easy to rate (its task's limit, 0: none)
 * and to th's. */
int throttle_join(struct throttled *w, struct throttle *th, CURL *easy,
		uint64_t rate);
/* Its own limit (its task's share) from now on; a transfer that joined
 * without one stays unlimited. */
void throttle_set_own_rate(struct throttled *w, uint64_t rate);

/* Stops: out of the line, its timer freed. The transfer stays as curl has
 * it (its handle is being taken out of the multi). */
void throttle_leave(struct throttled *w);

/* From the write callback, for a chunk of len bytes: true when it may be
 * taken now (its bytes are counted); false when the transfer waits (the
 * callback answers CURL_WRITEFUNC_PAUSE and curl delivers the chunk again
 * once the wait is over). */
bool throttle_admit(struct throttled *w, size_t len);

/* CURLOPT_BUFFERSIZE for w's next request, from the tighter of its limits
 * as they are now. curl fixes the buffer when a request starts, so a
 * request that started unlimited goes on reading up to 16 KiB at a time
 * under a limit set later: below 160 KiB/s a second may then hold up to
 * 16 KiB beyond the limit rather than 10 % (rate_limit.h). */
long throttle_receive_buffer(const struct throttled *w);

#endif
