/*
 * url.h — strict decoding of request targets, query strings and form bodies.
 *
 * The request target is taken raw (as the client sent it) and decoded here,
 * once. Decoding refuses instead of repairing: a bad %-escape, a NUL (raw or
 * %00), a control character, invalid UTF-8 after decoding, an encoded '/' or
 * '\' inside a path segment, and dot segments ("." / ".." in any spelling)
 * are all errors, so the router only ever sees canonical segments.
 */
#ifndef BULWARK_URL_H
#define BULWARK_URL_H

#include <stdbool.h>
#include <stddef.h>

#include "bulwark/arena.h"
#include "bulwark/err.h"
#include "bulwark/str.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most path segments a target may have. */
#define BW_URL_MAX_SEGMENTS 32

/** A decoded origin-form target: path segments and the raw query. */
struct bw_target {
	struct bw_str segments[BW_URL_MAX_SEGMENTS]; /**< decoded, arena-owned */
	size_t n_segments;
	bool trailing_slash; /**< the path ended in '/' (and was not just "/") */
	struct bw_str path;  /**< the raw path, borrowed from the input */
	struct bw_str query; /**< the raw query without '?', borrowed; len 0 if none */
	bool has_query;
};

/**
 * bw_url_parse_target - split and decode an origin-form request target
 * ("/a/b?x=1"). Refuses anything not starting with '/', a fragment, empty
 * segments ("//"), dot segments, and the bytes listed above.
 * Segments are arena-owned; path and query borrow from raw.
 */
BW_MUST_CHECK enum bw_err bw_url_parse_target(struct bw_arena *a, struct bw_str raw,
                                              struct bw_target *out);

/** Flags for bw_url_decode. */
#define BW_URL_FORM    0x1u /**< '+' decodes to a space (application/x-www-form-urlencoded) */
#define BW_URL_SEGMENT 0x2u /**< refuse %2F and %5C (encoded '/' and '\') */

/**
 * bw_url_decode - percent-decode in into an arena-owned, NUL-terminated copy.
 * Refuses bad escapes, NUL, C0 controls and DEL, and invalid UTF-8.
 */
BW_MUST_CHECK enum bw_err bw_url_decode(struct bw_arena *a, struct bw_str in, unsigned flags,
                                        struct bw_str *out);

/** One decoded name/value pair of a query string or form body. */
struct bw_kv {
	struct bw_str name;
	struct bw_str value;
	bool has_value; /**< "a" alone has no value; "a=" has an empty one */
};

/**
 * bw_url_parse_query - decode "a=1&b=2" (query strings: '+' is a space too,
 * as browsers send it) into at most max pairs, arena-owned. A repeated name
 * is kept as given; callers that declare parameters refuse repeats.
 * BW_ERR_LIMIT when there are more than max pairs.
 */
BW_MUST_CHECK enum bw_err bw_url_parse_query(struct bw_arena *a, struct bw_str query, size_t max,
                                             struct bw_kv **out, size_t *count);

/** Longest path bw_url_local_path_ok accepts. */
#define BW_URL_LOCAL_PATH_MAX 2048

/**
 * bw_url_local_path_ok - whether next (a decoded parameter such as the
 * login page's "next") is safe to redirect to as a same-origin relative
 * path: 1..BW_URL_LOCAL_PATH_MAX bytes of printable ASCII (no space,
 * controls, or bytes past 0x7E), a single leading '/' followed by neither
 * '/' nor '\\' (a browser reads "//host" and "/\\host" as another site),
 * no '\\' anywhere, and no encoded slash or backslash right after the
 * leading '/' ("/%2F…" may be decoded into "//…" by a proxy). Nothing with
 * a scheme can pass: it would not start with '/'.
 */
bool bw_url_local_path_ok(struct bw_str next);

#ifdef __cplusplus
}
#endif
#endif
