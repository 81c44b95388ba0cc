/*
 * token.h — opaque secret tokens: session ids, verification and reset tokens.
 *
 * A token is BW_TOKEN_BYTES (256 bits) from the CSPRNG, shown to its holder
 * once as BW_TOKEN_TEXT_LEN characters of unpadded base64url (RFC 4648 §5).
 * The server never stores the token: it stores a keyed hash of it,
 * BLAKE2b-256 (crypto_generichash) keyed with a purpose key from keys.h
 * (BW_KEY_SESSION for sessions, BW_KEY_MAILTOKEN for mail tokens, …) over a
 * short label naming the kind of token and the 32 raw bytes. A copy of the
 * database therefore holds no live session: without the purpose key the
 * hashes cannot be turned back into tokens, nor computed for a guess. The
 * label keeps kinds apart: a reset token hashed as "reset" never matches a
 * stored "verify" hash even under one key.
 *
 * A presented token is parsed strictly: exactly BW_TOKEN_TEXT_LEN characters
 * of [A-Za-z0-9_-] whose re-encoding is the input (no padding, no spare
 * bits set, no whitespace); anything else is refused before any hash is
 * computed. A store looks a token up by its hash (an index on the hash
 * column is fine: equality of a keyed hash of a 256-bit random value leaks
 * nothing usable); code that compares hashes itself uses
 * bw_token_hash_eq, which runs in constant time.
 * bw_init() must have succeeded before any of these is called.
 */
#ifndef BULWARK_TOKEN_H
#define BULWARK_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/err.h"
#include "bulwark/keys.h"
#include "bulwark/secret.h"
#include "bulwark/str.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Random bytes in a token. */
#define BW_TOKEN_BYTES 32
/** Characters of a token's text form (unpadded base64url of BW_TOKEN_BYTES). */
#define BW_TOKEN_TEXT_LEN 43
/** Size of a buffer for a token's text form and its NUL. */
#define BW_TOKEN_TEXT_SIZE 44
/** Bytes of the stored keyed hash of a token. */
#define BW_TOKEN_HASH_BYTES 32
/** Longest label of a kind of token. */
#define BW_TOKEN_LABEL_MAX 32
/** Characters of the unpadded base64url form of n bytes. */
#define BW_B64URL_LEN(n) ((((n)*4u) + 2u) / 3u)

/** The stored form of a token: its keyed hash. Not secret by itself, not a token either. */
struct bw_token_hash {
	uint8_t bytes[BW_TOKEN_HASH_BYTES];
};

/**
 * bw_token_new - a fresh token: BW_TOKEN_BYTES from the CSPRNG as text into
 * out (NUL-terminated). Hand it to its holder and hash it with
 * bw_token_hash; keep no other copy, and wipe out (bw_wipe) when done.
 * Cannot fail.
 */
void bw_token_new(char out[BW_TOKEN_TEXT_SIZE]);

/**
 * bw_token_decode - strictly decode text, which must be exactly
 * BW_B64URL_LEN(rawlen) characters of canonical unpadded base64url, into
 * rawlen (1..128) bytes at raw. BW_ERR_INVALID for any other length, a byte
 * outside [A-Za-z0-9_-], or non-zero spare bits; raw is wiped on error.
 * text is borrowed. Used for tokens here and for CSRF tokens (csrf.h).
 */
BW_MUST_CHECK enum bw_err bw_token_decode(struct bw_str text, uint8_t *raw, size_t rawlen);

/**
 * bw_token_parse - check a presented token (from a cookie, a form, a link)
 * and decode it into raw. BW_ERR_INVALID unless it is exactly the text form
 * of a token (see the top of this header); raw is wiped on error. The caller
 * wipes raw after use.
 */
BW_MUST_CHECK enum bw_err bw_token_parse(struct bw_str text, uint8_t raw[BW_TOKEN_BYTES]);

/**
 * bw_token_hash - the stored form of the presented token text under the
 * purpose key key and the label (1..BW_TOKEN_LABEL_MAX bytes of [a-z0-9_.-],
 * a literal such as "session" or "reset"; anything else is a programming
 * error). Errors: BW_ERR_INVALID for a token that does not parse (see
 * bw_token_parse) or a key that is not BW_PURPOSE_KEY_BYTES long,
 * BW_ERR_CRYPTO when libsodium fails. *out is written only on BW_OK. key,
 * label and text are borrowed.
 */
BW_MUST_CHECK enum bw_err bw_token_hash(const struct bw_secret *key, const char *label,
                                        struct bw_str text, struct bw_token_hash *out);

/**
 * bw_token_verify - whether the presented token text hashes to stored (under
 * key and label, as bw_token_hash). BW_OK on a match; BW_ERR_INVALID for a
 * malformed token or key; BW_ERR_VERIFY for a well-formed token that does not
 * match. The comparison runs in constant time. All pointers are borrowed.
 */
BW_MUST_CHECK enum bw_err bw_token_verify(const struct bw_secret *key, const char *label,
                                          struct bw_str text, const struct bw_token_hash *stored);

/** bw_token_hash_eq - constant-time equality of two stored hashes. */
bool bw_token_hash_eq(const struct bw_token_hash *a, const struct bw_token_hash *b);

#ifdef __cplusplus
}
#endif
#endif
