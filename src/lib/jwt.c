/*
 * jwt.c — JWS compact serialization (RFC 7515 §7.1) and the JWT claims
 * (RFC 7519 §4.1), verified the way RFC 8725 asks.
 *
 * Verification order: size and shape (three canonical base64url segments),
 * the header (alg, kid, typ; refusing what would let the token choose its
 * own key or extensions), the key (by kid; its algorithm must be the
 * header's), the signature, and only then the claims are parsed and checked.
 * Nothing is allocated before the signature holds except for headers that
 * leave the fast path (see jws_header_fast).
 */
#include "jwt_internal.h"

#include <string.h>
#include <stdlib.h>
#include <time.h>

#include "bulwark/json.h"

/* decoded header + claims never exceed 3/4 of the token */
#define DECODED_MAX    (BW_JWT_MAX_BYTES / 4 * 3)
#define HEADER_DEPTH   4
#define CLAIMS_DEPTH   16
#define DATE_MAX       (INT64_C(1) << 53)
#define APP_PREFIX     "application/"
#define APP_PREFIX_LEN (sizeof(APP_PREFIX) - 1)

/* The three segments of a compact JWS. */
struct jws_parts {
	struct bw_str header, payload, sig;
	struct bw_str signing_input; /* header '.' payload */
};

static const char *const reason_names[] = {
        [BW_JWT_OK] = "ok",
        [BW_JWT_MALFORMED] = "malformed",
        [BW_JWT_BAD_HEADER] = "bad_header",
        [BW_JWT_UNKNOWN_KEY] = "unknown_key",
        [BW_JWT_ALG_MISMATCH] = "alg_mismatch",
        [BW_JWT_BAD_SIGNATURE] = "bad_signature",
        [BW_JWT_EXPIRED] = "expired",
        [BW_JWT_NOT_YET_VALID] = "not_yet_valid",
        [BW_JWT_BAD_CLAIMS] = "bad_claims",
};

const char *bw_jwt_reason_str(enum bw_jwt_reason r)
{
	if ((size_t)r >= sizeof(reason_names) / sizeof(reason_names[0]))
		return "unknown";
	return reason_names[r];
}

/* ---- signing -------------------------------------------------------------- */

static enum bw_err append_json_b64(struct bw_buf *out, const json_t *v)
{
	char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	enum bw_err rc;

	if (text == NULL)
		return BW_ERR_INVALID; /* a NaN or infinite real, or no memory */
	rc = jws_b64_append(out, text, strlen(text));
	free(text);
	return rc;
}

enum bw_err bw_jwt_sign(const struct bw_jwk *key, const char *typ, const json_t *claims,
                        struct bw_buf *out)
{
	uint8_t sig[JWS_SIG_MAX];
	size_t siglen = 0;
	json_t *header = NULL;
	enum bw_err rc;

	BW_REQUIRE(key != NULL && claims != NULL && out != NULL);
	bw_buf_reset(out);
	if (!key->can_sign)
		return BW_ERR_STATE;
	if (!json_is_object(claims))
		return BW_ERR_INVALID;
	rc = BW_ERR_NOMEM;
	header = json_pack("{s:s,s:s}", "alg", bw_jwt_alg_name(key->alg), "kid", key->kid);
	if (header == NULL ||
	    (typ != NULL && json_object_set_new(header, "typ", json_string(typ)) != 0))
		goto out;
	rc = append_json_b64(out, header);
	if (rc == BW_OK)
		rc = bw_buf_append_byte(out, '.');
	if (rc == BW_OK)
		rc = append_json_b64(out, claims);
	if (rc == BW_OK)
		rc = jws_sign(key, out->p, out->len, sig, &siglen);
	if (rc == BW_OK)
		rc = bw_buf_append_byte(out, '.');
	if (rc == BW_OK)
		rc = jws_b64_append(out, sig, siglen);
	/* never hand out a token every verifier here would refuse */
	if (rc == BW_OK && out->len > BW_JWT_MAX_BYTES)
		rc = BW_ERR_LIMIT;
out:
	if (rc != BW_OK)
		bw_buf_reset(out);
	sodium_memzero(sig, sizeof(sig));
	json_decref(header);
	return rc;
}

/* ---- shape ------------------------------------------------------------------ */

/* exactly three segments, none empty, within the size cap */
static bool split(struct bw_str t, struct jws_parts *parts)
{
	const char *d1, *d2;

	if (t.len == 0 || t.len > BW_JWT_MAX_BYTES || t.p == NULL)
		return false;
	d1 = memchr(t.p, '.', t.len);
	if (d1 == NULL)
		return false;
	d2 = memchr(d1 + 1, '.', t.len - (size_t)(d1 + 1 - t.p));
	if (d2 == NULL || memchr(d2 + 1, '.', t.len - (size_t)(d2 + 1 - t.p)) != NULL)
		return false;
	parts->header = (struct bw_str){t.p, (size_t)(d1 - t.p)};
	parts->payload = (struct bw_str){d1 + 1, (size_t)(d2 - d1 - 1)};
	parts->sig = (struct bw_str){d2 + 1, t.len - (size_t)(d2 + 1 - t.p)};
	parts->signing_input = (struct bw_str){t.p, (size_t)(d2 - t.p)};
	/* each segment's base64url is checked as it is decoded (header, signature, payload) */
	return parts->header.len > 0 && parts->payload.len > 0 && parts->sig.len > 0;
}

/* ---- header ------------------------------------------------------------------ */

/*
 * The fast path: the flat form bw_jwt_sign writes, {"alg":"…","kid":"…",
 * "typ":"…"} in any order, each member at most once, values of printable
 * ASCII without '"' or '\'. Anything else (whitespace, escapes, other
 * members, repeats) returns false and goes to the general strict parser,
 * which decides; so both paths accept exactly the same headers the same way.
 */
bool jws_header_fast(const uint8_t *p, size_t n, struct jws_header *h)
{
	size_t i = 1;

	if (n < 2 || p[0] != '{' || p[n - 1] != '}')
		return false;
	for (;;) {
		struct bw_str *dst;
		bool *seen;
		size_t start;

		if (i + 6 > n || p[i] != '"' || p[i + 4] != '"' || p[i + 5] != ':')
			return false;
		if (memcmp(p + i + 1, "alg", 3) == 0)
			dst = &h->alg, seen = &h->has_alg;
		else if (memcmp(p + i + 1, "kid", 3) == 0)
			dst = &h->kid, seen = &h->has_kid;
		else if (memcmp(p + i + 1, "typ", 3) == 0)
			dst = &h->typ, seen = &h->has_typ;
		else
			return false;
		if (*seen)
			return false;
		i += 6;
		if (i >= n || p[i] != '"')
			return false;
		start = ++i;
		while (i < n && p[i] != '"') {
			if (p[i] < 0x20 || p[i] > 0x7e || p[i] == '\\')
				return false;
			i++;
		}
		if (i >= n)
			return false;
		*dst = (struct bw_str){(const char *)p + start, i - start};
		*seen = true;
		i++;
		if (i == n - 1)
			return true; /* the closing brace */
		if (p[i] != ',')
			return false;
		i++;
	}
}

/* a string member of the general path: false when present but not a string */
static bool header_str(const json_t *doc, const char *name, struct bw_str *dst, bool *seen)
{
	const json_t *v = json_object_get(doc, name);

	*seen = v != NULL;
	if (v == NULL)
		return true;
	if (!json_is_string(v))
		return false;
	*dst = (struct bw_str){json_string_value(v), json_string_length(v)};
	return true;
}

enum bw_jwt_reason jws_header_slow(const uint8_t *p, size_t n, struct jws_header *h,
                                   enum bw_err *err)
{
	static const char *const refused[] = {"crit", "jwk", "jku", "x5u", "x5c"};
	const struct bw_json_limits lim = {.max_bytes = DECODED_MAX, .max_depth = HEADER_DEPTH};
	enum bw_err rc = bw_json_parse(p, n, &lim, &h->doc, NULL);

	if (rc == BW_ERR_NOMEM) {
		*err = rc;
		return BW_JWT_MALFORMED;
	}
	if (rc != BW_OK)
		return BW_JWT_MALFORMED;
	/* RFC 8725 §3.10 / RFC 7515 §4.1.11: the token must not pick its key or extensions */
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (json_object_get(h->doc, refused[i]) != NULL)
			return BW_JWT_BAD_HEADER;
	if (!header_str(h->doc, "alg", &h->alg, &h->has_alg) ||
	    !header_str(h->doc, "kid", &h->kid, &h->has_kid) ||
	    !header_str(h->doc, "typ", &h->typ, &h->has_typ))
		return BW_JWT_BAD_HEADER;
	return BW_JWT_OK;
}

/* decode and read the header into h (decoded bytes in buf) */
static enum bw_jwt_reason header_read(struct bw_str seg, uint8_t *buf, size_t bufsize,
                                      struct jws_header *h, enum bw_err *err)
{
	size_t n = 0;

	if (jws_b64_decode(seg.p, seg.len, buf, bufsize, &n) != BW_OK)
		return BW_JWT_MALFORMED;
	if (jws_header_fast(buf, n, h))
		return BW_JWT_OK;
	*h = (struct jws_header){0};
	return jws_header_slow(buf, n, h, err);
}

/* typ values compare case-insensitively, "application/" optional (RFC 7515 §4.1.9) */
static struct bw_str strip_app(struct bw_str s)
{
	if (s.len > APP_PREFIX_LEN &&
	    bw_str_caseeq(BW_STR(APP_PREFIX), (struct bw_str){s.p, APP_PREFIX_LEN}) &&
	    memchr(s.p + APP_PREFIX_LEN, '/', s.len - APP_PREFIX_LEN) == NULL)
		return (struct bw_str){s.p + APP_PREFIX_LEN, s.len - APP_PREFIX_LEN};
	return s;
}

static bool typ_matches(struct bw_str got, const char *want)
{
	return bw_str_caseeq(strip_app(got), strip_app(bw_str_c(want)));
}

static enum bw_jwt_reason header_check(const struct jws_header *h, const struct bw_jwt_expect *ex,
                                       enum bw_jwt_alg *alg)
{
	if (!h->has_alg || bw_jwt_alg_parse(h->alg, alg) != BW_OK)
		return BW_JWT_BAD_HEADER; /* "none" and every name we do not implement */
	if (h->has_kid && !jws_kid_ok(h->kid.p, h->kid.len))
		return BW_JWT_BAD_HEADER;
	if (ex->typ != NULL && (!h->has_typ || !typ_matches(h->typ, ex->typ)))
		return BW_JWT_BAD_HEADER;
	return BW_JWT_OK;
}

static enum bw_jwt_reason find_key(const struct jws_header *h, enum bw_jwt_alg alg,
                                   const struct bw_jwt_keyset *keys, const struct bw_jwk **out)
{
	const struct bw_jwk *k = NULL;

	if (keys == NULL || keys->n == 0)
		return BW_JWT_UNKNOWN_KEY;
	if (h->has_kid) {
		for (size_t i = 0; i < keys->n && k == NULL; i++) {
			const struct bw_jwk *c = keys->keys[i];

			if (strlen(c->kid) == h->kid.len &&
			    memcmp(c->kid, h->kid.p, h->kid.len) == 0)
				k = c;
		}
	} else if (keys->n == 1) {
		k = keys->keys[0];
	}
	if (k == NULL)
		return BW_JWT_UNKNOWN_KEY;
	/* the key decides the algorithm (RFC 8725 §3.1): never the other way round */
	if (k->alg != alg)
		return BW_JWT_ALG_MISMATCH;
	*out = k;
	return BW_JWT_OK;
}

/* ---- claims ------------------------------------------------------------------ */

/* an optional NumericDate: an integer in [0, 2^53]; BAD_CLAIMS for anything else */
static bool get_date(const json_t *claims, const char *name, bool *present, int64_t *v)
{
	const json_t *j = json_object_get(claims, name);

	*present = j != NULL;
	if (j == NULL)
		return true;
	if (!json_is_integer(j))
		return false;
	*v = (int64_t)json_integer_value(j);
	return *v >= 0 && *v <= DATE_MAX;
}

static bool aud_contains(const json_t *aud, const char *want)
{
	const json_t *v;
	size_t i;
	bool found = false;

	if (json_is_string(aud))
		return bw_str_eq_c((struct bw_str){json_string_value(aud), json_string_length(aud)},
		                   want);
	if (!json_is_array(aud))
		return false;
	json_array_foreach(aud, i, v)
	{
		if (!json_is_string(v))
			return false; /* a malformed member spoils the whole claim */
		found |= bw_str_eq_c((struct bw_str){json_string_value(v), json_string_length(v)},
		                     want);
	}
	return found;
}

static enum bw_jwt_reason claims_check(const json_t *c, const struct bw_jwt_expect *ex)
{
	int64_t now = ex->now != 0 ? ex->now : (int64_t)time(NULL);
	int64_t leeway = ex->leeway_s, exp = 0, nbf = 0, iat = 0;
	bool has_exp, has_nbf, has_iat;
	const json_t *iss;

	if (!get_date(c, "exp", &has_exp, &exp) || !get_date(c, "nbf", &has_nbf, &nbf) ||
	    !get_date(c, "iat", &has_iat, &iat))
		return BW_JWT_BAD_CLAIMS;
	if (!has_exp && !ex->exp_optional)
		return BW_JWT_BAD_CLAIMS;
	if (ex->issuer != NULL) {
		iss = json_object_get(c, "iss");
		if (!json_is_string(iss) ||
		    !bw_str_eq_c((struct bw_str){json_string_value(iss), json_string_length(iss)},
		                 ex->issuer))
			return BW_JWT_BAD_CLAIMS;
	}
	if (ex->audience != NULL && !aud_contains(json_object_get(c, "aud"), ex->audience))
		return BW_JWT_BAD_CLAIMS;
	/* RFC 7519 §4.1.4: the current time must be before exp */
	if (has_exp && now - leeway >= exp)
		return BW_JWT_EXPIRED;
	if ((has_nbf && nbf > now + leeway) || (has_iat && iat > now + leeway))
		return BW_JWT_NOT_YET_VALID;
	return BW_JWT_OK;
}

/* ---- verification -------------------------------------------------------------- */

static enum bw_err verify(struct bw_str token, const struct bw_jwt_keyset *keys,
                          const struct bw_jwt_expect *ex, json_t **claims_out,
                          const struct bw_jwk **key_used, enum bw_jwt_reason *why)
{
	uint8_t buf[DECODED_MAX], sig[JWS_SIG_MAX];
	const struct bw_json_limits lim = {.max_bytes = DECODED_MAX, .max_depth = CLAIMS_DEPTH};
	struct jws_parts parts;
	struct jws_header h = {0};
	const struct bw_jwk *key = NULL;
	enum bw_jwt_alg alg;
	json_t *claims = NULL;
	size_t siglen = 0, n = 0;
	enum bw_err rc = BW_OK;

	*why = BW_JWT_MALFORMED;
	if (!split(token, &parts))
		goto out;
	*why = header_read(parts.header, buf, sizeof(buf), &h, &rc);
	if (*why != BW_JWT_OK || rc != BW_OK)
		goto out;
	*why = header_check(&h, ex, &alg);
	if (*why != BW_JWT_OK)
		goto out;
	*why = find_key(&h, alg, keys, &key);
	if (*why != BW_JWT_OK)
		goto out;
	/* not base64url: malformed; longer than any signature: a wrong one */
	rc = jws_b64_decode(parts.sig.p, parts.sig.len, sig, sizeof(sig), &siglen);
	if (rc != BW_OK) {
		*why = rc == BW_ERR_LIMIT ? BW_JWT_BAD_SIGNATURE : BW_JWT_MALFORMED;
		rc = BW_OK;
		goto out;
	}
	*why = BW_JWT_BAD_SIGNATURE;
	rc = jws_verify(key, parts.signing_input.p, parts.signing_input.len, sig, siglen);
	if (rc == BW_ERR_VERIFY) {
		rc = BW_OK; /* a refusal, which *why names */
		goto out;
	}
	if (rc != BW_OK)
		goto out;
	*why = BW_JWT_MALFORMED;
	if (jws_b64_decode(parts.payload.p, parts.payload.len, buf, sizeof(buf), &n) != BW_OK)
		goto out;
	if (!jwt_flat_parse(buf, n, &claims, &rc))
		rc = bw_json_parse(buf, n, &lim, &claims, NULL);
	if (rc != BW_OK) {
		if (rc != BW_ERR_NOMEM)
			rc = BW_OK; /* a refusal: *why is MALFORMED */
		goto out;
	}
	*why = claims_check(claims, ex);
out:
	json_decref(h.doc);
	if (rc == BW_OK && *why != BW_JWT_OK)
		rc = BW_ERR_DENIED;
	if (rc == BW_OK) {
		if (claims_out != NULL)
			*claims_out = claims;
		else
			json_decref(claims);
		if (key_used != NULL)
			*key_used = key;
	} else {
		json_decref(claims);
	}
	return rc;
}

enum bw_err bw_jwt_verify(struct bw_str token, const struct bw_jwt_keyset *keys,
                          const struct bw_jwt_expect *expect, json_t **claims,
                          const struct bw_jwk **key_used, enum bw_jwt_reason *why)
{
	enum bw_jwt_reason reason = BW_JWT_MALFORMED;
	enum bw_err rc;

	BW_REQUIRE(expect != NULL);
	if (claims != NULL)
		*claims = NULL;
	if (key_used != NULL)
		*key_used = NULL;
	rc = verify(token, keys, expect, claims, key_used, &reason);
	if (why != NULL)
		*why = rc == BW_OK ? BW_JWT_OK : reason;
	return rc;
}

/* ---- unverified reads ---------------------------------------------------------- */

static enum bw_err peek(struct bw_str token, bool want_claims, json_t **out)
{
	uint8_t buf[DECODED_MAX];
	const struct bw_json_limits lim = {.max_bytes = DECODED_MAX,
	                                   .max_depth = want_claims ? CLAIMS_DEPTH : HEADER_DEPTH};
	struct jws_parts parts;
	struct bw_str seg;
	size_t n = 0;
	enum bw_err rc;

	BW_REQUIRE(out != NULL);
	*out = NULL;
	if (!split(token, &parts) || !jws_b64_canonical(parts.header.p, parts.header.len) ||
	    !jws_b64_canonical(parts.payload.p, parts.payload.len) ||
	    !jws_b64_canonical(parts.sig.p, parts.sig.len))
		return BW_ERR_INVALID;
	seg = want_claims ? parts.payload : parts.header;
	if (jws_b64_decode(seg.p, seg.len, buf, sizeof(buf), &n) != BW_OK)
		return BW_ERR_INVALID;
	rc = bw_json_parse(buf, n, &lim, out, NULL);
	return rc == BW_OK || rc == BW_ERR_NOMEM ? rc : BW_ERR_INVALID;
}

enum bw_err bw_jwt_peek_header(struct bw_str token, json_t **header)
{
	return peek(token, false, header);
}

enum bw_err bw_jwt_peek_claims(struct bw_str token, json_t **claims)
{
	return peek(token, true, claims);
}
