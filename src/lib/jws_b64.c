/*
 * jws_b64.c — the one base64url form JOSE accepts (RFC 7515 §2, RFC 4648 §5
 * without padding), decoded strictly: only the URL-safe alphabet (no
 * padding, no '+' or '/', no byte >= 0x80, no whitespace), a length that is
 * never 1 mod 4, and zero spare low bits in the last character. Together
 * they make the text exactly the re-encoding of its bytes: a token has one
 * spelling, never a second one that a cache or denylist keyed by the text
 * would miss. Encoding is libsodium's.
 */
#include "jwt_internal.h"

#include <string.h>

/* the value of each byte as a base64url digit, or -1 (so every byte >= 0x80) */
static const signed char b64_values[256] = {
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, 62, -1, -1, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1, -1, 0,
        1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
        23, 24, 25, -1, -1, -1, -1, 63, -1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38,
        39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

static int b64_value(unsigned char c)
{
	return b64_values[c];
}

bool jws_b64_canonical(const char *s, size_t len)
{
	int last;

	if (len % 4 == 1)
		return false;
	for (size_t i = 0; i < len; i++)
		if (b64_value((unsigned char)s[i]) < 0)
			return false;
	if (len % 4 == 0)
		return true;
	last = b64_value((unsigned char)s[len - 1]);
	/* 2 characters carry 8 bits (4 spare), 3 carry 16 (2 spare) */
	return (last & (len % 4 == 2 ? 0x0f : 0x03)) == 0;
}

/*
 * Decoding is done here, not by libsodium: its decoder is constant-time per
 * character, which JOSE text (public, the attacker's own) does not need,
 * and it costs several times this loop on every request. Nothing decoded
 * here is secret; the one secret-bearing JWK member ("k") is wiped by its
 * caller.
 */
enum bw_err jws_b64_decode(const char *s, size_t len, uint8_t *out, size_t outsize, size_t *outlen)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, o = 0, rem = len % 4;
	uint32_t x;

	*outlen = 0;
	if (rem == 1)
		return BW_ERR_INVALID;
	if (jws_b64_decoded_len(len) > outsize)
		return BW_ERR_LIMIT;
	for (; i + 4 <= len; i += 4, o += 3) {
		int a = b64_values[u[i]], b = b64_values[u[i + 1]], c = b64_values[u[i + 2]],
		    d = b64_values[u[i + 3]];

		if ((a | b | c | d) < 0)
			return BW_ERR_INVALID;
		x = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
		out[o] = (uint8_t)(x >> 16);
		out[o + 1] = (uint8_t)(x >> 8);
		out[o + 2] = (uint8_t)x;
	}
	/* the spare bits of the last character must be zero: one spelling per value */
	if (rem == 2) {
		int a = b64_values[u[i]], b = b64_values[u[i + 1]];

		if ((a | b) < 0 || (b & 0x0f) != 0)
			return BW_ERR_INVALID;
		out[o++] = (uint8_t)(a << 2 | b >> 4);
	} else if (rem == 3) {
		int a = b64_values[u[i]], b = b64_values[u[i + 1]], c = b64_values[u[i + 2]];

		if ((a | b | c) < 0 || (c & 0x03) != 0)
			return BW_ERR_INVALID;
		x = (uint32_t)a << 12 | (uint32_t)b << 6 | (uint32_t)c;
		out[o++] = (uint8_t)(x >> 10);
		out[o++] = (uint8_t)(x >> 2);
	}
	*outlen = o;
	return BW_OK;
}

enum bw_err jws_b64_append(struct bw_buf *b, const void *p, size_t len)
{
	char tmp[1024];
	const uint8_t *bytes = p;
	enum bw_err rc = BW_OK;

	/* whole 3-byte groups per chunk, so chunks concatenate without padding */
	while (len > 0 && rc == BW_OK) {
		size_t take = len > 765 ? 765 : len;

		sodium_bin2base64(tmp, sizeof(tmp), bytes, take,
		                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		rc = bw_buf_append(b, tmp, strlen(tmp));
		bytes += take;
		len -= take;
	}
	sodium_memzero(tmp, sizeof(tmp));
	return rc;
}

bool jws_kid_ok(const char *kid, size_t len)
{
	if (kid == NULL || len == 0 || len > BW_JWT_KID_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (kid[i] < 0x21 || kid[i] > 0x7e)
			return false;
	return true;
}
