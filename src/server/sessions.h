/*
 * sessions.h — the server's session store and its HTTP authenticator.
 *
 * A session is a row of the sessions table keyed by the keyed hash of its
 * id (token.h, label "session", purpose key app->session_key); the id itself
 * is only ever in the holder's __Host-bulwark_session cookie. A session ends
 * at the first of: its absolute lifetime (auth.session_lifetime from
 * creation), its idle timeout (auth.session_idle since it was last seen),
 * logout, revocation by its owner, a password change (every other session
 * of the user), or eviction when the user opens more than auth.session_max
 * sessions (the oldest go first). last_seen_at is written at most once per
 * BW_SESSION_TOUCH_S seconds (or half the idle timeout when that is
 * shorter), not on every request. Each session also has a public id (128
 * random bits, base64url) that the owner sees in GET /v1/me/sessions and
 * names in DELETE /v1/me/sessions/{id}; the database row id is never shown.
 *
 * Every function takes the application (app.h) for its database, keys and
 * settings; the store keeps no state of its own.
 */
#ifndef BULWARK_SESSIONS_H
#define BULWARK_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "bulwark/csrf.h"
#include "bulwark/password.h"
#include "bulwark/token.h"

/** Most seconds between two writes of a session's last_seen_at. */
#define BW_SESSION_TOUCH_S 60
/** Characters of a public id (base64url of 16 random bytes) and the NUL. */
#define BW_PUBLIC_ID_LEN  22
#define BW_PUBLIC_ID_SIZE 23
/** Longest User-Agent kept with a session (longer ones are cut). */
#define BW_SESSION_UA_MAX 200
/** Token label of session ids (token.h). */
#define BW_SESSION_LABEL "session"

/** What the authenticator knows about the request's session (principal->data). */
struct bw_session_info {
	int64_t row_id;  /**< the database id (internal only) */
	int64_t user_id; /**< the owner */
	char public_id[BW_PUBLIC_ID_SIZE];
	int64_t created_at, last_seen_at, expires_at, auth_time;
	struct bw_token_hash hash; /**< the stored hash of the session id */
};

/**
 * bw_public_id_new - a fresh public id (16 CSPRNG bytes as base64url) into
 * out. Cannot fail.
 */
void bw_public_id_new(char out[BW_PUBLIC_ID_SIZE]);

/**
 * bw_sessions_start - check that the store can run (database open, session
 * and CSRF keys derived, timeouts sane) and delete sessions that expired
 * while the server was down. BW_ERR_STATE when a key is missing; database
 * errors as db.h.
 */
BW_MUST_CHECK enum bw_err bw_sessions_start(struct bw_app *app);

/**
 * bw_sessions_create - open a session for user_id: a fresh id into token
 * (hand it to the client in the cookie, then wipe it), its stored hash into
 * *hash, its public id into public_id (may be NULL). auth_time is when the
 * user last proved a password. The user's sessions beyond auth.session_max,
 * oldest first, are deleted in the same transaction. ip and user_agent
 * (NULL: none) are borrowed and stored for the owner's session list (the
 * agent cut to BW_SESSION_UA_MAX bytes, anything but printable ASCII turned
 * into '?'). *evicted (may be NULL) gets the count of evicted sessions.
 */
BW_MUST_CHECK enum bw_err bw_sessions_create(struct bw_app *app, int64_t user_id, int64_t auth_time,
                                             const char *ip, const char *user_agent,
                                             char token[BW_TOKEN_TEXT_SIZE],
                                             struct bw_token_hash *hash, char *public_id,
                                             uint64_t *evicted);

/**
 * bw_sessions_lookup - the live session whose id is token (the cookie value,
 * borrowed) at time now, into *out. A malformed token is BW_ERR_INVALID; an
 * unknown one BW_ERR_NOT_FOUND; an expired one (idle or absolute) is deleted
 * and answers BW_ERR_NOT_FOUND too. Refreshes last_seen_at when it is older
 * than the touch interval (see the top of this header).
 */
BW_MUST_CHECK enum bw_err bw_sessions_lookup(struct bw_app *app, struct bw_str token, int64_t now,
                                             struct bw_session_info *out);

/** bw_sessions_delete - delete the session with this stored hash (logout); none is BW_OK. */
BW_MUST_CHECK enum bw_err bw_sessions_delete(struct bw_app *app, const struct bw_token_hash *hash);

/**
 * bw_sessions_delete_token - as bw_sessions_delete for a presented token
 * text (the cookie at login, to discard a fixated or old session). A
 * malformed token is BW_OK: there is nothing it could name.
 */
BW_MUST_CHECK enum bw_err bw_sessions_delete_token(struct bw_app *app, struct bw_str token);

/**
 * bw_sessions_delete_others - delete every session of user_id except the
 * one with hash keep (NULL: all of them); *n (may be NULL) gets the count.
 */
BW_MUST_CHECK enum bw_err bw_sessions_delete_others(struct bw_app *app, int64_t user_id,
                                                    const struct bw_token_hash *keep, uint64_t *n);

/**
 * bw_sessions_set_auth_time - record a fresh proof of identity (re-
 * authentication) at t on the session with this stored hash.
 * BW_ERR_NOT_FOUND when it is gone.
 */
BW_MUST_CHECK enum bw_err bw_sessions_set_auth_time(struct bw_app *app,
                                                    const struct bw_token_hash *hash, int64_t t);

/**
 * bw_sessions_revoke - delete user_id's session whose public id is
 * public_id (borrowed). BW_ERR_NOT_FOUND when the user has no such session
 * (another user's id is not found either).
 */
BW_MUST_CHECK enum bw_err bw_sessions_revoke(struct bw_app *app, int64_t user_id,
                                             struct bw_str public_id);

/**
 * bw_sessions_authenticate - struct bw_http_auth.authenticate: the session
 * cookie when kinds has BW_AUTH_SESSION (Bearer and API keys are not
 * recognised yet). BW_ERR_NOT_FOUND when no session cookie came;
 * BW_ERR_DENIED for a malformed, duplicated, unknown or expired one. On
 * BW_OK out->data is an arena-owned struct bw_session_info. ctx is the app.
 */
enum bw_err bw_sessions_authenticate(void *ctx, struct bw_req *req, unsigned kinds,
                                     struct bw_principal *out);

/**
 * bw_sessions_check_csrf - struct bw_http_auth.check_csrf: the request's
 * Origin/Referer/Sec-Fetch-Site must pass bw_csrf_check_origin against
 * settings.public_origin and the token it presents (bw_req_csrf_token: the
 * csrf_token field of a form route, else X-CSRF-Token) must be a token of
 * p's session (csrf.h). The pipeline calls it before the handler; on form
 * routes after the form is parsed (the origin part alone runs before the
 * body is read). BW_ERR_DENIED (reason logged) or another error refuses.
 */
enum bw_err bw_sessions_check_csrf(void *ctx, struct bw_req *req, const struct bw_principal *p);

/**
 * bw_sessions_check_presession - the CSRF check of login and registration:
 * the same origin check, and the pre-session token of the
 * __Host-bulwark_csrf cookie submitted again (bw_req_csrf_token: the form's
 * csrf_token field or X-CSRF-Token) (csrf.h), or, from a browser that is
 * signed in already, the token of its live session. The pipeline runs it
 * for every unsafe request to a BW_CSRF_PRESESSION route, before the
 * handler (bw_sessions_http_auth). BW_OK or BW_ERR_DENIED (the reason
 * logged); another error also refuses.
 */
BW_MUST_CHECK enum bw_err bw_sessions_check_presession(struct bw_app *app, struct bw_req *req);

/** bw_sessions_http_auth - the authenticator to put in struct bw_http_config.auth. */
struct bw_http_auth bw_sessions_http_auth(struct bw_app *app);

/* ---- shared by routes/auth.c and routes/me.c ------------------------------ */

/** bw_auth_params - the Argon2id parameters new hashes are made with (settings). */
struct bw_password_params bw_auth_params(const struct bw_app *app);

/**
 * bw_auth_login_limits - charge one password attempt for the account named
 * by canonical email (or, when it is not a valid address, the bytes as sent)
 * from the request's address, under each login policy in turn: per
 * (account, address), the same pair over a day (growing delays), per
 * address, and per account with a much higher threshold, so failing on
 * purpose from one address does not lock the owner out from another. The
 * first refusal stops the charging; *allowed false means answer 429 (the
 * RateLimit and Retry-After headers are on resp already) and the lock is
 * audited. Unknown accounts have counters like known ones.
 */
BW_MUST_CHECK enum bw_err bw_auth_login_limits(struct bw_req *req, struct bw_str account,
                                               bool *allowed);

/** Size of a buffer for a stored (canonical) email and its NUL. */
#define BW_AUTH_EMAIL_SIZE 256

/**
 * bw_auth_load_account - user_id's password hash and canonical email into
 * hash and email (wipe hash after use). BW_ERR_NOT_FOUND for no such user.
 */
BW_MUST_CHECK enum bw_err bw_auth_load_account(struct bw_app *app, int64_t user_id,
                                               char hash[BW_PASSWORD_HASH_MAX],
                                               char email[BW_AUTH_EMAIL_SIZE]);

/** bw_auth_user_public_id - user_id's public id into out. */
BW_MUST_CHECK enum bw_err bw_auth_user_public_id(struct bw_app *app, int64_t user_id,
                                                 char out[BW_PUBLIC_ID_SIZE]);

/** bw_auth_json - answer status with obj (a new reference, always released). */
BW_MUST_CHECK enum bw_err bw_auth_json(struct bw_resp *resp, unsigned status, json_t *obj);

/**
 * bw_auth_session_cookie - add the Set-Cookie of a new session (token text,
 * borrowed), Max-Age the absolute lifetime.
 */
BW_MUST_CHECK enum bw_err bw_auth_session_cookie(struct bw_req *req, struct bw_resp *resp,
                                                 const char *token);

/**
 * bw_auth_logout - end the request's session (a session-authenticated
 * route): delete it, expire the cookie on resp, audit. The caller sets the
 * status (204 for the API, a redirect for the page).
 */
BW_MUST_CHECK enum bw_err bw_auth_logout(struct bw_req *req, struct bw_resp *resp);

/**
 * bw_auth_open_session - the end of a successful login (the password, or
 * the password and then the MFA code): the session the client came with
 * (fixated or old) is deleted, a new one opened for user_id with auth_time,
 * and its Set-Cookie added to resp. csrf gets the new session's CSRF
 * token, pid its public id (for the audit record).
 */
BW_MUST_CHECK enum bw_err bw_auth_open_session(struct bw_req *req, struct bw_resp *resp,
                                               int64_t user_id, int64_t auth_time,
                                               char csrf[BW_CSRF_SESSION_TOKEN_SIZE],
                                               char pid[BW_PUBLIC_ID_SIZE]);

/* routes/auth.c and routes/me.c: the route groups (routes/table.c) */
extern const struct bw_route bw_routes_auth[];
extern const size_t bw_routes_auth_n;
extern const struct bw_route bw_routes_me[];
extern const size_t bw_routes_me_n;

/* user_cli.c */
/** bw_cmd_user - `bulwark user add …` (see its --help); returns the exit status. */
int bw_cmd_user(int argc, char **argv);

#endif
