/* outcome.c — what a failed attempt leads to: waiting for the network
 * (offline), another try after a backoff (transient, with retries left),
 * waiting for a new URL (the old one no longer gives the file), or the
 * task failed. Every part that fails a task goes through here. */
#include "outcome.h"

#include "events.h"
#include "partfile.h"
#include "retry.h"
#include "scheduler.h"
#include "session.h"
#include "status.h"
#include "task.h"

void outcome_wait_for_url(struct ycdl_session *s, struct task *t, int code,
		const char *message, unsigned int http_status)
{
	task_set_error(t, code, message, http_status);
	if (t->offset == 0)
		partfile_remove_if_empty(t->part_path, &t->part);
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
	if (t->offset == 0)
		partfile_remove_if_empty(t->part_path, &t->part);
	status_set(s, t, YCDL_STATUS_FAILED);
	emit_failed(s, t, retryable);
}
