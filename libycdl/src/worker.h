/* worker.h — the session's worker thread, for file work that must not hold
 * up the loop: the SHA-256 of downloads (download_hash.c), and the group
 * commit's checks, hashing, data syncs, journal sync and moves (commit.c).
 * The model is libuv's uv_queue_work: a job's run function runs on the
 * worker thread, then its done function runs on the loop thread. One queue,
 * one done list, whatever the job.
 *
 * A job whose run has more to do returns true: it goes to the back of the
 * queue, so that a long job (hashing a download that is still arriving)
 * takes turns with the others (a group commit waits for at most one slice
 * of it). From worker_post until its done is called, the job belongs to
 * the worker: the loop touches nothing run uses, unless the job's own
 * synchronisation says otherwise. The thread starts with the first job. */
#ifndef YCDL_WORKER_H
#define YCDL_WORKER_H

#include "queue.h"

#include <pthread.h>
#include <stdbool.h>

struct event;
struct event_base;

struct worker_job {
	/* On the worker thread: true to run again later, false when done. */
	bool (*run)(struct worker_job *job);
	/* On the loop thread, once run returned false. */
	void (*done)(struct worker_job *job);
	struct queue link;        /* in the queue, then in the done list */
	bool finished;            /* run returned false; under the mutex */
};

struct worker {
	pthread_t thread;
	bool started;
	bool stopping;
	pthread_mutex_t mutex;
	pthread_cond_t wake;      /* a job was queued, or stop */
	pthread_cond_t finished;  /* a job finished */
	struct queue todo;
	struct queue done;
	struct event *collect;    /* on the loop: calls the done functions */
};

int worker_init(struct worker *w, struct event_base *base);

/* Queues job (starting the thread on first use). Returns 0 or a YCDL_E_*
 * error; on error the job is still the caller's and done is never called. */
int worker_post(struct worker *w, struct worker_job *job);

/* Waits until job's run is over and calls its done now, on the calling
 * (loop) thread. */
void worker_finish(struct worker *w, struct worker_job *job);

/* Stops the thread once the job it runs returns, then calls done for every
 * job still queued or uncollected (job->finished tells which had ended):
 * their owners are gone by then (commit.c finishes its jobs first,
 * download_hash.c abandons its own), so done only frees what the job owns. */
void worker_free(struct worker *w);

#endif
