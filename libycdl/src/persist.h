/* persist.h — writing the snapshots of changed tasks to the journal: a
 * task changed several times in one turn, and many tasks changed in one
 * turn, cost one journal write. */
#ifndef YCDL_PERSIST_H
#define YCDL_PERSIST_H

struct ycdl_session;
struct task;

/* Marks t's snapshot to be written at the end of this turn of the loop
 * (persist_write_marked), in the order marked. */
void persist_mark(struct ycdl_session *s, struct task *t);

/* Writes every snapshot marked since the last call, in one batch. Runs at
 * the end of every turn and after every API call (so a call that returns
 * has reached the kernel), at every checkpoint, and before anything that
 * syncs the journal to vouch for them. Returns 0 or the store's error (the
 * snapshots in force are then the earlier ones, which claim less). */
int persist_write_marked(struct ycdl_session *s);

/* Rewrites the journal with one snapshot per task (compaction). */
int persist_compact(struct ycdl_session *s);

#endif
