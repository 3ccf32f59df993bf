/* test_redirect_credentials.c — credentials go only where they were meant
 * to: after a redirect to the same host on another port, to another scheme
 * (either way) or to another host ([::1]), no secret header
 * (Authorization, Proxy-Authorization, Cookie, or one the caller marked
 * secret) nor the URL's user:password goes along, while a redirect within
 * the origin keeps them (test_headers.c covers another host name, and that
 * none of them is ever stored). */
#define _GNU_SOURCE
#include "harness.h"
#include "fixtures.h"

#include <stdlib.h>

static const char *const with_secrets[] = {
	"Authorization: Bearer SECRET-TOKEN-1",
	"Cookie: session=SECRET-COOKIE-2",
	"X-Trace: trace-3",
};

static void check_absent(const char *id, const char *name)
{
	char *value = fault_header(id, name);

	if (value)
		test_fail(__FILE__, __LINE__, "%s reached %s: %s", name, id, value);
}

static void check_present(const char *id, const char *name)
{
	char *value = fault_header(id, name);

	if (!value)
		test_fail(__FILE__, __LINE__, "%s did not reach %s", name, id);
	free(value);
}

/* "%2F"-style escaping of a URL for a query parameter (allocated). */
static char *escaped(const char *url)
{
	char *out = malloc(strlen(url) * 3 + 1), *p = out;

	for (; *url; url++)
		p += sprintf(p, (*url == ':' || *url == '/' || *url == '?' || *url == '&' ||
				*url == '=' || *url == '%') ? "%%%02X" : "%c", (unsigned char)*url);
	*p = '\0';
	return out;
}

/* Adds from_base/redirect-to?url=<to_base>/creds.bin?id=<id> with the
 * headers (and the secret_headers) and runs it to its end, which must be
 * finished. */
static void follow_marked(const char *session, const char *from_base,
		const char *to_base, const char *id, const char *const *headers,
		size_t count, const char *const *secret, size_t secret_count)
{
	char *dir = test_dir(session), target[512], url[1536], *to;
	ycdl_session_options o = test_session_options(dir);
	ycdl_task_options t = YCDL_TASK_OPTIONS_INIT;
	struct event_log log;
	ycdl_session *s;
	Ycdl__Event *e;
	char *key;

	make_file("creds.bin", 3000, NULL);
	fault_reset(id);
	snprintf(target, sizeof(target), "%s/creds.bin?id=%s", to_base, id);
	to = escaped(target);
	snprintf(url, sizeof(url), "%s/redirect-to?id=%s-hop&url=%s", from_base, id, to);
	o.ca_file = env.ca_file;
	s = open_session(session, &o);
	log_init(&log, s);
	t.url = url;
	t.headers = headers;
	t.header_count = count;
	t.secret_headers = secret;
	t.secret_header_count = secret_count;
	CHECK_OK(ycdl_task_add(&key, s, &t));
	e = log_wait_end(&log, 0, key, 20000);
	if (e->kind_case != YCDL__EVENT__KIND_FINISHED)
		test_fail(__FILE__, __LINE__, "%s failed: %s", url, e->failed->message);
	ycdl_free(key);
	free(to);
	log_free(&log);
	ycdl_session_close(s);
	free(dir);
}

static void follow(const char *session, const char *from_base, const char *to_base,
		const char *id, const char *const *headers, size_t count)
{
	follow_marked(session, from_base, to_base, id, headers, count, NULL, 0);
}

static void check_headers_stay_behind(const char *id)
{
	char hop[128];

	snprintf(hop, sizeof(hop), "%s-hop", id);
	check_present(hop, "Authorization");        /* sent where they belong */
	check_present(hop, "Cookie");
	check_absent(id, "Authorization");
	check_absent(id, "Cookie");
	check_present(id, "X-Trace");               /* harmless ones go along */
}

TEST(credentials_stay_behind_on_a_redirect_to_another_port)
{
	follow("creds-port", env.fault, server_setting("FAULT_URL2"), "creds-port",
			with_secrets, 3);
	check_headers_stay_behind("creds-port");
}

TEST(credentials_stay_behind_on_a_redirect_from_http_to_https)
{
	follow("creds-up", env.fault, server_setting("FAULT_TLS_URL"), "creds-up",
			with_secrets, 3);
	check_headers_stay_behind("creds-up");
}

TEST(credentials_stay_behind_on_a_redirect_from_https_to_http)
{
	follow("creds-down", server_setting("FAULT_TLS_URL"), env.fault, "creds-down",
			with_secrets, 3);
	check_headers_stay_behind("creds-down");
}

/* "http://user:password@host:port/" */
static char *with_userinfo(const char *base)
{
	char *url;

	if (asprintf(&url, "http://ycdl-user:SECRET-PASSWORD-4@%s", base + strlen("http://")) < 0)
		abort();
	return url;
}

TEST(url_password_stays_behind_on_a_redirect_to_another_port)
{
	char *from = with_userinfo(env.fault);

	follow("creds-userinfo", from, server_setting("FAULT_URL2"), "creds-userinfo",
			NULL, 0);
	check_present("creds-userinfo-hop", "Authorization");
	check_absent("creds-userinfo", "Authorization");
	free(from);
}

/* One secret header at a time, each name as the caller may spell it, so
 * that no header gets along on another's coat tails. */
static const struct {
	const char *line;
	const char *name;
	bool marked;            /* given in secret_headers */
} one_secret[] = {
	{ "Authorization: Bearer SECRET-A", "Authorization", false },
	{ "proxy-authorization: Basic U0VDUkVULUI=", "Proxy-Authorization", false },
	{ "Cookie: sid=SECRET-C", "Cookie", false },
	{ "X-Api-Token: SECRET-D", "X-Api-Token", true },
};

/* Each secret header through one redirect to to_base; it arrives there
 * only when to_base is the same origin. */
static void each_secret_header(const char *label, const char *to_base, bool same_origin)
{
	for (size_t i = 0; i < sizeof(one_secret) / sizeof(one_secret[0]); i++) {
		const char *lines[] = { one_secret[i].line, "X-Trace: trace-9" };
		char id[96], hop[128];

		snprintf(id, sizeof(id), "%s-%zu", label, i);
		snprintf(hop, sizeof(hop), "%s-hop", id);
		if (one_secret[i].marked)
			follow_marked(id, env.fault, to_base, id, lines + 1, 1, lines, 1);
		else
			follow(id, env.fault, to_base, id, lines, 2);
		check_present(hop, one_secret[i].name);
		if (same_origin)
			check_present(id, one_secret[i].name);
		else
			check_absent(id, one_secret[i].name);
		check_present(id, "X-Trace");
	}
}

TEST(each_secret_header_stays_behind_on_a_redirect_to_another_port)
{
	each_secret_header("secret-port", server_setting("FAULT_URL2"), false);
}

TEST(each_secret_header_stays_behind_on_a_redirect_to_another_host)
{
	each_secret_header("secret-v6", server_setting("FAULT_URL6"), false);
}

TEST(each_secret_header_follows_a_redirect_within_its_origin)
{
	each_secret_header("secret-same", env.fault, true);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(credentials_stay_behind_on_a_redirect_to_another_port),
		TEST_ENTRY(credentials_stay_behind_on_a_redirect_from_http_to_https),
		TEST_ENTRY(credentials_stay_behind_on_a_redirect_from_https_to_http),
		TEST_ENTRY(url_password_stays_behind_on_a_redirect_to_another_port),
		TEST_ENTRY(each_secret_header_stays_behind_on_a_redirect_to_another_port),
		TEST_ENTRY(each_secret_header_stays_behind_on_a_redirect_to_another_host),
		TEST_ENTRY(each_secret_header_follows_a_redirect_within_its_origin),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
