/* test_arena.c — the per-request arena: cap, alignment, zeroing. */
#include "bw_test.h"

#include <stdalign.h>

static void arena_cap_is_hard(void **state)
{
	struct bw_arena *a = bw_arena_new(1024);
	size_t total = 0;
	void *p;

	(void)state;
	assert_non_null(a);
	while ((p = bw_arena_alloc(a, 10)) != NULL)
		total += 10;
	assert_true(total > 0 && total <= 1024);
	assert_true(bw_arena_used(a) <= 1024);
	assert_null(bw_arena_alloc(a, 1));
	assert_null(bw_arena_alloc(a, SIZE_MAX));
	assert_null(bw_arena_calloc(a, SIZE_MAX / 2, 4));
	bw_arena_free(a);
}

static void arena_alignment_and_zero(void **state)
{
	struct bw_arena *a = bw_arena_new(1 << 20);

	(void)state;
	for (size_t n = 1; n < 3000; n += 97) {
		unsigned char *p = bw_arena_alloc(a, n);

		assert_non_null(p);
		assert_true(((uintptr_t)p % alignof(max_align_t)) == 0);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(p[i], 0);
		memset(p, 0xAA, n);
	}
	bw_arena_free(a);
	bw_arena_free(NULL);
}

static void arena_big_blocks_keep_small_space(void **state)
{
	struct bw_arena *a = bw_arena_new(1 << 20);
	char *s1, *big, *s2;

	(void)state;
	s1 = bw_arena_strndup(a, "hello", 5);
	big = bw_arena_alloc(a, 100000);
	s2 = bw_arena_strndup(a, "world", 5);
	assert_non_null(s1);
	assert_non_null(big);
	assert_non_null(s2);
	assert_string_equal(s1, "hello");
	assert_string_equal(s2, "world");
	assert_int_equal(bw_arena_str(a, BW_STR("abc")).len, 3);
	bw_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(arena_cap_is_hard),
	        cmocka_unit_test(arena_alignment_and_zero),
	        cmocka_unit_test(arena_big_blocks_keep_small_space),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
