/*
 * signing.h — the server's signing keys, its JWKS, and the access tokens it
 * issues and verifies.
 *
 * Keys. Each use has its own keys and its own algorithm: access tokens are
 * EdDSA (Ed25519), id_tokens RS256 (what every OpenID Connect client
 * supports). A key is a row of the signing_keys table: a random kid
 * (base64url of 16 bytes), alg, use, state and the private key encrypted at
 * rest with XChaCha20-Poly1305 under the BW_KEY_SIGNING purpose key
 * (app->signing_key, keys.h), the additional data binding kid, alg and use
 * so a ciphertext moved to another row does not decrypt. A key moves
 * through three states: next (published in the JWKS so relying parties
 * cache it before it signs anything) → active (signs; exactly one per use)
 * → retired (no longer signs; still published and still verifies until
 * every token it could have signed has expired, then dropped). `bulwark keys
 * rotate` advances every use by one step and creates a fresh next key.
 *
 * The running server holds the key table in memory (immutable snapshots
 * swapped under a lock, so a verifying thread never waits for a reload) and
 * reloads it every BW_SIGNING_RELOAD_S seconds and, at most once per
 * BW_SIGNING_RELOAD_MIN_S, when a token names a kid it does not know, so
 * a rotation done by the CLI is seen within seconds and tokens signed with a
 * key created by another process verify at once.
 *
 * Access tokens (RFC 9068): header typ "at+jwt"; claims iss (the public
 * origin), sub (a user's public id, or the client_id for a client-only
 * token), aud (oauth.audience, by default the public origin), client_id,
 * scope, jti (128 random bits), iat, exp, auth_time. A verified token is
 * kept in a bounded cache keyed by a hash of the whole token, never past
 * its exp; its jti is checked against the denylist on every use, cached or
 * not, so a revoked token stops working at once.
 *
 * Thread safety: every function may be called from any worker thread after
 * bw_signing_start succeeded, until bw_signing_stop.
 */
#ifndef BULWARK_SIGNING_H
#define BULWARK_SIGNING_H

#include <jansson.h>
#include <stdint.h>

#include "app.h"
#include "bulwark/buf.h"
#include "bulwark/str.h"
#include "bulwark/token.h"

/** Seconds between two periodic reloads of the key table. */
#define BW_SIGNING_RELOAD_S 10
/** Fewest seconds between two reloads caused by an unknown kid. */
#define BW_SIGNING_RELOAD_MIN_S 2

/** What a key signs. */
enum bw_signing_use {
	BW_SIGNING_ACCESS = 0, /**< access tokens, EdDSA */
	BW_SIGNING_ID = 1,     /**< OpenID Connect id_tokens, RS256 */
};

/**
 * bw_signing_start - load the key table into memory, creating (and
 * auditing) what is missing so that each use has one active and one next
 * key. Needs app->db and app->signing_key. A stored key that does not
 * decrypt (wrong master key, tampered row) is BW_ERR_VERIFY: the server
 * refuses to start rather than sign with keys it cannot trust.
 */
BW_MUST_CHECK enum bw_err bw_signing_start(struct bw_app *app);

/** bw_signing_stop - release the keys, the token cache and the denylist. NULL-safe. */
void bw_signing_stop(struct bw_app *app);

/**
 * bw_signing_sign - sign claims (a JSON object, borrowed) with the active
 * key of use into out (reset first; a NUL-terminated compact JWS with the
 * key's kid in its header). typ NULL leaves the header typ out.
 * BW_ERR_STATE before bw_signing_start.
 */
BW_MUST_CHECK enum bw_err bw_signing_sign(struct bw_app *app, enum bw_signing_use use,
                                          const char *typ, const json_t *claims,
                                          struct bw_buf *out);

/**
 * bw_signing_jwks - the public JSON Web Key Set (RFC 7517 §5) of every
 * published key (next, active, retired still valid; both uses) into a new
 * object the caller json_decref()s.
 */
BW_MUST_CHECK enum bw_err bw_signing_jwks(struct bw_app *app, json_t **out);

/** bw_signing_reload - re-read the key table now (tests, SIGHUP). */
BW_MUST_CHECK enum bw_err bw_signing_reload(struct bw_app *app);

/** What an access token is issued for. Borrowed strings. */
struct bw_access_token {
	const char *sub;       /**< the user's public id; NULL for a client-only token */
	int64_t user_id;       /**< the user's row id, 0 for client-only (never in the token) */
	const char *client_id; /**< the client it is issued to */
	const char *scope;     /**< space-separated granted scopes; NULL or "" for none */
	int64_t auth_time;     /**< when the user last authenticated; 0 leaves it out */
	unsigned ttl_s;        /**< lifetime; 0: oauth.access_token_ttl */
};

/**
 * bw_access_token_issue - sign a fresh access token for t into out (reset
 * first, NUL-terminated) with the active access key; its jti into jti and
 * its expiry (unix seconds) into *exp (either may be NULL). BW_ERR_INVALID
 * for a missing client_id or more scopes than BW_PRINCIPAL_MAX_SCOPES.
 */
BW_MUST_CHECK enum bw_err bw_access_token_issue(struct bw_app *app, const struct bw_access_token *t,
                                                struct bw_buf *out, char jti[BW_TOKEN_TEXT_SIZE],
                                                int64_t *exp);

/**
 * bw_access_token_check - verify token fully (signature by an access key,
 * typ at+jwt, iss, aud, exp, the denylist), for introspection and userinfo.
 * On BW_OK *claims (may be NULL) gets the claims the caller json_decref()s.
 * BW_ERR_DENIED for any token that is not active; other errors internal.
 */
BW_MUST_CHECK enum bw_err bw_access_token_check(struct bw_app *app, struct bw_str token,
                                                json_t **claims);

/**
 * bw_access_token_deny - revoke the token with this jti: stored in the
 * denylist table and in memory until exp (the token's own expiry; after it
 * the token is refused anyway), honoured by every verification, cached
 * tokens included, in this process at once and in others at their next
 * reload. Denying a jti twice is BW_OK.
 */
BW_MUST_CHECK enum bw_err bw_access_token_deny(struct bw_app *app, const char *jti, int64_t exp);

/**
 * bw_access_token_authenticate - the bearer verifier of JWT access tokens
 * (authn.h bw_bearer_verify_fn): fills out with the user's row id and
 * current role (a client-only token: user_id 0, role NULL), the token's
 * scopes, auth_time, and data = the arena-owned struct bw_access_info.
 * BW_ERR_DENIED for an invalid, expired or revoked token or a deleted user.
 */
enum bw_err bw_access_token_authenticate(struct bw_app *app, struct bw_req *req,
                                         struct bw_str token, struct bw_principal *out);

/** What a verified access token says (principal->data of BW_AUTH_BEARER). */
struct bw_access_info {
	const char *sub;       /**< arena-owned */
	const char *client_id; /**< arena-owned */
	const char *jti;       /**< arena-owned */
	int64_t exp;
};

/** The scope GET /v1/whoami requires (an API scope: list it in oauth.api_scopes). */
#define BW_SCOPE_WHOAMI "whoami"

/* routes/signing.c: GET /.well-known/jwks.json, GET /v1/whoami */
extern const struct bw_route bw_routes_signing[];
extern const size_t bw_routes_signing_n;

/* keys_cli.c */
/** bw_cmd_keys - `bulwark keys rotate …` (see its --help); returns the exit status. */
int bw_cmd_keys(int argc, char **argv);

#endif
