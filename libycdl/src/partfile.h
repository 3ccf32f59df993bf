/* partfile.h — the file a download accumulates in, and moving it into place.
 *
 * Part files are created 0600 without following symbolic links. A part
 * file belongs to exactly one task of one session: whoever writes it holds
 * an exclusive flock on it from the open until the finished file is in
 * place (or the transfer stops), so a second session or process given the
 * same destination is refused instead of splicing its bytes into ours.
 * A name that holds a file which is not ours alone (a hard link to a file
 * elsewhere, a file of another user) is never written through. Placing a
 * finished file never clobbers an existing one unless asked: it is linked
 * into place (link fails on an existing name, atomically) and then unlinked,
 * or renamed when the caller chose overwrite. */
#ifndef YCDL_PARTFILE_H
#define YCDL_PARTFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Which file a descriptor holds, to check later that a path still names
 * it. */
struct partfile_id {
	dev_t dev;
	ino_t ino;
};

/* What partfile_open found and left open. */
struct partfile_opened {
	int fd;                   /* open for writing, exclusively locked */
	uint64_t size;            /* bytes it holds (<= keep) */
	struct partfile_id id;    /* which file it is */
	bool replaced;            /* the name held a hard link to a file
				     elsewhere: a fresh file took its place */
};

/* Opens (creating it, and its folder) path for writing, claims it (flock,
 * held as long as out->fd is open) and cuts it to at most keep bytes.
 * Returns 0, YCDL_E_LOCKED when another download holds the file, or
 * another YCDL_E_* code (a file of another user, a symlink, the disk). */
int partfile_open(const char *path, uint64_t keep, struct partfile_opened *out);

/* 0 when path (not followed if a symlink) is still the regular file id,
 * else YCDL_E_IO saying what is there now. One lstat instead of opening
 * the file again. */
int partfile_still_at(const char *path, const struct partfile_id *id);

/* Gives up the claim held through fd, which stays open (for a thread still
 * reading or syncing through it). */
void partfile_release_claim(int fd);

/* Gives up the claim held through fd and closes it (-1: nothing). Never a
 * bare close: a child being started by another thread holds a copy of fd
 * until its exec, and the claim would stay with it (lock.c says more). */
void partfile_close(int fd);

/* Opens path read-only, without its claim, when it still names the file
 * id; a descriptor or -1 (errno set). */
int partfile_open_reader(const char *path, const struct partfile_id *id);

/* Gives a finished part file the mode a file the user created would have
 * (part files are private, 0600, while they fill). Does not follow a
 * symlink, never changes a file with other links or held by another
 * download. Returns 0 or a YCDL_E_* code. */
int partfile_publish_mode(const char *path, unsigned int mode);

/* Opens and claims a finished part file to be synced and published
 * (read-only, not through a symlink, a regular file of ours alone); *dev
 * receives its file system. 0, YCDL_E_LOCKED (another download holds it)
 * or another YCDL_E_* code. */
int partfile_open_finished(const char *path, int *out_fd, dev_t *dev);

/* Whether a name is spoken for although no file has it yet (another file
 * of the same group commit chose it). */
typedef bool (*partfile_taken_fn)(const char *name, const void *arg);

/* Picks the name a finished file will get under conflict policy
 * (ycdl_conflict): dest itself, or "name (N).ext" for the first N free on
 * disk and not taken (taken may be NULL). Returns 0 with *out allocated,
 * YCDL_E_EXISTS when dest is taken and the policy is fail, or
 * YCDL_E_NOMEM. */
int partfile_choose_dest(const char *dest, int conflict, partfile_taken_fn taken,
		const void *taken_arg, char **out);

/* Moves part to dest without clobbering (renameat2 RENAME_NOREPLACE, else
 * link+unlink), or with rename when overwrite. Idempotent: when dest is
 * already part's own inode, only unlinks part. The move is durable once
 * the folder is synced (util_fsync_parent_dir): the caller does that, once
 * per folder for a group of files. Returns 0, YCDL_E_EXISTS when dest
 * belongs to somebody else, or another YCDL_E_* code. */
int partfile_place(const char *part, const char *dest, int overwrite);

/* Deletes path when it is an empty regular file (a download that failed
 * before its first byte leaves nothing behind) that is ours: the file
 * claimed as ours (NULL or zeroed: none), or held by no other download. */
void partfile_remove_if_empty(const char *path, const struct partfile_id *ours);

/* Deletes the part file at path when it is ours (as above). Returns 0
 * (also when there was none), YCDL_E_LOCKED when another download holds
 * it, or another YCDL_E_* code. */
int partfile_remove(const char *path, const struct partfile_id *ours);

/* True when a and b name the same file (neither followed if a symlink). */
bool partfile_same_file(const char *a, const char *b);

/* True when path exists (without following a final symlink). */
bool partfile_exists(const char *path);

#endif
