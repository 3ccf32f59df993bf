/* server.c — see server.h. */
#define _GNU_SOURCE
#include "server.h"

#include "api_add.h"
#include "api_group.h"
#include "api_query.h"
#include "api_settings.h"
#include "api_task.h"
#include "error.h"
#include "events.h"
#include "ipc_socket.h"
#include "naming.h"
#include "queue.h"
#include "session.h"
#include "strmap.h"
#include "util.h"
#include "wire.h"

#include <errno.h>
#include <poll.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* More clients than this are told goodbye at once. */
#define MAX_CLIENTS 256
/* A client told goodbye has this long to read what it was sent. */
#define LEAVING_MS 30000

/* A progress event held back for a client that fell behind: the newest of
 * its task replaces an older one. */
struct held_progress {
	char *key;
	unsigned char *frame;
	size_t len;
	struct queue link;         /* in the client's held list, oldest first */
};

struct client_conn {
	struct server *server;
	struct bufferevent *bev;
	uint64_t id;
	char name[64];
	bool hello;                /* its hello came */
	bool events;               /* it wants the session's events */
	bool leaving;              /* told goodbye: gone once that is read */
	struct event *linger;      /* ... or after LEAVING_MS anyway */
	struct strmap held_by_key; /* held_progress by task key */
	struct queue held;
	struct queue link;         /* in the server's clients */
};

struct server {
	struct ycdl_session *session;
	struct event *announce;    /* tells the owner how many clients there
				      are, outside whatever changed it */
	size_t coalesce_from;      /* SERVER_COALESCE_FROM, or a test's */
	size_t disconnect_from;    /* SERVER_DISCONNECT_FROM, or a test's */
	int sndbuf;                /* a test's small socket buffer, or 0 */
	int fd;
	struct event *accept;
	struct queue clients;
	unsigned int count;
	uint64_t next_id;
};

/* ------------------------------------------------------------ clients */

/* A clients_changed event, from its own callback: a client may be let go
 * while an event is being sent on, and a second event emitted in the middle
 * of the first would come before it. */
static void announce(struct server *sv)
{
	if (!sv->session->closing && sv->announce)
		event_active(sv->announce, 0, 0);
}

static void on_announce(evutil_socket_t fd, short what, void *arg)
{
	struct server *sv = arg;

	(void)fd;
	(void)what;
	if (!sv->session->closing)
		emit_clients_changed(sv->session, sv->count);
}

static void drop_held(struct client_conn *cc, struct held_progress *h)
{
	strmap_remove(&cc->held_by_key, h->key);
	queue_remove(&h->link);
	free(h->key);
	free(h->frame);
	free(h);
}

static void close_client(struct client_conn *cc)
{
	struct server *sv = cc->server;
	struct queue *q;

	while ((q = queue_first(&cc->held)) != NULL)
		drop_held(cc, QUEUE_DATA(q, struct held_progress, link));
	strmap_free(&cc->held_by_key);
	queue_remove(&cc->link);
	if (cc->bev)
		bufferevent_free(cc->bev);
	if (cc->linger)
		event_free(cc->linger);
	free(cc);
	sv->count--;
	sv->session->clients = sv->count;
	announce(sv);
}

static void on_linger(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	close_client(arg);
}

/* Tells cc why it is let go, after what it was sent already (nothing more
 * is added), and closes once it has read that — or after LEAVING_MS, so a
 * client that reads nothing costs no more than what it holds now. */
static void say_goodbye(struct client_conn *cc, const char *reason)
{
	Ycdl__Wire__ServerMessage msg = YCDL__WIRE__SERVER_MESSAGE__INIT;
	Ycdl__Wire__Goodbye bye = YCDL__WIRE__GOODBYE__INIT;
	struct timeval grace = { LEAVING_MS / 1000, 0 };

	if (cc->leaving)
		return;
	bye.reason = (char *)reason;
	msg.kind_case = YCDL__WIRE__SERVER_MESSAGE__KIND_GOODBYE;
	msg.goodbye = &bye;
	cc->leaving = true;
	if (wire_write(bufferevent_get_output(cc->bev), &msg.base) != 0 ||
	    !(cc->linger = evtimer_new(cc->server->session->loop.base, on_linger, cc))) {
		close_client(cc);
		return;
	}
	evtimer_add(cc->linger, &grace);
	bufferevent_disable(cc->bev, EV_READ);
	bufferevent_setwatermark(cc->bev, EV_WRITE, 0, 0);
}

/* How long a closing owner keeps writing what its clients have not read
 * yet (an answer queued behind a big snapshot, say), in all. */
#define LAST_WORDS_MS 2000

/* Writes out while the client reads, until the deadline. */
static void drain(struct evbuffer *out, int fd, int64_t deadline)
{
	while (evbuffer_get_length(out) > 0) {
		struct pollfd p = { fd, POLLOUT, 0 };
		int64_t left = deadline - util_monotonic_ms();

		if (evbuffer_write(out, fd) >= 0)
			continue;
		if ((errno != EAGAIN && errno != EWOULDBLOCK) || left <= 0 ||
		    poll(&p, 1, (int)left) <= 0)
			return;
	}
}

/* The owner is closing: what the client has not read yet goes out (for
 * as long as the deadline allows), then the goodbye, then the client
 * goes. */
static void say_last_goodbye(struct client_conn *cc, const char *reason,
		int64_t deadline)
{
	Ycdl__Wire__ServerMessage msg = YCDL__WIRE__SERVER_MESSAGE__INIT;
	Ycdl__Wire__Goodbye bye = YCDL__WIRE__GOODBYE__INIT;
	struct evbuffer *out = bufferevent_get_output(cc->bev);

	bye.reason = (char *)reason;
	msg.kind_case = YCDL__WIRE__SERVER_MESSAGE__KIND_GOODBYE;
	msg.goodbye = &bye;
	if (!cc->leaving)
		(void)wire_write(out, &msg.base);
	/* A socket bufferevent keeps the front of its output frozen for its
	 * own writes; it will write no more, so these last writes drain it. */
	(void)evbuffer_unfreeze(out, 1);
	drain(out, bufferevent_getfd(cc->bev), deadline);
	close_client(cc);
}

static int send_message(struct client_conn *cc, Ycdl__Wire__ServerMessage *msg)
{
	return wire_write(bufferevent_get_output(cc->bev), &msg->base);
}

/* An event framed as a ServerMessage, in a new buffer. */
static int event_frame(const void *data, size_t len, unsigned char **frame,
		size_t *frame_len)
{
	Ycdl__Wire__ServerMessage msg = YCDL__WIRE__SERVER_MESSAGE__INIT;
	size_t n;

	msg.kind_case = YCDL__WIRE__SERVER_MESSAGE__KIND_EVENT;
	msg.event.data = (uint8_t *)data;
	msg.event.len = len;
	n = ycdl__wire__server_message__get_packed_size(&msg);
	if (!(*frame = malloc(n + 4)))
		return YCDL_E_NOMEM;
	(*frame)[0] = (unsigned char)n;
	(*frame)[1] = (unsigned char)(n >> 8);
	(*frame)[2] = (unsigned char)(n >> 16);
	(*frame)[3] = (unsigned char)(n >> 24);
	ycdl__wire__server_message__pack(&msg, *frame + 4);
	*frame_len = n + 4;
	return 0;
}

/* Sends the progress held back for key (all when key is NULL) while the
 * client has room, oldest first. */
static void release_held(struct client_conn *cc, const char *key)
{
	struct evbuffer *out = bufferevent_get_output(cc->bev);
	struct queue *q, *spare;

	if (key) {
		struct held_progress *h = strmap_get(&cc->held_by_key, key);

		if (h) {
			evbuffer_add(out, h->frame, h->len);
			drop_held(cc, h);
		}
		return;
	}
	QUEUE_FOREACH_SAFE(q, spare, &cc->held) {
		struct held_progress *h = QUEUE_DATA(q, struct held_progress, link);

		if (evbuffer_get_length(out) >= cc->server->coalesce_from)
			break;
		evbuffer_add(out, h->frame, h->len);
		drop_held(cc, h);
	}
}

/* Holds a progress event of key (replacing an older one held). */
static bool hold_progress(struct client_conn *cc, const char *key,
		unsigned char *frame, size_t len)
{
	struct held_progress *h = strmap_get(&cc->held_by_key, key);

	if (h) {
		free(h->frame);
		h->frame = frame;
		h->len = len;
		return true;
	}
	if (!(h = calloc(1, sizeof(*h))) || !(h->key = strdup(key)) ||
	    !strmap_put(&cc->held_by_key, h->key, h)) {
		if (h)
			free(h->key);
		free(h);
		return false;
	}
	h->frame = frame;
	h->len = len;
	queue_insert_tail(&cc->held, &h->link);
	return true;
}

/* One event to one client, within its bound: a client far behind has its
 * progress coalesced per task; one past the bound is disconnected. Every
 * other event goes out in order (after the progress held for its task). */
static void send_event(struct client_conn *cc, const Ycdl__Event *ev,
		const void *data, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(cc->bev);
	size_t waiting = evbuffer_get_length(out);
	unsigned char *frame;
	size_t frame_len;

	if (waiting >= cc->server->disconnect_from) {
		say_goodbye(cc, "the client does not read its events");
		return;
	}
	if (event_frame(data, len, &frame, &frame_len) != 0) {
		say_goodbye(cc, "the owner is out of memory");
		return;
	}
	if (ev->kind_case == YCDL__EVENT__KIND_PROGRESS &&
	    (waiting >= cc->server->coalesce_from || !queue_empty(&cc->held))) {
		if (!hold_progress(cc, ev->key, frame, frame_len)) {
			free(frame);
			say_goodbye(cc, "the owner is out of memory");
		}
		return;
	}
	if (ev->key && *ev->key)
		release_held(cc, ev->key);
	evbuffer_add(out, frame, frame_len);
	free(frame);
}

/* The session's event tap: every event to every client that wants it. */
static void on_event(void *arg, const Ycdl__Event *ev, const void *data, size_t len)
{
	struct server *sv = arg;
	struct queue *q, *spare;

	QUEUE_FOREACH_SAFE(q, spare, &sv->clients) {
		struct client_conn *cc = QUEUE_DATA(q, struct client_conn, link);

		if (cc->hello && cc->events && !cc->leaving)
			send_event(cc, ev, data, len);
	}
}

/* When a client that fell behind has read enough: its held progress. */
static void on_drained(struct bufferevent *bev, void *arg)
{
	struct client_conn *cc = arg;

	if (cc->leaving) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			close_client(cc);
		return;
	}
	release_held(cc, NULL);
}

/* ------------------------------------------------------------ hello */

/* The first event a client gets: every task as it is now. */
static int send_attached(struct client_conn *cc)
{
	struct ycdl_session *s = cc->server->session;
	Ycdl__Event ev = YCDL__EVENT__INIT;
	Ycdl__Attached attached = YCDL__ATTACHED__INIT;
	ycdl_task_info **infos = calloc(s->tasks.count ? s->tasks.count : 1,
			sizeof(*infos));
	Ycdl__TaskInfo *msgs = calloc(s->tasks.count ? s->tasks.count : 1,
			sizeof(*msgs));
	Ycdl__TaskInfo **ptrs = calloc(s->tasks.count ? s->tasks.count : 1,
			sizeof(*ptrs));
	size_t n = 0, len;
	unsigned char *data = NULL;
	int rc = YCDL_E_NOMEM;

	if (!infos || !msgs || !ptrs)
		goto out;
	for (struct task *t = tasks_first(&s->tasks); t; t = tasks_next(&s->tasks, t)) {
		if (!(infos[n] = api_query_info_of(s, t)))
			goto out;
		wire_info_message(&msgs[n], infos[n]);
		ptrs[n] = &msgs[n];
		n++;
	}
	attached.n_tasks = n;
	attached.tasks = ptrs;
	attached.owner_pid = (int32_t)getpid();
	ev.seq = events_last_seq(s);
	ev.timestamp_ms = util_wall_ms();
	ev.key = (char *)"";
	ev.kind_case = YCDL__EVENT__KIND_ATTACHED;
	ev.attached = &attached;
	len = ycdl__event__get_packed_size(&ev);
	if (!(data = malloc(len ? len : 1)))
		goto out;
	ycdl__event__pack(&ev, data);
	send_event(cc, &ev, data, len);
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(infos[i]);
	free(infos);
	free(msgs);
	free(ptrs);
	free(data);
	return rc;
}

static bool on_hello(struct client_conn *cc, const Ycdl__Wire__Hello *hello)
{
	Ycdl__Wire__ServerMessage msg = YCDL__WIRE__SERVER_MESSAGE__INIT;
	Ycdl__Wire__Welcome welcome = YCDL__WIRE__WELCOME__INIT;
	struct ycdl_session *s = cc->server->session;

	if (hello->protocol < YCDL__WIRE__PROTOCOL_VERSION__PROTOCOL_VERSION_1) {
		say_goodbye(cc, "unknown protocol version");
		return false;
	}
	snprintf(cc->name, sizeof(cc->name), "%s", hello->client_name);
	cc->hello = true;
	cc->events = hello->events;
	welcome.protocol = YCDL__WIRE__PROTOCOL_VERSION__PROTOCOL_VERSION_1;
	welcome.library_version = (char *)YCDL_VERSION_STRING;
	welcome.session = s->identifier;
	welcome.client_id = cc->id;
	welcome.owner_pid = (int32_t)getpid();
	msg.kind_case = YCDL__WIRE__SERVER_MESSAGE__KIND_WELCOME;
	msg.welcome = &welcome;
	if (send_message(cc, &msg) != 0 || (cc->events && send_attached(cc) != 0)) {
		say_goodbye(cc, "the owner is out of memory");
		return false;
	}
	return true;
}

/* ------------------------------------------------------------ requests */

static const enum task_op task_ops[] = {
	[YCDL__WIRE__OP__OP_START] = TASK_OP_START,
	[YCDL__WIRE__OP__OP_PAUSE] = TASK_OP_PAUSE,
	[YCDL__WIRE__OP__OP_CANCEL] = TASK_OP_CANCEL,
	[YCDL__WIRE__OP__OP_REMOVE] = TASK_OP_REMOVE,
	[YCDL__WIRE__OP__OP_SET_TASK_ALLOW_CELLULAR] = TASK_OP_SET_ALLOW_CELLULAR,
	[YCDL__WIRE__OP__OP_SET_PRIORITY] = TASK_OP_SET_PRIORITY,
	[YCDL__WIRE__OP__OP_SET_HEADERS] = TASK_OP_SET_HEADERS,
	[YCDL__WIRE__OP__OP_SET_URL] = TASK_OP_SET_URL,
};

static const enum setting settings[] = {
	[YCDL__WIRE__OP__OP_SET_MAX_CONCURRENT] = SETTING_MAX_CONCURRENT,
	[YCDL__WIRE__OP__OP_SET_NETWORK] = SETTING_NETWORK,
	[YCDL__WIRE__OP__OP_SET_ALLOW_CELLULAR] = SETTING_ALLOW_CELLULAR,
	[YCDL__WIRE__OP__OP_SET_MAX_RECV_SPEED] = SETTING_MAX_RECV_SPEED,
};

/* add: every item checked as ycdl_task_add_many checks it. */
static int run_add(struct ycdl_session *s, const Ycdl__Wire__Request *req,
		Ycdl__Wire__Response *res)
{
	size_t n = req->n_add;
	ycdl_task_options *opts = calloc(n ? n : 1, sizeof(*opts));
	const ycdl_task_options **items = calloc(n ? n : 1, sizeof(*items));
	int rc;

	if (n > WIRE_MAX_ADD)
		rc = error_set(YCDL_E_INVALID, "at most %d tasks per add request",
				WIRE_MAX_ADD);
	else if (!opts || !items || !(res->keys = calloc(n ? n : 1, sizeof(char *))) ||
		 !(res->codes = calloc(n ? n : 1, sizeof(int32_t))))
		rc = error_set(YCDL_E_NOMEM, "out of memory");
	else {
		for (size_t i = 0; i < n; i++) {
			wire_add_options(&opts[i], req->add[i]);
			items[i] = &opts[i];
		}
		res->n_keys = res->n_codes = n;
		/* Each item's result is in codes (the message is the first
		 * failing item's): the request itself went through. */
		(void)api_add_run(s, items, n, res->keys, res->codes);
		for (size_t i = 0; i < n; i++)
			if (!res->keys[i])
				res->keys[i] = util_empty_string();
		rc = 0;
	}
	free(opts);
	free(items);
	return rc;
}

/* A response, and the task infos its messages borrow from. */
struct reply {
	Ycdl__Wire__Response res;
	ycdl_task_info **infos;
	size_t count;
};

static int run_infos(struct ycdl_session *s, const Ycdl__Wire__Request *req,
		struct reply *r)
{
	struct query q = { .key = req->key, .mask = req->status_mask };
	int rc;

	if (req->op == YCDL__WIRE__OP__OP_GET_INFO) {
		if (!naming_key_is_valid(req->key))
			return error_set(YCDL_E_INVALID, "key must be 1..200 bytes "
					"without control characters");
		if ((rc = api_query_get_info(s, &q)) != 0)
			return rc;
		if (!(q.infos = malloc(sizeof(*q.infos)))) {
			free(q.info);
			return error_set(YCDL_E_NOMEM, "out of memory");
		}
		q.infos[0] = q.info;
		q.count = 1;
	} else if ((rc = api_query_list_info(s, &q)) != 0) {
		return rc;
	}
	r->infos = q.infos;
	r->count = q.count;
	if (!(r->res.infos = calloc(q.count ? q.count : 1, sizeof(*r->res.infos))))
		return error_set(YCDL_E_NOMEM, "out of memory");
	for (size_t i = 0; i < q.count; i++) {
		Ycdl__TaskInfo *m = malloc(sizeof(*m));

		if (!m)
			return error_set(YCDL_E_NOMEM, "out of memory");
		wire_info_message(m, q.infos[i]);
		r->res.infos[r->res.n_infos++] = m;
	}
	return 0;
}

static int run_keys(struct ycdl_session *s, const Ycdl__Wire__Request *req,
		Ycdl__Wire__Response *res)
{
	struct query q = { .mask = req->status_mask };
	int rc;

	if (req->op == YCDL__WIRE__OP__OP_FIND_BY_URL) {
		char *key = NULL;

		if ((rc = api_add_find(s, req->url, &key)) != 0)
			return rc;
		res->keys = calloc(1, sizeof(char *));
		if (!res->keys) {
			free(key);
			return error_set(YCDL_E_NOMEM, "out of memory");
		}
		res->keys[0] = key;
		res->n_keys = 1;
		return 0;
	}
	if ((rc = api_query_list(s, &q)) != 0)
		return rc;
	res->keys = q.keys;
	res->n_keys = q.count;
	return 0;
}

static int run_session_info(struct ycdl_session *s, Ycdl__Wire__Response *res)
{
	Ycdl__Wire__SessionInfo *info = calloc(1, sizeof(*info));

	if (!info)
		return error_set(YCDL_E_NOMEM, "out of memory");
	ycdl__wire__session_info__init(info);
	info->identifier = s->identifier;
	info->owner_pid = (int32_t)getpid();
	info->clients = s->clients;
	info->tasks = (uint32_t)s->tasks.count;
	info->pending = (uint32_t)tasks_pending(&s->tasks);
	res->session = info;
	return 0;
}

/* group_info: the figures, as a message the reply owns. */
static int run_group_info(struct ycdl_session *s, const Ycdl__Wire__Request *req,
		Ycdl__Wire__Response *res)
{
	ycdl_group_info *info = NULL;
	Ycdl__GroupFigures *m;
	int rc;

	if ((rc = api_group_get_info(s, req->group, &info)) != 0)
		return rc;
	if (!(m = malloc(sizeof(*m) + strlen(info->name) + 1))) {
		ycdl_free(info);
		return error_set(YCDL_E_NOMEM, "out of memory");
	}
	group_figures_message(m, info);
	m->group = strcpy((char *)(m + 1), info->name);
	ycdl_free(info);
	res->group = m;
	return 0;
}

/* group_list: "" names the groups, else the keys of one group's tasks. */
static int run_group_list(struct ycdl_session *s, const Ycdl__Wire__Request *req,
		Ycdl__Wire__Response *res)
{
	char **keys = NULL;
	size_t count = 0;
	int rc;

	rc = api_group_list(s, req->group[0] ? req->group : NULL, req->status_mask,
			&keys, &count);
	if (rc != 0)
		return rc;
	res->keys = keys;
	res->n_keys = count;
	return 0;
}

/* group_call: one of the task calls on every task of a group. */
static int run_group_call(struct ycdl_session *s, const Ycdl__Wire__Request *req)
{
	struct task_op_args args = { req->flags, (int)req->value, NULL, 0, NULL };
	Ycdl__Wire__Op op = req->group_op;

	if (req->value < INT32_MIN || req->value > INT32_MAX)
		return error_set(YCDL_E_INVALID, "value out of range");
	switch (op) {
	case YCDL__WIRE__OP__OP_START:
	case YCDL__WIRE__OP__OP_PAUSE:
	case YCDL__WIRE__OP__OP_CANCEL:
	case YCDL__WIRE__OP__OP_REMOVE:
	case YCDL__WIRE__OP__OP_SET_TASK_ALLOW_CELLULAR:
	case YCDL__WIRE__OP__OP_SET_PRIORITY:
		return api_group_run(s, req->group, task_ops[op], &args);
	default:
		return error_set(YCDL_E_UNSUPPORTED, "no group call %d", (int)op);
	}
}

static int run_request(struct client_conn *cc, const Ycdl__Wire__Request *req,
		struct reply *r)
{
	Ycdl__Wire__Response *res = &r->res;
	struct ycdl_session *s = cc->server->session;
	Ycdl__Wire__Op op = req->op;

	error_clear();
	switch (op) {
	case YCDL__WIRE__OP__OP_ADD:
		return run_add(s, req, res);
	case YCDL__WIRE__OP__OP_FIND_BY_URL:
	case YCDL__WIRE__OP__OP_LIST:
		return run_keys(s, req, res);
	case YCDL__WIRE__OP__OP_GET_INFO:
	case YCDL__WIRE__OP__OP_LIST_INFO:
		return run_infos(s, req, r);
	case YCDL__WIRE__OP__OP_SESSION_INFO:
		return run_session_info(s, res);
	case YCDL__WIRE__OP__OP_STOP:
		emit_stop_requested(s, cc->name);
		return 0;
	case YCDL__WIRE__OP__OP_START:
	case YCDL__WIRE__OP__OP_PAUSE:
	case YCDL__WIRE__OP__OP_CANCEL:
	case YCDL__WIRE__OP__OP_REMOVE:
	case YCDL__WIRE__OP__OP_SET_TASK_ALLOW_CELLULAR:
	case YCDL__WIRE__OP__OP_SET_PRIORITY:
	case YCDL__WIRE__OP__OP_SET_HEADERS:
	case YCDL__WIRE__OP__OP_SET_URL: {
		struct task_op_args args = {
			req->flags, (int)req->value,
			(const char *const *)req->headers, req->n_headers, req->url,
		};

		if (req->value < INT32_MIN || req->value > INT32_MAX)
			return error_set(YCDL_E_INVALID, "value out of range");
		return api_task_run(s, task_ops[op], req->key, &args);
	}
	case YCDL__WIRE__OP__OP_SET_MAX_CONCURRENT:
	case YCDL__WIRE__OP__OP_SET_NETWORK:
	case YCDL__WIRE__OP__OP_SET_ALLOW_CELLULAR:
	case YCDL__WIRE__OP__OP_SET_MAX_RECV_SPEED:
		return api_settings_run(s, settings[op], req->value);
	case YCDL__WIRE__OP__OP_SET_GROUP:
		return api_group_set(s, req->key, req->group[0] ? req->group : NULL);
	case YCDL__WIRE__OP__OP_GROUP_INFO:
		return run_group_info(s, req, res);
	case YCDL__WIRE__OP__OP_GROUP_LIST:
		return run_group_list(s, req, res);
	case YCDL__WIRE__OP__OP_GROUP_CALL:
		return run_group_call(s, req);
	default:
		return error_set(YCDL_E_UNSUPPORTED, "unknown request %d", (int)op);
	}
}

static void free_reply(struct reply *r)
{
	Ycdl__Wire__Response *res = &r->res;

	ycdl_task_info_list_free(r->infos, r->count);
	for (size_t i = 0; i < res->n_infos; i++)
		free(res->infos[i]);
	free(res->infos);
	for (size_t i = 0; i < res->n_keys; i++)
		util_free_string(res->keys[i]);
	free(res->keys);
	free(res->codes);
	free(res->session);
	free(res->group);
}

static bool on_request(struct client_conn *cc, Ycdl__Wire__Request *req)
{
	Ycdl__Wire__ServerMessage msg = YCDL__WIRE__SERVER_MESSAGE__INIT;
	struct reply r = { YCDL__WIRE__RESPONSE__INIT, NULL, 0 };
	int rc;

	r.res.id = req->id;
	r.res.code = run_request(cc, req, &r);
	r.res.message = (char *)ycdl_last_error_message();
	msg.kind_case = YCDL__WIRE__SERVER_MESSAGE__KIND_RESPONSE;
	msg.response = &r.res;
	rc = send_message(cc, &msg);
	free_reply(&r);
	if (rc != 0) {
		say_goodbye(cc, "the owner is out of memory");
		return false;
	}
	return true;
}

/* One message from a client; false when it was told goodbye. */
static bool on_client_message(struct client_conn *cc, const uint8_t *data, size_t len)
{
	Ycdl__Wire__ClientMessage *msg =
		ycdl__wire__client_message__unpack(NULL, len, data);
	bool ok;

	if (!msg) {
		say_goodbye(cc, "a message that does not decode");
		return false;
	}
	if (msg->kind_case == YCDL__WIRE__CLIENT_MESSAGE__KIND_HELLO && !cc->hello)
		ok = on_hello(cc, msg->hello);
	else if (msg->kind_case == YCDL__WIRE__CLIENT_MESSAGE__KIND_REQUEST && cc->hello)
		ok = on_request(cc, msg->request);
	else {
		say_goodbye(cc, cc->hello ? "an unexpected message"
				: "a request before the hello");
		ok = false;
	}
	ycdl__wire__client_message__free_unpacked(msg, NULL);
	return ok;
}

static void on_client_read(struct bufferevent *bev, void *arg)
{
	struct client_conn *cc = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t *data;
	size_t len;
	int rc;

	while ((rc = wire_read(in, WIRE_MAX_CLIENT_FRAME, &data, &len)) == 1) {
		bool ok = on_client_message(cc, data, len);

		free(data);
		if (!ok)
			return;     /* cc is gone */
	}
	if (rc < 0)
		say_goodbye(cc, "a frame over the size limit");
}

static void on_client_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		close_client(arg);
}

/* ------------------------------------------------------------ accepting */

static void add_client(struct server *sv, int fd)
{
	struct client_conn *cc;

	if (ipc_check_peer(fd) != 0 || sv->count >= MAX_CLIENTS ||
	    !(cc = calloc(1, sizeof(*cc)))) {
		close(fd);
		return;
	}
	cc->server = sv;
	cc->id = ++sv->next_id;
	strmap_init(&cc->held_by_key);
	queue_init(&cc->held);
	queue_insert_tail(&sv->clients, &cc->link);
	sv->count++;
	sv->session->clients = sv->count;
	cc->bev = bufferevent_socket_new(sv->session->loop.base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!cc->bev) {
		close(fd);
		close_client(cc);
		return;
	}
	bufferevent_setcb(cc->bev, on_client_read, on_drained, on_client_event, cc);
	/* Reading stops while a whole frame and its header wait: a client
	 * cannot make the owner buffer more than one request. */
	bufferevent_setwatermark(cc->bev, EV_READ, 0, WIRE_MAX_CLIENT_FRAME + 4);
	bufferevent_setwatermark(cc->bev, EV_WRITE, sv->coalesce_from / 2, 0);
	if (sv->sndbuf)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sv->sndbuf, sizeof(sv->sndbuf));
	bufferevent_enable(cc->bev, EV_READ | EV_WRITE);
	announce(sv);
}

static void on_accept(evutil_socket_t fd, short what, void *arg)
{
	struct server *sv = arg;
	int conn;

	(void)what;
	while ((conn = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
		add_client(sv, conn);
}

/* The bounds are far above what a test can make a client fall behind by
 * in seconds; tests set smaller ones (and a small socket buffer) with
 * YCDL_TEST_SERVER_LIMITS="COALESCE,DISCONNECT[,SNDBUF]". */
static void read_test_limits(struct server *sv)
{
	const char *limits = getenv("YCDL_TEST_SERVER_LIMITS");
	unsigned long coalesce, disconnect, sndbuf = 0;

	if (limits && sscanf(limits, "%lu,%lu,%lu", &coalesce, &disconnect, &sndbuf) >= 2 &&
	    coalesce > 0 && disconnect > coalesce) {
		sv->coalesce_from = coalesce;
		sv->disconnect_from = disconnect;
		sv->sndbuf = (int)sndbuf;
	}
}

int server_start(struct ycdl_session *s)
{
	struct server *sv = calloc(1, sizeof(*sv));
	int rc;

	if (!sv)
		return error_set(YCDL_E_NOMEM, "out of memory");
	sv->session = s;
	sv->fd = -1;
	sv->coalesce_from = SERVER_COALESCE_FROM;
	sv->disconnect_from = SERVER_DISCONNECT_FROM;
	read_test_limits(sv);
	queue_init(&sv->clients);
	s->server = sv;
	if ((rc = ipc_listen(s->dir, &sv->fd)) != 0)
		return rc;
	if (!(sv->announce = event_new(s->loop.base, -1, 0, on_announce, sv)) ||
	    !(sv->accept = event_new(s->loop.base, sv->fd, EV_READ | EV_PERSIST,
			on_accept, sv)) || event_add(sv->accept, NULL) != 0)
		return error_set(YCDL_E_NOMEM, "out of memory");
	s->events.tap = on_event;
	s->events.tap_arg = sv;
	return 0;
}

void server_stop(struct ycdl_session *s, const char *reason)
{
	struct server *sv = s->server;
	int64_t deadline = util_monotonic_ms() + LAST_WORDS_MS;
	struct queue *q;

	if (!sv)
		return;
	s->events.tap = NULL;
	if (sv->accept) {
		event_free(sv->accept);
		sv->accept = NULL;
	}
	if (sv->fd >= 0) {
		ipc_unlink(s->dir);
		close(sv->fd);
		sv->fd = -1;
	}
	while ((q = queue_first(&sv->clients)) != NULL)
		say_last_goodbye(QUEUE_DATA(q, struct client_conn, link), reason, deadline);
}

void server_free(struct ycdl_session *s)
{
	if (!s->server)
		return;
	server_stop(s, "the session is closed");
	if (s->server->announce)
		event_free(s->server->announce);
	free(s->server);
	s->server = NULL;
}
