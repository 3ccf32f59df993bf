/* main.c — the ycdl program: subcommand dispatch and help. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fprintf(out,
		"ycdl %s — a download manager that survives restarts\n\n"
		"  ycdl get [options] URL...      download; Ctrl-C pauses, run again to continue\n"
		"  ycdl add [get's options] URL...  queue downloads in the background (a host\n"
		"                                 keeps them going with no terminal open)\n"
		"  ycdl list [--group NAME]       the session's downloads (one group's)\n"
		"  ycdl pause|cancel|remove KEY...|--all|--group NAME\n"
		"  ycdl resume KEY...|--all|--group NAME  continue downloads, like get\n"
		"  ycdl set-url KEY URL           a new URL for a download whose link expired\n"
		"  ycdl watch [--exit-when-done]  a running session's progress and events\n"
		"  ycdl serve [--exit-when-idle] [--detach]  host the session headless\n"
		"  ycdl stop                      ask the session's host to close\n\n"
		"Every command works while another process owns the session (a `ycdl get`,\n"
		"`ycdl serve`, or an application): it attaches to it.\n"
		"Every command takes --session ID (default %s) and --state-dir DIR\n"
		"(default $XDG_STATE_HOME/ycdl, else ~/.local/state/ycdl).\n"
		"Run `ycdl get` without URLs for its options; `get --group NAME` puts its\n"
		"downloads in a group that list, pause, resume, cancel and remove act on.\n",
		ycdl_version(), CLI_DEFAULT_SESSION);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (strcmp(cmd, "get") == 0)
		return cli_get(argc - 1, argv + 1);
	if (strcmp(cmd, "add") == 0)
		return cli_add(argc - 1, argv + 1);
	if (strcmp(cmd, "serve") == 0)
		return cli_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "stop") == 0)
		return cli_stop(argc - 1, argv + 1);
	if (strcmp(cmd, "watch") == 0)
		return cli_watch(argc - 1, argv + 1);
	if (strcmp(cmd, "list") == 0)
		return cli_list(argc - 1, argv + 1);
	if (strcmp(cmd, "set-url") == 0)
		return cli_set_url(argc - 1, argv + 1);
	if (strcmp(cmd, "pause") == 0 || strcmp(cmd, "resume") == 0 ||
	    strcmp(cmd, "cancel") == 0 || strcmp(cmd, "remove") == 0)
		return cli_act(cmd, argc - 1, argv + 1);
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		printf("ycdl %s\n", ycdl_version());
		return 0;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
