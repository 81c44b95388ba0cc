/*
 * signing.c — GET /.well-known/jwks.json, the public keys that verify the
 * server's tokens, and GET /v1/whoami, what a bearer token authenticates as.
 */
#include <stdlib.h>
#include <string.h>

#include "../signing.h"

/* Relying parties re-fetch this often enough to see a next key long before it signs. */
#define JWKS_MAX_AGE "max-age=300"

static enum bw_err route_jwks(struct bw_req *req, struct bw_resp *resp)
{
	json_t *jwks = NULL;
	char *text;
	enum bw_err rc = bw_signing_jwks(bw_req_app(req), &jwks);

	if (rc != BW_OK)
		return rc;
	text = json_dumps(jwks, JSON_COMPACT);
	json_decref(jwks);
	if (text == NULL)
		return BW_ERR_NOMEM;
	rc = bw_resp_json(resp, 200, bw_str_c(text));
	free(text);
	if (rc == BW_OK)
		rc = bw_resp_header(resp, "Cache-Control", "public, " JWKS_MAX_AGE);
	return rc;
}

/* {"kind", "sub", "client_id", "scopes"}: from the verified token, nothing looked up. */
static enum bw_err route_whoami(struct bw_req *req, struct bw_resp *resp)
{
	const struct bw_principal *p = bw_req_principal(req);
	const struct bw_access_info *info = p->data;
	json_t *obj, *scopes = json_array();
	char *text;
	enum bw_err rc;

	if (scopes == NULL)
		return BW_ERR_NOMEM;
	for (size_t i = 0; i < BW_PRINCIPAL_MAX_SCOPES && p->scopes[i] != NULL; i++)
		if (json_array_append_new(scopes, json_string(p->scopes[i])) != 0) {
			json_decref(scopes);
			return BW_ERR_NOMEM;
		}
	obj = json_pack("{s:s,s:s,s:s,s:o}", "kind", p->user_id != 0 ? "user" : "client", "sub",
	                info->sub, "client_id", info->client_id, "scopes", scopes);
	if (obj == NULL)
		return BW_ERR_NOMEM;
	text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (text == NULL)
		return BW_ERR_NOMEM;
	rc = bw_resp_json(resp, 200, bw_str_c(text));
	free(text);
	return rc;
}

static const char *const whoami_scopes[] = {BW_SCOPE_WHOAMI, NULL};

const struct bw_route bw_routes_signing[] = {
        {.path = "/.well-known/jwks.json",
         .methods = BW_GET,
         .handler = route_jwks,
         .cors = BW_ROUTE_CORS_PUBLIC},
        {.path = "/v1/whoami",
         .methods = BW_GET,
         .handler = route_whoami,
         .auth = BW_AUTH_BEARER,
         .scopes = whoami_scopes,
         .csrf = BW_CSRF_NOT_COOKIE,
         .cors = BW_ROUTE_CORS_NONE},
};
const size_t bw_routes_signing_n = sizeof(bw_routes_signing) / sizeof(bw_routes_signing[0]);
