/*
 * jwt_test_util.h — helpers the JWT/JWK unit tests share: keys made once per
 * run, tokens signed by the library or crafted byte by byte (any header,
 * any payload, a correct signature), and verification in one call.
 */
#ifndef BW_JWT_TEST_UTIL_H
#define BW_JWT_TEST_UTIL_H

#include "bw_test.h"

#include <stdio.h>
#include <stdlib.h>

#include "jwt_internal.h"

#define T_NOW     INT64_C(1700000000)
#define T_ISS     "https://issuer.example"
#define T_AUD     "https://api.example"
#define T_CAP     (64u * 1024u)
#define N_ALGS    5
#define ALG_AT(i) ((enum bw_jwt_alg)((i) + 1))

/* one private key per algorithm, kid "k-<alg>", made once (RSA takes a while) */
static struct bw_jwk *t_keys[N_ALGS + 1];

static inline int t_keys_setup(void **state)
{
	char kid[16];

	(void)state;
	for (int i = 0; i < N_ALGS; i++) {
		snprintf(kid, sizeof(kid), "k-%s", bw_jwt_alg_name(ALG_AT(i)));
		if (bw_jwk_generate(ALG_AT(i), kid, &t_keys[ALG_AT(i)]) != BW_OK)
			return -1;
	}
	return 0;
}

static inline int t_keys_teardown(void **state)
{
	(void)state;
	for (int i = 0; i <= N_ALGS; i++) {
		bw_jwk_free(t_keys[i]);
		t_keys[i] = NULL;
	}
	return 0;
}

static inline struct bw_jwk *t_key(enum bw_jwt_alg alg)
{
	assert_non_null(t_keys[alg]);
	return t_keys[alg];
}

static inline json_t *t_json(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);

	if (j == NULL)
		fail_msg("test JSON does not parse: %s (%s)", text, e.text);
	return j;
}

/* a token the library signs; the caller frees the result */
static inline char *t_sign(const struct bw_jwk *key, const char *typ, const char *claims)
{
	struct bw_buf out;
	json_t *c = t_json(claims);
	char *tok;

	bw_buf_init(&out, T_CAP);
	assert_int_equal(bw_jwt_sign(key, typ, c, &out), BW_OK);
	tok = strdup(bw_buf_cstr(&out));
	assert_non_null(tok);
	bw_buf_free(&out);
	json_decref(c);
	return tok;
}

/* standard valid claims around T_NOW */
static inline char *t_sign_std(const struct bw_jwk *key, const char *typ)
{
	return t_sign(key, typ,
	              "{\"iss\":\"" T_ISS "\",\"aud\":\"" T_AUD "\",\"sub\":\"u1\","
	              "\"iat\":1700000000,\"nbf\":1700000000,\"exp\":1700000600}");
}

/*
 * a token crafted from raw header and payload bytes, signed correctly by key
 * (NULL: sig_b64 is the signature segment as given)
 */
static inline char *t_craft_raw(const struct bw_jwk *key, const void *header, size_t hlen,
                                const void *payload, size_t plen, const char *sig_b64)
{
	struct bw_buf out;
	uint8_t sig[JWS_SIG_MAX];
	size_t siglen = 0;
	char *tok;

	bw_buf_init(&out, T_CAP);
	assert_int_equal(jws_b64_append(&out, header, hlen), BW_OK);
	assert_int_equal(bw_buf_append_byte(&out, '.'), BW_OK);
	assert_int_equal(jws_b64_append(&out, payload, plen), BW_OK);
	if (key != NULL)
		assert_int_equal(jws_sign(key, out.p, out.len, sig, &siglen), BW_OK);
	assert_int_equal(bw_buf_append_byte(&out, '.'), BW_OK);
	if (key != NULL)
		assert_int_equal(jws_b64_append(&out, sig, siglen), BW_OK);
	else
		assert_int_equal(bw_buf_append_c(&out, sig_b64), BW_OK);
	tok = strdup(bw_buf_cstr(&out));
	assert_non_null(tok);
	bw_buf_free(&out);
	return tok;
}

static inline char *t_craft(const struct bw_jwk *key, const char *header, const char *payload)
{
	return t_craft_raw(key, header, strlen(header), payload, strlen(payload), "");
}

static inline struct bw_jwt_expect t_expect(void)
{
	return (struct bw_jwt_expect){.issuer = T_ISS,
	                              .audience = T_AUD,
	                              .now = T_NOW,
	                              .leeway_s = BW_JWT_DEFAULT_LEEWAY};
}

/* the reason verify gives with keys[0..n); asserts the result code agrees with it */
static inline enum bw_jwt_reason t_verify_with(const char *tok, const struct bw_jwk *const *keys,
                                               size_t n, const struct bw_jwt_expect *ex)
{
	struct bw_jwt_keyset ks = {keys, n};
	enum bw_jwt_reason why = (enum bw_jwt_reason)99;
	json_t *claims = NULL;
	const struct bw_jwk *used = NULL;
	enum bw_err rc = bw_jwt_verify(bw_str_c(tok), &ks, ex, &claims, &used, &why);

	if (why == BW_JWT_OK) {
		assert_int_equal(rc, BW_OK);
		assert_true(json_is_object(claims));
		assert_non_null(used);
	} else {
		assert_int_equal(rc, BW_ERR_DENIED);
		assert_null(claims);
		assert_null(used);
	}
	json_decref(claims);
	return why;
}

static inline enum bw_jwt_reason t_verify(const char *tok, const struct bw_jwk *key,
                                          const struct bw_jwt_expect *ex)
{
	const struct bw_jwk *keys[1] = {key};

	return t_verify_with(tok, keys, 1, ex);
}

#endif
