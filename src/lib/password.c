/*
 * password.c — Argon2id PHC hashes through libsodium, over NFC-normalised UTF-8.
 *
 * libsodium does the hashing, the PHC encoding and the constant-time tag
 * comparison; this file adds what it leaves to the caller: one Unicode form
 * for the password (NFC), a strict check of stored strings before they reach
 * the decoder (Argon2id v=19 only, bounded cost, so a stored string cannot ask
 * for unbounded memory or time), wiped guarded buffers for every copy of the
 * password, and a dummy verify for unknown accounts.
 */
#include "bulwark/password.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <uninorm.h>

#include "bulwark/utf8.h"

_Static_assert(BW_PASSWORD_HASH_MAX == crypto_pwhash_STRBYTES, "PHC buffer is libsodium's");

/* What libsodium's crypto_pwhash_str makes: 16-byte salt, 32-byte tag (base64 lengths). */
#define OUR_SALT_B64 22u
#define OUR_TAG_B64  43u
#define DUMMY_TAG    32u

/* PHC base64 field lengths accepted on verify: salts 8..48 bytes, tags 16..64. */
#define SALT_B64_MIN 11u
#define SALT_B64_MAX 64u
#define TAG_B64_MIN  22u
#define TAG_B64_MAX  86u

/*
 * Normalisation to NFC grows UTF-8 at most threefold (UAX #15, "Design
 * Goals": the NFC expansion factor is 3), so a buffer of 3n bytes always
 * suffices and libunistring never has to allocate a copy we could not wipe.
 */
#define NFC_GROWTH 3u

static const struct bw_password_params DEFAULTS = BW_PASSWORD_PARAMS_DEFAULT;

struct phc {
	uint64_t m, t, p;
	size_t salt_b64, tag_b64;
};

static bool params_ok(const struct bw_password_params *pp)
{
	return pp->t_cost >= BW_PASSWORD_T_MIN && pp->t_cost <= BW_PASSWORD_T_MAX &&
	       pp->m_cost_kib >= BW_PASSWORD_M_KIB_MIN && pp->m_cost_kib <= BW_PASSWORD_M_KIB_MAX;
}

/*
 * The password as NFC in a guarded buffer the caller releases with
 * nfc_free (which wipes it). Refuses ill-formed UTF-8 and over-long input.
 */
static enum bw_err nfc_new(struct bw_str pw, uint8_t **out, size_t *out_len)
{
	uint8_t *buf, *res;
	size_t cap, len;

	*out = NULL;
	if (pw.len > BW_PASSWORD_MAX_BYTES)
		return BW_ERR_LIMIT;
	if (!bw_utf8_valid(pw.p, pw.len))
		return BW_ERR_ENCODING;
	if (sodium_init() < 0)
		return BW_ERR_CRYPTO;
	cap = pw.len * NFC_GROWTH + 1;
	buf = sodium_malloc(cap);
	if (buf == NULL)
		return BW_ERR_NOMEM;
	len = cap;
	res = u8_normalize(UNINORM_NFC, pw.len ? (const uint8_t *)pw.p : (const uint8_t *)"",
	                   pw.len, buf, &len);
	if (res == NULL) {
		sodium_free(buf);
		return errno == ENOMEM ? BW_ERR_NOMEM : BW_ERR_ENCODING;
	}
	if (res != buf) {
		/* beyond the bound of UAX #15: never happens; wipe and refuse */
		sodium_memzero(res, len);
		free(res);
		sodium_free(buf);
		return BW_ERR_INTERNAL;
	}
	*out = buf;
	*out_len = len;
	return BW_OK;
}

static void nfc_free(uint8_t *p)
{
	sodium_free(p); /* wipes the whole allocation */
}

static bool is_b64(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

/* Parse the decimal after `field` up to `stop` (or the end); advance *i past it. */
static bool phc_num(struct bw_str s, size_t *i, const char *field, char stop, uint64_t lo,
                    uint64_t hi, uint64_t *out)
{
	size_t flen = strlen(field), start;

	if (s.len - *i < flen || memcmp(s.p + *i, field, flen) != 0)
		return false;
	*i += flen;
	start = *i;
	while (*i < s.len && s.p[*i] != stop)
		(*i)++;
	if (*i >= s.len)
		return false;
	if (bw_parse_u64((struct bw_str){s.p + start, *i - start}, lo, hi, out) != BW_OK)
		return false;
	(*i)++; /* the stop character */
	return true;
}

static size_t b64_run(struct bw_str s, size_t i)
{
	size_t n = 0;

	while (i + n < s.len && is_b64((unsigned char)s.p[i + n]))
		n++;
	return n;
}

/*
 * Strict PHC form of an Argon2id v=19 string:
 *   $argon2id$v=19$m=<m>,t=<t>,p=<p>$<salt>$<tag>
 * decimal numbers without leading zeros inside the bounds, unpadded base64.
 * libsodium decodes it again; this check only keeps out what it should never
 * see (other algorithms, huge costs, stray bytes, a missing NUL).
 */
static enum bw_err phc_parse(struct bw_str s, struct phc *ph)
{
	static const char prefix[] = "$argon2id$v=19$";
	size_t i = sizeof(prefix) - 1, n;

	if (s.len >= BW_PASSWORD_HASH_MAX || s.len < i || memcmp(s.p, prefix, i) != 0)
		return BW_ERR_INVALID;
	if (!phc_num(s, &i, "m=", ',', BW_PASSWORD_M_KIB_MIN, BW_PASSWORD_M_KIB_MAX, &ph->m) ||
	    !phc_num(s, &i, "t=", ',', BW_PASSWORD_T_MIN, BW_PASSWORD_T_MAX, &ph->t) ||
	    !phc_num(s, &i, "p=", '$', 1, BW_PASSWORD_P_MAX, &ph->p))
		return BW_ERR_INVALID;
	if (ph->m < 8 * ph->p) /* Argon2 needs 8 KiB per lane */
		return BW_ERR_INVALID;
	n = b64_run(s, i);
	if (n < SALT_B64_MIN || n > SALT_B64_MAX || n % 4 == 1 || i + n >= s.len ||
	    s.p[i + n] != '$')
		return BW_ERR_INVALID;
	ph->salt_b64 = n;
	i += n + 1;
	n = b64_run(s, i);
	if (n < TAG_B64_MIN || n > TAG_B64_MAX || n % 4 == 1 || i + n != s.len)
		return BW_ERR_INVALID;
	ph->tag_b64 = n;
	return BW_OK;
}

/* libsodium reads its string argument as a 128-byte array: give it one, NUL-padded. */
static void phc_copy(struct bw_str s, char buf[BW_PASSWORD_HASH_MAX])
{
	memset(buf, 0, BW_PASSWORD_HASH_MAX);
	memcpy(buf, s.p, s.len); /* s.len < BW_PASSWORD_HASH_MAX, checked by phc_parse */
}

enum bw_err bw_password_hash(const struct bw_password_params *params, struct bw_str password,
                             char out[BW_PASSWORD_HASH_MAX])
{
	enum bw_err rc;
	uint8_t *pw = NULL;
	size_t len = 0;

	BW_REQUIRE(out != NULL);
	BW_REQUIRE(password.p != NULL || password.len == 0);
	out[0] = '\0';
	if (params == NULL)
		params = &DEFAULTS;
	if (!params_ok(params))
		return BW_ERR_RANGE;
	rc = nfc_new(password, &pw, &len);
	if (rc != BW_OK)
		return rc;
	if (crypto_pwhash_str_alg(out, (const char *)pw, len, params->t_cost,
	                          (size_t)params->m_cost_kib * 1024u,
	                          crypto_pwhash_ALG_ARGON2ID13) != 0) {
		rc = errno == ENOMEM ? BW_ERR_NOMEM : BW_ERR_CRYPTO;
		sodium_memzero(out, BW_PASSWORD_HASH_MAX);
	}
	nfc_free(pw);
	return rc;
}

enum bw_err bw_password_verify(struct bw_str phc, struct bw_str password)
{
	enum bw_err rc;
	struct phc ph;
	char buf[BW_PASSWORD_HASH_MAX];
	uint8_t *pw = NULL;
	size_t len = 0;

	BW_REQUIRE(phc.p != NULL || phc.len == 0);
	BW_REQUIRE(password.p != NULL || password.len == 0);
	rc = nfc_new(password, &pw, &len);
	if (rc != BW_OK)
		return rc;
	rc = phc_parse(phc, &ph);
	if (rc != BW_OK)
		goto out;
	phc_copy(phc, buf);
	if (crypto_pwhash_str_verify(buf, (const char *)pw, len) != 0)
		rc = BW_ERR_VERIFY;
out:
	nfc_free(pw);
	return rc;
}

enum bw_err bw_password_verify_dummy(const struct bw_password_params *params,
                                     struct bw_str password)
{
	/* a fixed salt: the output is thrown away, only the work matters */
	static const uint8_t salt[crypto_pwhash_SALTBYTES] = {0};
	uint8_t tag[DUMMY_TAG];
	enum bw_err rc;
	uint8_t *pw = NULL;
	size_t len = 0;

	BW_REQUIRE(password.p != NULL || password.len == 0);
	if (params == NULL)
		params = &DEFAULTS;
	if (!params_ok(params))
		return BW_ERR_RANGE;
	rc = nfc_new(password, &pw, &len);
	if (rc != BW_OK)
		return rc;
	/* the same Argon2id call a verify makes; its result, like a failed verify's, is dropped */
	if (crypto_pwhash(tag, sizeof tag, (const char *)pw, len, salt, params->t_cost,
	                  (size_t)params->m_cost_kib * 1024u, crypto_pwhash_ALG_ARGON2ID13) == 0)
		sodium_memzero(tag, sizeof tag);
	nfc_free(pw);
	return BW_ERR_VERIFY;
}

enum bw_err bw_password_needs_rehash(const struct bw_password_params *params, struct bw_str phc,
                                     bool *needs)
{
	struct phc ph;
	char buf[BW_PASSWORD_HASH_MAX];
	int r;

	BW_REQUIRE(needs != NULL);
	BW_REQUIRE(phc.p != NULL || phc.len == 0);
	*needs = false;
	if (params == NULL)
		params = &DEFAULTS;
	if (!params_ok(params))
		return BW_ERR_RANGE;
	if (phc_parse(phc, &ph) != BW_OK)
		return BW_ERR_INVALID;
	if (sodium_init() < 0)
		return BW_ERR_CRYPTO;
	phc_copy(phc, buf);
	r = crypto_pwhash_str_needs_rehash(buf, params->t_cost, (size_t)params->m_cost_kib * 1024u);
	if (r < 0)
		return BW_ERR_INVALID;
	/* libsodium compares t and m only; lanes and field lengths are ours to check */
	*needs = r != 0 || ph.p != 1 || ph.salt_b64 != OUR_SALT_B64 || ph.tag_b64 != OUR_TAG_B64;
	return BW_OK;
}
