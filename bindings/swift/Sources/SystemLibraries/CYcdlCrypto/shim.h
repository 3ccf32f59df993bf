/* shim.h — libcrypto for libycdl's C target, found with pkg-config (libcrypto.pc). */
#include <openssl/evp.h>
