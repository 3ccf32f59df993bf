/* snapshot.h — converting a task to and from its persisted ycdl.TaskSnapshot
 * (see proto/ycdl.proto). */
#ifndef YCDL_SNAPSHOT_H
#define YCDL_SNAPSHOT_H

#include "ycdl.pb-c.h"

struct task;

/* A snapshot whose strings borrow from the task; valid while the task is
 * unchanged. Call snapshot_view_release afterwards. */
struct snapshot_view {
	Ycdl__TaskSnapshot snap;
	char **headers;      /* the persistable subset of the task's headers */
	void *segments;      /* a segmented task's map, as messages */
	char *part_path;     /* made when the task does not keep it */
};

int snapshot_view_of(struct snapshot_view *view, const struct task *t);
void snapshot_view_release(struct snapshot_view *view);

/* A new task from a snapshot read back from disk; rejects snapshots that
 * are not self-consistent (relative paths, unknown status, …). */
int snapshot_to_task(struct task **out, const Ycdl__TaskSnapshot *snap);

#endif
