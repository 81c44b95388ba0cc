/*
 * test_log.c — structured logging: every line read back from a pipe and parsed
 * with jansson (duplicate keys refused), hostile values that try to forge a
 * line or a field, redaction, caps, threshold, rate limit, and four threads
 * writing lines longer than PIPE_BUF at once.
 */
#include "bw_test.h"

#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bulwark/log.h"

#define OUT_MAX   (1u << 20)
#define LINES_MAX 256

/* A logger writing into a pipe, and what was read back from it. */
struct cap {
	int rd, wr;
	struct bw_log *log;
	char *out;
	size_t len;
	json_t *lines[LINES_MAX];
	size_t nlines;
};

static void cap_open(struct cap *c, enum bw_log_level level)
{
	int p[2];

	memset(c, 0, sizeof(*c));
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	c->rd = p[0];
	c->wr = p[1];
	assert_int_equal(fcntl(c->rd, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(bw_log_new(c->wr, level, &c->log), BW_OK);
	c->out = malloc(OUT_MAX + 1);
	assert_non_null(c->out);
}

static void cap_clear(struct cap *c)
{
	for (size_t i = 0; i < c->nlines; i++)
		json_decref(c->lines[i]);
	c->nlines = 0;
	c->len = 0;
}

static void cap_close(struct cap *c)
{
	cap_clear(c);
	bw_log_free(c->log);
	close(c->rd);
	close(c->wr);
	free(c->out);
}

/*
 * Check one line (without its '\n'): no byte below 0x20, at most the line
 * cap, opens with the timestamp, parses as one JSON object with no duplicate
 * key, and carries ts, level and event as they must look.
 */
static json_t *check_line(const char *p, size_t len)
{
	json_error_t err;
	json_t *o;
	const char *ts, *level;

	assert_true(len + 1 <= BW_LOG_LINE_MAX);
	for (size_t i = 0; i < len; i++)
		assert_true((unsigned char)p[i] >= 0x20);
	assert_true(len > 8 && memcmp(p, "{\"ts\":\"", 7) == 0);
	o = json_loadb(p, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
	if (o == NULL)
		fail_msg("not JSON (%s): %.*s", err.text, (int)(len > 300 ? 300 : len), p);
	assert_true(json_is_object(o));
	ts = json_string_value(json_object_get(o, "ts"));
	assert_non_null(ts);
	/* RFC 3339, UTC, milliseconds: 2025-01-31T12:00:00.123Z */
	assert_int_equal(strlen(ts), 24);
	for (size_t i = 0; i < 24; i++) {
		const char *shape = "dddd-dd-ddTdd:dd:dd.dddZ";

		if (shape[i] == 'd')
			assert_true(ts[i] >= '0' && ts[i] <= '9');
		else
			assert_int_equal(ts[i], shape[i]);
	}
	assert_true(memcmp(ts, "2024", 4) >= 0);
	level = json_string_value(json_object_get(o, "level"));
	assert_non_null(level);
	assert_true(strcmp(level, "debug") == 0 || strcmp(level, "info") == 0 ||
	            strcmp(level, "warn") == 0 || strcmp(level, "error") == 0);
	assert_non_null(json_string_value(json_object_get(o, "event")));
	return o;
}

/* Read everything the pipe holds and check it is whole lines of JSON. */
static void cap_read(struct cap *c)
{
	size_t start = 0;
	ssize_t r;

	cap_clear(c);
	while ((r = read(c->rd, c->out + c->len, OUT_MAX - c->len)) > 0)
		c->len += (size_t)r;
	c->out[c->len] = '\0';
	assert_true(c->len == 0 || c->out[c->len - 1] == '\n');
	for (size_t i = 0; i < c->len; i++) {
		if (c->out[i] != '\n')
			continue;
		assert_true(c->nlines < LINES_MAX);
		c->lines[c->nlines++] = check_line(c->out + start, i - start);
		start = i + 1;
	}
}

/* The output holds needle nowhere (binary-safe). */
static bool out_has(const struct cap *c, const char *needle)
{
	return memmem(c->out, c->len, needle, strlen(needle)) != NULL;
}

static const char *sget(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void line_has_expected_keys(void **state)
{
	struct cap c;
	json_t *o;

	(void)state;
	cap_open(&c, BW_LOG_DEBUG);
	BW_LOG(c.log, BW_LOG_INFO, "req-42", "http.request", BW_LOG_F_STR("path", BW_STR("/v1/me")),
	       BW_LOG_F_CSTR("method", "GET"), BW_LOG_F_INT("status", 200),
	       BW_LOG_F_INT("min", INT64_MIN), BW_LOG_F_UINT("bytes", UINT64_MAX),
	       BW_LOG_F_UINT("big", (uint64_t)INT64_MAX), BW_LOG_F_BOOL("tls", true),
	       BW_LOG_F_BOOL("cached", false), BW_LOG_F_STR("empty", ((struct bw_str){NULL, 0})));
	cap_read(&c);
	assert_int_equal(c.nlines, 1);
	o = c.lines[0];
	assert_string_equal(sget(o, "level"), "info");
	assert_string_equal(sget(o, "event"), "http.request");
	assert_string_equal(sget(o, "request_id"), "req-42");
	assert_string_equal(sget(o, "path"), "/v1/me");
	assert_string_equal(sget(o, "method"), "GET");
	assert_int_equal(json_integer_value(json_object_get(o, "status")), 200);
	assert_true(json_integer_value(json_object_get(o, "min")) == INT64_MIN);
	/* past INT64_MAX strict parsers refuse a number: it comes as a string */
	assert_string_equal(sget(o, "bytes"), "18446744073709551615");
	assert_true(json_integer_value(json_object_get(o, "big")) == INT64_MAX);
	assert_true(json_is_true(json_object_get(o, "tls")));
	assert_true(json_is_false(json_object_get(o, "cached")));
	assert_string_equal(sget(o, "empty"), "");
	assert_int_equal(json_object_size(o), 13);
	assert_null(json_object_get(o, "truncated"));
	assert_null(json_object_get(o, "dropped_fields"));
	/* the order is ts, level, event, request_id, fields */
	assert_true(strstr(c.out, "\"level\":\"info\",\"event\":\"http.request\",\"request_id\":"
	                          "\"req-42\",\"path\":") != NULL);

	bw_log_event(c.log, BW_LOG_ERROR, NULL, "server.ready", NULL, 0);
	cap_read(&c);
	assert_int_equal(c.nlines, 1);
	assert_null(json_object_get(c.lines[0], "request_id"));
	assert_string_equal(sget(c.lines[0], "level"), "error");
	assert_int_equal(json_object_size(c.lines[0]), 3);
	cap_close(&c);
}

/* Each value must come back exactly, in one line, with no raw control byte. */
static void hostile_values_cannot_forge_lines(void **state)
{
#define V(lit)                          \
	{                               \
		"" lit, sizeof(lit) - 1 \
	}
	static const struct bw_str vals[] = {
	        V("\n{\"level\":\"error\"}"),
	        V("\r"),
	        V("ok\r\n{\"ts\":\"x\",\"level\":\"error\",\"event\":\"admin.login\"}\n"),
	        V("\x1b[31mred\x1b[0m"),
	        V("a\0b"),
	        V("\"},\"level\":\"error"),
	        V("\\\""),
	        V("\t\b\f\x7f\x01\x1f"),
	};
#undef V
	struct cap c;

	(void)state;
	cap_open(&c, BW_LOG_DEBUG);
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		struct bw_str v = vals[i];
		const char *got;
		size_t glen;

		BW_LOG(c.log, BW_LOG_INFO, NULL, "t.hostile", BW_LOG_F_STR("v", v));
		cap_read(&c);
		assert_int_equal(c.nlines, 1);
		assert_string_equal(sget(c.lines[0], "level"), "info");
		assert_string_equal(sget(c.lines[0], "event"), "t.hostile");
		assert_null(json_object_get(c.lines[0], "admin"));
		got = sget(c.lines[0], "v");
		glen = json_string_length(json_object_get(c.lines[0], "v"));
		assert_int_equal(glen, v.len);
		assert_memory_equal(got, v.p, v.len);
		assert_null(memchr(c.out, '\x1b', c.len));
		assert_null(memchr(c.out, '\r', c.len));
		assert_null(memchr(c.out, '\0', c.len));
		assert_null(memchr(c.out, '\x7f', c.len));
	}
	cap_close(&c);
}

static void invalid_utf8_becomes_replacement(void **state)
{
	static const char *const bad[] = {
	        "\xff",             /* never valid */
	        "\xc0\x80",         /* overlong NUL */
	        "\xe0\x80\xaf",     /* overlong '/' */
	        "\xed\xa0\x80",     /* surrogate */
	        "\xf4\x90\x80\x80", /* above U+10FFFF */
	        "\xe2\x82",         /* truncated */
	        "\x80",             /* lone continuation */
	};
	struct cap c;

	(void)state;
	cap_open(&c, BW_LOG_DEBUG);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *got;

		BW_LOG(c.log, BW_LOG_INFO, NULL, "t.utf8", BW_LOG_F_STR("v", bw_str_c(bad[i])));
		cap_read(&c);
		assert_int_equal(c.nlines, 1);
		/* no byte of the invalid sequence reaches the output */
		for (size_t j = 0; j < c.len; j++)
			assert_true((unsigned char)c.out[j] < 0x80);
		got = sget(c.lines[0], "v");
		assert_non_null(got);
		assert_true(strlen(got) >= 3 && memcmp(got, BW_UTF8_REPLACEMENT, 3) == 0);
		assert_true(strstr(c.out, "\\ufffd") != NULL);
	}
	cap_close(&c);
}

static void unicode_kept_or_escaped(void **state)
{
	static const char *const escaped[] = {
	        "\xc2\x85",         /* U+0085 next line */
	        "\xc2\x9b",         /* U+009B CSI */
	        "\xe2\x80\xa8",     /* U+2028 line separator */
	        "\xe2\x80\xa9",     /* U+2029 paragraph separator */
	        "\xe2\x80\xae",     /* U+202E right-to-left override */
	        "\xe2\x81\xa6",     /* U+2066 left-to-right isolate */
	        "\xe2\x80\x8b",     /* U+200B zero width space */
	        "\xef\xbb\xbf",     /* U+FEFF */
	        "\xf3\xa0\x81\x81", /* U+E0041 tag latin capital A */
	};
	struct cap c;

	(void)state;
	cap_open(&c, BW_LOG_DEBUG);
	/* ordinary text stays readable */
	BW_LOG(c.log, BW_LOG_INFO, NULL, "t.unicode",
	       BW_LOG_F_CSTR("v", "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x92"));
	cap_read(&c);
	assert_int_equal(c.nlines, 1);
	assert_true(out_has(&c, "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x92"));
	for (size_t i = 0; i < sizeof(escaped) / sizeof(escaped[0]); i++) {
		BW_LOG(c.log, BW_LOG_INFO, NULL, "t.unicode", BW_LOG_F_CSTR("v", escaped[i]));
		cap_read(&c);
		assert_int_equal(c.nlines, 1);
		for (size_t j = 0; j < c.len; j++)
			assert_true((unsigned char)c.out[j] < 0x80);
		/* and the escape decodes back to the same character */
		assert_string_equal(sget(c.lines[0], "v"), escaped[i]);
	}
	cap_close(&c);
}

static void long_value_truncated_to_one_line(void **state)
{
	size_t big = 100 * 1024;
	char *v = malloc(big);
	struct cap c;
	struct bw_log_stats st;
	const char *got;
	size_t glen;

	(void)state;
	assert_non_null(v);
	for (size_t i = 0; i < big; i++)
		v[i] = (i % 1000 == 999) ? '\n' : 'x';
	cap_open(&c, BW_LOG_DEBUG);
	BW_LOG(c.log, BW_LOG_WARN, "r1", "t.long", BW_LOG_F_STR("body", ((struct bw_str){v, big})),
	       BW_LOG_F_INT("after", 7));
	cap_read(&c);
	assert_int_equal(c.nlines, 1);
	assert_true(c.len <= BW_LOG_LINE_MAX);
	assert_true(json_is_true(json_object_get(c.lines[0], "truncated")));
	got = sget(c.lines[0], "body");
	glen = strlen(got);
	assert_true(glen > 1000 && glen <= BW_LOG_VALUE_MAX);
	assert_string_equal(got + glen - strlen(BW_LOG_TRUNCATED), BW_LOG_TRUNCATED);
	/* the field after the long one still made it */
	assert_int_equal(json_integer_value(json_object_get(c.lines[0], "after")), 7);
	bw_log_stats(c.log, &st);
	assert_int_equal(st.lines, 1);
	assert_int_equal(st.lines_truncated, 1);

	/* exactly at the cap: kept whole, no marker */
	memset(v, 'y', BW_LOG_VALUE_MAX);
	BW_LOG(c.log, BW_LOG_WARN, NULL, "t.long",
	       BW_LOG_F_STR("body", ((struct bw_str){v, BW_LOG_VALUE_MAX})));
	cap_read(&c);
	assert_int_equal(c.nlines, 1);
	assert_int_equal(strlen(sget(c.lines[0], "body")), BW_LOG_VALUE_MAX);
	assert_null(json_object_get(c.lines[0], "truncated"));
	/* one byte more: cut */
	BW_LOG(c.log, BW_LOG_WARN, NULL, "t.long",
	       BW_LOG_F_STR("body", ((struct bw_str){v, BW_LOG_VALUE_MAX + 1})));
	cap_read(&c);
	assert_true(json_is_true(json_object_get(c.lines[0], "truncated")));
	assert_int_equal(strlen(sget(c.lines[0], "body")), BW_LOG_VALUE_MAX);
	cap_close(&c);
	free(v);
}

/* Cutting must never split an escape, a UTF-8 sequence or a surrogate pair. */
static void truncation_respects_characters(void **state)
{
	static const char *const units[] = {
	        "\xc3\xa9",         /* 2-byte UTF-8, raw */
	        "\xe6\x97\xa5",     /* 3-byte, raw */
	        "\xf0\x9f\x94\x92", /* 4-byte, raw */
	        "\x01",             /* \u0001 */
	        "\"",               /* \" */
	        "\xf3\xa0\x81\x81", /* \udb40\udc41 */
	        "\xff",             /* \ufffd */
	};
	char *v = malloc(4 * BW_LOG_VALUE_MAX);
	struct cap c;

	(void)state;
	assert_non_null(v);
	cap_open(&c, BW_LOG_DEBUG);
	for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		size_t ul = strlen(units[u]);

		/* counts around the point where the escaped form passes the cap */
		for (size_t count = BW_LOG_VALUE_MAX / 12 - 2; count * ul < 4 * BW_LOG_VALUE_MAX;
		     count += (count < BW_LOG_VALUE_MAX + 16) ? 1 : 97) {
			for (size_t i = 0; i < count; i++)
				memcpy(v + i * ul, units[u], ul);
			BW_LOG(c.log, BW_LOG_INFO, NULL, "t.cut",
			       BW_LOG_F_STR("v", ((struct bw_str){v, count * ul})));
			cap_read(&c); /* checks the JSON, which refuses broken UTF-8 and lone
			                 surrogates */
			assert_int_equal(c.nlines, 1);
		}
	}
	cap_close(&c);
	free(v);
}

static void many_long_fields_fill_one_line(void **state)
{
	char *v = malloc(3000);
	struct bw_log_field f[12];
	char keys[12][8];
	struct cap c;
	struct bw_log_stats st;
	json_int_t dropped;

	(void)state;
	assert_non_null(v);
	memset(v, '\x02', 3000); /* 6 bytes each once escaped */
	for (size_t i = 0; i < 12; i++) {
		(void)snprintf(keys[i], sizeof(keys[i]), "f%zu", i);
		f[i] = BW_LOG_F_STR(keys[i], ((struct bw_str){v, 3000}));
	}
	cap_open(&c, BW_LOG_DEBUG);
	bw_log_event(c.log, BW_LOG_INFO, "rid", "t.fill", f, 12);
	cap_read(&c);
	assert_int_equal(c.nlines, 1);
	assert_true(c.len <= BW_LOG_LINE_MAX);
	assert_true(json_is_true(json_object_get(c.lines[0], "truncated")));
	dropped = json_integer_value(json_object_get(c.lines[0], "dropped_fields"));
	assert_true(dropped > 0 && dropped < 12);
	assert_int_equal(json_object_size(c.lines[0]), 4 + 12 - (size_t)dropped + 2);
	bw_log_stats(c.log, &st);
	assert_int_equal(st.fields_dropped, (uint64_t)dropped);
	assert_int_equal(st.lines_truncated, 1);
	cap_close(&c);
	free(v);
}

static void redaction_by_key(void **state)
{
	static const char *const words[] = {"authorization", "cookie", "password",   "passwd",
	                                    "secret",        "token",  "api_key",    "apikey",
	                                    "session",       "csrf",   "private_key"};
	struct cap c;
	char key[BW_LOG_KEY_MAX + 1], val[64];

	(void)state;
	cap_open(&c, BW_LOG_DEBUG);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		/* the word alone, as a prefix, as a suffix and inside */
		static const char *const pre[] = {"", "", "user.", "x_"};
		static const char *const post[] = {"", "_id", "", "_y"};

		for (size_t s = 0; s < 4; s++) {
			struct bw_log_field f[2];

			(void)snprintf(key, sizeof(key), "%s%s%s", pre[s], words[i], post[s]);
			(void)snprintf(val, sizeof(val), "LEAK%zu-%zu", i, s);
			f[0] = BW_LOG_F_CSTR(key, val);
			f[1] = BW_LOG_F_CSTR("user", "alice");
			bw_log_event(c.log, BW_LOG_INFO, NULL, "t.redact", f, 2);
			cap_read(&c);
			assert_int_equal(c.nlines, 1);
			assert_string_equal(sget(c.lines[0], key), BW_LOG_REDACTED);
			assert_string_equal(sget(c.lines[0], "user"), "alice");
			assert_false(out_has(&c, "LEAK"));
		}
	}
	/* whatever the type */
	BW_LOG(c.log, BW_LOG_INFO, NULL, "t.redact", BW_LOG_F_INT("session_id", 987654321),
	       BW_LOG_F_UINT("token_seed", 123456789), BW_LOG_F_BOOL("password_ok", true));
	cap_read(&c);
	assert_int_equal(c.nlines, 1);
	assert_string_equal(sget(c.lines[0], "session_id"), BW_LOG_REDACTED);
	assert_string_equal(sget(c.lines[0], "token_seed"), BW_LOG_REDACTED);
	assert_string_equal(sget(c.lines[0], "password_ok"), BW_LOG_REDACTED);
	assert_false(out_has(&c, "987654321"));
	assert_false(out_has(&c, "123456789"));
	assert_false(out_has(&c, "true"));
	/* a key in upper case is not a valid key: dropped, the value with it */
	BW_LOG(c.log, BW_LOG_INFO, NULL, "t.redact", BW_LOG_F_CSTR("Password", "LEAKUPPER"));
	cap_read(&c);
	assert_false(out_has(&c, "LEAKUPPER"));
	assert_int_equal(json_integer_value(json_object_get(c.lines[0], "dropped_fields")), 1);
	cap_close(&c);
}

static void secret_fields_have_no_value(void **state)
{
	struct cap c;

	(void)state;
	cap_open(&c, BW_LOG_DEBUG);
	BW_LOG(c.log, BW_LOG_INFO, NULL, "auth.login", BW_LOG_F_SECRET("credential"),
	       BW_LOG_F_CSTR("user", "bob"));
	cap_read(&c);
	assert_int_equal(c.nlines, 1);
	assert_string_equal(sget(c.lines[0], "credential"), BW_LOG_REDACTED);
	assert_string_equal(sget(c.lines[0], "user"), "bob");
	cap_close(&c);
}

static void sensitive_keys_any_case(void **state)
{
	(void)state;
	assert_true(bw_log_key_sensitive(BW_STR("AUTHORIZATION")));
	assert_true(bw_log_key_sensitive(BW_STR("Set-Cookie")));
	assert_true(bw_log_key_sensitive(BW_STR("X-Auth-Token")));
	assert_true(bw_log_key_sensitive(BW_STR("X-API-Key")));
	assert_true(bw_log_key_sensitive(BW_STR("db.PassWd")));
	assert_true(bw_log_key_sensitive(BW_STR("Private-Key")));
	assert_true(bw_log_key_sensitive(BW_STR("client_secret")));
	assert_true(bw_log_key_sensitive(BW_STR("X-CSRF")));
	assert_true(bw_log_key_sensitive(BW_STR("ApiKey")));
	assert_true(bw_log_key_sensitive(BW_STR("PHPSESSID.session")));
	assert_false(bw_log_key_sensitive(BW_STR("user")));
	assert_false(bw_log_key_sensitive(BW_STR("path")));
	assert_false(bw_log_key_sensitive(BW_STR("toke")));
	assert_false(bw_log_key_sensitive(BW_STR("")));
	/* a word split by a NUL is not that word, and the tail is still searched */
	assert_false(bw_log_key_sensitive((struct bw_str){"tok\0en", 6}));
	assert_true(bw_log_key_sensitive((struct bw_str){"x\0token", 7}));
}

static void bad_keys_dropped(void **state)
{
	char k64[BW_LOG_KEY_MAX + 1], k65[BW_LOG_KEY_MAX + 2];
	struct bw_log_field f[16];
	size_t n = 0;
	struct cap c;
	struct bw_log_stats st;

	(void)state;
	memset(k64, 'k', BW_LOG_KEY_MAX);
	k64[BW_LOG_KEY_MAX] = '\0';
	memset(k65, 'k', BW_LOG_KEY_MAX + 1);
	k65[BW_LOG_KEY_MAX + 1] = '\0';
	f[n++] = BW_LOG_F_CSTR("good_key.1", "ok");
	f[n++] = BW_LOG_F_CSTR("", "BAD1");
	f[n++] = BW_LOG_F_CSTR(NULL, "BAD2");
	f[n++] = BW_LOG_F_CSTR("a-b", "BAD3");
	f[n++] = BW_LOG_F_CSTR("a b", "BAD4");
	f[n++] = BW_LOG_F_CSTR("a\"b", "BAD5");
	f[n++] = BW_LOG_F_CSTR("kl\xc3\xbc", "BAD6");
	f[n++] = BW_LOG_F_CSTR(k65, "BAD7");
	f[n++] = BW_LOG_F_CSTR("level", "BAD8"); /* reserved: would forge the level */
	f[n++] = BW_LOG_F_CSTR("ts", "BAD9");
	f[n++] = BW_LOG_F_CSTR("event", "BADA");
	f[n++] = BW_LOG_F_CSTR("request_id", "BADB");
	f[n++] = BW_LOG_F_BOOL("truncated", false);
	f[n++] = BW_LOG_F_CSTR("good_key.1", "BADC"); /* repeat */
	f[n++] = BW_LOG_F_CSTR(k64, "ok64");
	cap_open(&c, BW_LOG_DEBUG);
	bw_log_event(c.log, BW_LOG_INFO, "rid", "t.keys", f, n);
	cap_read(&c);
	assert_int_equal(c.nlines, 1);
	assert_string_equal(sget(c.lines[0], "good_key.1"), "ok");
	assert_string_equal(sget(c.lines[0], k64), "ok64");
	assert_string_equal(sget(c.lines[0], "level"), "info");
	assert_string_equal(sget(c.lines[0], "event"), "t.keys");
	assert_string_equal(sget(c.lines[0], "request_id"), "rid");
	assert_int_equal(json_integer_value(json_object_get(c.lines[0], "dropped_fields")), n - 2);
	assert_null(json_object_get(c.lines[0], "truncated"));
	assert_false(out_has(&c, "BAD"));
	bw_log_stats(c.log, &st);
	assert_int_equal(st.fields_dropped, n - 2);
	assert_int_equal(st.lines_truncated, 0);
	cap_close(&c);
}

static void too_many_fields(void **state)
{
	struct bw_log_field f[BW_LOG_FIELDS_MAX + 6];
	char keys[BW_LOG_FIELDS_MAX + 6][8];
	struct cap c;

	(void)state;
	for (size_t i = 0; i < BW_LOG_FIELDS_MAX + 6; i++) {
		(void)snprintf(keys[i], sizeof(keys[i]), "k%zu", i);
		f[i] = BW_LOG_F_INT(keys[i], i);
	}
	cap_open(&c, BW_LOG_DEBUG);
	bw_log_event(c.log, BW_LOG_INFO, NULL, "t.many", f, BW_LOG_FIELDS_MAX + 6);
	cap_read(&c);
	assert_int_equal(c.nlines, 1);
	assert_non_null(json_object_get(c.lines[0], "k63"));
	assert_null(json_object_get(c.lines[0], "k64"));
	assert_int_equal(json_integer_value(json_object_get(c.lines[0], "dropped_fields")), 6);
	cap_close(&c);
}

static void level_threshold(void **state)
{
	struct cap c;
	struct bw_log_stats st;

	(void)state;
	cap_open(&c, BW_LOG_WARN);
	assert_false(bw_log_enabled(c.log, BW_LOG_DEBUG));
	assert_false(bw_log_enabled(c.log, BW_LOG_INFO));
	assert_true(bw_log_enabled(c.log, BW_LOG_WARN));
	assert_true(bw_log_enabled(c.log, BW_LOG_ERROR));
	assert_false(bw_log_enabled(c.log, (enum bw_log_level)9));
	bw_log_event(c.log, BW_LOG_DEBUG, NULL, "t.debug", NULL, 0);
	bw_log_event(c.log, BW_LOG_INFO, NULL, "t.info", NULL, 0);
	bw_log_event(c.log, BW_LOG_WARN, NULL, "t.warn", NULL, 0);
	bw_log_event(c.log, BW_LOG_ERROR, NULL, "t.error", NULL, 0);
	cap_read(&c);
	assert_int_equal(c.nlines, 2);
	assert_string_equal(sget(c.lines[0], "event"), "t.warn");
	assert_string_equal(sget(c.lines[0], "level"), "warn");
	assert_string_equal(sget(c.lines[1], "event"), "t.error");

	bw_log_set_level(c.log, BW_LOG_DEBUG);
	bw_log_event(c.log, BW_LOG_DEBUG, NULL, "t.debug", NULL, 0);
	cap_read(&c);
	assert_int_equal(c.nlines, 1);
	assert_string_equal(sget(c.lines[0], "level"), "debug");

	bw_log_set_level(c.log, BW_LOG_ERROR);
	bw_log_event(c.log, BW_LOG_WARN, NULL, "t.warn", NULL, 0);
	cap_read(&c);
	assert_int_equal(c.nlines, 0);
	bw_log_stats(c.log, &st);
	assert_int_equal(st.lines, 3);
	assert_int_equal(st.lines_dropped, 0); /* below the threshold is not a loss */
	cap_close(&c);
}

static void invalid_event_or_level_dropped(void **state)
{
	static const char *const bad[] = {
	        "",
	        "Bad",
	        "a b",
	        "a\nb",
	        "x-y",
	        "\xc3\xa9",
	        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"};
	struct cap c;
	struct bw_log_stats st;
	size_t n = sizeof(bad) / sizeof(bad[0]);

	(void)state;
	cap_open(&c, BW_LOG_DEBUG);
	for (size_t i = 0; i < n; i++)
		bw_log_event(c.log, BW_LOG_ERROR, NULL, bad[i], NULL, 0);
	bw_log_event(c.log, BW_LOG_ERROR, NULL, NULL, NULL, 0);
	bw_log_event(c.log, (enum bw_log_level)4, NULL, "t.ok", NULL, 0);
	bw_log_event(c.log, (enum bw_log_level) - 1, NULL, "t.ok", NULL, 0);
	bw_log_event_limited(c.log, 10, BW_LOG_ERROR, NULL, "Bad", NULL, 0);
	bw_log_headers(c.log, BW_LOG_ERROR, NULL, "a b", NULL, 0);
	/* 64 bytes is still a valid event name */
	bw_log_event(c.log, BW_LOG_ERROR, NULL, bad[n - 1] + 1, NULL, 0);
	cap_read(&c);
	assert_int_equal(c.nlines, 1);
	bw_log_stats(c.log, &st);
	assert_int_equal(st.lines_dropped, n + 5);
	assert_int_equal(st.lines, 1);
	cap_close(&c);
}

static void hostile_request_id(void **state)
{
	char big[2000];
	struct cap c;
	const char *rid;

	(void)state;
	cap_open(&c, BW_LOG_DEBUG);
	bw_log_event(c.log, BW_LOG_INFO, "abc\n{\"level\":\"error\"}\x1b", "t.rid", NULL, 0);
	cap_read(&c);
	assert_int_equal(c.nlines, 1);
	assert_string_equal(sget(c.lines[0], "request_id"), "abc\n{\"level\":\"error\"}\x1b");
	assert_string_equal(sget(c.lines[0], "level"), "info");

	memset(big, 'r', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	bw_log_event(c.log, BW_LOG_INFO, big, "t.rid", NULL, 0);
	cap_read(&c);
	assert_int_equal(c.nlines, 1);
	rid = sget(c.lines[0], "request_id");
	assert_int_equal(strlen(rid), BW_LOG_REQUEST_ID_MAX);
	assert_string_equal(rid + strlen(rid) - strlen(BW_LOG_TRUNCATED), BW_LOG_TRUNCATED);
	assert_true(json_is_true(json_object_get(c.lines[0], "truncated")));
	cap_close(&c);
}

#define H(n, v)                             \
	{                                   \
		{"" n, sizeof(n) - 1},      \
		{                           \
			"" v, sizeof(v) - 1 \
		}                           \
	}

static void headers_redacted_and_sanitized(void **state)
{
	static const struct bw_log_header hdrs[] = {
	        H("Authorization", "Bearer LEAK-A"),
	        H("proxy-authorization", "Basic LEAK-B"),
	        H("COOKIE", "sid=LEAK-C"),
	        H("Set-Cookie", "sid=LEAK-D; Secure"),
	        H("X-Api-Key", "LEAK-E"),
	        H("X-CSRF-Token", "LEAK-F"),
	        H("User-Agent", "curl\r\n{\"level\":\"error\"}"),
	        H("Host", "example.org"),
	        H("host", "evil.example"), /* repeat: dropped */
	        H("Bad Name", "BAD-1"),
	        H("Nul\0Name", "BAD-2"), /* must not become header.nul */
	        H("", "BAD-3"),
	        H("X-"
	          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	          "BAD-4") /* 58 bytes: key too long */,
	        H("X.Trace", "t1"),
	};
	size_t n = sizeof(hdrs) / sizeof(hdrs[0]);
	struct cap c;
	json_t *o;

	(void)state;
	cap_open(&c, BW_LOG_DEBUG);
	bw_log_headers(c.log, BW_LOG_INFO, "rid", "http.headers", hdrs, n);
	cap_read(&c);
	assert_int_equal(c.nlines, 1);
	o = c.lines[0];
	assert_string_equal(sget(o, "header.authorization"), BW_LOG_REDACTED);
	assert_string_equal(sget(o, "header.proxy_authorization"), BW_LOG_REDACTED);
	assert_string_equal(sget(o, "header.cookie"), BW_LOG_REDACTED);
	assert_string_equal(sget(o, "header.set_cookie"), BW_LOG_REDACTED);
	assert_string_equal(sget(o, "header.x_api_key"), BW_LOG_REDACTED);
	assert_string_equal(sget(o, "header.x_csrf_token"), BW_LOG_REDACTED);
	assert_string_equal(sget(o, "header.user_agent"), "curl\r\n{\"level\":\"error\"}");
	assert_string_equal(sget(o, "header.host"), "example.org");
	assert_string_equal(sget(o, "header.x.trace"), "t1");
	assert_null(json_object_get(o, "header.nul"));
	assert_string_equal(sget(o, "level"), "info");
	assert_int_equal(json_integer_value(json_object_get(o, "dropped_fields")), 5);
	assert_false(out_has(&c, "LEAK"));
	assert_false(out_has(&c, "BAD-"));
	assert_false(out_has(&c, "evil"));
	cap_close(&c);
}

static void headers_capped(void **state)
{
	struct bw_log_header hdrs[BW_LOG_FIELDS_MAX + 3];
	char names[BW_LOG_FIELDS_MAX + 3][8];
	struct cap c;

	(void)state;
	for (size_t i = 0; i < BW_LOG_FIELDS_MAX + 3; i++) {
		(void)snprintf(names[i], sizeof(names[i]), "X-%zu", i);
		hdrs[i].name = bw_str_c(names[i]);
		hdrs[i].value = BW_STR("v");
	}
	cap_open(&c, BW_LOG_DEBUG);
	bw_log_headers(c.log, BW_LOG_INFO, NULL, "http.headers", hdrs, BW_LOG_FIELDS_MAX + 3);
	cap_read(&c);
	assert_int_equal(c.nlines, 1);
	assert_non_null(json_object_get(c.lines[0], "header.x_63"));
	assert_null(json_object_get(c.lines[0], "header.x_64"));
	assert_int_equal(json_integer_value(json_object_get(c.lines[0], "dropped_fields")), 3);
	cap_close(&c);
}

/* Four threads, lines longer than PIPE_BUF, read by a fifth thread. */
#define THREADS    4
#define PER_THREAD 1000
#define READ_MAX   (64u << 20)

struct writer {
	struct bw_log *log;
	size_t id;
};

struct reader {
	int fd;
	char *buf;
	size_t len;
};

static void *write_lines(void *arg)
{
	const struct writer *w = arg;
	char fill[2000];

	memset(fill, (int)('a' + w->id), sizeof(fill));
	for (size_t i = 0; i < PER_THREAD; i++) {
		struct bw_str s = {fill, sizeof(fill)};

		BW_LOG(w->log, BW_LOG_INFO, NULL, "t.thread", BW_LOG_F_UINT("thread", w->id),
		       BW_LOG_F_UINT("seq", i), BW_LOG_F_STR("a", s), BW_LOG_F_STR("b", s),
		       BW_LOG_F_STR("c", s));
	}
	return NULL;
}

static void *read_lines(void *arg)
{
	struct reader *r = arg;
	ssize_t k;

	while ((k = read(r->fd, r->buf + r->len, READ_MAX - r->len)) > 0)
		r->len += (size_t)k;
	return NULL;
}

static void concurrent_lines_never_interleave(void **state)
{
	int p[2];
	struct bw_log *log;
	pthread_t tw[THREADS], tr;
	struct writer w[THREADS];
	struct reader r;
	bool *seen = calloc(THREADS * PER_THREAD, sizeof(bool));
	size_t start = 0, lines = 0;
	struct bw_log_stats st;

	(void)state;
	assert_non_null(seen);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	r.fd = p[0];
	r.len = 0;
	r.buf = malloc(READ_MAX);
	assert_non_null(r.buf);
	assert_int_equal(bw_log_new(p[1], BW_LOG_INFO, &log), BW_OK);
	assert_int_equal(pthread_create(&tr, NULL, read_lines, &r), 0);
	for (size_t t = 0; t < THREADS; t++) {
		w[t].log = log;
		w[t].id = t;
		assert_int_equal(pthread_create(&tw[t], NULL, write_lines, &w[t]), 0);
	}
	for (size_t t = 0; t < THREADS; t++)
		assert_int_equal(pthread_join(tw[t], NULL), 0);
	close(p[1]);
	assert_int_equal(pthread_join(tr, NULL), 0);
	close(p[0]);

	assert_true(r.len > THREADS * PER_THREAD * 4096u);
	assert_int_equal(r.buf[r.len - 1], '\n');
	for (size_t i = 0; i < r.len; i++) {
		json_t *o;
		json_int_t t, s;
		const char *a;

		if (r.buf[i] != '\n')
			continue;
		o = check_line(r.buf + start, i - start);
		t = json_integer_value(json_object_get(o, "thread"));
		s = json_integer_value(json_object_get(o, "seq"));
		assert_true(t >= 0 && t < THREADS && s >= 0 && s < PER_THREAD);
		assert_false(seen[t * PER_THREAD + s]);
		seen[t * PER_THREAD + s] = true;
		a = sget(o, "c");
		assert_int_equal(strlen(a), 2000);
		assert_int_equal(a[0], 'a' + t);
		assert_int_equal(a[1999], 'a' + t);
		json_decref(o);
		lines++;
		start = i + 1;
	}
	assert_int_equal(lines, THREADS * PER_THREAD);
	bw_log_stats(log, &st);
	assert_int_equal(st.lines, THREADS * PER_THREAD);
	assert_int_equal(st.lines_dropped, 0);
	bw_log_free(log);
	free(r.buf);
	free(seen);
}

static void rate_limit_per_event(void **state)
{
	struct cap c;
	struct bw_log_stats st;
	size_t lines = 0;
	json_int_t reported = 0;
	const struct timespec pause = {1, 100 * 1000 * 1000};

	(void)state;
	cap_open(&c, BW_LOG_DEBUG);
	for (int i = 0; i < 40; i++)
		BW_LOG_LIMITED(c.log, 3, BW_LOG_WARN, NULL, "http.error_reply",
		               BW_LOG_F_INT("i", i));
	/* another event has its own budget */
	for (int i = 0; i < 2; i++)
		BW_LOG_LIMITED(c.log, 3, BW_LOG_WARN, NULL, "http.other", BW_LOG_F_INT("i", i));
	/* below the threshold does not use the budget */
	bw_log_set_level(c.log, BW_LOG_ERROR);
	bw_log_event_limited(c.log, 3, BW_LOG_INFO, NULL, "http.quiet", NULL, 0);
	bw_log_set_level(c.log, BW_LOG_DEBUG);
	cap_read(&c);
	for (size_t i = 0; i < c.nlines; i++) {
		if (strcmp(sget(c.lines[i], "event"), "http.error_reply") == 0) {
			lines++;
			reported += json_integer_value(json_object_get(c.lines[i], "suppressed"));
		}
	}
	/* a slow machine may cross one window boundary inside the loop */
	assert_true(lines >= 3 && lines <= 6);
	assert_int_equal(c.nlines, lines + 2);
	bw_log_stats(c.log, &st);
	assert_int_equal(st.lines_limited, 40 - lines);

	/* a new window: the next line says how many were left out */
	assert_int_equal(nanosleep(&pause, NULL), 0);
	BW_LOG_LIMITED(c.log, 3, BW_LOG_WARN, NULL, "http.error_reply", BW_LOG_F_INT("i", 99));
	cap_read(&c);
	assert_int_equal(c.nlines, 1);
	reported += json_integer_value(json_object_get(c.lines[0], "suppressed"));
	assert_int_equal(reported, 40 - (json_int_t)lines);
	assert_int_equal(json_integer_value(json_object_get(c.lines[0], "i")), 99);

	/* per_sec 0 lets nothing through */
	bw_log_event_limited(c.log, 0, BW_LOG_ERROR, NULL, "t.never", NULL, 0);
	cap_read(&c);
	assert_int_equal(c.nlines, 0);
	cap_close(&c);
}

/* More events than slots: every event still gets through at least once. */
static void rate_limit_slots_recycled(void **state)
{
	struct cap c;
	char ev[32];

	(void)state;
	cap_open(&c, BW_LOG_DEBUG);
	for (size_t i = 0; i < BW_LOG_LIMIT_SLOTS + 20; i++) {
		(void)snprintf(ev, sizeof(ev), "t.ev%zu", i);
		bw_log_event_limited(c.log, 1, BW_LOG_INFO, NULL, ev, NULL, 0);
		bw_log_event_limited(c.log, 1, BW_LOG_INFO, NULL, ev, NULL, 0);
	}
	cap_read(&c);
	assert_int_equal(c.nlines, BW_LOG_LIMIT_SLOTS + 20);
	cap_close(&c);
}

static void write_error_counted(void **state)
{
	int p[2];
	struct bw_log *log;
	struct bw_log_stats st;

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	/* the read end of a pipe cannot be written: EBADF */
	assert_int_equal(bw_log_new(p[0], BW_LOG_DEBUG, &log), BW_OK);
	bw_log_event(log, BW_LOG_ERROR, NULL, "t.lost", NULL, 0);
	bw_log_stats(log, &st);
	assert_int_equal(st.lines, 0);
	assert_int_equal(st.lines_dropped, 1);
	bw_log_free(log);

	/* a reader that went away: EPIPE (SIGPIPE ignored as a server does) */
	assert_true(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
	close(p[0]);
	assert_int_equal(bw_log_new(p[1], BW_LOG_DEBUG, &log), BW_OK);
	bw_log_event(log, BW_LOG_ERROR, NULL, "t.lost", NULL, 0);
	bw_log_stats(log, &st);
	assert_int_equal(st.lines_dropped, 1);
	bw_log_free(log);
	close(p[1]);
}

static void new_and_levels(void **state)
{
	struct bw_log *log = (struct bw_log *)&log;
	enum bw_log_level lv = BW_LOG_INFO;

	(void)state;
	assert_int_equal(bw_log_new(-2, BW_LOG_INFO, &log), BW_ERR_INVALID);
	assert_null(log);
	assert_int_equal(bw_log_new(1, (enum bw_log_level)4, &log), BW_ERR_INVALID);
	assert_null(log);
	assert_int_equal(bw_log_new(BW_LOG_STDERR, BW_LOG_ERROR, &log), BW_OK);
	assert_non_null(log);
	bw_log_free(log);
	bw_log_free(NULL);

	assert_int_equal(bw_log_level_parse(BW_STR("debug"), &lv), BW_OK);
	assert_int_equal(lv, BW_LOG_DEBUG);
	assert_int_equal(bw_log_level_parse(BW_STR("warn"), &lv), BW_OK);
	assert_int_equal(lv, BW_LOG_WARN);
	assert_int_equal(bw_log_level_parse(BW_STR("error"), &lv), BW_OK);
	assert_int_equal(lv, BW_LOG_ERROR);
	assert_int_equal(bw_log_level_parse(BW_STR("WARN"), &lv), BW_ERR_INVALID);
	assert_int_equal(bw_log_level_parse(BW_STR("warning"), &lv), BW_ERR_INVALID);
	assert_int_equal(bw_log_level_parse(BW_STR("info "), &lv), BW_ERR_INVALID);
	assert_int_equal(bw_log_level_parse(BW_STR(""), &lv), BW_ERR_INVALID);
	assert_int_equal(bw_log_level_parse((struct bw_str){"info\0", 5}, &lv), BW_ERR_INVALID);
	assert_int_equal(lv, BW_LOG_ERROR);
	assert_string_equal(bw_log_level_str(BW_LOG_INFO), "info");
	assert_string_equal(bw_log_level_str((enum bw_log_level)7), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(line_has_expected_keys),
	        cmocka_unit_test(hostile_values_cannot_forge_lines),
	        cmocka_unit_test(invalid_utf8_becomes_replacement),
	        cmocka_unit_test(unicode_kept_or_escaped),
	        cmocka_unit_test(long_value_truncated_to_one_line),
	        cmocka_unit_test(truncation_respects_characters),
	        cmocka_unit_test(many_long_fields_fill_one_line),
	        cmocka_unit_test(redaction_by_key),
	        cmocka_unit_test(secret_fields_have_no_value),
	        cmocka_unit_test(sensitive_keys_any_case),
	        cmocka_unit_test(bad_keys_dropped),
	        cmocka_unit_test(too_many_fields),
	        cmocka_unit_test(level_threshold),
	        cmocka_unit_test(invalid_event_or_level_dropped),
	        cmocka_unit_test(hostile_request_id),
	        cmocka_unit_test(headers_redacted_and_sanitized),
	        cmocka_unit_test(headers_capped),
	        cmocka_unit_test(concurrent_lines_never_interleave),
	        cmocka_unit_test(rate_limit_per_event),
	        cmocka_unit_test(rate_limit_slots_recycled),
	        cmocka_unit_test(write_error_counted),
	        cmocka_unit_test(new_and_levels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
