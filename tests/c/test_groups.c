/* test_groups.c — groups of tasks: a persisted name on tasks, per group the
 * figures one bar is drawn from (counts by status, bytes with known and
 * unknown lengths apart, speed), the task calls for a whole group at once,
 * and group_finished by the seed's rule for "all finished" (paused and
 * failed tasks are not pending). */
#define _GNU_SOURCE
#include "harness.h"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* This program's own path: the killed child is this program again. */
static char self_path[4096];

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* The figures of group's next group_finished event after from (events of
 * other groups are passed over). */
static Ycdl__GroupFigures *wait_group_finished(struct event_log *log, size_t *from,
		const char *group, int timeout_ms)
{
	for (;;) {
		Ycdl__Event *e = log_wait(log, *from, YCDL__EVENT__KIND_GROUP_FINISHED,
				NULL, timeout_ms);

		while (log->events[*from] != e)
			(*from)++;
		(*from)++;
		if (strcmp(e->group_finished->group, group) == 0)
			return e->group_finished;
	}
}

static size_t count_group_events(const struct event_log *log,
		Ycdl__Event__KindCase kind, const char *group)
{
	size_t n = 0;

	for (size_t i = 0; i < log->count; i++) {
		const Ycdl__Event *e = log->events[i];
		const Ycdl__GroupFigures *f = kind == YCDL__EVENT__KIND_GROUP_FINISHED ?
			e->group_finished : e->group_progress;

		if (e->kind_case == kind && strcmp(f->group, group) == 0)
			n++;
	}
	return n;
}

/* Every figure the event carries equals the one get_info gives. */
static void check_same_figures(const Ycdl__GroupFigures *e, const ycdl_group_info *i)
{
	CHECK_STR(e->group, i->name);
	CHECK_INT(e->tasks, i->tasks);
	CHECK_INT(e->waiting, i->waiting);
	CHECK_INT(e->downloading, i->downloading);
	CHECK_INT(e->paused, i->paused);
	CHECK_INT(e->waiting_for_network, i->waiting_for_network);
	CHECK_INT(e->finished, i->finished);
	CHECK_INT(e->failed, i->failed);
	CHECK_INT(e->waiting_for_url, i->waiting_for_url);
	CHECK_INT(e->bytes_written_known, i->bytes_written_known);
	CHECK_INT(e->bytes_expected, i->bytes_expected);
	CHECK_INT(e->bytes_written_unknown, i->bytes_written_unknown);
}

/* Across group's progress events, the bytes written in all never go back,
 * nor do the bytes expected: a bar never jumps backwards. */
static size_t check_never_back(const struct event_log *log, const char *group)
{
	uint64_t written = 0, expected = 0;
	size_t n = 0;

	for (size_t i = 0; i < log->count; i++) {
		const Ycdl__Event *e = log->events[i];
		const Ycdl__GroupFigures *f = e->group_progress;

		if (e->kind_case != YCDL__EVENT__KIND_GROUP_PROGRESS ||
		    strcmp(f->group, group) != 0)
			continue;
		CHECK(f->bytes_written_known + f->bytes_written_unknown >= written);
		CHECK(f->bytes_expected >= expected);
		CHECK(f->bytes_written_known <= f->bytes_expected);
		written = f->bytes_written_known + f->bytes_written_unknown;
		expected = f->bytes_expected;
		n++;
	}
	return n;
}

static bool has_key(char **keys, size_t count, const char *key)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(keys[i], key) == 0)
			return true;
	return false;
}

#define ALBUM 50
#define KNOWN 40
#define CHUNKED 5
#define MISSING 4

/* 40 files with a length, 5 without (chunked), 4 answered 404, 1 added
 * paused: the group's figures are exact, by status and in bytes. */
TEST(fifty_tasks_with_mixed_outcomes_give_exact_counts_and_bytes)
{
	char *dir = test_dir("groups-album"), *urls[ALBUM + 3], name[64], path[128];
	char shas[ALBUM][65];
	ycdl_session_options o = test_session_options(dir);
	ycdl_task_options opts[ALBUM + 3];
	const ycdl_task_options *items[ALBUM + 3];
	char **keys, **listed;
	size_t count, from = 0;
	uint64_t all_bytes = 0, known_bytes = 0;
	Ycdl__GroupFigures *f;
	ycdl_group_info *info;
	ycdl_task_info *ti;
	struct event_log log;
	ycdl_session *s;

	o.max_concurrent = 6;
	o.max_retries = 0;
	s = open_session("groups-album", &o);
	log_init(&log, s);
	for (int i = 0; i < ALBUM + 3; i++) {
		uint64_t size = 1000 + (uint64_t)i * 7919;

		opts[i] = (ycdl_task_options)YCDL_TASK_OPTIONS_INIT;
		opts[i].group = i < ALBUM ? "album" : i < ALBUM + 2 ? "other" : NULL;
		snprintf(name, sizeof(name), "album-%d.bin", i);
		if (i < KNOWN || i >= ALBUM) {
			make_file(name, size, i < ALBUM ? shas[i] : NULL);
			urls[i] = test_url(env.nginx, name);
			if (i < KNOWN)
				known_bytes += size;
		} else if (i < KNOWN + CHUNKED) {
			make_file(name, size, shas[i]);
			snprintf(path, sizeof(path), "%s?chunked=1&rate=2000000", name);
			urls[i] = test_url(env.fault, path);
		} else if (i < KNOWN + CHUNKED + MISSING) {
			snprintf(path, sizeof(path), "%s?always=404", name);
			urls[i] = test_url(env.fault, path);
			size = 0;
		} else {
			make_file(name, size, shas[i]);
			urls[i] = test_url(env.nginx, name);
			opts[i].start_paused = 1;
			size = 0;
		}
		if (i < ALBUM)
			all_bytes += size;
		opts[i].url = urls[i];
		items[i] = &opts[i];
	}
	/* One call: the group cannot finish between two adds. */
	CHECK_OK(ycdl_task_add_many(&keys, NULL, s, items, ALBUM + 3));

	f = wait_group_finished(&log, &from, "album", 60000);
	CHECK_INT(f->tasks, ALBUM);
	CHECK_INT(f->finished, KNOWN + CHUNKED);
	CHECK_INT(f->failed, MISSING);
	CHECK_INT(f->paused, 1);
	CHECK_INT(f->waiting + f->downloading + f->waiting_for_network +
			f->waiting_for_url, 0);
	CHECK_INT(f->bytes_written_known + f->bytes_written_unknown, all_bytes);
	/* Every length known is complete; the 404s and the paused one know
	 * none and wrote nothing. */
	CHECK_INT(f->bytes_written_known, f->bytes_expected);
	CHECK(f->bytes_expected >= known_bytes);
	CHECK_INT(f->speed_bps, 0);
	CHECK_OK(ycdl_group_get_info(&info, s, "album"));
	check_same_figures(f, info);
	ycdl_free(info);
	/* Only once, though the others go on (before or after). */
	from = 0;
	wait_group_finished(&log, &from, "other", 30000);
	log_drain(&log);
	CHECK_INT(count_group_events(&log, YCDL__EVENT__KIND_GROUP_FINISHED, "album"), 1);
	CHECK(check_never_back(&log, "album") > 0);

	for (int i = 0; i < KNOWN + CHUNKED; i++) {
		CHECK_OK(ycdl_task_get_info(&ti, s, keys[i]));
		CHECK_INT(ti->status, YCDL_STATUS_FINISHED);
		CHECK_STR(ti->sha256_hex, shas[i]);
		CHECK_STR(ti->group, "album");
		ycdl_task_info_free(ti);
	}
	CHECK_OK(ycdl_task_get_info(&ti, s, keys[ALBUM + 2]));
	CHECK_STR(ti->group, "");
	ycdl_task_info_free(ti);

	/* The group's tasks in the order added; filtered by status. */
	CHECK_OK(ycdl_group_list_tasks(&listed, &count, s, "album", YCDL_STATUS_ALL));
	CHECK_INT(count, ALBUM);
	for (size_t i = 0; i < count; i++)
		CHECK_STR(listed[i], keys[i]);
	ycdl_keys_free(listed, count);
	CHECK_OK(ycdl_group_list_tasks(&listed, &count, s, "album",
			YCDL_STATUS_BIT(YCDL_STATUS_FAILED)));
	CHECK_INT(count, MISSING);
	for (size_t i = 0; i < count; i++)
		CHECK_STR(listed[i], keys[KNOWN + CHUNKED + i]);
	ycdl_keys_free(listed, count);
	CHECK_OK(ycdl_group_list(&listed, &count, s));
	CHECK_INT(count, 2);
	CHECK(has_key(listed, count, "album") && has_key(listed, count, "other"));
	ycdl_keys_free(listed, count);

	ycdl_keys_free(keys, ALBUM + 3);
	for (int i = 0; i < ALBUM + 3; i++)
		free(urls[i]);
	log_free(&log);
	ycdl_session_close(s);
	free(dir);
}

#define SEASON 4
#define SLOW_SIZE (1024 * 1024)

/* Paused as one, resumed as one: every task of the group stops (a task
 * outside it goes on), the group "finishes" with its tasks paused, and
 * resumed, each file ends byte-identical. */
TEST(a_group_pauses_and_resumes_as_one)
{
	char *dir = test_dir("groups-season"), *urls[SEASON + 1], name[64], path[160];
	char shas[SEASON][65];
	ycdl_session_options o = test_session_options(dir);
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	char *keys[SEASON + 1];
	size_t from = 0;
	uint64_t frozen;
	Ycdl__GroupFigures *f;
	ycdl_group_info *info;
	ycdl_task_info *ti;
	struct event_log log;
	ycdl_session *s;

	o.max_concurrent = SEASON + 1;
	s = open_session("groups-season", &o);
	log_init(&log, s);
	for (int i = 0; i <= SEASON; i++) {
		snprintf(name, sizeof(name), "season-%d.bin", i);
		make_file(name, SLOW_SIZE, i < SEASON ? shas[i] : NULL);
		snprintf(path, sizeof(path), "%s?rate=200000", name);
		urls[i] = test_url(env.fault, path);
		t.url = urls[i];
		t.group = i < SEASON ? "season" : NULL;
		CHECK_OK(ycdl_task_add(&keys[i], s, &t));
	}
	for (int i = 0; i <= SEASON; i++)
		log_wait(&log, 0, YCDL__EVENT__KIND_PROGRESS, keys[i], 10000);

	CHECK_OK(ycdl_group_pause(s, "season"));
	/* The pause is done when the call returns: each task's status says so. */
	for (int i = 0; i < SEASON; i++)
		CHECK_INT(task_status(s, keys[i]), YCDL_STATUS_PAUSED);
	CHECK_INT(task_status(s, keys[SEASON]), YCDL_STATUS_DOWNLOADING);
	f = wait_group_finished(&log, &from, "season", 5000);
	CHECK_INT(f->paused, SEASON);
	CHECK_INT(f->finished + f->failed + f->waiting + f->downloading, 0);
	CHECK(f->bytes_written_known > 0);
	CHECK_INT(f->bytes_expected, (uint64_t)SEASON * SLOW_SIZE);
	CHECK_OK(ycdl_group_get_info(&info, s, "season"));
	frozen = info->bytes_written_known;
	CHECK_INT(info->speed_bps, 0);
	ycdl_free(info);
	sleep_ms(300);
	CHECK_OK(ycdl_group_get_info(&info, s, "season"));
	CHECK_INT(info->bytes_written_known, frozen);
	ycdl_free(info);

	/* Calls the group's tasks take: priority and cellular, for all. */
	CHECK_OK(ycdl_group_set_priority(s, "season", 7));
	CHECK_OK(ycdl_group_set_allow_cellular(s, "season", 0));
	for (int i = 0; i < SEASON; i++) {
		CHECK_OK(ycdl_task_get_info(&ti, s, keys[i]));
		CHECK_INT(ti->priority, 7);
		CHECK_INT(ti->allow_cellular, 0);
		ycdl_task_info_free(ti);
	}
	CHECK_OK(ycdl_task_get_info(&ti, s, keys[SEASON]));
	CHECK_INT(ti->priority, 0);
	ycdl_task_info_free(ti);

	CHECK_OK(ycdl_group_start(s, "season"));
	f = wait_group_finished(&log, &from, "season", 30000);
	CHECK_INT(f->finished, SEASON);
	CHECK_INT(f->bytes_written_known, (uint64_t)SEASON * SLOW_SIZE);
	CHECK_INT(f->bytes_expected, (uint64_t)SEASON * SLOW_SIZE);
	for (int i = 0; i < SEASON; i++) {
		Ycdl__Event *e = log_wait(&log, 0, YCDL__EVENT__KIND_FINISHED, keys[i], 1000);

		CHECK_STR(e->finished->sha256_hex, shas[i]);
	}
	log_drain(&log);
	check_never_back(&log, "season");

	for (int i = 0; i <= SEASON; i++) {
		ycdl_free(keys[i]);
		free(urls[i]);
	}
	log_free(&log);
	ycdl_session_close(s);
	free(dir);
}

/* Names and calls that cannot work get a clear error, and change nothing. */
TEST(bad_group_names_and_unknown_groups_are_refused)
{
	char *dir = test_dir("groups-bad"), *url, *key, **names, long_name[260];
	ycdl_session_options o = test_session_options(dir);
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	static ycdl_group_info sentinel;
	ycdl_group_info *info = &sentinel;
	size_t count = 7;
	ycdl_session *s;

	s = open_session("groups-bad", &o);
	make_file("groups-bad.bin", 1000, NULL);
	url = test_url(env.nginx, "groups-bad.bin");
	memset(long_name, 'g', 201);
	long_name[201] = '\0';
	t.url = url;
	t.start_paused = 1;
	t.group = "bad\nname";
	CHECK_INT(ycdl_task_add(&key, s, &t), YCDL_E_INVALID);
	t.group = long_name;
	CHECK_INT(ycdl_task_add(&key, s, &t), YCDL_E_INVALID);
	t.group = NULL;
	CHECK_OK(ycdl_task_add(&key, s, &t));
	CHECK_INT(ycdl_task_set_group(s, key, long_name), YCDL_E_INVALID);
	CHECK_INT(ycdl_task_set_group(s, key, "tab\there"), YCDL_E_INVALID);
	CHECK_INT(ycdl_task_set_group(s, "no-such-key", "g"), YCDL_E_NOT_FOUND);
	CHECK_INT(ycdl_task_set_group(NULL, key, "g"), YCDL_E_INVALID);
	CHECK_INT(ycdl_task_set_group(s, NULL, "g"), YCDL_E_INVALID);

	CHECK_INT(ycdl_group_get_info(&info, s, "nobody"), YCDL_E_NOT_FOUND);
	CHECK(info == NULL);
	CHECK_INT(ycdl_group_get_info(NULL, s, "g"), YCDL_E_INVALID);
	CHECK_INT(ycdl_group_get_info(&info, s, NULL), YCDL_E_INVALID);
	CHECK_INT(ycdl_group_get_info(&info, s, ""), YCDL_E_INVALID);
	CHECK_INT(ycdl_group_pause(s, "nobody"), YCDL_E_NOT_FOUND);
	CHECK_INT(ycdl_group_start(s, NULL), YCDL_E_INVALID);
	CHECK_INT(ycdl_group_cancel(NULL, "g", 0), YCDL_E_INVALID);
	CHECK_INT(ycdl_group_remove(s, "nobody", YCDL_REMOVE_DELETE_FILE), YCDL_E_NOT_FOUND);
	CHECK_INT(ycdl_group_list_tasks(&names, &count, s, "nobody", YCDL_STATUS_ALL),
			YCDL_E_NOT_FOUND);
	CHECK_INT(ycdl_group_list_tasks(NULL, &count, s, "g", YCDL_STATUS_ALL),
			YCDL_E_INVALID);
	CHECK_INT(ycdl_group_list(&names, NULL, s), YCDL_E_INVALID);
	CHECK_OK(ycdl_group_list(&names, &count, s));
	CHECK_INT(count, 0);
	ycdl_keys_free(names, count);

	/* The task is untouched by all that. */
	CHECK_INT(task_status(s, key), YCDL_STATUS_PAUSED);
	ycdl_free(key);
	free(url);
	ycdl_session_close(s);
	free(dir);
}

/* A group given later, kept across a restart, taken away again; a group
 * goes when its last task leaves it, and remove takes all its tasks. */
TEST(a_group_set_later_survives_a_restart_and_goes_with_its_last_task)
{
	char *dir = test_dir("groups-later"), *urls[3], name[64], **names, *keys[3];
	ycdl_session_options o = test_session_options(dir);
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	ycdl_group_info *info;
	ycdl_task_info *ti;
	size_t count;
	ycdl_session *s;

	s = open_session("groups-later", &o);
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "later-%d.bin", i);
		make_file(name, 5000 + (uint64_t)i, NULL);
		urls[i] = test_url(env.nginx, name);
		t.url = urls[i];
		t.start_paused = 1;
		CHECK_OK(ycdl_task_add(&keys[i], s, &t));
	}
	CHECK_OK(ycdl_task_set_group(s, keys[0], "later"));
	CHECK_OK(ycdl_task_set_group(s, keys[1], "later"));
	CHECK_OK(ycdl_task_set_group(s, keys[2], "elsewhere"));
	CHECK_OK(ycdl_group_get_info(&info, s, "later"));
	CHECK_INT(info->tasks, 2);
	CHECK_INT(info->paused, 2);
	ycdl_free(info);
	ycdl_session_close(s);

	s = open_session("groups-later", &o);
	CHECK_OK(ycdl_task_get_info(&ti, s, keys[1]));
	CHECK_STR(ti->group, "later");
	ycdl_task_info_free(ti);
	CHECK_OK(ycdl_group_get_info(&info, s, "later"));
	CHECK_INT(info->tasks, 2);
	ycdl_free(info);
	CHECK_OK(ycdl_group_list(&names, &count, s));
	CHECK_INT(count, 2);
	ycdl_keys_free(names, count);

	/* Moved out of "elsewhere", which goes; moved into "later". */
	CHECK_OK(ycdl_task_set_group(s, keys[2], "later"));
	CHECK_INT(ycdl_group_get_info(&info, s, "elsewhere"), YCDL_E_NOT_FOUND);
	CHECK_OK(ycdl_group_get_info(&info, s, "later"));
	CHECK_INT(info->tasks, 3);
	ycdl_free(info);
	CHECK_OK(ycdl_task_set_group(s, keys[0], NULL));
	CHECK_OK(ycdl_task_get_info(&ti, s, keys[0]));
	CHECK_STR(ti->group, "");
	ycdl_task_info_free(ti);

	CHECK_OK(ycdl_group_remove(s, "later", YCDL_REMOVE_DELETE_FILE));
	CHECK_INT(ycdl_group_get_info(&info, s, "later"), YCDL_E_NOT_FOUND);
	CHECK_INT(ycdl_task_get_info(&ti, s, keys[1]), YCDL_E_NOT_FOUND);
	CHECK_INT(ycdl_task_get_info(&ti, s, keys[2]), YCDL_E_NOT_FOUND);
	CHECK_OK(ycdl_task_get_info(&ti, s, keys[0]));
	ycdl_task_info_free(ti);
	CHECK_OK(ycdl_group_list(&names, &count, s));
	CHECK_INT(count, 0);
	ycdl_keys_free(names, count);
	ycdl_session_close(s);

	/* And the removal was kept. */
	s = open_session("groups-later", &o);
	CHECK_INT(ycdl_group_get_info(&info, s, "later"), YCDL_E_NOT_FOUND);
	ycdl_session_close(s);
	for (int i = 0; i < 3; i++) {
		ycdl_free(keys[i]);
		free(urls[i]);
	}
	free(dir);
}

#define COURSE 3
#define COURSE_SIZE (2 * 1024 * 1024)

/* The child: adds the course's files and downloads until killed. */
static int child_main(const char *dir, const char *id, const char *fault)
{
	ycdl_session_options o = test_session_options(dir);
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	ycdl_session *s;

	o.checkpoint_bytes = 256 * 1024;
	o.max_concurrent = COURSE;
	if (ycdl_session_open(&s, id, &o) != 0)
		return 3;
	t.group = "course";
	for (int i = 0; i < COURSE; i++) {
		char url[512];

		snprintf(url, sizeof(url), "%s/course-%d.bin?rate=1000000", fault, i);
		t.url = url;
		if (ycdl_task_add(NULL, s, &t) != 0)
			return 4;
	}
	for (;;)
		pause();
}

static int64_t part_bytes(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int64_t sum = 0;

	while (d && (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char path[2048];

		if (len < 5 || strcmp(de->d_name + len - 5, ".part") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		sum += file_size(path);
	}
	if (d)
		closedir(d);
	return sum;
}

/* After kill -9 and a restart, the group's bytes are the sum of its tasks'
 * (as each resumes from its own snapshot), and it finishes byte-identical. */
TEST(group_bytes_after_kill_9_and_restart_match_the_sum_of_the_tasks)
{
	char *dir = test_dir("groups-course"), shas[COURSE][65], name[64];
	ycdl_session_options o = test_session_options(dir);
	ycdl_task_info **infos;
	ycdl_group_info *info;
	uint64_t sum = 0;
	size_t count, from = 0, in_group = 0;
	Ycdl__GroupFigures *f;
	struct event_log log;
	ycdl_session *s;
	pid_t child;

	for (int i = 0; i < COURSE; i++) {
		snprintf(name, sizeof(name), "course-%d.bin", i);
		make_file(name, COURSE_SIZE, shas[i]);
	}
	child = fork();
	if (child == 0) {
		execl(self_path, "test_groups", "--child", dir, "groups-course", env.fault,
				(char *)NULL);
		_exit(127);
	}
	CHECK(child > 0);
	for (int i = 0; i < 1500 && part_bytes(dir) < COURSE_SIZE; i++)
		sleep_ms(10);
	CHECK(part_bytes(dir) >= COURSE_SIZE);
	CHECK(kill(child, SIGKILL) == 0);
	CHECK(waitpid(child, NULL, 0) == child);

	o.max_concurrent = COURSE;
	s = open_session("groups-course", &o);
	log_init(&log, s);
	log_wait(&log, 0, test_attached() ? YCDL__EVENT__KIND_ATTACHED :
			YCDL__EVENT__KIND_SESSION_RESTORED, NULL, 5000);
	CHECK_OK(ycdl_session_list_info(&infos, &count, s, YCDL_STATUS_ALL));
	for (size_t i = 0; i < count; i++)
		if (strcmp(infos[i]->group, "course") == 0) {
			sum += infos[i]->bytes_written;
			in_group++;
		}
	ycdl_task_info_list_free(infos, count);
	CHECK_INT(in_group, COURSE);
	CHECK(sum > 0);
	CHECK_OK(ycdl_group_get_info(&info, s, "course"));
	CHECK_INT(info->tasks, COURSE);
	CHECK_INT(info->bytes_written_known + info->bytes_written_unknown, sum);
	CHECK_INT(info->bytes_expected, (uint64_t)COURSE * COURSE_SIZE);
	printf("     killed at %llu of %d bytes in the group\n",
			(unsigned long long)sum, COURSE * COURSE_SIZE);
	ycdl_free(info);

	CHECK_OK(ycdl_group_start(s, "course"));
	f = wait_group_finished(&log, &from, "course", 60000);
	CHECK_INT(f->finished, COURSE);
	CHECK_INT(f->bytes_written_known, (uint64_t)COURSE * COURSE_SIZE);
	CHECK_INT(f->bytes_expected, (uint64_t)COURSE * COURSE_SIZE);
	CHECK_OK(ycdl_session_list_info(&infos, &count, s, YCDL_STATUS_ALL));
	CHECK_INT(count, COURSE);
	for (size_t i = 0; i < count; i++) {
		bool matched = false;

		for (int j = 0; j < COURSE; j++)
			matched |= strcmp(infos[i]->sha256_hex, shas[j]) == 0;
		CHECK(matched);
	}
	ycdl_task_info_list_free(infos, count);
	log_free(&log);
	ycdl_session_close(s);
	free(dir);
}

#define LATE 5

/* Lengths that become known only at the end (chunked) or at each task's
 * first answer: the bytes written and the bytes expected never go back. */
TEST(a_group_whose_lengths_become_known_late_never_goes_back)
{
	char *dir = test_dir("groups-late"), *urls[LATE], name[64], path[160];
	ycdl_session_options o = test_session_options(dir);
	ycdl_task_options opts[LATE];
	const ycdl_task_options *items[LATE];
	uint64_t total = 0;
	size_t from = 0, progress;
	Ycdl__GroupFigures *f;
	struct event_log log;
	ycdl_session *s;
	char **keys;

	o.max_concurrent = 2;
	o.progress_interval_ms = 20;
	s = open_session("groups-late", &o);
	log_init(&log, s);
	for (int i = 0; i < LATE; i++) {
		uint64_t size = 300000 + (uint64_t)i * 1000;

		snprintf(name, sizeof(name), "late-%d.bin", i);
		make_file(name, size, NULL);
		snprintf(path, sizeof(path), "%s?rate=1500000%s", name,
				i % 2 ? "" : "&chunked=1");
		urls[i] = test_url(env.fault, path);
		opts[i] = (ycdl_task_options)YCDL_TASK_OPTIONS_INIT;
		opts[i].url = urls[i];
		opts[i].group = "late";
		items[i] = &opts[i];
		total += size;
	}
	CHECK_OK(ycdl_task_add_many(&keys, NULL, s, items, LATE));
	f = wait_group_finished(&log, &from, "late", 30000);
	CHECK_INT(f->finished, LATE);
	CHECK_INT(f->bytes_written_known + f->bytes_written_unknown, total);
	log_drain(&log);
	progress = check_never_back(&log, "late");
	printf("     %zu group progress events, none going back\n", progress);
	CHECK(progress >= LATE);
	ycdl_keys_free(keys, LATE);
	for (int i = 0; i < LATE; i++)
		free(urls[i]);
	log_free(&log);
	ycdl_session_close(s);
	free(dir);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(fifty_tasks_with_mixed_outcomes_give_exact_counts_and_bytes),
		TEST_ENTRY(a_group_pauses_and_resumes_as_one),
		TEST_ENTRY(bad_group_names_and_unknown_groups_are_refused),
		TEST_ENTRY(a_group_set_later_survives_a_restart_and_goes_with_its_last_task),
		TEST_ENTRY(group_bytes_after_kill_9_and_restart_match_the_sum_of_the_tasks),
		TEST_ENTRY(a_group_whose_lengths_become_known_late_never_goes_back),
	};

	if (argc == 5 && strcmp(argv[1], "--child") == 0)
		return child_main(argv[2], argv[3], argv[4]);
	if (!realpath(argv[0], self_path))
		return 2;
	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
