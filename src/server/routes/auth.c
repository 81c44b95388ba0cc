/*
 * auth.c — registration, email verification, login, logout and CSRF tokens
 * (API.md, Authentication).
 *
 * Registration answers 201 {"id"} whether or not the email is taken. The id
 * is a user's public id (128 random bits, migration 3); for a taken email a
 * fresh random value of the same form is answered and never stored, so the
 * answer, its shape and the work done (policy check, one Argon2id hash, one
 * mail file) are the same either way; only the mailbox's owner learns that
 * the address was tried (a notice in the outbox). Login does one Argon2id
 * verify either way too (a dummy one for an unknown email) and answers the
 * same 401. Both need the pre-session CSRF token (against login CSRF) and
 * run on the worker pool, as does everything that hashes.
 */
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "../account.h"
#include "../mail.h"
#include "../mfa.h"
#include "../sessions.h"
#include "bulwark/buf.h"
#include "bulwark/cookie.h"
#include "bulwark/csrf.h"
#include "bulwark/email.h"
#include "bulwark/netaddr.h"
#include "bulwark/password.h"
#include "bulwark/token.h"

#define PRESESSION_LIFETIME 7200u /* pre-session CSRF token: 2 h */
#define VERIFY_LIFETIME     86400 /* email verification link: 24 h */
#define MAIL_LABEL_VERIFY   "verify"
#define ACCOUNT_KEY_BYTES   16

/* ---- login protection --------------------------------------------------- */

/* Each policy is GCRA (ratelimit.h). Layered, they make the delays grow: a
 * burst of 10 per (account, address), then one try a minute, and after 30
 * in a day one every 48 minutes. Per address a higher budget (guessing many
 * accounts), per account a much higher one (a botnet on one account). */
static const struct bw_rl_policy login_pair = {
        .name = "login-pair", .limit = 10, .period_s = 600, .burst = 10};
static const struct bw_rl_policy login_pair_day = {
        .name = "login-pair-day", .limit = 30, .period_s = 86400, .burst = 30};
static const struct bw_rl_policy login_ip = {
        .name = "login-ip", .limit = 100, .period_s = 600, .burst = 50};
static const struct bw_rl_policy login_acct = {
        .name = "login-acct", .limit = 200, .period_s = 3600, .burst = 100};
static const struct bw_rl_policy register_ip = {
        .name = "register-ip", .limit = 60, .period_s = 3600, .burst = 30};

struct bw_password_params bw_auth_params(const struct bw_app *app)
{
	return (struct bw_password_params){.t_cost = app->settings.argon2_t,
	                                   .m_cost_kib = app->settings.argon2_m_kib};
}

/* The client address as rate-limit bytes (an IPv6 client counts as its /64). */
static enum bw_err ip_key(struct bw_req *req, uint8_t out[BW_NETADDR_KEY_SIZE])
{
	struct bw_netaddr a;
	enum bw_err rc = bw_netaddr_parse(bw_str_c(bw_req_client_ip(req)), &a);

	if (rc == BW_OK)
		bw_netaddr_rate_key(&a, out);
	return rc;
}

enum bw_err bw_auth_login_limits(struct bw_req *req, struct bw_str account, bool *allowed)
{
	struct bw_app *app = bw_req_app(req);
	uint8_t acct[ACCOUNT_KEY_BYTES], ip[BW_NETADDR_KEY_SIZE];
	uint8_t pair[ACCOUNT_KEY_BYTES + BW_NETADDR_KEY_SIZE];
	const struct {
		const struct bw_rl_policy *p;
		const uint8_t *key;
		size_t len;
	} steps[] = {
	        {&login_pair, pair, sizeof(pair)},
	        {&login_pair_day, pair, sizeof(pair)},
	        {&login_ip, ip, sizeof(ip)},
	        {&login_acct, acct, sizeof(acct)},
	};
	enum bw_err rc;

	*allowed = false;
	rc = ip_key(req, ip);
	if (rc != BW_OK)
		return rc;
	/* the account as a hash of what names it: the same for known and unknown */
	crypto_generichash(acct, sizeof(acct), (const unsigned char *)account.p, account.len, NULL,
	                   0);
	memcpy(pair, acct, sizeof(acct));
	memcpy(pair + sizeof(acct), ip, sizeof(ip));
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		rc = bw_req_rate_take(req, steps[i].p, steps[i].key, steps[i].len, allowed);
		if (rc != BW_OK || !*allowed) {
			struct bw_audit_detail d[] = {
			        BW_AUDIT_D_STR("limit", bw_str_c(steps[i].p->name))};

			*allowed = false;
			bw_app_audit(app, req, "auth.rate_limited", BW_AUDIT_LOCKED, 0, d, 1);
			return rc;
		}
	}
	return BW_OK;
}

/* ---- small helpers ------------------------------------------------------- */

enum bw_err bw_auth_json(struct bw_resp *resp, unsigned status, json_t *obj)
{
	struct bw_buf b;
	enum bw_err rc;

	if (obj == NULL)
		return BW_ERR_NOMEM;
	bw_buf_init(&b, 65536);
	rc = bw_json_dump(obj, &b);
	json_decref(obj);
	if (rc == BW_OK)
		rc = bw_resp_json(resp, status, bw_buf_str(&b));
	bw_buf_free(&b);
	return rc;
}

enum bw_err bw_auth_session_cookie(struct bw_req *req, struct bw_resp *resp, const char *token)
{
	struct bw_app *app = bw_req_app(req);
	const char *cookie;
	uint32_t max_age = app->settings.session_lifetime_s;
	enum bw_err rc;

	if (max_age > BW_COOKIE_MAX_AGE_MAX)
		max_age = BW_COOKIE_MAX_AGE_MAX;
	rc = bw_cookie_session_build(bw_req_arena(req), bw_str_c(token), BW_SAMESITE_LAX, max_age,
	                             &cookie);
	if (rc == BW_OK)
		rc = bw_resp_header(resp, "Set-Cookie", cookie);
	return rc;
}

static enum bw_err rate_refused(struct bw_resp *resp)
{
	return bw_resp_problem(resp, 429, "rate-limited", "Too many requests",
	                       "Slow down and retry after the time given in Retry-After.", NULL);
}

static enum bw_err field_error(struct bw_resp *resp, const char *field, const char *code)
{
	struct bw_field_errors errs = {.count = 0};

	bw_field_errors_add(&errs, field, code);
	return bw_resp_problem(resp, 400, "invalid-body", "Invalid request body",
	                       "One or more fields are invalid.", &errs);
}

/* The request's session cookie value, when it sent exactly one well-formed one. */
static bool presented_session(struct bw_req *req, struct bw_cookies *cookies, struct bw_str *token)
{
	const char *h = bw_req_header(req, "Cookie");

	return h != NULL && bw_cookie_parse(bw_str_c(h), cookies) == BW_OK &&
	       bw_cookie_session_get(cookies, token) == BW_OK;
}

/* ---- the schemas --------------------------------------------------------- */

static const struct bw_rule email_rule = BW_RULE_TEXT(1, 1024, 0);
/* the policy gives the real length errors; this only bounds the work */
static const struct bw_rule password_rule = BW_RULE_TEXT(1, 4096, 0);
static const struct bw_rule token_rule = {.kind = BW_RULE_TOKEN, .min = 1, .max = 256};

static const struct bw_json_field credentials_fields[] = {
        {.name = "email", .type = BW_JSON_STRING, .required = true, .rule = &email_rule},
        {.name = "password", .type = BW_JSON_STRING, .required = true, .rule = &password_rule},
};
static const struct bw_json_schema credentials_schema = {credentials_fields, 2};

static const struct bw_json_field verify_fields[] = {
        {.name = "token", .type = BW_JSON_STRING, .required = true, .rule = &token_rule},
};
static const struct bw_json_schema verify_schema = {verify_fields, 1};

/* ---- GET /v1/auth/csrf ----------------------------------------------------- */

static enum bw_err route_csrf(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_app *app = bw_req_app(req);
	struct bw_cookies cookies;
	struct bw_str token;
	struct bw_session_info info;
	char out[BW_CSRF_SESSION_TOKEN_SIZE];
	enum bw_err rc;

	if (presented_session(req, &cookies, &token) &&
	    bw_sessions_lookup(app, token, (int64_t)time(NULL), &info) == BW_OK) {
		rc = bw_csrf_session_token(app->csrf_key, &info.hash, out);
		if (rc != BW_OK)
			return rc;
		return bw_auth_json(resp, 200, json_pack("{s:s}", "csrf_token", out));
	}
	/* no session: a pre-session token for the login and registration forms */
	rc = bw_account_presession(req, resp, out);
	if (rc == BW_OK)
		rc = bw_auth_json(resp, 200, json_pack("{s:s}", "csrf_token", out));
	return rc;
}

enum bw_err bw_account_presession(struct bw_req *req, struct bw_resp *resp,
                                  char out[BW_CSRF_SIGNED_SIZE])
{
	struct bw_app *app = bw_req_app(req);
	const char *cookie;
	enum bw_err rc = bw_csrf_presession_token(app->csrf_key, (uint64_t)time(NULL),
	                                          PRESESSION_LIFETIME, out);

	if (rc == BW_OK)
		rc = bw_csrf_presession_cookie(bw_req_arena(req), bw_str_c(out),
		                               PRESESSION_LIFETIME, &cookie);
	if (rc == BW_OK)
		rc = bw_resp_header(resp, "Set-Cookie", cookie);
	return rc;
}

/* ---- POST /v1/auth/register ----------------------------------------------- */

struct register_ctx {
	const char *email_canon;
	struct bw_str email;
	const char *hash;
	const char *public_id;
	const struct bw_token_hash *verify_hash;
	int64_t now;
	int64_t user_id;
};

static enum bw_err register_tx(struct bw_db_conn *c, void *vctx)
{
	struct register_ctx *x = vctx;
	struct bw_db_stmt *st = NULL;
	enum bw_err rc;
	bool row;

	rc = bw_db_prepare(
	        c,
	        BW_SQL("INSERT INTO users (email_canon, email, password_hash, created_at, "
	               "password_changed_at, public_id) VALUES (?, ?, ?, ?, ?, ?) "
	               "RETURNING id"),
	        &st);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 1, x->email_canon, strlen(x->email_canon));
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 2, x->email.p, x->email.len);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 3, x->hash, strlen(x->hash));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 4, x->now);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 5, x->now);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 6, x->public_id, strlen(x->public_id));
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 0, &x->user_id);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	st = NULL;
	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c,
	                   BW_SQL("INSERT INTO email_tokens (user_id, purpose, token_hash, "
	                          "created_at, expires_at) VALUES (?, 'verify', ?, ?, ?)"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, x->user_id);
	if (rc == BW_OK)
		rc = bw_db_bind_blob(st, 2, x->verify_hash->bytes, sizeof(x->verify_hash->bytes));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 3, x->now);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 4, x->now + VERIFY_LIFETIME);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	return rc;
}

static void set_field(struct bw_account_result *out, const char *field, const char *code)
{
	out->status = BW_ACCOUNT_FIELD;
	out->field = field;
	out->code = code;
}

/* The verification mail of a new account could not be queued (rc, e.g.
 * BW_ERR_BUSY for a full mail queue): delete the account it was for, so the
 * caller can retry as if nothing happened, and answer rc. */
static enum bw_err unregister(struct bw_app *app, struct bw_req *req, int64_t user_id,
                              enum bw_err rc)
{
	struct bw_audit_detail d[] = {BW_AUDIT_D_STR("reason", bw_str_c("mail not queued"))};
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	bool row = false;
	enum bw_err del = bw_db_acquire(app->db, &c);

	if (del == BW_OK)
		del = bw_db_prepare(c, BW_SQL("DELETE FROM users WHERE id = ?"), &st);
	if (del == BW_OK)
		del = bw_db_bind_int64(st, 1, user_id);
	if (del == BW_OK)
		del = bw_db_step(st, &row);
	bw_db_finish(st);
	bw_db_release(c);
	bw_app_audit(app, req, "auth.register", BW_AUDIT_FAILURE, 0, d, 1);
	return del == BW_OK ? rc : del;
}

enum bw_err bw_account_register(struct bw_req *req, struct bw_str email, struct bw_str password,
                                char pid[BW_PUBLIC_ID_SIZE], struct bw_account_result *out)
{
	struct bw_app *app = bw_req_app(req);
	struct bw_password_params params = bw_auth_params(app);
	char canon[BW_EMAIL_MAX + 1], hash[BW_PASSWORD_HASH_MAX];
	char verify[BW_TOKEN_TEXT_SIZE];
	struct bw_token_hash vh;
	struct register_ctx x;
	uint8_t ip[BW_NETADDR_KEY_SIZE];
	const char *code = NULL;
	bool allowed = false, taken;
	enum bw_err rc;

	memset(out, 0, sizeof(*out));
	pid[0] = '\0';
	rc = ip_key(req, ip);
	if (rc == BW_OK)
		rc = bw_req_rate_take(req, &register_ip, ip, sizeof(ip), &allowed);
	if (rc != BW_OK || !allowed) {
		out->status = BW_ACCOUNT_RATE_LIMITED;
		return BW_OK;
	}
	if (bw_email_canon(email, canon, sizeof(canon), NULL) != BW_OK) {
		set_field(out, "email", "invalid");
		return BW_OK;
	}
	rc = bw_password_policy_check(password, bw_str_c(canon), &code);
	if (rc == BW_ERR_INVALID && code != NULL) {
		set_field(out, "password", code);
		return BW_OK;
	}
	if (rc != BW_OK)
		return rc;
	/* hashed before we know whether the email is taken: the same work either way */
	rc = bw_password_hash(&params, password, hash);
	if (rc != BW_OK)
		return rc;
	bw_public_id_new(pid);
	bw_token_new(verify);
	rc = bw_token_hash(app->mail_key, MAIL_LABEL_VERIFY, bw_str_c(verify), &vh);
	if (rc != BW_OK)
		goto out;
	memset(&x, 0, sizeof(x));
	x.email_canon = canon;
	x.email = email;
	x.hash = hash;
	x.public_id = pid;
	x.verify_hash = &vh;
	x.now = (int64_t)time(NULL);
	rc = bw_db_tx(app->db, register_tx, &x);
	taken = rc == BW_ERR_EXISTS;
	if (rc != BW_OK && !taken)
		goto out;
	if (taken) {
		/* nothing was created; the owner hears of it, the caller does not */
		struct bw_audit_detail d[] = {BW_AUDIT_D_BOOL("existing", true)};

		rc = bw_mail_taken_notice(app, canon);
		bw_app_audit(app, req, "auth.register", BW_AUDIT_DENIED, 0, d, 1);
		bw_public_id_new(pid); /* a random id of the same shape, never stored */
	} else {
		rc = bw_mail_verification(app, canon, verify);
		if (rc == BW_OK)
			bw_app_audit(app, req, "auth.register", BW_AUDIT_SUCCESS, x.user_id, NULL,
			             0);
		else /* no half-made account: without its mail, it is taken back */
			rc = unregister(app, req, x.user_id, rc);
	}
out:
	bw_wipe(verify, sizeof(verify));
	bw_wipe(hash, sizeof(hash));
	return rc;
}

static enum bw_err route_register(struct bw_req *req, struct bw_resp *resp)
{
	const json_t *body = bw_req_json(req);
	char pid[BW_PUBLIC_ID_SIZE];
	struct bw_str email, password;
	struct bw_account_result res;
	enum bw_err rc;

	if (bw_json_get_str(body, &credentials_schema, "email", &email) != BW_OK ||
	    bw_json_get_str(body, &credentials_schema, "password", &password) != BW_OK)
		return field_error(resp, "(body)", "invalid");
	rc = bw_account_register(req, email, password, pid, &res);
	if (rc != BW_OK)
		return rc;
	if (res.status == BW_ACCOUNT_RATE_LIMITED)
		return rate_refused(resp);
	if (res.status == BW_ACCOUNT_FIELD)
		return field_error(resp, res.field, res.code);
	return bw_auth_json(resp, 201, json_pack("{s:s}", "id", pid));
}

/* ---- POST /v1/auth/verify-email ------------------------------------------ */

struct verify_ctx {
	struct bw_token_hash hash;
	int64_t now;
	int64_t user_id;
};

static enum bw_err verify_tx(struct bw_db_conn *c, void *vctx)
{
	struct verify_ctx *x = vctx;
	struct bw_db_stmt *st = NULL;
	uint64_t n = 0;
	enum bw_err rc;
	bool row;

	/* single use: the update only matches an unused, unexpired token */
	rc = bw_db_prepare(c,
	                   BW_SQL("UPDATE email_tokens SET used_at = ? WHERE token_hash = ? AND "
	                          "purpose = 'verify' AND used_at IS NULL AND expires_at > ? "
	                          "RETURNING user_id"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, x->now);
	if (rc == BW_OK)
		rc = bw_db_bind_blob(st, 2, x->hash.bytes, sizeof(x->hash.bytes));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 3, x->now);
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 0, &x->user_id);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	st = NULL;
	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c, BW_SQL("UPDATE users SET email_verified = 1 WHERE id = ?"), &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, x->user_id);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	if (rc == BW_OK)
		rc = bw_db_changes(st, &n);
	bw_db_finish(st);
	return rc == BW_OK && n != 1 ? BW_ERR_NOT_FOUND : rc;
}

static enum bw_err route_verify_email(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_app *app = bw_req_app(req);
	struct verify_ctx x;
	struct bw_str token;
	enum bw_err rc;

	memset(&x, 0, sizeof(x));
	if (bw_json_get_str(bw_req_json(req), &verify_schema, "token", &token) != BW_OK)
		return field_error(resp, "token", "invalid");
	rc = bw_token_hash(app->mail_key, MAIL_LABEL_VERIFY, token, &x.hash);
	x.now = (int64_t)time(NULL);
	if (rc == BW_OK)
		rc = bw_db_tx(app->db, verify_tx, &x);
	if (rc == BW_ERR_INVALID || rc == BW_ERR_NOT_FOUND)
		return bw_resp_problem(resp, 400, "invalid-token", "Invalid token",
		                       "The link is invalid, used or expired.", NULL);
	if (rc != BW_OK)
		return rc;
	bw_app_audit(app, req, "auth.email_verified", BW_AUDIT_SUCCESS, x.user_id, NULL, 0);
	bw_resp_status(resp, 204);
	return BW_OK;
}

/* ---- POST /v1/auth/login --------------------------------------------------- */

struct user_row {
	int64_t id;
	char hash[BW_PASSWORD_HASH_MAX];
	char public_id[BW_PUBLIC_ID_SIZE];
};

static enum bw_err find_user(struct bw_app *app, const char *canon, struct user_row *u)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	struct bw_str h, p;
	enum bw_err rc = bw_db_acquire(app->db, &c);

	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c,
	                   BW_SQL("SELECT id, password_hash, public_id FROM users WHERE "
	                          "email_canon = ?"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 1, canon, strlen(canon));
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 0, &u->id);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 1, &h);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 2, &p);
	if (rc == BW_OK && (h.len >= sizeof(u->hash) || p.len != BW_PUBLIC_ID_LEN))
		rc = BW_ERR_INTERNAL;
	if (rc == BW_OK) {
		memcpy(u->hash, h.p, h.len);
		u->hash[h.len] = '\0';
		memcpy(u->public_id, p.p, p.len);
		u->public_id[p.len] = '\0';
	}
	bw_db_finish(st);
	bw_db_release(c);
	return rc;
}

static enum bw_err store_hash(struct bw_app *app, int64_t user_id, const char *hash)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	enum bw_err rc = bw_db_acquire(app->db, &c);
	bool row;

	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c, BW_SQL("UPDATE users SET password_hash = ? WHERE id = ?"), &st);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 1, hash, strlen(hash));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, user_id);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	bw_db_release(c);
	return rc;
}

enum bw_err bw_account_login(struct bw_req *req, struct bw_resp *resp, struct bw_str email,
                             struct bw_str password, struct bw_account_login *out)
{
	struct bw_app *app = bw_req_app(req);
	struct bw_password_params params = bw_auth_params(app);
	char canon[BW_EMAIL_MAX + 1], token[BW_TOKEN_TEXT_SIZE], csrf[BW_CSRF_SESSION_TOKEN_SIZE];
	char pid[BW_PUBLIC_ID_SIZE];
	enum bw_mfa_state mfa = BW_MFA_NONE;
	unsigned backup_left = 0;
	struct user_row u;
	bool valid_email, allowed = false, found = false, rehash = false;
	enum bw_err rc, vrc;

	memset(&u, 0, sizeof(u));
	memset(out, 0, sizeof(*out));
	token[0] = '\0';
	valid_email = bw_email_canon(email, canon, sizeof(canon), NULL) == BW_OK;
	rc = bw_auth_login_limits(req, valid_email ? bw_str_c(canon) : email, &allowed);
	if (rc != BW_OK || !allowed) {
		out->status = BW_ACCOUNT_RATE_LIMITED;
		return BW_OK;
	}
	if (valid_email) {
		rc = find_user(app, canon, &u);
		if (rc != BW_OK && rc != BW_ERR_NOT_FOUND)
			return rc;
		found = rc == BW_OK;
	}
	/* one Argon2id run either way: unknown emails cost what wrong passwords cost */
	vrc = found ? bw_password_verify(bw_str_c(u.hash), password)
	            : bw_password_verify_dummy(&params, password);
	if (vrc != BW_OK) {
		struct bw_audit_detail d[] = {BW_AUDIT_D_BOOL("known_account", found)};

		bw_app_audit(app, req, "auth.login", BW_AUDIT_FAILURE, found ? u.id : 0, d, 1);
		out->status = BW_ACCOUNT_DENIED;
		rc = BW_OK;
		goto out;
	}
	/* parameters changed since the hash was made: replace it while we have the password */
	if (bw_password_needs_rehash(&params, bw_str_c(u.hash), &rehash) == BW_OK && rehash) {
		char fresh[BW_PASSWORD_HASH_MAX];

		if (bw_password_hash(&params, password, fresh) == BW_OK)
			(void)store_hash(app, u.id,
			                 fresh); /* the old hash still works; retried next time */
		bw_wipe(fresh, sizeof(fresh));
	}
	/* a second factor in force: no session yet, a token for POST /v1/auth/mfa */
	rc = bw_mfa_status(app, u.id, &mfa, &backup_left);
	if (rc != BW_OK)
		goto out;
	if (mfa == BW_MFA_CONFIRMED) {
		struct bw_audit_detail d[] = {BW_AUDIT_D_BOOL("mfa_required", true),
		                              BW_AUDIT_D_BOOL("rehashed", rehash)};

		rc = bw_mfa_token_issue(app, u.id, (int64_t)time(NULL), out->mfa_token);
		if (rc != BW_OK)
			goto out;
		bw_app_audit(app, req, "auth.login_password", BW_AUDIT_SUCCESS, u.id, d, 2);
		out->status = BW_ACCOUNT_MFA_REQUIRED;
		goto out;
	}
	rc = bw_auth_open_session(req, resp, u.id, (int64_t)time(NULL), csrf, pid);
	if (rc != BW_OK)
		goto out;
	{
		/* "sid": the session's public id (keys naming sessions are refused) */
		struct bw_audit_detail d[] = {BW_AUDIT_D_STR("sid", bw_str_c(pid)),
		                              BW_AUDIT_D_BOOL("rehashed", rehash)};

		bw_app_audit(app, req, "auth.login", BW_AUDIT_SUCCESS, u.id, d, 2);
	}
	memcpy(out->public_id, u.public_id, sizeof(out->public_id));
	memcpy(out->csrf_token, csrf, sizeof(out->csrf_token));
out:
	bw_wipe(token, sizeof(token));
	bw_wipe(u.hash, sizeof(u.hash));
	return rc;
}

static enum bw_err route_login(struct bw_req *req, struct bw_resp *resp)
{
	const json_t *body = bw_req_json(req);
	struct bw_account_login res;
	struct bw_str email, password;
	enum bw_err rc;

	if (bw_json_get_str(body, &credentials_schema, "email", &email) != BW_OK ||
	    bw_json_get_str(body, &credentials_schema, "password", &password) != BW_OK)
		return field_error(resp, "(body)", "invalid");
	rc = bw_account_login(req, resp, email, password, &res);
	if (rc != BW_OK)
		return rc;
	if (res.status == BW_ACCOUNT_RATE_LIMITED)
		return rate_refused(resp);
	if (res.status == BW_ACCOUNT_DENIED)
		return bw_resp_problem(resp, 401, "invalid-credentials", "Invalid credentials",
		                       "The email or password is wrong.", NULL);
	if (res.status == BW_ACCOUNT_MFA_REQUIRED) {
		rc = bw_auth_json(
		        resp, 200,
		        json_pack("{s:b,s:s}", "mfa_required", 1, "mfa_token", res.mfa_token));
		bw_wipe(res.mfa_token, sizeof(res.mfa_token));
		return rc;
	}
	return bw_auth_json(
	        resp, 200,
	        json_pack("{s:s,s:s}", "id", res.public_id, "csrf_token", res.csrf_token));
}

enum bw_err bw_auth_open_session(struct bw_req *req, struct bw_resp *resp, int64_t user_id,
                                 int64_t auth_time, char csrf[BW_CSRF_SESSION_TOKEN_SIZE],
                                 char pid[BW_PUBLIC_ID_SIZE])
{
	struct bw_app *app = bw_req_app(req);
	char token[BW_TOKEN_TEXT_SIZE];
	struct bw_cookies cookies;
	struct bw_token_hash sh;
	struct bw_str old;
	enum bw_err rc = BW_OK;

	/* session fixation: whatever session the client came with is discarded */
	if (presented_session(req, &cookies, &old))
		rc = bw_sessions_delete_token(app, old);
	if (rc != BW_OK)
		return rc;
	rc = bw_sessions_create(app, user_id, auth_time, bw_req_client_ip(req),
	                        bw_req_header(req, "User-Agent"), token, &sh, pid, NULL);
	if (rc == BW_OK)
		rc = bw_csrf_session_token(app->csrf_key, &sh, csrf);
	if (rc == BW_OK)
		rc = bw_auth_session_cookie(req, resp, token);
	bw_wipe(token, sizeof(token));
	return rc;
}

/* ---- POST /v1/auth/logout -------------------------------------------------- */

enum bw_err bw_auth_logout(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_app *app = bw_req_app(req);
	const struct bw_principal *p = bw_req_principal(req);
	const struct bw_session_info *info = p->data;
	const char *cookie;
	enum bw_err rc;

	rc = bw_sessions_delete(app, &info->hash);
	if (rc == BW_OK)
		rc = bw_cookie_session_delete(bw_req_arena(req), &cookie);
	if (rc == BW_OK)
		rc = bw_resp_header(resp, "Set-Cookie", cookie);
	if (rc != BW_OK)
		return rc;
	{
		struct bw_audit_detail d[] = {BW_AUDIT_D_STR("sid", bw_str_c(info->public_id))};

		bw_app_audit(app, req, "auth.logout", BW_AUDIT_SUCCESS, p->user_id, d, 1);
	}
	return BW_OK;
}

static enum bw_err route_logout(struct bw_req *req, struct bw_resp *resp)
{
	enum bw_err rc = bw_auth_logout(req, resp);

	if (rc == BW_OK)
		bw_resp_status(resp, 204);
	return rc;
}

/* ---- the routes ------------------------------------------------------------- */

const struct bw_route bw_routes_auth[] = {
        {.path = "/v1/auth/csrf", .methods = BW_GET, .handler = route_csrf, .no_store = true},
        {.path = "/v1/auth/register",
         .methods = BW_POST,
         .handler = route_register,
         .body = BW_BODY_JSON,
         .body_max = 16384,
         .schema = &credentials_schema,
         .csrf = BW_CSRF_PRESESSION,
         .slow = true,
         .no_store = true},
        {.path = "/v1/auth/verify-email",
         .methods = BW_POST,
         .handler = route_verify_email,
         .body = BW_BODY_JSON,
         .body_max = 4096,
         .schema = &verify_schema,
         .csrf = BW_CSRF_NOT_COOKIE,
         .no_store = true},
        {.path = "/v1/auth/login",
         .methods = BW_POST,
         .handler = route_login,
         .body = BW_BODY_JSON,
         .body_max = 16384,
         .schema = &credentials_schema,
         .csrf = BW_CSRF_PRESESSION,
         .slow = true,
         .no_store = true},
        {.path = "/v1/auth/logout",
         .methods = BW_POST,
         .handler = route_logout,
         .auth = BW_AUTH_SESSION,
         .csrf = BW_CSRF_TOKEN},
};

const size_t bw_routes_auth_n = sizeof(bw_routes_auth) / sizeof(bw_routes_auth[0]);
