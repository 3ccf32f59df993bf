/* url_expiry.c — see url_expiry.h. The query is read with libcurl's URL
 * parser, as every other part of a URL is (url.c). */
#define _GNU_SOURCE
#include "url_expiry.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* The longest expiry a signature scheme allows is 7 days; a bigger number
 * is not a signature's. */
#define MAX_EXPIRES_S (7 * 24 * 3600)

struct signed_query {
	const char *amz_date, *amz_expires;
	const char *goog_date, *goog_expires;
	const char *cf_expires;
	bool cf_signature;
};

/* "20261204T120000Z" (ISO 8601 basic, UTC) as Unix time; 0 if malformed. */
static int64_t basic_iso_time(const char *v)
{
	struct tm tm = { 0 };
	const char *end;

	if (!v || strlen(v) != 16 || v[8] != 'T' || v[15] != 'Z')
		return 0;
	end = strptime(v, "%Y%m%dT%H%M%SZ", &tm);
	if (!end || *end)
		return 0;
	return (int64_t)timegm(&tm);
}

/* A whole number of seconds in [0, max], or -1. */
static int64_t seconds(const char *v, int64_t max)
{
	char *end;
	long long n;

	if (!v || !*v)
		return -1;
	n = strtoll(v, &end, 10);
	return *end || n < 0 || n > max ? -1 : (int64_t)n;
}

static void take_param(struct signed_query *q, char *param)
{
	char *eq = strchr(param, '=');
	const char *value;

	if (!eq)
		return;
	*eq = '\0';
	value = eq + 1;
	if (strcasecmp(param, "X-Amz-Date") == 0)
		q->amz_date = value;
	else if (strcasecmp(param, "X-Amz-Expires") == 0)
		q->amz_expires = value;
	else if (strcasecmp(param, "X-Goog-Date") == 0)
		q->goog_date = value;
	else if (strcasecmp(param, "X-Goog-Expires") == 0)
		q->goog_expires = value;
	else if (strcmp(param, "Expires") == 0)
		q->cf_expires = value;
	else if (strcmp(param, "Signature") == 0)
		q->cf_signature = true;
}

static int64_t signed_until(const char *date, const char *expires)
{
	int64_t from = basic_iso_time(date), lasts = seconds(expires, MAX_EXPIRES_S);

	return from > 0 && lasts >= 0 ? from + lasts : 0;
}

int64_t url_expiry(const char *url)
{
	struct signed_query q = { 0 };
	CURLU *u = curl_url();
	char *query = NULL, *save = NULL;
	int64_t at = 0;

	if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_QUERY, &query, 0) != CURLUE_OK || !query) {
		curl_url_cleanup(u);
		return 0;
	}
	for (char *p = strtok_r(query, "&", &save); p; p = strtok_r(NULL, "&", &save))
		take_param(&q, p);
	if (q.amz_date || q.amz_expires)
		at = signed_until(q.amz_date, q.amz_expires);
	else if (q.goog_date || q.goog_expires)
		at = signed_until(q.goog_date, q.goog_expires);
	else if (q.cf_expires && q.cf_signature)
		at = seconds(q.cf_expires, INT64_MAX / 2);
	if (at < 0)
		at = 0;
	curl_free(query);
	curl_url_cleanup(u);
	return at;
}
