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
#include <stdlib.h>
#include <string.h>
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

/* The live records found while reading, last one per key. */
struct live_set {
	struct strmap index;            /* key -> slot index + 1 */
	Ycdl__JournalRecord **slots;
	size_t count, cap;
	size_t iter;
};

static void live_set_free(struct live_set *ls)
{
	for (size_t i = 0; i < ls->count; i++)
		if (ls->slots[i])
			ycdl__journal_record__free_unpacked(ls->slots[i], NULL);
	free(ls->slots);
	strmap_free(&ls->index);
}

static int live_set_apply(struct live_set *ls, Ycdl__JournalRecord *rec)
{
	const char *key = rec->kind_case == YCDL__JOURNAL_RECORD__KIND_PUT
		? rec->put->key : rec->remove_key;
	size_t idx = (size_t)(uintptr_t)strmap_get(&ls->index, key);

	if (idx) {
		/* The old record owns the key string the index points to. */
		strmap_remove(&ls->index, key);
		ycdl__journal_record__free_unpacked(ls->slots[idx - 1], NULL);
		ls->slots[idx - 1] = NULL;
	}
	if (rec->kind_case != YCDL__JOURNAL_RECORD__KIND_PUT) {
		ycdl__journal_record__free_unpacked(rec, NULL);
		return 0;
	}
	if (ls->count == ls->cap) {
		size_t cap = ls->cap ? ls->cap * 2 : 256;
		Ycdl__JournalRecord **slots = realloc(ls->slots, cap * sizeof(*slots));

		if (!slots)
			goto nomem;
		ls->slots = slots;
		ls->cap = cap;
	}
	ls->slots[ls->count++] = rec;
	if (!strmap_put(&ls->index, rec->put->key, (void *)(uintptr_t)ls->count)) {
		ls->slots[--ls->count] = NULL;
		goto nomem;
	}
	return 0;
nomem:
	ycdl__journal_record__free_unpacked(rec, NULL);
	return error_set(YCDL_E_NOMEM, "out of memory reading the journal");
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

static int scan(const unsigned char *data, size_t size, struct live_set *ls,
		struct scan_result *res)
{
	size_t pos = FILE_MAGIC_LEN;

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
		if ((rc = live_set_apply(ls, rec)) != 0)
			return rc;
		pos = next;
	}
	return 0;
}

static int read_whole_file(int fd, unsigned char **out, size_t *out_len)
{
	struct stat st;
	unsigned char *data;
	size_t done = 0;

	if (fstat(fd, &st) != 0)
		return -errno;
	if (!(data = malloc((size_t)st.st_size + 1)))
		return -ENOMEM;
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, data + done, (size_t)st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(data);
			return n < 0 ? -errno : -EIO;
		}
		done += (size_t)n;
	}
	*out = data;
	*out_len = done;
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

static int next_live(void *ctx, const Ycdl__TaskSnapshot **out)
{
	struct live_set *ls = ctx;

	*out = NULL;
	while (ls->iter < ls->count && !*out) {
		Ycdl__JournalRecord *rec = ls->slots[ls->iter++];

		if (rec)
			*out = rec->put;
	}
	return 0;
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
	if (st->fd >= 0)
		close(st->fd);
	st->fd = -1;
	ls->iter = 0;
	return store_rewrite(st, next_live, ls);
}

/* Keys the owner refused, copied (the records they came from are freed). */
struct key_list {
	char **keys;
	size_t count, cap;
};

static bool key_list_add(struct key_list *kl, const char *key)
{
	char *copy;

	if (kl->count == kl->cap) {
		size_t cap = kl->cap ? kl->cap * 2 : 8;
		char **keys = realloc(kl->keys, cap * sizeof(*keys));

		if (!keys)
			return false;
		kl->keys = keys;
		kl->cap = cap;
	}
	if (!(copy = strdup(key)))
		return false;
	kl->keys[kl->count++] = copy;
	return true;
}

static void key_list_free(struct key_list *kl)
{
	for (size_t i = 0; i < kl->count; i++)
		free(kl->keys[i]);
	free(kl->keys);
}

/* Offers each live snapshot to the owner; refused ones are dropped (their
 * keys go into refused when it is given). With release, each record is
 * freed as soon as the owner took it: the tasks are built while the
 * decoded records go, so that a big journal is never held twice. */
static int visit_all(struct live_set *ls, store_visit_fn visit, void *ctx,
		struct store_load_result *result, bool release, struct key_list *refused)
{
	for (size_t i = 0; i < ls->count; i++) {
		Ycdl__JournalRecord *rec = ls->slots[i];
		bool taken;

		if (!rec)
			continue;
		taken = visit(ctx, rec->put) == 0;
		if (taken)
			result->found++;
		else
			result->quarantined++;
		if (!taken && refused && !key_list_add(refused, rec->put->key))
			return error_set(YCDL_E_NOMEM, "out of memory reading the journal");
		if (taken && !release)
			continue;
		strmap_remove(&ls->index, rec->put->key);
		ycdl__journal_record__free_unpacked(rec, NULL);
		ls->slots[i] = NULL;
	}
	return 0;
}

/* Drops the records whose keys the owner refused. */
static void drop_refused(struct live_set *ls, const struct key_list *refused)
{
	for (size_t i = 0; i < refused->count; i++) {
		size_t idx = (size_t)(uintptr_t)strmap_remove(&ls->index, refused->keys[i]);

		if (!idx)
			continue;
		ycdl__journal_record__free_unpacked(ls->slots[idx - 1], NULL);
		ls->slots[idx - 1] = NULL;
	}
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

/* Reads and checks the whole journal into ls (the last record per key). */
static int read_live(struct store *st, struct live_set *ls, struct scan_result *sr,
		size_t *size)
{
	unsigned char *data = NULL;
	int rc;

	memset(ls, 0, sizeof(*ls));
	strmap_init(&ls->index);
	memset(sr, 0, sizeof(*sr));
	rc = lseek(st->fd, 0, SEEK_SET) < 0 ? -errno : read_whole_file(st->fd, &data, size);
	if (rc != 0)
		return error_set(YCDL_E_STORE, "cannot read %s: %s", st->path,
				strerror(-rc));
	sr->valid_end = *size;
	if (*size < FILE_MAGIC_LEN && memcmp(data, FILE_MAGIC, *size) == 0)
		sr->valid_end = 0;      /* a creation cut short: see load */
	else if (*size < FILE_MAGIC_LEN || memcmp(data, FILE_MAGIC, FILE_MAGIC_LEN) != 0)
		sr->damaged = 1;        /* not a journal at all: keep none of it */
	else
		rc = scan(data, *size, ls, sr);
	/* The file's bytes are done with: the records are decoded. */
	free(data);
	return rc;
}

/* Gives the tasks to the owner. A journal without damage (the usual case)
 * frees each record as its task is made; one with damage keeps them, to be
 * written anew. Should the owner refuse a record of an undamaged journal
 * (rare), it is read again to have every other record to write anew. */
static int hand_over(struct store *st, struct live_set *ls, struct scan_result *sr,
		store_visit_fn visit, void *ctx, struct store_load_result *result)
{
	bool release = sr->damaged == 0 && sr->holes == 0;
	struct key_list refused = { NULL, 0, 0 };
	size_t size;
	int rc;

	rc = visit_all(ls, visit, ctx, result, release, release ? &refused : NULL);
	if (rc == 0 && release && result->quarantined > 0) {
		live_set_free(ls);
		if ((rc = read_live(st, ls, sr, &size)) == 0)
			drop_refused(ls, &refused);
	}
	key_list_free(&refused);
	return rc;
}

static int load(struct store *st, store_visit_fn visit, void *ctx,
		struct store_load_result *result)
{
	struct live_set ls;
	struct scan_result sr;
	size_t size = 0;
	int rc = read_live(st, &ls, &sr, &size);

	if (rc != 0)
		goto out;
	if (size < FILE_MAGIC_LEN && sr.damaged == 0) {
		/* A creation cut short (a crash before the header was all
		 * written): nothing was ever in it. (A header of zeros is
		 * damage: it was synced before the file's name was.) */
		rc = write_header(st);
		goto out;
	}
	if ((rc = hand_over(st, &ls, &sr, visit, ctx, result)) != 0)
		goto out;
	result->quarantined += sr.damaged;
	if (result->quarantined > 0) {
		rc = quarantine(st, &ls, result);
	} else if (sr.holes > 0) {
		/* Written anew without them, so that what follows is appended
		 * after whole records only. */
		close(st->fd);
		st->fd = -1;
		ls.iter = 0;
		rc = store_rewrite(st, next_live, &ls);
	} else if (sr.valid_end < size) {
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
		st->size = size;
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
