/*
 * me.c — the signed-in user's own account: GET /v1/me, password change,
 * the session list and revocation of one session. GET /v1/me also answers
 * access tokens and API keys that carry the profile scope; every other route
 * here takes only the session cookie (a token or key cannot change the
 * password or see and end sessions), so every unsafe one passes the CSRF
 * checks before its handler runs. Objects are looked up within the user's own rows
 * (WHERE user_id = ?), so another user's session id answers 404.
 */
#include <string.h>
#include <time.h>

#include "../account.h"
#include "../oauth_refresh.h"
#include "../reauth.h"
#include "../sessions.h"
#include "bulwark/cookie.h"
#include "bulwark/password.h"

/* ---- GET /v1/me ----------------------------------------------------------- */

enum bw_err bw_account_profile(struct bw_req *req, struct bw_account_profile *out)
{
	struct bw_app *app = bw_req_app(req);
	const struct bw_principal *p = bw_req_principal(req);
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	struct bw_str email, pid, role;
	int64_t verified = 0;
	enum bw_err rc = bw_db_acquire(app->db, &c);

	memset(out, 0, sizeof(*out));
	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c,
	                   BW_SQL("SELECT public_id, email_canon, role, email_verified, created_at "
	                          "FROM users WHERE id = ?"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, p->user_id);
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 0, &pid);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 1, &email);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 2, &role);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 3, &verified);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 4, &out->created_at);
	if (rc == BW_OK) {
		/* copied out of the statement, which is finished below */
		out->public_id = bw_arena_str(bw_req_arena(req), pid);
		out->email = bw_arena_str(bw_req_arena(req), email);
		out->role = bw_arena_str(bw_req_arena(req), role);
		out->email_verified = verified != 0;
		if (out->public_id.p == NULL || out->email.p == NULL || out->role.p == NULL)
			rc = BW_ERR_NOMEM;
	}
	bw_db_finish(st);
	bw_db_release(c);
	return rc;
}

static enum bw_err route_me(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_account_profile u;
	enum bw_err rc = bw_account_profile(req, &u);

	if (rc != BW_OK)
		return rc;
	return bw_auth_json(resp, 200,
	                    json_pack("{s:s%,s:s%,s:s%,s:b,s:I}", "id", u.public_id.p,
	                              u.public_id.len, "email", u.email.p, u.email.len, "role",
	                              u.role.p, u.role.len, "email_verified", u.email_verified,
	                              "created_at", (json_int_t)u.created_at));
}

/* ---- POST /v1/me/password ------------------------------------------------- */

static const struct bw_rule password_rule = BW_RULE_TEXT(1, 4096, 0);
static const struct bw_json_field password_fields[] = {
        {.name = "current_password",
         .type = BW_JSON_STRING,
         .required = true,
         .rule = &password_rule},
        {.name = "new_password", .type = BW_JSON_STRING, .required = true, .rule = &password_rule},
};
static const struct bw_json_schema password_schema = {password_fields, 2};

struct account {
	char hash[BW_PASSWORD_HASH_MAX];
	char email[BW_AUTH_EMAIL_SIZE];
};

static enum bw_err load_account(struct bw_app *app, int64_t user_id, struct account *a)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	struct bw_str h, e;
	enum bw_err rc = bw_db_acquire(app->db, &c);

	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c, BW_SQL("SELECT password_hash, email_canon FROM users WHERE id = ?"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, user_id);
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 0, &h);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 1, &e);
	if (rc == BW_OK && (h.len >= sizeof(a->hash) || e.len >= sizeof(a->email)))
		rc = BW_ERR_INTERNAL;
	if (rc == BW_OK) {
		memcpy(a->hash, h.p, h.len);
		a->hash[h.len] = '\0';
		memcpy(a->email, e.p, e.len);
		a->email[e.len] = '\0';
	}
	bw_db_finish(st);
	bw_db_release(c);
	return rc;
}

enum bw_err bw_auth_user_public_id(struct bw_app *app, int64_t user_id, char out[BW_PUBLIC_ID_SIZE])
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	struct bw_str pid;
	enum bw_err rc = bw_db_acquire(app->db, &c);

	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c, BW_SQL("SELECT public_id FROM users WHERE id = ?"), &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, user_id);
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 0, &pid);
	if (rc == BW_OK && pid.len != BW_PUBLIC_ID_LEN)
		rc = BW_ERR_INTERNAL;
	if (rc == BW_OK) {
		memcpy(out, pid.p, pid.len);
		out[pid.len] = '\0';
	}
	bw_db_finish(st);
	bw_db_release(c);
	return rc;
}

enum bw_err bw_auth_load_account(struct bw_app *app, int64_t user_id,
                                 char hash[BW_PASSWORD_HASH_MAX], char email[BW_AUTH_EMAIL_SIZE])
{
	struct account a;
	enum bw_err rc = load_account(app, user_id, &a);

	if (rc == BW_OK) {
		memcpy(hash, a.hash, sizeof(a.hash));
		memcpy(email, a.email, sizeof(a.email));
	}
	bw_wipe(&a, sizeof(a));
	return rc;
}

static enum bw_err set_password(struct bw_app *app, int64_t user_id, const char *hash)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	enum bw_err rc = bw_db_acquire(app->db, &c);
	bool row;

	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c,
	                   BW_SQL("UPDATE users SET password_hash = ?, password_changed_at = ? "
	                          "WHERE id = ?"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 1, hash, strlen(hash));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, (int64_t)time(NULL));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 3, user_id);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	bw_db_release(c);
	return rc;
}

enum bw_err bw_account_change_password(struct bw_req *req, struct bw_resp *resp,
                                       struct bw_str current, struct bw_str fresh,
                                       struct bw_account_result *out)
{
	struct bw_app *app = bw_req_app(req);
	const struct bw_principal *p = bw_req_principal(req);
	const struct bw_session_info *info = p->data;
	struct bw_password_params params = bw_auth_params(app);
	char hash[BW_PASSWORD_HASH_MAX], token[BW_TOKEN_TEXT_SIZE], pid[BW_PUBLIC_ID_SIZE];
	struct bw_token_hash sh;
	struct account a;
	uint64_t revoked = 0;
	const char *code = NULL;
	bool allowed = false;
	enum bw_err rc;

	memset(out, 0, sizeof(*out));
	memset(&a, 0, sizeof(a));
	token[0] = '\0';
	hash[0] = '\0';
	/* a sensitive action (API.md): the current password alone would let a thief
	 * holding the session and the password skip the second factor */
	if (!bw_reauth_fresh(req)) {
		out->status = BW_ACCOUNT_REAUTH;
		return BW_OK;
	}
	rc = load_account(app, p->user_id, &a);
	if (rc != BW_OK)
		goto out;
	/* a stolen session must not become a password-guessing oracle */
	rc = bw_auth_login_limits(req, bw_str_c(a.email), &allowed);
	if (rc != BW_OK || !allowed) {
		out->status = BW_ACCOUNT_RATE_LIMITED;
		rc = BW_OK;
		goto out;
	}
	if (bw_password_verify(bw_str_c(a.hash), current) != BW_OK) {
		bw_app_audit(app, req, "auth.password_change", BW_AUDIT_FAILURE, p->user_id, NULL,
		             0);
		out->status = BW_ACCOUNT_FIELD;
		out->field = "current_password";
		out->code = "invalid";
		goto out;
	}
	rc = bw_password_policy_check(fresh, bw_str_c(a.email), &code);
	if (rc == BW_ERR_INVALID && code != NULL) {
		out->status = BW_ACCOUNT_FIELD;
		out->field = "new_password";
		out->code = code;
		rc = BW_OK;
		goto out;
	}
	if (rc == BW_OK)
		rc = bw_password_hash(&params, fresh, hash);
	if (rc == BW_OK)
		rc = set_password(app, p->user_id, hash);
	/* every session ends, this one too: it is replaced by a fresh id (rotation) */
	if (rc == BW_OK)
		rc = bw_sessions_delete_others(app, p->user_id, NULL, &revoked);
	/* and so does every OAuth grant: refresh families, their live access tokens */
	if (rc == BW_OK)
		rc = bw_refresh_revoke_user(app, p->user_id);
	if (rc == BW_OK)
		rc = bw_sessions_create(app, p->user_id, (int64_t)time(NULL), bw_req_client_ip(req),
		                        bw_req_header(req, "User-Agent"), token, &sh, pid, NULL);
	if (rc == BW_OK)
		rc = bw_auth_session_cookie(req, resp, token);
	if (rc != BW_OK)
		goto out;
	{
		struct bw_audit_detail d[] = {
		        BW_AUDIT_D_INT("revoked", revoked),
		        BW_AUDIT_D_STR("replaced_sid", bw_str_c(info->public_id))};

		bw_app_audit(app, req, "auth.password_change", BW_AUDIT_SUCCESS, p->user_id, d, 2);
	}
out:
	bw_wipe(hash, sizeof(hash));
	bw_wipe(token, sizeof(token));
	bw_wipe(&a, sizeof(a));
	return rc;
}

static enum bw_err route_password(struct bw_req *req, struct bw_resp *resp)
{
	const json_t *body = bw_req_json(req);
	struct bw_field_errors errs = {.count = 0};
	struct bw_account_result res;
	struct bw_str current, fresh;
	enum bw_err rc;

	if (bw_json_get_str(body, &password_schema, "current_password", &current) != BW_OK ||
	    bw_json_get_str(body, &password_schema, "new_password", &fresh) != BW_OK)
		return BW_ERR_INTERNAL; /* the pipeline held the body to the schema */
	rc = bw_account_change_password(req, resp, current, fresh, &res);
	if (rc != BW_OK)
		return rc;
	if (res.status == BW_ACCOUNT_REAUTH)
		return bw_reauth_problem(resp);
	if (res.status == BW_ACCOUNT_RATE_LIMITED)
		return bw_resp_problem(resp, 429, "rate-limited", "Too many requests",
		                       "Slow down and retry after the time given in Retry-After.",
		                       NULL);
	if (res.status == BW_ACCOUNT_FIELD) {
		bw_field_errors_add(&errs, res.field, res.code);
		return bw_resp_problem(resp, 400, "invalid-body", "Invalid request body",
		                       "One or more fields are invalid.", &errs);
	}
	bw_resp_status(resp, 204);
	return BW_OK;
}

/* ---- GET /v1/me/sessions --------------------------------------------------- */

enum bw_err bw_account_sessions(struct bw_req *req,
                                enum bw_err (*fn)(void *ctx, const struct bw_account_session *s),
                                void *ctx)
{
	struct bw_app *app = bw_req_app(req);
	const struct bw_principal *p = bw_req_principal(req);
	const struct bw_session_info *info = p->data;
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	int64_t now = (int64_t)time(NULL);
	enum bw_err rc;
	bool row = false;

	rc = bw_db_acquire(app->db, &c);
	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c,
	                   BW_SQL("SELECT public_id, created_at, last_seen_at, expires_at, ip, "
	                          "user_agent FROM sessions WHERE user_id = ? AND expires_at > ? "
	                          "AND last_seen_at > ? ORDER BY created_at DESC, id DESC"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, p->user_id);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, now);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 3, now - (int64_t)app->settings.session_idle_s);
	while (rc == BW_OK && (rc = bw_db_step(st, &row)) == BW_OK && row) {
		struct bw_account_session s;

		rc = bw_db_col_text(st, 0, &s.id);
		if (rc == BW_OK)
			rc = bw_db_col_int64(st, 1, &s.created_at);
		if (rc == BW_OK)
			rc = bw_db_col_int64(st, 2, &s.last_seen_at);
		if (rc == BW_OK)
			rc = bw_db_col_int64(st, 3, &s.expires_at);
		if (rc == BW_OK)
			rc = bw_db_col_text(st, 4, &s.ip);
		if (rc == BW_OK)
			rc = bw_db_col_text(st, 5, &s.user_agent);
		if (rc != BW_OK)
			break;
		s.current = bw_str_eq_c(s.id, info->public_id);
		rc = fn(ctx, &s);
	}
	bw_db_finish(st);
	bw_db_release(c);
	return rc;
}

static enum bw_err session_json(void *ctx, const struct bw_account_session *s)
{
	json_t *o = json_pack("{s:s%,s:I,s:I,s:I,s:s%,s:s%,s:b}", "id", s->id.p, s->id.len,
	                      "created_at", (json_int_t)s->created_at, "last_seen_at",
	                      (json_int_t)s->last_seen_at, "expires_at", (json_int_t)s->expires_at,
	                      "ip", s->ip.p, s->ip.len, "user_agent", s->user_agent.p,
	                      s->user_agent.len, "current", s->current);

	return o != NULL && json_array_append_new(ctx, o) == 0 ? BW_OK : BW_ERR_NOMEM;
}

static enum bw_err route_sessions(struct bw_req *req, struct bw_resp *resp)
{
	json_t *items = json_array();
	enum bw_err rc;

	if (items == NULL)
		return BW_ERR_NOMEM;
	rc = bw_account_sessions(req, session_json, items);
	if (rc != BW_OK) {
		json_decref(items);
		return rc;
	}
	return bw_auth_json(resp, 200, json_pack("{s:o}", "items", items));
}

/* ---- DELETE /v1/me/sessions/{id} ------------------------------------------ */

enum bw_err bw_account_revoke_session(struct bw_req *req, struct bw_resp *resp, struct bw_str id,
                                      bool *current, struct bw_account_result *out)
{
	struct bw_app *app = bw_req_app(req);
	const struct bw_principal *p = bw_req_principal(req);
	const struct bw_session_info *info = p->data;
	enum bw_err rc = bw_sessions_revoke(app, p->user_id, id);

	memset(out, 0, sizeof(*out));
	*current = bw_str_eq_c(id, info->public_id);
	if (rc == BW_ERR_NOT_FOUND) {
		out->status = BW_ACCOUNT_NOT_FOUND;
		return BW_OK;
	}
	if (rc != BW_OK)
		return rc;
	if (*current) {
		const char *cookie;

		rc = bw_cookie_session_delete(bw_req_arena(req), &cookie);
		if (rc == BW_OK)
			rc = bw_resp_header(resp, "Set-Cookie", cookie);
		if (rc != BW_OK)
			return rc;
	}
	{
		struct bw_audit_detail d[] = {BW_AUDIT_D_STR("sid", id),
		                              BW_AUDIT_D_BOOL("current", *current)};

		bw_app_audit(app, req, "auth.session_revoked", BW_AUDIT_SUCCESS, p->user_id, d, 2);
	}
	return BW_OK;
}

static enum bw_err route_session_delete(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_account_result res;
	bool current;
	enum bw_err rc =
	        bw_account_revoke_session(req, resp, bw_req_param(req, "id"), &current, &res);

	if (rc != BW_OK)
		return rc;
	if (res.status == BW_ACCOUNT_NOT_FOUND)
		return bw_resp_problem(resp, 404, "not-found", "Not found",
		                       "No resource exists at this path.", NULL);
	bw_resp_status(resp, 204);
	return BW_OK;
}

/* ---- the routes ------------------------------------------------------------- */

static const struct bw_param session_id_param[] = {
        {.name = "id",
         .rule = {.kind = BW_RULE_TOKEN, .min = BW_PUBLIC_ID_LEN, .max = BW_PUBLIC_ID_LEN}},
        {.name = NULL},
};

static const char *const profile_scope[] = {"profile", NULL};

const struct bw_route bw_routes_me[] = {
        /* the profile: also for access tokens and API keys with the profile scope */
        {.path = "/v1/me",
         .methods = BW_GET,
         .handler = route_me,
         .auth = BW_AUTH_SESSION | BW_AUTH_BEARER | BW_AUTH_APIKEY,
         .scopes = profile_scope},
        {.path = "/v1/me/password",
         .methods = BW_POST,
         .handler = route_password,
         .body = BW_BODY_JSON,
         .body_max = 16384,
         .schema = &password_schema,
         .auth = BW_AUTH_SESSION,
         .csrf = BW_CSRF_TOKEN,
         .slow = true},
        {.path = "/v1/me/sessions",
         .methods = BW_GET,
         .handler = route_sessions,
         .auth = BW_AUTH_SESSION},
        {.path = "/v1/me/sessions/{id}",
         .methods = BW_DELETE,
         .handler = route_session_delete,
         .path_params = session_id_param,
         .auth = BW_AUTH_SESSION,
         .csrf = BW_CSRF_TOKEN},
};

const size_t bw_routes_me_n = sizeof(bw_routes_me) / sizeof(bw_routes_me[0]);
