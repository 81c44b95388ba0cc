/*
 * validate.h — typed allowlist rules for input values.
 *
 * A rule says what a value may be (an integer in a range, a string of so
 * many code points from given character classes, an email, a UUID, one of an
 * enumeration, an ISO 8601 timestamp). Checking a value against a rule gives
 * BW_OK or a short, stable error code ("too_long", "invalid", …) for the
 * field-level errors of a problem document. Codes never echo the value.
 *
 * Routes declare their path and query parameters with these rules; the HTTP
 * core refuses a request whose parameters do not pass before a handler runs.
 */
#ifndef BULWARK_VALIDATE_H
#define BULWARK_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/err.h"
#include "bulwark/str.h"

#ifdef __cplusplus
extern "C" {
#endif

enum bw_rule_kind {
	BW_RULE_INT = 1,   /**< decimal integer in [min, max] (bw_parse_i64 syntax) */
	BW_RULE_STRING,    /**< UTF-8 text, [min, max] code points, chars from `classes` */
	BW_RULE_EMAIL,     /**< practical RFC 5321 subset, at most 254 bytes */
	BW_RULE_UUID,      /**< canonical 8-4-4-4-12 hex form, lower or upper case */
	BW_RULE_ENUM,      /**< exactly one of `choices` */
	BW_RULE_TIMESTAMP, /**< RFC 3339 / ISO 8601 date-time with Z or an offset */
	BW_RULE_BOOL,      /**< "true" or "false" */
	BW_RULE_TOKEN,     /**< base64url characters only, [min, max] bytes */
};

/* Character classes for BW_RULE_STRING (a bit set; 0 means any printable). */
#define BW_CC_ALPHA   0x01u /**< ASCII letters */
#define BW_CC_DIGIT   0x02u /**< ASCII digits */
#define BW_CC_SPACE   0x04u /**< the space character (never tabs or newlines) */
#define BW_CC_PUNCT   0x08u /**< printable ASCII punctuation */
#define BW_CC_DASH    0x10u /**< '-' and '_' */
#define BW_CC_DOT     0x20u /**< '.' */
#define BW_CC_UNICODE 0x40u /**< non-ASCII letters, marks, numbers, punctuation, symbols */
#define BW_CC_NEWLINE 0x80u /**< '\n' (and "\r\n") for multi-line text */

/** A rule. Build with the BW_RULE_* macros below or a designated initializer. */
struct bw_rule {
	enum bw_rule_kind kind;
	int64_t min;                /**< INT: least value; STRING/TOKEN: least length */
	int64_t max;                /**< INT: greatest value; STRING/TOKEN: greatest length */
	unsigned classes;           /**< STRING: BW_CC_* allowed beyond none */
	const char *const *choices; /**< ENUM: NULL-terminated list */
};

#define BW_RULE_INT_RANGE(lo, hi)                             \
	{                                                     \
		.kind = BW_RULE_INT, .min = (lo), .max = (hi) \
	}
#define BW_RULE_TEXT(lo, hi, cc)                                                  \
	{                                                                         \
		.kind = BW_RULE_STRING, .min = (lo), .max = (hi), .classes = (cc) \
	}

/** Most field errors one problem document carries. */
#define BW_FIELD_ERRORS_MAX 16

/** One field-level error: both strings are static or arena-owned, never input. */
struct bw_field_error {
	const char *field; /**< the declared parameter or JSON member name */
	const char *code;  /**< "required", "invalid", "too_short", "too_long", "out_of_range",
	                        "not_allowed", "unknown", "encoding", "duplicate" */
};

/** The field errors of one request. */
struct bw_field_errors {
	struct bw_field_error items[BW_FIELD_ERRORS_MAX];
	size_t count;
	bool truncated; /**< more errors happened than fit */
};

/**
 * bw_validate - check value against rule.
 * Returns BW_OK, or BW_ERR_INVALID with *code set to a static error code.
 */
BW_MUST_CHECK enum bw_err bw_validate(const struct bw_rule *rule, struct bw_str value,
                                      const char **code);

/** bw_field_errors_add - record an error (field and code must outlive the list). */
void bw_field_errors_add(struct bw_field_errors *errs, const char *field, const char *code);

/*
 * Error codes bw_validate gives, by rule kind (the checks run in this order):
 *   INT        "invalid" (not bw_parse_i64 syntax), "out_of_range"
 *   STRING     "encoding" (ill-formed UTF-8), "too_short" / "too_long" (code
 *              points, counted as given, no normalisation), "not_allowed" (a
 *              character outside `classes`; controls, format characters such as
 *              bidi overrides and zero-width characters, unassigned, private-use
 *              and noncharacters are in no class)
 *   EMAIL      "too_long" (over 254 bytes), "encoding", "invalid"
 *   UUID, TIMESTAMP, BOOL   "invalid"
 *   ENUM       "not_allowed"
 *   TOKEN      "too_short" / "too_long" (bytes), "invalid" (a byte outside
 *              A-Z a-z 0-9 - _)
 * Class details for STRING: BW_CC_PUNCT is every printable ASCII punctuation
 * character (including '-', '_' and '.'); classes == 0 means ALPHA | DIGIT |
 * SPACE | PUNCT | UNICODE (printable text on one line). BW_CC_NEWLINE allows
 * "\n" and "\r\n", never a lone "\r".
 * A malformed rule (NULL, min > max, negative lengths, no choices, unknown
 * kind) is a programming error and aborts.
 */

/** Longest RFC 3339 timestamp accepted: nanosecond fraction and an offset. */
#define BW_TIMESTAMP_MAX_LEN 35

/**
 * bw_parse_timestamp - parse an RFC 3339 date-time into Unix seconds.
 *
 * Accepts exactly "YYYY-MM-DDTHH:MM:SS" followed by an optional fraction of
 * 1 to 9 digits and "Z" or "+HH:MM" / "-HH:MM" (upper-case T and Z only).
 * Calendar checks are real: month lengths, leap years (Gregorian, proleptic
 * back to year 0000), hours 00-23 (no 24:00:00), no leap second 60, offsets
 * up to 23:59. The fraction is checked and dropped; the offset is applied, so
 * *unix_seconds is UTC. Borrows s. Returns BW_OK, or BW_ERR_INVALID and leaves
 * *unix_seconds untouched.
 */
BW_MUST_CHECK enum bw_err bw_parse_timestamp(struct bw_str s, int64_t *unix_seconds);

#ifdef __cplusplus
}
#endif
#endif
