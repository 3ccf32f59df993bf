/* api_settings.h — the session-wide calls (settings, what the session is,
 * a request to stop), as the session's server runs them for an attached
 * client (server.c), on the loop thread. */
#ifndef YCDL_API_SETTINGS_H
#define YCDL_API_SETTINGS_H

#include <stdint.h>

struct ycdl_session;

enum setting {
	SETTING_MAX_CONCURRENT,
	SETTING_NETWORK,
	SETTING_ALLOW_CELLULAR,
	SETTING_MAX_RECV_SPEED
};

/* Checks value as the public call does, then applies it: 0 or a YCDL_E_*
 * code with its message. Loop thread. */
int api_settings_run(struct ycdl_session *s, enum setting which, int64_t value);

#endif
