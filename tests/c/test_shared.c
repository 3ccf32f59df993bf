/* test_shared.c — a session owned by one process and attached to by others
 * (ycdl.h "open_mode"): every call of the C API works through an attached
 * handle, its events come from the owner (an attached event first), closing
 * it leaves the owner's downloads alone; when the owner is killed -9, one
 * attached handle takes over and every file still ends byte-identical; and
 * hostile clients on the socket (garbage, oversized frames, a request
 * before the hello, a reader that never reads, a thousand connections)
 * cannot hurt the owner. Other processes are this program again
 * (--child MODE ...). */
#define _GNU_SOURCE
#include "harness.h"
#include "fixtures.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* This program's own path, for its child processes. */
static char self_path[4096];

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static ycdl_session *open_as(const char *id, const char *dir, int mode, int takeover)
{
	ycdl_session_options o = test_session_options(dir);

	o.open_mode = mode;
	o.takeover = takeover;
	return open_session(id, &o);
}

static char *add_paused(ycdl_session *s, const char *url)
{
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	char *key;

	t.url = url;
	t.start_paused = 1;
	CHECK_OK(ycdl_task_add(&key, s, &t));
	return key;
}

/* The first event an attached handle gets: every task as it is. */
static Ycdl__Event *first_event(struct event_log *log)
{
	log_wait(log, 0, YCDL__EVENT__KIND_ATTACHED, NULL, 10000);
	return log->events[0];
}

/* ------------------------------------------------------ one process */

TEST(attached_handle_in_this_process_does_every_call_through_the_owner)
{
	char *dir = test_dir("shared-calls"), sha[65], *url, *key, *found;
	ycdl_session *owner = open_as("shared-calls", dir, YCDL_OPEN_OWN, 1);
	ycdl_session *client;
	struct event_log olog, clog;
	ycdl_task_info *info, **infos;
	ycdl_session_info *sinfo;
	char **keys;
	size_t n;
	Ycdl__Event *e;

	make_file("shared-calls.bin", 600000, sha);
	url = test_url(env.fault, "shared-calls.bin?rate=1000000");
	log_init(&olog, owner);
	key = add_paused(owner, "http://127.0.0.1:9/before-attach.bin");
	ycdl_free(key);
	client = open_as("shared-calls", dir, YCDL_OPEN_ATTACH, 1);
	log_init(&clog, client);
	CHECK_INT(ycdl_session_role(owner), YCDL_ROLE_OWNER);
	CHECK_INT(ycdl_session_role(client), YCDL_ROLE_CLIENT);
	e = first_event(&clog);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_ATTACHED);
	CHECK_INT(e->attached->n_tasks, 1);
	CHECK_STR(e->attached->tasks[0]->url, "http://127.0.0.1:9/before-attach.bin");
	CHECK_INT(e->attached->owner_pid, getpid());

	/* Add through the client: the owner downloads, both see it. */
	key = add_url(client, url, NULL);
	log_wait(&olog, 0, YCDL__EVENT__KIND_TASK_ADDED, key, 10000);
	wait_progress(&clog, key, 100000, 10000);
	CHECK_OK(ycdl_task_pause(client, key));
	log_wait_status(&olog, key, YCDL_STATUS_PAUSED, 10000);
	CHECK_OK(ycdl_task_get_info(&info, client, key));
	CHECK_INT(info->status, YCDL_STATUS_PAUSED);
	CHECK_STR(info->url, url);
	CHECK(info->bytes_written >= 100000);
	ycdl_task_info_free(info);
	CHECK_OK(ycdl_task_find_by_url(&found, client, url));
	CHECK_STR(found, key);
	ycdl_free(found);
	CHECK_OK(ycdl_session_list(&keys, &n, client, YCDL_STATUS_ALL));
	CHECK_INT(n, 2);
	ycdl_keys_free(keys, n);
	CHECK_OK(ycdl_session_list_info(&infos, &n, client,
			YCDL_STATUS_BIT(YCDL_STATUS_PAUSED)));
	CHECK_INT(n, 2);
	ycdl_task_info_list_free(infos, n);
	CHECK_OK(ycdl_session_get_info(&sinfo, client));
	CHECK_INT(sinfo->role, YCDL_ROLE_CLIENT);
	CHECK_INT(sinfo->owner_pid, getpid());
	CHECK_INT(sinfo->clients, 1);
	CHECK_INT(sinfo->tasks, 2);
	ycdl_free(sinfo);
	/* Errors come back with the owner's code and message. */
	CHECK_INT(ycdl_task_pause(client, "no-such-task"), YCDL_E_NOT_FOUND);
	CHECK(strstr(ycdl_last_error_message(), "no-such-task") != NULL);
	CHECK_INT(ycdl_session_set_max_concurrent(client, 0), YCDL_E_INVALID);
	CHECK_OK(ycdl_session_set_max_concurrent(client, 2));
	CHECK_OK(ycdl_session_set_max_recv_speed(client, 0));
	CHECK_OK(ycdl_task_set_priority(client, key, 5));
	CHECK_OK(ycdl_task_resume(client, key));
	e = log_wait_end(&clog, 0, key, 30000);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	CHECK_STR(log_wait_end(&olog, 0, key, 10000)->finished->sha256_hex, sha);
	CHECK_OK(ycdl_task_remove(client, key, YCDL_REMOVE_DELETE_FILE));
	log_wait(&olog, 0, YCDL__EVENT__KIND_REMOVED, key, 10000);
	ycdl_free(key);
	free(url);
	log_free(&clog);
	CHECK_OK(ycdl_session_close(client));
	log_free(&olog);
	ycdl_session_close(owner);
	free(dir);
}

TEST(closing_an_attached_handle_leaves_the_owner_downloading)
{
	char *dir = test_dir("shared-detach"), sha[65], *url, *key;
	ycdl_session *owner = open_as("shared-detach", dir, YCDL_OPEN_OWN, 1);
	ycdl_session *client = open_as("shared-detach", dir, YCDL_OPEN_OWN_OR_ATTACH, 1);
	struct event_log olog;
	Ycdl__Event *e;

	make_file("shared-detach.bin", 800000, sha);
	url = test_url(env.fault, "shared-detach.bin?rate=1000000");
	log_init(&olog, owner);
	CHECK_INT(ycdl_session_role(client), YCDL_ROLE_CLIENT);
	key = add_url(client, url, NULL);
	wait_progress(&olog, key, 100000, 10000);
	CHECK_OK(ycdl_session_close(client));
	e = log_wait_end(&olog, 0, key, 30000);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	ycdl_free(key);
	free(url);
	log_free(&olog);
	ycdl_session_close(owner);
	free(dir);
}

TEST(open_modes_say_what_they_do_when_the_session_is_held_or_free)
{
	char *dir = test_dir("shared-modes");
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *owner, *s = NULL;

	o.open_mode = YCDL_OPEN_ATTACH;
	CHECK_INT(ycdl_session_open(&s, "shared-modes", &o), YCDL_E_NOT_FOUND);
	CHECK(s == NULL);
	owner = open_as("shared-modes", dir, YCDL_OPEN_OWN_OR_ATTACH, 1);
	CHECK_INT(ycdl_session_role(owner), YCDL_ROLE_OWNER);
	o.open_mode = YCDL_OPEN_OWN;
	CHECK_INT(ycdl_session_open(&s, "shared-modes", &o), YCDL_E_LOCKED);
	/* A caller of options version 3 knew nothing of attaching. */
	o.version = 3;
	o.open_mode = YCDL_OPEN_ATTACH;
	CHECK_INT(ycdl_session_open(&s, "shared-modes", &o), YCDL_E_LOCKED);
	o.version = YCDL_SESSION_OPTIONS_VERSION;
	o.open_mode = 7;
	CHECK_INT(ycdl_session_open(&s, "shared-modes", &o), YCDL_E_INVALID);
	ycdl_session_close(owner);
	free(dir);
}

TEST(a_state_path_longer_than_a_socket_address_is_served)
{
	char *base = test_dir("shared-long"), *dir, *key;
	ycdl_session *owner, *client;
	ycdl_task_info *info;

	if (asprintf(&dir, "%s/%0150d/and/deeper", base, 7) < 0)
		abort();
	owner = open_as("shared-long", dir, YCDL_OPEN_OWN, 1);
	client = open_as("shared-long", dir, YCDL_OPEN_ATTACH, 1);
	CHECK_INT(ycdl_session_role(client), YCDL_ROLE_CLIENT);
	key = add_paused(client, "http://127.0.0.1:9/long.bin");
	CHECK_OK(ycdl_task_get_info(&info, owner, key));
	CHECK_INT(info->status, YCDL_STATUS_PAUSED);
	ycdl_task_info_free(info);
	ycdl_free(key);
	ycdl_session_close(client);
	ycdl_session_close(owner);
	free(dir);
	free(base);
}

/* ------------------------------------------------------ other processes */


static pid_t spawn(const char *mode, const char *dir, const char *id,
		const char *arg, const char *out)
{
	pid_t pid = fork();

	if (pid == 0) {
		execl(self_path, self_path, "--child", mode, dir, id, arg, out,
				(char *)NULL);
		_exit(127);
	}
	CHECK(pid > 0);
	return pid;
}

static int reap(pid_t pid)
{
	int status;

	CHECK(waitpid(pid, &status, 0) == pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Child: attaches, adds count files (prefix-N.bin), waits for every
 * finished event; exits 0 when all came, each once. */
static int child_add_many(const char *dir, const char *id, const char *prefix,
		long count)
{
	ycdl_session_options o = test_session_options(dir);
	ycdl_task_options *opts = calloc((size_t)count, sizeof(*opts));
	const ycdl_task_options **items = calloc((size_t)count, sizeof(*items));
	char **urls = calloc((size_t)count, sizeof(*urls));
	char **keys;
	struct event_log log;
	ycdl_session *s;
	long finished = 0;

	o.open_mode = YCDL_OPEN_ATTACH;
	if (ycdl_session_open(&s, id, &o) != 0 || ycdl_session_role(s) != YCDL_ROLE_CLIENT)
		return 3;
	log_init(&log, s);
	for (long i = 0; i < count; i++) {
		if (asprintf(&urls[i], "%s-%ld.bin", prefix, i) < 0)
			return 4;
		ycdl_task_options_init(&opts[i], YCDL_TASK_OPTIONS_VERSION);
		opts[i].url = urls[i];
		items[i] = &opts[i];
	}
	if (ycdl_task_add_many(&keys, NULL, s, items, (size_t)count) != 0)
		return 5;
	for (int waited = 0; finished < count && waited < 60000; waited += 50) {
		log_drain(&log);
		finished = (long)log_count(&log, YCDL__EVENT__KIND_FINISHED, NULL);
		sleep_ms(50);
	}
	for (long i = 0; i < count; i++)
		if (log_count(&log, YCDL__EVENT__KIND_FINISHED, keys[i]) != 1)
			return 6;
	ycdl_keys_free(keys, (size_t)count);
	log_free(&log);
	ycdl_session_close(s);
	for (long i = 0; i < count; i++)
		free(urls[i]);
	free(urls);
	free(items);
	free(opts);
	return finished == count ? 0 : 7;
}

TEST(client_process_adds_a_thousand_tasks_and_gets_every_event)
{
	enum { COUNT = 1000 };
	char *dir = test_dir("shared-many"), prefix[1024], name[64];
	ycdl_session *owner;
	ycdl_session_options o = test_session_options(dir);
	char **keys;
	size_t n;

	for (int i = 0; i < COUNT; i++) {
		snprintf(name, sizeof(name), "shared-many-%d.bin", i);
		make_file(name, 2000, NULL);
	}
	o.open_mode = YCDL_OPEN_OWN;
	o.max_concurrent = 8;
	owner = open_session("shared-many", &o);
	snprintf(prefix, sizeof(prefix), "%s/shared-many", env.nginx);
	CHECK_INT(reap(spawn("add-many", dir, "shared-many", prefix, "1000")), 0);
	CHECK_OK(ycdl_session_list(&keys, &n, owner, YCDL_STATUS_BIT(YCDL_STATUS_FINISHED)));
	CHECK_INT(n, COUNT);
	ycdl_keys_free(keys, n);
	ycdl_session_close(owner);
	free(dir);
}

/* Child: owns the session, downloads the URLs given (comma-separated)
 * and waits to be killed. */
static int child_own(const char *dir, const char *id, const char *urls)
{
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s;
	char *list = strdup(urls), *save = NULL;

	o.open_mode = YCDL_OPEN_OWN;
	o.checkpoint_bytes = 128 * 1024;
	if (ycdl_session_open(&s, id, &o) != 0)
		return 3;
	for (char *u = strtok_r(list, ",", &save); u; u = strtok_r(NULL, ",", &save)) {
		ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;

		t.url = u;
		if (ycdl_task_add(NULL, s, &t) != 0)
			return 4;
	}
	for (;;)
		pause();
}

/* Adds count paused tasks (never started: no server needed). */
static int add_paused_many(ycdl_session *s, long count)
{
	ycdl_task_options *opts = calloc((size_t)count, sizeof(*opts));
	const ycdl_task_options **items = calloc((size_t)count, sizeof(*items));
	char **urls = calloc((size_t)count, sizeof(*urls));
	int rc;

	for (long i = 0; i < count; i++) {
		CHECK(asprintf(&urls[i], "http://127.0.0.1:1/paused-%ld.bin", i) > 0);
		ycdl_task_options_init(&opts[i], YCDL_TASK_OPTIONS_VERSION);
		opts[i].url = urls[i];
		opts[i].start_paused = 1;
		items[i] = &opts[i];
	}
	rc = ycdl_task_add_many(NULL, NULL, s, items, (size_t)count);
	for (long i = 0; i < count; i++)
		free(urls[i]);
	free(urls);
	free(items);
	free(opts);
	return rc;
}

/* Child: owns the session and closes it the moment a stop is requested
 * (the event callback wakes the main thread through a pipe). */
static int stop_pipe[2];

static void on_stop_event(const void *event, size_t len, void *payload)
{
	Ycdl__Event *e = ycdl__event__unpack(NULL, len, event);

	(void)payload;
	if (e && e->kind_case == YCDL__EVENT__KIND_STOP_REQUESTED)
		CHECK(write(stop_pipe[1], "x", 1) == 1);
	ycdl__event__free_unpacked(e, NULL);
}

static int child_own_until_stop(const char *dir, const char *id, const char *tasks,
		const char *ready)
{
	ycdl_session_options o = test_session_options(dir);
	long count = strcmp(tasks, "-") == 0 ? 0 : atol(tasks);
	ycdl_session *s;
	char c;

	CHECK(pipe(stop_pipe) == 0);
	o.open_mode = YCDL_OPEN_OWN;
	o.event_cb = on_stop_event;
	if (ycdl_session_open(&s, id, &o) != 0)
		return 3;
	if (count > 0 && add_paused_many(s, count) != 0)
		return 5;
	if (strcmp(ready, "-") != 0)
		fclose(fopen(ready, "w"));
	if (read(stop_pipe[0], &c, 1) != 1)
		return 4;
	ycdl_session_close(s);
	return 0;
}

/* Opens an attached handle, waiting for the owner to serve. */
static ycdl_session *attach_when_served(const char *dir, const char *id, int events)
{
	ycdl_session *client = NULL;
	int rc = YCDL_E_NOT_FOUND;

	for (int waited = 0; rc == YCDL_E_NOT_FOUND && waited < 20000; waited += 10) {
		ycdl_session_options o = test_session_options(dir);

		o.open_mode = YCDL_OPEN_ATTACH;
		o.takeover = 0;
		o.receive_events = events;
		if ((rc = ycdl_session_open(&client, id, &o)) != 0)
			sleep_ms(10);
	}
	CHECK_OK(rc);
	return client;
}

/* One owner (with tasks paused tasks) asked to stop by a client that
 * takes events or not: the stop's answer arrives, then the goodbye. */
static void stop_round(const char *dir, const char *id, const char *tasks, int events)
{
	char ready[1100];
	pid_t pid;
	ycdl_session *client;
	char **keys;
	size_t n;

	/* Attached once the owner holds its tasks, and the stop sent at once:
	 * its answer is queued behind the whole snapshot. */
	snprintf(ready, sizeof(ready), "%s/%s.ready", dir, id);
	unlink(ready);
	pid = spawn("own-until-stop", dir, id, tasks, ready);
	for (int waited = 0; access(ready, F_OK) != 0 && waited < 20000; waited += 10)
		sleep_ms(10);
	client = attach_when_served(dir, id, events);
	CHECK_OK(ycdl_session_request_stop(client));
	CHECK_INT(reap(pid), 0);
	/* The owner's goodbye came through: calls say why it went. */
	CHECK_INT(ycdl_session_list(&keys, &n, client, 0), YCDL_E_CLOSED);
	CHECK(strstr(ycdl_last_error_message(), "the owner closed the session"));
	ycdl_session_close(client);
}

/* The owner answers "stop" and closes at once: the answer and the end of
 * the connection arrive together, and the call must still see the answer,
 * not "the owner went away". */
TEST(a_stop_answered_just_before_the_owner_goes_succeeds)
{
	char *dir = test_dir("shared-stop");

	for (int round = 0; round < 20; round++)
		stop_round(dir, "shared-stop", "-", 1);
	free(dir);
}

/* The same with the answer queued behind an attached snapshot of 20,000
 * tasks (megabytes the client has not read yet when the owner closes):
 * the closing owner writes it all out first. */
TEST(a_stop_answered_behind_a_big_snapshot_succeeds)
{
	char *dir = test_dir("shared-stop-big");

	for (int round = 0; round < 3; round++)
		stop_round(dir, "shared-stop-big", "20000", 1);
	free(dir);
}

/* receive_events 0: no snapshot, no events; the calls work. */
TEST(a_handle_without_events_gets_none)
{
	char *dir = test_dir("shared-quiet"), *url;
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *owner, *quiet;
	ycdl_session_info *info;
	void *data;
	size_t len;
	char *key;

	o.open_mode = YCDL_OPEN_OWN;
	owner = open_session("shared-quiet", &o);
	CHECK_OK(add_paused_many(owner, 1000));
	quiet = attach_when_served(dir, "shared-quiet", 0);
	make_file("shared-quiet.bin", 50000, NULL);
	url = test_url(env.nginx, "shared-quiet.bin");
	key = add_url(quiet, url, NULL);
	CHECK_OK(ycdl_session_get_info(&info, quiet));
	CHECK_INT(info->tasks, 1001);
	ycdl_free(info);
	for (int waited = 0; waited < 10000; waited += 20) {
		ycdl_task_info *t;
		int status;

		CHECK_OK(ycdl_task_get_info(&t, quiet, key));
		status = t->status;
		ycdl_task_info_free(t);
		if (status == YCDL_STATUS_FINISHED)
			break;
		sleep_ms(20);
	}
	CHECK_INT(ycdl_session_wait_event(quiet, 100), YCDL_E_AGAIN);
	CHECK_INT(ycdl_session_next_event(&data, &len, quiet), YCDL_E_AGAIN);
	ycdl_free(key);
	free(url);
	ycdl_session_close(quiet);
	ycdl_session_close(owner);
	free(dir);
}

/* Child: attaches (takeover allowed) and stays until every task of the
 * session is finished, appending its role changes to out. */
static int child_attach_until_done(const char *dir, const char *id, const char *out)
{
	ycdl_session_options o = test_session_options(dir);
	struct event_log log;
	ycdl_session *s;
	char *go, *tmp;
	FILE *f;

	o.open_mode = YCDL_OPEN_ATTACH;
	o.takeover = 1;
	if (ycdl_session_open(&s, id, &o) != 0)
		return 3;
	log_init(&log, s);
	for (int waited = 0; waited < 90000; waited += 50) {
		ycdl_session_info *info;

		log_drain(&log);
		if (ycdl_session_get_info(&info, s) == 0) {
			bool done = info->tasks > 0 && info->pending == 0;

			ycdl_free(info);
			if (done)
				break;
		}
		sleep_ms(50);
	}
	log_drain(&log);
	if (asprintf(&tmp, "%s.tmp", out) < 0 || !(f = fopen(tmp, "w")))
		return 5;
	for (size_t i = 0; i < log.count; i++)
		if (log.events[i]->kind_case == YCDL__EVENT__KIND_ROLE_CHANGED)
			fprintf(f, "role %d\n", (int)log.events[i]->role_changed->role);
	fprintf(f, "final %d\n", ycdl_session_role(s));
	fclose(f);
	if (rename(tmp, out) != 0)      /* the parent sees it whole */
		return 7;
	free(tmp);
	/* Stays until the parent has counted the owners: closing an owning
	 * handle would make the parent's handle take over in turn. */
	if (asprintf(&go, "%s.done", out) < 0)
		return 6;
	for (int waited = 0; access(go, F_OK) != 0 && waited < 60000; waited += 50)
		sleep_ms(50);
	free(go);
	log_free(&log);
	ycdl_session_close(s);
	return 0;
}

static int count_lines(const char *path, const char *line)
{
	char buf[256];
	int n = 0;
	FILE *f = fopen(path, "r");

	while (f && fgets(buf, sizeof(buf), f))
		n += strcmp(buf, line) == 0;
	if (f)
		fclose(f);
	return n;
}

TEST(owner_killed_with_two_handles_attached_one_takes_over_every_file_exact)
{
	char *dir = test_dir("shared-takeover"), shas[3][65], urls[2048], *other;
	char done[1100];
	ycdl_session *client;
	struct event_log log;
	pid_t owner, second;
	char **keys;
	size_t n;
	int owners = 0;

	urls[0] = '\0';
	for (int i = 0; i < 3; i++) {
		char name[64], *u;

		snprintf(name, sizeof(name), "shared-takeover-%d.bin", i);
		make_file(name, 3 * 1024 * 1024, shas[i]);
		snprintf(name, sizeof(name), "shared-takeover-%d.bin?rate=1500000", i);
		u = test_url(env.fault, name);
		strcat(urls, i ? "," : "");
		strcat(urls, u);
		free(u);
	}
	if (asprintf(&other, "%s/second.out", dir) < 0)
		abort();
	owner = spawn("own", dir, "shared-takeover", urls, "-");
	for (int i = 0; i < 200; i++) {
		ycdl_session_options o = test_session_options(dir);
		ycdl_session *probe = NULL;

		o.open_mode = YCDL_OPEN_ATTACH;
		o.takeover = 0;
		if (ycdl_session_open(&probe, "shared-takeover", &o) == 0) {
			ycdl_session_close(probe);
			break;
		}
		sleep_ms(50);
	}
	second = spawn("attach-until-done", dir, "shared-takeover", "-", other);
	client = open_as("shared-takeover", dir, YCDL_OPEN_ATTACH, 1);
	log_init(&log, client);
	first_event(&log);
	sleep_ms(1000);     /* both attached; the owner well into the files */
	CHECK(kill(owner, SIGKILL) == 0);
	CHECK_INT(reap(owner), 128 + SIGKILL);
	/* Every file finishes, in whichever handle took over. */
	for (int waited = 0; waited < 60000; waited += 100) {
		CHECK_OK(ycdl_session_list(&keys, &n, client,
				YCDL_STATUS_BIT(YCDL_STATUS_FINISHED)));
		ycdl_keys_free(keys, n);
		if (n == 3)
			break;
		sleep_ms(100);
	}
	CHECK_INT(n, 3);
	for (int i = 0; i < 3; i++) {
		char path[1024], *u, sha[65], name[64];

		snprintf(name, sizeof(name), "shared-takeover-%d.bin?rate=1500000", i);
		u = test_url(env.fault, name);
		snprintf(path, sizeof(path), "%s/%s.bin", dir, key_of_url(u));
		sha256_file(path, sha);
		CHECK_STR(sha, shas[i]);
		free(u);
	}
	for (int waited = 0; access(other, F_OK) != 0 && waited < 30000; waited += 50)
		sleep_ms(50);
	log_drain(&log);
	owners += count_lines(other, "final 1\n");
	owners += ycdl_session_role(client) == YCDL_ROLE_OWNER;
	CHECK_INT(owners, 1);
	snprintf(done, sizeof(done), "%s.done", other);
	fclose(fopen(done, "w"));
	CHECK_INT(reap(second), 0);
	CHECK(log_find(&log, YCDL__EVENT__KIND_ROLE_CHANGED, NULL) != NULL);
	log_free(&log);
	ycdl_session_close(client);
	free(other);
	free(dir);
}

/* ------------------------------------------------------ background host */

/* Child: a background host as ycdl serve --exit-when-idle is one: owns the
 * session, resumes its tasks, and exits once nothing is pending and nobody
 * has been attached for a second. */
static int child_host(const char *dir, const char *id)
{
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s;
	int quiet_ms = 0;

	o.open_mode = YCDL_OPEN_OWN;
	o.auto_resume = 1;
	if (ycdl_session_open(&s, id, &o) != 0)
		return 3;
	for (int waited = 0; quiet_ms < 1000 && waited < 120000; waited += 50) {
		ycdl_session_info *info;
		void *event;
		size_t len;

		while (ycdl_session_next_event(&event, &len, s) == 0)
			ycdl_free(event);
		if (ycdl_session_get_info(&info, s) == 0) {
			quiet_ms = info->pending == 0 && info->clients == 0 ? quiet_ms + 50 : 0;
			ycdl_free(info);
		}
		sleep_ms(50);
	}
	ycdl_session_close(s);
	return 0;
}

/* Options that start the test's own host (child_host) when none runs. */
static ycdl_session_options background_options(const char *dir, const char *id,
		const char *argv[8])
{
	ycdl_session_options o = test_session_options(dir);

	argv[0] = self_path;
	argv[1] = "--child";
	argv[2] = "host";
	argv[3] = dir;
	argv[4] = id;
	argv[5] = "-";
	argv[6] = "-";
	argv[7] = NULL;
	o.background = 1;
	o.host_command = argv;
	return o;
}

/* Child: an app that opens its session in the background, adds the URLs
 * (comma-separated) and exits at once. */
static int child_app_background(const char *dir, const char *id, const char *urls)
{
	const char *argv[8];
	ycdl_session_options o = background_options(dir, id, argv);
	ycdl_session *s;
	char *list = strdup(urls), *save = NULL;

	if (ycdl_session_open(&s, id, &o) != 0) {
		fprintf(stderr, "app: %s\n", ycdl_last_error_message());
		return 3;
	}
	if (ycdl_session_role(s) != YCDL_ROLE_CLIENT)
		return 4;
	for (char *u = strtok_r(list, ",", &save); u; u = strtok_r(NULL, ",", &save)) {
		ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;

		t.url = u;
		if (ycdl_task_add(NULL, s, &t) != 0)
			return 5;
	}
	free(list);
	ycdl_session_close(s);
	return 0;
}

TEST(an_app_exits_its_background_host_downloads_on_and_a_later_app_finds_the_files)
{
	enum { FILES = 3 };
	char *dir = test_dir("shared-bg"), shas[FILES][65], urls[2048], *u[FILES];
	const char *argv[8];
	ycdl_session_options o;
	ycdl_session *later, *probe = NULL;
	char **keys;
	size_t n = 0;
	int rc = 0;

	urls[0] = '\0';
	for (int i = 0; i < FILES; i++) {
		char name[64];

		snprintf(name, sizeof(name), "shared-bg-%d.bin", i);
		make_file(name, 2 * 1024 * 1024, shas[i]);
		snprintf(name, sizeof(name), "shared-bg-%d.bin?rate=1000000", i);
		u[i] = test_url(env.fault, name);
		strcat(urls, i ? "," : "");
		strcat(urls, u[i]);
	}
	CHECK_INT(reap(spawn("app-background", dir, "shared-bg", urls, "-")), 0);
	/* The app is gone; a host it did not wait for holds the session. */
	o = test_session_options(dir);
	o.open_mode = YCDL_OPEN_OWN;
	CHECK_INT(ycdl_session_open(&probe, "shared-bg", &o), YCDL_E_LOCKED);
	/* A later app attaches to the same host and finds every file. */
	o = background_options(dir, "shared-bg", argv);
	later = open_session("shared-bg", &o);
	CHECK_INT(ycdl_session_role(later), YCDL_ROLE_CLIENT);
	for (int waited = 0; waited < 60000; waited += 100) {
		CHECK_OK(ycdl_session_list(&keys, &n, later,
				YCDL_STATUS_BIT(YCDL_STATUS_FINISHED)));
		ycdl_keys_free(keys, n);
		if (n == FILES)
			break;
		sleep_ms(100);
	}
	CHECK_INT(n, FILES);
	for (int i = 0; i < FILES; i++) {
		char path[1024], sha[65];

		snprintf(path, sizeof(path), "%s/%s.bin", dir, key_of_url(u[i]));
		sha256_file(path, sha);
		CHECK_STR(sha, shas[i]);
		free(u[i]);
	}
	ycdl_session_close(later);
	/* Idle and alone, the host exits: the session is free again. */
	o = test_session_options(dir);
	o.open_mode = YCDL_OPEN_OWN;
	for (int waited = 0; waited < 20000; waited += 100) {
		if ((rc = ycdl_session_open(&probe, "shared-bg", &o)) != YCDL_E_LOCKED)
			break;
		sleep_ms(100);
	}
	CHECK_OK(rc);
	ycdl_session_close(probe);
	free(dir);
}

TEST(background_options_that_cannot_work_are_refused)
{
	char *dir = test_dir("shared-bg-bad");
	const char *empty[] = { NULL };
	const char *missing[] = { "/nonexistent/ycdl-host", NULL };
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s = NULL;

	o.background = 1;
	o.open_mode = YCDL_OPEN_OWN;
	CHECK_INT(ycdl_session_open(&s, "shared-bg-bad", &o), YCDL_E_INVALID);
	CHECK(s == NULL);
	o.open_mode = YCDL_OPEN_OWN_OR_ATTACH;
	o.host_command = empty;
	CHECK_INT(ycdl_session_open(&s, "shared-bg-bad", &o), YCDL_E_INVALID);
	/* A host that cannot start: said at once, nothing left behind. */
	o.host_command = missing;
	CHECK_INT(ycdl_session_open(&s, "shared-bg-bad", &o), YCDL_E_NOT_FOUND);
	CHECK(strstr(ycdl_last_error_message(), "/nonexistent/ycdl-host"));
	CHECK(s == NULL);
	o.open_mode = YCDL_OPEN_OWN;      /* and the session is still free */
	o.background = 0;
	o.host_command = NULL;
	s = open_session("shared-bg-bad", &o);
	CHECK_INT(ycdl_session_role(s), YCDL_ROLE_OWNER);
	ycdl_session_close(s);
	free(dir);
}

/* ------------------------------------------------------ hostile clients */

/* A raw connection to the session's socket. */
static int raw_connect(const char *dir, const char *id)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s/socket", dir, id);
	CHECK(fd >= 0);
	CHECK(connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	return fd;
}

/* True once the owner closed fd (reading gives EOF) within ms. */
static bool closed_by_owner(int fd, int ms)
{
	char buf[4096];

	for (int waited = 0; waited < ms; waited += 10) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 10) <= 0)
			continue;
		if ((n = read(fd, buf, sizeof(buf))) == 0)
			return true;
		if (n < 0 && errno != EAGAIN)
			return true;
	}
	return false;
}

static void send_frame(int fd, const void *data, uint32_t len)
{
	unsigned char header[4] = { (unsigned char)len, (unsigned char)(len >> 8),
		(unsigned char)(len >> 16), (unsigned char)(len >> 24) };

	CHECK(write(fd, header, 4) == 4);
	if (len)
		CHECK(write(fd, data, len) == (ssize_t)len);
}

static unsigned int clients_of(ycdl_session *owner)
{
	ycdl_session_info *info;
	unsigned int n;

	CHECK_OK(ycdl_session_get_info(&info, owner));
	n = info->clients;
	ycdl_free(info);
	return n;
}

TEST(hostile_clients_are_disconnected_and_the_owner_goes_on)
{
	char *dir = test_dir("shared-hostile"), *key;
	ycdl_session *owner = open_as("shared-hostile", dir, YCDL_OPEN_OWN, 1);
	ycdl_session *client;
	static const char garbage[] = "\xff\xff\xff\xff garbage that is no message";
	unsigned char big[4] = { 0xff, 0xff, 0xff, 0x7f };
	int fd;

	/* Bytes that do not decode. */
	fd = raw_connect(dir, "shared-hostile");
	send_frame(fd, garbage, sizeof(garbage));
	CHECK(closed_by_owner(fd, 5000));
	close(fd);
	/* A frame announcing 2 GiB. */
	fd = raw_connect(dir, "shared-hostile");
	CHECK(write(fd, big, 4) == 4);
	CHECK(closed_by_owner(fd, 5000));
	close(fd);
	/* A request before the hello: field 2 (request), empty. */
	fd = raw_connect(dir, "shared-hostile");
	send_frame(fd, "\x12\x00", 2);
	CHECK(closed_by_owner(fd, 5000));
	close(fd);
	/* A truncated frame, then gone. */
	fd = raw_connect(dir, "shared-hostile");
	CHECK(write(fd, "\x40\x00\x00\x00\x0a", 5) == 5);
	close(fd);
	/* A thousand connections that come and go. */
	for (int i = 0; i < 1000; i++)
		close(raw_connect(dir, "shared-hostile"));
	/* Generous: under a loaded machine (two test programs side by side,
	 * sanitizers) a thousand accepts and EOFs take the owner a while. */
	for (int waited = 0; clients_of(owner) != 0 && waited < 30000; waited += 10)
		sleep_ms(10);
	CHECK_INT(clients_of(owner), 0);
	/* The owner serves a proper client as before. */
	client = open_as("shared-hostile", dir, YCDL_OPEN_ATTACH, 0);
	key = add_paused(client, "http://127.0.0.1:9/after-the-storm.bin");
	CHECK_INT(clients_of(owner), 1);
	ycdl_free(key);
	ycdl_session_close(client);
	ycdl_session_close(owner);
	free(dir);
}

/* The hello of a raw client that wants events: ClientMessage{hello:
 * Hello{protocol: 1, events: true}}, encoded by hand (the library keeps its
 * protocol code to itself). */
static void send_hello(int fd)
{
	send_frame(fd, "\x0a\x04\x08\x01\x20\x01", 6);
}

/* What a raw client found in what the owner sent it. */
struct tally {
	size_t progress, finished, added, events;
};

/* Reads every frame the owner sent fd (until nothing comes for 500 ms, or
 * EOF) and counts the events of each kind for the tasks keys; returns
 * whether the owner said goodbye and closed. */

static bool read_all(int fd, struct tally *t, const char *const *keys, size_t count)
{
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, pos = 0;
	bool goodbye = false, eof = false;

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 500) <= 0)
			break;
		if (len == cap && !(buf = realloc(buf, cap = cap ? 2 * cap : 65536)))
			abort();
		if ((n = read(fd, buf + len, cap - len)) <= 0) {
			eof = true;
			break;
		}
		len += (size_t)n;
	}
	while (len - pos >= 4) {
		uint32_t n = buf[pos] | buf[pos + 1] << 8 | buf[pos + 2] << 16 |
			(uint32_t)buf[pos + 3] << 24;
		const unsigned char *m = buf + pos + 4;

		if (len - pos - 4 < n)
			break;
		pos += 4 + n;
		/* ServerMessage: 0x1a = event (bytes), 0x22 = goodbye. */
		if (n > 2 && m[0] == 0x22)
			goodbye = true;
		if (n > 2 && m[0] == 0x1a) {
			size_t off = 1, elen = 0;
			unsigned int shift = 0;
			Ycdl__Event *e;

			while (m[off] & 0x80)
				elen |= (size_t)(m[off++] & 0x7f) << shift, shift += 7;
			elen |= (size_t)m[off++] << shift;
			if (!(e = ycdl__event__unpack(NULL, elen, m + off)))
				continue;
			t->events++;
			for (size_t i = 0; i < count; i++) {
				if (strcmp(e->key, keys[i]) != 0)
					continue;
				if (e->kind_case == YCDL__EVENT__KIND_PROGRESS)
					t->progress++;
				if (e->kind_case == YCDL__EVENT__KIND_TASK_ADDED)
					t->added++;
				if (e->kind_case == YCDL__EVENT__KIND_FINISHED)
					t->finished++;
			}
			ycdl__event__free_unpacked(e, NULL);
		}
	}
	free(buf);
	return goodbye && eof;
}

TEST(a_client_that_does_not_read_is_bounded_coalesced_then_let_go)
{
	enum { TASKS = 300 };
	char *dir = test_dir("shared-slow"), name[64], *url;
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *owner;
	struct event_log olog;
	struct tally stuck = { 0 };
	char *keys[TASKS];
	int never;

	/* Small bounds and a small socket buffer, so that a few hundred
	 * tasks' events overflow them within seconds. */
	setenv("YCDL_TEST_SERVER_LIMITS", "2048,65536,4096", 1);
	o.open_mode = YCDL_OPEN_OWN;
	o.max_concurrent = 8;
	owner = open_session("shared-slow", &o);
	unsetenv("YCDL_TEST_SERVER_LIMITS");
	log_init(&olog, owner);
	never = raw_connect(dir, "shared-slow");
	send_hello(never);
	sleep_ms(200);
	for (int i = 0; i < TASKS; i++) {
		snprintf(name, sizeof(name), "shared-slow-%d.bin", i);
		make_file(name, 20000, NULL);
		url = test_url(env.nginx, name);
		keys[i] = add_url(owner, url, NULL);
		free(url);
	}
	for (int i = 0; i < TASKS; i++)
		CHECK_INT(log_wait_end(&olog, 0, keys[i], 60000)->kind_case,
				YCDL__EVENT__KIND_FINISHED);
	/* 64 KiB behind, the client is let go with a goodbye, and the
	 * owner forgets its backlog; its own downloads never waited. */
	{
		bool bye = read_all(never, &stuck, (const char *const *)keys, TASKS);

		if (!bye)
			test_fail(__FILE__, __LINE__, "not let go: %zu events read (%zu added, "
					"%zu finished, %zu progress)", stuck.events, stuck.added,
					stuck.finished, stuck.progress);
	}
	CHECK_INT(clients_of(owner), 0);
	close(never);
	for (int i = 0; i < TASKS; i++)
		ycdl_free(keys[i]);
	log_free(&olog);
	ycdl_session_close(owner);
	free(dir);
}

TEST(a_client_that_reads_late_gets_every_task_once_with_progress_coalesced)
{
	enum { TASKS = 200 };
	char *dir = test_dir("shared-late"), name[64], *url;
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *owner;
	struct event_log olog;
	struct tally t = { 0 };
	char *keys[TASKS];
	size_t progress_sent;
	int fd;

	/* Far behind, but not past the bound: nothing is lost. */
	setenv("YCDL_TEST_SERVER_LIMITS", "2048,67108864,4096", 1);
	o.open_mode = YCDL_OPEN_OWN;
	o.max_concurrent = 8;
	o.progress_interval_ms = 0;
	owner = open_session("shared-late", &o);
	unsetenv("YCDL_TEST_SERVER_LIMITS");
	log_init(&olog, owner);
	fd = raw_connect(dir, "shared-late");
	send_hello(fd);
	sleep_ms(200);
	for (int i = 0; i < TASKS; i++) {
		snprintf(name, sizeof(name), "shared-late-%d.bin", i);
		make_file(name, 300000, NULL);
		url = test_url(env.nginx, name);
		keys[i] = add_url(owner, url, NULL);
		free(url);
	}
	for (int i = 0; i < TASKS; i++)
		CHECK_INT(log_wait_end(&olog, 0, keys[i], 60000)->kind_case,
				YCDL__EVENT__KIND_FINISHED);
	/* Every progress event emitted: the owner's reader lags too, and its
	 * own queue coalesces what it did not read yet. */
	progress_sent = log_count(&olog, YCDL__EVENT__KIND_PROGRESS, NULL) + olog.coalesced;
	CHECK(!read_all(fd, &t, (const char *const *)keys, TASKS));
	CHECK_INT(t.added, TASKS);
	CHECK_INT(t.finished, TASKS);
	CHECK(t.progress < progress_sent);
	CHECK_INT(clients_of(owner), 1);
	close(fd);
	for (int i = 0; i < TASKS; i++)
		ycdl_free(keys[i]);
	log_free(&olog);
	ycdl_session_close(owner);
	free(dir);
}

/* ------------------------------------------------------ other users */

enum { NOBODY = 65534 };

/* Child: as user nobody, owns the session and waits to be killed. */
static int child_own_as_nobody(const char *dir, const char *id)
{
	ycdl_session_options o = test_session_options(dir);
	ycdl_session *s;

	if (setgid(NOBODY) != 0 || setuid(NOBODY) != 0)
		return 9;
	o.open_mode = YCDL_OPEN_OWN;
	if (ycdl_session_open(&s, id, &o) != 0) {
		fprintf(stderr, "own-as-nobody: %s\n", ycdl_last_error_message());
		return 3;
	}
	for (;;)
		pause();
}

/* Child: as user nobody, connects to the socket at socket_path and
 * exits 0 when the owner closes it before a word of welcome.  Run by exec,
 * not by a bare fork, so that valgrind never checks a copy of the parent. */
static int child_connect_as_nobody(const char *socket_path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char buf[256];
	int fd;
	ssize_t n;

	if (setgid(NOBODY) != 0 || setuid(NOBODY) != 0)
		return 9;
	if (strlen(socket_path) >= sizeof(sun.sun_path))
		return 10;
	memcpy(sun.sun_path, socket_path, strlen(socket_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
		return 8;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n == 0 || (n < 0 && errno == ECONNRESET) ? 0 : 7;
}

/* A folder in /tmp that user nobody can reach (the test folder's parents
 * may not let it through). */
static char *shared_tmp_dir(void)
{
	char *dir = strdup("/tmp/ycdl-uid-XXXXXX");

	CHECK(dir && mkdtemp(dir));
	CHECK(chmod(dir, 0755) == 0);
	return dir;
}

static void remove_tree(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

/* The socket is 0600 in a 0700 folder, so another user cannot even reach
 * it; behind that, each side checks the other's uid (SO_PEERCRED), so
 * that a folder made reachable by mistake, or root, is still refused. */
TEST(a_peer_of_another_user_is_refused_by_the_owner_and_by_the_client)
{
	char *dir, socket_path[108], session_dir[64];
	ycdl_session_options o;
	ycdl_session *owner, *client = NULL;
	pid_t pid;

	if (geteuid() != 0) {
		printf("skip: needs root to run a process as another user\n");
		return;
	}
	/* The owner (root) refuses a client running as nobody, even with the
	 * folder and the socket opened up to everyone. */
	dir = shared_tmp_dir();
	o = test_session_options(dir);
	o.open_mode = YCDL_OPEN_OWN;
	owner = open_session("uid-owner", &o);
	/* dir is /tmp/ycdl-uid-XXXXXX: short enough for both. */
	CHECK(strlen(dir) < 32);
	snprintf(session_dir, sizeof(session_dir), "%.31s/uid-owner", dir);
	snprintf(socket_path, sizeof(socket_path), "%.63s/socket", session_dir);
	CHECK(chmod(session_dir, 0755) == 0 && chmod(socket_path, 0666) == 0);
	pid = spawn("connect-as-nobody", dir, "-", socket_path, "-");
	CHECK_INT(reap(pid), 0);
	CHECK_INT(clients_of(owner), 0);
	ycdl_session_close(owner);
	remove_tree(dir);
	free(dir);

	/* A client (root) refuses an owner running as nobody. */
	dir = shared_tmp_dir();
	CHECK(chown(dir, NOBODY, NOBODY) == 0);
	pid = spawn("own-as-nobody", dir, "uid-client", "-", "-");
	/* Not before the owner serves: this process must not make the
	 * session's folder (as root) under the owner's feet. */
	snprintf(socket_path, sizeof(socket_path), "%.31s/uid-client/socket", dir);
	for (int waited = 0; access(socket_path, F_OK) != 0 && waited < 10000; waited += 20)
		sleep_ms(20);
	o = test_session_options(dir);
	o.open_mode = YCDL_OPEN_ATTACH;
	CHECK_INT(ycdl_session_open(&client, "uid-client", &o), YCDL_E_STATE);
	CHECK(strstr(ycdl_last_error_message(), "runs as user 65534"));
	CHECK(client == NULL);
	CHECK(kill(pid, SIGKILL) == 0);
	CHECK_INT(reap(pid), 128 + SIGKILL);
	remove_tree(dir);
	free(dir);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(attached_handle_in_this_process_does_every_call_through_the_owner),
		TEST_ENTRY(closing_an_attached_handle_leaves_the_owner_downloading),
		TEST_ENTRY(open_modes_say_what_they_do_when_the_session_is_held_or_free),
		TEST_ENTRY(a_state_path_longer_than_a_socket_address_is_served),
		TEST_ENTRY(client_process_adds_a_thousand_tasks_and_gets_every_event),
		TEST_ENTRY(a_stop_answered_just_before_the_owner_goes_succeeds),
		TEST_ENTRY(a_stop_answered_behind_a_big_snapshot_succeeds),
		TEST_ENTRY(a_handle_without_events_gets_none),
		TEST_ENTRY(owner_killed_with_two_handles_attached_one_takes_over_every_file_exact),
		TEST_ENTRY(an_app_exits_its_background_host_downloads_on_and_a_later_app_finds_the_files),
		TEST_ENTRY(background_options_that_cannot_work_are_refused),
		TEST_ENTRY(hostile_clients_are_disconnected_and_the_owner_goes_on),
		TEST_ENTRY(a_peer_of_another_user_is_refused_by_the_owner_and_by_the_client),
		TEST_ENTRY(a_client_that_does_not_read_is_bounded_coalesced_then_let_go),
		TEST_ENTRY(a_client_that_reads_late_gets_every_task_once_with_progress_coalesced),
	};

	if (realpath(argv[0], self_path) == NULL)
		snprintf(self_path, sizeof(self_path), "%s", argv[0]);
	if (argc == 7 && strcmp(argv[1], "--child") == 0) {
		const char *mode = argv[2], *dir = argv[3], *id = argv[4];

		if (strcmp(mode, "add-many") == 0)
			return child_add_many(dir, id, argv[5], atol(argv[6]));
		if (strcmp(mode, "own") == 0)
			return child_own(dir, id, argv[5]);
		if (strcmp(mode, "connect-as-nobody") == 0)
			return child_connect_as_nobody(argv[5]);
		if (strcmp(mode, "own-as-nobody") == 0)
			return child_own_as_nobody(dir, id);
		if (strcmp(mode, "host") == 0)
			return child_host(dir, id);
		if (strcmp(mode, "app-background") == 0)
			return child_app_background(dir, id, argv[5]);
		if (strcmp(mode, "own-until-stop") == 0)
			return child_own_until_stop(dir, id, argv[5], argv[6]);
		if (strcmp(mode, "attach-until-done") == 0)
			return child_attach_until_done(dir, id, argv[6]);
		return 2;
	}
	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
