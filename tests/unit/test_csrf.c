/* test_csrf.c — the origin check, form content types, and every CSRF token's accept and refuse
 * paths. */
#include "bw_test.h"

#include <sodium.h>
#include <stdio.h>

#include "bulwark/cookie.h"
#include "bulwark/csrf.h"
#include "bulwark/token.h"

#define NOW      1700000000u
#define PUBLIC   "https://localhost:8443"
#define LIFETIME 3600u

/*
 * Known answers computed independently of libsodium (Python hashlib) with the
 * key 00..1f. Session tokens for the stored hash 80..9f: base64url(mask ||
 * mask XOR mac), mac = blake2b(len(label) || label || hash, key) with label
 * "bulwark-csrf-session-v1", once with a zero mask and once with 5a…5a.
 * Signed tokens: kind || expiry (u64 BE, NOW + 3600) || nonce 11…11 || mac,
 * mac = blake2b(len(label) || label || first 25 bytes || u16 BE len(binding)
 * || binding, key) with label "bulwark-csrf-signed-v1".
 */
static const char kat_session_zero_mask[] =
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAC5bzWzYxZpIDUyatyBvyzN37Kkg-T_XeMZh9MlVqRkeQ";
static const char kat_session_mask_5a[] =
        "WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlrjNW_pOUwzem9oMIbb5XaXhej-2b6lB7lD3Yl_DP4-Iw";
static const char kat_presession[] =
        "AQAAAABlU_8QEREREREREREREREREREREcPs9noy0JrkPDF755beF7zicQP4juhn3b3fXfgoDlX5";
static const char kat_double_user42[] =
        "AgAAAABlU_8QEREREREREREREREREREREUVIEmg_-MOV98U0bukMBa4YldwgpahBwTaGFwBkJMNs";

static struct bw_secret *key, *key2;
static struct bw_token_hash session, session2;

static int setup(void **state)
{
	uint8_t k[32];

	(void)state;
	for (size_t i = 0; i < 32; i++) {
		k[i] = (uint8_t)i;
		session.bytes[i] = (uint8_t)(0x80 + i);
		session2.bytes[i] = (uint8_t)(0x80 + i);
	}
	session2.bytes[31] ^= 1;
	if (bw_secret_new(k, sizeof(k), &key) != BW_OK)
		return 1;
	k[0] ^= 1;
	return bw_secret_new(k, sizeof(k), &key2) != BW_OK;
}

static int teardown(void **state)
{
	(void)state;
	bw_secret_free(key);
	bw_secret_free(key2);
	return 0;
}

/* ---- origin check ---- */

static struct bw_str s_storage[3];

/* NULL stays NULL (header absent); anything else becomes a present header. */
static const struct bw_str *hdr(int slot, const char *v)
{
	if (v == NULL)
		return NULL;
	s_storage[slot] = bw_str_c(v);
	return &s_storage[slot];
}

static void expect(const char *pub, const char *origin, const char *referer, const char *sfs,
                   enum bw_err want_rc, enum bw_csrf_reason want)
{
	enum bw_csrf_reason why = BW_CSRF__COUNT;
	enum bw_err rc = bw_csrf_check_origin(bw_str_c(pub), hdr(0, origin), hdr(1, referer),
	                                      hdr(2, sfs), &why);

	if (rc != want_rc || why != want)
		fail_msg("origin=[%s] referer=[%s] sfs=[%s]: got %s/%s, want %s/%s",
		         origin ? origin : "(none)", referer ? referer : "(none)",
		         sfs ? sfs : "(none)", bw_err_str(rc), bw_csrf_reason_str(why),
		         bw_err_str(want_rc), bw_csrf_reason_str(want));
}

static void pass(const char *origin, const char *referer, const char *sfs)
{
	expect(PUBLIC, origin, referer, sfs, BW_OK, BW_CSRF_OK);
}

static void refuse(const char *origin, const char *referer, const char *sfs,
                   enum bw_csrf_reason want)
{
	expect(PUBLIC, origin, referer, sfs, BW_ERR_DENIED, want);
}

static void origin_accepts(void **state)
{
	(void)state;
	pass(PUBLIC, NULL, NULL);
	pass(PUBLIC, NULL, "same-origin");
	pass(PUBLIC, NULL, "none");
	pass(PUBLIC, "https://evil.example/", "same-origin"); /* Origin decides, Referer unused */
	pass(NULL, PUBLIC "/login", NULL);
	pass(NULL, PUBLIC "/", "same-origin");
	pass(NULL, PUBLIC, NULL);
	pass(NULL, PUBLIC "/a?next=https://evil.example/", NULL);
	/* the configured origin is canonicalised; the request's must be canonical already */
	expect("HTTPS://Example.COM:443", "https://example.com", NULL, NULL, BW_OK, BW_CSRF_OK);
	expect("https://example.com:443", NULL, "https://example.com/x", NULL, BW_OK, BW_CSRF_OK);
	expect("http://127.0.0.1:8080", "http://127.0.0.1:8080", NULL, NULL, BW_OK, BW_CSRF_OK);
}

static void origin_refuses_fetch_metadata(void **state)
{
	(void)state;
	refuse(PUBLIC, NULL, "cross-site", BW_CSRF_FETCH_CROSS_SITE);
	/* only the port differs: same site, yet another origin */
	refuse("https://localhost:9999", NULL, "same-site", BW_CSRF_FETCH_SAME_SITE);
	refuse(PUBLIC, NULL, "same-site", BW_CSRF_FETCH_SAME_SITE);
	refuse(PUBLIC, NULL, "", BW_CSRF_FETCH_INVALID);
	refuse(PUBLIC, NULL, "Same-Origin", BW_CSRF_FETCH_INVALID);
	refuse(PUBLIC, NULL, "same-origin ", BW_CSRF_FETCH_INVALID);
	refuse(PUBLIC, NULL, "same-origin, cross-site", BW_CSRF_FETCH_INVALID);
	refuse(PUBLIC, NULL, "CROSS-SITE", BW_CSRF_FETCH_INVALID);
	refuse(PUBLIC, NULL, "nonesuch", BW_CSRF_FETCH_INVALID);
	{
		enum bw_csrf_reason why = BW_CSRF_OK;
		struct bw_str o = bw_str_c(PUBLIC), f = {"same-origin\0x", 13};

		assert_int_equal(bw_csrf_check_origin(bw_str_c(PUBLIC), &o, NULL, &f, &why),
		                 BW_ERR_DENIED);
		assert_int_equal(why, BW_CSRF_FETCH_INVALID);
	}
	/* fetch metadata is checked first, even with a good Origin or Referer */
	refuse(NULL, PUBLIC "/", "cross-site", BW_CSRF_FETCH_CROSS_SITE);
}

static void origin_refuses_origin(void **state)
{
	static const char *const bad[] = {
	        "https://localhost:9999",
	        "http://localhost:8443",
	        "https://LOCALHOST:8443",
	        "HTTPS://localhost:8443",
	        "https://localhost:8443/",
	        "https://localhost:8443.evil",
	        "https://evil.localhost:8443",
	        "https://localhost",
	        "https://localhost:8443 ",
	        " https://localhost:8443",
	        "",
	        "https://localhost:08443",
	        "https://localhost:8443@evil",
	        "https://127.0.0.1:8443",
	        "Null",
	        "https://localhost:8443, https://evil",
	};

	(void)state;
	refuse("null", NULL, NULL, BW_CSRF_ORIGIN_NULL);
	refuse("null", PUBLIC "/", "same-origin", BW_CSRF_ORIGIN_NULL); /* no Referer fallback */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refuse(bad[i], NULL, NULL, BW_CSRF_ORIGIN_MISMATCH);
	/* a good Referer does not rescue a bad Origin */
	refuse("https://evil.example", PUBLIC "/", NULL, BW_CSRF_ORIGIN_MISMATCH);
	/* an Origin with a NUL after the right bytes */
	{
		enum bw_csrf_reason why = BW_CSRF_OK;
		struct bw_str o = {PUBLIC "\0", sizeof(PUBLIC)};

		assert_int_equal(bw_csrf_check_origin(bw_str_c(PUBLIC), &o, NULL, NULL, &why),
		                 BW_ERR_DENIED);
		assert_int_equal(why, BW_CSRF_ORIGIN_MISMATCH);
	}
}

static void origin_refuses_referer(void **state)
{
	static const char *const mismatch[] = {
	        "https://localhost:8443.evil.com/",
	        "https://localhost:8443@evil.com/",
	        "https://localhost:84430/",
	        "https://localhost:9999/",
	        "https://evil.com/?" PUBLIC "/",
	        "https://localhost:8443?x",
	        "https://localhost/",
	        "https://LOCALHOST:8443/",
	        "https://localhost:8443:8443/",
	        "https://evil.com/" PUBLIC,
	};
	static const char *const malformed[] = {
	        "",
	        PUBLIC "/a b",
	        PUBLIC "/#frag",
	        PUBLIC "/\xc3\xa9",
	        PUBLIC "/\t",
	        "ftp://localhost:8443/",
	        "//localhost:8443/",
	        "localhost:8443/",
	        "HTTPS://localhost:8443/",
	        "https:/localhost:8443/",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(mismatch) / sizeof(mismatch[0]); i++)
		refuse(NULL, mismatch[i], NULL, BW_CSRF_REFERER_MISMATCH);
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
		refuse(NULL, malformed[i], NULL, BW_CSRF_REFERER_MALFORMED);
	refuse(NULL, "http://localhost:8443/", NULL, BW_CSRF_REFERER_NOT_HTTPS);
	refuse(NULL, "HTTP://localhost:8443/", NULL, BW_CSRF_REFERER_NOT_HTTPS);
	/* on a plain-HTTP public origin the Referer fallback is off altogether */
	expect("http://127.0.0.1:8080", NULL, "http://127.0.0.1:8080/", NULL, BW_ERR_DENIED,
	       BW_CSRF_REFERER_NOT_HTTPS);
	expect("http://127.0.0.1:8080", NULL, "https://127.0.0.1:8080/", NULL, BW_ERR_DENIED,
	       BW_CSRF_REFERER_NOT_HTTPS);
}

static void origin_fails_closed(void **state)
{
	(void)state;
	refuse(NULL, NULL, NULL, BW_CSRF_NO_SOURCE);
	refuse(NULL, NULL, "same-origin", BW_CSRF_NO_SOURCE);
	refuse(NULL, NULL, "none", BW_CSRF_NO_SOURCE);
	/* an unusable public origin refuses everything */
	expect("https://localhost:8443/", PUBLIC, NULL, NULL, BW_ERR_CONFIG, BW_CSRF_ERROR);
	expect("", "", NULL, NULL, BW_ERR_CONFIG, BW_CSRF_ERROR);
	expect("null", "null", NULL, NULL, BW_ERR_CONFIG, BW_CSRF_ERROR);
}

static void reasons_have_names(void **state)
{
	(void)state;
	for (int i = 0; i < BW_CSRF__COUNT; i++) {
		const char *n = bw_csrf_reason_str((enum bw_csrf_reason)i);

		assert_string_not_equal(n, "unknown");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(n, bw_csrf_reason_str((enum bw_csrf_reason)j));
	}
	assert_string_equal(bw_csrf_reason_str(BW_CSRF_OK), "ok");
	assert_string_equal(bw_csrf_reason_str(BW_CSRF_NO_SOURCE), "no_source");
	assert_string_equal(bw_csrf_reason_str(BW_CSRF__COUNT), "unknown");
	assert_string_equal(bw_csrf_reason_str((enum bw_csrf_reason) - 1), "unknown");
}

/* ---- content types ---- */

static void form_content_types(void **state)
{
	static const char *const form[] = {
	        "application/x-www-form-urlencoded",
	        "multipart/form-data; boundary=----x",
	        "text/plain",
	        "TEXT/PLAIN;charset=UTF-8",
	        "Application/X-WWW-Form-Urlencoded",
	        " text/plain ",
	        "text/plain\t; charset=utf-8",
	        "text/plain;",
	        /* not media types: treated as form-sendable (fail closed) */
	        "",
	        "text",
	        "text/",
	        "/plain",
	        "text/plain garbage",
	        "application/json, text/plain",
	        "application/json garbage",
	        "\"application/json\"",
	        "application/json\x01",
	};
	static const char *const not_form[] = {
	        "application/json",
	        "application/json; charset=utf-8",
	        "APPLICATION/JSON",
	        "application/csp-report",
	        "application/reports+json",
	        "text/plainx",
	        "text/plain2; x=y",
	        "text/html",
	        "application/x-www-form-urlencodedx",
	        "multipart/form-datax",
	        "multipart/mixed; boundary=x",
	        "text/plai",
	};

	(void)state;
	assert_true(bw_csrf_form_content_type(NULL));
	for (size_t i = 0; i < sizeof(form) / sizeof(form[0]); i++) {
		struct bw_str s = bw_str_c(form[i]);

		if (!bw_csrf_form_content_type(&s))
			fail_msg("not seen as form-sendable: [%s]", form[i]);
	}
	for (size_t i = 0; i < sizeof(not_form) / sizeof(not_form[0]); i++) {
		struct bw_str s = bw_str_c(not_form[i]);

		if (bw_csrf_form_content_type(&s))
			fail_msg("seen as form-sendable: [%s]", not_form[i]);
	}
	{
		struct bw_str s = {"application/json\0text/plain", 27};

		assert_true(bw_csrf_form_content_type(&s));
	}
}

/* ---- session tokens ---- */

static void check_session(const struct bw_secret *k, const struct bw_token_hash *h, const char *tok,
                          enum bw_err want_rc, enum bw_csrf_reason want)
{
	enum bw_csrf_reason why = BW_CSRF__COUNT;
	struct bw_str s = {tok, tok ? strlen(tok) : 0};

	assert_int_equal(bw_csrf_session_check(k, h, tok ? &s : NULL, &why), want_rc);
	assert_int_equal(why, want);
}

static void session_tokens(void **state)
{
	char a[BW_CSRF_SESSION_TOKEN_SIZE], b[BW_CSRF_SESSION_TOKEN_SIZE];
	char bad[BW_CSRF_SESSION_TOKEN_SIZE + 2];

	(void)state;
	assert_int_equal(bw_csrf_session_token(key, &session, a), BW_OK);
	assert_int_equal(bw_csrf_session_token(key, &session, b), BW_OK);
	assert_int_equal(strlen(a), BW_CSRF_SESSION_TOKEN_LEN);
	assert_string_not_equal(a, b); /* masked afresh each time */
	check_session(key, &session, a, BW_OK, BW_CSRF_OK);
	check_session(key, &session, b, BW_OK, BW_CSRF_OK);
	/* the independently computed tokens verify, with any mask */
	check_session(key, &session, kat_session_zero_mask, BW_OK, BW_CSRF_OK);
	check_session(key, &session, kat_session_mask_5a, BW_OK, BW_CSRF_OK);

	/* bound to the session and to the key */
	check_session(key, &session2, a, BW_ERR_DENIED, BW_CSRF_TOKEN_MISMATCH);
	check_session(key2, &session, a, BW_ERR_DENIED, BW_CSRF_TOKEN_MISMATCH);
	/* absent, empty, malformed */
	check_session(key, &session, NULL, BW_ERR_DENIED, BW_CSRF_TOKEN_MISSING);
	check_session(key, &session, "", BW_ERR_DENIED, BW_CSRF_TOKEN_MISSING);
	memcpy(bad, a, sizeof(a));
	bad[BW_CSRF_SESSION_TOKEN_LEN - 1] = '\0';
	check_session(key, &session, bad, BW_ERR_DENIED, BW_CSRF_TOKEN_MALFORMED);
	memcpy(bad, a, sizeof(a));
	bad[BW_CSRF_SESSION_TOKEN_LEN] = 'A';
	bad[BW_CSRF_SESSION_TOKEN_LEN + 1] = '\0';
	check_session(key, &session, bad, BW_ERR_DENIED, BW_CSRF_TOKEN_MALFORMED);
	memcpy(bad, a, sizeof(a));
	bad[3] = '+';
	check_session(key, &session, bad, BW_ERR_DENIED, BW_CSRF_TOKEN_MALFORMED);
	/* a token of the other length (a signed token) is malformed here */
	check_session(key, &session, kat_presession, BW_ERR_DENIED, BW_CSRF_TOKEN_MALFORMED);
	/* one character changed in the mask or in the masked MAC */
	for (size_t pos = 0; pos < BW_CSRF_SESSION_TOKEN_LEN - 1; pos += 5) {
		memcpy(bad, a, sizeof(a));
		bad[pos] = bad[pos] == 'A' ? 'B' : 'A';
		check_session(key, &session, bad, BW_ERR_DENIED, BW_CSRF_TOKEN_MISMATCH);
	}
	/* swapped halves are just another mask (XOR is symmetric); a wrong MAC is not */
	{
		uint8_t raw[64], sw[64];
		char text[BW_CSRF_SESSION_TOKEN_SIZE];

		assert_int_equal(bw_token_decode(bw_str_c(kat_session_mask_5a), raw, 64), BW_OK);
		memcpy(sw, raw + 32, 32);
		memcpy(sw + 32, raw, 32);
		sodium_bin2base64(text, sizeof(text), sw, sizeof(sw),
		                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		check_session(key, &session, text, BW_OK, BW_CSRF_OK);
		memset(sw, 0x5a, 32);
		memset(sw + 32, 0x5a, 32);
		sodium_bin2base64(text, sizeof(text), sw, sizeof(sw),
		                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		check_session(key, &session, text, BW_ERR_DENIED, BW_CSRF_TOKEN_MISMATCH);
	}
}

static void session_token_bad_key(void **state)
{
	struct bw_secret *short_key = NULL;
	char out[BW_CSRF_SESSION_TOKEN_SIZE] = "x";

	(void)state;
	assert_int_equal(bw_secret_new("0123456789abcdef", 16, &short_key), BW_OK);
	assert_int_equal(bw_csrf_session_token(short_key, &session, out), BW_ERR_INVALID);
	assert_string_equal(out, "");
	check_session(short_key, &session, kat_session_zero_mask, BW_ERR_INVALID, BW_CSRF_ERROR);
	bw_secret_free(short_key);
}

/* ---- signed tokens ---- */

static struct bw_cookies jar;
static char jar_text[512];

/* Parse what JAR() printed into jar_text. */
static const struct bw_cookies *parse_jar(int n)
{
	assert_true(n > 0 && (size_t)n < sizeof(jar_text));
	assert_int_equal(bw_cookie_parse(bw_str_c(jar_text), &jar), BW_OK);
	return &jar;
}

#define JAR(...) parse_jar(snprintf(jar_text, sizeof(jar_text), __VA_ARGS__))

static void check_pre(const struct bw_secret *k, const struct bw_cookies *c, const char *form,
                      uint64_t now, enum bw_err want_rc, enum bw_csrf_reason want)
{
	enum bw_csrf_reason why = BW_CSRF__COUNT;
	struct bw_str f = {form, form ? strlen(form) : 0};
	enum bw_err rc = bw_csrf_presession_check(k, c, form ? &f : NULL, now, &why);

	if (rc != want_rc || why != want)
		fail_msg("presession: got %s/%s, want %s/%s", bw_err_str(rc),
		         bw_csrf_reason_str(why), bw_err_str(want_rc), bw_csrf_reason_str(want));
}

/* Re-encode tok with byte i xor-ed by x. */
static void tamper(const char *tok, size_t i, uint8_t x, char out[BW_CSRF_SIGNED_SIZE])
{
	uint8_t raw[BW_CSRF_SIGNED_BYTES];

	assert_int_equal(bw_token_decode(bw_str_c(tok), raw, sizeof(raw)), BW_OK);
	raw[i] ^= x;
	sodium_bin2base64(out, BW_CSRF_SIGNED_SIZE, raw, sizeof(raw),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

#define ONE_COOKIE "__Host-bulwark_csrf=%s"

static void presession_accepts(void **state)
{
	char t[BW_CSRF_SIGNED_SIZE];

	(void)state;
	assert_int_equal(bw_csrf_presession_token(key, NOW, LIFETIME, t), BW_OK);
	assert_int_equal(strlen(t), BW_CSRF_SIGNED_LEN);
	check_pre(key, JAR(ONE_COOKIE, t), t, NOW, BW_OK, BW_CSRF_OK);
	check_pre(key, JAR("ui=dark; " ONE_COOKIE "; x=%s", t, t), t, NOW + LIFETIME - 1, BW_OK,
	          BW_CSRF_OK);
	/* the independently computed token (expiry NOW + 3600) */
	check_pre(key, JAR(ONE_COOKIE, kat_presession), kat_presession, NOW, BW_OK, BW_CSRF_OK);
	/* a fresh nonce each time */
	{
		char u[BW_CSRF_SIGNED_SIZE];

		assert_int_equal(bw_csrf_presession_token(key, NOW, LIFETIME, u), BW_OK);
		assert_string_not_equal(t, u);
	}
}

static void presession_refuses(void **state)
{
	char t[BW_CSRF_SIGNED_SIZE], u[BW_CSRF_SIGNED_SIZE], x[BW_CSRF_SIGNED_SIZE];
	struct bw_cookies none;

	(void)state;
	assert_int_equal(bw_csrf_presession_token(key, NOW, LIFETIME, t), BW_OK);
	assert_int_equal(bw_csrf_presession_token(key, NOW, LIFETIME, u), BW_OK);

	/* the cookie */
	check_pre(key, NULL, t, NOW, BW_ERR_DENIED, BW_CSRF_COOKIE_MISSING);
	assert_int_equal(bw_cookie_parse(BW_STR("ui=dark"), &none), BW_OK);
	check_pre(key, &none, t, NOW, BW_ERR_DENIED, BW_CSRF_COOKIE_MISSING);
	check_pre(key, JAR("__Host-Bulwark_csrf=%s", t), t, NOW, BW_ERR_DENIED,
	          BW_CSRF_COOKIE_DUPLICATE); /* only a case variant */
	check_pre(key, JAR(ONE_COOKIE "; " ONE_COOKIE, t, t), t, NOW, BW_ERR_DENIED,
	          BW_CSRF_COOKIE_DUPLICATE);
	/* the form field */
	check_pre(key, JAR(ONE_COOKIE, t), NULL, NOW, BW_ERR_DENIED, BW_CSRF_TOKEN_MISSING);
	check_pre(key, JAR(ONE_COOKIE, t), "", NOW, BW_ERR_DENIED, BW_CSRF_TOKEN_MISSING);
	check_pre(key, JAR(ONE_COOKIE, t), "garbage", NOW, BW_ERR_DENIED, BW_CSRF_TOKEN_MALFORMED);
	check_pre(key, JAR(ONE_COOKIE, "garbage"), t, NOW, BW_ERR_DENIED, BW_CSRF_TOKEN_MALFORMED);
	check_pre(key, JAR(ONE_COOKIE, ""), t, NOW, BW_ERR_DENIED, BW_CSRF_TOKEN_MALFORMED);
	/* double submit: both valid, but not the same */
	check_pre(key, JAR(ONE_COOKIE, t), u, NOW, BW_ERR_DENIED, BW_CSRF_TOKEN_MISMATCH);
	/* signature: another key, a forged expiry, nonce or MAC, a token of the other kind */
	check_pre(key2, JAR(ONE_COOKIE, t), t, NOW, BW_ERR_DENIED, BW_CSRF_TOKEN_BAD_SIGNATURE);
	tamper(t, 8, 0x01, x); /* expiry + 1 s */
	check_pre(key, JAR(ONE_COOKIE, x), x, NOW, BW_ERR_DENIED, BW_CSRF_TOKEN_BAD_SIGNATURE);
	tamper(t, 12, 0x80, x); /* nonce */
	check_pre(key, JAR(ONE_COOKIE, x), x, NOW, BW_ERR_DENIED, BW_CSRF_TOKEN_BAD_SIGNATURE);
	tamper(t, 56, 0x01, x); /* MAC */
	check_pre(key, JAR(ONE_COOKIE, x), x, NOW, BW_ERR_DENIED, BW_CSRF_TOKEN_BAD_SIGNATURE);
	tamper(t, 0, 0x03, x); /* kind 1 -> 2 */
	check_pre(key, JAR(ONE_COOKIE, x), x, NOW, BW_ERR_DENIED, BW_CSRF_TOKEN_BAD_SIGNATURE);
	{
		char d[BW_CSRF_SIGNED_SIZE];

		assert_int_equal(bw_csrf_double_submit_token(key, BW_STR(""), NOW, LIFETIME, d),
		                 BW_OK);
		check_pre(key, JAR(ONE_COOKIE, d), d, NOW, BW_ERR_DENIED,
		          BW_CSRF_TOKEN_BAD_SIGNATURE);
	}
	/* expiry: at the second it ends, and after */
	check_pre(key, JAR(ONE_COOKIE, t), t, NOW + LIFETIME, BW_ERR_DENIED, BW_CSRF_TOKEN_EXPIRED);
	check_pre(key, JAR(ONE_COOKIE, t), t, UINT64_MAX, BW_ERR_DENIED, BW_CSRF_TOKEN_EXPIRED);
	/* a signed token from a clock far ahead: its expiry exceeds the longest lifetime */
	assert_int_equal(bw_csrf_presession_token(key, NOW + 2 * BW_CSRF_LIFETIME_MAX, 60, x),
	                 BW_OK);
	check_pre(key, JAR(ONE_COOKIE, x), x, NOW, BW_ERR_DENIED, BW_CSRF_TOKEN_LIFETIME);
	check_pre(key, JAR(ONE_COOKIE, x), x, NOW + BW_CSRF_LIFETIME_MAX * 2 + 60 - 86400, BW_OK,
	          BW_CSRF_OK); /* exactly the longest lifetime ahead */
}

static void signed_token_bounds(void **state)
{
	char t[BW_CSRF_SIGNED_SIZE] = "x";
	struct bw_secret *short_key = NULL;
	char big[BW_CSRF_BINDING_MAX + 1];

	(void)state;
	assert_int_equal(bw_csrf_presession_token(key, NOW, 0, t), BW_ERR_RANGE);
	assert_string_equal(t, "");
	assert_int_equal(bw_csrf_presession_token(key, NOW, BW_CSRF_LIFETIME_MAX + 1, t),
	                 BW_ERR_RANGE);
	assert_int_equal(bw_csrf_presession_token(key, UINT64_MAX - 10, 11, t), BW_ERR_RANGE);
	assert_int_equal(bw_csrf_presession_token(key, UINT64_MAX - 10, 10, t), BW_OK);
	assert_int_equal(bw_csrf_presession_token(key, NOW, BW_CSRF_LIFETIME_MAX, t), BW_OK);
	assert_int_equal(bw_secret_new("0123456789abcdef", 16, &short_key), BW_OK);
	assert_int_equal(bw_csrf_presession_token(short_key, NOW, LIFETIME, t), BW_ERR_INVALID);
	check_pre(short_key, JAR(ONE_COOKIE, kat_presession), kat_presession, NOW, BW_ERR_INVALID,
	          BW_CSRF_ERROR);
	bw_secret_free(short_key);
	memset(big, 'b', sizeof(big));
	assert_int_equal(bw_csrf_double_submit_token(key, (struct bw_str){big, sizeof(big)}, NOW,
	                                             LIFETIME, t),
	                 BW_ERR_LIMIT);
	assert_int_equal(bw_csrf_double_submit_token(key, (struct bw_str){big, sizeof(big) - 1},
	                                             NOW, LIFETIME, t),
	                 BW_OK);
	{
		enum bw_csrf_reason why = BW_CSRF_OK;
		struct bw_str s = bw_str_c(t);

		(void)JAR("__Host-csrf=%s", t);
		assert_int_equal(bw_csrf_double_submit_check(key, (struct bw_str){big, sizeof(big)},
		                                             &jar, BW_STR("__Host-csrf"), &s, NOW,
		                                             &why),
		                 BW_ERR_LIMIT);
		assert_int_equal(why, BW_CSRF_ERROR);
		assert_int_equal(
		        bw_csrf_double_submit_check(key, (struct bw_str){big, sizeof(big) - 1},
		                                    &jar, BW_STR("__Host-csrf"), &s, NOW, &why),
		        BW_OK);
	}
}

static void presession_cookie(void **state)
{
	struct bw_arena *a = bw_arena_new(4096);
	const char *out = NULL;
	char want[256];

	(void)state;
	assert_non_null(a);
	assert_int_equal(bw_csrf_presession_cookie(a, bw_str_c(kat_presession), LIFETIME, &out),
	                 BW_OK);
	snprintf(want, sizeof(want),
	         "__Host-bulwark_csrf=%s; Max-Age=3600; Path=/; Secure; HttpOnly; SameSite=Strict",
	         kat_presession);
	assert_string_equal(out, want);
	assert_int_equal(bw_csrf_presession_cookie(a, BW_STR("x;y"), LIFETIME, &out),
	                 BW_ERR_INVALID);
	assert_int_equal(
	        bw_csrf_presession_cookie(a, bw_str_c(kat_session_zero_mask), LIFETIME, &out),
	        BW_ERR_INVALID);
	assert_int_equal(bw_csrf_presession_cookie(a, bw_str_c(kat_presession), 0, &out),
	                 BW_ERR_RANGE);
	assert_int_equal(bw_csrf_presession_cookie(a, bw_str_c(kat_presession),
	                                           BW_CSRF_LIFETIME_MAX + 1, &out),
	                 BW_ERR_RANGE);
	bw_arena_free(a);
}

static void check_double(struct bw_str binding, const struct bw_cookies *c, const char *name,
                         const char *sub, uint64_t now, enum bw_err want_rc,
                         enum bw_csrf_reason want)
{
	enum bw_csrf_reason why = BW_CSRF__COUNT;
	struct bw_str s = {sub, sub ? strlen(sub) : 0};
	enum bw_err rc = bw_csrf_double_submit_check(key, binding, c, bw_str_c(name),
	                                             sub ? &s : NULL, now, &why);

	if (rc != want_rc || why != want)
		fail_msg("double submit: got %s/%s, want %s/%s", bw_err_str(rc),
		         bw_csrf_reason_str(why), bw_err_str(want_rc), bw_csrf_reason_str(want));
}

static void double_submit(void **state)
{
	char t[BW_CSRF_SIGNED_SIZE], p[BW_CSRF_SIGNED_SIZE];
	const struct bw_str user = BW_STR("user-42");

	(void)state;
	assert_int_equal(bw_csrf_double_submit_token(key, user, NOW, LIFETIME, t), BW_OK);
	check_double(user, JAR("__Host-csrf=%s", t), "__Host-csrf", t, NOW, BW_OK, BW_CSRF_OK);
	check_double(user, JAR("__Host-csrf=%s", kat_double_user42), "__Host-csrf",
	             kat_double_user42, NOW, BW_OK, BW_CSRF_OK);
	/* bound to its binding: another user, a prefix of it, none */
	check_double(BW_STR("user-43"), JAR("__Host-csrf=%s", t), "__Host-csrf", t, NOW,
	             BW_ERR_DENIED, BW_CSRF_TOKEN_BAD_SIGNATURE);
	check_double(BW_STR("user-4"), JAR("__Host-csrf=%s", t), "__Host-csrf", t, NOW,
	             BW_ERR_DENIED, BW_CSRF_TOKEN_BAD_SIGNATURE);
	check_double(BW_STR(""), JAR("__Host-csrf=%s", t), "__Host-csrf", t, NOW, BW_ERR_DENIED,
	             BW_CSRF_TOKEN_BAD_SIGNATURE);
	/* a pre-session token is not a double-submit token */
	assert_int_equal(bw_csrf_presession_token(key, NOW, LIFETIME, p), BW_OK);
	check_double(BW_STR(""), JAR("__Host-csrf=%s", p), "__Host-csrf", p, NOW, BW_ERR_DENIED,
	             BW_CSRF_TOKEN_BAD_SIGNATURE);
	/* cookie and submitted value */
	check_double(user, JAR("__Host-csrf=%s", t), "__Host-csrf", NULL, NOW, BW_ERR_DENIED,
	             BW_CSRF_TOKEN_MISSING);
	check_double(user, JAR("__Host-other=%s", t), "__Host-csrf", t, NOW, BW_ERR_DENIED,
	             BW_CSRF_COOKIE_MISSING);
	check_double(user, JAR("__Host-csrf=%s; __Host-csrf=%s", t, t), "__Host-csrf", t, NOW,
	             BW_ERR_DENIED, BW_CSRF_COOKIE_DUPLICATE);
	check_double(user, JAR("__Host-csrf=%s", p), "__Host-csrf", t, NOW, BW_ERR_DENIED,
	             BW_CSRF_TOKEN_MISMATCH);
	check_double(user, JAR("__Host-csrf=%s", t), "__Host-csrf", t, NOW + LIFETIME,
	             BW_ERR_DENIED, BW_CSRF_TOKEN_EXPIRED);
	/* only a __Host- cookie can carry it */
	check_double(user, JAR("csrf=%s", t), "csrf", t, NOW, BW_ERR_INVALID, BW_CSRF_ERROR);
	check_double(user, JAR("__host-csrf=%s", t), "__host-csrf", t, NOW, BW_ERR_INVALID,
	             BW_CSRF_ERROR);
	check_double(user, JAR("__Secure-csrf=%s", t), "__Secure-csrf", t, NOW, BW_ERR_INVALID,
	             BW_CSRF_ERROR);
	check_double(user, JAR("a=%s", t), "__Host-", t, NOW, BW_ERR_INVALID, BW_CSRF_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(origin_accepts),
	        cmocka_unit_test(origin_refuses_fetch_metadata),
	        cmocka_unit_test(origin_refuses_origin),
	        cmocka_unit_test(origin_refuses_referer),
	        cmocka_unit_test(origin_fails_closed),
	        cmocka_unit_test(reasons_have_names),
	        cmocka_unit_test(form_content_types),
	        cmocka_unit_test(session_tokens),
	        cmocka_unit_test(session_token_bad_key),
	        cmocka_unit_test(presession_accepts),
	        cmocka_unit_test(presession_refuses),
	        cmocka_unit_test(signed_token_bounds),
	        cmocka_unit_test(presession_cookie),
	        cmocka_unit_test(double_submit),
	};

	if (bw_init() != BW_OK)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
