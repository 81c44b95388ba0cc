/* test_cors.c — origin parsing, the allowlist, and every CORS answer, attacked. */
#include "bw_test.h"

#include <stdio.h>

#include "bulwark/cors.h"

static struct bw_arena *arena;
static struct bw_cors *cors;

static const char *const origins[] = {
        "https://app.example.com",
        "HTTPS://Admin.Example.COM:443", /* canonicalised to https://admin.example.com */
        "http://localhost:3000",
        "http://[::1]:8080",
};
static const char *const methods[] = {"GET", "POST", "PATCH", NULL};
static const char *const req_headers[] = {"content-type", "x-csrf-token", "authorization", NULL};

static int setup_each(void **state)
{
	(void)state;
	arena = bw_arena_new(1 << 16);
	if (arena == NULL || bw_cors_new(origins, 4, 600, &cors) != BW_OK)
		return 1;
	return 0;
}

static int teardown_each(void **state)
{
	(void)state;
	bw_cors_free(cors);
	bw_arena_free(arena);
	return 0;
}

static void assert_canon(const char *in, const char *want)
{
	char out[BW_CORS_ORIGIN_SIZE];
	size_t len = 0;

	if (bw_cors_origin_parse(bw_str_c(in), out, &len) != BW_OK)
		fail_msg("refused: %s", in);
	assert_string_equal(out, want);
	assert_int_equal(len, strlen(want));
}

static void origin_parse_canonical(void **state)
{
	(void)state;
	assert_canon("https://example.com", "https://example.com");
	assert_canon("HTTPS://EXAMPLE.com", "https://example.com");
	assert_canon("https://example.com:443", "https://example.com");
	assert_canon("http://example.com:80", "http://example.com");
	assert_canon("http://example.com:443", "http://example.com:443");
	assert_canon("https://example.com:80", "https://example.com:80");
	assert_canon("https://example.com:8443", "https://example.com:8443");
	assert_canon("https://xn--bcher-kva.example", "https://xn--bcher-kva.example");
	assert_canon("http://127.0.0.1:8080", "http://127.0.0.1:8080");
	assert_canon("http://[::1]", "http://[::1]");
	assert_canon("http://[0:0:0:0:0:0:0:1]:80", "http://[::1]");
	assert_canon("https://[2001:DB8::1]:8443", "https://[2001:db8::1]:8443");
	assert_canon("https://a-b.c", "https://a-b.c");
}

static void origin_parse_refuses(void **state)
{
	static const char *const bad[] = {
	        "",
	        "null",
	        "https://",
	        "http://",
	        "ftp://example.com",
	        "wss://example.com",
	        "file://",
	        "https:example.com",
	        "https:/example.com",
	        "//example.com",
	        "example.com",
	        "https://example.com/",
	        "https://example.com/path",
	        "https://example.com?q=1",
	        "https://example.com#f",
	        "https://user@example.com",
	        "https://user:pw@example.com",
	        "https://*.example.com",
	        "https://*",
	        "*",
	        "https://example.com.",
	        "https://.example.com",
	        "https://example..com",
	        "https://-example.com",
	        "https://example-.com",
	        "https://exa_mple.com",
	        "https://exa mple.com",
	        "https://example.com:",
	        "https://example.com:0",
	        "https://example.com:65536",
	        "https://example.com:0443",
	        "https://example.com:+443",
	        "https://example.com:443:443",
	        "https://example.com:*",
	        "https://b\xc3\xbc"
	        "cher.example",
	        "https://example.com\r\n",
	        "https://example.com\t",
	        " https://example.com",
	        "https://127.1",
	        "https://0x7f.0.0.1",
	        "https://127.0.0.01",
	        "https://256.0.0.1",
	        "https://1.2.3.4.5",
	        "https://example.123",
	        "https://[::1",
	        "https://[::1]x",
	        "https://[::1%25eth0]",
	        "https://[fe80::1%eth0]",
	        "https://[::ffff:127.0.0.1]",
	        "https://[]",
	        "https://[g::1]",
	        "https://exam\\ple.com",
	};
	char out[BW_CORS_ORIGIN_SIZE] = "untouched";
	size_t len = 99;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (bw_cors_origin_parse(bw_str_c(bad[i]), out, &len) != BW_ERR_INVALID)
			fail_msg("accepted: %s", bad[i]);
	assert_string_equal(out, "untouched");
	assert_int_equal(len, 99);
	/* a NUL inside the bytes */
	assert_int_equal(
	        bw_cors_origin_parse((struct bw_str){"https://a.com\0.evil", 19}, out, &len),
	        BW_ERR_INVALID);
	/* length limits: a 63-byte label is fine, 64 is not; hosts to 253 bytes */
	{
		char in[BW_CORS_ORIGIN_SIZE + 16];

		memcpy(in, "https://", 8);
		memset(in + 8, 'a', 63);
		memcpy(in + 71, ".com", 5);
		assert_int_equal(bw_cors_origin_parse(bw_str_c(in), out, &len), BW_OK);
		memset(in + 8, 'a', 64);
		memcpy(in + 72, ".com", 5);
		assert_int_equal(bw_cors_origin_parse(bw_str_c(in), out, &len), BW_ERR_INVALID);
		for (size_t i = 0; i < 4; i++) {
			memset(in + 8 + i * 64, 'a', 63);
			in[8 + i * 64 + 63] = '.';
		}
		memcpy(in + 8 + 4 * 64 - 1, "\0", 1); /* 4*63+3 = 255 bytes: too long */
		assert_int_equal(bw_cors_origin_parse(bw_str_c(in), out, &len), BW_ERR_INVALID);
		memset(in, 'a', sizeof(in));
		memcpy(in, "https://", 8);
		assert_int_equal(bw_cors_origin_parse((struct bw_str){in, sizeof(in)}, out, &len),
		                 BW_ERR_INVALID);
	}
}

static void allowlist_config_refused(void **state)
{
	struct bw_cors *c = NULL;
	const char *const bad[] = {"https://ok.example.com", "https://ok.example.com/"};
	const char *const dup[] = {"https://ok.example.com", "HTTPS://OK.example.com:443"};
	const char *const star[] = {"*"};
	const char *many[BW_CORS_MAX_ORIGINS + 1];
	char names[BW_CORS_MAX_ORIGINS + 1][40];

	(void)state;
	assert_int_equal(bw_cors_new(bad, 2, 600, &c), BW_ERR_CONFIG);
	assert_int_equal(bw_cors_new(dup, 2, 600, &c), BW_ERR_CONFIG);
	assert_int_equal(bw_cors_new(star, 1, 600, &c), BW_ERR_CONFIG);
	assert_int_equal(bw_cors_new(NULL, 0, BW_CORS_MAX_AGE_MAX + 1, &c), BW_ERR_CONFIG);
	assert_null(c);
	for (size_t i = 0; i <= BW_CORS_MAX_ORIGINS; i++) {
		(void)snprintf(names[i], sizeof(names[i]), "https://h%zu.example.com", i);
		many[i] = names[i];
	}
	assert_int_equal(bw_cors_new(many, BW_CORS_MAX_ORIGINS + 1, 600, &c), BW_ERR_CONFIG);
	assert_int_equal(bw_cors_new(many, BW_CORS_MAX_ORIGINS, BW_CORS_MAX_AGE_MAX, &c), BW_OK);
	bw_cors_free(c);
	assert_int_equal(bw_cors_new(NULL, 0, 0, &c), BW_OK);
	bw_cors_free(c);
	bw_cors_free(NULL);
}

/* Apply an actual (non-preflight) request. */
static enum bw_cors_result actual(enum bw_cors_mode mode, const char *origin, struct bw_hdrs *h)
{
	enum bw_cors_result r;

	bw_hdrs_init(h);
	assert_int_equal(bw_cors_apply(cors, mode, origin, "GET", false, NULL, NULL, methods,
	                               req_headers, arena, h, &r),
	                 BW_OK);
	for (size_t i = 0; i < h->count; i++)
		assert_true(bw_hdr_value_valid(bw_str_c(h->items[i].value)));
	return r;
}

static void assert_only_vary(const struct bw_hdrs *h)
{
	assert_int_equal(h->count, 1);
	assert_string_equal(h->items[0].name, "Vary");
	assert_string_equal(h->items[0].value, "Origin");
}

static void allowlist_allows_exact_origin(void **state)
{
	struct bw_hdrs h;

	(void)state;
	assert_int_equal(actual(BW_CORS_ALLOWLIST, "https://app.example.com", &h), BW_CORS_ALLOWED);
	assert_int_equal(h.count, 3);
	assert_string_equal(h.items[0].name, "Vary");
	assert_string_equal(h.items[0].value, "Origin");
	assert_string_equal(h.items[1].name, "Access-Control-Allow-Origin");
	assert_string_equal(h.items[1].value, "https://app.example.com");
	assert_string_equal(h.items[2].name, "Access-Control-Allow-Credentials");
	assert_string_equal(h.items[2].value, "true");
	/* the configured spelling was canonicalised; the echo is ours, not the request's */
	assert_int_equal(actual(BW_CORS_ALLOWLIST, "https://admin.example.com", &h),
	                 BW_CORS_ALLOWED);
	assert_string_equal(bw_hdrs_get(&h, "Access-Control-Allow-Origin"),
	                    "https://admin.example.com");
	assert_int_equal(actual(BW_CORS_ALLOWLIST, "http://localhost:3000", &h), BW_CORS_ALLOWED);
	assert_int_equal(actual(BW_CORS_ALLOWLIST, "http://[::1]:8080", &h), BW_CORS_ALLOWED);
}

static void allowlist_refuses_lookalikes(void **state)
{
	static const char *const bad[] = {
	        "null",
	        "",
	        "HTTPS://app.example.com", /* scheme differs only by case */
	        "Https://app.example.com",
	        "https://APP.example.com", /* so does the host */
	        "https://app.example.com.evil.org",
	        "https://evil-app.example.com",
	        "https://app.example.co",
	        "https://pp.example.com",
	        "https://xapp.example.com",
	        "https://app.example.com:8443", /* port mismatch */
	        "https://app.example.com:443",  /* not what a browser sends */
	        "http://app.example.com",       /* scheme mismatch */
	        "https://app.example.com/",
	        "https://app.example.com.",
	        "https://app.example.com\r\nSet-Cookie: a=b",
	        "http://localhost",
	        "http://localhost:3001",
	        "http://[::1]",
	        "http://[0::1]:8080",
	        "https://evil.example",
	        "*",
	};
	struct bw_hdrs h;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (actual(BW_CORS_ALLOWLIST, bad[i], &h) != BW_CORS_ORIGIN_REFUSED)
			fail_msg("allowed: %s", bad[i]);
		assert_only_vary(&h);
	}
	/* an Origin longer than any origin */
	{
		char big[4096];

		memset(big, 'a', sizeof(big) - 1);
		memcpy(big, "https://", 8);
		big[sizeof(big) - 1] = '\0';
		assert_int_equal(actual(BW_CORS_ALLOWLIST, big, &h), BW_CORS_ORIGIN_REFUSED);
		assert_only_vary(&h);
	}
}

static void public_route_star_without_credentials(void **state)
{
	struct bw_hdrs h;

	(void)state;
	assert_int_equal(actual(BW_CORS_PUBLIC, "https://any.example.net", &h), BW_CORS_ALLOWED);
	assert_int_equal(h.count, 2);
	assert_string_equal(bw_hdrs_get(&h, "Access-Control-Allow-Origin"), "*");
	assert_null(bw_hdrs_get(&h, "Access-Control-Allow-Credentials"));
	assert_string_equal(bw_hdrs_get(&h, "Vary"), "Origin");
	/* even an allowlisted origin gets no credentials on a public route */
	assert_int_equal(actual(BW_CORS_PUBLIC, "https://app.example.com", &h), BW_CORS_ALLOWED);
	assert_string_equal(bw_hdrs_get(&h, "Access-Control-Allow-Origin"), "*");
	assert_null(bw_hdrs_get(&h, "Access-Control-Allow-Credentials"));
	/* malformed origins still get nothing */
	assert_int_equal(actual(BW_CORS_PUBLIC, "null", &h), BW_CORS_ORIGIN_REFUSED);
	assert_only_vary(&h);
	assert_int_equal(actual(BW_CORS_PUBLIC, "HTTPS://any.example.net", &h),
	                 BW_CORS_ORIGIN_REFUSED);
	assert_only_vary(&h);
}

static void none_route_and_no_origin(void **state)
{
	struct bw_hdrs h;
	enum bw_cors_result r;

	(void)state;
	assert_int_equal(actual(BW_CORS_NONE, "https://app.example.com", &h), BW_CORS_OFF);
	assert_int_equal(h.count, 0);
	/* stray CORS headers a handler set are removed, in every mode */
	bw_hdrs_init(&h);
	assert_int_equal(bw_hdrs_add(&h, "Content-Type", "application/json"), BW_OK);
	assert_int_equal(bw_hdrs_add(&h, "access-control-allow-origin", "*"), BW_OK);
	assert_int_equal(bw_hdrs_add(&h, "Access-Control-Allow-Credentials", "true"), BW_OK);
	assert_int_equal(bw_hdrs_add(&h, "Access-Control-Expose-Headers", "x-secret"), BW_OK);
	assert_int_equal(bw_cors_apply(cors, BW_CORS_NONE, "https://app.example.com", "GET", false,
	                               NULL, NULL, methods, NULL, arena, &h, &r),
	                 BW_OK);
	assert_int_equal(r, BW_CORS_OFF);
	assert_int_equal(h.count, 1);
	assert_int_equal(bw_hdrs_add(&h, "Access-Control-Allow-Origin", "*"), BW_OK);
	assert_int_equal(bw_cors_apply(cors, BW_CORS_ALLOWLIST, "https://evil.example", "GET",
	                               false, NULL, NULL, methods, NULL, arena, &h, &r),
	                 BW_OK);
	assert_int_equal(r, BW_CORS_ORIGIN_REFUSED);
	assert_null(bw_hdrs_get(&h, "Access-Control-Allow-Origin"));
	assert_int_equal(h.count, 2);
	/* applied twice: one Vary */
	assert_int_equal(bw_cors_apply(cors, BW_CORS_ALLOWLIST, "https://app.example.com", "GET",
	                               false, NULL, NULL, methods, NULL, arena, &h, &r),
	                 BW_OK);
	assert_int_equal(r, BW_CORS_ALLOWED);
	assert_int_equal(h.count, 4);
	/* no Origin: nothing but Vary, the answer depends on Origin */
	assert_int_equal(actual(BW_CORS_ALLOWLIST, NULL, &h), BW_CORS_NO_ORIGIN);
	assert_only_vary(&h);
	assert_int_equal(actual(BW_CORS_PUBLIC, NULL, &h), BW_CORS_NO_ORIGIN);
	assert_only_vary(&h);
	/* an actual request with a method the route does not allow */
	bw_hdrs_init(&h);
	assert_int_equal(bw_cors_apply(cors, BW_CORS_ALLOWLIST, "https://app.example.com", "DELETE",
	                               false, NULL, NULL, methods, NULL, arena, &h, &r),
	                 BW_OK);
	assert_int_equal(r, BW_CORS_ORIGIN_REFUSED);
	assert_only_vary(&h);
}

static enum bw_cors_result preflight(enum bw_cors_mode mode, const char *origin, const char *acrm,
                                     const char *acrh, struct bw_hdrs *h)
{
	enum bw_cors_result r;

	bw_hdrs_init(h);
	assert_int_equal(bw_cors_apply(cors, mode, origin, "OPTIONS", true, acrm, acrh, methods,
	                               req_headers, arena, h, &r),
	                 BW_OK);
	for (size_t i = 0; i < h->count; i++)
		assert_true(bw_hdr_value_valid(bw_str_c(h->items[i].value)));
	return r;
}

static void preflight_allowed(void **state)
{
	struct bw_hdrs h;

	(void)state;
	assert_int_equal(preflight(BW_CORS_ALLOWLIST, "https://app.example.com", "PATCH",
	                           "x-csrf-token,Content-Type", &h),
	                 BW_CORS_PREFLIGHT_OK);
	assert_int_equal(h.count, 6);
	assert_string_equal(h.items[0].value, "Origin");
	assert_string_equal(h.items[1].name, "Access-Control-Allow-Origin");
	assert_string_equal(h.items[1].value, "https://app.example.com");
	assert_string_equal(h.items[2].name, "Access-Control-Allow-Credentials");
	assert_string_equal(h.items[2].value, "true");
	assert_string_equal(h.items[3].name, "Access-Control-Allow-Methods");
	assert_string_equal(h.items[3].value, "PATCH");
	assert_string_equal(h.items[4].name, "Access-Control-Allow-Headers");
	/* only those asked, in the route's spelling; authorization was not asked */
	assert_string_equal(h.items[4].value, "content-type, x-csrf-token");
	assert_string_equal(h.items[5].name, "Access-Control-Max-Age");
	assert_string_equal(h.items[5].value, "600");
	/* OWS around the commas is fine; no headers asked, no Allow-Headers */
	assert_int_equal(preflight(BW_CORS_ALLOWLIST, "https://app.example.com", "POST",
	                           " content-type ,\tauthorization ", &h),
	                 BW_CORS_PREFLIGHT_OK);
	assert_string_equal(bw_hdrs_get(&h, "Access-Control-Allow-Headers"),
	                    "content-type, authorization");
	assert_int_equal(preflight(BW_CORS_ALLOWLIST, "https://app.example.com", "GET", NULL, &h),
	                 BW_CORS_PREFLIGHT_OK);
	assert_null(bw_hdrs_get(&h, "Access-Control-Allow-Headers"));
	assert_int_equal(h.count, 5);
	/* public: *, no credentials, still method/header checks */
	assert_int_equal(
	        preflight(BW_CORS_PUBLIC, "https://rp.example.org", "POST", "authorization", &h),
	        BW_CORS_PREFLIGHT_OK);
	assert_string_equal(bw_hdrs_get(&h, "Access-Control-Allow-Origin"), "*");
	assert_null(bw_hdrs_get(&h, "Access-Control-Allow-Credentials"));
	assert_string_equal(bw_hdrs_get(&h, "Access-Control-Allow-Headers"), "authorization");
	assert_int_equal(h.count, 5);
}

static void preflight_refused(void **state)
{
	static const struct {
		const char *origin, *acrm, *acrh;
	} bad[] = {
	        {"https://evil.example", "POST", NULL},
	        {"null", "POST", NULL},
	        {"https://app.example.com", "DELETE", NULL}, /* method not allowed */
	        {"https://app.example.com", "post", NULL},   /* methods are case-sensitive */
	        {"https://app.example.com", "POST ", NULL},
	        {"https://app.example.com", "", NULL},
	        {"https://app.example.com", NULL, NULL},        /* no method asked */
	        {"https://app.example.com", "POST", "x-admin"}, /* header not allowed */
	        {"https://app.example.com", "POST", "content-type,x-admin"},
	        {"https://app.example.com", "POST", "content-type,,x-csrf-token"},
	        {"https://app.example.com", "POST", ",content-type"},
	        {"https://app.example.com", "POST", "content-type,"},
	        {"https://app.example.com", "POST", ""},
	        {"https://app.example.com", "POST", "content type"},
	        {"https://app.example.com", "POST", "content-type\r\nx: y"},
	        {"https://app.example.com", "POST", "content-type;x-admin"},
	        {"https://app.example.com", "POST", "*"},
	};
	struct bw_hdrs h;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (preflight(BW_CORS_ALLOWLIST, bad[i].origin, bad[i].acrm, bad[i].acrh, &h) !=
		    BW_CORS_PREFLIGHT_REFUSED)
			fail_msg("preflight %zu allowed", i);
		assert_only_vary(&h);
		/* a public route takes any well-formed origin; the rest is refused there too */
		if (i > 0 && preflight(BW_CORS_PUBLIC, bad[i].origin, bad[i].acrm, bad[i].acrh,
		                       &h) != BW_CORS_PREFLIGHT_REFUSED)
			fail_msg("public preflight %zu allowed", i);
		if (i > 0)
			assert_only_vary(&h);
	}
	/* an over-long header list */
	{
		char big[BW_CORS_ACRH_MAX + 32];
		size_t n = 0;

		while (n + 26 < sizeof(big)) {
			memcpy(big + n, "content-type,", 13);
			n += 13;
		}
		memcpy(big + n, "content-type", 13);
		assert_int_equal(
		        preflight(BW_CORS_ALLOWLIST, "https://app.example.com", "POST", big, &h),
		        BW_CORS_PREFLIGHT_REFUSED);
		assert_only_vary(&h);
	}
}

static void errors_leave_no_allow_headers(void **state)
{
	struct bw_hdrs h;
	struct bw_arena *tiny = bw_arena_new(1);
	enum bw_cors_result r = BW_CORS_ALLOWED;

	(void)state;
	/* room for Vary and Allow-Origin, not for Allow-Credentials */
	bw_hdrs_init(&h);
	while (h.count < BW_HDRS_MAX - 2)
		assert_int_equal(bw_hdrs_add(&h, "X-Filler", "x"), BW_OK);
	assert_int_equal(bw_cors_apply(cors, BW_CORS_ALLOWLIST, "https://app.example.com", "GET",
	                               false, NULL, NULL, methods, NULL, arena, &h, &r),
	                 BW_ERR_LIMIT);
	assert_int_equal(r, BW_CORS_ORIGIN_REFUSED);
	assert_null(bw_hdrs_get(&h, "Access-Control-Allow-Origin"));
	/* no arena room for Allow-Headers */
	bw_hdrs_init(&h);
	r = BW_CORS_PREFLIGHT_OK;
	assert_int_equal(bw_cors_apply(cors, BW_CORS_ALLOWLIST, "https://app.example.com",
	                               "OPTIONS", true, "POST", "content-type", methods,
	                               req_headers, tiny, &h, &r),
	                 BW_ERR_NOMEM);
	assert_int_equal(r, BW_CORS_PREFLIGHT_REFUSED);
	assert_null(bw_hdrs_get(&h, "Access-Control-Allow-Origin"));
	bw_arena_free(tiny);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(origin_parse_canonical),
	        cmocka_unit_test(origin_parse_refuses),
	        cmocka_unit_test(allowlist_config_refused),
	        cmocka_unit_test_setup_teardown(allowlist_allows_exact_origin, setup_each,
	                                        teardown_each),
	        cmocka_unit_test_setup_teardown(allowlist_refuses_lookalikes, setup_each,
	                                        teardown_each),
	        cmocka_unit_test_setup_teardown(public_route_star_without_credentials, setup_each,
	                                        teardown_each),
	        cmocka_unit_test_setup_teardown(none_route_and_no_origin, setup_each,
	                                        teardown_each),
	        cmocka_unit_test_setup_teardown(preflight_allowed, setup_each, teardown_each),
	        cmocka_unit_test_setup_teardown(preflight_refused, setup_each, teardown_each),
	        cmocka_unit_test_setup_teardown(errors_leave_no_allow_headers, setup_each,
	                                        teardown_each),
	};

	if (bw_init() != BW_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
