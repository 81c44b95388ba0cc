/* test_cookie.c — the strict Cookie parser, duplicate handling, and the safe Set-Cookie builder. */
#include "bw_test.h"

#include <stdio.h>
#include <stdlib.h>

#include "bulwark/cookie.h"
#include "bulwark/token.h"

static struct bw_arena *arena;

static const char tok[] = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8";

static int setup_each(void **state)
{
	(void)state;
	arena = bw_arena_new(1 << 16);
	return arena == NULL;
}

static int teardown_each(void **state)
{
	(void)state;
	bw_arena_free(arena);
	return 0;
}

static void assert_pair(const struct bw_cookies *c, size_t i, const char *name, const char *value)
{
	assert_true(i < c->count);
	assert_int_equal(c->items[i].name.len, strlen(name));
	assert_memory_equal(c->items[i].name.p, name, strlen(name));
	assert_int_equal(c->items[i].value.len, strlen(value));
	if (strlen(value) > 0)
		assert_memory_equal(c->items[i].value.p, value, strlen(value));
}

static void parse_accepts(void **state)
{
	struct bw_cookies c;
	const char *h;
	const char all[] =
	        "!#$%&'()*+-./0123456789:<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijkl"
	        "mnopqrstuvwxyz{|}~";

	(void)state;
	h = "a=b";
	assert_int_equal(bw_cookie_parse(bw_str_c(h), &c), BW_OK);
	assert_int_equal(c.count, 1);
	assert_pair(&c, 0, "a", "b");
	assert_ptr_equal(c.items[0].name.p, h); /* borrowed, not copied */
	assert_ptr_equal(c.items[0].value.p, h + 2);

	h = "sid=abc; ui=dark; empty=; q=\"quoted\"; __Host-x=1";
	assert_int_equal(bw_cookie_parse(bw_str_c(h), &c), BW_OK);
	assert_int_equal(c.count, 5);
	assert_pair(&c, 0, "sid", "abc");
	assert_pair(&c, 1, "ui", "dark");
	assert_pair(&c, 2, "empty", "");
	assert_pair(&c, 3, "q", "quoted");
	assert_true(c.items[3].quoted);
	assert_false(c.items[0].quoted);
	assert_pair(&c, 4, "__Host-x", "1");

	/* every cookie-octet in a value ('=' included), every tchar in a name */
	{
		char buf[256];

		assert_true((size_t)snprintf(buf, sizeof(buf), "!#$%%&'*+-.^_`|~Az09=%s", all) <
		            sizeof(buf));
		assert_int_equal(bw_cookie_parse(bw_str_c(buf), &c), BW_OK);
		assert_int_equal(c.count, 1);
		assert_pair(&c, 0, "!#$%&'*+-.^_`|~Az09", all);
	}
	/* a quoted empty value */
	assert_int_equal(bw_cookie_parse(BW_STR("a=\"\""), &c), BW_OK);
	assert_pair(&c, 0, "a", "");
	assert_true(c.items[0].quoted);
}

static void parse_refuses(void **state)
{
	static const char *const bad[] = {
	        "",           "a",          "=b",        "a=b;c=d",   "a=b;  c=d", "a=b; ",
	        "a=b;",       " a=b",       "a=b ",      "a=b c",     "a=b,c=d",   "a=\"b",
	        "a=\"b\"c",   "a=b\"",      "a=\"b;c\"", "a=b\\c",    "a=b\tc",    "a b=c",
	        "a(=c",       "a=b; ; c=d", "a=b;; c=d", "a=b; =c",   "a=b\x7f",   "a=b\xc3\xa9",
	        "a=b\r\nc=d", "a==\"x\"\"", "; a=b",     "a=b;\tc=d", "a=b , c=d", "a=\"b\" ",
	        "\"a\"=b",    "a=b\x01",    "a=\"\"\"",  "a=b; c",
	};
	struct bw_cookies c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c.count = 7;
		if (bw_cookie_parse(bw_str_c(bad[i]), &c) != BW_ERR_INVALID)
			fail_msg("accepted: [%s]", bad[i]);
		assert_int_equal(c.count, 0);
	}
	/* an embedded NUL */
	assert_int_equal(bw_cookie_parse((struct bw_str){"a=b\0c", 5}, &c), BW_ERR_INVALID);
	assert_int_equal(bw_cookie_parse((struct bw_str){"a=b; \0=c", 8}, &c), BW_ERR_INVALID);
}

static void parse_limits(void **state)
{
	struct bw_cookies c;
	char *buf = malloc(BW_COOKIE_HEADER_MAX + 16);
	size_t n = 0;

	(void)state;
	assert_non_null(buf);
	/* exactly BW_COOKIE_MAX pairs: accepted; one more: refused */
	for (int i = 0; i < BW_COOKIE_MAX; i++)
		n += (size_t)snprintf(buf + n, 32, "%sc%d=v", i ? "; " : "", i);
	assert_int_equal(bw_cookie_parse((struct bw_str){buf, n}, &c), BW_OK);
	assert_int_equal(c.count, BW_COOKIE_MAX);
	n += (size_t)snprintf(buf + n, 32, "; extra=v");
	assert_int_equal(bw_cookie_parse((struct bw_str){buf, n}, &c), BW_ERR_LIMIT);
	assert_int_equal(c.count, 0);

	/* one pair of exactly BW_COOKIE_PAIR_MAX bytes: accepted; one more byte: refused */
	buf[0] = 'n';
	buf[1] = '=';
	memset(buf + 2, 'v', BW_COOKIE_PAIR_MAX - 1);
	assert_int_equal(bw_cookie_parse((struct bw_str){buf, BW_COOKIE_PAIR_MAX + 1}, &c), BW_OK);
	assert_int_equal(c.items[0].value.len, BW_COOKIE_PAIR_MAX - 1);
	buf[BW_COOKIE_PAIR_MAX + 1] = 'v';
	assert_int_equal(bw_cookie_parse((struct bw_str){buf, BW_COOKIE_PAIR_MAX + 2}, &c),
	                 BW_ERR_LIMIT);
	/* the same cap holds for a quoted value (quotes not counted) */
	buf[2] = '"';
	buf[BW_COOKIE_PAIR_MAX + 1] = '"';
	assert_int_equal(bw_cookie_parse((struct bw_str){buf, BW_COOKIE_PAIR_MAX + 2}, &c), BW_OK);
	buf[BW_COOKIE_PAIR_MAX + 1] = 'v';
	buf[BW_COOKIE_PAIR_MAX + 2] = '"';
	assert_int_equal(bw_cookie_parse((struct bw_str){buf, BW_COOKIE_PAIR_MAX + 3}, &c), BW_OK);
	assert_int_equal(c.items[0].value.len, BW_COOKIE_PAIR_MAX - 1);
	buf[BW_COOKIE_PAIR_MAX + 2] = 'v';
	buf[BW_COOKIE_PAIR_MAX + 3] = '"';
	assert_int_equal(bw_cookie_parse((struct bw_str){buf, BW_COOKIE_PAIR_MAX + 4}, &c),
	                 BW_ERR_LIMIT);

	/* a header of exactly BW_COOKIE_HEADER_MAX bytes: accepted; one more: refused */
	n = 0;
	while (n < BW_COOKIE_HEADER_MAX) {
		size_t room = BW_COOKIE_HEADER_MAX - n - (n ? 2 : 0);
		size_t v = room > 2000 ? 2000 : room - 2;

		if (n) {
			buf[n++] = ';';
			buf[n++] = ' ';
		}
		buf[n++] = 'k';
		buf[n++] = '=';
		memset(buf + n, 'x', v);
		n += v;
	}
	assert_int_equal(n, BW_COOKIE_HEADER_MAX);
	assert_int_equal(bw_cookie_parse((struct bw_str){buf, n}, &c), BW_OK);
	buf[n++] = 'x';
	assert_int_equal(bw_cookie_parse((struct bw_str){buf, n}, &c), BW_ERR_LIMIT);
	free(buf);
}

static void get_refuses_duplicates(void **state)
{
	struct bw_cookies c;
	struct bw_str v = {NULL, 0};

	(void)state;
	assert_int_equal(bw_cookie_parse(BW_STR("a=1; b=2; a=3; B=4; cc=5"), &c), BW_OK);
	assert_int_equal(bw_cookie_get(&c, BW_STR("cc"), &v), BW_OK);
	assert_int_equal(v.len, 1);
	assert_memory_equal(v.p, "5", 1);
	assert_int_equal(bw_cookie_get(&c, BW_STR("a"), &v), BW_ERR_DENIED);
	assert_int_equal(bw_cookie_get(&c, BW_STR("b"), &v), BW_ERR_DENIED); /* b and B */
	assert_int_equal(bw_cookie_get(&c, BW_STR("c"), &v), BW_ERR_NOT_FOUND);
	assert_int_equal(bw_cookie_get(&c, BW_STR("CC"), &v), BW_ERR_DENIED); /* only "cc" sent */
	assert_memory_equal(v.p, "5", 1);                                     /* untouched */
}

static void session_get(void **state)
{
	struct bw_cookies c;
	struct bw_str t = {NULL, 0};
	char h[256];

	(void)state;
	snprintf(h, sizeof(h), "ui=dark; " BW_SESSION_COOKIE "=%s", tok);
	assert_int_equal(bw_cookie_parse(bw_str_c(h), &c), BW_OK);
	assert_int_equal(bw_cookie_session_get(&c, &t), BW_OK);
	assert_int_equal(t.len, BW_TOKEN_TEXT_LEN);
	assert_memory_equal(t.p, tok, BW_TOKEN_TEXT_LEN);

	/* cookie tossing: a second session cookie, before or after */
	snprintf(h, sizeof(h), BW_SESSION_COOKIE "=%s; " BW_SESSION_COOKIE "=%s", tok, tok);
	assert_int_equal(bw_cookie_parse(bw_str_c(h), &c), BW_OK);
	assert_int_equal(bw_cookie_session_get(&c, &t), BW_ERR_DENIED);
	snprintf(h, sizeof(h), "__host-bulwark_session=%s; " BW_SESSION_COOKIE "=%s", tok, tok);
	assert_int_equal(bw_cookie_parse(bw_str_c(h), &c), BW_OK);
	assert_int_equal(bw_cookie_session_get(&c, &t), BW_ERR_DENIED);
	snprintf(h, sizeof(h), "__HOST-BULWARK_SESSION=%s", tok);
	assert_int_equal(bw_cookie_parse(bw_str_c(h), &c), BW_OK);
	assert_int_equal(bw_cookie_session_get(&c, &t), BW_ERR_DENIED);
	/* the unprefixed name is another cookie altogether */
	snprintf(h, sizeof(h), "bulwark_session=%s", tok);
	assert_int_equal(bw_cookie_parse(bw_str_c(h), &c), BW_OK);
	assert_int_equal(bw_cookie_session_get(&c, &t), BW_ERR_NOT_FOUND);
	/* quoted, malformed, empty */
	snprintf(h, sizeof(h), BW_SESSION_COOKIE "=\"%s\"", tok);
	assert_int_equal(bw_cookie_parse(bw_str_c(h), &c), BW_OK);
	assert_int_equal(bw_cookie_session_get(&c, &t), BW_ERR_INVALID);
	snprintf(h, sizeof(h), BW_SESSION_COOKIE "=%sA", tok);
	assert_int_equal(bw_cookie_parse(bw_str_c(h), &c), BW_OK);
	assert_int_equal(bw_cookie_session_get(&c, &t), BW_ERR_INVALID);
	assert_int_equal(bw_cookie_parse(BW_STR(BW_SESSION_COOKIE "="), &c), BW_OK);
	assert_int_equal(bw_cookie_session_get(&c, &t), BW_ERR_INVALID);
	assert_int_equal(t.len, BW_TOKEN_TEXT_LEN); /* untouched on errors */
}

static void build_defaults_and_options(void **state)
{
	const char *out = NULL;
	struct bw_cookie_opts o = {0};

	(void)state;
	assert_int_equal(bw_cookie_build(arena, BW_STR("ui"), BW_STR("dark"), NULL, &out), BW_OK);
	assert_string_equal(out, "ui=dark; Path=/; Secure; HttpOnly; SameSite=Lax");
	assert_int_equal(bw_cookie_build(arena, BW_STR("ui"), BW_STR("dark"), &o, &out), BW_OK);
	assert_string_equal(out, "ui=dark; Path=/; Secure; HttpOnly; SameSite=Lax");

	o.path = "/app";
	o.domain = "example.com";
	o.max_age = 3600;
	o.same_site = BW_SAMESITE_STRICT;
	o.script_readable = true;
	assert_int_equal(bw_cookie_build(arena, BW_STR("pref"), BW_STR(""), &o, &out), BW_OK);
	assert_string_equal(out, "pref=; Max-Age=3600; Path=/app; Domain=example.com; Secure; "
	                         "SameSite=Strict");
	o = (struct bw_cookie_opts){0};
	o.same_site = BW_SAMESITE_NONE;
	o.max_age = BW_COOKIE_MAX_AGE_MAX;
	assert_int_equal(bw_cookie_build(arena, BW_STR("embed"), BW_STR("1"), &o, &out), BW_OK);
	assert_string_equal(out,
	                    "embed=1; Max-Age=34560000; Path=/; Secure; HttpOnly; SameSite=None");
	o = (struct bw_cookie_opts){0};
	o.max_age = 1;
	assert_int_equal(bw_cookie_build(arena, BW_STR("__Host-x"), BW_STR("y"), &o, &out), BW_OK);
	assert_string_equal(out, "__Host-x=y; Max-Age=1; Path=/; Secure; HttpOnly; SameSite=Lax");
	o.path = "/";
	assert_int_equal(bw_cookie_build(arena, BW_STR("__Host-x"), BW_STR("y"), &o, &out), BW_OK);
	/* what was built parses back to the same pair, and the header checks accept it */
	{
		struct bw_cookies c;
		const char *semi = strchr(out, ';');

		assert_int_equal(bw_cookie_parse((struct bw_str){out, (size_t)(semi - out)}, &c),
		                 BW_OK);
		assert_pair(&c, 0, "__Host-x", "y");
		assert_true(bw_hdr_value_valid(bw_str_c(out)));
	}
}

static void build_refuses(void **state)
{
	const char *out = "untouched";
	struct bw_cookie_opts o = {0};
	static const char *const bad_names[] = {"",      "a b",      "a;b",  "a=b", "a,b", "a\"b",
	                                        "a\x01", "\xc3\xa9", "a(b)", "a/b", "a\tb"};
	static const char *const bad_values[] = {
	        "a b",  "a;b", "a\"b", "a,b", "a\\b", "a\x7f", "\xc3\xa9", "a\r\nSet-Cookie: x=y",
	        "\"q\""};
	static const char *const bad_paths[] = {"",     "app",    "/a b",      "/a;b",
	                                        "/a,b", "/a\x01", "/\xc3\xa9", "/a\tb"};
	static const char *const bad_domains[] = {"",      ".example.com", "Example.com",  "a..b",
	                                          "-a.b",  "a-.b",         "example.com.", "a_b.c",
	                                          "a b.c", "a.b;x",        "*.example.com"};
	char *longp;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
		if (bw_cookie_build(arena, bw_str_c(bad_names[i]), BW_STR("v"), NULL, &out) !=
		    BW_ERR_INVALID)
			fail_msg("name accepted: [%s]", bad_names[i]);
	for (size_t i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++)
		if (bw_cookie_build(arena, BW_STR("n"), bw_str_c(bad_values[i]), NULL, &out) !=
		    BW_ERR_INVALID)
			fail_msg("value accepted: [%s]", bad_values[i]);
	assert_int_equal(
	        bw_cookie_build(arena, BW_STR("n"), (struct bw_str){"a\0b", 3}, NULL, &out),
	        BW_ERR_INVALID);
	for (size_t i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); i++) {
		o.path = bad_paths[i];
		if (bw_cookie_build(arena, BW_STR("n"), BW_STR("v"), &o, &out) != BW_ERR_INVALID)
			fail_msg("path accepted: [%s]", bad_paths[i]);
	}
	o.path = NULL;
	for (size_t i = 0; i < sizeof(bad_domains) / sizeof(bad_domains[0]); i++) {
		o.domain = bad_domains[i];
		if (bw_cookie_build(arena, BW_STR("n"), BW_STR("v"), &o, &out) != BW_ERR_INVALID)
			fail_msg("domain accepted: [%s]", bad_domains[i]);
	}
	/* a domain of 254 bytes, and a label of 64 */
	longp = malloc(BW_COOKIE_PATH_MAX + 2);
	assert_non_null(longp);
	for (size_t i = 0; i < 254; i++)
		longp[i] = (i % 10 == 9) ? '.' : 'a';
	longp[254] = '\0';
	o.domain = longp;
	assert_int_equal(bw_cookie_build(arena, BW_STR("n"), BW_STR("v"), &o, &out),
	                 BW_ERR_INVALID);
	longp[253] = '\0';
	assert_int_equal(bw_cookie_build(arena, BW_STR("n"), BW_STR("v"), &o, &out), BW_OK);
	memset(longp, 'a', 64);
	memcpy(longp + 64, ".com", 5);
	assert_int_equal(bw_cookie_build(arena, BW_STR("n"), BW_STR("v"), &o, &out),
	                 BW_ERR_INVALID);
	longp[0] = '.';
	assert_int_equal(bw_cookie_build(arena, BW_STR("n"), BW_STR("v"), &o, &out),
	                 BW_ERR_INVALID);
	o.domain = NULL;
	/* a path of BW_COOKIE_PATH_MAX is fine, one byte more is not */
	longp[0] = '/';
	memset(longp + 1, 'p', BW_COOKIE_PATH_MAX - 1);
	longp[BW_COOKIE_PATH_MAX] = '\0';
	o.path = longp;
	assert_int_equal(bw_cookie_build(arena, BW_STR("n"), BW_STR("v"), &o, &out), BW_OK);
	longp[BW_COOKIE_PATH_MAX] = 'p';
	longp[BW_COOKIE_PATH_MAX + 1] = '\0';
	assert_int_equal(bw_cookie_build(arena, BW_STR("n"), BW_STR("v"), &o, &out),
	                 BW_ERR_INVALID);
	o.path = NULL;
	free(longp);

	/* __Host- rules, in any case of the prefix */
	o.path = "/app";
	assert_int_equal(bw_cookie_build(arena, BW_STR("__Host-s"), BW_STR("v"), &o, &out),
	                 BW_ERR_INVALID);
	assert_int_equal(bw_cookie_build(arena, BW_STR("__host-s"), BW_STR("v"), &o, &out),
	                 BW_ERR_INVALID);
	o.path = NULL;
	o.domain = "example.com";
	assert_int_equal(bw_cookie_build(arena, BW_STR("__Host-s"), BW_STR("v"), &o, &out),
	                 BW_ERR_INVALID);
	assert_int_equal(bw_cookie_build(arena, BW_STR("__HOST-s"), BW_STR("v"), &o, &out),
	                 BW_ERR_INVALID);
	/* not the prefix: allowed with a Domain */
	assert_int_equal(bw_cookie_build(arena, BW_STR("__Hostx"), BW_STR("v"), &o, &out), BW_OK);
	o.domain = NULL;

	/* Max-Age and SameSite bounds */
	o.max_age = BW_COOKIE_MAX_AGE_MAX + 1;
	out = "untouched";
	assert_int_equal(bw_cookie_build(arena, BW_STR("n"), BW_STR("v"), &o, &out), BW_ERR_RANGE);
	assert_string_equal(out, "untouched");
	o.max_age = 0;
	o.same_site = (enum bw_samesite)3;
	assert_int_equal(bw_cookie_build(arena, BW_STR("n"), BW_STR("v"), &o, &out),
	                 BW_ERR_INVALID);
	o.same_site = BW_SAMESITE_LAX;
}

static void build_limits(void **state)
{
	const char *out = NULL;
	char *v = malloc(BW_COOKIE_PAIR_MAX + 1);
	struct bw_arena *tiny = bw_arena_new(32);

	(void)state;
	assert_non_null(v);
	assert_non_null(tiny);
	memset(v, 'v', BW_COOKIE_PAIR_MAX + 1);
	/* name + value = BW_COOKIE_PAIR_MAX: fine; one byte more: refused */
	assert_int_equal(bw_cookie_build(arena, BW_STR("n"),
	                                 (struct bw_str){v, BW_COOKIE_PAIR_MAX - 1}, NULL, &out),
	                 BW_OK);
	assert_int_equal(strlen(out), BW_COOKIE_PAIR_MAX + 1 +
	                                      strlen("; Path=/; Secure; "
	                                             "HttpOnly; SameSite=Lax"));
	assert_int_equal(bw_cookie_build(arena, BW_STR("n"), (struct bw_str){v, BW_COOKIE_PAIR_MAX},
	                                 NULL, &out),
	                 BW_ERR_LIMIT);
	assert_int_equal(bw_cookie_build(arena, (struct bw_str){v, BW_COOKIE_PAIR_MAX + 1},
	                                 BW_STR(""), NULL, &out),
	                 BW_ERR_LIMIT);
	/* the arena is full */
	out = "untouched";
	assert_int_equal(bw_cookie_build(tiny, BW_STR("n"), BW_STR("a-value-longer-than-the-arena"),
	                                 NULL, &out),
	                 BW_ERR_NOMEM);
	assert_string_equal(out, "untouched");
	bw_arena_free(tiny);
	free(v);
}

static void build_delete(void **state)
{
	const char *out = NULL;
	struct bw_cookie_opts o = {0};

	(void)state;
	assert_int_equal(bw_cookie_build_delete(arena, BW_STR("ui"), NULL, &out), BW_OK);
	assert_string_equal(out, "ui=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax");
	o.path = "/app";
	o.domain = "example.com";
	o.max_age = 99; /* ignored */
	assert_int_equal(bw_cookie_build_delete(arena, BW_STR("ui"), &o, &out), BW_OK);
	assert_string_equal(out, "ui=; Max-Age=0; Path=/app; Domain=example.com; Secure; HttpOnly; "
	                         "SameSite=Lax");
	o.max_age = BW_COOKIE_MAX_AGE_MAX + 1; /* still ignored: nothing to bound */
	assert_int_equal(bw_cookie_build_delete(arena, BW_STR("ui"), &o, &out), BW_OK);
	assert_int_equal(bw_cookie_build_delete(arena, BW_STR("__Host-s"), &o, &out),
	                 BW_ERR_INVALID);
	assert_int_equal(bw_cookie_build_delete(arena, BW_STR("a b"), NULL, &out), BW_ERR_INVALID);
}

static void session_cookie(void **state)
{
	const char *out = NULL;
	char want[256];

	(void)state;
	assert_int_equal(bw_cookie_session_build(arena, bw_str_c(tok), BW_SAMESITE_LAX, 0, &out),
	                 BW_OK);
	snprintf(want, sizeof(want),
	         "__Host-bulwark_session=%s; Path=/; Secure; HttpOnly; SameSite=Lax", tok);
	assert_string_equal(out, want);
	assert_int_equal(
	        bw_cookie_session_build(arena, bw_str_c(tok), BW_SAMESITE_STRICT, 43200, &out),
	        BW_OK);
	snprintf(want, sizeof(want),
	         "__Host-bulwark_session=%s; Max-Age=43200; Path=/; Secure; HttpOnly; "
	         "SameSite=Strict",
	         tok);
	assert_string_equal(out, want);
	/* None is not offered for the session; nor is anything but a token */
	assert_int_equal(bw_cookie_session_build(arena, bw_str_c(tok), BW_SAMESITE_NONE, 0, &out),
	                 BW_ERR_INVALID);
	assert_int_equal(
	        bw_cookie_session_build(arena, bw_str_c(tok), (enum bw_samesite)7, 0, &out),
	        BW_ERR_INVALID);
	assert_int_equal(bw_cookie_session_build(arena, BW_STR("short"), BW_SAMESITE_LAX, 0, &out),
	                 BW_ERR_INVALID);
	assert_int_equal(bw_cookie_session_build(arena,
	                                         BW_STR("QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xd;"
	                                                "x="),
	                                         BW_SAMESITE_LAX, 0, &out),
	                 BW_ERR_INVALID);
	assert_int_equal(bw_cookie_session_build(arena, bw_str_c(tok), BW_SAMESITE_LAX,
	                                         BW_COOKIE_MAX_AGE_MAX + 1, &out),
	                 BW_ERR_RANGE);
	assert_int_equal(bw_cookie_session_delete(arena, &out), BW_OK);
	assert_string_equal(out, "__Host-bulwark_session=; Max-Age=0; Path=/; Secure; HttpOnly; "
	                         "SameSite=Lax");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(parse_accepts),
	        cmocka_unit_test(parse_refuses),
	        cmocka_unit_test(parse_limits),
	        cmocka_unit_test(get_refuses_duplicates),
	        cmocka_unit_test(session_get),
	        cmocka_unit_test_setup_teardown(build_defaults_and_options, setup_each,
	                                        teardown_each),
	        cmocka_unit_test_setup_teardown(build_refuses, setup_each, teardown_each),
	        cmocka_unit_test_setup_teardown(build_limits, setup_each, teardown_each),
	        cmocka_unit_test_setup_teardown(build_delete, setup_each, teardown_each),
	        cmocka_unit_test_setup_teardown(session_cookie, setup_each, teardown_each),
	};

	if (bw_init() != BW_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
