/*
 * fuzz_audit.c — the audit export parser and verifier, the RFC 5424 parser
 * and the checkpoint syslog reader, on arbitrary bytes.
 *
 * Properties:
 *   export   an accepted export writes back to exactly its input bytes (one
 *            spelling per log); verify never reports intact for anything
 *            else; and no one-byte change of an intact export is intact.
 *   syslog   an accepted line formats again, that text parses to the same
 *            message, and formatting is then a fixed point.
 *   cp       a checkpoint read from a syslog line writes and reads back to
 *            the same checkpoint.
 *
 * Input: byte 0 picks the mode (bits 0-1: 0 export, 1 export whose
 * checkpoints also count as exported copies, 2 syslog, 3 checkpoint line);
 * the rest is the text. The key is fixed (master 00 01 … 1f, version 1), so
 * seeds made with it reach the verifier's deep paths.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/audit.h"
#include "bulwark/random.h"
#include "bulwark/syslog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 1000

static struct bw_audit_key *key;

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_audit: %s\n", what);
		abort();
	}
}

static void setup(void)
{
	struct bw_secret *master = NULL;
	uint8_t mk[32];

	if (key != NULL)
		return;
	for (size_t i = 0; i < sizeof(mk); i++)
		mk[i] = (uint8_t)i;
	check(bw_init() == BW_OK && bw_secret_new(mk, sizeof(mk), &master) == BW_OK &&
	              bw_audit_key_new(master, 1, &key) == BW_OK,
	      "setup");
	bw_secret_free(master);
}

/* Parse and verify; *intact says whether the whole export verified. */
static enum bw_err parse_verify(const char *p, size_t len, int as_exported, bool *intact,
                                struct bw_buf *again)
{
	struct bw_audit_export *e = NULL;
	const struct bw_audit_record *r;
	const struct bw_audit_checkpoint *cps;
	struct bw_audit_report rep;
	size_t n, ncp, bad = 0;
	enum bw_err rc;

	*intact = false;
	rc = bw_audit_export_parse(p, len, MAX_RECORDS, &e, &bad);
	if (rc != BW_OK) {
		check(e == NULL && bad >= 1, "failed parse leaves nothing");
		check(rc == BW_ERR_INVALID || rc == BW_ERR_LIMIT || rc == BW_ERR_NOMEM,
		      "parse error kind");
		return rc;
	}
	r = bw_audit_export_records(e, &n);
	cps = bw_audit_export_checkpoints(e, &ncp);
	check(n <= MAX_RECORDS && ncp <= MAX_RECORDS, "caps");
	if (again != NULL) {
		for (size_t i = 0; i < n; i++)
			check(bw_audit_export_record(&r[i], again) == BW_OK, "record writes");
		for (size_t i = 0; i < ncp; i++)
			check(bw_audit_export_checkpoint(&cps[i], again) == BW_OK, "cp writes");
	}
	rc = bw_audit_verify(key, r, n, cps, ncp, as_exported ? cps : NULL, as_exported ? ncp : 0,
	                     &rep);
	check(rc == BW_OK || rc == BW_ERR_VERIFY || rc == BW_ERR_NOMEM, "verify error kind");
	check((rc == BW_OK) == (rep.verdict == BW_AUDIT_INTACT), "verdict matches result");
	if (rc == BW_ERR_VERIFY) {
		size_t within = rep.where == BW_AUDIT_IN_RECORDS ? n : ncp;

		check(rep.index <= within, "report index in range");
		check(rep.verified <= n, "verified count");
	}
	*intact = rc == BW_OK;
	if (*intact)
		check(rep.verified == n, "intact means every record verified");
	bw_audit_export_free(e);
	return BW_OK;
}

static void fuzz_export(const char *p, size_t len, int as_exported)
{
	struct bw_buf again;
	bool intact = false, intact2 = false;
	char *copy;
	size_t at;

	bw_buf_init(&again, 2 * len + 64);
	if (parse_verify(p, len, as_exported, &intact, &again) != BW_OK) {
		bw_buf_free(&again);
		return;
	}
	check(bw_str_eq(bw_buf_str(&again), (struct bw_str){p, len}),
	      "accepted export re-serializes to itself");
	bw_buf_free(&again);
	if (!intact || len == 0)
		return;
	/* one changed byte of an intact export: never intact */
	copy = malloc(len);
	check(copy != NULL, "malloc");
	memcpy(copy, p, len);
	at = (len * 2654435761u + (unsigned char)p[len / 2]) % len;
	copy[at] = (char)(copy[at] ^ (1 + (unsigned char)p[0] % 255));
	(void)parse_verify(copy, len, as_exported, &intact2, NULL);
	check(!intact2, "a changed byte is caught");
	free(copy);
}

static void same_msg(const struct bw_syslog_msg *a, const struct bw_syslog_msg *b)
{
	check(a->facility == b->facility && a->severity == b->severity && a->time_ms == b->time_ms,
	      "pri and time");
	check(bw_str_eq(a->hostname, b->hostname) && bw_str_eq(a->app_name, b->app_name) &&
	              bw_str_eq(a->procid, b->procid) && bw_str_eq(a->msgid, b->msgid) &&
	              bw_str_eq(a->msg, b->msg),
	      "header and msg");
	check(a->nsd == b->nsd, "sd count");
	for (size_t i = 0; i < a->nsd; i++) {
		check(bw_str_eq(a->sd[i].id, b->sd[i].id) && a->sd[i].nparams == b->sd[i].nparams,
		      "sd id");
		for (size_t j = 0; j < a->sd[i].nparams; j++)
			check(bw_str_eq(a->sd[i].params[j].name, b->sd[i].params[j].name) &&
			              bw_str_eq(a->sd[i].params[j].value, b->sd[i].params[j].value),
			      "sd param");
	}
}

static void fuzz_syslog(const char *p, size_t len)
{
	static struct bw_syslog_parsed a, b;
	struct bw_buf f1, f2;
	enum bw_err rc;

	if (bw_syslog_parse(p, len, &a) != BW_OK)
		return;
	bw_buf_init(&f1, 2 * BW_SYSLOG_LINE_MAX);
	bw_buf_init(&f2, 2 * BW_SYSLOG_LINE_MAX);
	rc = bw_syslog_format(&a.msg, &f1);
	/* the formatter's timestamp (24 bytes) may be longer than the one read (20) */
	check(rc == BW_OK || (rc == BW_ERR_LIMIT && len > BW_SYSLOG_LINE_MAX - 8),
	      "accepted line formats");
	if (rc == BW_OK) {
		check(bw_syslog_parse(f1.p, f1.len, &b) == BW_OK, "formatted line parses");
		same_msg(&a.msg, &b.msg);
		check(bw_syslog_format(&b.msg, &f2) == BW_OK, "formats again");
		check(bw_str_eq(bw_buf_str(&f1), bw_buf_str(&f2)), "format is a fixed point");
	}
	bw_buf_free(&f1);
	bw_buf_free(&f2);
}

static void fuzz_checkpoint(const char *p, size_t len)
{
	struct bw_audit_checkpoint cp, back;
	uint8_t pk[BW_AUDIT_PUBLIC_KEY_BYTES];
	struct bw_buf b;
	enum bw_err rc;

	rc = bw_audit_checkpoint_from_syslog(p, len, &cp);
	if (rc != BW_OK)
		return;
	bw_buf_init(&b, BW_SYSLOG_LINE_MAX);
	check(bw_audit_checkpoint_syslog(&cp, BW_STR("h"), BW_STR("bulwark"), BW_STR(""), &b) ==
	              BW_OK,
	      "checkpoint writes");
	check(bw_audit_checkpoint_from_syslog(b.p, b.len, &back) == BW_OK, "and reads back");
	check(back.seq == cp.seq && back.time_ms == cp.time_ms &&
	              memcmp(back.mac, cp.mac, sizeof(cp.mac)) == 0 &&
	              memcmp(back.sig, cp.sig, sizeof(cp.sig)) == 0 &&
	              strcmp(back.key_id, cp.key_id) == 0,
	      "the same checkpoint");
	bw_audit_key_public(key, pk);
	(void)bw_audit_checkpoint_verify(pk, &cp);
	bw_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data + 1;

	setup();
	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0:
	case 1:
		fuzz_export(p, size - 1, data[0] & 1);
		break;
	case 2:
		fuzz_syslog(p, size - 1);
		break;
	default:
		fuzz_checkpoint(p, size - 1);
		break;
	}
	return 0;
}
