/*
 * admin.c — the administrators' view of the audit log:
 * GET /v1/admin/audit/verify checks the stored chain (as `bulwark audit
 * verify` does, without the exported checkpoints, which live outside);
 * GET /v1/admin/audit?since=SEQ&limit=N exports records as JSON lines.
 * Both need an authenticated principal of role admin; both run on the worker
 * pool, since they read the whole chain.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "audit_store.h"
#include "bulwark/buf.h"

#define EXPORT_LIMIT_DEFAULT 100
#define EXPORT_LIMIT_MAX     1000

static enum bw_err audit_verify(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_app *app = bw_req_app(req);
	struct bw_audit_report r;
	size_t bad_line = 0;
	char body[256];
	int n;
	enum bw_err rc = bw_audit_store_verify(app->audit_key, app->db, NULL, 0, &r, &bad_line);

	if (rc == BW_OK)
		n = snprintf(body, sizeof(body),
		             "{\"verdict\":\"intact\",\"records\":%llu,\"checkpointed\":%llu}",
		             (unsigned long long)r.verified, (unsigned long long)r.checkpointed);
	else if (rc == BW_ERR_VERIFY)
		n = snprintf(body, sizeof(body),
		             "{\"verdict\":\"%s\",\"seq\":%llu,\"verified\":%llu}",
		             bw_audit_verdict_str(r.verdict), (unsigned long long)r.seq,
		             (unsigned long long)r.verified);
	else
		return rc;
	bw_app_audit(app, req, "admin.audit_verify",
	             rc == BW_OK ? BW_AUDIT_SUCCESS : BW_AUDIT_FAILURE,
	             bw_req_principal(req)->user_id, NULL, 0);
	return bw_resp_json(resp, 200, (struct bw_str){body, (size_t)n});
}

static enum bw_err audit_export(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_app *app = bw_req_app(req);
	struct bw_audit_export *e = NULL;
	const struct bw_audit_record *recs;
	size_t nrec, bad_line = 0, sent = 0;
	int64_t since = 0, limit = EXPORT_LIMIT_DEFAULT;
	bool present;
	struct bw_str v;
	struct bw_buf out;
	enum bw_err rc;

	v = bw_req_query(req, "since", &present);
	if (present && bw_parse_i64(v, 0, INT64_MAX, &since) != BW_OK)
		return BW_ERR_INTERNAL; /* validated by the route: cannot happen */
	v = bw_req_query(req, "limit", &present);
	if (present && bw_parse_i64(v, 1, EXPORT_LIMIT_MAX, &limit) != BW_OK)
		return BW_ERR_INTERNAL;
	rc = bw_audit_store_load(app->db, &e, &bad_line);
	if (rc != BW_OK)
		return bw_resp_problem(resp, 409, "audit-unreadable", "Audit log unreadable",
		                       "A stored audit line is malformed; run the verification.",
		                       NULL);
	recs = bw_audit_export_records(e, &nrec);
	bw_buf_init(&out, 64u * 1024u * 1024u);
	for (size_t i = 0; i < nrec && rc == BW_OK && sent < (size_t)limit; i++) {
		if (recs[i].seq <= (uint64_t)since)
			continue;
		rc = bw_audit_export_record(&recs[i], &out);
		sent++;
	}
	bw_audit_export_free(e);
	if (rc == BW_OK)
		rc = bw_resp_body(resp, 200, "application/jsonl", bw_buf_str(&out));
	bw_buf_free(&out);
	return rc;
}

static const struct bw_param export_query[] = {
        {.name = "since", .rule = BW_RULE_INT_RANGE(0, INT64_MAX)},
        {.name = "limit", .rule = BW_RULE_INT_RANGE(1, EXPORT_LIMIT_MAX)},
        {0},
};

/* tokens and API keys need the admin scope and an admin owner; sessions the role */
static const char *const admin_scope[] = {"admin", NULL};

const struct bw_route bw_routes_admin[] = {
        {.path = "/v1/admin/audit/verify",
         .methods = BW_GET,
         .handler = audit_verify,
         .auth = BW_AUTH_SESSION | BW_AUTH_BEARER | BW_AUTH_APIKEY,
         .scopes = admin_scope,
         .role = "admin",
         .slow = true,
         .no_store = true},
        {.path = "/v1/admin/audit",
         .methods = BW_GET,
         .handler = audit_export,
         .query_params = export_query,
         .auth = BW_AUTH_SESSION | BW_AUTH_BEARER | BW_AUTH_APIKEY,
         .scopes = admin_scope,
         .role = "admin",
         .slow = true,
         .no_store = true},
};

const size_t bw_routes_admin_n = sizeof(bw_routes_admin) / sizeof(bw_routes_admin[0]);
