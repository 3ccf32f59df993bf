/* common.c — option parsing and session opening shared by all commands. */
#define _GNU_SOURCE
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool cli_common_option(struct common_options *c, int argc, char **argv, int *i)
{
	const char *arg = argv[*i];

	if ((strcmp(arg, "--session") == 0 || strcmp(arg, "--state-dir") == 0) &&
	    *i + 1 < argc) {
		if (arg[2] == 's' && arg[3] == 'e')
			c->session = argv[++*i];
		else
			c->state_dir = argv[++*i];
		return true;
	}
	return false;
}

int cli_open_session(ycdl_session **out, const struct common_options *c,
		ycdl_session_options *opts)
{
	int rc;

	opts->state_dir = c->state_dir;
	rc = ycdl_session_open(out, c->session, opts);
	if (rc == YCDL_E_LOCKED)
		fprintf(stderr, "ycdl: session \"%s\" is served by another process\n",
				c->session);
	else if (rc != 0)
		fprintf(stderr, "ycdl: cannot open session \"%s\": %s\n", c->session,
				ycdl_last_error_message());
	return rc;
}

bool cli_parse_uint(const char *text, unsigned long min, unsigned long max,
		unsigned long *out)
{
	unsigned long value;
	char *end;

	/* strtoul skips spaces and takes a sign ("-1" is ULONG_MAX): a whole
	 * number must start with its first digit. */
	if (!text || !isdigit((unsigned char)*text))
		return false;
	errno = 0;
	value = strtoul(text, &end, 10);
	if (errno == ERANGE || *end != '\0' || value < min || value > max)
		return false;
	*out = value;
	return true;
}

/* How far a K, M, G or T shifts (binary units, as curl's --limit-rate);
 * 0 for anything else. */
static unsigned int unit_shift(char c)
{
	switch (toupper((unsigned char)c)) {
	case 'K': return 10;
	case 'M': return 20;
	case 'G': return 30;
	case 'T': return 40;
	default: return 0;
	}
}

/* floor(0.DIGITS * unit) exactly, without floating point: from the last
 * digit to the first, each division by 10 drops only what the final floor
 * would drop anyway, and part stays below unit. */
static uint64_t fraction_of(const char *first, const char *end, uint64_t unit)
{
	uint64_t part = 0;

	while (end > first)
		part = (part + (uint64_t)(*--end - '0') * unit) / 10;
	return part;
}

bool cli_parse_size(const char *text, uint64_t *out)
{
	const char *p = text, *fraction = NULL, *fraction_end = NULL;
	uint64_t whole = 0, bytes;
	unsigned int shift;
	bool nonzero = false;

	if (!text || !isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned int digit = (unsigned int)(*p - '0');

		if (whole > (CLI_SIZE_MAX - digit) / 10)
			return false;
		whole = whole * 10 + digit;
		nonzero |= digit != 0;
	}
	if (*p == '.') {
		for (fraction = ++p; isdigit((unsigned char)*p); p++)
			nonzero |= *p != '0';
		fraction_end = p;
	}
	shift = unit_shift(*p);
	if (shift)
		p++;
	if (*p == 'B' || *p == 'b')
		p++;
	/* A fraction needs a unit to mean whole bytes: "1.5M" is, "0.4" is not. */
	if (*p != '\0' || (fraction && (fraction == fraction_end || !shift)) ||
	    whole > CLI_SIZE_MAX >> shift)
		return false;
	/* The fraction adds less than one unit, and CLI_SIZE_MAX's low bits are
	 * all ones: no overflow past the check above. */
	bytes = whole << shift;
	if (fraction)
		bytes += fraction_of(fraction, fraction_end, (uint64_t)1 << shift);
	/* A nonzero size too small for one byte must not become 0, which
	 * means "no limit" to whoever reads it. */
	if (nonzero && bytes == 0)
		return false;
	*out = bytes;
	return true;
}

/* The one wording of a refused option value. */
static bool refuse(const char *option, const char *text, const char *expected)
{
	fprintf(stderr, "ycdl: option %s: '%s' is not %s\n", option, text, expected);
	return false;
}

bool cli_uint_option(const char *option, const char *text, unsigned long min,
		unsigned long max, unsigned long *out)
{
	char expected[80];

	if (cli_parse_uint(text, min, max, out))
		return true;
	snprintf(expected, sizeof(expected), "a whole number from %lu to %lu", min, max);
	return refuse(option, text, expected);
}

bool cli_size_option(const char *option, const char *text, uint64_t *out)
{
	if (cli_parse_size(text, out))
		return true;
	return refuse(option, text, "a size below 8 EiB such as 800, 500K or 1.5M "
			"(whole bytes, or a fraction with K, M, G or T: 1K = 1024)");
}

const char *cli_format_size(char *buf, size_t len, uint64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
	return buf;
}

const char *cli_base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

const char *cli_self_path(void)
{
	static char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	if (n <= 0)
		return "ycdl";      /* found on PATH, like any command */
	path[n] = '\0';
	return path;
}
