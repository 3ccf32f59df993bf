/* digest.c — thin wrappers over OpenSSL EVP digests. */
#define _GNU_SOURCE
#include "digest.h"

#include "error.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct digest {
	EVP_MD_CTX *ctx;
	const EVP_MD *md;
};

/* OpenSSL 3 looks an algorithm up by name each time EVP_sha256() or
 * EVP_md5() is used directly, which costs more than hashing a small file:
 * each is fetched once per process instead. */
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_fetched, *md5_fetched;

static void fetch_algorithms(void)
{
	sha256_fetched = EVP_MD_fetch(NULL, "SHA256", NULL);
	md5_fetched = EVP_MD_fetch(NULL, "MD5", NULL);
}

static const EVP_MD *sha256_md(void)
{
	pthread_once(&fetch_once, fetch_algorithms);
	return sha256_fetched ? sha256_fetched : EVP_sha256();
}

static const EVP_MD *md5_md(void)
{
	pthread_once(&fetch_once, fetch_algorithms);
	return md5_fetched ? md5_fetched : EVP_md5();
}

struct digest *digest_new(const char *algorithm)
{
	struct digest *d;
	const EVP_MD *md = strcmp(algorithm, "sha256") == 0 ? sha256_md()
		: strcmp(algorithm, "md5") == 0 ? md5_md() : NULL;

	if (!md || !(d = calloc(1, sizeof(*d))))
		return NULL;
	d->md = md;
	d->ctx = EVP_MD_CTX_new();
	if (!d->ctx || EVP_DigestInit_ex(d->ctx, md, NULL) != 1) {
		digest_free(d);
		return NULL;
	}
	return d;
}

void digest_free(struct digest *d)
{
	if (!d)
		return;
	EVP_MD_CTX_free(d->ctx);
	free(d);
}

int digest_update(struct digest *d, const void *data, size_t len)
{
	return EVP_DigestUpdate(d->ctx, data, len) == 1 ? 0 : YCDL_E_INTERNAL;
}

int digest_reset(struct digest *d)
{
	return EVP_DigestInit_ex(d->ctx, d->md, NULL) == 1 ? 0 : YCDL_E_INTERNAL;
}

int digest_final_hex(struct digest *d, char *out)
{
	unsigned char bin[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (EVP_DigestFinal_ex(d->ctx, bin, &len) != 1)
		return YCDL_E_INTERNAL;
	util_hex(out, bin, len);
	return digest_reset(d);
}

int digest_update_from_fd(struct digest *d, int fd, uint64_t from, uint64_t len)
{
	enum { CHUNK = 64 * 1024 };   /* stays in L2 between read and hash */
	unsigned char *buf = malloc(CHUNK);
	int rc = 0;

	if (!buf)
		return YCDL_E_NOMEM;
	while (len > 0) {
		size_t want = len < CHUNK ? (size_t)len : CHUNK;
		ssize_t n = pread(fd, buf, want, (off_t)from);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {   /* an error, or the file is shorter than said */
			rc = n < 0 ? error_from_errno(errno) : YCDL_E_IO;
			break;
		}
		if ((rc = digest_update(d, buf, (size_t)n)) != 0)
			break;
		from += (uint64_t)n;
		len -= (uint64_t)n;
	}
	free(buf);
	return rc;
}

int digest_md5_string_hex(char out[33], const char *s)
{
	unsigned char bin[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (EVP_Digest(s, strlen(s), bin, &len, md5_md(), NULL) != 1 || len != 16)
		return YCDL_E_INTERNAL;
	util_hex(out, bin, len);
	return 0;
}
