/*
 * utf8.h — strict UTF-8 decoding (RFC 3629): no overlongs, no surrogates,
 * nothing above U+10FFFF, no truncated sequences. Every text check in the
 * library goes through these functions, so there is one definition of "valid".
 */
#ifndef BULWARK_UTF8_H
#define BULWARK_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The replacement character, U+FFFD, as UTF-8. */
#define BW_UTF8_REPLACEMENT "\xEF\xBF\xBD"

/**
 * bw_utf8_decode - decode one code point at p[0..len).
 * On success stores the code point in *cp and its byte length in *n and
 * returns true. On an invalid or truncated sequence returns false and sets
 * *n to the number of bytes to skip (at least 1) so callers can replace it.
 */
bool bw_utf8_decode(const uint8_t *p, size_t len, uint32_t *cp, size_t *n);

/** bw_utf8_valid - whether all of p[0..len) is well-formed UTF-8. */
bool bw_utf8_valid(const void *p, size_t len);

/**
 * bw_utf8_count - number of code points in p[0..len).
 * Returns BW_ERR_ENCODING when the bytes are not well-formed UTF-8.
 */
BW_MUST_CHECK enum bw_err bw_utf8_count(const void *p, size_t len, size_t *count);

/** bw_utf8_encode - write cp (a scalar value) as UTF-8 into out[4]; returns bytes, 0 if invalid. */
size_t bw_utf8_encode(uint32_t cp, uint8_t out[4]);

#ifdef __cplusplus
}
#endif
#endif
