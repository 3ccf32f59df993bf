/* strmap.c — separate-chaining hash map with FNV-1a; grows at load 1. */
#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct strmap_entry {
	const char *key;
	void *value;
	struct strmap_entry *next;
};

static uint64_t hash_string(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

void strmap_init(struct strmap *map)
{
	memset(map, 0, sizeof(*map));
}

void strmap_free(struct strmap *map)
{
	for (size_t i = 0; i < map->bucket_count; i++) {
		struct strmap_entry *e = map->buckets[i];

		while (e) {
			struct strmap_entry *next = e->next;

			free(e);
			e = next;
		}
	}
	free(map->buckets);
	strmap_init(map);
}

static struct strmap_entry **find_slot(const struct strmap *map, const char *key)
{
	struct strmap_entry **slot;

	if (map->bucket_count == 0)
		return NULL;
	slot = &map->buckets[hash_string(key) & (map->bucket_count - 1)];
	while (*slot && strcmp((*slot)->key, key) != 0)
		slot = &(*slot)->next;
	return slot;
}

void *strmap_get(const struct strmap *map, const char *key)
{
	struct strmap_entry **slot = find_slot(map, key);

	return slot && *slot ? (*slot)->value : NULL;
}

static bool grow(struct strmap *map)
{
	size_t count = map->bucket_count ? map->bucket_count * 2 : 64;
	struct strmap_entry **buckets = calloc(count, sizeof(*buckets));

	if (!buckets)
		return false;
	for (size_t i = 0; i < map->bucket_count; i++) {
		struct strmap_entry *e = map->buckets[i];

		while (e) {
			struct strmap_entry *next = e->next;
			size_t b = hash_string(e->key) & (count - 1);

			e->next = buckets[b];
			buckets[b] = e;
			e = next;
		}
	}
	free(map->buckets);
	map->buckets = buckets;
	map->bucket_count = count;
	return true;
}

bool strmap_put(struct strmap *map, const char *key, void *value)
{
	struct strmap_entry **slot;
	struct strmap_entry *e;

	if (map->size >= map->bucket_count && !grow(map))
		return false;
	slot = find_slot(map, key);
	if (*slot) {
		(*slot)->key = key;
		(*slot)->value = value;
		return true;
	}
	if (!(e = malloc(sizeof(*e))))
		return false;
	e->key = key;
	e->value = value;
	e->next = NULL;
	*slot = e;
	map->size++;
	return true;
}

void *strmap_remove(struct strmap *map, const char *key)
{
	struct strmap_entry **slot = find_slot(map, key);
	struct strmap_entry *e;
	void *value;

	if (!slot || !*slot)
		return NULL;
	e = *slot;
	value = e->value;
	*slot = e->next;
	free(e);
	map->size--;
	return value;
}
