/* session.h — the session: the one object that owns a loop, a curl multi
 * handle, the task table, the event queue and the snapshot store. */
#ifndef YCDL_SESSION_H
#define YCDL_SESSION_H

#include "commit.h"
#include "config.h"
#include "events.h"
#include "loop.h"
#include "multi.h"
#include "scheduler.h"
#include "store.h"
#include "task_table.h"
#include "worker.h"

#include <stdint.h>

struct ycdl_session {
	char *identifier;
	char *dir;                 /* <state_dir>/<identifier> */
	struct config cfg;
	int lock_fd;
	struct loop loop;
	struct multi multi;
	struct event_queue events;
	struct store store;
	struct tasks tasks;
	struct scheduler sched;
	struct commit commit;
	struct worker worker;      /* off-loop file work */
	uint64_t rng_state;        /* for retry jitter (util_random) */
	bool closing;
};


#endif
