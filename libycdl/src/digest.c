/* digest.c — thin wrappers over OpenSSL EVP digests. */
#define _GNU_SOURCE
#include "digest.h"

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

struct digest *digest_new(const char *algorithm)
{
	struct digest *d;
	const EVP_MD *md = strcmp(algorithm, "sha256") == 0 ? EVP_sha256()
		: strcmp(algorithm, "md5") == 0 ? EVP_md5() : NULL;

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
	return EVP_DigestUpdate(d->ctx, data, len) == 1 ? 0 : -1;
}

int digest_reset(struct digest *d)
{
	return EVP_DigestInit_ex(d->ctx, d->md, NULL) == 1 ? 0 : -1;
}

int digest_final_hex(struct digest *d, char *out)
{
	unsigned char bin[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (EVP_DigestFinal_ex(d->ctx, bin, &len) != 1)
		return -1;
	util_hex(out, bin, len);
	return digest_reset(d);
}

int digest_update_from_fd(struct digest *d, int fd, uint64_t from, uint64_t len)
{
	enum { CHUNK = 256 * 1024 };
	unsigned char *buf = malloc(CHUNK);
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	while (len > 0) {
		size_t want = len < CHUNK ? (size_t)len : CHUNK;
		ssize_t n = pread(fd, buf, want, (off_t)from);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			break;
		}
		if (digest_update(d, buf, (size_t)n) != 0) {
			rc = -EIO;
			break;
		}
		from += (uint64_t)n;
		len -= (uint64_t)n;
	}
	free(buf);
	return rc;
}

/* OpenSSL 3 looks an algorithm up by name each time EVP_md5() is used
 * directly; task keys are hashed once per task added, so the lookup is done
 * once per process instead. */
static pthread_once_t md5_once = PTHREAD_ONCE_INIT;
static EVP_MD *md5_fetched;

static void fetch_md5(void)
{
	md5_fetched = EVP_MD_fetch(NULL, "MD5", NULL);
}

int digest_md5_string_hex(char out[33], const char *s)
{
	unsigned char bin[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	pthread_once(&md5_once, fetch_md5);
	if (EVP_Digest(s, strlen(s), bin, &len, md5_fetched ? md5_fetched : EVP_md5(),
			NULL) != 1 || len != 16)
		return -1;
	util_hex(out, bin, len);
	return 0;
}
