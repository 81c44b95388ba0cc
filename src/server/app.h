/*
 * app.h — the running server's state, handed to every handler through
 * bw_req_app(). One instance, owned by serve.c.
 */
#ifndef BULWARK_APP_H
#define BULWARK_APP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "bulwark/audit.h"
#include "bulwark/db.h"
#include "bulwark/http.h"
#include "bulwark/log.h"
#include "bulwark/secret.h"
#include "settings.h"

struct bw_tmpl_set; /* pages: bulwark/tmpl.h */

struct bw_app {
	struct bw_settings settings;
	struct bw_log *log;
	struct bw_http *http;
	struct bw_secret *master_key;
	struct bw_db *db;
	/* purpose keys, derived from the master key at start-up (keys.h) */
	struct bw_secret *session_key; /* session id hashes */
	struct bw_secret *csrf_key;    /* CSRF tokens */
	struct bw_secret *mail_key;    /* email verification / reset token hashes */
	/* OAuth clients (oauth_clients.h): keyed hash of client secrets */
	struct bw_secret *client_key;
	/* apikeys: HMAC of API keys (BW_KEY_APIKEY; apikeys.h) */
	struct bw_secret *apikey_key;
	/* the audit log (audit_store.c) */
	struct bw_audit_key *audit_key;
	struct bw_audit_chain *audit;
	atomic_uint_fast64_t audit_failures; /* appends that could not be stored */
	/* pages (pages.c): the compiled templates, and the version of the
	 * static files (a hash, in their URLs) */
	struct bw_tmpl_set *pages;
	char static_version[17];
	time_t started_at;
	/* signing keys and access tokens (signing.h) */
	struct bw_secret *signing_key; /* BW_KEY_SIGNING: wraps the stored JWT signing keys */
	struct bw_signing *signing;    /* key snapshots, verified-token cache, jti denylist */
	/* the OAuth authorization server (oauth_*.c): BW_KEY_REFRESH, the keyed hash
	 * of consent handles, codes, refresh tokens and their derived successors */
	struct bw_secret *oauth_key;
	/* outgoing mail: the worker and relay settings (mail.c) */
	struct bw_mailer *mailer;
	/* MFA (mfa.h): BW_KEY_FIELD seals TOTP secrets at rest; BW_KEY_MFA keys the
	 * hashes of backup codes and MFA tokens */
	struct bw_secret *field_key;
	struct bw_secret *mfa_key;
};

/**
 * bw_app_route_table - every route of the server, from the groups listed in
 * routes/table.c, in one array the caller frees.
 */
enum bw_err bw_app_route_table(struct bw_route **out, size_t *n);

/* routes/table.c: the operational routes */
extern const struct bw_route bw_routes_ops[];
extern const size_t bw_routes_ops_n;

/* routes/admin.c: the audit log for administrators */
extern const struct bw_route bw_routes_admin[];
extern const size_t bw_routes_admin_n;

/* routes/oauth.c: the OAuth 2.1 / OpenID Connect provider */
extern const struct bw_route bw_routes_oauth[];
extern const size_t bw_routes_oauth_n;

/* migrations.c: the schema */
extern const struct bw_migration bw_app_migrations[];
extern const size_t bw_app_n_migrations;
extern const struct bw_rl_policy bw_app_rate_classes[];
extern const size_t bw_app_n_rate_classes;

/* routes/ops.c */
enum bw_err bw_route_healthz(struct bw_req *req, struct bw_resp *resp);
enum bw_err bw_route_readyz(struct bw_req *req, struct bw_resp *resp);
enum bw_err bw_route_metrics(struct bw_req *req, struct bw_resp *resp);
enum bw_err bw_route_ping(struct bw_req *req, struct bw_resp *resp);
enum bw_err bw_route_openapi(struct bw_req *req, struct bw_resp *resp);

/* routes/csp_report.c, routes/home.c */
enum bw_err bw_route_csp_report(struct bw_req *req, struct bw_resp *resp);
enum bw_err bw_route_home(struct bw_req *req, struct bw_resp *resp);

/* serve.c */
int bw_cmd_serve(int argc, char **argv);

/* audit_store.c */
/**
 * bw_app_audit_open - load the audit key, verify the stored chain's tail and
 * open the writer that appends to it (records in the database, checkpoints in
 * the database and on the log stream as RFC 5424 lines).
 */
enum bw_err bw_app_audit_open(struct bw_app *app);

/** bw_app_audit_close - write a final checkpoint and release the writer. */
void bw_app_audit_close(struct bw_app *app);

/**
 * bw_app_audit - append a security event to the audit log. req (may be NULL
 * for the CLI) gives the client address and request id; actor_user_id 0 is
 * "anonymous". details (borrowed) must hold no secrets (the audit module
 * refuses sensitive keys). A failure to store is logged at error level and
 * counted, never hidden.
 */
void bw_app_audit(struct bw_app *app, const struct bw_req *req, const char *event,
                  enum bw_audit_outcome outcome, int64_t actor_user_id,
                  const struct bw_audit_detail *details, size_t n);

/* audit_cli.c */
int bw_cmd_audit(int argc, char **argv);

/* migrate.c */
int bw_cmd_migrate(int argc, char **argv);

/* routes_cli.c: `bulwark routes [--json]`, the route table; returns the exit status */
int bw_cmd_routes(int argc, char **argv);

/* database.c */
/**
 * bw_app_db_open - open the configured database (settings.database). With
 * SQLite, applies pending migrations (the server is its own owner); with
 * PostgreSQL, only checks that the schema is current (the runtime role has
 * no DDL rights; run `bulwark migrate` with the owner role first). On failure
 * *why is a static sentence for the operator.
 */
enum bw_err bw_app_db_open(const struct bw_settings *s, bool migrate_sqlite, struct bw_db **out,
                           const char **why);

#endif
