/* retry.h — which failures are worth another try, and how long to wait. */
#ifndef YCDL_RETRY_H
#define YCDL_RETRY_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>

struct config;
struct task;

struct failure {
	int code;          /* YCDL_E_* */
	bool retryable;
};

struct failure retry_classify_curl(CURLcode rc);
struct failure retry_classify_http(unsigned int status);

/* The budget of one task's run (since it was last started): every
 * attempt's body bytes count (task->fetched), against
 * fetch_budget_factor x its size (or the furthest it got) +
 * fetch_budget_extra. */
bool retry_over_budget(const struct config *cfg, const struct task *t);
/* Why t is over its budget, with the figures (a static buffer, valid until
 * the next call on this thread). */
const char *retry_budget_message(const struct config *cfg, const struct task *t);

/* Starts a fresh budget for t (started, resumed, or restored). */
void retry_new_run(struct task *t);

/* Counts the attempt that just ended at task->offset (cause: the failure,
 * a YCDL_E_* or curl code made distinct by the caller, 0 for none).
 * Progress past the best offset so far starts a fresh count of retries.
 * Returns true when the attempt failed exactly as the one before it, at
 * the same byte with no progress between: a response that can never
 * succeed. */
bool retry_count_attempt(struct task *t, int cause);

/* Exponential backoff with jitter for the given attempt (1-based), or the
 * server's Retry-After (seconds, capped) when it gave one. The jitter comes
 * from the caller's random state (util_random). */
unsigned int retry_delay_ms(const struct config *cfg, uint64_t *rng_state,
		unsigned int attempt, long retry_after_s);

#endif
