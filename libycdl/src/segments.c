/* segments.c — see segments.h. */
#define _GNU_SOURCE
#include "segments.h"

#include "completion.h"
#include "multi.h"
#include "persist.h"
#include "session.h"
#include "task.h"
#include "transfer.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* ------------------------------------------------- requests ending */

/* x's request did what it was sent for: its segment is complete. */
static bool piece_finished(const struct transfer *x, CURLcode result)
{
	return result == CURLE_OK && x->piece_done && !x->local_error &&
		!x->http_error && x->after == AFTER_NOTHING && x->mode == BODY_APPEND;
}

/* Sends x after more work; false when there is none (or it could not be
 * sent: x is then out of curl). */
static bool take_more(struct ycdl_session *s, struct transfer *x)
{
	struct task *t = x->task;
	struct segment *g = segment_map_take(&t->segs->map, x, s->cfg.segment_min_size);

	if (!g)
		return false;
	if (transfer_request_piece(s, x, g) != 0) {
		g->owner = NULL;
		x->piece = NULL;
		return false;
	}
	return true;
}

/* The primary is still receiving its first response, to the file's end:
 * it can carry the whole file alone. */
static bool primary_streams_to_the_end(const struct transfer *p)
{
	return !p->parked && !p->piece_request && p->piece && p->piece->start == 0;
}

/* The server does not give ranges after all: the helpers go and the
 * primary, which asked for the whole file, takes every byte after its
 * own (the ones the helpers wrote are the same file: its validators did
 * not change). The task is a one-connection download again. */
static void go_single(struct ycdl_session *s, struct task *t)
{
	struct transfer *p = t->transfer;
	uint64_t done = p->piece->done, synced = p->piece->synced;

	transfer_stop_helpers(s, t);
	segments_forget(t);
	t->run->single_connection = true;
	t->offset = done;
	if (t->synced_offset != synced) {
		t->synced_offset = synced;
		persist_mark(s, t);
	}
	p->request_end = UINT64_MAX;
	p->piece_done = false;
	if (lseek(p->fd, (off_t)done, SEEK_SET) < 0) {
		p->after = AFTER_RESTART;
		snprintf(p->reason, sizeof(p->reason), "%s",
				"cannot seek in the partial file");
	}
}

/* A helper found the file changed (or refused ranges) where the primary
 * cannot carry on alone: the whole task starts again from zero. */
static void restart_all(struct ycdl_session *s, struct task *t,
		struct transfer *x)
{
	struct transfer *p = t->transfer;

	if (x->ranges_refused)
		t->run->single_connection = true;
	if (p->after == AFTER_NOTHING) {
		p->after = AFTER_RESTART;
		snprintf(p->reason, sizeof(p->reason), "%s", x->reason);
	}
	transfer_stop_helpers(s, t);     /* x among them */
	p->parked = false;
	completion_request_done(s, p, CURLE_OK);
}

/* A helper left: the primary, waiting, takes what it left, or ends the
 * task's requests once none is left. */
static void after_helper_left(struct ycdl_session *s, struct task *t)
{
	struct transfer *p = t->transfer;
	struct segments *segs = t->segs;

	if (!p->parked) {
		if (segment_map_has_orphans(&segs->map))
			segments_want_helpers(s, t);
		return;
	}
	if (segment_map_has_orphans(&segs->map)) {
		p->parked = false;
		if (throttle_join(&p->throttled, &s->throttle, p->easy,
				t->extras->max_recv_speed) == 0 && take_more(s, p)) {
			transfer_share_limit(t);
			return;
		}
		p->piece_done = false;  /* judged as the attempt that failed */
	} else if (segs->helper_count > 0) {
		return;
	}
	p->parked = false;
	completion_request_done(s, p, CURLE_OK);
}

static void helper_ended(struct ycdl_session *s, struct transfer *x,
		CURLcode result)
{
	struct task *t = x->task;

	if (x->after == AFTER_RESTART) {
		if (x->ranges_refused && primary_streams_to_the_end(t->transfer))
			go_single(s, t);
		else
			restart_all(s, t, x);
		return;
	}
	if (piece_finished(x, result) && take_more(s, x))
		return;
	if (!piece_finished(x, result))
		t->segs->helper_failures++;
	transfer_drop_helper(s, x);
	after_helper_left(s, t);
}

static bool primary_ended(struct ycdl_session *s, struct transfer *x,
		CURLcode result)
{
	struct task *t = x->task;
	struct segments *segs = t->segs;

	if (piece_finished(x, result)) {
		if (take_more(s, x))
			return true;
		if (segs->helper_count > 0) {
			/* Nothing left to take: out of curl until the helpers
			 * are done (after_helper_left). */
			multi_remove(&s->multi, x->easy);
			throttle_leave(&x->throttled);
			x->parked = true;
			transfer_share_limit(t);
			return true;
		}
		if (segment_map_complete(&segs->map))
			segments_forget(t);     /* one file now, judged as such */
		return false;
	}
	if (x->ranges_refused)
		t->run->single_connection = true;    /* its restart: one request */
	transfer_stop_helpers(s, t);
	return false;
}

void segments_request_done(struct ycdl_session *s, struct transfer *x,
		CURLcode result)
{
	CURLcode own = transfer_result(x, result);

	if (x->task->segs) {
		if (transfer_redirected(x, own))
			return;         /* its next request is on its way */
		if (x->helper) {
			helper_ended(s, x, own);
			return;
		}
		if (primary_ended(s, x, own))
			return;
	}
	completion_request_done(s, x, result);
}

/* ------------------------------------------------- helpers starting */

static void spawn_for(struct ycdl_session *s, struct task *t)
{
	struct segments *segs = t->segs;
	unsigned int wanted = segments_wanted(s, t);

	while (t->transfer && !t->run->single_connection && segs->helper_count + 1 < wanted &&
	       segs->helper_failures < SEGMENTS_MAX_HELPER_FAILURES) {
		struct transfer *x;
		struct segment *g;

		if (transfer_start_helper(s, t, &x) != 0)
			return;
		if (!(g = segment_map_take(&segs->map, x, s->cfg.segment_min_size))) {
			transfer_free(x);
			return;
		}
		queue_insert_tail(&segs->helpers, &x->helper_link);
		segs->helper_count++;
		if (transfer_request_piece(s, x, g) != 0) {
			transfer_drop_helper(s, x);
			return;
		}
	}
}

void segments_spawn_helpers(struct ycdl_session *s)
{
	struct queue *q;

	while ((q = queue_first(&s->segment_spawns)) != NULL) {
		struct segments *segs = QUEUE_DATA(q, struct segments, spawn_link);

		queue_remove(q);
		if (segs->task->status == YCDL_STATUS_DOWNLOADING) {
			spawn_for(s, segs->task);
			transfer_share_limit(segs->task);
		}
	}
}
