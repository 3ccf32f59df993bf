/* host.c — see host.h. A shell started with posix_spawn (safe in a
 * threaded process, unlike fork) puts the host in the background and exits
 * at once: we reap the shell, init adopts the host, and no zombie is left
 * behind in the application. */
#define _GNU_SOURCE
#include "host.h"

#include "error.h"
#include "ycdl.h"

#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

/* $0 is the log, the rest the host's argv. A program that cannot be found
 * is said at once (127), not after the caller waited for it to serve. */
#define DETACH "log=$0; command -v \"$1\" >/dev/null 2>&1 || exit 127; " \
	"exec </dev/null >>\"$log\" 2>&1; \"$@\" & exit 0"

int host_spawn(char *const *argv, const char *log)
{
	size_t n = 0;
	char **args;
	posix_spawnattr_t attr;
	pid_t pid;
	int rc, status;

	while (argv[n])
		n++;
	if (n == 0)
		return error_set(YCDL_E_INVALID, "the host command is empty");
	if (!(args = calloc(n + 5, sizeof(char *))))
		return error_set(YCDL_E_NOMEM, "out of memory");
	args[0] = (char *)"sh";
	args[1] = (char *)"-c";
	args[2] = (char *)DETACH;
	args[3] = (char *)log;
	memcpy(args + 4, argv, n * sizeof(char *));
	posix_spawnattr_init(&attr);
#ifdef POSIX_SPAWN_SETSID
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
#endif
	rc = posix_spawnp(&pid, "sh", NULL, &attr, args, environ);
	posix_spawnattr_destroy(&attr);
	free(args);
	if (rc != 0)
		return error_set(YCDL_E_IO, "cannot start the background host %s: %s",
				argv[0], strerror(rc));
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return error_set(YCDL_E_NOT_FOUND, "cannot start the background host: "
				"%s is not an executable program (set host_command, or "
				"YCDL_HOST_PROGRAM, or put ycdl on PATH)", argv[0]);
	return 0;
}
