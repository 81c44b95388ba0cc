/* signing_store.c — the signing_keys table: seal, open, load, ensure, rotate (signing_store.h). */
#include "signing_store.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/random.h"

#define AAD_LABEL   "bulwark-signing-v1"
#define SEALED_MAX  (64u * 1024u)
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES   crypto_aead_xchacha20poly1305_ietf_ABYTES
#define N_USES      2
#define ROWS_MAX    4096u /* far more than rotation ever keeps */

static const char *const use_names[N_USES] = {"access", "id"};
static const char *const state_names[] = {"next", "active", "retired"};

const char *bw_signing_use_name(enum bw_signing_use use)
{
	return (unsigned)use < N_USES ? use_names[use] : NULL;
}

const char *bw_signing_state_name(enum bw_signing_state state)
{
	return (unsigned)state < 3 ? state_names[state] : NULL;
}

enum bw_jwt_alg bw_signing_use_alg(enum bw_signing_use use)
{
	return use == BW_SIGNING_ACCESS ? BW_JWT_EDDSA : BW_JWT_RS256;
}

static bool parse_name(struct bw_str s, const char *const *names, size_t n, unsigned *out)
{
	for (size_t i = 0; i < n; i++)
		if (bw_str_eq(s, bw_str_c(names[i]))) {
			*out = (unsigned)i;
			return true;
		}
	return false;
}

/* ---- sealing ------------------------------------------------------------ */

/* "bulwark-signing-v1" NUL kid NUL alg NUL use: the row the sealed key belongs to */
static enum bw_err build_aad(const char *kid, enum bw_jwt_alg alg, enum bw_signing_use use,
                             struct bw_buf *aad)
{
	const char *an = bw_jwt_alg_name(alg), *un = bw_signing_use_name(use);
	enum bw_err rc;

	if (an == NULL || un == NULL || kid == NULL || kid[0] == '\0' ||
	    strlen(kid) > BW_JWT_KID_MAX)
		return BW_ERR_INVALID;
	rc = bw_buf_append(aad, AAD_LABEL, sizeof(AAD_LABEL));
	if (rc == BW_OK)
		rc = bw_buf_append(aad, kid, strlen(kid) + 1);
	if (rc == BW_OK)
		rc = bw_buf_append(aad, an, strlen(an) + 1);
	if (rc == BW_OK)
		rc = bw_buf_append(aad, un, strlen(un));
	return rc;
}

static bool key_ok(const struct bw_secret *key)
{
	return key != NULL && bw_secret_len(key) == crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
}

enum bw_err bw_signing_seal(const struct bw_secret *key, const char *kid, enum bw_jwt_alg alg,
                            enum bw_signing_use use, const void *plain, size_t len,
                            struct bw_buf *out)
{
	struct bw_buf aad;
	unsigned char nonce[NONCE_BYTES];
	unsigned long long clen = 0;
	unsigned char *ct;
	enum bw_err rc;

	if (!key_ok(key) || len == 0 || len > SEALED_MAX)
		return BW_ERR_INVALID;
	bw_buf_init(&aad, 256);
	rc = build_aad(kid, alg, use, &aad);
	if (rc != BW_OK)
		goto out;
	ct = malloc(len + TAG_BYTES);
	if (ct == NULL) {
		rc = BW_ERR_NOMEM;
		goto out;
	}
	bw_random_bytes(nonce, sizeof(nonce));
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &clen, plain, len,
	                                               (const unsigned char *)aad.p, aad.len, NULL,
	                                               nonce, bw_secret_bytes(key)) != 0)
		rc = BW_ERR_CRYPTO;
	bw_buf_reset(out);
	if (rc == BW_OK)
		rc = bw_buf_append(out, nonce, sizeof(nonce));
	if (rc == BW_OK)
		rc = bw_buf_append(out, ct, (size_t)clen);
	free(ct);
out:
	bw_buf_free(&aad);
	return rc;
}

enum bw_err bw_signing_open(const struct bw_secret *key, const char *kid, enum bw_jwt_alg alg,
                            enum bw_signing_use use, const void *sealed, size_t len,
                            struct bw_buf *out)
{
	const unsigned char *s = sealed;
	struct bw_buf aad;
	unsigned long long plen = 0;
	unsigned char *pt;
	enum bw_err rc;

	if (!key_ok(key) || len <= NONCE_BYTES + TAG_BYTES ||
	    len > SEALED_MAX + NONCE_BYTES + TAG_BYTES)
		return BW_ERR_VERIFY;
	bw_buf_init(&aad, 256);
	rc = build_aad(kid, alg, use, &aad);
	if (rc != BW_OK)
		goto out;
	pt = sodium_malloc(len);
	if (pt == NULL) {
		rc = BW_ERR_NOMEM;
		goto out;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
	            pt, &plen, NULL, s + NONCE_BYTES, len - NONCE_BYTES,
	            (const unsigned char *)aad.p, aad.len, s, bw_secret_bytes(key)) != 0)
		rc = BW_ERR_VERIFY;
	bw_buf_reset(out);
	if (rc == BW_OK)
		rc = bw_buf_append(out, pt, (size_t)plen);
	sodium_free(pt); /* wipes */
out:
	bw_buf_free(&aad);
	return rc;
}

/* ---- loading ------------------------------------------------------------ */

void bw_signing_rows_free(struct bw_signing_row *rows, size_t n)
{
	if (rows == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		bw_jwk_free(rows[i].key);
	free(rows);
}

static enum bw_err copy_text(struct bw_str s, char *out, size_t size)
{
	if (s.len >= size)
		return BW_ERR_INVALID;
	memcpy(out, s.p, s.len);
	out[s.len] = '\0';
	return BW_OK;
}

/* One row of the SELECT below into r; opens the key when key is not NULL. */
static enum bw_err read_row(struct bw_db_stmt *st, const struct bw_secret *key,
                            struct bw_signing_row *r)
{
	struct bw_str kid, alg, use, state, audited;
	const uint8_t *sealed = NULL;
	size_t slen = 0;
	unsigned u = 0, s = 0;
	struct bw_buf plain;
	enum bw_err rc;

	memset(r, 0, sizeof(*r));
	rc = bw_db_col_text(st, 0, &kid);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 1, &alg);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 2, &use);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 3, &state);
	if (rc == BW_OK)
		rc = bw_db_col_blob(st, 4, &sealed, &slen);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 5, &r->created_at);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 6, &r->activated_at);
	if (rc == BW_OK)
		rc = bw_db_col_int64(st, 7, &r->retired_at);
	if (rc == BW_OK)
		rc = bw_db_col_text(st, 8, &audited);
	if (rc == BW_OK)
		rc = copy_text(kid, r->kid, sizeof(r->kid));
	if (rc == BW_OK)
		rc = copy_text(audited, r->audited_state, sizeof(r->audited_state));
	if (rc == BW_OK)
		rc = bw_jwt_alg_parse(alg, &r->alg);
	if (rc == BW_OK &&
	    (!parse_name(use, use_names, N_USES, &u) || !parse_name(state, state_names, 3, &s)))
		rc = BW_ERR_INVALID;
	if (rc != BW_OK)
		return rc;
	r->use = (enum bw_signing_use)u;
	r->state = (enum bw_signing_state)s;
	if (r->alg != bw_signing_use_alg(r->use))
		return BW_ERR_INVALID;
	if (key == NULL)
		return BW_OK;
	bw_buf_init(&plain, SEALED_MAX);
	rc = bw_signing_open(key, r->kid, r->alg, r->use, sealed, slen, &plain);
	if (rc == BW_OK)
		rc = bw_jwk_import_private(r->alg, r->kid, plain.p, plain.len, &r->key);
	if (plain.p != NULL)
		bw_wipe(plain.p, plain.len);
	bw_buf_free(&plain);
	return rc;
}

enum bw_err bw_signing_store_load(struct bw_db *db, const struct bw_secret *key,
                                  struct bw_signing_row **rows, size_t *n)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	struct bw_signing_row *v = NULL;
	size_t cnt = 0, cap = 0;
	bool row = false;
	enum bw_err rc;

	*rows = NULL;
	*n = 0;
	rc = bw_db_acquire(db, &c);
	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c,
	                   BW_SQL("SELECT kid, alg, key_use, state, sealed_key, created_at, "
	                          "activated_at, retired_at, audited_state FROM signing_keys "
	                          "ORDER BY id"),
	                   &st);
	while (rc == BW_OK && (rc = bw_db_step(st, &row)) == BW_OK && row) {
		if (cnt == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct bw_signing_row *nv;

			if (ncap > ROWS_MAX) {
				rc = BW_ERR_LIMIT;
				break;
			}
			nv = realloc(v, ncap * sizeof(*nv));
			if (nv == NULL) {
				rc = BW_ERR_NOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		rc = read_row(st, key, &v[cnt]);
		if (rc != BW_OK) {
			bw_jwk_free(v[cnt].key);
			break;
		}
		cnt++;
	}
	bw_db_finish(st);
	bw_db_release(c);
	if (rc != BW_OK) {
		bw_signing_rows_free(v, cnt);
		return rc;
	}
	*rows = v;
	*n = cnt;
	return BW_OK;
}

/* ---- making keys -------------------------------------------------------- */

/* A fresh key for use, its kid random, sealed for its row. */
struct new_key {
	char kid[BW_SIGNING_KID_SIZE];
	enum bw_signing_use use;
	struct bw_buf sealed;
};

static enum bw_err new_key_make(const struct bw_secret *key, enum bw_signing_use use,
                                const atomic_bool *abort, struct new_key *k)
{
	struct bw_jwk *jwk = NULL;
	struct bw_buf plain;
	enum bw_err rc;

	k->use = use;
	bw_buf_init(&k->sealed, SEALED_MAX + NONCE_BYTES + TAG_BYTES);
	rc = bw_random_token(BW_SIGNING_KID_BYTES, k->kid, sizeof(k->kid));
	if (rc == BW_OK)
		rc = bw_jwk_generate_abortable(bw_signing_use_alg(use), k->kid, abort, &jwk);
	if (rc != BW_OK)
		return rc;
	bw_buf_init(&plain, SEALED_MAX);
	rc = bw_jwk_export_private(jwk, &plain);
	if (rc == BW_OK)
		rc = bw_signing_seal(key, k->kid, bw_signing_use_alg(use), use, plain.p, plain.len,
		                     &k->sealed);
	if (plain.p != NULL)
		bw_wipe(plain.p, plain.len);
	bw_buf_free(&plain);
	bw_jwk_free(jwk);
	return rc;
}

static enum bw_err insert_key(struct bw_db_conn *c, const struct new_key *k,
                              enum bw_signing_state state, int64_t now)
{
	struct bw_db_stmt *st = NULL;
	const char *alg = bw_jwt_alg_name(bw_signing_use_alg(k->use));
	const char *use = bw_signing_use_name(k->use), *sn = bw_signing_state_name(state);
	bool row;
	enum bw_err rc = bw_db_prepare(
	        c,
	        BW_SQL("INSERT INTO signing_keys (kid, alg, key_use, state, sealed_key, "
	               "created_at, activated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"),
	        &st);

	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 1, k->kid, strlen(k->kid));
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 2, alg, strlen(alg));
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 3, use, strlen(use));
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 4, sn, strlen(sn));
	if (rc == BW_OK)
		rc = bw_db_bind_blob(st, 5, k->sealed.p, k->sealed.len);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 6, now);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 7, state == BW_KEY_STATE_ACTIVE ? now : 0);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	return rc;
}

/* Whether use has a key in state (in the transaction of c). */
static enum bw_err has_key(struct bw_db_conn *c, enum bw_signing_use use,
                           enum bw_signing_state state, bool *has)
{
	struct bw_db_stmt *st = NULL;
	const char *un = bw_signing_use_name(use), *sn = bw_signing_state_name(state);
	enum bw_err rc = bw_db_prepare(
	        c, BW_SQL("SELECT 1 FROM signing_keys WHERE key_use = ? AND state = ?"), &st);

	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 1, un, strlen(un));
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 2, sn, strlen(sn));
	if (rc == BW_OK)
		rc = bw_db_step(st, has);
	bw_db_finish(st);
	return rc;
}

/* Keys to add: slots [use][0] active, [use][1] next. */
struct bw_signing_batch {
	struct new_key keys[N_USES][2];
	bool need[N_USES][2], made[N_USES][2];
	int64_t now;
	unsigned inserted;
};

static enum bw_err batch_tx(struct bw_db_conn *c, void *vctx)
{
	struct bw_signing_batch *x = vctx;
	enum bw_err rc = BW_OK;

	x->inserted = 0;
	for (unsigned u = 0; u < N_USES && rc == BW_OK; u++)
		for (unsigned j = 0; j < 2 && rc == BW_OK; j++) {
			enum bw_signing_state s = j == 0 ? BW_KEY_STATE_ACTIVE : BW_KEY_STATE_NEXT;
			bool has = false;

			if (!x->made[u][j])
				continue;
			/* another process may have made it meanwhile: keep theirs */
			rc = has_key(c, (enum bw_signing_use)u, s, &has);
			if (rc == BW_OK && !has) {
				rc = insert_key(c, &x->keys[u][j], s, x->now);
				x->inserted++;
			}
		}
	return rc;
}

enum bw_err bw_signing_batch_plan(struct bw_db *db, unsigned uses, struct bw_signing_batch **out,
                                  unsigned *n)
{
	struct bw_signing_batch *x;
	struct bw_db_conn *c = NULL;
	enum bw_err rc;

	*out = NULL;
	*n = 0;
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return BW_ERR_NOMEM;
	rc = bw_db_acquire(db, &c);
	for (unsigned u = 0; u < N_USES && rc == BW_OK; u++)
		for (unsigned j = 0; j < 2 && rc == BW_OK; j++) {
			bool has = false;

			if ((uses & BW_SIGNING_USE_BIT(u)) == 0)
				continue;
			rc = has_key(c, (enum bw_signing_use)u,
			             j == 0 ? BW_KEY_STATE_ACTIVE : BW_KEY_STATE_NEXT, &has);
			x->need[u][j] = !has;
			*n += !has;
		}
	if (c != NULL)
		bw_db_release(c);
	if (rc != BW_OK) {
		free(x);
		*n = 0;
		return rc;
	}
	*out = x;
	return BW_OK;
}

enum bw_err bw_signing_batch_make(const struct bw_secret *key, struct bw_signing_batch *x,
                                  const atomic_bool *abort)
{
	enum bw_err rc = BW_OK;

	for (unsigned u = 0; u < N_USES && rc == BW_OK; u++)
		for (unsigned j = 0; j < 2 && rc == BW_OK; j++)
			if (x->need[u][j] && !x->made[u][j]) {
				rc = new_key_make(key, (enum bw_signing_use)u, abort,
				                  &x->keys[u][j]);
				x->made[u][j] = true;
			}
	return rc;
}

enum bw_err bw_signing_batch_store(struct bw_db *db, int64_t now, struct bw_signing_batch *x,
                                   unsigned *created)
{
	enum bw_err rc;

	x->now = now;
	rc = bw_db_tx(db, batch_tx, x);
	if (created != NULL)
		*created = rc == BW_OK ? x->inserted : 0;
	return rc;
}

void bw_signing_batch_free(struct bw_signing_batch *x)
{
	if (x == NULL)
		return;
	for (unsigned u = 0; u < N_USES; u++)
		for (unsigned j = 0; j < 2; j++)
			if (x->made[u][j])
				bw_buf_free(&x->keys[u][j].sealed);
	free(x);
}

enum bw_err bw_signing_store_ensure(struct bw_db *db, const struct bw_secret *key, int64_t now,
                                    unsigned uses, unsigned *created)
{
	struct bw_signing_batch *x = NULL;
	unsigned n = 0;
	enum bw_err rc;

	if (created != NULL)
		*created = 0;
	rc = bw_signing_batch_plan(db, uses, &x, &n);
	if (rc == BW_OK && n > 0)
		rc = bw_signing_batch_make(key, x, NULL);
	if (rc == BW_OK && n > 0)
		rc = bw_signing_batch_store(db, now, x, created);
	bw_signing_batch_free(x);
	return rc;
}

/* ---- rotation ----------------------------------------------------------- */

struct rotate_ctx {
	struct new_key keys[N_USES];
	const int64_t *keep_s;
	int64_t now;
	uint64_t dropped;
};

static enum bw_err rotate_use(struct bw_db_conn *c, struct rotate_ctx *x, unsigned u)
{
	const char *un = bw_signing_use_name((enum bw_signing_use)u);
	struct bw_db_stmt *st = NULL;
	uint64_t changes = 0;
	bool row, has = false;
	enum bw_err rc = has_key(c, (enum bw_signing_use)u, BW_KEY_STATE_NEXT, &has);

	if (rc == BW_OK && !has)
		return BW_ERR_STATE;
	/* keys retired before the longest token they could have signed expired are kept */
	if (rc == BW_OK)
		rc = bw_db_prepare(c,
		                   BW_SQL("DELETE FROM signing_keys WHERE key_use = ? AND "
		                          "state = 'retired' AND retired_at < ?"),
		                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 1, un, strlen(un));
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 2, x->now - x->keep_s[u]);
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	if (rc == BW_OK)
		rc = bw_db_changes(st, &changes);
	bw_db_finish(st);
	x->dropped += changes;
	st = NULL;
	if (rc == BW_OK)
		rc = bw_db_prepare(
		        c,
		        BW_SQL("UPDATE signing_keys SET state = 'retired', retired_at = ? "
		               "WHERE key_use = ? AND state = 'active'"),
		        &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, x->now);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 2, un, strlen(un));
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	st = NULL;
	if (rc == BW_OK)
		rc = bw_db_prepare(
		        c,
		        BW_SQL("UPDATE signing_keys SET state = 'active', activated_at = ? "
		               "WHERE key_use = ? AND state = 'next'"),
		        &st);
	if (rc == BW_OK)
		rc = bw_db_bind_int64(st, 1, x->now);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 2, un, strlen(un));
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	bw_db_finish(st);
	if (rc == BW_OK)
		rc = insert_key(c, &x->keys[u], BW_KEY_STATE_NEXT, x->now);
	return rc;
}

static enum bw_err rotate_tx(struct bw_db_conn *c, void *vctx)
{
	struct rotate_ctx *x = vctx;
	enum bw_err rc = BW_OK;

	x->dropped = 0;
	for (unsigned u = 0; u < N_USES && rc == BW_OK; u++)
		rc = rotate_use(c, x, u);
	return rc;
}

enum bw_err bw_signing_store_rotate(struct bw_db *db, const struct bw_secret *key, int64_t now,
                                    const int64_t keep_s[2], unsigned *dropped)
{
	struct rotate_ctx x;
	unsigned made = 0;
	enum bw_err rc = BW_OK;

	memset(&x, 0, sizeof(x));
	x.keep_s = keep_s;
	x.now = now;
	for (unsigned u = 0; u < N_USES && rc == BW_OK; u++, made++)
		rc = new_key_make(key, (enum bw_signing_use)u, NULL, &x.keys[u]);
	if (rc == BW_OK)
		rc = bw_db_tx(db, rotate_tx, &x);
	if (rc == BW_OK && dropped != NULL)
		*dropped = (unsigned)x.dropped;
	for (unsigned u = 0; u < made; u++)
		bw_buf_free(&x.keys[u].sealed);
	return rc;
}

enum bw_err bw_signing_store_mark_audited(struct bw_db *db, const char *kid, const char *from,
                                          const char *to, bool *won)
{
	struct bw_db_conn *c = NULL;
	struct bw_db_stmt *st = NULL;
	uint64_t changes = 0;
	bool row;
	enum bw_err rc = bw_db_acquire(db, &c);

	*won = false;
	if (rc != BW_OK)
		return rc;
	rc = bw_db_prepare(c,
	                   BW_SQL("UPDATE signing_keys SET audited_state = ? "
	                          "WHERE kid = ? AND audited_state = ?"),
	                   &st);
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 1, to, strlen(to));
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 2, kid, strlen(kid));
	if (rc == BW_OK)
		rc = bw_db_bind_text(st, 3, from, strlen(from));
	if (rc == BW_OK)
		rc = bw_db_step(st, &row);
	if (rc == BW_OK)
		rc = bw_db_changes(st, &changes);
	bw_db_finish(st);
	bw_db_release(c);
	*won = changes == 1;
	return rc;
}
