/*
 * sessions.c — the session store (sessions.h) over the sessions table, and
 * the authenticator and CSRF checks the HTTP pipeline calls for
 * cookie-authenticated routes. Only keyed hashes of session ids are stored;
 * every timeout is checked against the row on each lookup, so a stale row
 * left behind by a crash cannot authenticate.
 */
#include "sessions.h"

#include <string.h>
#include <time.h>

#include "bulwark/cookie.h"
#include "bulwark/csrf.h"
#include "bulwark/log.h"
#include "bulwark/random.h"

void bw_public_id_new(char out[BW_PUBLIC_ID_SIZE])
{
	/* 16 bytes give 22 characters of base64url and a NUL: cannot fail */
	if (bw_random_token(16, out, BW_PUBLIC_ID_SIZE) != BW_OK)
		bw_panic("public id: buffer too small");
}

/* How often last_seen_at may be written: once a minute, or every half idle
 * timeout when that is shorter (else a short idle timeout could expire an
 * active session between two writes). */
static int64_t touch_interval(const struct bw_app *app)
{
	int64_t half = (int64_t)app->settings.session_idle_s / 2;

	return half < BW_SESSION_TOUCH_S ? (half < 1 ? 1 : half) : BW_SESSION_TOUCH_S;
}

enum bw_err bw_sessions_start(struct bw_app *app)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	enum bw_err rc;
	bool row;

	if (app->db == NULL || app->session_key == NULL || app->csrf_key == NULL ||
	    app->mail_key == NULL || app->settings.session_idle_s == 0 ||
	    app->settings.session_idle_s > app->settings.session_lifetime_s ||
	    app->settings.session_max == 0)
		return BW_ERR_STATE;
	rc = bw_db_acquire(app->db, &c);
	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(
	        c, BW_SQL("DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?"), &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, (int64_t)time(NULL));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2,
		                      (int64_t)time(NULL) - (int64_t)app->settings.session_idle_s);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	bw_db_release(c);
	return rc;
}

/* Printable ASCII only, cut to BW_SESSION_UA_MAX: it is shown back to the owner. */
static void clean_agent(const char *ua, char out[BW_SESSION_UA_MAX + 1])
{
	size_t n = 0;

	for (; ua != NULL && ua[n] != '\0' && n < BW_SESSION_UA_MAX; n++) {
		unsigned char ch = (unsigned char)ua[n];

		out[n] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	out[n] = '\0';
}

struct create_ctx {
	int64_t user_id, now, expires, auth_time, max;
	const char *ip;
	const char *ua;
	const struct bw_token_hash *hash;
	const char *public_id;
	uint64_t evicted;
};

static enum bw_err create_tx(struct bw_db_conn *c, void *vctx)
{
	struct create_ctx *x = vctx;
	struct bw_db_stmt *st = NULL;
	enum bw_err rc;
	bool row;

	x->evicted = 0;
	rc = bw_db_prepare(c,
	                   BW_SQL("INSERT INTO sessions (user_id, token_hash, created_at, "
	                          "last_seen_at, expires_at, auth_time, ip, user_agent, public_id) "
	                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, x->user_id);
	if (rc == BW_OK)
		rc = bw_db_bind_blob(st, 2, x->hash->bytes, sizeof(x->hash->bytes));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 3, x->now);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 4, x->now);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 5, x->expires);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 6, x->auth_time);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 7, x->ip, strlen(x->ip));
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 8, x->ua, strlen(x->ua));
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 9, x->public_id, strlen(x->public_id));
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	st = NULL;
	if (rc != BW_OK)
		return rc;
	/* the cap: keep the newest max sessions (ids grow with creation) */
	rc = bw_db_prepare(c,
	                   BW_SQL("DELETE FROM sessions WHERE user_id = ? AND id NOT IN "
	                          "(SELECT id FROM sessions WHERE user_id = ? "
	                          "ORDER BY created_at DESC, id DESC LIMIT ?)"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, x->user_id);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, x->user_id);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 3, x->max);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	if (rc == BW_OK)
		rc = bw_db_changes(st, &x->evicted);
	bw_db_finish(st);
	return rc;
}

enum bw_err bw_sessions_create(struct bw_app *app, int64_t user_id, int64_t auth_time,
                               const char *ip, const char *user_agent,
                               char token[BW_TOKEN_TEXT_SIZE], struct bw_token_hash *hash,
                               char *public_id, uint64_t *evicted)
{
	char ua[BW_SESSION_UA_MAX + 1];
	char pid[BW_PUBLIC_ID_SIZE];
	struct create_ctx x;
	enum bw_err rc;

	BW_REQUIRE(app != NULL && token != NULL && hash != NULL && user_id > 0);
	bw_token_new(token);
	rc = bw_token_hash(app->session_key, BW_SESSION_LABEL, bw_str_c(token), hash);
	if (rc != BW_OK)
		goto out;
	clean_agent(user_agent, ua);
	bw_public_id_new(pid);
	memset(&x, 0, sizeof(x));
	x.user_id = user_id;
	x.now = (int64_t)time(NULL);
	x.expires = x.now + (int64_t)app->settings.session_lifetime_s;
	x.auth_time = auth_time;
	x.max = (int64_t)app->settings.session_max;
	x.ip = ip != NULL ? ip : "";
	x.ua = ua;
	x.hash = hash;
	x.public_id = pid;
	rc = bw_db_tx(app->db, create_tx, &x);
	if (rc == BW_OK && public_id != NULL)
		memcpy(public_id, pid, sizeof(pid));
	if (evicted != NULL)
		*evicted = rc == BW_OK ? x.evicted : 0;
out:
	if (rc != BW_OK)
		bw_wipe(token, BW_TOKEN_TEXT_SIZE);
	return rc;
}

/* Delete one row by its id (an expired session seen at lookup). */
static enum bw_err delete_row(struct bw_db_conn *c, int64_t id)
{
	struct bw_db_stmt *st = NULL;
	enum bw_err rc = bw_db_prepare(c, BW_SQL("DELETE FROM sessions WHERE id = ?"), &st);
	bool row;

	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, id);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	return rc;
}

static enum bw_err touch_row(struct bw_db_conn *c, int64_t id, int64_t now)
{
	struct bw_db_stmt *st = NULL;
	enum bw_err rc =
	        bw_db_prepare(c, BW_SQL("UPDATE sessions SET last_seen_at = ? WHERE id = ?"), &st);
	bool row;

	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, now);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, id);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	return rc;
}

enum bw_err bw_sessions_lookup(struct bw_app *app, struct bw_str token, int64_t now,
                               struct bw_session_info *out)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	struct bw_token_hash h;
	struct bw_str pid;
	const uint8_t *blob;
	size_t bloblen;
	bool expired = false;
	enum bw_err rc;

	memset(out, 0, sizeof(*out));
	rc = bw_token_hash(app->session_key, BW_SESSION_LABEL, token, &h);
	if (rc != BW_OK)
		return rc == BW_ERR_INVALID ? BW_ERR_INVALID : rc;
	rc = bw_db_acquire(app->db, &c);
	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c,
	                   BW_SQL("SELECT id, user_id, created_at, last_seen_at, expires_at, "
	                          "auth_time, public_id, token_hash FROM sessions "
	                          "WHERE token_hash = ?"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_blob(st, 1, h.bytes, sizeof(h.bytes));
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 0, &out->row_id);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 1, &out->user_id);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 2, &out->created_at);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 3, &out->last_seen_at);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 4, &out->expires_at);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 5, &out->auth_time);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 6, &pid);
	if (rc == BW_OK && pid.len != BW_PUBLIC_ID_LEN)
		rc = BW_ERR_INTERNAL;
	if (rc == BW_OK) {
		memcpy(out->public_id, pid.p, pid.len);
		out->public_id[pid.len] = '\0';
		rc = bw_db_col_blob(st, 7, &blob, &bloblen);
	}
	/* the index found it; still compare in constant time, as token.h asks */
	if (rc == BW_OK && bloblen != sizeof(out->hash.bytes))
		rc = BW_ERR_INTERNAL;
	if (rc == BW_OK) {
		memcpy(out->hash.bytes, blob, bloblen);
		if (!bw_token_hash_eq(&out->hash, &h))
			rc = BW_ERR_NOT_FOUND;
	}
	bw_db_finish(st);
	if (rc != BW_OK)
		goto out;
	if (now >= out->expires_at ||
	    now - out->last_seen_at >= (int64_t)app->settings.session_idle_s) {
		expired = true;
		rc = delete_row(c, out->row_id);
		if (rc == BW_OK)
			rc = BW_ERR_NOT_FOUND;
		goto out;
	}
	if (now - out->last_seen_at >= touch_interval(app)) {
		rc = touch_row(c, out->row_id, now);
		if (rc == BW_OK)
			out->last_seen_at = now;
	}
out:
	bw_db_release(c);
	if (rc != BW_OK || expired)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* Run one statement with the given binds: a user id and an optional blob. */
static enum bw_err delete_where(struct bw_app *app, struct bw_sql sql, int64_t user_id,
                                const struct bw_token_hash *h, struct bw_str text, uint64_t *n)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	unsigned idx = 1;
	enum bw_err rc;
	bool row;

	rc = bw_db_acquire(app->db, &c);
	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c, sql, &st);
	if (rc == BW_OK && user_id > 0)
		rc = bw_db_bind_int64(st, idx++, user_id);
	if (rc == BW_OK && h != NULL)
		rc = bw_db_bind_blob(st, idx++, h->bytes, sizeof(h->bytes));
	if (rc == BW_OK && text.p != NULL)
		rc = bw_db_bind_text(st, idx++, text.p, text.len);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	if (rc == BW_OK && n != NULL)
		rc = bw_db_changes(st, n);
	bw_db_finish(st);
	bw_db_release(c);
	return rc;
}

enum bw_err bw_sessions_delete(struct bw_app *app, const struct bw_token_hash *hash)
{
	return delete_where(app, BW_SQL("DELETE FROM sessions WHERE token_hash = ?"), 0, hash,
	                    (struct bw_str){NULL, 0}, NULL);
}

enum bw_err bw_sessions_delete_token(struct bw_app *app, struct bw_str token)
{
	struct bw_token_hash h;
	enum bw_err rc = bw_token_hash(app->session_key, BW_SESSION_LABEL, token, &h);

	if (rc == BW_ERR_INVALID)
		return BW_OK;
	return rc == BW_OK ? bw_sessions_delete(app, &h) : rc;
}

enum bw_err bw_sessions_delete_others(struct bw_app *app, int64_t user_id,
                                      const struct bw_token_hash *keep, uint64_t *n)
{
	BW_REQUIRE(user_id > 0);
	if (keep == NULL)
		return delete_where(app, BW_SQL("DELETE FROM sessions WHERE user_id = ?"), user_id,
		                    NULL, (struct bw_str){NULL, 0}, n);
	return delete_where(app,
	                    BW_SQL("DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?"),
	                    user_id, keep, (struct bw_str){NULL, 0}, n);
}

enum bw_err bw_sessions_set_auth_time(struct bw_app *app, const struct bw_token_hash *hash,
                                      int64_t t)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	uint64_t n = 0;
	enum bw_err rc = bw_db_acquire(app->db, &c);
	bool row;

	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c, BW_SQL("UPDATE sessions SET auth_time = ? WHERE token_hash = ?"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, t);
	if (rc == BW_OK)
		rc = bw_db_bind_blob(st, 2, hash->bytes, sizeof(hash->bytes));
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	if (rc == BW_OK)
		rc = bw_db_changes(st, &n);
	bw_db_finish(st);
	bw_db_release(c);
	return rc == BW_OK && n != 1 ? BW_ERR_NOT_FOUND : rc;
}

enum bw_err bw_sessions_revoke(struct bw_app *app, int64_t user_id, struct bw_str public_id)
{
	uint64_t n = 0;
	enum bw_err rc;

	BW_REQUIRE(user_id > 0);
	if (public_id.len != BW_PUBLIC_ID_LEN)
		return BW_ERR_NOT_FOUND;
	rc = delete_where(app, BW_SQL("DELETE FROM sessions WHERE user_id = ? AND public_id = ?"),
	                  user_id, NULL, public_id, &n);
	if (rc == BW_OK && n == 0)
		rc = BW_ERR_NOT_FOUND;
	return rc;
}

/* ---- the HTTP side ------------------------------------------------------ */

/* The role of the session's user, read with the session so a demoted admin
 * is a user at the next request. */
static enum bw_err load_role(struct bw_app *app, int64_t user_id, char role[16])
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	struct bw_str r;
	enum bw_err rc = bw_db_acquire(app->db, &c);

	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c, BW_SQL("SELECT role FROM users WHERE id = ?"), &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, user_id);
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 0, &r);
	if (rc == BW_OK && (r.len == 0 || r.len >= 16))
		rc = BW_ERR_INTERNAL;
	if (rc == BW_OK) {
		memcpy(role, r.p, r.len);
		role[r.len] = '\0';
	}
	bw_db_finish(st);
	bw_db_release(c);
	return rc;
}

enum bw_err bw_sessions_authenticate(void *ctx, struct bw_req *req, unsigned kinds,
                                     struct bw_principal *out)
{
	struct bw_app *app = ctx;
	const char *header;
	struct bw_cookies cookies;
	struct bw_str token;
	struct bw_session_info *info;
	enum bw_err rc;

	if ((kinds & BW_AUTH_SESSION) == 0)
		return BW_ERR_NOT_FOUND;
	header = bw_req_header(req, "Cookie");
	if (header == NULL)
		return BW_ERR_NOT_FOUND;
	/* a Cookie header we cannot parse strictly cannot be trusted to name a session */
	if (bw_cookie_parse(bw_str_c(header), &cookies) != BW_OK)
		return BW_ERR_DENIED;
	rc = bw_cookie_session_get(&cookies, &token);
	if (rc == BW_ERR_NOT_FOUND)
		return BW_ERR_NOT_FOUND;
	if (rc != BW_OK)
		return BW_ERR_DENIED; /* duplicated (cookie tossing), quoted or malformed */
	info = bw_arena_calloc(bw_req_arena(req), 1, sizeof(*info));
	if (info == NULL)
		return BW_ERR_NOMEM;
	rc = bw_sessions_lookup(app, token, (int64_t)time(NULL), info);
	if (rc == BW_ERR_INVALID || rc == BW_ERR_NOT_FOUND)
		return BW_ERR_DENIED;
	if (rc != BW_OK)
		return rc;
	rc = load_role(app, info->user_id, out->role);
	if (rc == BW_ERR_NOT_FOUND)
		return BW_ERR_DENIED;
	if (rc != BW_OK)
		return rc;
	out->kind = BW_AUTH_SESSION;
	out->user_id = info->user_id;
	out->auth_time = info->auth_time;
	memcpy(out->session_hash, info->hash.bytes, sizeof(out->session_hash));
	out->scopes[0] = NULL;
	out->data = info;
	return BW_OK;
}

static struct bw_str *opt_header(struct bw_req *req, const char *name, struct bw_str *slot)
{
	const char *v = bw_req_header(req, name);

	if (v == NULL)
		return NULL;
	*slot = bw_str_c(v);
	return slot;
}

static void log_refusal(struct bw_app *app, struct bw_req *req, const char *check,
                        enum bw_csrf_reason why)
{
	BW_LOG(app->log, BW_LOG_WARN, bw_req_id(req), "csrf.refused", BW_LOG_F_CSTR("check", check),
	       BW_LOG_F_CSTR("reason", bw_csrf_reason_str(why)));
}

/* Origin, Referer and Sec-Fetch-Site against the configured public origin. */
static enum bw_err check_origin(struct bw_app *app, struct bw_req *req)
{
	struct bw_str o, r, f;
	enum bw_csrf_reason why = BW_CSRF_ERROR;
	enum bw_err rc = bw_csrf_check_origin(
	        bw_str_c(app->settings.public_origin), opt_header(req, "Origin", &o),
	        opt_header(req, "Referer", &r), opt_header(req, "Sec-Fetch-Site", &f), &why);

	if (rc != BW_OK)
		log_refusal(app, req, "origin", why);
	return rc;
}

enum bw_err bw_sessions_check_csrf(void *ctx, struct bw_req *req, const struct bw_principal *p)
{
	struct bw_app *app = ctx;
	struct bw_token_hash h;
	struct bw_str t;
	enum bw_csrf_reason why = BW_CSRF_ERROR;
	enum bw_err rc;

	if (p == NULL || p->kind != BW_AUTH_SESSION)
		return BW_ERR_DENIED;
	rc = check_origin(app, req);
	if (rc != BW_OK)
		return rc;
	memcpy(h.bytes, p->session_hash, sizeof(h.bytes));
	rc = bw_csrf_session_check(app->csrf_key, &h, bw_req_csrf_token(req, &t), &why);
	if (rc != BW_OK)
		log_refusal(app, req, "session_token", why);
	return rc;
}

enum bw_err bw_sessions_check_presession(struct bw_app *app, struct bw_req *req)
{
	const char *header;
	struct bw_cookies cookies;
	struct bw_str t;
	enum bw_csrf_reason why = BW_CSRF_ERROR;
	enum bw_err rc;

	rc = check_origin(app, req);
	if (rc != BW_OK)
		return rc;
	header = bw_req_header(req, "Cookie");
	cookies.count = 0;
	if (header != NULL && bw_cookie_parse(bw_str_c(header), &cookies) != BW_OK) {
		log_refusal(app, req, "presession_token", BW_CSRF_COOKIE_MISSING);
		return BW_ERR_DENIED;
	}
	rc = bw_csrf_presession_check(app->csrf_key, header != NULL ? &cookies : NULL,
	                              bw_req_csrf_token(req, &t), (uint64_t)time(NULL), &why);
	if (rc == BW_OK)
		return rc;
	/* a signed-in browser (logging in again, as someone else) holds the token of
	 * its session instead, which proves as much: accept that too */
	if (header != NULL) {
		struct bw_session_info info;
		struct bw_str sid;
		enum bw_csrf_reason why2 = BW_CSRF_ERROR;

		if (bw_cookie_session_get(&cookies, &sid) == BW_OK &&
		    bw_sessions_lookup(app, sid, (int64_t)time(NULL), &info) == BW_OK &&
		    bw_csrf_session_check(app->csrf_key, &info.hash, bw_req_csrf_token(req, &t),
		                          &why2) == BW_OK)
			return BW_OK;
	}
	log_refusal(app, req, "presession_token", why);
	return rc;
}

static enum bw_err presession_cb(void *ctx, struct bw_req *req)
{
	return bw_sessions_check_presession(ctx, req);
}

static enum bw_err origin_cb(void *ctx, struct bw_req *req)
{
	return check_origin(ctx, req);
}

struct bw_http_auth bw_sessions_http_auth(struct bw_app *app)
{
	return (struct bw_http_auth){
	        .authenticate = bw_sessions_authenticate,
	        .check_csrf = bw_sessions_check_csrf,
	        .check_presession = presession_cb,
	        .check_origin = origin_cb,
	        .ctx = app,
	};
}
