/*
 * db.c — the backend-independent half of the database layer: URL dispatch,
 * the bounded connection pool, transactions with one commit-or-rollback exit,
 * the statement cache, and the argument checks every backend shares.
 */
#include "db_internal.h"

#include "bulwark/utf8.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_ACQUIRE_MS 5000u
#define DEFAULT_BUSY_MS    5000u
#define DEFAULT_STMT_MS    30000u
#define DEFAULT_CONNECT_S  10u
#define TIMEOUT_MAX_MS     (24u * 3600u * 1000u)

enum bw_err db_debug(const struct bw_db *db, enum bw_err err, const char *msg)
{
	if (db->opt.debug != NULL)
		db->opt.debug(db->opt.debug_ctx, err, msg != NULL ? msg : "");
	return err;
}

static bool url_has_prefix(const char *url, const char *prefix)
{
	return strncmp(url, prefix, strlen(prefix)) == 0;
}

static enum bw_err options_set(struct bw_db *db, const struct bw_db_options *opt)
{
	if (opt != NULL)
		db->opt = *opt;
	if (db->opt.pool_size > BW_DB_POOL_MAX || db->opt.acquire_timeout_ms > TIMEOUT_MAX_MS ||
	    db->opt.busy_timeout_ms > TIMEOUT_MAX_MS ||
	    db->opt.statement_timeout_ms > TIMEOUT_MAX_MS || db->opt.connect_timeout_s > 3600u)
		return BW_ERR_CONFIG;
	if (db->opt.pool_size == 0)
		db->opt.pool_size = BW_DB_POOL_DEFAULT;
	if (db->opt.acquire_timeout_ms == 0)
		db->opt.acquire_timeout_ms = DEFAULT_ACQUIRE_MS;
	if (db->opt.busy_timeout_ms == 0)
		db->opt.busy_timeout_ms = DEFAULT_BUSY_MS;
	if (db->opt.statement_timeout_ms == 0)
		db->opt.statement_timeout_ms = DEFAULT_STMT_MS;
	if (db->opt.connect_timeout_s == 0)
		db->opt.connect_timeout_s = DEFAULT_CONNECT_S;
	db->size = db->opt.pool_size;
	return BW_OK;
}

/* sqlite:PATH — a plain path, never an SQLite "file:" URI. */
static enum bw_err sqlite_url(struct bw_db *db, const char *url, size_t len)
{
	const char *path = url + strlen("sqlite:");
	size_t plen = len - strlen("sqlite:");

	if (plen == 0 || plen >= 4096 || strncmp(path, "//", 2) == 0 ||
	    strncmp(path, "file:", 5) == 0)
		return BW_ERR_CONFIG;
	db->sqlite_path = strdup(path);
	if (db->sqlite_path == NULL)
		return BW_ERR_NOMEM;
	if (strcmp(path, ":memory:") == 0)
		db->size = 1; /* every connection would be its own database */
	return BW_OK;
}

static void conn_disconnect(struct bw_db_conn *c);

enum bw_err bw_db_open(const char *url, const struct bw_db_options *opt, struct bw_db **out)
{
	enum bw_err rc = BW_OK;
	struct bw_db *db = NULL;
	struct bw_db_conn *c = NULL;
	pthread_condattr_t ca;
	size_t len;
	bool mu = false, cv = false;

	BW_REQUIRE(url != NULL && out != NULL);
	*out = NULL;
	len = strnlen(url, BW_DB_URL_MAX + 1);
	if (len > BW_DB_URL_MAX)
		return BW_ERR_CONFIG;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)url[i] < 0x20 || url[i] == 0x7f)
			return BW_ERR_CONFIG;
	db = calloc(1, sizeof(*db));
	if (db == NULL)
		return BW_ERR_NOMEM;
	rc = options_set(db, opt);
	if (rc != BW_OK)
		goto out;
	if (url_has_prefix(url, "sqlite:")) {
		db->backend = BW_DB_SQLITE;
		rc = sqlite_url(db, url, len);
	} else if (url_has_prefix(url, "postgresql://") || url_has_prefix(url, "postgres://")) {
		db->backend = BW_DB_POSTGRESQL;
		rc = db_pg_params_new(url, &db->opt, &db->pg);
	} else {
		rc = BW_ERR_CONFIG;
	}
	if (rc != BW_OK)
		goto out;
	if (pthread_mutex_init(&db->mu, NULL) != 0) {
		rc = BW_ERR_NOMEM;
		goto out;
	}
	mu = true;
	if (pthread_condattr_init(&ca) != 0) {
		rc = BW_ERR_NOMEM;
		goto out;
	}
	if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&db->cv, &ca) != 0) {
		pthread_condattr_destroy(&ca);
		rc = BW_ERR_NOMEM;
		goto out;
	}
	pthread_condattr_destroy(&ca);
	cv = true;
	db->conns = calloc(db->size, sizeof(*db->conns));
	if (db->conns == NULL) {
		rc = BW_ERR_NOMEM;
		goto out;
	}
	for (unsigned i = 0; i < db->size; i++)
		db->conns[i].db = db;
	/* one connection now, so a bad path, host or password fails here */
	rc = bw_db_acquire(db, &c);
	if (rc != BW_OK)
		goto out;
	bw_db_release(c);
	*out = db;
	db = NULL;
out:
	if (db != NULL) {
		if (db->conns != NULL)
			for (unsigned i = 0; i < db->size; i++)
				conn_disconnect(&db->conns[i]);
		free(db->conns);
		if (cv)
			pthread_cond_destroy(&db->cv);
		if (mu)
			pthread_mutex_destroy(&db->mu);
		db_pg_params_free(&db->pg);
		free(db->sqlite_path);
		free(db);
	}
	return rc;
}

static void stmt_free(struct bw_db_stmt *st)
{
	if (st == NULL)
		return;
	if (st->conn->db->backend == BW_DB_SQLITE)
		db_sqlite_free(st);
	else
		db_pg_free(st);
	free(st->orig);
	free(st);
}

static void conn_disconnect(struct bw_db_conn *c)
{
	for (unsigned i = 0; i < c->ncache; i++) {
		stmt_free(c->cache[i]);
		c->cache[i] = NULL;
	}
	c->ncache = 0;
	/* also after a failed connect, which leaves a handle to free */
	if (c->db->backend == BW_DB_SQLITE)
		db_sqlite_disconnect(c);
	else
		db_pg_disconnect(c);
	c->connected = false;
	c->broken = false;
	c->retryable = false;
	c->running = NULL;
	c->nactive = 0;
}

void bw_db_close(struct bw_db *db)
{
	if (db == NULL)
		return;
	for (unsigned i = 0; i < db->size; i++) {
		if (db->conns[i].in_use)
			bw_panic("db: bw_db_close with a connection still held");
		conn_disconnect(&db->conns[i]);
	}
	free(db->conns);
	pthread_cond_destroy(&db->cv);
	pthread_mutex_destroy(&db->mu);
	db_pg_params_free(&db->pg);
	free(db->sqlite_path);
	free(db);
}

enum bw_db_backend bw_db_backend(const struct bw_db *db)
{
	BW_REQUIRE(db != NULL);
	return db->backend;
}

static struct timespec deadline_after(unsigned ms)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		bw_panic("db: CLOCK_MONOTONIC unavailable");
	ts.tv_sec += (time_t)(ms / 1000u);
	ts.tv_nsec += (long)(ms % 1000u) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

enum bw_err bw_db_acquire(struct bw_db *db, struct bw_db_conn **out)
{
	struct bw_db_conn *c = NULL;
	struct timespec until;
	enum bw_err rc = BW_OK;

	BW_REQUIRE(db != NULL && out != NULL);
	*out = NULL;
	until = deadline_after(db->opt.acquire_timeout_ms);
	pthread_mutex_lock(&db->mu);
	for (;;) {
		/* a connected one first, else any free slot */
		for (unsigned i = 0; i < db->size && c == NULL; i++)
			if (!db->conns[i].in_use && db->conns[i].connected)
				c = &db->conns[i];
		for (unsigned i = 0; i < db->size && c == NULL; i++)
			if (!db->conns[i].in_use)
				c = &db->conns[i];
		if (c != NULL)
			break;
		int e = pthread_cond_timedwait(&db->cv, &db->mu, &until);
		if (e == ETIMEDOUT) {
			pthread_mutex_unlock(&db->mu);
			return BW_ERR_BUSY;
		}
	}
	c->in_use = true;
	pthread_mutex_unlock(&db->mu);
	if (!c->connected) {
		rc = db->backend == BW_DB_SQLITE ? db_sqlite_connect(c) : db_pg_connect(c);
		if (rc != BW_OK) {
			conn_disconnect(c);
			pthread_mutex_lock(&db->mu);
			c->in_use = false;
			pthread_cond_signal(&db->cv);
			pthread_mutex_unlock(&db->mu);
			return rc;
		}
		c->connected = true;
	}
	*out = c;
	return BW_OK;
}

bool db_conn_in_tx(const struct bw_db_conn *c)
{
	return c->db->backend == BW_DB_SQLITE ? db_sqlite_in_tx(c) : db_pg_in_tx(c);
}

static void stmt_stop(struct bw_db_stmt *st)
{
	if (st->running) {
		if (st->conn->db->backend == BW_DB_SQLITE)
			db_sqlite_stop(st);
		else
			db_pg_stop(st);
	}
	st->running = false;
	st->have_row = false;
	if (st->conn->running == st)
		st->conn->running = NULL;
}

/* The two transaction ends, with texts fixed here. */
static enum bw_err conn_end(struct bw_db_conn *c, bool commit)
{
	if (commit)
		return bw_db_exec(c, BW_SQL("COMMIT"), NULL);
	return bw_db_exec(c, BW_SQL("ROLLBACK"), NULL);
}

void bw_db_release(struct bw_db_conn *c)
{
	struct bw_db *db;

	if (c == NULL)
		return;
	db = c->db;
	BW_REQUIRE(c->in_use);
	if (c->nactive != 0)
		bw_panic("db: connection released with %u unfinished statement(s)", c->nactive);
	if (c->connected && !c->broken && db_conn_in_tx(c) && conn_end(c, false) != BW_OK)
		c->broken = true;
	if (c->broken)
		conn_disconnect(c);
	c->retryable = false;
	pthread_mutex_lock(&db->mu);
	c->in_use = false;
	pthread_cond_signal(&db->cv);
	pthread_mutex_unlock(&db->mu);
}

static enum bw_err tx_begin(struct bw_db_conn *c)
{
	if (c->db->backend == BW_DB_SQLITE)
		return bw_db_exec(c, BW_SQL("BEGIN IMMEDIATE"), NULL);
	return bw_db_exec(c, BW_SQL("BEGIN ISOLATION LEVEL SERIALIZABLE"), NULL);
}

enum bw_err db_tx_on(struct bw_db_conn *c, bw_db_tx_fn fn, void *ctx)
{
	enum bw_err rc;

	for (unsigned attempt = 1;; attempt++) {
		bool retry;

		c->retryable = false;
		rc = tx_begin(c);
		if (rc != BW_OK)
			return rc;
		rc = fn(c, ctx);
		if (c->nactive != 0)
			bw_panic("db: transaction body left %u unfinished statement(s)",
			         c->nactive);
		if (rc == BW_OK) {
			if (!db_conn_in_tx(c))
				return BW_ERR_STATE; /* fn ended the transaction itself */
			rc = conn_end(c, true);
		}
		retry = rc != BW_OK && c->retryable && !c->broken;
		if (rc != BW_OK && !c->broken && db_conn_in_tx(c) && conn_end(c, false) != BW_OK)
			c->broken = true;
		if (!retry)
			return rc;
		if (attempt == BW_DB_TX_ATTEMPTS)
			return BW_ERR_BUSY;
	}
}

enum bw_err bw_db_tx(struct bw_db *db, bw_db_tx_fn fn, void *ctx)
{
	struct bw_db_conn *c = NULL;
	enum bw_err rc;

	BW_REQUIRE(db != NULL && fn != NULL);
	rc = bw_db_acquire(db, &c);
	if (rc != BW_OK)
		return rc;
	rc = db_tx_on(c, fn, ctx);
	bw_db_release(c);
	return rc;
}

static struct bw_db_stmt *stmt_new(struct bw_db_conn *c, struct bw_sql sql)
{
	struct bw_db_stmt *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return NULL;
	st->conn = c;
	st->orig = malloc(sql.len + 1);
	if (st->orig == NULL) {
		free(st);
		return NULL;
	}
	memcpy(st->orig, sql.text, sql.len);
	st->orig[sql.len] = '\0';
	st->keylen = sql.len;
	return st;
}

enum bw_err bw_db_prepare(struct bw_db_conn *c, struct bw_sql sql, struct bw_db_stmt **out)
{
	struct bw_db_stmt *st = NULL;
	enum bw_err rc;
	unsigned nparams = 0;
	bool busy_match = false;

	BW_REQUIRE(c != NULL && c->in_use && out != NULL);
	*out = NULL;
	if (sql.text == NULL || sql.len == 0)
		return BW_ERR_INVALID;
	if (c->broken)
		return BW_ERR_IO;
	for (unsigned i = 0; i < c->ncache; i++) {
		struct bw_db_stmt *s = c->cache[i];

		if (s->keylen == sql.len && memcmp(s->orig, sql.text, sql.len) == 0) {
			if (!s->active)
				st = s;
			else
				busy_match = true;
			break;
		}
	}
	if (st == NULL) {
		rc = db_sql_scan(sql.text, sql.len, NULL, 0, NULL, &nparams);
		if (rc != BW_OK)
			return rc;
		st = stmt_new(c, sql);
		if (st == NULL)
			return BW_ERR_NOMEM;
		st->nparams = nparams;
		st->cached = !busy_match && c->ncache < BW_DB_STMT_CACHE;
		rc = c->db->backend == BW_DB_SQLITE ? db_sqlite_prepare(st) : db_pg_prepare(st);
		if (rc != BW_OK) {
			stmt_free(st);
			return rc;
		}
		if (st->cached)
			c->cache[c->ncache++] = st;
	}
	st->active = true;
	st->running = false;
	st->done = false;
	st->have_row = false;
	st->stepped = false;
	st->bound = 0;
	st->changes = 0;
	c->nactive++;
	*out = st;
	return BW_OK;
}

void bw_db_finish(struct bw_db_stmt *st)
{
	struct bw_db_conn *c;

	if (st == NULL)
		return;
	c = st->conn;
	BW_REQUIRE(st->active);
	stmt_stop(st);
	st->active = false;
	c->nactive--;
	if (c->db->backend == BW_DB_SQLITE)
		db_sqlite_stop(st); /* clears bindings of a cached statement too */
	else
		db_pg_stop(st);
	if (!st->cached)
		stmt_free(st);
}

static enum bw_err bind(struct bw_db_stmt *st, unsigned idx, int type, int64_t i, const void *p,
                        size_t len)
{
	enum bw_err rc;

	BW_REQUIRE(st != NULL && st->active);
	BW_REQUIRE(p != NULL || len == 0);
	if (st->running || st->done)
		return BW_ERR_STATE;
	if (idx < 1 || idx > st->nparams)
		return BW_ERR_RANGE;
	if (len > BW_DB_VALUE_MAX)
		return BW_ERR_LIMIT;
	if (p == NULL)
		p = "";
	if (type == DB_T_TEXT && (memchr(p, '\0', len) != NULL || !bw_utf8_valid(p, len)))
		return BW_ERR_ENCODING;
	rc = st->conn->db->backend == BW_DB_SQLITE ? db_sqlite_bind(st, idx, type, i, p, len)
	                                           : db_pg_bind(st, idx, type, i, p, len);
	if (rc == BW_OK)
		st->bound |= 1ull << (idx - 1);
	return rc;
}

enum bw_err bw_db_bind_int64(struct bw_db_stmt *st, unsigned idx, int64_t v)
{
	return bind(st, idx, DB_T_INT64, v, NULL, 0);
}

enum bw_err bw_db_bind_bool(struct bw_db_stmt *st, unsigned idx, bool v)
{
	return bind(st, idx, DB_T_BOOL, v ? 1 : 0, NULL, 0);
}

enum bw_err bw_db_bind_text(struct bw_db_stmt *st, unsigned idx, const char *p, size_t len)
{
	return bind(st, idx, DB_T_TEXT, 0, p, len);
}

enum bw_err bw_db_bind_blob(struct bw_db_stmt *st, unsigned idx, const void *p, size_t len)
{
	return bind(st, idx, DB_T_BLOB, 0, p, len);
}

enum bw_err bw_db_bind_null(struct bw_db_stmt *st, unsigned idx)
{
	return bind(st, idx, DB_T_NULL, 0, NULL, 0);
}

enum bw_err bw_db_step(struct bw_db_stmt *st, bool *row)
{
	struct bw_db_conn *c;
	enum bw_err rc;

	BW_REQUIRE(st != NULL && st->active && row != NULL);
	c = st->conn;
	*row = false;
	if (st->done)
		return BW_OK;
	if (c->broken)
		return BW_ERR_IO;
	if (!st->running) {
		uint64_t all = st->nparams == 64 ? UINT64_MAX : (1ull << st->nparams) - 1;

		if (st->bound != all)
			return BW_ERR_STATE;
		if (c->running != NULL && c->running != st)
			return BW_ERR_STATE; /* one running statement per connection */
		st->running = true;
		c->running = st;
	}
	c->retryable = false;
	rc = c->db->backend == BW_DB_SQLITE ? db_sqlite_step(st) : db_pg_step(st);
	if (rc != BW_OK || !st->have_row) {
		if (rc == BW_OK)
			st->done = true;
		stmt_stop(st);
		if (rc != BW_OK)
			st->done = true; /* an error ends the statement */
		return rc;
	}
	*row = true;
	return BW_OK;
}

enum bw_err bw_db_step_one(struct bw_db_stmt *st)
{
	bool row = false;
	enum bw_err rc = bw_db_step(st, &row);

	if (rc == BW_OK && !row)
		return BW_ERR_NOT_FOUND;
	return rc;
}

enum bw_err bw_db_exec(struct bw_db_conn *c, struct bw_sql sql, uint64_t *changes)
{
	struct bw_db_stmt *st = NULL;
	enum bw_err rc;
	bool row = true;

	rc = bw_db_prepare(c, sql, &st);
	if (rc != BW_OK)
		return rc;
	if (st->nparams != 0) {
		rc = BW_ERR_INVALID;
		goto out;
	}
	while (row) {
		rc = bw_db_step(st, &row);
		if (rc != BW_OK)
			goto out;
	}
	if (changes != NULL)
		*changes = st->changes;
out:
	bw_db_finish(st);
	return rc;
}

enum bw_err bw_db_changes(const struct bw_db_stmt *st, uint64_t *n)
{
	BW_REQUIRE(st != NULL && n != NULL);
	if (!st->done)
		return BW_ERR_STATE;
	*n = st->changes;
	return BW_OK;
}

unsigned bw_db_col_count(const struct bw_db_stmt *st)
{
	BW_REQUIRE(st != NULL);
	if (!st->have_row)
		return 0;
	return st->conn->db->backend == BW_DB_SQLITE ? db_sqlite_ncols(st) : db_pg_ncols(st);
}

static enum bw_err col(const struct bw_db_stmt *st, unsigned c, int type, int64_t *i,
                       const uint8_t **p, size_t *len)
{
	BW_REQUIRE(st != NULL && st->active);
	if (!st->have_row)
		return BW_ERR_STATE;
	if (c >= bw_db_col_count(st))
		return BW_ERR_RANGE;
	if (st->conn->db->backend == BW_DB_SQLITE)
		return db_sqlite_col(st, c, type, i, p, len);
	return db_pg_col(st, c, type, i, p, len);
}

enum bw_err bw_db_col_is_null(const struct bw_db_stmt *st, unsigned c, bool *is_null)
{
	int64_t v = 0;
	enum bw_err rc;

	BW_REQUIRE(is_null != NULL);
	rc = col(st, c, DB_T_NULL, &v, NULL, NULL);
	if (rc == BW_OK)
		*is_null = v != 0;
	return rc;
}

enum bw_err bw_db_col_int64(const struct bw_db_stmt *st, unsigned c, int64_t *v)
{
	BW_REQUIRE(v != NULL);
	return col(st, c, DB_T_INT64, v, NULL, NULL);
}

enum bw_err bw_db_col_bool(const struct bw_db_stmt *st, unsigned c, bool *v)
{
	int64_t i = 0;
	enum bw_err rc;

	BW_REQUIRE(v != NULL);
	rc = col(st, c, DB_T_BOOL, &i, NULL, NULL);
	if (rc == BW_OK)
		*v = i != 0;
	return rc;
}

enum bw_err bw_db_col_text(const struct bw_db_stmt *st, unsigned c, struct bw_str *v)
{
	const uint8_t *p = NULL;
	size_t len = 0;
	enum bw_err rc;

	BW_REQUIRE(v != NULL);
	rc = col(st, c, DB_T_TEXT, NULL, &p, &len);
	if (rc != BW_OK)
		return rc;
	if (!bw_utf8_valid(p, len))
		return BW_ERR_ENCODING;
	v->p = (const char *)p;
	v->len = len;
	return BW_OK;
}

enum bw_err bw_db_col_blob(const struct bw_db_stmt *st, unsigned c, const uint8_t **p, size_t *len)
{
	BW_REQUIRE(p != NULL && len != NULL);
	return col(st, c, DB_T_BLOB, NULL, p, len);
}
