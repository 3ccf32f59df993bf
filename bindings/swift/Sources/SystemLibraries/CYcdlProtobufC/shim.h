/* shim.h — libprotobuf-c for libycdl's C target, found with pkg-config (libprotobuf-c.pc). */
#include <protobuf-c/protobuf-c.h>
