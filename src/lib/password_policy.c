/*
 * password_policy.c — whether a new password may be set (API.md,
 * "Authentication"): length in code points after NFC, the common-password
 * list with digits or symbols around it, keyboard and numeric sequences,
 * repetition, the email's local part, and zxcvbn's estimate.
 *
 * The explicit checks come first because they give the user a precise reason
 * and do not depend on zxcvbn's dictionaries; zxcvbn then catches what they do
 * not (dictionary words, l33t, dates, repeated words). The common list is the
 * one the Debian package john-data ships, turned into a sorted, lower-cased
 * table at build time by cmake/common_passwords.cmake. Every copy of the
 * password is in guarded memory and wiped; codes are static strings.
 */
#include "bulwark/password.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <uninorm.h>
#include <zxcvbn.h>

#include "bulwark/email.h"
#include "bulwark/utf8.h"

#if __has_include("bw_common_passwords.h")
#include "bw_common_passwords.h"
#define HAVE_COMMON_TABLE 1
#else
/* Built without the generated table: the policy refuses to judge (BW_ERR_CONFIG). */
#define HAVE_COMMON_TABLE 0
#endif

/* NFC and full lower-casing grow UTF-8 at most threefold (UAX #15). */
#define GROWTH 3u
/* Least length of a common password found inside digits or symbols. */
#define CORE_MIN 4u
/* Most user-dictionary words handed to zxcvbn. */
#define DICT_MAX 32

static const char CODE_ENCODING[] = "encoding";
static const char CODE_SHORT[] = "too_short";
static const char CODE_LONG[] = "too_long";
static const char CODE_COMMON[] = "common";
static const char CODE_SEQUENCE[] = "sequence";
static const char CODE_EMAIL[] = "contains_email";
static const char CODE_WEAK[] = "too_weak";

/* Guarded copies of the password: NFC (for zxcvbn) and lower-cased NFC. */
struct pw {
	uint8_t *nfc, *low;
	size_t nfc_len, low_len;
	uint32_t *cps; /* lower-cased code points */
	size_t ncps;
};

static void pw_free(struct pw *w)
{
	sodium_free(w->nfc); /* sodium_free wipes; NULL is a no-op */
	sodium_free(w->low);
	sodium_free(w->cps);
}

static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/* Normalise and lower-case into guarded buffers, each NUL-terminated. */
static enum bw_err pw_load(struct bw_str in, struct pw *w)
{
	size_t cap, len;
	uint8_t *res;

	if (sodium_init() < 0)
		return BW_ERR_CRYPTO;
	cap = in.len * GROWTH + 1;
	w->nfc = sodium_malloc(cap);
	w->low = sodium_malloc(cap * GROWTH);
	if (w->nfc == NULL || w->low == NULL)
		return BW_ERR_NOMEM;
	len = cap - 1;
	res = u8_normalize(UNINORM_NFC, (const uint8_t *)in.p, in.len, w->nfc, &len);
	if (res == NULL)
		return errno == ENOMEM ? BW_ERR_NOMEM : BW_ERR_INVALID;
	if (res != w->nfc) { /* beyond the UAX #15 bound: never happens */
		sodium_memzero(res, len);
		free(res);
		return BW_ERR_INTERNAL;
	}
	w->nfc_len = len;
	w->nfc[len] = 0;
	len = cap * GROWTH - 1;
	/* no language: the same lower case in every locale */
	res = u8_tolower(w->nfc, w->nfc_len, NULL, UNINORM_NFC, w->low, &len);
	if (res == NULL)
		return errno == ENOMEM ? BW_ERR_NOMEM : BW_ERR_INVALID;
	if (res != w->low) {
		sodium_memzero(res, len);
		free(res);
		return BW_ERR_INTERNAL;
	}
	w->low_len = len;
	w->low[len] = 0;
	w->cps = sodium_allocarray(w->low_len + 1, sizeof(*w->cps));
	if (w->cps == NULL)
		return BW_ERR_NOMEM;
	w->ncps = 0;
	for (size_t i = 0; i < w->low_len;) {
		size_t n;

		if (!bw_utf8_decode(w->low + i, w->low_len - i, &w->cps[w->ncps], &n))
			return BW_ERR_INTERNAL; /* libunistring produced ill-formed UTF-8 */
		w->ncps++;
		i += n;
	}
	return BW_OK;
}

/* ---- the common list ---------------------------------------------------- */

#if HAVE_COMMON_TABLE
static int entry_cmp(const uint8_t *p, size_t len, struct bw_str e)
{
	size_t n = len < e.len ? len : e.len;
	int c = n ? memcmp(p, e.p, n) : 0;

	if (c != 0)
		return c;
	return len < e.len ? -1 : len > e.len;
}

static bool in_table(const uint8_t *p, size_t len)
{
	size_t lo = 0, hi = BW_COMMON_PASSWORDS_COUNT;

	if (len > BW_COMMON_PASSWORDS_MAX_LEN)
		return false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = entry_cmp(p, len, bw_common_passwords[mid]);

		if (c == 0)
			return true;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

/* What may be "added around" a common password: ASCII digits, punctuation, space. */
static bool is_extra(uint8_t c)
{
	return c >= 0x20 && c < 0x7F && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z');
}

/*
 * The lower-cased password is a listed password, or is P + core + S where P
 * and S consist of extras only and core (at least CORE_MIN bytes) is listed.
 * The work is bounded: cores are at most the longest entry.
 */
static bool is_common(const uint8_t *p, size_t len)
{
	size_t lead = 0, trail = 0;

	if (in_table(p, len))
		return true;
	while (lead < len && is_extra(p[lead]))
		lead++;
	while (trail < len && is_extra(p[len - 1 - trail]))
		trail++;
	for (size_t i = 0; i <= lead && i < len; i++) {
		size_t jmin = len - trail;

		if (jmin < i + CORE_MIN)
			jmin = i + CORE_MIN;
		for (size_t j = jmin; j <= len && j - i <= BW_COMMON_PASSWORDS_MAX_LEN; j++)
			if (in_table(p + i, j - i))
				return true;
	}
	return false;
}
#endif

/* ---- sequences and repetition ------------------------------------------- */

/* US keyboard rows, unshifted and shifted (letters are lower-cased already). */
static const char *const ROWS[] = {"1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./"};
static const char *const SHIFTED[] = {"!@#$%^&*()_+", "qwertyuiop{}|", "asdfghjkl:\"",
                                      "zxcvbnm<>?"};
/* The rows read as one line, so "...op" runs on into "as..." and "...l" into "zx...". */
static const char LINE[] = "1234567890qwertyuiopasdfghjklzxcvbnm";

static bool key_pos(uint32_t c, int *row, int *col)
{
	for (int r = 0; r < 4; r++) {
		const char *a = strchr(ROWS[r], (int)c), *b = strchr(SHIFTED[r], (int)c);

		if (c != 0 && a != NULL) {
			*row = r;
			*col = (int)(a - ROWS[r]);
			return true;
		}
		if (c != 0 && b != NULL) {
			*row = r;
			*col = (int)(b - SHIFTED[r]);
			return true;
		}
	}
	return false;
}

static bool is_alnum(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Whether b follows a on a keyboard, in the alphabet or the digits, or repeats it. */
static bool is_step(uint32_t a, uint32_t b)
{
	int ra, ca, rb, cb;
	const char *pa, *pb;

	if (a == b)
		return true;
	if (a >= 0x80 || b >= 0x80)
		return false;
	if (((a >= 'a' && a <= 'z' && b >= 'a' && b <= 'z') ||
	     (a >= '0' && a <= '9' && b >= '0' && b <= '9')) &&
	    (a + 1 == b || b + 1 == a))
		return true;
	if (is_alnum(a) && is_alnum(b)) {
		pa = strchr(LINE, (int)a);
		pb = strchr(LINE, (int)b);
		if (pa + 1 == pb || pb + 1 == pa)
			return true;
	}
	if (!key_pos(a, &ra, &ca) || !key_pos(b, &rb, &cb))
		return false;
	if (ra == rb)
		return ca - cb == 1 || cb - ca == 1;
	/* a staggered keyboard: key (r, c) touches (r + 1, c - 1) and (r + 1, c) */
	if (rb == ra + 1)
		return cb == ca || cb == ca - 1;
	if (ra == rb + 1)
		return ca == cb || ca == cb - 1;
	return false;
}

static int cp_cmp(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return (a > b) - (a < b);
}

static bool is_sequence(const struct pw *w)
{
	size_t steps = 0, run = 1, best = 1;
	uint32_t *sorted;
	bool seq;

	for (size_t i = 0; i + 1 < w->ncps; i++)
		steps += is_step(w->cps[i], w->cps[i + 1]);
	if (w->ncps > 1 && steps * 4 >= (w->ncps - 1) * 3)
		return true;
	/* mostly one character: sort a (guarded) copy and find the longest run */
	sorted = sodium_allocarray(w->ncps + 1, sizeof(*sorted));
	if (sorted == NULL)
		return true; /* fail closed: out of memory refuses the password */
	memcpy(sorted, w->cps, w->ncps * sizeof(*sorted));
	qsort(sorted, w->ncps, sizeof(*sorted), cp_cmp);
	for (size_t i = 1; i < w->ncps; i++) {
		run = sorted[i] == sorted[i - 1] ? run + 1 : 1;
		if (run > best)
			best = run;
	}
	seq = best * 2 >= w->ncps;
	sodium_free(sorted);
	return seq;
}

/* ---- the email ---------------------------------------------------------- */

/*
 * zxcvbn user-dictionary words out of the canonical address (len bytes in
 * buf, which is cut up in place): the whole local part (copied to local), its
 * pieces split at . + - _, and the domain labels but the top-level one and
 * A-labels ("xn--…" are no words). Words shorter than
 * BW_PASSWORD_POLICY_LOCAL_MIN are left out. dict ends with NULL.
 */
static void user_dict(char *buf, size_t len, char *local, const char *dict[DICT_MAX + 1])
{
	size_t local_len = (size_t)((char *)memchr(buf, '@', len) - buf), n = 0, start = 0;
	size_t tld = len;

	memcpy(local, buf, local_len);
	local[local_len] = '\0';
	if (local_len >= BW_PASSWORD_POLICY_LOCAL_MIN)
		dict[n++] = local;
	for (size_t i = 0; i <= local_len && n < DICT_MAX; i++) {
		if (i < local_len && strchr(".+-_", buf[i]) == NULL)
			continue;
		buf[i] = '\0';
		if (i - start >= BW_PASSWORD_POLICY_LOCAL_MIN && i - start < local_len)
			dict[n++] = buf + start;
		start = i + 1;
	}
	while (tld > local_len + 1 && buf[tld - 1] != '.')
		tld--;
	for (size_t i = start; i < tld && n < DICT_MAX; i++) {
		if (buf[i] != '.')
			continue;
		buf[i] = '\0';
		if (i - start >= BW_PASSWORD_POLICY_LOCAL_MIN &&
		    strncmp(buf + start, "xn--", 4) != 0)
			dict[n++] = buf + start;
		start = i + 1;
	}
	dict[n] = NULL;
}

static enum bw_err email_checks(const struct pw *w, struct bw_str email, const char **code)
{
	char canon[BW_EMAIL_MAX + 1], local[BW_EMAIL_MAX + 1];
	const char *dict[DICT_MAX + 1] = {NULL};
	size_t len = 0, local_len;
	enum bw_err rc;
	double bits;

	if (email.len > 0) {
		rc = bw_email_canon(email, canon, sizeof canon, &len);
		if (rc != BW_OK)
			return rc;
		local_len = (size_t)((const char *)memchr(canon, '@', len) - canon);
		/* the canonical local part is ASCII: bytes are code points */
		if (local_len >= BW_PASSWORD_POLICY_LOCAL_MIN &&
		    memmem(w->low, w->low_len, canon, local_len) != NULL) {
			*code = CODE_EMAIL;
			return BW_ERR_INVALID;
		}
		user_dict(canon, len, local, dict);
	}
	/* zxcvbn judges the password as typed (NFC), capitals included */
	bits = ZxcvbnMatch((const char *)w->nfc, dict, NULL);
	if (bits < BW_PASSWORD_POLICY_MIN_BITS) {
		*code = CODE_WEAK;
		return BW_ERR_INVALID;
	}
	return BW_OK;
}

/* ---- the policy --------------------------------------------------------- */

enum bw_err bw_password_policy_check(struct bw_str password, struct bw_str email, const char **code)
{
	struct pw w = {0};
	enum bw_err rc = BW_OK;
	size_t count = 0;

	BW_REQUIRE(code != NULL);
	BW_REQUIRE(password.p != NULL || password.len == 0);
	BW_REQUIRE(email.p != NULL || email.len == 0);
	*code = NULL;
	if (!HAVE_COMMON_TABLE)
		return BW_ERR_CONFIG;
	if (password.len > BW_PASSWORD_MAX_BYTES) {
		*code = CODE_LONG;
		return BW_ERR_INVALID;
	}
	for (size_t i = 0; i < password.len;) {
		uint32_t cp;
		size_t n;

		if (!bw_utf8_decode((const uint8_t *)password.p + i, password.len - i, &cp, &n) ||
		    is_control(cp)) {
			*code = CODE_ENCODING;
			return BW_ERR_INVALID;
		}
		i += n;
	}
	if (password.len < BW_PASSWORD_POLICY_MIN_LEN) { /* fewer bytes, fewer code points */
		*code = CODE_SHORT;
		return BW_ERR_INVALID;
	}
	rc = pw_load(password, &w);
	if (rc != BW_OK)
		goto out;
	/* the length counts the NFC form; the other checks work on its lower case */
	if (bw_utf8_count(w.nfc, w.nfc_len, &count) != BW_OK) {
		rc = BW_ERR_INTERNAL;
		goto out;
	}
	rc = BW_ERR_INVALID;
	if (count < BW_PASSWORD_POLICY_MIN_LEN) {
		*code = CODE_SHORT;
		goto out;
	}
	if (count > BW_PASSWORD_POLICY_MAX_LEN) {
		*code = CODE_LONG;
		goto out;
	}
	if (is_sequence(&w)) {
		*code = CODE_SEQUENCE;
		goto out;
	}
#if HAVE_COMMON_TABLE
	if (is_common(w.low, w.low_len)) {
		*code = CODE_COMMON;
		goto out;
	}
#endif
	rc = email_checks(&w, email, code);
out:
	pw_free(&w);
	return rc;
}
