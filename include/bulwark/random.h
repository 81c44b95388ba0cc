/*
 * random.h — CSPRNG-backed bytes, tokens and request ids (libsodium).
 * bw_init() must have succeeded before any of these is called.
 */
#ifndef BULWARK_RANDOM_H
#define BULWARK_RANDOM_H

#include <stddef.h>
#include <stdint.h>

#include "bulwark/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of randomness in a request id (printed as 22 base64url characters). */
#define BW_REQUEST_ID_BYTES 16
/** Size of a buffer that holds a request id and its NUL. */
#define BW_REQUEST_ID_SIZE 23

/**
 * bw_init - initialise the library (libsodium); call once before anything
 * else, from one thread. Safe to call again.
 */
BW_MUST_CHECK enum bw_err bw_init(void);

/** bw_random_bytes - fill p with len random bytes. */
void bw_random_bytes(void *p, size_t len);

/** bw_random_uniform - a uniform random number in [0, upper). */
uint32_t bw_random_uniform(uint32_t upper);

/**
 * bw_random_token - nbytes (1..64) of randomness as unpadded base64url into
 * out, NUL-terminated. outsize must be at least BW_TOKEN_SIZE(nbytes).
 */
BW_MUST_CHECK enum bw_err bw_random_token(size_t nbytes, char *out, size_t outsize);

/** Buffer size for bw_random_token of n bytes. */
#define BW_TOKEN_SIZE(n) ((((n)*4u) + 2u) / 3u + 1u)

/** bw_request_id - a fresh request id into out[BW_REQUEST_ID_SIZE]. */
void bw_request_id(char out[BW_REQUEST_ID_SIZE]);

#ifdef __cplusplus
}
#endif
#endif
