/*
 * password.h — Argon2id password hashes (libsodium) and the password policy.
 *
 * Hashes are PHC strings ("$argon2id$v=19$m=19456,t=2,p=1$salt$hash") made by
 * libsodium's crypto_pwhash_str_alg with ALG_ARGON2ID13: 16-byte random salt,
 * 32-byte tag, one lane. The defaults are OWASP's (m = 19 MiB, t = 2, p = 1).
 * Every password is checked to be well-formed UTF-8 and normalised to NFC
 * before it is hashed or verified, so "é" typed as one code point or as "e"
 * plus a combining accent is the same password. Intermediate copies live in
 * guarded memory and are wiped before the call returns.
 *
 * Only Argon2id version 19 strings are verified; their parameters must lie
 * inside the bounds below (a stored string cannot make a verify allocate
 * gigabytes). Results never say why a verification failed.
 *
 * The policy (bw_password_policy_check) is the one of API.md: 12 to 1024 code
 * points after NFC; not a common password, nor one with digits or symbols
 * around it; not a keyboard or numeric sequence, nor mostly one character; not
 * containing the email's local part; and strong enough by zxcvbn.
 */
#ifndef BULWARK_PASSWORD_H
#define BULWARK_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/err.h"
#include "bulwark/str.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Size of a PHC string buffer, NUL included (libsodium's crypto_pwhash_STRBYTES). */
#define BW_PASSWORD_HASH_MAX 128

/** Longest password accepted by hash and verify, in bytes before normalisation. */
#define BW_PASSWORD_MAX_BYTES 4096

/** OWASP defaults: Argon2id, m = 19 MiB (19456 KiB), t = 2, p = 1. */
#define BW_PASSWORD_T_DEFAULT     2u
#define BW_PASSWORD_M_KIB_DEFAULT 19456u

/** Bounds on parameters, for hashing and for the strings verify accepts. */
#define BW_PASSWORD_T_MIN     1u
#define BW_PASSWORD_T_MAX     16u
#define BW_PASSWORD_M_KIB_MIN 8u       /* libsodium's least memory for Argon2id */
#define BW_PASSWORD_M_KIB_MAX 1048576u /* 1 GiB */
#define BW_PASSWORD_P_MAX     16u      /* lanes in a verified string (ours are 1) */

/** Argon2id cost parameters. Parallelism is always 1 (libsodium hashes with one lane). */
struct bw_password_params {
	uint32_t t_cost;     /**< passes over memory, BW_PASSWORD_T_MIN..T_MAX */
	uint32_t m_cost_kib; /**< memory in KiB, BW_PASSWORD_M_KIB_MIN..M_KIB_MAX */
};

/** Initializer for the OWASP defaults. */
#define BW_PASSWORD_PARAMS_DEFAULT                                                       \
	{                                                                                \
		.t_cost = BW_PASSWORD_T_DEFAULT, .m_cost_kib = BW_PASSWORD_M_KIB_DEFAULT \
	}

/**
 * bw_password_hash - hash a password into a PHC string.
 *
 * params NULL means the defaults. password is borrowed: UTF-8, at most
 * BW_PASSWORD_MAX_BYTES, normalised to NFC before hashing (the caller wipes
 * its own copy). out receives a NUL-terminated PHC string.
 * Returns BW_OK; BW_ERR_ENCODING for ill-formed UTF-8; BW_ERR_LIMIT for an
 * over-long password; BW_ERR_RANGE for parameters out of bounds; BW_ERR_NOMEM
 * or BW_ERR_CRYPTO when memory or libsodium fails. On error out is "".
 */
BW_MUST_CHECK enum bw_err bw_password_hash(const struct bw_password_params *params,
                                           struct bw_str password, char out[BW_PASSWORD_HASH_MAX]);

/**
 * bw_password_verify - check a password against a stored PHC string.
 *
 * Borrows both. The password is normalised to NFC as in bw_password_hash; the
 * tag comparison is constant time (libsodium).
 * Returns BW_OK on a match; BW_ERR_VERIFY on a mismatch; BW_ERR_INVALID when
 * phc is not an Argon2id v=19 PHC string with parameters inside the bounds;
 * BW_ERR_ENCODING / BW_ERR_LIMIT / BW_ERR_NOMEM as bw_password_hash.
 */
BW_MUST_CHECK enum bw_err bw_password_verify(struct bw_str phc, struct bw_str password);

/**
 * bw_password_verify_dummy - spend what a verify against a hash made with
 * params (NULL: defaults) costs, and fail.
 *
 * For logins of unknown accounts: call it where bw_password_verify would have
 * run, so the answer takes the same time whether or not the account exists.
 * It normalises the password and runs Argon2id with params on it, exactly the
 * work of a verify; the result is wiped. Pass the params new hashes are made
 * with (stored hashes converge to them through bw_password_needs_rehash).
 * Returns BW_ERR_VERIFY always for valid input, or the input errors of
 * bw_password_verify (which a real verify returns just as fast).
 */
BW_MUST_CHECK enum bw_err bw_password_verify_dummy(const struct bw_password_params *params,
                                                   struct bw_str password);

/**
 * bw_password_needs_rehash - whether a stored hash should be replaced by one
 * made with params (NULL: defaults), after a successful verify.
 *
 * *needs is true when t or m differ (libsodium's crypto_pwhash_str_needs_rehash),
 * or when the string uses more than one lane, or a salt or tag length other
 * than ours (16 and 32 bytes). Borrows phc.
 * Returns BW_OK; BW_ERR_INVALID for a string bw_password_verify would refuse;
 * BW_ERR_RANGE for params out of bounds.
 */
BW_MUST_CHECK enum bw_err bw_password_needs_rehash(const struct bw_password_params *params,
                                                   struct bw_str phc, bool *needs);

/* ---- policy (password_policy.c) ----------------------------------------- */

/** Length bounds of the policy, in code points after NFC. */
#define BW_PASSWORD_POLICY_MIN_LEN 12
#define BW_PASSWORD_POLICY_MAX_LEN 1024

/**
 * Least zxcvbn estimate accepted, in bits (log2 of guesses). zxcvbn's score 3
 * ("safely unguessable") starts at 10^8 guesses, about 26.6 bits; we round up.
 */
#define BW_PASSWORD_POLICY_MIN_BITS 27.0

/**
 * Least length (code points) of an email local part that a password may not
 * contain; shorter local parts ("jo") would refuse half of all passwords.
 */
#define BW_PASSWORD_POLICY_LOCAL_MIN 3

/**
 * bw_password_policy_check - whether a new password may be set.
 *
 * password and email are borrowed. email is the account's address, as typed
 * or canonical; it is canonicalised with bw_email_canon (email.h), and an
 * empty email skips the email checks. The checks, in this order, each giving
 * its own static code in *code:
 *   "encoding"       ill-formed UTF-8, or a control character (C0, DEL, C1)
 *   "too_short"      fewer than 12 code points after NFC
 *   "too_long"       more than 1024 code points after NFC (or over
 *                    BW_PASSWORD_MAX_BYTES bytes)
 *   "sequence"       three quarters or more of the steps between neighbours go
 *                    along a keyboard row or column, the alphabet or the digits
 *                    ("qwertyuiopasdf", "123456789012"), or half the password
 *                    or more is one repeated character ("aaaaaaaaaaab")
 *   "common"         the lower-cased password is in the common-password list,
 *                    or is one with ASCII digits, punctuation or spaces added
 *                    before and/or after it (the core at least 4 characters)
 *   "contains_email" the lower-cased password contains the lower-cased local
 *                    part (when it has BW_PASSWORD_POLICY_LOCAL_MIN code points)
 *   "too_weak"       zxcvbn, with the local part, its pieces split at . + - _
 *                    and the domain labels as user dictionary, estimates fewer
 *                    than BW_PASSWORD_POLICY_MIN_BITS bits
 * Codes never contain the password.
 * Returns BW_OK when every check passes (*code NULL); BW_ERR_INVALID with *code
 * set on a violation; the error of bw_email_canon, *code NULL, when email is
 * not a valid address; BW_ERR_NOMEM; BW_ERR_CONFIG (*code NULL) when the
 * library was built without its common-password table (it then accepts none).
 */
BW_MUST_CHECK enum bw_err bw_password_policy_check(struct bw_str password, struct bw_str email,
                                                   const char **code);

#ifdef __cplusplus
}
#endif
#endif
