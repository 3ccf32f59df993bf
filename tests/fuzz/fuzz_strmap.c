/* fuzz_strmap.c — the string map against the plainest model of it (an
 * array indexed by key number): any sequence of puts, gets and removes
 * leaves both holding the same entries, whatever the table's probing,
 * growing and backward shifting did. Each operation runs on a map that
 * keeps its keys and on one whose values hold them (the task table's
 * kind). Each input is a list of operations of three bytes: the operation
 * (low two bits), then a key number of ten bits (1,024 keys: the tables
 * grow several times). Keys are names of the shapes the library stores
 * (task keys, URLs), with many sharing long prefixes. */
#include "fuzz.h"
#include "strmap.h"

#include <stdbool.h>
#include <stddef.h>

#define KEYS 1024

/* What a keyed map's values look like: the key inside. */
struct item {
	int other;
	const char *key;
};

static char keys[KEYS][48];
static struct item items[KEYS];

static void make_keys(void)
{
	if (keys[0][0])
		return;
	for (unsigned int i = 0; i < KEYS; i++) {
		if (i % 2)
			snprintf(keys[i], sizeof(keys[i]), "http://127.0.0.1/files/%04u", i);
		else
			snprintf(keys[i], sizeof(keys[i]), "%08x", i * 2654435761u);
		items[i].key = keys[i];
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *model[KEYS] = { 0 };
	size_t count = 0, stamp = 1;
	struct strmap map, keyed;

	make_keys();
	strmap_init(&map);
	strmap_init_keyed(&keyed, offsetof(struct item, key));
	for (size_t pos = 0; pos + 3 <= size; pos += 3) {
		unsigned int k = ((unsigned int)data[pos + 1] | (unsigned int)data[pos + 2] << 8) % KEYS;
		void *value = (void *)(uintptr_t)stamp++;
		bool present = model[k] != NULL;

		switch (data[pos] & 3) {
		case 0:
		case 1:         /* puts outnumber removes: the tables fill */
			FUZZ_CHECK(strmap_put(&map, keys[k], value));
			FUZZ_CHECK(strmap_put(&keyed, keys[k], &items[k]));
			count += !present;
			model[k] = value;
			break;
		case 2:
			FUZZ_CHECK(strmap_remove(&map, keys[k]) == model[k]);
			FUZZ_CHECK(strmap_remove(&keyed, keys[k]) == (present ? &items[k] : NULL));
			count -= present;
			model[k] = NULL;
			break;
		default:
			FUZZ_CHECK(strmap_get(&map, keys[k]) == model[k]);
			FUZZ_CHECK(strmap_get(&keyed, keys[k]) == (present ? &items[k] : NULL));
			break;
		}
		FUZZ_CHECK(map.size == count && keyed.size == count);
	}
	for (unsigned int k = 0; k < KEYS; k++) {
		FUZZ_CHECK(strmap_get(&map, keys[k]) == model[k]);
		FUZZ_CHECK(strmap_get(&keyed, keys[k]) == (model[k] ? &items[k] : NULL));
	}
	strmap_free(&map);
	strmap_free(&keyed);
	return 0;
}
