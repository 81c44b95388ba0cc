/*
 * test_db.c — the database layer, the same cases against both backends.
 *
 * Without BW_TEST_PG_OWNER in the environment (plain `unit.db`) the cases
 * run on SQLite; under scripts/with-postgres.sh (`unit.db.postgresql`) they
 * run on the throwaway PostgreSQL it started, as bw_owner (migrations, DDL)
 * and bw_app (the runtime role). The backend-free checks (placeholder
 * rewrite, URL refusals) run in both.
 */
#include "bw_test.h"

#include "bulwark/db.h"
#include "db_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct {
	enum bw_db_backend be;
	char dir[256];
	char url[512];
	const char *pg_owner, *pg_app, *pg_app_tcp;
	struct bw_db *db; /* the owner's handle, opened per test */
} FX;

/* One text per backend where the DDL differs. */
#define SQL2(lite, pg) (FX.be == BW_DB_SQLITE ? BW_SQL(lite) : BW_SQL(pg))

static struct bw_db *open_url(const char *url, const struct bw_db_options *o)
{
	struct bw_db *db = NULL;
	enum bw_err rc = bw_db_open(url, o, &db);

	if (rc != BW_OK)
		fail_msg("bw_db_open: %s", bw_err_str(rc));
	return db;
}

/* The runtime role: bw_app on PostgreSQL, the DDL-denying authorizer on SQLite. */
static struct bw_db *open_app(struct bw_db_options *o)
{
	struct bw_db_options def = {0};

	if (o == NULL)
		o = &def;
	if (FX.be == BW_DB_SQLITE) {
		o->deny_ddl = true;
		return open_url(FX.url, o);
	}
	return open_url(FX.pg_app, o);
}

static struct bw_db_conn *acq(struct bw_db *db)
{
	struct bw_db_conn *c = NULL;

	assert_int_equal(bw_db_acquire(db, &c), BW_OK);
	return c;
}

static void exec_ok(struct bw_db *db, struct bw_sql sql)
{
	struct bw_db_conn *c = acq(db);
	enum bw_err rc = bw_db_exec(c, sql, NULL);

	bw_db_release(c);
	if (rc != BW_OK)
		fail_msg("exec '%s': %s", sql.text, bw_err_str(rc));
}

static enum bw_err exec_rc(struct bw_db *db, struct bw_sql sql)
{
	struct bw_db_conn *c = acq(db);
	enum bw_err rc = bw_db_exec(c, sql, NULL);

	bw_db_release(c);
	return rc;
}

static int64_t count_items(struct bw_db *db)
{
	struct bw_db_conn *c = acq(db);
	struct bw_db_stmt *st = NULL;
	int64_t n = -1;

	assert_int_equal(bw_db_prepare(c, BW_SQL("SELECT count(*) FROM items"), &st), BW_OK);
	assert_int_equal(bw_db_step_one(st), BW_OK);
	assert_int_equal(bw_db_col_int64(st, 0, &n), BW_OK);
	bw_db_finish(st);
	bw_db_release(c);
	return n;
}

static void create_items(struct bw_db *db)
{
	exec_ok(db, SQL2("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	                 " data BLOB, n INTEGER, flag INTEGER)",
	                 "CREATE TABLE items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	                 " name text NOT NULL UNIQUE, data bytea, n bigint, flag boolean)"));
}

/* Insert a row by the API; returns the error, *id from RETURNING. */
static enum bw_err insert_item(struct bw_db_conn *c, const char *name, size_t name_len,
                               const void *data, size_t data_len, int64_t n, bool flag, int64_t *id)
{
	struct bw_db_stmt *st = NULL;
	enum bw_err rc;

	rc = bw_db_prepare(
	        c,
	        BW_SQL("INSERT INTO items (name, data, n, flag) VALUES (?, ?, ?, ?) RETURNING id"),
	        &st);
	if (rc != BW_OK)
		return rc;
	rc = bw_db_bind_text(st, 1, name, name_len);
	if (rc == BW_OK)
		rc = data != NULL ? bw_db_bind_blob(st, 2, data, data_len) : bw_db_bind_null(st, 2);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 3, n);
	if (rc == BW_OK)
		rc = bw_db_bind_bool(st, 4, flag);
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK && id != NULL)
		rc = bw_db_col_int64(st, 0, id);
	bw_db_finish(st);
	return rc;
}

static void rm_sqlite_dir(void)
{
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal", ".link"};
	char p[600];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s/t.db%s", FX.dir, suffix[i]);
		unlink(p);
	}
	rmdir(FX.dir);
}

static int setup(void **state)
{
	(void)state;
	if (FX.be == BW_DB_SQLITE) {
		const char *tmp = getenv("TMPDIR");

		snprintf(FX.dir, sizeof(FX.dir), "%s/bw-db-XXXXXX", tmp && *tmp ? tmp : P_tmpdir);
		if (mkdtemp(FX.dir) == NULL)
			return -1;
		snprintf(FX.url, sizeof(FX.url), "sqlite:%s/t.db", FX.dir);
		return bw_db_open(FX.url, NULL, &FX.db) == BW_OK ? 0 : -1;
	}
	if (bw_db_open(FX.pg_owner, NULL, &FX.db) != BW_OK)
		return -1;
	/* every case starts from an empty database */
	return exec_rc(FX.db, BW_SQL("DROP TABLE IF EXISTS m_b, m_a, m_c, items, schema_migrations"
	                             " CASCADE")) == BW_OK
	               ? 0
	               : -1;
}

static int teardown(void **state)
{
	(void)state;
	/* a failed assertion may have left a connection held: leak it rather
	 * than abort in bw_db_close and hide the failure */
	for (unsigned i = 0; FX.db != NULL && i < FX.db->size; i++)
		if (FX.db->conns[i].in_use)
			FX.db = NULL;
	bw_db_close(FX.db);
	FX.db = NULL;
	if (FX.be == BW_DB_SQLITE)
		rm_sqlite_dir();
	return 0;
}

/* ---------------------------------------------------------------- the SQL text */

static void rewrite_ok(const char *in, size_t in_len, const char *want, unsigned want_n)
{
	char out[512];
	size_t len = 0;
	unsigned n = 99;
	struct bw_sql s = {in, in_len};

	assert_int_equal(bw_db_sql_to_pg(s, out, sizeof(out), &len, &n), BW_OK);
	assert_string_equal(out, want);
	assert_int_equal(len, strlen(want));
	assert_int_equal(n, want_n);
}

#define REWRITE_OK(lit, want, n) rewrite_ok("" lit, sizeof(lit) - 1, want, n)
#define REFUSED(lit, err)        assert_int_equal(bw_db_sql_to_pg(BW_SQL(lit), NULL, 0, NULL, NULL), err)

static void sql_rewrite(void **state)
{
	(void)state;
	REWRITE_OK("SELECT ? , ?", "SELECT $1 , $2", 2);
	REWRITE_OK("SELECT a FROM t", "SELECT a FROM t", 0);
	/* `?` in a literal, a quoted identifier and both comment forms stays */
	REWRITE_OK("SELECT '?', \"a?\", ? -- ?\n /* ? */ ?",
	           "SELECT '?', \"a?\", $1 -- ?\n /* ? */ $2", 2);
	REWRITE_OK("SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1", 1);
	REWRITE_OK("SELECT \"a\"\"?\", ?", "SELECT \"a\"\"?\", $1", 1);
	REWRITE_OK("SELECT x'3f', ?", "SELECT x'3f', $1", 1);
	/* ELSE'…' ends in e but is a keyword, not an E'…' string */
	REWRITE_OK("SELECT CASE WHEN ? THEN 'a' ELSE'b' END",
	           "SELECT CASE WHEN $1 THEN 'a' ELSE'b' END", 1);
	REWRITE_OK("SELECT 1;", "SELECT 1;", 0);
	REWRITE_OK("SELECT 1; -- done\n", "SELECT 1; -- done\n", 0);
	REWRITE_OK("SELECT ?,?,?,?,?,?,?,?,?,?", "SELECT $1,$2,$3,$4,$5,$6,$7,$8,$9,$10", 10);

	REFUSED("SELECT $1", BW_ERR_INVALID);
	REFUSED("SELECT $$ ? $$", BW_ERR_INVALID);
	REFUSED("SELECT a$b FROM t", BW_ERR_INVALID);
	REFUSED("SELECT ?1", BW_ERR_INVALID);
	REFUSED("SELECT E'\\'; DROP TABLE t; --'", BW_ERR_INVALID);
	REFUSED("SELECT e'x'", BW_ERR_INVALID);
	REFUSED("SELECT 'open", BW_ERR_INVALID);
	REFUSED("SELECT 'a'' ", BW_ERR_INVALID);
	REFUSED("SELECT \"open", BW_ERR_INVALID);
	REFUSED("SELECT 1 /* open", BW_ERR_INVALID);
	REFUSED("/* a /* b */ ? */ SELECT 1", BW_ERR_INVALID);
	REFUSED("SELECT 1; DROP TABLE t", BW_ERR_INVALID);
	REFUSED("SELECT 1;;", BW_ERR_INVALID);
	REFUSED("SELECT 1\0; DROP TABLE t", BW_ERR_INVALID);
	REFUSED("", BW_ERR_INVALID);
	REFUSED("  -- only a comment\n /* and another */ ", BW_ERR_INVALID);
}

static void sql_rewrite_limits(void **state)
{
	char in[3 * BW_DB_PARAMS_MAX + 16], out[512];
	size_t len = 0, o = 0;
	unsigned n = 0;
	struct bw_sql s;

	(void)state;
	o = (size_t)snprintf(in, sizeof(in), "SELECT ?");
	for (unsigned i = 1; i < BW_DB_PARAMS_MAX; i++)
		o += (size_t)snprintf(in + o, sizeof(in) - o, ",?");
	s = (struct bw_sql){in, o};
	assert_int_equal(bw_db_sql_to_pg(s, out, sizeof(out), &len, &n), BW_OK);
	assert_int_equal(n, BW_DB_PARAMS_MAX);
	assert_non_null(strstr(out, ",$64"));
	/* one more is too many */
	o += (size_t)snprintf(in + o, sizeof(in) - o, ",?");
	s = (struct bw_sql){in, o};
	assert_int_equal(bw_db_sql_to_pg(s, out, sizeof(out), &len, &n), BW_ERR_LIMIT);
	/* an output buffer one byte short, and exactly long enough */
	assert_int_equal(bw_db_sql_to_pg(BW_SQL("SELECT ?"), out, 9, &len, &n), BW_ERR_LIMIT);
	assert_int_equal(bw_db_sql_to_pg(BW_SQL("SELECT ?"), out, 10, &len, &n), BW_OK);
	assert_string_equal(out, "SELECT $1");
	/* BW_SQL keeps the length without the NUL, and the NUL after it */
	assert_int_equal(BW_SQL("abc").len, 3);
	assert_int_equal(BW_SQL("abc").text[3], '\0');
}

/* ---------------------------------------------------------------- URLs */

static void url_refusals(void **state)
{
	static const struct {
		const char *url;
		bool dev;
		enum bw_err want;
	} cases[] = {
	        {"", false, BW_ERR_CONFIG},
	        {"mysql://h/db", false, BW_ERR_CONFIG},
	        {"sqlite:", false, BW_ERR_CONFIG},
	        {"sqlite://h/x.db", false, BW_ERR_CONFIG},
	        {"sqlite:file:x.db?mode=ro", false, BW_ERR_CONFIG},
	        {"sqlite:x\n.db", false, BW_ERR_CONFIG},
	        {"postgresql:///bulwark", false, BW_ERR_CONFIG}, /* no host: never PGHOST */
	        {"postgresql://db.example.com/b?sslmode=disable", false, BW_ERR_CONFIG},
	        {"postgresql://db.example.com/b?sslmode=require", false, BW_ERR_CONFIG},
	        {"postgresql://db.example.com/b?sslmode=verify-ca", false, BW_ERR_CONFIG},
	        {"postgresql://db.example.com/b?sslmode=disable", true, BW_ERR_CONFIG},
	        {"postgresql://127.0.0.1:1/b?sslmode=disable", false, BW_ERR_CONFIG},
	        {"postgresql://127.0.0.1,db.example.com/b?sslmode=disable", true, BW_ERR_CONFIG},
	        {"postgresql://127.0.0.1,/b?sslmode=disable", true, BW_ERR_CONFIG},
	        {"postgresql://h/b?sslmode=verify-fully", false, BW_ERR_CONFIG},
	        {"postgresql://h/b?service=prod", false, BW_ERR_CONFIG},
	        {"postgresql://h/b?hostaddr=192.0.2.1", false, BW_ERR_CONFIG},
	        {"postgresql://h/b?no_such_option=1", false, BW_ERR_CONFIG},
	        {"postgresql://h:99999999999/b", false, BW_ERR_CONFIG},
	        /* accepted by the checks; nothing listens on port 1 */
	        {"postgresql://127.0.0.1:1/b?sslmode=disable&connect_timeout=2", true, BW_ERR_IO},
	        {"postgresql://[::1]:1/b?sslmode=prefer&connect_timeout=2", true, BW_ERR_IO},
	        {"postgresql://localhost:1/b?sslmode=disable&connect_timeout=2", true, BW_ERR_IO},
	};
	char longurl[BW_DB_URL_MAX + 16];
	struct bw_db *db = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bw_db_options o = {.dev_insecure_loopback = cases[i].dev};
		enum bw_err rc = bw_db_open(cases[i].url, &o, &db);

		if (rc != cases[i].want)
			fail_msg("%s: %s, wanted %s", cases[i].url, bw_err_str(rc),
			         bw_err_str(cases[i].want));
		assert_null(db);
	}
	memset(longurl, 'a', sizeof(longurl));
	memcpy(longurl, "sqlite:", 7);
	longurl[sizeof(longurl) - 1] = '\0';
	assert_int_equal(bw_db_open(longurl, NULL, &db), BW_ERR_CONFIG);
	/* out-of-range options */
	{
		struct bw_db_options o = {.pool_size = BW_DB_POOL_MAX + 1};

		assert_int_equal(bw_db_open("sqlite::memory:", &o, &db), BW_ERR_CONFIG);
	}
}

static void pg_params(void **state)
{
	struct bw_db_options o = {.statement_timeout_ms = 1234, .connect_timeout_s = 7};
	struct db_pg_params p;

	(void)state;
	/* TCP without sslmode: verify-full is put in, the encoding forced, timeouts set */
	assert_int_equal(db_pg_params_new("postgresql://u:pw@db.example.com:5433/b"
	                                  "?client_encoding=LATIN1&options=-c%20search_path%3Dx",
	                                  &o, &p),
	                 BW_OK);
	assert_string_equal(db_pg_param(&p, "sslmode"), "verify-full");
	assert_string_equal(db_pg_param(&p, "client_encoding"), "UTF8");
	assert_string_equal(db_pg_param(&p, "host"), "db.example.com");
	assert_string_equal(db_pg_param(&p, "password"), "pw");
	assert_string_equal(db_pg_param(&p, "connect_timeout"), "7");
	assert_string_equal(db_pg_param(&p, "options"),
	                    "-c search_path=x -c statement_timeout=1234 "
	                    "-c standard_conforming_strings=on");
	db_pg_params_free(&p);
	/* verify-full asked for explicitly stays */
	assert_int_equal(db_pg_params_new("postgresql://h/b?sslmode=verify-full", &o, &p), BW_OK);
	assert_string_equal(db_pg_param(&p, "sslmode"), "verify-full");
	db_pg_params_free(&p);
	/* a Unix socket directory: no TLS, and PGSSLMODE cannot change it */
	assert_int_equal(db_pg_params_new("postgresql://u@/b?host=/run/pg", &o, &p), BW_OK);
	assert_string_equal(db_pg_param(&p, "sslmode"), "disable");
	db_pg_params_free(&p);
	/* a socket plus a TCP host: the TCP rule applies */
	assert_int_equal(db_pg_params_new("postgresql://u@/b?host=/run/pg,db.example.com"
	                                  "&sslmode=require",
	                                  &o, &p),
	                 BW_ERR_CONFIG);
	/* the development option only for loopback hosts */
	o.dev_insecure_loopback = true;
	assert_int_equal(db_pg_params_new("postgresql://localhost/b?sslmode=disable", &o, &p),
	                 BW_OK);
	assert_string_equal(db_pg_param(&p, "sslmode"), "disable");
	db_pg_params_free(&p);
	assert_int_equal(db_pg_params_new("postgresql://127.0.0.2/b?sslmode=disable", &o, &p),
	                 BW_ERR_CONFIG);
}

/* ---------------------------------------------------------------- rows */

static void crud_hostile(void **state)
{
	static const char evil[] = "'; DROP TABLE items; --";
	static const char bobby[] = "Robert'); DROP TABLE students;--";
	static const char quotes[] = "\"?\" $1 \\' ''";
	static const uint8_t blob[] = {'a', 0, 'b', 0, '\'', '"', 0xff};
	static const char uni[] = "\xc5\xbc\xc3\xb3\xc5\x82w \xf0\x9f\x90\xa2";
	struct bw_db_conn *c;
	struct bw_db_stmt *st = NULL;
	int64_t id1 = 0, id2 = 0, id3 = 0, id4 = 0, n = 0;
	struct bw_str s;
	const uint8_t *p;
	size_t len;
	uint64_t ch = 99;
	bool flag = false, isnull = false, row = true;

	(void)state;
	create_items(FX.db);
	c = acq(FX.db);
	assert_int_equal(
	        insert_item(c, evil, strlen(evil), blob, sizeof(blob), INT64_MIN, true, &id1),
	        BW_OK);
	assert_int_equal(insert_item(c, bobby, strlen(bobby), NULL, 0, INT64_MAX, false, &id2),
	                 BW_OK);
	assert_int_equal(insert_item(c, quotes, strlen(quotes), "", 0, 0, false, &id3), BW_OK);
	assert_int_equal(insert_item(c, uni, strlen(uni), blob, 1, -1, true, &id4), BW_OK);
	assert_true(id1 > 0 && id2 > id1 && id3 > id2 && id4 > id3);

	/* read back by the hostile key: every byte as it went in */
	assert_int_equal(bw_db_prepare(c,
	                               BW_SQL("SELECT id, name, data, n, flag FROM items WHERE "
	                                      "name = ?"),
	                               &st),
	                 BW_OK);
	assert_int_equal(bw_db_bind_text(st, 1, evil, strlen(evil)), BW_OK);
	assert_int_equal(bw_db_step_one(st), BW_OK);
	assert_int_equal(bw_db_col_count(st), 5);
	assert_int_equal(bw_db_col_int64(st, 0, &n), BW_OK);
	assert_true(n == id1);
	assert_int_equal(bw_db_col_text(st, 1, &s), BW_OK);
	assert_int_equal(s.len, strlen(evil));
	assert_memory_equal(s.p, evil, s.len);
	assert_int_equal(bw_db_col_blob(st, 2, &p, &len), BW_OK);
	assert_int_equal(len, sizeof(blob));
	assert_memory_equal(p, blob, len);
	assert_int_equal(bw_db_col_int64(st, 3, &n), BW_OK);
	assert_true(n == INT64_MIN);
	assert_int_equal(bw_db_col_bool(st, 4, &flag), BW_OK);
	assert_true(flag);
	assert_int_equal(bw_db_step(st, &row), BW_OK);
	assert_false(row);
	assert_int_equal(bw_db_changes(st, &ch), BW_OK);
	assert_int_equal(ch, 0);
	bw_db_finish(st);

	/* the other rows: NULL blob, INT64_MAX, an empty blob (not NULL), non-ASCII text */
	assert_int_equal(
	        bw_db_prepare(c, BW_SQL("SELECT name, data, n, flag FROM items WHERE id = ?"), &st),
	        BW_OK);
	assert_int_equal(bw_db_bind_int64(st, 1, id2), BW_OK);
	assert_int_equal(bw_db_step_one(st), BW_OK);
	assert_int_equal(bw_db_col_text(st, 0, &s), BW_OK);
	assert_true(bw_str_eq_c(s, bobby));
	assert_int_equal(bw_db_col_is_null(st, 1, &isnull), BW_OK);
	assert_true(isnull);
	assert_int_equal(bw_db_col_int64(st, 2, &n), BW_OK);
	assert_true(n == INT64_MAX);
	assert_int_equal(bw_db_col_bool(st, 3, &flag), BW_OK);
	assert_false(flag);
	bw_db_finish(st);
	assert_int_equal(
	        bw_db_prepare(c, BW_SQL("SELECT name, data, n, flag FROM items WHERE id = ?"), &st),
	        BW_OK);
	assert_int_equal(bw_db_bind_int64(st, 1, id3), BW_OK);
	assert_int_equal(bw_db_step_one(st), BW_OK);
	assert_int_equal(bw_db_col_text(st, 0, &s), BW_OK);
	assert_true(bw_str_eq_c(s, quotes));
	assert_int_equal(bw_db_col_is_null(st, 1, &isnull), BW_OK);
	assert_false(isnull);
	assert_int_equal(bw_db_col_blob(st, 1, &p, &len), BW_OK);
	assert_int_equal(len, 0);
	assert_non_null(p);
	bw_db_finish(st);
	assert_int_equal(bw_db_prepare(c, BW_SQL("SELECT name FROM items WHERE id = ?"), &st),
	                 BW_OK);
	assert_int_equal(bw_db_bind_int64(st, 1, id4), BW_OK);
	assert_int_equal(bw_db_step_one(st), BW_OK);
	assert_int_equal(bw_db_col_text(st, 0, &s), BW_OK);
	assert_true(bw_str_eq_c(s, uni));
	bw_db_finish(st);

	/* the table survived every payload */
	bw_db_release(c);
	assert_true(count_items(FX.db) == 4);
	c = acq(FX.db);

	/* update: one row, then none */
	assert_int_equal(bw_db_prepare(c, BW_SQL("UPDATE items SET n = ? WHERE name = ?"), &st),
	                 BW_OK);
	assert_int_equal(bw_db_bind_int64(st, 1, 7), BW_OK);
	assert_int_equal(bw_db_bind_text(st, 2, evil, strlen(evil)), BW_OK);
	assert_int_equal(bw_db_changes(st, &ch), BW_ERR_STATE); /* not run yet */
	assert_int_equal(bw_db_step(st, &row), BW_OK);
	assert_false(row);
	assert_int_equal(bw_db_changes(st, &ch), BW_OK);
	assert_int_equal(ch, 1);
	bw_db_finish(st);
	assert_int_equal(bw_db_prepare(c, BW_SQL("UPDATE items SET n = ? WHERE name = ?"), &st),
	                 BW_OK);
	assert_int_equal(bw_db_bind_int64(st, 1, 7), BW_OK);
	assert_int_equal(bw_db_bind_text(st, 2, "nobody", 6), BW_OK);
	assert_int_equal(bw_db_step(st, &row), BW_OK);
	assert_int_equal(bw_db_changes(st, &ch), BW_OK);
	assert_int_equal(ch, 0);
	bw_db_finish(st);
	/* update of several rows, counted */
	assert_int_equal(bw_db_exec(c, BW_SQL("UPDATE items SET n = 0 WHERE n <> 0"), &ch), BW_OK);
	assert_int_equal(ch, 3);

	/* delete, then the row is gone: NOT_FOUND */
	assert_int_equal(bw_db_prepare(c, BW_SQL("DELETE FROM items WHERE id = ?"), &st), BW_OK);
	assert_int_equal(bw_db_bind_int64(st, 1, id1), BW_OK);
	assert_int_equal(bw_db_step(st, &row), BW_OK);
	assert_int_equal(bw_db_changes(st, &ch), BW_OK);
	assert_int_equal(ch, 1);
	bw_db_finish(st);
	assert_int_equal(bw_db_prepare(c, BW_SQL("SELECT id FROM items WHERE id = ?"), &st), BW_OK);
	assert_int_equal(bw_db_bind_int64(st, 1, id1), BW_OK);
	assert_int_equal(bw_db_step_one(st), BW_ERR_NOT_FOUND);
	bw_db_finish(st);
	bw_db_release(c);
}

static void text_binds_refused(void **state)
{
	static const char *const bad[] = {"\xff", "\xc0\xaf", "a\xed\xa0\x80z", "\xf4\x90\x80\x80",
	                                  "abc\xe2\x82"};
	struct bw_db_conn *c;
	struct bw_db_stmt *st = NULL;
	uint8_t big = 0;

	(void)state;
	create_items(FX.db);
	c = acq(FX.db);
	assert_int_equal(
	        bw_db_prepare(c, BW_SQL("INSERT INTO items (name, data) VALUES (?, ?)"), &st),
	        BW_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(bw_db_bind_text(st, 1, bad[i], strlen(bad[i])), BW_ERR_ENCODING);
	/* a NUL inside text is refused; inside a blob it is data */
	assert_int_equal(bw_db_bind_text(st, 1, "a\0b", 3), BW_ERR_ENCODING);
	assert_int_equal(bw_db_bind_blob(st, 2, "a\0b", 3), BW_OK);
	/* the size cap is checked before the bytes are looked at */
	assert_int_equal(bw_db_bind_blob(st, 2, &big, (size_t)BW_DB_VALUE_MAX + 1), BW_ERR_LIMIT);
	/* nothing bound for 1 yet: the statement does not run */
	{
		bool row;

		assert_int_equal(bw_db_step(st, &row), BW_ERR_STATE);
	}
	bw_db_finish(st);
	bw_db_release(c);
	assert_true(count_items(FX.db) == 0);
}

static void bind_and_state_checks(void **state)
{
	struct bw_db_conn *c;
	struct bw_db_stmt *st = NULL;
	int64_t v = 0;
	bool row = false;

	(void)state;
	create_items(FX.db);
	c = acq(FX.db);
	assert_int_equal(bw_db_prepare(c, BW_SQL("SELECT ? + 1"), &st), BW_OK);
	assert_int_equal(bw_db_bind_int64(st, 0, 1), BW_ERR_RANGE);
	assert_int_equal(bw_db_bind_int64(st, 2, 1), BW_ERR_RANGE);
	assert_int_equal(bw_db_col_int64(st, 0, &v), BW_ERR_STATE); /* no row yet */
	assert_int_equal(bw_db_bind_int64(st, 1, 41), BW_OK);
	assert_int_equal(bw_db_step(st, &row), BW_OK);
	assert_true(row);
	assert_int_equal(bw_db_col_int64(st, 0, &v), BW_OK);
	assert_true(v == 42);
	assert_int_equal(bw_db_col_int64(st, 1, &v), BW_ERR_RANGE);
	assert_int_equal(bw_db_bind_int64(st, 1, 1), BW_ERR_STATE); /* already running */
	bw_db_finish(st);
	/* texts refused before they reach a backend, or by it, the same way on both */
	assert_int_equal(bw_db_prepare(c, BW_SQL("SELECT $1"), &st), BW_ERR_INVALID);
	assert_int_equal(bw_db_prepare(c, BW_SQL("SELECT :name"), &st), BW_ERR_INVALID);
	assert_int_equal(bw_db_prepare(c, BW_SQL("SELECT 1; DROP TABLE items"), &st),
	                 BW_ERR_INVALID);
	assert_int_equal(bw_db_prepare(c, BW_SQL("SELEC 1"), &st), BW_ERR_INVALID);
	assert_int_equal(bw_db_prepare(c, BW_SQL("-- nothing"), &st), BW_ERR_INVALID);
	/* no double-quoted string literals: "x" is a column name, here a missing one */
	assert_int_equal(bw_db_prepare(c, BW_SQL("SELECT \"nosuchcolumn\" FROM items"), &st),
	                 BW_ERR_INVALID);
	/* bw_db_exec runs only texts without parameters */
	assert_int_equal(bw_db_exec(c, BW_SQL("DELETE FROM items WHERE id = ?"), NULL),
	                 BW_ERR_INVALID);
	bw_db_release(c);
	assert_true(count_items(FX.db) == 0);
}

static void strict_column_types(void **state)
{
	struct bw_db_conn *c;
	struct bw_db_stmt *st = NULL;
	int64_t v;
	bool b, isnull;
	struct bw_str s;
	const uint8_t *p;
	size_t len;

	(void)state;
	create_items(FX.db);
	c = acq(FX.db);
	assert_int_equal(insert_item(c, "12", 2, NULL, 0, 2, false, NULL), BW_OK);
	assert_int_equal(bw_db_prepare(c, BW_SQL("SELECT name, data, n FROM items"), &st), BW_OK);
	assert_int_equal(bw_db_step_one(st), BW_OK);
	assert_int_equal(bw_db_col_int64(st, 0, &v), BW_ERR_INVALID); /* "12" is text */
	assert_int_equal(bw_db_col_blob(st, 0, &p, &len), BW_ERR_INVALID);
	assert_int_equal(bw_db_col_text(st, 1, &s), BW_ERR_INVALID); /* NULL */
	assert_int_equal(bw_db_col_int64(st, 1, &v), BW_ERR_INVALID);
	assert_int_equal(bw_db_col_is_null(st, 1, &isnull), BW_OK);
	assert_true(isnull);
	assert_int_equal(bw_db_col_is_null(st, 0, &isnull), BW_OK);
	assert_false(isnull);
	assert_int_equal(bw_db_col_text(st, 2, &s), BW_ERR_INVALID); /* an integer */
	assert_int_equal(bw_db_col_bool(st, 2, &b), BW_ERR_INVALID); /* 2 is no boolean */
	assert_int_equal(bw_db_col_is_null(st, 3, &isnull), BW_ERR_RANGE);
	bw_db_finish(st);
	bw_db_release(c);
}

static void unique_and_constraints(void **state)
{
	struct bw_db_conn *c;
	struct bw_db_stmt *st = NULL;
	bool row;

	(void)state;
	create_items(FX.db);
	c = acq(FX.db);
	assert_int_equal(insert_item(c, "alice", 5, NULL, 0, 1, false, NULL), BW_OK);
	assert_int_equal(insert_item(c, "alice", 5, NULL, 0, 2, false, NULL), BW_ERR_EXISTS);
	/* a NOT NULL violation is not "exists" */
	assert_int_equal(bw_db_prepare(c, BW_SQL("INSERT INTO items (name) VALUES (?)"), &st),
	                 BW_OK);
	assert_int_equal(bw_db_bind_null(st, 1), BW_OK);
	assert_int_equal(bw_db_step(st, &row), BW_ERR_INVALID);
	bw_db_finish(st);
	/* the connection is usable after the errors */
	assert_int_equal(insert_item(c, "bob", 3, NULL, 0, 2, false, NULL), BW_OK);
	bw_db_release(c);
	assert_true(count_items(FX.db) == 2);
}

static void foreign_keys_enforced(void **state)
{
	(void)state;
	exec_ok(FX.db, BW_SQL("CREATE TABLE m_a (id BIGINT PRIMARY KEY)"));
	exec_ok(FX.db, BW_SQL("CREATE TABLE m_b (a_id BIGINT NOT NULL REFERENCES m_a (id))"));
	exec_ok(FX.db, BW_SQL("INSERT INTO m_a (id) VALUES (1)"));
	exec_ok(FX.db, BW_SQL("INSERT INTO m_b (a_id) VALUES (1)"));
	assert_int_equal(exec_rc(FX.db, BW_SQL("INSERT INTO m_b (a_id) VALUES (2)")),
	                 BW_ERR_INVALID);
	assert_int_equal(exec_rc(FX.db, BW_SQL("DELETE FROM m_a")), BW_ERR_INVALID);
}

/* ---------------------------------------------------------------- transactions */

struct tx_ctx {
	const char *name;
	int mode; /* 0: insert and succeed; 1: insert then fail; 2: insert twice (unique violation);
	             3: commit itself */
};

static enum bw_err tx_body(struct bw_db_conn *c, void *arg)
{
	struct tx_ctx *t = arg;
	enum bw_err rc = insert_item(c, t->name, strlen(t->name), NULL, 0, 0, false, NULL);

	if (rc != BW_OK)
		return rc;
	switch (t->mode) {
	case 1:
		return BW_ERR_DENIED;
	case 2:
		return insert_item(c, t->name, strlen(t->name), NULL, 0, 0, false, NULL);
	case 3:
		return bw_db_exec(c, BW_SQL("COMMIT"), NULL);
	default:
		return BW_OK;
	}
}

static void tx_commit_or_rollback(void **state)
{
	struct tx_ctx t;

	(void)state;
	create_items(FX.db);
	t = (struct tx_ctx){"a", 1};
	assert_int_equal(bw_db_tx(FX.db, tx_body, &t), BW_ERR_DENIED);
	assert_true(count_items(FX.db) == 0);
	t = (struct tx_ctx){"b", 2};
	assert_int_equal(bw_db_tx(FX.db, tx_body, &t), BW_ERR_EXISTS);
	assert_true(count_items(FX.db) == 0); /* the first insert went too */
	t = (struct tx_ctx){"c", 0};
	assert_int_equal(bw_db_tx(FX.db, tx_body, &t), BW_OK);
	assert_true(count_items(FX.db) == 1);
	/* a body that ends the transaction itself is reported */
	t = (struct tx_ctx){"d", 3};
	assert_int_equal(bw_db_tx(FX.db, tx_body, &t), BW_ERR_STATE);
	/* and the pooled connection is clean afterwards */
	t = (struct tx_ctx){"e", 1};
	assert_int_equal(bw_db_tx(FX.db, tx_body, &t), BW_ERR_DENIED);
	assert_true(count_items(FX.db) == 2);
	/* a transaction begun by hand and not ended is rolled back on release */
	{
		struct bw_db_conn *c = acq(FX.db);

		assert_int_equal(bw_db_exec(c, BW_SQL("BEGIN"), NULL), BW_OK);
		assert_int_equal(insert_item(c, "f", 1, NULL, 0, 0, false, NULL), BW_OK);
		bw_db_release(c);
		assert_true(count_items(FX.db) == 2);
	}
}

struct retry_ctx {
	struct bw_db *db;
	unsigned attempts;
	unsigned interfere; /* interfere in this many first attempts */
	enum bw_err interferer_rc;
};

static enum bw_err bump(struct bw_db_conn *c, int64_t by)
{
	struct bw_db_stmt *st = NULL;
	enum bw_err rc;
	bool row;

	rc = bw_db_prepare(c, BW_SQL("UPDATE items SET n = n + ? WHERE name = 'k'"), &st);
	if (rc != BW_OK)
		return rc;
	rc = bw_db_bind_int64(st, 1, by);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	return rc;
}

static enum bw_err retry_body(struct bw_db_conn *c, void *arg)
{
	struct retry_ctx *r = arg;
	struct bw_db_stmt *st = NULL;
	enum bw_err rc;

	r->attempts++;
	/* read first: the transaction's snapshot is taken here */
	rc = bw_db_prepare(c, BW_SQL("SELECT n FROM items WHERE name = 'k'"), &st);
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	bw_db_finish(st);
	if (rc != BW_OK)
		return rc;
	if (r->attempts <= r->interfere) {
		struct bw_db_conn *other = NULL;

		/* another connection changes the row and commits meanwhile */
		rc = bw_db_acquire(r->db, &other);
		if (rc != BW_OK)
			return BW_ERR_INTERNAL;
		r->interferer_rc = bump(other, 100);
		bw_db_release(other);
	}
	return bump(c, 1);
}

static int64_t item_n(struct bw_db *db, const char *name)
{
	struct bw_db_conn *c = acq(db);
	struct bw_db_stmt *st = NULL;
	int64_t n = -1;

	assert_int_equal(bw_db_prepare(c, BW_SQL("SELECT n FROM items WHERE name = ?"), &st),
	                 BW_OK);
	assert_int_equal(bw_db_bind_text(st, 1, name, strlen(name)), BW_OK);
	assert_int_equal(bw_db_step_one(st), BW_OK);
	assert_int_equal(bw_db_col_int64(st, 0, &n), BW_OK);
	bw_db_finish(st);
	bw_db_release(c);
	return n;
}

static void tx_serialization_retry(void **state)
{
	struct bw_db_options o = {.pool_size = 2, .busy_timeout_ms = 200};
	struct retry_ctx r;
	struct bw_db *db;
	struct bw_db_conn *c;

	(void)state;
	create_items(FX.db);
	c = acq(FX.db);
	assert_int_equal(insert_item(c, "k", 1, NULL, 0, 0, false, NULL), BW_OK);
	bw_db_release(c);
	db = open_url(FX.be == BW_DB_SQLITE ? FX.url : FX.pg_owner, &o);
	if (FX.be == BW_DB_SQLITE) {
		/* the writer holds the lock from BEGIN IMMEDIATE: the other waits out
		 * its busy timeout and gets BUSY; the transaction is not retried */
		time_t t0 = time(NULL);

		r = (struct retry_ctx){db, 0, 1, BW_OK};
		assert_int_equal(bw_db_tx(db, retry_body, &r), BW_OK);
		assert_int_equal(r.attempts, 1);
		assert_int_equal(r.interferer_rc, BW_ERR_BUSY);
		assert_true(time(NULL) - t0 < 5);
		assert_true(item_n(db, "k") == 1);
		bw_db_close(db);
		return;
	}
	/* a concurrent update makes the first attempt fail to serialize: run again */
	r = (struct retry_ctx){db, 0, 1, BW_ERR_INTERNAL};
	assert_int_equal(bw_db_tx(db, retry_body, &r), BW_OK);
	assert_int_equal(r.interferer_rc, BW_OK);
	assert_int_equal(r.attempts, 2);
	assert_true(item_n(db, "k") == 101);
	/* always interfered with: bounded, then BUSY, and nothing of ours written */
	r = (struct retry_ctx){db, 0, 1000, BW_ERR_INTERNAL};
	assert_int_equal(bw_db_tx(db, retry_body, &r), BW_ERR_BUSY);
	assert_int_equal(r.attempts, BW_DB_TX_ATTEMPTS);
	assert_true(item_n(db, "k") == 101 + 100 * BW_DB_TX_ATTEMPTS);
	bw_db_close(db);
}

#define WRITERS    4
#define PER_WRITER 25

struct writer {
	struct bw_db *db;
	int id;
	int ok;
};

static enum bw_err writer_body(struct bw_db_conn *c, void *arg)
{
	const char *name = arg;

	return insert_item(c, name, strlen(name), NULL, 0, 1, false, NULL);
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;

	for (int i = 0; i < PER_WRITER; i++) {
		char name[32];

		snprintf(name, sizeof(name), "w%d-%d", w->id, i);
		if (bw_db_tx(w->db, writer_body, name) == BW_OK)
			w->ok++;
	}
	return NULL;
}

static void concurrent_writers(void **state)
{
	struct bw_db_options o = {.pool_size = WRITERS, .busy_timeout_ms = 20000};
	struct writer w[WRITERS];
	pthread_t th[WRITERS];
	struct bw_db *db;

	(void)state;
	create_items(FX.db);
	db = open_url(FX.be == BW_DB_SQLITE ? FX.url : FX.pg_owner, &o);
	for (int i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){db, i, 0};
		assert_int_equal(pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
	}
	for (int i = 0; i < WRITERS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].ok, PER_WRITER);
	}
	assert_true(count_items(db) == WRITERS * PER_WRITER);
	bw_db_close(db);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static enum bw_err noop_body(struct bw_db_conn *c, void *arg)
{
	(void)c;
	(void)arg;
	return BW_OK;
}

static void pool_exhaustion(void **state)
{
	struct bw_db_options o = {.pool_size = 2, .acquire_timeout_ms = 150};
	struct bw_db *db;
	struct bw_db_conn *a, *b, *c = NULL;
	double t0, dt;

	(void)state;
	db = open_url(FX.be == BW_DB_SQLITE ? FX.url : FX.pg_owner, &o);
	a = acq(db);
	b = acq(db);
	assert_ptr_not_equal(a, b);
	t0 = now_s();
	assert_int_equal(bw_db_acquire(db, &c), BW_ERR_BUSY);
	dt = now_s() - t0;
	assert_null(c);
	assert_true(dt >= 0.14 && dt < 2.0);
	assert_int_equal(bw_db_tx(db, noop_body, NULL), BW_ERR_BUSY);
	bw_db_release(a);
	c = acq(db);
	assert_ptr_equal(c, a); /* the freed connection, reused */
	bw_db_release(c);
	bw_db_release(b);
	assert_int_equal(bw_db_tx(db, noop_body, NULL), BW_OK);
	bw_db_close(db);
}

static void statement_cache_and_one_running(void **state)
{
	struct bw_db_conn *c;
	struct bw_db_stmt *a = NULL, *b = NULL, *first = NULL;
	bool row;
	int64_t v;

	(void)state;
	create_items(FX.db);
	c = acq(FX.db);
	for (int i = 0; i < 3; i++)
		assert_int_equal(insert_item(c,
		                             i == 0   ? "x"
		                             : i == 1 ? "y"
		                                      : "z",
		                             1, NULL, 0, i, false, NULL),
		                 BW_OK);
	/* the same text, prepared again and again, is one cached statement */
	for (int i = 0; i < 20; i++) {
		unsigned before = c->ncache;

		assert_int_equal(bw_db_prepare(c, BW_SQL("SELECT n FROM items ORDER BY n"), &a),
		                 BW_OK);
		if (first == NULL)
			first = a;
		assert_ptr_equal(a, first);
		assert_int_equal(bw_db_step(a, &row), BW_OK);
		bw_db_finish(a);
		if (i > 0)
			assert_int_equal(c->ncache, before);
	}
	/* the same text twice at once: the second is a separate statement */
	assert_int_equal(bw_db_prepare(c, BW_SQL("SELECT n FROM items ORDER BY n"), &a), BW_OK);
	assert_int_equal(bw_db_prepare(c, BW_SQL("SELECT n FROM items ORDER BY n"), &b), BW_OK);
	assert_ptr_not_equal(a, b);
	assert_int_equal(bw_db_step(a, &row), BW_OK);
	assert_true(row);
	/* one running statement per connection, on both backends */
	assert_int_equal(bw_db_step(b, &row), BW_ERR_STATE);
	assert_int_equal(bw_db_col_int64(a, 0, &v), BW_OK);
	assert_true(v == 0);
	bw_db_finish(a); /* stopped with rows left */
	for (int64_t want = 0; want < 3; want++) {
		assert_int_equal(bw_db_step(b, &row), BW_OK);
		assert_true(row);
		assert_int_equal(bw_db_col_int64(b, 0, &v), BW_OK);
		assert_true(v == want);
	}
	assert_int_equal(bw_db_step(b, &row), BW_OK);
	assert_false(row);
	assert_int_equal(bw_db_step(b, &row), BW_OK); /* done stays done */
	assert_false(row);
	bw_db_finish(b);
	/* the connection works after a statement abandoned mid-result */
	assert_true(count_items(FX.db) == 3);
	bw_db_release(c);
}

/* ---------------------------------------------------------------- migrations */

static const struct bw_migration M[] = {
        {1, "create_a",
         BW_SQL_INIT("CREATE TABLE m_a (id INTEGER PRIMARY KEY, v TEXT NOT NULL);\n"
                     "CREATE INDEX m_a_v ON m_a (v);"),
         BW_SQL_INIT("CREATE TABLE m_a (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                     " v text NOT NULL);\n"
                     "CREATE INDEX m_a_v ON m_a (v);")},
        {2,
         "create_b",
         BW_SQL_INIT("CREATE TABLE m_b (a_id BIGINT NOT NULL REFERENCES m_a (id))"),
         {0}},
        {5,
         "seed",
         BW_SQL_INIT("INSERT INTO m_a (v) VALUES ('first');"
                     " INSERT INTO m_a (v) VALUES ('it''s ?; -- not a comment');"),
         {0}},
};
#define NM (sizeof(M) / sizeof(M[0]))

static int64_t count_m_a(struct bw_db *db)
{
	struct bw_db_conn *c = acq(db);
	struct bw_db_stmt *st = NULL;
	int64_t n = -1;
	enum bw_err rc = bw_db_prepare(c, BW_SQL("SELECT count(*) FROM m_a"), &st);

	if (rc == BW_OK && bw_db_step_one(st) == BW_OK)
		assert_int_equal(bw_db_col_int64(st, 0, &n), BW_OK);
	bw_db_finish(st);
	bw_db_release(c);
	return n; /* -1: no such table */
}

static void migrate_apply_idempotent(void **state)
{
	struct bw_db_schema s;
	struct bw_db_conn *c;
	struct bw_db_stmt *st = NULL;
	unsigned applied = 99;
	int rows = 0;
	bool row;

	(void)state;
	assert_int_equal(bw_db_schema_check(FX.db, M, NM, &s), BW_ERR_STATE);
	assert_int_equal(s.db_version, 0);
	assert_int_equal(s.code_version, 5);
	assert_int_equal(s.pending, 3);
	assert_int_equal(bw_db_migrate(FX.db, M, NM, &applied), BW_OK);
	assert_int_equal(applied, 3);
	assert_int_equal(bw_db_schema_check(FX.db, M, NM, &s), BW_OK);
	assert_int_equal(s.db_version, 5);
	assert_int_equal(s.pending, 0);
	assert_true(count_m_a(FX.db) == 2);
	/* again: nothing to do, the seed is not run twice */
	assert_int_equal(bw_db_migrate(FX.db, M, NM, &applied), BW_OK);
	assert_int_equal(applied, 0);
	assert_true(count_m_a(FX.db) == 2);
	/* the records: versions in order, 64 hex digits of SHA-256 each */
	c = acq(FX.db);
	assert_int_equal(bw_db_prepare(c,
	                               BW_SQL("SELECT version, checksum FROM schema_migrations "
	                                      "ORDER BY version"),
	                               &st),
	                 BW_OK);
	for (;;) {
		int64_t v;
		struct bw_str sum;

		assert_int_equal(bw_db_step(st, &row), BW_OK);
		if (!row)
			break;
		assert_int_equal(bw_db_col_int64(st, 0, &v), BW_OK);
		assert_true(v == M[rows].version);
		assert_int_equal(bw_db_col_text(st, 1, &sum), BW_OK);
		assert_int_equal(sum.len, 64);
		for (size_t i = 0; i < sum.len; i++)
			assert_non_null(strchr("0123456789abcdef", sum.p[i]));
		rows++;
	}
	bw_db_finish(st);
	bw_db_release(c);
	assert_int_equal(rows, 3);
	/* the index of migration 1 exists (the second statement of its script ran) */
	assert_int_equal(exec_rc(FX.db, BW_SQL("CREATE INDEX m_a_v ON m_a (v)")), BW_ERR_INVALID);
}

static void migrate_incremental(void **state)
{
	struct bw_db_schema s;
	unsigned applied = 0;

	(void)state;
	assert_int_equal(bw_db_migrate(FX.db, M, 2, &applied), BW_OK);
	assert_int_equal(applied, 2);
	assert_int_equal(bw_db_schema_check(FX.db, M, NM, &s), BW_ERR_STATE);
	assert_int_equal(s.db_version, 2);
	assert_int_equal(s.pending, 1);
	assert_true(count_m_a(FX.db) == 0);
	assert_int_equal(bw_db_migrate(FX.db, M, NM, &applied), BW_OK);
	assert_int_equal(applied, 1);
	assert_true(count_m_a(FX.db) == 2);
}

static void migrate_list_checks(void **state)
{
	struct bw_migration bad[2];
	struct bw_db_schema s;
	unsigned applied = 9;

	(void)state;
	bad[0] = M[1];
	bad[1] = M[0]; /* 2 then 1 */
	assert_int_equal(bw_db_migrate(FX.db, bad, 2, &applied), BW_ERR_INVALID);
	bad[0] = M[0];
	bad[1] = M[0]; /* 1 twice */
	assert_int_equal(bw_db_migrate(FX.db, bad, 2, &applied), BW_ERR_INVALID);
	bad[0] = M[0];
	bad[0].version = 0;
	assert_int_equal(bw_db_migrate(FX.db, bad, 1, &applied), BW_ERR_INVALID);
	bad[0] = M[0];
	bad[0].name = "Create A";
	assert_int_equal(bw_db_migrate(FX.db, bad, 1, &applied), BW_ERR_INVALID);
	bad[0] = M[0];
	bad[0].name = "";
	assert_int_equal(bw_db_migrate(FX.db, bad, 1, &applied), BW_ERR_INVALID);
	bad[0] = M[0];
	bad[0].up = (struct bw_sql){"", 0};
	assert_int_equal(bw_db_migrate(FX.db, bad, 1, &applied), BW_ERR_INVALID);
	bad[0] = M[0];
	bad[0].up = (struct bw_sql){"CREATE TABLE m_c (x INTEGER)\0; DROP TABLE m_a", 45};
	assert_int_equal(bw_db_migrate(FX.db, bad, 1, &applied), BW_ERR_INVALID);
	assert_int_equal(bw_db_schema_check(FX.db, bad, 1, NULL), BW_ERR_INVALID);
	assert_int_equal(applied, 0);
	/* nothing was touched */
	assert_int_equal(bw_db_schema_check(FX.db, M, NM, &s), BW_ERR_STATE);
	assert_int_equal(s.db_version, 0);
}

static void migrate_checksum_mismatch(void **state)
{
	struct bw_migration edited[NM];
	struct bw_db_schema s;
	unsigned applied = 9;

	(void)state;
	assert_int_equal(bw_db_migrate(FX.db, M, NM, &applied), BW_OK);
	memcpy(edited, M, sizeof(M));
	edited[1].up = (struct bw_sql)BW_SQL_INIT("CREATE TABLE m_b (a_id BIGINT)");
	assert_int_equal(bw_db_schema_check(FX.db, edited, NM, &s), BW_ERR_VERIFY);
	assert_int_equal(s.db_version, 5);
	assert_int_equal(bw_db_migrate(FX.db, edited, NM, &applied), BW_ERR_VERIFY);
	assert_int_equal(applied, 0);
	/* a renamed step is a different history too */
	memcpy(edited, M, sizeof(M));
	edited[2].name = "seed_renamed";
	assert_int_equal(bw_db_schema_check(FX.db, edited, NM, &s), BW_ERR_VERIFY);
	/* the backend-specific text is what counts on its backend */
	memcpy(edited, M, sizeof(M));
	if (FX.be == BW_DB_SQLITE)
		edited[0].up_pg = (struct bw_sql)BW_SQL_INIT("CREATE TABLE m_a (x int)");
	else
		edited[0].up = (struct bw_sql)BW_SQL_INIT("CREATE TABLE m_a (x int)");
	assert_int_equal(bw_db_schema_check(FX.db, edited, NM, &s), BW_OK);
	if (FX.be == BW_DB_SQLITE)
		edited[0].up = (struct bw_sql)BW_SQL_INIT("CREATE TABLE m_a (x int)");
	else
		edited[0].up_pg = (struct bw_sql)BW_SQL_INIT("CREATE TABLE m_a (x int)");
	assert_int_equal(bw_db_schema_check(FX.db, edited, NM, &s), BW_ERR_VERIFY);
}

static void migrate_newer_than_code(void **state)
{
	struct bw_migration skipped[2] = {M[0], M[2]};
	struct bw_db_schema s;
	unsigned applied = 9;

	(void)state;
	assert_int_equal(bw_db_migrate(FX.db, M, NM, &applied), BW_OK);
	/* older code: the database has version 5, the code knows up to 2 */
	assert_int_equal(bw_db_schema_check(FX.db, M, 2, &s), BW_ERR_RANGE);
	assert_int_equal(s.db_version, 5);
	assert_int_equal(s.code_version, 2);
	assert_int_equal(bw_db_migrate(FX.db, M, 2, &applied), BW_ERR_RANGE);
	assert_int_equal(applied, 0);
	/* code that lacks a middle step the database has */
	assert_int_equal(bw_db_schema_check(FX.db, skipped, 2, &s), BW_ERR_RANGE);
	/* an empty list against a migrated database */
	assert_int_equal(bw_db_schema_check(FX.db, NULL, 0, &s), BW_ERR_RANGE);
}

static void migrate_skipped_step(void **state)
{
	struct bw_migration skipped[2] = {M[0], M[2]};
	unsigned applied = 9;

	(void)state;
	/* the database got 1 and 5; the code has 1, 2, 5: 2 would run out of order */
	assert_int_equal(bw_db_migrate(FX.db, skipped, 2, &applied), BW_OK);
	assert_int_equal(applied, 2);
	assert_int_equal(bw_db_schema_check(FX.db, M, NM, NULL), BW_ERR_VERIFY);
	assert_int_equal(bw_db_migrate(FX.db, M, NM, &applied), BW_ERR_VERIFY);
	assert_int_equal(applied, 0);
}

static void migrate_failure_rolls_back(void **state)
{
	struct bw_migration list[3] = {
	        M[0],
	        {2,
	         "broken",
	         BW_SQL_INIT("CREATE TABLE m_c (x INTEGER); INSERT INTO m_a (v) VALUES ('x');"
	                     " INSERT INTO no_such_table VALUES (1)"),
	         {0}},
	        M[2],
	};
	struct bw_db_schema s;
	unsigned applied = 9;

	(void)state;
	assert_int_equal(bw_db_migrate(FX.db, list, 3, &applied), BW_ERR_INVALID);
	assert_int_equal(applied, 1);
	/* migration 2 left nothing: not its table, not its row, not its record */
	assert_int_equal(exec_rc(FX.db, BW_SQL("SELECT count(*) FROM m_c")), BW_ERR_INVALID);
	assert_true(count_m_a(FX.db) == 0);
	assert_int_equal(bw_db_schema_check(FX.db, list, 3, &s), BW_ERR_STATE);
	assert_int_equal(s.db_version, 1);
	assert_int_equal(s.pending, 2);
	/* a script that ends the transaction itself is refused and not recorded */
	list[1] = (struct bw_migration){
	        2, "commits", BW_SQL_INIT("CREATE TABLE m_c (x INTEGER); COMMIT"), {0}};
	assert_int_equal(bw_db_migrate(FX.db, list, 2, &applied), BW_ERR_INVALID);
	assert_int_equal(bw_db_schema_check(FX.db, list, 2, &s), BW_ERR_STATE);
	assert_int_equal(s.db_version, 1);
}

static void runtime_role_no_ddl(void **state)
{
	struct bw_db_schema s;
	struct bw_db *app;
	struct bw_db_conn *c;
	uint64_t ch = 0;
	unsigned applied = 9;

	(void)state;
	assert_int_equal(bw_db_migrate(FX.db, M, 2, &applied), BW_OK);
	app = open_app(NULL);
	/* the runtime role sees an out-of-date schema and cannot bring it up */
	assert_int_equal(bw_db_schema_check(app, M, NM, &s), BW_ERR_STATE);
	assert_int_equal(s.pending, 1);
	assert_int_equal(bw_db_migrate(app, M, NM, &applied), BW_ERR_DENIED);
	assert_int_equal(applied, 0);
	assert_int_equal(bw_db_schema_check(app, M, NM, NULL), BW_ERR_STATE);
	/* no DDL, no forged migration records; data is fine */
	assert_int_equal(exec_rc(app, BW_SQL("CREATE TABLE m_c (x INTEGER)")), BW_ERR_DENIED);
	assert_int_equal(exec_rc(app, BW_SQL("DROP TABLE m_b")), BW_ERR_DENIED);
	assert_int_equal(exec_rc(app, BW_SQL("ALTER TABLE m_a ADD COLUMN w INTEGER")),
	                 BW_ERR_DENIED);
	assert_int_equal(exec_rc(app, BW_SQL("CREATE INDEX m_a_w ON m_a (v, id)")), BW_ERR_DENIED);
	assert_int_equal(
	        exec_rc(app, BW_SQL("INSERT INTO schema_migrations (version, name, checksum)"
	                            " VALUES (5, 'seed', 'x')")),
	        BW_ERR_DENIED);
	assert_int_equal(exec_rc(app, BW_SQL("DELETE FROM schema_migrations")), BW_ERR_DENIED);
	c = acq(app);
	assert_int_equal(bw_db_exec(c, BW_SQL("INSERT INTO m_a (v) VALUES ('data')"), &ch), BW_OK);
	assert_int_equal(ch, 1);
	bw_db_release(c);
	if (FX.be == BW_DB_POSTGRESQL) {
		/* even if someone grants the runtime role writes on the records,
		 * it is not the owner, so it still may not migrate */
		exec_ok(FX.db, BW_SQL("GRANT INSERT ON schema_migrations TO bw_app"));
		assert_int_equal(bw_db_migrate(app, M, NM, &applied), BW_ERR_DENIED);
		assert_int_equal(bw_db_schema_check(app, M, NM, NULL), BW_ERR_STATE);
		exec_ok(FX.db, BW_SQL("REVOKE INSERT ON schema_migrations FROM bw_app"));
	}
	/* the owner brings it up; then the runtime role's check passes */
	assert_int_equal(bw_db_migrate(FX.db, M, NM, &applied), BW_OK);
	assert_int_equal(applied, 1);
	assert_int_equal(bw_db_schema_check(app, M, NM, &s), BW_OK);
	assert_int_equal(s.db_version, 5);
	bw_db_close(app);
}

struct migrator {
	struct bw_db *db;
	enum bw_err rc;
	unsigned applied;
};

static void *migrator_main(void *arg)
{
	struct migrator *m = arg;

	m->rc = bw_db_migrate(m->db, M, NM, &m->applied);
	return NULL;
}

static void migrate_concurrently(void **state)
{
	struct bw_db_options o = {.busy_timeout_ms = 20000};
	struct migrator m[3];
	pthread_t th[3];

	(void)state;
	for (int i = 0; i < 3; i++) {
		m[i] = (struct migrator){open_url(FX.be == BW_DB_SQLITE ? FX.url : FX.pg_owner, &o),
		                         BW_ERR_INTERNAL, 0};
	}
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&th[i], NULL, migrator_main, &m[i]), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	/* all succeed, and between them each migration ran exactly once */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(m[i].rc, BW_OK);
		bw_db_close(m[i].db);
	}
	assert_int_equal(m[0].applied + m[1].applied + m[2].applied, NM);
	assert_true(count_m_a(FX.db) == 2);
	assert_int_equal(bw_db_schema_check(FX.db, M, NM, NULL), BW_OK);
}

/* ---------------------------------------------------------------- backend specifics */

struct hook {
	int calls;
	enum bw_err last;
	char msg[256];
};

static void debug_hook(void *ctx, enum bw_err err, const char *m)
{
	struct hook *h = ctx;

	h->calls++;
	h->last = err;
	snprintf(h->msg, sizeof(h->msg), "%s", m);
}

static void errors_only_through_hook(void **state)
{
	struct hook h = {0};
	struct bw_db_options o = {.debug = debug_hook, .debug_ctx = &h};
	struct bw_db *db;

	(void)state;
	db = open_url(FX.be == BW_DB_SQLITE ? FX.url : FX.pg_owner, &o);
	assert_int_equal(exec_rc(db, BW_SQL("SELECT secret_column FROM no_such_table")),
	                 BW_ERR_INVALID);
	assert_true(h.calls >= 1);
	assert_int_equal(h.last, BW_ERR_INVALID);
	assert_non_null(strstr(h.msg, "no_such_table")); /* the detail is here, and only here */
	bw_db_close(db);
}

/*
 * As another program: write a row of its own, count the rows of w, close (its
 * last connection: it checkpoints, and drops the WAL when it believes nobody
 * else has it open). The exit status is the count, 255 for an error.
 */
static int rows_seen_main(const char *path)
{
	static const char *const sql[] = {"CREATE TABLE IF NOT EXISTS z (x INTEGER)",
	                                  "INSERT INTO z VALUES (1)", "SELECT count(*) FROM w"};
	sqlite3 *sq = NULL;
	int n = -1;

	if (sqlite3_open_v2(path, &sq, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return 255;
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *st = NULL;
		int r = sqlite3_prepare_v2(sq, sql[i], -1, &st, NULL);

		if (r == SQLITE_OK)
			r = sqlite3_step(st);
		if (r == SQLITE_ROW)
			n = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		if (r != SQLITE_ROW && r != SQLITE_DONE) {
			n = -1;
			break;
		}
	}
	sqlite3_close(sq);
	return n < 0 || n > 254 ? 255 : n;
}

/* The row count of w as another program sees the file (a fresh process image:
 * a forked child would share this process's SQLite lock bookkeeping), or -1. */
static int rows_seen_elsewhere(const char *path)
{
	pid_t pid = fork();
	int status = 0;

	if (pid == 0) {
		execl("/proc/self/exe", "test_db", "--rows-seen", path, (char *)NULL);
		_exit(255);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) && WEXITSTATUS(status) != 255 ? WEXITSTATUS(status) : -1;
}

/*
 * A connection the pool opens later must not drop the locks the open ones
 * hold (closing any descriptor of the file drops every POSIX lock of the
 * process): another process closing its last connection would then delete
 * the WAL under the server, and the next commit would be lost.
 */
static void sqlite_new_connection_keeps_the_wal(void **state)
{
	struct bw_db_options o = {.pool_size = 2};
	struct bw_db *db;
	struct bw_db_conn *a, *b;
	char path[600];

	(void)state;
	if (FX.be != BW_DB_SQLITE)
		skip();
	snprintf(path, sizeof(path), "%s/t.db", FX.dir);
	db = open_url(FX.url, &o);
	exec_ok(db, BW_SQL("CREATE TABLE w (x INTEGER)"));
	exec_ok(db, BW_SQL("INSERT INTO w VALUES (1)"));
	a = acq(db);
	b = acq(db); /* the pool's second connection is opened now */
	bw_db_release(b);
	bw_db_release(a);
	assert_int_equal(rows_seen_elsewhere(path), 1);
	exec_ok(db, BW_SQL("INSERT INTO w VALUES (2)"));
	assert_int_equal(rows_seen_elsewhere(path), 2);
	bw_db_close(db);
}

static void sqlite_hardening(void **state)
{
	struct bw_db_conn *c;
	struct bw_db_stmt *st = NULL;
	struct bw_str s;
	int64_t v;
	struct stat sb;
	char path[600], link[600];
	struct bw_db *db = NULL;

	(void)state;
	if (FX.be != BW_DB_SQLITE)
		skip();
	c = acq(FX.db);
	assert_int_equal(bw_db_prepare(c, BW_SQL("PRAGMA journal_mode"), &st), BW_OK);
	assert_int_equal(bw_db_step_one(st), BW_OK);
	assert_int_equal(bw_db_col_text(st, 0, &s), BW_OK);
	assert_true(bw_str_eq_c(s, "wal"));
	bw_db_finish(st);
	assert_int_equal(bw_db_prepare(c, BW_SQL("PRAGMA foreign_keys"), &st), BW_OK);
	assert_int_equal(bw_db_step_one(st), BW_OK);
	assert_int_equal(bw_db_col_int64(st, 0, &v), BW_OK);
	assert_true(v == 1);
	bw_db_finish(st);
	assert_int_equal(bw_db_prepare(c, BW_SQL("PRAGMA secure_delete"), &st), BW_OK);
	assert_int_equal(bw_db_step_one(st), BW_OK);
	assert_int_equal(bw_db_col_int64(st, 0, &v), BW_OK);
	assert_true(v == 1);
	bw_db_finish(st);
	assert_int_equal(bw_db_prepare(c, BW_SQL("PRAGMA busy_timeout"), &st), BW_OK);
	assert_int_equal(bw_db_step_one(st), BW_OK);
	assert_int_equal(bw_db_col_int64(st, 0, &v), BW_OK);
	assert_true(v == 5000);
	bw_db_finish(st);
	/* defensive mode: the schema cannot be written behind SQLite's back */
	assert_int_equal(bw_db_exec(c, BW_SQL("PRAGMA writable_schema=ON"), NULL), BW_OK);
	assert_int_not_equal(bw_db_exec(c, BW_SQL("DELETE FROM sqlite_schema"), NULL), BW_OK);
	bw_db_release(c);
	/* the file is the owner's alone */
	snprintf(path, sizeof(path), "%s/t.db", FX.dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* a symbolic link is not followed */
	snprintf(link, sizeof(link), "sqlite:%s/t.db.link", FX.dir);
	assert_int_equal(symlink(path, link + strlen("sqlite:")), 0);
	assert_int_not_equal(bw_db_open(link, NULL, &db), BW_OK);
	assert_null(db);
	/* ":memory:" is one private database on one connection */
	db = open_url("sqlite::memory:", NULL);
	exec_ok(db, BW_SQL("CREATE TABLE t (x INTEGER)"));
	exec_ok(db, BW_SQL("INSERT INTO t VALUES (1)"));
	bw_db_close(db);
}

static void pg_tls_and_auth(void **state)
{
	struct bw_db_options dev = {.dev_insecure_loopback = true, .connect_timeout_s = 5};
	struct bw_db *db = NULL;
	struct bw_db_conn *c;
	struct bw_db_stmt *st = NULL;
	struct bw_str s;
	char url[600];
	const char *q, *at;

	(void)state;
	if (FX.be != BW_DB_POSTGRESQL || FX.pg_app_tcp == NULL)
		skip();
	/* the loopback URL asks for sslmode=disable: refused unless the dev option */
	assert_int_equal(bw_db_open(FX.pg_app_tcp, NULL, &db), BW_ERR_CONFIG);
	db = open_url(FX.pg_app_tcp, &dev);
	c = acq(db);
	assert_int_equal(bw_db_prepare(c, BW_SQL("SELECT current_user::text"), &st), BW_OK);
	assert_int_equal(bw_db_step_one(st), BW_OK);
	assert_int_equal(bw_db_col_text(st, 0, &s), BW_OK);
	assert_true(bw_str_eq_c(s, "bw_app"));
	bw_db_finish(st);
	bw_db_release(c);
	bw_db_close(db);
	db = NULL;
	/* without sslmode the layer demands verify-full: this server has no TLS */
	q = strchr(FX.pg_app_tcp, '?');
	assert_non_null(q);
	snprintf(url, sizeof(url), "%.*s", (int)(q - FX.pg_app_tcp), FX.pg_app_tcp);
	assert_int_equal(bw_db_open(url, &dev, &db), BW_ERR_IO);
	assert_null(db);
	/* a wrong password */
	at = strchr(FX.pg_app_tcp, '@');
	assert_non_null(at);
	snprintf(url, sizeof(url), "postgresql://bw_app:wrong%s", at);
	assert_int_equal(bw_db_open(url, &dev, &db), BW_ERR_DENIED);
	assert_null(db);
}

#define CASE(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static const struct CMUnitTest backend_tests[] = {
        CASE(crud_hostile),
        CASE(text_binds_refused),
        CASE(bind_and_state_checks),
        CASE(strict_column_types),
        CASE(unique_and_constraints),
        CASE(foreign_keys_enforced),
        CASE(tx_commit_or_rollback),
        CASE(tx_serialization_retry),
        CASE(concurrent_writers),
        CASE(pool_exhaustion),
        CASE(statement_cache_and_one_running),
        CASE(migrate_apply_idempotent),
        CASE(migrate_incremental),
        CASE(migrate_list_checks),
        CASE(migrate_checksum_mismatch),
        CASE(migrate_newer_than_code),
        CASE(migrate_skipped_step),
        CASE(migrate_failure_rolls_back),
        CASE(runtime_role_no_ddl),
        CASE(migrate_concurrently),
        CASE(errors_only_through_hook),
        CASE(sqlite_hardening),
        CASE(sqlite_new_connection_keeps_the_wal),
        CASE(pg_tls_and_auth),
};

int main(int argc, char **argv)
{
	const struct CMUnitTest common[] = {
	        cmocka_unit_test(sql_rewrite),
	        cmocka_unit_test(sql_rewrite_limits),
	        cmocka_unit_test(url_refusals),
	        cmocka_unit_test(pg_params),
	};
	int failed;

	if (argc == 3 && strcmp(argv[1], "--rows-seen") == 0)
		return rows_seen_main(argv[2]); /* the other program of the WAL case */
	if (bw_init() != BW_OK)
		return 1;
	failed = cmocka_run_group_tests_name("db.common", common, NULL, NULL);
	FX.pg_owner = getenv("BW_TEST_PG_OWNER");
	FX.pg_app = getenv("BW_TEST_PG_APP");
	FX.pg_app_tcp = getenv("BW_TEST_PG_APP_TCP");
	if (FX.pg_owner != NULL && FX.pg_app != NULL) {
		FX.be = BW_DB_POSTGRESQL;
		failed += cmocka_run_group_tests_name("db.postgresql", backend_tests, NULL, NULL);
	} else {
		FX.be = BW_DB_SQLITE;
		failed += cmocka_run_group_tests_name("db.sqlite", backend_tests, NULL, NULL);
	}
	return failed;
}
