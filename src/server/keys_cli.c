/*
 * keys_cli.c — `bulwark keys rotate` and `bulwark keys list`: the signing
 * keys of the database (signing.h), without a running server.
 *
 * rotate makes sure every use has an active and a next key, then moves each
 * use one step (next → active, active → retired, a fresh next) in one
 * transaction, and deletes retired keys whose every token has expired. A
 * running server sees the change within BW_SIGNING_RELOAD_S seconds, or at
 * once when a token names the new kid, and audits each state change (this
 * command never appends to the audit chain: the server is its one writer).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "bulwark/random.h"
#include "bulwark/keys.h"
#include "cli.h"
#include "signing.h"
#include "signing_store.h"

static void usage(FILE *f)
{
	fputs("usage: bulwark keys rotate [--config FILE] [--data-dir DIR] [--database URL]\n"
	      "       bulwark keys list   [--config FILE] [--data-dir DIR] [--database URL]\n"
	      "\n"
	      "rotate: for access tokens and id_tokens each, the next key becomes active,\n"
	      "the active key retires (it still verifies until its last token expired,\n"
	      "then it is dropped) and a new next key is made. Prints the keys as JSON.\n"
	      "list: prints the keys (kid, alg, use, state, times) as JSON.\n",
	      f);
}

static int print_keys(struct bw_db *db)
{
	struct bw_signing_row *rows = NULL;
	size_t n = 0;
	json_t *arr;
	char *text;

	if (bw_signing_store_load(db, NULL, &rows, &n) != BW_OK) {
		fputs("bulwark keys: the key table cannot be read\n", stderr);
		return 1;
	}
	arr = json_array();
	for (size_t i = 0; arr != NULL && i < n; i++) {
		const struct bw_signing_row *r = &rows[i];

		json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:I}", "kid", r->kid,
		                                     "alg", bw_jwt_alg_name(r->alg), "use",
		                                     bw_signing_use_name(r->use), "state",
		                                     bw_signing_state_name(r->state), "created_at",
		                                     (json_int_t)r->created_at, "activated_at",
		                                     (json_int_t)r->activated_at, "retired_at",
		                                     (json_int_t)r->retired_at));
	}
	bw_signing_rows_free(rows, n);
	text = arr != NULL ? json_dumps(arr, JSON_COMPACT) : NULL;
	json_decref(arr);
	if (text == NULL)
		return 1;
	printf("{\"keys\":%s}\n", text);
	free(text);
	return 0;
}

int bw_cmd_keys(int argc, char **argv)
{
	struct bw_cli cli;
	struct bw_secret *master = NULL, *key = NULL;
	struct bw_signing_row *rows = NULL;
	struct bw_db *db = NULL;
	size_t n = 0;
	int64_t keep[2];
	unsigned dropped = 0;
	bool rotate;
	int status = 2, taken;
	enum bw_err rc;

	if (argc < 1 || (strcmp(argv[0], "rotate") != 0 && strcmp(argv[0], "list") != 0)) {
		usage(argc >= 1 && strcmp(argv[0], "--help") == 0 ? stdout : stderr);
		return argc >= 1 && strcmp(argv[0], "--help") == 0 ? 0 : 2;
	}
	rotate = strcmp(argv[0], "rotate") == 0;
	if (bw_init() != BW_OK)
		return 1;
	bw_cli_init(&cli, rotate ? "bulwark keys rotate" : "bulwark keys list");
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			status = 0;
			goto out;
		}
		taken = bw_cli_common_flag(&cli, argc, argv, &i);
		if (taken < 0)
			goto out;
		if (taken == 0) {
			fprintf(stderr, "bulwark keys: unknown or incomplete argument: %s\n",
			        argv[i]);
			usage(stderr);
			goto out;
		}
	}
	if (bw_cli_load(&cli) != BW_OK)
		goto out;
	status = 1;
	if (bw_cli_open_db(&cli, true, &db) != BW_OK)
		goto out;
	if (!rotate) {
		status = print_keys(db);
		goto out;
	}
	if (bw_master_key_load(cli.s.master_key, &master) != BW_OK ||
	    bw_keys_derive(master, BW_KEY_SIGNING, 1, &key) != BW_OK) {
		fputs("bulwark keys rotate: keys.master: the master key cannot be loaded\n",
		      stderr);
		goto out;
	}
	keep[BW_SIGNING_ACCESS] = (int64_t)cli.s.oauth_access_token_ttl_s + BW_JWT_DEFAULT_LEEWAY;
	keep[BW_SIGNING_ID] = (int64_t)cli.s.oauth_id_token_ttl_s + BW_JWT_DEFAULT_LEEWAY;
	/* every stored key must open with this master key before anything is added */
	rc = bw_signing_store_load(db, key, &rows, &n);
	bw_signing_rows_free(rows, n);
	if (rc == BW_OK)
		rc = bw_signing_store_ensure(db, key, (int64_t)time(NULL), BW_SIGNING_ALL_USES,
		                             NULL);
	if (rc == BW_OK)
		rc = bw_signing_store_rotate(db, key, (int64_t)time(NULL), keep, &dropped);
	if (rc != BW_OK) {
		fprintf(stderr, "bulwark keys rotate: %s\n",
		        rc == BW_ERR_VERIFY ? "a stored key does not open with this master key"
		                            : "the keys cannot be rotated");
		goto out;
	}
	fprintf(stderr, "bulwark keys rotate: rotated; %u expired key(s) dropped\n", dropped);
	status = print_keys(db);
out:
	bw_secret_free(key);
	bw_secret_free(master);
	bw_db_close(db);
	bw_cli_free(&cli);
	return status;
}
