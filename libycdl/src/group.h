/* group.h — groups of tasks (an album, a season, a course): a persisted
 * name on tasks, and per group the figures an application draws one bar
 * from — counts by status, bytes, speed — kept up to date in O(1) per
 * change of one task (never a walk over the group), with a group_progress
 * event coalesced like a task's and a group_finished event once nothing of
 * the group is pending. */
#ifndef YCDL_GROUP_H
#define YCDL_GROUP_H

#include "queue.h"
#include "strmap.h"
#include "ycdl.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ycdl_session;
struct task;

struct group {
	char *name;
	size_t count;                    /* its members (found through the
					    task table: a member keeps no
					    list links, group_member) */
	size_t by_status[YCDL_STATUS_WAITING_FOR_URL + 1];
	uint64_t written_known;          /* by tasks whose size is known */
	uint64_t expected;               /* the sum of those sizes */
	uint64_t written_unknown;        /* by tasks whose size is not */
	uint64_t speed;
	int64_t last_event_ms;
	bool was_busy;                   /* pending since its last finish */
	bool to_check;                   /* in groups.check */
	struct queue check;
	struct queue link;               /* in groups.all */
};

/* A task's place in its group: what it last counted there (its status, its
 * bytes of a known or an unknown length, the length, its speed), so that a
 * change is applied as the difference. */
struct group_member {
	struct group *group;
	uint64_t written;
	uint64_t expected;               /* UNKNOWN_LENGTH: written is of a
					    length not known */
	uint32_t speed;                  /* bytes/s, at most UINT32_MAX */
	int status;
};                                       /* 32 bytes: one 48-byte block
					    with malloc's header, beside a
					    task of 256 */

struct groups {
	struct strmap by_name;
	struct queue all;
	struct queue check;              /* groups whose statuses changed this
					    turn: judged at its end */
};

void groups_init(struct groups *g);
/* Frees every group; after the table, whose tasks free their memberships
 * (task_free). */
void groups_free(struct groups *g);

struct group *group_find(const struct groups *g, const char *name);

/* Puts t in the group named t->group_name (made when new), counting what
 * it holds; t must be in none. is_new: t was just added (or moved into
 * the group), so its status counts as a change. False on ENOMEM. */
bool group_join(struct ycdl_session *s, struct task *t, bool is_new);
/* Takes t out of its group (none: nothing), which goes when empty. */
void group_leave(struct ycdl_session *s, struct task *t);

/* t changed (its bytes, size, speed or status): its group's figures follow
 * by the difference, and a group_progress event goes out — at once on a
 * status change (force), else at most once per progress interval. */
void group_note(struct ycdl_session *s, struct task *t, bool force);

/* End of a turn: each group whose tasks were pending and are no longer
 * says so (group_finished). */
void groups_check_finished(struct ycdl_session *s);

/* The figures of g as the event and the info carry them. */
void group_figures(const struct group *g, ycdl_group_info *out);

#endif
