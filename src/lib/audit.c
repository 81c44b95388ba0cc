/*
 * audit.c — the audit log's chain, checkpoints, verifier and export.
 *
 * Nothing here touches storage: the writer hands records and checkpoints to
 * the caller's sink and the verifier takes whatever the caller read back.
 * The format rules live in one place (event_check) and every path — append,
 * canonical form, export, parse, verify — goes through it, so a record that
 * could not have been written is never accepted. Key bytes stay in struct
 * bw_secret; derived seeds on the stack are wiped before return.
 */
#include "bulwark/audit.h"

#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/arena.h"
#include "bulwark/json.h"
#include "bulwark/log.h"
#include "bulwark/netaddr.h"
#include "bulwark/syslog.h"
#include "bulwark/utf8.h"

#define KDF_CONTEXT     "bwaudit1"
#define KDF_MAC         1
#define KDF_SIGN        2
#define CANON_TAG       "bwaudit1"
#define GENESIS_LABEL   "bwaudit genesis v1"
#define CHECKPOINT_TAG  "bwaudit checkpoint v1"
#define KEY_ID_LEN      (BW_KEY_ID_SIZE - 1)
#define IP_MAX          (BW_NETADDR_STR_SIZE - 1)
#define EVERY_MAX       1000000u
#define MAC_HEX_LEN     (2 * BW_AUDIT_MAC_BYTES)
#define SIG_HEX_LEN     (2 * BW_AUDIT_SIG_BYTES)
#define JSON_LINE_DEPTH 2u

/* The longest canonical form: fixed part, four text fields, all details at their caps. */
#define CANON_MAX                                                               \
	(8u + 8u + 8u + (4u + BW_AUDIT_ACTOR_MAX) + (4u + IP_MAX) +             \
	 (4u + BW_AUDIT_REQUEST_ID_MAX) + (4u + BW_AUDIT_EVENT_MAX) + 1u + 1u + \
	 BW_AUDIT_DETAILS_MAX * (4u + BW_AUDIT_KEY_MAX + 1u + 4u + BW_AUDIT_STR_MAX))
/* What a checkpoint signature covers: tag, seq, time, mac, key id. */
#define CHECKPOINT_MSG_LEN (sizeof(CHECKPOINT_TAG) - 1 + 8u + 8u + BW_AUDIT_MAC_BYTES + KEY_ID_LEN)

_Static_assert(sizeof(KDF_CONTEXT) - 1 == crypto_kdf_CONTEXTBYTES, "kdf context size");
_Static_assert(BW_AUDIT_MAC_BYTES == crypto_generichash_BYTES, "mac size");
_Static_assert(BW_AUDIT_SIG_BYTES == crypto_sign_BYTES, "signature size");
_Static_assert(BW_AUDIT_PUBLIC_KEY_BYTES == crypto_sign_PUBLICKEYBYTES, "public key size");
_Static_assert(BW_AUDIT_DETAILS_MAX <= 255, "the detail count is one byte");
_Static_assert(CANON_MAX < BW_AUDIT_LINE_MAX, "a canonical form fits a line buffer");

struct bw_audit_key {
	struct bw_secret *mac_key; /* BLAKE2b key of the chain */
	struct bw_secret *sign_sk; /* Ed25519 secret key (seed and public key) */
	uint8_t pk[BW_AUDIT_PUBLIC_KEY_BYTES];
	uint8_t genesis[BW_AUDIT_MAC_BYTES];
	char id[BW_KEY_ID_SIZE];
};

static const char *const outcome_names[] = {
        [BW_AUDIT_SUCCESS] = "success",
        [BW_AUDIT_FAILURE] = "failure",
        [BW_AUDIT_DENIED] = "denied",
        [BW_AUDIT_LOCKED] = "locked",
};

static const char *const verdict_names[] = {
        [BW_AUDIT_INTACT] = "intact",       [BW_AUDIT_MALFORMED] = "malformed",
        [BW_AUDIT_EDITED] = "edited",       [BW_AUDIT_DELETED] = "deleted",
        [BW_AUDIT_INSERTED] = "inserted",   [BW_AUDIT_REORDERED] = "reordered",
        [BW_AUDIT_TRUNCATED] = "truncated", [BW_AUDIT_FORGED_CHECKPOINT] = "forged_checkpoint",
        [BW_AUDIT_WRONG_KEY] = "wrong_key", [BW_AUDIT_CHECKPOINT_MISMATCH] = "checkpoint_mismatch",
};

const char *bw_audit_verdict_str(enum bw_audit_verdict v)
{
	if ((unsigned)v >= sizeof(verdict_names) / sizeof(verdict_names[0]))
		return "unknown";
	return verdict_names[v];
}

/* ---- keys ---- */

static void keyed_hash(const struct bw_secret *key, const void *a, size_t alen, const void *b,
                       size_t blen, const void *c, size_t clen, uint8_t out[BW_AUDIT_MAC_BYTES])
{
	crypto_generichash_state st;

	BW_REQUIRE(crypto_generichash_init(&st, bw_secret_bytes(key), bw_secret_len(key),
	                                   BW_AUDIT_MAC_BYTES) == 0);
	BW_REQUIRE(crypto_generichash_update(&st, a, alen) == 0);
	BW_REQUIRE(crypto_generichash_update(&st, b, blen) == 0);
	BW_REQUIRE(crypto_generichash_update(&st, c, clen) == 0);
	BW_REQUIRE(crypto_generichash_final(&st, out, BW_AUDIT_MAC_BYTES) == 0);
	sodium_memzero(&st, sizeof(st));
}

void bw_audit_key_free(struct bw_audit_key *key)
{
	if (key == NULL)
		return;
	bw_secret_free(key->mac_key);
	bw_secret_free(key->sign_sk);
	sodium_memzero(key, sizeof(*key));
	free(key);
}

enum bw_err bw_audit_key_new(const struct bw_secret *master, uint32_t version,
                             struct bw_audit_key **out)
{
	struct bw_secret *purpose = NULL;
	struct bw_audit_key *k = NULL;
	uint8_t sub[32], sk[crypto_sign_SECRETKEYBYTES];
	enum bw_err rc;

	BW_REQUIRE(master != NULL && out != NULL);
	*out = NULL;
	rc = bw_keys_derive(master, BW_KEY_AUDIT, version, &purpose);
	if (rc != BW_OK)
		goto out;
	k = calloc(1, sizeof(*k));
	if (k == NULL) {
		rc = BW_ERR_NOMEM;
		goto out;
	}
	bw_keys_id(purpose, k->id);
	if (crypto_kdf_derive_from_key(sub, sizeof(sub), KDF_MAC, KDF_CONTEXT,
	                               bw_secret_bytes(purpose)) != 0) {
		rc = BW_ERR_CRYPTO;
		goto out;
	}
	rc = bw_secret_new(sub, sizeof(sub), &k->mac_key);
	if (rc != BW_OK)
		goto out;
	if (crypto_kdf_derive_from_key(sub, sizeof(sub), KDF_SIGN, KDF_CONTEXT,
	                               bw_secret_bytes(purpose)) != 0 ||
	    crypto_sign_seed_keypair(k->pk, sk, sub) != 0) {
		rc = BW_ERR_CRYPTO;
		goto out;
	}
	rc = bw_secret_new(sk, sizeof(sk), &k->sign_sk);
	if (rc != BW_OK)
		goto out;
	keyed_hash(k->mac_key, GENESIS_LABEL, sizeof(GENESIS_LABEL) - 1, k->id, KEY_ID_LEN, NULL, 0,
	           k->genesis);
	*out = k;
	k = NULL;
out:
	sodium_memzero(sub, sizeof(sub));
	sodium_memzero(sk, sizeof(sk));
	bw_audit_key_free(k);
	bw_secret_free(purpose);
	return rc;
}

const char *bw_audit_key_id(const struct bw_audit_key *key)
{
	BW_REQUIRE(key != NULL);
	return key->id;
}

void bw_audit_key_public(const struct bw_audit_key *key, uint8_t out[BW_AUDIT_PUBLIC_KEY_BYTES])
{
	BW_REQUIRE(key != NULL && out != NULL);
	memcpy(out, key->pk, BW_AUDIT_PUBLIC_KEY_BYTES);
}

/* ---- the format rules ---- */

static bool bytes_in(struct bw_str s, size_t min, size_t max, const char *extra, bool upper)
{
	if (s.len < min || s.len > max)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		char c = s.p[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			continue;
		if (upper && c >= 'A' && c <= 'Z')
			continue;
		if (c == '\0' || strchr(extra, c) == NULL)
			return false;
	}
	return true;
}

static bool ip_ok(struct bw_str ip)
{
	struct bw_netaddr a;
	char text[BW_NETADDR_STR_SIZE];

	if (ip.len == 0)
		return true;
	if (ip.len > IP_MAX || bw_netaddr_parse(ip, &a) != BW_OK)
		return false;
	/* one address, one spelling: "::ffff:1.2.3.4" and "0:0::1" are refused */
	return bw_str_eq_c(ip, bw_netaddr_format(&a, text));
}

/* Detail string values: UTF-8 without C0, DEL or C1 controls. */
static bool clean_text(struct bw_str s)
{
	size_t i = 0, n;
	uint32_t cp;

	while (i < s.len) {
		if (!bw_utf8_decode((const uint8_t *)s.p + i, s.len - i, &cp, &n))
			return false;
		if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
			return false;
		i += n;
	}
	return true;
}

/* <0, 0, >0 like memcmp, over bytes then length. */
static int key_cmp(struct bw_str a, struct bw_str b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int c = n > 0 ? memcmp(a.p, b.p, n) : 0;

	if (c != 0)
		return c;
	return a.len < b.len ? -1 : a.len > b.len ? 1 : 0;
}

static enum bw_err detail_check(const struct bw_audit_detail *d)
{
	if (!bytes_in(d->key, 1, BW_AUDIT_KEY_MAX, "_", false))
		return BW_ERR_INVALID;
	if (bw_log_key_sensitive(d->key))
		return BW_ERR_DENIED;
	switch (d->kind) {
	case BW_AUDIT_STR:
		if (d->v.s.len > BW_AUDIT_STR_MAX)
			return BW_ERR_INVALID;
		if (d->v.s.len > 0 && d->v.s.p == NULL)
			return BW_ERR_INVALID;
		return clean_text(d->v.s) ? BW_OK : BW_ERR_ENCODING;
	case BW_AUDIT_INT:
		return d->v.i >= -BW_AUDIT_INT_MAX && d->v.i <= BW_AUDIT_INT_MAX ? BW_OK
		                                                                 : BW_ERR_INVALID;
	case BW_AUDIT_BOOL:
		return BW_OK;
	}
	return BW_ERR_INVALID;
}

enum bw_err bw_audit_event_check(const struct bw_audit_event *ev)
{
	enum bw_err rc;

	BW_REQUIRE(ev != NULL);
	if (ev->time_ms < 0 || ev->time_ms > BW_SYSLOG_TIME_MAX)
		return BW_ERR_RANGE;
	if ((ev->actor.len > 0 && ev->actor.p == NULL) || (ev->ip.len > 0 && ev->ip.p == NULL) ||
	    (ev->request_id.len > 0 && ev->request_id.p == NULL) ||
	    (ev->event.len > 0 && ev->event.p == NULL))
		return BW_ERR_INVALID;
	if (!bytes_in(ev->actor, 1, BW_AUDIT_ACTOR_MAX, "._:@-", true) || !ip_ok(ev->ip) ||
	    !bytes_in(ev->request_id, 0, BW_AUDIT_REQUEST_ID_MAX, "._-", true) ||
	    !bytes_in(ev->event, 1, BW_AUDIT_EVENT_MAX, "_.", false))
		return BW_ERR_INVALID;
	if (ev->outcome < BW_AUDIT_SUCCESS || ev->outcome > BW_AUDIT_LOCKED)
		return BW_ERR_INVALID;
	if (ev->ndetails > BW_AUDIT_DETAILS_MAX)
		return BW_ERR_LIMIT;
	if (ev->ndetails > 0 && ev->details == NULL)
		return BW_ERR_INVALID;
	for (size_t i = 0; i < ev->ndetails; i++) {
		rc = detail_check(&ev->details[i]);
		if (rc != BW_OK)
			return rc;
		if (i > 0 && key_cmp(ev->details[i - 1].key, ev->details[i].key) >= 0)
			return BW_ERR_INVALID;
	}
	return BW_OK;
}

/* ---- canonical form and MAC ---- */

struct canon {
	uint8_t p[CANON_MAX];
	size_t len;
};

static void put_raw(struct canon *c, const void *p, size_t n)
{
	BW_REQUIRE(n <= sizeof(c->p) - c->len); /* bounded by CANON_MAX for checked events */
	if (n > 0)
		memcpy(c->p + c->len, p, n);
	c->len += n;
}

static void put_u64(struct canon *c, uint64_t v)
{
	uint8_t b[8];

	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)(v & 0xFF);
	put_raw(c, b, sizeof(b));
}

static void put_field(struct canon *c, struct bw_str s)
{
	uint8_t b[4] = {(uint8_t)(s.len >> 24), (uint8_t)(s.len >> 16), (uint8_t)(s.len >> 8),
	                (uint8_t)s.len};

	put_raw(c, b, sizeof(b));
	put_raw(c, s.p, s.len);
}

static void put_byte(struct canon *c, uint8_t v)
{
	put_raw(c, &v, 1);
}

/* The canonical form of a record whose event passed event_check. */
static void canonical(const struct bw_audit_record *r, struct canon *c)
{
	const struct bw_audit_event *ev = &r->ev;

	c->len = 0;
	put_raw(c, CANON_TAG, sizeof(CANON_TAG) - 1);
	put_u64(c, r->seq);
	put_u64(c, (uint64_t)ev->time_ms);
	put_field(c, ev->actor);
	put_field(c, ev->ip);
	put_field(c, ev->request_id);
	put_field(c, ev->event);
	put_byte(c, (uint8_t)ev->outcome);
	put_byte(c, (uint8_t)ev->ndetails);
	for (size_t i = 0; i < ev->ndetails; i++) {
		const struct bw_audit_detail *d = &ev->details[i];

		put_field(c, d->key);
		put_byte(c, (uint8_t)d->kind);
		if (d->kind == BW_AUDIT_STR)
			put_field(c, d->v.s);
		else if (d->kind == BW_AUDIT_INT)
			put_u64(c, (uint64_t)d->v.i);
		else
			put_byte(c, d->v.b ? 1 : 0);
	}
}

static enum bw_err record_check(const struct bw_audit_record *r)
{
	if (r->seq == 0 || r->seq > BW_AUDIT_SEQ_MAX)
		return BW_ERR_RANGE;
	return bw_audit_event_check(&r->ev);
}

enum bw_err bw_audit_record_canonical(const struct bw_audit_record *rec, struct bw_buf *out)
{
	struct canon c;
	enum bw_err rc;

	BW_REQUIRE(rec != NULL && out != NULL);
	rc = record_check(rec);
	if (rc != BW_OK)
		return rc;
	canonical(rec, &c);
	return bw_buf_append(out, c.p, c.len);
}

/* mac = BLAKE2b_k(prev || seq || canonical(r)) for a checked record. */
static void record_mac(const struct bw_audit_key *k, const uint8_t prev[BW_AUDIT_MAC_BYTES],
                       const struct bw_audit_record *r, uint8_t out[BW_AUDIT_MAC_BYTES])
{
	struct canon c;
	struct canon s;

	canonical(r, &c);
	s.len = 0;
	put_u64(&s, r->seq);
	keyed_hash(k->mac_key, prev, BW_AUDIT_MAC_BYTES, s.p, s.len, c.p, c.len, out);
}

/* ---- checkpoints ---- */

static void checkpoint_msg(const struct bw_audit_checkpoint *cp, uint8_t out[CHECKPOINT_MSG_LEN])
{
	struct canon c;

	c.len = 0;
	put_raw(&c, CHECKPOINT_TAG, sizeof(CHECKPOINT_TAG) - 1);
	put_u64(&c, cp->seq);
	put_u64(&c, (uint64_t)cp->time_ms);
	put_raw(&c, cp->mac, BW_AUDIT_MAC_BYTES);
	put_raw(&c, cp->key_id, KEY_ID_LEN);
	BW_REQUIRE(c.len == CHECKPOINT_MSG_LEN);
	memcpy(out, c.p, c.len);
}

static bool key_id_ok(const char *id)
{
	if (memchr(id, '\0', BW_KEY_ID_SIZE) != id + KEY_ID_LEN)
		return false;
	for (size_t i = 0; i < KEY_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return true;
}

static bool checkpoint_ok(const struct bw_audit_checkpoint *cp)
{
	return cp->seq >= 1 && cp->seq <= BW_AUDIT_SEQ_MAX && cp->time_ms >= 0 &&
	       cp->time_ms <= BW_SYSLOG_TIME_MAX && key_id_ok(cp->key_id);
}

enum bw_err bw_audit_checkpoint_verify(const uint8_t pk[BW_AUDIT_PUBLIC_KEY_BYTES],
                                       const struct bw_audit_checkpoint *cp)
{
	uint8_t msg[CHECKPOINT_MSG_LEN];

	BW_REQUIRE(pk != NULL && cp != NULL);
	if (!checkpoint_ok(cp))
		return BW_ERR_VERIFY;
	checkpoint_msg(cp, msg);
	return crypto_sign_verify_detached(cp->sig, msg, sizeof(msg), pk) == 0 ? BW_OK
	                                                                       : BW_ERR_VERIFY;
}

static void checkpoint_sign(const struct bw_audit_key *k, uint64_t seq, int64_t time_ms,
                            const uint8_t mac[BW_AUDIT_MAC_BYTES], struct bw_audit_checkpoint *cp)
{
	uint8_t msg[CHECKPOINT_MSG_LEN];

	memset(cp, 0, sizeof(*cp));
	cp->seq = seq;
	cp->time_ms = time_ms;
	memcpy(cp->mac, mac, BW_AUDIT_MAC_BYTES);
	memcpy(cp->key_id, k->id, BW_KEY_ID_SIZE);
	checkpoint_msg(cp, msg);
	BW_REQUIRE(crypto_sign_detached(cp->sig, NULL, msg, sizeof(msg),
	                                bw_secret_bytes(k->sign_sk)) == 0);
}

/* ---- the writer ---- */

struct bw_audit_chain {
	const struct bw_audit_key *key;
	struct bw_audit_sink sink;
	unsigned every;
	pthread_mutex_t mu;
	uint64_t last_seq;
	uint8_t last_mac[BW_AUDIT_MAC_BYTES];
	uint64_t checkpoints;
	uint64_t checkpoint_errors;
	bool due;
};

enum bw_err bw_audit_chain_new(const struct bw_audit_key *key, const struct bw_audit_sink *sink,
                               unsigned every, uint64_t last_seq,
                               const uint8_t last_mac[BW_AUDIT_MAC_BYTES],
                               struct bw_audit_chain **out)
{
	struct bw_audit_chain *c;

	BW_REQUIRE(key != NULL && sink != NULL && out != NULL);
	BW_REQUIRE(sink->store_record != NULL && sink->store_checkpoint != NULL);
	*out = NULL;
	if ((last_seq == 0) != (last_mac == NULL))
		return BW_ERR_INVALID;
	if (every == 0 || every > EVERY_MAX || last_seq > BW_AUDIT_SEQ_MAX)
		return BW_ERR_RANGE;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return BW_ERR_NOMEM;
	if (pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c);
		return BW_ERR_INTERNAL;
	}
	c->key = key;
	c->sink = *sink;
	c->every = every;
	c->last_seq = last_seq;
	memcpy(c->last_mac, last_seq == 0 ? key->genesis : last_mac, BW_AUDIT_MAC_BYTES);
	*out = c;
	return BW_OK;
}

void bw_audit_chain_free(struct bw_audit_chain *chain)
{
	if (chain == NULL)
		return;
	pthread_mutex_destroy(&chain->mu);
	sodium_memzero(chain, sizeof(*chain));
	free(chain);
}

/* Sign, store and export a checkpoint of the last record; called with the lock held. */
static enum bw_err make_checkpoint(struct bw_audit_chain *c, int64_t time_ms,
                                   struct bw_audit_checkpoint *out)
{
	struct bw_audit_checkpoint cp;
	enum bw_err rc;

	checkpoint_sign(c->key, c->last_seq, time_ms, c->last_mac, &cp);
	rc = c->sink.store_checkpoint(c->sink.ctx, &cp);
	if (rc != BW_OK) {
		c->checkpoint_errors++;
		c->due = true;
		return rc;
	}
	c->checkpoints++;
	c->due = false;
	if (c->sink.export_checkpoint != NULL)
		c->sink.export_checkpoint(c->sink.ctx, &cp);
	if (out != NULL)
		*out = cp;
	return BW_OK;
}

enum bw_err bw_audit_append(struct bw_audit_chain *chain, const struct bw_audit_event *ev,
                            uint64_t *seq)
{
	struct bw_audit_detail sorted[BW_AUDIT_DETAILS_MAX];
	struct bw_audit_record rec;
	enum bw_err rc;

	BW_REQUIRE(chain != NULL && ev != NULL);
	if (ev->ndetails > BW_AUDIT_DETAILS_MAX)
		return BW_ERR_LIMIT;
	if (ev->ndetails > 0 && ev->details == NULL)
		return BW_ERR_INVALID;
	/* insertion sort of at most BW_AUDIT_DETAILS_MAX; a repeat fails the check below */
	for (size_t i = 0; i < ev->ndetails; i++) {
		size_t j = i;

		for (; j > 0 && key_cmp(sorted[j - 1].key, ev->details[i].key) > 0; j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = ev->details[i];
	}
	rec.ev = *ev;
	rec.ev.details = ev->ndetails > 0 ? sorted : NULL;
	rc = bw_audit_event_check(&rec.ev);
	if (rc != BW_OK)
		return rc;

	pthread_mutex_lock(&chain->mu);
	if (chain->last_seq >= BW_AUDIT_SEQ_MAX) {
		rc = BW_ERR_LIMIT;
		goto out;
	}
	rec.seq = chain->last_seq + 1;
	record_mac(chain->key, chain->last_mac, &rec, rec.mac);
	rc = chain->sink.store_record(chain->sink.ctx, &rec);
	if (rc != BW_OK)
		goto out;
	chain->last_seq = rec.seq;
	memcpy(chain->last_mac, rec.mac, BW_AUDIT_MAC_BYTES);
	if (seq != NULL)
		*seq = rec.seq;
	if (rec.seq % chain->every == 0)
		chain->due = true;
	if (chain->due)
		(void)make_checkpoint(chain, rec.ev.time_ms, NULL); /* counted; retried next time */
out:
	pthread_mutex_unlock(&chain->mu);
	return rc;
}

enum bw_err bw_audit_checkpoint_now(struct bw_audit_chain *chain, int64_t time_ms,
                                    struct bw_audit_checkpoint *out)
{
	enum bw_err rc;

	BW_REQUIRE(chain != NULL);
	if (time_ms < 0 || time_ms > BW_SYSLOG_TIME_MAX)
		return BW_ERR_RANGE;
	pthread_mutex_lock(&chain->mu);
	if (chain->last_seq == 0)
		rc = BW_ERR_STATE;
	else
		rc = make_checkpoint(chain, time_ms, out);
	pthread_mutex_unlock(&chain->mu);
	return rc;
}

void bw_audit_chain_stats(struct bw_audit_chain *chain, struct bw_audit_chain_stats *out)
{
	BW_REQUIRE(chain != NULL && out != NULL);
	pthread_mutex_lock(&chain->mu);
	out->last_seq = chain->last_seq;
	out->checkpoints = chain->checkpoints;
	out->checkpoint_errors = chain->checkpoint_errors;
	out->checkpoint_due = chain->due;
	pthread_mutex_unlock(&chain->mu);
}

/* ---- verification ---- */

struct cp_ref {
	const struct bw_audit_checkpoint *cp;
	enum bw_audit_where where;
	size_t index;
};

static int cp_ref_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct cp_ref *)a)->cp->seq, y = ((const struct cp_ref *)b)->cp->seq;

	return x < y ? -1 : x > y ? 1 : 0;
}

static enum bw_err report(struct bw_audit_report *rep, enum bw_audit_verdict v,
                          enum bw_audit_where where, size_t index, uint64_t seq)
{
	rep->verdict = v;
	rep->where = where;
	rep->index = index;
	rep->seq = seq;
	return v == BW_AUDIT_INTACT ? BW_OK : BW_ERR_VERIFY;
}

/* Whether r carries the right MAC after prev (r must have passed record_check). */
static bool mac_ok(const struct bw_audit_key *k, const uint8_t prev[BW_AUDIT_MAC_BYTES],
                   const struct bw_audit_record *r, uint8_t mac[BW_AUDIT_MAC_BYTES])
{
	record_mac(k, prev, r, mac);
	return bw_ct_eq(mac, BW_AUDIT_MAC_BYTES, r->mac, BW_AUDIT_MAC_BYTES);
}

/* The verdict for records[i] (seq == last + 1) whose MAC failed. */
static enum bw_audit_verdict bad_mac_verdict(const struct bw_audit_key *k,
                                             const uint8_t prev[BW_AUDIT_MAC_BYTES],
                                             const struct bw_audit_record *records, size_t n,
                                             size_t i)
{
	uint8_t mac[BW_AUDIT_MAC_BYTES];

	/* a foreign record slipped in before the real one of the same seq */
	if (i + 1 < n && records[i + 1].seq == records[i].seq &&
	    record_check(&records[i + 1]) == BW_OK && mac_ok(k, prev, &records[i + 1], mac))
		return BW_AUDIT_INSERTED;
	return BW_AUDIT_EDITED;
}

static enum bw_err verify_records(const struct bw_audit_key *k,
                                  const struct bw_audit_record *records, size_t n,
                                  const struct cp_ref *cps, size_t ncp, struct bw_audit_report *rep)
{
	uint8_t prev[BW_AUDIT_MAC_BYTES], mac[BW_AUDIT_MAC_BYTES];
	uint64_t last = 0;
	size_t next_cp = 0;

	memcpy(prev, k->genesis, sizeof(prev));
	for (size_t i = 0; i < n; i++) {
		const struct bw_audit_record *r = &records[i];

		if (record_check(r) != BW_OK)
			return report(rep, BW_AUDIT_MALFORMED, BW_AUDIT_IN_RECORDS, i, r->seq);
		/*
		 * Every seq up to last has been seen, so a lower one is a repeat (a
		 * record moved earlier shows as a gap first, handled below).
		 */
		if (r->seq <= last)
			return report(rep, BW_AUDIT_INSERTED, BW_AUDIT_IN_RECORDS, i, r->seq);
		if (r->seq > last + 1) {
			/* the missing seq further on: this record came too early */
			for (size_t j = i + 1; j < n; j++)
				if (records[j].seq == last + 1)
					return report(rep, BW_AUDIT_REORDERED, BW_AUDIT_IN_RECORDS,
					              i, r->seq);
			return report(rep, BW_AUDIT_DELETED, BW_AUDIT_IN_RECORDS, i, last + 1);
		}
		if (!mac_ok(k, prev, r, mac))
			return report(rep, bad_mac_verdict(k, prev, records, n, i),
			              BW_AUDIT_IN_RECORDS, i, r->seq);
		for (; next_cp < ncp && cps[next_cp].cp->seq <= r->seq; next_cp++) {
			/* checkpoints are sorted by seq and seqs here rise by one */
			BW_REQUIRE(cps[next_cp].cp->seq == r->seq);
			if (!bw_ct_eq(cps[next_cp].cp->mac, BW_AUDIT_MAC_BYTES, r->mac,
			              BW_AUDIT_MAC_BYTES))
				return report(rep, BW_AUDIT_CHECKPOINT_MISMATCH, cps[next_cp].where,
				              cps[next_cp].index, r->seq);
		}
		memcpy(prev, r->mac, sizeof(prev));
		last = r->seq;
		rep->verified++;
	}
	if (next_cp < ncp)
		return report(rep, BW_AUDIT_TRUNCATED, BW_AUDIT_IN_RECORDS, n, last + 1);
	return report(rep, BW_AUDIT_INTACT, BW_AUDIT_IN_RECORDS, n, last);
}

enum bw_err bw_audit_verify(const struct bw_audit_key *key, const struct bw_audit_record *records,
                            size_t n, const struct bw_audit_checkpoint *stored, size_t nstored,
                            const struct bw_audit_checkpoint *exported, size_t nexported,
                            struct bw_audit_report *rep)
{
	const struct bw_audit_checkpoint *lists[2] = {stored, exported};
	const size_t counts[2] = {nstored, nexported};
	const enum bw_audit_where wheres[2] = {BW_AUDIT_IN_STORED, BW_AUDIT_IN_EXPORTED};
	struct cp_ref *cps = NULL;
	size_t ncp = 0;
	enum bw_err rc;

	BW_REQUIRE(key != NULL && rep != NULL);
	BW_REQUIRE((records != NULL || n == 0) && (stored != NULL || nstored == 0) &&
	           (exported != NULL || nexported == 0));
	memset(rep, 0, sizeof(*rep));
	if (nstored > SIZE_MAX / sizeof(*cps) - nexported)
		return BW_ERR_NOMEM;
	if (nstored + nexported > 0) {
		cps = calloc(nstored + nexported, sizeof(*cps));
		if (cps == NULL)
			return BW_ERR_NOMEM;
	}
	/* key ids first: a wrong key would make every other check fail for no fault */
	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; i < counts[l]; i++)
			if (!bw_str_eq_c(bw_str_c(lists[l][i].key_id), key->id) &&
			    checkpoint_ok(&lists[l][i])) {
				rc = report(rep, BW_AUDIT_WRONG_KEY, wheres[l], i, lists[l][i].seq);
				goto out;
			}
	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; i < counts[l]; i++) {
			const struct bw_audit_checkpoint *cp = &lists[l][i];

			if (!checkpoint_ok(cp)) {
				rc = report(rep, BW_AUDIT_MALFORMED, wheres[l], i, cp->seq);
				goto out;
			}
			if (bw_audit_checkpoint_verify(key->pk, cp) != BW_OK) {
				rc = report(rep, BW_AUDIT_FORGED_CHECKPOINT, wheres[l], i, cp->seq);
				goto out;
			}
			cps[ncp++] = (struct cp_ref){cp, wheres[l], i};
			if (cp->seq > rep->checkpointed)
				rep->checkpointed = cp->seq;
		}
	if (ncp > 1)
		qsort(cps, ncp, sizeof(*cps), cp_ref_cmp);
	rc = verify_records(key, records, n, cps, ncp, rep);
out:
	free(cps);
	return rc;
}

/* ---- hex ---- */

static void hex_put(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xF];
	}
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Exactly 2n lowercase hex digits into out[0..n). */
static bool hex_get(struct bw_str s, uint8_t *out, size_t n)
{
	if (s.len != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_val(s.p[2 * i]), lo = hex_val(s.p[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static bool key_id_get(struct bw_str s, char out[BW_KEY_ID_SIZE])
{
	if (s.len != KEY_ID_LEN)
		return false;
	memcpy(out, s.p, KEY_ID_LEN);
	out[KEY_ID_LEN] = '\0';
	return key_id_ok(out);
}

/* ---- syslog form of a checkpoint ---- */

enum bw_err bw_audit_checkpoint_syslog(const struct bw_audit_checkpoint *cp, struct bw_str hostname,
                                       struct bw_str app_name, struct bw_str procid,
                                       struct bw_buf *out)
{
	char seq[24], ts[BW_SYSLOG_TIME_SIZE], mac[MAC_HEX_LEN], sig[SIG_HEX_LEN];
	struct bw_syslog_param params[5];
	struct bw_syslog_sd sd;
	struct bw_syslog_msg m;
	enum bw_err rc;
	int k;

	BW_REQUIRE(cp != NULL && out != NULL);
	if (!checkpoint_ok(cp))
		return BW_ERR_RANGE;
	rc = bw_syslog_time_format(cp->time_ms, ts);
	if (rc != BW_OK)
		return rc;
	k = snprintf(seq, sizeof(seq), "%llu", (unsigned long long)cp->seq);
	BW_REQUIRE(k > 0 && (size_t)k < sizeof(seq));
	hex_put(mac, cp->mac, BW_AUDIT_MAC_BYTES);
	hex_put(sig, cp->sig, BW_AUDIT_SIG_BYTES);
	params[0] = (struct bw_syslog_param){BW_STR("seq"), {seq, (size_t)k}};
	params[1] = (struct bw_syslog_param){BW_STR("time"), bw_str_c(ts)};
	params[2] = (struct bw_syslog_param){BW_STR("mac"), {mac, sizeof(mac)}};
	params[3] = (struct bw_syslog_param){BW_STR("key_id"), {cp->key_id, KEY_ID_LEN}};
	params[4] = (struct bw_syslog_param){BW_STR("sig"), {sig, sizeof(sig)}};
	sd = (struct bw_syslog_sd){BW_STR(BW_AUDIT_SD_ID), params, 5};
	m = (struct bw_syslog_msg){
	        .facility = BW_SYSLOG_FAC_AUTHPRIV,
	        .severity = BW_SYSLOG_SEV_NOTICE,
	        .time_ms = cp->time_ms,
	        .hostname = hostname,
	        .app_name = app_name,
	        .procid = procid,
	        .msgid = BW_STR(BW_AUDIT_MSGID),
	        .sd = &sd,
	        .nsd = 1,
	        .msg = BW_STR("audit checkpoint"),
	};
	return bw_syslog_format(&m, out);
}

/* seq as bw_parse_u64 reads it; time in its one canonical spelling. */
static bool seq_get(struct bw_str s, uint64_t *out)
{
	return bw_parse_u64(s, 1, BW_AUDIT_SEQ_MAX, out) == BW_OK;
}

static bool time_get(struct bw_str s, int64_t *out)
{
	char again[BW_SYSLOG_TIME_SIZE];
	int64_t t;

	if (bw_syslog_time_parse(s, &t) != BW_OK || bw_syslog_time_format(t, again) != BW_OK ||
	    !bw_str_eq_c(s, again))
		return false;
	*out = t;
	return true;
}

enum bw_err bw_audit_checkpoint_from_syslog(const char *p, size_t len,
                                            struct bw_audit_checkpoint *out)
{
	static const char *const names[5] = {"seq", "time", "mac", "key_id", "sig"};
	struct bw_syslog_parsed *ps;
	const struct bw_syslog_sd *sd = NULL;
	struct bw_str vals[5] = {{0}};
	struct bw_audit_checkpoint cp;
	enum bw_err rc;

	BW_REQUIRE(out != NULL);
	ps = malloc(sizeof(*ps));
	if (ps == NULL)
		return BW_ERR_NOMEM;
	rc = bw_syslog_parse(p, len, ps);
	if (rc != BW_OK)
		goto out;
	for (size_t i = 0; i < ps->msg.nsd; i++)
		if (bw_str_eq_c(ps->msg.sd[i].id, BW_AUDIT_SD_ID))
			sd = &ps->msg.sd[i];
	rc = BW_ERR_NOT_FOUND;
	if (sd == NULL)
		goto out;
	rc = BW_ERR_INVALID;
	if (sd->nparams != 5)
		goto out;
	/*
	 * Five known names: a repeated one leaves another name unset, and an
	 * unset value fails its strict reader below like an empty one does.
	 */
	for (size_t i = 0; i < 5; i++) {
		size_t j = 0;

		while (j < 5 && !bw_str_eq_c(sd->params[i].name, names[j]))
			j++;
		if (j == 5)
			goto out;
		vals[j] = sd->params[i].value;
	}
	memset(&cp, 0, sizeof(cp));
	if (!seq_get(vals[0], &cp.seq) || !time_get(vals[1], &cp.time_ms) ||
	    !hex_get(vals[2], cp.mac, BW_AUDIT_MAC_BYTES) || !key_id_get(vals[3], cp.key_id) ||
	    !hex_get(vals[4], cp.sig, BW_AUDIT_SIG_BYTES))
		goto out;
	*out = cp;
	rc = BW_OK;
out:
	sodium_memzero(ps, sizeof(*ps));
	free(ps);
	return rc;
}

/* ---- export ---- */

/* A JSON string of bytes event_check has passed: only '"' and '\' need escapes. */
static enum bw_err put_json_str(struct bw_buf *b, struct bw_str s)
{
	enum bw_err rc = bw_buf_append_byte(b, '"');

	for (size_t i = 0; i < s.len && rc == BW_OK; i++) {
		if (s.p[i] == '"' || s.p[i] == '\\')
			rc = bw_buf_append_byte(b, '\\');
		if (rc == BW_OK)
			rc = bw_buf_append_byte(b, s.p[i]);
	}
	if (rc == BW_OK)
		rc = bw_buf_append_byte(b, '"');
	return rc;
}

static enum bw_err put_member(struct bw_buf *b, const char *name, struct bw_str s)
{
	enum bw_err rc = bw_buf_printf(b, ",\"%s\":", name);

	return rc == BW_OK ? put_json_str(b, s) : rc;
}

static enum bw_err record_line(const struct bw_audit_record *r, struct bw_buf *b)
{
	char ts[BW_SYSLOG_TIME_SIZE], mac[MAC_HEX_LEN];
	const struct bw_audit_event *ev = &r->ev;
	enum bw_err rc;

	rc = bw_syslog_time_format(ev->time_ms, ts);
	if (rc == BW_OK)
		rc = bw_buf_printf(b, "{\"type\":\"record\",\"seq\":%llu",
		                   (unsigned long long)r->seq);
	if (rc == BW_OK)
		rc = put_member(b, "time", bw_str_c(ts));
	if (rc == BW_OK)
		rc = put_member(b, "actor", ev->actor);
	if (rc == BW_OK)
		rc = put_member(b, "ip", ev->ip);
	if (rc == BW_OK)
		rc = put_member(b, "request_id", ev->request_id);
	if (rc == BW_OK)
		rc = put_member(b, "event", ev->event);
	if (rc == BW_OK)
		rc = put_member(b, "outcome", bw_str_c(outcome_names[ev->outcome]));
	if (rc == BW_OK)
		rc = bw_buf_append_c(b, ",\"details\":{");
	for (size_t i = 0; i < ev->ndetails && rc == BW_OK; i++) {
		const struct bw_audit_detail *d = &ev->details[i];

		if (i > 0)
			rc = bw_buf_append_byte(b, ',');
		if (rc == BW_OK)
			rc = put_json_str(b, d->key);
		if (rc == BW_OK)
			rc = bw_buf_append_byte(b, ':');
		if (rc != BW_OK)
			break;
		if (d->kind == BW_AUDIT_STR)
			rc = put_json_str(b, d->v.s);
		else if (d->kind == BW_AUDIT_INT)
			rc = bw_buf_printf(b, "%lld", (long long)d->v.i);
		else
			rc = bw_buf_append_c(b, d->v.b ? "true" : "false");
	}
	hex_put(mac, r->mac, sizeof(r->mac));
	if (rc == BW_OK)
		rc = bw_buf_append_byte(b, '}');
	if (rc == BW_OK)
		rc = put_member(b, "mac", (struct bw_str){mac, sizeof(mac)});
	if (rc == BW_OK)
		rc = bw_buf_append_c(b, "}\n");
	return rc;
}

enum bw_err bw_audit_export_record(const struct bw_audit_record *rec, struct bw_buf *out)
{
	struct bw_buf line;
	enum bw_err rc;

	BW_REQUIRE(rec != NULL && out != NULL);
	rc = record_check(rec);
	if (rc != BW_OK)
		return rc;
	bw_buf_init(&line, BW_AUDIT_LINE_MAX);
	rc = record_line(rec, &line);
	if (rc == BW_OK)
		rc = bw_buf_append_str(out, bw_buf_str(&line));
	bw_buf_free(&line);
	return rc;
}

static enum bw_err checkpoint_line(const struct bw_audit_checkpoint *cp, struct bw_buf *b)
{
	char ts[BW_SYSLOG_TIME_SIZE], mac[MAC_HEX_LEN], sig[SIG_HEX_LEN];
	enum bw_err rc;

	rc = bw_syslog_time_format(cp->time_ms, ts);
	hex_put(mac, cp->mac, BW_AUDIT_MAC_BYTES);
	hex_put(sig, cp->sig, BW_AUDIT_SIG_BYTES);
	if (rc == BW_OK)
		rc = bw_buf_printf(b, "{\"type\":\"checkpoint\",\"seq\":%llu",
		                   (unsigned long long)cp->seq);
	if (rc == BW_OK)
		rc = put_member(b, "time", bw_str_c(ts));
	if (rc == BW_OK)
		rc = put_member(b, "mac", (struct bw_str){mac, sizeof(mac)});
	if (rc == BW_OK)
		rc = put_member(b, "key_id", (struct bw_str){cp->key_id, KEY_ID_LEN});
	if (rc == BW_OK)
		rc = put_member(b, "sig", (struct bw_str){sig, sizeof(sig)});
	if (rc == BW_OK)
		rc = bw_buf_append_c(b, "}\n");
	return rc;
}

enum bw_err bw_audit_export_checkpoint(const struct bw_audit_checkpoint *cp, struct bw_buf *out)
{
	struct bw_buf line;
	enum bw_err rc;

	BW_REQUIRE(cp != NULL && out != NULL);
	if (!checkpoint_ok(cp))
		return BW_ERR_RANGE;
	bw_buf_init(&line, BW_AUDIT_LINE_MAX);
	rc = checkpoint_line(cp, &line);
	if (rc == BW_OK)
		rc = bw_buf_append_str(out, bw_buf_str(&line));
	bw_buf_free(&line);
	return rc;
}

struct bw_audit_export {
	struct bw_arena *arena; /* strings and detail arrays of the records */
	struct bw_audit_record *recs;
	size_t nrecs, recs_alloc;
	struct bw_audit_checkpoint *cps;
	size_t ncps, cps_alloc;
	size_t max;
};

void bw_audit_export_free(struct bw_audit_export *e)
{
	if (e == NULL)
		return;
	bw_arena_free(e->arena);
	free(e->recs);
	free(e->cps);
	free(e);
}

const struct bw_audit_record *bw_audit_export_records(const struct bw_audit_export *e, size_t *n)
{
	BW_REQUIRE(e != NULL && n != NULL);
	*n = e->nrecs;
	return e->recs;
}

const struct bw_audit_checkpoint *bw_audit_export_checkpoints(const struct bw_audit_export *e,
                                                              size_t *n)
{
	BW_REQUIRE(e != NULL && n != NULL);
	*n = e->ncps;
	return e->cps;
}

/*
 * Room for one more element of an array that may hold at most max: *arr is
 * the array's current block; on BW_OK *grown is the block to use (maybe the
 * same).
 */
static enum bw_err grow(void *arr, size_t *alloc, size_t used, size_t elem, size_t max,
                        void **grown)
{
	size_t want;
	void *p;

	*grown = arr;
	if (used < *alloc)
		return BW_OK;
	if (used >= max)
		return BW_ERR_LIMIT;
	want = *alloc == 0 ? 16 : *alloc * 2;
	if (want > max)
		want = max;
	if (want > SIZE_MAX / elem)
		return BW_ERR_NOMEM;
	p = realloc(arr, want * elem);
	if (p == NULL)
		return BW_ERR_NOMEM;
	*grown = p;
	*alloc = want;
	return BW_OK;
}

/* A JSON string member, borrowed from the document. */
static bool json_str(json_t *o, const char *name, struct bw_str *out)
{
	json_t *v = json_object_get(o, name);

	if (!json_is_string(v))
		return false;
	*out = (struct bw_str){json_string_value(v), json_string_length(v)};
	return true;
}

static bool json_seq(json_t *o, uint64_t *out)
{
	json_t *v = json_object_get(o, "seq");
	json_int_t i;

	if (!json_is_integer(v))
		return false;
	i = json_integer_value(v);
	if (i < 1 || (uint64_t)i > BW_AUDIT_SEQ_MAX)
		return false;
	*out = (uint64_t)i;
	return true;
}

/* A copy of s in the arena (NUL-terminated for good measure). */
static enum bw_err arena_copy(struct bw_arena *a, struct bw_str s, struct bw_str *out)
{
	char *p = bw_arena_alloc(a, s.len + 1);

	if (p == NULL)
		return BW_ERR_NOMEM;
	if (s.len > 0)
		memcpy(p, s.p, s.len);
	*out = (struct bw_str){p, s.len};
	return BW_OK;
}

/* A string member copied into the arena. */
static enum bw_err copy_member(struct bw_arena *a, json_t *o, const char *name, struct bw_str *out)
{
	struct bw_str s;

	if (!json_str(o, name, &s))
		return BW_ERR_INVALID;
	return arena_copy(a, s, out);
}

static enum bw_err parse_details(struct bw_arena *a, json_t *o, struct bw_audit_event *ev)
{
	struct bw_audit_detail *d;
	enum bw_err rc;
	size_t n = 0;

	if (!json_is_object(o))
		return BW_ERR_INVALID;
	if (json_object_size(o) > BW_AUDIT_DETAILS_MAX)
		return BW_ERR_INVALID;
	d = bw_arena_calloc(a, BW_AUDIT_DETAILS_MAX, sizeof(*d));
	if (d == NULL)
		return BW_ERR_NOMEM;
	for (void *it = json_object_iter(o); it != NULL; it = json_object_iter_next(o, it)) {
		json_t *v = json_object_iter_value(it);

		BW_REQUIRE(n < BW_AUDIT_DETAILS_MAX);
		rc = arena_copy(a, bw_str_c(json_object_iter_key(it)), &d[n].key);
		if (rc != BW_OK)
			return rc;
		if (json_is_string(v)) {
			d[n].kind = BW_AUDIT_STR;
			rc = arena_copy(
			        a, (struct bw_str){json_string_value(v), json_string_length(v)},
			        &d[n].v.s);
			if (rc != BW_OK)
				return rc;
		} else if (json_is_integer(v)) {
			d[n].kind = BW_AUDIT_INT;
			d[n].v.i = (int64_t)json_integer_value(v);
		} else if (json_is_boolean(v)) {
			d[n].kind = BW_AUDIT_BOOL;
			d[n].v.b = json_is_true(v);
		} else {
			return BW_ERR_INVALID;
		}
		n++;
	}
	ev->details = n > 0 ? d : NULL;
	ev->ndetails = n;
	return BW_OK;
}

static enum bw_err parse_record(struct bw_audit_export *e, json_t *o, struct bw_buf *again)
{
	struct bw_audit_record r;
	struct bw_str time, outcome, mac;
	void *grown;
	enum bw_err rc;

	memset(&r, 0, sizeof(r));
	/* members beyond these, or out of order, fail the re-serialization in parse_line */
	if (!json_seq(o, &r.seq) || !json_str(o, "time", &time) ||
	    !json_str(o, "outcome", &outcome) || !json_str(o, "mac", &mac) ||
	    bw_syslog_time_parse(time, &r.ev.time_ms) != BW_OK ||
	    !hex_get(mac, r.mac, BW_AUDIT_MAC_BYTES))
		return BW_ERR_INVALID;
	for (int i = BW_AUDIT_SUCCESS; i <= BW_AUDIT_LOCKED; i++)
		if (bw_str_eq_c(outcome, outcome_names[i]))
			r.ev.outcome = (enum bw_audit_outcome)i;
	if (r.ev.outcome == 0)
		return BW_ERR_INVALID;
	rc = copy_member(e->arena, o, "actor", &r.ev.actor);
	if (rc == BW_OK)
		rc = copy_member(e->arena, o, "ip", &r.ev.ip);
	if (rc == BW_OK)
		rc = copy_member(e->arena, o, "request_id", &r.ev.request_id);
	if (rc == BW_OK)
		rc = copy_member(e->arena, o, "event", &r.ev.event);
	if (rc != BW_OK)
		return rc;
	rc = parse_details(e->arena, json_object_get(o, "details"), &r.ev);
	if (rc != BW_OK)
		return rc;
	if (record_check(&r) != BW_OK)
		return BW_ERR_INVALID;
	rc = record_line(&r, again);
	if (rc != BW_OK)
		return rc == BW_ERR_NOMEM ? rc : BW_ERR_INVALID;
	rc = grow(e->recs, &e->recs_alloc, e->nrecs, sizeof(*e->recs), e->max, &grown);
	if (rc != BW_OK)
		return rc;
	e->recs = grown;
	e->recs[e->nrecs++] = r;
	return BW_OK;
}

static enum bw_err parse_checkpoint(struct bw_audit_export *e, json_t *o, struct bw_buf *again)
{
	struct bw_audit_checkpoint cp;
	struct bw_str time, mac, kid, sig;
	void *grown;
	enum bw_err rc;

	memset(&cp, 0, sizeof(cp));
	if (!json_seq(o, &cp.seq) || !json_str(o, "time", &time) || !json_str(o, "mac", &mac) ||
	    !json_str(o, "key_id", &kid) || !json_str(o, "sig", &sig) ||
	    bw_syslog_time_parse(time, &cp.time_ms) != BW_OK ||
	    !hex_get(mac, cp.mac, BW_AUDIT_MAC_BYTES) || !key_id_get(kid, cp.key_id) ||
	    !hex_get(sig, cp.sig, BW_AUDIT_SIG_BYTES) || !checkpoint_ok(&cp))
		return BW_ERR_INVALID;
	rc = checkpoint_line(&cp, again);
	if (rc != BW_OK)
		return rc == BW_ERR_NOMEM ? rc : BW_ERR_INVALID;
	rc = grow(e->cps, &e->cps_alloc, e->ncps, sizeof(*e->cps), e->max, &grown);
	if (rc != BW_OK)
		return rc;
	e->cps = grown;
	e->cps[e->ncps++] = cp;
	return BW_OK;
}

/* One line p[0..len), its '\n' included. */
static enum bw_err parse_line(struct bw_audit_export *e, const char *p, size_t len,
                              bool *seen_checkpoint)
{
	struct bw_json_limits lim = {.max_bytes = BW_AUDIT_LINE_MAX, .max_depth = JSON_LINE_DEPTH};
	struct bw_buf again;
	struct bw_str type;
	json_t *o = NULL;
	enum bw_err rc;

	bw_buf_init(&again, BW_AUDIT_LINE_MAX);
	rc = bw_json_parse(p, len - 1, &lim, &o, NULL);
	if (rc != BW_OK) {
		rc = rc == BW_ERR_NOMEM ? rc : BW_ERR_INVALID;
		goto out;
	}
	rc = BW_ERR_INVALID;
	if (!json_str(o, "type", &type))
		goto out;
	if (bw_str_eq_c(type, "record") && !*seen_checkpoint) {
		rc = parse_record(e, o, &again);
	} else if (bw_str_eq_c(type, "checkpoint")) {
		*seen_checkpoint = true;
		rc = parse_checkpoint(e, o, &again);
	}
	if (rc != BW_OK)
		goto out;
	/* one spelling only: what we read must be what we would write */
	if (!bw_str_eq(bw_buf_str(&again), (struct bw_str){p, len}))
		rc = BW_ERR_INVALID;
out:
	if (rc != BW_OK && rc != BW_ERR_NOMEM && rc != BW_ERR_LIMIT)
		rc = BW_ERR_INVALID;
	json_decref(o);
	bw_buf_free(&again);
	return rc;
}

enum bw_err bw_audit_export_parse(const char *p, size_t len, size_t max_records,
                                  struct bw_audit_export **out, size_t *bad_line)
{
	struct bw_audit_export *e;
	size_t pos = 0, line = 0;
	bool seen_checkpoint = false;
	enum bw_err rc = BW_OK;

	BW_REQUIRE(out != NULL && (p != NULL || len == 0));
	*out = NULL;
	if (bad_line != NULL)
		*bad_line = 0;
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return BW_ERR_NOMEM;
	e->max = max_records;
	/*
	 * The strings copied are shorter than their line, and a record's detail
	 * array and alignment add less than its shortest line: 8 times the input
	 * bounds it all.
	 */
	e->arena = bw_arena_new(len > SIZE_MAX / 8 - 65536 ? SIZE_MAX : 8 * len + 65536);
	if (e->arena == NULL) {
		rc = BW_ERR_NOMEM;
		goto out;
	}
	while (pos < len) {
		size_t avail = len - pos < BW_AUDIT_LINE_MAX ? len - pos : BW_AUDIT_LINE_MAX;
		const char *nl = memchr(p + pos, '\n', avail);

		line++;
		if (nl == NULL) {
			rc = len - pos >= BW_AUDIT_LINE_MAX ? BW_ERR_LIMIT : BW_ERR_INVALID;
			goto out;
		}
		rc = parse_line(e, p + pos, (size_t)(nl - (p + pos)) + 1, &seen_checkpoint);
		if (rc != BW_OK)
			goto out;
		pos = (size_t)(nl - p) + 1;
	}
	*out = e;
	e = NULL;
out:
	if (rc != BW_OK && bad_line != NULL)
		*bad_line = line;
	bw_audit_export_free(e);
	return rc;
}
