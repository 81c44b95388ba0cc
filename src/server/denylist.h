/*
 * denylist.h — the in-memory set of revoked access-token ids (jti), each
 * kept until the token's own expiry (after it the token is refused anyway).
 * Read on every use of a bearer token, so lookups take a shared lock only.
 * An open-addressing table hashed with SipHash (crypto_shorthash) under a
 * random per-set key, so chosen jtis cannot pile into one chain; it grows
 * by doubling and drops expired entries when it does.
 */
#ifndef BULWARK_DENYLIST_H
#define BULWARK_DENYLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/err.h"
#include "bulwark/str.h"

/** Longest jti kept (bytes); longer ones are never issued here. */
#define BW_DENYLIST_JTI_MAX 63
/** Most live entries. */
#define BW_DENYLIST_MAX (1u << 22)

struct bw_denylist;

BW_MUST_CHECK enum bw_err bw_denylist_new(struct bw_denylist **out);
void bw_denylist_free(struct bw_denylist *d);

/**
 * bw_denylist_add - deny jti until exp (a later exp for a known jti wins).
 * BW_ERR_INVALID for an empty or too long jti; BW_ERR_LIMIT when full.
 */
BW_MUST_CHECK enum bw_err bw_denylist_add(struct bw_denylist *d, struct bw_str jti, int64_t exp);

/** bw_denylist_has - whether jti is denied at now (exp not yet passed). */
bool bw_denylist_has(struct bw_denylist *d, struct bw_str jti, int64_t now);

/** bw_denylist_count - entries held, expired ones not yet dropped included. */
size_t bw_denylist_count(struct bw_denylist *d);

#endif
