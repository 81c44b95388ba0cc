/*
 * totp.h — one-time passwords for a second factor: HOTP (RFC 4226), TOTP
 * (RFC 6238), the base32 text form of their secrets (RFC 4648 §6, without
 * padding) and the otpauth:// URI that authenticator apps read from a QR
 * code.
 *
 * The HMAC is OpenSSL's (SHA-1, SHA-256 or SHA-512); nothing here
 * implements a hash. Verification computes the code of every step in the
 * window and compares each with the presented one in constant time, so the
 * time taken does not say which step (if any) matched. It returns the step
 * that matched: the caller stores it and passes it back as after_step next
 * time, so a code is accepted once and a code of an earlier step never
 * (RFC 6238 §5.2).
 *
 * The server uses the defaults (BW_TOTP_DEFAULTS: SHA-1, 6 digits, 30 s,
 * one step either side), which is what every common authenticator app
 * supports; the other algorithms and 7 or 8 digits exist for the RFC's
 * known-answer tests and for callers that know their app supports them.
 * bw_init() must have succeeded before any of these is called.
 */
#ifndef BULWARK_TOTP_H
#define BULWARK_TOTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/buf.h"
#include "bulwark/err.h"
#include "bulwark/str.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of a new secret (160 bits, RFC 4226 §4 R6). */
#define BW_TOTP_SECRET_BYTES 20
/** Most bytes of a secret these functions take (a SHA-512 block is 128). */
#define BW_TOTP_SECRET_MAX 64
/** Fewest and most digits of a code. */
#define BW_TOTP_DIGITS_MIN 6
#define BW_TOTP_DIGITS_MAX 8
/** Size of a buffer for a code and its NUL. */
#define BW_TOTP_CODE_SIZE (BW_TOTP_DIGITS_MAX + 1)
/** Most steps either side of now that verification looks at. */
#define BW_TOTP_WINDOW_MAX 10
/** Characters of the unpadded base32 form of n bytes. */
#define BW_BASE32_LEN(n) ((((n)*8u) + 4u) / 5u)
/** Longest issuer and account name an otpauth URI takes (bytes, before encoding). */
#define BW_OTPAUTH_NAME_MAX 256

/** The HMAC's hash (RFC 6238 §1.2). */
enum bw_totp_alg {
	BW_TOTP_SHA1 = 0,
	BW_TOTP_SHA256,
	BW_TOTP_SHA512,
};

/** How codes are made and checked. */
struct bw_totp_params {
	enum bw_totp_alg alg;
	unsigned digits;   /**< BW_TOTP_DIGITS_MIN..BW_TOTP_DIGITS_MAX */
	unsigned period_s; /**< seconds per step, 1..3600 (T0 is 0) */
	unsigned window;   /**< steps accepted either side of now, 0..BW_TOTP_WINDOW_MAX */
};

/** SHA-1, 6 digits, 30 s, ±1 step: what the server asks of authenticator apps. */
#define BW_TOTP_DEFAULTS ((struct bw_totp_params){BW_TOTP_SHA1, 6, 30, 1})

/**
 * bw_hotp - the HOTP value (RFC 4226 §5.3) of key at counter, as digits
 * decimal characters with leading zeros, NUL-terminated in out.
 * BW_ERR_INVALID for an empty key or one over BW_TOTP_SECRET_MAX bytes, a
 * digit count outside 6..8 or an unknown algorithm; BW_ERR_CRYPTO when
 * OpenSSL fails. out is wiped on error. key is borrowed.
 */
BW_MUST_CHECK enum bw_err bw_hotp(const uint8_t *key, size_t keylen, enum bw_totp_alg alg,
                                  uint64_t counter, unsigned digits, char out[BW_TOTP_CODE_SIZE]);

/**
 * bw_totp_step - the time step of unix time t under p: floor(t / period).
 * BW_ERR_RANGE for a negative t, BW_ERR_INVALID for bad parameters.
 */
BW_MUST_CHECK enum bw_err bw_totp_step(const struct bw_totp_params *p, int64_t t, int64_t *step);

/**
 * bw_totp_at - the TOTP code of key at unix time t (RFC 6238 §4.2), as
 * bw_hotp of the time step. Errors as bw_hotp and bw_totp_step.
 */
BW_MUST_CHECK enum bw_err bw_totp_at(const uint8_t *key, size_t keylen,
                                     const struct bw_totp_params *p, int64_t t,
                                     char out[BW_TOTP_CODE_SIZE]);

/**
 * bw_totp_verify - whether code (borrowed: exactly p->digits ASCII digits)
 * is the code of key for a step within p->window of now's step that is
 * later than after_step (the step last accepted for this key; -1 when none).
 * BW_OK sets *matched_step to that step — store it, so the code is not
 * accepted again. BW_ERR_INVALID for a code that is not p->digits digits
 * (or bad parameters); BW_ERR_VERIFY when no step in the window matches, or
 * only steps at or before after_step do (a replay); BW_ERR_CRYPTO. Every
 * step of the window is computed and compared, whatever matches.
 */
BW_MUST_CHECK enum bw_err bw_totp_verify(const uint8_t *key, size_t keylen,
                                         const struct bw_totp_params *p, int64_t now,
                                         struct bw_str code, int64_t after_step,
                                         int64_t *matched_step);

/**
 * bw_base32_encode - len bytes at p as RFC 4648 §6 base32 (A-Z 2-7, no
 * padding) into out: BW_BASE32_LEN(len) characters and a NUL.
 * BW_ERR_LIMIT when outsize is smaller than that plus one (out is then
 * emptied when outsize > 0).
 */
BW_MUST_CHECK enum bw_err bw_base32_encode(const uint8_t *p, size_t len, char *out, size_t outsize);

/**
 * bw_base32_decode - strictly decode unpadded base32 text (borrowed) into
 * out (cap bytes): only A-Z and 2-7, no padding, spaces, lower case or
 * other separators, a length that some byte count encodes to
 * (len mod 8 is 0, 2, 4, 5 or 7), and the spare bits of the last character
 * zero — exactly what bw_base32_encode makes, nothing else. *outlen gets
 * the byte count. BW_ERR_INVALID for anything else, BW_ERR_LIMIT when the
 * bytes do not fit in cap; out is wiped on error.
 */
BW_MUST_CHECK enum bw_err bw_base32_decode(struct bw_str text, uint8_t *out, size_t cap,
                                           size_t *outlen);

/**
 * bw_otpauth_uri - append the Key URI of a TOTP key to b:
 *   otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER
 *       &algorithm=SHA1&digits=6&period=30
 * issuer and account (borrowed) are percent-encoded (RFC 3986: everything
 * but A-Z a-z 0-9 - . _ ~), each in the label and the issuer parameter.
 * They must be 1..BW_OTPAUTH_NAME_MAX bytes of valid UTF-8 without control
 * characters or a colon (the label's separator, which apps split on before
 * or after decoding): BW_ERR_INVALID otherwise, as for a bad key or
 * parameters (window is not part of the URI). BW_ERR_LIMIT or
 * BW_ERR_NOMEM from b; b is left as it was on error.
 */
BW_MUST_CHECK enum bw_err bw_otpauth_uri(struct bw_buf *b, struct bw_str issuer,
                                         struct bw_str account, const uint8_t *key, size_t keylen,
                                         const struct bw_totp_params *p);

/** bw_totp_alg_name - "SHA1", "SHA256", "SHA512" or "unknown". */
const char *bw_totp_alg_name(enum bw_totp_alg alg);

#ifdef __cplusplus
}
#endif
#endif
