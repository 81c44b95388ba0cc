/*
 * apikeys.h — the API key store and its bearer verifier.
 *
 * An API key (format: include/bulwark/apikey.h) belongs to one user, carries
 * a fixed set of scopes chosen at creation, and ends at its expiry or when its
 * owner revokes it. The server keeps a row of the api_keys table per key: the
 * HMAC-SHA256 of the key under the BW_KEY_APIKEY purpose key (never the key),
 * a public id (what the owner sees and names in DELETE), a name, the scopes,
 * created_at, expires_at and last_used_at (written at most once per
 * BW_APIKEY_TOUCH_S, not on every request). The key itself is shown once, in
 * the answer that creates it.
 *
 * Scopes a key may carry: profile, email, the API scopes of oauth.api_scopes,
 * and admin only when its owner is an admin at creation. At each use the
 * principal gets the owner's current role, and only the key's scopes still
 * allowed now (a scope removed from the config, or admin of a demoted owner,
 * is dropped). auth_time is 0: a key is never a recent proof of identity, so
 * every sensitive action (bw_reauth_fresh) refuses it.
 *
 * Every lookup names the owner in its WHERE clause, so another user's key id
 * is not found.
 */
#ifndef BULWARK_APIKEYS_H
#define BULWARK_APIKEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "bulwark/apikey.h"
#include "sessions.h" /* BW_PUBLIC_ID_SIZE, bw_public_id_new */

/** Live (unexpired) keys one user may hold; creating one more answers 409. */
#define BW_APIKEY_MAX_PER_USER 20
/** Lifetime bounds of a key (expires_in), in seconds. */
#define BW_APIKEY_TTL_MIN_S     60
#define BW_APIKEY_TTL_MAX_S     (365 * 86400)
#define BW_APIKEY_TTL_DEFAULT_S (90 * 86400)
/** A key carrying the admin scope lives at most this long (and by default). */
#define BW_APIKEY_ADMIN_TTL_MAX_S (30 * 86400)
/** Most seconds between two writes of a key's last_used_at. */
#define BW_APIKEY_TOUCH_S 60
/** Most code points of a key's name. */
#define BW_APIKEY_NAME_MAX 100
/** Most scopes on one key (the principal's capacity). */
#define BW_APIKEY_SCOPES_MAX BW_PRINCIPAL_MAX_SCOPES
/** Longest scope name. */
#define BW_APIKEY_SCOPE_MAX 64

/** What the verifier knows about the request's key (principal->data, arena-owned). */
struct bw_apikey_info {
	int64_t row_id;
	char public_id[BW_PUBLIC_ID_SIZE];
	int64_t expires_at, last_used_at;
};

/**
 * bw_apikeys_start - check that the store can run (database open, purpose
 * key derived). BW_ERR_STATE otherwise.
 */
BW_MUST_CHECK enum bw_err bw_apikeys_start(struct bw_app *app);

/**
 * bw_apikeys_scope_allowed - whether a key of an owner with this role may
 * carry scope (borrowed): profile, email, an entry of oauth.api_scopes, or
 * admin when role is "admin".
 */
bool bw_apikeys_scope_allowed(const struct bw_app *app, struct bw_str scope, const char *role);

/** A key to create; every pointer borrowed, already checked by the caller. */
struct bw_apikey_spec {
	int64_t user_id;
	struct bw_str name;
	const struct bw_str *scopes; /**< n_scopes distinct allowed scopes */
	size_t n_scopes;
	int64_t ttl_s; /**< BW_APIKEY_TTL_MIN_S..BW_APIKEY_TTL_MAX_S */
};

/**
 * bw_apikeys_create - store a new key for spec: a fresh key into key (hand it
 * to the owner once, then wipe it), its public id into public_id and its
 * expiry into *expires_at. The owner's expired keys are deleted first, in
 * the same transaction. BW_ERR_LIMIT when the owner already holds
 * BW_APIKEY_MAX_PER_USER live keys (nothing stored); database errors as db.h.
 * On any error key is wiped.
 */
BW_MUST_CHECK enum bw_err bw_apikeys_create(struct bw_app *app, const struct bw_apikey_spec *spec,
                                            char key[BW_APIKEY_SIZE],
                                            char public_id[BW_PUBLIC_ID_SIZE], int64_t *expires_at);

/**
 * bw_apikeys_list - user_id's live keys, newest first, as a new JSON array
 * (*out, caller json_decref) of {"id","name","scopes","created_at",
 * "expires_at","last_used_at"} — never the key or its hash.
 */
BW_MUST_CHECK enum bw_err bw_apikeys_list(struct bw_app *app, int64_t user_id, json_t **out);

/**
 * bw_apikeys_revoke - delete user_id's key whose public id is public_id
 * (borrowed). BW_ERR_NOT_FOUND when the user has no such key (another user's
 * id is not found either).
 */
BW_MUST_CHECK enum bw_err bw_apikeys_revoke(struct bw_app *app, int64_t user_id,
                                            struct bw_str public_id);

/**
 * bw_apikeys_verify - the bearer verifier of "bwk_" credentials (authn.h).
 * The format and checksum are checked first: a malformed key is
 * BW_ERR_DENIED without a database lookup. Then the key's HMAC is looked up
 * (and compared in constant time); unknown, expired, revoked (deleted) and
 * keys whose owner no longer exists are BW_ERR_DENIED. Fills out (role,
 * scopes, auth_time 0, data = arena-owned struct bw_apikey_info) and writes
 * last_used_at when it is older than BW_APIKEY_TOUCH_S.
 */
BW_MUST_CHECK enum bw_err bw_apikeys_verify(struct bw_app *app, struct bw_req *req,
                                            struct bw_str token, struct bw_principal *out);

/* routes/apikeys.c: the route group (routes/table.c) */
extern const struct bw_route bw_routes_apikeys[];
extern const size_t bw_routes_apikeys_n;

#endif
