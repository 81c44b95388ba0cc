/* test_oauth_scope.c — strict scope values (RFC 6749 §3.3) and set operations. */
#include "bw_test.h"

#include "oauth_scope.h"

static void parses_and_deduplicates(void **state)
{
	struct bw_scope_set s;

	(void)state;
	assert_int_equal(bw_scope_parse(BW_STR("openid email openid notes:read"), &s), BW_OK);
	assert_int_equal(s.n, 3);
	assert_true(bw_scope_has_c(&s, "openid"));
	assert_true(bw_scope_has_c(&s, "notes:read"));
	assert_false(bw_scope_has_c(&s, "notes"));
	assert_false(bw_scope_has_c(&s, "OPENID"));
}

static void refuses_malformed_values(void **state)
{
	static const char *const bad[] = {
	        "",         " openid",       "openid ",       "openid  email", "open\"id",
	        "open\\id", "openid\temail", "openid\nemail", "caf\xc3\xa9",   "openid\x7f",
	};
	struct bw_scope_set s;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(bw_scope_parse(bw_str_c(bad[i]), &s), BW_ERR_INVALID);
		assert_int_equal(s.n, 0);
	}
}

static void caps_the_count(void **state)
{
	struct bw_scope_set s;
	char text[512];
	size_t k = 0;

	(void)state;
	for (int i = 0; i < BW_SCOPE_MAX + 1; i++)
		k += (size_t)snprintf(text + k, sizeof(text) - k, "%ss%d", i ? " " : "", i);
	assert_int_equal(bw_scope_parse(bw_str_c(text), &s), BW_ERR_LIMIT);
	/* the same count made of repeats is fine */
	assert_int_equal(bw_scope_parse(BW_STR("a a a a a a a a a a a a a a a a a a a a"), &s),
	                 BW_OK);
	assert_int_equal(s.n, 1);
}

static void subset_remove_join(void **state)
{
	struct bw_scope_set a, b;
	struct bw_buf out;

	(void)state;
	assert_int_equal(bw_scope_parse(BW_STR("openid email offline_access"), &a), BW_OK);
	assert_int_equal(bw_scope_parse(BW_STR("email openid"), &b), BW_OK);
	assert_true(bw_scope_subset(&b, &a));
	assert_false(bw_scope_subset(&a, &b));
	bw_scope_remove(&a, "email");
	bw_scope_remove(&a, "absent");
	bw_buf_init(&out, 64);
	assert_int_equal(bw_scope_join(&a, &out), BW_OK);
	assert_string_equal(bw_buf_cstr(&out), "openid offline_access");
	bw_buf_free(&out);
}

static void knows_builtin_and_configured_scopes(void **state)
{
	char api0[] = "notes:read", api1[] = "notes:write";
	char *api[] = {api0, api1};

	(void)state;
	assert_true(bw_scope_known(BW_STR("openid"), api, 2));
	assert_true(bw_scope_known(BW_STR("admin"), api, 2));
	assert_true(bw_scope_known(BW_STR("notes:write"), api, 2));
	assert_false(bw_scope_known(BW_STR("notes:delete"), api, 2));
	assert_false(bw_scope_known(BW_STR("notes:write"), api, 0));
	assert_true(bw_scope_token_ok(BW_STR("notes:read")));
	assert_false(bw_scope_token_ok(BW_STR("notes read")));
	assert_false(bw_scope_token_ok(BW_STR("")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(parses_and_deduplicates),
	        cmocka_unit_test(refuses_malformed_values),
	        cmocka_unit_test(caps_the_count),
	        cmocka_unit_test(subset_remove_join),
	        cmocka_unit_test(knows_builtin_and_configured_scopes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
