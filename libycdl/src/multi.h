/* multi.h — libcurl's multi *socket* interface driven by the session's
 * libevent loop: curl says which sockets to watch and when to wake it;
 * libevent watches; activity goes back through curl_multi_socket_action. */
#ifndef YCDL_MULTI_H
#define YCDL_MULTI_H

#include <curl/curl.h>

struct event;
struct event_base;

/* Called for each easy handle whose request curl finished, with its
 * result; the handle is still in the multi (take it out with
 * multi_remove). Never inside a curl callback. */
typedef void (*multi_done_fn)(CURL *easy, CURLcode result, void *arg);

struct multi {
	CURLM *handle;
	struct event *timer;
	struct event_base *base;
	multi_done_fn done;
	void *done_arg;
	int running;
	CURL **idle;            /* finished easy handles, reset, for reuse */
	size_t idle_count, idle_room, idle_max;
};

int multi_init(struct multi *m, struct event_base *base, multi_done_fn done,
		void *done_arg);
void multi_free(struct multi *m);

/* Keeps up to 4 idle connections per download slot. curl's own default is
 * 4 per transfer in the multi at the time, so when every slot waits for a
 * group commit (commit.c) and the multi is briefly empty, it would close
 * every idle connection and the next files would connect anew. */
void multi_keep_connections(struct multi *m, unsigned int slots);
/* At most n connections to one host at once (0: no cap); the transfers
 * beyond wait inside curl for one to be free. */
void multi_cap_host_connections(struct multi *m, unsigned int n);

/* An easy handle in curl's initial state: a kept one when there is one,
 * else a new one; NULL when out of memory. */
CURL *multi_take_easy(struct multi *m);
/* Takes back an easy handle that is out of the multi: reset and kept for
 * the next transfer (up to one per slot), else cleaned up. */
void multi_give_back_easy(struct multi *m, CURL *easy);
int multi_add(struct multi *m, CURL *easy);
/* Never call from inside a curl callback. */
void multi_remove(struct multi *m, CURL *easy);

#endif
