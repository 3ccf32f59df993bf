/* completion.c — a task's requests from start to end: starting one in the
 * slot the scheduler gave, and judging its end: finish (verify and hand the
 * file to the group commit), restart from zero in the same slot, retry
 * later, or fail (outcome.c). */
#define _GNU_SOURCE
#include "completion.h"

#include "commit.h"
#include "digest.h"
#include "error.h"
#include "events.h"
#include "outcome.h"
#include "persist.h"
#include "download_hash.h"
#include "partfile.h"
#include "retry.h"
#include "scheduler.h"
#include "segmented_task.h"
#include "session.h"
#include "status.h"
#include "task.h"
#include "transfer.h"
#include "url_expiry.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* A server that keeps contradicting itself must not loop forever. */
#define MAX_RESTARTS_IN_A_ROW 3

/* Hashes the part file with algo and compares with the expected hex. */
static bool file_matches(const char *path, const char *algo, const char *hex,
		const char *sha256_hex)
{
	char actual[DIGEST_MAX_HEX];
	struct digest *d;
	int fd, rc;
	off_t size;

	if (strcmp(algo, "sha256") == 0)
		return strcasecmp(hex, sha256_hex) == 0;
	if (!(d = digest_new(algo)))
		return false;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	size = fd >= 0 ? lseek(fd, 0, SEEK_END) : -1;
	rc = size >= 0 ? digest_update_from_fd(d, fd, 0, (uint64_t)size) : -1;
	if (fd >= 0)
		close(fd);
	rc = rc == 0 ? digest_final_hex(d, actual) : rc;
	digest_free(d);
	return rc == 0 && strcasecmp(hex, actual) == 0;
}

/* Deletes the part file so that a later start fetches everything anew:
 * after a checksum mismatch the bytes are known to be wrong. */
static void discard_part(struct ycdl_session *s, struct task *t)
{
	if (persist_unclaim(s, t) == 0)
		(void)partfile_remove(task_part_path(t), task_claimed_part(t));
	transfer_forget_progress(s, t);
	persist_mark(s, t);
}

/* Size, then checksums; on a mismatch the task fails permanently. A task
 * with no checksum to compare does not wait for its SHA-256 here: the group
 * commit has it finished on the hashing thread (commit.c). */
static bool verify(struct ycdl_session *s, struct task *t)
{
	char algo[8] = "";
	const char *colon;
	int rc;

	if (t->expected_size >= 0 && t->offset != (uint64_t)t->expected_size) {
		outcome_fail(s, t, YCDL_E_SIZE_MISMATCH,
				"the downloaded size differs from the expected size", 0,
				false, 0);
		return false;
	}
	if (task_hashed_by_commit(s, t))
		return true;
	if (task_hashes(s, t) && (rc = download_hash_finish(s, t)) != 0) {
		outcome_fail(s, t, rc, ycdl_last_error_message(), 0, false, 0);
		return false;
	}
	if (util_is_empty(t->extras->expected_checksum))
		return true;
	colon = strchr(t->extras->expected_checksum, ':');
	snprintf(algo, sizeof(algo), "%.*s", (int)(colon - t->extras->expected_checksum),
			t->extras->expected_checksum);
	if (file_matches(task_part_path(t), algo, colon + 1, t->sha256_hex))
		return true;
	discard_part(s, t);
	outcome_fail(s, t, YCDL_E_CHECKSUM,
			"the downloaded file does not match the expected checksum", 0,
			false, 0);
	return false;
}

/* Verified, the file goes to the group commit (commit.c), which names it
 * (the destination, or a free name beside it), then makes "finished, at
 * dest" durable before the file moves, so a crash in between is completed
 * on the next open, never redone. The transfer's descriptor of the part
 * file goes along: the commit syncs through it. */
static bool finalize(struct ycdl_session *s, struct task *t, struct transfer *x)
{
	/* Whichever request brought its last byte, a segmented file is one
	 * file now: its map must not outlive it into the finished record. */
	segments_forget(t);
	if (t->total < 0)
		t->total = (int64_t)t->offset;
	if (!verify(s, t))
		return false;
	commit_enqueue(s, t, x->fd, &x->part);    /* it holds the slot now */
	x->fd = -1;
	return true;
}

/* A signed URL that says it has expired is not asked: the server could
 * only refuse. True when t was sent to wait for a new URL. */
static bool url_has_expired(struct ycdl_session *s, struct task *t)
{
	int64_t at = url_expiry(task_request_url(t));
	char when[32], message[96];
	struct tm tm;
	time_t tt = (time_t)at;

	if (at == 0 || at > util_wall_ms() / 1000)
		return false;
	gmtime_r(&tt, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	snprintf(message, sizeof(message), "the URL expired at %s", when);
	outcome_wait_for_url(s, t, YCDL_E_URL_EXPIRED, message, 0);
	return true;
}

/* Starts t's next request in the slot it holds; false (t failed or waits
 * for a retry or a URL) when it cannot start. */
static bool start_in_slot(struct ycdl_session *s, struct task *t)
{
	int rc;

	if (url_has_expired(s, t))
		return false;
	rc = transfer_start(s, t);

	if (rc != 0) {
		outcome_fail(s, t, rc, ycdl_last_error_message(), 0, false, 0);
		return false;
	}
	scheduler_add_running(s, t->transfer);
	status_set(s, t, YCDL_STATUS_DOWNLOADING);
	return true;
}

void completion_start(struct ycdl_session *s, struct task *t)
{
	if (!task_run_of(t)) {
		outcome_fail(s, t, YCDL_E_NOMEM, "out of memory", 0, true, 0);
		scheduler_give_back_slot(s);
		return;
	}
	t->run->single_connection = false;   /* a new run asks for ranges again */
	if (t->segs)
		t->segs->helper_failures = 0;
	if (!start_in_slot(s, t))
		scheduler_give_back_slot(s);
}

void completion_recover_finished(struct ycdl_session *s, struct task *t)
{
	/* A copy: every finished task of a reopened session passes here. */
	char *part = task_part_path_copy(t);

	/* A crash between the link into place and the unlink of the part
	 * leaves two names of one file: only the part's name is left to go.
	 * Another's file, or another download's, is left alone. */
	if (part && partfile_exists(part) &&
	    (partfile_same_file(part, t->dest_path) ||
	     partfile_publish_mode(part, s->cfg.file_mode) == 0) &&
	    partfile_place(part, t->dest_path, t->conflict == YCDL_CONFLICT_OVERWRITE) == 0)
		(void)util_fsync_parent_dir(t->dest_path);
	free(part);
}

static bool restart(struct ycdl_session *s, struct task *t, struct transfer *x)
{
	struct partfile_opened part;
	uint64_t discarded = t->offset;
	int rc;

	if (++t->run->restarts >= MAX_RESTARTS_IN_A_ROW) {
		outcome_fail(s, t, YCDL_E_BAD_RESPONSE, x->reason, x->status, true, 0);
		return false;
	}
	/* The journal lets go of the bytes before they are cut (persist.h). */
	if ((rc = persist_unclaim(s, t)) != 0 ||
	    (rc = partfile_open(task_part_path(t), 0, &part)) != 0) {
		outcome_fail(s, t, rc, ycdl_last_error_message(), 0, false, 0);
		return false;
	}
	partfile_close(part.fd);
	transfer_forget_progress(s, t);
	persist_mark(s, t);
	emit_restarted(s, t, x->reason, discarded);
	return start_in_slot(s, t);
}

static void fail_from_curl(struct ycdl_session *s, struct task *t,
		struct transfer *x, CURLcode result)
{
	struct failure f = retry_classify_curl(result);
	char message[CURL_ERROR_SIZE + 64];

	/* curl 7.x refuses one header line over 100 KiB as "out of memory". */
	if (result == CURLE_OUT_OF_MEMORY && x->status && x->mode == BODY_UNDECIDED) {
		outcome_fail(s, t, YCDL_E_BAD_RESPONSE,
				"the server's response headers are too large", x->status,
				true, 0);
		return;
	}

	snprintf(message, sizeof(message), "%s", x->curl_error[0] ? x->curl_error
			: curl_easy_strerror(result));
	outcome_fail(s, t, f.code, message, x->status, f.retryable, 0);
}

static void fail_from_http(struct ycdl_session *s, struct task *t,
		struct transfer *x)
{
	struct failure f = retry_classify_http(x->http_error);
	curl_off_t retry_after = 0;
	char message[256];

	/* A refused signed link: a new URL, not a retry, can fix it. */
	if (config_is_refresh_status(&s->cfg, x->http_error)) {
		snprintf(message, sizeof(message), "the server answered HTTP %u: "
				"the URL no longer gives the file (expired or revoked?)",
				x->http_error);
		outcome_wait_for_url(s, t, YCDL_E_HTTP, message, x->http_error);
		return;
	}
	curl_easy_getinfo(x->easy, CURLINFO_RETRY_AFTER, &retry_after);
	snprintf(message, sizeof(message), "the server answered HTTP %u",
			x->http_error);
	outcome_fail(s, t, f.code, message, x->http_error, f.retryable,
			(long)retry_after);
}

/* A failed attempt's cause when it says something about the response
 * itself (a malformed or cut-short body, more bytes than announced), else
 * 0: timeouts, refused connections and error statuses are the network's
 * or the server's passing trouble, which retries are for. */
static int body_fault(const struct task *t, const struct transfer *x,
		CURLcode result)
{
	if (x->after != AFTER_NOTHING || x->http_error)
		return 0;
	if (x->local_error)
		return x->local_error == YCDL_E_BAD_RESPONSE ? 1 : 0;
	switch (result) {
	case CURLE_OK:
		return t->total >= 0 && t->offset != (uint64_t)t->total ? 2 : 0;
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_HTTP2_STREAM:
		return 100 + (int)result;
	default:
		return 0;
	}
}

/* The second identical failure: no retry can fix what the server does. */
static void fail_repeated(struct ycdl_session *s, struct task *t,
		struct transfer *x, CURLcode result)
{
	char message[512];
	const char *what = x->local_error ? x->local_message
		: result != CURLE_OK ? (x->curl_error[0] ? x->curl_error
			: curl_easy_strerror(result))
		: "the body ended before the length the server announced";

	snprintf(message, sizeof(message), "the server's response failed the same "
			"way twice, at byte %llu: %s", (unsigned long long)t->offset, what);
	outcome_fail(s, t, YCDL_E_BAD_RESPONSE, message, x->status, false, 0);
}

/* A whole body smaller than the task's minimum (its length was not
 * announced, else the guard had refused it at once) is not the file. */
static void refuse_small(struct ycdl_session *s, struct task *t, struct transfer *x)
{
	char message[160];

	snprintf(message, sizeof(message), "HTTP %u: the body has %llu bytes, "
			"fewer than the task's minimum of %llu", x->status,
			(unsigned long long)t->offset, (unsigned long long)t->extras->min_size);
	discard_part(s, t);
	outcome_wait_for_url(s, t, YCDL_E_NOT_THE_FILE, message, x->status);
}

/* Judges the end of x's request; true when t keeps its slot (restarting
 * in it, or waiting in the group commit). */
static bool judge(struct ycdl_session *s, struct task *t, struct transfer *x,
		CURLcode result)
{
	/* A restart is the server contradicting itself, which restarts are
	 * counted for (MAX_RESTARTS_IN_A_ROW); it does not end an attempt. */
	bool repeated = x->after != AFTER_RESTART &&
		retry_count_attempt(t, body_fault(t, x, result));

	if (x->after != AFTER_RESTART)
		t->run->restarts = 0;
	if (x->after == AFTER_RESTART)
		return restart(s, t, x);
	if (repeated)
		fail_repeated(s, t, x, result);
	else if (x->local_error == YCDL_E_NOT_THE_FILE)
		outcome_wait_for_url(s, t, x->local_error, x->local_message, x->status);
	else if (x->local_error)
		outcome_fail(s, t, x->local_error, x->local_message, x->status,
				x->local_retryable, 0);
	else if (result != CURLE_OK)
		fail_from_curl(s, t, x, result);
	else if (x->http_error)
		fail_from_http(s, t, x);
	else if (t->total >= 0 && t->offset != (uint64_t)t->total)
		outcome_fail(s, t, YCDL_E_NETWORK,
				"the connection ended before every byte arrived", x->status,
				true, 0);
	else if (t->extras->min_size && t->offset < t->extras->min_size)
		refuse_small(s, t, x);
	else
		return finalize(s, t, x);
	return false;
}

void completion_request_done(struct ycdl_session *s, struct transfer *x,
		CURLcode result)
{
	struct task *t = x->task;

	result = transfer_result(x, result);
	if (transfer_redirected(x, result))
		return;         /* its next request is on its way */
	transfer_end(x, result);
	scheduler_remove_running(s, x);
	if (!judge(s, t, x, result))
		scheduler_give_back_slot(s);
	transfer_free(x);
}
