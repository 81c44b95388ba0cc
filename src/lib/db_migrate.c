/*
 * db_migrate.c — versioned migrations kept in code, recorded in
 * schema_migrations with the SHA-256 of each script, and the check that the
 * runtime refuses a database that is behind, ahead of, or different from the
 * code. The records must be exactly a prefix of the code's list.
 */
#include "db_internal.h"

#include <sodium.h>
#include <string.h>

#define NAME_MAX_LEN 64
#define SUM_HEX      (crypto_hash_sha256_BYTES * 2)

static bool name_ok(const char *s)
{
	size_t n;

	if (s == NULL)
		return false;
	n = strnlen(s, NAME_MAX_LEN + 1);
	if (n == 0 || n > NAME_MAX_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static bool script_ok(struct bw_sql s)
{
	return s.text != NULL && s.len > 0 && s.len <= BW_DB_SCRIPT_MAX &&
	       memchr(s.text, '\0', s.len) == NULL;
}

static enum bw_err list_check(const struct bw_migration *list, size_t n)
{
	if (n > 0 && list == NULL)
		return BW_ERR_INVALID;
	for (size_t i = 0; i < n; i++) {
		const struct bw_migration *m = &list[i];

		if (m->version < 1 || (i > 0 && m->version <= list[i - 1].version) ||
		    !name_ok(m->name) || !script_ok(m->up) ||
		    (m->up_pg.text != NULL && !script_ok(m->up_pg)))
			return BW_ERR_INVALID;
	}
	return BW_OK;
}

static struct bw_sql script_of(const struct bw_db *db, const struct bw_migration *m)
{
	if (db->backend == BW_DB_POSTGRESQL && m->up_pg.text != NULL)
		return m->up_pg;
	return m->up;
}

static void checksum(struct bw_sql s, char hex[SUM_HEX + 1])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)s.text, s.len);
	sodium_bin2hex(hex, SUM_HEX + 1, h, sizeof(h));
}

static enum bw_err table_exists(struct bw_db_conn *c, bool *yes)
{
	struct bw_db_stmt *st = NULL;
	enum bw_err rc;

	if (c->db->backend == BW_DB_SQLITE)
		rc = bw_db_prepare(c,
		                   BW_SQL("SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = "
		                          "'table' AND name = 'schema_migrations')"),
		                   &st);
	else
		rc = bw_db_prepare(c, BW_SQL("SELECT to_regclass('schema_migrations') IS NOT NULL"),
		                   &st);
	if (rc != BW_OK)
		return rc;
	rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_bool(st, 0, yes);
	bw_db_finish(st);
	return rc;
}

/*
 * Compare the records with the list. *first gets the index of the first
 * migration not recorded. Verdicts as bw_db_schema_check documents.
 */
static enum bw_err compare(struct bw_db_conn *c, const struct bw_migration *list, size_t n,
                           struct bw_db_schema *s, size_t *first)
{
	struct bw_db_stmt *st = NULL;
	enum bw_err rc, verdict = BW_OK;
	size_t j = 0;
	bool exists = false, row = false;

	memset(s, 0, sizeof(*s));
	s->code_version = n > 0 ? list[n - 1].version : 0;
	*first = 0;
	rc = table_exists(c, &exists);
	if (rc != BW_OK)
		return rc;
	if (exists) {
		rc = bw_db_prepare(c,
		                   BW_SQL("SELECT version, name, checksum FROM schema_migrations "
		                          "ORDER BY version"),
		                   &st);
		if (rc != BW_OK)
			return rc;
		for (;;) {
			int64_t v = 0;
			struct bw_str name, sum;
			char hex[SUM_HEX + 1];

			rc = bw_db_step(st, &row);
			if (rc != BW_OK || !row)
				break;
			rc = bw_db_col_int64(st, 0, &v);
			if (rc == BW_OK)
				rc = bw_db_col_text(st, 1, &name);
			if (rc == BW_OK)
				rc = bw_db_col_text(st, 2, &sum);
			if (rc != BW_OK)
				break;
			if (v < 1 || v > (int64_t)UINT32_MAX) {
				rc = BW_ERR_INVALID;
				break;
			}
			s->db_version = (unsigned)v;
			if (verdict != BW_OK)
				continue; /* read on for db_version */
			if (j >= n || list[j].version != (unsigned)v) {
				bool known = false;

				for (size_t k = 0; k < n; k++)
					known |= list[k].version == (unsigned)v;
				/* unknown to the code: newer (or foreign); known: a skipped step */
				verdict = known ? BW_ERR_VERIFY : BW_ERR_RANGE;
				continue;
			}
			checksum(script_of(c->db, &list[j]), hex);
			if (!bw_str_eq_c(name, list[j].name) || !bw_str_eq_c(sum, hex)) {
				verdict = BW_ERR_VERIFY;
				continue;
			}
			j++;
		}
		bw_db_finish(st);
		if (rc != BW_OK)
			return rc;
	}
	s->pending = (unsigned)(n - j);
	*first = j;
	if (verdict != BW_OK)
		return verdict;
	return s->pending > 0 ? BW_ERR_STATE : BW_OK;
}

enum bw_err bw_db_schema_check(struct bw_db *db, const struct bw_migration *list, size_t n,
                               struct bw_db_schema *out)
{
	struct bw_db_schema s;
	struct bw_db_conn *c = NULL;
	size_t first = 0;
	enum bw_err rc;

	BW_REQUIRE(db != NULL);
	rc = list_check(list, n);
	if (rc != BW_OK)
		return rc;
	rc = bw_db_acquire(db, &c);
	if (rc != BW_OK)
		return rc;
	rc = compare(c, list, n, &s, &first);
	bw_db_release(c);
	if (out != NULL &&
	    (rc == BW_OK || rc == BW_ERR_STATE || rc == BW_ERR_RANGE || rc == BW_ERR_VERIFY))
		*out = s;
	return rc;
}

struct migrate_ctx {
	const struct bw_migration *list;
	size_t n;
	unsigned applied;
	bool done;
};

static enum bw_err create_table(struct bw_db_conn *c)
{
	if (c->db->backend == BW_DB_SQLITE)
		return db_sqlite_script(c, BW_SQL("CREATE TABLE schema_migrations ("
		                                  " version INTEGER PRIMARY KEY,"
		                                  " name TEXT NOT NULL,"
		                                  " checksum TEXT NOT NULL,"
		                                  " applied_at TEXT NOT NULL DEFAULT"
		                                  " (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"));
	/* default privileges may have granted the runtime role writes on every
	 * new table: take them back here, so it cannot forge a record */
	return db_pg_script(
	        c,
	        BW_SQL("CREATE TABLE schema_migrations ("
	               " version bigint PRIMARY KEY,"
	               " name text NOT NULL,"
	               " checksum text NOT NULL,"
	               " applied_at timestamptz NOT NULL DEFAULT now());\n"
	               "DO $$ DECLARE r record; BEGIN\n"
	               " FOR r IN SELECT DISTINCT grantee FROM information_schema.table_privileges"
	               "  WHERE table_schema = current_schema() AND table_name = "
	               "'schema_migrations'"
	               "  AND grantee <> current_user"
	               "  AND privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')\n"
	               " LOOP\n"
	               "  EXECUTE 'REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migrations "
	               "FROM '"
	               "   || CASE WHEN r.grantee = 'PUBLIC' THEN 'PUBLIC'"
	               "      ELSE quote_ident(r.grantee) END;\n"
	               " END LOOP;\n"
	               "END $$"));
}

/* PostgreSQL: only the owner of schema_migrations (or a member) migrates. */
static enum bw_err pg_owner_check(struct bw_db_conn *c)
{
	struct bw_db_stmt *st = NULL;
	enum bw_err rc;
	bool owner = false;

	rc = bw_db_prepare(c,
	                   BW_SQL("SELECT pg_catalog.pg_has_role(current_user, c.relowner, 'USAGE')"
	                          " FROM pg_catalog.pg_class c"
	                          " WHERE c.oid = to_regclass('schema_migrations')"),
	                   &st);
	if (rc != BW_OK)
		return rc;
	rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_bool(st, 0, &owner);
	bw_db_finish(st);
	if (rc == BW_OK && !owner)
		rc = BW_ERR_DENIED;
	return rc;
}

static enum bw_err record(struct bw_db_conn *c, const struct bw_migration *m)
{
	struct bw_db_stmt *st = NULL;
	char hex[SUM_HEX + 1];
	enum bw_err rc;
	bool row;

	checksum(script_of(c->db, m), hex);
	rc = bw_db_prepare(
	        c,
	        BW_SQL("INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)"),
	        &st);
	if (rc != BW_OK)
		return rc;
	rc = bw_db_bind_int64(st, 1, m->version);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 2, m->name, strlen(m->name));
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 3, hex, SUM_HEX);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	return rc;
}

/* One transaction: re-read the records under the lock, apply the first pending migration. */
static enum bw_err apply_next(struct bw_db_conn *c, void *arg)
{
	struct migrate_ctx *ctx = arg;
	struct bw_db_schema s;
	const struct bw_migration *m;
	enum bw_err rc;
	size_t first = 0;
	bool exists = false;

	rc = table_exists(c, &exists);
	if (rc == BW_OK && !exists)
		rc = create_table(c);
	if (rc == BW_OK && c->db->backend == BW_DB_POSTGRESQL)
		rc = pg_owner_check(c);
	if (rc != BW_OK)
		return rc;
	rc = compare(c, ctx->list, ctx->n, &s, &first);
	if (rc == BW_OK) {
		ctx->done = true;
		return BW_OK;
	}
	if (rc != BW_ERR_STATE)
		return rc;
	m = &ctx->list[first];
	rc = c->db->backend == BW_DB_SQLITE ? db_sqlite_script(c, script_of(c->db, m))
	                                    : db_pg_script(c, script_of(c->db, m));
	if (rc == BW_OK)
		rc = record(c, m);
	return rc;
}

enum bw_err bw_db_migrate(struct bw_db *db, const struct bw_migration *list, size_t n,
                          unsigned *applied)
{
	struct migrate_ctx ctx = {list, n, 0, false};
	struct bw_db_conn *c = NULL;
	enum bw_err rc;
	bool pg;

	BW_REQUIRE(db != NULL);
	if (applied != NULL)
		*applied = 0;
	rc = list_check(list, n);
	if (rc != BW_OK)
		return rc;
	if (sodium_init() < 0)
		return BW_ERR_CRYPTO;
	rc = bw_db_acquire(db, &c);
	if (rc != BW_OK)
		return rc;
	/*
	 * Concurrent migrators queue. PostgreSQL: on a session lock taken
	 * before the transaction begins, since a SERIALIZABLE transaction's
	 * snapshot is taken by its first statement — a lock taken inside would
	 * be waited for with a snapshot that misses the other's migrations.
	 * SQLite: BEGIN IMMEDIATE takes the write lock before anything is read.
	 */
	pg = db->backend == BW_DB_POSTGRESQL;
	if (pg)
		rc = bw_db_exec(c, BW_SQL("SELECT pg_advisory_lock(7079111)"), NULL);
	while (rc == BW_OK && !ctx.done) {
		unsigned before = ctx.applied;

		rc = db_tx_on(c, apply_next, &ctx);
		if (rc == BW_OK && !ctx.done)
			ctx.applied = before + 1; /* counted after the commit, not before */
	}
	if (pg && !c->broken &&
	    bw_db_exec(c, BW_SQL("SELECT pg_advisory_unlock(7079111)"), NULL) != BW_OK)
		c->broken = true; /* closing the session releases the lock */
	bw_db_release(c);
	if (applied != NULL)
		*applied = ctx.applied;
	return rc;
}
