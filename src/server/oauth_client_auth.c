/*
 * oauth_client_auth.c — client authentication at the token, revocation and
 * introspection endpoints (RFC 6749 §2.3, RFC 7523 §2.2 / §3, OIDC Core §9).
 *
 * The request presents at most one of: an "Authorization: Basic" header, a
 * client_secret form field, a client_assertion (with its type). Which one it
 * is must be the method the client registered; a public client presents
 * client_id alone. Every refusal looks the same from outside (401
 * invalid_client); the reason goes to the log and the audit record.
 *
 * Rate limits: every attempt counts against the address ("client-auth", a
 * budget no honest client needs: tokens are cached for minutes; past it the
 * answer is 429 before any secret or signature is looked at), and each
 * failure also against a much smaller one ("client-fail": past it failures
 * answer 429 instead of 401). Neither is per client, so failing on purpose
 * cannot lock a client out from elsewhere. With 256-bit secrets and signed
 * assertions the budgets bound load and noise, not guessing odds.
 */
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "bulwark/netaddr.h"
#include "oauth_clients.h"
#include "oauth_clients_int.h"

#define JTI_MAX       256
#define BASIC_REALM   "Basic realm=\"bulwark\", charset=\"UTF-8\""
#define ENDPOINT_PATH (sizeof("/oauth2/introspect") - 1)

static const struct bw_rl_policy client_auth_ip = {
        .name = "client-auth", .limit = 600, .period_s = 60, .burst = 120};
static const struct bw_rl_policy client_fail_ip = {
        .name = "client-fail", .limit = 20, .period_s = 600, .burst = 10};

/** What the request presented. */
enum presented {
	P_NONE = 0, /* client_id alone (or nothing) */
	P_BASIC,
	P_POST,
	P_JWT,
};

struct attempt {
	enum presented how;
	struct bw_str client_id;
	struct bw_str secret;    /* P_BASIC, P_POST */
	struct bw_str assertion; /* P_JWT */
	const char *reason;      /* why it failed (log and audit) */
};

static const char *endpoint_path(enum bw_client_endpoint ep)
{
	switch (ep) {
	case BW_CLIENT_EP_TOKEN:
		return "/oauth2/token";
	case BW_CLIENT_EP_REVOKE:
		return "/oauth2/revoke";
	case BW_CLIENT_EP_INTROSPECT:
		return "/oauth2/introspect";
	}
	return "/oauth2/token";
}

/* The method a presentation amounts to. */
static enum bw_client_auth_method method_of(enum presented p)
{
	switch (p) {
	case P_BASIC:
		return BW_CLIENT_AUTH_SECRET_BASIC;
	case P_POST:
		return BW_CLIENT_AUTH_SECRET_POST;
	case P_JWT:
		return BW_CLIENT_AUTH_PRIVATE_KEY_JWT;
	case P_NONE:
		break;
	}
	return BW_CLIENT_AUTH_NONE;
}

/* The client_id an assertion names (its "sub"), read before it is verified
 * only to find whose keys verify it. */
static enum bw_err assertion_subject(struct bw_arena *a, struct bw_str assertion,
                                     struct bw_str *out)
{
	json_t *claims = NULL;
	const char *sub;
	enum bw_err rc = bw_jwt_peek_claims(assertion, &claims);

	if (rc != BW_OK)
		return rc == BW_ERR_NOMEM ? rc : BW_ERR_DENIED;
	sub = json_string_value(json_object_get(claims, "sub"));
	rc = sub != NULL ? BW_OK : BW_ERR_DENIED;
	if (rc == BW_OK) {
		*out = bw_arena_str(a, bw_str_c(sub));
		if (out->p == NULL)
			rc = BW_ERR_NOMEM;
	}
	json_decref(claims);
	return rc;
}

/* Sort out what the request presents; BW_ERR_INVALID for two methods or one in pieces. */
static enum bw_err gather(struct bw_req *req, const struct bw_oauth_form *form, struct attempt *t)
{
	const char *h = bw_req_header(req, "Authorization");
	struct bw_str form_id = {0}, type = {0};
	bool has_id = bw_oauth_form_get(form, "client_id", &form_id);
	bool has_secret = bw_oauth_form_get(form, "client_secret", &t->secret);
	bool has_type = bw_oauth_form_get(form, "client_assertion_type", &type);
	bool has_assertion = bw_oauth_form_get(form, "client_assertion", &t->assertion);
	int methods = (h != NULL) + has_secret + (has_type || has_assertion);
	enum bw_err rc;

	if (methods > 1) {
		t->reason = "several_methods";
		return BW_ERR_INVALID;
	}
	if (h != NULL) {
		t->how = P_BASIC;
		rc = bw_oauth_basic_parse(bw_req_arena(req), h, &t->client_id, &t->secret);
		if (rc != BW_OK) {
			t->reason = "malformed_basic";
			return rc;
		}
	} else if (has_secret) {
		t->how = P_POST;
		if (!has_id) {
			t->reason = "secret_without_client_id";
			return BW_ERR_INVALID;
		}
		t->client_id = form_id;
	} else if (has_type || has_assertion) {
		t->how = P_JWT;
		if (!has_type || !has_assertion) {
			t->reason = "assertion_incomplete";
			return BW_ERR_INVALID;
		}
		if (!bw_str_eq_c(type, BW_CLIENT_ASSERTION_TYPE)) {
			t->reason = "assertion_type";
			return BW_ERR_INVALID;
		}
		if (has_id) {
			t->client_id = form_id;
		} else {
			rc = assertion_subject(bw_req_arena(req), t->assertion, &t->client_id);
			if (rc != BW_OK) {
				t->reason = "assertion_malformed";
				return rc;
			}
		}
	} else {
		t->how = P_NONE;
		if (!has_id) {
			t->reason = "no_credentials";
			return BW_ERR_DENIED;
		}
		t->client_id = form_id;
	}
	/* a client_id beside the credential must name the same client */
	if (has_id && !bw_str_eq(form_id, t->client_id)) {
		t->reason = "client_id_mismatch";
		return BW_ERR_INVALID;
	}
	return BW_OK;
}

/* ---- secrets ------------------------------------------------------------- */

static enum bw_err check_secret(struct bw_app *app, const struct bw_oauth_client *c,
                                struct bw_str secret, const char **reason)
{
	struct bw_db_conn *conn = NULL;
	struct bw_db_stmt *st = NULL;
	struct bw_token_hash stored;
	const uint8_t *p;
	size_t len = 0;
	bool is_null = true;
	enum bw_err rc = bw_db_acquire(app->db, &conn);

	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(conn, BW_SQL("SELECT secret_hash FROM oauth_clients WHERE id = ?"), &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, c->id);
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_is_null(st, 0, &is_null);
	if (rc == BW_OK && !is_null)
		rc = bw_db_col_blob(st, 0, &p, &len);
	if (rc == BW_OK && (is_null || len != sizeof(stored.bytes)))
		rc = BW_ERR_INTERNAL; /* a secret client without a proper hash: not ours */
	if (rc == BW_OK)
		memcpy(stored.bytes, p, len);
	bw_db_finish(st);
	bw_db_release(conn);
	if (rc != BW_OK)
		return rc == BW_ERR_NOT_FOUND ? BW_ERR_DENIED : rc;
	/* constant-time comparison of keyed hashes; a malformed secret never matches */
	rc = bw_token_verify(app->client_key, BW_CLIENT_SECRET_LABEL, secret, &stored);
	if (rc == BW_OK)
		return BW_OK;
	*reason = "wrong_secret";
	return rc == BW_ERR_VERIFY || rc == BW_ERR_INVALID ? BW_ERR_DENIED : rc;
}

/* ---- private_key_jwt ------------------------------------------------------- */

/* Whether aud (a string or an array of strings) names us: the issuer, the
 * token endpoint or the endpoint called. */
static bool audience_ok(const struct bw_app *app, const json_t *aud, enum bw_client_endpoint ep)
{
	const char *origin = app->settings.public_origin;
	size_t olen = strlen(origin);
	const char *paths[] = {"", "/oauth2/token", endpoint_path(ep)};
	size_t n = json_is_array(aud) ? json_array_size(aud) : 1;

	if (!json_is_array(aud) && !json_is_string(aud))
		return false;
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_is_array(aud) ? json_array_get(aud, i) : aud;
		const char *s = json_string_value(v);
		size_t slen;

		if (s == NULL)
			continue;
		slen = json_string_length(v);
		if (slen < olen || slen > olen + ENDPOINT_PATH || memcmp(s, origin, olen) != 0)
			continue;
		for (size_t k = 0; k < sizeof(paths) / sizeof(paths[0]); k++)
			if (strlen(paths[k]) == slen - olen &&
			    memcmp(s + olen, paths[k], slen - olen) == 0)
				return true;
	}
	return false;
}

struct replay_ctx {
	int64_t client_row, exp, now;
	uint8_t jti_hash[32];
};

static enum bw_err replay_tx(struct bw_db_conn *c, void *vctx)
{
	struct replay_ctx *x = vctx;
	struct bw_db_stmt *st = NULL;
	bool row;
	enum bw_err rc;

	/* expired entries go first: an assertion past its exp is refused anyway */
	rc = bw_db_prepare(c, BW_SQL("DELETE FROM oauth_client_assertions WHERE expires_at < ?"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, x->now - BW_JWT_DEFAULT_LEEWAY);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	st = NULL;
	if (rc == BW_OK)
		rc = bw_db_prepare(c,
		                   BW_SQL("INSERT INTO oauth_client_assertions (client_row_id, "
		                          "jti_hash, expires_at) VALUES (?, ?, ?)"),
		                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, x->client_row);
	if (rc == BW_OK)
		rc = bw_db_bind_blob(st, 2, x->jti_hash, sizeof(x->jti_hash));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 3, x->exp);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	return rc;
}

static enum bw_err check_assertion(struct bw_app *app, const struct bw_oauth_client *c,
                                   struct bw_str assertion, enum bw_client_endpoint ep,
                                   const char **reason)
{
	struct bw_jwk *keys[BW_CLIENT_JWKS_KEYS_MAX];
	const struct bw_jwk *kp[BW_CLIENT_JWKS_KEYS_MAX];
	size_t n_keys = 0;
	json_t *claims = NULL;
	enum bw_jwt_reason why = BW_JWT_OK;
	struct bw_jwt_expect expect = {.issuer = c->client_id, .leeway_s = BW_JWT_DEFAULT_LEEWAY};
	struct replay_ctx x = {.client_row = c->id, .now = (int64_t)time(NULL)};
	const json_t *jti, *exp;
	enum bw_err rc = bw_oauth_client_keys(c, keys, &n_keys);

	if (rc != BW_OK) {
		*reason = "no_keys";
		return rc == BW_ERR_NOMEM ? rc : BW_ERR_INTERNAL;
	}
	for (size_t i = 0; i < n_keys; i++)
		kp[i] = keys[i];
	rc = bw_jwt_verify(assertion, &(struct bw_jwt_keyset){kp, n_keys}, &expect, &claims, NULL,
	                   &why);
	for (size_t i = 0; i < n_keys; i++)
		bw_jwk_free(keys[i]);
	if (rc != BW_OK) {
		*reason = bw_jwt_reason_str(why);
		return rc == BW_ERR_DENIED ? rc : rc == BW_ERR_NOMEM ? rc : BW_ERR_DENIED;
	}
	rc = BW_ERR_DENIED;
	exp = json_object_get(claims, "exp");
	jti = json_object_get(claims, "jti");
	if (!bw_str_eq_c(bw_str_c(json_string_value(json_object_get(claims, "sub"))), c->client_id))
		*reason = "sub";
	else if (!audience_ok(app, json_object_get(claims, "aud"), ep))
		*reason = "aud";
	else if (!json_is_integer(exp) ||
	         json_integer_value(exp) >
	                 x.now + BW_CLIENT_ASSERTION_MAX_LIFETIME + BW_JWT_DEFAULT_LEEWAY)
		*reason = "exp_too_far";
	else if (!json_is_string(jti) || json_string_length(jti) == 0 ||
	         json_string_length(jti) > JTI_MAX)
		*reason = "jti";
	else
		rc = BW_OK;
	if (rc == BW_OK) {
		x.exp = (int64_t)json_integer_value(exp);
		crypto_generichash(x.jti_hash, sizeof(x.jti_hash),
		                   (const unsigned char *)json_string_value(jti),
		                   json_string_length(jti), NULL, 0);
		rc = bw_db_tx(app->db, replay_tx, &x);
		if (rc == BW_ERR_EXISTS) {
			*reason = "replayed_jti";
			rc = BW_ERR_DENIED;
		}
	}
	json_decref(claims);
	return rc;
}

/* ---- the one entry point ---------------------------------------------------- */

static enum bw_err ip_key(struct bw_req *req, uint8_t out[BW_NETADDR_KEY_SIZE])
{
	struct bw_netaddr a;
	enum bw_err rc = bw_netaddr_parse(bw_str_c(bw_req_client_ip(req)), &a);

	if (rc == BW_OK)
		bw_netaddr_rate_key(&a, out);
	return rc;
}

static void audit_failure(struct bw_app *app, struct bw_req *req, const struct attempt *t,
                          enum bw_client_endpoint ep, enum bw_audit_outcome outcome)
{
	enum bw_client_auth_method m = method_of(t->how);
	/* the client_id as presented, only when it has the shape of one */
	struct bw_str id = t->client_id.len == BW_CLIENT_ID_LEN ? t->client_id : BW_STR("");
	struct bw_audit_detail d[] = {
	        BW_AUDIT_D_STR("client_id", id),
	        BW_AUDIT_D_STR("method", bw_str_c(bw_client_auth_method_name(m))),
	        BW_AUDIT_D_STR("endpoint", bw_str_c(endpoint_path(ep))),
	        BW_AUDIT_D_STR("reason", bw_str_c(t->reason != NULL ? t->reason : "unknown")),
	};

	bw_app_audit(app, req, "oauth.client_auth", outcome, 0, d, sizeof(d) / sizeof(d[0]));
	BW_LOG(app->log, BW_LOG_INFO, bw_req_id(req), "oauth.client_auth_refused",
	       BW_LOG_F_CSTR("reason", t->reason != NULL ? t->reason : "unknown"),
	       BW_LOG_F_CSTR("endpoint", endpoint_path(ep)));
}

enum bw_err bw_oauth_client_authenticate(struct bw_app *app, struct bw_req *req,
                                         const struct bw_oauth_form *form,
                                         enum bw_client_endpoint ep, struct bw_oauth_client **out)
{
	struct attempt t = {0};
	struct bw_oauth_client *c = NULL;
	uint8_t ip[BW_NETADDR_KEY_SIZE];
	bool allowed = false;
	enum bw_err rc;

	*out = NULL;
	rc = ip_key(req, ip);
	if (rc == BW_OK)
		rc = bw_req_rate_take(req, &client_auth_ip, ip, sizeof(ip), &allowed);
	if (rc != BW_OK || !allowed) {
		t.reason = "rate_limited";
		audit_failure(app, req, &t, ep, BW_AUDIT_LOCKED);
		return BW_ERR_LIMIT;
	}
	rc = gather(req, form, &t);
	if (rc == BW_OK) {
		rc = bw_oauth_client_find(app, t.client_id, bw_req_arena(req), &c);
		if (rc == BW_ERR_NOT_FOUND) {
			t.reason = "unknown_client";
			rc = BW_ERR_DENIED;
		}
	}
	if (rc == BW_OK && c->auth_method != method_of(t.how)) {
		t.reason = "not_the_registered_method";
		rc = BW_ERR_DENIED;
	}
	if (rc == BW_OK) {
		switch (t.how) {
		case P_BASIC:
		case P_POST:
			rc = check_secret(app, c, t.secret, &t.reason);
			break;
		case P_JWT:
			rc = check_assertion(app, c, t.assertion, ep, &t.reason);
			break;
		case P_NONE:
			if (ep == BW_CLIENT_EP_INTROSPECT) {
				t.reason = "public_client";
				rc = BW_ERR_DENIED;
			}
			break;
		}
	}
	if (rc == BW_OK) {
		*out = c;
		return BW_OK;
	}
	if (rc != BW_ERR_DENIED && rc != BW_ERR_INVALID)
		return rc; /* internal */
	audit_failure(app, req, &t, ep, BW_AUDIT_FAILURE);
	/* each failure also spends the address's small failure budget */
	if (bw_req_rate_take(req, &client_fail_ip, ip, sizeof(ip), &allowed) != BW_OK || !allowed)
		return BW_ERR_LIMIT;
	return rc;
}

enum bw_err bw_oauth_client_auth_refuse(struct bw_req *req, struct bw_resp *resp, enum bw_err rc)
{
	enum bw_err r;

	switch (rc) {
	case BW_ERR_INVALID:
		return bw_oauth_error(resp, 400, "invalid_request",
		                      "client authentication is malformed or uses more than one "
		                      "method");
	case BW_ERR_DENIED:
		r = bw_oauth_error(resp, 401, "invalid_client", "client authentication failed");
		if (r == BW_OK && bw_req_header(req, "Authorization") != NULL)
			r = bw_resp_header(resp, "WWW-Authenticate", BASIC_REALM);
		return r;
	case BW_ERR_LIMIT:
		return bw_oauth_error(resp, 429, "temporarily_unavailable",
		                      "too many attempts; retry later");
	default:
		return rc;
	}
}
