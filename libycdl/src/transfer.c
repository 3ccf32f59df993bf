/* transfer.c — building a request, judging the response, writing its body.
 *
 * The rule that protects users' data: no byte of a response body reaches
 * the part file until the response's status line and headers have been
 * checked against what we asked for (see decide_response). */
#define _GNU_SOURCE
#include "transfer.h"

#include "digest.h"
#include "disk_space.h"
#include "error.h"
#include "events.h"
#include "download_hash.h"
#include "http_parse.h"
#include "naming.h"
#include "partfile.h"
#include "persist.h"
#include "retry.h"
#include "segmented_task.h"
#include "session.h"
#include "task.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The most response-header bytes taken, below curl's own limits (which
 * differ between versions and come out as "out of memory" or "receive
 * error"), so that too much says what it is. */
#define MAX_HEADER_BYTES (256u * 1024)

/* A resume asks for this many bytes before the saved offset (all of them
 * when it holds fewer) and compares them with the part file before it
 * appends anything: validators cannot see a file replaced by another of
 * the same size within the same second (nginx's ETag is the mtime in
 * seconds and the size), its bytes can. */
#define RESUME_OVERLAP (64u * 1024)

/* ------------------------------------------------------------ helpers */

static void set_local_error(struct transfer *x, int code, bool retryable,
		const char *fmt, const char *detail)
{
	if (x->local_error)
		return;       /* the first cause is the one worth reporting */
	x->local_error = code;
	x->local_retryable = retryable;
	snprintf(x->local_message, sizeof(x->local_message), fmt, detail);
}

static void ask_restart(struct transfer *x, const char *reason)
{
	x->after = AFTER_RESTART;
	snprintf(x->reason, sizeof(x->reason), "%s", reason);
}

static void reset_response(struct transfer *x)
{
	free(x->etag);
	free(x->last_modified);
	free(x->content_range);
	free(x->content_disposition);
	free(x->location);
	free(x->content_type);
	x->etag = x->last_modified = x->content_range = NULL;
	x->content_disposition = x->location = x->content_type = NULL;
	x->sniffed = 0;
	x->accept_ranges = false;
	x->header_bytes = 0;
	x->mode = BODY_UNDECIDED;
}

/* Drops the partial data and starts the part file again from byte zero.
 * The journal lets go of the bytes first (persist_unclaim says why). */
static int truncate_to_zero(struct ycdl_session *s, struct task *t, int fd,
		const char *reason)
{
	uint64_t discarded = t->offset;
	int rc;

	if ((rc = persist_unclaim(s, t)) != 0)
		return rc;
	if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) < 0)
		return error_set(error_from_errno(errno), "cannot truncate %s: %s",
				task_part_path(t), strerror(errno));
	transfer_forget_progress(s, t);
	group_note(s, t, false);
	if (discarded > 0 || reason)
		emit_restarted(s, t, reason, discarded);
	return 0;
}

/* ------------------------------------------------- judging a response */

static void learn_validators(struct ycdl_session *s, struct task *t,
		struct transfer *x)
{
	int before = t->resumability;
	const char *why;

	util_replace_string(&t->etag, x->etag);
	util_replace_string(&t->last_modified, x->last_modified);
	t->validators_elsewhere = false;    /* this server's, from now on */
	if (!x->accept_ranges) {
		t->resumability = RESUMABLE_NO;
		why = "the server does not accept byte ranges";
	} else if (!http_etag_is_strong(t->etag) && util_is_empty(t->last_modified)) {
		t->resumability = RESUMABLE_NO;
		why = "the server gives no strong validator (ETag or Last-Modified)";
	} else {
		t->resumability = RESUMABLE_YES;
		why = "byte ranges and a strong validator";
	}
	if (t->resumability != before)
		emit_resumability(s, t, why);
}

static bool validator_changed(const struct task *t, const struct transfer *x)
{
	/* Another server (a mirror, a refreshed link elsewhere) has its own
	 * ETags; what servers of one file share is its Last-Modified. */
	if (t->validators_elsewhere)
		return util_is_empty(t->last_modified) || !x->last_modified ||
			strcmp(t->last_modified, x->last_modified) != 0;
	if (!util_is_empty(t->etag) && x->etag && strcmp(t->etag, x->etag) != 0)
		return true;
	return util_is_empty(t->etag) && !util_is_empty(t->last_modified) &&
		x->last_modified && strcmp(t->last_modified, x->last_modified) != 0;
}

static int64_t content_length(struct transfer *x)
{
	curl_off_t len = -1;

	curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
	return len >= 0 ? (int64_t)len : -1;
}

/* Names the file as the server suggests, when the task asked for that. */
static void adopt_content_disposition(struct ycdl_session *s, struct task *t,
		struct transfer *x)
{
	char *name, *dir, *dest;

	if (!t->use_content_disposition || !x->content_disposition)
		return;
	if (!(name = naming_from_content_disposition(x->content_disposition)))
		return;
	dir = util_dirname(t->dest_path);
	dest = dir ? util_printf("%s/%s", dir, name) : NULL;
	if (dest && !tasks_find_dest(&s->tasks, dest))
		tasks_set_dest(&s->tasks, t, dest);
	free(dest);
	free(dir);
	free(name);
}

/* A 200 says "the whole resource"; a Content-Range naming less
 * contradicts it, and its body must not be taken for the file. */
static bool names_part_of_the_file(const struct transfer *x)
{
	struct content_range cr;

	if (!x->content_range)
		return false;
	if (!http_parse_content_range(x->content_range, &cr) || cr.unsatisfied)
		return true;
	return cr.first != 0 || (cr.total >= 0 && cr.last + 1 != (uint64_t)cr.total);
}

/* A full body (200): from zero, whatever we had. */
static void accept_full_body(struct ycdl_session *s, struct task *t,
		struct transfer *x)
{
	int64_t len = content_length(x);

	if (x->piece_request) {
		/* Never taken for a piece: the whole file again means the
		 * server changed it or does not give ranges (segments.h). */
		if (validator_changed(t, x)) {
			ask_restart(x, "the resource changed between the requests "
					"of its segments");
		} else {
			x->ranges_refused = true;
			ask_restart(x, "the server answered a range request with "
					"the whole file");
		}
		return;
	}
	if (names_part_of_the_file(x)) {
		ask_restart(x, "the server sent part of the file as the whole file");
		return;
	}
	if (x->resuming) {
		const char *reason = validator_changed(t, x)
			? "the resource changed since the partial download"
			: "the server ignored the range request";

		if (truncate_to_zero(s, t, x->fd, reason) != 0) {
			set_local_error(x, YCDL_E_IO, false, "cannot truncate %s",
					task_part_path(t));
			return;
		}
		x->resuming = false;
		x->request_offset = 0;
		x->overlap = 0;
	}
	learn_validators(s, t, x);
	t->total = len;
	if (t->expected_size >= 0 && len >= 0 && len != t->expected_size) {
		set_local_error(x, YCDL_E_SIZE_MISMATCH, false, "%s",
				"the server's Content-Length differs from the expected size");
		return;
	}
	adopt_content_disposition(s, t, x);
	persist_mark(s, t);
	x->mode = BODY_APPEND;
}

/* A partial body (206): only exactly the bytes after ours, of the same
 * resource, may be appended. */
static void accept_partial_body(struct ycdl_session *s, struct task *t,
		struct transfer *x)
{
	struct content_range cr;

	if (!x->resuming) {
		set_local_error(x, YCDL_E_BAD_RESPONSE, true, "%s",
				"206 answer to a request without a range");
		return;
	}
	if (!x->content_range || !http_parse_content_range(x->content_range, &cr) ||
	    cr.unsatisfied) {
		ask_restart(x, "the server sent an unreadable Content-Range");
		return;
	}
	if (cr.first != x->request_offset) {
		ask_restart(x, "the server sent a different range than asked");
		return;
	}
	if (cr.total >= 0 && t->total >= 0 && cr.total != t->total) {
		ask_restart(x, "the resource's size changed");
		return;
	}
	if (validator_changed(t, x)) {
		ask_restart(x, "the resource changed since the partial download");
		return;
	}
	if (x->piece_request && (cr.total < 0 || cr.total != t->total ||
			cr.last + 1 != x->request_end)) {
		ask_restart(x, "the server sent another range than the segment asked for");
		return;
	}
	if (cr.total >= 0)
		t->total = cr.total;
	x->mode = BODY_APPEND;
	x->verify_left = x->overlap;
	if (!x->helper && x->requests == 1)
		emit_resumed(s, t);     /* once per start, not per piece */
}

/* 416 to a resume: the file is now shorter than what the overlap asks
 * for, so what we hold is not a prefix of it. */
static void judge_unsatisfiable(struct transfer *x)
{
	x->mode = BODY_DISCARD;
	if (x->resuming)
		ask_restart(x, "the server cannot satisfy the range (416): the file "
				"is shorter than the partial download");
	else
		x->http_error = 416;
}

/* The body guard (body_guard.h), before anything else is decided: a
 * response that is not the file touches neither the part file nor what the
 * task knows of the file (its validators, its size). */
static bool is_the_file(const struct ycdl_session *s, const struct task *t,
		struct transfer *x)
{
	bool own = t->extras->accept_type_count > 0;
	int64_t len = content_length(x);

	if (t->extras->min_size && len >= 0 && (uint64_t)len < t->extras->min_size)
		return false;
	return body_guard_accepts(
			(const char *const *)(own ? t->extras->accept_types : s->cfg.accept_types),
			own ? t->extras->accept_type_count : s->cfg.accept_type_count,
			x->content_type, t->dest_path);
}

/* The refused body's first bytes are in: the message says what came. */
static void refuse(struct transfer *x)
{
	char message[sizeof(x->local_message)];

	body_guard_describe(message, sizeof(message), x->status, x->content_type,
			x->sniff, x->sniffed);
	set_local_error(x, YCDL_E_NOT_THE_FILE, false, "%s", message);
}

/* The rest of the file must fit on its disk before a byte is written. */
static void claim_room(struct ycdl_session *s, struct task *t, struct transfer *x)
{
	if (t->total < 0 || (uint64_t)t->total <= t->offset)
		return;
	if (disk_space_claim(x->fd, task_part_path(t), t->offset,
			(uint64_t)t->total - t->offset, s->cfg.disk_reserve,
			s->cfg.preallocate) != 0) {
		set_local_error(x, YCDL_E_DISK_FULL, false, "%s", ycdl_last_error_message());
		x->mode = BODY_DISCARD;
	}
}

static void decide_response(struct ycdl_session *s, struct task *t,
		struct transfer *x)
{
	const char *url = NULL;

	curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &url);
	util_replace_string(&t->final_url, url);
	t->http_status = x->status;
	if ((x->status == 200 || x->status == 203 || x->status == 206) &&
	    !is_the_file(s, t, x))
		x->mode = BODY_REFUSED;
	else if (x->status == 200 || x->status == 203)
		accept_full_body(s, t, x);
	else if (x->status == 206)
		accept_partial_body(s, t, x);
	else if (x->status == 416)
		judge_unsatisfiable(x);
	else if (x->status >= 300 || x->status < 200)
		x->http_error = x->status;
	else
		set_local_error(x, YCDL_E_BAD_RESPONSE, true, "%s",
				"unexpected success status without a body");
	if (x->mode == BODY_APPEND && !x->piece_request) {
		claim_room(s, t, x);
		if (x->mode == BODY_APPEND && segments_begin(s, t, x) != 0)
			set_local_error(x, YCDL_E_NOMEM, true, "%s", "out of memory");
	}
	if (x->mode == BODY_UNDECIDED)
		x->mode = BODY_DISCARD;
}

/* ------------------------------------------------------ curl callbacks */

static void remember_header(struct transfer *x, const char *line, size_t len)
{
	static const struct {
		const char *name;
		size_t offset;
	} wanted[] = {
		{ "ETag", offsetof(struct transfer, etag) },
		{ "Last-Modified", offsetof(struct transfer, last_modified) },
		{ "Content-Range", offsetof(struct transfer, content_range) },
		{ "Content-Disposition", offsetof(struct transfer, content_disposition) },
		{ "Location", offsetof(struct transfer, location) },
		{ "Content-Type", offsetof(struct transfer, content_type) },
	};
	char *value;

	for (size_t i = 0; i < YCDL_ARRAY_SIZE(wanted); i++) {
		char **slot = (char **)((char *)x + wanted[i].offset);

		if ((value = http_header_value(line, len, wanted[i].name))) {
			free(*slot);
			*slot = value;
			return;
		}
	}
	if ((value = http_header_value(line, len, "Accept-Ranges"))) {
		x->accept_ranges = strcasestr(value, "bytes") != NULL;
		free(value);
	}
}

static size_t on_header(char *buffer, size_t size, size_t nitems, void *userdata)
{
	struct transfer *x = userdata;
	size_t len = size * nitems;
	unsigned int code = http_status_line_code(buffer, len);

	if (code) {
		reset_response(x);
		x->status = code;
		return len;
	}
	if (len <= 2 && (buffer[0] == '\r' || buffer[0] == '\n')) {
		if (x->status < 200)
			return len;     /* 1xx: the real answer follows */
		if (x->status >= 300 && x->status < 400 && x->location) {
			x->mode = BODY_DISCARD;     /* followed when it ends */
			return len;
		}
		decide_response(x->session, x->task, x);
		/* Stop at once when the body must not be read at all. */
		if (x->after == AFTER_RESTART || (x->local_error && x->mode != BODY_APPEND))
			return 0;
		return len;
	}
	if ((x->header_bytes += len) > MAX_HEADER_BYTES) {
		set_local_error(x, YCDL_E_BAD_RESPONSE, true, "%s",
				"the server's response headers are too large");
		return 0;
	}
	remember_header(x, buffer, len);
	return len;
}

/* Checkpoints are the task's: its primary transfer keeps their count
 * for every connection of a segmented download. */
static bool checkpoint_due(struct ycdl_session *s, struct task *t)
{
	const struct config *cfg = &s->cfg;
	struct transfer *x = t->transfer;

	return x->task->offset - x->checkpoint_offset >= cfg->checkpoint_bytes ||
		util_monotonic_ms() - x->last_checkpoint_ms >=
			(int64_t)cfg->checkpoint_interval_ms;
}

/* Where x's next byte goes in the part file. */
static uint64_t write_position(const struct transfer *x)
{
	return x->piece ? x->piece->start + x->piece->done : x->task->offset;
}

/* The first bytes of a resumed body repeat the end of the part file
 * (RESUME_OVERLAP): they must be the bytes already there. */
static bool overlap_matches(struct transfer *x, const char *ptr, size_t len)
{
	char disk[16384];
	uint64_t at = write_position(x) - x->verify_left;

	while (len > 0) {
		size_t n = len < sizeof(disk) ? len : sizeof(disk);
		ssize_t got = pread(x->fd, disk, n, (off_t)at);

		if (got != (ssize_t)n || memcmp(disk, ptr, n) != 0)
			return false;
		ptr += n;
		len -= n;
		at += n;
		x->verify_left -= n;
	}
	return true;
}

/* Keeps a refused body's first bytes; once there are enough, the request
 * ends (0: curl stops) with the message. */
static size_t sniff(struct transfer *x, const char *ptr, size_t len)
{
	size_t n = sizeof(x->sniff) - x->sniffed;

	n = len < n ? len : n;
	memcpy(x->sniff + x->sniffed, ptr, n);
	x->sniffed += n;
	if (x->sniffed < sizeof(x->sniff))
		return len;
	refuse(x);
	return 0;
}

/* What follows each write: progress, the group's figures, a checkpoint
 * when due; false when the checkpoint failed (x's error says why). */
static bool after_write(struct ycdl_session *s, struct task *t, struct transfer *x)
{
	int rc;

	emit_progress(s, t, false);
	group_note(s, t, false);
	if (checkpoint_due(s, t) && (rc = transfer_checkpoint(s, t)) != 0) {
		set_local_error(x, rc, false, "cannot checkpoint the partial file: %s",
				ycdl_last_error_message());
		return false;
	}
	return true;
}

/* A segmented task's bytes: in place, in x's segment, never past its end
 * (which another request's split may have moved closer); the request is
 * cut (0) once its segment is complete and more would come. */
static size_t write_piece(struct transfer *x, const char *ptr, size_t len,
		size_t taken)
{
	struct ycdl_session *s = x->session;
	struct task *t = x->task;
	struct segment *g = x->piece;
	uint64_t at, left;
	size_t n;
	int rc;

	if (!g)
		return 0;       /* complete: the rest is another request's */
	at = g->start + g->done;
	left = segment_left(g);
	n = len < left ? len : (size_t)left;
	if ((rc = util_pwrite_all(x->fd, ptr, n, at)) != 0) {
		set_local_error(x, error_from_errno(-rc), false,
				"cannot write the partial file: %s", strerror(-rc));
		return 0;
	}
	g->done += n;
	t->offset += n;
	if (segments_wrote(x, g) && t->transfer->hashing)
		download_hash_reached(s, t->transfer, t->segs->prefix);
	if (!after_write(s, t, x))
		return 0;
	if (x->piece_done && (n < len || at + n < x->request_end))
		return 0;
	return taken;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct transfer *x = userdata;
	struct ycdl_session *s = x->session;
	struct task *t = x->task;
	size_t len = size * nmemb, taken = len;
	int rc;

	/* A transfer that failed on our side takes nothing more: curl does not
	 * see a chunk refused while curl_easy_pause delivers it (throttle.c),
	 * and the bytes after it must not be written past the gap. */
	if (x->local_error || x->after != AFTER_NOTHING)
		return 0;
	/* Nor does a request whose segment is complete (the rest is another
	 * request's): refused before the speed limit could hold it, else it
	 * would be held, then delivered inside curl_easy_pause, where curl
	 * does not see the refusal, and so on to the body's end. */
	if (x->piece_done && !x->piece)
		return 0;
	/* Before anything counts the chunk: when held, curl delivers it again. */
	if (!throttle_admit(&x->throttled, len))
		return CURL_WRITEFUNC_PAUSE;
	t->run->fetched += len;
	if (retry_over_budget(&s->cfg, t)) {
		set_local_error(x, YCDL_E_FETCH_LIMIT, false, "%s",
				retry_budget_message(&s->cfg, t));
		return 0;
	}
	if (x->mode == BODY_REFUSED)
		return sniff(x, ptr, len);
	if (x->mode != BODY_APPEND)
		return taken;
	if (x->verify_left > 0) {
		size_t n = len < x->verify_left ? len : (size_t)x->verify_left;

		if (!overlap_matches(x, ptr, n)) {
			ask_restart(x, "the bytes before the resume point differ from "
					"those on disk: the file changed on the server "
					"without a new validator");
			return 0;
		}
		ptr += n;
		len -= n;
		if (len == 0)
			return taken;
	}
	if (x->piece || x->piece_done)
		return write_piece(x, ptr, len, taken);
	if (s->cfg.max_file_size && t->offset + len > s->cfg.max_file_size) {
		set_local_error(x, YCDL_E_TOO_LARGE, false, "%s",
				"the file exceeds the maximum file size");
		return 0;
	}
	if (t->total >= 0 && t->offset + len > (uint64_t)t->total) {
		set_local_error(x, YCDL_E_BAD_RESPONSE, true, "%s",
				"the server sent more bytes than it announced");
		return 0;
	}
	if ((rc = util_write_all(x->fd, ptr, len)) != 0) {
		set_local_error(x, error_from_errno(-rc), false,
				"cannot write the partial file: %s", strerror(-rc));
		return 0;
	}
	if (x->hashing)
		download_hash_wrote(x, len);
	t->offset += len;
	return after_write(s, t, x) ? taken : 0;
}

/* ------------------------------------------------------ the request */

/* The task's headers (its secrets only at its own origin, see ycdl.h),
 * and If-Range when continuing. */
static int build_headers(struct transfer *x, const struct task *t, bool at_origin)
{
	curl_slist_free_all(x->headers);
	x->headers = NULL;
	for (size_t i = 0; i < t->extras->header_count; i++) {
		struct curl_slist *l;

		if (!at_origin && task_header_is_secret(t, t->extras->headers[i]))
			continue;
		if (!(l = curl_slist_append(x->headers, t->extras->headers[i])))
			return YCDL_E_NOMEM;
		x->headers = l;
	}
	if (x->resuming) {
		const char *validator = http_etag_is_strong(t->etag) &&
			!(t->validators_elsewhere && !util_is_empty(t->last_modified))
			? t->etag : t->last_modified;
		char *line = util_printf("If-Range: %s", validator);
		struct curl_slist *l = line ? curl_slist_append(x->headers, line) : NULL;

		free(line);
		if (!l)
			return YCDL_E_NOMEM;
		x->headers = l;
	}
	return 0;
}

/* Points the request at x->url: the URL, its headers, and the URL's
 * credentials, which like secret headers go to the task's origin only. */
static int aim_request(struct transfer *x)
{
	struct task *t = x->task;
	/* Before any redirect the request is the task's own URL (unless it
	 * was given another): no need to take two URLs apart (per file, that
	 * was measurable). */
	bool at_origin = (x->redirects == 0 && util_is_empty(t->extras->request_url)) ||
		url_same_origin(x->url, t->url);
	int rc;

	curl_easy_setopt(x->easy, CURLOPT_URL, x->url);
	/* Several downloads from one HTTPS origin started together wait for
	 * the first connection to say whether it multiplexes (HTTP/2), then
	 * share it, instead of opening one connection each. Not over plain
	 * HTTP, which never multiplexes here (no h2c): there a transfer held
	 * by a speed limit would keep the others waiting for its connection. */
	curl_easy_setopt(x->easy, CURLOPT_PIPEWAIT,
			strncasecmp(x->url, "https:", 6) == 0 ? 1L : 0L);
	curl_easy_setopt(x->easy, CURLOPT_USERNAME,
			at_origin ? t->extras->url_creds.user : NULL);
	curl_easy_setopt(x->easy, CURLOPT_PASSWORD,
			at_origin ? t->extras->url_creds.password : NULL);
	if ((rc = build_headers(x, t, at_origin)) != 0)
		return error_set(rc, "out of memory");
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
	return 0;
}

/* Small reads for a limited transfer, so that a limit holds over every
 * second (throttle.h); curl takes the size when a request starts. */
static void size_receive_buffer(struct transfer *x)
{
	curl_easy_setopt(x->easy, CURLOPT_BUFFERSIZE,
			throttle_receive_buffer(&x->throttled));
}

/* Sends x's next request on its own easy handle (a piece, a redirect's
 * next hop), so that a kept-alive connection is reused: x takes url, and
 * range when given (else the handle's stays). The caller has reset what
 * it keeps of the request; the response starts from nothing. */
static int resend(struct ycdl_session *s, struct transfer *x, char *url,
		const char *range)
{
	int rc;

	multi_remove(&s->multi, x->easy);
	free(x->url);
	x->url = url;
	reset_response(x);
	x->status = 0;
	if (range)
		curl_easy_setopt(x->easy, CURLOPT_RANGE, range);
	size_receive_buffer(x);     /* the limits as they are now */
	if ((rc = aim_request(x)) != 0)
		return rc;
	return multi_add(&s->multi, x->easy);
}

static void set_transport_options(struct ycdl_session *s, struct transfer *x)
{
	const struct config *cfg = &s->cfg;
	CURL *e = x->easy;

	/* Redirects are followed by hand (follow_redirect). */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, cfg->user_agent);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)cfg->connect_timeout_ms);
	if (cfg->low_speed_time_s > 0) {
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, (long)cfg->low_speed_limit);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)cfg->low_speed_time_s);
	}
	if (cfg->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, cfg->ca_file);
	if (cfg->pinned_public_key)
		curl_easy_setopt(e, CURLOPT_PINNEDPUBLICKEY, cfg->pinned_public_key);
	if (cfg->proxy)
		curl_easy_setopt(e, CURLOPT_PROXY, cfg->proxy);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, cfg->verify_tls ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, cfg->verify_tls ? 2L : 0L);
	if (cfg->max_file_size)
		curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
				(curl_off_t)cfg->max_file_size);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	size_receive_buffer(x);
}

static int build_request(struct ycdl_session *s, struct transfer *x)
{
	struct task *t = x->task;
	char range[32];
	int rc;

	if (!(x->easy = multi_take_easy(&s->multi)))
		return error_set(YCDL_E_NOMEM, "cannot create a transfer");
	if ((rc = throttle_join(&x->throttled, &s->throttle, x->easy,
			t->extras->max_recv_speed)) != 0)
		return rc;
	if (!(x->url = strdup(task_request_url(t))))
		return error_set(YCDL_E_NOMEM, "out of memory");
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, (char *)x);
	curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->curl_error);
	curl_easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	set_transport_options(s, x);
	if ((rc = aim_request(x)) != 0)
		return rc;
	if (x->resuming) {
		snprintf(range, sizeof(range), "%" PRIu64 "-", x->request_offset);
		curl_easy_setopt(x->easy, CURLOPT_RANGE, range);
	}
	return 0;
}

/* Where to continue: the bytes we hold, unless the server cannot resume
 * (a segmented task's reach to its furthest segment's bytes). */
static int open_part(struct ycdl_session *s, struct task *t, struct transfer *x)
{
	uint64_t keep = t->segs ? segment_map_extent(&t->segs->map, false) : t->offset;
	struct partfile_opened part;
	int rc;

	if (keep > 0 && t->resumability != RESUMABLE_YES)
		keep = 0;
	/* Cutting claimed bytes: the journal lets go of them first. */
	if (keep < t->synced_offset && (rc = persist_unclaim(s, t)) != 0)
		return rc;
	if ((rc = partfile_open(task_part_path(t), keep, &part)) != 0)
		return rc;
	x->fd = part.fd;
	x->part = t->run->part = part.id;
	if (part.replaced && t->offset > 0) {
		emit_restarted(s, t, "the partial file was a hard link to another "
				"file, which was left alone", t->offset);
	} else if (keep < t->offset) {
		emit_restarted(s, t, "the server does not support resuming", t->offset);
	} else if (part.size < keep) {
		/* The part file lost bytes a snapshot claimed (deleted or cut
		 * outside libycdl): what is left cannot be trusted either. */
		if ((rc = persist_unclaim(s, t)) != 0)
			return rc;
		if (ftruncate(x->fd, 0) != 0 || lseek(x->fd, 0, SEEK_SET) < 0)
			return error_set(error_from_errno(errno), "cannot truncate %s: %s",
					task_part_path(t), strerror(errno));
		part.size = 0;
		emit_restarted(s, t, "the partial file holds less than was recorded",
				t->offset);
	}
	if (t->segs && part.size >= keep)
		return 0;       /* its offset is the sum of its segments' bytes */
	if (t->segs) {
		transfer_forget_progress(s, t);   /* its bytes are gone */
		persist_mark(s, t);
	}
	t->offset = part.size;
	if (t->synced_offset > part.size) {
		t->synced_offset = part.size;
		persist_mark(s, t);
	}
	return 0;
}

/* A transfer of t with nothing open yet; NULL when out of memory. */
static struct transfer *transfer_new(struct ycdl_session *s, struct task *t)
{
	struct transfer *x = calloc(1, sizeof(*x));

	if (!x) {
		error_set(YCDL_E_NOMEM, "out of memory");
		return NULL;
	}
	x->session = s;
	x->task = t;
	x->fd = -1;
	queue_init(&x->helper_link);
	return x;
}

int transfer_start(struct ycdl_session *s, struct task *t)
{
	struct transfer *x = transfer_new(s, t);
	int rc;

	if (!x)
		return YCDL_E_NOMEM;
	x->hashing = task_hashes(s, t);
	if ((rc = open_part(s, t, x)) != 0 || (x->hashing && (rc = download_hash_start(s, x)) != 0))
		goto fail;
	if (t->segs && segment_map_complete(&t->segs->map))
		segments_forget(t);     /* resumed from the end, as one request */
	x->resuming = t->offset > 0 && !t->segs;
	x->overlap = !x->resuming ? 0 : t->offset < RESUME_OVERLAP ? t->offset
		: RESUME_OVERLAP;
	x->request_offset = t->offset - x->overlap;
	x->request_end = UINT64_MAX;
	x->checkpoint_offset = t->offset;
	x->started_ms = x->last_checkpoint_ms = util_monotonic_ms();
	t->run->last_progress_ms = x->started_ms;
	t->run->progress_reported = t->offset;
	t->run->speed_bps = 0;
	if ((rc = build_request(s, x)) != 0)
		goto fail;
	t->transfer = x;
	x->requests = t->segs ? 0 : 1;
	rc = t->segs ? transfer_request_piece(s, x, segment_map_take(&t->segs->map, x, 0))
		: multi_add(&s->multi, x->easy);
	if (rc != 0) {
		transfer_stop_helpers(s, t);   /* lets go of the segment taken */
		t->transfer = NULL;
		goto fail;
	}
	return 0;
fail:
	transfer_free(x);
	return rc;
}

int transfer_start_helper(struct ycdl_session *s, struct task *t,
		struct transfer **out)
{
	struct transfer *x = transfer_new(s, t);
	int rc;

	if (!x)
		return YCDL_E_NOMEM;
	x->helper = true;
	x->fd = t->transfer->fd;
	x->part = t->transfer->part;
	x->started_ms = util_monotonic_ms();
	if ((rc = build_request(s, x)) != 0) {
		transfer_free(x);
		return rc;
	}
	*out = x;
	return 0;
}

int transfer_request_piece(struct ycdl_session *s, struct transfer *x,
		struct segment *g)
{
	struct task *t = x->task;
	char range[48];
	char *url;

	if (!g || !(url = strdup(task_request_url(t))))
		return error_set(YCDL_E_NOMEM, "out of memory");
	x->piece = g;
	x->piece_request = true;
	x->piece_done = false;
	x->requests++;
	x->resuming = true;
	x->overlap = g->done < RESUME_OVERLAP ? g->done : RESUME_OVERLAP;
	x->request_offset = g->start + g->done - x->overlap;
	x->request_end = g->end;
	x->verify_left = 0;
	x->redirects = 0;
	x->after = AFTER_NOTHING;
	x->http_error = 0;
	snprintf(range, sizeof(range), "%" PRIu64 "-%" PRIu64, x->request_offset,
			g->end - 1);
	return resend(s, x, url, range);
}

int transfer_checkpoint(struct ycdl_session *s, struct task *t)
{
	struct transfer *x = t->transfer;
	int rc;

	if (x && x->fd >= 0) {
		/* The data must be durable before a snapshot claims it. */
		if (util_sync_data(x->fd) != 0)
			return error_set(error_from_errno(errno), "cannot sync %s: %s",
					task_part_path(t), strerror(errno));
		/* And its name, once per transfer: a part file just made may
		 * not be in its folder after a power cut until the folder is
		 * synced. Files that finish before a checkpoint never pay it
		 * (the commit syncs the folder after the move). */
		if (!x->name_synced && (rc = util_fsync_parent_dir(task_part_path(t))) != 0)
			return error_set(error_from_errno(-rc), "cannot sync the folder "
					"of %s: %s", task_part_path(t), strerror(-rc));
		x->name_synced = true;
		x->last_checkpoint_ms = util_monotonic_ms();
		x->checkpoint_offset = t->offset;
	}
	t->synced_offset = t->offset;
	if (t->segs)
		segment_map_mark_synced(&t->segs->map);
	persist_mark(s, t);
	/* A claim waits for no loop turn (one turn of a fast download can run
	 * many megabytes of callbacks): a kill now loses one checkpoint. */
	return persist_write_marked(s);
}

void transfer_forget_progress(struct ycdl_session *s, struct task *t)
{
	segments_forget(t);
	task_forget_progress(t);
	download_hash_forget(s, t);
}

void transfer_free(struct transfer *x)
{
	if (!x)
		return;
	throttle_leave(&x->throttled);
	multi_give_back_easy(&x->session->multi, x->easy);
	curl_slist_free_all(x->headers);
	if (!x->helper)
		partfile_close(x->fd);     /* a helper's is its primary's */
	reset_response(x);
	free(x->url);
	free(x);
}

/* Takes x out of curl, after syncing what it
 * wrote so that a snapshot claims every byte — unless the body is complete:
 * then the group commit syncs it (checkpoint false), through x->fd, which
 * stays open for it (transfer_free closes it if the commit does not take
 * it). */
static void detach(struct ycdl_session *s, struct task *t, struct transfer *x,
		bool checkpoint)
{
	int rc;

	multi_remove(&s->multi, x->easy);
	throttle_leave(&x->throttled);    /* no timer wakes a handle out of curl */
	if (t->offset != t->run->progress_reported)
		emit_progress(s, t, true);      /* what the coalescing held back */
	if (checkpoint && (rc = transfer_checkpoint(s, t)) != 0)
		set_local_error(x, rc, false, "%s", ycdl_last_error_message());
	t->transfer = NULL;
	if (checkpoint) {
		partfile_close(x->fd);
		x->fd = -1;
	}
}

void transfer_drop_helper(struct ycdl_session *s, struct transfer *x)
{
	struct segments *segs = x->task->segs;

	multi_remove(&s->multi, x->easy);
	if (x->piece) {
		x->piece->owner = NULL;
		x->piece = NULL;
	}
	queue_remove(&x->helper_link);
	segs->helper_count--;
	transfer_free(x);
	transfer_share_limit(segs->task);
}

void transfer_stop_helpers(struct ycdl_session *s, struct task *t)
{
	struct segments *segs = t->segs;
	struct queue *q;

	if (!segs)
		return;
	while ((q = queue_first(&segs->helpers)) != NULL)
		transfer_drop_helper(s, QUEUE_DATA(q, struct transfer, helper_link));
	for (struct segment *g = segment_map_first(&segs->map); g;
	     g = segment_map_next(&segs->map, g))
		g->owner = NULL;
	if (t->transfer)
		t->transfer->piece = NULL;
}

void transfer_share_limit(struct task *t)
{
	unsigned int n = segments_in_use(t);
	uint64_t share;
	struct queue *q;

	if (!t->extras->max_recv_speed || !t->transfer || n == 0)
		return;
	share = (t->extras->max_recv_speed + n - 1) / n;    /* never rounded to none */
	throttle_set_own_rate(&t->transfer->throttled, share);
	if (t->segs)
		QUEUE_FOREACH(q, &t->segs->helpers)
			throttle_set_own_rate(&QUEUE_DATA(q, struct transfer,
					helper_link)->throttled, share);
}

void transfer_stop(struct ycdl_session *s, struct task *t)
{
	struct transfer *x = t->transfer;

	if (!x)
		return;
	transfer_stop_helpers(s, t);
	detach(s, t, x, true);
	transfer_free(x);
}

bool transfer_delivered_everything(const struct transfer *x, CURLcode result)
{
	const struct task *t = x->task;

	return result == CURLE_OK && !x->local_error && x->after == AFTER_NOTHING &&
		!x->http_error && x->mode == BODY_APPEND &&
		(t->total < 0 || t->offset == (uint64_t)t->total);
}

static bool is_followed_redirect(unsigned int status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 ||
		status == 308;
}

/* A redirect is followed by hand, as a new request of the same transfer
 * (it keeps its slot), so that every hop gets the headers and credentials
 * its own origin may see (aim_request): curl, following by itself, would
 * send every custom header to any host a server names. True when the next
 * request is on its way; false when x ends here (not a redirect, or one
 * refused: x's local error says why). */
static bool follow_redirect(struct ycdl_session *s, struct transfer *x)
{
	const char *next = NULL;
	char *to;

	if (!is_followed_redirect(x->status) || !x->location || x->local_error)
		return false;
	curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &next);
	if (!next)
		return false;   /* judged as the status it is */
	if (x->redirects >= s->cfg.max_redirects) {
		x->local_error = YCDL_E_TOO_MANY_REDIRECTS;
		snprintf(x->local_message, sizeof(x->local_message),
				"more than %u redirects (the last to %s)",
				s->cfg.max_redirects, next);
		return false;
	}
	if (!url_is_http(next)) {
		x->local_error = YCDL_E_PROTOCOL;
		snprintf(x->local_message, sizeof(x->local_message),
				"redirect to a refused scheme: %s", next);
		return false;
	}
	if (!(to = strdup(next))) {
		set_local_error(x, YCDL_E_NOMEM, true, "%s", "out of memory");
		return false;
	}
	emit_redirected(s, x->task, x->url, to, x->status);
	x->redirects++;
	if (resend(s, x, to, NULL) != 0) {
		set_local_error(x, YCDL_E_NOMEM, true, "%s", ycdl_last_error_message());
		return false;
	}
	return true;
}

CURLcode transfer_result(const struct transfer *x, CURLcode result)
{
	if (result == CURLE_WRITE_ERROR && x->piece_done && !x->local_error &&
	    x->after == AFTER_NOTHING)
		return CURLE_OK;
	return result;
}

bool transfer_redirected(struct transfer *x, CURLcode result)
{
	return result == CURLE_OK && x->after == AFTER_NOTHING &&
		follow_redirect(x->session, x);
}

void transfer_end(struct transfer *x, CURLcode result)
{
	if (x->mode == BODY_REFUSED && !x->local_error)
		refuse(x);      /* a body shorter than the sniff, or none */
	detach(x->session, x->task, x, !transfer_delivered_everything(x, result));
}
