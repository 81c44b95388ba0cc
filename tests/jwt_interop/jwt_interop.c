/*
 * jwt_interop.c — the C half of unit.jwt_interop (interop.py is the other):
 * bulwark's JWT module against an independent implementation (PyJWT over
 * the cryptography package), both ways.
 *
 *   jwt_interop verify JWKS_FILE NOW
 *       reads compact tokens from stdin, one per line, and prints for each
 *       the reason name bw_jwt_verify gives ("ok", "bad_signature", …),
 *       verifying with the keys of JWKS_FILE ({"keys": [JWK, …]}), issuer
 *       https://issuer.example, audience https://api.example, typ at+jwt,
 *       the clock at NOW, the default leeway.
 *   jwt_interop sign HS256_KEY NOW
 *       makes an EdDSA, ES256, RS256 and PS256 key (HS256: the base64url key
 *       given), signs one access token with each, and prints one JSON object:
 *       {"keys": [public JWKs], "tokens": {"EdDSA": "…", …}}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/bulwark.h"
#include "jwt_internal.h"

#define MAX_KEYS  16
#define LINE_MAX_ 16384
#define T_ISS     "https://issuer.example"
#define T_AUD     "https://api.example"

static int usage(void)
{
	fprintf(stderr, "usage: jwt_interop verify JWKS_FILE NOW | sign HS256_KEY NOW\n");
	return 2;
}

static int64_t parse_now(const char *s)
{
	int64_t v = 0;

	if (bw_parse_i64(bw_str_c(s), 1, INT64_C(1) << 40, &v) != BW_OK)
		return 0;
	return v;
}

static int cmd_verify(const char *path, int64_t now)
{
	struct bw_jwk *keys[MAX_KEYS] = {0};
	const struct bw_jwk *ro[MAX_KEYS];
	static char text[256 * 1024], line[LINE_MAX_];
	size_t n, nkeys = 0;
	json_t *jwks = NULL, *arr, *k;
	FILE *f = fopen(path, "rb");
	const struct bw_json_limits lim = {.max_bytes = sizeof(text)};
	size_t i;
	int rc = 1;

	if (f == NULL)
		return 1;
	n = fread(text, 1, sizeof(text), f);
	fclose(f);
	if (bw_json_parse(text, n, &lim, &jwks, NULL) != BW_OK)
		goto out;
	arr = json_object_get(jwks, "keys");
	if (!json_is_array(arr) || json_array_size(arr) > MAX_KEYS)
		goto out;
	json_array_foreach(arr, i, k)
	{
		if (bw_jwk_from_json(k, &keys[nkeys]) != BW_OK) {
			fprintf(stderr, "jwt_interop: JWK %zu refused\n", i);
			goto out;
		}
		ro[nkeys] = keys[nkeys];
		nkeys++;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		struct bw_jwt_keyset ks = {ro, nkeys};
		struct bw_jwt_expect ex = {.issuer = T_ISS,
		                           .audience = T_AUD,
		                           .typ = "at+jwt",
		                           .now = now,
		                           .leeway_s = BW_JWT_DEFAULT_LEEWAY};
		enum bw_jwt_reason why = BW_JWT_MALFORMED;
		size_t len = strcspn(line, "\n");
		enum bw_err e =
		        bw_jwt_verify((struct bw_str){line, len}, &ks, &ex, NULL, NULL, &why);

		if (e != BW_OK && e != BW_ERR_DENIED)
			goto out;
		printf("%s\n", bw_jwt_reason_str(why));
	}
	rc = 0;
out:
	for (i = 0; i < nkeys; i++)
		bw_jwk_free(keys[i]);
	json_decref(jwks);
	return rc;
}

static int cmd_sign(const char *hs_b64, int64_t now)
{
	static const enum bw_jwt_alg algs[] = {BW_JWT_EDDSA, BW_JWT_ES256, BW_JWT_RS256,
	                                       BW_JWT_PS256, BW_JWT_HS256};
	struct bw_jwk *keys[5] = {0};
	uint8_t raw[JWS_HMAC_MAX_KEY];
	size_t rawlen = 0;
	struct bw_buf der, tok;
	json_t *out = json_object(), *pubs = json_array(), *toks = json_object(), *claims;
	char kid[32];
	int rc = 1;

	bw_buf_init(&der, 64 * 1024);
	bw_buf_init(&tok, 64 * 1024);
	claims = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:s}", "iss", T_ISS, "aud", T_AUD, "sub",
	                   "usr_1", "iat", (json_int_t)now, "nbf", (json_int_t)now, "exp",
	                   (json_int_t)now + 300, "scope", "openid read");
	if (out == NULL || pubs == NULL || toks == NULL || claims == NULL)
		goto out;
	if (jws_b64_decode(hs_b64, strlen(hs_b64), raw, sizeof(raw), &rawlen) != BW_OK)
		goto out;
	for (size_t i = 0; i < 5; i++) {
		json_t *pub = NULL;
		enum bw_err e;

		snprintf(kid, sizeof(kid), "c-%s", bw_jwt_alg_name(algs[i]));
		if (algs[i] == BW_JWT_HS256)
			e = bw_jwk_import_private(algs[i], kid, raw, rawlen, &keys[i]);
		else if (algs[i] == BW_JWT_PS256) /* the RS256 key's RSA pair, made PS256 */
			e = bw_jwk_export_private(keys[i - 1], &der) == BW_OK
			            ? bw_jwk_import_private(algs[i], kid, der.p, der.len, &keys[i])
			            : BW_ERR_INTERNAL;
		else
			e = bw_jwk_generate(algs[i], kid, &keys[i]);
		if (e != BW_OK || bw_jwt_sign(keys[i], "at+jwt", claims, &tok) != BW_OK ||
		    json_object_set_new(toks, bw_jwt_alg_name(algs[i]), json_string(tok.p)) != 0)
			goto out;
		if (algs[i] != BW_JWT_HS256) {
			if (bw_jwk_public_json(keys[i], &pub) != BW_OK ||
			    json_array_append_new(pubs, pub))
				goto out;
		}
	}
	if (json_object_set(out, "keys", pubs) != 0 || json_object_set(out, "tokens", toks) != 0 ||
	    json_dumpf(out, stdout, JSON_COMPACT) != 0)
		goto out;
	printf("\n");
	rc = 0;
out:
	sodium_memzero(raw, sizeof(raw));
	for (size_t i = 0; i < 5; i++)
		bw_jwk_free(keys[i]);
	bw_buf_free(&der);
	bw_buf_free(&tok);
	json_decref(claims);
	json_decref(toks);
	json_decref(pubs);
	json_decref(out);
	return rc;
}

int main(int argc, char **argv)
{
	int64_t now;

	if (argc != 4 || bw_init() != BW_OK)
		return usage();
	now = parse_now(argv[3]);
	if (now == 0)
		return usage();
	if (strcmp(argv[1], "verify") == 0)
		return cmd_verify(argv[2], now);
	if (strcmp(argv[1], "sign") == 0)
		return cmd_sign(argv[2], now);
	return usage();
}
