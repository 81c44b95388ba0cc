/*
 * test_signing.c — signing keys at rest (sealing, tampering, rotation
 * states), the JWKS, access tokens issued and verified, and the attacks the
 * bearer verifier must refuse: an unknown key, alg confusion with the public
 * key as an HMAC secret, expired, wrong iss/aud/typ, a key of the other use,
 * a revoked jti (cached before or not), a deleted user; rotation keeps old
 * tokens valid and new ones carry the new kid; a kid made by another process
 * verifies after one reload.
 */
#include "bw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "bulwark/keys.h"
#include "signing.h"
#include "signing_internal.h"
#include "signing_store.h"

#define ORIGIN "https://issuer.example"

/* RSA key generation is slow: every case starts from a copy of one database
 * with its keys made (and the same master key) */
static char template_dir[256], template_db[300];
static struct bw_secret *master;

static struct {
	char dir[256];
	char url[300];
	struct bw_app app;
	struct bw_arena *arena;
} FX;

static enum bw_err exec(const char *sql_note, struct bw_sql sql)
{
	struct bw_db_conn *c = NULL;
	enum bw_err rc = bw_db_acquire(FX.app.db, &c);

	(void)sql_note;
	if (rc == BW_OK)
		rc = bw_db_exec(c, sql, NULL);
	if (c != NULL)
		bw_db_release(c);
	return rc;
}

static int open_app(unsigned cache)
{
	struct bw_app *app = &FX.app;

	bw_settings_defaults(&app->settings);
	snprintf(app->settings.public_origin, sizeof(app->settings.public_origin), "%s", ORIGIN);
	snprintf(app->settings.oauth_audience, sizeof(app->settings.oauth_audience), "%s", ORIGIN);
	app->settings.oauth_token_cache = cache;
	if (bw_log_new(BW_LOG_STDERR, BW_LOG_ERROR, &app->log) != BW_OK ||
	    bw_db_open(FX.url, NULL, &app->db) != BW_OK ||
	    bw_db_migrate(app->db, bw_app_migrations, bw_app_n_migrations, NULL) != BW_OK ||
	    bw_keys_derive(app->master_key, BW_KEY_SIGNING, 1, &app->signing_key) != BW_OK ||
	    bw_app_audit_open(app) != BW_OK)
		return -1;
	bw_app_audit(app, NULL, "server.start", BW_AUDIT_SUCCESS, 0, NULL, 0); /* as serve does */
	if (bw_signing_start(app) != BW_OK)
		return -1;
	bw_signing_wait(app);
	return 0;
}

static void close_app(void)
{
	struct bw_app *app = &FX.app;

	bw_signing_stop(app);
	bw_app_audit_close(app);
	bw_db_close(app->db);
	app->db = NULL;
	bw_secret_free(app->signing_key);
	app->signing_key = NULL;
	bw_log_free(app->log);
	app->log = NULL;
	bw_settings_free(&app->settings);
}

static int copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char buf[65536];
	size_t n;
	int rc = in != NULL && out != NULL ? 0 : -1;

	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	if (in != NULL)
		fclose(in);
	if (out != NULL && fclose(out) != 0)
		rc = -1;
	return rc;
}

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	char db[400];

	(void)state;
	memset(&FX, 0, sizeof(FX));
	snprintf(FX.dir, sizeof(FX.dir), "%s/bw-signing-XXXXXX", tmp && *tmp ? tmp : P_tmpdir);
	if (mkdtemp(FX.dir) == NULL)
		return -1;
	snprintf(FX.url, sizeof(FX.url), "sqlite:%s/t.db", FX.dir);
	snprintf(db, sizeof(db), "%s/t.db", FX.dir);
	if (template_db[0] != '\0' && copy_file(template_db, db) != 0)
		return -1;
	FX.arena = bw_arena_new(1 << 16);
	FX.app.master_key = master;
	if (FX.arena == NULL)
		return -1;
	return open_app(100);
}

static int teardown(void **state)
{
	char p[400];
	const char *suffix[] = {"", "-wal", "-shm", "-journal"};

	(void)state;
	close_app();
	bw_arena_free(FX.arena);
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s/t.db%s", FX.dir, suffix[i]);
		unlink(p);
	}
	rmdir(FX.dir);
	return 0;
}

/* ---- helpers ------------------------------------------------------------ */

static void rows(struct bw_signing_row **r, size_t *n)
{
	assert_int_equal(bw_signing_store_load(FX.app.db, FX.app.signing_key, r, n), BW_OK);
}

/* The kid of the key of use in state (there is exactly one). */
static void kid_of(enum bw_signing_use use, enum bw_signing_state state, char *out)
{
	struct bw_signing_row *r;
	size_t n, found = 0;

	rows(&r, &n);
	for (size_t i = 0; i < n; i++)
		if (r[i].use == use && r[i].state == state) {
			snprintf(out, BW_SIGNING_KID_SIZE, "%s", r[i].kid);
			found++;
		}
	bw_signing_rows_free(r, n);
	assert_int_equal(found, 1);
}

static void header_kid(const char *token, char *out)
{
	json_t *h = NULL;

	assert_int_equal(bw_jwt_peek_header(bw_str_c(token), &h), BW_OK);
	snprintf(out, BW_SIGNING_KID_SIZE, "%s", json_string_value(json_object_get(h, "kid")));
	json_decref(h);
}

static void issue(const char *sub, const char *scope, struct bw_buf *out, char *jti, int64_t *exp)
{
	struct bw_access_token t = {
	        .sub = sub, .client_id = "client-1", .scope = scope, .auth_time = 1700000000};

	bw_buf_init(out, BW_JWT_MAX_BYTES);
	assert_int_equal(bw_access_token_issue(&FX.app, &t, out, jti, exp), BW_OK);
}

static enum bw_err resolve(const char *token, struct bw_principal *p, const char **reason)
{
	memset(p, 0, sizeof(*p));
	return bw_access_token_resolve(&FX.app, bw_str_c(token), FX.arena, p, reason);
}

static json_t *good_claims(const char *sub)
{
	int64_t now = (int64_t)time(NULL);

	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I}", "iss", ORIGIN, "sub", sub, "aud",
	                 ORIGIN, "client_id", "client-1", "scope", "whoami", "jti",
	                 "jti-made-in-the-test-000000000000000000000", "iat", (json_int_t)now,
	                 "exp", (json_int_t)(now + 300));
}

/* Sign claims with the server's key of use and header typ; expect the verifier to refuse. */
#define refused_when_signed(u, t, c) refused_when_signed_at(__LINE__, u, t, c)
static void refused_when_signed_at(int line, enum bw_signing_use use, const char *typ,
                                   json_t *claims)
{
	struct bw_principal p;
	struct bw_buf tok;
	const char *why;

	bw_buf_init(&tok, BW_JWT_MAX_BYTES);
	assert_int_equal(bw_signing_sign(&FX.app, use, typ, claims, &tok), BW_OK);
	if (resolve(bw_buf_cstr(&tok), &p, &why) != BW_ERR_DENIED)
		fail_msg("accepted: the token of line %d", line);
	assert_int_equal(bw_access_token_check(&FX.app, bw_buf_str(&tok), NULL), BW_ERR_DENIED);
	bw_buf_free(&tok);
	json_decref(claims);
}

static int64_t add_user(const char *public_id, const char *role)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	int64_t id = 0;

	assert_int_equal(bw_db_acquire(FX.app.db, &c), BW_OK);
	assert_int_equal(
	        bw_db_prepare(c,
	                      BW_SQL("INSERT INTO users (email_canon, email, password_hash, "
	                             "role, created_at, password_changed_at, public_id) "
	                             "VALUES (?, ?, 'x', ?, 1, 1, ?) RETURNING id"),
	                      &st),
	        BW_OK);
	assert_int_equal(bw_db_bind_text(st, 1, public_id, strlen(public_id)), BW_OK);
	assert_int_equal(bw_db_bind_text(st, 2, public_id, strlen(public_id)), BW_OK);
	assert_int_equal(bw_db_bind_text(st, 3, role, strlen(role)), BW_OK);
	assert_int_equal(bw_db_bind_text(st, 4, public_id, strlen(public_id)), BW_OK);
	assert_int_equal(bw_db_step_one(st), BW_OK);
	assert_int_equal(bw_db_col_int64(st, 0, &id), BW_OK);
	bw_db_finish(st);
	bw_db_release(c);
	return id;
}

static unsigned audit_count(const char *event)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	char like[128];
	int64_t n = 0;

	snprintf(like, sizeof(like), "%%\"%s\"%%", event);
	assert_int_equal(bw_db_acquire(FX.app.db, &c), BW_OK);
	assert_int_equal(
	        bw_db_prepare(c, BW_SQL("SELECT count(*) FROM audit_records WHERE line LIKE ?"),
	                      &st),
	        BW_OK);
	assert_int_equal(bw_db_bind_text(st, 1, like, strlen(like)), BW_OK);
	assert_int_equal(bw_db_step_one(st), BW_OK);
	assert_int_equal(bw_db_col_int64(st, 0, &n), BW_OK);
	bw_db_finish(st);
	bw_db_release(c);
	return (unsigned)n;
}

/* Flip one byte of the sealed key of the (use, state) row, as an attacker with the database could.
 */
static void flip_stored_byte(const char *use, const char *state, size_t at)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	const uint8_t *p;
	uint8_t buf[8192];
	size_t len = 0;
	bool row;

	assert_int_equal(bw_db_acquire(FX.app.db, &c), BW_OK);
	assert_int_equal(
	        bw_db_prepare(c,
	                      BW_SQL("SELECT sealed_key FROM signing_keys WHERE key_use = ? "
	                             "AND state = ?"),
	                      &st),
	        BW_OK);
	assert_int_equal(bw_db_bind_text(st, 1, use, strlen(use)), BW_OK);
	assert_int_equal(bw_db_bind_text(st, 2, state, strlen(state)), BW_OK);
	assert_int_equal(bw_db_step_one(st), BW_OK);
	assert_int_equal(bw_db_col_blob(st, 0, &p, &len), BW_OK);
	assert_true(len > at && len <= sizeof(buf));
	memcpy(buf, p, len);
	bw_db_finish(st);
	buf[at] ^= 0x01;
	assert_int_equal(bw_db_prepare(c,
	                               BW_SQL("UPDATE signing_keys SET sealed_key = ? WHERE "
	                                      "key_use = ? AND state = ?"),
	                               &st),
	                 BW_OK);
	assert_int_equal(bw_db_bind_blob(st, 1, buf, len), BW_OK);
	assert_int_equal(bw_db_bind_text(st, 2, use, strlen(use)), BW_OK);
	assert_int_equal(bw_db_bind_text(st, 3, state, strlen(state)), BW_OK);
	assert_int_equal(bw_db_step(st, &row), BW_OK);
	bw_db_finish(st);
	bw_db_release(c);
}

/* ---- keys at rest --------------------------------------------------------- */

static void seal_open(void **state)
{
	const struct bw_secret *k = FX.app.signing_key;
	struct bw_secret *other = NULL;
	struct bw_buf sealed, plain;
	const char msg[] = "thirty-two bytes of key material";

	(void)state;
	bw_buf_init(&sealed, 4096);
	bw_buf_init(&plain, 4096);
	assert_int_equal(bw_signing_seal(k, "kid1", BW_JWT_EDDSA, BW_SIGNING_ACCESS, msg,
	                                 sizeof(msg), &sealed),
	                 BW_OK);
	assert_int_equal(sealed.len, 24 + sizeof(msg) + 16);
	/* the plaintext is not in the sealed bytes */
	assert_null(memmem(sealed.p, sealed.len, "thirty-two", 10));
	assert_int_equal(bw_signing_open(k, "kid1", BW_JWT_EDDSA, BW_SIGNING_ACCESS, sealed.p,
	                                 sealed.len, &plain),
	                 BW_OK);
	assert_memory_equal(plain.p, msg, sizeof(msg));
	/* any flipped byte: nonce, ciphertext, tag */
	for (size_t i = 0; i < sealed.len; i += 7) {
		sealed.p[i] ^= 1;
		assert_int_equal(bw_signing_open(k, "kid1", BW_JWT_EDDSA, BW_SIGNING_ACCESS,
		                                 sealed.p, sealed.len, &plain),
		                 BW_ERR_VERIFY);
		sealed.p[i] ^= 1;
	}
	/* bound to its row: another kid, alg or use does not open it */
	assert_int_equal(bw_signing_open(k, "kid2", BW_JWT_EDDSA, BW_SIGNING_ACCESS, sealed.p,
	                                 sealed.len, &plain),
	                 BW_ERR_VERIFY);
	assert_int_equal(bw_signing_open(k, "kid1", BW_JWT_RS256, BW_SIGNING_ACCESS, sealed.p,
	                                 sealed.len, &plain),
	                 BW_ERR_VERIFY);
	assert_int_equal(bw_signing_open(k, "kid1", BW_JWT_EDDSA, BW_SIGNING_ID, sealed.p,
	                                 sealed.len, &plain),
	                 BW_ERR_VERIFY);
	/* another master key */
	assert_int_equal(bw_secret_random(32, &other), BW_OK);
	assert_int_equal(bw_signing_open(other, "kid1", BW_JWT_EDDSA, BW_SIGNING_ACCESS, sealed.p,
	                                 sealed.len, &plain),
	                 BW_ERR_VERIFY);
	/* truncated */
	assert_int_equal(
	        bw_signing_open(k, "kid1", BW_JWT_EDDSA, BW_SIGNING_ACCESS, sealed.p, 39, &plain),
	        BW_ERR_VERIFY);
	bw_secret_free(other);
	bw_buf_free(&sealed);
	bw_buf_free(&plain);
}

static void first_start_makes_keys(void **state)
{
	struct bw_signing_row *r;
	size_t n;
	unsigned per[2][3] = {{0}};
	json_t *jwks = NULL, *keys;
	unsigned created = 9;

	(void)state;
	rows(&r, &n);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++) {
		per[r[i].use][r[i].state]++;
		assert_int_equal(r[i].alg,
		                 r[i].use == BW_SIGNING_ACCESS ? BW_JWT_EDDSA : BW_JWT_RS256);
		assert_int_equal(strlen(r[i].kid), 22);
		assert_non_null(r[i].key);
	}
	bw_signing_rows_free(r, n);
	assert_int_equal(per[0][BW_KEY_STATE_ACTIVE], 1);
	assert_int_equal(per[0][BW_KEY_STATE_NEXT], 1);
	assert_int_equal(per[1][BW_KEY_STATE_ACTIVE], 1);
	assert_int_equal(per[1][BW_KEY_STATE_NEXT], 1);
	/* every creation audited once */
	assert_int_equal(audit_count("signing.key_created"), 4);
	/* nothing more is made on the next start */
	assert_int_equal(bw_signing_store_ensure(FX.app.db, FX.app.signing_key, 1,
	                                         BW_SIGNING_ALL_USES, &created),
	                 BW_OK);
	assert_int_equal(created, 0);
	/* the JWKS: four public keys, kid/alg/use, no private member */
	assert_int_equal(bw_signing_jwks(&FX.app, &jwks), BW_OK);
	keys = json_object_get(jwks, "keys");
	assert_int_equal(json_array_size(keys), 4);
	for (size_t i = 0; i < 4; i++) {
		json_t *k = json_array_get(keys, i);

		assert_non_null(json_string_value(json_object_get(k, "kid")));
		assert_non_null(json_string_value(json_object_get(k, "alg")));
		assert_string_equal(json_string_value(json_object_get(k, "use")), "sig");
		assert_null(json_object_get(k, "d"));
		assert_null(json_object_get(k, "p"));
	}
	json_decref(jwks);
}

static void tampered_row_refused(void **state)
{
	struct bw_signing_row *r = NULL;
	size_t n = 0;

	(void)state;
	/* one flipped byte of one stored key: nothing loads, the server would not start */
	flip_stored_byte("access", "next", 30);
	assert_int_equal(bw_signing_store_load(FX.app.db, FX.app.signing_key, &r, &n),
	                 BW_ERR_VERIFY);
	assert_null(r);
}

static void swapped_rows_refused(void **state)
{
	struct bw_signing_row *r = NULL;
	size_t n = 0;

	(void)state;
	/* a sealed key moved to another row (another kid) does not open there */
	assert_int_equal(exec("swap", BW_SQL("UPDATE signing_keys SET sealed_key = (SELECT "
	                                     "sealed_key FROM signing_keys WHERE key_use = "
	                                     "'access' AND state = 'active') WHERE key_use = "
	                                     "'access' AND state = 'next'")),
	                 BW_OK);
	assert_int_equal(bw_signing_store_load(FX.app.db, FX.app.signing_key, &r, &n),
	                 BW_ERR_VERIFY);
	/* and a server started over it refuses to start */
	bw_signing_stop(&FX.app);
	assert_int_equal(bw_signing_start(&FX.app), BW_ERR_VERIFY);
	assert_null(FX.app.signing);
	/* (teardown copes with a stopped signer) */
}

/* ---- tokens ----------------------------------------------------------------- */

static void issue_and_verify(void **state)
{
	struct bw_buf tok;
	char jti[BW_TOKEN_TEXT_SIZE], kid[BW_SIGNING_KID_SIZE], active[BW_SIGNING_KID_SIZE];
	struct bw_principal p;
	const struct bw_access_info *info;
	const char *why;
	int64_t exp, uid = add_user("user-pub-1", "admin");
	json_t *claims = NULL, *h = NULL;

	(void)state;
	issue("user-pub-1", "whoami notes:read", &tok, jti, &exp);
	assert_int_equal(strlen(jti), 43);
	assert_true(exp > (int64_t)time(NULL) + 590 && exp <= (int64_t)time(NULL) + 600);
	assert_int_equal(bw_jwt_peek_header(bw_buf_str(&tok), &h), BW_OK);
	assert_string_equal(json_string_value(json_object_get(h, "typ")), "at+jwt");
	assert_string_equal(json_string_value(json_object_get(h, "alg")), "EdDSA");
	json_decref(h);
	header_kid(bw_buf_cstr(&tok), kid);
	kid_of(BW_SIGNING_ACCESS, BW_KEY_STATE_ACTIVE, active);
	assert_string_equal(kid, active);
	/* the claims of RFC 9068 */
	assert_int_equal(bw_access_token_check(&FX.app, bw_buf_str(&tok), &claims), BW_OK);
	assert_string_equal(json_string_value(json_object_get(claims, "iss")), ORIGIN);
	assert_string_equal(json_string_value(json_object_get(claims, "aud")), ORIGIN);
	assert_string_equal(json_string_value(json_object_get(claims, "sub")), "user-pub-1");
	assert_string_equal(json_string_value(json_object_get(claims, "client_id")), "client-1");
	assert_string_equal(json_string_value(json_object_get(claims, "scope")),
	                    "whoami notes:read");
	assert_string_equal(json_string_value(json_object_get(claims, "jti")), jti);
	assert_int_equal(json_integer_value(json_object_get(claims, "exp")), exp);
	assert_int_equal(json_integer_value(json_object_get(claims, "auth_time")), 1700000000);
	assert_true(json_is_integer(json_object_get(claims, "iat")));
	assert_null(json_object_get(claims, "user_id")); /* the row id never leaves */
	json_decref(claims);
	/* the principal: user row id and role from the database, scopes from the token */
	assert_int_equal(resolve(bw_buf_cstr(&tok), &p, &why), BW_OK);
	assert_string_equal(why, "");
	assert_int_equal(p.user_id, uid);
	assert_string_equal(p.role, "admin");
	assert_string_equal(p.scopes[0], "whoami");
	assert_string_equal(p.scopes[1], "notes:read");
	assert_null(p.scopes[2]);
	assert_int_equal(p.auth_time, 1700000000);
	info = p.data;
	assert_string_equal(info->jti, jti);
	assert_string_equal(info->client_id, "client-1");
	/* the second use is a cache hit, with the same principal */
	assert_int_equal(resolve(bw_buf_cstr(&tok), &p, &why), BW_OK);
	assert_string_equal(why, "cached");
	assert_int_equal(p.user_id, uid);
	assert_string_equal(p.scopes[1], "notes:read");
	/* a client-only token: no user */
	bw_buf_free(&tok);
	issue(NULL, "whoami", &tok, jti, &exp);
	assert_int_equal(resolve(bw_buf_cstr(&tok), &p, &why), BW_OK);
	assert_int_equal(p.user_id, 0);
	assert_string_equal(p.role, "");
	bw_buf_free(&tok);
	/* more scopes than a principal carries cannot even be issued */
	{
		struct bw_access_token t = {.client_id = "c",
		                            .scope = "a b c d e f g h i j k l m n o p q"};

		bw_buf_init(&tok, BW_JWT_MAX_BYTES);
		assert_int_equal(bw_access_token_issue(&FX.app, &t, &tok, NULL, NULL),
		                 BW_ERR_INVALID);
		t.scope = "a";
		t.ttl_s = 601; /* longer than oauth.access_token_ttl: retired keys would not cover
		                  it */
		assert_int_equal(bw_access_token_issue(&FX.app, &t, &tok, NULL, NULL),
		                 BW_ERR_INVALID);
		bw_buf_free(&tok);
	}
}

static void forged_tokens_refused(void **state)
{
	struct bw_jwk *evil = NULL, *hs = NULL;
	struct bw_principal p;
	struct bw_buf tok;
	char active[BW_SIGNING_KID_SIZE];
	const char *why;
	json_t *claims, *jwks = NULL, *oct;

	(void)state;
	add_user("user-pub-2", "user");
	kid_of(BW_SIGNING_ACCESS, BW_KEY_STATE_ACTIVE, active);
	bw_buf_init(&tok, BW_JWT_MAX_BYTES);
	/* signed by a key the server does not have, under a kid of its own */
	assert_int_equal(bw_jwk_generate(BW_JWT_EDDSA, "attacker-kid", &evil), BW_OK);
	claims = good_claims("user-pub-2");
	assert_int_equal(bw_jwt_sign(evil, "at+jwt", claims, &tok), BW_OK);
	assert_int_equal(resolve(bw_buf_cstr(&tok), &p, &why), BW_ERR_DENIED);
	bw_jwk_free(evil);
	/* the same under the server's own active kid: the signature does not verify */
	assert_int_equal(bw_jwk_generate(BW_JWT_EDDSA, active, &evil), BW_OK);
	assert_int_equal(bw_jwt_sign(evil, "at+jwt", claims, &tok), BW_OK);
	assert_int_equal(resolve(bw_buf_cstr(&tok), &p, &why), BW_ERR_DENIED);
	bw_jwk_free(evil);
	/* alg confusion: HS256 keyed with the published public key, under its kid */
	assert_int_equal(bw_signing_jwks(&FX.app, &jwks), BW_OK);
	for (size_t i = 0; i < json_array_size(json_object_get(jwks, "keys")); i++) {
		json_t *k = json_array_get(json_object_get(jwks, "keys"), i);

		if (strcmp(json_string_value(json_object_get(k, "kid")), active) != 0)
			continue;
		oct = json_pack("{s:s,s:O,s:s,s:s}", "kty", "oct", "k", json_object_get(k, "x"),
		                "alg", "HS256", "kid", active);
		assert_int_equal(bw_jwk_from_json(oct, &hs), BW_OK);
		json_decref(oct);
	}
	json_decref(jwks);
	assert_non_null(hs);
	assert_int_equal(bw_jwt_sign(hs, "at+jwt", claims, &tok), BW_OK);
	assert_int_equal(resolve(bw_buf_cstr(&tok), &p, &why), BW_ERR_DENIED);
	assert_int_equal(bw_access_token_check(&FX.app, bw_buf_str(&tok), NULL), BW_ERR_DENIED);
	bw_jwk_free(hs);
	json_decref(claims);
	bw_buf_free(&tok);

	/* the server's own key, but claims it never issues */
	claims = good_claims("user-pub-2");
	json_object_set_new(claims, "exp", json_integer((json_int_t)time(NULL) - 100));
	refused_when_signed(BW_SIGNING_ACCESS, "at+jwt", claims); /* expired */
	claims = good_claims("user-pub-2");
	json_object_set_new(claims, "iss", json_string("https://other.example"));
	refused_when_signed(BW_SIGNING_ACCESS, "at+jwt", claims);
	claims = good_claims("user-pub-2");
	json_object_set_new(claims, "aud", json_string("https://api.other.example"));
	refused_when_signed(BW_SIGNING_ACCESS, "at+jwt", claims);
	claims = good_claims("user-pub-2");
	json_object_del(claims, "jti");
	refused_when_signed(BW_SIGNING_ACCESS, "at+jwt", claims);
	claims = good_claims("user-pub-2");
	json_object_set_new(claims, "scope",
	                    json_string("a b c d e f g h i j k l m n o p q")); /* 17 scopes */
	refused_when_signed(BW_SIGNING_ACCESS, "at+jwt", claims);
	/* not an access token: an id_token's typ, no typ */
	refused_when_signed(BW_SIGNING_ACCESS, "JWT", good_claims("user-pub-2"));
	refused_when_signed(BW_SIGNING_ACCESS, NULL, good_claims("user-pub-2"));
	/* signed by the id_token key: the access keyset does not hold it */
	refused_when_signed(BW_SIGNING_ID, "at+jwt", good_claims("user-pub-2"));
	/* control: the same claims, properly signed, pass (so the refusals above are the checks) */
	{
		struct bw_buf ok;

		claims = good_claims("user-pub-2");
		bw_buf_init(&ok, BW_JWT_MAX_BYTES);
		assert_int_equal(bw_signing_sign(&FX.app, BW_SIGNING_ACCESS, "at+jwt", claims, &ok),
		                 BW_OK);
		assert_int_equal(resolve(bw_buf_cstr(&ok), &p, &why), BW_OK);
		bw_buf_free(&ok);
		json_decref(claims);
	}
}

static void revoked_even_when_cached(void **state)
{
	struct bw_buf tok;
	char jti[BW_TOKEN_TEXT_SIZE];
	struct bw_principal p;
	const char *why;
	int64_t exp;

	(void)state;
	add_user("user-pub-3", "user");
	issue("user-pub-3", "whoami", &tok, jti, &exp);
	assert_int_equal(resolve(bw_buf_cstr(&tok), &p, &why), BW_OK);
	assert_int_equal(resolve(bw_buf_cstr(&tok), &p, &why), BW_OK);
	assert_string_equal(why, "cached");
	assert_int_equal(bw_access_token_deny(&FX.app, jti, exp), BW_OK);
	assert_int_equal(bw_access_token_deny(&FX.app, jti, exp), BW_OK); /* twice is fine */
	assert_int_equal(resolve(bw_buf_cstr(&tok), &p, &why), BW_ERR_DENIED);
	assert_string_equal(why, "revoked");
	assert_int_equal(bw_access_token_check(&FX.app, bw_buf_str(&tok), NULL), BW_ERR_DENIED);
	/* the denial is stored: a restarted server (or another one) refuses it too */
	close_app();
	assert_int_equal(open_app(0), 0); /* and without a cache */
	assert_int_equal(resolve(bw_buf_cstr(&tok), &p, &why), BW_ERR_DENIED);
	assert_string_equal(why, "revoked");
	bw_buf_free(&tok);
	/* other tokens of the same user are not affected; without a cache every use verifies */
	issue("user-pub-3", "whoami", &tok, jti, &exp);
	assert_int_equal(resolve(bw_buf_cstr(&tok), &p, &why), BW_OK);
	assert_int_equal(resolve(bw_buf_cstr(&tok), &p, &why), BW_OK);
	assert_string_equal(why, "");
	bw_buf_free(&tok);
	assert_int_equal(bw_access_token_deny(&FX.app, "", exp), BW_ERR_INVALID);
}

static void deleted_user_refused(void **state)
{
	struct bw_buf tok;
	char jti[BW_TOKEN_TEXT_SIZE];
	struct bw_principal p;
	const char *why;
	int64_t exp;

	(void)state;
	add_user("user-pub-4", "user");
	issue("user-pub-4", "whoami", &tok, jti, &exp);
	assert_int_equal(exec("del", BW_SQL("DELETE FROM users WHERE public_id = 'user-pub-4'")),
	                 BW_OK);
	assert_int_equal(resolve(bw_buf_cstr(&tok), &p, &why), BW_ERR_DENIED);
	assert_string_equal(why, "unknown_user");
	bw_buf_free(&tok);
	/* a token naming a user that never existed */
	issue("no-such-user", "whoami", &tok, jti, &exp);
	assert_int_equal(resolve(bw_buf_cstr(&tok), &p, &why), BW_ERR_DENIED);
	bw_buf_free(&tok);
}

static void rotation(void **state)
{
	struct bw_buf a, b, c, d;
	char jti[BW_TOKEN_TEXT_SIZE], kid_a[BW_SIGNING_KID_SIZE], kid_c[BW_SIGNING_KID_SIZE];
	char next0[BW_SIGNING_KID_SIZE], next1[BW_SIGNING_KID_SIZE], kid[BW_SIGNING_KID_SIZE];
	const int64_t keep[2] = {630, 3630};
	struct bw_principal p;
	struct bw_signing_row *r;
	size_t n;
	unsigned dropped = 9;
	const char *why;
	json_t *jwks = NULL, *claims;
	int64_t exp, now = (int64_t)time(NULL);

	(void)state;
	add_user("user-pub-5", "user");
	issue("user-pub-5", "whoami", &a, jti, &exp);
	header_kid(bw_buf_cstr(&a), kid_a);
	kid_of(BW_SIGNING_ACCESS, BW_KEY_STATE_NEXT, next0);
	/* what `bulwark keys rotate` does, from outside the running server */
	assert_int_equal(
	        bw_signing_store_rotate(FX.app.db, FX.app.signing_key, now, keep, &dropped), BW_OK);
	assert_int_equal(dropped, 0);
	kid_of(BW_SIGNING_ACCESS, BW_KEY_STATE_ACTIVE, kid);
	assert_string_equal(kid, next0);
	kid_of(BW_SIGNING_ACCESS, BW_KEY_STATE_NEXT, next1);
	assert_string_not_equal(next1, next0);
	/* (until it reloads, within BW_SIGNING_RELOAD_S, the server signs with the key it had) */
	issue("user-pub-5", "whoami", &b, jti, &exp);
	assert_int_equal(bw_signing_reload(&FX.app), BW_OK);
	issue("user-pub-5", "whoami", &c, jti, &exp);
	header_kid(bw_buf_cstr(&c), kid_c);
	assert_string_equal(kid_c, next0); /* the new tokens carry the new kid */
	/* and tokens signed before still verify (retired, not expired) */
	assert_int_equal(resolve(bw_buf_cstr(&a), &p, &why), BW_OK);
	assert_int_equal(resolve(bw_buf_cstr(&c), &p, &why), BW_OK);
	/* JWKS: retired, active and next of each use */
	assert_int_equal(bw_signing_jwks(&FX.app, &jwks), BW_OK);
	assert_int_equal(json_array_size(json_object_get(jwks, "keys")), 6);
	json_decref(jwks);
	/* every state change audited once */
	assert_int_equal(audit_count("signing.key_retired"), 2);
	assert_int_equal(audit_count("signing.key_activated"), 2);
	assert_int_equal(audit_count("signing.key_created"), 6);
	assert_int_equal(bw_signing_reload(&FX.app), BW_OK);
	assert_int_equal(audit_count("signing.key_created"), 6);

	/* a second rotation elsewhere: a token by a key this server has never seen
	 * (the newest next key, as another server that rotated once more would sign)
	 * verifies after one reload */
	assert_int_equal(
	        bw_signing_store_rotate(FX.app.db, FX.app.signing_key, now, keep, &dropped), BW_OK);
	assert_int_equal(
	        bw_signing_store_rotate(FX.app.db, FX.app.signing_key, now, keep, &dropped), BW_OK);
	rows(&r, &n);
	for (size_t i = 0; i < n; i++)
		if (r[i].use == BW_SIGNING_ACCESS && r[i].state == BW_KEY_STATE_ACTIVE) {
			claims = good_claims("user-pub-5");
			bw_buf_init(&d, BW_JWT_MAX_BYTES);
			assert_int_equal(bw_jwt_sign(r[i].key, "at+jwt", claims, &d), BW_OK);
			json_decref(claims);
		}
	bw_signing_rows_free(r, n);
	assert_int_equal(resolve(bw_buf_cstr(&d), &p, &why), BW_OK);
	bw_buf_free(&d);

	/* retired keys go once their last token expired: a rotation an hour later drops them */
	assert_int_equal(
	        bw_signing_store_rotate(FX.app.db, FX.app.signing_key, now + 4000, keep, &dropped),
	        BW_OK);
	assert_int_equal(dropped, 6); /* three retirements of each use */
	rows(&r, &n);
	assert_int_equal(n, 6);
	for (size_t i = 0; i < n; i++)
		assert_string_not_equal(r[i].kid, kid_a);
	bw_signing_rows_free(r, n);
	bw_buf_free(&a);
	bw_buf_free(&b);
	bw_buf_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(seal_open, setup, teardown),
	        cmocka_unit_test_setup_teardown(first_start_makes_keys, setup, teardown),
	        cmocka_unit_test_setup_teardown(tampered_row_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(swapped_rows_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(issue_and_verify, setup, teardown),
	        cmocka_unit_test_setup_teardown(forged_tokens_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(revoked_even_when_cached, setup, teardown),
	        cmocka_unit_test_setup_teardown(deleted_user_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(rotation, setup, teardown),
	};

	int failed;

	if (bw_init() != BW_OK || bw_secret_random(BW_MASTER_KEY_BYTES, &master) != BW_OK)
		return 1;
	/* the template: a database with its keys made once */
	if (setup(NULL) != 0)
		return 1;
	close_app();
	bw_arena_free(FX.arena);
	snprintf(template_dir, sizeof(template_dir), "%s", FX.dir);
	snprintf(template_db, sizeof(template_db), "%s/t.db", FX.dir);
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(template_db);
	rmdir(template_dir);
	bw_secret_free(master);
	return failed;
}
