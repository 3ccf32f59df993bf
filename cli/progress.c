/* progress.c — what the user sees while `ycdl get` runs: live bars on a
 * terminal, one line per file otherwise. */
#define _GNU_SOURCE
#include "cli.h"
#include "strmap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct tracked {
	char *key;
	char *label;
	char *url;
	int status;
	uint64_t written;
	int64_t expected;
	uint64_t speed;
	bool ended;
	bool failed;
};

/* At most this many bars; the rest is summed up in one line. */
#define MAX_BARS 8

struct progress {
	bool terminal;
	struct tracked **items;       /* in the order tracked */
	size_t count, cap;
	struct strmap by_key;         /* key -> item: ten thousand URLs stay fast */
	size_t unfinished, failed, paused;
	bool stopping;                /* our own Ctrl-C pauses everything */
	bool follow_new;              /* track tasks others add (watch) */
	bool keep_open;               /* unfinished never reaches 0 (watch) */
	int lines_drawn;
	int64_t last_draw_ms;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct progress *progress_new(bool terminal)
{
	struct progress *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->terminal = terminal;
	strmap_init(&p->by_key);
	return p;
}

void progress_free(struct progress *p)
{
	if (!p)
		return;
	strmap_free(&p->by_key);
	for (size_t i = 0; i < p->count; i++) {
		free(p->items[i]->key);
		free(p->items[i]->label);
		free(p->items[i]->url);
		free(p->items[i]);
	}
	free(p->items);
	free(p);
}

void progress_track(struct progress *p, const char *key, const char *label,
		const char *url)
{
	struct tracked *t;

	if (strmap_get(&p->by_key, key))
		return;         /* the same URL given twice */
	if (p->count == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		struct tracked **items = realloc(p->items, cap * sizeof(*items));

		if (!items)
			return;
		p->items = items;
		p->cap = cap;
	}
	if (!(t = calloc(1, sizeof(*t))))
		return;
	t->key = strdup(key);
	t->label = strdup(label);
	t->url = strdup(url);
	t->expected = -1;
	if (!t->key || !t->label || !t->url || !strmap_put(&p->by_key, t->key, t)) {
		free(t->key);
		free(t->label);
		free(t->url);
		free(t);
		return;
	}
	p->items[p->count++] = t;
	p->unfinished++;
}

static struct tracked *find(struct progress *p, const char *key)
{
	return strmap_get(&p->by_key, key);
}

static void end_item(struct progress *p, struct tracked *t, bool failed)
{
	if (t->ended)
		return;
	t->ended = true;
	t->failed = failed;
	p->unfinished--;
	p->failed += failed;
}

static void erase_bars(struct progress *p)
{
	if (!p->terminal || p->lines_drawn == 0)
		return;
	printf("\033[%dA\r\033[J", p->lines_drawn);
	p->lines_drawn = 0;
}

static void draw_bar(const struct tracked *t)
{
	char done[32], total[32], speed[32], bar[31];
	int width = 30, filled = 0;
	double fraction = t->expected > 0 ? (double)t->written / (double)t->expected : 0;

	if (fraction > 1)
		fraction = 1;
	filled = (int)(fraction * width);
	memset(bar, '#', (size_t)filled);
	memset(bar + filled, '.', (size_t)(width - filled));
	bar[width] = '\0';
	cli_format_size(done, sizeof(done), t->written);
	cli_format_size(speed, sizeof(speed), t->speed);
	if (t->expected >= 0)
		cli_format_size(total, sizeof(total), (uint64_t)t->expected);
	else
		strcpy(total, "?");
	printf("%-28.28s [%s] %3d%% %10s / %-10s %10s/s %s\n", t->label, bar,
			(int)(fraction * 100), done, total, speed, ycdl_status_name(t->status));
}

/* Bars for the first downloads still going; one line sums up the rest. */
static void draw_bars(struct progress *p, bool force)
{
	int64_t now = now_ms();
	size_t shown = 0;

	if (!p->terminal || (!force && now - p->last_draw_ms < 100))
		return;
	erase_bars(p);
	for (size_t i = 0; i < p->count && shown < MAX_BARS; i++) {
		if (p->items[i]->ended)
			continue;
		draw_bar(p->items[i]);
		p->lines_drawn++;
		shown++;
	}
	if (p->unfinished > shown) {
		printf("... and %zu more\n", p->unfinished - shown);
		p->lines_drawn++;
	}
	p->last_draw_ms = now;
	fflush(stdout);
}

void progress_message(struct progress *p, bool error, const char *fmt, ...)
{
	va_list ap;

	erase_bars(p);
	fflush(stdout);
	va_start(ap, fmt);
	vfprintf(error ? stderr : stdout, fmt, ap);
	va_end(ap);
	fputc('\n', error ? stderr : stdout);
	fflush(error ? stderr : stdout);
	draw_bars(p, true);
}

static void on_finished(struct progress *p, struct tracked *t, const Ycdl__Finished *f)
{
	char size[32];

	end_item(p, t, false);
	cli_format_size(size, sizeof(size), f->size);
	if (f->sha256_hex[0])
		progress_message(p, false, "finished %s (%s, sha256 %s)", f->path, size,
				f->sha256_hex);
	else
		progress_message(p, false, "finished %s (%s)", f->path, size);
}

static void on_failed(struct progress *p, struct tracked *t, const Ycdl__Failed *f)
{
	end_item(p, t, true);
	if (f->http_status)
		progress_message(p, true, "ycdl: %s: %s (HTTP %u, %s)", t->url, f->message,
				f->http_status, ycdl_strerror(f->error_code));
	else
		progress_message(p, true, "ycdl: %s: %s (%s)", t->url, f->message,
				ycdl_strerror(f->error_code));
}

/* The task's URL no longer gives the file: it ends here, and the message
 * says how to go on with the bytes kept. */
static void on_url_needed(struct progress *p, struct tracked *t, const Ycdl__UrlNeeded *u)
{
	char why[32] = "";

	end_item(p, t, true);
	if (u->http_status && u->error_code == YCDL_E_HTTP)
		snprintf(why, sizeof(why), " (HTTP %u)", u->http_status);
	progress_message(p, true, "ycdl: %s waits for a new URL%s: %s\n"
			"  give it one with: ycdl set-url %s URL", t->label, why,
			u->message, t->key);
}

void progress_follow_new_tasks(struct progress *p, bool keep_open)
{
	p->follow_new = true;
	p->keep_open = keep_open;
}

/* A role change of the session handle (its owner went away): said once. */
static void role_changed(struct progress *p, const Ycdl__RoleChanged *r)
{
	progress_message(p, r->role == YCDL__ROLE__ROLE_UNSPECIFIED, "ycdl: %s",
			r->reason);
}

void progress_event(struct progress *p, const Ycdl__Event *e)
{
	struct tracked *t;
	char a[32], b[32];

	if (e->kind_case == YCDL__EVENT__KIND_ROLE_CHANGED) {
		role_changed(p, e->role_changed);
		return;
	}
	if (p->follow_new && e->kind_case == YCDL__EVENT__KIND_TASK_ADDED)
		progress_track(p, e->key, cli_base_name(e->task_added->dest_path),
				e->task_added->url);
	if (!(t = find(p, e->key)))
		return;
	switch (e->kind_case) {
	case YCDL__EVENT__KIND_PROGRESS:
		t->written = e->progress->bytes_written;
		t->expected = e->progress->bytes_expected;
		t->speed = e->progress->speed_bps;
		break;
	case YCDL__EVENT__KIND_STATUS_CHANGED:
		t->status = (int)e->status_changed->new_status;
		if (t->status == YCDL_STATUS_FAILED || t->status == YCDL_STATUS_FINISHED ||
		    t->status == YCDL_STATUS_WAITING_FOR_URL)
			return;   /* the finished/failed/url_needed event says more */
		if (t->status == YCDL_STATUS_PAUSED && !p->stopping) {
			/* Paused by another process (ycdl pause, an application
			 * attached to the session): nothing more will come. */
			progress_message(p, true, "%s: paused by another process (ycdl "
					"resume %s continues it)", t->label, t->key);
			end_item(p, t, false);
			p->paused++;
		}
		break;
	case YCDL__EVENT__KIND_RESUMED:
		t->written = e->resumed->offset;
		t->expected = e->resumed->bytes_expected;
		progress_message(p, false, "resuming %s at %s of %s", t->label,
				cli_format_size(a, sizeof(a), e->resumed->offset),
				e->resumed->bytes_expected >= 0 ? cli_format_size(b, sizeof(b),
				(uint64_t)e->resumed->bytes_expected) : "?");
		break;
	case YCDL__EVENT__KIND_RESTARTED:
		t->written = 0;
		progress_message(p, false, "restarting %s from zero: %s", t->label,
				e->restarted->reason);
		break;
	case YCDL__EVENT__KIND_REDIRECTED:
		if (!p->terminal)
			break;
		progress_message(p, false, "%s: redirected (%u) to %s", t->label,
				e->redirected->http_status, e->redirected->to_url);
		break;
	case YCDL__EVENT__KIND_RETRYING:
		progress_message(p, false, "%s: %s; retry %u in %.1f s", t->label,
				e->retrying->message, e->retrying->attempt,
				e->retrying->delay_ms / 1000.0);
		break;
	case YCDL__EVENT__KIND_FINISHED:
		on_finished(p, t, e->finished);
		break;
	case YCDL__EVENT__KIND_FAILED:
		on_failed(p, t, e->failed);
		break;
	case YCDL__EVENT__KIND_URL_NEEDED:
		on_url_needed(p, t, e->url_needed);
		break;
	case YCDL__EVENT__KIND_URL_CHANGED:
		progress_message(p, false, "%s: now from %s (%s)", t->label,
				e->url_changed->to, e->url_changed->reason);
		break;
	default:
		break;
	}
	draw_bars(p, e->kind_case != YCDL__EVENT__KIND_PROGRESS);
}

size_t progress_unfinished(const struct progress *p)
{
	return p->keep_open ? p->unfinished + 1 : p->unfinished;
}

size_t progress_failed(const struct progress *p)
{
	return p->failed + p->paused;
}

void progress_stopping(struct progress *p)
{
	p->stopping = true;
}
