/*
 * db_internal.h — what the database layer's files share: the pool, the
 * connection and statement structs, and the backend entry points. db.c owns
 * the pool, transactions and argument checks; db_sqlite.c and db_pg.c talk to
 * their library; db_sql.c checks and rewrites texts; db_migrate.c migrates.
 */
#ifndef BULWARK_DB_INTERNAL_H
#define BULWARK_DB_INTERNAL_H

#include "bulwark/db.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <sqlite3.h>

/* PostgreSQL connection parameters after the URL checks (keywords and values, NULL-ended). */
struct db_pg_params {
	size_t n;
	char **keys; /* NULL-terminated, heap copies */
	char **vals; /* heap copies; every value is wiped on free (a password is one) */
};

struct bw_db {
	enum bw_db_backend backend;
	struct bw_db_options opt;
	unsigned size;
	char *sqlite_path;
	struct db_pg_params pg;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct bw_db_conn *conns; /* size entries */
};

struct bw_db_stmt {
	struct bw_db_conn *conn;
	char *orig; /* copy of the original text, the cache key */
	size_t keylen;
	bool cached;
	bool active;   /* handed out, not yet finished */
	bool running;  /* executed and rows may follow */
	bool done;     /* ran to completion; changes is valid */
	bool have_row; /* a row is available */
	unsigned nparams;
	uint64_t bound; /* bit i-1: parameter i bound */
	uint64_t changes;
	bool stepped; /* the backend has started it */
	/* SQLite */
	sqlite3_stmt *sq;
	int64_t total0; /* sqlite3_total_changes64 before the first step */
	/* PostgreSQL */
	char name[24]; /* prepared statement name; "" for an uncached one */
	char *pgtext;  /* rewritten text, kept for uncached statements */
	char **vals;
	int *lens;
	int *fmts;
	PGresult *res; /* the current row (single-row mode) */
	bool inflight; /* sent; results not all read yet */
};

struct bw_db_conn {
	struct bw_db *db;
	bool in_use;
	bool connected;
	bool broken;    /* lost or in an unknown state: closed on release */
	bool retryable; /* the last error was a serialization failure or deadlock */
	sqlite3 *sq;
	PGconn *pg;
	unsigned pg_seq;
	unsigned nactive;
	struct bw_db_stmt *running;
	struct bw_db_stmt *cache[BW_DB_STMT_CACHE];
	unsigned ncache;
};

/* Report a backend message to the debug hook, if any, and return err. */
enum bw_err db_debug(const struct bw_db *db, enum bw_err err, const char *msg);

/* db_sql.c */
enum bw_err db_sql_scan(const char *s, size_t len, char *out, size_t cap, size_t *out_len,
                        unsigned *nparams);

/* db_pg.c: URL checks, exposed to the unit test. */
enum bw_err db_pg_params_new(const char *url, const struct bw_db_options *opt,
                             struct db_pg_params *p);
void db_pg_params_free(struct db_pg_params *p);
const char *db_pg_param(const struct db_pg_params *p, const char *key);

/* Backend entry points; c->db->backend decides which is called. */
enum bw_err db_sqlite_connect(struct bw_db_conn *c);
void db_sqlite_disconnect(struct bw_db_conn *c);
enum bw_err db_sqlite_prepare(struct bw_db_stmt *st);
enum bw_err db_sqlite_bind(struct bw_db_stmt *st, unsigned idx, int type, int64_t i, const void *p,
                           size_t len);
enum bw_err db_sqlite_step(struct bw_db_stmt *st);
void db_sqlite_stop(struct bw_db_stmt *st);
void db_sqlite_free(struct bw_db_stmt *st);
enum bw_err db_sqlite_script(struct bw_db_conn *c, struct bw_sql sql);
bool db_sqlite_in_tx(const struct bw_db_conn *c);

enum bw_err db_pg_connect(struct bw_db_conn *c);
void db_pg_disconnect(struct bw_db_conn *c);
enum bw_err db_pg_prepare(struct bw_db_stmt *st);
enum bw_err db_pg_bind(struct bw_db_stmt *st, unsigned idx, int type, int64_t i, const void *p,
                       size_t len);
enum bw_err db_pg_step(struct bw_db_stmt *st);
void db_pg_stop(struct bw_db_stmt *st);
void db_pg_free(struct bw_db_stmt *st);
enum bw_err db_pg_script(struct bw_db_conn *c, struct bw_sql sql);
bool db_pg_in_tx(const struct bw_db_conn *c);

/* Bind types passed to the backends. */
enum { DB_T_NULL, DB_T_INT64, DB_T_BOOL, DB_T_TEXT, DB_T_BLOB };

/* Column access, one per backend; the checks common to both are in db.c. */
enum bw_err db_sqlite_col(const struct bw_db_stmt *st, unsigned col, int type, int64_t *i,
                          const uint8_t **p, size_t *len);
enum bw_err db_pg_col(const struct bw_db_stmt *st, unsigned col, int type, int64_t *i,
                      const uint8_t **p, size_t *len);
unsigned db_sqlite_ncols(const struct bw_db_stmt *st);
unsigned db_pg_ncols(const struct bw_db_stmt *st);

/* bw_db_tx on a connection the caller holds. */
enum bw_err db_tx_on(struct bw_db_conn *c, bw_db_tx_fn fn, void *ctx);

/* Whether the connection is inside a transaction block. */
bool db_conn_in_tx(const struct bw_db_conn *c);

#endif
