/*
 * ycdl.h — the public C interface of libycdl, a persistent, event-driven
 * download manager.
 *
 * Conventions (the same everywhere below):
 *  - Every fallible function returns an int: 0 (YCDL_OK) or a negative
 *    YCDL_E_* code. Results come back through out-parameters, which come
 *    first. On failure the out-parameters are left untouched and
 *    ycdl_last_error_message() describes what went wrong on this thread.
 *  - Handles are opaque. A session comes from ycdl_session_open() and goes
 *    back with ycdl_session_close().
 *  - Memory the library hands out is freed with the library's own function
 *    named next to it (ycdl_free, ycdl_task_info_free, ycdl_keys_free); never
 *    with the caller's free(), so different allocators never mix.
 *  - Strings are UTF-8 and NUL-terminated. Strings passed in are copied; the
 *    caller keeps ownership.
 *  - Options structs begin with a version field and are filled by an _INIT
 *    macro (or _init function) so the library can add fields without
 *    breaking callers compiled against an older header.
 *  - Thread safety: every function may be called from any thread. Each
 *    session runs its own loop thread; calls are posted to it and wait for
 *    its answer. Events are pulled, never pushed onto a foreign thread,
 *    unless the caller installs an event callback.
 *  - fork(): libcurl and libevent are not fork-safe; create sessions after
 *    forking, never use a session in a forked child.
 *  - Tasks are named by a key: the caller's file id if one was given, else
 *    the lowercase hex MD5 of the original URL. Keys are stable across
 *    processes.
 */
#ifndef YCDL_H
#define YCDL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  define YCDL_EXTERN __declspec(dllexport)
#elif defined(__GNUC__)
#  define YCDL_EXTERN __attribute__((visibility("default")))
#else
#  define YCDL_EXTERN
#endif

#define YCDL_VERSION_MAJOR 0
#define YCDL_VERSION_MINOR 1
#define YCDL_VERSION_PATCH 0
#define YCDL_VERSION_STRING "0.1.0"

/* ------------------------------------------------------------- errors */

typedef enum ycdl_error {
	YCDL_OK = 0,
	YCDL_E_INVALID = -1,            /* an argument is missing or malformed */
	YCDL_E_NOMEM = -2,              /* out of memory */
	YCDL_E_LOCKED = -3,             /* another process holds the session */
	YCDL_E_NOT_FOUND = -4,          /* no task with that key */
	YCDL_E_EXISTS = -5,             /* the destination file already exists */
	YCDL_E_STATE = -6,              /* not possible in the task's status */
	YCDL_E_CLOSED = -7,             /* the session is closing */
	YCDL_E_AGAIN = -8,              /* nothing to hand over right now */
	YCDL_E_IO = -9,                 /* a local file or system call failed */
	YCDL_E_DISK_FULL = -10,         /* no space left (ENOSPC, EDQUOT, EFBIG) */
	YCDL_E_STORE = -11,             /* the snapshot store failed */
	YCDL_E_NETWORK = -12,           /* connection failed, reset or stalled */
	YCDL_E_RESOLVE = -13,           /* host name could not be resolved */
	YCDL_E_TIMEOUT = -14,           /* connect or low-speed timeout */
	YCDL_E_TLS = -15,               /* certificate or TLS handshake failure */
	YCDL_E_HTTP = -16,              /* the server answered an error status */
	YCDL_E_TOO_MANY_REDIRECTS = -17,
	YCDL_E_PROTOCOL = -18,          /* URL or redirect to a refused scheme */
	YCDL_E_CHECKSUM = -19,          /* content does not match the checksum */
	YCDL_E_SIZE_MISMATCH = -20,     /* content length differs from expected */
	YCDL_E_TOO_LARGE = -21,         /* over the maximum file size */
	YCDL_E_CANCELED = -22,          /* the caller cancelled the task */
	YCDL_E_BAD_RESPONSE = -23,      /* the server's answer makes no sense */
	YCDL_E_UNSUPPORTED = -24,       /* not available in this build */
	YCDL_E_INTERNAL = -25,          /* a bug in libycdl; please report */
	YCDL_E_FETCH_LIMIT = -26,       /* fetched more than the task's budget */
	YCDL_E_NOT_THE_FILE = -27,      /* the response is not the file: an
					   error page, a type not accepted,
					   or smaller than the minimum size */
	YCDL_E_URL_EXPIRED = -28        /* the URL's signature has expired */
} ycdl_error;

/* Static English text for a YCDL_E_* code; never NULL. */
YCDL_EXTERN const char *ycdl_strerror(int code);

/* The detailed message of the last failed call on this thread, or "" when
 * none. Borrowed: valid until the next libycdl call on this thread. */
YCDL_EXTERN const char *ycdl_last_error_message(void);

/* The library version, e.g. "0.1.0". Static. */
YCDL_EXTERN const char *ycdl_version(void);

/* Frees memory handed out by libycdl where the documentation says so.
 * NULL is ignored. */
YCDL_EXTERN void ycdl_free(void *ptr);

/* ------------------------------------------------------------- enums */

typedef enum ycdl_status {
	YCDL_STATUS_WAITING = 1,
	YCDL_STATUS_DOWNLOADING = 2,
	YCDL_STATUS_PAUSED = 3,
	YCDL_STATUS_WAITING_FOR_NETWORK = 4,
	YCDL_STATUS_FINISHED = 5,
	YCDL_STATUS_FAILED = 6,
	/* The URL no longer gives the file (expired, refused with 401, 403
	 * or 410, or answered with an error page): the partial data is kept
	 * and the task waits for ycdl_task_set_url (or a start, to try the
	 * same URL again). Not pending: "all finished" does not wait for it. */
	YCDL_STATUS_WAITING_FOR_URL = 7
} ycdl_status;

/* Bit for a status in a status mask, for ycdl_session_list(). */
#define YCDL_STATUS_BIT(status) (1u << (status))
#define YCDL_STATUS_ALL 0xffffffffu

/* Static lowercase name of a status ("waiting", "waiting-for-network"…),
 * or "unknown". */
YCDL_EXTERN const char *ycdl_status_name(int status);

typedef enum ycdl_network {
	YCDL_NETWORK_UNKNOWN = 0,       /* treated as unmetered */
	YCDL_NETWORK_UNMETERED = 1,     /* wifi, ethernet */
	YCDL_NETWORK_CELLULAR = 2,      /* metered */
	YCDL_NETWORK_OFFLINE = 3
} ycdl_network;

/* What happens when a finished download's destination already exists. */
typedef enum ycdl_conflict {
	YCDL_CONFLICT_FAIL = 0,         /* fail with YCDL_E_EXISTS, data kept */
	YCDL_CONFLICT_OVERWRITE = 1,
	YCDL_CONFLICT_RENAME = 2        /* "name (1).ext", "name (2).ext"… */
} ycdl_conflict;

/* ------------------------------------------------------------ session */

typedef struct ycdl_session ycdl_session;

/* Called on the session's loop thread with one encoded ycdl.Event. The bytes
 * are borrowed for the duration of the call. Must not block and must not call
 * back into the session synchronously from another thread it waits on. It
 * may call the session's functions (not ycdl_session_close): an owner's run
 * at once; an attached handle's go to the owner and wait for its answer
 * (at most 30 s; events that arrive meanwhile follow this callback). */
typedef void (*ycdl_event_cb)(const void *event, size_t len, void *payload);

/* How ycdl_session_open treats a session another handle holds. */
typedef enum ycdl_open_mode {
	/* Own the session when it is free, else attach to its owner. */
	YCDL_OPEN_OWN_OR_ATTACH = 0,
	/* Own it, or fail with YCDL_E_LOCKED (the only mode before version 4;
	 * callers of an older options version get it). */
	YCDL_OPEN_OWN = 1,
	/* Attach to a running owner, or fail with YCDL_E_NOT_FOUND. */
	YCDL_OPEN_ATTACH = 2
} ycdl_open_mode;

/* What a session handle is (ycdl_session_role). */
typedef enum ycdl_role {
	YCDL_ROLE_OWNER = 1,            /* runs the downloads in this process */
	YCDL_ROLE_CLIENT = 2            /* attached to the owner's process */
} ycdl_role;

/* Version 2 added compute_sha256, version 3 fetch_budget_factor and
 * fetch_budget_extra, version 4 open_mode, takeover, background and
 * host_command, version 5 url_refresh_statuses to max_host_connections,
 * version 6 connections and segment_min_size. A caller built against an
 * older version passes its version and the library reads only the fields
 * that version had. */
#define YCDL_SESSION_OPTIONS_VERSION 6

typedef struct ycdl_session_options {
	unsigned int version;
	/* Root of all session state; NULL: $XDG_STATE_HOME/ycdl, else
	 * ~/.local/state/ycdl. The session keeps its state in
	 * <state_dir>/<identifier>/. */
	const char *state_dir;
	/* Default directory for tasks added without a destination; NULL: the
	 * current working directory at open time. */
	const char *download_dir;
	unsigned int max_concurrent;            /* >= 1; default 3 */
	int auto_resume;                        /* continue restored downloads */
	int allow_cellular;                     /* session-wide switch; default 1 */
	unsigned int progress_interval_ms;      /* progress coalescing; 250 */
	unsigned int checkpoint_interval_ms;    /* per active task; 1000 */
	uint64_t checkpoint_bytes;              /* per active task; 4 MiB */
	/* Retries per task (default 5) of transient failures. An attempt that
	 * gets no further than the best offset an earlier one reached counts
	 * against them; one that gets further starts a fresh count. An attempt
	 * that fails exactly as the one before it (the same malformed
	 * response at the same byte) fails the task with
	 * YCDL_E_BAD_RESPONSE: it can never succeed. */
	unsigned int max_retries;
	unsigned int retry_base_ms;             /* first backoff; 1000 */
	unsigned int retry_max_ms;              /* backoff cap; 60000 */
	unsigned int max_retry_after_s;         /* cap on Retry-After; 3600 */
	unsigned int max_redirects;             /* default 10 */
	unsigned int connect_timeout_ms;        /* default 30000 */
	unsigned int low_speed_limit;           /* bytes/s; default 1 */
	unsigned int low_speed_time_s;          /* default 30; 0 disables */
	/* Session-wide bytes/s for every transfer together; 0 = none. Held
	 * from the first second, like a task's own (ycdl_task_options, which
	 * says how slow and how fast a limit may be). */
	uint64_t max_recv_speed;
	uint64_t max_file_size;                 /* bytes; 0 = no limit */
	const char *ca_file;                    /* PEM bundle; NULL: system's */
	const char *pinned_public_key;          /* curl's "sha256//…" or a file */
	const char *proxy;                      /* NULL: environment's */
	const char *user_agent;                 /* NULL: "libycdl/<version>" */
	int verify_tls;                         /* default 1; 0 for tests only */
	ycdl_event_cb event_cb;                 /* NULL: queue events instead */
	void *event_cb_payload;
	/* Version 2. Hash every download with SHA-256 as it arrives, for the
	 * finished event and ycdl_task_info (default 1). 0 saves that CPU
	 * (about a second per 2 GB); tasks with a sha256: checksum to verify
	 * are hashed anyway. */
	int compute_sha256;
	/* Version 3. The most bytes one task may fetch (every response body,
	 * over every attempt since it was last started): fetch_budget_factor
	 * times its size (or the furthest it got, when the size is unknown),
	 * plus fetch_budget_extra. Over it the task fails with
	 * YCDL_E_FETCH_LIMIT, so that a server which keeps sending data that
	 * cannot complete the file never downloads forever (on a metered
	 * link). Defaults 3 and 8 MiB; a factor of 0 removes the bound. */
	unsigned int fetch_budget_factor;
	uint64_t fetch_budget_extra;
	/* Version 4. A session is owned by one process, which runs its
	 * downloads and serves it on a Unix socket in its state folder; any
	 * other handle of the same session (another process, or this one)
	 * attaches to it and works through this same API: its calls go to the
	 * owner, its events come from the owner (first an attached event
	 * with the tasks as they are), and closing it never stops the owner's
	 * downloads. open_mode (ycdl_open_mode) chooses; default own or
	 * attach. The settings above that govern downloads are the owner's;
	 * an attached handle's download_dir still applies to what it adds. */
	int open_mode;
	/* An attached handle takes the session over when its owner exits,
	 * crashes or is killed (default 1): one such handle becomes the owner
	 * (a role_changed event says so, then its session_restored), the
	 * others attach to it. With 0 a handle whose owner is gone fails its
	 * calls with YCDL_E_CLOSED. */
	int takeover;
	/* When no owner runs, start one in the background (a host process
	 * that keeps downloading after this one exits) and attach to it:
	 * iOS's background session, on the desktop. The host is
	 * host_command (argv, NULL-terminated; NULL: "ycdl serve --session
	 * ID --state-dir DIR --exit-when-idle", with ycdl found on PATH or in
	 * $YCDL_HOST_PROGRAM). A host program that cannot be found fails the
	 * open with YCDL_E_NOT_FOUND; background with open_mode YCDL_OPEN_OWN
	 * is YCDL_E_INVALID. See docs/background.md. */
	int background;
	const char *const *host_command;
	/* Version 5. The HTTP statuses that mean "this URL no longer works"
	 * (an expired or revoked signed link): the task waits for a new URL
	 * (YCDL_STATUS_WAITING_FOR_URL) instead of failing. A comma-separated
	 * list; NULL: "401,403,410"; "": none. */
	const char *url_refresh_statuses;
	/* The content types a task accepts when it names none of its own
	 * (ycdl_task_options.accept_types); NULL/0: the default guard, which
	 * refuses an HTML page for a file whose name is not a web page, and
	 * another text type for a file whose name says it is a video, audio,
	 * image, archive or binary. */
	const char *const *accept_types;
	size_t accept_type_count;
	/* 0 for a handle that only makes calls (a command-line tool's list
	 * or pause): it gets no events — attached, the owner sends it no
	 * snapshot and no events at all. Default 1. */
	int receive_events;
	/* Bytes kept free on the download disk: once a response's length is
	 * known, a task whose remaining bytes do not fit with this much left
	 * over fails at once with YCDL_E_DISK_FULL ("needs N, M available"),
	 * before writing anything. -1 (default): 1 % of the file system, at
	 * most 256 MiB; 0: none. */
	int64_t disk_reserve;
	/* Take a large download's room up front (fallocate, keeping the
	 * size), so a disk that fills meanwhile is found before the download;
	 * default 1, for files of 16 MiB and more. */
	int preallocate;
	/* The most connections to one host (name and port) at once, for
	 * every task of the session together, as aria2's
	 * --max-connection-per-server; a download beyond it waits in its slot
	 * for a connection. 0 (default): no cap but the slots. Over HTTPS
	 * with HTTP/2, downloads from one origin share one connection
	 * (multiplexed) whatever the cap. */
	unsigned int max_host_connections;
	/* Version 6. The connections a task uses when it names none
	 * (ycdl_task_options.connections, which says when several are
	 * used); 1..32, default 1. */
	unsigned int connections;
	/* The least bytes a segment is cut to (default 1 MiB; at least
	 * 64 KiB): a file shorter than two of them uses one connection. */
	uint64_t segment_min_size;
} ycdl_session_options;

#define YCDL_SESSION_OPTIONS_INIT { YCDL_SESSION_OPTIONS_VERSION, NULL, NULL, \
	3, 0, 1, 250, 1000, 4u << 20, 5, 1000, 60000, 3600, 10, 30000, 1, 30, \
	0, 0, NULL, NULL, NULL, NULL, 1, NULL, NULL, 1, 3, 8u << 20, \
	YCDL_OPEN_OWN_OR_ATTACH, 1, 0, NULL, NULL, NULL, 0, 1, -1, 1, 0, \
	1, 1u << 20 }

/* Fills opts with the defaults of the given version
 * (YCDL_SESSION_OPTIONS_VERSION). */
YCDL_EXTERN int ycdl_session_options_init(ycdl_session_options *opts,
		unsigned int version);

/* Opens (creating if needed) the session named identifier — letters,
 * digits, '.', '_' and '-', at most 200 characters, e.g. an app's bundle id
 * plus a suffix. As its owner (the session was free): restores every
 * persisted task — tasks that were running come back paused, or waiting if
 * opts->auto_resume is set — and a session restored event is the first
 * event. As a client (another handle owns it; see open_mode): attached to
 * the owner, and an attached event is the first event.
 *
 * out:  receives the session; close it with ycdl_session_close().
 * opts: NULL for the defaults.
 * Returns YCDL_E_LOCKED at once in YCDL_OPEN_OWN mode when another process
 * (or another open session in this process) holds the identifier. */
YCDL_EXTERN int ycdl_session_open(ycdl_session **out, const char *identifier,
		const ycdl_session_options *opts);

/* Owner: pauses every running download (keeping its data), writes every
 * snapshot durably, stops serving (attached clients are told, and one of
 * them may take the session over), stops the loop thread and frees the
 * session. Client: detaches; the owner's downloads go on. Events not yet
 * taken are discarded. NULL is ignored. Do not call it from the event
 * callback. */
YCDL_EXTERN int ycdl_session_close(ycdl_session *session);

/* A file descriptor that is readable while events are pending; watch it
 * with poll/epoll/kqueue, asyncio add_reader, uv_poll or a Dispatch source,
 * then call ycdl_session_next_event() until it returns YCDL_E_AGAIN. Owned
 * by the session: do not read from or close it. */
YCDL_EXTERN int ycdl_session_event_fd(int *out_fd, ycdl_session *session);

/* Takes the next pending event without blocking: *out_data receives one
 * serialized ycdl.Event (free it with ycdl_free), *out_len its size.
 * Returns YCDL_E_AGAIN when none is pending.
 *
 * What waits is bounded by the tasks, not by how long nobody read: each
 * task has at most one progress event pending. A newer one for the same
 * task takes the older one out and goes to the end of the queue, its
 * bytes_this_burst counting the older one's bytes (so the bursts add up to
 * every byte written) and its coalesced field counting the events it
 * replaced; its other figures are simply the newer ones. Every other event
 * is kept, in the order it happened. So seq strictly increases, and a
 * number missing is a progress event that was replaced: on an owner's
 * handle the numbers skipped so far equal the sum of coalesced over the
 * progress events taken so far, once the queue is empty. A progress event
 * may come after a status event of its task that followed some of the
 * bytes it counts (a pause, say, and a resume). With an event callback the
 * queue is drained after every callback of the loop thread, so events are
 * rarely coalesced. */
YCDL_EXTERN int ycdl_session_next_event(void **out_data, size_t *out_len,
		ycdl_session *session);

/* Waits up to timeout_ms (-1: forever) for an event to be pending. Returns
 * 0 when one is, YCDL_E_AGAIN on timeout. A convenience for C programs. */
YCDL_EXTERN int ycdl_session_wait_event(ycdl_session *session, int timeout_ms);

/* What this handle is now: YCDL_ROLE_OWNER or YCDL_ROLE_CLIENT (a client
 * may become the owner by taking over; a role_changed event says when). */
YCDL_EXTERN int ycdl_session_role(ycdl_session *session);

/* The session as its owner sees it. Free with ycdl_free. */
typedef struct ycdl_session_info {
	int role;                         /* this handle's ycdl_role */
	int owner_pid;                    /* the owner's process */
	unsigned int clients;             /* handles attached to the owner */
	size_t tasks;
	size_t pending;                   /* waiting, downloading, for network */
} ycdl_session_info;

YCDL_EXTERN int ycdl_session_get_info(ycdl_session_info **out,
		ycdl_session *session);

/* Asks the owner to close the session: its handle gets a stop_requested
 * event (a host, `ycdl serve`, closes on it; an application decides). From
 * any handle. */
YCDL_EXTERN int ycdl_session_request_stop(ycdl_session *session);

YCDL_EXTERN int ycdl_session_set_max_concurrent(ycdl_session *session,
		unsigned int max_concurrent);

/* Tells the session what network the host is on. Tasks not allowed on it
 * move to waiting-for-network and continue by themselves when it changes;
 * offline suspends every transfer without spending retries. */
YCDL_EXTERN int ycdl_session_set_network(ycdl_session *session,
		ycdl_network network);

/* The session-wide cellular switch; applies at once to existing tasks. */
YCDL_EXTERN int ycdl_session_set_allow_cellular(ycdl_session *session,
		int allow);

/* Session-wide speed limit in bytes per second, shared by running tasks
 * (they take turns); 0 removes it. Applies at once to running transfers,
 * from their next read. Any value is accepted, as max_recv_speed of
 * ycdl_task_options describes. */
YCDL_EXTERN int ycdl_session_set_max_recv_speed(ycdl_session *session,
		uint64_t bytes_per_second);

/* -------------------------------------------------------------- tasks */

/* Version 2 added secret_headers, version 3 accept_types, min_size,
 * mirrors, name_from_url and group, version 4 connections. A
 * caller built against an older version passes it and the library reads
 * only the fields that version had. */
#define YCDL_TASK_OPTIONS_VERSION 4

/* The most connections one task may use (ycdl_task_options.connections). */
#define YCDL_MAX_CONNECTIONS 32

typedef struct ycdl_task_options {
	unsigned int version;
	/* Required: http or https. Credentials in it ("https://user:pw@host/")
	 * are used but never written to disk: the task's URL is the one
	 * without them, and after a restart the task needs them again (add the
	 * same URL with them, or ycdl_task_set_headers) before it resumes. */
	const char *url;
	const char *file_id;              /* optional; becomes the key */
	/* Where the finished file goes: dest_path names the file exactly;
	 * otherwise it is created in dest_dir (NULL: the session's download
	 * dir) under file_id, else the MD5 of the URL, plus the extension of
	 * the URL's path. */
	const char *dest_path;
	const char *dest_dir;
	const char *display_name;
	const char *thumbnail_url;
	const void *user_data;            /* opaque bytes kept with the task */
	size_t user_data_len;
	/* Extra request headers, "Name: value" each, sent on every request
	 * and written to the journal so that a restored task sends them too.
	 * Secret headers are the exception: Authorization,
	 * Proxy-Authorization and Cookie (and any in secret_headers) are sent
	 * only to the origin (scheme, host, port) of the task's URL, never
	 * after a redirect elsewhere, and never written to disk: after a
	 * restart such a task waits for them (ycdl_task_set_headers). */
	const char *const *headers;
	size_t header_count;
	int allow_cellular;               /* default 1 */
	int priority;                     /* higher runs first; default 0 */
	int64_t expected_size;            /* -1 unknown; else verified */
	const char *checksum;             /* "sha256:HEX" or "md5:HEX" */
	/* This task's bytes/s; 0 = none. Held from the first second: any one
	 * second after the first receives at most the limit plus 10 %, also
	 * under the session's limit, which the task's transfers share with
	 * the others. Any value is accepted: below 10 KiB/s a second may
	 * hold one read of 1 KiB (curl's least) more than the limit, and
	 * 1 byte/s reads 1 KiB about every 17 minutes; above 1 TiB/s the
	 * limit is taken as 1 TiB/s (UINT64_MAX too): as good as none. Kept
	 * with the task across pauses, retries and sessions. */
	uint64_t max_recv_speed;
	int conflict;                     /* ycdl_conflict */
	int use_content_disposition;      /* name the file as the server says */
	int start_paused;                 /* add without queueing */
	/* Version 2. More request headers, "Name: value" each, that are
	 * secrets (an API token, say): treated like Authorization above. Their
	 * names stay secret for the task, also in ycdl_task_set_headers. */
	const char *const *secret_headers;
	size_t secret_header_count;
	/* Version 3. The body guard: no byte of a response reaches the part
	 * file unless its Content-Type matches one of these patterns
	 * ("video/mp4", "video/" followed by a star for any video,
	 * "application/octet-stream"; parameters and case ignored; a response
	 * without a type passes); NULL/0: the session's
	 * (ycdl_session_options.accept_types). A response refused is never
	 * saved: the task waits for a new URL (YCDL_E_NOT_THE_FILE, the
	 * message names the status, the type and the body's first bytes). */
	const char *const *accept_types;
	size_t accept_type_count;
	/* A response that announces fewer bytes (or a body that ends with
	 * fewer) is not the file either; 0: no minimum. */
	uint64_t min_size;
	/* Other URLs of the same file (http or https, without credentials;
	 * at most 16). When the URL in use fails in a way its retries cannot
	 * fix (its retries ran out, an error page, a refused or expired link),
	 * the next is tried, its partial data kept by the rules of a resume
	 * (the 64 KiB before the offset compared, Last-Modified and size
	 * across servers); a url_changed event says which URL is in use. */
	const char *const *mirrors;
	size_t mirror_count;
	/* Name the file after the URL's last path segment (percent-decoded,
	 * made safe), as wget and curl -O do, in dest_dir; another task's
	 * file of that name makes it "name (1).ext" with conflict RENAME.
	 * The key stays the file id, else the MD5 of the URL. Default 0: the
	 * seed's naming (the key plus the URL's extension). */
	int name_from_url;
	/* The group the task belongs to (an album, a season): 1..200 bytes
	 * without control characters; NULL: none. See "groups" below. */
	const char *group;
	/* Version 4. The most connections the file is fetched over at once
	 * (1..32; 0: the session's, ycdl_session_options.connections): a
	 * file whose size is known, at least two minimum pieces long, from a
	 * server that takes byte ranges and names it with a strong validator
	 * is cut into that many segments, each fetched by its own ranged
	 * request into the one part file; a connection done early takes half
	 * of the largest segment left. Every piece is validated like a resume
	 * (206, the exact Content-Range, the same validator): a file that
	 * changed between two requests starts again, never spliced; a server
	 * that answers a range with the whole file is fetched over one
	 * connection. The task's speed limit holds for the sum (each
	 * connection gets an equal share). */
	unsigned int connections;
} ycdl_task_options;

#define YCDL_TASK_OPTIONS_INIT { YCDL_TASK_OPTIONS_VERSION, NULL, NULL, NULL, \
	NULL, NULL, NULL, NULL, 0, NULL, 0, 1, 0, -1, NULL, 0, \
	YCDL_CONFLICT_FAIL, 0, 0, NULL, 0, NULL, 0, 0, NULL, 0, 0, NULL, 0 }

YCDL_EXTERN int ycdl_task_options_init(ycdl_task_options *opts,
		unsigned int version);

/* Adds a download and queues it (unless opts->start_paused). When the
 * session already holds the URL (and the key, if a file id is given), no
 * task is created and the existing task's key is returned. A file id that
 * names a task of another URL is refused with YCDL_E_EXISTS (the message
 * names that task and its URL): a task's URL changes only on purpose.
 * out_key: receives the task's key; free it with ycdl_free. May be NULL. */
YCDL_EXTERN int ycdl_task_add(char **out_key, ycdl_session *session,
		const ycdl_task_options *opts);

/* Adds count downloads with one hand-over to the session's thread and one
 * journal write, for applications that add thousands at once (a playlist,
 * an import). opts is an array of count pointers, each checked and added
 * as ycdl_task_add would; items are independent, so a bad one does not
 * stop the others.
 * out_keys:   NULL, or receives an array of count keys, NULL where an item
 *             failed; free it with ycdl_keys_free(keys, count).
 * out_errors: NULL, or an array of count ints that receives each item's
 *             result (0 or YCDL_E_*).
 * Returns 0 when every item was added (or already held), else the first
 * failing item's code; ycdl_last_error_message() names that item. */
YCDL_EXTERN int ycdl_task_add_many(char ***out_keys, int *out_errors,
		ycdl_session *session, const ycdl_task_options *const *opts,
		size_t count);

/* The key of the task whose original URL is url. Free with ycdl_free. */
YCDL_EXTERN int ycdl_task_find_by_url(char **out_key, ycdl_session *session,
		const char *url);

/* Queues a paused or failed task (start and resume are one operation: a
 * paused task continues from its resume data when the server allows it,
 * else restarts from zero and says so with a restarted event). A task
 * already waiting or downloading is left alone (returns 0). Returns
 * YCDL_E_STATE for a finished task, and for a task restored from disk that
 * was added with Authorization/Cookie headers until they are given again
 * (ycdl_task_set_headers): credentials are never stored. */
YCDL_EXTERN int ycdl_task_start(ycdl_session *session, const char *key);
YCDL_EXTERN int ycdl_task_resume(ycdl_session *session, const char *key);

/* Stops a waiting or running task, keeping its data for a resume. */
YCDL_EXTERN int ycdl_task_pause(ycdl_session *session, const char *key);

#define YCDL_CANCEL_DELETE_DATA 1u

/* Stops the task and marks it failed with YCDL_E_CANCELED. With
 * YCDL_CANCEL_DELETE_DATA the partial data is deleted (a later start
 * begins from zero), else it is kept. */
YCDL_EXTERN int ycdl_task_cancel(ycdl_session *session, const char *key,
		unsigned int flags);

#define YCDL_REMOVE_DELETE_FILE 1u

/* Stops the task, deletes its partial data and forgets it. The finished
 * file is deleted only with YCDL_REMOVE_DELETE_FILE. */
YCDL_EXTERN int ycdl_task_remove(ycdl_session *session, const char *key,
		unsigned int flags);

YCDL_EXTERN int ycdl_task_set_allow_cellular(ycdl_session *session,
		const char *key, int allow);
YCDL_EXTERN int ycdl_task_set_priority(ycdl_session *session,
		const char *key, int priority);

/* Gives the task a new URL to request (a refreshed signed link, say): its
 * key and its original URL (what ycdl_task_find_by_url answers to) stay.
 * The partial data is kept when the new URL's response carries the same
 * validator, by the rules of a resume, and discarded with a restarted event
 * otherwise. A task waiting for a URL (or failed) is queued again; a
 * downloading one continues from the new URL. url: http or https, without
 * credentials; NULL or the original URL go back to the original. */
YCDL_EXTERN int ycdl_task_set_url(ycdl_session *session, const char *key,
		const char *url);

/* Replaces the task's extra request headers ("Name: value" each); used
 * from the next request on. Headers whose names are secret for the task
 * (see ycdl_task_options) are sent to its origin only and never stored. */
YCDL_EXTERN int ycdl_task_set_headers(ycdl_session *session, const char *key,
		const char *const *headers, size_t header_count);

typedef struct ycdl_task_info {
	const char *key;
	const char *url;                  /* original URL */
	const char *final_url;            /* after redirects; "" before */
	const char *dest_path;
	const char *file_id;              /* "" when none */
	const char *display_name;
	const char *thumbnail_url;
	const void *user_data;
	size_t user_data_len;
	int status;                       /* ycdl_status */
	uint64_t bytes_written;
	int64_t bytes_expected;           /* -1 unknown */
	uint64_t speed_bps;
	int64_t eta_seconds;              /* -1 unknown */
	int resumable;                    /* 1 yes, 0 no, -1 not known yet */
	int priority;
	int allow_cellular;
	int error_code;                   /* last error, 0 when none */
	const char *error_message;        /* "" when none */
	unsigned int http_status;         /* of the last response; 0 none */
	unsigned int retries;             /* spent on the current attempt */
	const char *sha256_hex;           /* when finished and hashed; else "" */
	/* The URL requests go to when it is not url (ycdl_task_set_url gave
	 * one, or a mirror is in use); else "". */
	const char *request_url;
	const char *group;                /* "" when in none */
	/* Connections it is receiving over now (0 when not downloading),
	 * and the most it may use (ycdl_task_options.connections). */
	unsigned int connections;
	unsigned int max_connections;
} ycdl_task_info;

/* A snapshot of one task. Free with ycdl_task_info_free. */
YCDL_EXTERN int ycdl_task_get_info(ycdl_task_info **out, ycdl_session *session,
		const char *key);
YCDL_EXTERN void ycdl_task_info_free(ycdl_task_info *info);

/* The keys of the tasks whose status is in status_mask (YCDL_STATUS_BIT,
 * or YCDL_STATUS_ALL), in the order they were added. Free with
 * ycdl_keys_free. */
YCDL_EXTERN int ycdl_session_list(char ***out_keys, size_t *out_count,
		ycdl_session *session, unsigned int status_mask);
YCDL_EXTERN void ycdl_keys_free(char **keys, size_t count);

/* The info of every task whose status is in status_mask, in the order they
 * were added, with one hand-over to the session's thread: what a list of
 * downloads shows after a restart. *out_infos receives *out_count
 * pointers; free them with ycdl_task_info_list_free. */
YCDL_EXTERN int ycdl_session_list_info(ycdl_task_info ***out_infos,
		size_t *out_count, ycdl_session *session, unsigned int status_mask);
YCDL_EXTERN void ycdl_task_info_list_free(ycdl_task_info **infos, size_t count);

/* ------------------------------------------------------------ groups */

/* A group is a name tasks carry (ycdl_task_options.group,
 * ycdl_task_set_group), persisted with them: an album, a season, a
 * course. The session keeps each group's figures as its tasks change —
 * never by walking them — and reports them in group_progress events
 * (coalesced like a task's progress) and, once nothing of the group is
 * pending any more (paused and failed tasks are not pending, as for "all
 * finished"), in a group_finished event. */

/* Puts the task in group (NULL or "": in none). */
YCDL_EXTERN int ycdl_task_set_group(ycdl_session *session, const char *key,
		const char *group);

typedef struct ycdl_group_info {
	const char *name;
	size_t tasks;
	size_t waiting, downloading, paused, waiting_for_network;
	size_t finished, failed, waiting_for_url;
	/* Bytes of the tasks whose size is known, and the sum of those sizes;
	 * apart, the bytes of those whose size is not known yet: a bar drawn
	 * from the first two never jumps back when a size becomes known. */
	uint64_t bytes_written_known;
	uint64_t bytes_expected;
	uint64_t bytes_written_unknown;
	uint64_t speed_bps;
	int64_t eta_seconds;              /* -1 unknown */
} ycdl_group_info;

/* The group's figures; YCDL_E_NOT_FOUND when no task has the group. Free
 * with ycdl_free. */
YCDL_EXTERN int ycdl_group_get_info(ycdl_group_info **out, ycdl_session *session,
		const char *group);
/* The names of the session's groups. Free with ycdl_keys_free. */
YCDL_EXTERN int ycdl_group_list(char ***out_names, size_t *out_count,
		ycdl_session *session);
/* The keys of the group's tasks whose status is in status_mask, in the
 * order they were added. Free with ycdl_keys_free. */
YCDL_EXTERN int ycdl_group_list_tasks(char ***out_keys, size_t *out_count,
		ycdl_session *session, const char *group, unsigned int status_mask);

/* The task calls for every task of a group at once: one hand-over to the
 * session's thread, so no task of the group starts in between. Tasks the
 * call does not apply to (pausing a finished one) are left alone.
 * YCDL_E_NOT_FOUND when no task has the group. */
YCDL_EXTERN int ycdl_group_start(ycdl_session *session, const char *group);
YCDL_EXTERN int ycdl_group_pause(ycdl_session *session, const char *group);
YCDL_EXTERN int ycdl_group_cancel(ycdl_session *session, const char *group,
		unsigned int flags);
YCDL_EXTERN int ycdl_group_remove(ycdl_session *session, const char *group,
		unsigned int flags);
YCDL_EXTERN int ycdl_group_set_priority(ycdl_session *session, const char *group,
		int priority);
YCDL_EXTERN int ycdl_group_set_allow_cellular(ycdl_session *session,
		const char *group, int allow);

#ifdef __cplusplus
}
#endif

#endif /* YCDL_H */
