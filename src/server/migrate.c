/*
 * migrate.c — `bulwark migrate`: apply the schema migrations with the
 * database's owner role. `serve` runs with the runtime role, which has no
 * DDL rights, and refuses a PostgreSQL database whose schema is not current;
 * with SQLite, serve migrates by itself.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "bulwark/fsutil.h"
#include "bulwark/random.h"

extern char **environ;

static void usage(FILE *f)
{
	fputs("usage: bulwark migrate [--config FILE] [--data-dir DIR] [--database URL]\n"
	      "\n"
	      "Applies pending schema migrations. With PostgreSQL, give the owner role's URL:\n"
	      "serve runs with a role that has no DDL rights (see docs/database.md).\n",
	      f);
}

int bw_cmd_migrate(int argc, char **argv)
{
	struct bw_settings s;
	struct bw_settings_error err = {0};
	struct bw_db_options opt = {0};
	struct bw_db *db = NULL;
	const char *config = NULL;
	unsigned applied = 0;
	int status = 2;
	enum bw_err rc;

	if (bw_init() != BW_OK)
		return 1;
	bw_settings_defaults(&s);
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			bw_settings_free(&s);
			return 0;
		}
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			config = argv[++i];
		} else if ((strcmp(argv[i], "--data-dir") == 0 ||
		            strcmp(argv[i], "--database") == 0) &&
		           i + 1 < argc) {
			const char *key = strcmp(argv[i], "--data-dir") == 0 ? "server.data_dir"
			                                                     : "database.url";

			if (bw_settings_set(&s, key, argv[i + 1], &err) != BW_OK)
				goto config_error;
			i++;
		} else {
			fprintf(stderr, "bulwark migrate: unknown or incomplete argument: %s\n",
			        argv[i]);
			usage(stderr);
			goto out;
		}
	}
	if (bw_settings_load(&s, config, environ, &err) != BW_OK ||
	    bw_settings_finish(&s, &err) != BW_OK)
		goto config_error;
	opt.dev_insecure_loopback = s.mode == BW_MODE_DEVELOPMENT;
	if (strncmp(s.database, "sqlite:", 7) == 0) {
		bool created;

		rc = bw_fs_mkdir_private(s.data_dir, &created);
		if (rc != BW_OK) {
			fprintf(stderr,
			        "bulwark migrate: server.data_dir: cannot be created or is not "
			        "private (0700, ours)\n");
			status = 1;
			goto out;
		}
	}
	rc = bw_db_open(s.database, &opt, &db);
	if (rc != BW_OK) {
		fprintf(stderr, "bulwark migrate: the database cannot be opened (%s)\n",
		        bw_err_str(rc));
		status = 1;
		goto out;
	}
	rc = bw_db_migrate(db, bw_app_migrations, bw_app_n_migrations, &applied);
	if (rc != BW_OK) {
		fprintf(stderr, "bulwark migrate: migration failed (%s)%s\n", bw_err_str(rc),
		        rc == BW_ERR_DENIED ? ": this role has no DDL rights; use the owner role"
		                            : "");
		status = 1;
		goto out;
	}
	printf("{\"applied\":%u,\"schema_version\":%u}\n", applied,
	       bw_app_migrations[bw_app_n_migrations - 1].version);
	status = 0;
	goto out;
config_error:
	fprintf(stderr, "bulwark: %s%s%s\n", err.key, err.key[0] ? ": " : "", err.message);
out:
	bw_db_close(db);
	bw_settings_free(&s);
	return status;
}
