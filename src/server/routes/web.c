/*
 * web.c — the signed-out pages and their forms (web.h): sign-in (and its
 * MFA step), registration, and the sign-out form. Each form route reuses
 * the logic of its JSON twin (account.h) and passes the same pipeline
 * checks: the pre-session (or session) CSRF token arrives in the
 * csrf_token form field and is checked after the form is parsed, before
 * the handler runs. Failures render the form again with the email as typed
 * and never the password; successes answer 303 (POST-redirect-GET).
 */
#include "../web.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../account.h"
#include "../pages.h"
#include "../sessions.h"
#include "bulwark/csrf.h"
#include "bulwark/url.h"

/* ---- helpers shared with web_account.c ------------------------------------ */

enum bw_err bw_web_redirect(struct bw_resp *resp, const char *location)
{
	enum bw_err rc = bw_resp_header(resp, "Location", location);

	if (rc == BW_OK)
		bw_resp_status(resp, 303);
	return rc;
}

const char *bw_web_next(struct bw_req *req, struct bw_str next, const char *fallback)
{
	const char *copy;

	if (!bw_url_local_path_ok(next))
		return fallback;
	copy = bw_arena_strndup(bw_req_arena(req), next.p, next.len);
	return copy != NULL ? copy : fallback;
}

struct bw_tv *bw_web_values(struct bw_req *req)
{
	struct bw_app *app = bw_req_app(req);
	const struct bw_principal *p = bw_req_principal(req);
	struct bw_tv *v = bw_page_values(req);
	struct bw_token_hash h;
	char token[BW_CSRF_SESSION_TOKEN_SIZE];

	if (p == NULL || p->kind != BW_AUTH_SESSION)
		return NULL;
	memcpy(h.bytes, p->session_hash, sizeof(h.bytes));
	if (bw_csrf_session_token(app->csrf_key, &h, token) != BW_OK)
		return NULL;
	bw_tv_put_cstr(v, "csrf_token", token);
	return v;
}

const char *bw_web_time(struct bw_req *req, int64_t t)
{
	char out[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, sizeof(out), "%Y-%m-%d %H:%M UTC", &tm) == 0)
		return "unknown";
	return bw_arena_strndup(bw_req_arena(req), out, strlen(out));
}

const char *bw_web_field_message(const char *field, const char *code)
{
	static const struct {
		const char *code, *text;
	} policy[] = {
	        {"too_short", "Use at least 12 characters."},
	        {"too_long", "Use at most 1024 characters."},
	        {"sequence", "Avoid keyboard or number sequences and repeated characters."},
	        {"common", "This password is too common or was found in a breach; choose another."},
	        {"contains_email", "Do not use your email address in the password."},
	        {"too_weak", "Choose a stronger password: a few unrelated words work well."},
	        {"encoding", "The password holds characters that cannot be used."},
	};

	if (strcmp(field, "email") == 0)
		return "Enter a valid email address.";
	if (strcmp(field, "current_password") == 0)
		return "The current password is wrong.";
	for (size_t i = 0; i < sizeof(policy) / sizeof(policy[0]); i++)
		if (strcmp(code, policy[i].code) == 0)
			return policy[i].text;
	return "This value cannot be used.";
}

/* ---- GET and POST /login --------------------------------------------------- */

static const struct bw_rule email_rule = BW_RULE_TEXT(0, 1024, 0);
static const struct bw_rule password_rule = BW_RULE_TEXT(0, 4096, 0);
static const struct bw_rule next_rule = BW_RULE_TEXT(0, BW_URL_LOCAL_PATH_MAX, 0);

static const struct bw_param login_query[] = {
        {.name = "next", .rule = next_rule},
        {.name = "m", .rule = {.kind = BW_RULE_TOKEN, .min = 1, .max = 32}},
        {0},
};
static const struct bw_param login_fields[] = {
        {.name = "email", .rule = email_rule},
        {.name = "password", .rule = password_rule},
        {.name = "next", .rule = next_rule},
        {0},
};

/* The notices other pages send the browser here with (?m=…): fixed texts. */
static const char *login_notice(struct bw_str m)
{
	if (bw_str_eq_c(m, "registered"))
		return "Your account is ready. We sent a verification link to your mailbox; "
		       "you can sign in now.";
	if (bw_str_eq_c(m, "password_reset"))
		return "Your new password is set, and every session of the account has ended. "
		       "Sign in with the new password.";
	if (bw_str_eq_c(m, "signed_out"))
		return "You are signed out.";
	if (bw_str_eq_c(m, "mfa_restart"))
		return "That sign-in attempt expired or ran out of tries. "
		       "Sign in again with your password.";
	return "";
}

/* The sign-in page with a fresh pre-session token. email is what the user
 * typed (never the password); next only when it is a same-origin path. */
static enum bw_err render_login(struct bw_req *req, struct bw_resp *resp, unsigned status,
                                struct bw_str email, struct bw_str next, const char *error,
                                const char *notice)
{
	char token[BW_CSRF_SIGNED_SIZE];
	struct bw_tv *v = bw_page_values(req);
	enum bw_err rc = bw_account_presession(req, resp, token);

	if (rc != BW_OK)
		return rc;
	bw_tv_put_cstr(v, "csrf_token", token);
	bw_tv_put_str(v, "email", email);
	bw_tv_put_cstr(v, "next", bw_web_next(req, next, ""));
	bw_tv_put_cstr(v, "error", error);
	bw_tv_put_cstr(v, "notice", notice);
	return bw_page_render(req, resp, status, "login", v);
}

static enum bw_err route_login_page(struct bw_req *req, struct bw_resp *resp)
{
	return render_login(req, resp, 200, (struct bw_str){"", 0}, bw_req_query(req, "next", NULL),
	                    "", login_notice(bw_req_query(req, "m", NULL)));
}

static enum bw_err route_login_form(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_str email = bw_req_form(req, "email", NULL);
	struct bw_str next = bw_req_form(req, "next", NULL);
	struct bw_account_login res;
	enum bw_err rc =
	        bw_account_login(req, resp, email, bw_req_form(req, "password", NULL), &res);

	if (rc != BW_OK)
		return rc;
	if (res.status == BW_ACCOUNT_RATE_LIMITED)
		return render_login(req, resp, 429, email, next,
		                    "Too many attempts. Wait a few minutes and try again.", "");
	if (res.status == BW_ACCOUNT_MFA_REQUIRED) {
		/* the code step: the token goes to the browser in an HttpOnly cookie */
		rc = bw_web_mfa_step(req, resp, res.mfa_token, next);
		bw_wipe(res.mfa_token, sizeof(res.mfa_token));
		return rc;
	}
	if (res.status != BW_ACCOUNT_OK)
		return render_login(req, resp, 401, email, next, "The email or password is wrong.",
		                    "");
	return bw_web_redirect(resp, bw_web_next(req, next, "/account"));
}

/* ---- GET and POST /register ------------------------------------------------ */

static const struct bw_param register_fields[] = {
        {.name = "email", .rule = email_rule},
        {.name = "password", .rule = password_rule},
        {0},
};

static enum bw_err render_register(struct bw_req *req, struct bw_resp *resp, unsigned status,
                                   struct bw_str email, const char *email_error,
                                   const char *password_error)
{
	char token[BW_CSRF_SIGNED_SIZE];
	struct bw_tv *v = bw_page_values(req);
	enum bw_err rc = bw_account_presession(req, resp, token);

	if (rc != BW_OK)
		return rc;
	bw_tv_put_cstr(v, "csrf_token", token);
	bw_tv_put_str(v, "email", email);
	bw_tv_put_cstr(v, "email_error", email_error);
	bw_tv_put_cstr(v, "password_error", password_error);
	return bw_page_render(req, resp, status, "register", v);
}

static enum bw_err route_register_page(struct bw_req *req, struct bw_resp *resp)
{
	return render_register(req, resp, 200, (struct bw_str){"", 0}, "", "");
}

static enum bw_err route_register_form(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_str email = bw_req_form(req, "email", NULL);
	struct bw_account_result res;
	char pid[BW_PUBLIC_ID_SIZE];
	enum bw_err rc =
	        bw_account_register(req, email, bw_req_form(req, "password", NULL), pid, &res);

	if (rc != BW_OK)
		return rc;
	if (res.status == BW_ACCOUNT_RATE_LIMITED)
		return render_register(
		        req, resp, 429, email, "",
		        "Too many registrations from your network. Try again later.");
	if (res.status == BW_ACCOUNT_FIELD) {
		const char *msg = bw_web_field_message(res.field, res.code);
		bool on_email = strcmp(res.field, "email") == 0;

		return render_register(req, resp, 400, email, on_email ? msg : "",
		                       on_email ? "" : msg);
	}
	/* the same answer whether or not the address was taken (API.md) */
	return bw_web_redirect(resp, "/login?m=registered");
}

/* ---- POST /logout: a form, never a link (a link is a CSRF hole) ---------- */

static enum bw_err route_logout_form(struct bw_req *req, struct bw_resp *resp)
{
	enum bw_err rc = bw_auth_logout(req, resp);

	if (rc == BW_OK)
		rc = bw_web_redirect(resp, "/login?m=signed_out");
	return rc;
}

/* ---- the routes ------------------------------------------------------------- */

const struct bw_route bw_routes_web[] = {
        {.path = "/login",
         .methods = BW_GET,
         .handler = route_login_page,
         .query_params = login_query,
         .html = true,
         .no_store = true,
         .cors = BW_ROUTE_CORS_NONE},
        {.path = "/login",
         .methods = BW_POST,
         .handler = route_login_form,
         .body = BW_BODY_FORM,
         .body_max = 16384,
         .form_fields = login_fields,
         .csrf = BW_CSRF_PRESESSION,
         .slow = true,
         .html = true,
         .no_store = true,
         .cors = BW_ROUTE_CORS_NONE},
        {.path = "/register",
         .methods = BW_GET,
         .handler = route_register_page,
         .html = true,
         .no_store = true,
         .cors = BW_ROUTE_CORS_NONE},
        {.path = "/register",
         .methods = BW_POST,
         .handler = route_register_form,
         .body = BW_BODY_FORM,
         .body_max = 16384,
         .form_fields = register_fields,
         .csrf = BW_CSRF_PRESESSION,
         .slow = true,
         .html = true,
         .no_store = true,
         .cors = BW_ROUTE_CORS_NONE},
        {.path = "/logout",
         .methods = BW_POST,
         .handler = route_logout_form,
         .body = BW_BODY_FORM,
         .body_max = 4096,
         .auth = BW_AUTH_SESSION,
         .csrf = BW_CSRF_TOKEN,
         .html = true,
         .cors = BW_ROUTE_CORS_NONE},
};

const size_t bw_routes_web_n = sizeof(bw_routes_web) / sizeof(bw_routes_web[0]);
