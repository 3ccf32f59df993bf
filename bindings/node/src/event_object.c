/* event_object.c — one serialized ycdl.Event, decoded with the code protoc-c
 * generated from proto/ycdl.proto, as a plain JavaScript object:
 * { type, seq, timestamp, key, ...the fields of its kind in camelCase }.
 * 64-bit counters become numbers: exact up to 2^53 bytes, which no file
 * reaches. */
#include "addon.h"

#include "ycdl.pb-c.h"

static const char *resumability_name(Ycdl__Resumability r)
{
	switch (r) {
	case YCDL__RESUMABILITY__RESUMABILITY_YES: return "yes";
	case YCDL__RESUMABILITY__RESUMABILITY_NO: return "no";
	default: return "unknown";
	}
}

static void put_error(struct builder *b, int32_t code, const char *message,
		uint32_t http_status)
{
	put_string(b, "code", error_name(code));
	put_number(b, "errno", code);
	put_string(b, "message", message);
	put_number(b, "httpStatus", http_status);
}

static void put_task_added(struct builder *b, const Ycdl__TaskAdded *m)
{
	put_string(b, "url", m->url);
	put_string(b, "dest", m->dest_path);
	put_string(b, "fileId", m->file_id);
	put_string(b, "displayName", m->display_name);
	put_string(b, "thumbnailUrl", m->thumbnail_url);
	put_bytes(b, "userData", m->user_data.data, m->user_data.len);
	put_string(b, "status", ycdl_status_name((int)m->status));
}

static void put_status(struct builder *b, const Ycdl__StatusChanged *m)
{
	put_string(b, "oldStatus", ycdl_status_name((int)m->old_status));
	put_string(b, "newStatus", ycdl_status_name((int)m->new_status));
}

static void put_progress(struct builder *b, const Ycdl__Progress *m)
{
	put_number(b, "bytesThisBurst", (double)m->bytes_this_burst);
	put_number(b, "bytesWritten", (double)m->bytes_written);
	put_number(b, "bytesExpected", (double)m->bytes_expected);
	put_number(b, "speedBps", (double)m->speed_bps);
	put_number(b, "etaSeconds", (double)m->eta_seconds);
	put_number(b, "coalesced", m->coalesced);
	put_number(b, "connections", m->connections);
}

static void put_resumed(struct builder *b, const Ycdl__ResumedAtOffset *m)
{
	put_number(b, "offset", (double)m->offset);
	put_number(b, "bytesExpected", (double)m->bytes_expected);
}

static void put_redirected(struct builder *b, const Ycdl__Redirected *m)
{
	put_string(b, "from", m->from_url);
	put_string(b, "to", m->to_url);
	put_number(b, "httpStatus", m->http_status);
}

static void put_restarted(struct builder *b, const Ycdl__Restarted *m)
{
	put_string(b, "reason", m->reason);
	put_number(b, "discardedBytes", (double)m->discarded_bytes);
}

static void put_finished(struct builder *b, const Ycdl__Finished *m)
{
	put_string(b, "path", m->path);
	put_number(b, "size", (double)m->size);
	put_string(b, "sha256", m->sha256_hex);
	put_string(b, "finalUrl", m->final_url);
	put_string(b, "displayName", m->display_name);
	put_string(b, "fileId", m->file_id);
}

static void put_failed(struct builder *b, const Ycdl__Failed *m)
{
	put_error(b, m->error_code, m->message, m->http_status);
	put_bool(b, "retryable", m->retryable);
}

static void put_all_finished(struct builder *b, const Ycdl__AllFinished *m)
{
	put_number(b, "finished", m->finished);
	put_number(b, "failed", m->failed);
	put_number(b, "paused", m->paused);
	put_number(b, "waitingForUrl", m->waiting_for_url);
}

static void put_url_needed(struct builder *b, const Ycdl__UrlNeeded *m)
{
	put_error(b, m->error_code, m->message, m->http_status);
	put_string(b, "url", m->url);
}

static void put_url_changed(struct builder *b, const Ycdl__UrlChanged *m)
{
	put_string(b, "from", m->from);
	put_string(b, "to", m->to);
	put_string(b, "reason", m->reason);
}

static void put_group(struct builder *b, const Ycdl__GroupFigures *m)
{
	ycdl_group_info g = {
		.name = m->group, .tasks = m->tasks, .waiting = m->waiting,
		.downloading = m->downloading, .paused = m->paused,
		.waiting_for_network = m->waiting_for_network, .finished = m->finished,
		.failed = m->failed, .waiting_for_url = m->waiting_for_url,
		.bytes_written_known = m->bytes_written_known,
		.bytes_expected = m->bytes_expected,
		.bytes_written_unknown = m->bytes_written_unknown,
		.speed_bps = m->speed_bps, .eta_seconds = m->eta_seconds,
	};

	put_group_figures(b, &g);
}

static void put_session_restored(struct builder *b, const Ycdl__SessionRestored *m)
{
	put_number(b, "tasksFound", m->tasks_found);
	put_number(b, "tasksQuarantined", m->tasks_quarantined);
	put_string(b, "quarantinePath", m->quarantine_path);
}

static void put_resumability(struct builder *b, const Ycdl__ResumabilityKnown *m)
{
	put_string(b, "resumability", resumability_name(m->resumability));
	put_string(b, "reason", m->reason);
}

static const char *role_name(Ycdl__Role r)
{
	switch (r) {
	case YCDL__ROLE__ROLE_OWNER: return "owner";
	case YCDL__ROLE__ROLE_CLIENT: return "client";
	default: return "unknown";
	}
}

/* The tasks as the owner had them when this handle attached: each as
 * task.info() gives it. */
static void put_attached(struct builder *b, const Ycdl__Attached *m)
{
	napi_value tasks, task;
	size_t i;

	put_number(b, "ownerPid", m->owner_pid);
	if (b->status != napi_ok)
		return;
	if ((b->status = napi_create_array_with_length(b->env, m->n_tasks, &tasks)) != napi_ok)
		return;
	for (i = 0; i < m->n_tasks; i++) {
		const Ycdl__TaskInfo *p = m->tasks[i];
		ycdl_task_info t = {
			.key = p->key, .url = p->url, .final_url = p->final_url,
			.dest_path = p->dest_path, .file_id = p->file_id,
			.display_name = p->display_name, .thumbnail_url = p->thumbnail_url,
			.user_data = p->user_data.data, .user_data_len = p->user_data.len,
			.status = (int)p->status, .bytes_written = p->bytes_written,
			.bytes_expected = p->bytes_expected, .speed_bps = p->speed_bps,
			.eta_seconds = p->eta_seconds, .resumable = p->resumable,
			.priority = p->priority, .allow_cellular = p->allow_cellular,
			.error_code = p->error_code, .error_message = p->error_message,
			.http_status = p->http_status, .retries = p->retries,
			.sha256_hex = p->sha256_hex, .request_url = p->request_url,
			.group = p->group, .connections = p->connections,
			.max_connections = p->max_connections,
		};

		if (!(task = info_object(b->env, &t))) {
			b->status = napi_generic_failure;
			return;
		}
		if ((b->status = napi_set_element(b->env, tasks, (uint32_t)i, task)) != napi_ok)
			return;
	}
	put_value(b, "tasks", tasks);
}

static void put_role_changed(struct builder *b, const Ycdl__RoleChanged *m)
{
	put_string(b, "role", role_name(m->role));
	put_string(b, "reason", m->reason);
}

static void put_stop_requested(struct builder *b, const Ycdl__StopRequested *m)
{
	put_string(b, "by", m->by);
}

static void put_clients_changed(struct builder *b, const Ycdl__ClientsChanged *m)
{
	put_number(b, "attached", m->attached);
}

static void put_retrying(struct builder *b, const Ycdl__Retrying *m)
{
	put_number(b, "attempt", m->attempt);
	put_number(b, "delayMs", m->delay_ms);
	put_error(b, m->error_code, m->message, m->http_status);
}

/* The name of the event's kind. A kind this build does not know (a newer
 * core) is "unknown" and keeps only the common fields: readers ignore what
 * they do not know, as the proto's rules say. */
static const char *kind_name(Ycdl__Event__KindCase kind)
{
	switch (kind) {
	case YCDL__EVENT__KIND_TASK_ADDED: return "taskAdded";
	case YCDL__EVENT__KIND_STATUS_CHANGED: return "status";
	case YCDL__EVENT__KIND_PROGRESS: return "progress";
	case YCDL__EVENT__KIND_RESUMED: return "resumed";
	case YCDL__EVENT__KIND_REDIRECTED: return "redirected";
	case YCDL__EVENT__KIND_RESTARTED: return "restarted";
	case YCDL__EVENT__KIND_FINISHED: return "finished";
	case YCDL__EVENT__KIND_FAILED: return "failed";
	case YCDL__EVENT__KIND_REMOVED: return "removed";
	case YCDL__EVENT__KIND_ALL_FINISHED: return "allFinished";
	case YCDL__EVENT__KIND_SESSION_RESTORED: return "sessionRestored";
	case YCDL__EVENT__KIND_RESUMABILITY: return "resumability";
	case YCDL__EVENT__KIND_RETRYING: return "retrying";
	case YCDL__EVENT__KIND_ATTACHED: return "attached";
	case YCDL__EVENT__KIND_ROLE_CHANGED: return "roleChanged";
	case YCDL__EVENT__KIND_STOP_REQUESTED: return "stopRequested";
	case YCDL__EVENT__KIND_CLIENTS_CHANGED: return "clientsChanged";
	case YCDL__EVENT__KIND_URL_NEEDED: return "urlNeeded";
	case YCDL__EVENT__KIND_URL_CHANGED: return "urlChanged";
	case YCDL__EVENT__KIND_GROUP_PROGRESS: return "groupProgress";
	case YCDL__EVENT__KIND_GROUP_FINISHED: return "groupFinished";
	default: return "unknown";
	}
}

static void put_fields(struct builder *b, const Ycdl__Event *e)
{
	switch (e->kind_case) {
	case YCDL__EVENT__KIND_TASK_ADDED: put_task_added(b, e->task_added); break;
	case YCDL__EVENT__KIND_STATUS_CHANGED: put_status(b, e->status_changed); break;
	case YCDL__EVENT__KIND_PROGRESS: put_progress(b, e->progress); break;
	case YCDL__EVENT__KIND_RESUMED: put_resumed(b, e->resumed); break;
	case YCDL__EVENT__KIND_REDIRECTED: put_redirected(b, e->redirected); break;
	case YCDL__EVENT__KIND_RESTARTED: put_restarted(b, e->restarted); break;
	case YCDL__EVENT__KIND_FINISHED: put_finished(b, e->finished); break;
	case YCDL__EVENT__KIND_FAILED: put_failed(b, e->failed); break;
	case YCDL__EVENT__KIND_ALL_FINISHED: put_all_finished(b, e->all_finished); break;
	case YCDL__EVENT__KIND_SESSION_RESTORED:
		put_session_restored(b, e->session_restored);
		break;
	case YCDL__EVENT__KIND_RESUMABILITY: put_resumability(b, e->resumability); break;
	case YCDL__EVENT__KIND_RETRYING: put_retrying(b, e->retrying); break;
	case YCDL__EVENT__KIND_ATTACHED: put_attached(b, e->attached); break;
	case YCDL__EVENT__KIND_ROLE_CHANGED: put_role_changed(b, e->role_changed); break;
	case YCDL__EVENT__KIND_STOP_REQUESTED: put_stop_requested(b, e->stop_requested); break;
	case YCDL__EVENT__KIND_CLIENTS_CHANGED: put_clients_changed(b, e->clients_changed); break;
	case YCDL__EVENT__KIND_URL_NEEDED: put_url_needed(b, e->url_needed); break;
	case YCDL__EVENT__KIND_URL_CHANGED: put_url_changed(b, e->url_changed); break;
	case YCDL__EVENT__KIND_GROUP_PROGRESS: put_group(b, e->group_progress); break;
	case YCDL__EVENT__KIND_GROUP_FINISHED: put_group(b, e->group_finished); break;
	default: break;         /* removed has no fields; unknown kinds neither */
	}
}

napi_value event_to_object(napi_env env, const void *data, size_t len,
		bool *changes_tasks)
{
	Ycdl__Event *e = ycdl__event__unpack(NULL, len, data);
	struct builder b;

	builder_init(&b, env);
	if (!e) {
		/* Only a bug in the core could cause this; say so instead of
		 * dropping the event without a trace. */
		put_string(&b, "type", "undecodable");
		put_number(&b, "length", (double)len);
		return builder_finish(&b);
	}
	/* An attached event lists the owner's tasks, and a takeover may
	 * change which are pending here too. */
	if (e->kind_case == YCDL__EVENT__KIND_STATUS_CHANGED ||
	    e->kind_case == YCDL__EVENT__KIND_REMOVED ||
	    e->kind_case == YCDL__EVENT__KIND_ATTACHED ||
	    e->kind_case == YCDL__EVENT__KIND_ROLE_CHANGED)
		*changes_tasks = true;
	put_string(&b, "type", kind_name(e->kind_case));
	put_number(&b, "seq", (double)e->seq);
	put_number(&b, "timestamp", (double)e->timestamp_ms);
	put_string(&b, "key", e->key);
	put_fields(&b, e);
	ycdl__event__free_unpacked(e, NULL);
	return builder_finish(&b);
}
