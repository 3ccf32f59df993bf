/* segment_map.h — which bytes of a segmented download are where: the file
 * [0, total) cut into segments, each filled in order from its start by at
 * most one request at a time. Pure bookkeeping, no I/O: segments.c runs
 * the requests, snapshot.c writes the map down.
 *
 * A segment's bytes [start, start + done) are in the part file; of them
 * [start, start + synced) are durable and claimed by the last snapshot.
 * The contiguous prefix (the bytes from 0 with no gap, what the running
 * SHA-256 may read) is what the leading complete segments and the first
 * incomplete one's done bytes cover. */
#ifndef YCDL_SEGMENT_MAP_H
#define YCDL_SEGMENT_MAP_H

#include "queue.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct transfer;

struct segment {
	uint64_t start;
	uint64_t end;             /* exclusive */
	uint64_t done;            /* bytes written from start, in order */
	uint64_t synced;          /* of them, durable and claimed */
	struct transfer *owner;   /* the request filling it, or NULL */
	struct queue link;        /* in the map, by start */
};

struct segment_map {
	struct queue segments;    /* struct segment, by start, no gap */
	size_t count;
	uint64_t total;
};

/* One segment [0, total) holding done bytes (synced of them durable). */
int segment_map_init(struct segment_map *m, uint64_t total, uint64_t done,
		uint64_t synced);
void segment_map_free(struct segment_map *m);

/* Appends [start, end) with done and synced bytes, for a map being read
 * back from a snapshot (segment_map_is_whole checks the result). */
int segment_map_append(struct segment_map *m, uint64_t start, uint64_t end,
		uint64_t done, uint64_t synced);

/* True when the segments cover [0, total) in order, without gap or
 * overlap, and no segment holds more than its length. */
bool segment_map_is_whole(const struct segment_map *m);

static inline uint64_t segment_length(const struct segment *g)
{
	return g->end - g->start;
}

static inline uint64_t segment_left(const struct segment *g)
{
	return g->end - g->start - g->done;
}

/* Bytes from 0 without a gap (done, or synced only). */
uint64_t segment_map_prefix(const struct segment_map *m, bool synced_only);
/* Every byte written (done), or every durable one (synced). */
uint64_t segment_map_sum(const struct segment_map *m, bool synced_only);
/* The end of the furthest byte written: the part file holds at least this
 * much (synced_only: as of the last checkpoint). */
uint64_t segment_map_extent(const struct segment_map *m, bool synced_only);

/* Cuts the unowned part of the segment g is in, from its written bytes to
 * its end, into pieces of at least min bytes, at most pieces of them in
 * all (g keeps the first); false when out of memory. */
bool segment_map_split_even(struct segment_map *m, struct segment *g,
		unsigned int pieces, uint64_t min);

/* Work for a request that is free: the unowned segment with the most
 * left, else half of the owned segment with the most left, when that
 * half is at least min bytes (its owner's piece ends where the new one
 * starts). NULL when there is no such work (or out of memory). The
 * segment returned is owned by taker. */
struct segment *segment_map_take(struct segment_map *m, struct transfer *taker,
		uint64_t min);

/* Whether any segment has bytes left that no request is fetching. */
bool segment_map_has_orphans(const struct segment_map *m);

/* Every byte is written. */
static inline bool segment_map_complete(const struct segment_map *m)
{
	return segment_map_sum(m, false) == m->total;
}

/* A checkpoint made every written byte durable: synced = done, and
 * neighbouring complete segments (no owner) become one. */
void segment_map_mark_synced(struct segment_map *m);

/* No byte is claimed any more (synced = 0): they are about to go. */
void segment_map_unclaim(struct segment_map *m);

/* The segment of the map, in order (NULL after the last). */
struct segment *segment_map_first(const struct segment_map *m);
struct segment *segment_map_next(const struct segment_map *m,
		const struct segment *g);

#endif
