/*
 * apikey.h — the text format of API keys and their stored keyed hash.
 *
 * An API key is BW_APIKEY_LEN ASCII characters:
 *
 *     bwk_<random>_<checksum>
 *
 * - "bwk_": a fixed prefix, so secret scanners and the server's
 *   authenticator recognise the kind of credential;
 * - <random>: BW_APIKEY_RANDOM_LEN characters, each drawn uniformly from the
 *   base62 alphabet (0-9, A-Z, a-z, in that order) by the CSPRNG:
 *   32 * log2(62) ≈ 190 bits;
 * - <checksum>: BW_APIKEY_CHECK_LEN base62 characters (most significant
 *   first, left-padded with '0') of the number made of the first four bytes,
 *   big-endian, of SHA-256(<random>).
 *
 * The checksum is public (it protects against typos and lets a scanner tell a
 * real key from look-alike text offline, without asking the server); it is no
 * secret and no MAC. The server refuses a key whose checksum does not match
 * before it looks anything up, so random guesses never reach the database.
 *
 * Stored form: HMAC-SHA256 (libsodium crypto_auth_hmacsha256) of the whole key
 * text under the BW_KEY_APIKEY purpose key (keys.h). The random part has 190
 * bits, so a fast keyed hash is enough; a password hash would cost tens of
 * milliseconds on every request for nothing.
 * bw_init() must have succeeded before any of these is called.
 */
#ifndef BULWARK_APIKEY_H
#define BULWARK_APIKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/err.h"
#include "bulwark/secret.h"
#include "bulwark/str.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The prefix of every API key. */
#define BW_APIKEY_PREFIX "bwk_"
/** Characters of the prefix. */
#define BW_APIKEY_PREFIX_LEN 4
/** Base62 characters of the random part (≈190 bits). */
#define BW_APIKEY_RANDOM_LEN 32
/** Base62 characters of the checksum (62^6 > 2^32). */
#define BW_APIKEY_CHECK_LEN 6
/** Characters of a whole key: prefix, random part, '_', checksum. */
#define BW_APIKEY_LEN (BW_APIKEY_PREFIX_LEN + BW_APIKEY_RANDOM_LEN + 1 + BW_APIKEY_CHECK_LEN)
/** Size of a buffer for a key and its NUL. */
#define BW_APIKEY_SIZE (BW_APIKEY_LEN + 1)
/** Bytes of the stored keyed hash. */
#define BW_APIKEY_HASH_BYTES 32

/** The stored form of a key. Not secret by itself, not a key either. */
struct bw_apikey_hash {
	uint8_t bytes[BW_APIKEY_HASH_BYTES];
};

/**
 * bw_apikey_new - a fresh key (see the top of this header) into out,
 * NUL-terminated. Show it to its owner once, store only bw_apikey_hash of it
 * and wipe out (bw_wipe) when done. Cannot fail.
 */
void bw_apikey_new(char out[BW_APIKEY_SIZE]);

/**
 * bw_apikey_checksum - the checksum characters of a random part (exactly
 * BW_APIKEY_RANDOM_LEN bytes, borrowed; any bytes) into out (not
 * NUL-terminated). Cannot fail.
 */
void bw_apikey_checksum(const char rnd[BW_APIKEY_RANDOM_LEN], char out[BW_APIKEY_CHECK_LEN]);

/**
 * bw_apikey_parse - whether text (borrowed) is a well-formed key: exactly
 * BW_APIKEY_LEN bytes, the prefix, base62 characters only, the '_' separator
 * and the matching checksum (compared in constant time). BW_OK or
 * BW_ERR_INVALID; nothing else is looked at.
 */
BW_MUST_CHECK enum bw_err bw_apikey_parse(struct bw_str text);

/**
 * bw_apikey_hash - the stored form of the presented key text under the
 * purpose key (BW_PURPOSE_KEY_BYTES long). BW_ERR_INVALID when text does not
 * parse (bw_apikey_parse) or the key has the wrong length; *out is written
 * only on BW_OK. Borrows everything.
 */
BW_MUST_CHECK enum bw_err bw_apikey_hash(const struct bw_secret *key, struct bw_str text,
                                         struct bw_apikey_hash *out);

/** bw_apikey_hash_eq - constant-time equality of two stored hashes. */
bool bw_apikey_hash_eq(const struct bw_apikey_hash *a, const struct bw_apikey_hash *b);

#ifdef __cplusplus
}
#endif
#endif
