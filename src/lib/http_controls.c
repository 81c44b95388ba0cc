/*
 * http_controls.c — wiring of the pipeline's controls to their modules:
 * netaddr (client address behind trusted proxies), ratelimit (GCRA per IP
 * and per route class), cors, sechdr (security headers and CSP nonces) and
 * log (the access log). Each decision is made in its module; this file only
 * feeds it the request and puts the result on the response.
 */
#include "http_controls.h"

#include <stdlib.h>
#include <string.h>

#include "bulwark/cors.h"
#include "bulwark/log.h"
#include "bulwark/netaddr.h"
#include "bulwark/ratelimit.h"
#include "bulwark/sechdr.h"

struct bw_http_controls {
	struct bw_cidr_list trusted;
	struct bw_rl_memory *rl_mem;
	struct bw_rl_backend rl;
	struct bw_rl_policy ip_policy;
	const struct bw_rl_policy *classes; /* borrowed from the config */
	size_t n_classes;
	struct bw_cors *cors;
	struct bw_sechdr *sechdr;
	struct bw_log *log;
};

/* Request headers a browser may send cross-origin, per CORS mode. */
static const char *const allowlist_headers[] = {"authorization", "content-type", "x-csrf-token",
                                                NULL};
static const char *const public_headers[] = {"authorization", "content-type", NULL};

enum bw_err bw_http_controls_new(const struct bw_http_config *cfg, struct bw_http_controls **out)
{
	struct bw_http_controls *c = calloc(1, sizeof(*c));
	struct bw_sechdr_config sc = {0};
	size_t n_origins = 0;
	enum bw_err rc;

	*out = NULL;
	if (c == NULL)
		return BW_ERR_NOMEM;
	c->log = cfg->log;
	bw_cidr_list_init(&c->trusted);
	for (size_t i = 0; cfg->trusted_proxies != NULL && cfg->trusted_proxies[i] != NULL; i++) {
		struct bw_cidr net;

		rc = bw_cidr_parse(bw_str_c(cfg->trusted_proxies[i]), &net);
		if (rc != BW_OK || c->trusted.count == BW_CIDR_LIST_MAX) {
			rc = BW_ERR_CONFIG;
			goto fail;
		}
		c->trusted.items[c->trusted.count++] = net;
	}
	c->ip_policy = (struct bw_rl_policy){.name = "ip",
	                                     .limit = cfg->rl_ip_rate,
	                                     .period_s = cfg->rl_ip_period,
	                                     .burst = cfg->rl_ip_burst};
	if (bw_rl_policy_check(&c->ip_policy) != BW_OK) {
		rc = BW_ERR_CONFIG;
		goto fail;
	}
	c->classes = cfg->rate_classes;
	c->n_classes = cfg->n_rate_classes;
	for (size_t i = 0; i < c->n_classes; i++) {
		if (bw_rl_policy_check(&c->classes[i]) != BW_OK) {
			rc = BW_ERR_CONFIG;
			goto fail;
		}
	}
	rc = bw_rl_memory_new(cfg->rl_max_keys, BW_RL_MEMORY_SHARDS_DEFAULT, &c->rl_mem);
	if (rc != BW_OK)
		goto fail;
	c->rl = bw_rl_memory_backend(c->rl_mem);
	while (cfg->cors_origins != NULL && cfg->cors_origins[n_origins] != NULL)
		n_origins++;
	rc = bw_cors_new(cfg->cors_origins, n_origins, cfg->cors_max_age, &c->cors);
	if (rc != BW_OK) {
		rc = BW_ERR_CONFIG;
		goto fail;
	}
	sc.hsts = cfg->hsts;
	sc.hsts_preload = cfg->hsts_preload;
	sc.csp_report_only = cfg->csp_report_only;
	sc.csp_reporting = cfg->csp_reporting;
	rc = bw_sechdr_new(&sc, &c->sechdr);
	if (rc != BW_OK) {
		rc = rc == BW_ERR_NOMEM ? rc : BW_ERR_CONFIG;
		goto fail;
	}
	*out = c;
	return BW_OK;
fail:
	bw_http_controls_free(c);
	return rc;
}

void bw_http_controls_free(struct bw_http_controls *c)
{
	if (c == NULL)
		return;
	bw_sechdr_free(c->sechdr);
	bw_cors_free(c->cors);
	bw_rl_memory_free(c->rl_mem);
	free(c);
}

/* The rate-limit key of this client (IPv4 address or IPv6 /64). */
static void client_key(const struct bw_req *req, uint8_t key[BW_NETADDR_KEY_SIZE])
{
	memcpy(key, req->client_rate_key, BW_NETADDR_KEY_SIZE);
}

void bw_http_ctl_client(struct bw_http_controls *c, struct bw_req *req)
{
	const union MHD_ConnectionInfo *ci =
	        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const char *xff = bw_req_header(req, "X-Forwarded-For");
	struct bw_netaddr addr;

	memset(&addr, 0, sizeof(addr));
	if (ci == NULL || bw_netaddr_client(ci->client_addr, xff, &c->trusted, &addr) != BW_OK)
		addr.family = 0; /* unknown peer: every such request shares one budget */
	if (addr.family != 0)
		bw_netaddr_format(&addr, req->client_ip);
	else
		memcpy(req->client_ip, "unknown", sizeof("unknown"));
	bw_netaddr_rate_key(&addr, req->client_rate_key);
	memcpy(&req->client_key, req->client_rate_key, sizeof(req->client_key));
	req->client_loopback =
	        addr.family == BW_NETADDR_V4
	                ? addr.bytes[0] == 127
	                : (addr.family == BW_NETADDR_V6 &&
	                   memcmp(addr.bytes, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0);
}

/* Charge one request to (policy, key); add the RateLimit headers. */
static bool charge(struct bw_http_controls *c, struct bw_req *req,
                   const struct bw_rl_policy *policy)
{
	uint8_t key[BW_NETADDR_KEY_SIZE];
	struct bw_rl_result r;

	client_key(req, key);
	if (bw_ratelimit_take(&c->rl, policy, key, sizeof(key), 1, bw_rl_now_ns(), &r) != BW_OK)
		return false; /* fail closed */
	if (bw_rl_headers(policy, &r, req->arena, &req->resp.hdrs) != BW_OK)
		return false;
	return r.allowed;
}

enum bw_err bw_req_rate_take(struct bw_req *req, const struct bw_rl_policy *policy, const void *key,
                             size_t keylen, bool *allowed)
{
	struct bw_rl_result r;
	enum bw_err rc;

	*allowed = false;
	rc = bw_ratelimit_take(&req->h->controls->rl, policy, key, keylen, 1, bw_rl_now_ns(), &r);
	if (rc != BW_OK)
		return rc;
	/* a stricter policy's headers replace the IP policy's */
	(void)bw_hdrs_remove(&req->resp.hdrs, "RateLimit-Policy");
	(void)bw_hdrs_remove(&req->resp.hdrs, "RateLimit");
	rc = bw_rl_headers(policy, &r, req->arena, &req->resp.hdrs);
	if (rc == BW_OK)
		*allowed = r.allowed;
	return rc;
}

bool bw_http_ctl_ip_limit(struct bw_http_controls *c, struct bw_req *req)
{
	return charge(c, req, &c->ip_policy);
}

bool bw_http_ctl_route_limit(struct bw_http_controls *c, struct bw_req *req)
{
	const char *cls = req->route->rate_class;

	if (cls == NULL)
		return true;
	for (size_t i = 0; i < c->n_classes; i++) {
		if (strcmp(c->classes[i].name, cls) == 0) {
			/* the IP policy's headers are replaced by the stricter class's */
			(void)bw_hdrs_remove(&req->resp.hdrs, "RateLimit-Policy");
			(void)bw_hdrs_remove(&req->resp.hdrs, "RateLimit");
			return charge(c, req, &c->classes[i]);
		}
	}
	bw_panic("route %s names rate class \"%s\", which is not configured", req->route->path,
	         cls);
}

static const char *method_name(enum bw_method m)
{
	switch (m) {
	case BW_GET:
		return "GET";
	case BW_HEAD:
		return "HEAD";
	case BW_POST:
		return "POST";
	case BW_PUT:
		return "PUT";
	case BW_PATCH:
		return "PATCH";
	case BW_DELETE:
		return "DELETE";
	case BW_OPTIONS:
	default:
		return "OPTIONS";
	}
}

bool bw_http_ctl_cors(struct bw_http_controls *c, struct bw_req *req, bool preflight,
                      unsigned allowed)
{
	const char *methods[8];
	size_t n = 0;
	enum bw_cors_mode mode;
	enum bw_cors_result result;

	for (unsigned bit = BW_GET; bit <= BW_DELETE; bit <<= 1)
		if (allowed & bit)
			methods[n++] = method_name((enum bw_method)bit);
	methods[n] = NULL;
	switch (req->route != NULL ? req->route->cors : BW_ROUTE_CORS_NONE) {
	case BW_ROUTE_CORS_PUBLIC:
		mode = BW_CORS_PUBLIC;
		break;
	case BW_ROUTE_CORS_ALLOWLIST:
		mode = BW_CORS_ALLOWLIST;
		break;
	case BW_ROUTE_CORS_NONE:
	default:
		mode = BW_CORS_NONE;
		break;
	}
	if (bw_cors_apply(c->cors, mode, bw_req_header(req, "Origin"), method_name(req->method),
	                  preflight, bw_req_header(req, "Access-Control-Request-Method"),
	                  bw_req_header(req, "Access-Control-Request-Headers"), methods,
	                  mode == BW_CORS_PUBLIC ? public_headers : allowlist_headers, req->arena,
	                  &req->resp.hdrs, &result) != BW_OK)
		return false;
	return preflight ? result == BW_CORS_PREFLIGHT_OK : true;
}

void bw_http_ctl_nonce(struct bw_http_controls *c, struct bw_resp *resp)
{
	(void)c;
	/* made before the handler renders; the headers are made when it is sent */
	if (bw_random_token(BW_SECHDR_NONCE_BYTES, resp->nonce, sizeof(resp->nonce)) != BW_OK)
		resp->nonce[0] = '\0';
}

enum bw_err bw_http_ctl_secure(struct bw_http_controls *c, struct bw_resp *resp)
{
	enum bw_content_kind kind = BW_CONTENT_JSON;

	if (resp->html)
		kind = BW_CONTENT_HTML;
	else if (resp->content_type != NULL && strncmp(resp->content_type, "application/", 12) != 0)
		kind = BW_CONTENT_OTHER;
	return bw_sechdr_apply_nonce(c->sechdr, kind, resp->no_store, resp->req->arena, &resp->hdrs,
	                             resp->html ? resp->nonce : NULL);
}

void bw_http_ctl_log(struct bw_http_controls *c, struct bw_req *req, unsigned status,
                     uint64_t duration_us)
{
	struct bw_str path = req->raw_target;

	if (c->log == NULL)
		return;
	/* the query may carry codes or tokens: only the path is logged */
	for (size_t i = 0; i < path.len; i++) {
		if (path.p[i] == '?') {
			path.len = i;
			break;
		}
	}
	if (path.len > 512)
		path.len = 512;
	BW_LOG(c->log, status >= 500 || status == 0 ? BW_LOG_WARN : BW_LOG_INFO, req->id,
	       "http.request", BW_LOG_F_CSTR("method", method_name(req->method)),
	       BW_LOG_F_STR("path", path), BW_LOG_F_UINT("status", status),
	       BW_LOG_F_UINT("duration_us", duration_us), BW_LOG_F_CSTR("client", req->client_ip),
	       BW_LOG_F_UINT("bytes_in", req->body.len),
	       BW_LOG_F_UINT("bytes_out", req->resp.body.len));
}
