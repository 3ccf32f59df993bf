/* watch.c — `ycdl watch`: attaches to a running session and shows its
 * downloads' progress and events until Ctrl-C (which only detaches), or
 * with --exit-when-done until nothing is left to download. If the owner
 * goes away meanwhile, watch takes the session over and carries on the
 * downloads itself (then Ctrl-C pauses them, as in `ycdl get`). */
#define _GNU_SOURCE
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Every task the session has that is not finished yet. */
static size_t track_unfinished(ycdl_session *s, struct progress *p)
{
	ycdl_task_info **infos;
	size_t n, tracked = 0;

	if (ycdl_session_list_info(&infos, &n, s, YCDL_STATUS_ALL) != 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (infos[i]->status != YCDL_STATUS_FINISHED &&
		    infos[i]->status != YCDL_STATUS_FAILED) {
			progress_track(p, infos[i]->key, cli_base_name(infos[i]->dest_path),
					infos[i]->url);
			tracked++;
		}
	ycdl_task_info_list_free(infos, n);
	return tracked;
}

int cli_watch(int argc, char **argv)
{
	struct common_options c = { CLI_DEFAULT_SESSION, NULL };
	ycdl_session_options o = YCDL_SESSION_OPTIONS_INIT;
	bool until_done = false;
	struct progress *p;
	ycdl_session *s;
	int sig, rc;

	for (int i = 1; i < argc; i++) {
		if (cli_common_option(&c, argc, argv, &i))
			continue;
		if (strcmp(argv[i], "--exit-when-done") == 0) {
			until_done = true;
			continue;
		}
		fprintf(stderr, "usage: ycdl watch [--session ID] [--state-dir DIR] "
				"[--exit-when-done]\n");
		return 2;
	}
	o.open_mode = YCDL_OPEN_ATTACH;
	o.takeover = 1;
	o.state_dir = c.state_dir;
	if ((rc = ycdl_session_open(&s, c.session, &o)) == YCDL_E_NOT_FOUND) {
		fprintf(stderr, "ycdl watch: no process serves session \"%s\"\n", c.session);
		return 1;
	}
	if (rc != 0) {
		fprintf(stderr, "ycdl watch: %s\n", ycdl_last_error_message());
		return 1;
	}
	if (foreground_install_signals() != 0 || !(p = progress_new(isatty(STDOUT_FILENO)))) {
		ycdl_session_close(s);
		return 1;
	}
	if (track_unfinished(s, p) == 0 && until_done) {
		progress_free(p);
		ycdl_session_close(s);
		return 0;
	}
	progress_follow_new_tasks(p, !until_done);
	sig = foreground_run(s, p);
	rc = (int)progress_failed(p) ? 1 : 0;
	progress_free(p);
	ycdl_session_close(s);
	return sig ? 128 + sig : rc;
}
