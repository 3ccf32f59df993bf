/* worker.c — see worker.h. */
#define _GNU_SOURCE
#include "worker.h"

#include "error.h"

#include <event2/event.h>
#include <signal.h>
#include <string.h>

/* Runs jobs until told to stop. A job that wants another turn goes back to
 * the end of the queue; a finished one to the done list, and the loop is
 * woken to collect it. */
static void *thread_main(void *arg)
{
	struct worker *w = arg;

	pthread_mutex_lock(&w->mutex);
	for (;;) {
		struct worker_job *job;
		bool again;

		while (queue_empty(&w->todo) && !w->stopping)
			pthread_cond_wait(&w->wake, &w->mutex);
		if (w->stopping)
			break;
		job = QUEUE_DATA(queue_pop(&w->todo), struct worker_job, link);
		pthread_mutex_unlock(&w->mutex);
		again = job->run(job);
		pthread_mutex_lock(&w->mutex);
		if (again) {
			queue_insert_tail(&w->todo, &job->link);
			continue;
		}
		job->finished = true;
		queue_insert_tail(&w->done, &job->link);
		pthread_cond_broadcast(&w->finished);
		event_active(w->collect, 0, 0);
	}
	pthread_mutex_unlock(&w->mutex);
	return NULL;
}

/* Takes one finished job from the done list, or NULL. */
static struct worker_job *pop_done(struct worker *w)
{
	struct queue *q;

	pthread_mutex_lock(&w->mutex);
	q = queue_pop(&w->done);
	pthread_mutex_unlock(&w->mutex);
	return q ? QUEUE_DATA(q, struct worker_job, link) : NULL;
}

/* One at a time: a done function may finish other jobs itself. */
static void on_collect(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct worker_job *job;

	(void)fd;
	(void)what;
	while ((job = pop_done(w)) != NULL)
		job->done(job);
}

int worker_init(struct worker *w, struct event_base *base)
{
	memset(w, 0, sizeof(*w));
	queue_init(&w->todo);
	queue_init(&w->done);
	if (!(w->collect = event_new(base, -1, 0, on_collect, w)))
		return error_set(YCDL_E_NOMEM, "out of memory");
	pthread_mutex_init(&w->mutex, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->finished, NULL);
	return 0;
}

/* The thread must not take signals meant for the application's threads. */
static int start_thread(struct worker *w)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, thread_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return error_set(YCDL_E_INTERNAL, "cannot start the worker thread: %s",
				strerror(rc));
	w->started = true;
	return 0;
}

int worker_post(struct worker *w, struct worker_job *job)
{
	int rc;

	if (!w->started && (rc = start_thread(w)) != 0)
		return rc;
	job->finished = false;
	pthread_mutex_lock(&w->mutex);
	queue_insert_tail(&w->todo, &job->link);
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->mutex);
	return 0;
}

void worker_finish(struct worker *w, struct worker_job *job)
{
	pthread_mutex_lock(&w->mutex);
	while (!job->finished)
		pthread_cond_wait(&w->finished, &w->mutex);
	queue_remove(&job->link);      /* from the done list */
	pthread_mutex_unlock(&w->mutex);
	job->done(job);
}

void worker_free(struct worker *w)
{
	struct queue *q;

	if (!w->collect)
		return;     /* never initialised */
	if (w->started) {
		pthread_mutex_lock(&w->mutex);
		w->stopping = true;
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->mutex);
		pthread_join(w->thread, NULL);
	}
	queue_append(&w->done, &w->todo);
	while ((q = queue_pop(&w->done)) != NULL) {
		struct worker_job *job = QUEUE_DATA(q, struct worker_job, link);

		job->done(job);
	}
	event_free(w->collect);
	pthread_mutex_destroy(&w->mutex);
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->finished);
	memset(w, 0, sizeof(*w));
}
