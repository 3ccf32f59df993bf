/* fuzz_strmap.c — the string map against the plainest model of it (an
 * array indexed by key number): any sequence of puts, gets and removes
 * leaves both holding the same entries, whatever the table's probing,
 * growing and backward shifting did. Each input is a list of operations
 * of three bytes: the operation (low two bits), then a key number of ten
 * bits (1,024 keys: the table grows several times). Keys are names of the
 * shapes the library stores (task keys, URLs), with many sharing long
 * prefixes. */
#include "fuzz.h"
#include "strmap.h"

#include <stdbool.h>

#define KEYS 1024

static char keys[KEYS][48];

static void make_keys(void)
{
	if (keys[0][0])
		return;
	for (unsigned int i = 0; i < KEYS; i++) {
		if (i % 2)
			snprintf(keys[i], sizeof(keys[i]), "http://127.0.0.1/files/%04u", i);
		else
			snprintf(keys[i], sizeof(keys[i]), "%08x", i * 2654435761u);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *model[KEYS] = { 0 };
	size_t count = 0, stamp = 1;
	struct strmap map;

	make_keys();
	strmap_init(&map);
	for (size_t pos = 0; pos + 3 <= size; pos += 3) {
		unsigned int k = ((unsigned int)data[pos + 1] | (unsigned int)data[pos + 2] << 8) % KEYS;
		void *value = (void *)(uintptr_t)stamp++;

		switch (data[pos] & 3) {
		case 0:
		case 1:         /* puts outnumber removes: the table fills */
			FUZZ_CHECK(strmap_put(&map, keys[k], value));
			count += model[k] == NULL;
			model[k] = value;
			break;
		case 2:
			FUZZ_CHECK(strmap_remove(&map, keys[k]) == model[k]);
			count -= model[k] != NULL;
			model[k] = NULL;
			break;
		default:
			FUZZ_CHECK(strmap_get(&map, keys[k]) == model[k]);
			break;
		}
		FUZZ_CHECK(map.size == count);
	}
	for (unsigned int k = 0; k < KEYS; k++)
		FUZZ_CHECK(strmap_get(&map, keys[k]) == model[k]);
	strmap_free(&map);
	return 0;
}
