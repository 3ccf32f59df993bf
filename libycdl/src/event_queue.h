/* event_queue.h — the queue of encoded events between the loop thread,
 * which pushes, and the application, which pops: pollable through a pipe,
 * or drained into a callback on the loop thread, and bounded to one pending
 * progress event per task. */
#ifndef YCDL_EVENT_QUEUE_H
#define YCDL_EVENT_QUEUE_H

#include "queue.h"
#include "strmap.h"
#include "ycdl.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event;
struct event_base;
struct Ycdl__Event;

/* One encoded event. Progress and removed events also keep their task key
 * (after the encoding), which coalescing looks them up by. */
struct queued_event {
	struct queue link;
	int kind;                     /* Ycdl__Event__KindCase */
	const char *key;              /* progress and removed: the task key */
	uint64_t burst;               /* progress: bytes_this_burst */
	uint32_t coalesced;           /* progress: coalesced */
	size_t len;
	unsigned char data[];
};

struct event_queue {
	pthread_mutex_t mutex;
	/* Under the mutex: the events in order, and the one pending progress
	 * event of each task (by key) that a newer one replaces. */
	struct queue pending;
	struct strmap progress_by_key;
	int pipe_read, pipe_write;    /* readable iff the queue is non-empty */
	bool signalled;
	struct event *deliver;        /* drains to the callback, if any */
	ycdl_event_cb callback;
	void *callback_payload;
	bool ready;                   /* initialised: safe to free */
};

/* With a callback, events are handed to it on the loop thread of base as
 * soon as the current callback returns; without, they wait for a pop. */
int event_queue_init(struct event_queue *q, struct event_base *base,
		ycdl_event_cb callback, void *payload);
void event_queue_free(struct event_queue *q);

/* One queued event for ev: encoded here when encoded is NULL, else a copy
 * of encoded (len bytes), which is ev's encoding. NULL when out of
 * memory. */
struct queued_event *queued_event_new(const struct Ycdl__Event *ev,
		const void *encoded, size_t len);

/* Appends e (the queue owns it now). A progress event replaces the one
 * its task has pending, if any; its burst and coalesced count then include
 * the replaced one's. Loop thread only: the one producer. */
void event_queue_push(struct event_queue *q, struct queued_event *e);

/* Makes the event fd readable if events wait and it is not yet: called once
 * per turn of the loop, so a burst of events wakes the consumer once. */
void event_queue_signal(struct event_queue *q);

/* Takes the next encoded event (malloc'ed) or returns YCDL_E_AGAIN. */
int event_queue_pop(struct event_queue *q, void **data, size_t *len);

#endif
