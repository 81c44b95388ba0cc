/*
 * str.c — length-carrying string helpers and the strict integer parser
 * (modelled on OpenBSD strtonum and Redis string2ll: reject, never repair).
 */
#include "bulwark/str.h"

#include <string.h>

struct bw_str bw_str_c(const char *s)
{
	if (s == NULL)
		return (struct bw_str){"", 0};
	return (struct bw_str){s, strlen(s)};
}

bool bw_str_eq(struct bw_str a, struct bw_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool bw_str_eq_c(struct bw_str a, const char *b)
{
	return bw_str_eq(a, bw_str_c(b));
}

static unsigned char ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

bool bw_str_caseeq(struct bw_str a, struct bw_str b)
{
	if (a.len != b.len)
		return false;
	for (size_t i = 0; i < a.len; i++)
		if (ascii_lower((unsigned char)a.p[i]) != ascii_lower((unsigned char)b.p[i]))
			return false;
	return true;
}

bool bw_str_caseeq_c(struct bw_str a, const char *b)
{
	return bw_str_caseeq(a, bw_str_c(b));
}

bool bw_str_has_prefix_c(struct bw_str a, const char *prefix)
{
	size_t n = strlen(prefix);

	return a.len >= n && memcmp(a.p, prefix, n) == 0;
}

/* Digits only, no leading zero, no overflow; the magnitude goes to *out. */
static enum bw_err parse_magnitude(const char *p, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return BW_ERR_INVALID;
	if (p[0] == '0' && len > 1)
		return BW_ERR_INVALID;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned char)p[i] - (unsigned)'0';

		if (d > 9)
			return BW_ERR_INVALID;
		if (v > (UINT64_MAX - d) / 10) {
			/* keep scanning so that syntax errors win over range errors */
			for (size_t j = i + 1; j < len; j++)
				if ((unsigned char)p[j] - (unsigned)'0' > 9)
					return BW_ERR_INVALID;
			return BW_ERR_RANGE;
		}
		v = v * 10 + d;
	}
	*out = v;
	return BW_OK;
}

enum bw_err bw_parse_u64(struct bw_str s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;
	enum bw_err rc;

	BW_REQUIRE(out != NULL && min <= max);
	rc = parse_magnitude(s.p, s.len, &v);
	if (rc != BW_OK)
		return rc;
	if (v < min || v > max)
		return BW_ERR_RANGE;
	*out = v;
	return BW_OK;
}

enum bw_err bw_parse_i64(struct bw_str s, int64_t min, int64_t max, int64_t *out)
{
	bool neg = s.len > 0 && s.p[0] == '-';
	uint64_t mag;
	int64_t v;
	enum bw_err rc;

	BW_REQUIRE(out != NULL && min <= max);
	rc = parse_magnitude(neg ? s.p + 1 : s.p, neg ? s.len - 1 : s.len, &mag);
	if (rc != BW_OK)
		return rc;
	if (neg) {
		if (mag == 0)
			return BW_ERR_INVALID;
		if (mag > (uint64_t)INT64_MAX + 1)
			return BW_ERR_RANGE;
		v = (mag == (uint64_t)INT64_MAX + 1) ? INT64_MIN : -(int64_t)mag;
	} else {
		if (mag > (uint64_t)INT64_MAX)
			return BW_ERR_RANGE;
		v = (int64_t)mag;
	}
	if (v < min || v > max)
		return BW_ERR_RANGE;
	*out = v;
	return BW_OK;
}
