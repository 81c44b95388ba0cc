/*
 * oauth.c — the OAuth 2.1 / OpenID Connect provider's routes (API.md):
 * GET/POST /oauth2/authorize (request validation, login redirect, consent),
 * POST /oauth2/token (oauth_token.c), GET/POST /oauth2/userinfo, and the
 * discovery documents (RFC 8414, OpenID Connect Discovery 1.0).
 *
 * /oauth2/authorize checks the client and the redirect_uri first: when
 * either is wrong the user sees an error page and is never redirected
 * (RFC 6749 §4.1.2.1), so the endpoint cannot be made an open redirector.
 * Every later error goes back to the client's redirect_uri with error, state
 * and iss (RFC 9207). The validated request is stored server-side
 * (oauth_codes.h); the consent form carries only its opaque handle and the
 * session's CSRF token, and the decision is taken with the session's own
 * credentials and CSRF checks (the route table), so a cross-site page can
 * neither approve for the user nor change what is approved.
 */
#include <string.h>
#include <time.h>

#include "../authn.h"
#include "../oauth_clients.h"
#include "../oauth_codes.h"
#include "../oauth_pkce.h"
#include "../oauth_scope.h"
#include "../oauth_token.h"
#include "../pages.h"
#include "../sessions.h"
#include "../signing.h"
#include "bulwark/buf.h"
#include "bulwark/cookie.h"
#include "bulwark/csrf.h"
#include "bulwark/encode.h"

#define LOCATION_MAX 8192

/* ---- HTML (templates/oauth_*.html) --------------------------------------------- */

/* An error page: the request cannot go back to the client. Static text only. */
static enum bw_err error_page(struct bw_req *req, struct bw_resp *resp, unsigned status,
                              const char *title, const char *text)
{
	struct bw_tv *v = bw_page_values(req);

	bw_tv_put_cstr(v, "title", title);
	bw_tv_put_cstr(v, "text", text);
	return bw_page_render(req, resp, status, "oauth_error", v);
}

static enum bw_err bad_client_page(struct bw_req *req, struct bw_resp *resp)
{
	return error_page(req, resp, 400, "Invalid authorization request",
	                  "The application sent an invalid request: its client id is unknown, or "
	                  "the address it wants to return to is not registered. You have not been "
	                  "redirected. Tell the application's developer.");
}

/* What a scope lets the client do, in plain words (NULL: an API scope). */
static const char *scope_words(struct bw_str s)
{
	static const struct {
		const char *scope, *words;
	} known[] = {
	        {"openid", "Confirm who you are (your account's identifier)"},
	        {"profile", "See your basic profile"},
	        {"email", "See your email address and whether it is verified"},
	        {"offline_access", "Keep access while you are not using it (until you revoke it)"},
	        {"admin", "Act with your administrator rights"},
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (bw_str_eq_c(s, known[i].scope))
			return known[i].words;
	return NULL;
}

static enum bw_err consent_page(struct bw_req *req, struct bw_resp *resp,
                                const struct bw_oauth_client *c, const struct bw_scope_set *s,
                                const char *csrf, const char *handle)
{
	struct bw_arena *a = bw_req_arena(req);
	struct bw_tv *v = bw_page_values(req), *list = bw_tv_list(a);

	for (size_t i = 0; i < s->n; i++) {
		struct bw_tv *item = bw_tv_record(a);
		const char *w = scope_words(s->items[i]);

		bw_tv_put_bool(item, "api", w == NULL);
		bw_tv_put_str(item, "name", s->items[i]);
		bw_tv_put_cstr(item, "words", w != NULL ? w : "");
		bw_tv_append(list, item);
	}
	bw_tv_put_cstr(v, "client_name", c->name);
	bw_tv_put(v, "scopes", list);
	bw_tv_put_cstr(v, "csrf_token", csrf);
	bw_tv_put_cstr(v, "handle", handle);
	return bw_page_render(req, resp, 200, "oauth_consent", v);
}

/* ---- redirects -------------------------------------------------------------------- */

static enum bw_err add_param(struct bw_buf *b, bool *first, const char *name, struct bw_str v)
{
	enum bw_err rc = bw_buf_append_byte(b, *first ? '?' : '&');

	*first = false;
	if (rc == BW_OK)
		rc = bw_buf_append_c(b, name);
	if (rc == BW_OK)
		rc = bw_buf_append_byte(b, '=');
	if (rc == BW_OK)
		rc = bw_encode_url_component(b, v.p, v.len, BW_UTF8_REFUSE);
	return rc;
}

static enum bw_err redirect_to(struct bw_resp *resp, struct bw_buf *loc)
{
	enum bw_err rc = bw_resp_header(resp, "Location", bw_buf_cstr(loc));

	if (rc == BW_OK)
		bw_resp_status(resp, 303);
	return rc;
}

/*
 * The authorization response (RFC 6749 §4.1.2, RFC 9207): to the validated
 * redirect_uri, with code or error, state when the client sent one, iss.
 */
static enum bw_err client_redirect(struct bw_req *req, struct bw_resp *resp, const char *uri,
                                   const char *code, const char *error, const char *state)
{
	struct bw_app *app = bw_req_app(req);
	struct bw_buf b;
	bool first = strchr(uri, '?') == NULL;
	enum bw_err rc;

	bw_buf_init(&b, LOCATION_MAX);
	rc = bw_buf_append_c(&b, uri);
	if (rc == BW_OK && code != NULL)
		rc = add_param(&b, &first, "code", bw_str_c(code));
	if (rc == BW_OK && error != NULL)
		rc = add_param(&b, &first, "error", bw_str_c(error));
	if (rc == BW_OK && state != NULL)
		rc = add_param(&b, &first, "state", bw_str_c(state));
	if (rc == BW_OK)
		rc = add_param(&b, &first, "iss", bw_str_c(app->settings.public_origin));
	if (rc == BW_OK)
		rc = redirect_to(resp, &b);
	bw_buf_free(&b);
	return rc;
}

/* ---- GET /oauth2/authorize ----------------------------------------------------------- */

static const struct bw_rule r_client_id = BW_RULE_TEXT(1, 128, 0);
static const struct bw_rule r_uri = BW_RULE_TEXT(1, 2048, BW_CC_ALPHA | BW_CC_DIGIT | BW_CC_PUNCT);
static const struct bw_rule r_text = BW_RULE_TEXT(0, 1024, 0);
static const struct bw_rule r_long = BW_RULE_TEXT(0, 4096, 0);

static const struct bw_param authorize_query[] = {
        {.name = "response_type", .rule = BW_RULE_TEXT(0, 64, 0)},
        {.name = "client_id", .rule = r_client_id},
        {.name = "redirect_uri", .rule = r_uri},
        {.name = "scope", .rule = r_text},
        {.name = "state", .rule = r_text},
        {.name = "nonce", .rule = r_text},
        {.name = "code_challenge", .rule = BW_RULE_TEXT(0, 128, 0)},
        {.name = "code_challenge_method", .rule = BW_RULE_TEXT(0, 32, 0)},
        {.name = "response_mode", .rule = BW_RULE_TEXT(0, 32, 0)},
        {.name = "prompt", .rule = BW_RULE_TEXT(0, 64, 0)},
        {.name = "max_age", .rule = BW_RULE_INT_RANGE(0, 1000000000)},
        {.name = "login_hint", .rule = r_text},
        {.name = "ui_locales", .rule = r_text},
        {.name = "id_token_hint", .rule = r_long},
        {.name = "request", .rule = r_long},
        {.name = "request_uri", .rule = r_long},
        {.name = NULL},
};

/* The request's session, when its cookie names a live one. */
static bool current_session(struct bw_req *req, struct bw_session_info *info)
{
	struct bw_app *app = bw_req_app(req);
	const char *h = bw_req_header(req, "Cookie");
	struct bw_cookies cookies;
	struct bw_str token;

	return h != NULL && bw_cookie_parse(bw_str_c(h), &cookies) == BW_OK &&
	       bw_cookie_session_get(&cookies, &token) == BW_OK &&
	       bw_sessions_lookup(app, token, (int64_t)time(NULL), info) == BW_OK;
}

/* No session: to the login page, which comes back here (a relative URL only). */
static enum bw_err to_login(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_buf self, loc;
	bool first = true;
	enum bw_err rc;

	bw_buf_init(&self, LOCATION_MAX);
	bw_buf_init(&loc, LOCATION_MAX);
	rc = bw_buf_append_c(&self, "/oauth2/authorize");
	for (size_t i = 0; rc == BW_OK && authorize_query[i].name != NULL; i++) {
		bool present = false;
		struct bw_str v = bw_req_query(req, authorize_query[i].name, &present);

		if (present)
			rc = add_param(&self, &first, authorize_query[i].name, v);
	}
	if (rc == BW_OK)
		rc = bw_buf_append_c(&loc, "/login?next=");
	if (rc == BW_OK)
		rc = bw_encode_url_component(&loc, self.p, self.len, BW_UTF8_REFUSE);
	if (rc == BW_OK)
		rc = redirect_to(resp, &loc);
	bw_buf_free(&self);
	bw_buf_free(&loc);
	return rc;
}

static const char *q(struct bw_req *req, const char *name)
{
	bool present = false;
	struct bw_str v = bw_req_query(req, name, &present);

	/* a parameter sent without a value is treated as omitted (RFC 6749 §3.1) */
	return present && v.len > 0 ? bw_arena_strndup(bw_req_arena(req), v.p, v.len) : NULL;
}

/* The granted scope of a request, or the OAuth error code that refuses it. */
static const char *grant_scope(struct bw_app *app, const struct bw_oauth_client *c,
                               const char *asked, bool admin, struct bw_scope_set *s)
{
	if (asked == NULL || bw_scope_parse(bw_str_c(asked), s) != BW_OK)
		return "invalid_scope";
	for (size_t i = 0; i < s->n; i++)
		if (!bw_scope_known(s->items[i], app->settings.oauth_api_scopes,
		                    app->settings.n_oauth_api_scopes))
			return "invalid_scope";
	if (!bw_oauth_scope_allowed(c, bw_str_c(asked)))
		return "invalid_scope";
	if (!admin)
		bw_scope_remove(s, "admin"); /* never granted to a user who is not one */
	return s->n > 0 ? NULL : "invalid_scope";
}

static enum bw_err route_authorize(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_app *app = bw_req_app(req);
	struct bw_arena *a = bw_req_arena(req);
	const char *client_id = q(req, "client_id"), *redirect = q(req, "redirect_uri");
	const char *state = q(req, "state"), *rt = q(req, "response_type");
	const char *method = q(req, "code_challenge_method"), *challenge = q(req, "code_challenge");
	const char *mode = q(req, "response_mode"), *prompt = q(req, "prompt");
	const char *max_age = q(req, "max_age");
	struct bw_oauth_client *c = NULL;
	struct bw_session_info info;
	struct bw_oauth_user user;
	struct bw_oauth_grant g;
	struct bw_scope_set s;
	struct bw_buf scope;
	char csrf[BW_CSRF_SESSION_TOKEN_SIZE], handle[BW_TOKEN_TEXT_SIZE];
	const char *err;
	enum bw_err rc;

	/* 1. who asks, and where the answer may go: never redirect when unsure */
	if (client_id == NULL || redirect == NULL)
		return bad_client_page(req, resp);
	rc = bw_oauth_client_find(app, bw_str_c(client_id), a, &c);
	if (rc == BW_ERR_NOT_FOUND)
		return bad_client_page(req, resp);
	if (rc != BW_OK)
		return rc;
	if (!bw_oauth_redirect_uri_ok(c, bw_str_c(redirect)))
		return bad_client_page(req, resp);

	/* 2. the rest of the request: errors go back to the client */
	if (rt == NULL || strcmp(rt, "code") != 0)
		return client_redirect(req, resp, redirect, NULL, "unsupported_response_type",
		                       state);
	if (q(req, "request") != NULL)
		return client_redirect(req, resp, redirect, NULL, "request_not_supported", state);
	if (q(req, "request_uri") != NULL)
		return client_redirect(req, resp, redirect, NULL, "request_uri_not_supported",
		                       state);
	if ((mode != NULL && strcmp(mode, "query") != 0) || method == NULL ||
	    strcmp(method, "S256") != 0 || challenge == NULL ||
	    !bw_pkce_challenge_ok(bw_str_c(challenge)))
		return client_redirect(req, resp, redirect, NULL, "invalid_request", state);
	if (!bw_oauth_grant_allowed(c, BW_GRANT_AUTHORIZATION_CODE))
		return client_redirect(req, resp, redirect, NULL, "unauthorized_client", state);
	err = grant_scope(app, c, q(req, "scope"), true, &s);
	if (err != NULL)
		return client_redirect(req, resp, redirect, NULL, err, state);

	/* 3. who the user is */
	if (!current_session(req, &info)) {
		if (prompt != NULL && strstr(prompt, "none") != NULL)
			return client_redirect(req, resp, redirect, NULL, "login_required", state);
		return to_login(req, resp);
	}
	if (prompt != NULL && strstr(prompt, "none") != NULL)
		return client_redirect(req, resp, redirect, NULL, "consent_required", state);
	if (max_age != NULL) {
		uint64_t m = 0;

		if (bw_parse_u64(bw_str_c(max_age), 0, 1000000000, &m) != BW_OK ||
		    (int64_t)time(NULL) - info.auth_time > (int64_t)m)
			return client_redirect(req, resp, redirect, NULL, "login_required", state);
	}
	rc = bw_oauth_user_load(app, info.user_id, BW_STR(""), a, &user);
	if (rc != BW_OK)
		return rc;
	err = grant_scope(app, c, q(req, "scope"), user.admin, &s);
	if (err != NULL)
		return client_redirect(req, resp, redirect, NULL, err, state);

	/* 4. remember the request server-side; the form names it by handle only */
	bw_buf_init(&scope, BW_SCOPE_TEXT_MAX + 1);
	rc = bw_scope_join(&s, &scope);
	memset(&g, 0, sizeof(g));
	g.client_row_id = c->id;
	g.user_id = info.user_id;
	g.redirect_uri = redirect;
	g.scope = bw_buf_cstr(&scope);
	g.state = state;
	g.nonce = q(req, "nonce");
	g.code_challenge = challenge;
	g.auth_time = info.auth_time;
	handle[0] = '\0';
	if (rc == BW_OK)
		rc = bw_oauth_request_save(app, &g, &info.hash, handle);
	if (rc == BW_OK)
		rc = bw_csrf_session_token(app->csrf_key, &info.hash, csrf);
	if (rc == BW_OK)
		rc = consent_page(req, resp, c, &s, csrf, handle);
	bw_wipe(handle, sizeof(handle));
	bw_buf_free(&scope);
	return rc;
}

/* ---- POST /oauth2/authorize (the decision) -------------------------------------------- */

static enum bw_err route_decide(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_app *app = bw_req_app(req);
	struct bw_arena *a = bw_req_arena(req);
	const struct bw_principal *p = bw_req_principal(req);
	struct bw_str handle = bw_req_form(req, "handle", NULL);
	struct bw_str decision = bw_req_form(req, "decision", NULL);
	/* anything but an explicit approval is a refusal: fail closed */
	bool approve = bw_str_eq_c(decision, "approve");
	struct bw_oauth_grant g;
	struct bw_oauth_client *c = NULL;
	struct bw_token_hash sh;
	char code[BW_TOKEN_TEXT_SIZE];
	enum bw_err rc;

	if (handle.len == 0)
		return error_page(
		        req, resp, 400, "Invalid authorization request",
		        "The consent form is incomplete. Start again from the application.");
	memcpy(sh.bytes, p->session_hash, sizeof(sh.bytes));
	rc = bw_oauth_request_take(app, handle, p->user_id, &sh, a, &g);
	if (rc == BW_ERR_NOT_FOUND)
		return error_page(req, resp, 400, "Authorization request expired",
		                  "This request has expired or was answered already. Start again "
		                  "from the application.");
	if (rc != BW_OK)
		return rc;
	rc = bw_oauth_client_find_row(app, g.client_row_id, a, &c);
	if (rc == BW_ERR_NOT_FOUND)
		return bad_client_page(req, resp);
	if (rc != BW_OK)
		return rc;
	{
		struct bw_audit_detail d[] = {BW_AUDIT_D_STR("client_id", bw_str_c(c->client_id)),
		                              BW_AUDIT_D_STR("scope", bw_str_c(g.scope))};

		bw_app_audit(app, req, "oauth.consent",
		             approve ? BW_AUDIT_SUCCESS : BW_AUDIT_DENIED, p->user_id, d, 2);
	}
	if (!approve)
		return client_redirect(req, resp, g.redirect_uri, NULL, "access_denied", g.state);
	rc = bw_oauth_code_create(app, &g, code);
	if (rc == BW_OK)
		rc = client_redirect(req, resp, g.redirect_uri, code, NULL, g.state);
	bw_wipe(code, sizeof(code));
	return rc;
}

/* ---- GET/POST /oauth2/userinfo ---------------------------------------------------------- */

static enum bw_err bearer_error(struct bw_resp *resp, unsigned status, const char *error,
                                const char *www)
{
	enum bw_err rc = bw_oauth_error(resp, status, error, NULL);

	if (rc == BW_OK)
		rc = bw_resp_header(resp, "WWW-Authenticate", www);
	return rc;
}

static enum bw_err route_userinfo(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_app *app = bw_req_app(req);
	struct bw_oauth_user user;
	struct bw_scope_set s;
	struct bw_str token;
	json_t *claims = NULL, *out = NULL;
	const char *sub, *scope;
	enum bw_err rc = bw_authn_bearer(req, &token);

	if (rc == BW_ERR_NOT_FOUND)
		return bearer_error(resp, 401, "invalid_token", "Bearer");
	if (rc != BW_OK)
		return bearer_error(resp, 400, "invalid_request",
		                    "Bearer error=\"invalid_request\"");
	rc = bw_access_token_check(app, token, &claims);
	if (rc == BW_ERR_DENIED)
		return bearer_error(resp, 401, "invalid_token", "Bearer error=\"invalid_token\"");
	if (rc != BW_OK)
		return rc;
	sub = json_string_value(json_object_get(claims, "sub"));
	scope = json_string_value(json_object_get(claims, "scope"));
	if (sub == NULL || scope == NULL || bw_scope_parse(bw_str_c(scope), &s) != BW_OK ||
	    !bw_scope_has_c(&s, "openid")) {
		json_decref(claims);
		return bearer_error(resp, 403, "insufficient_scope",
		                    "Bearer error=\"insufficient_scope\", scope=\"openid\"");
	}
	rc = bw_oauth_user_load(app, 0, bw_str_c(sub), bw_req_arena(req), &user);
	if (rc == BW_ERR_NOT_FOUND) {
		json_decref(claims);
		return bearer_error(resp, 401, "invalid_token", "Bearer error=\"invalid_token\"");
	}
	if (rc == BW_OK) {
		out = bw_scope_has_c(&s, "email")
		              ? json_pack("{s:s,s:s,s:b}", "sub", user.public_id, "email",
		                          user.email, "email_verified", user.email_verified)
		              : json_pack("{s:s}", "sub", user.public_id);
	}
	json_decref(claims);
	if (rc != BW_OK)
		return rc;
	return bw_auth_json(resp, 200, out);
}

/* ---- discovery ----------------------------------------------------------------------------- */

static json_t *strings(const char *const *list)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && list[i] != NULL; i++)
		if (json_array_append_new(a, json_string(list[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static enum bw_err route_discovery(struct bw_req *req, struct bw_resp *resp)
{
	static const char *const response_types[] = {"code", NULL};
	static const char *const response_modes[] = {"query", NULL};
	static const char *const grants[] = {"authorization_code", "refresh_token",
	                                     "client_credentials", NULL};
	static const char *const pkce[] = {"S256", NULL};
	static const char *const auth_methods[] = {"client_secret_basic", "client_secret_post",
	                                           "private_key_jwt", "none", NULL};
	static const char *const confidential_methods[] = {
	        "client_secret_basic", "client_secret_post", "private_key_jwt", NULL};
	static const char *const assertion_algs[] = {"EdDSA", "ES256", "RS256", "PS256", NULL};
	static const char *const id_algs[] = {"RS256", NULL};
	static const char *const subjects[] = {"public", NULL};
	static const char *const claims[] = {
	        "iss",       "sub",   "aud",     "exp",   "iat",
	        "auth_time", "nonce", "at_hash", "email", "email_verified",
	        NULL};
	static const char *const prompts[] = {"none", "consent", NULL};
	struct bw_app *app = bw_req_app(req);
	const char *iss = app->settings.public_origin;
	json_t *scopes = strings(bw_scope_builtin), *o;
	static const char *const paths[] = {"/oauth2/authorize", "/oauth2/token",
	                                    "/oauth2/userinfo",  "/.well-known/jwks.json",
	                                    "/oauth2/revoke",    "/oauth2/introspect"};
	char ep[sizeof(paths) / sizeof(paths[0])][320];

	for (size_t i = 0; scopes != NULL && i < app->settings.n_oauth_api_scopes; i++)
		if (json_array_append_new(scopes, json_string(app->settings.oauth_api_scopes[i])) !=
		    0) {
			json_decref(scopes);
			scopes = NULL;
		}
	if (scopes == NULL)
		return BW_ERR_NOMEM;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if ((size_t)snprintf(ep[i], sizeof(ep[i]), "%s%s", iss, paths[i]) >=
		    sizeof(ep[i])) {
			json_decref(scopes);
			return BW_ERR_LIMIT;
		}
	/* 7 endpoints, 14 lists, 4 flags */
	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,"
	              "s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,"
	              "s:b,s:b,s:b,s:b}",
	              "issuer", iss, "authorization_endpoint", ep[0], "token_endpoint", ep[1],
	              "userinfo_endpoint", ep[2], "jwks_uri", ep[3], "revocation_endpoint", ep[4],
	              "introspection_endpoint", ep[5], "scopes_supported", scopes,
	              "response_types_supported", strings(response_types),
	              "response_modes_supported", strings(response_modes), "grant_types_supported",
	              strings(grants), "code_challenge_methods_supported", strings(pkce),
	              "token_endpoint_auth_methods_supported", strings(auth_methods),
	              "token_endpoint_auth_signing_alg_values_supported", strings(assertion_algs),
	              "revocation_endpoint_auth_methods_supported", strings(auth_methods),
	              "introspection_endpoint_auth_methods_supported",
	              strings(confidential_methods), "id_token_signing_alg_values_supported",
	              strings(id_algs), "subject_types_supported", strings(subjects),
	              "claims_supported", strings(claims), "prompt_values_supported",
	              strings(prompts), "ui_locales_supported", json_pack("[s]", "en"),
	              "authorization_response_iss_parameter_supported", 1,
	              "request_parameter_supported", 0, "request_uri_parameter_supported", 0,
	              "claims_parameter_supported", 0);
	return bw_auth_json(resp, 200, o);
}

/* ---- the routes ------------------------------------------------------------------------ */

static const struct bw_param decide_fields[] = {
        {.name = "handle", .rule = {.kind = BW_RULE_TOKEN, .min = 0, .max = 64}},
        {.name = "decision", .rule = BW_RULE_TEXT(0, 16, 0)},
        {.name = NULL},
};

/* RFC 6749 §4.1.3, §6, §2.3.1, RFC 7523 §2.2, RFC 8707: every field a client may
 * send; the handler and the clients module decide what each grant needs. */
static const struct bw_rule r_field = BW_RULE_TEXT(0, 4096, 0);
static const struct bw_param token_fields[] = {
        {.name = "grant_type", .rule = r_field},
        {.name = "code", .rule = r_field},
        {.name = "redirect_uri", .rule = r_field},
        {.name = "code_verifier", .rule = r_field},
        {.name = "refresh_token", .rule = r_field},
        {.name = "scope", .rule = r_field},
        {.name = "client_id", .rule = r_field},
        {.name = "client_secret", .rule = r_field},
        {.name = "client_assertion", .rule = BW_RULE_TEXT(0, 16384, 0)},
        {.name = "client_assertion_type", .rule = r_field},
        {.name = "resource", .rule = r_field},
        {.name = NULL},
};

const struct bw_route bw_routes_oauth[] = {
        {.path = "/oauth2/authorize",
         .methods = BW_GET,
         .handler = route_authorize,
         .query_params = authorize_query,
         .html = true,
         .no_store = true,
         .cors = BW_ROUTE_CORS_NONE},
        {.path = "/oauth2/authorize",
         .methods = BW_POST,
         .handler = route_decide,
         .body = BW_BODY_FORM,
         .form_fields = decide_fields,
         .body_max = 4096,
         .auth = BW_AUTH_SESSION,
         .csrf = BW_CSRF_TOKEN,
         .html = true,
         .cors = BW_ROUTE_CORS_NONE},
        {.path = "/oauth2/token",
         .methods = BW_POST,
         .handler = bw_oauth_route_token,
         .body = BW_BODY_FORM,
         .form_fields = token_fields,
         .body_max = 32768,
         .csrf = BW_CSRF_NOT_COOKIE,
         .rate_class = "oauth-token",
         .cors = BW_ROUTE_CORS_PUBLIC,
         .no_store = true},
        {.path = "/oauth2/userinfo",
         .methods = BW_GET | BW_POST,
         .handler = route_userinfo,
         .cors = BW_ROUTE_CORS_PUBLIC,
         .no_store = true},
        {.path = "/.well-known/openid-configuration",
         .methods = BW_GET,
         .handler = route_discovery,
         .cors = BW_ROUTE_CORS_PUBLIC},
        {.path = "/.well-known/oauth-authorization-server",
         .methods = BW_GET,
         .handler = route_discovery,
         .cors = BW_ROUTE_CORS_PUBLIC},
};

const size_t bw_routes_oauth_n = sizeof(bw_routes_oauth) / sizeof(bw_routes_oauth[0]);
