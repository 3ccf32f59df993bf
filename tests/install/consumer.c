/* consumer.c — a program outside the tree that uses the installed libycdl:
 * it opens a session, adds a paused task, reads the first events back with
 * the installed generated protobuf code, and prints what it saw. */
#include <ycdl.h>
#include <ycdl.pb-c.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	ycdl_session_options so = YCDL_SESSION_OPTIONS_INIT;
	ycdl_task_options to = YCDL_TASK_OPTIONS_INIT;
	ycdl_session *s;
	void *data;
	size_t len;
	int kinds = 0;

	if (argc != 2)
		return 2;
	so.state_dir = argv[1];
	so.download_dir = argv[1];
	if (ycdl_session_open(&s, "consumer", &so) != 0) {
		fprintf(stderr, "open: %s\n", ycdl_last_error_message());
		return 1;
	}
	to.url = "http://127.0.0.1:9/consumer.bin";
	to.start_paused = 1;
	if (ycdl_task_add(NULL, s, &to) != 0)
		return 1;
	while (ycdl_session_next_event(&data, &len, s) == 0) {
		Ycdl__Event *e = ycdl__event__unpack(NULL, len, data);

		if (e && (e->kind_case == YCDL__EVENT__KIND_SESSION_RESTORED ||
			  e->kind_case == YCDL__EVENT__KIND_TASK_ADDED))
			kinds++;
		ycdl__event__free_unpacked(e, NULL);
		ycdl_free(data);
	}
	ycdl_session_close(s);
	printf("libycdl %s: %d events\n", ycdl_version(), kinds);
	return kinds == 2 ? 0 : 1;
}
