/* watch.c — reading the core's events on the JavaScript thread.
 *
 * A libuv poll handle watches the session's event fd (readable while events
 * are pending); on readiness the pending events are decoded into one array
 * and handed to the wrapper's onEvents function through napi_make_callback,
 * so promise reactions and async hooks run as after any I/O callback. The
 * handle keeps the process alive only while tasks are pending or events
 * wait to be delivered: an idle session never holds the process open. */
#include "addon.h"

#include <poll.h>
#include <stdlib.h>

/* At most this many events per wake-up, so that a flood cannot starve the
 * rest of the loop; the fd stays readable and the poll fires again. */
#define BATCH_MAX 1024

#define PENDING_STATUSES (YCDL_STATUS_BIT(YCDL_STATUS_WAITING) | \
	YCDL_STATUS_BIT(YCDL_STATUS_DOWNLOADING) | \
	YCDL_STATUS_BIT(YCDL_STATUS_WAITING_FOR_NETWORK))

static void on_closed(uv_handle_t *handle)
{
	free(handle);
}

static bool events_pending(struct native_session *ns)
{
	struct pollfd pfd = { .fd = -1, .events = POLLIN };

	if (ycdl_session_event_fd(&pfd.fd, ns->core) != 0)
		return false;
	return poll(&pfd, 1, 0) > 0;
}

/* Pending means what "all finished" means in the core: waiting,
 * downloading or waiting for a network. Paused and failed tasks never
 * hold the process. */
static bool count_pending_tasks(struct native_session *ns)
{
	char **keys;
	size_t count;

	if (ycdl_session_list(&keys, &count, ns->core, PENDING_STATUSES) != 0)
		return false;
	ycdl_keys_free(keys, count);
	return count > 0;
}

void watch_update(struct native_session *ns, bool recount)
{
	uint32_t refs;
	bool busy;

	/* Asking the core is a round trip to its loop thread, which may be in
	 * an fsync: only when the answer may have changed. Tasks first: a task
	 * that stops being pending has queued its status event by then, so the
	 * fd check that follows sees it. */
	if (recount)
		ns->tasks_pending = ns->core && count_pending_tasks(ns);
	busy = ns->core && (ns->tasks_pending || events_pending(ns));
	if (ns->poll) {
		if (busy && ns->keep_alive)
			uv_ref((uv_handle_t *)ns->poll);
		else
			uv_unref((uv_handle_t *)ns->poll);
	}
	if (busy == ns->busy)
		return;
	if (busy)
		napi_reference_ref(ns->env, ns->self, &refs);
	else
		napi_reference_unref(ns->env, ns->self, &refs);
	ns->busy = busy;
}

/* Takes up to BATCH_MAX pending events as an array of plain objects. */
static napi_value take_events(struct native_session *ns, uint32_t *count,
		bool *changes_tasks)
{
	napi_value batch, event;
	void *data;
	size_t len;

	*count = 0;
	NAPI_OR_NULL(ns->env, napi_create_array(ns->env, &batch));
	while (*count < BATCH_MAX &&
	       ycdl_session_next_event(&data, &len, ns->core) == 0) {
		event = event_to_object(ns->env, data, len, changes_tasks);
		ycdl_free(data);
		if (!event)
			return NULL;
		NAPI_OR_NULL(ns->env, napi_set_element(ns->env, batch, (*count)++, event));
	}
	return batch;
}

/* Hands the pending events to onEvents; true when one of them may have
 * changed which tasks are pending. */
static bool deliver(struct native_session *ns)
{
	napi_env env = ns->env;
	napi_value batch, self = NULL, fn, result;
	bool changes_tasks = false;
	uint32_t count;

	batch = take_events(ns, &count, &changes_tasks);
	if (!batch || count == 0)
		return changes_tasks;
	/* Empty when the wrapper was collected: its finalizer closes the
	 * session, and nobody is left to tell. */
	if (napi_get_reference_value(env, ns->self, &self) != napi_ok || !self)
		return changes_tasks;
	if (napi_get_named_property(env, self, "onEvents", &fn) == napi_ok)
		napi_make_callback(env, ns->async, self, fn, 1, &batch, &result);
	return changes_tasks;
}

/* An exception escaping from a listener goes where Node sends exceptions
 * thrown in any I/O callback: to 'uncaughtException'. */
static void report_exception(napi_env env)
{
	napi_value error;
	bool pending = false;

	if (napi_is_exception_pending(env, &pending) != napi_ok || !pending)
		return;
	if (napi_get_and_clear_last_exception(env, &error) == napi_ok)
		napi_fatal_exception(env, error);
}

static void on_readable(uv_poll_t *poll, int status, int events)
{
	struct native_session *ns = poll->data;
	napi_handle_scope scope;
	bool recount;

	(void)events;
	if (status < 0) {
		/* The fd is the session's own and stays open while it lives;
		 * an error here would repeat forever, so stop listening. */
		uv_poll_stop(poll);
		return;
	}
	if (napi_open_handle_scope(ns->env, &scope) != napi_ok)
		return;
	recount = deliver(ns);
	report_exception(ns->env);
	napi_close_handle_scope(ns->env, scope);
	/* A listener may have closed the session. */
	if (ns->core)
		watch_update(ns, recount);
}

int watch_start(struct native_session *ns)
{
	uv_loop_t *loop;
	int fd, rc;

	if (napi_get_uv_event_loop(ns->env, &loop) != napi_ok)
		return UV_EINVAL;
	if (ycdl_session_event_fd(&fd, ns->core) != 0)
		return UV_EBADF;
	if (!(ns->poll = calloc(1, sizeof(*ns->poll))))
		return UV_ENOMEM;
	if ((rc = uv_poll_init(loop, ns->poll, fd)) != 0) {
		free(ns->poll);
		ns->poll = NULL;
		return rc;
	}
	ns->poll->data = ns;
	if ((rc = uv_poll_start(ns->poll, UV_READABLE, on_readable)) != 0) {
		watch_stop(ns);
		return rc;
	}
	return 0;
}

void watch_stop(struct native_session *ns)
{
	if (!ns->poll)
		return;
	uv_poll_stop(ns->poll);
	uv_close((uv_handle_t *)ns->poll, on_closed);
	ns->poll = NULL;
}
