/*
 * syslog.h — RFC 5424 syslog messages: formatting, and a strict parser that
 * reads them back.
 *
 * A message is one line without framing (the transport adds octet counting
 * or a newline):
 *
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD-ID NAME="VALUE" …] MSG
 *
 * Formatting refuses what would make a line ambiguous instead of repairing
 * it: header fields are 1..N printable US-ASCII bytes (an empty field is
 * written as the NILVALUE "-", so a field may not be "-" itself), SD-NAMEs are
 * printable US-ASCII without '=', ' ', ']' or '"', and no control character
 * (C0, DEL, C1) may appear anywhere — PARAM-VALUE and MSG included — because a
 * newline in a value would start a forged line at the collector. In a
 * PARAM-VALUE the three characters '"', '\' and ']' are escaped with a
 * backslash, as §6.3.3 requires. A MSG holding non-ASCII UTF-8 is written
 * with the BOM §6.4 asks for; a pure-ASCII MSG without it.
 *
 * The parser is the formatter's inverse and is just as strict: a backslash
 * before any character other than '"', '\' or ']' is refused (RFC 5424 would
 * keep it as a literal backslash, but then two spellings would mean the same
 * value), as is an unescaped ']' in a value, a repeated SD-ID, a control
 * character, or non-ASCII MSG bytes without a BOM. The TIMESTAMP may carry 0
 * to 6 fraction digits and "Z" or an offset (what relays write); it is read
 * into Unix milliseconds (UTC), the fraction truncated.
 */
#ifndef BULWARK_SYSLOG_H
#define BULWARK_SYSLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/buf.h"
#include "bulwark/err.h"
#include "bulwark/str.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest line formatted or parsed, in bytes (the size RFC 5424 §6.1 says all receivers take). */
#define BW_SYSLOG_LINE_MAX 2048
/** Longest HOSTNAME, APP-NAME, PROCID, MSGID and SD-NAME (RFC 5424 §6). */
#define BW_SYSLOG_HOSTNAME_MAX 255
#define BW_SYSLOG_APP_NAME_MAX 48
#define BW_SYSLOG_PROCID_MAX   128
#define BW_SYSLOG_MSGID_MAX    32
#define BW_SYSLOG_SD_NAME_MAX  32
/** Most SD-ELEMENTs, and most SD-PARAMs over all elements, of one parsed message. */
#define BW_SYSLOG_SD_MAX     8
#define BW_SYSLOG_PARAMS_MAX 32
/** time_ms of a message without a timestamp (written as "-"). */
#define BW_SYSLOG_NO_TIME (-1)
/** Latest time a timestamp can hold: 9999-12-31T23:59:59.999Z, in Unix ms. */
#define BW_SYSLOG_TIME_MAX INT64_C(253402300799999)
/** Size of a buffer for bw_syslog_time_format: "YYYY-MM-DDTHH:MM:SS.mmmZ" and a NUL. */
#define BW_SYSLOG_TIME_SIZE 25

/* Facilities and severities used by bulwark (RFC 5424 Table 1 and 2). */
#define BW_SYSLOG_FAC_AUTHPRIV 10
#define BW_SYSLOG_SEV_NOTICE   5

/** One SD-PARAM: name (an SD-NAME) and value (UTF-8, unescaped); both borrowed. */
struct bw_syslog_param {
	struct bw_str name;
	struct bw_str value;
};

/** One SD-ELEMENT: its SD-ID and params[0..nparams); all borrowed. */
struct bw_syslog_sd {
	struct bw_str id;
	const struct bw_syslog_param *params;
	size_t nparams;
};

/**
 * A message. Every pointer is borrowed. An empty hostname, app_name, procid
 * or msgid is written as "-"; nsd 0 writes "-" for the structured data; an
 * empty msg writes no MSG part at all.
 */
struct bw_syslog_msg {
	unsigned facility; /**< 0..23 */
	unsigned severity; /**< 0..7 */
	int64_t time_ms;   /**< Unix ms UTC, 0..BW_SYSLOG_TIME_MAX, or BW_SYSLOG_NO_TIME */
	struct bw_str hostname;
	struct bw_str app_name;
	struct bw_str procid;
	struct bw_str msgid;
	const struct bw_syslog_sd *sd;
	size_t nsd;
	struct bw_str msg; /**< UTF-8 without control characters */
};

/**
 * What bw_syslog_parse fills in: msg describes the message; its header
 * fields borrow the parsed input, its SD-IDs and names borrow the input too,
 * and unescaped values live in text[] here. Valid while both the input and
 * this struct live, unmoved.
 */
struct bw_syslog_parsed {
	struct bw_syslog_msg msg;
	struct bw_syslog_sd sd[BW_SYSLOG_SD_MAX];
	struct bw_syslog_param params[BW_SYSLOG_PARAMS_MAX];
	char text[BW_SYSLOG_LINE_MAX];
};

/**
 * bw_syslog_format - append the message m as one RFC 5424 line (no newline)
 * to out. Borrows m.
 *
 * Errors, with nothing appended: BW_ERR_RANGE for a facility, severity or
 * time out of range; BW_ERR_INVALID for a header field, SD-ID or SD-NAME
 * that breaks the rules at the top of this header (an SD-ID may hold one
 * '@' followed by a dotted private enterprise number), or a repeated SD-ID;
 * BW_ERR_ENCODING for a value or MSG that is not UTF-8 or holds a control
 * character; BW_ERR_LIMIT for a line longer than BW_SYSLOG_LINE_MAX or past
 * out's cap; BW_ERR_NOMEM.
 */
BW_MUST_CHECK enum bw_err bw_syslog_format(const struct bw_syslog_msg *m, struct bw_buf *out);

/**
 * bw_syslog_parse - read one line p[0..len) (no trailing newline) into *out.
 * p is borrowed and must outlive the use of *out (see struct
 * bw_syslog_parsed). Anything bw_syslog_format refuses to write is refused
 * here too, so parse(format(m)) gives m back (its time truncated to ms).
 *
 * Errors: BW_ERR_LIMIT for more than BW_SYSLOG_LINE_MAX bytes, SD-ELEMENTs
 * or SD-PARAMs; BW_ERR_ENCODING for ill-formed UTF-8 or a control character;
 * BW_ERR_INVALID for any other departure from the grammar. On an error *out
 * holds nothing usable.
 */
BW_MUST_CHECK enum bw_err bw_syslog_parse(const char *p, size_t len, struct bw_syslog_parsed *out);

/**
 * bw_syslog_time_format - time_ms (0..BW_SYSLOG_TIME_MAX) as the RFC 3339
 * UTC text "YYYY-MM-DDTHH:MM:SS.mmmZ" into out, NUL-terminated. BW_ERR_RANGE
 * for a time out of range (out is then "").
 */
BW_MUST_CHECK enum bw_err bw_syslog_time_format(int64_t time_ms, char out[BW_SYSLOG_TIME_SIZE]);

/**
 * bw_syslog_time_parse - an RFC 5424 TIMESTAMP (RFC 3339 with 0..6 fraction
 * digits and "Z" or "+HH:MM"/"-HH:MM") as Unix ms UTC, the fraction
 * truncated to ms. BW_ERR_INVALID for anything else or a time outside
 * 0..BW_SYSLOG_TIME_MAX; *out is written only on BW_OK. s is borrowed.
 */
BW_MUST_CHECK enum bw_err bw_syslog_time_parse(struct bw_str s, int64_t *out);

#ifdef __cplusplus
}
#endif
#endif
