/* denylist.c — the in-memory jti denylist (denylist.h). */
#include "denylist.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bulwark/random.h"

struct slot {
	int64_t exp; /* 0: empty */
	uint8_t len;
	char jti[BW_DENYLIST_JTI_MAX];
};

struct bw_denylist {
	pthread_rwlock_t lock;
	uint8_t key[crypto_shorthash_KEYBYTES];
	struct slot *slots;
	size_t cap; /* a power of two */
	size_t n;
};

#define INITIAL_CAP 64u

enum bw_err bw_denylist_new(struct bw_denylist **out)
{
	struct bw_denylist *d = calloc(1, sizeof(*d));

	*out = NULL;
	if (d == NULL)
		return BW_ERR_NOMEM;
	d->cap = INITIAL_CAP;
	d->slots = calloc(d->cap, sizeof(*d->slots));
	if (d->slots == NULL) {
		free(d);
		return BW_ERR_NOMEM;
	}
	bw_random_bytes(d->key, sizeof(d->key));
	pthread_rwlock_init(&d->lock, NULL);
	*out = d;
	return BW_OK;
}

void bw_denylist_free(struct bw_denylist *d)
{
	if (d == NULL)
		return;
	pthread_rwlock_destroy(&d->lock);
	free(d->slots);
	free(d);
}

static size_t hash_of(const struct bw_denylist *d, struct bw_str jti)
{
	uint64_t h;

	crypto_shorthash((unsigned char *)&h, (const unsigned char *)jti.p, jti.len, d->key);
	return (size_t)h;
}

/* The slot of jti, or the empty slot where it would go. */
static struct slot *find(struct slot *slots, size_t cap, size_t h, struct bw_str jti)
{
	for (size_t i = 0;; i++) {
		struct slot *s = &slots[(h + i) & (cap - 1)];

		if (s->exp == 0 || (s->len == jti.len && memcmp(s->jti, jti.p, jti.len) == 0))
			return s;
	}
}

/* Rehash into a table of cap slots, dropping what expired before now. */
static enum bw_err rehash(struct bw_denylist *d, size_t cap, int64_t now)
{
	struct slot *ns = calloc(cap, sizeof(*ns));
	size_t n = 0;

	if (ns == NULL)
		return BW_ERR_NOMEM;
	for (size_t i = 0; i < d->cap; i++) {
		struct slot *s = &d->slots[i];
		struct bw_str j = {s->jti, s->len};

		if (s->exp == 0 || s->exp < now)
			continue;
		*find(ns, cap, hash_of(d, j), j) = *s;
		n++;
	}
	free(d->slots);
	d->slots = ns;
	d->cap = cap;
	d->n = n;
	return BW_OK;
}

enum bw_err bw_denylist_add(struct bw_denylist *d, struct bw_str jti, int64_t exp)
{
	int64_t now = (int64_t)time(NULL);
	enum bw_err rc = BW_OK;
	struct slot *s;

	if (jti.len == 0 || jti.len > BW_DENYLIST_JTI_MAX || exp <= 0)
		return BW_ERR_INVALID;
	pthread_rwlock_wrlock(&d->lock);
	if ((d->n + 1) * 2 > d->cap) {
		/* first drop the expired; grow only if that was not enough */
		rc = rehash(d, d->cap, now);
		if (rc == BW_OK && (d->n + 1) * 2 > d->cap)
			rc = d->n >= BW_DENYLIST_MAX ? BW_ERR_LIMIT : rehash(d, d->cap * 2, now);
	}
	if (rc == BW_OK) {
		s = find(d->slots, d->cap, hash_of(d, jti), jti);
		if (s->exp == 0) {
			memcpy(s->jti, jti.p, jti.len);
			s->len = (uint8_t)jti.len;
			d->n++;
		}
		if (exp > s->exp)
			s->exp = exp;
	}
	pthread_rwlock_unlock(&d->lock);
	return rc;
}

bool bw_denylist_has(struct bw_denylist *d, struct bw_str jti, int64_t now)
{
	bool has;

	if (jti.len == 0 || jti.len > BW_DENYLIST_JTI_MAX)
		return false;
	pthread_rwlock_rdlock(&d->lock);
	{
		const struct slot *s = find(d->slots, d->cap, hash_of(d, jti), jti);

		has = s->exp != 0 && s->exp >= now;
	}
	pthread_rwlock_unlock(&d->lock);
	return has;
}

size_t bw_denylist_count(struct bw_denylist *d)
{
	size_t n;

	pthread_rwlock_rdlock(&d->lock);
	n = d->n;
	pthread_rwlock_unlock(&d->lock);
	return n;
}
