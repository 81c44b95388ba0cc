/*
 * web_account.c — the signed-in pages (web.h): the account overview,
 * security (password change; two-step verification is routes/web_mfa.c)
 * and the session list.
 * Every page takes only the session cookie; a browser without one is sent
 * to /login?next=… by the pipeline (route login_page). Every form carries
 * the session's CSRF token and posts to a form route checked before its
 * handler runs; the work is the JSON API's (account.h).
 */
#include <string.h>

#include "../account.h"
#include "../mfa.h"
#include "../pages.h"
#include "../sessions.h"
#include "../web.h"

/* ---- GET /account ---------------------------------------------------------- */

static enum bw_err route_account(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_account_profile u;
	struct bw_tv *v;
	enum bw_err rc = bw_account_profile(req, &u);

	if (rc != BW_OK)
		return rc;
	v = bw_web_values(req);
	if (v == NULL)
		return BW_ERR_INTERNAL;
	bw_tv_put_str(v, "email", u.email);
	bw_tv_put_str(v, "role", u.role);
	bw_tv_put_bool(v, "verified", u.email_verified);
	bw_tv_put_cstr(v, "created", bw_web_time(req, u.created_at));
	return bw_page_render(req, resp, 200, "account", v);
}

/* ---- GET /account/security, POST /account/password ------------------------ */

static const struct bw_rule password_rule = BW_RULE_TEXT(0, 4096, 0);
static const struct bw_param message_query[] = {
        {.name = "m", .rule = {.kind = BW_RULE_TOKEN, .min = 1, .max = 32}},
        {0},
};
static const struct bw_param password_fields[] = {
        {.name = "current_password", .rule = password_rule},
        {.name = "new_password", .rule = password_rule},
        {0},
};

static const char *security_notice(struct bw_str m)
{
	if (bw_str_eq_c(m, "password_changed"))
		return "Your password is changed. Every other session has been signed out.";
	if (bw_str_eq_c(m, "mfa_off"))
		return "Two-step verification is off. Signing in needs only your password now.";
	if (bw_str_eq_c(m, "mfa_on"))
		return "Two-step verification is on already.";
	if (bw_str_eq_c(m, "mfa_not_pending"))
		return "No set-up is under way: start it again below.";
	return "";
}

static enum bw_err render_security(struct bw_req *req, struct bw_resp *resp, unsigned status,
                                   const char *notice, const char *current_error,
                                   const char *new_error)
{
	struct bw_account_profile u;
	enum bw_mfa_state mfa = BW_MFA_NONE;
	unsigned left = 0;
	struct bw_tv *v;
	enum bw_err rc = bw_account_profile(req, &u);

	if (rc == BW_OK)
		rc = bw_mfa_status(bw_req_app(req), bw_req_principal(req)->user_id, &mfa, &left);
	if (rc != BW_OK)
		return rc;
	v = bw_web_values(req);
	if (v == NULL)
		return BW_ERR_INTERNAL;
	bw_tv_put_str(v, "email", u.email);
	bw_tv_put_bool(v, "mfa_on", mfa == BW_MFA_CONFIRMED);
	bw_tv_put_int(v, "backup_left", left);
	bw_tv_put_bool(v, "backup_low", left <= 3);
	bw_tv_put_cstr(v, "notice", notice);
	bw_tv_put_cstr(v, "current_error", current_error);
	bw_tv_put_cstr(v, "new_error", new_error);
	return bw_page_render(req, resp, status, "account_security", v);
}

static enum bw_err route_security(struct bw_req *req, struct bw_resp *resp)
{
	return render_security(req, resp, 200, security_notice(bw_req_query(req, "m", NULL)), "",
	                       "");
}

static enum bw_err route_password_form(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_account_result res;
	enum bw_err rc =
	        bw_account_change_password(req, resp, bw_req_form(req, "current_password", NULL),
	                                   bw_req_form(req, "new_password", NULL), &res);

	if (rc != BW_OK)
		return rc;
	if (res.status == BW_ACCOUNT_REAUTH) /* the form is sent again after the prompt */
		return bw_web_reauth_redirect(req, resp, "/account/security");
	if (res.status == BW_ACCOUNT_RATE_LIMITED)
		return render_security(req, resp, 429, "",
		                       "Too many attempts. Wait a few minutes and try again.", "");
	if (res.status == BW_ACCOUNT_FIELD) {
		const char *msg = bw_web_field_message(res.field, res.code);
		bool current = strcmp(res.field, "current_password") == 0;

		return render_security(req, resp, 400, "", current ? msg : "", current ? "" : msg);
	}
	/* the session was replaced: its new cookie is on resp, the next page has its token */
	return bw_web_redirect(resp, "/account/security?m=password_changed");
}

/* ---- GET /account/sessions, POST /account/sessions/revoke ----------------- */

static const struct bw_param revoke_fields[] = {
        {.name = "id", .rule = BW_RULE_TEXT(0, 64, 0)},
        {0},
};

struct session_list {
	struct bw_req *req;
	struct bw_tv *items;
};

static enum bw_err session_record(void *ctx, const struct bw_account_session *s)
{
	struct session_list *l = ctx;
	struct bw_tv *it = bw_tv_record(bw_req_arena(l->req));

	bw_tv_put_str(it, "id", s->id);
	bw_tv_put_str(it, "user_agent", s->user_agent);
	bw_tv_put_str(it, "ip", s->ip);
	bw_tv_put_cstr(it, "created", bw_web_time(l->req, s->created_at));
	bw_tv_put_cstr(it, "last_seen", bw_web_time(l->req, s->last_seen_at));
	bw_tv_put_bool(it, "current", s->current);
	bw_tv_append(l->items, it);
	return BW_OK;
}

static enum bw_err route_sessions(struct bw_req *req, struct bw_resp *resp)
{
	struct session_list l = {.req = req, .items = bw_tv_list(bw_req_arena(req))};
	struct bw_tv *v = bw_web_values(req);
	struct bw_str m = bw_req_query(req, "m", NULL);
	enum bw_err rc;

	if (v == NULL)
		return BW_ERR_INTERNAL;
	rc = bw_account_sessions(req, session_record, &l);
	if (rc != BW_OK)
		return rc;
	bw_tv_put(v, "sessions", l.items);
	bw_tv_put_cstr(v, "notice", bw_str_eq_c(m, "revoked") ? "That session is signed out." : "");
	return bw_page_render(req, resp, 200, "account_sessions", v);
}

static enum bw_err route_revoke_form(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_account_result res;
	bool current = false;
	enum bw_err rc =
	        bw_account_revoke_session(req, resp, bw_req_form(req, "id", NULL), &current, &res);

	if (rc != BW_OK)
		return rc;
	if (res.status == BW_ACCOUNT_NOT_FOUND)
		return bw_resp_problem(resp, 404, "not-found", "Not found",
		                       "No such session of yours.", NULL);
	return bw_web_redirect(resp,
	                       current ? "/login?m=signed_out" : "/account/sessions?m=revoked");
}

/* ---- the routes ------------------------------------------------------------- */

const struct bw_route bw_routes_web_account[] = {
        {.path = "/account",
         .methods = BW_GET,
         .handler = route_account,
         .auth = BW_AUTH_SESSION,
         .login_page = "/login",
         .html = true,
         .cors = BW_ROUTE_CORS_NONE},
        {.path = "/account/security",
         .methods = BW_GET,
         .handler = route_security,
         .query_params = message_query,
         .auth = BW_AUTH_SESSION,
         .login_page = "/login",
         .html = true,
         .cors = BW_ROUTE_CORS_NONE},
        {.path = "/account/password",
         .methods = BW_POST,
         .handler = route_password_form,
         .body = BW_BODY_FORM,
         .body_max = 16384,
         .form_fields = password_fields,
         .auth = BW_AUTH_SESSION,
         .csrf = BW_CSRF_TOKEN,
         .slow = true,
         .html = true,
         .cors = BW_ROUTE_CORS_NONE},
        {.path = "/account/sessions",
         .methods = BW_GET,
         .handler = route_sessions,
         .query_params = message_query,
         .auth = BW_AUTH_SESSION,
         .login_page = "/login",
         .html = true,
         .cors = BW_ROUTE_CORS_NONE},
        {.path = "/account/sessions/revoke",
         .methods = BW_POST,
         .handler = route_revoke_form,
         .body = BW_BODY_FORM,
         .body_max = 4096,
         .form_fields = revoke_fields,
         .auth = BW_AUTH_SESSION,
         .csrf = BW_CSRF_TOKEN,
         .html = true,
         .cors = BW_ROUTE_CORS_NONE},
};

const size_t bw_routes_web_account_n =
        sizeof(bw_routes_web_account) / sizeof(bw_routes_web_account[0]);
