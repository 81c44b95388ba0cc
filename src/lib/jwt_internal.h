/*
 * jwt_internal.h — what the JWT modules share and nothing else sees: the key
 * object, strict base64url, and the per-algorithm signature primitives.
 *
 * jwk.c owns struct bw_jwk (creation, import, export, JWK JSON); jws_sig.c
 * signs and verifies raw bytes with one key; jwt.c does the compact format
 * and the claims.
 */
#ifndef BW_JWT_INTERNAL_H
#define BW_JWT_INTERNAL_H

#include <openssl/evp.h>
#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/jwt.h"
#include "bulwark/secret.h"

/** Bytes of an ES256 signature (r || s) and of each half. */
#define JWS_ES256_SIG_BYTES 64u
#define JWS_ES256_HALF      32u
/** RSA moduli accepted, in bits: RFC 8725 wants ≥ 2048; the cap bounds verify cost. */
#define JWS_RSA_MIN_BITS 2048
#define JWS_RSA_MAX_BITS 8192
/** Largest signature of any algorithm (RSA 8192). */
#define JWS_SIG_MAX (JWS_RSA_MAX_BITS / 8)
/** HS256 keys: at least the hash size (RFC 7518 §3.2), at most one block's worth × 16. */
#define JWS_HMAC_MIN_KEY 32u
#define JWS_HMAC_MAX_KEY 1024u

struct jws_hmac;

struct bw_jwk {
	enum bw_jwt_alg alg;
	bool can_sign;
	char kid[BW_JWT_KID_MAX + 1];
	/* EdDSA: the public key; the secret key (64 bytes, seed || pk) in secret */
	uint8_t ed_pk[crypto_sign_PUBLICKEYBYTES];
	/* EdDSA: the crypto_sign secret key. HS256: the raw key (for export). */
	struct bw_secret *secret;
	/* HS256: OpenSSL's keyed HMAC contexts, shared by threads (jws_sig.c) */
	struct jws_hmac *hmac;
	/* ES256, RS256, PS256 */
	EVP_PKEY *pkey;
};

/** Ready HMAC contexts per HS256 key: more threads than this duplicate one. */
#define JWS_HMAC_SLOTS 8

/**
 * jws_hmac_new - HMAC-SHA-256 under key[0..len) (OpenSSL's), made once per
 * key and safe to use from any number of threads at once; jws_hmac_free
 * releases it (NULL-safe).
 */
BW_MUST_CHECK enum bw_err jws_hmac_new(const uint8_t *key, size_t len, struct jws_hmac **out);
void jws_hmac_free(struct jws_hmac *h);

/**
 * jws_b64_canonical - whether s is canonical unpadded base64url (RFC 7515 §2):
 * only the URL-safe alphabet, no padding, a length that is not 1 mod 4 and
 * the spare bits of the last character zero. Such a string is exactly the
 * re-encoding of what it decodes to, so no second form of a token exists.
 */
bool jws_b64_canonical(const char *s, size_t len);

/** Bytes that a canonical base64url string of len characters decodes to. */
static inline size_t jws_b64_decoded_len(size_t len)
{
	return len / 4 * 3 + (len % 4 == 0 ? 0 : len % 4 - 1);
}

/**
 * jws_b64_decode - decode canonical base64url s[0..len) into out (at least
 * jws_b64_decoded_len(len) bytes). BW_ERR_INVALID for a non-canonical form.
 */
BW_MUST_CHECK enum bw_err jws_b64_decode(const char *s, size_t len, uint8_t *out, size_t outsize,
                                         size_t *outlen);

/** jws_b64_append - append the unpadded base64url of p[0..len) to b. */
BW_MUST_CHECK enum bw_err jws_b64_append(struct bw_buf *b, const void *p, size_t len);

/** jws_kid_ok - 1..BW_JWT_KID_MAX printable ASCII characters. */
bool jws_kid_ok(const char *kid, size_t len);

/**
 * jws_sign - the JWS signature of msg with key (its own algorithm) into sig
 * (JWS_SIG_MAX bytes): ES256 as r || s. BW_ERR_STATE for a public-only key.
 */
BW_MUST_CHECK enum bw_err jws_sign(const struct bw_jwk *key, const void *msg, size_t len,
                                   uint8_t sig[JWS_SIG_MAX], size_t *siglen);

/**
 * jws_verify - whether sig is key's signature of msg: BW_OK or BW_ERR_VERIFY
 * (wrong length, out-of-range ECDSA halves, or a bad signature);
 * BW_ERR_NOMEM/BW_ERR_CRYPTO when the library fails.
 */
BW_MUST_CHECK enum bw_err jws_verify(const struct bw_jwk *key, const void *msg, size_t len,
                                     const uint8_t *sig, size_t siglen);

/* What the verifier reads from a header; strings borrow the decoded bytes or doc. */
struct jws_header {
	struct bw_str alg, kid, typ;
	bool has_alg, has_kid, has_typ;
	json_t *doc; /* set when the general parser was needed; the caller json_decref()s */
};

/**
 * jws_header_fast - the header fast path (jwt.c): true when p[0..n) is the
 * flat {"alg","kid","typ"} form it reads, with h filled; false means "ask
 * jws_header_slow", never a refusal. h must start zeroed.
 */
bool jws_header_fast(const uint8_t *p, size_t n, struct jws_header *h);

/**
 * jws_header_slow - the header read by the strict parser: BW_JWT_OK with h
 * filled, BW_JWT_MALFORMED (not a JSON object, duplicates, too deep; *err
 * BW_ERR_NOMEM when memory ran out) or BW_JWT_BAD_HEADER (crit, jwk, jku,
 * x5u, x5c; alg, kid or typ not a string). h must start zeroed.
 */
enum bw_jwt_reason jws_header_slow(const uint8_t *p, size_t n, struct jws_header *h,
                                   enum bw_err *err);

/**
 * jwt_flat_parse - the claims fast path (jwt_flat.c): when p[0..n) is a flat
 * JSON object it handles (see there), *out gets it and true is returned;
 * false means "not handled: ask bw_json_parse", never a refusal. true with
 * *err BW_ERR_NOMEM when memory ran out.
 */
bool jwt_flat_parse(const void *p, size_t n, json_t **out, enum bw_err *err);

#endif
