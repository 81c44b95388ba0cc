/*
 * test_settings.c — the server's settings: defaults, layering, derived
 * values and every production rule of bw_settings_finish.
 */
#include "bw_test.h"

#include "listen.h"
#include "settings.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Defaults, then each "key=value" of kv through bw_settings_set; asserts they are accepted. */
static void setup(struct bw_settings *s, const char *const *kv)
{
	struct bw_settings_error err;

	bw_settings_defaults(s);
	for (size_t i = 0; kv != NULL && kv[i] != NULL; i++) {
		char key[128];
		const char *eq = strchr(kv[i], '=');

		assert_non_null(eq);
		assert_true((size_t)(eq - kv[i]) < sizeof(key));
		memcpy(key, kv[i], (size_t)(eq - kv[i]));
		key[eq - kv[i]] = '\0';
		if (bw_settings_set(s, key, eq + 1, &err) != BW_OK)
			fail_msg("refused %s: %s", kv[i], err.message);
	}
}

/* finish must refuse, naming key; the message must not contain `secret` when given. */
static void refused(const char *const *kv, const char *key)
{
	struct bw_settings s;
	struct bw_settings_error err;

	setup(&s, kv);
	memset(&err, 0, sizeof(err));
	if (bw_settings_finish(&s, &err) != BW_ERR_CONFIG)
		fail_msg("accepted, expected a refusal naming %s (first: %s)", key, kv[0]);
	assert_string_equal(err.key, key);
	assert_true(err.message[0] != '\0');
	bw_settings_free(&s);
}

static void accepted(const char *const *kv, unsigned warnings)
{
	struct bw_settings s;
	struct bw_settings_error err;

	setup(&s, kv);
	memset(&err, 0, sizeof(err));
	if (bw_settings_finish(&s, &err) != BW_OK)
		fail_msg("refused %s: %s (first: %s)", err.key, err.message, kv ? kv[0] : "-");
	assert_int_equal(bw_settings_warnings(&s), warnings);
	bw_settings_free(&s);
}

static bool has_host(const struct bw_settings *s, const char *h)
{
	for (size_t i = 0; i < s->n_allowed_hosts; i++)
		if (strcmp(s->allowed_hosts[i], h) == 0)
			return true;
	return false;
}

static void defaults_are_the_documented_ones(void **state)
{
	struct bw_settings s;
	struct bw_settings_error err;

	(void)state;
	bw_settings_defaults(&s);
	assert_int_equal(s.mode, BW_MODE_PRODUCTION);
	assert_string_equal(s.listen, "https://127.0.0.1:8443");
	assert_string_equal(s.data_dir, "./data");
	assert_int_equal(s.threads, 2);
	assert_false(s.behind_tls_proxy);
	assert_int_equal(s.max_url_length, 4096);
	assert_int_equal(s.max_header_count, 64);
	assert_int_equal(s.max_header_bytes, 16384);
	assert_int_equal(s.max_body_json, 65536);
	assert_int_equal(s.header_timeout_ms, 10000);
	assert_int_equal(s.idle_timeout_s, 30);
	assert_int_equal(s.max_connections, 512);
	assert_int_equal(s.per_ip_connections, 32);
	assert_int_equal(s.workers, 1);
	assert_int_equal(s.worker_queue, 64);
	assert_int_equal(s.worker_queue_per_ip, 4);
	assert_int_equal(s.rl_ip_rate, 600);
	assert_int_equal(s.rl_ip_period, 60);
	assert_int_equal(s.rl_ip_burst, 100);
	assert_int_equal(s.rl_max_keys, 1000000);
	assert_int_equal(s.cors_max_age, 600);
	assert_true(s.csp_reporting);
	assert_false(s.hsts_preload);
	assert_string_equal(s.log_level, "info");
	assert_int_equal(s.n_allowed_hosts + s.n_trusted_proxies + s.n_cors_origins, 0);

	assert_int_equal(bw_settings_finish(&s, &err), BW_OK);
	assert_string_equal(s.public_origin, "https://127.0.0.1:8443");
	assert_true(has_host(&s, "127.0.0.1:8443"));
	assert_true(has_host(&s, "localhost:8443"));
	assert_string_equal(s.cert_file, "./data/tls/cert.pem");
	assert_string_equal(s.key_file, "./data/tls/key.pem");
	assert_string_equal(s.database, "sqlite:./data/bulwark.db");
	assert_string_equal(s.master_key, "file:./data/master.key");
	assert_int_equal(bw_settings_warnings(&s), 0);
	bw_settings_free(&s);
	assert_int_equal(s.n_allowed_hosts, 0);
}

static void derived_values_follow_the_keys(void **state)
{
	static const char *const v6[] = {"server.listen=https://[::1]:443",
	                                 "server.data_dir=/srv/bw", NULL};
	static const char *const origin[] = {"server.public_origin=https://id.example.com",
	                                     "server.listen=https://0.0.0.0:8443", NULL};
	static const char *const hosts[] = {"server.allowed_hosts=id.example.com", NULL};
	struct bw_settings s;
	struct bw_settings_error err;

	(void)state;
	setup(&s, v6);
	assert_int_equal(bw_settings_finish(&s, &err), BW_OK);
	assert_string_equal(s.public_origin, "https://[::1]");
	assert_true(has_host(&s, "[::1]"));
	assert_true(has_host(&s, "localhost"));
	assert_string_equal(s.database, "sqlite:/srv/bw/bulwark.db");
	assert_string_equal(s.key_file, "/srv/bw/tls/key.pem");
	bw_settings_free(&s);

	setup(&s, origin);
	assert_int_equal(bw_settings_finish(&s, &err), BW_OK);
	assert_true(has_host(&s, "id.example.com"));
	assert_true(has_host(&s, "0.0.0.0:8443"));
	bw_settings_free(&s);

	/* an explicit list is taken as it is */
	setup(&s, hosts);
	assert_int_equal(bw_settings_finish(&s, &err), BW_OK);
	assert_int_equal(s.n_allowed_hosts, 1);
	bw_settings_free(&s);
}

/* The origin and Host values built from server.listen: brackets, default ports. */
static void derived_origin_and_hosts(void **state)
{
	static const struct {
		const char *listen, *origin, *host, *localhost;
	} cases[] = {
	        {"https://[::1]:8443", "https://[::1]:8443", "[::1]:8443", "localhost:8443"},
	        {"https://127.0.0.1:443", "https://127.0.0.1", "127.0.0.1", "localhost"},
	        {"http://127.0.0.1:80", "http://127.0.0.1", "127.0.0.1", "localhost"},
	        {"http://127.0.0.1:443", "http://127.0.0.1:443", "127.0.0.1:443", "localhost:443"},
	        {"http://[::1]:8080", "http://[::1]:8080", "[::1]:8080", "localhost:8080"},
	        {"https://127.0.0.1:65535", "https://127.0.0.1:65535", "127.0.0.1:65535",
	         "localhost:65535"},
	};
	struct bw_settings s;
	struct bw_settings_error err;
	char kv[300];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *list[] = {kv, NULL};

		snprintf(kv, sizeof(kv), "server.listen=%s", cases[i].listen);
		setup(&s, list);
		if (bw_settings_finish(&s, &err) != BW_OK)
			fail_msg("%s refused: %s %s", cases[i].listen, err.key, err.message);
		assert_string_equal(s.public_origin, cases[i].origin);
		assert_true(has_host(&s, cases[i].host));
		assert_true(has_host(&s, cases[i].localhost));
		bw_settings_free(&s);
	}
}

/* Each path derived from server.data_dir is refused, by name, when it does not fit. */
static void derived_paths_that_do_not_fit(void **state)
{
	static const struct {
		size_t dir_len;  /* bytes of server.data_dir */
		const char *set; /* a key given explicitly so a later one is reached, or NULL */
		const char *key; /* the key refused */
	} cases[] = {
	        {1024 - 13, NULL, "tls.cert_file"}, /* "/tls/cert.pem" is 13 */
	        {1024 - 12, "tls.cert_file=/c.pem", "tls.key_file"},
	        {1024 - 18, NULL, "database.url"}, /* "sqlite:" + "/bulwark.db" */
	        {1024 - 16, "database.url=sqlite:/db", "keys.master"}, /* "file:" + "/master.key" */
	};
	struct bw_settings s;
	struct bw_settings_error err;
	static char dir[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t fits = 0; fits < 2; fits++) {
			size_t n = cases[i].dir_len - fits; /* one byte less fits */

			bw_settings_defaults(&s);
			memset(dir, 'd', n);
			dir[0] = '/';
			dir[n] = '\0';
			assert_true(n < sizeof(s.data_dir));
			memcpy(s.data_dir, dir, n + 1);
			if (cases[i].set != NULL) {
				const char *eq = strchr(cases[i].set, '=');
				char key[64];

				memcpy(key, cases[i].set, (size_t)(eq - cases[i].set));
				key[eq - cases[i].set] = '\0';
				assert_int_equal(bw_settings_set(&s, key, eq + 1, &err), BW_OK);
			}
			memset(&err, 0, sizeof(err));
			if (fits) {
				/* this key now fits; a later one may still not */
				if (bw_settings_finish(&s, &err) != BW_OK)
					assert_string_not_equal(err.key, cases[i].key);
			} else {
				assert_int_equal(bw_settings_finish(&s, &err), BW_ERR_CONFIG);
				assert_string_equal(err.key, cases[i].key);
				assert_string_equal(err.message, "derived path too long");
			}
			bw_settings_free(&s);
		}
	}
}

static void plain_http_rules(void **state)
{
	static const char *const public_http[] = {"server.listen=http://0.0.0.0:8080", NULL};
	static const char *const v6_http[] = {"server.listen=http://[::]:8080", NULL};
	static const char *const proxy_no_origin[] = {"server.listen=http://10.1.2.3:8080",
	                                              "server.behind_tls_proxy=true", NULL};
	static const char *const proxy[] = {"server.listen=http://10.1.2.3:8080",
	                                    "server.behind_tls_proxy=true",
	                                    "server.public_origin=https://id.example.com", NULL};
	static const char *const proxy_http_origin[] = {
	        "server.listen=http://10.1.2.3:8080", "server.behind_tls_proxy=true",
	        "server.public_origin=http://id.example.com", NULL};
	static const char *const loopback[] = {"server.listen=http://127.0.0.1:8080", NULL};
	static const char *const dev[] = {"server.listen=http://0.0.0.0:8080",
	                                  "server.mode=development", NULL};
	static const char *const bad_listen[] = {"server.listen=ftp://127.0.0.1:21", NULL};

	(void)state;
	refused(public_http, "server.listen");
	refused(v6_http, "server.listen");
	refused(proxy_no_origin, "server.public_origin");
	refused(proxy_http_origin, "server.public_origin");
	refused(bad_listen, "server.listen");
	accepted(proxy, 0);
	accepted(loopback, 0);
	accepted(dev, BW_SETTINGS_WARN_DEVELOPMENT | BW_SETTINGS_WARN_PLAIN_HTTP);
}

static void literal_secret_rules(void **state)
{
	static const char *const literal[] = {"keys.master=hunter2hunter2", NULL};
	static const char *const dev[] = {"keys.master=hunter2hunter2", "server.mode=development",
	                                  NULL};
	static const char *const refs[][2] = {
	        {"keys.master=env:BULWARK_MASTER", NULL},
	        {"keys.master=credential:master", NULL},
	        {"keys.master=file:/etc/bulwark/master.key", NULL},
	};
	struct bw_settings s;
	struct bw_settings_error err;

	(void)state;
	refused(literal, "keys.master");
	setup(&s, literal);
	assert_int_equal(bw_settings_finish(&s, &err), BW_ERR_CONFIG);
	assert_null(strstr(err.message, "hunter2"));
	bw_settings_free(&s);
	accepted(dev, BW_SETTINGS_WARN_DEVELOPMENT | BW_SETTINGS_WARN_LITERAL_SECRET);
	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++)
		accepted(refs[i], 0);
	/* a reference with a malformed rest never counts as a literal */
	bw_settings_defaults(&s);
	assert_int_equal(bw_settings_set(&s, "keys.master", "env:1BAD", &err), BW_ERR_CONFIG);
	assert_string_equal(err.key, "keys.master");
	bw_settings_free(&s);
}

static void trusted_proxies_are_cidrs(void **state)
{
	static const char *const bad[] = {
	        "server.trusted_proxies=10.0.0.1/8",
	        "server.trusted_proxies=10.0.0.0/33",
	        "server.trusted_proxies=bogus",
	        "server.trusted_proxies=10.0.0.0/08",
	        "server.trusted_proxies=0.0.0.0/0",
	        "server.trusted_proxies=::/0",
	        "server.trusted_proxies=10.0.0.0/8, 10.0.0.0/ 8",
	};
	static const char *const good[] = {
	        "server.trusted_proxies=10.0.0.0/8, 2001:db8::/32, 192.168.1.1", NULL};
	static const char *const dev_all[] = {"server.trusted_proxies=0.0.0.0/0",
	                                      "server.mode=development", NULL};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *kv[] = {bad[i], NULL};

		refused(kv, "server.trusted_proxies");
	}
	accepted(good, 0);
	accepted(dev_all, BW_SETTINGS_WARN_DEVELOPMENT);
}

static void cors_origins_are_exact(void **state)
{
	static const char *const bad[] = {
	        "https://app.example.com/",
	        "https://app.example.com/path",
	        "https://*.example.com",
	        "*",
	        "http://app.example.com",
	        "http://localhost:3000",
	        "https://app.example.com:443",
	        "https://user@app.example.com",
	        "null",
	        "https://App.example.com",
	        "https://app.example.com?x",
	        "app.example.com",
	        "https://app.example.com:0",
	        "https://app.example.com:080",
	        "https://-a.example",
	        "https://[::1",
	        "https://1.2.3.04",
	        "https://a..example",
	};
	static const char *const good[] = {
	        "cors.allowed_origins=https://app.example.com, https://a.example:8443, "
	        "https://[2001:db8::1]:9000, https://127.0.0.1",
	        NULL};
	static const char *const dev_loopback[] = {"cors.allowed_origins=http://localhost:3000, "
	                                           "http://127.0.0.1:5173, http://[::1]:8080",
	                                           "server.mode=development", NULL};
	static const char *const dev_public_http[] = {"cors.allowed_origins=http://app.example.com",
	                                              "server.mode=development", NULL};
	char line[200];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *kv[] = {line, NULL};

		snprintf(line, sizeof(line), "cors.allowed_origins=%s", bad[i]);
		refused(kv, "cors.allowed_origins");
	}
	accepted(good, 0);
	accepted(dev_loopback, BW_SETTINGS_WARN_DEVELOPMENT);
	refused(dev_public_http, "cors.allowed_origins");
}

static void allowed_hosts_have_no_wildcards(void **state)
{
	static const char *const bad[] = {"*",
	                                  "*.example.com",
	                                  "example.*",
	                                  "a.example.com, *",
	                                  "https://a.example",
	                                  "a.example/",
	                                  "a.example:99999",
	                                  "a_b.example"};
	static const char *const good[] = {
	        "server.allowed_hosts=a.example.com, a.example.com:8443, [::1]:8443, 10.0.0.1",
	        NULL};
	static const char *const dev_star[] = {"server.allowed_hosts=*", "server.mode=development",
	                                       NULL};
	char line[200];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *kv[] = {line, NULL};

		snprintf(line, sizeof(line), "server.allowed_hosts=%s", bad[i]);
		refused(kv, "server.allowed_hosts");
	}
	accepted(good, 0);
	refused(dev_star, "server.allowed_hosts"); /* development does not relax this */
}

static void limits_of_zero_are_refused(void **state)
{
	static const char *const names[] = {
	        "server.threads",          "limits.max_url_length",  "limits.max_header_count",
	        "limits.max_header_bytes", "limits.max_body_json",   "limits.header_timeout",
	        "limits.idle_timeout",     "limits.max_connections", "limits.per_ip_connections",
	        "limits.workers",          "limits.worker_queue",    "limits.worker_queue_per_ip",
	        "ratelimit.ip_rate",       "ratelimit.ip_period",    "ratelimit.ip_burst",
	        "ratelimit.max_keys",
	};
	struct bw_settings s;
	struct bw_settings_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct bw_config_key *k =
		        bw_config_find(bw_settings_schema(), bw_str_c(names[i]));

		assert_non_null(k);
		/* through the parser: zero is out of range */
		bw_settings_defaults(&s);
		assert_int_equal(bw_settings_set(&s, names[i],
		                                 k->type == BW_CONFIG_DURATION ? "0s" : "0", &err),
		                 BW_ERR_CONFIG);
		assert_string_equal(err.key, names[i]);
		/* and set in the struct by code: finish still refuses */
		memset((char *)&s + k->offset, 0, k->size);
		assert_int_equal(bw_settings_finish(&s, &err), BW_ERR_CONFIG);
		assert_string_equal(err.key, names[i]);
		bw_settings_free(&s);
	}
	{
		static const char *const per_ip[] = {"limits.per_ip_connections=600", NULL};
		static const char *const queue[] = {"limits.worker_queue_per_ip=65", NULL};
		static const char *const age0[] = {"cors.max_age=0s", NULL};

		refused(per_ip, "limits.per_ip_connections");
		refused(queue, "limits.worker_queue_per_ip");
		accepted(age0, 0); /* a max-age of 0 is not a limit */
	}
	/* above the schema's bound, set by code: refused like a file value would be */
	bw_settings_defaults(&s);
	s.threads = 257;
	assert_int_equal(bw_settings_finish(&s, &err), BW_ERR_CONFIG);
	assert_string_equal(err.key, "server.threads");
	bw_settings_free(&s);
	bw_settings_defaults(&s);
	s.cors_max_age = 86401;
	assert_int_equal(bw_settings_finish(&s, &err), BW_ERR_CONFIG);
	assert_string_equal(err.key, "cors.max_age");
	bw_settings_free(&s);
}

static void other_production_rules(void **state)
{
	static const char *const level[] = {"log.level=verbose", NULL};
	static const char *const level_ok[] = {"log.level=debug", NULL};
	static const char *const origin_path[] = {"server.public_origin=https://id.example.com/x",
	                                          NULL};
	static const char *const origin_http[] = {"server.public_origin=http://id.example.com",
	                                          NULL};
	static const char *const db[] = {"database.url=mysql://x", NULL};
	static const char *const db_pg[] = {"database.url=postgresql://bw@db/bw", NULL};
	static const char *const redis[] = {"shared_state.url=http://cache", NULL};
	static const char *const redis_ok[] = {"shared_state.url=redis://127.0.0.1:6379", NULL};
	static const char *const dir[] = {"server.data_dir=", NULL};
	struct bw_settings s;
	struct bw_settings_error err;

	(void)state;
	refused(level, "log.level");
	accepted(level_ok, 0);
	refused(origin_path, "server.public_origin");
	refused(origin_http, "server.public_origin");
	refused(db, "database.url");
	accepted(db_pg, 0);
	refused(redis, "shared_state.url");
	accepted(redis_ok, 0);
	refused(dir, "server.data_dir");
	bw_settings_defaults(&s);
	s.mode = (enum bw_mode)7;
	assert_int_equal(bw_settings_finish(&s, &err), BW_ERR_CONFIG);
	assert_string_equal(err.key, "server.mode");
	assert_int_equal(bw_settings_set(&s, "server.mode", "dev", &err), BW_ERR_CONFIG);
	assert_int_equal(bw_settings_set(&s, "server.nope", "1", &err), BW_ERR_CONFIG);
	assert_string_equal(err.key, "server.nope");
	bw_settings_free(&s);
}

static void make_file(char *path, size_t size, const char *text)
{
	const char *tmp = getenv("TMPDIR");
	int n = snprintf(path, size, "%s/bwsetXXXXXX", tmp && *tmp ? tmp : P_tmpdir);
	int fd;

	assert_true(n > 0 && (size_t)n < size);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, 0600), 0);
	close(fd);
}

/*
 * oauth.token_cache: 0 is not a limit of zero but the documented way to switch
 * the verified-token cache off (every bearer request then verifies its token);
 * above the bound is refused like any other number.
 */
static void token_cache_zero_is_off(void **state)
{
	static const char *const off[] = {"oauth.token_cache=0", NULL};
	struct bw_settings s;
	struct bw_settings_error err;
	char path[512];

	(void)state;
	bw_settings_defaults(&s);
	assert_int_equal(s.oauth_token_cache, 10000);
	bw_settings_free(&s);
	accepted(off, 0);
	make_file(path, sizeof(path), "[oauth]\ntoken_cache = 0\n");
	bw_settings_defaults(&s);
	assert_int_equal(bw_settings_load(&s, path, NULL, &err), BW_OK);
	assert_int_equal(s.oauth_token_cache, 0);
	assert_int_equal(bw_settings_finish(&s, &err), BW_OK);
	assert_int_equal(s.oauth_token_cache, 0);
	assert_int_equal(bw_settings_set(&s, "oauth.token_cache", "10000001", &err), BW_ERR_CONFIG);
	assert_string_equal(err.key, "oauth.token_cache");
	bw_settings_free(&s);
	unlink(path);
}

static void load_layers_file_then_env(void **state)
{
	char path[512];
	char *env[] = {"HOME=/root", "BULWARK_LIMITS_MAX_CONNECTIONS=900",
	               "BULWARK_CORS_ALLOWED_ORIGINS=https://a.example", NULL};
	char *env_bad[] = {"BULWARK_LIMITS_MAX_CONECTIONS=900", NULL};
	struct bw_settings s;
	struct bw_settings_error err;

	(void)state;
	make_file(path, sizeof(path),
	          "[server]\nmode = development\n[limits]\nmax_connections = 100\n"
	          "max_body_json = 1M\nheader_timeout = 5s\n");
	bw_settings_defaults(&s);
	assert_int_equal(bw_settings_load(&s, path, env, &err), BW_OK);
	assert_int_equal(s.mode, BW_MODE_DEVELOPMENT);
	assert_int_equal(s.max_connections, 900); /* the environment wins over the file */
	assert_int_equal(s.max_body_json, 1u << 20);
	assert_int_equal(s.header_timeout_ms, 5000);
	assert_int_equal(s.n_cors_origins, 1);
	assert_int_equal(bw_settings_load(&s, NULL, env_bad, &err), BW_ERR_CONFIG);
	assert_string_equal(err.key, "BULWARK_LIMITS_MAX_CONECTIONS");
	/* flags (bw_settings_set) come last and win */
	assert_int_equal(bw_settings_set(&s, "limits.max_connections", "800", &err), BW_OK);
	assert_int_equal(s.max_connections, 800);
	assert_int_equal(bw_settings_finish(&s, &err), BW_OK);
	bw_settings_free(&s);
	unlink(path);

	make_file(path, sizeof(path), "[limits]\nmax_connections = 100\n[limit]\n");
	bw_settings_defaults(&s);
	assert_int_equal(bw_settings_load(&s, path, NULL, &err), BW_ERR_CONFIG);
	assert_string_equal(err.key, "limit");
	assert_non_null(strstr(err.message, "line 3"));
	assert_int_equal(s.max_connections, 512); /* nothing of a refused file is kept */
	unlink(path);
	assert_int_equal(bw_settings_load(&s, path, NULL, &err), BW_ERR_CONFIG);
	assert_string_equal(err.key, "--config");
	bw_settings_free(&s);
}

/* docs/config.md documents every key with its environment variable. */
static void every_key_is_documented(void **state)
{
	const char *src = getenv("BW_SOURCE_DIR");
	char path[1024], env[160];
	FILE *f;
	static char doc[1 << 17];
	size_t n;

	(void)state;
	if (src == NULL)
		skip();
	snprintf(path, sizeof(path), "%s/docs/config.md", src);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(doc, 1, sizeof(doc) - 1, f);
	fclose(f);
	doc[n] = '\0';
	for (size_t i = 0; i < bw_settings_schema()->n_keys; i++) {
		char name[160];

		snprintf(name, sizeof(name), "`%s`", bw_settings_schema()->keys[i].name);
		if (strstr(doc, name) == NULL)
			fail_msg("docs/config.md lacks %s", name);
		assert_int_equal(
		        bw_config_env_name(&bw_settings_schema()->keys[i], env, sizeof(env)),
		        BW_OK);
		if (strstr(doc, env) == NULL)
			fail_msg("docs/config.md lacks %s", env);
	}
}

/* The --listen parser: brackets hold IPv6 and nothing else (fuzz finding). */
static void listen_urls_are_strict(void **state)
{
	static const char *const good[] = {"https://127.0.0.1:8443", "http://[::1]:0",
	                                   "https://localhost:443", "https://[2001:db8::1]:1"};
	static const char *const bad[] = {"http://[2.0.0.12]:8",     "https://[localhost]:8443",
	                                  "https://::1:8443",        "https://127.0.0.1",
	                                  "https://127.0.0.1:65536", "ftp://127.0.0.1:21",
	                                  "https://example.com:443", "https://[::1]8443"};
	struct bw_listen l;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(bw_listen_parse(good[i], &l), BW_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(bw_listen_parse(bad[i], &l), BW_ERR_INVALID);
	assert_int_equal(bw_listen_parse("https://localhost:1", &l), BW_OK);
	assert_true(l.loopback);
	assert_string_equal(l.address, "127.0.0.1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(defaults_are_the_documented_ones),
	        cmocka_unit_test(derived_values_follow_the_keys),
	        cmocka_unit_test(derived_origin_and_hosts),
	        cmocka_unit_test(derived_paths_that_do_not_fit),
	        cmocka_unit_test(plain_http_rules),
	        cmocka_unit_test(literal_secret_rules),
	        cmocka_unit_test(trusted_proxies_are_cidrs),
	        cmocka_unit_test(cors_origins_are_exact),
	        cmocka_unit_test(allowed_hosts_have_no_wildcards),
	        cmocka_unit_test(limits_of_zero_are_refused),
	        cmocka_unit_test(token_cache_zero_is_off),
	        cmocka_unit_test(other_production_rules),
	        cmocka_unit_test(load_layers_file_then_env),
	        cmocka_unit_test(every_key_is_documented),
	        cmocka_unit_test(listen_urls_are_strict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
