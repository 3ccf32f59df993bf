/* config.h — a session's settings, copied from ycdl_session_options, as the
 * session was opened (the scheduler holds the live network policy and
 * limits). */
#ifndef YCDL_CONFIG_H
#define YCDL_CONFIG_H

#include "ycdl.h"

#include <stdbool.h>
#include <stdint.h>

#define CONFIG_MAX_REFRESH_STATUSES 16

struct config {
	char *state_dir;          /* absolute root of all sessions' state */
	char *download_dir;       /* absolute */
	char *ca_file;
	char *pinned_public_key;
	char *proxy;
	char *user_agent;
	unsigned int max_concurrent;
	bool auto_resume;
	bool allow_cellular;
	bool verify_tls;
	bool compute_sha256;
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
	unsigned int fetch_budget_factor;   /* 0: no bound */
	uint64_t fetch_budget_extra;
	unsigned int file_mode;   /* finished files: 0666 minus the umask */
	int open_mode;            /* ycdl_open_mode */
	bool takeover;
	bool background;
	bool receive_events;
	int64_t disk_reserve;     /* -1: the default (disk_space.h) */
	bool preallocate;
	unsigned int max_host_connections;   /* 0: no cap */
	unsigned int connections;            /* a task's default (segments.h) */
	uint64_t segment_min_size;
	char **host_command;      /* NULL-terminated, or NULL */
	/* statuses that send a task to wait for a new URL */
	unsigned int refresh_statuses[CONFIG_MAX_REFRESH_STATUSES];
	size_t refresh_status_count;
	char **accept_types;      /* the body guard's default patterns */
	size_t accept_type_count;
	ycdl_event_cb event_cb;
	void *event_cb_payload;
};

/* Validates opts (NULL: defaults) and fills cfg; on failure cfg is empty. */
int config_from_options(struct config *cfg, const ycdl_session_options *opts);
void config_free(struct config *cfg);

/* Whether status is one of cfg's refresh statuses. */
bool config_is_refresh_status(const struct config *cfg, unsigned int status);

/* True when identifier is usable as a session name (and a directory name). */
bool config_identifier_is_valid(const char *identifier);

#endif
