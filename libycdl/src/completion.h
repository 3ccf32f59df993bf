/* completion.h — what a finished request means for its task: finish
 * (verify and place the file), restart from zero, retry later, or fail. */
#ifndef YCDL_COMPLETION_H
#define YCDL_COMPLETION_H

#include <curl/curl.h>
#include <stdbool.h>

struct ycdl_session;
struct task;
struct transfer;

void completion_handle(struct ycdl_session *s, struct task *t,
		struct transfer *x, CURLcode result);

/* Fails t, or schedules another attempt when the failure is transient and
 * retries remain. Offline, transient failures wait for the network without
 * spending a retry. */
void completion_fail(struct ycdl_session *s, struct task *t, int code,
		const char *message, unsigned int http_status, bool retryable,
		long retry_after_s);

/* Re-does the placement of a finished file interrupted by a crash. */
void completion_recover_finished(struct ycdl_session *s, struct task *t);

#endif
