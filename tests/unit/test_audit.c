/*
 * test_audit.c — the audit chain: known answers computed independently of
 * this code, every kind of tampering (edit, delete, insert, reorder,
 * truncate, forged checkpoint, wrong key), record rules, the export format
 * and its parser, the syslog form of checkpoints, sink failures, resuming a
 * chain and concurrent writers.
 */
#include "bw_test.h"

#include "bulwark/audit.h"
#include "bulwark/syslog.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define T0 INT64_C(1700000000123)

static struct bw_secret *master;
static struct bw_audit_key *key;  /* version 1 */
static struct bw_audit_key *key2; /* version 2: another chain */

/*
 * Known answers, computed with Python's hashlib.blake2b and the cryptography
 * package from the definitions in audit.h and keys.h (master key 00 01 … 1f,
 * version 1): purpose key = crypto_kdf subkey (4 << 32 | 1) under "bwkdf-v1";
 * MAC key and signing seed = crypto_kdf subkeys 1 and 2 under "bwaudit1".
 */
static const char KAT_KEY_ID[] = "5b704511aa2f5c57";
static const char KAT_PK[] = "5218c1e5642ee9d19e7119505b40bf8233128a21d84f0b8208f7c45264f3c9d5";
static const char KAT_CANON1[] =
        "627761756469743100000000000000010000018bcfe5687b000000027531000000093139322e302e322e"
        "31000000057269642d310000000a617574682e6c6f67696e010300000007617474656d70740200000000"
        "00000003000000066d6574686f64010000000870617373776f7264000000036d66610301";
static const char KAT_MAC1[] = "20973f4549d3e0a2964036219182e90fe1cb92f1c9e0cc41397cc3b1289d6f6b";
static const char KAT_MAC2[] = "78443cd73d8c18b4e6a4a4ebf7a11a006034e39272c452d83ce9396d699cc8fc";

/* ---- a storage that keeps everything in memory ---- */

#define CP_MAX 64

struct mem {
	struct bw_buf lines; /* the records, stored as export lines */
	struct bw_audit_checkpoint stored[CP_MAX];
	size_t nstored;
	struct bw_audit_checkpoint exported[CP_MAX];
	size_t nexported;
	int fail_record;     /* fail the next N store_record calls */
	int fail_checkpoint; /* fail the next N store_checkpoint calls */
	pthread_mutex_t mu;
};

static enum bw_err mem_record(void *ctx, const struct bw_audit_record *rec)
{
	struct mem *m = ctx;

	if (m->fail_record > 0) {
		m->fail_record--;
		return BW_ERR_IO;
	}
	return bw_audit_export_record(rec, &m->lines);
}

static enum bw_err mem_checkpoint(void *ctx, const struct bw_audit_checkpoint *cp)
{
	struct mem *m = ctx;

	if (m->fail_checkpoint > 0) {
		m->fail_checkpoint--;
		return BW_ERR_IO;
	}
	assert_true(m->nstored < CP_MAX);
	m->stored[m->nstored++] = *cp;
	return BW_OK;
}

static void mem_export(void *ctx, const struct bw_audit_checkpoint *cp)
{
	struct mem *m = ctx;

	assert_true(m->nexported < CP_MAX);
	m->exported[m->nexported++] = *cp;
}

static void mem_init(struct mem *m, struct bw_audit_sink *sink)
{
	memset(m, 0, sizeof(*m));
	bw_buf_init(&m->lines, 64u << 20);
	*sink = (struct bw_audit_sink){m, mem_record, mem_checkpoint, mem_export};
}

/* The i-th test event (varied fields, details given out of order). */
static enum bw_err append_nth(struct bw_audit_chain *c, uint64_t i, const char *actor)
{
	static const char *const events[] = {"auth.login", "auth.logout", "session.revoke",
	                                     "admin.user.delete"};
	struct bw_audit_detail d[3] = {
	        BW_AUDIT_D_STR("reason", BW_STR("bad \"pass\" \\ caf\xC3\xA9")),
	        BW_AUDIT_D_INT("attempt", (int64_t)i),
	        BW_AUDIT_D_BOOL("mfa", i % 2 == 0),
	};
	struct bw_audit_event ev = {
	        .time_ms = T0 + (int64_t)i,
	        .actor = bw_str_c(actor),
	        .ip = i % 3 == 0 ? BW_STR("2001:db8::1") : BW_STR("192.0.2.7"),
	        .request_id = i % 5 == 0 ? BW_STR("") : BW_STR("rid-Ab_9.x"),
	        .event = bw_str_c(events[i % 4]),
	        .outcome = (enum bw_audit_outcome)(1 + i % 4),
	        .details = d,
	        .ndetails = i % 4,
	};

	if (ev.ndetails > 3)
		ev.ndetails = 3;
	return bw_audit_append(c, &ev, NULL);
}

/* A log of n records (checkpoint every `every`), optionally checkpointed at the end. */
static void build(struct mem *m, size_t n, unsigned every, bool final_checkpoint)
{
	struct bw_audit_sink sink;
	struct bw_audit_chain *c;

	mem_init(m, &sink);
	assert_int_equal(bw_audit_chain_new(key, &sink, every, 0, NULL, &c), BW_OK);
	for (size_t i = 1; i <= n; i++)
		assert_int_equal(append_nth(c, i, "user-42"), BW_OK);
	if (final_checkpoint)
		assert_int_equal(bw_audit_checkpoint_now(c, T0 + (int64_t)n, NULL), BW_OK);
	bw_audit_chain_free(c);
}

/* The stored records, read back as the server would, in a mutable copy. */
struct loaded {
	struct bw_audit_export *e;
	struct bw_audit_record *r;
	size_t n;
};

static void load(const struct mem *m, struct loaded *l)
{
	const struct bw_audit_record *r;
	size_t bad = 99;

	assert_int_equal(bw_audit_export_parse(m->lines.p, m->lines.len, 100000, &l->e, &bad),
	                 BW_OK);
	assert_int_equal(bad, 0);
	r = bw_audit_export_records(l->e, &l->n);
	l->r = calloc(l->n + 2, sizeof(*l->r)); /* room for insertions */
	assert_non_null(l->r);
	memcpy(l->r, r, l->n * sizeof(*r));
}

static void unload(struct loaded *l)
{
	free(l->r);
	bw_audit_export_free(l->e);
}

static void mem_free(struct mem *m)
{
	bw_buf_free(&m->lines);
}

static enum bw_err verify(const struct loaded *l, const struct mem *m, bool with_exported,
                          struct bw_audit_report *rep)
{
	return bw_audit_verify(key, l->r, l->n, m->stored, m->nstored,
	                       with_exported ? m->exported : NULL, with_exported ? m->nexported : 0,
	                       rep);
}

static void expect(const struct bw_audit_report *rep, enum bw_audit_verdict v,
                   enum bw_audit_where where, size_t index, uint64_t seq)
{
	if (rep->verdict != v || rep->where != where || rep->index != index || rep->seq != seq)
		fail_msg("got %s where=%d index=%zu seq=%llu, want %s where=%d index=%zu seq=%llu",
		         bw_audit_verdict_str(rep->verdict), (int)rep->where, rep->index,
		         (unsigned long long)rep->seq, bw_audit_verdict_str(v), (int)where, index,
		         (unsigned long long)seq);
}

static void remove_at(struct loaded *l, size_t i)
{
	memmove(&l->r[i], &l->r[i + 1], (l->n - i - 1) * sizeof(*l->r));
	l->n--;
}

static void insert_at(struct loaded *l, size_t i, const struct bw_audit_record *r)
{
	memmove(&l->r[i + 1], &l->r[i], (l->n - i) * sizeof(*l->r));
	l->r[i] = *r;
	l->n++;
}

static int group_setup(void **state)
{
	uint8_t mk[32];

	(void)state;
	if (bw_init() != BW_OK)
		return -1;
	for (size_t i = 0; i < sizeof(mk); i++)
		mk[i] = (uint8_t)i;
	if (bw_secret_new(mk, sizeof(mk), &master) != BW_OK ||
	    bw_audit_key_new(master, 1, &key) != BW_OK ||
	    bw_audit_key_new(master, 2, &key2) != BW_OK)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	bw_audit_key_free(key);
	bw_audit_key_free(key2);
	bw_secret_free(master);
	return 0;
}

static void hex_of(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

/* ---- known answers ---- */

static enum bw_err kat_store(void *ctx, const struct bw_audit_record *rec)
{
	struct bw_audit_record *keep = ctx;

	keep[rec->seq - 1].seq = rec->seq;
	memcpy(keep[rec->seq - 1].mac, rec->mac, BW_AUDIT_MAC_BYTES);
	return BW_OK;
}

static enum bw_err kat_cp(void *ctx, const struct bw_audit_checkpoint *cp)
{
	(void)ctx;
	(void)cp;
	return BW_OK;
}

static void known_answers(void **state)
{
	struct bw_audit_record keep[2];
	struct bw_audit_sink sink = {keep, kat_store, kat_cp, NULL};
	struct bw_audit_detail d[3] = {
	        BW_AUDIT_D_STR("method", BW_STR("password")), /* a value may say "password" */
	        BW_AUDIT_D_BOOL("mfa", true),
	        BW_AUDIT_D_INT("attempt", 3),
	};
	struct bw_audit_event ev1 = {T0,
	                             BW_STR("u1"),
	                             BW_STR("192.0.2.1"),
	                             BW_STR("rid-1"),
	                             BW_STR("auth.login"),
	                             BW_AUDIT_SUCCESS,
	                             d,
	                             3};
	struct bw_audit_event ev2 = {T0 + 1,
	                             BW_STR("system"),
	                             BW_STR(""),
	                             BW_STR(""),
	                             BW_STR("audit.test"),
	                             BW_AUDIT_LOCKED,
	                             NULL,
	                             0};
	struct bw_audit_detail sorted[3] = {d[2], d[0], d[1]};
	struct bw_audit_record r1 = {1, ev1, {0}};
	struct bw_audit_chain *c;
	uint8_t pk[BW_AUDIT_PUBLIC_KEY_BYTES];
	char hex[2 * 512 + 1];
	struct bw_buf b;

	(void)state;
	assert_string_equal(bw_audit_key_id(key), KAT_KEY_ID);
	bw_audit_key_public(key, pk);
	hex_of(pk, sizeof(pk), hex);
	assert_string_equal(hex, KAT_PK);

	r1.ev.details = sorted;
	bw_buf_init(&b, 4096);
	assert_int_equal(bw_audit_record_canonical(&r1, &b), BW_OK);
	assert_true(b.len < 512);
	hex_of((const uint8_t *)b.p, b.len, hex);
	assert_string_equal(hex, KAT_CANON1);
	bw_buf_free(&b);

	assert_int_equal(bw_audit_chain_new(key, &sink, 100, 0, NULL, &c), BW_OK);
	assert_int_equal(bw_audit_append(c, &ev1, NULL), BW_OK); /* details sorted by append */
	assert_int_equal(bw_audit_append(c, &ev2, NULL), BW_OK);
	bw_audit_chain_free(c);
	hex_of(keep[0].mac, BW_AUDIT_MAC_BYTES, hex);
	assert_string_equal(hex, KAT_MAC1);
	hex_of(keep[1].mac, BW_AUDIT_MAC_BYTES, hex);
	assert_string_equal(hex, KAT_MAC2);
}

static void keys_are_deterministic_and_separate(void **state)
{
	struct bw_audit_key *again = NULL;
	uint8_t a[BW_AUDIT_PUBLIC_KEY_BYTES], b[BW_AUDIT_PUBLIC_KEY_BYTES];

	(void)state;
	assert_int_equal(bw_audit_key_new(master, 1, &again), BW_OK);
	assert_string_equal(bw_audit_key_id(again), bw_audit_key_id(key));
	bw_audit_key_public(again, a);
	bw_audit_key_public(key, b);
	assert_memory_equal(a, b, sizeof(a));
	bw_audit_key_free(again);
	assert_string_not_equal(bw_audit_key_id(key2), bw_audit_key_id(key));
	bw_audit_key_public(key2, a);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(bw_audit_key_new(master, 0, &again), BW_ERR_RANGE);
	assert_null(again);
	bw_audit_key_free(NULL);
}

/* ---- canonical form ---- */

static void canonical_is_injective(void **state)
{
	struct bw_audit_detail da[1] = {BW_AUDIT_D_STR("a", BW_STR("1"))};
	struct bw_audit_detail db[1] = {BW_AUDIT_D_INT("a", 1)};
	struct bw_audit_detail dc[1] = {BW_AUDIT_D_STR("ab", BW_STR("c"))};
	struct bw_audit_detail dd[1] = {BW_AUDIT_D_STR("a", BW_STR("bc"))};
	struct bw_audit_detail de[1] = {BW_AUDIT_D_BOOL("a", true)};
	struct bw_audit_record base = {
	        1,
	        {T0, BW_STR("ab"), BW_STR(""), BW_STR("c"), BW_STR("x"), BW_AUDIT_SUCCESS, NULL, 0},
	        {0}};
	struct bw_audit_record v[8];
	struct bw_buf b[8];

	(void)state;
	for (size_t i = 0; i < 8; i++)
		v[i] = base;
	v[1].ev.actor = BW_STR("a"); /* the boundary moves between two fields */
	v[1].ev.request_id = BW_STR("bc");
	v[2].ev.details = da;
	v[2].ev.ndetails = 1;
	v[3].ev.details = db;
	v[3].ev.ndetails = 1;
	v[4].ev.details = dc;
	v[4].ev.ndetails = 1;
	v[5].ev.details = dd;
	v[5].ev.ndetails = 1;
	v[6].ev.details = de;
	v[6].ev.ndetails = 1;
	v[7].seq = 2;
	for (size_t i = 0; i < 8; i++) {
		bw_buf_init(&b[i], 4096);
		assert_int_equal(bw_audit_record_canonical(&v[i], &b[i]), BW_OK);
		for (size_t j = 0; j < i; j++)
			assert_false(bw_str_eq(bw_buf_str(&b[i]), bw_buf_str(&b[j])));
	}
	for (size_t i = 0; i < 8; i++)
		bw_buf_free(&b[i]);
	/* unsorted details have no canonical form */
	{
		struct bw_audit_detail un[2] = {BW_AUDIT_D_INT("b", 1), BW_AUDIT_D_INT("a", 1)};
		struct bw_buf x;

		v[0].ev.details = un;
		v[0].ev.ndetails = 2;
		bw_buf_init(&x, 4096);
		assert_int_equal(bw_audit_record_canonical(&v[0], &x), BW_ERR_INVALID);
		assert_int_equal(x.len, 0);
		v[0].seq = 0;
		v[0].ev.ndetails = 0;
		assert_int_equal(bw_audit_record_canonical(&v[0], &x), BW_ERR_RANGE);
		bw_buf_free(&x);
	}
}

/* ---- record rules ---- */

static void append_refuses_bad_events(void **state)
{
	char long_actor[BW_AUDIT_ACTOR_MAX + 2], long_str[BW_AUDIT_STR_MAX + 2];
	struct bw_audit_detail d[BW_AUDIT_DETAILS_MAX + 1];
	struct bw_audit_chain_stats st;
	struct bw_audit_sink sink;
	struct bw_audit_chain *c;
	struct bw_audit_event ev, ok = {T0,
	                                BW_STR("anonymous"),
	                                BW_STR("2001:db8::1"),
	                                BW_STR(""),
	                                BW_STR("auth.login"),
	                                BW_AUDIT_FAILURE,
	                                NULL,
	                                0};
	struct mem m;

	(void)state;
	memset(long_actor, 'a', sizeof(long_actor));
	long_actor[sizeof(long_actor) - 1] = '\0';
	memset(long_str, 's', sizeof(long_str));
	long_str[sizeof(long_str) - 1] = '\0';
	mem_init(&m, &sink);
	assert_int_equal(bw_audit_chain_new(key, &sink, 10, 0, NULL, &c), BW_OK);

#define REFUSE_EV(stmt, want)                                          \
	do {                                                           \
		ev = ok;                                               \
		stmt;                                                  \
		assert_int_equal(bw_audit_append(c, &ev, NULL), want); \
	} while (0)
#define REFUSE_DETAIL(det, want)                                    \
	do {                                                        \
		d[0] = det;                                         \
		REFUSE_EV((ev.details = d, ev.ndetails = 1), want); \
	} while (0)
	REFUSE_EV(ev.time_ms = -1, BW_ERR_RANGE);
	REFUSE_EV(ev.time_ms = BW_SYSLOG_TIME_MAX + 1, BW_ERR_RANGE);
	REFUSE_EV(ev.actor = BW_STR(""), BW_ERR_INVALID);
	REFUSE_EV(ev.actor = BW_STR("a b"), BW_ERR_INVALID);
	REFUSE_EV(ev.actor = BW_STR("a\"b"), BW_ERR_INVALID);
	REFUSE_EV(ev.actor = BW_STR("a\0b"), BW_ERR_INVALID);
	REFUSE_EV(ev.actor = bw_str_c(long_actor), BW_ERR_INVALID);
	REFUSE_EV(ev.ip = BW_STR("::ffff:192.0.2.1"), BW_ERR_INVALID); /* not canonical */
	REFUSE_EV(ev.ip = BW_STR("2001:DB8::1"), BW_ERR_INVALID);
	REFUSE_EV(ev.ip = BW_STR("2001:db8:0::1"), BW_ERR_INVALID);
	REFUSE_EV(ev.ip = BW_STR("192.0.2.01"), BW_ERR_INVALID);
	REFUSE_EV(ev.ip = BW_STR("192.0.2.1 "), BW_ERR_INVALID);
	REFUSE_EV(ev.ip = BW_STR("localhost"), BW_ERR_INVALID);
	REFUSE_EV(ev.request_id = BW_STR("r\nid"), BW_ERR_INVALID);
	REFUSE_EV(ev.request_id =
	                  BW_STR("12345678901234567890123456789012345678901234567890123456789"
	                         "0123456"),
	          BW_ERR_INVALID);
	REFUSE_EV(ev.event = BW_STR(""), BW_ERR_INVALID);
	REFUSE_EV(ev.event = BW_STR("Auth.Login"), BW_ERR_INVALID);
	REFUSE_EV(ev.event = BW_STR("auth login"), BW_ERR_INVALID);
	REFUSE_EV(ev.outcome = (enum bw_audit_outcome)0, BW_ERR_INVALID);
	REFUSE_EV(ev.outcome = (enum bw_audit_outcome)5, BW_ERR_INVALID);
	/* no secrets: keys the logger would redact are refused outright */
	REFUSE_DETAIL(BW_AUDIT_D_STR("password", BW_STR("x")), BW_ERR_DENIED);
	REFUSE_DETAIL(BW_AUDIT_D_STR("new_password", BW_STR("x")), BW_ERR_DENIED);
	REFUSE_DETAIL(BW_AUDIT_D_STR("session_id", BW_STR("x")), BW_ERR_DENIED);
	REFUSE_DETAIL(BW_AUDIT_D_BOOL("csrf", true), BW_ERR_DENIED);
	REFUSE_DETAIL(BW_AUDIT_D_INT("refresh_token", 1), BW_ERR_DENIED);
	REFUSE_DETAIL(BW_AUDIT_D_STR("api_key", BW_STR("x")), BW_ERR_DENIED);
	REFUSE_DETAIL(BW_AUDIT_D_STR("Reason", BW_STR("x")), BW_ERR_INVALID);
	REFUSE_DETAIL(BW_AUDIT_D_STR("", BW_STR("x")), BW_ERR_INVALID);
	REFUSE_DETAIL(BW_AUDIT_D_STR("a.b", BW_STR("x")), BW_ERR_INVALID);
	REFUSE_DETAIL(BW_AUDIT_D_STR("reason", BW_STR("line\nforged")), BW_ERR_ENCODING);
	REFUSE_DETAIL(BW_AUDIT_D_STR("reason", BW_STR("\xC2\x9B")), BW_ERR_ENCODING); /* C1 CSI */
	REFUSE_DETAIL(BW_AUDIT_D_STR("reason", BW_STR("\xED\xA0\x80")), BW_ERR_ENCODING);
	REFUSE_DETAIL(BW_AUDIT_D_STR("reason", bw_str_c(long_str)), BW_ERR_INVALID);
	REFUSE_DETAIL(BW_AUDIT_D_INT("n", BW_AUDIT_INT_MAX + 1), BW_ERR_INVALID);
	REFUSE_DETAIL(BW_AUDIT_D_INT("n", -BW_AUDIT_INT_MAX - 1), BW_ERR_INVALID);
	d[0] = BW_AUDIT_D_INT("n", 1);
	d[0].kind = (enum bw_audit_kind)9;
	REFUSE_EV((ev.details = d, ev.ndetails = 1), BW_ERR_INVALID);
	/* a repeated key, even when the two come apart */
	d[0] = BW_AUDIT_D_INT("n", 1);
	d[1] = BW_AUDIT_D_INT("m", 1);
	d[2] = BW_AUDIT_D_INT("n", 2);
	REFUSE_EV((ev.details = d, ev.ndetails = 3), BW_ERR_INVALID);
	for (size_t i = 0; i <= BW_AUDIT_DETAILS_MAX; i++) {
		static const char *const names[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i"};

		d[i] = (struct bw_audit_detail){
		        .key = bw_str_c(names[i]), .kind = BW_AUDIT_INT, .v.i = 1};
	}
	REFUSE_EV((ev.details = d, ev.ndetails = BW_AUDIT_DETAILS_MAX + 1), BW_ERR_LIMIT);
	REFUSE_EV(ev.ndetails = 1, BW_ERR_INVALID); /* details NULL */
#undef REFUSE_DETAIL
#undef REFUSE_EV

	/* nothing was stored, the chain did not move */
	bw_audit_chain_stats(c, &st);
	assert_int_equal(st.last_seq, 0);
	assert_int_equal(m.lines.len, 0);
	/* the boundaries themselves are accepted */
	ev = ok;
	long_actor[BW_AUDIT_ACTOR_MAX] = '\0';
	long_str[BW_AUDIT_STR_MAX] = '\0';
	ev.actor = bw_str_c(long_actor);
	d[0] = BW_AUDIT_D_STR("reason", bw_str_c(long_str));
	d[1] = BW_AUDIT_D_INT("n", -BW_AUDIT_INT_MAX);
	ev.details = d;
	ev.ndetails = 2;
	ev.time_ms = BW_SYSLOG_TIME_MAX;
	assert_int_equal(bw_audit_append(c, &ev, NULL), BW_OK);
	bw_audit_chain_free(c);
	mem_free(&m);
}

/* ---- verification ---- */

static void intact_chain_verifies(void **state)
{
	struct bw_audit_report rep;
	struct loaded l;
	struct mem m;

	(void)state;
	build(&m, 250, 100, true);
	assert_int_equal(m.nstored, 3); /* 100, 200 and the final one at 250 */
	assert_int_equal(m.nexported, 3);
	assert_true(m.stored[0].seq == 100 && m.stored[1].seq == 200 && m.stored[2].seq == 250);
	load(&m, &l);
	assert_int_equal(l.n, 250);
	assert_int_equal(verify(&l, &m, true, &rep), BW_OK);
	expect(&rep, BW_AUDIT_INTACT, BW_AUDIT_IN_RECORDS, 250, 250);
	assert_int_equal(rep.verified, 250);
	assert_int_equal(rep.checkpointed, 250);
	/* checkpoints given in any order */
	{
		struct bw_audit_checkpoint t = m.stored[0];

		m.stored[0] = m.stored[2];
		m.stored[2] = t;
		assert_int_equal(verify(&l, &m, true, &rep), BW_OK);
	}
	unload(&l);
	mem_free(&m);

	/* the empty log */
	assert_int_equal(bw_audit_verify(key, NULL, 0, NULL, 0, NULL, 0, &rep), BW_OK);
	expect(&rep, BW_AUDIT_INTACT, BW_AUDIT_IN_RECORDS, 0, 0);
}

static void edited_record_is_found(void **state)
{
	struct bw_audit_detail d[3];
	struct bw_audit_report rep;
	struct loaded l;
	struct mem m;

	(void)state;
	build(&m, 120, 100, false);
	load(&m, &l);
	/* each field in turn, on record 57 (index 56) */
	for (int field = 0; field < 10; field++) {
		struct bw_audit_record saved = l.r[56];

		switch (field) {
		case 0:
			l.r[56].ev.actor = BW_STR("user-43");
			break;
		case 1:
			l.r[56].ev.time_ms++;
			break;
		case 2:
			l.r[56].ev.ip = BW_STR("192.0.2.8");
			break;
		case 3:
			l.r[56].ev.request_id = BW_STR("rid-other");
			break;
		case 4:
			l.r[56].ev.event = BW_STR("auth.login.other");
			break;
		case 5:
			l.r[56].ev.outcome = BW_AUDIT_SUCCESS;
			break;
		case 6:
			l.r[56].mac[31] ^= 1;
			break;
		case 7: /* a detail value */
			memcpy(d, l.r[56].ev.details, sizeof(d[0]) * l.r[56].ev.ndetails);
			d[0].v.s = BW_STR("other reason");
			l.r[56].ev.details = d;
			break;
		case 8: /* a detail dropped */
			l.r[56].ev.ndetails--;
			break;
		case 9: /* the seq of one record only: shows as a gap or a repeat */
			l.r[56].seq = 58;
			break;
		}
		assert_int_equal(verify(&l, &m, true, &rep), BW_ERR_VERIFY);
		if (field == 9)
			expect(&rep, BW_AUDIT_DELETED, BW_AUDIT_IN_RECORDS, 56, 57);
		else
			expect(&rep, BW_AUDIT_EDITED, BW_AUDIT_IN_RECORDS, 56, 57);
		assert_int_equal(rep.verified, 56);
		l.r[56] = saved;
	}
	assert_int_equal(l.r[56].ev.ndetails, 1); /* record 57 had one detail to change */
	assert_int_equal(verify(&l, &m, true, &rep), BW_OK);
	unload(&l);
	mem_free(&m);
}

static void deleted_record_is_found(void **state)
{
	struct bw_audit_report rep;
	struct loaded l;
	struct mem m;

	(void)state;
	build(&m, 120, 100, false);
	load(&m, &l);
	remove_at(&l, 56);
	assert_int_equal(verify(&l, &m, true, &rep), BW_ERR_VERIFY);
	expect(&rep, BW_AUDIT_DELETED, BW_AUDIT_IN_RECORDS, 56, 57);
	unload(&l);
	/* from the head: the chain starts at seq 1 */
	load(&m, &l);
	remove_at(&l, 0);
	assert_int_equal(verify(&l, &m, true, &rep), BW_ERR_VERIFY);
	expect(&rep, BW_AUDIT_DELETED, BW_AUDIT_IN_RECORDS, 0, 1);
	unload(&l);
	/* a run of records, renumbered to close the gap: the MACs give it away */
	load(&m, &l);
	remove_at(&l, 10);
	for (size_t i = 10; i < l.n; i++)
		l.r[i].seq--;
	assert_int_equal(verify(&l, &m, true, &rep), BW_ERR_VERIFY);
	expect(&rep, BW_AUDIT_EDITED, BW_AUDIT_IN_RECORDS, 10, 11);
	unload(&l);
	mem_free(&m);
}

static void inserted_record_is_found(void **state)
{
	struct bw_audit_report rep;
	struct bw_audit_record forged;
	struct loaded l;
	struct mem m;

	(void)state;
	build(&m, 120, 100, false);
	load(&m, &l);
	/* a copy of record 57 after it: a repeated seq */
	insert_at(&l, 57, &l.r[56]);
	assert_int_equal(verify(&l, &m, true, &rep), BW_ERR_VERIFY);
	expect(&rep, BW_AUDIT_INSERTED, BW_AUDIT_IN_RECORDS, 57, 57);
	unload(&l);
	/* a forged record claiming seq 57, before the real one */
	load(&m, &l);
	forged = l.r[56];
	forged.ev.actor = BW_STR("mallory");
	insert_at(&l, 56, &forged);
	assert_int_equal(verify(&l, &m, true, &rep), BW_ERR_VERIFY);
	expect(&rep, BW_AUDIT_INSERTED, BW_AUDIT_IN_RECORDS, 56, 57);
	unload(&l);
	/* a copy of an early record replayed later */
	load(&m, &l);
	insert_at(&l, 100, &l.r[1]);
	assert_int_equal(verify(&l, &m, true, &rep), BW_ERR_VERIFY);
	expect(&rep, BW_AUDIT_INSERTED, BW_AUDIT_IN_RECORDS, 100, 2);
	unload(&l);
	/* a forged record appended at the end: its MAC cannot be right */
	load(&m, &l);
	forged = l.r[119];
	forged.seq = 121;
	insert_at(&l, 120, &forged);
	assert_int_equal(verify(&l, &m, true, &rep), BW_ERR_VERIFY);
	expect(&rep, BW_AUDIT_EDITED, BW_AUDIT_IN_RECORDS, 120, 121);
	unload(&l);
	mem_free(&m);
}

static void reordered_record_is_found(void **state)
{
	struct bw_audit_record t;
	struct bw_audit_report rep;
	struct loaded l;
	struct mem m;

	(void)state;
	build(&m, 120, 100, false);
	load(&m, &l);
	t = l.r[56];
	l.r[56] = l.r[57];
	l.r[57] = t;
	assert_int_equal(verify(&l, &m, true, &rep), BW_ERR_VERIFY);
	expect(&rep, BW_AUDIT_REORDERED, BW_AUDIT_IN_RECORDS, 56, 58);
	unload(&l);
	/* record 2 moved to the very end */
	load(&m, &l);
	t = l.r[1];
	remove_at(&l, 1);
	insert_at(&l, l.n, &t);
	assert_int_equal(verify(&l, &m, true, &rep), BW_ERR_VERIFY);
	expect(&rep, BW_AUDIT_REORDERED, BW_AUDIT_IN_RECORDS, 1, 3);
	unload(&l);
	/* record 100 moved ten places later */
	load(&m, &l);
	t = l.r[99];
	remove_at(&l, 99);
	insert_at(&l, 110, &t);
	assert_int_equal(verify(&l, &m, true, &rep), BW_ERR_VERIFY);
	expect(&rep, BW_AUDIT_REORDERED, BW_AUDIT_IN_RECORDS, 99, 101);
	unload(&l);
	mem_free(&m);
}

static void truncation_is_found(void **state)
{
	struct bw_audit_report rep;
	struct loaded l;
	struct mem m;

	(void)state;
	build(&m, 230, 100, true); /* stored and exported: 100, 200, 230 */
	/* cut below a stored checkpoint: storage alone shows it */
	load(&m, &l);
	l.n = 150;
	assert_int_equal(verify(&l, &m, false, &rep), BW_ERR_VERIFY);
	expect(&rep, BW_AUDIT_TRUNCATED, BW_AUDIT_IN_RECORDS, 150, 151);
	assert_int_equal(rep.checkpointed, 230);
	/* everything gone */
	l.n = 0;
	assert_int_equal(verify(&l, &m, false, &rep), BW_ERR_VERIFY);
	expect(&rep, BW_AUDIT_TRUNCATED, BW_AUDIT_IN_RECORDS, 0, 1);
	unload(&l);
	/*
	 * cut after the last stored checkpoint that is left (the attacker drops
	 * the stored one at 230 too): storage alone cannot tell, the exported
	 * copy can
	 */
	load(&m, &l);
	l.n = 210;
	m.nstored = 2;
	assert_int_equal(verify(&l, &m, false, &rep), BW_OK);
	assert_int_equal(verify(&l, &m, true, &rep), BW_ERR_VERIFY);
	expect(&rep, BW_AUDIT_TRUNCATED, BW_AUDIT_IN_RECORDS, 210, 211);
	unload(&l);
	mem_free(&m);
}

static void forged_checkpoint_is_found(void **state)
{
	struct bw_audit_report rep;
	struct bw_audit_checkpoint saved;
	struct mem m;
	struct loaded l;

	(void)state;
	build(&m, 230, 100, true);
	load(&m, &l);
	/* each signed field and the signature itself */
	for (int field = 0; field < 4; field++) {
		saved = m.stored[1];
		if (field == 0)
			m.stored[1].sig[5] ^= 0x40;
		else if (field == 1)
			m.stored[1].time_ms++;
		else if (field == 2)
			m.stored[1].mac[0] ^= 1;
		else
			m.stored[1].seq = 150;
		assert_int_equal(verify(&l, &m, true, &rep), BW_ERR_VERIFY);
		expect(&rep, BW_AUDIT_FORGED_CHECKPOINT, BW_AUDIT_IN_STORED, 1, m.stored[1].seq);
		m.stored[1] = saved;
	}
	/* an exported one claiming far more records than there are, to fake a truncation */
	saved = m.exported[2];
	m.exported[2].seq = 1000000;
	assert_int_equal(verify(&l, &m, true, &rep), BW_ERR_VERIFY);
	expect(&rep, BW_AUDIT_FORGED_CHECKPOINT, BW_AUDIT_IN_EXPORTED, 2, 1000000);
	m.exported[2] = saved;
	/* signed by another key but wearing our key id */
	{
		struct bw_audit_sink sink;
		struct bw_audit_chain *c;
		struct mem o2;

		mem_init(&o2, &sink);
		assert_int_equal(bw_audit_chain_new(key2, &sink, 100, 0, NULL, &c), BW_OK);
		assert_int_equal(append_nth(c, 1, "x"), BW_OK);
		assert_int_equal(bw_audit_checkpoint_now(c, T0, NULL), BW_OK);
		bw_audit_chain_free(c);
		m.stored[0] = o2.stored[0];
		memcpy(m.stored[0].key_id, bw_audit_key_id(key), BW_KEY_ID_SIZE);
		mem_free(&o2);
	}
	assert_int_equal(verify(&l, &m, true, &rep), BW_ERR_VERIFY);
	expect(&rep, BW_AUDIT_FORGED_CHECKPOINT, BW_AUDIT_IN_STORED, 0, 1);
	unload(&l);
	mem_free(&m);
}

static void wrong_key_is_named(void **state)
{
	struct bw_audit_report rep;
	struct loaded l;
	struct mem m;

	(void)state;
	build(&m, 120, 100, false);
	load(&m, &l);
	assert_int_equal(bw_audit_verify(key2, l.r, l.n, m.stored, m.nstored, NULL, 0, &rep),
	                 BW_ERR_VERIFY);
	expect(&rep, BW_AUDIT_WRONG_KEY, BW_AUDIT_IN_STORED, 0, 100);
	/* without checkpoints the first record already fails */
	assert_int_equal(bw_audit_verify(key2, l.r, l.n, NULL, 0, NULL, 0, &rep), BW_ERR_VERIFY);
	expect(&rep, BW_AUDIT_EDITED, BW_AUDIT_IN_RECORDS, 0, 1);
	unload(&l);
	mem_free(&m);
}

static void checkpoint_of_another_chain_disagrees(void **state)
{
	struct bw_audit_sink sink;
	struct bw_audit_chain *c;
	struct bw_audit_report rep;
	struct mem m, fork;
	struct loaded l;

	(void)state;
	build(&m, 120, 100, false);
	/* the same key, other events: a valid signature over another chain */
	mem_init(&fork, &sink);
	assert_int_equal(bw_audit_chain_new(key, &sink, 100, 0, NULL, &c), BW_OK);
	for (uint64_t i = 1; i <= 100; i++)
		assert_int_equal(append_nth(c, i, "someone-else"), BW_OK);
	bw_audit_chain_free(c);
	load(&m, &l);
	assert_int_equal(bw_audit_verify(key, l.r, l.n, NULL, 0, fork.stored, 1, &rep),
	                 BW_ERR_VERIFY);
	expect(&rep, BW_AUDIT_CHECKPOINT_MISMATCH, BW_AUDIT_IN_EXPORTED, 0, 100);
	assert_int_equal(rep.verified, 99);
	unload(&l);
	mem_free(&fork);
	mem_free(&m);
}

static void malformed_input_is_named(void **state)
{
	struct bw_audit_detail bad = BW_AUDIT_D_STR("password", BW_STR("hunter2"));
	struct bw_audit_report rep;
	struct loaded l;
	struct mem m;

	(void)state;
	build(&m, 120, 100, false);
	load(&m, &l);
	l.r[3].ev.details = &bad;
	l.r[3].ev.ndetails = 1;
	assert_int_equal(verify(&l, &m, false, &rep), BW_ERR_VERIFY);
	expect(&rep, BW_AUDIT_MALFORMED, BW_AUDIT_IN_RECORDS, 3, 4);
	unload(&l);
	load(&m, &l);
	l.r[0].seq = 0;
	assert_int_equal(verify(&l, &m, false, &rep), BW_ERR_VERIFY);
	expect(&rep, BW_AUDIT_MALFORMED, BW_AUDIT_IN_RECORDS, 0, 0);
	unload(&l);
	load(&m, &l);
	m.stored[0].key_id[3] = 'X';
	assert_int_equal(verify(&l, &m, false, &rep), BW_ERR_VERIFY);
	expect(&rep, BW_AUDIT_MALFORMED, BW_AUDIT_IN_STORED, 0, 100);
	assert_string_equal(bw_audit_verdict_str(BW_AUDIT_TRUNCATED), "truncated");
	assert_string_equal(bw_audit_verdict_str((enum bw_audit_verdict)99), "unknown");
	unload(&l);
	mem_free(&m);
}

/* ---- the writer ---- */

static void sink_failures_leave_no_gap(void **state)
{
	struct bw_audit_chain_stats st;
	struct bw_audit_report rep;
	struct bw_audit_sink sink;
	struct bw_audit_chain *c;
	struct loaded l;
	struct mem m;
	uint64_t seq = 0;

	(void)state;
	mem_init(&m, &sink);
	assert_int_equal(bw_audit_chain_new(key, &sink, 5, 0, NULL, &c), BW_OK);
	assert_int_equal(bw_audit_checkpoint_now(c, T0, NULL), BW_ERR_STATE);
	for (uint64_t i = 1; i <= 4; i++)
		assert_int_equal(append_nth(c, i, "u"), BW_OK);
	/* the store fails: the same seq is used next time */
	m.fail_record = 1;
	assert_int_equal(append_nth(c, 5, "u"), BW_ERR_IO);
	bw_audit_chain_stats(c, &st);
	assert_int_equal(st.last_seq, 4);
	/* the checkpoint at 5 fails: the record stays, the checkpoint is owed */
	m.fail_checkpoint = 1;
	assert_int_equal(
	        bw_audit_append(c,
	                        &(struct bw_audit_event){T0, BW_STR("u"), BW_STR(""), BW_STR(""),
	                                                 BW_STR("e"), BW_AUDIT_SUCCESS, NULL, 0},
	                        &seq),
	        BW_OK);
	assert_int_equal(seq, 5);
	bw_audit_chain_stats(c, &st);
	assert_true(st.checkpoint_due);
	assert_int_equal(st.checkpoint_errors, 1);
	assert_int_equal(m.nstored, 0);
	assert_int_equal(append_nth(c, 6, "u"), BW_OK); /* paid at 6 */
	bw_audit_chain_stats(c, &st);
	assert_false(st.checkpoint_due);
	assert_int_equal(st.checkpoints, 1);
	assert_int_equal(m.nstored, 1);
	assert_int_equal(m.stored[0].seq, 6);
	assert_int_equal(m.nexported, 1);
	/* an on-demand checkpoint reports a store failure */
	m.fail_checkpoint = 1;
	assert_int_equal(bw_audit_checkpoint_now(c, T0, NULL), BW_ERR_IO);
	assert_int_equal(bw_audit_checkpoint_now(c, -1, NULL), BW_ERR_RANGE);
	bw_audit_chain_free(c);
	load(&m, &l);
	assert_int_equal(l.n, 6);
	assert_int_equal(verify(&l, &m, true, &rep), BW_OK);
	unload(&l);
	mem_free(&m);
}

static void chain_resumes_after_restart(void **state)
{
	struct bw_audit_report rep;
	struct bw_audit_sink sink;
	struct bw_audit_chain *c = NULL;
	struct loaded l;
	struct mem m;
	uint8_t mac[BW_AUDIT_MAC_BYTES] = {0};

	(void)state;
	build(&m, 50, 20, false);
	load(&m, &l);
	memcpy(mac, l.r[49].mac, sizeof(mac));
	unload(&l);
	sink = (struct bw_audit_sink){&m, mem_record, mem_checkpoint, mem_export};
	assert_int_equal(bw_audit_chain_new(key, &sink, 20, 50, NULL, &c), BW_ERR_INVALID);
	assert_int_equal(bw_audit_chain_new(key, &sink, 20, 0, mac, &c), BW_ERR_INVALID);
	assert_int_equal(bw_audit_chain_new(key, &sink, 0, 0, NULL, &c), BW_ERR_RANGE);
	assert_int_equal(bw_audit_chain_new(key, &sink, 20, BW_AUDIT_SEQ_MAX + 1, mac, &c),
	                 BW_ERR_RANGE);
	assert_null(c);
	assert_int_equal(bw_audit_chain_new(key, &sink, 20, 50, mac, &c), BW_OK);
	for (uint64_t i = 51; i <= 70; i++)
		assert_int_equal(append_nth(c, i, "u"), BW_OK);
	bw_audit_chain_free(c);
	load(&m, &l);
	assert_int_equal(l.n, 70);
	assert_int_equal(m.nstored, 3); /* 20, 40, 60 */
	assert_int_equal(verify(&l, &m, true, &rep), BW_OK);
	unload(&l);
	/* resumed with a wrong mac: the first new record breaks the chain */
	mac[0] ^= 1;
	mem_free(&m);
	build(&m, 50, 20, false);
	assert_int_equal(bw_audit_chain_new(key, &sink, 20, 50, mac, &c), BW_OK);
	assert_int_equal(append_nth(c, 51, "u"), BW_OK);
	bw_audit_chain_free(c);
	load(&m, &l);
	assert_int_equal(verify(&l, &m, true, &rep), BW_ERR_VERIFY);
	expect(&rep, BW_AUDIT_EDITED, BW_AUDIT_IN_RECORDS, 50, 51);
	unload(&l);
	mem_free(&m);
}

#define THREADS    4
#define PER_THREAD 200

static void *writer(void *arg)
{
	struct bw_audit_chain *c = arg;

	for (uint64_t i = 0; i < PER_THREAD; i++)
		if (append_nth(c, i, "t") != BW_OK)
			return arg;
	return NULL;
}

static enum bw_err locked_record(void *ctx, const struct bw_audit_record *rec)
{
	struct mem *m = ctx;
	enum bw_err rc;

	pthread_mutex_lock(&m->mu);
	rc = mem_record(ctx, rec);
	pthread_mutex_unlock(&m->mu);
	return rc;
}

static void concurrent_writers_keep_one_chain(void **state)
{
	pthread_t th[THREADS];
	struct bw_audit_report rep;
	struct bw_audit_sink sink;
	struct bw_audit_chain *c;
	struct loaded l;
	struct mem m;

	(void)state;
	mem_init(&m, &sink);
	assert_int_equal(pthread_mutex_init(&m.mu, NULL), 0);
	sink.store_record = locked_record;
	assert_int_equal(bw_audit_chain_new(key, &sink, 100, 0, NULL, &c), BW_OK);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, writer, c), 0);
	for (int i = 0; i < THREADS; i++) {
		void *res;

		assert_int_equal(pthread_join(th[i], &res), 0);
		assert_null(res);
	}
	bw_audit_chain_free(c);
	load(&m, &l);
	assert_int_equal(l.n, THREADS * PER_THREAD);
	assert_int_equal(m.nstored, THREADS * PER_THREAD / 100);
	assert_int_equal(verify(&l, &m, true, &rep), BW_OK);
	unload(&l);
	pthread_mutex_destroy(&m.mu);
	mem_free(&m);
}

/* ---- export ---- */

static void export_round_trips(void **state)
{
	const struct bw_audit_record *r;
	const struct bw_audit_checkpoint *cps;
	struct bw_audit_export *e = NULL;
	struct bw_audit_report rep;
	struct bw_buf again;
	size_t n, ncp;
	struct mem m;

	(void)state;
	build(&m, 30, 10, true);
	/* the export file: records, then the checkpoints */
	for (size_t i = 0; i < m.nstored; i++)
		assert_int_equal(bw_audit_export_checkpoint(&m.stored[i], &m.lines), BW_OK);
	assert_int_equal(bw_audit_export_parse(m.lines.p, m.lines.len, 1000, &e, NULL), BW_OK);
	r = bw_audit_export_records(e, &n);
	cps = bw_audit_export_checkpoints(e, &ncp);
	assert_int_equal(n, 30);
	assert_int_equal(ncp, 4);
	assert_int_equal(bw_audit_verify(key, r, n, cps, ncp, m.exported, m.nexported, &rep),
	                 BW_OK);
	bw_buf_init(&again, 1u << 20);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(bw_audit_export_record(&r[i], &again), BW_OK);
	for (size_t i = 0; i < ncp; i++)
		assert_int_equal(bw_audit_export_checkpoint(&cps[i], &again), BW_OK);
	assert_true(bw_str_eq(bw_buf_str(&again), bw_buf_str(&m.lines)));
	assert_non_null(strstr(m.lines.p, "{\"type\":\"record\",\"seq\":1,\"time\":\"2023-11-14T22:"
	                                  "13:20.124Z\",\"actor\":\"user-42\",\"ip\":\"192.0.2.7\","
	                                  "\"request_id\":\"rid-Ab_9.x\",\"event\":\"auth.logout\","
	                                  "\"outcome\":\"failure\",\"details\":{\"reason\":\"bad "
	                                  "\\\"pass\\\" \\\\ caf\xC3\xA9\"},\"mac\":\""));
	bw_buf_free(&again);
	bw_audit_export_free(e);
	mem_free(&m);
}

/* Parse text with line `line` replaced by `repl` (NULL: dropped; one past the end: added). */
static enum bw_err parse_with(const struct bw_buf *text, size_t line, const char *repl, size_t max,
                              size_t *bad)
{
	struct bw_audit_export *e = NULL;
	struct bw_buf b;
	const char *p = text->p;
	enum bw_err rc;

	size_t i = 1;

	bw_buf_init(&b, 1u << 20);
	for (; p < text->p + text->len; i++) {
		const char *nl = strchr(p, '\n');

		if (i != line)
			assert_int_equal(bw_buf_append(&b, p, (size_t)(nl - p) + 1), BW_OK);
		else if (repl != NULL)
			assert_int_equal(bw_buf_append_c(&b, repl), BW_OK);
		p = nl + 1;
	}
	if (i == line && repl != NULL) /* one past the last line: appended */
		assert_int_equal(bw_buf_append_c(&b, repl), BW_OK);
	rc = bw_audit_export_parse(b.p, b.len, max, &e, bad);
	assert_true((rc == BW_OK) == (e != NULL));
	bw_audit_export_free(e);
	bw_buf_free(&b);
	return rc;
}

static void export_parser_refuses_other_spellings(void **state)
{
	static char huge[BW_AUDIT_LINE_MAX + 16];
	struct mem m;
	char line2[BW_AUDIT_LINE_MAX], mod[BW_AUDIT_LINE_MAX + 64];
	const char *p, *nl;
	size_t bad = 0, len2;
	static const struct {
		const char *from, *to;
	} edits[] = {
	        {"{\"type\":\"record\",", "{ \"type\":\"record\","},        /* a space */
	        {"\"seq\":2,", "\"seq\":2.0,"},                             /* a real */
	        {"\"seq\":2,", "\"seq\":\"2\","},                           /* a string */
	        {"\"seq\":2,", "\"seq\":02,"},                              /* not JSON */
	        {"\"actor\":\"user-42\"", "\"actor\":\"user-4\\u0032\""},   /* an escape */
	        {"\"actor\":\"user-42\"", "\"actor\":\"user-42\",\"x\":1"}, /* a member more */
	        {"\"actor\":\"user-42\",", ""},                             /* a member less */
	        {"\"actor\":\"user-42\"", "\"actor\":\"user-42\",\"actor\":\"a\""},
	        {"\"outcome\":\"denied\"", "\"outcome\":\"DENIED\""},
	        {"\"time\":\"2023-11-14T22:13:20.125Z\"",
	         "\"time\":\"2023-11-14T22:13:20.125+00:00\""},
	        {"\"time\":\"2023-11-14T22:13:20.125Z\"", "\"time\":\"2023-11-14T22:13:20.1250Z\""},
	        {"\"attempt\":2", "\"attempt\":2.5"},
	        {"\"attempt\":2", "\"attempt\":null"},
	        {"\"attempt\":2", "\"attempt\":[2]"},
	        {"\"attempt\":2", "\"password\":2"},     /* a secret's key */
	        {"\"mac\":\"", "\"mac\":\"A"},           /* uppercase and too long */
	        {"{\"attempt\":2,", "{\"zattempt\":2,"}, /* keys out of order */
	        {"\"type\":\"record\"", "\"type\":\"Record\""},
	        {"\"type\":\"record\"", "\"kind\":\"record\""},
	        {"\"ip\":\"192.0.2.7\"", "\"ip\":\"::ffff:192.0.2.7\""},
	};

	(void)state;
	build(&m, 3, 100, true);
	assert_int_equal(bw_audit_export_checkpoint(&m.stored[0], &m.lines), BW_OK);
	assert_int_equal(parse_with(&m.lines, 0, NULL, 100, &bad), BW_OK);
	/* record 2 is the one edited */
	p = strchr(m.lines.p, '\n') + 1;
	nl = strchr(p, '\n');
	len2 = (size_t)(nl - p) + 1;
	memcpy(line2, p, len2);
	line2[len2] = '\0';
	assert_non_null(strstr(line2, "\"details\":{\"attempt\":2,\"reason\":\"bad"));
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		const char *at = strstr(line2, edits[i].from);
		size_t pre;

		if (at == NULL)
			fail_msg("edit %zu: \"%s\" not in the line", i, edits[i].from);
		pre = (size_t)(at - line2);
		snprintf(mod, sizeof(mod), "%.*s%s%s", (int)pre, line2, edits[i].to,
		         at + strlen(edits[i].from));
		bad = 0;
		if (parse_with(&m.lines, 2, mod, 100, &bad) != BW_ERR_INVALID || bad != 2)
			fail_msg("edit %zu accepted (or wrong line %zu): %s", i, bad, mod);
	}
	/* framing */
	assert_int_equal(parse_with(&m.lines, 2, "\n", 100, &bad), BW_ERR_INVALID);
	assert_int_equal(bad, 2);
	line2[len2 - 1] = '\r'; /* CRLF */
	snprintf(mod, sizeof(mod), "%s\n", line2);
	assert_int_equal(parse_with(&m.lines, 2, mod, 100, &bad), BW_ERR_INVALID);
	line2[len2 - 1] = '\0'; /* the last line without its newline */
	assert_int_equal(
	        bw_audit_export_parse(line2, len2 - 1, 100, &(struct bw_audit_export *){0}, &bad),
	        BW_ERR_INVALID);
	assert_int_equal(bad, 1);
	/* a record after a checkpoint */
	snprintf(mod, sizeof(mod), "%s\n", line2);
	assert_int_equal(parse_with(&m.lines, 5, mod, 100, &bad), BW_ERR_INVALID);
	assert_int_equal(bad, 5);
	/* caps */
	assert_int_equal(parse_with(&m.lines, 0, NULL, 2, &bad), BW_ERR_LIMIT);
	assert_int_equal(bad, 3);
	memset(huge, ' ', sizeof(huge) - 2);
	huge[sizeof(huge) - 2] = '\n';
	assert_int_equal(parse_with(&m.lines, 1, huge, 100, &bad), BW_ERR_LIMIT);
	assert_int_equal(bad, 1);
	mem_free(&m);
}

static void exported_text_tampering_is_found(void **state)
{
	struct bw_audit_export *e = NULL;
	const struct bw_audit_record *r;
	struct bw_audit_report rep;
	struct mem m;
	char *at;
	size_t n;

	(void)state;
	build(&m, 12, 100, false);
	/* a well-formed edit of the text: parses, but the chain breaks at that record */
	at = strstr(m.lines.p, "\"seq\":5,");
	assert_non_null(at);
	at = strstr(at, "\"outcome\":\"failure\"");
	assert_non_null(at);
	memcpy(at, "\"outcome\":\"success\"", strlen("\"outcome\":\"success\""));
	assert_int_equal(bw_audit_export_parse(m.lines.p, m.lines.len, 100, &e, NULL), BW_OK);
	r = bw_audit_export_records(e, &n);
	assert_int_equal(bw_audit_verify(key, r, n, NULL, 0, NULL, 0, &rep), BW_ERR_VERIFY);
	expect(&rep, BW_AUDIT_EDITED, BW_AUDIT_IN_RECORDS, 4, 5);
	bw_audit_export_free(e);
	mem_free(&m);
}

/* ---- checkpoints in syslog ---- */

static void checkpoint_syslog_round_trip(void **state)
{
	struct bw_audit_checkpoint cp, back;
	struct bw_audit_report rep;
	uint8_t pk[BW_AUDIT_PUBLIC_KEY_BYTES];
	struct bw_buf b;
	struct loaded l;
	struct mem m;
	char line[BW_SYSLOG_LINE_MAX + 64], mod[BW_SYSLOG_LINE_MAX + 64], *at;

	(void)state;
	build(&m, 20, 100, true);
	cp = m.exported[0];
	bw_buf_init(&b, BW_SYSLOG_LINE_MAX);
	assert_int_equal(bw_audit_checkpoint_syslog(&cp, BW_STR("host1"), BW_STR("bulwark"),
	                                            BW_STR("77"), &b),
	                 BW_OK);
	assert_true(bw_str_has_prefix_c(bw_buf_str(&b), "<85>1 2023-11-14T22:13:20.143Z host1 "
	                                                "bulwark 77 audit.checkpoint "
	                                                "[bwaudit@32473 seq=\"20\" time=\""));
	snprintf(line, sizeof(line), "%s", bw_buf_cstr(&b));
	bw_buf_free(&b);
	memset(&back, 0, sizeof(back));
	assert_int_equal(bw_audit_checkpoint_from_syslog(line, strlen(line), &back), BW_OK);
	assert_true(back.seq == cp.seq && back.time_ms == cp.time_ms);
	assert_memory_equal(back.mac, cp.mac, sizeof(cp.mac));
	assert_memory_equal(back.sig, cp.sig, sizeof(cp.sig));
	assert_string_equal(back.key_id, cp.key_id);
	bw_audit_key_public(key, pk);
	assert_int_equal(bw_audit_checkpoint_verify(pk, &back), BW_OK);

	/* a relay's extra SD element is fine */
	at = strstr(line, "] audit checkpoint");
	snprintf(mod, sizeof(mod), "%.*s][origin ip=\"192.0.2.9\"]%s", (int)(at - line), line,
	         at + 1);
	assert_int_equal(bw_audit_checkpoint_from_syslog(mod, strlen(mod), &back), BW_OK);
	/* a tampered seq reads fine and fails the signature, in verify too */
	snprintf(mod, sizeof(mod), "%s", line);
	at = strstr(mod, "seq=\"20\"");
	at[5] = '9';
	assert_int_equal(bw_audit_checkpoint_from_syslog(mod, strlen(mod), &back), BW_OK);
	assert_int_equal(back.seq, 90);
	assert_int_equal(bw_audit_checkpoint_verify(pk, &back), BW_ERR_VERIFY);
	load(&m, &l);
	assert_int_equal(bw_audit_verify(key, l.r, l.n, m.stored, m.nstored, &back, 1, &rep),
	                 BW_ERR_VERIFY);
	expect(&rep, BW_AUDIT_FORGED_CHECKPOINT, BW_AUDIT_IN_EXPORTED, 0, 90);
	unload(&l);

	/* refusals */
	{
		static const struct {
			const char *from, *to;
			enum bw_err want;
		} edits[] = {
		        {"[bwaudit@32473 ", "[other@32473 ", BW_ERR_NOT_FOUND},
		        {"seq=\"20\"", "seq=\"020\"", BW_ERR_INVALID},
		        {"seq=\"20\"", "seq=\"0\"", BW_ERR_INVALID},
		        {"seq=\"20\"", "seq=\"20\" seq=\"20\"", BW_ERR_INVALID},
		        {"time=\"2023-11-14T22:13:20.143Z\"", "seq=\"20\"", BW_ERR_INVALID},
		        {"seq=\"20\"", "seq=\"20\" x=\"1\"", BW_ERR_INVALID},
		        {"seq=\"20\" ", "", BW_ERR_INVALID},
		        {"seq=\"20\"", "seq=\"\"", BW_ERR_INVALID},
		        {".143Z\" mac", ".143+00:00\" mac", BW_ERR_INVALID},
		        {"mac=\"", "mac=\"0", BW_ERR_INVALID},
		        {"key_id=\"", "key_id=\"0", BW_ERR_INVALID},
		        {"sig=\"", "sig=\"0", BW_ERR_INVALID},
		        {"<85>1", "<85>2", BW_ERR_INVALID},
		        {"] audit", "] au\ndit", BW_ERR_ENCODING},
		};

		for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
			enum bw_err rc;

			at = strstr(line, edits[i].from);
			if (at == NULL)
				fail_msg("edit %zu: \"%s\" not found", i, edits[i].from);
			snprintf(mod, sizeof(mod), "%.*s%s%s", (int)(at - line), line, edits[i].to,
			         at + strlen(edits[i].from));
			rc = bw_audit_checkpoint_from_syslog(mod, strlen(mod), &back);
			if (rc != edits[i].want)
				fail_msg("edit %zu: %s: %s", i, bw_err_str(rc), mod);
		}
		/* uppercase hex */
		snprintf(mod, sizeof(mod), "%s", line);
		at = strstr(mod, "mac=\"") + 5;
		for (; *at != '"'; at++)
			if (*at >= 'a' && *at <= 'f')
				break;
		assert_true(*at != '"');
		*at = (char)(*at - 'a' + 'A');
		assert_int_equal(bw_audit_checkpoint_from_syslog(mod, strlen(mod), &back),
		                 BW_ERR_INVALID);
	}
	mem_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(known_answers),
	        cmocka_unit_test(keys_are_deterministic_and_separate),
	        cmocka_unit_test(canonical_is_injective),
	        cmocka_unit_test(append_refuses_bad_events),
	        cmocka_unit_test(intact_chain_verifies),
	        cmocka_unit_test(edited_record_is_found),
	        cmocka_unit_test(deleted_record_is_found),
	        cmocka_unit_test(inserted_record_is_found),
	        cmocka_unit_test(reordered_record_is_found),
	        cmocka_unit_test(truncation_is_found),
	        cmocka_unit_test(forged_checkpoint_is_found),
	        cmocka_unit_test(wrong_key_is_named),
	        cmocka_unit_test(checkpoint_of_another_chain_disagrees),
	        cmocka_unit_test(malformed_input_is_named),
	        cmocka_unit_test(sink_failures_leave_no_gap),
	        cmocka_unit_test(chain_resumes_after_restart),
	        cmocka_unit_test(concurrent_writers_keep_one_chain),
	        cmocka_unit_test(export_round_trips),
	        cmocka_unit_test(export_parser_refuses_other_spellings),
	        cmocka_unit_test(exported_text_tampering_is_found),
	        cmocka_unit_test(checkpoint_syslog_round_trip),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
