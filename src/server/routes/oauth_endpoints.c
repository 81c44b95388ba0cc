/*
 * oauth_endpoints.c — POST /oauth2/revoke (RFC 7009) and POST
 * /oauth2/introspect (RFC 7662), both for authenticated clients
 * (oauth_clients.h).
 *
 * Revocation: a refresh token revokes its whole family and denylists every
 * access token issued from it (oauth_refresh.h); an access token is
 * denylisted by jti until it expires (signing.h). Only the client a token
 * was issued to may revoke it: another client's token is refused and
 * nothing is revoked. A token that is unknown, malformed or no longer valid
 * is answered 200, as RFC 7009 §2.2 says, so the endpoint tells nothing.
 *
 * Introspection is for confidential clients only (resource servers): any of
 * them may introspect an access token; a refresh token only by the client it
 * was issued to. Everything that is not an active token of that kind answers
 * {"active": false} and nothing more (RFC 7662 §2.2).
 */
#include <string.h>
#include <time.h>

#include "../oauth_clients.h"
#include "../oauth_refresh.h"
#include "../oauth_token.h"
#include "../sessions.h"
#include "../signing.h"

/* An access token is a JWS (three dot-separated parts); a refresh token is
 * base64url only: which store to ask is decided by the shape, whatever the
 * client's token_type_hint (RFC 7009 §2.1: the hint may be wrong). */
static bool looks_like_jwt(struct bw_str t)
{
	return memchr(t.p, '.', t.len) != NULL;
}

static void audit(struct bw_req *req, const char *event, enum bw_audit_outcome o,
                  const struct bw_oauth_client *c, const char *kind)
{
	struct bw_audit_detail d[] = {
	        BW_AUDIT_D_STR("client_id", bw_str_c(c->client_id)),
	        BW_AUDIT_D_STR("kind", bw_str_c(kind)),
	};

	bw_app_audit(bw_req_app(req), req, event, o, 0, d, 2);
}

/* The form, the client and the token of a request to either endpoint; on any
 * refusal *done is set and the answer is already in resp. */
static enum bw_err client_and_token(struct bw_req *req, struct bw_resp *resp,
                                    enum bw_client_endpoint ep, struct bw_oauth_client **c,
                                    struct bw_str *token, bool *done)
{
	struct bw_oauth_form form;
	struct bw_str hint;
	enum bw_err rc;

	*done = true;
	if (bw_oauth_form_parse(req, &form) != BW_OK)
		return bw_oauth_error(resp, 400, "invalid_request",
		                      "The form is malformed or repeats a parameter.");
	rc = bw_oauth_client_authenticate(bw_req_app(req), req, &form, ep, c);
	if (rc != BW_OK)
		return bw_oauth_client_auth_refuse(req, resp, rc);
	if (!bw_oauth_form_get(&form, "token", token))
		return bw_oauth_error(resp, 400, "invalid_request", "token is required.");
	if (bw_oauth_form_get(&form, "token_type_hint", &hint) &&
	    !bw_str_eq_c(hint, "access_token") && !bw_str_eq_c(hint, "refresh_token"))
		return bw_oauth_error(resp, 400, "unsupported_token_type",
		                      "token_type_hint is access_token or refresh_token.");
	*done = false;
	return BW_OK;
}

static enum bw_err answer_json(struct bw_resp *resp, json_t *o)
{
	enum bw_err rc = bw_resp_header(resp, "Pragma", "no-cache");

	if (rc != BW_OK) {
		json_decref(o);
		return rc;
	}
	return bw_auth_json(resp, 200, o);
}

/* ---- revocation ------------------------------------------------------------------ */

static enum bw_err revoke_access(struct bw_app *app, const struct bw_oauth_client *c,
                                 struct bw_str token)
{
	json_t *claims = NULL;
	const char *cid, *jti;
	json_int_t exp;
	enum bw_err rc = bw_access_token_check(app, token, &claims);

	if (rc == BW_ERR_DENIED) /* not active: nothing to revoke */
		return BW_OK;
	if (rc != BW_OK)
		return rc;
	cid = json_string_value(json_object_get(claims, "client_id"));
	jti = json_string_value(json_object_get(claims, "jti"));
	exp = json_integer_value(json_object_get(claims, "exp"));
	if (cid == NULL || strcmp(cid, c->client_id) != 0)
		rc = BW_ERR_DENIED;
	else
		rc = bw_access_token_deny(app, jti, (int64_t)exp);
	json_decref(claims);
	return rc;
}

static enum bw_err route_revoke(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_app *app = bw_req_app(req);
	struct bw_oauth_client *c = NULL;
	struct bw_str token;
	bool done;
	bool jwt;
	enum bw_err rc = client_and_token(req, resp, BW_CLIENT_EP_REVOKE, &c, &token, &done);

	if (rc != BW_OK || done)
		return rc;
	jwt = looks_like_jwt(token);
	rc = jwt ? revoke_access(app, c, token) : bw_refresh_revoke(app, c->id, token);
	if (rc == BW_ERR_DENIED) {
		audit(req, "oauth.revoke", BW_AUDIT_DENIED, c, jwt ? "access" : "refresh");
		return bw_oauth_error(resp, 400, "invalid_request",
		                      "The token was not issued to this client.");
	}
	if (rc != BW_OK)
		return rc;
	audit(req, "oauth.revoke", BW_AUDIT_SUCCESS, c, jwt ? "access" : "refresh");
	return answer_json(resp, json_object());
}

/* ---- introspection ---------------------------------------------------------------- */

/* The claims of an active access token that an introspection answer repeats. */
static json_t *access_answer(json_t *claims)
{
	static const char *const keep[] = {"scope", "client_id", "sub", "exp", "iat",
	                                   "nbf",   "iss",       "aud", "jti", "auth_time"};
	json_t *o = json_pack("{s:b,s:s}", "active", 1, "token_type", "Bearer");

	for (size_t i = 0; o != NULL && i < sizeof(keep) / sizeof(keep[0]); i++) {
		json_t *v = json_object_get(claims, keep[i]);

		if (v != NULL && json_object_set(o, keep[i], v) != 0) {
			json_decref(o);
			o = NULL;
		}
	}
	return o;
}

static enum bw_err introspect_access(struct bw_app *app, struct bw_str token, json_t **out)
{
	json_t *claims = NULL;
	enum bw_err rc = bw_access_token_check(app, token, &claims);

	if (rc == BW_ERR_DENIED)
		return BW_ERR_NOT_FOUND;
	if (rc != BW_OK)
		return rc;
	*out = access_answer(claims);
	json_decref(claims);
	return *out != NULL ? BW_OK : BW_ERR_NOMEM;
}

/* A refresh token is active while unused, unexpired and its family lives; it is
 * shown only to the client it was issued to. */
static enum bw_err introspect_refresh(struct bw_req *req, const struct bw_oauth_client *c,
                                      struct bw_str token, json_t **out)
{
	struct bw_app *app = bw_req_app(req);
	struct bw_arena *a = bw_req_arena(req);
	struct bw_refresh_token t;
	struct bw_oauth_user user;
	int64_t now = (int64_t)time(NULL);
	int64_t exp;
	enum bw_err rc = bw_refresh_find(app, token, a, &t);

	if (rc != BW_OK)
		return rc;
	exp = t.expires_at < t.family_expires ? t.expires_at : t.family_expires;
	if (t.client_row_id != c->id || t.revoked || t.used_at != 0 || exp <= now)
		return BW_ERR_NOT_FOUND;
	rc = bw_oauth_user_load(app, t.user_id, bw_str_c(""), a, &user);
	if (rc != BW_OK)
		return rc;
	*out = json_pack("{s:b,s:s,s:s,s:s,s:I,s:s,s:s}", "active", 1, "token_type",
	                 "refresh_token", "client_id", c->client_id, "scope", t.family_scope, "exp",
	                 (json_int_t)exp, "sub", user.public_id, "iss",
	                 app->settings.public_origin);
	return *out != NULL ? BW_OK : BW_ERR_NOMEM;
}

static enum bw_err route_introspect(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_oauth_client *c = NULL;
	struct bw_str token;
	json_t *o = NULL;
	bool done;
	enum bw_err rc = client_and_token(req, resp, BW_CLIENT_EP_INTROSPECT, &c, &token, &done);

	if (rc != BW_OK || done)
		return rc;
	rc = looks_like_jwt(token) ? introspect_access(bw_req_app(req), token, &o)
	                           : introspect_refresh(req, c, token, &o);
	if (rc == BW_ERR_NOT_FOUND) {
		rc = BW_OK;
		o = json_pack("{s:b}", "active", 0);
	}
	if (rc != BW_OK)
		return rc;
	/* a read, asked by resource servers on every request they serve: not
	 * audited (each record is a chained database write); refused client
	 * authentication is, by bw_oauth_client_authenticate */
	return answer_json(resp, o);
}

/* ---- the routes ---------------------------------------------------------------------- */

static const struct bw_rule r_token = BW_RULE_TEXT(0, BW_JWT_MAX_BYTES, 0);
static const struct bw_param fields[] = {
        {.name = "token", .rule = r_token},
        {.name = "token_type_hint", .rule = BW_RULE_TEXT(0, 32, 0)},
        BW_OAUTH_CLIENT_AUTH_FIELDS,
        {.name = NULL},
};

const struct bw_route bw_routes_oauth_endpoints[] = {
        {.path = "/oauth2/revoke",
         .methods = BW_POST,
         .handler = route_revoke,
         .body = BW_BODY_FORM,
         .form_fields = fields,
         .body_max = 32768,
         .csrf = BW_CSRF_NOT_COOKIE,
         .rate_class = "oauth-token",
         .cors = BW_ROUTE_CORS_PUBLIC,
         .no_store = true},
        {.path = "/oauth2/introspect",
         .methods = BW_POST,
         .handler = route_introspect,
         .body = BW_BODY_FORM,
         .form_fields = fields,
         .body_max = 32768,
         .csrf = BW_CSRF_NOT_COOKIE,
         .rate_class = "oauth-token",
         .cors = BW_ROUTE_CORS_NONE,
         .no_store = true},
};

const size_t bw_routes_oauth_endpoints_n =
        sizeof(bw_routes_oauth_endpoints) / sizeof(bw_routes_oauth_endpoints[0]);
