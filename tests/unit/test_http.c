/*
 * test_http.c — the HTTP core as a library user runs it: a server on an
 * ephemeral loopback port, plain HTTP, driven with raw sockets. Covers the
 * declared-parameter contract, form bodies and their CSRF token (checked
 * after the form is parsed, never after the handler ran), slow routes on the
 * worker pool (suspend and resume, 503 when the queue is full) and draining
 * with work in flight.
 */
#include "bw_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static atomic_int slow_started;
static atomic_int slow_release; /* slow handlers wait for this */

static enum bw_err h_hello(struct bw_req *req, struct bw_resp *resp)
{
	bool present;
	struct bw_str n = bw_req_query(req, "n", &present);
	char body[64];
	int len;

	len = snprintf(body, sizeof(body), "{\"n\":\"%.*s\",\"present\":%s}", (int)n.len, n.p,
	               present ? "true" : "false");
	return bw_resp_json(resp, 200, (struct bw_str){body, (size_t)len});
}

static enum bw_err h_item(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_str id = bw_req_param(req, "id");

	return bw_resp_json(resp, 200, id);
}

static enum bw_err h_slow(struct bw_req *req, struct bw_resp *resp)
{
	struct timespec t = {0, 5 * 1000000L};

	(void)req;
	atomic_fetch_add(&slow_started, 1);
	while (!atomic_load(&slow_release))
		nanosleep(&t, NULL);
	return bw_resp_json(resp, 200, BW_STR("{\"slow\":true}"));
}

static enum bw_err h_fail(struct bw_req *req, struct bw_resp *resp)
{
	(void)req;
	if (bw_resp_header(resp, "X-Leak", "secret-internal-detail") != BW_OK)
		return BW_ERR_INTERNAL;
	return BW_ERR_IO;
}

/* A handler that tries to weaken the security headers. */
static enum bw_err h_weaken(struct bw_req *req, struct bw_resp *resp)
{
	(void)req;
	if (bw_resp_header(resp, "X-Frame-Options", "ALLOWALL") != BW_OK ||
	    bw_resp_header(resp, "content-security-policy", "default-src *") != BW_OK ||
	    bw_resp_header(resp, "X-Custom", "kept") != BW_OK)
		return BW_ERR_INTERNAL;
	return bw_resp_json(resp, 200, BW_STR("{}"));
}

/* A fake authenticator: "Bearer good" has notes:read, "Bearer noscope" has
 * none, "Bearer apikey" claims to be an API key, "Cookie: s=good" is a
 * session; the CSRF check wants "X-CSRF-Token: ok". */
static enum bw_err fake_auth(void *ctx, struct bw_req *req, unsigned kinds,
                             struct bw_principal *out)
{
	const char *authz = bw_req_header(req, "Authorization");
	const char *cookie = bw_req_header(req, "Cookie");

	(void)ctx;
	if (authz != NULL && (kinds & (BW_AUTH_BEARER | BW_AUTH_APIKEY))) {
		if (strcmp(authz, "Bearer good") == 0 || strcmp(authz, "Bearer admin") == 0) {
			out->kind = BW_AUTH_BEARER;
			out->scopes[0] = "notes:read";
			snprintf(out->role, sizeof(out->role), "%s",
			         authz[7] == 'a' ? "admin" : "user");
		} else if (strcmp(authz, "Bearer noscope") == 0) {
			out->kind = BW_AUTH_BEARER;
		} else if (strcmp(authz, "Bearer apikey") == 0) {
			out->kind = BW_AUTH_APIKEY;
		} else if (strcmp(authz, "Bearer apikey-read") == 0) {
			out->kind = BW_AUTH_APIKEY;
			out->scopes[0] = "notes:read";
		} else {
			return BW_ERR_DENIED;
		}
		out->user_id = 7;
		return BW_OK;
	}
	if (cookie != NULL && (kinds & BW_AUTH_SESSION)) {
		if (strcmp(cookie, "s=good") != 0)
			return BW_ERR_DENIED;
		/* a session carries no scopes: routes' scopes bind tokens and keys */
		out->kind = BW_AUTH_SESSION;
		out->user_id = 8;
		return BW_OK;
	}
	return BW_ERR_NOT_FOUND;
}

static enum bw_err fake_csrf(void *ctx, struct bw_req *req, const struct bw_principal *p)
{
	struct bw_str slot;
	const struct bw_str *t = bw_req_csrf_token(req, &slot);

	(void)ctx;
	(void)p;
	return t != NULL && bw_str_eq_c(*t, "ok") ? BW_OK : BW_ERR_DENIED;
}

/* The pre-session check wants the token "pre"; the origin check refuses
 * "Origin: https://evil.example" (and counts its calls). */
static atomic_int origin_checks;

static enum bw_err fake_presession(void *ctx, struct bw_req *req)
{
	struct bw_str slot;
	const struct bw_str *t = bw_req_csrf_token(req, &slot);

	(void)ctx;
	return t != NULL && bw_str_eq_c(*t, "pre") ? BW_OK : BW_ERR_DENIED;
}

static enum bw_err fake_origin(void *ctx, struct bw_req *req)
{
	const char *o = bw_req_header(req, "Origin");

	(void)ctx;
	atomic_fetch_add(&origin_checks, 1);
	return o != NULL && strcmp(o, "https://evil.example") == 0 ? BW_ERR_DENIED : BW_OK;
}

/* Form handlers count their runs: a refused request must never reach one. */
static atomic_int form_runs;

static enum bw_err h_form(struct bw_req *req, struct bw_resp *resp)
{
	bool present;
	struct bw_str title = bw_req_form(req, "title", NULL);
	struct bw_str n = bw_req_form(req, "n", &present);
	char body[128];
	int len;

	atomic_fetch_add(&form_runs, 1);
	len = snprintf(body, sizeof(body), "[%.*s|%.*s|%s]", (int)title.len, title.p, (int)n.len,
	               n.p, present ? "n" : "-");
	return bw_resp_json(resp, 200, (struct bw_str){body, (size_t)len});
}

static enum bw_err h_whoami(struct bw_req *req, struct bw_resp *resp)
{
	const struct bw_principal *p = bw_req_principal(req);
	char body[32];
	int n = snprintf(body, sizeof(body), "{\"user\":%lld}", (long long)p->user_id);

	return bw_resp_json(resp, 200, (struct bw_str){body, (size_t)n});
}

static const char *const read_scope[] = {"notes:read", NULL};

static const struct bw_param hello_query[] = {
        {.name = "n", .rule = BW_RULE_INT_RANGE(1, 100)},
        {0},
};
static const struct bw_param item_params[] = {
        {.name = "id", .rule = {.kind = BW_RULE_UUID}},
        {0},
};
static const struct bw_json_field echo_fields[] = {
        {.name = "title",
         .type = BW_JSON_STRING,
         .required = true,
         .rule = &(const struct bw_rule)BW_RULE_TEXT(1, 20, 0)},
};
static const struct bw_json_schema echo_schema = {echo_fields, 1};

static enum bw_err h_echo(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_str title;
	enum bw_err rc = bw_json_get_str(bw_req_json(req), &echo_schema, "title", &title);

	if (rc != BW_OK)
		return rc;
	return bw_resp_json(resp, 201, title);
}

static const struct bw_param form_fields[] = {
        {.name = "title", .rule = BW_RULE_TEXT(1, 20, 0), .required = true},
        {.name = "n", .rule = BW_RULE_INT_RANGE(1, 100)},
        {0},
};

static const struct bw_route routes[] = {
        {.path = "/form",
         .methods = BW_POST,
         .handler = h_form,
         .body = BW_BODY_FORM,
         .form_fields = form_fields,
         .auth = BW_AUTH_SESSION},
        {.path = "/pre",
         .methods = BW_POST,
         .handler = h_form,
         .body = BW_BODY_FORM,
         .form_fields = form_fields,
         .csrf = BW_CSRF_PRESESSION},
        {.path = "/pre-json",
         .methods = BW_POST,
         .handler = h_echo,
         .body = BW_BODY_JSON,
         .schema = &echo_schema,
         .csrf = BW_CSRF_PRESESSION},
        {.path = "/hello", .methods = BW_GET, .handler = h_hello, .query_params = hello_query},
        {.path = "/items/{id}", .methods = BW_GET, .handler = h_item, .path_params = item_params},
        {.path = "/slow", .methods = BW_GET, .handler = h_slow, .slow = true},
        {.path = "/fail", .methods = BW_GET, .handler = h_fail},
        {.path = "/echo",
         .methods = BW_POST,
         .handler = h_echo,
         .body = BW_BODY_JSON,
         .schema = &echo_schema},
        {.path = "/private", .methods = BW_GET, .handler = h_hello, .auth = BW_AUTH_SESSION},
        {.path = "/page",
         .methods = BW_GET | BW_POST,
         .handler = h_hello,
         .query_params = hello_query,
         .auth = BW_AUTH_SESSION,
         .login_page = "/login",
         .html = true},
        {.path = "/weaken", .methods = BW_GET, .handler = h_weaken},
        {.path = "/admin",
         .methods = BW_GET,
         .handler = h_whoami,
         .auth = BW_AUTH_BEARER,
         .role = "admin"},
        {.path = "/me",
         .methods = BW_GET | BW_POST,
         .handler = h_whoami,
         .auth = BW_AUTH_BEARER | BW_AUTH_SESSION,
         .scopes = read_scope},
        {.path = "/keyed",
         .methods = BW_GET,
         .handler = h_whoami,
         .auth = BW_AUTH_APIKEY | BW_AUTH_SESSION,
         .scopes = read_scope},
};

static struct bw_http *start_server(unsigned workers, unsigned queue, unsigned per_ip)
{
	static const char *const hosts[] = {"127.0.0.1", NULL};
	struct bw_http_config cfg;
	struct bw_http *h;

	bw_http_config_defaults(&cfg);
	cfg.port = 0;
	cfg.hsts = false;
	cfg.allowed_hosts = hosts;
	cfg.workers = workers;
	cfg.worker_queue = queue;
	cfg.worker_queue_per_ip = per_ip;
	cfg.rl_ip_rate = 100000;
	cfg.rl_ip_period = 1;
	cfg.rl_ip_burst = 100000;
	cfg.auth.authenticate = fake_auth;
	cfg.auth.check_csrf = fake_csrf;
	cfg.auth.check_presession = fake_presession;
	cfg.auth.check_origin = fake_origin;
	assert_int_equal(bw_http_new(&cfg, routes, sizeof(routes) / sizeof(routes[0]), &h), BW_OK);
	assert_int_equal(bw_http_start(h), BW_OK);
	assert_int_not_equal(bw_http_port(h), 0);
	return h;
}

static int connect_to(uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct timeval tv = {10, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void send_all(int fd, const char *req)
{
	size_t len = strlen(req), off = 0;

	while (off < len) {
		ssize_t n = write(fd, req + off, len - off);

		assert_true(n > 0);
		off += (size_t)n;
	}
}

/* Read one response (head + Content-Length body) into out; returns the status. */
static int read_response(int fd, char *out, size_t cap)
{
	size_t len = 0;
	int status = 0;

	while (len + 1 < cap) {
		ssize_t n = read(fd, out + len, cap - 1 - len);
		char *end, *cl;

		if (n <= 0)
			break;
		len += (size_t)n;
		out[len] = '\0';
		end = strstr(out, "\r\n\r\n");
		if (end == NULL)
			continue;
		cl = strcasestr(out, "\r\nContent-Length: ");
		if (cl == NULL || (size_t)(end + 4 - out) + strtoul(cl + 18, NULL, 10) <= len)
			break;
	}
	out[len] = '\0';
	if (sscanf(out, "HTTP/1.1 %d", &status) != 1)
		status = 0;
	return status;
}

static int roundtrip(uint16_t port, const char *req, char *out, size_t cap)
{
	int fd = connect_to(port);
	int status;

	send_all(fd, req);
	status = read_response(fd, out, cap);
	close(fd);
	return status;
}

static int get(uint16_t port, const char *target, char *out, size_t cap)
{
	char req[512];

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", target);
	return roundtrip(port, req, out, cap);
}

static void declared_parameters_only(void **state)
{
	struct bw_http *h = start_server(1, 8, 4);
	uint16_t port = bw_http_port(h);
	char out[8192];

	(void)state;
	assert_int_equal(get(port, "/hello?n=5", out, sizeof(out)), 200);
	assert_non_null(strstr(out, "{\"n\":\"5\",\"present\":true}"));
	assert_int_equal(get(port, "/hello", out, sizeof(out)), 200);
	assert_non_null(strstr(out, "\"present\":false"));
	/* undeclared, repeated, out of range, malformed: refused before the handler */
	assert_int_equal(get(port, "/hello?x=1", out, sizeof(out)), 400);
	assert_non_null(strstr(out, "\"code\":\"unknown\""));
	assert_int_equal(get(port, "/hello?n=1&n=2", out, sizeof(out)), 400);
	assert_non_null(strstr(out, "\"code\":\"duplicate\""));
	assert_int_equal(get(port, "/hello?n=101", out, sizeof(out)), 400);
	assert_non_null(strstr(out, "\"field\":\"n\""));
	assert_int_equal(get(port, "/hello?n=05", out, sizeof(out)), 400);
	/* path parameters are validated: a non-UUID id names nothing */
	assert_int_equal(get(port, "/items/123e4567-e89b-12d3-a456-426614174000", out, sizeof(out)),
	                 200);
	assert_int_equal(get(port, "/items/not-a-uuid", out, sizeof(out)), 404);
	/* a failing handler answers a bare 500, dropping what it had set */
	assert_int_equal(get(port, "/fail", out, sizeof(out)), 500);
	assert_null(strstr(out, "secret-internal-detail"));
	assert_non_null(strstr(out, "/problems/internal"));
	/* a handler cannot weaken or drop the security headers */
	assert_int_equal(get(port, "/weaken", out, sizeof(out)), 200);
	assert_non_null(strstr(out, "X-Frame-Options: DENY\r\n"));
	assert_null(strstr(out, "ALLOWALL"));
	assert_null(strstr(out, "default-src *"));
	assert_non_null(strstr(out, "Content-Security-Policy: default-src 'none'; frame-ancestors "
	                            "'none'\r\n"));
	assert_non_null(strstr(out, "X-Custom: kept\r\n"));
	/* no credentials the authenticator recognises: fail closed */
	assert_int_equal(get(port, "/private", out, sizeof(out)), 401);
	bw_http_free(h);
}

static int req_with(uint16_t port, const char *method, const char *headers, char *out, size_t cap)
{
	char req[1024];

	snprintf(req, sizeof(req),
	         "%s /me HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n%s\r\n", method,
	         headers);
	return roundtrip(port, req, out, cap);
}

static int get_with(uint16_t port, const char *path, const char *headers, char *out, size_t cap)
{
	char req[1024];

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n", path, headers);
	return roundtrip(port, req, out, cap);
}

static void authentication_scopes_and_csrf(void **state)
{
	struct bw_http *h = start_server(1, 8, 4);
	uint16_t port = bw_http_port(h);
	char out[8192];

	(void)state;
	assert_int_equal(req_with(port, "GET", "", out, sizeof(out)), 401);
	assert_non_null(strstr(out, "WWW-Authenticate: Bearer"));
	assert_int_equal(
	        req_with(port, "GET", "Authorization: Bearer forged\r\n", out, sizeof(out)), 401);
	assert_int_equal(req_with(port, "GET", "Authorization: Bearer good\r\n", out, sizeof(out)),
	                 200);
	assert_non_null(strstr(out, "{\"user\":7}"));
	assert_non_null(strstr(out, "Cache-Control: no-store"));
	/* a valid token without the route's scope */
	assert_int_equal(
	        req_with(port, "GET", "Authorization: Bearer noscope\r\n", out, sizeof(out)), 403);
	assert_non_null(strstr(out, "/problems/insufficient-scope"));
	/* a credential kind the route does not take, even if the authenticator says OK */
	assert_int_equal(
	        req_with(port, "GET", "Authorization: Bearer apikey\r\n", out, sizeof(out)), 401);
	/* a role-restricted route */
	assert_int_equal(
	        get_with(port, "/admin", "Authorization: Bearer good\r\n", out, sizeof(out)), 403);
	assert_non_null(strstr(out, "/problems/forbidden"));
	assert_int_equal(
	        get_with(port, "/admin", "Authorization: Bearer admin\r\n", out, sizeof(out)), 200);
	/* sessions: reads pass, unsafe methods need the CSRF check */
	assert_int_equal(req_with(port, "GET", "Cookie: s=good\r\n", out, sizeof(out)), 200);
	assert_int_equal(req_with(port, "POST", "Cookie: s=good\r\n", out, sizeof(out)), 403);
	assert_non_null(strstr(out, "/problems/csrf-refused"));
	assert_int_equal(
	        req_with(port, "POST", "Cookie: s=good\r\nX-CSRF-Token: bad\r\n", out, sizeof(out)),
	        403);
	assert_int_equal(
	        req_with(port, "POST", "Cookie: s=good\r\nX-CSRF-Token: ok\r\n", out, sizeof(out)),
	        200);
	assert_int_equal(
	        req_with(port, "POST", "Cookie: s=bad\r\nX-CSRF-Token: ok\r\n", out, sizeof(out)),
	        401);
	/* a page behind a session sends a browser without one to the login page */
	assert_int_equal(get_with(port, "/page?n=5", "", out, sizeof(out)), 303);
	assert_non_null(strstr(out, "Location: /login?next=%2Fpage%3Fn%3D5\r\n"));
	assert_int_equal(get_with(port, "/page?n=5", "Cookie: s=forged\r\n", out, sizeof(out)),
	                 303);
	assert_int_equal(get_with(port, "/page?n=5", "Cookie: s=good\r\n", out, sizeof(out)), 200);
	assert_int_equal(roundtrip(port,
	                           "POST /page HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
	                           "0\r\n\r\n",
	                           out, sizeof(out)),
	                 401); /* only reads are redirected */
	/* an API key is held to the route's scopes like a token; a session is not */
	assert_int_equal(
	        get_with(port, "/keyed", "Authorization: Bearer apikey\r\n", out, sizeof(out)),
	        403);
	assert_non_null(strstr(out, "/problems/insufficient-scope"));
	assert_int_equal(
	        get_with(port, "/keyed", "Authorization: Bearer apikey-read\r\n", out, sizeof(out)),
	        200);
	assert_int_equal(get_with(port, "/keyed", "Cookie: s=good\r\n", out, sizeof(out)), 200);
	/* a bearer token carries no ambient credential: no CSRF token needed */
	assert_int_equal(req_with(port, "POST", "Authorization: Bearer good\r\n", out, sizeof(out)),
	                 200);
	bw_http_free(h);
}

static void json_bodies_are_held_to_the_schema(void **state)
{
	struct bw_http *h = start_server(1, 8, 4);
	uint16_t port = bw_http_port(h);
	char out[8192];
	static const char *const bad[] = {
	        "{\"title\":\"ok\",\"admin\":true}", /* mass assignment */
	        "{}",                                /* required */
	        "{\"title\":5}",                     /* type */
	        "{\"title\":\"\"}",                  /* too short */
	        "{\"title\":\"a\",\"title\":\"b\"}", /* duplicate */
	        "[\"title\"]",                       /* not an object */
	};

	(void)state;
	assert_int_equal(
	        roundtrip(port,
	                  "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
	                  "application/json\r\nContent-Length: 15\r\n\r\n{\"title\":\"hey\"}",
	                  out, sizeof(out)),
	        201);
	assert_non_null(strstr(out, "\r\n\r\nhey"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char req[512];

		snprintf(req, sizeof(req),
		         "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
		         "application/json\r\nContent-Length: %zu\r\n\r\n%s",
		         strlen(bad[i]), bad[i]);
		assert_int_equal(roundtrip(port, req, out, sizeof(out)), 400);
		assert_non_null(strstr(out, "application/problem+json"));
	}
	assert_int_equal(roundtrip(port,
	                           "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
	                           "application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\n"
	                           "title=x",
	                           out, sizeof(out)),
	                 415);
	bw_http_free(h);
}

/* POST a form body to path with extra headers; the status. */
static int post_form(uint16_t port, const char *path, const char *headers, const char *body,
                     char *out, size_t cap)
{
	char req[2048];

	snprintf(req, sizeof(req),
	         "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
	         "application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n%s\r\n%s",
	         path, strlen(body), headers, body);
	return roundtrip(port, req, out, cap);
}

static void form_bodies_and_their_csrf_token(void **state)
{
	struct bw_http *h = start_server(1, 8, 4);
	uint16_t port = bw_http_port(h);
	char out[8192];
	static const char *const refused[] = {
	        "title=a",                 /* no token */
	        "title=a&csrf_token=",     /* empty token */
	        "title=a&csrf_token=bad",  /* wrong token */
	        "title=a&csrf_token=okay", /* a longer one */
	        "title=a&csrf_token=OK",   /* case matters */
	};
	static const char *const malformed[] = {
	        "title=a&csrf_token=ok&csrf_token=ok",       /* token twice */
	        "title=a&title=b&csrf_token=ok",             /* field twice */
	        "title=a&admin=1&csrf_token=ok",             /* undeclared */
	        "n=5&csrf_token=ok",                         /* required missing */
	        "title=a&n=0&csrf_token=ok",                 /* rule */
	        "title&csrf_token=ok",                       /* no '=' */
	        "title=%zz&csrf_token=ok",                   /* bad escape */
	        "title=a%00&csrf_token=ok",                  /* NUL */
	        "title=a%0a&csrf_token=ok",                  /* control */
	        "title=%ff&csrf_token=ok",                   /* invalid UTF-8 */
	        "title=a&&csrf_token=ok",                    /* empty pair */
	        "title=aaaaaaaaaaaaaaaaaaaaa&csrf_token=ok", /* too long */
	};

	(void)state;
	atomic_store(&form_runs, 0);
	/* the right token in the form: the handler sees the decoded fields */
	assert_int_equal(post_form(port, "/form", "Cookie: s=good\r\n",
	                           "title=a+b%21&n=7&csrf_token=ok", out, sizeof(out)),
	                 200);
	assert_non_null(strstr(out, "[a b!|7|n]"));
	assert_int_equal(post_form(port, "/form", "Cookie: s=good\r\n", "csrf_token=ok&title=x",
	                           out, sizeof(out)),
	                 200);
	assert_non_null(strstr(out, "[x||-]"));
	/* a script may send the token as the header instead */
	assert_int_equal(post_form(port, "/form", "Cookie: s=good\r\nX-CSRF-Token: ok\r\n",
	                           "title=y", out, sizeof(out)),
	                 200);
	assert_int_equal(atomic_load(&form_runs), 3);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(post_form(port, "/form", "Cookie: s=good\r\n", refused[i], out,
		                           sizeof(out)),
		                 403);
		assert_non_null(strstr(out, "/problems/csrf-refused"));
	}
	/* a wrong form token is not rescued by a right header: the form's counts */
	assert_int_equal(post_form(port, "/form", "Cookie: s=good\r\nX-CSRF-Token: ok\r\n",
	                           "title=a&csrf_token=bad", out, sizeof(out)),
	                 403);
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		assert_int_equal(post_form(port, "/form", "Cookie: s=good\r\n", malformed[i], out,
		                           sizeof(out)),
		                 400);
		assert_non_null(strstr(out, "/problems/invalid-body"));
	}
	/* a cross-site origin is refused before the body is read */
	atomic_store(&origin_checks, 0);
	assert_int_equal(post_form(port, "/form",
	                           "Cookie: s=good\r\nOrigin: https://evil.example\r\n",
	                           "title=a&csrf_token=ok", out, sizeof(out)),
	                 403);
	assert_int_equal(atomic_load(&origin_checks), 1);
	/* no session: 401, and a bearer token needs no CSRF token */
	assert_int_equal(post_form(port, "/form", "", "title=a&csrf_token=ok", out, sizeof(out)),
	                 401);
	/* the wrong content type */
	assert_int_equal(roundtrip(port,
	                           "POST /form HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: s=good\r\n"
	                           "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
	                           out, sizeof(out)),
	                 415);
	/* pre-session routes: the pipeline checks the token, form or header */
	assert_int_equal(post_form(port, "/pre", "", "title=a&csrf_token=pre", out, sizeof(out)),
	                 200);
	assert_int_equal(post_form(port, "/pre", "", "title=a", out, sizeof(out)), 403);
	assert_int_equal(post_form(port, "/pre", "", "title=a&csrf_token=ok", out, sizeof(out)),
	                 403);
	assert_int_equal(post_form(port, "/pre", "Origin: https://evil.example\r\n",
	                           "title=a&csrf_token=pre", out, sizeof(out)),
	                 403);
	assert_int_equal(atomic_load(&form_runs), 4);
	assert_int_equal(
	        roundtrip(port,
	                  "POST /pre-json HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
	                  "application/json\r\nContent-Length: 13\r\n\r\n{\"title\":\"a\"}",
	                  out, sizeof(out)),
	        403);
	assert_int_equal(roundtrip(port,
	                           "POST /pre-json HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
	                           "application/json\r\nX-CSRF-Token: pre\r\nContent-Length: "
	                           "13\r\n\r\n{\"title\":\"a\"}",
	                           out, sizeof(out)),
	                 201);
	bw_http_free(h);
}

struct slow_client {
	uint16_t port;
	int status;
};

static void *slow_client(void *arg)
{
	struct slow_client *c = arg;
	char out[4096];

	c->status = get(c->port, "/slow", out, sizeof(out));
	return NULL;
}

static void wait_started(int n)
{
	struct timespec t = {0, 5 * 1000000L};

	for (int i = 0; i < 1000 && atomic_load(&slow_started) < n; i++)
		nanosleep(&t, NULL);
	assert_true(atomic_load(&slow_started) >= n);
}

static void slow_work_is_suspended_and_bounded(void **state)
{
	struct bw_http *h = start_server(1, 2, 2);
	uint16_t port = bw_http_port(h);
	struct slow_client c[3];
	pthread_t t[3];
	char out[4096];
	struct timespec settle = {0, 200 * 1000000L};

	(void)state;
	atomic_store(&slow_started, 0);
	atomic_store(&slow_release, 0);
	/* one running on the single worker, then two queued (the client's share) */
	for (int i = 0; i < 3; i++) {
		c[i].port = port;
		pthread_create(&t[i], NULL, slow_client, &c[i]);
		if (i == 0)
			wait_started(1);
	}
	nanosleep(&settle, NULL);
	/* the event threads are free while the worker is busy */
	assert_int_equal(get(port, "/hello?n=1", out, sizeof(out)), 200);
	/* the queue is full: 503 with Retry-After, at once */
	assert_int_equal(get(port, "/slow", out, sizeof(out)), 503);
	assert_non_null(strstr(out, "Retry-After: 1"));
	assert_non_null(strstr(out, "/problems/busy"));
	assert_int_equal(atomic_load(&slow_started), 1);
	atomic_store(&slow_release, 1);
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(c[i].status, 200);
	}
	bw_http_free(h);
}

static void drain_finishes_work_in_flight(void **state)
{
	struct bw_http *h = start_server(1, 8, 8);
	uint16_t port = bw_http_port(h);
	struct slow_client c[3];
	pthread_t t[3];
	struct bw_http_stats st;

	(void)state;
	atomic_store(&slow_started, 0);
	atomic_store(&slow_release, 0);
	for (int i = 0; i < 3; i++) {
		c[i].port = port;
		pthread_create(&t[i], NULL, slow_client, &c[i]);
	}
	wait_started(1);
	for (int i = 0; i < 1000; i++) {
		struct timespec tick = {0, 5 * 1000000L};

		bw_http_stats(h, &st);
		if (st.inflight == 3)
			break;
		nanosleep(&tick, NULL);
	}
	assert_int_equal(st.inflight, 3);
	atomic_store(&slow_release, 1);
	bw_http_drain(h, 5000);
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(c[i].status, 200);
	}
	bw_http_stats(h, &st);
	assert_int_equal(st.inflight, 0);
	assert_true(st.responses_by_class[2] >= 3);
	bw_http_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(declared_parameters_only),
	        cmocka_unit_test(json_bodies_are_held_to_the_schema),
	        cmocka_unit_test(authentication_scopes_and_csrf),
	        cmocka_unit_test(form_bodies_and_their_csrf_token),
	        cmocka_unit_test(slow_work_is_suspended_and_bounded),
	        cmocka_unit_test(drain_finishes_work_in_flight),
	};

	if (bw_init() != BW_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
