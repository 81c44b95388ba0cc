/*
 * arena.c — bump allocator over a chain of blocks (h2o's mem pool in spirit).
 * Small requests share blocks; a request larger than a quarter block gets its
 * own block. The cap counts bytes handed out, alignment padding included.
 */
#include "bulwark/arena.h"

#include <sodium.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_SIZE 4096u
#define ALIGN      alignof(max_align_t)

struct block {
	struct block *next;
	size_t size;
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

struct bw_arena {
	struct block *head;
	struct block *first; /* allocated with the arena itself: one malloc per arena */
	size_t cap;
	size_t used;
};

struct bw_arena *bw_arena_new(size_t cap)
{
	size_t off = (sizeof(struct bw_arena) + ALIGN - 1) & ~(ALIGN - 1);
	struct bw_arena *a = malloc(off + sizeof(struct block) + BLOCK_SIZE);

	if (a == NULL)
		return NULL;
	a->first = (struct block *)(void *)((unsigned char *)a + off);
	a->first->next = NULL;
	a->first->size = BLOCK_SIZE;
	a->first->used = 0;
	a->head = a->first;
	a->cap = cap;
	a->used = 0;
	return a;
}

void bw_arena_free(struct bw_arena *a)
{
	struct block *b;

	if (a == NULL)
		return;
	b = a->head;
	while (b != NULL) {
		struct block *next = b->next;

		sodium_memzero(b->data, b->used);
		if (b != a->first)
			free(b);
		b = next;
	}
	free(a);
}

static struct block *block_new(size_t size)
{
	struct block *b;

	if (size > SIZE_MAX - sizeof(*b))
		return NULL;
	b = malloc(sizeof(*b) + size);
	if (b == NULL)
		return NULL;
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

void *bw_arena_alloc(struct bw_arena *a, size_t n)
{
	size_t need;
	struct block *b;
	void *p;

	BW_REQUIRE(a != NULL);
	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - ALIGN)
		return NULL;
	need = (n + ALIGN - 1) & ~(ALIGN - 1);
	if (need > a->cap - a->used)
		return NULL;

	b = a->head;
	if (b == NULL || b->size - b->used < need) {
		if (need > BLOCK_SIZE / 4) {
			/* a big allocation: its own block, linked behind the head so the
			 * head's free space stays usable */
			b = block_new(need);
			if (b == NULL)
				return NULL;
			if (a->head != NULL) {
				b->next = a->head->next;
				a->head->next = b;
			} else {
				a->head = b;
			}
		} else {
			b = block_new(BLOCK_SIZE);
			if (b == NULL)
				return NULL;
			b->next = a->head;
			a->head = b;
		}
	}
	p = b->data + b->used;
	b->used += need;
	a->used += need;
	memset(p, 0, n);
	return p;
}

void *bw_arena_calloc(struct bw_arena *a, size_t count, size_t size)
{
	if (size != 0 && count > SIZE_MAX / size)
		return NULL;
	return bw_arena_alloc(a, count * size);
}

char *bw_arena_strndup(struct bw_arena *a, const char *p, size_t len)
{
	char *s;

	if (len == SIZE_MAX)
		return NULL;
	s = bw_arena_alloc(a, len + 1);
	if (s == NULL)
		return NULL;
	if (len > 0)
		memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

struct bw_str bw_arena_str(struct bw_arena *a, struct bw_str s)
{
	char *p = bw_arena_strndup(a, s.p, s.len);

	return (struct bw_str){p, p ? s.len : 0};
}

size_t bw_arena_used(const struct bw_arena *a)
{
	return a->used;
}
