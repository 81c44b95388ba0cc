/*
 * test_jwt_threads.c — the key objects shared by threads, as a server's
 * event threads share its signing keys: four threads at once sign with and
 * verify against the same struct bw_jwk of every algorithm (the HS256
 * key's absorbed HMAC state, OpenSSL's EVP_PKEYs, the Ed25519 keys), and
 * every result must be right: each thread's own tokens verify with its own
 * claims, a token made before the threads started verifies with its
 * claims, and a token with one flipped signature byte is refused. Run under
 * the ASan build too, where a race that corrupts memory shows as a report.
 */
#include "jwt_test_util.h"

#include <pthread.h>

#define THREADS 4
#define ROUNDS  40 /* per thread and algorithm; RSA signing sets the pace */

/* made before the threads start, verified by all of them */
static char *shared_tok[N_ALGS + 1];
static char *shared_bad[N_ALGS + 1];

struct worker {
	int id;
	unsigned wrong; /* results that were not what they must be */
	unsigned checked;
};

static const struct bw_jwt_expect *expect_of(void)
{
	static const struct bw_jwt_expect ex = {.issuer = T_ISS,
	                                        .audience = T_AUD,
	                                        .typ = "at+jwt",
	                                        .now = T_NOW,
	                                        .leeway_s = BW_JWT_DEFAULT_LEEWAY};
	return &ex;
}

/* whether tok verifies with every key of the set (the right one found by kid) and sub is want */
static bool verifies_as(const char *tok, const char *want_sub, const struct bw_jwk *want_key)
{
	const struct bw_jwk *keys[N_ALGS];
	struct bw_jwt_keyset ks = {keys, N_ALGS};
	const struct bw_jwk *used = NULL;
	json_t *claims = NULL;
	enum bw_jwt_reason why = BW_JWT_MALFORMED;
	bool ok;

	for (int i = 0; i < N_ALGS; i++)
		keys[i] = t_keys[ALG_AT(i)];
	ok = bw_jwt_verify(bw_str_c(tok), &ks, expect_of(), &claims, &used, &why) == BW_OK &&
	     why == BW_JWT_OK && used == want_key &&
	     json_is_string(json_object_get(claims, "sub")) &&
	     strcmp(json_string_value(json_object_get(claims, "sub")), want_sub) == 0;
	json_decref(claims);
	return ok;
}

static bool refused_as_bad_signature(const char *tok)
{
	const struct bw_jwk *keys[N_ALGS];
	struct bw_jwt_keyset ks = {keys, N_ALGS};
	json_t *claims = NULL;
	enum bw_jwt_reason why = BW_JWT_OK;
	bool ok;

	for (int i = 0; i < N_ALGS; i++)
		keys[i] = t_keys[ALG_AT(i)];
	ok = bw_jwt_verify(bw_str_c(tok), &ks, expect_of(), &claims, NULL, &why) == BW_ERR_DENIED &&
	     why == BW_JWT_BAD_SIGNATURE && claims == NULL;
	json_decref(claims);
	return ok;
}

/* a token of key with sub, signed here; NULL when signing failed */
static char *sign_sub(const struct bw_jwk *key, const char *sub)
{
	json_t *c = json_pack("{s:s,s:s,s:s,s:I,s:I}", "iss", T_ISS, "aud", T_AUD, "sub", sub,
	                      "iat", (json_int_t)T_NOW, "exp", (json_int_t)T_NOW + 600);
	struct bw_buf out;
	char *tok = NULL;

	if (c == NULL)
		return NULL;
	bw_buf_init(&out, T_CAP);
	if (bw_jwt_sign(key, "at+jwt", c, &out) == BW_OK)
		tok = strdup(bw_buf_cstr(&out));
	bw_buf_free(&out);
	json_decref(c);
	return tok;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	char sub[48];

	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < N_ALGS; i++) {
			const struct bw_jwk *key = t_keys[ALG_AT(i)];
			char *tok;

			snprintf(sub, sizeof(sub), "t%d-r%d-%s", w->id, r,
			         bw_jwt_alg_name(ALG_AT(i)));
			tok = sign_sub(key, sub);
			w->wrong += tok == NULL || !verifies_as(tok, sub, key);
			free(tok);
			w->wrong += !verifies_as(shared_tok[ALG_AT(i)], "shared", key);
			w->wrong += !refused_as_bad_signature(shared_bad[ALG_AT(i)]);
			w->checked += 3;
		}
	}
	return NULL;
}

static void four_threads_share_the_keys(void **state)
{
	pthread_t th[THREADS];
	struct worker w[THREADS];

	(void)state;
	for (int i = 0; i < N_ALGS; i++) {
		enum bw_jwt_alg alg = ALG_AT(i);
		size_t n;

		shared_tok[alg] = sign_sub(t_key(alg), "shared");
		assert_non_null(shared_tok[alg]);
		/* the control: both verify (and refuse) on this thread alone */
		assert_true(verifies_as(shared_tok[alg], "shared", t_key(alg)));
		shared_bad[alg] = strdup(shared_tok[alg]);
		assert_non_null(shared_bad[alg]);
		/* one character of the signature's first bytes changed (still canonical base64url)
		 */
		n = strrchr(shared_bad[alg], '.') - shared_bad[alg] + 2;
		shared_bad[alg][n] = shared_bad[alg][n] == 'A' ? 'B' : 'A';
		assert_true(refused_as_bad_signature(shared_bad[alg]));
	}
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){.id = i};
		assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].wrong, 0);
		assert_int_equal(w[i].checked, ROUNDS * N_ALGS * 3);
	}
	for (int i = 0; i < N_ALGS; i++) {
		free(shared_tok[ALG_AT(i)]);
		free(shared_bad[ALG_AT(i)]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(four_threads_share_the_keys),
	};

	if (bw_init() != BW_OK)
		return 1;
	return cmocka_run_group_tests(tests, t_keys_setup, t_keys_teardown);
}
