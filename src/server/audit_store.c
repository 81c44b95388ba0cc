/*
 * audit_store.c — the server's tamper-evident audit log on its database.
 *
 * The audit module (include/bulwark/audit.h) chains and signs; this file
 * stores. Each record and checkpoint is kept as its canonical export line,
 * so what verify and export read is byte for byte what was chained. Every
 * checkpoint is also written to the log stream as an RFC 5424 line (and to
 * the local syslog socket when there is one): that outside copy is what shows
 * a truncation after the last stored checkpoint.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "audit_store.h"
#include "bulwark/buf.h"
#include "bulwark/log.h"

#define CHECKPOINT_EVERY 100u
#define EXPORT_MAX       (256u * 1024u * 1024u)
#define RECORDS_MAX      10000000u

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Append every stored line of one table, in seq order. */
static enum bw_err load_lines(struct bw_db_conn *c, struct bw_sql sql, struct bw_buf *out)
{
	struct bw_db_stmt *st = NULL;
	bool row = false;
	enum bw_err rc = bw_db_prepare(c, sql, &st);

	while (rc == BW_OK && (rc = bw_db_step(st, &row)) == BW_OK && row) {
		struct bw_str line;

		rc = bw_db_col_text(st, 0, &line);
		if (rc == BW_OK)
			rc = bw_buf_append_str(out, line);
	}
	bw_db_finish(st);
	return rc;
}

enum bw_err bw_audit_store_load(struct bw_db *db, struct bw_audit_export **out, size_t *bad_line)
{
	struct bw_db_conn *c = NULL;
	struct bw_buf text;
	enum bw_err rc;

	*out = NULL;
	*bad_line = 0;
	bw_buf_init(&text, EXPORT_MAX);
	rc = bw_db_acquire(db, &c);
	if (rc == BW_OK)
		rc = load_lines(c, BW_SQL("SELECT line FROM audit_records ORDER BY seq"), &text);
	if (rc == BW_OK)
		rc = load_lines(c, BW_SQL("SELECT line FROM audit_checkpoints ORDER BY seq"),
		                &text);
	if (c != NULL)
		bw_db_release(c);
	if (rc == BW_OK)
		rc = bw_audit_export_parse(bw_buf_cstr(&text), text.len, RECORDS_MAX, out,
		                           bad_line);
	bw_buf_free(&text);
	return rc;
}

enum bw_err bw_audit_store_verify(const struct bw_audit_key *key, struct bw_db *db,
                                  const struct bw_audit_checkpoint *exported, size_t nexported,
                                  struct bw_audit_report *report, size_t *bad_line)
{
	struct bw_audit_export *e = NULL;
	const struct bw_audit_record *recs;
	const struct bw_audit_checkpoint *cps;
	size_t nrec, ncp;
	enum bw_err rc;

	memset(report, 0, sizeof(*report));
	rc = bw_audit_store_load(db, &e, bad_line);
	if (rc != BW_OK) {
		report->verdict = BW_AUDIT_MALFORMED;
		return rc == BW_ERR_INVALID || rc == BW_ERR_LIMIT ? BW_ERR_VERIFY : rc;
	}
	recs = bw_audit_export_records(e, &nrec);
	cps = bw_audit_export_checkpoints(e, &ncp);
	rc = bw_audit_verify(key, recs, nrec, cps, ncp, exported, nexported, report);
	bw_audit_export_free(e);
	return rc;
}

/* ---- the sink ---------------------------------------------------------- */

static enum bw_err store_line(struct bw_app *app, struct bw_sql sql, uint64_t seq,
                              const struct bw_buf *line)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	bool row;
	enum bw_err rc = bw_db_acquire(app->db, &c);

	if (rc == BW_OK)
		rc = bw_db_prepare(c, sql, &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, (int64_t)seq);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 2, line->p, line->len);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	if (c != NULL)
		bw_db_release(c);
	return rc;
}

static enum bw_err sink_record(void *ctx, const struct bw_audit_record *rec)
{
	struct bw_buf line;
	enum bw_err rc;

	bw_buf_init(&line, 64 * 1024);
	rc = bw_audit_export_record(rec, &line);
	if (rc == BW_OK)
		rc = store_line(ctx, BW_SQL("INSERT INTO audit_records (seq, line) VALUES (?, ?)"),
		                rec->seq, &line);
	bw_buf_free(&line);
	return rc;
}

static enum bw_err sink_checkpoint(void *ctx, const struct bw_audit_checkpoint *cp)
{
	struct bw_buf line;
	enum bw_err rc;

	bw_buf_init(&line, 4096);
	rc = bw_audit_export_checkpoint(cp, &line);
	if (rc == BW_OK)
		rc = store_line(ctx,
		                BW_SQL("INSERT INTO audit_checkpoints (seq, line) VALUES (?, ?)"),
		                cp->seq, &line);
	bw_buf_free(&line);
	return rc;
}

/* Best effort to the local syslog daemon; the log line below always goes out. */
static void to_syslog_socket(const struct bw_buf *line)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = "/dev/log"};
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	(void)sendto(fd, line->p, line->len, MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
}

static void sink_export(void *ctx, const struct bw_audit_checkpoint *cp)
{
	struct bw_app *app = ctx;
	struct bw_buf line;
	char host[256] = "-", pid[24];

	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
		memcpy(host, "-", 2);
	host[sizeof(host) - 1] = '\0';
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	bw_buf_init(&line, 4096);
	if (bw_audit_checkpoint_syslog(cp, bw_str_c(host), BW_STR("bulwark"), bw_str_c(pid),
	                               &line) == BW_OK) {
		BW_LOG(app->log, BW_LOG_INFO, NULL, "audit.checkpoint",
		       BW_LOG_F_UINT("seq", cp->seq), BW_LOG_F_STR("syslog", bw_buf_str(&line)));
		to_syslog_socket(&line);
	} else {
		BW_LOG(app->log, BW_LOG_ERROR, NULL, "audit.checkpoint_export_failed",
		       BW_LOG_F_UINT("seq", cp->seq));
	}
	bw_buf_free(&line);
}

/* ---- the server's writer ---------------------------------------------- */

enum bw_err bw_app_audit_open(struct bw_app *app)
{
	struct bw_audit_export *e = NULL;
	struct bw_audit_report report;
	const struct bw_audit_record *recs;
	const struct bw_audit_checkpoint *cps;
	struct bw_audit_sink sink = {app, sink_record, sink_checkpoint, sink_export};
	size_t nrec = 0, ncp, bad_line = 0;
	uint64_t last_seq = 0;
	const uint8_t *last_mac = NULL;
	enum bw_err rc;

	rc = bw_audit_key_new(app->master_key, 1, &app->audit_key);
	if (rc != BW_OK)
		return rc;
	rc = bw_audit_store_load(app->db, &e, &bad_line);
	if (rc != BW_OK) {
		BW_LOG(app->log, BW_LOG_ERROR, NULL, "audit.unreadable",
		       BW_LOG_F_UINT("line", bad_line), BW_LOG_F_CSTR("error", bw_err_str(rc)));
		return rc;
	}
	recs = bw_audit_export_records(e, &nrec);
	cps = bw_audit_export_checkpoints(e, &ncp);
	rc = bw_audit_verify(app->audit_key, recs, nrec, cps, ncp, NULL, 0, &report);
	if (rc != BW_OK && rc != BW_ERR_VERIFY)
		goto out;
	if (rc == BW_ERR_VERIFY)
		/* tampering does not stop the server (that would hand an attacker with
		 * database access a switch), but it is said loudly and stays visible
		 * to bulwark audit verify */
		BW_LOG(app->log, BW_LOG_ERROR, NULL, "audit.tampered",
		       BW_LOG_F_CSTR("verdict", bw_audit_verdict_str(report.verdict)),
		       BW_LOG_F_UINT("seq", report.seq));
	if (nrec > 0) {
		last_seq = recs[nrec - 1].seq;
		last_mac = recs[nrec - 1].mac;
	}
	rc = bw_audit_chain_new(app->audit_key, &sink, CHECKPOINT_EVERY, last_seq, last_mac,
	                        &app->audit);
out:
	bw_audit_export_free(e);
	return rc;
}

void bw_app_audit_close(struct bw_app *app)
{
	struct bw_audit_checkpoint cp;

	if (app->audit != NULL && bw_audit_checkpoint_now(app->audit, now_ms(), &cp) != BW_OK)
		BW_LOG(app->log, BW_LOG_ERROR, NULL, "audit.checkpoint_failed",
		       BW_LOG_F_CSTR("when", "shutdown"));
	bw_audit_chain_free(app->audit);
	app->audit = NULL;
	bw_audit_key_free(app->audit_key);
	app->audit_key = NULL;
}

void bw_app_audit(struct bw_app *app, const struct bw_req *req, const char *event,
                  enum bw_audit_outcome outcome, int64_t actor_user_id,
                  const struct bw_audit_detail *details, size_t n)
{
	char actor[24];
	struct bw_audit_event ev = {0};
	uint64_t seq;
	enum bw_err rc;

	if (actor_user_id > 0)
		snprintf(actor, sizeof(actor), "%lld", (long long)actor_user_id);
	else
		memcpy(actor, req != NULL ? "anonymous" : "system", req != NULL ? 10 : 7);
	ev.time_ms = now_ms();
	ev.actor = bw_str_c(actor);
	if (req != NULL) {
		const char *ip = bw_req_client_ip(req);

		ev.ip = strcmp(ip, "unknown") == 0 ? BW_STR("") : bw_str_c(ip);
		ev.request_id = bw_str_c(bw_req_id(req));
	}
	ev.event = bw_str_c(event);
	ev.outcome = outcome;
	ev.details = details;
	ev.ndetails = n;
	rc = app->audit != NULL ? bw_audit_append(app->audit, &ev, &seq) : BW_ERR_STATE;
	if (rc != BW_OK) {
		atomic_fetch_add(&app->audit_failures, 1);
		BW_LOG(app->log, BW_LOG_ERROR, req != NULL ? bw_req_id(req) : NULL,
		       "audit.append_failed", BW_LOG_F_CSTR("event", event),
		       BW_LOG_F_CSTR("error", bw_err_str(rc)));
	}
}
