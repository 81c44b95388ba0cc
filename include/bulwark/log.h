/*
 * log.h — structured, sanitized logging: one JSON object per line.
 *
 * Every line is written whole with write(2) under a mutex, so lines from
 * different threads never interleave, and it never exceeds BW_LOG_LINE_MAX
 * bytes: an over-long value is cut at a character boundary and ends with
 * BW_LOG_TRUNCATED, and the line then carries "truncated":true. A line is
 *
 *   {"ts":"2025-01-31T12:00:00.123Z","level":"info","event":"http.request",
 *    "request_id":"…", <fields…>}
 *
 * Sanitizing is not optional. String values are JSON-escaped and, beyond
 * JSON's rules, control characters (C0, DEL, C1), line and paragraph
 * separators, bidirectional overrides and invisible format characters are
 * written as \uXXXX escapes, and invalid UTF-8 becomes \ufffd, so no value can
 * start a second line, forge a field, or paint a terminal. Redaction is by
 * type and by name: a BW_LOG_SECRET field carries no value at all, and any
 * field whose key is or contains one of the sensitive words (authorization,
 * cookie, password, token, session, …; see bw_log_key_sensitive) prints
 * "[redacted]" whatever its type.
 *
 * Keys must be 1..BW_LOG_KEY_MAX bytes of [a-z0-9_.], not a reserved key (ts,
 * level, event, request_id, truncated, dropped_fields, suppressed) and not a
 * repeat of an earlier key of the same line; any other field is dropped, the
 * line says how many with "dropped_fields":N, and a counter goes up.
 *
 * Logging never fails to the caller (there is nothing useful a caller could
 * do about a failed log write): bw_log_event and friends return nothing, and
 * every loss is counted in struct bw_log_stats, which /metrics exports.
 *
 * Writing to a pipe whose reader went away raises SIGPIPE: a server ignores
 * SIGPIPE at start-up.
 */
#ifndef BULWARK_LOG_H
#define BULWARK_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/err.h"
#include "bulwark/str.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest line in bytes, the final '\n' included. */
#define BW_LOG_LINE_MAX 8192
/** Most escaped bytes one string value may take inside a line. */
#define BW_LOG_VALUE_MAX 2048
/** Most escaped bytes of the request id. */
#define BW_LOG_REQUEST_ID_MAX 256
/** Longest key and longest event name, in bytes. */
#define BW_LOG_KEY_MAX 64
/** Most fields one line carries; further ones are dropped and counted. */
#define BW_LOG_FIELDS_MAX 64
/** Most distinct event names bw_log_event_limited tracks at once. */
#define BW_LOG_LIMIT_SLOTS 64
/** Pass as fd to bw_log_new to log to standard error. */
#define BW_LOG_STDERR (-1)
/** What a redacted value prints as (a JSON string). */
#define BW_LOG_REDACTED "[redacted]"
/** The marker that ends a value cut to fit. */
#define BW_LOG_TRUNCATED "[truncated]"

enum bw_log_level {
	BW_LOG_DEBUG = 0,
	BW_LOG_INFO,
	BW_LOG_WARN,
	BW_LOG_ERROR,
};

/** How a field's value is to be read and printed. */
enum bw_log_kind {
	BW_LOG_STR,    /**< v.s, a byte string (any bytes; escaped on output) */
	BW_LOG_INT,    /**< v.i, a signed 64-bit number */
	BW_LOG_UINT,   /**< v.u, an unsigned 64-bit number; past INT64_MAX a decimal string */
	BW_LOG_BOOL,   /**< v.b */
	BW_LOG_SECRET, /**< no value: the field only says the thing was there */
};

/**
 * One field of a line. Build it with the BW_LOG_F_* macros, which make the
 * type explicit; key and string bytes are borrowed for the call only.
 */
struct bw_log_field {
	const char *key;
	enum bw_log_kind kind;
	union {
		struct bw_str s;
		int64_t i;
		uint64_t u;
		bool b;
	} v;
};

#define BW_LOG_F_STR(k, str)   ((struct bw_log_field){.key = (k), .kind = BW_LOG_STR, .v.s = (str)})
#define BW_LOG_F_CSTR(k, cstr) BW_LOG_F_STR(k, bw_str_c(cstr))
#define BW_LOG_F_INT(k, n) \
	((struct bw_log_field){.key = (k), .kind = BW_LOG_INT, .v.i = (int64_t)(n)})
#define BW_LOG_F_UINT(k, n) \
	((struct bw_log_field){.key = (k), .kind = BW_LOG_UINT, .v.u = (uint64_t)(n)})
#define BW_LOG_F_BOOL(k, x) ((struct bw_log_field){.key = (k), .kind = BW_LOG_BOOL, .v.b = (x)})
#define BW_LOG_F_SECRET(k)  ((struct bw_log_field){.key = (k), .kind = BW_LOG_SECRET})

/** One HTTP header for bw_log_headers; both parts borrowed, any bytes. */
struct bw_log_header {
	struct bw_str name;
	struct bw_str value;
};

/** Counters since bw_log_new; each read is a snapshot. */
struct bw_log_stats {
	uint64_t lines;         /**< lines written whole */
	uint64_t lines_dropped; /**< lines lost: write error, invalid event or level */
	uint64_t
	        lines_truncated; /**< lines written with a value cut or a field left out for room */
	uint64_t lines_limited;  /**< lines suppressed by bw_log_event_limited */
	uint64_t fields_dropped; /**< fields left out: bad, reserved or repeated key, no room */
};

struct bw_log;

/**
 * bw_log_new - a logger writing to fd (BW_LOG_STDERR for standard error) that
 * keeps lines at or above level. The fd is borrowed: it must stay open until
 * bw_log_free, which does not close it. Caller frees with bw_log_free.
 * BW_ERR_INVALID for a negative fd other than BW_LOG_STDERR or a level out of
 * range, BW_ERR_NOMEM, BW_ERR_INTERNAL if the mutex cannot be made.
 */
BW_MUST_CHECK enum bw_err bw_log_new(int fd, enum bw_log_level level, struct bw_log **out);

/** bw_log_free - release the logger (the fd stays open); NULL is a no-op. */
void bw_log_free(struct bw_log *log);

/** bw_log_set_level - change the threshold; safe while other threads log. */
void bw_log_set_level(struct bw_log *log, enum bw_log_level level);

/** bw_log_enabled - whether a line at level would be written (skip costly preparation). */
bool bw_log_enabled(const struct bw_log *log, enum bw_log_level level);

/**
 * bw_log_event - write one line: ts, level, event, request_id (omitted when
 * NULL; any bytes, escaped, capped at BW_LOG_REQUEST_ID_MAX) and fields[0..n)
 * in order. event must be a static identifier of 1..BW_LOG_KEY_MAX bytes of
 * [a-z0-9_.]; any other event, or a level out of range, drops the line and
 * counts it. fields may be NULL when n is 0; everything is borrowed for the
 * call only. Thread-safe; never fails to the caller (see bw_log_stats).
 */
void bw_log_event(struct bw_log *log, enum bw_log_level level, const char *request_id,
                  const char *event, const struct bw_log_field *fields, size_t n);

/**
 * bw_log_event_limited - like bw_log_event, but at most per_sec lines per
 * event name in each one-second window; the others are counted in
 * lines_limited, and the next line of that event written carries
 * "suppressed":N, how many were left out before it. For events an attacker
 * can trigger at will (error replies, refused requests). per_sec 0 suppresses
 * every line. At most BW_LOG_LIMIT_SLOTS event names are tracked; beyond
 * that the stalest is forgotten.
 */
void bw_log_event_limited(struct bw_log *log, unsigned per_sec, enum bw_log_level level,
                          const char *request_id, const char *event,
                          const struct bw_log_field *fields, size_t n);

/**
 * bw_log_headers - log an HTTP header list as one line, each header a field
 * "header.<name>" with the name lower-cased and '-' turned into '_'; a name
 * that then holds a byte outside [a-z0-9_.] or repeats an earlier one is
 * dropped and counted. Values go through the same redaction by name as any
 * field: Authorization, Proxy-Authorization, Cookie and Set-Cookie (their
 * keys hold "authorization" or "cookie") print "[redacted]", and so do
 * X-Api-Key, X-CSRF-Token and any other name holding a sensitive word.
 * Borrows hdrs for the call; at most BW_LOG_FIELDS_MAX headers are logged,
 * the rest are counted as dropped.
 */
void bw_log_headers(struct bw_log *log, enum bw_log_level level, const char *request_id,
                    const char *event, const struct bw_log_header *hdrs, size_t n);

/** bw_log_stats - snapshot of the counters into *out. */
void bw_log_stats(const struct bw_log *log, struct bw_log_stats *out);

/**
 * bw_log_key_sensitive - whether a key (ASCII case-insensitive) is or
 * contains authorization, cookie, set-cookie, password, passwd, secret,
 * token, api_key, apikey, session, csrf or private_key, so that its value
 * is never printed.
 */
bool bw_log_key_sensitive(struct bw_str key);

/** bw_log_level_str - "debug", "info", "warn", "error"; "unknown" out of range. */
const char *bw_log_level_str(enum bw_log_level level);

/**
 * bw_log_level_parse - the level named exactly (lower case) by s, as in a
 * config file. BW_ERR_INVALID for anything else; *out is written only on BW_OK.
 */
BW_MUST_CHECK enum bw_err bw_log_level_parse(struct bw_str s, enum bw_log_level *out);

/**
 * BW_LOG - bw_log_event with the fields written inline, counted for you:
 *   BW_LOG(log, BW_LOG_INFO, rid, "http.request", BW_LOG_F_STR("path", path),
 *          BW_LOG_F_INT("status", 200));
 * At least one field; for none call bw_log_event(…, NULL, 0).
 */
#define BW_LOG(log, level, request_id, event, ...)                                                 \
	bw_log_event(                                                                              \
	        (log), (level), (request_id), (event), (const struct bw_log_field[]){__VA_ARGS__}, \
	        sizeof((const struct bw_log_field[]){__VA_ARGS__}) / sizeof(struct bw_log_field))

/** BW_LOG_LIMITED - bw_log_event_limited with inline fields, as BW_LOG. */
#define BW_LOG_LIMITED(log, per_sec, level, request_id, event, ...)               \
	bw_log_event_limited((log), (per_sec), (level), (request_id), (event),    \
	                     (const struct bw_log_field[]){__VA_ARGS__},          \
	                     sizeof((const struct bw_log_field[]){__VA_ARGS__}) / \
	                             sizeof(struct bw_log_field))

#ifdef __cplusplus
}
#endif
#endif
