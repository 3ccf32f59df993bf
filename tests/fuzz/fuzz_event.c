/* fuzz_event.c — the decoding path every binding uses on the core's event
 * bytes (protobuf-c's generated ycdl__event__unpack): arbitrary bytes decode
 * or are refused, and whatever decodes survives a round trip. */
#include "fuzz.h"
#include "ycdl.pb-c.h"

#include <stdbool.h>
#include <stdlib.h>

/* Whether m or a message inside it kept fields it did not know. */
static bool has_unknown_fields(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	if (m->n_unknown_fields)
		return true;
	for (unsigned int i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *at = (const char *)m + f->offset;
		const ProtobufCMessage *inner;

		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			/* n_ at quantifier_offset, the array of pointers at offset
			 * (Attached.tasks, say). */
			size_t n = *(const size_t *)((const char *)m + f->quantifier_offset);
			ProtobufCMessage *const *items = *(ProtobufCMessage *const *const *)at;

			for (size_t k = 0; k < n; k++)
				if (items[k] && has_unknown_fields(items[k]))
					return true;
			continue;
		}
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(const uint32_t *)((const char *)m + f->quantifier_offset) != f->id)
			continue;
		inner = *(const ProtobufCMessage *const *)at;
		if (inner && has_unknown_fields(inner))
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Ycdl__Event *e = ycdl__event__unpack(NULL, size, data);
	Ycdl__Event *again;
	uint8_t *packed;
	size_t len;

	if (!e)
		return 0;
	len = ycdl__event__get_packed_size(e);
	packed = malloc(len ? len : 1);
	FUZZ_CHECK(packed != NULL);
	FUZZ_CHECK(ycdl__event__pack(e, packed) == len);
	again = ycdl__event__unpack(NULL, len, packed);
	/* protobuf-c keeps unknown fields it was given (even an overlong tag
	 * naming field 0) and writes them back in a form it then refuses: its
	 * quirk, and only reachable with bytes the core never produces. */
	if (!again && has_unknown_fields(&e->base)) {
		ycdl__event__free_unpacked(e, NULL);
		free(packed);
		return 0;
	}
	FUZZ_CHECK(again != NULL);
	FUZZ_CHECK(again->seq == e->seq && again->kind_case == e->kind_case);
	FUZZ_CHECK(ycdl__event__get_packed_size(again) == len);
	ycdl__event__free_unpacked(again, NULL);
	ycdl__event__free_unpacked(e, NULL);
	free(packed);
	return 0;
}
