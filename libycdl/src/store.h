/* store.h — the snapshot store: an append-only journal of task snapshots in
 * the session's directory, read back when a session opens.
 *
 * Format: an 8-byte file header "YCDLJRN1", then records, each a 12-byte
 * frame (magic "YCDR", payload length, CRC-32 of the payload, all little
 * endian) followed by one ycdl.JournalRecord. The last record for a key
 * wins; a remove record forgets it. A record cut short at the end of the file
 * is a write the process did not finish (crash, kill -9) and is dropped; any
 * other damage moves the whole file into quarantine/ and the readable
 * records are written to a fresh journal.
 *
 * Writes go to the kernel at once (they survive the process dying), or at
 * the end of a batch the caller brackets (store_begin_batch/end_batch:
 * thousands of tasks added in one call cost one write). The fdatasync that
 * makes them survive power loss is batched on a short timer so thousands of
 * snapshots cost one sync. */
#ifndef YCDL_STORE_H
#define YCDL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct event;
struct Ycdl__TaskSnapshot;

struct store {
	char *dir;
	char *path;
	int fd;
	uint64_t size;              /* bytes of valid journal */
	uint64_t records;           /* records in the file */
	bool unsynced;
	struct event *sync_timer;
	unsigned int sync_delay_ms;
	unsigned char *buf;         /* frames not yet written; reused */
	size_t buf_len, buf_cap;
	unsigned int buf_records;   /* records in buf */
	bool batching;              /* hold frames until store_end_batch */
	unsigned long generation;   /* bumped when a rewrite replaces the file */
};

/* What another thread needs to make the journal durable as far as it is
 * written now, without touching the store: its own descriptor of the file
 * (a rewrite may replace the store's meanwhile) and how far it reaches. */
struct store_ticket {
	int fd;
	uint64_t size;
	unsigned long generation;
	const char *path;           /* the store's, for messages */
};

struct store_load_result {
	unsigned int found;         /* snapshots accepted */
	unsigned int quarantined;   /* records unreadable or refused */
	char *quarantine_path;      /* malloc'ed; NULL when nothing was moved */
};

/* Called once per live snapshot on open; returns 0 to accept it, non-zero to
 * refuse it (it is then counted as quarantined). The snapshot is borrowed. */
typedef int (*store_visit_fn)(void *ctx, const struct Ycdl__TaskSnapshot *snap);

/* Yields the next snapshot to write when rewriting into *out (NULL at the
 * end) and returns 0, or returns an error that abandons the rewrite. */
typedef int (*store_next_fn)(void *ctx, const struct Ycdl__TaskSnapshot **out);

int store_open(struct store *st, const char *session_dir,
		struct event_base *base, store_visit_fn visit, void *ctx,
		struct store_load_result *result);
int store_put(struct store *st, const struct Ycdl__TaskSnapshot *snap);
int store_remove(struct store *st, const char *key);
/* Holds the records put or removed from now on until store_end_batch, which
 * writes them with one write (and returns its result). */
void store_begin_batch(struct store *st);
int store_end_batch(struct store *st);
/* Makes everything written so far durable. */
int store_sync(struct store *st);
/* Writes the records held back (a batch in progress included) and makes
 * everything durable now: for a change that must be on disk before what
 * follows it (a removal before the part file goes). */
int store_flush(struct store *st);
/* Takes a ticket for everything written so far (the caller ends the
 * batch it may hold first). Returns 0, or a YCDL_E_* error with
 * ticket->fd = -1. */
int store_ticket_take(struct store *st, struct store_ticket *ticket);
/* Syncs what the ticket covers and closes its descriptor: from any thread.
 * Returns 0 or YCDL_E_STORE (message set on the calling thread). */
int store_ticket_sync(struct store_ticket *ticket);
/* Back on the store's thread after a successful store_ticket_sync: the
 * journal needs no sync of its own if nothing was written since. */
void store_ticket_done(struct store *st, const struct store_ticket *ticket);
/* True when the journal holds many more records than live tasks. */
bool store_needs_compaction(const struct store *st, size_t live);
/* Replaces the journal with one record per snapshot, atomically. */
int store_rewrite(struct store *st, store_next_fn next, void *ctx);
/* Syncs and closes. */
void store_close(struct store *st);

#endif
