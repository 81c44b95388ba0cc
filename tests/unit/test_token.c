/* test_token.c — token generation, the strict text form, keyed hashes and their comparison. */
#include "bw_test.h"

#include "bulwark/token.h"

#include <sodium.h>

/*
 * Known answers computed independently of libsodium (Python hashlib):
 * blake2b(bytes([len(label)]) + label + raw, key=00..1f, digest_size=32)
 * with raw = 40 41 … 5f, whose text form is fixed_text.
 */
static const char fixed_text[] = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8";
static const char kat_session[] =
        "a5a650ab359cb0b4b8c473dab2aa277df048fb3d9402fcf719356a2b428df9b9";
static const char kat_reset[] = "709751d22cfbb2d8ed646dbd970512c815f9f91d95288fe546aca950fb12e053";

static struct bw_secret *fixed_key(uint8_t first)
{
	uint8_t k[32];
	struct bw_secret *s = NULL;

	for (size_t i = 0; i < sizeof(k); i++)
		k[i] = (uint8_t)(first + i);
	assert_int_equal(bw_secret_new(k, sizeof(k), &s), BW_OK);
	return s;
}

static void from_hex(const char *hex, struct bw_token_hash *h)
{
	size_t n = 0;

	assert_int_equal(
	        sodium_hex2bin(h->bytes, sizeof(h->bytes), hex, strlen(hex), NULL, &n, NULL), 0);
	assert_int_equal(n, sizeof(h->bytes));
}

static void new_tokens_are_well_formed_and_distinct(void **state)
{
	char a[BW_TOKEN_TEXT_SIZE], b[BW_TOKEN_TEXT_SIZE];
	uint8_t raw[BW_TOKEN_BYTES];

	(void)state;
	bw_token_new(a);
	bw_token_new(b);
	assert_int_equal(strlen(a), BW_TOKEN_TEXT_LEN);
	assert_int_equal(strlen(b), BW_TOKEN_TEXT_LEN);
	assert_string_not_equal(a, b);
	assert_int_equal(bw_token_parse(bw_str_c(a), raw), BW_OK);
	assert_int_equal(bw_token_parse(bw_str_c(b), raw), BW_OK);
	for (size_t i = 0; i < BW_TOKEN_TEXT_LEN; i++)
		assert_non_null(strchr(
		        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", a[i]));
}

static void parse_decodes_exactly(void **state)
{
	uint8_t raw[BW_TOKEN_BYTES];

	(void)state;
	assert_int_equal(bw_token_parse(bw_str_c(fixed_text), raw), BW_OK);
	for (size_t i = 0; i < sizeof(raw); i++)
		assert_int_equal(raw[i], 0x40 + i);
}

static void parse_refuses(void **state)
{
	uint8_t raw[BW_TOKEN_BYTES];
	char buf[64];
	static const char *const bad[] = {
	        "",
	        "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl",     /* 42: short */
	        "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8A",   /* 44: long */
	        "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=",   /* padded */
	        "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl9",    /* spare bits set */
	        "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdX+8",    /* standard alphabet '+' */
	        "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdX/8",    /* standard alphabet '/' */
	        "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdX 8",    /* space */
	        " QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl",    /* leading space */
	        "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl\n",   /* newline */
	        "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl\xc3", /* high byte */
	        "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdX.8",    /* '.' */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(raw, 0xaa, sizeof(raw));
		if (bw_token_parse(bw_str_c(bad[i]), raw) != BW_ERR_INVALID)
			fail_msg("accepted bad token #%zu", i);
		for (size_t j = 0; j < sizeof(raw); j++)
			assert_int_equal(raw[j], 0); /* wiped */
	}
	/* an embedded NUL within the exact length */
	memcpy(buf, fixed_text, BW_TOKEN_TEXT_LEN);
	buf[10] = '\0';
	assert_int_equal(bw_token_parse((struct bw_str){buf, BW_TOKEN_TEXT_LEN}, raw),
	                 BW_ERR_INVALID);
	/* every byte value outside the alphabet, in every position class */
	for (int c = 0; c < 256; c++) {
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		          (c >= '0' && c <= '9') || c == '-' || c == '_';

		memcpy(buf, fixed_text, BW_TOKEN_TEXT_LEN);
		buf[5] = (char)c;
		assert_int_equal(bw_token_parse((struct bw_str){buf, BW_TOKEN_TEXT_LEN}, raw),
		                 ok ? BW_OK : BW_ERR_INVALID);
	}
}

static void decode_other_lengths(void **state)
{
	uint8_t one[1], three[3];

	(void)state;
	assert_int_equal(bw_token_decode(BW_STR("_w"), one, 1), BW_OK);
	assert_int_equal(one[0], 0xff);
	assert_int_equal(bw_token_decode(BW_STR("_x"), one, 1), BW_ERR_INVALID); /* spare bits */
	assert_int_equal(bw_token_decode(BW_STR("_w="), one, 1), BW_ERR_INVALID);
	assert_int_equal(bw_token_decode(BW_STR("AAAA"), three, 3), BW_OK);
	assert_int_equal(bw_token_decode(BW_STR("AAA"), three, 3), BW_ERR_INVALID);
	assert_int_equal(bw_token_decode(BW_STR("AAAAA"), three, 3), BW_ERR_INVALID);
}

static void hash_known_answers(void **state)
{
	struct bw_secret *k = fixed_key(0), *k2 = fixed_key(1);
	struct bw_token_hash h, want, other;

	(void)state;
	assert_int_equal(bw_token_hash(k, "session", bw_str_c(fixed_text), &h), BW_OK);
	from_hex(kat_session, &want);
	assert_memory_equal(h.bytes, want.bytes, sizeof(h.bytes));
	assert_int_equal(bw_token_hash(k, "reset", bw_str_c(fixed_text), &h), BW_OK);
	from_hex(kat_reset, &want);
	assert_memory_equal(h.bytes, want.bytes, sizeof(h.bytes));
	/* another key gives another hash */
	assert_int_equal(bw_token_hash(k2, "reset", bw_str_c(fixed_text), &other), BW_OK);
	assert_false(bw_token_hash_eq(&other, &want));
	bw_secret_free(k);
	bw_secret_free(k2);
}

static void hash_refuses(void **state)
{
	struct bw_secret *k = fixed_key(0), *short_key = NULL;
	struct bw_token_hash h;

	(void)state;
	memset(&h, 0x55, sizeof(h));
	assert_int_equal(bw_token_hash(k, "session", BW_STR("not-a-token"), &h), BW_ERR_INVALID);
	for (size_t i = 0; i < sizeof(h.bytes); i++)
		assert_int_equal(h.bytes[i], 0x55); /* untouched */
	assert_int_equal(bw_secret_new("0123456789abcdef", 16, &short_key), BW_OK);
	assert_int_equal(bw_token_hash(short_key, "session", bw_str_c(fixed_text), &h),
	                 BW_ERR_INVALID);
	bw_secret_free(short_key);
	bw_secret_free(k);
}

static void verify_match_mismatch_malformed(void **state)
{
	struct bw_secret *k = fixed_key(0);
	struct bw_token_hash stored;
	char t[BW_TOKEN_TEXT_SIZE], u[BW_TOKEN_TEXT_SIZE];

	(void)state;
	bw_token_new(t);
	bw_token_new(u);
	assert_int_equal(bw_token_hash(k, "verify", bw_str_c(t), &stored), BW_OK);
	assert_int_equal(bw_token_verify(k, "verify", bw_str_c(t), &stored), BW_OK);
	assert_int_equal(bw_token_verify(k, "verify", bw_str_c(u), &stored), BW_ERR_VERIFY);
	/* the same token of another kind does not match */
	assert_int_equal(bw_token_verify(k, "reset", bw_str_c(t), &stored), BW_ERR_VERIFY);
	/* one flipped character */
	t[0] = t[0] == 'A' ? 'B' : 'A';
	assert_int_equal(bw_token_verify(k, "verify", bw_str_c(t), &stored), BW_ERR_VERIFY);
	/* truncated */
	assert_int_equal(bw_token_verify(k, "verify", (struct bw_str){t, 42}, &stored),
	                 BW_ERR_INVALID);
	bw_secret_free(k);
}

static void hash_eq_each_byte(void **state)
{
	struct bw_token_hash a, b;

	(void)state;
	memset(&a, 7, sizeof(a));
	memcpy(&b, &a, sizeof(a));
	assert_true(bw_token_hash_eq(&a, &b));
	for (size_t i = 0; i < sizeof(a.bytes); i++) {
		b.bytes[i] ^= 1;
		assert_false(bw_token_hash_eq(&a, &b));
		b.bytes[i] ^= 1;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(new_tokens_are_well_formed_and_distinct),
	        cmocka_unit_test(parse_decodes_exactly),
	        cmocka_unit_test(parse_refuses),
	        cmocka_unit_test(decode_other_lengths),
	        cmocka_unit_test(hash_known_answers),
	        cmocka_unit_test(hash_refuses),
	        cmocka_unit_test(verify_match_mismatch_malformed),
	        cmocka_unit_test(hash_eq_each_byte),
	};

	if (bw_init() != BW_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
