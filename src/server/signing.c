/*
 * signing.c — the server's signing keys in memory (signing.h): immutable
 * snapshots of the key table, swapped under a mutex and reference-counted,
 * so a verifying thread holds its snapshot for the length of one
 * verification and never waits for a reload; signing with the active key;
 * the published JWKS; the periodic and unknown-kid reloads; and the audit
 * of every key state change the server finds in the table.
 */
#include "signing.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "signing_internal.h"
#include "signing_store.h"

#define N_USES 2

struct snap {
	atomic_uint refs;
	struct bw_signing_row *rows;
	size_t n;
	const struct bw_jwk *active[N_USES];
	bool complete[N_USES];                /* an active and a next key */
	const struct bw_jwk **verify[N_USES]; /* next, active, retired still valid */
	size_t nverify[N_USES];
	json_t *jwks; /* the published set, shared read-only */
};

struct bw_signing {
	pthread_mutex_t mu; /* guards cur (the pointer, not the snapshot), making */
	pthread_cond_t made_cv;
	struct snap *cur;
	/* RSA keys take seconds to generate: on a first start the id_token keys
	 * are made by a thread of their own, so the server is ready at once and
	 * only the first id_token waits for them */
	struct maker *maker; /* NULL: nothing to make */
	pthread_t maker_thread;
	bool making;
	pthread_mutex_t reload_mu; /* one reload at a time */
	atomic_int_fast64_t loaded_at;
	atomic_int_fast64_t unknown_reload_at;
	struct bw_access_state *access;
};

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

/* How long after its retirement a key of use may still have signed a live token. */
static int64_t keep_s(const struct bw_app *app, enum bw_signing_use use)
{
	unsigned ttl = use == BW_SIGNING_ACCESS ? app->settings.oauth_access_token_ttl_s
	                                        : app->settings.oauth_id_token_ttl_s;

	return (int64_t)ttl + BW_JWT_DEFAULT_LEEWAY;
}

/* ---- snapshots ---------------------------------------------------------- */

static void snap_free(struct snap *s)
{
	if (s == NULL)
		return;
	for (unsigned u = 0; u < N_USES; u++)
		free(s->verify[u]);
	json_decref(s->jwks);
	bw_signing_rows_free(s->rows, s->n);
	free(s);
}

static void snap_put(struct snap *s)
{
	if (s != NULL && atomic_fetch_sub(&s->refs, 1) == 1)
		snap_free(s);
}

static struct snap *snap_get(struct bw_signing *sg)
{
	struct snap *s;

	pthread_mutex_lock(&sg->mu);
	s = sg->cur;
	if (s != NULL)
		atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&sg->mu);
	return s;
}

/* Whether row r still verifies and is published at now. */
static bool row_live(const struct bw_app *app, const struct bw_signing_row *r, int64_t now)
{
	return r->state != BW_KEY_STATE_RETIRED || r->retired_at + keep_s(app, r->use) >= now;
}

static enum bw_err snap_build(const struct bw_app *app, struct bw_signing_row *rows, size_t n,
                              int64_t now, struct snap **out)
{
	struct snap *s = calloc(1, sizeof(*s));
	json_t *keys;
	enum bw_err rc = BW_OK;

	if (s == NULL)
		return BW_ERR_NOMEM;
	atomic_init(&s->refs, 1);
	s->rows = rows;
	s->n = n;
	s->jwks = json_object();
	keys = json_array();
	if (s->jwks == NULL || keys == NULL || json_object_set_new(s->jwks, "keys", keys) != 0) {
		snap_free(s);
		return BW_ERR_NOMEM;
	}
	for (unsigned u = 0; u < N_USES; u++) {
		s->verify[u] = calloc(n + 1, sizeof(*s->verify[u]));
		if (s->verify[u] == NULL)
			rc = BW_ERR_NOMEM;
	}
	for (size_t i = 0; i < n && rc == BW_OK; i++) {
		struct bw_signing_row *r = &rows[i];
		json_t *jwk = NULL;

		if (!row_live(app, r, now))
			continue;
		if (r->state == BW_KEY_STATE_ACTIVE)
			s->active[r->use] = r->key;
		if (r->state == BW_KEY_STATE_NEXT)
			s->complete[r->use] = true;
		s->verify[r->use][s->nverify[r->use]++] = r->key;
		rc = bw_jwk_public_json(r->key, &jwk);
		if (rc == BW_OK && json_array_append_new(keys, jwk) != 0)
			rc = BW_ERR_NOMEM;
	}
	for (unsigned u = 0; u < N_USES; u++)
		s->complete[u] = s->complete[u] && s->active[u] != NULL;
	/* access keys are made before the first load; id_token keys may follow */
	if (rc == BW_OK && s->active[BW_SIGNING_ACCESS] == NULL)
		rc = BW_ERR_STATE;
	if (rc != BW_OK) {
		s->rows = NULL; /* the caller still owns them */
		s->n = 0;
		snap_free(s);
		return rc;
	}
	*out = s;
	return BW_OK;
}

/* ---- audit of state changes --------------------------------------------- */

/*
 * The CLI changes the table but never appends to the audit chain (the server
 * is its one writer; two writers would fork it). Each row remembers the state
 * last audited; whichever server first sees a change audits it, once.
 */
static void audit_changes(struct bw_app *app, const struct bw_signing_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct bw_signing_row *r = &rows[i];
		const char *state = bw_signing_state_name(r->state);
		const char *event;
		bool won = false;

		if (strcmp(r->audited_state, state) == 0)
			continue;
		if (bw_signing_store_mark_audited(app->db, r->kid, r->audited_state, state, &won) !=
		            BW_OK ||
		    !won)
			continue;
		event = r->audited_state[0] == '\0'        ? "signing.key_created"
		        : r->state == BW_KEY_STATE_ACTIVE  ? "signing.key_activated"
		        : r->state == BW_KEY_STATE_RETIRED ? "signing.key_retired"
		                                           : "signing.key_state";
		struct bw_audit_detail d[] = {
		        BW_AUDIT_D_STR("kid", bw_str_c(r->kid)),
		        BW_AUDIT_D_STR("alg", bw_str_c(bw_jwt_alg_name(r->alg))),
		        BW_AUDIT_D_STR("use", bw_str_c(bw_signing_use_name(r->use))),
		        BW_AUDIT_D_STR("state", bw_str_c(state)),
		};
		bw_app_audit(app, NULL, event, BW_AUDIT_SUCCESS, 0, d, sizeof(d) / sizeof(d[0]));
	}
}

/* ---- loading ------------------------------------------------------------ */

static enum bw_err load(struct bw_app *app)
{
	struct bw_signing *sg = app->signing;
	struct bw_signing_row *rows = NULL;
	struct snap *s = NULL, *old;
	size_t n = 0;
	int64_t now = now_s();
	enum bw_err rc;

	rc = bw_signing_store_load(app->db, app->signing_key, &rows, &n);
	if (rc != BW_OK)
		return rc;
	rc = snap_build(app, rows, n, now, &s);
	if (rc != BW_OK) {
		bw_signing_rows_free(rows, n);
		return rc;
	}
	audit_changes(app, rows, n);
	pthread_mutex_lock(&sg->mu);
	old = sg->cur;
	sg->cur = s;
	pthread_cond_broadcast(&sg->made_cv);
	pthread_mutex_unlock(&sg->mu);
	snap_put(old);
	atomic_store(&sg->loaded_at, now);
	return BW_OK;
}

static enum bw_err reload_now(struct bw_app *app)
{
	struct bw_signing *sg = app->signing;
	enum bw_err rc;

	pthread_mutex_lock(&sg->reload_mu);
	rc = load(app);
	if (rc == BW_OK && sg->access != NULL)
		rc = bw_access_state_reload(app, sg->access);
	pthread_mutex_unlock(&sg->reload_mu);
	if (rc != BW_OK)
		BW_LOG(app->log, BW_LOG_ERROR, NULL, "signing.reload_failed",
		       BW_LOG_F_CSTR("error", bw_err_str(rc)));
	return rc;
}

enum bw_err bw_signing_reload(struct bw_app *app)
{
	if (app == NULL || app->signing == NULL)
		return BW_ERR_STATE;
	return reload_now(app);
}

void bw_signing_tick(struct bw_app *app)
{
	struct bw_signing *sg = app->signing;
	int64_t now = now_s();

	if (now - atomic_load(&sg->loaded_at) < BW_SIGNING_RELOAD_S)
		return;
	/* one thread reloads; the others carry on with the snapshot they have */
	if (pthread_mutex_trylock(&sg->reload_mu) != 0)
		return;
	if (now - atomic_load(&sg->loaded_at) >= BW_SIGNING_RELOAD_S) {
		enum bw_err rc = load(app);

		if (rc == BW_OK && sg->access != NULL)
			rc = bw_access_state_reload(app, sg->access);
		if (rc != BW_OK) {
			/* keep serving with the last good keys; try again next interval */
			atomic_store(&sg->loaded_at, now);
			BW_LOG(app->log, BW_LOG_ERROR, NULL, "signing.reload_failed",
			       BW_LOG_F_CSTR("error", bw_err_str(rc)));
		}
	}
	pthread_mutex_unlock(&sg->reload_mu);
}

/* ---- the API ------------------------------------------------------------ */

/*
 * The key maker of a first start. It generates and seals the keys with
 * nothing shared but its own copy of the signing key; only then, under its
 * mutex and unless the server is stopping, does it store them and reload.
 * A stop that comes first does not wait for the RSA generation: it tells the
 * generation to give up, marks the maker stopping and joins the thread; the
 * last of the two to let go frees it.
 */
struct maker {
	pthread_mutex_t mu;
	atomic_uint refs;
	atomic_bool abort; /* the generation gives up (bw_jwk_generate_abortable) */
	bool stopping;     /* under mu: the app is going away, touch nothing of it */
	struct bw_secret *key;
	struct bw_signing_batch *batch;
	struct bw_app *app;
};

static void maker_put(struct maker *m)
{
	if (m == NULL || atomic_fetch_sub(&m->refs, 1) != 1)
		return;
	bw_signing_batch_free(m->batch);
	bw_secret_free(m->key);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

static void *make_keys(void *arg)
{
	struct maker *m = arg;
	enum bw_err rc = bw_signing_batch_make(m->key, m->batch, &m->abort); /* the slow part */
	unsigned created = 0;

	pthread_mutex_lock(&m->mu);
	if (!m->stopping) {
		struct bw_app *app = m->app;
		struct bw_signing *sg = app->signing;

		if (rc == BW_OK)
			rc = bw_signing_batch_store(app->db, now_s(), m->batch, &created);
		if (rc == BW_OK)
			rc = reload_now(app);
		if (rc != BW_OK)
			BW_LOG(app->log, BW_LOG_ERROR, NULL, "signing.keys_failed",
			       BW_LOG_F_CSTR("use", "id"), BW_LOG_F_CSTR("error", bw_err_str(rc)));
		else
			BW_LOG(app->log, BW_LOG_INFO, NULL, "signing.keys_created",
			       BW_LOG_F_CSTR("use", "id"), BW_LOG_F_UINT("count", created));
		pthread_mutex_lock(&sg->mu);
		sg->making = false;
		pthread_cond_broadcast(&sg->made_cv);
		pthread_mutex_unlock(&sg->mu);
	}
	pthread_mutex_unlock(&m->mu);
	maker_put(m);
	return NULL;
}

/* Start the maker for the id_token keys the table lacks (none: nothing). */
static enum bw_err start_maker(struct bw_app *app)
{
	struct bw_signing *sg = app->signing;
	struct maker *m = calloc(1, sizeof(*m));
	unsigned n = 0;
	enum bw_err rc;

	if (m == NULL)
		return BW_ERR_NOMEM;
	pthread_mutex_init(&m->mu, NULL);
	atomic_init(&m->refs, 2);
	atomic_init(&m->abort, false);
	m->app = app;
	rc = bw_signing_batch_plan(app->db, BW_SIGNING_USE_BIT(BW_SIGNING_ID), &m->batch, &n);
	if (rc == BW_OK && n > 0)
		rc = bw_secret_new(bw_secret_bytes(app->signing_key),
		                   bw_secret_len(app->signing_key), &m->key);
	if (rc != BW_OK || n == 0) {
		atomic_store(&m->refs, 1);
		maker_put(m);
		return rc;
	}
	sg->making = true;
	if (pthread_create(&sg->maker_thread, NULL, make_keys, m) != 0) {
		sg->making = false;
		atomic_store(&m->refs, 1);
		maker_put(m);
		return BW_ERR_INTERNAL;
	}
	sg->maker = m;
	return BW_OK;
}

enum bw_err bw_signing_start(struct bw_app *app)
{
	struct bw_signing *sg;
	unsigned created = 0;
	enum bw_err rc;

	if (app == NULL || app->db == NULL || app->signing_key == NULL || app->signing != NULL)
		return BW_ERR_STATE;
	rc = bw_signing_store_ensure(app->db, app->signing_key, now_s(),
	                             BW_SIGNING_USE_BIT(BW_SIGNING_ACCESS), &created);
	if (rc != BW_OK)
		return rc;
	if (created > 0)
		BW_LOG(app->log, BW_LOG_INFO, NULL, "signing.keys_created",
		       BW_LOG_F_CSTR("use", "access"), BW_LOG_F_UINT("count", created));
	sg = calloc(1, sizeof(*sg));
	if (sg == NULL)
		return BW_ERR_NOMEM;
	pthread_mutex_init(&sg->mu, NULL);
	pthread_cond_init(&sg->made_cv, NULL);
	pthread_mutex_init(&sg->reload_mu, NULL);
	app->signing = sg;
	rc = load(app);
	if (rc == BW_OK)
		rc = bw_access_state_new(app, &sg->access);
	if (rc == BW_OK)
		rc = bw_access_state_reload(app, sg->access);
	if (rc == BW_OK && !sg->cur->complete[BW_SIGNING_ID])
		rc = start_maker(app);
	if (rc != BW_OK) {
		bw_signing_stop(app);
		return rc;
	}
	return BW_OK;
}

void bw_signing_wait(struct bw_app *app)
{
	struct bw_signing *sg = app != NULL ? app->signing : NULL;

	if (sg == NULL)
		return;
	pthread_mutex_lock(&sg->mu);
	while (sg->making)
		pthread_cond_wait(&sg->made_cv, &sg->mu);
	pthread_mutex_unlock(&sg->mu);
}

void bw_signing_stop(struct bw_app *app)
{
	struct bw_signing *sg;

	if (app == NULL || app->signing == NULL)
		return;
	sg = app->signing;
	if (sg->maker != NULL) {
		/* the RSA generation gives up at its next candidate prime, so the join
		 * takes milliseconds; no thread is left inside OpenSSL while the
		 * process exits (its exit handlers free what that thread uses) */
		atomic_store(&sg->maker->abort, true);
		pthread_mutex_lock(&sg->maker->mu);
		sg->maker->stopping = true;
		pthread_mutex_unlock(&sg->maker->mu);
		pthread_join(sg->maker_thread, NULL);
		maker_put(sg->maker);
		sg->maker = NULL;
	}
	bw_access_state_free(sg->access);
	snap_put(sg->cur);
	pthread_mutex_destroy(&sg->mu);
	pthread_cond_destroy(&sg->made_cv);
	pthread_mutex_destroy(&sg->reload_mu);
	free(sg);
	app->signing = NULL;
}

struct bw_access_state *bw_signing_access_state(struct bw_app *app)
{
	return app != NULL && app->signing != NULL ? app->signing->access : NULL;
}

enum bw_err bw_signing_sign(struct bw_app *app, enum bw_signing_use use, const char *typ,
                            const json_t *claims, struct bw_buf *out)
{
	struct snap *s;
	enum bw_err rc;

	if (app == NULL || app->signing == NULL || (unsigned)use >= N_USES)
		return BW_ERR_STATE;
	bw_signing_tick(app);
	if (use == BW_SIGNING_ID)
		bw_signing_wait(app); /* a first start may still be making them */
	s = snap_get(app->signing);
	if (s == NULL)
		return BW_ERR_STATE;
	rc = s->active[use] != NULL ? bw_jwt_sign(s->active[use], typ, claims, out) : BW_ERR_STATE;
	snap_put(s);
	return rc;
}

enum bw_err bw_signing_jwks(struct bw_app *app, json_t **out)
{
	struct snap *s;

	if (app == NULL || app->signing == NULL)
		return BW_ERR_STATE;
	bw_signing_tick(app);
	s = snap_get(app->signing);
	if (s == NULL)
		return BW_ERR_STATE;
	*out = json_deep_copy(s->jwks);
	snap_put(s);
	return *out != NULL ? BW_OK : BW_ERR_NOMEM;
}

static enum bw_err verify_with(struct snap *s, enum bw_signing_use use, struct bw_str token,
                               const struct bw_jwt_expect *expect, json_t **claims,
                               enum bw_jwt_reason *why)
{
	struct bw_jwt_keyset ks = {s->verify[use], s->nverify[use]};

	return bw_jwt_verify(token, &ks, expect, claims, NULL, why);
}

enum bw_err bw_signing_verify(struct bw_app *app, enum bw_signing_use use, struct bw_str token,
                              const struct bw_jwt_expect *expect, json_t **claims,
                              enum bw_jwt_reason *why)
{
	struct bw_signing *sg;
	enum bw_jwt_reason r = BW_JWT_OK;
	struct snap *s;
	enum bw_err rc;

	if (app == NULL || app->signing == NULL || (unsigned)use >= N_USES)
		return BW_ERR_STATE;
	sg = app->signing;
	bw_signing_tick(app);
	s = snap_get(sg);
	if (s == NULL)
		return BW_ERR_STATE;
	rc = verify_with(s, use, token, expect, claims, &r);
	snap_put(s);
	if (rc == BW_ERR_DENIED && r == BW_JWT_UNKNOWN_KEY) {
		/* a key made by another process (bulwark keys rotate, a second server)
		 * since the last reload: look once, but not more than every few seconds,
		 * so a flood of made-up kids costs no more than one read per interval */
		int64_t now = now_s(), last = atomic_load(&sg->unknown_reload_at);

		if (now - last >= BW_SIGNING_RELOAD_MIN_S &&
		    atomic_compare_exchange_strong(&sg->unknown_reload_at, &last, now) &&
		    reload_now(app) == BW_OK) {
			s = snap_get(sg);
			rc = s != NULL ? verify_with(s, use, token, expect, claims, &r)
			               : BW_ERR_STATE;
			snap_put(s);
		}
	}
	if (why != NULL)
		*why = r;
	return rc;
}
