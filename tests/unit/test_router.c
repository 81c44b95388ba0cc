/* test_router.c — route compilation, matching, 405 sets and table checks. */
#include "bw_test.h"

#include "bulwark/http.h"
#include "router.h"

static enum bw_err h_dummy(struct bw_req *req, struct bw_resp *resp)
{
	(void)req;
	(void)resp;
	return BW_OK;
}

static const struct bw_param id_param[] = {
        {.name = "id", .rule = {.kind = BW_RULE_UUID}},
        {0},
};

static const struct bw_route routes[] = {
        {.path = "/", .methods = BW_GET, .handler = h_dummy},
        {.path = "/v1/notes", .methods = BW_GET | BW_POST, .handler = h_dummy},
        {.path = "/v1/notes/import", .methods = BW_POST, .handler = h_dummy},
        {.path = "/v1/notes/{id}",
         .methods = BW_GET | BW_PATCH | BW_DELETE,
         .handler = h_dummy,
         .path_params = id_param},
};

static struct bw_arena *arena;
static struct bw_router *router;

static int setup(void **state)
{
	const struct bw_route *bad;

	(void)state;
	arena = bw_arena_new(1 << 16);
	return bw_router_new(routes, sizeof(routes) / sizeof(routes[0]), &router, &bad) != BW_OK;
}

static int teardown(void **state)
{
	(void)state;
	bw_router_free(router);
	bw_arena_free(arena);
	return 0;
}

static void match(const char *path, enum bw_method m, struct bw_match *out)
{
	struct bw_target t;

	assert_int_equal(bw_url_parse_target(arena, bw_str_c(path), &t), BW_OK);
	bw_router_match(router, &t, m, out);
}

static void literal_and_param_routes(void **state)
{
	struct bw_match m;

	(void)state;
	match("/", BW_GET, &m);
	assert_ptr_equal(m.route, &routes[0]);
	match("/v1/notes", BW_POST, &m);
	assert_ptr_equal(m.route, &routes[1]);
	match("/v1/notes/import", BW_POST, &m);
	assert_ptr_equal(m.route, &routes[2]); /* literal wins over {id} */
	match("/v1/notes/1234", BW_GET, &m);
	assert_ptr_equal(m.route, &routes[3]);
	assert_int_equal(m.n_params, 1);
	assert_true(bw_str_eq_c(m.params[0], "1234"));
	match("/v1/notes", BW_HEAD, &m);
	assert_ptr_equal(m.route, &routes[1]); /* HEAD served by GET */
}

static void method_not_allowed_lists_methods(void **state)
{
	struct bw_match m;

	(void)state;
	match("/v1/notes", BW_DELETE, &m);
	assert_null(m.route);
	assert_int_equal(m.allowed, BW_GET | BW_HEAD | BW_POST);
	match("/v1/notes/import", BW_PUT, &m);
	assert_null(m.route);
	/* both the literal and the parameter route match this path */
	assert_int_equal(m.allowed, BW_POST | BW_GET | BW_HEAD | BW_PATCH | BW_DELETE);
}

static void unknown_paths(void **state)
{
	struct bw_match m;

	(void)state;
	match("/v1", BW_GET, &m);
	assert_null(m.route);
	assert_int_equal(m.allowed, 0);
	match("/v1/notes/", BW_GET, &m); /* a trailing slash is another path */
	assert_int_equal(m.allowed, 0);
	match("/v1/notes/a/b", BW_GET, &m);
	assert_int_equal(m.allowed, 0);
	match("/V1/notes", BW_GET, &m); /* case-sensitive */
	assert_int_equal(m.allowed, 0);
}

static const char *const scopes[] = {"notes:read", NULL};

static void bad_tables_are_refused(void **state)
{
	static const struct bw_param other[] = {{.name = "other", .rule = {.kind = BW_RULE_UUID}},
	                                        {0}};
	static const struct bw_param with_csrf[] = {
	        {.name = "csrf_token", .rule = BW_RULE_TEXT(0, 10, 0)}, {0}};
	static const struct bw_param twice[] = {{.name = "a", .rule = BW_RULE_TEXT(0, 10, 0)},
	                                        {.name = "a", .rule = BW_RULE_TEXT(0, 10, 0)},
	                                        {0}};
	static const struct bw_route bad_tables[][2] = {
	        {{.path = "/a/{id}", .methods = BW_GET, .handler = h_dummy}}, /* no rule */
	        {{.path = "/a/{id}", .methods = BW_GET, .handler = h_dummy, .path_params = other}},
	        {{.path = "/a/", .methods = BW_GET, .handler = h_dummy}},
	        {{.path = "a", .methods = BW_GET, .handler = h_dummy}},
	        {{.path = "/a//b", .methods = BW_GET, .handler = h_dummy}},
	        {{.path = "/a", .methods = 0, .handler = h_dummy}},
	        {{.path = "/a", .methods = BW_GET}},
	        {{.path = "/a", .methods = BW_OPTIONS, .handler = h_dummy}},
	        {{.path = "/a b", .methods = BW_GET, .handler = h_dummy}},
	        /* a cookie route cannot opt out of CSRF; scopes need credentials */
	        {{.path = "/a",
	          .methods = BW_POST,
	          .handler = h_dummy,
	          .auth = BW_AUTH_SESSION,
	          .csrf = BW_CSRF_NOT_COOKIE}},
	        {{.path = "/a", .methods = BW_GET, .handler = h_dummy, .scopes = scopes}},
	        {{.path = "/a", .methods = BW_GET, .handler = h_dummy},
	         {.path = "/a", .methods = BW_GET | BW_POST, .handler = h_dummy}},
	        /* form fields: a declared csrf_token would hide the pipeline's; none
	         * twice; only on form routes; pre-session checks only before a session */
	        {{.path = "/a",
	          .methods = BW_POST,
	          .handler = h_dummy,
	          .body = BW_BODY_FORM,
	          .form_fields = with_csrf}},
	        {{.path = "/a",
	          .methods = BW_POST,
	          .handler = h_dummy,
	          .body = BW_BODY_FORM,
	          .form_fields = twice}},
	        {{.path = "/a",
	          .methods = BW_POST,
	          .handler = h_dummy,
	          .body = BW_BODY_JSON,
	          .form_fields = other}},
	        {{.path = "/a",
	          .methods = BW_POST,
	          .handler = h_dummy,
	          .body = BW_BODY_FORM,
	          .auth = BW_AUTH_SESSION,
	          .csrf = BW_CSRF_PRESESSION}},
	};
	size_t sizes[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1};

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct bw_router *r = NULL;
		const struct bw_route *bad = NULL;

		assert_int_equal(bw_router_new(bad_tables[i], sizes[i], &r, &bad), BW_ERR_INVALID);
		assert_null(r);
		assert_non_null(bad);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(literal_and_param_routes),
	        cmocka_unit_test(method_not_allowed_lists_methods),
	        cmocka_unit_test(unknown_paths),
	        cmocka_unit_test(bad_tables_are_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
