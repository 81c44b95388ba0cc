/*
 * pages.h — server-rendered HTML pages.
 *
 * The templates in templates/ (one .html file each) are built into the binary and compiled
 * once at start-up (a template error stops the start, naming the template
 * and line). A handler of an HTML route (.html = true in its route line)
 * builds its values in the request arena and renders a page by name:
 *
 *     struct bw_tv *v = bw_page_values(req);
 *     bw_tv_put_cstr(v, "email", email);
 *     return bw_page_render(req, resp, 200, "login", v);
 *
 * bw_page_render adds to the values, for every page and layout:
 *   csp_nonce   the response's CSP nonce: <script nonce="{{csp_nonce}}">
 *   stylesheet  the URL of the shared stylesheet (/static/bulwark.css?v=…)
 * See docs/templates.md for writing templates.
 */
#ifndef BULWARK_PAGES_H
#define BULWARK_PAGES_H

#include "app.h"
#include "bulwark/tmpl.h"

/**
 * bw_pages_start - compile the embedded templates into app->pages and note
 * the static files' version. On a template error, logs it (template, line,
 * message) and returns BW_ERR_INVALID: the server must not start.
 */
BW_MUST_CHECK enum bw_err bw_pages_start(struct bw_app *app);

/** bw_pages_compile - bw_pages_start with other files (for tests). */
struct bw_embedded;
BW_MUST_CHECK enum bw_err bw_pages_compile(struct bw_app *app, const struct bw_embedded *files,
                                           size_t n);

/** bw_pages_stop - release the compiled templates. */
void bw_pages_stop(struct bw_app *app);

/** bw_page_values - a new, empty value record in the request's arena. */
struct bw_tv *bw_page_values(struct bw_req *req);

/**
 * bw_page_render - render template name with values (a record from
 * bw_page_values, or NULL for none) as the response: the given status,
 * text/html; charset=utf-8, Cache-Control: no-store. The route must be an
 * HTML route (it carries the CSP nonce). A render error (a missing value, a
 * page too large) is logged with the template and line and returned, so the
 * core answers a generic 500: the client never sees a half page.
 */
BW_MUST_CHECK enum bw_err bw_page_render(struct bw_req *req, struct bw_resp *resp, unsigned status,
                                         const char *name, struct bw_tv *values);

/* routes/static.c: GET /static/{file}, the embedded static files */
enum bw_err bw_route_static(struct bw_req *req, struct bw_resp *resp);
extern const struct bw_param bw_static_path_params[];
extern const struct bw_param bw_static_query_params[];

#endif
