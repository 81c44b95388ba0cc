/* reset.c — password reset requests and confirmations (reset.h). */
#include "reset.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bulwark/email.h"
#include "bulwark/password.h"
#include "bulwark/token.h"
#include "mail.h"
#include "oauth_refresh.h"
#include "sessions.h"

#define ACCOUNT_KEY_BYTES 16

/* a few links an hour for one address, so nobody floods a mailbox (the
 * limit per client address is the routes' rate class "password-reset") */
static const struct bw_rl_policy reset_addr = {
        .name = "reset-addr", .limit = 5, .period_s = 3600, .burst = 3};

/* The job: what the request asked for, canonical, and who asked. */
struct reset_job {
	char canon[BW_EMAIL_MAX + 1];
	char request_id[64];
	bool valid; /* the address was well formed */
};

struct token_ctx {
	int64_t user_id, now;
	struct bw_token_hash hash;
};

/* Void older unused reset links of the user, then store the new one. */
static enum bw_err store_token_tx(struct bw_db_conn *c, void *vctx)
{
	struct token_ctx *x = vctx;
	struct bw_db_stmt *st = NULL;
	enum bw_err rc;
	bool row;

	rc = bw_db_prepare(c,
	                   BW_SQL("UPDATE email_tokens SET used_at = ? WHERE user_id = ? AND "
	                          "purpose = 'reset' AND used_at IS NULL"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, x->now);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, x->user_id);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	st = NULL;
	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c,
	                   BW_SQL("INSERT INTO email_tokens (user_id, purpose, token_hash, "
	                          "created_at, expires_at) VALUES (?, 'reset', ?, ?, ?)"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, x->user_id);
	if (rc == BW_OK)
		rc = bw_db_bind_blob(st, 2, x->hash.bytes, sizeof(x->hash.bytes));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 3, x->now);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 4, x->now + BW_RESET_TTL_S);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	return rc;
}

static enum bw_err find_user_id(struct bw_app *app, const char *canon, int64_t *id)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	enum bw_err rc = bw_db_acquire(app->db, &c);

	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c, BW_SQL("SELECT id FROM users WHERE email_canon = ?"), &st);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 1, canon, strlen(canon));
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 0, id);
	bw_db_finish(st);
	bw_db_release(c);
	return rc;
}

/* On the mail worker: nothing here shows in the answer or its timing. */
static void run_reset(void *arg, void *ctx)
{
	struct bw_app *app = arg;
	struct reset_job *j = ctx;
	struct bw_audit_detail d[] = {BW_AUDIT_D_STR("request_id", bw_str_c(j->request_id)),
	                              BW_AUDIT_D_BOOL("known", false)};
	char token[BW_TOKEN_TEXT_SIZE];
	struct token_ctx x = {0};
	enum bw_err rc = j->valid ? find_user_id(app, j->canon, &x.user_id) : BW_ERR_NOT_FOUND;

	if (rc == BW_ERR_NOT_FOUND) {
		bw_app_audit(app, NULL, "auth.password_reset_request", BW_AUDIT_SUCCESS, 0, d, 2);
		return;
	}
	bw_token_new(token);
	x.now = (int64_t)time(NULL);
	if (rc == BW_OK)
		rc = bw_token_hash(app->mail_key, BW_RESET_LABEL, bw_str_c(token), &x.hash);
	if (rc == BW_OK)
		rc = bw_db_tx(app->db, store_token_tx, &x);
	if (rc == BW_OK)
		rc = bw_mail_reset(app, j->canon, token, BW_RESET_TTL_S / 60);
	bw_wipe(token, sizeof(token));
	d[1] = BW_AUDIT_D_BOOL("known", true);
	bw_app_audit(app, NULL, "auth.password_reset_request",
	             rc == BW_OK ? BW_AUDIT_SUCCESS : BW_AUDIT_FAILURE, x.user_id, d, 2);
	if (rc != BW_OK)
		BW_LOG(app->log, BW_LOG_ERROR, j->request_id, "reset.failed",
		       BW_LOG_F_CSTR("error", bw_err_str(rc)));
}

static void free_job(void *ctx)
{
	struct reset_job *j = ctx;

	bw_wipe(j, sizeof(*j));
	free(j);
}

enum bw_err bw_reset_request(struct bw_req *req, struct bw_str email, bool *queued)
{
	struct bw_app *app = bw_req_app(req);
	uint8_t acct[ACCOUNT_KEY_BYTES];
	struct reset_job *j;
	bool allowed = false;
	enum bw_err rc;

	*queued = false;
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return BW_ERR_NOMEM;
	j->valid = bw_email_canon(email, j->canon, sizeof(j->canon), NULL) == BW_OK;
	snprintf(j->request_id, sizeof(j->request_id), "%s", bw_req_id(req));
	/* the limit per address counts what was typed, canonical when it can be */
	if (j->valid)
		crypto_generichash(acct, sizeof(acct), (const unsigned char *)j->canon,
		                   strlen(j->canon), NULL, 0);
	else
		crypto_generichash(acct, sizeof(acct), (const unsigned char *)email.p, email.len,
		                   NULL, 0);
	rc = bw_req_rate_take(req, &reset_addr, acct, sizeof(acct), &allowed);
	if (rc != BW_OK || !allowed) {
		free_job(j);
		return rc;
	}
	rc = bw_mail_submit(app, run_reset, j, free_job);
	*queued = rc == BW_OK;
	return rc;
}

/* ---- confirmation ---------------------------------------------------------- */

struct confirm_ctx {
	struct bw_token_hash hash;
	int64_t now;
	int64_t token_id, user_id;
	char email[BW_EMAIL_MAX + 1];
	const char *password_hash;
	uint64_t revoked;
};

static enum bw_err find_token(struct bw_app *app, struct confirm_ctx *x)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	struct bw_str e;
	enum bw_err rc = bw_db_acquire(app->db, &c);

	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c,
	                   BW_SQL("SELECT t.id, t.user_id, u.email_canon FROM email_tokens t "
	                          "JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND "
	                          "t.purpose = 'reset' AND t.used_at IS NULL AND t.expires_at > ?"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_blob(st, 1, x->hash.bytes, sizeof(x->hash.bytes));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, x->now);
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 0, &x->token_id);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 1, &x->user_id);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 2, &e);
	if (rc == BW_OK && e.len >= sizeof(x->email))
		rc = BW_ERR_INTERNAL;
	if (rc == BW_OK) {
		memcpy(x->email, e.p, e.len);
		x->email[e.len] = '\0';
	}
	bw_db_finish(st);
	bw_db_release(c);
	return rc;
}

/* Use the token (once), set the password, end every session: all or nothing. */
static enum bw_err confirm_tx(struct bw_db_conn *c, void *vctx)
{
	struct confirm_ctx *x = vctx;
	struct bw_db_stmt *st = NULL;
	uint64_t n = 0;
	enum bw_err rc;
	bool row;

	rc = bw_db_prepare(c,
	                   BW_SQL("UPDATE email_tokens SET used_at = ? WHERE id = ? AND "
	                          "used_at IS NULL AND expires_at > ?"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, x->now);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, x->token_id);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 3, x->now);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	if (rc == BW_OK)
		rc = bw_db_changes(st, &n);
	bw_db_finish(st);
	st = NULL;
	if (rc == BW_OK && n != 1)
		rc = BW_ERR_NOT_FOUND; /* used by a concurrent confirmation */
	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c,
	                   BW_SQL("UPDATE users SET password_hash = ?, password_changed_at = ? "
	                          "WHERE id = ?"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 1, x->password_hash, strlen(x->password_hash));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, x->now);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 3, x->user_id);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	st = NULL;
	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c, BW_SQL("DELETE FROM sessions WHERE user_id = ?"), &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, x->user_id);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	if (rc == BW_OK)
		rc = bw_db_changes(st, &x->revoked);
	bw_db_finish(st);
	return rc;
}

enum bw_err bw_reset_confirm(struct bw_req *req, struct bw_str token, struct bw_str new_password,
                             enum bw_reset_outcome *outcome, const char **code)
{
	struct bw_app *app = bw_req_app(req);
	struct bw_password_params params = bw_auth_params(app);
	char hash[BW_PASSWORD_HASH_MAX];
	struct confirm_ctx x;
	enum bw_err rc;

	*outcome = BW_RESET_BAD_TOKEN;
	*code = NULL;
	memset(&x, 0, sizeof(x));
	x.now = (int64_t)time(NULL);
	rc = bw_token_hash(app->mail_key, BW_RESET_LABEL, token, &x.hash);
	if (rc == BW_OK)
		rc = find_token(app, &x);
	if (rc == BW_ERR_INVALID || rc == BW_ERR_NOT_FOUND) {
		bw_app_audit(app, req, "auth.password_reset", BW_AUDIT_DENIED, 0, NULL, 0);
		return BW_OK;
	}
	if (rc != BW_OK)
		return rc;
	rc = bw_password_policy_check(new_password, bw_str_c(x.email), code);
	if (rc == BW_ERR_INVALID && *code != NULL) {
		*outcome = BW_RESET_BAD_PASSWORD;
		return BW_OK;
	}
	if (rc == BW_OK)
		rc = bw_password_hash(&params, new_password, hash);
	x.password_hash = hash;
	if (rc == BW_OK)
		rc = bw_db_tx(app->db, confirm_tx, &x);
	bw_wipe(hash, sizeof(hash));
	if (rc == BW_ERR_NOT_FOUND) {
		bw_app_audit(app, req, "auth.password_reset", BW_AUDIT_DENIED, x.user_id, NULL, 0);
		return BW_OK;
	}
	/* the account's OAuth grants end with its sessions */
	if (rc == BW_OK)
		rc = bw_refresh_revoke_user(app, x.user_id);
	if (rc != BW_OK)
		return rc;
	*outcome = BW_RESET_DONE;
	{
		struct bw_audit_detail d[] = {BW_AUDIT_D_INT("revoked", x.revoked)};

		bw_app_audit(app, req, "auth.password_reset", BW_AUDIT_SUCCESS, x.user_id, d, 1);
	}
	return BW_OK;
}
