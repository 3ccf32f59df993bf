/* multi.c — the glue between curl_multi_socket_action and libevent, in the
 * shape of curl's own multi-event example: one libevent event per socket
 * curl cares about, one timer, and a drain of finished transfers after each
 * action. */
#include "multi.h"

#include "error.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

struct socket_watch {
	struct event *ev;
	short kind;         /* what ev watches for */
};

/* Hands every finished transfer to its owner. Safe to add and remove
 * handles here: we are outside any curl callback. */
static void drain_finished(struct multi *m)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(m->handle, &left))) {
		if (msg->msg == CURLMSG_DONE)
			m->done(msg->easy_handle, msg->data.result, m->done_arg);
	}
}

static void on_socket(evutil_socket_t fd, short what, void *arg)
{
	struct multi *m = arg;
	int action = ((what & EV_READ) ? CURL_CSELECT_IN : 0) |
		((what & EV_WRITE) ? CURL_CSELECT_OUT : 0);

	curl_multi_socket_action(m->handle, fd, action, &m->running);
	drain_finished(m);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct multi *m = arg;

	(void)fd;
	(void)what;
	curl_multi_socket_action(m->handle, CURL_SOCKET_TIMEOUT, 0, &m->running);
	drain_finished(m);
}

static void unwatch(struct socket_watch *w)
{
	if (!w)
		return;
	if (w->ev)
		event_free(w->ev);
	free(w);
}

/* CURLMOPT_SOCKETFUNCTION: (re)arm or drop the watch on one socket. A
 * socket keeps its event while it lives; only a change of direction
 * re-arms it, so a kept connection costs no allocation per request. */
static int socket_changed(CURL *easy, curl_socket_t fd, int what, void *userp,
		void *socketp)
{
	struct multi *m = userp;
	struct socket_watch *w = socketp;
	short kind = EV_PERSIST;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		unwatch(w);
		curl_multi_assign(m->handle, fd, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (!w) {
		if (!(w = calloc(1, sizeof(*w))))
			return -1;
		if (!(w->ev = event_new(m->base, fd, kind, on_socket, m))) {
			free(w);
			return -1;
		}
		curl_multi_assign(m->handle, fd, w);
	} else if (w->kind != kind) {
		event_del(w->ev);
		if (event_assign(w->ev, m->base, fd, kind, on_socket, m) != 0)
			return -1;
	} else {
		return 0;
	}
	w->kind = kind;
	return event_add(w->ev, NULL) != 0 ? -1 : 0;
}

/* CURLMOPT_TIMERFUNCTION: one timer for the whole multi handle. */
static int timer_changed(CURLM *multi, long timeout_ms, void *userp)
{
	struct multi *m = userp;
	struct timeval tv;

	(void)multi;
	if (timeout_ms < 0)
		return evtimer_del(m->timer);
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	return evtimer_add(m->timer, &tv);
}

int multi_init(struct multi *m, struct event_base *base, multi_done_fn done,
		void *done_arg)
{
	memset(m, 0, sizeof(*m));
	m->base = base;
	m->done = done;
	m->done_arg = done_arg;
	m->handle = curl_multi_init();
	m->timer = evtimer_new(base, on_timeout, m);
	if (!m->handle || !m->timer)
		return error_set(YCDL_E_NOMEM, "cannot create the transfer multiplexer");
	curl_multi_setopt(m->handle, CURLMOPT_SOCKETFUNCTION, socket_changed);
	curl_multi_setopt(m->handle, CURLMOPT_SOCKETDATA, m);
	curl_multi_setopt(m->handle, CURLMOPT_TIMERFUNCTION, timer_changed);
	curl_multi_setopt(m->handle, CURLMOPT_TIMERDATA, m);
	/* HTTP/2 multiplexing when the server offers it. */
	curl_multi_setopt(m->handle, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	return 0;
}

void multi_cap_host_connections(struct multi *m, unsigned int n)
{
	curl_multi_setopt(m->handle, CURLMOPT_MAX_HOST_CONNECTIONS, (long)n);
}

void multi_keep_connections(struct multi *m, unsigned int slots)
{
	curl_multi_setopt(m->handle, CURLMOPT_MAXCONNECTS, 4L * (long)slots);
	m->idle_max = slots;
	while (m->idle_count > m->idle_max)
		curl_easy_cleanup(m->idle[--m->idle_count]);
}

CURL *multi_take_easy(struct multi *m)
{
	if (m->idle_count > 0)
		return m->idle[--m->idle_count];
	return curl_easy_init();
}

/* Creating and destroying a handle per file (the handle, its receive
 * buffer, its URL parser) was ~7 % of the loop's time on 10,000 small
 * files; a reset handle costs a fraction of that. */
void multi_give_back_easy(struct multi *m, CURL *easy)
{
	if (!easy)
		return;
	if (m->idle_count == m->idle_room && m->idle_room < m->idle_max) {
		CURL **idle = realloc(m->idle, m->idle_max * sizeof(*idle));

		if (idle) {
			m->idle = idle;
			m->idle_room = m->idle_max;
		}
	}
	if (m->idle_count >= m->idle_room || m->idle_count >= m->idle_max) {
		curl_easy_cleanup(easy);
		return;
	}
	curl_easy_reset(easy);
	m->idle[m->idle_count++] = easy;
}

void multi_free(struct multi *m)
{
	if (m->handle)
		curl_multi_cleanup(m->handle);
	while (m->idle_count > 0)
		curl_easy_cleanup(m->idle[--m->idle_count]);
	free(m->idle);
	if (m->timer)
		event_free(m->timer);
	memset(m, 0, sizeof(*m));
}

int multi_add(struct multi *m, CURL *easy)
{
	CURLMcode rc = curl_multi_add_handle(m->handle, easy);

	if (rc != CURLM_OK)
		return error_set(YCDL_E_INTERNAL, "curl_multi_add_handle: %s",
				curl_multi_strerror(rc));
	return 0;
}

void multi_remove(struct multi *m, CURL *easy)
{
	curl_multi_remove_handle(m->handle, easy);
}
