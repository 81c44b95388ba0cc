/* test_csp.c — the CSP builder and the strict policy parser, attacked. */
#include "bw_test.h"

#include <stdio.h>

#include "bulwark/csp.h"

#define HTML_POLICY                                                                          \
	"default-src 'none'; script-src 'nonce-AAAAAAAAAAAAAAAAAAAAAAAA' 'strict-dynamic'; " \
	"style-src 'self' 'nonce-AAAAAAAAAAAAAAAAAAAAAAAA'; img-src 'self' data:; "          \
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

static struct bw_arena *arena;

static int setup(void **state)
{
	(void)state;
	arena = bw_arena_new(1 << 20);
	return arena == NULL;
}

static int teardown(void **state)
{
	(void)state;
	bw_arena_free(arena);
	return 0;
}

static struct bw_csp *new_csp(void)
{
	struct bw_csp *c = NULL;

	assert_int_equal(bw_csp_new(&c), BW_OK);
	assert_non_null(c);
	return c;
}

static const char *ser(const struct bw_csp *c)
{
	const char *s = NULL;

	assert_int_equal(bw_csp_serialize(c, arena, &s), BW_OK);
	assert_non_null(s);
	return s;
}

static void builder_serialises_in_order(void **state)
{
	struct bw_csp *c = new_csp();

	(void)state;
	assert_int_equal(bw_csp_add(c, "default-src", "'none'"), BW_OK);
	assert_int_equal(bw_csp_add(c, "script-src", "'self'"), BW_OK);
	assert_int_equal(bw_csp_add(c, "script-src", "https://cdn.example.com/lib/"), BW_OK);
	assert_int_equal(bw_csp_add(c, "img-src", "data:"), BW_OK);
	assert_int_equal(bw_csp_add(c, "script-src", "'self'"), BW_OK); /* kept once */
	assert_int_equal(bw_csp_add(c, "upgrade-insecure-requests", NULL), BW_OK);
	assert_int_equal(bw_csp_add(c, "report-uri", "/v1/csp-reports"), BW_OK);
	assert_int_equal(bw_csp_add(c, "report-to", "csp"), BW_OK);
	assert_int_equal(bw_csp_add(c, "sandbox", "allow-forms"), BW_OK);
	assert_string_equal(ser(c), "default-src 'none'; script-src 'self' "
	                            "https://cdn.example.com/lib/; img-src data:; "
	                            "upgrade-insecure-requests; report-uri /v1/csp-reports; "
	                            "report-to csp; sandbox allow-forms");
	assert_true(bw_csp_has(c, "img-src"));
	assert_false(bw_csp_has(c, "font-src"));
	assert_false(bw_csp_has(c, "no-such-directive"));
	/* what the builder makes, the parser takes */
	assert_int_equal(bw_csp_validate(bw_str_c(ser(c)), BW_CSP_STATIC), BW_OK);
	bw_csp_free(c);
	bw_csp_free(NULL);
}

static void builder_nonce(void **state)
{
	struct bw_csp *c = new_csp();

	(void)state;
	assert_int_equal(bw_csp_add_nonce(c, "script-src", "abcdefghijklmnopqrstuv"), BW_OK);
	assert_int_equal(bw_csp_add_nonce(c, "style-src", "abc-_+/ABCDEFGHIJKLMNOP=="), BW_OK);
	assert_string_equal(ser(c), "script-src 'nonce-abcdefghijklmnopqrstuv'; "
	                            "style-src 'nonce-abc-_+/ABCDEFGHIJKLMNOP=='");
	/* under 128 bits */
	assert_int_equal(bw_csp_add_nonce(c, "script-src", "abcdefghijklmnopqrstu"), BW_ERR_DENIED);
	/* not base64, or a quote that would close the keyword early */
	assert_int_equal(bw_csp_add_nonce(c, "script-src", "abcdefghijklmnopqrstu!"),
	                 BW_ERR_INVALID);
	assert_int_equal(bw_csp_add_nonce(c, "script-src", "abcdefghijk' 'unsafe-inline"),
	                 BW_ERR_INVALID);
	assert_int_equal(bw_csp_add_nonce(c, "script-src", "abcdefghijklmnopqrstuv=a"),
	                 BW_ERR_INVALID);
	assert_int_equal(bw_csp_add_nonce(c, "script-src", "abcdefghijklmnopqrstuv==="),
	                 BW_ERR_INVALID);
	/* nonces only where they mean something */
	assert_int_equal(bw_csp_add_nonce(c, "img-src", "abcdefghijklmnopqrstuv"), BW_ERR_INVALID);
	assert_int_equal(bw_csp_add_nonce(c, "frame-ancestors", "abcdefghijklmnopqrstuv"),
	                 BW_ERR_INVALID);
	{
		char big[BW_CSP_NONCE_MAX + 2];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		assert_int_equal(bw_csp_add_nonce(c, "script-src", big), BW_ERR_INVALID);
		big[BW_CSP_NONCE_MAX] = '\0';
		assert_int_equal(bw_csp_add_nonce(c, "script-src", big), BW_OK);
	}
	bw_csp_free(c);
}

static void builder_hash(void **state)
{
	struct bw_csp *c = new_csp();

	(void)state;
	assert_int_equal(bw_csp_add_hash(c, "script-src", "alert(1)", 8), BW_OK);
	assert_int_equal(bw_csp_add_hash(c, "style-src", NULL, 0), BW_OK);
	assert_string_equal(ser(c),
	                    "script-src 'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='; "
	                    "style-src 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
	assert_int_equal(bw_csp_add_hash(c, "img-src", "x", 1), BW_ERR_INVALID);
	assert_int_equal(bw_csp_add_hash(c, "script-src-attr", "x", 1), BW_ERR_INVALID);
	bw_csp_free(c);
}

static void builder_refuses_weak_sources(void **state)
{
	static const char *const weak[][2] = {
	        {"script-src", "'unsafe-inline'"},
	        {"script-src", "'unsafe-eval'"},
	        {"style-src", "'unsafe-inline'"},
	        {"default-src", "'unsafe-hashes'"},
	        {"script-src", "'wasm-unsafe-eval'"},
	        {"script-src", "'unsafe-anything-new'"},
	        {"script-src", "*"},
	        {"img-src", "*"},
	        {"script-src", "https://*.example.com"},
	        {"script-src", "*.example.com"},
	        {"script-src", "https://cdn.example.com:*"},
	        {"script-src", "https://cdn.example.com/*"},
	        {"script-src", "data:"},
	        {"default-src", "data:"},
	        {"object-src", "data:"},
	        {"script-src", "https:"},
	        {"connect-src", "https:"},
	        {"script-src", "blob:"},
	        {"script-src", "javascript:"},
	        {"script-src", "http://cdn.example.com"},
	        {"connect-src", "ws://api.example.com"},
	        {"frame-ancestors", "*"},
	        {"frame-ancestors", "'unsafe-inline'"},
	};
	struct bw_csp *c = new_csp();

	(void)state;
	for (size_t i = 0; i < sizeof(weak) / sizeof(weak[0]); i++) {
		assert_int_equal(bw_csp_add(c, weak[i][0], weak[i][1]), BW_ERR_DENIED);
		/* a refused first value leaves no empty directive behind */
		assert_false(bw_csp_has(c, weak[i][0]));
	}
	assert_int_equal(bw_csp_add(c, "sandbox", "allow-scripts"), BW_OK);
	assert_int_equal(bw_csp_add(c, "sandbox", "allow-same-origin"), BW_ERR_DENIED);
	assert_string_equal(ser(c), "sandbox allow-scripts");
	bw_csp_free(c);
	c = new_csp();
	assert_int_equal(bw_csp_add(c, "sandbox", "allow-same-origin"), BW_OK);
	assert_int_equal(bw_csp_add(c, "sandbox", "allow-scripts"), BW_ERR_DENIED);
	bw_csp_free(c);
}

static void builder_refuses_malformed(void **state)
{
	static const char *const bad[][2] = {
	        {"script-src", "'self' 'unsafe-inline'"}, /* two tokens in one */
	        {"script-src", "'self';script-src"},
	        {"script-src", "'self'\r\nSet-Cookie: a=b"},
	        {"script-src", "x,y"},
	        {"script-src", ""},
	        {"script-src", "'self"},
	        {"script-src", "'selfish'"},
	        {"script-src", "'sha256-abc'"},
	        {"script-src", "https://"},
	        {"script-src", "https://exa mple.com"},
	        {"script-src", "https://EXAMPLE.com"},
	        {"script-src", "https://example..com"},
	        {"script-src", "https://example.com:0"},
	        {"script-src", "https://example.com:65536"},
	        {"script-src", "https://example.com:080"},
	        {"script-src", "https://example.com/a\"b"},
	        {"script-src", "https://example.com/%zz"},
	        {"script-src", "https://example.com/a'b"},
	        {"script-src", "caf\xc3\xa9.example.com"},
	        {"img-src", "'strict-dynamic'"},
	        {"frame-ancestors", "'strict-dynamic'"},
	        {"report-uri", "//evil.example/x"},
	        {"report-uri", "javascript:alert(1)"},
	        {"report-uri", "https://evil.example"},
	        {"report-uri", "x"},
	        {"report-to", "a.b"},
	        {"require-trusted-types-for", "'self'"},
	        {"sandbox", "allow-everything"},
	        {"upgrade-insecure-requests", "'self'"},
	        {"no-such-src", "'self'"},
	        {"Script-Src", "'self'"},
	        {"script-src ", "'self'"},
	};
	struct bw_csp *c = new_csp();

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(bw_csp_add(c, bad[i][0], bad[i][1]), BW_ERR_INVALID);
	assert_int_equal(bw_csp_add(c, "script-src", NULL), BW_ERR_INVALID);
	/* 'none' stands alone, whichever comes first */
	assert_int_equal(bw_csp_add(c, "img-src", "'none'"), BW_OK);
	assert_int_equal(bw_csp_add(c, "img-src", "'self'"), BW_ERR_INVALID);
	assert_int_equal(bw_csp_add(c, "font-src", "'self'"), BW_OK);
	assert_int_equal(bw_csp_add(c, "font-src", "'none'"), BW_ERR_INVALID);
	assert_int_equal(bw_csp_add(c, "report-to", "a"), BW_OK);
	assert_int_equal(bw_csp_add(c, "report-to", "b"), BW_ERR_INVALID);
	assert_string_equal(ser(c), "img-src 'none'; font-src 'self'; report-to a");
	bw_csp_free(c);
}

static void builder_limits(void **state)
{
	struct bw_csp *c = new_csp();
	char src[64];
	const char *s = NULL;
	size_t i;
	enum bw_err rc = BW_OK;

	(void)state;
	for (i = 0; i < BW_CSP_MAX_SOURCES; i++) {
		(void)snprintf(src, sizeof(src), "h%zu.example.com", i);
		assert_int_equal(bw_csp_add(c, "connect-src", src), BW_OK);
	}
	assert_int_equal(bw_csp_add(c, "connect-src", "one-more.example.com"), BW_ERR_LIMIT);
	/* fill other directives until the whole policy passes the length cap */
	static const char *const dirs[] = {"img-src",   "font-src",   "media-src",   "frame-src",
	                                   "child-src", "worker-src", "manifest-src"};
	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++)
		for (i = 0; i < BW_CSP_MAX_SOURCES && rc == BW_OK; i++) {
			(void)snprintf(src, sizeof(src), "host-number-%zu.example.com", i);
			rc = bw_csp_add(c, dirs[d], src);
		}
	assert_int_equal(rc, BW_OK);
	assert_int_equal(bw_csp_serialize(c, arena, &s), BW_ERR_LIMIT);
	bw_csp_free(c);

	c = new_csp();
	assert_int_equal(bw_csp_serialize(c, arena, &s), BW_ERR_INVALID); /* empty */
	assert_int_equal(bw_csp_add(c, "default-src", "'self'"), BW_OK);
	{
		struct bw_arena *tiny = bw_arena_new(8);

		assert_int_equal(bw_csp_serialize(c, tiny, &s), BW_ERR_NOMEM);
		bw_arena_free(tiny);
	}
	bw_csp_free(c);
}

static void parse_accepts_strict_policies(void **state)
{
	struct bw_csp *c = NULL;

	(void)state;
	assert_int_equal(bw_csp_validate(BW_STR(HTML_POLICY), 0), BW_OK);
	assert_int_equal(bw_csp_validate(BW_STR("default-src 'none'; frame-ancestors 'none'"),
	                                 BW_CSP_STATIC),
	                 BW_OK);
	assert_int_equal(bw_csp_validate(BW_STR("default-src 'self';"), 0), BW_OK);
	assert_int_equal(bw_csp_validate(BW_STR("  default-src\t'self'   ;  img-src 'self' ; "), 0),
	                 BW_OK);
	assert_int_equal(
	        bw_csp_validate(
	                BW_STR("script-src "
	                       "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI=' "
	                       "'sha384-11LCxR+6DimqGQVwqdQlPkQHegWNMpf6OlYw1b0BJiL5fCisrtMTtc"
	                       "g7uZDKp9qF' 'sha512-pKvURIxJVi2CgRXROh/M6pJ/UrTVRZKX+LQ+Qtq"
	                       "JI4vBNibkPcs43bCCSIkn7JBPtCBXRDmD6IWFF51QVRr+Yg==' "
	                       "'report-sample'; require-trusted-types-for 'script'; "
	                       "sandbox; upgrade-insecure-requests; report-uri "
	                       "https://reports.example.com/csp?x=1 /v1/csp-reports"),
	                BW_CSP_STATIC),
	        BW_OK);
	/* parse then serialise gives the canonical spelling */
	assert_int_equal(bw_csp_parse(BW_STR(" default-src\t 'self'  https://a.example.com;"
	                                     "img-src data: 'self';"),
	                              0, &c),
	                 BW_OK);
	assert_string_equal(ser(c),
	                    "default-src 'self' https://a.example.com; img-src data: 'self'");
	assert_int_equal(bw_csp_add_nonce(c, "default-src", "abcdefghijklmnopqrstuv"), BW_OK);
	bw_csp_free(c);
}

static void parse_refuses_injection(void **state)
{
	static const struct bw_str bad[] = {
	        BW_STR("script-src 'self'; report-uri x\r\nSet-Cookie: a=b"),
	        BW_STR("script-src 'self'; report-uri /x\r\nSet-Cookie: a=b"),
	        BW_STR("script-src 'self'\nscript-src *"),
	        BW_STR("script-src 'self'\r"),
	        BW_STR("script-src 'self'; report-uri /x Set-Cookie:"),
	        BW_STR("script-src 'self', script-src *"), /* a second policy */
	        BW_STR("script-src 'self'\0 *"),
	        BW_STR("script-src 'self' \x7f"),
	        BW_STR("script-src 'self' \xe2\x80\xa8"),
	        BW_STR("script-src 'self'; script-src https://evil.example"), /* repeat */
	        BW_STR("script-src 'self';; img-src 'self'"),
	        BW_STR("; script-src 'self'"),
	        BW_STR("script-src 'self';;"),
	        BW_STR("script-src"), /* empty list: write 'none' */
	        BW_STR("sript-src 'self'"),
	        BW_STR("SCRIPT-SRC 'self'"),
	        BW_STR(""),
	        BW_STR("   "),
	        BW_STR(";"),
	        BW_STR("script-src 'none' 'self'"),
	        BW_STR("script-src 'self' 'none'"),
	        BW_STR("script-src 'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI'"),
	        BW_STR("script-src 'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI=='"),
	        BW_STR("script-src 'sha384-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"),
	        BW_STR("script-src 'nonce-'"),
	        BW_STR("script-src 'nonce-abc'def'"),
	        BW_STR("frame-ancestors 'nonce-abcdefghijklmnopqrstuv'"),
	        BW_STR("report-to a b"),
	        BW_STR("report-uri"),
	        BW_STR("upgrade-insecure-requests 1"),
	        BW_STR("require-trusted-types-for 'script' 'script'"),
	        BW_STR("img-src data: data:"), /* a repeat is refused, not merged */
	};
	char nul_policy[] = "default-src 'self'";

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum bw_err rc = bw_csp_validate(bad[i], 0);

		if (rc != BW_ERR_INVALID)
			fail_msg("case %zu accepted or misjudged (%s)", i, bw_err_str(rc));
	}
	/* a NUL cuts nothing short: the length is what counts */
	nul_policy[11] = '\0';
	assert_int_equal(bw_csp_validate((struct bw_str){nul_policy, sizeof(nul_policy) - 1}, 0),
	                 BW_ERR_INVALID);
}

static void parse_refuses_weak(void **state)
{
	static const struct bw_str weak[] = {
	        BW_STR("script-src 'self' 'unsafe-inline'"),
	        BW_STR("script-src 'self' 'unsafe-eval'"),
	        BW_STR("default-src *"),
	        BW_STR("default-src 'self'; img-src *"),
	        BW_STR("script-src https://*.example.com"),
	        BW_STR("script-src 'self' data:"),
	        BW_STR("script-src 'self' https:"),
	        BW_STR("script-src http://cdn.example.com"),
	        BW_STR("style-src 'unsafe-inline'"),
	        BW_STR("script-src 'nonce-short'"),
	        BW_STR("sandbox allow-scripts allow-same-origin"),
	        BW_STR("frame-ancestors *"),
	};
	struct bw_csp *c = (struct bw_csp *)&c; /* must stay untouched */

	(void)state;
	for (size_t i = 0; i < sizeof(weak) / sizeof(weak[0]); i++) {
		enum bw_err rc = bw_csp_parse(weak[i], 0, &c);

		if (rc != BW_ERR_DENIED)
			fail_msg("case %zu: %s", i, bw_err_str(rc));
		assert_ptr_equal(c, &c);
	}
	/* a nonce written into a fixed policy protects nothing */
	assert_int_equal(bw_csp_validate(BW_STR(HTML_POLICY), BW_CSP_STATIC), BW_ERR_DENIED);
}

static void parse_limits(void **state)
{
	static char big[BW_CSP_MAX_LEN + 64];
	size_t n = 0;

	(void)state;
	n = (size_t)snprintf(big, sizeof(big), "connect-src");
	for (size_t i = 0; i <= BW_CSP_MAX_SOURCES; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, " h%zu.example.com", i);
	assert_int_equal(bw_csp_validate((struct bw_str){big, n}, 0), BW_ERR_LIMIT);
	memset(big, ' ', sizeof(big));
	memcpy(big, "default-src 'self'", 18);
	assert_int_equal(bw_csp_validate((struct bw_str){big, BW_CSP_MAX_LEN}, 0), BW_OK);
	assert_int_equal(bw_csp_validate((struct bw_str){big, BW_CSP_MAX_LEN + 1}, 0),
	                 BW_ERR_LIMIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(builder_serialises_in_order),
	        cmocka_unit_test(builder_nonce),
	        cmocka_unit_test(builder_hash),
	        cmocka_unit_test(builder_refuses_weak_sources),
	        cmocka_unit_test(builder_refuses_malformed),
	        cmocka_unit_test(builder_limits),
	        cmocka_unit_test(parse_accepts_strict_policies),
	        cmocka_unit_test(parse_refuses_injection),
	        cmocka_unit_test(parse_refuses_weak),
	        cmocka_unit_test(parse_limits),
	};

	if (bw_init() != BW_OK)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
