/*
 * oauth_pkce.h — Proof Key for Code Exchange (RFC 7636), S256 only.
 *
 * The authorization request carries code_challenge =
 * BASE64URL(SHA-256(code_verifier)) (43 characters, no padding); the token
 * request carries the verifier (43–128 characters of [A-Za-z0-9-._~]). The
 * "plain" method is not supported: it protects nothing against an attacker
 * who can read the authorization request (RFC 9700 §2.1.1).
 */
#ifndef BULWARK_OAUTH_PKCE_H
#define BULWARK_OAUTH_PKCE_H

#include <stdbool.h>

#include "bulwark/err.h"
#include "bulwark/str.h"

/** Characters of an S256 code_challenge. */
#define BW_PKCE_CHALLENGE_LEN 43
/** Shortest and longest code_verifier (RFC 7636 §4.1). */
#define BW_PKCE_VERIFIER_MIN 43
#define BW_PKCE_VERIFIER_MAX 128

/** bw_pkce_challenge_ok - whether c is the canonical form of a SHA-256 digest. */
bool bw_pkce_challenge_ok(struct bw_str c);

/** bw_pkce_verifier_ok - whether v has the length and alphabet of a verifier. */
bool bw_pkce_verifier_ok(struct bw_str v);

/**
 * bw_pkce_check - whether verifier hashes to challenge (S256), compared in
 * constant time. BW_OK on a match; BW_ERR_INVALID for a malformed verifier or
 * challenge; BW_ERR_VERIFY for a well-formed one that does not match.
 */
BW_MUST_CHECK enum bw_err bw_pkce_check(struct bw_str verifier, struct bw_str challenge);

#endif
