/*
 * static.c — GET /static/{file}: the files built into the binary from
 * static/ (the stylesheet). With the current version in ?v= (the URL pages
 * link to), a response may be cached for a year; without it, for minutes.
 */
#include <string.h>

#include "app.h"
#include "embedded.h"
#include "pages.h"

const struct bw_param bw_static_path_params[] = {
        {.name = "file",
         .rule = BW_RULE_TEXT(1, 64, BW_CC_ALPHA | BW_CC_DIGIT | BW_CC_DASH | BW_CC_DOT)},
        {.name = NULL},
};

const struct bw_param bw_static_query_params[] = {
        {.name = "v", .rule = {.kind = BW_RULE_TOKEN, .min = 1, .max = 64}},
        {.name = NULL},
};

/* The content type of a static file, by its extension; NULL: not served. */
static const char *type_of(const char *name)
{
	static const struct {
		const char *ext;
		const char *type;
	} types[] = {
	        {".css", "text/css; charset=utf-8"},
	        {".svg", "image/svg+xml"},
	        {".png", "image/png"},
	        {".ico", "image/x-icon"},
	};
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t e = strlen(types[i].ext);

		if (n > e && strcmp(name + n - e, types[i].ext) == 0)
			return types[i].type;
	}
	return NULL;
}

enum bw_err bw_route_static(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_app *app = bw_req_app(req);
	struct bw_str file = bw_req_param(req, "file");
	bool has_v = false;
	struct bw_str v = bw_req_query(req, "v", &has_v);
	enum bw_err rc;

	for (size_t i = 0; i < bw_embedded_static_n; i++) {
		const struct bw_embedded *f = &bw_embedded_static[i];
		const char *type = type_of(f->name);

		if (!bw_str_eq_c(file, f->name) || type == NULL)
			continue;
		rc = bw_resp_header(resp, "Cache-Control",
		                    has_v && bw_str_eq_c(v, app->static_version)
		                            ? "public, max-age=31536000, immutable"
		                            : "public, max-age=300");
		if (rc == BW_OK)
			rc = bw_resp_body(resp, 200, type,
			                  (struct bw_str){(const char *)f->data, f->len});
		return rc;
	}
	return bw_resp_problem(resp, 404, "not-found", "Not found", "There is no such static file.",
	                       NULL);
}
