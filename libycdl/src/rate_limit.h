/* rate_limit.h — a token bucket: whether a chunk of bytes may be taken now
 * under a speed limit, how long until it may, and how small a transfer's
 * reads should be. Arithmetic only, on a clock the caller reads;
 * throttle.c pauses and unpauses transfers by it.
 *
 * Why the limit holds: the bucket fills at the rate up to its capacity, a
 * tenth of a second's worth, and a chunk is taken only when the bucket
 * holds all of it. So over any interval of T seconds
 *
 *     bytes taken <= rate x T + capacity = rate x T + rate / 10,
 *
 * and any one-second window holds at most the limit plus 10 %. A chunk
 * bigger than the whole bucket could never be taken that way: it is taken
 * once the bucket is full, which leaves the bucket in debt, and the bound
 * becomes rate x T + that chunk. curl reads at least 1 KiB at a time, so
 * this happens below 10 KiB/s, and over HTTP/2, which may hand over a few
 * reads at once, somewhat above (rate_limit_receive_buffer keeps reads far
 * below a tenth of the rate otherwise). One bucket serves any number of
 * transfers alike: each chunk of any of them is taken only when the bucket
 * holds it. */
#ifndef YCDL_RATE_LIMIT_H
#define YCDL_RATE_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Faster limits are taken as this one, 1 TiB/s: as good as none, and it
 * keeps the arithmetic within 64 bits. */
#define RATE_LIMIT_MAX ((uint64_t)1 << 40)

struct rate_limit {
	uint64_t rate;        /* bytes per second; 0: no limit */
	/* In millionths of a byte, so that a microsecond at any rate adds a
	 * whole number of them and nothing is lost to rounding. */
	int64_t capacity;     /* the most the bucket holds */
	int64_t level;        /* what it holds; below zero: in debt */
	int64_t refilled_us;  /* the monotonic time the level is counted to */
};

/* Sets the limit (0: none) at now_us (util_monotonic_us). A bucket that had
 * no limit starts full; one that had a limit keeps its level (a debt stays
 * owed), cut to the new capacity. A zeroed bucket has no limit. */
void rate_limit_set(struct rate_limit *b, uint64_t rate, int64_t now_us);

/* True when a chunk of bytes may be taken at now_us: the bucket holds it,
 * or is full (a chunk bigger than the bucket). Always with no limit. */
bool rate_limit_allows(struct rate_limit *b, size_t bytes, int64_t now_us);

/* Takes a chunk of bytes out of the bucket. */
void rate_limit_take(struct rate_limit *b, size_t bytes);

/* Microseconds from the last rate_limit_allows until a chunk of bytes may
 * be taken; 0 when it may be now. */
int64_t rate_limit_wait_us(const struct rate_limit *b, size_t bytes);

/* The receive buffer (CURLOPT_BUFFERSIZE) for a transfer limited to rate:
 * curl hands the write callback about this much at a time. A fiftieth of
 * the rate, at least curl's least of 1 KiB: a fifth of the bucket, so that
 * a few reads handed over at once still fit it, and a timer that wakes late
 * loses nothing until the bucket is full (80 ms after the read could have
 * been taken). Without a limit (rate 0), 256 KiB: big reads mean fewer
 * system calls on fast links. */
long rate_limit_receive_buffer(uint64_t rate);

#endif
