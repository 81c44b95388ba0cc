/*
 * fuzz_totp.c — the strict base32 decoder, code verification and the
 * otpauth:// URI builder (totp.h).
 *
 * Input: the raw bytes, used three ways.
 *
 * Properties checked (abort on violation):
 *   - base32: what decodes re-encodes to exactly the input (one text per
 *     byte string: canonical form only), never more bytes than the length
 *     allows; the input's bytes encoded then decoded give them back;
 *   - verify: only exactly six ASCII digits can be accepted, the matched
 *     step lies within one step of now and after the replay floor, and a
 *     code accepted once is refused with its step as the floor;
 *   - URI: built from the input split in two names, it is printable ASCII
 *     without space, quote, angle bracket or backslash, holds one '?' and,
 *     before it, exactly one ':' after the scheme (the label's separator).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/bulwark.h"
#include "bulwark/totp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_totp: property broken: %s\n", what);
		abort();
	}
}

static void fuzz_base32(const uint8_t *data, size_t size)
{
	uint8_t out[256];
	char back[BW_BASE32_LEN(256) + 1];
	size_t n = 0;
	enum bw_err rc =
	        bw_base32_decode((struct bw_str){(const char *)data, size}, out, sizeof(out), &n);

	if (rc == BW_OK) {
		check(n == size * 5 / 8, "byte count follows from the length");
		check(bw_base32_encode(out, n, back, sizeof(back)) == BW_OK, "re-encodes");
		check(strlen(back) == size && memcmp(back, data, size) == 0, "canonical only");
	} else {
		check(rc == BW_ERR_INVALID || rc == BW_ERR_LIMIT, "decode error kind");
		check(n == 0, "nothing on error");
	}
	if (size <= 256) {
		check(bw_base32_encode(data, size, back, sizeof(back)) == BW_OK, "encodes");
		check(bw_base32_decode(bw_str_c(back), out, sizeof(out), &n) == BW_OK &&
		              n == size && (size == 0 || memcmp(out, data, size) == 0),
		      "round trip");
	}
}

static void fuzz_verify(const uint8_t *data, size_t size)
{
	static const uint8_t key[] = "12345678901234567890";
	struct bw_totp_params p = BW_TOTP_DEFAULTS;
	const int64_t now = 1700000015, step = now / 30;
	int64_t floor = size > 0 ? step - 2 + (data[0] & 3) : -1, m = -7;
	struct bw_str code = {(const char *)data + (size > 0), size > 0 ? size - 1 : 0};
	enum bw_err rc = bw_totp_verify(key, 20, &p, now, code, floor, &m);

	if (rc == BW_OK) {
		check(code.len == 6, "six digits");
		for (size_t i = 0; i < 6; i++)
			check(code.p[i] >= '0' && code.p[i] <= '9', "digits only");
		check(m >= step - 1 && m <= step + 1 && m > floor, "step in window, after floor");
		check(bw_totp_verify(key, 20, &p, now, code, m, &m) == BW_ERR_VERIFY, "once only");
	} else {
		check(rc == BW_ERR_INVALID || rc == BW_ERR_VERIFY, "verify error kind");
		check(m == -7, "no step on error");
	}
}

static void fuzz_uri(const uint8_t *data, size_t size)
{
	static const uint8_t key[] = "12345678901234567890";
	struct bw_totp_params p = BW_TOTP_DEFAULTS;
	size_t half = size / 2, q = 0, colons = 0;
	struct bw_buf b;
	const char *s;

	bw_buf_init(&b, 1 << 16);
	if (bw_otpauth_uri(&b, (struct bw_str){(const char *)data, half},
	                   (struct bw_str){(const char *)data + half, size - half}, key, 20,
	                   &p) != BW_OK) {
		check(b.len == 0, "nothing appended on error");
		bw_buf_free(&b);
		return;
	}
	s = bw_buf_cstr(&b);
	check(strncmp(s, "otpauth://totp/", 15) == 0, "scheme and type");
	for (size_t i = 0; i < b.len; i++) {
		unsigned char c = (unsigned char)s[i];

		check(c > 0x20 && c < 0x7f && c != '"' && c != '<' && c != '>' && c != '\\',
		      "printable URI characters");
		if (c == '?')
			q++;
		if (c == ':' && q == 0 && i >= 15)
			colons++;
	}
	check(q == 1 && colons == 1, "one query, one label separator");
	bw_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;

	if (!ready) {
		if (bw_init() != BW_OK)
			abort();
		ready = 1;
	}
	if (size > 4096)
		return 0;
	fuzz_base32(data, size);
	fuzz_verify(data, size);
	fuzz_uri(data, size);
	return 0;
}
