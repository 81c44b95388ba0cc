/* token_cache.c — the sharded, set-associative verified-token cache (token_cache.h). */
#include "token_cache.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/random.h"
#include "bulwark/secret.h"

struct way {
	uint8_t key[BW_TOKEN_CACHE_KEY];
	bool used;
	uint64_t touched; /* the shard's clock at the last use */
	struct bw_token_cache_value v;
};

struct shard {
	pthread_mutex_t mu;
	uint64_t clock;
	struct way *ways; /* nsets * BW_TOKEN_CACHE_WAYS */
};

struct bw_token_cache {
	uint8_t hash_key[crypto_generichash_KEYBYTES];
	size_t nsets; /* per shard */
	struct shard shards[BW_TOKEN_CACHE_SHARDS];
};

enum bw_err bw_token_cache_new(size_t capacity, struct bw_token_cache **out)
{
	struct bw_token_cache *c;
	size_t per_shard;

	*out = NULL;
	if (capacity == 0 || capacity > ((size_t)1 << 30))
		return BW_ERR_INVALID;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return BW_ERR_NOMEM;
	per_shard = (capacity + BW_TOKEN_CACHE_SHARDS - 1) / BW_TOKEN_CACHE_SHARDS;
	c->nsets = (per_shard + BW_TOKEN_CACHE_WAYS - 1) / BW_TOKEN_CACHE_WAYS;
	bw_random_bytes(c->hash_key, sizeof(c->hash_key));
	for (unsigned i = 0; i < BW_TOKEN_CACHE_SHARDS; i++) {
		c->shards[i].ways = calloc(c->nsets * BW_TOKEN_CACHE_WAYS, sizeof(struct way));
		if (c->shards[i].ways == NULL) {
			for (unsigned j = 0; j < i; j++) {
				free(c->shards[j].ways);
				pthread_mutex_destroy(&c->shards[j].mu);
			}
			free(c);
			return BW_ERR_NOMEM;
		}
		pthread_mutex_init(&c->shards[i].mu, NULL);
	}
	*out = c;
	return BW_OK;
}

void bw_token_cache_free(struct bw_token_cache *c)
{
	if (c == NULL)
		return;
	for (unsigned i = 0; i < BW_TOKEN_CACHE_SHARDS; i++) {
		bw_wipe(c->shards[i].ways, c->nsets * BW_TOKEN_CACHE_WAYS * sizeof(struct way));
		free(c->shards[i].ways);
		pthread_mutex_destroy(&c->shards[i].mu);
	}
	bw_wipe(c, sizeof(*c));
	free(c);
}

size_t bw_token_cache_capacity(const struct bw_token_cache *c)
{
	return c->nsets * BW_TOKEN_CACHE_WAYS * BW_TOKEN_CACHE_SHARDS;
}

void bw_token_cache_key(const struct bw_token_cache *c, struct bw_str token,
                        uint8_t key[BW_TOKEN_CACHE_KEY])
{
	crypto_generichash(key, BW_TOKEN_CACHE_KEY, (const unsigned char *)token.p, token.len,
	                   c->hash_key, sizeof(c->hash_key));
}

/* The shard and the first way of the set of key. */
static struct way *set_of(struct bw_token_cache *c, const uint8_t *key, struct shard **sh)
{
	uint64_t h;

	memcpy(&h, key + 8, sizeof(h));
	*sh = &c->shards[key[0] % BW_TOKEN_CACHE_SHARDS];
	return &(*sh)->ways[(h % c->nsets) * BW_TOKEN_CACHE_WAYS];
}

bool bw_token_cache_get(struct bw_token_cache *c, const uint8_t key[BW_TOKEN_CACHE_KEY],
                        int64_t now, struct bw_token_cache_value *out)
{
	struct shard *sh;
	struct way *set = set_of(c, key, &sh);
	bool hit = false;

	pthread_mutex_lock(&sh->mu);
	for (unsigned i = 0; i < BW_TOKEN_CACHE_WAYS; i++) {
		struct way *w = &set[i];

		if (!w->used || !bw_ct_eq(w->key, BW_TOKEN_CACHE_KEY, key, BW_TOKEN_CACHE_KEY))
			continue;
		if (now >= w->v.deadline) {
			bw_wipe(w, sizeof(*w));
			break;
		}
		w->touched = ++sh->clock;
		*out = w->v;
		hit = true;
		break;
	}
	pthread_mutex_unlock(&sh->mu);
	return hit;
}

/* The way key goes to in set: its own, else a free or expired one, else the LRU one. */
static struct way *victim_of(struct way *set, const uint8_t *key, int64_t now)
{
	struct way *lru = &set[0];

	for (unsigned i = 0; i < BW_TOKEN_CACHE_WAYS; i++)
		if (set[i].used &&
		    bw_ct_eq(set[i].key, BW_TOKEN_CACHE_KEY, key, BW_TOKEN_CACHE_KEY))
			return &set[i];
	for (unsigned i = 0; i < BW_TOKEN_CACHE_WAYS; i++)
		if (!set[i].used || now >= set[i].v.deadline)
			return &set[i];
	for (unsigned i = 1; i < BW_TOKEN_CACHE_WAYS; i++)
		if (set[i].touched < lru->touched)
			lru = &set[i];
	return lru;
}

void bw_token_cache_put(struct bw_token_cache *c, const uint8_t key[BW_TOKEN_CACHE_KEY],
                        int64_t now, const struct bw_token_cache_value *v)
{
	struct shard *sh;
	struct way *set = set_of(c, key, &sh), *w;

	if (now >= v->deadline)
		return;
	pthread_mutex_lock(&sh->mu);
	w = victim_of(set, key, now);
	memcpy(w->key, key, BW_TOKEN_CACHE_KEY);
	w->used = true;
	w->touched = ++sh->clock;
	w->v = *v;
	pthread_mutex_unlock(&sh->mu);
}

size_t bw_token_cache_count(struct bw_token_cache *c, int64_t now)
{
	size_t n = 0;

	for (unsigned s = 0; s < BW_TOKEN_CACHE_SHARDS; s++) {
		struct shard *sh = &c->shards[s];

		pthread_mutex_lock(&sh->mu);
		for (size_t i = 0; i < c->nsets * BW_TOKEN_CACHE_WAYS; i++)
			n += sh->ways[i].used && now < sh->ways[i].v.deadline;
		pthread_mutex_unlock(&sh->mu);
	}
	return n;
}
