/*
 * web.h — the HTML pages of the accounts (API.md, Conventions): sign-in,
 * registration, the MFA step, the account pages and the sign-out form.
 * Every form posts application/x-www-form-urlencoded with its csrf_token
 * field to a form route (BW_BODY_FORM, html) that calls the same logic as
 * the JSON API, answers 303 (POST-redirect-GET) on success, and renders
 * the form again with its errors (never a password) on failure.
 */
#ifndef BULWARK_WEB_H
#define BULWARK_WEB_H

#include <stddef.h>

#include "bulwark/http.h"

/* routes/web.c: the route group (routes/table.c) */
extern const struct bw_route bw_routes_web[];
extern const size_t bw_routes_web_n;

/**
 * bw_web_redirect - answer 303 See Other to location, a literal or
 * arena-owned same-origin path starting with "/" (never input that was not
 * checked with bw_web_next_ok).
 */
BW_MUST_CHECK enum bw_err bw_web_redirect(struct bw_resp *resp, const char *location);

#endif
