/* shim.h — libevent_core for libycdl's C target, found with pkg-config (libevent_core.pc). */
#include <event2/event.h>
