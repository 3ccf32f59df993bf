/* digest.h — MD5 and SHA-256 through OpenSSL's libcrypto: running hashes of
 * downloads, whole-file hashes, and the MD5 that names tasks. Functions
 * return 0 or a YCDL_E_* code (no message: they run on the worker too). */
#ifndef YCDL_DIGEST_H
#define YCDL_DIGEST_H

#include <stddef.h>
#include <stdint.h>

struct digest;

#define DIGEST_MAX_HEX 129

/* algorithm: "sha256" or "md5". NULL on failure. */
struct digest *digest_new(const char *algorithm);
void digest_free(struct digest *d);
int digest_update(struct digest *d, const void *data, size_t len);
/* Finishes into lowercase hex (out holds DIGEST_MAX_HEX bytes); the digest
 * is reset and can hash anew. */
int digest_final_hex(struct digest *d, char *out);
int digest_reset(struct digest *d);
/* Feeds the first len bytes of the file open at fd (read with pread). */
int digest_update_from_fd(struct digest *d, int fd, uint64_t from, uint64_t len);

/* MD5 of a string as 32 hex digits plus NUL. */
int digest_md5_string_hex(char out[33], const char *s);

#endif
