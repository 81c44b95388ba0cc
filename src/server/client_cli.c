/*
 * client_cli.c — `bulwark client add`: register an OAuth client from the
 * command line. Prints the client as JSON, with its secret (once: only its
 * keyed hash is stored) for a client that authenticates with one.
 *
 * The audit chain belongs to the running server (it holds the chain's tail
 * in memory), so this command does not append to it; registrations through
 * POST /v1/admin/clients are audited. The command says on stderr what it
 * registered, for the operator's own records.
 */
#include <stdio.h>
#include <string.h>

#include "bulwark/buf.h"
#include "bulwark/fsutil.h"
#include "bulwark/keys.h"
#include "bulwark/random.h"
#include "cli.h"
#include "oauth_clients.h"

#define CLI_ARENA (256u * 1024u)

static void usage(FILE *f)
{
	fputs("usage: bulwark client add --data-dir DIR [--database URL] [--config FILE]\n"
	      "                          --name NAME --redirect-uri URI [--redirect-uri URI...]\n"
	      "                          [--public] [--scope S...] [--grant G...]\n"
	      "                          [--auth-method M] [--jwks-file FILE]\n"
	      "\n"
	      "Registers an OAuth client and prints it as JSON: client_id, and client_secret\n"
	      "(shown once) for a client that authenticates with a secret.\n"
	      "  --public          a public client (native or browser app): auth method none\n"
	      "  --scope S         a scope it may ask for (repeat, or several in one quoted\n"
	      "                    argument); default: openid profile email offline_access\n"
	      "  --grant G         authorization_code, refresh_token, client_credentials\n"
	      "                    (repeat); default: authorization_code refresh_token\n"
	      "  --auth-method M   client_secret_basic (default for confidential clients),\n"
	      "                    client_secret_post, private_key_jwt, none\n"
	      "  --jwks-file FILE  the public keys of private_key_jwt, {\"keys\":[...]}\n"
	      "Redirect URIs: https, http on 127.0.0.1 or [::1] (any port is accepted back),\n"
	      "or a private-use scheme such as com.example.app:/callback; no fragment or\n"
	      "wildcard; not \"localhost\".\n",
	      f);
}

/* Append the space-separated words of arg to list (at most max in all). */
static bool add_words(struct bw_arena *a, const char **list, size_t *n, size_t max, const char *arg)
{
	struct bw_str s = bw_str_c(arg);
	size_t i = 0;

	while (i < s.len) {
		size_t j = i;

		while (j < s.len && s.p[j] != ' ')
			j++;
		if (j > i) {
			if (*n == max)
				return false;
			list[*n] = bw_arena_strndup(a, s.p + i, j - i);
			if (list[(*n)++] == NULL)
				return false;
		}
		i = j + 1;
	}
	return true;
}

/* The client as JSON on stdout; secret NULL or "" leaves it out. */
static int print_client(const struct bw_oauth_client *c, const char *secret)
{
	json_t *o = json_object(), *r = json_array(), *sc = json_array(), *g = json_array();
	struct bw_buf b;
	int status = 1;

	if (o == NULL || r == NULL || sc == NULL || g == NULL)
		goto out;
	for (size_t i = 0; i < c->n_redirect_uris; i++)
		json_array_append_new(r, json_string(c->redirect_uris[i]));
	for (size_t i = 0; i < c->n_scopes; i++)
		json_array_append_new(sc, json_string(c->scopes[i]));
	for (unsigned bit = 1; bit <= BW_GRANT_CLIENT_CREDENTIALS; bit <<= 1)
		if (c->grant_types & bit)
			json_array_append_new(
			        g, json_string(bw_client_grant_name((enum bw_client_grant)bit)));
	json_object_set_new(o, "client_id", json_string(c->client_id));
	if (secret != NULL && secret[0] != '\0')
		json_object_set_new(o, "client_secret", json_string(secret));
	json_object_set_new(o, "name", json_string(c->name));
	json_object_set_new(o, "token_endpoint_auth_method",
	                    json_string(bw_client_auth_method_name(c->auth_method)));
	json_object_set_new(o, "redirect_uris", r);
	json_object_set_new(o, "scopes", sc);
	json_object_set_new(o, "grant_types", g);
	json_object_set_new(o, "id_token_signed_response_alg",
	                    json_string(bw_jwt_alg_name(c->id_token_alg)));
	r = sc = g = NULL;
	bw_buf_init(&b, 64 * 1024);
	if (bw_json_dump(o, &b) == BW_OK && bw_buf_append_byte(&b, '\n') == BW_OK &&
	    fwrite(b.p, 1, b.len, stdout) == b.len && fflush(stdout) == 0)
		status = 0;
	bw_buf_free(&b);
out:
	json_decref(o);
	json_decref(r);
	json_decref(sc);
	json_decref(g);
	return status;
}

int bw_cmd_client(int argc, char **argv)
{
	struct bw_cli cli;
	struct bw_app app;
	struct bw_arena *a = NULL;
	struct bw_oauth_client_new req = {0};
	struct bw_oauth_client_refusal why = {0};
	struct bw_oauth_client *c = NULL;
	struct bw_buf jwks;
	const char *redirects[BW_CLIENT_MAX_REDIRECTS], *scopes[BW_CLIENT_MAX_SCOPES];
	const char *method = NULL, *jwks_file = NULL;
	char secret[BW_TOKEN_TEXT_SIZE];
	bool public_client = false;
	int status = 2;
	enum bw_err rc;

	secret[0] = '\0';
	memset(&app, 0, sizeof(app));
	bw_buf_init(&jwks, BW_CLIENT_JWKS_MAX + 1);
	if (argc >= 1 && strcmp(argv[0], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (argc < 1 || strcmp(argv[0], "add") != 0) {
		usage(stderr);
		return 2;
	}
	if (bw_init() != BW_OK)
		return 1;
	bw_cli_init(&cli, "bulwark client add");
	a = bw_arena_new(CLI_ARENA);
	if (a == NULL)
		goto out;
	for (int i = 1; i < argc; i++) {
		int common = bw_cli_common_flag(&cli, argc, argv, &i);
		bool more = i + 1 < argc;

		if (common < 0)
			goto out;
		if (common > 0)
			continue;
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			status = 0;
			goto out;
		} else if (strcmp(argv[i], "--public") == 0) {
			public_client = true;
		} else if (strcmp(argv[i], "--name") == 0 && more) {
			req.name = argv[++i];
		} else if (strcmp(argv[i], "--redirect-uri") == 0 && more) {
			if (req.n_redirect_uris == BW_CLIENT_MAX_REDIRECTS) {
				fputs("bulwark client add: too many --redirect-uri\n", stderr);
				goto out;
			}
			redirects[req.n_redirect_uris++] = argv[++i];
		} else if (strcmp(argv[i], "--scope") == 0 && more) {
			if (!add_words(a, scopes, &req.n_scopes, BW_CLIENT_MAX_SCOPES, argv[++i])) {
				fputs("bulwark client add: too many scopes\n", stderr);
				goto out;
			}
		} else if (strcmp(argv[i], "--grant") == 0 && more) {
			enum bw_client_grant g;

			if (bw_client_grant_parse(bw_str_c(argv[++i]), &g) != BW_OK) {
				fputs("bulwark client add: --grant: authorization_code, "
				      "refresh_token "
				      "or client_credentials\n",
				      stderr);
				goto out;
			}
			req.grant_types |= (unsigned)g;
		} else if (strcmp(argv[i], "--auth-method") == 0 && more) {
			method = argv[++i];
		} else if (strcmp(argv[i], "--jwks-file") == 0 && more) {
			jwks_file = argv[++i];
		} else {
			fprintf(stderr, "bulwark client add: unknown or incomplete argument: %s\n",
			        argv[i]);
			usage(stderr);
			goto out;
		}
	}
	if (req.name == NULL) {
		fputs("bulwark client add: --name is required\n", stderr);
		goto out;
	}
	/* the method: as given, else what the other flags imply */
	if (method != NULL) {
		if (bw_client_auth_method_parse(bw_str_c(method), &req.auth_method) != BW_OK) {
			fputs("bulwark client add: --auth-method: client_secret_basic, "
			      "client_secret_post, private_key_jwt or none\n",
			      stderr);
			goto out;
		}
	} else {
		req.auth_method = public_client       ? BW_CLIENT_AUTH_NONE
		                  : jwks_file != NULL ? BW_CLIENT_AUTH_PRIVATE_KEY_JWT
		                                      : BW_CLIENT_AUTH_SECRET_BASIC;
	}
	req.confidential = !public_client;
	if (jwks_file != NULL) {
		rc = bw_fs_read_file(jwks_file, BW_FS_FOLLOW, &jwks);
		if (rc != BW_OK) {
			fprintf(stderr, "bulwark client add: --jwks-file: cannot be read (%s)\n",
			        bw_err_str(rc));
			goto out;
		}
		req.jwks_json = bw_buf_cstr(&jwks);
	}
	if (req.n_scopes == 0) {
		static const char *const defaults[] = {"openid", "profile", "email",
		                                       "offline_access"};

		for (size_t k = 0; k < 4; k++)
			scopes[req.n_scopes++] = defaults[k];
		if (req.grant_types == BW_GRANT_CLIENT_CREDENTIALS) {
			fputs("bulwark client add: a client_credentials client needs --scope\n",
			      stderr);
			goto out;
		}
	}
	req.redirect_uris = redirects;
	req.scopes = scopes;
	if (bw_cli_load(&cli) != BW_OK)
		goto out;
	status = 1;
	app.settings = cli.s;
	if (bw_master_key_load(cli.s.master_key, &app.master_key) != BW_OK ||
	    bw_keys_derive(app.master_key, BW_KEY_CLIENT, 1, &app.client_key) != BW_OK) {
		fputs("bulwark client add: keys.master: the master key cannot be loaded\n", stderr);
		goto out;
	}
	if (bw_cli_open_db(&cli, true, &app.db) != BW_OK)
		goto out;
	rc = bw_oauth_client_register(&app, &req, a, &c, secret, &why);
	if (rc == BW_ERR_INVALID) {
		fprintf(stderr, "bulwark client add: %s: %s\n", why.field, why.message);
		status = 2;
		goto out;
	}
	if (rc != BW_OK) {
		fprintf(stderr, "bulwark client add: the client cannot be stored (%s)\n",
		        bw_err_str(rc));
		goto out;
	}
	status = print_client(c, secret);
	fprintf(stderr, "bulwark client add: registered client %s (%s)\n", c->client_id,
	        bw_client_auth_method_name(c->auth_method));
out:
	bw_wipe(secret, sizeof(secret));
	bw_buf_free(&jwks);
	bw_db_close(app.db);
	bw_secret_free(app.client_key);
	bw_secret_free(app.master_key);
	bw_arena_free(a);
	bw_cli_free(&cli);
	return status;
}
