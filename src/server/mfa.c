/*
 * mfa.c — the MFA store (mfa.h): encrypted TOTP keys, backup codes as keyed
 * hashes, and the login's MFA tokens. Each change that must be all or
 * nothing (confirming a key with its backup codes, regenerating codes,
 * disabling) runs in one transaction; each use of a one-time thing (a TOTP
 * step, a backup code, a token attempt) is one conditional UPDATE whose
 * row count says whether this request won.
 */
#include "mfa.h"

#include <string.h>
#include <time.h>

#include <sodium.h>

#include "bulwark/keys.h"
#include "bulwark/random.h"
#include "bulwark/secret.h"

#define TOKEN_LABEL  "mfa_token"
#define AD_LABEL     "bulwark-totp-v1"
#define NONCE_BYTES  crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES    crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SEALED_BYTES (NONCE_BYTES + BW_TOTP_SECRET_BYTES + TAG_BYTES)
#define CODE_CHARS   12 /* a backup code without its dashes: 60 bits */

_Static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == BW_PURPOSE_KEY_BYTES,
               "the field key is an XChaCha20-Poly1305 key");

/* Account-wide, whatever the address or token: ten codes, then one every
 * minute, and after fifty in a day one every half hour. A botnet holding the
 * password gets no more tries than one client would. */
static const struct bw_rl_policy mfa_acct = {
        .name = "mfa-acct", .limit = 10, .period_s = 600, .burst = 10};
static const struct bw_rl_policy mfa_acct_day = {
        .name = "mfa-acct-day", .limit = 50, .period_s = 86400, .burst = 50};

enum bw_err bw_mfa_limits(struct bw_req *req, int64_t user_id, bool *allowed)
{
	struct bw_app *app = bw_req_app(req);
	const struct bw_rl_policy *steps[] = {&mfa_acct, &mfa_acct_day};
	uint8_t key[8];
	enum bw_err rc = BW_OK;

	for (int i = 7, v = 0; i >= 0; i--, v++)
		key[i] = (uint8_t)((uint64_t)user_id >> (8 * v));
	*allowed = false;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		rc = bw_req_rate_take(req, steps[i], key, sizeof(key), allowed);
		if (rc != BW_OK || !*allowed) {
			struct bw_audit_detail d[] = {
			        BW_AUDIT_D_STR("limit", bw_str_c(steps[i]->name))};

			*allowed = false;
			bw_app_audit(app, req, "auth.rate_limited", BW_AUDIT_LOCKED, user_id, d, 1);
			return rc;
		}
	}
	return rc;
}

/* ---- encryption of the secret ------------------------------------------- */

static void user_ad(int64_t user_id, uint8_t ad[sizeof(AD_LABEL) - 1 + 8])
{
	memcpy(ad, AD_LABEL, sizeof(AD_LABEL) - 1);
	for (int i = 0; i < 8; i++)
		ad[sizeof(AD_LABEL) - 1 + (size_t)i] = (uint8_t)((uint64_t)user_id >> (56 - 8 * i));
}

static enum bw_err seal(struct bw_app *app, int64_t user_id,
                        const uint8_t secret[BW_TOTP_SECRET_BYTES], uint8_t out[SEALED_BYTES])
{
	uint8_t ad[sizeof(AD_LABEL) - 1 + 8];
	unsigned long long clen = 0;

	user_ad(user_id, ad);
	bw_random_bytes(out, NONCE_BYTES);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(out + NONCE_BYTES, &clen, secret,
	                                               BW_TOTP_SECRET_BYTES, ad, sizeof(ad), NULL,
	                                               out, bw_secret_bytes(app->field_key)) != 0 ||
	    clen != BW_TOTP_SECRET_BYTES + TAG_BYTES)
		return BW_ERR_CRYPTO;
	return BW_OK;
}

static enum bw_err open_sealed(struct bw_app *app, int64_t user_id, const uint8_t *in, size_t len,
                               uint8_t secret[BW_TOTP_SECRET_BYTES])
{
	uint8_t ad[sizeof(AD_LABEL) - 1 + 8];
	unsigned long long mlen = 0;

	if (len != SEALED_BYTES)
		return BW_ERR_INTERNAL;
	user_ad(user_id, ad);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(secret, &mlen, NULL, in + NONCE_BYTES,
	                                               len - NONCE_BYTES, ad, sizeof(ad), in,
	                                               bw_secret_bytes(app->field_key)) != 0 ||
	    mlen != BW_TOTP_SECRET_BYTES) {
		bw_wipe(secret, BW_TOTP_SECRET_BYTES);
		return BW_ERR_INTERNAL; /* a stored row that does not open is not the client's fault
		                         */
	}
	return BW_OK;
}

/* ---- backup codes -------------------------------------------------------- */

static const char code_alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

/* A code as typed: 12 base32 characters, optionally as xxxx-xxxx-xxxx, any
 * case; into canon (12 lower-case characters). Anything else is no code. */
static bool backup_canon(struct bw_str in, char canon[CODE_CHARS])
{
	size_t k = 0;

	if (in.len != CODE_CHARS && in.len != CODE_CHARS + 2)
		return false;
	for (size_t i = 0; i < in.len; i++) {
		char c = in.p[i];

		if (in.len == CODE_CHARS + 2 && (i == 4 || i == 9)) {
			if (c != '-')
				return false;
			continue;
		}
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7')))
			return false;
		canon[k++] = c;
	}
	return k == CODE_CHARS;
}

static enum bw_err backup_hash(struct bw_app *app, int64_t user_id, const char canon[CODE_CHARS],
                               uint8_t out[32])
{
	crypto_generichash_state st;
	uint8_t uid[8];

	for (int i = 0; i < 8; i++)
		uid[i] = (uint8_t)((uint64_t)user_id >> (56 - 8 * i));
	if (crypto_generichash_init(&st, bw_secret_bytes(app->mfa_key), bw_secret_len(app->mfa_key),
	                            32) != 0 ||
	    crypto_generichash_update(&st, (const uint8_t *)"backup_code", 11) != 0 ||
	    crypto_generichash_update(&st, uid, sizeof(uid)) != 0 ||
	    crypto_generichash_update(&st, (const uint8_t *)canon, CODE_CHARS) != 0 ||
	    crypto_generichash_final(&st, out, 32) != 0)
		return BW_ERR_CRYPTO;
	return BW_OK;
}

/* Ten fresh codes for user_id into out, their hashes into hashes. */
static enum bw_err backup_new(struct bw_app *app, int64_t user_id, struct bw_mfa_backup *out,
                              uint8_t hashes[BW_MFA_BACKUP_CODES][32])
{
	enum bw_err rc = BW_OK;

	for (size_t i = 0; rc == BW_OK && i < BW_MFA_BACKUP_CODES; i++) {
		uint8_t r[8];
		char canon[CODE_CHARS];
		uint64_t bits = 0;
		size_t o = 0;

		bw_random_bytes(r, sizeof(r));
		for (size_t j = 0; j < sizeof(r); j++)
			bits = (bits << 8) | r[j];
		for (size_t j = 0; j < CODE_CHARS; j++)
			canon[j] = code_alphabet[(bits >> (5 * j)) & 31u];
		for (size_t j = 0; j < CODE_CHARS; j++) {
			if (j == 4 || j == 8)
				out->codes[i][o++] = '-';
			out->codes[i][o++] = canon[j];
		}
		out->codes[i][o] = '\0';
		rc = backup_hash(app, user_id, canon, hashes[i]);
		bw_wipe(r, sizeof(r));
		bw_wipe(canon, sizeof(canon));
	}
	return rc;
}

/* Replace user_id's backup codes with the hashes given (inside a transaction). */
static enum bw_err backup_store(struct bw_db_conn *c, int64_t user_id, int64_t now,
                                uint8_t hashes[BW_MFA_BACKUP_CODES][32])
{
	struct bw_db_stmt *st = NULL;
	enum bw_err rc;
	bool row;

	rc = bw_db_prepare(c, BW_SQL("DELETE FROM mfa_backup_codes WHERE user_id = ?"), &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, user_id);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	for (size_t i = 0; rc == BW_OK && i < BW_MFA_BACKUP_CODES; i++) {
		st = NULL;
		rc = bw_db_prepare(c,
		                   BW_SQL("INSERT INTO mfa_backup_codes (user_id, code_hash, "
		                          "created_at) VALUES (?, ?, ?)"),
		                   &st);
		if (rc == BW_OK)
			rc = bw_db_bind_int64(st, 1, user_id);
		if (rc == BW_OK)
			rc = bw_db_bind_blob(st, 2, hashes[i], 32);
		if (rc == BW_OK)
			rc = bw_db_bind_int64(st, 3, now);
		if (rc == BW_OK)
			rc = bw_db_step(st, &row);
		bw_db_finish(st);
	}
	return rc;
}

/* ---- small statements ------------------------------------------------------ */

/* One statement binding user_id (and, when not NULL, a blob) and its row count. */
static enum bw_err exec_user(struct bw_db_conn *c, struct bw_sql sql, int64_t user_id,
                             uint64_t *changes)
{
	struct bw_db_stmt *st = NULL;
	enum bw_err rc = bw_db_prepare(c, sql, &st);
	bool row;

	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, user_id);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	if (rc == BW_OK && changes != NULL)
		rc = bw_db_changes(st, changes);
	bw_db_finish(st);
	return rc;
}

struct key_row {
	enum bw_mfa_state state;
	int64_t last_step;
	uint8_t sealed[SEALED_BYTES];
	size_t sealed_len;
};

/* user_id's key row; BW_ERR_NOT_FOUND when there is none. */
static enum bw_err load_key(struct bw_db_conn *c, int64_t user_id, struct key_row *k)
{
	struct bw_db_stmt *st = NULL;
	struct bw_str state;
	const uint8_t *blob = NULL;
	size_t len = 0;
	enum bw_err rc;

	memset(k, 0, sizeof(*k));
	rc = bw_db_prepare(
	        c, BW_SQL("SELECT state, last_step, secret FROM mfa_totp WHERE user_id = ?"), &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, user_id);
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 0, &state);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 1, &k->last_step);
	if (rc == BW_OK)
		rc = bw_db_col_blob(st, 2, &blob, &len);
	if (rc == BW_OK && len != SEALED_BYTES)
		rc = BW_ERR_INTERNAL;
	if (rc == BW_OK) {
		memcpy(k->sealed, blob, len);
		k->sealed_len = len;
		if (bw_str_eq_c(state, "confirmed"))
			k->state = BW_MFA_CONFIRMED;
		else if (bw_str_eq_c(state, "pending"))
			k->state = BW_MFA_PENDING;
		else
			rc = BW_ERR_INTERNAL;
	}
	bw_db_finish(st);
	return rc;
}

static enum bw_err with_conn_load_key(struct bw_app *app, int64_t user_id, struct key_row *k)
{
	struct bw_db_conn *c = NULL;
	enum bw_err rc = bw_db_acquire(app->db, &c);

	if (rc != BW_OK)
		return rc;
	rc = load_key(c, user_id, k);
	bw_db_release(c);
	return rc;
}

/* ---- the store ------------------------------------------------------------ */

enum bw_err bw_mfa_start(struct bw_app *app)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	enum bw_err rc;
	bool row;

	if (app->db == NULL || app->field_key == NULL || app->mfa_key == NULL ||
	    bw_secret_len(app->field_key) != BW_PURPOSE_KEY_BYTES)
		return BW_ERR_STATE;
	rc = bw_db_acquire(app->db, &c);
	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c, BW_SQL("DELETE FROM mfa_tokens WHERE expires_at <= ?"), &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, (int64_t)time(NULL));
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	bw_db_release(c);
	return rc;
}

enum bw_err bw_mfa_status(struct bw_app *app, int64_t user_id, enum bw_mfa_state *state,
                          unsigned *backup_left)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	struct key_row k;
	int64_t n = 0;
	enum bw_err rc = bw_db_acquire(app->db, &c);

	*state = BW_MFA_NONE;
	*backup_left = 0;
	if (rc != BW_OK)
		return rc;
	rc = load_key(c, user_id, &k);
	if (rc == BW_ERR_NOT_FOUND) {
		rc = BW_OK;
		goto out;
	}
	if (rc != BW_OK)
		goto out;
	*state = k.state;
	if (k.state != BW_MFA_CONFIRMED)
		goto out;
	rc = bw_db_prepare(c,
	                   BW_SQL("SELECT count(*) FROM mfa_backup_codes WHERE user_id = ? AND "
	                          "used_at IS NULL"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, user_id);
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 0, &n);
	bw_db_finish(st);
	if (rc == BW_OK)
		*backup_left = n > 0 && n <= BW_MFA_BACKUP_CODES ? (unsigned)n : 0;
out:
	bw_wipe(&k, sizeof(k));
	bw_db_release(c);
	return rc;
}

struct begin_ctx {
	int64_t user_id, now;
	const uint8_t *sealed;
	const char *key_id;
};

static enum bw_err begin_tx(struct bw_db_conn *c, void *vctx)
{
	struct begin_ctx *x = vctx;
	struct bw_db_stmt *st = NULL;
	struct key_row k;
	enum bw_err rc = load_key(c, x->user_id, &k);
	bool row;

	bw_wipe(&k, sizeof(k));
	if (rc == BW_OK && k.state == BW_MFA_CONFIRMED)
		return BW_ERR_EXISTS;
	if (rc != BW_OK && rc != BW_ERR_NOT_FOUND)
		return rc;
	rc = exec_user(c, BW_SQL("DELETE FROM mfa_totp WHERE user_id = ? AND state = 'pending'"),
	               x->user_id, NULL);
	if (rc == BW_OK)
		rc = bw_db_prepare(
		        c,
		        BW_SQL("INSERT INTO mfa_totp (user_id, secret, key_id, state, "
		               "created_at, last_step) VALUES (?, ?, ?, 'pending', ?, -1)"),
		        &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, x->user_id);
	if (rc == BW_OK)
		rc = bw_db_bind_blob(st, 2, x->sealed, SEALED_BYTES);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 3, x->key_id, strlen(x->key_id));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 4, x->now);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	return rc;
}

enum bw_err bw_mfa_totp_begin(struct bw_app *app, int64_t user_id,
                              uint8_t secret[BW_TOTP_SECRET_BYTES])
{
	uint8_t sealed[SEALED_BYTES];
	char key_id[BW_KEY_ID_SIZE];
	struct begin_ctx x = {.user_id = user_id, .now = (int64_t)time(NULL), .sealed = sealed};
	enum bw_err rc;

	bw_random_bytes(secret, BW_TOTP_SECRET_BYTES);
	bw_keys_id(app->field_key, key_id);
	x.key_id = key_id;
	rc = seal(app, user_id, secret, sealed);
	if (rc == BW_OK)
		rc = bw_db_tx(app->db, begin_tx, &x);
	if (rc != BW_OK)
		bw_wipe(secret, BW_TOTP_SECRET_BYTES);
	return rc;
}

/* Verify a TOTP code against a key row; *step gets the matched step. */
static enum bw_err check_totp(struct bw_app *app, int64_t user_id, const struct key_row *k,
                              struct bw_str code, int64_t *step)
{
	struct bw_totp_params p = BW_TOTP_DEFAULTS;
	uint8_t secret[BW_TOTP_SECRET_BYTES];
	enum bw_err rc = open_sealed(app, user_id, k->sealed, k->sealed_len, secret);

	if (rc == BW_OK)
		rc = bw_totp_verify(secret, sizeof(secret), &p, (int64_t)time(NULL), code,
		                    k->last_step, step);
	bw_wipe(secret, sizeof(secret));
	return rc == BW_ERR_INVALID ? BW_ERR_VERIFY : rc;
}

struct confirm_ctx {
	struct bw_app *app;
	int64_t user_id, now;
	struct bw_str code;
	uint8_t (*hashes)[32];
};

static enum bw_err confirm_tx(struct bw_db_conn *c, void *vctx)
{
	struct confirm_ctx *x = vctx;
	struct bw_db_stmt *st = NULL;
	struct key_row k;
	int64_t step = -1;
	uint64_t n = 0;
	enum bw_err rc = load_key(c, x->user_id, &k);
	bool row;

	if (rc == BW_ERR_NOT_FOUND || (rc == BW_OK && k.state != BW_MFA_PENDING))
		rc = BW_ERR_STATE;
	if (rc == BW_OK)
		rc = check_totp(x->app, x->user_id, &k, x->code, &step);
	bw_wipe(&k, sizeof(k));
	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c,
	                   BW_SQL("UPDATE mfa_totp SET state = 'confirmed', confirmed_at = ?, "
	                          "last_step = ? WHERE user_id = ? AND state = 'pending'"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, x->now);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, step);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 3, x->user_id);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	if (rc == BW_OK)
		rc = bw_db_changes(st, &n);
	bw_db_finish(st);
	if (rc == BW_OK && n != 1)
		rc = BW_ERR_STATE;
	if (rc == BW_OK)
		rc = backup_store(c, x->user_id, x->now, x->hashes);
	return rc;
}

enum bw_err bw_mfa_totp_confirm(struct bw_app *app, int64_t user_id, struct bw_str code,
                                struct bw_mfa_backup *out)
{
	uint8_t hashes[BW_MFA_BACKUP_CODES][32];
	struct confirm_ctx x = {.app = app,
	                        .user_id = user_id,
	                        .now = (int64_t)time(NULL),
	                        .code = code,
	                        .hashes = hashes};
	enum bw_err rc = backup_new(app, user_id, out, hashes);

	if (rc == BW_OK)
		rc = bw_db_tx(app->db, confirm_tx, &x);
	if (rc != BW_OK)
		bw_wipe(out, sizeof(*out));
	return rc;
}

/* Spend a TOTP step: only when it is later than the stored one (a racing use
 * of the same code finds the step taken and gets no row). */
static enum bw_err take_step(struct bw_app *app, int64_t user_id, int64_t step)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	uint64_t n = 0;
	enum bw_err rc = bw_db_acquire(app->db, &c);
	bool row;

	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c,
	                   BW_SQL("UPDATE mfa_totp SET last_step = ? WHERE user_id = ? AND "
	                          "state = 'confirmed' AND last_step < ?"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, step);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, user_id);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 3, step);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	if (rc == BW_OK)
		rc = bw_db_changes(st, &n);
	bw_db_finish(st);
	bw_db_release(c);
	return rc == BW_OK && n != 1 ? BW_ERR_VERIFY : rc;
}

static enum bw_err take_backup(struct bw_app *app, int64_t user_id, const char canon[CODE_CHARS])
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	uint8_t h[32];
	uint64_t n = 0;
	enum bw_err rc = backup_hash(app, user_id, canon, h);
	bool row;

	if (rc == BW_OK)
		rc = bw_db_acquire(app->db, &c);
	if (rc != BW_OK)
		return rc;
	/* the hash is keyed and covers the user id: equality in SQL leaks nothing usable */
	rc = bw_db_prepare(c,
	                   BW_SQL("UPDATE mfa_backup_codes SET used_at = ? WHERE user_id = ? AND "
	                          "code_hash = ? AND used_at IS NULL"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, (int64_t)time(NULL));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, user_id);
	if (rc == BW_OK)
		rc = bw_db_bind_blob(st, 3, h, sizeof(h));
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	if (rc == BW_OK)
		rc = bw_db_changes(st, &n);
	bw_db_finish(st);
	bw_db_release(c);
	return rc == BW_OK && n != 1 ? BW_ERR_VERIFY : rc;
}

enum bw_err bw_mfa_check_code(struct bw_app *app, int64_t user_id, struct bw_str code,
                              enum bw_mfa_kind *kind)
{
	struct key_row k;
	char canon[CODE_CHARS];
	int64_t step = -1;
	enum bw_err rc = with_conn_load_key(app, user_id, &k);

	if (rc == BW_ERR_NOT_FOUND || (rc == BW_OK && k.state != BW_MFA_CONFIRMED))
		rc = BW_ERR_STATE;
	if (rc != BW_OK)
		goto out;
	if (backup_canon(code, canon)) {
		*kind = BW_MFA_KIND_BACKUP;
		rc = take_backup(app, user_id, canon);
	} else {
		*kind = BW_MFA_KIND_TOTP;
		rc = check_totp(app, user_id, &k, code, &step);
		if (rc == BW_OK)
			rc = take_step(app, user_id, step);
	}
out:
	bw_wipe(&k, sizeof(k));
	bw_wipe(canon, sizeof(canon));
	return rc;
}

struct disable_ctx {
	int64_t user_id;
	uint64_t removed;
};

static enum bw_err disable_tx(struct bw_db_conn *c, void *vctx)
{
	struct disable_ctx *x = vctx;
	enum bw_err rc = exec_user(c, BW_SQL("DELETE FROM mfa_totp WHERE user_id = ?"), x->user_id,
	                           &x->removed);

	if (rc == BW_OK)
		rc = exec_user(c, BW_SQL("DELETE FROM mfa_backup_codes WHERE user_id = ?"),
		               x->user_id, NULL);
	if (rc == BW_OK)
		rc = exec_user(c, BW_SQL("DELETE FROM mfa_tokens WHERE user_id = ?"), x->user_id,
		               NULL);
	return rc;
}

enum bw_err bw_mfa_disable_db(struct bw_db *db, int64_t user_id, bool *removed)
{
	struct disable_ctx x = {.user_id = user_id};
	enum bw_err rc = bw_db_tx(db, disable_tx, &x);

	if (removed != NULL)
		*removed = rc == BW_OK && x.removed > 0;
	return rc;
}

enum bw_err bw_mfa_disable(struct bw_app *app, int64_t user_id, bool *removed)
{
	return bw_mfa_disable_db(app->db, user_id, removed);
}

struct regen_ctx {
	int64_t user_id, now;
	uint8_t (*hashes)[32];
};

static enum bw_err regen_tx(struct bw_db_conn *c, void *vctx)
{
	struct regen_ctx *x = vctx;
	struct key_row k;
	enum bw_err rc = load_key(c, x->user_id, &k);

	if (rc == BW_ERR_NOT_FOUND || (rc == BW_OK && k.state != BW_MFA_CONFIRMED))
		rc = BW_ERR_STATE;
	bw_wipe(&k, sizeof(k));
	if (rc == BW_OK)
		rc = backup_store(c, x->user_id, x->now, x->hashes);
	return rc;
}

enum bw_err bw_mfa_backup_regenerate(struct bw_app *app, int64_t user_id, struct bw_mfa_backup *out)
{
	uint8_t hashes[BW_MFA_BACKUP_CODES][32];
	struct regen_ctx x = {.user_id = user_id, .now = (int64_t)time(NULL), .hashes = hashes};
	enum bw_err rc = backup_new(app, user_id, out, hashes);

	if (rc == BW_OK)
		rc = bw_db_tx(app->db, regen_tx, &x);
	if (rc != BW_OK)
		bw_wipe(out, sizeof(*out));
	return rc;
}

/* ---- MFA tokens ------------------------------------------------------------ */

struct issue_ctx {
	int64_t user_id, auth_time, now;
	const struct bw_token_hash *hash;
};

static enum bw_err issue_tx(struct bw_db_conn *c, void *vctx)
{
	struct issue_ctx *x = vctx;
	struct bw_db_stmt *st = NULL;
	int64_t changed = 0;
	enum bw_err rc;
	bool row;

	rc = bw_db_prepare(c,
	                   BW_SQL("DELETE FROM mfa_tokens WHERE user_id = ? AND "
	                          "(expires_at <= ? OR attempts >= ?)"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, x->user_id);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, x->now);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 3, BW_MFA_TOKEN_ATTEMPTS);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	st = NULL;
	if (rc != BW_OK)
		return rc;
	/* the password proof it carries: the hash's change time as the login saw it */
	rc = bw_db_prepare(c, BW_SQL("SELECT password_changed_at FROM users WHERE id = ?"), &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, x->user_id);
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 0, &changed);
	bw_db_finish(st);
	st = NULL;
	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c,
	                   BW_SQL("INSERT INTO mfa_tokens (token_hash, created_at, expires_at, "
	                          "attempts, auth_time, user_id, password_changed_at) "
	                          "VALUES (?, ?, ?, 0, ?, ?, ?)"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_blob(st, 1, x->hash->bytes, sizeof(x->hash->bytes));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, x->now);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 3, x->now + BW_MFA_TOKEN_TTL);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 4, x->auth_time);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 5, x->user_id);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 6, changed);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	return rc;
}

enum bw_err bw_mfa_token_issue(struct bw_app *app, int64_t user_id, int64_t auth_time,
                               char token[BW_TOKEN_TEXT_SIZE])
{
	struct bw_token_hash h;
	struct issue_ctx x = {.user_id = user_id, .auth_time = auth_time, .hash = &h};
	enum bw_err rc;

	bw_token_new(token);
	x.now = (int64_t)time(NULL);
	rc = bw_token_hash(app->mfa_key, TOKEN_LABEL, bw_str_c(token), &h);
	if (rc == BW_OK)
		rc = bw_db_tx(app->db, issue_tx, &x);
	if (rc != BW_OK)
		bw_wipe(token, BW_TOKEN_TEXT_SIZE);
	return rc;
}

enum bw_err bw_mfa_token_attempt(struct bw_app *app, struct bw_str token, int64_t *user_id)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	struct bw_token_hash h;
	enum bw_err rc = bw_token_hash(app->mfa_key, TOKEN_LABEL, token, &h);

	*user_id = 0;
	if (rc == BW_ERR_INVALID)
		return BW_ERR_NOT_FOUND;
	if (rc == BW_OK)
		rc = bw_db_acquire(app->db, &c);
	if (rc != BW_OK)
		return rc;
	/* one statement: live, attempts left, password unchanged — and counted */
	rc = bw_db_prepare(
	        c,
	        BW_SQL("UPDATE mfa_tokens SET attempts = attempts + 1 WHERE token_hash = ? AND "
	               "expires_at > ? AND attempts < ? AND password_changed_at = "
	               "(SELECT password_changed_at FROM users WHERE users.id = "
	               "mfa_tokens.user_id) "
	               "RETURNING user_id"),
	        &st);
	if (rc == BW_OK)
		rc = bw_db_bind_blob(st, 1, h.bytes, sizeof(h.bytes));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, (int64_t)time(NULL));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 3, BW_MFA_TOKEN_ATTEMPTS);
	if (rc == BW_OK)
		rc = bw_db_step_one(st);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 0, user_id);
	if (rc == BW_OK) {
		bool row;

		rc = bw_db_step(st, &row);
	}
	bw_db_finish(st);
	bw_db_release(c);
	if (rc != BW_OK)
		*user_id = 0;
	return rc;
}

enum bw_err bw_mfa_token_consume(struct bw_app *app, struct bw_str token)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	struct bw_token_hash h;
	uint64_t n = 0;
	enum bw_err rc = bw_token_hash(app->mfa_key, TOKEN_LABEL, token, &h);
	bool row;

	if (rc == BW_ERR_INVALID)
		return BW_ERR_NOT_FOUND;
	if (rc == BW_OK)
		rc = bw_db_acquire(app->db, &c);
	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c, BW_SQL("DELETE FROM mfa_tokens WHERE token_hash = ?"), &st);
	if (rc == BW_OK)
		rc = bw_db_bind_blob(st, 1, h.bytes, sizeof(h.bytes));
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	if (rc == BW_OK)
		rc = bw_db_changes(st, &n);
	bw_db_finish(st);
	bw_db_release(c);
	return rc == BW_OK && n != 1 ? BW_ERR_NOT_FOUND : rc;
}
