/*
 * apikeys.c — the signed-in user's API keys: create (a sensitive action:
 * needs a recent password or MFA proof), list, revoke. Every route here takes
 * only the session cookie: an API key or an access token cannot mint, list or
 * revoke keys, and every unsafe route passes the CSRF checks before its
 * handler runs. Keys are looked up within the user's own rows, so another
 * user's key id answers 404.
 */
#include <string.h>

#include "../apikeys.h"
#include "../reauth.h"

/* ---- POST /v1/me/api-keys ---------------------------------------------------- */

static const struct bw_rule name_rule =
        BW_RULE_TEXT(1, BW_APIKEY_NAME_MAX,
                     BW_CC_ALPHA | BW_CC_DIGIT | BW_CC_SPACE | BW_CC_PUNCT | BW_CC_DASH |
                             BW_CC_DOT | BW_CC_UNICODE);
/* the syntax of a scope name; whether it is allowed is the handler's check */
static const struct bw_rule scope_rule = BW_RULE_TEXT(
        1, BW_APIKEY_SCOPE_MAX, BW_CC_ALPHA | BW_CC_DIGIT | BW_CC_DASH | BW_CC_DOT | BW_CC_PUNCT);
static const struct bw_rule expires_rule =
        BW_RULE_INT_RANGE(BW_APIKEY_TTL_MIN_S, BW_APIKEY_TTL_MAX_S);
static const struct bw_json_field create_fields[] = {
        {.name = "name", .type = BW_JSON_STRING, .required = true, .rule = &name_rule},
        {.name = "scopes",
         .type = BW_JSON_STRING_ARRAY,
         .required = true,
         .rule = &scope_rule,
         .max_items = BW_APIKEY_SCOPES_MAX},
        {.name = "expires_in", .type = BW_JSON_INT, .rule = &expires_rule},
};
static const struct bw_json_schema create_schema = {create_fields, 3};

static enum bw_err invalid(struct bw_resp *resp, const char *field, const char *code)
{
	struct bw_field_errors errs = {.count = 0};

	bw_field_errors_add(&errs, field, code);
	return bw_resp_problem(resp, 400, "invalid-body", "Invalid request body",
	                       "One or more fields are invalid.", &errs);
}

/* The requested scopes into out[], checked: some, distinct, each allowed. */
static enum bw_err read_scopes(struct bw_req *req, struct bw_resp *resp, struct bw_str *out,
                               size_t *n, bool *answered)
{
	struct bw_app *app = bw_req_app(req);
	const struct bw_principal *p = bw_req_principal(req);
	const json_t *body = bw_req_json(req);
	enum bw_err rc = bw_json_get_count(body, &create_schema, "scopes", n);

	*answered = true;
	if (rc != BW_OK)
		return BW_ERR_INTERNAL; /* the pipeline held the body to the schema */
	if (*n == 0)
		return invalid(resp, "scopes", "required");
	for (size_t i = 0; i < *n; i++) {
		if (bw_json_get_item(body, &create_schema, "scopes", i, &out[i]) != BW_OK)
			return BW_ERR_INTERNAL;
		for (size_t j = 0; j < i; j++)
			if (bw_str_eq(out[i], out[j]))
				return invalid(resp, "scopes", "duplicate");
		/* admin is never granted by a key its owner could not use himself */
		if (bw_str_eq_c(out[i], "admin") && strcmp(p->role, "admin") != 0) {
			bw_app_audit(app, req, "apikey.created", BW_AUDIT_FAILURE, p->user_id,
			             (struct bw_audit_detail[]){BW_AUDIT_D_STR(
			                     "reason", bw_str_c("admin_scope_refused"))},
			             1);
			return bw_resp_problem(resp, 403, "forbidden", "Forbidden",
			                       "The account's role does not allow this scope.",
			                       NULL);
		}
		if (!bw_apikeys_scope_allowed(app, out[i], p->role))
			return invalid(resp, "scopes", "not_allowed");
	}
	*answered = false;
	return BW_OK;
}

static bool has_admin(const struct bw_str *scopes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (bw_str_eq_c(scopes[i], "admin"))
			return true;
	return false;
}

static enum bw_err route_create(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_app *app = bw_req_app(req);
	const struct bw_principal *p = bw_req_principal(req);
	const json_t *body = bw_req_json(req);
	struct bw_str scopes[BW_APIKEY_SCOPES_MAX];
	struct bw_apikey_spec spec = {.user_id = p->user_id, .scopes = scopes};
	char key[BW_APIKEY_SIZE], pid[BW_PUBLIC_ID_SIZE];
	int64_t expires_at = 0, ttl = 0;
	bool answered = false, admin;
	enum bw_err rc;

	/* an API key or token never gets here (the route takes sessions only) */
	if (!bw_reauth_fresh(req))
		return bw_reauth_problem(resp);
	if (bw_json_get_str(body, &create_schema, "name", &spec.name) != BW_OK)
		return BW_ERR_INTERNAL;
	rc = read_scopes(req, resp, scopes, &spec.n_scopes, &answered);
	if (rc != BW_OK || answered)
		return rc;
	admin = has_admin(scopes, spec.n_scopes);
	rc = bw_json_get_int(body, &create_schema, "expires_in", &ttl);
	if (rc == BW_ERR_NOT_FOUND)
		ttl = admin ? BW_APIKEY_ADMIN_TTL_MAX_S : BW_APIKEY_TTL_DEFAULT_S;
	else if (rc != BW_OK)
		return BW_ERR_INTERNAL;
	if (admin && ttl > BW_APIKEY_ADMIN_TTL_MAX_S)
		return invalid(resp, "expires_in", "too_large");
	spec.ttl_s = ttl;
	rc = bw_apikeys_create(app, &spec, key, pid, &expires_at);
	if (rc == BW_ERR_LIMIT)
		return bw_resp_problem(resp, 409, "api-key-limit", "Too many API keys",
		                       "Revoke an API key before creating another.", NULL);
	if (rc != BW_OK)
		return rc;
	{
		char list[BW_APIKEY_SCOPES_MAX * (BW_APIKEY_SCOPE_MAX + 1) + 1];
		size_t n = 0;
		struct bw_audit_detail d[3];

		for (size_t i = 0; i < spec.n_scopes; i++) {
			if (i > 0)
				list[n++] = ' ';
			memcpy(list + n, scopes[i].p, scopes[i].len);
			n += scopes[i].len;
		}
		list[n] = '\0';
		d[0] = BW_AUDIT_D_STR("kid", bw_str_c(pid));
		d[1] = BW_AUDIT_D_STR("scopes", bw_str_c(list));
		d[2] = BW_AUDIT_D_INT("expires_at", expires_at);
		bw_app_audit(app, req, "apikey.created", BW_AUDIT_SUCCESS, p->user_id, d, 3);
	}
	/* the key is shown this once; the response is no-store (authenticated route) */
	rc = bw_auth_json(resp, 201,
	                  json_pack("{s:s,s:s,s:I}", "id", pid, "key", key, "expires_at",
	                            (json_int_t)expires_at));
	bw_wipe(key, sizeof(key));
	return rc;
}

/* ---- GET /v1/me/api-keys ----------------------------------------------------- */

static enum bw_err route_list(struct bw_req *req, struct bw_resp *resp)
{
	const struct bw_principal *p = bw_req_principal(req);
	json_t *items = NULL;
	enum bw_err rc = bw_apikeys_list(bw_req_app(req), p->user_id, &items);

	if (rc != BW_OK)
		return rc;
	return bw_auth_json(resp, 200, json_pack("{s:o}", "items", items));
}

/* ---- DELETE /v1/me/api-keys/{id} --------------------------------------------- */

static enum bw_err route_revoke(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_app *app = bw_req_app(req);
	const struct bw_principal *p = bw_req_principal(req);
	struct bw_str id = bw_req_param(req, "id");
	enum bw_err rc = bw_apikeys_revoke(app, p->user_id, id);

	if (rc == BW_ERR_NOT_FOUND)
		return bw_resp_problem(resp, 404, "not-found", "Not found",
		                       "No resource exists at this path.", NULL);
	if (rc != BW_OK)
		return rc;
	bw_app_audit(app, req, "apikey.revoked", BW_AUDIT_SUCCESS, p->user_id,
	             (struct bw_audit_detail[]){BW_AUDIT_D_STR("kid", id)}, 1);
	bw_resp_status(resp, 204);
	return BW_OK;
}

/* ---- the routes ---------------------------------------------------------------- */

static const struct bw_param key_id_param[] = {
        {.name = "id",
         .rule = {.kind = BW_RULE_TOKEN, .min = BW_PUBLIC_ID_LEN, .max = BW_PUBLIC_ID_LEN}},
        {.name = NULL},
};

const struct bw_route bw_routes_apikeys[] = {
        {.path = "/v1/me/api-keys",
         .methods = BW_POST,
         .handler = route_create,
         .body = BW_BODY_JSON,
         .body_max = 8192,
         .schema = &create_schema,
         .auth = BW_AUTH_SESSION,
         .csrf = BW_CSRF_TOKEN},
        {.path = "/v1/me/api-keys",
         .methods = BW_GET,
         .handler = route_list,
         .auth = BW_AUTH_SESSION},
        {.path = "/v1/me/api-keys/{id}",
         .methods = BW_DELETE,
         .handler = route_revoke,
         .path_params = key_id_param,
         .auth = BW_AUTH_SESSION,
         .csrf = BW_CSRF_TOKEN},
};

const size_t bw_routes_apikeys_n = sizeof(bw_routes_apikeys) / sizeof(bw_routes_apikeys[0]);
