/*
 * user_cli.c — `bulwark user add`: create a user from the command line (the
 * first admin is made this way). The password is read from standard input
 * only (never argv, which other users can read in /proc), held to the same
 * policy as registration, hashed with the configured Argon2id parameters,
 * and wiped. The user's public id is printed as JSON.
 *
 * `bulwark user mfa-off`: remove a user's second factor (TOTP key, backup
 * codes, open MFA tokens) for someone who lost both the phone and the
 * backup codes; the operator checks who is asking first. Like the other
 * commands it does not append to the audit chain (the running server is its
 * one writer): it says what it did on standard output.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "bulwark/email.h"
#include "bulwark/fsutil.h"
#include "bulwark/password.h"
#include "bulwark/random.h"
#include "cli.h"
#include "mfa.h"
#include "sessions.h"

static void usage(FILE *f)
{
	fputs("usage: bulwark user add --data-dir DIR [--config FILE] [--database URL]\n"
	      "                        --email E [--role admin] --password-stdin\n"
	      "       bulwark user mfa-off --data-dir DIR [--config FILE] [--database URL]\n"
	      "                        --email E\n"
	      "\n"
	      "add creates a user. The password is read from standard input (one line).\n"
	      "mfa-off removes a user's two-step verification (key and backup codes).\n",
	      f);
}

/* One line of standard input, without its line end, into buf (wiped by the caller). */
static bool read_password(char *buf, size_t size, size_t *len)
{
	size_t n = 0;

	while (n + 1 < size) {
		ssize_t r = read(STDIN_FILENO, buf + n, 1);

		if (r < 0)
			return false;
		if (r == 0 || buf[n] == '\n')
			break;
		n++;
	}
	if (n + 1 >= size)
		return false; /* longer than any password we accept */
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*len = n;
	return n > 0;
}

struct add_ctx {
	const char *canon, *email, *hash, *role, *public_id;
	int64_t now;
};

static enum bw_err add_tx(struct bw_db_conn *c, void *vctx)
{
	struct add_ctx *x = vctx;
	struct bw_db_stmt *st = NULL;
	enum bw_err rc;
	bool row;

	rc = bw_db_prepare(c,
	                   BW_SQL("INSERT INTO users (email_canon, email, password_hash, role, "
	                          "created_at, password_changed_at, public_id) "
	                          "VALUES (?, ?, ?, ?, ?, ?, ?)"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 1, x->canon, strlen(x->canon));
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 2, x->email, strlen(x->email));
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 3, x->hash, strlen(x->hash));
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 4, x->role, strlen(x->role));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 5, x->now);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 6, x->now);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 7, x->public_id, strlen(x->public_id));
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	return rc;
}

/* The flags of both subcommands. */
struct user_args {
	const char *email, *role;
	bool from_stdin;
};

/* Parse argv[1..] into *a; false with *status (0 after --help, 2 for a
 * refused argument) when the command must stop. */
static bool parse_args(struct bw_cli *cli, int argc, char **argv, struct user_args *a, int *status)
{
	for (int i = 1; i < argc; i++) {
		int common = bw_cli_common_flag(cli, argc, argv, &i);

		if (common < 0)
			return false;
		if (common > 0)
			continue;
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			*status = 0;
			return false;
		} else if (strcmp(argv[i], "--password-stdin") == 0) {
			a->from_stdin = true;
		} else if (strcmp(argv[i], "--email") == 0 && i + 1 < argc) {
			a->email = argv[++i];
		} else if (strcmp(argv[i], "--role") == 0 && i + 1 < argc) {
			a->role = argv[++i];
		} else {
			fprintf(stderr, "bulwark user: unknown or incomplete argument: %s\n",
			        argv[i]);
			usage(stderr);
			return false;
		}
	}
	return true;
}

static int cmd_add(struct bw_cli *cli, const struct user_args *a)
{
	struct bw_db *db = NULL;
	struct bw_password_params params;
	struct add_ctx x;
	const char *email = a->email, *role = a->role != NULL ? a->role : "user";
	char canon[BW_EMAIL_MAX + 1], hash[BW_PASSWORD_HASH_MAX], pid[BW_PUBLIC_ID_SIZE];
	char password[BW_PASSWORD_MAX_BYTES + 2];
	const char *code = NULL;
	size_t plen = 0;
	int status = 2;
	enum bw_err rc;

	hash[0] = '\0';
	password[0] = '\0';
	if (email == NULL || !a->from_stdin) {
		fputs("bulwark user add: --email and --password-stdin are required\n", stderr);
		goto out;
	}
	if (strcmp(role, "user") != 0 && strcmp(role, "admin") != 0) {
		fputs("bulwark user add: --role must be user or admin\n", stderr);
		goto out;
	}
	if (bw_email_canon(bw_str_c(email), canon, sizeof(canon), NULL) != BW_OK) {
		fputs("bulwark user add: --email is not a valid address\n", stderr);
		goto out;
	}
	if (bw_cli_load(cli) != BW_OK)
		goto out;
	if (!read_password(password, sizeof(password), &plen)) {
		fputs("bulwark user add: no password on standard input (or too long)\n", stderr);
		goto out;
	}
	rc = bw_password_policy_check((struct bw_str){password, plen}, bw_str_c(canon), &code);
	if (rc != BW_OK) {
		fprintf(stderr, "bulwark user add: the password is refused by the policy (%s)\n",
		        code != NULL ? code : bw_err_str(rc));
		goto out;
	}
	params.t_cost = cli->s.argon2_t;
	params.m_cost_kib = cli->s.argon2_m_kib;
	rc = bw_password_hash(&params, (struct bw_str){password, plen}, hash);
	if (rc != BW_OK) {
		fprintf(stderr, "bulwark user add: hashing failed (%s)\n", bw_err_str(rc));
		status = 1;
		goto out;
	}
	if (bw_cli_open_db(cli, true, &db) != BW_OK) {
		status = 1;
		goto out;
	}
	bw_public_id_new(pid);
	memset(&x, 0, sizeof(x));
	x.canon = canon;
	x.email = email;
	x.hash = hash;
	x.role = role;
	x.public_id = pid;
	x.now = (int64_t)time(NULL);
	rc = bw_db_tx(db, add_tx, &x);
	if (rc != BW_OK) {
		fprintf(stderr, "bulwark user add: %s\n",
		        rc == BW_ERR_EXISTS ? "a user with this email exists already"
		                            : "the user cannot be stored");
		status = 1;
		goto out;
	}
	printf("{\"id\":\"%s\",\"email\":\"%s\",\"role\":\"%s\"}\n", pid, canon, role);
	status = 0;
out:
	bw_wipe(password, sizeof(password));
	bw_wipe(hash, sizeof(hash));
	bw_db_close(db);
	return status;
}

struct find_ctx {
	const char *canon;
	int64_t id;
};

static enum bw_err find_tx(struct bw_db_conn *c, void *vctx)
{
	struct find_ctx *x = vctx;
	struct bw_db_stmt *st = NULL;
	bool row = false;
	enum bw_err rc =
	        bw_db_prepare(c, BW_SQL("SELECT id FROM users WHERE email_canon = ?"), &st);

	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 1, x->canon, strlen(x->canon));
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	if (rc == BW_OK && !row)
		rc = BW_ERR_NOT_FOUND;
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 0, &x->id);
	bw_db_finish(st);
	return rc;
}

static int cmd_mfa_off(struct bw_cli *cli, const struct user_args *a)
{
	struct bw_db *db = NULL;
	char canon[BW_EMAIL_MAX + 1];
	struct find_ctx x = {.canon = canon};
	bool removed = false;
	int status = 2;
	enum bw_err rc;

	if (a->email == NULL || a->from_stdin || a->role != NULL) {
		fputs("bulwark user mfa-off: takes --email only\n", stderr);
		return status;
	}
	if (bw_email_canon(bw_str_c(a->email), canon, sizeof(canon), NULL) != BW_OK) {
		fputs("bulwark user mfa-off: --email is not a valid address\n", stderr);
		return status;
	}
	if (bw_cli_load(cli) != BW_OK)
		return status;
	status = 1;
	if (bw_cli_open_db(cli, false, &db) != BW_OK)
		return status;
	rc = bw_db_tx(db, find_tx, &x);
	if (rc == BW_OK)
		rc = bw_mfa_disable_db(db, x.id, &removed);
	if (rc == BW_ERR_NOT_FOUND)
		fputs("bulwark user mfa-off: no user has this email\n", stderr);
	else if (rc != BW_OK)
		fprintf(stderr, "bulwark user mfa-off: %s\n", bw_err_str(rc));
	else {
		printf("{\"email\":\"%s\",\"mfa\":\"%s\"}\n", canon, removed ? "removed" : "none");
		status = 0;
	}
	bw_db_close(db);
	return status;
}

int bw_cmd_user(int argc, char **argv)
{
	struct bw_cli cli;
	struct user_args a = {0};
	bool add = argc >= 1 && strcmp(argv[0], "add") == 0;
	bool mfa_off = argc >= 1 && strcmp(argv[0], "mfa-off") == 0;
	int status = 2;

	if (bw_init() != BW_OK)
		return 1;
	bw_cli_init(&cli, mfa_off ? "bulwark user mfa-off" : "bulwark user add");
	if (argc >= 1 && strcmp(argv[0], "--help") == 0) {
		usage(stdout);
		status = 0;
	} else if (!add && !mfa_off) {
		usage(stderr);
	} else if (parse_args(&cli, argc, argv, &a, &status)) {
		status = add ? cmd_add(&cli, &a) : cmd_mfa_off(&cli, &a);
	}
	bw_cli_free(&cli);
	return status;
}
