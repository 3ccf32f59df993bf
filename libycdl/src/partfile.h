/* partfile.h — the file a download accumulates in, and moving it into place.
 *
 * Part files are created 0600 without following symbolic links. Placing a
 * finished file never clobbers an existing one unless asked: it is linked
 * into place (link fails on an existing name, atomically) and then unlinked,
 * or renamed when the caller chose overwrite. */
#ifndef YCDL_PARTFILE_H
#define YCDL_PARTFILE_H

#include <stdint.h>
#include <sys/types.h>

/* Which file a descriptor holds, to check later that a path still names
 * it. */
struct partfile_id {
	dev_t dev;
	ino_t ino;
};

/* Opens (creating) path for writing and cuts it to at most keep bytes.
 * *out_size receives the size it has afterwards (<= keep when the file was
 * shorter), *out_id (unless NULL) which file it is. Returns 0 or a
 * negative errno. */
int partfile_open(const char *path, uint64_t keep, int *out_fd,
		uint64_t *out_size, struct partfile_id *out_id);

/* 0 when path (not followed if a symlink) is still the regular file id;
 * -ELOOP for a symlink, -ESTALE for another file, or another -errno. One
 * lstat instead of opening the file again. */
int partfile_still_at(const char *path, const struct partfile_id *id);

/* Gives a finished part file the mode a file the user created would have
 * (part files are private, 0600, while they fill). Does not follow a
 * symlink. Returns 0 or a negative errno. */
int partfile_publish_mode(const char *path, unsigned int mode);

/* Opens a finished part file to be synced and published (read-only, not
 * through a symlink, a regular file); *dev receives its file system. 0 or
 * -errno. */
int partfile_open_finished(const char *path, int *out_fd, dev_t *dev);

/* Picks the name a finished file will get under conflict policy
 * (ycdl_conflict): dest itself, or "name (N).ext" for the first free N.
 * Returns 0 with *out allocated, -EEXIST when dest is taken and the policy
 * is fail, or another negative errno. */
int partfile_choose_dest(const char *dest, int conflict, char **out);

/* Moves part to dest without clobbering (renameat2 RENAME_NOREPLACE, else
 * link+unlink), or with rename when overwrite. Idempotent: when dest is
 * already part's own inode, only unlinks part. The move is durable once
 * the folder is synced (util_fsync_parent_dir): the caller does that, once
 * per folder for a group of files. Returns 0, -EEXIST when dest belongs to
 * somebody else, or -errno. */
int partfile_place(const char *part, const char *dest, int overwrite);

/* Deletes path when it is an empty regular file (a download that failed
 * before its first byte leaves nothing behind). */
void partfile_remove_if_empty(const char *path);

/* True when path exists (without following a final symlink). */
int partfile_exists(const char *path);

#endif
