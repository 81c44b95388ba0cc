/*
 * oauth_codes.c — pending consent requests and authorization codes
 * (oauth_codes.h), stored by keyed hash only.
 */
#include "oauth_codes.h"

#include <string.h>
#include <time.h>

#include "bulwark/secret.h"

#define LABEL_REQUEST "oauth_req"
#define LABEL_CODE    "oauth_code"

static enum bw_err bind_text_c(struct bw_db_stmt *st, unsigned idx, const char *s)
{
	return s != NULL ? bw_db_bind_text(st, idx, s, strlen(s)) : bw_db_bind_null(st, idx);
}

/* A text column into the arena (NULL for SQL NULL when nullable). */
static enum bw_err col_text_a(struct bw_db_stmt *st, unsigned col, struct bw_arena *a,
                              bool nullable, const char **out)
{
	struct bw_str v;
	bool null = false;
	enum bw_err rc = bw_db_col_is_null(st, col, &null);

	*out = NULL;
	if (rc != BW_OK)
		return rc;
	if (null)
		return nullable ? BW_OK : BW_ERR_INTERNAL;
	rc = bw_db_col_text(st, col, &v);
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

/* ---- consent requests ------------------------------------------------------ */

struct save_ctx {
	const struct bw_oauth_grant *g;
	const struct bw_token_hash *session_hash;
	struct bw_token_hash handle_hash;
	int64_t now;
};

static enum bw_err save_tx(struct bw_db_conn *c, void *vctx)
{
	struct save_ctx *x = vctx;
	struct bw_db_stmt *st = NULL;
	enum bw_err rc;
	bool row;

	rc = bw_db_prepare(c, BW_SQL("DELETE FROM oauth_requests WHERE expires_at <= ?"), &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, x->now);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	st = NULL;
	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(
	        c,
	        BW_SQL("INSERT INTO oauth_requests (handle_hash, user_id, session_hash, "
	               "client_row_id, redirect_uri, scope, state, nonce, code_challenge, "
	               "auth_time, created_at, expires_at) "
	               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
	        &st);
	if (rc == BW_OK)
		rc = bw_db_bind_blob(st, 1, x->handle_hash.bytes, sizeof(x->handle_hash.bytes));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, x->g->user_id);
	if (rc == BW_OK)
		rc = bw_db_bind_blob(st, 3, x->session_hash->bytes, sizeof(x->session_hash->bytes));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 4, x->g->client_row_id);
	if (rc == BW_OK)
		rc = bind_text_c(st, 5, x->g->redirect_uri);
	if (rc == BW_OK)
		rc = bind_text_c(st, 6, x->g->scope);
	if (rc == BW_OK)
		rc = bind_text_c(st, 7, x->g->state);
	if (rc == BW_OK)
		rc = bind_text_c(st, 8, x->g->nonce);
	if (rc == BW_OK)
		rc = bind_text_c(st, 9, x->g->code_challenge);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 10, x->g->auth_time);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 11, x->now);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 12, x->now + BW_OAUTH_REQUEST_TTL);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	return rc;
}

enum bw_err bw_oauth_request_save(struct bw_app *app, const struct bw_oauth_grant *g,
                                  const struct bw_token_hash *session_hash,
                                  char handle[BW_TOKEN_TEXT_SIZE])
{
	struct save_ctx x = {.g = g, .session_hash = session_hash, .now = (int64_t)time(NULL)};
	enum bw_err rc;

	BW_REQUIRE(g->redirect_uri != NULL && g->scope != NULL && g->code_challenge != NULL);
	bw_token_new(handle);
	rc = bw_token_hash(app->oauth_key, LABEL_REQUEST, bw_str_c(handle), &x.handle_hash);
	if (rc == BW_OK)
		rc = bw_db_tx(app->db, save_tx, &x);
	if (rc != BW_OK)
		bw_wipe(handle, BW_TOKEN_TEXT_SIZE);
	return rc;
}

struct take_ctx {
	struct bw_token_hash handle_hash;
	const struct bw_token_hash *session_hash;
	int64_t user_id;
	int64_t now;
	struct bw_arena *a;
	struct bw_oauth_grant *out;
	bool expired;
};

static enum bw_err take_tx(struct bw_db_conn *c, void *vctx)
{
	struct take_ctx *x = vctx;
	struct bw_oauth_grant *g = x->out;
	struct bw_db_stmt *st = NULL;
	const uint8_t *sh = NULL;
	size_t shlen = 0;
	int64_t expires = 0;
	enum bw_err rc;
	bool row;

	/* only the owner's own session may take it; a stranger's guess deletes nothing */
	rc = bw_db_prepare(
	        c,
	        BW_SQL("DELETE FROM oauth_requests WHERE handle_hash = ? AND user_id = ? "
	               "RETURNING client_row_id, redirect_uri, scope, state, nonce, "
	               "code_challenge, auth_time, expires_at, session_hash"),
	        &st);
	if (rc == BW_OK)
		rc = bw_db_bind_blob(st, 1, x->handle_hash.bytes, sizeof(x->handle_hash.bytes));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, x->user_id);
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 0, &g->client_row_id);
	if (rc == BW_OK)
		rc = col_text_a(st, 1, x->a, false, &g->redirect_uri);
	if (rc == BW_OK)
		rc = col_text_a(st, 2, x->a, false, &g->scope);
	if (rc == BW_OK)
		rc = col_text_a(st, 3, x->a, true, &g->state);
	if (rc == BW_OK)
		rc = col_text_a(st, 4, x->a, true, &g->nonce);
	if (rc == BW_OK)
		rc = col_text_a(st, 5, x->a, false, &g->code_challenge);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 6, &g->auth_time);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 7, &expires);
	if (rc == BW_OK)
		rc = bw_db_col_blob(st, 8, &sh, &shlen);
	if (rc == BW_OK && (shlen != sizeof(x->session_hash->bytes) ||
	                    !bw_ct_eq(sh, shlen, x->session_hash->bytes, shlen)))
		rc = BW_ERR_NOT_FOUND; /* another session of the same user: roll back */
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	x->expired = rc == BW_OK && expires <= x->now; /* deleted (commit), but refused */
	g->user_id = x->user_id;
	return rc;
}

enum bw_err bw_oauth_request_take(struct bw_app *app, struct bw_str handle, int64_t user_id,
                                  const struct bw_token_hash *session_hash, struct bw_arena *a,
                                  struct bw_oauth_grant *out)
{
	struct take_ctx x = {.session_hash = session_hash,
	                     .user_id = user_id,
	                     .now = (int64_t)time(NULL),
	                     .a = a,
	                     .out = out};
	enum bw_err rc;

	memset(out, 0, sizeof(*out));
	if (bw_token_hash(app->oauth_key, LABEL_REQUEST, handle, &x.handle_hash) != BW_OK)
		return BW_ERR_NOT_FOUND;
	rc = bw_db_tx(app->db, take_tx, &x);
	if (rc == BW_OK && x.expired)
		rc = BW_ERR_NOT_FOUND;
	if (rc != BW_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* ---- codes ----------------------------------------------------------------- */

struct code_ctx {
	const struct bw_oauth_grant *g;
	struct bw_token_hash code_hash;
	int64_t now;
	int64_t ttl;
};

static enum bw_err code_tx(struct bw_db_conn *c, void *vctx)
{
	struct code_ctx *x = vctx;
	struct bw_db_stmt *st = NULL;
	enum bw_err rc;
	bool row;

	rc = bw_db_prepare(c, BW_SQL("DELETE FROM oauth_codes WHERE expires_at <= ?"), &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, x->now - BW_OAUTH_CODE_KEEP);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	st = NULL;
	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c,
	                   BW_SQL("INSERT INTO oauth_codes (code_hash, client_row_id, user_id, "
	                          "redirect_uri, scope, nonce, code_challenge, auth_time, "
	                          "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_blob(st, 1, x->code_hash.bytes, sizeof(x->code_hash.bytes));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, x->g->client_row_id);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 3, x->g->user_id);
	if (rc == BW_OK)
		rc = bind_text_c(st, 4, x->g->redirect_uri);
	if (rc == BW_OK)
		rc = bind_text_c(st, 5, x->g->scope);
	if (rc == BW_OK)
		rc = bind_text_c(st, 6, x->g->nonce);
	if (rc == BW_OK)
		rc = bind_text_c(st, 7, x->g->code_challenge);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 8, x->g->auth_time);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 9, x->now);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 10, x->now + x->ttl);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	return rc;
}

enum bw_err bw_oauth_code_create(struct bw_app *app, const struct bw_oauth_grant *g,
                                 char code[BW_TOKEN_TEXT_SIZE])
{
	struct code_ctx x = {
	        .g = g, .now = (int64_t)time(NULL), .ttl = (int64_t)app->settings.oauth_code_ttl_s};
	enum bw_err rc;

	BW_REQUIRE(g->redirect_uri != NULL && g->scope != NULL && g->code_challenge != NULL);
	bw_token_new(code);
	rc = bw_token_hash(app->oauth_key, LABEL_CODE, bw_str_c(code), &x.code_hash);
	if (rc == BW_OK)
		rc = bw_db_tx(app->db, code_tx, &x);
	if (rc != BW_OK)
		bw_wipe(code, BW_TOKEN_TEXT_SIZE);
	return rc;
}

enum bw_err bw_oauth_code_find(struct bw_app *app, struct bw_str code, struct bw_arena *a,
                               struct bw_oauth_code *out)
{
	struct bw_token_hash h;
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	struct bw_oauth_grant *g = &out->grant;
	int64_t used_at = 0;
	enum bw_err rc;

	memset(out, 0, sizeof(*out));
	if (bw_token_hash(app->oauth_key, LABEL_CODE, code, &h) != BW_OK)
		return BW_ERR_NOT_FOUND;
	rc = bw_db_acquire(app->db, &c);
	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c,
	                   BW_SQL("SELECT id, client_row_id, user_id, redirect_uri, scope, nonce, "
	                          "code_challenge, auth_time, expires_at, used_at, family_id, "
	                          "at_jti, at_exp FROM oauth_codes WHERE code_hash = ?"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_blob(st, 1, h.bytes, sizeof(h.bytes));
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 0, &out->id);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 1, &g->client_row_id);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 2, &g->user_id);
	if (rc == BW_OK)
		rc = col_text_a(st, 3, a, false, &g->redirect_uri);
	if (rc == BW_OK)
		rc = col_text_a(st, 4, a, false, &g->scope);
	if (rc == BW_OK)
		rc = col_text_a(st, 5, a, true, &g->nonce);
	if (rc == BW_OK)
		rc = col_text_a(st, 6, a, false, &g->code_challenge);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 7, &g->auth_time);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 8, &out->expires_at);
	if (rc == BW_OK)
		rc = col_int_or_zero(st, 9, &used_at);
	if (rc == BW_OK)
		rc = col_int_or_zero(st, 10, &out->family_id);
	if (rc == BW_OK)
		rc = col_text_a(st, 11, a, true, &out->at_jti);
	if (rc == BW_OK)
		rc = col_int_or_zero(st, 12, &out->at_exp);
	bw_db_finish(st);
	bw_db_release(c);
	out->used = used_at != 0;
	if (rc != BW_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

enum bw_err bw_oauth_code_claim_tx(struct bw_db_conn *c, int64_t id, int64_t now, int64_t family_id,
                                   const char *at_jti, int64_t at_exp)
{
	struct bw_db_stmt *st = NULL;
	uint64_t changed = 0;
	enum bw_err rc;
	bool row;

	rc = bw_db_prepare(c,
	                   BW_SQL("UPDATE oauth_codes SET used_at = ?, family_id = ?, at_jti = ?, "
	                          "at_exp = ? WHERE id = ? AND used_at IS NULL AND expires_at > ?"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, now);
	if (rc == BW_OK)
		rc = family_id != 0 ? bw_db_bind_int64(st, 2, family_id) : bw_db_bind_null(st, 2);
	if (rc == BW_OK)
		rc = bind_text_c(st, 3, at_jti);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 4, at_exp);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 5, id);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 6, now);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	if (rc == BW_OK)
		rc = bw_db_changes(st, &changed);
	bw_db_finish(st);
	if (rc == BW_OK && changed != 1)
		rc = BW_ERR_STATE;
	return rc;
}

enum bw_err bw_oauth_codes_delete_user(struct bw_app *app, int64_t user_id)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	enum bw_err rc = bw_db_acquire(app->db, &c);
	bool row;

	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c, BW_SQL("DELETE FROM oauth_requests WHERE user_id = ?"), &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, user_id);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	st = NULL;
	if (rc == BW_OK)
		rc = bw_db_prepare(
		        c, BW_SQL("DELETE FROM oauth_codes WHERE user_id = ? AND used_at IS NULL"),
		        &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, user_id);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	bw_db_release(c);
	return rc;
}
