/*
 * routes_cli.c — `bulwark routes`: the route table (routes/table.c) as the
 * pipeline enforces it, one line per route and method, for people auditing
 * what is exposed and for tests that must cover every route (the
 * authorization matrix, the OpenAPI document). It reads only the compiled-in
 * table: no configuration, no database.
 *
 * The CSRF column is the check a request of that method gets, not the
 * declared policy: "token" (a session-authenticated unsafe request needs the
 * session's token and a same-origin Origin/Referer), "presession" (an unsafe
 * request to a public form route needs the pre-session token), "none".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "app.h"

static void usage(FILE *f)
{
	fputs("usage: bulwark routes [--json]\n"
	      "\n"
	      "Prints every route the server answers, one line per route and method\n"
	      "(GET implies HEAD), tab-separated under a header line:\n"
	      "  method path auth scopes role csrf rate_class access login_page\n"
	      "auth: session,bearer,apikey or public; scopes: comma-separated, all\n"
	      "required of bearer tokens and API keys; role: the role a principal must\n"
	      "have; csrf: token, presession or none; access: any or loopback; \"-\" for\n"
	      "none. --json prints {\"routes\":[{...}]} with the same fields (lists as\n"
	      "arrays, null for none).\n",
	      f);
}

static const struct {
	enum bw_method bit;
	const char *name;
} methods[] = {
        {BW_GET, "GET"},     {BW_POST, "POST"},     {BW_PUT, "PUT"},
        {BW_PATCH, "PATCH"}, {BW_DELETE, "DELETE"},
};

static const struct {
	enum bw_auth_kind bit;
	const char *name;
} kinds[] = {
        {BW_AUTH_SESSION, "session"},
        {BW_AUTH_BEARER, "bearer"},
        {BW_AUTH_APIKEY, "apikey"},
};

/* The CSRF check the pipeline applies to a request of method m (http.c). */
static const char *csrf_of(const struct bw_route *rt, enum bw_method m)
{
	if (m == BW_GET || m == BW_HEAD)
		return "none";
	if (rt->auth & BW_AUTH_SESSION)
		return "token";
	if (rt->auth == BW_AUTH_PUBLIC && rt->csrf == BW_CSRF_PRESESSION)
		return "presession";
	return "none";
}

static const char *rate_of(const struct bw_route *rt)
{
	return rt->rate_class != NULL ? rt->rate_class : "default";
}

static const char *access_of(const struct bw_route *rt)
{
	return rt->access == BW_ACCESS_LOOPBACK ? "loopback" : "any";
}

static void print_auth(unsigned auth)
{
	size_t n = 0;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (auth & kinds[k].bit)
			printf("%s%s", n++ > 0 ? "," : "", kinds[k].name);
	if (n == 0)
		fputs("public", stdout);
}

static void print_scopes(const char *const *scopes)
{
	size_t n = 0;

	for (size_t i = 0; scopes != NULL && scopes[i] != NULL; i++)
		printf("%s%s", n++ > 0 ? "," : "", scopes[i]);
	if (n == 0)
		fputs("-", stdout);
}

static void print_tsv(const struct bw_route *rt, const char *method, enum bw_method m)
{
	printf("%s\t%s\t", method, rt->path);
	print_auth(rt->auth);
	putchar('\t');
	print_scopes(rt->scopes);
	printf("\t%s\t%s\t%s\t%s\t%s\n", rt->role != NULL ? rt->role : "-", csrf_of(rt, m),
	       rate_of(rt), access_of(rt), rt->login_page != NULL ? rt->login_page : "-");
}

static json_t *json_route(const struct bw_route *rt, const char *method, enum bw_method m)
{
	json_t *auth = json_array(), *scopes = json_array();

	for (size_t k = 0; auth != NULL && k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (rt->auth & kinds[k].bit)
			json_array_append_new(auth, json_string(kinds[k].name));
	for (size_t i = 0; scopes != NULL && rt->scopes != NULL && rt->scopes[i] != NULL; i++)
		json_array_append_new(scopes, json_string(rt->scopes[i]));
	/* "o" takes the references; a NULL one fails the whole pack */
	return json_pack("{s:s,s:s,s:o,s:o,s:s?,s:s,s:s,s:s,s:s?}", "method", method, "path",
	                 rt->path, "auth", auth, "scopes", scopes, "role", rt->role, "csrf",
	                 csrf_of(rt, m), "rate_class", rate_of(rt), "access", access_of(rt),
	                 "login_page", rt->login_page);
}

int bw_cmd_routes(int argc, char **argv)
{
	struct bw_route *routes = NULL;
	json_t *arr = NULL;
	size_t n = 0;
	bool as_json = false;
	int status = 1;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--json") == 0 && !as_json) {
			as_json = true;
			continue;
		}
		fprintf(stderr, "bulwark routes: unknown argument: %.64s\n", argv[i]);
		usage(stderr);
		return 2;
	}
	if (bw_app_route_table(&routes, &n) != BW_OK) {
		fputs("bulwark routes: out of memory\n", stderr);
		return 1;
	}
	if (as_json)
		arr = json_array();
	else
		puts("method\tpath\tauth\tscopes\trole\tcsrf\trate_class\taccess\tlogin_page");
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < sizeof(methods) / sizeof(methods[0]); k++) {
			if ((routes[i].methods & methods[k].bit) == 0)
				continue;
			if (!as_json)
				print_tsv(&routes[i], methods[k].name, methods[k].bit);
			else if (arr == NULL ||
			         json_array_append_new(arr, json_route(&routes[i], methods[k].name,
			                                               methods[k].bit)) != 0)
				goto out;
		}
	}
	if (as_json) {
		char *text = json_dumps(arr, JSON_COMPACT);

		if (text == NULL)
			goto out;
		printf("{\"routes\":%s}\n", text);
		free(text);
	}
	status = fflush(stdout) == 0 ? 0 : 1;
out:
	if (status != 0)
		fputs("bulwark routes: the table cannot be printed\n", stderr);
	json_decref(arr);
	free(routes);
	return status;
}
