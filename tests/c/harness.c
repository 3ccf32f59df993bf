/* harness.c — see harness.h. */
#define _GNU_SOURCE
#define YCDL_TEST_HARNESS_IMPL    /* the real ycdl_session_close */
#include "harness.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct test_env env;
static jmp_buf test_escape;
static const char *current_test;

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL %s (%s:%d): ", current_test, file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	longjmp(test_escape, 1);
}

static void copy_value(char *dst, size_t size, const char *value)
{
	size_t len = strlen(value);

	if (len >= size) {
		fprintf(stderr, "servers.env value too long: %s\n", value);
		exit(2);
	}
	memcpy(dst, value, len + 1);
}

static void read_servers_env(void)
{
	const char *path = getenv("YCDL_TEST_SERVERS");
	char line[1200];
	FILE *f;

	if (!path || !(f = fopen(path, "r"))) {
		fprintf(stderr, "YCDL_TEST_SERVERS must name the servers.env written by "
				"tests/servers/testservers.py start\n");
		exit(2);
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, "NGINX_URL=", 10) == 0)
			copy_value(env.nginx, sizeof(env.nginx), line + 10);
		else if (strncmp(line, "FAULT_URL=", 10) == 0)
			copy_value(env.fault, sizeof(env.fault), line + 10);
		else if (strncmp(line, "WWW_DIR=", 8) == 0)
			copy_value(env.www, sizeof(env.www), line + 8);
		else if (strncmp(line, "NGINX_TLS_URL=", 14) == 0)
			copy_value(env.nginx_tls, sizeof(env.nginx_tls), line + 14);
		else if (strncmp(line, "CA_FILE=", 8) == 0)
			copy_value(env.ca_file, sizeof(env.ca_file), line + 8);
		else if (strncmp(line, "NGINX_ACCESS_LOG=", 17) == 0)
			copy_value(env.access_log, sizeof(env.access_log), line + 17);
		else if (strncmp(line, "PROXY_URL=", 10) == 0)
			copy_value(env.proxy, sizeof(env.proxy), line + 10);
		else if (strncmp(line, "PROXY_LOG=", 10) == 0)
			copy_value(env.proxy_log, sizeof(env.proxy_log), line + 10);
		else if (strncmp(line, "PINNED_KEY=", 11) == 0)
			copy_value(env.pinned_key, sizeof(env.pinned_key), line + 11);
	}
	fclose(f);
}

static void make_scratch(const char *program)
{
	const char *base = getenv("YCDL_TEST_TMP");
	const char *name = strrchr(program, '/');

	snprintf(env.tmp, sizeof(env.tmp), "%s/%s-XXXXXX", base ? base : "/tmp",
			name ? name + 1 : program);
	if (!mkdtemp(env.tmp)) {
		perror("mkdtemp");
		exit(2);
	}
}

int test_main(int argc, char **argv, const struct test_case *cases, size_t count)
{
	volatile int failed = 0, ran = 0;

	read_servers_env();
	make_scratch(argv[0]);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (size_t i = 0; i < count; i++) {
		bool wanted = argc < 2;

		for (int a = 1; a < argc; a++)
			wanted |= strcmp(argv[a], cases[i].name) == 0;
		if (!wanted)
			continue;
		current_test = cases[i].name;
		ran++;
		if (setjmp(test_escape) == 0) {
			cases[i].fn();
			printf("ok   %s\n", cases[i].name);
		} else {
			failed++;
			printf("FAIL %s\n", cases[i].name);
		}
		fflush(stdout);
	}
	curl_global_cleanup();
	printf("%d of %d passed\n", ran - failed, ran);
	return failed ? 1 : ran == 0 ? 2 : 0;
}

/* ---------------------------------------------------------- fixtures */

char *test_dir(const char *name)
{
	static unsigned int serial;
	char *path;

	if (asprintf(&path, "%s/%s-%u", env.tmp, name, ++serial) < 0)
		abort();
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		test_fail(__FILE__, __LINE__, "mkdir %s: %s", path, strerror(errno));
	return path;
}

static void fill(unsigned char *buf, size_t len, uint64_t pos, uint64_t seed)
{
	for (size_t i = 0; i < len; i++) {
		uint64_t x = (pos + i) * 0x9E3779B97F4A7C15ull ^ seed;

		x ^= x >> 29;
		buf[i] = (unsigned char)(x * 0xBF58476D1CE4E5B9ull >> 56);
	}
}

void make_file(const char *name, uint64_t size, char *sha)
{
	char path[2048];
	unsigned char buf[65536];
	uint64_t seed = 1469598103934665603ull, done = 0;
	FILE *f;

	for (const char *p = name; *p; p++)
		seed = (seed ^ (unsigned char)*p) * 1099511628211ull;
	snprintf(path, sizeof(path), "%s/%s", env.www, name);
	if (!(f = fopen(path, "wb")))
		test_fail(__FILE__, __LINE__, "cannot create %s", path);
	while (done < size) {
		size_t n = size - done < sizeof(buf) ? (size_t)(size - done) : sizeof(buf);

		fill(buf, n, done, seed);
		fwrite(buf, 1, n, f);
		done += n;
	}
	fclose(f);
	if (sha)
		sha256_file(path, sha);
}

void sha256_file(const char *path, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char buf[65536], md[32];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	FILE *f = fopen(path, "rb");
	size_t n;

	out[0] = '\0';
	if (!f || !ctx) {
		if (f)
			fclose(f);
		EVP_MD_CTX_free(ctx);
		return;
	}
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		EVP_DigestUpdate(ctx, buf, n);
	EVP_DigestFinal_ex(ctx, md, NULL);
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	fclose(f);
	EVP_MD_CTX_free(ctx);
}

bool file_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

struct body {
	char *data;
	size_t len;
};

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	char *grown = realloc(b->data, b->len + size * n + 1);

	if (!grown)
		return 0;
	b->data = grown;
	memcpy(b->data + b->len, p, size * n);
	b->len += size * n;
	b->data[b->len] = '\0';
	return size * n;
}

char *http_get(const char *url)
{
	struct body b = { NULL, 0 };
	CURL *c = curl_easy_init();
	CURLcode rc;

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	rc = curl_easy_perform(c);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK) {
		free(b.data);
		return NULL;
	}
	return b.data ? b.data : strdup("");
}

long long fault_stat(const char *id, const char *counter)
{
	char url[1024], *body, *p;
	long long value = -1;
	size_t len = strlen(counter);

	snprintf(url, sizeof(url), "%s/_stats?id=%s", env.fault, id);
	if (!(body = http_get(url)))
		return -1;
	for (p = body; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, counter, len) == 0 && p[len] == '=')
			value = atoll(p + len + 1);
	free(body);
	return value;
}

char *fault_header(const char *id, const char *name)
{
	char url[512], *body, *line, *value = NULL;
	size_t len = strlen(name);

	snprintf(url, sizeof(url), "%s/_headers?id=%s", env.fault, id);
	body = http_get(url);
	for (line = body; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (strncasecmp(line, name, len) == 0 && line[len] == ':') {
			value = strndup(line + len + 2, strcspn(line + len + 2, "\r\n"));
			break;
		}
	free(body);
	return value;
}

void fault_reset(const char *id)
{
	char url[512];

	snprintf(url, sizeof(url), "%s/_reset?id=%s", env.fault, id);
	free(http_get(url));
}

ycdl_session_options test_session_options(const char *state_dir)
{
	ycdl_session_options o = YCDL_SESSION_OPTIONS_INIT;

	o.state_dir = state_dir;
	o.download_dir = state_dir;
	o.retry_base_ms = 50;
	o.retry_max_ms = 400;
	o.progress_interval_ms = 50;
	o.checkpoint_interval_ms = 200;
	o.checkpoint_bytes = 256 * 1024;
	o.low_speed_time_s = 5;
	o.connect_timeout_ms = 5000;
	return o;
}

bool test_attached(void)
{
	const char *v = getenv("YCDL_TEST_ATTACHED");

	return v && strcmp(v, "1") == 0;
}

/* Attached mode's handles and the owner each one was attached to. */
static struct { ycdl_session *client, *owner; } pairs[64];

ycdl_session *open_session(const char *id, const ycdl_session_options *opts)
{
	ycdl_session_options own, attach;
	ycdl_session *s = NULL, *owner = NULL;
	size_t i;

	if (!test_attached() || opts->version < 4 || opts->open_mode != YCDL_OPEN_OWN_OR_ATTACH) {
		CHECK_OK(ycdl_session_open(&s, id, opts));
		return s;
	}
	own = *opts;
	own.open_mode = YCDL_OPEN_OWN;
	own.event_cb = NULL;            /* the test's callback is the client's */
	CHECK_OK(ycdl_session_open(&owner, id, &own));
	attach = *opts;
	attach.open_mode = YCDL_OPEN_ATTACH;
	attach.takeover = 0;
	CHECK_OK(ycdl_session_open(&s, id, &attach));
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]) && pairs[i].client; i++)
		;
	CHECK(i < sizeof(pairs) / sizeof(pairs[0]));
	pairs[i].client = s;
	pairs[i].owner = owner;
	return s;
}

int test_session_close(ycdl_session *s)
{
	int rc = ycdl_session_close(s);

	if (rc != 0)
		return rc;      /* not closed (from the event callback, say) */
	for (size_t i = 0; s && i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if (pairs[i].client == s) {
			int owner_rc = ycdl_session_close(pairs[i].owner);

			pairs[i].client = pairs[i].owner = NULL;
			return rc ? rc : owner_rc;
		}
	return rc;
}

char *test_url(const char *server, const char *path)
{
	char *url;

	if (asprintf(&url, "%s/%s", server, path) < 0)
		abort();
	return url;
}

char *add_url(ycdl_session *s, const char *url, const char *dest)
{
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;

	t.url = url;
	t.dest_path = dest;
	return add_task(s, &t);
}

char *add_task(ycdl_session *s, const ycdl_task_options *t)
{
	char *key = NULL;

	CHECK_OK(ycdl_task_add(&key, s, t));
	return key;
}

int task_status(ycdl_session *s, const char *key)
{
	ycdl_task_info *info;
	int status;

	CHECK_OK(ycdl_task_get_info(&info, s, key));
	status = info->status;
	ycdl_task_info_free(info);
	return status;
}

/* ------------------------------------------------------------- events */

void log_init(struct event_log *log, ycdl_session *s)
{
	memset(log, 0, sizeof(*log));
	log->session = s;
}

void log_free(struct event_log *log)
{
	for (size_t i = 0; i < log->count; i++)
		ycdl__event__free_unpacked(log->events[i], NULL);
	free(log->events);
	memset(log, 0, sizeof(*log));
}

/* Seq strictly increases. A number is skipped only for a progress event
 * that a newer one of its task replaced (ycdl.h): on an owner's handle that
 * has logged from its first event, once the queue is empty, the numbers
 * skipped so far equal the coalesced counts of the progress taken so far.
 * An attached handle's numbers also jump where its owner changed. */
static void check_seq(struct event_log *log, const Ycdl__Event *e)
{
	uint64_t previous = log->count ? log->events[log->count - 1]->seq : 0;

	if (log->count == 0) {
		log->counts_gaps = e->seq == 1;
		return;
	}
	if (e->seq <= previous)
		test_fail(__FILE__, __LINE__, "event seq %llu follows %llu",
				(unsigned long long)e->seq, (unsigned long long)previous);
	log->skipped += e->seq - previous - 1;
}

static void check_gaps(const struct event_log *log)
{
	if (!log->counts_gaps || log->attached ||
	    ycdl_session_role(log->session) != YCDL_ROLE_OWNER)
		return;
	if (log->skipped != log->coalesced)
		test_fail(__FILE__, __LINE__, "%llu event numbers skipped, but progress "
				"events say %llu were coalesced",
				(unsigned long long)log->skipped,
				(unsigned long long)log->coalesced);
}

Ycdl__Event *log_add(struct event_log *log, const void *data, size_t len)
{
	Ycdl__Event *e = ycdl__event__unpack(NULL, len, data);

	if (!e)
		test_fail(__FILE__, __LINE__, "an event did not decode");
	if (log->count == log->cap) {
		log->cap = log->cap ? log->cap * 2 : 64;
		log->events = realloc(log->events, log->cap * sizeof(*log->events));
	}
	check_seq(log, e);
	if (e->kind_case == YCDL__EVENT__KIND_PROGRESS)
		log->coalesced += e->progress->coalesced;
	if (e->kind_case == YCDL__EVENT__KIND_ATTACHED ||
	    e->kind_case == YCDL__EVENT__KIND_ROLE_CHANGED)
		log->attached = true;
	log->events[log->count++] = e;
	return e;
}

void log_drain(struct event_log *log)
{
	void *data;
	size_t len;
	int rc;

	while ((rc = ycdl_session_next_event(&data, &len, log->session)) == 0) {
		log_add(log, data, len);
		ycdl_free(data);
	}
	if (rc == YCDL_E_AGAIN)
		check_gaps(log);
}

static bool matches(const Ycdl__Event *e, Ycdl__Event__KindCase kind, const char *key)
{
	return e->kind_case == kind && (!key || strcmp(e->key, key) == 0);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

Ycdl__Event *log_wait(struct event_log *log, size_t from, Ycdl__Event__KindCase kind,
		const char *key, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	size_t i = from;

	for (;;) {
		log_drain(log);
		for (; i < log->count; i++)
			if (matches(log->events[i], kind, key))
				return log->events[i];
		if (now_ms() >= deadline)
			test_fail(__FILE__, __LINE__, "no event of kind %d for %s within "
					"%d ms", (int)kind, key ? key : "(any)", timeout_ms);
		ycdl_session_wait_event(log->session, (int)(deadline - now_ms()));
	}
}

void log_wait_status(struct event_log *log, const char *key, int status, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	size_t from = 0;

	for (;;) {
		int left = (int)(deadline - now_ms());
		Ycdl__Event *e;

		if (left <= 0)
			test_fail(__FILE__, __LINE__, "%s never became %s", key,
					ycdl_status_name(status));
		e = log_wait(log, from, YCDL__EVENT__KIND_STATUS_CHANGED, key, left);
		if ((int)e->status_changed->new_status == status)
			return;
		for (from = 0; log->events[from] != e; from++)
			;
		from++;
	}
}

size_t log_count(const struct event_log *log, Ycdl__Event__KindCase kind, const char *key)
{
	size_t n = 0;

	for (size_t i = 0; i < log->count; i++)
		n += matches(log->events[i], kind, key);
	return n;
}

Ycdl__Event *log_find(const struct event_log *log, Ycdl__Event__KindCase kind,
		const char *key)
{
	for (size_t i = 0; i < log->count; i++)
		if (matches(log->events[i], kind, key))
			return log->events[i];
	return NULL;
}

Ycdl__Event *log_wait_end(struct event_log *log, size_t from, const char *key,
		int timeout_ms)
{
	for (;;) {
		Ycdl__Event *e = log_wait(log, from, YCDL__EVENT__KIND_STATUS_CHANGED, key,
				timeout_ms);
		int status = (int)e->status_changed->new_status;

		while (log->events[from] != e)
			from++;
		from++;
		if (status == YCDL_STATUS_FINISHED)
			return log_wait(log, from, YCDL__EVENT__KIND_FINISHED, key, 5000);
		if (status == YCDL_STATUS_FAILED)
			return log_wait(log, from, YCDL__EVENT__KIND_FAILED, key, 5000);
	}
}
