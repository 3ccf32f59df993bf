/* segmented_task.c — see segmented_task.h. */
#define _GNU_SOURCE
#include "segmented_task.h"

#include "error.h"
#include "session.h"
#include "task.h"
#include "transfer.h"

#include <stdlib.h>

/* The file is cut into this many pieces per connection, taken in order
 * (segment_map_take: the first of the largest orphans): the bytes from 0
 * then close behind the requests, and the running SHA-256 follows them,
 * rather than having all but one connection's share left to read once
 * the last byte is in (one piece per connection: 7/8 of a file over 8). */
#define PIECES_PER_CONNECTION 4

unsigned int segments_wanted(const struct ycdl_session *s, const struct task *t)
{
	unsigned int n = t->connections ? t->connections : s->cfg.connections;

	return n ? n : 1;
}

unsigned int segments_in_use(const struct task *t)
{
	if (!t->transfer)
		return 0;
	return (t->transfer->parked ? 0 : 1) + (t->segs ? t->segs->helper_count : 0);
}

uint64_t segments_prefix(const struct task *t)
{
	return t->segs ? t->segs->prefix : t->offset;
}

static struct segments *segments_new(struct task *t)
{
	struct segments *segs = calloc(1, sizeof(*segs));

	if (!segs)
		return NULL;
	segs->task = t;
	queue_init(&segs->helpers);
	queue_init(&segs->spawn_link);
	queue_init(&segs->map.segments);
	return segs;
}

/* Frees segs (in no spawn line, or taken out of it first). */
static void segments_discard(struct segments *segs)
{
	queue_remove(&segs->spawn_link);
	segment_map_free(&segs->map);
	free(segs);
}

void segments_forget(struct task *t)
{
	if (!t->segs)
		return;
	segments_discard(t->segs);
	t->segs = NULL;
	if (t->transfer)
		t->transfer->piece = NULL;
}

void segments_want_helpers(struct ycdl_session *s, struct task *t)
{
	if (t->segs && queue_empty(&t->segs->spawn_link))
		queue_insert_tail(&s->segment_spawns, &t->segs->spawn_link);
}

int segments_begin(struct ycdl_session *s, struct task *t, struct transfer *x)
{
	unsigned int wanted = segments_wanted(s, t);
	uint64_t min = s->cfg.segment_min_size;
	struct segments *segs;
	struct segment *first;

	if (wanted <= 1 || x->helper || t->segs || t->run->single_connection ||
	    t->resumability != RESUMABLE_YES || t->total < 0 ||
	    (uint64_t)t->total - t->offset < 2 * min)
		return 0;
	if (!(segs = segments_new(t)))
		return error_set(YCDL_E_NOMEM, "out of memory");
	if (segment_map_init(&segs->map, (uint64_t)t->total, t->offset,
			t->synced_offset) != 0 ||
	    !segment_map_split_even(&segs->map, segment_map_first(&segs->map),
			wanted * PIECES_PER_CONNECTION, min)) {
		segments_discard(segs);
		return error_set(YCDL_E_NOMEM, "out of memory");
	}
	first = segment_map_first(&segs->map);
	first->owner = x;
	segs->prefix = t->offset;
	t->segs = segs;
	x->piece = first;       /* its request goes on, to the file's end */
	segments_want_helpers(s, t);
	return 0;
}

int segments_restore(struct task *t, uint64_t total,
		const uint64_t (*ranges)[3], size_t count)
{
	struct segments *segs = segments_new(t);

	if (!segs)
		return error_set(YCDL_E_NOMEM, "out of memory");
	segs->map.total = total;
	for (size_t i = 0; i < count; i++) {
		if (segment_map_append(&segs->map, ranges[i][0], ranges[i][1],
				ranges[i][2], ranges[i][2]) != 0) {
			segments_discard(segs);
			return YCDL_E_NOMEM;
		}
	}
	if (!segment_map_is_whole(&segs->map)) {
		segments_discard(segs);
		return error_set(YCDL_E_STORE, "the segments of %s do not cover the "
				"file", t->key);
	}
	segs->prefix = segment_map_prefix(&segs->map, false);
	t->segs = segs;
	return 0;
}

bool segments_wrote(struct transfer *x, struct segment *g)
{
	struct segments *segs = x->task->segs;
	uint64_t prefix;

	if (segment_left(g) == 0) {
		g->owner = NULL;
		x->piece = NULL;
		x->piece_done = true;
	}
	if (g->start > segs->prefix)
		return false;   /* behind a gap: the prefix does not move */
	prefix = segment_map_prefix(&segs->map, false);
	if (prefix == segs->prefix)
		return false;
	segs->prefix = prefix;
	return true;
}
