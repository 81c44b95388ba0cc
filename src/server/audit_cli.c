/*
 * audit_cli.c — `bulwark audit verify` and `bulwark audit export`.
 *
 * verify checks the stored chain against its stored checkpoints and, with
 * --checkpoints FILE, against checkpoints exported to the log stream (RFC
 * 5424 lines, one a line, as syslog received them): exit 0 when intact,
 * 1 naming the first bad record otherwise, 2 for a usage or set-up error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "audit_store.h"
#include "bulwark/buf.h"
#include "bulwark/fsutil.h"
#include "bulwark/keys.h"
#include "bulwark/random.h"
#include "cli.h"

#define CHECKPOINT_FILE_MAX (64u * 1024u * 1024u)
#define CHECKPOINTS_MAX     1000000u

static void usage(FILE *f)
{
	fputs("usage: bulwark audit verify [--config FILE] [--data-dir DIR] [--database URL]\n"
	      "                            [--checkpoints FILE]\n"
	      "       bulwark audit export [--config FILE] [--data-dir DIR] [--database URL]\n"
	      "\n"
	      "verify: exit 0 when the audit chain is intact, 1 naming the first bad record.\n"
	      "  --checkpoints FILE  checkpoints as exported to syslog (RFC 5424, one a line):\n"
	      "                      shows a truncation after the last stored checkpoint\n"
	      "export: the records and checkpoints as JSON lines on standard output\n",
	      f);
}

/* The checkpoints among the syslog lines of path (other lines are skipped). */
static enum bw_err read_exported(const char *path, struct bw_audit_checkpoint **out, size_t *n)
{
	struct bw_buf text;
	struct bw_audit_checkpoint *cps = NULL;
	size_t cap = 0;
	const char *p, *end;
	enum bw_err rc;

	*out = NULL;
	*n = 0;
	bw_buf_init(&text, CHECKPOINT_FILE_MAX);
	rc = bw_fs_read_file(path, BW_FS_FOLLOW, &text);
	p = bw_buf_cstr(&text);
	end = p + text.len;
	while (rc == BW_OK && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl != NULL ? nl : end) - p);
		struct bw_audit_checkpoint cp;
		enum bw_err r = bw_audit_checkpoint_from_syslog(p, len, &cp);

		p += len + (nl != NULL);
		if (r == BW_ERR_NOT_FOUND || len == 0)
			continue;
		if (r != BW_OK) {
			rc = r;
			break;
		}
		if (*n == cap) {
			struct bw_audit_checkpoint *grown;

			cap = cap ? cap * 2 : 64;
			if (cap > CHECKPOINTS_MAX) {
				rc = BW_ERR_LIMIT;
				break;
			}
			grown = realloc(cps, cap * sizeof(*cps));
			if (grown == NULL) {
				rc = BW_ERR_NOMEM;
				break;
			}
			cps = grown;
		}
		cps[(*n)++] = cp;
	}
	bw_buf_free(&text);
	if (rc != BW_OK) {
		free(cps);
		*n = 0;
		return rc;
	}
	*out = cps;
	return BW_OK;
}

static int do_export(struct bw_db *db)
{
	struct bw_audit_export *e = NULL;
	const struct bw_audit_record *recs;
	const struct bw_audit_checkpoint *cps;
	size_t nrec, ncp, bad = 0;
	struct bw_buf line;
	int status = 0;

	if (bw_audit_store_load(db, &e, &bad) != BW_OK) {
		fprintf(stderr, "bulwark audit export: stored line %zu is malformed\n", bad);
		return 1;
	}
	recs = bw_audit_export_records(e, &nrec);
	cps = bw_audit_export_checkpoints(e, &ncp);
	bw_buf_init(&line, 128 * 1024);
	for (size_t i = 0; i < nrec && status == 0; i++) {
		bw_buf_reset(&line);
		if (bw_audit_export_record(&recs[i], &line) != BW_OK ||
		    fwrite(line.p, 1, line.len, stdout) != line.len)
			status = 1;
	}
	for (size_t i = 0; i < ncp && status == 0; i++) {
		bw_buf_reset(&line);
		if (bw_audit_export_checkpoint(&cps[i], &line) != BW_OK ||
		    fwrite(line.p, 1, line.len, stdout) != line.len)
			status = 1;
	}
	bw_buf_free(&line);
	bw_audit_export_free(e);
	return fflush(stdout) == 0 ? status : 1;
}

static int do_verify(const struct bw_audit_key *key, struct bw_db *db, const char *exported_path)
{
	struct bw_audit_checkpoint *exported = NULL;
	size_t nexported = 0, bad_line = 0;
	struct bw_audit_report r;
	enum bw_err rc;

	if (exported_path != NULL) {
		rc = read_exported(exported_path, &exported, &nexported);
		if (rc != BW_OK) {
			fprintf(stderr,
			        "bulwark audit verify: --checkpoints: unreadable or malformed "
			        "(%s)\n",
			        bw_err_str(rc));
			return 2;
		}
	}
	rc = bw_audit_store_verify(key, db, exported, nexported, &r, &bad_line);
	free(exported);
	if (rc == BW_OK) {
		printf("{\"verdict\":\"intact\",\"records\":%llu,\"checkpointed\":%llu}\n",
		       (unsigned long long)r.verified, (unsigned long long)r.checkpointed);
		return 0;
	}
	if (rc != BW_ERR_VERIFY) {
		fprintf(stderr, "bulwark audit verify: the audit log cannot be read (%s)\n",
		        bw_err_str(rc));
		return 2;
	}
	if (r.verdict == BW_AUDIT_MALFORMED && bad_line > 0)
		printf("{\"verdict\":\"malformed\",\"line\":%zu}\n", bad_line);
	else
		printf("{\"verdict\":\"%s\",\"seq\":%llu,\"in\":\"%s\",\"index\":%zu,"
		       "\"verified\":%llu}\n",
		       bw_audit_verdict_str(r.verdict), (unsigned long long)r.seq,
		       r.where == BW_AUDIT_IN_RECORDS  ? "records"
		       : r.where == BW_AUDIT_IN_STORED ? "stored_checkpoints"
		                                       : "exported_checkpoints",
		       r.index, (unsigned long long)r.verified);
	fprintf(stderr, "bulwark audit verify: %s at record %llu\n",
	        bw_audit_verdict_str(r.verdict), (unsigned long long)r.seq);
	return 1;
}

int bw_cmd_audit(int argc, char **argv)
{
	struct bw_cli cli;
	struct bw_secret *master = NULL;
	struct bw_audit_key *key = NULL;
	struct bw_db *db = NULL;
	const char *checkpoints = NULL, *why = "";
	bool verify;
	int status = 2;

	if (argc < 1 || (strcmp(argv[0], "verify") != 0 && strcmp(argv[0], "export") != 0)) {
		usage(argc >= 1 && strcmp(argv[0], "--help") == 0 ? stdout : stderr);
		return argc >= 1 && strcmp(argv[0], "--help") == 0 ? 0 : 2;
	}
	verify = strcmp(argv[0], "verify") == 0;
	if (bw_init() != BW_OK)
		return 2;
	bw_cli_init(&cli, "bulwark audit");
	for (int i = 1; i < argc; i++) {
		int common = bw_cli_common_flag(&cli, argc, argv, &i);

		if (common < 0)
			goto out;
		if (common > 0)
			continue;
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			status = 0;
			goto out;
		} else if (verify && strcmp(argv[i], "--checkpoints") == 0 && i + 1 < argc) {
			checkpoints = argv[++i];
		} else {
			fprintf(stderr, "bulwark audit: unknown or incomplete argument: %s\n",
			        argv[i]);
			usage(stderr);
			goto out;
		}
	}
	if (bw_cli_load(&cli) != BW_OK)
		goto out;
	if (bw_app_db_open(&cli.s, false, &db, &why) != BW_OK) {
		fprintf(stderr, "bulwark audit: %s\n", why);
		goto out;
	}
	if (bw_master_key_load(cli.s.master_key, &master) != BW_OK ||
	    bw_audit_key_new(master, 1, &key) != BW_OK) {
		fprintf(stderr, "bulwark audit: keys.master: the master key cannot be loaded\n");
		goto out;
	}
	status = verify ? do_verify(key, db, checkpoints) : do_export(db);
out:
	bw_audit_key_free(key);
	bw_secret_free(master);
	bw_db_close(db);
	bw_cli_free(&cli);
	return status;
}
