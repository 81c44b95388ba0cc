/*
 * ratelimit.c — GCRA arithmetic, the backend-independent take, and the
 * RateLimit / RateLimit-Policy / Retry-After headers.
 *
 * All arithmetic is in unsigned 64-bit nanoseconds. The policy bounds keep
 * burst * T ≤ 2^61 and now ≤ 2^63 - 1, so no sum below can wrap; additions
 * on stored values still saturate, because a backend may hand back any TAT.
 */
#include "bulwark/ratelimit.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define NS_PER_S   1000000000ull
#define TAU_MAX_NS (1ull << 61)

uint64_t bw_rl_now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		bw_panic("ratelimit: CLOCK_MONOTONIC unavailable");
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static bool name_valid(const char *name)
{
	size_t n;

	if (name == NULL)
		return false;
	n = strnlen(name, BW_RL_NAME_MAX + 1);
	if (n == 0 || n > BW_RL_NAME_MAX || name[0] < 'a' || name[0] > 'z')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.'))
			return false;
	}
	return true;
}

/* The emission interval, rounded up so the long-run rate never exceeds limit/period. */
static uint64_t interval_ns(const struct bw_rl_policy *p)
{
	uint64_t period = (uint64_t)p->period_s * NS_PER_S;

	return (period + p->limit - 1) / p->limit;
}

enum bw_err bw_rl_policy_check(const struct bw_rl_policy *p)
{
	if (p == NULL || !name_valid(p->name))
		return BW_ERR_CONFIG;
	if (p->limit < 1 || p->limit > BW_RL_LIMIT_MAX || p->period_s < 1 ||
	    p->period_s > BW_RL_PERIOD_MAX || p->burst < 1 || p->burst > BW_RL_BURST_MAX)
		return BW_ERR_CONFIG;
	if (interval_ns(p) > TAU_MAX_NS / p->burst)
		return BW_ERR_CONFIG;
	return BW_OK;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t ceil_s(uint64_t ns)
{
	return ns / NS_PER_S + (ns % NS_PER_S != 0);
}

/* The answer when something went wrong: refused, try again in a second. */
static void refusal(const struct bw_rl_policy *p, struct bw_rl_result *r)
{
	memset(r, 0, sizeof(*r));
	r->limit = p != NULL ? p->limit : 0;
	r->retry_after_ns = NS_PER_S;
	r->retry_after_s = 1;
	r->reset_ns = NS_PER_S;
	r->reset_s = 1;
}

enum bw_err bw_rl_gcra(uint64_t *tat, uint32_t cost, const struct bw_rl_policy *p, uint64_t now_ns,
                       struct bw_rl_result *r)
{
	uint64_t t, tau, start, next, used;
	enum bw_err rc;

	BW_REQUIRE(tat != NULL && r != NULL);
	rc = bw_rl_policy_check(p);
	if (rc != BW_OK) {
		refusal(p, r);
		return rc;
	}
	if (cost < 1 || cost > p->burst || now_ns > (uint64_t)INT64_MAX) {
		refusal(p, r);
		return BW_ERR_RANGE;
	}
	t = interval_ns(p);
	tau = t * p->burst;
	start = *tat > now_ns ? *tat : now_ns;
	next = sat_add(start, t * cost);
	memset(r, 0, sizeof(*r));
	r->limit = p->limit;
	if (next - now_ns <= tau) {
		*tat = next;
		used = next - now_ns;
		r->allowed = true;
	} else {
		used = start - now_ns;
		if (used > tau)
			used = tau; /* a TAT further ahead than this policy allows */
		r->retry_after_ns = next - tau - now_ns;
		r->retry_after_s = ceil_s(r->retry_after_ns); /* ns > 0, so ≥ 1 */
	}
	r->remaining = (uint32_t)((tau - used) / t);
	r->reset_ns = used;
	r->reset_s = ceil_s(used);
	return BW_OK;
}

enum bw_err bw_ratelimit_take(const struct bw_rl_backend *b, const struct bw_rl_policy *p,
                              const uint8_t *key, size_t keylen, uint32_t cost, uint64_t now_ns,
                              struct bw_rl_result *out)
{
	uint8_t store_key[BW_RL_STORE_KEY_MAX];
	size_t nlen;
	enum bw_err rc;

	BW_REQUIRE(b != NULL && b->take != NULL && out != NULL);
	refusal(p, out);
	rc = bw_rl_policy_check(p);
	if (rc != BW_OK)
		return rc;
	if (keylen > BW_RL_KEY_MAX || (keylen > 0 && key == NULL))
		return BW_ERR_INVALID;
	if (cost < 1 || cost > p->burst || now_ns > (uint64_t)INT64_MAX)
		return BW_ERR_RANGE;
	/* name NUL key: the name holds no NUL, so distinct (name, key) pairs never meet */
	nlen = strlen(p->name);
	memcpy(store_key, p->name, nlen);
	store_key[nlen] = 0;
	if (keylen > 0)
		memcpy(store_key + nlen + 1, key, keylen);
	rc = b->take(b->ctx, store_key, nlen + 1 + keylen, cost, p, now_ns, out);
	if (rc != BW_OK) {
		refusal(p, out);
		return rc;
	}
	if (!out->allowed && out->retry_after_s == 0) {
		out->retry_after_s = 1; /* a backend's refusal always tells the client to wait */
		if (out->retry_after_ns == 0)
			out->retry_after_ns = NS_PER_S;
	}
	return BW_OK;
}

/* An arena copy of a formatted header value (formats are literals here). */
__attribute__((format(printf, 2, 3))) static const char *arena_fmt(struct bw_arena *a,
                                                                   const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return NULL;
	return bw_arena_strndup(a, buf, (size_t)n);
}

enum bw_err bw_rl_headers(const struct bw_rl_policy *p, const struct bw_rl_result *r,
                          struct bw_arena *a, struct bw_hdrs *h)
{
	const char *policy, *state, *retry, *old;
	uint64_t secs, prev;
	enum bw_err rc;

	BW_REQUIRE(r != NULL && a != NULL && h != NULL);
	rc = bw_rl_policy_check(p);
	if (rc != BW_OK)
		return rc;
	policy = arena_fmt(a, "\"%s\";q=%u;w=%u", p->name, (unsigned)p->limit,
	                   (unsigned)p->period_s);
	state = arena_fmt(a, "\"%s\";r=%u;t=%llu", p->name, (unsigned)r->remaining,
	                  (unsigned long long)r->reset_s);
	if (policy == NULL || state == NULL)
		return BW_ERR_NOMEM;
	rc = bw_hdrs_add(h, "RateLimit-Policy", policy);
	if (rc == BW_OK)
		rc = bw_hdrs_add(h, "RateLimit", state);
	if (rc != BW_OK || r->allowed)
		return rc;
	secs = r->retry_after_s > 0 ? r->retry_after_s : 1;
	old = bw_hdrs_get(h, "Retry-After");
	if (old != NULL && bw_parse_u64(bw_str_c(old), 0, UINT64_MAX, &prev) == BW_OK &&
	    prev > secs)
		return BW_OK; /* an earlier policy asks for a longer wait: keep it */
	retry = arena_fmt(a, "%llu", (unsigned long long)secs);
	if (retry == NULL)
		return BW_ERR_NOMEM;
	return bw_hdrs_set(h, "Retry-After", retry);
}
