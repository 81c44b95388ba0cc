/*
 * cli.h — what the administrative commands (migrate, user, audit, client)
 * share: the --config / --data-dir / --database options, loading the
 * settings the way serve does (file, then BULWARK_* environment, then the
 * flags), and opening the database.
 */
#ifndef BULWARK_CLI_H
#define BULWARK_CLI_H

#include <stdbool.h>

#include "app.h"

/** One command's settings as it parses its arguments. */
struct bw_cli {
	const char *name; /**< "bulwark user add", for messages (static) */
	struct bw_settings s;
	const char *config; /**< --config FILE (borrowed from argv) or NULL */
};

/** bw_cli_init - defaults; bw_init() must have succeeded. Free with bw_cli_free. */
void bw_cli_init(struct bw_cli *cli, const char *name);

/**
 * bw_cli_common_flag - if argv[*i] is --config FILE, --data-dir DIR or
 * --database URL, take it (and its value: *i moves past it) and answer 1;
 * 0 when it is another argument; -1 when its value is refused (the reason
 * is printed on stderr).
 */
int bw_cli_common_flag(struct bw_cli *cli, int argc, char **argv, int *i);

/**
 * bw_cli_load - read the configuration file and environment over the flags
 * and check the whole; on failure the setting at fault is printed.
 */
BW_MUST_CHECK enum bw_err bw_cli_load(struct bw_cli *cli);

/**
 * bw_cli_open_db - make the private data directory (SQLite) and open the
 * database (bw_app_db_open: SQLite migrates when migrate_sqlite). On
 * failure the reason is printed.
 */
BW_MUST_CHECK enum bw_err bw_cli_open_db(struct bw_cli *cli, bool migrate_sqlite,
                                         struct bw_db **out);

/** bw_cli_free - release the settings. */
void bw_cli_free(struct bw_cli *cli);

#endif
