/* standalone.c — replays inputs through a fuzz target without libFuzzer:
 * each argument is a file or a folder of files (the committed corpus and
 * the findings kept as regression inputs). Used by ctest in every build. */
#define _DEFAULT_SOURCE
#include "fuzz.h"

#include <dirent.h>
#include <sys/stat.h>

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data;
	long size;

	if (!f)
		return 1;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc(size > 0 ? (size_t)size : 1);
	if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		free(data);
		return 1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(data, (size_t)size);
	free(data);
	return 0;
}

static int replay(const char *path, int *count)
{
	struct stat st;
	DIR *dir;
	struct dirent *entry;
	int failures = 0;

	if (stat(path, &st) != 0)
		return 1;
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return replay_file(path);
	}
	if (!(dir = opendir(path)))
		return 1;
	while ((entry = readdir(dir))) {
		char child[4096];

		if (entry->d_name[0] == '.')
			continue;
		snprintf(child, sizeof(child), "%s/%s", path, entry->d_name);
		failures += replay(child, count);
	}
	closedir(dir);
	return failures;
}

int main(int argc, char **argv)
{
	int failures = 0, count = 0;

	for (int i = 1; i < argc; i++)
		failures += replay(argv[i], &count);
	printf("replayed %d inputs, %d unreadable\n", count, failures);
	return failures || count == 0 ? 1 : 0;
}
