/*
 * test_jwk.c — keys: generation, private export/import, public JWK JSON out
 * and in, and every refusal of bw_jwk_from_json / bw_jwk_import_private.
 */
#include "jwt_test_util.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

static void generate_and_accessors(void **state)
{
	struct bw_jwk *k = NULL;
	char kid[BW_JWT_KID_MAX + 2];

	(void)state;
	for (int i = 0; i < N_ALGS; i++) {
		assert_int_equal(bw_jwk_alg(t_key(ALG_AT(i))), ALG_AT(i));
		assert_true(strncmp(bw_jwk_kid(t_key(ALG_AT(i))), "k-", 2) == 0);
	}
	memset(kid, 'a', sizeof(kid));
	kid[BW_JWT_KID_MAX] = '\0';
	assert_int_equal(bw_jwk_generate(BW_JWT_EDDSA, kid, &k), BW_OK);
	assert_string_equal(bw_jwk_kid(k), kid);
	bw_jwk_free(k);
	kid[BW_JWT_KID_MAX] = 'a';
	kid[BW_JWT_KID_MAX + 1] = '\0';
	assert_int_equal(bw_jwk_generate(BW_JWT_EDDSA, kid, &k), BW_ERR_INVALID);
	assert_null(k);
	assert_int_equal(bw_jwk_generate(BW_JWT_EDDSA, "", &k), BW_ERR_INVALID);
	assert_int_equal(bw_jwk_generate(BW_JWT_EDDSA, NULL, &k), BW_ERR_INVALID);
	assert_int_equal(bw_jwk_generate(BW_JWT_EDDSA, "a b", &k), BW_ERR_INVALID);
	assert_int_equal(bw_jwk_generate(BW_JWT_EDDSA, "a\x7f", &k), BW_ERR_INVALID);
	assert_int_equal(bw_jwk_generate(BW_JWT_EDDSA, "\xc3\xa9", &k), BW_ERR_INVALID);
	bw_jwk_free(NULL);
}

static void export_import_roundtrip(void **state)
{
	struct bw_buf der;
	struct bw_jwt_expect ex = t_expect();

	(void)state;
	bw_buf_init(&der, T_CAP);
	for (int i = 0; i < N_ALGS; i++) {
		const struct bw_jwk *key = t_key(ALG_AT(i));
		struct bw_jwk *back = NULL;
		char *tok;

		assert_int_equal(bw_jwk_export_private(key, &der), BW_OK);
		if (ALG_AT(i) == BW_JWT_EDDSA || ALG_AT(i) == BW_JWT_HS256)
			assert_int_equal(der.len, 32);
		else
			assert_int_equal((unsigned char)der.p[0], 0x30); /* a DER SEQUENCE */
		assert_int_equal(bw_jwk_import_private(ALG_AT(i), "again", der.p, der.len, &back),
		                 BW_OK);
		assert_string_equal(bw_jwk_kid(back), "again");
		/* the imported key signs what the original verifies, and back */
		tok = t_sign_std(back, NULL);
		assert_int_equal(t_verify(tok, back, &ex), BW_JWT_OK);
		free(tok);
		bw_jwk_free(back);
		/* a byte short or one more: refused */
		assert_int_equal(bw_jwk_import_private(ALG_AT(i), "x", der.p, der.len - 1, &back),
		                 BW_ERR_INVALID);
		assert_null(back);
	}
	bw_buf_free(&der);
}

static void export_then_verify_with_original(void **state)
{
	struct bw_buf der;
	struct bw_jwt_expect ex = t_expect();

	(void)state;
	bw_buf_init(&der, T_CAP);
	for (int i = 0; i < N_ALGS; i++) {
		const struct bw_jwk *key = t_key(ALG_AT(i));
		struct bw_jwk *back = NULL;
		char *tok;

		assert_int_equal(bw_jwk_export_private(key, &der), BW_OK);
		assert_int_equal(
		        bw_jwk_import_private(ALG_AT(i), bw_jwk_kid(key), der.p, der.len, &back),
		        BW_OK);
		tok = t_sign_std(back, NULL);
		assert_int_equal(t_verify(tok, key, &ex), BW_JWT_OK);
		free(tok);
		bw_jwk_free(back);
	}
	bw_buf_free(&der);
}

static void import_refuses_wrong_type(void **state)
{
	struct bw_buf der;
	struct bw_jwk *k = NULL;
	uint8_t raw[40] = {0};

	(void)state;
	bw_buf_init(&der, T_CAP);
	/* an EC key is no RSA key and the reverse */
	assert_int_equal(bw_jwk_export_private(t_key(BW_JWT_ES256), &der), BW_OK);
	assert_int_equal(bw_jwk_import_private(BW_JWT_RS256, "x", der.p, der.len, &k),
	                 BW_ERR_INVALID);
	assert_int_equal(bw_jwk_export_private(t_key(BW_JWT_RS256), &der), BW_OK);
	assert_int_equal(bw_jwk_import_private(BW_JWT_ES256, "x", der.p, der.len, &k),
	                 BW_ERR_INVALID);
	/* garbage, empty, trailing bytes */
	assert_int_equal(bw_jwk_import_private(BW_JWT_ES256, "x", raw, sizeof(raw), &k),
	                 BW_ERR_INVALID);
	assert_int_equal(bw_jwk_import_private(BW_JWT_RS256, "x", "", 0, &k), BW_ERR_INVALID);
	assert_int_equal(bw_buf_append_byte(&der, 0), BW_OK);
	assert_int_equal(bw_jwk_import_private(BW_JWT_RS256, "x", der.p, der.len, &k),
	                 BW_ERR_INVALID);
	/* Ed25519 seeds are 32 bytes; HMAC keys 32..1024 */
	assert_int_equal(bw_jwk_import_private(BW_JWT_EDDSA, "x", raw, 31, &k), BW_ERR_INVALID);
	assert_int_equal(bw_jwk_import_private(BW_JWT_EDDSA, "x", raw, 33, &k), BW_ERR_INVALID);
	assert_int_equal(bw_jwk_import_private(BW_JWT_HS256, "x", raw, 31, &k), BW_ERR_INVALID);
	assert_int_equal(bw_jwk_import_private(BW_JWT_HS256, "x", raw, 40, &k), BW_OK);
	bw_jwk_free(k);
	k = NULL;
	assert_int_equal(bw_jwk_import_private((enum bw_jwt_alg)9, "x", raw, 32, &k),
	                 BW_ERR_INVALID);
	assert_null(k);
	bw_buf_free(&der);
}

/* an RSA key of bits bits, public JWK members n and e into j */
static EVP_PKEY *rsa_small(unsigned bits)
{
	EVP_PKEY *p = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);

	assert_non_null(p);
	return p;
}

static void rsa_below_2048_refused(void **state)
{
	EVP_PKEY *p = rsa_small(1024);
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(p);
	unsigned char *der = NULL;
	int n = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
	BIGNUM *bn = NULL;
	uint8_t nb[128];
	struct bw_buf b64;
	struct bw_jwk *k = NULL;
	json_t *j;

	(void)state;
	assert_true(n > 0);
	assert_int_equal(bw_jwk_import_private(BW_JWT_RS256, "x", der, (size_t)n, &k),
	                 BW_ERR_INVALID);
	assert_null(k);
	assert_int_equal(EVP_PKEY_get_bn_param(p, OSSL_PKEY_PARAM_RSA_N, &bn), 1);
	assert_int_equal(BN_bn2bin(bn, nb), 128);
	bw_buf_init(&b64, 1024);
	assert_int_equal(jws_b64_append(&b64, nb, 128), BW_OK);
	j = json_pack("{s:s,s:s,s:s,s:s,s:s}", "kty", "RSA", "alg", "RS256", "kid", "small", "n",
	              b64.p, "e", "AQAB");
	assert_int_equal(bw_jwk_from_json(j, &k), BW_ERR_INVALID);
	assert_null(k);
	json_decref(j);
	bw_buf_free(&b64);
	BN_free(bn);
	OPENSSL_free(der);
	PKCS8_PRIV_KEY_INFO_free(p8);
	EVP_PKEY_free(p);
}

static void public_json_members(void **state)
{
	static const char *const private_names[] = {"d", "p", "q", "dp", "dq", "qi", "k"};
	json_t *j = NULL;

	(void)state;
	assert_int_equal(bw_jwk_public_json(t_key(BW_JWT_HS256), &j), BW_ERR_STATE);
	assert_null(j);
	for (int i = 0; i < N_ALGS; i++) {
		enum bw_jwt_alg alg = ALG_AT(i);
		const char *kty;

		if (alg == BW_JWT_HS256)
			continue;
		assert_int_equal(bw_jwk_public_json(t_key(alg), &j), BW_OK);
		kty = json_string_value(json_object_get(j, "kty"));
		assert_string_equal(json_string_value(json_object_get(j, "alg")),
		                    bw_jwt_alg_name(alg));
		assert_string_equal(json_string_value(json_object_get(j, "kid")),
		                    bw_jwk_kid(t_key(alg)));
		assert_string_equal(json_string_value(json_object_get(j, "use")), "sig");
		for (size_t n = 0; n < sizeof(private_names) / sizeof(private_names[0]); n++)
			assert_null(json_object_get(j, private_names[n]));
		if (alg == BW_JWT_EDDSA) {
			assert_string_equal(kty, "OKP");
			assert_string_equal(json_string_value(json_object_get(j, "crv")),
			                    "Ed25519");
			assert_int_equal(json_string_length(json_object_get(j, "x")), 43);
			assert_int_equal(json_object_size(j), 6);
		} else if (alg == BW_JWT_ES256) {
			assert_string_equal(kty, "EC");
			assert_string_equal(json_string_value(json_object_get(j, "crv")), "P-256");
			assert_int_equal(json_string_length(json_object_get(j, "x")), 43);
			assert_int_equal(json_string_length(json_object_get(j, "y")), 43);
			assert_int_equal(json_object_size(j), 7);
		} else {
			assert_string_equal(kty, "RSA");
			assert_int_equal(json_string_length(json_object_get(j, "n")),
			                 512); /* 3072 bits */
			assert_string_equal(json_string_value(json_object_get(j, "e")), "AQAB");
			assert_int_equal(json_object_size(j), 6);
		}
		json_decref(j);
	}
}

/* a public JWK of alg with member name set to v (NULL: removed) */
static json_t *jwk_with(enum bw_jwt_alg alg, const char *name, json_t *v)
{
	json_t *j = NULL;

	assert_int_equal(bw_jwk_public_json(t_key(alg), &j), BW_OK);
	if (v == NULL)
		json_object_del(j, name);
	else
		json_object_set_new(j, name, v);
	return j;
}

static void from_json_refuses(void **state)
{
	struct {
		enum bw_jwt_alg alg;
		const char *name;
		json_t *v;
	} cases[] = {
	        {BW_JWT_EDDSA, "alg", NULL},
	        {BW_JWT_EDDSA, "kid", NULL},
	        {BW_JWT_EDDSA, "kty", NULL},
	        {BW_JWT_EDDSA, "alg", json_string("none")},
	        {BW_JWT_EDDSA, "alg", json_string("ES256")},
	        {BW_JWT_EDDSA, "alg", json_integer(1)},
	        {BW_JWT_EDDSA, "kty", json_string("EC")},
	        {BW_JWT_EDDSA, "crv", json_string("Ed448")},
	        {BW_JWT_EDDSA, "crv", NULL},
	        {BW_JWT_EDDSA, "x", json_string("AAAA")},
	        {BW_JWT_EDDSA, "x", json_string("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo=")},
	        {BW_JWT_EDDSA, "x", json_string("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo")},
	        {BW_JWT_EDDSA, "x", json_string("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURp")},
	        {BW_JWT_EDDSA, "x", NULL},
	        {BW_JWT_EDDSA, "d", json_string("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")},
	        {BW_JWT_EDDSA, "use", json_string("enc")},
	        {BW_JWT_EDDSA, "use", json_integer(0)},
	        {BW_JWT_EDDSA, "key_ops", json_pack("[s]", "encrypt")},
	        {BW_JWT_EDDSA, "key_ops", json_string("verify")},
	        {BW_JWT_EDDSA, "kid", json_string("")},
	        {BW_JWT_EDDSA, "kid", json_string("a b")},
	        {BW_JWT_EDDSA, "kid",
	         json_string("kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk")},
	        {BW_JWT_EDDSA, "kid", json_stringn("a\0b", 3)},
	        {BW_JWT_ES256, "crv", json_string("P-384")},
	        {BW_JWT_ES256, "y", NULL},
	        {BW_JWT_ES256, "y",
	         json_string("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")}, /* off curve */
	        {BW_JWT_ES256, "x",
	         json_string("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")}, /* 31 bytes */
	        {BW_JWT_ES256, "d", json_string("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")},
	        {BW_JWT_ES256, "kty", json_string("RSA")},
	        {BW_JWT_RS256, "e", json_string("AAEAAQ")}, /* leading zero */
	        {BW_JWT_RS256, "e", json_string("AQAA")},   /* even */
	        {BW_JWT_RS256, "e", NULL},
	        {BW_JWT_RS256, "n", json_string("AQAB")},
	        {BW_JWT_RS256, "p", json_string("AQAB")},
	        {BW_JWT_RS256, "alg", json_string("HS256")},
	        {BW_JWT_PS256, "kty", json_string("oct")},
	};
	struct bw_jwk *k = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j = jwk_with(cases[i].alg, cases[i].name, cases[i].v);

		assert_int_equal(bw_jwk_from_json(j, &k), BW_ERR_INVALID);
		assert_null(k);
		json_decref(j);
	}
	/* the unchanged JWKs are accepted, also with use and key_ops absent or verify */
	for (int i = 0; i < N_ALGS; i++) {
		json_t *j;

		if (ALG_AT(i) == BW_JWT_HS256)
			continue;
		j = jwk_with(ALG_AT(i), "key_ops", json_pack("[s,s]", "sign", "verify"));
		json_object_del(j, "use");
		assert_int_equal(bw_jwk_from_json(j, &k), BW_OK);
		bw_jwk_free(k);
		json_decref(j);
	}
	/* not an object */
	k = NULL;
	{
		json_t *a = json_array();

		assert_int_equal(bw_jwk_from_json(a, &k), BW_ERR_INVALID);
		json_decref(a);
	}
	assert_int_equal(bw_jwk_from_json(NULL, &k), BW_ERR_INVALID);
}

/* An RSA generation told to give up makes nothing; one not told makes a key. */
static void generation_gives_up_when_told(void **state)
{
	atomic_bool stop;
	struct bw_jwk *k = NULL;

	(void)state;
	atomic_init(&stop, true);
	assert_int_equal(bw_jwk_generate_abortable(BW_JWT_RS256, "r1", &stop, &k), BW_ERR_STATE);
	assert_null(k);
	atomic_store(&stop, false);
	assert_int_equal(bw_jwk_generate_abortable(BW_JWT_PS256, "r2", &stop, &k), BW_OK);
	assert_int_equal(bw_jwk_alg(k), BW_JWT_PS256);
	bw_jwk_free(k);
	/* the fast algorithms have nothing to give up */
	atomic_store(&stop, true);
	assert_int_equal(bw_jwk_generate_abortable(BW_JWT_EDDSA, "e1", &stop, &k), BW_OK);
	bw_jwk_free(k);
}

static void oct_keys(void **state)
{
	struct bw_jwk *k = NULL;
	json_t *j;

	(void)state;
	/* 31 bytes: too short for HS256 (RFC 7518 §3.2) */
	j = t_json("{\"kty\":\"oct\",\"alg\":\"HS256\",\"kid\":\"o\","
	           "\"k\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}");
	assert_int_equal(bw_jwk_from_json(j, &k), BW_ERR_INVALID);
	json_decref(j);
	j = t_json("{\"kty\":\"oct\",\"alg\":\"HS256\",\"kid\":\"o\","
	           "\"k\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}");
	assert_int_equal(bw_jwk_from_json(j, &k), BW_OK);
	bw_jwk_free(k);
	json_decref(j);
	j = t_json("{\"kty\":\"OKP\",\"alg\":\"HS256\",\"kid\":\"o\","
	           "\"k\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}");
	assert_int_equal(bw_jwk_from_json(j, &k), BW_ERR_INVALID);
	json_decref(j);
	j = t_json("{\"kty\":\"oct\",\"alg\":\"HS256\",\"kid\":\"o\"}");
	assert_int_equal(bw_jwk_from_json(j, &k), BW_ERR_INVALID);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(generate_and_accessors),
	        cmocka_unit_test(export_import_roundtrip),
	        cmocka_unit_test(export_then_verify_with_original),
	        cmocka_unit_test(import_refuses_wrong_type),
	        cmocka_unit_test(rsa_below_2048_refused),
	        cmocka_unit_test(public_json_members),
	        cmocka_unit_test(from_json_refuses),
	        cmocka_unit_test(oct_keys),
	        cmocka_unit_test(generation_gives_up_when_told),
	};

	if (bw_init() != BW_OK)
		return 1;
	return cmocka_run_group_tests(tests, t_keys_setup, t_keys_teardown);
}
