/* api_settings.c — the session-wide calls: the scheduler's settings (how
 * many at once, the network, the cellular switch, the speed limit), what a
 * handle is (its role, the session's info) and the request to stop. An
 * attached handle sends each to its owner (api_remote.c). */
#define _GNU_SOURCE
#include "api_remote.h"
#include "api_settings.h"
#include "client.h"
#include "error.h"
#include "events.h"
#include "scheduler.h"
#include "session.h"
#include "throttle.h"

#include <stdlib.h>
#include <unistd.h>

static int check(enum setting which, int64_t value)
{
	switch (which) {
	case SETTING_MAX_CONCURRENT:
		if (value < 1 || value > 1000)
			return error_set(YCDL_E_INVALID, "max_concurrent must be 1..1000");
		return 0;
	case SETTING_NETWORK:
		if (value < YCDL_NETWORK_UNKNOWN || value > YCDL_NETWORK_OFFLINE)
			return error_set(YCDL_E_INVALID, "network must be a ycdl_network");
		return 0;
	case SETTING_ALLOW_CELLULAR:
		return 0;
	case SETTING_MAX_RECV_SPEED:
		if (value < 0)
			return error_set(YCDL_E_INVALID, "a speed cannot be negative");
		return 0;
	default:
		return error_set(YCDL_E_INVALID, "unknown setting %d", (int)which);
	}
}

int api_settings_run(struct ycdl_session *s, enum setting which, int64_t value)
{
	int rc = check(which, value);

	if (rc != 0)
		return rc;
	switch (which) {
	case SETTING_MAX_CONCURRENT:
		scheduler_set_max_concurrent(s, (unsigned int)value);
		break;
	case SETTING_NETWORK:
		scheduler_set_network(s, (int)value);
		break;
	case SETTING_ALLOW_CELLULAR:
		scheduler_set_allow_cellular(s, value != 0);
		break;
	case SETTING_MAX_RECV_SPEED:
		throttle_set_rate(&s->throttle, (uint64_t)value);
		break;
	}
	return 0;
}

struct setting_call {
	enum setting which;
	int64_t value;
};

static int run_setting(struct ycdl_session *s, void *arg)
{
	struct setting_call *call = arg;

	return api_settings_run(s, call->which, call->value);
}

static int apply(ycdl_session *s, enum setting which, int64_t value)
{
	struct setting_call call = { which, value };
	int rc;

	error_clear();
	if (!s)
		return error_set(YCDL_E_INVALID, "session is NULL");
	if ((rc = check(which, value)) != 0)
		return rc;
	if (remote_setting(&rc, s, which, value))
		return rc;
	return loop_call(&s->loop, run_setting, &call);
}

YCDL_EXTERN int ycdl_session_set_max_concurrent(ycdl_session *s, unsigned int n)
{
	return apply(s, SETTING_MAX_CONCURRENT, n);
}

YCDL_EXTERN int ycdl_session_set_network(ycdl_session *s, ycdl_network network)
{
	return apply(s, SETTING_NETWORK, (int64_t)network);
}

YCDL_EXTERN int ycdl_session_set_allow_cellular(ycdl_session *s, int allow)
{
	return apply(s, SETTING_ALLOW_CELLULAR, allow != 0);
}

YCDL_EXTERN int ycdl_session_set_max_recv_speed(ycdl_session *s, uint64_t bps)
{
	if (bps > INT64_MAX)
		bps = INT64_MAX;        /* as good as no limit */
	return apply(s, SETTING_MAX_RECV_SPEED, (int64_t)bps);
}

/* ----------------------------------------------------- what the handle is */

YCDL_EXTERN int ycdl_session_role(ycdl_session *s)
{
	error_clear();
	if (!s)
		return error_set(YCDL_E_INVALID, "session is NULL");
	return session_role(s);
}

static int owner_info(struct ycdl_session *s, void *arg)
{
	ycdl_session_info *info = arg;

	info->role = YCDL_ROLE_OWNER;
	info->owner_pid = (int)getpid();
	info->clients = s->clients;
	info->tasks = s->tasks.count;
	info->pending = tasks_pending(&s->tasks);
	return 0;
}

YCDL_EXTERN int ycdl_session_get_info(ycdl_session_info **out, ycdl_session *s)
{
	ycdl_session_info *info;
	int rc;

	error_clear();
	if (!out || !s)
		return error_set(YCDL_E_INVALID, "out and session are required");
	if (remote_session_info(&rc, s, out))
		return rc;
	if (!(info = calloc(1, sizeof(*info))))
		return error_set(YCDL_E_NOMEM, "out of memory");
	if ((rc = loop_call(&s->loop, owner_info, info)) != 0) {
		free(info);
		return rc;
	}
	*out = info;
	return 0;
}

static int stop_requested(struct ycdl_session *s, void *arg)
{
	(void)arg;
	emit_stop_requested(s, "this process");
	return 0;
}

YCDL_EXTERN int ycdl_session_request_stop(ycdl_session *s)
{
	int rc;

	error_clear();
	if (!s)
		return error_set(YCDL_E_INVALID, "session is NULL");
	if (remote_stop(&rc, s))
		return rc;
	return loop_call(&s->loop, stop_requested, NULL);
}
