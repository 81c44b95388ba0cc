/*
 * oauth_clients.h — registered OAuth clients, and how a client proves who it
 * is at the token, revocation and introspection endpoints.
 *
 * A client is a row of oauth_clients, registered by an administrator
 * (`bulwark client add` or POST /v1/admin/clients). It has a public
 * client_id (16 random bytes, base64url: it counts nothing and guesses
 * nothing), a name for the consent page, and either
 *   - confidential: it holds a secret (a token.h token, 256 random bits,
 *     shown once at registration and stored only as its keyed BLAKE2b hash
 *     under the BW_KEY_CLIENT purpose key, label "client"), presented by
 *     HTTP Basic (client_secret_basic) or in the form (client_secret_post);
 *     or it holds private keys whose public JWKS is registered and signs a
 *     short-lived assertion (private_key_jwt, RFC 7523 §2.2 / OIDC Core §9);
 *   - public (token_endpoint_auth_method "none"): a native or browser app
 *     that can keep no secret; it names itself with client_id only and is
 *     refused wherever that is not enough (client_credentials, introspect).
 * A client authenticates with exactly the one method it registered; two
 * methods in one request are refused (RFC 6749 §2.3), as is any other.
 *
 * Redirect URIs are checked when registered (bw_oauth_redirect_uri_valid):
 * absolute, no fragment, no wildcard, no userinfo, and one of https, http on
 * the loopback literals 127.0.0.1 / [::1] (RFC 8252 §7.3 — never the name
 * "localhost", §8.3), or a private-use scheme with a dot in it (RFC 8252
 * §7.1, "com.example.app:/cb"). At /oauth2/authorize the redirect_uri must
 * equal a registered one byte for byte, except that the port of a loopback
 * redirect may differ (bw_oauth_redirect_uri_ok).
 *
 * Everything here takes the application (app.h) for its database, keys and
 * settings; the store keeps no state of its own beyond the assertion replay
 * table (oauth_client_assertions).
 */
#ifndef BULWARK_OAUTH_CLIENTS_H
#define BULWARK_OAUTH_CLIENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "bulwark/jwt.h"
#include "bulwark/token.h"
#include "bulwark/url.h"
#include "oauth_scope.h"

/** Characters of a client_id (base64url of 16 random bytes) and the NUL. */
#define BW_CLIENT_ID_LEN  22
#define BW_CLIENT_ID_SIZE 23
/** Token label of client secrets (token.h). */
#define BW_CLIENT_SECRET_LABEL "client"
/** Most redirect URIs and scopes of one client. */
#define BW_CLIENT_MAX_REDIRECTS 16
#define BW_CLIENT_MAX_SCOPES    BW_SCOPE_MAX
/** Longest redirect URI, client name, registered JWKS. */
#define BW_CLIENT_REDIRECT_MAX 512
#define BW_CLIENT_NAME_MAX     100
#define BW_CLIENT_JWKS_MAX     (16u * 1024u)
/** Most keys in a client's JWKS. */
#define BW_CLIENT_JWKS_KEYS_MAX 8
/** How far ahead a private_key_jwt assertion's exp may lie (seconds). */
#define BW_CLIENT_ASSERTION_MAX_LIFETIME 300
/** RFC 7523 §2.2: the client_assertion_type of private_key_jwt. */
#define BW_CLIENT_ASSERTION_TYPE "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

/** How a client authenticates (its registered token_endpoint_auth_method). */
enum bw_client_auth_method {
	BW_CLIENT_AUTH_NONE = 0,        /**< "none": public client, client_id only */
	BW_CLIENT_AUTH_SECRET_BASIC,    /**< "client_secret_basic": HTTP Basic */
	BW_CLIENT_AUTH_SECRET_POST,     /**< "client_secret_post": form fields */
	BW_CLIENT_AUTH_PRIVATE_KEY_JWT, /**< "private_key_jwt": signed assertion */
};

/** Grant types a client may use (bit set). */
enum bw_client_grant {
	BW_GRANT_AUTHORIZATION_CODE = 1u << 0, /**< "authorization_code" */
	BW_GRANT_REFRESH_TOKEN = 1u << 1,      /**< "refresh_token" */
	BW_GRANT_CLIENT_CREDENTIALS = 1u << 2, /**< "client_credentials" (confidential only) */
};

/**
 * A registered client, as read from the store. Every pointer is owned by
 * the arena it was read into; nothing needs freeing.
 */
struct bw_oauth_client {
	int64_t id; /**< the row id: internal (refresh-token families, audit), never shown */
	char client_id[BW_CLIENT_ID_SIZE];
	const char *name;
	bool confidential; /**< false exactly when auth_method is BW_CLIENT_AUTH_NONE */
	enum bw_client_auth_method auth_method;
	const char *const *redirect_uris; /**< n_redirect_uris of them */
	size_t n_redirect_uris;
	const char *const *scopes; /**< the scopes it may ask for; n_scopes of them */
	size_t n_scopes;
	unsigned grant_types;         /**< enum bw_client_grant bits */
	enum bw_jwt_alg id_token_alg; /**< id_token_signed_response_alg; default RS256 */
	const char *jwks_json;        /**< private_key_jwt: the registered public JWKS, else NULL */
	int64_t created_at;
	bool disabled;
};

/* ---- names ---------------------------------------------------------------- */

/** bw_client_auth_method_name - "none", "client_secret_basic", … */
const char *bw_client_auth_method_name(enum bw_client_auth_method m);

/** bw_client_auth_method_parse - the method of a registered name; BW_ERR_INVALID otherwise. */
BW_MUST_CHECK enum bw_err bw_client_auth_method_parse(struct bw_str name,
                                                      enum bw_client_auth_method *out);

/** bw_client_grant_name - "authorization_code", … for one bit (NULL for others). */
const char *bw_client_grant_name(enum bw_client_grant g);

/** bw_client_grant_parse - the bit of a grant type name; BW_ERR_INVALID otherwise. */
BW_MUST_CHECK enum bw_err bw_client_grant_parse(struct bw_str name, enum bw_client_grant *out);

/* ---- registration ------------------------------------------------------------ */

/**
 * bw_oauth_redirect_uri_valid - whether uri may be registered (see the top
 * of this header). Pure; uri is borrowed.
 */
bool bw_oauth_redirect_uri_valid(struct bw_str uri);

/** What a registration asks for; every pointer borrowed for the call. */
struct bw_oauth_client_new {
	const char *name;  /**< 1..BW_CLIENT_NAME_MAX bytes of UTF-8, no controls */
	bool confidential; /**< false: public (auth_method must be NONE) */
	enum bw_client_auth_method auth_method;
	const char *const *redirect_uris; /**< 0..BW_CLIENT_MAX_REDIRECTS, each valid */
	size_t n_redirect_uris;
	const char *const *scopes; /**< 1..BW_CLIENT_MAX_SCOPES scope tokens */
	size_t n_scopes;
	unsigned grant_types;         /**< 0: authorization_code + refresh_token */
	enum bw_jwt_alg id_token_alg; /**< 0: RS256 */
	const char *jwks_json;        /**< private_key_jwt: {"keys":[…]} public JWKs */
};

/** Why a registration was refused (for the CLI and the 400 field errors). */
struct bw_oauth_client_refusal {
	const char *field;   /**< "redirect_uris", "scopes", … (static) */
	const char *message; /**< static text, never input */
};

/**
 * bw_oauth_client_register - check req and store a new client. On BW_OK,
 * *out (arena-owned, a) is the stored client and secret (may be NULL only
 * for clients that get none) receives the client secret when the method is
 * client_secret_basic or client_secret_post: show it once, then wipe it
 * (bw_wipe); it is never stored or shown again. BW_ERR_INVALID with *why
 * filled for a request that breaks a rule: redirect URIs (see
 * bw_oauth_redirect_uri_valid; authorization_code needs at least one),
 * scopes (each known: bw_scope_known with oauth.api_scopes), grant types (client_credentials needs
 * a confidential client), a public client with a secret method or confidential one with "none", a
 * JWKS that is missing, not a set of public signing keys with unique kids
 * (bw_jwk_from_json), or given to a client of another method. Database
 * errors as db.h. The caller audits the outcome.
 */
BW_MUST_CHECK enum bw_err bw_oauth_client_register(struct bw_app *app,
                                                   const struct bw_oauth_client_new *req,
                                                   struct bw_arena *a, struct bw_oauth_client **out,
                                                   char secret[BW_TOKEN_TEXT_SIZE],
                                                   struct bw_oauth_client_refusal *why);

/* ---- lookup ------------------------------------------------------------------ */

/**
 * bw_oauth_client_find - the enabled client whose client_id is client_id
 * (borrowed), read into the arena a. BW_ERR_NOT_FOUND for an unknown,
 * malformed or disabled one. Database errors as db.h.
 */
BW_MUST_CHECK enum bw_err bw_oauth_client_find(struct bw_app *app, struct bw_str client_id,
                                               struct bw_arena *a, struct bw_oauth_client **out);

/**
 * bw_oauth_client_find_row - the same by row id (e.g. the client a refresh
 * family belongs to); disabled clients are BW_ERR_NOT_FOUND too.
 */
BW_MUST_CHECK enum bw_err bw_oauth_client_find_row(struct bw_app *app, int64_t id,
                                                   struct bw_arena *a,
                                                   struct bw_oauth_client **out);

/**
 * bw_oauth_redirect_uri_ok - whether uri (borrowed, as sent to
 * /oauth2/authorize) is one of c's redirect URIs: byte-for-byte equal, or,
 * for a registered http://127.0.0.1/… or http://[::1]/… redirect, equal but
 * for the port (RFC 8252 §7.3).
 */
bool bw_oauth_redirect_uri_ok(const struct bw_oauth_client *c, struct bw_str uri);

/**
 * bw_oauth_scope_allowed - whether every token of the space-separated scope
 * (borrowed; RFC 6749 §3.3 syntax, single spaces, no empty tokens) is among
 * c's scopes. An empty scope is allowed (nothing is asked).
 */
bool bw_oauth_scope_allowed(const struct bw_oauth_client *c, struct bw_str scope);

/**
 * bw_oauth_grant_allowed - whether c is registered for grant g
 * (client_credentials also needs a confidential client).
 */
bool bw_oauth_grant_allowed(const struct bw_oauth_client *c, enum bw_client_grant g);

/* ---- the form of the OAuth endpoints ---------------------------------------- */

/**
 * The form fields client authentication reads, as struct bw_param entries:
 * a BW_BODY_FORM route that calls bw_oauth_client_authenticate lists them
 * in its form_fields (the core refuses undeclared and repeated fields with
 * 400 before the handler runs). Lenient rules: the checks are here.
 */
#define BW_OAUTH_FORM_RULE                                                 \
	{                                                                  \
		.kind = BW_RULE_STRING, .min = 0, .max = BW_JWT_MAX_BYTES, \
		.classes = BW_CC_ALPHA | BW_CC_DIGIT | BW_CC_PUNCT         \
	}
#define BW_OAUTH_CLIENT_AUTH_FIELDS                                            \
	{.name = "client_id", .rule = BW_OAUTH_FORM_RULE},                     \
	        {.name = "client_secret", .rule = BW_OAUTH_FORM_RULE},         \
	        {.name = "client_assertion_type", .rule = BW_OAUTH_FORM_RULE}, \
	{                                                                      \
		.name = "client_assertion", .rule = BW_OAUTH_FORM_RULE         \
	}

/** Most parameters in an OAuth form body. */
#define BW_OAUTH_FORM_MAX 32

/** A parsed application/x-www-form-urlencoded OAuth request; arena-owned. */
struct bw_oauth_form {
	const struct bw_kv *kv;
	size_t n;
};

/**
 * bw_oauth_form_parse - the request body as an OAuth form (RFC 6749 §3.2):
 * decoded strictly (url.h), at most BW_OAUTH_FORM_MAX parameters.
 * BW_ERR_INVALID when a parameter is repeated ("MUST NOT be included more
 * than once") or the encoding is bad; BW_ERR_LIMIT past the cap. Both mean
 * 400 invalid_request.
 */
BW_MUST_CHECK enum bw_err bw_oauth_form_parse(struct bw_req *req, struct bw_oauth_form *out);

/**
 * bw_oauth_form_get - the value of name; false when it is absent or empty
 * ("parameters sent without a value MUST be treated as if they were omitted
 * from the request", RFC 6749 §3.1). *value borrows from the form.
 */
bool bw_oauth_form_get(const struct bw_oauth_form *f, const char *name, struct bw_str *value);

/**
 * bw_oauth_error - an RFC 6749 §5.2 error response: status (400, 401, …),
 * {"error": error, "error_description": description} (both static text,
 * never input; description may be NULL), Cache-Control: no-store.
 */
BW_MUST_CHECK enum bw_err bw_oauth_error(struct bw_resp *resp, unsigned status, const char *error,
                                         const char *description);

/* ---- client authentication --------------------------------------------------- */

/** Which endpoint a client authenticates at (policy and assertion audience). */
enum bw_client_endpoint {
	BW_CLIENT_EP_TOKEN = 1,  /**< /oauth2/token: public clients by client_id */
	BW_CLIENT_EP_REVOKE,     /**< /oauth2/revoke: public clients by client_id */
	BW_CLIENT_EP_INTROSPECT, /**< /oauth2/introspect: confidential clients only */
};

/**
 * bw_oauth_client_authenticate - who the client of this request is, from
 * its credentials: an "Authorization: Basic" header (id and secret each
 * form-urlencoded, RFC 6749 §2.3.1), client_id + client_secret in the form,
 * client_assertion_type + client_assertion (private_key_jwt), or, for a
 * public client, client_id alone. form is the parsed body (borrowed); *out
 * is arena-owned (the request's arena).
 *
 * private_key_jwt: the assertion is verified with the client's registered
 * keys only (the key's own algorithm; "none" and HS256 never), iss and sub
 * must both be the client_id, aud must contain the issuer
 * (settings.public_origin) or the URL of the token endpoint or of the
 * endpoint called, exp is required and at most
 * BW_CLIENT_ASSERTION_MAX_LIFETIME seconds ahead, jti is required and
 * accepted once (the replay table keeps it until exp).
 *
 * Results:
 *   BW_OK           *out is the authenticated client;
 *   BW_ERR_INVALID  400 invalid_request: more than one method, a method in
 *                   pieces (client_secret without client_id, an assertion
 *                   without its type), a client_id in the form naming
 *                   another client than the credential;
 *   BW_ERR_DENIED   401 invalid_client: unknown or disabled client, wrong
 *                   secret, bad or replayed assertion, a method other than
 *                   the registered one, no credentials, a public client at
 *                   an endpoint that needs a confidential one;
 *   BW_ERR_LIMIT    429: too many failed attempts from this address (the
 *                   RateLimit and Retry-After headers are already set);
 *   other errors    internal (500).
 * Every failure is audited ("oauth.client_auth") and logged with its reason;
 * the response says nothing about which check failed. Answer the refusals
 * with bw_oauth_client_auth_refuse.
 */
BW_MUST_CHECK enum bw_err bw_oauth_client_authenticate(struct bw_app *app, struct bw_req *req,
                                                       const struct bw_oauth_form *form,
                                                       enum bw_client_endpoint ep,
                                                       struct bw_oauth_client **out);

/**
 * bw_oauth_client_auth_refuse - the answer to a refusal rc of
 * bw_oauth_client_authenticate: 400 invalid_request, 401 invalid_client
 * (with "WWW-Authenticate: Basic realm=…" when the request carried an
 * Authorization header, RFC 6749 §5.2), or 429. Any other rc is returned
 * as is (the core answers 500).
 */
BW_MUST_CHECK enum bw_err bw_oauth_client_auth_refuse(struct bw_req *req, struct bw_resp *resp,
                                                      enum bw_err rc);

/* ---- grant client_credentials ------------------------------------------------ */

/**
 * bw_oauth_grant_client_credentials - the token endpoint's answer to
 * grant_type=client_credentials (RFC 6749 §4.4) for client c, already
 * authenticated by bw_oauth_client_authenticate. c must be confidential and
 * registered for the grant (else 400 unauthorized_client). The granted scope
 * is the requested "scope" (every token among c's scopes, else 400
 * invalid_scope), or c's scopes without "openid" and "offline_access" when
 * none is asked; OIDC scopes are never granted here (no user). The answer
 * is {"access_token", "token_type": "Bearer", "expires_in", "scope"}: no
 * refresh token, no id_token. The access token (signing.h) is issued with
 * no user: its "sub" is the client_id (RFC 9068 §2.2: sub is required and,
 * without a resource owner, names the client), client_id is c's, and the
 * bearer principal it yields has user_id 0 and no role, so it can never
 * pass for a user (client ids and user ids are both 128-bit random).
 * Audited as "oauth.token" with grant client_credentials.
 */
BW_MUST_CHECK enum bw_err bw_oauth_grant_client_credentials(struct bw_req *req,
                                                            struct bw_resp *resp,
                                                            const struct bw_oauth_client *c,
                                                            const struct bw_oauth_form *form);

/* ---- start-up and commands ----------------------------------------------------- */

/**
 * bw_oauth_clients_start - check that the store can run (client key derived)
 * and delete expired rows of the assertion replay table. BW_ERR_STATE when
 * the key is missing.
 */
BW_MUST_CHECK enum bw_err bw_oauth_clients_start(struct bw_app *app);

/** client_cli.c: `bulwark client add …` (see its --help); returns the exit status. */
int bw_cmd_client(int argc, char **argv);

/* routes/clients.c (admin API) and routes/oauth_endpoints.c (revoke, introspect) */
extern const struct bw_route bw_routes_admin_clients[];
extern const size_t bw_routes_admin_clients_n;
extern const struct bw_route bw_routes_oauth_endpoints[];
extern const size_t bw_routes_oauth_endpoints_n;

#endif
