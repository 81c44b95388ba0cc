/*
 * jws_b64.c — the one base64url form JOSE accepts (RFC 7515 §2, RFC 4648 §5
 * without padding), checked strictly before libsodium decodes it.
 *
 * libsodium 1.0.18 maps some bytes >= 0x80 to digits, so the alphabet is
 * checked here first; then the length (never 1 mod 4) and the spare low bits
 * of the last character (zero), which together make the text exactly the
 * re-encoding of its bytes: a token has one spelling, never a second one
 * that a cache or denylist keyed by the text would miss.
 */
#include "jwt_internal.h"

#include <string.h>

/* value of a base64url character, or -1 */
static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
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

enum bw_err jws_b64_decode(const char *s, size_t len, uint8_t *out, size_t outsize, size_t *outlen)
{
	const char *end = NULL;
	size_t n = 0;

	*outlen = 0;
	if (!jws_b64_canonical(s, len))
		return BW_ERR_INVALID;
	if (jws_b64_decoded_len(len) > outsize)
		return BW_ERR_LIMIT;
	if (len == 0)
		return BW_OK;
	if (sodium_base642bin(out, outsize, s, len, NULL, &n, &end,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    end != s + len || n != jws_b64_decoded_len(len))
		return BW_ERR_INVALID;
	*outlen = n;
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
