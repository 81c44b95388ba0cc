/* test_config.c — the strict INI parser, typed values, env overrides and secret references. */
#include "bw_test.h"

#include "bulwark/config.h"
#include "bulwark/keys.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define NOBODY_UID 65534

struct conf {
	char name[32];
	unsigned port;
	size_t body;
	bool flag;
	unsigned level;
	char *hosts[4];
	size_t n_hosts;
	char key[128];
	unsigned timeout_ms;
	unsigned period_s;
	uint8_t small;
	char cert[64];
};

static const char *const levels[] = {"low", "high", NULL};

static const struct bw_config_key keys[] = {
        {.name = "app.name", .type = BW_CONFIG_STRING, BW_CONFIG_AT(struct conf, name)},
        {.name = "app.port",
         .type = BW_CONFIG_UINT,
         BW_CONFIG_AT(struct conf, port),
         .min = 1,
         .max = 65535},
        {.name = "app.body",
         .type = BW_CONFIG_SIZE,
         BW_CONFIG_AT(struct conf, body),
         .min = 1,
         .max = 16u << 20},
        {.name = "app.flag", .type = BW_CONFIG_BOOL, BW_CONFIG_AT(struct conf, flag)},
        {.name = "app.level",
         .type = BW_CONFIG_ENUM,
         BW_CONFIG_AT(struct conf, level),
         .choices = levels},
        {.name = "net.hosts",
         .type = BW_CONFIG_LIST,
         BW_CONFIG_AT(struct conf, hosts),
         .count_offset = offsetof(struct conf, n_hosts)},
        {.name = "net.key", .type = BW_CONFIG_SECRET, BW_CONFIG_AT(struct conf, key)},
        {.name = "net.timeout",
         .type = BW_CONFIG_DURATION,
         BW_CONFIG_AT(struct conf, timeout_ms),
         .min = 1,
         .max = 60000,
         .unit_ms = 1},
        {.name = "net.period",
         .type = BW_CONFIG_DURATION,
         BW_CONFIG_AT(struct conf, period_s),
         .min = 1,
         .max = 3600,
         .unit_ms = 1000},
        {.name = "net.small", .type = BW_CONFIG_UINT, BW_CONFIG_AT(struct conf, small), .max = 255},
        {.name = "net.tls.cert", .type = BW_CONFIG_STRING, BW_CONFIG_AT(struct conf, cert)},
};

static const struct bw_config_schema schema = {keys, sizeof(keys) / sizeof(keys[0])};

/* Parse NUL-terminated text into a fresh struct; the error (if any) into *err. */
static enum bw_err parse(const char *text, struct conf *c, struct bw_config_error *err)
{
	memset(c, 0, sizeof(*c));
	return bw_config_parse(&schema, text, strlen(text), c, err);
}

static enum bw_err parse_one(const char *line, struct bw_config_error *err)
{
	char text[8192];
	struct conf c;
	enum bw_err rc;
	int n = snprintf(text, sizeof(text), "[app]\n%s\n", line);

	assert_true(n > 0 && (size_t)n < sizeof(text));
	rc = parse(text, &c, err);
	bw_config_free(&schema, &c);
	return rc;
}

static void parses_a_full_file(void **state)
{
	static const char text[] = "# comment\r\n"
	                           "; another\n"
	                           "\n"
	                           "[app]\r\n"
	                           "  name   =   hello world  \r\n"
	                           "port=8443\n"
	                           "body = 64K\n"
	                           "flag = true\n"
	                           "level = high\n"
	                           "[net]\n"
	                           "hosts = a.example, b.example ,c\n"
	                           "key = env:MY_KEY\n"
	                           "timeout = 10s\n"
	                           "period = 2m\n"
	                           "small = 255\n"
	                           "tls.cert = \"  spaced \\\"q\\\" \\\\ \"\n";
	struct bw_config_error err;
	struct conf c;

	(void)state;
	assert_int_equal(parse(text, &c, &err), BW_OK);
	assert_string_equal(c.name, "hello world");
	assert_int_equal(c.port, 8443);
	assert_int_equal(c.body, 65536);
	assert_true(c.flag);
	assert_int_equal(c.level, 1);
	assert_int_equal(c.n_hosts, 3);
	assert_string_equal(c.hosts[0], "a.example");
	assert_string_equal(c.hosts[1], "b.example");
	assert_string_equal(c.hosts[2], "c");
	assert_string_equal(c.key, "env:MY_KEY");
	assert_int_equal(c.timeout_ms, 10000);
	assert_int_equal(c.period_s, 120);
	assert_int_equal(c.small, 255);
	assert_string_equal(c.cert, "  spaced \"q\" \\ ");
	bw_config_free(&schema, &c);
	assert_int_equal(c.n_hosts, 0);
	assert_null(c.hosts[0]);
}

static void unknown_key_and_section_are_named(void **state)
{
	struct bw_config_error err;
	struct conf c;

	(void)state;
	assert_int_equal(parse("[app]\nport = 1\nnope = 2\n", &c, &err), BW_ERR_NOT_FOUND);
	assert_string_equal(err.key, "app.nope");
	assert_int_equal(err.line, 3);
	assert_int_equal(parse("\n[ap]\nport = 1\n", &c, &err), BW_ERR_NOT_FOUND);
	assert_string_equal(err.key, "ap");
	assert_int_equal(err.line, 2);
	/* a key of another section is unknown in this one */
	assert_int_equal(parse("[app]\nhosts = a\n", &c, &err), BW_ERR_NOT_FOUND);
	assert_string_equal(err.key, "app.hosts");
	/* nothing was stored from a refused file */
	assert_int_equal(c.port, 0);
}

static void duplicates_are_refused(void **state)
{
	struct bw_config_error err;
	struct conf c;

	(void)state;
	assert_int_equal(parse("[app]\nport = 1\nport = 2\n", &c, &err), BW_ERR_EXISTS);
	assert_string_equal(err.key, "app.port");
	assert_int_equal(err.line, 3);
	assert_int_equal(parse("[app]\nport = 1\n[net]\n[app]\nname = x\n", &c, &err),
	                 BW_ERR_EXISTS);
	assert_string_equal(err.key, "app");
	assert_int_equal(err.line, 4);
	assert_int_equal(c.port, 0);
}

static void syntax_is_strict(void **state)
{
	static const char *const bad[] = {
	        "[app]\nName = x\n",
	        "[app]\nna me = x\n",
	        "[app]\n= x\n",
	        "[app]\nport\n",
	        "port = 1\n",
	        "[App]\n",
	        "[app] # c\n",
	        "[ app ]\n",
	        "[app\n",
	        "[]\n",
	        "[app]\nport. = 1\n",
	        "[app]\n.port = 1\n",
	        "[app]\nport \\\n = 1\n",
	        "[app]\nname = \"x\n",
	        "[app]\nname = \"a\"b\"\n",
	        "[app]\nname = \"a\\n\"\n",
	        "[app]\nname = \"a\\\"\n",
	        "[net]\ntls..cert = x\n",
	};
	struct bw_config_error err;
	struct conf c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum bw_err rc = parse(bad[i], &c, &err);

		if (rc == BW_OK)
			fail_msg("accepted: %s", bad[i]);
		assert_true(rc == BW_ERR_INVALID || rc == BW_ERR_NOT_FOUND);
		assert_true(err.line > 0);
		bw_config_free(&schema, &c);
	}
}

static void inline_comment_is_part_of_the_value(void **state)
{
	struct bw_config_error err;
	struct conf c;

	(void)state;
	assert_int_equal(parse("[app]\nname = abc # not a comment\n", &c, &err), BW_OK);
	assert_string_equal(c.name, "abc # not a comment");
	assert_int_equal(parse("[app]\nname = a;b\n", &c, &err), BW_OK);
	assert_string_equal(c.name, "a;b");
	/* so a number followed by a "comment" is not a number */
	assert_int_equal(parse("[app]\nport = 80 # http\n", &c, &err), BW_ERR_INVALID);
	assert_string_equal(err.key, "app.port");
}

static void line_cap_refuses_never_splits(void **state)
{
	static char text[BW_CONFIG_LINE_MAX + 64];
	struct bw_config_error err;
	struct conf c;

	(void)state;
	/* exactly at the cap (CRLF not counted): accepted */
	memset(text, 0, sizeof(text));
	text[0] = '#';
	memset(text + 1, 'x', BW_CONFIG_LINE_MAX - 1);
	memcpy(text + BW_CONFIG_LINE_MAX, "\r\n[app]\nport = 1\n", 17);
	assert_int_equal(parse(text, &c, &err), BW_OK);
	assert_int_equal(c.port, 1);
	/* one byte over: refused with its line number */
	memset(text, 0, sizeof(text));
	memcpy(text, "[app]\n#", 7);
	memset(text + 7, 'x', BW_CONFIG_LINE_MAX);
	assert_int_equal(parse(text, &c, &err), BW_ERR_LIMIT);
	assert_int_equal(err.line, 2);
	/* a value line over the cap is not split into a value and a next line */
	memset(text, 0, sizeof(text));
	memcpy(text, "[app]\nname = ", 13);
	memset(text + 13, 'y', BW_CONFIG_LINE_MAX);
	assert_int_equal(parse(text, &c, &err), BW_ERR_LIMIT);
	assert_string_equal(c.name, "");
}

static void file_cap(void **state)
{
	size_t n = BW_CONFIG_FILE_MAX + 1;
	char *big = malloc(n);
	struct bw_config_error err;
	struct conf c;

	(void)state;
	assert_non_null(big);
	memset(big, '\n', n);
	memset(&c, 0, sizeof(c));
	assert_int_equal(bw_config_parse(&schema, big, n, &c, &err), BW_ERR_LIMIT);
	assert_int_equal(bw_config_parse(&schema, big, n - 1, &c, &err), BW_OK);
	free(big);
}

static void bytes_are_checked(void **state)
{
	static const struct {
		const char *text;
		size_t len;
	} bad[] = {
	        {"[app]\nname = a\0b\n", 17},         /* NUL in a value */
	        {"# x\0y\n[app]\n", 12},              /* NUL in a comment */
	        {"[app]\nname = \xc0\xaf\n", 16},     /* overlong '/' */
	        {"[app]\nname = \xff\n", 15},         /* never valid */
	        {"[app]\nname = \xed\xa0\x80\n", 17}, /* surrogate */
	        {"[app]\nname = \xe2\x82", 15},       /* truncated at the end */
	        {"[app]\nname = a\x1b[2J\n", 19},     /* escape sequence */
	        {"[app]\nname = a\rb\n", 16},         /* lone CR */
	        {"[app]\nname = \xc2\x85\n", 16},     /* C1 NEL */
	};
	struct bw_config_error err;
	struct conf c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&c, 0, sizeof(c));
		assert_int_equal(bw_config_parse(&schema, bad[i].text, bad[i].len, &c, &err),
		                 BW_ERR_ENCODING);
		assert_true(err.line == 1 || err.line == 2);
	}
	assert_int_equal(parse("[app]\nname = caf\xc3\xa9 \xe2\x82\xac\n", &c, &err), BW_OK);
	assert_string_equal(c.name, "caf\xc3\xa9 \xe2\x82\xac");
}

static void booleans_are_true_or_false(void **state)
{
	static const char *const bad[] = {"flag = yes", "flag = True", "flag = 1",      "flag = on",
	                                  "flag =",     "flag = \"\"", "flag = false x"};
	struct bw_config_error err;
	struct conf c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse_one(bad[i], &err), BW_ERR_INVALID);
	assert_int_equal(parse("[app]\nflag = \"true\"\n", &c, &err), BW_OK);
	assert_true(c.flag);
}

static void numbers_are_strict(void **state)
{
	static const char *const bad[] = {"port = 010", "port = 1e3",   "port = \" 5\"",
	                                  "port = +5",  "port = 0x10",  "port = -1",
	                                  "port = 5.0", "port = 1_000", "port ="};
	struct bw_config_error err;
	struct conf c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse_one(bad[i], &err), BW_ERR_INVALID);
		assert_string_equal(err.key, "app.port");
	}
	memset(&c, 0, sizeof(c));
	assert_int_equal(bw_config_set(&schema, "app.port", BW_STR(" 5"), &c, &err),
	                 BW_ERR_INVALID);
	assert_int_equal(bw_config_set(&schema, "app.port", BW_STR("5"), &c, &err), BW_OK);
	assert_int_equal(c.port, 5);
}

static void ranges_are_enforced(void **state)
{
	static const char *const bad[] = {"[app]\nport = 0\n",
	                                  "[app]\nport = 65536\n",
	                                  "[app]\nport = 99999999999999999999999\n",
	                                  "[net]\nsmall = 256\n",
	                                  "[app]\nbody = 17M\n",
	                                  "[app]\nbody = 0K\n",
	                                  "[app]\nbody = 99999999999999G\n",
	                                  "[net]\ntimeout = 61s\n",
	                                  "[net]\ntimeout = 0ms\n",
	                                  "[net]\nperiod = 2h\n"};
	struct bw_config_error err;
	struct conf c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], &c, &err) != BW_ERR_RANGE)
			fail_msg("not a range error: %s", bad[i]);
	}
	assert_int_equal(parse("[app]\nport = 65535\n[net]\nsmall = 0\n", &c, &err), BW_OK);
	assert_int_equal(c.port, 65535);
	assert_int_equal(parse("[app]\nbody = 16M\n", &c, &err), BW_OK);
	assert_int_equal(c.body, 16u << 20);
}

static void sizes_and_durations(void **state)
{
	static const char *const bad_size[] = {"body = 1k",  "body = K",   "body = 1 K",
	                                       "body = 1KB", "body = 01K", "body = 1.5M",
	                                       "body = 1T"};
	static const char *const bad_dur[] = {"timeout = 10", "timeout = 1.5s", "timeout = 10 s",
	                                      "timeout = s",  "timeout = 10S",  "timeout = 010s",
	                                      "timeout = 1d", "period = 500ms"};
	struct bw_config_error err;
	struct conf c;
	char line[64];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_size) / sizeof(bad_size[0]); i++)
		assert_int_equal(parse_one(bad_size[i], &err), BW_ERR_INVALID);
	for (size_t i = 0; i < sizeof(bad_dur) / sizeof(bad_dur[0]); i++) {
		snprintf(line, sizeof(line), "[net]\n%s\n", bad_dur[i]);
		if (parse(line, &c, &err) != BW_ERR_INVALID)
			fail_msg("accepted: %s", bad_dur[i]);
	}
	assert_int_equal(parse("[app]\nbody = 1M\n[net]\ntimeout = 500ms\nperiod = 1h\n", &c, &err),
	                 BW_OK);
	assert_int_equal(c.body, 1u << 20);
	assert_int_equal(c.timeout_ms, 500);
	assert_int_equal(c.period_s, 3600);
	assert_int_equal(parse("[net]\nperiod = 3000ms\ntimeout = 1m\n", &c, &err), BW_OK);
	assert_int_equal(c.period_s, 3);
	assert_int_equal(c.timeout_ms, 60000);
}

static void enums_and_lists(void **state)
{
	struct bw_config_error err;
	struct conf c;

	(void)state;
	assert_int_equal(parse_one("level = High", &err), BW_ERR_INVALID);
	assert_int_equal(parse_one("level = med", &err), BW_ERR_INVALID);
	assert_int_equal(parse("[net]\nhosts = a,,b\n", &c, &err), BW_ERR_INVALID);
	assert_int_equal(parse("[net]\nhosts = a,\n", &c, &err), BW_ERR_INVALID);
	assert_int_equal(parse("[net]\nhosts = ,a\n", &c, &err), BW_ERR_INVALID);
	assert_int_equal(parse("[net]\nhosts = a, a\n", &c, &err), BW_ERR_EXISTS);
	assert_int_equal(parse("[net]\nhosts = a,b,c,d,e\n", &c, &err), BW_ERR_LIMIT);
	assert_string_equal(err.key, "net.hosts");
	assert_int_equal(parse("[net]\nhosts = a,b,c,d\n", &c, &err), BW_OK);
	assert_int_equal(c.n_hosts, 4);
	/* setting a list again replaces it (the old items are freed: ASan checks) */
	assert_int_equal(bw_config_set(&schema, "net.hosts", BW_STR("x"), &c, &err), BW_OK);
	assert_int_equal(c.n_hosts, 1);
	assert_string_equal(c.hosts[0], "x");
	assert_null(c.hosts[1]);
	assert_int_equal(bw_config_set(&schema, "net.hosts", BW_STR(""), &c, &err), BW_OK);
	assert_int_equal(c.n_hosts, 0);
	bw_config_free(&schema, &c);
}

static void errors_never_carry_the_value(void **state)
{
	static const char *const lines[] = {
	        "[app]\nport = hunter2hunter2\n",
	        "[net]\nkey = file:\n[net]\nhunter2hunter2 = 1\n",
	        "[app]\nHunter2hunter2 = 1\n",
	        "[hunter2hunter2 x]\n",
	        "[app]\nname = hunter2hunter2hunter2hunter2hunter2hunter2\n",
	        "[app]\nname = hunter2hunter2\x01\n",
	};
	struct bw_config_error err;
	struct conf c;

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		assert_int_not_equal(parse(lines[i], &c, &err), BW_OK);
		assert_null(strstr(err.message, "hunter2"));
		assert_null(strstr(err.key, "unter2"));
	}
}

static void env_overrides(void **state)
{
	char *env[] = {"PATH=/bin",
	               "BULWARK_APP_PORT=9000",
	               "BULWARK_NET_TLS_CERT=c.pem",
	               "BULWARK_BIN=anything",
	               "BULWARKX=1",
	               "BULWARK_NET_HOSTS=h1,h2",
	               NULL};
	struct bw_config_error err;
	struct conf c;
	char name[64];

	(void)state;
	assert_int_equal(parse("[app]\nport = 8000\nname = file\n", &c, &err), BW_OK);
	assert_int_equal(bw_config_apply_env(&schema, env, &c, &err), BW_OK);
	assert_int_equal(c.port, 9000); /* the environment wins over the file */
	assert_string_equal(c.name, "file");
	assert_string_equal(c.cert, "c.pem");
	assert_int_equal(c.n_hosts, 2);
	assert_int_equal(bw_config_env_name(&keys[10], name, sizeof(name)), BW_OK);
	assert_string_equal(name, "BULWARK_NET_TLS_CERT");
	assert_int_equal(bw_config_env_name(&keys[10], name, 20), BW_ERR_LIMIT);
	bw_config_free(&schema, &c);
}

static void env_refusals(void **state)
{
	char *unknown[] = {"BULWARK_APP_PORTT=1", NULL};
	char *twice[] = {"BULWARK_APP_PORT=1", "BULWARK_APP_PORT=2", NULL};
	char *bad[] = {"BULWARK_APP_NAME=changed", "BULWARK_APP_PORT= 5", NULL};
	char *ctrl[] = {"BULWARK_APP_NAME=a\nb", NULL};
	struct bw_config_error err;
	struct conf c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(bw_config_apply_env(&schema, unknown, &c, &err), BW_ERR_NOT_FOUND);
	assert_string_equal(err.key, "BULWARK_APP_PORTT");
	assert_int_equal(bw_config_apply_env(&schema, twice, &c, &err), BW_ERR_EXISTS);
	assert_int_equal(c.port, 0);
	/* values are verbatim (not trimmed), and one bad value stores nothing at all */
	assert_int_equal(bw_config_apply_env(&schema, bad, &c, &err), BW_ERR_INVALID);
	assert_string_equal(err.key, "BULWARK_APP_PORT");
	assert_string_equal(c.name, "");
	assert_int_equal(bw_config_apply_env(&schema, ctrl, &c, &err), BW_ERR_ENCODING);
	assert_int_equal(bw_config_apply_env(&schema, NULL, &c, &err), BW_OK);
}

static void set_refuses_unknown(void **state)
{
	struct bw_config_error err;
	struct conf c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(bw_config_set(&schema, "app.nope", BW_STR("1"), &c, &err),
	                 BW_ERR_NOT_FOUND);
	assert_string_equal(err.key, "app.nope");
	assert_int_equal(bw_config_set(&schema, "app", BW_STR("1"), &c, &err), BW_ERR_NOT_FOUND);
	assert_non_null(bw_config_find(&schema, BW_STR("net.tls.cert")));
	assert_null(bw_config_find(&schema, BW_STR("net.tls")));
}

static void secret_syntax(void **state)
{
	struct bw_config_error err;
	struct conf c;

	(void)state;
	assert_int_equal(bw_config_secret_kind("file:/k"), BW_CONFIG_SECRET_FILE);
	assert_int_equal(bw_config_secret_kind("env:K_1"), BW_CONFIG_SECRET_ENV);
	assert_int_equal(bw_config_secret_kind("credential:master.key"),
	                 BW_CONFIG_SECRET_CREDENTIAL);
	assert_int_equal(bw_config_secret_kind("hunter2"), BW_CONFIG_SECRET_LITERAL);
	assert_int_equal(bw_config_secret_kind(""), BW_CONFIG_SECRET_BAD);
	assert_int_equal(bw_config_secret_kind("file:"), BW_CONFIG_SECRET_BAD);
	assert_int_equal(bw_config_secret_kind("env:1X"), BW_CONFIG_SECRET_BAD);
	assert_int_equal(bw_config_secret_kind("env:A-B"), BW_CONFIG_SECRET_BAD);
	assert_int_equal(bw_config_secret_kind("credential:../x"), BW_CONFIG_SECRET_BAD);
	assert_int_equal(bw_config_secret_kind("credential:.."), BW_CONFIG_SECRET_BAD);
	assert_int_equal(bw_config_secret_kind("credential:a/b"), BW_CONFIG_SECRET_BAD);
	/* the rules are bw_key_ref_parse's: no control byte in a path, names capped */
	assert_int_equal(bw_config_secret_kind("file:/k\nx"), BW_CONFIG_SECRET_BAD);
	assert_int_equal(bw_config_secret_kind("file:/k\x7f"), BW_CONFIG_SECRET_BAD);
	assert_int_equal(bw_config_secret_kind("FILE:/k"), BW_CONFIG_SECRET_LITERAL);
	{
		char name[4 + 257];

		memcpy(name, "env:", 4);
		memset(name + 4, 'A', 256);
		name[4 + 256] = '\0';
		assert_int_equal(bw_config_secret_kind(name), BW_CONFIG_SECRET_BAD);
		name[4 + 255] = '\0';
		assert_int_equal(bw_config_secret_kind(name), BW_CONFIG_SECRET_ENV);
	}
	assert_int_equal(parse("[net]\nkey = env:\n", &c, &err), BW_ERR_INVALID);
	assert_string_equal(err.key, "net.key");
	/* the parser keeps a literal; whether it may stay is the mode's decision */
	assert_int_equal(parse("[net]\nkey = hunter2\n", &c, &err), BW_OK);
}

/* A fresh private directory for secret files. */
static void make_dir(char *dir, size_t size)
{
	const char *tmp = getenv("TMPDIR");
	int n = snprintf(dir, size, "%s/bwcfgXXXXXX", tmp && *tmp ? tmp : P_tmpdir);

	assert_true(n > 0 && (size_t)n < size);
	assert_non_null(mkdtemp(dir));
}

/* A fresh file (an old one may be read-only, or not ours). */
static void write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static enum bw_err resolve_file(const char *path, struct bw_secret **out)
{
	char ref[1200];

	snprintf(ref, sizeof(ref), "file:%s", path);
	return bw_config_secret_resolve(ref, out);
}

static void secret_files(void **state)
{
	static const mode_t refused[] = {0644, 0640, 0604,  0660,  0700,  0500, 0200,
	                                 0000, 0040, 04600, 02600, 01600, 0610, 0440};
	char dir[512], path[600], link[600], big[BW_CONFIG_SECRET_MAX + 1];
	struct bw_secret *s = NULL;

	(void)state;
	make_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/key", dir);
	write_file(path, "s3cret\n", 7, 0600);
	assert_int_equal(resolve_file(path, &s), BW_OK);
	assert_int_equal(bw_secret_len(s), 7); /* exact bytes, newline kept */
	assert_true(bw_ct_eq(bw_secret_bytes(s), 7, "s3cret\n", 7));
	bw_secret_free(s);
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(resolve_file(path, &s), BW_OK);
	bw_secret_free(s);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(chmod(path, refused[i]), 0);
		s = (struct bw_secret *)&s;
		if (resolve_file(path, &s) != BW_ERR_DENIED)
			fail_msg("mode %o accepted", (unsigned)refused[i]);
		assert_null(s);
	}
	/* a symlink to a good key file is refused (the old reader followed it) */
	assert_int_equal(chmod(path, 0600), 0);
	snprintf(link, sizeof(link), "%s/link", dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(resolve_file(link, &s), BW_ERR_DENIED);
	assert_null(s);
	unlink(link);
	if (geteuid() == 0) {
		/* owned by neither us nor root */
		assert_int_equal(chown(path, NOBODY_UID, NOBODY_UID), 0);
		assert_int_equal(resolve_file(path, &s), BW_ERR_DENIED);
		assert_int_equal(chown(path, 0, 0), 0);
		assert_int_equal(resolve_file(path, &s), BW_OK);
		bw_secret_free(s);
	}
	/* not a regular file: a directory, a FIFO (must not block) */
	assert_int_equal(resolve_file(dir, &s), BW_ERR_DENIED);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(resolve_file(path, &s), BW_ERR_DENIED);
	unlink(path);
	/* empty, too large, missing */
	snprintf(path, sizeof(path), "%s/empty", dir);
	write_file(path, "", 0, 0600);
	assert_int_equal(resolve_file(path, &s), BW_ERR_INVALID);
	unlink(path);
	memset(big, 'k', sizeof(big));
	snprintf(path, sizeof(path), "%s/big", dir);
	write_file(path, big, sizeof(big), 0600);
	assert_int_equal(resolve_file(path, &s), BW_ERR_LIMIT);
	write_file(path, big, sizeof(big) - 1, 0600);
	assert_int_equal(resolve_file(path, &s), BW_OK);
	bw_secret_free(s);
	unlink(path);
	assert_int_equal(resolve_file(path, &s), BW_ERR_NOT_FOUND);
	snprintf(path, sizeof(path), "%s/key", dir);
	unlink(path);
	rmdir(dir);
}

static void secret_env_credential_literal(void **state)
{
	char dir[512], path[600];
	struct bw_secret *s = NULL;
	bool literal = false;

	(void)state;
	assert_int_equal(setenv("BW_TEST_SECRET", "from-env", 1), 0);
	assert_int_equal(bw_config_secret_resolve("env:BW_TEST_SECRET", &s), BW_OK);
	assert_true(bw_ct_eq(bw_secret_bytes(s), bw_secret_len(s), "from-env", 8));
	bw_secret_free(s);
	assert_int_equal(setenv("BW_TEST_SECRET", "", 1), 0);
	assert_int_equal(bw_config_secret_resolve("env:BW_TEST_SECRET", &s), BW_ERR_INVALID);
	unsetenv("BW_TEST_SECRET");
	assert_int_equal(bw_config_secret_resolve("env:BW_TEST_SECRET", &s), BW_ERR_NOT_FOUND);

	make_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/master", dir);
	write_file(path, "cred", 4, 0400);
	unsetenv("CREDENTIALS_DIRECTORY");
	assert_int_equal(bw_config_secret_resolve("credential:master", &s), BW_ERR_NOT_FOUND);
	assert_int_equal(setenv("CREDENTIALS_DIRECTORY", "", 1), 0);
	assert_int_equal(bw_config_secret_resolve("credential:master", &s), BW_ERR_NOT_FOUND);
	/* as for the master key (keys.c does both): a relative directory is a setup error */
	assert_int_equal(setenv("CREDENTIALS_DIRECTORY", "relative/dir", 1), 0);
	assert_int_equal(bw_config_secret_resolve("credential:master", &s), BW_ERR_CONFIG);
	assert_int_equal(setenv("CREDENTIALS_DIRECTORY", dir, 1), 0);
	assert_int_equal(bw_config_secret_resolve("credential:master", &s), BW_OK);
	assert_true(bw_ct_eq(bw_secret_bytes(s), bw_secret_len(s), "cred", 4));
	bw_secret_free(s);
	assert_int_equal(chmod(path, 0440), 0); /* systemd ACL mask: accepted */
	assert_int_equal(bw_config_secret_resolve("credential:master", &s), BW_OK);
	bw_secret_free(s);
	assert_int_equal(chmod(path, 0404), 0);
	assert_int_equal(bw_config_secret_resolve("credential:master", &s), BW_ERR_DENIED);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(bw_config_secret_resolve("credential:master", &s), BW_OK);
	bw_secret_free(s);
	{
		static const mode_t refused[] = {0460, 0444, 0441, 0540, 0450, 0040, 0000, 02440};

		for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
			assert_int_equal(chmod(path, refused[i]), 0);
			s = (struct bw_secret *)&s;
			if (bw_config_secret_resolve("credential:master", &s) != BW_ERR_DENIED)
				fail_msg("credential mode %o accepted", (unsigned)refused[i]);
			assert_null(s);
		}
	}
	assert_int_equal(chmod(path, 0400), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(path, NOBODY_UID, NOBODY_UID), 0);
		assert_int_equal(bw_config_secret_resolve("credential:master", &s), BW_ERR_DENIED);
		assert_int_equal(chown(path, 0, 0), 0);
	}
	/* a credential that is a symlink, even to a good file, is refused */
	{
		char link[600];

		snprintf(link, sizeof(link), "%s/linked", dir);
		assert_int_equal(symlink(path, link), 0);
		assert_int_equal(bw_config_secret_resolve("credential:linked", &s), BW_ERR_DENIED);
		unlink(link);
	}
	write_file(path, "", 0, 0400);
	assert_int_equal(bw_config_secret_resolve("credential:master", &s), BW_ERR_INVALID);
	assert_int_equal(bw_config_secret_resolve("credential:../master", &s), BW_ERR_INVALID);
	assert_int_equal(bw_config_secret_resolve("credential:absent", &s), BW_ERR_NOT_FOUND);
	unsetenv("CREDENTIALS_DIRECTORY");
	unlink(path);
	rmdir(dir);

	/* a literal: refused, unless the caller allows it and is told */
	assert_int_equal(bw_config_secret_resolve("hunter2", &s), BW_ERR_DENIED);
	assert_null(s);
	assert_int_equal(bw_config_secret_resolve_flags("hunter2", 0, &s, &literal), BW_ERR_DENIED);
	assert_int_equal(
	        bw_config_secret_resolve_flags("hunter2", BW_CONFIG_ALLOW_LITERAL, &s, &literal),
	        BW_OK);
	assert_true(literal);
	assert_true(bw_ct_eq(bw_secret_bytes(s), bw_secret_len(s), "hunter2", 7));
	bw_secret_free(s);
	assert_int_equal(bw_config_secret_resolve("file:", &s), BW_ERR_INVALID);
}

/* The secret rules are one: config and the master key decide alike, mode by mode. */
static void secret_rules_match_the_master_key(void **state)
{
	uint8_t key[BW_MASTER_KEY_BYTES];
	char dir[512], path[600], ref[700];
	struct bw_secret *s = NULL;

	(void)state;
	memset(key, 0x5a, sizeof(key));
	make_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/mk", dir);
	write_file(path, (const char *)key, sizeof(key), 0600);
	assert_int_equal(setenv("CREDENTIALS_DIRECTORY", dir, 1), 0);
	for (unsigned mode = 0; mode <= 0777; mode++) {
		static const char *const refs[] = {NULL, "credential:mk"};

		assert_int_equal(chmod(path, (mode_t)mode), 0);
		snprintf(ref, sizeof(ref), "file:%s", path);
		for (size_t i = 0; i < 2; i++) {
			const char *r = refs[i] != NULL ? refs[i] : ref;
			enum bw_err a = bw_config_secret_resolve(r, &s);
			enum bw_err b;

			bw_secret_free(s);
			b = bw_master_key_load(r, &s);
			bw_secret_free(s);
			s = NULL;
			if (a != b)
				fail_msg("%s mode %o: config %s, master key %s", r, mode,
				         bw_err_str(a), bw_err_str(b));
			/* the documented sets, exactly */
			if ((a == BW_OK) != (mode == 0600 || mode == 0400 ||
			                     (i == 1 && (mode == 0640 || mode == 0440))))
				fail_msg("%s mode %o: %s", r, mode, bw_err_str(a));
		}
	}
	unsetenv("CREDENTIALS_DIRECTORY");
	unlink(path);
	rmdir(dir);
}

static void load_file_checks_the_file(void **state)
{
	char dir[512], path[600], link[600];
	struct bw_config_error err;
	struct conf c;

	(void)state;
	memset(&c, 0, sizeof(c));
	make_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/bulwark.ini", dir);
	write_file(path, "[app]\nport = 7\n", 15, 0644);
	assert_int_equal(bw_config_load_file(&schema, path, &c, &err), BW_OK);
	assert_int_equal(c.port, 7);
	assert_int_equal(chmod(path, 0664), 0);
	assert_int_equal(bw_config_load_file(&schema, path, &c, &err), BW_ERR_DENIED);
	assert_int_equal(chmod(path, 0646), 0);
	assert_int_equal(bw_config_load_file(&schema, path, &c, &err), BW_ERR_DENIED);
	/* a configuration file is no secret: a symlink is followed, the target checked */
	assert_int_equal(chmod(path, 0600), 0);
	snprintf(link, sizeof(link), "%s/linked.ini", dir);
	assert_int_equal(symlink(path, link), 0);
	c.port = 0;
	assert_int_equal(bw_config_load_file(&schema, link, &c, &err), BW_OK);
	assert_int_equal(c.port, 7);
	assert_int_equal(chmod(path, 0620), 0);
	assert_int_equal(bw_config_load_file(&schema, link, &c, &err), BW_ERR_DENIED);
	assert_int_equal(err.line, 0);
	assert_true(err.message[0] != '\0');
	unlink(link);
	/* too large, and a FIFO (refused without blocking) */
	{
		size_t n = BW_CONFIG_FILE_MAX + 1;
		char *big = malloc(n);

		assert_non_null(big);
		memset(big, '\n', n);
		write_file(path, big, n, 0600);
		assert_int_equal(bw_config_load_file(&schema, path, &c, &err), BW_ERR_LIMIT);
		write_file(path, big, n - 1, 0600);
		assert_int_equal(bw_config_load_file(&schema, path, &c, &err), BW_OK);
		free(big);
	}
	write_file(path, "", 0, 0644);
	assert_int_equal(bw_config_load_file(&schema, path, &c, &err),
	                 BW_OK); /* empty: nothing set */
	snprintf(link, sizeof(link), "%s/fifo.ini", dir);
	assert_int_equal(mkfifo(link, 0600), 0);
	assert_int_equal(bw_config_load_file(&schema, link, &c, &err), BW_ERR_DENIED);
	unlink(link);
	unlink(path);
	assert_int_equal(bw_config_load_file(&schema, path, &c, &err), BW_ERR_NOT_FOUND);
	assert_int_equal(bw_config_load_file(&schema, dir, &c, &err), BW_ERR_DENIED);
	rmdir(dir);
}

/* bw_config_check: a struct filled in by code meets the bounds a file value would. */
static void check_bounds_of_code_set_values(void **state)
{
	struct bw_config_error err;
	struct conf c;

	(void)state;
	assert_int_equal(
	        parse("[app]\nport = 1\nbody = 1\n[net]\ntimeout = 1ms\nperiod = 1s\n", &c, &err),
	        BW_OK);
	assert_int_equal(bw_config_check(&schema, &c, &err), BW_OK);
	c.port = 65535;
	c.body = 16u << 20;
	c.small = 255;
	c.timeout_ms = 60000;
	c.period_s = 3600;
	assert_int_equal(bw_config_check(&schema, &c, NULL), BW_OK); /* every upper bound */
	c.port = 0;
	assert_int_equal(bw_config_check(&schema, &c, &err), BW_ERR_RANGE);
	assert_string_equal(err.key, "app.port");
	c.port = 65536;
	assert_int_equal(bw_config_check(&schema, &c, &err), BW_ERR_RANGE);
	assert_string_equal(err.key, "app.port");
	c.port = 80;
	c.body = (16u << 20) + 1;
	assert_int_equal(bw_config_check(&schema, &c, &err), BW_ERR_RANGE);
	assert_string_equal(err.key, "app.body");
	c.body = 1;
	c.level = 2; /* "low", "high": index 2 is none */
	assert_int_equal(bw_config_check(&schema, &c, &err), BW_ERR_RANGE);
	assert_string_equal(err.key, "app.level");
	c.level = 1;
	c.timeout_ms = 0;
	assert_int_equal(bw_config_check(&schema, &c, &err), BW_ERR_RANGE);
	assert_string_equal(err.key, "net.timeout");
	c.timeout_ms = 1;
	c.period_s = 3601;
	assert_int_equal(bw_config_check(&schema, &c, &err), BW_ERR_RANGE);
	assert_string_equal(err.key, "net.period");
	c.period_s = 1;
	assert_int_equal(bw_config_check(&schema, &c, &err), BW_OK);
	bw_config_free(&schema, &c);
}

static void write_reads_back(void **state)
{
	static const char text[] = "[app]\nname = \"  a \\\"#\\\\ \"\nport = 1\nbody = 3K\n"
	                           "flag = true\nlevel = high\n[net]\nhosts = x, y\n"
	                           "key = file:k\ntimeout = 1500ms\nperiod = 1m\nsmall = 9\n"
	                           "tls.cert = ;c\n";
	struct bw_config_error err;
	struct conf a, b;
	struct bw_buf out;

	(void)state;
	assert_int_equal(parse(text, &a, &err), BW_OK);
	bw_buf_init(&out, 1 << 16);
	assert_int_equal(bw_config_write(&schema, &a, &out), BW_OK);
	assert_int_equal(parse(bw_buf_cstr(&out), &b, &err), BW_OK);
	assert_string_equal(a.name, b.name);
	assert_int_equal(a.port, b.port);
	assert_int_equal(a.body, b.body);
	assert_int_equal(a.level, b.level);
	assert_int_equal(b.n_hosts, 2);
	assert_string_equal(b.hosts[1], "y");
	assert_string_equal(a.key, b.key);
	assert_int_equal(b.timeout_ms, 1500);
	assert_int_equal(b.period_s, 60);
	assert_string_equal(b.cert, ";c");
	bw_config_free(&schema, &b);
	/* a literal secret is never written out */
	bw_buf_reset(&out);
	assert_int_equal(bw_config_set(&schema, "net.key", BW_STR("hunter2"), &a, &err), BW_OK);
	assert_int_equal(bw_config_write(&schema, &a, &out), BW_ERR_DENIED);
	bw_buf_free(&out);
	bw_config_free(&schema, &a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(parses_a_full_file),
	        cmocka_unit_test(unknown_key_and_section_are_named),
	        cmocka_unit_test(duplicates_are_refused),
	        cmocka_unit_test(syntax_is_strict),
	        cmocka_unit_test(inline_comment_is_part_of_the_value),
	        cmocka_unit_test(line_cap_refuses_never_splits),
	        cmocka_unit_test(file_cap),
	        cmocka_unit_test(bytes_are_checked),
	        cmocka_unit_test(booleans_are_true_or_false),
	        cmocka_unit_test(numbers_are_strict),
	        cmocka_unit_test(ranges_are_enforced),
	        cmocka_unit_test(sizes_and_durations),
	        cmocka_unit_test(enums_and_lists),
	        cmocka_unit_test(errors_never_carry_the_value),
	        cmocka_unit_test(env_overrides),
	        cmocka_unit_test(env_refusals),
	        cmocka_unit_test(set_refuses_unknown),
	        cmocka_unit_test(secret_syntax),
	        cmocka_unit_test(secret_files),
	        cmocka_unit_test(secret_env_credential_literal),
	        cmocka_unit_test(secret_rules_match_the_master_key),
	        cmocka_unit_test(load_file_checks_the_file),
	        cmocka_unit_test(check_bounds_of_code_set_values),
	        cmocka_unit_test(write_reads_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
