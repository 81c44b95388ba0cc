/* test_utf8.c — strict UTF-8: overlongs, surrogates, truncation, range. */
#include "bw_test.h"

static void utf8_accepts_well_formed(void **state)
{
	size_t n;

	(void)state;
	assert_true(bw_utf8_valid("", 0));
	assert_true(bw_utf8_valid("plain ascii", 11));
	assert_true(bw_utf8_valid("\xC3\xA9", 2));         /* é */
	assert_true(bw_utf8_valid("\xE2\x82\xAC", 3));     /* € */
	assert_true(bw_utf8_valid("\xF0\x9F\x98\x80", 4)); /* 😀 */
	assert_true(bw_utf8_valid("\xF4\x8F\xBF\xBF", 4)); /* U+10FFFF */
	assert_true(bw_utf8_valid("\xED\x9F\xBF", 3));     /* U+D7FF */
	assert_int_equal(bw_utf8_count("a\xC3\xA9\xF0\x9F\x98\x80", 7, &n), BW_OK);
	assert_int_equal(n, 3);
}

static void utf8_refuses_ill_formed(void **state)
{
	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
	        {"\xC0\xAF", 2},         /* overlong '/' */
	        {"\xC1\xBF", 2},         /* overlong */
	        {"\xE0\x80\xAF", 3},     /* overlong */
	        {"\xF0\x80\x80\xAF", 4}, /* overlong */
	        {"\xED\xA0\x80", 3},     /* surrogate D800 */
	        {"\xED\xBF\xBF", 3},     /* surrogate DFFF */
	        {"\xF4\x90\x80\x80", 4}, /* above U+10FFFF */
	        {"\xF5\x80\x80\x80", 4},
	        {"\xFF", 1},
	        {"\x80", 1},     /* lone continuation */
	        {"\xC3", 1},     /* truncated */
	        {"\xE2\x82", 2}, /* truncated */
	        {"a\xE2\x82"
	         "b",
	         4}, /* truncated mid-string */
	};
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(bw_utf8_valid(bad[i].s, bad[i].len));
		assert_int_equal(bw_utf8_count(bad[i].s, bad[i].len, &n), BW_ERR_ENCODING);
	}
}

static void utf8_decode_reports_skip(void **state)
{
	uint32_t cp;
	size_t n;

	(void)state;
	assert_false(bw_utf8_decode((const uint8_t *)"\xE2\x28\xA1", 3, &cp, &n));
	assert_int_equal(n, 1); /* the lead byte only: '(' is decoded next */
	assert_true(bw_utf8_decode((const uint8_t *)"\xE2\x82\xAC", 3, &cp, &n));
	assert_int_equal(cp, 0x20AC);
	assert_int_equal(n, 3);
}

static void utf8_encode_round_trip(void **state)
{
	uint8_t out[4];
	uint32_t cp;
	size_t n;

	(void)state;
	for (uint32_t c = 0; c <= 0x10FFFF; c += 0x3F) {
		size_t k = bw_utf8_encode(c, out);

		if (c >= 0xD800 && c <= 0xDFFF) {
			assert_int_equal(k, 0);
			continue;
		}
		assert_true(k >= 1 && k <= 4);
		assert_true(bw_utf8_decode(out, k, &cp, &n));
		assert_int_equal(cp, c);
		assert_int_equal(n, k);
	}
	assert_int_equal(bw_utf8_encode(0x110000, out), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(utf8_accepts_well_formed),
	        cmocka_unit_test(utf8_refuses_ill_formed),
	        cmocka_unit_test(utf8_decode_reports_skip),
	        cmocka_unit_test(utf8_encode_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
