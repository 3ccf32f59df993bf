/* transfer.h — one HTTP request for one task: the curl easy handle, the
 * checks a response must pass before its body touches the part file, the
 * write path, checkpoints, and redirects followed by hand. Who starts it
 * and what its end means is completion.c; its slot is the scheduler's. */
#ifndef YCDL_TRANSFER_H
#define YCDL_TRANSFER_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>
#include "body_guard.h"
#include "partfile.h"
#include "queue.h"
#include "throttle.h"

#include <sys/types.h>

struct ycdl_session;
struct task;
struct event;

enum body_mode {
	BODY_UNDECIDED,   /* headers of the final response not seen yet */
	BODY_APPEND,      /* validated: bytes go to the part file */
	BODY_DISCARD,     /* an error or redirect body: never written */
	BODY_REFUSED      /* not the file (body_guard.h): its first bytes are
			     kept for the message, then the request ends */
};

enum after_transfer {
	AFTER_NOTHING,    /* judge by curl's result and the HTTP status */
	AFTER_RESTART     /* the partial data cannot be continued */
};

struct transfer {
	struct ycdl_session *session;
	struct task *task;
	CURL *easy;
	struct curl_slist *headers;
	int fd;                   /* the part file */
	struct partfile_id part;  /* which file it is (for the group commit) */
	bool resuming;            /* a range request, continuing a part file */
	uint64_t request_offset;  /* the range asked for starts here */
	uint64_t overlap;         /* ... this many bytes before task->offset */
	uint64_t verify_left;     /* of those, still to compare with the disk */
	int64_t started_ms;

	/* the response being received (reset at each status line) */
	unsigned int status;
	char *etag;
	char *last_modified;
	char *content_range;
	char *content_disposition;
	char *location;
	char *content_type;
	bool accept_ranges;
	size_t header_bytes;      /* of this response, against MAX_HEADER_BYTES */
	enum body_mode mode;

	/* redirects, followed by hand (see follow_redirect) */
	char *url;                /* of the request on its way */
	unsigned int redirects;   /* followed so far */

	/* set from inside callbacks, acted upon when curl is done */
	enum after_transfer after;
	char reason[160];
	int local_error;          /* YCDL_E_* from our side (disk, bad reply) */
	bool local_retryable;
	char local_message[256];
	unsigned int http_error;  /* an error status whose body was discarded */
	unsigned char sniff[BODY_GUARD_SNIFF];   /* a refused body's start */
	size_t sniffed;

	/* a segmented task's request (segments.h) */
	struct segment *piece;    /* the segment its bytes go to, or NULL */
	uint64_t request_end;     /* the range asked ends before this byte
				     (UINT64_MAX: the file's end) */
	bool piece_request;       /* asked for exactly a piece's range */
	bool piece_done;          /* its segment is complete: the request may
				     be cut (curl's write error is ours) */
	bool ranges_refused;      /* the server answered the range with 200 */
	bool helper;              /* an extra connection: borrows the fd */
	bool parked;              /* the primary, out of curl, its work done,
				     waiting for its helpers */
	struct queue helper_link; /* in its task's helpers */
	unsigned int requests;    /* sent by transfer_start or for a piece,
				     redirects not counted */

	bool hashing;             /* SHA-256 follows the bytes (task_hashes) */
	int64_t last_checkpoint_ms;
	uint64_t checkpoint_offset;
	bool name_synced;         /* the part file's folder synced since it opened */
	char curl_error[CURL_ERROR_SIZE];
	struct queue running;     /* in the scheduler's running list */
	struct throttled throttled;   /* held to the speed limits */
};

/* Opens the part file, builds the request (Range/If-Range when resuming)
 * and hands it to curl. On failure nothing is left running. */
int transfer_start(struct ycdl_session *s, struct task *t);

/* Stops the request, keeping every byte written (synced and claimed by a
 * snapshot). Not from inside a curl callback. */
void transfer_stop(struct ycdl_session *s, struct task *t);

/* curl finished x's request with result (multi.h): the result as it
 * means for the download (a request we cut at its segment's end is a
 * success). */
CURLcode transfer_result(const struct transfer *x, CURLcode result);

/* When x's request ended in a redirect to follow, starts the next request
 * of x and returns true. */
bool transfer_redirected(struct transfer *x, CURLcode result);

/* x's request is over: x leaves curl, its bytes synced and claimed unless
 * it delivered everything (the group commit syncs those); the caller
 * judges the end (completion.c) and frees x. */
void transfer_end(struct transfer *x, CURLcode result);

/* Stops t's helpers (segments.h: their bytes stay, claimed by the next
 * checkpoint) and lets go of every segment's owner. Not from a curl
 * callback. */
void transfer_stop_helpers(struct ycdl_session *s, struct task *t);

/* The task's speed limit shared equally among the connections it
 * receives over now (segments.h), each held to its share. */
void transfer_share_limit(struct task *t);

/* Takes helper x out of curl and of its task's helpers, and frees it. */
void transfer_drop_helper(struct ycdl_session *s, struct transfer *x);

/* A helper of t's primary (segments.h): its own request and limits, the
 * primary's part file; not in curl until transfer_request_piece. */
int transfer_start_helper(struct ycdl_session *s, struct task *t,
		struct transfer **out);

/* Sends x's next request for segment g (owned by x): the bytes g lacks,
 * with If-Range and, when g holds some, the bytes before them to compare
 * (like a resume). 0, or an error with x out of curl. */
int transfer_request_piece(struct ycdl_session *s, struct transfer *x,
		struct segment *g);

/* Whether x's request delivered its whole body: its data is synced with
 * the group commit of finished files (commit.c), not one file at a time. */
bool transfer_delivered_everything(const struct transfer *x, CURLcode result);

/* Syncs the part file and persists the task with the synced offset. */
int transfer_checkpoint(struct ycdl_session *s, struct task *t);

/* Forgets t's partial data in memory: its offsets and its running hash
 * (the caller empties or deletes the part file). */
void transfer_forget_progress(struct ycdl_session *s, struct task *t);

/* Frees the transfer (the easy handle must be out of the multi). */
void transfer_free(struct transfer *x);

#endif
