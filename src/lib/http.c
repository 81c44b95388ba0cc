/*
 * http.c — the HTTP engine (libmicrohttpd 0.9.75) and the request pipeline.
 *
 * MHD calls the access handler several times per request (recipes/mhd.md §0):
 * call 1 has the head; then one call per body piece; the last call has no
 * data. Refusals are queued on call 1 (MHD then closes the connection, which
 * is what we want for a refused request: its body is never read); answers
 * are queued on the last call, which keeps the connection alive.
 *
 * Pipeline on call 1: request id and arena (from the URI log callback, which
 * also gives the raw target MHD would otherwise hand us pre-decoded) ->
 * framing and header checks -> method -> target length -> Host allowlist ->
 * strict target decoding -> client address and IP rate limit -> routing
 * (404 / 405 + Allow, OPTIONS and CORS preflights) -> access rules -> CORS ->
 * authentication kinds and CSRF -> declared query and path parameters -> body
 * framing, type and size. Then the body is collected under its cap and
 * parsed (JSON against the schema, forms against the declared fields); a
 * form route's CSRF token is in its body, so its CSRF check is split: the
 * origin part on call 1, the whole check after the form is parsed, always
 * before the handler. Then the handler runs (on the worker pool, connection
 * suspended, for slow routes).
 * Every response we queue gets the security headers.
 */
#include "http_internal.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bulwark/encode.h"
#include "bulwark/log.h"
#include "http_controls.h"
#include "http_parse.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------------- config */

void bw_http_config_defaults(struct bw_http_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->listen_addr = "127.0.0.1";
	cfg->port = 8443;
	cfg->hsts = true;
	cfg->threads = 2;
	cfg->max_url_length = 4096;
	cfg->max_header_count = 64;
	cfg->max_header_bytes = 16384;
	cfg->max_body_json = 64 * 1024;
	cfg->max_body_form = 64 * 1024;
	cfg->header_timeout_ms = 10000;
	cfg->idle_timeout_s = 30;
	cfg->max_connections = 512;
	cfg->per_ip_connections = 32;
	cfg->workers = 1;
	cfg->worker_queue = 64;
	cfg->worker_queue_per_ip = 4;
	cfg->rl_ip_rate = 600;
	cfg->rl_ip_period = 60;
	cfg->rl_ip_burst = 100;
	cfg->rl_max_keys = 1000000;
	cfg->cors_max_age = 600;
	cfg->csp_reporting = true;
}

/* Remember p (malloc'd) so bw_http_free releases it; frees p and fails when
 * the list cannot grow. */
static void *own_ptr(struct bw_http *h, void *p)
{
	void **grown;

	if (p == NULL)
		return NULL;
	grown = realloc(h->owned, (h->n_owned + 1) * sizeof(*h->owned));
	if (grown == NULL) {
		free(p);
		return NULL;
	}
	h->owned = grown;
	h->owned[h->n_owned++] = p;
	return p;
}

static const char *own(struct bw_http *h, const char *s)
{
	return s == NULL ? NULL : own_ptr(h, strdup(s));
}

/* Copy a NULL-terminated string list; *ok goes false on a memory failure. */
static const char *const *own_list(struct bw_http *h, const char *const *list, bool *ok)
{
	size_t n = 0;
	const char **copy;

	if (list == NULL)
		return NULL;
	while (list[n] != NULL)
		n++;
	copy = own_ptr(h, calloc(n + 1, sizeof(*copy)));
	if (copy == NULL) {
		*ok = false;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		copy[i] = own(h, list[i]);
		if (copy[i] == NULL)
			*ok = false;
	}
	return copy;
}

/* ------------------------------------------------------------- responses */

static void count_status(struct bw_http *h, unsigned status)
{
	unsigned cls = status / 100;

	if (cls >= 1 && cls <= 5)
		atomic_fetch_add(&h->stats.by_class[cls], 1);
}

/* Queue req->resp on the connection with every header it must carry. */
static enum MHD_Result send_resp(struct bw_req *req)
{
	struct bw_http *h = req->h;
	struct bw_resp *resp = &req->resp;
	struct MHD_Response *r;
	enum MHD_Result ret;
	bool ok = true;

	if (bw_http_ctl_secure(h->controls, resp) != BW_OK) {
		/* never send a response without its security headers */
		return MHD_NO;
	}
	r = MHD_create_response_from_buffer(resp->body.len, (void *)(uintptr_t)resp->body.p,
	                                    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	if (resp->content_type != NULL)
		ok &= MHD_add_response_header(r, "Content-Type", resp->content_type) == MHD_YES;
	ok &= MHD_add_response_header(r, "X-Request-Id", req->id) == MHD_YES;
	ok &= MHD_add_response_header(r, "Server", "bulwark") == MHD_YES;
	for (size_t i = 0; i < resp->hdrs.count; i++)
		ok &= MHD_add_response_header(r, resp->hdrs.items[i].name,
		                              resp->hdrs.items[i].value) == MHD_YES;
	if (resp->close || atomic_load(&h->shutting_down))
		ok &= MHD_add_response_header(r, "Connection", "close") == MHD_YES;
	if (!ok) {
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ret = MHD_queue_response(req->conn, resp->status, r);
	MHD_destroy_response(r);
	if (ret == MHD_YES) {
		req->state = REQ_REPLIED;
		count_status(h, resp->status);
	}
	return ret;
}

/* Answer with a problem document (static text only). */
static enum MHD_Result refuse(struct bw_req *req, unsigned status, const char *slug,
                              const char *title, const char *detail,
                              const struct bw_field_errors *errs)
{
	if (bw_resp_problem(&req->resp, status, slug, title, detail, errs) != BW_OK)
		return MHD_NO;
	req->resp.html = false;
	return send_resp(req);
}

/* Add "Allow: GET, HEAD, …" for the methods of the matched path. */
static bool add_allow(struct bw_req *req, unsigned allowed)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {{BW_GET, "GET"},        {BW_HEAD, "HEAD"},   {BW_POST, "POST"},
	             {BW_PUT, "PUT"},        {BW_PATCH, "PATCH"}, {BW_DELETE, "DELETE"},
	             {BW_OPTIONS, "OPTIONS"}};
	struct bw_buf b;
	char *allow;
	enum bw_err rc = BW_OK;

	bw_buf_init(&b, 128);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && rc == BW_OK; i++)
		if (allowed & names[i].bit)
			rc = bw_buf_printf(&b, "%s%s", b.len ? ", " : "", names[i].name);
	allow = rc == BW_OK ? bw_arena_strndup(req->arena, bw_buf_cstr(&b), b.len) : NULL;
	bw_buf_free(&b);
	return allow != NULL && bw_hdrs_add(&req->resp.hdrs, "Allow", allow) == BW_OK;
}

/* 429: the limiter has put Retry-After and the RateLimit headers on already. */
static enum MHD_Result refuse_rate(struct bw_req *req)
{
	atomic_fetch_add(&req->h->stats.rate_limited, 1);
	return refuse(req, 429, "rate-limited", "Too many requests",
	              "Slow down and retry after the time given in Retry-After.", NULL);
}

static enum MHD_Result refuse_allow(struct bw_req *req, unsigned allowed)
{
	if (!add_allow(req, allowed))
		return MHD_NO;
	return refuse(req, 405, "method-not-allowed", "Method not allowed",
	              "The resource does not support this method.", NULL);
}

/* ---------------------------------------------------------- header checks */

struct head_scan {
	unsigned count, host, cl, te, xff;
	size_t bytes;
	bool bad;
	const char *te_val, *cl_val;
};

static bool is_tchar(unsigned char c)
{
	return bw_hdr_name_valid((struct bw_str){(const char *)&c, 1});
}

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   size_t key_size, const char *value, size_t value_size)
{
	struct head_scan *s = cls;

	(void)kind;
	s->count++;
	s->bytes += key_size + value_size + 4;
	if (key_size == 0)
		s->bad = true;
	for (size_t i = 0; i < key_size; i++)
		if (!is_tchar((unsigned char)key[i]))
			s->bad = true;
	for (size_t i = 0; value != NULL && i < value_size; i++) {
		unsigned char c = (unsigned char)value[i];

		if ((c < 0x20 && c != '\t') || c == 0x7F)
			s->bad = true;
	}
	if (strcasecmp(key, "Host") == 0)
		s->host++;
	else if (strcasecmp(key, "Content-Length") == 0) {
		s->cl++;
		s->cl_val = value;
	} else if (strcasecmp(key, "X-Forwarded-For") == 0) {
		s->xff++;
	} else if (strcasecmp(key, "Transfer-Encoding") == 0) {
		s->te++;
		s->te_val = value;
	}
	return MHD_YES;
}

static bool parse_method(const char *m, enum bw_method *out)
{
	static const struct {
		const char *name;
		enum bw_method bit;
	} methods[] = {{"GET", BW_GET},        {"HEAD", BW_HEAD},   {"POST", BW_POST},
	               {"PUT", BW_PUT},        {"PATCH", BW_PATCH}, {"DELETE", BW_DELETE},
	               {"OPTIONS", BW_OPTIONS}};

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		if (strcmp(m, methods[i].name) == 0) {
			*out = methods[i].bit;
			return true;
		}
	}
	return false;
}

/*
 * An absolute-form target ("https://host/path") is accepted only when its
 * authority is allowlisted and equals the Host header; *path gets the
 * origin-form part.
 */
static bool absolute_form(const struct bw_http *h, struct bw_str raw, const char *host_hdr,
                          struct bw_str *path)
{
	size_t skip, end;
	struct bw_str auth;

	if (bw_str_has_prefix_c(raw, "https://"))
		skip = 8;
	else if (bw_str_has_prefix_c(raw, "http://"))
		skip = 7;
	else
		return false;
	end = skip;
	while (end < raw.len && raw.p[end] != '/' && raw.p[end] != '?')
		end++;
	auth = (struct bw_str){raw.p + skip, end - skip};
	if (end == raw.len || raw.p[end] != '/')
		return false;
	if (!bw_http_host_allowed(h->cfg.allowed_hosts, h->port, auth) ||
	    !bw_str_caseeq_c(auth, host_hdr))
		return false;
	*path = (struct bw_str){raw.p + end, raw.len - end};
	return true;
}

static bool body_type_ok(enum bw_body_kind kind, const char *ct)
{
	switch (kind) {
	case BW_BODY_JSON:
		return bw_http_media_type_is(ct, "application/json");
	case BW_BODY_FORM:
		return bw_http_media_type_is(ct, "application/x-www-form-urlencoded");
	case BW_BODY_CSP_REPORT:
		return bw_http_media_type_is(ct, "application/csp-report") ||
		       bw_http_media_type_is(ct, "application/reports+json");
	case BW_BODY_NONE:
	default:
		return false;
	}
}

static size_t body_cap(const struct bw_http *h, const struct bw_route *rt)
{
	if (rt->body_max != 0)
		return rt->body_max;
	switch (rt->body) {
	case BW_BODY_JSON:
	case BW_BODY_CSP_REPORT:
		return h->cfg.max_body_json;
	case BW_BODY_FORM:
		return h->cfg.max_body_form;
	case BW_BODY_NONE:
	default:
		return 0;
	}
}

/* ------------------------------------------------------------ parameters */

/* Where decoded pairs go: the declared names' slots, and one implied extra
 * name (the form's csrf_token) with its own slot. */
struct pair_slots {
	const struct bw_param *decl;
	size_t n_decl;
	struct bw_str *vals;
	bool *present;
	const char *extra; /* NULL: none */
	struct bw_str *extra_val;
	bool *extra_present;
	const char *unknown; /* the field name errors about undeclared names carry */
	bool need_value;     /* a pair without '=' is an error (forms) */
};

static size_t count_decl(const struct bw_param *decl)
{
	size_t n = 0;

	if (decl != NULL)
		while (decl[n].name != NULL)
			n++;
	return n;
}

/* Declared names only, each at most once, each valid under its rule, the
 * required ones present. Errors go to errs; the query and form checks share it. */
static void match_pairs(const struct pair_slots *sl, const struct bw_kv *kv, size_t n,
                        struct bw_field_errors *errs)
{
	for (size_t i = 0; i < n; i++) {
		size_t j;
		const char *code;

		if (sl->extra != NULL && bw_str_eq_c(kv[i].name, sl->extra)) {
			if (*sl->extra_present || (sl->need_value && !kv[i].has_value))
				bw_field_errors_add(errs, sl->extra,
				                    *sl->extra_present ? "duplicate" : "invalid");
			*sl->extra_present = true;
			*sl->extra_val = kv[i].value;
			continue;
		}
		for (j = 0; j < sl->n_decl; j++)
			if (bw_str_eq_c(kv[i].name, sl->decl[j].name))
				break;
		if (j == sl->n_decl) {
			bw_field_errors_add(errs, sl->unknown, "unknown");
			continue;
		}
		if (sl->present[j]) {
			bw_field_errors_add(errs, sl->decl[j].name, "duplicate");
			continue;
		}
		if (sl->need_value && !kv[i].has_value) {
			bw_field_errors_add(errs, sl->decl[j].name, "invalid");
			continue;
		}
		sl->present[j] = true;
		sl->vals[j] = kv[i].value;
		if (bw_validate(&sl->decl[j].rule, kv[i].value, &code) != BW_OK)
			bw_field_errors_add(errs, sl->decl[j].name, code);
	}
	for (size_t j = 0; j < sl->n_decl; j++) {
		if (!sl->present[j]) {
			sl->vals[j] = (struct bw_str){"", 0};
			if (sl->decl[j].required)
				bw_field_errors_add(errs, sl->decl[j].name, "required");
		}
	}
}

static const char *check_query(struct bw_req *req, const struct bw_target *t,
                               struct bw_field_errors *errs)
{
	struct pair_slots sl = {.decl = req->route->query_params,
	                        .vals = req->query_vals,
	                        .present = req->query_present,
	                        .unknown = "(query)"};
	struct bw_kv *kv;
	size_t n;

	sl.n_decl = count_decl(sl.decl);
	BW_REQUIRE(sl.n_decl <= BW_HTTP_MAX_QUERY);
	if (bw_url_parse_query(req->arena, t->query, BW_HTTP_MAX_QUERY_PAIRS, &kv, &n) != BW_OK)
		return "invalid-query";
	match_pairs(&sl, kv, n, errs);
	return errs->count > 0 ? "invalid-parameters" : NULL;
}

/* The application/x-www-form-urlencoded body of a BW_BODY_FORM route,
 * decoded once and held to the route's declared fields. */
static bool check_form(struct bw_req *req, struct bw_field_errors *errs)
{
	struct pair_slots sl = {.decl = req->route->form_fields,
	                        .vals = req->form_vals,
	                        .present = req->form_present,
	                        .extra = req->route->csrf != BW_CSRF_NOT_COOKIE ? BW_CSRF_FORM_FIELD
	                                                                        : NULL,
	                        .extra_val = &req->form_csrf,
	                        .extra_present = &req->form_csrf_present,
	                        .unknown = "(body)",
	                        .need_value = true};
	struct bw_kv *kv;
	size_t n;

	sl.n_decl = count_decl(sl.decl);
	BW_REQUIRE(sl.n_decl <= BW_HTTP_MAX_FORM_FIELDS);
	if (bw_url_parse_query(req->arena, bw_buf_str(&req->body), BW_HTTP_MAX_FORM_PAIRS, &kv,
	                       &n) != BW_OK) {
		bw_field_errors_add(errs, "(body)", "invalid");
		return false;
	}
	match_pairs(&sl, kv, n, errs);
	req->form_parsed = errs->count == 0;
	return req->form_parsed;
}

static bool check_path_params(struct bw_req *req, const struct bw_match *m)
{
	const struct bw_param *decl = req->route->path_params;

	for (size_t i = 0; i < m->n_params; i++) {
		const char *code;

		if (bw_validate(&decl[i].rule, m->params[i], &code) != BW_OK)
			return false;
		req->path_params[i] = m->params[i];
	}
	return true;
}

/* -------------------------------------------------------------- handlers */

static void run_handler(struct bw_req *req)
{
	struct bw_resp *resp = &req->resp;

	resp->html = req->route->html;
	resp->no_store = req->route->no_store || req->route->auth != BW_AUTH_PUBLIC;
	if (resp->html)
		bw_http_ctl_nonce(req->h->controls, resp);
	req->handler_rc = req->route->handler(req, resp);
	if (req->handler_rc != BW_OK) {
		if (req->h->cfg.log != NULL)
			BW_LOG(req->h->cfg.log, BW_LOG_ERROR, req->id, "http.handler_failed",
			       BW_LOG_F_CSTR("route", req->route->path),
			       BW_LOG_F_CSTR("error", bw_err_str(req->handler_rc)));
		/* the handler's partial answer is dropped; its headers too */
		bw_hdrs_init(&resp->hdrs);
		resp->html = false;
		if (req->handler_rc == BW_ERR_BUSY) {
			/* a full queue or a locked database: nothing was done, come back */
			if (bw_hdrs_add(&resp->hdrs, "Retry-After", "1") != BW_OK ||
			    bw_resp_problem(resp, 503, "busy", "Service busy",
			                    "The server is busy; retry later.", NULL) != BW_OK)
				resp->status = 503;
		} else if (bw_resp_problem(resp, 500, "internal", "Internal error",
		                           "The request could not be completed.", NULL) != BW_OK) {
			resp->status = 500;
		}
	}
}

static void job_run(struct bw_job *job)
{
	struct bw_req *req = (struct bw_req *)((char *)job - offsetof(struct bw_req, job));

	run_handler(req);
	req->state = REQ_DONE;
	MHD_resume_connection(req->conn);
}

/* Under the pool's lock, before a worker can see the job: suspend first, so
 * the worker's resume can never come before it. */
static void job_accept(struct bw_job *job)
{
	struct bw_req *req = (struct bw_req *)((char *)job - offsetof(struct bw_req, job));

	req->state = REQ_QUEUED;
	MHD_suspend_connection(req->conn);
}

/* Strict JSON for JSON-bodied routes, held to the route's schema. */
static enum MHD_Result check_json_body(struct bw_req *req, bool *ok)
{
	struct bw_json_limits lim = {.max_bytes = req->body_max, .max_depth = 0};
	struct bw_field_errors errs = {.count = 0};
	struct bw_str body = bw_buf_str(&req->body);
	enum bw_err rc;

	*ok = false;
	lim.allow_non_object = req->route->body == BW_BODY_CSP_REPORT;
	rc = bw_json_parse(body.p, body.len, &lim, &req->json, &errs);
	if (rc == BW_ERR_LIMIT)
		return refuse(req, 413, "body-too-large", "Body too large",
		              "The request body exceeds the limit for this resource.", NULL);
	if (rc == BW_ERR_NOMEM)
		return MHD_NO;
	if (rc != BW_OK)
		return refuse(req, 400, "invalid-body", "Invalid request body",
		              "The request body is not acceptable JSON.", &errs);
	if (req->route->schema != NULL &&
	    bw_json_check(req->json, req->route->schema, &errs) != BW_OK)
		return refuse(req, 400, "invalid-body", "Invalid request body",
		              "One or more fields are invalid.", &errs);
	*ok = true;
	return MHD_YES;
}

static bool csrf_full(struct bw_req *req, enum csrf_kind kind);
static enum MHD_Result csrf_refuse(struct bw_req *req);

static enum MHD_Result dispatch(struct bw_req *req)
{
	bool has_body = req->method != BW_GET && req->method != BW_HEAD;

	if ((req->route->body == BW_BODY_JSON || req->route->body == BW_BODY_CSP_REPORT) &&
	    has_body) {
		bool ok;
		enum MHD_Result r = check_json_body(req, &ok);

		if (!ok)
			return r;
	}
	if (req->route->body == BW_BODY_FORM && has_body) {
		struct bw_field_errors errs = {.count = 0};

		if (!check_form(req, &errs))
			return refuse(req, 400, "invalid-body", "Invalid request body",
			              "One or more form fields are invalid.", &errs);
	}
	/* the token part of a form route's CSRF check: before the handler, always */
	if (req->csrf_pending != CSRF_NONE && !csrf_full(req, req->csrf_pending))
		return csrf_refuse(req);
	bw_http_conn_handling(req->h, req->conn);
	if (req->route->slow) {
		req->job.run = job_run;
		req->job.on_accept = job_accept;
		req->job.client = req->client_key;
		if (bw_workpool_submit(req->h->pool, &req->job) != BW_OK) {
			atomic_fetch_add(&req->h->stats.worker_busy, 1);
			if (bw_hdrs_add(&req->resp.hdrs, "Retry-After", "1") != BW_OK)
				return MHD_NO;
			return refuse(req, 503, "busy", "Service busy",
			              "The server is busy; retry later.", NULL);
		}
		return MHD_YES;
	}
	run_handler(req);
	return send_resp(req);
}

/* -------------------------------------------------------- authentication */

static bool unsafe_method(enum bw_method m)
{
	return m == BW_POST || m == BW_PUT || m == BW_PATCH || m == BW_DELETE;
}

static bool has_scope(const struct bw_principal *p, const char *scope)
{
	for (size_t i = 0; i < BW_PRINCIPAL_MAX_SCOPES && p->scopes[i] != NULL; i++)
		if (strcmp(p->scopes[i], scope) == 0)
			return true;
	return false;
}

static enum MHD_Result csrf_refuse(struct bw_req *req)
{
	return refuse(req, 403, "csrf-refused", "Cross-site request refused",
	              "The request failed the cross-site request forgery checks.", NULL);
}

/* The full CSRF check of kind: the session token or the pre-session token,
 * with the origin checks. A missing callback refuses. */
static bool csrf_full(struct bw_req *req, enum csrf_kind kind)
{
	const struct bw_http_auth *a = &req->h->cfg.auth;

	if (kind == CSRF_SESSION)
		return a->check_csrf != NULL &&
		       a->check_csrf(a->ctx, req, &req->principal) == BW_OK;
	return a->check_presession != NULL && a->check_presession(a->ctx, req) == BW_OK;
}

/*
 * The CSRF check of kind on call 1, or — on a form route, whose token is in
 * the body — the origin part now (a cross-site post is refused unread) and
 * the whole check once the form is parsed (dispatch), before the handler.
 */
static bool csrf_now_or_later(struct bw_req *req, enum csrf_kind kind, enum MHD_Result *r)
{
	const struct bw_http_auth *a = &req->h->cfg.auth;

	if (req->route->body == BW_BODY_FORM) {
		if (a->check_origin != NULL && a->check_origin(a->ctx, req) != BW_OK) {
			*r = csrf_refuse(req);
			return false;
		}
		req->csrf_pending = kind;
		return true;
	}
	if (!csrf_full(req, kind)) {
		*r = csrf_refuse(req);
		return false;
	}
	return true;
}

/* A page that needs a session, asked for without one: to the login page,
 * which comes back here (the target passed the strict parse: it starts
 * with one '/'). */
static enum MHD_Result to_login_page(struct bw_req *req)
{
	struct bw_buf b;
	const char *loc;
	enum bw_err rc;

	bw_buf_init(&b, 4 * (size_t)req->h->cfg.max_url_length + 256);
	rc = bw_buf_printf(&b, "%s?next=", req->route->login_page);
	if (rc == BW_OK)
		rc = bw_encode_url_component(&b, req->target.p, req->target.len, BW_UTF8_REFUSE);
	loc = rc == BW_OK ? bw_arena_strndup(req->arena, (const char *)b.p, b.len) : NULL;
	bw_buf_free(&b);
	if (loc == NULL || bw_hdrs_set(&req->resp.hdrs, "Location", loc) != BW_OK)
		return MHD_NO;
	bw_resp_status(&req->resp, 303);
	return send_resp(req);
}

/*
 * RFC 6750 §3.1: a bearer principal without a scope the route needs gets
 * WWW-Authenticate: Bearer error="insufficient_scope", scope="<all of them>".
 * Route scopes are static scope-tokens (no quote or backslash).
 */
static bool add_scope_challenge(struct bw_req *req, const char *const *scopes)
{
	struct bw_buf b;
	char *v = NULL;
	enum bw_err rc;

	if (req->principal.kind == BW_AUTH_SESSION)
		return true; /* a cookie is not a bearer credential: no challenge */
	bw_buf_init(&b, 1024);
	rc = bw_buf_append_c(&b, "Bearer error=\"insufficient_scope\", scope=\"");
	for (size_t i = 0; rc == BW_OK && scopes[i] != NULL; i++)
		rc = bw_buf_printf(&b, "%s%s", i > 0 ? " " : "", scopes[i]);
	if (rc == BW_OK)
		rc = bw_buf_append_c(&b, "\"");
	if (rc == BW_OK)
		v = bw_arena_strndup(req->arena, bw_buf_cstr(&b), b.len);
	bw_buf_free(&b);
	/* the header list borrows its values: the copy lives in the request's arena */
	return v != NULL && bw_hdrs_set(&req->resp.hdrs, "WWW-Authenticate", v) == BW_OK;
}

/*
 * Credentials, scopes and CSRF for a non-public route. Returns true when the
 * request may go on; otherwise *r is the refusal already queued. Every
 * failure denies: no authenticator, an unexpected error, a principal of a
 * kind the route does not take, a missing scope, a missing CSRF check.
 */
static bool authenticate(struct bw_req *req, enum MHD_Result *r)
{
	const struct bw_http_auth *a = &req->h->cfg.auth;
	const struct bw_route *rt = req->route;
	enum bw_err rc = BW_ERR_NOT_FOUND;

	memset(&req->principal, 0, sizeof(req->principal));
	if (a->authenticate != NULL)
		rc = a->authenticate(a->ctx, req, rt->auth, &req->principal);
	if (rc == BW_OK && (req->principal.kind & rt->auth) == 0)
		rc = BW_ERR_DENIED;
	if ((rc == BW_ERR_NOT_FOUND || rc == BW_ERR_DENIED) && rt->login_page != NULL &&
	    (req->method == BW_GET || req->method == BW_HEAD)) {
		*r = to_login_page(req);
		return false;
	}
	if (rc == BW_ERR_NOT_FOUND || rc == BW_ERR_DENIED) {
		/* RFC 6750 §3.1: an error code only when a bearer credential was presented */
		bool presented = rc == BW_ERR_DENIED && bw_req_header(req, "Authorization") != NULL;

		if (bw_hdrs_set(&req->resp.hdrs, "WWW-Authenticate",
		                presented ? "Bearer error=\"invalid_token\"" : "Bearer") != BW_OK) {
			*r = MHD_NO;
			return false;
		}
		*r = refuse(req, 401, "unauthenticated", "Authentication required",
		            "This resource needs valid credentials.", NULL);
		return false;
	}
	if (rc != BW_OK) {
		*r = refuse(req, 500, "internal", "Internal error",
		            "The request could not be completed.", NULL);
		return false;
	}
	req->authenticated = true;
	/* scopes bound delegated credentials (tokens, API keys); a session is the
	 * user in person, bounded by the role check below, and carries no scopes */
	for (size_t i = 0;
	     req->principal.kind != BW_AUTH_SESSION && rt->scopes != NULL && rt->scopes[i] != NULL;
	     i++) {
		if (!has_scope(&req->principal, rt->scopes[i])) {
			if (!add_scope_challenge(req, rt->scopes)) {
				*r = MHD_NO;
				return false;
			}
			*r = refuse(req, 403, "insufficient-scope", "Insufficient scope",
			            "The credentials do not grant this action.", NULL);
			return false;
		}
	}
	if (rt->role != NULL && strcmp(req->principal.role, rt->role) != 0) {
		*r = refuse(req, 403, "forbidden", "Forbidden",
		            "The account's role does not allow this action.", NULL);
		return false;
	}
	if (req->principal.kind == BW_AUTH_SESSION && unsafe_method(req->method))
		return csrf_now_or_later(req, CSRF_SESSION, r);
	return true;
}

/* ---------------------------------------------------------------- call 1 */

static enum MHD_Result first_call(struct bw_req *req, const char *method)
{
	struct bw_http *h = req->h;
	struct head_scan s = {0};
	const char *host;
	struct bw_str target;
	struct bw_target t;
	struct bw_match m;
	struct bw_field_errors errs = {.count = 0};
	const char *slug;
	bool preflight;
	uint64_t cl = 0;
	enum bw_err rc;

	atomic_fetch_add(&h->stats.requests, 1);
	bw_http_conn_head_done(h, req->conn);
	bw_http_ctl_client(h->controls, req);

	MHD_get_connection_values_n(req->conn, MHD_HEADER_KIND, scan_header, &s);
	if (s.count > h->cfg.max_header_count || s.bytes > h->cfg.max_header_bytes) {
		atomic_fetch_add(&h->stats.refused_framing, 1);
		return refuse(req, 431, "headers-too-large", "Request headers too large",
		              "The request has too many or too large headers.", NULL);
	}
	if (s.bad || s.host != 1 || s.cl > 1 || s.te > 1 || s.xff > 1 ||
	    (s.te == 1 && (s.cl != 0 || strcasecmp(s.te_val, "chunked") != 0))) {
		atomic_fetch_add(&h->stats.refused_framing, 1);
		return refuse(req, 400, "bad-request", "Bad request", "The request is malformed.",
		              NULL);
	}
	if (s.cl == 1 && bw_parse_u64(bw_str_c(s.cl_val), 0, UINT64_MAX, &cl) != BW_OK) {
		atomic_fetch_add(&h->stats.refused_framing, 1);
		return refuse(req, 400, "bad-request", "Bad request", "The request is malformed.",
		              NULL);
	}
	if (!parse_method(method, &req->method))
		return refuse(req, 501, "not-implemented", "Not implemented",
		              "The method is not supported.", NULL);
	if (req->target_too_long || req->raw_target.p == NULL)
		return refuse(req, 414, "uri-too-long", "URI too long",
		              "The request target is too long.", NULL);

	host = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "Host");
	if (host == NULL || !bw_http_host_allowed(h->cfg.allowed_hosts, h->port, bw_str_c(host))) {
		atomic_fetch_add(&h->stats.refused_host, 1);
		return refuse(req, 400, "invalid-host", "Invalid host",
		              "The Host header names no site served here.", NULL);
	}
	target = req->raw_target;
	if (target.len == 0 || target.p[0] != '/') {
		if (!absolute_form(h, req->raw_target, host, &target)) {
			atomic_fetch_add(&h->stats.refused_host, 1);
			return refuse(req, 400, "invalid-target", "Invalid request target",
			              "The request target is malformed.", NULL);
		}
	}
	rc = bw_url_parse_target(req->arena, target, &t);
	req->target = target;
	if (rc != BW_OK)
		return refuse(req, 400, "invalid-target", "Invalid request target",
		              "The request target is malformed.", NULL);

	if (!bw_http_ctl_ip_limit(h->controls, req))
		return refuse_rate(req);

	preflight = req->method == BW_OPTIONS &&
	            bw_req_header(req, "Access-Control-Request-Method") != NULL &&
	            bw_req_header(req, "Origin") != NULL;
	bw_router_match(h->router, &t, req->method == BW_OPTIONS ? BW_GET : req->method, &m);
	if (m.allowed == 0 ||
	    (m.route != NULL && m.route->access == BW_ACCESS_LOOPBACK && !req->client_loopback)) {
		return refuse(req, 404, "not-found", "Not found",
		              "No resource exists at this path.", NULL);
	}
	if (req->method == BW_OPTIONS) {
		/* any route of the path decides the CORS mode of the preflight */
		for (unsigned bit = BW_GET; m.route == NULL && bit <= BW_DELETE; bit <<= 1)
			if (m.allowed & bit)
				bw_router_match(h->router, &t, (enum bw_method)bit, &m);
		req->route = m.route;
		if (preflight && !bw_http_ctl_cors(h->controls, req, true, m.allowed))
			return refuse(req, 403, "cors-refused", "CORS preflight refused",
			              "The origin, method or headers are not allowed.", NULL);
		if (!preflight && !add_allow(req, m.allowed | BW_OPTIONS))
			return MHD_NO;
		bw_resp_status(&req->resp, 204);
		return send_resp(req);
	}
	if (m.route == NULL)
		return refuse_allow(req, m.allowed);
	req->route = m.route;
	(void)bw_http_ctl_cors(h->controls, req, false, m.allowed);

	if (req->route->auth != BW_AUTH_PUBLIC) {
		enum MHD_Result r;

		if (!authenticate(req, &r))
			return r;
	} else if (req->route->csrf == BW_CSRF_PRESESSION && unsafe_method(req->method)) {
		enum MHD_Result r;

		if (!csrf_now_or_later(req, CSRF_PRESESSION, &r))
			return r;
	}

	if (!bw_http_ctl_route_limit(h->controls, req))
		return refuse_rate(req);
	if (!check_path_params(req, &m))
		return refuse(req, 404, "not-found", "Not found",
		              "No resource exists at this path.", NULL);
	slug = check_query(req, &t, &errs);
	if (slug != NULL)
		return refuse(req, 400, slug, "Invalid parameters",
		              "One or more query parameters are invalid.", &errs);

	/* the body: framing, type and size, all before a byte of it is read */
	req->body_max = body_cap(h, req->route);
	if (req->route->body == BW_BODY_NONE || req->method == BW_GET || req->method == BW_HEAD) {
		if (s.te != 0 || cl != 0)
			return refuse(req, 400, "body-not-allowed", "Body not allowed",
			              "This resource takes no request body.", NULL);
	} else {
		const char *ct = bw_req_header(req, "Content-Type");

		if (s.te != 0)
			return refuse(req, 411, "length-required", "Length required",
			              "Send the body with a Content-Length.", NULL);
		if (!body_type_ok(req->route->body, ct))
			return refuse(req, 415, "unsupported-media-type", "Unsupported media type",
			              "The request body has the wrong Content-Type.", NULL);
		if (cl > req->body_max)
			return refuse(req, 413, "body-too-large", "Body too large",
			              "The request body exceeds the limit for this resource.",
			              NULL);
		bw_buf_init(&req->body, req->body_max > 0 ? req->body_max : 1);
	}
	req->state = REQ_BODY;
	return MHD_YES;
}

/* --------------------------------------------------------- MHD callbacks */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct bw_http *h = cls;
	struct bw_req *req = calloc(1, sizeof(*req));
	size_t len;

	if (req == NULL)
		return NULL;
	req->h = h;
	req->conn = c;
	req->start_ns = now_ns();
	req->arena = bw_arena_new(BW_HTTP_ARENA_CAP);
	if (req->arena == NULL) {
		free(req);
		return NULL;
	}
	bw_request_id(req->id);
	bw_http_resp_init(&req->resp, req);
	bw_buf_init(&req->body, 1);
	len = strnlen(uri, (size_t)h->cfg.max_url_length + 1);
	if (len > h->cfg.max_url_length)
		req->target_too_long = true;
	else
		req->raw_target = bw_arena_str(req->arena, (struct bw_str){uri, len});
	atomic_fetch_add(&h->inflight, 1);
	req->counted_inflight = true;
	return req;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	struct bw_req *req = *con_cls;

	(void)cls;
	(void)url; /* pre-decoded by MHD: we route on the raw target instead */
	(void)version;
	if (req == NULL)
		return MHD_NO; /* out of memory in on_uri */
	req->conn = c;
	switch (req->state) {
	case REQ_NEW:
		return first_call(req, method);
	case REQ_BODY:
		if (*upload_data_size > 0) {
			if (bw_buf_append(&req->body, upload_data, *upload_data_size) != BW_OK)
				return MHD_NO; /* Content-Length was checked: a lie; close */
			*upload_data_size = 0;
			return MHD_YES;
		}
		return dispatch(req);
	case REQ_QUEUED:
		*upload_data_size = 0;
		return MHD_YES;
	case REQ_DONE:
		return send_resp(req);
	case REQ_REPLIED:
	default:
		/* MHD keeps delivering the body of a refused request: discard it */
		*upload_data_size = 0;
		return MHD_YES;
	}
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct bw_http *h = cls;
	struct bw_req *req = *con_cls;

	(void)toe;
	bw_http_conn_request_done(h, c);
	if (req == NULL)
		return;
	bw_http_ctl_log(h->controls, req, req->state == REQ_REPLIED ? req->resp.status : 0,
	                (now_ns() - req->start_ns) / 1000u);
	json_decref(req->json);
	bw_buf_free(&req->body);
	bw_arena_free(req->arena);
	if (req->counted_inflight)
		atomic_fetch_sub(&h->inflight, 1);
	free(req);
	*con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode code)
{
	struct bw_http *h = cls;

	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		bw_http_conn_started(h, c, socket_ctx);
	else
		bw_http_conn_closed(h, socket_ctx);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct bw_http *h = cls;
	char msg[160];

	/* MHD's own messages (its error replies come with their whole HTML page):
	 * cut short, sanitized by the logger, and rate-limited since a client can
	 * trigger them at will */
	if (h == NULL || h->cfg.log == NULL)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	BW_LOG_LIMITED(h->cfg.log, 5, BW_LOG_WARN, NULL, "http.engine",
	               BW_LOG_F_CSTR("message", msg));
}

/* ---------------------------------------------------------------- server */

enum bw_err bw_http_new(const struct bw_http_config *cfg, const struct bw_route *routes,
                        size_t n_routes, struct bw_http **out)
{
	struct bw_http *h;
	const struct bw_route *bad = NULL;
	bool ok = true;
	enum bw_err rc;

	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return BW_ERR_NOMEM;
	h->cfg = *cfg;
	h->cfg.listen_addr = own(h, cfg->listen_addr);
	h->cfg.tls_cert_pem = own(h, cfg->tls_cert_pem);
	h->cfg.tls_key_pem = own(h, cfg->tls_key_pem);
	h->cfg.tls_priorities = own(h, cfg->tls_priorities);
	h->cfg.csp_report_only = own(h, cfg->csp_report_only);
	h->cfg.allowed_hosts = own_list(h, cfg->allowed_hosts, &ok);
	h->cfg.cors_origins = own_list(h, cfg->cors_origins, &ok);
	h->cfg.trusted_proxies = own_list(h, cfg->trusted_proxies, &ok);
	pthread_mutex_init(&h->conn_mu, NULL);
	if (!ok || (cfg->listen_addr && !h->cfg.listen_addr) ||
	    (cfg->tls_cert_pem && !h->cfg.tls_cert_pem) ||
	    (cfg->tls_key_pem && !h->cfg.tls_key_pem)) {
		rc = BW_ERR_NOMEM;
		goto fail;
	}
	if (cfg->threads == 0 || cfg->max_url_length == 0 || cfg->header_timeout_ms == 0 ||
	    cfg->max_connections == 0 || cfg->per_ip_connections == 0 || cfg->workers == 0) {
		rc = BW_ERR_CONFIG;
		goto fail;
	}
	rc = bw_router_new(routes, n_routes, &h->router, &bad);
	if (rc == BW_ERR_INVALID)
		bw_panic("invalid route table entry: %s", bad && bad->path ? bad->path : "(null)");
	if (rc != BW_OK)
		goto fail;
	h->routes = routes;
	h->n_routes = n_routes;
	rc = bw_http_controls_new(&h->cfg, &h->controls);
	if (rc != BW_OK)
		goto fail;
	rc = bw_workpool_new(cfg->workers, cfg->worker_queue, cfg->worker_queue_per_ip, &h->pool);
	if (rc != BW_OK)
		goto fail;
	*out = h;
	return BW_OK;
fail:
	bw_http_free(h);
	return rc;
}

static bool fill_sockaddr(const struct bw_http *h, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, h->cfg.listen_addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(h->cfg.port);
		return true;
	}
	if (inet_pton(AF_INET6, h->cfg.listen_addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(h->cfg.port);
		return true;
	}
	return false;
}

enum bw_err bw_http_start(struct bw_http *h)
{
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
	                 MHD_ALLOW_SUSPEND_RESUME;
	struct MHD_OptionItem ops[24];
	size_t n = 0;
	/* room for the largest head we accept plus MHD's own bookkeeping; MHD zeroes
	 * this much per request, so it is not made larger than needed */
	size_t mem_limit = (size_t)h->cfg.max_header_bytes + 8192u;
	const union MHD_DaemonInfo *di;
	enum bw_err rc;

	if (!fill_sockaddr(h, &ss))
		return BW_ERR_CONFIG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (mem_limit < 16384)
		mem_limit = 16384;
#define OPT(o, v, p) (ops[n++] = (struct MHD_OptionItem){(o), (intptr_t)(v), (p)})
	OPT(MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, h);
	OPT(MHD_OPTION_SOCK_ADDR, 0, &ss);
	if (h->cfg.threads > 1)
		OPT(MHD_OPTION_THREAD_POOL_SIZE, h->cfg.threads, NULL);
	OPT(MHD_OPTION_CONNECTION_TIMEOUT, h->cfg.idle_timeout_s, NULL);
	OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, h->cfg.per_ip_connections, NULL);
	OPT(MHD_OPTION_CONNECTION_LIMIT, h->cfg.max_connections, NULL);
	OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, mem_limit, NULL);
	OPT(MHD_OPTION_LISTEN_BACKLOG_SIZE, 128, NULL);
	OPT(MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL);
	OPT(MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, h);
	OPT(MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, h);
	OPT(MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, h);
	if (h->cfg.tls_cert_pem != NULL) {
		flags |= MHD_USE_TLS;
		OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)(uintptr_t)h->cfg.tls_key_pem);
		OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)(uintptr_t)h->cfg.tls_cert_pem);
		if (h->cfg.tls_priorities != NULL)
			OPT(MHD_OPTION_HTTPS_PRIORITIES, 0,
			    (void *)(uintptr_t)h->cfg.tls_priorities);
	}
	OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
	rc = bw_http_watchdog_start(h);
	if (rc != BW_OK)
		return rc;
	h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_ARRAY, ops,
	                             MHD_OPTION_END);
	if (h->daemon == NULL) {
		bw_http_watchdog_stop(h);
		return BW_ERR_IO;
	}
	di = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	h->port = di != NULL ? di->port : h->cfg.port;
	return BW_OK;
}

uint16_t bw_http_port(const struct bw_http *h)
{
	return h->port;
}

void bw_http_drain(struct bw_http *h, unsigned deadline_ms)
{
	MHD_socket ls;
	uint64_t until = now_ns() + (uint64_t)deadline_ms * 1000000u;
	struct timespec pause = {0, 10 * 1000000L};

	if (h == NULL || h->daemon == NULL)
		return;
	atomic_store(&h->shutting_down, true); /* answers now carry Connection: close */
	ls = MHD_quiesce_daemon(h->daemon);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
	while (atomic_load(&h->inflight) > 0 && now_ns() < until)
		nanosleep(&pause, NULL);
	/* every suspended connection is resumed by its job before the pool ends */
	bw_workpool_free(h->pool);
	h->pool = NULL;
	MHD_stop_daemon(h->daemon);
	h->daemon = NULL;
	bw_http_watchdog_stop(h);
}

void bw_http_free(struct bw_http *h)
{
	if (h == NULL)
		return;
	if (h->daemon != NULL)
		bw_http_drain(h, 0);
	bw_workpool_free(h->pool);
	bw_http_watchdog_stop(h);
	bw_http_controls_free(h->controls);
	bw_router_free(h->router);
	pthread_mutex_destroy(&h->conn_mu);
	for (size_t i = 0; i < h->n_owned; i++)
		free(h->owned[i]);
	free(h->owned);
	free(h);
}

void bw_http_stats(const struct bw_http *h, struct bw_http_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->requests = atomic_load(&h->stats.requests);
	for (size_t i = 0; i < 6; i++)
		out->responses_by_class[i] = atomic_load(&h->stats.by_class[i]);
	out->refused_framing = atomic_load(&h->stats.refused_framing);
	out->refused_host = atomic_load(&h->stats.refused_host);
	out->rate_limited = atomic_load(&h->stats.rate_limited);
	out->head_deadline_closed = atomic_load(&h->stats.head_deadline_closed);
	out->worker_busy = atomic_load(&h->stats.worker_busy);
	out->inflight = atomic_load(&h->inflight);
}
