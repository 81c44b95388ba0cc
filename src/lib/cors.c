/*
 * cors.c — strict origin parsing, the origin allowlist, and CORS answers.
 *
 * Origins are compared byte for byte in canonical form: the allowlist is
 * canonicalised once at start-up, and a request's Origin is accepted only
 * when it is its own canonical form (which is what browsers send), so no
 * case, port or suffix trick can make two different origins look alike.
 * Allow-Origin is always copied from the allowlist (or is "*"), never from
 * the request.
 */
#include "bulwark/cors.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOST_MAX  253
#define LABEL_MAX 63

struct bw_cors {
	size_t n;
	char origins[BW_CORS_MAX_ORIGINS][BW_CORS_ORIGIN_SIZE];
	size_t lens[BW_CORS_MAX_ORIGINS];
	char max_age[12];
};

static const char *const cors_headers[] = {
        "Access-Control-Allow-Origin",  "Access-Control-Allow-Credentials",
        "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
        "Access-Control-Max-Age",       "Access-Control-Expose-Headers",
};

/* ---- origin parsing ---- */

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_ldh(char c)
{
	c = lower(c);
	return (c >= 'a' && c <= 'z') || is_digit(c) || c == '-';
}

/* A dotted quad of decimal octets without leading zeros. */
static bool ipv4_ok(struct bw_str h)
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		size_t j = i;
		uint64_t v;

		while (j < h.len && h.p[j] != '.')
			j++;
		if (bw_parse_u64((struct bw_str){h.p + i, j - i}, 0, 255, &v) != BW_OK)
			return false;
		if (part < 3 && j == h.len)
			return false;
		i = j + 1;
	}
	return i == h.len + 1;
}

/*
 * A registered name: LDH labels, no empty label (so no trailing dot), no
 * label starting or ending with '-'. If the last label looks numeric, URL
 * parsers read the whole host as an IPv4 address ("127.1", "0x7f.1"), so
 * only a canonical dotted quad is accepted then.
 */
static bool reg_name_ok(struct bw_str h)
{
	size_t label = 0, last = 0;

	if (h.len == 0 || h.len > HOST_MAX)
		return false;
	for (size_t i = 0; i <= h.len; i++) {
		if (i == h.len || h.p[i] == '.') {
			if (label == 0 || h.p[i - 1] == '-' || h.p[i - label] == '-')
				return false;
			last = i - label;
			label = 0;
			continue;
		}
		if (!is_ldh(h.p[i]) || ++label > LABEL_MAX)
			return false;
	}
	{
		struct bw_str tail = {h.p + last, h.len - last};
		bool numeric = true;

		for (size_t i = 0; i < tail.len; i++)
			if (!is_digit(tail.p[i]))
				numeric = false;
		if (tail.len >= 2 && tail.p[0] == '0' && lower(tail.p[1]) == 'x')
			numeric = true;
		if (numeric)
			return ipv4_ok(h);
	}
	return true;
}

enum bw_err bw_cors_origin_parse(struct bw_str in, char out[BW_CORS_ORIGIN_SIZE], size_t *out_len)
{
	char buf[BW_CORS_ORIGIN_SIZE];
	struct bw_str rest, host, port = {NULL, 0};
	size_t pos = 0, i;
	uint64_t portv = 0, defport;

	BW_REQUIRE(out != NULL && out_len != NULL && (in.p != NULL || in.len == 0));
	if (in.len >= BW_CORS_ORIGIN_SIZE)
		return BW_ERR_INVALID;
	if (in.len > 8 && bw_str_caseeq_c((struct bw_str){in.p, 8}, "https://")) {
		memcpy(buf, "https://", 8);
		pos = 8;
		defport = 443;
	} else if (in.len > 7 && bw_str_caseeq_c((struct bw_str){in.p, 7}, "http://")) {
		memcpy(buf, "http://", 7);
		pos = 7;
		defport = 80;
	} else {
		return BW_ERR_INVALID; /* "null", other schemes, no scheme */
	}
	rest = (struct bw_str){in.p + pos, in.len - pos};
	if (rest.p[0] == '[') {
		char lit[64], canon[INET6_ADDRSTRLEN];
		unsigned char addr[16];

		for (i = 1; i < rest.len && rest.p[i] != ']'; i++)
			if (!(is_digit(rest.p[i]) ||
			      (lower(rest.p[i]) >= 'a' && lower(rest.p[i]) <= 'f') ||
			      rest.p[i] == ':' || rest.p[i] == '.'))
				return BW_ERR_INVALID; /* no zone ids, nothing else */
		if (i == rest.len || i - 1 >= sizeof(lit))
			return BW_ERR_INVALID;
		memcpy(lit, rest.p + 1, i - 1);
		lit[i - 1] = '\0';
		if (inet_pton(AF_INET6, lit, addr) != 1 ||
		    inet_ntop(AF_INET6, addr, canon, sizeof(canon)) == NULL ||
		    strchr(canon, '.') != NULL)
			return BW_ERR_INVALID; /* browsers never write a v6 origin with dots */
		host = bw_str_c(canon);
		buf[pos++] = '[';
		memcpy(buf + pos, host.p, host.len);
		pos += host.len;
		buf[pos++] = ']';
		i++;
	} else {
		for (i = 0; i < rest.len && rest.p[i] != ':'; i++)
			;
		host = (struct bw_str){rest.p, i};
		if (!reg_name_ok(host))
			return BW_ERR_INVALID;
		for (size_t k = 0; k < host.len; k++)
			buf[pos++] = lower(host.p[k]);
	}
	if (i < rest.len) {
		if (rest.p[i] != ':')
			return BW_ERR_INVALID;
		port = (struct bw_str){rest.p + i + 1, rest.len - i - 1};
		if (bw_parse_u64(port, 1, 65535, &portv) != BW_OK)
			return BW_ERR_INVALID;
	}
	if (port.p != NULL && portv != defport) {
		int n = snprintf(buf + pos, sizeof(buf) - pos, ":%u", (unsigned)portv);

		if (n < 0 || (size_t)n >= sizeof(buf) - pos)
			return BW_ERR_INVALID;
		pos += (size_t)n;
	}
	if (pos >= BW_CORS_ORIGIN_SIZE)
		return BW_ERR_INVALID;
	buf[pos] = '\0';
	memcpy(out, buf, pos + 1);
	*out_len = pos;
	return BW_OK;
}

/* ---- the allowlist ---- */

enum bw_err bw_cors_new(const char *const *origins, size_t n, unsigned max_age,
                        struct bw_cors **out)
{
	struct bw_cors *c;
	enum bw_err rc = BW_OK;

	BW_REQUIRE(out != NULL && (origins != NULL || n == 0));
	if (n > BW_CORS_MAX_ORIGINS || max_age > BW_CORS_MAX_AGE_MAX)
		return BW_ERR_CONFIG;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return BW_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		BW_REQUIRE(origins[i] != NULL);
		if (bw_cors_origin_parse(bw_str_c(origins[i]), c->origins[i], &c->lens[i]) !=
		    BW_OK) {
			rc = BW_ERR_CONFIG;
			goto out;
		}
		for (size_t k = 0; k < i; k++)
			if (c->lens[k] == c->lens[i] &&
			    memcmp(c->origins[k], c->origins[i], c->lens[i]) == 0) {
				rc = BW_ERR_CONFIG; /* the same origin twice: a typo hides somewhere
				                     */
				goto out;
			}
		c->n = i + 1;
	}
	(void)snprintf(c->max_age, sizeof(c->max_age), "%u", max_age);
out:
	if (rc != BW_OK) {
		free(c);
		return rc;
	}
	*out = c;
	return BW_OK;
}

void bw_cors_free(struct bw_cors *cors)
{
	free(cors);
}

/* ---- answering a request ---- */

static void strip_cors(struct bw_hdrs *out)
{
	for (size_t i = 0; i < sizeof(cors_headers) / sizeof(cors_headers[0]); i++)
		(void)bw_hdrs_remove(out, cors_headers[i]);
}

/* Add Vary: Origin unless a Vary header already says exactly that. */
static enum bw_err add_vary(struct bw_hdrs *out)
{
	for (size_t i = 0; i < out->count; i++)
		if (bw_str_caseeq_c(bw_str_c(out->items[i].name), "Vary") &&
		    bw_str_caseeq_c(bw_str_c(out->items[i].value), "Origin"))
			return BW_OK;
	return bw_hdrs_add(out, "Vary", "Origin");
}

/* The allowlisted origin that origin is byte-equal to, or NULL. */
static const char *match_origin(const struct bw_cors *c, const char *origin, bool public_route)
{
	char canon[BW_CORS_ORIGIN_SIZE];
	size_t len = strnlen(origin, BW_CORS_ORIGIN_SIZE), clen;

	if (len >= BW_CORS_ORIGIN_SIZE)
		return NULL;
	/* only the canonical form itself: what a browser sends */
	if (bw_cors_origin_parse((struct bw_str){origin, len}, canon, &clen) != BW_OK ||
	    clen != len || memcmp(canon, origin, len) != 0)
		return NULL;
	if (public_route)
		return "*";
	for (size_t i = 0; i < c->n; i++)
		if (c->lens[i] == len && memcmp(c->origins[i], origin, len) == 0)
			return c->origins[i];
	return NULL;
}

static size_t list_len(const char *const *list)
{
	size_t n = 0;

	if (list == NULL)
		return 0;
	while (list[n] != NULL) {
		BW_REQUIRE(bw_hdr_name_valid(bw_str_c(list[n])));
		n++;
	}
	BW_REQUIRE(n <= BW_CORS_MAX_ALLOWED);
	return n;
}

/* The route's spelling of method, or NULL when it is not allowed. */
static const char *match_method(const char *const *allow, size_t n, const char *method)
{
	size_t len;

	if (method == NULL)
		return NULL;
	len = strnlen(method, 64);
	for (size_t i = 0; i < n; i++)
		if (bw_str_eq((struct bw_str){method, len}, bw_str_c(allow[i])))
			return allow[i];
	return NULL;
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Check Access-Control-Request-Headers ("a, b,c") against allow; *asked gets
 * a bit per allowed header that was asked. false when any element is empty,
 * not a token, or not allowed, or the value is too long.
 */
static bool match_headers(const char *const *allow, size_t n, const char *acrh, uint32_t *asked)
{
	size_t len = strnlen(acrh, BW_CORS_ACRH_MAX + 1), i = 0;

	*asked = 0;
	if (len > BW_CORS_ACRH_MAX || len == 0)
		return false;
	while (i <= len) {
		size_t j = i, a, b, k;

		while (j < len && acrh[j] != ',')
			j++;
		a = i;
		b = j;
		while (a < b && is_ows(acrh[a]))
			a++;
		while (b > a && is_ows(acrh[b - 1]))
			b--;
		if (!bw_hdr_name_valid((struct bw_str){acrh + a, b - a}))
			return false;
		for (k = 0; k < n; k++)
			if (bw_str_caseeq_c((struct bw_str){acrh + a, b - a}, allow[k]))
				break;
		if (k == n)
			return false;
		*asked |= (uint32_t)1u << k;
		i = j + 1;
	}
	return true;
}

/* allow[k] for every bit k of asked, joined by ", ", arena-owned. */
static char *join_headers(struct bw_arena *arena, const char *const *allow, size_t n,
                          uint32_t asked)
{
	size_t total = 0, pos = 0;
	char *s;

	for (size_t k = 0; k < n; k++)
		if (asked & ((uint32_t)1u << k))
			total += strlen(allow[k]) + 2;
	s = bw_arena_alloc(arena, total + 1);
	if (s == NULL)
		return NULL;
	for (size_t k = 0; k < n; k++) {
		size_t l;

		if (!(asked & ((uint32_t)1u << k)))
			continue;
		if (pos > 0) {
			memcpy(s + pos, ", ", 2);
			pos += 2;
		}
		l = strlen(allow[k]);
		memcpy(s + pos, allow[k], l);
		pos += l;
	}
	s[pos] = '\0';
	return s;
}

enum bw_err bw_cors_apply(const struct bw_cors *cors, enum bw_cors_mode mode, const char *origin,
                          const char *method, bool preflight, const char *acr_method,
                          const char *acr_headers, const char *const *allow_methods,
                          const char *const *allow_headers, struct bw_arena *arena,
                          struct bw_hdrs *out, enum bw_cors_result *result)
{
	enum bw_cors_result refused =
	        preflight ? BW_CORS_PREFLIGHT_REFUSED : BW_CORS_ORIGIN_REFUSED;
	size_t n_methods, n_headers;
	const char *allow_origin, *m = NULL, *acah = NULL;
	uint32_t asked = 0;
	enum bw_err rc = BW_OK;

	BW_REQUIRE(cors != NULL && arena != NULL && out != NULL && result != NULL);
	BW_REQUIRE(mode == BW_CORS_NONE || mode == BW_CORS_PUBLIC || mode == BW_CORS_ALLOWLIST);
	n_methods = list_len(allow_methods);
	n_headers = list_len(allow_headers);
	*result = refused;
	strip_cors(out);
	if (mode == BW_CORS_NONE) {
		*result = BW_CORS_OFF;
		return BW_OK;
	}
	rc = add_vary(out);
	if (rc != BW_OK)
		goto out;
	if (origin == NULL) {
		*result = BW_CORS_NO_ORIGIN;
		return BW_OK;
	}
	allow_origin = match_origin(cors, origin, mode == BW_CORS_PUBLIC);
	if (allow_origin == NULL)
		return BW_OK; /* refused: only Vary */
	if (preflight) {
		m = match_method(allow_methods, n_methods, acr_method);
		if (m == NULL)
			return BW_OK;
		if (acr_headers != NULL) {
			if (!match_headers(allow_headers, n_headers, acr_headers, &asked))
				return BW_OK;
			acah = join_headers(arena, allow_headers, n_headers, asked);
			if (acah == NULL) {
				rc = BW_ERR_NOMEM;
				goto out;
			}
		}
	} else if (match_method(allow_methods, n_methods, method) == NULL) {
		return BW_OK;
	}
	rc = bw_hdrs_add(out, "Access-Control-Allow-Origin", allow_origin);
	if (rc == BW_OK && mode == BW_CORS_ALLOWLIST)
		rc = bw_hdrs_add(out, "Access-Control-Allow-Credentials", "true");
	if (rc == BW_OK && preflight) {
		rc = bw_hdrs_add(out, "Access-Control-Allow-Methods", m);
		if (rc == BW_OK && acah != NULL)
			rc = bw_hdrs_add(out, "Access-Control-Allow-Headers", acah);
		if (rc == BW_OK)
			rc = bw_hdrs_add(out, "Access-Control-Max-Age", cors->max_age);
	}
	if (rc == BW_OK)
		*result = preflight ? BW_CORS_PREFLIGHT_OK : BW_CORS_ALLOWED;
out:
	if (rc != BW_OK) {
		strip_cors(out);
		*result = refused;
	}
	return rc;
}
