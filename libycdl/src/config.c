/* config.c — validating session options and resolving default paths. */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include "body_guard.h"
#include "error.h"
#include "util.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const ycdl_session_options session_defaults = YCDL_SESSION_OPTIONS_INIT;

/* How much of the struct a caller of that version has: fields are only
 * ever added at the end. */
static size_t options_size(unsigned int version)
{
	if (version == 1)
		return offsetof(ycdl_session_options, compute_sha256);
	if (version == 2)
		return offsetof(ycdl_session_options, fetch_budget_factor);
	if (version == 3)
		return offsetof(ycdl_session_options, open_mode);
	if (version == 4)
		return offsetof(ycdl_session_options, url_refresh_statuses);
	if (version == 5)
		return offsetof(ycdl_session_options, connections);
	return sizeof(ycdl_session_options);
}

YCDL_EXTERN int ycdl_session_options_init(ycdl_session_options *opts,
		unsigned int version)
{
	error_clear();
	if (!opts)
		return error_set(YCDL_E_INVALID, "opts is NULL");
	if (version == 0 || version > YCDL_SESSION_OPTIONS_VERSION)
		return error_set(YCDL_E_INVALID,
				"unsupported ycdl_session_options version %u", version);
	memcpy(opts, &session_defaults, options_size(version));
	opts->version = version;
	return 0;
}

bool config_identifier_is_valid(const char *id)
{
	size_t len;

	if (!id)
		return false;
	len = strlen(id);
	if (len == 0 || len > 200 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return false;
	return strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789._-") == len;
}

/* $XDG_STATE_HOME/ycdl, else ~/.local/state/ycdl. */
static char *default_state_dir(void)
{
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");

	if (xdg && xdg[0] == '/')
		return util_printf("%s/ycdl", xdg);
	if (home && home[0] == '/')
		return util_printf("%s/.local/state/ycdl", home);
	return NULL;
}

/* A NULL-terminated copy of argv (NULL stays NULL); false on ENOMEM. */
static bool copy_argv(char ***out, const char *const *argv)
{
	size_t n = 0;

	*out = NULL;
	if (!argv)
		return true;
	while (argv[n])
		n++;
	if (!(*out = calloc(n + 1, sizeof(char *))))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((*out)[i] = strdup(argv[i])))
			return false;
	return true;
}

static int copy_paths(struct config *cfg, const ycdl_session_options *o)
{
	cfg->state_dir = o->state_dir ? util_absolute_path(o->state_dir)
		: default_state_dir();
	if (!cfg->state_dir)
		return error_set(YCDL_E_INVALID, "no state directory: set "
				"state_dir, XDG_STATE_HOME or HOME");
	cfg->download_dir = util_absolute_path(o->download_dir ? o->download_dir : ".");
	if (!cfg->download_dir)
		return error_set(YCDL_E_IO, "cannot resolve the download directory");
	if ((o->ca_file && !(cfg->ca_file = strdup(o->ca_file))) ||
	    (o->pinned_public_key &&
	     !(cfg->pinned_public_key = strdup(o->pinned_public_key))) ||
	    (o->proxy && !(cfg->proxy = strdup(o->proxy))))
		return error_set(YCDL_E_NOMEM, "out of memory");
	cfg->user_agent = o->user_agent ? strdup(o->user_agent)
		: strdup("libycdl/" YCDL_VERSION_STRING);
	if (!cfg->user_agent || !copy_argv(&cfg->host_command, o->host_command) ||
	    !util_copy_strings(&cfg->accept_types, &cfg->accept_type_count,
		    o->accept_types, o->accept_type_count))
		return error_set(YCDL_E_NOMEM, "out of memory");
	return 0;
}

/* "401,403,410" into cfg (NULL: that default; "": none). */
static int parse_refresh_statuses(struct config *cfg, const char *list)
{
	const char *p = list ? list : "401,403,410";

	cfg->refresh_status_count = 0;
	while (*p) {
		char *end;
		unsigned long code = strtoul(p, &end, 10);

		if (end == p || code < 300 || code > 599 || (*end && *end != ',') ||
		    cfg->refresh_status_count == CONFIG_MAX_REFRESH_STATUSES)
			return error_set(YCDL_E_INVALID, "url_refresh_statuses must be "
					"at most %d HTTP error statuses separated by commas, "
					"such as \"401,403,410\"", CONFIG_MAX_REFRESH_STATUSES);
		cfg->refresh_statuses[cfg->refresh_status_count++] = (unsigned int)code;
		p = *end ? end + 1 : end;
	}
	return 0;
}

bool config_is_refresh_status(const struct config *cfg, unsigned int status)
{
	for (size_t i = 0; i < cfg->refresh_status_count; i++)
		if (cfg->refresh_statuses[i] == status)
			return true;
	return false;
}

static int check_numbers(const ycdl_session_options *o)
{
	if (o->max_concurrent == 0 || o->max_concurrent > 1000)
		return error_set(YCDL_E_INVALID, "max_concurrent must be 1..1000");
	if (o->progress_interval_ms > 3600000 || o->checkpoint_interval_ms == 0 ||
	    o->checkpoint_interval_ms > 3600000)
		return error_set(YCDL_E_INVALID, "interval out of range");
	if (o->retry_base_ms == 0 || o->retry_max_ms < o->retry_base_ms)
		return error_set(YCDL_E_INVALID,
				"retry_base_ms must be > 0 and <= retry_max_ms");
	if (o->max_redirects > 100)
		return error_set(YCDL_E_INVALID, "max_redirects must be <= 100");
	if (o->fetch_budget_factor > 1000)
		return error_set(YCDL_E_INVALID, "fetch_budget_factor must be <= 1000");
	if (o->open_mode < YCDL_OPEN_OWN_OR_ATTACH || o->open_mode > YCDL_OPEN_ATTACH)
		return error_set(YCDL_E_INVALID, "open_mode must be a ycdl_open_mode");
	if (o->background && o->open_mode == YCDL_OPEN_OWN)
		return error_set(YCDL_E_INVALID, "background attaches to a host: it "
				"cannot be combined with open_mode YCDL_OPEN_OWN");
	if (o->disk_reserve < -1)
		return error_set(YCDL_E_INVALID, "disk_reserve must be -1 (the "
				"default), 0 or a number of bytes");
	if (o->max_host_connections > 1000)
		return error_set(YCDL_E_INVALID, "max_host_connections must be <= 1000");
	if (o->connections < 1 || o->connections > YCDL_MAX_CONNECTIONS)
		return error_set(YCDL_E_INVALID, "connections must be 1..%d",
				YCDL_MAX_CONNECTIONS);
	if (o->segment_min_size < (64u << 10))
		return error_set(YCDL_E_INVALID, "segment_min_size must be at least 64 KiB");
	if (o->host_command && !o->host_command[0])
		return error_set(YCDL_E_INVALID, "host_command is empty");
	return body_guard_check_types(o->accept_types, o->accept_type_count);
}

int config_from_options(struct config *cfg, const ycdl_session_options *opts)
{
	/* The caller's struct, completed with the defaults of the fields its
	 * version did not have yet. */
	ycdl_session_options full = session_defaults;
	const ycdl_session_options *o = &full;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if (opts && (opts->version == 0 || opts->version > YCDL_SESSION_OPTIONS_VERSION))
		return error_set(YCDL_E_INVALID,
				"unsupported ycdl_session_options version %u (use "
				"YCDL_SESSION_OPTIONS_INIT)", opts->version);
	if (opts)
		memcpy(&full, opts, options_size(opts->version));
	/* A caller built before sessions could be shared gets what it knew:
	 * a session held elsewhere is locked. */
	if (opts && opts->version < 4)
		full.open_mode = YCDL_OPEN_OWN;
	if ((rc = check_numbers(o)) != 0)
		return rc;
	if ((rc = parse_refresh_statuses(cfg, o->url_refresh_statuses)) != 0 ||
	    (rc = copy_paths(cfg, o)) != 0) {
		config_free(cfg);
		return rc;
	}
	cfg->max_concurrent = o->max_concurrent;
	cfg->auto_resume = o->auto_resume != 0;
	cfg->allow_cellular = o->allow_cellular != 0;
	cfg->verify_tls = o->verify_tls != 0;
	cfg->progress_interval_ms = o->progress_interval_ms;
	cfg->checkpoint_interval_ms = o->checkpoint_interval_ms;
	cfg->checkpoint_bytes = o->checkpoint_bytes;
	cfg->max_retries = o->max_retries;
	cfg->retry_base_ms = o->retry_base_ms;
	cfg->retry_max_ms = o->retry_max_ms;
	cfg->max_retry_after_s = o->max_retry_after_s;
	cfg->max_redirects = o->max_redirects;
	cfg->connect_timeout_ms = o->connect_timeout_ms;
	cfg->low_speed_limit = o->low_speed_limit;
	cfg->low_speed_time_s = o->low_speed_time_s;
	cfg->max_recv_speed = o->max_recv_speed;
	cfg->max_file_size = o->max_file_size;
	cfg->compute_sha256 = o->compute_sha256 != 0;
	cfg->fetch_budget_factor = o->fetch_budget_factor;
	cfg->fetch_budget_extra = o->fetch_budget_extra;
	cfg->open_mode = o->open_mode;
	cfg->takeover = o->takeover != 0;
	cfg->background = o->background != 0;
	cfg->receive_events = o->receive_events != 0;
	cfg->disk_reserve = o->disk_reserve;
	cfg->preallocate = o->preallocate != 0;
	cfg->max_host_connections = o->max_host_connections;
	cfg->connections = o->connections;
	cfg->segment_min_size = o->segment_min_size;
	cfg->file_mode = 0666 & ~util_process_umask();
	cfg->event_cb = o->event_cb;
	cfg->event_cb_payload = o->event_cb_payload;
	return 0;
}

void config_free(struct config *cfg)
{
	free(cfg->state_dir);
	free(cfg->download_dir);
	free(cfg->ca_file);
	free(cfg->pinned_public_key);
	free(cfg->proxy);
	free(cfg->user_agent);
	for (size_t i = 0; cfg->host_command && cfg->host_command[i]; i++)
		free(cfg->host_command[i]);
	free(cfg->host_command);
	util_free_strings(cfg->accept_types, cfg->accept_type_count);
	memset(cfg, 0, sizeof(*cfg));
}
