/* manage.c — `ycdl list`, `ycdl pause|resume|cancel|remove` and `ycdl
 * set-url`: acting on a session, attached to the process that owns it if
 * one does. */
#define _GNU_SOURCE
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What a command acts on besides the keys it is given. */
struct selection {
	bool all;                 /* --all */
	const char *group;        /* --group NAME */
};

static int open_for(const char *verb, struct common_options *c, int argc, char **argv,
		int *first_arg, struct selection *sel, ycdl_session **s)
{
	ycdl_session_options o = YCDL_SESSION_OPTIONS_INIT;
	int i;

	for (i = 1; i < argc; i++) {
		if (cli_common_option(c, argc, argv, &i))
			continue;
		if (strcmp(argv[i], "--all") == 0 && sel) {
			sel->all = true;
			continue;
		}
		if (strcmp(argv[i], "--group") == 0 && sel && i + 1 < argc) {
			sel->group = argv[++i];
			continue;
		}
		if (argv[i][0] == '-') {
			fprintf(stderr, "ycdl %s: unknown option %s\n", verb, argv[i]);
			return 2;
		}
		break;
	}
	*first_arg = i;
	/* A short call on someone else's session: if that owner goes away
	 * meanwhile, this command does not take the session over. resume
	 * stays to see its downloads through, and does. */
	o.takeover = strcmp(verb, "resume") == 0;
	o.receive_events = o.takeover;     /* resume shows its downloads */
	return cli_open_session(s, c, &o) ? 1 : 0;
}

static void print_task(const ycdl_task_info *t)
{
	char done[32], total[32];

	cli_format_size(done, sizeof(done), t->bytes_written);
	if (t->bytes_expected >= 0)
		cli_format_size(total, sizeof(total), (uint64_t)t->bytes_expected);
	else
		strcpy(total, "?");
	printf("%-32s %-19s %10s / %-10s %s\n", t->key, ycdl_status_name(t->status),
			done, total, t->dest_path);
	if (t->error_code)
		printf("%-32s   last error: %s\n", "", t->error_message);
}

/* The group's line above its tasks: counts by status and bytes. */
static int print_group(ycdl_session *s, const char *group)
{
	ycdl_group_info *g;
	char done[32], total[32];

	if (ycdl_group_get_info(&g, s, group) != 0)
		return -1;
	cli_format_size(done, sizeof(done), g->bytes_written_known + g->bytes_written_unknown);
	cli_format_size(total, sizeof(total), g->bytes_expected + g->bytes_written_unknown);
	printf("group %s: %zu tasks: %zu finished, %zu failed, %zu paused, %zu running, "
			"%zu waiting; %s of %s%s\n", g->name, g->tasks, g->finished,
			g->failed, g->paused, g->downloading,
			g->waiting + g->waiting_for_network + g->waiting_for_url, done, total,
			g->bytes_written_unknown ? " or more" : "");
	ycdl_free(g);
	return 0;
}

static int list_keys(ycdl_session *s, const char *group, char ***keys, size_t *n)
{
	if (!group)
		return ycdl_session_list(keys, n, s, YCDL_STATUS_ALL);
	if (print_group(s, group) != 0)
		return -1;
	return ycdl_group_list_tasks(keys, n, s, group, YCDL_STATUS_ALL);
}

int cli_list(int argc, char **argv)
{
	struct common_options c = { CLI_DEFAULT_SESSION, NULL };
	struct selection sel = { false, NULL };
	ycdl_session *s;
	char **keys;
	size_t n;
	int first, rc = open_for("list", &c, argc, argv, &first, &sel, &s);

	if (rc)
		return rc;
	if (sel.all || first < argc) {
		fprintf(stderr, "usage: ycdl list [--session ID] [--state-dir DIR] "
				"[--group NAME]\n");
		ycdl_session_close(s);
		return 2;
	}
	if (list_keys(s, sel.group, &keys, &n) != 0) {
		fprintf(stderr, "ycdl list: %s\n", ycdl_last_error_message());
		ycdl_session_close(s);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		ycdl_task_info *info;

		if (ycdl_task_get_info(&info, s, keys[i]) == 0) {
			print_task(info);
			ycdl_task_info_free(info);
		}
	}
	ycdl_keys_free(keys, n);
	ycdl_session_close(s);
	return 0;
}

static int act_on_group(ycdl_session *s, const char *verb, const char *group)
{
	if (strcmp(verb, "pause") == 0)
		return ycdl_group_pause(s, group);
	if (strcmp(verb, "resume") == 0)
		return ycdl_group_start(s, group);
	if (strcmp(verb, "cancel") == 0)
		return ycdl_group_cancel(s, group, 0);
	return ycdl_group_remove(s, group, 0);
}

static int act_on(ycdl_session *s, const char *verb, const char *key)
{
	if (strcmp(verb, "pause") == 0)
		return ycdl_task_pause(s, key);
	if (strcmp(verb, "resume") == 0)
		return ycdl_task_resume(s, key);
	if (strcmp(verb, "cancel") == 0)
		return ycdl_task_cancel(s, key, 0);
	return ycdl_task_remove(s, key, 0);
}

/* With --all, tasks whose status makes the verb meaningless are skipped
 * quietly (pausing a finished task, resuming a running one). */
static bool applies_to(const char *verb, int status)
{
	if (strcmp(verb, "pause") == 0)
		return status != YCDL_STATUS_FINISHED && status != YCDL_STATUS_FAILED &&
			status != YCDL_STATUS_PAUSED;
	if (strcmp(verb, "resume") == 0 || strcmp(verb, "cancel") == 0)
		return status != YCDL_STATUS_FINISHED;
	return true;
}

static int status_of(ycdl_session *s, const char *key)
{
	ycdl_task_info *info;
	int status;

	if (ycdl_task_get_info(&info, s, key) != 0)
		return 0;
	status = info->status;
	ycdl_task_info_free(info);
	return status;
}

/* Resumed downloads are shown until they end, like `ycdl get`'s (they run
 * here, or in the process that owns the session). */
static void track_for_resume(ycdl_session *s, struct progress *p, const char *key)
{
	ycdl_task_info *info;

	if (ycdl_task_get_info(&info, s, key) != 0)
		return;
	if (info->status != YCDL_STATUS_FINISHED)
		progress_track(p, key, cli_base_name(info->dest_path), info->url);
	ycdl_task_info_free(info);
}

int cli_act(const char *verb, int argc, char **argv)
{
	struct common_options c = { CLI_DEFAULT_SESSION, NULL };
	bool resume = strcmp(verb, "resume") == 0;
	struct selection sel = { false, NULL };
	struct progress *p = NULL;
	ycdl_session *s;
	char **keys = NULL;
	size_t n = 0;
	int first, errors = 0, sig = 0;
	int rc = open_for(verb, &c, argc, argv, &first, &sel, &s);
	bool all = sel.all || sel.group;

	if (rc)
		return rc;
	if (resume)
		foreground_skip_past_events(s);
	if ((all && first < argc) || (!all && first >= argc) || (sel.all && sel.group)) {
		fprintf(stderr, "usage: ycdl %s [--session ID] [--state-dir DIR] "
				"KEY...|--all|--group NAME\n", verb);
		ycdl_session_close(s);
		return 2;
	}
	/* A group is acted on in one call (nothing of it starts in between);
	 * its keys are still wanted to show a resume's progress. */
	if (sel.group && (rc = act_on_group(s, verb, sel.group)) != 0) {
		fprintf(stderr, "ycdl %s: group %s: %s\n", verb, sel.group,
				ycdl_last_error_message());
		ycdl_session_close(s);
		return 1;
	}
	if (sel.group && resume &&
	    ycdl_group_list_tasks(&keys, &n, s, sel.group, YCDL_STATUS_ALL) != 0)
		n = 0;
	if (sel.all && ycdl_session_list(&keys, &n, s, YCDL_STATUS_ALL) != 0)
		n = 0;
	if (resume && (foreground_install_signals() != 0 ||
			!(p = progress_new(isatty(STDOUT_FILENO))))) {
		ycdl_session_close(s);
		return 1;
	}
	for (size_t i = 0; i < (all ? n : (size_t)(argc - first)); i++) {
		const char *key = all ? keys[i] : argv[first + (int)i];

		if (sel.group) {
			track_for_resume(s, p, key);     /* resume only: keys is empty else */
			continue;
		}
		if (all && !applies_to(verb, status_of(s, key)))
			continue;
		if ((rc = act_on(s, verb, key)) != 0) {
			fprintf(stderr, "ycdl %s: %s: %s\n", verb, key, ycdl_last_error_message());
			errors++;
		} else if (resume) {
			track_for_resume(s, p, key);
		}
	}
	if (resume) {
		sig = foreground_run(s, p);
		errors += (int)progress_failed(p);
		progress_free(p);
	}
	ycdl_keys_free(keys, n);
	ycdl_session_close(s);
	if (sig)
		return 128 + sig;
	return errors ? 1 : 0;
}

/* ycdl set-url KEY URL: a task that waits for a new URL (an expired link)
 * gets one, its bytes kept when the new URL serves the same file; a host
 * that owns the session continues it at once, else `ycdl resume KEY` (or
 * the same `ycdl get`) does. Quiet on success, like pause and resume. */
int cli_set_url(int argc, char **argv)
{
	struct common_options c = { CLI_DEFAULT_SESSION, NULL };
	ycdl_session *s;
	int first, rc = open_for("set-url", &c, argc, argv, &first, NULL, &s);

	if (rc)
		return rc;
	if (argc - first != 2) {
		fprintf(stderr, "usage: ycdl set-url [--session ID] [--state-dir DIR] KEY URL\n");
		ycdl_session_close(s);
		return 2;
	}
	if ((rc = ycdl_task_set_url(s, argv[first], argv[first + 1])) != 0)
		fprintf(stderr, "ycdl set-url: %s: %s\n", argv[first], ycdl_last_error_message());
	ycdl_session_close(s);
	return rc ? 1 : 0;
}
