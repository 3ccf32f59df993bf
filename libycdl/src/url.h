/* url.h — the URLs tasks are added with: which ones are accepted, and the
 * credentials some of them carry, which are kept apart from the URL that
 * names the task (and is written to disk). */
#ifndef YCDL_URL_H
#define YCDL_URL_H

/* 0 for an http or https URL curl can parse; YCDL_E_PROTOCOL for another
 * scheme, YCDL_E_INVALID otherwise (message set). */
int url_check(const char *url);

/* Credentials found in a URL, decoded; allocated, NULL when absent. */
struct url_credentials {
	char *user;
	char *password;
};

/* Splits "scheme://user:pass@host/..." into the URL without its userinfo
 * (*bare, allocated) and the credentials (creds, zeroed when the URL has
 * none). A URL without credentials comes back unchanged, byte for byte.
 * Returns 0 or YCDL_E_NOMEM / YCDL_E_INVALID (message set). */
int url_split_credentials(const char *url, char **bare, struct url_credentials *creds);

/* Frees and zeroes creds. */
void url_credentials_clear(struct url_credentials *creds);

#endif
