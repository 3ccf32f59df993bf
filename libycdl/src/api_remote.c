/* api_remote.c — see api_remote.h. */
#define _GNU_SOURCE
#include "api_remote.h"

#include "client.h"
#include "error.h"
#include "session.h"
#include "util.h"
#include "wire.h"

#include <stdlib.h>
#include <string.h>

typedef Ycdl__Wire__ServerMessage answer_t;

/* Sends req when s is a client: true with *rc the owner's code (its
 * message set) and, when 0, *out its answer (free with free_answer). */
static bool ask(int *rc, ycdl_session *s, Ycdl__Wire__Request *req, answer_t **out)
{
	answer_t *answer = NULL;
	int r;

	if (!session_is_client(s))
		return false;
	r = client_request(s, req, &answer);
	if (r == CLIENT_OWNER_NOW)
		return false;
	if (r == 0 && answer->response->code != 0) {
		r = error_set(answer->response->code, "%s", answer->response->message);
		ycdl__wire__server_message__free_unpacked(answer, NULL);
		answer = NULL;
	}
	*rc = r;
	*out = answer;
	return true;
}

static void free_answer(answer_t *answer)
{
	if (answer)
		ycdl__wire__server_message__free_unpacked(answer, NULL);
}

/* A request with just an op. */
static bool ask_op(int *rc, ycdl_session *s, Ycdl__Wire__Op op, answer_t **out)
{
	Ycdl__Wire__Request req = YCDL__WIRE__REQUEST__INIT;

	req.op = op;
	return ask(rc, s, &req, out);
}

/* ------------------------------------------------------------ adding */

/* An item as the owner must see it: paths absolute from this process's
 * folder, and this handle's download folder where the item names none. */
struct add_item {
	ycdl_task_options opts;
	char *dest_path;
	char *dest_dir;
};

static int localize(struct add_item *item, const ycdl_session *s,
		const ycdl_task_options *given)
{
	ycdl_task_options *o = &item->opts;

	task_options_complete(o, given);
	if (o->dest_path && !(o->dest_path = item->dest_path =
			util_absolute_path(o->dest_path)))
		return error_set(YCDL_E_NOMEM, "out of memory");
	if (!o->dest_path && !(o->dest_dir = item->dest_dir =
			util_absolute_path(o->dest_dir ? o->dest_dir : s->cfg.download_dir)))
		return error_set(YCDL_E_NOMEM, "out of memory");
	return 0;
}

/* Where an add request stands: the items sent (index: their place in the
 * caller's array) and the first item that failed, here or at the owner. */
struct add_chunk {
	struct add_item *items;
	Ycdl__Wire__AddOptions *msgs;
	Ycdl__Wire__AddOptions **ptrs;
	size_t *index;
	size_t sent;
	size_t first_failed;        /* count when none */
	int first_code;
	char first_message[1024];
};

static void note_item_failure(struct add_chunk *c, size_t i, int code, const char *message)
{
	if (c->first_code && c->first_failed < i)
		return;
	c->first_failed = i;
	c->first_code = code;
	snprintf(c->first_message, sizeof(c->first_message), "%s", message);
}

/* Checks each item here, as an in-process add does, and frames those that
 * pass; one that does not never reaches the owner. */
static void frame_items(struct add_chunk *c, const ycdl_session *s,
		const ycdl_task_options *const *opts, size_t count, char **keys, int *errors)
{
	for (size_t i = 0; i < count; i++) {
		int r = task_check_options(opts[i]);

		if (r == 0)
			r = localize(&c->items[c->sent], s, opts[i]);
		if (r != 0) {
			errors[i] = r;
			keys[i] = NULL;
			note_item_failure(c, i, r, ycdl_last_error_message());
			continue;
		}
		wire_add_message(&c->msgs[c->sent], &c->items[c->sent].opts);
		c->ptrs[c->sent] = &c->msgs[c->sent];
		c->index[c->sent++] = i;
	}
}

/* The owner answers each item sent; its message is the first failed one's. */
static int take_answers(struct add_chunk *c, const Ycdl__Wire__Response *res,
		char **keys, int *errors)
{
	if (res->n_keys != c->sent || res->n_codes != c->sent)
		return error_set(YCDL_E_BAD_RESPONSE, "the owner's answer to an add "
				"does not fit the request");
	for (size_t j = 0; j < c->sent; j++) {
		size_t i = c->index[j];
		const char *key = res->keys[j];

		errors[i] = res->codes[j];
		keys[i] = errors[i] == 0 && key && *key ? strdup(key) : NULL;
		if (errors[i])
			note_item_failure(c, i, errors[i], res->message);
	}
	return 0;
}

/* The request as a whole failed (the owner went away, say): so did each
 * item sent. */
static void fail_sent(struct add_chunk *c, int code, int *errors)
{
	char message[1024];

	snprintf(message, sizeof(message), "%s", ycdl_last_error_message());
	for (size_t j = 0; j < c->sent; j++) {
		errors[c->index[j]] = code;
		note_item_failure(c, c->index[j], code, message);
	}
}

static void free_chunk(struct add_chunk *c)
{
	for (size_t i = 0; c->items && i < c->sent; i++) {
		free(c->items[i].dest_path);
		free(c->items[i].dest_dir);
	}
	free(c->items);
	free(c->msgs);
	free(c->ptrs);
	free(c->index);
}

/* One add request of count items (at most WIRE_MAX_ADD). keys and errors
 * receive each item's key (malloc'ed, NULL when it failed) and result; rc
 * the first failed item's, with its message. */
static bool add_chunk(int *rc, ycdl_session *s, const ycdl_task_options *const *opts,
		size_t count, char **keys, int *errors)
{
	Ycdl__Wire__Request req = YCDL__WIRE__REQUEST__INIT;
	size_t n = count ? count : 1;
	struct add_chunk c = {
		calloc(n, sizeof(*c.items)), calloc(n, sizeof(*c.msgs)),
		calloc(n, sizeof(*c.ptrs)), calloc(n, sizeof(*c.index)), 0, count, 0, "",
	};
	answer_t *answer = NULL;
	bool handled = true;

	*rc = 0;
	if (!c.items || !c.msgs || !c.ptrs || !c.index) {
		free_chunk(&c);
		*rc = error_set(YCDL_E_NOMEM, "out of memory");
		return true;
	}
	frame_items(&c, s, opts, count, keys, errors);
	if (c.sent > 0) {
		req.op = YCDL__WIRE__OP__OP_ADD;
		req.n_add = c.sent;
		req.add = c.ptrs;
		handled = ask(rc, s, &req, &answer);
		if (answer)
			*rc = take_answers(&c, answer->response, keys, errors);
		else if (handled && *rc != 0)
			fail_sent(&c, *rc, errors);
	}
	if (handled && *rc == 0 && c.first_code)
		*rc = error_set(c.first_code, "%s", c.first_message);
	free_answer(answer);
	free_chunk(&c);
	return handled;
}

bool remote_add_many(int *rc, ycdl_session *s, char ***out_keys, int *out_errors,
		const ycdl_task_options *const *opts, size_t count)
{
	char **keys;
	int *errors;
	int first = 0;
	char message[1024] = "";

	if (!session_is_client(s))
		return false;
	keys = calloc(count ? count : 1, sizeof(*keys));
	errors = calloc(count ? count : 1, sizeof(*errors));
	if (!keys || !errors) {
		free(keys);
		free(errors);
		*rc = error_set(YCDL_E_NOMEM, "out of memory");
		return true;
	}
	for (size_t done = 0; done < count;) {
		size_t n = count - done < WIRE_MAX_ADD ? count - done : WIRE_MAX_ADD;
		int r;

		if (!add_chunk(&r, s, opts + done, n, keys + done, errors + done)) {
			ycdl_keys_free(keys, count);
			free(errors);
			return false;       /* owner now: all of it runs locally */
		}
		for (size_t i = done; i < done + n && r && !first; i++)
			if (errors[i]) {
				first = errors[i];
				snprintf(message, sizeof(message), "item %zu: %s", i,
						ycdl_last_error_message());
			}
		if (r && !first) {          /* the whole request failed */
			first = r;
			snprintf(message, sizeof(message), "items %zu to %zu: %s", done,
					done + n - 1, ycdl_last_error_message());
			for (size_t i = done; i < done + n; i++)
				errors[i] = r;
		}
		done += n;
	}
	if (out_errors)
		memcpy(out_errors, errors, count * sizeof(*errors));
	if (out_keys)
		*out_keys = keys;
	else
		ycdl_keys_free(keys, count);
	free(errors);
	if (first)
		error_set_message(message);
	*rc = first;
	return true;
}

bool remote_add_one(int *rc, ycdl_session *s, char **out_key,
		const ycdl_task_options *opts)
{
	char *key = NULL;
	int error = 0;

	if (!session_is_client(s))
		return false;
	if (!add_chunk(rc, s, &opts, 1, &key, &error))
		return false;
	if (*rc == 0 && error)
		*rc = error;
	if (*rc == 0 && out_key)
		*out_key = key;
	else
		free(key);
	return true;
}

/* ------------------------------------------------------------ tasks */

static const Ycdl__Wire__Op task_ops[] = {
	[TASK_OP_START] = YCDL__WIRE__OP__OP_START,
	[TASK_OP_PAUSE] = YCDL__WIRE__OP__OP_PAUSE,
	[TASK_OP_CANCEL] = YCDL__WIRE__OP__OP_CANCEL,
	[TASK_OP_REMOVE] = YCDL__WIRE__OP__OP_REMOVE,
	[TASK_OP_SET_ALLOW_CELLULAR] = YCDL__WIRE__OP__OP_SET_TASK_ALLOW_CELLULAR,
	[TASK_OP_SET_PRIORITY] = YCDL__WIRE__OP__OP_SET_PRIORITY,
	[TASK_OP_SET_HEADERS] = YCDL__WIRE__OP__OP_SET_HEADERS,
	[TASK_OP_SET_URL] = YCDL__WIRE__OP__OP_SET_URL,
};

bool remote_task(int *rc, ycdl_session *s, enum task_op op, const char *key,
		const struct task_op_args *args)
{
	Ycdl__Wire__Request req = YCDL__WIRE__REQUEST__INIT;
	answer_t *answer;

	req.op = task_ops[op];
	req.key = (char *)key;
	req.flags = args->flags;
	req.value = args->value;
	req.n_headers = args->header_count;
	req.headers = (char **)args->headers;
	req.url = (char *)(args->url ? args->url : "");
	if (!ask(rc, s, &req, &answer))
		return false;
	free_answer(answer);
	return true;
}

bool remote_find_by_url(int *rc, ycdl_session *s, char **out_key, const char *url)
{
	Ycdl__Wire__Request req = YCDL__WIRE__REQUEST__INIT;
	answer_t *answer;

	req.op = YCDL__WIRE__OP__OP_FIND_BY_URL;
	req.url = (char *)url;
	if (!ask(rc, s, &req, &answer))
		return false;
	if (*rc == 0 && (answer->response->n_keys != 1 ||
			!(*out_key = strdup(answer->response->keys[0]))))
		*rc = error_set(YCDL_E_NOMEM, "out of memory");
	free_answer(answer);
	return true;
}

/* ------------------------------------------------------------ queries */

bool remote_get_info(int *rc, ycdl_session *s, ycdl_task_info **out, const char *key)
{
	Ycdl__Wire__Request req = YCDL__WIRE__REQUEST__INIT;
	answer_t *answer;

	req.op = YCDL__WIRE__OP__OP_GET_INFO;
	req.key = (char *)key;
	if (!ask(rc, s, &req, &answer))
		return false;
	if (*rc == 0 && (answer->response->n_infos != 1 ||
			!(*out = wire_info_from_message(answer->response->infos[0]))))
		*rc = error_set(YCDL_E_NOMEM, "out of memory");
	free_answer(answer);
	return true;
}

/* The answer's keys as the caller's own array; 0 or YCDL_E_NOMEM. */
static int copy_keys(const answer_t *answer, char ***out_keys, size_t *out_count)
{
	size_t n = answer->response->n_keys;
	char **keys = calloc(n + 1, sizeof(*keys));

	for (size_t i = 0; keys && i < n; i++)
		if (!(keys[i] = strdup(answer->response->keys[i]))) {
			ycdl_keys_free(keys, i);
			keys = NULL;
		}
	if (!keys)
		return error_set(YCDL_E_NOMEM, "out of memory");
	*out_keys = keys;
	*out_count = n;
	return 0;
}

/* A request whose answer is a list of keys (or names). */
static bool ask_keys(int *rc, ycdl_session *s, Ycdl__Wire__Request *req,
		char ***out_keys, size_t *out_count)
{
	answer_t *answer;

	if (!ask(rc, s, req, &answer))
		return false;
	if (*rc == 0)
		*rc = copy_keys(answer, out_keys, out_count);
	free_answer(answer);
	return true;
}

bool remote_list(int *rc, ycdl_session *s, char ***out_keys, size_t *out_count,
		unsigned int status_mask)
{
	Ycdl__Wire__Request req = YCDL__WIRE__REQUEST__INIT;

	req.op = YCDL__WIRE__OP__OP_LIST;
	req.status_mask = status_mask;
	return ask_keys(rc, s, &req, out_keys, out_count);
}

/* ------------------------------------------------------------ groups */

bool remote_set_group(int *rc, ycdl_session *s, const char *key, const char *group)
{
	Ycdl__Wire__Request req = YCDL__WIRE__REQUEST__INIT;
	answer_t *answer;

	req.op = YCDL__WIRE__OP__OP_SET_GROUP;
	req.key = (char *)(key ? key : "");
	req.group = (char *)(group ? group : "");
	if (!ask(rc, s, &req, &answer))
		return false;
	free_answer(answer);
	return true;
}

bool remote_group_info(int *rc, ycdl_session *s, ycdl_group_info **out,
		const char *group)
{
	Ycdl__Wire__Request req = YCDL__WIRE__REQUEST__INIT;
	answer_t *answer;

	req.op = YCDL__WIRE__OP__OP_GROUP_INFO;
	req.group = (char *)(group ? group : "");
	if (!ask(rc, s, &req, &answer))
		return false;
	if (*rc == 0 && (!answer->response->group ||
			!(*out = wire_group_info(answer->response->group))))
		*rc = error_set(YCDL_E_NOMEM, "out of memory");
	free_answer(answer);
	return true;
}

bool remote_group_list(int *rc, ycdl_session *s, const char *group,
		unsigned int status_mask, char ***out, size_t *count)
{
	Ycdl__Wire__Request req = YCDL__WIRE__REQUEST__INIT;

	req.op = YCDL__WIRE__OP__OP_GROUP_LIST;
	req.group = (char *)(group ? group : "");
	req.status_mask = status_mask;
	return ask_keys(rc, s, &req, out, count);
}

bool remote_group_call(int *rc, ycdl_session *s, const char *group, enum task_op op,
		const struct task_op_args *args)
{
	Ycdl__Wire__Request req = YCDL__WIRE__REQUEST__INIT;
	answer_t *answer;

	req.op = YCDL__WIRE__OP__OP_GROUP_CALL;
	req.group = (char *)(group ? group : "");
	req.group_op = task_ops[op];
	req.flags = args->flags;
	req.value = args->value;
	if (!ask(rc, s, &req, &answer))
		return false;
	free_answer(answer);
	return true;
}

bool remote_list_info(int *rc, ycdl_session *s, ycdl_task_info ***out_infos,
		size_t *out_count, unsigned int status_mask)
{
	Ycdl__Wire__Request req = YCDL__WIRE__REQUEST__INIT;
	answer_t *answer;
	ycdl_task_info **infos;
	size_t n;

	req.op = YCDL__WIRE__OP__OP_LIST_INFO;
	req.status_mask = status_mask;
	if (!ask(rc, s, &req, &answer))
		return false;
	if (*rc != 0)
		return true;
	n = answer->response->n_infos;
	infos = calloc(n + 1, sizeof(*infos));
	for (size_t i = 0; infos && i < n; i++)
		if (!(infos[i] = wire_info_from_message(answer->response->infos[i]))) {
			ycdl_task_info_list_free(infos, i);
			infos = NULL;
		}
	if (infos) {
		*out_infos = infos;
		*out_count = n;
	} else {
		*rc = error_set(YCDL_E_NOMEM, "out of memory");
	}
	free_answer(answer);
	return true;
}

/* ------------------------------------------------------------ session */

static const Ycdl__Wire__Op setting_ops[] = {
	[SETTING_MAX_CONCURRENT] = YCDL__WIRE__OP__OP_SET_MAX_CONCURRENT,
	[SETTING_NETWORK] = YCDL__WIRE__OP__OP_SET_NETWORK,
	[SETTING_ALLOW_CELLULAR] = YCDL__WIRE__OP__OP_SET_ALLOW_CELLULAR,
	[SETTING_MAX_RECV_SPEED] = YCDL__WIRE__OP__OP_SET_MAX_RECV_SPEED,
};

bool remote_setting(int *rc, ycdl_session *s, enum setting which, int64_t value)
{
	Ycdl__Wire__Request req = YCDL__WIRE__REQUEST__INIT;
	answer_t *answer;

	req.op = setting_ops[which];
	req.value = value;
	if (!ask(rc, s, &req, &answer))
		return false;
	free_answer(answer);
	return true;
}

bool remote_session_info(int *rc, ycdl_session *s, ycdl_session_info **out)
{
	answer_t *answer;
	ycdl_session_info *info;

	if (!ask_op(rc, s, YCDL__WIRE__OP__OP_SESSION_INFO, &answer))
		return false;
	if (*rc != 0)
		return true;
	if (!answer->response->session || !(info = calloc(1, sizeof(*info)))) {
		*rc = error_set(YCDL_E_NOMEM, "out of memory");
	} else {
		info->role = YCDL_ROLE_CLIENT;
		info->owner_pid = answer->response->session->owner_pid;
		info->clients = answer->response->session->clients;
		info->tasks = answer->response->session->tasks;
		info->pending = answer->response->session->pending;
		*out = info;
	}
	free_answer(answer);
	return true;
}

bool remote_stop(int *rc, ycdl_session *s)
{
	answer_t *answer;

	if (!ask_op(rc, s, YCDL__WIRE__OP__OP_STOP, &answer))
		return false;
	free_answer(answer);
	return true;
}
