/*
 * oauth_clients.c — the client store: the rules a registration must pass
 * (redirect URIs, scopes, grant types, methods, JWKS), the table, lookups,
 * and the small helpers every OAuth endpoint shares (the form, the error
 * answer). Client authentication is in oauth_client_auth.c.
 *
 * Lists are stored as text: redirect URIs, scopes and grant types each
 * space-separated (none of them can hold a space: the rules below refuse
 * it), the JWKS as the JSON it was registered with, re-checked when read.
 */
#include <string.h>
#include <time.h>

#include "bulwark/buf.h"
#include "bulwark/random.h"
#include "bulwark/utf8.h"
#include "oauth_clients.h"
#include "oauth_clients_int.h"
#include "sessions.h" /* bw_public_id_new */

static const char *const method_names[] = {
        [BW_CLIENT_AUTH_NONE] = "none",
        [BW_CLIENT_AUTH_SECRET_BASIC] = "client_secret_basic",
        [BW_CLIENT_AUTH_SECRET_POST] = "client_secret_post",
        [BW_CLIENT_AUTH_PRIVATE_KEY_JWT] = "private_key_jwt",
};

static const struct {
	enum bw_client_grant bit;
	const char *name;
} grant_names[] = {
        {BW_GRANT_AUTHORIZATION_CODE, "authorization_code"},
        {BW_GRANT_REFRESH_TOKEN, "refresh_token"},
        {BW_GRANT_CLIENT_CREDENTIALS, "client_credentials"},
};

#define N_GRANTS (sizeof(grant_names) / sizeof(grant_names[0]))
#define GRANTS_ALL \
	(BW_GRANT_AUTHORIZATION_CODE | BW_GRANT_REFRESH_TOKEN | BW_GRANT_CLIENT_CREDENTIALS)
#define LIST_MAX     (BW_CLIENT_MAX_REDIRECTS * (BW_CLIENT_REDIRECT_MAX + 1))
#define CLIENT_ARENA (64u * 1024u)

const char *bw_client_auth_method_name(enum bw_client_auth_method m)
{
	return (unsigned)m < sizeof(method_names) / sizeof(method_names[0]) ? method_names[m]
	                                                                    : NULL;
}

enum bw_err bw_client_auth_method_parse(struct bw_str name, enum bw_client_auth_method *out)
{
	for (size_t i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++)
		if (bw_str_eq_c(name, method_names[i])) {
			*out = (enum bw_client_auth_method)i;
			return BW_OK;
		}
	return BW_ERR_INVALID;
}

const char *bw_client_grant_name(enum bw_client_grant g)
{
	for (size_t i = 0; i < N_GRANTS; i++)
		if (grant_names[i].bit == g)
			return grant_names[i].name;
	return NULL;
}

enum bw_err bw_client_grant_parse(struct bw_str name, enum bw_client_grant *out)
{
	for (size_t i = 0; i < N_GRANTS; i++)
		if (bw_str_eq_c(name, grant_names[i].name)) {
			*out = grant_names[i].bit;
			return BW_OK;
		}
	return BW_ERR_INVALID;
}

/* ---- scopes and grants ----------------------------------------------------- */

static bool client_has_scope(const struct bw_oauth_client *c, struct bw_str tok)
{
	for (size_t i = 0; i < c->n_scopes; i++)
		if (bw_str_eq_c(tok, c->scopes[i]))
			return true;
	return false;
}

bool bw_oauth_scope_allowed(const struct bw_oauth_client *c, struct bw_str scope)
{
	struct bw_scope_set set;

	if (scope.len == 0)
		return true;
	if (bw_scope_parse(scope, &set) != BW_OK)
		return false;
	for (size_t i = 0; i < set.n; i++)
		if (!client_has_scope(c, set.items[i]))
			return false;
	return true;
}

bool bw_oauth_grant_allowed(const struct bw_oauth_client *c, enum bw_client_grant g)
{
	if ((c->grant_types & (unsigned)g) == 0)
		return false;
	return g != BW_GRANT_CLIENT_CREDENTIALS || c->confidential;
}

/* ---- the form and the error answer -------------------------------------------- */

enum bw_err bw_oauth_form_parse(struct bw_req *req, struct bw_oauth_form *out)
{
	struct bw_kv *kv = NULL;
	size_t n = 0;
	enum bw_err rc =
	        bw_url_parse_query(bw_req_arena(req), bw_req_body(req), BW_OAUTH_FORM_MAX, &kv, &n);

	if (rc == BW_ERR_NOMEM || rc == BW_ERR_LIMIT)
		return rc;
	if (rc != BW_OK)
		return BW_ERR_INVALID;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (bw_str_eq(kv[i].name, kv[j].name))
				return BW_ERR_INVALID;
	out->kv = kv;
	out->n = n;
	return BW_OK;
}

bool bw_oauth_form_get(const struct bw_oauth_form *f, const char *name, struct bw_str *value)
{
	for (size_t i = 0; i < f->n; i++)
		if (bw_str_eq_c(f->kv[i].name, name)) {
			if (!f->kv[i].has_value || f->kv[i].value.len == 0)
				return false;
			*value = f->kv[i].value;
			return true;
		}
	return false;
}

enum bw_err bw_oauth_error(struct bw_resp *resp, unsigned status, const char *error,
                           const char *description)
{
	struct bw_buf b;
	enum bw_err rc;

	bw_buf_init(&b, 1024);
	/* static text chosen by the code: no escaping needed beyond the check */
	rc = bw_buf_printf(&b, "{\"error\":\"%s\"", error);
	if (rc == BW_OK && description != NULL)
		rc = bw_buf_printf(&b, ",\"error_description\":\"%s\"", description);
	if (rc == BW_OK)
		rc = bw_buf_append_byte(&b, '}');
	if (rc == BW_OK)
		rc = bw_resp_json(resp, status, bw_buf_str(&b));
	bw_buf_free(&b);
	if (rc == BW_OK)
		rc = bw_resp_header(resp, "Cache-Control", "no-store");
	return rc;
}

/* ---- registration ---------------------------------------------------------------- */

static bool refuse(struct bw_oauth_client_refusal *why, const char *field, const char *message)
{
	why->field = field;
	why->message = message;
	return false;
}

/* A client's JWKS: {"keys": [public signing JWKs with distinct kids]}, parsed
 * into keys (n_keys of them; the caller frees each). */
static enum bw_err jwks_parse(const char *text, struct bw_jwk **keys, size_t *n_keys)
{
	json_t *doc = NULL, *arr;
	struct bw_json_limits lim = {.max_bytes = BW_CLIENT_JWKS_MAX, .max_depth = 4};
	enum bw_err rc;
	size_t i;

	*n_keys = 0;
	rc = bw_json_parse(text, strlen(text), &lim, &doc, NULL);
	if (rc != BW_OK)
		return rc == BW_ERR_NOMEM ? rc : BW_ERR_INVALID;
	arr = json_object_get(doc, "keys");
	if (json_object_size(doc) != 1 || !json_is_array(arr) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > BW_CLIENT_JWKS_KEYS_MAX) {
		rc = BW_ERR_INVALID;
		goto out;
	}
	for (i = 0; i < json_array_size(arr); i++) {
		struct bw_jwk *k = NULL;

		rc = bw_jwk_from_json(json_array_get(arr, i), &k);
		if (rc != BW_OK) {
			rc = rc == BW_ERR_NOMEM ? rc : BW_ERR_INVALID;
			goto out;
		}
		keys[(*n_keys)++] = k;
		/* a shared secret is not a private key: HS256 has no place here */
		if (bw_jwk_alg(k) == BW_JWT_HS256) {
			rc = BW_ERR_INVALID;
			goto out;
		}
		for (size_t j = 0; j + 1 < *n_keys; j++)
			if (strcmp(bw_jwk_kid(keys[j]), bw_jwk_kid(k)) == 0) {
				rc = BW_ERR_INVALID;
				goto out;
			}
	}
out:
	json_decref(doc);
	if (rc != BW_OK) {
		for (i = 0; i < *n_keys; i++)
			bw_jwk_free(keys[i]);
		*n_keys = 0;
	}
	return rc;
}

enum bw_err bw_oauth_client_keys(const struct bw_oauth_client *c, struct bw_jwk **keys,
                                 size_t *n_keys)
{
	*n_keys = 0;
	if (c->jwks_json == NULL)
		return BW_ERR_NOT_FOUND;
	return jwks_parse(c->jwks_json, keys, n_keys);
}

static bool name_ok(const char *name)
{
	size_t len = name != NULL ? strlen(name) : 0;

	if (len == 0 || len > BW_CLIENT_NAME_MAX || !bw_utf8_valid(name, len))
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return false;
	return true;
}

static bool check_new(const struct bw_oauth_client_new *r, unsigned grants, char *const *api_scopes,
                      size_t n_api, struct bw_oauth_client_refusal *why)
{

	if (!name_ok(r->name))
		return refuse(why, "name", "the name must be 1 to 100 characters of text");
	if ((unsigned)r->auth_method > BW_CLIENT_AUTH_PRIVATE_KEY_JWT)
		return refuse(why, "token_endpoint_auth_method", "unknown method");
	if (r->confidential == (r->auth_method == BW_CLIENT_AUTH_NONE))
		return refuse(why, "token_endpoint_auth_method",
		              "a public client uses none, a confidential one a secret or "
		              "private_key_jwt");
	if ((grants & ~(unsigned)GRANTS_ALL) != 0)
		return refuse(why, "grant_types", "unknown grant type");
	if ((grants & BW_GRANT_CLIENT_CREDENTIALS) && !r->confidential)
		return refuse(why, "grant_types", "client_credentials needs a confidential client");
	if ((grants & BW_GRANT_REFRESH_TOKEN) && !(grants & BW_GRANT_AUTHORIZATION_CODE))
		return refuse(why, "grant_types", "refresh_token comes with authorization_code");
	if (r->n_redirect_uris > BW_CLIENT_MAX_REDIRECTS)
		return refuse(why, "redirect_uris", "too many redirect URIs");
	if ((grants & BW_GRANT_AUTHORIZATION_CODE) && r->n_redirect_uris == 0)
		return refuse(why, "redirect_uris", "authorization_code needs a redirect URI");
	for (size_t i = 0; i < r->n_redirect_uris; i++) {
		if (!bw_oauth_redirect_uri_valid(bw_str_c(r->redirect_uris[i])))
			return refuse(why, "redirect_uris",
			              "a redirect URI must be absolute https, http on 127.0.0.1 or "
			              "[::1], or a private-use scheme; no fragment, no wildcard");
		for (size_t j = 0; j < i; j++)
			if (strcmp(r->redirect_uris[i], r->redirect_uris[j]) == 0)
				return refuse(why, "redirect_uris", "a redirect URI is repeated");
	}
	if (r->n_scopes == 0 || r->n_scopes > BW_CLIENT_MAX_SCOPES)
		return refuse(why, "scopes", "1 to 16 scopes");
	for (size_t i = 0; i < r->n_scopes; i++) {
		if (!bw_scope_known(bw_str_c(r->scopes[i]), api_scopes, n_api))
			return refuse(why, "scopes", "a scope is not one this server defines");
		for (size_t j = 0; j < i; j++)
			if (strcmp(r->scopes[i], r->scopes[j]) == 0)
				return refuse(why, "scopes", "a scope is repeated");
	}
	if (r->id_token_alg != 0 && r->id_token_alg != BW_JWT_RS256)
		return refuse(why, "id_token_signed_response_alg",
		              "id_tokens are signed with RS256 only");
	if ((r->jwks_json != NULL) != (r->auth_method == BW_CLIENT_AUTH_PRIVATE_KEY_JWT))
		return refuse(why, "jwks", "a JWKS is given exactly for private_key_jwt");
	return true;
}

/* Append the items of list, space-separated, to b. */
static enum bw_err join(struct bw_buf *b, const char *const *list, size_t n)
{
	enum bw_err rc = BW_OK;

	for (size_t i = 0; i < n && rc == BW_OK; i++) {
		if (i > 0)
			rc = bw_buf_append_byte(b, ' ');
		if (rc == BW_OK)
			rc = bw_buf_append_c(b, list[i]);
	}
	return rc;
}

static enum bw_err join_grants(struct bw_buf *b, unsigned grants)
{
	enum bw_err rc = BW_OK;
	bool first = true;

	for (size_t i = 0; i < N_GRANTS && rc == BW_OK; i++) {
		if (!(grants & grant_names[i].bit))
			continue;
		if (!first)
			rc = bw_buf_append_byte(b, ' ');
		if (rc == BW_OK)
			rc = bw_buf_append_c(b, grant_names[i].name);
		first = false;
	}
	return rc;
}

struct insert_ctx {
	const struct bw_oauth_client_new *r;
	const char *client_id, *redirects, *scopes, *grants;
	const struct bw_token_hash *secret_hash; /* NULL: none */
	int64_t now, id;
};

static enum bw_err insert_tx(struct bw_db_conn *c, void *vctx)
{
	struct insert_ctx *x = vctx;
	struct bw_db_stmt *st = NULL;
	const char *method = bw_client_auth_method_name(x->r->auth_method);
	enum bw_err rc;

	rc = bw_db_prepare(c,
	                   BW_SQL("INSERT INTO oauth_clients (client_id, name, confidential, "
	                          "auth_method, secret_hash, jwks, redirect_uris, scopes, "
	                          "grant_types, id_token_alg, created_at, disabled) "
	                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'RS256', ?, 0) RETURNING id"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 1, x->client_id, strlen(x->client_id));
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 2, x->r->name, strlen(x->r->name));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 3, x->r->confidential ? 1 : 0);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 4, method, strlen(method));
	if (rc == BW_OK)
		rc = x->secret_hash != NULL
		             ? bw_db_bind_blob(st, 5, x->secret_hash->bytes, BW_TOKEN_HASH_BYTES)
		             : bw_db_bind_null(st, 5);
	if (rc == BW_OK)
		rc = x->r->jwks_json != NULL
		             ? bw_db_bind_text(st, 6, x->r->jwks_json, strlen(x->r->jwks_json))
		             : bw_db_bind_null(st, 6);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 7, x->redirects, strlen(x->redirects));
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 8, x->scopes, strlen(x->scopes));
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 9, x->grants, strlen(x->grants));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 10, x->now);
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 0, &x->id);
	bw_db_finish(st);
	return rc;
}

enum bw_err bw_oauth_client_register(struct bw_app *app, const struct bw_oauth_client_new *r,
                                     struct bw_arena *a, struct bw_oauth_client **out,
                                     char secret[BW_TOKEN_TEXT_SIZE],
                                     struct bw_oauth_client_refusal *why)
{
	struct bw_buf redirects, scopes, grants;
	struct bw_token_hash hash;
	struct bw_jwk *keys[BW_CLIENT_JWKS_KEYS_MAX];
	size_t n_keys = 0;
	struct insert_ctx x;
	char client_id[BW_CLIENT_ID_SIZE];
	unsigned g = r->grant_types != 0 ? r->grant_types
	                                 : BW_GRANT_AUTHORIZATION_CODE | BW_GRANT_REFRESH_TOKEN;
	bool wants_secret = r->auth_method == BW_CLIENT_AUTH_SECRET_BASIC ||
	                    r->auth_method == BW_CLIENT_AUTH_SECRET_POST;
	enum bw_err rc;

	*out = NULL;
	why->field = NULL;
	why->message = NULL;
	if (!check_new(r, g, app->settings.oauth_api_scopes, app->settings.n_oauth_api_scopes, why))
		return BW_ERR_INVALID;
	if (r->jwks_json != NULL) {
		if (strlen(r->jwks_json) > BW_CLIENT_JWKS_MAX) {
			refuse(why, "jwks", "the JWKS is too long");
			return BW_ERR_INVALID;
		}
		rc = jwks_parse(r->jwks_json, keys, &n_keys);
		for (size_t i = 0; i < n_keys; i++)
			bw_jwk_free(keys[i]);
		if (rc == BW_ERR_INVALID)
			refuse(why, "jwks",
			       "the JWKS must hold 1 to 8 public signing keys (EdDSA, ES256, RS256 "
			       "or PS256) with alg and distinct kids");
		if (rc != BW_OK)
			return rc;
	}
	if (wants_secret && (secret == NULL || app->client_key == NULL))
		return BW_ERR_STATE;
	bw_buf_init(&redirects, LIST_MAX);
	bw_buf_init(&scopes, BW_SCOPE_TEXT_MAX + 1);
	bw_buf_init(&grants, 128);
	rc = join(&redirects, r->redirect_uris, r->n_redirect_uris);
	if (rc == BW_OK)
		rc = join(&scopes, r->scopes, r->n_scopes);
	if (rc == BW_OK)
		rc = join_grants(&grants, g);
	if (rc == BW_OK && wants_secret) {
		bw_token_new(secret);
		rc = bw_token_hash(app->client_key, BW_CLIENT_SECRET_LABEL, bw_str_c(secret),
		                   &hash);
	}
	if (rc == BW_OK) {
		bw_public_id_new(client_id);
		memset(&x, 0, sizeof(x));
		x.r = r;
		x.client_id = client_id;
		x.redirects = bw_buf_cstr(&redirects);
		x.scopes = bw_buf_cstr(&scopes);
		x.grants = bw_buf_cstr(&grants);
		x.secret_hash = wants_secret ? &hash : NULL;
		x.now = (int64_t)time(NULL);
		rc = bw_db_tx(app->db, insert_tx, &x);
	}
	if (rc == BW_OK)
		rc = bw_oauth_client_find_row(app, x.id, a, out);
	bw_buf_free(&redirects);
	bw_buf_free(&scopes);
	bw_buf_free(&grants);
	bw_wipe(&hash, sizeof(hash));
	if (rc != BW_OK && wants_secret && secret != NULL)
		bw_wipe(secret, BW_TOKEN_TEXT_SIZE);
	return rc;
}

/* ---- reading ------------------------------------------------------------------------ */

/* Split a space-separated stored list into an arena array of C strings. */
static enum bw_err split(struct bw_arena *a, struct bw_str s, size_t max, const char *const **out,
                         size_t *n)
{
	const char **items = bw_arena_calloc(a, max + 1, sizeof(*items));
	size_t k = 0, i = 0;

	if (items == NULL)
		return BW_ERR_NOMEM;
	while (i < s.len) {
		size_t j = i;

		while (j < s.len && s.p[j] != ' ')
			j++;
		if (j == i || k == max)
			return BW_ERR_INVALID; /* not what we store */
		items[k] = bw_arena_strndup(a, s.p + i, j - i);
		if (items[k++] == NULL)
			return BW_ERR_NOMEM;
		i = j + (j < s.len);
	}
	*out = items;
	*n = k;
	return BW_OK;
}

static enum bw_err col_cstr(struct bw_db_stmt *st, unsigned col, struct bw_arena *a,
                            const char **out)
{
	struct bw_str v;
	enum bw_err rc = bw_db_col_text(st, col, &v);

	if (rc != BW_OK)
		return rc;
	*out = bw_arena_strndup(a, v.p, v.len);
	return *out != NULL ? BW_OK : BW_ERR_NOMEM;
}

enum bw_err bw_oauth_client_from_row(struct bw_db_stmt *st, struct bw_arena *a,
                                     struct bw_oauth_client **out)
{
	struct bw_oauth_client *c = bw_arena_calloc(a, 1, sizeof(*c));
	struct bw_str v;
	int64_t conf, disabled;
	bool is_null;
	enum bw_err rc;

	if (c == NULL)
		return BW_ERR_NOMEM;
	rc = bw_db_col_int64(st, 0, &c->id);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 1, &v);
	if (rc == BW_OK && v.len != BW_CLIENT_ID_LEN)
		rc = BW_ERR_INVALID;
	if (rc == BW_OK)
		memcpy(c->client_id, v.p, v.len);
	if (rc == BW_OK)
		rc = col_cstr(st, 2, a, &c->name);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 3, &conf);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 4, &v);
	if (rc == BW_OK)
		rc = bw_client_auth_method_parse(v, &c->auth_method);
	if (rc == BW_OK)
		rc = bw_db_col_is_null(st, 5, &is_null);
	if (rc == BW_OK && !is_null)
		rc = col_cstr(st, 5, a, &c->jwks_json);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 6, &v);
	if (rc == BW_OK)
		rc = split(a, v, BW_CLIENT_MAX_REDIRECTS, &c->redirect_uris, &c->n_redirect_uris);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 7, &v);
	if (rc == BW_OK)
		rc = split(a, v, BW_CLIENT_MAX_SCOPES, &c->scopes, &c->n_scopes);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 8, &v);
	for (size_t i = 0, j; rc == BW_OK && i < v.len; i = j + 1) {
		enum bw_client_grant g;

		for (j = i; j < v.len && v.p[j] != ' ';)
			j++;
		rc = bw_client_grant_parse((struct bw_str){v.p + i, j - i}, &g);
		if (rc == BW_OK)
			c->grant_types |= (unsigned)g;
	}
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 9, &v);
	if (rc == BW_OK)
		rc = bw_jwt_alg_parse(v, &c->id_token_alg);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 10, &c->created_at);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 11, &disabled);
	if (rc != BW_OK)
		return rc == BW_ERR_NOMEM ? rc : BW_ERR_INTERNAL; /* a row we did not write */
	c->confidential = conf != 0;
	c->disabled = disabled != 0;
	if (c->confidential == (c->auth_method == BW_CLIENT_AUTH_NONE))
		return BW_ERR_INTERNAL;
	*out = c;
	return BW_OK;
}

struct find_ctx {
	struct bw_str client_id;
	int64_t id;
	struct bw_arena *a;
	struct bw_oauth_client *out;
};

static enum bw_err find(struct bw_app *app, struct find_ctx *x)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	enum bw_err rc = bw_db_acquire(app->db, &c);

	if (rc != BW_OK)
		return rc;
	if (x->id != 0) {
		rc = bw_db_prepare(c, BW_SQL(BW_CLIENT_COLUMNS "WHERE id = ? AND disabled = 0"),
		                   &st);
		if (rc == BW_OK)
			rc = bw_db_bind_int64(st, 1, x->id);
	} else {
		rc = bw_db_prepare(
		        c, BW_SQL(BW_CLIENT_COLUMNS "WHERE client_id = ? AND disabled = 0"), &st);
		if (rc == BW_OK)
			rc = bw_db_bind_text(st, 1, x->client_id.p, x->client_id.len);
	}
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_oauth_client_from_row(st, x->a, &x->out);
	bw_db_finish(st);
	bw_db_release(c);
	return rc;
}

/* A client_id as we make them: 22 characters of base64url. */
static bool client_id_shape(struct bw_str id)
{
	if (id.len != BW_CLIENT_ID_LEN)
		return false;
	for (size_t i = 0; i < id.len; i++) {
		char ch = id.p[i];

		if (!(ch >= 'a' && ch <= 'z') && !(ch >= 'A' && ch <= 'Z') &&
		    !(ch >= '0' && ch <= '9') && ch != '-' && ch != '_')
			return false;
	}
	return true;
}

enum bw_err bw_oauth_client_find(struct bw_app *app, struct bw_str client_id, struct bw_arena *a,
                                 struct bw_oauth_client **out)
{
	struct find_ctx x = {.client_id = client_id, .a = a};
	enum bw_err rc;

	*out = NULL;
	if (!client_id_shape(client_id))
		return BW_ERR_NOT_FOUND;
	rc = find(app, &x);
	if (rc == BW_OK)
		*out = x.out;
	return rc;
}

enum bw_err bw_oauth_client_find_row(struct bw_app *app, int64_t id, struct bw_arena *a,
                                     struct bw_oauth_client **out)
{
	struct find_ctx x = {.id = id, .a = a};
	enum bw_err rc;

	*out = NULL;
	if (id <= 0)
		return BW_ERR_NOT_FOUND;
	rc = find(app, &x);
	if (rc == BW_OK)
		*out = x.out;
	return rc;
}

/* ---- start-up --------------------------------------------------------------------------- */

static enum bw_err purge_tx(struct bw_db_conn *c, void *ctx)
{
	struct bw_db_stmt *st = NULL;
	bool row;
	enum bw_err rc = bw_db_prepare(
	        c, BW_SQL("DELETE FROM oauth_client_assertions WHERE expires_at < ?"), &st);

	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, *(const int64_t *)ctx);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	return rc;
}

enum bw_err bw_oauth_clients_start(struct bw_app *app)
{
	int64_t now = (int64_t)time(NULL);

	if (app->db == NULL || app->client_key == NULL)
		return BW_ERR_STATE;
	return bw_db_tx(app->db, purge_tx, &now);
}
