/*
 * oauth_codes.h — the two short-lived records of the authorization-code
 * flow: the pending consent request and the authorization code.
 *
 * A consent request is what GET /oauth2/authorize validated (client,
 * redirect_uri, granted scope, state, nonce, code_challenge), stored
 * server-side for BW_OAUTH_REQUEST_TTL seconds under an opaque handle (a
 * token.h token, label "oauth_req"). The consent form carries only the
 * handle; the decision (POST /oauth2/authorize) takes the request back by
 * it, once, for the same user and the same session. Nothing the browser
 * posts can change the redirect_uri or the scope.
 *
 * An authorization code is a token.h token (label "oauth_code") stored as
 * its keyed hash under app->oauth_key with the grant it stands for, valid
 * oauth.code_ttl seconds and redeemable once. Redeeming records what was
 * issued from it (refresh family, access-token jti and expiry), so that a
 * second redemption can revoke exactly that (RFC 9700 §4.3.1). Used codes
 * are kept a day past their expiry for that purpose, then purged.
 */
#ifndef BULWARK_OAUTH_CODES_H
#define BULWARK_OAUTH_CODES_H

#include <stdbool.h>
#include <stdint.h>

#include "app.h"
#include "bulwark/arena.h"
#include "bulwark/token.h"

/** Seconds a consent request waits for the user's decision. */
#define BW_OAUTH_REQUEST_TTL 600
/** Seconds a used or expired code is kept to detect its replay. */
#define BW_OAUTH_CODE_KEEP 86400

/** What a consent approves and a code stands for. Strings borrowed or arena-owned. */
struct bw_oauth_grant {
	int64_t client_row_id;
	int64_t user_id;
	const char *redirect_uri;
	const char *scope; /**< the granted scope value */
	const char *state; /**< consent requests only; NULL: none */
	const char *nonce; /**< NULL: none */
	const char *code_challenge;
	int64_t auth_time; /**< when the user last proved a password or MFA */
};

/**
 * bw_oauth_request_save - store g as a pending consent request of the
 * session whose stored hash is session_hash; its handle (show it in the
 * form, then wipe it) into handle. Expired requests are purged on the way.
 */
BW_MUST_CHECK enum bw_err bw_oauth_request_save(struct bw_app *app, const struct bw_oauth_grant *g,
                                                const struct bw_token_hash *session_hash,
                                                char handle[BW_TOKEN_TEXT_SIZE]);

/**
 * bw_oauth_request_take - take back (and delete: single use) the pending
 * request named by handle (borrowed) for user_id's session session_hash,
 * into *out (strings arena-owned, a). BW_ERR_NOT_FOUND for a malformed,
 * unknown, expired, another user's or another session's handle — the row
 * of another user or session is left alone.
 */
BW_MUST_CHECK enum bw_err bw_oauth_request_take(struct bw_app *app, struct bw_str handle,
                                                int64_t user_id,
                                                const struct bw_token_hash *session_hash,
                                                struct bw_arena *a, struct bw_oauth_grant *out);

/**
 * bw_oauth_code_create - a fresh code for g (state is not stored), valid
 * settings.oauth_code_ttl_s seconds, into code (hand it out once, wipe it).
 */
BW_MUST_CHECK enum bw_err bw_oauth_code_create(struct bw_app *app, const struct bw_oauth_grant *g,
                                               char code[BW_TOKEN_TEXT_SIZE]);

/** A stored code. */
struct bw_oauth_code {
	int64_t id;
	struct bw_oauth_grant grant; /**< strings arena-owned */
	int64_t expires_at;
	bool used;
	int64_t family_id;  /**< refresh family issued from it, 0: none */
	const char *at_jti; /**< access token issued from it, NULL: none */
	int64_t at_exp;
};

/**
 * bw_oauth_code_find - the stored code for the presented text (borrowed),
 * used or not, expired or not, into *out (arena a). BW_ERR_NOT_FOUND for a
 * malformed or unknown code.
 */
BW_MUST_CHECK enum bw_err bw_oauth_code_find(struct bw_app *app, struct bw_str code,
                                             struct bw_arena *a, struct bw_oauth_code *out);

/**
 * bw_oauth_code_claim_tx - inside a transaction: mark code id used at now
 * and record what it issued (family_id 0: none). BW_ERR_STATE when it was
 * used already or has expired (a concurrent redemption won).
 */
BW_MUST_CHECK enum bw_err bw_oauth_code_claim_tx(struct bw_db_conn *c, int64_t id, int64_t now,
                                                 int64_t family_id, const char *at_jti,
                                                 int64_t at_exp);

/**
 * bw_oauth_codes_delete_user - delete every pending consent request and
 * unused code of user_id (password change or reset).
 */
BW_MUST_CHECK enum bw_err bw_oauth_codes_delete_user(struct bw_app *app, int64_t user_id);

#endif
