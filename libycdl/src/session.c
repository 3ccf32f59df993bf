/* session.c — opening a session handle — its owner (lock, restore, serve),
 * or a client attached to the owner — and closing it; the events calls; a
 * takeover when an attached handle's owner goes away. */
#define _GNU_SOURCE
#include "session.h"

#include "client.h"
#include "completion.h"
#include "error.h"
#include "download_hash.h"
#include "host.h"
#include "lock.h"
#include "persist.h"
#include "segments.h"
#include "server.h"
#include "snapshot.h"
#include "status.h"
#include "transfer.h"
#include "util.h"

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_status = CURLE_FAILED_INIT;

static void init_curl(void)
{
	curl_status = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ------------------------------------------------------------ restore */

static int restore_one(void *ctx, const Ycdl__TaskSnapshot *snap)
{
	struct ycdl_session *s = ctx;
	struct task *t;
	int rc = snapshot_to_task(&t, snap);

	if (rc != 0)
		return rc;
	if (tasks_find_url(&s->tasks, t->url) || tasks_find_dest(&s->tasks, t->dest_path)) {
		task_free(t);
		return error_set(YCDL_E_STORE, "snapshot duplicates another task");
	}
	if (!tasks_insert_restored(&s->tasks, t)) {
		task_free(t);
		return error_set(YCDL_E_NOMEM, "out of memory");
	}
	if (!group_join(s, t, false))
		return error_set(YCDL_E_NOMEM, "out of memory");
	return 0;
}

/* Credentials are never written to disk, so a task that had them stays
 * paused, with a reason, until the application gives them again. */
static void hold_for_credentials(struct ycdl_session *s, struct task *t)
{
	task_set_error(t, YCDL_E_STATE, "the task's credentials are not stored; "
			"give them again with ycdl_task_set_headers", t->http_status);
	status_set(s, t, YCDL_STATUS_PAUSED);
}

/* Running tasks come back paused (the seed's behaviour), or queued with
 * auto-resume (and after a takeover: the owner was running them);
 * finished files interrupted mid-placement are placed. */
static void settle_restored(struct ycdl_session *s, bool resume)
{
	for (struct task *t = tasks_first(&s->tasks); t; t = tasks_next(&s->tasks, t)) {
		if (t->status == YCDL_STATUS_FINISHED)
			completion_recover_finished(s, t);
		else if (task_status_is_pending(t->status) && task_lacks_credentials(t))
			hold_for_credentials(s, t);
		else if (task_status_is_pending(t->status) && resume)
			scheduler_enqueue(s, t);
		else if (task_status_is_pending(t->status))
			status_set(s, t, YCDL_STATUS_PAUSED);
	}
}

/* ------------------------------------------------------- open / close */

static void session_destroy(struct ycdl_session *s)
{
	loop_join(&s->loop);
	client_free(s);
	server_free(s);
	commit_free(&s->commit);
	scheduler_free(&s->sched);
	throttle_free(&s->throttle);
	if (s->store.path)
		store_close(&s->store);
	for (struct task *t = tasks_first(&s->tasks); t; t = tasks_next(&s->tasks, t))
		download_hash_forget(s, t);     /* jobs still out free themselves */
	tasks_free(&s->tasks);
	groups_free(&s->groups);
	worker_free(&s->worker);
	multi_free(&s->multi);
	events_free(&s->events);
	loop_free(&s->loop);
	lock_release(s->lock_fd);
	config_free(&s->cfg);
	free(s->identifier);
	free(s->dir);
	free(s);
}

/* The end of a turn of the loop (or of an API call), like Redis's
 * beforesleep: what the turn made room for starts, "all tasks finished"
 * is sent when it became true, the journal is compacted when it has grown
 * too long, snapshots changed in the turn are written, and the event
 * consumer is woken once for its events. An attached handle only has
 * events to hand on. */
static void end_of_turn(struct ycdl_session *s)
{
	struct task *t;

	if (session_role(s) == YCDL_ROLE_OWNER) {
		while (!s->closing && (t = scheduler_take_next(s)) != NULL)
			completion_start(s, t);
		if (!s->closing)
			segments_spawn_helpers(s);
		groups_check_finished(s);
		status_check_all_finished(s);
		if (store_needs_compaction(&s->store, s->tasks.count))
			(void)persist_compact(s);
		persist_write_marked(s);
	}
	event_queue_signal(&s->events.queue);
}

/* The multi's done function: curl finished one of our requests. */
static void on_request_done(CURL *easy, CURLcode result, void *arg)
{
	struct transfer *x = NULL;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
	if (x)
		segments_request_done(arg, x, result);
}

/* What an owner has beyond what every handle has (the loop, the events):
 * the transfers, the scheduler, the group commit, the worker, the journal
 * and its tasks, and the socket that serves the session to other handles.
 * With the lock held: at open (before the loop runs), or when an attached
 * handle takes the session over (on the loop thread). */
static int become_owner(struct ycdl_session *s, bool resume)
{
	struct store_load_result res;
	int rc;

	if ((rc = multi_init(&s->multi, s->loop.base, on_request_done, s)) != 0)
		return rc;
	multi_cap_host_connections(&s->multi, s->cfg.max_host_connections);
	if ((rc = scheduler_init(&s->sched, s)) != 0 ||
	    (rc = throttle_init(&s->throttle, s->loop.base, s->cfg.max_recv_speed)) != 0 ||
	    (rc = commit_init(&s->commit, s)) != 0 ||
	    (rc = worker_init(&s->worker, s->loop.base)) != 0)
		return rc;
	rc = store_open(&s->store, s->dir, s->loop.base, restore_one, s, &res);
	tasks_order_restored(&s->tasks);
	if (rc == 0) {
		__atomic_store_n(&s->role, YCDL_ROLE_OWNER, __ATOMIC_RELEASE);
		emit_session_restored(s, res.found, res.quarantined, res.quarantine_path);
		settle_restored(s, resume);
		rc = server_start(s);
	}
	free(res.quarantine_path);
	return rc;
}

/* client.h's takeover: the owner went away and this handle got the lock. */
static int take_over(struct ycdl_session *s)
{
	emit_role_changed(s, YCDL_ROLE_OWNER, "the owner went away: this handle "
			"took the session over");
	return become_owner(s, true);
}

/* "ycdl serve --session ID --state-dir DIR --exit-when-idle", with ycdl
 * from $YCDL_HOST_PROGRAM or PATH, unless the caller gave its own. */
static int start_host(struct ycdl_session *s)
{
	const char *program = getenv("YCDL_HOST_PROGRAM");
	char *const fallback[] = { (char *)(program && *program ? program : "ycdl"),
		(char *)"serve", (char *)"--session", s->identifier,
		(char *)"--state-dir", s->cfg.state_dir, (char *)"--exit-when-idle",
		NULL };

	char *log = util_printf("%s/host.log", s->dir);
	int rc;

	if (!log)
		return error_set(YCDL_E_NOMEM, "out of memory");
	rc = host_spawn(s->cfg.host_command ? (char *const *)s->cfg.host_command
			: fallback, log);
	free(log);
	return rc;
}

/* How long an open waits for an owner that holds the lock to serve the
 * session (it may be starting, or a host just spawned). */
#define OWNER_WAIT_MS 10000

/* Owns the session, or attaches to its owner, as open_mode says. */
static int own_or_attach(struct ycdl_session *s)
{
	int64_t deadline = util_monotonic_ms() + OWNER_WAIT_MS;
	bool host_started = false;
	char name[64];
	int rc;

	snprintf(name, sizeof(name), "pid %d", (int)getpid());
	for (;;) {
		rc = lock_acquire(s->dir, &s->lock_fd);
		if (rc == 0 && s->cfg.open_mode != YCDL_OPEN_ATTACH && !s->cfg.background)
			return become_owner(s, s->cfg.auto_resume);
		if (rc == 0) {
			lock_release(s->lock_fd);
			s->lock_fd = -1;
			if (!s->cfg.background)
				return error_set(YCDL_E_NOT_FOUND, "no process owns the "
						"session %s", s->identifier);
			if (!host_started && (rc = start_host(s)) != 0)
				return rc;
			host_started = true;
		} else if (rc != YCDL_E_LOCKED) {
			return rc;
		} else if (s->cfg.open_mode == YCDL_OPEN_OWN) {
			return error_set(YCDL_E_LOCKED, "the session %s is held by another "
					"process (or handle)", s->identifier);
		} else if ((rc = client_connect(s, name, take_over)) == 0) {
			__atomic_store_n(&s->role, YCDL_ROLE_CLIENT, __ATOMIC_RELEASE);
			return 0;
		} else if (rc != YCDL_E_NOT_FOUND) {
			return rc;
		} else {
			client_free(s);     /* its owner is still starting */
		}
		if (util_monotonic_ms() > deadline)
			return error_set(YCDL_E_TIMEOUT, "the owner of %s does not serve "
					"it%s", s->identifier, host_started
					? " (the background host did not start)" : "");
		usleep(20000);
	}
}

static int open_handle(struct ycdl_session *s)
{
	int rc;

	if (!(s->dir = util_printf("%s/%s", s->cfg.state_dir, s->identifier)))
		return error_set(YCDL_E_NOMEM, "out of memory");
	if ((rc = util_mkdir_p(s->dir)) != 0)
		return error_set(YCDL_E_IO, "cannot create %s: %s", s->dir, strerror(-rc));
	(void)chmod(s->dir, 0700);      /* the socket is in it */
	if ((rc = loop_init(&s->loop, s)) != 0)
		return rc;
	loop_on_turn_done(&s->loop, end_of_turn);
	if ((rc = events_init(&s->events, s)) != 0)
		return rc;
	return own_or_attach(s);
}

static int stop_loop(struct ycdl_session *s, void *arg)
{
	(void)arg;
	s->closing = true;
	loop_request_exit(&s->loop);
	return 0;
}

YCDL_EXTERN int ycdl_session_open(ycdl_session **out, const char *identifier,
		const ycdl_session_options *opts)
{
	struct ycdl_session *s;
	int rc;

	error_clear();
	if (!out)
		return error_set(YCDL_E_INVALID, "out is NULL");
	if (!config_identifier_is_valid(identifier))
		return error_set(YCDL_E_INVALID, "identifier must be 1..200 of "
				"[A-Za-z0-9._-] and not \".\" or \"..\"");
	pthread_once(&curl_once, init_curl);
	if (curl_status != CURLE_OK)
		return error_set(YCDL_E_INTERNAL, "curl_global_init failed");
	if (!(s = calloc(1, sizeof(*s))))
		return error_set(YCDL_E_NOMEM, "out of memory");
	s->lock_fd = -1;
	queue_init(&s->segment_spawns);
	tasks_init(&s->tasks);
	groups_init(&s->groups);
	s->rng_state = (uint64_t)util_wall_ms() ^ ((uint64_t)getpid() << 32) ^
		(uint64_t)(uintptr_t)s;
	if (!s->rng_state)
		s->rng_state = 1;
	if (!(s->identifier = strdup(identifier)))
		rc = error_set(YCDL_E_NOMEM, "out of memory");
	else if ((rc = config_from_options(&s->cfg, opts)) == 0 &&
		 (rc = open_handle(s)) == 0 &&
		 (rc = loop_start(&s->loop)) == 0 && session_is_client(s))
		rc = client_wait_welcome(s, OWNER_WAIT_MS);
	if (rc != 0) {
		char message[1024];

		strncpy(message, ycdl_last_error_message(), sizeof(message) - 1);
		message[sizeof(message) - 1] = '\0';
		if (s->loop.running)
			(void)loop_call(&s->loop, stop_loop, NULL);
		session_destroy(s);
		error_set_message(message);
		return rc;
	}
	*out = s;
	return 0;
}

static int shutdown_on_loop(struct ycdl_session *s, void *arg)
{
	s->closing = true;
	if (session_role(s) == YCDL_ROLE_OWNER) {
		server_stop(s, "the owner closed the session");
		commit_finish_all(s);   /* finished files are placed, not left waiting */
		scheduler_stop_all(s);
		persist_write_marked(s);
		(void)store_sync(&s->store);
	}
	return stop_loop(s, arg);
}

YCDL_EXTERN int ycdl_session_close(ycdl_session *s)
{
	int rc;

	error_clear();
	if (!s)
		return 0;
	if (loop_on_thread(&s->loop))
		return error_set(YCDL_E_STATE, "a session cannot be closed from its "
				"own event callback");
	rc = loop_call(&s->loop, shutdown_on_loop, NULL);
	session_destroy(s);
	return rc == YCDL_E_CLOSED ? 0 : rc;
}

/* ------------------------------------------------------------ events */

YCDL_EXTERN int ycdl_session_event_fd(int *out_fd, ycdl_session *s)
{
	error_clear();
	if (!out_fd || !s)
		return error_set(YCDL_E_INVALID, "out_fd and session are required");
	*out_fd = s->events.queue.pipe_read;
	return 0;
}

YCDL_EXTERN int ycdl_session_next_event(void **out_data, size_t *out_len,
		ycdl_session *s)
{
	error_clear();
	if (!out_data || !out_len || !s)
		return error_set(YCDL_E_INVALID, "out_data, out_len and session are "
				"required");
	return event_queue_pop(&s->events.queue, out_data, out_len);
}

YCDL_EXTERN int ycdl_session_wait_event(ycdl_session *s, int timeout_ms)
{
	struct pollfd pfd;
	int n;

	error_clear();
	if (!s)
		return error_set(YCDL_E_INVALID, "session is NULL");
	pfd.fd = s->events.queue.pipe_read;
	pfd.events = POLLIN;
	do {
		n = poll(&pfd, 1, timeout_ms < 0 ? -1 : timeout_ms);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return error_set(YCDL_E_IO, "poll: %s", strerror(errno));
	return n > 0 ? 0 : YCDL_E_AGAIN;
}
