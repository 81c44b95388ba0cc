/*
 * sechdr.h — the security headers every response carries, errors included.
 *
 * A struct bw_sechdr is built once from settings; every constant header value
 * is computed then. Per response, bw_sechdr_apply adds (replacing any
 * header of the same name a handler may have set):
 *
 *   Strict-Transport-Security: max-age=63072000; includeSubDomains[; preload]
 *                                                        (when hsts is on)
 *   Content-Security-Policy:
 *     JSON and other: default-src 'none'; frame-ancestors 'none'
 *     HTML: default-src 'none'; script-src 'nonce-N' 'strict-dynamic';
 *           style-src 'self' 'nonce-N'; img-src 'self' data:;
 *           form-action 'self'; frame-ancestors 'none'; base-uri 'none';
 *           object-src 'none'[; report-uri U; report-to csp]
 *     with N a fresh 144-bit nonce per response (base64url, 24 characters)
 *   Content-Security-Policy-Report-Only: the configured candidate (HTML)
 *   Reporting-Endpoints: csp="U"                      (HTML, reporting on)
 *   X-Content-Type-Options: nosniff
 *   X-Frame-Options: DENY
 *   Referrer-Policy: same-origin
 *   Cross-Origin-Opener-Policy: same-origin
 *   Cross-Origin-Resource-Policy: same-origin
 *   Permissions-Policy: camera=(), microphone=(), geolocation=(), … (all denied)
 *   Cache-Control: no-store                            (when asked)
 *
 * Configuration can tighten but never loosen: there is no way to drop one
 * of these headers, and the report-only candidate is refused when the CSP
 * parser finds it weak ('unsafe-inline', 'unsafe-eval', wildcards, a fixed
 * nonce; see csp.h).
 */
#ifndef BULWARK_SECHDR_H
#define BULWARK_SECHDR_H

#include <stdbool.h>
#include <stddef.h>

#include "bulwark/arena.h"
#include "bulwark/err.h"
#include "bulwark/hdrs.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Random bytes in a CSP nonce (144 bits). */
#define BW_SECHDR_NONCE_BYTES 18
/** Size of a buffer for a nonce and its NUL (24 base64url characters + 1). */
#define BW_SECHDR_NONCE_SIZE 25
/** Where CSP reports go unless report_uri says otherwise. */
#define BW_SECHDR_REPORT_URI "/v1/csp-reports"
/** The Reporting API endpoint name used by report-to. */
#define BW_SECHDR_REPORT_GROUP "csp"

/** Settings; strings are copied by bw_sechdr_new. */
struct bw_sechdr_config {
	bool hsts;                   /**< HTTPS, or behind a proxy configured as HTTPS */
	bool hsts_preload;           /**< add "; preload" (needs hsts) */
	const char *csp_report_only; /**< candidate policy for HTML, or NULL / "" for none */
	bool csp_reporting;          /**< report-uri and report-to on the HTML policies */
	const char *report_uri;      /**< NULL: BW_SECHDR_REPORT_URI; a path or https URL */
};

/** What a response carries, which decides its CSP. */
enum bw_content_kind {
	BW_CONTENT_JSON,  /**< JSON and problem documents */
	BW_CONTENT_HTML,  /**< server-rendered pages: nonce policy */
	BW_CONTENT_OTHER, /**< anything else (files, text): the JSON policy */
};

struct bw_sechdr;

/**
 * bw_sechdr_new - check the settings and precompute every constant header.
 * cfg is borrowed for the call only. Caller frees with bw_sechdr_free.
 * BW_ERR_CONFIG when hsts_preload is set without hsts, when report_uri is
 * malformed, or when csp_report_only is malformed or weak (see csp.h);
 * BW_ERR_NOMEM when out of memory.
 */
BW_MUST_CHECK enum bw_err bw_sechdr_new(const struct bw_sechdr_config *cfg, struct bw_sechdr **out);

/** bw_sechdr_free - release; NULL is a no-op. Headers it produced die with it. */
void bw_sechdr_free(struct bw_sechdr *sh);

/**
 * bw_sechdr_apply - add the security headers for one response to out
 * (each replaces any header of that name already there). For
 * BW_CONTENT_HTML a fresh nonce is written to nonce_out (the value templates
 * put in nonce="" on <script> and <style>); for other kinds nonce_out may be
 * NULL, and is set to "" when it is not. The HTML policy value is allocated
 * from arena; every other value is owned by sh, so sh must outlive out.
 * BW_ERR_NOMEM when the arena is full, BW_ERR_LIMIT when out is full. On
 * error out may hold some of the headers: answer with a fresh list (a 500)
 * and apply again; never send a response whose apply failed.
 */
BW_MUST_CHECK enum bw_err bw_sechdr_apply(const struct bw_sechdr *sh, enum bw_content_kind kind,
                                          bool no_store, struct bw_arena *arena,
                                          struct bw_hdrs *out,
                                          char nonce_out[BW_SECHDR_NONCE_SIZE]);

/**
 * bw_sechdr_apply_nonce - like bw_sechdr_apply, with the HTML nonce given by
 * the caller (who made it with bw_random_token before rendering the page):
 * base64url, at least 22 characters (128 bits), else BW_ERR_INVALID. nonce
 * is ignored (may be NULL) for other kinds; it is borrowed and must outlive
 * out. Headers of the managed names already in out are replaced, never kept.
 */
BW_MUST_CHECK enum bw_err bw_sechdr_apply_nonce(const struct bw_sechdr *sh,
                                                enum bw_content_kind kind, bool no_store,
                                                struct bw_arena *arena, struct bw_hdrs *out,
                                                const char *nonce);

#ifdef __cplusplus
}
#endif
#endif
