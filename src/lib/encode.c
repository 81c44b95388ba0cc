/*
 * encode.c — context-aware output encoders.
 *
 * Every encoder runs twice over its input with the same code: once into a
 * counting sink (which also finds every error), then into memory of exactly
 * the counted size. So an error never leaves half an encoding behind, the cap
 * is checked before any memory is taken, and the buffer API is used as is.
 * UTF-8 is decoded only by bw_utf8_decode (utf8.c).
 */
#include "bulwark/encode.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/hdrs.h"
#include "bulwark/utf8.h"

/* No encoder writes more than 7 bytes per input byte; inputs above this
 * cannot fit in memory once encoded, and the count below cannot overflow. */
#define ENC_MAX_INPUT (SIZE_MAX / 8)

/* Outputs up to this size are built on the stack instead of the heap. */
#define STACK_OUT 512u

static const char HEX_UP[] = "0123456789ABCDEF";
static const char HEX_LO[] = "0123456789abcdef";

/* Where encoded bytes go: p == NULL counts only. */
struct sink {
	char *p;
	size_t len;
	size_t cap;    /* bytes p can hold, when p != NULL */
	bool overflow; /* the write pass produced more than the count pass */
};

static void put(struct sink *s, const char *p, size_t n)
{
	if (n == 0)
		return;
	if (s->p != NULL) {
		if (n > s->cap - s->len) {
			s->overflow = true;
			return;
		}
		memcpy(s->p + s->len, p, n);
	}
	s->len += n;
}

static void put_c(struct sink *s, char c)
{
	put(s, &c, 1);
}

/* pre, then v in hex with at least min digits, then post. */
static void put_hex(struct sink *s, const char *pre, uint32_t v, unsigned min, const char *digits,
                    const char *post)
{
	char tmp[8];
	unsigned n = 0;

	do {
		tmp[n++] = digits[v & 0xFu];
		v >>= 4;
	} while (v != 0 && n < sizeof(tmp));
	while (n < min && n < sizeof(tmp))
		tmp[n++] = '0';
	put(s, pre, strlen(pre));
	while (n > 0)
		put_c(s, tmp[--n]);
	put(s, post, strlen(post));
}

static void put_utf8(struct sink *s, uint32_t cp)
{
	uint8_t u[4];
	size_t n = bw_utf8_encode(cp, u);

	put(s, (const char *)u, n);
}

static bool is_alnum(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/*
 * Decode the code point at p[*i] and step past it. An invalid sequence is
 * BW_ERR_ENCODING, or U+FFFD when pol allows replacing it.
 */
static enum bw_err next_cp(const uint8_t *p, size_t len, size_t *i, enum bw_utf8_policy pol,
                           uint32_t *cp)
{
	size_t n;

	if (p[*i] < 0x80) {
		*cp = p[*i];
		*i += 1;
		return BW_OK;
	}
	if (bw_utf8_decode(p + *i, len - *i, cp, &n)) {
		*i += n;
		return BW_OK;
	}
	if (pol != BW_UTF8_REPLACE)
		return BW_ERR_ENCODING;
	*cp = 0xFFFD;
	*i += n;
	return BW_OK;
}

/* Code points an HTML document may not carry (WHATWG: controls other than
 * ASCII whitespace, and noncharacters). */
static bool html_forbidden(uint32_t c)
{
	if (c < 0x20)
		return c != '\t' && c != '\n' && c != '\f' && c != '\r';
	if (c >= 0x7F && c <= 0x9F)
		return true;
	return (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFEu) == 0xFFFEu;
}

/* A fixed replacement for one code point. */
struct escape {
	uint32_t c;
	const char *to;
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Write the replacement t[] has for c and say so; false when it has none. */
static bool put_escape(struct sink *s, const struct escape *t, size_t n, uint32_t c)
{
	for (size_t i = 0; i < n; i++) {
		if (t[i].c == c) {
			put(s, t[i].to, strlen(t[i].to));
			return true;
		}
	}
	return false;
}

/* Where a code point stands in its input: an LDAP DN escapes a space at either end. */
struct cp_pos {
	bool first, last;
};

/* An encoder of one decoded code point. */
typedef void cp_encoder(struct sink *s, uint32_t c, struct cp_pos pos);

/* Decode p[0..len) once, in order, handing each code point to put_cp. */
static enum bw_err each_cp(struct sink *s, const uint8_t *p, size_t len, enum bw_utf8_policy pol,
                           cp_encoder *put_cp)
{
	for (size_t i = 0; i < len;) {
		size_t at = i;
		uint32_t c;
		enum bw_err rc = next_cp(p, len, &i, pol, &c);

		if (rc != BW_OK)
			return rc;
		put_cp(s, c, (struct cp_pos){at == 0, i == len});
	}
	return BW_OK;
}

static void cp_html_text(struct sink *s, uint32_t c, struct cp_pos pos)
{
	static const struct escape esc[] = {
	        {'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}, {'"', "&quot;"}, {'\'', "&#x27;"},
	};

	(void)pos;
	if (!put_escape(s, esc, COUNT_OF(esc), c))
		put_utf8(s, html_forbidden(c) ? 0xFFFD : c);
}

static void cp_html_attr(struct sink *s, uint32_t c, struct cp_pos pos)
{
	(void)pos;
	if (is_alnum(c))
		put_c(s, (char)c);
	else if (html_forbidden(c))
		put_utf8(s, 0xFFFD);
	else if (c < 0x80)
		put_hex(s, "&#x", c, 2, HEX_UP, ";");
	else
		put_utf8(s, c);
}

static void cp_js(struct sink *s, uint32_t c, struct cp_pos pos)
{
	(void)pos;
	if (is_alnum(c)) {
		put_c(s, (char)c);
	} else if (c < 0x100) {
		put_hex(s, "\\x", c, 2, HEX_UP, "");
	} else if (c < 0x10000) {
		put_hex(s, "\\u", c, 4, HEX_UP, "");
	} else {
		/* JavaScript strings are UTF-16: a surrogate pair */
		uint32_t v = c - 0x10000;

		put_hex(s, "\\u", 0xD800 + (v >> 10), 4, HEX_UP, "");
		put_hex(s, "\\u", 0xDC00 + (v & 0x3FF), 4, HEX_UP, "");
	}
}

static void cp_css(struct sink *s, uint32_t c, struct cp_pos pos)
{
	(void)pos;
	if (is_alnum(c))
		put_c(s, (char)c);
	else
		put_hex(s, "\\", c == 0 ? 0xFFFD : c, 1, HEX_UP, " ");
}

static bool url_unreserved(uint8_t c)
{
	return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static void cp_url(struct sink *s, uint32_t c, struct cp_pos pos)
{
	uint8_t u[4];
	size_t n = bw_utf8_encode(c, u);

	(void)pos;
	for (size_t k = 0; k < n; k++) {
		if (url_unreserved(u[k]))
			put_c(s, (char)u[k]);
		else
			put_hex(s, "%", u[k], 2, HEX_UP, "");
	}
}

static void cp_json(struct sink *s, uint32_t c, struct cp_pos pos)
{
	static const struct escape esc[] = {
	        {'"', "\\\""}, {'\\', "\\\\"}, {'\b', "\\b"}, {'\f', "\\f"},
	        {'\n', "\\n"}, {'\r', "\\r"},  {'\t', "\\t"},
	};

	(void)pos;
	if (put_escape(s, esc, COUNT_OF(esc), c))
		return;
	if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029)
		put_hex(s, "\\u", c, 4, HEX_UP, "");
	else
		put_utf8(s, c);
}

static enum bw_err enc_header(struct sink *s, const uint8_t *p, size_t len)
{
	struct bw_str v = {(const char *)p, len};

	/* one definition of a valid field value: the header list's */
	if (!bw_hdr_value_valid(v))
		return BW_ERR_INVALID;
	if (!bw_utf8_valid(p, len))
		return BW_ERR_ENCODING;
	put(s, v.p, len);
	return BW_OK;
}

/* Valid code points a log viewer may take as a line break or that reorder
 * the text shown (Trojan Source): C1 controls, separators, bidi controls. */
static bool log_unsafe(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9F) || c == 0x061C || c == 0x200E || c == 0x200F ||
	       (c >= 0x2028 && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

static void put_bytes_hex(struct sink *s, const uint8_t *p, size_t n)
{
	for (size_t k = 0; k < n; k++)
		put_hex(s, "\\x", p[k], 2, HEX_UP, "");
}

static enum bw_err enc_log(struct sink *s, const uint8_t *p, size_t len)
{
	static const struct escape esc[] = {
	        {'\n', "\\n"}, {'\r', "\\r"}, {'\t', "\\t"}, {'\\', "\\\\"}, {'"', "\\\""},
	};
	size_t i = 0;

	while (i < len) {
		uint8_t b = p[i];
		uint32_t c;
		size_t n;

		if (b >= 0x80) {
			bool ok = bw_utf8_decode(p + i, len - i, &c, &n);

			if (!ok || log_unsafe(c))
				put_bytes_hex(s, p + i, n);
			else
				put(s, (const char *)p + i, n);
			i += n;
			continue;
		}
		if (!put_escape(s, esc, COUNT_OF(esc), b)) {
			if (b < 0x20 || b == 0x7F || b == '\'')
				put_bytes_hex(s, &b, 1);
			else
				put_c(s, (char)b);
		}
		i++;
	}
	return BW_OK;
}

static void cp_ldap_filter(struct sink *s, uint32_t c, struct cp_pos pos)
{
	(void)pos;
	if (c == '*' || c == '(' || c == ')' || c == '\\' || c < 0x20 || c == 0x7F)
		put_hex(s, "\\", c, 2, HEX_LO, "");
	else
		put_utf8(s, c);
}

static void cp_ldap_dn(struct sink *s, uint32_t c, struct cp_pos pos)
{
	if (c < 0x20 || c == 0x7F || c == '*' || c == '(' || c == ')') {
		/* * ( ) are not special in a DN, but a DN is often put in a filter */
		put_hex(s, "\\", c, 2, HEX_LO, "");
	} else if (c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' ||
	           c == ';' || c == '=' || (c == ' ' && (pos.first || pos.last)) ||
	           (c == '#' && pos.first)) {
		put_c(s, '\\');
		put_c(s, (char)c);
	} else {
		put_utf8(s, c);
	}
}

/*
 * Every context's encoder, indexed by enum bw_encoding: most encode code
 * point by code point (cp), after each_cp has decoded them with the policy
 * run is given (always BW_UTF8_REFUSE for the strict contexts: see
 * STRICT_ENCODER and bw_encode_arena); the header value and log field
 * encoders take the whole input (whole).
 */
static const struct encoder {
	cp_encoder *cp;
	enum bw_err (*whole)(struct sink *s, const uint8_t *p, size_t len);
} encoders[BW_ENCODE__COUNT] = {
        [BW_ENCODE_HTML_TEXT] = {.cp = cp_html_text},
        [BW_ENCODE_HTML_ATTR] = {.cp = cp_html_attr},
        [BW_ENCODE_JS_STRING] = {.cp = cp_js},
        [BW_ENCODE_CSS_STRING] = {.cp = cp_css},
        [BW_ENCODE_URL_COMPONENT] = {.cp = cp_url},
        [BW_ENCODE_JSON_STRING] = {.cp = cp_json},
        [BW_ENCODE_HEADER_VALUE] = {.whole = enc_header},
        [BW_ENCODE_LOG_FIELD] = {.whole = enc_log},
        [BW_ENCODE_LDAP_FILTER] = {.cp = cp_ldap_filter},
        [BW_ENCODE_LDAP_DN] = {.cp = cp_ldap_dn},
};

static enum bw_err run(struct sink *s, enum bw_encoding ctx, enum bw_utf8_policy pol,
                       const uint8_t *p, size_t len)
{
	const struct encoder *e =
	        (unsigned)ctx < (unsigned)BW_ENCODE__COUNT ? &encoders[ctx] : NULL;

	if (e == NULL || (e->cp == NULL && e->whole == NULL))
		bw_panic("encode: unknown context %d", (int)ctx);
	if (e->whole != NULL)
		return e->whole(s, p, len);
	return each_cp(s, p, len, pol, e->cp);
}

/* The counting pass: output length, or the input's error. */
static enum bw_err measure(enum bw_encoding ctx, enum bw_utf8_policy pol, const uint8_t *p,
                           size_t len, size_t *out_len)
{
	struct sink s = {NULL, 0, 0, false};
	enum bw_err rc;

	if (len > ENC_MAX_INPUT)
		return BW_ERR_LIMIT;
	rc = run(&s, ctx, pol, p, len);
	if (rc != BW_OK)
		return rc;
	*out_len = s.len;
	return BW_OK;
}

/* The writing pass into dst[0..n); must give exactly the counted n bytes. */
static enum bw_err produce(enum bw_encoding ctx, enum bw_utf8_policy pol, const uint8_t *p,
                           size_t len, char *dst, size_t n)
{
	struct sink s = {dst, 0, n, false};
	enum bw_err rc = run(&s, ctx, pol, p, len);

	if (rc != BW_OK)
		return rc;
	if (s.overflow || s.len != n)
		return BW_ERR_INTERNAL;
	return BW_OK;
}

static enum bw_err encode_buf(struct bw_buf *b, enum bw_encoding ctx, enum bw_utf8_policy pol,
                              const void *p, size_t len)
{
	char stack[STACK_OUT];
	char *tmp = stack;
	size_t n = 0;
	enum bw_err rc;

	BW_REQUIRE(b != NULL && (p != NULL || len == 0));
	BW_REQUIRE(pol == BW_UTF8_REFUSE || pol == BW_UTF8_REPLACE);
	rc = measure(ctx, pol, p, len, &n);
	if (rc != BW_OK)
		return rc;
	if (n > b->cap - b->len)
		return BW_ERR_LIMIT;
	if (n == 0)
		return BW_OK;
	if (n > sizeof(stack)) {
		tmp = malloc(n);
		if (tmp == NULL)
			return BW_ERR_NOMEM;
	}
	rc = produce(ctx, pol, p, len, tmp, n);
	if (rc == BW_OK)
		rc = bw_buf_append(b, tmp, n);
	/* the encoded text is as sensitive as the input: wipe the copy */
	sodium_memzero(tmp, n);
	if (tmp != stack)
		free(tmp);
	return rc;
}

/*
 * The public encoders, one per context (encode.h documents each): the text
 * encoders pass the caller's UTF-8 policy on, the strict ones refuse.
 */
#define TEXT_ENCODER(name, ctx)                                                   \
	enum bw_err bw_encode_##name(struct bw_buf *b, const void *p, size_t len, \
	                             enum bw_utf8_policy pol)                     \
	{                                                                         \
		return encode_buf(b, ctx, pol, p, len);                           \
	}
#define STRICT_ENCODER(name, ctx)                                                 \
	enum bw_err bw_encode_##name(struct bw_buf *b, const void *p, size_t len) \
	{                                                                         \
		return encode_buf(b, ctx, BW_UTF8_REFUSE, p, len);                \
	}

TEXT_ENCODER(html_text, BW_ENCODE_HTML_TEXT)
TEXT_ENCODER(html_attr, BW_ENCODE_HTML_ATTR)
TEXT_ENCODER(js_string, BW_ENCODE_JS_STRING)
TEXT_ENCODER(css_string, BW_ENCODE_CSS_STRING)
TEXT_ENCODER(url_component, BW_ENCODE_URL_COMPONENT)
TEXT_ENCODER(json_string, BW_ENCODE_JSON_STRING)
STRICT_ENCODER(header_value, BW_ENCODE_HEADER_VALUE)
STRICT_ENCODER(log_field, BW_ENCODE_LOG_FIELD)
STRICT_ENCODER(ldap_filter, BW_ENCODE_LDAP_FILTER)
STRICT_ENCODER(ldap_dn, BW_ENCODE_LDAP_DN)

enum bw_err bw_encode_arena(struct bw_arena *a, enum bw_encoding ctx, struct bw_str in,
                            struct bw_str *out)
{
	const uint8_t *p = (const uint8_t *)in.p;
	size_t n = 0;
	char *dst;
	enum bw_err rc;

	BW_REQUIRE(a != NULL && out != NULL && (in.p != NULL || in.len == 0));
	BW_REQUIRE((unsigned)ctx < (unsigned)BW_ENCODE__COUNT);
	*out = (struct bw_str){NULL, 0};
	rc = measure(ctx, BW_UTF8_REFUSE, p, in.len, &n);
	if (rc != BW_OK)
		return rc;
	dst = bw_arena_alloc(a, n + 1); /* zeroed: the NUL is there already */
	if (dst == NULL)
		return BW_ERR_NOMEM;
	rc = produce(ctx, BW_UTF8_REFUSE, p, in.len, dst, n);
	if (rc != BW_OK) {
		sodium_memzero(dst, n);
		return rc;
	}
	*out = (struct bw_str){dst, n};
	return BW_OK;
}
