/*
 * csp_report.c — POST /v1/csp-reports: browsers report CSP violations here.
 * The body is strict JSON (size-capped and rate-limited by the route); a few
 * known members are logged, sanitized and truncated; nothing is stored.
 */
#include <string.h>

#include "app.h"

#define FIELD_MAX 256

/* A string member of obj, truncated for the log; "" when absent. */
static struct bw_str member(const json_t *obj, const char *name)
{
	const json_t *v = json_object_get(obj, name);
	size_t len;

	if (!json_is_string(v))
		return (struct bw_str){"", 0};
	len = json_string_length(v);
	return (struct bw_str){json_string_value(v), len > FIELD_MAX ? FIELD_MAX : len};
}

static void log_report(struct bw_app *app, const char *rid, const json_t *r, bool level3)
{
	BW_LOG_LIMITED(app->log, 20, BW_LOG_WARN, rid, "csp.violation",
	               BW_LOG_F_STR("document", member(r, level3 ? "documentURL" : "document-uri")),
	               BW_LOG_F_STR("directive", member(r, level3 ? "effectiveDirective"
	                                                          : "violated-directive")),
	               BW_LOG_F_STR("blocked", member(r, level3 ? "blockedURL" : "blocked-uri")),
	               BW_LOG_F_STR("disposition", member(r, "disposition")));
}

enum bw_err bw_route_csp_report(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_app *app = bw_req_app(req);
	const json_t *doc = bw_req_json(req);
	const json_t *r;
	size_t i;

	if (json_is_object(doc) && json_is_object(r = json_object_get(doc, "csp-report"))) {
		log_report(app, bw_req_id(req), r, false);
	} else if (json_is_array(doc) && json_array_size(doc) <= 16) {
		/* application/reports+json: [{"type": "csp-violation", "body": {…}}, …] */
		json_array_foreach(doc, i, r)
		{
			const json_t *body = json_object_get(r, "body");

			if (json_is_object(body))
				log_report(app, bw_req_id(req), body, true);
		}
	} else {
		return bw_resp_problem(resp, 400, "invalid-body", "Invalid request body",
		                       "This is not a CSP report.", NULL);
	}
	bw_resp_status(resp, 204);
	return BW_OK;
}
