/* test_buf.c — the bounded buffer never grows past its cap. */
#include "bw_test.h"

static void buf_appends_until_cap(void **state)
{
	struct bw_buf b;

	(void)state;
	bw_buf_init(&b, 10);
	assert_int_equal(bw_buf_append_c(&b, "12345"), BW_OK);
	assert_int_equal(bw_buf_append_c(&b, "67890"), BW_OK);
	assert_int_equal(bw_buf_append_byte(&b, 'x'), BW_ERR_LIMIT);
	assert_int_equal(b.len, 10);
	assert_string_equal(bw_buf_cstr(&b), "1234567890");
	bw_buf_free(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(bw_buf_cstr(&b), "");
}

static void buf_printf_all_or_nothing(void **state)
{
	struct bw_buf b;

	(void)state;
	bw_buf_init(&b, 16);
	assert_int_equal(bw_buf_printf(&b, "%d-%s", 42, "ab"), BW_OK);
	assert_int_equal(bw_buf_printf(&b, "%s", "this does not fit"), BW_ERR_LIMIT);
	assert_string_equal(bw_buf_cstr(&b), "42-ab");
	bw_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(bw_buf_append(&b, "a\0b", 3), BW_OK);
	assert_int_equal(bw_buf_str(&b).len, 3);
	bw_buf_free(&b);
}

static void buf_grows_in_steps(void **state)
{
	struct bw_buf b;

	(void)state;
	bw_buf_init(&b, 100000);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(bw_buf_append_c(&b, "0123456789"), BW_OK);
	assert_int_equal(b.len, 100000);
	assert_true(b.alloc <= 100001);
	assert_int_equal(bw_buf_append_byte(&b, 'x'), BW_ERR_LIMIT);
	bw_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(buf_appends_until_cap),
	        cmocka_unit_test(buf_printf_all_or_nothing),
	        cmocka_unit_test(buf_grows_in_steps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
