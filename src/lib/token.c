/*
 * token.c — opaque random tokens, their strict text form and their keyed hash.
 *
 * The stored hash is BLAKE2b-256 keyed with a purpose key, over
 * len(label) || label || raw token: a MAC of the token, so whoever reads the
 * database learns neither the token nor a way to test guesses offline. The
 * label is length-prefixed so that no two (label, token) pairs share an input.
 */
#include "bulwark/token.h"

#include <sodium.h>
#include <string.h>

#include "bulwark/random.h"

#define DECODE_MAX 128

static bool b64url_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static bool label_ok(const char *label)
{
	size_t n;

	if (label == NULL)
		return false;
	n = strlen(label);
	if (n == 0 || n > BW_TOKEN_LABEL_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = label[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return false;
	}
	return true;
}

void bw_token_new(char out[BW_TOKEN_TEXT_SIZE])
{
	uint8_t raw[BW_TOKEN_BYTES];

	BW_REQUIRE(out != NULL);
	bw_random_bytes(raw, sizeof(raw));
	sodium_bin2base64(out, BW_TOKEN_TEXT_SIZE, raw, sizeof(raw),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

enum bw_err bw_token_decode(struct bw_str text, uint8_t *raw, size_t rawlen)
{
	char again[BW_B64URL_LEN(DECODE_MAX) + 1];
	enum bw_err rc = BW_ERR_INVALID;
	const char *end = NULL;
	size_t n = 0;

	BW_REQUIRE(raw != NULL && rawlen >= 1 && rawlen <= DECODE_MAX);
	BW_REQUIRE(text.p != NULL || text.len == 0);
	if (text.len != BW_B64URL_LEN(rawlen))
		goto out;
	/*
	 * The alphabet is checked here: libsodium 1.0.18 maps some bytes >= 0x80
	 * to digits. It still refuses padding and set spare bits, and the
	 * re-encoding must give the input back byte for byte.
	 */
	for (size_t i = 0; i < text.len; i++)
		if (!b64url_char(text.p[i]))
			goto out;
	if (sodium_base642bin(raw, rawlen, text.p, text.len, NULL, &n, &end,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		goto out;
	if (n != rawlen || end != text.p + text.len)
		goto out;
	sodium_bin2base64(again, sizeof(again), raw, rawlen,
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (!bw_ct_eq(again, strlen(again), text.p, text.len))
		goto out;
	rc = BW_OK;
out:
	if (rc != BW_OK)
		sodium_memzero(raw, rawlen);
	sodium_memzero(again, sizeof(again));
	return rc;
}

enum bw_err bw_token_parse(struct bw_str text, uint8_t raw[BW_TOKEN_BYTES])
{
	return bw_token_decode(text, raw, BW_TOKEN_BYTES);
}

enum bw_err bw_token_hash(const struct bw_secret *key, const char *label, struct bw_str text,
                          struct bw_token_hash *out)
{
	crypto_generichash_state st;
	uint8_t raw[BW_TOKEN_BYTES], h[BW_TOKEN_HASH_BYTES];
	unsigned char llen;
	enum bw_err rc;

	BW_REQUIRE(key != NULL && out != NULL);
	BW_REQUIRE(label_ok(label));
	if (bw_secret_len(key) != BW_PURPOSE_KEY_BYTES)
		return BW_ERR_INVALID;
	rc = bw_token_parse(text, raw);
	if (rc != BW_OK)
		return rc;
	llen = (unsigned char)strlen(label);
	rc = BW_ERR_CRYPTO;
	if (crypto_generichash_init(&st, bw_secret_bytes(key), BW_PURPOSE_KEY_BYTES, sizeof(h)) !=
	            0 ||
	    crypto_generichash_update(&st, &llen, 1) != 0 ||
	    crypto_generichash_update(&st, (const unsigned char *)label, llen) != 0 ||
	    crypto_generichash_update(&st, raw, sizeof(raw)) != 0 ||
	    crypto_generichash_final(&st, h, sizeof(h)) != 0)
		goto out;
	memcpy(out->bytes, h, sizeof(h));
	rc = BW_OK;
out:
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(h, sizeof(h));
	return rc;
}

enum bw_err bw_token_verify(const struct bw_secret *key, const char *label, struct bw_str text,
                            const struct bw_token_hash *stored)
{
	struct bw_token_hash h;
	enum bw_err rc;

	BW_REQUIRE(stored != NULL);
	rc = bw_token_hash(key, label, text, &h);
	if (rc == BW_OK && !bw_token_hash_eq(&h, stored))
		rc = BW_ERR_VERIFY;
	sodium_memzero(&h, sizeof(h));
	return rc;
}

bool bw_token_hash_eq(const struct bw_token_hash *a, const struct bw_token_hash *b)
{
	BW_REQUIRE(a != NULL && b != NULL);
	return bw_ct_eq(a->bytes, sizeof(a->bytes), b->bytes, sizeof(b->bytes));
}
