/* info_block.h — a ycdl_task_info and its strings in one allocation, so
 * that ycdl_task_info_free is one free(): made from a task on the owner
 * (api_query.c) or from a protocol message on a client (wire.c). */
#ifndef YCDL_INFO_BLOCK_H
#define YCDL_INFO_BLOCK_H

#include "ycdl.h"

/* A copy of fields (whose strings and user data are borrowed; NULL
 * strings become "") in one block; NULL when out of memory. */
ycdl_task_info *info_block_copy(const ycdl_task_info *fields);

/* The same for a group's figures and its name (ycdl_free frees both):
 * made from the group on the owner (api_group.c) or from a message on a
 * client (wire.c). */
ycdl_group_info *info_block_group_copy(const ycdl_group_info *figures);

#endif
