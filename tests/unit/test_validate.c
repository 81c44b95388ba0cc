/* test_validate.c — allowlist rules: tables of good and hostile values per rule kind. */
#include "bw_test.h"
#include "bulwark/validate.h"

struct vcase {
	const char *s;
	size_t len;       /* 0: strlen(s) */
	const char *code; /* NULL: accepted */
};

#define OK(lit)                            \
	{                                  \
		lit, sizeof(lit) - 1, NULL \
	}
#define BAD(lit, why)                     \
	{                                 \
		lit, sizeof(lit) - 1, why \
	}

static void run_cases(const struct bw_rule *r, const struct vcase *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *code = "untouched";
		enum bw_err rc = bw_validate(r, (struct bw_str){c[i].s, c[i].len}, &code);

		if (c[i].code == NULL) {
			if (rc != BW_OK)
				fail_msg("case %zu: expected ok, got %s", i, code);
		} else {
			if (rc != BW_ERR_INVALID)
				fail_msg("case %zu: expected %s, got rc %d", i, c[i].code, (int)rc);
			assert_string_equal(code, c[i].code);
		}
	}
}

#define RUN(rule, cases) run_cases((rule), (cases), sizeof(cases) / sizeof((cases)[0]))

static void int_rule_boundaries_and_syntax(void **state)
{
	static const struct bw_rule r = BW_RULE_INT_RANGE(-5, 100);
	static const struct vcase cases[] = {
	        OK("-5"),
	        OK("0"),
	        OK("100"),
	        OK("7"),
	        BAD("-6", "out_of_range"),
	        BAD("101", "out_of_range"),
	        BAD("1000000000000000000000000000000", "out_of_range"), /* 10^30 */
	        BAD("", "invalid"),
	        BAD("0x1", "invalid"),
	        BAD(" 1", "invalid"),
	        BAD("1 ", "invalid"),
	        BAD("+1", "invalid"),
	        BAD("01", "invalid"),
	        BAD("-0", "invalid"),
	        BAD("1e2", "invalid"),
	        BAD("1.0", "invalid"),
	        BAD("\xD9\xA1\xD9\xA2", "invalid"), /* Arabic-Indic "١٢" */
	        BAD("1\0"
	            "2",
	            "invalid"),
	        BAD("１", "invalid"), /* fullwidth digit */
	};
	static const struct bw_rule full = BW_RULE_INT_RANGE(INT64_MIN, INT64_MAX);
	static const struct vcase extremes[] = {
	        OK("-9223372036854775808"),
	        OK("9223372036854775807"),
	        BAD("9223372036854775808", "out_of_range"),
	        BAD("-9223372036854775809", "out_of_range"),
	};

	(void)state;
	RUN(&r, cases);
	RUN(&full, extremes);
}

static void string_length_counts_code_points(void **state)
{
	static const struct bw_rule r = BW_RULE_TEXT(2, 4, BW_CC_ALPHA | BW_CC_UNICODE);
	static const struct vcase cases[] = {
	        BAD("a", "too_short"),
	        OK("ab"),
	        OK("abcd"),
	        BAD("abcde", "too_long"),
	        OK("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"), /* "éééé": 8 bytes, 4 code points */
	        BAD("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", "too_long"),
	        OK("e\xCC\x81"),                      /* e + combining acute: 2 */
	        BAD("\xF0\x9F\x98\x80", "too_short"), /* one emoji: 1 code point */
	        BAD("", "too_short"),
	};
	static const struct bw_rule empty_ok = BW_RULE_TEXT(0, 3, BW_CC_DIGIT);

	(void)state;
	RUN(&r, cases);
	{
		const char *code = NULL;

		assert_int_equal(bw_validate(&empty_ok, (struct bw_str){NULL, 0}, &code), BW_OK);
	}
}

static void string_refuses_ill_formed_utf8(void **state)
{
	static const struct bw_rule r = BW_RULE_TEXT(0, 100, 0);
	static const struct vcase cases[] = {
	        BAD("a\xC0\xAF", "encoding"),        /* overlong '/' */
	        BAD("\xE0\x80\xAF", "encoding"),     /* overlong */
	        BAD("\xED\xA0\x80", "encoding"),     /* surrogate */
	        BAD("\xF4\x90\x80\x80", "encoding"), /* above U+10FFFF */
	        BAD("ab\xC3", "encoding"),           /* truncated */
	        BAD("\xFF", "encoding"),
	        BAD("\xC0\x80", "encoding"), /* overlong NUL */
	        OK("Stra\xC3\x9F"
	           "e 12"),
	};

	(void)state;
	RUN(&r, cases);
}

static void string_classes_ascii(void **state)
{
	static const struct bw_rule alnum = BW_RULE_TEXT(0, 50, BW_CC_ALPHA | BW_CC_DIGIT);
	static const struct vcase a[] = {
	        OK("abcXYZ019"),
	        BAD("a b", "not_allowed"),
	        BAD("a-b", "not_allowed"),
	        BAD("a.b", "not_allowed"),
	        BAD("\xC3\xA9", "not_allowed"),
	        BAD("a\0b", "not_allowed"),
	};
	static const struct bw_rule slug =
	        BW_RULE_TEXT(1, 50, BW_CC_ALPHA | BW_CC_DIGIT | BW_CC_DASH | BW_CC_DOT);
	static const struct vcase s[] = {
	        OK("my-file_v1.2"),
	        BAD("a/b", "not_allowed"),
	        BAD("a b", "not_allowed"),
	        BAD("a\tb", "not_allowed"),
	        BAD("<script>", "not_allowed"),
	};
	static const struct bw_rule any = BW_RULE_TEXT(0, 50, 0);
	static const struct vcase p[] = {
	        OK("Hello, world! <a href=\"x\">~</a> 100% ca\xC3\xB1"
	           "a"),
	        BAD("line\nbreak", "not_allowed"),
	        BAD("tab\there", "not_allowed"),
	        BAD("cr\rhere", "not_allowed"),
	        BAD("del\x7f", "not_allowed"),
	        BAD("esc\x1b[31m", "not_allowed"),
	        BAD("nul\0", "not_allowed"),
	};
	static const struct bw_rule multi = BW_RULE_TEXT(0, 50, BW_CC_ALPHA | BW_CC_NEWLINE);
	static const struct vcase m[] = {
	        OK("a\nb"),
	        OK("a\r\nb"),
	        BAD("a\rb", "not_allowed"),
	        BAD("a\r", "not_allowed"),
	        BAD("a\n\r", "not_allowed"),
	        BAD("a b", "not_allowed"),
	};
	static const struct bw_rule spaces = BW_RULE_TEXT(0, 50, BW_CC_SPACE);
	static const struct vcase sp[] = {
	        OK("   "), BAD("\xC2\xA0", "not_allowed"), /* NBSP is not the space character */
	};

	(void)state;
	RUN(&alnum, a);
	RUN(&slug, s);
	RUN(&any, p);
	RUN(&multi, m);
	RUN(&spaces, sp);
}

static void string_unicode_class_refuses_invisible_and_controls(void **state)
{
	static const struct bw_rule r = BW_RULE_TEXT(0, 50, BW_CC_ALPHA | BW_CC_UNICODE);
	static const struct vcase cases[] = {
	        OK("\xC3\xA9t\xC3\xA9"),                                /* été */
	        OK("\xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0"), /* Москва */
	        OK("\xE6\x9D\xB1\xE4\xBA\xAC"),                         /* 東京 */
	        OK("\xD9\xA1\xD9\xA2"),         /* ١٢: non-ASCII numbers */
	        OK("\xE2\x82\xAC"),             /* € symbol */
	        OK("\xC2\xBF"),                 /* ¿ punctuation */
	        OK("\xF0\x9F\x98\x80"),         /* 😀 */
	        OK("\xE2\x9D\xA4\xEF\xB8\x8F"), /* ❤ + VS16 */
	        OK("e\xCC\x81"),                /* combining mark */
	        BAD("\xC2\x80", "not_allowed"), /* C1 control U+0080 */
	        BAD("\xC2\x9F", "not_allowed"), /* C1 control U+009F */
	        BAD("\xC2\x85", "not_allowed"), /* NEL */
	        BAD("a\xE2\x80\xAE"
	            "b",
	            "not_allowed"),                     /* U+202E RLO */
	        BAD("\xE2\x80\xAA", "not_allowed"),     /* U+202A LRE */
	        BAD("\xE2\x80\xAD", "not_allowed"),     /* U+202D LRO */
	        BAD("\xE2\x81\xA6", "not_allowed"),     /* U+2066 LRI */
	        BAD("\xE2\x81\xA9", "not_allowed"),     /* U+2069 PDI */
	        BAD("\xE2\x80\x8B", "not_allowed"),     /* U+200B ZWSP */
	        BAD("\xE2\x80\x8C", "not_allowed"),     /* U+200C ZWNJ */
	        BAD("\xE2\x80\x8D", "not_allowed"),     /* U+200D ZWJ */
	        BAD("\xE2\x80\x8E", "not_allowed"),     /* U+200E LRM */
	        BAD("\xE2\x80\x8F", "not_allowed"),     /* U+200F RLM */
	        BAD("\xEF\xBB\xBF", "not_allowed"),     /* U+FEFF BOM */
	        BAD("\xC2\xAD", "not_allowed"),         /* U+00AD soft hyphen */
	        BAD("\xE2\x80\xA8", "not_allowed"),     /* U+2028 line separator */
	        BAD("\xE3\x80\x80", "not_allowed"),     /* U+3000 ideographic space */
	        BAD("\xE3\x85\xA4", "not_allowed"),     /* U+3164 Hangul filler */
	        BAD("\xCD\x8F", "not_allowed"),         /* U+034F grapheme joiner */
	        BAD("\xEE\x80\x80", "not_allowed"),     /* U+E000 private use */
	        BAD("\xF3\xB0\x80\x80", "not_allowed"), /* U+F0000 private use plane */
	        BAD("\xEF\xB7\x90", "not_allowed"),     /* U+FDD0 noncharacter */
	        BAD("\xEF\xBF\xBE", "not_allowed"),     /* U+FFFE noncharacter */
	        BAD("\xF4\x8F\xBF\xBF", "not_allowed"), /* U+10FFFF noncharacter */
	        BAD("\xCD\xB8", "not_allowed"),         /* U+0378 unassigned */
	        BAD("\xF3\xA0\x80\x81", "not_allowed"), /* U+E0001 language tag */
	};
	static const struct bw_rule ascii_only = BW_RULE_TEXT(0, 50, BW_CC_ALPHA);

	(void)state;
	RUN(&r, cases);
	{
		const char *code = NULL;

		assert_int_equal(bw_validate(&ascii_only, BW_STR("\xC3\xA9"), &code),
		                 BW_ERR_INVALID);
		assert_string_equal(code, "not_allowed");
	}
}

static void email_rule(void **state)
{
	static const struct bw_rule r = {.kind = BW_RULE_EMAIL};
	static const struct vcase cases[] = {
	        OK("alice@example.com"),
	        OK("a.b+tag@sub.example.co.uk"),
	        OK("o'hara!#$%&*/=?^_`{|}~-@example.org"),
	        OK("x@xn--p1ai.xn--p1ai"),
	        OK("user@m\xC3\xBCnchen.de"), /* U-label domain */
	        OK("user@\xD0\xBF\xD1\x80\xD0\xB8\xD0\xBC\xD0\xB5\xD1\x80.\xD1\x80\xD1\x84"),
	        OK("a@1.2.3.com"),
	        OK("a@a-b.io"),
	        BAD("", "invalid"),
	        BAD("alice", "invalid"),
	        BAD("@example.com", "invalid"),
	        BAD("alice@", "invalid"),
	        BAD("alice@localhost", "invalid"),   /* no dot, no TLD */
	        BAD("alice@example.123", "invalid"), /* numeric TLD */
	        BAD("alice@1.2.3.4", "invalid"),     /* an IPv4 address */
	        BAD("alice@[127.0.0.1]", "invalid"), /* IP literal */
	        BAD("alice@[IPv6:::1]", "invalid"),
	        BAD("\"alice\"@example.com", "invalid"), /* quoted string */
	        BAD("\"a@b\"@example.com", "invalid"),
	        BAD("alice(comment)@example.com", "invalid"),
	        BAD("alice@example.com(comment)", "invalid"),
	        BAD("a@b@example.com", "invalid"),
	        BAD(".alice@example.com", "invalid"),
	        BAD("alice.@example.com", "invalid"),
	        BAD("al..ice@example.com", "invalid"),
	        BAD("alice@example..com", "invalid"),
	        BAD("alice@.example.com", "invalid"),
	        BAD("alice@example.com.", "invalid"),
	        BAD("alice@-example.com", "invalid"),
	        BAD("alice@example-.com", "invalid"),
	        BAD("alice@exa_mple.com", "invalid"),
	        BAD("alice @example.com", "invalid"),
	        BAD("alice@example.com ", "invalid"),
	        BAD("alice@example.com\n", "invalid"),
	        BAD("alice\r\n@example.com", "invalid"),
	        BAD("alice@exa\0mple.com", "invalid"),
	        BAD("al\xC3\xAF"
	            "ce@example.com",
	            "invalid"), /* non-ASCII local part */
	        BAD("alice@ex\xC3"
	            "ample.com",
	            "encoding"),
	        BAD("alice@ex\xE2\x80\xAE"
	            "ample.com",
	            "invalid"), /* RLO in domain */
	        BAD("alice@ex\xE2\x80\x8B"
	            "ample.com",
	            "invalid"), /* ZWSP in domain */
	        BAD("alice@ex\xE2\x82\xAC"
	            "ample.com",
	            "invalid"), /* symbol in domain */
	        BAD("alice@example.com\xC2\xA0", "invalid"),
	};
	char buf[300];
	const char *code = NULL;

	(void)state;
	RUN(&r, cases);

	/* local part: 64 bytes ok, 65 refused */
	memset(buf, 'a', 64);
	memcpy(buf + 64, "@example.com", 12);
	assert_int_equal(bw_validate(&r, (struct bw_str){buf, 76}, &code), BW_OK);
	memset(buf, 'a', 65);
	memcpy(buf + 65, "@example.com", 12);
	assert_int_equal(bw_validate(&r, (struct bw_str){buf, 77}, &code), BW_ERR_INVALID);
	assert_string_equal(code, "invalid");

	/* a label: 63 bytes ok, 64 refused */
	memcpy(buf, "a@", 2);
	memset(buf + 2, 'b', 63);
	memcpy(buf + 65, ".com", 4);
	assert_int_equal(bw_validate(&r, (struct bw_str){buf, 69}, &code), BW_OK);
	memset(buf + 2, 'b', 64);
	memcpy(buf + 66, ".com", 4);
	assert_int_equal(bw_validate(&r, (struct bw_str){buf, 70}, &code), BW_ERR_INVALID);
	assert_string_equal(code, "invalid");

	/* total: 254 bytes ok, 255 refused as too long */
	{
		size_t n = 0;

		memcpy(buf, "a@", 2);
		n = 2;
		while (n + 50 <= 250) {
			memset(buf + n, 'c', 49);
			buf[n + 49] = '.';
			n += 50;
		}
		/* n == 202: a 52-byte TLD makes exactly 254 */
		memset(buf + n, 'd', 254 - n);
		assert_int_equal(bw_validate(&r, (struct bw_str){buf, 254}, &code), BW_OK);
		buf[254] = 'd';
		assert_int_equal(bw_validate(&r, (struct bw_str){buf, 255}, &code), BW_ERR_INVALID);
		assert_string_equal(code, "too_long");
	}
}

static void uuid_rule(void **state)
{
	static const struct bw_rule r = {.kind = BW_RULE_UUID};
	static const struct vcase cases[] = {
	        OK("123e4567-e89b-12d3-a456-426614174000"),
	        OK("123E4567-E89B-12D3-A456-426614174000"),
	        OK("00000000-0000-0000-0000-000000000000"),
	        BAD("123e4567-E89B-12d3-a456-426614174000", "invalid"), /* mixed case */
	        BAD("123e4567e89b12d3a456426614174000", "invalid"),
	        BAD("{123e4567-e89b-12d3-a456-426614174000}", "invalid"),
	        BAD("123e4567-e89b-12d3-a456-42661417400", "invalid"),
	        BAD("123e4567-e89b-12d3-a456-4266141740000", "invalid"),
	        BAD("123e4567-e89b-12d3-a456_426614174000", "invalid"),
	        BAD("123e4567-e89b-12d3-a456-42661417400g", "invalid"),
	        BAD("123e4567-e89b-12d3-a456-42661417400\0", "invalid"),
	        BAD(" 23e4567-e89b-12d3-a456-426614174000", "invalid"),
	        BAD("", "invalid"),
	};

	(void)state;
	RUN(&r, cases);
}

static void enum_rule_exact_bytes(void **state)
{
	static const char *const colours[] = {"red", "green", "blue", NULL};
	static const struct bw_rule r = {.kind = BW_RULE_ENUM, .choices = colours};
	static const struct vcase cases[] = {
	        OK("red"),
	        OK("blue"),
	        BAD("Red", "not_allowed"),
	        BAD("red ", "not_allowed"),
	        BAD("re", "not_allowed"),
	        BAD("redd", "not_allowed"),
	        BAD("red\0", "not_allowed"),
	        BAD("", "not_allowed"),
	};

	(void)state;
	RUN(&r, cases);
}

static void timestamp_rule_calendar(void **state)
{
	static const struct bw_rule r = {.kind = BW_RULE_TIMESTAMP};
	static const struct vcase cases[] = {
	        OK("2024-02-29T12:00:00Z"), /* leap year */
	        OK("2000-02-29T00:00:00Z"), /* divisible by 400 */
	        OK("1999-12-31T23:59:59Z"),
	        OK("2024-01-31T00:00:00.5Z"),
	        OK("2024-01-31T00:00:00.123456789Z"),
	        OK("2024-01-31T00:00:00+05:30"),
	        OK("2024-01-31T00:00:00-23:59"),
	        OK("2024-01-31T00:00:00-00:00"),
	        OK("0000-01-01T00:00:00Z"),
	        OK("9999-12-31T23:59:59Z"),
	        BAD("2023-02-29T12:00:00Z", "invalid"), /* 29 Feb, not a leap year */
	        BAD("1900-02-29T12:00:00Z", "invalid"), /* divisible by 100 */
	        BAD("2024-02-30T00:00:00Z", "invalid"),
	        BAD("2024-04-31T00:00:00Z", "invalid"),
	        BAD("2024-06-31T00:00:00Z", "invalid"),
	        BAD("2024-09-31T00:00:00Z", "invalid"),
	        BAD("2024-11-31T00:00:00Z", "invalid"),
	        BAD("2024-01-32T00:00:00Z", "invalid"),
	        BAD("2024-00-10T00:00:00Z", "invalid"),
	        BAD("2024-13-10T00:00:00Z", "invalid"),
	        BAD("2024-01-00T00:00:00Z", "invalid"),
	        BAD("2024-01-01T24:00:00Z", "invalid"),
	        BAD("2024-01-01T23:60:00Z", "invalid"),
	        BAD("2016-12-31T23:59:60Z", "invalid"), /* leap second refused */
	        BAD("2024-01-01T00:00:00", "invalid"),  /* no offset */
	        BAD("2024-01-01t00:00:00Z", "invalid"),
	        BAD("2024-01-01 00:00:00Z", "invalid"),
	        BAD("2024-01-01T00:00:00z", "invalid"),
	        BAD("2024-01-01T00:00:00.Z", "invalid"),
	        BAD("2024-01-01T00:00:00.1234567890Z", "invalid"),
	        BAD("2024-01-01T00:00:00+24:00", "invalid"),
	        BAD("2024-01-01T00:00:00+05:60", "invalid"),
	        BAD("2024-01-01T00:00:00+0530", "invalid"),
	        BAD("2024-01-01T00:00:00+05", "invalid"),
	        BAD("2024-01-01T00:00:00Z ", "invalid"),
	        BAD("2024-01-01T00:00:00ZZ", "invalid"),
	        BAD(" 2024-01-01T00:00:00Z", "invalid"),
	        BAD("2024-1-01T00:00:00Z", "invalid"),
	        BAD("+2024-01-01T00:00:00Z", "invalid"),
	        BAD("2024-01-01T00:00:00\0", "invalid"),
	        BAD("2024-01-01", "invalid"),
	        BAD("\xD9\xA2"
	            "024-01-01T00:00:00Z",
	            "invalid"),
	        BAD("", "invalid"),
	};

	(void)state;
	RUN(&r, cases);
}

static void parse_timestamp_gives_utc_seconds(void **state)
{
	static const struct {
		const char *s;
		int64_t t;
	} good[] = {
	        {"1970-01-01T00:00:00Z", 0},
	        {"1970-01-01T00:00:00.999999999Z", 0},
	        {"2000-03-01T00:00:00Z", 951868800},
	        {"2024-02-29T12:34:56Z", 1709210096},
	        {"2024-02-29T14:34:56+02:00", 1709210096},
	        {"2024-02-29T07:04:56-05:30", 1709210096},
	        {"1969-12-31T23:59:59Z", -1},
	        {"0000-01-01T00:00:00Z", -62167219200},
	        {"9999-12-31T23:59:59Z", 253402300799},
	};
	int64_t t = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(bw_parse_timestamp(bw_str_c(good[i].s), &t), BW_OK);
		assert_true(t == good[i].t);
	}
	t = 42;
	assert_int_equal(bw_parse_timestamp(BW_STR("2023-02-29T00:00:00Z"), &t), BW_ERR_INVALID);
	assert_int_equal(bw_parse_timestamp(BW_STR("2024-01-01T00:00:00.0000000000000000Z"), &t),
	                 BW_ERR_INVALID);
	assert_true(t == 42);
}

static void bool_and_token_rules(void **state)
{
	static const struct bw_rule b = {.kind = BW_RULE_BOOL};
	static const struct vcase bc[] = {
	        OK("true"),          OK("false"),           BAD("TRUE", "invalid"),
	        BAD("1", "invalid"), BAD("yes", "invalid"), BAD("true ", "invalid"),
	        BAD("", "invalid"),  BAD("t", "invalid"),   BAD("false\0", "invalid"),
	};
	static const struct bw_rule t = {.kind = BW_RULE_TOKEN, .min = 4, .max = 8};
	static const struct vcase tc[] = {
	        BAD("abc", "too_short"), OK("abcd"),
	        OK("aZ09-_xy"),          BAD("aZ09-_xyz", "too_long"),
	        BAD("abc=", "invalid"),  BAD("ab+/", "invalid"),
	        BAD("ab cd", "invalid"), BAD("ab\0cd", "invalid"),
	        BAD("ab.cd", "invalid"), BAD("\xC3\xA9\xC3\xA9", "invalid"),
	};

	(void)state;
	RUN(&b, bc);
	RUN(&t, tc);
}

static void field_errors_cap_and_truncate(void **state)
{
	struct bw_field_errors e = {0};

	(void)state;
	for (size_t i = 0; i < BW_FIELD_ERRORS_MAX; i++)
		bw_field_errors_add(&e, "f", "invalid");
	assert_int_equal(e.count, BW_FIELD_ERRORS_MAX);
	assert_false(e.truncated);
	bw_field_errors_add(&e, "g", "too_long");
	assert_int_equal(e.count, BW_FIELD_ERRORS_MAX);
	assert_true(e.truncated);
	assert_string_equal(e.items[BW_FIELD_ERRORS_MAX - 1].field, "f");
}

static void code_untouched_on_success(void **state)
{
	static const struct bw_rule r = BW_RULE_INT_RANGE(0, 9);
	const char *code = "sentinel";

	(void)state;
	assert_int_equal(bw_validate(&r, BW_STR("5"), &code), BW_OK);
	assert_string_equal(code, "sentinel");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(int_rule_boundaries_and_syntax),
	        cmocka_unit_test(string_length_counts_code_points),
	        cmocka_unit_test(string_refuses_ill_formed_utf8),
	        cmocka_unit_test(string_classes_ascii),
	        cmocka_unit_test(string_unicode_class_refuses_invisible_and_controls),
	        cmocka_unit_test(email_rule),
	        cmocka_unit_test(uuid_rule),
	        cmocka_unit_test(enum_rule_exact_bytes),
	        cmocka_unit_test(timestamp_rule_calendar),
	        cmocka_unit_test(parse_timestamp_gives_utc_seconds),
	        cmocka_unit_test(bool_and_token_rules),
	        cmocka_unit_test(field_errors_cap_and_truncate),
	        cmocka_unit_test(code_untouched_on_success),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
