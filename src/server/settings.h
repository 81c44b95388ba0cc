/*
 * settings.h — the server's configuration: every key of docs/config.md as a
 * typed field, with its default, loaded from the INI file, then BULWARK_*
 * environment variables, then command-line flags (each layer overrides the
 * one before). Loading refuses unknown keys, bad values and insecure
 * production settings, naming the key.
 */
#ifndef BULWARK_SETTINGS_H
#define BULWARK_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/err.h"

#define BW_SETTINGS_LIST_MAX 32 /* most entries in a list-valued key */

enum bw_mode { BW_MODE_PRODUCTION = 0, BW_MODE_DEVELOPMENT };

struct bw_settings {
	enum bw_mode mode; /* server.mode: production | development (--dev) */

	/* [server] */
	char listen[256];        /* server.listen: https://127.0.0.1:8443 | http://HOST:PORT */
	char public_origin[256]; /* server.public_origin: default derived from listen */
	char data_dir[1024];     /* server.data_dir: ./data */
	char *allowed_hosts[BW_SETTINGS_LIST_MAX]; /* server.allowed_hosts; default: from listen
	                                              and public_origin, plus localhost */
	size_t n_allowed_hosts;
	char *trusted_proxies[BW_SETTINGS_LIST_MAX]; /* server.trusted_proxies: CIDRs; empty */
	size_t n_trusted_proxies;
	unsigned threads;      /* server.threads: MHD event threads (2) */
	bool behind_tls_proxy; /* server.behind_tls_proxy: plain HTTP, HTTPS outside (false) */

	/* [tls] */
	char cert_file[1024]; /* tls.cert_file: default <data_dir>/tls/cert.pem, made if absent */
	char key_file[1024];  /* tls.key_file: default <data_dir>/tls/key.pem (0600) */

	/* [limits] */
	unsigned max_url_length;      /* limits.max_url_length: 4096 */
	unsigned max_header_count;    /* limits.max_header_count: 64 */
	unsigned max_header_bytes;    /* limits.max_header_bytes: 16384 (whole head) */
	size_t max_body_json;         /* limits.max_body_json: 65536 */
	unsigned header_timeout_ms;   /* limits.header_timeout: 10000 (absolute head deadline) */
	unsigned idle_timeout_s;      /* limits.idle_timeout: 30 */
	unsigned max_connections;     /* limits.max_connections: 512 */
	unsigned per_ip_connections;  /* limits.per_ip_connections: 32 */
	unsigned workers;             /* limits.workers: slow-work threads (1) */
	unsigned worker_queue;        /* limits.worker_queue: 64 */
	unsigned worker_queue_per_ip; /* limits.worker_queue_per_ip: 4 */

	/* [ratelimit] */
	unsigned rl_ip_rate;   /* ratelimit.ip_rate: requests per ratelimit.ip_period (600) */
	unsigned rl_ip_period; /* ratelimit.ip_period: seconds (60) */
	unsigned rl_ip_burst;  /* ratelimit.ip_burst: (100) */
	size_t rl_max_keys;    /* ratelimit.max_keys: (1000000) */

	/* [cors] */
	char *cors_origins[BW_SETTINGS_LIST_MAX]; /* cors.allowed_origins: exact origins; empty */
	size_t n_cors_origins;
	unsigned cors_max_age; /* cors.max_age: seconds (600) */

	/* [headers] */
	char csp_report_only[1024]; /* headers.csp_report_only: extra policy, empty = off */
	bool csp_reporting;         /* headers.csp_reporting: report-uri /v1/csp-reports (true) */
	bool hsts_preload;          /* headers.hsts_preload: add "; preload" (false) */

	/* [log] */
	char log_level[16]; /* log.level: debug | info | warn | error (info) */

	/* [database], [shared_state] — used by later issues; validated now */
	char database[1024];     /* database.url: sqlite:<data_dir>/bulwark.db | postgresql://… */
	char shared_state[1024]; /* shared_state.url: empty | redis://… */

	/* [auth] */
	unsigned session_idle_s;     /* auth.session_idle: idle timeout (30m) */
	unsigned session_lifetime_s; /* auth.session_lifetime: absolute lifetime (12h) */
	unsigned session_max;        /* auth.session_max: sessions per user, oldest evicted (10) */
	unsigned reauth_window_s; /* auth.reauth_window: sensitive actions need a proof this recent
	                             (5m) */
	unsigned argon2_t;        /* auth.argon2_t: Argon2id passes (2) */
	unsigned argon2_m_kib;    /* auth.argon2_m: Argon2id memory in KiB (19456) */

	/* [oauth] — the authorization server (oauth_*.c, docs/oauth.md) */
	char *oauth_api_scopes[BW_SETTINGS_LIST_MAX]; /* oauth.api_scopes: API scopes clients may
	                                                 be granted, e.g. notes:read (empty) */
	size_t n_oauth_api_scopes;
	unsigned oauth_code_ttl_s;         /* oauth.code_ttl: authorization code lifetime (10m) */
	unsigned oauth_refresh_grace_s;    /* oauth.refresh_grace: retry window of a used refresh
	                                      token, same client only (10s; 0 = none) */
	unsigned oauth_refresh_idle_s;     /* oauth.refresh_idle: a refresh token unused this long
	                                      expires (14d) */
	unsigned oauth_refresh_lifetime_s; /* oauth.refresh_lifetime: a refresh family ends this
	                                      long after the code exchange (30d) */
	/* [mail] — empty smtp_url: every message goes to <data_dir>/outbox/ */
	char smtp_url[512]; /* mail.smtp_url: smtp://HOST[:PORT] (STARTTLS required) | smtps://… */
	char mail_from[256]; /* mail.from: envelope and From address (required with smtp_url) */
	char smtp_user[256]; /* mail.smtp_user: relay login, "" for none */
	char smtp_password[1024]; /* mail.smtp_password: secret reference, with smtp_user */
	char smtp_ca_file[1024]; /* mail.ca_file: extra CA bundle for the relay, "" for the system's
	                          */

	/* [oauth] — the tokens it signs (signing.h) */
	unsigned oauth_access_token_ttl_s; /* oauth.access_token_ttl: access-token lifetime (10m) */
	unsigned oauth_id_token_ttl_s;     /* oauth.id_token_ttl: id_token lifetime (1h) */
	char oauth_audience[256];   /* oauth.audience: access-token aud; default public_origin */
	unsigned oauth_token_cache; /* oauth.token_cache: verified tokens kept (10000; 0 = off) */
	unsigned mail_queue;        /* mail.queue: messages waiting for delivery (1024) */
	/* [keys] */
	char master_key[1024]; /* keys.master: file:PATH | env:NAME | credential:NAME
	                          default file:<data_dir>/master.key (made on first start) */
};

/** Where a key's value came from, for messages. */
struct bw_settings_error {
	char key[128];     /* "limits.max_body_json", or "" when not about one key */
	char message[256]; /* what is wrong, never the secret value itself */
};

/** bw_settings_defaults - fill s with every default (no I/O). */
void bw_settings_defaults(struct bw_settings *s);

/**
 * bw_settings_load - apply the INI file at path (NULL: none), then the
 * BULWARK_* variables of envp (NULL-terminated "KEY=VALUE" strings), over
 * what s holds. On failure fills *err and returns BW_ERR_CONFIG.
 */
BW_MUST_CHECK enum bw_err bw_settings_load(struct bw_settings *s, const char *path,
                                           char *const *envp, struct bw_settings_error *err);

/**
 * bw_settings_set - set one key from text (used for command-line flags, e.g.
 * "server.listen"), with the same checks as the file.
 */
BW_MUST_CHECK enum bw_err bw_settings_set(struct bw_settings *s, const char *key, const char *value,
                                          struct bw_settings_error *err);

/**
 * bw_settings_finish - derive the defaults that depend on other keys
 * (public_origin, allowed_hosts, cert/key paths, database), then check the
 * production rules (no plain HTTP on a non-loopback address unless
 * behind_tls_proxy, no literal secrets, …). BW_ERR_CONFIG naming the key.
 */
BW_MUST_CHECK enum bw_err bw_settings_finish(struct bw_settings *s, struct bw_settings_error *err);

/** bw_settings_free - release the lists and wipe keys.master. */
void bw_settings_free(struct bw_settings *s);

/* What bw_settings_warnings reports: relaxations development mode allowed. */
#define BW_SETTINGS_WARN_DEVELOPMENT    0x1u /* mode = development */
#define BW_SETTINGS_WARN_LITERAL_SECRET 0x2u /* keys.master holds the secret itself */
#define BW_SETTINGS_WARN_PLAIN_HTTP     0x4u /* http:// on a non-loopback address, no proxy */

/**
 * bw_settings_warnings - the BW_SETTINGS_WARN_* bits of s (after a
 * successful bw_settings_finish), for the loud start-up warning.
 */
unsigned bw_settings_warnings(const struct bw_settings *s);

struct bw_config_schema;

/** bw_settings_schema - every key with its type and doc line (static). */
const struct bw_config_schema *bw_settings_schema(void);

#endif
