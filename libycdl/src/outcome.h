/* outcome.h — what a failed attempt leads to. */
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

#endif
