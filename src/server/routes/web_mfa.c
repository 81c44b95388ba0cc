/*
 * web_mfa.c — the pages of the second factor (web.h): the sign-in's code
 * step, the re-authentication prompt, and two-step verification on the
 * security page (enrolment with its QR code, the backup codes, turning it
 * off). The work is the JSON API's (bw_account_mfa_*, bw_account_reauth in
 * mfa.h); these routes only render and redirect.
 *
 * The MFA token of the password step travels in a cookie of its own,
 * __Host-bulwark_mfa (Secure, HttpOnly, SameSite=Strict, Path=/, Max-Age
 * the token's lifetime): never in a URL (logs, history, Referer), never in
 * the page (scripts). It is cleared when the step ends either way. The code
 * form carries the pre-session CSRF token like the sign-in form.
 *
 * A sensitive action without a recent proof of identity goes to
 * GET /reauth?next=<the page it came from>; the prompt asks for the
 * password, or a code when a second factor is in force (only a code counts
 * then: bw_account_reauth), and returns to next only when it is a
 * same-origin path (bw_web_next), else to /account.
 *
 * The key of an enrolment and the backup codes exist in clear only in the
 * answer to the POST that made them (no-store): no GET can show them again,
 * so those two pages are the POST's own answer, not a redirect.
 */
#include <string.h>

#include "../account.h"
#include "../mfa.h"
#include "../pages.h"
#include "../sessions.h"
#include "../web.h"
#include "bulwark/cookie.h"
#include "bulwark/encode.h"
#include "bulwark/url.h"

#define MFA_COOKIE "__Host-bulwark_mfa"

static const struct bw_rule code_rule = BW_RULE_TEXT(0, 64, 0);
static const struct bw_rule password_rule = BW_RULE_TEXT(0, 4096, 0);
static const struct bw_rule next_rule = BW_RULE_TEXT(0, BW_URL_LOCAL_PATH_MAX, 0);

static const char wrong_code[] = "The code is wrong, expired or used already.";
static const char too_many[] = "Too many attempts. Wait a few minutes and try again.";

/* ---- helpers ------------------------------------------------------------------ */

static const struct bw_cookie_opts mfa_cookie_opts = {
        .max_age = BW_MFA_TOKEN_TTL,
        .same_site = BW_SAMESITE_STRICT,
};

/* The MFA token from the request's cookie, or BW_ERR_NOT_FOUND (none, or
 * more than one: a tossed cookie is no token). */
static enum bw_err mfa_cookie(struct bw_req *req, struct bw_str *token)
{
	const char *header = bw_req_header(req, "Cookie");
	struct bw_cookies *c = bw_arena_alloc(bw_req_arena(req), sizeof(*c));

	if (header == NULL)
		return BW_ERR_NOT_FOUND;
	if (c == NULL)
		return BW_ERR_NOMEM;
	if (bw_cookie_parse(bw_str_c(header), c) != BW_OK ||
	    bw_cookie_get(c, bw_str_c(MFA_COOKIE), token) != BW_OK || token->len == 0)
		return BW_ERR_NOT_FOUND;
	return BW_OK;
}

static enum bw_err clear_mfa_cookie(struct bw_req *req, struct bw_resp *resp)
{
	const char *cookie;
	enum bw_err rc = bw_cookie_build_delete(bw_req_arena(req), bw_str_c(MFA_COOKIE),
	                                        &mfa_cookie_opts, &cookie);

	return rc == BW_OK ? bw_resp_header(resp, "Set-Cookie", cookie) : rc;
}

/* path, with "?next=" and next percent-encoded when next is a same-origin
 * path (arena-owned; path alone otherwise). sep is '?' or '&'. */
static const char *with_next(struct bw_req *req, const char *path, char sep, struct bw_str next)
{
	struct bw_arena *a = bw_req_arena(req);
	struct bw_str enc;
	size_t n = strlen(path);
	char *out;

	if (!bw_url_local_path_ok(next) ||
	    bw_encode_arena(a, BW_ENCODE_URL_COMPONENT, next, &enc) != BW_OK)
		return path;
	out = bw_arena_alloc(a, n + enc.len + 7);
	if (out == NULL)
		return path;
	memcpy(out, path, n);
	out[n] = sep;
	memcpy(out + n + 1, "next=", 5);
	memcpy(out + n + 6, enc.p, enc.len);
	out[n + 6 + enc.len] = '\0';
	return out;
}

/* A sensitive action without a recent proof: to the prompt, back to from. */
static enum bw_err to_reauth(struct bw_req *req, struct bw_resp *resp, const char *from)
{
	return bw_web_redirect(resp, with_next(req, "/reauth", '?', bw_str_c(from)));
}

enum bw_err bw_web_mfa_step(struct bw_req *req, struct bw_resp *resp, const char *mfa_token,
                            struct bw_str next)
{
	const char *cookie;
	enum bw_err rc = bw_cookie_build(bw_req_arena(req), bw_str_c(MFA_COOKIE),
	                                 bw_str_c(mfa_token), &mfa_cookie_opts, &cookie);

	if (rc == BW_OK)
		rc = bw_resp_header(resp, "Set-Cookie", cookie);
	if (rc == BW_OK)
		rc = bw_web_redirect(resp, with_next(req, "/login/mfa", '?', next));
	return rc;
}

/* ---- GET and POST /login/mfa: the sign-in's second step ------------------------ */

static const struct bw_param step_query[] = {
        {.name = "next", .rule = next_rule},
        {0},
};
static const struct bw_param step_fields[] = {
        {.name = "code", .rule = code_rule},
        {.name = "next", .rule = next_rule},
        {0},
};

static enum bw_err render_step(struct bw_req *req, struct bw_resp *resp, unsigned status,
                               struct bw_str next, const char *error)
{
	char token[BW_CSRF_SIGNED_SIZE];
	struct bw_tv *v = bw_page_values(req);
	enum bw_err rc = bw_account_presession(req, resp, token);

	if (rc != BW_OK)
		return rc;
	bw_tv_put_cstr(v, "csrf_token", token);
	bw_tv_put_cstr(v, "next", bw_web_next(req, next, ""));
	bw_tv_put_cstr(v, "error", error);
	return bw_page_render(req, resp, status, "login_mfa", v);
}

static enum bw_err route_step_page(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_str next = bw_req_query(req, "next", NULL), token;
	enum bw_err rc = mfa_cookie(req, &token);

	if (rc == BW_ERR_NOT_FOUND) /* no password step under way */
		return bw_web_redirect(resp, with_next(req, "/login", '?', next));
	if (rc != BW_OK)
		return rc;
	return render_step(req, resp, 200, next, "");
}

static enum bw_err route_step_form(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_str next = bw_req_form(req, "next", NULL), token;
	struct bw_account_login res;
	enum bw_err rc = mfa_cookie(req, &token);

	if (rc == BW_OK) {
		rc = bw_account_mfa_login(req, resp, token, bw_req_form(req, "code", NULL), &res);
	} else if (rc == BW_ERR_NOT_FOUND) { /* no password step under way: as a dead token */
		res.status = BW_ACCOUNT_NOT_FOUND;
		rc = BW_OK;
	}
	if (rc != BW_OK)
		return rc;
	switch (res.status) {
	case BW_ACCOUNT_OK:
		bw_wipe(&res, sizeof(res));
		rc = clear_mfa_cookie(req, resp);
		return rc == BW_OK ? bw_web_redirect(resp, bw_web_next(req, next, "/account")) : rc;
	case BW_ACCOUNT_DENIED:
		return render_step(req, resp, 401, next, wrong_code);
	case BW_ACCOUNT_RATE_LIMITED:
		return render_step(req, resp, 429, next, too_many);
	default:
		/* unknown, expired or out of tries: the password step again */
		rc = clear_mfa_cookie(req, resp);
		return rc == BW_OK ? bw_web_redirect(resp, with_next(req, "/login?m=mfa_restart",
		                                                     '&', next))
		                   : rc;
	}
}

/* ---- GET and POST /reauth: the re-authentication prompt ------------------------ */

static const struct bw_param reauth_fields[] = {
        {.name = "password", .rule = password_rule},
        {.name = "code", .rule = code_rule},
        {.name = "next", .rule = next_rule},
        {0},
};

static enum bw_err render_reauth(struct bw_req *req, struct bw_resp *resp, unsigned status,
                                 struct bw_str next, const char *error)
{
	const struct bw_principal *p = bw_req_principal(req);
	enum bw_mfa_state mfa = BW_MFA_NONE;
	unsigned left = 0;
	struct bw_tv *v = bw_web_values(req);
	enum bw_err rc = bw_mfa_status(bw_req_app(req), p->user_id, &mfa, &left);

	if (rc != BW_OK)
		return rc;
	if (v == NULL)
		return BW_ERR_INTERNAL;
	bw_tv_put_bool(v, "mfa", mfa == BW_MFA_CONFIRMED);
	bw_tv_put_cstr(v, "next", bw_web_next(req, next, "/account"));
	bw_tv_put_cstr(v, "error", error);
	return bw_page_render(req, resp, status, "reauth", v);
}

static enum bw_err route_reauth_page(struct bw_req *req, struct bw_resp *resp)
{
	return render_reauth(req, resp, 200, bw_req_query(req, "next", NULL), "");
}

static enum bw_err route_reauth_form(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_str next = bw_req_form(req, "next", NULL);
	struct bw_str password = bw_req_form(req, "password", NULL);
	struct bw_str code = bw_req_form(req, "code", NULL);
	struct bw_account_result res;
	enum bw_err rc;

	/* the page shows one field: the code when a second factor is on */
	rc = bw_account_reauth(req, code.len == 0 ? &password : NULL, code.len > 0 ? &code : NULL,
	                       &res);
	if (rc != BW_OK)
		return rc;
	switch (res.status) {
	case BW_ACCOUNT_OK:
		return bw_web_redirect(resp, bw_web_next(req, next, "/account"));
	case BW_ACCOUNT_RATE_LIMITED:
		return render_reauth(req, resp, 429, next, too_many);
	case BW_ACCOUNT_MFA_REQUIRED:
		return render_reauth(req, resp, 400, next,
		                     "Enter a code from your authenticator app or a backup code.");
	case BW_ACCOUNT_FIELD:
		return render_reauth(req, resp, 400, next, "Enter your password.");
	default:
		return render_reauth(req, resp, 401, next,
		                     code.len > 0 ? wrong_code : "The password is wrong.");
	}
}

/* ---- POST /account/mfa/...: enrolment, backup codes, turning it off -------------- */

static const struct bw_param confirm_fields[] = {
        {.name = "code", .rule = code_rule},
        {0},
};

/* The enrolment page: with the key (qr, secret, uri) right after it was
 * made; without it after a wrong first code (the app has it already). */
static enum bw_err render_setup(struct bw_req *req, struct bw_resp *resp, unsigned status,
                                const struct bw_mfa_enrolment *e, const char *error)
{
	struct bw_tv *v = bw_web_values(req);
	char grouped[sizeof(e->secret) + sizeof(e->secret) / 4 + 1];
	size_t k = 0;

	if (v == NULL)
		return BW_ERR_INTERNAL;
	grouped[0] = '\0';
	/* the key in groups of four, easier to type (apps ignore the spaces) */
	for (size_t i = 0; e != NULL && e->secret[i] != '\0'; i++) {
		if (i > 0 && i % 4 == 0)
			grouped[k++] = ' ';
		grouped[k++] = e->secret[i];
	}
	grouped[k] = '\0';
	bw_tv_put_bool(v, "show_key", e != NULL);
	/* the QR code is markup the server drew from the Key URI (qr.h), never input */
	bw_tv_put_html(v, "qr_svg", e != NULL ? bw_buf_str(&e->svg) : bw_str_c(""));
	bw_tv_put_cstr(v, "secret", grouped);
	bw_tv_put_cstr(v, "otpauth_uri", e != NULL ? bw_buf_cstr(&e->uri) : "");
	bw_tv_put_cstr(v, "error", error);
	bw_wipe(grouped, sizeof(grouped));
	return bw_page_render(req, resp, status, "mfa_setup", v);
}

/* The backup codes page (shown once). csrf: the session's token when the
 * session was just replaced (confirmation), else NULL for the request's. */
static enum bw_err render_codes(struct bw_req *req, struct bw_resp *resp,
                                const struct bw_mfa_backup *codes, const char *csrf, bool enabled)
{
	struct bw_tv *v = bw_web_values(req);
	struct bw_tv *list = bw_tv_list(bw_req_arena(req));

	if (v == NULL)
		return BW_ERR_INTERNAL;
	if (csrf != NULL)
		bw_tv_put_cstr(v, "csrf_token", csrf);
	for (size_t i = 0; i < BW_MFA_BACKUP_CODES; i++)
		bw_tv_append_str(list, bw_str_c(codes->codes[i]));
	bw_tv_put(v, "codes", list);
	bw_tv_put_bool(v, "enabled", enabled);
	return bw_page_render(req, resp, 200, "mfa_codes", v);
}

static enum bw_err route_begin_form(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_mfa_enrolment e;
	struct bw_account_result res;
	enum bw_err rc = bw_account_mfa_begin(req, &e, &res);

	if (rc == BW_OK && res.status == BW_ACCOUNT_REAUTH)
		rc = to_reauth(req, resp, "/account/security");
	else if (rc == BW_OK && res.status == BW_ACCOUNT_STATE)
		rc = bw_web_redirect(resp, "/account/security?m=mfa_on");
	else if (rc == BW_OK)
		rc = render_setup(req, resp, 200, &e, "");
	bw_mfa_enrolment_wipe(&e);
	return rc;
}

static enum bw_err route_confirm_form(struct bw_req *req, struct bw_resp *resp)
{
	char csrf[BW_CSRF_SESSION_TOKEN_SIZE];
	struct bw_account_result res;
	struct bw_mfa_backup codes;
	enum bw_err rc = bw_account_mfa_confirm(req, resp, bw_req_form(req, "code", NULL), &codes,
	                                        csrf, &res);

	if (rc != BW_OK)
		return rc;
	switch (res.status) {
	case BW_ACCOUNT_OK:
		/* the session was replaced: the page's forms carry the new one's token */
		rc = render_codes(req, resp, &codes, csrf, true);
		bw_wipe(&codes, sizeof(codes));
		bw_wipe(csrf, sizeof(csrf));
		return rc;
	case BW_ACCOUNT_STATE:
		return bw_web_redirect(resp, "/account/security?m=mfa_not_pending");
	case BW_ACCOUNT_RATE_LIMITED:
		return render_setup(req, resp, 429, NULL, too_many);
	default:
		return render_setup(req, resp, 400, NULL, wrong_code);
	}
}

static enum bw_err route_backup_form(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_account_result res;
	struct bw_mfa_backup codes;
	enum bw_err rc = bw_account_mfa_backup(req, &codes, &res);

	if (rc != BW_OK)
		return rc;
	if (res.status == BW_ACCOUNT_REAUTH)
		return to_reauth(req, resp, "/account/security");
	if (res.status == BW_ACCOUNT_STATE)
		return bw_web_redirect(resp, "/account/security");
	rc = render_codes(req, resp, &codes, NULL, false);
	bw_wipe(&codes, sizeof(codes));
	return rc;
}

static enum bw_err route_disable_form(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_account_result res;
	bool removed = false;
	enum bw_err rc = bw_account_mfa_disable(req, &removed, &res);

	if (rc != BW_OK)
		return rc;
	if (res.status == BW_ACCOUNT_REAUTH)
		return to_reauth(req, resp, "/account/security");
	return bw_web_redirect(resp, "/account/security?m=mfa_off");
}

enum bw_err bw_web_reauth_redirect(struct bw_req *req, struct bw_resp *resp, const char *from)
{
	return to_reauth(req, resp, from);
}

/* ---- the routes ------------------------------------------------------------- */

const struct bw_route bw_routes_web_mfa[] = {
        {.path = "/login/mfa",
         .methods = BW_GET,
         .handler = route_step_page,
         .query_params = step_query,
         .html = true,
         .no_store = true,
         .cors = BW_ROUTE_CORS_NONE},
        {.path = "/login/mfa",
         .methods = BW_POST,
         .handler = route_step_form,
         .body = BW_BODY_FORM,
         .body_max = 4096,
         .form_fields = step_fields,
         .csrf = BW_CSRF_PRESESSION,
         .html = true,
         .no_store = true,
         .cors = BW_ROUTE_CORS_NONE},
        {.path = "/reauth",
         .methods = BW_GET,
         .handler = route_reauth_page,
         .query_params = step_query,
         .auth = BW_AUTH_SESSION,
         .login_page = "/login",
         .html = true,
         .cors = BW_ROUTE_CORS_NONE},
        {.path = "/reauth",
         .methods = BW_POST,
         .handler = route_reauth_form,
         .body = BW_BODY_FORM,
         .body_max = 16384,
         .form_fields = reauth_fields,
         .auth = BW_AUTH_SESSION,
         .csrf = BW_CSRF_TOKEN,
         .slow = true,
         .html = true,
         .cors = BW_ROUTE_CORS_NONE},
        {.path = "/account/mfa/totp",
         .methods = BW_POST,
         .handler = route_begin_form,
         .body = BW_BODY_FORM,
         .body_max = 4096,
         .auth = BW_AUTH_SESSION,
         .csrf = BW_CSRF_TOKEN,
         .html = true,
         .cors = BW_ROUTE_CORS_NONE},
        {.path = "/account/mfa/confirm",
         .methods = BW_POST,
         .handler = route_confirm_form,
         .body = BW_BODY_FORM,
         .body_max = 4096,
         .form_fields = confirm_fields,
         .auth = BW_AUTH_SESSION,
         .csrf = BW_CSRF_TOKEN,
         .html = true,
         .cors = BW_ROUTE_CORS_NONE},
        {.path = "/account/mfa/backup-codes",
         .methods = BW_POST,
         .handler = route_backup_form,
         .body = BW_BODY_FORM,
         .body_max = 4096,
         .auth = BW_AUTH_SESSION,
         .csrf = BW_CSRF_TOKEN,
         .html = true,
         .cors = BW_ROUTE_CORS_NONE},
        {.path = "/account/mfa/disable",
         .methods = BW_POST,
         .handler = route_disable_form,
         .body = BW_BODY_FORM,
         .body_max = 4096,
         .auth = BW_AUTH_SESSION,
         .csrf = BW_CSRF_TOKEN,
         .html = true,
         .cors = BW_ROUTE_CORS_NONE},
};

const size_t bw_routes_web_mfa_n = sizeof(bw_routes_web_mfa) / sizeof(bw_routes_web_mfa[0]);
