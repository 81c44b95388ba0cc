/*
 * apikey.c — API key text (bwk_<random>_<checksum>, base62) and its keyed
 * hash. See include/bulwark/apikey.h for the exact format.
 */
#include "bulwark/apikey.h"

#include <sodium.h>
#include <string.h>

#include "bulwark/keys.h"
#include "bulwark/random.h"

static const char base62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static bool is_base62(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

void bw_apikey_checksum(const char rnd[BW_APIKEY_RANDOM_LEN], char out[BW_APIKEY_CHECK_LEN])
{
	uint8_t digest[crypto_hash_sha256_BYTES];
	uint32_t v;

	BW_REQUIRE(rnd != NULL && out != NULL);
	crypto_hash_sha256(digest, (const unsigned char *)rnd, BW_APIKEY_RANDOM_LEN);
	v = (uint32_t)digest[0] << 24 | (uint32_t)digest[1] << 16 | (uint32_t)digest[2] << 8 |
	    (uint32_t)digest[3];
	for (size_t i = BW_APIKEY_CHECK_LEN; i > 0; i--) {
		out[i - 1] = base62[v % 62u];
		v /= 62u;
	}
}

void bw_apikey_new(char out[BW_APIKEY_SIZE])
{
	char *r = out + BW_APIKEY_PREFIX_LEN;

	BW_REQUIRE(out != NULL);
	memcpy(out, BW_APIKEY_PREFIX, BW_APIKEY_PREFIX_LEN);
	/* bw_random_uniform rejects the biased tail: each character is uniform */
	for (size_t i = 0; i < BW_APIKEY_RANDOM_LEN; i++)
		r[i] = base62[bw_random_uniform(62)];
	r[BW_APIKEY_RANDOM_LEN] = '_';
	bw_apikey_checksum(r, r + BW_APIKEY_RANDOM_LEN + 1);
	out[BW_APIKEY_LEN] = '\0';
}

enum bw_err bw_apikey_parse(struct bw_str text)
{
	const char *r;
	char sum[BW_APIKEY_CHECK_LEN];
	bool ok;

	if (text.p == NULL || text.len != BW_APIKEY_LEN ||
	    memcmp(text.p, BW_APIKEY_PREFIX, BW_APIKEY_PREFIX_LEN) != 0)
		return BW_ERR_INVALID;
	r = text.p + BW_APIKEY_PREFIX_LEN;
	if (r[BW_APIKEY_RANDOM_LEN] != '_')
		return BW_ERR_INVALID;
	for (size_t i = 0; i < BW_APIKEY_RANDOM_LEN; i++)
		if (!is_base62(r[i]))
			return BW_ERR_INVALID;
	for (size_t i = 0; i < BW_APIKEY_CHECK_LEN; i++)
		if (!is_base62(r[BW_APIKEY_RANDOM_LEN + 1 + i]))
			return BW_ERR_INVALID;
	bw_apikey_checksum(r, sum);
	ok = sodium_memcmp(sum, r + BW_APIKEY_RANDOM_LEN + 1, BW_APIKEY_CHECK_LEN) == 0;
	sodium_memzero(sum, sizeof(sum));
	return ok ? BW_OK : BW_ERR_INVALID;
}

enum bw_err bw_apikey_hash(const struct bw_secret *key, struct bw_str text,
                           struct bw_apikey_hash *out)
{
	BW_REQUIRE(key != NULL && out != NULL);
	if (bw_secret_len(key) != BW_PURPOSE_KEY_BYTES ||
	    bw_secret_len(key) != crypto_auth_hmacsha256_KEYBYTES)
		return BW_ERR_INVALID;
	if (bw_apikey_parse(text) != BW_OK)
		return BW_ERR_INVALID;
	/* the one-shot form cannot fail for a key of the right length */
	if (crypto_auth_hmacsha256(out->bytes, (const unsigned char *)text.p, text.len,
	                           bw_secret_bytes(key)) != 0)
		return BW_ERR_CRYPTO;
	return BW_OK;
}

bool bw_apikey_hash_eq(const struct bw_apikey_hash *a, const struct bw_apikey_hash *b)
{
	BW_REQUIRE(a != NULL && b != NULL);
	return sodium_memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}
