/*
 * router.c — compiled path patterns. A pattern is a list of segments, each a
 * literal or a {parameter}. A trailing slash never matches (no silent
 * redirects); literal segments win over parameters at the same position by
 * taking the most specific match.
 */
#include "router.h"

#include <stdlib.h>
#include <string.h>

struct seg {
	const char *lit; /* NULL: a parameter */
	size_t len;
	size_t param; /* index into route->path_params */
};

struct compiled {
	const struct bw_route *route;
	struct seg segs[BW_URL_MAX_SEGMENTS];
	size_t n_segs;
	unsigned literal_mask; /* bit i set: segment i is literal (specificity) */
};

struct bw_router {
	struct compiled *c;
	size_t n;
};

static bool param_index(const struct bw_route *rt, const char *name, size_t len, size_t *idx)
{
	if (rt->path_params == NULL)
		return false;
	for (size_t i = 0; rt->path_params[i].name != NULL; i++) {
		if (strlen(rt->path_params[i].name) == len &&
		    memcmp(rt->path_params[i].name, name, len) == 0) {
			*idx = i;
			return true;
		}
	}
	return false;
}

static bool literal_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == '~';
}

/* Form fields only on form routes, at most BW_HTTP_MAX_FORM_FIELDS, none
 * named like the implied CSRF field, none twice. */
static bool form_fields_ok(const struct bw_route *rt)
{
	size_t n = 0;

	if (rt->body != BW_BODY_FORM)
		return false;
	for (; rt->form_fields[n].name != NULL; n++) {
		if (n == BW_HTTP_MAX_FORM_FIELDS ||
		    strcmp(rt->form_fields[n].name, BW_CSRF_FORM_FIELD) == 0)
			return false;
		for (size_t j = 0; j < n; j++)
			if (strcmp(rt->form_fields[j].name, rt->form_fields[n].name) == 0)
				return false;
	}
	return true;
}

static bool compile_one(const struct bw_route *rt, struct compiled *c)
{
	const char *p = rt->path;
	size_t n_params_used = 0;

	c->route = rt;
	c->n_segs = 0;
	c->literal_mask = 0;
	if (p == NULL || p[0] != '/' || rt->handler == NULL || rt->methods == 0)
		return false;
	if (rt->methods & BW_OPTIONS)
		return false; /* preflights belong to the core */
	if ((rt->auth & BW_AUTH_SESSION) && rt->csrf == BW_CSRF_NOT_COOKIE)
		return false; /* a cookie-authenticated route cannot go without CSRF checks */
	if ((rt->scopes != NULL || rt->role != NULL) && rt->auth == BW_AUTH_PUBLIC)
		return false; /* scopes need credentials to be checked against */
	if (rt->csrf == BW_CSRF_PRESESSION && rt->auth != BW_AUTH_PUBLIC)
		return false; /* the pre-session check is for routes before there is a session */
	if (rt->form_fields != NULL && !form_fields_ok(rt))
		return false;
	if (strcmp(p, "/") == 0)
		return true;
	p++;
	while (*p != '\0') {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		struct seg *s;

		if (len == 0 || c->n_segs == BW_URL_MAX_SEGMENTS)
			return false;
		s = &c->segs[c->n_segs];
		if (p[0] == '{') {
			if (len < 3 || p[len - 1] != '}' ||
			    !param_index(rt, p + 1, len - 2, &s->param))
				return false;
			s->lit = NULL;
			n_params_used++;
		} else {
			for (size_t i = 0; i < len; i++)
				if (!literal_char_ok((unsigned char)p[i]))
					return false;
			s->lit = p;
			s->len = len;
			if (c->n_segs < 32)
				c->literal_mask |= 1u << (31 - c->n_segs);
		}
		c->n_segs++;
		p += len;
		if (*p == '/') {
			p++;
			if (*p == '\0')
				return false; /* trailing slash in a pattern */
		}
	}
	/* every declared path parameter must appear, and fit */
	if (n_params_used > BW_ROUTER_MAX_PARAMS)
		return false;
	if (rt->path_params != NULL) {
		size_t declared = 0;

		while (rt->path_params[declared].name != NULL)
			declared++;
		if (declared != n_params_used)
			return false;
	}
	return true;
}

static bool same_shape(const struct compiled *a, const struct compiled *b)
{
	if (a->n_segs != b->n_segs)
		return false;
	for (size_t i = 0; i < a->n_segs; i++) {
		const struct seg *x = &a->segs[i], *y = &b->segs[i];

		if ((x->lit == NULL) != (y->lit == NULL))
			return false;
		if (x->lit != NULL && (x->len != y->len || memcmp(x->lit, y->lit, x->len) != 0))
			return false;
	}
	return true;
}

enum bw_err bw_router_new(const struct bw_route *routes, size_t n, struct bw_router **out,
                          const struct bw_route **bad)
{
	struct bw_router *r;

	*out = NULL;
	*bad = NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return BW_ERR_NOMEM;
	r->c = calloc(n ? n : 1, sizeof(*r->c));
	if (r->c == NULL) {
		free(r);
		return BW_ERR_NOMEM;
	}
	r->n = n;
	for (size_t i = 0; i < n; i++) {
		if (!compile_one(&routes[i], &r->c[i])) {
			*bad = &routes[i];
			bw_router_free(r);
			return BW_ERR_INVALID;
		}
		for (size_t j = 0; j < i; j++) {
			if (same_shape(&r->c[i], &r->c[j]) &&
			    (routes[i].methods & routes[j].methods) != 0) {
				*bad = &routes[i];
				bw_router_free(r);
				return BW_ERR_INVALID;
			}
		}
	}
	*out = r;
	return BW_OK;
}

void bw_router_free(struct bw_router *r)
{
	if (r == NULL)
		return;
	free(r->c);
	free(r);
}

static bool matches(const struct compiled *c, const struct bw_target *t)
{
	if (c->n_segs != t->n_segments || t->trailing_slash)
		return false;
	for (size_t i = 0; i < c->n_segs; i++) {
		const struct seg *s = &c->segs[i];

		if (s->lit != NULL &&
		    (t->segments[i].len != s->len || memcmp(t->segments[i].p, s->lit, s->len) != 0))
			return false;
	}
	return true;
}

void bw_router_match(const struct bw_router *r, const struct bw_target *t, enum bw_method m,
                     struct bw_match *out)
{
	const struct compiled *best = NULL;
	unsigned want = (m == BW_HEAD) ? (BW_HEAD | BW_GET) : (unsigned)m;

	out->route = NULL;
	out->allowed = 0;
	out->n_params = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct compiled *c = &r->c[i];

		if (!matches(c, t))
			continue;
		out->allowed |= c->route->methods;
		if ((c->route->methods & want) != 0 &&
		    (best == NULL || c->literal_mask > best->literal_mask))
			best = c;
	}
	if (out->allowed & BW_GET)
		out->allowed |= BW_HEAD;
	if (best == NULL)
		return;
	out->route = best->route;
	for (size_t i = 0; i < best->n_segs; i++) {
		const struct seg *s = &best->segs[i];

		if (s->lit == NULL) {
			out->params[s->param] = t->segments[i];
			if (s->param + 1 > out->n_params)
				out->n_params = s->param + 1;
		}
	}
}
