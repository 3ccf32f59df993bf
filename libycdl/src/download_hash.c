/* download_hash.c — see download_hash.h. */
#define _GNU_SOURCE
#include "download_hash.h"
#include "segmented_task.h"

#include "digest.h"
#include "error.h"
#include "partfile.h"
#include "session.h"
#include "task.h"
#include "transfer.h"
#include "util.h"
#include "worker.h"
#include "ycdl.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A new job is posted once this much waits: fewer wake-ups of the worker
 * when it keeps up with the download and so keeps ending its jobs. */
#define JOB_MIN (1u << 20)
/* What the worker hashes per turn: a group commit queued behind a job
 * waits for at most this much, and an abandoned job stops soon. */
#define SLICE (1u << 20)

/* One job on the worker: the digest and [pos, end) of the part file. */
struct hash_job {
	struct worker_job work;   /* first: the job is its work */
	pthread_mutex_t mutex;    /* guards end, over and abandoned */
	struct digest *digest;    /* the task's, the job's while out */
	int fd;                   /* its own descriptor of the part file */
	uint64_t pos;             /* hashed up to here (worker, then loop) */
	uint64_t end;             /* hash up to here; the loop moves it on */
	bool over;                /* it caught up: no more extending */
	bool abandoned;           /* stop early; the job frees itself */
	int rc;                   /* 0 or the YCDL_E_* that stopped it */
	struct task *task;        /* loop thread; NULL once abandoned */
};

static void job_free(struct hash_job *job)
{
	if (!job->task)
		digest_free(job->digest);   /* abandoned: the digest is its own */
	if (job->fd >= 0)
		close(job->fd);
	pthread_mutex_destroy(&job->mutex);
	free(job);
}

/* On the worker: one slice, then another turn, until the job has caught
 * up with its end, failed, or been abandoned. */
static bool run_job(struct worker_job *work)
{
	struct hash_job *job = (struct hash_job *)work;
	uint64_t end;

	pthread_mutex_lock(&job->mutex);
	end = job->end;
	if (job->pos >= end || job->rc != 0 || job->abandoned) {
		job->over = true;
		pthread_mutex_unlock(&job->mutex);
		return false;
	}
	pthread_mutex_unlock(&job->mutex);
	if (end - job->pos > SLICE)
		end = job->pos + SLICE;
	job->rc = digest_update_from_fd(job->digest, job->fd, job->pos, end - job->pos);
	if (job->rc == 0)
		job->pos = end;
	return true;
}

/* On the loop: the task takes the job's result, and the job goes. */
static void job_done(struct worker_job *work)
{
	struct hash_job *job = (struct hash_job *)work;
	struct task_run *r = job->task ? job->task->run : NULL;

	if (r) {
		r->hash_job = NULL;
		if (job->rc == 0) {
			r->hashed = job->pos;
		} else {
			/* The digest took part of a slice: worthless.
			 * download_hash_finish reads the whole file again and
			 * reports the error if it persists. */
			digest_reset(r->sha256);
			r->hashed = 0;
			r->hash_by_finish = true;
		}
	}
	job_free(job);
}

/* Waits for t's job to come back and takes its result. */
static void settle(struct ycdl_session *s, struct task *t)
{
	struct task_run *r = t->run;

	worker_finish(&s->worker, &r->hash_job->work);
}

/* Moves a running job's end on; false when it is over already. */
static bool extend(struct hash_job *job, uint64_t end)
{
	bool running;

	pthread_mutex_lock(&job->mutex);
	running = !job->over;
	if (running && end > job->end)
		job->end = end;
	pthread_mutex_unlock(&job->mutex);
	return running;
}

/* Has the worker follow t's bytes up to end, read from x's part file: the
 * job out is extended, or a new one posted. The job opens the file anew
 * rather than sharing x's descriptor, which holds the file's claim
 * (partfile.h): a job that outlives the transfer must not keep the task's
 * next transfer out of its own file. When posting fails the bytes simply
 * stay unhashed until download_hash_finish reads them. */
static void follow(struct ycdl_session *s, struct task *t,
		const struct transfer *x, uint64_t end)
{
	struct task_run *r = t->run;
	struct hash_job *job = r->hash_job;

	if (job) {
		if (extend(job, end))
			return;
		settle(s, t);       /* it caught up and ended: start another */
	}
	if (r->hash_by_finish || !r->sha256 || end - r->hashed < JOB_MIN)
		return;
	if (!(job = calloc(1, sizeof(*job))))
		return;
	pthread_mutex_init(&job->mutex, NULL);
	job->work.run = run_job;
	job->work.done = job_done;
	job->fd = partfile_open_reader(task_part_path(t), &x->part);
	job->digest = r->sha256;
	job->pos = r->hashed;
	job->end = end;
	job->task = t;
	if (job->fd < 0 || worker_post(&s->worker, &job->work) != 0) {
		job->task = NULL;
		job->digest = NULL;     /* still the task's */
		job_free(job);
		r->hash_by_finish = true;
		return;
	}
	r->hash_job = job;
}

void download_hash_forget(struct ycdl_session *s, struct task *t)
{
	struct task_run *r = t->run;
	struct hash_job *job = r ? r->hash_job : NULL;

	(void)s;
	if (!r)
		return;     /* never started: nothing hashed */
	if (job) {
		/* The job owns the digest now; it frees both when it is back.
		 * The new digest is NULL when out of memory: the finish tries
		 * again. */
		pthread_mutex_lock(&job->mutex);
		job->abandoned = true;
		pthread_mutex_unlock(&job->mutex);
		job->task = NULL;
		r->hash_job = NULL;
		r->sha256 = digest_new("sha256");
	} else if (r->sha256) {
		digest_reset(r->sha256);
	}
	r->hashed = 0;
	r->hash_by_finish = false;
}

int download_hash_start(struct ycdl_session *s, struct transfer *x)
{
	struct task *t = x->task;
	struct task_run *r = t->run;    /* made by completion_start */

	/* A job still following an earlier transfer goes on following this
	 * one, unless the part file was cut back below what it was told to
	 * hash (only the loop thread writes job->end). */
	uint64_t prefix = segments_prefix(t);

	if ((r->hash_job && r->hash_job->end > prefix) ||
	    (!r->hash_job && r->hashed > prefix))
		download_hash_forget(s, t);
	if (!r->sha256 && !(r->sha256 = digest_new("sha256")))
		return error_set(YCDL_E_NOMEM, "cannot create a digest");
	r->hash_by_finish = false;
	follow(s, t, x, prefix);
	return 0;
}

void download_hash_reached(struct ycdl_session *s, struct transfer *x,
		uint64_t end)
{
	follow(s, x->task, x, end);
}

void download_hash_wrote(struct transfer *x, size_t len)
{
	struct task *t = x->task;

	follow(x->session, t, x, t->offset + len);
}

void download_hash_hand_over(struct ycdl_session *s, struct task *t,
		struct digest **digest, uint64_t *from)
{
	struct task_run *r = t->run;

	if (r->hash_job)
		settle(s, t);
	if (!r->sha256 || r->hashed > t->offset) {
		digest_free(r->sha256);
		r->sha256 = digest_new("sha256");   /* NULL: the finish retries */
		r->hashed = 0;
	}
	*digest = r->sha256;
	*from = r->hashed;
	r->sha256 = NULL;
	r->hashed = 0;
}

void download_hash_take_back(struct task *t, struct digest *digest, uint64_t hashed)
{
	struct task_run *r = task_run_of(t);

	if (!r) {
		digest_free(digest);    /* the finish hashes the file */
		return;
	}
	digest_free(r->sha256);
	r->sha256 = digest;
	r->hashed = digest ? hashed : 0;
}

/* Hashes what the digest lacks of t's part file, read by path. */
static int catch_up(struct ycdl_session *s, struct task *t)
{
	struct task_run *r = t->run;
	int fd, rc;

	if (r->hashed >= t->offset)
		return 0;
	fd = open(task_part_path(t), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error_set(error_from_errno(errno), "cannot read %s: %s",
				task_part_path(t), strerror(errno));
	rc = digest_update_from_fd(r->sha256, fd, r->hashed, t->offset - r->hashed);
	close(fd);
	if (rc != 0) {
		download_hash_forget(s, t);  /* the digest took part of the range */
		return error_set(rc, "cannot hash %s", task_part_path(t));
	}
	r->hashed = t->offset;
	return 0;
}

int download_hash_finish(struct ycdl_session *s, struct task *t)
{
	struct task_run *r = task_run_of(t);
	char *hex;
	int rc;

	if (!r)
		return error_set(YCDL_E_NOMEM, "out of memory");
	if (r->hash_job)
		settle(s, t);   /* its end is the last byte written */
	if (!r->sha256 && !(r->sha256 = digest_new("sha256")))
		return error_set(YCDL_E_NOMEM, "out of memory");
	if (r->hashed > t->offset) {
		digest_reset(r->sha256);
		r->hashed = 0;
	}
	if ((rc = catch_up(s, t)) != 0)
		return rc;
	if (!(hex = malloc(DIGEST_MAX_HEX)))
		return error_set(YCDL_E_NOMEM, "out of memory");
	if ((rc = digest_final_hex(r->sha256, hex)) != 0) {
		free(hex);
		return error_set(rc, "cannot finish the SHA-256");
	}
	r->hashed = 0;      /* digest_final_hex started the digest afresh */
	util_free_string(t->sha256_hex);
	t->sha256_hex = hex;
	return 0;
}
