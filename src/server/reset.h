/*
 * reset.h — password reset (API.md, Authentication), shared by the JSON
 * endpoints (routes/reset.c) and the HTML pages.
 *
 * A request always answers 202 at once: the lookup of the address, the
 * token and the mail happen on the mail worker (mail.h), so neither the
 * answer nor its timing tells a known address from an unknown one. A known
 * address gets a link <public_origin>/password-reset/confirm?token=…; the
 * token (256 random bits) is stored only as a keyed hash (purpose key
 * BW_KEY_MAILTOKEN, label "reset"), is valid BW_RESET_TTL_S, works once, and
 * a newer request voids the older links of the account. Confirming sets the
 * new password (the policy applies), marks the token used and ends every
 * session of the account in one transaction, then revokes its refresh-token
 * families.
 */
#ifndef BULWARK_RESET_H
#define BULWARK_RESET_H

#include "app.h"
#include "bulwark/validate.h"

/** Lifetime of a reset link. */
#define BW_RESET_TTL_S 1800
/** Token label of reset tokens (token.h). */
#define BW_RESET_LABEL "reset"

/** What a confirmation came to. */
enum bw_reset_outcome {
	BW_RESET_DONE = 0,
	BW_RESET_BAD_TOKEN,    /**< unknown, used, expired or voided */
	BW_RESET_BAD_PASSWORD, /**< the policy refused it: *code says why */
};

/**
 * bw_reset_request - charge the rate limit of the address asked for and
 * queue the reset of email (as typed; it is
 * canonicalised here). *queued false: rate limited (answer 429). A
 * malformed address is queued too (and then finds nothing), so the answer
 * never depends on it. BW_ERR_BUSY: the mail queue is full (answer 503).
 */
BW_MUST_CHECK enum bw_err bw_reset_request(struct bw_req *req, struct bw_str email, bool *queued);

/**
 * bw_reset_confirm - set new_password for the account of token. On
 * BW_RESET_BAD_PASSWORD *code is the policy's field error code.
 */
BW_MUST_CHECK enum bw_err bw_reset_confirm(struct bw_req *req, struct bw_str token,
                                           struct bw_str new_password,
                                           enum bw_reset_outcome *outcome, const char **code);

/* routes/reset.c: the JSON API */
extern const struct bw_route bw_routes_reset[];
extern const size_t bw_routes_reset_n;

/* routes/reset_pages.c: the HTML pages */
extern const struct bw_route bw_routes_reset_pages[];
extern const size_t bw_routes_reset_pages_n;

#endif
