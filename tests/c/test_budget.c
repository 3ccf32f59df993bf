/* test_budget.c — every task has a finite budget: a server whose responses
 * can never complete the file (a Content-Length it does not keep, a body
 * always cut at the same byte, a malformed chunked body, cuts that move)
 * ends in a precise failure after a bounded number of requests and bytes,
 * never in endless retries. */
#define _GNU_SOURCE
#include "harness.h"

#include <stdlib.h>

#define SIZE 300000

struct run {
	ycdl_session *s;
	struct event_log log;
	char *key;
	char *dir;
};

/* Downloads SIZE bytes of name through the fault server with query (the
 * run's id is the fault id) and waits for the task's end. */
static Ycdl__Event *run(struct run *r, const char *id, const char *name,
		const char *query, const ycdl_session_options *custom)
{
	ycdl_session_options o;
	char url[1024];

	r->dir = test_dir(id);
	o = custom ? *custom : test_session_options(r->dir);
	o.state_dir = o.download_dir = r->dir;
	make_file(name, SIZE, NULL);
	fault_reset(id);
	snprintf(url, sizeof(url), "%s/%s?id=%s&%s", env.fault, name, id, query);
	r->s = open_session(id, &o);
	log_init(&r->log, r->s);
	r->key = add_url(r->s, url, NULL);
	return log_wait_end(&r->log, 0, r->key, 60000);
}

static void finish(struct run *r)
{
	ycdl_free(r->key);
	log_free(&r->log);
	ycdl_session_close(r->s);
	free(r->dir);
}

static void check_failed(const Ycdl__Event *e, int code, const char *words)
{
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FAILED);
	CHECK_INT(e->failed->error_code, code);
	if (!strstr(e->failed->message, words))
		test_fail(__FILE__, __LINE__, "the message \"%s\" does not say \"%s\"",
				e->failed->message, words);
}

/* The first example: Content-Length larger than the body, on a
 * server that cannot resume, so every attempt starts over and ends at the
 * same byte. It used to make 33 requests in 12 s and never stop. */
TEST(content_length_larger_than_the_body_fails_after_two_attempts)
{
	struct run r;
	Ycdl__Event *e = run(&r, "budget-lie", "budget-lie.bin",
			"lie_length=100000&norange=1", NULL);

	check_failed(e, YCDL_E_BAD_RESPONSE, "twice, at byte 300000");
	CHECK(!e->failed->retryable);
	CHECK_INT(fault_stat("budget-lie", "requests"), 2);
	finish(&r);
}

/* The same with ranges: each resume asks for the rest and gets nothing
 * more, so it fails at the same byte again. */
TEST(content_length_larger_than_the_body_fails_also_when_resumable)
{
	struct run r;
	Ycdl__Event *e = run(&r, "budget-lie-r", "budget-lie-r.bin",
			"lie_length=100000", NULL);

	check_failed(e, YCDL_E_BAD_RESPONSE, "twice, at byte 300000");
	CHECK(fault_stat("budget-lie-r", "requests") <= 3);
	finish(&r);
}

/* Always cut at the same point, no ranges: the second attempt is the
 * first one again. */
TEST(body_always_cut_at_the_same_byte_fails_after_two_attempts)
{
	struct run r;
	Ycdl__Event *e = run(&r, "budget-cut", "budget-cut.bin",
			"cut=120000&norange=1", NULL);

	check_failed(e, YCDL_E_BAD_RESPONSE, "twice, at byte 120000");
	CHECK_INT(fault_stat("budget-cut", "requests"), 2);
	finish(&r);
}

/* Chunk sizes no parser may take: each kind fails the same way twice,
 * even with a single retry allowed (the issue saw 50+ requests with
 * --retries 1). */
TEST(malformed_chunk_sizes_fail_as_bad_responses)
{
	static const char *const kinds[] = { "overflow", "negative", "nonhex" };

	for (size_t i = 0; i < 3; i++) {
		char id[64], name[80], query[128];
		ycdl_session_options o;
		struct run r;
		Ycdl__Event *e;
		char *dir;

		snprintf(id, sizeof(id), "budget-chunk-%s", kinds[i]);
		snprintf(name, sizeof(name), "%s.bin", id);
		snprintf(query, sizeof(query), "bad_chunk=%s&bad_chunk_after=70000", kinds[i]);
		dir = test_dir(id);
		o = test_session_options(dir);
		o.max_retries = 1;
		e = run(&r, id, name, query, &o);
		check_failed(e, YCDL_E_BAD_RESPONSE, "twice");
		CHECK(fault_stat(id, "requests") <= 2);
		finish(&r);
		free(dir);
	}
}

/* Attempts that end before the best offset reached count against the
 * retries: cuts that move back never reset the count. */
TEST(attempts_ending_before_the_best_offset_spend_retries)
{
	ycdl_session_options o;
	struct run r;
	Ycdl__Event *e;
	char *dir = test_dir("budget-back");

	o = test_session_options(dir);
	o.max_retries = 2;
	e = run(&r, "budget-back", "budget-back.bin",
			"cut=200000&cut_step=-20000&norange=1", &o);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FAILED);
	CHECK_INT(e->failed->error_code, YCDL_E_NETWORK);
	CHECK(e->failed->retryable);
	CHECK_INT(log_count(&r.log, YCDL__EVENT__KIND_RETRYING, r.key), 2);
	CHECK_INT(fault_stat("budget-back", "requests"), 3);
	finish(&r);
	free(dir);
}

/* Cuts that move forward make progress every time, so retries never run
 * out: the fetch budget (factor x size + extra) ends it, and says so. */
TEST(progress_that_never_completes_is_bounded_by_the_fetch_budget)
{
	ycdl_session_options o;
	struct run r;
	Ycdl__Event *e;
	char *dir = test_dir("budget-bytes");
	long long served;

	o = test_session_options(dir);
	o.fetch_budget_factor = 2;
	o.fetch_budget_extra = 0;
	e = run(&r, "budget-bytes", "budget-bytes.bin",
			"cut=100000&cut_step=10000&norange=1", &o);
	check_failed(e, YCDL_E_FETCH_LIMIT, "over its budget of 600000 (2x + 0)");
	CHECK(!e->failed->retryable);
	served = fault_stat("budget-bytes", "bytes");
	/* It stops within the response that crossed the budget. */
	CHECK(served > 600000 && served <= 600000 + SIZE);
	finish(&r);
	free(dir);
}

/* Progress past the best offset still earns a fresh count of retries, so a
 * resumable download over a flaky link goes on as long as it advances. */
TEST(resumable_cuts_that_advance_finish_the_file)
{
	ycdl_session_options o;
	struct run r;
	Ycdl__Event *e;
	char *dir = test_dir("budget-advance"), sha[65];

	o = test_session_options(dir);
	o.max_retries = 1;
	e = run(&r, "budget-advance", "budget-advance.bin",
			"cut=100000&cut_step=100000", &o);
	make_file("budget-advance.bin", SIZE, sha);
	CHECK_INT(e->kind_case, YCDL__EVENT__KIND_FINISHED);
	CHECK_STR(e->finished->sha256_hex, sha);
	finish(&r);
	free(dir);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_ENTRY(content_length_larger_than_the_body_fails_after_two_attempts),
		TEST_ENTRY(content_length_larger_than_the_body_fails_also_when_resumable),
		TEST_ENTRY(body_always_cut_at_the_same_byte_fails_after_two_attempts),
		TEST_ENTRY(malformed_chunk_sizes_fail_as_bad_responses),
		TEST_ENTRY(attempts_ending_before_the_best_offset_spend_retries),
		TEST_ENTRY(progress_that_never_completes_is_bounded_by_the_fetch_budget),
		TEST_ENTRY(resumable_cuts_that_advance_finish_the_file),
	};

	return test_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
