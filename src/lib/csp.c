/*
 * csp.c — Content-Security-Policy builder and strict parser.
 *
 * One checker (check_value) decides whether a value is allowed in a
 * directive; the builder and the parser both go through add_value, so they
 * accept exactly the same policies. Values are kept per directive in a
 * bounded buffer, separated by single spaces.
 */
#include "bulwark/csp.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/buf.h"

/* What a directive's value list is made of. */
enum kind {
	K_SRC,        /* a source list */
	K_ANCESTORS,  /* frame-ancestors: 'self', 'none', hosts */
	K_NOVAL,      /* no value at all */
	K_SANDBOX,    /* allow-* tokens, possibly none */
	K_REPORT_URI, /* one or more URI references */
	K_REPORT_TO,  /* exactly one endpoint name */
	K_RTT,        /* require-trusted-types-for: exactly 'script' */
};

/* Extra sources a source-list directive accepts beyond 'self', 'none', hosts. */
enum feat {
	F_NONCE = 1u << 0,
	F_HASH = 1u << 1,
	F_STRICT_DYNAMIC = 1u << 2,
	F_REPORT_SAMPLE = 1u << 3,
	F_DATA = 1u << 4,
};

/* Internal flag: add_value is called by the parser (a repeated value is an error). */
#define PARSING (1u << 31)

#define F_SCRIPT (F_NONCE | F_HASH | F_STRICT_DYNAMIC | F_REPORT_SAMPLE)
#define F_STYLE  (F_NONCE | F_HASH | F_REPORT_SAMPLE)

struct dir_info {
	const char *name;
	enum kind kind;
	unsigned feats;
};

static const struct dir_info dir_table[] = {
        {"default-src", K_SRC, F_SCRIPT},
        {"script-src", K_SRC, F_SCRIPT},
        {"script-src-elem", K_SRC, F_SCRIPT},
        {"script-src-attr", K_SRC, F_REPORT_SAMPLE},
        {"style-src", K_SRC, F_STYLE},
        {"style-src-elem", K_SRC, F_STYLE},
        {"style-src-attr", K_SRC, F_REPORT_SAMPLE},
        {"img-src", K_SRC, F_DATA},
        {"font-src", K_SRC, F_DATA},
        {"connect-src", K_SRC, 0},
        {"media-src", K_SRC, F_DATA},
        {"object-src", K_SRC, 0},
        {"frame-src", K_SRC, 0},
        {"child-src", K_SRC, 0},
        {"worker-src", K_SRC, 0},
        {"manifest-src", K_SRC, 0},
        {"form-action", K_SRC, 0},
        {"base-uri", K_SRC, 0},
        {"frame-ancestors", K_ANCESTORS, 0},
        {"sandbox", K_SANDBOX, 0},
        {"upgrade-insecure-requests", K_NOVAL, 0},
        {"report-uri", K_REPORT_URI, 0},
        {"report-to", K_REPORT_TO, 0},
        {"require-trusted-types-for", K_RTT, 0},
};

#define N_DIRS (sizeof(dir_table) / sizeof(dir_table[0]))

static const char *const sandbox_tokens[] = {
        "allow-downloads",
        "allow-forms",
        "allow-modals",
        "allow-orientation-lock",
        "allow-pointer-lock",
        "allow-popups",
        "allow-popups-to-escape-sandbox",
        "allow-presentation",
        "allow-same-origin",
        "allow-scripts",
        "allow-top-navigation",
        "allow-top-navigation-by-user-activation",
        "allow-top-navigation-to-custom-protocols",
};

struct dir {
	const struct dir_info *info;
	struct bw_buf val; /* values separated by one space */
	size_t n;          /* number of values */
};

struct bw_csp {
	struct dir dirs[N_DIRS]; /* each known directive at most once */
	size_t n;
};

/* ---- character classes ---- */

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower_ldh(char c)
{
	return (c >= 'a' && c <= 'z') || is_digit(c) || c == '-';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_b64(char c)
{
	return is_alpha(c) || is_digit(c) || c == '+' || c == '/' || c == '-' || c == '_';
}

/* URL path (and query) characters we let through: no quote, '*', ',', ';', '"', '\'. */
static bool is_path_char(char c)
{
	if (is_alpha(c) || is_digit(c))
		return true;
	return strchr("-._~!$&()+=:@/%?", c) != NULL && c != '\0';
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* ---- value checks ---- */

static bool str_in(struct bw_str s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (bw_str_eq_c(s, list[i]))
			return true;
	return false;
}

/* Percent-escapes are "%" HEXDIG HEXDIG; everything else from is_path_char. */
static bool path_ok(struct bw_str p)
{
	for (size_t i = 0; i < p.len; i++) {
		if (!is_path_char(p.p[i]))
			return false;
		if (p.p[i] == '%' && (i + 2 >= p.len || !is_hex(p.p[i + 1]) || !is_hex(p.p[i + 2])))
			return false;
	}
	return true;
}

/* host *( "." host ) of lower-case LDH labels, or a wildcard (DENIED). */
static enum bw_err host_check(struct bw_str h)
{
	size_t label = 0;

	if (h.len == 0 || h.len > 253)
		return BW_ERR_INVALID;
	for (size_t i = 0; i < h.len; i++)
		if (h.p[i] == '*')
			return BW_ERR_DENIED;
	for (size_t i = 0; i < h.len; i++) {
		if (h.p[i] == '.') {
			if (label == 0)
				return BW_ERR_INVALID;
			label = 0;
			continue;
		}
		if (!is_lower_ldh(h.p[i]) || ++label > 63)
			return BW_ERR_INVALID;
	}
	return label == 0 ? BW_ERR_INVALID : BW_OK;
}

/*
 * host-source: [scheme "://"] host [":" port] [path]. Only https and wss
 * schemes: a script fetched over http can be swapped by anyone on the path.
 */
static enum bw_err host_source_check(struct bw_str s)
{
	struct bw_str host, port = {NULL, 0}, path = {NULL, 0};
	const char *sep = NULL;
	size_t i, start = 0;
	enum bw_err rc;

	for (i = 0; i + 2 < s.len; i++)
		if (s.p[i] == ':' && s.p[i + 1] == '/' && s.p[i + 2] == '/') {
			sep = s.p + i;
			break;
		}
	if (sep != NULL) {
		struct bw_str scheme = {s.p, i};

		if (scheme.len == 0 || !is_alpha(scheme.p[0]))
			return BW_ERR_INVALID;
		for (size_t k = 0; k < scheme.len; k++)
			if (!((scheme.p[k] >= 'a' && scheme.p[k] <= 'z') || is_digit(scheme.p[k]) ||
			      scheme.p[k] == '+' || scheme.p[k] == '-' || scheme.p[k] == '.'))
				return BW_ERR_INVALID;
		if (!bw_str_eq_c(scheme, "https") && !bw_str_eq_c(scheme, "wss"))
			return BW_ERR_DENIED;
		start = i + 3;
	}
	host.p = s.p + start;
	for (i = start; i < s.len && s.p[i] != ':' && s.p[i] != '/'; i++)
		;
	host.len = (size_t)(s.p + i - host.p);
	if (i < s.len && s.p[i] == ':') {
		size_t p0 = ++i;

		while (i < s.len && s.p[i] != '/')
			i++;
		port.p = s.p + p0;
		port.len = i - p0;
	}
	if (i < s.len) {
		path.p = s.p + i;
		path.len = s.len - i;
	}
	rc = host_check(host);
	if (rc != BW_OK)
		return rc;
	if (port.p != NULL) {
		uint64_t v;

		if (port.len == 1 && port.p[0] == '*')
			return BW_ERR_DENIED;
		if (bw_parse_u64(port, 1, 65535, &v) != BW_OK)
			return BW_ERR_INVALID;
	}
	for (i = 0; i < path.len; i++)
		if (path.p[i] == '*')
			return BW_ERR_DENIED;
	return path_ok(path) ? BW_OK : BW_ERR_INVALID;
}

/* A base64 value of a hash: standard alphabet, padded, decoding to want bytes. */
static bool hash_b64_ok(struct bw_str v, size_t want)
{
	unsigned char bin[64];
	size_t binlen = 0;

	if (v.len != sodium_base64_ENCODED_LEN(want, sodium_base64_VARIANT_ORIGINAL) - 1)
		return false;
	if (sodium_base642bin(bin, sizeof(bin), v.p, v.len, NULL, &binlen, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0)
		return false;
	return binlen == want;
}

/* A quoted keyword, nonce or hash: 'xxx'. */
static enum bw_err keyword_check(const struct dir_info *d, struct bw_str s, unsigned flags)
{
	unsigned feats = d->kind == K_SRC ? d->feats : 0;
	struct bw_str k;

	if (s.len < 3 || s.p[s.len - 1] != '\'')
		return BW_ERR_INVALID;
	k = (struct bw_str){s.p + 1, s.len - 2};
	for (size_t i = 0; i < k.len; i++)
		if (k.p[i] == '\'')
			return BW_ERR_INVALID;
	if (bw_str_has_prefix_c(k, "unsafe-") || bw_str_eq_c(k, "wasm-unsafe-eval"))
		return BW_ERR_DENIED;
	if (bw_str_eq_c(k, "self") || bw_str_eq_c(k, "none"))
		return BW_OK;
	if (bw_str_eq_c(k, "strict-dynamic"))
		return (feats & F_STRICT_DYNAMIC) ? BW_OK : BW_ERR_INVALID;
	if (bw_str_eq_c(k, "report-sample"))
		return (feats & F_REPORT_SAMPLE) ? BW_OK : BW_ERR_INVALID;
	if (bw_str_has_prefix_c(k, "nonce-")) {
		struct bw_str v = {k.p + 6, k.len - 6};
		size_t i = 0;

		if (!(feats & F_NONCE))
			return BW_ERR_INVALID;
		while (i < v.len && is_b64(v.p[i]))
			i++;
		/* up to two '=' of padding, and nothing after them */
		for (size_t pad = 0; i < v.len && v.p[i] == '=' && pad < 2; pad++)
			i++;
		if (i != v.len || v.len == 0 || v.p[0] == '=')
			return BW_ERR_INVALID;
		if (v.len > BW_CSP_NONCE_MAX)
			return BW_ERR_INVALID;
		if (v.len < BW_CSP_NONCE_MIN)
			return BW_ERR_DENIED;
		return (flags & BW_CSP_STATIC) ? BW_ERR_DENIED : BW_OK;
	}
	if (bw_str_has_prefix_c(k, "sha256-") || bw_str_has_prefix_c(k, "sha384-") ||
	    bw_str_has_prefix_c(k, "sha512-")) {
		size_t want = k.p[3] == '2' ? 32 : k.p[3] == '3' ? 48 : 64;
		struct bw_str v = {k.p + 7, k.len - 7};

		if (!(feats & F_HASH))
			return BW_ERR_INVALID;
		return hash_b64_ok(v, want) ? BW_OK : BW_ERR_INVALID;
	}
	return BW_ERR_INVALID;
}

/* A report-uri value: an absolute path ("/x", not "//x") or an https URL. */
static enum bw_err report_uri_check(struct bw_str s)
{
	struct bw_str rest;
	size_t i;

	if (s.len >= 1 && s.p[0] == '/') {
		if (s.len >= 2 && s.p[1] == '/')
			return BW_ERR_INVALID;
		return path_ok(s) ? BW_OK : BW_ERR_INVALID;
	}
	if (!bw_str_has_prefix_c(s, "https://"))
		return BW_ERR_INVALID;
	rest = (struct bw_str){s.p + 8, s.len - 8};
	for (i = 0; i < rest.len && rest.p[i] != '/'; i++)
		;
	if (i == 0 || i == rest.len)
		return BW_ERR_INVALID; /* no host, or no path at all */
	if (host_source_check((struct bw_str){rest.p, i}) != BW_OK)
		return BW_ERR_INVALID;
	return path_ok((struct bw_str){rest.p + i, rest.len - i}) ? BW_OK : BW_ERR_INVALID;
}

/* Whether value s (one token, no white space) may appear in directive d. */
static enum bw_err check_value(const struct dir_info *d, struct bw_str s, unsigned flags)
{
	if (s.len == 0)
		return BW_ERR_INVALID;
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (c <= 0x20 || c >= 0x7F || c == ';' || c == ',' || c == '"' || c == '\\')
			return BW_ERR_INVALID;
	}
	switch (d->kind) {
	case K_NOVAL:
		return BW_ERR_INVALID;
	case K_SANDBOX:
		return str_in(s, sandbox_tokens, sizeof(sandbox_tokens) / sizeof(sandbox_tokens[0]))
		               ? BW_OK
		               : BW_ERR_INVALID;
	case K_REPORT_URI:
		return report_uri_check(s);
	case K_REPORT_TO:
		if (s.len > 64)
			return BW_ERR_INVALID;
		for (size_t i = 0; i < s.len; i++)
			if (!(is_alpha(s.p[i]) || is_digit(s.p[i]) || s.p[i] == '-' ||
			      s.p[i] == '_'))
				return BW_ERR_INVALID;
		return BW_OK;
	case K_RTT:
		return bw_str_eq_c(s, "'script'") ? BW_OK : BW_ERR_INVALID;
	case K_SRC:
	case K_ANCESTORS:
		break;
	}
	if (s.p[0] == '\'')
		return keyword_check(d, s, flags);
	if (s.len == 1 && s.p[0] == '*')
		return BW_ERR_DENIED;
	if (s.p[s.len - 1] == ':') {
		/* scheme-source */
		struct bw_str scheme = {s.p, s.len - 1};

		if (scheme.len == 0 || !is_alpha(scheme.p[0]))
			return BW_ERR_INVALID;
		for (size_t i = 0; i < scheme.len; i++)
			if (!((scheme.p[i] >= 'a' && scheme.p[i] <= 'z') || is_digit(scheme.p[i]) ||
			      scheme.p[i] == '+' || scheme.p[i] == '-' || scheme.p[i] == '.'))
				return BW_ERR_INVALID;
		if (bw_str_eq_c(scheme, "data") && d->kind == K_SRC && (d->feats & F_DATA))
			return BW_OK;
		return BW_ERR_DENIED;
	}
	return host_source_check(s);
}

/* ---- the builder ---- */

static const struct dir_info *dir_lookup(struct bw_str name)
{
	for (size_t i = 0; i < N_DIRS; i++)
		if (bw_str_eq_c(name, dir_table[i].name))
			return &dir_table[i];
	return NULL;
}

/* Index of the directive in csp, or csp->n when it is absent. */
static size_t dir_index(const struct bw_csp *csp, const struct dir_info *info)
{
	size_t i;

	for (i = 0; i < csp->n; i++)
		if (csp->dirs[i].info == info)
			break;
	return i;
}

static struct dir *dir_find(struct bw_csp *csp, const struct dir_info *info)
{
	size_t i = dir_index(csp, info);

	return i < csp->n ? &csp->dirs[i] : NULL;
}

static struct dir *dir_create(struct bw_csp *csp, const struct dir_info *info)
{
	struct dir *d;

	BW_REQUIRE(csp->n < N_DIRS);
	d = &csp->dirs[csp->n++];
	d->info = info;
	d->n = 0;
	bw_buf_init(&d->val, BW_CSP_MAX_LEN);
	return d;
}

/* Whether the space-separated list in d holds the token s. */
static bool dir_has_value(const struct dir *d, struct bw_str s)
{
	struct bw_str all = bw_buf_str(&d->val);
	size_t i = 0;

	while (i < all.len) {
		size_t j = i;

		while (j < all.len && all.p[j] != ' ')
			j++;
		if (bw_str_eq((struct bw_str){all.p + i, j - i}, s))
			return true;
		i = j + 1;
	}
	return false;
}

/* Check s and append it to d; d is unchanged on error. */
static enum bw_err add_value(struct dir *d, struct bw_str s, unsigned flags)
{
	enum bw_err rc = check_value(d->info, s, flags);
	size_t old = d->val.len;

	if (rc != BW_OK)
		return rc;
	if (dir_has_value(d, s))
		return (flags & PARSING) ? BW_ERR_INVALID : BW_OK;
	if (d->n > 0 && (bw_str_eq_c(s, "'none'") || dir_has_value(d, BW_STR("'none'"))))
		return BW_ERR_INVALID; /* 'none' stands alone */
	if ((d->info->kind == K_REPORT_TO || d->info->kind == K_RTT) && d->n > 0)
		return BW_ERR_INVALID;
	if (d->info->kind == K_SANDBOX &&
	    ((bw_str_eq_c(s, "allow-scripts") && dir_has_value(d, BW_STR("allow-same-origin"))) ||
	     (bw_str_eq_c(s, "allow-same-origin") && dir_has_value(d, BW_STR("allow-scripts")))))
		return BW_ERR_DENIED; /* a sandboxed script could lift its own sandbox */
	if (d->n >= BW_CSP_MAX_SOURCES)
		return BW_ERR_LIMIT;
	if (d->n > 0)
		rc = bw_buf_append_byte(&d->val, ' ');
	if (rc == BW_OK)
		rc = bw_buf_append_str(&d->val, s);
	if (rc != BW_OK) {
		/* undo the separator so d stays as it was */
		d->val.len = old;
		if (d->val.p != NULL)
			d->val.p[old] = '\0';
		return rc;
	}
	d->n++;
	return BW_OK;
}

enum bw_err bw_csp_new(struct bw_csp **out)
{
	struct bw_csp *csp;

	BW_REQUIRE(out != NULL);
	csp = calloc(1, sizeof(*csp));
	if (csp == NULL)
		return BW_ERR_NOMEM;
	*out = csp;
	return BW_OK;
}

void bw_csp_free(struct bw_csp *csp)
{
	if (csp == NULL)
		return;
	for (size_t i = 0; i < csp->n; i++)
		bw_buf_free(&csp->dirs[i].val);
	free(csp);
}

enum bw_err bw_csp_add(struct bw_csp *csp, const char *directive, const char *source)
{
	const struct dir_info *info;
	struct dir *d;
	bool created = false;
	enum bw_err rc = BW_OK;

	BW_REQUIRE(csp != NULL && directive != NULL);
	info = dir_lookup(bw_str_c(directive));
	if (info == NULL)
		return BW_ERR_INVALID;
	if (source == NULL && info->kind != K_NOVAL && info->kind != K_SANDBOX)
		return BW_ERR_INVALID; /* a source list needs a source ('none' if nothing) */
	d = dir_find(csp, info);
	if (d == NULL) {
		d = dir_create(csp, info);
		created = true;
	}
	if (source != NULL)
		rc = add_value(d, bw_str_c(source), 0);
	if (rc != BW_OK && created) {
		bw_buf_free(&d->val);
		csp->n--;
	}
	return rc;
}

enum bw_err bw_csp_add_nonce(struct bw_csp *csp, const char *directive, const char *nonce)
{
	char tmp[BW_CSP_NONCE_MAX + 16];
	size_t n;

	BW_REQUIRE(csp != NULL && directive != NULL && nonce != NULL);
	n = strlen(nonce);
	if (n > BW_CSP_NONCE_MAX)
		return BW_ERR_INVALID;
	memcpy(tmp, "'nonce-", 7);
	memcpy(tmp + 7, nonce, n);
	tmp[7 + n] = '\'';
	tmp[8 + n] = '\0';
	return bw_csp_add(csp, directive, tmp);
}

enum bw_err bw_csp_add_hash(struct bw_csp *csp, const char *directive, const void *content,
                            size_t len)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	char tmp[16 + sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES,
	                                        sodium_base64_VARIANT_ORIGINAL)];
	size_t n;

	BW_REQUIRE(csp != NULL && directive != NULL && (content != NULL || len == 0));
	crypto_hash_sha256(digest, (const unsigned char *)(content != NULL ? content : ""),
	                   (unsigned long long)len);
	memcpy(tmp, "'sha256-", 8);
	sodium_bin2base64(tmp + 8, sizeof(tmp) - 8, digest, sizeof(digest),
	                  sodium_base64_VARIANT_ORIGINAL);
	n = strlen(tmp);
	tmp[n] = '\'';
	tmp[n + 1] = '\0';
	return bw_csp_add(csp, directive, tmp);
}

bool bw_csp_has(const struct bw_csp *csp, const char *directive)
{
	const struct dir_info *info;

	BW_REQUIRE(csp != NULL && directive != NULL);
	info = dir_lookup(bw_str_c(directive));
	return info != NULL && dir_index(csp, info) < csp->n;
}

enum bw_err bw_csp_serialize(const struct bw_csp *csp, struct bw_arena *arena, const char **out)
{
	size_t total = 0, pos = 0;
	char *s;

	BW_REQUIRE(csp != NULL && arena != NULL && out != NULL);
	if (csp->n == 0)
		return BW_ERR_INVALID;
	for (size_t i = 0; i < csp->n; i++) {
		const struct dir *d = &csp->dirs[i];

		/* lengths are each capped at BW_CSP_MAX_LEN, so this cannot overflow */
		total += (i > 0 ? 2 : 0) + strlen(d->info->name) + (d->n > 0 ? 1 + d->val.len : 0);
	}
	if (total > BW_CSP_MAX_LEN)
		return BW_ERR_LIMIT;
	s = bw_arena_alloc(arena, total + 1);
	if (s == NULL)
		return BW_ERR_NOMEM;
	for (size_t i = 0; i < csp->n; i++) {
		const struct dir *d = &csp->dirs[i];
		size_t nl = strlen(d->info->name);

		if (i > 0) {
			memcpy(s + pos, "; ", 2);
			pos += 2;
		}
		memcpy(s + pos, d->info->name, nl);
		pos += nl;
		if (d->n > 0) {
			s[pos++] = ' ';
			memcpy(s + pos, d->val.p, d->val.len);
			pos += d->val.len;
		}
	}
	s[pos] = '\0';
	*out = s;
	return BW_OK;
}

/* ---- the parser ---- */

/* Parse one directive "name v1 v2" (no ';') into csp. */
static enum bw_err parse_directive(struct bw_csp *csp, struct bw_str t, unsigned flags)
{
	const struct dir_info *info;
	struct dir *d;
	size_t i = 0, j;
	enum bw_err rc;

	while (i < t.len && !is_ws(t.p[i]))
		i++;
	info = dir_lookup((struct bw_str){t.p, i});
	if (info == NULL)
		return BW_ERR_INVALID;
	if (dir_find(csp, info) != NULL)
		return BW_ERR_INVALID; /* browsers ignore a repeat; we refuse it */
	d = dir_create(csp, info);
	for (;;) {
		while (i < t.len && is_ws(t.p[i]))
			i++;
		if (i == t.len)
			break;
		j = i;
		while (j < t.len && !is_ws(t.p[j]))
			j++;
		rc = add_value(d, (struct bw_str){t.p + i, j - i}, flags | PARSING);
		if (rc != BW_OK)
			return rc;
		i = j;
	}
	if (d->n == 0 && info->kind != K_NOVAL && info->kind != K_SANDBOX)
		return BW_ERR_INVALID; /* an empty list means 'none': say so */
	return BW_OK;
}

enum bw_err bw_csp_parse(struct bw_str policy, unsigned flags, struct bw_csp **out)
{
	struct bw_csp *csp = NULL;
	enum bw_err rc = BW_OK;
	size_t i = 0;

	BW_REQUIRE(out != NULL && (policy.p != NULL || policy.len == 0));
	if (policy.len > BW_CSP_MAX_LEN)
		return BW_ERR_LIMIT;
	for (size_t k = 0; k < policy.len; k++) {
		unsigned char c = (unsigned char)policy.p[k];

		/* no CR, LF, NUL or any other control; no ',' (it starts a second policy) */
		if ((c < 0x20 && c != '\t') || c >= 0x7F || c == ',')
			return BW_ERR_INVALID;
	}
	rc = bw_csp_new(&csp);
	if (rc != BW_OK)
		return rc;
	while (i < policy.len) {
		size_t j = i, a, b;

		while (j < policy.len && policy.p[j] != ';')
			j++;
		a = i;
		b = j;
		while (a < b && is_ws(policy.p[a]))
			a++;
		while (b > a && is_ws(policy.p[b - 1]))
			b--;
		if (a == b) {
			/* only the piece after a final ';' may be empty: "a; b;" */
			if (j != policy.len || csp->n == 0) {
				rc = BW_ERR_INVALID;
				goto out;
			}
			break;
		}
		rc = parse_directive(csp, (struct bw_str){policy.p + a, b - a}, flags);
		if (rc != BW_OK)
			goto out;
		i = j + 1;
	}
	if (csp->n == 0)
		rc = BW_ERR_INVALID;
out:
	if (rc != BW_OK) {
		bw_csp_free(csp);
		return rc;
	}
	*out = csp;
	return BW_OK;
}

enum bw_err bw_csp_validate(struct bw_str policy, unsigned flags)
{
	struct bw_csp *csp = NULL;
	enum bw_err rc = bw_csp_parse(policy, flags, &csp);

	bw_csp_free(csp);
	return rc;
}
