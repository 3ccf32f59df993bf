/* outcome.h — what a failed attempt leads to: a retry, waiting for the
 * network or for a new URL, or failure. */
#ifndef YCDL_OUTCOME_H
#define YCDL_OUTCOME_H

#include <stdbool.h>

struct ycdl_session;
struct task;

/* Fails t (code, message copied, the HTTP status of the answer if any), or
 * schedules another attempt when the failure is transient and retries
 * remain (after retry_after_s when the server said, else a backoff).
 * Offline, transient failures wait for the network without spending a
 * retry. */
void outcome_fail(struct ycdl_session *s, struct task *t, int code,
		const char *message, unsigned int http_status, bool retryable,
		long retry_after_s);

/* t's URL no longer gives the file (expired, refused, an error page): it
 * waits for a new one, its partial data kept (YCDL_STATUS_WAITING_FOR_URL,
 * a url_needed event with the reason). */
void outcome_wait_for_url(struct ycdl_session *s, struct task *t, int code,
		const char *message, unsigned int http_status);

#endif
