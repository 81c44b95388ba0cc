/*
 * cookie.h — a strict Cookie header parser and a Set-Cookie builder that can
 * only make safe cookies.
 *
 * Parsing. The Cookie request header is RFC 6265 §4.2.1 exactly:
 * cookie-pair *( "; " cookie-pair ), where cookie-pair is a token name, '='
 * and a value of cookie-octets, optionally inside one pair of DQUOTEs. The
 * whole header is refused (reject, never repair) for an empty header, a pair
 * without '=', an empty name, a byte outside the grammar (space, comma,
 * backslash, controls, bytes >= 0x80 …), any separator other than one ';'
 * and one space, or a trailing separator. A header over
 * BW_COOKIE_HEADER_MAX bytes, more than BW_COOKIE_MAX pairs, or a pair over
 * BW_COOKIE_PAIR_MAX bytes is BW_ERR_LIMIT. Strictness has a price worth
 * knowing: a page on a sibling subdomain that sets a malformed cookie for
 * the parent domain makes our requests carry a header we refuse; but such a
 * page can deny service anyway (by overflowing the cookie jar), and a
 * repaired header is one whose meaning a proxy and we might disagree on.
 *
 * Duplicate names. The parser keeps every pair in the order sent (browsers
 * send longer paths first, then older cookies first, so order proves
 * nothing). bw_cookie_get refuses (BW_ERR_DENIED) a name that occurs more
 * than once, counting names that differ only in ASCII case: two cookies of
 * one name mean that someone else set one of them (cookie tossing from a
 * sibling subdomain or an insecure origin), and choosing either is a guess.
 * Callers never pick "the first".
 *
 * Building. Every cookie built here is Secure (bulwark's cookies are always
 * Secure, so the RFC 6265bis rule that SameSite=None needs Secure always
 * holds), HttpOnly unless asked otherwise, SameSite Lax unless asked
 * otherwise, host-only unless a Domain is given. A name with the __Host-
 * prefix (any case, as browsers now match it) must have Path=/ and no
 * Domain. Names are RFC 9110 tokens, values cookie-octets. The session
 * cookie has its own builder that offers only Lax and Strict.
 */
#ifndef BULWARK_COOKIE_H
#define BULWARK_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/arena.h"
#include "bulwark/err.h"
#include "bulwark/str.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest Cookie header parsed. */
#define BW_COOKIE_HEADER_MAX 8192
/** Most cookie pairs in one header. */
#define BW_COOKIE_MAX 64
/** Longest name plus value of one cookie (what browsers store at most). */
#define BW_COOKIE_PAIR_MAX 4096
/** Longest Path attribute. */
#define BW_COOKIE_PATH_MAX 1024
/** Longest Max-Age: 400 days, the cap of RFC 6265bis. */
#define BW_COOKIE_MAX_AGE_MAX 34560000u
/** The session cookie's name (API.md, Authentication). */
#define BW_SESSION_COOKIE "__Host-bulwark_session"

/** One cookie of a request; both strings borrow from the parsed header. */
struct bw_cookie {
	struct bw_str name;
	struct bw_str value; /**< without the DQUOTEs when it was quoted */
	bool quoted;         /**< the value was sent as "…" */
};

/** The cookies of one request, in the order sent. */
struct bw_cookies {
	struct bw_cookie items[BW_COOKIE_MAX];
	size_t count;
};

/** SameSite attribute. The zero value is Lax. */
enum bw_samesite {
	BW_SAMESITE_LAX = 0,
	BW_SAMESITE_STRICT = 1,
	BW_SAMESITE_NONE = 2, /**< cross-site too; never for credentials of this server */
};

/**
 * Options of a cookie to build. A zero-initialised struct gives the safe
 * defaults: Path=/, host-only, no Max-Age, SameSite=Lax, HttpOnly (and
 * always Secure).
 */
struct bw_cookie_opts {
	const char *path;           /**< NULL: "/"; else '/' then visible ASCII, no ';' ',' */
	const char *domain;         /**< NULL: host-only; else a lower-case LDH host name */
	uint32_t max_age;           /**< seconds, 1..BW_COOKIE_MAX_AGE_MAX; 0: no Max-Age */
	enum bw_samesite same_site; /**< zero: Lax */
	bool script_readable;       /**< true drops HttpOnly (never for credentials) */
};

/**
 * bw_cookie_parse - parse a Cookie header value strictly (see the top of
 * this header) into out. Names and values borrow from header, which must
 * outlive out. Errors: BW_ERR_INVALID for a malformed header, BW_ERR_LIMIT
 * for one over a cap. On error out->count is 0.
 */
BW_MUST_CHECK enum bw_err bw_cookie_parse(struct bw_str header, struct bw_cookies *out);

/**
 * bw_cookie_get - the value of the cookie named name (exact bytes) into
 * *value (borrowed from the parsed header). BW_ERR_NOT_FOUND when no cookie
 * has that name in any case; BW_ERR_DENIED when more than one cookie has
 * it, or only a different-case spelling is present (cookie tossing).
 * *value is written only on BW_OK.
 */
BW_MUST_CHECK enum bw_err bw_cookie_get(const struct bw_cookies *c, struct bw_str name,
                                        struct bw_str *value);

/**
 * bw_cookie_build - a Set-Cookie header value for name=value with opts (NULL
 * for the defaults), arena-owned and NUL-terminated, into *out. Errors:
 * BW_ERR_INVALID for a name that is not a token, a value with a byte that is
 * not a cookie-octet, a bad path or domain, a __Host- name with a Domain or
 * a Path other than "/", or an unknown SameSite; BW_ERR_LIMIT when name and
 * value exceed BW_COOKIE_PAIR_MAX; BW_ERR_RANGE for max_age over
 * BW_COOKIE_MAX_AGE_MAX; BW_ERR_NOMEM when the arena is full. *out is
 * written only on BW_OK. name, value and opts are borrowed for the call.
 */
BW_MUST_CHECK enum bw_err bw_cookie_build(struct bw_arena *a, struct bw_str name,
                                          struct bw_str value, const struct bw_cookie_opts *opts,
                                          const char **out);

/**
 * bw_cookie_build_delete - a Set-Cookie value that deletes the cookie name:
 * an empty value and Max-Age=0, with the Path and Domain of opts (which must
 * be those the cookie was set with, or the browser keeps it; opts->max_age
 * is ignored). Errors and ownership as bw_cookie_build.
 */
BW_MUST_CHECK enum bw_err bw_cookie_build_delete(struct bw_arena *a, struct bw_str name,
                                                 const struct bw_cookie_opts *opts,
                                                 const char **out);

/**
 * bw_cookie_session_build - the session cookie BW_SESSION_COOKIE=token:
 * Secure, HttpOnly, Path=/, no Domain, SameSite same_site (Lax or Strict;
 * None is BW_ERR_INVALID), Max-Age max_age (0: none). token must be a
 * token's text form (token.h), else BW_ERR_INVALID. Arena-owned *out as
 * bw_cookie_build.
 */
BW_MUST_CHECK enum bw_err bw_cookie_session_build(struct bw_arena *a, struct bw_str token,
                                                  enum bw_samesite same_site, uint32_t max_age,
                                                  const char **out);

/**
 * bw_cookie_session_delete - the Set-Cookie value that deletes the session
 * cookie (logout, revocation). Arena-owned *out; BW_ERR_NOMEM when the arena
 * is full.
 */
BW_MUST_CHECK enum bw_err bw_cookie_session_delete(struct bw_arena *a, const char **out);

/**
 * bw_cookie_session_get - the session token presented in c: as
 * bw_cookie_get for BW_SESSION_COOKIE (BW_ERR_NOT_FOUND, BW_ERR_DENIED for
 * duplicates), plus BW_ERR_INVALID when the value was quoted or is not a
 * token's text form. *token borrows from the parsed header, written only on
 * BW_OK.
 */
BW_MUST_CHECK enum bw_err bw_cookie_session_get(const struct bw_cookies *c, struct bw_str *token);

#ifdef __cplusplus
}
#endif
#endif
