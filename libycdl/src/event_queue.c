/* event_queue.c — the queue of encoded events for the application.
 *
 * The queue is the one piece of state shared between the loop thread (which
 * pushes) and application threads (which pop), hence its own mutex. A pipe
 * makes it pollable: it holds one byte exactly while the queue is non-empty,
 * so any event loop can watch it — eventfd would do on Linux but not on
 * Apple platforms. The byte is written once per turn of the loop, not per
 * event, so that a burst of events wakes the consumer once.
 *
 * An application that stops reading for a while (a busy UI thread) must
 * not come back to a list of stale progress that grew with time: each task
 * has at most one progress event pending. A newer one takes its place at
 * the tail — the order of every other event is kept, and no other event is
 * ever dropped — and counts the replaced one's bytes in its burst, so that
 * the bursts a consumer sees still add up to every byte written. What is
 * pending is thus bounded by the tasks plus the status-like events, which
 * come a few per task run, not by the time nobody read. */
#define _GNU_SOURCE
#include "event_queue.h"

#include "error.h"
#include "ycdl.pb-c.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* ---------------------------------------------------------- the nodes */

/* The events whose key coalescing needs: progress is looked up by it, and
 * a removed task's key may come back as a new task, whose progress must
 * not count the old one's bytes. */
static bool keeps_key(int kind)
{
	return kind == YCDL__EVENT__KIND_PROGRESS || kind == YCDL__EVENT__KIND_REMOVED;
}

struct queued_event *queued_event_new(const Ycdl__Event *ev, const void *encoded,
		size_t len)
{
	bool keyed = keeps_key(ev->kind_case) && ev->key;
	size_t key_size = keyed ? strlen(ev->key) + 1 : 0;
	struct queued_event *e;

	if (!encoded)
		len = ycdl__event__get_packed_size(ev);
	if (!(e = malloc(sizeof(*e) + len + key_size)))
		return NULL;
	memset(e, 0, sizeof(*e));
	e->kind = ev->kind_case;
	e->len = encoded ? len : ycdl__event__pack(ev, e->data);
	if (encoded)
		memcpy(e->data, encoded, len);
	if (keyed)
		e->key = memcpy(e->data + e->len, ev->key, key_size);
	if (ev->kind_case == YCDL__EVENT__KIND_PROGRESS && ev->progress) {
		e->burst = ev->progress->bytes_this_burst;
		e->coalesced = ev->progress->coalesced;
	}
	return e;
}

/* e re-encoded to stand for older as well: the bytes of both bursts, and
 * in its coalesced count older and the events older had replaced. NULL
 * when out of memory. */
static struct queued_event *merge_progress(const struct queued_event *older,
		const struct queued_event *e)
{
	Ycdl__Event *ev = ycdl__event__unpack(NULL, e->len, e->data);
	struct queued_event *merged = NULL;

	if (!ev)
		return NULL;
	if (ev->kind_case == YCDL__EVENT__KIND_PROGRESS) {
		ev->progress->bytes_this_burst = older->burst + e->burst;
		ev->progress->coalesced = older->coalesced + 1 + e->coalesced;
		merged = queued_event_new(ev, NULL, 0);
	}
	ycdl__event__free_unpacked(ev, NULL);
	return merged;
}

/* ------------------------------------------------------------- set-up */

static void deliver_to_callback(evutil_socket_t fd, short what, void *arg);

int event_queue_init(struct event_queue *q, struct event_base *base,
		ycdl_event_cb callback, void *payload)
{
	int fds[2];

	memset(q, 0, sizeof(*q));
	queue_init(&q->pending);
	strmap_init(&q->progress_by_key);
	q->pipe_read = q->pipe_write = -1;
	pthread_mutex_init(&q->mutex, NULL);
	q->ready = true;
	if (make_pipe(fds) != 0)
		return error_set(YCDL_E_IO, "cannot create the event pipe: %s",
				strerror(errno));
	q->pipe_read = fds[0];
	q->pipe_write = fds[1];
	if (callback) {
		q->callback = callback;
		q->callback_payload = payload;
		q->deliver = event_new(base, -1, 0, deliver_to_callback, q);
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
	strmap_free(&q->progress_by_key);
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

/* ------------------------------------------------------------ pushing */

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

/* e in place of its task's pending progress event, if there is one; that
 * one is taken out of the queue (into *replaced, to free). Out of memory,
 * both stay: nothing is lost, the task has two pending for a while. The
 * mutex is held; it is only a re-encoding of a few dozen bytes, and only
 * while nobody reads. */
static struct queued_event *coalesce(struct event_queue *q, struct queued_event *e,
		struct queued_event **replaced)
{
	struct queued_event *older = strmap_get(&q->progress_by_key, e->key);
	struct queued_event *merged;

	*replaced = NULL;
	if (!older || !(merged = merge_progress(older, e)))
		return e;
	queue_remove(&older->link);
	strmap_remove(&q->progress_by_key, older->key);
	free(e);
	*replaced = older;
	return merged;
}

void event_queue_push(struct event_queue *q, struct queued_event *e)
{
	struct queued_event *replaced = NULL;

	pthread_mutex_lock(&q->mutex);
	if (e->kind == YCDL__EVENT__KIND_PROGRESS && e->key) {
		e = coalesce(q, e, &replaced);
		/* Unmapped when out of memory: the next one is queued apart. */
		(void)strmap_put(&q->progress_by_key, e->key, e);
	} else if (e->kind == YCDL__EVENT__KIND_REMOVED && e->key) {
		strmap_remove(&q->progress_by_key, e->key);
	}
	queue_insert_tail(&q->pending, &e->link);
	pthread_mutex_unlock(&q->mutex);
	free(replaced);
	if (q->deliver)
		event_active(q->deliver, 0, 0);
}

/* ------------------------------------------------------------- taking */

/* Takes the event at the head of the queue, or NULL; the fd is no longer
 * readable once the queue is empty. A progress event taken is no longer
 * pending: a newer one of its task is queued apart. */
static struct queued_event *take(struct event_queue *q)
{
	struct queued_event *e;
	struct queue *link;

	pthread_mutex_lock(&q->mutex);
	if (!(link = queue_pop(&q->pending))) {
		pthread_mutex_unlock(&q->mutex);
		return NULL;
	}
	e = QUEUE_DATA(link, struct queued_event, link);
	if (e->kind == YCDL__EVENT__KIND_PROGRESS && e->key &&
	    strmap_get(&q->progress_by_key, e->key) == e)
		strmap_remove(&q->progress_by_key, e->key);
	if (queue_empty(&q->pending)) {
		char byte;

		while (read(q->pipe_read, &byte, 1) == 1)
			;
		q->signalled = false;
	}
	pthread_mutex_unlock(&q->mutex);
	return e;
}

/* Puts a taken event back at the head when it could not be handed out: it
 * is still pending, and its task's pending progress again unless a newer
 * one came meanwhile. */
static void give_back(struct event_queue *q, struct queued_event *e)
{
	pthread_mutex_lock(&q->mutex);
	queue_insert_head(&q->pending, &e->link);
	if (e->kind == YCDL__EVENT__KIND_PROGRESS && e->key &&
	    !strmap_get(&q->progress_by_key, e->key))
		(void)strmap_put(&q->progress_by_key, e->key, e);
	signal_pending(q);
	pthread_mutex_unlock(&q->mutex);
}

/* One event at a time, borrowed from its node: the callback may call the
 * session, whose events then follow this one. */
static void deliver_to_callback(evutil_socket_t fd, short what, void *arg)
{
	struct event_queue *q = arg;
	struct queued_event *e;

	(void)fd;
	(void)what;
	while ((e = take(q)) != NULL) {
		q->callback(e->data, e->len, q->callback_payload);
		free(e);
	}
}

int event_queue_pop(struct event_queue *q, void **data, size_t *len)
{
	struct queued_event *e = take(q);
	void *copy;

	if (!e)
		return YCDL_E_AGAIN;
	/* Hand out a plain buffer so callers free it without knowing the node. */
	if (!(copy = malloc(e->len ? e->len : 1))) {
		give_back(q, e);
		return error_set(YCDL_E_NOMEM, "out of memory");
	}
	memcpy(copy, e->data, e->len);
	*data = copy;
	*len = e->len;
	free(e);
	return 0;
}
