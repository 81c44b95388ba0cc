/*
 * jwk.c — JSON Web Keys (RFC 7517, RFC 7518 §6, RFC 8037): one key, one
 * algorithm, fixed when the key is made.
 *
 * A key is created fresh, imported from the private bytes the caller keeps
 * encrypted at rest, or read from a public JWK. JWK input is hostile (a
 * client's JWKS): every member is checked for type, length and consistency,
 * private members are refused on public key types, EC points must lie on
 * P-256, RSA moduli must have 2048..8192 bits, HMAC keys at least 32 bytes.
 */
#include "jwt_internal.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#define P256_GROUP     "prime256v1"
#define RSA_GEN_BITS   3072u
#define RSA_E_MAX      8u /* bytes of an RSA public exponent */
#define B64_TEXT_MAX   (JWS_SIG_MAX / 3 * 4 + 8)
#define EC_POINT_BYTES (1 + 2 * JWS_ES256_HALF)

static const struct {
	enum bw_jwt_alg alg;
	const char *name;
} alg_names[] = {
        {BW_JWT_EDDSA, "EdDSA"}, {BW_JWT_ES256, "ES256"}, {BW_JWT_RS256, "RS256"},
        {BW_JWT_PS256, "PS256"}, {BW_JWT_HS256, "HS256"},
};

const char *bw_jwt_alg_name(enum bw_jwt_alg alg)
{
	for (size_t i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++)
		if (alg_names[i].alg == alg)
			return alg_names[i].name;
	return NULL;
}

enum bw_err bw_jwt_alg_parse(struct bw_str name, enum bw_jwt_alg *out)
{
	BW_REQUIRE(out != NULL);
	for (size_t i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++)
		if (bw_str_eq_c(name, alg_names[i].name)) {
			*out = alg_names[i].alg;
			return BW_OK;
		}
	return BW_ERR_INVALID;
}

static bool alg_valid(enum bw_jwt_alg alg)
{
	return bw_jwt_alg_name(alg) != NULL;
}

static enum bw_err key_new(enum bw_jwt_alg alg, const char *kid, size_t kidlen, struct bw_jwk **out)
{
	struct bw_jwk *k;

	*out = NULL;
	if (!jws_kid_ok(kid, kidlen))
		return BW_ERR_INVALID;
	k = calloc(1, sizeof(*k));
	if (k == NULL)
		return BW_ERR_NOMEM;
	k->alg = alg;
	memcpy(k->kid, kid, kidlen);
	k->kid[kidlen] = '\0';
	*out = k;
	return BW_OK;
}

void bw_jwk_free(struct bw_jwk *key)
{
	if (key == NULL)
		return;
	bw_secret_free(key->secret);
	jws_hmac_free(key->hmac);
	EVP_PKEY_free(key->pkey);
	sodium_memzero(key, sizeof(*key));
	free(key);
}

enum bw_jwt_alg bw_jwk_alg(const struct bw_jwk *key)
{
	BW_REQUIRE(key != NULL);
	return key->alg;
}

const char *bw_jwk_kid(const struct bw_jwk *key)
{
	BW_REQUIRE(key != NULL);
	return key->kid;
}

/* ---- key material ------------------------------------------------------ */

static enum bw_err set_hmac(struct bw_jwk *k, const uint8_t *raw, size_t len)
{
	enum bw_err rc;

	if (len < JWS_HMAC_MIN_KEY || len > JWS_HMAC_MAX_KEY)
		return BW_ERR_INVALID;
	rc = bw_secret_new(raw, len, &k->secret);
	if (rc == BW_OK)
		rc = jws_hmac_new(raw, len, &k->hmac);
	if (rc == BW_OK)
		k->can_sign = true;
	return rc;
}

static enum bw_err set_ed25519_seed(struct bw_jwk *k, const uint8_t *seed, size_t len)
{
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	enum bw_err rc;

	if (len != crypto_sign_SEEDBYTES)
		return BW_ERR_INVALID;
	if (crypto_sign_seed_keypair(k->ed_pk, sk, seed) != 0)
		return BW_ERR_CRYPTO;
	rc = bw_secret_new(sk, sizeof(sk), &k->secret);
	sodium_memzero(sk, sizeof(sk));
	k->can_sign = rc == BW_OK;
	return rc;
}

/* whether pkey is a key fit for alg: P-256 for ES256, plain RSA in range for RS/PS256 */
static bool pkey_fits(enum bw_jwt_alg alg, EVP_PKEY *pkey)
{
	char group[32];
	size_t glen = 0;
	int bits;

	if (alg == BW_JWT_ES256) {
		if (!EVP_PKEY_is_a(pkey, "EC"))
			return false;
		if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
		                                   sizeof(group), &glen) != 1)
			return false;
		return strcmp(group, P256_GROUP) == 0;
	}
	if (!EVP_PKEY_is_a(pkey, "RSA"))
		return false;
	bits = EVP_PKEY_get_bits(pkey);
	return bits >= JWS_RSA_MIN_BITS && bits <= JWS_RSA_MAX_BITS;
}

/* OpenSSL's key-generation callback: 0 stops the generation. */
static int keygen_go_on(EVP_PKEY_CTX *ctx)
{
	const atomic_bool *abort = EVP_PKEY_CTX_get_app_data(ctx);

	return abort == NULL || !atomic_load(abort);
}

/* An RSA key of RSA_GEN_BITS, or NULL (*aborted tells whether it was given up). */
static EVP_PKEY *rsa_generate(const atomic_bool *abort, bool *aborted)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *pkey = NULL;

	*aborted = false;
	if (ctx == NULL)
		return NULL;
	if (EVP_PKEY_keygen_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)RSA_GEN_BITS) == 1) {
		/* read only by keygen_go_on, through a const pointer again */
		EVP_PKEY_CTX_set_app_data(ctx, (void *)(uintptr_t)abort);
		EVP_PKEY_CTX_set_cb(ctx, keygen_go_on);
		if (EVP_PKEY_generate(ctx, &pkey) != 1) {
			EVP_PKEY_free(pkey);
			pkey = NULL;
			*aborted = abort != NULL && atomic_load(abort);
		}
	}
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

enum bw_err bw_jwk_generate(enum bw_jwt_alg alg, const char *kid, struct bw_jwk **out)
{
	return bw_jwk_generate_abortable(alg, kid, NULL, out);
}

enum bw_err bw_jwk_generate_abortable(enum bw_jwt_alg alg, const char *kid,
                                      const atomic_bool *abort, struct bw_jwk **out)
{
	bool aborted = false;
	uint8_t raw[crypto_auth_hmacsha256_KEYBYTES];
	struct bw_jwk *k = NULL;
	enum bw_err rc;

	BW_REQUIRE(out != NULL && alg_valid(alg));
	*out = NULL;
	rc = key_new(alg, kid, kid == NULL ? 0 : strlen(kid), &k);
	if (rc != BW_OK)
		return rc;
	switch (alg) {
	case BW_JWT_EDDSA:
	case BW_JWT_HS256:
		randombytes_buf(raw, sizeof(raw));
		rc = alg == BW_JWT_EDDSA ? set_ed25519_seed(k, raw, sizeof(raw))
		                         : set_hmac(k, raw, sizeof(raw));
		sodium_memzero(raw, sizeof(raw));
		break;
	case BW_JWT_ES256:
		k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", P256_GROUP);
		rc = k->pkey != NULL ? BW_OK : BW_ERR_CRYPTO;
		break;
	case BW_JWT_RS256:
	case BW_JWT_PS256:
		k->pkey = rsa_generate(abort, &aborted);
		rc = k->pkey != NULL ? BW_OK : aborted ? BW_ERR_STATE : BW_ERR_CRYPTO;
		break;
	}
	k->can_sign = rc == BW_OK;
	if (rc != BW_OK) {
		ERR_clear_error();
		bw_jwk_free(k);
		return rc;
	}
	*out = k;
	return BW_OK;
}

enum bw_err bw_jwk_export_private(const struct bw_jwk *key, struct bw_buf *out)
{
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	unsigned char *der = NULL;
	enum bw_err rc;
	int n;

	BW_REQUIRE(key != NULL && out != NULL);
	bw_buf_reset(out);
	if (!key->can_sign)
		return BW_ERR_STATE;
	if (key->alg == BW_JWT_EDDSA) /* libsodium's secret key starts with the seed */
		return bw_buf_append(out, bw_secret_bytes(key->secret), crypto_sign_SEEDBYTES);
	if (key->alg == BW_JWT_HS256)
		return bw_buf_append(out, bw_secret_bytes(key->secret), bw_secret_len(key->secret));
	rc = BW_ERR_CRYPTO;
	p8 = EVP_PKEY2PKCS8(key->pkey);
	if (p8 == NULL)
		goto out;
	n = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
	if (n <= 0)
		goto out;
	rc = bw_buf_append(out, der, (size_t)n);
	OPENSSL_clear_free(der, (size_t)n);
out:
	PKCS8_PRIV_KEY_INFO_free(p8);
	ERR_clear_error();
	return rc;
}

enum bw_err bw_jwk_import_private(enum bw_jwt_alg alg, const char *kid, const void *der, size_t len,
                                  struct bw_jwk **out)
{
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	const unsigned char *p = der;
	struct bw_jwk *k = NULL;
	enum bw_err rc;

	BW_REQUIRE(out != NULL && (der != NULL || len == 0));
	*out = NULL;
	if (!alg_valid(alg))
		return BW_ERR_INVALID;
	rc = key_new(alg, kid, kid == NULL ? 0 : strlen(kid), &k);
	if (rc != BW_OK)
		return rc;
	if (alg == BW_JWT_EDDSA) {
		rc = set_ed25519_seed(k, der, len);
		goto out;
	}
	if (alg == BW_JWT_HS256) {
		rc = set_hmac(k, der, len);
		goto out;
	}
	rc = BW_ERR_INVALID;
	if (len == 0 || len > 16384)
		goto out;
	p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)len);
	if (p8 == NULL || p != (const unsigned char *)der + len)
		goto out;
	k->pkey = EVP_PKCS82PKEY(p8);
	if (k->pkey == NULL || !pkey_fits(alg, k->pkey))
		goto out;
	k->can_sign = true;
	rc = BW_OK;
out:
	PKCS8_PRIV_KEY_INFO_free(p8);
	ERR_clear_error();
	if (rc != BW_OK) {
		bw_jwk_free(k);
		return rc;
	}
	*out = k;
	return BW_OK;
}

/* ---- public JWK JSON ------------------------------------------------------ */

/* a string member: BW_ERR_NOT_FOUND when absent, BW_ERR_INVALID when not a string */
static enum bw_err member_str(const json_t *jwk, const char *name, struct bw_str *out)
{
	const json_t *v = json_object_get(jwk, name);

	if (v == NULL)
		return BW_ERR_NOT_FOUND;
	if (!json_is_string(v))
		return BW_ERR_INVALID;
	*out = (struct bw_str){json_string_value(v), json_string_length(v)};
	return BW_OK;
}

static bool member_is(const json_t *jwk, const char *name, const char *want)
{
	struct bw_str s;

	return member_str(jwk, name, &s) == BW_OK && bw_str_eq_c(s, want);
}

/* a base64url member decoded into out: exactly want bytes, or (want 0) 1..cap bytes */
static enum bw_err member_b64(const json_t *jwk, const char *name, uint8_t *out, size_t cap,
                              size_t want, size_t *outlen)
{
	struct bw_str s;
	enum bw_err rc = member_str(jwk, name, &s);

	if (rc == BW_ERR_NOT_FOUND)
		return BW_ERR_INVALID;
	if (rc != BW_OK)
		return rc;
	if (jws_b64_decode(s.p, s.len, out, cap, outlen) != BW_OK || *outlen == 0)
		return BW_ERR_INVALID;
	if (want != 0 && *outlen != want)
		return BW_ERR_INVALID;
	return BW_OK;
}

/* "use" absent or "sig"; "key_ops" absent or an array that allows "verify" */
static bool usage_ok(const json_t *jwk)
{
	const json_t *ops = json_object_get(jwk, "key_ops"), *op;
	struct bw_str use;
	enum bw_err rc = member_str(jwk, "use", &use);
	size_t i;
	bool verify = false;

	if (rc == BW_ERR_INVALID || (rc == BW_OK && !bw_str_eq_c(use, "sig")))
		return false;
	if (ops == NULL)
		return true;
	if (!json_is_array(ops))
		return false;
	json_array_foreach(ops, i, op)
	{
		if (!json_is_string(op))
			return false;
		verify |= strcmp(json_string_value(op), "verify") == 0;
	}
	return verify;
}

/* RSA and EC private members (RFC 7518 §6.2.2, §6.3.2) */
static bool has_private_member(const json_t *jwk)
{
	static const char *const names[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (json_object_get(jwk, names[i]) != NULL)
			return true;
	return false;
}

static enum bw_err pkey_from_params(const char *type, OSSL_PARAM_BLD *bld, EVP_PKEY **out)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY_CTX *check = NULL;
	enum bw_err rc = BW_ERR_NOMEM;

	*out = NULL;
	if (params == NULL || ctx == NULL)
		goto out;
	rc = BW_ERR_INVALID;
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	check = EVP_PKEY_CTX_new_from_pkey(NULL, *out, NULL);
	if (check == NULL || EVP_PKEY_public_check(check) != 1)
		goto out;
	rc = BW_OK;
out:
	if (rc != BW_OK) {
		EVP_PKEY_free(*out);
		*out = NULL;
	}
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	ERR_clear_error();
	return rc;
}

static enum bw_err ec_from_json(const json_t *jwk, struct bw_jwk *k)
{
	uint8_t pt[EC_POINT_BYTES];
	OSSL_PARAM_BLD *bld = NULL;
	size_t n;
	enum bw_err rc = BW_ERR_INVALID;

	if (!member_is(jwk, "crv", "P-256"))
		return rc;
	pt[0] = 0x04; /* uncompressed point: x and y both given, full length (RFC 7518 §6.2.1) */
	if (member_b64(jwk, "x", pt + 1, JWS_ES256_HALF, JWS_ES256_HALF, &n) != BW_OK ||
	    member_b64(jwk, "y", pt + 1 + JWS_ES256_HALF, JWS_ES256_HALF, JWS_ES256_HALF, &n) !=
	            BW_OK)
		return rc;
	bld = OSSL_PARAM_BLD_new();
	rc = BW_ERR_NOMEM;
	if (bld == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, P256_GROUP, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt)) != 1)
		goto out;
	rc = pkey_from_params("EC", bld, &k->pkey);
out:
	OSSL_PARAM_BLD_free(bld);
	return rc;
}

static enum bw_err rsa_from_json(const json_t *jwk, struct bw_jwk *k)
{
	uint8_t nb[JWS_RSA_MAX_BITS / 8], eb[RSA_E_MAX];
	size_t nlen, elen;
	BIGNUM *n = NULL, *e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	enum bw_err rc = BW_ERR_INVALID;

	/* Base64urlUInt: the shortest form, so no leading zero octet (RFC 7518 §2) */
	if (member_b64(jwk, "n", nb, sizeof(nb), 0, &nlen) != BW_OK || nb[0] == 0 ||
	    member_b64(jwk, "e", eb, sizeof(eb), 0, &elen) != BW_OK || eb[0] == 0 ||
	    (eb[elen - 1] & 1) == 0)
		return rc;
	rc = BW_ERR_NOMEM;
	n = BN_bin2bn(nb, (int)nlen, NULL);
	e = BN_bin2bn(eb, (int)elen, NULL);
	bld = OSSL_PARAM_BLD_new();
	if (n == NULL || e == NULL || bld == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1)
		goto out;
	rc = pkey_from_params("RSA", bld, &k->pkey);
	if (rc == BW_OK && !pkey_fits(k->alg, k->pkey))
		rc = BW_ERR_INVALID;
out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return rc;
}

enum bw_err bw_jwk_from_json(const json_t *jwk, struct bw_jwk **out)
{
	uint8_t raw[JWS_HMAC_MAX_KEY];
	struct bw_str kty, alg, kid;
	enum bw_jwt_alg a;
	struct bw_jwk *k = NULL;
	size_t n = 0;
	enum bw_err rc = BW_ERR_INVALID;

	BW_REQUIRE(out != NULL);
	*out = NULL;
	if (!json_is_object(jwk) || member_str(jwk, "kty", &kty) != BW_OK ||
	    member_str(jwk, "alg", &alg) != BW_OK || member_str(jwk, "kid", &kid) != BW_OK ||
	    bw_jwt_alg_parse(alg, &a) != BW_OK || !usage_ok(jwk))
		return BW_ERR_INVALID;
	/* kid bytes are checked (no NUL) by key_new's kid rule */
	rc = key_new(a, kid.p, kid.len, &k);
	if (rc != BW_OK)
		return rc;
	rc = BW_ERR_INVALID;
	switch (a) {
	case BW_JWT_EDDSA:
		if (!bw_str_eq_c(kty, "OKP") || !member_is(jwk, "crv", "Ed25519") ||
		    has_private_member(jwk) ||
		    member_b64(jwk, "x", k->ed_pk, sizeof(k->ed_pk), sizeof(k->ed_pk), &n) != BW_OK)
			goto out;
		rc = BW_OK;
		break;
	case BW_JWT_ES256:
		if (bw_str_eq_c(kty, "EC") && !has_private_member(jwk))
			rc = ec_from_json(jwk, k);
		break;
	case BW_JWT_RS256:
	case BW_JWT_PS256:
		if (bw_str_eq_c(kty, "RSA") && !has_private_member(jwk))
			rc = rsa_from_json(jwk, k);
		break;
	case BW_JWT_HS256:
		if (bw_str_eq_c(kty, "oct") &&
		    member_b64(jwk, "k", raw, sizeof(raw), 0, &n) == BW_OK)
			rc = set_hmac(k, raw, n);
		sodium_memzero(raw, sizeof(raw));
		break;
	}
out:
	if (rc != BW_OK) {
		bw_jwk_free(k);
		return rc;
	}
	*out = k;
	return BW_OK;
}

/* set obj[name] to the base64url of p[0..len) */
static bool set_b64(json_t *obj, const char *name, const uint8_t *p, size_t len)
{
	char text[B64_TEXT_MAX];

	BW_REQUIRE(len <= JWS_SIG_MAX);
	sodium_bin2base64(text, sizeof(text), p, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return json_object_set_new(obj, name, json_string(text)) == 0;
}

/* set obj[name] to the base64url of a BIGNUM parameter of pkey; pad: fixed width or 0 */
static bool set_bn(json_t *obj, const char *name, const EVP_PKEY *pkey, const char *param,
                   size_t pad)
{
	uint8_t bytes[JWS_SIG_MAX];
	BIGNUM *bn = NULL;
	int n;
	bool ok = false;

	if (EVP_PKEY_get_bn_param(pkey, param, &bn) != 1)
		goto out;
	n = pad != 0 ? BN_bn2binpad(bn, bytes, (int)pad) : BN_bn2bin(bn, bytes);
	if (n <= 0 || (size_t)n > sizeof(bytes))
		goto out;
	ok = set_b64(obj, name, bytes, (size_t)n);
out:
	BN_free(bn);
	return ok;
}

enum bw_err bw_jwk_public_json(const struct bw_jwk *key, json_t **out)
{
	json_t *o;
	bool ok;

	BW_REQUIRE(key != NULL && out != NULL);
	*out = NULL;
	if (key->alg == BW_JWT_HS256)
		return BW_ERR_STATE;
	o = json_object();
	if (o == NULL)
		return BW_ERR_NOMEM;
	switch (key->alg) {
	case BW_JWT_EDDSA:
		ok = json_object_set_new(o, "kty", json_string("OKP")) == 0 &&
		     json_object_set_new(o, "crv", json_string("Ed25519")) == 0 &&
		     set_b64(o, "x", key->ed_pk, sizeof(key->ed_pk));
		break;
	case BW_JWT_ES256:
		ok = json_object_set_new(o, "kty", json_string("EC")) == 0 &&
		     json_object_set_new(o, "crv", json_string("P-256")) == 0 &&
		     set_bn(o, "x", key->pkey, OSSL_PKEY_PARAM_EC_PUB_X, JWS_ES256_HALF) &&
		     set_bn(o, "y", key->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, JWS_ES256_HALF);
		break;
	default: /* RS256, PS256 */
		ok = json_object_set_new(o, "kty", json_string("RSA")) == 0 &&
		     set_bn(o, "n", key->pkey, OSSL_PKEY_PARAM_RSA_N, 0) &&
		     set_bn(o, "e", key->pkey, OSSL_PKEY_PARAM_RSA_E, 0);
		break;
	}
	ok = ok && json_object_set_new(o, "kid", json_string(key->kid)) == 0 &&
	     json_object_set_new(o, "alg", json_string(bw_jwt_alg_name(key->alg))) == 0 &&
	     json_object_set_new(o, "use", json_string("sig")) == 0;
	ERR_clear_error();
	if (!ok) {
		json_decref(o);
		return BW_ERR_NOMEM;
	}
	*out = o;
	return BW_OK;
}
