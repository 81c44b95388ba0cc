/* test_email.c — canonical email addresses: spellings that meet, spellings that are refused. */
#include "bw_test.h"
#include "bulwark/email.h"

struct ecase {
	const char *in;
	size_t len;       /* bytes of in (embedded NULs allowed) */
	enum bw_err rc;   /* expected result */
	const char *want; /* canonical form when rc is BW_OK */
};

#define OK(lit, canon)                             \
	{                                          \
		lit, sizeof(lit) - 1, BW_OK, canon \
	}
#define BAD(lit, err)                           \
	{                                       \
		lit, sizeof(lit) - 1, err, NULL \
	}

static void run(const struct ecase *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char out[BW_EMAIL_MAX + 1];
		size_t len = 99;
		enum bw_err rc =
		        bw_email_canon((struct bw_str){c[i].in, c[i].len}, out, sizeof out, &len);

		if (rc != c[i].rc)
			fail_msg("case %zu: expected %s, got %s", i, bw_err_str(c[i].rc),
			         bw_err_str(rc));
		if (rc != BW_OK) {
			assert_string_equal(out, "");
			assert_int_equal(len, 0);
			continue;
		}
		assert_string_equal(out, c[i].want);
		assert_int_equal(len, strlen(c[i].want));
	}
}

#define RUN(cases) run((cases), sizeof(cases) / sizeof((cases)[0]))

static void case_space_and_nfc(void **state)
{
	static const struct ecase cases[] = {
	        OK("Alice@Example.COM", "alice@example.com"),
	        OK("ALICE@EXAMPLE.COM", "alice@example.com"),
	        OK("  bob@x.example  ", "bob@x.example"),
	        OK(" bob@x.example", "bob@x.example"),
	        /* é composed and decomposed meet in the domain */
	        OK("user@caf\xC3\xA9.example", "user@xn--caf-dma.example"),
	        OK("user@cafe\xCC\x81.example", "user@xn--caf-dma.example"),
	        OK("user@CAFE\xCC\x81.EXAMPLE", "user@xn--caf-dma.example"),
	        /* a local part must be ASCII (the EMAIL rule), in either spelling */
	        BAD("caf\xC3\xA9@x.example", BW_ERR_INVALID),
	        BAD("cafe\xCC\x81@x.example", BW_ERR_INVALID),
	        /* only the space is trimmed; tabs and newlines are controls */
	        BAD("\tbob@x.example", BW_ERR_ENCODING),
	        BAD("bob@x.example\n", BW_ERR_ENCODING),
	        BAD("bob@x.example\r\n", BW_ERR_ENCODING),
	        BAD("bob @x.example", BW_ERR_INVALID),
	        BAD("   ", BW_ERR_INVALID),
	        BAD("", BW_ERR_INVALID),
	        /* no-break space is not trimmed and not part of an address */
	        BAD("\xC2\xA0"
	            "bob@x.example",
	            BW_ERR_INVALID),
	};

	(void)state;
	RUN(cases);
}

static void case_idn_domains(void **state)
{
	static const struct ecase cases[] = {
	        OK("user@b\xC3\xBC"
	           "cher.de",
	           "user@xn--bcher-kva.de"),
	        OK("USER@B\xC3\x9C"
	           "CHER.DE",
	           "user@xn--bcher-kva.de"),
	        OK("user@xn--bcher-kva.de", "user@xn--bcher-kva.de"),
	        OK("user@XN--BCHER-KVA.DE", "user@xn--bcher-kva.de"),
	        /* non-transitional: ß stays ß (transitional processing would give strasse.de) */
	        OK("user@stra\xC3\x9F"
	           "e.de",
	           "user@xn--strae-oqa.de"),
	        /* invalid punycode, and a valid-looking A-label of a forbidden U-label */
	        BAD("user@xn--zz.example", BW_ERR_INVALID),
	        BAD("user@xn--.example", BW_ERR_INVALID),
	        BAD("user@xn--bcher-kvb.de", BW_ERR_INVALID),
	        BAD("user@xn--ls8h.la", BW_ERR_INVALID),
	        /* what the rule refuses after conversion */
	        BAD("user@example.com.", BW_ERR_INVALID),
	        BAD("user@example", BW_ERR_INVALID),
	        BAD("user@.example", BW_ERR_INVALID),
	        BAD("user@a..example", BW_ERR_INVALID),
	        BAD("user@ex ample.com", BW_ERR_INVALID),
	        BAD("user@127.0.0.1", BW_ERR_INVALID),
	        BAD("user@[127.0.0.1]", BW_ERR_INVALID),
	        BAD("a@b@c.example", BW_ERR_INVALID),
	        BAD("user.example.com", BW_ERR_INVALID),
	        BAD("@example.com", BW_ERR_INVALID),
	        BAD("user@", BW_ERR_INVALID),
	        BAD(".user@example.com", BW_ERR_INVALID),
	        BAD("\"a b\"@example.com", BW_ERR_INVALID),
	        /* fullwidth commercial at is no '@' */
	        BAD("user\xEF\xBC\xA0"
	            "example.com",
	            BW_ERR_INVALID),
	};

	(void)state;
	RUN(cases);
}

static void case_controls_and_encoding(void **state)
{
	static const struct ecase cases[] = {
	        BAD("bob\x01@x.example", BW_ERR_ENCODING),
	        BAD("bob@x\x7F.example", BW_ERR_ENCODING),
	        BAD("bob@x.example\x1B[0m", BW_ERR_ENCODING),
	        /* a NUL must not cut the domain handed to libidn2 */
	        BAD("bob@x.example\0.evil.com", BW_ERR_ENCODING),
	        BAD("bob\0@x.example", BW_ERR_ENCODING),
	        BAD("bob@x\xC2\x85.example", BW_ERR_ENCODING),    /* C1 NEL */
	        BAD("bob@\xC3\x28.example", BW_ERR_ENCODING),     /* ill-formed */
	        BAD("bob@\xC0\xAE.example", BW_ERR_ENCODING),     /* overlong '.' */
	        BAD("bob@\xED\xA0\x80.example", BW_ERR_ENCODING), /* surrogate */
	        BAD("bob@x.exampl\xC3", BW_ERR_ENCODING),         /* truncated */
	        /* format characters are refused by libidn2 or the rule */
	        BAD("bob@x\xE2\x80\xAE.example", BW_ERR_INVALID), /* RLO */
	        /* default ignorables: UTS #46 would drop these silently; refused instead */
	        BAD("bob@x\xE2\x80\x8B.example", BW_ERR_INVALID), /* ZWSP */
	        BAD("bob@x\xC2\xAD.example", BW_ERR_INVALID),     /* soft hyphen */
	        BAD("bob@x\xE2\x80\x8D.example", BW_ERR_INVALID), /* ZWJ */
	        BAD("bob@x.example\xEF\xBB\xBF", BW_ERR_INVALID), /* BOM */
	};

	(void)state;
	RUN(cases);
}

/* 50 'a' and 'ü': 52 bytes as UTF-8, 58 as an A-label. */
#define ULABEL "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xC3\xBC"
#define ALABEL "xn--aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-ehf"

static void case_lengths_after_conversion(void **state)
{
	char big[BW_EMAIL_INPUT_MAX + 2];
	char out[BW_EMAIL_MAX + 1];
	size_t len = 0;
	static const struct ecase cases[] = {
	        /* 15 + 1 + 238 = 254 bytes after conversion (234 before): the longest */
	        OK("xxxxxxxxxxxxxxx@" ULABEL "." ULABEL "." ULABEL "." ULABEL ".de",
	           "xxxxxxxxxxxxxxx@" ALABEL "." ALABEL "." ALABEL "." ALABEL ".de"),
	        /* one more: 235 bytes as typed, 255 after conversion */
	        BAD("xxxxxxxxxxxxxxxx@" ULABEL "." ULABEL "." ULABEL "." ULABEL ".de",
	            BW_ERR_LIMIT),
	        /* a label of 61 code points turns into a 68-byte A-label */
	        BAD("x@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xC3\xBC.de",
	            BW_ERR_LIMIT),
	};

	(void)state;
	RUN(cases);

	/* a local part of BW_EMAIL_MAX bytes or more: refused, whatever the domain */
	for (size_t n = BW_EMAIL_MAX - 1; n <= BW_EMAIL_MAX + 1; n++) {
		memset(big, 'x', n);
		memcpy(big + n, "@x.example", 10);
		assert_int_equal(
		        bw_email_canon((struct bw_str){big, n + 10}, out, sizeof out, &len),
		        BW_ERR_LIMIT);
		big[n] = '@';
		assert_int_equal(bw_email_canon((struct bw_str){big, n + 1}, out, sizeof out, &len),
		                 n >= BW_EMAIL_MAX ? BW_ERR_LIMIT : BW_ERR_INVALID);
	}

	/* the input cap counts spaces too */
	memset(big, ' ', sizeof big);
	memcpy(big + 10, "bob@x.example", 13);
	assert_int_equal(
	        bw_email_canon((struct bw_str){big, BW_EMAIL_INPUT_MAX}, out, sizeof out, &len),
	        BW_OK);
	assert_string_equal(out, "bob@x.example");
	assert_int_equal(
	        bw_email_canon((struct bw_str){big, BW_EMAIL_INPUT_MAX + 1}, out, sizeof out, &len),
	        BW_ERR_LIMIT);

	/* the output buffer: exactly enough, one byte short, none */
	assert_int_equal(bw_email_canon(BW_STR("Bob@X.example"), out, 14, &len), BW_OK);
	assert_string_equal(out, "bob@x.example");
	assert_int_equal(bw_email_canon(BW_STR("Bob@X.example"), out, 13, &len), BW_ERR_LIMIT);
	assert_string_equal(out, "");
	assert_int_equal(bw_email_canon(BW_STR("Bob@X.example"), NULL, 0, NULL), BW_ERR_LIMIT);
	assert_int_equal(bw_email_canon(BW_STR("Bob@X.example"), out, sizeof out, NULL), BW_OK);
}

/* Canonicalising a canonical form gives it back, for every accepted case above. */
static void canon_is_idempotent(void **state)
{
	static const char *const inputs[] = {
	        "Alice@Example.COM",
	        "  bob@x.example  ",
	        "user@cafe\xCC\x81.example",
	        "USER@B\xC3\x9C"
	        "CHER.DE",
	        "user@stra\xC3\x9F"
	        "e.de",
	        "First.Last+Tag@Sub.Example.ORG",
	        "o'neil@d\xC3\xA9j\xC3\xA0-vu.example",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		char a[BW_EMAIL_MAX + 1], b[BW_EMAIL_MAX + 1];
		size_t alen = 0, blen = 0;

		assert_int_equal(bw_email_canon(bw_str_c(inputs[i]), a, sizeof a, &alen), BW_OK);
		assert_int_equal(bw_email_canon((struct bw_str){a, alen}, b, sizeof b, &blen),
		                 BW_OK);
		assert_int_equal(alen, blen);
		assert_memory_equal(a, b, alen);
		for (size_t j = 0; j < alen; j++)
			assert_true((unsigned char)a[j] < 0x80);
	}
}

/* What may go into a header or an envelope: only an address already canonical. */
static void is_canon_only_for_canonical(void **state)
{
	(void)state;
	assert_true(bw_email_is_canon("alice@example.com"));
	assert_true(bw_email_is_canon("a.b+c@xn--bcher-kva.example"));
	assert_false(bw_email_is_canon("Alice@example.com"));
	assert_false(bw_email_is_canon(" alice@example.com"));
	assert_false(bw_email_is_canon("alice@example.com\r\nBcc: x@y.z"));
	assert_false(bw_email_is_canon("alice@bücher.example"));
	assert_false(bw_email_is_canon("not an address"));
	assert_false(bw_email_is_canon(""));
	assert_false(bw_email_is_canon(NULL));
}

static void arena_output(void **state)
{
	struct bw_arena *a = bw_arena_new(4096), *tiny = bw_arena_new(8);
	struct bw_str s = {"junk", 4};

	(void)state;
	assert_non_null(a);
	assert_non_null(tiny);
	assert_int_equal(bw_email_canon_arena(a,
	                                      BW_STR(" Alice@B\xC3\xBC"
	                                             "cher.DE"),
	                                      &s),
	                 BW_OK);
	assert_int_equal(s.len, strlen("alice@xn--bcher-kva.de"));
	assert_string_equal(s.p, "alice@xn--bcher-kva.de");
	/* errors leave *out empty */
	s = (struct bw_str){"junk", 4};
	assert_int_equal(bw_email_canon_arena(a, BW_STR("no-at-sign"), &s), BW_ERR_INVALID);
	assert_int_equal(s.len, 0);
	/* an arena too small to hold the copy */
	assert_int_equal(bw_email_canon_arena(tiny, BW_STR("alice@example.com"), &s), BW_ERR_NOMEM);
	assert_int_equal(s.len, 0);
	bw_arena_free(tiny);
	bw_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(case_space_and_nfc),
	        cmocka_unit_test(is_canon_only_for_canonical),
	        cmocka_unit_test(case_idn_domains),
	        cmocka_unit_test(case_controls_and_encoding),
	        cmocka_unit_test(case_lengths_after_conversion),
	        cmocka_unit_test(canon_is_idempotent),
	        cmocka_unit_test(arena_output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
