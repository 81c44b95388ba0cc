/* test_str.c — the strict integer parser and string helpers. */
#include "bw_test.h"

static void parse_u64_accepts_canonical_decimal(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(bw_parse_u64(BW_STR("0"), 0, 10, &v), BW_OK);
	assert_int_equal(v, 0);
	assert_int_equal(bw_parse_u64(BW_STR("18446744073709551615"), 0, UINT64_MAX, &v), BW_OK);
	assert_true(v == UINT64_MAX);
	assert_int_equal(bw_parse_u64(BW_STR("42"), 42, 42, &v), BW_OK);
	assert_int_equal(v, 42);
}

static void parse_u64_refuses_what_strtoul_would_repair(void **state)
{
	static const char *const bad[] = {"",     " 1",  "1 ",  "+1", "-1",  "01",  "00",
	                                  "0x10", "1e3", "1.0", "١",  "1\n", "\t1", "1_000"};
	uint64_t v = 7;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(bw_parse_u64(bw_str_c(bad[i]), 0, UINT64_MAX, &v), BW_ERR_INVALID);
		assert_int_equal(v, 7);
	}
	/* an embedded NUL is a byte like any other: refused */
	assert_int_equal(bw_parse_u64((struct bw_str){"1\0"
	                                              "2",
	                                              3},
	                              0, 100, &v),
	                 BW_ERR_INVALID);
}

static void parse_u64_range_and_overflow(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(bw_parse_u64(BW_STR("18446744073709551616"), 0, UINT64_MAX, &v),
	                 BW_ERR_RANGE);
	assert_int_equal(bw_parse_u64(BW_STR("99999999999999999999999999"), 0, UINT64_MAX, &v),
	                 BW_ERR_RANGE);
	assert_int_equal(bw_parse_u64(BW_STR("99999999999999999999999x"), 0, UINT64_MAX, &v),
	                 BW_ERR_INVALID);
	assert_int_equal(bw_parse_u64(BW_STR("101"), 1, 100, &v), BW_ERR_RANGE);
	assert_int_equal(bw_parse_u64(BW_STR("0"), 1, 100, &v), BW_ERR_RANGE);
	assert_int_equal(v, 7);
}

static void parse_i64_signs(void **state)
{
	int64_t v = 0;

	(void)state;
	assert_int_equal(bw_parse_i64(BW_STR("-9223372036854775808"), INT64_MIN, INT64_MAX, &v),
	                 BW_OK);
	assert_true(v == INT64_MIN);
	assert_int_equal(bw_parse_i64(BW_STR("9223372036854775807"), INT64_MIN, INT64_MAX, &v),
	                 BW_OK);
	assert_true(v == INT64_MAX);
	assert_int_equal(bw_parse_i64(BW_STR("9223372036854775808"), INT64_MIN, INT64_MAX, &v),
	                 BW_ERR_RANGE);
	assert_int_equal(bw_parse_i64(BW_STR("-9223372036854775809"), INT64_MIN, INT64_MAX, &v),
	                 BW_ERR_RANGE);
	assert_int_equal(bw_parse_i64(BW_STR("-0"), -5, 5, &v), BW_ERR_INVALID);
	assert_int_equal(bw_parse_i64(BW_STR("--1"), -5, 5, &v), BW_ERR_INVALID);
	assert_int_equal(bw_parse_i64(BW_STR("-"), -5, 5, &v), BW_ERR_INVALID);
	assert_int_equal(bw_parse_i64(BW_STR("-5"), -5, 5, &v), BW_OK);
	assert_int_equal(v, -5);
	assert_int_equal(bw_parse_i64(BW_STR("-6"), -5, 5, &v), BW_ERR_RANGE);
}

static void str_comparisons(void **state)
{
	(void)state;
	assert_true(bw_str_eq_c(BW_STR("abc"), "abc"));
	assert_false(bw_str_eq_c(BW_STR("abc"), "abcd"));
	assert_true(bw_str_caseeq_c(BW_STR("Content-Type"), "content-type"));
	assert_false(bw_str_caseeq_c(BW_STR("Content-Typf"), "content-type"));
	assert_true(bw_str_has_prefix_c(BW_STR("/v1/x"), "/v1/"));
	assert_false(bw_str_has_prefix_c(BW_STR("/v"), "/v1/"));
	assert_int_equal(bw_str_c(NULL).len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(parse_u64_accepts_canonical_decimal),
	        cmocka_unit_test(parse_u64_refuses_what_strtoul_would_repair),
	        cmocka_unit_test(parse_u64_range_and_overflow),
	        cmocka_unit_test(parse_i64_signs),
	        cmocka_unit_test(str_comparisons),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
