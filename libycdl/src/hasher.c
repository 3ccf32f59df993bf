/* hasher.c — see hasher.h. */
#define _GNU_SOURCE
#include "hasher.h"

#include "digest.h"
#include "error.h"
#include "ycdl.h"

#include <event2/event.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What the thread hashes between looks at the job's end: short enough
 * that an abandoned job stops soon. */
#define SLICE (1u << 20)

/* Hashes job until it has caught up with its end (which the loop may move
 * meanwhile), fails, or is abandoned; then hands it to the done list. */
static void run_job(struct hasher *h, struct hash_job *job)
{
	uint64_t pos = job->from, end;
	int rc = 0;

	for (;;) {
		pthread_mutex_lock(&h->mutex);
		end = job->end;
		if (pos >= end || rc != 0 || job->abandoned)
			break;      /* leaves with the mutex held */
		pthread_mutex_unlock(&h->mutex);
		end = end - pos < SLICE ? end : pos + SLICE;
		rc = digest_update_from_fd(job->digest, job->fd, pos, end - pos);
		if (rc == 0)
			pos = end;
	}
	job->rc = rc;
	job->hashed_to = pos;
	job->done = true;
	job->next = h->done_head;
	h->done_head = job;
	pthread_cond_broadcast(&h->hashed);
	event_active(h->collect, 0, 0);
	pthread_mutex_unlock(&h->mutex);
}

/* Runs the first work in the queue and hands it to the done list. Called
 * and returns with the mutex held. */
static void run_work(struct hasher *h)
{
	struct hasher_work *work = h->work_head;

	h->work_head = work->next;
	if (!h->work_head)
		h->work_tail = NULL;
	pthread_mutex_unlock(&h->mutex);
	work->run(work);
	pthread_mutex_lock(&h->mutex);
	work->finished = true;
	work->next = h->work_done;
	h->work_done = work;
	pthread_cond_broadcast(&h->hashed);
	event_active(h->collect, 0, 0);
}

static void *thread_main(void *arg)
{
	struct hasher *h = arg;
	struct hash_job *job;

	pthread_mutex_lock(&h->mutex);
	for (;;) {
		while (!h->queue_head && !h->work_head && !h->stopping)
			pthread_cond_wait(&h->work, &h->mutex);
		if (h->stopping)
			break;
		if (h->work_head) {
			run_work(h);
			continue;
		}
		job = h->queue_head;
		h->queue_head = job->next;
		if (!h->queue_head)
			h->queue_tail = NULL;
		pthread_mutex_unlock(&h->mutex);
		run_job(h, job);
		pthread_mutex_lock(&h->mutex);
	}
	pthread_mutex_unlock(&h->mutex);
	return NULL;
}

/* Takes one finished work from the done list, or NULL. */
static struct hasher_work *pop_done_work(struct hasher *h)
{
	struct hasher_work *work;

	pthread_mutex_lock(&h->mutex);
	work = h->work_done;
	if (work)
		h->work_done = work->next;
	pthread_mutex_unlock(&h->mutex);
	return work;
}

static void on_collect(evutil_socket_t fd, short what, void *arg)
{
	struct hasher *h = arg;
	struct hash_job *done;
	struct hasher_work *work;

	(void)fd;
	(void)what;
	while ((work = pop_done_work(h)) != NULL) {
		work->next = NULL;
		work->done(work);
	}
	/* One at a time: a callback may take other done jobs itself. */
	for (;;) {
		pthread_mutex_lock(&h->mutex);
		done = h->done_head;
		if (done)
			h->done_head = done->next;
		pthread_mutex_unlock(&h->mutex);
		if (!done)
			break;
		done->next = NULL;
		h->done_fn(h->done_arg, done);
	}
}

int hasher_init(struct hasher *h, struct event_base *base,
		hasher_done_fn done_fn, void *done_arg)
{
	memset(h, 0, sizeof(*h));
	h->done_fn = done_fn;
	h->done_arg = done_arg;
	if (!(h->collect = event_new(base, -1, 0, on_collect, h)))
		return error_set(YCDL_E_NOMEM, "out of memory");
	pthread_mutex_init(&h->mutex, NULL);
	pthread_cond_init(&h->work, NULL);
	pthread_cond_init(&h->hashed, NULL);
	return 0;
}

/* The thread must not take signals meant for the application's threads. */
static int start_thread(struct hasher *h)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&h->thread, NULL, thread_main, h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return error_set(YCDL_E_INTERNAL, "cannot start the hashing thread: %s",
				strerror(rc));
	h->started = true;
	return 0;
}

int hasher_post(struct hasher *h, struct hash_job *job)
{
	int rc;

	if (!h->started && (rc = start_thread(h)) != 0)
		return rc;
	job->done = false;
	job->abandoned = false;
	job->next = NULL;
	pthread_mutex_lock(&h->mutex);
	if (h->queue_tail)
		h->queue_tail->next = job;
	else
		h->queue_head = job;
	h->queue_tail = job;
	pthread_cond_signal(&h->work);
	pthread_mutex_unlock(&h->mutex);
	return 0;
}

int hasher_post_work(struct hasher *h, struct hasher_work *work)
{
	int rc;

	if (!h->started && (rc = start_thread(h)) != 0)
		return rc;
	work->finished = false;
	work->next = NULL;
	pthread_mutex_lock(&h->mutex);
	if (h->work_tail)
		h->work_tail->next = work;
	else
		h->work_head = work;
	h->work_tail = work;
	pthread_cond_signal(&h->work);
	pthread_mutex_unlock(&h->mutex);
	return 0;
}

void hasher_finish_work(struct hasher *h, struct hasher_work *work)
{
	struct hasher_work **p;

	pthread_mutex_lock(&h->mutex);
	while (!work->finished)
		pthread_cond_wait(&h->hashed, &h->mutex);
	for (p = &h->work_done; *p; p = &(*p)->next) {
		if (*p == work) {
			*p = work->next;
			break;
		}
	}
	pthread_mutex_unlock(&h->mutex);
	work->next = NULL;
	work->done(work);
}

bool hasher_extend(struct hasher *h, struct hash_job *job, uint64_t end)
{
	bool running;

	pthread_mutex_lock(&h->mutex);
	running = !job->done;
	if (running && end > job->end)
		job->end = end;
	pthread_mutex_unlock(&h->mutex);
	return running;
}

void hasher_abandon(struct hasher *h, struct hash_job *job)
{
	pthread_mutex_lock(&h->mutex);
	job->abandoned = true;
	pthread_mutex_unlock(&h->mutex);
	job->task = NULL;
}

void hasher_take(struct hasher *h, struct hash_job *job)
{
	struct hash_job **p;

	pthread_mutex_lock(&h->mutex);
	while (!job->done)
		pthread_cond_wait(&h->hashed, &h->mutex);
	for (p = &h->done_head; *p; p = &(*p)->next) {
		if (*p == job) {
			*p = job->next;
			break;
		}
	}
	pthread_mutex_unlock(&h->mutex);
	job->next = NULL;
}

void hasher_job_free(struct hash_job *job)
{
	if (!job)
		return;
	if (!job->task)
		digest_free(job->digest);
	if (job->fd >= 0)
		close(job->fd);
	free(job);
}

static void free_list(struct hash_job *job)
{
	struct hash_job *next;

	for (; job; job = next) {
		next = job->next;
		job->task = NULL;
		hasher_job_free(job);
	}
}

void hasher_free(struct hasher *h)
{
	if (!h->collect)
		return;     /* never initialised */
	if (h->started) {
		pthread_mutex_lock(&h->mutex);
		h->stopping = true;
		pthread_cond_signal(&h->work);
		pthread_mutex_unlock(&h->mutex);
		pthread_join(h->thread, NULL);
	}
	free_list(h->queue_head);
	free_list(h->done_head);
	event_free(h->collect);
	pthread_mutex_destroy(&h->mutex);
	pthread_cond_destroy(&h->work);
	pthread_cond_destroy(&h->hashed);
	memset(h, 0, sizeof(*h));
}
