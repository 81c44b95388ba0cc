/*
 * account.h — the account actions shared by the JSON API (routes/auth.c,
 * routes/me.c) and the HTML pages (routes/web*.c): each does the work and
 * says how it went in a struct bw_account_result; the caller answers in its
 * own format (a problem document, or the form again with its errors). The
 * checks that guard them (CSRF, rate limits, login protection) are inside,
 * so neither caller can forget one.
 */
#ifndef BULWARK_ACCOUNT_H
#define BULWARK_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "bulwark/csrf.h"
#include "bulwark/http.h"
#include "bulwark/str.h"
#include "sessions.h"

/** How an account action ended. */
enum bw_account_status {
	BW_ACCOUNT_OK = 0,
	BW_ACCOUNT_FIELD,        /**< a field is wrong: field and code say which and why */
	BW_ACCOUNT_RATE_LIMITED, /**< 429: the RateLimit/Retry-After headers are on the
	                              request's response already */
	BW_ACCOUNT_NOT_FOUND,    /**< no such object of this user */
	BW_ACCOUNT_DENIED,       /**< wrong credentials (one answer for every reason) */
	BW_ACCOUNT_REAUTH,       /**< a sensitive action without a recent proof of identity:
	                              re-authenticate first (reauth.h) */
	BW_ACCOUNT_MFA_REQUIRED, /**< login: the password is right and a second factor is in
	                              force: no session yet; the code goes to the MFA step
	                              with the token given (mfa.h, POST /v1/auth/mfa); for
	                              re-authentication: a code is needed, not the password */
	BW_ACCOUNT_STATE,        /**< MFA: the action does not fit the account's second factor
	                              (on already, nothing pending, not on) */
};

struct bw_account_result {
	enum bw_account_status status;
	const char *field; /**< BW_ACCOUNT_FIELD: the field's name (static) */
	const char *code;  /**< BW_ACCOUNT_FIELD: the error code (static, never the value) */
};

/**
 * bw_account_presession - a fresh pre-session CSRF token (valid 2 h) into
 * out, and its __Host-bulwark_csrf cookie on resp: for the login and
 * registration forms (csrf.h, double submit).
 */
BW_MUST_CHECK enum bw_err bw_account_presession(struct bw_req *req, struct bw_resp *resp,
                                                char out[BW_CSRF_SIGNED_SIZE]);

/** What a login gave. */
struct bw_account_login {
	enum bw_account_status status;     /**< OK, DENIED, RATE_LIMITED or MFA_REQUIRED */
	char public_id[BW_PUBLIC_ID_SIZE]; /**< OK: the user's public id */
	char csrf_token[BW_CSRF_SESSION_TOKEN_SIZE]; /**< OK: the new session's token */
	char mfa_token[BW_TOKEN_TEXT_SIZE];          /**< MFA_REQUIRED: wipe once handed over */
};

/**
 * bw_account_login - the password step of a login (API.md): the login
 * protection limits (BW_ACCOUNT_RATE_LIMITED), one Argon2id verify whether
 * or not the account exists (BW_ACCOUNT_DENIED for every failure); for an
 * account with a second factor in force, no session but an MFA token
 * (BW_ACCOUNT_MFA_REQUIRED); otherwise the session the client came with is
 * dropped and a new one opened, its cookie on resp (BW_ACCOUNT_OK).
 * Audited. Slow.
 */
BW_MUST_CHECK enum bw_err bw_account_login(struct bw_req *req, struct bw_resp *resp,
                                           struct bw_str email, struct bw_str password,
                                           struct bw_account_login *out);

/**
 * bw_account_register - register email with password (API.md): the same
 * work and the same BW_ACCOUNT_OK whether or not the email is taken;
 * public_id gets the new user's id, or a random one naming nobody. Field
 * errors for "email" (invalid) and "password" (policy codes). The
 * per-address limit answers BW_ACCOUNT_RATE_LIMITED. Slow (Argon2id).
 */
BW_MUST_CHECK enum bw_err bw_account_register(struct bw_req *req, struct bw_str email,
                                              struct bw_str password,
                                              char public_id[BW_PUBLIC_ID_SIZE],
                                              struct bw_account_result *out);

/** The signed-in user's profile (strings arena-owned). */
struct bw_account_profile {
	struct bw_str public_id, email, role;
	bool email_verified;
	int64_t created_at;
};

/** bw_account_profile - the signed-in user's profile (GET /v1/me, the account page). */
BW_MUST_CHECK enum bw_err bw_account_profile(struct bw_req *req, struct bw_account_profile *out);

/**
 * bw_account_change_password - the signed-in user's password change, a
 * sensitive action (BW_ACCOUNT_REAUTH without a recent proof): the
 * current password checked under the login protection, the new one under
 * the policy; on BW_ACCOUNT_OK every session of the user ended and this one
 * was replaced (its new cookie is on resp, so the request's CSRF token is
 * stale). Field errors for "current_password" (invalid) and
 * "new_password" (policy codes). Slow (Argon2id).
 */
BW_MUST_CHECK enum bw_err bw_account_change_password(struct bw_req *req, struct bw_resp *resp,
                                                     struct bw_str current, struct bw_str fresh,
                                                     struct bw_account_result *out);

/** One live session of the signed-in user, for the session lists. Borrowed for the call. */
struct bw_account_session {
	struct bw_str id; /**< public id */
	int64_t created_at, last_seen_at, expires_at;
	struct bw_str ip, user_agent;
	bool current; /**< the request's own session */
};

/**
 * bw_account_sessions - call fn for each live session of the signed-in
 * user, newest first; an error from fn stops and is returned.
 */
BW_MUST_CHECK enum bw_err
bw_account_sessions(struct bw_req *req,
                    enum bw_err (*fn)(void *ctx, const struct bw_account_session *s), void *ctx);

/**
 * bw_account_revoke_session - end the signed-in user's session named id (a
 * public id): BW_ACCOUNT_NOT_FOUND when it is not one of theirs; when it is
 * the request's own, the cookie is cleared on resp and *current set.
 * Audited.
 */
BW_MUST_CHECK enum bw_err bw_account_revoke_session(struct bw_req *req, struct bw_resp *resp,
                                                    struct bw_str id, bool *current,
                                                    struct bw_account_result *out);

#endif
