/* fuzz.h — what the fuzz targets share: the libFuzzer entry point, a check
 * that aborts (so the fuzzer records the input), and a NUL-terminated copy
 * of the input. Each target also builds with standalone.c into a plain
 * program that replays files, which is how the corpus runs as a test. */
#ifndef YCDL_FUZZ_H
#define YCDL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

/* The input as a C string (it may hold NULs: the string ends at the first). */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	FUZZ_CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
