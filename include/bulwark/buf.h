/*
 * buf.h — a growable byte buffer with a hard cap set at creation (curl's
 * dynbuf in spirit). Appending past the cap fails with BW_ERR_LIMIT and frees
 * nothing the caller did not ask to free; the content stays NUL-terminated.
 */
#ifndef BULWARK_BUF_H
#define BULWARK_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/err.h"
#include "bulwark/str.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A buffer; treat the fields as read-only outside buf.c. */
struct bw_buf {
	char *p;      /**< content, NUL-terminated; NULL until the first append */
	size_t len;   /**< bytes of content, NUL excluded */
	size_t alloc; /**< bytes allocated */
	size_t cap;   /**< most content bytes ever allowed */
};

/** bw_buf_init - an empty buffer that may hold at most cap bytes (cap > 0). */
void bw_buf_init(struct bw_buf *b, size_t cap);

/** bw_buf_free - wipe and free the content; the buffer is empty again. */
void bw_buf_free(struct bw_buf *b);

/** bw_buf_reset - forget the content but keep the allocation (wiped). */
void bw_buf_reset(struct bw_buf *b);

/** bw_buf_append - append len bytes; BW_ERR_LIMIT past the cap, nothing appended. */
BW_MUST_CHECK enum bw_err bw_buf_append(struct bw_buf *b, const void *p, size_t len);

/** bw_buf_append_str - append a struct bw_str. */
BW_MUST_CHECK enum bw_err bw_buf_append_str(struct bw_buf *b, struct bw_str s);

/** bw_buf_append_c - append a NUL-terminated string. */
BW_MUST_CHECK enum bw_err bw_buf_append_c(struct bw_buf *b, const char *s);

/** bw_buf_append_byte - append one byte. */
BW_MUST_CHECK enum bw_err bw_buf_append_byte(struct bw_buf *b, char c);

/**
 * bw_buf_printf - append formatted text. The format must be a literal (the
 * compiler checks it). On a cap or memory failure nothing is appended.
 */
BW_MUST_CHECK __attribute__((format(printf, 2, 3))) enum bw_err bw_buf_printf(struct bw_buf *b,
                                                                              const char *fmt, ...);

/** bw_buf_vprintf - va_list form of bw_buf_printf. */
BW_MUST_CHECK __attribute__((format(printf, 2, 0))) enum bw_err
bw_buf_vprintf(struct bw_buf *b, const char *fmt, va_list ap);

/** bw_buf_str - borrow the content as a struct bw_str (valid until the next change). */
struct bw_str bw_buf_str(const struct bw_buf *b);

/** bw_buf_cstr - the content as a C string ("" when empty). */
const char *bw_buf_cstr(const struct bw_buf *b);

#ifdef __cplusplus
}
#endif
#endif
