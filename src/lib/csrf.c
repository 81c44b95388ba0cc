/*
 * csrf.c — CSRF tokens (session-bound, pre-session, signed double submit)
 * and the Origin / Referer / Sec-Fetch-Site check.
 *
 * Every MAC here is BLAKE2b-256 keyed with the CSRF purpose key over a label
 * naming the token kind and the token's fields, so a MAC of one kind never
 * verifies as another. Token bytes are decoded strictly (token.h) before
 * anything is compared, and comparisons of MACs and of submitted tokens run
 * in constant time.
 */
#include "bulwark/csrf.h"

#include <sodium.h>
#include <string.h>

#include "bulwark/cors.h"
#include "bulwark/random.h"

#define MAC_BYTES       32
#define MASK_BYTES      32
#define NONCE_BYTES     16
#define KIND_PRESESSION 1u
#define KIND_DOUBLE     2u
#define OFF_EXPIRY      1
#define OFF_NONCE       9
#define OFF_MAC         25 /* bytes before it are what the MAC covers */
#define HOST_PFX        "__Host-"

_Static_assert(OFF_MAC + MAC_BYTES == BW_CSRF_SIGNED_BYTES, "signed token layout");
_Static_assert(BW_B64URL_LEN(BW_CSRF_SIGNED_BYTES) == BW_CSRF_SIGNED_LEN, "signed token text");
_Static_assert(BW_B64URL_LEN(MASK_BYTES + MAC_BYTES) == BW_CSRF_SESSION_TOKEN_LEN,
               "session token text");

static const char *const reason_names[BW_CSRF__COUNT] = {
        [BW_CSRF_OK] = "ok",
        [BW_CSRF_ERROR] = "error",
        [BW_CSRF_TOKEN_MISSING] = "token_missing",
        [BW_CSRF_TOKEN_MALFORMED] = "token_malformed",
        [BW_CSRF_TOKEN_MISMATCH] = "token_mismatch",
        [BW_CSRF_TOKEN_BAD_SIGNATURE] = "token_bad_signature",
        [BW_CSRF_TOKEN_EXPIRED] = "token_expired",
        [BW_CSRF_TOKEN_LIFETIME] = "token_lifetime",
        [BW_CSRF_COOKIE_MISSING] = "cookie_missing",
        [BW_CSRF_COOKIE_DUPLICATE] = "cookie_duplicate",
        [BW_CSRF_FETCH_CROSS_SITE] = "fetch_cross_site",
        [BW_CSRF_FETCH_SAME_SITE] = "fetch_same_site",
        [BW_CSRF_FETCH_INVALID] = "fetch_invalid",
        [BW_CSRF_ORIGIN_NULL] = "origin_null",
        [BW_CSRF_ORIGIN_MISMATCH] = "origin_mismatch",
        [BW_CSRF_REFERER_NOT_HTTPS] = "referer_not_https",
        [BW_CSRF_REFERER_MALFORMED] = "referer_malformed",
        [BW_CSRF_REFERER_MISMATCH] = "referer_mismatch",
        [BW_CSRF_NO_SOURCE] = "no_source",
};

const char *bw_csrf_reason_str(enum bw_csrf_reason reason)
{
	if ((unsigned)reason >= (unsigned)BW_CSRF__COUNT || reason_names[reason] == NULL)
		return "unknown";
	return reason_names[reason];
}

static enum bw_err deny(enum bw_csrf_reason *why, enum bw_csrf_reason r)
{
	*why = r;
	return r == BW_CSRF_OK ? BW_OK : BW_ERR_DENIED;
}

/* ---- the request-origin check ---- */

enum bw_err bw_csrf_check_origin(struct bw_str public_origin, const struct bw_str *origin,
                                 const struct bw_str *referer, const struct bw_str *sec_fetch_site,
                                 enum bw_csrf_reason *why)
{
	char canon[BW_CORS_ORIGIN_SIZE];
	size_t clen = 0;
	struct bw_str c;

	BW_REQUIRE(why != NULL);
	*why = BW_CSRF_ERROR;
	if (bw_cors_origin_parse(public_origin, canon, &clen) != BW_OK)
		return BW_ERR_CONFIG;
	c = (struct bw_str){canon, clen};

	if (sec_fetch_site != NULL) {
		if (bw_str_eq_c(*sec_fetch_site, "cross-site"))
			return deny(why, BW_CSRF_FETCH_CROSS_SITE);
		if (bw_str_eq_c(*sec_fetch_site, "same-site"))
			return deny(why, BW_CSRF_FETCH_SAME_SITE);
		if (!bw_str_eq_c(*sec_fetch_site, "same-origin") &&
		    !bw_str_eq_c(*sec_fetch_site, "none"))
			return deny(why, BW_CSRF_FETCH_INVALID);
	}

	if (origin != NULL) {
		if (bw_str_eq_c(*origin, "null"))
			return deny(why, BW_CSRF_ORIGIN_NULL);
		return deny(why, bw_str_eq(*origin, c) ? BW_CSRF_OK : BW_CSRF_ORIGIN_MISMATCH);
	}

	if (referer != NULL) {
		struct bw_str r = *referer;

		if (!bw_str_has_prefix_c(c, "https://"))
			return deny(why, BW_CSRF_REFERER_NOT_HTTPS);
		if (r.len == 0)
			return deny(why, BW_CSRF_REFERER_MALFORMED);
		for (size_t i = 0; i < r.len; i++) {
			unsigned char ch = (unsigned char)r.p[i];

			if (ch < 0x21 || ch > 0x7e || ch == '#')
				return deny(why, BW_CSRF_REFERER_MALFORMED);
		}
		if (r.len >= 7 && bw_str_caseeq_c((struct bw_str){r.p, 7}, "http://"))
			return deny(why, BW_CSRF_REFERER_NOT_HTTPS);
		if (!bw_str_has_prefix_c(r, "https://"))
			return deny(why, BW_CSRF_REFERER_MALFORMED);
		/* the origin part must be the public origin, then the path or nothing */
		if (r.len >= clen && memcmp(r.p, canon, clen) == 0 &&
		    (r.len == clen || r.p[clen] == '/'))
			return deny(why, BW_CSRF_OK);
		return deny(why, BW_CSRF_REFERER_MISMATCH);
	}
	return deny(why, BW_CSRF_NO_SOURCE);
}

/* ---- content types ---- */

static bool tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

bool bw_csrf_form_content_type(const struct bw_str *content_type)
{
	static const char *const simple[] = {"application/x-www-form-urlencoded",
	                                     "multipart/form-data", "text/plain"};
	const unsigned char *p;
	size_t i = 0, n, start, end;
	struct bw_str essence;

	if (content_type == NULL)
		return true; /* a body without Content-Type needs no preflight either */
	p = (const unsigned char *)content_type->p;
	n = content_type->len;
	BW_REQUIRE(p != NULL || n == 0);
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	start = i;
	while (i < n && tchar(p[i]))
		i++;
	if (i == start || i == n || p[i] != '/')
		return true; /* not a media type: fail closed */
	i++;
	if (i == n || !tchar(p[i]))
		return true;
	while (i < n && tchar(p[i]))
		i++;
	end = i;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i < n && p[i] != ';')
		return true;
	essence = (struct bw_str){content_type->p + start, end - start};
	for (size_t k = 0; k < sizeof(simple) / sizeof(simple[0]); k++)
		if (bw_str_caseeq_c(essence, simple[k]))
			return true;
	return false;
}

/* ---- MACs ---- */

/* BLAKE2b-256 keyed with key over label (with its length) and up to three parts. */
static enum bw_err mac3(const struct bw_secret *key, const char *label, const uint8_t *a,
                        size_t alen, const uint8_t *b, size_t blen, const uint8_t *c, size_t clen,
                        uint8_t out[MAC_BYTES])
{
	crypto_generichash_state st;
	unsigned char llen = (unsigned char)strlen(label);
	enum bw_err rc = BW_ERR_CRYPTO;

	if (crypto_generichash_init(&st, bw_secret_bytes(key), BW_PURPOSE_KEY_BYTES, MAC_BYTES) !=
	            0 ||
	    crypto_generichash_update(&st, &llen, 1) != 0 ||
	    crypto_generichash_update(&st, (const unsigned char *)label, llen) != 0 ||
	    crypto_generichash_update(&st, a, alen) != 0 ||
	    (blen > 0 && crypto_generichash_update(&st, b, blen) != 0) ||
	    (clen > 0 && crypto_generichash_update(&st, c, clen) != 0) ||
	    crypto_generichash_final(&st, out, MAC_BYTES) != 0)
		goto out;
	rc = BW_OK;
out:
	sodium_memzero(&st, sizeof(st));
	return rc;
}

static bool key_ok(const struct bw_secret *key)
{
	BW_REQUIRE(key != NULL);
	return bw_secret_len(key) == BW_PURPOSE_KEY_BYTES;
}

/* ---- session-bound synchronizer tokens ---- */

static enum bw_err session_mac(const struct bw_secret *key, const struct bw_token_hash *session,
                               uint8_t out[MAC_BYTES])
{
	return mac3(key, "bulwark-csrf-session-v1", session->bytes, sizeof(session->bytes), NULL, 0,
	            NULL, 0, out);
}

enum bw_err bw_csrf_session_token(const struct bw_secret *key, const struct bw_token_hash *session,
                                  char out[BW_CSRF_SESSION_TOKEN_SIZE])
{
	uint8_t m[MAC_BYTES], buf[MASK_BYTES + MAC_BYTES];
	enum bw_err rc;

	BW_REQUIRE(session != NULL && out != NULL);
	out[0] = '\0';
	if (!key_ok(key))
		return BW_ERR_INVALID;
	rc = session_mac(key, session, m);
	if (rc != BW_OK)
		goto out;
	bw_random_bytes(buf, MASK_BYTES);
	for (size_t i = 0; i < MAC_BYTES; i++)
		buf[MASK_BYTES + i] = (uint8_t)(buf[i] ^ m[i]);
	sodium_bin2base64(out, BW_CSRF_SESSION_TOKEN_SIZE, buf, sizeof(buf),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
out:
	sodium_memzero(m, sizeof(m));
	sodium_memzero(buf, sizeof(buf));
	return rc;
}

enum bw_err bw_csrf_session_check(const struct bw_secret *key, const struct bw_token_hash *session,
                                  const struct bw_str *presented, enum bw_csrf_reason *why)
{
	uint8_t m[MAC_BYTES], buf[MASK_BYTES + MAC_BYTES], t[MAC_BYTES];
	enum bw_err rc;

	BW_REQUIRE(session != NULL && why != NULL);
	*why = BW_CSRF_ERROR;
	if (!key_ok(key))
		return BW_ERR_INVALID;
	if (presented == NULL || presented->len == 0)
		return deny(why, BW_CSRF_TOKEN_MISSING);
	if (bw_token_decode(*presented, buf, sizeof(buf)) != BW_OK)
		return deny(why, BW_CSRF_TOKEN_MALFORMED);
	rc = session_mac(key, session, m);
	if (rc != BW_OK)
		goto out;
	for (size_t i = 0; i < MAC_BYTES; i++)
		t[i] = (uint8_t)(buf[i] ^ buf[MASK_BYTES + i]);
	rc = deny(why, bw_ct_eq(t, sizeof(t), m, sizeof(m)) ? BW_CSRF_OK : BW_CSRF_TOKEN_MISMATCH);
out:
	sodium_memzero(m, sizeof(m));
	sodium_memzero(buf, sizeof(buf));
	sodium_memzero(t, sizeof(t));
	return rc;
}

/* ---- signed tokens: pre-session and double submit ---- */

static enum bw_err signed_mac(const struct bw_secret *key, const uint8_t tok[BW_CSRF_SIGNED_BYTES],
                              struct bw_str binding, uint8_t out[MAC_BYTES])
{
	uint8_t blen[2] = {(uint8_t)(binding.len >> 8), (uint8_t)(binding.len & 0xffu)};

	return mac3(key, "bulwark-csrf-signed-v1", tok, OFF_MAC, blen, sizeof(blen),
	            (const uint8_t *)binding.p, binding.len, out);
}

static enum bw_err signed_new(const struct bw_secret *key, unsigned kind, struct bw_str binding,
                              uint64_t now, uint32_t lifetime, char out[BW_CSRF_SIGNED_SIZE])
{
	uint8_t tok[BW_CSRF_SIGNED_BYTES];
	uint64_t expiry;
	enum bw_err rc;

	BW_REQUIRE(out != NULL && (binding.p != NULL || binding.len == 0));
	out[0] = '\0';
	if (!key_ok(key))
		return BW_ERR_INVALID;
	if (binding.len > BW_CSRF_BINDING_MAX)
		return BW_ERR_LIMIT;
	if (lifetime == 0 || lifetime > BW_CSRF_LIFETIME_MAX || now > UINT64_MAX - lifetime)
		return BW_ERR_RANGE;
	expiry = now + lifetime;
	tok[0] = (uint8_t)kind;
	for (int i = 0; i < 8; i++)
		tok[OFF_EXPIRY + i] = (uint8_t)(expiry >> (56 - 8 * i));
	bw_random_bytes(tok + OFF_NONCE, NONCE_BYTES);
	rc = signed_mac(key, tok, binding, tok + OFF_MAC);
	if (rc == BW_OK)
		sodium_bin2base64(out, BW_CSRF_SIGNED_SIZE, tok, sizeof(tok),
		                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(tok, sizeof(tok));
	return rc;
}

static enum bw_err signed_check(const struct bw_secret *key, unsigned kind, struct bw_str binding,
                                const struct bw_cookies *cookies, struct bw_str cookie_name,
                                const struct bw_str *submitted, uint64_t now,
                                enum bw_csrf_reason *why)
{
	uint8_t ck[BW_CSRF_SIGNED_BYTES], sub[BW_CSRF_SIGNED_BYTES], m[MAC_BYTES];
	struct bw_str cv = {NULL, 0};
	uint64_t expiry = 0;
	enum bw_err rc;

	BW_REQUIRE(why != NULL && (binding.p != NULL || binding.len == 0));
	*why = BW_CSRF_ERROR;
	if (!key_ok(key))
		return BW_ERR_INVALID;
	if (binding.len > BW_CSRF_BINDING_MAX)
		return BW_ERR_LIMIT;
	if (cookies == NULL)
		return deny(why, BW_CSRF_COOKIE_MISSING);
	rc = bw_cookie_get(cookies, cookie_name, &cv);
	if (rc == BW_ERR_NOT_FOUND)
		return deny(why, BW_CSRF_COOKIE_MISSING);
	if (rc != BW_OK)
		return deny(why, BW_CSRF_COOKIE_DUPLICATE);
	if (submitted == NULL || submitted->len == 0)
		return deny(why, BW_CSRF_TOKEN_MISSING);
	if (bw_token_decode(cv, ck, sizeof(ck)) != BW_OK ||
	    bw_token_decode(*submitted, sub, sizeof(sub)) != BW_OK) {
		rc = deny(why, BW_CSRF_TOKEN_MALFORMED);
		goto out;
	}
	if (!bw_ct_eq(ck, sizeof(ck), sub, sizeof(sub))) {
		rc = deny(why, BW_CSRF_TOKEN_MISMATCH);
		goto out;
	}
	rc = signed_mac(key, ck, binding, m);
	if (rc != BW_OK) {
		*why = BW_CSRF_ERROR;
		goto out;
	}
	if (!bw_ct_eq(m, sizeof(m), ck + OFF_MAC, MAC_BYTES) || ck[0] != kind) {
		rc = deny(why, BW_CSRF_TOKEN_BAD_SIGNATURE);
		goto out;
	}
	for (int i = 0; i < 8; i++)
		expiry = (expiry << 8) | ck[OFF_EXPIRY + i];
	if (expiry <= now)
		rc = deny(why, BW_CSRF_TOKEN_EXPIRED);
	else if (expiry - now > BW_CSRF_LIFETIME_MAX)
		rc = deny(why, BW_CSRF_TOKEN_LIFETIME);
	else
		rc = deny(why, BW_CSRF_OK);
out:
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(sub, sizeof(sub));
	sodium_memzero(m, sizeof(m));
	return rc;
}

enum bw_err bw_csrf_presession_token(const struct bw_secret *key, uint64_t now, uint32_t lifetime,
                                     char out[BW_CSRF_SIGNED_SIZE])
{
	return signed_new(key, KIND_PRESESSION, (struct bw_str){NULL, 0}, now, lifetime, out);
}

enum bw_err bw_csrf_presession_cookie(struct bw_arena *a, struct bw_str token, uint32_t lifetime,
                                      const char **out)
{
	struct bw_cookie_opts opts = {NULL, NULL, lifetime, BW_SAMESITE_STRICT, false};
	uint8_t raw[BW_CSRF_SIGNED_BYTES];
	enum bw_err rc;

	if (lifetime == 0 || lifetime > BW_CSRF_LIFETIME_MAX)
		return BW_ERR_RANGE;
	rc = bw_token_decode(token, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	if (rc != BW_OK)
		return rc;
	return bw_cookie_build(a, BW_STR(BW_CSRF_PRESESSION_COOKIE), token, &opts, out);
}

enum bw_err bw_csrf_presession_check(const struct bw_secret *key, const struct bw_cookies *cookies,
                                     const struct bw_str *form, uint64_t now,
                                     enum bw_csrf_reason *why)
{
	return signed_check(key, KIND_PRESESSION, (struct bw_str){NULL, 0}, cookies,
	                    BW_STR(BW_CSRF_PRESESSION_COOKIE), form, now, why);
}

enum bw_err bw_csrf_double_submit_token(const struct bw_secret *key, struct bw_str binding,
                                        uint64_t now, uint32_t lifetime,
                                        char out[BW_CSRF_SIGNED_SIZE])
{
	return signed_new(key, KIND_DOUBLE, binding, now, lifetime, out);
}

enum bw_err bw_csrf_double_submit_check(const struct bw_secret *key, struct bw_str binding,
                                        const struct bw_cookies *cookies, struct bw_str cookie_name,
                                        const struct bw_str *submitted, uint64_t now,
                                        enum bw_csrf_reason *why)
{
	BW_REQUIRE(why != NULL);
	*why = BW_CSRF_ERROR;
	if (!bw_str_has_prefix_c(cookie_name, HOST_PFX) || cookie_name.len == strlen(HOST_PFX))
		return BW_ERR_INVALID;
	return signed_check(key, KIND_DOUBLE, binding, cookies, cookie_name, submitted, now, why);
}
