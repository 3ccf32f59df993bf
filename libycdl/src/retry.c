/* retry.c — failure classes and backoff. Transient: the network and the
 * server's temporary troubles. Permanent: what another try cannot change
 * (most 4xx, TLS trust, local disk, checksums). */
#include "retry.h"

#include "config.h"
#include "task.h"
#include "util.h"
#include "ycdl.h"

#include <inttypes.h>
#include <stdio.h>

struct failure retry_classify_curl(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return (struct failure){ YCDL_E_RESOLVE, true };
	case CURLE_OPERATION_TIMEDOUT:
		return (struct failure){ YCDL_E_TIMEOUT, true };
	case CURLE_COULDNT_CONNECT:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_HTTP3:
	case CURLE_QUIC_CONNECT_ERROR:
	case CURLE_PROXY:
		return (struct failure){ YCDL_E_NETWORK, true };
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_USE_SSL_FAILED:
		return (struct failure){ YCDL_E_TLS, false };
	case CURLE_TOO_MANY_REDIRECTS:
		return (struct failure){ YCDL_E_TOO_MANY_REDIRECTS, false };
	case CURLE_UNSUPPORTED_PROTOCOL:
		return (struct failure){ YCDL_E_PROTOCOL, false };
	case CURLE_FILESIZE_EXCEEDED:
		return (struct failure){ YCDL_E_TOO_LARGE, false };
	case CURLE_URL_MALFORMAT:
		return (struct failure){ YCDL_E_INVALID, false };
	case CURLE_OUT_OF_MEMORY:
		return (struct failure){ YCDL_E_NOMEM, true };
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_RANGE_ERROR:
		return (struct failure){ YCDL_E_BAD_RESPONSE, true };
	default:
		return (struct failure){ YCDL_E_NETWORK, true };
	}
}

struct failure retry_classify_http(unsigned int status)
{
	bool transient = status == 408 || status == 425 || status == 429 ||
		(status >= 500 && status != 501 && status != 505);

	return (struct failure){ YCDL_E_HTTP, transient };
}

unsigned int retry_delay_ms(const struct config *cfg, uint64_t *rng_state,
		unsigned int attempt, long retry_after_s)
{
	uint64_t delay = cfg->retry_base_ms;

	if (retry_after_s > 0) {
		uint64_t capped = (uint64_t)retry_after_s < cfg->max_retry_after_s
			? (uint64_t)retry_after_s : cfg->max_retry_after_s;

		return (unsigned int)(capped * 1000);
	}
	for (unsigned int i = 1; i < attempt && delay < cfg->retry_max_ms; i++)
		delay *= 2;
	if (delay > cfg->retry_max_ms)
		delay = cfg->retry_max_ms;
	/* "Equal jitter": half fixed, half random, so clients spread out but
	 * never retry at once. */
	return (unsigned int)(delay / 2 + util_random(rng_state) % (delay / 2 + 1));
}

/* What the budget is measured against: the size when known, else the
 * furthest the task got. */
static uint64_t budget_base(const struct task *t)
{
	uint64_t base = t->run->best_offset > t->offset ? t->run->best_offset : t->offset;

	if (t->total > 0 && (uint64_t)t->total > base)
		base = (uint64_t)t->total;
	if (t->expected_size > 0 && (uint64_t)t->expected_size > base)
		base = (uint64_t)t->expected_size;
	return base;
}

static uint64_t budget_of(const struct config *cfg, const struct task *t)
{
	uint64_t base = budget_base(t);

	if (base > (UINT64_MAX - cfg->fetch_budget_extra) / cfg->fetch_budget_factor)
		return UINT64_MAX;
	return base * cfg->fetch_budget_factor + cfg->fetch_budget_extra;
}

bool retry_over_budget(const struct config *cfg, const struct task *t)
{
	return cfg->fetch_budget_factor && t->run->fetched > budget_of(cfg, t);
}

const char *retry_budget_message(const struct config *cfg, const struct task *t)
{
	static _Thread_local char message[256];

	snprintf(message, sizeof(message), "fetched %" PRIu64 " bytes for a file "
			"of %" PRIu64 ", over its budget of %" PRIu64 " (%ux + %" PRIu64
			"): the server keeps sending data that does not complete it",
			t->run->fetched, budget_base(t), budget_of(cfg, t),
			cfg->fetch_budget_factor, cfg->fetch_budget_extra);
	return message;
}

void retry_new_run(struct task *t)
{
	t->retries = 0;
	if (!t->run)
		return;     /* made when it starts, counting from there */
	t->run->restarts = 0;
	t->run->best_offset = t->offset;
	t->run->fetched = 0;
	t->run->last_cause = 0;
	t->run->last_cause_at = 0;
}

bool retry_count_attempt(struct task *t, int cause)
{
	bool progressed = t->offset > t->run->best_offset;
	bool repeated = !progressed && cause != 0 && cause == t->run->last_cause &&
		t->offset == t->run->last_cause_at;

	if (progressed) {
		t->run->best_offset = t->offset;
		t->retries = 0;     /* further than ever: a fresh streak */
	}
	t->run->last_cause = cause;
	t->run->last_cause_at = t->offset;
	return repeated;
}
