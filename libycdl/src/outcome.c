/* outcome.c — what a failed attempt leads to: waiting for the network
 * (offline), another try after a backoff (transient, with retries left),
 * the next mirror (the URL in use failed for good), waiting for a new
 * URL (the old one no longer gives the file), or the task failed. Every
 * part that fails a task goes through here. */
#define _GNU_SOURCE
#include "outcome.h"

#include "events.h"
#include "partfile.h"
#include "persist.h"
#include "retry.h"
#include "scheduler.h"
#include "session.h"
#include "status.h"
#include "task.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Failures a mirror may not have: those of the URL or its server, not of
 * this machine or of the application's own wishes. */
static bool another_url_may_work(int code)
{
	switch (code) {
	case YCDL_E_NOMEM:
	case YCDL_E_IO:
	case YCDL_E_DISK_FULL:
	case YCDL_E_STORE:
	case YCDL_E_CANCELED:
	case YCDL_E_TOO_LARGE:
	case YCDL_E_STATE:
	case YCDL_E_LOCKED:
	case YCDL_E_EXISTS:
	case YCDL_E_INVALID:
	case YCDL_E_INTERNAL:
		return false;
	default:
		return true;
	}
}

/* The next mirror, when t has one left and the failure may be its URL's:
 * a fresh run there, the partial data kept by the rules of a resume. */
static bool try_next_mirror(struct ycdl_session *s, struct task *t, int code,
		const char *message)
{
	char reason[320];
	char *from;

	if (t->extras->mirror_index >= t->extras->mirror_count || !another_url_may_work(code) ||
	    !(from = strdup(task_request_url(t))))
		return false;
	task_use_mirror(t, t->extras->mirror_index + 1);
	snprintf(reason, sizeof(reason), "the URL in use failed (%s): the next mirror",
			message);
	emit_url_changed(s, t, from, task_request_url(t), reason);
	free(from);
	retry_new_run(t);
	task_clear_error(t);
	persist_mark(s, t);
	scheduler_enqueue(s, t);
	return true;
}

/* A part file that holds nothing is not left behind by a task that
 * stops (without memory for its name it stays: it is empty). */
static void remove_if_empty(struct task *t)
{
	const char *part = t->offset == 0 ? task_part_path(t) : NULL;

	if (part)
		partfile_remove_if_empty(part, task_claimed_part(t));
}

void outcome_wait_for_url(struct ycdl_session *s, struct task *t, int code,
		const char *message, unsigned int http_status)
{
	if (try_next_mirror(s, t, code, message))
		return;
	task_set_error(t, code, message, http_status);
	remove_if_empty(t);
	status_set(s, t, YCDL_STATUS_WAITING_FOR_URL);
	emit_url_needed(s, t);
}

void outcome_fail(struct ycdl_session *s, struct task *t, int code,
		const char *message, unsigned int http_status, bool retryable,
		long retry_after_s)
{
	unsigned int delay;

	task_set_error(t, code, message, http_status);
	if (retryable && scheduler_is_offline(s)) {
		scheduler_enqueue(s, t);
		return;
	}
	if (retryable && t->retries < s->cfg.max_retries) {
		t->retries++;
		delay = retry_delay_ms(&s->cfg, &s->rng_state, t->retries, retry_after_s);
		emit_retrying(s, t, t->retries, delay);
		scheduler_retry_later(s, t, delay);
		return;
	}
	if (try_next_mirror(s, t, code, message))
		return;
	remove_if_empty(t);
	status_set(s, t, YCDL_STATUS_FAILED);
	emit_failed(s, t, retryable);
}
