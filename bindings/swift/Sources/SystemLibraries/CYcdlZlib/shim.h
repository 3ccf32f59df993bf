/* shim.h — zlib for libycdl's C target, found with pkg-config (zlib.pc). */
#include <zlib.h>
