/* common.c — option parsing and session opening shared by all commands. */
#define _GNU_SOURCE
#include "cli.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
		fprintf(stderr, "ycdl: session \"%s\" is in use by another ycdl process; "
				"wait for it or use --session\n", c->session);
	else if (rc != 0)
		fprintf(stderr, "ycdl: cannot open session \"%s\": %s\n", c->session,
				ycdl_last_error_message());
	return rc;
}

bool cli_parse_size(const char *text, uint64_t *out)
{
	char *end;
	double value;
	uint64_t unit = 1;

	if (!text || !isdigit((unsigned char)*text))
		return false;
	value = strtod(text, &end);
	switch (toupper((unsigned char)*end)) {
	case 'K': unit = 1024; end++; break;
	case 'M': unit = 1024 * 1024; end++; break;
	case 'G': unit = 1024ull * 1024 * 1024; end++; break;
	default: break;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end != '\0' || value < 0 || value * (double)unit > 1e18)
		return false;
	*out = (uint64_t)(value * (double)unit);
	return true;
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
