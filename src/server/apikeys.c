/*
 * apikeys.c — the API key store (apikeys.h) over the api_keys table, and the
 * verifier the authenticator calls for "Authorization: Bearer bwk_…".
 * Only keyed hashes of keys are stored; expiry is checked against the row on
 * each use and the owner's role is read with the key, so a stale row or a
 * demoted owner cannot keep more than it has now.
 */
#include "apikeys.h"

#include <string.h>
#include <time.h>

#include "bulwark/log.h"

static const char *const builtin_scopes[] = {"profile", "email", NULL};

enum bw_err bw_apikeys_start(struct bw_app *app)
{
	if (app->db == NULL || app->apikey_key == NULL)
		return BW_ERR_STATE;
	return BW_OK;
}

bool bw_apikeys_scope_allowed(const struct bw_app *app, struct bw_str scope, const char *role)
{
	if (bw_str_eq_c(scope, "admin"))
		return role != NULL && strcmp(role, "admin") == 0;
	for (size_t i = 0; builtin_scopes[i] != NULL; i++)
		if (bw_str_eq_c(scope, builtin_scopes[i]))
			return true;
	for (size_t i = 0; i < app->settings.n_oauth_api_scopes; i++)
		if (bw_str_eq_c(scope, app->settings.oauth_api_scopes[i]))
			return true;
	return false;
}

/* ---- create ---------------------------------------------------------------- */

struct create_ctx {
	const struct bw_apikey_spec *spec;
	const struct bw_apikey_hash *hash;
	const char *public_id;
	const char *scopes; /* space-separated */
	int64_t now, expires;
	bool full;
};

static enum bw_err create_tx(struct bw_db_conn *c, void *vctx)
{
	struct create_ctx *x = vctx;
	struct bw_db_stmt *st = NULL;
	int64_t live = 0;
	enum bw_err rc;
	bool row;

	rc = bw_db_prepare(c, BW_SQL("DELETE FROM api_keys WHERE user_id = ? AND expires_at <= ?"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, x->spec->user_id);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, x->now);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	st = NULL;
	if (rc == BW_OK)
		rc = bw_db_prepare(c, BW_SQL("SELECT COUNT(*) FROM api_keys WHERE user_id = ?"),
		                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, x->spec->user_id);
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 0, &live);
	bw_db_finish(st);
	st = NULL;
	if (rc != BW_OK)
		return rc;
	if (live >= BW_APIKEY_MAX_PER_USER) {
		x->full = true;
		return BW_ERR_LIMIT; /* rolls back the purge too: nothing changes */
	}
	rc = bw_db_prepare(c,
	                   BW_SQL("INSERT INTO api_keys (user_id, public_id, name, key_hash, "
	                          "scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, x->spec->user_id);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 2, x->public_id, strlen(x->public_id));
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 3, x->spec->name.p, x->spec->name.len);
	if (rc == BW_OK)
		rc = bw_db_bind_blob(st, 4, x->hash->bytes, sizeof(x->hash->bytes));
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 5, x->scopes, strlen(x->scopes));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 6, x->now);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 7, x->expires);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	return rc;
}

enum bw_err bw_apikeys_create(struct bw_app *app, const struct bw_apikey_spec *spec,
                              char key[BW_APIKEY_SIZE], char public_id[BW_PUBLIC_ID_SIZE],
                              int64_t *expires_at)
{
	char scopes[BW_APIKEY_SCOPES_MAX * (BW_APIKEY_SCOPE_MAX + 1) + 1];
	struct bw_apikey_hash h;
	struct create_ctx x;
	size_t n = 0;
	enum bw_err rc;

	BW_REQUIRE(app != NULL && spec != NULL && key != NULL && public_id != NULL &&
	           expires_at != NULL && spec->user_id > 0);
	BW_REQUIRE(spec->n_scopes <= BW_APIKEY_SCOPES_MAX && spec->ttl_s >= BW_APIKEY_TTL_MIN_S &&
	           spec->ttl_s <= BW_APIKEY_TTL_MAX_S);
	for (size_t i = 0; i < spec->n_scopes; i++) {
		BW_REQUIRE(spec->scopes[i].len > 0 && spec->scopes[i].len <= BW_APIKEY_SCOPE_MAX &&
		           memchr(spec->scopes[i].p, ' ', spec->scopes[i].len) == NULL);
		if (i > 0)
			scopes[n++] = ' ';
		memcpy(scopes + n, spec->scopes[i].p, spec->scopes[i].len);
		n += spec->scopes[i].len;
	}
	scopes[n] = '\0';
	bw_apikey_new(key);
	rc = bw_apikey_hash(app->apikey_key, bw_str_c(key), &h);
	if (rc != BW_OK)
		goto out;
	bw_public_id_new(public_id);
	memset(&x, 0, sizeof(x));
	x.spec = spec;
	x.hash = &h;
	x.public_id = public_id;
	x.scopes = scopes;
	x.now = (int64_t)time(NULL);
	x.expires = x.now + spec->ttl_s;
	rc = bw_db_tx(app->db, create_tx, &x);
	if (x.full)
		rc = BW_ERR_LIMIT;
	if (rc == BW_OK)
		*expires_at = x.expires;
out:
	if (rc != BW_OK)
		bw_wipe(key, BW_APIKEY_SIZE);
	return rc;
}

/* ---- list and revoke ----------------------------------------------------- */

/* "a b c" as a JSON array of strings. */
static json_t *scope_array(struct bw_str s)
{
	json_t *a = json_array();
	size_t i = 0;

	while (a != NULL && i < s.len) {
		size_t j = i;

		while (j < s.len && s.p[j] != ' ')
			j++;
		if (j > i && json_array_append_new(a, json_stringn(s.p + i, j - i)) != 0) {
			json_decref(a);
			return NULL;
		}
		i = j + 1;
	}
	return a;
}

enum bw_err bw_apikeys_list(struct bw_app *app, int64_t user_id, json_t **out)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	json_t *items = json_array();
	enum bw_err rc;
	bool row = false;

	BW_REQUIRE(user_id > 0 && out != NULL);
	*out = NULL;
	if (items == NULL)
		return BW_ERR_NOMEM;
	rc = bw_db_acquire(app->db, &c);
	if (rc == BW_OK)
		rc = bw_db_prepare(c,
		                   BW_SQL("SELECT public_id, name, scopes, created_at, expires_at, "
		                          "last_used_at FROM api_keys WHERE user_id = ? AND "
		                          "expires_at > ? ORDER BY created_at DESC, id DESC"),
		                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, user_id);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, (int64_t)time(NULL));
	while (rc == BW_OK && (rc = bw_db_step(st, &row)) == BW_OK && row) {
		struct bw_str pid, name, scopes;
		int64_t created = 0, expires = 0, used = 0;
		bool never = false;
		json_t *o, *sa;

		rc = bw_db_col_text(st, 0, &pid);
		if (rc == BW_OK)
			rc = bw_db_col_text(st, 1, &name);
		if (rc == BW_OK)
			rc = bw_db_col_text(st, 2, &scopes);
		if (rc == BW_OK)
			rc = bw_db_col_int64(st, 3, &created);
		if (rc == BW_OK)
			rc = bw_db_col_int64(st, 4, &expires);
		if (rc == BW_OK)
			rc = bw_db_col_is_null(st, 5, &never);
		if (rc == BW_OK && !never)
			rc = bw_db_col_int64(st, 5, &used);
		if (rc != BW_OK)
			break;
		sa = scope_array(scopes);
		o = sa == NULL ? NULL
		               : json_pack("{s:s%,s:s%,s:o,s:I,s:I,s:o}", "id", pid.p, pid.len,
		                           "name", name.p, name.len, "scopes", sa, "created_at",
		                           (json_int_t)created, "expires_at", (json_int_t)expires,
		                           "last_used_at",
		                           never ? json_null() : json_integer((json_int_t)used));
		if (o == NULL || json_array_append_new(items, o) != 0)
			rc = BW_ERR_NOMEM;
	}
	bw_db_finish(st);
	bw_db_release(c);
	if (rc != BW_OK) {
		json_decref(items);
		return rc;
	}
	*out = items;
	return BW_OK;
}

enum bw_err bw_apikeys_revoke(struct bw_app *app, int64_t user_id, struct bw_str public_id)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	uint64_t n = 0;
	enum bw_err rc;
	bool row;

	BW_REQUIRE(user_id > 0);
	if (public_id.len != BW_PUBLIC_ID_LEN)
		return BW_ERR_NOT_FOUND;
	rc = bw_db_acquire(app->db, &c);
	if (rc != BW_OK)
		return rc;
	/* the owner in the WHERE clause: another user's id deletes nothing */
	rc = bw_db_prepare(c, BW_SQL("DELETE FROM api_keys WHERE user_id = ? AND public_id = ?"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, user_id);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 2, public_id.p, public_id.len);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	if (rc == BW_OK)
		rc = bw_db_changes(st, &n);
	bw_db_finish(st);
	bw_db_release(c);
	if (rc == BW_OK && n == 0)
		rc = BW_ERR_NOT_FOUND;
	return rc;
}

/* ---- verify -------------------------------------------------------------- */

/* The key's stored scopes still allowed now into out->scopes (arena copies). */
static enum bw_err fill_scopes(struct bw_app *app, struct bw_req *req, struct bw_str s,
                               struct bw_principal *out)
{
	size_t i = 0, k = 0;

	while (i < s.len && k < BW_PRINCIPAL_MAX_SCOPES) {
		size_t j = i;
		struct bw_str one;

		while (j < s.len && s.p[j] != ' ')
			j++;
		one = (struct bw_str){s.p + i, j - i};
		if (one.len > 0 && bw_apikeys_scope_allowed(app, one, out->role)) {
			out->scopes[k] = bw_arena_strndup(bw_req_arena(req), one.p, one.len);
			if (out->scopes[k] == NULL)
				return BW_ERR_NOMEM;
			k++;
		}
		i = j + 1;
	}
	out->scopes[k] = NULL;
	return BW_OK;
}

static enum bw_err touch(struct bw_db_conn *c, int64_t id, int64_t now)
{
	struct bw_db_stmt *st = NULL;
	enum bw_err rc;
	bool row;

	/* the condition keeps concurrent uses from writing the same minute twice */
	rc = bw_db_prepare(c,
	                   BW_SQL("UPDATE api_keys SET last_used_at = ? WHERE id = ? AND "
	                          "(last_used_at IS NULL OR last_used_at <= ?)"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, now);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, id);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 3, now - BW_APIKEY_TOUCH_S);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	return rc;
}

static void log_refusal(struct bw_app *app, struct bw_req *req, const char *reason)
{
	BW_LOG(app->log, BW_LOG_INFO, bw_req_id(req), "apikey.refused",
	       BW_LOG_F_CSTR("reason", reason));
}

enum bw_err bw_apikeys_verify(struct bw_app *app, struct bw_req *req, struct bw_str token,
                              struct bw_principal *out)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	struct bw_apikey_hash h, stored;
	struct bw_apikey_info *info;
	struct bw_str pid, scopes, role;
	const uint8_t *blob = NULL;
	size_t bloblen = 0;
	int64_t user_id = 0, now = (int64_t)time(NULL);
	bool never = false;
	enum bw_err rc;

	/* format and checksum first: a malformed or mistyped key never reaches the database */
	rc = bw_apikey_hash(app->apikey_key, token, &h);
	if (rc == BW_ERR_INVALID) {
		log_refusal(app, req, "malformed");
		return BW_ERR_DENIED;
	}
	if (rc != BW_OK)
		return rc;
	info = bw_arena_calloc(bw_req_arena(req), 1, sizeof(*info));
	if (info == NULL)
		return BW_ERR_NOMEM;
	rc = bw_db_acquire(app->db, &c);
	if (rc != BW_OK)
		return rc;
	/* the join: a key whose owner is gone authenticates no one */
	rc = bw_db_prepare(c,
	                   BW_SQL("SELECT k.id, k.user_id, k.public_id, k.scopes, k.expires_at, "
	                          "k.last_used_at, k.key_hash, u.role FROM api_keys k "
	                          "JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_blob(st, 1, h.bytes, sizeof(h.bytes));
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 0, &info->row_id);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 1, &user_id);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 2, &pid);
	if (rc == BW_OK && pid.len != BW_PUBLIC_ID_LEN)
		rc = BW_ERR_INTERNAL;
	if (rc == BW_OK) {
		memcpy(info->public_id, pid.p, pid.len);
		info->public_id[pid.len] = '\0';
		rc = bw_db_col_text(st, 3, &scopes);
	}
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 4, &info->expires_at);
	if (rc == BW_OK)
		rc = bw_db_col_is_null(st, 5, &never);
	if (rc == BW_OK && !never)
		rc = bw_db_col_int64(st, 5, &info->last_used_at);
	if (rc == BW_OK)
		rc = bw_db_col_blob(st, 6, &blob, &bloblen);
	if (rc == BW_OK && bloblen != sizeof(stored.bytes))
		rc = BW_ERR_INTERNAL;
	/* the index found it; still compare in constant time */
	if (rc == BW_OK) {
		memcpy(stored.bytes, blob, bloblen);
		if (!bw_apikey_hash_eq(&stored, &h))
			rc = BW_ERR_NOT_FOUND;
	}
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 7, &role);
	if (rc == BW_OK && (role.len == 0 || role.len >= sizeof(out->role)))
		rc = BW_ERR_INTERNAL;
	if (rc == BW_OK) {
		memcpy(out->role, role.p, role.len);
		out->role[role.len] = '\0';
		rc = fill_scopes(app, req, scopes, out);
	}
	bw_db_finish(st);
	if (rc == BW_ERR_NOT_FOUND) {
		log_refusal(app, req, "unknown");
		rc = BW_ERR_DENIED;
		goto out;
	}
	if (rc != BW_OK)
		goto out;
	if (now >= info->expires_at) {
		log_refusal(app, req, "expired");
		rc = BW_ERR_DENIED;
		goto out;
	}
	if (never || now - info->last_used_at >= BW_APIKEY_TOUCH_S) {
		rc = touch(c, info->row_id, now);
		if (rc == BW_OK)
			info->last_used_at = now;
	}
	if (rc == BW_OK) {
		out->user_id = user_id;
		out->auth_time = 0; /* never a recent proof: sensitive actions refuse keys */
		out->data = info;
	}
out:
	bw_db_release(c);
	if (rc != BW_OK) {
		memset(out, 0, sizeof(*out));
		bw_wipe(&h, sizeof(h));
	}
	return rc;
}
