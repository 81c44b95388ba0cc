/*
 * test_oauth_clients.c — the client store's rules: redirect URIs at
 * registration and at authorize time (exact, loopback any port), HTTP Basic
 * credentials, scope checks, and registration / lookup on a real (in-memory
 * SQLite) database, secrets stored only as keyed hashes.
 */
#include "bw_test.h"

#include <stdlib.h>

#include "app.h"
#include "bulwark/keys.h"
#include "oauth_clients.h"
#include "oauth_clients_int.h"

/* ---- redirect URIs at registration ----------------------------------------- */

static void accepts_good_redirect_uris(void **state)
{
	static const char *const good[] = {
	        "https://app.example.com/cb", "https://app.example.com:8443/oauth/callback?x=1&y=2",
	        "https://example.com",        "https://203.0.113.7/cb",
	        "http://127.0.0.1/cb",        "http://127.0.0.1:53123/cb",
	        "http://[::1]/callback",      "http://[::1]:8080/",
	        "https://127.0.0.1/cb",       "com.example.app:/oauth2redirect",
	        "com.example.app:/cb?x=%20y",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!bw_oauth_redirect_uri_valid(bw_str_c(good[i])))
			fail_msg("refused: %s", good[i]);
}

static void refuses_bad_redirect_uris(void **state)
{
	static const char *const bad[] = {
	        "",
	        "javascript:alert(1)",
	        "javascript://example.com/%0aalert(1)",
	        "data:text/html,<script>alert(1)</script>",
	        "vbscript:msgbox",
	        "file:///etc/passwd",
	        "https://app.example.com/cb#frag",
	        "https://app.example.com/cb#",
	        "https://*.example.com/cb",
	        "https://app.example.com/*",
	        "http://app.example.com/cb", /* http beyond loopback */
	        "http://localhost/cb",       /* RFC 8252 §8.3 */
	        "http://localhost:8080/cb",
	        "https://localhost/cb",
	        "https://foo.localhost/cb",
	        "http://127.0.0.2/cb",
	        "http://[::2]/cb",
	        "http://127.0.0.1.example.com/cb",
	        "https://user:pw@app.example.com/cb", /* userinfo */
	        "https://app.example.com@evil.example/cb",
	        "https://APP.example.com/cb", /* not canonical */
	        "HTTPS://app.example.com/cb",
	        "https:/app.example.com/cb",
	        "https:app.example.com",
	        "https://",
	        "https://app..example.com/",
	        "https://app.example.com:0/cb",
	        "https://app.example.com:65536/cb",
	        "https://app.example.com:08/cb",
	        "https://app.example.com:/cb",
	        "https://app.example.com/c b",
	        "https://app.example.com/c\\b",
	        "https://app.example.com/%zz",
	        "https://app.example.com/%4",
	        "https://app.example.com/caf\xc3\xa9",
	        "https://app.example.com/\t",
	        "/relative/cb",
	        "//app.example.com/cb",
	        "myapp:/cb",                 /* private-use scheme without a dot */
	        "com.example.app://host/cb", /* an authority is not private-use */
	        "com.example.app:cb",
	        "1com.example:/cb",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (bw_oauth_redirect_uri_valid(bw_str_c(bad[i])))
			fail_msg("accepted: %s", bad[i]);
	{
		char longer[BW_CLIENT_REDIRECT_MAX + 2];

		memset(longer, 'a', sizeof(longer) - 1);
		memcpy(longer, "https://a.example/", 18);
		longer[sizeof(longer) - 1] = '\0';
		assert_false(bw_oauth_redirect_uri_valid(bw_str_c(longer)));
	}
}

/* ---- redirect URIs at authorize time --------------------------------------------- */

static void matches_exactly_or_loopback_any_port(void **state)
{
	static const char *const uris[] = {"https://app.example.com/cb", "http://127.0.0.1/cb",
	                                   "http://[::1]:7000/x?y=1"};
	struct bw_oauth_client c = {.redirect_uris = uris, .n_redirect_uris = 3};

	(void)state;
	assert_true(bw_oauth_redirect_uri_ok(&c, BW_STR("https://app.example.com/cb")));
	assert_true(bw_oauth_redirect_uri_ok(&c, BW_STR("http://127.0.0.1/cb")));
	assert_true(bw_oauth_redirect_uri_ok(&c, BW_STR("http://127.0.0.1:51004/cb")));
	assert_true(bw_oauth_redirect_uri_ok(&c, BW_STR("http://[::1]/x?y=1")));
	assert_true(bw_oauth_redirect_uri_ok(&c, BW_STR("http://[::1]:9/x?y=1")));
	/* anything else is refused: the rule is only about the loopback port */
	assert_false(bw_oauth_redirect_uri_ok(&c, BW_STR("https://app.example.com/cb/")));
	assert_false(bw_oauth_redirect_uri_ok(&c, BW_STR("https://app.example.com/CB")));
	assert_false(bw_oauth_redirect_uri_ok(&c, BW_STR("https://app.example.com:443/cb")));
	assert_false(bw_oauth_redirect_uri_ok(&c, BW_STR("https://app.example.com/cb?x=1")));
	assert_false(bw_oauth_redirect_uri_ok(&c, BW_STR("https://app.example.com/cb#x")));
	assert_false(bw_oauth_redirect_uri_ok(&c, BW_STR("https://app.example.com:8443/cb")));
	assert_false(bw_oauth_redirect_uri_ok(&c, BW_STR("http://127.0.0.1:51004/cb2")));
	assert_false(bw_oauth_redirect_uri_ok(&c, BW_STR("http://127.0.0.1:51004/")));
	assert_false(bw_oauth_redirect_uri_ok(&c, BW_STR("http://127.0.0.1:abc/cb")));
	assert_false(bw_oauth_redirect_uri_ok(&c, BW_STR("http://127.0.0.1:0/cb")));
	assert_false(bw_oauth_redirect_uri_ok(&c, BW_STR("http://127.0.0.1:99999/cb")));
	assert_false(bw_oauth_redirect_uri_ok(&c, BW_STR("http://127.0.0.1@evil.example/cb")));
	assert_false(bw_oauth_redirect_uri_ok(&c, BW_STR("http://localhost:51004/cb")));
	assert_false(bw_oauth_redirect_uri_ok(&c, BW_STR("http://[::1]:9/x?y=2")));
	assert_false(bw_oauth_redirect_uri_ok(&c, BW_STR("https://127.0.0.1:51004/cb")));
	assert_false(bw_oauth_redirect_uri_ok(&c, BW_STR("")));
}

/* ---- HTTP Basic ------------------------------------------------------------------------ */

static void parses_basic_with_form_encoding(void **state)
{
	struct bw_arena *a = bw_arena_new(4096);
	struct bw_str id, secret;

	(void)state;
	/* "abc:s3cr%3At+x" — the secret holds an escaped ':' and a '+' for a space */
	assert_int_equal(bw_oauth_basic_parse(a, "Basic YWJjOnMzY3IlM0F0K3g=", &id, &secret),
	                 BW_OK);
	assert_true(bw_str_eq_c(id, "abc"));
	assert_true(bw_str_eq_c(secret, "s3cr:t x"));
	assert_int_equal(bw_oauth_basic_parse(a, "bAsIc YWJjOmRlZg==", &id, &secret), BW_OK);
	assert_true(bw_str_eq_c(secret, "def"));
	bw_arena_free(a);
}

static void refuses_bad_basic(void **state)
{
	static const char *const bad[] = {
	        "Basic",
	        "Basic ",
	        "Bearer YWJjOmRlZg==",
	        "Basic  YWJjOmRlZg==",  /* two spaces */
	        "Basic YWJjOmRlZg",     /* padding missing */
	        "Basic YWJjOmRlZg=",    /* padding wrong */
	        "Basic YWJjOmRlZg==\t", /* trailing junk */
	        "Basic YWJjOmRlZh==",   /* non-zero spare bits */
	        "Basic YWJj",           /* "abc": no colon */
	        "Basic OmRlZg==",       /* ":def": no id */
	        "Basic YWJjOg==",       /* "abc:": no secret */
	        "Basic YSVaWjpi",       /* "a%ZZ:b": a bad escape */
	        "Basic YSUwMDpi",       /* "a%00:b": NUL */
	        "Basic YWJj_mRlZg==",   /* base64url is not Basic's alphabet */
	};
	struct bw_arena *a = bw_arena_new(4096);
	struct bw_str id, secret;
	char huge[1200];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (bw_oauth_basic_parse(a, bad[i], &id, &secret) != BW_ERR_DENIED)
			fail_msg("accepted: %s", bad[i]);
	memcpy(huge, "Basic ", 6);
	memset(huge + 6, 'A', sizeof(huge) - 7);
	huge[sizeof(huge) - 1] = '\0';
	assert_int_equal(bw_oauth_basic_parse(a, huge, &id, &secret), BW_ERR_DENIED);
	bw_arena_free(a);
}

/* ---- names, scopes, grants ------------------------------------------------------------- */

static void names_round_trip(void **state)
{
	enum bw_client_auth_method m;
	enum bw_client_grant g;

	(void)state;
	for (int i = BW_CLIENT_AUTH_NONE; i <= BW_CLIENT_AUTH_PRIVATE_KEY_JWT; i++) {
		assert_int_equal(bw_client_auth_method_parse(bw_str_c(bw_client_auth_method_name((
		                                                     enum bw_client_auth_method)i)),
		                                             &m),
		                 BW_OK);
		assert_int_equal((int)m, i);
	}
	assert_int_equal(bw_client_auth_method_parse(BW_STR("client_secret_jwt"), &m),
	                 BW_ERR_INVALID);
	assert_int_equal(bw_client_auth_method_parse(BW_STR("NONE"), &m), BW_ERR_INVALID);
	assert_int_equal(bw_client_grant_parse(BW_STR("client_credentials"), &g), BW_OK);
	assert_int_equal(g, BW_GRANT_CLIENT_CREDENTIALS);
	assert_int_equal(bw_client_grant_parse(BW_STR("password"), &g), BW_ERR_INVALID);
	assert_int_equal(bw_client_grant_parse(BW_STR("implicit"), &g), BW_ERR_INVALID);
}

static void scopes_within_the_client(void **state)
{
	static const char *const scopes[] = {"openid", "email", "notes:read"};
	struct bw_oauth_client c = {.scopes = scopes, .n_scopes = 3};

	(void)state;
	assert_true(bw_oauth_scope_allowed(&c, BW_STR("")));
	assert_true(bw_oauth_scope_allowed(&c, BW_STR("openid")));
	assert_true(bw_oauth_scope_allowed(&c, BW_STR("notes:read openid")));
	assert_false(bw_oauth_scope_allowed(&c, BW_STR("admin")));
	assert_false(bw_oauth_scope_allowed(&c, BW_STR("openid admin")));
	assert_false(bw_oauth_scope_allowed(&c, BW_STR("notes")));
	assert_false(bw_oauth_scope_allowed(&c, BW_STR("openid ")));
	assert_false(bw_oauth_scope_allowed(&c, BW_STR("openid  email")));
}

static void grants_need_the_right_client(void **state)
{
	struct bw_oauth_client pub = {.confidential = false,
	                              .grant_types = BW_GRANT_CLIENT_CREDENTIALS |
	                                             BW_GRANT_AUTHORIZATION_CODE};
	struct bw_oauth_client conf = {.confidential = true,
	                               .grant_types = BW_GRANT_CLIENT_CREDENTIALS};

	(void)state;
	/* a public client is never allowed client_credentials, even if a row said so */
	assert_false(bw_oauth_grant_allowed(&pub, BW_GRANT_CLIENT_CREDENTIALS));
	assert_true(bw_oauth_grant_allowed(&pub, BW_GRANT_AUTHORIZATION_CODE));
	assert_true(bw_oauth_grant_allowed(&conf, BW_GRANT_CLIENT_CREDENTIALS));
	assert_false(bw_oauth_grant_allowed(&conf, BW_GRANT_AUTHORIZATION_CODE));
}

/* ---- the store ------------------------------------------------------------------------- */

struct store {
	struct bw_app app;
	struct bw_arena *a;
};

static int store_setup(void **state)
{
	struct store *s = calloc(1, sizeof(*s));
	struct bw_secret *master = NULL;
	unsigned applied = 0;

	if (s == NULL || bw_init() != BW_OK)
		return -1;
	bw_settings_defaults(&s->app.settings);
	if (bw_db_open("sqlite::memory:", NULL, &s->app.db) != BW_OK ||
	    bw_db_migrate(s->app.db, bw_app_migrations, bw_app_n_migrations, &applied) != BW_OK)
		return -1;
	if (bw_secret_random(32, &master) != BW_OK ||
	    bw_keys_derive(master, BW_KEY_CLIENT, 1, &s->app.client_key) != BW_OK)
		return -1;
	bw_secret_free(master);
	s->a = bw_arena_new(1u << 20);
	*state = s;
	return s->a != NULL ? 0 : -1;
}

static int store_teardown(void **state)
{
	struct store *s = *state;

	bw_arena_free(s->a);
	bw_secret_free(s->app.client_key);
	bw_db_close(s->app.db);
	bw_settings_free(&s->app.settings);
	free(s);
	return 0;
}

static const char *const cb[] = {"https://app.example.com/cb"};
static const char *const oidc[] = {"openid", "email"};

static struct bw_oauth_client_new confidential_new(void)
{
	return (struct bw_oauth_client_new){.name = "Example app",
	                                    .confidential = true,
	                                    .auth_method = BW_CLIENT_AUTH_SECRET_BASIC,
	                                    .redirect_uris = cb,
	                                    .n_redirect_uris = 1,
	                                    .scopes = oidc,
	                                    .n_scopes = 2};
}

/* The stored secret column of client id, as bytes (empty when NULL). */
static size_t stored_secret(struct store *s, int64_t id, uint8_t out[64])
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	const uint8_t *p = NULL;
	size_t len = 0;
	bool is_null = true;

	assert_int_equal(bw_db_acquire(s->app.db, &c), BW_OK);
	assert_int_equal(
	        bw_db_prepare(c, BW_SQL("SELECT secret_hash FROM oauth_clients WHERE id = ?"), &st),
	        BW_OK);
	assert_int_equal(bw_db_bind_int64(st, 1, id), BW_OK);
	assert_int_equal(bw_db_step_one(st), BW_OK);
	assert_int_equal(bw_db_col_is_null(st, 0, &is_null), BW_OK);
	if (!is_null) {
		assert_int_equal(bw_db_col_blob(st, 0, &p, &len), BW_OK);
		assert_true(len <= 64);
		memcpy(out, p, len);
	}
	bw_db_finish(st);
	bw_db_release(c);
	return len;
}

static void registers_and_finds(void **state)
{
	struct store *s = *state;
	struct bw_oauth_client_new r = confidential_new();
	struct bw_oauth_client_refusal why;
	struct bw_oauth_client *c = NULL, *f = NULL;
	struct bw_token_hash h;
	char secret[BW_TOKEN_TEXT_SIZE];
	uint8_t stored[64];

	assert_int_equal(bw_oauth_client_register(&s->app, &r, s->a, &c, secret, &why), BW_OK);
	assert_int_equal(strlen(c->client_id), BW_CLIENT_ID_LEN);
	assert_int_equal(strlen(secret), BW_TOKEN_TEXT_LEN);
	assert_true(c->confidential);
	assert_int_equal(c->grant_types, BW_GRANT_AUTHORIZATION_CODE | BW_GRANT_REFRESH_TOKEN);
	assert_int_equal(c->id_token_alg, BW_JWT_RS256);
	assert_int_equal(c->n_redirect_uris, 1);
	assert_string_equal(c->redirect_uris[0], cb[0]);
	/* the secret is stored only as its keyed hash */
	assert_int_equal(stored_secret(s, c->id, stored), BW_TOKEN_HASH_BYTES);
	assert_int_equal(
	        bw_token_hash(s->app.client_key, BW_CLIENT_SECRET_LABEL, bw_str_c(secret), &h),
	        BW_OK);
	assert_memory_equal(stored, h.bytes, BW_TOKEN_HASH_BYTES);
	assert_null(memmem(stored, BW_TOKEN_HASH_BYTES, secret, 8));
	assert_int_equal(bw_oauth_client_find(&s->app, bw_str_c(c->client_id), s->a, &f), BW_OK);
	assert_int_equal(f->id, c->id);
	assert_string_equal(f->name, "Example app");
	assert_int_equal(bw_oauth_client_find(&s->app, BW_STR("AAAAAAAAAAAAAAAAAAAAAA"), s->a, &f),
	                 BW_ERR_NOT_FOUND);
	assert_int_equal(bw_oauth_client_find(&s->app, BW_STR("' OR 1=1 --"), s->a, &f),
	                 BW_ERR_NOT_FOUND);
	assert_int_equal(bw_oauth_client_find_row(&s->app, c->id, s->a, &f), BW_OK);
	assert_string_equal(f->client_id, c->client_id);
}

static void public_clients_get_no_secret(void **state)
{
	struct store *s = *state;
	struct bw_oauth_client_new r = confidential_new();
	struct bw_oauth_client_refusal why;
	struct bw_oauth_client *c = NULL;
	char secret[BW_TOKEN_TEXT_SIZE] = "";
	uint8_t stored[64];

	r.confidential = false;
	r.auth_method = BW_CLIENT_AUTH_NONE;
	assert_int_equal(bw_oauth_client_register(&s->app, &r, s->a, &c, secret, &why), BW_OK);
	assert_false(c->confidential);
	assert_string_equal(secret, "");
	assert_int_equal(stored_secret(s, c->id, stored), 0);
}

/* Count the rows of oauth_clients. */
static int64_t n_clients(struct store *s)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	int64_t n = -1;

	assert_int_equal(bw_db_acquire(s->app.db, &c), BW_OK);
	assert_int_equal(bw_db_prepare(c, BW_SQL("SELECT count(*) FROM oauth_clients"), &st),
	                 BW_OK);
	assert_int_equal(bw_db_step_one(st), BW_OK);
	assert_int_equal(bw_db_col_int64(st, 0, &n), BW_OK);
	bw_db_finish(st);
	bw_db_release(c);
	return n;
}

static void refuses_bad_registrations(void **state)
{
	struct store *s = *state;
	static const char *const bad_uri[] = {"https://app.example.com/cb#x"};
	static const char *const two_same[] = {"https://a.example/cb", "https://a.example/cb"};
	static const char *const unknown_scope[] = {"openid", "superuser"};
	static const char *const bad_token[] = {"open id"};
	static const char jwks_with_hs[] =
	        "{\"keys\":[{\"kty\":\"oct\",\"k\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
	        "\"alg\":\"HS256\",\"kid\":\"k1\"}]}";
	struct bw_oauth_client_new r;
	struct bw_oauth_client_refusal why;
	struct bw_oauth_client *c = NULL;
	char secret[BW_TOKEN_TEXT_SIZE];
	int64_t before = n_clients(s);

#define REFUSED(field_name)                                                                     \
	do {                                                                                    \
		assert_int_equal(bw_oauth_client_register(&s->app, &r, s->a, &c, secret, &why), \
		                 BW_ERR_INVALID);                                               \
		assert_string_equal(why.field, field_name);                                     \
		assert_null(c);                                                                 \
	} while (0)
	r = confidential_new();
	r.name = "";
	REFUSED("name");
	r = confidential_new();
	r.name = "bad\nname";
	REFUSED("name");
	r = confidential_new();
	r.redirect_uris = bad_uri;
	REFUSED("redirect_uris");
	r = confidential_new();
	r.redirect_uris = two_same;
	r.n_redirect_uris = 2;
	REFUSED("redirect_uris");
	r = confidential_new();
	r.n_redirect_uris = 0; /* authorization_code needs one */
	REFUSED("redirect_uris");
	r = confidential_new();
	r.scopes = unknown_scope;
	REFUSED("scopes");
	r = confidential_new();
	r.scopes = bad_token;
	r.n_scopes = 1;
	REFUSED("scopes");
	r = confidential_new();
	r.n_scopes = 0;
	REFUSED("scopes");
	r = confidential_new(); /* public with a secret method */
	r.confidential = false;
	REFUSED("token_endpoint_auth_method");
	r = confidential_new(); /* confidential with none */
	r.auth_method = BW_CLIENT_AUTH_NONE;
	REFUSED("token_endpoint_auth_method");
	r = confidential_new(); /* client_credentials for a public client */
	r.confidential = false;
	r.auth_method = BW_CLIENT_AUTH_NONE;
	r.grant_types = BW_GRANT_CLIENT_CREDENTIALS;
	REFUSED("grant_types");
	r = confidential_new(); /* refresh without a code grant */
	r.grant_types = BW_GRANT_REFRESH_TOKEN;
	REFUSED("grant_types");
	r = confidential_new();
	r.grant_types = 1u << 7;
	REFUSED("grant_types");
	r = confidential_new();
	r.id_token_alg = BW_JWT_HS256;
	REFUSED("id_token_signed_response_alg");
	r = confidential_new(); /* private_key_jwt needs keys */
	r.auth_method = BW_CLIENT_AUTH_PRIVATE_KEY_JWT;
	REFUSED("jwks");
	r = confidential_new(); /* keys for a secret client */
	r.jwks_json = "{\"keys\":[]}";
	REFUSED("jwks");
	r = confidential_new();
	r.auth_method = BW_CLIENT_AUTH_PRIVATE_KEY_JWT;
	r.jwks_json = "{\"keys\":[]}";
	REFUSED("jwks");
	r.jwks_json = "not json";
	REFUSED("jwks");
	r.jwks_json = jwks_with_hs; /* a shared secret is not a private key */
	REFUSED("jwks");
#undef REFUSED
	/* nothing was written */
	assert_int_equal(n_clients(s), before);
}

/* A JWKS text of the public halves of keys (kids as generated). */
static char *jwks_of(struct bw_jwk **keys, size_t n)
{
	json_t *set = json_object(), *arr = json_array();
	char *text;

	for (size_t i = 0; i < n; i++) {
		json_t *pub = NULL;

		assert_int_equal(bw_jwk_public_json(keys[i], &pub), BW_OK);
		json_array_append_new(arr, pub);
	}
	json_object_set_new(set, "keys", arr);
	text = json_dumps(set, JSON_COMPACT);
	json_decref(set);
	return text;
}

static void registers_private_key_jwt_clients(void **state)
{
	struct store *s = *state;
	struct bw_oauth_client_new r = confidential_new();
	struct bw_oauth_client_refusal why;
	struct bw_oauth_client *c = NULL;
	struct bw_jwk *keys[3] = {NULL, NULL, NULL}, *parsed[BW_CLIENT_JWKS_KEYS_MAX];
	size_t n = 0;
	char secret[BW_TOKEN_TEXT_SIZE] = "";
	uint8_t stored[64];
	char *text;

	assert_int_equal(bw_jwk_generate(BW_JWT_EDDSA, "k1", &keys[0]), BW_OK);
	assert_int_equal(bw_jwk_generate(BW_JWT_ES256, "k2", &keys[1]), BW_OK);
	assert_int_equal(bw_jwk_generate(BW_JWT_EDDSA, "k1", &keys[2]), BW_OK);
	r.auth_method = BW_CLIENT_AUTH_PRIVATE_KEY_JWT;
	text = jwks_of(keys, 2);
	r.jwks_json = text;
	assert_int_equal(bw_oauth_client_register(&s->app, &r, s->a, &c, secret, &why), BW_OK);
	assert_string_equal(secret, ""); /* no secret for a key client */
	assert_int_equal(stored_secret(s, c->id, stored), 0);
	assert_int_equal(bw_oauth_client_keys(c, parsed, &n), BW_OK);
	assert_int_equal(n, 2);
	assert_string_equal(bw_jwk_kid(parsed[0]), "k1");
	assert_int_equal(bw_jwk_alg(parsed[1]), BW_JWT_ES256);
	for (size_t i = 0; i < n; i++)
		bw_jwk_free(parsed[i]);
	free(text);
	/* two keys with one kid: which would verify is ambiguous, refused */
	bw_jwk_free(keys[1]);
	keys[1] = keys[2];
	text = jwks_of(keys, 2);
	r.jwks_json = text;
	c = NULL;
	assert_int_equal(bw_oauth_client_register(&s->app, &r, s->a, &c, secret, &why),
	                 BW_ERR_INVALID);
	assert_string_equal(why.field, "jwks");
	free(text);
	bw_jwk_free(keys[0]);
	bw_jwk_free(keys[2]);
}

static void finds_no_disabled_client(void **state)
{
	struct store *s = *state;
	struct bw_oauth_client_new r = confidential_new();
	struct bw_oauth_client_refusal why;
	struct bw_oauth_client *c = NULL, *f = NULL;
	struct bw_db_conn *conn = NULL;
	uint64_t changes = 0;
	char secret[BW_TOKEN_TEXT_SIZE];

	assert_int_equal(bw_oauth_client_register(&s->app, &r, s->a, &c, secret, &why), BW_OK);
	assert_int_equal(bw_db_acquire(s->app.db, &conn), BW_OK);
	assert_int_equal(
	        bw_db_exec(conn, BW_SQL("UPDATE oauth_clients SET disabled = 1"), &changes), BW_OK);
	bw_db_release(conn);
	assert_int_equal(bw_oauth_client_find(&s->app, bw_str_c(c->client_id), s->a, &f),
	                 BW_ERR_NOT_FOUND);
	assert_int_equal(bw_oauth_client_find_row(&s->app, c->id, s->a, &f), BW_ERR_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(accepts_good_redirect_uris),
	        cmocka_unit_test(refuses_bad_redirect_uris),
	        cmocka_unit_test(matches_exactly_or_loopback_any_port),
	        cmocka_unit_test(parses_basic_with_form_encoding),
	        cmocka_unit_test(refuses_bad_basic),
	        cmocka_unit_test(names_round_trip),
	        cmocka_unit_test(scopes_within_the_client),
	        cmocka_unit_test(grants_need_the_right_client),
	        cmocka_unit_test_setup_teardown(registers_and_finds, store_setup, store_teardown),
	        cmocka_unit_test_setup_teardown(public_clients_get_no_secret, store_setup,
	                                        store_teardown),
	        cmocka_unit_test_setup_teardown(refuses_bad_registrations, store_setup,
	                                        store_teardown),
	        cmocka_unit_test_setup_teardown(registers_private_key_jwt_clients, store_setup,
	                                        store_teardown),
	        cmocka_unit_test_setup_teardown(finds_no_disabled_client, store_setup,
	                                        store_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
