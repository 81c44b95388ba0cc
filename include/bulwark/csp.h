/*
 * csp.h — a Content-Security-Policy builder and a strict policy validator.
 *
 * A policy is a list of directives, each with a list of values. The builder
 * adds one value at a time and checks it; the parser reads a whole policy
 * string (from configuration, say) and applies the very same checks, so
 * anything the builder can serialise the parser accepts and the other way
 * round.
 *
 * Both refuse, rather than repair:
 *   - malformed input (BW_ERR_INVALID): a byte outside printable ASCII (CR,
 *     LF, NUL …), a comma (a second policy), an unknown or repeated
 *     directive (or, when parsing, a repeated value), a value that is not
 *     one token of the directive's grammar, 'none' next to another source,
 *     an empty source list;
 *   - weak policies (BW_ERR_DENIED): 'unsafe-inline', 'unsafe-eval',
 *     'unsafe-hashes', 'wasm-unsafe-eval' and every other 'unsafe-…'
 *     keyword, any wildcard ("*", "*.example.com", ":*"), scheme-only sources
 *     ("https:", "blob:" …) except data: in img-src, font-src and media-src,
 *     http:// and ws:// hosts, a nonce shorter than 128 bits, sandbox with
 *     both allow-scripts and allow-same-origin;
 *   - a policy longer than BW_CSP_MAX_LEN or with more than
 *     BW_CSP_MAX_SOURCES values in one directive (BW_ERR_LIMIT).
 *
 * Directive names and keywords are lower case, exactly as browsers document
 * them. Known directives: default-src, script-src, script-src-elem,
 * script-src-attr, style-src, style-src-elem, style-src-attr, img-src,
 * font-src, connect-src, media-src, object-src, frame-src, child-src,
 * worker-src, manifest-src, form-action, base-uri, frame-ancestors, sandbox,
 * upgrade-insecure-requests, report-uri, report-to, require-trusted-types-for.
 */
#ifndef BULWARK_CSP_H
#define BULWARK_CSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/arena.h"
#include "bulwark/err.h"
#include "bulwark/str.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest policy accepted or produced, in bytes. */
#define BW_CSP_MAX_LEN 4096
/** Most values in one directive. */
#define BW_CSP_MAX_SOURCES 64
/** Fewest base64 characters in a nonce (22 characters carry 128 bits). */
#define BW_CSP_NONCE_MIN 22
/** Most base64 characters in a nonce. */
#define BW_CSP_NONCE_MAX 128

/** Parser flags. */
enum bw_csp_flags {
	/**
	 * The policy is fixed text (configuration): refuse nonce sources, since
	 * a nonce that never changes protects nothing (BW_ERR_DENIED).
	 */
	BW_CSP_STATIC = 1u << 0,
};

struct bw_csp;

/**
 * bw_csp_new - an empty policy builder. Caller frees with bw_csp_free.
 * BW_ERR_NOMEM when out of memory.
 */
BW_MUST_CHECK enum bw_err bw_csp_new(struct bw_csp **out);

/** bw_csp_free - release a builder; NULL is a no-op. */
void bw_csp_free(struct bw_csp *csp);

/**
 * bw_csp_add - add one value to a directive (the directive is created on
 * first use; values keep their order; adding a value twice keeps one).
 * source is one token ("'self'", "https://cdn.example.com", "data:",
 * "/v1/csp-reports" for report-uri, "allow-forms" for sandbox) or NULL for
 * a directive without values (upgrade-insecure-requests, an empty sandbox).
 * Both strings are copied. Errors as in the file comment; on error the
 * builder is unchanged.
 */
BW_MUST_CHECK enum bw_err bw_csp_add(struct bw_csp *csp, const char *directive, const char *source);

/**
 * bw_csp_add_nonce - add 'nonce-<nonce>' to a script or style directive (or
 * default-src). nonce is base64 or base64url, BW_CSP_NONCE_MIN to
 * BW_CSP_NONCE_MAX characters (shorter: BW_ERR_DENIED); copied.
 */
BW_MUST_CHECK enum bw_err bw_csp_add_nonce(struct bw_csp *csp, const char *directive,
                                           const char *nonce);

/**
 * bw_csp_add_hash - add 'sha256-<base64 of SHA-256(content)>' for an inline
 * script or style whose exact text is content[0..len) (borrowed, not kept).
 * Only script and style directives (and default-src) take hashes.
 */
BW_MUST_CHECK enum bw_err bw_csp_add_hash(struct bw_csp *csp, const char *directive,
                                          const void *content, size_t len);

/** bw_csp_has - whether the policy has that directive. */
bool bw_csp_has(const struct bw_csp *csp, const char *directive);

/**
 * bw_csp_serialize - the policy as a header value: "name v1 v2; name2 v3",
 * in the order directives were first added. *out is NUL-terminated and
 * arena-owned. BW_ERR_INVALID for an empty policy, BW_ERR_LIMIT past
 * BW_CSP_MAX_LEN, BW_ERR_NOMEM when the arena is full.
 */
BW_MUST_CHECK enum bw_err bw_csp_serialize(const struct bw_csp *csp, struct bw_arena *arena,
                                           const char **out);

/**
 * bw_csp_parse - read a policy string strictly into a new builder (caller
 * frees with bw_csp_free). Directives are separated by ';' (one trailing ';'
 * is allowed), values by spaces or tabs. flags: enum bw_csp_flags bits.
 * Errors as in the file comment; *out is written only on BW_OK.
 */
BW_MUST_CHECK enum bw_err bw_csp_parse(struct bw_str policy, unsigned flags, struct bw_csp **out);

/** bw_csp_validate - bw_csp_parse without keeping the result. */
BW_MUST_CHECK enum bw_err bw_csp_validate(struct bw_str policy, unsigned flags);

#ifdef __cplusplus
}
#endif
#endif
