/*
 * oauth_token.c — the token endpoint (oauth_token.h): client authentication,
 * the authorization_code and refresh_token grants, the token response.
 */
#include "oauth_token.h"

#include <sodium.h>
#include <string.h>
#include <time.h>

#include "bulwark/buf.h"
#include "bulwark/secret.h"
#include "oauth_clients.h"
#include "oauth_codes.h"
#include "oauth_pkce.h"
#include "oauth_refresh.h"
#include "oauth_scope.h"
#include "sessions.h"
#include "signing.h"

#define TOKEN_BUF_MAX 16384

/* ---- users ------------------------------------------------------------------- */

enum bw_err bw_oauth_user_load(struct bw_app *app, int64_t id, struct bw_str pid,
                               struct bw_arena *a, struct bw_oauth_user *out)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	struct bw_str p, e, role;
	int64_t verified = 0;
	enum bw_err rc = bw_db_acquire(app->db, &c);

	memset(out, 0, sizeof(*out));
	if (rc != BW_OK)
		return rc;
	if (id != 0)
		rc = bw_db_prepare(c,
		                   BW_SQL("SELECT id, public_id, email_canon, email_verified, role "
		                          "FROM users WHERE id = ?"),
		                   &st);
	else
		rc = bw_db_prepare(c,
		                   BW_SQL("SELECT id, public_id, email_canon, email_verified, role "
		                          "FROM users WHERE public_id = ?"),
		                   &st);
	if (rc == BW_OK)
		rc = id != 0 ? bw_db_bind_int64(st, 1, id) : bw_db_bind_text(st, 1, pid.p, pid.len);
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 0, &out->id);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 1, &p);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 2, &e);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 3, &verified);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 4, &role);
	if (rc == BW_OK) {
		out->public_id = bw_arena_strndup(a, p.p, p.len);
		out->email = bw_arena_strndup(a, e.p, e.len);
		out->email_verified = verified != 0;
		out->admin = bw_str_eq_c(role, "admin");
		if (out->public_id == NULL || out->email == NULL)
			rc = BW_ERR_NOMEM;
	}
	bw_db_finish(st);
	bw_db_release(c);
	return rc;
}

/* ---- small helpers ------------------------------------------------------------- */

static enum bw_err answer(struct bw_resp *resp, json_t *obj)
{
	struct bw_buf b;
	enum bw_err rc;

	if (obj == NULL)
		return BW_ERR_NOMEM;
	bw_buf_init(&b, 65536);
	rc = bw_json_dump(obj, &b);
	json_decref(obj);
	if (rc == BW_OK)
		rc = bw_resp_header(resp, "Pragma", "no-cache");
	if (rc == BW_OK)
		rc = bw_resp_json(resp, 200, bw_buf_str(&b));
	bw_buf_free(&b);
	return rc;
}

static enum bw_err invalid_grant(struct bw_resp *resp)
{
	return bw_oauth_error(resp, 400, "invalid_grant",
	                      "The grant is invalid, expired, revoked or was issued to another "
	                      "client.");
}

static void audit(struct bw_req *req, const char *event, enum bw_audit_outcome o, int64_t user,
                  const struct bw_oauth_client *c, const char *grant, const char *why)
{
	struct bw_audit_detail d[] = {
	        BW_AUDIT_D_STR("client_id", bw_str_c(c->client_id)),
	        BW_AUDIT_D_STR("grant", bw_str_c(grant)),
	        BW_AUDIT_D_STR("reason", bw_str_c(why != NULL ? why : "")),
	};

	bw_app_audit(bw_req_app(req), req, event, o, user, d, why != NULL ? 3 : 2);
}

/* The scope as text in the arena. */
static const char *scope_text(struct bw_arena *a, const struct bw_scope_set *s)
{
	struct bw_buf b;
	const char *out = NULL;

	bw_buf_init(&b, BW_SCOPE_TEXT_MAX + 1);
	if (bw_scope_join(s, &b) == BW_OK)
		out = bw_arena_strndup(a, bw_buf_cstr(&b), b.len);
	bw_buf_free(&b);
	return out;
}

/* at_hash (OIDC Core §3.1.3.6): base64url of the left half of SHA-256(access token). */
static void at_hash(struct bw_str at, char out[BW_B64URL_LEN(16) + 1])
{
	uint8_t d[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(d, (const unsigned char *)at.p, at.len);
	sodium_bin2base64(out, BW_B64URL_LEN(16) + 1, d, 16,
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* What one token response is made of. */
struct issue {
	const struct bw_oauth_client *client;
	const struct bw_oauth_user *user;
	const char *scope; /* granted to the access token */
	int64_t auth_time;
	const char *nonce; /* id_token only */
	bool id_token;
	struct bw_buf at; /* the access token */
	char jti[BW_TOKEN_TEXT_SIZE];
	int64_t exp;
	struct bw_buf idt; /* the id_token, when asked */
};

static enum bw_err mint(struct bw_app *app, struct issue *x)
{
	struct bw_access_token t = {.sub = x->user->public_id,
	                            .user_id = x->user->id,
	                            .client_id = x->client->client_id,
	                            .scope = x->scope,
	                            .auth_time = x->auth_time,
	                            .ttl_s = 0};
	enum bw_err rc = bw_access_token_issue(app, &t, &x->at, x->jti, &x->exp);
	struct bw_scope_set s;
	json_t *claims = NULL;
	char ah[BW_B64URL_LEN(16) + 1];
	int64_t now = (int64_t)time(NULL);

	if (rc != BW_OK || !x->id_token)
		return rc;
	if (bw_scope_parse(bw_str_c(x->scope), &s) != BW_OK)
		return BW_ERR_INTERNAL;
	at_hash(bw_buf_str(&x->at), ah);
	claims = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:s}", "iss", app->settings.public_origin,
	                   "sub", x->user->public_id, "aud", x->client->client_id, "exp",
	                   (json_int_t)(now + BW_OAUTH_ID_TOKEN_TTL), "iat", (json_int_t)now,
	                   "auth_time", (json_int_t)x->auth_time, "at_hash", ah);
	if (claims == NULL)
		return BW_ERR_NOMEM;
	if (x->nonce != NULL && json_object_set_new(claims, "nonce", json_string(x->nonce)) != 0)
		rc = BW_ERR_NOMEM;
	if (rc == BW_OK && bw_scope_has_c(&s, "email") &&
	    (json_object_set_new(claims, "email", json_string(x->user->email)) != 0 ||
	     json_object_set_new(claims, "email_verified", json_boolean(x->user->email_verified)) !=
	             0))
		rc = BW_ERR_NOMEM;
	if (rc == BW_OK)
		rc = bw_signing_sign(app, BW_SIGNING_ID, "JWT", claims, &x->idt);
	json_decref(claims);
	return rc;
}

static json_t *response(const struct issue *x, const char *refresh, int64_t now)
{
	json_t *o = json_pack("{s:s,s:s,s:I,s:s}", "access_token", bw_buf_cstr(&x->at),
	                      "token_type", "Bearer", "expires_in",
	                      (json_int_t)(x->exp > now ? x->exp - now : 0), "scope", x->scope);

	if (o != NULL && refresh != NULL &&
	    json_object_set_new(o, "refresh_token", json_string(refresh)) != 0) {
		json_decref(o);
		return NULL;
	}
	if (o != NULL && x->id_token &&
	    json_object_set_new(o, "id_token", json_string(bw_buf_cstr(&x->idt))) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static void issue_init(struct issue *x)
{
	memset(x, 0, sizeof(*x));
	bw_buf_init(&x->at, TOKEN_BUF_MAX);
	bw_buf_init(&x->idt, TOKEN_BUF_MAX);
}

static void issue_free(struct issue *x)
{
	bw_buf_free(&x->at);
	bw_buf_free(&x->idt);
	bw_wipe(x->jti, sizeof(x->jti));
}

/* The scope a user may hold of a granted one: admin only while an admin. */
static const char *current_scope(struct bw_arena *a, const char *granted,
                                 const struct bw_oauth_user *u)
{
	struct bw_scope_set s;

	if (bw_scope_parse(bw_str_c(granted), &s) != BW_OK)
		return NULL;
	if (!u->admin)
		bw_scope_remove(&s, "admin");
	return scope_text(a, &s);
}

/* ---- grant authorization_code ----------------------------------------------------- */

/* A code seen again: revoke what its first exchange issued. */
static enum bw_err code_reused(struct bw_req *req, struct bw_resp *resp,
                               const struct bw_oauth_client *c, const struct bw_oauth_code *code)
{
	struct bw_app *app = bw_req_app(req);
	enum bw_err rc = BW_OK;

	if (code->family_id != 0)
		rc = bw_refresh_family_revoke(app, code->family_id, "code_reuse");
	if (rc == BW_OK && code->at_jti != NULL)
		rc = bw_access_token_deny(app, code->at_jti, code->at_exp);
	if (rc != BW_OK)
		return rc;
	audit(req, "oauth.code_reuse", BW_AUDIT_DENIED, code->grant.user_id, c,
	      "authorization_code", "code used twice: what it issued is revoked");
	return invalid_grant(resp);
}

struct exchange_ctx {
	struct bw_app *app;
	const struct bw_oauth_code *code;
	const struct issue *x;
	const char *refresh; /* NULL: none */
	int64_t now;
};

static enum bw_err exchange_tx(struct bw_db_conn *c, void *vctx)
{
	struct exchange_ctx *e = vctx;
	int64_t family = 0;
	enum bw_err rc = BW_OK;

	if (e->refresh != NULL) {
		struct bw_refresh_new n = {.client_row_id = e->code->grant.client_row_id,
		                           .user_id = e->code->grant.user_id,
		                           .scope = e->x->scope,
		                           .auth_time = e->code->grant.auth_time,
		                           .now = e->now,
		                           .token = bw_str_c(e->refresh),
		                           .at_jti = e->x->jti,
		                           .at_exp = e->x->exp,
		                           .at_scope = e->x->scope};

		rc = bw_refresh_family_create_tx(e->app, c, &n, &family);
	}
	if (rc == BW_OK)
		rc = bw_oauth_code_claim_tx(c, e->code->id, e->now, family, e->x->jti, e->x->exp);
	return rc;
}

static enum bw_err grant_code(struct bw_req *req, struct bw_resp *resp,
                              const struct bw_oauth_client *c, const struct bw_oauth_form *f)
{
	struct bw_app *app = bw_req_app(req);
	struct bw_arena *a = bw_req_arena(req);
	struct bw_str code_text, redirect, verifier;
	struct bw_oauth_code code;
	struct bw_oauth_user user;
	struct bw_scope_set s;
	struct issue x;
	char refresh[BW_TOKEN_TEXT_SIZE];
	int64_t now = (int64_t)time(NULL);
	bool with_refresh;
	enum bw_err rc;

	if (!bw_oauth_grant_allowed(c, BW_GRANT_AUTHORIZATION_CODE))
		return bw_oauth_error(resp, 400, "unauthorized_client",
		                      "The client may not use this grant type.");
	if (!bw_oauth_form_get(f, "code", &code_text) ||
	    !bw_oauth_form_get(f, "redirect_uri", &redirect))
		return bw_oauth_error(resp, 400, "invalid_request",
		                      "code and redirect_uri are required.");
	if (!bw_oauth_form_get(f, "code_verifier", &verifier))
		return bw_oauth_error(resp, 400, "invalid_request",
		                      "code_verifier is required (PKCE).");
	rc = bw_oauth_code_find(app, code_text, a, &code);
	if (rc == BW_ERR_NOT_FOUND)
		return invalid_grant(resp);
	if (rc != BW_OK)
		return rc;
	if (code.grant.client_row_id != c->id) {
		audit(req, "oauth.token", BW_AUDIT_DENIED, code.grant.user_id, c,
		      "authorization_code", "code of another client");
		return invalid_grant(resp);
	}
	if (code.used)
		return code_reused(req, resp, c, &code);
	if (code.expires_at <= now || !bw_str_eq_c(redirect, code.grant.redirect_uri) ||
	    bw_pkce_check(verifier, bw_str_c(code.grant.code_challenge)) != BW_OK) {
		audit(req, "oauth.token", BW_AUDIT_DENIED, code.grant.user_id, c,
		      "authorization_code", "expired code, other redirect_uri or wrong verifier");
		return invalid_grant(resp);
	}
	rc = bw_oauth_user_load(app, code.grant.user_id, BW_STR(""), a, &user);
	if (rc == BW_ERR_NOT_FOUND)
		return invalid_grant(resp);
	if (rc != BW_OK)
		return rc;
	issue_init(&x);
	refresh[0] = '\0';
	x.client = c;
	x.user = &user;
	x.auth_time = code.grant.auth_time;
	x.nonce = code.grant.nonce;
	x.scope = current_scope(a, code.grant.scope, &user);
	if (x.scope == NULL || bw_scope_parse(bw_str_c(x.scope), &s) != BW_OK) {
		rc = BW_ERR_INTERNAL;
		goto out;
	}
	x.id_token = bw_scope_has_c(&s, "openid");
	with_refresh = bw_scope_has_c(&s, "offline_access") &&
	               bw_oauth_grant_allowed(c, BW_GRANT_REFRESH_TOKEN);
	rc = mint(app, &x);
	if (rc != BW_OK)
		goto out;
	if (with_refresh)
		bw_token_new(refresh);
	{
		struct exchange_ctx e = {.app = app,
		                         .code = &code,
		                         .x = &x,
		                         .refresh = with_refresh ? refresh : NULL,
		                         .now = now};

		rc = bw_db_tx(app->db, exchange_tx, &e);
	}
	if (rc == BW_ERR_STATE) {
		/* a concurrent exchange won: this is a second use of the code */
		rc = bw_oauth_code_find(app, code_text, a, &code);
		if (rc == BW_OK)
			rc = code_reused(req, resp, c, &code);
		goto out;
	}
	if (rc != BW_OK)
		goto out;
	audit(req, "oauth.token", BW_AUDIT_SUCCESS, user.id, c, "authorization_code", NULL);
	rc = answer(resp, response(&x, with_refresh ? refresh : NULL, now));
out:
	bw_wipe(refresh, sizeof(refresh));
	issue_free(&x);
	return rc;
}

/* ---- grant refresh_token ------------------------------------------------------------ */

/*
 * A used token presented again. Within the grace window, by the same client
 * (checked by the caller), while its successor is unused and for the same
 * scope: the same pair again. Anything else revokes the family.
 */
static enum bw_err refresh_reused(struct bw_req *req, struct bw_resp *resp,
                                  const struct bw_oauth_client *c, struct bw_str presented,
                                  const struct bw_refresh_token *t, const char *scope)
{
	struct bw_app *app = bw_req_app(req);
	struct bw_arena *a = bw_req_arena(req);
	int64_t now = (int64_t)time(NULL);
	char next[BW_TOKEN_TEXT_SIZE];
	struct bw_refresh_token n;
	const char *at = NULL;
	enum bw_err rc;

	next[0] = '\0';
	if (app->settings.oauth_refresh_grace_s > 0 &&
	    now - t->used_at <= (int64_t)app->settings.oauth_refresh_grace_s && !t->revoked) {
		rc = bw_refresh_successor(app, presented, next);
		if (rc == BW_OK)
			rc = bw_refresh_find(app, bw_str_c(next), a, &n);
		if (rc == BW_OK && n.parent_id == t->id && n.used_at == 0 && !n.revoked &&
		    n.at_exp > now && strcmp(n.at_scope, scope) == 0 &&
		    bw_refresh_open(app, bw_str_c(next), n.at_box, n.at_box_len, a, &at) == BW_OK) {
			json_t *o =
			        json_pack("{s:s,s:s,s:I,s:s,s:s}", "access_token", at, "token_type",
			                  "Bearer", "expires_in", (json_int_t)(n.at_exp - now),
			                  "scope", n.at_scope, "refresh_token", next);

			bw_wipe(next, sizeof(next));
			audit(req, "oauth.refresh_grace", BW_AUDIT_SUCCESS, t->user_id, c,
			      "refresh_token", "retry within the grace window: the same pair");
			return answer(resp, o);
		}
		if (rc != BW_OK && rc != BW_ERR_NOT_FOUND) {
			bw_wipe(next, sizeof(next));
			return rc;
		}
	}
	bw_wipe(next, sizeof(next));
	rc = bw_refresh_family_revoke(app, t->family_id, "reuse");
	if (rc != BW_OK)
		return rc;
	audit(req, "oauth.refresh_reuse", BW_AUDIT_DENIED, t->user_id, c, "refresh_token",
	      "used refresh token presented again: family revoked");
	return invalid_grant(resp);
}

static enum bw_err grant_refresh(struct bw_req *req, struct bw_resp *resp,
                                 const struct bw_oauth_client *c, const struct bw_oauth_form *f)
{
	struct bw_app *app = bw_req_app(req);
	struct bw_arena *a = bw_req_arena(req);
	struct bw_str presented, asked;
	struct bw_refresh_token t;
	struct bw_scope_set want, family;
	struct bw_oauth_user user;
	struct issue x;
	char next[BW_TOKEN_TEXT_SIZE];
	const char *scope;
	uint8_t *box = NULL;
	size_t box_len = 0;
	int64_t now = (int64_t)time(NULL);
	enum bw_err rc;

	if (!bw_oauth_grant_allowed(c, BW_GRANT_REFRESH_TOKEN))
		return bw_oauth_error(resp, 400, "unauthorized_client",
		                      "The client may not use this grant type.");
	if (!bw_oauth_form_get(f, "refresh_token", &presented))
		return bw_oauth_error(resp, 400, "invalid_request", "refresh_token is required.");
	rc = bw_refresh_find(app, presented, a, &t);
	if (rc == BW_ERR_NOT_FOUND)
		return invalid_grant(resp);
	if (rc != BW_OK)
		return rc;
	if (t.client_row_id != c->id) {
		audit(req, "oauth.token", BW_AUDIT_DENIED, t.user_id, c, "refresh_token",
		      "refresh token of another client");
		return invalid_grant(resp);
	}
	if (bw_scope_parse(bw_str_c(t.family_scope), &family) != BW_OK)
		return BW_ERR_INTERNAL;
	scope = t.family_scope;
	if (bw_oauth_form_get(f, "scope", &asked)) {
		if (bw_scope_parse(asked, &want) != BW_OK || !bw_scope_subset(&want, &family))
			return bw_oauth_error(resp, 400, "invalid_scope",
			                      "The scope asked is not within the scope granted.");
		scope = scope_text(a, &want);
		if (scope == NULL)
			return BW_ERR_NOMEM;
	}
	if (t.revoked) {
		audit(req, "oauth.token", BW_AUDIT_DENIED, t.user_id, c, "refresh_token",
		      "revoked family");
		return invalid_grant(resp);
	}
	if (t.used_at != 0)
		return refresh_reused(req, resp, c, presented, &t, scope);
	if (t.expires_at <= now || t.family_expires <= now)
		return invalid_grant(resp);
	rc = bw_oauth_user_load(app, t.user_id, BW_STR(""), a, &user);
	if (rc == BW_ERR_NOT_FOUND)
		return invalid_grant(resp);
	if (rc != BW_OK)
		return rc;
	scope = current_scope(a, scope, &user);
	if (scope == NULL)
		return BW_ERR_NOMEM;
	issue_init(&x);
	next[0] = '\0';
	x.client = c;
	x.user = &user;
	x.scope = scope;
	x.auth_time = t.auth_time;
	rc = mint(app, &x);
	if (rc == BW_OK)
		rc = bw_refresh_successor(app, presented, next);
	if (rc == BW_OK)
		rc = bw_refresh_seal(app, bw_str_c(next), bw_buf_str(&x.at), a, &box, &box_len);
	if (rc == BW_OK) {
		int64_t idle = now + (int64_t)app->settings.oauth_refresh_idle_s;
		struct bw_refresh_next n = {
		        .token = bw_str_c(next),
		        .now = now,
		        .expires_at = idle < t.family_expires ? idle : t.family_expires,
		        .at_scope = scope,
		        .at_jti = x.jti,
		        .at_exp = x.exp,
		        .at_box = box,
		        .at_box_len = box_len};

		rc = bw_refresh_rotate(app, &t, &n);
	}
	if (rc == BW_ERR_STATE) {
		/* another request used it first: this is a reuse (maybe a retry) */
		rc = bw_refresh_find(app, presented, a, &t);
		if (rc == BW_OK)
			rc = refresh_reused(req, resp, c, presented, &t, scope);
		goto out;
	}
	if (rc != BW_OK)
		goto out;
	audit(req, "oauth.token", BW_AUDIT_SUCCESS, user.id, c, "refresh_token", NULL);
	rc = answer(resp, response(&x, next, now));
out:
	bw_wipe(next, sizeof(next));
	issue_free(&x);
	return rc;
}

/* ---- grant client_credentials ------------------------------------------------------ */

/* The scope of a client_credentials token: what is asked (each among c's
 * scopes) or, when nothing is, c's scopes; never a scope that needs a user. */
static enum bw_err client_scope(struct bw_arena *a, const struct bw_oauth_client *c,
                                const struct bw_oauth_form *f, const char **out)
{
	static const char *const user_only[] = {"openid", "profile", "email", "offline_access",
	                                        "admin"};
	struct bw_scope_set s = {.n = 0};
	struct bw_str asked;

	*out = NULL;
	if (bw_oauth_form_get(f, "scope", &asked)) {
		if (bw_scope_parse(asked, &s) != BW_OK || !bw_oauth_scope_allowed(c, asked))
			return BW_ERR_INVALID;
		for (size_t i = 0; i < sizeof(user_only) / sizeof(user_only[0]); i++)
			if (bw_scope_has_c(&s, user_only[i]))
				return BW_ERR_INVALID;
	} else {
		for (size_t i = 0; i < c->n_scopes && s.n < BW_SCOPE_MAX; i++)
			s.items[s.n++] = bw_str_c(c->scopes[i]);
		for (size_t i = 0; i < sizeof(user_only) / sizeof(user_only[0]); i++)
			bw_scope_remove(&s, user_only[i]);
		if (s.n == 0)
			return BW_ERR_INVALID;
	}
	*out = scope_text(a, &s);
	return *out != NULL ? BW_OK : BW_ERR_NOMEM;
}

enum bw_err bw_oauth_grant_client_credentials(struct bw_req *req, struct bw_resp *resp,
                                              const struct bw_oauth_client *c,
                                              const struct bw_oauth_form *form)
{
	struct bw_app *app = bw_req_app(req);
	struct bw_oauth_user none = {.id = 0, .public_id = c->client_id};
	struct issue x;
	int64_t now = (int64_t)time(NULL);
	const char *scope = NULL;
	enum bw_err rc;

	if (!c->confidential || !bw_oauth_grant_allowed(c, BW_GRANT_CLIENT_CREDENTIALS)) {
		audit(req, "oauth.token", BW_AUDIT_DENIED, 0, c, "client_credentials",
		      "grant not registered");
		return bw_oauth_error(resp, 400, "unauthorized_client",
		                      "The client may not use this grant type.");
	}
	rc = client_scope(bw_req_arena(req), c, form, &scope);
	if (rc == BW_ERR_INVALID) {
		audit(req, "oauth.token", BW_AUDIT_DENIED, 0, c, "client_credentials",
		      "scope not allowed");
		return bw_oauth_error(resp, 400, "invalid_scope",
		                      "A scope asked is not the client's, or needs a user.");
	}
	if (rc != BW_OK)
		return rc;
	issue_init(&x);
	x.client = c;
	x.user = &none;
	x.scope = scope;
	rc = mint(app, &x);
	if (rc == BW_OK) {
		audit(req, "oauth.token", BW_AUDIT_SUCCESS, 0, c, "client_credentials", NULL);
		rc = answer(resp, response(&x, NULL, now));
	}
	issue_free(&x);
	return rc;
}

/* ---- the endpoint ------------------------------------------------------------------- */

enum bw_err bw_oauth_route_token(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_app *app = bw_req_app(req);
	struct bw_oauth_form form;
	struct bw_oauth_client *c = NULL;
	struct bw_str grant;
	enum bw_err rc;

	if (bw_oauth_form_parse(req, &form) != BW_OK)
		return bw_oauth_error(resp, 400, "invalid_request",
		                      "The form is malformed or repeats a parameter.");
	if (!bw_oauth_form_get(&form, "grant_type", &grant))
		return bw_oauth_error(resp, 400, "invalid_request", "grant_type is required.");
	rc = bw_oauth_client_authenticate(app, req, &form, BW_CLIENT_EP_TOKEN, &c);
	if (rc != BW_OK)
		return bw_oauth_client_auth_refuse(req, resp, rc);
	if (bw_str_eq_c(grant, "authorization_code"))
		return grant_code(req, resp, c, &form);
	if (bw_str_eq_c(grant, "refresh_token"))
		return grant_refresh(req, resp, c, &form);
	if (bw_str_eq_c(grant, "client_credentials"))
		return bw_oauth_grant_client_credentials(req, resp, c, &form);
	return bw_oauth_error(resp, 400, "unsupported_grant_type",
	                      "The grant type is not supported.");
}
