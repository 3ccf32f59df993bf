/* hasher.h — the session's hashing thread. It feeds a digest with a range
 * of a file read back from the page cache, so the SHA-256 of a big download
 * runs beside the loop thread instead of on it (about 0.6 s of CPU per GiB
 * that the loop no longer waits for), and it does the group commit's file
 * work (hasher_work: the SHA-256 of small files, the data syncs, then the
 * journal sync and the moves). The thread starts with the first job and
 * serves the whole session.
 *
 * A job owns its digest and its descriptor from hasher_post until the loop
 * takes it back: the loop thread must not touch either meanwhile. While the
 * job runs the loop can move its end further (hasher_extend), so one job
 * follows a download from its first megabyte to its last without waiting
 * for the loop between pieces. A job ends when the thread has caught up with
 * its end; the loop takes it back in the done callback, or at once with
 * hasher_take. */
#ifndef YCDL_HASHER_H
#define YCDL_HASHER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct digest;
struct event;
struct event_base;
struct task;

struct hash_job {
	struct digest *digest;
	int fd;                   /* the job's own descriptor, closed with it */
	uint64_t from;            /* where the digest stands when posted */
	uint64_t end;             /* hash up to here; under the mutex */
	uint64_t hashed_to;       /* where the digest stands once done */
	int rc;                   /* 0 or a negative errno, once done */
	struct task *task;        /* loop thread only; NULL once abandoned */
	bool abandoned;           /* under the mutex: stop early */
	bool done;                /* under the mutex */
	struct hash_job *next;    /* in the queue, then in the done list */
};

typedef void (*hasher_done_fn)(void *arg, struct hash_job *job);

/* Other file work for the same thread (the group commit's hashing and
 * syncing, commit.c): run on the thread, then done on the loop thread. The
 * loop must not touch what run uses until done is called. */
struct hasher_work {
	void (*run)(struct hasher_work *work);
	void (*done)(struct hasher_work *work);
	bool finished;              /* under the mutex */
	struct hasher_work *next;   /* in the queue, then in the done list */
};

struct hasher {
	pthread_t thread;
	bool started;
	bool stopping;
	pthread_mutex_t mutex;
	pthread_cond_t work;      /* the queue is no longer empty, or stop */
	pthread_cond_t hashed;    /* a job was hashed */
	struct hash_job *queue_head, *queue_tail;
	struct hash_job *done_head;
	struct hasher_work *work_head, *work_tail, *work_done;
	struct event *collect;    /* on the loop: hands done jobs to done_fn */
	hasher_done_fn done_fn;
	void *done_arg;
};

/* done_fn(done_arg, job) runs on the loop thread for each hashed job, and
 * owns it from then on (hasher_job_free). */
int hasher_init(struct hasher *h, struct event_base *base,
		hasher_done_fn done_fn, void *done_arg);

/* Queues a job (starting the thread on first use). Returns 0 or a YCDL_E_*
 * error; on error the job is still the caller's. */
int hasher_post(struct hasher *h, struct hash_job *job);

/* Queues work (starting the thread on first use); work->done runs on the
 * loop thread once it has run. Returns 0 or a YCDL_E_* error; on error the
 * work is still the caller's. */
int hasher_post_work(struct hasher *h, struct hasher_work *work);

/* Blocks until work has run, and calls its done now. Loop thread only. */
void hasher_finish_work(struct hasher *h, struct hasher_work *work);

/* Moves a running job's end to end (never back). Returns false when the
 * job is already done: take it back and post another. */
bool hasher_extend(struct hasher *h, struct hash_job *job, uint64_t end);

/* Blocks until job is done and takes it back from the hasher: done_fn is
 * not called for it (a no-op for a job done_fn was given). Loop thread
 * only. */
void hasher_take(struct hasher *h, struct hash_job *job);

/* Tells the thread to stop job early and forgets its task: the job frees
 * itself, digest included, when it comes back. */
void hasher_abandon(struct hasher *h, struct hash_job *job);

/* Closes the job's descriptor and frees it; the digest is the caller's
 * unless the job was abandoned (task == NULL), then it goes too. */
void hasher_job_free(struct hash_job *job);

/* Stops the thread and frees every job still held (all must be abandoned
 * by then: their tasks are gone). No work may be out. */
void hasher_free(struct hasher *h);

#endif
