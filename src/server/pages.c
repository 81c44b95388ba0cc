/*
 * pages.c — the server's compiled templates and the one call that renders a
 * page into an HTML response (see pages.h).
 */
#include "pages.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "bulwark/log.h"
#include "embedded.h"

/* Largest page rendered; a bigger one is a bug, answered with a 500. */
#define PAGE_MAX (512u * 1024u)

/* A short hash of every static file: their URLs change when they do, so
 * browsers may cache them for good. */
static void static_version(struct bw_app *app)
{
	crypto_generichash_state st;
	unsigned char h[8];

	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	for (size_t i = 0; i < bw_embedded_static_n; i++) {
		crypto_generichash_update(&st, (const unsigned char *)bw_embedded_static[i].name,
		                          strlen(bw_embedded_static[i].name) + 1);
		crypto_generichash_update(&st, bw_embedded_static[i].data,
		                          bw_embedded_static[i].len);
	}
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(app->static_version, sizeof(app->static_version), h, sizeof(h));
}

enum bw_err bw_pages_compile(struct bw_app *app, const struct bw_embedded *files, size_t n)
{
	struct bw_tmpl_source src[256];
	struct bw_tmpl_error err;
	enum bw_err rc;

	if (n > sizeof(src) / sizeof(src[0]))
		return BW_ERR_LIMIT;
	for (size_t i = 0; i < n; i++)
		src[i] = (struct bw_tmpl_source){files[i].name,
		                                 {(const char *)files[i].data, files[i].len}};
	rc = bw_tmpl_compile(src, n, &app->pages, &err);
	if (rc != BW_OK) {
		BW_LOG(app->log, BW_LOG_ERROR, NULL, "startup.refused",
		       BW_LOG_F_CSTR("key", "templates"), BW_LOG_F_CSTR("template", err.name),
		       BW_LOG_F_UINT("line", err.line), BW_LOG_F_CSTR("message", err.message),
		       BW_LOG_F_CSTR("error", bw_err_str(rc)));
		return BW_ERR_INVALID;
	}
	static_version(app);
	return BW_OK;
}

enum bw_err bw_pages_start(struct bw_app *app)
{
	return bw_pages_compile(app, bw_embedded_templates, bw_embedded_templates_n);
}

void bw_pages_stop(struct bw_app *app)
{
	bw_tmpl_set_free(app->pages);
	app->pages = NULL;
}

struct bw_tv *bw_page_values(struct bw_req *req)
{
	return bw_tv_record(bw_req_arena(req));
}

enum bw_err bw_page_render(struct bw_req *req, struct bw_resp *resp, unsigned status,
                           const char *name, struct bw_tv *values)
{
	struct bw_app *app = bw_req_app(req);
	const char *nonce = bw_resp_csp_nonce(resp);
	struct bw_tmpl_error err;
	char css[64];
	struct bw_buf b;
	enum bw_err rc;

	if (nonce == NULL || nonce[0] == '\0') {
		/* a programming error in the route table: no nonce, no page */
		BW_LOG(app->log, BW_LOG_ERROR, bw_req_id(req), "page.not_html_route",
		       BW_LOG_F_CSTR("template", name));
		return BW_ERR_INTERNAL;
	}
	if (values == NULL)
		values = bw_page_values(req);
	snprintf(css, sizeof(css), "/static/bulwark.css?v=%s", app->static_version);
	bw_tv_put_cstr(values, "csp_nonce", nonce);
	bw_tv_put_cstr(values, "stylesheet", css);
	bw_buf_init(&b, PAGE_MAX);
	rc = bw_tmpl_render(app->pages, name, values, &b, &err);
	if (rc != BW_OK) {
		BW_LOG(app->log, BW_LOG_ERROR, bw_req_id(req), "page.render_failed",
		       BW_LOG_F_CSTR("template", err.name), BW_LOG_F_UINT("line", err.line),
		       BW_LOG_F_CSTR("message", err.message),
		       BW_LOG_F_CSTR("error", bw_err_str(rc)));
		goto out;
	}
	rc = bw_resp_header(resp, "Cache-Control", "no-store");
	if (rc == BW_OK)
		rc = bw_resp_body(resp, status, "text/html; charset=utf-8", bw_buf_str(&b));
out:
	bw_buf_free(&b);
	return rc;
}
