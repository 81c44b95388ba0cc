/*
 * app.h — the running server's state, handed to every handler through
 * bw_req_app(). One instance, owned by serve.c.
 */
#ifndef BULWARK_APP_H
#define BULWARK_APP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "bulwark/http.h"
#include "bulwark/log.h"
#include "bulwark/secret.h"
#include "settings.h"

struct bw_app {
	struct bw_settings settings;
	struct bw_log *log;
	struct bw_http *http;
	struct bw_secret *master_key;
	time_t started_at;
};

/** The routes of the server, in one table (routes/table.c). */
extern const struct bw_route bw_app_routes[];
extern const size_t bw_app_n_routes;
extern const struct bw_rl_policy bw_app_rate_classes[];
extern const size_t bw_app_n_rate_classes;

/* routes/ops.c */
enum bw_err bw_route_healthz(struct bw_req *req, struct bw_resp *resp);
enum bw_err bw_route_readyz(struct bw_req *req, struct bw_resp *resp);
enum bw_err bw_route_metrics(struct bw_req *req, struct bw_resp *resp);
enum bw_err bw_route_ping(struct bw_req *req, struct bw_resp *resp);
enum bw_err bw_route_openapi(struct bw_req *req, struct bw_resp *resp);

/* routes/csp_report.c, routes/home.c */
enum bw_err bw_route_csp_report(struct bw_req *req, struct bw_resp *resp);
enum bw_err bw_route_home(struct bw_req *req, struct bw_resp *resp);

/* serve.c */
int bw_cmd_serve(int argc, char **argv);

#endif
