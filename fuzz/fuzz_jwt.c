/*
 * fuzz_jwt.c — tokens and keys from hostile bytes: bw_jwt_verify and the
 * peek functions never crash and only answer BW_OK or BW_ERR_DENIED (with a
 * reason); what verifies meets the claims rules; the claims fast path takes
 * nothing the strict parser would refuse and builds the same tree; a JWK
 * that bw_jwk_from_json accepts exports to a JWK that imports again to the
 * same key.
 *
 * Input: byte 0 picks the mode (mod 4), the rest is the data:
 *   0  the data is a compact token, verified against a fixed key set (an
 *      HS256 key, kid "hs"; an Ed25519 key, kid "ed") and peeked at;
 *   1  the data is header || 0x00 || payload, signed correctly with the
 *      HS256 key and then verified: the header and claims checks behind a
 *      valid signature;
 *   2  the data is a JWK JSON object for bw_jwk_from_json;
 *   3  the data is a claims document for the fast path and the strict parser,
 *      and a header for the header fast path and the strict header reader.
 * The seeds (fuzz/corpus/jwt) were written for exactly these keys: HS256
 * key bytes 0x00..0x1f, Ed25519 seed bytes 0x20..0x3f.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/bulwark.h"
#include "jwt_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NOW INT64_C(1700000000)

static struct bw_jwk *hs_key, *ed_key;

static void check(int ok)
{
	if (!ok)
		abort();
}

static void init(void)
{
	uint8_t raw[32];

	if (hs_key != NULL)
		return;
	check(bw_init() == BW_OK);
	for (int i = 0; i < 32; i++)
		raw[i] = (uint8_t)i;
	check(bw_jwk_import_private(BW_JWT_HS256, "hs", raw, sizeof(raw), &hs_key) == BW_OK);
	for (int i = 0; i < 32; i++)
		raw[i] = (uint8_t)(0x20 + i);
	check(bw_jwk_import_private(BW_JWT_EDDSA, "ed", raw, sizeof(raw), &ed_key) == BW_OK);
}

static void verify_one(struct bw_str tok)
{
	const struct bw_jwk *keys[2] = {hs_key, ed_key};
	struct bw_jwt_keyset ks = {keys, 2};
	struct bw_jwt_expect ex = {.issuer = "https://issuer.example",
	                           .audience = "https://api.example",
	                           .now = FUZZ_NOW,
	                           .leeway_s = BW_JWT_DEFAULT_LEEWAY};
	enum bw_jwt_reason why = (enum bw_jwt_reason)99;
	const struct bw_jwk *used = NULL;
	json_t *claims = NULL, *exp;
	enum bw_err rc = bw_jwt_verify(tok, &ks, &ex, &claims, &used, &why);

	if (rc == BW_OK) {
		check(why == BW_JWT_OK && json_is_object(claims) &&
		      (used == hs_key || used == ed_key));
		exp = json_object_get(claims, "exp");
		check(json_is_integer(exp) &&
		      json_integer_value(exp) > FUZZ_NOW - BW_JWT_DEFAULT_LEEWAY);
		check(tok.len <= BW_JWT_MAX_BYTES);
	} else {
		check(rc == BW_ERR_DENIED || rc == BW_ERR_NOMEM);
		check(rc != BW_ERR_DENIED || (why > BW_JWT_OK && why <= BW_JWT_BAD_CLAIMS));
		check(claims == NULL && used == NULL);
	}
	json_decref(claims);
}

static void peek_one(struct bw_str tok)
{
	json_t *j = NULL;

	if (bw_jwt_peek_header(tok, &j) == BW_OK)
		check(json_is_object(j));
	json_decref(j);
	j = NULL;
	if (bw_jwt_peek_claims(tok, &j) == BW_OK)
		check(json_is_object(j));
	json_decref(j);
}

static void signed_one(const uint8_t *d, size_t n)
{
	const uint8_t *nul = memchr(d, 0, n);
	struct bw_buf tok;
	uint8_t sig[JWS_SIG_MAX];
	size_t hlen, siglen = 0;

	if (nul == NULL)
		return;
	hlen = (size_t)(nul - d);
	bw_buf_init(&tok, 4 * BW_JWT_MAX_BYTES);
	if (jws_b64_append(&tok, d, hlen) == BW_OK && bw_buf_append_byte(&tok, '.') == BW_OK &&
	    jws_b64_append(&tok, nul + 1, n - hlen - 1) == BW_OK &&
	    jws_sign(hs_key, tok.p, tok.len, sig, &siglen) == BW_OK &&
	    bw_buf_append_byte(&tok, '.') == BW_OK && jws_b64_append(&tok, sig, siglen) == BW_OK)
		verify_one(bw_buf_str(&tok));
	bw_buf_free(&tok);
}

static void jwk_one(const uint8_t *d, size_t n)
{
	json_t *j = NULL, *pub = NULL, *pub2 = NULL;
	struct bw_jwk *k = NULL, *k2 = NULL;

	if (bw_json_parse(d, n, NULL, &j, NULL) != BW_OK)
		return;
	if (bw_jwk_from_json(j, &k) == BW_OK) {
		enum bw_jwt_alg alg = bw_jwk_alg(k);
		/* OpenSSL's RSA public-key check (SP 800-56B) runs Miller-Rabin with
		 * random bases, so a hostile modulus may pass once and fail the next
		 * time: for RSA keys the re-import may refuse; when it accepts, the
		 * key must be the same */
		bool randomized = alg == BW_JWT_RS256 || alg == BW_JWT_PS256;

		if (alg != BW_JWT_HS256) {
			check(bw_jwk_public_json(k, &pub) == BW_OK);
			if (bw_jwk_from_json(pub, &k2) == BW_OK) {
				check(bw_jwk_public_json(k2, &pub2) == BW_OK);
				check(json_equal(pub, pub2));
			} else {
				check(randomized && k2 == NULL);
			}
		}
	} else {
		check(k == NULL);
	}
	json_decref(pub);
	json_decref(pub2);
	json_decref(j);
	bw_jwk_free(k);
	bw_jwk_free(k2);
}

static bool same_member(struct bw_str a, bool has_a, struct bw_str b, bool has_b)
{
	return has_a == has_b && (!has_a || bw_str_eq(a, b));
}

/* the header fast path reads only what the strict one reads, the same way */
static void header_differential(const uint8_t *d, size_t n)
{
	struct jws_header fast = {0}, slow = {0};
	enum bw_err err = BW_OK;

	if (!jws_header_fast(d, n, &fast))
		return;
	check(jws_header_slow(d, n, &slow, &err) == BW_JWT_OK && err == BW_OK);
	check(same_member(fast.alg, fast.has_alg, slow.alg, slow.has_alg));
	check(same_member(fast.kid, fast.has_kid, slow.kid, slow.has_kid));
	check(same_member(fast.typ, fast.has_typ, slow.typ, slow.has_typ));
	json_decref(slow.doc);
}

static void flat_one(const uint8_t *d, size_t n)
{
	const struct bw_json_limits lim = {.max_bytes = BW_JWT_MAX_BYTES, .max_depth = 16};
	json_t *fast = NULL, *strict = NULL;
	enum bw_err err = BW_ERR_INTERNAL;
	bool handled = jwt_flat_parse(d, n, &fast, &err);
	enum bw_err rc = bw_json_parse(d, n, &lim, &strict, NULL);

	if (handled && err == BW_OK)
		check(rc == BW_OK && json_equal(fast, strict));
	if (!handled)
		check(fast == NULL);
	json_decref(fast);
	json_decref(strict);
	header_differential(d, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bw_str rest;

	init();
	if (size == 0)
		return 0;
	rest = (struct bw_str){(const char *)data + 1, size - 1};
	switch (data[0] % 4) {
	case 0:
		verify_one(rest);
		peek_one(rest);
		break;
	case 1:
		signed_one(data + 1, size - 1);
		break;
	case 2:
		jwk_one(data + 1, size - 1);
		break;
	default:
		flat_one(data + 1, size - 1);
		break;
	}
	return 0;
}
