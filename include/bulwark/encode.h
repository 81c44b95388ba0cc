/*
 * encode.h — context-aware output encoding (defense in depth at output).
 *
 * Untrusted text is made safe for the one place it is written to: HTML text,
 * an HTML attribute value, a JavaScript or CSS string, a URL component, a JSON
 * string, an HTTP header value, a log field, an LDAP filter or DN value. Each
 * function appends the encoded form of (p, len) to a bounded buffer and is
 * all-or-nothing: on any error the buffer is exactly as it was. p may be NULL
 * only when len is 0; the input is borrowed and never kept.
 *
 * Invalid UTF-8 (RFC 3629, see utf8.h: overlongs, surrogates, truncations)
 * never reaches the output. The text encoders take a policy: refuse the whole
 * input with BW_ERR_ENCODING, or put U+FFFD in place of each bad sequence.
 *
 * Errors common to all: BW_ERR_LIMIT when the output would pass the buffer's
 * cap, BW_ERR_NOMEM when memory is short.
 */
#ifndef BULWARK_ENCODE_H
#define BULWARK_ENCODE_H

#include <stddef.h>

#include "bulwark/arena.h"
#include "bulwark/buf.h"
#include "bulwark/err.h"
#include "bulwark/str.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What the text encoders do with an invalid UTF-8 sequence. */
enum bw_utf8_policy {
	BW_UTF8_REFUSE,  /**< fail the whole call with BW_ERR_ENCODING */
	BW_UTF8_REPLACE, /**< encode U+FFFD in place of each invalid sequence */
};

/** The output contexts, for bw_encode_arena (template and handler code). */
enum bw_encoding {
	BW_ENCODE_HTML_TEXT,
	BW_ENCODE_HTML_ATTR,
	BW_ENCODE_JS_STRING,
	BW_ENCODE_CSS_STRING,
	BW_ENCODE_URL_COMPONENT,
	BW_ENCODE_JSON_STRING,
	BW_ENCODE_HEADER_VALUE,
	BW_ENCODE_LOG_FIELD,
	BW_ENCODE_LDAP_FILTER,
	BW_ENCODE_LDAP_DN,
	BW_ENCODE__COUNT
};

/**
 * bw_encode_html_text - text between HTML tags (OWASP rule #1).
 * & < > " ' become &amp; &lt; &gt; &quot; &#x27;. Code points HTML forbids in
 * a document (C0 controls other than TAB LF FF CR, DEL, C1 controls,
 * noncharacters) become U+FFFD, as the HTML parser would treat NUL.
 */
BW_MUST_CHECK enum bw_err bw_encode_html_text(struct bw_buf *b, const void *p, size_t len,
                                              enum bw_utf8_policy pol);

/**
 * bw_encode_html_attr - an HTML attribute value, safe even unquoted.
 * Only ASCII letters and digits stay; every other ASCII character becomes
 * &#xHH; (so no quote, space, = < > or backtick survives). Non-ASCII stays as
 * UTF-8; forbidden code points (see bw_encode_html_text) become U+FFFD.
 * Never makes a URL attribute (href, src) safe: check the scheme first.
 */
BW_MUST_CHECK enum bw_err bw_encode_html_attr(struct bw_buf *b, const void *p, size_t len,
                                              enum bw_utf8_policy pol);

/**
 * bw_encode_js_string - the inside of a JavaScript string literal (any quote
 * style, template literals included) in a <script> block.
 * ASCII letters and digits stay; other code points below U+0100 become \xHH,
 * the rest \uHHHH (a surrogate pair above U+FFFF). The output is pure ASCII,
 * so < > / & ' " ` \ U+2028 U+2029 and "</script>" can never appear.
 */
BW_MUST_CHECK enum bw_err bw_encode_js_string(struct bw_buf *b, const void *p, size_t len,
                                              enum bw_utf8_policy pol);

/**
 * bw_encode_css_string - a quoted CSS string or value.
 * ASCII letters and digits stay; every other code point becomes "\H… " (its
 * hex value and one space that ends the escape); NUL, which CSS cannot carry,
 * becomes "\FFFD ". The output is pure ASCII.
 */
BW_MUST_CHECK enum bw_err bw_encode_css_string(struct bw_buf *b, const void *p, size_t len,
                                               enum bw_utf8_policy pol);

/**
 * bw_encode_url_component - a path segment, query name or value (RFC 3986).
 * The unreserved set A-Z a-z 0-9 - . _ ~ stays; every other UTF-8 byte becomes
 * %HH (upper-case hex). Invalid UTF-8 is refused or encoded as U+FFFD
 * (%EF%BF%BD) according to pol.
 */
BW_MUST_CHECK enum bw_err bw_encode_url_component(struct bw_buf *b, const void *p, size_t len,
                                                  enum bw_utf8_policy pol);

/**
 * bw_encode_json_string - the contents of a JSON string (without the quotes).
 * " \ BS FF LF CR TAB become \" \\ \b \f \n \r \t; other controls \u00HH; and
 * < > & U+2028 U+2029 become \u003C \u003E \u0026 \u2028 \u2029, so the JSON
 * is safe inside a <script> block and in JavaScript. Other text stays UTF-8.
 */
BW_MUST_CHECK enum bw_err bw_encode_json_string(struct bw_buf *b, const void *p, size_t len,
                                                enum bw_utf8_policy pol);

/**
 * bw_encode_header_value - an HTTP field value, copied unchanged once checked.
 * Refuses with BW_ERR_INVALID any control character except HTAB (so CR, LF
 * and NUL) and DEL: a header is never split, and bytes are never stripped.
 * Refuses invalid UTF-8 with BW_ERR_ENCODING.
 */
BW_MUST_CHECK enum bw_err bw_encode_header_value(struct bw_buf *b, const void *p, size_t len);

/**
 * bw_encode_log_field - one field of a log line; never fails on content.
 * LF CR TAB \ " become \n \r \t \\ \"; other controls, DEL and ' become \xHH;
 * each byte of an invalid UTF-8 sequence, of a C1 control, of U+2028 U+2029
 * and of a bidirectional control (U+061C, U+200E/F, U+202A-E, U+2066-9)
 * becomes \xHH, so a field can neither forge a line nor reorder what is shown.
 * Fails only with BW_ERR_LIMIT or BW_ERR_NOMEM.
 */
BW_MUST_CHECK enum bw_err bw_encode_log_field(struct bw_buf *b, const void *p, size_t len);

/**
 * bw_encode_ldap_filter - an assertion value in an LDAP search filter
 * (RFC 4515). * ( ) \ NUL become \2a \28 \29 \5c \00; other controls and DEL
 * become \hh too. Refuses invalid UTF-8 with BW_ERR_ENCODING.
 */
BW_MUST_CHECK enum bw_err bw_encode_ldap_filter(struct bw_buf *b, const void *p, size_t len);

/**
 * bw_encode_ldap_dn - an attribute value in an LDAP distinguished name
 * (RFC 4514). , + " \ < > ; = get a backslash before them, as do a leading
 * space or '#' and a trailing space; NUL, other controls, DEL and the filter
 * specials * ( ) become \hh (so the DN stays inert inside a search filter).
 * Refuses invalid UTF-8 with BW_ERR_ENCODING.
 */
BW_MUST_CHECK enum bw_err bw_encode_ldap_dn(struct bw_buf *b, const void *p, size_t len);

/**
 * bw_encode_arena - encode in for context ctx into an arena-owned,
 * NUL-terminated string in *out (the context as a value, for templates).
 * Invalid UTF-8 is refused (BW_UTF8_REFUSE): fail closed. On error *out is
 * {NULL, 0}. BW_ERR_NOMEM when the arena's cap or memory runs out, plus the
 * errors of the encoder for ctx. ctx outside enum bw_encoding is a
 * programming error (abort).
 */
BW_MUST_CHECK enum bw_err bw_encode_arena(struct bw_arena *a, enum bw_encoding ctx,
                                          struct bw_str in, struct bw_str *out);

#ifdef __cplusplus
}
#endif
#endif
