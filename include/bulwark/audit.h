/*
 * audit.h — a tamper-evident audit log: keyed hash chain, signed checkpoints,
 * verification, JSON-lines export.
 *
 * This module computes and verifies; it stores nothing. A writer (struct
 * bw_audit_chain) numbers each security event, chains it to the previous one
 * and hands the finished record to the caller's storage through a struct
 * bw_audit_sink; a verifier takes arrays of records and checkpoints, from
 * wherever they were kept, and names the first thing that is wrong.
 *
 * Records. A record is seq (1, 2, …), time (Unix ms, written as RFC 3339 UTC
 * "YYYY-MM-DDTHH:MM:SS.mmmZ"), actor (a user id, "anonymous" or "system"),
 * client ip (canonical text, or empty for none), request id (may be empty),
 * event (a static identifier such as "auth.login"), outcome and up to
 * BW_AUDIT_DETAILS_MAX typed details. A detail key that bw_log_key_sensitive
 * flags (password, token, session, …) is refused: no secret enters the log.
 *
 * Canonical form (what the MAC covers; never parsed, so no ambiguity can
 * hide in it): the 8 bytes "bwaudit1", seq as u64 big-endian, time as i64
 * big-endian, actor, ip, request id and event each as a u32 big-endian
 * length and the bytes, outcome as one byte, the detail count as one byte,
 * then per detail its key (u32 length and bytes), a kind byte and the value
 * (a string as u32 length and bytes, an integer as i64 big-endian, a boolean
 * as one byte 0 or 1). Details are in strictly ascending byte order of key,
 * so one event has one form, and every field carries its own length, so two
 * different records never serialize the same.
 *
 * Chain. mac_i = BLAKE2b-256 keyed with the MAC key over mac_{i-1} || seq_i
 * (u64 big-endian) || canonical(record_i); mac_0 is BLAKE2b-256 keyed with
 * the MAC key over "bwaudit genesis v1" || key id, so each key starts its
 * own chain. Editing, inserting, deleting or moving a record breaks the
 * chain at that record; only the end can be cut cleanly, and checkpoints
 * catch that.
 *
 * Checkpoints. Every `every` records (seq divisible by it) and on demand the
 * writer signs (seq, time, mac_seq, key id) with Ed25519, stores the
 * checkpoint through the sink and exports it (the server writes it to syslog
 * as an RFC 5424 line, bw_audit_checkpoint_syslog). Records cut after the
 * last stored checkpoint still show against the exported copies.
 *
 * Keys. One audit key holds the MAC key and the Ed25519 key pair, both
 * derived from the BW_KEY_AUDIT purpose key (keys.h) with crypto_kdf
 * (context "bwaudit1", subkeys 1 and 2) and crypto_sign_seed_keypair, so the
 * master key and the version are all there is to keep. The key id is
 * bw_keys_id of the purpose key. A chain is verified from seq 1 under one key;
 * a new key version starts a new chain.
 *
 * Export. One JSON object per line, each ending in '\n': all records first,
 * then the checkpoints:
 *   {"type":"record","seq":1,"time":"…","actor":"…","ip":"…","request_id":"…",
 *    "event":"auth.login","outcome":"success","details":{…},"mac":"<64 hex>"}
 *   {"type":"checkpoint","seq":100,"time":"…","mac":"<64 hex>",
 *    "key_id":"<16 hex>","sig":"<128 hex>"}
 * Members in exactly this order, no spaces, lowercase hex, details in key
 * order. The parser accepts a line only when writing its content again gives
 * the very same bytes, so each export has one spelling.
 *
 * bw_init() must have succeeded before any of these is called.
 */
#ifndef BULWARK_AUDIT_H
#define BULWARK_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/buf.h"
#include "bulwark/err.h"
#include "bulwark/keys.h"
#include "bulwark/secret.h"
#include "bulwark/str.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BW_AUDIT_MAC_BYTES        32
#define BW_AUDIT_SIG_BYTES        64
#define BW_AUDIT_PUBLIC_KEY_BYTES 32
/** Largest seq and largest |integer detail|: 2^53 - 1, exact in any JSON reader. */
#define BW_AUDIT_SEQ_MAX ((UINT64_C(1) << 53) - 1)
#define BW_AUDIT_INT_MAX ((INT64_C(1) << 53) - 1)
/** Field caps in bytes. */
#define BW_AUDIT_ACTOR_MAX      128 /**< 1..128 of [A-Za-z0-9._:@-] */
#define BW_AUDIT_REQUEST_ID_MAX 64  /**< 0..64 of [A-Za-z0-9._-] */
#define BW_AUDIT_EVENT_MAX      64  /**< 1..64 of [a-z0-9_.] */
#define BW_AUDIT_KEY_MAX        32  /**< detail keys: 1..32 of [a-z0-9_] */
#define BW_AUDIT_STR_MAX        256 /**< detail strings: UTF-8, no control characters */
#define BW_AUDIT_DETAILS_MAX    8
/** Longest export line, '\n' included. */
#define BW_AUDIT_LINE_MAX 8192
/** The SD-ID and MSGID of checkpoint syslog lines (32473: RFC 5612's example number). */
#define BW_AUDIT_SD_ID "bwaudit@32473"
#define BW_AUDIT_MSGID "audit.checkpoint"
/** A checkpoint every this many records unless asked otherwise. */
#define BW_AUDIT_EVERY_DEFAULT 100

enum bw_audit_outcome {
	BW_AUDIT_SUCCESS = 1, /**< "success" */
	BW_AUDIT_FAILURE = 2, /**< "failure" */
	BW_AUDIT_DENIED = 3,  /**< "denied" */
	BW_AUDIT_LOCKED = 4,  /**< "locked" */
};

enum bw_audit_kind {
	BW_AUDIT_STR = 1,  /**< v.s */
	BW_AUDIT_INT = 2,  /**< v.i, |v.i| <= BW_AUDIT_INT_MAX */
	BW_AUDIT_BOOL = 3, /**< v.b */
};

/** One typed detail; key and string bytes are borrowed. */
struct bw_audit_detail {
	struct bw_str key;
	enum bw_audit_kind kind;
	union {
		struct bw_str s;
		int64_t i;
		bool b;
	} v;
};

#define BW_AUDIT_D_STR(k, str) \
	((struct bw_audit_detail){.key = BW_STR(k), .kind = BW_AUDIT_STR, .v.s = (str)})
#define BW_AUDIT_D_INT(k, n) \
	((struct bw_audit_detail){.key = BW_STR(k), .kind = BW_AUDIT_INT, .v.i = (int64_t)(n)})
#define BW_AUDIT_D_BOOL(k, x) \
	((struct bw_audit_detail){.key = BW_STR(k), .kind = BW_AUDIT_BOOL, .v.b = (x)})

/** An event to record. Every pointer is borrowed. */
struct bw_audit_event {
	int64_t time_ms;     /**< Unix ms UTC, 0..BW_SYSLOG_TIME_MAX (syslog.h) */
	struct bw_str actor; /**< user id, "anonymous" or "system" */
	struct bw_str ip;    /**< canonical address text (bw_netaddr_format) or empty */
	struct bw_str request_id;
	struct bw_str event;
	enum bw_audit_outcome outcome;
	const struct bw_audit_detail *details; /**< may be NULL when ndetails is 0 */
	size_t ndetails;
};

/** A chained record; what storage keeps. Pointers borrowed from whoever filled it. */
struct bw_audit_record {
	uint64_t seq;
	struct bw_audit_event ev;
	uint8_t mac[BW_AUDIT_MAC_BYTES];
};

/** A signed checkpoint: the chain had reached mac at seq. A plain value. */
struct bw_audit_checkpoint {
	uint64_t seq;
	int64_t time_ms;
	uint8_t mac[BW_AUDIT_MAC_BYTES];
	char key_id[BW_KEY_ID_SIZE];
	uint8_t sig[BW_AUDIT_SIG_BYTES];
};

/* ---- keys ---- */

struct bw_audit_key;

/**
 * bw_audit_key_new - the audit key of version `version` under master (see
 * Keys above). master is borrowed; the caller frees *out with
 * bw_audit_key_free. Errors: those of bw_keys_derive, BW_ERR_CRYPTO.
 */
BW_MUST_CHECK enum bw_err bw_audit_key_new(const struct bw_secret *master, uint32_t version,
                                           struct bw_audit_key **out);

/** bw_audit_key_free - wipe and release; NULL is a no-op. */
void bw_audit_key_free(struct bw_audit_key *key);

/** bw_audit_key_id - the key id (16 lowercase hex), owned by key. */
const char *bw_audit_key_id(const struct bw_audit_key *key);

/** bw_audit_key_public - the Ed25519 public key that checks checkpoints, into out. */
void bw_audit_key_public(const struct bw_audit_key *key, uint8_t out[BW_AUDIT_PUBLIC_KEY_BYTES]);

/* ---- records ---- */

/**
 * bw_audit_event_check - whether ev obeys every rule of a record (fields,
 * caps, detail keys in strictly ascending order). BW_ERR_RANGE for a time
 * out of range; BW_ERR_DENIED for a sensitive detail key; BW_ERR_LIMIT for
 * more than BW_AUDIT_DETAILS_MAX details; BW_ERR_ENCODING for a detail
 * string that is not clean UTF-8; BW_ERR_INVALID for anything else.
 */
BW_MUST_CHECK enum bw_err bw_audit_event_check(const struct bw_audit_event *ev);

/**
 * bw_audit_record_canonical - append the canonical form of rec (seq and
 * event; not the mac) to out. Errors: those of bw_audit_event_check,
 * BW_ERR_RANGE for seq 0 or past BW_AUDIT_SEQ_MAX, BW_ERR_LIMIT past out's
 * cap (nothing appended on any error).
 */
BW_MUST_CHECK enum bw_err bw_audit_record_canonical(const struct bw_audit_record *rec,
                                                    struct bw_buf *out);

/* ---- the writer ---- */

/**
 * Where a chain puts what it makes. Called with the chain's lock held, in
 * seq order; the pointers are valid for the call only (copy what you keep).
 * store_record must store the record durably (or fail: the chain then does
 * not advance, and the same seq is used again). store_checkpoint stores a
 * checkpoint with the records. export_checkpoint (may be NULL) sends it
 * out of reach of the database, e.g. to syslog via bw_audit_checkpoint_syslog.
 */
struct bw_audit_sink {
	void *ctx;
	enum bw_err (*store_record)(void *ctx, const struct bw_audit_record *rec);
	enum bw_err (*store_checkpoint)(void *ctx, const struct bw_audit_checkpoint *cp);
	void (*export_checkpoint)(void *ctx, const struct bw_audit_checkpoint *cp);
};

struct bw_audit_chain;

/**
 * bw_audit_chain_new - a writer appending after (last_seq, last_mac): 0 and
 * NULL for a new log, else the last stored record's seq and mac (verify the
 * stored log first). A checkpoint is made after every record whose seq is a
 * multiple of every (1..1000000). key is borrowed and must outlive the
 * chain; *sink is copied (its ctx must outlive the chain, and store_record
 * and store_checkpoint must be set). The caller frees *out with
 * bw_audit_chain_free.
 * BW_ERR_INVALID for a NULL last_mac with last_seq > 0 or a non-NULL one
 * with 0; BW_ERR_RANGE for every or last_seq out of range; BW_ERR_NOMEM.
 */
BW_MUST_CHECK enum bw_err bw_audit_chain_new(const struct bw_audit_key *key,
                                             const struct bw_audit_sink *sink, unsigned every,
                                             uint64_t last_seq,
                                             const uint8_t last_mac[BW_AUDIT_MAC_BYTES],
                                             struct bw_audit_chain **out);

/** bw_audit_chain_free - release the writer (nothing is flushed); NULL is a no-op. */
void bw_audit_chain_free(struct bw_audit_chain *chain);

/**
 * bw_audit_append - record ev (borrowed) as the next record; thread-safe.
 * The details may come in any order (they are sorted; a repeated key is
 * BW_ERR_INVALID). On BW_OK the record was stored and *seq (may be NULL)
 * is its number. A due checkpoint is made after it; if storing that fails
 * the record stays stored, BW_OK is still returned and the checkpoint is
 * tried again after the next record (see bw_audit_chain_stats).
 * Errors: those of bw_audit_event_check; BW_ERR_LIMIT when seq would pass
 * BW_AUDIT_SEQ_MAX; whatever store_record returned. On any error nothing
 * was stored and the chain is unchanged.
 */
BW_MUST_CHECK enum bw_err bw_audit_append(struct bw_audit_chain *chain,
                                          const struct bw_audit_event *ev, uint64_t *seq);

/**
 * bw_audit_checkpoint_now - sign, store and export a checkpoint of the last
 * record at time_ms (e.g. at shutdown); *out (may be NULL) gets a copy.
 * BW_ERR_STATE when there is no record yet; BW_ERR_RANGE for a bad time;
 * whatever store_checkpoint returned.
 */
BW_MUST_CHECK enum bw_err bw_audit_checkpoint_now(struct bw_audit_chain *chain, int64_t time_ms,
                                                  struct bw_audit_checkpoint *out);

/** Counters of a chain. */
struct bw_audit_chain_stats {
	uint64_t last_seq;
	uint64_t checkpoints;       /**< checkpoints stored */
	uint64_t checkpoint_errors; /**< failed attempts to store one */
	bool checkpoint_due;        /**< one is owed and will be tried again */
};

/** bw_audit_chain_stats - a snapshot of the counters. */
void bw_audit_chain_stats(struct bw_audit_chain *chain, struct bw_audit_chain_stats *out);

/* ---- checkpoints ---- */

/**
 * bw_audit_checkpoint_verify - whether cp's signature verifies under the
 * Ed25519 public key pk. BW_OK or BW_ERR_VERIFY (no reason given).
 */
BW_MUST_CHECK enum bw_err bw_audit_checkpoint_verify(const uint8_t pk[BW_AUDIT_PUBLIC_KEY_BYTES],
                                                     const struct bw_audit_checkpoint *cp);

/**
 * bw_audit_checkpoint_syslog - append cp as an RFC 5424 line (no newline):
 * facility authpriv, severity notice, MSGID BW_AUDIT_MSGID and one SD
 * element BW_AUDIT_SD_ID with seq, time, mac, key_id and sig. hostname,
 * app_name and procid are as in struct bw_syslog_msg (empty for "-").
 * Errors: those of bw_syslog_format; nothing appended on error.
 */
BW_MUST_CHECK enum bw_err bw_audit_checkpoint_syslog(const struct bw_audit_checkpoint *cp,
                                                     struct bw_str hostname, struct bw_str app_name,
                                                     struct bw_str procid, struct bw_buf *out);

/**
 * bw_audit_checkpoint_from_syslog - read a checkpoint back from a line as
 * bw_audit_checkpoint_syslog writes it (p[0..len), borrowed, no newline).
 * Other SD elements a relay added are ignored; the BW_AUDIT_SD_ID element
 * must hold exactly the five params once each, in their canonical spelling.
 * The signature is not checked here. BW_ERR_NOT_FOUND for a valid syslog
 * line without that element; the errors of bw_syslog_parse; BW_ERR_INVALID
 * otherwise. *out is written only on BW_OK.
 */
BW_MUST_CHECK enum bw_err bw_audit_checkpoint_from_syslog(const char *p, size_t len,
                                                          struct bw_audit_checkpoint *out);

/* ---- verification ---- */

/** What verification found. */
enum bw_audit_verdict {
	BW_AUDIT_INTACT = 0, /**< every check passed */
	BW_AUDIT_MALFORMED,  /**< a record or checkpoint breaks the format rules */
	BW_AUDIT_EDITED,     /**< a record's MAC does not verify */
	BW_AUDIT_DELETED,    /**< a seq is missing (report.seq is the first one) */
	BW_AUDIT_INSERTED,   /**< a seq seen before, or a foreign record before the real one */
	BW_AUDIT_REORDERED,  /**< a record comes before the one whose seq is missing */
	BW_AUDIT_TRUNCATED,  /**< a valid checkpoint names a seq past the last record */
	BW_AUDIT_FORGED_CHECKPOINT,   /**< a checkpoint's signature does not verify */
	BW_AUDIT_WRONG_KEY,           /**< a checkpoint was made under another key id */
	BW_AUDIT_CHECKPOINT_MISMATCH, /**< a valid checkpoint disagrees with a valid chain */
};

/** Which input a report points into. */
enum bw_audit_where {
	BW_AUDIT_IN_RECORDS = 0,
	BW_AUDIT_IN_STORED = 1,   /**< the stored checkpoints */
	BW_AUDIT_IN_EXPORTED = 2, /**< the exported checkpoints */
};

/** The result of a verification. */
struct bw_audit_report {
	enum bw_audit_verdict verdict;
	enum bw_audit_where where; /**< the array index points into */
	size_t index;              /**< the first bad element (records: n for a truncation) */
	uint64_t seq;              /**< the seq concerned */
	uint64_t verified;         /**< records verified before the first problem */
	uint64_t checkpointed;     /**< highest seq a checkpoint vouches for (0: none) */
};

/**
 * bw_audit_verify - check records[0..n) (in storage order), the stored
 * checkpoints and the exported ones (either list may be NULL when its count
 * is 0) under key, and fill *report. All borrowed.
 *
 * Order of checks: every checkpoint's key id (BW_AUDIT_WRONG_KEY) and
 * signature (BW_AUDIT_FORGED_CHECKPOINT); then the records from the first:
 * format, seq order, MAC, and agreement with any checkpoint of the same seq;
 * then whether a checkpoint names a seq past the last record
 * (BW_AUDIT_TRUNCATED). The first problem is reported and ends the check.
 * Returns BW_OK with BW_AUDIT_INTACT, BW_ERR_VERIFY with the verdict, or
 * BW_ERR_NOMEM (report then says nothing).
 */
BW_MUST_CHECK enum bw_err bw_audit_verify(const struct bw_audit_key *key,
                                          const struct bw_audit_record *records, size_t n,
                                          const struct bw_audit_checkpoint *stored, size_t nstored,
                                          const struct bw_audit_checkpoint *exported,
                                          size_t nexported, struct bw_audit_report *report);

/** bw_audit_verdict_str - "intact", "malformed", "edited", "deleted", …; "unknown" out of range. */
const char *bw_audit_verdict_str(enum bw_audit_verdict v);

/* ---- export ---- */

/** bw_audit_export_record - append rec's export line ('\n' included). Errors as canonical. */
BW_MUST_CHECK enum bw_err bw_audit_export_record(const struct bw_audit_record *rec,
                                                 struct bw_buf *out);

/** bw_audit_export_checkpoint - append cp's export line. BW_ERR_RANGE for a bad seq or time. */
BW_MUST_CHECK enum bw_err bw_audit_export_checkpoint(const struct bw_audit_checkpoint *cp,
                                                     struct bw_buf *out);

struct bw_audit_export;

/**
 * bw_audit_export_parse - read an export p[0..len) (borrowed; its records
 * are copied) into a new struct the caller frees with bw_audit_export_free.
 * At most max_records records and as many checkpoints. Nothing is verified
 * here but the format (bw_audit_verify does the rest). On an error *out is
 * NULL and *bad_line (may be NULL) is the 1-based line at fault.
 * Errors: BW_ERR_LIMIT for a line over BW_AUDIT_LINE_MAX or too many
 * records; BW_ERR_INVALID for anything not exactly as written by
 * bw_audit_export_record / _checkpoint (a last line without '\n', a record
 * after a checkpoint, a non-canonical spelling, a rule of
 * bw_audit_event_check broken); BW_ERR_NOMEM.
 */
BW_MUST_CHECK enum bw_err bw_audit_export_parse(const char *p, size_t len, size_t max_records,
                                                struct bw_audit_export **out, size_t *bad_line);

/** bw_audit_export_free - release a parsed export; NULL is a no-op. */
void bw_audit_export_free(struct bw_audit_export *e);

/** bw_audit_export_records - the records in file order (owned by e), count in *n. */
const struct bw_audit_record *bw_audit_export_records(const struct bw_audit_export *e, size_t *n);

/** bw_audit_export_checkpoints - the checkpoints in file order (owned by e), count in *n. */
const struct bw_audit_checkpoint *bw_audit_export_checkpoints(const struct bw_audit_export *e,
                                                              size_t *n);

#ifdef __cplusplus
}
#endif
#endif
