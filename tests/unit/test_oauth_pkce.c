/* test_oauth_pkce.c — S256 PKCE: the RFC 7636 appendix B vector and malformed inputs. */
#include "bw_test.h"

#include "oauth_pkce.h"

static const char rfc_verifier[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
static const char rfc_challenge[] = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

static void rfc7636_vector_matches(void **state)
{
	(void)state;
	assert_int_equal(bw_pkce_check(bw_str_c(rfc_verifier), bw_str_c(rfc_challenge)), BW_OK);
}

static void wrong_verifier_does_not_match(void **state)
{
	char v[sizeof(rfc_verifier)];

	(void)state;
	memcpy(v, rfc_verifier, sizeof(v));
	v[0] = 'e';
	assert_int_equal(bw_pkce_check(bw_str_c(v), bw_str_c(rfc_challenge)), BW_ERR_VERIFY);
	/* the "plain" method: the challenge presented as its own verifier */
	assert_int_not_equal(bw_pkce_check(bw_str_c(rfc_challenge), bw_str_c(rfc_challenge)),
	                     BW_OK);
}

static void malformed_values_are_refused(void **state)
{
	char longv[BW_PKCE_VERIFIER_MAX + 2];

	(void)state;
	/* too short, bad characters, too long */
	assert_int_equal(bw_pkce_check(BW_STR("abc"), bw_str_c(rfc_challenge)), BW_ERR_INVALID);
	assert_int_equal(bw_pkce_check(BW_STR("dBjftJeZ4CVP+mB92K27uhbUJU1p1r/wW1gFWFOEjXk"),
	                               bw_str_c(rfc_challenge)),
	                 BW_ERR_INVALID);
	memset(longv, 'a', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	assert_int_equal(bw_pkce_check(bw_str_c(longv), bw_str_c(rfc_challenge)), BW_ERR_INVALID);
	longv[BW_PKCE_VERIFIER_MAX] = '\0';
	assert_true(bw_pkce_verifier_ok(bw_str_c(longv)));
	/* challenges: padded, wrong length, spare bits set, non-base64url */
	assert_false(bw_pkce_challenge_ok(BW_STR("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM=")));
	assert_false(bw_pkce_challenge_ok(BW_STR("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c")));
	assert_false(bw_pkce_challenge_ok(BW_STR("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN")));
	assert_false(bw_pkce_challenge_ok(BW_STR("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM")));
	assert_true(bw_pkce_challenge_ok(bw_str_c(rfc_challenge)));
	assert_int_equal(bw_pkce_check(bw_str_c(rfc_verifier), BW_STR("")), BW_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(rfc7636_vector_matches),
	        cmocka_unit_test(wrong_verifier_does_not_match),
	        cmocka_unit_test(malformed_values_are_refused),
	};

	if (bw_init() != BW_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
