/*
 * http_controls.h — (internal) the security controls the pipeline runs,
 * built once from struct bw_http_config: client address (trusted proxies),
 * IP rate limit, CORS, security headers, access log. http.c calls them in
 * pipeline order; each lives in its own library module and this file only
 * wires them together.
 */
#ifndef BULWARK_HTTP_CONTROLS_H
#define BULWARK_HTTP_CONTROLS_H

#include "http_internal.h"

struct bw_http_controls;

/** bw_http_controls_new - build every control from cfg; BW_ERR_CONFIG on bad values. */
BW_MUST_CHECK enum bw_err bw_http_controls_new(const struct bw_http_config *cfg,
                                               struct bw_http_controls **out);

/** bw_http_controls_free - release; NULL is a no-op. */
void bw_http_controls_free(struct bw_http_controls *c);

/**
 * bw_http_ctl_client - work out the client address (peer, or X-Forwarded-For
 * when the peer is a trusted proxy) into req->client_ip and req->client_key.
 */
void bw_http_ctl_client(struct bw_http_controls *c, struct bw_req *req);

/**
 * bw_http_ctl_ip_limit - charge the client's IP budget (IPv6 by /64). Adds
 * RateLimit headers to the response; false when over the limit (Retry-After
 * added).
 */
bool bw_http_ctl_ip_limit(struct bw_http_controls *c, struct bw_req *req);

/**
 * bw_http_ctl_route_limit - charge the route's rate class (if any) for this
 * client; false when over its limit. The class must be configured.
 */
bool bw_http_ctl_route_limit(struct bw_http_controls *c, struct bw_req *req);

/**
 * bw_http_ctl_cors - apply the route's CORS policy to req->resp. For a
 * preflight returns false when the origin, method or headers are refused.
 * allowed: the methods of the matched path.
 */
bool bw_http_ctl_cors(struct bw_http_controls *c, struct bw_req *req, bool preflight,
                      unsigned allowed);

/**
 * bw_http_ctl_secure - put the security headers on resp->hdrs, replacing any
 * header of the same names the handler set (HTML: with resp->nonce).
 */
BW_MUST_CHECK enum bw_err bw_http_ctl_secure(struct bw_http_controls *c, struct bw_resp *resp);

/** bw_http_ctl_nonce - give an HTML response its CSP nonce before the handler runs. */
void bw_http_ctl_nonce(struct bw_http_controls *c, struct bw_resp *resp);

/** bw_http_ctl_log - one access-log line for the finished request. */
void bw_http_ctl_log(struct bw_http_controls *c, struct bw_req *req, unsigned status,
                     uint64_t duration_us);

#endif
