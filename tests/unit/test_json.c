/* test_json.c — strict JSON bodies, declared schemas, HTML-safe dumping. */
#include "bw_test.h"
#include "bulwark/json.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const struct bw_json_limits ANY_TOP = {.allow_non_object = true};

/* Parse a literal; check the result code and, on failure, the one body error. */
static void expect_parse(const char *s, size_t len, const struct bw_json_limits *lim,
                         enum bw_err want, const char *code)
{
	struct bw_field_errors errs = {0};
	json_t dummy;
	json_t *doc = &dummy;
	enum bw_err rc = bw_json_parse(s, len, lim, &doc, &errs);

	if (rc != want)
		fail_msg("parse of %.40s: rc %s, want %s", s, bw_err_str(rc), bw_err_str(want));
	if (want == BW_OK) {
		assert_non_null(doc);
		assert_int_equal(errs.count, 0);
		json_decref(doc);
		return;
	}
	assert_null(doc);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.items[0].field, BW_JSON_FIELD_BODY);
	if (strcmp(errs.items[0].code, code) != 0)
		fail_msg("parse of %.40s: code %s, want %s", s, errs.items[0].code, code);
}

#define PARSE(lit, lim, want, code) expect_parse(lit, sizeof(lit) - 1, lim, want, code)

/* "[[[…]]]" n deep (2n bytes), caller frees. */
static char *nested_arrays(size_t n)
{
	char *s = malloc(2 * n + 1);

	assert_non_null(s);
	memset(s, '[', n);
	memset(s + n, ']', n);
	s[2 * n] = '\0';
	return s;
}

static void depth_cap_32_and_33(void **state)
{
	char *s;
	char obj[256];
	size_t n = 0;

	(void)state;
	s = nested_arrays(32);
	expect_parse(s, 64, &ANY_TOP, BW_OK, NULL);
	free(s);
	s = nested_arrays(33);
	expect_parse(s, 66, &ANY_TOP, BW_ERR_INVALID, "too_deep");
	free(s);

	/* an object at the top: {"a":[[…]]} with 1 + 31 levels is fine, 1 + 32 is not */
	n = (size_t)snprintf(obj, sizeof obj, "{\"a\":");
	memset(obj + n, '[', 31);
	memset(obj + n + 31, ']', 31);
	obj[n + 62] = '}';
	expect_parse(obj, n + 63, NULL, BW_OK, NULL);
	memset(obj + n, '[', 32);
	memset(obj + n + 32, ']', 32);
	obj[n + 64] = '}';
	expect_parse(obj, n + 65, NULL, BW_ERR_INVALID, "too_deep");

	/* objects count as much as arrays */
	PARSE("{\"a\":{\"b\":{}}}", (&(struct bw_json_limits){.max_depth = 3}), BW_OK, NULL);
	PARSE("{\"a\":{\"b\":{\"c\":{}}}}", (&(struct bw_json_limits){.max_depth = 3}),
	      BW_ERR_INVALID, "too_deep");
}

static void million_deep_refused_fast_without_recursion(void **state)
{
	const size_t n = 1000000;
	struct bw_json_limits lim = {.max_bytes = 4 * n, .allow_non_object = true};
	char *s = nested_arrays(n);
	struct timespec t0, t1;
	double ms;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	expect_parse(s, n, &lim, BW_ERR_INVALID, "too_deep"); /* only the '[' half */
	expect_parse(s, 2 * n, &lim, BW_ERR_INVALID, "too_deep");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	assert_true(ms < 1000.0);
	free(s);

	/* a million "{\"a\":" too */
	{
		const char unit[] = "{\"a\":";
		char *o = malloc(5 * n);

		assert_non_null(o);
		for (size_t i = 0; i < n; i++)
			memcpy(o + 5 * i, unit, 5);
		lim.max_bytes = 5 * n;
		expect_parse(o, 5 * n, &lim, BW_ERR_INVALID, "too_deep");
		free(o);
	}
}

static void brackets_in_strings_do_not_count(void **state)
{
	char doc[200];
	size_t n;

	(void)state;
	/* 40 '[' inside a string: depth 1 */
	n = (size_t)snprintf(doc, sizeof doc, "{\"a\":\"%s\"}",
	                     "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[");
	expect_parse(doc, n, NULL, BW_OK, NULL);
	/* an escaped quote does not end the string */
	n = (size_t)snprintf(doc, sizeof doc, "{\"a\":\"\\\"%s\"}",
	                     "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[");
	expect_parse(doc, n, NULL, BW_OK, NULL);
	/* an escaped backslash does: the brackets after it are structure */
	PARSE("{\"a\":\"\\\\\",\"b\":[[[[]]]]}", (&(struct bw_json_limits){.max_depth = 4}),
	      BW_ERR_INVALID, "too_deep");
	PARSE("{\"a\":\"\\\\\",\"b\":[[[]]]}", (&(struct bw_json_limits){.max_depth = 4}), BW_OK,
	      NULL);
}

static void duplicates_nul_and_encoding(void **state)
{
	(void)state;
	PARSE("{\"a\":1,\"a\":2}", NULL, BW_ERR_INVALID, "duplicate");
	PARSE("{\"a\":1,\"b\":{\"c\":1,\"c\":1}}", NULL, BW_ERR_INVALID, "duplicate");
	PARSE("{\"a\":1,\"\\u0061\":2}", NULL, BW_ERR_INVALID,
	      "duplicate"); /* same after decoding */
	PARSE("{\"a\":\"\\u0000\"}", NULL, BW_ERR_ENCODING, "encoding");
	PARSE("{\"a\":\"x\\u0000y\"}", NULL, BW_ERR_ENCODING, "encoding");
	PARSE("{\"a\\u0000b\":1}", NULL, BW_ERR_ENCODING, "encoding");
	PARSE("{\"a\":\"x\0y\"}", NULL, BW_ERR_INVALID, "invalid");           /* raw NUL byte */
	PARSE("{\"a\":\"\xC0\xAF\"}", NULL, BW_ERR_ENCODING, "encoding");     /* overlong */
	PARSE("{\"a\":\"\xED\xA0\x80\"}", NULL, BW_ERR_ENCODING, "encoding"); /* surrogate */
	PARSE("{\"a\":\"\xFF\"}", NULL, BW_ERR_ENCODING, "encoding");
	PARSE("{\"a\xC3\":1}", NULL, BW_ERR_ENCODING, "encoding");
	PARSE("{\"a\":\"\\ud800\"}", NULL, BW_ERR_INVALID, "invalid"); /* lone surrogate escape */
	PARSE("{\"a\":\"\\udc00\\ud800\"}", NULL, BW_ERR_INVALID, "invalid");
	PARSE("{\"a\":\"\\ud83d\\ude00\"}", NULL, BW_OK, NULL); /* a proper pair */
	PARSE("{\"a\":\"\xC3\xA9\"}", NULL, BW_OK, NULL);
}

static void syntax_trailing_data_and_top_level(void **state)
{
	static const char *const bad[] = {
	        "",
	        " ",
	        "{",
	        "{}}",
	        "{} x",
	        "{}{}",
	        "{},",
	        "{\"a\":1,}",
	        "{'a':1}",
	        "{a:1}",
	        "{\"a\":01}",
	        "{\"a\":0x1}",
	        "{\"a\":+1}",
	        "{\"a\":.5}",
	        "{\"a\":NaN}",
	        "{\"a\":Infinity}",
	        "{\"a\":1e400}",
	        "{\"a\":10000000000000000000000000000000}",
	        "{\"a\":1} // comment",
	        "/* c */ {\"a\":1}",
	        "\xEF\xBB\xBF{}",
	        "{\"a\":\"\t\"}",
	        "{\"a\":\"\\x41\"}",
	        "{\"a\":tru}",
	};
	static const char *const tops[] = {"[]", "[1,2]", "1", "\"s\"", "null", "true"};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expect_parse(bad[i], strlen(bad[i]), NULL, BW_ERR_INVALID, "invalid");
		expect_parse(bad[i], strlen(bad[i]), &ANY_TOP, BW_ERR_INVALID, "invalid");
	}
	for (size_t i = 0; i < sizeof(tops) / sizeof(tops[0]); i++) {
		expect_parse(tops[i], strlen(tops[i]), NULL, BW_ERR_INVALID, "invalid");
		expect_parse(tops[i], strlen(tops[i]), &ANY_TOP, BW_OK, NULL);
	}
	PARSE(" {\"a\" : [1, -2.5e3, true, null]}\r\n\t ", NULL, BW_OK, NULL);
	expect_parse(NULL, 0, NULL, BW_ERR_INVALID, "invalid");
}

static void size_cap_checked_first(void **state)
{
	struct bw_json_limits lim = {.max_bytes = 10};
	json_t *doc = NULL;

	(void)state;
	PARSE("{\"a\":1234}", &lim, BW_OK, NULL); /* 10 bytes */
	PARSE("{\"a\":12345}", &lim, BW_ERR_LIMIT, "too_long");
	/* over the cap, garbage and bad UTF-8 still give "too long": nothing was parsed */
	PARSE("\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF", &lim, BW_ERR_LIMIT, "too_long");
	/* the default cap is 64 KiB */
	{
		size_t n = BW_JSON_DEFAULT_MAX_BYTES + 1;
		char *s = malloc(n);

		assert_non_null(s);
		memset(s, ' ', n);
		s[0] = '{';
		s[n - 1] = '}';
		expect_parse(s, n, NULL, BW_ERR_LIMIT, "too_long");
		expect_parse(s, n - 1 - 1, NULL, BW_ERR_INVALID, "invalid"); /* no '}' */
		s[n - 2] = '}';
		expect_parse(s, n - 1, NULL, BW_OK, NULL);
		free(s);
	}
	/* errs may be NULL */
	assert_int_equal(bw_json_parse("{}}", 3, NULL, &doc, NULL), BW_ERR_INVALID);
	assert_null(doc);
}

/* ---- schemas ------------------------------------------------------------ */

static const struct bw_rule TITLE = BW_RULE_TEXT(1, 20, 0);
static const struct bw_rule BODY = BW_RULE_TEXT(0, 1000, 0xFFu);
static const struct bw_rule LIMIT = BW_RULE_INT_RANGE(1, 100);
static const struct bw_rule TAG = BW_RULE_TEXT(1, 10, BW_CC_ALPHA | BW_CC_DASH);
static const struct bw_json_field NOTE_FIELDS[] = {
        {.name = "title", .type = BW_JSON_STRING, .required = true, .rule = &TITLE},
        {.name = "body", .type = BW_JSON_STRING, .rule = &BODY},
        {.name = "limit", .type = BW_JSON_INT, .rule = &LIMIT},
        {.name = "pinned", .type = BW_JSON_BOOL},
        {.name = "tags", .type = BW_JSON_STRING_ARRAY, .rule = &TAG, .max_items = 3},
};
static const struct bw_json_schema NOTE = {NOTE_FIELDS,
                                           sizeof(NOTE_FIELDS) / sizeof(NOTE_FIELDS[0])};

static json_t *parse_ok(const char *s)
{
	json_t *doc = NULL;

	assert_int_equal(bw_json_parse(s, strlen(s), &ANY_TOP, &doc, NULL), BW_OK);
	return doc;
}

/* Check s against NOTE; expect exactly one error (field, code), or none. */
static void expect_schema(const char *s, const char *field, const char *code)
{
	json_t *doc = parse_ok(s);
	struct bw_field_errors errs = {0};
	enum bw_err rc = bw_json_check(doc, &NOTE, &errs);

	if (field == NULL) {
		if (rc != BW_OK)
			fail_msg("%s: %s %s", s, errs.items[0].field, errs.items[0].code);
	} else {
		assert_int_equal(rc, BW_ERR_INVALID);
		if (errs.count != 1 || strcmp(errs.items[0].field, field) != 0 ||
		    strcmp(errs.items[0].code, code) != 0)
			fail_msg("%s: got %zu errors, first %s %s", s, errs.count,
			         errs.count ? errs.items[0].field : "-",
			         errs.count ? errs.items[0].code : "-");
	}
	json_decref(doc);
}

static void schema_accepts_declared_members(void **state)
{
	(void)state;
	expect_schema("{\"title\":\"Hello\"}", NULL, NULL);
	expect_schema("{\"title\":\"Hello\",\"body\":\"line 1\\nline 2\",\"limit\":100,"
	              "\"pinned\":false,\"tags\":[\"a\",\"b-c\",\"d\"]}",
	              NULL, NULL);
	expect_schema("{\"title\":\"x\",\"tags\":[]}", NULL, NULL);
}

static void schema_refuses_unknown_missing_and_wrong_types(void **state)
{
	(void)state;
	/* mass assignment */
	expect_schema("{\"title\":\"x\",\"owner_id\":5}", BW_JSON_FIELD_UNKNOWN, "unknown");
	expect_schema("{\"title\":\"x\",\"Title\":\"y\"}", BW_JSON_FIELD_UNKNOWN, "unknown");
	expect_schema("{\"title\":\"x\",\"title \":\"y\"}", BW_JSON_FIELD_UNKNOWN, "unknown");
	expect_schema("{\"body\":\"x\"}", "title", "required");
	expect_schema("{}", "title", "required");
	expect_schema("{\"title\":5}", "title", "invalid");
	expect_schema("{\"title\":null}", "title", "invalid");
	expect_schema("{\"title\":[\"x\"]}", "title", "invalid");
	expect_schema("{\"title\":{\"x\":1}}", "title", "invalid");
	expect_schema("{\"title\":\"x\",\"limit\":\"5\"}", "limit", "invalid");
	expect_schema("{\"title\":\"x\",\"limit\":5.0}", "limit", "invalid");
	expect_schema("{\"title\":\"x\",\"limit\":true}", "limit", "invalid");
	expect_schema("{\"title\":\"x\",\"pinned\":\"true\"}", "pinned", "invalid");
	expect_schema("{\"title\":\"x\",\"pinned\":1}", "pinned", "invalid");
	expect_schema("{\"title\":\"x\",\"tags\":\"a\"}", "tags", "invalid");
	expect_schema("{\"title\":\"x\",\"tags\":[1]}", "tags", "invalid");
	expect_schema("{\"title\":\"x\",\"tags\":[[\"a\"]]}", "tags", "invalid");
}

static void schema_applies_rules(void **state)
{
	(void)state;
	expect_schema("{\"title\":\"\"}", "title", "too_short");
	expect_schema("{\"title\":\"123456789012345678901\"}", "title", "too_long");
	expect_schema("{\"title\":\"12345678901234567890\"}", NULL, NULL);
	expect_schema("{\"title\":\"a\\u202eb\"}", "title", "not_allowed"); /* RLO via escape */
	expect_schema("{\"title\":\"a\\nb\"}", "title", "not_allowed");
	expect_schema("{\"title\":\"x\",\"limit\":0}", "limit", "out_of_range");
	expect_schema("{\"title\":\"x\",\"limit\":1}", NULL, NULL);
	expect_schema("{\"title\":\"x\",\"limit\":101}", "limit", "out_of_range");
	expect_schema("{\"title\":\"x\",\"limit\":-9223372036854775808}", "limit", "out_of_range");
	expect_schema("{\"title\":\"x\",\"tags\":[\"a\",\"b\",\"c\",\"d\"]}", "tags", "too_long");
	expect_schema("{\"title\":\"x\",\"tags\":[\"a\",\"b c\"]}", "tags", "not_allowed");
	expect_schema("{\"title\":\"x\",\"tags\":[\"\"]}", "tags", "too_short");
}

static void schema_errors_never_echo_input(void **state)
{
	json_t *doc = parse_ok("{\"<script>\":1,\"a\":2,\"b\":3,\"title\":\"x\",\"limit\":0}");
	struct bw_field_errors errs = {0};

	(void)state;
	assert_int_equal(bw_json_check(doc, &NOTE, &errs), BW_ERR_INVALID);
	assert_int_equal(errs.count, 4);
	/* declared fields point at the schema's own string */
	assert_ptr_equal(errs.items[0].field, NOTE_FIELDS[2].name);
	assert_string_equal(errs.items[0].code, "out_of_range");
	for (size_t i = 1; i < 4; i++) {
		assert_string_equal(errs.items[i].field, BW_JSON_FIELD_UNKNOWN);
		assert_string_equal(errs.items[i].code, "unknown");
	}
	json_decref(doc);

	/* many unknown members: capped, marked truncated */
	{
		char big[4096];
		size_t n = 0;

		n += (size_t)snprintf(big + n, sizeof big - n, "{\"title\":\"x\"");
		for (int i = 0; i < 100; i++)
			n += (size_t)snprintf(big + n, sizeof big - n, ",\"k%d\":%d", i, i);
		n += (size_t)snprintf(big + n, sizeof big - n, "}");
		doc = parse_ok(big);
		memset(&errs, 0, sizeof errs);
		assert_int_equal(bw_json_check(doc, &NOTE, &errs), BW_ERR_INVALID);
		assert_int_equal(errs.count, BW_FIELD_ERRORS_MAX);
		assert_true(errs.truncated);
		json_decref(doc);
	}

	/* not an object */
	doc = parse_ok("[\"title\"]");
	memset(&errs, 0, sizeof errs);
	assert_int_equal(bw_json_check(doc, &NOTE, &errs), BW_ERR_INVALID);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.items[0].field, BW_JSON_FIELD_BODY);
	json_decref(doc);
}

static void typed_getters(void **state)
{
	json_t *doc = parse_ok("{\"title\":\"Hi \\u00e9\",\"limit\":42,\"pinned\":true,"
	                       "\"tags\":[\"a\",\"b\"]}");
	struct bw_str s = {NULL, 0};
	int64_t n = 0;
	bool b = false;
	size_t count = 0;

	(void)state;
	assert_int_equal(bw_json_get_str(doc, &NOTE, "title", &s), BW_OK);
	assert_true(bw_str_eq_c(s, "Hi \xC3\xA9"));
	assert_int_equal(bw_json_get_int(doc, &NOTE, "limit", &n), BW_OK);
	assert_int_equal(n, 42);
	assert_int_equal(bw_json_get_bool(doc, &NOTE, "pinned", &b), BW_OK);
	assert_true(b);
	assert_int_equal(bw_json_get_count(doc, &NOTE, "tags", &count), BW_OK);
	assert_int_equal(count, 2);
	assert_int_equal(bw_json_get_item(doc, &NOTE, "tags", 1, &s), BW_OK);
	assert_true(bw_str_eq_c(s, "b"));
	assert_int_equal(bw_json_get_item(doc, &NOTE, "tags", 2, &s), BW_ERR_NOT_FOUND);
	s = BW_STR("untouched");
	assert_int_equal(bw_json_get_str(doc, &NOTE, "body", &s), BW_ERR_NOT_FOUND);
	assert_true(bw_str_eq_c(s, "untouched"));
	json_decref(doc);

	/* getters re-check: no bw_json_check was called on these */
	doc = parse_ok("{\"title\":\"\",\"limit\":1000,\"pinned\":\"yes\",\"tags\":[\"a\",7]}");
	n = 5;
	assert_int_equal(bw_json_get_str(doc, &NOTE, "title", &s), BW_ERR_INVALID);
	assert_int_equal(bw_json_get_int(doc, &NOTE, "limit", &n), BW_ERR_INVALID);
	assert_int_equal(n, 5);
	assert_int_equal(bw_json_get_bool(doc, &NOTE, "pinned", &b), BW_ERR_INVALID);
	assert_int_equal(bw_json_get_item(doc, &NOTE, "tags", 0, &s), BW_ERR_INVALID);
	json_decref(doc);
}

/* Run fn in a child; it must die of SIGABRT (a programming error, not input). */
static void expect_abort(void (*fn)(void))
{
	pid_t pid = fork();
	int st = 0;

	assert_true(pid >= 0);
	if (pid == 0) {
		/* keep the child's panic message out of the test output */
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(3);
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
}

static void get_undeclared(void)
{
	json_t *doc = json_pack("{s:s}", "owner_id", "x");
	struct bw_str s;

	if (bw_json_get_str(doc, &NOTE, "owner_id", &s) == BW_OK)
		_exit(1);
}

static void get_wrong_type(void)
{
	json_t *doc = json_pack("{s:i}", "limit", 5);
	struct bw_str s;

	if (bw_json_get_str(doc, &NOTE, "limit", &s) == BW_OK)
		_exit(1);
}

static void check_int_without_rule(void)
{
	static const struct bw_json_field f[] = {{.name = "n", .type = BW_JSON_INT}};
	static const struct bw_json_schema sc = {f, 1};
	json_t *doc = json_pack("{s:i}", "n", 5);

	if (bw_json_check(doc, &sc, NULL) == BW_OK)
		_exit(1);
}

static void check_declared_twice(void)
{
	static const struct bw_json_field f[] = {{.name = "b", .type = BW_JSON_BOOL},
	                                         {.name = "b", .type = BW_JSON_BOOL}};
	static const struct bw_json_schema sc = {f, 2};
	json_t *doc = json_pack("{s:b,s:i}", "b", 1, "evil", 1);

	if (bw_json_check(doc, &sc, NULL) == BW_OK)
		_exit(1);
}

static void schema_misuse_aborts(void **state)
{
	(void)state;
	expect_abort(get_undeclared);
	expect_abort(get_wrong_type);
	expect_abort(check_int_without_rule);
	expect_abort(check_declared_twice);
}

/* ---- dumping ------------------------------------------------------------ */

static void dump_expect(const char *in, const char *want)
{
	json_t *doc = parse_ok(in), *again = NULL;
	struct bw_buf b;

	bw_buf_init(&b, 1024);
	assert_int_equal(bw_json_dump(doc, &b), BW_OK);
	assert_string_equal(bw_buf_cstr(&b), want);
	/* the output is JSON that means the same */
	assert_int_equal(bw_json_parse(b.p, b.len, &ANY_TOP, &again, NULL), BW_OK);
	assert_true(json_equal(doc, again));
	json_decref(again);
	json_decref(doc);
	bw_buf_free(&b);
}

static void dump_is_compact_ascii_and_html_safe(void **state)
{
	(void)state;
	dump_expect("{ \"a\" : [1, 2],\n \"b\" : {\"c\" : true, \"d\": null} }",
	            "{\"a\":[1,2],\"b\":{\"c\":true,\"d\":null}}");
	dump_expect("{\"z\":1,\"a\":2}", "{\"z\":1,\"a\":2}"); /* order kept */
	dump_expect("{\"a\":\"</script><!--&amp;\"}",
	            "{\"a\":\"\\u003c/script\\u003e\\u003c!--\\u0026amp;\"}");
	dump_expect("{\"<k>\":\"&\"}", "{\"\\u003ck\\u003e\":\"\\u0026\"}");
	dump_expect("{\"a\":\"\xC3\xA9\xE2\x80\xA8\xE2\x80\xA9\xF0\x9F\x98\x80\"}",
	            "{\"a\":\"\\u00E9\\u2028\\u2029\\uD83D\\uDE00\"}");
	dump_expect("{\"a\":\"q\\\"b\\\\\\n\\u0001\"}", "{\"a\":\"q\\\"b\\\\\\n\\u0001\"}");
	dump_expect("[1.5,-0.25,1e300]", "[1.5,-0.25,1.0000000000000001e300]");
	dump_expect("\"<\"", "\"\\u003c\"");
	dump_expect("\"a\x7f"
	            "b\"",
	            "\"a\\u007fb\""); /* DEL, which jansson leaves raw */
}

static void dump_respects_the_cap(void **state)
{
	json_t *doc = parse_ok("{\"a\":\"<<<<\"}"); /* 32 bytes once escaped */
	struct bw_buf b;

	(void)state;
	bw_buf_init(&b, 36);
	assert_int_equal(bw_buf_append_c(&b, "pre:"), BW_OK);
	assert_int_equal(bw_json_dump(doc, &b), BW_OK); /* 4 + 32 == 36 */
	assert_int_equal(b.len, 36);
	assert_string_equal(bw_buf_cstr(&b), "pre:{\"a\":\"\\u003c\\u003c\\u003c\\u003c\"}");
	bw_buf_reset(&b);
	assert_int_equal(bw_buf_append_c(&b, "pre:x"), BW_OK);
	assert_int_equal(bw_json_dump(doc, &b), BW_ERR_LIMIT); /* 37 > 36: nothing appended */
	assert_string_equal(bw_buf_cstr(&b), "pre:x");
	bw_buf_free(&b);

	bw_buf_init(&b, 3);
	assert_int_equal(bw_buf_append_c(&b, "abc"), BW_OK);
	assert_int_equal(bw_json_dump(doc, &b), BW_ERR_LIMIT); /* already full */
	assert_string_equal(bw_buf_cstr(&b), "abc");
	bw_buf_free(&b);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(depth_cap_32_and_33),
	        cmocka_unit_test(million_deep_refused_fast_without_recursion),
	        cmocka_unit_test(brackets_in_strings_do_not_count),
	        cmocka_unit_test(duplicates_nul_and_encoding),
	        cmocka_unit_test(syntax_trailing_data_and_top_level),
	        cmocka_unit_test(size_cap_checked_first),
	        cmocka_unit_test(schema_accepts_declared_members),
	        cmocka_unit_test(schema_refuses_unknown_missing_and_wrong_types),
	        cmocka_unit_test(schema_applies_rules),
	        cmocka_unit_test(schema_errors_never_echo_input),
	        cmocka_unit_test(typed_getters),
	        cmocka_unit_test(schema_misuse_aborts),
	        cmocka_unit_test(dump_is_compact_ascii_and_html_safe),
	        cmocka_unit_test(dump_respects_the_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
