/*
 * audit_store.h — reading the stored audit log back (audit_store.c), for the
 * server's start-up check, `bulwark audit verify|export` and the admin API.
 */
#ifndef BULWARK_AUDIT_STORE_H
#define BULWARK_AUDIT_STORE_H

#include "bulwark/audit.h"
#include "bulwark/db.h"

/**
 * bw_audit_store_load - every stored record (in seq order) and checkpoint,
 * parsed as one export. *out is freed by the caller with
 * bw_audit_export_free; on a format error *bad_line is the 1-based line
 * (records first, then checkpoints).
 */
BW_MUST_CHECK enum bw_err bw_audit_store_load(struct bw_db *db, struct bw_audit_export **out,
                                              size_t *bad_line);

/**
 * bw_audit_store_verify - load and verify the stored log against its stored
 * checkpoints and the exported ones (may be NULL/0). BW_OK when intact;
 * BW_ERR_VERIFY with *report filled (verdict MALFORMED with *bad_line when a
 * stored line does not even parse); other errors when it cannot be read.
 */
BW_MUST_CHECK enum bw_err bw_audit_store_verify(const struct bw_audit_key *key, struct bw_db *db,
                                                const struct bw_audit_checkpoint *exported,
                                                size_t nexported, struct bw_audit_report *report,
                                                size_t *bad_line);

#endif
