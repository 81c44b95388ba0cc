/*
 * clients.c — the administrators' API for OAuth clients and user accounts:
 *   POST   /v1/admin/clients        register a client (needs a fresh re-auth)
 *   GET    /v1/admin/clients        list (limit, cursor)
 *   GET    /v1/admin/clients/{id}   one client
 *   DELETE /v1/admin/clients/{id}   disable it: no more tokens, codes or refreshes
 *   GET    /v1/admin/users          list (limit, cursor)
 *   GET    /v1/admin/users/{id}     one user
 *   PATCH  /v1/admin/users/{id}     {"role"}: a privilege change (needs a fresh
 *                                   re-auth) ends the user's sessions and
 *                                   refresh-token families
 * Every route needs role admin, by session (CSRF-checked) or by a bearer
 * token or API key of an admin that also carries the "admin" scope. Ids are public ids (users)
 * and client_ids; row ids never leave the server, nor do cursors reveal
 * them (a cursor is the public id of the last item of the previous page).
 */
#include <string.h>
#include <time.h>

#include "../oauth_clients.h"
#include "../oauth_clients_int.h"
#include "../reauth.h"
#include "../sessions.h"
#include "bulwark/buf.h"

#define LIMIT_DEFAULT 20
#define LIMIT_MAX     100
#define ADMIN_ARENA   (512u * 1024u)

static enum bw_err not_found(struct bw_resp *resp)
{
	return bw_resp_problem(resp, 404, "not-found", "Not found", "There is no such object.",
	                       NULL);
}

/* limit and cursor of a list route: the validated query values. */
static void page_query(struct bw_req *req, int64_t *limit, struct bw_str *cursor)
{
	bool present;
	struct bw_str v = bw_req_query(req, "limit", &present);

	*limit = LIMIT_DEFAULT;
	if (present && bw_parse_i64(v, 1, LIMIT_MAX, limit) != BW_OK)
		*limit = LIMIT_DEFAULT; /* validated by the route: cannot happen */
	*cursor = bw_req_query(req, "cursor", &present);
	if (!present)
		*cursor = (struct bw_str){0};
}

static enum bw_err bad_cursor(struct bw_resp *resp)
{
	return bw_resp_problem(resp, 400, "invalid-cursor", "Invalid cursor",
	                       "The cursor does not name an item of this list.", NULL);
}

/* ---- clients ------------------------------------------------------------------ */

static json_t *str_array(const char *const *items, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < n; i++)
		if (json_array_append_new(a, json_string(items[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *client_json(const struct bw_oauth_client *c)
{
	json_t *g = json_array();

	for (unsigned bit = 1; g != NULL && bit <= BW_GRANT_CLIENT_CREDENTIALS; bit <<= 1)
		if (c->grant_types & bit)
			json_array_append_new(
			        g, json_string(bw_client_grant_name((enum bw_client_grant)bit)));
	return json_pack("{s:s, s:s, s:b, s:s, s:o, s:o, s:o, s:s, s:b, s:I}", "client_id",
	                 c->client_id, "name", c->name, "confidential", c->confidential,
	                 "token_endpoint_auth_method", bw_client_auth_method_name(c->auth_method),
	                 "redirect_uris", str_array(c->redirect_uris, c->n_redirect_uris), "scopes",
	                 str_array(c->scopes, c->n_scopes), "grant_types", g,
	                 "id_token_signed_response_alg", bw_jwt_alg_name(c->id_token_alg),
	                 "disabled", c->disabled, "created_at", (json_int_t)c->created_at);
}

static const char *const method_choices[] = {"none", "client_secret_basic", "client_secret_post",
                                             "private_key_jwt", NULL};
static const char *const grant_choices[] = {"authorization_code", "refresh_token",
                                            "client_credentials", NULL};
static const struct bw_rule name_rule = BW_RULE_TEXT(1, BW_CLIENT_NAME_MAX, 0);
static const struct bw_rule uri_rule =
        BW_RULE_TEXT(1, BW_CLIENT_REDIRECT_MAX, BW_CC_ALPHA | BW_CC_DIGIT | BW_CC_PUNCT);
static const struct bw_rule scope_rule =
        BW_RULE_TEXT(1, BW_SCOPE_TOKEN_MAX, BW_CC_ALPHA | BW_CC_DIGIT | BW_CC_PUNCT);
static const struct bw_rule method_rule = {.kind = BW_RULE_ENUM, .choices = method_choices};
static const struct bw_rule grant_rule = {.kind = BW_RULE_ENUM, .choices = grant_choices};
static const struct bw_rule jwks_rule =
        BW_RULE_TEXT(1, BW_CLIENT_JWKS_MAX,
                     BW_CC_ALPHA | BW_CC_DIGIT | BW_CC_PUNCT | BW_CC_SPACE | BW_CC_NEWLINE);

static const struct bw_json_field client_fields[] = {
        {"name", BW_JSON_STRING, true, &name_rule, 0},
        {"redirect_uris", BW_JSON_STRING_ARRAY, false, &uri_rule, BW_CLIENT_MAX_REDIRECTS},
        {"scopes", BW_JSON_STRING_ARRAY, true, &scope_rule, BW_CLIENT_MAX_SCOPES},
        {"grant_types", BW_JSON_STRING_ARRAY, false, &grant_rule, 3},
        {"token_endpoint_auth_method", BW_JSON_STRING, false, &method_rule, 0},
        {"jwks", BW_JSON_STRING, false, &jwks_rule, 0},
};
static const struct bw_json_schema client_schema = {client_fields, 6};

/* The strings of a declared array into an arena list. */
static enum bw_err get_list(struct bw_arena *a, const json_t *body, const char *name,
                            const char **list, size_t max, size_t *n)
{
	struct bw_str v;
	size_t count = 0;
	enum bw_err rc = bw_json_get_count(body, &client_schema, name, &count);

	*n = 0;
	if (rc == BW_ERR_NOT_FOUND)
		return BW_OK;
	if (rc != BW_OK || count > max)
		return BW_ERR_INTERNAL; /* held to the schema by the pipeline */
	for (size_t i = 0; i < count; i++) {
		if (bw_json_get_item(body, &client_schema, name, i, &v) != BW_OK)
			return BW_ERR_INTERNAL;
		list[i] = bw_arena_strndup(a, v.p, v.len);
		if (list[i] == NULL)
			return BW_ERR_NOMEM;
	}
	*n = count;
	return BW_OK;
}

static enum bw_err clients_create(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_app *app = bw_req_app(req);
	const struct bw_principal *p = bw_req_principal(req);
	const json_t *body = bw_req_json(req);
	struct bw_arena *a = bw_req_arena(req);
	const char *redirects[BW_CLIENT_MAX_REDIRECTS], *scopes[BW_CLIENT_MAX_SCOPES];
	const char *grants[3];
	size_t n_grants = 0;
	struct bw_oauth_client_new r = {0};
	struct bw_oauth_client_refusal why = {0};
	struct bw_oauth_client *c = NULL;
	struct bw_str v;
	char secret[BW_TOKEN_TEXT_SIZE];
	json_t *obj = NULL;
	enum bw_err rc;

	if (!bw_reauth_fresh(req))
		return bw_reauth_problem(resp);
	secret[0] = '\0';
	if (bw_json_get_str(body, &client_schema, "name", &v) != BW_OK)
		return BW_ERR_INTERNAL;
	r.name = bw_arena_strndup(a, v.p, v.len);
	rc = r.name != NULL ? BW_OK : BW_ERR_NOMEM;
	if (rc == BW_OK)
		rc = get_list(a, body, "redirect_uris", redirects, BW_CLIENT_MAX_REDIRECTS,
		              &r.n_redirect_uris);
	if (rc == BW_OK)
		rc = get_list(a, body, "scopes", scopes, BW_CLIENT_MAX_SCOPES, &r.n_scopes);
	if (rc == BW_OK)
		rc = get_list(a, body, "grant_types", grants, 3, &n_grants);
	if (rc != BW_OK)
		return rc;
	for (size_t i = 0; i < n_grants; i++) {
		enum bw_client_grant g;

		if (bw_client_grant_parse(bw_str_c(grants[i]), &g) != BW_OK)
			return BW_ERR_INTERNAL;
		r.grant_types |= (unsigned)g;
	}
	r.auth_method = BW_CLIENT_AUTH_SECRET_BASIC;
	if (bw_json_get_str(body, &client_schema, "token_endpoint_auth_method", &v) == BW_OK &&
	    bw_client_auth_method_parse(v, &r.auth_method) != BW_OK)
		return BW_ERR_INTERNAL;
	if (bw_json_get_str(body, &client_schema, "jwks", &v) == BW_OK) {
		r.jwks_json = bw_arena_strndup(a, v.p, v.len);
		if (r.jwks_json == NULL)
			return BW_ERR_NOMEM;
	}
	r.confidential = r.auth_method != BW_CLIENT_AUTH_NONE;
	r.redirect_uris = redirects;
	r.scopes = scopes;
	rc = bw_oauth_client_register(app, &r, a, &c, secret, &why);
	if (rc == BW_ERR_INVALID) {
		struct bw_field_errors errs = {.count = 0};
		struct bw_audit_detail d[] = {BW_AUDIT_D_STR("field", bw_str_c(why.field))};

		bw_app_audit(app, req, "admin.client_register", BW_AUDIT_FAILURE, p->user_id, d, 1);
		bw_field_errors_add(&errs, why.field, "invalid");
		return bw_resp_problem(resp, 400, "invalid-client", "Client refused", why.message,
		                       &errs);
	}
	if (rc != BW_OK)
		return rc;
	{
		struct bw_audit_detail d[] = {
		        BW_AUDIT_D_STR("client_id", bw_str_c(c->client_id)),
		        BW_AUDIT_D_STR("method",
		                       bw_str_c(bw_client_auth_method_name(c->auth_method))),
		};

		bw_app_audit(app, req, "admin.client_register", BW_AUDIT_SUCCESS, p->user_id, d,
		             sizeof(d) / sizeof(d[0]));
	}
	obj = client_json(c);
	if (obj != NULL && secret[0] != '\0' &&
	    json_object_set_new(obj, "client_secret", json_string(secret)) != 0) {
		json_decref(obj);
		obj = NULL;
	}
	bw_wipe(secret, sizeof(secret));
	return bw_auth_json(resp, 201, obj);
}

static enum bw_err clients_list(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_app *app = bw_req_app(req);
	struct bw_db_conn *conn = NULL;
	struct bw_db_stmt *st = NULL;
	struct bw_str cursor;
	int64_t limit, after = 0;
	json_t *items = json_array(), *obj = NULL;
	const char *last = NULL;
	bool row = false;
	size_t n = 0;
	enum bw_err rc;

	page_query(req, &limit, &cursor);
	rc = items != NULL ? bw_db_acquire(app->db, &conn) : BW_ERR_NOMEM;
	if (rc == BW_OK && cursor.len > 0) {
		rc = bw_db_prepare(conn, BW_SQL("SELECT id FROM oauth_clients WHERE client_id = ?"),
		                   &st);
		if (rc == BW_OK)
			rc = bw_db_bind_text(st, 1, cursor.p, cursor.len);
		if (rc == BW_OK)
			rc = bw_db_step_one(st);
		if (rc == BW_OK)
			rc = bw_db_col_int64(st, 0, &after);
		bw_db_finish(st);
		st = NULL;
	}
	if (rc == BW_OK)
		rc = bw_db_prepare(
		        conn, BW_SQL(BW_CLIENT_COLUMNS "WHERE id > ? ORDER BY id LIMIT ?"), &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, after);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, limit + 1);
	while (rc == BW_OK && (rc = bw_db_step(st, &row)) == BW_OK && row) {
		struct bw_oauth_client *c = NULL;

		if (n == (size_t)limit)
			break; /* one more exists: there is a next page */
		rc = bw_oauth_client_from_row(st, bw_req_arena(req), &c);
		if (rc == BW_OK)
			rc = json_array_append_new(items, client_json(c)) == 0 ? BW_OK
			                                                       : BW_ERR_NOMEM;
		if (rc == BW_OK)
			last = c->client_id;
		n++;
	}
	bw_db_finish(st);
	if (conn != NULL)
		bw_db_release(conn);
	if (rc == BW_ERR_NOT_FOUND) {
		json_decref(items);
		return bad_cursor(resp);
	}
	if (rc != BW_OK) {
		json_decref(items);
		return rc;
	}
	obj = json_pack("{s:o, s:s?}", "items", items, "next_cursor", row ? last : NULL);
	if (obj != NULL && !row)
		json_object_set_new(obj, "next_cursor", json_null());
	return bw_auth_json(resp, 200, obj);
}

/* The client named in the path, with disabled ones (the admin sees them). */
static enum bw_err client_by_path(struct bw_req *req, struct bw_oauth_client **out)
{
	struct bw_app *app = bw_req_app(req);
	struct bw_str id = bw_req_param(req, "id");
	struct bw_db_conn *conn = NULL;
	struct bw_db_stmt *st = NULL;
	enum bw_err rc = bw_db_acquire(app->db, &conn);

	*out = NULL;
	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(conn, BW_SQL(BW_CLIENT_COLUMNS "WHERE client_id = ?"), &st);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 1, id.p, id.len);
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_oauth_client_from_row(st, bw_req_arena(req), out);
	bw_db_finish(st);
	bw_db_release(conn);
	return rc;
}

static enum bw_err clients_get(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_oauth_client *c = NULL;
	enum bw_err rc;

	rc = client_by_path(req, &c);
	if (rc == BW_ERR_NOT_FOUND)
		return not_found(resp);
	if (rc != BW_OK)
		return rc;
	return bw_auth_json(resp, 200, client_json(c));
}

static enum bw_err disable_tx(struct bw_db_conn *c, void *ctx)
{
	struct bw_db_stmt *st = NULL;
	uint64_t n = 0;
	bool row;
	enum bw_err rc = bw_db_prepare(
	        c, BW_SQL("UPDATE oauth_clients SET disabled = 1 WHERE id = ? AND disabled = 0"),
	        &st);

	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, *(const int64_t *)ctx);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	if (rc == BW_OK)
		rc = bw_db_changes(st, &n);
	bw_db_finish(st);
	return rc == BW_OK && n == 0 ? BW_ERR_NOT_FOUND : rc;
}

static enum bw_err clients_delete(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_app *app = bw_req_app(req);
	const struct bw_principal *p = bw_req_principal(req);
	struct bw_oauth_client *c = NULL;
	enum bw_err rc;

	rc = client_by_path(req, &c);
	if (rc == BW_OK)
		rc = bw_db_tx(app->db, disable_tx, &c->id);
	if (rc == BW_ERR_NOT_FOUND)
		return not_found(resp);
	if (rc != BW_OK)
		return rc;
	{
		struct bw_audit_detail d[] = {BW_AUDIT_D_STR("client_id", bw_str_c(c->client_id))};

		bw_app_audit(app, req, "admin.client_disable", BW_AUDIT_SUCCESS, p->user_id, d, 1);
	}
	bw_resp_status(resp, 204);
	return BW_OK;
}

/* ---- users ------------------------------------------------------------------------ */

#define USER_COLUMNS \
	"SELECT id, public_id, email_canon, role, email_verified, created_at FROM users "

static enum bw_err user_json(struct bw_db_stmt *st, json_t **out, int64_t *row_id,
                             struct bw_str *public_id)
{
	struct bw_str pid, email, role;
	int64_t verified = 0, created = 0;
	enum bw_err rc = bw_db_col_int64(st, 0, row_id);

	if (rc == BW_OK)
		rc = bw_db_col_text(st, 1, &pid);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 2, &email);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 3, &role);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 4, &verified);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 5, &created);
	if (rc != BW_OK)
		return rc;
	*out = json_pack("{s:s%, s:s%, s:s%, s:b, s:I}", "id", pid.p, pid.len, "email", email.p,
	                 email.len, "role", role.p, role.len, "email_verified", verified != 0,
	                 "created_at", (json_int_t)created);
	if (public_id != NULL)
		*public_id = pid;
	return *out != NULL ? BW_OK : BW_ERR_NOMEM;
}

static enum bw_err users_list(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_app *app = bw_req_app(req);
	struct bw_db_conn *conn = NULL;
	struct bw_db_stmt *st = NULL;
	struct bw_str cursor, pid;
	int64_t limit, after = 0, id;
	json_t *items = json_array(), *obj = NULL;
	char *last = NULL;
	bool row = false;
	size_t n = 0;
	enum bw_err rc;

	page_query(req, &limit, &cursor);
	rc = items != NULL ? bw_db_acquire(app->db, &conn) : BW_ERR_NOMEM;
	if (rc == BW_OK && cursor.len > 0) {
		rc = bw_db_prepare(conn, BW_SQL("SELECT id FROM users WHERE public_id = ?"), &st);
		if (rc == BW_OK)
			rc = bw_db_bind_text(st, 1, cursor.p, cursor.len);
		if (rc == BW_OK)
			rc = bw_db_step_one(st);
		if (rc == BW_OK)
			rc = bw_db_col_int64(st, 0, &after);
		bw_db_finish(st);
		st = NULL;
	}
	if (rc == BW_OK)
		rc = bw_db_prepare(conn, BW_SQL(USER_COLUMNS "WHERE id > ? ORDER BY id LIMIT ?"),
		                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, after);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, limit + 1);
	while (rc == BW_OK && (rc = bw_db_step(st, &row)) == BW_OK && row) {
		json_t *u = NULL;

		if (n == (size_t)limit)
			break;
		rc = user_json(st, &u, &id, &pid);
		if (rc == BW_OK)
			rc = json_array_append_new(items, u) == 0 ? BW_OK : BW_ERR_NOMEM;
		if (rc == BW_OK) {
			last = bw_arena_strndup(bw_req_arena(req), pid.p, pid.len);
			rc = last != NULL ? BW_OK : BW_ERR_NOMEM;
		}
		n++;
	}
	bw_db_finish(st);
	if (conn != NULL)
		bw_db_release(conn);
	if (rc == BW_ERR_NOT_FOUND) {
		json_decref(items);
		return bad_cursor(resp);
	}
	if (rc != BW_OK) {
		json_decref(items);
		return rc;
	}
	obj = json_pack("{s:o, s:o}", "items", items, "next_cursor",
	                row ? json_string(last) : json_null());
	return bw_auth_json(resp, 200, obj);
}

/* The user named in the path: its JSON and row id. */
static enum bw_err user_by_path(struct bw_req *req, json_t **out, int64_t *row_id)
{
	struct bw_app *app = bw_req_app(req);
	struct bw_str id = bw_req_param(req, "id");
	struct bw_db_conn *conn = NULL;
	struct bw_db_stmt *st = NULL;
	enum bw_err rc = bw_db_acquire(app->db, &conn);

	*out = NULL;
	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(conn, BW_SQL(USER_COLUMNS "WHERE public_id = ?"), &st);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 1, id.p, id.len);
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = user_json(st, out, row_id, NULL);
	bw_db_finish(st);
	bw_db_release(conn);
	return rc;
}

static enum bw_err users_get(struct bw_req *req, struct bw_resp *resp)
{
	json_t *u = NULL;
	int64_t id = 0;
	enum bw_err rc;

	rc = user_by_path(req, &u, &id);
	if (rc == BW_ERR_NOT_FOUND)
		return not_found(resp);
	if (rc != BW_OK)
		return rc;
	return bw_auth_json(resp, 200, u);
}

static const char *const role_choices[] = {"user", "admin", NULL};
static const struct bw_rule role_rule = {.kind = BW_RULE_ENUM, .choices = role_choices};
static const struct bw_json_field role_fields[] = {
        {"role", BW_JSON_STRING, true, &role_rule, 0},
};
static const struct bw_json_schema role_schema = {role_fields, 1};

struct role_ctx {
	int64_t user_id;
	struct bw_str role;
};

static enum bw_err role_tx(struct bw_db_conn *c, void *vctx)
{
	struct role_ctx *x = vctx;
	struct bw_db_stmt *st = NULL;
	bool row;
	enum bw_err rc = bw_db_prepare(c, BW_SQL("UPDATE users SET role = ? WHERE id = ?"), &st);

	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 1, x->role.p, x->role.len);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, x->user_id);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	return rc;
}

static enum bw_err users_patch(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_app *app = bw_req_app(req);
	const struct bw_principal *p = bw_req_principal(req);
	struct role_ctx x = {0};
	json_t *u = NULL;
	uint64_t ended = 0;
	enum bw_err rc;

	if (!bw_reauth_fresh(req))
		return bw_reauth_problem(resp);
	if (bw_json_get_str(bw_req_json(req), &role_schema, "role", &x.role) != BW_OK)
		return BW_ERR_INTERNAL;
	rc = user_by_path(req, &u, &x.user_id);
	json_decref(u);
	u = NULL;
	if (rc == BW_ERR_NOT_FOUND)
		return not_found(resp);
	if (rc != BW_OK)
		return rc;
	/* an admin never changes their own role: the last admin cannot vanish */
	if (x.user_id == p->user_id)
		return bw_resp_problem(resp, 409, "own-role", "Own role",
		                       "An administrator cannot change their own role.", NULL);
	rc = bw_db_tx(app->db, role_tx, &x);
	/* the privilege change ends what the old role was granted under */
	if (rc == BW_OK)
		rc = bw_sessions_delete_others(app, x.user_id, NULL, &ended);
	if (rc != BW_OK)
		return rc;
	{
		struct bw_audit_detail d[] = {
		        BW_AUDIT_D_STR("target", bw_req_param(req, "id")),
		        BW_AUDIT_D_STR("role", x.role),
		        BW_AUDIT_D_INT("ended_logins", ended),
		};

		bw_app_audit(app, req, "admin.user_role", BW_AUDIT_SUCCESS, p->user_id, d,
		             sizeof(d) / sizeof(d[0]));
	}
	rc = user_by_path(req, &u, &x.user_id);
	if (rc != BW_OK)
		return rc;
	return bw_auth_json(resp, 200, u);
}

/* ---- the routes ------------------------------------------------------------------------ */

static const struct bw_param page_params[] = {
        {.name = "limit", .rule = BW_RULE_INT_RANGE(1, LIMIT_MAX)},
        {.name = "cursor", .rule = {.kind = BW_RULE_TOKEN, .min = 22, .max = 22}},
        {0},
};
static const struct bw_param id_param[] = {
        {.name = "id", .rule = {.kind = BW_RULE_TOKEN, .min = 22, .max = 22}},
        {0},
};

/* tokens and API keys need the admin scope and an admin owner; sessions the role */
static const char *const admin_scope[] = {"admin", NULL};

#define ADMIN_ROUTE                                                                       \
	.auth = BW_AUTH_SESSION | BW_AUTH_BEARER | BW_AUTH_APIKEY, .scopes = admin_scope, \
	.role = "admin", .no_store = true

const struct bw_route bw_routes_admin_clients[] = {
        {.path = "/v1/admin/clients",
         .methods = BW_GET,
         .handler = clients_list,
         .query_params = page_params,
         ADMIN_ROUTE},
        {.path = "/v1/admin/clients",
         .methods = BW_POST,
         .handler = clients_create,
         .body = BW_BODY_JSON,
         .body_max = 32u * 1024u,
         .schema = &client_schema,
         ADMIN_ROUTE},
        {.path = "/v1/admin/clients/{id}",
         .methods = BW_GET,
         .handler = clients_get,
         .path_params = id_param,
         ADMIN_ROUTE},
        {.path = "/v1/admin/clients/{id}",
         .methods = BW_DELETE,
         .handler = clients_delete,
         .path_params = id_param,
         ADMIN_ROUTE},
        {.path = "/v1/admin/users",
         .methods = BW_GET,
         .handler = users_list,
         .query_params = page_params,
         ADMIN_ROUTE},
        {.path = "/v1/admin/users/{id}",
         .methods = BW_GET,
         .handler = users_get,
         .path_params = id_param,
         ADMIN_ROUTE},
        {.path = "/v1/admin/users/{id}",
         .methods = BW_PATCH,
         .handler = users_patch,
         .path_params = id_param,
         .body = BW_BODY_JSON,
         .schema = &role_schema,
         ADMIN_ROUTE},
};

const size_t bw_routes_admin_clients_n =
        sizeof(bw_routes_admin_clients) / sizeof(bw_routes_admin_clients[0]);
