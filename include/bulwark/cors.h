/*
 * cors.h — Cross-Origin Resource Sharing, per route, fail closed.
 *
 * A struct bw_cors holds the allowlist of exact origins from configuration,
 * each parsed strictly and kept in canonical form. Each route picks a mode:
 * no CORS at all, public (any origin, never credentials, "*"), or allowlist
 * (exact origins, with credentials). bw_cors_apply answers one request.
 *
 * The request's Origin must already be in canonical form (as browsers send
 * it) and byte-equal to an allowlisted origin: "null", a different case in
 * the scheme or host, a default port spelled out, a trailing slash, a
 * suffix match (https://example.com.evil.org) or a port mismatch is not
 * allowed. A refused origin gets no Access-Control-* header at all (only
 * Vary: Origin). Access-Control-Allow-Origin: * never goes together with
 * Access-Control-Allow-Credentials.
 */
#ifndef BULWARK_CORS_H
#define BULWARK_CORS_H

#include <stdbool.h>
#include <stddef.h>

#include "bulwark/arena.h"
#include "bulwark/err.h"
#include "bulwark/hdrs.h"
#include "bulwark/str.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Size of a buffer for a canonical origin and its NUL. */
#define BW_CORS_ORIGIN_SIZE 280
/** Most origins in an allowlist. */
#define BW_CORS_MAX_ORIGINS 64
/** Longest Access-Control-Max-Age accepted (browsers cap lower anyway). */
#define BW_CORS_MAX_AGE_MAX 86400u
/** Longest Access-Control-Request-Headers value looked at; longer is refused. */
#define BW_CORS_ACRH_MAX 1024
/** Most methods or request headers a route may allow. */
#define BW_CORS_MAX_ALLOWED 32

/** CORS behaviour of a route. */
enum bw_cors_mode {
	BW_CORS_NONE,      /**< no CORS headers ever */
	BW_CORS_PUBLIC,    /**< any origin, never credentials: Access-Control-Allow-Origin: * */
	BW_CORS_ALLOWLIST, /**< exact allowlisted origins, with credentials */
};

/** What bw_cors_apply decided. */
enum bw_cors_result {
	BW_CORS_OFF,               /**< the route has BW_CORS_NONE: nothing added */
	BW_CORS_NO_ORIGIN,         /**< no Origin header: only Vary: Origin added */
	BW_CORS_ALLOWED,           /**< an allowed actual request: allow headers added */
	BW_CORS_PREFLIGHT_OK,      /**< an allowed preflight: answer it with 204 */
	BW_CORS_ORIGIN_REFUSED,    /**< origin malformed or not allowed: no CORS headers */
	BW_CORS_PREFLIGHT_REFUSED, /**< preflight for a refused origin, method or header */
};

struct bw_cors;

/**
 * bw_cors_origin_parse - parse an origin strictly into canonical form:
 * scheme "https" or "http" (any case in, lower case out), host lower-cased
 * (LDH labels, a dotted-quad IPv4 address or a bracketed IPv6 address in
 * RFC 5952 form; IDN is not decoded: use A-labels), optional port 1-65535
 * without leading zeros, the scheme's default port dropped. No path, query,
 * fragment, userinfo, trailing slash, wildcard, or trailing dot. out gets
 * the canonical origin and a NUL, *out_len its length. BW_ERR_INVALID on
 * any refusal; out and *out_len are written only on BW_OK.
 */
BW_MUST_CHECK enum bw_err bw_cors_origin_parse(struct bw_str in, char out[BW_CORS_ORIGIN_SIZE],
                                               size_t *out_len);

/**
 * bw_cors_new - build an allowlist from n configured origins (each parsed
 * by bw_cors_origin_parse and copied; n may be 0) and a preflight max-age
 * in seconds. Caller frees with bw_cors_free. BW_ERR_CONFIG for a malformed
 * origin, two entries with one canonical form, more than
 * BW_CORS_MAX_ORIGINS entries, or max_age over BW_CORS_MAX_AGE_MAX;
 * BW_ERR_NOMEM when out of memory.
 */
BW_MUST_CHECK enum bw_err bw_cors_new(const char *const *origins, size_t n, unsigned max_age,
                                      struct bw_cors **out);

/** bw_cors_free - release; NULL is a no-op. Headers it produced die with it. */
void bw_cors_free(struct bw_cors *cors);

/**
 * bw_cors_apply - apply the route's CORS policy to one request.
 *
 * origin, method, acr_method and acr_headers are the request's Origin,
 * method, Access-Control-Request-Method and -Headers (NULL when absent);
 * preflight is true for an OPTIONS request carrying
 * Access-Control-Request-Method. allow_methods and allow_headers are the
 * route's NULL-terminated lists (methods exactly as sent, "GET"; header
 * names lower case; at most BW_CORS_MAX_ALLOWED each; allow_headers may be
 * NULL for none). All are borrowed for the call.
 *
 * First every Access-Control-* header already in out is removed. Then, for
 * an allowed origin: Access-Control-Allow-Origin (the allowlisted origin,
 * or * for a public route), Access-Control-Allow-Credentials: true
 * (allowlist only) and Vary: Origin; on an allowed preflight also
 * Access-Control-Allow-Methods (the method asked), -Allow-Headers (the
 * allowed headers that were asked) and -Max-Age. A preflight asking for a
 * method or header the route does not allow gets no allow headers. Values
 * are owned by cors, by the caller's lists, or by arena.
 *
 * *result says what was decided; hostile input only ever gives a refusal.
 * Errors: BW_ERR_NOMEM (arena full), BW_ERR_LIMIT (out full); on error no
 * Access-Control-* header is left in out and *result is a refusal.
 */
BW_MUST_CHECK enum bw_err bw_cors_apply(const struct bw_cors *cors, enum bw_cors_mode mode,
                                        const char *origin, const char *method, bool preflight,
                                        const char *acr_method, const char *acr_headers,
                                        const char *const *allow_methods,
                                        const char *const *allow_headers, struct bw_arena *arena,
                                        struct bw_hdrs *out, enum bw_cors_result *result);

#ifdef __cplusplus
}
#endif
#endif
