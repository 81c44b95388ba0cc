/*
 * totp.c — HOTP/TOTP codes over OpenSSL's HMAC, their constant-time
 * verification, base32 and the otpauth:// Key URI (totp.h).
 */
#include "bulwark/totp.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "bulwark/encode.h"
#include "bulwark/secret.h"
#include "bulwark/utf8.h"

#define PERIOD_MAX 3600u
#define URI_MAX    4096u

static const uint32_t pow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

static const EVP_MD *alg_md(enum bw_totp_alg alg)
{
	switch (alg) {
	case BW_TOTP_SHA1:
		return EVP_sha1();
	case BW_TOTP_SHA256:
		return EVP_sha256();
	case BW_TOTP_SHA512:
		return EVP_sha512();
	}
	return NULL;
}

const char *bw_totp_alg_name(enum bw_totp_alg alg)
{
	switch (alg) {
	case BW_TOTP_SHA1:
		return "SHA1";
	case BW_TOTP_SHA256:
		return "SHA256";
	case BW_TOTP_SHA512:
		return "SHA512";
	}
	return "unknown";
}

static bool params_ok(const struct bw_totp_params *p)
{
	return p != NULL && alg_md(p->alg) != NULL && p->digits >= BW_TOTP_DIGITS_MIN &&
	       p->digits <= BW_TOTP_DIGITS_MAX && p->period_s >= 1 && p->period_s <= PERIOD_MAX &&
	       p->window <= BW_TOTP_WINDOW_MAX;
}

enum bw_err bw_hotp(const uint8_t *key, size_t keylen, enum bw_totp_alg alg, uint64_t counter,
                    unsigned digits, char out[BW_TOTP_CODE_SIZE])
{
	const EVP_MD *md = alg_md(alg);
	uint8_t msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned maclen = 0, off;
	uint32_t bin;

	memset(out, 0, BW_TOTP_CODE_SIZE);
	if (md == NULL || key == NULL || keylen == 0 || keylen > BW_TOTP_SECRET_MAX ||
	    digits < BW_TOTP_DIGITS_MIN || digits > BW_TOTP_DIGITS_MAX)
		return BW_ERR_INVALID;
	for (int i = 7; i >= 0; i--) {
		msg[i] = (uint8_t)(counter & 0xffu);
		counter >>= 8;
	}
	if (HMAC(md, key, (int)keylen, msg, sizeof(msg), mac, &maclen) == NULL || maclen < 20) {
		bw_wipe(mac, sizeof(mac));
		return BW_ERR_CRYPTO;
	}
	/* dynamic truncation (RFC 4226 §5.3): the low nibble of the last byte */
	off = mac[maclen - 1] & 0x0fu;
	bin = ((uint32_t)(mac[off] & 0x7fu) << 24) | ((uint32_t)mac[off + 1] << 16) |
	      ((uint32_t)mac[off + 2] << 8) | (uint32_t)mac[off + 3];
	bin %= pow10[digits];
	for (unsigned i = digits; i > 0; i--) {
		out[i - 1] = (char)('0' + bin % 10u);
		bin /= 10u;
	}
	out[digits] = '\0';
	bw_wipe(mac, sizeof(mac));
	return BW_OK;
}

enum bw_err bw_totp_step(const struct bw_totp_params *p, int64_t t, int64_t *step)
{
	if (!params_ok(p))
		return BW_ERR_INVALID;
	if (t < 0)
		return BW_ERR_RANGE;
	*step = t / (int64_t)p->period_s;
	return BW_OK;
}

enum bw_err bw_totp_at(const uint8_t *key, size_t keylen, const struct bw_totp_params *p, int64_t t,
                       char out[BW_TOTP_CODE_SIZE])
{
	int64_t step = 0;
	enum bw_err rc = bw_totp_step(p, t, &step);

	if (rc != BW_OK) {
		memset(out, 0, BW_TOTP_CODE_SIZE);
		return rc;
	}
	return bw_hotp(key, keylen, p->alg, (uint64_t)step, p->digits, out);
}

enum bw_err bw_totp_verify(const uint8_t *key, size_t keylen, const struct bw_totp_params *p,
                           int64_t now, struct bw_str code, int64_t after_step,
                           int64_t *matched_step)
{
	char want[BW_TOTP_CODE_SIZE];
	int64_t step = 0, found = -1;
	enum bw_err rc;

	if (!params_ok(p) || code.p == NULL || code.len != p->digits)
		return BW_ERR_INVALID;
	for (size_t i = 0; i < code.len; i++)
		if (code.p[i] < '0' || code.p[i] > '9')
			return BW_ERR_INVALID;
	rc = bw_totp_step(p, now, &step);
	if (rc != BW_OK)
		return rc;
	/* every step of the window, oldest first; the latest match wins */
	for (int64_t s = step - (int64_t)p->window; s <= step + (int64_t)p->window; s++) {
		bool eq;

		if (s < 0)
			continue;
		rc = bw_hotp(key, keylen, p->alg, (uint64_t)s, p->digits, want);
		if (rc != BW_OK)
			break;
		eq = sodium_memcmp(want, code.p, code.len) == 0;
		/* branch-free on the comparison result: found = eq && s > after ? s : found */
		{
			int64_t take = -(int64_t)(eq & (s > after_step));

			found = (found & ~take) | (s & take);
		}
	}
	bw_wipe(want, sizeof(want));
	if (rc != BW_OK)
		return rc;
	if (found < 0)
		return BW_ERR_VERIFY;
	*matched_step = found;
	return BW_OK;
}

/* ---- base32 (RFC 4648 §6) ------------------------------------------------ */

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

enum bw_err bw_base32_encode(const uint8_t *p, size_t len, char *out, size_t outsize)
{
	size_t need = BW_BASE32_LEN(len), o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;

	if (len > (SIZE_MAX - 8) / 8 || outsize < need + 1) {
		if (outsize > 0)
			out[0] = '\0';
		return BW_ERR_LIMIT;
	}
	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | p[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = b32_alphabet[(acc >> bits) & 31u];
		}
		acc &= (1u << bits) - 1u;
	}
	if (bits > 0)
		out[o++] = b32_alphabet[(acc << (5 - bits)) & 31u];
	out[o] = '\0';
	return BW_OK;
}

static int b32_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

enum bw_err bw_base32_decode(struct bw_str text, uint8_t *out, size_t cap, size_t *outlen)
{
	size_t rem = text.len % 8, n = text.len / 8 * 5, o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;

	*outlen = 0;
	/* 1, 3 and 6 characters left over encode no whole number of bytes */
	if (text.p == NULL || rem == 1 || rem == 3 || rem == 6)
		return BW_ERR_INVALID;
	n += rem == 2 ? 1 : rem == 4 ? 2 : rem == 5 ? 3 : rem == 7 ? 4 : 0;
	for (size_t i = 0; i < text.len; i++)
		if (b32_value(text.p[i]) < 0)
			return BW_ERR_INVALID;
	if (n > cap)
		return BW_ERR_LIMIT;
	for (size_t i = 0; i < text.len; i++) {
		acc = (acc << 5) | (uint32_t)b32_value(text.p[i]);
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
		acc &= (1u << bits) - 1u;
	}
	/* canonical form only: the spare bits of the last character are zero */
	if (acc != 0) {
		bw_wipe(out, cap);
		return BW_ERR_INVALID;
	}
	*outlen = o;
	return BW_OK;
}

/* ---- the Key URI ------------------------------------------------------- */

static bool name_ok(struct bw_str s)
{
	if (s.p == NULL || s.len == 0 || s.len > BW_OTPAUTH_NAME_MAX || !bw_utf8_valid(s.p, s.len))
		return false;
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (c < 0x20 || c == 0x7f || c == ':')
			return false;
	}
	/* C1 controls (U+0080..U+009F) are C2 80..C2 9F in UTF-8 */
	for (size_t i = 0; i + 1 < s.len; i++)
		if ((unsigned char)s.p[i] == 0xc2 && (unsigned char)s.p[i + 1] >= 0x80 &&
		    (unsigned char)s.p[i + 1] <= 0x9f)
			return false;
	return true;
}

enum bw_err bw_otpauth_uri(struct bw_buf *b, struct bw_str issuer, struct bw_str account,
                           const uint8_t *key, size_t keylen, const struct bw_totp_params *p)
{
	char secret[BW_BASE32_LEN(BW_TOTP_SECRET_MAX) + 1];
	struct bw_buf t;
	enum bw_err rc;

	if (!params_ok(p) || !name_ok(issuer) || !name_ok(account) || key == NULL || keylen == 0 ||
	    keylen > BW_TOTP_SECRET_MAX)
		return BW_ERR_INVALID;
	rc = bw_base32_encode(key, keylen, secret, sizeof(secret));
	if (rc != BW_OK)
		return rc;
	bw_buf_init(&t, URI_MAX);
	rc = bw_buf_append_c(&t, "otpauth://totp/");
	if (rc == BW_OK)
		rc = bw_encode_url_component(&t, issuer.p, issuer.len, BW_UTF8_REFUSE);
	if (rc == BW_OK)
		rc = bw_buf_append_byte(&t, ':');
	if (rc == BW_OK)
		rc = bw_encode_url_component(&t, account.p, account.len, BW_UTF8_REFUSE);
	if (rc == BW_OK)
		rc = bw_buf_printf(&t, "?secret=%s&issuer=", secret);
	if (rc == BW_OK)
		rc = bw_encode_url_component(&t, issuer.p, issuer.len, BW_UTF8_REFUSE);
	if (rc == BW_OK)
		rc = bw_buf_printf(&t, "&algorithm=%s&digits=%u&period=%u",
		                   bw_totp_alg_name(p->alg), p->digits, p->period_s);
	if (rc == BW_OK)
		rc = bw_buf_append_str(b, bw_buf_str(&t));
	bw_buf_free(&t);
	bw_wipe(secret, sizeof(secret));
	return rc;
}
