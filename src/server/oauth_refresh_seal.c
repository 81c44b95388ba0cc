/*
 * oauth_refresh_seal.c — the keyed successor of a refresh token and the
 * sealed access token of the grace window (oauth_refresh.h): BLAKE2b keyed
 * with the refresh purpose key (token.h's bw_token_hash, own labels) and
 * XChaCha20-Poly1305 (libsodium). Kept apart from the store so that it can be
 * tested alone.
 */
#include "oauth_refresh.h"

#include <sodium.h>
#include <string.h>

#define LABEL_NEXT "refresh_next"
#define LABEL_SEAL "refresh_seal"
#define SEAL_AD    "bulwark.refresh.at.v1"
#define AT_MAX     8192 /* longest access token kept sealed */

/* ---- successors and sealed access tokens ----------------------------------------- */

enum bw_err bw_refresh_successor(struct bw_app *app, struct bw_str token,
                                 char out[BW_TOKEN_TEXT_SIZE])
{
	struct bw_token_hash h;
	enum bw_err rc = bw_token_hash(app->oauth_key, LABEL_NEXT, token, &h);

	if (rc == BW_OK)
		sodium_bin2base64(out, BW_TOKEN_TEXT_SIZE, h.bytes, sizeof(h.bytes),
		                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(&h, sizeof(h));
	return rc;
}

static enum bw_err seal_key(struct bw_app *app, struct bw_str successor,
                            uint8_t key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES])
{
	struct bw_token_hash h;
	enum bw_err rc = bw_token_hash(app->oauth_key, LABEL_SEAL, successor, &h);

	_Static_assert(sizeof(h.bytes) == crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
	               "a token hash is a key");
	if (rc == BW_OK)
		memcpy(key, h.bytes, sizeof(h.bytes));
	sodium_memzero(&h, sizeof(h));
	return rc;
}

enum bw_err bw_refresh_seal(struct bw_app *app, struct bw_str successor, struct bw_str at,
                            struct bw_arena *a, uint8_t **box, size_t *len)
{
	uint8_t key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	size_t n = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + at.len +
	           crypto_aead_xchacha20poly1305_ietf_ABYTES;
	unsigned long long clen = 0;
	uint8_t *b;
	enum bw_err rc;

	if (at.len == 0 || at.len > AT_MAX)
		return BW_ERR_LIMIT;
	b = bw_arena_alloc(a, n);
	if (b == NULL)
		return BW_ERR_NOMEM;
	rc = seal_key(app, successor, key);
	if (rc != BW_OK)
		return rc;
	randombytes_buf(b, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(
	            b + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen,
	            (const unsigned char *)at.p, at.len, (const unsigned char *)SEAL_AD,
	            sizeof(SEAL_AD) - 1, NULL, b, key) != 0)
		rc = BW_ERR_CRYPTO;
	sodium_memzero(key, sizeof(key));
	if (rc == BW_OK) {
		*box = b;
		*len = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + (size_t)clen;
	}
	return rc;
}

enum bw_err bw_refresh_open(struct bw_app *app, struct bw_str successor, const uint8_t *box,
                            size_t len, struct bw_arena *a, const char **at)
{
	uint8_t key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	unsigned long long mlen = 0;
	size_t cap;
	char *m;
	enum bw_err rc;

	if (box == NULL ||
	    len < crypto_aead_xchacha20poly1305_ietf_NPUBBYTES +
	                    crypto_aead_xchacha20poly1305_ietf_ABYTES + 1 ||
	    len > AT_MAX + 64)
		return BW_ERR_VERIFY;
	cap = len - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES -
	      crypto_aead_xchacha20poly1305_ietf_ABYTES;
	m = bw_arena_alloc(a, cap + 1);
	if (m == NULL)
		return BW_ERR_NOMEM;
	rc = seal_key(app, successor, key);
	if (rc != BW_OK)
		return rc;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
	            (unsigned char *)m, &mlen, NULL,
	            box + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
	            len - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
	            (const unsigned char *)SEAL_AD, sizeof(SEAL_AD) - 1, box, key) != 0)
		rc = BW_ERR_VERIFY;
	sodium_memzero(key, sizeof(key));
	if (rc == BW_OK) {
		m[mlen] = '\0';
		*at = m;
	}
	return rc;
}
