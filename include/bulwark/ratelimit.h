/*
 * ratelimit.h — rate limiting with GCRA, a pluggable store, and the
 * RateLimit / RateLimit-Policy / Retry-After response headers.
 *
 * GCRA (the generic cell rate algorithm) keeps one number per key: the
 * theoretical arrival time (TAT) of the next request. A policy allows
 * `limit` requests per `period_s` seconds in the long run, so each request
 * moves the TAT on by the emission interval T = period / limit; a fresh key
 * may spend `burst` requests at once. A request passes when the TAT it would
 * leave is at most burst * T ahead of now. No timers, no queues, no sleeping:
 * a refusal says how long to wait (Retry-After) and the caller answers 429.
 *
 * Time is an explicit monotonic nanosecond count (bw_rl_now_ns in production,
 * any value in tests), so the arithmetic can be checked exactly.
 *
 * The store is a backend (struct bw_rl_backend): the in-memory one below for
 * a single process, a shared store (Redis) for several. Everything fails
 * closed: a store error, a full table or a bad argument comes back as a
 * refusal, never as a pass.
 */
#ifndef BULWARK_RATELIMIT_H
#define BULWARK_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/arena.h"
#include "bulwark/err.h"
#include "bulwark/hdrs.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest policy name. */
#define BW_RL_NAME_MAX 16
/** Longest key a caller passes ("ip" address bytes, "acct:" + id, …). */
#define BW_RL_KEY_MAX 64
/** Longest key a backend sees: policy name, a NUL, the caller's key. */
#define BW_RL_STORE_KEY_MAX (BW_RL_NAME_MAX + 1 + BW_RL_KEY_MAX)
/** Bounds of a policy. */
#define BW_RL_LIMIT_MAX  1000000000u
#define BW_RL_PERIOD_MAX (366u * 86400u)
#define BW_RL_BURST_MAX  1000000000u
/** Most entries and shards of an in-memory store. */
#define BW_RL_MEMORY_ENTRIES_MAX (1u << 24)
#define BW_RL_MEMORY_SHARDS_MAX  1024u
/** Shards of an in-memory store when the caller passes 0. */
#define BW_RL_MEMORY_SHARDS_DEFAULT 64u

/**
 * A policy: `limit` requests per `period_s` seconds, at most `burst` at once.
 * name is 1..BW_RL_NAME_MAX bytes of [a-z0-9_.-] starting with a letter; it
 * is sent in the RateLimit headers and keeps the keys of different policies
 * apart (the same key under "ip" and "login" are two budgets). Policies are
 * usually static const; the strings are borrowed.
 */
struct bw_rl_policy {
	const char *name;
	uint32_t limit;
	uint32_t period_s;
	uint32_t burst;
};

/** The outcome of one take. */
struct bw_rl_result {
	bool allowed;
	uint32_t limit;          /**< the policy's limit (the q of RateLimit-Policy) */
	uint32_t remaining;      /**< cost-1 requests that would still pass now */
	uint64_t reset_ns;       /**< until the key is back to a full burst */
	uint64_t retry_after_ns; /**< 0 when allowed; else until this request would pass */
	uint64_t reset_s;        /**< reset_ns rounded up to whole seconds */
	uint64_t retry_after_s;  /**< 0 when allowed; else rounded up, at least 1 */
};

/**
 * A store of TATs. take charges cost units to key (keylen bytes, borrowed
 * for the call) under policy at now_ns (a shared store may use its own clock
 * instead, so that several machines agree) and fills *result. BW_OK with
 * result->allowed false is an ordinary refusal; any other return makes
 * bw_ratelimit_take refuse. take must be safe to call from many threads.
 * ctx is owned by whoever made the backend.
 */
struct bw_rl_backend {
	enum bw_err (*take)(void *ctx, const uint8_t *key, size_t keylen, uint32_t cost,
	                    const struct bw_rl_policy *policy, uint64_t now_ns,
	                    struct bw_rl_result *result);
	void *ctx;
};

/** bw_rl_now_ns - the monotonic clock (CLOCK_MONOTONIC) in nanoseconds. */
uint64_t bw_rl_now_ns(void);

/**
 * bw_rl_policy_check - whether a policy is usable: a valid name, limit
 * 1..BW_RL_LIMIT_MAX, period 1..BW_RL_PERIOD_MAX, burst 1..BW_RL_BURST_MAX,
 * and burst * T within 2^61 ns. BW_ERR_CONFIG otherwise (also for NULL).
 */
BW_MUST_CHECK enum bw_err bw_rl_policy_check(const struct bw_rl_policy *p);

/**
 * bw_rl_gcra - the GCRA step on one stored TAT (0 = never seen), for
 * backends. Fills *r; moves *tat on only when the request is allowed.
 * BW_ERR_CONFIG for a bad policy, BW_ERR_RANGE for cost outside 1..burst or
 * now_ns above INT64_MAX; on an error *tat is untouched and *r is a refusal.
 */
BW_MUST_CHECK enum bw_err bw_rl_gcra(uint64_t *tat, uint32_t cost, const struct bw_rl_policy *p,
                                     uint64_t now_ns, struct bw_rl_result *r);

/**
 * bw_ratelimit_take - charge cost (usually 1) to key under policy p.
 *
 * key is keylen (0..BW_RL_KEY_MAX) bytes, borrowed: build it from what
 * identifies the client, e.g. bw_netaddr_rate_key() for "ip", an account id
 * for "acct", both for a pair. The backend sees the policy name, a NUL and
 * the key. Returns BW_OK with out->allowed telling the answer; on any error
 * (BW_ERR_CONFIG bad policy, BW_ERR_INVALID key too long, BW_ERR_RANGE bad
 * cost or clock, or the backend's error) *out is a refusal with
 * retry_after_s ≥ 1, so a caller that only looks at out->allowed fails closed.
 */
BW_MUST_CHECK enum bw_err bw_ratelimit_take(const struct bw_rl_backend *b,
                                            const struct bw_rl_policy *p, const uint8_t *key,
                                            size_t keylen, uint32_t cost, uint64_t now_ns,
                                            struct bw_rl_result *out);

/**
 * bw_rl_headers - add the rate-limit headers of one policy to h, in the
 * syntax of draft-ietf-httpapi-ratelimit-headers:
 *   RateLimit-Policy: "ip";q=600;w=60     (q = limit, w = period)
 *   RateLimit: "ip";r=42;t=5              (r = remaining, t = reset seconds)
 *   Retry-After: 2                        (only on refusal; whole seconds, ≥ 1)
 * Called once per policy that applied; RateLimit and RateLimit-Policy are
 * lists, so each call adds one line of each, and Retry-After keeps the
 * largest value. The values are allocated from a (arena-owned). BW_ERR_NOMEM
 * when the arena is exhausted, BW_ERR_LIMIT when h is full, BW_ERR_CONFIG for
 * a bad policy; h may then hold some of the headers (send a 429/500 anyway).
 */
BW_MUST_CHECK enum bw_err bw_rl_headers(const struct bw_rl_policy *p, const struct bw_rl_result *r,
                                        struct bw_arena *a, struct bw_hdrs *h);

/*
 * The in-memory store: a fixed number of shards, each a mutex and an
 * open-addressing table keyed with SipHash under a random per-store key, so
 * a client cannot aim keys at one bucket. Capacity is fixed at creation.
 * When a shard is full, only expired entries (TAT already past, which hold
 * no information) are evicted; if none is, the new key is refused (fail
 * closed) and counted. Live entries are never dropped, so flooding the
 * table with new keys cannot reset anyone's budget.
 */
struct bw_rl_memory;

/** Counters of an in-memory store. */
struct bw_rl_memory_stats {
	size_t entries;        /**< keys stored now (expired ones included until evicted) */
	size_t capacity;       /**< most keys it will hold */
	uint64_t refused_full; /**< new keys refused because their shard was full */
	uint64_t evicted;      /**< expired entries dropped to make room */
};

/**
 * bw_rl_memory_new - a store for at most max_entries keys
 * (1..BW_RL_MEMORY_ENTRIES_MAX) in shards shards (a power of two up to
 * BW_RL_MEMORY_SHARDS_MAX and at most max_entries; 0 picks
 * BW_RL_MEMORY_SHARDS_DEFAULT, fewer for a tiny store). Each shard holds
 * max_entries / shards keys. All memory is allocated here. bw_init() must
 * have run. Caller frees with bw_rl_memory_free. BW_ERR_CONFIG for bad
 * sizes, BW_ERR_NOMEM, BW_ERR_INTERNAL if a mutex cannot be made.
 */
BW_MUST_CHECK enum bw_err bw_rl_memory_new(size_t max_entries, size_t shards,
                                           struct bw_rl_memory **out);

/** bw_rl_memory_free - wipe and release the store; NULL is a no-op. No take may be running. */
void bw_rl_memory_free(struct bw_rl_memory *m);

/** bw_rl_memory_backend - the backend view of m (borrows m; valid while m lives). */
struct bw_rl_backend bw_rl_memory_backend(struct bw_rl_memory *m);

/** bw_rl_memory_stats - a snapshot of the counters (locks each shard in turn). */
void bw_rl_memory_stats(struct bw_rl_memory *m, struct bw_rl_memory_stats *out);

#ifdef __cplusplus
}
#endif
#endif
