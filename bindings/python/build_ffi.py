"""build_ffi.py - declares the C surface of libycdl that the binding uses, once.

cffi in API (out-of-line) mode: these declarations are checked against the
real ycdl.h by the C compiler when the extension ycdl._native is built, so a
mismatch fails the build instead of corrupting memory at run time. Structs end
in "...;" and enums in "..." so their layout and values come from the header,
never from a copy here.

The event callback (ycdl_event_cb) is deliberately absent: events are pulled
on the application's own threads, and no library thread ever calls Python.
"""

from __future__ import annotations

from cffi import FFI

CDEF = """
typedef enum ycdl_error {
    YCDL_OK, YCDL_E_INVALID, YCDL_E_NOMEM, YCDL_E_LOCKED, YCDL_E_NOT_FOUND,
    YCDL_E_EXISTS, YCDL_E_STATE, YCDL_E_CLOSED, YCDL_E_AGAIN, YCDL_E_IO,
    YCDL_E_DISK_FULL, YCDL_E_STORE, YCDL_E_NETWORK, YCDL_E_RESOLVE,
    YCDL_E_TIMEOUT, YCDL_E_TLS, YCDL_E_HTTP, YCDL_E_TOO_MANY_REDIRECTS,
    YCDL_E_PROTOCOL, YCDL_E_CHECKSUM, YCDL_E_SIZE_MISMATCH, YCDL_E_TOO_LARGE,
    YCDL_E_CANCELED, YCDL_E_BAD_RESPONSE, YCDL_E_UNSUPPORTED, YCDL_E_INTERNAL,
    YCDL_E_FETCH_LIMIT, YCDL_E_NOT_THE_FILE, YCDL_E_URL_EXPIRED, ...
} ycdl_error;

typedef enum ycdl_status {
    YCDL_STATUS_WAITING, YCDL_STATUS_DOWNLOADING, YCDL_STATUS_PAUSED,
    YCDL_STATUS_WAITING_FOR_NETWORK, YCDL_STATUS_FINISHED, YCDL_STATUS_FAILED,
    YCDL_STATUS_WAITING_FOR_URL, ...
} ycdl_status;

typedef enum ycdl_network {
    YCDL_NETWORK_UNKNOWN, YCDL_NETWORK_UNMETERED, YCDL_NETWORK_CELLULAR,
    YCDL_NETWORK_OFFLINE, ...
} ycdl_network;

typedef enum ycdl_conflict {
    YCDL_CONFLICT_FAIL, YCDL_CONFLICT_OVERWRITE, YCDL_CONFLICT_RENAME, ...
} ycdl_conflict;

typedef enum ycdl_open_mode {
    YCDL_OPEN_OWN_OR_ATTACH, YCDL_OPEN_OWN, YCDL_OPEN_ATTACH, ...
} ycdl_open_mode;

typedef enum ycdl_role {
    YCDL_ROLE_OWNER, YCDL_ROLE_CLIENT, ...
} ycdl_role;

#define YCDL_STATUS_ALL ...
#define YCDL_SESSION_OPTIONS_VERSION ...
#define YCDL_TASK_OPTIONS_VERSION ...
#define YCDL_MAX_CONNECTIONS ...
#define YCDL_CANCEL_DELETE_DATA ...
#define YCDL_REMOVE_DELETE_FILE ...

const char *ycdl_strerror(int code);
const char *ycdl_last_error_message(void);
const char *ycdl_version(void);
void ycdl_free(void *ptr);
const char *ycdl_status_name(int status);

typedef struct ycdl_session ycdl_session;

typedef struct ycdl_session_options {
    unsigned int version;
    const char *state_dir;
    const char *download_dir;
    unsigned int max_concurrent;
    int auto_resume;
    int allow_cellular;
    unsigned int progress_interval_ms;
    unsigned int checkpoint_interval_ms;
    uint64_t checkpoint_bytes;
    unsigned int max_retries;
    unsigned int retry_base_ms;
    unsigned int retry_max_ms;
    unsigned int max_retry_after_s;
    unsigned int max_redirects;
    unsigned int connect_timeout_ms;
    unsigned int low_speed_limit;
    unsigned int low_speed_time_s;
    uint64_t max_recv_speed;
    uint64_t max_file_size;
    const char *ca_file;
    const char *pinned_public_key;
    const char *proxy;
    const char *user_agent;
    int verify_tls;
    int compute_sha256;
    unsigned int fetch_budget_factor;
    uint64_t fetch_budget_extra;
    int open_mode;
    int takeover;
    int background;
    const char *const *host_command;
    const char *url_refresh_statuses;
    const char *const *accept_types;
    size_t accept_type_count;
    int receive_events;
    int64_t disk_reserve;
    int preallocate;
    unsigned int max_host_connections;
    unsigned int connections;
    uint64_t segment_min_size;
    ...;
} ycdl_session_options;

int ycdl_session_options_init(ycdl_session_options *opts, unsigned int version);
int ycdl_session_open(ycdl_session **out, const char *identifier,
                      const ycdl_session_options *opts);
int ycdl_session_close(ycdl_session *session);
int ycdl_session_event_fd(int *out_fd, ycdl_session *session);
int ycdl_session_next_event(void **out_data, size_t *out_len,
                            ycdl_session *session);
int ycdl_session_role(ycdl_session *session);

typedef struct ycdl_session_info {
    int role;
    int owner_pid;
    unsigned int clients;
    size_t tasks;
    size_t pending;
    ...;
} ycdl_session_info;

int ycdl_session_get_info(ycdl_session_info **out, ycdl_session *session);
int ycdl_session_request_stop(ycdl_session *session);
int ycdl_session_set_max_concurrent(ycdl_session *session,
                                    unsigned int max_concurrent);
int ycdl_session_set_network(ycdl_session *session, ycdl_network network);
int ycdl_session_set_allow_cellular(ycdl_session *session, int allow);
int ycdl_session_set_max_recv_speed(ycdl_session *session,
                                    uint64_t bytes_per_second);

typedef struct ycdl_task_options {
    unsigned int version;
    const char *url;
    const char *file_id;
    const char *dest_path;
    const char *dest_dir;
    const char *display_name;
    const char *thumbnail_url;
    const void *user_data;
    size_t user_data_len;
    const char *const *headers;
    size_t header_count;
    int allow_cellular;
    int priority;
    int64_t expected_size;
    const char *checksum;
    uint64_t max_recv_speed;
    int conflict;
    int use_content_disposition;
    int start_paused;
    const char *const *secret_headers;
    size_t secret_header_count;
    const char *const *accept_types;
    size_t accept_type_count;
    uint64_t min_size;
    const char *const *mirrors;
    size_t mirror_count;
    int name_from_url;
    const char *group;
    unsigned int connections;
    ...;
} ycdl_task_options;

int ycdl_task_options_init(ycdl_task_options *opts, unsigned int version);
int ycdl_task_add(char **out_key, ycdl_session *session,
                  const ycdl_task_options *opts);
int ycdl_task_add_many(char ***out_keys, int *out_errors, ycdl_session *session,
                       const ycdl_task_options *const *opts, size_t count);
int ycdl_task_find_by_url(char **out_key, ycdl_session *session,
                          const char *url);
int ycdl_task_resume(ycdl_session *session, const char *key);
int ycdl_task_pause(ycdl_session *session, const char *key);
int ycdl_task_cancel(ycdl_session *session, const char *key,
                     unsigned int flags);
int ycdl_task_remove(ycdl_session *session, const char *key,
                     unsigned int flags);
int ycdl_task_set_allow_cellular(ycdl_session *session, const char *key,
                                 int allow);
int ycdl_task_set_priority(ycdl_session *session, const char *key,
                           int priority);
int ycdl_task_set_headers(ycdl_session *session, const char *key,
                          const char *const *headers, size_t header_count);
int ycdl_task_set_url(ycdl_session *session, const char *key, const char *url);
int ycdl_task_set_group(ycdl_session *session, const char *key,
                        const char *group);

typedef struct ycdl_task_info {
    const char *key;
    const char *url;
    const char *final_url;
    const char *dest_path;
    const char *file_id;
    const char *display_name;
    const char *thumbnail_url;
    const void *user_data;
    size_t user_data_len;
    int status;
    uint64_t bytes_written;
    int64_t bytes_expected;
    uint64_t speed_bps;
    int64_t eta_seconds;
    int resumable;
    int priority;
    int allow_cellular;
    int error_code;
    const char *error_message;
    unsigned int http_status;
    unsigned int retries;
    const char *sha256_hex;
    const char *request_url;
    const char *group;
    unsigned int connections;
    unsigned int max_connections;
    ...;
} ycdl_task_info;

int ycdl_task_get_info(ycdl_task_info **out, ycdl_session *session,
                       const char *key);
void ycdl_task_info_free(ycdl_task_info *info);
int ycdl_session_list(char ***out_keys, size_t *out_count,
                      ycdl_session *session, unsigned int status_mask);
void ycdl_keys_free(char **keys, size_t count);
int ycdl_session_list_info(ycdl_task_info ***out_infos, size_t *out_count,
                           ycdl_session *session, unsigned int status_mask);
void ycdl_task_info_list_free(ycdl_task_info **infos, size_t count);

typedef struct ycdl_group_info {
    const char *name;
    size_t tasks;
    size_t waiting, downloading, paused, waiting_for_network;
    size_t finished, failed, waiting_for_url;
    uint64_t bytes_written_known;
    uint64_t bytes_expected;
    uint64_t bytes_written_unknown;
    uint64_t speed_bps;
    int64_t eta_seconds;
    ...;
} ycdl_group_info;

int ycdl_group_get_info(ycdl_group_info **out, ycdl_session *session,
                        const char *group);
int ycdl_group_list(char ***out_names, size_t *out_count, ycdl_session *session);
int ycdl_group_list_tasks(char ***out_keys, size_t *out_count,
                          ycdl_session *session, const char *group,
                          unsigned int status_mask);
int ycdl_group_start(ycdl_session *session, const char *group);
int ycdl_group_pause(ycdl_session *session, const char *group);
int ycdl_group_cancel(ycdl_session *session, const char *group,
                      unsigned int flags);
int ycdl_group_remove(ycdl_session *session, const char *group,
                      unsigned int flags);
int ycdl_group_set_priority(ycdl_session *session, const char *group,
                            int priority);
int ycdl_group_set_allow_cellular(ycdl_session *session, const char *group,
                                  int allow);
"""


def make_ffibuilder() -> FFI:
    """An FFI builder for ycdl._native. The caller compiles its C source with
    libycdl's include directory and links it with libycdl (see setup.py)."""
    ffibuilder = FFI()
    ffibuilder.cdef(CDEF)
    ffibuilder.set_source("ycdl._native", '#include "ycdl.h"\n')
    return ffibuilder
