/* shim.h — the C surface the Swift module sees: libycdl's API and the code
 * protoc-c generated from proto/ycdl.proto (exported by libycdl), with which
 * Swift decodes every event. Found through pkg-config (ycdl.pc). */
#include <ycdl.h>
#include <ycdl.pb-c.h>
