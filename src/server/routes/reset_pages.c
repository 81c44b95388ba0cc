/*
 * reset_pages.c — the HTML pages of password reset: GET/POST /password-reset
 * and GET/POST /password-reset/confirm (the logic is ../reset.c, shared with
 * the JSON API). The forms carry a pre-session CSRF token like sign-in, and
 * answer POST-redirect-GET; the confirmation page takes the token from the
 * link's query and sends it back in the form (the query is never logged,
 * and Referrer-Policy keeps it from other sites).
 */
#include "../account.h"
#include "../pages.h"
#include "../reset.h"
#include "../web.h"

static const struct bw_rule email_rule = BW_RULE_TEXT(0, 1024, 0);
static const struct bw_rule password_rule = BW_RULE_TEXT(0, 4096, 0);
static const struct bw_rule token_rule = BW_RULE_TEXT(0, 256, 0);

static const struct bw_param request_query[] = {
        {.name = "sent", .rule = {.kind = BW_RULE_TOKEN, .min = 1, .max = 1}},
        {0},
};
static const struct bw_param request_fields[] = {
        {.name = "email", .rule = email_rule},
        {0},
};
static const struct bw_param confirm_query[] = {
        {.name = "token", .rule = token_rule},
        {0},
};
static const struct bw_param confirm_fields[] = {
        {.name = "token", .rule = token_rule},
        {.name = "new_password", .rule = password_rule},
        {0},
};

/* A page of this file with a fresh pre-session token in its values. */
static struct bw_tv *page_values(struct bw_req *req, struct bw_resp *resp, enum bw_err *rc)
{
	char token[BW_CSRF_SIGNED_SIZE];
	struct bw_tv *v = bw_page_values(req);

	*rc = bw_account_presession(req, resp, token);
	if (*rc == BW_OK)
		bw_tv_put_cstr(v, "csrf_token", token);
	return v;
}

static enum bw_err render_request(struct bw_req *req, struct bw_resp *resp, unsigned status,
                                  bool sent, const char *error)
{
	enum bw_err rc;
	struct bw_tv *v = page_values(req, resp, &rc);

	if (rc != BW_OK)
		return rc;
	bw_tv_put_bool(v, "sent", sent);
	bw_tv_put_cstr(v, "error", error);
	return bw_page_render(req, resp, status, "password_reset", v);
}

static enum bw_err page_request(struct bw_req *req, struct bw_resp *resp)
{
	bool sent = false;

	(void)bw_req_query(req, "sent", &sent);
	return render_request(req, resp, 200, sent, "");
}

static enum bw_err form_request(struct bw_req *req, struct bw_resp *resp)
{
	bool queued = false;
	enum bw_err rc = bw_reset_request(req, bw_req_form(req, "email", NULL), &queued);

	if (rc == BW_ERR_BUSY)
		return render_request(req, resp, 503, false,
		                      "Too many requests are waiting. Try again in a minute.");
	if (rc != BW_OK)
		return rc;
	if (!queued)
		return render_request(req, resp, 429, false,
		                      "Too many reset requests. Wait a while before asking again.");
	return bw_web_redirect(resp, "/password-reset?sent=1");
}

static enum bw_err render_confirm(struct bw_req *req, struct bw_resp *resp, unsigned status,
                                  struct bw_str token, bool token_error, const char *pw_error)
{
	enum bw_err rc;
	struct bw_tv *v = page_values(req, resp, &rc);

	if (rc != BW_OK)
		return rc;
	bw_tv_put_str(v, "token", token);
	bw_tv_put_bool(v, "token_error", token_error);
	bw_tv_put_cstr(v, "password_error", pw_error);
	return bw_page_render(req, resp, status, "password_reset_confirm", v);
}

static enum bw_err page_confirm(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_str token = bw_req_query(req, "token", NULL);

	/* the token is checked when the form comes back; an obviously empty
	 * link says so at once */
	return render_confirm(req, resp, token.len == 0 ? 400 : 200, token, token.len == 0, "");
}

static enum bw_err form_confirm(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_str token = bw_req_form(req, "token", NULL);
	enum bw_reset_outcome outcome;
	const char *code = NULL;
	enum bw_err rc = bw_reset_confirm(req, token, bw_req_form(req, "new_password", NULL),
	                                  &outcome, &code);

	if (rc != BW_OK)
		return rc;
	switch (outcome) {
	case BW_RESET_DONE:
		return bw_web_redirect(resp, "/login?m=password_reset");
	case BW_RESET_BAD_PASSWORD:
		return render_confirm(req, resp, 400, token, false,
		                      bw_web_field_message("new_password", code));
	case BW_RESET_BAD_TOKEN:
	default:
		return render_confirm(req, resp, 400, bw_str_c(""), true, "");
	}
}

const struct bw_route bw_routes_reset_pages[] = {
        {.path = "/password-reset",
         .methods = BW_GET,
         .handler = page_request,
         .query_params = request_query,
         .html = true,
         .cors = BW_ROUTE_CORS_NONE},
        {.path = "/password-reset",
         .methods = BW_POST,
         .handler = form_request,
         .body = BW_BODY_FORM,
         .form_fields = request_fields,
         .body_max = 4096,
         .csrf = BW_CSRF_PRESESSION,
         .rate_class = "password-reset",
         .html = true,
         .cors = BW_ROUTE_CORS_NONE},
        {.path = "/password-reset/confirm",
         .methods = BW_GET,
         .handler = page_confirm,
         .query_params = confirm_query,
         .html = true,
         .cors = BW_ROUTE_CORS_NONE},
        {.path = "/password-reset/confirm",
         .methods = BW_POST,
         .handler = form_confirm,
         .body = BW_BODY_FORM,
         .form_fields = confirm_fields,
         .body_max = 16384,
         .csrf = BW_CSRF_PRESESSION,
         .rate_class = "password-reset",
         .slow = true,
         .html = true,
         .cors = BW_ROUTE_CORS_NONE},
};

const size_t bw_routes_reset_pages_n =
        sizeof(bw_routes_reset_pages) / sizeof(bw_routes_reset_pages[0]);
