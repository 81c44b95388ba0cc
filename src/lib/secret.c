/* secret.c — guarded secret storage and constant-time comparison (libsodium). */
#include "bulwark/secret.h"

#include <sodium.h>
#include <string.h>

#define SECRET_MAX (1024u * 1024u)

struct bw_secret {
	size_t len;
	uint8_t *bytes; /* sodium_malloc'd */
};

static enum bw_err secret_alloc(size_t len, struct bw_secret **out)
{
	struct bw_secret *s;

	BW_REQUIRE(out != NULL);
	*out = NULL;
	if (len == 0 || len > SECRET_MAX)
		return BW_ERR_LIMIT;
	if (sodium_init() < 0)
		return BW_ERR_CRYPTO;
	s = sodium_malloc(sizeof(*s));
	if (s == NULL)
		return BW_ERR_NOMEM;
	s->bytes = sodium_malloc(len);
	if (s->bytes == NULL) {
		sodium_free(s);
		return BW_ERR_NOMEM;
	}
	s->len = len;
	*out = s;
	return BW_OK;
}

enum bw_err bw_secret_new(const void *p, size_t len, struct bw_secret **out)
{
	enum bw_err rc = secret_alloc(len, out);

	if (rc == BW_OK)
		memcpy((*out)->bytes, p, len);
	return rc;
}

enum bw_err bw_secret_random(size_t len, struct bw_secret **out)
{
	enum bw_err rc = secret_alloc(len, out);

	if (rc == BW_OK)
		randombytes_buf((*out)->bytes, len);
	return rc;
}

void bw_secret_free(struct bw_secret *s)
{
	if (s == NULL)
		return;
	sodium_free(s->bytes); /* wipes */
	sodium_free(s);
}

const uint8_t *bw_secret_bytes(const struct bw_secret *s)
{
	return s->bytes;
}

size_t bw_secret_len(const struct bw_secret *s)
{
	return s->len;
}

bool bw_ct_eq(const void *a, size_t alen, const void *b, size_t blen)
{
	if (alen != blen)
		return false;
	if (alen == 0)
		return true;
	return sodium_memcmp(a, b, alen) == 0;
}

void bw_wipe(void *p, size_t len)
{
	sodium_memzero(p, len);
}
