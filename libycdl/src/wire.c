/* wire.c — see wire.h. */
#include "wire.h"

#include "error.h"
#include "info_block.h"

#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>

#define FRAME_HEADER 4

int wire_write(struct evbuffer *out, const ProtobufCMessage *msg)
{
	size_t len = protobuf_c_message_get_packed_size(msg);
	unsigned char header[FRAME_HEADER] = {
		(unsigned char)len, (unsigned char)(len >> 8),
		(unsigned char)(len >> 16), (unsigned char)(len >> 24),
	};
	struct evbuffer_iovec vec;

	if (len > UINT32_MAX)
		return error_set(YCDL_E_INVALID, "a message of %zu bytes is too long", len);
	if (evbuffer_add(out, header, FRAME_HEADER) != 0 ||
	    evbuffer_reserve_space(out, (ev_ssize_t)(len ? len : 1), &vec, 1) != 1)
		return error_set(YCDL_E_NOMEM, "out of memory");
	protobuf_c_message_pack(msg, vec.iov_base);
	vec.iov_len = len;
	if (evbuffer_commit_space(out, &vec, 1) != 0)
		return error_set(YCDL_E_NOMEM, "out of memory");
	return 0;
}

int wire_read(struct evbuffer *in, size_t max, uint8_t **payload, size_t *len)
{
	unsigned char header[FRAME_HEADER];
	size_t n;

	if (evbuffer_get_length(in) < FRAME_HEADER)
		return 0;
	evbuffer_copyout(in, header, FRAME_HEADER);
	n = (size_t)header[0] | (size_t)header[1] << 8 | (size_t)header[2] << 16 |
		(size_t)header[3] << 24;
	if (n > max)
		return error_set(YCDL_E_BAD_RESPONSE, "a frame of %zu bytes, more than "
				"the %zu taken", n, max);
	if (evbuffer_get_length(in) < FRAME_HEADER + n)
		return 0;
	if (!(*payload = malloc(n ? n : 1)))
		return error_set(YCDL_E_NOMEM, "out of memory");
	evbuffer_drain(in, FRAME_HEADER);
	evbuffer_remove(in, *payload, n);
	*len = n;
	return 1;
}

#define S(x) ((char *)((x) ? (x) : ""))

void wire_info_message(Ycdl__TaskInfo *m, const ycdl_task_info *i)
{
	ycdl__task_info__init(m);
	m->key = S(i->key);
	m->url = S(i->url);
	m->final_url = S(i->final_url);
	m->dest_path = S(i->dest_path);
	m->file_id = S(i->file_id);
	m->display_name = S(i->display_name);
	m->thumbnail_url = S(i->thumbnail_url);
	m->user_data.data = (uint8_t *)i->user_data;
	m->user_data.len = i->user_data_len;
	m->status = (Ycdl__TaskStatus)i->status;
	m->bytes_written = i->bytes_written;
	m->bytes_expected = i->bytes_expected;
	m->speed_bps = i->speed_bps;
	m->eta_seconds = i->eta_seconds;
	m->resumable = i->resumable;
	m->priority = i->priority;
	m->allow_cellular = i->allow_cellular != 0;
	m->error_code = i->error_code;
	m->error_message = S(i->error_message);
	m->http_status = i->http_status;
	m->retries = i->retries;
	m->sha256_hex = S(i->sha256_hex);
	m->request_url = S(i->request_url);
	m->group = S(i->group);
	m->connections = i->connections;
	m->max_connections = i->max_connections;
}

ycdl_task_info *wire_info_from_message(const Ycdl__TaskInfo *m)
{
	ycdl_task_info f = {
		.key = m->key, .url = m->url, .final_url = m->final_url,
		.dest_path = m->dest_path, .file_id = m->file_id,
		.display_name = m->display_name, .thumbnail_url = m->thumbnail_url,
		.user_data = m->user_data.len ? m->user_data.data : NULL,
		.user_data_len = m->user_data.len,
		.status = (int)m->status, .bytes_written = m->bytes_written,
		.bytes_expected = m->bytes_expected, .speed_bps = m->speed_bps,
		.eta_seconds = m->eta_seconds, .resumable = m->resumable,
		.priority = m->priority, .allow_cellular = m->allow_cellular,
		.error_code = m->error_code, .error_message = m->error_message,
		.http_status = m->http_status, .retries = m->retries,
		.sha256_hex = m->sha256_hex, .request_url = m->request_url,
		.group = m->group, .connections = m->connections,
		.max_connections = m->max_connections,
	};

	return info_block_copy(&f);
}

void wire_add_message(Ycdl__Wire__AddOptions *m, const ycdl_task_options *o)
{
	ycdl__wire__add_options__init(m);
	m->url = S(o->url);
	m->file_id = S(o->file_id);
	m->dest_path = S(o->dest_path);
	m->dest_dir = S(o->dest_dir);
	m->display_name = S(o->display_name);
	m->thumbnail_url = S(o->thumbnail_url);
	m->user_data.data = (uint8_t *)o->user_data;
	m->user_data.len = o->user_data ? o->user_data_len : 0;
	m->n_headers = o->header_count;
	m->headers = (char **)o->headers;
	m->n_secret_headers = o->secret_header_count;
	m->secret_headers = (char **)o->secret_headers;
	m->no_cellular = o->allow_cellular == 0;
	m->priority = o->priority;
	m->has_expected_size = o->expected_size >= 0;
	m->expected_size = o->expected_size >= 0 ? (uint64_t)o->expected_size : 0;
	m->checksum = S(o->checksum);
	m->max_recv_speed = o->max_recv_speed;
	m->conflict = (uint32_t)o->conflict;
	m->use_content_disposition = o->use_content_disposition != 0;
	m->start_paused = o->start_paused != 0;
	m->n_accept_types = o->accept_type_count;
	m->accept_types = (char **)o->accept_types;
	m->min_size = o->min_size;
	m->n_mirrors = o->mirror_count;
	m->mirrors = (char **)o->mirrors;
	m->name_from_url = o->name_from_url != 0;
	m->group = S(o->group);
	m->connections = o->connections;
}

/* "" is how a message says "not given". */
static const char *given(const char *s)
{
	return s && *s ? s : NULL;
}

void wire_add_options(ycdl_task_options *o, const Ycdl__Wire__AddOptions *m)
{
	ycdl_task_options defaults = YCDL_TASK_OPTIONS_INIT;

	*o = defaults;
	o->url = m->url;
	o->file_id = given(m->file_id);
	o->dest_path = given(m->dest_path);
	o->dest_dir = given(m->dest_dir);
	o->display_name = given(m->display_name);
	o->thumbnail_url = given(m->thumbnail_url);
	o->user_data = m->user_data.len ? m->user_data.data : NULL;
	o->user_data_len = m->user_data.len;
	o->headers = (const char *const *)m->headers;
	o->header_count = m->n_headers;
	o->secret_headers = (const char *const *)m->secret_headers;
	o->secret_header_count = m->n_secret_headers;
	o->allow_cellular = !m->no_cellular;
	o->priority = m->priority;
	/* Past INT64_MAX it turns negative, which the add refuses. */
	o->expected_size = m->has_expected_size ? (int64_t)m->expected_size : -1;
	o->checksum = given(m->checksum);
	o->max_recv_speed = m->max_recv_speed;
	o->conflict = (int)m->conflict;
	o->use_content_disposition = m->use_content_disposition;
	o->start_paused = m->start_paused;
	o->accept_types = (const char *const *)m->accept_types;
	o->accept_type_count = m->n_accept_types;
	o->min_size = m->min_size;
	o->mirrors = (const char *const *)m->mirrors;
	o->mirror_count = m->n_mirrors;
	o->name_from_url = m->name_from_url;
	o->group = given(m->group);
	o->connections = m->connections;
}

ycdl_group_info *wire_group_info(const Ycdl__GroupFigures *m)
{
	const ycdl_group_info f = {
		.name = m->group,
		.tasks = m->tasks, .waiting = m->waiting, .downloading = m->downloading,
		.paused = m->paused, .waiting_for_network = m->waiting_for_network,
		.finished = m->finished, .failed = m->failed,
		.waiting_for_url = m->waiting_for_url,
		.bytes_written_known = m->bytes_written_known,
		.bytes_expected = m->bytes_expected,
		.bytes_written_unknown = m->bytes_written_unknown,
		.speed_bps = m->speed_bps, .eta_seconds = m->eta_seconds,
	};

	return info_block_group_copy(&f);
}
