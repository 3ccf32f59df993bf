/* fuzz_wire_request.c — what an owner does first with a frame from a
 * client on its socket (server.c): decode a ycdl.wire.ClientMessage, and
 * for a request take every add item apart into task options and check them
 * (wire_add_options, task_check_options, url_parse), check the key and the
 * headers. Any bytes decode or are refused; nothing crashes, leaks or reads
 * out of bounds, and what decodes survives a round trip. */
#include "fuzz.h"
#include "naming.h"
#include "task.h"
#include "url.h"
#include "wire.h"

static void check_request(const Ycdl__Wire__Request *req)
{
	(void)naming_key_is_valid(req->key);
	(void)task_check_headers((const char *const *)req->headers, req->n_headers);
	for (size_t i = 0; i < req->n_add; i++) {
		ycdl_task_options o;
		struct url_parts url;

		wire_add_options(&o, req->add[i]);
		if (task_check_options(&o) == 0 && url_parse(o.url, &url) == 0)
			url_parts_clear(&url);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Ycdl__Wire__ClientMessage *msg, *again;
	uint8_t *packed;
	size_t len;

	if (size > WIRE_MAX_CLIENT_FRAME)
		return 0;
	if (!(msg = ycdl__wire__client_message__unpack(NULL, size, data)))
		return 0;
	if (msg->kind_case == YCDL__WIRE__CLIENT_MESSAGE__KIND_REQUEST)
		check_request(msg->request);
	len = ycdl__wire__client_message__get_packed_size(msg);
	packed = malloc(len ? len : 1);
	FUZZ_CHECK(packed != NULL);
	FUZZ_CHECK(ycdl__wire__client_message__pack(msg, packed) == len);
	again = ycdl__wire__client_message__unpack(NULL, len, packed);
	/* As fuzz_event: protobuf-c may keep an unknown field it cannot
	 * write back; only bytes no client of ours sends. */
	if (again)
		ycdl__wire__client_message__free_unpacked(again, NULL);
	free(packed);
	ycdl__wire__client_message__free_unpacked(msg, NULL);
	return 0;
}
