/*
 * token_cache.h — a bounded, thread-safe cache of verified access tokens.
 *
 * Keyed by a keyed BLAKE2b-256 hash (crypto_generichash, a random key made
 * per cache) of the whole token text, so the cache holds no token and two
 * tokens differing in any byte never share an entry. Sharded: each of
 * BW_TOKEN_CACHE_SHARDS shards has its own mutex and a set-associative
 * table of BW_TOKEN_CACHE_WAYS-entry sets; a new entry takes an empty or
 * expired way of its set, else the least recently used one. The capacity is
 * therefore a hard bound, and lookups and inserts are O(ways).
 *
 * An entry is valid until its own deadline (the caller gives
 * min(token exp, now + a short age)); a lookup at or after it misses and
 * frees the way. The cache decides nothing about revocation: the caller
 * checks the denylist on every use, hit or miss.
 */
#ifndef BULWARK_TOKEN_CACHE_H
#define BULWARK_TOKEN_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/err.h"
#include "bulwark/str.h"

#define BW_TOKEN_CACHE_SHARDS 16u
#define BW_TOKEN_CACHE_WAYS   8u
/** Bytes of an entry key. */
#define BW_TOKEN_CACHE_KEY 32u

/** What is kept of a verified token (fixed sizes; longer tokens are not cached). */
struct bw_token_cache_value {
	int64_t deadline;  /**< unix seconds: the entry is gone at this time */
	int64_t exp;       /**< the token's exp */
	int64_t user_id;   /**< 0: client-only */
	int64_t auth_time; /**< 0: none */
	char role[16];
	char jti[64];
	char sub[128];
	char client_id[128];
	char scope[512]; /**< space-separated, as in the token */
};

struct bw_token_cache;

/**
 * bw_token_cache_new - a cache of at most capacity entries (rounded up to
 * whole sets; at least one set per shard). capacity 0 is BW_ERR_INVALID
 * (a disabled cache is no cache at all: the caller keeps NULL).
 */
BW_MUST_CHECK enum bw_err bw_token_cache_new(size_t capacity, struct bw_token_cache **out);

/** bw_token_cache_free - wipe and free; NULL is a no-op. */
void bw_token_cache_free(struct bw_token_cache *c);

/** bw_token_cache_capacity - the number of entries it can hold. */
size_t bw_token_cache_capacity(const struct bw_token_cache *c);

/** bw_token_cache_key - the entry key of a token text. */
void bw_token_cache_key(const struct bw_token_cache *c, struct bw_str token,
                        uint8_t key[BW_TOKEN_CACHE_KEY]);

/**
 * bw_token_cache_get - copy the entry of key into *out when it is there and
 * now < its deadline; false otherwise (an expired entry is dropped).
 */
bool bw_token_cache_get(struct bw_token_cache *c, const uint8_t key[BW_TOKEN_CACHE_KEY],
                        int64_t now, struct bw_token_cache_value *out);

/** bw_token_cache_put - store v under key (replacing an entry of the same key). */
void bw_token_cache_put(struct bw_token_cache *c, const uint8_t key[BW_TOKEN_CACHE_KEY],
                        int64_t now, const struct bw_token_cache_value *v);

/** bw_token_cache_count - live entries at now (tests and metrics; takes every lock). */
size_t bw_token_cache_count(struct bw_token_cache *c, int64_t now);

#endif
