/*
 * access_token.c — RFC 9068 access tokens (signing.h): issuing, full
 * verification, the jti denylist (table + memory) and the bearer
 * authenticator with its verified-token cache.
 *
 * The authenticator on a request:
 *   1. key = keyed BLAKE2b of the whole token; a cache hit gives the
 *      principal verified earlier (at most BW_ACCESS_CACHE_AGE_S ago, never
 *      past the token's exp);
 *   2. on a miss: signature by a live access key, typ at+jwt, iss, aud,
 *      exp/nbf/iat (jwt.h), the claims this server always puts in (jti,
 *      client_id, sub; scope a valid scope value of at most
 *      BW_PRINCIPAL_MAX_SCOPES), then the user: sub is a users.public_id
 *      (its row id and current role are read once, here) unless sub equals
 *      client_id (a client-only token, user 0); a user that no longer exists
 *      refuses the token;
 *   3. hit or miss, the jti must not be on the denylist.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bulwark/log.h"
#include "bulwark/random.h"
#include "denylist.h"
#include "oauth_scope.h"
#include "signing.h"
#include "signing_internal.h"
#include "token_cache.h"

/** Longest a verified token stays cached (a deleted user or a new role shows this soon). */
#define BW_ACCESS_CACHE_AGE_S 60
#define ACCESS_TYP            "at+jwt"

struct bw_access_state {
	struct bw_token_cache *cache; /* NULL: oauth.token_cache = 0 */
	struct bw_denylist *deny;
};

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

enum bw_err bw_access_state_new(struct bw_app *app, struct bw_access_state **out)
{
	struct bw_access_state *s = calloc(1, sizeof(*s));
	enum bw_err rc;

	*out = NULL;
	if (s == NULL)
		return BW_ERR_NOMEM;
	rc = bw_denylist_new(&s->deny);
	if (rc == BW_OK && app->settings.oauth_token_cache > 0)
		rc = bw_token_cache_new(app->settings.oauth_token_cache, &s->cache);
	if (rc != BW_OK) {
		bw_access_state_free(s);
		return rc;
	}
	*out = s;
	return BW_OK;
}

void bw_access_state_free(struct bw_access_state *s)
{
	if (s == NULL)
		return;
	bw_token_cache_free(s->cache);
	bw_denylist_free(s->deny);
	free(s);
}

enum bw_err bw_access_state_reload(struct bw_app *app, struct bw_access_state *s)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	int64_t now = now_s();
	bool row = false;
	enum bw_err rc = bw_db_acquire(app->db, &c);

	if (rc != BW_OK)
		return rc;
	/* what expired is of no use to anyone: tokens past exp are refused anyway */
	rc = bw_db_prepare(c, BW_SQL("DELETE FROM access_token_denylist WHERE expires_at < ?"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, now - BW_JWT_DEFAULT_LEEWAY);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	st = NULL;
	if (rc == BW_OK)
		rc = bw_db_prepare(c,
		                   BW_SQL("SELECT jti, expires_at FROM access_token_denylist "
		                          "WHERE expires_at >= ?"),
		                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, now - BW_JWT_DEFAULT_LEEWAY);
	while (rc == BW_OK && (rc = bw_db_step(st, &row)) == BW_OK && row) {
		struct bw_str jti;
		int64_t exp = 0;

		rc = bw_db_col_text(st, 0, &jti);
		if (rc == BW_OK)
			rc = bw_db_col_int64(st, 1, &exp);
		if (rc == BW_OK)
			rc = bw_denylist_add(s->deny, jti, exp);
	}
	bw_db_finish(st);
	bw_db_release(c);
	return rc;
}

/* ---- issuing ------------------------------------------------------------ */

enum bw_err bw_access_token_issue(struct bw_app *app, const struct bw_access_token *t,
                                  struct bw_buf *out, char jti[BW_TOKEN_TEXT_SIZE], int64_t *exp)
{
	char id[BW_TOKEN_TEXT_SIZE];
	struct bw_scope_set scopes;
	unsigned ttl;
	int64_t now = now_s(), e;
	json_t *claims;
	enum bw_err rc;

	if (app == NULL || t == NULL || t->client_id == NULL || t->client_id[0] == '\0')
		return BW_ERR_INVALID;
	ttl = t->ttl_s != 0 ? t->ttl_s : app->settings.oauth_access_token_ttl_s;
	/* a retired key is kept published for oauth.access_token_ttl: never longer */
	if (ttl > app->settings.oauth_access_token_ttl_s)
		return BW_ERR_INVALID;
	if (t->scope != NULL && t->scope[0] != '\0' &&
	    bw_scope_parse(bw_str_c(t->scope), &scopes) != BW_OK)
		return BW_ERR_INVALID;
	bw_token_new(id);
	e = now + (int64_t)ttl;
	claims = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I}", "iss", app->settings.public_origin,
	                   "sub", t->sub != NULL ? t->sub : t->client_id, "aud",
	                   app->settings.oauth_audience, "client_id", t->client_id, "scope",
	                   t->scope != NULL ? t->scope : "", "jti", id, "iat", (json_int_t)now,
	                   "exp", (json_int_t)e);
	if (claims == NULL)
		return BW_ERR_NOMEM;
	if (t->auth_time > 0 &&
	    json_object_set_new(claims, "auth_time", json_integer((json_int_t)t->auth_time)) != 0)
		rc = BW_ERR_NOMEM;
	else
		rc = bw_signing_sign(app, BW_SIGNING_ACCESS, ACCESS_TYP, claims, out);
	json_decref(claims);
	if (rc == BW_OK && jti != NULL)
		memcpy(jti, id, sizeof(id));
	if (rc == BW_OK && exp != NULL)
		*exp = e;
	bw_wipe(id, sizeof(id));
	return rc;
}

/* ---- verification ------------------------------------------------------- */

static const char *claim_str(const json_t *claims, const char *name, size_t max)
{
	const json_t *v = json_object_get(claims, name);
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;

	if (s == NULL || json_string_length(v) == 0 || json_string_length(v) > max ||
	    strlen(s) != json_string_length(v))
		return NULL;
	return s;
}

/* Signature, header and registered claims (jwt.h), then the claims we always issue. */
static enum bw_err verify_token(struct bw_app *app, struct bw_str token, json_t **claims,
                                const char **reason)
{
	struct bw_jwt_expect ex = {.issuer = app->settings.public_origin,
	                           .audience = app->settings.oauth_audience,
	                           .typ = ACCESS_TYP,
	                           .leeway_s = BW_JWT_DEFAULT_LEEWAY};
	enum bw_jwt_reason why = BW_JWT_OK;
	struct bw_scope_set set;
	const json_t *scope, *at;
	json_t *c = NULL;
	enum bw_err rc;

	*claims = NULL;
	rc = bw_signing_verify(app, BW_SIGNING_ACCESS, token, &ex, &c, &why);
	if (rc != BW_OK) {
		*reason = bw_jwt_reason_str(why);
		return rc;
	}
	scope = json_object_get(c, "scope");
	at = json_object_get(c, "auth_time");
	if (claim_str(c, "jti", BW_DENYLIST_JTI_MAX) == NULL || claim_str(c, "sub", 127) == NULL ||
	    claim_str(c, "client_id", 127) == NULL || (scope != NULL && !json_is_string(scope)) ||
	    (at != NULL && !json_is_integer(at))) {
		json_decref(c);
		*reason = "claims";
		return BW_ERR_DENIED;
	}
	/* a valid scope value, at most as many scopes as a principal carries */
	if (scope != NULL && json_string_length(scope) > 0 &&
	    bw_scope_parse((struct bw_str){json_string_value(scope), json_string_length(scope)},
	                   &set) != BW_OK) {
		json_decref(c);
		*reason = "scope";
		return BW_ERR_DENIED;
	}
	*claims = c;
	return BW_OK;
}

static bool denied(struct bw_app *app, const char *jti, int64_t now)
{
	struct bw_access_state *s = bw_signing_access_state(app);

	return s == NULL || bw_denylist_has(s->deny, bw_str_c(jti), now);
}

enum bw_err bw_access_token_check(struct bw_app *app, struct bw_str token, json_t **claims)
{
	const char *reason = "";
	json_t *c = NULL;
	enum bw_err rc;

	if (claims != NULL)
		*claims = NULL;
	if (app == NULL || app->signing == NULL)
		return BW_ERR_STATE;
	rc = verify_token(app, token, &c, &reason);
	if (rc != BW_OK)
		return rc;
	if (denied(app, json_string_value(json_object_get(c, "jti")), now_s())) {
		json_decref(c);
		return BW_ERR_DENIED;
	}
	if (claims != NULL)
		*claims = c;
	else
		json_decref(c);
	return BW_OK;
}

enum bw_err bw_access_token_deny(struct bw_app *app, const char *jti, int64_t exp)
{
	struct bw_access_state *s = bw_signing_access_state(app);
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	bool row;
	enum bw_err rc;

	if (s == NULL)
		return BW_ERR_STATE;
	if (jti == NULL || jti[0] == '\0' || strlen(jti) > BW_DENYLIST_JTI_MAX || exp <= 0)
		return BW_ERR_INVALID;
	/* memory first: from here on this process refuses it, even if the write fails */
	rc = bw_denylist_add(s->deny, bw_str_c(jti), exp);
	if (rc != BW_OK)
		return rc;
	rc = bw_db_acquire(app->db, &c);
	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c,
	                   BW_SQL("INSERT INTO access_token_denylist (jti, expires_at) "
	                          "VALUES (?, ?)"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 1, jti, strlen(jti));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, exp);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	bw_db_release(c);
	return rc == BW_ERR_EXISTS ? BW_OK : rc;
}

/* ---- the bearer authenticator ------------------------------------------- */

static bool copy_to(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		return false;
	memcpy(dst, src, n + 1);
	return true;
}

/* The user a token names: its row id and current role. */
static enum bw_err resolve_user(struct bw_app *app, const char *sub, int64_t *id, char *role,
                                size_t role_size)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	struct bw_str r;
	enum bw_err rc = bw_db_acquire(app->db, &c);

	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c, BW_SQL("SELECT id, role FROM users WHERE public_id = ?"), &st);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 1, sub, strlen(sub));
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 0, id);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 1, &r);
	if (rc == BW_OK) {
		if (r.len >= role_size) {
			rc = BW_ERR_INVALID;
		} else {
			memcpy(role, r.p, r.len);
			role[r.len] = '\0';
		}
	}
	bw_db_finish(st);
	bw_db_release(c);
	return rc;
}

/* A verified token's claims and user into a cache value. */
static enum bw_err value_of(struct bw_app *app, const json_t *claims, int64_t now,
                            struct bw_token_cache_value *v, const char **reason)
{
	const char *sub = json_string_value(json_object_get(claims, "sub"));
	const char *cid = json_string_value(json_object_get(claims, "client_id"));
	const char *jti = json_string_value(json_object_get(claims, "jti"));
	const json_t *sc = json_object_get(claims, "scope");
	const char *scope = sc != NULL ? json_string_value(sc) : "";
	enum bw_err rc;

	memset(v, 0, sizeof(*v));
	v->exp = (int64_t)json_integer_value(json_object_get(claims, "exp"));
	v->auth_time = (int64_t)json_integer_value(json_object_get(claims, "auth_time"));
	v->deadline =
	        now + BW_ACCESS_CACHE_AGE_S < v->exp + 1 ? now + BW_ACCESS_CACHE_AGE_S : v->exp + 1;
	if (!copy_to(v->jti, sizeof(v->jti), jti) || !copy_to(v->sub, sizeof(v->sub), sub) ||
	    !copy_to(v->client_id, sizeof(v->client_id), cid) ||
	    !copy_to(v->scope, sizeof(v->scope), scope)) {
		*reason = "claims_too_long";
		return BW_ERR_DENIED;
	}
	if (strcmp(sub, cid) == 0)
		return BW_OK; /* client-only (client_credentials): no user */
	rc = resolve_user(app, sub, &v->user_id, v->role, sizeof(v->role));
	if (rc == BW_ERR_NOT_FOUND) {
		*reason = "unknown_user";
		return BW_ERR_DENIED;
	}
	return rc;
}

/* The principal of a cache value; strings copied into arena a. */
static enum bw_err fill_principal(struct bw_arena *a, const struct bw_token_cache_value *v,
                                  struct bw_principal *out)
{
	struct bw_access_info *info = bw_arena_calloc(a, 1, sizeof(*info));
	char *scope = bw_arena_strndup(a, v->scope, strlen(v->scope));
	size_t n = 0;

	if (info == NULL || scope == NULL)
		return BW_ERR_NOMEM;
	info->sub = bw_arena_strndup(a, v->sub, strlen(v->sub));
	info->client_id = bw_arena_strndup(a, v->client_id, strlen(v->client_id));
	info->jti = bw_arena_strndup(a, v->jti, strlen(v->jti));
	info->exp = v->exp;
	if (info->sub == NULL || info->client_id == NULL || info->jti == NULL)
		return BW_ERR_NOMEM;
	/* the scope value was checked before it was cached: split it in place */
	for (char *p = scope; *p != '\0' && n < BW_PRINCIPAL_MAX_SCOPES;) {
		char *sp = strchr(p, ' ');

		out->scopes[n++] = p;
		if (sp == NULL)
			break;
		*sp = '\0';
		p = sp + 1;
	}
	out->scopes[n] = NULL;
	out->user_id = v->user_id;
	memcpy(out->role, v->role, sizeof(out->role));
	out->auth_time = v->auth_time;
	out->data = info;
	return BW_OK;
}

enum bw_err bw_access_token_resolve(struct bw_app *app, struct bw_str token, struct bw_arena *a,
                                    struct bw_principal *out, const char **reason)
{
	struct bw_access_state *s = bw_signing_access_state(app);
	struct bw_token_cache_value v;
	uint8_t key[BW_TOKEN_CACHE_KEY];
	int64_t now = now_s();
	json_t *claims = NULL;
	enum bw_err rc;

	*reason = "";
	if (s == NULL)
		return BW_ERR_STATE;
	if (s->cache != NULL) {
		bw_token_cache_key(s->cache, token, key);
		if (bw_token_cache_get(s->cache, key, now, &v)) {
			bw_signing_tick(app); /* keeps the denylist current on a hit too */
			if (bw_denylist_has(s->deny, bw_str_c(v.jti), now)) {
				*reason = "revoked";
				return BW_ERR_DENIED;
			}
			*reason = "cached";
			return fill_principal(a, &v, out);
		}
	}
	rc = verify_token(app, token, &claims, reason);
	if (rc != BW_OK)
		return rc;
	rc = value_of(app, claims, now, &v, reason);
	json_decref(claims);
	if (rc != BW_OK)
		return rc;
	if (bw_denylist_has(s->deny, bw_str_c(v.jti), now)) {
		*reason = "revoked";
		return BW_ERR_DENIED;
	}
	if (s->cache != NULL)
		bw_token_cache_put(s->cache, key, now, &v);
	return fill_principal(a, &v, out);
}

enum bw_err bw_access_token_authenticate(struct bw_app *app, struct bw_req *req,
                                         struct bw_str token, struct bw_principal *out)
{
	const char *reason = "";
	enum bw_err rc = bw_access_token_resolve(app, token, bw_req_arena(req), out, &reason);

	if (rc == BW_ERR_DENIED)
		BW_LOG(app->log, BW_LOG_INFO, bw_req_id(req), "bearer.refused",
		       BW_LOG_F_CSTR("reason", reason));
	return rc;
}
