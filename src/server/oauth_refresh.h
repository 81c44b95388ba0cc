/*
 * oauth_refresh.h — refresh tokens: families, rotation, the keyed-successor
 * grace window, and revocation.
 *
 * A refresh token is a token.h token (256 random bits, 43 characters of
 * base64url) stored only as its keyed hash under app->oauth_key (the
 * BW_KEY_REFRESH purpose key), label "refresh". The code exchange opens a
 * family (client, user, granted scope, auth_time, an absolute end of
 * oauth.refresh_lifetime) with its first token. Every use rotates: the
 * presented token T is marked used and its successor T' joins the family.
 *
 * The successor is not random: T' = base64url(BLAKE2b-256 keyed with the
 * purpose key over "refresh_next" and T) (bw_token_hash with that label), so
 * whoever presents T again can be given T' again without T' ever being kept
 * in clear. The access token issued with T' is kept sealed
 * (XChaCha20-Poly1305) under a key derived the same way from T' (label
 * "refresh_seal"): only a request that presents T (and so can derive T')
 * can open it, and a copy of the database opens nothing. A used token
 * presented again by the same authenticated client within oauth.refresh_grace
 * seconds of its use, while T' itself is still unused, gets the same pair
 * (T', the same access token) back — a concurrent retry, audited as
 * "oauth.refresh_grace". Any other reuse of a used token revokes the whole
 * family (audited "oauth.refresh_reuse"): every token of it stops working and
 * every access token issued from it that has not expired is denylisted by jti
 * (signing.h).
 */
#ifndef BULWARK_OAUTH_REFRESH_H
#define BULWARK_OAUTH_REFRESH_H

#include <stdbool.h>
#include <stdint.h>

#include "app.h"
#include "bulwark/arena.h"
#include "bulwark/token.h"

/** What a new family starts with; strings borrowed. */
struct bw_refresh_new {
	int64_t client_row_id;
	int64_t user_id;
	const char *scope; /**< the granted scope: the bound of later narrowing */
	int64_t auth_time;
	int64_t now;
	struct bw_str token; /**< the first refresh token (text) */
	const char *at_jti;  /**< the access token issued with it */
	int64_t at_exp;
	const char *at_scope;
};

/**
 * bw_refresh_family_create_tx - inside a transaction on c: a new family for
 * n and its first token; the family's id into *family_id.
 */
BW_MUST_CHECK enum bw_err bw_refresh_family_create_tx(struct bw_app *app, struct bw_db_conn *c,
                                                      const struct bw_refresh_new *n,
                                                      int64_t *family_id);

/** A stored refresh token with its family; strings arena-owned. */
struct bw_refresh_token {
	int64_t id;
	int64_t parent_id; /**< the token it succeeded, 0 for the first */
	int64_t family_id;
	int64_t client_row_id;
	int64_t user_id;
	const char *family_scope;
	int64_t auth_time;
	int64_t family_expires;
	bool revoked;
	int64_t expires_at;
	int64_t used_at; /**< 0: unused */
	const char *at_scope;
	const char *at_jti;
	int64_t at_exp;
	const uint8_t *at_box; /**< sealed access token, NULL for a family's first token */
	size_t at_box_len;
};

/**
 * bw_refresh_find - the stored token for the presented text (borrowed),
 * whatever its state, into *out (arena a). BW_ERR_NOT_FOUND for a malformed
 * or unknown token.
 */
BW_MUST_CHECK enum bw_err bw_refresh_find(struct bw_app *app, struct bw_str token,
                                          struct bw_arena *a, struct bw_refresh_token *out);

/**
 * bw_refresh_successor - the successor text T' of the presented token T
 * (see the top of this header) into out (wipe it after use).
 */
BW_MUST_CHECK enum bw_err bw_refresh_successor(struct bw_app *app, struct bw_str token,
                                               char out[BW_TOKEN_TEXT_SIZE]);

/**
 * bw_refresh_seal - seal the access token at under the key derived from
 * successor into an arena-owned box (nonce || ciphertext).
 */
BW_MUST_CHECK enum bw_err bw_refresh_seal(struct bw_app *app, struct bw_str successor,
                                          struct bw_str at, struct bw_arena *a, uint8_t **box,
                                          size_t *len);

/**
 * bw_refresh_open - open a box made by bw_refresh_seal for successor into an
 * arena-owned NUL-terminated *at. BW_ERR_VERIFY when it does not open.
 */
BW_MUST_CHECK enum bw_err bw_refresh_open(struct bw_app *app, struct bw_str successor,
                                          const uint8_t *box, size_t len, struct bw_arena *a,
                                          const char **at);

/** The successor row to add when a token is used; strings borrowed. */
struct bw_refresh_next {
	struct bw_str token; /**< T' */
	int64_t now;
	int64_t expires_at;
	const char *at_scope;
	const char *at_jti;
	int64_t at_exp;
	const uint8_t *at_box;
	size_t at_box_len;
};

/**
 * bw_refresh_rotate - in one transaction: mark used (its id) used at
 * next->now, unless it was used already or its family was revoked, and add
 * next as its successor. BW_ERR_STATE when another request used it first
 * (nothing written).
 */
BW_MUST_CHECK enum bw_err bw_refresh_rotate(struct bw_app *app, const struct bw_refresh_token *used,
                                            const struct bw_refresh_next *next);

/**
 * bw_refresh_family_revoke - revoke family_id (reason a static word:
 * "reuse", "code_reuse", "revoked", "password") and denylist every access
 * token issued from it that has not expired. Revoking twice is BW_OK.
 */
BW_MUST_CHECK enum bw_err bw_refresh_family_revoke(struct bw_app *app, int64_t family_id,
                                                   const char *reason);

/**
 * bw_refresh_revoke - the revocation endpoint (RFC 7009): revoke the family
 * of the presented token (borrowed) when it belongs to client_row_id.
 * Unknown or malformed tokens are BW_OK (nothing to do; RFC 7009 answers 200
 * anyway); a token of another client is BW_ERR_DENIED and nothing is
 * revoked.
 */
BW_MUST_CHECK enum bw_err bw_refresh_revoke(struct bw_app *app, int64_t client_row_id,
                                            struct bw_str token);

/**
 * bw_refresh_revoke_user - password change or reset: revoke every family of
 * user_id, denylist every live access token issued to the user from a code
 * or a refresh token, and drop the user's pending consents and unused codes.
 */
BW_MUST_CHECK enum bw_err bw_refresh_revoke_user(struct bw_app *app, int64_t user_id);

#endif
