/*
 * http_internal.h — (internal) the structures shared by the HTTP core's
 * files: http.c (engine and pipeline), http_req.c (the handler-facing
 * accessors), http_conn.c (connection tracking and the head deadline).
 */
#ifndef BULWARK_HTTP_INTERNAL_H
#define BULWARK_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "bulwark/buf.h"
#include "bulwark/netaddr.h"
#include "bulwark/sechdr.h"
#include "bulwark/http.h"
#include "bulwark/random.h"
#include "bulwark/url.h"
#include "router.h"
#include "workpool.h"

/** Most query parameters a route may declare. */
#define BW_HTTP_MAX_QUERY 16
/** Most query pairs parsed from one request (beyond: 400). */
#define BW_HTTP_MAX_QUERY_PAIRS 32
/** Most pairs parsed from one form body (beyond: 400). */
#define BW_HTTP_MAX_FORM_PAIRS 32
/** Per-request arena cap (the body has its own cap and buffer). */
#define BW_HTTP_ARENA_CAP (256u * 1024u)

struct bw_resp {
	unsigned status;
	const char *content_type; /* literal, or NULL for no body */
	struct bw_str body;       /* arena-owned, or static (bw_resp_body_static) */
	struct bw_hdrs hdrs;      /* extra headers: handler, CORS, rate limit */
	bool html;
	bool no_store;
	bool close; /* ask MHD to close the connection after it */
	char nonce[BW_SECHDR_NONCE_SIZE];
	struct bw_req *req;
};

enum req_state {
	REQ_NEW = 0, /* call 1 not seen yet */
	REQ_BODY,    /* collecting the body */
	REQ_QUEUED,  /* on the worker pool, connection suspended */
	REQ_DONE,    /* handler finished on a worker; answer on the next call */
	REQ_REPLIED, /* response queued */
};

struct conn_track;

struct bw_req {
	struct bw_http *h;
	struct MHD_Connection *conn;
	struct bw_arena *arena;
	char id[BW_REQUEST_ID_SIZE];
	struct bw_str raw_target; /* arena copy of what the client sent */
	struct bw_str target;     /* its origin form (path and query), once checked */
	bool target_too_long;
	enum bw_method method;
	enum req_state state;
	const struct bw_route *route;
	struct bw_str path_params[BW_ROUTER_MAX_PARAMS];
	struct bw_str query_vals[BW_HTTP_MAX_QUERY];
	bool query_present[BW_HTTP_MAX_QUERY];
	struct bw_buf body;
	size_t body_max;
	json_t *json; /* parsed body, released with the request */
	/* BW_BODY_FORM: the declared fields and the implied csrf_token */
	struct bw_str form_vals[BW_HTTP_MAX_FORM_FIELDS];
	bool form_present[BW_HTTP_MAX_FORM_FIELDS];
	struct bw_str form_csrf;
	bool form_csrf_present;
	bool form_parsed;
	/* a CSRF check left for when the form body is parsed (BW_BODY_FORM) */
	enum csrf_kind { CSRF_NONE = 0, CSRF_SESSION, CSRF_PRESESSION } csrf_pending;
	struct bw_resp resp;
	char client_ip[BW_NETADDR_STR_SIZE];
	uint8_t client_rate_key[BW_NETADDR_KEY_SIZE]; /* IPv4 address or IPv6 /64 */
	uint64_t client_key;                          /* fairness key for the worker pool */
	bool client_loopback;
	struct bw_job job;
	uint64_t start_ns;
	enum bw_err handler_rc;
	struct bw_principal principal;
	bool authenticated;
	bool counted_inflight;
};

struct bw_http {
	struct bw_http_config cfg; /* strings point into owned copies below */
	void **owned;              /* every copy made of the caller's config */
	size_t n_owned;
	const struct bw_route *routes;
	size_t n_routes;
	struct bw_router *router;
	struct MHD_Daemon *daemon;
	struct bw_workpool *pool;
	uint16_t port;
	atomic_bool shutting_down;
	atomic_uint_fast64_t inflight;
	struct {
		atomic_uint_fast64_t requests;
		atomic_uint_fast64_t by_class[6];
		atomic_uint_fast64_t refused_framing;
		atomic_uint_fast64_t refused_host;
		atomic_uint_fast64_t rate_limited;
		atomic_uint_fast64_t head_deadline_closed;
		atomic_uint_fast64_t worker_busy;
	} stats;
	/* connection tracking for the absolute head deadline (http_conn.c) */
	pthread_mutex_t conn_mu;
	struct conn_track *conns;
	pthread_t watchdog;
	bool watchdog_running;
	atomic_bool watchdog_stop;
	/* the library controls, built from cfg (http_controls.c) */
	struct bw_http_controls *controls;
};

/* http_conn.c */
void bw_http_conn_started(struct bw_http *h, struct MHD_Connection *c, void **socket_ctx);
void bw_http_conn_closed(struct bw_http *h, void **socket_ctx);
void bw_http_conn_head_done(struct bw_http *h, struct MHD_Connection *c);
void bw_http_conn_request_done(struct bw_http *h, struct MHD_Connection *c);
void bw_http_conn_handling(struct bw_http *h, struct MHD_Connection *c);
BW_MUST_CHECK enum bw_err bw_http_watchdog_start(struct bw_http *h);
void bw_http_watchdog_stop(struct bw_http *h);

/* http_req.c */
void bw_http_resp_init(struct bw_resp *resp, struct bw_req *req);

#endif
