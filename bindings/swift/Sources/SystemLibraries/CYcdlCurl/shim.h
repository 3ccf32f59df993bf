/* shim.h — libcurl for libycdl's C target, found with pkg-config (libcurl.pc). */
#include <curl/curl.h>
