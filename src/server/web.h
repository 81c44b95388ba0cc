/*
 * web.h — the HTML pages of the accounts (API.md, Conventions): sign-in,
 * registration, the MFA step, the account pages and the sign-out form.
 * Every form posts application/x-www-form-urlencoded with its csrf_token
 * field to a form route (BW_BODY_FORM, html) that calls the same logic as
 * the JSON API (account.h), answers 303 (POST-redirect-GET) on success,
 * and renders the form again with its errors (never a password) on
 * failure. Templates are templates/<name>.html (pages.h).
 */
#ifndef BULWARK_WEB_H
#define BULWARK_WEB_H

#include <stddef.h>
#include <stdint.h>

#include "bulwark/http.h"
#include "bulwark/tmpl.h"

/* routes/web.c and routes/web_account.c: the route groups (routes/table.c) */
extern const struct bw_route bw_routes_web[];
extern const size_t bw_routes_web_n;
extern const struct bw_route bw_routes_web_account[];
extern const size_t bw_routes_web_account_n;
/* routes/web_mfa.c: the sign-in's code step, re-authentication, two-step verification */
extern const struct bw_route bw_routes_web_mfa[];
extern const size_t bw_routes_web_mfa_n;

/**
 * bw_web_redirect - answer 303 See Other to location: a literal, or a path
 * that passed bw_url_local_path_ok (copied).
 */
BW_MUST_CHECK enum bw_err bw_web_redirect(struct bw_resp *resp, const char *location);

/**
 * bw_web_next - the "next" value (a query parameter or form field) if it is
 * a same-origin path (bw_url_local_path_ok), else fallback. Arena-owned or
 * the literal.
 */
const char *bw_web_next(struct bw_req *req, struct bw_str next, const char *fallback);

/**
 * bw_web_values - the values of a signed-in page: a record from
 * bw_page_values with csrf_token set to a fresh token of the request's
 * session (for every form on the page, the sign-out form too). NULL when
 * the token cannot be made (the page then fails to render: 500).
 */
struct bw_tv *bw_web_values(struct bw_req *req);

/** bw_web_time - t (Unix seconds) as "2026-12-02 10:05 UTC", arena-owned. */
const char *bw_web_time(struct bw_req *req, int64_t t);

/**
 * bw_web_policy_message - the sentence a page shows for a field error code
 * of the password policy or a form check (static text, never the value).
 */
const char *bw_web_field_message(const char *field, const char *code);

/**
 * bw_web_mfa_step - the password step of a sign-in passed and a second
 * factor is in force: hand mfa_token to the browser in the HttpOnly MFA
 * cookie and answer 303 to /login/mfa (with next when it is a same-origin
 * path). The caller wipes mfa_token.
 */
BW_MUST_CHECK enum bw_err bw_web_mfa_step(struct bw_req *req, struct bw_resp *resp,
                                          const char *mfa_token, struct bw_str next);

/**
 * bw_web_reauth_redirect - a sensitive action without a recent proof of
 * identity: 303 to the re-authentication prompt, which returns to from (a
 * same-origin path literal, such as "/account/security").
 */
BW_MUST_CHECK enum bw_err bw_web_reauth_redirect(struct bw_req *req, struct bw_resp *resp,
                                                 const char *from);

#endif
