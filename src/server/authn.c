/* authn.c — dispatch of a request's credentials to the module of their kind. */
#include "authn.h"

#include <string.h>

#include "apikeys.h"
#include "sessions.h"
#include "signing.h"

#define BEARER_MAX 8192

/*
 * Bearer credential kinds, matched by prefix in order (the empty prefix
 * last). A module that verifies a kind adds its line here.
 */
static const struct {
	const char *prefix;
	enum bw_auth_kind kind;
	bw_bearer_verify_fn verify;
} bw_bearer_kinds[] = {
        {BW_APIKEY_PREFIX, BW_AUTH_APIKEY, bw_apikeys_verify}, /* apikeys.h */
        {NULL, 0, NULL},                                    /* keeps the array non-empty; skipped */
        {"", BW_AUTH_BEARER, bw_access_token_authenticate}, /* JWT access tokens (signing.h) */
};

/* RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
static bool is_b64token(struct bw_str t)
{
	size_t i = 0;

	while (i < t.len && ((t.p[i] >= 'A' && t.p[i] <= 'Z') || (t.p[i] >= 'a' && t.p[i] <= 'z') ||
	                     (t.p[i] >= '0' && t.p[i] <= '9') || strchr("-._~+/", t.p[i]) != NULL))
		i++;
	if (i == 0)
		return false;
	while (i < t.len && t.p[i] == '=')
		i++;
	return i == t.len;
}

enum bw_err bw_authn_bearer(struct bw_req *req, struct bw_str *token)
{
	const char *h = bw_req_header(req, "Authorization");
	size_t n;

	if (h == NULL)
		return BW_ERR_NOT_FOUND;
	/* the scheme is case-insensitive (RFC 9110 §11.1); exactly one space */
	if (strncasecmp(h, "Bearer ", 7) != 0)
		return BW_ERR_DENIED;
	n = strlen(h + 7);
	if (n == 0 || n > BEARER_MAX)
		return BW_ERR_DENIED;
	*token = (struct bw_str){h + 7, n};
	return is_b64token(*token) ? BW_OK : BW_ERR_DENIED;
}

static bool has_prefix(struct bw_str t, const char *prefix)
{
	size_t n = strlen(prefix);

	return t.len >= n && memcmp(t.p, prefix, n) == 0;
}

static enum bw_err authenticate(void *ctx, struct bw_req *req, unsigned kinds,
                                struct bw_principal *out)
{
	struct bw_app *app = ctx;
	struct bw_str token;
	enum bw_err rc = bw_authn_bearer(req, &token);

	if (rc == BW_ERR_NOT_FOUND)
		return bw_sessions_authenticate(app, req, kinds, out);
	if (rc != BW_OK)
		return rc;
	for (size_t i = 0; i < sizeof(bw_bearer_kinds) / sizeof(bw_bearer_kinds[0]); i++) {
		if (bw_bearer_kinds[i].verify == NULL ||
		    !has_prefix(token, bw_bearer_kinds[i].prefix))
			continue;
		if ((kinds & bw_bearer_kinds[i].kind) == 0)
			return BW_ERR_DENIED; /* a kind this route does not take */
		memset(out, 0, sizeof(*out));
		rc = bw_bearer_kinds[i].verify(app, req, token, out);
		if (rc == BW_OK)
			out->kind = bw_bearer_kinds[i].kind;
		return rc;
	}
	return BW_ERR_DENIED;
}

struct bw_http_auth bw_authn_http_auth(struct bw_app *app)
{
	struct bw_http_auth a = bw_sessions_http_auth(app);

	a.authenticate = authenticate;
	return a;
}
