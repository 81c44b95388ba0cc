/*
 * sechdr.c — security headers, precomputed once, applied per response.
 *
 * Every value except the HTML policy is a constant computed in
 * bw_sechdr_new. The HTML policy is three precomputed pieces with the
 * response's nonce spliced in twice, so a response costs one arena
 * allocation and 18 random bytes. bw_sechdr_new checks its own HTML policy
 * with the CSP parser, so a later edit here cannot ship a policy the
 * validator would refuse.
 */
#include "bulwark/sechdr.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bulwark/csp.h"
#include "bulwark/random.h"

#define SECHDR_ARENA_CAP (64u * 1024u)

#define HSTS         "max-age=63072000; includeSubDomains"
#define HSTS_PRELOAD "max-age=63072000; includeSubDomains; preload"
#define CSP_JSON     "default-src 'none'; frame-ancestors 'none'"
#define CSP_HTML_1   "default-src 'none'; script-src 'nonce-"
#define CSP_HTML_2   "' 'strict-dynamic'; style-src 'self' 'nonce-"
#define CSP_HTML_3                                                                               \
	"'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; " \
	"object-src 'none'"

/* Powerful features, all denied to every origin (the pages need none of them). */
#define PERMISSIONS_POLICY                                                                      \
	"accelerometer=(), autoplay=(), bluetooth=(), camera=(), display-capture=(), "          \
	"encrypted-media=(), fullscreen=(), geolocation=(), gyroscope=(), hid=(), "             \
	"idle-detection=(), magnetometer=(), microphone=(), midi=(), payment=(), "              \
	"picture-in-picture=(), publickey-credentials-get=(), screen-wake-lock=(), serial=(), " \
	"sync-xhr=(), usb=(), xr-spatial-tracking=()"

struct bw_sechdr {
	struct bw_arena *arena;          /* owns the computed strings below */
	const char *hsts;                /* NULL when off */
	const char *html_tail;           /* CSP_HTML_3 plus the reporting directives */
	size_t html_tail_len;            /* strlen(html_tail) */
	const char *report_only;         /* NULL when none */
	const char *reporting_endpoints; /* NULL when reporting is off */
};

/* "; report-uri U; report-to csp" appended to base, arena-owned. */
static char *with_reporting(struct bw_arena *a, const char *base, const char *uri)
{
	static const char mid[] = "; report-uri ";
	static const char end[] = "; report-to " BW_SECHDR_REPORT_GROUP;
	size_t lb = strlen(base), lu = strlen(uri);
	char *s = bw_arena_alloc(a, lb + sizeof(mid) - 1 + lu + sizeof(end));

	if (s == NULL)
		return NULL;
	memcpy(s, base, lb);
	memcpy(s + lb, mid, sizeof(mid) - 1);
	memcpy(s + lb + sizeof(mid) - 1, uri, lu);
	memcpy(s + lb + sizeof(mid) - 1 + lu, end, sizeof(end)); /* with the NUL */
	return s;
}

/* The HTML policy with nonce n, arena-owned. */
static char *html_policy(struct bw_arena *a, const struct bw_sechdr *sh, const char *n)
{
	size_t ln = strlen(n), l1 = sizeof(CSP_HTML_1) - 1, l2 = sizeof(CSP_HTML_2) - 1;
	char *s = bw_arena_alloc(a, l1 + ln + l2 + ln + sh->html_tail_len + 1);
	char *p = s;

	if (s == NULL)
		return NULL;
	memcpy(p, CSP_HTML_1, l1);
	p += l1;
	memcpy(p, n, ln);
	p += ln;
	memcpy(p, CSP_HTML_2, l2);
	p += l2;
	memcpy(p, n, ln);
	p += ln;
	memcpy(p, sh->html_tail, sh->html_tail_len + 1);
	return s;
}

/* Check report_uri as the CSP parser would see it; BW_ERR_CONFIG if refused. */
static enum bw_err check_report_uri(const char *uri)
{
	struct bw_csp *csp = NULL;
	enum bw_err rc = bw_csp_new(&csp);

	if (rc == BW_OK)
		rc = bw_csp_add(csp, "report-uri", uri);
	bw_csp_free(csp);
	if (rc != BW_OK && rc != BW_ERR_NOMEM)
		rc = BW_ERR_CONFIG;
	return rc;
}

/* Parse, check and serialise the report-only candidate into sh->arena. */
static enum bw_err build_report_only(struct bw_sechdr *sh, const struct bw_sechdr_config *cfg,
                                     const char *uri)
{
	struct bw_csp *csp = NULL;
	enum bw_err rc;

	rc = bw_csp_parse(bw_str_c(cfg->csp_report_only), BW_CSP_STATIC, &csp);
	if (rc != BW_OK)
		return rc == BW_ERR_NOMEM ? rc : BW_ERR_CONFIG;
	if (cfg->csp_reporting && !bw_csp_has(csp, "report-uri") && !bw_csp_has(csp, "report-to")) {
		rc = bw_csp_add(csp, "report-uri", uri);
		if (rc == BW_OK)
			rc = bw_csp_add(csp, "report-to", BW_SECHDR_REPORT_GROUP);
		if (rc != BW_OK)
			goto out;
	}
	rc = bw_csp_serialize(csp, sh->arena, &sh->report_only);
	if (rc == BW_ERR_LIMIT || rc == BW_ERR_INVALID)
		rc = BW_ERR_CONFIG;
out:
	bw_csp_free(csp);
	return rc;
}

/* Our own policies must pass our own validator. */
static enum bw_err self_check(const struct bw_sechdr *sh)
{
	char nonce[BW_SECHDR_NONCE_SIZE];
	struct bw_arena *a = bw_arena_new(8192);
	const char *p;
	enum bw_err rc = BW_ERR_NOMEM;

	if (a == NULL)
		return BW_ERR_NOMEM;
	memset(nonce, 'A', BW_SECHDR_NONCE_SIZE - 1);
	nonce[BW_SECHDR_NONCE_SIZE - 1] = '\0';
	p = html_policy(a, sh, nonce);
	if (p == NULL)
		goto out;
	rc = bw_csp_validate(bw_str_c(p), 0);
	if (rc == BW_OK)
		rc = bw_csp_validate(BW_STR(CSP_JSON), BW_CSP_STATIC);
	if (rc != BW_OK && rc != BW_ERR_NOMEM)
		rc = BW_ERR_INTERNAL;
out:
	bw_arena_free(a);
	return rc;
}

enum bw_err bw_sechdr_new(const struct bw_sechdr_config *cfg, struct bw_sechdr **out)
{
	struct bw_sechdr *sh = NULL;
	const char *uri;
	enum bw_err rc = BW_OK;

	BW_REQUIRE(cfg != NULL && out != NULL);
	if (cfg->hsts_preload && !cfg->hsts)
		return BW_ERR_CONFIG;
	uri = cfg->report_uri != NULL ? cfg->report_uri : BW_SECHDR_REPORT_URI;
	rc = check_report_uri(uri);
	if (rc != BW_OK)
		return rc;
	sh = calloc(1, sizeof(*sh));
	if (sh == NULL)
		return BW_ERR_NOMEM;
	sh->arena = bw_arena_new(SECHDR_ARENA_CAP);
	if (sh->arena == NULL) {
		rc = BW_ERR_NOMEM;
		goto out;
	}
	if (cfg->hsts)
		sh->hsts = cfg->hsts_preload ? HSTS_PRELOAD : HSTS;
	sh->html_tail = CSP_HTML_3;
	if (cfg->csp_reporting) {
		static const char q1[] = BW_SECHDR_REPORT_GROUP "=\"";
		size_t lu = strlen(uri);
		char *re;

		sh->html_tail = with_reporting(sh->arena, CSP_HTML_3, uri);
		/* Reporting-Endpoints: csp="U" (U has no '"' or '\': check_report_uri) */
		re = bw_arena_alloc(sh->arena, sizeof(q1) - 1 + lu + 2);
		if (sh->html_tail == NULL || re == NULL) {
			rc = BW_ERR_NOMEM;
			goto out;
		}
		memcpy(re, q1, sizeof(q1) - 1);
		memcpy(re + sizeof(q1) - 1, uri, lu);
		memcpy(re + sizeof(q1) - 1 + lu, "\"", 2);
		sh->reporting_endpoints = re;
	}
	sh->html_tail_len = strlen(sh->html_tail);
	if (cfg->csp_report_only != NULL && cfg->csp_report_only[0] != '\0') {
		rc = build_report_only(sh, cfg, uri);
		if (rc != BW_OK)
			goto out;
	}
	rc = self_check(sh);
out:
	if (rc != BW_OK) {
		bw_sechdr_free(sh);
		return rc;
	}
	*out = sh;
	return BW_OK;
}

void bw_sechdr_free(struct bw_sechdr *sh)
{
	if (sh == NULL)
		return;
	bw_arena_free(sh->arena);
	free(sh);
}

/* The headers this module owns: whatever a handler set under these names is
 * dropped before ours go on, so a handler can never weaken them. */
static const char *const managed[] = {
        "Strict-Transport-Security",
        "Content-Security-Policy",
        "Content-Security-Policy-Report-Only",
        "Reporting-Endpoints",
        "X-Content-Type-Options",
        "X-Frame-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Cross-Origin-Resource-Policy",
        "Permissions-Policy",
};

static bool is_managed(const char *name, bool no_store)
{
	for (size_t i = 0; i < sizeof(managed) / sizeof(managed[0]); i++)
		if (strcasecmp(name, managed[i]) == 0)
			return true;
	return no_store && strcasecmp(name, "Cache-Control") == 0;
}

/* A nonce we accept from the caller: base64url, 128 bits or more. */
static bool nonce_ok(const char *n)
{
	size_t len = strlen(n);

	if (len < 22 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)n[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

/* Append without re-checking: every value here was checked in bw_sechdr_new
 * (or is built from a checked nonce), and the caller made room. */
static void put(struct bw_hdrs *out, const char *name, const char *value)
{
	out->items[out->count].name = name;
	out->items[out->count].value = value;
	out->count++;
}

enum bw_err bw_sechdr_apply_nonce(const struct bw_sechdr *sh, enum bw_content_kind kind,
                                  bool no_store, struct bw_arena *arena, struct bw_hdrs *out,
                                  const char *nonce)
{
	const char *csp = CSP_JSON;
	bool html = kind == BW_CONTENT_HTML;
	size_t w = 0, need;

	BW_REQUIRE(sh != NULL && arena != NULL && out != NULL);
	BW_REQUIRE(kind == BW_CONTENT_JSON || kind == BW_CONTENT_HTML || kind == BW_CONTENT_OTHER);
	BW_REQUIRE(!html || nonce != NULL);
	if (html) {
		if (!nonce_ok(nonce))
			return BW_ERR_INVALID;
		csp = html_policy(arena, sh, nonce);
		if (csp == NULL)
			return BW_ERR_NOMEM;
	}
	for (size_t r = 0; r < out->count; r++)
		if (!is_managed(out->items[r].name, no_store))
			out->items[w++] = out->items[r];
	out->count = w;
	need = 8 + (sh->hsts != NULL) + (no_store ? 1 : 0) +
	       (html ? (sh->report_only != NULL) + (sh->reporting_endpoints != NULL) : 0);
	if (out->count + need > BW_HDRS_MAX)
		return BW_ERR_LIMIT;
	if (sh->hsts != NULL)
		put(out, "Strict-Transport-Security", sh->hsts);
	put(out, "Content-Security-Policy", csp);
	if (html && sh->report_only != NULL)
		put(out, "Content-Security-Policy-Report-Only", sh->report_only);
	if (html && sh->reporting_endpoints != NULL)
		put(out, "Reporting-Endpoints", sh->reporting_endpoints);
	put(out, "X-Content-Type-Options", "nosniff");
	put(out, "X-Frame-Options", "DENY");
	put(out, "Referrer-Policy", "same-origin");
	put(out, "Cross-Origin-Opener-Policy", "same-origin");
	put(out, "Cross-Origin-Resource-Policy", "same-origin");
	put(out, "Permissions-Policy", PERMISSIONS_POLICY);
	if (no_store)
		put(out, "Cache-Control", "no-store");
	return BW_OK;
}

enum bw_err bw_sechdr_apply(const struct bw_sechdr *sh, enum bw_content_kind kind, bool no_store,
                            struct bw_arena *arena, struct bw_hdrs *out,
                            char nonce_out[BW_SECHDR_NONCE_SIZE])
{
	enum bw_err rc = BW_OK;

	BW_REQUIRE(kind != BW_CONTENT_HTML || nonce_out != NULL);
	if (nonce_out != NULL)
		nonce_out[0] = '\0';
	if (kind == BW_CONTENT_HTML)
		rc = bw_random_token(BW_SECHDR_NONCE_BYTES, nonce_out, BW_SECHDR_NONCE_SIZE);
	if (rc == BW_OK)
		rc = bw_sechdr_apply_nonce(sh, kind, no_store, arena, out,
		                           kind == BW_CONTENT_HTML ? nonce_out : NULL);
	if (rc != BW_OK && nonce_out != NULL)
		nonce_out[0] = '\0';
	return rc;
}
