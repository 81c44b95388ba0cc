/* test_apikey.c — API key generation, the strict text form, the checksum and the keyed hash. */
#include "bw_test.h"

#include "bulwark/apikey.h"

#include <sodium.h>

#define B62 "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/*
 * Known answers computed independently of the library (Python hashlib/hmac):
 * checksum = base62(int.from_bytes(sha256(random)[:4], "big")), six digits;
 * hash = hmac.new(bytes(range(32)), key_text, sha256).
 */
static const struct {
	const char *key;
	const char *hmac_hex;
} kats[] = {
        {"bwk_0123456789ABCDEFGHIJKLMNOPQRSTUV_1Ccxw3",
         "d63117cd438f222c515e46d8d7bec3595abe8cebc32bafac651009c6f1f290c1"},
        {"bwk_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz_330d2C",
         "cead74de8d0fee46dd15e387bbbf867ef3efe4ef9a6c4bb40c861e02b0dadba4"},
        {"bwk_00000000000000000000000000000000_2Qs0Tq",
         "f7c5a8fb9708c8c66ae699fea802073e3ab1f772abcc23a05900bc772c261e4c"},
};

static struct bw_secret *fixed_key(size_t len)
{
	uint8_t k[64];
	struct bw_secret *s = NULL;

	for (size_t i = 0; i < sizeof(k); i++)
		k[i] = (uint8_t)i;
	assert_int_equal(bw_secret_new(k, len, &s), BW_OK);
	return s;
}

static void new_keys_are_well_formed_and_distinct(void **state)
{
	char a[BW_APIKEY_SIZE], b[BW_APIKEY_SIZE];

	(void)state;
	assert_int_equal(BW_APIKEY_LEN, 43);
	bw_apikey_new(a);
	bw_apikey_new(b);
	assert_int_equal(strlen(a), BW_APIKEY_LEN);
	assert_string_not_equal(a, b);
	assert_memory_equal(a, "bwk_", 4);
	assert_int_equal(a[4 + BW_APIKEY_RANDOM_LEN], '_');
	for (size_t i = 4; i < BW_APIKEY_LEN; i++)
		if (i != 4 + BW_APIKEY_RANDOM_LEN)
			assert_non_null(strchr(B62, a[i]));
	assert_int_equal(bw_apikey_parse(bw_str_c(a)), BW_OK);
	assert_int_equal(bw_apikey_parse(bw_str_c(b)), BW_OK);
}

/* Every base62 character shows up in the random part: it is not a narrower alphabet. */
static void random_part_uses_the_whole_alphabet(void **state)
{
	bool seen[62] = {false};
	size_t distinct = 0;

	(void)state;
	for (int n = 0; n < 200; n++) {
		char k[BW_APIKEY_SIZE];

		bw_apikey_new(k);
		for (size_t i = 0; i < BW_APIKEY_RANDOM_LEN; i++)
			seen[strchr(B62, k[4 + i]) - B62] = true;
	}
	for (size_t i = 0; i < 62; i++)
		distinct += seen[i];
	assert_int_equal(distinct, 62);
}

static void checksum_known_answers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
		char sum[BW_APIKEY_CHECK_LEN];

		bw_apikey_checksum(kats[i].key + 4, sum);
		assert_memory_equal(sum, kats[i].key + 4 + BW_APIKEY_RANDOM_LEN + 1,
		                    BW_APIKEY_CHECK_LEN);
		assert_int_equal(bw_apikey_parse(bw_str_c(kats[i].key)), BW_OK);
	}
}

static void parse_refuses_everything_else(void **state)
{
	const char *good = kats[0].key;
	char k[BW_APIKEY_SIZE + 2];

	(void)state;
	/* every single-character change of a valid key is refused: the prefix,
	 * the separator and the checksum catch each one */
	for (size_t i = 0; i < BW_APIKEY_LEN; i++) {
		for (const char *c = B62 "_-+/=. \x7f\x80"; *c != '\0'; c++) {
			if (*c == good[i])
				continue;
			memcpy(k, good, BW_APIKEY_SIZE);
			k[i] = *c;
			assert_int_equal(bw_apikey_parse(bw_str_c(k)), BW_ERR_INVALID);
		}
	}
	/* lengths, case of the prefix, a NUL inside, empty */
	assert_int_equal(bw_apikey_parse((struct bw_str){good, BW_APIKEY_LEN - 1}), BW_ERR_INVALID);
	memcpy(k, good, BW_APIKEY_LEN);
	k[BW_APIKEY_LEN] = 'A';
	assert_int_equal(bw_apikey_parse((struct bw_str){k, BW_APIKEY_LEN + 1}), BW_ERR_INVALID);
	assert_int_equal(bw_apikey_parse(BW_STR("BWK_0123456789ABCDEFGHIJKLMNOPQRSTUV_1Ccxw3")),
	                 BW_ERR_INVALID);
	memcpy(k, good, BW_APIKEY_SIZE);
	k[10] = '\0';
	assert_int_equal(bw_apikey_parse((struct bw_str){k, BW_APIKEY_LEN}), BW_ERR_INVALID);
	assert_int_equal(bw_apikey_parse(BW_STR("")), BW_ERR_INVALID);
	assert_int_equal(bw_apikey_parse((struct bw_str){NULL, 0}), BW_ERR_INVALID);
	/* a swapped pair of the random part keeps the alphabet but not the checksum */
	memcpy(k, good, BW_APIKEY_SIZE);
	k[5] = good[6];
	k[6] = good[5];
	assert_int_equal(bw_apikey_parse(bw_str_c(k)), BW_ERR_INVALID);
}

static void hash_known_answers_and_refusals(void **state)
{
	struct bw_secret *key = fixed_key(32), *short_key = fixed_key(31);
	struct bw_apikey_hash h, h2, want;

	(void)state;
	for (size_t i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
		size_t n = 0;

		assert_int_equal(sodium_hex2bin(want.bytes, sizeof(want.bytes), kats[i].hmac_hex,
		                                64, NULL, &n, NULL),
		                 0);
		assert_int_equal(bw_apikey_hash(key, bw_str_c(kats[i].key), &h), BW_OK);
		assert_true(bw_apikey_hash_eq(&h, &want));
	}
	assert_int_equal(bw_apikey_hash(key, bw_str_c(kats[0].key), &h), BW_OK);
	assert_int_equal(bw_apikey_hash(key, bw_str_c(kats[1].key), &h2), BW_OK);
	assert_false(bw_apikey_hash_eq(&h, &h2));
	/* a malformed key is never hashed; *out stays as it was */
	memset(&h2, 0xAA, sizeof(h2));
	assert_int_equal(
	        bw_apikey_hash(key, BW_STR("bwk_0123456789ABCDEFGHIJKLMNOPQRSTUV_1Ccxw4"), &h2),
	        BW_ERR_INVALID);
	for (size_t i = 0; i < sizeof(h2.bytes); i++)
		assert_int_equal(h2.bytes[i], 0xAA);
	assert_int_equal(bw_apikey_hash(short_key, bw_str_c(kats[0].key), &h2), BW_ERR_INVALID);
	bw_secret_free(key);
	bw_secret_free(short_key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(new_keys_are_well_formed_and_distinct),
	        cmocka_unit_test(random_part_uses_the_whole_alphabet),
	        cmocka_unit_test(checksum_known_answers),
	        cmocka_unit_test(parse_refuses_everything_else),
	        cmocka_unit_test(hash_known_answers_and_refusals),
	};

	if (bw_init() != BW_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
