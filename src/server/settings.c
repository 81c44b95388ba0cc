/*
 * settings.c — the server's configuration (settings.h) on top of the
 * library's strict INI parser: the schema of every key, the defaults, the
 * file < environment < flags layering, and bw_settings_finish, which derives
 * what depends on other keys and refuses insecure production settings,
 * naming the key. docs/config.md is the reference for every rule here.
 */
#include "settings.h"

#include <stdio.h>
#include <string.h>

#include "bulwark/config.h"
#include "bulwark/log.h"
#include "bulwark/netaddr.h"
#include "bulwark/secret.h"
#include "listen.h"

#define S struct bw_settings

static const char *const modes[] = {"production", "development", NULL};

/* Limits on the counts above: generous, but a typo of three extra digits is refused. */
static const struct bw_config_key keys[] = {
        {.name = "server.mode",
         .type = BW_CONFIG_ENUM,
         BW_CONFIG_AT(S, mode),
         .choices = modes,
         .doc = "production (default) or development (--dev)"},
        {.name = "server.listen",
         .type = BW_CONFIG_STRING,
         BW_CONFIG_AT(S, listen),
         .doc = "https://HOST:PORT or http://HOST:PORT to bind"},
        {.name = "server.public_origin",
         .type = BW_CONFIG_STRING,
         BW_CONFIG_AT(S, public_origin),
         .doc = "origin links and the issuer are built from"},
        {.name = "server.data_dir",
         .type = BW_CONFIG_STRING,
         BW_CONFIG_AT(S, data_dir),
         .doc = "keys, certificate and SQLite database"},
        {.name = "server.allowed_hosts",
         .type = BW_CONFIG_LIST,
         BW_CONFIG_AT(S, allowed_hosts),
         .count_offset = offsetof(S, n_allowed_hosts),
         .doc = "Host header values accepted"},
        {.name = "server.trusted_proxies",
         .type = BW_CONFIG_LIST,
         BW_CONFIG_AT(S, trusted_proxies),
         .count_offset = offsetof(S, n_trusted_proxies),
         .doc = "CIDRs whose X-Forwarded-For is believed"},
        {.name = "server.threads",
         .type = BW_CONFIG_UINT,
         BW_CONFIG_AT(S, threads),
         .min = 1,
         .max = 256,
         .doc = "HTTP event threads"},
        {.name = "server.behind_tls_proxy",
         .type = BW_CONFIG_BOOL,
         BW_CONFIG_AT(S, behind_tls_proxy),
         .doc = "plain HTTP here, HTTPS at a proxy"},
        {.name = "tls.cert_file",
         .type = BW_CONFIG_STRING,
         BW_CONFIG_AT(S, cert_file),
         .doc = "PEM certificate chain"},
        {.name = "tls.key_file",
         .type = BW_CONFIG_STRING,
         BW_CONFIG_AT(S, key_file),
         .doc = "PEM private key (0600)"},
        {.name = "limits.max_url_length",
         .type = BW_CONFIG_SIZE,
         BW_CONFIG_AT(S, max_url_length),
         .min = 1,
         .max = 1u << 20,
         .doc = "longest request target"},
        {.name = "limits.max_header_count",
         .type = BW_CONFIG_UINT,
         BW_CONFIG_AT(S, max_header_count),
         .min = 1,
         .max = 10000,
         .doc = "most request header fields"},
        {.name = "limits.max_header_bytes",
         .type = BW_CONFIG_SIZE,
         BW_CONFIG_AT(S, max_header_bytes),
         .min = 1,
         .max = 1u << 24,
         .doc = "largest request head"},
        {.name = "limits.max_body_json",
         .type = BW_CONFIG_SIZE,
         BW_CONFIG_AT(S, max_body_json),
         .min = 1,
         .max = 1u << 30,
         .doc = "largest JSON body"},
        {.name = "limits.header_timeout",
         .type = BW_CONFIG_DURATION,
         BW_CONFIG_AT(S, header_timeout_ms),
         .min = 1,
         .max = 3600000,
         .unit_ms = 1,
         .doc = "absolute deadline for the request head"},
        {.name = "limits.idle_timeout",
         .type = BW_CONFIG_DURATION,
         BW_CONFIG_AT(S, idle_timeout_s),
         .min = 1,
         .max = 86400,
         .unit_ms = 1000,
         .doc = "idle connection timeout"},
        {.name = "limits.max_connections",
         .type = BW_CONFIG_UINT,
         BW_CONFIG_AT(S, max_connections),
         .min = 1,
         .max = 1000000,
         .doc = "most open connections"},
        {.name = "limits.per_ip_connections",
         .type = BW_CONFIG_UINT,
         BW_CONFIG_AT(S, per_ip_connections),
         .min = 1,
         .max = 1000000,
         .doc = "most open connections per client address"},
        {.name = "limits.workers",
         .type = BW_CONFIG_UINT,
         BW_CONFIG_AT(S, workers),
         .min = 1,
         .max = 256,
         .doc = "slow-work (Argon2, outbound) threads"},
        {.name = "limits.worker_queue",
         .type = BW_CONFIG_UINT,
         BW_CONFIG_AT(S, worker_queue),
         .min = 1,
         .max = 1000000,
         .doc = "slow-work queue length"},
        {.name = "limits.worker_queue_per_ip",
         .type = BW_CONFIG_UINT,
         BW_CONFIG_AT(S, worker_queue_per_ip),
         .min = 1,
         .max = 1000000,
         .doc = "queued slow jobs per client address"},
        {.name = "ratelimit.ip_rate",
         .type = BW_CONFIG_UINT,
         BW_CONFIG_AT(S, rl_ip_rate),
         .min = 1,
         .max = 100000000,
         .doc = "requests per ratelimit.ip_period per address"},
        {.name = "ratelimit.ip_period",
         .type = BW_CONFIG_DURATION,
         BW_CONFIG_AT(S, rl_ip_period),
         .min = 1,
         .max = 86400,
         .unit_ms = 1000,
         .doc = "rate-limit window"},
        {.name = "ratelimit.ip_burst",
         .type = BW_CONFIG_UINT,
         BW_CONFIG_AT(S, rl_ip_burst),
         .min = 1,
         .max = 100000000,
         .doc = "requests allowed at once"},
        {.name = "ratelimit.max_keys",
         .type = BW_CONFIG_UINT,
         BW_CONFIG_AT(S, rl_max_keys),
         .min = 1,
         .max = 1000000000,
         .doc = "most tracked clients"},
        {.name = "cors.allowed_origins",
         .type = BW_CONFIG_LIST,
         BW_CONFIG_AT(S, cors_origins),
         .count_offset = offsetof(S, n_cors_origins),
         .doc = "exact origins allowed"},
        {.name = "cors.max_age",
         .type = BW_CONFIG_DURATION,
         BW_CONFIG_AT(S, cors_max_age),
         .min = 0,
         .max = 86400,
         .unit_ms = 1000,
         .doc = "preflight cache time"},
        {.name = "headers.csp_report_only",
         .type = BW_CONFIG_STRING,
         BW_CONFIG_AT(S, csp_report_only),
         .doc = "extra Report-Only policy"},
        {.name = "headers.csp_reporting",
         .type = BW_CONFIG_BOOL,
         BW_CONFIG_AT(S, csp_reporting),
         .doc = "report-uri /v1/csp-reports"},
        {.name = "headers.hsts_preload",
         .type = BW_CONFIG_BOOL,
         BW_CONFIG_AT(S, hsts_preload),
         .doc = "add preload to HSTS"},
        {.name = "log.level",
         .type = BW_CONFIG_STRING,
         BW_CONFIG_AT(S, log_level),
         .doc = "debug, info, warn or error"},
        {.name = "database.url",
         .type = BW_CONFIG_STRING,
         BW_CONFIG_AT(S, database),
         .doc = "sqlite:PATH or postgresql://..."},
        {.name = "shared_state.url",
         .type = BW_CONFIG_STRING,
         BW_CONFIG_AT(S, shared_state),
         .doc = "empty or redis://..."},
        {.name = "keys.master",
         .type = BW_CONFIG_SECRET,
         BW_CONFIG_AT(S, master_key),
         .doc = "file:PATH, env:NAME or credential:NAME"},
};

static const struct bw_config_schema schema = {keys, sizeof(keys) / sizeof(keys[0])};

const struct bw_config_schema *bw_settings_schema(void)
{
	return &schema;
}

/* ---- errors ------------------------------------------------------------ */

static enum bw_err refuse(struct bw_settings_error *err, const char *key, const char *msg)
{
	if (err != NULL) {
		snprintf(err->key, sizeof(err->key), "%s", key);
		snprintf(err->message, sizeof(err->message), "%s", msg);
	}
	return BW_ERR_CONFIG;
}

static enum bw_err from_config(struct bw_settings_error *err, const struct bw_config_error *ce)
{
	if (err != NULL) {
		snprintf(err->key, sizeof(err->key), "%s", ce->key);
		if (ce->line > 0)
			snprintf(err->message, sizeof(err->message), "line %u: %s", ce->line,
			         ce->message);
		else
			snprintf(err->message, sizeof(err->message), "%s", ce->message);
	}
	return BW_ERR_CONFIG;
}

/* ---- the layers -------------------------------------------------------- */

void bw_settings_defaults(struct bw_settings *s)
{
	BW_REQUIRE(s != NULL);
	memset(s, 0, sizeof(*s));
	s->mode = BW_MODE_PRODUCTION;
	snprintf(s->listen, sizeof(s->listen), "%s", "https://127.0.0.1:8443");
	snprintf(s->data_dir, sizeof(s->data_dir), "%s", "./data");
	s->threads = 2;
	s->max_url_length = 4096;
	s->max_header_count = 64;
	s->max_header_bytes = 16384;
	s->max_body_json = 65536;
	s->header_timeout_ms = 10000;
	s->idle_timeout_s = 30;
	s->max_connections = 512;
	s->per_ip_connections = 32;
	s->workers = 1;
	s->worker_queue = 64;
	s->worker_queue_per_ip = 4;
	s->rl_ip_rate = 600;
	s->rl_ip_period = 60;
	s->rl_ip_burst = 100;
	s->rl_max_keys = 1000000;
	s->cors_max_age = 600;
	s->csp_reporting = true;
	snprintf(s->log_level, sizeof(s->log_level), "%s", "info");
}

enum bw_err bw_settings_load(struct bw_settings *s, const char *path, char *const *envp,
                             struct bw_settings_error *err)
{
	struct bw_config_error ce;

	BW_REQUIRE(s != NULL);
	memset(&ce, 0, sizeof(ce));
	if (path != NULL && bw_config_load_file(&schema, path, s, &ce) != BW_OK) {
		if (ce.key[0] == '\0' && ce.line == 0) /* about the file itself */
			snprintf(ce.key, sizeof(ce.key), "%s", "--config");
		return from_config(err, &ce);
	}
	if (bw_config_apply_env(&schema, envp, s, &ce) != BW_OK)
		return from_config(err, &ce);
	return BW_OK;
}

enum bw_err bw_settings_set(struct bw_settings *s, const char *key, const char *value,
                            struct bw_settings_error *err)
{
	struct bw_config_error ce;

	BW_REQUIRE(s != NULL && key != NULL && value != NULL);
	memset(&ce, 0, sizeof(ce));
	if (bw_config_set(&schema, key, bw_str_c(value), s, &ce) != BW_OK)
		return from_config(err, &ce);
	return BW_OK;
}

void bw_settings_free(struct bw_settings *s)
{
	if (s == NULL)
		return;
	bw_config_free(&schema, s);
	bw_wipe(s->master_key, sizeof(s->master_key));
}

/* ---- hosts and origins ------------------------------------------------- */

/*
 * A DNS name: lower-case LDH labels of 1..63 bytes, at most 253 in all, the
 * last not all digits (URL parsers read "1.2.3.04" as a broken IPv4 literal).
 */
static bool dns_name_ok(const char *p, size_t len)
{
	size_t label = 0;
	bool digits = true;

	if (len == 0 || len > 253 || p[0] == '.' || p[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = p[i];

		if (c == '.') {
			if (label == 0 || p[i - 1] == '-')
				return false;
			label = 0;
			digits = true;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
		digits = digits && c >= '0' && c <= '9';
		if (c == '-' && label == 0)
			return false;
		if (++label > 63)
			return false;
	}
	return p[len - 1] != '-' && !digits;
}

struct authority {
	bool loopback;
	size_t host_len; /* the host as written, brackets included */
	uint64_t port;   /* 0 when absent */
};

/*
 * host[:port] at p[0..len): a DNS name, an IPv4 literal or a bracketed IPv6
 * literal, and an optional strict decimal port 1..65535.
 */
static bool authority_ok(const char *p, size_t len, struct authority *a)
{
	struct bw_netaddr addr;
	const char *colon;
	size_t hlen;

	memset(a, 0, sizeof(*a));
	if (len > 0 && p[0] == '[') {
		const char *close = memchr(p, ']', len);

		if (close == NULL)
			return false;
		hlen = (size_t)(close - p) + 1;
		if (bw_netaddr_parse((struct bw_str){p + 1, hlen - 2}, &addr) != BW_OK ||
		    addr.family != BW_NETADDR_V6)
			return false;
		a->loopback = addr.bytes[15] == 1;
		for (size_t i = 0; i < 15; i++)
			a->loopback = a->loopback && addr.bytes[i] == 0;
		colon = hlen < len ? p + hlen : NULL;
		if (colon != NULL && *colon != ':')
			return false;
	} else {
		colon = memchr(p, ':', len);
		hlen = colon ? (size_t)(colon - p) : len;
		if (bw_netaddr_parse((struct bw_str){p, hlen}, &addr) == BW_OK)
			a->loopback = addr.family == BW_NETADDR_V4 && addr.bytes[0] == 127;
		else if (dns_name_ok(p, hlen))
			a->loopback = hlen == 9 && memcmp(p, "localhost", 9) == 0;
		else
			return false;
	}
	a->host_len = hlen;
	if (colon != NULL) {
		struct bw_str port = {colon + 1, len - hlen - 1};

		if (bw_parse_u64(port, 1, 65535, &a->port) != BW_OK)
			return false;
	}
	return true;
}

/*
 * An exact origin as browsers serialise it: "https://host" or
 * "http://host", an optional non-default port, nothing after. *https and
 * *loopback tell the caller what it was.
 */
static bool origin_ok(const char *o, bool *https, bool *loopback)
{
	struct authority a;
	const char *rest;

	if (strncmp(o, "https://", 8) == 0) {
		*https = true;
		rest = o + 8;
	} else if (strncmp(o, "http://", 7) == 0) {
		*https = false;
		rest = o + 7;
	} else {
		return false;
	}
	if (!authority_ok(rest, strlen(rest), &a))
		return false;
	if (a.port == (*https ? 443u : 80u)) /* browsers never send the default port */
		return false;
	*loopback = a.loopback;
	return true;
}

static bool has_star(char *const *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strchr(items[i], '*') != NULL)
			return true;
	return false;
}

/* Append a Host value (copied) to allowed_hosts unless it is there already. */
static enum bw_err add_host(struct bw_settings *s, const char *h)
{
	char *copy;

	for (size_t i = 0; i < s->n_allowed_hosts; i++)
		if (strcmp(s->allowed_hosts[i], h) == 0)
			return BW_OK;
	if (s->n_allowed_hosts >= BW_SETTINGS_LIST_MAX)
		return BW_ERR_LIMIT;
	copy = strdup(h);
	if (copy == NULL)
		return BW_ERR_NOMEM;
	s->allowed_hosts[s->n_allowed_hosts++] = copy;
	return BW_OK;
}

/* The Host value of a listen address or an origin: host, plus the port if any. */
static enum bw_err add_host_port(struct bw_settings *s, const char *host, bool v6, unsigned port,
                                 unsigned default_port)
{
	char h[300];
	int n;

	if (port == 0 || port == default_port)
		n = snprintf(h, sizeof(h), v6 ? "[%s]" : "%s", host);
	else
		n = snprintf(h, sizeof(h), v6 ? "[%s]:%u" : "%s:%u", host, port);
	if (n < 0 || (size_t)n >= sizeof(h))
		return BW_ERR_LIMIT;
	return add_host(s, h);
}

/* ---- finish ------------------------------------------------------------ */

static enum bw_err derive_path(char *field, size_t size, const char *dir, const char *tail)
{
	int n;

	if (field[0] != '\0')
		return BW_OK;
	n = snprintf(field, size, "%s%s", dir, tail);
	if (n < 0 || (size_t)n >= size) {
		field[0] = '\0';
		return BW_ERR_LIMIT;
	}
	return BW_OK;
}

static enum bw_err check_limits(const struct bw_settings *s, struct bw_settings_error *err)
{
	const struct {
		const char *key;
		uint64_t v;
	} limits[] = {
	        {"server.threads", s->threads},
	        {"limits.max_url_length", s->max_url_length},
	        {"limits.max_header_count", s->max_header_count},
	        {"limits.max_header_bytes", s->max_header_bytes},
	        {"limits.max_body_json", s->max_body_json},
	        {"limits.header_timeout", s->header_timeout_ms},
	        {"limits.idle_timeout", s->idle_timeout_s},
	        {"limits.max_connections", s->max_connections},
	        {"limits.per_ip_connections", s->per_ip_connections},
	        {"limits.workers", s->workers},
	        {"limits.worker_queue", s->worker_queue},
	        {"limits.worker_queue_per_ip", s->worker_queue_per_ip},
	        {"ratelimit.ip_rate", s->rl_ip_rate},
	        {"ratelimit.ip_period", s->rl_ip_period},
	        {"ratelimit.ip_burst", s->rl_ip_burst},
	        {"ratelimit.max_keys", s->rl_max_keys},
	};

	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		if (limits[i].v == 0)
			return refuse(err, limits[i].key, "a limit of 0 is refused");
	if (s->per_ip_connections > s->max_connections)
		return refuse(err, "limits.per_ip_connections",
		              "larger than limits.max_connections");
	if (s->worker_queue_per_ip > s->worker_queue)
		return refuse(err, "limits.worker_queue_per_ip", "larger than limits.worker_queue");
	return BW_OK;
}

static enum bw_err check_lists(const struct bw_settings *s, bool dev, struct bw_settings_error *err)
{
	for (size_t i = 0; i < s->n_trusted_proxies; i++) {
		struct bw_cidr c;

		if (bw_cidr_parse(bw_str_c(s->trusted_proxies[i]), &c) != BW_OK)
			return refuse(err, "server.trusted_proxies",
			              "an entry is not a valid CIDR");
		if (c.prefix == 0 && !dev)
			return refuse(err, "server.trusted_proxies",
			              "a /0 entry would trust forwarding headers from everyone");
	}
	for (size_t i = 0; i < s->n_cors_origins; i++) {
		bool https = false, loopback = false;

		if (strchr(s->cors_origins[i], '*') != NULL)
			return refuse(err, "cors.allowed_origins", "wildcards are not allowed");
		if (!origin_ok(s->cors_origins[i], &https, &loopback))
			return refuse(err, "cors.allowed_origins",
			              "an entry is not an exact origin (scheme://host[:port])");
		if (!https && !(dev && loopback))
			return refuse(
			        err, "cors.allowed_origins",
			        "origins must be https (http only for loopback in development)");
	}
	if (has_star(s->allowed_hosts, s->n_allowed_hosts))
		return refuse(err, "server.allowed_hosts", "wildcards are not allowed");
	for (size_t i = 0; i < s->n_allowed_hosts; i++) {
		struct authority a;

		if (!authority_ok(s->allowed_hosts[i], strlen(s->allowed_hosts[i]), &a))
			return refuse(err, "server.allowed_hosts",
			              "an entry is not host or host:port (lower case)");
	}
	return BW_OK;
}

static enum bw_err derive_hosts(struct bw_settings *s, const struct bw_listen *l,
                                struct bw_settings_error *err)
{
	const char *o = s->public_origin;
	bool https = strncmp(o, "https://", 8) == 0;
	const char *auth = o + (https ? 8 : 7);
	struct authority a;
	char host[300];
	enum bw_err rc;

	if (s->n_allowed_hosts > 0)
		return BW_OK; /* configured explicitly: exactly that list */
	rc = add_host_port(s, l->host, strchr(l->host, ':') != NULL, l->port, l->tls ? 443 : 80);
	if (rc == BW_OK)
		rc = add_host_port(s, "localhost", false, l->port, l->tls ? 443 : 80);
	if (rc == BW_OK && authority_ok(auth, strlen(auth), &a) && a.host_len < sizeof(host)) {
		memcpy(host, auth, a.host_len);
		host[a.host_len] = '\0';
		rc = add_host_port(s, host, false, (unsigned)a.port, 0);
	}
	if (rc != BW_OK)
		return refuse(err, "server.allowed_hosts", "cannot derive the default list");
	return BW_OK;
}

enum bw_err bw_settings_finish(struct bw_settings *s, struct bw_settings_error *err)
{
	struct bw_listen l;
	enum bw_log_level level;
	enum bw_config_secret_kind kind;
	bool dev, https = false, loopback = false;
	enum bw_err rc;

	BW_REQUIRE(s != NULL);
	if (s->mode != BW_MODE_PRODUCTION && s->mode != BW_MODE_DEVELOPMENT)
		return refuse(err, "server.mode", "not production or development");
	dev = s->mode == BW_MODE_DEVELOPMENT;
	if (bw_log_level_parse(bw_str_c(s->log_level), &level) != BW_OK)
		return refuse(err, "log.level", "unknown log level (debug, info, warn, error)");
	rc = check_limits(s, err);
	if (rc != BW_OK)
		return rc;

	if (bw_listen_parse(s->listen, &l) != BW_OK)
		return refuse(
		        err, "server.listen",
		        "not https://HOST:PORT or http://HOST:PORT (IP literal or localhost)");
	if (!l.tls && !l.loopback && !s->behind_tls_proxy && !dev)
		return refuse(err, "server.listen",
		              "plain HTTP on a non-loopback address needs "
		              "server.behind_tls_proxy = true");

	if (s->public_origin[0] == '\0') {
		bool v6 = strchr(l.host, ':') != NULL;
		unsigned def = l.tls ? 443 : 80;
		int n;

		if (s->behind_tls_proxy && !l.tls && !dev)
			return refuse(
			        err, "server.public_origin",
			        "required behind a TLS proxy (the https:// origin users see)");
		if (l.port == 0 || l.port == def)
			n = snprintf(s->public_origin, sizeof(s->public_origin),
			             v6 ? "%s://[%s]" : "%s://%s", l.tls ? "https" : "http",
			             l.host);
		else
			n = snprintf(s->public_origin, sizeof(s->public_origin),
			             v6 ? "%s://[%s]:%u" : "%s://%s:%u", l.tls ? "https" : "http",
			             l.host, (unsigned)l.port);
		if (n < 0 || (size_t)n >= sizeof(s->public_origin))
			return refuse(err, "server.public_origin", "too long");
	}
	if (!origin_ok(s->public_origin, &https, &loopback))
		return refuse(err, "server.public_origin",
		              "not an exact origin (scheme://host[:port], no path)");
	if (!https && !loopback && !dev)
		return refuse(err, "server.public_origin",
		              "must be https:// unless loopback (or development mode)");

	rc = check_lists(s, dev, err);
	if (rc != BW_OK)
		return rc;
	rc = derive_hosts(s, &l, err);
	if (rc != BW_OK)
		return rc;

	if (s->data_dir[0] == '\0')
		return refuse(err, "server.data_dir", "must not be empty");
	if (derive_path(s->cert_file, sizeof(s->cert_file), s->data_dir, "/tls/cert.pem") != BW_OK)
		return refuse(err, "tls.cert_file", "derived path too long");
	if (derive_path(s->key_file, sizeof(s->key_file), s->data_dir, "/tls/key.pem") != BW_OK)
		return refuse(err, "tls.key_file", "derived path too long");

	if (s->database[0] == '\0') {
		int n = snprintf(s->database, sizeof(s->database), "sqlite:%s/bulwark.db",
		                 s->data_dir);

		if (n < 0 || (size_t)n >= sizeof(s->database))
			return refuse(err, "database.url", "derived path too long");
	}
	if (!(strncmp(s->database, "sqlite:", 7) == 0 && s->database[7] != '\0') &&
	    !(strncmp(s->database, "postgresql://", 13) == 0 && s->database[13] != '\0'))
		return refuse(err, "database.url", "not sqlite:PATH or postgresql://...");
	if (s->shared_state[0] != '\0' &&
	    !(strncmp(s->shared_state, "redis://", 8) == 0 && s->shared_state[8] != '\0'))
		return refuse(err, "shared_state.url", "not empty or redis://...");

	if (s->master_key[0] == '\0') {
		int n = snprintf(s->master_key, sizeof(s->master_key), "file:%s/master.key",
		                 s->data_dir);

		if (n < 0 || (size_t)n >= sizeof(s->master_key)) {
			s->master_key[0] = '\0';
			return refuse(err, "keys.master", "derived path too long");
		}
	}
	kind = bw_config_secret_kind(s->master_key);
	if (kind == BW_CONFIG_SECRET_BAD)
		return refuse(err, "keys.master",
		              "malformed secret reference (file:PATH, env:NAME, credential:NAME)");
	if (kind == BW_CONFIG_SECRET_LITERAL && !dev)
		return refuse(err, "keys.master",
		              "a literal secret is refused in production: use file:, env: or "
		              "credential:");
	return BW_OK;
}

unsigned bw_settings_warnings(const struct bw_settings *s)
{
	struct bw_listen l;
	unsigned w = 0;

	BW_REQUIRE(s != NULL);
	if (s->mode != BW_MODE_DEVELOPMENT)
		return 0;
	w |= BW_SETTINGS_WARN_DEVELOPMENT;
	if (bw_config_secret_kind(s->master_key) == BW_CONFIG_SECRET_LITERAL)
		w |= BW_SETTINGS_WARN_LITERAL_SECRET;
	if (bw_listen_parse(s->listen, &l) == BW_OK && !l.tls && !l.loopback &&
	    !s->behind_tls_proxy)
		w |= BW_SETTINGS_WARN_PLAIN_HTTP;
	return w;
}
