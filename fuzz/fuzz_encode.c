/*
 * fuzz_encode.c — properties of every output encoder on every input, not just
 * "no crash": each output is valid UTF-8, holds none of the bytes its context
 * forbids, and decodes back (with an independent decoder written here, or
 * jansson for JSON) to the input; errors happen exactly when the contract says
 * and leave the buffer as it was; the arena form agrees with the buffer form.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/bulwark.h"
#include "bulwark/encode.h"

#define MAX_IN 4096

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond))                                                 \
			bw_panic("fuzz_encode: property failed: %s", #cond); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum bw_err enc(enum bw_encoding ctx, enum bw_utf8_policy pol, struct bw_buf *b,
                       const void *p, size_t len)
{
	switch (ctx) {
	case BW_ENCODE_HTML_TEXT:
		return bw_encode_html_text(b, p, len, pol);
	case BW_ENCODE_HTML_ATTR:
		return bw_encode_html_attr(b, p, len, pol);
	case BW_ENCODE_JS_STRING:
		return bw_encode_js_string(b, p, len, pol);
	case BW_ENCODE_CSS_STRING:
		return bw_encode_css_string(b, p, len, pol);
	case BW_ENCODE_URL_COMPONENT:
		return bw_encode_url_component(b, p, len, pol);
	case BW_ENCODE_JSON_STRING:
		return bw_encode_json_string(b, p, len, pol);
	case BW_ENCODE_HEADER_VALUE:
		return bw_encode_header_value(b, p, len);
	case BW_ENCODE_LOG_FIELD:
		return bw_encode_log_field(b, p, len);
	case BW_ENCODE_LDAP_FILTER:
		return bw_encode_ldap_filter(b, p, len);
	case BW_ENCODE_LDAP_DN:
		return bw_encode_ldap_dn(b, p, len);
	case BW_ENCODE__COUNT:
		break;
	}
	bw_panic("fuzz_encode: bad context");
}

static bool is_alnum(unsigned c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int hexval(unsigned c)
{
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	if (c >= 'A' && c <= 'F')
		return (int)(c - 'A' + 10);
	if (c >= 'a' && c <= 'f')
		return (int)(c - 'a' + 10);
	return -1;
}

static void add_cp(struct bw_buf *b, uint32_t cp)
{
	uint8_t u[4];
	size_t n = bw_utf8_encode(cp, u);

	CHECK(n > 0);
	CHECK(bw_buf_append(b, u, n) == BW_OK);
}

static void add_byte(struct bw_buf *b, unsigned c)
{
	CHECK(bw_buf_append_byte(b, (char)c) == BW_OK);
}

/* Hex digits at s[*i..]: at least min, at most max; returns their value. */
static uint32_t read_hex(const char *s, size_t len, size_t *i, size_t min, size_t max)
{
	uint32_t v = 0;
	size_t k = 0;

	while (*i < len && k < max && hexval((unsigned char)s[*i]) >= 0) {
		v = v * 16 + (uint32_t)hexval((unsigned char)s[*i]);
		(*i)++;
		k++;
	}
	CHECK(k >= min);
	return v;
}

static bool html_forbidden(uint32_t c)
{
	if (c < 0x20)
		return c != '\t' && c != '\n' && c != '\f' && c != '\r';
	if (c >= 0x7F && c <= 0x9F)
		return true;
	return (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFEu) == 0xFFFEu;
}

/* What a text encoder should be encoding: the input with each invalid sequence
 * as U+FFFD, then the context's own replacements (html: forbidden code points;
 * css: NUL). */
enum remap { REMAP_NONE, REMAP_HTML, REMAP_CSS };

static void expected_text(const uint8_t *p, size_t len, enum remap m, struct bw_buf *out)
{
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n;

		if (!bw_utf8_decode(p + i, len - i, &cp, &n))
			cp = 0xFFFD;
		if (m == REMAP_HTML && html_forbidden(cp))
			cp = 0xFFFD;
		if (m == REMAP_CSS && cp == 0)
			cp = 0xFFFD;
		add_cp(out, cp);
		i += n;
	}
}

static void decode_html(const char *s, size_t len, bool attr, struct bw_buf *out)
{
	static const struct {
		const char *ent;
		char c;
	} named[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}};

	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		bool done = false;

		CHECK(c != '<' && c != '>' && c != '"' && c != '\'');
		if (attr && c < 0x80)
			CHECK(is_alnum(c) || c == '&');
		if (c != '&') {
			add_byte(out, c);
			i++;
			continue;
		}
		for (size_t k = 0; !attr && k < sizeof(named) / sizeof(named[0]); k++) {
			size_t n = strlen(named[k].ent);

			if (len - i >= n && memcmp(s + i, named[k].ent, n) == 0) {
				add_byte(out, (unsigned char)named[k].c);
				i += n;
				done = true;
				break;
			}
		}
		if (done)
			continue;
		CHECK(len - i > 3 && s[i + 1] == '#' && s[i + 2] == 'x');
		i += 3;
		{
			uint32_t v = read_hex(s, len, &i, 2, 2);

			CHECK(i < len && s[i] == ';');
			i++;
			add_cp(out, v);
		}
	}
}

static void decode_js(const char *s, size_t len, struct bw_buf *out)
{
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		uint32_t v;

		CHECK(is_alnum(c) || c == '\\');
		if (c != '\\') {
			add_byte(out, c);
			i++;
			continue;
		}
		CHECK(i + 1 < len);
		if (s[i + 1] == 'x') {
			i += 2;
			add_cp(out, read_hex(s, len, &i, 2, 2));
			continue;
		}
		CHECK(s[i + 1] == 'u');
		i += 2;
		v = read_hex(s, len, &i, 4, 4);
		if (v >= 0xD800 && v <= 0xDBFF) {
			uint32_t lo;

			CHECK(len - i >= 6 && s[i] == '\\' && s[i + 1] == 'u');
			i += 2;
			lo = read_hex(s, len, &i, 4, 4);
			CHECK(lo >= 0xDC00 && lo <= 0xDFFF);
			v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
		}
		add_cp(out, v);
	}
}

static void decode_css(const char *s, size_t len, struct bw_buf *out)
{
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];

		CHECK(is_alnum(c) || c == '\\');
		if (c != '\\') {
			add_byte(out, c);
			i++;
			continue;
		}
		i++;
		{
			uint32_t v = read_hex(s, len, &i, 1, 6);

			CHECK(i < len && s[i] == ' ');
			i++;
			add_cp(out, v);
		}
	}
}

static void decode_url(const char *s, size_t len, struct bw_buf *out)
{
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];

		if (c != '%') {
			CHECK(is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~');
			add_byte(out, c);
			i++;
			continue;
		}
		CHECK(len - i >= 3);
		CHECK(hexval((unsigned char)s[i + 1]) >= 0 && hexval((unsigned char)s[i + 2]) >= 0);
		CHECK(!(s[i + 1] >= 'a' && s[i + 1] <= 'f') &&
		      !(s[i + 2] >= 'a' && s[i + 2] <= 'f'));
		add_byte(out, (unsigned)(hexval((unsigned char)s[i + 1]) * 16 +
		                         hexval((unsigned char)s[i + 2])));
		i += 3;
	}
}

static void decode_log(const char *s, size_t len, struct bw_buf *out)
{
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];

		CHECK(c >= 0x20 && c != 0x7F && c != '"' && c != '\'');
		if (c != '\\') {
			add_byte(out, c);
			i++;
			continue;
		}
		CHECK(i + 1 < len);
		switch (s[i + 1]) {
		case 'n':
			add_byte(out, '\n');
			break;
		case 'r':
			add_byte(out, '\r');
			break;
		case 't':
			add_byte(out, '\t');
			break;
		case '\\':
			add_byte(out, '\\');
			break;
		case '"':
			add_byte(out, '"');
			break;
		case 'x':
			CHECK(len - i >= 4);
			i += 2;
			add_byte(out, read_hex(s, len, &i, 2, 2));
			continue;
		default:
			CHECK(false);
		}
		i += 2;
	}
}

static void decode_ldap(const char *s, size_t len, bool dn, struct bw_buf *out)
{
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];

		CHECK(c != '*' && c != '(' && c != ')' && c != '\0' && c >= 0x20 && c != 0x7F);
		if (dn) {
			CHECK(strchr(",+\"<>;=", c) == NULL);
			CHECK(!(i == 0 && (c == ' ' || c == '#')));
			CHECK(!(i + 1 == len && c == ' '));
		}
		if (c != '\\') {
			add_byte(out, c);
			i++;
			continue;
		}
		CHECK(i + 1 < len);
		if (dn && strchr(",+\"\\<>;= #", s[i + 1]) != NULL && s[i + 1] != '\0') {
			add_byte(out, (unsigned char)s[i + 1]);
			i += 2;
			continue;
		}
		CHECK(len - i >= 3);
		CHECK(hexval((unsigned char)s[i + 1]) >= 0 && hexval((unsigned char)s[i + 2]) >= 0);
		CHECK(!(s[i + 1] >= 'A' && s[i + 1] <= 'F') &&
		      !(s[i + 2] >= 'A' && s[i + 2] <= 'F'));
		add_byte(out, (unsigned)(hexval((unsigned char)s[i + 1]) * 16 +
		                         hexval((unsigned char)s[i + 2])));
		i += 3;
	}
}

static bool has_ctl(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7F)
			return true;
	return false;
}

static void check_json(const char *s, size_t len, const struct bw_buf *want)
{
	struct bw_buf w;
	json_error_t err;
	json_t *j;

	for (size_t i = 0; i < len; i++)
		CHECK((unsigned char)s[i] >= 0x20 && s[i] != '<' && s[i] != '>' && s[i] != '&');
	CHECK(memmem(s, len, "\xE2\x80\xA8", 3) == NULL &&
	      memmem(s, len, "\xE2\x80\xA9", 3) == NULL);
	bw_buf_init(&w, len + 3);
	add_byte(&w, '"');
	CHECK(bw_buf_append(&w, s, len) == BW_OK);
	add_byte(&w, '"');
	j = json_loadb(w.p, w.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	CHECK(j != NULL && json_is_string(j));
	CHECK(json_string_length(j) == want->len);
	CHECK(want->len == 0 || memcmp(json_string_value(j), want->p, want->len) == 0);
	json_decref(j);
	bw_buf_free(&w);
}

/* The error the contract promises for this input, context and policy. */
static enum bw_err expected_rc(enum bw_encoding ctx, enum bw_utf8_policy pol, const uint8_t *p,
                               size_t len, bool valid)
{
	switch (ctx) {
	case BW_ENCODE_LOG_FIELD:
		return BW_OK;
	case BW_ENCODE_HEADER_VALUE:
		if (has_ctl(p, len))
			return BW_ERR_INVALID;
		return valid ? BW_OK : BW_ERR_ENCODING;
	case BW_ENCODE_LDAP_FILTER:
	case BW_ENCODE_LDAP_DN:
		return valid ? BW_OK : BW_ERR_ENCODING;
	default:
		return (valid || pol == BW_UTF8_REPLACE) ? BW_OK : BW_ERR_ENCODING;
	}
}

static void check_output(enum bw_encoding ctx, const uint8_t *p, size_t len, const char *o,
                         size_t olen)
{
	struct bw_buf got, want;

	bw_buf_init(&got, 4 * MAX_IN + 16);
	bw_buf_init(&want, 4 * MAX_IN + 16);
	CHECK(bw_utf8_valid(o, olen));
	switch (ctx) {
	case BW_ENCODE_HTML_TEXT:
	case BW_ENCODE_HTML_ATTR:
		decode_html(o, olen, ctx == BW_ENCODE_HTML_ATTR, &got);
		expected_text(p, len, REMAP_HTML, &want);
		break;
	case BW_ENCODE_JS_STRING:
		CHECK(memmem(o, olen, "</", 2) == NULL);
		decode_js(o, olen, &got);
		expected_text(p, len, REMAP_NONE, &want);
		break;
	case BW_ENCODE_CSS_STRING:
		decode_css(o, olen, &got);
		expected_text(p, len, REMAP_CSS, &want);
		break;
	case BW_ENCODE_URL_COMPONENT:
		decode_url(o, olen, &got);
		expected_text(p, len, REMAP_NONE, &want);
		break;
	case BW_ENCODE_JSON_STRING:
		expected_text(p, len, REMAP_NONE, &want);
		check_json(o, olen, &want);
		CHECK(bw_buf_append(&got, want.p, want.len) == BW_OK);
		break;
	case BW_ENCODE_HEADER_VALUE:
		CHECK(memchr(o, '\r', olen) == NULL && memchr(o, '\n', olen) == NULL &&
		      memchr(o, '\0', olen) == NULL);
		CHECK(bw_buf_append(&got, o, olen) == BW_OK);
		CHECK(bw_buf_append(&want, p, len) == BW_OK);
		break;
	case BW_ENCODE_LOG_FIELD:
		decode_log(o, olen, &got);
		CHECK(bw_buf_append(&want, p, len) == BW_OK);
		break;
	case BW_ENCODE_LDAP_FILTER:
	case BW_ENCODE_LDAP_DN:
		decode_ldap(o, olen, ctx == BW_ENCODE_LDAP_DN, &got);
		CHECK(bw_buf_append(&want, p, len) == BW_OK);
		break;
	case BW_ENCODE__COUNT:
		CHECK(false);
	}
	CHECK(got.len == want.len && (got.len == 0 || memcmp(got.p, want.p, got.len) == 0));
	bw_buf_free(&got);
	bw_buf_free(&want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool valid;
	size_t small_cap;

	if (size > MAX_IN)
		return 0;
	valid = bw_utf8_valid(data, size);
	small_cap = 1 + (size > 0 ? data[0] % 48u : 0);
	for (int c = 0; c < BW_ENCODE__COUNT; c++) {
		enum bw_encoding ctx = (enum bw_encoding)c;
		struct bw_arena *a = bw_arena_new(8 * MAX_IN + 4096);

		CHECK(a != NULL);

		for (int pl = 0; pl < 2; pl++) {
			enum bw_utf8_policy pol = pl ? BW_UTF8_REPLACE : BW_UTF8_REFUSE;
			enum bw_err want = expected_rc(ctx, pol, data, size, valid);
			struct bw_buf b, s;
			enum bw_err rc, src;

			/* a prefix already in the buffer must survive any outcome */
			bw_buf_init(&b, 8 * MAX_IN + 16);
			CHECK(bw_buf_append_byte(&b, 'P') == BW_OK);
			rc = enc(ctx, pol, &b, data, size);
			CHECK(rc == want);
			CHECK(b.p[0] == 'P');
			if (rc != BW_OK)
				CHECK(b.len == 1);
			else
				check_output(ctx, data, size, b.p + 1, b.len - 1);

			/* a small cap: the whole encoding or nothing */
			bw_buf_init(&s, small_cap);
			CHECK(bw_buf_append_byte(&s, 'P') == BW_OK);
			src = enc(ctx, pol, &s, data, size);
			if (rc != BW_OK)
				CHECK(src == rc);
			else if (b.len > small_cap)
				CHECK(src == BW_ERR_LIMIT && s.len == 1);
			else
				CHECK(src == BW_OK && s.len == b.len &&
				      memcmp(s.p, b.p, b.len) == 0);
			bw_buf_free(&s);

			/* the arena form is the buffer form with BW_UTF8_REFUSE */
			if (pol == BW_UTF8_REFUSE) {
				struct bw_str out;
				struct bw_str in = {(const char *)data, size};

				src = bw_encode_arena(a, ctx, in, &out);
				CHECK(src == rc);
				if (rc == BW_OK)
					CHECK(out.len == b.len - 1 && out.p[out.len] == '\0' &&
					      memcmp(out.p, b.p + 1, out.len) == 0);
				else
					CHECK(out.p == NULL && out.len == 0);
			}
			bw_buf_free(&b);
		}
		bw_arena_free(a);
	}
	return 0;
}
