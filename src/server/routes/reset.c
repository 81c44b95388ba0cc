/*
 * reset.c — POST /v1/auth/password-reset and /v1/auth/password-reset/confirm
 * (API.md, Authentication; the logic is in ../reset.c).
 */
#include "../reset.h"
#include "../sessions.h"

static const struct bw_rule email_rule = BW_RULE_TEXT(1, 1024, 0);
static const struct bw_rule password_rule = BW_RULE_TEXT(1, 4096, 0);
static const struct bw_rule token_rule = {.kind = BW_RULE_TOKEN, .min = 1, .max = 256};

static const struct bw_json_field request_fields[] = {
        {.name = "email", .type = BW_JSON_STRING, .required = true, .rule = &email_rule},
};
static const struct bw_json_schema request_schema = {request_fields, 1};

static const struct bw_json_field confirm_fields[] = {
        {.name = "token", .type = BW_JSON_STRING, .required = true, .rule = &token_rule},
        {.name = "new_password", .type = BW_JSON_STRING, .required = true, .rule = &password_rule},
};
static const struct bw_json_schema confirm_schema = {confirm_fields, 2};

static enum bw_err route_request(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_str email;
	bool queued = false;
	enum bw_err rc;

	if (bw_json_get_str(bw_req_json(req), &request_schema, "email", &email) != BW_OK)
		return BW_ERR_INTERNAL; /* the pipeline held the body to the schema */
	rc = bw_reset_request(req, email, &queued);
	if (rc == BW_ERR_BUSY)
		return bw_resp_problem(resp, 503, "unavailable", "Service unavailable",
		                       "Too many requests are waiting; retry in a minute.", NULL);
	if (rc != BW_OK)
		return rc;
	if (!queued)
		return bw_resp_problem(resp, 429, "rate-limited", "Too many requests",
		                       "Slow down and retry after the time given in Retry-After.",
		                       NULL);
	bw_resp_status(resp, 202);
	return BW_OK;
}

static enum bw_err route_confirm(struct bw_req *req, struct bw_resp *resp)
{
	const json_t *body = bw_req_json(req);
	struct bw_field_errors errs = {.count = 0};
	enum bw_reset_outcome outcome;
	struct bw_str token, password;
	const char *code = NULL;
	enum bw_err rc;

	if (bw_json_get_str(body, &confirm_schema, "token", &token) != BW_OK ||
	    bw_json_get_str(body, &confirm_schema, "new_password", &password) != BW_OK)
		return BW_ERR_INTERNAL;
	rc = bw_reset_confirm(req, token, password, &outcome, &code);
	if (rc != BW_OK)
		return rc;
	switch (outcome) {
	case BW_RESET_DONE:
		bw_resp_status(resp, 204);
		return BW_OK;
	case BW_RESET_BAD_PASSWORD:
		bw_field_errors_add(&errs, "new_password", code);
		return bw_resp_problem(resp, 400, "invalid-body", "Invalid request body",
		                       "One or more fields are invalid.", &errs);
	case BW_RESET_BAD_TOKEN:
	default:
		return bw_resp_problem(resp, 400, "invalid-token", "Invalid token",
		                       "The link is invalid, used or expired.", NULL);
	}
}

const struct bw_route bw_routes_reset[] = {
        {.path = "/v1/auth/password-reset",
         .methods = BW_POST,
         .handler = route_request,
         .body = BW_BODY_JSON,
         .body_max = 4096,
         .schema = &request_schema,
         .csrf = BW_CSRF_NOT_COOKIE,
         .rate_class = "password-reset",
         .no_store = true},
        {.path = "/v1/auth/password-reset/confirm",
         .methods = BW_POST,
         .handler = route_confirm,
         .body = BW_BODY_JSON,
         .body_max = 16384,
         .schema = &confirm_schema,
         .csrf = BW_CSRF_NOT_COOKIE,
         .rate_class = "password-reset",
         .slow = true,
         .no_store = true},
};

const size_t bw_routes_reset_n = sizeof(bw_routes_reset) / sizeof(bw_routes_reset[0]);
