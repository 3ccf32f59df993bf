/* client.c — see client.h.
 *
 * Threads: the connection (a bufferevent) is the loop thread's. A call
 * from an application thread registers itself under the client's mutex,
 * has the loop thread send its frame (loop_call), and waits for its answer
 * on the mutex's condition; the loop thread hands each answer to its call
 * by id. A call keeps its frame until answered, so that after the owner
 * went away it is sent again to the next one (a request the old owner ran
 * but did not answer runs twice: adding is idempotent, and so are pause,
 * resume and the settings; a second remove answers YCDL_E_NOT_FOUND). */
#define _GNU_SOURCE
#include "client.h"

#include "error.h"
#include "events.h"
#include "ipc_socket.h"
#include "lock.h"
#include "loop.h"
#include "queue.h"
#include "session.h"
#include "util.h"
#include "wire.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How long a handle whose owner went away looks for a new one (another
 * handle taking over) before it takes the session over itself or, without
 * takeover, gives up. */
#define OWNER_SEARCH_MS 30000
#define RECONNECT_EVERY_MS 50

struct client_call {
	uint64_t id;
	unsigned char *frame;      /* the request, framed, until answered */
	size_t frame_len;
	bool sent;                 /* to the connection we have now */
	bool done;
	int result;                /* 0, CLIENT_OWNER_NOW or YCDL_E_* */
	Ycdl__Wire__ServerMessage *answer;
	struct queue link;
};

struct client {
	struct ycdl_session *session;
	char *name;
	client_take_over_fn take_over;
	struct bufferevent *bev;   /* loop thread; NULL while disconnected */
	struct event *search;      /* looks for a new owner, every 50 ms */
	int64_t lost_ms;           /* when the owner went */
	pthread_mutex_t mutex;
	pthread_cond_t changed;    /* an answer came, or the state changed */
	struct queue calls;        /* client_call: under the mutex */
	uint64_t next_id;          /* under the mutex */
	bool welcomed;             /* under the mutex */
	bool owner_now;            /* took over; under the mutex */
	int gone;                  /* YCDL_E_* once the owner is gone for good */
	char gone_reason[256];     /* under the mutex */
	int owner_pid;
	/* A handle's events are numbered in one increasing sequence, across
	 * owners: the first owner's numbers pass through; a later owner's
	 * (which starts again) are shifted past the last one seen. */
	uint64_t last_seq;
	uint64_t seq_offset;
};

/* ------------------------------------------------------------ frames */

/* A message as one frame in a new buffer. */
static int frame_of(const ProtobufCMessage *msg, unsigned char **out, size_t *len)
{
	size_t n = protobuf_c_message_get_packed_size(msg);
	unsigned char *frame = malloc(n + 4);

	if (!frame)
		return error_set(YCDL_E_NOMEM, "out of memory");
	frame[0] = (unsigned char)n;
	frame[1] = (unsigned char)(n >> 8);
	frame[2] = (unsigned char)(n >> 16);
	frame[3] = (unsigned char)(n >> 24);
	protobuf_c_message_pack(msg, frame + 4);
	*out = frame;
	*len = n + 4;
	return 0;
}

static int send_hello(struct client *c)
{
	Ycdl__Wire__ClientMessage msg = YCDL__WIRE__CLIENT_MESSAGE__INIT;
	Ycdl__Wire__Hello hello = YCDL__WIRE__HELLO__INIT;

	hello.protocol = YCDL__WIRE__PROTOCOL_VERSION__PROTOCOL_VERSION_1;
	hello.library_version = (char *)YCDL_VERSION_STRING;
	hello.client_name = c->name;
	hello.events = c->session->cfg.receive_events;
	msg.kind_case = YCDL__WIRE__CLIENT_MESSAGE__KIND_HELLO;
	msg.hello = &hello;
	return wire_write(bufferevent_get_output(c->bev), &msg.base);
}

/* Sends every call not yet sent on this connection (loop thread). */
static void send_waiting(struct client *c)
{
	struct queue *q;

	pthread_mutex_lock(&c->mutex);
	QUEUE_FOREACH(q, &c->calls) {
		struct client_call *call = QUEUE_DATA(q, struct client_call, link);

		if (call->sent || !c->bev || !c->welcomed)
			continue;
		if (bufferevent_write(c->bev, call->frame, call->frame_len) == 0)
			call->sent = true;
	}
	pthread_mutex_unlock(&c->mutex);
}

/* Ends every waiting call with result (mutex held). */
static void end_calls(struct client *c, int result)
{
	struct queue *q;

	QUEUE_FOREACH(q, &c->calls) {
		struct client_call *call = QUEUE_DATA(q, struct client_call, link);

		/* An answered call keeps its answer: the owner may go between
		 * answering and the caller's thread waking up. */
		if (call->done)
			continue;
		call->done = true;
		call->result = result;
	}
	pthread_cond_broadcast(&c->changed);
}

/* ------------------------------------------------------------ reading */

/* Queues one of the owner's events for the application, renumbered when
 * this is not the first owner. Decoded either way: the queue coalesces
 * progress by task key. */
static void queue_event(struct client *c, const uint8_t *data, size_t len)
{
	struct event_stream *st = &c->session->events;
	Ycdl__Event *e;
	uint8_t *copy;
	size_t n;

	if (!(e = ycdl__event__unpack(NULL, len, data)))
		return;
	e->seq += c->seq_offset;
	c->last_seq = e->seq;
	if (c->seq_offset == 0) {
		(void)events_push_encoded(st, e, data, len);
	} else if ((copy = malloc((n = ycdl__event__get_packed_size(e)) ? n : 1))) {
		ycdl__event__pack(e, copy);
		(void)events_push_encoded(st, e, copy, n);
		free(copy);
	}
	ycdl__event__free_unpacked(e, NULL);
}

/* An event of this handle's own (the owner went, or another came): after
 * every number seen so far. */
static void say_role(struct client *c, int role, const char *reason)
{
	struct ycdl_session *s = c->session;

	s->events.next_seq = c->last_seq + 1;
	emit_role_changed(s, role, reason);
	c->last_seq = s->events.next_seq - 1;
	c->seq_offset = c->last_seq;
}

static void on_answer(struct client *c, Ycdl__Wire__ServerMessage *msg)
{
	struct queue *q;

	pthread_mutex_lock(&c->mutex);
	QUEUE_FOREACH(q, &c->calls) {
		struct client_call *call = QUEUE_DATA(q, struct client_call, link);

		if (call->id == msg->response->id && !call->done) {
			call->answer = msg;
			call->done = true;
			pthread_cond_broadcast(&c->changed);
			pthread_mutex_unlock(&c->mutex);
			return;
		}
	}
	pthread_mutex_unlock(&c->mutex);
	ycdl__wire__server_message__free_unpacked(msg, NULL);
}

static void on_welcome(struct client *c, const Ycdl__Wire__Welcome *w)
{
	bool again;

	c->owner_pid = w->owner_pid;
	pthread_mutex_lock(&c->mutex);
	again = c->lost_ms != 0;
	c->welcomed = true;
	c->lost_ms = 0;
	pthread_cond_broadcast(&c->changed);
	pthread_mutex_unlock(&c->mutex);
	if (again)
		say_role(c, YCDL_ROLE_CLIENT, "the owner went away: attached to the "
				"handle that took the session over");
	send_waiting(c);
}

/* One message from the owner; false when the connection must go. */
static bool on_message(struct client *c, const uint8_t *data, size_t len)
{
	Ycdl__Wire__ServerMessage *msg =
		ycdl__wire__server_message__unpack(NULL, len, data);

	if (!msg)
		return false;
	switch (msg->kind_case) {
	case YCDL__WIRE__SERVER_MESSAGE__KIND_RESPONSE:
		on_answer(c, msg);      /* takes msg */
		return true;
	case YCDL__WIRE__SERVER_MESSAGE__KIND_EVENT:
		queue_event(c, msg->event.data, msg->event.len);
		break;
	case YCDL__WIRE__SERVER_MESSAGE__KIND_WELCOME:
		on_welcome(c, msg->welcome);
		break;
	case YCDL__WIRE__SERVER_MESSAGE__KIND_GOODBYE:
		pthread_mutex_lock(&c->mutex);
		snprintf(c->gone_reason, sizeof(c->gone_reason), "%s",
				msg->goodbye->reason);
		pthread_mutex_unlock(&c->mutex);
		break;
	default:
		break;      /* from a newer owner: ignored */
	}
	ycdl__wire__server_message__free_unpacked(msg, NULL);
	return true;
}

static void owner_lost(struct client *c);

/* Every whole frame read so far; false when the connection must go. */
static bool take_frames(struct client *c, struct evbuffer *in)
{
	uint8_t *data;
	size_t len;
	int rc;

	while ((rc = wire_read(in, WIRE_MAX_SERVER_FRAME, &data, &len)) == 1) {
		bool ok = on_message(c, data, len);

		free(data);
		if (!ok)
			return false;
	}
	return rc >= 0;
}

static void on_read(struct bufferevent *bev, void *arg)
{
	if (!take_frames(arg, bufferevent_get_input(bev)))
		owner_lost(arg);
}

/* A write can fail (the owner closed) before its last words were read:
 * they are still in the socket, and say why it went. The bufferevent
 * freezes its input's end for its own reads; it will read no more. */
static void take_last_words(struct client *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	int fd = bufferevent_getfd(c->bev);

	(void)evbuffer_unfreeze(in, 0);
	while (evbuffer_get_length(in) < WIRE_MAX_SERVER_FRAME + 4 &&
	       evbuffer_read(in, fd, 64 * 1024) > 0)
		;
	(void)take_frames(c, in);
}

static void on_connection_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & BEV_EVENT_ERROR)
		take_last_words(arg);
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		owner_lost(arg);
}

/* ------------------------------------------------------------ the owner goes */

static int attach_bufferevent(struct client *c, int fd)
{
	c->bev = bufferevent_socket_new(c->session->loop.base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		close(fd);
		return error_set(YCDL_E_NOMEM, "out of memory");
	}
	bufferevent_setcb(c->bev, on_read, NULL, on_connection_event, c);
	if (bufferevent_enable(c->bev, EV_READ | EV_WRITE) != 0 || send_hello(c) != 0) {
		bufferevent_free(c->bev);
		c->bev = NULL;
		return error_set(YCDL_E_NOMEM, "out of memory");
	}
	return 0;
}

/* Nobody took over and nobody will: every call ends with the reason. */
static void give_up(struct client *c, const char *why)
{
	pthread_mutex_lock(&c->mutex);
	c->gone = YCDL_E_CLOSED;
	if (!c->gone_reason[0])
		snprintf(c->gone_reason, sizeof(c->gone_reason), "%s", why);
	end_calls(c, YCDL_E_CLOSED);
	pthread_mutex_unlock(&c->mutex);
	say_role(c, 0, c->gone_reason);
}

/* The lock is free: this handle becomes the owner. */
static bool try_take_over(struct client *c)
{
	struct ycdl_session *s = c->session;

	if (lock_acquire(s->dir, &s->lock_fd) != 0)
		return false;
	s->events.next_seq = c->last_seq + 1;   /* the numbering goes on */
	if (c->take_over(s) != 0) {
		char why[512];

		snprintf(why, sizeof(why), "the owner went away and taking the "
				"session over failed: %s", ycdl_last_error_message());
		lock_release(s->lock_fd);
		s->lock_fd = -1;
		give_up(c, why);
		return true;
	}
	pthread_mutex_lock(&c->mutex);
	c->owner_now = true;
	end_calls(c, CLIENT_OWNER_NOW);
	pthread_mutex_unlock(&c->mutex);
	return true;
}

/* Every 50 ms after the owner went: take over when the lock is free (and
 * takeover is allowed), else attach to whoever holds it, else wait. */
static void on_search(evutil_socket_t fd_unused, short what, void *arg)
{
	struct client *c = arg;
	struct ycdl_session *s = c->session;
	struct timeval every = { 0, RECONNECT_EVERY_MS * 1000 };
	int fd;

	(void)fd_unused;
	(void)what;
	if (s->closing)
		return;
	if (s->cfg.takeover && try_take_over(c))
		return;
	if (ipc_connect(s->dir, &fd) == 0) {
		if (attach_bufferevent(c, fd) == 0)
			return;         /* the welcome says the rest */
	}
	if (util_monotonic_ms() - c->lost_ms > OWNER_SEARCH_MS) {
		give_up(c, "the owner went away and no other took its place");
		return;
	}
	evtimer_add(c->search, &every);
}

static void owner_lost(struct client *c)
{
	struct queue *q;

	if (c->bev) {
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	c->seq_offset = c->last_seq;   /* the next owner counts from 1 again */
	pthread_mutex_lock(&c->mutex);
	c->welcomed = false;
	c->lost_ms = util_monotonic_ms();
	QUEUE_FOREACH(q, &c->calls)
		QUEUE_DATA(q, struct client_call, link)->sent = false;
	pthread_mutex_unlock(&c->mutex);
	if (c->session->closing || c->gone)
		return;
	if (!c->session->cfg.takeover) {
		give_up(c, "the owner went away (this handle does not take over)");
		return;
	}
	on_search(-1, 0, c);
}

/* ------------------------------------------------------------ API side */

int client_connect(struct ycdl_session *s, const char *name,
		client_take_over_fn take_over)
{
	struct client *c = calloc(1, sizeof(*c));
	int fd, rc;

	if (!c)
		return error_set(YCDL_E_NOMEM, "out of memory");
	c->session = s;
	c->take_over = take_over;
	queue_init(&c->calls);
	pthread_mutex_init(&c->mutex, NULL);
	pthread_cond_init(&c->changed, NULL);
	s->client = c;
	if (!(c->name = strdup(name ? name : "")) ||
	    !(c->search = evtimer_new(s->loop.base, on_search, c)))
		return error_set(YCDL_E_NOMEM, "out of memory");
	if ((rc = ipc_connect(s->dir, &fd)) != 0)
		return rc;
	return attach_bufferevent(c, fd);
}

int client_wait_welcome(struct ycdl_session *s, int timeout_ms)
{
	struct client *c = s->client;
	int64_t deadline = util_monotonic_ms() + timeout_ms;
	int rc = 0;

	pthread_mutex_lock(&c->mutex);
	while (!c->welcomed && !c->gone && !c->owner_now) {
		int64_t left = deadline - util_monotonic_ms();
		struct timespec ts;

		if (left <= 0) {
			rc = error_set(YCDL_E_TIMEOUT, "the owner of %s did not answer "
					"within %d ms", s->identifier, timeout_ms);
			break;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += left / 1000;
		ts.tv_nsec += (left % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&c->changed, &c->mutex, &ts);
	}
	if (rc == 0 && c->gone)
		rc = error_set(c->gone, "%s", c->gone_reason);
	pthread_mutex_unlock(&c->mutex);
	return rc;
}

static int send_on_loop(struct ycdl_session *s, void *arg)
{
	(void)arg;
	send_waiting(s->client);
	return 0;
}

/* Registers call for req (its id set), or says why not (mutex held). */
static int enlist(struct client *c, struct client_call *call,
		Ycdl__Wire__Request *req)
{
	Ycdl__Wire__ClientMessage msg = YCDL__WIRE__CLIENT_MESSAGE__INIT;

	if (c->owner_now)
		return CLIENT_OWNER_NOW;
	if (c->gone)
		return error_set(c->gone, "%s", c->gone_reason);
	req->id = call->id = ++c->next_id;
	msg.kind_case = YCDL__WIRE__CLIENT_MESSAGE__KIND_REQUEST;
	msg.request = req;
	if (frame_of(&msg.base, &call->frame, &call->frame_len) != 0)
		return YCDL_E_NOMEM;
	queue_insert_tail(&c->calls, &call->link);
	return 0;
}

/* How long a call from the event callback waits for the owner's answer. */
#define CALLBACK_CALL_MS 30000

/* Waits until fd is ready for events, or the deadline; false on timeout. */
static bool wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { fd, events, 0 };
	int64_t left;

	while ((left = deadline - util_monotonic_ms()) > 0) {
		int n = poll(&p, 1, (int)left);

		if (n > 0)
			return true;
		if (n < 0 && errno != EINTR)
			return false;
	}
	return false;
}

/* Writes what waits in the output now, past the bufferevent (which keeps
 * the front of its output frozen for its own writes). */
static int flush_now(struct client *c, int64_t deadline)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	int fd = bufferevent_getfd(c->bev), rc = 0;

	(void)evbuffer_unfreeze(out, 1);
	while (rc == 0 && evbuffer_get_length(out) > 0) {
		if (evbuffer_write(out, fd) >= 0)
			continue;
		if ((errno != EAGAIN && errno != EWOULDBLOCK) || !wait_fd(fd, POLLOUT, deadline))
			rc = error_set(YCDL_E_CLOSED, "the owner went away");
	}
	(void)evbuffer_freeze(out, 1);
	return rc;
}

/* Reads and takes frames until call is answered. Events read meanwhile are
 * queued as usual (delivered after the callback returns); an end of the
 * connection is left for the bufferevent to find, which it will. */
static int read_until_answered(struct client *c, struct client_call *call,
		int64_t deadline)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	int fd = bufferevent_getfd(c->bev), rc = 0;

	(void)evbuffer_unfreeze(in, 0);
	while (rc == 0 && !call->done) {
		int n;

		if (!take_frames(c, in))
			rc = error_set(YCDL_E_CLOSED, "the owner went away");
		else if (call->done)
			break;
		else if ((n = evbuffer_read(in, fd, 64 * 1024)) == 0 ||
			 (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
			rc = error_set(YCDL_E_CLOSED, "the owner went away");
		else if (n < 0 && !wait_fd(fd, POLLIN, deadline))
			rc = error_set(YCDL_E_TIMEOUT, "the owner did not answer within "
					"%d ms", CALLBACK_CALL_MS);
	}
	(void)evbuffer_freeze(in, 0);
	return rc;
}

/* A call from the event callback, on the loop thread: it cannot wait for
 * the loop to send and read, so it does both itself, synchronously. */
static int call_on_loop(struct client *c, struct client_call *call,
		Ycdl__Wire__ServerMessage **out)
{
	int64_t deadline = util_monotonic_ms() + CALLBACK_CALL_MS;
	int rc;

	if (!c->bev || !c->welcomed)
		rc = error_set(YCDL_E_STATE, "the owner went away and the next one "
				"is not attached yet: try again after this callback");
	else {
		send_waiting(c);
		if ((rc = flush_now(c, deadline)) == 0)
			rc = read_until_answered(c, call, deadline);
	}
	pthread_mutex_lock(&c->mutex);
	queue_remove(&call->link);
	pthread_mutex_unlock(&c->mutex);
	free(call->frame);
	if (rc == 0 && call->result < 0)
		rc = error_set(call->result, "%s", c->gone_reason);
	*out = rc == 0 ? call->answer : NULL;
	if (rc != 0 && call->answer)
		ycdl__wire__server_message__free_unpacked(call->answer, NULL);
	return rc ? rc : call->result;
}

int client_request(struct ycdl_session *s, Ycdl__Wire__Request *req,
		Ycdl__Wire__ServerMessage **out)
{
	struct client *c = s->client;
	struct client_call call = { 0 };
	int rc;

	if (loop_on_thread(&s->loop)) {
		pthread_mutex_lock(&c->mutex);
		rc = enlist(c, &call, req);
		pthread_mutex_unlock(&c->mutex);
		return rc != 0 ? rc : call_on_loop(c, &call, out);
	}
	pthread_mutex_lock(&c->mutex);
	rc = enlist(c, &call, req);
	pthread_mutex_unlock(&c->mutex);
	if (rc != 0)
		return rc;
	if ((rc = loop_call(&s->loop, send_on_loop, NULL)) != 0) {
		pthread_mutex_lock(&c->mutex);
		queue_remove(&call.link);
		pthread_mutex_unlock(&c->mutex);
		free(call.frame);
		return rc;
	}
	pthread_mutex_lock(&c->mutex);
	while (!call.done)
		pthread_cond_wait(&c->changed, &c->mutex);
	queue_remove(&call.link);
	if (call.result < 0)
		error_set(call.result, "%s", c->gone_reason);
	pthread_mutex_unlock(&c->mutex);
	free(call.frame);
	*out = call.answer;
	return call.result;
}

int client_owner_pid(const struct ycdl_session *s)
{
	return s->client ? s->client->owner_pid : 0;
}

void client_free(struct ycdl_session *s)
{
	struct client *c = s->client;

	if (!c)
		return;
	pthread_mutex_lock(&c->mutex);
	c->gone = YCDL_E_CLOSED;
	snprintf(c->gone_reason, sizeof(c->gone_reason), "the session is closed");
	end_calls(c, YCDL_E_CLOSED);
	pthread_mutex_unlock(&c->mutex);
	if (c->bev)
		bufferevent_free(c->bev);
	if (c->search)
		event_free(c->search);
	pthread_mutex_destroy(&c->mutex);
	pthread_cond_destroy(&c->changed);
	free(c->name);
	free(c);
	s->client = NULL;
}
