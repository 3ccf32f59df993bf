/* get.c — `ycdl get`: download URLs into files, continuing whatever an
 * earlier run of the same session left unfinished (Ctrl-C, crash, kill -9). */
#define _GNU_SOURCE
#include "cli.h"
#include "strmap.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_HEADERS 64
/* ycdl_session_set_max_concurrent refuses more; say so before opening. */
#define MAX_JOBS 1000
#define MAX_MIRRORS 16       /* as the library allows */

struct get_options {
	struct common_options common;
	const char *output;
	const char *dir;
	const char *checksum;
	const char *cacert;
	unsigned int jobs;          /* 0: the library's default */
	unsigned int per_host;      /* --max-host-connections; 0: no cap */
	unsigned int connections;   /* -x: per download; 0: the library's */
	bool no_sha256;
	bool retries_given;
	unsigned int retries;
	uint64_t rate;              /* --limit-rate: each download's limit */
	bool total_given;
	uint64_t total;             /* --limit-total: the session's */
	const char *headers[MAX_HEADERS];
	size_t header_count;
	const char *secret_headers[MAX_HEADERS];   /* sent to the URL's origin
						      only, never stored */
	size_t secret_header_count;
	const char *accept[MAX_HEADERS];           /* --accept TYPE */
	size_t accept_count;
	const char *mirrors[MAX_MIRRORS];          /* --mirror URL: one download */
	size_t mirror_count;
	bool name_by_md5;                          /* --name-by md5: the seed's names */
	const char *group;                         /* --group NAME */
	char **urls;
	int url_count;
};

static void usage_get(void)
{
	fprintf(stderr,
		"usage: ycdl get [-o FILE | -d DIR] [-j N] [--session ID] [--state-dir DIR]\n"
		"                [--checksum sha256:HEX] [--retries N] [--limit-rate RATE]\n"
		"                [--limit-total RATE] [-H 'Name: value']...\n"
		"                [--secret-header 'Name: value']... [--accept TYPE]...\n"
		"                [--cacert FILE] [--no-sha256] [--group NAME]\n"
		"                [--max-host-connections N] [-x N] URL...\n"
		"       ycdl get [options] [--mirror URL]... URL   (one file, several sources)\n"
		"Files are named as the server says (Content-Disposition), else after the\n"
		"URL's last path segment, \"name (1).ext\" when taken; --name-by md5 names\n"
		"them by the MD5 of the URL instead.\n"
		"N: a whole number (-j 1 to %d); RATE: bytes per second such as 500K or\n"
		"1.5M (K, M, G, T are binary: 1K = 1024), 0 for no limit; --limit-rate\n"
		"limits each download, --limit-total all of the session's together.\n"
		"-x N (--connections N, 1 to %d): fetch each large file over up to N\n"
		"connections at once, in segments (a server that takes byte ranges)\n",
		MAX_JOBS, YCDL_MAX_CONNECTIONS);
}

static bool is_numeric_option(const char *a)
{
	return strcmp(a, "-j") == 0 || strcmp(a, "--retries") == 0 ||
		strcmp(a, "--limit-rate") == 0 || strcmp(a, "--limit-total") == 0 ||
		strcmp(a, "--max-host-connections") == 0 || strcmp(a, "-x") == 0 ||
		strcmp(a, "--connections") == 0;
}

/* Parses one of the numeric options; false when its value is refused
 * (explained). */
static bool parse_number(struct get_options *g, const char *option, const char *value)
{
	unsigned long n;

	if (strcmp(option, "--limit-rate") == 0)
		return cli_size_option(option, value, &g->rate);
	if (strcmp(option, "--limit-total") == 0) {
		g->total_given = true;
		return cli_size_option(option, value, &g->total);
	}
	if (strcmp(option, "-j") == 0) {
		if (!cli_uint_option(option, value, 1, MAX_JOBS, &n))
			return false;
		g->jobs = (unsigned int)n;
		return true;
	}
	if (strcmp(option, "-x") == 0 || strcmp(option, "--connections") == 0) {
		if (!cli_uint_option(option, value, 1, YCDL_MAX_CONNECTIONS, &n))
			return false;
		g->connections = (unsigned int)n;
		return true;
	}
	if (strcmp(option, "--max-host-connections") == 0) {
		if (!cli_uint_option(option, value, 0, MAX_JOBS, &n))
			return false;
		g->per_host = (unsigned int)n;
		return true;
	}
	if (!cli_uint_option(option, value, 0, UINT_MAX, &n))
		return false;
	g->retries = (unsigned int)n;
	g->retries_given = true;
	return true;
}

/* Returns 0, or 2 for a usage error (already explained). */
static int parse_get(struct get_options *g, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (cli_common_option(&g->common, argc, argv, &i))
			continue;
		if (strcmp(a, "--no-sha256") == 0) {
			g->no_sha256 = true;
			continue;
		}
		if (a[0] != '-' || strcmp(a, "-") == 0) {
			g->urls = &argv[i];
			g->url_count = argc - i;
			break;
		}
		if (!v)
			goto bad;
		if (strcmp(a, "-o") == 0)
			g->output = v;
		else if (strcmp(a, "-d") == 0)
			g->dir = v;
		else if (is_numeric_option(a)) {
			if (!parse_number(g, a, v))
				return 2;
		} else if (strcmp(a, "--checksum") == 0)
			g->checksum = v;
		else if (strcmp(a, "--cacert") == 0)
			g->cacert = v;
		else if (strcmp(a, "-H") == 0 && g->header_count < MAX_HEADERS)
			g->headers[g->header_count++] = v;
		else if (strcmp(a, "--secret-header") == 0 &&
			 g->secret_header_count < MAX_HEADERS)
			g->secret_headers[g->secret_header_count++] = v;
		else if (strcmp(a, "--accept") == 0 && g->accept_count < MAX_HEADERS)
			g->accept[g->accept_count++] = v;
		else if (strcmp(a, "--group") == 0)
			g->group = v;
		else if (strcmp(a, "--mirror") == 0 && g->mirror_count < MAX_MIRRORS)
			g->mirrors[g->mirror_count++] = v;
		else if (strcmp(a, "--name-by") == 0 && (strcmp(v, "md5") == 0 ||
							 strcmp(v, "url") == 0))
			g->name_by_md5 = strcmp(v, "md5") == 0;
		else
			goto bad;
		i++;
	}
	if (g->url_count == 0 || (g->output && g->url_count > 1) ||
	    (g->output && g->dir) || (g->mirror_count && g->url_count > 1))
		goto bad;
	return 0;
bad:
	usage_get();
	return 2;
}

static void options_for(ycdl_task_options *t, const struct get_options *g, const char *url)
{
	ycdl_task_options_init(t, YCDL_TASK_OPTIONS_VERSION);
	t->url = url;
	t->dest_path = g->output;
	t->dest_dir = g->dir;
	t->checksum = g->checksum;
	t->max_recv_speed = g->rate;
	t->connections = g->connections;
	t->headers = g->headers;
	t->header_count = g->header_count;
	t->secret_headers = g->secret_headers;
	t->secret_header_count = g->secret_header_count;
	t->accept_types = g->accept;
	t->accept_type_count = g->accept_count;
	t->mirrors = g->mirrors;
	t->mirror_count = g->mirror_count;
	t->group = g->group;
	/* As wget and curl -O: the server's name, else the URL's; never an
	 * overwrite (an explicit -o FILE is the user's choice). */
	if (!g->output && !g->name_by_md5) {
		t->name_from_url = 1;
		t->use_content_disposition = 1;
		t->conflict = YCDL_CONFLICT_RENAME;
	}
}

static int start_one(ycdl_session *s, const struct get_options *g, const char *url,
		struct progress *p);

/* Makes url's task run, as an earlier run may have left it. Returns 0, or
 * -1 on an error (explained). */
static int continue_task(ycdl_session *s, const struct get_options *g, const char *url,
		const ycdl_task_info *info, struct progress *p)
{
	int rc = 0;

	if (info->status == YCDL_STATUS_FINISHED && access(info->dest_path, F_OK) == 0) {
		progress_message(p, false, "already downloaded: %s", info->dest_path);
		return 0;
	}
	if (info->status == YCDL_STATUS_FINISHED) {
		/* The file was deleted since: fetch it again. */
		ycdl_task_remove(s, info->key, 0);
		return start_one(s, g, url, p);
	}
	progress_track(p, info->key, cli_base_name(info->dest_path), url);
	if (info->status == YCDL_STATUS_PAUSED || info->status == YCDL_STATUS_FAILED ||
	    info->status == YCDL_STATUS_WAITING_FOR_URL)
		rc = ycdl_task_start(s, info->key);
	if (rc != 0) {
		fprintf(stderr, "ycdl: %s: %s\n", url, ycdl_last_error_message());
		return -1;
	}
	return 0;
}

/* A task continued from an earlier run gets the headers again (the library
 * never stores credentials), and the group this run names. */
static int reapply_options(ycdl_session *s, const struct get_options *g,
		const ycdl_task_info *info)
{
	int rc;

	if (g->group && strcmp(info->group, g->group) != 0 &&
	    (rc = ycdl_task_set_group(s, info->key, g->group)) != 0)
		return rc;
	if (!g->header_count)
		return 0;
	return ycdl_task_set_headers(s, info->key, g->headers, g->header_count);
}

/* Adds url (or finds the task an earlier run left) and makes it run. */
static int start_one(ycdl_session *s, const struct get_options *g, const char *url,
		struct progress *p)
{
	ycdl_task_options t;
	ycdl_task_info *info = NULL;
	char *key = NULL;
	int rc;

	options_for(&t, g, url);
	if ((rc = ycdl_task_add(&key, s, &t)) != 0 ||
	    (rc = ycdl_task_get_info(&info, s, key)) != 0 ||
	    (rc = reapply_options(s, g, info)) != 0) {
		fprintf(stderr, "ycdl: %s: %s\n", url, ycdl_last_error_message());
		ycdl_task_info_free(info);
		ycdl_free(key);
		return -1;
	}
	rc = continue_task(s, g, url, info, p);
	ycdl_task_info_free(info);
	ycdl_free(key);
	return rc;
}

/* Every URL at once: one call adds them all, one more tells how earlier
 * runs left them, so ten thousand URLs cost two hand-overs, not twenty
 * thousand. Returns the number of URLs that failed (explained). */
static int start_all(ycdl_session *s, const struct get_options *g, struct progress *p)
{
	size_t n = (size_t)g->url_count, count = 0;
	ycdl_task_options *opts = calloc(n, sizeof(*opts));
	const ycdl_task_options **items = calloc(n, sizeof(*items));
	int *errors = calloc(n, sizeof(*errors));
	ycdl_task_info **infos = NULL;
	char **keys = NULL;
	struct strmap by_key;
	int failed = 0;

	strmap_init(&by_key);
	if (!opts || !items || !errors) {
		fprintf(stderr, "ycdl: out of memory\n");
		failed = g->url_count;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		options_for(&opts[i], g, g->urls[i]);
		items[i] = &opts[i];
	}
	(void)ycdl_task_add_many(&keys, errors, s, items, n);
	if (!keys || ycdl_session_list_info(&infos, &count, s, YCDL_STATUS_ALL) != 0) {
		fprintf(stderr, "ycdl: %s\n", ycdl_last_error_message());
		failed = g->url_count;
		goto out;
	}
	for (size_t i = 0; i < count; i++)
		strmap_put(&by_key, infos[i]->key, infos[i]);
	for (size_t i = 0; i < n; i++) {
		const ycdl_task_info *info = keys[i] ? strmap_get(&by_key, keys[i]) : NULL;

		if (errors[i] || !info) {
			fprintf(stderr, "ycdl: %s: %s\n", g->urls[i],
					ycdl_strerror(errors[i] ? errors[i] : YCDL_E_INTERNAL));
			failed++;
		} else if (reapply_options(s, g, info) != 0) {
			fprintf(stderr, "ycdl: %s: %s\n", g->urls[i], ycdl_last_error_message());
			failed++;
		} else {
			failed += continue_task(s, g, g->urls[i], info, p) != 0;
		}
	}
out:
	strmap_free(&by_key);
	ycdl_task_info_list_free(infos, count);
	ycdl_keys_free(keys, n);
	free(errors);
	free(items);
	free(opts);
	return failed;
}

static void configure(ycdl_session_options *o, const struct get_options *g)
{
	if (g->jobs)
		o->max_concurrent = g->jobs;
	if (g->retries_given)
		o->max_retries = g->retries;
	o->max_recv_speed = g->total;
	o->max_host_connections = g->per_host;
	o->ca_file = g->cacert;
	o->compute_sha256 = !g->no_sha256;
}

/* --limit-total is the session's limit: a session served by another
 * process (ycdl serve, another ycdl get) is told it too, and keeps it after
 * this command. Returns 0, or -1 (explained). */
static int limit_total(ycdl_session *s, const struct get_options *g)
{
	if (!g->total_given || ycdl_session_role(s) != YCDL_ROLE_CLIENT ||
	    ycdl_session_set_max_recv_speed(s, g->total) == 0)
		return 0;
	fprintf(stderr, "ycdl: --limit-total: %s\n", ycdl_last_error_message());
	return -1;
}

int cli_get(int argc, char **argv)
{
	struct get_options g = { .common = { CLI_DEFAULT_SESSION, NULL } };
	ycdl_session_options o = YCDL_SESSION_OPTIONS_INIT;
	ycdl_session *s;
	struct progress *p;
	int rc, sig, errors = 0;

	if ((rc = parse_get(&g, argc, argv)) != 0)
		return rc;
	configure(&o, &g);
	if (foreground_install_signals() != 0 || cli_open_session(&s, &g.common, &o) != 0)
		return 1;
	if (limit_total(s, &g) != 0) {
		ycdl_session_close(s);
		return 1;
	}
	p = progress_new(isatty(STDOUT_FILENO));
	foreground_skip_past_events(s);
	errors += start_all(s, &g, p);
	sig = foreground_run(s, p);
	errors += (int)progress_failed(p);
	if (!sig)
		progress_summary(p);
	progress_free(p);
	ycdl_session_close(s);
	if (sig)
		return 128 + sig;
	return errors ? 1 : 0;
}

/* `ycdl add`: the URLs go to whoever owns the session — a running `ycdl
 * get`, `ycdl serve` or application — or, when nobody does, to a host
 * started in the background for them (`ycdl serve --exit-when-idle`),
 * so they download with no terminal open. Prints each task's key. */
int cli_add(int argc, char **argv)
{
	struct get_options g = { .common = { CLI_DEFAULT_SESSION, NULL } };
	ycdl_session_options o = YCDL_SESSION_OPTIONS_INIT;
	const char *host[12];
	size_t n, h = 0;
	ycdl_task_options *opts;
	const ycdl_task_options **items;
	int *errors;
	char **keys = NULL, jobs[16];
	ycdl_session *s;
	int rc, failed = 0;

	if ((rc = parse_get(&g, argc, argv)) != 0)
		return rc;
	configure(&o, &g);
	host[h++] = cli_self_path();
	host[h++] = "serve";
	host[h++] = "--session";
	host[h++] = g.common.session;
	if (g.common.state_dir) {
		host[h++] = "--state-dir";
		host[h++] = g.common.state_dir;
	}
	if (g.jobs) {
		snprintf(jobs, sizeof(jobs), "%u", g.jobs);
		host[h++] = "-j";
		host[h++] = jobs;
	}
	host[h++] = "--exit-when-idle";
	host[h] = NULL;
	o.background = 1;
	o.takeover = 0;
	o.receive_events = 0;      /* it queues and returns */
	o.host_command = host;
	if (cli_open_session(&s, &g.common, &o) != 0)
		return 1;
	if (limit_total(s, &g) != 0) {
		ycdl_session_close(s);
		return 1;
	}
	n = (size_t)g.url_count;
	opts = calloc(n, sizeof(*opts));
	items = calloc(n, sizeof(*items));
	errors = calloc(n, sizeof(*errors));
	if (!opts || !items || !errors) {
		fprintf(stderr, "ycdl add: out of memory\n");
		failed = 1;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		options_for(&opts[i], &g, g.urls[i]);
		items[i] = &opts[i];
	}
	(void)ycdl_task_add_many(&keys, errors, s, items, n);
	for (size_t i = 0; i < n; i++) {
		if (keys && keys[i] && !errors[i]) {
			printf("%s\n", keys[i]);
		} else {
			fprintf(stderr, "ycdl add: %s: %s\n", g.urls[i],
					ycdl_strerror(errors[i] ? errors[i] : YCDL_E_NOMEM));
			failed = 1;
		}
	}
out:
	ycdl_keys_free(keys, n);
	free(errors);
	free(items);
	free(opts);
	ycdl_session_close(s);
	return failed;
}
