/* shim.h — libevent_pthreads for libycdl's C target, found with pkg-config (libevent_pthreads.pc). */
#include <event2/thread.h>
