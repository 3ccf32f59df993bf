/* strmap.c — open addressing with linear probing. Beside the slots, an
 * array holds 32 bits of each slot's hash (0: empty), so a probe runs along
 * that dense array and compares strings only where a hash matches, and
 * growing never reads the keys again (the chained table this replaced
 * chased a pointer per entry on every lookup and every growth: reopening
 * 100,000 tasks spent a third of its time there). Removal shifts the rest
 * of the run back (no tombstones), so lookups stay short however many
 * tasks come and go. Grows at four fifths full: 20 bytes a slot (12 when
 * the values hold their keys), 25 to 50 an entry (15 to 30); an
 * unsuccessful lookup reads 13 hashes on average. */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>


/* FNV-1a, then a finalizer: FNV's bits mix poorly for keys that differ only
 * in their last characters (URLs, numbered names). Never 0, which marks an
 * empty slot. */
static uint32_t hash_string(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return (uint32_t)h ? (uint32_t)h : 1;
}

void strmap_init(struct strmap *map)
{
	memset(map, 0, sizeof(*map));
}

void strmap_init_keyed(struct strmap *map, size_t key_offset)
{
	strmap_init(map);
	map->keyed = true;
	map->key_offset = key_offset;
}

void strmap_free(struct strmap *map)
{
	bool keyed = map->keyed;
	size_t key_offset = map->key_offset;

	free(map->values);      /* the keys and hashes are in the same block */
	strmap_init(map);
	map->keyed = keyed;
	map->key_offset = key_offset;
}

static const char *key_at(const struct strmap *map, size_t i)
{
	if (!map->keyed)
		return map->keys[i];
	return *(const char *const *)((const char *)map->values[i] + map->key_offset);
}

/* The index of the slot holding key, or of the empty one where it would
 * go. The table is never full. */
static size_t probe(const struct strmap *map, const char *key, uint32_t hash)
{
	size_t mask = map->capacity - 1;

	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		if (map->hashes[i] == 0 ||
		    (map->hashes[i] == hash && strcmp(key_at(map, i), key) == 0))
			return i;
	}
}

void *strmap_get(const struct strmap *map, const char *key)
{
	size_t i;

	if (map->size == 0)
		return NULL;
	i = probe(map, key, hash_string(key));
	return map->hashes[i] ? map->values[i] : NULL;
}

/* Values, keys (unless keyed) and hashes for capacity entries, in one
 * zeroed block. */
static bool allocate(struct strmap *map, size_t capacity)
{
	size_t slot = sizeof(void *) + (map->keyed ? 0 : sizeof(char *)) + sizeof(uint32_t);
	void **block = calloc(capacity, slot);

	if (!block)
		return false;
	map->values = block;
	map->keys = map->keyed ? NULL : (const char **)(block + capacity);
	map->hashes = (uint32_t *)(block + (map->keyed ? 1 : 2) * capacity);
	map->capacity = capacity;
	return true;
}

/* Puts entry i of from into slot j of map. */
static void move_entry(struct strmap *map, size_t j, const struct strmap *from, size_t i)
{
	map->values[j] = from->values[i];
	if (!map->keyed)
		map->keys[j] = from->keys[i];
	map->hashes[j] = from->hashes[i];
}

static bool grow(struct strmap *map)
{
	struct strmap old = *map;

	if (!allocate(map, old.capacity ? old.capacity * 2 : 64)) {
		*map = old;
		return false;
	}
	for (size_t i = 0; i < old.capacity; i++) {
		size_t mask = map->capacity - 1, j;

		if (!old.hashes[i])
			continue;
		for (j = old.hashes[i] & mask; map->hashes[j]; j = (j + 1) & mask)
			;
		move_entry(map, j, &old, i);
	}
	free(old.values);
	return true;
}

bool strmap_put(struct strmap *map, const char *key, void *value)
{
	uint32_t hash = hash_string(key);
	size_t i;

	if ((map->size + 1) * 5 > map->capacity * 4 && !grow(map))
		return false;
	i = probe(map, key, hash);
	if (!map->hashes[i])
		map->size++;
	if (!map->keyed)
		map->keys[i] = key;     /* a replaced entry takes this key */
	map->values[i] = value;
	map->hashes[i] = hash;
	return true;
}

void *strmap_remove(struct strmap *map, const char *key)
{
	size_t mask = map->capacity - 1, hole, i;
	void *value;

	if (map->size == 0)
		return NULL;
	hole = probe(map, key, hash_string(key));
	if (!map->hashes[hole])
		return NULL;
	value = map->values[hole];
	map->size--;
	/* Backward shift: each later entry of the run whose home is not
	 * between the hole and itself moves into the hole. */
	for (i = (hole + 1) & mask; map->hashes[i]; i = (i + 1) & mask) {
		size_t home = map->hashes[i] & mask;

		if (((i - home) & mask) >= ((i - hole) & mask)) {
			move_entry(map, hole, map, i);
			hole = i;
		}
	}
	map->hashes[hole] = 0;
	map->values[hole] = NULL;
	return value;
}
