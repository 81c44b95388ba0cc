/*
 * jwt.h — JSON Web Tokens: JWS compact serialization (RFC 7515) signed and
 * verified with keys that each carry exactly one algorithm (RFC 8725 §3.1).
 *
 * Algorithms: EdDSA (Ed25519, libsodium), ES256 (P-256, OpenSSL), RS256 and
 * PS256 (RSA ≥ 2048 bits, OpenSSL), HS256 (HMAC-SHA256, ≥ 32-byte keys).
 * The key decides the algorithm: a token whose header "alg" is not the
 * algorithm of the key its "kid" names (or, without kid, of the one key
 * given) is refused. Refused on their face: "alg":"none" and any unknown
 * alg; "crit" naming anything; embedded "jwk", "jku", "x5u", "x5c";
 * duplicate member names in header or claims; anything but canonical
 * unpadded base64url in each of exactly three segments; tokens longer than
 * BW_JWT_MAX_BYTES; a header or claims that is not a JSON object; ECDSA
 * signatures not exactly 64 bytes (r || s) or with r or s outside [1, n-1].
 *
 * Claims are checked here, not by each caller (struct bw_jwt_expect): "exp"
 * is required and must be in the future; "nbf" and "iat", when present,
 * must not be in the future beyond the leeway; "iss" must equal the expected
 * issuer; "aud" (a string or an array of strings) must contain the expected
 * audience; the header "typ" must equal the expected type (RFC 9068
 * "at+jwt" for access tokens; compared case-insensitively, with an optional
 * "application/" prefix, RFC 7515 §4.1.9). Every numeric date must be an
 * integer (a JSON real or a number beyond 2^53 is refused).
 *
 * Thread safety: keys and key sets are immutable after creation and may be
 * shared by threads; every function is reentrant. bw_init() first.
 */
#ifndef BULWARK_JWT_H
#define BULWARK_JWT_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/buf.h"
#include "bulwark/err.h"
#include "bulwark/str.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest token accepted by bw_jwt_verify. */
#define BW_JWT_MAX_BYTES 8192
/**
 * Longest kid accepted (characters), in keys and in token headers. A kid is
 * 1..BW_JWT_KID_MAX visible ASCII characters (0x21..0x7e); a header kid
 * outside that is refused (BW_JWT_BAD_HEADER), a key kid outside it is
 * BW_ERR_INVALID at creation.
 */
#define BW_JWT_KID_MAX 64
/** Default leeway for nbf/iat/exp, in seconds. */
#define BW_JWT_DEFAULT_LEEWAY 30

/** The algorithm a key is for. */
enum bw_jwt_alg {
	BW_JWT_EDDSA = 1, /**< "EdDSA" with crv Ed25519 */
	BW_JWT_ES256,     /**< "ES256": ECDSA P-256 + SHA-256 */
	BW_JWT_RS256,     /**< "RS256": RSASSA-PKCS1-v1_5 + SHA-256 */
	BW_JWT_PS256,     /**< "PS256": RSASSA-PSS + SHA-256, MGF1-SHA-256, salt 32 */
	BW_JWT_HS256,     /**< "HS256": HMAC-SHA-256 */
};

/** bw_jwt_alg_name - "EdDSA", "ES256", … (NULL for an unknown value). */
const char *bw_jwt_alg_name(enum bw_jwt_alg alg);

/** bw_jwt_alg_parse - the algorithm of a JOSE name; BW_ERR_INVALID for others ("none"). */
BW_MUST_CHECK enum bw_err bw_jwt_alg_parse(struct bw_str name, enum bw_jwt_alg *out);

/** One key for one algorithm, private (can sign) or public only. Opaque. */
struct bw_jwk;

/**
 * bw_jwk_generate - a fresh private key for alg (RSA: 3072 bits, which takes
 * a noticeable fraction of a second; HS256: 32 random bytes) named kid
 * (copied). Caller frees *out with bw_jwk_free.
 */
BW_MUST_CHECK enum bw_err bw_jwk_generate(enum bw_jwt_alg alg, const char *kid,
                                          struct bw_jwk **out);

/**
 * bw_jwk_generate_abortable - bw_jwk_generate that gives up when *abort
 * (may be NULL) becomes true: checked between the candidate primes of an
 * RSA generation, so a server can stop at once instead of waiting seconds
 * for one, or leaving a thread inside OpenSSL while the process exits.
 * BW_ERR_STATE when it gave up (nothing is made).
 */
BW_MUST_CHECK enum bw_err bw_jwk_generate_abortable(enum bw_jwt_alg alg, const char *kid,
                                                    const atomic_bool *abort, struct bw_jwk **out);

/**
 * bw_jwk_export_private - the private key material as bytes to store (for
 * encryption at rest by the caller): Ed25519 its 32-byte seed, HS256 the
 * raw key, ES256/RS256/PS256 PKCS#8 DER. out is reset first; the caller
 * wipes it. BW_ERR_STATE for a public-only key.
 */
BW_MUST_CHECK enum bw_err bw_jwk_export_private(const struct bw_jwk *key, struct bw_buf *out);

/**
 * bw_jwk_import_private - the inverse of bw_jwk_export_private (kid copied).
 * BW_ERR_INVALID for bytes that are not a key of alg: a seed not 32 bytes,
 * an HMAC key outside 32..1024 bytes, DER that is not exactly one PKCS#8
 * key of the right type (P-256; RSA of 2048..8192 bits).
 */
BW_MUST_CHECK enum bw_err bw_jwk_import_private(enum bw_jwt_alg alg, const char *kid,
                                                const void *der, size_t len, struct bw_jwk **out);

/**
 * bw_jwk_from_json - a public verification key from a JWK (RFC 7517) JSON
 * object: kty OKP/EC/RSA (oct for HS256, "k" member) with "alg" required
 * and consistent with kty/crv, "kid" required; "use", when present, must
 * be "sig"; "key_ops", when present, must be an array of strings that
 * includes "verify". Private members ("d", "p", …) are refused for
 * OKP/EC/RSA: a public key set must not carry them. Members are exact:
 * canonical base64url, x/y exactly 32 bytes and on P-256, Ed25519 x 32
 * bytes, RSA n and e without leading zero octets, e odd, moduli of
 * 2048..8192 bits; an oct "k" of 32..1024 bytes (such a key can sign too).
 * Other members are ignored. Caller frees *out with bw_jwk_free.
 */
BW_MUST_CHECK enum bw_err bw_jwk_from_json(const json_t *jwk, struct bw_jwk **out);

/**
 * bw_jwk_public_json - the public JWK of key (kty, crv or n/e, x/y, kid,
 * alg, use "sig") as a new JSON object the caller json_decref()s.
 * BW_ERR_STATE for an HS256 key (a symmetric key is never published).
 */
BW_MUST_CHECK enum bw_err bw_jwk_public_json(const struct bw_jwk *key, json_t **out);

/** bw_jwk_alg / bw_jwk_kid - a key's algorithm and kid (borrowed). */
enum bw_jwt_alg bw_jwk_alg(const struct bw_jwk *key);
const char *bw_jwk_kid(const struct bw_jwk *key);

/** bw_jwk_free - wipe and free a key; NULL is a no-op. */
void bw_jwk_free(struct bw_jwk *key);

/**
 * bw_jwt_sign - sign claims (a JSON object, dumped compactly with sorted
 * keys) with key into out (reset first; a NUL-terminated compact JWS). The
 * header is {"alg", "kid", "typ"} — typ NULL leaves it out ("JWT" is usual;
 * "at+jwt" for access tokens). BW_ERR_STATE for a public-only key.
 */
BW_MUST_CHECK enum bw_err bw_jwt_sign(const struct bw_jwk *key, const char *typ,
                                      const json_t *claims, struct bw_buf *out);

/** Keys a verifier accepts, looked up by kid. Borrowed pointers. */
struct bw_jwt_keyset {
	const struct bw_jwk *const *keys;
	size_t n;
};

/** What the verifier requires of a token beyond its signature. */
struct bw_jwt_expect {
	const char *issuer;   /**< NULL: iss not checked */
	const char *audience; /**< NULL: aud not checked */
	const char *typ;      /**< NULL: typ not checked; else required */
	int64_t now;          /**< unix seconds; 0: the real clock (tests inject a time) */
	unsigned leeway_s;    /**< clock skew allowed for exp/nbf/iat */
	bool exp_optional; /**< only for non-session tokens of the RFC vectors; default required */
};

/** Why a token was refused (for logs and tests; never sent to clients). */
enum bw_jwt_reason {
	BW_JWT_OK = 0,
	BW_JWT_MALFORMED,   /**< segments, base64url, JSON, duplicates, size */
	BW_JWT_BAD_HEADER,  /**< alg none/unknown, crit, jwk/jku/x5u/x5c, typ */
	BW_JWT_UNKNOWN_KEY, /**< no key with that kid */
	BW_JWT_ALG_MISMATCH,
	BW_JWT_BAD_SIGNATURE,
	BW_JWT_EXPIRED,
	BW_JWT_NOT_YET_VALID, /**< nbf or iat in the future */
	BW_JWT_BAD_CLAIMS,    /**< exp missing, iss/aud mismatch, non-integer dates */
};

/** bw_jwt_reason_str - a stable name of a reason ("expired", …). */
const char *bw_jwt_reason_str(enum bw_jwt_reason r);

/**
 * bw_jwt_verify - check token against keys and expect. On BW_OK *claims
 * (may be NULL) gets the claims object (the caller json_decref()s) and
 * *key_used (may be NULL) the key that verified it. Every refusal is
 * BW_ERR_DENIED with *why (may be NULL) saying which check failed; other
 * errors are internal (BW_ERR_NOMEM).
 */
BW_MUST_CHECK enum bw_err bw_jwt_verify(struct bw_str token, const struct bw_jwt_keyset *keys,
                                        const struct bw_jwt_expect *expect, json_t **claims,
                                        const struct bw_jwk **key_used, enum bw_jwt_reason *why);

/**
 * bw_jwt_peek_header - the decoded header of a well-formed compact token,
 * unverified (to find the kid of a client's private_key_jwt assertion
 * before its key is looked up). The caller json_decref()s *header.
 */
BW_MUST_CHECK enum bw_err bw_jwt_peek_header(struct bw_str token, json_t **header);

/**
 * bw_jwt_peek_claims - the decoded claims of a well-formed compact token,
 * unverified (to read the iss/sub of a client assertion and find the client
 * whose keys then verify it). Never act on them before bw_jwt_verify.
 * BW_ERR_INVALID for a malformed token; the caller json_decref()s *claims.
 */
BW_MUST_CHECK enum bw_err bw_jwt_peek_claims(struct bw_str token, json_t **claims);

#ifdef __cplusplus
}
#endif

#endif
