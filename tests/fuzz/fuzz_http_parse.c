/* fuzz_http_parse.c — the header parsing libycdl does itself (Content-Range,
 * header lines, status lines) accepts only what makes sense and never reads
 * past what it was given. */
#include "fuzz.h"
#include "http_parse.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	struct content_range cr;
	char *value;

	if (http_parse_content_range(text, &cr)) {
		if (cr.unsatisfied) {
			FUZZ_CHECK(cr.total >= 0);
		} else {
			FUZZ_CHECK(cr.first <= cr.last);
			FUZZ_CHECK(cr.total < 0 || cr.last < (uint64_t)cr.total);
		}
	}
	(void)http_etag_is_strong(text);
	/* Raw lines are not NUL-terminated: hand over exactly size bytes. */
	value = http_header_value((const char *)data, size, "Content-Range");
	if (value)
		FUZZ_CHECK(strlen(value) < size);
	free(value);
	FUZZ_CHECK(http_status_line_code((const char *)data, size) <= 999);
	free(text);
	return 0;
}
