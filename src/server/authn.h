/*
 * authn.h — the server's one authenticator (struct bw_http_auth): it looks
 * at the credentials a request presents, in a fixed order, and hands each to
 * the module that owns that kind.
 *
 * Order: an Authorization header first, then the session cookie. A request
 * that presents a bearer credential is judged by it alone: an invalid one is
 * refused (401) even if a valid cookie rides along, so a stolen cookie cannot
 * rescue a forged token and a token cannot borrow a cookie's CSRF exemption.
 *
 * Bearer credentials are told apart by prefix (bw_bearer_kinds in authn.c):
 * "bwk_" is an API key, anything else is a JWT access token. A module adds
 * its kind with one line there; a kind the route does not accept is refused
 * as if no credential had been sent (401).
 */
#ifndef BULWARK_AUTHN_H
#define BULWARK_AUTHN_H

#include "app.h"
#include "bulwark/str.h"

/**
 * A verifier of one kind of bearer credential. token is the credential
 * after "Bearer " (borrowed). Fill *out (kind, user_id, role, scopes,
 * auth_time, data) and answer BW_OK; BW_ERR_DENIED for a credential that is
 * malformed, unknown, expired or revoked; other errors are internal (500).
 */
typedef enum bw_err (*bw_bearer_verify_fn)(struct bw_app *app, struct bw_req *req,
                                           struct bw_str token, struct bw_principal *out);

/** bw_authn_http_auth - the authenticator to install in bw_http_config.auth. */
struct bw_http_auth bw_authn_http_auth(struct bw_app *app);

/**
 * bw_authn_bearer - the credential of "Authorization: Bearer <token>" into
 * *token (borrowed from the request). BW_ERR_NOT_FOUND without an
 * Authorization header; BW_ERR_DENIED for another scheme, a missing or
 * malformed token (RFC 6750 b64token syntax, at most 8 KiB).
 */
BW_MUST_CHECK enum bw_err bw_authn_bearer(struct bw_req *req, struct bw_str *token);

#endif
