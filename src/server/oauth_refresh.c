/*
 * oauth_refresh.c — refresh-token families, rotation with keyed successors,
 * sealed access tokens for the grace window, and revocation
 * (oauth_refresh.h).
 */
#include "oauth_refresh.h"

#include <sodium.h>
#include <string.h>
#include <time.h>

#include "bulwark/log.h"
#include "bulwark/secret.h"
#include "oauth_codes.h"
#include "signing.h"

#define LABEL_TOKEN "refresh"
#define DENY_BATCH  64

static enum bw_err bind_text_c(struct bw_db_stmt *st, unsigned idx, const char *s)
{
	return s != NULL ? bw_db_bind_text(st, idx, s, strlen(s)) : bw_db_bind_null(st, idx);
}

/* ---- families and tokens ------------------------------------------------------ */

static enum bw_err insert_token(struct bw_app *app, struct bw_db_conn *c, int64_t family_id,
                                int64_t parent_id, struct bw_str token, int64_t now,
                                int64_t expires_at, const char *at_scope, const char *at_jti,
                                int64_t at_exp, const uint8_t *box, size_t box_len)
{
	struct bw_token_hash h;
	struct bw_db_stmt *st = NULL;
	enum bw_err rc = bw_token_hash(app->oauth_key, LABEL_TOKEN, token, &h);
	bool row;

	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c,
	                   BW_SQL("INSERT INTO oauth_refresh_tokens (family_id, token_hash, "
	                          "parent_id, created_at, expires_at, at_scope, at_jti, at_exp, "
	                          "at_box) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, family_id);
	if (rc == BW_OK)
		rc = bw_db_bind_blob(st, 2, h.bytes, sizeof(h.bytes));
	if (rc == BW_OK)
		rc = parent_id != 0 ? bw_db_bind_int64(st, 3, parent_id) : bw_db_bind_null(st, 3);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 4, now);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 5, expires_at);
	if (rc == BW_OK)
		rc = bind_text_c(st, 6, at_scope);
	if (rc == BW_OK)
		rc = bind_text_c(st, 7, at_jti);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 8, at_exp);
	if (rc == BW_OK)
		rc = box != NULL ? bw_db_bind_blob(st, 9, box, box_len) : bw_db_bind_null(st, 9);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	return rc;
}

enum bw_err bw_refresh_family_create_tx(struct bw_app *app, struct bw_db_conn *c,
                                        const struct bw_refresh_new *n, int64_t *family_id)
{
	struct bw_db_stmt *st = NULL;
	int64_t end = n->now + (int64_t)app->settings.oauth_refresh_lifetime_s;
	int64_t idle = n->now + (int64_t)app->settings.oauth_refresh_idle_s;
	enum bw_err rc;
	bool row;

	/* families past their end (kept a day, so a late replay is still seen) go */
	rc = bw_db_prepare(c, BW_SQL("DELETE FROM oauth_refresh_families WHERE expires_at <= ?"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, n->now - 86400);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	st = NULL;
	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(
	        c,
	        BW_SQL("INSERT INTO oauth_refresh_families (client_row_id, user_id, "
	               "scope, auth_time, created_at, expires_at) VALUES (?, ?, ?, ?, ?, "
	               "?) RETURNING id"),
	        &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, n->client_row_id);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, n->user_id);
	if (rc == BW_OK)
		rc = bind_text_c(st, 3, n->scope);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 4, n->auth_time);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 5, n->now);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 6, end);
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 0, family_id);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	if (rc != BW_OK)
		return rc;
	return insert_token(app, c, *family_id, 0, n->token, n->now, idle < end ? idle : end,
	                    n->at_scope, n->at_jti, n->at_exp, NULL, 0);
}

static enum bw_err col_text_a(struct bw_db_stmt *st, unsigned col, struct bw_arena *a,
                              const char **out)
{
	struct bw_str v;
	enum bw_err rc = bw_db_col_text(st, col, &v);

	if (rc == BW_OK) {
		*out = bw_arena_strndup(a, v.p, v.len);
		if (*out == NULL)
			rc = BW_ERR_NOMEM;
	}
	return rc;
}

static enum bw_err col_int_or_zero(struct bw_db_stmt *st, unsigned col, int64_t *out)
{
	bool null = false;
	enum bw_err rc = bw_db_col_is_null(st, col, &null);

	*out = 0;
	if (rc == BW_OK && !null)
		rc = bw_db_col_int64(st, col, out);
	return rc;
}

enum bw_err bw_refresh_find(struct bw_app *app, struct bw_str token, struct bw_arena *a,
                            struct bw_refresh_token *out)
{
	struct bw_token_hash h;
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	int64_t revoked = 0;
	bool null = true;
	enum bw_err rc;

	memset(out, 0, sizeof(*out));
	if (bw_token_hash(app->oauth_key, LABEL_TOKEN, token, &h) != BW_OK)
		return BW_ERR_NOT_FOUND;
	rc = bw_db_acquire(app->db, &c);
	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(
	        c,
	        BW_SQL("SELECT t.id, t.parent_id, t.family_id, f.client_row_id, "
	               "f.user_id, f.scope, f.auth_time, f.expires_at, f.revoked_at, "
	               "t.expires_at, t.used_at, t.at_scope, t.at_jti, t.at_exp, t.at_box "
	               "FROM oauth_refresh_tokens t JOIN oauth_refresh_families f "
	               "ON f.id = t.family_id WHERE t.token_hash = ?"),
	        &st);
	if (rc == BW_OK)
		rc = bw_db_bind_blob(st, 1, h.bytes, sizeof(h.bytes));
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 0, &out->id);
	if (rc == BW_OK)
		rc = col_int_or_zero(st, 1, &out->parent_id);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 2, &out->family_id);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 3, &out->client_row_id);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 4, &out->user_id);
	if (rc == BW_OK)
		rc = col_text_a(st, 5, a, &out->family_scope);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 6, &out->auth_time);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 7, &out->family_expires);
	if (rc == BW_OK)
		rc = col_int_or_zero(st, 8, &revoked);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 9, &out->expires_at);
	if (rc == BW_OK)
		rc = col_int_or_zero(st, 10, &out->used_at);
	if (rc == BW_OK)
		rc = col_text_a(st, 11, a, &out->at_scope);
	if (rc == BW_OK)
		rc = col_text_a(st, 12, a, &out->at_jti);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 13, &out->at_exp);
	if (rc == BW_OK)
		rc = bw_db_col_is_null(st, 14, &null);
	if (rc == BW_OK && !null) {
		const uint8_t *p;
		size_t n;

		rc = bw_db_col_blob(st, 14, &p, &n);
		if (rc == BW_OK) {
			uint8_t *copy = bw_arena_alloc(a, n > 0 ? n : 1);

			if (copy == NULL)
				rc = BW_ERR_NOMEM;
			else {
				memcpy(copy, p, n);
				out->at_box = copy;
				out->at_box_len = n;
			}
		}
	}
	bw_db_finish(st);
	bw_db_release(c);
	out->revoked = revoked != 0;
	if (rc != BW_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* ---- rotation ------------------------------------------------------------------- */

struct rotate_ctx {
	struct bw_app *app;
	const struct bw_refresh_token *used;
	const struct bw_refresh_next *next;
};

static enum bw_err rotate_tx(struct bw_db_conn *c, void *vctx)
{
	struct rotate_ctx *x = vctx;
	struct bw_db_stmt *st = NULL;
	uint64_t changed = 0;
	enum bw_err rc;
	bool row;

	rc = bw_db_prepare(c,
	                   BW_SQL("UPDATE oauth_refresh_tokens SET used_at = ? WHERE id = ? AND "
	                          "used_at IS NULL AND family_id IN (SELECT id FROM "
	                          "oauth_refresh_families WHERE revoked_at IS NULL)"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, x->next->now);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, x->used->id);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	if (rc == BW_OK)
		rc = bw_db_changes(st, &changed);
	bw_db_finish(st);
	if (rc == BW_OK && changed != 1)
		rc = BW_ERR_STATE;
	if (rc != BW_OK)
		return rc;
	return insert_token(x->app, c, x->used->family_id, x->used->id, x->next->token,
	                    x->next->now, x->next->expires_at, x->next->at_scope, x->next->at_jti,
	                    x->next->at_exp, x->next->at_box, x->next->at_box_len);
}

enum bw_err bw_refresh_rotate(struct bw_app *app, const struct bw_refresh_token *used,
                              const struct bw_refresh_next *next)
{
	struct rotate_ctx x = {.app = app, .used = used, .next = next};

	return bw_db_tx(app->db, rotate_tx, &x);
}

/* ---- revocation ------------------------------------------------------------------ */

struct live_at {
	char jti[BW_TOKEN_TEXT_SIZE];
	int64_t exp;
	int64_t id;
};

/* Denylist the live access tokens of a family (kind 0) or issued from a user's
 * codes (kind 1), in batches keyed by row id. */
static enum bw_err deny_live(struct bw_app *app, int kind, int64_t owner, int64_t now)
{
	struct live_at batch[DENY_BATCH];
	int64_t after = 0;
	enum bw_err rc = BW_OK;
	size_t n;

	do {
		struct bw_db_conn *c = NULL;
		struct bw_db_stmt *st = NULL;
		bool row = false;

		n = 0;
		rc = bw_db_acquire(app->db, &c);
		if (rc != BW_OK)
			return rc;
		if (kind == 0)
			rc = bw_db_prepare(
			        c,
			        BW_SQL("SELECT id, at_jti, at_exp FROM oauth_refresh_tokens "
			               "WHERE family_id = ? AND at_exp > ? AND id > ? "
			               "ORDER BY id LIMIT 64"),
			        &st);
		else
			rc = bw_db_prepare(c,
			                   BW_SQL("SELECT id, at_jti, at_exp FROM oauth_codes "
			                          "WHERE user_id = ? AND at_exp > ? AND id > ? AND "
			                          "at_jti IS NOT NULL ORDER BY id LIMIT 64"),
			                   &st);
		if (rc == BW_OK)
			rc = bw_db_bind_int64(st, 1, owner);
		if (rc == BW_OK)
			rc = bw_db_bind_int64(st, 2, now);
		if (rc == BW_OK)
			rc = bw_db_bind_int64(st, 3, after);
		while (rc == BW_OK && n < DENY_BATCH && (rc = bw_db_step(st, &row)) == BW_OK &&
		       row) {
			struct bw_str jti;

			rc = bw_db_col_int64(st, 0, &batch[n].id);
			if (rc == BW_OK)
				rc = bw_db_col_text(st, 1, &jti);
			if (rc == BW_OK)
				rc = bw_db_col_int64(st, 2, &batch[n].exp);
			if (rc == BW_OK && jti.len >= sizeof(batch[n].jti))
				rc = BW_ERR_INTERNAL;
			if (rc == BW_OK) {
				memcpy(batch[n].jti, jti.p, jti.len);
				batch[n].jti[jti.len] = '\0';
				n++;
			}
		}
		bw_db_finish(st);
		bw_db_release(c);
		for (size_t i = 0; rc == BW_OK && i < n; i++) {
			rc = bw_access_token_deny(app, batch[i].jti, batch[i].exp);
			after = batch[i].id;
		}
	} while (rc == BW_OK && n == DENY_BATCH);
	return rc;
}

enum bw_err bw_refresh_family_revoke(struct bw_app *app, int64_t family_id, const char *reason)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	int64_t now = (int64_t)time(NULL);
	enum bw_err rc = bw_db_acquire(app->db, &c);
	bool row;

	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c,
	                   BW_SQL("UPDATE oauth_refresh_families SET revoked_at = ?, "
	                          "revoked_reason = ? WHERE id = ? AND revoked_at IS NULL"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, now);
	if (rc == BW_OK)
		rc = bind_text_c(st, 2, reason);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 3, family_id);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	bw_db_release(c);
	if (rc == BW_OK)
		rc = deny_live(app, 0, family_id, now);
	return rc;
}

enum bw_err bw_refresh_revoke(struct bw_app *app, int64_t client_row_id, struct bw_str token)
{
	struct bw_arena *a = bw_arena_new(16384);
	struct bw_refresh_token t;
	enum bw_err rc;

	if (a == NULL)
		return BW_ERR_NOMEM;
	rc = bw_refresh_find(app, token, a, &t);
	if (rc == BW_ERR_NOT_FOUND)
		rc = BW_OK;
	else if (rc == BW_OK && t.client_row_id != client_row_id)
		rc = BW_ERR_DENIED;
	else if (rc == BW_OK)
		rc = bw_refresh_family_revoke(app, t.family_id, "revoked");
	bw_arena_free(a);
	return rc;
}

enum bw_err bw_refresh_revoke_user(struct bw_app *app, int64_t user_id)
{
	int64_t now = (int64_t)time(NULL);
	enum bw_err rc = BW_OK;

	for (;;) {
		struct bw_db_conn *c = NULL;
		struct bw_db_stmt *st = NULL;
		int64_t family = 0;

		rc = bw_db_acquire(app->db, &c);
		if (rc != BW_OK)
			return rc;
		rc = bw_db_prepare(c,
		                   BW_SQL("SELECT id FROM oauth_refresh_families WHERE user_id = ? "
		                          "AND revoked_at IS NULL ORDER BY id LIMIT 1"),
		                   &st);
		if (rc == BW_OK)
			rc = bw_db_bind_int64(st, 1, user_id);
		if (rc == BW_OK)
			rc = bw_db_step_one(st);
		if (rc == BW_OK)
			rc = bw_db_col_int64(st, 0, &family);
		bw_db_finish(st);
		bw_db_release(c);
		if (rc == BW_ERR_NOT_FOUND) {
			rc = BW_OK;
			break;
		}
		if (rc == BW_OK)
			rc = bw_refresh_family_revoke(app, family, "password");
		if (rc != BW_OK)
			return rc;
	}
	rc = deny_live(app, 1, user_id, now);
	if (rc == BW_OK)
		rc = bw_oauth_codes_delete_user(app, user_id);
	return rc;
}
