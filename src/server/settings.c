/*
 * settings.c — the server's configuration (settings.h) on top of the
 * library's strict INI parser: the schema of every key, the defaults, the
 * file < environment < flags layering, and bw_settings_finish, which derives
 * what depends on other keys and refuses insecure production settings,
 * naming the key. docs/config.md is the reference for every rule here.
 */
#include "settings.h"
#include "settings_http.h"

#include <stdio.h>
#include <string.h>

#include "bulwark/config.h"
#include "bulwark/email.h"
#include "bulwark/log.h"
#include "bulwark/netaddr.h"
#include "bulwark/secret.h"
#include "listen.h"
#include "mail.h"
#include "smtp.h"
#include "oauth_scope.h"

#define S struct bw_settings

static const char *const modes[] = {"production", "development", NULL};

/*
 * One line per key: its type, name, member of struct bw_settings, bounds in
 * stored units (DURATION: unit_ms 1 stores milliseconds, 1000 seconds) and
 * doc line. Limits on the counts: generous, but a typo of three extra digits
 * is refused.
 */
#define KEY(t, n, m, d)                                                        \
	{                                                                      \
		.name = n, .type = BW_CONFIG_##t, BW_CONFIG_AT(S, m), .doc = d \
	}
#define ENUM_KEY(n, m, names, d)                                                                  \
	{                                                                                         \
		.name = n, .type = BW_CONFIG_ENUM, BW_CONFIG_AT(S, m), .choices = names, .doc = d \
	}
#define LIST_KEY(n, m, d)                                              \
	{                                                              \
		.name = n, .type = BW_CONFIG_LIST, BW_CONFIG_AT(S, m), \
		.count_offset = offsetof(S, n_##m), .doc = d           \
	}
#define NUMBER_KEY(t, n, m, lo, hi, d)                                                      \
	{                                                                                   \
		.name = n, .type = BW_CONFIG_##t, BW_CONFIG_AT(S, m), .min = lo, .max = hi, \
		.doc = d                                                                    \
	}
#define DURATION_KEY(n, m, unit, lo, hi, d)                                                 \
	{                                                                                   \
		.name = n, .type = BW_CONFIG_DURATION, BW_CONFIG_AT(S, m), .unit_ms = unit, \
		.min = lo, .max = hi, .doc = d                                              \
	}

static const struct bw_config_key keys[] = {
        ENUM_KEY("server.mode", mode, modes, "production (default) or development (--dev)"),
        KEY(STRING, "server.listen", listen, "https://HOST:PORT or http://HOST:PORT to bind"),
        KEY(STRING, "server.public_origin", public_origin,
            "origin links and the issuer are built from"),
        KEY(STRING, "server.data_dir", data_dir, "keys, certificate and SQLite database"),
        LIST_KEY("server.allowed_hosts", allowed_hosts, "Host header values accepted"),
        LIST_KEY("server.trusted_proxies", trusted_proxies,
                 "CIDRs whose X-Forwarded-For is believed"),
        NUMBER_KEY(UINT, "server.threads", threads, 1, 256, "HTTP event threads"),
        KEY(BOOL, "server.behind_tls_proxy", behind_tls_proxy, "plain HTTP here, HTTPS at a proxy"),
        KEY(STRING, "tls.cert_file", cert_file, "PEM certificate chain"),
        KEY(STRING, "tls.key_file", key_file, "PEM private key (0600)"),
        NUMBER_KEY(SIZE, "limits.max_url_length", max_url_length, 1, 1u << 20,
                   "longest request target"),
        NUMBER_KEY(UINT, "limits.max_header_count", max_header_count, 1, 10000,
                   "most request header fields"),
        NUMBER_KEY(SIZE, "limits.max_header_bytes", max_header_bytes, 1, 1u << 24,
                   "largest request head"),
        NUMBER_KEY(SIZE, "limits.max_body_json", max_body_json, 1, 1u << 30, "largest JSON body"),
        DURATION_KEY("limits.header_timeout", header_timeout_ms, 1, 1, 3600000,
                     "absolute deadline for the request head"),
        DURATION_KEY("limits.idle_timeout", idle_timeout_s, 1000, 1, 86400,
                     "idle connection timeout"),
        NUMBER_KEY(UINT, "limits.max_connections", max_connections, 1, 1000000,
                   "most open connections"),
        NUMBER_KEY(UINT, "limits.per_ip_connections", per_ip_connections, 1, 1000000,
                   "most open connections per client address"),
        NUMBER_KEY(UINT, "limits.workers", workers, 1, 256, "slow-work (Argon2, outbound) threads"),
        NUMBER_KEY(UINT, "limits.worker_queue", worker_queue, 1, 1000000, "slow-work queue length"),
        NUMBER_KEY(UINT, "limits.worker_queue_per_ip", worker_queue_per_ip, 1, 1000000,
                   "queued slow jobs per client address"),
        NUMBER_KEY(UINT, "ratelimit.ip_rate", rl_ip_rate, 1, 100000000,
                   "requests per ratelimit.ip_period per address"),
        DURATION_KEY("ratelimit.ip_period", rl_ip_period, 1000, 1, 86400, "rate-limit window"),
        NUMBER_KEY(UINT, "ratelimit.ip_burst", rl_ip_burst, 1, 100000000,
                   "requests allowed at once"),
        NUMBER_KEY(UINT, "ratelimit.max_keys", rl_max_keys, 1, 1000000000, "most tracked clients"),
        LIST_KEY("cors.allowed_origins", cors_origins, "exact origins allowed"),
        DURATION_KEY("cors.max_age", cors_max_age, 1000, 0, 86400, "preflight cache time"),
        KEY(STRING, "headers.csp_report_only", csp_report_only, "extra Report-Only policy"),
        KEY(BOOL, "headers.csp_reporting", csp_reporting, "report-uri /v1/csp-reports"),
        KEY(BOOL, "headers.hsts_preload", hsts_preload, "add preload to HSTS"),
        KEY(STRING, "log.level", log_level, "debug, info, warn or error"),
        KEY(STRING, "database.url", database, "sqlite:PATH or postgresql://..."),
        KEY(STRING, "shared_state.url", shared_state, "empty or redis://..."),
        DURATION_KEY("auth.session_idle", session_idle_s, 1000, 1, 86400, "session idle timeout"),
        DURATION_KEY("auth.session_lifetime", session_lifetime_s, 1000, 1, 2592000,
                     "session absolute lifetime"),
        NUMBER_KEY(UINT, "auth.session_max", session_max, 1, 1000, "sessions per user"),
        DURATION_KEY("auth.reauth_window", reauth_window_s, 1000, 1, 86400,
                     "how recent a proof sensitive actions need"),
        NUMBER_KEY(UINT, "auth.argon2_t", argon2_t, 1, 16, "Argon2id passes"),
        NUMBER_KEY(UINT, "auth.argon2_m", argon2_m_kib, 8, 1048576, "Argon2id memory in KiB"),
        LIST_KEY("oauth.api_scopes", oauth_api_scopes, "API scopes clients may be granted"),
        DURATION_KEY("oauth.code_ttl", oauth_code_ttl_s, 1000, 1, 600,
                     "authorization code lifetime"),
        DURATION_KEY("oauth.refresh_grace", oauth_refresh_grace_s, 1000, 0, 60,
                     "retry window of a used refresh token"),
        DURATION_KEY("oauth.refresh_idle", oauth_refresh_idle_s, 1000, 60, 31536000,
                     "refresh token idle lifetime"),
        DURATION_KEY("oauth.refresh_lifetime", oauth_refresh_lifetime_s, 1000, 60, 31536000,
                     "refresh family absolute lifetime"),
        DURATION_KEY("oauth.access_token_ttl", oauth_access_token_ttl_s, 1000, 60, 86400,
                     "access-token lifetime"),
        DURATION_KEY("oauth.id_token_ttl", oauth_id_token_ttl_s, 1000, 60, 86400,
                     "id_token lifetime"),
        KEY(STRING, "oauth.audience", oauth_audience, "access-token aud; empty: the public origin"),
        NUMBER_KEY(UINT, "oauth.token_cache", oauth_token_cache, 0, 10000000,
                   "verified access tokens kept in memory (0: off)"),
        KEY(SECRET, "keys.master", master_key, "file:PATH, env:NAME or credential:NAME"),
        KEY(STRING, "mail.smtp_url", smtp_url, "empty (outbox) or smtp://HOST:PORT, smtps://..."),
        KEY(STRING, "mail.from", mail_from, "sender address of outgoing mail"),
        KEY(STRING, "mail.smtp_user", smtp_user, "relay login, empty for none"),
        KEY(SECRET, "mail.smtp_password", smtp_password, "relay password reference"),
        KEY(STRING, "mail.ca_file", smtp_ca_file, "extra CA bundle for the relay"),
        NUMBER_KEY(UINT, "mail.queue", mail_queue, 1, 100000, "messages waiting for delivery"),
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
	bw_settings_http_defaults(s); /* limits, rate limits, CORS, CSP: one source */
	snprintf(s->log_level, sizeof(s->log_level), "%s", "info");
	s->session_idle_s = 1800;
	s->session_lifetime_s = 43200;
	s->session_max = 10;
	s->reauth_window_s = 300;
	s->argon2_t = 2;
	s->argon2_m_kib = 19456;
	s->oauth_code_ttl_s = 600;
	s->oauth_refresh_grace_s = 10;
	s->oauth_refresh_idle_s = 14u * 86400u;
	s->oauth_refresh_lifetime_s = 30u * 86400u;
	s->oauth_access_token_ttl_s = 600;
	s->oauth_id_token_ttl_s = 3600;
	s->oauth_token_cache = 10000;
	s->mail_queue = BW_MAIL_QUEUE_DEFAULT;
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
	bw_wipe(s->smtp_password, sizeof(s->smtp_password));
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

/*
 * prefix + host (bracketed when v6) + ":port" unless the port is 0 or the
 * default, into out: a Host value (prefix "") or an origin ("https://").
 */
static enum bw_err format_authority(char *out, size_t size, const char *prefix, const char *host,
                                    bool v6, unsigned port, unsigned default_port)
{
	char p[12] = ""; /* ":" and up to 10 digits */
	int n;

	if (port != 0 && port != default_port)
		snprintf(p, sizeof(p), ":%u", port);
	n = snprintf(out, size, v6 ? "%s[%s]%s" : "%s%s%s", prefix, host, p);
	if (n < 0 || (size_t)n >= size) {
		out[0] = '\0';
		return BW_ERR_LIMIT;
	}
	return BW_OK;
}

/* The Host value of a listen address or an origin: host, plus the port if any. */
static enum bw_err add_host_port(struct bw_settings *s, const char *host, bool v6, unsigned port,
                                 unsigned default_port)
{
	char h[300];
	enum bw_err rc = format_authority(h, sizeof(h), "", host, v6, port, default_port);

	return rc == BW_OK ? add_host(s, h) : rc;
}

/* ---- finish ------------------------------------------------------------ */

/* The keys whose default is a place in server.data_dir: prefix + data_dir + tail. */
static const struct {
	const char *key;
	size_t offset, size;
	const char *prefix, *tail;
} in_data_dir[] = {
        {"tls.cert_file", BW_CONFIG_AT(S, cert_file), "", "/tls/cert.pem"},
        {"tls.key_file", BW_CONFIG_AT(S, key_file), "", "/tls/key.pem"},
        {"database.url", BW_CONFIG_AT(S, database), "sqlite:", "/bulwark.db"},
        {"keys.master", BW_CONFIG_AT(S, master_key), "file:", "/master.key"},
};

/* Fill each of those keys left empty; refuse one whose path does not fit. */
static enum bw_err derive_paths(struct bw_settings *s, struct bw_settings_error *err)
{
	for (size_t i = 0; i < sizeof(in_data_dir) / sizeof(in_data_dir[0]); i++) {
		char *field = (char *)s + in_data_dir[i].offset;
		size_t size = in_data_dir[i].size;
		int n;

		if (field[0] != '\0')
			continue;
		n = snprintf(field, size, "%s%s%s", in_data_dir[i].prefix, s->data_dir,
		             in_data_dir[i].tail);
		if (n < 0 || (size_t)n >= size) {
			field[0] = '\0';
			return refuse(err, in_data_dir[i].key, "derived path too long");
		}
	}
	return BW_OK;
}

/* s is prefix followed by at least one byte. */
static bool has_scheme(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(s, prefix, n) == 0 && s[n] != '\0';
}

/*
 * Every number within its key's bounds (the schema's: a limit of 0 is out of
 * them), also when code rather than the parser set it; then the limits that
 * depend on each other.
 */
static enum bw_err check_limits(const struct bw_settings *s, struct bw_settings_error *err)
{
	struct bw_config_error ce;

	memset(&ce, 0, sizeof(ce));
	if (bw_config_check(&schema, s, &ce) != BW_OK)
		return from_config(err, &ce);
	if (s->per_ip_connections > s->max_connections)
		return refuse(err, "limits.per_ip_connections",
		              "larger than limits.max_connections");
	if (s->worker_queue_per_ip > s->worker_queue)
		return refuse(err, "limits.worker_queue_per_ip", "larger than limits.worker_queue");
	if (s->session_idle_s > s->session_lifetime_s)
		return refuse(err, "auth.session_idle", "longer than auth.session_lifetime");
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

/* oauth.*: API scopes are scope-tokens of their own (not a builtin scope, no
 * repeats); a refresh family outlives each of its tokens' idle periods. */
static enum bw_err check_oauth(const struct bw_settings *s, struct bw_settings_error *err)
{
	for (size_t i = 0; i < s->n_oauth_api_scopes; i++) {
		struct bw_str name = bw_str_c(s->oauth_api_scopes[i]);

		if (!bw_scope_token_ok(name))
			return refuse(err, "oauth.api_scopes",
			              "not a scope name (1-64 printable ASCII, no space, quote or "
			              "backslash)");
		if (bw_scope_known(name, NULL, 0))
			return refuse(err, "oauth.api_scopes", "names a built-in scope");
		if (bw_scope_known(name, s->oauth_api_scopes, i))
			return refuse(err, "oauth.api_scopes", "lists a scope twice");
	}
	if (s->oauth_refresh_idle_s > s->oauth_refresh_lifetime_s)
		return refuse(err, "oauth.refresh_idle", "longer than oauth.refresh_lifetime");
	return BW_OK;
}

/* A secret reference: well formed, and not a literal outside development. */
static enum bw_err check_secret_ref(const char *ref, const char *key, bool dev,
                                    struct bw_settings_error *err)
{
	enum bw_config_secret_kind kind = bw_config_secret_kind(ref);

	if (kind == BW_CONFIG_SECRET_BAD)
		return refuse(err, key,
		              "malformed secret reference (file:PATH, env:NAME, credential:NAME)");
	if (kind == BW_CONFIG_SECRET_LITERAL && !dev)
		return refuse(err, key,
		              "a literal secret is refused in production: use file:, env: or "
		              "credential:");
	return BW_OK;
}

/* [mail]: a relay URL we can use, a canonical sender, login and password together. */
static enum bw_err check_mail(const struct bw_settings *s, struct bw_settings_error *err)
{
	if (s->smtp_url[0] != '\0' && !bw_smtp_url_ok(s->smtp_url))
		return refuse(err, "mail.smtp_url",
		              "not smtp://HOST[:PORT] (STARTTLS required) or smtps://HOST[:PORT]");
	if (s->mail_from[0] != '\0' && !bw_email_is_canon(s->mail_from))
		return refuse(err, "mail.from",
		              "not a plain address in canonical (lower-case) form");
	if (s->smtp_url[0] != '\0' && s->mail_from[0] == '\0')
		return refuse(err, "mail.from", "required with mail.smtp_url");
	if ((s->smtp_user[0] != '\0') != (s->smtp_password[0] != '\0'))
		return refuse(err, "mail.smtp_user",
		              "mail.smtp_user and mail.smtp_password go together");
	return BW_OK;
}

enum bw_err bw_settings_finish(struct bw_settings *s, struct bw_settings_error *err)
{
	struct bw_listen l;
	enum bw_log_level level;
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
		if (s->behind_tls_proxy && !l.tls && !dev)
			return refuse(
			        err, "server.public_origin",
			        "required behind a TLS proxy (the https:// origin users see)");
		if (format_authority(s->public_origin, sizeof(s->public_origin),
		                     l.tls ? "https://" : "http://", l.host,
		                     strchr(l.host, ':') != NULL, (unsigned)l.port,
		                     l.tls ? 443 : 80) != BW_OK)
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

	rc = check_oauth(s, err);
	if (rc != BW_OK)
		return rc;

	if (s->data_dir[0] == '\0')
		return refuse(err, "server.data_dir", "must not be empty");
	rc = derive_paths(s, err);
	if (rc != BW_OK)
		return rc;
	if (!has_scheme(s->database, "sqlite:") && !has_scheme(s->database, "postgresql://"))
		return refuse(err, "database.url", "not sqlite:PATH or postgresql://...");
	if (s->shared_state[0] != '\0' && !has_scheme(s->shared_state, "redis://"))
		return refuse(err, "shared_state.url", "not empty or redis://...");
	if (s->oauth_audience[0] == '\0')
		snprintf(s->oauth_audience, sizeof(s->oauth_audience), "%s", s->public_origin);
	else if (strlen(s->oauth_audience) > 255 || strpbrk(s->oauth_audience, " \t\r\n") != NULL)
		return refuse(err, "oauth.audience", "must be one URI without spaces");
	rc = check_secret_ref(s->master_key, "keys.master", dev, err);
	if (rc == BW_OK && s->smtp_password[0] != '\0')
		rc = check_secret_ref(s->smtp_password, "mail.smtp_password", dev, err);
	if (rc != BW_OK)
		return rc;
	return check_mail(s, err);
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
