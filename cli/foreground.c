/* foreground.c — running downloads in the foreground until they end: the
 * events drive the progress display, and Ctrl-C (or SIGTERM) pauses every
 * download cleanly so that the next run continues where this one stopped. */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The handler only writes the signal number into a pipe; the poll loop
 * reads it, so nothing unsafe happens inside the handler. */
static int signal_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	unsigned char byte = (unsigned char)sig;
	int saved = errno;

	if (write(signal_pipe[1], &byte, 1) < 0)
		(void)0;
	errno = saved;
}

int foreground_install_signals(void)
{
	struct sigaction sa;

	if (pipe(signal_pipe) != 0)
		return -1;
	fcntl(signal_pipe[0], F_SETFD, FD_CLOEXEC);
	fcntl(signal_pipe[1], F_SETFD, FD_CLOEXEC);
	fcntl(signal_pipe[1], F_SETFL, O_NONBLOCK);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);     /* the bars follow the width */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

void foreground_skip_past_events(ycdl_session *s)
{
	void *data;
	size_t len;

	while (ycdl_session_next_event(&data, &len, s) == 0)
		ycdl_free(data);
}

int foreground_signal_fd(void)
{
	return signal_pipe[0];
}

static void drain_events(ycdl_session *s, struct progress *p)
{
	void *data;
	size_t len;

	while (ycdl_session_next_event(&data, &len, s) == 0) {
		Ycdl__Event *e = ycdl__event__unpack(NULL, len, data);

		ycdl_free(data);
		if (!e)
			continue;
		progress_event(p, e);
		ycdl__event__free_unpacked(e, NULL);
	}
}

/* Waits for the downloads to end or a signal; returns the signal or 0. */
static int wait_for_downloads(ycdl_session *s, struct progress *p)
{
	struct pollfd fds[2];

	ycdl_session_event_fd(&fds[0].fd, s);
	fds[0].events = POLLIN;
	fds[1].fd = signal_pipe[0];
	fds[1].events = POLLIN;
	drain_events(s, p);
	while (progress_unfinished(p) > 0) {
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			return 0;
		if (fds[1].revents & POLLIN) {
			unsigned char sig = 0;

			if (read(signal_pipe[0], &sig, 1) == 1 && sig != SIGWINCH)
				return sig;
			if (sig == SIGWINCH)
				progress_redraw(p);
		}
		drain_events(s, p);
	}
	return 0;
}

/* Ctrl-C: pause cleanly (every byte synced and recorded) and say how to
 * continue. */
static void pause_all(ycdl_session *s, struct progress *p)
{
	char **keys;
	size_t n;

	progress_stopping(p);
	if (ycdl_session_list(&keys, &n, s, YCDL_STATUS_BIT(YCDL_STATUS_WAITING) |
			YCDL_STATUS_BIT(YCDL_STATUS_DOWNLOADING) |
			YCDL_STATUS_BIT(YCDL_STATUS_WAITING_FOR_NETWORK)) != 0)
		return;
	for (size_t i = 0; i < n; i++)
		ycdl_task_pause(s, keys[i]);
	ycdl_keys_free(keys, n);
	drain_events(s, p);
	progress_message(p, true, "ycdl: paused; run the same command again to continue");
}

/* Ctrl-C on a handle attached to another process's session: the
 * downloads are that process's, and go on there. */
static void detach_from_owner(ycdl_session *s, struct progress *p)
{
	ycdl_session_info *info;
	int pid = 0;

	if (ycdl_session_get_info(&info, s) == 0) {
		pid = info->owner_pid;
		ycdl_free(info);
	}
	progress_message(p, true, "ycdl: detached; the downloads go on in process "
			"%d (ycdl watch shows them)", pid);
}

int foreground_run(ycdl_session *s, struct progress *p)
{
	int sig = wait_for_downloads(s, p);

	if (sig && ycdl_session_role(s) == YCDL_ROLE_CLIENT)
		detach_from_owner(s, p);
	else if (sig)
		pause_all(s, p);
	return sig;
}
