/* test_ratelimit.c — GCRA arithmetic, the in-memory store, eviction, threads, headers. */
#include "bw_test.h"

#include "bulwark/netaddr.h"
#include "bulwark/ratelimit.h"

#include <pthread.h>

#define S  1000000000ull
#define MS 1000000ull

/* A base time well away from zero, as a monotonic clock would be. */
#define T0 (1000 * S)

static int setup(void **state)
{
	(void)state;
	return bw_init() == BW_OK ? 0 : -1;
}

static struct bw_rl_memory *store(size_t entries, size_t shards)
{
	struct bw_rl_memory *m = NULL;

	if (bw_rl_memory_new(entries, shards, &m) != BW_OK)
		fail_msg("bw_rl_memory_new(%zu, %zu) failed", entries, shards);
	return m;
}

/* Take with a NUL-terminated key; the result is returned, the status asserted BW_OK. */
static struct bw_rl_result take(const struct bw_rl_backend *b, const struct bw_rl_policy *p,
                                const char *key, uint32_t cost, uint64_t now)
{
	struct bw_rl_result r;

	assert_int_equal(bw_ratelimit_take(b, p, (const uint8_t *)key, strlen(key), cost, now, &r),
	                 BW_OK);
	return r;
}

static void gcra_burst_then_steady_rate(void **state)
{
	/* 10 per 10 s: T = 1 s; burst 3 */
	static const struct bw_rl_policy p = {"t", 10, 10, 3};
	struct bw_rl_result r;
	uint64_t tat = 0, kept;

	(void)state;
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(bw_rl_gcra(&tat, 1, &p, T0, &r), BW_OK);
		assert_true(r.allowed);
		assert_int_equal(r.limit, 10);
		assert_int_equal(r.remaining, 2 - i);
		assert_true(r.reset_ns == (i + 1) * S);
		assert_int_equal(r.reset_s, i + 1);
		assert_true(r.retry_after_ns == 0 && r.retry_after_s == 0);
	}
	assert_true(tat == T0 + 3 * S);
	/* the fourth at the same instant waits exactly one interval */
	kept = tat;
	assert_int_equal(bw_rl_gcra(&tat, 1, &p, T0, &r), BW_OK);
	assert_false(r.allowed);
	assert_true(r.retry_after_ns == S);
	assert_int_equal(r.retry_after_s, 1);
	assert_int_equal(r.remaining, 0);
	assert_int_equal(r.reset_s, 3);
	assert_true(tat == kept); /* a refusal does not move the TAT */
	/* half an interval later: still refused, half an interval to go, rounded up */
	assert_int_equal(bw_rl_gcra(&tat, 1, &p, T0 + 500 * MS, &r), BW_OK);
	assert_false(r.allowed);
	assert_true(r.retry_after_ns == 500 * MS);
	assert_int_equal(r.retry_after_s, 1);
	assert_true(r.reset_ns == 2500 * MS);
	assert_int_equal(r.reset_s, 3);
	/* one nanosecond early is refused, on time is allowed */
	assert_int_equal(bw_rl_gcra(&tat, 1, &p, T0 + S - 1, &r), BW_OK);
	assert_false(r.allowed);
	assert_true(r.retry_after_ns == 1);
	assert_int_equal(r.retry_after_s, 1);
	/* steady state: one per second, never two */
	for (uint64_t k = 1; k <= 50; k++) {
		assert_int_equal(bw_rl_gcra(&tat, 1, &p, T0 + k * S, &r), BW_OK);
		assert_true(r.allowed);
		assert_int_equal(r.remaining, 0);
		assert_int_equal(bw_rl_gcra(&tat, 1, &p, T0 + k * S + 999 * MS, &r), BW_OK);
		assert_false(r.allowed);
		assert_true(r.retry_after_ns == MS);
	}
	/* recovery: after 3 idle intervals the full burst is back, and no more */
	{
		uint64_t later = T0 + 53 * S;

		assert_int_equal(bw_rl_gcra(&tat, 1, &p, later, &r), BW_OK);
		assert_true(r.allowed);
		assert_int_equal(r.remaining, 2);
		assert_int_equal(bw_rl_gcra(&tat, 2, &p, later, &r), BW_OK);
		assert_true(r.allowed);
		assert_int_equal(r.remaining, 0);
		assert_int_equal(bw_rl_gcra(&tat, 1, &p, later, &r), BW_OK);
		assert_false(r.allowed);
	}
	/* a long idle time does not bank more than the burst */
	assert_int_equal(bw_rl_gcra(&tat, 3, &p, T0 + 10000 * S, &r), BW_OK);
	assert_true(r.allowed);
	assert_int_equal(bw_rl_gcra(&tat, 1, &p, T0 + 10000 * S, &r), BW_OK);
	assert_false(r.allowed);
}

static void gcra_cost_and_rounding(void **state)
{
	/* 3 per second: T = ceil(1e9 / 3) = 333333334 ns, rounded up (never faster) */
	static const struct bw_rl_policy third = {"t", 3, 1, 1};
	static const struct bw_rl_policy p = {"t", 10, 10, 3};
	struct bw_rl_result r;
	uint64_t tat = 0;
	unsigned allowed = 0;

	(void)state;
	assert_int_equal(bw_rl_gcra(&tat, 1, &third, T0, &r), BW_OK);
	assert_true(tat == T0 + 333333334ull);
	/* over 100 s on a 1 ms grid, at most 300 pass (plus the first) */
	for (uint64_t t = T0 + MS; t < T0 + 100 * S; t += MS) {
		assert_int_equal(bw_rl_gcra(&tat, 1, &third, t, &r), BW_OK);
		allowed += r.allowed;
	}
	assert_true(allowed <= 299);
	assert_true(allowed >= 298);

	/* a cost-2 request when only one unit is left waits for the second unit */
	tat = 0;
	assert_int_equal(bw_rl_gcra(&tat, 2, &p, T0, &r), BW_OK);
	assert_true(r.allowed);
	assert_int_equal(r.remaining, 1);
	assert_int_equal(bw_rl_gcra(&tat, 2, &p, T0, &r), BW_OK);
	assert_false(r.allowed);
	assert_true(r.retry_after_ns == S);
	assert_int_equal(r.remaining, 1); /* a cost-1 request would still pass */
	assert_int_equal(bw_rl_gcra(&tat, 1, &p, T0, &r), BW_OK);
	assert_true(r.allowed);
}

static void gcra_refuses_bad_arguments(void **state)
{
	static const struct bw_rl_policy p = {"t", 10, 10, 3};
	static const struct bw_rl_policy zero = {"t", 0, 10, 3};
	struct bw_rl_result r;
	uint64_t tat = 0;

	(void)state;
	assert_int_equal(bw_rl_gcra(&tat, 0, &p, T0, &r), BW_ERR_RANGE);
	assert_false(r.allowed);
	assert_int_equal(r.retry_after_s, 1);
	assert_int_equal(bw_rl_gcra(&tat, 4, &p, T0, &r), BW_ERR_RANGE);
	assert_int_equal(bw_rl_gcra(&tat, 1, &p, (uint64_t)INT64_MAX + 1, &r), BW_ERR_RANGE);
	assert_int_equal(bw_rl_gcra(&tat, 1, &zero, T0, &r), BW_ERR_CONFIG);
	assert_int_equal(bw_rl_gcra(&tat, 1, NULL, T0, &r), BW_ERR_CONFIG);
	assert_false(r.allowed);
	assert_true(tat == 0);
	/* the largest clock value still works; a hostile stored TAT saturates, not wraps */
	assert_int_equal(bw_rl_gcra(&tat, 1, &p, (uint64_t)INT64_MAX, &r), BW_OK);
	assert_true(r.allowed);
	tat = UINT64_MAX - 1;
	assert_int_equal(bw_rl_gcra(&tat, 3, &p, T0, &r), BW_OK);
	assert_false(r.allowed);
	assert_true(r.retry_after_ns == UINT64_MAX - 3 * S - T0);
	assert_int_equal(r.remaining, 0);
}

static void policy_bounds(void **state)
{
	static const char *const bad_names[] = {"",
	                                        "IP",
	                                        "1ip",
	                                        "ip\"x",
	                                        "a b",
	                                        "ip,x",
	                                        "-x",
	                                        "ip;q=1",
	                                        "a\\b",
	                                        "é",
	                                        "abcdefghijklmnopq"};
	struct bw_rl_policy p = {"ip", 600, 60, 600};

	(void)state;
	assert_int_equal(bw_rl_policy_check(&p), BW_OK);
	p.name = "abcdefghijklmnop"; /* 16 */
	assert_int_equal(bw_rl_policy_check(&p), BW_OK);
	p.name = "a0_.-z";
	assert_int_equal(bw_rl_policy_check(&p), BW_OK);
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		p.name = bad_names[i];
		if (bw_rl_policy_check(&p) != BW_ERR_CONFIG)
			fail_msg("accepted policy name \"%s\"", bad_names[i]);
	}
	p.name = NULL;
	assert_int_equal(bw_rl_policy_check(&p), BW_ERR_CONFIG);
	assert_int_equal(bw_rl_policy_check(NULL), BW_ERR_CONFIG);
	p = (struct bw_rl_policy){"ip", 0, 60, 1};
	assert_int_equal(bw_rl_policy_check(&p), BW_ERR_CONFIG);
	p = (struct bw_rl_policy){"ip", BW_RL_LIMIT_MAX + 1, 60, 1};
	assert_int_equal(bw_rl_policy_check(&p), BW_ERR_CONFIG);
	p = (struct bw_rl_policy){"ip", BW_RL_LIMIT_MAX, 1, BW_RL_BURST_MAX};
	assert_int_equal(bw_rl_policy_check(&p), BW_OK);
	p = (struct bw_rl_policy){"ip", 1, 0, 1};
	assert_int_equal(bw_rl_policy_check(&p), BW_ERR_CONFIG);
	p = (struct bw_rl_policy){"ip", 1, BW_RL_PERIOD_MAX + 1, 1};
	assert_int_equal(bw_rl_policy_check(&p), BW_ERR_CONFIG);
	p = (struct bw_rl_policy){"ip", 1, 60, 0};
	assert_int_equal(bw_rl_policy_check(&p), BW_ERR_CONFIG);
	p = (struct bw_rl_policy){"ip", 1, 60, BW_RL_BURST_MAX + 1};
	assert_int_equal(bw_rl_policy_check(&p), BW_ERR_CONFIG);
	/* burst * T at most 2^61 ns: a year's interval fits 72 times, not 73 */
	p = (struct bw_rl_policy){"ip", 1, BW_RL_PERIOD_MAX, 72};
	assert_int_equal(bw_rl_policy_check(&p), BW_OK);
	p.burst = 73;
	assert_int_equal(bw_rl_policy_check(&p), BW_ERR_CONFIG);
}

static void memory_store_follows_gcra(void **state)
{
	static const struct bw_rl_policy p = {"t", 10, 10, 3};
	struct bw_rl_memory *m = store(1024, 0);
	struct bw_rl_backend b = bw_rl_memory_backend(m);
	struct bw_rl_result r;

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_true(take(&b, &p, "k", 1, T0).allowed);
	r = take(&b, &p, "k", 1, T0);
	assert_false(r.allowed);
	assert_true(r.retry_after_ns == S);
	assert_true(take(&b, &p, "other", 1, T0).allowed);
	assert_false(take(&b, &p, "k", 1, T0 + S - 1).allowed);
	assert_true(take(&b, &p, "k", 1, T0 + S).allowed);
	assert_false(take(&b, &p, "k", 1, T0 + S).allowed);
	r = take(&b, &p, "k", 3, T0 + 4 * S);
	assert_true(r.allowed);
	bw_rl_memory_free(m);
	bw_rl_memory_free(NULL);
}

static void policies_keep_keys_apart(void **state)
{
	static const struct bw_rl_policy ip = {"ip", 1, 60, 1};
	static const struct bw_rl_policy login = {"login", 1, 60, 1};
	static const struct bw_rl_policy ipx = {"ipx", 1, 60, 1};
	struct bw_rl_memory *m = store(1024, 0);
	struct bw_rl_backend b = bw_rl_memory_backend(m);
	struct bw_rl_result r;
	const uint8_t k1[] = {'x', 0, 'y'}, k2[] = {'x', 0, 'z'};

	(void)state;
	assert_true(take(&b, &ip, "xkey", 1, T0).allowed);
	assert_true(take(&b, &login, "xkey", 1, T0).allowed);
	/* "ip" + "xkey" must not meet "ipx" + "key" */
	assert_true(take(&b, &ipx, "key", 1, T0).allowed);
	assert_false(take(&b, &ip, "xkey", 1, T0).allowed);
	/* binary keys with NUL bytes are whole keys */
	assert_int_equal(bw_ratelimit_take(&b, &ip, k1, sizeof(k1), 1, T0, &r), BW_OK);
	assert_true(r.allowed);
	assert_int_equal(bw_ratelimit_take(&b, &ip, k2, sizeof(k2), 1, T0, &r), BW_OK);
	assert_true(r.allowed);
	assert_int_equal(bw_ratelimit_take(&b, &ip, k1, 1, 1, T0, &r), BW_OK);
	assert_true(r.allowed);
	assert_int_equal(bw_ratelimit_take(&b, &ip, NULL, 0, 1, T0, &r), BW_OK);
	assert_true(r.allowed);
	assert_int_equal(bw_ratelimit_take(&b, &ip, NULL, 0, 1, T0, &r), BW_OK);
	assert_false(r.allowed);
	bw_rl_memory_free(m);
}

static enum bw_err failing_take(void *ctx, const uint8_t *key, size_t keylen, uint32_t cost,
                                const struct bw_rl_policy *policy, uint64_t now_ns,
                                struct bw_rl_result *result)
{
	(void)ctx, (void)key, (void)keylen, (void)cost, (void)policy, (void)now_ns;
	result->allowed = true; /* a broken store that also lies */
	result->remaining = 99;
	return BW_ERR_IO;
}

static enum bw_err sloppy_take(void *ctx, const uint8_t *key, size_t keylen, uint32_t cost,
                               const struct bw_rl_policy *policy, uint64_t now_ns,
                               struct bw_rl_result *result)
{
	(void)ctx, (void)key, (void)keylen, (void)cost, (void)policy, (void)now_ns;
	memset(result, 0, sizeof(*result));
	return BW_OK; /* refused, but forgot to say for how long */
}

static void take_fails_closed(void **state)
{
	static const struct bw_rl_policy p = {"t", 10, 10, 3};
	static const struct bw_rl_policy bad = {"T", 10, 10, 3};
	const struct bw_rl_backend failing = {failing_take, NULL}, sloppy = {sloppy_take, NULL};
	struct bw_rl_memory *m = store(64, 0);
	struct bw_rl_backend b = bw_rl_memory_backend(m);
	uint8_t key[BW_RL_KEY_MAX + 1];
	struct bw_rl_result r;

	(void)state;
	memset(key, 'k', sizeof(key));
	assert_int_equal(bw_ratelimit_take(&failing, &p, key, 4, 1, T0, &r), BW_ERR_IO);
	assert_false(r.allowed);
	assert_int_equal(r.remaining, 0);
	assert_true(r.retry_after_s >= 1);
	assert_int_equal(bw_ratelimit_take(&sloppy, &p, key, 4, 1, T0, &r), BW_OK);
	assert_false(r.allowed);
	assert_int_equal(r.retry_after_s, 1);

	assert_int_equal(bw_ratelimit_take(&b, &p, key, BW_RL_KEY_MAX, 1, T0, &r), BW_OK);
	assert_true(r.allowed);
	r.allowed = true;
	assert_int_equal(bw_ratelimit_take(&b, &p, key, BW_RL_KEY_MAX + 1, 1, T0, &r),
	                 BW_ERR_INVALID);
	assert_false(r.allowed);
	r.allowed = true;
	assert_int_equal(bw_ratelimit_take(&b, &p, NULL, 3, 1, T0, &r), BW_ERR_INVALID);
	assert_false(r.allowed);
	r.allowed = true;
	assert_int_equal(bw_ratelimit_take(&b, &bad, key, 3, 1, T0, &r), BW_ERR_CONFIG);
	assert_false(r.allowed);
	r.allowed = true;
	assert_int_equal(bw_ratelimit_take(&b, &p, key, 3, 0, T0, &r), BW_ERR_RANGE);
	assert_false(r.allowed);
	r.allowed = true;
	assert_int_equal(bw_ratelimit_take(&b, &p, key, 3, 4, T0, &r), BW_ERR_RANGE);
	assert_false(r.allowed);
	r.allowed = true;
	assert_int_equal(bw_ratelimit_take(&b, &p, key, 3, 1, UINT64_MAX, &r), BW_ERR_RANGE);
	assert_false(r.allowed);
	assert_int_equal(r.retry_after_s, 1);
	bw_rl_memory_free(m);
}

static void memory_new_bounds(void **state)
{
	struct bw_rl_memory *m = (struct bw_rl_memory *)&m;
	struct bw_rl_memory_stats st;

	(void)state;
	assert_int_equal(bw_rl_memory_new(0, 0, &m), BW_ERR_CONFIG);
	assert_null(m);
	assert_int_equal(bw_rl_memory_new(BW_RL_MEMORY_ENTRIES_MAX + 1, 0, &m), BW_ERR_CONFIG);
	assert_int_equal(bw_rl_memory_new(100, 3, &m), BW_ERR_CONFIG);
	assert_int_equal(bw_rl_memory_new(4, 8, &m), BW_ERR_CONFIG);
	assert_int_equal(bw_rl_memory_new(1 << 20, 2048, &m), BW_ERR_CONFIG);
	/* a tiny store gets fewer shards, and never more keys than asked */
	m = store(5, 0);
	bw_rl_memory_stats(m, &st);
	assert_int_equal(st.capacity, 4);
	assert_int_equal(st.entries, 0);
	bw_rl_memory_free(m);
	m = store(1000, 64);
	bw_rl_memory_stats(m, &st);
	assert_int_equal(st.capacity, 960);
	bw_rl_memory_free(m);
	m = store(1, 0);
	bw_rl_memory_stats(m, &st);
	assert_int_equal(st.capacity, 1);
	bw_rl_memory_free(m);
}

static void eviction_only_of_expired(void **state)
{
	static const struct bw_rl_policy shrt = {"s", 1, 1, 1};
	static const struct bw_rl_policy lng = {"l", 1, 60, 1};
	struct bw_rl_memory *m = store(4, 1);
	struct bw_rl_backend b = bw_rl_memory_backend(m);
	struct bw_rl_memory_stats st;
	struct bw_rl_result r;

	(void)state;
	assert_true(take(&b, &shrt, "a", 1, T0).allowed);
	assert_true(take(&b, &shrt, "b", 1, T0).allowed);
	assert_true(take(&b, &lng, "c", 1, T0).allowed);
	assert_true(take(&b, &lng, "d", 1, T0).allowed);
	bw_rl_memory_stats(m, &st);
	assert_int_equal(st.entries, 4);

	/* full, nothing expired yet: the new key fails closed and is counted */
	r = take(&b, &lng, "e", 1, T0 + 500 * MS);
	assert_false(r.allowed);
	assert_true(r.retry_after_ns == 500 * MS); /* when a and b expire */
	assert_int_equal(r.retry_after_s, 1);
	bw_rl_memory_stats(m, &st);
	assert_int_equal(st.refused_full, 1);
	assert_int_equal(st.evicted, 0);
	/* the flood did not cost c its state */
	r = take(&b, &lng, "c", 1, T0 + 500 * MS);
	assert_false(r.allowed);
	assert_true(r.retry_after_ns == 59500 * MS);

	/* a and b expire exactly at T0 + 1 s: they go, c and d stay */
	assert_true(take(&b, &lng, "e", 1, T0 + S).allowed);
	bw_rl_memory_stats(m, &st);
	assert_int_equal(st.evicted, 2);
	assert_int_equal(st.entries, 3);
	r = take(&b, &lng, "c", 1, T0 + S);
	assert_false(r.allowed);
	assert_int_equal(r.retry_after_s, 59);
	assert_false(take(&b, &lng, "d", 1, T0 + S).allowed);
	assert_true(take(&b, &lng, "f", 1, T0 + S).allowed);
	/* full of live entries again: refused, even a key that was known before */
	assert_false(take(&b, &lng, "g", 1, T0 + S).allowed);
	r = take(&b, &shrt, "a", 1, T0 + 2 * S);
	assert_false(r.allowed);
	assert_int_equal(r.retry_after_s, 58); /* when c and d expire */
	bw_rl_memory_stats(m, &st);
	assert_int_equal(st.refused_full, 3);
	assert_int_equal(st.entries, 4);

	/* a minute on, everything expired: room for everyone */
	assert_true(take(&b, &lng, "g", 1, T0 + 61 * S).allowed);
	assert_true(take(&b, &lng, "c", 1, T0 + 61 * S).allowed);
	bw_rl_memory_stats(m, &st);
	assert_int_equal(st.evicted, 6);
	assert_int_equal(st.entries, 2);
	bw_rl_memory_free(m);

	/* the wait a full store asks for is capped at a year, however far its TATs reach */
	{
		static const struct bw_rl_policy year = {"y", 1, BW_RL_PERIOD_MAX, 72};

		m = store(1, 1);
		b = bw_rl_memory_backend(m);
		assert_true(take(&b, &year, "a", 72, T0).allowed);
		r = take(&b, &year, "b", 1, T0);
		assert_false(r.allowed);
		assert_true(r.retry_after_ns == (uint64_t)BW_RL_PERIOD_MAX * S);
		assert_int_equal(r.retry_after_s, BW_RL_PERIOD_MAX);
		bw_rl_memory_free(m);
	}
}

/* A deterministic generator for the model test (rand() is banned). */
static uint32_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

/*
 * The store against a plain model: stored keys with their TATs, a full
 * table evicts every expired entry, and refuses when none is. Thousands of
 * inserts and deletions exercise the probe runs and the dense array.
 */
static void memory_store_matches_model(void **state)
{
	enum { CAP = 16, KEYS = 48, OPS = 40000 };
	static const struct bw_rl_policy p = {"m", 1, 5, 2};
	struct bw_rl_memory *m = store(CAP, 1);
	struct bw_rl_backend b = bw_rl_memory_backend(m);
	int mkey[CAP];
	uint64_t mtat[CAP], seed = 42, now = T0, evicted = 0, full = 0;
	size_t mcount = 0;
	struct bw_rl_memory_stats st;

	(void)state;
	for (int op = 0; op < OPS; op++) {
		int k = (int)(lcg(&seed) % KEYS);
		uint32_t cost = 1 + lcg(&seed) % 2;
		uint8_t key[2] = {(uint8_t)'k', (uint8_t)k};
		struct bw_rl_result got, want;
		size_t i;

		now += (lcg(&seed) % 400) * MS;
		assert_int_equal(bw_ratelimit_take(&b, &p, key, 2, cost, now, &got), BW_OK);
		for (i = 0; i < mcount && mkey[i] != k; i++)
			;
		if (i == mcount && mcount == CAP) {
			size_t w = 0;

			for (size_t j = 0; j < mcount; j++) {
				if (mtat[j] <= now) {
					evicted++;
					continue;
				}
				mkey[w] = mkey[j];
				mtat[w++] = mtat[j];
			}
			mcount = w;
			i = mcount;
		}
		if (i == mcount && mcount == CAP) {
			full++;
			assert_false(got.allowed);
			continue;
		}
		if (i == mcount) {
			mkey[i] = k;
			mtat[i] = 0;
			mcount++;
		}
		assert_int_equal(bw_rl_gcra(&mtat[i], cost, &p, now, &want), BW_OK);
		if (got.allowed != want.allowed || got.retry_after_ns != want.retry_after_ns ||
		    got.remaining != want.remaining)
			fail_msg("op %d key %d: store and model disagree", op, k);
	}
	bw_rl_memory_stats(m, &st);
	assert_int_equal(st.entries, mcount);
	assert_int_equal(st.evicted, evicted);
	assert_int_equal(st.refused_full, full);
	assert_true(full > 100 && evicted > 1000); /* both paths were exercised */
	bw_rl_memory_free(m);
}

static void many_keys_across_shards(void **state)
{
	static const struct bw_rl_policy p = {"m", 1, 60, 1};
	struct bw_rl_memory *m = store(1 << 14, 64);
	struct bw_rl_backend b = bw_rl_memory_backend(m);
	struct bw_rl_memory_stats st;
	struct bw_rl_result r;
	unsigned ok = 0;

	(void)state;
	for (uint32_t i = 0; i < 8000; i++) {
		assert_int_equal(
		        bw_ratelimit_take(&b, &p, (const uint8_t *)&i, sizeof(i), 1, T0, &r),
		        BW_OK);
		ok += r.allowed;
	}
	assert_int_equal(ok, 8000); /* half full: no shard overflowed */
	for (uint32_t i = 0; i < 8000; i++) {
		assert_int_equal(
		        bw_ratelimit_take(&b, &p, (const uint8_t *)&i, sizeof(i), 1, T0, &r),
		        BW_OK);
		assert_false(r.allowed);
	}
	bw_rl_memory_stats(m, &st);
	assert_int_equal(st.entries, 8000);
	assert_int_equal(st.refused_full, 0);
	bw_rl_memory_free(m);
}

static struct bw_rl_result take_addr(const struct bw_rl_backend *b, const struct bw_rl_policy *p,
                                     const char *text)
{
	struct bw_netaddr a;
	uint8_t key[BW_NETADDR_KEY_SIZE];
	struct bw_rl_result r;

	assert_int_equal(bw_netaddr_parse(bw_str_c(text), &a), BW_OK);
	bw_netaddr_rate_key(&a, key);
	assert_int_equal(bw_ratelimit_take(b, p, key, sizeof(key), 1, T0, &r), BW_OK);
	return r;
}

static void ipv6_shares_a_64_ipv4_its_address(void **state)
{
	static const struct bw_rl_policy p = {"ip", 10, 10, 2};
	struct bw_rl_memory *m = store(1024, 0);
	struct bw_rl_backend b = bw_rl_memory_backend(m);

	(void)state;
	assert_true(take_addr(&b, &p, "2001:db8:1:2::1").allowed);
	assert_true(take_addr(&b, &p, "2001:db8:1:2:ffff:ffff:ffff:fffe").allowed);
	/* the /64 has spent its burst, whichever host asks */
	assert_false(take_addr(&b, &p, "2001:db8:1:2::1").allowed);
	assert_false(take_addr(&b, &p, "2001:db8:1:2:dead:beef::").allowed);
	/* the neighbouring /64 has its own */
	assert_true(take_addr(&b, &p, "2001:db8:1:3::1").allowed);
	assert_true(take_addr(&b, &p, "2001:db8:1:1::1").allowed);

	assert_true(take_addr(&b, &p, "192.0.2.1").allowed);
	assert_true(take_addr(&b, &p, "192.0.2.1").allowed);
	/* the mapped spelling is the same client */
	assert_false(take_addr(&b, &p, "::ffff:192.0.2.1").allowed);
	assert_true(take_addr(&b, &p, "192.0.2.2").allowed);
	/* IPv4-compatible ::192.0.2.1 is an IPv6 address in the ::/64 — another budget */
	assert_true(take_addr(&b, &p, "::192.0.2.1").allowed);
	bw_rl_memory_free(m);
}

struct hammer {
	pthread_barrier_t *go;
	const struct bw_rl_backend *b;
	const struct bw_rl_policy *p;
	unsigned allowed;
	int errors;
};

enum { THREADS = 8, TRIES = 20000 };

static void *hammer_run(void *arg)
{
	struct hammer *h = arg;

	(void)pthread_barrier_wait(h->go);
	for (int i = 0; i < TRIES; i++) {
		struct bw_rl_result r;

		if (bw_ratelimit_take(h->b, h->p, (const uint8_t *)"one", 3, 1, T0 + (uint64_t)i,
		                      &r) != BW_OK)
			h->errors++;
		h->allowed += r.allowed;
	}
	return NULL;
}

static void threads_never_exceed_the_budget(void **state)
{
	/* T = 1 s, so the 20 µs the clock advances during the run buys nothing extra */
	static const struct bw_rl_policy p = {"h", 60, 60, 100000};
	struct bw_rl_memory *m = store(1024, 0);
	struct bw_rl_backend b = bw_rl_memory_backend(m);
	struct hammer h[THREADS];
	pthread_t tid[THREADS];
	pthread_barrier_t go;
	unsigned total = 0;

	(void)state;
	assert_int_equal(pthread_barrier_init(&go, NULL, THREADS), 0);
	for (int i = 0; i < THREADS; i++) {
		h[i] = (struct hammer){&go, &b, &p, 0, 0};
		assert_int_equal(pthread_create(&tid[i], NULL, hammer_run, &h[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(tid[i], NULL), 0);
		assert_int_equal(h[i].errors, 0);
		total += h[i].allowed;
	}
	/* 160000 tries for a burst of 100000: exactly the burst passes */
	assert_int_equal(total, 100000);
	pthread_barrier_destroy(&go);
	bw_rl_memory_free(m);
}

static void headers_format(void **state)
{
	static const struct bw_rl_policy ip = {"ip", 600, 60, 50};
	static const struct bw_rl_policy slow = {"login.v1", 1, 2, 1};
	struct bw_arena *a = bw_arena_new(4096);
	struct bw_hdrs h;
	struct bw_rl_result r;
	uint64_t tat = 0, tat2 = 0;

	(void)state;
	bw_hdrs_init(&h);
	for (int i = 0; i < 8; i++)
		assert_int_equal(bw_rl_gcra(&tat, 1, &ip, T0, &r), BW_OK);
	assert_true(r.allowed);
	assert_int_equal(bw_rl_headers(&ip, &r, a, &h), BW_OK);
	assert_int_equal(h.count, 2);
	assert_string_equal(bw_hdrs_get(&h, "RateLimit-Policy"), "\"ip\";q=600;w=60");
	assert_string_equal(bw_hdrs_get(&h, "RateLimit"), "\"ip\";r=42;t=1");
	assert_null(bw_hdrs_get(&h, "Retry-After"));

	/* refusal: T = 2 s exactly, so Retry-After is exactly 2 */
	assert_int_equal(bw_rl_gcra(&tat2, 1, &slow, T0, &r), BW_OK);
	assert_int_equal(bw_rl_gcra(&tat2, 1, &slow, T0, &r), BW_OK);
	assert_false(r.allowed);
	assert_int_equal(bw_rl_headers(&slow, &r, a, &h), BW_OK);
	assert_int_equal(h.count, 5);
	assert_string_equal(h.items[2].value, "\"login.v1\";q=1;w=2");
	assert_string_equal(h.items[3].value, "\"login.v1\";r=0;t=2");
	assert_string_equal(bw_hdrs_get(&h, "Retry-After"), "2");
	/* 1 ns short of the interval still rounds up to a whole second */
	assert_int_equal(bw_rl_gcra(&tat2, 1, &slow, T0 + 2 * S - 1, &r), BW_OK);
	assert_false(r.allowed);
	assert_int_equal(r.retry_after_s, 1);
	assert_int_equal(bw_rl_headers(&slow, &r, a, &h), BW_OK);
	/* the longer wait of two refusals is kept, and only one Retry-After */
	assert_string_equal(bw_hdrs_get(&h, "Retry-After"), "2");
	r.retry_after_s = 7;
	assert_int_equal(bw_rl_headers(&slow, &r, a, &h), BW_OK);
	assert_string_equal(bw_hdrs_get(&h, "Retry-After"), "7");
	assert_int_equal(bw_hdrs_remove(&h, "Retry-After"), 1);
	/* a refusal that forgot its wait still says at least 1 */
	r.retry_after_s = 0;
	assert_int_equal(bw_rl_headers(&slow, &r, a, &h), BW_OK);
	assert_string_equal(bw_hdrs_get(&h, "Retry-After"), "1");
	bw_arena_free(a);
}

static void headers_errors(void **state)
{
	static const struct bw_rl_policy ip = {"ip", 600, 60, 50};
	static const struct bw_rl_policy bad = {"i\"p", 600, 60, 50};
	struct bw_arena *tiny = bw_arena_new(8), *a = bw_arena_new(4096);
	struct bw_hdrs h;
	struct bw_rl_result r;
	uint64_t tat = 0;

	(void)state;
	assert_int_equal(bw_rl_gcra(&tat, 1, &ip, T0, &r), BW_OK);
	bw_hdrs_init(&h);
	assert_int_equal(bw_rl_headers(&ip, &r, tiny, &h), BW_ERR_NOMEM);
	assert_int_equal(h.count, 0);
	assert_int_equal(bw_rl_headers(&bad, &r, a, &h), BW_ERR_CONFIG);
	assert_int_equal(h.count, 0);
	while (h.count < BW_HDRS_MAX - 1)
		assert_int_equal(bw_hdrs_add(&h, "X-Filler", "x"), BW_OK);
	assert_int_equal(bw_rl_headers(&ip, &r, a, &h), BW_ERR_LIMIT);
	bw_arena_free(tiny);
	bw_arena_free(a);
}

static void clock_is_monotonic(void **state)
{
	uint64_t a = bw_rl_now_ns(), b = bw_rl_now_ns();

	(void)state;
	assert_true(a > 0);
	assert_true(b >= a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(gcra_burst_then_steady_rate),
	        cmocka_unit_test(gcra_cost_and_rounding),
	        cmocka_unit_test(gcra_refuses_bad_arguments),
	        cmocka_unit_test(policy_bounds),
	        cmocka_unit_test(memory_store_follows_gcra),
	        cmocka_unit_test(policies_keep_keys_apart),
	        cmocka_unit_test(take_fails_closed),
	        cmocka_unit_test(memory_new_bounds),
	        cmocka_unit_test(eviction_only_of_expired),
	        cmocka_unit_test(memory_store_matches_model),
	        cmocka_unit_test(many_keys_across_shards),
	        cmocka_unit_test(ipv6_shares_a_64_ipv4_its_address),
	        cmocka_unit_test(threads_never_exceed_the_budget),
	        cmocka_unit_test(headers_format),
	        cmocka_unit_test(headers_errors),
	        cmocka_unit_test(clock_is_monotonic),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
