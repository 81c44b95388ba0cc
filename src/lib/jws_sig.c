/*
 * jws_sig.c — the JWS signature of bytes under one key, per algorithm
 * (RFC 7518 §3): Ed25519 from libsodium; HMAC-SHA-256 (RFC 2104) over
 * OpenSSL's SHA-256 block function; ECDSA P-256 and RSA (PKCS#1 v1.5, PSS)
 * from OpenSSL 3's EVP interface.
 *
 * HMAC: the key's inner and outer pad states are computed once (the key
 * object keeps them in guarded memory) and copied per MAC, so a MAC costs
 * the message blocks and one outer block. OpenSSL's EVP_MAC does the same
 * but duplicates its provider contexts on every call, which cost as much
 * as the hashing of a typical token; its SHA256_* interface (deprecated in
 * 3.0, not removed) is the same assembly without that, and its plain
 * context struct copies with an assignment. libsodium's SHA-256 is
 * portable C, four times slower here.
 *
 * ES256 signatures travel as r || s, 32 bytes each. Before OpenSSL sees one,
 * both halves must lie in [1, n-1] (n the order of P-256): a zero or an
 * out-of-range value is refused here, not left to the library's version.
 * Then r and s become the DER that OpenSSL verifies.
 */
/* SHA256_Init/_Update/_Final: see above */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "jwt_internal.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <stddef.h>
#include <string.h>

/* the order n of the P-256 group (SEC 2 §2.4.2), big-endian */
static const uint8_t p256_order[JWS_ES256_HALF] = {
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
        0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

/* whether the big-endian number v is in [1, n-1] (public data: plain compare) */
static bool in_p256_range(const uint8_t v[JWS_ES256_HALF])
{
	bool nonzero = false;

	for (size_t i = 0; i < JWS_ES256_HALF; i++)
		nonzero |= v[i] != 0;
	if (!nonzero)
		return false;
	for (size_t i = 0; i < JWS_ES256_HALF; i++) {
		if (v[i] != p256_order[i])
			return v[i] < p256_order[i];
	}
	return false; /* v == n */
}

/* r || s to DER, the ECDSA-Sig-Value OpenSSL verifies; *der is OPENSSL_free'd */
static enum bw_err es256_to_der(const uint8_t *sig, unsigned char **der, size_t *derlen)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, JWS_ES256_HALF, NULL);
	BIGNUM *s = BN_bin2bn(sig + JWS_ES256_HALF, JWS_ES256_HALF, NULL);
	enum bw_err rc = BW_ERR_NOMEM;
	int n;

	*der = NULL;
	if (es == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1)
		goto out;
	r = s = NULL; /* owned by es now */
	n = i2d_ECDSA_SIG(es, der);
	if (n <= 0)
		goto out;
	*derlen = (size_t)n;
	rc = BW_OK;
out:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return rc;
}

/* DER from OpenSSL to r || s */
static enum bw_err es256_from_der(const unsigned char *der, size_t len,
                                  uint8_t out[JWS_ES256_SIG_BYTES])
{
	const unsigned char *p = der;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
	enum bw_err rc = BW_ERR_CRYPTO;

	if (es == NULL)
		return rc;
	if (BN_bn2binpad(ECDSA_SIG_get0_r(es), out, JWS_ES256_HALF) == JWS_ES256_HALF &&
	    BN_bn2binpad(ECDSA_SIG_get0_s(es), out + JWS_ES256_HALF, JWS_ES256_HALF) ==
	            JWS_ES256_HALF)
		rc = BW_OK;
	ECDSA_SIG_free(es);
	return rc;
}

/* RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt (RFC 7518 §3.5) */
static bool set_pss(EVP_PKEY_CTX *pctx)
{
	return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
	       EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1 &&
	       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) == 1;
}

#define HMAC_BLOCK 64u

/* The states after absorbing key ^ ipad and key ^ opad (RFC 2104 §2). */
struct jws_hmac_pads {
	SHA256_CTX inner, outer;
};

enum bw_err jws_hmac_pads_new(const uint8_t *key, size_t len, struct bw_secret **out)
{
	uint8_t k[HMAC_BLOCK] = {0}, pad[HMAC_BLOCK];
	struct jws_hmac_pads p;
	enum bw_err rc = BW_ERR_CRYPTO;

	*out = NULL;
	if (len > HMAC_BLOCK) {
		if (SHA256(key, len, k) == NULL)
			goto out;
	} else {
		memcpy(k, key, len);
	}
	for (unsigned i = 0; i < HMAC_BLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	if (SHA256_Init(&p.inner) != 1 || SHA256_Update(&p.inner, pad, sizeof(pad)) != 1)
		goto out;
	for (unsigned i = 0; i < HMAC_BLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	if (SHA256_Init(&p.outer) != 1 || SHA256_Update(&p.outer, pad, sizeof(pad)) != 1)
		goto out;
	rc = bw_secret_new(&p, sizeof(p), out);
out:
	sodium_memzero(k, sizeof(k));
	sodium_memzero(pad, sizeof(pad));
	sodium_memzero(&p, sizeof(p));
	return rc;
}

static enum bw_err hs256_mac(const struct bw_jwk *key, const void *msg, size_t len,
                             uint8_t mac[crypto_auth_hmacsha256_BYTES])
{
	/* copied out, not cast: guarded memory promises no alignment */
	const uint8_t *pads = bw_secret_bytes(key->hmac_pads);
	uint8_t inner[SHA256_DIGEST_LENGTH];
	SHA256_CTX c;
	enum bw_err rc = BW_ERR_CRYPTO;

	BW_REQUIRE(bw_secret_len(key->hmac_pads) == sizeof(struct jws_hmac_pads));
	memcpy(&c, pads + offsetof(struct jws_hmac_pads, inner), sizeof(c));
	if (SHA256_Update(&c, msg, len) == 1 && SHA256_Final(inner, &c) == 1) {
		memcpy(&c, pads + offsetof(struct jws_hmac_pads, outer), sizeof(c));
		if (SHA256_Update(&c, inner, sizeof(inner)) == 1 && SHA256_Final(mac, &c) == 1)
			rc = BW_OK;
	}
	sodium_memzero(&c, sizeof(c));
	sodium_memzero(inner, sizeof(inner));
	return rc;
}

static enum bw_err evp_sign(const struct bw_jwk *key, const void *msg, size_t len,
                            uint8_t sig[JWS_SIG_MAX], size_t *siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char der[JWS_SIG_MAX];
	size_t n = sizeof(der);
	enum bw_err rc = BW_ERR_NOMEM;

	if (ctx == NULL)
		goto out;
	rc = BW_ERR_CRYPTO;
	if (EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), NULL, key->pkey) != 1)
		goto out;
	if (key->alg == BW_JWT_PS256 && !set_pss(pctx))
		goto out;
	if (EVP_DigestSign(ctx, der, &n, msg, len) != 1)
		goto out;
	if (key->alg == BW_JWT_ES256) {
		rc = es256_from_der(der, n, sig);
		*siglen = JWS_ES256_SIG_BYTES;
	} else {
		memcpy(sig, der, n);
		*siglen = n;
		rc = BW_OK;
	}
out:
	if (rc != BW_OK)
		ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	return rc;
}

static enum bw_err evp_verify(const struct bw_jwk *key, const void *msg, size_t len,
                              const uint8_t *sig, size_t siglen)
{
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *der = NULL;
	const unsigned char *s = sig;
	size_t slen = siglen;
	enum bw_err rc = BW_ERR_VERIFY;
	int ok;

	if (key->alg == BW_JWT_ES256) {
		if (siglen != JWS_ES256_SIG_BYTES || !in_p256_range(sig) ||
		    !in_p256_range(sig + JWS_ES256_HALF))
			return BW_ERR_VERIFY;
		rc = es256_to_der(sig, &der, &slen);
		if (rc != BW_OK)
			goto out;
		s = der;
	} else if (siglen != (size_t)EVP_PKEY_get_size(key->pkey)) {
		return BW_ERR_VERIFY;
	}
	rc = BW_ERR_NOMEM;
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		goto out;
	rc = BW_ERR_CRYPTO;
	if (EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), NULL, key->pkey) != 1)
		goto out;
	if (key->alg == BW_JWT_PS256 && !set_pss(pctx))
		goto out;
	ok = EVP_DigestVerify(ctx, s, slen, msg, len);
	/* 0 is a wrong signature; < 0 a signature OpenSSL could not even parse */
	rc = ok == 1 ? BW_OK : BW_ERR_VERIFY;
out:
	ERR_clear_error();
	OPENSSL_free(der);
	EVP_MD_CTX_free(ctx);
	return rc;
}

enum bw_err jws_sign(const struct bw_jwk *key, const void *msg, size_t len,
                     uint8_t sig[JWS_SIG_MAX], size_t *siglen)
{
	unsigned long long n = 0;

	BW_REQUIRE(key != NULL && sig != NULL && siglen != NULL);
	*siglen = 0;
	if (!key->can_sign)
		return BW_ERR_STATE;
	switch (key->alg) {
	case BW_JWT_EDDSA:
		if (crypto_sign_detached(sig, &n, msg, len, bw_secret_bytes(key->secret)) != 0)
			return BW_ERR_CRYPTO;
		*siglen = (size_t)n;
		return BW_OK;
	case BW_JWT_HS256:
		*siglen = crypto_auth_hmacsha256_BYTES;
		return hs256_mac(key, msg, len, sig);
	case BW_JWT_ES256:
	case BW_JWT_RS256:
	case BW_JWT_PS256:
		return evp_sign(key, msg, len, sig, siglen);
	}
	bw_panic("jws_sign: key of unknown algorithm %d", (int)key->alg);
}

enum bw_err jws_verify(const struct bw_jwk *key, const void *msg, size_t len, const uint8_t *sig,
                       size_t siglen)
{
	uint8_t mac[crypto_auth_hmacsha256_BYTES];
	enum bw_err rc;

	BW_REQUIRE(key != NULL && (sig != NULL || siglen == 0));
	switch (key->alg) {
	case BW_JWT_EDDSA:
		if (siglen != crypto_sign_BYTES)
			return BW_ERR_VERIFY;
		return crypto_sign_verify_detached(sig, msg, len, key->ed_pk) == 0 ? BW_OK
		                                                                   : BW_ERR_VERIFY;
	case BW_JWT_HS256:
		rc = hs256_mac(key, msg, len, mac);
		if (rc == BW_OK && !bw_ct_eq(mac, sizeof(mac), sig, siglen))
			rc = BW_ERR_VERIFY;
		sodium_memzero(mac, sizeof(mac));
		return rc;
	case BW_JWT_ES256:
	case BW_JWT_RS256:
	case BW_JWT_PS256:
		return evp_verify(key, msg, len, sig, siglen);
	}
	bw_panic("jws_verify: key of unknown algorithm %d", (int)key->alg);
}
