/*
 * hdrs.h — a bounded list of HTTP response headers.
 *
 * Controls (security headers, CORS, rate limiting) add their headers to a
 * list; the HTTP core sends it. Adding refuses a name that is not an RFC 9110
 * token and a value holding CR, LF, NUL or another control character (tab
 * excepted), so no header can be split or smuggled. Names and values are
 * borrowed: they must outlive the list (literals or arena copies).
 */
#ifndef BULWARK_HDRS_H
#define BULWARK_HDRS_H

#include <stdbool.h>
#include <stddef.h>

#include "bulwark/err.h"
#include "bulwark/str.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most headers one response carries. */
#define BW_HDRS_MAX 48

struct bw_hdr {
	const char *name;
	const char *value;
};

struct bw_hdrs {
	struct bw_hdr items[BW_HDRS_MAX];
	size_t count;
};

/** bw_hdrs_init - empty the list. */
void bw_hdrs_init(struct bw_hdrs *h);

/**
 * bw_hdrs_add - append a header (a second header of the same name is kept).
 * BW_ERR_INVALID for a bad name or value, BW_ERR_LIMIT when the list is full.
 */
BW_MUST_CHECK enum bw_err bw_hdrs_add(struct bw_hdrs *h, const char *name, const char *value);

/** bw_hdrs_set - replace every header of that name (case-insensitive) by one. */
BW_MUST_CHECK enum bw_err bw_hdrs_set(struct bw_hdrs *h, const char *name, const char *value);

/** bw_hdrs_get - the first value of that name, or NULL. */
const char *bw_hdrs_get(const struct bw_hdrs *h, const char *name);

/** bw_hdrs_remove - drop every header of that name; returns how many went. */
size_t bw_hdrs_remove(struct bw_hdrs *h, const char *name);

/** bw_hdr_name_valid - whether name is a non-empty RFC 9110 token. */
bool bw_hdr_name_valid(struct bw_str name);

/** bw_hdr_value_valid - whether value has no CTL other than HTAB (and no DEL). */
bool bw_hdr_value_valid(struct bw_str value);

#ifdef __cplusplus
}
#endif
#endif
