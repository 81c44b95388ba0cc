/* oauth_pkce.c — S256 PKCE checks (oauth_pkce.h) with libsodium's SHA-256. */
#include "oauth_pkce.h"

#include <sodium.h>
#include <string.h>

#include "bulwark/secret.h"
#include "bulwark/token.h"

bool bw_pkce_challenge_ok(struct bw_str c)
{
	uint8_t raw[crypto_hash_sha256_BYTES];
	bool ok = c.len == BW_PKCE_CHALLENGE_LEN && bw_token_decode(c, raw, sizeof(raw)) == BW_OK;

	sodium_memzero(raw, sizeof(raw));
	return ok;
}

bool bw_pkce_verifier_ok(struct bw_str v)
{
	if (v.len < BW_PKCE_VERIFIER_MIN || v.len > BW_PKCE_VERIFIER_MAX)
		return false;
	for (size_t i = 0; i < v.len; i++) {
		char ch = v.p[i];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~'))
			return false;
	}
	return true;
}

enum bw_err bw_pkce_check(struct bw_str verifier, struct bw_str challenge)
{
	uint8_t digest[crypto_hash_sha256_BYTES];
	char text[BW_PKCE_CHALLENGE_LEN + 1];
	enum bw_err rc;

	if (!bw_pkce_verifier_ok(verifier) || !bw_pkce_challenge_ok(challenge))
		return BW_ERR_INVALID;
	crypto_hash_sha256(digest, (const unsigned char *)verifier.p, verifier.len);
	sodium_bin2base64(text, sizeof(text), digest, sizeof(digest),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	rc = bw_ct_eq(text, BW_PKCE_CHALLENGE_LEN, challenge.p, challenge.len) ? BW_OK
	                                                                       : BW_ERR_VERIFY;
	sodium_memzero(digest, sizeof(digest));
	sodium_memzero(text, sizeof(text));
	return rc;
}
