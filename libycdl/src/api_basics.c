/* api_basics.c — what every caller of the library needs whatever it does:
 * its version, the names of statuses, and the frees of what it hands out
 * (ycdl_strerror is error.c's). No session is involved. */
#include "ycdl.h"

#include <stdlib.h>

YCDL_EXTERN const char *ycdl_version(void)
{
	return YCDL_VERSION_STRING;
}

YCDL_EXTERN const char *ycdl_status_name(int status)
{
	switch (status) {
	case YCDL_STATUS_WAITING: return "waiting";
	case YCDL_STATUS_DOWNLOADING: return "downloading";
	case YCDL_STATUS_PAUSED: return "paused";
	case YCDL_STATUS_WAITING_FOR_NETWORK: return "waiting-for-network";
	case YCDL_STATUS_FINISHED: return "finished";
	case YCDL_STATUS_FAILED: return "failed";
	case YCDL_STATUS_WAITING_FOR_URL: return "waiting-for-url";
	default: return "unknown";
	}
}

YCDL_EXTERN void ycdl_free(void *ptr)
{
	free(ptr);
}

YCDL_EXTERN void ycdl_task_info_free(ycdl_task_info *info)
{
	free(info);
}

YCDL_EXTERN void ycdl_keys_free(char **keys, size_t count)
{
	if (!keys)
		return;
	for (size_t i = 0; i < count; i++)
		free(keys[i]);
	free(keys);
}

YCDL_EXTERN void ycdl_task_info_list_free(ycdl_task_info **infos, size_t count)
{
	if (!infos)
		return;
	for (size_t i = 0; i < count; i++)
		free(infos[i]);
	free(infos);
}
