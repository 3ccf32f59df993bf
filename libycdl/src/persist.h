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

/* Makes the journal stop claiming t's bytes, durably, before they are
 * deleted: were the deletion durable first (a later sync of the folder
 * does that), a power cut would bring back a claim on bytes that are gone.
 * Nothing to do when nothing is claimed. Returns 0, or the store's error:
 * then the bytes must stay. */
int persist_unclaim(struct ycdl_session *s, struct task *t);

/* Makes a removal record just put in the journal durable, when t claims
 * bytes of a part file (persist_unclaim's reason; a finished task's are
 * its placed file, which stays or goes by the caller's choice); 0 or the
 * store's error. */
int persist_forget(struct ycdl_session *s, struct task *t);

/* Rewrites the journal with one snapshot per task (compaction). */
int persist_compact(struct ycdl_session *s);

#endif
