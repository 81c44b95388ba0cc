/* test_http_parse.c — Host allowlist and media-type matching. */
#include "bw_test.h"

#include "http_parse.h"

static const char *const hosts[] = {"localhost", "127.0.0.1", "[::1]", "api.example:8443", NULL};

static bool allowed(const char *h)
{
	return bw_http_host_allowed(hosts, 9000, bw_str_c(h));
}

static void host_allowlist(void **state)
{
	static const char *const good[] = {"localhost",  "LOCALHOST",        "localhost:9000",
	                                   "127.0.0.1",  "127.0.0.1:9000",   "[::1]",
	                                   "[::1]:9000", "api.example:8443", "Api.Example:8443"};
	static const char *const bad[] = {
	        "",
	        "evil.example",
	        "localhost:9001",
	        "localhost:",
	        "localhost:09000",
	        "localhost:+9000",
	        "localhost:0",
	        "localhost:65536",
	        "localhost.",
	        "localhost.evil",
	        "evil.localhost",
	        "127.0.0.1.nip.io",
	        "api.example",
	        "api.example:443",
	        "api.example:9000",
	        "[::1",
	        "[::1]x",
	        "::1",
	        "[::2]",
	        "localhost:9000:1",
	        "local host",
	        "127.0.0.1:9000 ",
	        "user@localhost",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!allowed(good[i]))
			fail_msg("refused: %s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (allowed(bad[i]))
			fail_msg("accepted: %s", bad[i]);
	assert_false(bw_http_host_allowed(NULL, 9000, BW_STR("localhost")));
}

static void authority_split(void **state)
{
	struct bw_str h, p;

	(void)state;
	assert_true(bw_http_split_authority(BW_STR("a.example:80"), &h, &p));
	assert_true(bw_str_eq_c(h, "a.example") && bw_str_eq_c(p, "80"));
	assert_true(bw_http_split_authority(BW_STR("[::1]:80"), &h, &p));
	assert_true(bw_str_eq_c(h, "[::1]") && bw_str_eq_c(p, "80"));
	assert_true(bw_http_split_authority(BW_STR("[::1]"), &h, &p));
	assert_int_equal(p.len, 0);
	assert_false(bw_http_split_authority(BW_STR(":80"), &h, &p));
	assert_false(bw_http_split_authority(BW_STR("[::1]:"), &h, &p));
}

static void media_types(void **state)
{
	(void)state;
	assert_true(bw_http_media_type_is("application/json", "application/json"));
	assert_true(bw_http_media_type_is("Application/JSON", "application/json"));
	assert_true(bw_http_media_type_is("application/json; charset=utf-8", "application/json"));
	assert_true(
	        bw_http_media_type_is("application/json;charset=\"UTF-8\"", "application/json"));
	assert_false(bw_http_media_type_is(NULL, "application/json"));
	assert_false(bw_http_media_type_is("application/jsonp", "application/json"));
	assert_false(bw_http_media_type_is("application/json; charset=latin1", "application/json"));
	assert_false(bw_http_media_type_is("application/json; boundary=x", "application/json"));
	assert_false(bw_http_media_type_is("text/plain", "application/json"));
	assert_false(bw_http_media_type_is("application/json, text/plain", "application/json"));
	assert_false(
	        bw_http_media_type_is("application/x-www-form-urlencoded", "application/json"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(host_allowlist),
	        cmocka_unit_test(authority_split),
	        cmocka_unit_test(media_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
