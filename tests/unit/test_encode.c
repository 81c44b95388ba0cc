/* test_encode.c — output encoders: exact outputs for hostile inputs, per context. */
#include "bw_test.h"

#include "bulwark/encode.h"

#include <jansson.h>
#include <stdlib.h>

#define REFUSE  BW_UTF8_REFUSE
#define REPLACE BW_UTF8_REPLACE
#define FFFD    "\xEF\xBF\xBD"

/* The buffer functions, by context (arena-less, so the buffer API is tested). */
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
	default:
		fail_msg("no such context %d", (int)ctx);
	}
	return BW_ERR_INTERNAL;
}

struct vec {
	enum bw_encoding ctx;
	enum bw_utf8_policy pol;
	const char *in;
	size_t len; /* 0: strlen(in) */
	enum bw_err rc;
	const char *out; /* expected when rc == BW_OK */
};

/* A vector whose input holds a NUL gives its length explicitly. */
#define V(ctx, pol, in, rc, out)                     \
	{                                            \
		BW_ENCODE_##ctx, pol, in, 0, rc, out \
	}
#define VN(ctx, pol, in, n, rc, out)                 \
	{                                            \
		BW_ENCODE_##ctx, pol, in, n, rc, out \
	}

static const struct vec VECTORS[] = {
        /* HTML text */
        V(HTML_TEXT, REFUSE, "<script>", BW_OK, "&lt;script&gt;"),
        V(HTML_TEXT, REFUSE, "\"onmouseover=alert(1)", BW_OK, "&quot;onmouseover=alert(1)"),
        V(HTML_TEXT, REFUSE, "</script><script>", BW_OK, "&lt;/script&gt;&lt;script&gt;"),
        V(HTML_TEXT, REFUSE, "javascript:", BW_OK, "javascript:"),
        V(HTML_TEXT, REFUSE, "'", BW_OK, "&#x27;"),
        V(HTML_TEXT, REFUSE, "`", BW_OK, "`"),
        V(HTML_TEXT, REFUSE, "a&amp;b", BW_OK, "a&amp;amp;b"),
        V(HTML_TEXT, REFUSE, "\xE2\x80\xA8", BW_OK, "\xE2\x80\xA8"),
        VN(HTML_TEXT, REFUSE, "a\0b", 3, BW_OK, "a" FFFD "b"),
        V(HTML_TEXT, REFUSE, "a\r\nSet-Cookie: x", BW_OK, "a\r\nSet-Cookie: x"),
        V(HTML_TEXT, REFUSE, "\x01\x7F\xC2\x85\xEF\xB7\x90\xEF\xBF\xBE", BW_OK,
          FFFD FFFD FFFD FFFD FFFD),
        V(HTML_TEXT, REFUSE, "\xC0\xBC", BW_ERR_ENCODING, NULL),
        V(HTML_TEXT, REPLACE, "\xC0\xBC", BW_OK, FFFD FFFD),
        V(HTML_TEXT, REFUSE, "\xED\xA0\x80", BW_ERR_ENCODING, NULL),
        V(HTML_TEXT, REPLACE, "a\xED\xA0\x80z", BW_OK, "a" FFFD FFFD FFFD "z"),
        V(HTML_TEXT, REFUSE, "\xC3\xA9\xF0\x9F\x98\x80", BW_OK, "\xC3\xA9\xF0\x9F\x98\x80"),
        /* HTML attribute */
        V(HTML_ATTR, REFUSE, "<script>", BW_OK, "&#x3C;script&#x3E;"),
        V(HTML_ATTR, REFUSE, "\"onmouseover=alert(1)", BW_OK,
          "&#x22;onmouseover&#x3D;alert&#x28;1&#x29;"),
        V(HTML_ATTR, REFUSE, "x onclick=y", BW_OK, "x&#x20;onclick&#x3D;y"),
        V(HTML_ATTR, REFUSE, "javascript:alert(1)", BW_OK, "javascript&#x3A;alert&#x28;1&#x29;"),
        V(HTML_ATTR, REFUSE, "'`", BW_OK, "&#x27;&#x60;"),
        V(HTML_ATTR, REFUSE, "-_.&", BW_OK, "&#x2D;&#x5F;&#x2E;&#x26;"),
        VN(HTML_ATTR, REFUSE, "a\0b", 3, BW_OK, "a" FFFD "b"),
        V(HTML_ATTR, REFUSE, "a\r\n\tb", BW_OK, "a&#x0D;&#x0A;&#x09;b"),
        V(HTML_ATTR, REFUSE, "\xC3\xA9\xE2\x80\xA8", BW_OK, "\xC3\xA9\xE2\x80\xA8"),
        V(HTML_ATTR, REFUSE, "\xC2\x85", BW_OK, FFFD),
        V(HTML_ATTR, REFUSE, "\xC0\xBC", BW_ERR_ENCODING, NULL),
        V(HTML_ATTR, REPLACE, "\xC0\xBC", BW_OK, FFFD FFFD),
        /* JavaScript string */
        V(JS_STRING, REFUSE, "</script><script>", BW_OK, "\\x3C\\x2Fscript\\x3E\\x3Cscript\\x3E"),
        V(JS_STRING, REFUSE, "\"onmouseover=", BW_OK, "\\x22onmouseover\\x3D"),
        V(JS_STRING, REFUSE, "javascript:", BW_OK, "javascript\\x3A"),
        V(JS_STRING, REFUSE, "'`\\", BW_OK, "\\x27\\x60\\x5C"),
        V(JS_STRING, REFUSE, "${x}", BW_OK, "\\x24\\x7Bx\\x7D"),
        V(JS_STRING, REFUSE, "\xE2\x80\xA8\xE2\x80\xA9", BW_OK, "\\u2028\\u2029"),
        VN(JS_STRING, REFUSE, "a\0b", 3, BW_OK, "a\\x00b"),
        V(JS_STRING, REFUSE, "a\r\nb", BW_OK, "a\\x0D\\x0Ab"),
        V(JS_STRING, REFUSE, "\xC3\xA9\xE2\x82\xAC", BW_OK, "\\xE9\\u20AC"),
        V(JS_STRING, REFUSE, "\xF0\x9F\x98\x80", BW_OK, "\\uD83D\\uDE00"),
        V(JS_STRING, REFUSE, "\xF4\x8F\xBF\xBF", BW_OK, "\\uDBFF\\uDFFF"),
        V(JS_STRING, REFUSE, "\xED\xA0\x80", BW_ERR_ENCODING, NULL),
        V(JS_STRING, REPLACE, "\xC0\xBC", BW_OK, "\\uFFFD\\uFFFD"),
        /* CSS string */
        V(CSS_STRING, REFUSE, "</style>", BW_OK, "\\3C \\2F style\\3E "),
        V(CSS_STRING, REFUSE, "\"onmouseover=", BW_OK, "\\22 onmouseover\\3D "),
        V(CSS_STRING, REFUSE, "expression(alert(1))", BW_OK,
          "expression\\28 alert\\28 1\\29 \\29 "),
        V(CSS_STRING, REFUSE, "'", BW_OK, "\\27 "),
        VN(CSS_STRING, REFUSE, "a\0b", 3, BW_OK, "a\\FFFD b"),
        V(CSS_STRING, REFUSE, "a\r\nb", BW_OK, "a\\D \\A b"),
        V(CSS_STRING, REFUSE, "\xC3\xA9\xE2\x80\xA8\xF0\x9F\x98\x80", BW_OK,
          "\\E9 \\2028 \\1F600 "),
        V(CSS_STRING, REFUSE, "\xC0\xBC", BW_ERR_ENCODING, NULL),
        V(CSS_STRING, REPLACE, "\xED\xA0\x80", BW_OK, "\\FFFD \\FFFD \\FFFD "),
        /* URL component */
        V(URL_COMPONENT, REFUSE, "a b&c=d/e?f#g", BW_OK, "a%20b%26c%3Dd%2Fe%3Ff%23g"),
        V(URL_COMPONENT, REFUSE, "-._~", BW_OK, "-._~"),
        V(URL_COMPONENT, REFUSE, "+%", BW_OK, "%2B%25"),
        V(URL_COMPONENT, REFUSE, "javascript:alert(1)", BW_OK, "javascript%3Aalert%281%29"),
        V(URL_COMPONENT, REFUSE, "a\r\nSet-Cookie: x", BW_OK, "a%0D%0ASet-Cookie%3A%20x"),
        VN(URL_COMPONENT, REFUSE, "a\0b", 3, BW_OK, "a%00b"),
        V(URL_COMPONENT, REFUSE, "\xC3\xA9", BW_OK, "%C3%A9"),
        V(URL_COMPONENT, REFUSE, "\xC0\xBC", BW_ERR_ENCODING, NULL),
        V(URL_COMPONENT, REPLACE, "\xC0\xBC", BW_OK, "%EF%BF%BD%EF%BF%BD"),
        /* JSON string */
        V(JSON_STRING, REFUSE, "</script><script>", BW_OK,
          "\\u003C/script\\u003E\\u003Cscript\\u003E"),
        V(JSON_STRING, REFUSE, "\"\\\b\f\n\r\t", BW_OK, "\\\"\\\\\\b\\f\\n\\r\\t"),
        VN(JSON_STRING, REFUSE, "a\0b\x1F\x7F", 5, BW_OK, "a\\u0000b\\u001F\x7F"),
        V(JSON_STRING, REFUSE, "a&b", BW_OK, "a\\u0026b"),
        V(JSON_STRING, REFUSE, "\xE2\x80\xA8\xE2\x80\xA9", BW_OK, "\\u2028\\u2029"),
        V(JSON_STRING, REFUSE, "'`\xC3\xA9\xF0\x9F\x98\x80", BW_OK, "'`\xC3\xA9\xF0\x9F\x98\x80"),
        V(JSON_STRING, REFUSE, "\xC0\xBC", BW_ERR_ENCODING, NULL),
        V(JSON_STRING, REFUSE, "\xED\xA0\x80", BW_ERR_ENCODING, NULL),
        V(JSON_STRING, REPLACE, "\xC0\xBC", BW_OK, FFFD FFFD),
        /* HTTP header value */
        V(HEADER_VALUE, REFUSE, "text/html; charset=utf-8", BW_OK, "text/html; charset=utf-8"),
        V(HEADER_VALUE, REFUSE, "a\tb \"c\"", BW_OK, "a\tb \"c\""),
        V(HEADER_VALUE, REFUSE, "a\r\nSet-Cookie: x", BW_ERR_INVALID, NULL),
        V(HEADER_VALUE, REFUSE, "a\nSet-Cookie: x", BW_ERR_INVALID, NULL),
        V(HEADER_VALUE, REFUSE, "a\rb", BW_ERR_INVALID, NULL),
        VN(HEADER_VALUE, REFUSE, "a\0b", 3, BW_ERR_INVALID, NULL),
        V(HEADER_VALUE, REFUSE, "a\x1B", BW_ERR_INVALID, NULL),
        V(HEADER_VALUE, REFUSE, "a\x7F", BW_ERR_INVALID, NULL),
        V(HEADER_VALUE, REFUSE, "\xC3\xA9", BW_OK, "\xC3\xA9"),
        V(HEADER_VALUE, REFUSE, "\xC0\xBC", BW_ERR_ENCODING, NULL),
        V(HEADER_VALUE, REPLACE, "\xED\xA0\x80", BW_ERR_ENCODING, NULL),
        /* log field */
        V(LOG_FIELD, REFUSE, "a\r\nSet-Cookie: x", BW_OK, "a\\r\\nSet-Cookie: x"),
        V(LOG_FIELD, REFUSE, "say \"hi\" \\ 'x'\t", BW_OK, "say \\\"hi\\\" \\\\ \\x27x\\x27\\t"),
        VN(LOG_FIELD, REFUSE, "a\0b\x1B[31m\x7F", 9, BW_OK, "a\\x00b\\x1B[31m\\x7F"),
        V(LOG_FIELD, REFUSE, "\xC0\xBC", BW_OK, "\\xC0\\xBC"),
        V(LOG_FIELD, REFUSE, "\xED\xA0\x80", BW_OK, "\\xED\\xA0\\x80"),
        V(LOG_FIELD, REFUSE, "ab\xE2\x82", BW_OK, "ab\\xE2\\x82"),
        V(LOG_FIELD, REFUSE, "\xE2\x80\xA8\xC2\x85", BW_OK, "\\xE2\\x80\\xA8\\xC2\\x85"),
        V(LOG_FIELD, REFUSE, "user\xE2\x80\xAE", BW_OK, "user\\xE2\\x80\\xAE"),
        V(LOG_FIELD, REFUSE, "\xC3\xA9<script>", BW_OK, "\xC3\xA9<script>"),
        /* LDAP filter */
        V(LDAP_FILTER, REFUSE, "*)(uid=*))(|(uid=*", BW_OK,
          "\\2a\\29\\28uid=\\2a\\29\\29\\28|\\28uid=\\2a"),
        V(LDAP_FILTER, REFUSE, "a\\b", BW_OK, "a\\5cb"),
        VN(LDAP_FILTER, REFUSE, "a\0b", 3, BW_OK, "a\\00b"),
        V(LDAP_FILTER, REFUSE, "a\nb", BW_OK, "a\\0ab"),
        V(LDAP_FILTER, REFUSE, "\xC3\xA9", BW_OK, "\xC3\xA9"),
        V(LDAP_FILTER, REFUSE, "\xC0\xBC", BW_ERR_ENCODING, NULL),
        /* LDAP DN */
        V(LDAP_DN, REFUSE, " #a,b+c\"d\\e<f>g;h=i ", BW_OK,
          "\\ #a\\,b\\+c\\\"d\\\\e\\<f\\>g\\;h\\=i\\ "),
        V(LDAP_DN, REFUSE, "#admin", BW_OK, "\\#admin"),
        V(LDAP_DN, REFUSE, "*)(uid=*", BW_OK, "\\2a\\29\\28uid\\=\\2a"),
        V(LDAP_DN, REFUSE, "a#b c", BW_OK, "a#b c"),
        V(LDAP_DN, REFUSE, " ", BW_OK, "\\ "),
        V(LDAP_DN, REFUSE, "  ", BW_OK, "\\ \\ "),
        V(LDAP_DN, REFUSE, "cn=admin,dc=x", BW_OK, "cn\\=admin\\,dc\\=x"),
        VN(LDAP_DN, REFUSE, "a\0b", 3, BW_OK, "a\\00b"),
        V(LDAP_DN, REFUSE, "\xC3\xA9", BW_OK, "\xC3\xA9"),
        V(LDAP_DN, REFUSE, "\xC0\xBC", BW_ERR_ENCODING, NULL),
};

static size_t vec_len(const struct vec *v)
{
	return v->len ? v->len : strlen(v->in);
}

static void encode_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(VECTORS) / sizeof(VECTORS[0]); i++) {
		const struct vec *v = &VECTORS[i];
		struct bw_buf b;
		enum bw_err rc;

		bw_buf_init(&b, 4096);
		rc = enc(v->ctx, v->pol, &b, v->in, vec_len(v));
		if (rc != v->rc)
			fail_msg("vector %zu: rc %s, want %s", i, bw_err_str(rc),
			         bw_err_str(v->rc));
		if (rc == BW_OK) {
			if (b.len != strlen(v->out) || memcmp(bw_buf_cstr(&b), v->out, b.len) != 0)
				fail_msg("vector %zu: got \"%s\", want \"%s\"", i, bw_buf_cstr(&b),
				         v->out);
		} else {
			assert_int_equal(b.len, 0);
		}
		bw_buf_free(&b);
	}
}

/* An error leaves the buffer exactly as it was: no half encoding. */
static void encode_all_or_nothing(void **state)
{
	struct bw_buf b;
	const char bad_tail[] = "<<<<\xC0\xBC";
	const char crlf[] = "ok\r\nSet-Cookie: x";

	(void)state;
	bw_buf_init(&b, 64);
	assert_int_equal(bw_buf_append_c(&b, "keep:"), BW_OK);
	for (int ctx = 0; ctx < BW_ENCODE__COUNT; ctx++) {
		enum bw_err rc =
		        enc((enum bw_encoding)ctx, REFUSE, &b, bad_tail, sizeof(bad_tail) - 1);

		if (ctx == BW_ENCODE_LOG_FIELD) {
			assert_int_equal(rc, BW_OK);
			assert_string_equal(bw_buf_cstr(&b), "keep:<<<<\\xC0\\xBC");
			bw_buf_reset(&b);
			assert_int_equal(bw_buf_append_c(&b, "keep:"), BW_OK);
			continue;
		}
		assert_int_equal(rc, BW_ERR_ENCODING);
		assert_string_equal(bw_buf_cstr(&b), "keep:");
	}
	assert_int_equal(bw_encode_header_value(&b, crlf, sizeof(crlf) - 1), BW_ERR_INVALID);
	assert_string_equal(bw_buf_cstr(&b), "keep:");

	/* the cap: "&lt;" x 4 = 16 bytes; 5 + 16 > 20 fails whole, 5 + 12 fits exactly */
	bw_buf_free(&b);
	bw_buf_init(&b, 20);
	assert_int_equal(bw_buf_append_c(&b, "keep:"), BW_OK);
	assert_int_equal(bw_encode_html_text(&b, "<<<<", 4, REFUSE), BW_ERR_LIMIT);
	assert_string_equal(bw_buf_cstr(&b), "keep:");
	assert_int_equal(bw_encode_log_field(&b, "\x01\x01\x01\x01", 4), BW_ERR_LIMIT);
	assert_string_equal(bw_buf_cstr(&b), "keep:");
	assert_int_equal(bw_encode_html_text(&b, "<<<", 3, REFUSE), BW_OK);
	assert_string_equal(bw_buf_cstr(&b), "keep:&lt;&lt;&lt;");
	assert_int_equal(bw_encode_url_component(&b, "abc", 3, REFUSE), BW_OK);
	assert_int_equal(b.len, 20);
	assert_int_equal(bw_encode_url_component(&b, "a", 1, REFUSE), BW_ERR_LIMIT);
	assert_int_equal(bw_encode_url_component(&b, "", 0, REFUSE), BW_OK);
	assert_int_equal(b.len, 20);
	bw_buf_free(&b);
}

/* Empty input (even a NULL pointer with length 0) appends nothing, for every context. */
static void encode_empty(void **state)
{
	struct bw_buf b;

	(void)state;
	bw_buf_init(&b, 16);
	for (int ctx = 0; ctx < BW_ENCODE__COUNT; ctx++) {
		assert_int_equal(enc((enum bw_encoding)ctx, REFUSE, &b, NULL, 0), BW_OK);
		assert_int_equal(enc((enum bw_encoding)ctx, REPLACE, &b, "", 0), BW_OK);
	}
	assert_int_equal(b.len, 0);
	bw_buf_free(&b);
}

/* Outputs larger than the stack scratch go through the heap path. */
static void encode_large(void **state)
{
	enum { N = 3000 };
	char *in = malloc(N);
	struct bw_buf b;

	(void)state;
	assert_non_null(in);
	memset(in, '<', N);
	bw_buf_init(&b, 4 * N);
	assert_int_equal(bw_encode_html_text(&b, in, N, REFUSE), BW_OK);
	assert_int_equal(b.len, 4 * N);
	for (size_t i = 0; i < b.len; i += 4)
		assert_memory_equal(b.p + i, "&lt;", 4);
	assert_int_equal(bw_encode_html_text(&b, "<", 1, REFUSE), BW_ERR_LIMIT);
	assert_int_equal(b.len, 4 * N);
	bw_buf_free(&b);
	free(in);
}

/* A log field is always writable: every byte value, alone and after a lead byte. */
static void encode_log_never_fails(void **state)
{
	struct bw_buf b;

	(void)state;
	bw_buf_init(&b, 64);
	for (unsigned x = 0; x < 256; x++) {
		for (unsigned lead = 0; lead < 256; lead += 0x11) {
			unsigned char in[2] = {(unsigned char)lead, (unsigned char)x};

			bw_buf_reset(&b);
			assert_int_equal(bw_encode_log_field(&b, in, 2), BW_OK);
			assert_true(bw_utf8_valid(b.p, b.len));
			for (size_t i = 0; i < b.len; i++) {
				unsigned char c = (unsigned char)b.p[i];

				assert_true(c >= 0x20 && c != 0x7F);
			}
		}
	}
	bw_buf_free(&b);
}

static bool only(struct bw_str s, const char *extra)
{
	for (size_t i = 0; i < s.len; i++) {
		char c = s.p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) &&
		    strchr(extra, c) == NULL)
			return false;
	}
	return true;
}

static bool has_any(struct bw_str s, const char *set, size_t nset)
{
	for (size_t i = 0; i < s.len; i++)
		if (memchr(set, s.p[i], nset) != NULL)
			return true;
	return false;
}

/* Every scalar value, through every text context: the safety properties hold. */
static void encode_every_code_point(void **state)
{
	struct bw_buf b;

	(void)state;
	bw_buf_init(&b, 64);
	for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
		uint8_t u[4];
		size_t n = bw_utf8_encode(cp, u);
		struct bw_str o;

		if (n == 0)
			continue;
		bw_buf_reset(&b);
		assert_int_equal(bw_encode_html_text(&b, u, n, REFUSE), BW_OK);
		o = bw_buf_str(&b);
		assert_false(has_any(o, "<>\"'", 4));
		assert_true(bw_utf8_valid(o.p, o.len));

		bw_buf_reset(&b);
		assert_int_equal(bw_encode_html_attr(&b, u, n, REFUSE), BW_OK);
		o = bw_buf_str(&b);
		if (cp < 0x80)
			assert_true(only(o, "&#;") || (o.len == 3 && memcmp(o.p, FFFD, 3) == 0));
		assert_true(bw_utf8_valid(o.p, o.len));

		bw_buf_reset(&b);
		assert_int_equal(bw_encode_js_string(&b, u, n, REFUSE), BW_OK);
		assert_true(only(bw_buf_str(&b), "\\"));

		bw_buf_reset(&b);
		assert_int_equal(bw_encode_css_string(&b, u, n, REFUSE), BW_OK);
		assert_true(only(bw_buf_str(&b), "\\ "));

		bw_buf_reset(&b);
		assert_int_equal(bw_encode_url_component(&b, u, n, REFUSE), BW_OK);
		assert_true(only(bw_buf_str(&b), "%-._~"));

		bw_buf_reset(&b);
		assert_int_equal(bw_encode_json_string(&b, u, n, REFUSE), BW_OK);
		o = bw_buf_str(&b);
		assert_false(has_any(o, "<>&", 3));
		assert_true(bw_utf8_valid(o.p, o.len));
		for (size_t i = 0; i < o.len; i++)
			assert_true((unsigned char)o.p[i] >= 0x20);

		bw_buf_reset(&b);
		assert_int_equal(bw_encode_ldap_filter(&b, u, n), BW_OK);
		o = bw_buf_str(&b);
		assert_false(has_any(o, "*()\0", 4));

		bw_buf_reset(&b);
		assert_int_equal(bw_encode_ldap_dn(&b, u, n), BW_OK);
		o = bw_buf_str(&b);
		assert_false(has_any(o, "*()\0", 4));
		if (has_any(o, ",+\"<>;=", 7)) /* only behind a backslash */
			assert_true(o.len == 2 && o.p[0] == '\\');
	}
	bw_buf_free(&b);
}

/* JSON output parses back (jansson) to the very input, NUL included. */
static void encode_json_round_trip(void **state)
{
	static const struct {
		const char *s;
		size_t len;
	} in[] = {
	        {"</script><script>alert(1)</script>", 34},
	        {"\"\\\b\f\n\r\t\x01\x1F\x7F", 10},
	        {"a\0b", 3},
	        {"\xE2\x80\xA8\xE2\x80\xA9&<>'", 10},
	        {"\xC3\xA9\xF0\x9F\x98\x80\xEF\xBF\xBF", 9},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		struct bw_buf b;
		json_error_t err;
		json_t *j;

		bw_buf_init(&b, 256);
		assert_int_equal(bw_buf_append_byte(&b, '"'), BW_OK);
		assert_int_equal(bw_encode_json_string(&b, in[i].s, in[i].len, REFUSE), BW_OK);
		assert_int_equal(bw_buf_append_byte(&b, '"'), BW_OK);
		j = json_loadb(b.p, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
		assert_non_null(j);
		assert_true(json_is_string(j));
		assert_int_equal(json_string_length(j), in[i].len);
		assert_memory_equal(json_string_value(j), in[i].s, in[i].len);
		json_decref(j);
		bw_buf_free(&b);
	}
}

/* The arena form: same bytes as the buffer form, NUL-terminated, refuses bad UTF-8. */
static void encode_arena_form(void **state)
{
	struct bw_arena *a = bw_arena_new(1 << 16);
	struct bw_str out;

	(void)state;
	assert_non_null(a);
	for (size_t i = 0; i < sizeof(VECTORS) / sizeof(VECTORS[0]); i++) {
		const struct vec *v = &VECTORS[i];
		struct bw_str in = {v->in, vec_len(v)};
		enum bw_err rc = bw_encode_arena(a, v->ctx, in, &out);

		if (v->pol == REPLACE && v->rc == BW_OK && !bw_utf8_valid(in.p, in.len)) {
			/* the arena form refuses where the vector replaced */
			assert_int_equal(rc, BW_ERR_ENCODING);
		} else {
			assert_int_equal(rc, v->rc);
		}
		if (rc == BW_OK) {
			assert_int_equal(out.len, strlen(v->out));
			assert_memory_equal(out.p, v->out, out.len);
			assert_int_equal(out.p[out.len], '\0');
		} else {
			assert_null(out.p);
			assert_int_equal(out.len, 0);
		}
	}
	assert_int_equal(bw_encode_arena(a, BW_ENCODE_JS_STRING, (struct bw_str){NULL, 0}, &out),
	                 BW_OK);
	assert_non_null(out.p);
	assert_int_equal(out.len, 0);
	bw_arena_free(a);

	/* a full arena is an error, not a truncated string */
	a = bw_arena_new(64);
	assert_non_null(a);
	assert_int_equal(bw_encode_arena(a, BW_ENCODE_HTML_TEXT,
	                                 BW_STR("<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<"), &out),
	                 BW_ERR_NOMEM);
	assert_null(out.p);
	bw_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(encode_vectors),         cmocka_unit_test(encode_all_or_nothing),
	        cmocka_unit_test(encode_empty),           cmocka_unit_test(encode_large),
	        cmocka_unit_test(encode_log_never_fails), cmocka_unit_test(encode_every_code_point),
	        cmocka_unit_test(encode_json_round_trip), cmocka_unit_test(encode_arena_form),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
