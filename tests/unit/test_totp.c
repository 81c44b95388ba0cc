/*
 * test_totp.c — HOTP and TOTP against the RFC 4226 appendix D and RFC 6238
 * appendix B known answers, the verification window and replay refusal,
 * strict base32, and the otpauth:// URI's encoding.
 */
#include "bw_test.h"

#include "bulwark/totp.h"

static const uint8_t seed20[] = "12345678901234567890";
static const uint8_t seed32[] = "12345678901234567890123456789012";
static const uint8_t seed64[] = "1234567890123456789012345678901234567890"
                                "123456789012345678901234";

static void hotp_rfc4226_appendix_d(void **state)
{
	static const char *const want[] = {"755224", "287082", "359152", "969429", "338314",
	                                   "254676", "287922", "162583", "399871", "520489"};
	char out[BW_TOTP_CODE_SIZE];

	(void)state;
	for (uint64_t c = 0; c < 10; c++) {
		assert_int_equal(bw_hotp(seed20, 20, BW_TOTP_SHA1, c, 6, out), BW_OK);
		assert_string_equal(out, want[c]);
	}
}

static void totp_rfc6238_appendix_b(void **state)
{
	static const struct {
		int64_t t;
		const char *sha1, *sha256, *sha512;
	} v[] = {
	        {59, "94287082", "46119246", "90693936"},
	        {1111111109, "07081804", "68084774", "25091201"},
	        {1111111111, "14050471", "67062674", "99943326"},
	        {1234567890, "89005924", "91819424", "93441116"},
	        {2000000000, "69279037", "90698825", "38618901"},
	        {20000000000, "65353130", "77737706", "47863826"},
	};
	struct bw_totp_params p = {BW_TOTP_SHA1, 8, 30, 0};
	char out[BW_TOTP_CODE_SIZE];
	int64_t step = -5;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		p.alg = BW_TOTP_SHA1;
		assert_int_equal(bw_totp_at(seed20, 20, &p, v[i].t, out), BW_OK);
		assert_string_equal(out, v[i].sha1);
		assert_int_equal(
		        bw_totp_verify(seed20, 20, &p, v[i].t, bw_str_c(v[i].sha1), -1, &step),
		        BW_OK);
		assert_true(step == v[i].t / 30);
		p.alg = BW_TOTP_SHA256;
		assert_int_equal(bw_totp_at(seed32, 32, &p, v[i].t, out), BW_OK);
		assert_string_equal(out, v[i].sha256);
		p.alg = BW_TOTP_SHA512;
		assert_int_equal(bw_totp_at(seed64, 64, &p, v[i].t, out), BW_OK);
		assert_string_equal(out, v[i].sha512);
	}
	/* 6 and 7 digits are the low digits of the same value */
	p = (struct bw_totp_params){BW_TOTP_SHA1, 6, 30, 0};
	assert_int_equal(bw_totp_at(seed20, 20, &p, 1111111109, out), BW_OK);
	assert_string_equal(out, "081804");
	p.digits = 7;
	assert_int_equal(bw_totp_at(seed20, 20, &p, 1111111109, out), BW_OK);
	assert_string_equal(out, "7081804");
}

static void hotp_refuses_bad_input(void **state)
{
	uint8_t big[BW_TOTP_SECRET_MAX + 1] = {0};
	char out[BW_TOTP_CODE_SIZE];
	struct bw_totp_params p = BW_TOTP_DEFAULTS;

	(void)state;
	assert_int_equal(bw_hotp(seed20, 0, BW_TOTP_SHA1, 0, 6, out), BW_ERR_INVALID);
	assert_int_equal(bw_hotp(big, sizeof(big), BW_TOTP_SHA1, 0, 6, out), BW_ERR_INVALID);
	assert_int_equal(bw_hotp(seed20, 20, BW_TOTP_SHA1, 0, 5, out), BW_ERR_INVALID);
	assert_int_equal(bw_hotp(seed20, 20, BW_TOTP_SHA1, 0, 9, out), BW_ERR_INVALID);
	assert_int_equal(bw_hotp(seed20, 20, (enum bw_totp_alg)7, 0, 6, out), BW_ERR_INVALID);
	assert_string_equal(out, "");
	assert_int_equal(bw_totp_at(seed20, 20, &p, -1, out), BW_ERR_RANGE);
	p.period_s = 0;
	assert_int_equal(bw_totp_at(seed20, 20, &p, 59, out), BW_ERR_INVALID);
	p = BW_TOTP_DEFAULTS;
	p.window = BW_TOTP_WINDOW_MAX + 1;
	assert_int_equal(bw_totp_at(seed20, 20, &p, 59, out), BW_ERR_INVALID);
}

/* The code at time t under the defaults. */
static void code_at(int64_t t, char out[BW_TOTP_CODE_SIZE])
{
	struct bw_totp_params p = BW_TOTP_DEFAULTS;

	assert_int_equal(bw_totp_at(seed20, 20, &p, t, out), BW_OK);
}

static void verify_window_and_replay(void **state)
{
	struct bw_totp_params p = BW_TOTP_DEFAULTS;
	const int64_t now = 1700000015; /* step 56666667, mid-step */
	const int64_t step = now / 30;
	char c[BW_TOTP_CODE_SIZE];
	int64_t m = 0;

	(void)state;
	for (int d = -1; d <= 1; d++) {
		code_at(now + d * 30, c);
		m = 0;
		assert_int_equal(bw_totp_verify(seed20, 20, &p, now, bw_str_c(c), -1, &m), BW_OK);
		assert_true(m == step + d);
	}
	/* two steps away is outside the window */
	code_at(now - 60, c);
	assert_int_equal(bw_totp_verify(seed20, 20, &p, now, bw_str_c(c), -1, &m), BW_ERR_VERIFY);
	code_at(now + 60, c);
	assert_int_equal(bw_totp_verify(seed20, 20, &p, now, bw_str_c(c), -1, &m), BW_ERR_VERIFY);
	/* a code is accepted once: its step, and any earlier one, is refused after */
	code_at(now, c);
	assert_int_equal(bw_totp_verify(seed20, 20, &p, now, bw_str_c(c), step, &m), BW_ERR_VERIFY);
	assert_int_equal(bw_totp_verify(seed20, 20, &p, now, bw_str_c(c), step - 1, &m), BW_OK);
	code_at(now - 30, c);
	assert_int_equal(bw_totp_verify(seed20, 20, &p, now, bw_str_c(c), step, &m), BW_ERR_VERIFY);
	/* the next step is still accepted after the current one */
	code_at(now + 30, c);
	assert_int_equal(bw_totp_verify(seed20, 20, &p, now, bw_str_c(c), step, &m), BW_OK);
	assert_true(m == step + 1);
	/* window 0: only now */
	p.window = 0;
	assert_int_equal(bw_totp_verify(seed20, 20, &p, now, bw_str_c(c), -1, &m), BW_ERR_VERIFY);
}

static void verify_refuses_malformed_codes(void **state)
{
	struct bw_totp_params p = BW_TOTP_DEFAULTS;
	const int64_t now = 1700000015;
	static const char *const bad[] = {"",
	                                  "12345",
	                                  "1234567",
	                                  " 12345",
	                                  "12345 ",
	                                  "12a456",
	                                  "+12345",
	                                  "-12345",
	                                  "１２３４５６",
	                                  "123\x00"
	                                  "56"};
	char c[BW_TOTP_CODE_SIZE];
	int64_t m = 77;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(bw_totp_verify(seed20, 20, &p, now, bw_str_c(bad[i]), -1, &m),
		                 BW_ERR_INVALID);
	/* an embedded NUL with the right length */
	code_at(now, c);
	c[2] = '\0';
	assert_int_equal(bw_totp_verify(seed20, 20, &p, now, (struct bw_str){c, 6}, -1, &m),
	                 BW_ERR_INVALID);
	/* a wrong code of the right shape */
	code_at(now, c);
	c[0] = c[0] == '9' ? '0' : (char)(c[0] + 1);
	assert_int_equal(bw_totp_verify(seed20, 20, &p, now, bw_str_c(c), -1, &m), BW_ERR_VERIFY);
	assert_true(m == 77);
}

static void base32_rfc4648_vectors(void **state)
{
	static const struct {
		const char *in, *out;
	} v[] = {
	        {"", ""},
	        {"f", "MY"},
	        {"fo", "MZXQ"},
	        {"foo", "MZXW6"},
	        {"foob", "MZXW6YQ"},
	        {"fooba", "MZXW6YTB"},
	        {"foobar", "MZXW6YTBOI"},
	};
	char out[40];
	uint8_t back[32];
	size_t n = 99;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(bw_base32_encode((const uint8_t *)v[i].in, strlen(v[i].in), out,
		                                  sizeof(out)),
		                 BW_OK);
		assert_string_equal(out, v[i].out);
		assert_int_equal(bw_base32_decode(bw_str_c(v[i].out), back, sizeof(back), &n),
		                 BW_OK);
		assert_int_equal(n, strlen(v[i].in));
		assert_memory_equal(back, v[i].in, n);
	}
	/* the vectors' HOTP seed */
	assert_int_equal(bw_base32_encode(seed20, 20, out, sizeof(out)), BW_OK);
	assert_string_equal(out, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	/* too small an output */
	assert_int_equal(bw_base32_encode(seed20, 20, out, 32), BW_ERR_LIMIT);
	assert_string_equal(out, "");
}

static void base32_decoder_is_strict(void **state)
{
	static const char *const bad[] = {
	        "MY======",                 /* padding */
	        "my",                       /* lower case */
	        "M",                        /* 1, 3, 6 characters left over */
	        "MZX",      "MZXW6Y", "MZ", /* spare bits set: "f" is MY */
	        "MZXR",                     /* spare bits set */
	        "MZXW 6",   "MZXW-6", "MZXW6\n", "MZ0W6", "MZ1W6", "MZ8W6", "MZXW6=",
	};
	uint8_t out[16];
	size_t n = 5;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(bw_base32_decode(bw_str_c(bad[i]), out, sizeof(out), &n),
		                 BW_ERR_INVALID);
		assert_int_equal(n, 0);
	}
	assert_int_equal(bw_base32_decode((struct bw_str){"MZ\0W6", 5}, out, sizeof(out), &n),
	                 BW_ERR_INVALID);
	/* the bytes must fit */
	assert_int_equal(bw_base32_decode(bw_str_c("MZXW6YTBOI"), out, 5, &n), BW_ERR_LIMIT);
}

static void otpauth_uri_encodes_names(void **state)
{
	struct bw_totp_params p = BW_TOTP_DEFAULTS;
	struct bw_buf b;

	(void)state;
	bw_buf_init(&b, 4096);
	assert_int_equal(bw_otpauth_uri(&b, bw_str_c("ACME Co"), bw_str_c("alice+mfa@example.com"),
	                                seed20, 20, &p),
	                 BW_OK);
	assert_string_equal(bw_buf_cstr(&b),
	                    "otpauth://totp/ACME%20Co:alice%2Bmfa%40example.com"
	                    "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20Co"
	                    "&algorithm=SHA1&digits=6&period=30");
	bw_buf_free(&b);
	/* characters that would end or split the URI's parts, and UTF-8 */
	bw_buf_init(&b, 4096);
	p = (struct bw_totp_params){BW_TOTP_SHA512, 8, 60, 1};
	assert_int_equal(
	        bw_otpauth_uri(&b, bw_str_c("a&b=c?d/e#f%"), bw_str_c("zoë"), seed20, 20, &p),
	        BW_OK);
	assert_string_equal(
	        bw_buf_cstr(&b),
	        "otpauth://totp/a%26b%3Dc%3Fd%2Fe%23f%25:zo%C3%AB"
	        "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=a%26b%3Dc%3Fd%2Fe%23f%25"
	        "&algorithm=SHA512&digits=8&period=60");
	bw_buf_free(&b);
}

static void otpauth_uri_refuses(void **state)
{
	struct bw_totp_params p = BW_TOTP_DEFAULTS;
	static const char *const bad[] = {"",        "a:b",        "tab\there", "nl\n",
	                                  "del\x7f", "c1\xc2\x85", "bad\xff"};
	char longname[BW_OTPAUTH_NAME_MAX + 2];
	struct bw_buf b;

	(void)state;
	bw_buf_init(&b, 4096);
	assert_int_equal(bw_buf_append_c(&b, "keep"), BW_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(
		        bw_otpauth_uri(&b, bw_str_c(bad[i]), bw_str_c("a"), seed20, 20, &p),
		        BW_ERR_INVALID);
		assert_int_equal(
		        bw_otpauth_uri(&b, bw_str_c("i"), bw_str_c(bad[i]), seed20, 20, &p),
		        BW_ERR_INVALID);
	}
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(bw_otpauth_uri(&b, bw_str_c("i"), bw_str_c(longname), seed20, 20, &p),
	                 BW_ERR_INVALID);
	assert_int_equal(bw_otpauth_uri(&b, bw_str_c("i"), bw_str_c("a"), seed20, 0, &p),
	                 BW_ERR_INVALID);
	p.digits = 9;
	assert_int_equal(bw_otpauth_uri(&b, bw_str_c("i"), bw_str_c("a"), seed20, 20, &p),
	                 BW_ERR_INVALID);
	assert_string_equal(bw_buf_cstr(&b), "keep");
	/* a buffer too small for the URI is left as it was */
	bw_buf_free(&b);
	bw_buf_init(&b, 40);
	p = BW_TOTP_DEFAULTS;
	assert_int_equal(bw_buf_append_c(&b, "keep"), BW_OK);
	assert_int_equal(bw_otpauth_uri(&b, bw_str_c("i"), bw_str_c("a"), seed20, 20, &p),
	                 BW_ERR_LIMIT);
	assert_string_equal(bw_buf_cstr(&b), "keep");
	bw_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(hotp_rfc4226_appendix_d),
	        cmocka_unit_test(totp_rfc6238_appendix_b),
	        cmocka_unit_test(hotp_refuses_bad_input),
	        cmocka_unit_test(verify_window_and_replay),
	        cmocka_unit_test(verify_refuses_malformed_codes),
	        cmocka_unit_test(base32_rfc4648_vectors),
	        cmocka_unit_test(base32_decoder_is_strict),
	        cmocka_unit_test(otpauth_uri_encodes_names),
	        cmocka_unit_test(otpauth_uri_refuses),
	};

	if (bw_init() != BW_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
