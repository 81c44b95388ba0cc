/* database.c — opening the server's database and holding it to the schema. */
#include <string.h>

#include "app.h"

enum bw_err bw_app_db_open(const struct bw_settings *s, bool migrate_sqlite, struct bw_db **out,
                           const char **why)
{
	struct bw_db_options opt = {0};
	struct bw_db *db = NULL;
	struct bw_db_schema sch;
	enum bw_err rc;

	*out = NULL;
	/* development mode may use PostgreSQL on loopback without TLS */
	opt.dev_insecure_loopback = s->mode == BW_MODE_DEVELOPMENT;
	rc = bw_db_open(s->database, &opt, &db);
	if (rc != BW_OK) {
		*why = rc == BW_ERR_DENIED ? "the database refused the credentials"
		       : rc == BW_ERR_CONFIG
		               ? "the database URL is refused (PostgreSQL over TCP needs "
		                 "sslmode=verify-full)"
		               : "the database cannot be opened";
		return rc;
	}
	if (bw_db_backend(db) == BW_DB_SQLITE) {
		if (migrate_sqlite) {
			rc = bw_db_migrate(db, bw_app_migrations, bw_app_n_migrations, NULL);
			if (rc != BW_OK) {
				*why = "the database schema cannot be brought up to date";
				goto fail;
			}
		}
		/* serve with the rights of the runtime role: no DDL from here on */
		bw_db_close(db);
		db = NULL;
		opt.deny_ddl = true;
		rc = bw_db_open(s->database, &opt, &db);
		if (rc != BW_OK) {
			*why = "the database cannot be opened";
			return rc;
		}
	}
	rc = bw_db_schema_check(db, bw_app_migrations, bw_app_n_migrations, &sch);
	if (rc != BW_OK) {
		*why = rc == BW_ERR_STATE
		               ? "the database schema is out of date: run bulwark migrate"
		       : rc == BW_ERR_RANGE ? "the database schema is newer than this bulwark"
		       : rc == BW_ERR_VERIFY
		               ? "the database schema differs from this bulwark's migrations"
		               : "the database schema cannot be read";
		goto fail;
	}
	*out = db;
	return BW_OK;
fail:
	bw_db_close(db);
	return rc;
}
