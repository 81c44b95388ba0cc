/*
 * db_pg.c — the PostgreSQL backend (libpq): the URL checks that enforce TLS,
 * connections, statements prepared once per connection with PQprepare and
 * run with PQexecPrepared's asynchronous twin in single-row mode (so a large
 * result is never held in memory at once), binary results, and SQLSTATE
 * mapping. Migration scripts go through PQsendQuery, whose parser handles
 * several statements and dollar-quoted bodies.
 */
#include "db_internal.h"

#include "bulwark/secret.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Type OIDs from the server's catalog (pg_type.dat); they never change. */
#define OID_BOOL    16
#define OID_BYTEA   17
#define OID_NAME    19
#define OID_INT8    20
#define OID_INT2    21
#define OID_INT4    23
#define OID_TEXT    25
#define OID_BPCHAR  1042
#define OID_VARCHAR 1043

#define PARAMS_CAP 48

/* ---- URL checks ---- */

static bool is_loopback(const char *h)
{
	return strcmp(h, "127.0.0.1") == 0 || strcmp(h, "::1") == 0 || strcmp(h, "localhost") == 0;
}

static enum bw_err param_add(struct db_pg_params *p, const char *k, const char *v)
{
	if (p->n + 1 >= PARAMS_CAP)
		return BW_ERR_LIMIT;
	p->keys[p->n] = strdup(k);
	p->vals[p->n] = strdup(v);
	if (p->keys[p->n] == NULL || p->vals[p->n] == NULL)
		return BW_ERR_NOMEM; /* freed by db_pg_params_free: both slots are set */
	p->n++;
	return BW_OK;
}

void db_pg_params_free(struct db_pg_params *p)
{
	if (p->keys == NULL && p->vals == NULL)
		return;
	for (size_t i = 0; i < PARAMS_CAP; i++) {
		if (p->vals != NULL && p->vals[i] != NULL) {
			bw_wipe(p->vals[i], strlen(p->vals[i]));
			free(p->vals[i]);
		}
		if (p->keys != NULL)
			free(p->keys[i]);
	}
	free(p->keys);
	free(p->vals);
	memset(p, 0, sizeof(*p));
}

const char *db_pg_param(const struct db_pg_params *p, const char *key)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->keys[i], key) == 0)
			return p->vals[i];
	return NULL;
}

/* Every port of a comma-separated list is 1..65535, written strictly. */
static bool ports_ok(const char *ports)
{
	const char *p = ports;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);
		uint64_t v;

		if (bw_parse_u64((struct bw_str){p, n}, 1, 65535, &v) != BW_OK)
			return false;
		if (comma == NULL)
			return true;
		p = comma + 1;
	}
}

/* Every host of a comma-separated list: none empty; count the TCP ones and the non-loopback ones.
 */
static enum bw_err hosts_check(const char *hosts, unsigned *tcp, unsigned *remote)
{
	const char *h = hosts;

	*tcp = *remote = 0;
	for (;;) {
		const char *comma = strchr(h, ',');
		size_t n = comma != NULL ? (size_t)(comma - h) : strlen(h);
		char one[256];

		if (n == 0 || n >= sizeof(one))
			return BW_ERR_CONFIG;
		memcpy(one, h, n);
		one[n] = '\0';
		if (one[0] != '/' && one[0] != '@') {
			(*tcp)++;
			if (!is_loopback(one))
				(*remote)++;
		}
		if (comma == NULL)
			return BW_OK;
		h = comma + 1;
	}
}

enum bw_err db_pg_params_new(const char *url, const struct bw_db_options *opt,
                             struct db_pg_params *p)
{
	static const char *const modes[] = {"disable", "allow",     "prefer",
	                                    "require", "verify-ca", "verify-full"};
	PQconninfoOption *parsed = NULL;
	const char *host = NULL, *sslmode = NULL, *user_options = NULL, *ctimeout = NULL;
	char *err = NULL;
	char buf[1024];
	unsigned tcp = 0, remote = 0;
	enum bw_err rc = BW_OK;
	bool mode_known = false;
	int k;

	memset(p, 0, sizeof(*p));
	parsed = PQconninfoParse(url, &err);
	if (parsed == NULL) {
		PQfreemem(err); /* may quote the URL: never passed on */
		return err != NULL ? BW_ERR_CONFIG : BW_ERR_NOMEM;
	}
	p->keys = calloc(PARAMS_CAP, sizeof(*p->keys));
	p->vals = calloc(PARAMS_CAP, sizeof(*p->vals));
	if (p->keys == NULL || p->vals == NULL) {
		rc = BW_ERR_NOMEM;
		goto out;
	}
	for (PQconninfoOption *o = parsed; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		/* a service file or a numeric address would bypass the host check */
		if (strcmp(o->keyword, "service") == 0 || strcmp(o->keyword, "hostaddr") == 0 ||
		    strcmp(o->keyword, "requiressl") == 0) {
			rc = BW_ERR_CONFIG;
			goto out;
		}
		if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "sslmode") == 0)
			sslmode = o->val;
		else if (strcmp(o->keyword, "options") == 0)
			user_options = o->val;
		else if (strcmp(o->keyword, "connect_timeout") == 0)
			ctimeout = o->val;
		else if (strcmp(o->keyword, "port") == 0 && !ports_ok(o->val)) {
			rc = BW_ERR_CONFIG;
			goto out;
		} else if (strcmp(o->keyword, "client_encoding") == 0)
			continue; /* always UTF8, set below */
		if (strcmp(o->keyword, "sslmode") == 0 || strcmp(o->keyword, "options") == 0)
			continue; /* set below */
		rc = param_add(p, o->keyword, o->val);
		if (rc != BW_OK)
			goto out;
	}
	if (host == NULL || host[0] == '\0') {
		rc = BW_ERR_CONFIG; /* never PGHOST or a compiled-in default */
		goto out;
	}
	rc = hosts_check(host, &tcp, &remote);
	if (rc != BW_OK)
		goto out;
	if (sslmode != NULL) {
		for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
			mode_known |= strcmp(sslmode, modes[i]) == 0;
		if (!mode_known) {
			rc = BW_ERR_CONFIG;
			goto out;
		}
	}
	if (tcp > 0) {
		if (sslmode == NULL)
			sslmode = "verify-full";
		else if (strcmp(sslmode, "verify-full") != 0 &&
		         (!opt->dev_insecure_loopback || remote > 0)) {
			rc = BW_ERR_CONFIG;
			goto out;
		}
	} else if (sslmode == NULL) {
		sslmode = "disable"; /* Unix socket: no TLS; PGSSLMODE must not matter */
	}
	rc = param_add(p, "sslmode", sslmode);
	if (rc == BW_OK)
		rc = param_add(p, "client_encoding", "UTF8");
	if (rc != BW_OK)
		goto out;
	k = snprintf(buf, sizeof(buf),
	             "%s%s-c statement_timeout=%u -c standard_conforming_strings=on",
	             user_options != NULL ? user_options : "", user_options != NULL ? " " : "",
	             opt->statement_timeout_ms);
	if (k < 0 || (size_t)k >= sizeof(buf)) {
		rc = BW_ERR_CONFIG;
		goto out;
	}
	rc = param_add(p, "options", buf);
	if (rc == BW_OK && ctimeout == NULL) {
		k = snprintf(buf, sizeof(buf), "%u", opt->connect_timeout_s);
		rc = k > 0 && (size_t)k < sizeof(buf) ? param_add(p, "connect_timeout", buf)
		                                      : BW_ERR_INTERNAL;
	}
	if (rc == BW_OK && db_pg_param(p, "application_name") == NULL)
		rc = param_add(p, "application_name", "bulwark");
out:
	for (PQconninfoOption *o = parsed; o->keyword != NULL; o++)
		if (o->val != NULL)
			bw_wipe(o->val, strlen(o->val));
	PQconninfoFree(parsed);
	if (rc != BW_OK)
		db_pg_params_free(p);
	return rc;
}

/* ---- errors ---- */

static void drain(struct bw_db_conn *c)
{
	PGresult *r;

	while ((r = PQgetResult(c->pg)) != NULL) {
		ExecStatusType s = PQresultStatus(r);

		PQclear(r);
		if (s == PGRES_COPY_IN || s == PGRES_COPY_OUT || s == PGRES_COPY_BOTH) {
			c->broken = true; /* COPY is not ours to finish */
			return;
		}
	}
}

static enum bw_err map_state(struct bw_db_conn *c, const char *st)
{
	if (st == NULL || strlen(st) != 5) {
		c->broken = true; /* a client-side failure: the connection state is unknown */
		return BW_ERR_IO;
	}
	if (strcmp(st, "23505") == 0)
		return BW_ERR_EXISTS;
	if (strcmp(st, "40001") == 0 || strcmp(st, "40P01") == 0) {
		c->retryable = true;
		return BW_ERR_BUSY;
	}
	if (strcmp(st, "42501") == 0)
		return BW_ERR_DENIED;
	if (strcmp(st, "55P03") == 0 || strcmp(st, "57014") == 0)
		return BW_ERR_BUSY; /* lock_not_available, query_canceled (statement_timeout) */
	if (strncmp(st, "08", 2) == 0 || strncmp(st, "57", 2) == 0 || strncmp(st, "58", 2) == 0 ||
	    strncmp(st, "XX", 2) == 0) {
		c->broken = true;
		return BW_ERR_IO;
	}
	if (strncmp(st, "28", 2) == 0)
		return BW_ERR_DENIED;
	if (strncmp(st, "40", 2) == 0 || strncmp(st, "53", 2) == 0)
		return BW_ERR_BUSY;
	if (strncmp(st, "54", 2) == 0)
		return BW_ERR_LIMIT;
	if (strncmp(st, "25", 2) == 0 || strncmp(st, "55", 2) == 0)
		return BW_ERR_STATE;
	return BW_ERR_INVALID; /* 22 data, 23 other constraints, 42 syntax and names, 0A, … */
}

static enum bw_err map_res(struct bw_db_conn *c, const PGresult *res)
{
	const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	enum bw_err err = map_state(c, state);

	if (PQstatus(c->pg) != CONNECTION_OK) {
		c->broken = true;
		err = BW_ERR_IO;
	}
	return db_debug(c->db, err,
	                res != NULL ? PQresultErrorMessage(res) : PQerrorMessage(c->pg));
}

/* ---- connections ---- */

/* Server notices ("table does not exist, skipping") go nowhere, not to stderr. */
static void notice_drop(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

enum bw_err db_pg_connect(struct bw_db_conn *c)
{
	const struct bw_db *db = c->db;
	enum bw_err err;

	c->pg = PQconnectdbParams((const char *const *)db->pg.keys,
	                          (const char *const *)db->pg.vals, 0);
	if (c->pg == NULL)
		return BW_ERR_NOMEM;
	if (PQstatus(c->pg) == CONNECTION_OK) {
		PQsetNoticeProcessor(c->pg, notice_drop, NULL);
		if (strcmp(pg_encoding_to_char(PQclientEncoding(c->pg)), "UTF8") != 0)
			return db_debug(db, BW_ERR_CONFIG,
			                "postgresql: client encoding is not UTF8");
		return BW_OK;
	}
	err = PQconnectionNeedsPassword(c->pg) || PQconnectionUsedPassword(c->pg) ? BW_ERR_DENIED
	                                                                          : BW_ERR_IO;
	return db_debug(db, err, PQerrorMessage(c->pg));
}

void db_pg_disconnect(struct bw_db_conn *c)
{
	PQfinish(c->pg);
	c->pg = NULL;
}

bool db_pg_in_tx(const struct bw_db_conn *c)
{
	PGTransactionStatusType s;

	if (c->pg == NULL)
		return false;
	s = PQtransactionStatus(c->pg);
	return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

/* ---- statements ---- */

enum bw_err db_pg_prepare(struct bw_db_stmt *st)
{
	struct bw_db_conn *c = st->conn;
	size_t cap = st->keylen + 2u * st->nparams + 1u, len = 0;
	unsigned n = 0;
	size_t slots = st->nparams > 0 ? st->nparams : 1;
	enum bw_err rc;
	PGresult *res;

	st->pgtext = malloc(cap);
	st->vals = calloc(slots, sizeof(*st->vals));
	st->lens = calloc(slots, sizeof(*st->lens));
	st->fmts = calloc(slots, sizeof(*st->fmts));
	if (st->pgtext == NULL || st->vals == NULL || st->lens == NULL || st->fmts == NULL)
		return BW_ERR_NOMEM;
	rc = db_sql_scan(st->orig, st->keylen, st->pgtext, cap, &len, &n);
	if (rc != BW_OK)
		return rc;
	if (!st->cached)
		return BW_OK; /* parsed with its first run, by PQsendQueryParams */
	c->pg_seq++;
	snprintf(st->name, sizeof(st->name), "bw_%u", c->pg_seq);
	res = PQprepare(c->pg, st->name, st->pgtext, (int)st->nparams, NULL);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = map_res(c, res);
	PQclear(res);
	free(st->pgtext);
	st->pgtext = NULL;
	return rc;
}

static void vals_clear(struct bw_db_stmt *st)
{
	if (st->vals == NULL)
		return;
	for (unsigned i = 0; i < st->nparams; i++) {
		free(st->vals[i]);
		st->vals[i] = NULL;
		st->lens[i] = 0;
		st->fmts[i] = 0;
	}
}

enum bw_err db_pg_bind(struct bw_db_stmt *st, unsigned idx, int type, int64_t i, const void *p,
                       size_t len)
{
	unsigned k = idx - 1;
	char num[24];
	char *v = NULL;

	free(st->vals[k]);
	st->vals[k] = NULL;
	st->lens[k] = 0;
	st->fmts[k] = 0;
	switch (type) {
	case DB_T_INT64:
		snprintf(num, sizeof(num), "%" PRId64, i);
		v = strdup(num);
		break;
	case DB_T_BOOL:
		v = strdup(i ? "t" : "f");
		break;
	case DB_T_TEXT: /* text format: NUL-terminated, and NUL was refused */
		v = malloc(len + 1);
		if (v != NULL) {
			memcpy(v, p, len);
			v[len] = '\0';
		}
		break;
	case DB_T_BLOB: /* binary format: the bytes as they are */
		v = malloc(len > 0 ? len : 1);
		if (v != NULL) {
			memcpy(v, p, len);
			st->lens[k] = (int)len;
			st->fmts[k] = 1;
		}
		break;
	default:
		return BW_OK; /* NULL: no value */
	}
	if (v == NULL)
		return BW_ERR_NOMEM;
	st->vals[k] = v;
	return BW_OK;
}

/* Rows changed: the count of an INSERT, UPDATE, DELETE or MERGE tag only ("SELECT n" is rows read).
 */
static enum bw_err changes_of(const PGresult *res, uint64_t *out)
{
	PGresult *r = (PGresult *)(uintptr_t)res; /* libpq lacks the const */
	const char *tag = PQcmdStatus(r), *t = PQcmdTuples(r);

	*out = 0;
	if (tag == NULL || !(strncmp(tag, "INSERT ", 7) == 0 || strncmp(tag, "UPDATE ", 7) == 0 ||
	                     strncmp(tag, "DELETE ", 7) == 0 || strncmp(tag, "MERGE ", 6) == 0))
		return BW_OK;
	if (t == NULL || t[0] == '\0')
		return BW_OK;
	return bw_parse_u64(bw_str_c(t), 0, UINT64_MAX, out);
}

enum bw_err db_pg_step(struct bw_db_stmt *st)
{
	struct bw_db_conn *c = st->conn;
	const char *const *vals = (const char *const *)st->vals;
	enum bw_err rc = BW_OK;
	PGresult *res;
	int sent;

	PQclear(st->res);
	st->res = NULL;
	st->have_row = false;
	if (!st->stepped) {
		st->stepped = true;
		if (st->cached)
			sent = PQsendQueryPrepared(c->pg, st->name, (int)st->nparams, vals,
			                           st->lens, st->fmts, 1);
		else
			sent = PQsendQueryParams(c->pg, st->pgtext, (int)st->nparams, NULL, vals,
			                         st->lens, st->fmts, 1);
		if (!sent)
			return map_res(c, NULL);
		st->inflight = true;
		PQsetSingleRowMode(c->pg); /* if refused, rows still come one result at a time */
	}
	if (!st->inflight)
		return BW_OK;
	res = PQgetResult(c->pg);
	if (res == NULL) {
		st->inflight = false;
		return BW_OK;
	}
	switch (PQresultStatus(res)) {
	case PGRES_SINGLE_TUPLE:
		st->res = res;
		st->have_row = true;
		return BW_OK;
	case PGRES_TUPLES_OK:
	case PGRES_COMMAND_OK:
		rc = changes_of(res, &st->changes);
		if (rc == BW_OK && PQntuples(res) > 0) {
			/* single-row mode was refused: keep the first row */
			rc = db_debug(c->db, BW_ERR_INTERNAL,
			              "postgresql: rows not in single-row mode");
		}
		break;
	case PGRES_EMPTY_QUERY:
		rc = BW_ERR_INVALID;
		break;
	case PGRES_COPY_IN:
	case PGRES_COPY_OUT:
	case PGRES_COPY_BOTH:
		c->broken = true;
		rc = BW_ERR_INVALID;
		break;
	default:
		rc = map_res(c, res);
		break;
	}
	PQclear(res);
	drain(c);
	st->inflight = false;
	return rc;
}

void db_pg_stop(struct bw_db_stmt *st)
{
	PQclear(st->res);
	st->res = NULL;
	if (st->inflight) {
		drain(st->conn); /* the rest of a result we stopped reading */
		st->inflight = false;
	}
	vals_clear(st);
}

void db_pg_free(struct bw_db_stmt *st)
{
	db_pg_stop(st);
	free(st->vals);
	free(st->lens);
	free(st->fmts);
	free(st->pgtext);
	st->vals = NULL;
	st->lens = NULL;
	st->fmts = NULL;
	st->pgtext = NULL;
}

enum bw_err db_pg_script(struct bw_db_conn *c, struct bw_sql sql)
{
	enum bw_err rc = BW_OK;
	PGresult *res;
	char *text;

	text = malloc(sql.len + 1);
	if (text == NULL)
		return BW_ERR_NOMEM;
	memcpy(text, sql.text, sql.len);
	text[sql.len] = '\0';
	if (!PQsendQuery(c->pg, text)) {
		free(text);
		return map_res(c, NULL);
	}
	free(text);
	while ((res = PQgetResult(c->pg)) != NULL) {
		ExecStatusType s = PQresultStatus(res);

		if (s == PGRES_COPY_IN || s == PGRES_COPY_OUT || s == PGRES_COPY_BOTH) {
			PQclear(res);
			c->broken = true;
			return BW_ERR_INVALID;
		}
		if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_EMPTY_QUERY &&
		    rc == BW_OK)
			rc = map_res(c, res);
		PQclear(res);
	}
	if (rc == BW_OK && PQtransactionStatus(c->pg) != PQTRANS_INTRANS)
		rc = BW_ERR_INVALID; /* the script ended the migration's transaction */
	return rc;
}

unsigned db_pg_ncols(const struct bw_db_stmt *st)
{
	return st->res != NULL ? (unsigned)PQnfields(st->res) : 0;
}

static int64_t be_int(const char *v, int n)
{
	uint64_t u = 0;

	for (int i = 0; i < n; i++)
		u = (u << 8) | (unsigned char)v[i];
	if (n < 8 && (u & (1ull << (n * 8 - 1))))
		u |= ~0ull << (n * 8); /* sign-extend */
	return (int64_t)u;
}

enum bw_err db_pg_col(const struct bw_db_stmt *st, unsigned col, int type, int64_t *i,
                      const uint8_t **p, size_t *len)
{
	const PGresult *res = st->res;
	int c = (int)col;
	Oid t;
	int n;
	const char *v;

	if (type == DB_T_NULL) {
		*i = PQgetisnull(res, 0, c);
		return BW_OK;
	}
	if (PQgetisnull(res, 0, c) || PQfformat(res, c) != 1)
		return BW_ERR_INVALID;
	t = PQftype(res, c);
	n = PQgetlength(res, 0, c);
	v = PQgetvalue(res, 0, c);
	switch (type) {
	case DB_T_INT64:
		if (!((t == OID_INT8 && n == 8) || (t == OID_INT4 && n == 4) ||
		      (t == OID_INT2 && n == 2)))
			return BW_ERR_INVALID;
		*i = be_int(v, n);
		return BW_OK;
	case DB_T_BOOL:
		if (t != OID_BOOL || n != 1 || (v[0] != 0 && v[0] != 1))
			return BW_ERR_INVALID;
		*i = v[0];
		return BW_OK;
	case DB_T_TEXT:
		if (t != OID_TEXT && t != OID_VARCHAR && t != OID_BPCHAR && t != OID_NAME)
			return BW_ERR_INVALID;
		break;
	case DB_T_BLOB:
		if (t != OID_BYTEA)
			return BW_ERR_INVALID;
		break;
	default:
		return BW_ERR_INTERNAL;
	}
	if (n < 0)
		return BW_ERR_INVALID;
	*p = (const uint8_t *)v;
	*len = (size_t)n;
	return BW_OK;
}
