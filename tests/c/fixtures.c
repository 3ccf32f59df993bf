/* fixtures.c — see fixtures.h. */
#define _GNU_SOURCE
#include "fixtures.h"

#include "harness.h"

#include <errno.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ------------------------------------------------------------ servers.env */

const char *server_setting(const char *name)
{
	static char lines[64][1200];
	static size_t count;
	size_t len = strlen(name);

	if (count == 0) {
		const char *path = getenv("YCDL_TEST_SERVERS");
		FILE *f = path ? fopen(path, "r") : NULL;

		while (f && count < 64 && fgets(lines[count], sizeof(lines[count]), f)) {
			lines[count][strcspn(lines[count], "\r\n")] = '\0';
			count++;
		}
		if (f)
			fclose(f);
	}
	for (size_t i = 0; i < count; i++)
		if (strncmp(lines[i], name, len) == 0 && lines[i][len] == '=')
			return lines[i] + len + 1;
	test_fail(__FILE__, __LINE__, "servers.env has no %s (restart the test "
			"servers: tests/servers/testservers.py start)", name);
}

/* ------------------------------------------------------------ the worker */

static size_t count_of(const char *const *list)
{
	size_t n = 0;

	while (list[n])
		n++;
	return n;
}

/* $name, else the file in the build's tests/ folder ($YCDL_TEST_BIN): the
 * valgrind runner sets only the latter. */
static const char *built_file(const char *name, const char *file)
{
	static char paths[2][4096];
	static int next;
	const char *value = getenv(name), *bin = getenv("YCDL_TEST_BIN");
	char *path;

	if (value)
		return value;
	if (!bin)
		test_fail(__FILE__, __LINE__, "neither %s nor YCDL_TEST_BIN is set", name);
	path = paths[next++ % 2];
	snprintf(path, sizeof(paths[0]), "%s/tests/%s", bin, file);
	return path;
}

static bool is_replaced(const char *entry)
{
	return strncmp(entry, "LD_PRELOAD=", 11) == 0 ||
		strncmp(entry, "ASAN_OPTIONS=", 13) == 0 ||
		strncmp(entry, "YCDL_FAULT_", 11) == 0;
}

/* The worker's environment: ours without preloads and fault settings, then
 * the shim and the run's fault settings when it has any. */
static char **child_environment(const struct worker_run *run)
{
	static char preload[4200];
	size_t n = 0, faults = count_of(run->faults);
	char **envp = calloc(count_of((const char *const *)environ) + faults + 3,
			sizeof(char *));
	const char *shim = built_file("YCDL_FAULT_SHIM", "libycdl_faultshim.so");

	for (char **e = environ; *e; e++)
		if (!is_replaced(*e))
			envp[n++] = *e;
	if (faults == 0)
		return envp;
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", shim);
	envp[n++] = preload;
	/* A sanitized worker would refuse a library loaded before its runtime. */
	envp[n++] = "ASAN_OPTIONS=verify_asan_link_order=0";
	for (size_t i = 0; i < faults; i++)
		envp[n++] = (char *)run->faults[i];
	return envp;
}

static char **child_arguments(const struct worker_run *run, const char *program)
{
	size_t n = 0;
	char **argv = calloc(10 + count_of(run->options) + count_of(run->urls),
			sizeof(char *));
	const char *fixed[] = { program, "--state-dir", run->state_dir, "--session",
		run->session, "--dir", run->dir, "--log", run->log };

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		argv[n++] = (char *)fixed[i];
	for (size_t i = 0; run->options[i]; i++)
		argv[n++] = (char *)run->options[i];
	for (size_t i = 0; run->urls[i]; i++)
		argv[n++] = (char *)run->urls[i];
	return argv;
}

pid_t worker_start(const struct worker_run *run)
{
	const char *program = built_file("YCDL_TEST_WORKER", "torture_worker");
	char **argv, **envp;
	pid_t pid;

	argv = child_arguments(run, program);
	envp = child_environment(run);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		execve(program, argv, envp);
		_exit(127);
	}
	free(argv);
	free(envp);
	if (pid < 0)
		test_fail(__FILE__, __LINE__, "fork: %s", strerror(errno));
	return pid;
}

int worker_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			test_fail(__FILE__, __LINE__, "waitpid: %s", strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int worker_run(const struct worker_run *run)
{
	return worker_wait(worker_start(run));
}

void worker_kill(pid_t pid)
{
	kill(pid, SIGKILL);
	worker_wait(pid);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

void wait_for_size(const char *path, int64_t bytes, pid_t pid)
{
	/* Generous: a loaded CI machine may be slow, never this slow. */
	for (int i = 0; i < 12000; i++) {
		int status;

		if (file_size(path) >= bytes)
			return;
		if (waitpid(pid, &status, WNOHANG) == pid)
			test_fail(__FILE__, __LINE__, "the worker ended (status 0x%x) before "
					"%s held %lld bytes", status, path, (long long)bytes);
		sleep_ms(10);
	}
	test_fail(__FILE__, __LINE__, "%s never held %lld bytes", path, (long long)bytes);
}

/* ------------------------------------------------------------ its log */

char *worker_line(const char *log, const char *prefix)
{
	FILE *f = fopen(log, "r");
	char line[4200], *found = NULL;

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, prefix, strlen(prefix)) == 0) {
			line[strcspn(line, "\n")] = '\0';
			free(found);
			found = strdup(line);
		}
	if (f)
		fclose(f);
	return found;
}

size_t worker_lines(const char *log, const char *prefix)
{
	FILE *f = fopen(log, "r");
	char line[4200];
	size_t n = 0;

	while (f && fgets(line, sizeof(line), f))
		n += strncmp(line, prefix, strlen(prefix)) == 0;
	if (f)
		fclose(f);
	return n;
}

char *expect_worker_line(const char *log, const char *prefix)
{
	char *line = worker_line(log, prefix);
	char text[4200];
	FILE *f;

	if (line)
		return line;
	fprintf(stderr, "---- %s\n", log);
	if ((f = fopen(log, "r"))) {
		while (fgets(text, sizeof(text), f))
			fputs(text, stderr);
		fclose(f);
	}
	test_fail(__FILE__, __LINE__, "the worker log has no line \"%s...\"", prefix);
}

char *worker_log_path(const char *dir, const char *name)
{
	char *path;

	if (asprintf(&path, "%s/%s.log", dir, name) < 0)
		abort();
	unlink(path);
	return path;
}

const char *key_of_url(const char *url)
{
	static char hex[33];
	unsigned char md[16];
	unsigned int len = 0;

	EVP_Digest(url, strlen(url), md, &len, EVP_md5(), NULL);
	for (unsigned int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return hex;
}

/* ------------------------------------------------------------ recovery */

static void note_restored_task(ycdl_session *s, const char *key, struct recovery *out)
{
	ycdl_task_info *info;

	CHECK_OK(ycdl_task_get_info(&info, s, key));
	out->status = info->status;
	out->error_code = info->error_code;
	out->bytes = info->bytes_written;
	ycdl_task_info_free(info);
}

/* The finished file holds sha and nothing is left half-placed. */
static void check_placed(ycdl_session *s, const char *key, const char *sha)
{
	ycdl_task_info *info;
	char actual[65], part[4200];

	CHECK_OK(ycdl_task_get_info(&info, s, key));
	CHECK_INT(info->status, YCDL_STATUS_FINISHED);
	sha256_file(info->dest_path, actual);
	CHECK_STR(actual, sha);
	snprintf(part, sizeof(part), "%s.part", info->dest_path);
	CHECK(!file_exists(part));
	ycdl_task_info_free(info);
}


void recover_and_finish(const char *state_dir, const char *session,
		const char *key, unsigned int tasks, const char *sha,
		struct recovery *out)
{
	ycdl_session_options o = test_session_options(state_dir);
	struct event_log log;
	ycdl_session *s;
	Ycdl__Event *e;

	memset(out, 0, sizeof(*out));
	s = open_session(session, &o);
	log_init(&log, s);
	e = log_wait(&log, 0, YCDL__EVENT__KIND_SESSION_RESTORED, NULL, 10000);
	CHECK_INT(e->session_restored->tasks_quarantined, 0);
	CHECK_INT(e->session_restored->tasks_found, tasks);
	note_restored_task(s, key, out);
	if (out->status != YCDL_STATUS_FINISHED) {
		CHECK_OK(ycdl_task_resume(s, key));
		e = log_wait_end(&log, 0, key, 60000);
		if (e->kind_case == YCDL__EVENT__KIND_FAILED)
			test_fail(__FILE__, __LINE__, "the resume failed: %d %s",
					e->failed->error_code, e->failed->message);
		CHECK_STR(e->finished->sha256_hex, sha);
	}
	if ((e = log_find(&log, YCDL__EVENT__KIND_RESUMED, key))) {
		out->resumed = true;
		out->resumed_offset = e->resumed->offset;
	}
	out->restarted = log_find(&log, YCDL__EVENT__KIND_RESTARTED, key) != NULL;
	check_placed(s, key, sha);
	log_free(&log);
	ycdl_session_close(s);
}

/* ------------------------------------------------------------ in this process */

void wait_progress(struct event_log *log, const char *key, uint64_t bytes,
		int timeout_ms)
{
	for (size_t from = 0;;) {
		Ycdl__Event *e = log_wait(log, from, YCDL__EVENT__KIND_PROGRESS, key,
				timeout_ms);

		if (e->progress->bytes_written >= bytes)
			return;
		while (log->events[from] != e)
			from++;
		from++;
	}
}

uint64_t pause_at(struct event_log *log, const char *key, uint64_t bytes)
{
	ycdl_task_info *info;
	uint64_t held;

	wait_progress(log, key, bytes, 30000);
	CHECK_OK(ycdl_task_pause(log->session, key));
	CHECK_OK(ycdl_task_get_info(&info, log->session, key));
	CHECK_INT(info->status, YCDL_STATUS_PAUSED);
	held = info->bytes_written;
	ycdl_task_info_free(info);
	return held;
}

size_t fault_ranges(const char *id, struct body_range *out, size_t max)
{
	char url[512], *body, *p;
	size_t n = 0;

	snprintf(url, sizeof(url), "%s/_ranges?id=%s", env.fault, id);
	if (!(body = http_get(url)))
		test_fail(__FILE__, __LINE__, "cannot read %s", url);
	for (p = body; *p && n < max; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
		unsigned long long first, sent;
		int done;

		if (sscanf(p, "%llu %llu %d", &first, &sent, &done) != 3)
			break;
		out[n].first = first;
		out[n].sent = sent;
		out[n].done = done != 0;
		n++;
	}
	free(body);
	return n;
}

void changed_sha256(const char *name, long resize, char out[65])
{
	char path[2048], *changed;
	FILE *f;
	long size;

	snprintf(path, sizeof(path), "%s/%s", env.www, name);
	CHECK((f = fopen(path, "rb")) != NULL);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	changed = calloc(1, (size_t)(size + (resize > 0 ? resize : 0)));
	CHECK(fread(changed, 1, (size_t)size, f) == (size_t)size);
	fclose(f);
	for (long i = 0; i < size + resize; i++)
		changed[i] ^= 0x5A;
	snprintf(path, sizeof(path), "%s/%s.changed", env.tmp, name);
	CHECK((f = fopen(path, "wb")) != NULL);
	CHECK(fwrite(changed, 1, (size_t)(size + resize), f) == (size_t)(size + resize));
	fclose(f);
	sha256_file(path, out);
	free(changed);
}

/* The serial numbers nginx logged (conn=N) for requests whose line holds
 * tag; returns how many distinct ones. */
size_t nginx_connections_used(const char *tag)
{
	FILE *f = fopen(env.access_log, "r");
	long serials[4096];
	size_t n = 0, lines = 0;
	char line[4096];

	CHECK(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		const char *c = strstr(line, " conn=");
		long serial;
		size_t i;

		if (!strstr(line, tag) || !c)
			continue;
		lines++;
		serial = strtol(c + 6, NULL, 10);
		for (i = 0; i < n && serials[i] != serial; i++)
			;
		if (i == n && n < sizeof(serials) / sizeof(serials[0]))
			serials[n++] = serial;
	}
	fclose(f);
	CHECK(lines > 0);
	return n;
}
