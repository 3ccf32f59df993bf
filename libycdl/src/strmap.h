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

struct strmap_slot;

struct strmap {
	struct strmap_slot *slots;   /* capacity of them, a power of two */
	uint32_t *hashes;            /* one per slot, behind them; 0: empty */
	size_t capacity;
	size_t size;
};

void strmap_init(struct strmap *map);
void strmap_free(struct strmap *map);
void *strmap_get(const struct strmap *map, const char *key);
/* Adds or replaces; false on ENOMEM (map unchanged). */
bool strmap_put(struct strmap *map, const char *key, void *value);
/* Removes key if present and returns its value, else NULL. */
void *strmap_remove(struct strmap *map, const char *key);

#endif
