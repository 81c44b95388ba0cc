/*
 * serve.c — `bulwark serve`: load the configuration (file, then BULWARK_*
 * environment, then flags), prepare the data directory (0700), the master
 * key (0600) and the TLS certificate on first start, harden the process,
 * serve until SIGTERM/SIGINT, then drain.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "authn.h"
#include "bulwark/bulwark.h"
#include "bulwark/fsutil.h"
#include "bulwark/keys.h"
#include "bulwark/tls.h"
#include "apikeys.h"
#include "listen.h"
#include "pages.h"
#include "mfa.h" /* accounts: the second factor */
#include "oauth_clients.h"
#include "mail.h"
#include "sessions.h" /* accounts */
#include "signing.h"  /* tokens */
#include "settings_http.h"

extern char **environ;

#define DRAIN_DEADLINE_MS 10000u
#define PEM_MAX           (64u * 1024u)

static void usage(FILE *f)
{
	fputs("usage: bulwark serve [--config FILE] [--listen URL] [--data-dir DIR]\n"
	      "                     [--database URL] [--shared-state URL] [--dev]\n"
	      "\n"
	      "  --config FILE        INI configuration (see docs/config.md)\n"
	      "  --listen URL         https://127.0.0.1:8443 (default) or http://HOST:PORT\n"
	      "  --data-dir DIR       keys, certificate and database (default ./data)\n"
	      "  --database URL       sqlite:PATH or postgresql://...\n"
	      "  --shared-state URL   redis://... (rate limits across instances)\n"
	      "  --dev                development mode: relaxes production rules, loudly\n",
	      f);
}

/* Keep secrets out of core dumps and away from ptrace by other users. */
static void harden_process(void)
{
	struct rlimit no_core = {0, 0};

	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)setrlimit(RLIMIT_CORE, &no_core);
	umask(077);
}

static void fail(struct bw_log *log, const char *event, const char *key, const char *message)
{
	if (log != NULL)
		BW_LOG(log, BW_LOG_ERROR, NULL, event, BW_LOG_F_CSTR("key", key),
		       BW_LOG_F_CSTR("message", message));
	else
		fprintf(stderr, "bulwark: %s%s%s\n", key && *key ? key : "",
		        key && *key ? ": " : "", message);
}

/* Flags map onto settings keys, so they pass the same checks as the file. */
static int apply_flags(struct bw_settings *s, int argc, char **argv, const char **config, bool *dev)
{
	static const struct {
		const char *flag;
		const char *key;
	} map[] = {
	        {"--listen", "server.listen"},
	        {"--data-dir", "server.data_dir"},
	        {"--database", "database.url"},
	        {"--shared-state", "shared_state.url"},
	};
	struct bw_settings_error err;

	*config = NULL;
	*dev = false;
	for (int i = 0; i < argc; i++) {
		bool known = false;

		if (strcmp(argv[i], "--dev") == 0) {
			*dev = true;
			continue;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			*config = argv[++i];
			continue;
		}
		for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++) {
			if (strcmp(argv[i], map[k].flag) == 0 && i + 1 < argc) {
				memset(&err, 0, sizeof(err));
				if (bw_settings_set(s, map[k].key, argv[i + 1], &err) != BW_OK) {
					fail(NULL, "config.refused", map[k].flag, err.message);
					return 2;
				}
				i++;
				known = true;
				break;
			}
		}
		if (!known) {
			fprintf(stderr, "bulwark serve: unknown or incomplete argument: %s\n",
			        argv[i]);
			usage(stderr);
			return 2;
		}
	}
	return -1; /* go on */
}

/* Read a PEM file into a NUL-terminated heap string (caller frees, wiped for keys). */
static enum bw_err read_pem(const char *path, bool secret, char **out)
{
	struct bw_buf b;
	enum bw_err rc;

	*out = NULL;
	bw_buf_init(&b, PEM_MAX);
	rc = bw_fs_read_file(path, secret ? BW_FS_SECRET : 0, &b);
	if (rc == BW_OK) {
		*out = strndup(bw_buf_cstr(&b), b.len);
		if (*out == NULL)
			rc = BW_ERR_NOMEM;
	}
	bw_buf_free(&b);
	return rc;
}

/* First start: the directory of a certificate or key file that does not exist yet
 * is made private (0700); an existing directory is left as it is. */
static enum bw_err ensure_parent_dir(const char *path)
{
	char dir[1024];
	const char *slash = strrchr(path, '/');
	bool exists, created;
	size_t n;

	if (slash == NULL || slash == path)
		return BW_OK;
	n = (size_t)(slash - path);
	if (n >= sizeof(dir))
		return BW_ERR_LIMIT;
	memcpy(dir, path, n);
	dir[n] = '\0';
	if (bw_fs_exists(dir, &exists) != BW_OK)
		return BW_ERR_IO;
	return exists ? BW_OK : bw_fs_mkdir_private(dir, &created);
}

/* With no administrator yet, tell the operator the one command that makes one. */
static void say_bootstrap(struct bw_app *app)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	int64_t admins = -1;

	if (bw_db_acquire(app->db, &c) == BW_OK &&
	    bw_db_prepare(c, BW_SQL("SELECT count(*) FROM users WHERE role = 'admin'"), &st) ==
	            BW_OK &&
	    bw_db_step_one(st) == BW_OK && bw_db_col_int64(st, 0, &admins) != BW_OK)
		admins = -1;
	bw_db_finish(st);
	if (c != NULL)
		bw_db_release(c);
	if (admins == 0)
		BW_LOG(app->log, BW_LOG_WARN, NULL, "bootstrap.no_admin",
		       BW_LOG_F_CSTR("run", "bulwark user add --data-dir DIR --email YOU@EXAMPLE "
		                            "--role admin --password-stdin"),
		       BW_LOG_F_CSTR("data_dir", app->settings.data_dir));
}

/* The purpose keys the server's features use, all from the master key. */
static enum bw_err derive_keys(struct bw_app *app)
{
	enum bw_err rc = bw_keys_derive(app->master_key, BW_KEY_SESSION, 1, &app->session_key);

	if (rc == BW_OK)
		rc = bw_keys_derive(app->master_key, BW_KEY_CSRF, 1, &app->csrf_key);
	if (rc == BW_OK)
		rc = bw_keys_derive(app->master_key, BW_KEY_MAILTOKEN, 1, &app->mail_key);
	if (rc == BW_OK) /* tokens: wraps the stored signing keys (signing.h) */
		rc = bw_keys_derive(app->master_key, BW_KEY_SIGNING, 1, &app->signing_key);
	if (rc == BW_OK) /* OAuth: consent handles, codes, refresh tokens (oauth_*.c) */
		rc = bw_keys_derive(app->master_key, BW_KEY_REFRESH, 1, &app->oauth_key);
	if (rc == BW_OK) /* OAuth clients: secret hashes (oauth_clients.c) */
		rc = bw_keys_derive(app->master_key, BW_KEY_CLIENT, 1, &app->client_key);
	if (rc == BW_OK)
		rc = bw_keys_derive(app->master_key, BW_KEY_APIKEY, 1, &app->apikey_key);
	if (rc == BW_OK) /* MFA: TOTP secrets at rest, backup-code and MFA-token hashes */
		rc = bw_keys_derive(app->master_key, BW_KEY_FIELD, 1, &app->field_key);
	if (rc == BW_OK)
		rc = bw_keys_derive(app->master_key, BW_KEY_MFA, 1, &app->mfa_key);
	return rc;
}

static void fill_http_config(const struct bw_settings *s, const struct bw_listen *l,
                             struct bw_http_config *hc)
{
	bw_http_config_defaults(hc);
	hc->listen_addr = l->address;
	hc->port = l->port;
	hc->hsts = l->tls || s->behind_tls_proxy;
	bw_settings_to_http(s, hc);
	hc->csp_report_only = s->csp_report_only[0] ? s->csp_report_only : NULL;
}

/* A NULL-terminated copy of a settings list (the strings stay borrowed). */
static const char **list_of(char *const *items, size_t n)
{
	const char **l = calloc(n + 1, sizeof(*l));

	if (l != NULL)
		for (size_t i = 0; i < n; i++)
			l[i] = items[i];
	return l;
}

int bw_cmd_serve(int argc, char **argv)
{
	struct bw_app app;
	struct bw_settings_error err;
	struct bw_listen listen;
	struct bw_http_config hc;
	const char *config_path;
	const char **hosts = NULL, **origins = NULL, **proxies = NULL;
	char *cert_pem = NULL, *key_pem = NULL;
	struct bw_route *routes = NULL;
	size_t n_routes = 0;
	const char *why = "";
	enum bw_log_level level;
	bool dev, created;
	sigset_t sigs;
	int sig = 0, status = 1, r;
	enum bw_err rc;

	memset(&app, 0, sizeof(app));
	memset(&err, 0, sizeof(err));
	app.started_at = time(NULL);
	harden_process();
	/* signals are taken by sigwait at the end; block them before any thread
	 * starts (the worker pool, the database, the watchdog all inherit the
	 * mask), or a SIGTERM may land on a thread that does not expect it */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (bw_init() != BW_OK) {
		fputs("bulwark: cannot initialise libsodium\n", stderr);
		return 1;
	}
	bw_settings_defaults(&app.settings);
	/* flags first only to find --config and --dev; they are applied again after
	 * the file and the environment, so they win */
	r = apply_flags(&app.settings, argc, argv, &config_path, &dev);
	if (r >= 0)
		goto out_settings;
	if (dev && bw_settings_set(&app.settings, "server.mode", "development", &err) != BW_OK)
		goto config_error;
	if (bw_settings_load(&app.settings, config_path, environ, &err) != BW_OK)
		goto config_error;
	r = apply_flags(&app.settings, argc, argv, &config_path, &dev);
	if (r >= 0)
		goto out_settings;
	if (dev && bw_settings_set(&app.settings, "server.mode", "development", &err) != BW_OK)
		goto config_error;
	if (bw_settings_finish(&app.settings, &err) != BW_OK)
		goto config_error;
	if (bw_listen_parse(app.settings.listen, &listen) != BW_OK) {
		memcpy(err.key, "server.listen", sizeof("server.listen"));
		memcpy(err.message, "not a valid listen URL", sizeof("not a valid listen URL"));
		goto config_error;
	}

	if (bw_log_level_parse(bw_str_c(app.settings.log_level), &level) != BW_OK)
		level = BW_LOG_INFO;
	if (bw_log_new(BW_LOG_STDERR, level, &app.log) != BW_OK) {
		fputs("bulwark: cannot create the logger\n", stderr);
		goto out_settings;
	}
	if (app.settings.mode == BW_MODE_DEVELOPMENT)
		BW_LOG(app.log, BW_LOG_WARN, NULL, "server.development_mode",
		       BW_LOG_F_CSTR("message", "DEVELOPMENT MODE: production safety rules are "
		                                "relaxed; never run this way in production"));

	rc = bw_fs_mkdir_private(app.settings.data_dir, &created);
	if (rc != BW_OK) {
		fail(app.log, "startup.refused", "server.data_dir",
		     "the data directory cannot be created or is not private (0700, ours)");
		goto out_log;
	}
	created = false;
	rc = BW_OK;
	if (strncmp(app.settings.master_key, "file:", 5) == 0)
		rc = bw_master_key_ensure(app.settings.master_key + 5, &created);
	if (rc == BW_OK)
		rc = bw_master_key_load(app.settings.master_key, &app.master_key);
	if (rc != BW_OK) {
		fail(app.log, "startup.refused", "keys.master",
		     "the master key cannot be loaded (missing, unreadable or not 0600)");
		goto out_log;
	}
	if (created)
		BW_LOG(app.log, BW_LOG_INFO, NULL, "keys.master_created",
		       BW_LOG_F_CSTR("ref", app.settings.master_key));

	if (listen.tls) {
		char fp[BW_TLS_FINGERPRINT_SIZE];

		rc = ensure_parent_dir(app.settings.cert_file);
		if (rc == BW_OK)
			rc = ensure_parent_dir(app.settings.key_file);
		if (rc == BW_OK)
			rc = bw_tls_ensure(app.settings.cert_file, app.settings.key_file, &created);
		if (rc == BW_OK)
			rc = read_pem(app.settings.cert_file, false, &cert_pem);
		if (rc == BW_OK)
			rc = read_pem(app.settings.key_file, true, &key_pem);
		if (rc == BW_OK)
			rc = bw_tls_fingerprint(cert_pem, fp);
		if (rc != BW_OK) {
			fail(app.log, "startup.refused", "tls.cert_file",
			     "the TLS certificate or key cannot be made or loaded");
			goto out_tls;
		}
		BW_LOG(app.log, created ? BW_LOG_WARN : BW_LOG_INFO, NULL,
		       created ? "tls.selfsigned_created" : "tls.loaded",
		       BW_LOG_F_CSTR("cert", app.settings.cert_file), BW_LOG_F_CSTR("sha256", fp));
	}

	rc = bw_app_db_open(&app.settings, true, &app.db, &why);
	if (rc != BW_OK) {
		fail(app.log, "startup.refused", "database.url", why);
		goto out_tls;
	}
	BW_LOG(app.log, BW_LOG_INFO, NULL, "database.ready",
	       BW_LOG_F_CSTR("backend",
	                     bw_db_backend(app.db) == BW_DB_SQLITE ? "sqlite" : "postgresql"),
	       BW_LOG_F_UINT("schema_version", bw_app_migrations[bw_app_n_migrations - 1].version));
	say_bootstrap(&app);
	/* purpose keys and the audit log, once the master key and database are in */
	rc = derive_keys(&app);
	if (rc != BW_OK) {
		fail(app.log, "startup.refused", "keys.master",
		     "the purpose keys cannot be derived");
		goto out_tls;
	}
	rc = bw_app_audit_open(&app);
	if (rc != BW_OK) {
		fail(app.log, "startup.refused", "database.url",
		     "the audit log cannot be read from the database");
		goto out_tls;
	}
	bw_app_audit(&app, NULL, "server.start", BW_AUDIT_SUCCESS, 0, NULL, 0);
	/* accounts: the session store (sessions.c) */
	rc = bw_sessions_start(&app);
	if (rc != BW_OK) {
		fail(app.log, "startup.refused", "database.url", "the session store cannot start");
		goto out_tls;
	}
	/* pages: the embedded templates; an error in one stops the start */
	rc = bw_pages_start(&app);
	if (rc != BW_OK)
		goto out_tls;
	/* OAuth clients: the store and its assertion replay table (oauth_clients.c) */
	rc = bw_oauth_clients_start(&app);
	if (rc != BW_OK) {
		fail(app.log, "startup.refused", "database.url",
		     "the OAuth client store cannot start");
		goto out_tls;
	}
	/* outgoing mail: the relay or the outbox, on its own worker (mail.c) */
	rc = bw_mail_start(&app, &why);
	if (rc != BW_OK) {
		fail(app.log, "startup.refused", "mail.smtp_url", why);
		goto out_tls;
	}
	/* apikeys: the API key store (apikeys.c) */
	rc = bw_apikeys_start(&app);
	if (rc != BW_OK) {
		fail(app.log, "startup.refused", "keys.master", "the API key store cannot start");
		goto out_tls;
	}
	/* accounts: the second factor (mfa.c) */
	rc = bw_mfa_start(&app);
	if (rc != BW_OK) {
		fail(app.log, "startup.refused", "database.url", "the MFA store cannot start");
		goto out_tls;
	}
	/* tokens: the signing keys, made on first start (signing.c) */
	rc = bw_signing_start(&app);
	if (rc != BW_OK) {
		fail(app.log, "startup.refused", "keys.master",
		     rc == BW_ERR_VERIFY ? "a stored signing key does not open with this master key"
		                         : "the signing keys cannot be loaded or made");
		goto out_tls;
	}
	rc = bw_app_route_table(&routes, &n_routes);
	if (rc != BW_OK)
		goto out_tls;

	fill_http_config(&app.settings, &listen, &hc);
	hosts = list_of(app.settings.allowed_hosts, app.settings.n_allowed_hosts);
	origins = list_of(app.settings.cors_origins, app.settings.n_cors_origins);
	proxies = list_of(app.settings.trusted_proxies, app.settings.n_trusted_proxies);
	if (hosts == NULL || origins == NULL || proxies == NULL)
		goto out_tls;
	hc.allowed_hosts = hosts;
	hc.cors_origins = origins;
	hc.trusted_proxies = proxies;
	hc.tls_cert_pem = cert_pem;
	hc.tls_key_pem = key_pem;
	hc.tls_priorities = BW_TLS_PRIORITIES;
	hc.rate_classes = bw_app_rate_classes;
	hc.n_rate_classes = bw_app_n_rate_classes;
	hc.log = app.log;
	hc.app = &app;
	hc.auth = bw_authn_http_auth(&app); /* cookies and bearer credentials (authn.c) */
	rc = bw_http_new(&hc, routes, n_routes, &app.http);
	if (rc != BW_OK) {
		fail(app.log, "startup.refused", "", "the HTTP server cannot be configured");
		goto out_tls;
	}

	rc = bw_http_start(app.http);
	if (rc != BW_OK) {
		fail(app.log, "startup.refused", "server.listen",
		     "cannot listen on the address (in use, or not allowed)");
		goto out_http;
	}
	BW_LOG(app.log, BW_LOG_INFO, NULL, "ready", BW_LOG_F_CSTR("listen", app.settings.listen),
	       BW_LOG_F_UINT("port", bw_http_port(app.http)),
	       BW_LOG_F_CSTR("public_origin", app.settings.public_origin),
	       BW_LOG_F_CSTR("version", BULWARK_VERSION));
	do {
		if (sigwait(&sigs, &sig) != 0)
			break;
	} while (sig == SIGPIPE);
	BW_LOG(app.log, BW_LOG_INFO, NULL, "shutdown", BW_LOG_F_INT("signal", sig));
	bw_http_drain(app.http, DRAIN_DEADLINE_MS);
	bw_app_audit(&app, NULL, "server.stop", BW_AUDIT_SUCCESS, 0, NULL, 0);
	status = 0;
out_http:
	bw_http_free(app.http);
out_tls:
	free(hosts);
	free(origins);
	free(proxies);
	free(routes);
	bw_pages_stop(&app);
	bw_mail_stop(&app); /* after the last request: a reset job may still use the database */
	bw_signing_stop(&app);
	bw_app_audit_close(&app);
	bw_db_close(app.db);
	bw_secret_free(app.session_key);
	bw_secret_free(app.csrf_key);
	bw_secret_free(app.mail_key);
	bw_secret_free(app.signing_key);
	bw_secret_free(app.oauth_key);
	bw_secret_free(app.field_key);
	bw_secret_free(app.mfa_key);
	bw_secret_free(app.client_key);
	bw_secret_free(app.apikey_key);
	free(cert_pem);
	if (key_pem != NULL) {
		bw_wipe(key_pem, strlen(key_pem));
		free(key_pem);
	}
	bw_secret_free(app.master_key);
out_log:
	if (status == 0)
		BW_LOG(app.log, BW_LOG_INFO, NULL, "stopped", BW_LOG_F_INT("status", status));
	bw_log_free(app.log);
	bw_settings_free(&app.settings);
	return status;
config_error:
	fail(NULL, "config.refused", err.key, err.message);
	status = 2;
out_settings:
	bw_settings_free(&app.settings);
	return r >= 0 ? r : status;
}
