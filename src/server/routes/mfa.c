/*
 * mfa.c — the second factor's routes (API.md, Authentication): enrolment of
 * a TOTP key and its backup codes under /v1/me/mfa, the login's second
 * step POST /v1/auth/mfa, and re-authentication POST /v1/auth/reauth.
 *
 * Every change to the second factor is a sensitive action: starting an
 * enrolment (else a stolen session could tie the account to the thief's
 * phone and lock its owner out), disabling it and regenerating backup codes
 * need a password or code proof within auth.reauth_window (reauth.h).
 * Confirming needs the first code of the pending key, which only whoever
 * started the enrolment has seen. At confirmation the session is rotated and
 * every other session of the account ends: they were opened without the
 * factor that is now required.
 *
 * Code attempts are capped three ways: five per MFA token (then the token is
 * dead and the password step must be done again), account-wide growing
 * delays whatever the address (bw_mfa_limits), and the login limits in front
 * of every password step. Wrong codes are audited.
 *
 * The work is in the account actions (bw_account_mfa_*, bw_account_reauth,
 * mfa.h), which the pages (routes/web_mfa.c) call too; the routes here only
 * turn their outcome into JSON or a problem document.
 */
#include <string.h>
#include <time.h>

#include "../account.h"
#include "../mfa.h"
#include "../reauth.h"
#include "../sessions.h"
#include "bulwark/cookie.h"
#include "bulwark/qr.h"

#define CODE_MAX 32

/* ---- answers ------------------------------------------------------------- */

static enum bw_err rate_refused(struct bw_resp *resp)
{
	return bw_resp_problem(resp, 429, "rate-limited", "Too many requests",
	                       "Slow down and retry after the time given in Retry-After.", NULL);
}

static enum bw_err field_error(struct bw_resp *resp, const char *field, const char *code)
{
	struct bw_field_errors errs = {.count = 0};

	bw_field_errors_add(&errs, field, code);
	return bw_resp_problem(resp, 400, "invalid-body", "Invalid request body",
	                       "One or more fields are invalid.", &errs);
}

static enum bw_err conflict(struct bw_resp *resp, const char *slug, const char *detail)
{
	return bw_resp_problem(resp, 409, slug, "Conflict", detail, NULL);
}

static enum bw_err invalid_code(struct bw_resp *resp)
{
	return bw_resp_problem(resp, 401, "invalid-code", "Invalid code",
	                       "The code is wrong, expired or used already.", NULL);
}

static const char *kind_name(enum bw_mfa_kind k)
{
	return k == BW_MFA_KIND_BACKUP ? "backup_code" : "totp";
}

static json_t *codes_json(const struct bw_mfa_backup *b)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < BW_MFA_BACKUP_CODES; i++)
		if (json_array_append_new(a, json_string(b->codes[i])) != 0) {
			json_decref(a);
			a = NULL;
		}
	return a;
}

/* ---- the schemas ----------------------------------------------------------- */

static const struct bw_rule code_rule = BW_RULE_TEXT(1, CODE_MAX, 0);
static const struct bw_rule password_rule = BW_RULE_TEXT(1, 4096, 0);
static const struct bw_rule token_rule = {.kind = BW_RULE_TOKEN, .min = 1, .max = 256};

static const struct bw_json_field confirm_fields[] = {
        {.name = "code", .type = BW_JSON_STRING, .required = true, .rule = &code_rule},
};
static const struct bw_json_schema confirm_schema = {confirm_fields, 1};

static const struct bw_json_field second_step_fields[] = {
        {.name = "mfa_token", .type = BW_JSON_STRING, .required = true, .rule = &token_rule},
        {.name = "code", .type = BW_JSON_STRING, .required = true, .rule = &code_rule},
};
static const struct bw_json_schema second_step_schema = {second_step_fields, 2};

static const struct bw_json_field reauth_fields[] = {
        {.name = "password", .type = BW_JSON_STRING, .rule = &password_rule},
        {.name = "code", .type = BW_JSON_STRING, .rule = &code_rule},
};
static const struct bw_json_schema reauth_schema = {reauth_fields, 2};

/* ---- the account actions (mfa.h) ------------------------------------------------ */

static void set_result(struct bw_account_result *res, enum bw_account_status st, const char *field,
                       const char *code)
{
	res->status = st;
	res->field = field;
	res->code = code;
}

enum bw_err bw_account_mfa_begin(struct bw_req *req, struct bw_mfa_enrolment *out,
                                 struct bw_account_result *res)
{
	struct bw_app *app = bw_req_app(req);
	const struct bw_principal *p = bw_req_principal(req);
	struct bw_totp_params tp = BW_TOTP_DEFAULTS;
	uint8_t secret[BW_TOTP_SECRET_BYTES];
	char email[BW_AUTH_EMAIL_SIZE], hash[BW_PASSWORD_HASH_MAX];
	enum bw_err rc;

	memset(res, 0, sizeof(*res));
	memset(out, 0, sizeof(*out));
	bw_buf_init(&out->uri, 4096);
	bw_buf_init(&out->svg, 256 * 1024);
	/* else a stolen session could tie the account to the thief's phone */
	if (!bw_reauth_fresh(req)) {
		res->status = BW_ACCOUNT_REAUTH;
		return BW_OK;
	}
	rc = bw_auth_load_account(app, p->user_id, hash, email);
	bw_wipe(hash, sizeof(hash));
	if (rc != BW_OK)
		return rc;
	rc = bw_mfa_totp_begin(app, p->user_id, secret);
	if (rc == BW_ERR_EXISTS) {
		res->status = BW_ACCOUNT_STATE;
		return BW_OK;
	}
	if (rc != BW_OK)
		return rc;
	rc = bw_base32_encode(secret, sizeof(secret), out->secret, sizeof(out->secret));
	if (rc == BW_OK)
		rc = bw_otpauth_uri(&out->uri, bw_str_c(BW_MFA_ISSUER), bw_str_c(email), secret,
		                    sizeof(secret), &tp);
	if (rc == BW_OK)
		rc = bw_qr_svg(&out->svg, bw_buf_str(&out->uri), NULL);
	if (rc == BW_OK)
		bw_app_audit(app, req, "mfa.totp_enrol", BW_AUDIT_SUCCESS, p->user_id, NULL, 0);
	bw_wipe(secret, sizeof(secret));
	return rc;
}

void bw_mfa_enrolment_wipe(struct bw_mfa_enrolment *e)
{
	bw_wipe(e->secret, sizeof(e->secret));
	bw_buf_free(&e->uri); /* wipes */
	bw_buf_free(&e->svg);
}

enum bw_err bw_account_mfa_confirm(struct bw_req *req, struct bw_resp *resp, struct bw_str code,
                                   struct bw_mfa_backup *codes,
                                   char csrf[BW_CSRF_SESSION_TOKEN_SIZE],
                                   struct bw_account_result *res)
{
	struct bw_app *app = bw_req_app(req);
	const struct bw_principal *p = bw_req_principal(req);
	const struct bw_session_info *info = p->data;
	char pid[BW_PUBLIC_ID_SIZE];
	uint64_t ended = 0;
	bool allowed = false;
	enum bw_err rc;

	memset(res, 0, sizeof(*res));
	memset(codes, 0, sizeof(*codes));
	rc = bw_mfa_limits(req, p->user_id, &allowed);
	if (rc != BW_OK || !allowed) {
		res->status = BW_ACCOUNT_RATE_LIMITED;
		return BW_OK;
	}
	rc = bw_mfa_totp_confirm(app, p->user_id, code, codes);
	if (rc == BW_ERR_STATE) {
		res->status = BW_ACCOUNT_STATE;
		return BW_OK;
	}
	if (rc == BW_ERR_VERIFY) {
		bw_app_audit(app, req, "mfa.totp_confirm", BW_AUDIT_FAILURE, p->user_id, NULL, 0);
		set_result(res, BW_ACCOUNT_FIELD, "code", "invalid");
		return BW_OK;
	}
	if (rc != BW_OK)
		return rc;
	/* a privilege change: this session is replaced, the others end */
	rc = bw_sessions_delete_others(app, p->user_id, NULL, &ended);
	if (rc == BW_OK)
		rc = bw_auth_open_session(req, resp, p->user_id, (int64_t)time(NULL), csrf, pid);
	if (rc != BW_OK) {
		bw_wipe(codes, sizeof(*codes));
		return rc;
	}
	{
		struct bw_audit_detail d[] = {
		        BW_AUDIT_D_INT("others_ended", ended),
		        BW_AUDIT_D_STR("replaced_sid", bw_str_c(info->public_id)),
		        BW_AUDIT_D_STR("sid", bw_str_c(pid))};

		bw_app_audit(app, req, "mfa.totp_confirm", BW_AUDIT_SUCCESS, p->user_id, d, 3);
	}
	return BW_OK;
}

enum bw_err bw_account_mfa_disable(struct bw_req *req, bool *removed, struct bw_account_result *res)
{
	struct bw_app *app = bw_req_app(req);
	const struct bw_principal *p = bw_req_principal(req);
	enum bw_err rc;

	memset(res, 0, sizeof(*res));
	*removed = false;
	if (!bw_reauth_fresh(req)) {
		res->status = BW_ACCOUNT_REAUTH;
		return BW_OK;
	}
	rc = bw_mfa_disable(app, p->user_id, removed);
	if (rc == BW_OK && *removed)
		bw_app_audit(app, req, "mfa.totp_disable", BW_AUDIT_SUCCESS, p->user_id, NULL, 0);
	return rc;
}

enum bw_err bw_account_mfa_backup(struct bw_req *req, struct bw_mfa_backup *codes,
                                  struct bw_account_result *res)
{
	struct bw_app *app = bw_req_app(req);
	const struct bw_principal *p = bw_req_principal(req);
	enum bw_err rc;

	memset(res, 0, sizeof(*res));
	memset(codes, 0, sizeof(*codes));
	if (!bw_reauth_fresh(req)) {
		res->status = BW_ACCOUNT_REAUTH;
		return BW_OK;
	}
	rc = bw_mfa_backup_regenerate(app, p->user_id, codes);
	if (rc == BW_ERR_STATE) {
		res->status = BW_ACCOUNT_STATE;
		return BW_OK;
	}
	if (rc == BW_OK)
		bw_app_audit(app, req, "mfa.backup_codes_regenerated", BW_AUDIT_SUCCESS, p->user_id,
		             NULL, 0);
	return rc;
}

enum bw_err bw_account_mfa_login(struct bw_req *req, struct bw_resp *resp, struct bw_str token,
                                 struct bw_str code, struct bw_account_login *out)
{
	struct bw_app *app = bw_req_app(req);
	char pid[BW_PUBLIC_ID_SIZE];
	enum bw_mfa_kind kind = BW_MFA_KIND_TOTP;
	int64_t uid = 0;
	bool allowed = false;
	enum bw_err rc;

	memset(out, 0, sizeof(*out));
	rc = bw_mfa_token_attempt(app, token, &uid);
	if (rc == BW_ERR_NOT_FOUND) {
		bw_app_audit(app, req, "auth.mfa", BW_AUDIT_DENIED, 0, NULL, 0);
		out->status = BW_ACCOUNT_NOT_FOUND;
		return BW_OK;
	}
	if (rc != BW_OK)
		return rc;
	rc = bw_mfa_limits(req, uid, &allowed);
	if (rc != BW_OK || !allowed) {
		out->status = BW_ACCOUNT_RATE_LIMITED;
		return BW_OK;
	}
	rc = bw_mfa_check_code(app, uid, code, &kind);
	if (rc == BW_ERR_VERIFY) {
		struct bw_audit_detail d[] = {BW_AUDIT_D_STR("kind", bw_str_c(kind_name(kind)))};

		bw_app_audit(app, req, "auth.mfa", BW_AUDIT_FAILURE, uid, d, 1);
		out->status = BW_ACCOUNT_DENIED;
		return BW_OK;
	}
	if (rc == BW_ERR_STATE) { /* disabled since the password step */
		out->status = BW_ACCOUNT_NOT_FOUND;
		return BW_OK;
	}
	if (rc != BW_OK)
		return rc;
	/* single use; a concurrent success with the same token wins alone */
	rc = bw_mfa_token_consume(app, token);
	if (rc == BW_ERR_NOT_FOUND) {
		out->status = BW_ACCOUNT_NOT_FOUND;
		return BW_OK;
	}
	if (rc == BW_OK)
		rc = bw_auth_user_public_id(app, uid, out->public_id);
	if (rc == BW_OK)
		rc = bw_auth_open_session(req, resp, uid, (int64_t)time(NULL), out->csrf_token,
		                          pid);
	if (rc != BW_OK)
		return rc;
	{
		struct bw_audit_detail d[] = {BW_AUDIT_D_STR("sid", bw_str_c(pid)),
		                              BW_AUDIT_D_STR("mfa", bw_str_c(kind_name(kind)))};

		bw_app_audit(app, req, "auth.login", BW_AUDIT_SUCCESS, uid, d, 2);
	}
	out->status = BW_ACCOUNT_OK;
	return BW_OK;
}

/* The password proof of re-authentication; *res set on a refusal. */
static enum bw_err reauth_password(struct bw_req *req, struct bw_str password,
                                   struct bw_account_result *res)
{
	struct bw_app *app = bw_req_app(req);
	const struct bw_principal *p = bw_req_principal(req);
	char email[BW_AUTH_EMAIL_SIZE], hash[BW_PASSWORD_HASH_MAX];
	bool allowed = false;
	enum bw_err rc;

	hash[0] = '\0';
	rc = bw_auth_load_account(app, p->user_id, hash, email);
	if (rc == BW_OK)
		rc = bw_auth_login_limits(req, bw_str_c(email), &allowed);
	if (rc != BW_OK || !allowed) {
		res->status = BW_ACCOUNT_RATE_LIMITED;
		rc = BW_OK;
	} else if (bw_password_verify(bw_str_c(hash), password) != BW_OK) {
		struct bw_audit_detail d[] = {BW_AUDIT_D_STR("method", bw_str_c("password"))};

		bw_app_audit(app, req, "auth.reauth", BW_AUDIT_FAILURE, p->user_id, d, 1);
		res->status = BW_ACCOUNT_DENIED;
	}
	bw_wipe(hash, sizeof(hash));
	return rc;
}

/* The code proof of re-authentication; *res set on a refusal, *method to what matched. */
static enum bw_err reauth_code(struct bw_req *req, struct bw_str code, const char **method,
                               struct bw_account_result *res)
{
	struct bw_app *app = bw_req_app(req);
	const struct bw_principal *p = bw_req_principal(req);
	enum bw_mfa_kind kind = BW_MFA_KIND_TOTP;
	bool allowed = false;
	enum bw_err rc = bw_mfa_limits(req, p->user_id, &allowed);

	if (rc != BW_OK || !allowed) {
		res->status = BW_ACCOUNT_RATE_LIMITED;
		return BW_OK;
	}
	rc = bw_mfa_check_code(app, p->user_id, code, &kind);
	if (rc == BW_ERR_VERIFY || rc == BW_ERR_STATE) {
		struct bw_audit_detail d[] = {BW_AUDIT_D_STR("method", bw_str_c("code")),
		                              BW_AUDIT_D_STR("kind", bw_str_c(kind_name(kind)))};

		bw_app_audit(app, req, "auth.reauth", BW_AUDIT_FAILURE, p->user_id, d, 2);
		res->status = BW_ACCOUNT_DENIED;
		return BW_OK;
	}
	*method = kind_name(kind);
	return rc;
}

enum bw_err bw_account_reauth(struct bw_req *req, const struct bw_str *password,
                              const struct bw_str *code, struct bw_account_result *res)
{
	struct bw_app *app = bw_req_app(req);
	const struct bw_principal *p = bw_req_principal(req);
	const struct bw_session_info *info = p->data;
	enum bw_mfa_state mfa = BW_MFA_NONE;
	const char *method = "password";
	unsigned left = 0;
	enum bw_err rc;

	memset(res, 0, sizeof(*res));
	if ((password == NULL) == (code == NULL)) {
		set_result(res, BW_ACCOUNT_FIELD, "(body)", "password_or_code");
		return BW_OK;
	}
	rc = bw_mfa_status(app, p->user_id, &mfa, &left);
	if (rc != BW_OK)
		return rc;
	if (password != NULL) {
		/* with a second factor in force the password alone proves less than the
		 * login did: a thief holding the session may have phished it too */
		if (mfa == BW_MFA_CONFIRMED) {
			res->status = BW_ACCOUNT_MFA_REQUIRED;
			return BW_OK;
		}
		rc = reauth_password(req, *password, res);
	} else {
		if (mfa != BW_MFA_CONFIRMED) {
			set_result(res, BW_ACCOUNT_FIELD, "code", "mfa_not_enabled");
			return BW_OK;
		}
		rc = reauth_code(req, *code, &method, res);
	}
	if (rc != BW_OK || res->status != BW_ACCOUNT_OK)
		return rc;
	rc = bw_sessions_set_auth_time(app, &info->hash, (int64_t)time(NULL));
	if (rc != BW_OK)
		return rc;
	{
		struct bw_audit_detail d[] = {BW_AUDIT_D_STR("method", bw_str_c(method)),
		                              BW_AUDIT_D_STR("sid", bw_str_c(info->public_id))};

		bw_app_audit(app, req, "auth.reauth", BW_AUDIT_SUCCESS, p->user_id, d, 2);
	}
	return BW_OK;
}

/* ---- GET /v1/me/mfa ---------------------------------------------------------- */

static enum bw_err route_status(struct bw_req *req, struct bw_resp *resp)
{
	const struct bw_principal *p = bw_req_principal(req);
	enum bw_mfa_state st = BW_MFA_NONE;
	unsigned left = 0;
	enum bw_err rc = bw_mfa_status(bw_req_app(req), p->user_id, &st, &left);
	static const char *const names[] = {"none", "pending", "confirmed"};

	if (rc != BW_OK)
		return rc;
	return bw_auth_json(resp, 200,
	                    json_pack("{s:s,s:I}", "totp", names[st], "backup_codes_remaining",
	                              (json_int_t)left));
}

/* ---- POST /v1/me/mfa/totp ---------------------------------------------------- */

static enum bw_err route_totp_begin(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_mfa_enrolment e;
	struct bw_account_result res;
	enum bw_err rc = bw_account_mfa_begin(req, &e, &res);

	if (rc == BW_OK && res.status == BW_ACCOUNT_REAUTH)
		rc = bw_reauth_problem(resp);
	else if (rc == BW_OK && res.status == BW_ACCOUNT_STATE)
		rc = conflict(resp, "mfa-enabled",
		              "Two-factor authentication is on already; disable it first.");
	else if (rc == BW_OK)
		rc = bw_auth_json(resp, 200,
		                  json_pack("{s:s,s:s,s:s}", "secret", e.secret, "otpauth_uri",
		                            bw_buf_cstr(&e.uri), "qr_svg", bw_buf_cstr(&e.svg)));
	bw_mfa_enrolment_wipe(&e);
	return rc;
}

/* ---- POST /v1/me/mfa/totp/confirm ------------------------------------------- */

static enum bw_err route_totp_confirm(struct bw_req *req, struct bw_resp *resp)
{
	char csrf[BW_CSRF_SESSION_TOKEN_SIZE];
	struct bw_account_result res;
	struct bw_mfa_backup codes;
	struct bw_str code;
	enum bw_err rc;

	if (bw_json_get_str(bw_req_json(req), &confirm_schema, "code", &code) != BW_OK)
		return BW_ERR_INTERNAL; /* the pipeline held the body to the schema */
	rc = bw_account_mfa_confirm(req, resp, code, &codes, csrf, &res);
	if (rc != BW_OK)
		return rc;
	switch (res.status) {
	case BW_ACCOUNT_RATE_LIMITED:
		return rate_refused(resp);
	case BW_ACCOUNT_STATE:
		return conflict(resp, "mfa-not-pending",
		                "No enrolment is pending: POST /v1/me/mfa/totp first.");
	case BW_ACCOUNT_FIELD:
		return field_error(resp, res.field, res.code);
	default:
		break;
	}
	rc = bw_auth_json(
	        resp, 200,
	        json_pack("{s:o,s:s}", "backup_codes", codes_json(&codes), "csrf_token", csrf));
	bw_wipe(&codes, sizeof(codes));
	return rc;
}

/* ---- DELETE /v1/me/mfa/totp --------------------------------------------------- */

static enum bw_err route_totp_delete(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_account_result res;
	bool removed = false;
	enum bw_err rc = bw_account_mfa_disable(req, &removed, &res);

	if (rc != BW_OK)
		return rc;
	if (res.status == BW_ACCOUNT_REAUTH)
		return bw_reauth_problem(resp);
	bw_resp_status(resp, 204);
	return BW_OK;
}

/* ---- POST /v1/me/mfa/backup-codes ---------------------------------------------- */

static enum bw_err route_backup_regenerate(struct bw_req *req, struct bw_resp *resp)
{
	struct bw_account_result res;
	struct bw_mfa_backup codes;
	enum bw_err rc = bw_account_mfa_backup(req, &codes, &res);

	if (rc != BW_OK)
		return rc;
	if (res.status == BW_ACCOUNT_REAUTH)
		return bw_reauth_problem(resp);
	if (res.status == BW_ACCOUNT_STATE)
		return conflict(resp, "mfa-not-enabled", "Two-factor authentication is not on.");
	rc = bw_auth_json(resp, 200, json_pack("{s:o}", "backup_codes", codes_json(&codes)));
	bw_wipe(&codes, sizeof(codes));
	return rc;
}

/* ---- POST /v1/auth/mfa ---------------------------------------------------------- */

static enum bw_err route_second_step(struct bw_req *req, struct bw_resp *resp)
{
	const json_t *body = bw_req_json(req);
	struct bw_account_login res;
	struct bw_str token, code;
	enum bw_err rc;

	/* the pre-session CSRF check is the route's (BW_CSRF_PRESESSION), before this */
	if (bw_json_get_str(body, &second_step_schema, "mfa_token", &token) != BW_OK ||
	    bw_json_get_str(body, &second_step_schema, "code", &code) != BW_OK)
		return BW_ERR_INTERNAL; /* the pipeline held the body to the schema */
	rc = bw_account_mfa_login(req, resp, token, code, &res);
	if (rc != BW_OK)
		return rc;
	switch (res.status) {
	case BW_ACCOUNT_NOT_FOUND:
		return bw_resp_problem(resp, 401, "mfa-token-invalid", "Sign in again",
		                       "The sign-in attempt is unknown, expired or out of tries: "
		                       "start again with the password.",
		                       NULL);
	case BW_ACCOUNT_RATE_LIMITED:
		return rate_refused(resp);
	case BW_ACCOUNT_DENIED:
		return invalid_code(resp);
	default:
		break;
	}
	rc = bw_auth_json(
	        resp, 200,
	        json_pack("{s:s,s:s}", "id", res.public_id, "csrf_token", res.csrf_token));
	bw_wipe(&res, sizeof(res));
	return rc;
}

/* ---- POST /v1/auth/reauth ---------------------------------------------------------- */

static enum bw_err route_reauth(struct bw_req *req, struct bw_resp *resp)
{
	const json_t *body = bw_req_json(req);
	struct bw_str password = {NULL, 0}, code = {NULL, 0};
	struct bw_account_result res;
	bool has_pw, has_code;
	enum bw_err rc;

	has_pw = bw_json_get_str(body, &reauth_schema, "password", &password) == BW_OK;
	has_code = bw_json_get_str(body, &reauth_schema, "code", &code) == BW_OK;
	rc = bw_account_reauth(req, has_pw ? &password : NULL, has_code ? &code : NULL, &res);
	if (rc != BW_OK)
		return rc;
	switch (res.status) {
	case BW_ACCOUNT_FIELD:
		return field_error(resp, res.field, res.code);
	case BW_ACCOUNT_MFA_REQUIRED:
		return bw_resp_problem(resp, 401, "mfa-code-required", "Code required",
		                       "This account uses two-factor authentication: "
		                       "re-authenticate with a code.",
		                       NULL);
	case BW_ACCOUNT_RATE_LIMITED:
		return rate_refused(resp);
	case BW_ACCOUNT_DENIED:
		if (has_pw)
			return bw_resp_problem(resp, 401, "invalid-credentials",
			                       "Invalid credentials", "The password is wrong.",
			                       NULL);
		return invalid_code(resp);
	default:
		break;
	}
	bw_resp_status(resp, 204);
	return BW_OK;
}

/* ---- the routes --------------------------------------------------------------- */

const struct bw_route bw_routes_mfa[] = {
        {.path = "/v1/me/mfa", .methods = BW_GET, .handler = route_status, .auth = BW_AUTH_SESSION},
        {.path = "/v1/me/mfa/totp",
         .methods = BW_POST,
         .handler = route_totp_begin,
         .auth = BW_AUTH_SESSION,
         .csrf = BW_CSRF_TOKEN,
         .no_store = true},
        {.path = "/v1/me/mfa/totp",
         .methods = BW_DELETE,
         .handler = route_totp_delete,
         .auth = BW_AUTH_SESSION,
         .csrf = BW_CSRF_TOKEN},
        {.path = "/v1/me/mfa/totp/confirm",
         .methods = BW_POST,
         .handler = route_totp_confirm,
         .body = BW_BODY_JSON,
         .body_max = 4096,
         .schema = &confirm_schema,
         .auth = BW_AUTH_SESSION,
         .csrf = BW_CSRF_TOKEN,
         .no_store = true},
        {.path = "/v1/me/mfa/backup-codes",
         .methods = BW_POST,
         .handler = route_backup_regenerate,
         .auth = BW_AUTH_SESSION,
         .csrf = BW_CSRF_TOKEN,
         .no_store = true},
        {.path = "/v1/auth/mfa",
         .methods = BW_POST,
         .handler = route_second_step,
         .body = BW_BODY_JSON,
         .body_max = 4096,
         .schema = &second_step_schema,
         .csrf = BW_CSRF_PRESESSION,
         .no_store = true},
        {.path = "/v1/auth/reauth",
         .methods = BW_POST,
         .handler = route_reauth,
         .body = BW_BODY_JSON,
         .body_max = 16384,
         .schema = &reauth_schema,
         .auth = BW_AUTH_SESSION,
         .csrf = BW_CSRF_TOKEN,
         .slow = true,
         .no_store = true},
};

const size_t bw_routes_mfa_n = sizeof(bw_routes_mfa) / sizeof(bw_routes_mfa[0]);
