/* cli.c — the options and set-up every administrative command shares (cli.h). */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "bulwark/fsutil.h"

extern char **environ;

void bw_cli_init(struct bw_cli *cli, const char *name)
{
	memset(cli, 0, sizeof(*cli));
	cli->name = name;
	bw_settings_defaults(&cli->s);
}

static void print_error(const struct bw_settings_error *err)
{
	fprintf(stderr, "bulwark: %s%s%s\n", err->key, err->key[0] ? ": " : "", err->message);
}

int bw_cli_common_flag(struct bw_cli *cli, int argc, char **argv, int *i)
{
	static const struct {
		const char *flag, *key;
	} map[] = {
	        {"--data-dir", "server.data_dir"},
	        {"--database", "database.url"},
	};
	struct bw_settings_error err = {0};

	if (*i + 1 >= argc)
		return 0;
	if (strcmp(argv[*i], "--config") == 0) {
		cli->config = argv[++*i];
		return 1;
	}
	for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++) {
		if (strcmp(argv[*i], map[k].flag) != 0)
			continue;
		if (bw_settings_set(&cli->s, map[k].key, argv[*i + 1], &err) != BW_OK) {
			print_error(&err);
			return -1;
		}
		*i += 1;
		return 1;
	}
	return 0;
}

enum bw_err bw_cli_load(struct bw_cli *cli)
{
	struct bw_settings_error err = {0};
	enum bw_err rc = bw_settings_load(&cli->s, cli->config, environ, &err);

	if (rc == BW_OK)
		rc = bw_settings_finish(&cli->s, &err);
	if (rc != BW_OK)
		print_error(&err);
	return rc;
}

enum bw_err bw_cli_open_db(struct bw_cli *cli, bool migrate_sqlite, struct bw_db **out)
{
	const char *why = "";
	bool created;
	enum bw_err rc;

	if (strncmp(cli->s.database, "sqlite:", 7) == 0 &&
	    bw_fs_mkdir_private(cli->s.data_dir, &created) != BW_OK) {
		fprintf(stderr, "%s: server.data_dir: cannot be created or is not private\n",
		        cli->name);
		return BW_ERR_IO;
	}
	rc = bw_app_db_open(&cli->s, migrate_sqlite, out, &why);
	if (rc != BW_OK)
		fprintf(stderr, "%s: %s\n", cli->name, why);
	return rc;
}

void bw_cli_free(struct bw_cli *cli)
{
	bw_settings_free(&cli->s);
}
