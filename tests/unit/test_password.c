/*
 * test_password.c — Argon2id hashes (known answers, an independent
 * implementation both ways, NFC, strict PHC strings, rehash, the dummy verify)
 * and the password policy (every code, its boundaries).
 */
#include "bw_test.h"
#include "bulwark/password.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Small parameters for tests that do not measure cost: libsodium's least memory. */
static const struct bw_password_params FAST = {.t_cost = 1, .m_cost_kib = 8};

/* ---- known answers ------------------------------------------------------ */

/*
 * phc-winner-argon2 src/test.c, password "password", salt "somesalt". The salt
 * has 8 bytes; libsodium only makes 16-byte salts, but its verifier accepts
 * these (Argon2's own minimum is 8), so they verify — and need a rehash.
 */
static const char KAT_64M[] =
        "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
static const char KAT_256K[] =
        "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4";

static void known_answers_verify(void **state)
{
	static const struct bw_password_params kat = {.t_cost = 2, .m_cost_kib = 256};
	bool needs = false;

	(void)state;
	assert_int_equal(bw_password_verify(bw_str_c(KAT_64M), BW_STR("password")), BW_OK);
	assert_int_equal(bw_password_verify(bw_str_c(KAT_256K), BW_STR("password")), BW_OK);
	assert_int_equal(bw_password_verify(bw_str_c(KAT_256K), BW_STR("Password")), BW_ERR_VERIFY);
	assert_int_equal(bw_password_verify(bw_str_c(KAT_256K), BW_STR("password ")),
	                 BW_ERR_VERIFY);
	assert_int_equal(bw_password_verify(bw_str_c(KAT_256K), BW_STR("")), BW_ERR_VERIFY);
	/* a flipped tag bit */
	{
		char bad[sizeof KAT_256K];

		memcpy(bad, KAT_256K, sizeof bad);
		bad[sizeof bad - 2] = bad[sizeof bad - 2] == '4' ? '5' : '4';
		assert_int_equal(bw_password_verify(bw_str_c(bad), BW_STR("password")),
		                 BW_ERR_VERIFY);
	}
	/* same t and m, but an 8-byte salt is not ours: rehash */
	assert_int_equal(bw_password_needs_rehash(&kat, bw_str_c(KAT_256K), &needs), BW_OK);
	assert_true(needs);
}

/* ---- hashing ------------------------------------------------------------ */

static void hash_and_verify(void **state)
{
	char a[BW_PASSWORD_HASH_MAX], b[BW_PASSWORD_HASH_MAX];

	(void)state;
	assert_int_equal(bw_password_hash(&FAST, BW_STR("correct horse battery staple"), a), BW_OK);
	assert_int_equal(strncmp(a, "$argon2id$v=19$m=8,t=1,p=1$", 27), 0);
	assert_int_equal(bw_password_verify(bw_str_c(a), BW_STR("correct horse battery staple")),
	                 BW_OK);
	assert_int_equal(bw_password_verify(bw_str_c(a), BW_STR("correct horse battery stapl")),
	                 BW_ERR_VERIFY);
	/* a fresh salt each time */
	assert_int_equal(bw_password_hash(&FAST, BW_STR("correct horse battery staple"), b), BW_OK);
	assert_string_not_equal(a, b);
	/* the empty password is a password like any other to the hash */
	assert_int_equal(bw_password_hash(&FAST, BW_STR(""), a), BW_OK);
	assert_int_equal(bw_password_verify(bw_str_c(a), BW_STR("")), BW_OK);
	assert_int_equal(bw_password_verify(bw_str_c(a), BW_STR(" ")), BW_ERR_VERIFY);
}

static void defaults_are_owasp(void **state)
{
	static const struct bw_password_params def = BW_PASSWORD_PARAMS_DEFAULT;
	char h[BW_PASSWORD_HASH_MAX];
	bool needs = true;

	(void)state;
	assert_int_equal(bw_password_hash(NULL, BW_STR("a long enough secret"), h), BW_OK);
	assert_int_equal(strncmp(h, "$argon2id$v=19$m=19456,t=2,p=1$", 31), 0);
	assert_int_equal(bw_password_verify(bw_str_c(h), BW_STR("a long enough secret")), BW_OK);
	assert_int_equal(bw_password_needs_rehash(NULL, bw_str_c(h), &needs), BW_OK);
	assert_false(needs);
	assert_int_equal(bw_password_needs_rehash(&def, bw_str_c(h), &needs), BW_OK);
	assert_false(needs);
}

/* "é" as one code point and as "e" + U+0301 hash alike; so do "Å" (U+212B, U+00C5, A + ring). */
static void nfc_before_hashing(void **state)
{
	char h[BW_PASSWORD_HASH_MAX];

	(void)state;
	assert_int_equal(bw_password_hash(&FAST, BW_STR("caf\xC3\xA9 au lait"), h), BW_OK);
	assert_int_equal(bw_password_verify(bw_str_c(h), BW_STR("cafe\xCC\x81 au lait")), BW_OK);
	assert_int_equal(bw_password_hash(&FAST, BW_STR("\xE2\x84\xAB"), h), BW_OK);
	assert_int_equal(bw_password_verify(bw_str_c(h), BW_STR("\xC3\x85")), BW_OK);
	assert_int_equal(bw_password_verify(bw_str_c(h), BW_STR("A\xCC\x8A")), BW_OK);
	assert_int_equal(bw_password_verify(bw_str_c(h), BW_STR("A")), BW_ERR_VERIFY);
}

static void hostile_passwords(void **state)
{
	static const char *const bad[] = {"\xC3\x28", "\xC0\xAF", "\xED\xA0\x80",
	                                  "ab\xF4\x90\x80\x80", "abc\xE2\x82"};
	char h[BW_PASSWORD_HASH_MAX], ok[BW_PASSWORD_HASH_MAX];
	char *big = malloc(BW_PASSWORD_MAX_BYTES + 1);

	(void)state;
	assert_non_null(big);
	assert_int_equal(bw_password_hash(&FAST, BW_STR("x"), ok), BW_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct bw_str s = bw_str_c(bad[i]);

		memset(h, 'z', sizeof h);
		assert_int_equal(bw_password_hash(&FAST, s, h), BW_ERR_ENCODING);
		assert_string_equal(h, "");
		assert_int_equal(bw_password_verify(bw_str_c(ok), s), BW_ERR_ENCODING);
		assert_int_equal(bw_password_verify_dummy(&FAST, s), BW_ERR_ENCODING);
	}
	/* the byte cap, at and over it; NFC of 4096 "Å" (U+212B) grows nothing past the buffer */
	memset(big, 'a', BW_PASSWORD_MAX_BYTES + 1);
	assert_int_equal(bw_password_hash(&FAST, (struct bw_str){big, BW_PASSWORD_MAX_BYTES}, h),
	                 BW_OK);
	assert_int_equal(
	        bw_password_verify(bw_str_c(h), (struct bw_str){big, BW_PASSWORD_MAX_BYTES}),
	        BW_OK);
	assert_int_equal(
	        bw_password_hash(&FAST, (struct bw_str){big, BW_PASSWORD_MAX_BYTES + 1}, h),
	        BW_ERR_LIMIT);
	assert_int_equal(
	        bw_password_verify(bw_str_c(ok), (struct bw_str){big, BW_PASSWORD_MAX_BYTES + 1}),
	        BW_ERR_LIMIT);
	for (size_t i = 0; i + 3 <= BW_PASSWORD_MAX_BYTES; i += 3)
		memcpy(big + i, "\xE2\x84\xAB", 3);
	assert_int_equal(bw_password_hash(&FAST, (struct bw_str){big, 4095}, h), BW_OK);
	/* a NUL inside is hashed, not a terminator */
	assert_int_equal(bw_password_hash(&FAST, (struct bw_str){"ab\0cd", 5}, h), BW_OK);
	assert_int_equal(bw_password_verify(bw_str_c(h), (struct bw_str){"ab\0cd", 5}), BW_OK);
	assert_int_equal(bw_password_verify(bw_str_c(h), (struct bw_str){"ab", 2}), BW_ERR_VERIFY);
	free(big);
}

static void params_bounds(void **state)
{
	static const struct bw_password_params bad[] = {
	        {.t_cost = 0, .m_cost_kib = 64},
	        {.t_cost = BW_PASSWORD_T_MAX + 1, .m_cost_kib = 64},
	        {.t_cost = 1, .m_cost_kib = BW_PASSWORD_M_KIB_MIN - 1},
	        {.t_cost = 1, .m_cost_kib = BW_PASSWORD_M_KIB_MAX + 1},
	};
	char h[BW_PASSWORD_HASH_MAX], ok[BW_PASSWORD_HASH_MAX];
	bool needs;

	(void)state;
	assert_int_equal(bw_password_hash(&FAST, BW_STR("pw"), ok), BW_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(h, 'z', sizeof h);
		assert_int_equal(bw_password_hash(&bad[i], BW_STR("pw"), h), BW_ERR_RANGE);
		assert_string_equal(h, "");
		assert_int_equal(bw_password_verify_dummy(&bad[i], BW_STR("pw")), BW_ERR_RANGE);
		assert_int_equal(bw_password_needs_rehash(&bad[i], bw_str_c(ok), &needs),
		                 BW_ERR_RANGE);
	}
}

/* ---- stored strings ----------------------------------------------------- */

/* Mutations of a valid string that verify must refuse as malformed, not as a mismatch. */
static void strict_phc_strings(void **state)
{
	static const char *const bad[] = {
	        "",
	        "$argon2i$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/"
	        "4",
	        "$argon2d$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/"
	        "4",
	        "$argon2id$v=16$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/"
	        "uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
	        "$argon2id$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
	        "$argon2id$v=19$m=0256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/"
	        "uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
	        "$argon2id$v=19$m=+256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/"
	        "uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
	        "$argon2id$v=19$m=256,t=0,p=1$c29tZXNhbHQ$nf65EOgLrQMR/"
	        "uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
	        "$argon2id$v=19$m=256,t=17,p=1$c29tZXNhbHQ$nf65EOgLrQMR/"
	        "uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
	        "$argon2id$v=19$m=256,t=2,p=0$c29tZXNhbHQ$nf65EOgLrQMR/"
	        "uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
	        "$argon2id$v=19$m=256,t=2,p=17$c29tZXNhbHQ$nf65EOgLrQMR/"
	        "uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
	        "$argon2id$v=19$m=7,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/"
	        "4",
	        /* 8 KiB per lane: m=16 with 4 lanes is too little */
	        "$argon2id$v=19$m=16,t=2,p=4$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/"
	        "4",
	        /* 1 GiB + 1 KiB: refused before anything is allocated */
	        "$argon2id$v=19$m=1048577,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/"
	        "uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
	        "$argon2id$v=19$m=99999999999999999999,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/"
	        "uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
	        "$argon2id$v=19$t=2,m=256,p=1$c29tZXNhbHQ$nf65EOgLrQMR/"
	        "uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
	        "$argon2id$v=19$m=256,t=2,p=1$c29tc2Fsd$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/"
	        "4",
	        "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ=$nf65EOgLrQMR/"
	        "uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
	        "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/"
	        "uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4=",
	        "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/"
	        "uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4\n",
	        "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/"
	        "uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4$",
	        "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rE",
	        "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ",
	        "$argon2id$v=19$m=256,t=2,p=1$c29t-XNhbHQ$nf65EOgLrQMR/"
	        "uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
	        " $argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/"
	        "uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
	        "$ARGON2ID$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/"
	        "uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
	        "$2b$12$abcdefghijklmnopqrstuuMSYuFW3Kv7ldwYd/o8HoXVBCAXr1oPW",
	};
	char longer[BW_PASSWORD_HASH_MAX + 8];
	bool needs;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (bw_password_verify(bw_str_c(bad[i]), BW_STR("password")) != BW_ERR_INVALID)
			fail_msg("case %zu accepted by verify", i);
		if (bw_password_needs_rehash(NULL, bw_str_c(bad[i]), &needs) != BW_ERR_INVALID)
			fail_msg("case %zu accepted by needs_rehash", i);
	}
	/* a NUL inside: libsodium would stop at it; we refuse the whole */
	assert_int_equal(
	        bw_password_verify((struct bw_str){KAT_256K, sizeof KAT_256K}, BW_STR("password")),
	        BW_ERR_INVALID);
	/* 128 bytes or more never fit libsodium's buffer */
	memset(longer, 'A', sizeof longer);
	memcpy(longer, KAT_256K, sizeof KAT_256K - 1);
	assert_int_equal(bw_password_verify((struct bw_str){longer, BW_PASSWORD_HASH_MAX},
	                                    BW_STR("password")),
	                 BW_ERR_INVALID);
}

static void rehash_on_parameter_change(void **state)
{
	static const struct bw_password_params more_t = {.t_cost = 2, .m_cost_kib = 8};
	static const struct bw_password_params more_m = {.t_cost = 1, .m_cost_kib = 16};
	char h[BW_PASSWORD_HASH_MAX];
	bool needs = true;

	(void)state;
	assert_int_equal(bw_password_hash(&FAST, BW_STR("pw"), h), BW_OK);
	assert_int_equal(bw_password_needs_rehash(&FAST, bw_str_c(h), &needs), BW_OK);
	assert_false(needs);
	assert_int_equal(bw_password_needs_rehash(&more_t, bw_str_c(h), &needs), BW_OK);
	assert_true(needs);
	needs = false;
	assert_int_equal(bw_password_needs_rehash(&more_m, bw_str_c(h), &needs), BW_OK);
	assert_true(needs);
	needs = false;
	assert_int_equal(bw_password_needs_rehash(NULL, bw_str_c(h), &needs), BW_OK);
	assert_true(needs);
	/* 4 lanes (argon2-cffi's default; libsodium compares t and m only), made by argon2-cffi */
	needs = false;
	assert_int_equal(bw_password_needs_rehash(
	                         &(struct bw_password_params){.t_cost = 2, .m_cost_kib = 64},
	                         BW_STR("$argon2id$v=19$m=64,t=2,p=4$DF4lMsDHP0pJVHCvz9mbxw$"
	                                "1RvL97PmAl1Z9ifvadDllGanvORzIdj+EtG4nhWxxe0"),
	                         &needs),
	                 BW_OK);
	assert_true(needs);
	/* a 16-byte tag, made by argon2-cffi */
	needs = false;
	assert_int_equal(bw_password_needs_rehash(
	                         &(struct bw_password_params){.t_cost = 2, .m_cost_kib = 64},
	                         BW_STR("$argon2id$v=19$m=64,t=2,p=1$64SuRZW8Qn4gNqKcNB0OIQ$"
	                                "x6rMQIeoCWO9/cs54SAijA"),
	                         &needs),
	                 BW_OK);
	assert_true(needs);
}

/* ---- the dummy verify --------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * The dummy costs what a real verify costs with the same parameters: medians of
 * interleaved runs with the OWASP defaults within a factor 1.5 of each other
 * (a loose bound for a shared machine; a dummy that skipped Argon2 or used
 * other parameters is off by far more).
 */
static void dummy_costs_a_verify(void **state)
{
	enum { N = 7 };
	char h[BW_PASSWORD_HASH_MAX];
	double real[N], dummy[N], ratio;

	(void)state;
	assert_int_equal(bw_password_hash(NULL, BW_STR("the real password"), h), BW_OK);
	for (int i = 0; i < N; i++) {
		double t0 = now_s();

		assert_int_equal(bw_password_verify(bw_str_c(h), BW_STR("a wrong password!")),
		                 BW_ERR_VERIFY);
		real[i] = now_s() - t0;
		t0 = now_s();
		assert_int_equal(bw_password_verify_dummy(NULL, BW_STR("a wrong password!")),
		                 BW_ERR_VERIFY);
		dummy[i] = now_s() - t0;
	}
	qsort(real, N, sizeof(double), dbl_cmp);
	qsort(dummy, N, sizeof(double), dbl_cmp);
	ratio = dummy[N / 2] / real[N / 2];
	if (ratio < 1 / 1.5 || ratio > 1.5)
		fail_msg("dummy %.1f ms, verify %.1f ms", dummy[N / 2] * 1e3, real[N / 2] * 1e3);
	/* and it never succeeds, whatever the password */
	assert_int_equal(bw_password_verify_dummy(&FAST, BW_STR("the real password")),
	                 BW_ERR_VERIFY);
	assert_int_equal(bw_password_verify_dummy(&FAST, BW_STR("")), BW_ERR_VERIFY);
}

/* ---- argon2-cffi, an independent implementation ------------------------- */

/*
 * Run python3 -c script arg with input on stdin; return its exit status and
 * what it printed (NUL-terminated, at most outcap - 1 bytes). fork + execv:
 * no shell is involved.
 */
static int python(const char *script, const char *arg, struct bw_str input, char *out,
                  size_t outcap)
{
	int in_fd[2], out_fd[2], status = 0;
	size_t got = 0;
	pid_t pid;

	assert_int_equal(pipe(in_fd), 0);
	assert_int_equal(pipe(out_fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* execv wants writable strings: copies in the child */
		char name[] = "python3", flag[] = "-c";
		char *argv[] = {name, flag, strdup(script), strdup(arg), NULL};

		if (argv[2] == NULL || argv[3] == NULL)
			_exit(126);
		dup2(in_fd[0], 0);
		dup2(out_fd[1], 1);
		close(in_fd[0]);
		close(in_fd[1]);
		close(out_fd[0]);
		close(out_fd[1]);
		execv("/usr/bin/python3", argv);
		_exit(127);
	}
	close(in_fd[0]);
	close(out_fd[1]);
	assert_int_equal(write(in_fd[1], input.p, input.len), (ssize_t)input.len);
	close(in_fd[1]);
	for (;;) {
		ssize_t n = read(out_fd[0], out + got, outcap - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == outcap - 1)
			break;
	}
	out[got] = '\0';
	close(out_fd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static const char PY_VERIFY[] =
        "import sys\n"
        "from argon2.low_level import verify_secret, Type\n"
        "from argon2.exceptions import VerifyMismatchError\n"
        "try:\n"
        "    verify_secret(sys.argv[1].encode(), sys.stdin.buffer.read(), Type.ID)\n"
        "except VerifyMismatchError:\n"
        "    sys.exit(3)\n"
        "print('ok')\n";

static const char PY_HASH[] =
        "import os, sys\n"
        "from argon2.low_level import hash_secret, Type\n"
        "t, m, p = (int(x) for x in sys.argv[1].split(','))\n"
        "print(hash_secret(sys.stdin.buffer.read(), os.urandom(16), time_cost=t,\n"
        "                  memory_cost=m, parallelism=p, hash_len=32, type=Type.ID).decode(),\n"
        "      end='')\n";

static void argon2_cffi_verifies_ours(void **state)
{
	char h[BW_PASSWORD_HASH_MAX], out[64];

	(void)state;
	assert_int_equal(bw_password_hash(NULL, BW_STR("Tr0ub4dor&3 horse"), h), BW_OK);
	assert_int_equal(python(PY_VERIFY, h, BW_STR("Tr0ub4dor&3 horse"), out, sizeof out), 0);
	assert_string_equal(out, "ok\n");
	assert_int_equal(python(PY_VERIFY, h, BW_STR("Tr0ub4dor&3 horsE"), out, sizeof out), 3);
	/* we hash the NFC form: decomposed in, composed bytes verify elsewhere */
	assert_int_equal(bw_password_hash(&FAST, BW_STR("cafe\xCC\x81"), h), BW_OK);
	assert_int_equal(python(PY_VERIFY, h, BW_STR("caf\xC3\xA9"), out, sizeof out), 0);
	assert_int_equal(python(PY_VERIFY, h, BW_STR("cafe\xCC\x81"), out, sizeof out), 3);
}

static void we_verify_argon2_cffi(void **state)
{
	static const char *const params[] = {"2,19456,1", "1,8,1", "3,64,4"};
	char h[BW_PASSWORD_HASH_MAX + 16];

	(void)state;
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		bool needs = false;

		assert_int_equal(
		        python(PY_HASH, params[i], BW_STR("gr\xC3\xBCn horse staple"), h, sizeof h),
		        0);
		assert_int_equal(strncmp(h, "$argon2id$v=19$", 15), 0);
		assert_int_equal(
		        bw_password_verify(bw_str_c(h), BW_STR("gr\xC3\xBCn horse staple")), BW_OK);
		assert_int_equal(
		        bw_password_verify(bw_str_c(h), BW_STR("gru\xCC\x88n horse staple")),
		        BW_OK);
		assert_int_equal(bw_password_verify(bw_str_c(h), BW_STR("grun horse staple")),
		                 BW_ERR_VERIFY);
		assert_int_equal(bw_password_needs_rehash(NULL, bw_str_c(h), &needs), BW_OK);
		assert_true(needs == (i != 0));
	}
}

/* ---- the policy --------------------------------------------------------- */

static const char *policy(const char *pw, const char *email)
{
	const char *code = "untouched";
	enum bw_err rc = bw_password_policy_check(bw_str_c(pw), bw_str_c(email), &code);

	if (rc == BW_OK) {
		assert_null(code);
		return NULL;
	}
	if (rc != BW_ERR_INVALID)
		fail_msg("policy: unexpected %s", bw_err_str(rc));
	assert_non_null(code);
	return code;
}

struct pcase {
	const char *pw;
	const char *email;
	const char *code; /* NULL: accepted */
};

static void run_policy(const struct pcase *c, size_t n)
{
	static const char *const codes[] = {"encoding", "too_short",      "too_long", "common",
	                                    "sequence", "contains_email", "too_weak"};

	for (size_t i = 0; i < n; i++) {
		const char *got = policy(c[i].pw, c[i].email);
		bool known = false;

		if ((got == NULL) != (c[i].code == NULL) ||
		    (got != NULL && strcmp(got, c[i].code) != 0))
			fail_msg("case %zu: expected %s, got %s", i, c[i].code ? c[i].code : "ok",
			         got ? got : "ok");
		for (size_t j = 0; got != NULL && j < sizeof(codes) / sizeof(codes[0]); j++)
			known |= strcmp(got, codes[j]) == 0;
		assert_true(got == NULL || known);
	}
}

#define RUNP(cases) run_policy((cases), sizeof(cases) / sizeof((cases)[0]))

static void policy_accepts_strong(void **state)
{
	static const struct pcase cases[] = {
	        {"correct horse battery staple", "", NULL},
	        {"kX9#mQ2$vL7p", "", NULL}, /* exactly 12 */
	        {"Tr0ub4dor&3xyz", "alice@example.com", NULL},
	        {"zebra-lamp-river-cloud", "bob@x.example", NULL},
	        {"gr\xC3\xBCne Wiese, blauer Himmel", "", NULL},
	        {"\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE3\x83\x91\xE3\x82\xB9\xE3\x83"
	         "\xAF\xE3\x83\xBC\xE3\x83\x89\xE3\x81\xA7\xE3\x81\x99\xE3\x82\x88\xE3\x81\xAD",
	         "", NULL}, /* 日本語のパスワードですよね: 13 code points */
	        /* a short local part ("jo") is not looked for */
	        {"mejorjota#2024Qz", "jo@example.com", NULL},
	};

	(void)state;
	RUNP(cases);
}

static void policy_lengths(void **state)
{
	static const struct pcase cases[] = {
	        {"kX9#mQ2$vL7", "", "too_short"},
	        {"", "", "too_short"},
	        /* 11 code points in 12 bytes */
	        {"kX9#mQ2$vL\xC3\xB1", "", "too_short"},
	        /* 14 code points as typed, 10 after NFC */
	        {"Xq9#e\xCC\x81o\xCC\x88u\xCC\x88\x61\xCC\x8AZw", "", "too_short"},
	        /* 12 once composed: accepted */
	        {"Xq9#e\xCC\x81o\xCC\x88u\xCC\x88\x61\xCC\x8AZwTk", "", NULL},
	};
	char *big = malloc(BW_PASSWORD_MAX_BYTES + 2);
	const char *code = NULL;

	(void)state;
	assert_non_null(big);
	RUNP(cases);
	/* 1024 and 1025 code points of random printable ASCII; 1024 four-byte code points */
	for (size_t i = 0; i < 1025; i++)
		big[i] = (char)('!' + randombytes_uniform(94));
	assert_int_equal(bw_password_policy_check((struct bw_str){big, 1024}, BW_STR(""), &code),
	                 BW_OK);
	assert_int_equal(bw_password_policy_check((struct bw_str){big, 1025}, BW_STR(""), &code),
	                 BW_ERR_INVALID);
	assert_string_equal(code, "too_long");
	for (size_t i = 0; i < BW_PASSWORD_MAX_BYTES; i += 4) {
		uint32_t cp = 0x1F600 + randombytes_uniform(80); /* emoticons */

		big[i] = (char)(0xF0 | (cp >> 18));
		big[i + 1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		big[i + 2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		big[i + 3] = (char)(0x80 | (cp & 0x3F));
	}
	assert_int_equal(bw_password_policy_check((struct bw_str){big, BW_PASSWORD_MAX_BYTES},
	                                          BW_STR(""), &code),
	                 BW_OK);
	big[BW_PASSWORD_MAX_BYTES] = 'x';
	assert_int_equal(bw_password_policy_check((struct bw_str){big, BW_PASSWORD_MAX_BYTES + 1},
	                                          BW_STR(""), &code),
	                 BW_ERR_INVALID);
	assert_string_equal(code, "too_long");
	free(big);
}

static void policy_encoding(void **state)
{
	static const struct pcase cases[] = {
	        {"kX9#mQ2$vL7p\xC3\x28", "", "encoding"},
	        {"kX9#mQ2$vL7p\xC0\xAF", "", "encoding"},
	        {"kX9#mQ2$vL7p\xED\xA0\x80", "", "encoding"},
	        {"kX9#mQ2$vL7p\xC3", "", "encoding"},
	        {"kX9#mQ2$\tvL7pZ", "", "encoding"},
	        {"kX9#mQ2$\x7FvL7pZ", "", "encoding"},
	        {"kX9#mQ2$\xC2\x85vL7pZ", "", "encoding"}, /* C1 NEL */
	        {"kX9#mQ2$vL7pZ\n", "", "encoding"},
	};
	const char *code = NULL;

	(void)state;
	RUNP(cases);
	/* an embedded NUL is a control too */
	assert_int_equal(
	        bw_password_policy_check((struct bw_str){"kX9#mQ2$\0vL7pZ", 14}, BW_STR(""), &code),
	        BW_ERR_INVALID);
	assert_string_equal(code, "encoding");
}

static void policy_common(void **state)
{
	static const struct pcase cases[] = {
	        {"iloveyou123456", "", "common"},
	        {"password1234", "", "common"},
	        {"PASSWORD1234", "", "common"},
	        {"PassWord!!!!2024", "", "common"},
	        {"123456password!!", "", "common"},
	        {"!!monkey2024!!", "", "common"},
	        {"2024 letmein 2024", "", "common"},
	        {"#1 sunshine #1", "", "common"},
	        /* an entry with digits of its own, then more digits */
	        {"abc123!!!!2024", "", "common"},
	        /* letters around a listed word are no longer "added digits or symbols" */
	        {"Zq9monkeyTrax!", "", NULL},
	};

	(void)state;
	RUNP(cases);
}

static void policy_sequences(void **state)
{
	static const struct pcase cases[] = {
	        {"qwertyuiopasdf", "", "sequence"},
	        {"QWERTYUIOPASDF", "", "sequence"},
	        {"123456789012", "", "sequence"},
	        {"aaaaaaaaaaab", "", "sequence"},
	        {"1qaz2wsx3edc4rfv", "", "sequence"},
	        {"zyxwvutsrqponm", "", "sequence"},
	        {"!@#$%^&*()_+", "", "sequence"},
	        {"abababababab", "", "sequence"},
	        {"9876543210987", "", "sequence"},
	        {"poiuytrewqlkjh", "", "sequence"},
	        /* half the characters one code point, non-ASCII too */
	        {"\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9Xk9#mQ", "", "sequence"},
	        {"aaaaaaXk9#mQ", "", "sequence"},
	        /* 9 of 11 steps along the keyboard: three quarters or more */
	        {"qwertyuiop#z", "", "sequence"},
	};
	const char *code;

	(void)state;
	RUNP(cases);
	/* just under the thresholds: 5 of 12 the same, 8 of 11 steps */
	code = policy("aaaaaXk9#mQz", "");
	assert_true(code == NULL || strcmp(code, "sequence") != 0);
	code = policy("qwertyuio#zm", "");
	assert_true(code == NULL || strcmp(code, "sequence") != 0);
}

static void policy_email(void **state)
{
	static const struct pcase cases[] = {
	        {"Xq9#alice.smith!Zr", "alice.smith@example.com", "contains_email"},
	        {"Xq9#ALICE.SMITH!Zr", "Alice.Smith@Example.COM", "contains_email"},
	        {"Xq9#alice.smith!Zr", "  ALICE.SMITH@example.com ", "contains_email"},
	        {"zzbobzz-Kq7#vTw", "bob@x.example", "contains_email"},
	        /* another address: fine */
	        {"Xq9#alice.smith!Zr", "carol@example.com", NULL},
	};
	const char *code = "untouched";

	(void)state;
	RUNP(cases);
	/* an address that is not one is the caller's error, not a password code */
	assert_int_equal(bw_password_policy_check(BW_STR("correct horse battery staple"),
	                                          BW_STR("not an address"), &code),
	                 BW_ERR_INVALID);
	assert_null(code);
	assert_int_equal(bw_password_policy_check(BW_STR("correct horse battery staple"),
	                                          BW_STR("a@b\x01.example"), &code),
	                 BW_ERR_ENCODING);
	assert_null(code);
}

static void policy_zxcvbn(void **state)
{
	static const struct pcase cases[] = {
	        {"bluefishmoon", "", "too_weak"},
	        {"hunter2hunter2", "", "too_weak"},
	        {"sunflowerlove", "", "too_weak"},
	        /* the pieces of the address are the user's dictionary */
	        {"Quintero-Xavier", "", NULL},
	        {"Quintero-Xavier", "xavier.quintero@labs.example", "too_weak"},
	};

	(void)state;
	RUNP(cases);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(known_answers_verify),
	        cmocka_unit_test(hash_and_verify),
	        cmocka_unit_test(defaults_are_owasp),
	        cmocka_unit_test(nfc_before_hashing),
	        cmocka_unit_test(hostile_passwords),
	        cmocka_unit_test(params_bounds),
	        cmocka_unit_test(strict_phc_strings),
	        cmocka_unit_test(rehash_on_parameter_change),
	        cmocka_unit_test(dummy_costs_a_verify),
	        cmocka_unit_test(argon2_cffi_verifies_ours),
	        cmocka_unit_test(we_verify_argon2_cffi),
	        cmocka_unit_test(policy_accepts_strong),
	        cmocka_unit_test(policy_lengths),
	        cmocka_unit_test(policy_encoding),
	        cmocka_unit_test(policy_common),
	        cmocka_unit_test(policy_sequences),
	        cmocka_unit_test(policy_email),
	        cmocka_unit_test(policy_zxcvbn),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
