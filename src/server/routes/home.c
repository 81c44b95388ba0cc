/*
 * home.c — GET /: a plain page saying what this server is, in the shared
 * layout (templates/home.html).
 */
#include "app.h"
#include "pages.h"

enum bw_err bw_route_home(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_tv *v = bw_page_values(req);

	bw_tv_put_cstr(v, "version", BULWARK_VERSION);
	return bw_page_render(req, resp, 200, "home", v);
}
