/*
 * jws_sig.c — the JWS signature of bytes under one key, per algorithm
 * (RFC 7518 §3): Ed25519 from libsodium; HMAC-SHA-256, ECDSA P-256 and RSA
 * (PKCS#1 v1.5, PSS) from OpenSSL 3's EVP interface.
 *
 * HMAC: duplicating OpenSSL's keyed MAC context for every token cost as
 * much as hashing a typical token, so each key keeps a few ready contexts
 * (struct jws_hmac) that threads take in turn and re-initialise with the
 * key they hold; only when all are taken is one duplicated. The HMAC is
 * OpenSSL's throughout.
 *
 * ES256 signatures travel as r || s, 32 bytes each. Before OpenSSL sees one,
 * both halves must lie in [1, n-1] (n the order of P-256): a zero or an
 * out-of-range value is refused here, not left to the library's version.
 * Then r and s become the DER that OpenSSL verifies.
 */
#include "jwt_internal.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <stdatomic.h>
#include <stdlib.h>
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

/* ---- HMAC-SHA-256 ------------------------------------------------------- */

/* A key's HMAC: OpenSSL's context keyed once, and a few copies of it that
 * threads take in turn, so that a MAC is a re-initialisation (the keyed
 * inner and outer states copied back), the message and the final block. */
struct jws_hmac {
	EVP_MAC_CTX *keyed; /* only ever duplicated */
	EVP_MAC_CTX *slot[JWS_HMAC_SLOTS];
	atomic_bool busy[JWS_HMAC_SLOTS];
};

enum bw_err jws_hmac_new(const uint8_t *key, size_t len, struct jws_hmac **out)
{
	OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	                                                        (char *)(uintptr_t) "SHA256", 0),
	                       OSSL_PARAM_construct_end()};
	struct jws_hmac *h = calloc(1, sizeof(*h));
	EVP_MAC *mac = NULL;
	enum bw_err rc = BW_ERR_CRYPTO;

	*out = NULL;
	if (h == NULL)
		return BW_ERR_NOMEM;
	for (size_t i = 0; i < JWS_HMAC_SLOTS; i++)
		atomic_init(&h->busy[i], false);
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (mac != NULL)
		h->keyed = EVP_MAC_CTX_new(mac);
	if (h->keyed != NULL && EVP_MAC_init(h->keyed, key, len, params) == 1) {
		*out = h;
		rc = BW_OK;
	}
	EVP_MAC_free(mac); /* the context holds its own reference */
	ERR_clear_error();
	if (rc != BW_OK)
		jws_hmac_free(h);
	return rc;
}

void jws_hmac_free(struct jws_hmac *h)
{
	if (h == NULL)
		return;
	for (size_t i = 0; i < JWS_HMAC_SLOTS; i++)
		EVP_MAC_CTX_free(h->slot[i]);
	EVP_MAC_CTX_free(h->keyed);
	free(h);
}

/* A context of h's for this thread alone: a free slot (made on first use), or
 * a copy of its own when every slot is taken (*slot is then -1). */
static EVP_MAC_CTX *hmac_take(struct jws_hmac *h, int *slot)
{
	for (int i = 0; i < JWS_HMAC_SLOTS; i++) {
		if (atomic_exchange_explicit(&h->busy[i], true, memory_order_acquire))
			continue;
		if (h->slot[i] == NULL)
			h->slot[i] = EVP_MAC_CTX_dup(h->keyed);
		if (h->slot[i] == NULL) {
			atomic_store_explicit(&h->busy[i], false, memory_order_release);
			break;
		}
		*slot = i;
		return h->slot[i];
	}
	*slot = -1;
	return EVP_MAC_CTX_dup(h->keyed);
}

static void hmac_give(struct jws_hmac *h, EVP_MAC_CTX *ctx, int slot)
{
	if (slot < 0)
		EVP_MAC_CTX_free(ctx);
	else
		atomic_store_explicit(&h->busy[slot], false, memory_order_release);
}

static enum bw_err hs256_mac(const struct bw_jwk *key, const void *msg, size_t len,
                             uint8_t mac[crypto_auth_hmacsha256_BYTES])
{
	int slot = -1;
	EVP_MAC_CTX *ctx = hmac_take(key->hmac, &slot);
	size_t n = 0;
	enum bw_err rc = BW_ERR_CRYPTO;

	if (ctx == NULL)
		return BW_ERR_NOMEM;
	/* a NULL key re-initialises with the key the context was made with */
	if (EVP_MAC_init(ctx, NULL, 0, NULL) == 1 && EVP_MAC_update(ctx, msg, len) == 1 &&
	    EVP_MAC_final(ctx, mac, &n, crypto_auth_hmacsha256_BYTES) == 1 &&
	    n == crypto_auth_hmacsha256_BYTES)
		rc = BW_OK;
	hmac_give(key->hmac, ctx, slot);
	ERR_clear_error();
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
