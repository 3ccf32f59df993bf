/* rate_limit.c — see rate_limit.h. */
#include "rate_limit.h"

#define MILLIONTHS 1000000

/* The bucket holds a tenth of a second of its rate: the 10 % a one-second
 * window may carry beyond the limit (rate_limit.h). In millionths of a
 * byte that is the rate times 100,000, exact at any rate. */
#define CAPACITY_PER_RATE (MILLIONTHS / 10)

/* A limited transfer reads a fiftieth of a second of its rate at a time,
 * within curl's bounds (at least 1 KiB); unlimited ones 256 KiB. */
#define SLICES_PER_SECOND 50
#define BUFFER_MIN 1024
#define BUFFER_UNLIMITED (256 * 1024)

static uint64_t clamp_rate(uint64_t rate)
{
	return rate > RATE_LIMIT_MAX ? RATE_LIMIT_MAX : rate;
}

long rate_limit_receive_buffer(uint64_t rate)
{
	uint64_t slice = clamp_rate(rate) / SLICES_PER_SECOND;

	if (!rate || slice > BUFFER_UNLIMITED)
		return BUFFER_UNLIMITED;
	return slice < BUFFER_MIN ? BUFFER_MIN : (long)slice;
}

static void refill(struct rate_limit *b, int64_t now_us)
{
	int64_t elapsed = now_us - b->refilled_us;

	if (elapsed <= 0)
		return;
	b->refilled_us = now_us;
	/* Past this long the bucket is full whatever it owed (the rate is at
	 * most 2^40, so the product stays below 2^62). */
	if (elapsed > (INT64_MAX / 4) / (int64_t)b->rate) {
		b->level = b->capacity;
		return;
	}
	b->level += (int64_t)b->rate * elapsed;
	if (b->level > b->capacity)
		b->level = b->capacity;
}

void rate_limit_set(struct rate_limit *b, uint64_t rate, int64_t now_us)
{
	bool was_limited = b->rate != 0;

	if (was_limited)
		refill(b, now_us);
	b->rate = clamp_rate(rate);
	b->capacity = (int64_t)b->rate * CAPACITY_PER_RATE;
	b->refilled_us = now_us;
	if (!b->rate || !was_limited || b->level > b->capacity)
		b->level = b->capacity;
}

/* curl's chunks are far below 4 GiB; the cap keeps the products in range
 * whatever comes. */
static int64_t millionths(size_t bytes)
{
	return (int64_t)(bytes > UINT32_MAX ? UINT32_MAX : bytes) * MILLIONTHS;
}

/* What the bucket must hold before a chunk of bytes is taken: all of it,
 * or all the bucket can hold. */
static int64_t needed(const struct rate_limit *b, size_t bytes)
{
	int64_t n = millionths(bytes);

	return n < b->capacity ? n : b->capacity;
}

bool rate_limit_allows(struct rate_limit *b, size_t bytes, int64_t now_us)
{
	if (!b->rate)
		return true;
	refill(b, now_us);
	return b->level >= needed(b, bytes);
}

void rate_limit_take(struct rate_limit *b, size_t bytes)
{
	if (b->rate)
		b->level -= millionths(bytes);
}

int64_t rate_limit_wait_us(const struct rate_limit *b, size_t bytes)
{
	int64_t missing;

	if (!b->rate)
		return 0;
	missing = needed(b, bytes) - b->level;
	if (missing <= 0)
		return 0;
	return (missing + (int64_t)b->rate - 1) / (int64_t)b->rate;
}
