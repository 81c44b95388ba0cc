/*
 * problem.h — (internal) RFC 9457 problem documents. Only static text and the
 * request id go in: titles, details, field names and codes are chosen by our
 * code, so a problem document can never carry input, SQL, paths or library
 * messages.
 */
#ifndef BULWARK_PROBLEM_H
#define BULWARK_PROBLEM_H

#include "bulwark/arena.h"
#include "bulwark/validate.h"

/**
 * bw_problem_render - the JSON text of a problem document, arena-owned.
 * Returns BW_ERR_NOMEM when the arena is exhausted.
 */
BW_MUST_CHECK enum bw_err bw_problem_render(struct bw_arena *a, unsigned status, const char *slug,
                                            const char *title, const char *detail,
                                            const char *request_id,
                                            const struct bw_field_errors *errs, struct bw_str *out);

#endif
