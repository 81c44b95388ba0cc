/*
 * json.h — strict JSON request bodies and declared schemas (over jansson).
 *
 * bw_json_parse refuses, before a handler sees anything: a body over the byte
 * cap (checked before parsing), nesting deeper than the depth cap (checked by
 * a linear pre-scan before jansson recurses), duplicate member names, NUL
 * characters in strings, ill-formed UTF-8, trailing garbage and, unless the
 * limits allow it, a top level that is not an object. jansson seeds its hash
 * tables at random, so crafted member names cannot force collisions.
 *
 * bw_json_check then holds a parsed object to a declared schema: members that
 * are not declared are refused ("unknown"), so a client can never set a field
 * the handler did not ask for (mass assignment). The typed getters only serve
 * declared fields and re-check the value, so a handler cannot read an
 * undeclared member even when it forgets to call bw_json_check.
 *
 * Field errors name the schema's static strings, never the input's member
 * names; whole-body errors use BW_JSON_FIELD_BODY and undeclared members
 * BW_JSON_FIELD_UNKNOWN.
 */
#ifndef BULWARK_JSON_H
#define BULWARK_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "bulwark/buf.h"
#include "bulwark/err.h"
#include "bulwark/str.h"
#include "bulwark/validate.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BW_JSON_DEFAULT_MAX_BYTES (64u * 1024u) /**< API.md: 64 KiB per JSON body */
#define BW_JSON_DEFAULT_MAX_DEPTH 32u           /**< API.md: deeper nesting is a 400 */
#define BW_JSON_DEPTH_LIMIT       1024u         /**< most a caller may ask for (jansson: 2048) */

#define BW_JSON_FIELD_BODY    "(body)"    /**< field name of whole-body errors */
#define BW_JSON_FIELD_UNKNOWN "(unknown)" /**< field name of an undeclared member */

/** Limits for bw_json_parse; a zero field means its default, so {0} is strict. */
struct bw_json_limits {
	size_t max_bytes;      /**< most input bytes (0: BW_JSON_DEFAULT_MAX_BYTES) */
	size_t max_depth;      /**< most nesting of arrays and objects, the top counts 1
	                            (0: BW_JSON_DEFAULT_MAX_DEPTH; at most BW_JSON_DEPTH_LIMIT) */
	bool allow_non_object; /**< accept any JSON value at the top, not only an object */
};

/**
 * bw_json_parse - parse one strict JSON document from p[0..len).
 *
 * lim may be NULL for the defaults (64 KiB, depth 32, object at the top).
 * Borrows p; on BW_OK *out is a new reference the caller releases with
 * json_decref. On failure *out is NULL and, when errs is not NULL, one error
 * for BW_JSON_FIELD_BODY is added with the code:
 *   "too_long"  over max_bytes                       -> BW_ERR_LIMIT (HTTP 413)
 *   "too_deep"  nesting deeper than max_depth        -> BW_ERR_INVALID
 *   "duplicate" a member name twice in one object    -> BW_ERR_INVALID
 *   "encoding"  ill-formed UTF-8, or NUL in a string -> BW_ERR_ENCODING
 *   "invalid"   bad syntax, trailing data, an integer beyond int64, a number
 *               beyond double, a non-object top     -> BW_ERR_INVALID
 * BW_ERR_NOMEM (no field error) when memory runs out.
 */
BW_MUST_CHECK enum bw_err bw_json_parse(const void *p, size_t len, const struct bw_json_limits *lim,
                                        json_t **out, struct bw_field_errors *errs);

/** What a declared member may hold. */
enum bw_json_type {
	BW_JSON_STRING = 1,   /**< a string whose bytes pass `rule` (any rule kind) */
	BW_JSON_INT,          /**< an integer (not 1.0) in [rule->min, rule->max] (BW_RULE_INT) */
	BW_JSON_BOOL,         /**< true or false */
	BW_JSON_STRING_ARRAY, /**< an array of at most max_items strings, each passing `rule` */
};

/** One declared member. name and rule must be static (errors point at name). */
struct bw_json_field {
	const char *name;
	enum bw_json_type type;
	bool required;
	const struct bw_rule *rule; /**< STRING, INT, STRING_ARRAY: required (not NULL) */
	size_t max_items;           /**< STRING_ARRAY: most elements */
};

/** A declared object: the only members a handler will ever see. */
struct bw_json_schema {
	const struct bw_json_field *fields;
	size_t count;
};

/**
 * bw_json_check - hold obj to schema.
 *
 * Borrows everything. Adds to errs (when not NULL), per declared field in
 * schema order: "required" (missing), "invalid" (wrong JSON type; null is a
 * wrong type), "too_long" (array over max_items), or the rule's code for a
 * value (for an array, the first failing element's); then one "unknown" under
 * BW_JSON_FIELD_UNKNOWN per undeclared member. Returns BW_OK when there was no
 * error, else BW_ERR_INVALID. obj not an object: BW_ERR_INVALID with
 * "invalid" for BW_JSON_FIELD_BODY. A malformed schema (NULL rule where one is
 * needed, INT field with a non-INT rule) is a programming error and aborts.
 */
BW_MUST_CHECK enum bw_err bw_json_check(const json_t *obj, const struct bw_json_schema *schema,
                                        struct bw_field_errors *errs);

/*
 * Typed getters. Each takes the schema and a declared field name; asking for
 * an undeclared name or a field of another type is a programming error and
 * aborts. They re-check the value against the field (type and rule), so they
 * are safe even without bw_json_check. Results:
 * BW_OK, BW_ERR_NOT_FOUND (absent; *out untouched), BW_ERR_INVALID (present
 * but wrong type or failing the rule; *out untouched).
 */

/** bw_json_get_str - a declared string; *out borrows obj's bytes (valid while obj lives). */
BW_MUST_CHECK enum bw_err bw_json_get_str(const json_t *obj, const struct bw_json_schema *schema,
                                          const char *name, struct bw_str *out);

/** bw_json_get_int - a declared integer, within its rule's range. */
BW_MUST_CHECK enum bw_err bw_json_get_int(const json_t *obj, const struct bw_json_schema *schema,
                                          const char *name, int64_t *out);

/** bw_json_get_bool - a declared boolean. */
BW_MUST_CHECK enum bw_err bw_json_get_bool(const json_t *obj, const struct bw_json_schema *schema,
                                           const char *name, bool *out);

/** bw_json_get_count - number of elements of a declared string array (checked whole). */
BW_MUST_CHECK enum bw_err bw_json_get_count(const json_t *obj, const struct bw_json_schema *schema,
                                            const char *name, size_t *out);

/**
 * bw_json_get_item - element i of a declared string array; *out borrows obj's
 * bytes. The whole array is checked; i past the end is BW_ERR_NOT_FOUND.
 */
BW_MUST_CHECK enum bw_err bw_json_get_item(const json_t *obj, const struct bw_json_schema *schema,
                                           const char *name, size_t i, struct bw_str *out);

/**
 * bw_json_dump - append json as compact JSON that is safe to embed in HTML.
 *
 * Output is ASCII only (every non-ASCII character as \uXXXX, so U+2028 and
 * U+2029 too), and '<', '>', '&' and DEL are written as \u003c, \u003e,
 * \u0026 and \u007f (jansson does not escape them), so "</script>" or "<!--"
 * never appears and the output holds no control byte.
 * Member order is kept. Borrows json; on failure nothing is appended to b:
 * BW_ERR_LIMIT past b's cap, BW_ERR_NOMEM, BW_ERR_INVALID when jansson cannot
 * encode the value (a NaN or infinite real).
 */
BW_MUST_CHECK enum bw_err bw_json_dump(const json_t *json, struct bw_buf *b);

#ifdef __cplusplus
}
#endif
#endif
