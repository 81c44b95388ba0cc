/*
 * str.h — length-carrying strings and the one strict integer parser.
 *
 * Network data is never a C string: it is a (pointer, length) pair. A struct
 * bw_str borrows its bytes; whoever made it says who owns them.
 */
#ifndef BULWARK_STR_H
#define BULWARK_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A borrowed byte string: p may be NULL only when len is 0. */
struct bw_str {
	const char *p;
	size_t len;
};

/** A struct bw_str over a string literal (length without the NUL). */
#define BW_STR(lit) ((struct bw_str){"" lit, sizeof(lit) - 1})

/** bw_str_c - borrow a NUL-terminated string (NULL gives the empty string). */
struct bw_str bw_str_c(const char *s);

/** bw_str_eq - byte equality (not constant time; never for secrets). */
bool bw_str_eq(struct bw_str a, struct bw_str b);

/** bw_str_eq_lit - equality with a NUL-terminated string. */
bool bw_str_eq_c(struct bw_str a, const char *b);

/** bw_str_caseeq - ASCII case-insensitive equality (header names, hosts, schemes). */
bool bw_str_caseeq(struct bw_str a, struct bw_str b);

/** bw_str_caseeq_c - bw_str_caseeq with a NUL-terminated string. */
bool bw_str_caseeq_c(struct bw_str a, const char *b);

/** bw_str_has_prefix_c - whether a starts with the bytes of prefix. */
bool bw_str_has_prefix_c(struct bw_str a, const char *prefix);

/**
 * bw_parse_u64 - the one strict, bounded unsigned integer parser.
 *
 * Accepts only ASCII decimal digits: no sign, no spaces, no leading zeros
 * (except "0" itself), no empty string. The value must lie in [min, max].
 * Returns BW_ERR_INVALID for bad syntax and BW_ERR_RANGE for an out-of-bounds
 * or overflowing value; *out is written only on BW_OK.
 */
BW_MUST_CHECK enum bw_err bw_parse_u64(struct bw_str s, uint64_t min, uint64_t max, uint64_t *out);

/**
 * bw_parse_i64 - like bw_parse_u64 but allows one leading '-' ("-0" refused).
 */
BW_MUST_CHECK enum bw_err bw_parse_i64(struct bw_str s, int64_t min, int64_t max, int64_t *out);

#ifdef __cplusplus
}
#endif
#endif
