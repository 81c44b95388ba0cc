/*
 * cookie.c — the strict Cookie header parser and the safe Set-Cookie builder.
 *
 * The parser walks the header once, byte by byte, against RFC 6265's
 * grammar and refuses at the first byte that does not fit; the pairs it
 * returns are slices of the header, never rewritten. The builder checks
 * every piece it is given and assembles the value in a bounded buffer
 * before copying it to the arena, so a refused cookie leaves nothing behind.
 */
#include "bulwark/cookie.h"

#include <string.h>

#include "bulwark/hdrs.h"
#include "bulwark/token.h"

#define HOST_MAX   253
#define LABEL_MAX  63
#define SET_MAX    (BW_COOKIE_PAIR_MAX + BW_COOKIE_PATH_MAX + HOST_MAX + 128)
#define HOST_PFX   "__host-"
#define HOST_PFX_N (sizeof(HOST_PFX) - 1)

/* cookie-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E */
static bool cookie_octet(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) ||
	       (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

/* tchar of RFC 9110 (a cookie-name is a token). */
static bool tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

enum bw_err bw_cookie_parse(struct bw_str header, struct bw_cookies *out)
{
	const unsigned char *p = (const unsigned char *)header.p;
	size_t i = 0, n = header.len;

	BW_REQUIRE(out != NULL);
	BW_REQUIRE(header.p != NULL || header.len == 0);
	out->count = 0;
	if (n == 0)
		return BW_ERR_INVALID;
	if (n > BW_COOKIE_HEADER_MAX)
		return BW_ERR_LIMIT;
	for (;;) {
		struct bw_cookie ck = {{NULL, 0}, {NULL, 0}, false};
		size_t start = i, vstart;

		while (i < n && tchar(p[i]))
			i++;
		if (i == start || i == n || p[i] != '=')
			goto invalid;
		ck.name = (struct bw_str){header.p + start, i - start};
		i++; /* '=' */
		if (i < n && p[i] == '"') {
			ck.quoted = true;
			i++;
			vstart = i;
			while (i < n && cookie_octet(p[i]))
				i++;
			if (i == n || p[i] != '"')
				goto invalid;
			ck.value = (struct bw_str){header.p + vstart, i - vstart};
			i++; /* closing DQUOTE */
		} else {
			vstart = i;
			while (i < n && cookie_octet(p[i]))
				i++;
			ck.value = (struct bw_str){header.p + vstart, i - vstart};
		}
		if (ck.name.len + ck.value.len > BW_COOKIE_PAIR_MAX) {
			out->count = 0;
			return BW_ERR_LIMIT;
		}
		if (out->count == BW_COOKIE_MAX) {
			out->count = 0;
			return BW_ERR_LIMIT;
		}
		out->items[out->count++] = ck;
		if (i == n)
			return BW_OK;
		/* exactly "; " and then another pair */
		if (n - i < 3 || p[i] != ';' || p[i + 1] != ' ')
			goto invalid;
		i += 2;
	}
invalid:
	out->count = 0;
	return BW_ERR_INVALID;
}

/* The index of the one cookie named name; see bw_cookie_get for the errors. */
static enum bw_err find(const struct bw_cookies *c, struct bw_str name, size_t *at)
{
	size_t exact = 0, any = 0;

	BW_REQUIRE(c != NULL && c->count <= BW_COOKIE_MAX);
	for (size_t i = 0; i < c->count; i++) {
		if (!bw_str_caseeq(c->items[i].name, name))
			continue;
		any++;
		if (bw_str_eq(c->items[i].name, name)) {
			exact++;
			*at = i;
		}
	}
	if (any == 0)
		return BW_ERR_NOT_FOUND;
	if (any > 1 || exact != 1)
		return BW_ERR_DENIED;
	return BW_OK;
}

enum bw_err bw_cookie_get(const struct bw_cookies *c, struct bw_str name, struct bw_str *value)
{
	size_t at = 0;
	enum bw_err rc;

	BW_REQUIRE(value != NULL);
	rc = find(c, name, &at);
	if (rc == BW_OK)
		*value = c->items[at].value;
	return rc;
}

/* ---- building ---- */

struct out {
	char buf[SET_MAX];
	size_t len;
	bool over;
};

static void put(struct out *o, const char *p, size_t n)
{
	if (o->over || n > sizeof(o->buf) - 1 - o->len) {
		o->over = true;
		return;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void put_c(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void put_u32(struct out *o, uint32_t v)
{
	char d[10];
	size_t n = 0;

	do {
		d[sizeof(d) - 1 - n++] = (char)('0' + v % 10u);
		v /= 10u;
	} while (v != 0);
	put(o, d + sizeof(d) - n, n);
}

static bool path_ok(const char *path)
{
	size_t n = strlen(path);

	if (n == 0 || n > BW_COOKIE_PATH_MAX || path[0] != '/')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];

		if (c < 0x21 || c > 0x7e || c == ';' || c == ',')
			return false;
	}
	return true;
}

/* Lower-case LDH labels separated by single dots; no leading or trailing dot. */
static bool domain_ok(const char *d)
{
	size_t n = strlen(d), label = 0;

	if (n == 0 || n > HOST_MAX)
		return false;
	for (size_t i = 0; i <= n; i++) {
		char c = i < n ? d[i] : '.';

		if (c == '.') {
			if (label == 0 || d[i - 1] == '-' || d[i - label] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
		if (++label > LABEL_MAX)
			return false;
	}
	return true;
}

static bool host_prefixed(struct bw_str name)
{
	return name.len >= HOST_PFX_N && bw_str_caseeq((struct bw_str){name.p, HOST_PFX_N},
	                                               (struct bw_str){HOST_PFX, HOST_PFX_N});
}

static enum bw_err build(struct bw_arena *a, struct bw_str name, struct bw_str value,
                         const struct bw_cookie_opts *opts, bool deletion, const char **out)
{
	static const struct bw_cookie_opts defaults = {NULL, NULL, 0, BW_SAMESITE_LAX, false};
	static const char *const samesite[] = {"Lax", "Strict", "None"};
	struct out o;
	const char *path;
	char *copy;

	BW_REQUIRE(a != NULL && out != NULL);
	BW_REQUIRE((name.p != NULL || name.len == 0) && (value.p != NULL || value.len == 0));
	if (opts == NULL)
		opts = &defaults;
	path = opts->path != NULL ? opts->path : "/";
	if (!bw_hdr_name_valid(name))
		return BW_ERR_INVALID;
	for (size_t i = 0; i < value.len; i++)
		if (!cookie_octet((unsigned char)value.p[i]))
			return BW_ERR_INVALID;
	if (name.len > BW_COOKIE_PAIR_MAX || value.len > BW_COOKIE_PAIR_MAX - name.len)
		return BW_ERR_LIMIT;
	if (!path_ok(path) || (opts->domain != NULL && !domain_ok(opts->domain)))
		return BW_ERR_INVALID;
	if (host_prefixed(name) && (strcmp(path, "/") != 0 || opts->domain != NULL))
		return BW_ERR_INVALID;
	if ((unsigned)opts->same_site > (unsigned)BW_SAMESITE_NONE)
		return BW_ERR_INVALID;
	if (!deletion && opts->max_age > BW_COOKIE_MAX_AGE_MAX)
		return BW_ERR_RANGE;

	o.len = 0;
	o.over = false;
	put(&o, name.p, name.len);
	put_c(&o, "=");
	if (!deletion)
		put(&o, value.p, value.len);
	if (deletion) {
		put_c(&o, "; Max-Age=0");
	} else if (opts->max_age != 0) {
		put_c(&o, "; Max-Age=");
		put_u32(&o, opts->max_age);
	}
	put_c(&o, "; Path=");
	put_c(&o, path);
	if (opts->domain != NULL) {
		put_c(&o, "; Domain=");
		put_c(&o, opts->domain);
	}
	put_c(&o, "; Secure");
	if (!opts->script_readable)
		put_c(&o, "; HttpOnly");
	put_c(&o, "; SameSite=");
	put_c(&o, samesite[opts->same_site]);
	if (o.over)
		return BW_ERR_INTERNAL; /* SET_MAX covers every accepted input */
	copy = bw_arena_strndup(a, o.buf, o.len);
	bw_wipe(o.buf, o.len); /* it held the value, maybe a session token */
	if (copy == NULL)
		return BW_ERR_NOMEM;
	*out = copy;
	return BW_OK;
}

enum bw_err bw_cookie_build(struct bw_arena *a, struct bw_str name, struct bw_str value,
                            const struct bw_cookie_opts *opts, const char **out)
{
	return build(a, name, value, opts, false, out);
}

enum bw_err bw_cookie_build_delete(struct bw_arena *a, struct bw_str name,
                                   const struct bw_cookie_opts *opts, const char **out)
{
	return build(a, name, (struct bw_str){NULL, 0}, opts, true, out);
}

enum bw_err bw_cookie_session_build(struct bw_arena *a, struct bw_str token,
                                    enum bw_samesite same_site, uint32_t max_age, const char **out)
{
	struct bw_cookie_opts opts = {NULL, NULL, max_age, same_site, false};
	uint8_t raw[BW_TOKEN_BYTES];
	enum bw_err rc;

	if (same_site != BW_SAMESITE_LAX && same_site != BW_SAMESITE_STRICT)
		return BW_ERR_INVALID;
	rc = bw_token_parse(token, raw);
	bw_wipe(raw, sizeof(raw));
	if (rc != BW_OK)
		return rc;
	return build(a, BW_STR(BW_SESSION_COOKIE), token, &opts, false, out);
}

enum bw_err bw_cookie_session_delete(struct bw_arena *a, const char **out)
{
	return build(a, BW_STR(BW_SESSION_COOKIE), (struct bw_str){NULL, 0}, NULL, true, out);
}

enum bw_err bw_cookie_session_get(const struct bw_cookies *c, struct bw_str *token)
{
	uint8_t raw[BW_TOKEN_BYTES];
	size_t at = 0;
	enum bw_err rc;

	BW_REQUIRE(token != NULL);
	rc = find(c, BW_STR(BW_SESSION_COOKIE), &at);
	if (rc != BW_OK)
		return rc;
	if (c->items[at].quoted)
		return BW_ERR_INVALID; /* our builder never quotes: someone else set this one */
	rc = bw_token_parse(c->items[at].value, raw);
	bw_wipe(raw, sizeof(raw));
	if (rc != BW_OK)
		return rc;
	*token = c->items[at].value;
	return BW_OK;
}
