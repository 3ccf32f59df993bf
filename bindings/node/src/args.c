/* args.c — strict reading of JavaScript arguments and options, and
 * building the plain objects handed back. Garbage of any kind becomes a
 * TypeError naming the offending option, never a crash or a silent
 * default. */
#include "addon.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARRAY_LENGTH 1000

static bool is_absent(napi_env env, napi_value value)
{
	napi_valuetype type;

	return napi_typeof(env, value, &type) != napi_ok ||
		type == napi_undefined || type == napi_null;
}

static bool has_type(napi_env env, napi_value value, napi_valuetype expected)
{
	napi_valuetype type;

	return napi_typeof(env, value, &type) == napi_ok && type == expected;
}

/* ------------------------------------------------ positional arguments */

char *arg_string(napi_env env, napi_value value, const char *what)
{
	size_t len, copied;
	char *s;

	if (!has_type(env, value, napi_string)) {
		throw_invalid(env, "%s must be a string", what);
		return NULL;
	}
	NAPI_OR_NULL(env, napi_get_value_string_utf8(env, value, NULL, 0, &len));
	if (!(s = malloc(len + 1))) {
		napi_throw_error(env, "YCDL_E_NOMEM", "out of memory");
		return NULL;
	}
	if (napi_get_value_string_utf8(env, value, s, len + 1, &copied) != napi_ok ||
	    copied != len) {
		free(s);
		throw_napi_failure(env, napi_generic_failure);
		return NULL;
	}
	/* C strings end at the first NUL: a hidden one would silently cut a
	 * path or a URL short. */
	if (strlen(s) != len) {
		free(s);
		throw_invalid(env, "%s must not contain NUL characters", what);
		return NULL;
	}
	return s;
}

bool arg_bool(napi_env env, napi_value value, const char *what, bool *out)
{
	if (!has_type(env, value, napi_boolean)) {
		throw_invalid(env, "%s must be a boolean", what);
		return false;
	}
	return napi_get_value_bool(env, value, out) == napi_ok;
}

bool arg_int(napi_env env, napi_value value, const char *what, int64_t min,
		int64_t max, int64_t *out)
{
	double d;

	if (!has_type(env, value, napi_number) ||
	    napi_get_value_double(env, value, &d) != napi_ok ||
	    !isfinite(d) || d != floor(d) || d < (double)min || d > (double)max) {
		throw_invalid(env, "%s must be an integer from %lld to %lld", what,
				(long long)min, (long long)max);
		return false;
	}
	*out = (int64_t)d;
	return true;
}

void strings_free(char **strings)
{
	if (!strings)
		return;
	for (char **s = strings; *s; s++)
		free(*s);
	free(strings);
}

bool arg_string_array(napi_env env, napi_value value, const char *what,
		char ***out, size_t *count)
{
	char name[256];
	uint32_t len;
	bool is_array = false;
	char **strings;
	napi_value item;

	if (napi_is_array(env, value, &is_array) != napi_ok || !is_array ||
	    napi_get_array_length(env, value, &len) != napi_ok) {
		throw_invalid(env, "%s must be an array of strings", what);
		return false;
	}
	if (len > MAX_ARRAY_LENGTH) {
		throw_invalid(env, "%s has more than %d entries", what, MAX_ARRAY_LENGTH);
		return false;
	}
	if (!(strings = calloc(len + 1, sizeof(char *)))) {
		napi_throw_error(env, "YCDL_E_NOMEM", "out of memory");
		return false;
	}
	for (uint32_t i = 0; i < len; i++) {
		snprintf(name, sizeof(name), "%s[%u]", what, i);
		if (napi_get_element(env, value, i, &item) != napi_ok) {
			throw_napi_failure(env, napi_generic_failure);
			goto fail;
		}
		if (!(strings[i] = arg_string(env, item, name)))
			goto fail;
	}
	*out = strings;
	*count = len;
	return true;
fail:
	strings_free(strings);
	return false;
}

int arg_choice(napi_env env, napi_value value, const char *what,
		const char *const *names, size_t count)
{
	char *s = arg_string(env, value, what), list[256] = "";
	int found = -1;

	if (!s)
		return -1;
	for (size_t i = 0; i < count && found < 0; i++)
		if (strcmp(s, names[i]) == 0)
			found = (int)i;
	free(s);
	if (found >= 0)
		return found;
	for (size_t i = 0; i < count; i++) {
		strncat(list, i ? ", '" : "'", sizeof(list) - strlen(list) - 1);
		strncat(list, names[i], sizeof(list) - strlen(list) - 1);
		strncat(list, "'", sizeof(list) - strlen(list) - 1);
	}
	throw_invalid(env, "%s must be one of %s", what, list);
	return -1;
}

/* ------------------------------------------------------------ reader */

void reader_init(struct reader *r, napi_env env, napi_value value, const char *what)
{
	bool is_array = false;

	memset(r, 0, sizeof(*r));
	r->env = env;
	r->what = what;
	if (is_absent(env, value))
		return;
	if (!has_type(env, value, napi_object) ||
	    napi_is_array(env, value, &is_array) != napi_ok || is_array) {
		throw_invalid(env, "%s must be an object", what);
		r->failed = true;
		return;
	}
	r->object = value;
}

void reader_free(struct reader *r)
{
	for (size_t i = 0; i < r->string_count; i++)
		free(r->strings[i]);
	for (size_t i = 0; i < r->array_count; i++)
		strings_free(r->arrays[i]);
	r->string_count = r->array_count = 0;
}

/* The property's value when it is given; false when absent or failed. */
static bool get_property(struct reader *r, const char *name, napi_value *value)
{
	if (r->failed || !r->object)
		return false;
	if (napi_get_named_property(r->env, r->object, name, value) != napi_ok) {
		throw_napi_failure(r->env, napi_generic_failure);
		r->failed = true;
		return false;
	}
	return !is_absent(r->env, *value);
}

static void property_name(const struct reader *r, const char *name, char *out,
		size_t size)
{
	snprintf(out, size, "%s.%s", r->what, name);
}

bool read_string(struct reader *r, const char *name, const char **out)
{
	char what[256], *s;
	napi_value value;

	if (!get_property(r, name, &value))
		return false;
	property_name(r, name, what, sizeof(what));
	if (r->string_count == READER_MAX_STRINGS) {
		throw_invalid(r->env, "%s: too many strings", r->what);
		r->failed = true;
		return false;
	}
	if (!(s = arg_string(r->env, value, what))) {
		r->failed = true;
		return false;
	}
	r->strings[r->string_count++] = s;
	*out = s;
	return true;
}

bool read_bool(struct reader *r, const char *name, int *out)
{
	char what[256];
	napi_value value;
	bool b;

	if (!get_property(r, name, &value))
		return false;
	property_name(r, name, what, sizeof(what));
	if (!arg_bool(r->env, value, what, &b)) {
		r->failed = true;
		return false;
	}
	*out = b;
	return true;
}

bool read_int(struct reader *r, const char *name, int64_t min, int64_t max,
		int64_t *out)
{
	char what[256];
	napi_value value;

	if (!get_property(r, name, &value))
		return false;
	property_name(r, name, what, sizeof(what));
	if (!arg_int(r->env, value, what, min, max, out)) {
		r->failed = true;
		return false;
	}
	return true;
}

bool read_uint(struct reader *r, const char *name, uint64_t max, uint64_t *out)
{
	int64_t v;

	if (max > (uint64_t)JS_MAX_SAFE_INTEGER)
		max = (uint64_t)JS_MAX_SAFE_INTEGER;
	if (!read_int(r, name, 0, (int64_t)max, &v))
		return false;
	*out = (uint64_t)v;
	return true;
}

bool read_bytes(struct reader *r, const char *name, const void **data, size_t *len)
{
	char what[256];
	napi_value value;
	bool is_buffer = false, is_typed = false;
	napi_typedarray_type type;
	size_t length, offset;
	napi_value arraybuffer;
	void *bytes;

	if (!get_property(r, name, &value))
		return false;
	property_name(r, name, what, sizeof(what));
	if (napi_is_buffer(r->env, value, &is_buffer) == napi_ok && is_buffer &&
	    napi_get_buffer_info(r->env, value, &bytes, &length) == napi_ok) {
		*data = bytes;
		*len = length;
		return true;
	}
	if (napi_is_typedarray(r->env, value, &is_typed) == napi_ok && is_typed &&
	    napi_get_typedarray_info(r->env, value, &type, &length, &bytes,
			&arraybuffer, &offset) == napi_ok && type == napi_uint8_array) {
		*data = bytes;
		*len = length;
		return true;
	}
	throw_invalid(r->env, "%s must be a Buffer or Uint8Array", what);
	r->failed = true;
	return false;
}

bool read_string_array(struct reader *r, const char *name, const char *const **out,
		size_t *count)
{
	char what[256], **strings;
	napi_value value;

	if (!get_property(r, name, &value))
		return false;
	property_name(r, name, what, sizeof(what));
	if (r->array_count == sizeof(r->arrays) / sizeof(r->arrays[0])) {
		throw_invalid(r->env, "%s: too many arrays", r->what);
		r->failed = true;
		return false;
	}
	if (!arg_string_array(r->env, value, what, &strings, count)) {
		r->failed = true;
		return false;
	}
	r->arrays[r->array_count++] = strings;
	*out = (const char *const *)strings;
	return true;
}

bool read_choice(struct reader *r, const char *name, const char *const *names,
		size_t count, int *out)
{
	char what[256];
	napi_value value;
	int index;

	if (!get_property(r, name, &value))
		return false;
	property_name(r, name, what, sizeof(what));
	if ((index = arg_choice(r->env, value, what, names, count)) < 0) {
		r->failed = true;
		return false;
	}
	*out = index;
	return true;
}

/* ----------------------------------------------------------- builder */

void builder_init(struct builder *b, napi_env env)
{
	b->env = env;
	b->status = napi_create_object(env, &b->object);
}

void put_value(struct builder *b, const char *name, napi_value value)
{
	if (b->status == napi_ok)
		b->status = napi_set_named_property(b->env, b->object, name, value);
}

void put_string(struct builder *b, const char *name, const char *value)
{
	napi_value v;

	if (b->status == napi_ok)
		b->status = napi_create_string_utf8(b->env, value ? value : "",
				NAPI_AUTO_LENGTH, &v);
	put_value(b, name, v);
}

void put_number(struct builder *b, const char *name, double value)
{
	napi_value v;

	if (b->status == napi_ok)
		b->status = napi_create_double(b->env, value, &v);
	put_value(b, name, v);
}

void put_bool(struct builder *b, const char *name, bool value)
{
	napi_value v;

	if (b->status == napi_ok)
		b->status = napi_get_boolean(b->env, value, &v);
	put_value(b, name, v);
}

void put_null(struct builder *b, const char *name)
{
	napi_value v;

	if (b->status == napi_ok)
		b->status = napi_get_null(b->env, &v);
	put_value(b, name, v);
}

void put_bytes(struct builder *b, const char *name, const void *data, size_t len)
{
	napi_value v;
	void *copy;

	if (b->status == napi_ok)
		b->status = napi_create_buffer_copy(b->env, len, len ? data : "", &copy, &v);
	put_value(b, name, v);
}

napi_value builder_finish(struct builder *b)
{
	if (b->status != napi_ok) {
		throw_napi_failure(b->env, b->status);
		return NULL;
	}
	return b->object;
}
