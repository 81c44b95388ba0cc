/*
 * arena.h — a per-request memory pool, freed in one call.
 *
 * Handler allocations come from the request's arena and die with it. An arena
 * has a hard cap on the total bytes it will hand out; reaching it is an error
 * (NULL), never an unbounded growth. Memory is zeroed on allocation and wiped
 * before it is returned to the system, so request data does not linger.
 */
#ifndef BULWARK_ARENA_H
#define BULWARK_ARENA_H

#include <stddef.h>

#include "bulwark/err.h"
#include "bulwark/str.h"

#ifdef __cplusplus
extern "C" {
#endif

struct bw_arena;

/**
 * bw_arena_new - create an arena that hands out at most cap bytes in all.
 * Caller frees with bw_arena_free. Returns NULL when out of memory.
 */
struct bw_arena *bw_arena_new(size_t cap);

/** bw_arena_free - wipe and release every block; NULL is a no-op. */
void bw_arena_free(struct bw_arena *a);

/**
 * bw_arena_alloc - n zeroed bytes aligned for any type, owned by the arena.
 * Returns NULL when the cap would be exceeded or memory is short (n may be 0).
 */
void *bw_arena_alloc(struct bw_arena *a, size_t n);

/** bw_arena_calloc - count * size zeroed bytes, NULL on overflow or cap. */
void *bw_arena_calloc(struct bw_arena *a, size_t count, size_t size);

/**
 * bw_arena_strndup - copy len bytes plus a NUL into the arena.
 * Returns NULL on cap or memory shortage.
 */
char *bw_arena_strndup(struct bw_arena *a, const char *p, size_t len);

/** bw_arena_str - an arena-owned copy of s (NUL-terminated), p NULL on failure. */
struct bw_str bw_arena_str(struct bw_arena *a, struct bw_str s);

/** bw_arena_used - bytes handed out so far (for tests and metrics). */
size_t bw_arena_used(const struct bw_arena *a);

#ifdef __cplusplus
}
#endif
#endif
