/*
 * table.c — every route the server answers, with what the pipeline enforces
 * for it. Adding an endpoint means adding a line here; nothing reaches a
 * handler that its line does not declare.
 */
#include "app.h"

const struct bw_route bw_app_routes[] = {
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
        {.path = "/v1/ping", .methods = BW_GET, .handler = bw_route_ping, .no_store = true},
};

const size_t bw_app_n_routes = sizeof(bw_app_routes) / sizeof(bw_app_routes[0]);
