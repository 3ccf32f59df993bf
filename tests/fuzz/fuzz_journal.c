/* fuzz_journal.c — the snapshot loader on arbitrary journal bytes: it never
 * crashes or trusts a damaged record, and whatever it keeps it writes back
 * as a clean journal that the next open reads without quarantining
 * anything.
 *
 * Two modes, chosen by the first byte. Raw (even): the input is the
 * journal, so mutations mostly hit framing and CRCs. Framed (odd): the rest
 * is a list of payloads (2-byte little-endian length, then the bytes) that
 * get valid frames and CRCs, so mutations reach the record decoder and the
 * snapshot checks behind it. */
#define _GNU_SOURCE
#include "fuzz.h"
#include "snapshot.h"
#include "store.h"
#include "task.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static char dir[256];

static int accept_task(void *ctx, const Ycdl__TaskSnapshot *snap)
{
	struct task *t;
	int rc = snapshot_to_task(&t, snap);

	(void)ctx;
	if (rc == 0)
		task_free(t);
	return rc;
}

static void empty_quarantine(void);

/* The scratch folder goes when the fuzzer exits (a crash leaves it for the
 * post-mortem). */
static void remove_dir(void)
{
	char path[512];
	struct dirent *entry;
	DIR *d;

	empty_quarantine();
	snprintf(path, sizeof(path), "%s/quarantine", dir);
	rmdir(path);
	if ((d = opendir(dir))) {
		while ((entry = readdir(d)))
			if (entry->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name);
				unlink(path);
			}
		closedir(d);
	}
	rmdir(dir);
}

static void prepare_dir(void)
{
	const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

	if (dir[0])
		return;
	snprintf(dir, sizeof(dir), "%s/ycdl-fuzz-journal-XXXXXX", base);
	FUZZ_CHECK(mkdtemp(dir) != NULL);
	atexit(remove_dir);
}

static void put_le32(FILE *f, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)v, (unsigned char)(v >> 8),
		(unsigned char)(v >> 16), (unsigned char)(v >> 24) };

	fwrite(b, 1, 4, f);
}

/* The store's frame (see store.h): "YCDR", length, CRC-32, payload. */
static void write_framed(FILE *f, const uint8_t *data, size_t size)
{
	fwrite("YCDLJRN1", 1, 8, f);
	while (size >= 2) {
		size_t len = (size_t)data[0] | (size_t)data[1] << 8;

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		put_le32(f, 0x52444359u);
		put_le32(f, (uint32_t)len);
		put_le32(f, (uint32_t)crc32(crc32(0L, Z_NULL, 0), data, (uInt)len));
		fwrite(data, 1, len, f);
		data += len;
		size -= len;
	}
}

static void write_journal(const uint8_t *data, size_t size)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tasks.journal", dir);
	FUZZ_CHECK((f = fopen(path, "wb")) != NULL);
	if (size > 0 && (data[0] & 1))
		write_framed(f, data + 1, size - 1);
	else if (size > 0)
		fwrite(data + 1, 1, size - 1, f);
	fclose(f);
}

/* Quarantined copies pile up otherwise. */
static void empty_quarantine(void)
{
	char path[512], file[1024];
	struct dirent *entry;
	DIR *d;

	snprintf(path, sizeof(path), "%s/quarantine", dir);
	if (!(d = opendir(path)))
		return;
	while ((entry = readdir(d)))
		if (entry->d_name[0] != '.') {
			snprintf(file, sizeof(file), "%s/%s", path, entry->d_name);
			unlink(file);
		}
	closedir(d);
}

static int open_once(struct store_load_result *res)
{
	struct store st;
	int rc = store_open(&st, dir, NULL, accept_task, NULL, res);

	if (st.path)
		store_close(&st);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store_load_result first, second;
	int rc;

	prepare_dir();
	write_journal(data, size);
	rc = open_once(&first);
	if (rc == 0) {
		rc = open_once(&second);
		FUZZ_CHECK(rc == 0);
		FUZZ_CHECK(second.quarantined == 0);
		FUZZ_CHECK(second.found == first.found);
		free(second.quarantine_path);
	}
	free(first.quarantine_path);
	empty_quarantine();
	return 0;
}
