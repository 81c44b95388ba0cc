/*
 * http_req.c — what a handler may see of a request and how it answers.
 * Accessors return only declared, validated values; asking for an
 * undeclared parameter is a programming error and aborts.
 */
#include "http_internal.h"
#include "problem.h"

#include <string.h>

struct bw_arena *bw_req_arena(struct bw_req *req)
{
	return req->arena;
}

const char *bw_req_id(const struct bw_req *req)
{
	return req->id;
}

enum bw_method bw_req_method(const struct bw_req *req)
{
	return req->method;
}

const struct bw_route *bw_req_route(const struct bw_req *req)
{
	return req->route;
}

static size_t param_slot(const struct bw_param *list, const char *name)
{
	if (list != NULL)
		for (size_t i = 0; list[i].name != NULL; i++)
			if (strcmp(list[i].name, name) == 0)
				return i;
	bw_panic("parameter \"%s\" is not declared on this route", name);
}

struct bw_str bw_req_param(const struct bw_req *req, const char *name)
{
	return req->path_params[param_slot(req->route->path_params, name)];
}

struct bw_str bw_req_query(const struct bw_req *req, const char *name, bool *present)
{
	size_t i = param_slot(req->route->query_params, name);

	if (present != NULL)
		*present = req->query_present[i];
	return req->query_vals[i];
}

struct bw_str bw_req_form(const struct bw_req *req, const char *name, bool *present)
{
	size_t i = param_slot(req->route->form_fields, name);

	BW_REQUIRE(req->route->body == BW_BODY_FORM);
	if (present != NULL)
		*present = req->form_present[i];
	return req->form_present[i] ? req->form_vals[i] : (struct bw_str){"", 0};
}

const struct bw_str *bw_req_csrf_token(const struct bw_req *req, struct bw_str *slot)
{
	const char *h;

	if (req->route != NULL && req->route->body == BW_BODY_FORM && req->form_csrf_present) {
		*slot = req->form_csrf;
		return slot;
	}
	h = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "X-CSRF-Token");
	if (h == NULL)
		return NULL;
	*slot = bw_str_c(h);
	return slot;
}

const char *bw_req_header(const struct bw_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

struct bw_str bw_req_body(const struct bw_req *req)
{
	return bw_buf_str(&req->body);
}

const json_t *bw_req_json(const struct bw_req *req)
{
	return req->json;
}

const struct bw_principal *bw_req_principal(const struct bw_req *req)
{
	return req->authenticated ? &req->principal : NULL;
}

const char *bw_req_client_ip(const struct bw_req *req)
{
	return req->client_ip;
}

void *bw_req_app(const struct bw_req *req)
{
	return req->h->cfg.app;
}

void bw_http_resp_init(struct bw_resp *resp, struct bw_req *req)
{
	memset(resp, 0, sizeof(*resp));
	resp->req = req;
	resp->status = 500;
	bw_hdrs_init(&resp->hdrs);
}

enum bw_err bw_resp_body(struct bw_resp *resp, unsigned status, const char *content_type,
                         struct bw_str body)
{
	struct bw_str copy = bw_arena_str(resp->req->arena, body);

	BW_REQUIRE(status >= 100 && status <= 599 && content_type != NULL);
	if (copy.p == NULL)
		return BW_ERR_NOMEM;
	resp->status = status;
	resp->content_type = content_type;
	resp->body = copy;
	return BW_OK;
}

enum bw_err bw_resp_body_static(struct bw_resp *resp, unsigned status, const char *content_type,
                                struct bw_str body)
{
	BW_REQUIRE(status >= 100 && status <= 599 && content_type != NULL);
	BW_REQUIRE(body.p != NULL || body.len == 0);
	resp->status = status;
	resp->content_type = content_type;
	resp->body = body;
	return BW_OK;
}

enum bw_err bw_resp_json(struct bw_resp *resp, unsigned status, struct bw_str json)
{
	return bw_resp_body(resp, status, "application/json", json);
}

void bw_resp_status(struct bw_resp *resp, unsigned status)
{
	BW_REQUIRE(status >= 100 && status <= 599);
	resp->status = status;
	resp->content_type = NULL;
	resp->body = (struct bw_str){"", 0};
}

enum bw_err bw_resp_problem(struct bw_resp *resp, unsigned status, const char *slug,
                            const char *title, const char *detail,
                            const struct bw_field_errors *errs)
{
	struct bw_str text;
	enum bw_err rc;

	BW_REQUIRE(status >= 400 && status <= 599);
	rc = bw_problem_render(resp->req->arena, status, slug, title, detail, resp->req->id, errs,
	                       &text);
	if (rc != BW_OK)
		return rc;
	resp->status = status;
	resp->content_type = "application/problem+json";
	resp->body = text;
	return BW_OK;
}

enum bw_err bw_resp_header(struct bw_resp *resp, const char *name, const char *value)
{
	char *n = bw_arena_strndup(resp->req->arena, name, strlen(name));
	char *v = bw_arena_strndup(resp->req->arena, value, strlen(value));

	if (n == NULL || v == NULL)
		return BW_ERR_NOMEM;
	return bw_hdrs_add(&resp->hdrs, n, v);
}

const char *bw_resp_csp_nonce(const struct bw_resp *resp)
{
	return resp->nonce;
}
