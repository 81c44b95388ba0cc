/*
 * web.c — the pages' form routes (web.h). Each form route reuses the logic
 * of its JSON twin and passes the same pipeline checks: the session (or
 * pre-session) CSRF token arrives in the csrf_token form field and is
 * checked after the form is parsed, before the handler runs.
 */
#include "../web.h"

#include "../sessions.h"

enum bw_err bw_web_redirect(struct bw_resp *resp, const char *location)
{
	enum bw_err rc = bw_resp_header(resp, "Location", location);

	if (rc == BW_OK)
		bw_resp_status(resp, 303);
	return rc;
}

/* ---- POST /logout: a form, never a link (a link is a CSRF hole) ---------- */

static enum bw_err route_logout_form(struct bw_req *req, struct bw_resp *resp)
{
	enum bw_err rc = bw_auth_logout(req, resp);

	if (rc == BW_OK)
		rc = bw_web_redirect(resp, "/login");
	return rc;
}

/* ---- the routes ------------------------------------------------------------- */

const struct bw_route bw_routes_web[] = {
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
