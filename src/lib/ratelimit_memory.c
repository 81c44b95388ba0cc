/*
 * ratelimit_memory.c — the in-process rate-limit store.
 *
 * Shards, each under its own mutex, hold a dense array of entries (key and
 * TAT) and an open-addressing index over it (linear probing, at most half
 * full, backward-shift deletion, so no tombstones build up). Keys are hashed
 * with SipHash-2-4 (crypto_shorthash) under a random key made at creation:
 * the high bits pick the shard, the low bits the slot, and a client who
 * does not know the key cannot pile its keys into one probe run.
 *
 * Eviction only ever drops entries whose TAT is past: such an entry is the
 * same as no entry, so evicting it changes no answer. A shard keeps a lower
 * bound on the earliest TAT it holds and sweeps only once that time has
 * come, so a flood of new keys against a full shard of live entries costs a
 * hash and a comparison each, not a scan.
 */
#include "bulwark/ratelimit.h"
#include "bulwark/random.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define EMPTY_SLOT UINT32_MAX
#define NS_PER_S   1000000000ull

struct entry {
	uint64_t tat;
	uint64_t hash;
	uint8_t keylen;
	uint8_t key[BW_RL_STORE_KEY_MAX];
};

struct shard {
	pthread_mutex_t mu;
	uint32_t *idx;     /* slots: an index into ent, or EMPTY_SLOT */
	size_t mask;       /* slots - 1; slots is a power of two ≥ 2 * cap */
	struct entry *ent; /* dense, count used of cap */
	size_t count, cap;
	uint64_t next_sweep; /* no stored TAT is below this (UINT64_MAX: none stored) */
	uint64_t refused_full, evicted;
} __attribute__((aligned(64)));

struct bw_rl_memory {
	unsigned char hkey[crypto_shorthash_KEYBYTES];
	size_t nshards;
	struct shard *shards;
};

static bool is_pow2(size_t n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

static void shard_destroy(struct shard *s)
{
	if (s->ent != NULL) {
		sodium_memzero(s->ent, s->cap * sizeof(*s->ent));
		free(s->ent);
	}
	free(s->idx);
	pthread_mutex_destroy(&s->mu);
}

static enum bw_err shard_init(struct shard *s, size_t cap)
{
	size_t slots = 2;

	memset(s, 0, sizeof(*s));
	while (slots < 2 * cap)
		slots *= 2;
	if (pthread_mutex_init(&s->mu, NULL) != 0)
		return BW_ERR_INTERNAL;
	s->idx = malloc(slots * sizeof(*s->idx));
	s->ent = calloc(cap, sizeof(*s->ent));
	if (s->idx == NULL || s->ent == NULL) {
		shard_destroy(s);
		return BW_ERR_NOMEM;
	}
	for (size_t i = 0; i < slots; i++)
		s->idx[i] = EMPTY_SLOT;
	s->mask = slots - 1;
	s->cap = cap;
	s->next_sweep = UINT64_MAX;
	return BW_OK;
}

enum bw_err bw_rl_memory_new(size_t max_entries, size_t shards, struct bw_rl_memory **out)
{
	struct bw_rl_memory *m;
	size_t made = 0;
	enum bw_err rc = BW_OK;

	BW_REQUIRE(out != NULL);
	*out = NULL;
	if (max_entries < 1 || max_entries > BW_RL_MEMORY_ENTRIES_MAX)
		return BW_ERR_CONFIG;
	if (shards == 0) {
		shards = BW_RL_MEMORY_SHARDS_DEFAULT;
		while (shards > max_entries)
			shards /= 2;
	}
	if (!is_pow2(shards) || shards > BW_RL_MEMORY_SHARDS_MAX || shards > max_entries)
		return BW_ERR_CONFIG;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return BW_ERR_NOMEM;
	m->shards = aligned_alloc(64, shards * sizeof(*m->shards));
	if (m->shards == NULL) {
		rc = BW_ERR_NOMEM;
		goto out;
	}
	for (made = 0; made < shards; made++) {
		rc = shard_init(&m->shards[made], max_entries / shards);
		if (rc != BW_OK)
			goto out;
	}
	m->nshards = shards;
	crypto_shorthash_keygen(m->hkey);
	*out = m;
	return BW_OK;
out:
	for (size_t i = 0; i < made; i++)
		shard_destroy(&m->shards[i]);
	free(m->shards);
	free(m);
	return rc;
}

void bw_rl_memory_free(struct bw_rl_memory *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nshards; i++)
		shard_destroy(&m->shards[i]);
	free(m->shards);
	sodium_memzero(m->hkey, sizeof(m->hkey));
	free(m);
}

static bool entry_is(const struct entry *e, uint64_t h, const uint8_t *k, size_t klen)
{
	return e->hash == h && e->keylen == klen && sodium_memcmp(e->key, k, klen) == 0;
}

/* The slot holding key, or the empty slot that ends its probe run. */
static size_t find_slot(const struct shard *s, uint64_t h, const uint8_t *k, size_t klen,
                        bool *found)
{
	size_t i = (size_t)h & s->mask;

	/* terminates: count ≤ cap < slots, so some slot is empty */
	while (s->idx[i] != EMPTY_SLOT) {
		if (entry_is(&s->ent[s->idx[i]], h, k, klen)) {
			*found = true;
			return i;
		}
		i = (i + 1) & s->mask;
	}
	*found = false;
	return i;
}

/* The slot that points at dense entry k. */
static size_t slot_of(const struct shard *s, uint32_t k)
{
	size_t i = (size_t)s->ent[k].hash & s->mask;

	while (s->idx[i] != k)
		i = (i + 1) & s->mask;
	return i;
}

/* Remove the entry at slot i: close the probe gap, then keep ent dense. */
static void remove_at(struct shard *s, size_t i)
{
	uint32_t k = s->idx[i], last = (uint32_t)(s->count - 1);
	size_t hole = i, j = i;

	s->idx[hole] = EMPTY_SLOT;
	for (;;) {
		size_t home;
		bool stays;

		j = (j + 1) & s->mask;
		if (s->idx[j] == EMPTY_SLOT)
			break;
		home = (size_t)s->ent[s->idx[j]].hash & s->mask;
		/* an entry may move back into the hole unless its home lies in (hole, j] */
		stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
		if (!stays) {
			s->idx[hole] = s->idx[j];
			s->idx[j] = EMPTY_SLOT;
			hole = j;
		}
	}
	if (k != last) {
		s->idx[slot_of(s, last)] = k;
		s->ent[k] = s->ent[last];
	}
	sodium_memzero(&s->ent[last], sizeof(s->ent[last]));
	s->count--;
}

/* Drop every entry whose TAT is past and recompute the lower bound. */
static void sweep(struct shard *s, uint64_t now)
{
	uint64_t low = UINT64_MAX;
	size_t k = 0;

	while (k < s->count) {
		if (s->ent[k].tat <= now) {
			remove_at(s, slot_of(s, (uint32_t)k));
			s->evicted++;
			continue; /* the last entry moved into k */
		}
		if (s->ent[k].tat < low)
			low = s->ent[k].tat;
		k++;
	}
	s->next_sweep = low;
}

static enum bw_err memory_take(void *ctx, const uint8_t *key, size_t keylen, uint32_t cost,
                               const struct bw_rl_policy *policy, uint64_t now_ns,
                               struct bw_rl_result *result)
{
	struct bw_rl_memory *m = ctx;
	struct shard *s;
	uint64_t h, tat = 0;
	size_t slot;
	bool found;
	enum bw_err rc;

	BW_REQUIRE(m != NULL && result != NULL && (key != NULL || keylen == 0));
	if (keylen > BW_RL_STORE_KEY_MAX)
		return BW_ERR_INVALID;
	(void)crypto_shorthash((unsigned char *)&h, key, keylen, m->hkey);
	s = &m->shards[(size_t)(h >> 32) & (m->nshards - 1)];
	pthread_mutex_lock(&s->mu);
	slot = find_slot(s, h, key, keylen, &found);
	if (found) {
		/* a TAT only grows here, so next_sweep stays a lower bound */
		rc = bw_rl_gcra(&s->ent[s->idx[slot]].tat, cost, policy, now_ns, result);
		goto out;
	}
	if (s->count == s->cap && now_ns >= s->next_sweep) {
		sweep(s, now_ns);
		slot = find_slot(s, h, key, keylen, &found); /* the probe run moved */
	}
	if (s->count == s->cap) {
		/* fail closed: every stored entry is live; ask to come back when one expires */
		s->refused_full++;
		memset(result, 0, sizeof(*result));
		result->limit = policy != NULL ? policy->limit : 0;
		result->retry_after_ns = s->next_sweep > now_ns ? s->next_sweep - now_ns : NS_PER_S;
		if (result->retry_after_ns > (uint64_t)BW_RL_PERIOD_MAX * NS_PER_S)
			result->retry_after_ns = (uint64_t)BW_RL_PERIOD_MAX * NS_PER_S;
		result->retry_after_s = (result->retry_after_ns + NS_PER_S - 1) / NS_PER_S;
		result->reset_ns = result->retry_after_ns;
		result->reset_s = result->retry_after_s;
		rc = BW_OK;
		goto out;
	}
	rc = bw_rl_gcra(&tat, cost, policy, now_ns, result);
	if (rc == BW_OK && result->allowed) {
		struct entry *e = &s->ent[s->count];

		e->tat = tat;
		e->hash = h;
		e->keylen = (uint8_t)keylen;
		memcpy(e->key, key, keylen);
		s->idx[slot] = (uint32_t)s->count;
		s->count++;
		if (tat < s->next_sweep)
			s->next_sweep = tat;
	}
out:
	pthread_mutex_unlock(&s->mu);
	return rc;
}

struct bw_rl_backend bw_rl_memory_backend(struct bw_rl_memory *m)
{
	BW_REQUIRE(m != NULL);
	return (struct bw_rl_backend){memory_take, m};
}

void bw_rl_memory_stats(struct bw_rl_memory *m, struct bw_rl_memory_stats *out)
{
	BW_REQUIRE(m != NULL && out != NULL);
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < m->nshards; i++) {
		struct shard *s = &m->shards[i];

		pthread_mutex_lock(&s->mu);
		out->entries += s->count;
		out->capacity += s->cap;
		out->refused_full += s->refused_full;
		out->evicted += s->evicted;
		pthread_mutex_unlock(&s->mu);
	}
}
