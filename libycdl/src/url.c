/* url.c — accepting URLs and taking them apart, with libcurl's URL parser
 * (CURLU), once per URL. */
#define _GNU_SOURCE
#include "url.h"

#include "error.h"
#include "naming.h"
#include "util.h"
#include "ycdl.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_URL_LEN 8192

void url_credentials_clear(struct url_credentials *creds)
{
	free(creds->user);
	free(creds->password);
	creds->user = creds->password = NULL;
}

void url_parts_clear(struct url_parts *parts)
{
	free(parts->bare);
	url_credentials_clear(&parts->creds);
	memset(parts, 0, sizeof(*parts));
}

static int check_scheme(CURLU *u, const char *url)
{
	char *scheme = NULL;
	int rc = 0;

	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
		rc = error_set(YCDL_E_INVALID, "not a valid URL: %s", url);
	else if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
		rc = error_set(YCDL_E_PROTOCOL, "only http and https URLs are "
				"downloaded, not %s", scheme);
	curl_free(scheme);
	return rc;
}

/* Moves the userinfo out of u into creds; *bare gets the URL without it.
 * Most URLs have none and are kept exactly as given, so that keys derived
 * from them do not depend on curl's normalisation. */
static int split_credentials(CURLU *u, const char *url, char **bare,
		struct url_credentials *creds)
{
	char *user = NULL, *password = NULL, *stripped = NULL;
	int rc = 0;

	curl_url_get(u, CURLUPART_USER, &user, CURLU_URLDECODE);
	curl_url_get(u, CURLUPART_PASSWORD, &password, CURLU_URLDECODE);
	if (!user && !password) {
		*bare = strdup(url);
	} else if (curl_url_set(u, CURLUPART_USER, NULL, 0) != CURLUE_OK ||
		   curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) != CURLUE_OK ||
		   curl_url_get(u, CURLUPART_URL, &stripped, 0) != CURLUE_OK) {
		rc = error_set(YCDL_E_INVALID, "cannot take the credentials out of a URL");
	} else {
		*bare = strdup(stripped);
		creds->user = strdup(user ? user : "");
		creds->password = password ? strdup(password) : NULL;
	}
	if (rc == 0 && (!*bare || ((user || password) && !creds->user) ||
			(password && !creds->password)))
		rc = error_set(YCDL_E_NOMEM, "out of memory");
	curl_free(user);
	curl_free(password);
	curl_free(stripped);
	return rc;
}

int url_parse(const char *url, struct url_parts *out)
{
	CURLU *u;
	char *path = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (util_is_empty(url))
		return error_set(YCDL_E_INVALID, "url is required");
	if (strlen(url) > MAX_URL_LEN)
		return error_set(YCDL_E_INVALID, "url is longer than %d bytes", MAX_URL_LEN);
	if (!(u = curl_url()))
		return error_set(YCDL_E_NOMEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		rc = error_set(YCDL_E_INVALID, "not a valid URL: %s", url);
	else if ((rc = check_scheme(u, url)) == 0 &&
		 curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK) {
		naming_path_extension(path, out->extension, sizeof(out->extension));
		rc = split_credentials(u, url, &out->bare, &out->creds);
	}
	curl_free(path);
	curl_url_cleanup(u);
	if (rc != 0)
		url_parts_clear(out);
	return rc;
}

/* scheme://host:port of url, lowercase, with the default port filled in;
 * allocated, NULL when url is not absolute. */
static char *origin_of(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *origin = NULL;

	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		origin = util_printf("%s://%s:%s", scheme, host, port);
	for (char *p = origin; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return origin;
}

bool url_same_origin(const char *a, const char *b)
{
	char *oa = origin_of(a), *ob = origin_of(b);
	bool same = oa && ob && strcmp(oa, ob) == 0;

	free(oa);
	free(ob);
	return same;
}

bool url_is_http(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}
