/*
 * table.c — every route the server answers, with what the pipeline enforces
 * for it. Adding an endpoint means adding a line here; nothing reaches a
 * handler that its line does not declare.
 */
#include <stdlib.h>

#include "app.h"
#include "../apikeys.h"       /* apikeys: bw_routes_apikeys */
#include "../pages.h"         /* pages: bw_route_static */
#include "../oauth_clients.h" /* OAuth clients: admin API, revoke, introspect */
#include "../sessions.h"      /* accounts: bw_routes_auth, bw_routes_me */
#include "../web.h"           /* the HTML pages: bw_routes_web */
#include "../reset.h"         /* password reset: bw_routes_reset */
#include "../mfa.h"           /* accounts: bw_routes_mfa */
#include "../signing.h"       /* tokens: bw_routes_signing */

const struct bw_route bw_routes_ops[] = {
        {.path = "/healthz",
         .methods = BW_GET,
         .handler = bw_route_healthz,
         .cors = BW_ROUTE_CORS_NONE,
         .no_store = true},
        {.path = "/readyz",
         .methods = BW_GET,
         .handler = bw_route_readyz,
         .cors = BW_ROUTE_CORS_NONE,
         .no_store = true},
        {.path = "/metrics",
         .methods = BW_GET,
         .handler = bw_route_metrics,
         .cors = BW_ROUTE_CORS_NONE,
         .access = BW_ACCESS_LOOPBACK,
         .no_store = true},
        {.path = "/",
         .methods = BW_GET,
         .handler = bw_route_home,
         .html = true,
         .cors = BW_ROUTE_CORS_NONE},
        {.path = "/static/{file}", /* pages: the stylesheet (pages.h) */
         .methods = BW_GET,
         .handler = bw_route_static,
         .path_params = bw_static_path_params,
         .query_params = bw_static_query_params,
         .cors = BW_ROUTE_CORS_NONE},
        {.path = "/v1/csp-reports",
         .methods = BW_POST,
         .handler = bw_route_csp_report,
         .body = BW_BODY_CSP_REPORT,
         .body_max = 16384,
         .rate_class = "csp-report",
         .cors = BW_ROUTE_CORS_NONE},
        {.path = "/openapi.json",
         .methods = BW_GET,
         .handler = bw_route_openapi,
         .cors = BW_ROUTE_CORS_PUBLIC},
        {.path = "/v1/ping", .methods = BW_GET, .handler = bw_route_ping, .no_store = true},
};

/* Rate classes named by routes: per client address, on top of the IP limit. */
const struct bw_rl_policy bw_app_rate_classes[] = {
        /* browsers send a report per violation: enough for a page, not a flood */
        {.name = "csp-report", .limit = 60, .period_s = 60, .burst = 20},
        /* OAuth token endpoint: machines refresh often, but not thousands a minute */
        {.name = "oauth-token", .limit = 600, .period_s = 60, .burst = 120},
        /* reset requests and confirmations per client (each address has its own cap too) */
        {.name = "password-reset", .limit = 30, .period_s = 3600, .burst = 10},
};
const size_t bw_app_n_rate_classes = sizeof(bw_app_rate_classes) / sizeof(bw_app_rate_classes[0]);

const size_t bw_routes_ops_n = sizeof(bw_routes_ops) / sizeof(bw_routes_ops[0]);

/*
 * Every group of routes the server answers. A feature keeps its routes in
 * its own file (routes/<feature>.c) and adds one line here.
 */
static const struct {
	const struct bw_route *routes;
	const size_t *n;
} groups[] = {
        {bw_routes_ops, &bw_routes_ops_n},
        {bw_routes_auth, &bw_routes_auth_n}, /* accounts: register, login, logout, csrf */
        {bw_routes_me, &bw_routes_me_n},     /* accounts: the signed-in user's own */
        {bw_routes_mfa, &bw_routes_mfa_n},   /* accounts: MFA, second step, re-auth */
        {bw_routes_admin, &bw_routes_admin_n},
        {bw_routes_web, &bw_routes_web_n},                     /* the HTML pages and their forms */
        {bw_routes_web_account, &bw_routes_web_account_n},     /* the signed-in pages */
        {bw_routes_web_mfa, &bw_routes_web_mfa_n},             /* pages: MFA, re-auth */
        {bw_routes_admin_clients, &bw_routes_admin_clients_n}, /* clients, users */
        {bw_routes_reset, &bw_routes_reset_n},                 /* password reset */
        {bw_routes_reset_pages, &bw_routes_reset_pages_n},     /* its pages */
        {bw_routes_apikeys, &bw_routes_apikeys_n},             /* apikeys: the user's API keys */
        {bw_routes_signing, &bw_routes_signing_n},             /* tokens: JWKS, whoami */
        {bw_routes_oauth, &bw_routes_oauth_n},                 /* OAuth/OIDC: authorize, token */
        {bw_routes_oauth_endpoints, &bw_routes_oauth_endpoints_n}, /* revoke, introspect */
};

enum bw_err bw_app_route_table(struct bw_route **out, size_t *n)
{
	size_t total = 0, k = 0;
	struct bw_route *all;

	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		total += *groups[g].n;
	all = calloc(total, sizeof(*all));
	if (all == NULL)
		return BW_ERR_NOMEM;
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		for (size_t i = 0; i < *groups[g].n; i++)
			all[k++] = groups[g].routes[i];
	*out = all;
	*n = total;
	return BW_OK;
}
