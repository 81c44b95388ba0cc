/* test_url.c — strict target, query and form decoding. */
#include "bw_test.h"

#include "bulwark/url.h"

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

static enum bw_err parse(const char *s, struct bw_target *t)
{
	return bw_url_parse_target(arena, bw_str_c(s), t);
}

static void target_splits_and_decodes(void **state)
{
	struct bw_target t;

	(void)state;
	assert_int_equal(parse("/", &t), BW_OK);
	assert_int_equal(t.n_segments, 0);
	assert_false(t.has_query);
	assert_int_equal(parse("/v1/notes/abc?limit=5", &t), BW_OK);
	assert_int_equal(t.n_segments, 3);
	assert_true(bw_str_eq_c(t.segments[2], "abc"));
	assert_true(t.has_query);
	assert_true(bw_str_eq_c(t.query, "limit=5"));
	assert_int_equal(parse("/a%20b/%C3%A9", &t), BW_OK);
	assert_true(bw_str_eq_c(t.segments[0], "a b"));
	assert_true(bw_str_eq_c(t.segments[1], "\xC3\xA9"));
	assert_int_equal(parse("/a/", &t), BW_OK);
	assert_true(t.trailing_slash);
	assert_int_equal(parse("/a?", &t), BW_OK);
	assert_true(t.has_query);
	assert_int_equal(t.query.len, 0);
}

static void target_refuses_traversal_and_tricks(void **state)
{
	static const char *const bad[] = {
	        "",          "a/b",    "*",         "//x",         "/a//b",     "/../etc",
	        "/a/../b",   "/a/./b", "/%2e%2e/x", "/%2E%2e/x",   "/.%2e/x",   "/a/%2e",
	        "/a%2Fb",    "/a%2fb", "/a%5Cb",    "/a%00b",      "/a%0d%0ab", "/a%zz",
	        "/a%2",      "/a%",    "/a%C0%AF",  "/a%ED%A0%80", "/a%FF",     "/a b",
	        "/a\"b",     "/a<b>",  "/a\\b",     "/a#frag",     "/a?b#c",    "/a?b c",
	        "/\xC3\xA9", "/a%7F",
	};
	struct bw_target t;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum bw_err rc = parse(bad[i], &t);

		if (rc == BW_OK)
			fail_msg("accepted: %s", bad[i]);
	}
	/* a NUL byte inside the raw target */
	assert_int_not_equal(bw_url_parse_target(arena, (struct bw_str){"/a\0b", 4}, &t), BW_OK);
}

static void target_segment_cap(void **state)
{
	char buf[4 * (BW_URL_MAX_SEGMENTS + 1) + 1];
	size_t n = 0;
	struct bw_target t;

	(void)state;
	for (int i = 0; i < BW_URL_MAX_SEGMENTS + 1; i++) {
		memcpy(buf + n, "/ab", 3);
		n += 3;
	}
	buf[n] = '\0';
	assert_int_equal(parse(buf, &t), BW_ERR_LIMIT);
	buf[3 * BW_URL_MAX_SEGMENTS] = '\0';
	assert_int_equal(parse(buf, &t), BW_OK);
}

static void query_pairs(void **state)
{
	struct bw_kv *kv;
	size_t n;

	(void)state;
	assert_int_equal(bw_url_parse_query(arena, BW_STR("a=1&b=x+y%21&c&d="), 8, &kv, &n), BW_OK);
	assert_int_equal(n, 4);
	assert_true(bw_str_eq_c(kv[0].name, "a") && bw_str_eq_c(kv[0].value, "1"));
	assert_true(bw_str_eq_c(kv[1].value, "x y!"));
	assert_false(kv[2].has_value);
	assert_true(kv[3].has_value && kv[3].value.len == 0);
	assert_int_equal(bw_url_parse_query(arena, BW_STR(""), 8, &kv, &n), BW_OK);
	assert_int_equal(n, 0);
}

static void query_refusals(void **state)
{
	static const char *const bad[] = {"a=1&&b=2", "&",     "a=1&",  "=x",
	                                  "a=%00",    "a=%zz", "a=%0a", "%ff=1"};
	struct bw_kv *kv;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (bw_url_parse_query(arena, bw_str_c(bad[i]), 8, &kv, &n) == BW_OK)
			fail_msg("accepted: %s", bad[i]);
	assert_int_equal(bw_url_parse_query(arena, BW_STR("a&b&c"), 2, &kv, &n), BW_ERR_LIMIT);
}

static void decode_flags(void **state)
{
	struct bw_str out;

	(void)state;
	assert_int_equal(bw_url_decode(arena, BW_STR("a+b"), 0, &out), BW_OK);
	assert_true(bw_str_eq_c(out, "a+b"));
	assert_int_equal(bw_url_decode(arena, BW_STR("a+b"), BW_URL_FORM, &out), BW_OK);
	assert_true(bw_str_eq_c(out, "a b"));
	assert_int_equal(bw_url_decode(arena, BW_STR("a%2Fb"), 0, &out), BW_OK);
	assert_true(bw_str_eq_c(out, "a/b"));
	assert_int_equal(bw_url_decode(arena, BW_STR("a%2Fb"), BW_URL_SEGMENT, &out),
	                 BW_ERR_INVALID);
	assert_int_equal(bw_url_decode(arena, BW_STR("%C3%28"), 0, &out), BW_ERR_ENCODING);
}

/* The login page's "next": same-origin relative paths only (open redirects). */
static void local_paths_for_redirects(void **state)
{
	static const char *const ok[] = {
	        "/",
	        "/account",
	        "/account/security?tab=mfa",
	        "/oauth2/authorize?client_id=a&x=%2F",
	        "/a//b",
	        "/a/%2F",
	        "/~x/-_.!$&'()*+,;=:@",
	        "/a#frag",
	};
	static const char *const bad[] = {
	        "",
	        "account",
	        "//evil.example",
	        "//evil.example/path",
	        "/\\evil.example",
	        "\\\\evil.example",
	        "/a\\b",
	        "https://evil.example",
	        "javascript:alert(1)",
	        "JAVASCRIPT:alert(1)",
	        "data:text/html,x",
	        "/%2Fevil.example",
	        "/%2fevil.example",
	        "/%5Cevil.example",
	        "/%5cevil",
	        " /account",
	        "/account ",
	        "/a\tb",
	        "/a\nb",
	        "/a\rb",
	        "/a\x7f",
	        "/caf\xc3\xa9",
	        "///evil.example",
	        "http:/evil.example",
	};
	char long_path[BW_URL_LOCAL_PATH_MAX + 2];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_true(bw_url_local_path_ok(bw_str_c(ok[i])));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(bw_url_local_path_ok(bw_str_c(bad[i])));
	assert_false(bw_url_local_path_ok((struct bw_str){"/a\0b", 4})); /* NUL inside */
	memset(long_path, 'a', sizeof(long_path));
	long_path[0] = '/';
	assert_true(bw_url_local_path_ok((struct bw_str){long_path, BW_URL_LOCAL_PATH_MAX}));
	assert_false(bw_url_local_path_ok((struct bw_str){long_path, BW_URL_LOCAL_PATH_MAX + 1}));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(target_splits_and_decodes),
	        cmocka_unit_test(target_refuses_traversal_and_tricks),
	        cmocka_unit_test(target_segment_cap),
	        cmocka_unit_test(query_pairs),
	        cmocka_unit_test(local_paths_for_redirects),
	        cmocka_unit_test(query_refusals),
	        cmocka_unit_test(decode_flags),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
