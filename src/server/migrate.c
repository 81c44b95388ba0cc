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
#include "cli.h"

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
	struct bw_cli cli;
	struct bw_db_options opt = {0};
	struct bw_db *db = NULL;
	unsigned applied = 0;
	int status = 2;
	enum bw_err rc;

	if (bw_init() != BW_OK)
		return 1;
	bw_cli_init(&cli, "bulwark migrate");
	for (int i = 0; i < argc; i++) {
		int common;

		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			bw_cli_free(&cli);
			return 0;
		}
		common = bw_cli_common_flag(&cli, argc, argv, &i);
		if (common < 0)
			goto out;
		if (common == 0) {
			fprintf(stderr, "bulwark migrate: unknown or incomplete argument: %s\n",
			        argv[i]);
			usage(stderr);
			goto out;
		}
	}
	if (bw_cli_load(&cli) != BW_OK)
		goto out;
	opt.dev_insecure_loopback = cli.s.mode == BW_MODE_DEVELOPMENT;
	if (strncmp(cli.s.database, "sqlite:", 7) == 0) {
		bool created;

		rc = bw_fs_mkdir_private(cli.s.data_dir, &created);
		if (rc != BW_OK) {
			fprintf(stderr,
			        "bulwark migrate: server.data_dir: cannot be created or is not "
			        "private (0700, ours)\n");
			status = 1;
			goto out;
		}
	}
	rc = bw_db_open(cli.s.database, &opt, &db);
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
out:
	bw_db_close(db);
	bw_cli_free(&cli);
	return status;
}
