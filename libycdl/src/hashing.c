/* hashing.c — see hashing.h. */
#define _GNU_SOURCE
#include "hashing.h"

#include "digest.h"
#include "error.h"
#include "hasher.h"
#include "partfile.h"
#include "session.h"
#include "task.h"
#include "transfer.h"
#include "util.h"
#include "ycdl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* A new job is posted once this much waits: fewer wake-ups of the thread
 * when it keeps up with the download and so keeps ending its jobs. */
#define JOB_MIN (1u << 20)

/* Takes the result of t's job back, waiting for the thread to end it if
 * it has not; the job is freed. */
static void settle(struct ycdl_session *s, struct task *t)
{
	struct hash_job *job = t->hash_job;

	hasher_take(&s->hasher, job);
	t->hash_job = NULL;
	if (job->rc == 0) {
		t->hashed = job->hashed_to;
	} else {
		/* The digest took part of a slice: worthless. hashing_finish
		 * reads the whole file and reports the error if it persists. */
		digest_reset(t->sha256);
		t->hashed = 0;
		t->hash_by_finish = true;
	}
	hasher_job_free(job);
}

/* Has the hashing thread follow t's bytes up to end, read from x's part
 * file: the job out is extended, or a new one posted. The job opens the
 * file anew rather than sharing x's descriptor, which holds the file's
 * claim (partfile.h): a job that outlives the transfer must not keep the
 * task's next transfer out of its own file. When posting fails the bytes
 * simply stay unhashed until hashing_finish reads them. */
static void follow(struct ycdl_session *s, struct task *t,
		const struct transfer *x, uint64_t end)
{
	struct hash_job *job = t->hash_job;

	if (job) {
		if (hasher_extend(&s->hasher, job, end))
			return;
		settle(s, t);       /* it caught up and ended: start another */
	}
	if (t->hash_by_finish || !t->sha256 || end - t->hashed < JOB_MIN)
		return;
	if (!(job = calloc(1, sizeof(*job))))
		return;
	job->fd = partfile_open_reader(t->part_path, &x->part);
	job->digest = t->sha256;
	job->from = t->hashed;
	job->end = end;
	job->task = t;
	if (job->fd < 0 || hasher_post(&s->hasher, job) != 0) {
		hasher_job_free(job);
		t->hash_by_finish = true;
		return;
	}
	t->hash_job = job;
}

void hashing_job_done(void *arg, struct hash_job *job)
{
	struct ycdl_session *s = arg;
	struct task *t = job->task;

	if (!t) {
		hasher_job_free(job);   /* abandoned: its digest goes with it */
		return;
	}
	settle(s, t);
	if (t->transfer && t->transfer->fd >= 0)
		follow(s, t, t->transfer, t->offset);
}

void hashing_forget(struct task *t)
{
	struct ycdl_session *s = t->session;

	if (t->hash_job) {
		/* The job owns the digest now; it frees both when it is back.
		 * The new digest is NULL when out of memory: hashing_finish
		 * tries again. */
		hasher_abandon(&s->hasher, t->hash_job);
		t->hash_job = NULL;
		t->sha256 = digest_new("sha256");
	} else if (t->sha256) {
		digest_reset(t->sha256);
	}
	t->hashed = 0;
	t->hash_by_finish = false;
}

int hashing_start(struct ycdl_session *s, struct transfer *x)
{
	struct task *t = x->task;

	/* A job still following an earlier transfer goes on following this
	 * one, unless the part file was cut back below what it was told to
	 * hash (only the loop thread writes job->end). */
	if ((t->hash_job && t->hash_job->end > t->offset) ||
	    (!t->hash_job && t->hashed > t->offset))
		hashing_forget(t);
	if (!t->sha256 && !(t->sha256 = digest_new("sha256")))
		return error_set(YCDL_E_NOMEM, "cannot create a digest");
	t->hash_by_finish = false;
	follow(s, t, x, t->offset);
	return 0;
}

void hashing_wrote(struct transfer *x, size_t len)
{
	struct task *t = x->task;
	uint64_t end = t->offset + len;

	follow(x->session, t, x, end);
}

void hashing_hand_over(struct ycdl_session *s, struct task *t,
		struct digest **digest, uint64_t *from)
{
	if (t->hash_job)
		settle(s, t);
	if (!t->sha256 || t->hashed > t->offset) {
		digest_free(t->sha256);
		t->sha256 = digest_new("sha256");   /* NULL: hashing_finish retries */
		t->hashed = 0;
	}
	*digest = t->sha256;
	*from = t->hashed;
	t->sha256 = NULL;
	t->hashed = 0;
}

void hashing_take_back(struct task *t, struct digest *digest, uint64_t hashed)
{
	digest_free(t->sha256);
	t->sha256 = digest;
	t->hashed = digest ? hashed : 0;
}

int hashing_finish(struct ycdl_session *s, struct task *t)
{
	struct hash_job *job = t->hash_job;
	char *hex;
	int fd, rc = 0;

	if (job) {
		/* Its end is the last byte written: wait for the thread. */
		settle(s, t);
	}
	if (!t->sha256 && !(t->sha256 = digest_new("sha256")))
		return -ENOMEM;
	if (t->hashed > t->offset) {
		digest_reset(t->sha256);
		t->hashed = 0;
	}
	if (t->hashed < t->offset) {
		fd = open(t->part_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		rc = digest_update_from_fd(t->sha256, fd, t->hashed, t->offset - t->hashed);
		close(fd);
		if (rc != 0) {
			hashing_forget(t);  /* the digest took part of the range */
			return rc;
		}
		t->hashed = t->offset;
	}
	if (!(hex = malloc(DIGEST_MAX_HEX)))
		return -ENOMEM;
	if ((rc = digest_final_hex(t->sha256, hex)) != 0) {
		free(hex);
		return rc;
	}
	t->hashed = 0;      /* digest_final_hex started the digest afresh */
	util_free_string(t->sha256_hex);
	t->sha256_hex = hex;
	return 0;
}
