/*
 * router.h — (internal) matching decoded path segments against the route
 * table. Patterns are compiled once at start-up; a request is matched by
 * walking the compiled routes, so there is no allocation on the hot path.
 */
#ifndef BULWARK_ROUTER_H
#define BULWARK_ROUTER_H

#include "bulwark/http.h"
#include "bulwark/url.h"

/** Most {name} parameters one path pattern may have. */
#define BW_ROUTER_MAX_PARAMS 8

struct bw_router;

/** The outcome of a lookup. */
struct bw_match {
	const struct bw_route *route; /**< NULL: no route for this method */
	unsigned allowed;             /**< methods of every route matching the path (for 405) */
	struct bw_str
	        params[BW_ROUTER_MAX_PARAMS]; /**< values, in the order of route->path_params */
	size_t n_params;
};

/**
 * bw_router_new - compile routes (borrowed). A malformed pattern, a {name}
 * without a rule in path_params, a duplicate (path, method) or a route with
 * no methods is a programming error: BW_ERR_INVALID with *bad set to it.
 */
BW_MUST_CHECK enum bw_err bw_router_new(const struct bw_route *routes, size_t n,
                                        struct bw_router **out, const struct bw_route **bad);

/** bw_router_free - release; NULL is a no-op. */
void bw_router_free(struct bw_router *r);

/**
 * bw_router_match - find the route for the target and method. When the path
 * matches but the method does not, route is NULL and allowed is non-zero.
 * Parameter values borrow from t. Parameter values are not validated here.
 */
void bw_router_match(const struct bw_router *r, const struct bw_target *t, enum bw_method m,
                     struct bw_match *out);

#endif
