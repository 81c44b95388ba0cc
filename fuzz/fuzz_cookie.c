/*
 * fuzz_cookie.c — the Cookie header parser, lookups, and the Set-Cookie builder.
 *
 * Input: the raw Cookie header value. The low bits of its length pick the
 * builder's options.
 *
 * Properties checked (abort on violation):
 *   - a cookie the parser returns is a slice of the input (byte-equal to a
 *     substring, never copied or rewritten); its name is a non-empty token
 *     and its value only cookie-octets; a quoted value sits between DQUOTEs;
 *   - the pairs, joined again with "; " (and their quotes), give back the
 *     input exactly, so nothing was skipped or repaired;
 *   - caps hold: at most BW_COOKIE_MAX pairs, header and pair sizes bounded;
 *   - on error nothing is returned;
 *   - bw_cookie_get succeeds exactly when one cookie has the name in any
 *     case and it has it exactly; the session lookup returns a valid token;
 *   - every parsed cookie can be built again with the defaults, and what
 *     the builder makes is a clean header value that starts with name=value,
 *     is Secure, keeps __Host- rules, and parses back to the same pair.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/cookie.h"
#include "bulwark/hdrs.h"
#include "bulwark/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_cookie: property broken: %s\n", what);
		abort();
	}
}

static int octet(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) ||
	       (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

static int within(const char *p, size_t n, const uint8_t *data, size_t size)
{
	const char *d = (const char *)data;

	return n == 0 ? (p >= d && p <= d + size) : (p >= d && p + n <= d + size);
}

static void check_build(struct bw_arena *a, const struct bw_cookie *ck, size_t size)
{
	struct bw_cookie_opts o = {0};
	struct bw_cookies back;
	const char *out = NULL;
	size_t pair = ck->name.len + 1 + ck->value.len;
	int host = ck->name.len >= 7 &&
	           bw_str_caseeq((struct bw_str){ck->name.p, 7}, BW_STR("__host-"));

	check(bw_cookie_build(a, ck->name, ck->value, NULL, &out) == BW_OK,
	      "a parsed cookie builds with the defaults");
	o.same_site = (enum bw_samesite)(size % 3);
	o.script_readable = (size & 4) != 0;
	o.max_age = (uint32_t)(size & 8) * 1000u;
	if (size & 16)
		o.path = "/x";
	if (size & 32)
		o.domain = "example.com";
	if (bw_cookie_build(a, ck->name, ck->value, &o, &out) != BW_OK) {
		check(host && (o.path != NULL || o.domain != NULL), "only __Host- rules refuse");
		return;
	}
	check(bw_hdr_value_valid(bw_str_c(out)), "Set-Cookie is a clean header value");
	check(strlen(out) > pair && memcmp(out, ck->name.p, ck->name.len) == 0 &&
	              out[ck->name.len] == '=' &&
	              (ck->value.len == 0 ||
	               memcmp(out + ck->name.len + 1, ck->value.p, ck->value.len) == 0) &&
	              out[pair] == ';',
	      "Set-Cookie starts with name=value;");
	/* attributes are looked for after name=value, which may hold any octet */
	check(strstr(out + pair, "; Secure") != NULL, "always Secure");
	check((strstr(out + pair, "; HttpOnly") != NULL) == !o.script_readable,
	      "HttpOnly unless asked");
	if (host)
		check(strstr(out + pair, "; Path=/;") != NULL &&
		              strstr(out + pair, "Domain=") == NULL,
		      "__Host- has Path=/ and no Domain");
	check(bw_cookie_parse((struct bw_str){out, pair}, &back) == BW_OK && back.count == 1 &&
	              bw_str_eq(back.items[0].name, ck->name) &&
	              bw_str_eq(back.items[0].value, ck->value),
	      "name=value parses back");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bw_str h = {(const char *)data, size};
	struct bw_cookies c;
	struct bw_arena *a = NULL;
	char *joined = NULL;
	size_t jn = 0;
	enum bw_err rc;

	if (size > BW_COOKIE_HEADER_MAX + 16)
		return 0;
	c.count = 99;
	rc = bw_cookie_parse(h, &c);
	if (rc != BW_OK) {
		check(rc == BW_ERR_INVALID || rc == BW_ERR_LIMIT, "parse error kind");
		check(c.count == 0, "nothing returned on error");
		check(rc != BW_ERR_LIMIT || size > 0, "limit needs input");
		return 0;
	}
	check(size > 0 && size <= BW_COOKIE_HEADER_MAX, "header size bounded");
	check(c.count >= 1 && c.count <= BW_COOKIE_MAX, "count bounded");
	joined = malloc(size + 1);
	a = bw_arena_new(1 << 16);
	if (joined == NULL || a == NULL)
		goto out;

	for (size_t i = 0; i < c.count; i++) {
		const struct bw_cookie *ck = &c.items[i];

		check(within(ck->name.p, ck->name.len, data, size) &&
		              within(ck->value.p, ck->value.len, data, size),
		      "name and value are slices of the input");
		check(ck->name.len > 0 && bw_hdr_name_valid(ck->name), "name is a token");
		for (size_t j = 0; j < ck->value.len; j++)
			check(octet((unsigned char)ck->value.p[j]), "value has only cookie-octets");
		check(ck->name.len + ck->value.len <= BW_COOKIE_PAIR_MAX, "pair bounded");
		if (ck->quoted)
			check(ck->value.p > (const char *)data && ck->value.p[-1] == '"' &&
			              ck->value.p + ck->value.len < (const char *)data + size &&
			              ck->value.p[ck->value.len] == '"',
			      "quoted value between DQUOTEs");
		/* rebuild the header */
		if (i > 0) {
			check(jn + 2 <= size, "room to join");
			memcpy(joined + jn, "; ", 2);
			jn += 2;
		}
		check(jn + ck->name.len + 1 + ck->value.len + (ck->quoted ? 2u : 0u) <= size,
		      "room to join");
		memcpy(joined + jn, ck->name.p, ck->name.len);
		jn += ck->name.len;
		joined[jn++] = '=';
		if (ck->quoted)
			joined[jn++] = '"';
		if (ck->value.len > 0)
			memcpy(joined + jn, ck->value.p, ck->value.len);
		jn += ck->value.len;
		if (ck->quoted)
			joined[jn++] = '"';

		/* lookups */
		{
			size_t any = 0, exact = 0;
			struct bw_str v = {NULL, 0};

			for (size_t k = 0; k < c.count; k++) {
				any += bw_str_caseeq(c.items[k].name, ck->name);
				exact += bw_str_eq(c.items[k].name, ck->name);
			}
			rc = bw_cookie_get(&c, ck->name, &v);
			check((rc == BW_OK) == (any == 1 && exact == 1), "get ok iff unique");
			check(rc == BW_OK || rc == BW_ERR_DENIED, "get of a present name");
			if (rc == BW_OK)
				check(v.p == ck->value.p && v.len == ck->value.len, "get gives it");
		}
		check_build(a, ck, size);
	}
	check(jn == size && memcmp(joined, data, size) == 0, "pairs join back to the input");

	{
		struct bw_str t = {NULL, 0};
		uint8_t raw[BW_TOKEN_BYTES];

		rc = bw_cookie_session_get(&c, &t);
		if (rc == BW_OK) {
			struct bw_str v;

			check(bw_token_parse(t, raw) == BW_OK, "session value is a token");
			check(bw_cookie_get(&c, BW_STR(BW_SESSION_COOKIE), &v) == BW_OK &&
			              v.p == t.p,
			      "the one session cookie");
		} else {
			check(rc == BW_ERR_NOT_FOUND || rc == BW_ERR_DENIED || rc == BW_ERR_INVALID,
			      "session lookup error kind");
		}
	}
out:
	bw_arena_free(a);
	free(joined);
	return 0;
}
