/*
 * secret.h — a type for long-lived secrets (keys, tokens, passwords in flight).
 *
 * The bytes live in libsodium guarded memory: locked against swapping,
 * surrounded by guard pages, wiped on free. The struct is opaque and there is
 * deliberately no function that formats or logs it; code that must hand the
 * bytes to a crypto call borrows them with bw_secret_bytes().
 */
#ifndef BULWARK_SECRET_H
#define BULWARK_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/err.h"

#ifdef __cplusplus
extern "C" {
#endif

struct bw_secret;

/**
 * bw_secret_new - a secret of len bytes (1..1 MiB) copied from p; the caller
 * should wipe its own copy. Caller frees with bw_secret_free.
 */
BW_MUST_CHECK enum bw_err bw_secret_new(const void *p, size_t len, struct bw_secret **out);

/** bw_secret_random - a secret of len fresh random bytes. */
BW_MUST_CHECK enum bw_err bw_secret_random(size_t len, struct bw_secret **out);

/** bw_secret_free - wipe and release; NULL is a no-op. */
void bw_secret_free(struct bw_secret *s);

/** bw_secret_bytes - borrow the bytes (valid until bw_secret_free). */
const uint8_t *bw_secret_bytes(const struct bw_secret *s);

/** bw_secret_len - the length in bytes. */
size_t bw_secret_len(const struct bw_secret *s);

/**
 * bw_ct_eq - constant-time equality of two byte strings of the same length.
 * Lengths are compared first (length is not secret); content in constant time.
 */
bool bw_ct_eq(const void *a, size_t alen, const void *b, size_t blen);

/** bw_wipe - wipe memory in a way the compiler cannot drop. */
void bw_wipe(void *p, size_t len);

#ifdef __cplusplus
}
#endif
#endif
