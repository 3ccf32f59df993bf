/* serve.c — `ycdl serve`: a host that owns a session and runs its downloads
 * with no terminal (other ycdl commands and applications attach to it),
 * until `ycdl stop`, SIGTERM or Ctrl-C, or — with --exit-when-idle — once
 * nothing is left to download and nobody is attached; and `ycdl stop`,
 * which asks the owner of a session to close it. */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Idle this long (nothing pending, nobody attached) before leaving. */
#define IDLE_GRACE_MS 1500

struct serve_options {
	struct common_options common;
	bool exit_when_idle;
	bool detach;
	unsigned long jobs;
	unsigned long per_host;     /* --max-host-connections; 0: no cap */
	uint64_t total;             /* --limit-total: the session's limit */
};

static void usage_serve(void)
{
	fprintf(stderr,
		"usage: ycdl serve [--session ID] [--state-dir DIR] [--exit-when-idle]\n"
		"                  [--detach] [-j N] [--limit-total RATE]\n"
		"                  [--max-host-connections N]\n"
		"RATE: bytes per second for all downloads together, such as 500K or\n"
		"1.5M (K, M, G, T are binary: 1K = 1024), 0 for no limit\n");
}

static int parse_serve(struct serve_options *o, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (cli_common_option(&o->common, argc, argv, &i))
			continue;
		if (strcmp(a, "--exit-when-idle") == 0) {
			o->exit_when_idle = true;
		} else if (strcmp(a, "--detach") == 0) {
			o->detach = true;
		} else if (strcmp(a, "-j") == 0 && v) {
			if (!cli_uint_option(a, v, 1, 1000, &o->jobs))
				return 2;
			i++;
		} else if (strcmp(a, "--max-host-connections") == 0 && v) {
			if (!cli_uint_option(a, v, 0, 1000, &o->per_host))
				return 2;
			i++;
		} else if (strcmp(a, "--limit-total") == 0 && v) {
			if (!cli_size_option(a, v, &o->total))
				return 2;
			i++;
		} else if (strcmp(a, "--limit-rate") == 0) {
			/* Each download's limit is given where it is added. */
			fprintf(stderr, "ycdl serve: --limit-rate limits one download "
					"(ycdl get and add take it); the session's limit "
					"is --limit-total\n");
			return 2;
		} else {
			usage_serve();
			return 2;
		}
	}
	return 0;
}

/* Whether the session has nothing to do and nobody to do it for. */
static bool idle(ycdl_session *s)
{
	ycdl_session_info *info;
	bool quiet;

	if (ycdl_session_get_info(&info, s) != 0)
		return false;
	quiet = info->pending == 0 && info->clients == 0;
	ycdl_free(info);
	return quiet;
}

/* Takes the session's events; true once one asked it to stop. */
static bool stop_asked(ycdl_session *s)
{
	bool stop = false;
	void *data;
	size_t len;

	while (ycdl_session_next_event(&data, &len, s) == 0) {
		Ycdl__Event *e = ycdl__event__unpack(NULL, len, data);

		ycdl_free(data);
		if (e && e->kind_case == YCDL__EVENT__KIND_STOP_REQUESTED) {
			printf("ycdl serve: stop asked by %s\n", e->stop_requested->by);
			stop = true;
		}
		ycdl__event__free_unpacked(e, NULL);
	}
	return stop;
}

/* Runs until stopped; returns the exit status. */
static int host(ycdl_session *s, const struct serve_options *o)
{
	struct pollfd fds[2];
	int idle_ms = 0;

	ycdl_session_event_fd(&fds[0].fd, s);
	fds[0].events = POLLIN;
	fds[1].fd = foreground_signal_fd();
	fds[1].events = POLLIN;
	for (;;) {
		int n = poll(fds, 2, 250);

		if (n < 0 && errno != EINTR)
			return 1;
		if (fds[1].revents & POLLIN)
			return 0;       /* SIGINT or SIGTERM: close cleanly */
		if (stop_asked(s))
			return 0;
		if (!o->exit_when_idle)
			continue;
		idle_ms = idle(s) ? idle_ms + 250 : 0;
		if (idle_ms >= IDLE_GRACE_MS) {
			printf("ycdl serve: nothing left to do\n");
			return 0;
		}
	}
}

/* --detach: the child serves, the parent returns once it does. The
 * process is still single-threaded here (no session yet), so fork is
 * safe. Returns in the child (0), or exits in the parent. */
static int detach(int *ready_fd)
{
	int pipefd[2];
	pid_t pid;
	char status = 1;

	if (pipe(pipefd) != 0 || (pid = fork()) < 0) {
		perror("ycdl serve");
		return -1;
	}
	if (pid > 0) {
		close(pipefd[1]);
		if (read(pipefd[0], &status, 1) != 1)
			status = 1;
		exit(status);
	}
	close(pipefd[0]);
	setsid();
	*ready_fd = pipefd[1];
	return 0;
}

int cli_serve(int argc, char **argv)
{
	struct serve_options o = { .common = { CLI_DEFAULT_SESSION, NULL } };
	ycdl_session_options so = YCDL_SESSION_OPTIONS_INIT;
	ycdl_session *s;
	int ready = -1, rc, status;

	if ((rc = parse_serve(&o, argc, argv)) != 0)
		return rc;
	if (o.detach && detach(&ready) != 0)
		return 1;
	if (foreground_install_signals() != 0)
		return 1;
	so.open_mode = YCDL_OPEN_OWN;
	so.auto_resume = 1;         /* a host picks up what it left */
	if (o.jobs)
		so.max_concurrent = (unsigned int)o.jobs;
	so.max_recv_speed = o.total;
	so.max_host_connections = (unsigned int)o.per_host;
	if (cli_open_session(&s, &o.common, &so) != 0) {
		if (ready >= 0 && write(ready, "\1", 1) != 1)
			(void)0;
		return 1;
	}
	printf("ycdl serve: session \"%s\" served by pid %d\n", o.common.session,
			(int)getpid());
	fflush(stdout);
	if (ready >= 0) {
		int null = open("/dev/null", O_RDWR);

		if (write(ready, "\0", 1) != 1)
			(void)0;
		close(ready);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
			close(null);
		}
	}
	status = host(s, &o);
	ycdl_session_close(s);
	return status;
}

int cli_stop(int argc, char **argv)
{
	struct common_options c = { CLI_DEFAULT_SESSION, NULL };
	ycdl_session_options so = YCDL_SESSION_OPTIONS_INIT;
	ycdl_session *s;
	int rc;

	for (int i = 1; i < argc; i++)
		if (!cli_common_option(&c, argc, argv, &i)) {
			fprintf(stderr, "usage: ycdl stop [--session ID] [--state-dir DIR]\n");
			return 2;
		}
	so.open_mode = YCDL_OPEN_ATTACH;
	so.takeover = 0;
	so.receive_events = 0;
	so.state_dir = c.state_dir;
	if ((rc = ycdl_session_open(&s, c.session, &so)) == YCDL_E_NOT_FOUND) {
		fprintf(stderr, "ycdl stop: no process serves session \"%s\"\n", c.session);
		return 1;
	}
	if (rc != 0) {
		fprintf(stderr, "ycdl stop: %s\n", ycdl_last_error_message());
		return 1;
	}
	rc = ycdl_session_request_stop(s);
	if (rc != 0)
		fprintf(stderr, "ycdl stop: %s\n", ycdl_last_error_message());
	ycdl_session_close(s);
	return rc ? 1 : 0;
}
