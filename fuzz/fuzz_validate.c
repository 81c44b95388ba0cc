/*
 * fuzz_validate.c — bw_validate never crashes, and what it accepts is what
 * the rule says: an accepted INT parses with bw_parse_i64 inside the range,
 * an accepted STRING is well-formed UTF-8 of an allowed length with only
 * allowed ASCII bytes, an accepted UUID is 36 bytes in 8-4-4-4-12 form, and
 * so on. Refusals give one of the documented codes.
 *
 * Input: byte 0 picks the rule kind, bytes 1-2 the bounds, byte 3 the
 * character classes; the rest is the value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bulwark/str.h"
#include "bulwark/utf8.h"
#include "bulwark/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const CHOICES[] = {"read", "write", "admin", "", NULL};

static void check(int ok)
{
	if (!ok)
		abort();
}

static int is_code(const char *c)
{
	static const char *const codes[] = {"invalid",      "too_short",   "too_long",
	                                    "out_of_range", "not_allowed", "encoding"};

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(c, codes[i]) == 0)
			return 1;
	return 0;
}

static int b64url(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* ASCII bytes an accepted STRING may hold under classes cc (0: printable). */
static int ascii_ok(unsigned char c, unsigned cc, unsigned char next, size_t left)
{
	if (cc == 0)
		return c >= 0x20 && c < 0x7F;
	if (((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) && (cc & BW_CC_ALPHA))
		return 1;
	if (c >= '0' && c <= '9' && (cc & BW_CC_DIGIT))
		return 1;
	if (c == ' ' && (cc & BW_CC_SPACE))
		return 1;
	if (c == '\n' && (cc & BW_CC_NEWLINE))
		return 1;
	if (c == '\r' && (cc & BW_CC_NEWLINE))
		return left > 1 && next == '\n';
	if (c > 0x20 && c < 0x7F && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) &&
	    !(c >= '0' && c <= '9') && (cc & BW_CC_PUNCT))
		return 1;
	if ((c == '-' || c == '_') && (cc & BW_CC_DASH))
		return 1;
	if (c == '.' && (cc & BW_CC_DOT))
		return 1;
	return 0;
}

static void check_timestamp(struct bw_str v)
{
	int64_t t = 0;
	struct tm tm;
	time_t tt;
	char again[32];

	check(bw_parse_timestamp(v, &t) == BW_OK);
	check(v.len >= 20 && v.len <= BW_TIMESTAMP_MAX_LEN);
	/* with Z and no fraction the value formats back to the same text */
	if (v.len == 20 && v.p[19] == 'Z') {
		tt = (time_t)t;
		check(gmtime_r(&tt, &tm) != NULL);
		check(strftime(again, sizeof again, "%Y-%m-%dT%H:%M:%SZ", &tm) == 20 ||
		      tm.tm_year + 1900 < 1000);
		if (tm.tm_year + 1900 >= 1000)
			check(memcmp(again, v.p, 20) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bw_rule r = {0};
	struct bw_str v;
	const char *code = NULL;
	enum bw_err rc;
	int64_t n;
	size_t count;

	if (size < 4)
		return 0;
	v = (struct bw_str){(const char *)data + 4, size - 4};
	r.kind = (enum bw_rule_kind)(BW_RULE_INT + data[0] % 8);
	switch (r.kind) {
	case BW_RULE_INT:
		/* bounds around zero, or the extremes */
		r.min = data[1] == 0xFF ? INT64_MIN : -(int64_t)data[1] * 1000;
		r.max = data[2] == 0xFF ? INT64_MAX : (int64_t)data[2] * 1000;
		break;
	case BW_RULE_STRING:
	case BW_RULE_TOKEN:
		r.min = data[1] % 16;
		r.max = r.min + data[2];
		r.classes = data[3];
		break;
	case BW_RULE_ENUM:
		r.choices = CHOICES;
		break;
	default:
		break;
	}
	rc = bw_validate(&r, v, &code);
	if (rc != BW_OK) {
		check(rc == BW_ERR_INVALID && code != NULL && is_code(code));
		return 0;
	}
	switch (r.kind) {
	case BW_RULE_INT:
		check(bw_parse_i64(v, r.min, r.max, &n) == BW_OK);
		check(n >= r.min && n <= r.max);
		break;
	case BW_RULE_STRING:
		check(bw_utf8_count(v.p, v.len, &count) == BW_OK);
		check((int64_t)count >= r.min && (int64_t)count <= r.max);
		for (size_t i = 0; i < v.len; i++) {
			unsigned char c = (unsigned char)v.p[i];

			if (c < 0x80)
				check(ascii_ok(c, r.classes,
				               i + 1 < v.len ? (unsigned char)v.p[i + 1] : 0,
				               v.len - i));
			else
				check(r.classes == 0 || (r.classes & BW_CC_UNICODE));
		}
		break;
	case BW_RULE_EMAIL:
		check(v.len >= 5 && v.len <= 254 && bw_utf8_valid(v.p, v.len));
		check(memchr(v.p, '@', v.len) != NULL && memchr(v.p, '\0', v.len) == NULL);
		check(memchr(v.p, '"', v.len) == NULL && memchr(v.p, '[', v.len) == NULL);
		check(memchr(v.p, ' ', v.len) == NULL && memchr(v.p, '(', v.len) == NULL);
		{
			const char *at = memchr(v.p, '@', v.len);

			check(at - v.p <= 64 && at - v.p >= 1);
			check(memchr(at + 1, '@', v.len - (size_t)(at - v.p) - 1) == NULL);
			check(memchr(at, '.', v.len - (size_t)(at - v.p)) != NULL);
		}
		break;
	case BW_RULE_UUID:
		check(v.len == 36 && v.p[8] == '-' && v.p[13] == '-' && v.p[18] == '-' &&
		      v.p[23] == '-');
		for (size_t i = 0; i < 36; i++)
			if (i != 8 && i != 13 && i != 18 && i != 23)
				check(strchr("0123456789abcdefABCDEF", v.p[i]) != NULL &&
				      v.p[i] != '\0');
		break;
	case BW_RULE_ENUM:
		count = 0;
		for (size_t i = 0; CHOICES[i] != NULL; i++)
			count += bw_str_eq_c(v, CHOICES[i]);
		check(count == 1);
		break;
	case BW_RULE_TIMESTAMP:
		check_timestamp(v);
		break;
	case BW_RULE_BOOL:
		check(bw_str_eq_c(v, "true") || bw_str_eq_c(v, "false"));
		break;
	case BW_RULE_TOKEN:
		check((int64_t)v.len >= r.min && (int64_t)v.len <= r.max);
		for (size_t i = 0; i < v.len; i++)
			check(b64url((unsigned char)v.p[i]));
		break;
	}
	return 0;
}
