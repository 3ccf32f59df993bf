/* group.c — see group.h. Each task remembers what it last counted in its
 * group (its status, its bytes, its size, its speed): a change is applied
 * as the difference between now and then, whoever made it. */
#define _GNU_SOURCE
#include "group.h"

#include "events.h"
#include "session.h"
#include "task.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

void groups_init(struct groups *g)
{
	strmap_init(&g->by_name);
	queue_init(&g->all);
	queue_init(&g->check);
}

void groups_free(struct groups *g)
{
	struct queue *q;

	while ((q = queue_first(&g->all)) != NULL) {
		struct group *grp = QUEUE_DATA(q, struct group, link);

		/* The tasks and their memberships are freed by the table
		 * (task_free), before. */
		queue_remove(q);
		free(grp->name);
		free(grp);
	}
	strmap_free(&g->by_name);
	queue_init(&g->check);
}

struct group *group_find(const struct groups *g, const char *name)
{
	return name && *name ? strmap_get(&g->by_name, name) : NULL;
}

static struct group *group_new(struct groups *g, const char *name)
{
	struct group *grp = calloc(1, sizeof(*grp));

	if (!grp || !(grp->name = strdup(name))) {
		free(grp);
		return NULL;
	}
	queue_init(&grp->check);
	if (!strmap_put(&g->by_name, grp->name, grp)) {
		free(grp->name);
		free(grp);
		return NULL;
	}
	queue_insert_tail(&g->all, &grp->link);
	return grp;
}

/* What t counts for in its group: its status, and its bytes as known or
 * unknown by whether its size is known. */
struct share {
	int status;
	uint64_t written_known, expected, written_unknown;
	uint32_t speed;     /* what a member keeps (group.h) */
};

static struct share share_of(const struct task *t)
{
	struct share sh = { t->status, 0, 0, 0, 0 };

	if (t->total >= 0) {
		sh.expected = (uint64_t)t->total;
		sh.written_known = t->offset < sh.expected ? t->offset : sh.expected;
	} else {
		sh.written_unknown = t->offset;
	}
	if (t->status == YCDL_STATUS_DOWNLOADING && t->run)
		sh.speed = t->run->speed_bps < UINT32_MAX ? (uint32_t)t->run->speed_bps
			: UINT32_MAX;
	return sh;
}

static void add_share(struct group *grp, const struct share *sh, int sign)
{
	grp->by_status[sh->status] += (size_t)sign;
	grp->written_known += (uint64_t)sign * sh->written_known;
	grp->expected += (uint64_t)sign * sh->expected;
	grp->written_unknown += (uint64_t)sign * sh->written_unknown;
	grp->speed += (uint64_t)sign * sh->speed;
}

/* A member keeps its bytes once: of a known length or not. */
#define UNKNOWN_LENGTH UINT64_MAX

static void remember(struct group_member *m, const struct share *sh)
{
	bool known = sh->written_unknown == 0;  /* nothing written: either */

	m->status = sh->status;
	m->written = known ? sh->written_known : sh->written_unknown;
	m->expected = known ? sh->expected : UNKNOWN_LENGTH;
	m->speed = sh->speed;
}

static struct share seen_share(const struct group_member *m)
{
	bool known = m->expected != UNKNOWN_LENGTH;
	struct share sh = {
		m->status, known ? m->written : 0, known ? m->expected : 0,
		known ? 0 : m->written, m->speed,
	};

	return sh;
}

static size_t pending_of(const struct group *grp)
{
	return grp->by_status[YCDL_STATUS_WAITING] + grp->by_status[YCDL_STATUS_DOWNLOADING] +
		grp->by_status[YCDL_STATUS_WAITING_FOR_NETWORK];
}

/* A status changed to new_status (-1: a task left): judged at the end of
 * the turn (a task may leave pending and come back within one, as a retry
 * does). Only a change into pending makes the group busy: tasks restored
 * as they were, then paused, never make it "finish". */
static void to_check(struct ycdl_session *s, struct group *grp, int new_status)
{
	if (new_status > 0 && task_status_is_pending(new_status))
		grp->was_busy = true;
	if (!grp->to_check) {
		grp->to_check = true;
		queue_insert_tail(&s->groups.check, &grp->check);
	}
}

static void emit_figures(struct ycdl_session *s, struct group *grp);

bool group_join(struct ycdl_session *s, struct task *t, bool is_new)
{
	struct group_member *m;
	struct group *grp;
	struct share sh;

	if (util_is_empty(t->group_name) || t->group)
		return true;
	if (!(m = calloc(1, sizeof(*m))))
		return false;
	if (!(grp = group_find(&s->groups, t->group_name)) &&
	    !(grp = group_new(&s->groups, t->group_name))) {
		free(m);
		return false;
	}
	sh = share_of(t);
	add_share(grp, &sh, 1);
	remember(m, &sh);
	m->group = grp;
	/* Its members share the group's name (group_leave gives it back). */
	util_free_string(t->group_name);
	t->group_name = grp->name;
	grp->count++;
	t->group = m;
	to_check(s, grp, is_new ? t->status : -1);
	return true;
}

void group_leave(struct ycdl_session *s, struct task *t)
{
	struct group_member *m = t->group;
	struct group *grp;
	struct share sh;

	if (!m)
		return;
	grp = m->group;
	sh = seen_share(m);
	add_share(grp, &sh, -1);
	t->group = NULL;
	free(m);
	/* The task keeps the name: the last one out takes the group's, the
	 * others a copy (none when out of memory: it is leaving anyway, to
	 * another group or out of the session). */
	if (grp->count > 1 && !(t->group_name = strdup(grp->name)))
		t->group_name = util_empty_string();
	if (--grp->count > 0) {
		to_check(s, grp, -1);
		emit_figures(s, grp);   /* the others' figures without it */
		return;
	}
	if (grp->to_check)
		queue_remove(&grp->check);
	queue_remove(&grp->link);
	strmap_remove(&s->groups.by_name, grp->name);
	t->group_name = grp->name;
	free(grp);
}

static int64_t eta_of(const struct group *grp)
{
	if (!grp->speed || grp->written_unknown || grp->expected < grp->written_known)
		return -1;
	return (int64_t)((grp->expected - grp->written_known) / grp->speed);
}

void group_figures(const struct group *grp, ycdl_group_info *out)
{
	memset(out, 0, sizeof(*out));
	out->name = grp->name;
	out->tasks = grp->count;
	out->waiting = grp->by_status[YCDL_STATUS_WAITING];
	out->downloading = grp->by_status[YCDL_STATUS_DOWNLOADING];
	out->paused = grp->by_status[YCDL_STATUS_PAUSED];
	out->waiting_for_network = grp->by_status[YCDL_STATUS_WAITING_FOR_NETWORK];
	out->finished = grp->by_status[YCDL_STATUS_FINISHED];
	out->failed = grp->by_status[YCDL_STATUS_FAILED];
	out->waiting_for_url = grp->by_status[YCDL_STATUS_WAITING_FOR_URL];
	out->bytes_written_known = grp->written_known;
	out->bytes_expected = grp->expected;
	out->bytes_written_unknown = grp->written_unknown;
	out->speed_bps = grp->speed;
	out->eta_seconds = eta_of(grp);
}

/* The group's figures now, as a progress event (issue 17's group events). */
static void emit_figures(struct ycdl_session *s, struct group *grp)
{
	ycdl_group_info figures;

	grp->last_event_ms = util_monotonic_ms();
	group_figures(grp, &figures);
	emit_group_figures(s, &figures, false);
}

void group_note(struct ycdl_session *s, struct task *t, bool force)
{
	struct group_member *m = t->group;
	struct group *grp;
	struct share was, now;
	int64_t ms;

	if (!m)
		return;
	grp = m->group;
	was = seen_share(m);
	now = share_of(t);
	if (was.status != now.status) {
		force = true;
		to_check(s, grp, now.status);
	}
	add_share(grp, &was, -1);
	add_share(grp, &now, 1);
	remember(m, &now);
	ms = util_monotonic_ms();
	if (!force && ms - grp->last_event_ms < (int64_t)s->cfg.progress_interval_ms)
		return;
	emit_figures(s, grp);
}

void groups_check_finished(struct ycdl_session *s)
{
	struct queue *q;

	while ((q = queue_first(&s->groups.check)) != NULL) {
		struct group *grp = QUEUE_DATA(q, struct group, check);

		queue_remove(q);
		grp->to_check = false;
		if (pending_of(grp) == 0 && grp->was_busy) {
			ycdl_group_info figures;

			grp->was_busy = false;
			group_figures(grp, &figures);
			emit_group_figures(s, &figures, true);
		}
	}
}
