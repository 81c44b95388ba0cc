/*
 * validate.c — typed allowlist rules for input values (Kore's validators in
 * spirit): a value passes only when it is exactly what the rule describes.
 * Nothing is trimmed, normalised or repaired here; callers canonicalise first
 * when they need to. Error codes are static strings that never carry input.
 */
#include "bulwark/validate.h"

#include <string.h>
#include <unictype.h>

#include "bulwark/utf8.h"

#define EMAIL_MAX       254
#define EMAIL_LOCAL_MAX 64
#define DNS_LABEL_MAX   63

static const char CODE_INVALID[] = "invalid";
static const char CODE_RANGE[] = "out_of_range";
static const char CODE_SHORT[] = "too_short";
static const char CODE_LONG[] = "too_long";
static const char CODE_NOT_ALLOWED[] = "not_allowed";
static const char CODE_ENCODING[] = "encoding";

void bw_field_errors_add(struct bw_field_errors *errs, const char *field, const char *code)
{
	BW_REQUIRE(errs != NULL && field != NULL && code != NULL);
	if (errs->count >= BW_FIELD_ERRORS_MAX) {
		errs->truncated = true;
		return;
	}
	errs->items[errs->count].field = field;
	errs->items[errs->count].code = code;
	errs->count++;
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_punct(unsigned char c)
{
	return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
	       (c >= 0x7B && c <= 0x7E);
}

/* ---- INT ---------------------------------------------------------------- */

static const char *check_int(const struct bw_rule *r, struct bw_str v)
{
	int64_t out;

	switch (bw_parse_i64(v, r->min, r->max, &out)) {
	case BW_OK:
		return NULL;
	case BW_ERR_RANGE:
		return CODE_RANGE;
	default:
		return CODE_INVALID;
	}
}

/* ---- STRING ------------------------------------------------------------- */

/*
 * Non-ASCII text: letters, marks, numbers, punctuation and symbols only.
 * Controls (Cc), format characters (Cf: bidi embeddings, overrides and
 * isolates, zero-width space/joiners, BOM), separators (Z), surrogates,
 * private use and unassigned code points (which include the noncharacters)
 * are in none of those categories. Default-ignorable characters that are
 * letters or marks (Hangul fillers, the combining grapheme joiner) render as
 * nothing and are refused too; variation selectors stay, emoji need them.
 */
static bool unicode_allowed(uint32_t cp)
{
	const uint32_t mask = UC_CATEGORY_MASK_L | UC_CATEGORY_MASK_M | UC_CATEGORY_MASK_N |
	                      UC_CATEGORY_MASK_P | UC_CATEGORY_MASK_S;

	if (cp < 0x80)
		return false;
	if (!uc_is_general_category_withtable(cp, mask))
		return false;
	if (uc_is_property_not_a_character(cp) || uc_is_property_bidi_control(cp))
		return false;
	if (uc_is_property_default_ignorable_code_point(cp) &&
	    !uc_is_property_variation_selector(cp))
		return false;
	return true;
}

static bool ascii_allowed(unsigned char c, unsigned cc)
{
	if (is_alpha(c))
		return (cc & BW_CC_ALPHA) != 0;
	if (is_digit(c))
		return (cc & BW_CC_DIGIT) != 0;
	if (c == ' ')
		return (cc & BW_CC_SPACE) != 0;
	if (c == '\n')
		return (cc & BW_CC_NEWLINE) != 0;
	if ((cc & BW_CC_PUNCT) != 0 && is_punct(c))
		return true;
	if (c == '-' || c == '_')
		return (cc & BW_CC_DASH) != 0;
	if (c == '.')
		return (cc & BW_CC_DOT) != 0;
	return false;
}

static const char *check_string(const struct bw_rule *r, struct bw_str v)
{
	const uint8_t *s = (const uint8_t *)v.p;
	unsigned cc = r->classes;
	size_t count = 0;
	bool bad_char = false;

	if (cc == 0)
		cc = BW_CC_ALPHA | BW_CC_DIGIT | BW_CC_SPACE | BW_CC_PUNCT | BW_CC_UNICODE;
	for (size_t i = 0; i < v.len;) {
		uint32_t cp;
		size_t n;

		if (!bw_utf8_decode(s + i, v.len - i, &cp, &n))
			return CODE_ENCODING;
		if (cp < 0x80) {
			/* "\r" only as the first half of "\r\n" */
			if (cp == '\r')
				bad_char |= (cc & BW_CC_NEWLINE) == 0 || i + 1 >= v.len ||
				            s[i + 1] != '\n';
			else
				bad_char |= !ascii_allowed((unsigned char)cp, cc);
		} else {
			bad_char |= (cc & BW_CC_UNICODE) == 0 || !unicode_allowed(cp);
		}
		i += n;
		count++;
	}
	if (count < (uint64_t)r->min)
		return CODE_SHORT;
	if (count > (uint64_t)r->max)
		return CODE_LONG;
	return bad_char ? CODE_NOT_ALLOWED : NULL;
}

/* ---- EMAIL -------------------------------------------------------------- */

/* RFC 5322 atext: the characters of a dot-atom besides the dots. */
static bool is_atext(unsigned char c)
{
	if (is_alpha(c) || is_digit(c))
		return true;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static bool dot_atom_valid(const char *p, size_t len)
{
	if (len == 0 || p[0] == '.' || p[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '.') {
			if (p[i - 1] == '.')
				return false;
		} else if (!is_atext(c)) {
			return false;
		}
	}
	return true;
}

/*
 * One domain label: letters, digits and inner hyphens; non-ASCII letters,
 * marks and digits (a U-label as typed, converted to an A-label elsewhere).
 * *alpha tells whether anything but digits and hyphens occurred.
 */
static bool label_valid(const uint8_t *p, size_t len, bool *alpha)
{
	const uint32_t mask = UC_CATEGORY_MASK_L | UC_CATEGORY_MASK_M | UC_CATEGORY_MASK_N;

	*alpha = false;
	if (len == 0 || len > DNS_LABEL_MAX || p[0] == '-' || p[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n;

		if (!bw_utf8_decode(p + i, len - i, &cp, &n))
			return false;
		if (cp < 0x80) {
			if (is_alpha((unsigned char)cp))
				*alpha = true;
			else if (!is_digit((unsigned char)cp) && cp != '-')
				return false;
		} else {
			if (!uc_is_general_category_withtable(cp, mask) ||
			    uc_is_property_default_ignorable_code_point(cp))
				return false;
			*alpha = true;
		}
		i += n;
	}
	return true;
}

static const char *check_email(struct bw_str v)
{
	const char *at;
	size_t local_len, start, dots = 0;
	bool alpha = false;

	if (v.len > EMAIL_MAX)
		return CODE_LONG;
	if (!bw_utf8_valid(v.p, v.len))
		return CODE_ENCODING;
	at = v.len ? memchr(v.p, '@', v.len) : NULL;
	if (at == NULL)
		return CODE_INVALID;
	local_len = (size_t)(at - v.p);
	if (local_len > EMAIL_LOCAL_MAX || !dot_atom_valid(v.p, local_len))
		return CODE_INVALID;
	/* the domain: labels separated by single dots, no trailing root dot */
	start = local_len + 1;
	if (start >= v.len)
		return CODE_INVALID;
	for (size_t i = start; i <= v.len; i++) {
		if (i < v.len && v.p[i] != '.')
			continue;
		if (!label_valid((const uint8_t *)v.p + start, i - start, &alpha))
			return CODE_INVALID; /* also a second '@', brackets, quotes */
		if (i < v.len)
			dots++;
		start = i + 1;
	}
	/* a top-level domain is never all digits (that would be an IPv4 address) */
	if (dots == 0 || !alpha)
		return CODE_INVALID;
	return NULL;
}

/* ---- UUID --------------------------------------------------------------- */

static const char *check_uuid(struct bw_str v)
{
	bool lower = false, upper = false;

	if (v.len != 36)
		return CODE_INVALID;
	for (size_t i = 0; i < 36; i++) {
		unsigned char c = (unsigned char)v.p[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return CODE_INVALID;
		} else if (c >= 'a' && c <= 'f') {
			lower = true;
		} else if (c >= 'A' && c <= 'F') {
			upper = true;
		} else if (!is_digit(c)) {
			return CODE_INVALID;
		}
	}
	/* one spelling per value: all lower or all upper case, never mixed */
	return (lower && upper) ? CODE_INVALID : NULL;
}

/* ---- ENUM --------------------------------------------------------------- */

static const char *check_enum(const struct bw_rule *r, struct bw_str v)
{
	for (const char *const *c = r->choices; *c != NULL; c++)
		if (bw_str_eq_c(v, *c))
			return NULL;
	return CODE_NOT_ALLOWED;
}

/* ---- TIMESTAMP ---------------------------------------------------------- */

/* n decimal digits at p (the caller has checked the length). */
static bool digits(const char *p, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (!is_digit((unsigned char)p[i]))
			return false;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return true;
}

static bool leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return (m == 2 && leap_year(y)) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

enum bw_err bw_parse_timestamp(struct bw_str s, int64_t *unix_seconds)
{
	const char *p = s.p;
	size_t i = 19;
	int year, mon, day, hour, min, sec, oh = 0, om = 0, sign = 0;
	int64_t t;

	BW_REQUIRE(unix_seconds != NULL);
	if (s.len < 20 || s.len > BW_TIMESTAMP_MAX_LEN)
		return BW_ERR_INVALID;
	if (!digits(p, 4, &year) || p[4] != '-' || !digits(p + 5, 2, &mon) || p[7] != '-' ||
	    !digits(p + 8, 2, &day) || p[10] != 'T' || !digits(p + 11, 2, &hour) || p[13] != ':' ||
	    !digits(p + 14, 2, &min) || p[16] != ':' || !digits(p + 17, 2, &sec))
		return BW_ERR_INVALID;
	if (p[i] == '.') {
		size_t f = ++i;

		while (i < s.len && is_digit((unsigned char)p[i]))
			i++;
		if (i == f || i - f > 9)
			return BW_ERR_INVALID;
	}
	if (i >= s.len)
		return BW_ERR_INVALID;
	if (p[i] == 'Z') {
		i++;
	} else if (p[i] == '+' || p[i] == '-') {
		sign = p[i] == '+' ? 1 : -1;
		if (s.len - i != 6 || !digits(p + i + 1, 2, &oh) || p[i + 3] != ':' ||
		    !digits(p + i + 4, 2, &om))
			return BW_ERR_INVALID;
		i += 6;
	} else {
		return BW_ERR_INVALID;
	}
	if (i != s.len)
		return BW_ERR_INVALID;
	if (mon < 1 || mon > 12 || day < 1 || day > month_days(year, mon) || hour > 23 ||
	    min > 59 || sec > 59 || oh > 23 || om > 59)
		return BW_ERR_INVALID;
	t = days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
	t -= (int64_t)sign * (oh * 3600 + om * 60);
	*unix_seconds = t;
	return BW_OK;
}

/* ---- BOOL, TOKEN -------------------------------------------------------- */

static const char *check_bool(struct bw_str v)
{
	return (bw_str_eq_c(v, "true") || bw_str_eq_c(v, "false")) ? NULL : CODE_INVALID;
}

static const char *check_token(const struct bw_rule *r, struct bw_str v)
{
	if (v.len < (uint64_t)r->min)
		return CODE_SHORT;
	if (v.len > (uint64_t)r->max)
		return CODE_LONG;
	for (size_t i = 0; i < v.len; i++) {
		unsigned char c = (unsigned char)v.p[i];

		if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '_')
			return CODE_INVALID;
	}
	return NULL;
}

/* ---- the dispatcher ----------------------------------------------------- */

enum bw_err bw_validate(const struct bw_rule *rule, struct bw_str value, const char **code)
{
	const char *bad = NULL;
	int64_t ts;

	BW_REQUIRE(rule != NULL && code != NULL && (value.p != NULL || value.len == 0));
	BW_REQUIRE(rule->min <= rule->max);
	if (value.p == NULL)
		value.p = "";
	switch (rule->kind) {
	case BW_RULE_INT:
		bad = check_int(rule, value);
		break;
	case BW_RULE_STRING:
		BW_REQUIRE(rule->min >= 0);
		bad = check_string(rule, value);
		break;
	case BW_RULE_EMAIL:
		bad = check_email(value);
		break;
	case BW_RULE_UUID:
		bad = check_uuid(value);
		break;
	case BW_RULE_ENUM:
		BW_REQUIRE(rule->choices != NULL);
		bad = check_enum(rule, value);
		break;
	case BW_RULE_TIMESTAMP:
		bad = bw_parse_timestamp(value, &ts) == BW_OK ? NULL : CODE_INVALID;
		break;
	case BW_RULE_BOOL:
		bad = check_bool(value);
		break;
	case BW_RULE_TOKEN:
		BW_REQUIRE(rule->min >= 0);
		bad = check_token(rule, value);
		break;
	default:
		bw_panic("bw_validate: unknown rule kind %d", (int)rule->kind);
	}
	if (bad != NULL) {
		*code = bad;
		return BW_ERR_INVALID;
	}
	return BW_OK;
}
