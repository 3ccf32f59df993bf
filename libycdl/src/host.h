/* host.h — starting a background host for a session (a process that owns
 * it and keeps downloading after the application exits, `ycdl serve`),
 * detached from the caller: its own session, no terminal, reparented to
 * init, its output appended to a log. */
#ifndef YCDL_HOST_H
#define YCDL_HOST_H

/* Starts argv (argv[0] looked up on PATH) in the background, its output
 * appended to log. Returns once it is on its way (not once it serves): 0
 * or a YCDL_E_* code. */
int host_spawn(char *const *argv, const char *log);

#endif
