/* test_tls_certs.c — certificates a client must refuse: expired, issued for
 * another host, self-signed. Refused by default with YCDL_E_TLS, not
 * retried, the message saying why; the right CA file fixes only what trust
 * can fix: the self-signed certificate, never the expired or wrong-host
 * one. */
#define _GNU_SOURCE
#include "harness.h"
#include "fixtures.h"

#include <stdlib.h>

/* Downloads name from base trusting ca_file (NULL: the system's CAs);
 * returns its finished or failed event (owned by log). */
static Ycdl__Event *fetch(struct event_log *log, ycdl_session **s, const char *id,
		const char *base, const char *name, const char *ca_file)
{
	char *dir = test_dir(id), url[512], *key;
	ycdl_session_options o = test_session_options(dir);
	Ycdl__Event *e;

	o.ca_file = ca_file;
	*s = open_session(id, &o);
	log_init(log, *s);
	snprintf(url, sizeof(url), "%s/%s", base, name);
	key = add_url(*s, url, NULL);
	e = log_wait_end(log, 0, key, 30000);
	ycdl_free(key);
	free(dir);
	return e;
}

/* Fails with YCDL_E_TLS, permanently, with a message containing why. */
static void check_refused(const char *id, const char *base, const char *ca_file,
		const char *why)
{
	struct event_log log;
	ycdl_session *s;
	Ycdl__Event *e;

	make_file("tls-bad.bin", 20000, NULL);
	e = fetch(&log, &s, id, base, "tls-bad.bin", ca_file);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FAILED);
	CHECK_INT(e->failed->error_code, YCDL_E_TLS);
	CHECK(!e->failed->retryable);
	CHECK_INT(log_count(&log, YCDL__EVENT__KIND_RETRYING, NULL), 0);
	if (!strcasestr(e->failed->message, why))
		test_fail(__FILE__, __LINE__, "\"%s\" does not say \"%s\"",
				e->failed->message, why);
	log_free(&log);
	ycdl_session_close(s);
}

TEST(expired_certificate_is_refused_even_with_the_right_ca_file)
{
	const char *url = server_setting("NGINX_EXPIRED_URL");

	check_refused("tls-expired-default", url, NULL, "certificate");
	check_refused("tls-expired", url, env.ca_file, "expired");
}

TEST(wrong_host_certificate_is_refused_even_with_the_right_ca_file)
{
	const char *url = server_setting("NGINX_WRONG_HOST_URL");

	check_refused("tls-wrong-host-default", url, NULL, "certificate");
	check_refused("tls-wrong-host", url, env.ca_file, "host name");
}

TEST(self_signed_certificate_is_refused_unless_it_is_the_ca_file)
{
	const char *url = server_setting("NGINX_SELF_SIGNED_URL");
	struct event_log log;
	ycdl_session *s;
	Ycdl__Event *e;
	char sha[65];

	check_refused("tls-self-signed-default", url, NULL, "self-signed");
	/* Another CA is no better than none. */
	check_refused("tls-self-signed-other-ca", url, env.ca_file, "self-signed");

	make_file("tls-self-signed.bin", 300000, sha);
	e = fetch(&log, &s, "tls-self-signed", url, "tls-self-signed.bin",
			server_setting("SELF_SIGNED_CERT"));
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	log_free(&log);
	ycdl_session_close(s);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(expired_certificate_is_refused_even_with_the_right_ca_file),
		TEST_ENTRY(wrong_host_certificate_is_refused_even_with_the_right_ca_file),
		TEST_ENTRY(self_signed_certificate_is_refused_unless_it_is_the_ca_file),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
