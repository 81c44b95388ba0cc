/*
 * csrf.h — cross-site request forgery defences: tokens and the request-origin check.
 *
 * A cookie-authenticated request with an unsafe method (POST, PUT, PATCH,
 * DELETE) passes only when both of these pass:
 *
 *   1. bw_csrf_check_origin — where the request comes from, by the headers
 *      a page cannot forge:
 *        - Sec-Fetch-Site, when present, must be "same-origin" or "none".
 *          "cross-site" is refused, and so is "same-site": SameSite ignores
 *          ports and schemes, so https://localhost:9999 is the same site as
 *          https://localhost:8443 and may hold a hostile page.
 *        - Origin, when present, must be byte-equal to the server's public
 *          origin in canonical form (cors.h); "null" is refused. When Origin
 *          is present, Referer is not looked at.
 *        - Only when Origin is absent: Referer must be an https URL whose
 *          origin is exactly the public origin, and the public origin must
 *          be https (a Referer over plain HTTP proves nothing).
 *        - Neither Origin nor Referer: refused (fail closed). Browsers send
 *          Origin on every unsafe-method request, so this refuses only
 *          non-browser clients — which should use Bearer credentials.
 *   2. a token that a cross-site page cannot read:
 *        - bw_csrf_session_token / _check: the synchronizer token of a
 *          session, derived with a keyed MAC from the session's stored hash
 *          (token.h), so nothing extra is stored; it changes whenever the
 *          session id is rotated. Each call masks it with fresh randomness
 *          (BREACH), and every masked form verifies.
 *        - bw_csrf_presession_token / _check: before there is a session
 *          (login and registration forms, against login CSRF): a signed
 *          token (MAC over a random nonce and an expiry) sent both in the
 *          cookie BW_CSRF_PRESESSION_COOKIE and in the form; the check wants
 *          the two equal (double submit), the signature good and the expiry
 *          not reached.
 *        - bw_csrf_double_submit_token / _check: the same signed
 *          double-submit scheme for applications without server sessions,
 *          bound to a value of the caller's choice (a user id, a JWT id)
 *          and to a __Host- cookie name, so tossed cookies cannot be planted.
 *
 * Every check answers BW_OK with *why = BW_CSRF_OK, or BW_ERR_DENIED with a
 * reason in *why for the log (bw_csrf_reason_str); another error (a bad key,
 * an unusable public origin) also refuses, with *why = BW_CSRF_ERROR. The
 * token tells the client nothing more than 403; the reason is for the log.
 * Keys are the purpose key BW_KEY_CSRF (keys.h), BW_PURPOSE_KEY_BYTES long;
 * time is Unix seconds from the caller. Nothing here keeps state.
 * bw_init() must have succeeded before any of these is called.
 *
 * A route that takes JSON refuses with 415 a Content-Type that an HTML form
 * (or a no-preflight fetch) can send cross-site: bw_csrf_form_content_type.
 */
#ifndef BULWARK_CSRF_H
#define BULWARK_CSRF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/arena.h"
#include "bulwark/cookie.h"
#include "bulwark/err.h"
#include "bulwark/secret.h"
#include "bulwark/str.h"
#include "bulwark/token.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The cookie that carries the pre-session token. */
#define BW_CSRF_PRESESSION_COOKIE "__Host-bulwark_csrf"
/** Characters of a session CSRF token (64 bytes: mask and masked MAC). */
#define BW_CSRF_SESSION_TOKEN_LEN 86
/** Size of a buffer for a session CSRF token and its NUL. */
#define BW_CSRF_SESSION_TOKEN_SIZE 87
/** Bytes of a signed token: kind, expiry (8), nonce (16), MAC (32). */
#define BW_CSRF_SIGNED_BYTES 57
/** Characters of a signed (pre-session or double-submit) token. */
#define BW_CSRF_SIGNED_LEN 76
/** Size of a buffer for a signed token and its NUL. */
#define BW_CSRF_SIGNED_SIZE 77
/** Longest lifetime of a signed token, in seconds (one day). */
#define BW_CSRF_LIFETIME_MAX 86400u
/** Longest binding of a double-submit token. */
#define BW_CSRF_BINDING_MAX 256

/** Why a CSRF check passed or refused; for logs (stable names: bw_csrf_reason_str). */
enum bw_csrf_reason {
	BW_CSRF_OK = 0,              /**< "ok": the check passed */
	BW_CSRF_ERROR,               /**< "error": the check could not run (key, config) */
	BW_CSRF_TOKEN_MISSING,       /**< "token_missing": no token submitted */
	BW_CSRF_TOKEN_MALFORMED,     /**< "token_malformed": not a token's text form */
	BW_CSRF_TOKEN_MISMATCH,      /**< "token_mismatch": wrong token, or cookie != form */
	BW_CSRF_TOKEN_BAD_SIGNATURE, /**< "token_bad_signature": MAC does not verify */
	BW_CSRF_TOKEN_EXPIRED,       /**< "token_expired": the expiry has passed */
	BW_CSRF_TOKEN_LIFETIME,      /**< "token_lifetime": expiry beyond the longest lifetime */
	BW_CSRF_COOKIE_MISSING,      /**< "cookie_missing": no token cookie */
	BW_CSRF_COOKIE_DUPLICATE,    /**< "cookie_duplicate": the token cookie sent twice */
	BW_CSRF_FETCH_CROSS_SITE,    /**< "fetch_cross_site": Sec-Fetch-Site: cross-site */
	BW_CSRF_FETCH_SAME_SITE,     /**< "fetch_same_site": Sec-Fetch-Site: same-site */
	BW_CSRF_FETCH_INVALID,       /**< "fetch_invalid": another Sec-Fetch-Site value */
	BW_CSRF_ORIGIN_NULL,         /**< "origin_null": Origin: null */
	BW_CSRF_ORIGIN_MISMATCH,     /**< "origin_mismatch": Origin is not the public origin */
	BW_CSRF_REFERER_NOT_HTTPS,   /**< "referer_not_https": Referer fallback needs HTTPS */
	BW_CSRF_REFERER_MALFORMED,   /**< "referer_malformed": Referer is not a clean URL */
	BW_CSRF_REFERER_MISMATCH,    /**< "referer_mismatch": Referer of another origin */
	BW_CSRF_NO_SOURCE,           /**< "no_source": neither Origin nor Referer */
	BW_CSRF__COUNT
};

/** bw_csrf_reason_str - a stable short name of reason (see the enum), or "unknown". */
const char *bw_csrf_reason_str(enum bw_csrf_reason reason);

/**
 * bw_csrf_check_origin - the request-origin check (the top of this header)
 * for a cookie-authenticated unsafe request. public_origin is the server's
 * configured public origin (canonicalised here with bw_cors_origin_parse;
 * unparseable: BW_ERR_CONFIG). origin, referer and sec_fetch_site are the
 * request's header values, NULL when the header is absent (present but empty
 * is a value, and refused). All are borrowed for the call.
 *
 * BW_OK with *why = BW_CSRF_OK; BW_ERR_DENIED with the reason; BW_ERR_CONFIG
 * with BW_CSRF_ERROR. Checked in this order: Sec-Fetch-Site, then Origin,
 * then (Origin absent) Referer, so *why names the first failing rule.
 */
BW_MUST_CHECK enum bw_err bw_csrf_check_origin(struct bw_str public_origin,
                                               const struct bw_str *origin,
                                               const struct bw_str *referer,
                                               const struct bw_str *sec_fetch_site,
                                               enum bw_csrf_reason *why);

/**
 * bw_csrf_form_content_type - whether a request with this Content-Type (NULL
 * when absent) could have been sent cross-site without a CORS preflight:
 * true for no Content-Type, for a media type whose type/subtype is
 * application/x-www-form-urlencoded, multipart/form-data or text/plain (any
 * case, any parameters), and for a value that does not parse as a media
 * type (fail closed). A JSON route answers 415 when this is true.
 */
bool bw_csrf_form_content_type(const struct bw_str *content_type);

/**
 * bw_csrf_session_token - a synchronizer token for the session whose stored
 * hash is session (token.h), freshly masked, as BW_CSRF_SESSION_TOKEN_LEN
 * characters and a NUL into out. Put it in forms (csrf_token) and hand it to
 * scripts (GET /v1/auth/csrf). Errors: BW_ERR_INVALID for a key that is not
 * BW_PURPOSE_KEY_BYTES long, BW_ERR_CRYPTO; out is an empty string then.
 * key and session are borrowed.
 */
BW_MUST_CHECK enum bw_err bw_csrf_session_token(const struct bw_secret *key,
                                                const struct bw_token_hash *session,
                                                char out[BW_CSRF_SESSION_TOKEN_SIZE]);

/**
 * bw_csrf_session_check - whether presented (the X-CSRF-Token header or the
 * csrf_token form field; NULL when absent) is a token of the session whose
 * stored hash is session. Reasons: TOKEN_MISSING, TOKEN_MALFORMED,
 * TOKEN_MISMATCH (compared in constant time). Errors and *why as the top
 * of this header says. All pointers are borrowed.
 */
BW_MUST_CHECK enum bw_err bw_csrf_session_check(const struct bw_secret *key,
                                                const struct bw_token_hash *session,
                                                const struct bw_str *presented,
                                                enum bw_csrf_reason *why);

/**
 * bw_csrf_presession_token - a signed pre-session token valid from now for
 * lifetime seconds (1..BW_CSRF_LIFETIME_MAX, else BW_ERR_RANGE), as
 * BW_CSRF_SIGNED_LEN characters and a NUL into out. Send it in the cookie
 * (bw_csrf_presession_cookie) and in the form. BW_ERR_INVALID for a bad key;
 * out is an empty string on error.
 */
BW_MUST_CHECK enum bw_err bw_csrf_presession_token(const struct bw_secret *key, uint64_t now,
                                                   uint32_t lifetime,
                                                   char out[BW_CSRF_SIGNED_SIZE]);

/**
 * bw_csrf_presession_cookie - the Set-Cookie value carrying token in
 * BW_CSRF_PRESESSION_COOKIE: Secure, HttpOnly, SameSite=Strict, Path=/,
 * Max-Age=lifetime. token must be BW_CSRF_SIGNED_LEN characters of
 * base64url, else BW_ERR_INVALID. Arena-owned *out, errors as
 * bw_cookie_build.
 */
BW_MUST_CHECK enum bw_err bw_csrf_presession_cookie(struct bw_arena *a, struct bw_str token,
                                                    uint32_t lifetime, const char **out);

/**
 * bw_csrf_presession_check - the pre-session check: cookies (the request's
 * parsed Cookie header, NULL when none) must hold exactly one
 * BW_CSRF_PRESESSION_COOKIE, form (the submitted csrf_token, NULL when
 * absent) must equal it, and it must be a pre-session token signed by key
 * whose expiry is after now and at most BW_CSRF_LIFETIME_MAX ahead.
 * Reasons, in the order checked: COOKIE_MISSING, COOKIE_DUPLICATE,
 * TOKEN_MISSING, TOKEN_MALFORMED, TOKEN_MISMATCH, TOKEN_BAD_SIGNATURE (also
 * for a double-submit token offered here), TOKEN_EXPIRED, TOKEN_LIFETIME.
 * All pointers are borrowed.
 */
BW_MUST_CHECK enum bw_err bw_csrf_presession_check(const struct bw_secret *key,
                                                   const struct bw_cookies *cookies,
                                                   const struct bw_str *form, uint64_t now,
                                                   enum bw_csrf_reason *why);

/**
 * bw_csrf_double_submit_token - a signed double-submit token bound to
 * binding (0..BW_CSRF_BINDING_MAX bytes, else BW_ERR_LIMIT; e.g. the user
 * id of a stateless session; empty binds to nothing), valid from now for
 * lifetime seconds (1..BW_CSRF_LIFETIME_MAX, else BW_ERR_RANGE), into out
 * as BW_CSRF_SIGNED_LEN characters and a NUL. The application sets it in a
 * cookie whose name starts with "__Host-" (bw_cookie_build) and sends it
 * back in a header or form field. BW_ERR_INVALID for a bad key; out is an
 * empty string on error.
 */
BW_MUST_CHECK enum bw_err bw_csrf_double_submit_token(const struct bw_secret *key,
                                                      struct bw_str binding, uint64_t now,
                                                      uint32_t lifetime,
                                                      char out[BW_CSRF_SIGNED_SIZE]);

/**
 * bw_csrf_double_submit_check - as bw_csrf_presession_check, for the cookie
 * named cookie_name (which must start with "__Host-", else BW_ERR_INVALID
 * with BW_CSRF_ERROR: a cookie a sibling subdomain can set defeats double
 * submit) and a token made by bw_csrf_double_submit_token for the same
 * binding (another binding, or a pre-session token: TOKEN_BAD_SIGNATURE).
 * submitted is the header or form value, NULL when absent.
 */
BW_MUST_CHECK enum bw_err
bw_csrf_double_submit_check(const struct bw_secret *key, struct bw_str binding,
                            const struct bw_cookies *cookies, struct bw_str cookie_name,
                            const struct bw_str *submitted, uint64_t now, enum bw_csrf_reason *why);

#ifdef __cplusplus
}
#endif
#endif
