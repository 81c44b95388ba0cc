/* test_sechdr.c — every security header, exact, for JSON, HTML and others. */
#include "bw_test.h"

#include <stdio.h>

#include "bulwark/csp.h"
#include "bulwark/sechdr.h"

#define PERMS                                                                                   \
	"accelerometer=(), autoplay=(), bluetooth=(), camera=(), display-capture=(), "          \
	"encrypted-media=(), fullscreen=(), geolocation=(), gyroscope=(), hid=(), "             \
	"idle-detection=(), magnetometer=(), microphone=(), midi=(), payment=(), "              \
	"picture-in-picture=(), publickey-credentials-get=(), screen-wake-lock=(), serial=(), " \
	"sync-xhr=(), usb=(), xr-spatial-tracking=()"
#define HSTS     "max-age=63072000; includeSubDomains"
#define CSP_JSON "default-src 'none'; frame-ancestors 'none'"

struct expect {
	const char *name;
	const char *value;
};

static struct bw_arena *arena;

static int setup_each(void **state)
{
	(void)state;
	arena = bw_arena_new(1 << 16);
	return arena == NULL;
}

static int teardown_each(void **state)
{
	(void)state;
	bw_arena_free(arena);
	return 0;
}

static struct bw_sechdr *make(const struct bw_sechdr_config *cfg)
{
	struct bw_sechdr *sh = NULL;

	assert_int_equal(bw_sechdr_new(cfg, &sh), BW_OK);
	assert_non_null(sh);
	return sh;
}

/* h holds exactly the expected headers, in order, each value valid. */
static void assert_headers(const struct bw_hdrs *h, const struct expect *e, size_t n)
{
	for (size_t i = 0; i < h->count && i < n; i++) {
		assert_string_equal(h->items[i].name, e[i].name);
		assert_string_equal(h->items[i].value, e[i].value);
		assert_true(bw_hdr_value_valid(bw_str_c(h->items[i].value)));
	}
	assert_int_equal(h->count, n);
}

/* The HTML policy for nonce n, reporting on or off. */
static const char *html_csp(const char *n, bool reporting)
{
	static char buf[1024];

	(void)snprintf(buf, sizeof(buf),
	               "default-src 'none'; script-src 'nonce-%.30s' 'strict-dynamic'; "
	               "style-src 'self' 'nonce-%.30s'; img-src 'self' data:; form-action 'self'; "
	               "frame-ancestors 'none'; base-uri 'none'; object-src 'none'%s",
	               n, n, reporting ? "; report-uri /v1/csp-reports; report-to csp" : "");
	return buf;
}

static void json_headers_exact(void **state)
{
	struct bw_sechdr_config cfg = {.hsts = true, .csp_reporting = true};
	struct bw_sechdr *sh = make(&cfg);
	struct bw_hdrs h;
	char nonce[BW_SECHDR_NONCE_SIZE] = "stale";
	const struct expect e[] = {
	        {"Strict-Transport-Security", HSTS},
	        {"Content-Security-Policy", CSP_JSON},
	        {"X-Content-Type-Options", "nosniff"},
	        {"X-Frame-Options", "DENY"},
	        {"Referrer-Policy", "same-origin"},
	        {"Cross-Origin-Opener-Policy", "same-origin"},
	        {"Cross-Origin-Resource-Policy", "same-origin"},
	        {"Permissions-Policy", PERMS},
	        {"Cache-Control", "no-store"},
	};

	(void)state;
	bw_hdrs_init(&h);
	assert_int_equal(bw_sechdr_apply(sh, BW_CONTENT_JSON, true, arena, &h, nonce), BW_OK);
	assert_headers(&h, e, 9);
	assert_string_equal(nonce, ""); /* no nonce outside HTML */
	/* the same without no-store, and for other content, no nonce buffer */
	bw_hdrs_init(&h);
	assert_int_equal(bw_sechdr_apply(sh, BW_CONTENT_OTHER, false, arena, &h, NULL), BW_OK);
	assert_headers(&h, e, 8);
	assert_null(bw_hdrs_get(&h, "Cache-Control"));
	assert_null(bw_hdrs_get(&h, "Reporting-Endpoints"));
	bw_sechdr_free(sh);
	bw_sechdr_free(NULL);
}

static void hsts_only_when_configured(void **state)
{
	struct bw_sechdr_config cfg = {0};
	struct bw_sechdr *sh = make(&cfg);
	struct bw_hdrs h;

	(void)state;
	bw_hdrs_init(&h);
	assert_int_equal(bw_sechdr_apply(sh, BW_CONTENT_JSON, false, arena, &h, NULL), BW_OK);
	assert_null(bw_hdrs_get(&h, "Strict-Transport-Security"));
	assert_string_equal(h.items[0].name, "Content-Security-Policy");
	assert_int_equal(h.count, 7);
	bw_sechdr_free(sh);

	cfg.hsts = true;
	cfg.hsts_preload = true;
	sh = make(&cfg);
	bw_hdrs_init(&h);
	assert_int_equal(bw_sechdr_apply(sh, BW_CONTENT_JSON, false, arena, &h, NULL), BW_OK);
	assert_string_equal(bw_hdrs_get(&h, "Strict-Transport-Security"), HSTS "; preload");
	bw_sechdr_free(sh);

	/* preload without HSTS is a contradiction, refused */
	cfg.hsts = false;
	sh = (struct bw_sechdr *)&cfg;
	assert_int_equal(bw_sechdr_new(&cfg, &sh), BW_ERR_CONFIG);
	assert_ptr_equal(sh, &cfg);
}

static void html_headers_exact(void **state)
{
	struct bw_sechdr_config cfg = {.hsts = true};
	struct bw_sechdr *sh = make(&cfg);
	struct bw_hdrs h;
	char nonce[BW_SECHDR_NONCE_SIZE];

	(void)state;
	bw_hdrs_init(&h);
	assert_int_equal(bw_sechdr_apply(sh, BW_CONTENT_HTML, true, arena, &h, nonce), BW_OK);
	{
		const struct expect e[] = {
		        {"Strict-Transport-Security", HSTS},
		        {"Content-Security-Policy", html_csp(nonce, false)},
		        {"X-Content-Type-Options", "nosniff"},
		        {"X-Frame-Options", "DENY"},
		        {"Referrer-Policy", "same-origin"},
		        {"Cross-Origin-Opener-Policy", "same-origin"},
		        {"Cross-Origin-Resource-Policy", "same-origin"},
		        {"Permissions-Policy", PERMS},
		        {"Cache-Control", "no-store"},
		};

		assert_headers(&h, e, 9);
	}
	/* our own parser accepts what we send */
	assert_int_equal(bw_csp_validate(bw_str_c(bw_hdrs_get(&h, "Content-Security-Policy")), 0),
	                 BW_OK);
	bw_sechdr_free(sh);
}

static void html_nonce_fresh_and_long(void **state)
{
	struct bw_sechdr_config cfg = {.hsts = true};
	struct bw_sechdr *sh = make(&cfg);
	static char seen[512][BW_SECHDR_NONCE_SIZE];

	(void)state;
	for (size_t i = 0; i < 512; i++) {
		struct bw_hdrs h;
		const char *csp;

		bw_hdrs_init(&h);
		assert_int_equal(bw_sechdr_apply(sh, BW_CONTENT_HTML, false, arena, &h, seen[i]),
		                 BW_OK);
		/* 18 random bytes: 24 base64url characters, 144 bits */
		assert_int_equal(strlen(seen[i]), 24);
		for (size_t k = 0; k < 24; k++) {
			char c = seen[i][k];

			assert_true((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			            (c >= '0' && c <= '9') || c == '-' || c == '_');
		}
		csp = bw_hdrs_get(&h, "Content-Security-Policy");
		assert_string_equal(csp, html_csp(seen[i], false));
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(seen[i], seen[j]);
		bw_arena_free(arena);
		arena = bw_arena_new(1 << 16);
		assert_non_null(arena);
	}
	bw_sechdr_free(sh);
}

static void reporting_on(void **state)
{
	struct bw_sechdr_config cfg = {.hsts = true, .csp_reporting = true};
	struct bw_sechdr *sh = make(&cfg);
	struct bw_hdrs h;
	char nonce[BW_SECHDR_NONCE_SIZE];

	(void)state;
	bw_hdrs_init(&h);
	assert_int_equal(bw_sechdr_apply(sh, BW_CONTENT_HTML, false, arena, &h, nonce), BW_OK);
	{
		const struct expect e[] = {
		        {"Strict-Transport-Security", HSTS},
		        {"Content-Security-Policy", html_csp(nonce, true)},
		        {"Reporting-Endpoints", "csp=\"/v1/csp-reports\""},
		        {"X-Content-Type-Options", "nosniff"},
		        {"X-Frame-Options", "DENY"},
		        {"Referrer-Policy", "same-origin"},
		        {"Cross-Origin-Opener-Policy", "same-origin"},
		        {"Cross-Origin-Resource-Policy", "same-origin"},
		        {"Permissions-Policy", PERMS},
		};

		assert_headers(&h, e, 9);
	}
	bw_sechdr_free(sh);

	/* another report address, absolute */
	cfg.report_uri = "https://reports.example.com/csp";
	sh = make(&cfg);
	bw_hdrs_init(&h);
	assert_int_equal(bw_sechdr_apply(sh, BW_CONTENT_HTML, false, arena, &h, nonce), BW_OK);
	assert_string_equal(bw_hdrs_get(&h, "Reporting-Endpoints"),
	                    "csp=\"https://reports.example.com/csp\"");
	assert_non_null(strstr(bw_hdrs_get(&h, "Content-Security-Policy"),
	                       "; report-uri https://reports.example.com/csp; report-to csp"));
	bw_sechdr_free(sh);
}

static void report_uri_refused_when_bad(void **state)
{
	static const char *const bad[] = {
	        "",
	        "//evil.example/x",
	        "javascript:alert(1)",
	        "http://reports.example.com/csp",
	        "/x\"; y=\"z",
	        "/x\\y",
	        "/x y",
	        "/x\r\nSet-Cookie: a=b",
	        "/x;script-src *",
	        "/x,y",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct bw_sechdr_config cfg = {.csp_reporting = true, .report_uri = bad[i]};
		struct bw_sechdr *sh = NULL;

		if (bw_sechdr_new(&cfg, &sh) != BW_ERR_CONFIG)
			fail_msg("report_uri %zu accepted", i);
		assert_null(sh);
	}
}

static void report_only_candidate(void **state)
{
	struct bw_sechdr_config cfg = {
	        .hsts = true,
	        .csp_reporting = true,
	        .csp_report_only = "default-src 'none';  require-trusted-types-for 'script';",
	};
	struct bw_sechdr *sh = make(&cfg);
	struct bw_hdrs h;
	char nonce[BW_SECHDR_NONCE_SIZE];

	(void)state;
	bw_hdrs_init(&h);
	assert_int_equal(bw_sechdr_apply(sh, BW_CONTENT_HTML, false, arena, &h, nonce), BW_OK);
	assert_string_equal(h.items[2].name, "Content-Security-Policy-Report-Only");
	assert_string_equal(h.items[2].value,
	                    "default-src 'none'; require-trusted-types-for 'script'; "
	                    "report-uri /v1/csp-reports; report-to csp");
	assert_int_equal(h.count, 10);
	/* JSON's own policy is stricter than any candidate: none there */
	bw_hdrs_init(&h);
	assert_int_equal(bw_sechdr_apply(sh, BW_CONTENT_JSON, false, arena, &h, NULL), BW_OK);
	assert_null(bw_hdrs_get(&h, "Content-Security-Policy-Report-Only"));
	bw_sechdr_free(sh);

	/* its own reporting is kept; no reporting, nothing added */
	cfg.csp_report_only = "default-src 'self'; report-to other";
	sh = make(&cfg);
	bw_hdrs_init(&h);
	assert_int_equal(bw_sechdr_apply(sh, BW_CONTENT_HTML, false, arena, &h, nonce), BW_OK);
	assert_string_equal(bw_hdrs_get(&h, "Content-Security-Policy-Report-Only"),
	                    "default-src 'self'; report-to other");
	bw_sechdr_free(sh);
	cfg.csp_reporting = false;
	cfg.csp_report_only = "default-src 'self'";
	sh = make(&cfg);
	bw_hdrs_init(&h);
	assert_int_equal(bw_sechdr_apply(sh, BW_CONTENT_HTML, false, arena, &h, nonce), BW_OK);
	assert_string_equal(bw_hdrs_get(&h, "Content-Security-Policy-Report-Only"),
	                    "default-src 'self'");
	assert_null(bw_hdrs_get(&h, "Reporting-Endpoints"));
	assert_null(strstr(bw_hdrs_get(&h, "Content-Security-Policy"), "report"));
	bw_sechdr_free(sh);
	/* an empty string means none */
	cfg.csp_report_only = "";
	sh = make(&cfg);
	bw_hdrs_init(&h);
	assert_int_equal(bw_sechdr_apply(sh, BW_CONTENT_HTML, false, arena, &h, nonce), BW_OK);
	assert_null(bw_hdrs_get(&h, "Content-Security-Policy-Report-Only"));
	bw_sechdr_free(sh);
}

static void report_only_refused_when_weak(void **state)
{
	static const char *const bad[] = {
	        "script-src 'self' 'unsafe-inline'",
	        "script-src 'self' 'unsafe-eval'",
	        "default-src *",
	        "default-src 'self'; img-src https://*.example.com",
	        "script-src 'self' data:",
	        "script-src 'nonce-abcdefghijklmnopqrstuvwx'", /* a fixed nonce */
	        "script-src 'self'; report-uri x\r\nSet-Cookie: a=b",
	        "script-src 'self', script-src *",
	        "script-src 'self'; script-src *",
	        "no-such-directive 'self'",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct bw_sechdr_config cfg = {.hsts = true, .csp_report_only = bad[i]};
		struct bw_sechdr *sh = NULL;

		if (bw_sechdr_new(&cfg, &sh) != BW_ERR_CONFIG)
			fail_msg("report-only %zu accepted", i);
		assert_null(sh);
	}
}

static void handler_headers_are_overridden(void **state)
{
	struct bw_sechdr_config cfg = {.hsts = true};
	struct bw_sechdr *sh = make(&cfg);
	struct bw_hdrs h;

	(void)state;
	bw_hdrs_init(&h);
	assert_int_equal(bw_hdrs_add(&h, "Content-Type", "application/problem+json"), BW_OK);
	assert_int_equal(bw_hdrs_add(&h, "content-security-policy", "default-src *"), BW_OK);
	assert_int_equal(bw_hdrs_add(&h, "X-Frame-Options", "ALLOWALL"), BW_OK);
	assert_int_equal(bw_hdrs_add(&h, "X-Frame-Options", "SAMEORIGIN"), BW_OK);
	assert_int_equal(bw_hdrs_add(&h, "Cache-Control", "public, max-age=3600"), BW_OK);
	assert_int_equal(bw_hdrs_add(&h, "Strict-Transport-Security", "max-age=0"), BW_OK);
	assert_int_equal(bw_sechdr_apply(sh, BW_CONTENT_JSON, true, arena, &h, NULL), BW_OK);
	assert_int_equal(h.count, 10);
	assert_string_equal(h.items[0].value, "application/problem+json");
	assert_string_equal(bw_hdrs_get(&h, "Content-Security-Policy"), CSP_JSON);
	assert_string_equal(bw_hdrs_get(&h, "X-Frame-Options"), "DENY");
	assert_string_equal(bw_hdrs_get(&h, "Cache-Control"), "no-store");
	assert_string_equal(bw_hdrs_get(&h, "Strict-Transport-Security"), HSTS);
	for (size_t i = 0; i < h.count; i++)
		if (strcmp(h.items[i].name, "X-Frame-Options") == 0)
			assert_string_equal(h.items[i].value, "DENY");
	/* without no_store a handler's own caching stays */
	bw_hdrs_init(&h);
	assert_int_equal(bw_hdrs_add(&h, "Cache-Control", "public, max-age=3600"), BW_OK);
	assert_int_equal(bw_sechdr_apply(sh, BW_CONTENT_OTHER, false, arena, &h, NULL), BW_OK);
	assert_string_equal(bw_hdrs_get(&h, "Cache-Control"), "public, max-age=3600");
	bw_sechdr_free(sh);
}

static void errors_are_reported(void **state)
{
	struct bw_sechdr_config cfg = {.hsts = true};
	struct bw_sechdr *sh = make(&cfg);
	struct bw_hdrs h;
	struct bw_arena *tiny = bw_arena_new(16);
	char nonce[BW_SECHDR_NONCE_SIZE];

	(void)state;
	/* a full list: an error, never a silently missing header */
	bw_hdrs_init(&h);
	while (h.count < BW_HDRS_MAX - 3)
		assert_int_equal(bw_hdrs_add(&h, "X-Filler", "x"), BW_OK);
	assert_int_equal(bw_sechdr_apply(sh, BW_CONTENT_HTML, false, arena, &h, nonce),
	                 BW_ERR_LIMIT);
	assert_string_equal(nonce, "");
	/* an arena too small for the HTML policy */
	bw_hdrs_init(&h);
	assert_int_equal(bw_sechdr_apply(sh, BW_CONTENT_HTML, false, tiny, &h, nonce),
	                 BW_ERR_NOMEM);
	assert_string_equal(nonce, "");
	assert_int_equal(h.count, 0);
	/* JSON needs no arena space */
	assert_int_equal(bw_sechdr_apply(sh, BW_CONTENT_JSON, false, tiny, &h, nonce), BW_OK);
	bw_arena_free(tiny);
	bw_sechdr_free(sh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(json_headers_exact, setup_each, teardown_each),
	        cmocka_unit_test_setup_teardown(hsts_only_when_configured, setup_each,
	                                        teardown_each),
	        cmocka_unit_test_setup_teardown(html_headers_exact, setup_each, teardown_each),
	        cmocka_unit_test_setup_teardown(html_nonce_fresh_and_long, setup_each,
	                                        teardown_each),
	        cmocka_unit_test_setup_teardown(reporting_on, setup_each, teardown_each),
	        cmocka_unit_test_setup_teardown(report_uri_refused_when_bad, setup_each,
	                                        teardown_each),
	        cmocka_unit_test_setup_teardown(report_only_candidate, setup_each, teardown_each),
	        cmocka_unit_test_setup_teardown(report_only_refused_when_weak, setup_each,
	                                        teardown_each),
	        cmocka_unit_test_setup_teardown(handler_headers_are_overridden, setup_each,
	                                        teardown_each),
	        cmocka_unit_test_setup_teardown(errors_are_reported, setup_each, teardown_each),
	};

	if (bw_init() != BW_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
