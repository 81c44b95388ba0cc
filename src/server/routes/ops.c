/* ops.c — operational endpoints: liveness, readiness, metrics, ping. */
#include <stdio.h>

#include "app.h"
#include "bulwark/buf.h"

enum bw_err bw_route_healthz(struct bw_req *req, struct bw_resp *resp)
{
	(void)req;
	return bw_resp_json(resp, 200, BW_STR("{\"status\":\"ok\"}"));
}

enum bw_err bw_route_readyz(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_app *app = bw_req_app(req);
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	bool ok = bw_db_acquire(app->db, &c) == BW_OK &&
	          bw_db_prepare(c, BW_SQL("SELECT 1"), &st) == BW_OK && bw_db_step_one(st) == BW_OK;

	bw_db_finish(st);
	if (c != NULL)
		bw_db_release(c);
	if (!ok)
		return bw_resp_problem(resp, 503, "not-ready", "Not ready",
		                       "The database is not reachable.", NULL);
	return bw_resp_json(resp, 200, BW_STR("{\"status\":\"ready\",\"database\":\"ok\"}"));
}

enum bw_err bw_route_ping(struct bw_req *req, struct bw_resp *resp)
{
	(void)req;
	return bw_resp_json(resp, 200, BW_STR("{\"pong\":true}"));
}

enum bw_err bw_route_metrics(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_app *app = bw_req_app(req);
	struct bw_http_stats st;
	struct bw_log_stats ls;
	struct bw_buf b;
	enum bw_err rc;

	bw_http_stats(app->http, &st);
	bw_log_stats(app->log, &ls);
	bw_buf_init(&b, 16384);
	rc = bw_buf_printf(&b,
	                   "# HELP bulwark_requests_total Requests received.\n"
	                   "# TYPE bulwark_requests_total counter\n"
	                   "bulwark_requests_total %llu\n"
	                   "# HELP bulwark_responses_total Responses sent, by status class.\n"
	                   "# TYPE bulwark_responses_total counter\n",
	                   (unsigned long long)st.requests);
	for (unsigned cls = 1; cls <= 5 && rc == BW_OK; cls++)
		rc = bw_buf_printf(&b, "bulwark_responses_total{class=\"%uxx\"} %llu\n", cls,
		                   (unsigned long long)st.responses_by_class[cls]);
	if (rc == BW_OK)
		rc = bw_buf_printf(
		        &b,
		        "# HELP bulwark_refused_total Requests refused before routing, by reason.\n"
		        "# TYPE bulwark_refused_total counter\n"
		        "bulwark_refused_total{reason=\"framing\"} %llu\n"
		        "bulwark_refused_total{reason=\"host\"} %llu\n"
		        "bulwark_refused_total{reason=\"rate_limit\"} %llu\n"
		        "bulwark_refused_total{reason=\"head_deadline\"} %llu\n"
		        "bulwark_refused_total{reason=\"worker_busy\"} %llu\n"
		        "# HELP bulwark_inflight_requests Requests being served now.\n"
		        "# TYPE bulwark_inflight_requests gauge\n"
		        "bulwark_inflight_requests %llu\n"
		        "# HELP bulwark_log_lines_dropped_total Log lines dropped.\n"
		        "# TYPE bulwark_log_lines_dropped_total counter\n"
		        "bulwark_log_lines_dropped_total %llu\n"
		        "# HELP bulwark_audit_failures_total Audit events that could not be "
		        "stored.\n"
		        "# TYPE bulwark_audit_failures_total counter\n"
		        "bulwark_audit_failures_total %llu\n"
		        "# HELP bulwark_uptime_seconds Seconds since start.\n"
		        "# TYPE bulwark_uptime_seconds gauge\n"
		        "bulwark_uptime_seconds %lld\n",
		        (unsigned long long)st.refused_framing, (unsigned long long)st.refused_host,
		        (unsigned long long)st.rate_limited,
		        (unsigned long long)st.head_deadline_closed,
		        (unsigned long long)st.worker_busy, (unsigned long long)st.inflight,
		        (unsigned long long)ls.lines_dropped,
		        (unsigned long long)atomic_load(&app->audit_failures),
		        (long long)(time(NULL) - app->started_at));
	if (rc == BW_OK)
		rc = bw_resp_body(resp, 200, "text/plain; version=0.0.4; charset=utf-8",
		                  bw_buf_str(&b));
	bw_buf_free(&b);
	return rc;
}

extern const unsigned char bw_openapi_doc[];
extern const size_t bw_openapi_doc_len;

enum bw_err bw_route_openapi(struct bw_req *req, struct bw_resp *resp)
{
	(void)req;
	/* embedded in the binary and larger than the request arena: served in place */
	return bw_resp_body_static(
	        resp, 200, "application/json",
	        (struct bw_str){(const char *)bw_openapi_doc, bw_openapi_doc_len});
}
