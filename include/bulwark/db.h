/*
 * db.h — the database layer: one API over SQLite (the default) and PostgreSQL.
 *
 * SQL text is a string literal and nothing else. BW_SQL("…") concatenates its
 * argument with two empty literals, so a runtime-built string (a char *, an
 * array, a snprintf result) does not compile; a compile-fail test keeps it so.
 * Values travel only as typed binds (int64, bool, text with a length, blob,
 * null); there is no function that formats a value into SQL.
 *
 * Placeholders are written once, as `?`, in one text for both backends. For
 * PostgreSQL the text is rewritten to $1..$n once, when it is prepared (a `?`
 * inside a string literal, a quoted identifier or a comment is left alone).
 * Texts that the two dialects would read differently are refused with
 * BW_ERR_INVALID: `$` anywhere in code, `?NNN`, E'…' strings, nested block
 * comments, unterminated literals or comments, a second statement after `;`.
 *
 * Connections come from a small bounded pool (bw_db_acquire / bw_db_release);
 * a transaction is bw_db_tx(db, fn, ctx): the layer begins, calls fn, commits
 * when fn returns BW_OK and rolls back otherwise — the single exit.
 *
 * Errors are enum bw_err only (BW_ERR_EXISTS for a unique violation,
 * BW_ERR_DENIED for a privilege error, BW_ERR_BUSY for a lock timeout or an
 * exhausted pool, BW_ERR_IO for a lost connection, …). The libraries' messages,
 * which may quote SQL and values, reach only the optional debug hook.
 *
 * Threads: a struct bw_db is shared by all threads; a struct bw_db_conn and
 * its statements belong to the one thread that acquired it until released.
 */
#ifndef BULWARK_DB_H
#define BULWARK_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/err.h"
#include "bulwark/str.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most connections in one pool. */
#define BW_DB_POOL_MAX 64u
/** Connections when bw_db_options.pool_size is 0 (SQLite ":memory:" always has 1). */
#define BW_DB_POOL_DEFAULT 4u
/** Most `?` placeholders in one statement. */
#define BW_DB_PARAMS_MAX 64u
/** Longest query text in bytes (a migration script may be BW_DB_SCRIPT_MAX). */
#define BW_DB_SQL_MAX (64u * 1024u)
/** Longest migration script in bytes. */
#define BW_DB_SCRIPT_MAX (1024u * 1024u)
/** Largest text or blob bound to one parameter. */
#define BW_DB_VALUE_MAX (16u * 1024u * 1024u)
/** Distinct statement texts prepared once and kept per connection. */
#define BW_DB_STMT_CACHE 64u
/** Attempts of one bw_db_tx on PostgreSQL serialization failures and deadlocks. */
#define BW_DB_TX_ATTEMPTS 4u
/** Longest database URL. */
#define BW_DB_URL_MAX 4096u

/**
 * A statement text. Make one only with BW_SQL (an expression) or BW_SQL_INIT
 * (a static initializer); both accept nothing but a string literal, which
 * also guarantees that text[len] is a NUL. Building the struct by hand
 * defeats the guarantee and is refused in review.
 */
struct bw_sql {
	const char *text;
	size_t len;
};

/** A struct bw_sql over a string literal; any other argument fails to compile. */
#define BW_SQL(lit) ((const struct bw_sql){"" lit "", sizeof("" lit "") - 1})
/** The same as an initializer, for static tables (migrations). */
#define BW_SQL_INIT(lit)                         \
	{                                        \
		"" lit "", sizeof("" lit "") - 1 \
	}

enum bw_db_backend {
	BW_DB_SQLITE = 1,
	BW_DB_POSTGRESQL = 2,
};

/**
 * Options of bw_db_open; zero means the default. The struct is copied.
 *
 * dev_insecure_loopback is for development only: it lets a postgresql:// URL
 * ask for an sslmode weaker than verify-full when every host is 127.0.0.1,
 * ::1 or localhost. Any other TCP host still needs verify-full.
 *
 * deny_ddl gives a SQLite handle the rights of the runtime role: an
 * authorizer refuses CREATE, DROP, ALTER, PRAGMA, ATTACH and writes to
 * schema_migrations with BW_ERR_DENIED. (On PostgreSQL the role in the URL
 * decides; see docs/database.md for how to create it.)
 *
 * debug, when set, receives the backend's own message for every error. The
 * message may quote SQL and bound values: a debug log only, never a client.
 * It is called on the thread that saw the error and must not block.
 */
struct bw_db_options {
	unsigned pool_size;            /**< 1..BW_DB_POOL_MAX connections; 0: 4 */
	unsigned acquire_timeout_ms;   /**< wait for a free connection; 0: 5000 */
	unsigned busy_timeout_ms;      /**< SQLite lock wait; 0: 5000 */
	unsigned statement_timeout_ms; /**< PostgreSQL statement_timeout; 0: 30000 */
	unsigned connect_timeout_s;    /**< PostgreSQL connect_timeout; 0: 10 */
	bool dev_insecure_loopback;    /**< development only, see above */
	bool deny_ddl;                 /**< SQLite: runtime-role rights, see above */
	void (*debug)(void *ctx, enum bw_err err, const char *backend_message);
	void *debug_ctx;
};

struct bw_db;
struct bw_db_conn;
struct bw_db_stmt;

/**
 * bw_db_open - open a database from a URL and fill *out.
 *
 * "sqlite:PATH" opens (creating, mode 0600) the file PATH, refusing a
 * symbolic link; "sqlite::memory:" is a private in-memory database with one
 * connection. Every SQLite connection runs with WAL, foreign_keys=ON,
 * secure_delete=ON, synchronous=FULL, busy_timeout, the defensive flag,
 * untrusted schema and no double-quoted string literals.
 *
 * "postgresql://…" (or "postgres://…", libpq URI syntax) needs an explicit
 * host: a Unix socket directory (starting with '/') or a TCP host. Over TCP
 * sslmode must be verify-full (set when absent); a weaker sslmode is refused
 * with BW_ERR_CONFIG unless opt->dev_insecure_loopback and the host is a
 * loopback name. hostaddr and service are refused. One connection is made
 * at once, so a wrong password or host fails here.
 *
 * url is borrowed for the call (a password in it is copied and wiped on
 * close); opt may be NULL. Errors: BW_ERR_CONFIG (bad or refused URL or
 * options), BW_ERR_IO (cannot open or connect), BW_ERR_DENIED (authentication
 * refused), BW_ERR_NOMEM. The caller frees *out with bw_db_close.
 */
BW_MUST_CHECK enum bw_err bw_db_open(const char *url, const struct bw_db_options *opt,
                                     struct bw_db **out);

/** bw_db_close - close every connection and free; no connection may be held. NULL: no-op. */
void bw_db_close(struct bw_db *db);

/** bw_db_backend - which backend db talks to. */
enum bw_db_backend bw_db_backend(const struct bw_db *db);

/**
 * bw_db_acquire - borrow a connection from the pool, connecting it first if
 * needed. Waits at most acquire_timeout_ms for one to be free, then returns
 * BW_ERR_BUSY. The connection is in autocommit mode; give it back with
 * bw_db_release. Errors also as bw_db_open.
 */
BW_MUST_CHECK enum bw_err bw_db_acquire(struct bw_db *db, struct bw_db_conn **out);

/**
 * bw_db_release - give a connection back. Every statement must have been
 * finished (a programming error aborts otherwise); an open transaction is
 * rolled back; a broken connection is closed and remade on a later acquire.
 */
void bw_db_release(struct bw_db_conn *c);

/** The body of a transaction: return BW_OK to commit, anything else to roll back. */
typedef enum bw_err (*bw_db_tx_fn)(struct bw_db_conn *c, void *ctx);

/**
 * bw_db_tx - run fn(c, ctx) inside one transaction on a pooled connection:
 * commit when fn returns BW_OK, roll back otherwise, and return fn's error
 * (or the commit's). SQLite begins IMMEDIATE (the write lock is taken first,
 * so two writers never deadlock); PostgreSQL begins SERIALIZABLE and, on a
 * serialization failure or deadlock (SQLSTATE 40001, 40P01), rolls back and
 * runs fn again, at most BW_DB_TX_ATTEMPTS times in all, then BW_ERR_BUSY.
 * fn may therefore run more than once: it must have no effect outside the
 * database. fn must finish its statements and must not commit, roll back or
 * call bw_db_tx itself (BW_ERR_STATE when it ended the transaction).
 */
BW_MUST_CHECK enum bw_err bw_db_tx(struct bw_db *db, bw_db_tx_fn fn, void *ctx);

/**
 * bw_db_prepare - a statement for sql on c, from the connection's cache when
 * the same text was prepared before (at most BW_DB_STMT_CACHE texts are kept;
 * later ones are prepared per use). Parameters are numbered from 1, in the
 * order of the `?` in the text. The statement belongs to c: finish it with
 * bw_db_finish before releasing c. Errors: BW_ERR_INVALID (a text refused
 * above, or SQL the backend rejects), BW_ERR_LIMIT (too long, too many
 * parameters), BW_ERR_DENIED, BW_ERR_IO, BW_ERR_NOMEM.
 */
BW_MUST_CHECK enum bw_err bw_db_prepare(struct bw_db_conn *c, struct bw_sql sql,
                                        struct bw_db_stmt **out);

/** bw_db_finish - end a statement (stopping it if rows are left); NULL is a no-op. */
void bw_db_finish(struct bw_db_stmt *st);

/*
 * Binds: idx is 1..number of `?`; a bind copies its value. Binding after the
 * first bw_db_step is BW_ERR_STATE; an idx out of range is BW_ERR_RANGE.
 * bw_db_bind_text refuses invalid UTF-8 and NUL bytes (BW_ERR_ENCODING): a
 * text column holds text in both backends. Values above BW_DB_VALUE_MAX
 * bytes are BW_ERR_LIMIT. p may be NULL only when len is 0.
 */
BW_MUST_CHECK enum bw_err bw_db_bind_int64(struct bw_db_stmt *st, unsigned idx, int64_t v);
BW_MUST_CHECK enum bw_err bw_db_bind_bool(struct bw_db_stmt *st, unsigned idx, bool v);
BW_MUST_CHECK enum bw_err bw_db_bind_text(struct bw_db_stmt *st, unsigned idx, const char *p,
                                          size_t len);
BW_MUST_CHECK enum bw_err bw_db_bind_blob(struct bw_db_stmt *st, unsigned idx, const void *p,
                                          size_t len);
BW_MUST_CHECK enum bw_err bw_db_bind_null(struct bw_db_stmt *st, unsigned idx);

/**
 * bw_db_step - run the statement (on the first call) and move to the next
 * row: *row is true when a row is available, false when there are no more.
 * Every parameter must be bound (else BW_ERR_STATE). Only one statement per
 * connection runs at a time: stepping a second one while another still has
 * rows is BW_ERR_STATE. Errors map as described at the top of this file.
 */
BW_MUST_CHECK enum bw_err bw_db_step(struct bw_db_stmt *st, bool *row);

/**
 * bw_db_step_one - bw_db_step that wants a row: BW_OK with a row available,
 * BW_ERR_NOT_FOUND when the statement yields none.
 */
BW_MUST_CHECK enum bw_err bw_db_step_one(struct bw_db_stmt *st);

/**
 * bw_db_exec - prepare, run to completion and finish a statement without
 * parameters (DDL, fixed updates). Rows it returns are skipped. *changes,
 * when not NULL, gets the count of rows changed.
 */
BW_MUST_CHECK enum bw_err bw_db_exec(struct bw_db_conn *c, struct bw_sql sql, uint64_t *changes);

/**
 * bw_db_changes - rows inserted, updated or deleted by the statement, once
 * bw_db_step has returned *row == false (BW_ERR_STATE before). For the id of
 * an inserted row, use `RETURNING id` (both dialects) and read the row.
 */
BW_MUST_CHECK enum bw_err bw_db_changes(const struct bw_db_stmt *st, uint64_t *n);

/** bw_db_col_count - columns of the current result (0 before the first row). */
unsigned bw_db_col_count(const struct bw_db_stmt *st);

/*
 * Column getters, col counted from 0, valid while a row is available
 * (BW_ERR_STATE otherwise; BW_ERR_RANGE for a column past the end). They do
 * not convert: int64 wants an integer column (PostgreSQL int2/int4/int8),
 * bool a boolean (SQLite: the integers 0 and 1), text a text column (checked
 * to be UTF-8, else BW_ERR_ENCODING), blob a blob/bytea. A NULL or another
 * type is BW_ERR_INVALID; ask bw_db_col_is_null first for nullable columns.
 * Text and blob bytes belong to the statement and stay valid until the next
 * bw_db_step or bw_db_finish; a text is not NUL-terminated.
 */
BW_MUST_CHECK enum bw_err bw_db_col_is_null(const struct bw_db_stmt *st, unsigned col,
                                            bool *is_null);
BW_MUST_CHECK enum bw_err bw_db_col_int64(const struct bw_db_stmt *st, unsigned col, int64_t *v);
BW_MUST_CHECK enum bw_err bw_db_col_bool(const struct bw_db_stmt *st, unsigned col, bool *v);
BW_MUST_CHECK enum bw_err bw_db_col_text(const struct bw_db_stmt *st, unsigned col,
                                         struct bw_str *v);
BW_MUST_CHECK enum bw_err bw_db_col_blob(const struct bw_db_stmt *st, unsigned col,
                                         const uint8_t **p, size_t *len);

/**
 * bw_db_sql_to_pg - the placeholder rewrite, exposed for tests and tools:
 * check sql by the rules at the top of this file and write it to out (cap
 * bytes, NUL-terminated) with the i-th `?` replaced by $i. *out_len gets the
 * length without the NUL and *nparams the number of `?`. Errors:
 * BW_ERR_INVALID (refused text), BW_ERR_LIMIT (longer than BW_DB_SQL_MAX,
 * more than BW_DB_PARAMS_MAX parameters, or out too small). out may be NULL
 * with cap 0 to check and count only.
 */
BW_MUST_CHECK enum bw_err bw_db_sql_to_pg(struct bw_sql sql, char *out, size_t cap, size_t *out_len,
                                          unsigned *nparams);

/**
 * A versioned migration kept in code. Versions start at 1 and strictly
 * increase along a list; name is 1..64 bytes of [a-z0-9_]. up is a script of
 * one or more statements without parameters; up_pg, when its text is not
 * NULL, replaces it on PostgreSQL (DDL differs: identity columns, types).
 * What is recorded is the SHA-256 of the script run on that backend.
 */
struct bw_migration {
	unsigned version;
	const char *name;
	struct bw_sql up;
	struct bw_sql up_pg;
};

/** What bw_db_schema_check saw. */
struct bw_db_schema {
	unsigned db_version;   /**< highest recorded version, 0 for none */
	unsigned code_version; /**< highest version in the list */
	unsigned pending;      /**< migrations in the list not yet recorded */
};

/**
 * bw_db_migrate - apply the migrations of list[0..n) that the database has
 * not recorded, in order, each in its own transaction together with its row
 * in schema_migrations (created if missing). Run it with the owner role; the
 * runtime role gets BW_ERR_DENIED. *applied (may be NULL) gets the count.
 * Refuses, changing nothing, what bw_db_schema_check refuses other than
 * pending migrations. A failing script rolls back and stops with its error.
 * list is borrowed. Errors: BW_ERR_INVALID (a malformed list or script).
 */
BW_MUST_CHECK enum bw_err bw_db_migrate(struct bw_db *db, const struct bw_migration *list, size_t n,
                                        unsigned *applied);

/**
 * bw_db_schema_check - whether the database is exactly at the list's
 * version; it reads only, so the runtime role may run it. BW_OK when up to
 * date; BW_ERR_STATE when migrations are pending (also when none was ever
 * applied); BW_ERR_RANGE when the database records a version the list does
 * not have (a database newer than the code); BW_ERR_VERIFY when a recorded
 * name or checksum differs from the code's. *out (may be NULL) is filled
 * whenever the records could be read.
 */
BW_MUST_CHECK enum bw_err bw_db_schema_check(struct bw_db *db, const struct bw_migration *list,
                                             size_t n, struct bw_db_schema *out);

#ifdef __cplusplus
}
#endif
#endif
