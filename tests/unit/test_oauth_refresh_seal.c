/*
 * test_oauth_refresh_seal.c — the keyed successor of a refresh token and the
 * sealed access token of the grace window: deterministic under one key,
 * unrelated under another, never the token or its stored hash, and a seal
 * that opens only for its own successor and refuses any tampering.
 */
#include "bw_test.h"

#include <sodium.h>

#include "app.h"
#include "oauth_refresh.h"

static struct bw_app app_a, app_b;

static struct bw_secret *purpose_key(uint8_t first)
{
	uint8_t m[32];
	struct bw_secret *master = NULL, *k = NULL;

	for (size_t i = 0; i < sizeof(m); i++)
		m[i] = (uint8_t)(first + i);
	assert_int_equal(bw_secret_new(m, sizeof(m), &master), BW_OK);
	assert_int_equal(bw_keys_derive(master, BW_KEY_REFRESH, 1, &k), BW_OK);
	bw_secret_free(master);
	return k;
}

static int setup(void **state)
{
	(void)state;
	app_a.oauth_key = purpose_key(1);
	app_b.oauth_key = purpose_key(2);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bw_secret_free(app_a.oauth_key);
	bw_secret_free(app_b.oauth_key);
	return 0;
}

static void successor_is_keyed_and_deterministic(void **state)
{
	char t[BW_TOKEN_TEXT_SIZE], s1[BW_TOKEN_TEXT_SIZE], s2[BW_TOKEN_TEXT_SIZE];
	char other[BW_TOKEN_TEXT_SIZE], u[BW_TOKEN_TEXT_SIZE], su[BW_TOKEN_TEXT_SIZE];
	uint8_t raw[BW_TOKEN_BYTES];

	(void)state;
	bw_token_new(t);
	bw_token_new(u);
	assert_int_equal(bw_refresh_successor(&app_a, bw_str_c(t), s1), BW_OK);
	assert_int_equal(bw_refresh_successor(&app_a, bw_str_c(t), s2), BW_OK);
	assert_string_equal(s1, s2);                                /* a retry recomputes it */
	assert_int_equal(bw_token_parse(bw_str_c(s1), raw), BW_OK); /* a token like any other */
	assert_string_not_equal(s1, t);
	assert_int_equal(bw_refresh_successor(&app_b, bw_str_c(t), other), BW_OK);
	assert_string_not_equal(s1, other); /* nobody without the key computes it */
	assert_int_equal(bw_refresh_successor(&app_a, bw_str_c(u), su), BW_OK);
	assert_string_not_equal(s1, su);
	/* a malformed token has no successor */
	assert_int_not_equal(bw_refresh_successor(&app_a, BW_STR("short"), other), BW_OK);
}

static void seal_opens_only_for_its_successor(void **state)
{
	struct bw_arena *a = bw_arena_new(65536);
	char t[BW_TOKEN_TEXT_SIZE], s[BW_TOKEN_TEXT_SIZE], wrong[BW_TOKEN_TEXT_SIZE];
	static const char at[] = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln";
	uint8_t *box = NULL, *box2 = NULL;
	size_t len = 0, len2 = 0;
	const char *out = NULL;

	(void)state;
	assert_non_null(a);
	bw_token_new(t);
	bw_token_new(wrong);
	assert_int_equal(bw_refresh_successor(&app_a, bw_str_c(t), s), BW_OK);
	assert_int_equal(bw_refresh_seal(&app_a, bw_str_c(s), bw_str_c(at), a, &box, &len), BW_OK);
	assert_null(memmem(box, len, at, sizeof(at) - 1)); /* not in clear */
	assert_int_equal(bw_refresh_open(&app_a, bw_str_c(s), box, len, a, &out), BW_OK);
	assert_string_equal(out, at);
	/* fresh nonce: two seals differ, both open */
	assert_int_equal(bw_refresh_seal(&app_a, bw_str_c(s), bw_str_c(at), a, &box2, &len2),
	                 BW_OK);
	assert_true(len == len2 && memcmp(box, box2, len) != 0);
	/* another successor, another server key, any flipped byte, a cut box: refused */
	assert_int_equal(bw_refresh_open(&app_a, bw_str_c(wrong), box, len, a, &out),
	                 BW_ERR_VERIFY);
	assert_int_equal(bw_refresh_open(&app_b, bw_str_c(s), box, len, a, &out), BW_ERR_VERIFY);
	for (size_t i = 0; i < len; i += 7) {
		box[i] ^= 0x01;
		assert_int_equal(bw_refresh_open(&app_a, bw_str_c(s), box, len, a, &out),
		                 BW_ERR_VERIFY);
		box[i] ^= 0x01;
	}
	assert_int_equal(bw_refresh_open(&app_a, bw_str_c(s), box, len - 1, a, &out),
	                 BW_ERR_VERIFY);
	assert_int_equal(bw_refresh_open(&app_a, bw_str_c(s), box, 10, a, &out), BW_ERR_VERIFY);
	assert_int_equal(bw_refresh_open(&app_a, bw_str_c(s), NULL, 0, a, &out), BW_ERR_VERIFY);
	/* nothing empty or oversized is sealed */
	assert_int_equal(bw_refresh_seal(&app_a, bw_str_c(s), BW_STR(""), a, &box, &len),
	                 BW_ERR_LIMIT);
	bw_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(successor_is_keyed_and_deterministic),
	        cmocka_unit_test(seal_opens_only_for_its_successor),
	};

	if (bw_init() != BW_OK)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
