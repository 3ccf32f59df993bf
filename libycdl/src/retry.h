/* retry.h — which failures are worth another try, and how long to wait. */
#ifndef YCDL_RETRY_H
#define YCDL_RETRY_H

#include <curl/curl.h>
#include <stdbool.h>

struct ycdl_session;

struct failure {
	int code;          /* YCDL_E_* */
	bool retryable;
};

struct failure retry_classify_curl(CURLcode rc);
struct failure retry_classify_http(unsigned int status);

/* Exponential backoff with jitter for the given attempt (1-based), or the
 * server's Retry-After (seconds, capped) when it gave one. */
unsigned int retry_delay_ms(struct ycdl_session *s, unsigned int attempt,
		long retry_after_s);

#endif
