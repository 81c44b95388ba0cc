/* buf.c — the bounded growable buffer. Growth doubles, never past cap + 1. */
#include "bulwark/buf.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_ALLOC 64u

void bw_buf_init(struct bw_buf *b, size_t cap)
{
	BW_REQUIRE(b != NULL && cap > 0 && cap < SIZE_MAX);
	b->p = NULL;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap;
}

void bw_buf_free(struct bw_buf *b)
{
	if (b == NULL)
		return;
	if (b->p != NULL) {
		sodium_memzero(b->p, b->alloc);
		free(b->p);
	}
	b->p = NULL;
	b->len = 0;
	b->alloc = 0;
}

void bw_buf_reset(struct bw_buf *b)
{
	if (b->p != NULL) {
		sodium_memzero(b->p, b->len);
		b->p[0] = '\0';
	}
	b->len = 0;
}

/* Make room for extra more bytes plus the NUL. */
static enum bw_err reserve(struct bw_buf *b, size_t extra)
{
	size_t need, n;
	char *p;

	if (extra > b->cap - b->len)
		return BW_ERR_LIMIT;
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return BW_OK;
	n = b->alloc ? b->alloc : MIN_ALLOC;
	while (n < need)
		n = (n > SIZE_MAX / 2) ? need : n * 2;
	if (n > b->cap + 1)
		n = b->cap + 1;
	/* realloc could leave a copy of old content unwiped: move by hand */
	p = malloc(n);
	if (p == NULL)
		return BW_ERR_NOMEM;
	if (b->p != NULL) {
		memcpy(p, b->p, b->len + 1);
		sodium_memzero(b->p, b->alloc);
		free(b->p);
	} else {
		p[0] = '\0';
	}
	b->p = p;
	b->alloc = n;
	return BW_OK;
}

enum bw_err bw_buf_append(struct bw_buf *b, const void *p, size_t len)
{
	enum bw_err rc = reserve(b, len);

	if (rc != BW_OK)
		return rc;
	if (len > 0)
		memcpy(b->p + b->len, p, len);
	b->len += len;
	b->p[b->len] = '\0';
	return BW_OK;
}

enum bw_err bw_buf_append_str(struct bw_buf *b, struct bw_str s)
{
	return bw_buf_append(b, s.p, s.len);
}

enum bw_err bw_buf_append_c(struct bw_buf *b, const char *s)
{
	return bw_buf_append(b, s, strlen(s));
}

enum bw_err bw_buf_append_byte(struct bw_buf *b, char c)
{
	return bw_buf_append(b, &c, 1);
}

enum bw_err bw_buf_vprintf(struct bw_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	enum bw_err rc;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return BW_ERR_INVALID;
	rc = reserve(b, (size_t)n);
	if (rc != BW_OK)
		return rc;
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return BW_OK;
}

enum bw_err bw_buf_printf(struct bw_buf *b, const char *fmt, ...)
{
	va_list ap;
	enum bw_err rc;

	va_start(ap, fmt);
	rc = bw_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

struct bw_str bw_buf_str(const struct bw_buf *b)
{
	return (struct bw_str){b->p ? b->p : "", b->len};
}

const char *bw_buf_cstr(const struct bw_buf *b)
{
	return b->p ? b->p : "";
}
