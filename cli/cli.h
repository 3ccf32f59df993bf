/* cli.h — shared pieces of the ycdl command-line program. */
#ifndef YCDL_CLI_H
#define YCDL_CLI_H

#include "ycdl.h"
#include "ycdl.pb-c.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLI_DEFAULT_SESSION "ycdl-cli"

/* Options every subcommand takes. */
struct common_options {
	const char *session;      /* identifier */
	const char *state_dir;    /* NULL: the library's default */
};

/* Consumes --session ID / --state-dir DIR at argv[*i]; true if it did. */
bool cli_common_option(struct common_options *c, int argc, char **argv, int *i);

/* Opens the session, explaining a lock or other failure on stderr. */
int cli_open_session(ycdl_session **out, const struct common_options *c,
		ycdl_session_options *opts);

/* Every numeric option goes through these parsers, so that a malformed
 * value is refused (exit 2) instead of silently becoming 0 or a default. */

/* A plain decimal number from min to max: no sign, space, junk or
 * overflow; false otherwise. */
bool cli_parse_uint(const char *text, unsigned long min, unsigned long max,
		unsigned long *out);

/* Sizes go to curl as a curl_off_t. */
#define CLI_SIZE_MAX ((uint64_t)INT64_MAX)

/* "1000", "500K", "1.5M", "2G", "1T" -> bytes (binary units, case-insensitive,
 * an optional trailing B; a fraction only with a unit, rounded down);
 * false when malformed, above CLI_SIZE_MAX, or nonzero but below one byte. */
bool cli_parse_size(const char *text, uint64_t *out);

/* The same, but a refused value is explained on stderr, naming the option
 * and what it accepts: "ycdl: option -j: 'abc' is not a whole number from
 * 1 to 1000". */
bool cli_uint_option(const char *option, const char *text, unsigned long min,
		unsigned long max, unsigned long *out);
bool cli_size_option(const char *option, const char *text, uint64_t *out);

/* "12.3 MiB" into buf. */
const char *cli_format_size(char *buf, size_t len, uint64_t bytes);

int cli_get(int argc, char **argv);
int cli_add(int argc, char **argv);
int cli_serve(int argc, char **argv);
int cli_stop(int argc, char **argv);
int cli_watch(int argc, char **argv);

/* This program's own path (for starting `ycdl serve` in the background). */
const char *cli_self_path(void);
int cli_list(int argc, char **argv);
int cli_set_url(int argc, char **argv);
int cli_act(const char *verb, int argc, char **argv);
/* The last path component (borrowed). */
const char *cli_base_name(const char *path);

/* ---------------------------------------------------------- foreground */

struct progress;

/* Routes SIGINT and SIGTERM into foreground_run; 0 or -1. */
int foreground_install_signals(void);
/* Drops the events an open left (the restore's pauses): what follows is
 * about what this command does. */
void foreground_skip_past_events(ycdl_session *s);
/* Readable once SIGINT or SIGTERM came (after foreground_install_signals). */
int foreground_signal_fd(void);
/* Shows events until every tracked task has finished or failed, or a signal
 * arrives; on a signal every running task is paused (its data kept) — or,
 * attached to another process's session, left running there — and the
 * signal number is returned, else 0. */
int foreground_run(ycdl_session *s, struct progress *p);

/* ------------------------------------------------------------ progress */

struct progress;

struct progress *progress_new(bool terminal);
void progress_free(struct progress *p);
/* Registers a task under a short label (its file name); failures are
 * reported with its URL. */
void progress_track(struct progress *p, const char *key, const char *label,
		const char *url);
/* Also tracks the tasks that task_added events announce; with keep_open,
 * progress_unfinished never says 0 (the display runs until a signal). */
void progress_follow_new_tasks(struct progress *p, bool keep_open);
/* Feeds one event; prints whatever it means for the user. */
void progress_event(struct progress *p, const Ycdl__Event *e);
/* Prints a message line without breaking the bars. */
void progress_message(struct progress *p, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Tracked tasks that are neither finished nor failed. */
size_t progress_unfinished(const struct progress *p);
/* Tracked tasks that failed, or that another process paused. */
size_t progress_failed(const struct progress *p);
/* Ctrl-C: the pauses that follow are ours, not another process's. */
void progress_stopping(struct progress *p);
/* Draws the bars again now (the terminal was resized). */
void progress_redraw(struct progress *p);
/* The totals: files finished here, bytes, time, average speed. */
void progress_summary(struct progress *p);

#endif
