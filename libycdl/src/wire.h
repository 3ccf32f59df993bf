/* wire.h — the frames of the session protocol (proto/ycdl_wire.proto,
 * docs/protocol.md): a 4-byte little-endian length, then one message; and
 * the conversions between the C API's structs and their messages, shared
 * by the owner's server and the clients. */
#ifndef YCDL_WIRE_H
#define YCDL_WIRE_H

#include "ycdl.h"
#include "ycdl.pb-c.h"
#include "ycdl_wire.pb-c.h"

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

/* The largest frame each side takes. A client's requests are small (an add
 * of many tasks is split, see WIRE_MAX_ADD); an owner's answers carry the
 * info of every task of a big session. */
#define WIRE_MAX_CLIENT_FRAME (4u << 20)
#define WIRE_MAX_SERVER_FRAME (512u << 20)
/* Tasks per add request (ycdl_task_add_many sends more in several). */
#define WIRE_MAX_ADD 1000

/* Appends msg to out as one frame. YCDL_E_NOMEM when it cannot. */
int wire_write(struct evbuffer *out, const ProtobufCMessage *msg);

/* Takes the next whole frame out of in: 1 with *payload (malloc'ed) and
 * *len, 0 when no whole frame is there yet, YCDL_E_BAD_RESPONSE when it
 * announces more than max bytes (the connection is then to be dropped). */
int wire_read(struct evbuffer *in, size_t max, uint8_t **payload, size_t *len);

/* A TaskInfo message whose strings borrow from info. */
void wire_info_message(Ycdl__TaskInfo *out, const ycdl_task_info *info);

/* A ycdl_task_info in one block from a message; NULL when out of memory. */
ycdl_task_info *wire_info_from_message(const Ycdl__TaskInfo *m);

/* A group's figures in one block (free with ycdl_free); NULL on ENOMEM. */
ycdl_group_info *wire_group_info(const Ycdl__GroupFigures *m);

/* An AddOptions message whose strings borrow from o; headers and
 * secret_headers point at o's arrays. */
void wire_add_message(Ycdl__Wire__AddOptions *out, const ycdl_task_options *o);

/* Task options that borrow from m (valid while m lives). */
void wire_add_options(ycdl_task_options *out, const Ycdl__Wire__AddOptions *m);

#endif
