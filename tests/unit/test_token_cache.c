/* test_token_cache.c — the verified-token cache (bounded, deadlines, LRU, threads) and the jti
 * denylist. */
#include "bw_test.h"

#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "denylist.h"
#include "token_cache.h"

static void key_of(struct bw_token_cache *c, unsigned i, uint8_t key[BW_TOKEN_CACHE_KEY])
{
	char t[32];

	snprintf(t, sizeof(t), "token-%u", i);
	bw_token_cache_key(c, bw_str_c(t), key);
}

static struct bw_token_cache_value val(unsigned i, int64_t deadline)
{
	struct bw_token_cache_value v;

	memset(&v, 0, sizeof(v));
	v.deadline = deadline;
	v.exp = deadline;
	v.user_id = (int64_t)i;
	snprintf(v.jti, sizeof(v.jti), "jti-%u", i);
	snprintf(v.scope, sizeof(v.scope), "s%u", i);
	return v;
}

static void bounded(void **state)
{
	struct bw_token_cache *c = NULL;
	struct bw_token_cache_value v, got;
	uint8_t key[BW_TOKEN_CACHE_KEY];
	size_t cap;

	(void)state;
	assert_int_equal(bw_token_cache_new(0, &c), BW_ERR_INVALID);
	assert_int_equal(bw_token_cache_new(1000, &c), BW_OK);
	cap = bw_token_cache_capacity(c);
	assert_true(cap >= 1000 && cap < 1000 + BW_TOKEN_CACHE_SHARDS * BW_TOKEN_CACHE_WAYS);
	for (unsigned i = 0; i < 20000; i++) {
		key_of(c, i, key);
		v = val(i, 1000);
		bw_token_cache_put(c, key, 100, &v);
	}
	/* never more than the capacity, and full after ten times as many inserts */
	assert_int_equal(bw_token_cache_count(c, 100), cap);
	/* the latest insert is there, with its own value */
	key_of(c, 19999, key);
	assert_true(bw_token_cache_get(c, key, 100, &got));
	assert_int_equal(got.user_id, 19999);
	assert_string_equal(got.jti, "jti-19999");
	/* another token's key is not it */
	bw_token_cache_key(c, BW_STR("token-19999 "), key);
	assert_false(bw_token_cache_get(c, key, 100, &got));
	bw_token_cache_free(c);
}

static void deadline_and_keys(void **state)
{
	struct bw_token_cache *c = NULL, *c2 = NULL;
	struct bw_token_cache_value v = val(7, 200), got;
	uint8_t key[BW_TOKEN_CACHE_KEY], key2[BW_TOKEN_CACHE_KEY];

	(void)state;
	assert_int_equal(bw_token_cache_new(64, &c), BW_OK);
	assert_int_equal(bw_token_cache_new(64, &c2), BW_OK);
	key_of(c, 7, key);
	key_of(c2, 7, key2);
	/* the hash is keyed per cache: the key of a token cannot be computed outside */
	assert_memory_not_equal(key, key2, BW_TOKEN_CACHE_KEY);
	bw_token_cache_put(c, key, 100, &v);
	assert_true(bw_token_cache_get(c, key, 199, &got));
	/* at the deadline the entry is gone, and stays gone */
	assert_false(bw_token_cache_get(c, key, 200, &got));
	assert_false(bw_token_cache_get(c, key, 150, &got));
	/* an entry already past its deadline is not stored */
	bw_token_cache_put(c, key, 300, &v);
	assert_false(bw_token_cache_get(c, key, 150, &got));
	assert_int_equal(bw_token_cache_count(c, 0), 0);
	bw_token_cache_free(c);
	bw_token_cache_free(c2);
}

/* Within a set the least recently used entry goes first. */
static void lru_in_set(void **state)
{
	struct bw_token_cache *c = NULL;
	uint8_t keys[200][BW_TOKEN_CACHE_KEY];
	struct bw_token_cache_value v, got;
	unsigned hot = 0;

	(void)state;
	/* one set per shard: every key of a shard competes for its ways */
	assert_int_equal(bw_token_cache_new(BW_TOKEN_CACHE_SHARDS * BW_TOKEN_CACHE_WAYS, &c),
	                 BW_OK);
	for (unsigned i = 0; i < 200; i++)
		key_of(c, i, keys[i]);
	v = val(0, 1000);
	bw_token_cache_put(c, keys[0], 1, &v);
	for (unsigned i = 1; i < 200; i++) {
		/* touch the first entry before every insert: it is never the LRU one */
		assert_true(bw_token_cache_get(c, keys[hot], 1, &got));
		v = val(i, 1000);
		bw_token_cache_put(c, keys[i], 1, &v);
	}
	assert_true(bw_token_cache_get(c, keys[hot], 1, &got));
	assert_int_equal(got.user_id, 0);
	bw_token_cache_free(c);
}

struct worker {
	struct bw_token_cache *c;
	unsigned seed;
	unsigned bad;
};

static void *hammer(void *arg)
{
	struct worker *w = arg;
	uint8_t key[BW_TOKEN_CACHE_KEY];
	struct bw_token_cache_value v, got;

	for (unsigned n = 0; n < 20000; n++) {
		unsigned i = (w->seed * 2654435761u + n * 40503u) % 3000;

		key_of(w->c, i, key);
		if (n % 3 == 0) {
			v = val(i, 1000);
			bw_token_cache_put(w->c, key, 1, &v);
		} else if (bw_token_cache_get(w->c, key, 1, &got)) {
			char want[64];

			snprintf(want, sizeof(want), "jti-%u", i);
			/* a hit is always the value stored for this very key, never torn */
			if (got.user_id != (int64_t)i || strcmp(got.jti, want) != 0)
				w->bad++;
		}
	}
	return NULL;
}

static void threads(void **state)
{
	struct bw_token_cache *c = NULL;
	pthread_t t[8];
	struct worker w[8];

	(void)state;
	assert_int_equal(bw_token_cache_new(1024, &c), BW_OK);
	for (unsigned i = 0; i < 8; i++) {
		w[i] = (struct worker){c, i + 1, 0};
		assert_int_equal(pthread_create(&t[i], NULL, hammer, &w[i]), 0);
	}
	for (unsigned i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].bad, 0);
	}
	assert_true(bw_token_cache_count(c, 1) <= bw_token_cache_capacity(c));
	bw_token_cache_free(c);
}

static void denylist(void **state)
{
	struct bw_denylist *d = NULL;
	int64_t now = (int64_t)time(NULL);
	char jti[32];

	(void)state;
	assert_int_equal(bw_denylist_new(&d), BW_OK);
	assert_false(bw_denylist_has(d, BW_STR("a"), now));
	assert_int_equal(bw_denylist_add(d, BW_STR(""), now + 10), BW_ERR_INVALID);
	assert_int_equal(bw_denylist_add(d,
	                                 bw_str_c("0123456789012345678901234567890123456789"
	                                          "012345678901234567890123"),
	                                 now + 10),
	                 BW_ERR_INVALID);
	assert_int_equal(bw_denylist_add(d, BW_STR("a"), now + 10), BW_OK);
	assert_true(bw_denylist_has(d, BW_STR("a"), now));
	assert_false(bw_denylist_has(d, BW_STR("ab"), now));
	/* after the token's own expiry the entry is of no use and not honoured */
	assert_false(bw_denylist_has(d, BW_STR("a"), now + 11));
	/* a second denial with a later exp extends it; an earlier one does not shorten it */
	assert_int_equal(bw_denylist_add(d, BW_STR("a"), now + 100), BW_OK);
	assert_int_equal(bw_denylist_add(d, BW_STR("a"), now + 5), BW_OK);
	assert_true(bw_denylist_has(d, BW_STR("a"), now + 50));
	/* growth keeps every live entry */
	for (unsigned i = 0; i < 5000; i++) {
		snprintf(jti, sizeof(jti), "j%u", i);
		assert_int_equal(bw_denylist_add(d, bw_str_c(jti), now + 100), BW_OK);
	}
	for (unsigned i = 0; i < 5000; i++) {
		snprintf(jti, sizeof(jti), "j%u", i);
		assert_true(bw_denylist_has(d, bw_str_c(jti), now));
	}
	assert_int_equal(bw_denylist_count(d), 5001);
	/* expired entries are dropped when the table fills, not kept forever */
	for (unsigned i = 0; i < 5000; i++) {
		snprintf(jti, sizeof(jti), "old%u", i);
		assert_int_equal(bw_denylist_add(d, bw_str_c(jti), now - 100), BW_OK);
	}
	assert_true(bw_denylist_count(d) < 10001);
	assert_true(bw_denylist_has(d, BW_STR("j4999"), now));
	bw_denylist_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(bounded),    cmocka_unit_test(deadline_and_keys),
	        cmocka_unit_test(lru_in_set), cmocka_unit_test(threads),
	        cmocka_unit_test(denylist),
	};

	if (bw_init() != BW_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
