/* task.h — one download: its persistent fields and its runtime state (the
 * task model; status.c changes its status, persist.c writes it down). */
#ifndef YCDL_TASK_H
#define YCDL_TASK_H

#include "partfile.h"
#include "queue.h"
#include "url.h"
#include "ycdl.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ycdl_session;
struct group_member;
struct transfer;
struct event;
struct digest;
struct hash_job;
struct commit_member;
struct task_line;
struct segments;

/* Where a task whose bytes are all in is, in the group commit (commit.h). */
enum commit_stage {
	COMMIT_NONE,
	COMMIT_WAITING,    /* verified, waiting for its group to start */
	COMMIT_OUT,        /* its group's file work is out on the worker */
	COMMIT_RECORDED    /* "finished" is in the journal; its file is being
			      moved into place, its status follows */
};

enum resumability {
	RESUMABLE_UNKNOWN = 0,
	RESUMABLE_YES = 1,
	RESUMABLE_NO = 2
};

/* What a task keeps once it has been started (task_run_of), beyond what
 * is written down: most tasks of a big session only wait, and pay one
 * pointer for all of it. It lives as long as the task. */
struct task_run {
	struct digest *sha256;     /* running hash of bytes [0, hashed) */
	uint64_t hashed;
	struct hash_job *hash_job; /* out on the worker (download_hash.c) */
	struct event *retry_timer; /* while backing off before a retry */
	struct ycdl_session *session;  /* the timer's, when it goes off */
	int64_t last_progress_ms;
	uint64_t progress_reported;  /* bytes_written at the last progress event */
	uint64_t speed_bps;
	/* the budget of this run (since the task was last started; retry.h) */
	uint64_t best_offset;      /* the furthest an attempt got */
	uint64_t fetched;          /* body bytes received, every attempt */
	uint64_t last_cause_at;    /* ... and at which offset */
	int last_cause;            /* why the last attempt failed, 0: it did not */
	unsigned int restarts;     /* restarts from zero in a row */
	bool hash_by_finish;       /* the thread failed: leave the rest to
				      download_hash_finish */
	bool single_connection;    /* this run: the server refused ranges */
	struct partfile_id part;   /* the part file it last claimed (partfile.h) */
	struct commit_member *in_commit;  /* its place in the group out, from
					     COMMIT_OUT on (commit.h) */
};

/* The options few tasks are given. A task given none of them points to
 * task_no_extras, shared and read-only, so that the many plain tasks of a
 * big session pay one pointer for all of these. Read through t->extras,
 * change through task_own_extras. */
struct task_extras {
	char *file_id;             /* "" when none */
	char *display_name;
	char *thumbnail_url;
	char *expected_checksum;   /* "" or "sha256:hex" / "md5:hex" */
	char *request_url;         /* "" while requests go to url, else the
				      URL ycdl_task_set_url gave */
	unsigned char *user_data;
	size_t user_data_len;
	char **headers;            /* "Name: value", including secret ones */
	size_t header_count;
	char **secret_names;       /* lowercase names of the caller's secret
				      headers (task_header_is_secret) */
	size_t secret_name_count;
	char **accept_types;       /* the body guard's patterns; none: the
				      session's (body_guard.h) */
	size_t accept_type_count;
	char **mirrors;            /* other URLs of the same file */
	size_t mirror_count;
	uint64_t max_recv_speed;
	uint64_t min_size;         /* a smaller body is not the file; 0 none */
	/* runtime only */
	struct url_credentials url_creds;  /* from the URL as added; url has none */
	unsigned int mirror_index; /* in use: 0 its own URL, i mirrors[i-1] */
};

extern const struct task_extras task_no_extras;

/* Fields in each group go by size, largest first: no padding between
 * them (a session may hold a million tasks). */
struct task {
	/* ---- persisted (see snapshot.c) */
	char *key;
	char *url;                 /* original URL: the identity */
	char *final_url;           /* "" until a response was seen */
	char *dest_path;
	/* The part file's name: NULL until needed, then dest_path + ".part"
	 * (or, once dest_path moved during a run, the name the bytes are
	 * under). Read it through task_part_path: a paused task of a big
	 * session does not keep a copy of its destination. */
	char *held_part_path;
	int64_t expected_size;     /* -1 unknown */
	uint64_t offset;           /* bytes in the part file, valid from 0 */
	uint64_t synced_offset;    /* bytes the last snapshot claims (synced) */
	int64_t total;             /* -1 unknown */
	char *etag;
	char *last_modified;
	char *error_message;
	uint64_t order;
	int64_t created_ms;
	char *sha256_hex;          /* "" until finished */
	char *group_name;          /* "" when in no group; a member's is its
				      group's own (group_join) */
	const struct task_extras *extras;  /* task_no_extras when given none */
	int priority;
	int status;                /* ycdl_status */
	unsigned int retries;
	int error_code;
	unsigned int http_status;
	unsigned int connections;  /* the most at once; 0: the session's */
	bool had_credentials : 1;  /* secret headers or URL credentials were
				      given (never persisted) */
	bool allow_cellular : 1;
	bool use_content_disposition : 1;
	unsigned int conflict : 2;     /* ycdl_conflict (checked on the way in) */
	unsigned int resumability : 2; /* enum resumability */

	/* ---- runtime only */
	bool validators_elsewhere : 1; /* its validators come from another
					  server than the URL in use: a resume
					  compares Last-Modified, not the ETag */
	bool dest_inline : 1;      /* dest_path, held_part_path are the ones */
	bool part_inline : 1;      /* made with the task, in its own block */
	unsigned int commit_stage : 2; /* enum commit_stage: where it is in
					  the group commit */
	struct transfer *transfer; /* while downloading (the primary) */
	struct segments *segs;     /* its segment map, when segmented
				      (segments.h); persisted with it */
	struct task_run *run;      /* once started, else NULL (task_run_of) */
	/* Its membership of its group (group.h), or NULL: made only for a
	 * task in a group, so that the others pay one pointer for groups. */
	struct group_member *group;
	struct task_line *line;    /* the scheduler's line it waits in, or NULL */
	struct queue wait;         /* its place in that line */
	struct queue dirty;        /* in the table's snapshots to write (at the
				      end of the turn), or in none */
	struct queue all;          /* in the table's list of every task */
};

/* Checks the caller's add options (all but the URL, which url_parse
 * checks); a clear error for each mistake. The other task_* functions take
 * options completed by task_options_complete. */
int task_check_options(const ycdl_task_options *opts);

/* How much of ycdl_task_options a caller of that version has: fields are
 * only ever added at the end. */
size_t task_options_size(unsigned int version);

/* The caller's options (of a checked version) with the defaults of the
 * fields its version did not have yet. */
void task_options_complete(ycdl_task_options *full,
		const ycdl_task_options *given);

/* Checks "Name: value" header lines (no CR/LF, a name, at most 100). */
int task_check_headers(const char *const *headers, size_t count);

/* A zeroed task, in no list, with its key, URL, destination and part file
 * names copied into the same allocation (a task is one block with its
 * strings behind it; key and url never change, the paths may:
 * task_rename, task_move_dest). part is NULL when it is dest + ".part",
 * which is not kept. NULL when out of memory. */
struct task *task_alloc(const char *key, const char *url, const char *dest,
		const char *part);

/* t's part file name; NULL when out of memory (error set). A task that
 * has started (task_run_of) always has it. */
const char *task_part_path(struct task *t);

/* A copy of t's part file name, to be freed, for a reading that should
 * not make t keep one (a snapshot, a look at every task); NULL when out of
 * memory. */
char *task_part_path_copy(const struct task *t);

/* Whether path is dest + ".part", the part file name not kept. */
bool task_part_path_is_derived(const char *dest, const char *path);

/* t is to be downloaded to dest (malloc'ed, taken over), its part file
 * beside it: before its bytes have a place (an add choosing a free name). */
void task_rename(struct task *t, char *dest);

/* t's file goes to dest (malloc'ed, taken over) when it is done; its bytes
 * stay where they are. False when out of memory (nothing changed). */
bool task_move_dest(struct task *t, char *dest);

/* t's runtime state, made on first use (its budget counted from where t
 * is now), and its part file name kept; NULL when out of memory. Readers of a task that may never have
 * started test t->run instead. */
struct task_run *task_run_of(struct task *t);

/* t's own extras, to be changed (a copy of the shared defaults is made on
 * first use); NULL when out of memory. */
struct task_extras *task_own_extras(struct task *t);

/* Points t back to the shared defaults when its own extras hold nothing
 * else (after construction, which fills its own). */
void task_settle_extras(struct task *t);

/* Builds the task named key from validated add options and their parsed
 * URL (see url_parse); the URL's credentials are moved into the task. The
 * caller assigns the order. */
int task_new(struct task **out, struct ycdl_session *s,
		const ycdl_task_options *opts, const char *key,
		struct url_parts *url);
void task_free(struct task *t);


/* Records the error a task failed or paused with (message copied). */
void task_set_error(struct task *t, int code, const char *message,
		unsigned int http_status);
void task_clear_error(struct task *t);

/* Where t's requests go: the mirror in use, else the URL
 * ycdl_task_set_url gave, else its own. */
const char *task_request_url(const struct task *t);

/* Requests go to the URL of mirror_index (0: the task's own or the one
 * ycdl_task_set_url gave) from now on; a resume then trusts only the
 * validators another server can share (task.validators_elsewhere). */
void task_use_mirror(struct task *t, unsigned int mirror_index);

/* The most mirrors a task may have. */
#define TASK_MAX_MIRRORS 16

/* Checks mirror URLs (http or https, no credentials); a clear error. */
int task_check_mirrors(const char *const *mirrors, size_t count);

/* The part file t last claimed, or NULL: what partfile_remove may take
 * for its own without looking. */
static inline const struct partfile_id *task_claimed_part(const struct task *t)
{
	return t->run ? &t->run->part : NULL;
}

/* Waiting, downloading and waiting-for-network count as pending. */
bool task_status_is_pending(int status);

/* Seconds left at the task's current speed: -1 unless it is downloading
 * with a known size and speed. Task info and progress events say it.
 * Inline, as a reading of the fields like the ones events.c makes, so the
 * event stream stays below the task model (docs/architecture.md). */
static inline int64_t task_eta_seconds(const struct task *t)
{
	if (t->status != YCDL_STATUS_DOWNLOADING || !t->run || t->run->speed_bps == 0 ||
	    t->total < 0 || (uint64_t)t->total < t->offset)
		return -1;
	return (int64_t)(((uint64_t)t->total - t->offset) / t->run->speed_bps);
}

/* Forgets the task's partial data in memory (offsets, total) so that its
 * next request starts from byte zero; the caller empties the part file and
 * drops the running hash (transfer_forget_progress does all three). */
void task_forget_progress(struct task *t);

/* Whether t's bytes are hashed with SHA-256 as they arrive: the session
 * says so, or the task has a sha256: checksum to verify. */
bool task_hashes(const struct ycdl_session *s, const struct task *t);

/* Whether the group commit finishes t's SHA-256 (on the hashing thread):
 * it is hashed and has no checksum to be compared before the commit. */
bool task_hashed_by_commit(const struct ycdl_session *s, const struct task *t);

/* True for a task restored from disk whose credential headers (never
 * stored) have not been given again: it must not run without them. */
bool task_lacks_credentials(const struct task *t);

/* Whether a "Name: value" line carries a secret, never written to disk
 * and sent only to the task's origin: Authorization, Proxy-Authorization,
 * Cookie, and the names t's caller marked secret (t may be NULL). */
bool task_header_is_secret(const struct task *t, const char *line);

/* Adds name (of a "Name: value" line) to t's secret names; false on
 * ENOMEM. */
bool task_mark_secret(struct task *t, const char *line);

#endif
