/*
 * oauth_client_parse.c — the parsers of what clients send at registration
 * and authentication: redirect URIs (the rules in oauth_clients.h) and the
 * HTTP Basic credentials of client_secret_basic. Pure functions, no state,
 * fuzzed by fuzz/fuzz_oauth_client.c.
 */
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "oauth_clients.h"
#include "oauth_clients_int.h"

#define BASIC_MAX 1024 /* base64 of a client_id, a secret and their escapes */

/* ---- redirect URIs ------------------------------------------------------- */

static bool is_alpha(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 3986 path / query characters (pchar, "/" and "?"), %HH escapes checked. */
static bool path_ok(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = p[i];

		if (c == '%') {
			if (i + 2 >= len)
				return false;
			if (!is_hex(p[i + 1]) || !is_hex(p[i + 2]))
				return false;
			i += 2;
			continue;
		}
		if (is_alpha(c) || (c >= 'A' && c <= 'Z') || is_digit(c) ||
		    strchr("-._~!$&'()+,;=:@/?", c) != NULL)
			continue;
		return false; /* '*' (no wildcards), '#', '\\', '<', '"', space, … */
	}
	return true;
}

/* ":PORT" (1..65535, no leading zero) or nothing. */
static bool port_ok(const char *p, size_t len)
{
	uint64_t v;

	if (len == 0)
		return true;
	return p[0] == ':' && bw_parse_u64((struct bw_str){p + 1, len - 1}, 1, 65535, &v) == BW_OK;
}

/* An https host: lower-case DNS labels (not "localhost"), or an IPv4 literal. */
static bool https_host_ok(const char *h, size_t len)
{
	size_t label = 0;

	if (len == 0 || len > 253 || h[0] == '.' || h[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (h[i] == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (is_alpha(h[i]) || is_digit(h[i]) || h[i] == '-') {
			if (++label > 63)
				return false;
		} else {
			return false; /* upper case (not canonical), '_', '[', '@' (userinfo), … */
		}
	}
	/* RFC 8252 §8.3: "localhost" may resolve anywhere; loopback is by literal only */
	if ((len == 9 && memcmp(h, "localhost", 9) == 0) ||
	    (len > 10 && memcmp(h + len - 10, ".localhost", 10) == 0))
		return false;
	return true;
}

/* The authority (host and port) of "scheme://" + rest: its length in *alen. */
static size_t authority_len(const char *rest, size_t len)
{
	size_t i = 0;

	while (i < len && rest[i] != '/' && rest[i] != '?')
		i++;
	return i;
}

/* The length of the host part of an authority ("[::1]:8080" → 5). */
static size_t host_len(const char *a, size_t len)
{
	if (len > 0 && a[0] == '[') {
		const char *close = memchr(a, ']', len);

		return close != NULL ? (size_t)(close - a) + 1 : len;
	}
	for (size_t i = 0; i < len; i++)
		if (a[i] == ':')
			return i;
	return len;
}

static bool is_loopback_host(const char *h, size_t len)
{
	return (len == 9 && memcmp(h, "127.0.0.1", 9) == 0) ||
	       (len == 5 && memcmp(h, "[::1]", 5) == 0);
}

/* Schemes a private-use redirect can never have (RFC 8252 §7.1 wants a reverse
 * domain name, which these lack anyway; listed so the intent is plain). */
static bool scheme_banned(const char *s, size_t len)
{
	static const char *const banned[] = {"javascript", "data",  "vbscript", "file",
	                                     "blob",       "about", "ws",       "wss"};

	for (size_t i = 0; i < sizeof(banned) / sizeof(banned[0]); i++)
		if (strlen(banned[i]) == len && memcmp(s, banned[i], len) == 0)
			return true;
	return false;
}

bool bw_oauth_redirect_uri_valid(struct bw_str uri)
{
	size_t slen = 0, alen, hlen;
	const char *rest;
	size_t rlen;
	bool has_dot = false;

	if (uri.len == 0 || uri.len > BW_CLIENT_REDIRECT_MAX)
		return false;
	for (size_t i = 0; i < uri.len; i++)
		if ((unsigned char)uri.p[i] <= 0x20 || (unsigned char)uri.p[i] >= 0x7f ||
		    uri.p[i] == '#' || uri.p[i] == '*')
			return false;
	/* scheme = lower-case ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
	if (!is_alpha(uri.p[0]))
		return false;
	while (slen < uri.len && uri.p[slen] != ':') {
		char c = uri.p[slen];

		if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.')
			return false;
		has_dot |= c == '.';
		slen++;
	}
	if (slen == uri.len || slen == 0)
		return false;
	rest = uri.p + slen + 1;
	rlen = uri.len - slen - 1;
	if ((slen == 5 && memcmp(uri.p, "https", 5) == 0) ||
	    (slen == 4 && memcmp(uri.p, "http", 4) == 0)) {
		bool tls = slen == 5;

		if (rlen < 2 || rest[0] != '/' || rest[1] != '/')
			return false;
		rest += 2;
		rlen -= 2;
		alen = authority_len(rest, rlen);
		hlen = host_len(rest, alen);
		if (memchr(rest, '@', alen) != NULL)
			return false; /* userinfo */
		if (tls ? !(https_host_ok(rest, hlen) || is_loopback_host(rest, hlen))
		        : !is_loopback_host(rest, hlen))
			return false;
		if (!port_ok(rest + hlen, alen - hlen))
			return false;
		return path_ok(rest + alen, rlen - alen);
	}
	/* a private-use scheme of a native app: "com.example.app:/callback" */
	if (!has_dot || scheme_banned(uri.p, slen))
		return false;
	if (rlen == 0 || rest[0] != '/' || (rlen >= 2 && rest[1] == '/'))
		return false;
	return path_ok(rest, rlen);
}

/* The parts of a registered loopback redirect: "http://127.0.0.1" + port + rest. */
static bool split_loopback(struct bw_str u, size_t *host_end, size_t *rest_start)
{
	static const char *const prefixes[] = {"http://127.0.0.1", "http://[::1]"};

	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(prefixes[i]), j;

		if (u.len < n || memcmp(u.p, prefixes[i], n) != 0)
			continue;
		j = n;
		if (j < u.len && u.p[j] == ':') {
			j++;
			while (j < u.len && is_digit(u.p[j]))
				j++;
		}
		if (j < u.len && u.p[j] != '/' && u.p[j] != '?')
			return false;
		*host_end = n;
		*rest_start = j;
		return true;
	}
	return false;
}

bool bw_oauth_redirect_uri_ok(const struct bw_oauth_client *c, struct bw_str uri)
{
	for (size_t i = 0; i < c->n_redirect_uris; i++) {
		struct bw_str reg = bw_str_c(c->redirect_uris[i]);
		size_t rh, rr, uh, ur;

		if (bw_str_eq(reg, uri))
			return true;
		/* RFC 8252 §7.3: a loopback redirect may come back on any port */
		if (split_loopback(reg, &rh, &rr) && split_loopback(uri, &uh, &ur) && rh == uh &&
		    memcmp(reg.p, uri.p, rh) == 0 && port_ok(uri.p + uh, ur - uh) &&
		    reg.len - rr == uri.len - ur &&
		    memcmp(reg.p + rr, uri.p + ur, reg.len - rr) == 0)
			return true;
	}
	return false;
}

/*
 * "Basic " + base64(urlencode(id) ":" urlencode(secret)) (RFC 6749 §2.3.1:
 * both are form-urlencoded before they are joined). Strict: canonical
 * padded base64, one colon, both parts non-empty after decoding.
 */
enum bw_err bw_oauth_basic_parse(struct bw_arena *a, const char *h, struct bw_str *id,
                                 struct bw_str *secret)
{
	unsigned char raw[BASIC_MAX];
	size_t len = strlen(h), rawlen = 0;
	const char *end = NULL;
	const unsigned char *colon;
	enum bw_err rc;

	if (len <= 6 || strncasecmp(h, "Basic ", 6) != 0)
		return BW_ERR_DENIED;
	h += 6;
	len -= 6;
	if (len > BASIC_MAX || len % 4 != 0)
		return BW_ERR_DENIED;
	if (sodium_base642bin(raw, sizeof(raw), h, len, NULL, &rawlen, &end,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != h + len)
		return BW_ERR_DENIED;
	colon = memchr(raw, ':', rawlen);
	rc = colon != NULL && colon != raw && colon + 1 < raw + rawlen ? BW_OK : BW_ERR_DENIED;
	if (rc == BW_OK)
		rc = bw_url_decode(a, (struct bw_str){(const char *)raw, (size_t)(colon - raw)},
		                   BW_URL_FORM, id);
	if (rc == BW_OK)
		rc = bw_url_decode(a,
		                   (struct bw_str){(const char *)colon + 1,
		                                   rawlen - (size_t)(colon - raw) - 1},
		                   BW_URL_FORM, secret);
	sodium_memzero(raw, sizeof(raw));
	if (rc == BW_ERR_NOMEM)
		return rc;
	return rc == BW_OK && id->len > 0 && secret->len > 0 ? BW_OK : BW_ERR_DENIED;
}
