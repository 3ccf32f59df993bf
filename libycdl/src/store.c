/* store.c — the snapshot journal: framing, loading with damage control,
 * batched syncing and atomic rewrites. See store.h for the format. */
#define _GNU_SOURCE
#include "store.h"

#include "error.h"
#include "strmap.h"
#include "util.h"
#include "ycdl.h"
#include "ycdl.pb-c.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define FILE_MAGIC "YCDLJRN1"
#define FILE_MAGIC_LEN 8
#define RECORD_MAGIC 0x52444359u    /* "YCDR" read little endian */
#define FRAME_LEN 12
#define MAX_RECORD_LEN (16u << 20)
/* Frames held back (a batch, a rewrite) are written once this many bytes
 * wait: few writes, and memory that does not grow with the batch. */
#define WRITE_CHUNK (1u << 20)

/* ------------------------------------------------------------ framing */

static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t payload_crc(const unsigned char *p, size_t len)
{
	return (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, (uInt)len);
}

/* Appends rec's frame to st->buf; false on ENOMEM (buf unchanged). */
static bool encode_record(struct store *st, const Ycdl__JournalRecord *rec)
{
	size_t len = ycdl__journal_record__get_packed_size(rec);
	size_t need = st->buf_len + FRAME_LEN + len;
	unsigned char *frame;

	if (need > st->buf_cap) {
		size_t cap = need > 2 * st->buf_cap ? need : 2 * st->buf_cap;
		unsigned char *buf = realloc(st->buf, cap);

		if (!buf)
			return false;
		st->buf = buf;
		st->buf_cap = cap;
	}
	frame = st->buf + st->buf_len;
	ycdl__journal_record__pack(rec, frame + FRAME_LEN);
	put_le32(frame, RECORD_MAGIC);
	put_le32(frame + 4, (uint32_t)len);
	put_le32(frame + 8, payload_crc(frame + FRAME_LEN, len));
	st->buf_len = need;
	st->buf_records++;
	return true;
}

enum frame_result { FRAME_OK, FRAME_TORN, FRAME_BAD };

/* protobuf-c 1.4 decodes a non-canonical tag naming field 0 ("80 00") as an
 * unknown field that its encoder writes back as "00", which it then cannot
 * decode: such a record would not survive a rewrite. Field 0 is never
 * valid, so the record counts as damaged. (Found by fuzz_journal.) */
static bool has_field_zero(const ProtobufCMessage *m)
{
	for (unsigned int i = 0; m && i < m->n_unknown_fields; i++)
		if (m->unknown_fields[i].tag == 0)
			return true;
	return false;
}

/* Checks the record at data[pos]; on FRAME_OK *rec is decoded and *next is
 * the position after it. */
static enum frame_result read_frame(const unsigned char *data, size_t size,
		size_t pos, Ycdl__JournalRecord **rec, size_t *next)
{
	uint32_t len;

	if (size - pos < FRAME_LEN)
		return FRAME_TORN;
	if (get_le32(data + pos) != RECORD_MAGIC)
		return FRAME_BAD;
	len = get_le32(data + pos + 4);
	if (len > MAX_RECORD_LEN)
		return FRAME_BAD;
	if (size - pos - FRAME_LEN < len)
		return FRAME_TORN;
	if (payload_crc(data + pos + FRAME_LEN, len) != get_le32(data + pos + 8))
		return FRAME_BAD;
	*rec = ycdl__journal_record__unpack(NULL, len, data + pos + FRAME_LEN);
	if (!*rec)
		return FRAME_BAD;
	if (has_field_zero(&(*rec)->base) ||
	    ((*rec)->kind_case == YCDL__JOURNAL_RECORD__KIND_PUT &&
	     has_field_zero(&(*rec)->put->base))) {
		ycdl__journal_record__free_unpacked(*rec, NULL);
		*rec = NULL;
		return FRAME_BAD;
	}
	*next = pos + FRAME_LEN + len;
	return FRAME_OK;
}

/* ------------------------------------------------------------ loading */

/* The journal is read in two passes so that its decoded records are never
 * all in memory at once (beside the tasks made of them they took half as
 * much memory again, and left it in holes between the tasks): the first
 * checks every frame and keeps, per key, only where its last record is;
 * the second decodes those records once more, one at a time in file order,
 * and hands each to the owner, who makes its task from it before the next
 * is decoded. Decoding is a small part of a load; the lookups by key were
 * the large one. The file is mapped, and the pages behind the reading are
 * let go as it goes. */

/* Copies of the keys of the live set, in blocks freed together. */
struct key_block {
	struct key_block *next;
	size_t used, cap;
	char bytes[];
};

#define KEY_BLOCK (1u << 20)
#define DEAD UINT64_MAX         /* a record superseded, removed or refused */
#define LET_GO_EVERY (1u << 20) /* bytes read between releases of pages */

/* The put records found while reading, the last one per key. */
struct live_set {
	struct strmap index;            /* key (a copy) -> record number + 1 */
	uint64_t *pos;                  /* each put record's frame, in file
					   order, or DEAD */
	size_t count, cap;
	struct key_block *keys;
	const unsigned char *data;      /* the journal, mapped */
	size_t size;
	size_t let_go;                  /* pages before this were let go */
	size_t iter;                    /* next_live's place */
	Ycdl__JournalRecord *current;   /* next_live's record, out */
};

/* The first pass is over: the positions are all the second needs. */
static void live_set_forget_keys(struct live_set *ls)
{
	while (ls->keys) {
		struct key_block *next = ls->keys->next;

		free(ls->keys);
		ls->keys = next;
	}
	strmap_free(&ls->index);
}

static void live_set_free(struct live_set *ls)
{
	if (ls->current)
		ycdl__journal_record__free_unpacked(ls->current, NULL);
	live_set_forget_keys(ls);
	free(ls->pos);
	if (ls->size)
		munmap((void *)ls->data, ls->size);
	memset(ls, 0, sizeof(*ls));
}

/* Tells the system it may drop the mapped pages before pos (they are read
 * again from the file should they be needed): the journal is never all
 * in memory at once either. */
static void let_go_before(struct live_set *ls, size_t pos)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t end = pos / page * page;

	if (end < ls->let_go + LET_GO_EVERY)
		return;
	(void)madvise((void *)(ls->data + ls->let_go), end - ls->let_go, MADV_DONTNEED);
	ls->let_go = end;
}

static const char *copy_key(struct live_set *ls, const char *key)
{
	size_t len = strlen(key) + 1;
	struct key_block *b = ls->keys;
	char *copy;

	if (!b || b->cap - b->used < len) {
		size_t cap = len > KEY_BLOCK ? len : KEY_BLOCK;

		if (!(b = malloc(sizeof(*b) + cap)))
			return NULL;
		b->used = 0;
		b->cap = cap;
		b->next = ls->keys;
		ls->keys = b;
	}
	copy = b->bytes + b->used;
	memcpy(copy, key, len);
	b->used += len;
	return copy;
}

/* Notes the record rec (at pos) and frees it. */
static int live_set_apply(struct live_set *ls, Ycdl__JournalRecord *rec, size_t pos)
{
	bool put = rec->kind_case == YCDL__JOURNAL_RECORD__KIND_PUT;
	const char *key = put ? rec->put->key : rec->remove_key;
	size_t idx = (size_t)(uintptr_t)strmap_get(&ls->index, key);
	const char *copy;

	if (idx) {
		ls->pos[idx - 1] = DEAD;
		if (!put)
			strmap_remove(&ls->index, key);
	}
	if (put && ls->count == ls->cap) {
		size_t cap = ls->cap ? ls->cap * 2 : 1024;
		uint64_t *grown = realloc(ls->pos, cap * sizeof(*grown));

		if (!grown)
			goto nomem;
		ls->pos = grown;
		ls->cap = cap;
	}
	if (put) {
		/* The entry of a key seen before takes the new copy too. */
		if (!(copy = copy_key(ls, key)) ||
		    !strmap_put(&ls->index, copy, (void *)(uintptr_t)(ls->count + 1)))
			goto nomem;
		ls->pos[ls->count++] = pos;
	}
	ycdl__journal_record__free_unpacked(rec, NULL);
	return 0;
nomem:
	ycdl__journal_record__free_unpacked(rec, NULL);
	return error_set(YCDL_E_NOMEM, "out of memory reading the journal");
}

/* Decodes the i-th put record again (it checked out on the first pass). */
static int live_set_decode(const struct live_set *ls, size_t i,
		Ycdl__JournalRecord **rec)
{
	size_t pos = (size_t)ls->pos[i];
	uint32_t len = get_le32(ls->data + pos + 4);

	*rec = ycdl__journal_record__unpack(NULL, len, ls->data + pos + FRAME_LEN);
	return *rec ? 0 : error_set(YCDL_E_NOMEM, "out of memory reading the journal");
}

/* Looks for the next position after pos where a whole record checks out. */
static size_t resync(const unsigned char *data, size_t size, size_t pos)
{
	for (size_t p = pos + 1; p + FRAME_LEN <= size; p++) {
		Ycdl__JournalRecord *rec;
		size_t next;

		if (get_le32(data + p) != RECORD_MAGIC)
			continue;
		if (read_frame(data, size, p, &rec, &next) == FRAME_OK) {
			ycdl__journal_record__free_unpacked(rec, NULL);
			return p;
		}
	}
	return size;
}

struct scan_result {
	size_t valid_end;       /* where a torn tail starts, else size */
	unsigned int damaged;   /* damaged regions */
	unsigned int holes;     /* a power cut's holes before the last record */
};

static bool record_is_sane(const Ycdl__JournalRecord *rec)
{
	if (rec->kind_case == YCDL__JOURNAL_RECORD__KIND_PUT)
		return rec->put && !util_is_empty(rec->put->key);
	return rec->kind_case == YCDL__JOURNAL_RECORD__KIND_REMOVE_KEY &&
		!util_is_empty(rec->remove_key);
}

/* A power cut leaves unsynced appends with holes: the file's new size made
 * it to disk, some of its new sectors did not, and they read as they were
 * — zeros past the old end — in any order, so a later sector may be there
 * when an earlier one is not (ext4 data=ordered with delayed allocation,
 * XFS). A damaged stretch [pos, end) after the last whole record is such a
 * hole, a torn write and not damage, when it holds a whole aligned 512-byte
 * sector of zeros; or starts with zeros up to a sector's end (the sector
 * the last synced record ended in, written back in its old state); or,
 * reaching the end of the file, ends in zeros (at least a frame's worth,
 * or all of it). Damage of any other shape is quarantined. */
#define SECTOR 512

static bool is_zero(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

static bool is_hole(const unsigned char *data, size_t pos, size_t end, bool at_eof)
{
	size_t zeros_at_end = 0;

	while (at_eof && zeros_at_end < end - pos && data[end - 1 - zeros_at_end] == 0)
		zeros_at_end++;
	if (zeros_at_end >= FRAME_LEN || (zeros_at_end && zeros_at_end == end - pos))
		return true;
	if (pos % SECTOR && (pos + SECTOR - 1) / SECTOR * SECTOR <= end &&
	    is_zero(data + pos, SECTOR - pos % SECTOR))
		return true;
	for (size_t p = (pos + SECTOR - 1) / SECTOR * SECTOR; p + SECTOR <= end; p += SECTOR)
		if (is_zero(data + p, SECTOR))
			return true;
	return false;
}

static int scan(struct live_set *ls, struct scan_result *res)
{
	const unsigned char *data = ls->data;
	size_t size = ls->size, pos = FILE_MAGIC_LEN;

	res->valid_end = size;
	res->damaged = 0;
	res->holes = 0;
	while (pos < size) {
		Ycdl__JournalRecord *rec = NULL;
		size_t next;
		enum frame_result fr = read_frame(data, size, pos, &rec, &next);
		int rc;

		if (fr == FRAME_TORN) {
			res->valid_end = pos;
			break;
		}
		if (fr == FRAME_BAD || !record_is_sane(rec)) {
			size_t after = resync(data, size, pos);

			if (rec)
				ycdl__journal_record__free_unpacked(rec, NULL);
			if (!is_hole(data, pos, after, after == size))
				res->damaged++;
			else if (after == size) {
				res->valid_end = pos;      /* a torn tail */
				break;
			} else
				res->holes++;
			pos = after;
			continue;
		}
		if ((rc = live_set_apply(ls, rec, pos)) != 0)
			return rc;
		pos = next;
		let_go_before(ls, pos);
	}
	return 0;
}

/* Maps the whole journal for reading; an empty one maps nothing. */
static int map_file(int fd, const unsigned char **out, size_t *out_len)
{
	static const unsigned char nothing[1];
	struct stat st;
	void *data;

	if (fstat(fd, &st) != 0)
		return -errno;
	*out = nothing;
	*out_len = 0;
	if (st.st_size == 0)
		return 0;
	if ((uint64_t)st.st_size > SIZE_MAX)
		return -EFBIG;
	data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (data == MAP_FAILED)
		return -errno;
	*out = data;
	*out_len = (size_t)st.st_size;
	return 0;
}

/* ------------------------------------------------------------ writing */

/* Writes the frames waiting in st->buf (all or none count). */
static int write_frames(struct store *st)
{
	size_t len = st->buf_len;
	unsigned int records = st->buf_records;
	int rc = len ? util_write_all(st->fd, st->buf, len) : 0;

	st->buf_len = 0;
	st->buf_records = 0;
	if (rc != 0) {
		/* Cut a half-written record off so the journal stays clean, and
		 * write the next record where this one began. */
		if (ftruncate(st->fd, (off_t)st->size) != 0 ||
		    lseek(st->fd, (off_t)st->size, SEEK_SET) < 0)
			(void)0; /* the frame CRC still rejects the fragment on load */
		return error_set(error_from_errno(-rc) == YCDL_E_DISK_FULL ?
				YCDL_E_DISK_FULL : YCDL_E_STORE,
				"cannot write the journal %s: %s", st->path, strerror(-rc));
	}
	st->size += len;
	st->records += records;
	return 0;
}

static void on_sync_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)store_sync(arg);
}

static void schedule_sync(struct store *st)
{
	struct timeval tv = { 0, (long)st->sync_delay_ms * 1000 };

	st->unsynced = true;
	if (st->sync_timer && !evtimer_pending(st->sync_timer, NULL))
		evtimer_add(st->sync_timer, &tv);
}

/* Frames rec and writes it now, or at the end of the batch. */
static int store_record(struct store *st, const Ycdl__JournalRecord *rec)
{
	int rc;

	if (!encode_record(st, rec))
		return error_set(YCDL_E_NOMEM, "out of memory");
	if (st->batching && st->buf_len < WRITE_CHUNK)
		return 0;
	if ((rc = write_frames(st)) != 0)
		return rc;
	schedule_sync(st);
	return 0;
}

int store_put(struct store *st, const Ycdl__TaskSnapshot *snap)
{
	Ycdl__JournalRecord rec = YCDL__JOURNAL_RECORD__INIT;

	rec.kind_case = YCDL__JOURNAL_RECORD__KIND_PUT;
	rec.put = (Ycdl__TaskSnapshot *)snap;
	return store_record(st, &rec);
}

int store_remove(struct store *st, const char *key)
{
	Ycdl__JournalRecord rec = YCDL__JOURNAL_RECORD__INIT;

	rec.kind_case = YCDL__JOURNAL_RECORD__KIND_REMOVE_KEY;
	rec.remove_key = (char *)key;
	return store_record(st, &rec);
}

void store_begin_batch(struct store *st)
{
	st->batching = true;
}

int store_end_batch(struct store *st)
{
	int rc;

	st->batching = false;
	if (!st->buf_len)
		return 0;
	if ((rc = write_frames(st)) != 0)
		return rc;
	schedule_sync(st);
	return 0;
}

int store_sync(struct store *st)
{
	if (st->fd < 0 || !st->unsynced)
		return 0;
	if (util_sync_data(st->fd) != 0)
		return error_set(YCDL_E_STORE, "cannot sync the journal %s: %s",
				st->path, strerror(errno));
	st->unsynced = false;
	return 0;
}

int store_flush(struct store *st)
{
	int rc;

	if (st->buf_len && (rc = write_frames(st)) != 0)
		return rc;
	return store_sync(st);
}

int store_ticket_take(struct store *st, struct store_ticket *ticket)
{
	ticket->size = st->size;
	ticket->generation = st->generation;
	ticket->path = st->path;
	ticket->fd = st->fd >= 0 ? fcntl(st->fd, F_DUPFD_CLOEXEC, 0) : -1;
	if (ticket->fd < 0)
		return error_set(YCDL_E_STORE, "cannot sync the journal %s: %s",
				st->path, st->fd >= 0 ? strerror(errno) : "not open");
	return 0;
}

int store_ticket_sync(struct store_ticket *ticket)
{
	int rc = 0;

	if (util_sync_data(ticket->fd) != 0)
		rc = error_set(YCDL_E_STORE, "cannot sync the journal %s: %s",
				ticket->path, strerror(errno));
	close(ticket->fd);
	ticket->fd = -1;
	return rc;
}

void store_ticket_done(struct store *st, const struct store_ticket *ticket)
{
	if (st->generation == ticket->generation && st->size == ticket->size &&
	    st->buf_len == 0)
		st->unsynced = false;
}

bool store_needs_compaction(const struct store *st, size_t live)
{
	return st->records > 4096 && st->records > 4 * (uint64_t)live;
}

/* Writes header plus one record per snapshot into a temporary file, syncs it
 * and renames it over the journal; the old journal stays intact until the
 * rename, so a crash at any point leaves one complete journal. */
int store_rewrite(struct store *st, store_next_fn next, void *ctx)
{
	char *tmp = util_printf("%s.tmp", st->path);
	const Ycdl__TaskSnapshot *snap;
	struct store fresh = *st;
	int fd, rc = 0;

	if (!tmp)
		return error_set(YCDL_E_NOMEM, "out of memory");
	/* Frames not written yet are superseded: the new journal holds every
	 * task's current snapshot. */
	fresh.buf_len = st->buf_len = 0;
	fresh.buf_records = st->buf_records = 0;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = error_set(YCDL_E_STORE, "cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	fresh.fd = fd;
	fresh.size = 0;
	fresh.records = 0;
	if ((rc = util_write_all(fd, FILE_MAGIC, FILE_MAGIC_LEN)) != 0) {
		rc = error_set(YCDL_E_STORE, "cannot write %s: %s", tmp, strerror(-rc));
		goto fail;
	}
	fresh.size = FILE_MAGIC_LEN;
	while ((rc = next(ctx, &snap)) == 0 && snap) {
		Ycdl__JournalRecord rec = YCDL__JOURNAL_RECORD__INIT;

		rec.kind_case = YCDL__JOURNAL_RECORD__KIND_PUT;
		rec.put = (Ycdl__TaskSnapshot *)snap;
		if (!encode_record(&fresh, &rec)) {
			rc = error_set(YCDL_E_NOMEM, "out of memory");
			goto fail;
		}
		if (fresh.buf_len >= WRITE_CHUNK && (rc = write_frames(&fresh)) != 0)
			goto fail;
	}
	if (rc == 0)
		rc = write_frames(&fresh);
	if (rc != 0)
		goto fail;
	if (util_sync_data(fd) != 0 || rename(tmp, st->path) != 0) {
		rc = error_set(YCDL_E_STORE, "cannot replace %s: %s", st->path,
				strerror(errno));
		goto fail;
	}
	(void)util_fsync_parent_dir(st->path);
	if (st->fd >= 0)
		close(st->fd);
	st->buf = fresh.buf;
	st->buf_cap = fresh.buf_cap;
	st->fd = fd;
	st->size = fresh.size;
	st->records = fresh.records;
	st->unsynced = false;
	st->generation++;
	goto out;
fail:
	st->buf = fresh.buf;
	st->buf_cap = fresh.buf_cap;
	st->buf_len = 0;
	st->buf_records = 0;
	close(fd);
	unlink(tmp);
out:
	free(tmp);
	return rc;
}

/* ------------------------------------------------------------ opening */

/* Yields the live records one by one for a rewrite, each decoded again
 * and freed at the next call. */
static int next_live(void *ctx, const Ycdl__TaskSnapshot **out)
{
	struct live_set *ls = ctx;
	int rc;

	*out = NULL;
	if (ls->current)
		ycdl__journal_record__free_unpacked(ls->current, NULL);
	ls->current = NULL;
	while (ls->iter < ls->count && ls->pos[ls->iter] == DEAD)
		ls->iter++;
	if (ls->iter == ls->count)
		return 0;
	if ((rc = live_set_decode(ls, ls->iter++, &ls->current)) != 0)
		return rc;
	let_go_before(ls, (size_t)ls->pos[ls->iter - 1]);
	*out = ls->current->put;
	return 0;
}

/* Writes the live records into a new journal, replacing the file (which
 * stays mapped). */
static int rewrite_live(struct store *st, struct live_set *ls)
{
	if (st->fd >= 0)
		close(st->fd);
	st->fd = -1;
	ls->iter = 0;
	ls->let_go = 0;
	return store_rewrite(st, next_live, ls);
}

/* Moves the damaged journal aside and writes the accepted records anew. */
static int quarantine(struct store *st, struct live_set *ls,
		struct store_load_result *result)
{
	char *qdir = util_printf("%s/quarantine", st->dir);
	int rc;

	if (!qdir)
		return error_set(YCDL_E_NOMEM, "out of memory");
	rc = util_mkdir_p(qdir);
	if (rc == 0) {
		result->quarantine_path = util_printf("%s/tasks.journal.%lld", qdir,
				(long long)util_wall_ms());
		if (!result->quarantine_path)
			rc = -ENOMEM;
		else if (rename(st->path, result->quarantine_path) != 0)
			rc = -errno;
	}
	free(qdir);
	if (rc != 0)
		return error_set(YCDL_E_STORE, "cannot move the damaged journal %s "
				"aside: %s", st->path, strerror(-rc));
	return rewrite_live(st, ls);
}

/* Offers each live record to the owner, in file order, decoding one at a
 * time: the owner makes its task before the next is decoded. A refused
 * record is dropped from the live set (a rewrite leaves it out). */
static int visit_all(struct live_set *ls, store_visit_fn visit, void *ctx,
		struct store_load_result *result)
{
	ls->let_go = 0;
	for (size_t i = 0; i < ls->count; i++) {
		size_t pos = (size_t)ls->pos[i];
		Ycdl__JournalRecord *rec;
		int rc;

		if (ls->pos[i] == DEAD)
			continue;
		if ((rc = live_set_decode(ls, i, &rec)) != 0)
			return rc;
		if (visit(ctx, rec->put) == 0) {
			result->found++;
		} else {
			result->quarantined++;
			ls->pos[i] = DEAD;
		}
		ycdl__journal_record__free_unpacked(rec, NULL);
		let_go_before(ls, pos);
	}
	return 0;
}

/* Truncates the journal to just its header, durably. */
static int write_header(struct store *st)
{
	int rc;

	if (ftruncate(st->fd, 0) != 0 || lseek(st->fd, 0, SEEK_SET) < 0)
		return error_set(YCDL_E_STORE, "cannot truncate %s: %s", st->path,
				strerror(errno));
	if ((rc = util_write_all(st->fd, FILE_MAGIC, FILE_MAGIC_LEN)) != 0 ||
	    util_sync_data(st->fd) != 0)
		return error_set(YCDL_E_STORE, "cannot initialise %s: %s", st->path,
				strerror(rc ? -rc : errno));
	st->size = FILE_MAGIC_LEN;
	return 0;
}

/* Maps and checks the whole journal into ls (where the last record per
 * key is). */
static int read_live(struct store *st, struct live_set *ls, struct scan_result *sr)
{
	int rc;

	memset(ls, 0, sizeof(*ls));
	strmap_init(&ls->index);
	memset(sr, 0, sizeof(*sr));
	if ((rc = map_file(st->fd, &ls->data, &ls->size)) != 0)
		return error_set(YCDL_E_STORE, "cannot read %s: %s", st->path,
				strerror(-rc));
	sr->valid_end = ls->size;
	if (ls->size < FILE_MAGIC_LEN && memcmp(ls->data, FILE_MAGIC, ls->size) == 0)
		sr->valid_end = 0;      /* a creation cut short: see load */
	else if (ls->size < FILE_MAGIC_LEN ||
		 memcmp(ls->data, FILE_MAGIC, FILE_MAGIC_LEN) != 0)
		sr->damaged = 1;        /* not a journal at all: keep none of it */
	else
		rc = scan(ls, sr);
	live_set_forget_keys(ls);   /* before the tasks are made */
	return rc;
}

static int load(struct store *st, store_visit_fn visit, void *ctx,
		struct store_load_result *result)
{
	struct live_set ls;
	struct scan_result sr;
	int rc = read_live(st, &ls, &sr);

	if (rc != 0)
		goto out;
	if (ls.size < FILE_MAGIC_LEN && sr.damaged == 0) {
		/* A creation cut short (a crash before the header was all
		 * written): nothing was ever in it. (A header of zeros is
		 * damage: it was synced before the file's name was.) */
		rc = write_header(st);
		goto out;
	}
	if ((rc = visit_all(&ls, visit, ctx, result)) != 0)
		goto out;
	result->quarantined += sr.damaged;
	if (result->quarantined > 0) {
		rc = quarantine(st, &ls, result);
	} else if (sr.holes > 0) {
		/* Written anew without them, so that what follows is appended
		 * after whole records only. */
		rc = rewrite_live(st, &ls);
	} else if (sr.valid_end < ls.size) {
		/* A record the previous process did not finish writing, or a
		 * power cut's holes: cut off, durably before anything is
		 * appended, or a later power cut could leave new records
		 * beside the old fragments (sectors in any state). */
		if (ftruncate(st->fd, (off_t)sr.valid_end) != 0 ||
		    util_sync_data(st->fd) != 0)
			rc = error_set(YCDL_E_STORE, "cannot truncate %s: %s", st->path,
					strerror(errno));
		st->size = sr.valid_end;
		st->records = ls.count;
	} else {
		st->size = ls.size;
		st->records = ls.count;
	}
out:
	live_set_free(&ls);
	return rc;
}

static int create_empty(struct store *st)
{
	int rc;

	st->fd = open(st->path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (st->fd < 0)
		return error_set(YCDL_E_STORE, "cannot create %s: %s", st->path,
				strerror(errno));
	if ((rc = write_header(st)) != 0)
		return rc;
	(void)util_fsync_parent_dir(st->path);
	return 0;
}

int store_open(struct store *st, const char *session_dir,
		struct event_base *base, store_visit_fn visit, void *ctx,
		struct store_load_result *result)
{
	int rc;

	memset(st, 0, sizeof(*st));
	memset(result, 0, sizeof(*result));
	st->fd = -1;
	st->sync_delay_ms = 100;
	st->dir = strdup(session_dir);
	st->path = util_printf("%s/tasks.journal", session_dir);
	if (!st->dir || !st->path)
		return error_set(YCDL_E_NOMEM, "out of memory");
	if (base && !(st->sync_timer = evtimer_new(base, on_sync_timer, st)))
		return error_set(YCDL_E_NOMEM, "out of memory");
	st->fd = open(st->path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (st->fd < 0 && errno == ENOENT)
		return create_empty(st);
	if (st->fd < 0)
		return error_set(YCDL_E_STORE, "cannot open %s: %s", st->path,
				strerror(errno));
	if ((rc = load(st, visit, ctx, result)) != 0)
		return rc;
	if (lseek(st->fd, 0, SEEK_END) < 0)
		return error_set(YCDL_E_STORE, "cannot seek %s: %s", st->path,
				strerror(errno));
	return 0;
}

void store_close(struct store *st)
{
	if (st->buf_len && st->fd >= 0)
		(void)write_frames(st);
	(void)store_sync(st);
	if (st->sync_timer)
		event_free(st->sync_timer);
	if (st->fd >= 0)
		close(st->fd);
	free(st->dir);
	free(st->path);
	free(st->buf);
	memset(st, 0, sizeof(*st));
	st->fd = -1;
}
