/* info_block.c — see info_block.h. */
#include "info_block.h"

#include <stdlib.h>
#include <string.h>

/* The string fields of ycdl_task_info, in one place. */
#define INFO_STRINGS(X) X(key) X(url) X(final_url) X(dest_path) X(file_id) \
	X(display_name) X(thumbnail_url) X(error_message) X(sha256_hex) \
	X(request_url) X(group)

static size_t length_of(const char *s)
{
	return (s ? strlen(s) : 0) + 1;
}

/* Copies s (or "") to *cursor and moves the cursor past it. */
static const char *put(char **cursor, const char *s, size_t len)
{
	char *at = *cursor;

	if (len)
		memcpy(at, s, len);
	at[len] = '\0';
	*cursor += len + 1;
	return at;
}

ycdl_task_info *info_block_copy(const ycdl_task_info *f)
{
	size_t size = sizeof(*f) + f->user_data_len + 1;
	ycdl_task_info *info;
	char *cursor;

#define ADD_LENGTH(name) size += length_of(f->name);
	INFO_STRINGS(ADD_LENGTH)
#undef ADD_LENGTH
	if (!(info = malloc(size)))
		return NULL;
	*info = *f;
	cursor = (char *)(info + 1);
#define COPY(name) info->name = put(&cursor, f->name ? f->name : "", \
		f->name ? strlen(f->name) : 0);
	INFO_STRINGS(COPY)
#undef COPY
	info->user_data = f->user_data_len
		? put(&cursor, f->user_data, f->user_data_len) : NULL;
	return info;
}

ycdl_group_info *info_block_group_copy(const ycdl_group_info *figures)
{
	size_t len = strlen(figures->name) + 1;
	ycdl_group_info *info = malloc(sizeof(*info) + len);

	if (!info)
		return NULL;
	*info = *figures;
	info->name = memcpy((char *)(info + 1), figures->name, len);
	return info;
}
