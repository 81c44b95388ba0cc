/*
 * db_sqlite.c — the SQLite backend: connections with the hardening pragmas,
 * prepared statements, typed binds and columns, error mapping, and the
 * authorizer that gives a handle the runtime role's rights (no DDL).
 */
#include "db_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static enum bw_err map_rc(struct bw_db_conn *c, int rc)
{
	enum bw_err err;

	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return BW_OK;
	case SQLITE_CONSTRAINT:
		err = (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		              ? BW_ERR_EXISTS
		              : BW_ERR_INVALID;
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_INTERRUPT:
		err = BW_ERR_BUSY;
		break;
	case SQLITE_NOMEM:
		err = BW_ERR_NOMEM;
		break;
	case SQLITE_AUTH:
	case SQLITE_PERM:
	case SQLITE_READONLY:
		err = BW_ERR_DENIED;
		break;
	case SQLITE_TOOBIG:
		err = BW_ERR_LIMIT;
		break;
	case SQLITE_IOERR:
	case SQLITE_CORRUPT:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
	case SQLITE_NOTADB:
	case SQLITE_PROTOCOL:
		err = BW_ERR_IO;
		break;
	default: /* SQLITE_ERROR (syntax, no such table), MISMATCH, RANGE, SCHEMA, MISUSE */
		err = BW_ERR_INVALID;
		break;
	}
	return db_debug(c->db, err, c->sq != NULL ? sqlite3_errmsg(c->sq) : sqlite3_errstr(rc));
}

/* The runtime role: data in, data out; no schema changes, no migration records. */
static int deny_ddl(void *ud, int action, const char *a, const char *b, const char *dbname,
                    const char *trigger)
{
	(void)ud;
	(void)b;
	(void)dbname;
	(void)trigger;
	switch (action) {
	case SQLITE_CREATE_INDEX:
	case SQLITE_CREATE_TABLE:
	case SQLITE_CREATE_TEMP_INDEX:
	case SQLITE_CREATE_TEMP_TABLE:
	case SQLITE_CREATE_TEMP_TRIGGER:
	case SQLITE_CREATE_TEMP_VIEW:
	case SQLITE_CREATE_TRIGGER:
	case SQLITE_CREATE_VIEW:
	case SQLITE_CREATE_VTABLE:
	case SQLITE_DROP_INDEX:
	case SQLITE_DROP_TABLE:
	case SQLITE_DROP_TEMP_INDEX:
	case SQLITE_DROP_TEMP_TABLE:
	case SQLITE_DROP_TEMP_TRIGGER:
	case SQLITE_DROP_TEMP_VIEW:
	case SQLITE_DROP_TRIGGER:
	case SQLITE_DROP_VIEW:
	case SQLITE_DROP_VTABLE:
	case SQLITE_ALTER_TABLE:
	case SQLITE_REINDEX:
	case SQLITE_PRAGMA:
	case SQLITE_ATTACH:
	case SQLITE_DETACH:
		return SQLITE_DENY;
	case SQLITE_INSERT:
	case SQLITE_UPDATE:
	case SQLITE_DELETE:
		if (a != NULL && (sqlite3_stricmp(a, "schema_migrations") == 0 ||
		                  sqlite3_stricmp(a, "sqlite_master") == 0 ||
		                  sqlite3_stricmp(a, "sqlite_schema") == 0))
			return SQLITE_DENY;
		return SQLITE_OK;
	default:
		return SQLITE_OK;
	}
}

/* Run one fixed PRAGMA and, when want is not NULL, check the first column of its row. */
static enum bw_err pragma(struct bw_db_conn *c, const struct bw_sql sql, const char *want)
{
	sqlite3_stmt *s = NULL;
	enum bw_err rc = BW_OK;
	int r;

	r = sqlite3_prepare_v2(c->sq, sql.text, (int)sql.len, &s, NULL);
	if (r != SQLITE_OK) {
		rc = map_rc(c, r);
		goto out;
	}
	r = sqlite3_step(s);
	if (r != SQLITE_ROW && r != SQLITE_DONE) {
		rc = map_rc(c, r);
		goto out;
	}
	if (want != NULL) {
		const unsigned char *v = r == SQLITE_ROW ? sqlite3_column_text(s, 0) : NULL;

		if (v == NULL || sqlite3_stricmp((const char *)v, want) != 0)
			rc = db_debug(c->db, BW_ERR_IO, "sqlite: a pragma did not take effect");
	}
out:
	sqlite3_finalize(s);
	return rc;
}

/*
 * Create the file 0600 when it does not exist yet (SQLite gives -wal and -shm
 * the same mode), refusing a symlink. An existing file is only looked at,
 * never opened here: closing any descriptor of the database drops every
 * POSIX lock this process holds on it (fcntl semantics), including the
 * shared-memory locks of the pool's open connections. Another process (a CLI
 * command, a test) closing its last connection would then take the WAL for
 * unused, checkpoint and delete it under us, and our later commits would go
 * to a deleted file. A second look covers a file made between look and create.
 */
static enum bw_err precreate(const char *path)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		struct stat st;
		int fd;

		if (lstat(path, &st) == 0)
			return S_ISLNK(st.st_mode) ? BW_ERR_DENIED : BW_OK;
		if (errno != ENOENT)
			return BW_ERR_IO;
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0) {
			close(fd); /* made just now: no connection of ours has a lock on it */
			return BW_OK;
		}
		if (errno != EEXIST)
			return BW_ERR_IO;
	}
	return BW_ERR_IO;
}

enum bw_err db_sqlite_connect(struct bw_db_conn *c)
{
	const struct bw_db *db = c->db;
	bool memory = strcmp(db->sqlite_path, ":memory:") == 0;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
	            SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_EXRESCODE;
	enum bw_err rc;
	int r;

	if (!memory) {
		rc = precreate(db->sqlite_path);
		if (rc != BW_OK)
			return db_debug(db, rc, "sqlite: cannot create the database file");
	}
	r = sqlite3_open_v2(db->sqlite_path, &c->sq, flags, NULL);
	if (r != SQLITE_OK) {
		rc = map_rc(c, r);
		return rc == BW_ERR_INVALID ? BW_ERR_IO : rc;
	}
	sqlite3_extended_result_codes(c->sq, 1);
	if (sqlite3_db_config(c->sq, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL) != SQLITE_OK ||
	    sqlite3_db_config(c->sq, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL) != SQLITE_OK ||
	    sqlite3_db_config(c->sq, SQLITE_DBCONFIG_DQS_DML, 0, NULL) != SQLITE_OK ||
	    sqlite3_db_config(c->sq, SQLITE_DBCONFIG_DQS_DDL, 0, NULL) != SQLITE_OK ||
	    sqlite3_db_config(c->sq, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(c->sq, (int)db->opt.busy_timeout_ms) != SQLITE_OK)
		return db_debug(db, BW_ERR_IO, "sqlite: configuration refused");
	rc = pragma(c, BW_SQL("PRAGMA journal_mode=WAL"), memory ? "memory" : "wal");
	if (rc == BW_OK)
		rc = pragma(c, BW_SQL("PRAGMA foreign_keys=ON"), NULL);
	if (rc == BW_OK)
		rc = pragma(c, BW_SQL("PRAGMA foreign_keys"), "1");
	if (rc == BW_OK)
		rc = pragma(c, BW_SQL("PRAGMA secure_delete=ON"), "1");
	if (rc == BW_OK)
		rc = pragma(c, BW_SQL("PRAGMA synchronous=FULL"), NULL);
	if (rc != BW_OK)
		return rc;
	if (db->opt.deny_ddl && sqlite3_set_authorizer(c->sq, deny_ddl, NULL) != SQLITE_OK)
		return db_debug(db, BW_ERR_IO, "sqlite: authorizer refused");
	return BW_OK;
}

void db_sqlite_disconnect(struct bw_db_conn *c)
{
	sqlite3_close_v2(c->sq); /* statements were finalized first */
	c->sq = NULL;
}

bool db_sqlite_in_tx(const struct bw_db_conn *c)
{
	return c->sq != NULL && sqlite3_get_autocommit(c->sq) == 0;
}

enum bw_err db_sqlite_prepare(struct bw_db_stmt *st)
{
	struct bw_db_conn *c = st->conn;
	unsigned flags = st->cached ? SQLITE_PREPARE_PERSISTENT : 0;
	int r;

	r = sqlite3_prepare_v3(c->sq, st->orig, (int)st->keylen, flags, &st->sq, NULL);
	if (r != SQLITE_OK)
		return map_rc(c, r);
	if (st->sq == NULL)
		return BW_ERR_INVALID; /* only blanks and comments */
	/* :name, @name and the like are not `?`: the counts then differ */
	if (sqlite3_bind_parameter_count(st->sq) != (int)st->nparams)
		return db_debug(c->db, BW_ERR_INVALID, "sqlite: parameters other than ?");
	return BW_OK;
}

enum bw_err db_sqlite_bind(struct bw_db_stmt *st, unsigned idx, int type, int64_t i, const void *p,
                           size_t len)
{
	int r;

	switch (type) {
	case DB_T_INT64:
	case DB_T_BOOL:
		r = sqlite3_bind_int64(st->sq, (int)idx, i);
		break;
	case DB_T_TEXT:
		r = sqlite3_bind_text(st->sq, (int)idx, p, (int)len, SQLITE_TRANSIENT);
		break;
	case DB_T_BLOB:
		r = sqlite3_bind_blob(st->sq, (int)idx, p, (int)len, SQLITE_TRANSIENT);
		break;
	default:
		r = sqlite3_bind_null(st->sq, (int)idx);
		break;
	}
	return map_rc(st->conn, r);
}

enum bw_err db_sqlite_step(struct bw_db_stmt *st)
{
	sqlite3 *sq = st->conn->sq;
	int r;

	if (!st->stepped) {
		st->stepped = true;
		st->total0 = sqlite3_total_changes64(sq);
	}
	r = sqlite3_step(st->sq);
	if (r == SQLITE_ROW) {
		st->have_row = true;
		return BW_OK;
	}
	st->have_row = false;
	if (r != SQLITE_DONE)
		return map_rc(st->conn, r);
	/* sqlite3_changes64 is the count of the last top-level INSERT, UPDATE
	 * or DELETE: this statement's only if it changed anything at all */
	if (sqlite3_total_changes64(sq) != st->total0)
		st->changes = (uint64_t)sqlite3_changes64(sq);
	return BW_OK;
}

void db_sqlite_stop(struct bw_db_stmt *st)
{
	if (st->sq == NULL)
		return;
	sqlite3_reset(st->sq); /* repeats the last step's error, already reported */
	sqlite3_clear_bindings(st->sq);
}

void db_sqlite_free(struct bw_db_stmt *st)
{
	sqlite3_finalize(st->sq);
	st->sq = NULL;
}

enum bw_err db_sqlite_script(struct bw_db_conn *c, struct bw_sql sql)
{
	const char *p = sql.text, *end = sql.text + sql.len;
	enum bw_err rc = BW_OK;

	while (p < end) {
		sqlite3_stmt *s = NULL;
		const char *tail = NULL;
		int r = sqlite3_prepare_v2(c->sq, p, (int)(end - p), &s, &tail);

		if (r != SQLITE_OK)
			return map_rc(c, r);
		if (s == NULL)
			break; /* only blanks and comments left */
		if (sqlite3_bind_parameter_count(s) != 0) {
			sqlite3_finalize(s);
			return BW_ERR_INVALID;
		}
		do
			r = sqlite3_step(s);
		while (r == SQLITE_ROW);
		if (r != SQLITE_DONE)
			rc = map_rc(c, r);
		sqlite3_finalize(s);
		if (rc != BW_OK)
			return rc;
		if (sqlite3_get_autocommit(c->sq))
			return BW_ERR_INVALID; /* the script ended the migration's transaction */
		p = tail;
	}
	return BW_OK;
}

unsigned db_sqlite_ncols(const struct bw_db_stmt *st)
{
	return (unsigned)sqlite3_data_count(st->sq);
}

enum bw_err db_sqlite_col(const struct bw_db_stmt *st, unsigned col, int type, int64_t *i,
                          const uint8_t **p, size_t *len)
{
	int t = sqlite3_column_type(st->sq, (int)col);

	switch (type) {
	case DB_T_NULL:
		*i = t == SQLITE_NULL;
		return BW_OK;
	case DB_T_INT64:
		if (t != SQLITE_INTEGER)
			return BW_ERR_INVALID;
		*i = sqlite3_column_int64(st->sq, (int)col);
		return BW_OK;
	case DB_T_BOOL: {
		sqlite3_int64 v;

		if (t != SQLITE_INTEGER)
			return BW_ERR_INVALID;
		v = sqlite3_column_int64(st->sq, (int)col);
		if (v != 0 && v != 1)
			return BW_ERR_INVALID;
		*i = v;
		return BW_OK;
	}
	case DB_T_TEXT:
		if (t != SQLITE_TEXT)
			return BW_ERR_INVALID;
		*p = sqlite3_column_text(st->sq, (int)col);
		break;
	case DB_T_BLOB:
		if (t != SQLITE_BLOB)
			return BW_ERR_INVALID;
		*p = sqlite3_column_blob(st->sq, (int)col);
		break;
	default:
		return BW_ERR_INTERNAL;
	}
	*len = (size_t)sqlite3_column_bytes(st->sq, (int)col);
	if (*p == NULL) {
		if (*len != 0)
			return BW_ERR_NOMEM;
		*p = (const uint8_t *)"";
	}
	return BW_OK;
}
