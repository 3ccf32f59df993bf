/* segment_map.c — see segment_map.h. */
#include "segment_map.h"

#include "error.h"

#include <stdlib.h>

static struct segment *new_segment(uint64_t start, uint64_t end, uint64_t done,
		uint64_t synced)
{
	struct segment *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->start = start;
	g->end = end;
	g->done = done;
	g->synced = synced;
	queue_init(&g->link);
	return g;
}

int segment_map_init(struct segment_map *m, uint64_t total, uint64_t done,
		uint64_t synced)
{
	queue_init(&m->segments);
	m->count = 0;
	m->total = total;
	return segment_map_append(m, 0, total, done, synced);
}

int segment_map_append(struct segment_map *m, uint64_t start, uint64_t end,
		uint64_t done, uint64_t synced)
{
	struct segment *g = new_segment(start, end, done, synced);

	if (!g)
		return error_set(YCDL_E_NOMEM, "out of memory");
	queue_insert_tail(&m->segments, &g->link);
	m->count++;
	return 0;
}

void segment_map_free(struct segment_map *m)
{
	struct queue *q;

	while ((q = queue_first(&m->segments)) != NULL) {
		queue_remove(q);
		free(QUEUE_DATA(q, struct segment, link));
	}
	m->count = 0;
}

struct segment *segment_map_first(const struct segment_map *m)
{
	struct queue *q = queue_first(&m->segments);

	return q ? QUEUE_DATA(q, struct segment, link) : NULL;
}

struct segment *segment_map_next(const struct segment_map *m,
		const struct segment *g)
{
	return g->link.next == &m->segments ? NULL
		: QUEUE_DATA(g->link.next, struct segment, link);
}

bool segment_map_is_whole(const struct segment_map *m)
{
	uint64_t at = 0;

	for (struct segment *g = segment_map_first(m); g; g = segment_map_next(m, g)) {
		if (g->start != at || g->end <= g->start || g->synced > g->done ||
		    g->done > segment_length(g))
			return false;
		at = g->end;
	}
	return at == m->total && m->count > 0;
}

uint64_t segment_map_prefix(const struct segment_map *m, bool synced_only)
{
	uint64_t prefix = 0;

	for (struct segment *g = segment_map_first(m); g; g = segment_map_next(m, g)) {
		uint64_t have = synced_only ? g->synced : g->done;

		prefix = g->start + have;
		if (have < segment_length(g))
			break;
	}
	return prefix;
}

uint64_t segment_map_sum(const struct segment_map *m, bool synced_only)
{
	uint64_t sum = 0;

	for (struct segment *g = segment_map_first(m); g; g = segment_map_next(m, g))
		sum += synced_only ? g->synced : g->done;
	return sum;
}

uint64_t segment_map_extent(const struct segment_map *m, bool synced_only)
{
	uint64_t extent = 0;

	for (struct segment *g = segment_map_first(m); g; g = segment_map_next(m, g)) {
		uint64_t have = synced_only ? g->synced : g->done;

		if (have > 0)
			extent = g->start + have;
	}
	return extent;
}

/* Cuts g at `at` (within its unwritten bytes): g keeps [start, at), a new
 * unowned segment after it takes [at, end). */
static struct segment *cut(struct segment_map *m, struct segment *g, uint64_t at)
{
	struct segment *rest = new_segment(at, g->end, 0, 0);

	if (!rest)
		return NULL;
	g->end = at;
	queue_insert_after(&g->link, &rest->link);
	m->count++;
	return rest;
}

bool segment_map_split_even(struct segment_map *m, struct segment *g,
		unsigned int pieces, uint64_t min)
{
	uint64_t left = segment_left(g), piece;

	if (min == 0)
		min = 1;
	if (pieces > left / min)
		pieces = (unsigned int)(left / min);
	if (pieces < 2)
		return true;
	piece = left / pieces;
	/* From the last piece back, so that g keeps the first and the rest
	 * (left % pieces bytes) goes to the last. */
	for (unsigned int i = pieces - 1; i >= 1; i--)
		if (!cut(m, g, g->start + g->done + piece * i))
			return false;
	return true;
}

struct segment *segment_map_take(struct segment_map *m, struct transfer *taker,
		uint64_t min)
{
	struct segment *orphan = NULL, *largest = NULL, *rest;

	for (struct segment *g = segment_map_first(m); g; g = segment_map_next(m, g)) {
		if (segment_left(g) == 0)
			continue;
		if (!g->owner && (!orphan || segment_left(g) > segment_left(orphan)))
			orphan = g;
		if (g->owner && (!largest || segment_left(g) > segment_left(largest)))
			largest = g;
	}
	if (orphan) {
		orphan->owner = taker;
		return orphan;
	}
	if (!largest || segment_left(largest) / 2 < (min ? min : 1))
		return NULL;
	rest = cut(m, largest, largest->start + largest->done +
			segment_left(largest) / 2);
	if (rest)
		rest->owner = taker;
	return rest;
}

bool segment_map_has_orphans(const struct segment_map *m)
{
	for (struct segment *g = segment_map_first(m); g; g = segment_map_next(m, g))
		if (!g->owner && segment_left(g) > 0)
			return true;
	return false;
}

void segment_map_unclaim(struct segment_map *m)
{
	for (struct segment *g = segment_map_first(m); g; g = segment_map_next(m, g))
		g->synced = 0;
}

void segment_map_mark_synced(struct segment_map *m)
{
	struct segment *g = segment_map_first(m), *next;

	for (; g; g = next) {
		next = segment_map_next(m, g);
		g->synced = g->done;
		/* Two complete, durable, idle neighbours are one segment: the
		 * map stays as short as the work in flight. */
		if (next && !g->owner && !next->owner && segment_left(g) == 0 &&
		    next->done == segment_length(next)) {
			g->end = next->end;
			g->done = g->synced = segment_length(g);
			queue_remove(&next->link);
			free(next);
			m->count--;
			next = g;       /* it may join the one after, too */
		}
	}
}
