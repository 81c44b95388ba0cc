/*
 * fuzz_csrf.c — the request-origin check, form content types, and CSRF tokens
 * under hostile input.
 *
 * Input: one flags byte, then newline-separated fields: the public origin
 * (used when flags & 1, else a fixed one), Origin, Referer, Sec-Fetch-Site,
 * Content-Type, and a presented token. Flags 2, 4, 8, 16 make Origin,
 * Referer, Sec-Fetch-Site and Content-Type absent; flags 32 tampers with a
 * real signed token at a position and by a value taken from the token field.
 *
 * Properties checked (abort on violation):
 *   - a check that passes had Sec-Fetch-Site absent, "same-origin" or
 *     "none", and either an Origin byte-equal to the canonical public origin,
 *     or no Origin and a Referer that is that origin (https) alone or
 *     followed by '/' and visible ASCII;
 *   - BW_OK comes with BW_CSRF_OK only, BW_ERR_DENIED with a named refusal,
 *     BW_ERR_CONFIG only for a public origin that does not parse;
 *   - a Content-Type the JSON routes accept is never form-sendable, and the
 *     three form types always are;
 *   - a presented session token, pre-session token or double-submit token
 *     made of fuzz bytes never verifies; a real signed token verifies, and
 *     the same token with any byte changed does not.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/cookie.h"
#include "bulwark/cors.h"
#include "bulwark/csrf.h"
#include "bulwark/random.h"
#include "bulwark/token.h"
#include "http_parse.h"

#define FIELDS 6
#define NOW    1700000000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct bw_secret *key;

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_csrf: property broken: %s\n", what);
		abort();
	}
}

static void check_origin(struct bw_str pub, const struct bw_str *origin,
                         const struct bw_str *referer, const struct bw_str *sfs)
{
	char canon[BW_CORS_ORIGIN_SIZE];
	size_t clen = 0;
	enum bw_csrf_reason why = BW_CSRF__COUNT;
	enum bw_err rc = bw_csrf_check_origin(pub, origin, referer, sfs, &why), prc;

	check(strcmp(bw_csrf_reason_str(why), "unknown") != 0, "reason has a name");
	prc = bw_cors_origin_parse(pub, canon, &clen);
	if (rc == BW_ERR_CONFIG) {
		check(prc != BW_OK && why == BW_CSRF_ERROR, "config error only for a bad origin");
		return;
	}
	check(prc == BW_OK, "a bad public origin is a config error");
	check(rc == BW_OK || rc == BW_ERR_DENIED, "result kind");
	check((rc == BW_OK) == (why == BW_CSRF_OK), "OK iff reason ok");
	check(rc != BW_ERR_DENIED || (why != BW_CSRF_OK && why != BW_CSRF_ERROR),
	      "a refusal names a reason");
	if (rc != BW_OK)
		return;
	if (sfs != NULL)
		check(bw_str_eq_c(*sfs, "same-origin") || bw_str_eq_c(*sfs, "none"),
		      "passed with cross-site or same-site fetch metadata");
	if (origin != NULL) {
		check(origin->len == clen && memcmp(origin->p, canon, clen) == 0,
		      "passed with a foreign Origin");
		return;
	}
	check(referer != NULL, "passed without Origin or Referer");
	check(clen > 8 && memcmp(canon, "https://", 8) == 0, "Referer fallback on https only");
	check(referer->len >= clen && memcmp(referer->p, canon, clen) == 0 &&
	              (referer->len == clen || referer->p[clen] == '/'),
	      "passed with a foreign Referer");
	for (size_t i = 0; i < referer->len; i++)
		check(referer->p[i] > 0x20 && referer->p[i] < 0x7f && referer->p[i] != '#',
		      "passed with a dirty Referer");
}

static void check_content_type(const struct bw_str *ct)
{
	bool form = bw_csrf_form_content_type(ct);

	if (ct == NULL) {
		check(form, "no Content-Type is form-sendable");
		return;
	}
	if (memchr(ct->p, '\0', ct->len) == NULL) {
		char *z = strndup(ct->p, ct->len);

		if (z == NULL)
			return;
		if (bw_http_media_type_is(z, "application/json"))
			check(!form, "a JSON content type is not form-sendable");
		if (bw_http_media_type_is(z, "application/x-www-form-urlencoded") ||
		    bw_http_media_type_is(z, "text/plain") ||
		    bw_http_media_type_is(z, "multipart/form-data"))
			check(form, "a form content type is form-sendable");
		free(z);
	}
}

static void check_tokens(struct bw_str fuzz_tok, unsigned flags)
{
	struct bw_token_hash session;
	enum bw_csrf_reason why;
	char real[BW_CSRF_SIGNED_SIZE], jar_text[BW_CSRF_SIGNED_LEN + 64];
	struct bw_cookies jar;
	struct bw_str t;

	memset(&session, 0x42, sizeof(session));
	check(bw_csrf_session_check(key, &session, &fuzz_tok, &why) == BW_ERR_DENIED,
	      "a fuzzed session token never verifies");
	/* the fuzzed token as cookie and form value, if it makes a cookie header */
	if (fuzz_tok.len < 256 && memchr(fuzz_tok.p, '\0', fuzz_tok.len) == NULL) {
		if (bw_cookie_parse(fuzz_tok, &jar) == BW_OK) {
			check(bw_csrf_presession_check(key, &jar, &fuzz_tok, NOW, &why) ==
			              BW_ERR_DENIED,
			      "fuzzed cookies never pass the pre-session check");
			for (size_t i = 0; i < jar.count; i++)
				check(bw_csrf_presession_check(key, &jar, &jar.items[i].value, NOW,
				                               &why) == BW_ERR_DENIED,
				      "a fuzzed pre-session cookie never verifies");
		}
	}
	/* a real token verifies; with one byte changed it does not */
	check(bw_csrf_presession_token(key, NOW, 600, real) == BW_OK, "token made");
	check((size_t)snprintf(jar_text, sizeof(jar_text), BW_CSRF_PRESESSION_COOKIE "=%s", real) <
	              sizeof(jar_text),
	      "cookie fits");
	check(bw_cookie_parse(bw_str_c(jar_text), &jar) == BW_OK, "cookie parses");
	t = bw_str_c(real);
	check(bw_csrf_presession_check(key, &jar, &t, NOW, &why) == BW_OK && why == BW_CSRF_OK,
	      "a real token verifies");
	if ((flags & 32u) && fuzz_tok.len >= 2) {
		size_t pos = (unsigned char)fuzz_tok.p[0] % BW_CSRF_SIGNED_LEN;
		char c = fuzz_tok.p[1];
		char forged[BW_CSRF_SIGNED_SIZE];
		struct bw_str f;

		memcpy(forged, real, sizeof(forged));
		forged[pos] = c;
		f = (struct bw_str){forged, BW_CSRF_SIGNED_LEN};
		/* only as the form value: the cookie keeps the real token */
		if (c != real[pos])
			check(bw_csrf_presession_check(key, &jar, &f, NOW, &why) == BW_ERR_DENIED,
			      "a changed form token is refused");
		/* in both places: the signature has to catch it */
		memcpy(jar_text + sizeof(BW_CSRF_PRESESSION_COOKIE), forged, BW_CSRF_SIGNED_LEN);
		if (c != real[pos] && bw_cookie_parse(bw_str_c(jar_text), &jar) == BW_OK)
			check(bw_csrf_presession_check(key, &jar, &f, NOW, &why) == BW_ERR_DENIED,
			      "a changed token in cookie and form is refused");
	}
	check(bw_csrf_double_submit_check(key, BW_STR("u"), &jar, BW_STR("__Host-bulwark_csrf"),
	                                  &fuzz_tok, NOW, &why) == BW_ERR_DENIED,
	      "a fuzzed double-submit token never verifies");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fixed[] = {"https://localhost:8443", "https://app.example.com",
	                                    "http://127.0.0.1:8080"};
	struct bw_str field[FIELDS];
	unsigned flags;
	struct bw_str pub;

	if (key == NULL) {
		uint8_t k[32];

		check(bw_init() == BW_OK, "init");
		bw_random_bytes(k, sizeof(k));
		check(bw_secret_new(k, sizeof(k), &key) == BW_OK, "key");
	}
	if (size < 1 || size > 4096)
		return 0;
	flags = data[0];
	data++;
	size--;
	for (size_t f = 0, pos = 0; f < FIELDS; f++) {
		size_t end = pos;

		while (end < size && data[end] != '\n')
			end++;
		field[f] = (struct bw_str){(const char *)data + pos, end > pos ? end - pos : 0};
		pos = end < size ? end + 1 : size;
	}
	pub = (flags & 1u) ? field[0] : bw_str_c(fixed[size % 3]);
	check_origin(pub, (flags & 2u) ? NULL : &field[1], (flags & 4u) ? NULL : &field[2],
	             (flags & 8u) ? NULL : &field[3]);
	/* the same request against every fixed public origin */
	for (size_t i = 0; i < 3; i++)
		check_origin(bw_str_c(fixed[i]), (flags & 2u) ? NULL : &field[1],
		             (flags & 4u) ? NULL : &field[2], (flags & 8u) ? NULL : &field[3]);
	check_content_type((flags & 16u) ? NULL : &field[4]);
	check_tokens(field[5], flags);
	return 0;
}
