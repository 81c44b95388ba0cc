/* test_syslog.c — RFC 5424 formatting, SD-PARAM escaping, and the strict parser that inverts it. */
#include "bw_test.h"

#include "bulwark/syslog.h"

#include <stdio.h>

/* 2023-11-14T22:13:20.123Z */
#define T0 INT64_C(1700000000123)

static struct bw_syslog_param params[3];
static struct bw_syslog_sd sd[2];

/* A message with every part set: two SD elements, one with all three escapes. */
static struct bw_syslog_msg full_msg(void)
{
	params[0] = (struct bw_syslog_param){BW_STR("a"), BW_STR("1")};
	params[1] = (struct bw_syslog_param){BW_STR("b"), BW_STR("q\"x\\y]z")};
	params[2] = (struct bw_syslog_param){BW_STR("c"), BW_STR("")};
	sd[0] = (struct bw_syslog_sd){BW_STR("ex@32473"), params, 2};
	sd[1] = (struct bw_syslog_sd){BW_STR("origin"), params + 2, 1};
	return (struct bw_syslog_msg){
	        .facility = BW_SYSLOG_FAC_AUTHPRIV,
	        .severity = BW_SYSLOG_SEV_NOTICE,
	        .time_ms = T0,
	        .hostname = BW_STR("host1"),
	        .app_name = BW_STR("bulwark"),
	        .procid = BW_STR("42"),
	        .msgid = BW_STR("audit.checkpoint"),
	        .sd = sd,
	        .nsd = 2,
	        .msg = BW_STR("hello world"),
	};
}

static const char FULL_LINE[] =
        "<85>1 2023-11-14T22:13:20.123Z host1 bulwark 42 audit.checkpoint "
        "[ex@32473 a=\"1\" b=\"q\\\"x\\\\y\\]z\"][origin c=\"\"] hello world";

/* format into a buffer that already holds "X": on error the "X" must be all there is */
static enum bw_err fmt(const struct bw_syslog_msg *m, struct bw_buf *b)
{
	enum bw_err rc;

	bw_buf_init(b, 4 * BW_SYSLOG_LINE_MAX);
	assert_int_equal(bw_buf_append_c(b, "X"), BW_OK);
	rc = bw_syslog_format(m, b);
	if (rc != BW_OK)
		assert_string_equal(bw_buf_cstr(b), "X");
	return rc;
}

static void format_known_line(void **state)
{
	struct bw_syslog_msg m = full_msg();
	struct bw_buf b;

	(void)state;
	assert_int_equal(fmt(&m, &b), BW_OK);
	assert_string_equal(bw_buf_cstr(&b) + 1, FULL_LINE);
	bw_buf_free(&b);
}

static void format_nil_values(void **state)
{
	struct bw_syslog_msg m = {.time_ms = BW_SYSLOG_NO_TIME};
	struct bw_buf b;

	(void)state;
	assert_int_equal(fmt(&m, &b), BW_OK);
	assert_string_equal(bw_buf_cstr(&b) + 1, "<0>1 - - - - - -");
	bw_buf_free(&b);
	m.facility = 23;
	m.severity = 7;
	m.time_ms = 0;
	assert_int_equal(fmt(&m, &b), BW_OK);
	assert_string_equal(bw_buf_cstr(&b) + 1, "<191>1 1970-01-01T00:00:00.000Z - - - - -");
	bw_buf_free(&b);
}

static void format_refuses_ambiguity(void **state)
{
	struct bw_syslog_msg m;
	struct bw_buf b;
	char big[BW_SYSLOG_HOSTNAME_MAX + 2];
	static const char *const bad_names[] = {
	        "a=b", "a b",   "a]",       "a\"b",
	        "",    "a\x01", "\xC3\xA9", "123456789012345678901234567890123"};
	static const char *const bad_ids[] = {"a@", "@1", "a@b", "a@1@2", "a@1..2", "a@.1", "a@1."};

	(void)state;
	memset(big, 'h', sizeof(big));
	big[sizeof(big) - 1] = '\0';
#define REFUSE(field, value, want)                   \
	do {                                         \
		m = full_msg();                      \
		field = (value);                     \
		assert_int_equal(fmt(&m, &b), want); \
		bw_buf_free(&b);                     \
	} while (0)
	REFUSE(m.hostname, BW_STR("-"), BW_ERR_INVALID);
	REFUSE(m.hostname, BW_STR("a b"), BW_ERR_INVALID);
	REFUSE(m.hostname, BW_STR("a\nb"), BW_ERR_INVALID);
	REFUSE(m.hostname, bw_str_c(big), BW_ERR_INVALID);
	REFUSE(m.app_name, BW_STR("1234567890123456789012345678901234567890123456789"),
	       BW_ERR_INVALID);
	REFUSE(m.msgid, BW_STR("123456789012345678901234567890123"), BW_ERR_INVALID);
	REFUSE(m.procid, BW_STR("\xC3\xA9"), BW_ERR_INVALID);
	REFUSE(m.facility, 24, BW_ERR_RANGE);
	REFUSE(m.severity, 8, BW_ERR_RANGE);
	REFUSE(m.time_ms, -2, BW_ERR_RANGE);
	REFUSE(m.time_ms, BW_SYSLOG_TIME_MAX + 1, BW_ERR_RANGE);
	/* a newline anywhere would start a forged line at the collector */
	REFUSE(m.msg, BW_STR("ok\nforged"), BW_ERR_ENCODING);
	REFUSE(m.msg, BW_STR("tab\there"), BW_ERR_ENCODING);
	REFUSE(m.msg, BW_STR("del\x7f"), BW_ERR_ENCODING);
	REFUSE(m.msg, BW_STR("c1\xC2\x85"), BW_ERR_ENCODING);
	REFUSE(m.msg, BW_STR("bad\xFF"), BW_ERR_ENCODING);
	REFUSE(params[0].value, BW_STR("a\r\nb"), BW_ERR_ENCODING);
	REFUSE(params[0].value, BW_STR("\xC0\xAF"), BW_ERR_ENCODING);
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		REFUSE(params[1].name, bw_str_c(bad_names[i]), BW_ERR_INVALID);
		REFUSE(sd[0].id, bw_str_c(bad_names[i]), BW_ERR_INVALID);
	}
	for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++)
		REFUSE(sd[0].id, bw_str_c(bad_ids[i]), BW_ERR_INVALID);
	REFUSE(sd[1].id, BW_STR("ex@32473"), BW_ERR_INVALID); /* the same SD-ID twice */
	REFUSE(m.nsd, BW_SYSLOG_SD_MAX + 1, BW_ERR_LIMIT);
#undef REFUSE
	/* a dotted enterprise number is fine */
	m = full_msg();
	sd[0].id = BW_STR("ex@32473.1.2");
	assert_int_equal(fmt(&m, &b), BW_OK);
	bw_buf_free(&b);
}

static void format_caps_the_line(void **state)
{
	static char text[BW_SYSLOG_LINE_MAX];
	struct bw_syslog_msg m = {.time_ms = BW_SYSLOG_NO_TIME};
	struct bw_buf b;
	size_t head = strlen("<0>1 - - - - - - ");

	(void)state;
	memset(text, 'a', sizeof(text));
	m.msg = (struct bw_str){text, BW_SYSLOG_LINE_MAX - head};
	assert_int_equal(fmt(&m, &b), BW_OK);
	assert_int_equal(b.len, 1 + BW_SYSLOG_LINE_MAX);
	bw_buf_free(&b);
	m.msg.len++;
	assert_int_equal(fmt(&m, &b), BW_ERR_LIMIT);
	bw_buf_free(&b);
	/* the caller's cap is honoured too */
	m.msg.len = 10;
	bw_buf_init(&b, 8);
	assert_int_equal(bw_syslog_format(&m, &b), BW_ERR_LIMIT);
	assert_int_equal(b.len, 0);
	bw_buf_free(&b);
}

static void assert_same_msg(const struct bw_syslog_msg *a, const struct bw_syslog_msg *b)
{
	assert_int_equal(a->facility, b->facility);
	assert_int_equal(a->severity, b->severity);
	assert_true(a->time_ms == b->time_ms);
	assert_true(bw_str_eq(a->hostname, b->hostname));
	assert_true(bw_str_eq(a->app_name, b->app_name));
	assert_true(bw_str_eq(a->procid, b->procid));
	assert_true(bw_str_eq(a->msgid, b->msgid));
	assert_true(bw_str_eq(a->msg, b->msg));
	assert_int_equal(a->nsd, b->nsd);
	for (size_t i = 0; i < a->nsd; i++) {
		assert_true(bw_str_eq(a->sd[i].id, b->sd[i].id));
		assert_int_equal(a->sd[i].nparams, b->sd[i].nparams);
		for (size_t j = 0; j < a->sd[i].nparams; j++) {
			assert_true(bw_str_eq(a->sd[i].params[j].name, b->sd[i].params[j].name));
			assert_true(bw_str_eq(a->sd[i].params[j].value, b->sd[i].params[j].value));
		}
	}
}

static void parse_inverts_format(void **state)
{
	static struct bw_syslog_parsed ps;
	struct bw_syslog_msg m = full_msg();
	struct bw_buf b;

	(void)state;
	assert_int_equal(fmt(&m, &b), BW_OK);
	assert_int_equal(bw_syslog_parse(b.p + 1, b.len - 1, &ps), BW_OK);
	assert_same_msg(&m, &ps.msg);
	bw_buf_free(&b);

	/* the escaped value comes back with its '"', '\' and ']' */
	assert_true(bw_str_eq_c(ps.msg.sd[0].params[1].value, "q\"x\\y]z"));

	/* nil values and no MSG */
	m = (struct bw_syslog_msg){.time_ms = BW_SYSLOG_NO_TIME};
	assert_int_equal(fmt(&m, &b), BW_OK);
	assert_int_equal(bw_syslog_parse(b.p + 1, b.len - 1, &ps), BW_OK);
	assert_same_msg(&m, &ps.msg);
	bw_buf_free(&b);
}

static void non_ascii_msg_carries_a_bom(void **state)
{
	static struct bw_syslog_parsed ps;
	struct bw_syslog_msg m = full_msg();
	static const char raw_line[] = "<13>1 - h a p m - caf\xC3\xA9";
	struct bw_buf b;

	(void)state;
	m.msg = BW_STR("caf\xC3\xA9");
	assert_int_equal(fmt(&m, &b), BW_OK);
	assert_non_null(strstr(bw_buf_cstr(&b), "] \xEF\xBB\xBF"
	                                        "caf\xC3\xA9"));
	assert_int_equal(bw_syslog_parse(b.p + 1, b.len - 1, &ps), BW_OK);
	assert_true(bw_str_eq_c(ps.msg.msg, "caf\xC3\xA9"));
	bw_buf_free(&b);
	/* without the BOM the encoding of non-ASCII bytes is unknown: refused */
	assert_int_equal(bw_syslog_parse(raw_line, sizeof(raw_line) - 1, &ps), BW_ERR_ENCODING);
}

static void parse_refuses(void **state)
{
	static struct bw_syslog_parsed ps;
	static const struct {
		const char *line;
		enum bw_err want;
	} bad[] = {
	        {"", BW_ERR_INVALID},
	        {"<13>1", BW_ERR_INVALID},
	        {"<13>1 - - - - -", BW_ERR_INVALID},
	        {"<192>1 - - - - - -", BW_ERR_INVALID},
	        {"<013>1 - - - - - -", BW_ERR_INVALID},
	        {"<1000>1 - - - - - -", BW_ERR_INVALID},
	        {"<>1 - - - - - -", BW_ERR_INVALID},
	        {"13>1 - - - - - -", BW_ERR_INVALID},
	        {"<13>2 - - - - - -", BW_ERR_INVALID},
	        {"<13>1  - - - - -", BW_ERR_INVALID},
	        {"<13>1 - - - - - - ", BW_OK}, /* an empty MSG */
	        {"<13>1 - - - - -x", BW_ERR_INVALID},
	        {"<13>1 - - - - - [a]x", BW_ERR_INVALID},
	        {"<13>1 - - - - - [a] x", BW_OK},
	        {"<13>1 - - - - - []", BW_ERR_INVALID},
	        {"<13>1 - - - - - [a", BW_ERR_INVALID},
	        {"<13>1 - - - - - [a b=\"1\"", BW_ERR_INVALID},
	        {"<13>1 - - - - - [a b=\"1]", BW_ERR_INVALID},
	        {"<13>1 - - - - - [a b=\"x]y\"]", BW_ERR_INVALID},
	        {"<13>1 - - - - - [a b=\"x\\ay\"]", BW_ERR_INVALID},
	        {"<13>1 - - - - - [a b=\"x\\\"", BW_ERR_INVALID},
	        {"<13>1 - - - - - [a b=1]", BW_ERR_INVALID},
	        {"<13>1 - - - - - [a  b=\"1\"]", BW_ERR_INVALID},
	        {"<13>1 - - - - - [a b=\"1\"][a c=\"2\"]", BW_ERR_INVALID},
	        {"<13>1 - - - - - [a b=\"1\"] [c]", BW_OK}, /* "[c]" is MSG text */
	        {"<13>1 - - - - - [a b=\"\x01\"]", BW_ERR_ENCODING},
	        {"<13>1 - - - - - [a b=\"\xFF\"]", BW_ERR_ENCODING},
	        {"<13>1 - - - - - - a\nb", BW_ERR_ENCODING},
	        {"<13>1 - h\x01 - - - -", BW_ERR_INVALID},
	        {"<13>1 2023-11-14t22:13:20Z - - - - -", BW_ERR_INVALID},
	        {"<13>1 2023-11-14T22:13:20.1234567Z - - - - -", BW_ERR_INVALID},
	        {"<13>1 2023-11-14T22:13:20. - - - - -", BW_ERR_INVALID},
	        {"<13>1 2023-02-29T22:13:20Z - - - - -", BW_ERR_INVALID},
	        {"<13>1 1969-12-31T23:59:59Z - - - - -", BW_ERR_INVALID},
	        {"<13>1 2023-11-14T22:13:20Z - - - - -", BW_OK},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum bw_err rc = bw_syslog_parse(bad[i].line, strlen(bad[i].line), &ps);

		if (rc != bad[i].want)
			fail_msg("line %zu \"%s\": %s", i, bad[i].line, bw_err_str(rc));
	}
}

static void parse_caps(void **state)
{
	static struct bw_syslog_parsed ps;
	static char line[2 * BW_SYSLOG_LINE_MAX];
	struct bw_buf b;
	size_t n;

	(void)state;
	/* nine SD elements, one more than kept */
	bw_buf_init(&b, sizeof(line));
	assert_int_equal(bw_buf_append_c(&b, "<13>1 - - - - - "), BW_OK);
	for (int i = 0; i < BW_SYSLOG_SD_MAX + 1; i++)
		assert_int_equal(bw_buf_printf(&b, "[e%d]", i), BW_OK);
	assert_int_equal(bw_syslog_parse(b.p, b.len, &ps), BW_ERR_LIMIT);
	bw_buf_reset(&b);
	/* thirty-three params, one more than kept */
	assert_int_equal(bw_buf_append_c(&b, "<13>1 - - - - - [e"), BW_OK);
	for (int i = 0; i < BW_SYSLOG_PARAMS_MAX + 1; i++)
		assert_int_equal(bw_buf_printf(&b, " p%d=\"v\"", i), BW_OK);
	assert_int_equal(bw_buf_append_c(&b, "]"), BW_OK);
	assert_int_equal(bw_syslog_parse(b.p, b.len, &ps), BW_ERR_LIMIT);
	bw_buf_free(&b);
	/* a line one byte over the cap */
	n = (size_t)snprintf(line, sizeof(line), "<13>1 - - - - - - ");
	memset(line + n, 'a', BW_SYSLOG_LINE_MAX + 1 - n);
	assert_int_equal(bw_syslog_parse(line, BW_SYSLOG_LINE_MAX + 1, &ps), BW_ERR_LIMIT);
	assert_int_equal(bw_syslog_parse(line, BW_SYSLOG_LINE_MAX, &ps), BW_OK);
}

static void timestamps(void **state)
{
	char ts[BW_SYSLOG_TIME_SIZE];
	int64_t t = 7;

	(void)state;
	assert_int_equal(bw_syslog_time_format(T0, ts), BW_OK);
	assert_string_equal(ts, "2023-11-14T22:13:20.123Z");
	assert_int_equal(bw_syslog_time_format(BW_SYSLOG_TIME_MAX, ts), BW_OK);
	assert_string_equal(ts, "9999-12-31T23:59:59.999Z");
	assert_int_equal(bw_syslog_time_format(-1, ts), BW_ERR_RANGE);
	assert_string_equal(ts, "");
	assert_int_equal(bw_syslog_time_format(BW_SYSLOG_TIME_MAX + 1, ts), BW_ERR_RANGE);

	assert_int_equal(bw_syslog_time_parse(BW_STR("2023-11-14T22:13:20.123Z"), &t), BW_OK);
	assert_true(t == T0);
	/* an offset is applied; the fraction is truncated to ms, up to 6 digits */
	assert_int_equal(bw_syslog_time_parse(BW_STR("2023-11-14T23:13:20.123999+01:00"), &t),
	                 BW_OK);
	assert_true(t == T0);
	assert_int_equal(bw_syslog_time_parse(BW_STR("2023-11-14T22:13:20Z"), &t), BW_OK);
	assert_true(t == T0 - 123);
	assert_int_equal(bw_syslog_time_parse(BW_STR("2023-11-14T22:13:20.1Z"), &t), BW_OK);
	assert_true(t == T0 - 23);
	t = 7;
	assert_int_equal(bw_syslog_time_parse(BW_STR("2023-11-14T22:13:20.1234567Z"), &t),
	                 BW_ERR_INVALID);
	assert_int_equal(bw_syslog_time_parse(BW_STR("9999-12-31T23:59:59.999-00:01"), &t),
	                 BW_ERR_INVALID);
	assert_int_equal(bw_syslog_time_parse(BW_STR("1970-01-01T00:00:00.000+00:01"), &t),
	                 BW_ERR_INVALID);
	assert_int_equal(bw_syslog_time_parse(BW_STR("2023-11-14 22:13:20Z"), &t), BW_ERR_INVALID);
	assert_int_equal(bw_syslog_time_parse(BW_STR(""), &t), BW_ERR_INVALID);
	assert_true(t == 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(format_known_line),
	        cmocka_unit_test(format_nil_values),
	        cmocka_unit_test(format_refuses_ambiguity),
	        cmocka_unit_test(format_caps_the_line),
	        cmocka_unit_test(parse_inverts_format),
	        cmocka_unit_test(non_ascii_msg_carries_a_bom),
	        cmocka_unit_test(parse_refuses),
	        cmocka_unit_test(parse_caps),
	        cmocka_unit_test(timestamps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
