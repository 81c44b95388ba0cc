/*
 * test_jwt.c — JWS compact signing and verification: round trips per
 * algorithm, known answers from the RFCs, and one attack per refusal of
 * jwt.h, each made with a correct signature so that only the check under
 * test can refuse it (the control case beside it verifies).
 */
#include "jwt_test_util.h"

static const char std_claims[] = "{\"iss\":\"" T_ISS "\",\"aud\":\"" T_AUD "\",\"sub\":\"u1\","
                                 "\"exp\":1700000600}";

/* ---- round trips ------------------------------------------------------------ */

static void sign_verify_each_alg(void **state)
{
	(void)state;
	for (int i = 0; i < N_ALGS; i++) {
		const struct bw_jwk *key = t_key(ALG_AT(i));
		struct bw_jwt_keyset ks = {&key, 1};
		struct bw_jwt_expect ex = t_expect();
		char *tok = t_sign_std(key, "JWT");
		json_t *claims = NULL;
		const struct bw_jwk *used = NULL;
		enum bw_jwt_reason why = BW_JWT_MALFORMED;

		assert_int_equal(bw_jwt_verify(bw_str_c(tok), &ks, &ex, &claims, &used, &why),
		                 BW_OK);
		assert_int_equal(why, BW_JWT_OK);
		assert_ptr_equal(used, key);
		assert_string_equal(json_string_value(json_object_get(claims, "sub")), "u1");
		json_decref(claims);
		/* the NULL out-parameters are allowed */
		assert_int_equal(bw_jwt_verify(bw_str_c(tok), &ks, &ex, NULL, NULL, NULL), BW_OK);
		free(tok);
	}
}

static void public_key_from_jwk_verifies(void **state)
{
	(void)state;
	for (int i = 0; i < N_ALGS; i++) {
		const struct bw_jwk *key = t_key(ALG_AT(i));
		struct bw_jwt_expect ex = t_expect();
		struct bw_jwk *pub = NULL;
		json_t *j = NULL;
		char *tok;

		if (ALG_AT(i) == BW_JWT_HS256)
			continue;
		assert_int_equal(bw_jwk_public_json(key, &j), BW_OK);
		assert_int_equal(bw_jwk_from_json(j, &pub), BW_OK);
		tok = t_sign_std(key, NULL);
		assert_int_equal(t_verify(tok, pub, &ex), BW_JWT_OK);
		free(tok);
		json_decref(j);
		bw_jwk_free(pub);
	}
}

static void header_written_as_documented(void **state)
{
	json_t *h = NULL;
	char *tok;

	(void)state;
	tok = t_sign_std(t_key(BW_JWT_EDDSA), "at+jwt");
	assert_int_equal(bw_jwt_peek_header(bw_str_c(tok), &h), BW_OK);
	assert_string_equal(json_string_value(json_object_get(h, "alg")), "EdDSA");
	assert_string_equal(json_string_value(json_object_get(h, "kid")), "k-EdDSA");
	assert_string_equal(json_string_value(json_object_get(h, "typ")), "at+jwt");
	assert_int_equal(json_object_size(h), 3);
	json_decref(h);
	free(tok);
	tok = t_sign_std(t_key(BW_JWT_EDDSA), NULL);
	assert_int_equal(bw_jwt_peek_header(bw_str_c(tok), &h), BW_OK);
	assert_null(json_object_get(h, "typ"));
	json_decref(h);
	free(tok);
}

static void sign_refuses(void **state)
{
	struct bw_buf out;
	json_t *arr = t_json("[1]"), *big, *c = t_json(std_claims);
	struct bw_jwk *pub = NULL;
	json_t *j = NULL;
	char *pad;

	(void)state;
	bw_buf_init(&out, T_CAP);
	assert_int_equal(bw_jwt_sign(t_key(BW_JWT_HS256), NULL, arr, &out), BW_ERR_INVALID);
	assert_int_equal(out.len, 0);
	/* a public-only key cannot sign */
	assert_int_equal(bw_jwk_public_json(t_key(BW_JWT_EDDSA), &j), BW_OK);
	assert_int_equal(bw_jwk_from_json(j, &pub), BW_OK);
	assert_int_equal(bw_jwt_sign(pub, NULL, c, &out), BW_ERR_STATE);
	assert_int_equal(out.len, 0);
	/* a token longer than any verifier accepts is not made */
	pad = malloc(BW_JWT_MAX_BYTES);
	assert_non_null(pad);
	memset(pad, 'a', BW_JWT_MAX_BYTES - 1);
	pad[BW_JWT_MAX_BYTES - 1] = '\0';
	big = json_pack("{s:s,s:i}", "pad", pad, "exp", 1700000600);
	assert_int_equal(bw_jwt_sign(t_key(BW_JWT_HS256), NULL, big, &out), BW_ERR_LIMIT);
	assert_int_equal(out.len, 0);
	free(pad);
	json_decref(big);
	json_decref(j);
	json_decref(c);
	json_decref(arr);
	bw_jwk_free(pub);
	bw_buf_free(&out);
}

/* ---- known answers -------------------------------------------------------------- */

/* RFC 7515 A.1: HS256, a header with CR LF and spaces (the general parser), no kid */
static void kat_rfc7515_a1_hs256(void **state)
{
	static const char tok[] =
	        "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkz"
	        "ODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU"
	        "1p1r_wW1gFWFOEjXk";
	json_t *jwk = t_json("{\"kty\":\"oct\",\"alg\":\"HS256\",\"kid\":\"a1\",\"k\":\"AyM1SysPpb"
	                     "yDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAz"
	                     "Zr1Z9CAow\"}");
	struct bw_jwt_expect ex = {.issuer = "joe", .typ = "JWT", .now = 1300819370};
	struct bw_jwk *key = NULL;
	char *bad;

	(void)state;
	assert_int_equal(bw_jwk_from_json(jwk, &key), BW_OK);
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_OK);
	ex.now = 1300819380; /* the second of exp itself is past it */
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_EXPIRED);
	ex.now = 1300819370;
	ex.issuer = "bob";
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_BAD_CLAIMS);
	ex.issuer = "joe";
	bad = strdup(tok);
	bad[strlen(bad) - 2] = 'Y'; /* "jXk" -> "jYk": another MAC */
	assert_int_equal(t_verify(bad, key, &ex), BW_JWT_BAD_SIGNATURE);
	free(bad);
	bw_jwk_free(key);
	json_decref(jwk);
}

/* an HS256 key of the raw bytes k[0..n) through its JWK, as a caller gets one */
static struct bw_jwk *hs256_key_of(const uint8_t *k, size_t n)
{
	char b64[2048];
	json_t *jwk;
	struct bw_jwk *key = NULL;

	sodium_bin2base64(b64, sizeof(b64), k, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	jwk = json_pack("{s:s,s:s,s:s,s:s}", "kty", "oct", "alg", "HS256", "kid", "h", "k", b64);
	assert_non_null(jwk);
	assert_int_equal(bw_jwk_from_json(jwk, &key), BW_OK);
	json_decref(jwk);
	return key;
}

/*
 * HMAC-SHA-256 for every key length class (RFC 2104: shorter than the block,
 * exactly one, longer and hashed first): RFC 4231 test case 6, and keys of
 * 32..1024 bytes against OpenSSL's one-shot HMAC of the same message.
 */
static void hs256_key_lengths(void **state)
{
	static const char msg6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
	static const uint8_t mac6[32] = {
	        0x60, 0xe4, 0x31, 0x59, 0x1e, 0xe0, 0xb6, 0x7f, 0x0d, 0x8a, 0x26,
	        0xaa, 0xcb, 0xf5, 0xb7, 0x7f, 0x8e, 0x0b, 0xc6, 0x21, 0x37, 0x28,
	        0xc5, 0x14, 0x05, 0x46, 0x04, 0x0f, 0x0e, 0xe3, 0x7f, 0x54,
	};
	static const size_t lens[] = {32, 63, 64, 65, 127, 128, 1024};
	uint8_t k[1024], msg[200], sig[JWS_SIG_MAX], want[32];
	struct bw_jwk *key;
	size_t siglen = 0, n = 0;

	(void)state;
	memset(k, 0xaa, 131);
	key = hs256_key_of(k, 131);
	assert_int_equal(jws_sign(key, msg6, strlen(msg6), sig, &siglen), BW_OK);
	assert_int_equal(siglen, 32);
	assert_memory_equal(sig, mac6, 32);
	assert_int_equal(jws_verify(key, msg6, strlen(msg6), mac6, 32), BW_OK);
	sig[31] ^= 1;
	assert_int_equal(jws_verify(key, msg6, strlen(msg6), sig, 32), BW_ERR_VERIFY);
	bw_jwk_free(key);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		randombytes_buf(k, lens[i]);
		key = hs256_key_of(k, lens[i]);
		/* messages of 0..200 bytes: the final block filled to every length */
		randombytes_buf(msg, sizeof(msg));
		for (size_t m = 0; m <= sizeof(msg); m++) {
			assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, k, lens[i],
			                          msg, m, want, sizeof(want), &n));
			assert_int_equal(jws_sign(key, msg, m, sig, &siglen), BW_OK);
			assert_memory_equal(sig, want, 32);
			assert_int_equal(jws_verify(key, msg, m, want, 32), BW_OK);
		}
		bw_jwk_free(key);
	}
}

/* the claims of RFC 7515 A.1 to A.3, exp 1300819380 */
#define RFC7515_CLAIMS                                                                           \
	"eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ij" \
	"p0cnVlfQ"

/* verify an RFC 7515 appendix token with its public JWK, then with one flipped bit */
static void rfc7515_public_kat(const char *jwk_text, const char *tok)
{
	json_t *jwk = t_json(jwk_text);
	struct bw_jwt_expect ex = {.issuer = "joe", .now = 1300819370};
	struct bw_jwk *key = NULL;
	char *bad = strdup(tok);
	char *sig = strrchr(bad, '.') + 1;

	assert_int_equal(bw_jwk_from_json(jwk, &key), BW_OK);
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_OK);
	ex.now = 1300819380;
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_EXPIRED);
	ex.now = 1300819370;
	sig[0] = sig[0] == 'A' ? 'B' : 'A';
	assert_int_equal(t_verify(bad, key, &ex), BW_JWT_BAD_SIGNATURE);
	free(bad);
	bw_jwk_free(key);
	json_decref(jwk);
}

/* RFC 7515 A.2: RS256 with a 2048-bit key */
static void kat_rfc7515_a2_rs256(void **state)
{
	(void)state;
	rfc7515_public_kat(
	        "{\"kty\":\"RSA\",\"alg\":\"RS256\",\"kid\":\"a2\",\"e\":\"AQAB\",\"n\":\""
	        "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-"
	        "4qPCJrcS2mJPMEz"
	        "P1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-"
	        "bSf6"
	        "3kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-"
	        "UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5Zw"
	        "Kh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_"
	        "h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRW"
	        "yuXpoQ\"}",
	        "eyJhbGciOiJSUzI1NiJ9." RFC7515_CLAIMS
	        ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_"
	        "lF5YKt_"
	        "O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_"
	        "nZLgrnbyTyWzO75vRK5h6xBArLIA"
	        "RNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-"
	        "eOkHWEsqtFZESc6BfI7noOPq"
	        "vhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_"
	        "IoypGlUPQGe77"
	        "Rw");
}

/* RFC 7515 A.3: ES256, the r || s form converted for OpenSSL */
static void kat_rfc7515_a3_es256(void **state)
{
	(void)state;
	rfc7515_public_kat("{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"ES256\",\"kid\":\"a3\","
	                   "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
	                   "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}",
	                   "eyJhbGciOiJFUzI1NiJ9." RFC7515_CLAIMS
	                   ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxf"
	                   "KTUJqPP3-Kg6NU1Q");
}

/*
 * RFC 7520 §4.4: HS256 with a kid over a payload that is text, not a JWT
 * claims set: the MAC computed here must be the RFC's, and bw_jwt_verify
 * gets past the signature and refuses only the payload.
 */
static void kat_rfc7520_4_4_hs256(void **state)
{
	static const char header[] =
	        "eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVlZjMxNGJjNzAzNyJ9";
	static const char payload[] =
	        "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IH"
	        "N0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlz"
	        "IG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4";
	static const char want[] = "s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0";
	json_t *jwk = t_json("{\"kty\":\"oct\",\"alg\":\"HS256\",\"kid\":\"018c0ae5-4d9b-471b-bfd6-"
	                     "eef314bc7037\",\"use\":\"sig\",\"k\":\"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8"
	                     "FJG-Onbc6mxCcYg\"}");
	struct bw_jwt_expect ex = {.exp_optional = true, .now = T_NOW};
	struct bw_jwk *key = NULL;
	struct bw_buf in, sig;
	uint8_t mac[JWS_SIG_MAX];
	size_t n = 0;
	char tok[512];

	(void)state;
	assert_int_equal(bw_jwk_from_json(jwk, &key), BW_OK);
	bw_buf_init(&in, 1024);
	bw_buf_init(&sig, 1024);
	assert_int_equal(bw_buf_printf(&in, "%s.%s", header, payload), BW_OK);
	assert_int_equal(jws_sign(key, in.p, in.len, mac, &n), BW_OK);
	assert_int_equal(jws_b64_append(&sig, mac, n), BW_OK);
	assert_string_equal(bw_buf_cstr(&sig), want);
	snprintf(tok, sizeof(tok), "%s.%s.%s", header, payload, want);
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_MALFORMED);
	tok[strlen(tok) - 1] = '1'; /* "7p0" -> "7p1": not canonical (spare bits set) */
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_MALFORMED);
	tok[strlen(tok) - 2] = 'q'; /* "7q1"... any other MAC */
	tok[strlen(tok) - 1] = '0';
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_BAD_SIGNATURE);
	bw_buf_free(&in);
	bw_buf_free(&sig);
	bw_jwk_free(key);
	json_decref(jwk);
}

/* RFC 8037 A.4: Ed25519 is deterministic, so signing gives the RFC's bytes */
static void kat_rfc8037_a4_eddsa(void **state)
{
	static const char want[] = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
	                           "hgyY0il_MGCjP0JzlnLWG1PPOt7-"
	                           "09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
	static const char d[] = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
	json_t *pubj =
	        t_json("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"alg\":\"EdDSA\",\"kid\":\"a4\","
	               "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}");
	struct bw_jwt_expect ex = {.exp_optional = true, .now = T_NOW};
	struct bw_jwk *key = NULL, *pub = NULL;
	json_t *mine = NULL;
	uint8_t seed[32];
	size_t n = 0;
	char *tok;

	(void)state;
	assert_int_equal(jws_b64_decode(d, strlen(d), seed, sizeof(seed), &n), BW_OK);
	assert_int_equal(n, 32);
	assert_int_equal(bw_jwk_import_private(BW_JWT_EDDSA, "a4", seed, n, &key), BW_OK);
	/* the public key derived from d is the RFC's x */
	assert_int_equal(bw_jwk_public_json(key, &mine), BW_OK);
	assert_string_equal(json_string_value(json_object_get(mine, "x")),
	                    json_string_value(json_object_get(pubj, "x")));
	tok = t_craft(key, "{\"alg\":\"EdDSA\"}", "Example of Ed25519 signing");
	assert_string_equal(tok, want);
	assert_int_equal(bw_jwk_from_json(pubj, &pub), BW_OK);
	/* the signature verifies; the text payload is then refused as claims */
	assert_int_equal(t_verify(want, pub, &ex), BW_JWT_MALFORMED);
	free(tok);
	tok = strdup(want);
	tok[strlen(tok) - 3] ^= 1; /* "KAg" -> "JAg" */
	assert_int_equal(t_verify(tok, pub, &ex), BW_JWT_BAD_SIGNATURE);
	free(tok);
	sodium_memzero(seed, sizeof(seed));
	json_decref(mine);
	json_decref(pubj);
	bw_jwk_free(key);
	bw_jwk_free(pub);
}

/* ---- signatures ------------------------------------------------------------------- */

static void tampered_payload_or_signature(void **state)
{
	(void)state;
	for (int i = 0; i < N_ALGS; i++) {
		const struct bw_jwk *key = t_key(ALG_AT(i));
		struct bw_jwt_expect ex = t_expect();
		char *tok = t_sign_std(key, NULL), *other, *mix;
		const char *dot2 = strrchr(tok, '.');
		size_t sigat = (size_t)(dot2 + 1 - tok);

		/* another payload under this signature */
		other = t_sign(key, NULL,
		               "{\"iss\":\"" T_ISS "\",\"aud\":\"" T_AUD "\",\"sub\":\"admin\","
		               "\"exp\":1700000600}");
		mix = malloc(strlen(other) + strlen(tok) + 1);
		assert_non_null(mix);
		memcpy(mix, other, (size_t)(strrchr(other, '.') - other));
		memcpy(mix + (strrchr(other, '.') - other), dot2, strlen(dot2) + 1);
		assert_int_equal(t_verify(mix, key, &ex), BW_JWT_BAD_SIGNATURE);
		/* one flipped bit in the first signature character */
		tok[sigat] = tok[sigat] == 'A' ? 'B' : 'A';
		assert_int_equal(t_verify(tok, key, &ex), BW_JWT_BAD_SIGNATURE);
		free(mix);
		free(other);
		free(tok);
	}
}

static void other_key_same_kid(void **state)
{
	struct bw_buf der;

	(void)state;
	bw_buf_init(&der, T_CAP);
	for (int i = 0; i < N_ALGS; i++) {
		enum bw_jwt_alg alg = ALG_AT(i);
		struct bw_jwk *other = NULL;
		struct bw_jwt_expect ex = t_expect();
		char *tok;

		if (alg == BW_JWT_RS256 || alg == BW_JWT_PS256) {
			/* the other RSA test key, made a key of this algorithm and kid */
			assert_int_equal(
			        bw_jwk_export_private(
			                t_key(alg == BW_JWT_RS256 ? BW_JWT_PS256 : BW_JWT_RS256),
			                &der),
			        BW_OK);
			assert_int_equal(bw_jwk_import_private(alg, bw_jwk_kid(t_key(alg)), der.p,
			                                       der.len, &other),
			                 BW_OK);
		} else {
			assert_int_equal(bw_jwk_generate(alg, bw_jwk_kid(t_key(alg)), &other),
			                 BW_OK);
		}
		tok = t_sign_std(other, NULL);
		assert_int_equal(t_verify(tok, t_key(alg), &ex), BW_JWT_BAD_SIGNATURE);
		assert_int_equal(t_verify(tok, other, &ex), BW_JWT_OK);
		free(tok);
		bw_jwk_free(other);
	}
	bw_buf_free(&der);
}

/* RS256 and PS256 keys are distinct algorithms over the same RSA math */
static void rsa_padding_confusion(void **state)
{
	struct bw_jwt_expect ex = t_expect();
	struct bw_buf der;
	struct bw_jwk *as_ps = NULL;
	const struct bw_jwk *rs = t_key(BW_JWT_RS256);
	char *tok, *hdr_swapped;

	(void)state;
	bw_buf_init(&der, T_CAP);
	assert_int_equal(bw_jwk_export_private(rs, &der), BW_OK);
	assert_int_equal(
	        bw_jwk_import_private(BW_JWT_PS256, bw_jwk_kid(rs), der.p, der.len, &as_ps), BW_OK);
	/* a PS256 token by the same RSA key is refused by the RS256 key */
	tok = t_sign_std(as_ps, NULL);
	assert_int_equal(t_verify(tok, rs, &ex), BW_JWT_ALG_MISMATCH);
	/* and a PKCS#1 v1.5 signature under a header claiming PS256 fails PSS verification */
	free(tok);
	tok = t_sign_std(rs, NULL);
	hdr_swapped = t_craft(rs, "{\"alg\":\"PS256\",\"kid\":\"k-RS256\"}", std_claims);
	assert_int_equal(t_verify(hdr_swapped, as_ps, &ex), BW_JWT_BAD_SIGNATURE);
	assert_int_equal(t_verify(tok, rs, &ex), BW_JWT_OK);
	free(hdr_swapped);
	free(tok);
	bw_jwk_free(as_ps);
	bw_buf_free(&der);
}

/*
 * The classic confusion: the RS256 public key (its JWK text) used as an
 * HS256 secret. The header says HS256 and names the RSA key's kid; the key
 * decides, so the token is refused before any MAC is computed.
 */
static void alg_confusion_public_key_as_hmac_secret(void **state)
{
	struct bw_jwt_expect ex = t_expect();
	const struct bw_jwk *rs = t_key(BW_JWT_RS256);
	struct bw_jwk *pub = NULL, *hmac = NULL;
	json_t *j = NULL;
	char *text, *tok;

	(void)state;
	assert_int_equal(bw_jwk_public_json(rs, &j), BW_OK);
	assert_int_equal(bw_jwk_from_json(j, &pub), BW_OK);
	text = json_dumps(j, JSON_COMPACT);
	assert_int_equal(
	        bw_jwk_import_private(BW_JWT_HS256, bw_jwk_kid(rs), text, strlen(text), &hmac),
	        BW_OK);
	tok = t_sign_std(hmac, NULL);
	assert_int_equal(t_verify(tok, pub, &ex), BW_JWT_ALG_MISMATCH);
	assert_int_equal(t_verify(tok, rs, &ex), BW_JWT_ALG_MISMATCH);
	assert_int_equal(t_verify(tok, hmac, &ex), BW_JWT_OK); /* control: the MAC is right */
	free(tok);
	free(text);
	json_decref(j);
	bw_jwk_free(pub);
	bw_jwk_free(hmac);
}

/* Wycheproof-style ECDSA edge cases: r, s outside [1, n-1], wrong lengths */
static void es256_signature_ranges(void **state)
{
	static const uint8_t n[32] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	                              0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	                              0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	                              0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
	const struct bw_jwk *key = t_key(BW_JWT_ES256);
	struct bw_jwt_expect ex = t_expect();
	struct bw_buf si, b64;
	uint8_t good[JWS_SIG_MAX], bad[72];
	size_t glen = 0;
	char *tok;
	const char *hdr = "{\"alg\":\"ES256\",\"kid\":\"k-ES256\"}";
	struct {
		int half;         /* 0: r, 1: s */
		const char *what; /* zero, n, n+1 (via 0xff..) */
	} cases[] = {{0, "zero"}, {1, "zero"}, {0, "n"}, {1, "n"}, {0, "max"}, {1, "max"}};

	(void)state;
	tok = t_craft(key, hdr, std_claims);
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_OK);
	bw_buf_init(&si, T_CAP);
	bw_buf_init(&b64, T_CAP);
	assert_int_equal(bw_buf_append(&si, tok, (size_t)(strrchr(tok, '.') - tok)), BW_OK);
	assert_int_equal(jws_sign(key, si.p, si.len, good, &glen), BW_OK);
	assert_int_equal(glen, 64);
	free(tok);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		uint8_t *half;

		memcpy(bad, good, 64);
		half = bad + 32 * cases[c].half;
		if (strcmp(cases[c].what, "zero") == 0)
			memset(half, 0, 32);
		else if (strcmp(cases[c].what, "n") == 0)
			memcpy(half, n, 32);
		else
			memset(half, 0xff, 32);
		bw_buf_reset(&b64);
		assert_int_equal(jws_b64_append(&b64, bad, 64), BW_OK);
		tok = t_craft_raw(NULL, hdr, strlen(hdr), std_claims, strlen(std_claims), b64.p);
		assert_int_equal(t_verify(tok, key, &ex), BW_JWT_BAD_SIGNATURE);
		free(tok);
	}
	/* 63, 65 bytes, and the DER form other libraries emit */
	static const size_t lens[] = {63, 65, 70, 71, 72};

	for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
		size_t len = lens[li];

		memset(bad, 0x30, sizeof(bad));
		memcpy(bad, good, len < 64 ? len : 64);
		bw_buf_reset(&b64);
		assert_int_equal(jws_b64_append(&b64, bad, len), BW_OK);
		tok = t_craft_raw(NULL, hdr, strlen(hdr), std_claims, strlen(std_claims), b64.p);
		assert_int_equal(t_verify(tok, key, &ex), BW_JWT_BAD_SIGNATURE);
		free(tok);
	}
	bw_buf_free(&si);
	bw_buf_free(&b64);
}

static void wrong_signature_lengths(void **state)
{
	struct bw_jwt_expect ex = t_expect();

	(void)state;
	for (int i = 0; i < N_ALGS; i++) {
		const struct bw_jwk *key = t_key(ALG_AT(i));
		char *tok = t_sign_std(key, NULL);
		size_t len = strlen(tok);
		char *cut = strdup(tok), *sig = strrchr(cut, '.') + 1;

		/* drop the first 4 characters (3 bytes): still canonical, too short */
		memmove(sig, sig + 4, strlen(sig + 4) + 1);
		assert_int_equal(strlen(cut), len - 4);
		assert_int_equal(t_verify(cut, key, &ex), BW_JWT_BAD_SIGNATURE);
		/* a signature of 1 byte */
		memcpy(strrchr(cut, '.') + 1, "AA", 3);
		assert_int_equal(t_verify(cut, key, &ex), BW_JWT_BAD_SIGNATURE);
		free(cut);
		free(tok);
	}
}

/* every prefix and every one-character change of a valid token is refused */
static void truncations_and_substitutions(void **state)
{
	struct bw_jwt_expect ex = t_expect();

	(void)state;
	for (int i = 0; i < N_ALGS; i++) {
		const struct bw_jwk *key = t_key(ALG_AT(i));
		char *tok = t_sign_std(key, "JWT");
		size_t len = strlen(tok);
		char *cut = malloc(len + 1);

		assert_non_null(cut);
		assert_int_equal(t_verify(tok, key, &ex), BW_JWT_OK);
		for (size_t n = 0; n < len; n++) {
			memcpy(cut, tok, n);
			cut[n] = '\0';
			assert_int_not_equal(t_verify(cut, key, &ex), BW_JWT_OK);
		}
		/* substitutions are costly for RSA and ECDSA: every character for the fast ones */
		for (size_t at = 0; at < len; at += ALG_AT(i) == BW_JWT_HS256 ? 1 : 7) {
			char was = tok[at];

			tok[at] = was == 'A' ? 'Q' : 'A';
			assert_int_not_equal(t_verify(tok, key, &ex), BW_JWT_OK);
			tok[at] = was;
		}
		free(cut);
		free(tok);
	}
}

/* ---- header refusals ------------------------------------------------------------------ */

static void alg_none_and_unknown(void **state)
{
	static const char *const hdrs[] = {
	        "{\"alg\":\"none\",\"kid\":\"k-HS256\"}",
	        "{\"alg\":\"None\",\"kid\":\"k-HS256\"}",
	        "{\"alg\":\"NONE\",\"kid\":\"k-HS256\"}",
	        "{\"alg\":\"hs256\",\"kid\":\"k-HS256\"}",
	        "{\"alg\":\"HS512\",\"kid\":\"k-HS256\"}",
	        "{\"alg\":\"HS256 \",\"kid\":\"k-HS256\"}",
	        "{\"alg\":\"\",\"kid\":\"k-HS256\"}",
	        "{\"alg\":1,\"kid\":\"k-HS256\"}",
	        "{\"alg\":null,\"kid\":\"k-HS256\"}",
	        "{\"alg\":[\"HS256\"],\"kid\":\"k-HS256\"}",
	        "{\"kid\":\"k-HS256\"}",
	};
	const struct bw_jwk *key = t_key(BW_JWT_HS256);
	struct bw_jwt_expect ex = t_expect();
	char *tok;

	(void)state;
	for (size_t i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		tok = t_craft(key, hdrs[i], std_claims);
		assert_int_equal(t_verify(tok, key, &ex), BW_JWT_BAD_HEADER);
		free(tok);
	}
	/* a NUL in a name is refused by the JSON parser already */
	tok = t_craft(key, "{\"alg\":\"HS256\\u0000\",\"kid\":\"k-HS256\"}", std_claims);
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_MALFORMED);
	free(tok);
	/* the classic none token: an empty signature */
	tok = t_craft_raw(NULL, hdrs[0], strlen(hdrs[0]), std_claims, strlen(std_claims), "");
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_MALFORMED);
	free(tok);
	tok = t_craft(key, "{\"alg\":\"HS256\",\"kid\":\"k-HS256\"}", std_claims);
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_OK);
	free(tok);
}

static void crit_and_embedded_keys(void **state)
{
	static const char *const hdrs[] = {
	        "{\"alg\":\"HS256\",\"kid\":\"k-HS256\",\"crit\":[\"exp\"],\"exp\":1}",
	        "{\"alg\":\"HS256\",\"kid\":\"k-HS256\",\"crit\":[]}",
	        "{\"alg\":\"HS256\",\"kid\":\"k-HS256\",\"crit\":null}",
	        "{\"alg\":\"HS256\",\"kid\":\"k-HS256\",\"b64\":false,\"crit\":[\"b64\"]}",
	        "{\"alg\":\"HS256\",\"kid\":\"k-HS256\",\"jwk\":{\"kty\":\"oct\",\"k\":\"AAAA\"}}",
	        "{\"alg\":\"HS256\",\"kid\":\"k-HS256\",\"jku\":\"https://evil.example/jwks\"}",
	        "{\"alg\":\"HS256\",\"kid\":\"k-HS256\",\"x5u\":\"https://evil.example/cert\"}",
	        "{\"alg\":\"HS256\",\"kid\":\"k-HS256\",\"x5c\":[\"MIIB\"]}",
	};
	const struct bw_jwk *key = t_key(BW_JWT_HS256);
	struct bw_jwt_expect ex = t_expect();
	char *tok;

	(void)state;
	for (size_t i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		tok = t_craft(key, hdrs[i], std_claims);
		assert_int_equal(t_verify(tok, key, &ex), BW_JWT_BAD_HEADER);
		free(tok);
	}
	/* an unknown, harmless member is ignored (RFC 7515 §4) */
	tok = t_craft(key, "{\"alg\":\"HS256\",\"kid\":\"k-HS256\",\"cty\":\"x\",\"zz\":[1]}",
	              std_claims);
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_OK);
	free(tok);
}

static void duplicate_members(void **state)
{
	const struct bw_jwk *key = t_key(BW_JWT_HS256);
	struct bw_jwt_expect ex = t_expect();
	static const char *const hdrs[] = {
	        "{\"alg\":\"HS256\",\"alg\":\"HS256\",\"kid\":\"k-HS256\"}",
	        "{\"alg\":\"HS256\",\"kid\":\"k-HS256\",\"kid\":\"k-EdDSA\"}",
	        "{\"alg\":\"HS256\", \"kid\":\"k-HS256\",\"alg\":\"none\"}",
	        "{\"alg\":\"HS256\",\"kid\":\"k-HS256\",\"typ\":\"JWT\",\"typ\":\"at+jwt\"}",
	};
	char *tok;

	(void)state;
	for (size_t i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		tok = t_craft(key, hdrs[i], std_claims);
		assert_int_equal(t_verify(tok, key, &ex), BW_JWT_MALFORMED);
		free(tok);
	}
	tok = t_craft(key, "{\"alg\":\"HS256\",\"kid\":\"k-HS256\"}",
	              "{\"iss\":\"" T_ISS "\",\"aud\":\"" T_AUD
	              "\",\"sub\":\"u1\",\"sub\":\"admin\","
	              "\"exp\":1700000600}");
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_MALFORMED);
	free(tok);
	tok = t_craft(key, "{\"alg\":\"HS256\",\"kid\":\"k-HS256\"}",
	              "{\"iss\":\"" T_ISS "\",\"aud\":\"" T_AUD "\",\"exp\":1,\"exp\":1700000600}");
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_MALFORMED);
	free(tok);
}

static void non_object_header_or_claims(void **state)
{
	static const char *const bodies[] = {"[]", "\"x\"", "1", "null", "{", "", "{}x", "\xff"};
	const struct bw_jwk *key = t_key(BW_JWT_HS256);
	struct bw_jwt_expect ex = t_expect();
	char *tok;

	(void)state;
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		tok = t_craft(key, bodies[i], std_claims);
		assert_int_equal(t_verify(tok, key, &ex), BW_JWT_MALFORMED);
		free(tok);
		tok = t_craft(key, "{\"alg\":\"HS256\",\"kid\":\"k-HS256\"}", bodies[i]);
		assert_int_equal(t_verify(tok, key, &ex), BW_JWT_MALFORMED);
		free(tok);
	}
}

static void nesting_depth(void **state)
{
	const struct bw_jwk *key = t_key(BW_JWT_HS256);
	struct bw_jwt_expect ex = t_expect();
	char claims[4096], header[512];
	char *tok;
	size_t n = 0;

	(void)state;
	n += (size_t)snprintf(claims, sizeof(claims),
	                      "{\"iss\":\"" T_ISS "\",\"aud\":\"" T_AUD
	                      "\",\"exp\":1700000600,\"x\":");
	for (int i = 0; i < 1000; i++)
		claims[n++] = '[';
	for (int i = 0; i < 1000; i++)
		claims[n++] = ']';
	memcpy(claims + n, "}", 2);
	tok = t_craft(key, "{\"alg\":\"HS256\",\"kid\":\"k-HS256\"}", claims);
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_MALFORMED);
	free(tok);
	n = (size_t)snprintf(header, sizeof(header),
	                     "{\"alg\":\"HS256\",\"kid\":\"k-HS256\",\"x\":");
	for (int i = 0; i < 40; i++)
		header[n++] = '[';
	for (int i = 0; i < 40; i++)
		header[n++] = ']';
	memcpy(header + n, "}", 2);
	tok = t_craft(key, header, std_claims);
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_MALFORMED);
	free(tok);
}

static void kid_lookup(void **state)
{
	const struct bw_jwk *two[2] = {t_key(BW_JWT_HS256), t_key(BW_JWT_EDDSA)};
	const struct bw_jwk *key = t_key(BW_JWT_HS256);
	struct bw_jwt_expect ex = t_expect();
	char hdr[1200], longkid[1001];
	char *tok;

	(void)state;
	/* each key of a set found by its kid */
	for (size_t i = 0; i < 2; i++) {
		tok = t_sign_std(two[i], NULL);
		assert_int_equal(t_verify_with(tok, two, 2, &ex), BW_JWT_OK);
		free(tok);
	}
	tok = t_craft(key, "{\"alg\":\"HS256\",\"kid\":\"nope\"}", std_claims);
	assert_int_equal(t_verify_with(tok, two, 2, &ex), BW_JWT_UNKNOWN_KEY);
	free(tok);
	tok = t_craft(key, "{\"alg\":\"HS256\",\"kid\":\"../../k-HS256\"}", std_claims);
	assert_int_equal(t_verify_with(tok, two, 2, &ex), BW_JWT_UNKNOWN_KEY);
	free(tok);
	tok = t_craft(key, "{\"alg\":\"HS256\",\"kid\":\"k-HS256/\"}", std_claims);
	assert_int_equal(t_verify_with(tok, two, 2, &ex), BW_JWT_UNKNOWN_KEY);
	free(tok);
	/* kid prefix or NUL-extended is not the kid */
	tok = t_craft(key, "{\"alg\":\"HS256\",\"kid\":\"k-HS25\"}", std_claims);
	assert_int_equal(t_verify_with(tok, two, 2, &ex), BW_JWT_UNKNOWN_KEY);
	free(tok);
	tok = t_craft(key, "{\"alg\":\"HS256\",\"kid\":\"k-HS256\\u0000\"}", std_claims);
	assert_int_equal(t_verify_with(tok, two, 2, &ex), BW_JWT_MALFORMED);
	free(tok);
	/* huge, empty, non-string, non-printable kids */
	memset(longkid, 'k', sizeof(longkid) - 1);
	longkid[sizeof(longkid) - 1] = '\0';
	snprintf(hdr, sizeof(hdr), "{\"alg\":\"HS256\",\"kid\":\"%s\"}", longkid);
	tok = t_craft(key, hdr, std_claims);
	assert_int_equal(t_verify_with(tok, two, 2, &ex), BW_JWT_BAD_HEADER);
	free(tok);
	static const char *const bad[] = {
	        "{\"alg\":\"HS256\",\"kid\":\"\"}",      "{\"alg\":\"HS256\",\"kid\":7}",
	        "{\"alg\":\"HS256\",\"kid\":null}",      "{\"alg\":\"HS256\",\"kid\":\"a b\"}",
	        "{\"alg\":\"HS256\",\"kid\":\"a\\nb\"}", "{\"alg\":\"HS256\",\"kid\":\"\\u00e9\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tok = t_craft(key, bad[i], std_claims);
		assert_int_equal(t_verify_with(tok, two, 2, &ex), BW_JWT_BAD_HEADER);
		free(tok);
	}
	/* no kid: only a set of one key can say which key */
	tok = t_craft(key, "{\"alg\":\"HS256\"}", std_claims);
	assert_int_equal(t_verify_with(tok, two, 2, &ex), BW_JWT_UNKNOWN_KEY);
	assert_int_equal(t_verify_with(tok, two, 1, &ex), BW_JWT_OK);
	assert_int_equal(t_verify_with(tok, two, 0, &ex), BW_JWT_UNKNOWN_KEY);
	assert_int_equal(t_verify_with(tok, NULL, 0, &ex), BW_JWT_UNKNOWN_KEY);
	free(tok);
}

static void typ_check(void **state)
{
	static const char *const ok[] = {"at+jwt", "AT+JWT", "application/at+jwt",
	                                 "Application/At+Jwt"};
	static const char *const refused[] = {"JWT",
	                                      "at+jwt ",
	                                      "application/",
	                                      "jwt+at",
	                                      "application/application/at+jwt",
	                                      "xapplication/at+jwt"};
	const struct bw_jwk *key = t_key(BW_JWT_EDDSA);
	struct bw_jwt_expect ex = t_expect();
	char hdr[256], *tok;

	(void)state;
	ex.typ = "at+jwt";
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		tok = t_sign_std(key, ok[i]);
		assert_int_equal(t_verify(tok, key, &ex), BW_JWT_OK);
		free(tok);
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		tok = t_sign_std(key, refused[i]);
		assert_int_equal(t_verify(tok, key, &ex), BW_JWT_BAD_HEADER);
		free(tok);
	}
	tok = t_sign_std(key, NULL);
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_BAD_HEADER);
	ex.typ = NULL; /* not asked: not checked */
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_OK);
	free(tok);
	snprintf(hdr, sizeof(hdr), "{\"alg\":\"EdDSA\",\"kid\":\"k-EdDSA\",\"typ\":1}");
	tok = t_craft(key, hdr, std_claims);
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_BAD_HEADER);
	free(tok);
	/* a typ the caller spells with the prefix matches too */
	ex.typ = "application/at+jwt";
	tok = t_sign_std(key, "at+jwt");
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_OK);
	free(tok);
}

/* ---- shape refusals ------------------------------------------------------------------------ */

static void segments_and_base64(void **state)
{
	const struct bw_jwk *key = t_key(BW_JWT_HS256);
	struct bw_jwt_expect ex = t_expect();
	char *tok = t_sign_std(key, NULL), buf[2048];
	const char *d1 = strchr(tok, '.'), *d2 = strrchr(tok, '.');
	int hl = (int)(d1 - tok), pl = (int)(d2 - d1 - 1);
	const char *h = tok, *p = d1 + 1, *s = d2 + 1;
	size_t sl = strlen(s);

	(void)state;
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_OK);
#define REFUSED(...)                                                         \
	do {                                                                 \
		snprintf(buf, sizeof(buf), __VA_ARGS__);                     \
		assert_int_equal(t_verify(buf, key, &ex), BW_JWT_MALFORMED); \
	} while (0)
	REFUSED("%.*s.%.*s", hl, h, pl, p);             /* two segments */
	REFUSED("%.*s.%.*s.%s.", hl, h, pl, p, s);      /* four */
	REFUSED("%.*s.%.*s.%s.%s", hl, h, pl, p, s, s); /* four */
	REFUSED("%.*s.%.*s.", hl, h, pl, p);            /* empty signature */
	REFUSED(".%.*s.%s", pl, p, s);                  /* empty header */
	REFUSED("%.*s..%s", hl, h, s);                  /* empty payload */
	REFUSED("..");
	REFUSED("%s", "");
	REFUSED("%.*s.%.*s.%s=", hl, h, pl, p, s); /* padding */
	REFUSED("%.*s=.%.*s.%s", hl, h, pl, p, s);
	REFUSED(" %s", tok); /* whitespace */
	REFUSED("%s\n", tok);
	REFUSED("%.*s.%.*s.%.*s %s", hl, h, pl, p, 10, s, s + 10);
	REFUSED("%.*s.%.*s.%.*s", hl, h, pl, p, (int)sl - 2, s); /* 41 characters: 1 mod 4 */
	/* the standard alphabet instead of the URL one */
	memcpy(buf, tok, strlen(tok) + 1);
	for (char *c = buf; *c != '\0'; c++)
		if (*c == '-' || *c == '_')
			*c = *c == '-' ? '+' : '/';
	if (strcmp(buf, tok) != 0)
		assert_int_equal(t_verify(buf, key, &ex), BW_JWT_MALFORMED);
	/* bytes >= 0x80 that some decoders map to digits */
	REFUSED("%.*s.%.*s.%.*s\xc0", hl, h, pl, p, (int)sl - 1, s);
	/* the same MAC spelled with set spare bits: 43 characters carry 2 spare bits */
	assert_int_equal(sl % 4, 3);
	memcpy(buf, tok, strlen(tok) + 1);
	{
		char *last = buf + strlen(buf) - 1;
		static const char alpha[] =
		        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		const char *at = strchr(alpha, *last);

		assert_non_null(at);
		assert_int_equal((at - alpha) & 3, 0);
		*last = alpha[(at - alpha) + 1];
		assert_int_equal(t_verify(buf, key, &ex), BW_JWT_MALFORMED);
	}
#undef REFUSED
	free(tok);
}

/* a token over exactly this header and payload text, however spelled, signed correctly */
static char *sign_text(const struct bw_jwk *key, const char *h, const char *p)
{
	struct bw_buf out;
	uint8_t sig[JWS_SIG_MAX];
	size_t siglen = 0;
	char *tok;

	bw_buf_init(&out, T_CAP);
	assert_int_equal(bw_buf_printf(&out, "%s.%s", h, p), BW_OK);
	assert_int_equal(jws_sign(key, out.p, out.len, sig, &siglen), BW_OK);
	assert_int_equal(bw_buf_append_byte(&out, '.'), BW_OK);
	assert_int_equal(jws_b64_append(&out, sig, siglen), BW_OK);
	tok = strdup(out.p);
	bw_buf_free(&out);
	return tok;
}

/* set a spare bit of the last character (the text then has a second spelling) */
static void set_spare_bit(char *b64)
{
	static const char alpha[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *last = b64 + strlen(b64) - 1;
	const char *at = strchr(alpha, *last);

	assert_non_null(at);
	assert_int_not_equal(strlen(b64) % 4, 0);
	*last = alpha[(at - alpha) | 1];
}

/*
 * Non-canonical base64url in the header or payload, under a signature that
 * covers exactly that text: only the canonical-form check can refuse it.
 */
static void non_canonical_text_under_valid_signature(void **state)
{
	const struct bw_jwk *key = t_key(BW_JWT_HS256);
	struct bw_jwt_expect ex = t_expect();
	struct bw_buf h, p;
	char hb[256], pb[512], *tok;
	/* lengths not a multiple of 3 bytes, so the last character has spare bits */
	const char *hdr = "{\"alg\":\"HS256\",\"kid\":\"k-HS256\"}";
	const char *claims = "{\"iss\":\"" T_ISS "\",\"aud\":\"" T_AUD "\",\"exp\":1700000600}  ";

	(void)state;
	bw_buf_init(&h, 1024);
	bw_buf_init(&p, 1024);
	assert_int_equal(jws_b64_append(&h, hdr, strlen(hdr)), BW_OK);
	assert_int_equal(jws_b64_append(&p, claims, strlen(claims)), BW_OK);
	assert_int_not_equal(h.len % 4, 0);
	assert_int_not_equal(p.len % 4, 0);
	/* control: the canonical spelling verifies */
	tok = sign_text(key, h.p, p.p);
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_OK);
	free(tok);
	/* spare bits set */
	snprintf(hb, sizeof(hb), "%s", h.p);
	snprintf(pb, sizeof(pb), "%s", p.p);
	set_spare_bit(pb);
	tok = sign_text(key, hb, pb);
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_MALFORMED);
	free(tok);
	snprintf(pb, sizeof(pb), "%s", p.p);
	set_spare_bit(hb);
	tok = sign_text(key, hb, pb);
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_MALFORMED);
	free(tok);
	/* padding */
	snprintf(hb, sizeof(hb), "%s", h.p);
	snprintf(pb, sizeof(pb), "%s%s", p.p, p.len % 4 == 2 ? "==" : "=");
	tok = sign_text(key, hb, pb);
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_MALFORMED);
	free(tok);
	snprintf(hb, sizeof(hb), "%s%s", h.p, h.len % 4 == 2 ? "==" : "=");
	snprintf(pb, sizeof(pb), "%s", p.p);
	tok = sign_text(key, hb, pb);
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_MALFORMED);
	free(tok);
	bw_buf_free(&h);
	bw_buf_free(&p);
}

static void oversized_token(void **state)
{
	const struct bw_jwk *key = t_key(BW_JWT_HS256);
	struct bw_jwt_expect ex = t_expect();
	const char *pre =
	        "{\"iss\":\"" T_ISS "\",\"aud\":\"" T_AUD "\",\"exp\":1700000600,\"p\":\"";
	const char *hdr = "{\"alg\":\"HS256\",\"kid\":\"k-HS256\"}";
	size_t plen = strlen(pre);
	char *claims = malloc(BW_JWT_MAX_BYTES), *tok = NULL, *prev = NULL;

	(void)state;
	assert_non_null(claims);
	memcpy(claims, pre, plen);
	/* grow the claims until the token passes the cap: the last that fits verifies */
	for (size_t fill = 5000; fill < BW_JWT_MAX_BYTES - plen - 3; fill++) {
		memset(claims + plen, 'a', fill);
		memcpy(claims + plen + fill, "\"}", 3);
		free(prev);
		prev = tok;
		tok = t_craft(key, hdr, claims);
		if (strlen(tok) > BW_JWT_MAX_BYTES)
			break;
	}
	assert_non_null(prev);
	assert_true(strlen(prev) <= BW_JWT_MAX_BYTES && strlen(prev) > BW_JWT_MAX_BYTES - 8);
	assert_int_equal(t_verify(prev, key, &ex), BW_JWT_OK);
	assert_true(strlen(tok) > BW_JWT_MAX_BYTES);
	assert_int_equal(t_verify(tok, key, &ex), BW_JWT_MALFORMED);
	free(prev);
	free(tok);
	free(claims);
}

/* ---- claims ------------------------------------------------------------------------------- */

static enum bw_jwt_reason claims_reason(const char *claims, const struct bw_jwt_expect *ex)
{
	const struct bw_jwk *key = t_key(BW_JWT_HS256);
	char *tok = t_sign(key, NULL, claims);
	enum bw_jwt_reason r = t_verify(tok, key, ex);

	free(tok);
	return r;
}

#define IA "\"iss\":\"" T_ISS "\",\"aud\":\"" T_AUD "\","

static void claims_dates(void **state)
{
	struct bw_jwt_expect ex = t_expect();

	(void)state;
	assert_int_equal(claims_reason("{" IA "\"exp\":1700000001}", &ex), BW_JWT_OK);
	/* exp: required, an integer, in the future with the leeway */
	assert_int_equal(claims_reason("{" IA "\"sub\":\"u\"}", &ex), BW_JWT_BAD_CLAIMS);
	ex.exp_optional = true;
	assert_int_equal(claims_reason("{" IA "\"sub\":\"u\"}", &ex), BW_JWT_OK);
	ex.exp_optional = false;
	assert_int_equal(claims_reason("{" IA "\"exp\":1699999970}", &ex), BW_JWT_EXPIRED);
	assert_int_equal(claims_reason("{" IA "\"exp\":1699999971}", &ex), BW_JWT_OK);
	ex.leeway_s = 0;
	assert_int_equal(claims_reason("{" IA "\"exp\":1700000000}", &ex), BW_JWT_EXPIRED);
	assert_int_equal(claims_reason("{" IA "\"exp\":1700000001}", &ex), BW_JWT_OK);
	ex.leeway_s = BW_JWT_DEFAULT_LEEWAY;
	assert_int_equal(claims_reason("{" IA "\"exp\":1700000600.0}", &ex), BW_JWT_BAD_CLAIMS);
	assert_int_equal(claims_reason("{" IA "\"exp\":1.7000006e9}", &ex), BW_JWT_BAD_CLAIMS);
	assert_int_equal(claims_reason("{" IA "\"exp\":\"1700000600\"}", &ex), BW_JWT_BAD_CLAIMS);
	assert_int_equal(claims_reason("{" IA "\"exp\":null}", &ex), BW_JWT_BAD_CLAIMS);
	assert_int_equal(claims_reason("{" IA "\"exp\":true}", &ex), BW_JWT_BAD_CLAIMS);
	assert_int_equal(claims_reason("{" IA "\"exp\":-1}", &ex), BW_JWT_BAD_CLAIMS);
	assert_int_equal(claims_reason("{" IA "\"exp\":9007199254740992}", &ex), BW_JWT_OK);
	assert_int_equal(claims_reason("{" IA "\"exp\":9007199254740993}", &ex), BW_JWT_BAD_CLAIMS);
	assert_int_equal(claims_reason("{" IA "\"exp\":9223372036854775807}", &ex),
	                 BW_JWT_BAD_CLAIMS);
	/* nbf and iat: not in the future beyond the leeway */
	assert_int_equal(claims_reason("{" IA "\"exp\":1700000600,\"nbf\":1700000030}", &ex),
	                 BW_JWT_OK);
	assert_int_equal(claims_reason("{" IA "\"exp\":1700000600,\"nbf\":1700000031}", &ex),
	                 BW_JWT_NOT_YET_VALID);
	assert_int_equal(claims_reason("{" IA "\"exp\":1700000600,\"iat\":1700000030}", &ex),
	                 BW_JWT_OK);
	assert_int_equal(claims_reason("{" IA "\"exp\":1700000600,\"iat\":1700000031}", &ex),
	                 BW_JWT_NOT_YET_VALID);
	assert_int_equal(claims_reason("{" IA "\"exp\":1700000600,\"nbf\":1.5}", &ex),
	                 BW_JWT_BAD_CLAIMS);
	assert_int_equal(claims_reason("{" IA "\"exp\":1700000600,\"iat\":\"now\"}", &ex),
	                 BW_JWT_BAD_CLAIMS);
}

static void claims_real_clock(void **state)
{
	struct bw_jwt_expect ex = t_expect();
	char claims[256];
	long long now = (long long)time(NULL);

	(void)state;
	ex.now = 0;
	snprintf(claims, sizeof(claims), "{" IA "\"exp\":%lld}", now + 120);
	assert_int_equal(claims_reason(claims, &ex), BW_JWT_OK);
	/* T_NOW's tokens are long expired by the real clock */
	assert_int_equal(claims_reason("{" IA "\"exp\":1700000600}", &ex), BW_JWT_EXPIRED);
}

static void claims_iss_aud(void **state)
{
	struct bw_jwt_expect ex = t_expect();

	(void)state;
	assert_int_equal(claims_reason("{\"iss\":\"https://evil.example\",\"aud\":\"" T_AUD
	                               "\",\"exp\":1700000600}",
	                               &ex),
	                 BW_JWT_BAD_CLAIMS);
	assert_int_equal(claims_reason("{\"aud\":\"" T_AUD "\",\"exp\":1700000600}", &ex),
	                 BW_JWT_BAD_CLAIMS);
	assert_int_equal(claims_reason("{\"iss\":[\"" T_ISS "\"],\"aud\":\"" T_AUD
	                               "\",\"exp\":1700000600}",
	                               &ex),
	                 BW_JWT_BAD_CLAIMS);
	assert_int_equal(claims_reason("{\"iss\":\"" T_ISS "/\",\"aud\":\"" T_AUD
	                               "\",\"exp\":1700000600}",
	                               &ex),
	                 BW_JWT_BAD_CLAIMS);
	/* aud: a string or an array of strings that contains ours */
	assert_int_equal(claims_reason("{\"iss\":\"" T_ISS "\",\"aud\":[\"x\",\"" T_AUD
	                               "\"],\"exp\":1700000600}",
	                               &ex),
	                 BW_JWT_OK);
	assert_int_equal(claims_reason("{\"iss\":\"" T_ISS
	                               "\",\"aud\":[\"x\",\"y\"],\"exp\":1700000600}",
	                               &ex),
	                 BW_JWT_BAD_CLAIMS);
	assert_int_equal(
	        claims_reason("{\"iss\":\"" T_ISS "\",\"aud\":[],\"exp\":1700000600}", &ex),
	        BW_JWT_BAD_CLAIMS);
	assert_int_equal(claims_reason("{\"iss\":\"" T_ISS "\",\"aud\":[\"" T_AUD
	                               "\",7],\"exp\":1700000600}",
	                               &ex),
	                 BW_JWT_BAD_CLAIMS);
	assert_int_equal(claims_reason("{\"iss\":\"" T_ISS "\",\"aud\":\"https://other.example\","
	                               "\"exp\":1700000600}",
	                               &ex),
	                 BW_JWT_BAD_CLAIMS);
	assert_int_equal(claims_reason("{\"iss\":\"" T_ISS "\",\"exp\":1700000600}", &ex),
	                 BW_JWT_BAD_CLAIMS);
	assert_int_equal(claims_reason("{\"iss\":\"" T_ISS "\",\"aud\":{\"" T_AUD
	                               "\":1},\"exp\":1700000600}",
	                               &ex),
	                 BW_JWT_BAD_CLAIMS);
	/* unchecked when not asked */
	ex.issuer = NULL;
	ex.audience = NULL;
	assert_int_equal(claims_reason("{\"exp\":1700000600}", &ex), BW_JWT_OK);
}

/* ---- the claims fast path agrees with the strict parser ------------------------------ */

static void flat_path_agrees_with_strict_parser(void **state)
{
	static const char *const docs[] = {
	        "{}",
	        " { } ",
	        "{\"a\":1}",
	        "{\"a\":-1,\"b\":0}",
	        "{\"a\":\"x\",\"b\":[\"y\",2]}",
	        "{\"a\":true,\"b\":false,\"c\":null}",
	        "{\"a\":[]}",
	        "{\"a\" : [ 1 , 2 ] }\n",
	        "{\"\xc3\xa9\":\"\xe2\x82\xac\"}",
	        "{\"a\":999999999999999999}",
	        /* handed to the strict parser: */
	        "{\"a\":1,\"a\":2}",
	        "{\"a\":-0}",
	        "{\"a\":01}",
	        "{\"a\":1.0}",
	        "{\"a\":1e3}",
	        "{\"a\":\"\\n\"}",
	        "{\"a\":{\"b\":1}}",
	        "{\"a\":[[1]]}",
	        "{\"a\":\"\x01\"}",
	        "{\"a\":\"\xff\"}",
	        "{\"a\":1}x",
	        "{\"a\":1,}",
	        "{\"a\"}",
	        "[1]",
	        "{\"a\":tru}",
	        "{\"a\":9999999999999999999}",
	        "{\"a\":[1,]}",
	        "{\"a\":\"\x7f\"}",
	        "{\"a\":-}",
	        "{\"a\":1 2}",
	        "{,}",
	        "{\"a\":[1 2]}",
	        "{\"a\":\"x\" \"b\":1}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		json_t *fast = NULL, *strict = NULL;
		enum bw_err err = BW_ERR_INTERNAL;
		bool handled = jwt_flat_parse(docs[i], strlen(docs[i]), &fast, &err);
		enum bw_err rc = bw_json_parse(docs[i], strlen(docs[i]), NULL, &strict, NULL);

		if (handled) {
			assert_int_equal(err, BW_OK);
			assert_int_equal(rc, BW_OK);
			assert_true(json_equal(fast, strict));
		} else {
			assert_null(fast);
		}
		/* the first ten are the common shape: the fast path must take them */
		assert_true(handled == (i < 10));
		json_decref(fast);
		json_decref(strict);
	}
}

/* ---- the small API ------------------------------------------------------------------------- */

static void names(void **state)
{
	enum bw_jwt_alg a;

	(void)state;
	for (int i = 0; i < N_ALGS; i++) {
		assert_int_equal(bw_jwt_alg_parse(bw_str_c(bw_jwt_alg_name(ALG_AT(i))), &a), BW_OK);
		assert_int_equal(a, ALG_AT(i));
	}
	assert_null(bw_jwt_alg_name((enum bw_jwt_alg)0));
	assert_int_equal(bw_jwt_alg_parse(BW_STR("none"), &a), BW_ERR_INVALID);
	assert_int_equal(bw_jwt_alg_parse(BW_STR("eddsa"), &a), BW_ERR_INVALID);
	assert_int_equal(bw_jwt_alg_parse(BW_STR("EdDSA\0"), &a), BW_ERR_INVALID);
	assert_string_equal(bw_jwt_reason_str(BW_JWT_OK), "ok");
	assert_string_equal(bw_jwt_reason_str(BW_JWT_EXPIRED), "expired");
	assert_string_equal(bw_jwt_reason_str(BW_JWT_BAD_CLAIMS), "bad_claims");
	assert_string_equal(bw_jwt_reason_str((enum bw_jwt_reason)77), "unknown");
}

static void peek(void **state)
{
	char *tok = t_sign_std(t_key(BW_JWT_HS256), "JWT");
	json_t *j = NULL;
	char bad[64];

	(void)state;
	assert_int_equal(bw_jwt_peek_header(bw_str_c(tok), &j), BW_OK);
	assert_string_equal(json_string_value(json_object_get(j, "alg")), "HS256");
	json_decref(j);
	assert_int_equal(bw_jwt_peek_claims(bw_str_c(tok), &j), BW_OK);
	assert_string_equal(json_string_value(json_object_get(j, "sub")), "u1");
	json_decref(j);
	assert_int_equal(bw_jwt_peek_header(BW_STR("a.b"), &j), BW_ERR_INVALID);
	assert_null(j);
	assert_int_equal(bw_jwt_peek_header(BW_STR("W10.e30.AA"), &j), BW_ERR_INVALID); /* [] */
	assert_int_equal(bw_jwt_peek_claims(BW_STR("e30.W10.AA"), &j), BW_ERR_INVALID);
	assert_int_equal(bw_jwt_peek_header(BW_STR("e30=.e30.AA"), &j), BW_ERR_INVALID);
	snprintf(bad, sizeof(bad), "e30.e30.");
	assert_int_equal(bw_jwt_peek_header(bw_str_c(bad), &j), BW_ERR_INVALID);
	free(tok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(sign_verify_each_alg),
	        cmocka_unit_test(public_key_from_jwk_verifies),
	        cmocka_unit_test(header_written_as_documented),
	        cmocka_unit_test(sign_refuses),
	        cmocka_unit_test(kat_rfc7515_a1_hs256),
	        cmocka_unit_test(hs256_key_lengths),
	        cmocka_unit_test(kat_rfc7515_a2_rs256),
	        cmocka_unit_test(kat_rfc7515_a3_es256),
	        cmocka_unit_test(kat_rfc7520_4_4_hs256),
	        cmocka_unit_test(kat_rfc8037_a4_eddsa),
	        cmocka_unit_test(tampered_payload_or_signature),
	        cmocka_unit_test(other_key_same_kid),
	        cmocka_unit_test(rsa_padding_confusion),
	        cmocka_unit_test(alg_confusion_public_key_as_hmac_secret),
	        cmocka_unit_test(es256_signature_ranges),
	        cmocka_unit_test(wrong_signature_lengths),
	        cmocka_unit_test(truncations_and_substitutions),
	        cmocka_unit_test(alg_none_and_unknown),
	        cmocka_unit_test(crit_and_embedded_keys),
	        cmocka_unit_test(duplicate_members),
	        cmocka_unit_test(non_object_header_or_claims),
	        cmocka_unit_test(nesting_depth),
	        cmocka_unit_test(kid_lookup),
	        cmocka_unit_test(typ_check),
	        cmocka_unit_test(segments_and_base64),
	        cmocka_unit_test(non_canonical_text_under_valid_signature),
	        cmocka_unit_test(oversized_token),
	        cmocka_unit_test(claims_dates),
	        cmocka_unit_test(claims_real_clock),
	        cmocka_unit_test(claims_iss_aud),
	        cmocka_unit_test(flat_path_agrees_with_strict_parser),
	        cmocka_unit_test(names),
	        cmocka_unit_test(peek),
	};

	if (bw_init() != BW_OK)
		return 1;
	return cmocka_run_group_tests(tests, t_keys_setup, t_keys_teardown);
}
