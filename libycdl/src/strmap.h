/* strmap.h — a string-keyed hash map of borrowed keys to pointers.
 *
 * Written here because neither libcurl, libevent nor protobuf-c exposes a
 * public hash table, and task lookups by key, URL and destination must stay
 * O(1) with 100,000 tasks. Keys are not copied: each key must live as long as
 * its entry (they are the tasks' own strings). */
#ifndef YCDL_STRMAP_H
#define YCDL_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strmap {
	void **values;               /* capacity of them, a power of two */
	const char **keys;           /* behind them; NULL when keyed */
	uint32_t *hashes;            /* behind those; 0: an empty slot */
	size_t capacity;
	size_t size;
	size_t key_offset;           /* keyed: where a value holds its key */
	bool keyed;
};

void strmap_init(struct strmap *map);
/* A map whose values hold their keys: a value's key is the string pointer
 * at key_offset in it (offsetof(struct task, url), say), so the map keeps
 * none. The key given to strmap_put must be that string, and a value's
 * key must not change while it is in the map. */
void strmap_init_keyed(struct strmap *map, size_t key_offset);
void strmap_free(struct strmap *map);
void *strmap_get(const struct strmap *map, const char *key);
/* Adds or replaces; false on ENOMEM (map unchanged). */
bool strmap_put(struct strmap *map, const char *key, void *value);
/* Removes key if present and returns its value, else NULL. */
void *strmap_remove(struct strmap *map, const char *key);

#endif
