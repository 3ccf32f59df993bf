/* url.c — accepting URLs and separating their credentials, with libcurl's
 * URL parser (CURLU) so that we read URLs exactly as curl will. */
#define _GNU_SOURCE
#include "url.h"

#include "error.h"
#include "util.h"
#include "ycdl.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#define MAX_URL_LEN 8192

int url_check(const char *url)
{
	CURLU *u;
	char *scheme = NULL;
	int rc = 0;

	if (util_is_empty(url))
		return error_set(YCDL_E_INVALID, "url is required");
	if (strlen(url) > MAX_URL_LEN)
		return error_set(YCDL_E_INVALID, "url is longer than %d bytes", MAX_URL_LEN);
	if (!(u = curl_url()))
		return error_set(YCDL_E_NOMEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
		rc = error_set(YCDL_E_INVALID, "not a valid URL: %s", url);
	else if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
		rc = error_set(YCDL_E_PROTOCOL, "only http and https URLs are "
				"downloaded, not %s", scheme);
	curl_free(scheme);
	curl_url_cleanup(u);
	return rc;
}

void url_credentials_clear(struct url_credentials *creds)
{
	free(creds->user);
	free(creds->password);
	creds->user = creds->password = NULL;
}

int url_split_credentials(const char *url, char **bare, struct url_credentials *creds)
{
	CURLU *u = curl_url();
	char *user = NULL, *password = NULL, *stripped = NULL;
	int rc = 0;

	*bare = NULL;
	creds->user = creds->password = NULL;
	if (!u)
		return error_set(YCDL_E_NOMEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		rc = error_set(YCDL_E_INVALID, "not a valid URL: %s", url);
		goto out;
	}
	curl_url_get(u, CURLUPART_USER, &user, CURLU_URLDECODE);
	curl_url_get(u, CURLUPART_PASSWORD, &password, CURLU_URLDECODE);
	if (!user && !password) {
		/* Most URLs: kept exactly as given, so that keys derived from
		 * them do not depend on curl's normalisation. */
		*bare = strdup(url);
	} else if (curl_url_set(u, CURLUPART_USER, NULL, 0) != CURLUE_OK ||
		   curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) != CURLUE_OK ||
		   curl_url_get(u, CURLUPART_URL, &stripped, 0) != CURLUE_OK) {
		rc = error_set(YCDL_E_INVALID, "cannot take the credentials out of a URL");
		goto out;
	} else {
		*bare = strdup(stripped);
		creds->user = strdup(user ? user : "");
		creds->password = password ? strdup(password) : NULL;
	}
	if (!*bare || ((user || password) && !creds->user) || (password && !creds->password)) {
		free(*bare);
		*bare = NULL;
		url_credentials_clear(creds);
		rc = error_set(YCDL_E_NOMEM, "out of memory");
	}
out:
	curl_free(user);
	curl_free(password);
	curl_free(stripped);
	curl_url_cleanup(u);
	return rc;
}
