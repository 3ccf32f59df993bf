/* hashing.c — see hashing.h. */
#define _GNU_SOURCE
#include "hashing.h"

#include "digest.h"
#include "error.h"
#include "session.h"
#include "task.h"
#include "transfer.h"
#include "ycdl.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What one loop turn hashes while catching up: about half a millisecond
 * with SHA-NI, so transfers and API calls hardly notice. */
#define CATCH_UP_SLICE (1u << 20)

static void catch_up(evutil_socket_t fd, short what, void *arg)
{
	struct transfer *x = arg;
	struct task *t = x->task;
	uint64_t behind = t->offset - t->hashed;
	uint64_t slice = behind < CATCH_UP_SLICE ? behind : CATCH_UP_SLICE;

	(void)fd;
	(void)what;
	if (slice == 0)
		return;
	if (digest_update_from_fd(t->sha256, x->fd, t->hashed, slice) != 0) {
		/* Unreadable now; hashing_finish tries again from the file and
		 * reports the error if it persists. */
		return;
	}
	t->hashed += slice;
	if (t->hashed < t->offset)
		event_active(x->hash_catch_up, 0, 0);
}

int hashing_start(struct ycdl_session *s, struct transfer *x)
{
	struct task *t = x->task;

	if (!t->sha256 && !(t->sha256 = digest_new("sha256")))
		return error_set(YCDL_E_NOMEM, "cannot create a digest");
	if (t->hashed > t->offset) {
		/* The part file was cut back below what the digest covers. */
		digest_reset(t->sha256);
		t->hashed = 0;
	}
	x->hash_catch_up = event_new(s->loop.base, -1, 0, catch_up, x);
	if (!x->hash_catch_up)
		return error_set(YCDL_E_NOMEM, "out of memory");
	if (t->hashed < t->offset)
		event_active(x->hash_catch_up, 0, 0);
	return 0;
}

void hashing_wrote(struct transfer *x, const void *data, size_t len)
{
	struct task *t = x->task;

	if (t->hashed == t->offset) {
		digest_update(t->sha256, data, len);
		t->hashed += len;
	}
	/* Else the catch-up reads these bytes back from the file in turn. */
}

void hashing_stop(struct transfer *x)
{
	if (x->hash_catch_up) {
		event_free(x->hash_catch_up);
		x->hash_catch_up = NULL;
	}
}

int hashing_finish(struct task *t, char **out)
{
	char *hex;
	int fd, rc = 0;

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
		if (rc != 0)
			return rc;
		t->hashed = t->offset;
	}
	if (!(hex = malloc(DIGEST_MAX_HEX)))
		return -ENOMEM;
	if ((rc = digest_final_hex(t->sha256, hex)) != 0) {
		free(hex);
		return rc;
	}
	t->hashed = 0;      /* digest_final_hex started the digest afresh */
	*out = hex;
	return 0;
}
