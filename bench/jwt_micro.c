/*
 * jwt_micro.c — what a token verification costs, per algorithm, next to the
 * bare signature check of the same bytes by the crypto library.
 *
 * For each algorithm: bw_jwt_verify of a typical access token (header with
 * kid and typ at+jwt, ten claims, the claims object handed back and freed,
 * as a request would), and the raw verify of the same signing input and
 * signature through libsodium or OpenSSL alone. The ratio is what the JOSE
 * layer adds: base64url, both JSON parses, the header and claims checks.
 * HS256 has a goal of ≤ 1.5 µs per verify. Output: a markdown table.
 *
 * usage: jwt_micro [SECONDS_PER_BATCH]   (default 0.2; 5 batches, median)
 * Not a test: numbers depend on the machine and its load.
 */
#include <openssl/ecdsa.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bulwark/bulwark.h"
#include "jwt_internal.h"

#define BATCHES       5
#define HS256_GOAL_NS 1500.0
#define BENCH_NOW     INT64_C(1700000000)

struct case_ {
	enum bw_jwt_alg alg;
	struct bw_jwk *key;
	struct bw_str token;
	const uint8_t *si; /* signing input */
	size_t silen;
	uint8_t sig[JWS_SIG_MAX];
	size_t siglen;
	unsigned char *der; /* ES256: the DER form OpenSSL verifies */
	size_t derlen;
};

static volatile int sink;

/*
 * CPU time of this thread, not wall time: on a shared machine the thread is
 * descheduled at random, and wall time would measure the neighbours.
 */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void die(const char *what)
{
	fprintf(stderr, "jwt_micro: %s\n", what);
	exit(1);
}

static bool jwt_once(const struct case_ *c)
{
	const struct bw_jwk *keys[1] = {c->key};
	struct bw_jwt_keyset ks = {keys, 1};
	struct bw_jwt_expect ex = {.issuer = "https://issuer.example",
	                           .audience = "https://api.example",
	                           .typ = "at+jwt",
	                           .now = BENCH_NOW,
	                           .leeway_s = BW_JWT_DEFAULT_LEEWAY};
	json_t *claims = NULL;
	enum bw_err rc = bw_jwt_verify(c->token, &ks, &ex, &claims, NULL, NULL);

	json_decref(claims);
	return rc == BW_OK;
}

static bool evp_once(const struct case_ *c)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	bool ok = false;

	if (ctx == NULL)
		return false;
	if (EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), NULL, c->key->pkey) == 1) {
		if (c->alg == BW_JWT_PS256) {
			EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
			EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256());
			EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32);
		}
		if (c->alg == BW_JWT_ES256)
			ok = EVP_DigestVerify(ctx, c->der, c->derlen, c->si, c->silen) == 1;
		else
			ok = EVP_DigestVerify(ctx, c->sig, c->siglen, c->si, c->silen) == 1;
	}
	EVP_MD_CTX_free(ctx);
	return ok;
}

static bool raw_once(const struct case_ *c)
{
	uint8_t mac[32];
	size_t n = 0;

	switch (c->alg) {
	case BW_JWT_EDDSA:
		return crypto_sign_verify_detached(c->sig, c->si, c->silen, c->key->ed_pk) == 0;
	case BW_JWT_HS256:
		/* OpenSSL's one-shot HMAC: the key absorbed on every call */
		return EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL,
		                 bw_secret_bytes(c->key->secret), bw_secret_len(c->key->secret),
		                 c->si, c->silen, mac, sizeof(mac), &n) != NULL &&
		       CRYPTO_memcmp(mac, c->sig, sizeof(mac)) == 0;
	default:
		return evp_once(c);
	}
}

/* the MAC alone, as bw_jwt_verify computes it (key kept absorbed) */
static bool mac_once(const struct case_ *c)
{
	return jws_verify(c->key, c->si, c->silen, c->sig, c->siglen) == BW_OK;
}

/* the claims object alone: decoded payload to a jansson tree and freed again */
static bool claims_once(const struct case_ *c)
{
	static uint8_t buf[BW_JWT_MAX_BYTES];
	const char *p = (const char *)memchr(c->token.p, '.', c->token.len) + 1;
	size_t n = 0;
	json_t *o = NULL;
	enum bw_err err = BW_OK;

	if (jws_b64_decode(p, (size_t)((const char *)c->si + c->silen - p), buf, sizeof(buf), &n) !=
	            BW_OK ||
	    !jwt_flat_parse(buf, n, &o, &err) || err != BW_OK)
		return false;
	json_decref(o);
	return true;
}

/* median ns per call of f over BATCHES batches of about secs each */
static double measure(bool (*f)(const struct case_ *), const struct case_ *c, double secs)
{
	double per[BATCHES];
	long n = 1;

	/* calibrate: enough calls for one batch */
	for (;;) {
		double t0 = now_s(), dt;

		for (long i = 0; i < n; i++)
			if (!f(c))
				die("a verification failed");
		dt = now_s() - t0;
		if (dt > secs / 4) {
			n = (long)((double)n * secs / dt) + 1;
			break;
		}
		n *= 4;
	}
	for (int b = 0; b < BATCHES; b++) {
		double t0 = now_s();
		int ok = 0;

		for (long i = 0; i < n; i++)
			ok += f(c);
		per[b] = (now_s() - t0) * 1e9 / (double)n;
		sink = ok;
	}
	qsort(per, BATCHES, sizeof(per[0]), cmp_double);
	return per[BATCHES / 2];
}

static void setup(struct case_ *c, enum bw_jwt_alg alg, struct bw_buf *tok)
{
	struct bw_jwk *key = NULL;
	json_t *claims;
	const char *dot;
	size_t n = 0;

	if (bw_jwk_generate(alg, "2026-12-k1", &key) != BW_OK)
		die("key generation failed");
	claims = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:I}", "iss",
	                   "https://issuer.example", "sub", "usr_4f9QmX2kLr7TzA1bC3dE5g", "aud",
	                   "https://api.example", "client_id", "cli_web", "scope",
	                   "openid profile email read:items", "jti", "Zk8rQ2xPc1Vt9yWm3nB6hA",
	                   "iat", (json_int_t)BENCH_NOW, "nbf", (json_int_t)BENCH_NOW, "exp",
	                   (json_int_t)BENCH_NOW + 600, "auth_time", (json_int_t)BENCH_NOW - 60);
	if (claims == NULL || bw_jwt_sign(key, "at+jwt", claims, tok) != BW_OK)
		die("signing failed");
	json_decref(claims);
	c->alg = alg;
	c->key = key;
	c->token = bw_buf_str(tok);
	dot = strrchr(tok->p, '.');
	c->si = (const uint8_t *)tok->p;
	c->silen = (size_t)(dot - tok->p);
	if (jws_b64_decode(dot + 1, strlen(dot + 1), c->sig, sizeof(c->sig), &n) != BW_OK)
		die("bad signature segment");
	c->siglen = n;
	if (alg == BW_JWT_ES256) {
		ECDSA_SIG *es = ECDSA_SIG_new();
		BIGNUM *r = BN_bin2bn(c->sig, 32, NULL), *s = BN_bin2bn(c->sig + 32, 32, NULL);
		int len;

		if (es == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1)
			die("ECDSA_SIG");
		c->der = NULL;
		len = i2d_ECDSA_SIG(es, &c->der);
		if (len <= 0)
			die("i2d_ECDSA_SIG");
		c->derlen = (size_t)len;
		ECDSA_SIG_free(es);
	}
}

int main(int argc, char **argv)
{
	static const enum bw_jwt_alg algs[] = {BW_JWT_HS256, BW_JWT_EDDSA, BW_JWT_ES256,
	                                       BW_JWT_RS256, BW_JWT_PS256};
	struct case_ cases[sizeof(algs) / sizeof(algs[0])];
	struct bw_buf toks[sizeof(algs) / sizeof(algs[0])];
	double secs = argc > 1 ? strtod(argv[1], NULL) : 0.2;
	double hs_ns = 0;

	if (secs <= 0 || secs > 10)
		die("usage: jwt_micro [SECONDS_PER_BATCH (0..10)]");
	if (bw_init() != BW_OK)
		die("bw_init failed");
	memset(cases, 0, sizeof(cases));
	printf("### JWT verification (bench/jwt_micro)\n\n");
	printf("One access token per algorithm (`typ` at+jwt, kid, 10 claims), verified by "
	       "`bw_jwt_verify` with issuer, audience and typ checks and the claims object "
	       "returned, next to the bare signature check of the same bytes by the crypto "
	       "library (HS256: OpenSSL's one-shot HMAC, the key absorbed per call; ES256: from "
	       "the DER form). Median of %d batches of about %.1f s of CPU time, one thread; the "
	       "times are the thread's CPU time per call, so that a loaded machine does not count "
	       "its other work.\n\n",
	       BATCHES, secs);
	printf("| alg | token bytes | bw_jwt_verify ns/op | raw verify ns/op | verify ÷ raw |\n");
	printf("|---|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		double j, r;

		bw_buf_init(&toks[i], 64 * 1024);
		setup(&cases[i], algs[i], &toks[i]);
		j = measure(jwt_once, &cases[i], secs);
		r = measure(raw_once, &cases[i], secs);
		if (algs[i] == BW_JWT_HS256)
			hs_ns = j;
		printf("| %s | %zu | %.0f | %.0f | %.2f |\n", bw_jwt_alg_name(algs[i]),
		       cases[i].token.len, j, r, j / r);
		fflush(stdout);
	}
	printf("\nHS256 goal ≤ %.0f ns per verify: %.0f ns — %s.\n", HS256_GOAL_NS, hs_ns,
	       hs_ns <= HS256_GOAL_NS ? "met" : "**not met**");
	printf("Of that, the MAC with the key kept absorbed: %.0f ns; decoding the payload and "
	       "building, then freeing, the claims object handed to the caller: %.0f ns.\n",
	       measure(mac_once, &cases[0], secs), measure(claims_once, &cases[0], secs));
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		bw_jwk_free(cases[i].key);
		OPENSSL_free(cases[i].der);
		bw_buf_free(&toks[i]);
	}
	return 0;
}
