/*
 * http.h — bulwark's HTTP core: routes, requests, responses, the server.
 *
 * The server wraps libmicrohttpd behind this interface (so moving to a newer
 * HTTP engine touches one file). Every request passes the same pipeline:
 * framing and size checks, request id, Host allowlist, strict target
 * decoding, IP rate limit, routing (404, 405 with Allow), CORS, declared
 * parameters and body checks, then the handler; security headers go on every
 * response we send, errors included. A handler sees only what its route
 * declared: undeclared query parameters are refused before it runs.
 */
#ifndef BULWARK_HTTP_H
#define BULWARK_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/arena.h"
#include "bulwark/err.h"
#include "bulwark/hdrs.h"
#include "bulwark/json.h"
#include "bulwark/ratelimit.h"
#include "bulwark/str.h"
#include "bulwark/validate.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Methods, as a bit set in struct bw_route.methods. */
enum bw_method {
	BW_GET = 1u << 0,
	BW_HEAD = 1u << 1, /**< implied by BW_GET */
	BW_POST = 1u << 2,
	BW_PUT = 1u << 3,
	BW_PATCH = 1u << 4,
	BW_DELETE = 1u << 5,
	BW_OPTIONS = 1u << 6, /**< never declared: preflights are answered by the core */
};

/** What a route accepts as a request body. */
enum bw_body_kind {
	BW_BODY_NONE = 0,   /**< a body is refused (400) */
	BW_BODY_JSON,       /**< application/json, else 415 */
	BW_BODY_FORM,       /**< application/x-www-form-urlencoded, else 415 */
	BW_BODY_CSP_REPORT, /**< application/csp-report or application/reports+json */
};

/** Credentials a route accepts (bit set); 0 means a public route. */
enum bw_auth_kind {
	BW_AUTH_PUBLIC = 0,
	BW_AUTH_SESSION = 1u << 0, /**< session cookie (CSRF checks apply) */
	BW_AUTH_BEARER = 1u << 1,  /**< Authorization: Bearer <JWT> */
	BW_AUTH_APIKEY = 1u << 2,  /**< Authorization: Bearer bwk_… */
};

/**
 * CSRF policy of a route, for requests authenticated by the session cookie
 * with an unsafe method (POST, PUT, PATCH, DELETE). Bearer-authenticated
 * requests carry no ambient credentials and need none.
 */
enum bw_csrf_policy {
	BW_CSRF_TOKEN = 0,  /**< session-bound token + Origin/Referer + Sec-Fetch-Site (default) */
	BW_CSRF_PRESESSION, /**< a pre-session token (login and registration forms); public
	                         routes only, checked by the pipeline (check_presession) */
	BW_CSRF_NOT_COOKIE, /**< the route takes no cookie credentials at all */
};

/** CORS behaviour of a route. */
enum bw_route_cors {
	BW_ROUTE_CORS_ALLOWLIST = 0, /**< only configured origins, with credentials (default) */
	BW_ROUTE_CORS_PUBLIC,        /**< any origin, never credentials (JWKS, discovery, token) */
	BW_ROUTE_CORS_NONE,          /**< no CORS headers at all */
};

/** Who may reach a route at all. */
enum bw_route_access {
	BW_ACCESS_ANY = 0,
	BW_ACCESS_LOOPBACK, /**< only from 127.0.0.0/8 or ::1 (e.g. /metrics) */
};

/** Most fields a form route may declare (csrf_token not counted). */
#define BW_HTTP_MAX_FORM_FIELDS 16
/** The form field that carries the CSRF token. */
#define BW_CSRF_FORM_FIELD "csrf_token"

/** A declared path or query parameter, or form field. */
struct bw_param {
	const char *name; /**< NULL ends a list */
	struct bw_rule rule;
	bool required; /**< query parameters only; path parameters always are */
};

struct bw_req;
struct bw_resp;
struct bw_principal;

/**
 * A handler fills resp. Returning an error other than BW_OK makes the core
 * drop what it put in resp and answer a generic problem (the error name is
 * logged, never sent): 503 busy with Retry-After for BW_ERR_BUSY (a full
 * queue, a locked database: the handler must have written nothing), 500
 * internal for any other.
 */
typedef enum bw_err (*bw_handler_fn)(struct bw_req *req, struct bw_resp *resp);

/** A route: everything the pipeline enforces before the handler runs. */
struct bw_route {
	const char *path; /**< "/v1/notes/{id}": literal segments and {name} parameters */
	unsigned methods; /**< enum bw_method bits */
	bw_handler_fn handler;
	const struct bw_param *path_params;  /**< a rule for every {name} in path */
	const struct bw_param *query_params; /**< the only query parameters accepted */
	enum bw_body_kind body;
	/**
	 * BW_BODY_FORM: the only fields accepted (NULL: none), at most
	 * BW_HTTP_MAX_FORM_FIELDS. The field "csrf_token" is implied unless
	 * csrf is BW_CSRF_NOT_COOKIE. Each field at most once; a field without
	 * "=", an undeclared, repeated or invalid one answers 400 before the
	 * handler runs (so pages give their fields lenient rules and report
	 * their own errors on the re-rendered form).
	 */
	const struct bw_param *form_fields;
	size_t body_max;                     /**< 0: the server's default for the kind */
	const struct bw_json_schema *schema; /**< JSON bodies: the declared members; NULL:
	                                          any strict JSON (e.g. CSP reports) */
	unsigned auth;                       /**< enum bw_auth_kind bits; 0 = public */
	const char *const *scopes;           /**< NULL-terminated; all required of bearer
	                                          and API-key principals (else 403
	                                          insufficient-scope); sessions carry
	                                          none and are held to `role` instead */
	const char *role; /**< NULL: any role; "admin": only principals of that role (else 403) */
	enum bw_csrf_policy csrf; /**< the table check refuses a cookie route without one */
	/**
	 * HTML pages behind a session: a GET or HEAD without valid credentials
	 * answers 303 to this path with "?next=" and the request's own target
	 * (percent-encoded) instead of 401. NULL: 401.
	 */
	const char *login_page;
	const char *rate_class; /**< rate-limit class name, NULL = "default" */
	enum bw_route_cors cors;
	enum bw_route_access access;
	bool slow;     /**< run the handler on the worker pool, connection suspended */
	bool html;     /**< the handler answers HTML (HTML security headers, nonce) */
	bool no_store; /**< Cache-Control: no-store (always set when auth != 0) */
};

/* ---- the request, as a handler sees it (all pointers arena-owned) ---- */

/** bw_req_arena - the request's arena (freed when the response is done). */
struct bw_arena *bw_req_arena(struct bw_req *req);

/** bw_req_id - the request id (also sent as X-Request-Id). */
const char *bw_req_id(const struct bw_req *req);

/** bw_req_method - the method as one enum bw_method bit. */
enum bw_method bw_req_method(const struct bw_req *req);

/** bw_req_route - the matched route. */
const struct bw_route *bw_req_route(const struct bw_req *req);

/**
 * bw_req_param - a declared path parameter, already validated; aborts
 * (programming error) when name is not declared on the route.
 */
struct bw_str bw_req_param(const struct bw_req *req, const char *name);

/**
 * bw_req_query - a declared query parameter, validated; *present tells
 * whether the client sent it. Aborts when name is not declared.
 */
struct bw_str bw_req_query(const struct bw_req *req, const char *name, bool *present);

/** bw_req_header - a request header (first of that name) or NULL. */
const char *bw_req_header(const struct bw_req *req, const char *name);

/** bw_req_body - the request body (empty unless the route declared one). */
struct bw_str bw_req_body(const struct bw_req *req);

/**
 * bw_req_json - the parsed JSON body of a BW_BODY_JSON or BW_BODY_CSP_REPORT
 * route: strict (size, depth, duplicates, UTF-8) and held to the route's
 * schema before the handler runs. Borrowed; NULL for other routes.
 */
const json_t *bw_req_json(const struct bw_req *req);

/**
 * bw_req_form - a declared field of a BW_BODY_FORM route's
 * application/x-www-form-urlencoded body, decoded ('+' is a space; bad
 * escapes, NUL, controls and invalid UTF-8 refused) and validated before the
 * handler runs; *present (may be NULL) tells whether the client sent it
 * (absent: ""). Arena-owned. Aborts when name is not declared, or is
 * "csrf_token" (that one is the pipeline's: bw_req_csrf_token).
 */
struct bw_str bw_req_form(const struct bw_req *req, const char *name, bool *present);

/**
 * bw_req_csrf_token - the CSRF token the request presents: for a
 * BW_BODY_FORM route the csrf_token field when the form has one, else (and
 * for every other route) the X-CSRF-Token header. NULL when there is none;
 * otherwise slot, filled (borrowed for the request). For the check_csrf and
 * check_presession callbacks, which run after the form is parsed.
 */
const struct bw_str *bw_req_csrf_token(const struct bw_req *req, struct bw_str *slot);

/**
 * bw_req_principal - who the request is authenticated as; NULL on public
 * routes. Borrowed, valid for the request.
 */
const struct bw_principal *bw_req_principal(const struct bw_req *req);

/**
 * bw_req_rate_take - charge one request to policy for key (e.g. an account
 * id, or an account and address pair) on the server's limiter; adds the
 * RateLimit headers (and Retry-After when refused) to the response. *allowed
 * false means answer 429. An error means the same (fail closed).
 */
BW_MUST_CHECK enum bw_err bw_req_rate_take(struct bw_req *req, const struct bw_rl_policy *policy,
                                           const void *key, size_t keylen, bool *allowed);

/** bw_req_client_ip - the client address as text (after trusted-proxy rules). */
const char *bw_req_client_ip(const struct bw_req *req);

/** bw_req_app - the application context given in struct bw_http_config. */
void *bw_req_app(const struct bw_req *req);

/* ---- the response ---- */

/**
 * bw_resp_body - set status, content type and body (copied into the arena).
 * content_type must be a literal such as "application/json".
 */
BW_MUST_CHECK enum bw_err bw_resp_body(struct bw_resp *resp, unsigned status,
                                       const char *content_type, struct bw_str body);

/**
 * bw_resp_body_static - as bw_resp_body, but the body is borrowed, not
 * copied: it must stay valid for the life of the server (a document embedded
 * in the binary, which may be larger than the request arena).
 */
BW_MUST_CHECK enum bw_err bw_resp_body_static(struct bw_resp *resp, unsigned status,
                                              const char *content_type, struct bw_str body);

/** bw_resp_json - a JSON body (application/json). */
BW_MUST_CHECK enum bw_err bw_resp_json(struct bw_resp *resp, unsigned status, struct bw_str json);

/** bw_resp_status - status with no body (204, 304, …). */
void bw_resp_status(struct bw_resp *resp, unsigned status);

/**
 * bw_resp_problem - an RFC 9457 problem document: type "/problems/<slug>",
 * title and detail are static text chosen by the code, never input; errs
 * (may be NULL) become the "errors" member. The request id is added.
 */
BW_MUST_CHECK enum bw_err bw_resp_problem(struct bw_resp *resp, unsigned status, const char *slug,
                                          const char *title, const char *detail,
                                          const struct bw_field_errors *errs);

/** bw_resp_header - add a header (validated; see hdrs.h). Name and value are copied. */
BW_MUST_CHECK enum bw_err bw_resp_header(struct bw_resp *resp, const char *name, const char *value);

/** bw_resp_csp_nonce - the CSP nonce of an HTML response ("" for other routes). */
const char *bw_resp_csp_nonce(const struct bw_resp *resp);

/* ---- the server ---- */

struct bw_log;

/** Most scopes one principal carries. */
#define BW_PRINCIPAL_MAX_SCOPES 16

/** Who a request is authenticated as; filled by the application's authenticator. */
struct bw_principal {
	enum bw_auth_kind kind; /**< the one credential kind that authenticated the request */
	int64_t user_id;        /**< 0 for client-only tokens (client_credentials) */
	char role[16];          /**< "user", "admin" */
	const char *scopes[BW_PRINCIPAL_MAX_SCOPES + 1]; /**< NULL-terminated, arena/static */
	int64_t auth_time;        /**< unix seconds of the last password/MFA proof */
	uint8_t session_hash[32]; /**< BW_AUTH_SESSION: the stored hash of the session id */
	void *data;               /**< the authenticator's own, arena-owned */
};

/**
 * The application's authentication, called by the pipeline for every route
 * that is not public, before its parameters or body are looked at.
 */
struct bw_http_auth {
	/**
	 * authenticate - find the request's credentials of the kinds the route
	 * accepts (a bit set of enum bw_auth_kind), in a fixed order, and fill
	 * *out. BW_ERR_NOT_FOUND: none presented; BW_ERR_DENIED: presented but
	 * invalid, expired or revoked. Both answer 401; any other error 500.
	 */
	enum bw_err (*authenticate)(void *ctx, struct bw_req *req, unsigned kinds,
	                            struct bw_principal *out);
	/**
	 * check_csrf - for a session-authenticated request with an unsafe method:
	 * BW_OK when the CSRF token (bw_req_csrf_token), Origin/Referer and
	 * Sec-Fetch-Site pass; anything else answers 403. NULL means every such
	 * request is refused. Called before the body is read, except on
	 * BW_BODY_FORM routes, where the token is in the body: there it runs
	 * once the form is parsed, still before the handler, and check_origin
	 * runs before the body is read.
	 */
	enum bw_err (*check_csrf)(void *ctx, struct bw_req *req, const struct bw_principal *p);
	/**
	 * check_presession - for an unsafe request to a public BW_CSRF_PRESESSION
	 * route (login, registration): BW_OK when the pre-session token and the
	 * origin checks pass, else 403. NULL refuses them all. Runs when
	 * check_csrf would (for forms: after the form is parsed).
	 */
	enum bw_err (*check_presession)(void *ctx, struct bw_req *req);
	/**
	 * check_origin - optional: the origin part alone (Origin/Referer,
	 * Sec-Fetch-Site), run on BW_BODY_FORM routes before the body is read so
	 * a cross-site post is refused unread. NULL: skipped (the full check
	 * still runs before the handler).
	 */
	enum bw_err (*check_origin)(void *ctx, struct bw_req *req);
	void *ctx;
};

/** Everything the server needs; copied by bw_http_new (strings too). */
struct bw_http_config {
	const char *listen_addr;  /**< "127.0.0.1", "::1", "0.0.0.0" … */
	uint16_t port;            /**< 0: an ephemeral port (see bw_http_port) */
	const char *tls_cert_pem; /**< NULL: plain HTTP */
	const char *tls_key_pem;
	const char *tls_priorities;
	bool hsts; /**< send HSTS (HTTPS, or behind a TLS proxy) */
	bool hsts_preload;
	const char *const *allowed_hosts; /**< Host values accepted ("host" or "host:port") */
	const char *const *cors_origins;  /**< exact allowlisted origins */
	unsigned cors_max_age;
	const char *const *trusted_proxies; /**< CIDRs whose X-Forwarded-For is believed */
	const char *csp_report_only;        /**< extra Report-Only policy or NULL */
	bool csp_reporting;
	unsigned threads;
	unsigned max_url_length;
	unsigned max_header_count;
	unsigned max_header_bytes;
	size_t max_body_json;
	size_t max_body_form;
	unsigned header_timeout_ms;
	unsigned idle_timeout_s;
	unsigned max_connections;
	unsigned per_ip_connections;
	unsigned workers;
	unsigned worker_queue;
	unsigned worker_queue_per_ip;
	unsigned rl_ip_rate;
	unsigned rl_ip_period;
	unsigned rl_ip_burst;
	size_t rl_max_keys;
	const struct bw_rl_policy *rate_classes; /**< per-route-class limits (borrowed) */
	size_t n_rate_classes;
	struct bw_log *log;       /**< borrowed; may be NULL (no logging) */
	void *app;                /**< handed to handlers through bw_req_app */
	struct bw_http_auth auth; /**< all NULL: every non-public route answers 401 */
};

struct bw_http;

/** bw_http_config_defaults - the documented defaults (see docs/config.md). */
void bw_http_config_defaults(struct bw_http_config *cfg);

/**
 * bw_http_new - create a server for the given routes (borrowed: the table
 * must outlive the server). Checks the route table (duplicate paths, missing
 * parameter rules, bad patterns) and aborts on a programming error there.
 */
BW_MUST_CHECK enum bw_err bw_http_new(const struct bw_http_config *cfg,
                                      const struct bw_route *routes, size_t n_routes,
                                      struct bw_http **out);

/** bw_http_start - bind and start serving. */
BW_MUST_CHECK enum bw_err bw_http_start(struct bw_http *h);

/** bw_http_port - the bound port (after start). */
uint16_t bw_http_port(const struct bw_http *h);

/**
 * bw_http_drain - stop accepting, let in-flight requests finish (up to
 * deadline_ms), resume and finish all suspended work, then stop.
 */
void bw_http_drain(struct bw_http *h, unsigned deadline_ms);

/** bw_http_free - stop if needed and release; NULL is a no-op. */
void bw_http_free(struct bw_http *h);

/** Counters for /metrics. */
struct bw_http_stats {
	uint64_t requests;
	uint64_t responses_by_class[6]; /**< [1]=1xx … [5]=5xx */
	uint64_t refused_framing;
	uint64_t refused_host;
	uint64_t rate_limited;
	uint64_t head_deadline_closed;
	uint64_t worker_busy;
	uint64_t inflight;
};

/** bw_http_stats - a snapshot of the counters. */
void bw_http_stats(const struct bw_http *h, struct bw_http_stats *out);

#ifdef __cplusplus
}
#endif
#endif
