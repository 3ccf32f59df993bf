/* loop.c — a libevent loop on its own thread, fed by a command queue. */
#define _GNU_SOURCE
#include "loop.h"

#include "error.h"
#include "ycdl.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A call is a hand-off between two threads. Sleeping on both sides costs
 * two wake-ups per call, and on a VM a wake-up of an idle vCPU is a VM exit
 * (~20 us). So after answering, the loop thread keeps watching the queue for
 * a moment before it goes back to epoll, and a caller watches for its answer
 * for a moment before it sleeps: calls in a row then cost what their work
 * costs. Only where there is a second CPU to spin on.
 *
 * Measured (100,000 single ycdl_task_add calls, Release, 2 vCPUs): with the
 * spin 0.82-0.93 s and 1.5-1.6 s of CPU; without it (YCDL_LOOP_SPIN_NS=0)
 * 5.98-6.19 s and 5.2-5.3 s of CPU, most of it in futex wake-ups. So the
 * spin saves CPU, and battery, whenever calls come in bursts; an isolated
 * call costs at most two spins (60 us of CPU), and an idle session none. */
#ifndef YCDL_LOOP_SPIN_NS
#define YCDL_LOOP_SPIN_NS 30000
#endif
#define SPIN_NS YCDL_LOOP_SPIN_NS
/* Lingering stops this long after the first command of a batch, so that a
 * stream of calls cannot keep sockets and timers waiting. */
#define LINGER_BUDGET_NS 2000000

struct loop_command {
	loop_fn fn;
	void *arg;
	int result;
	bool done;                  /* atomic: read without the mutex */
	char message[1024];
	struct queue link;
};

static pthread_once_t evthread_once = PTHREAD_ONCE_INIT;
static int evthread_status;

/* libevent must be told once, process-wide, to lock its bases, so that
 * event_active() may be called from API threads. */
static void enable_evthread(void)
{
	evthread_status = evthread_use_pthreads();
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* Spins until *flag is true or SPIN_NS pass; returns the flag. */
static bool spin_until(const bool *flag)
{
	int64_t deadline = now_ns() + SPIN_NS;

	for (;;) {
		for (int i = 0; i < 64; i++) {
			if (__atomic_load_n(flag, __ATOMIC_ACQUIRE))
				return true;
			cpu_relax();
		}
		if (now_ns() >= deadline)
			return __atomic_load_n(flag, __ATOMIC_ACQUIRE);
	}
}

/* Commands queued behind the one that closed the session are refused. */
static void run_command(struct loop *loop, struct loop_command *cmd, bool accepting)
{
	error_clear();
	cmd->result = accepting ? cmd->fn(loop->session, cmd->arg)
		: error_set(YCDL_E_CLOSED, "the session is closed");
	if (cmd->result != 0)
		strncpy(cmd->message, ycdl_last_error_message(), sizeof(cmd->message) - 1);
}

/* Runs every queued command; each caller is woken when its own is done.
 * Then lingers (see SPIN_NS): a command queued meanwhile needs no wake-up. */
static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct loop *loop = arg;
	int64_t started = loop->spin ? now_ns() : 0;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&loop->mutex);
	for (;;) {
		if (queue_empty(&loop->commands)) {
			if (!loop->spin || loop->exiting ||
			    now_ns() - started > LINGER_BUDGET_NS)
				break;
			__atomic_store_n(&loop->lingering, true, __ATOMIC_RELEASE);
			pthread_mutex_unlock(&loop->mutex);
			(void)spin_until(&loop->queued);
			pthread_mutex_lock(&loop->mutex);
			__atomic_store_n(&loop->lingering, false, __ATOMIC_RELEASE);
			if (queue_empty(&loop->commands))
				break;
		}
		__atomic_store_n(&loop->queued, false, __ATOMIC_RELAXED);
		struct loop_command *cmd = QUEUE_DATA(queue_pop(&loop->commands),
				struct loop_command, link);
		bool accepting = loop->accepting;

		pthread_mutex_unlock(&loop->mutex);
		run_command(loop, cmd, accepting);
		/* What the call changed is written before its caller goes on. */
		if (loop->turn_done)
			loop->turn_done(loop->session);
		pthread_mutex_lock(&loop->mutex);
		/* After this store cmd may be gone: its caller's stack. */
		__atomic_store_n(&cmd->done, true, __ATOMIC_RELEASE);
		pthread_cond_broadcast(&loop->answered);
	}
	pthread_mutex_unlock(&loop->mutex);
}

int loop_init(struct loop *loop, struct ycdl_session *session)
{
	memset(loop, 0, sizeof(*loop));
	queue_init(&loop->commands);
	loop->session = session;
	pthread_once(&evthread_once, enable_evthread);
	if (evthread_status != 0)
		return error_set(YCDL_E_INTERNAL, "libevent has no thread support");
	pthread_mutex_init(&loop->mutex, NULL);
	pthread_cond_init(&loop->answered, NULL);
	loop->spin = sysconf(_SC_NPROCESSORS_ONLN) > 1;
	loop->base = event_base_new();
	if (!loop->base)
		return error_set(YCDL_E_NOMEM, "cannot create the event loop");
	loop->wake = event_new(loop->base, -1, 0, on_wake, loop);
	if (!loop->wake)
		return error_set(YCDL_E_NOMEM, "cannot create the wake event");
	return 0;
}

void loop_on_turn_done(struct loop *loop, loop_turn_fn fn)
{
	loop->turn_done = fn;
}

/* One turn at a time (EVLOOP_ONCE), so that work which should happen once
 * per batch of callbacks — waking the event consumer — happens here. */
static void *thread_main(void *arg)
{
	struct loop *loop = arg;

	if (loop->turn_done)
		loop->turn_done(loop->session);
	while (!loop->exiting) {
		if (event_base_loop(loop->base, EVLOOP_ONCE | EVLOOP_NO_EXIT_ON_EMPTY) < 0)
			break;
		if (loop->turn_done)
			loop->turn_done(loop->session);
	}
	return NULL;
}

/* The loop thread takes none of the application's signals, and with
 * SIGPIPE blocked a write to an attached process that went away fails with
 * EPIPE instead of killing the application. */
int loop_start(struct loop *loop)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	loop->accepting = true;
	rc = pthread_create(&loop->thread, NULL, thread_main, loop);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		loop->accepting = false;
		return error_set(YCDL_E_NOMEM, "cannot start the loop thread");
	}
	loop->running = true;
	return 0;
}

bool loop_on_thread(const struct loop *loop)
{
	return loop->running && pthread_equal(pthread_self(), loop->thread);
}

int loop_call(struct loop *loop, loop_fn fn, void *arg)
{
	struct loop_command cmd = { .fn = fn, .arg = arg };

	if (loop_on_thread(loop)) {
		if (!loop->accepting)
			return error_set(YCDL_E_CLOSED, "the session is closing");
		return fn(loop->session, arg);
	}
	pthread_mutex_lock(&loop->mutex);
	if (!loop->accepting) {
		pthread_mutex_unlock(&loop->mutex);
		return error_set(YCDL_E_CLOSED, "the session is closed");
	}
	queue_insert_tail(&loop->commands, &cmd.link);
	if (__atomic_load_n(&loop->lingering, __ATOMIC_ACQUIRE))
		__atomic_store_n(&loop->queued, true, __ATOMIC_RELEASE);
	else
		event_active(loop->wake, 0, 0);
	if (loop->spin) {
		pthread_mutex_unlock(&loop->mutex);
		if (!spin_until(&cmd.done))
			pthread_mutex_lock(&loop->mutex);
		else
			goto answered;
	}
	while (!__atomic_load_n(&cmd.done, __ATOMIC_ACQUIRE))
		pthread_cond_wait(&loop->answered, &loop->mutex);
	pthread_mutex_unlock(&loop->mutex);
answered:
	if (cmd.result != 0)
		error_set_message(cmd.message);
	return cmd.result;
}

void loop_request_exit(struct loop *loop)
{
	pthread_mutex_lock(&loop->mutex);
	loop->accepting = false;
	pthread_mutex_unlock(&loop->mutex);
	loop->exiting = true;
	event_base_loopbreak(loop->base);
}

void loop_join(struct loop *loop)
{
	if (loop->running)
		pthread_join(loop->thread, NULL);
	loop->running = false;
}

void loop_free(struct loop *loop)
{
	if (!loop->base)
		return;
	loop_join(loop);
	/* Commands that raced with the exit are answered, not left hanging. */
	pthread_mutex_lock(&loop->mutex);
	for (struct queue *q; (q = queue_pop(&loop->commands)) != NULL;) {
		struct loop_command *cmd = QUEUE_DATA(q, struct loop_command, link);

		cmd->result = YCDL_E_CLOSED;
		strcpy(cmd->message, "the session is closed");
		__atomic_store_n(&cmd->done, true, __ATOMIC_RELEASE);
	}
	pthread_cond_broadcast(&loop->answered);
	pthread_mutex_unlock(&loop->mutex);
	if (loop->wake)
		event_free(loop->wake);
	if (loop->base)
		event_base_free(loop->base);
	pthread_mutex_destroy(&loop->mutex);
	pthread_cond_destroy(&loop->answered);
	memset(loop, 0, sizeof(*loop));
}
