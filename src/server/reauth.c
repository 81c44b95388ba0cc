/* reauth.c — is the request's last proof of identity recent enough? */
#include "reauth.h"

#include <time.h>

#include "app.h"

bool bw_reauth_fresh(const struct bw_req *req)
{
	const struct bw_app *app = bw_req_app(req);
	const struct bw_principal *p = bw_req_principal(req);
	int64_t now = (int64_t)time(NULL);

	if (p == NULL || p->auth_time <= 0 || p->auth_time > now + 5)
		return false;
	return now - p->auth_time <= (int64_t)app->settings.reauth_window_s;
}

enum bw_err bw_reauth_problem(struct bw_resp *resp)
{
	return bw_resp_problem(resp, 401, "reauth-required", "Re-authentication required",
	                       "This action needs a recent password or MFA proof: "
	                       "POST /v1/auth/reauth, then retry.",
	                       NULL);
}
