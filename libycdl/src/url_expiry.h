/* url_expiry.h — when a signed URL stops working, as the URL itself says:
 * a task whose link has expired waits for a new one instead of asking a
 * server that can only refuse. */
#ifndef YCDL_URL_EXPIRY_H
#define YCDL_URL_EXPIRY_H

#include <stdint.h>

/* The Unix time (seconds) at which url expires, or 0 when it does not say:
 * S3-style SigV4 presigned URLs (X-Amz-Date + X-Amz-Expires), Google Cloud
 * Storage V4 (X-Goog-Date + X-Goog-Expires), CloudFront signed URLs
 * (Expires, with Signature). */
int64_t url_expiry(const char *url);

#endif
