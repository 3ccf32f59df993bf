/* progress.c — what the user sees while `ycdl get` runs: live bars on a
 * terminal, sized to its width (one bar for all files above the bars of
 * the first ones), one line per file otherwise; the totals at the end. */
#define _GNU_SOURCE
#include "cli.h"
#include "strmap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

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
	int64_t started_ms;
	uint64_t finished_bytes;      /* of the files that finished here */
	size_t finished_files;
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
	p->started_ms = now_ms();
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
	t->status = YCDL_STATUS_WAITING;    /* until its first event says */
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

/* The terminal's width, read at each redraw so that a resize is followed;
 * a line never reaches the last column (no wrap to count wrong). */
static int terminal_width(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

/* "1:02:03", "4:05", or "--" when it cannot be told. */
static const char *format_eta(char *buf, size_t len, uint64_t left, uint64_t speed)
{
	uint64_t s;

	if (!speed) {
		snprintf(buf, len, "--");
		return buf;
	}
	s = left / speed;
	if (s >= 3600)
		snprintf(buf, len, "%llu:%02llu:%02llu", (unsigned long long)(s / 3600),
				(unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
	else
		snprintf(buf, len, "%llu:%02llu", (unsigned long long)(s / 60),
				(unsigned long long)(s % 60));
	return buf;
}

/* Columns label takes when cut to at most max characters (UTF-8 sequences
 * kept whole), and the bytes that is. */
static size_t cut_label(const char *label, int max, int *columns)
{
	size_t bytes = 0;
	int cols = 0;

	while (label[bytes] && cols < max) {
		bytes++;
		while ((label[bytes] & 0xC0) == 0x80)
			bytes++;
		cols++;
	}
	*columns = cols;
	return bytes;
}

/* One line of at most width - 1 columns, in columns that line up from one
 * line to the next: the label (cut or padded to a quarter of the width),
 * a bar when there is room, then the figures — percent, done / total,
 * speed, and the ETA or the status when not downloading. */
static void draw_line(const char *label, uint64_t written, int64_t expected,
		uint64_t speed, const char *state, int width)
{
	char done[32], total[32], rate[32], eta[32], right[160], bar[256];
	double fraction = expected > 0 ? (double)written / (double)expected : 0;
	int room, label_width, label_cols, bar_width;
	size_t label_bytes;

	if (fraction > 1)
		fraction = 1;
	cli_format_size(done, sizeof(done), written);
	if (expected >= 0)
		cli_format_size(total, sizeof(total), (uint64_t)expected);
	else
		strcpy(total, "?");
	cli_format_size(rate, sizeof(rate), speed);
	if (!state)
		state = expected >= 0 ? format_eta(eta, sizeof(eta),
				(uint64_t)expected - (written < (uint64_t)expected ? written
					: (uint64_t)expected), speed) : "--";
	snprintf(right, sizeof(right), " %3d%% %9s/%-9s %9s/s %-8.8s",
			(int)(fraction * 100), done, total, rate, state);
	room = width - 1 - (int)strlen(right);
	label_width = room / 2 < width / 4 ? room / 2 : width / 4;
	if (label_width < 1)
		label_width = room > 0 ? room : 0;
	label_bytes = cut_label(label, label_width, &label_cols);
	bar_width = room - label_width - 3;
	if (bar_width > (int)sizeof(bar) - 1)
		bar_width = (int)sizeof(bar) - 1;
	if (bar_width >= 5) {
		int filled = (int)(fraction * bar_width);

		memset(bar, '#', (size_t)filled);
		memset(bar + filled, '.', (size_t)(bar_width - filled));
		bar[bar_width] = '\0';
		printf("%.*s%*s [%s]%s\n", (int)label_bytes, label,
				label_width - label_cols, "", bar, right);
	} else {
		printf("%.*s%s\n", (int)label_bytes, label, room > 0 ? right : "");
	}
}

static void draw_bar(const struct tracked *t, int width)
{
	draw_line(t->label, t->written, t->expected, t->speed,
			t->status == YCDL_STATUS_DOWNLOADING ? NULL
			: ycdl_status_name(t->status), width);
}

/* One bar for every file: the bytes of all, over what is known of the
 * sizes (a file whose size is not known yet counts what it has on both
 * sides), the speed of all, files done. */
static void draw_total(const struct progress *p, int width)
{
	uint64_t written = 0, expected = 0, speed = 0;
	size_t ended = 0;
	char label[48];

	for (size_t i = 0; i < p->count; i++) {
		const struct tracked *t = p->items[i];

		written += t->written;
		expected += t->expected >= 0 ? (uint64_t)t->expected : t->written;
		speed += t->ended ? 0 : t->speed;
		ended += t->ended;
	}
	snprintf(label, sizeof(label), "all %zu/%zu", ended, p->count);
	draw_line(label, written, (int64_t)expected, speed, NULL, width);
}

/* The total, then bars for the first downloads still going; one line sums
 * up the rest. */
static void draw_bars(struct progress *p, bool force)
{
	int64_t now = now_ms();
	int width;
	size_t shown = 0;

	if (!p->terminal || (!force && now - p->last_draw_ms < 100))
		return;
	width = terminal_width();
	erase_bars(p);
	if (p->count > 1) {
		draw_total(p, width);
		p->lines_drawn++;
	}
	for (size_t i = 0; i < p->count && shown < MAX_BARS; i++) {
		if (p->items[i]->ended)
			continue;
		draw_bar(p->items[i], width);
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

void progress_redraw(struct progress *p)
{
	draw_bars(p, true);
}

void progress_summary(struct progress *p)
{
	double seconds = (double)(now_ms() - p->started_ms) / 1000.0;
	char size[32], rate[32];

	if (p->finished_files == 0)
		return;
	erase_bars(p);
	cli_format_size(size, sizeof(size), p->finished_bytes);
	cli_format_size(rate, sizeof(rate), seconds > 0
			? (uint64_t)((double)p->finished_bytes / seconds) : 0);
	printf("done: %zu file%s, %s in %.1f s (%s/s)\n", p->finished_files,
			p->finished_files == 1 ? "" : "s", size, seconds, rate);
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
	p->finished_files++;
	p->finished_bytes += f->size;
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
