/*
 * reauth.h — step-up for sensitive actions (MFA changes, password change,
 * API-key creation, client registration, webhook creation): the request's
 * principal must have proved a password or an MFA code within
 * auth.reauth_window seconds, else the action answers 401 with the problem
 * type /problems/reauth-required, and the client re-authenticates through
 * POST /v1/auth/reauth.
 *
 * In a handler:
 *
 *     if (!bw_reauth_fresh(req))
 *             return bw_reauth_problem(resp);
 */
#ifndef BULWARK_REAUTH_H
#define BULWARK_REAUTH_H

#include <stdbool.h>

#include "bulwark/http.h"

/**
 * bw_reauth_fresh - true when the request is authenticated and its
 * principal's auth_time lies within the configured window (and not in the
 * future). Bearer credentials carry the auth_time they were issued with.
 */
bool bw_reauth_fresh(const struct bw_req *req);

/** bw_reauth_problem - the 401 /problems/reauth-required answer. */
BW_MUST_CHECK enum bw_err bw_reauth_problem(struct bw_resp *resp);

#endif
