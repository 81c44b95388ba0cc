/*
 * home.c — GET /: a plain page saying what this server is. Its only inline
 * style carries the response's CSP nonce; there is no script.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "bulwark/buf.h"

enum bw_err bw_route_home(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_buf b;
	enum bw_err rc;

	(void)req;
	bw_buf_init(&b, 8192);
	/* the nonce is base64url from our CSPRNG: it needs no escaping */
	rc = bw_buf_printf(
	        &b,
	        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	        "<title>bulwark</title><style nonce=\"%s\">"
	        "body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;"
	        "padding:0 1rem;color:#1b1f24;line-height:1.5}"
	        "h1{font-size:1.6rem}code{background:#f2f4f7;padding:.1rem .3rem;border-radius:4px}"
	        "</style></head><body><main><h1>bulwark</h1>"
	        "<p>This is a bulwark server, version %s.</p>"
	        "<p>Health: <code>/healthz</code> &middot; readiness: <code>/readyz</code></p>"
	        "</main></body></html>\n",
	        bw_resp_csp_nonce(resp), BULWARK_VERSION);
	if (rc == BW_OK)
		rc = bw_resp_body(resp, 200, "text/html; charset=utf-8", bw_buf_str(&b));
	bw_buf_free(&b);
	return rc;
}
