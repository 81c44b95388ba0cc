/* main.c — the bulwark command: one binary, subcommands. */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "bulwark/bulwark.h"
#include "oauth_clients.h" /* bw_cmd_client */
#include "sessions.h"      /* accounts: bw_cmd_user */
#include "signing.h"       /* tokens: bw_cmd_keys */

static void help(FILE *f)
{
	fputs("bulwark " BULWARK_VERSION " — a security-first identity and API server\n"
	      "\n"
	      "usage: bulwark COMMAND [OPTIONS]\n"
	      "\n"
	      "commands:\n"
	      "  serve      run the server (bulwark serve --help)\n"
	      "  migrate    apply database schema migrations (bulwark migrate --help)\n"
	      "  user       add a user: bulwark user add --help\n"
	      "  audit      verify or export the audit log (bulwark audit --help)\n"
	      "  client     register an OAuth client: bulwark client add --help\n"
	      "  keys       rotate or list the token signing keys (bulwark keys --help)\n"
	      "  routes     list the routes and what each requires (bulwark routes --help)\n"
	      "  help       this text\n"
	      "\n"
	      "  bulwark --version    print the version\n"
	      "  bulwark COMMAND --help\n",
	      f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		help(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		puts("bulwark " BULWARK_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		help(stdout);
		return 0;
	}
	if (strcmp(argv[1], "serve") == 0)
		return bw_cmd_serve(argc - 2, argv + 2);
	if (strcmp(argv[1], "migrate") == 0)
		return bw_cmd_migrate(argc - 2, argv + 2);
	if (strcmp(argv[1], "user") == 0) /* accounts: user_cli.c */
		return bw_cmd_user(argc - 2, argv + 2);
	if (strcmp(argv[1], "audit") == 0)
		return bw_cmd_audit(argc - 2, argv + 2);
	if (strcmp(argv[1], "client") == 0) /* OAuth clients: client_cli.c */
		return bw_cmd_client(argc - 2, argv + 2);
	if (strcmp(argv[1], "keys") == 0) /* tokens: keys_cli.c */
		return bw_cmd_keys(argc - 2, argv + 2);
	if (strcmp(argv[1], "routes") == 0) /* routes_cli.c */
		return bw_cmd_routes(argc - 2, argv + 2);
	fprintf(stderr, "bulwark: unknown command: %.64s (try: bulwark help)\n", argv[1]);
	return 2;
}
