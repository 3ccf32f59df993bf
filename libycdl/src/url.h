/* url.h — the URLs tasks are added with: which ones are accepted, the
 * credentials some of them carry (kept apart from the URL that names the
 * task and is written to disk), and the extension that names the file. */
#ifndef YCDL_URL_H
#define YCDL_URL_H

#include <stdbool.h>

/* Credentials found in a URL, decoded; allocated, NULL when absent. */
struct url_credentials {
	char *user;
	char *password;
};

/* What one parse of a URL tells. */
struct url_parts {
	char *bare;                   /* the URL without credentials; allocated */
	struct url_credentials creds; /* zeroed when the URL has none */
	char extension[18];           /* ".ext" of the path's last segment, or "" */
};

/* Parses url once with libcurl's parser (so that we read it exactly as curl
 * will): an http or https URL gives 0 and fills out; another scheme gives
 * YCDL_E_PROTOCOL, anything else unusable YCDL_E_INVALID (message set).
 * A URL without credentials comes back in out->bare byte for byte. */
int url_parse(const char *url, struct url_parts *out);

/* True when a and b (absolute URLs) have the same origin: scheme, host and
 * port (the scheme's default when absent), as a browser compares them. */
bool url_same_origin(const char *a, const char *b);

/* True for an http or https URL (the schemes a redirect may go to). */
bool url_is_http(const char *url);

/* Frees and zeroes what url_parse filled. */
void url_parts_clear(struct url_parts *parts);

/* Frees and zeroes creds. */
void url_credentials_clear(struct url_credentials *creds);

#endif
