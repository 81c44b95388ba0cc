/*
 * jwt_flat.c — the fast path for JWT claims: a flat JSON object read in one
 * pass and built straight into jansson values, for the shape every token
 * issuer writes (strings without escapes, integers, true/false/null, arrays
 * of those). jansson's own reader costs several times more for the same
 * object, on every request.
 *
 * It never decides a refusal: anything outside that shape — an escape, a
 * real or exponent, a nested object, a member name seen twice, bytes that
 * are not UTF-8, a control character — returns "not handled" and the
 * strict general parser (bw_json_parse) reads the same bytes and decides.
 * So both paths accept exactly the same documents as the same trees; the
 * fuzz target fuzz_jwt checks that on every input.
 */
#include "jwt_internal.h"

#include <stdint.h>
#include <string.h>

#include "bulwark/utf8.h"

#define INT_DIGITS_MAX 18 /* always within int64 */

struct flat {
	const uint8_t *p;
	size_t i, n;
};

static void ws(struct flat *f)
{
	while (f->i < f->n && (f->p[f->i] == ' ' || f->p[f->i] == '\t' || f->p[f->i] == '\n' ||
	                       f->p[f->i] == '\r'))
		f->i++;
}

static bool eat(struct flat *f, uint8_t c)
{
	ws(f);
	if (f->i < f->n && f->p[f->i] == c) {
		f->i++;
		return true;
	}
	return false;
}

#define ONES  UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/*
 * Nonzero when some byte of x is below n (1 <= n <= 128), exactly. Without
 * such a byte nothing borrows, and a top bit left set by the subtraction
 * belongs to a byte >= 0x80, which ~x masks. The lowest byte below n gets
 * no borrow and wraps to 0x80..0xff with its own top bit clear: flagged.
 * (Bytes above it may be flagged wrongly; only the yes/no answer is used.)
 */
static inline uint64_t byte_below(uint64_t x, uint8_t n)
{
	return (x - ONES * n) & ~x & HIGHS;
}

/* a string without escapes or control characters, valid UTF-8: its bytes */
static bool flat_string(struct flat *f, const char **s, size_t *len)
{
	const uint8_t *b, *q, *c;
	uint8_t high = 0, bad = 0;
	uint64_t high8 = 0, bad8 = 0;

	ws(f);
	if (f->i >= f->n || f->p[f->i] != '"')
		return false;
	b = f->p + ++f->i;
	/* the closing quote (an escaped one is a backslash before it: refused below) */
	q = memchr(b, '"', f->n - f->i);
	if (q == NULL)
		return false;
	/* eight bytes at a time: these strings are most of a token's claims */
	for (c = b; q - c >= 8; c += 8) {
		uint64_t x;

		memcpy(&x, c, sizeof(x));
		bad8 |= byte_below(x, 0x20) | byte_below(x ^ (ONES * '\\'), 1) |
		        byte_below(x ^ (ONES * 0x7f), 1);
		high8 |= x & HIGHS;
	}
	for (; c < q; c++) {
		bad |= (uint8_t)((*c < 0x20) | (*c == '\\') | (*c == 0x7f));
		high |= *c;
	}
	if (bad || bad8)
		return false;
	high |= (uint8_t)(high8 != 0 ? 0x80 : 0);
	*s = (const char *)b;
	*len = (size_t)(q - b);
	f->i += *len + 1;
	/* ASCII is valid UTF-8; anything else is checked the library's one way */
	return (high & 0x80) == 0 || bw_utf8_valid(*s, *len);
}

/* a JSON integer of at most INT_DIGITS_MAX digits ("-0" and reals left to jansson) */
static bool flat_int(struct flat *f, json_int_t *v)
{
	size_t start = f->i, digits = 0;
	bool neg = false;
	json_int_t x = 0;

	if (f->i < f->n && f->p[f->i] == '-') {
		neg = true;
		f->i++;
	}
	while (f->i < f->n && f->p[f->i] >= '0' && f->p[f->i] <= '9') {
		if (++digits > INT_DIGITS_MAX)
			return false;
		x = x * 10 + (f->p[f->i] - '0');
		f->i++;
	}
	if (digits == 0 || (digits > 1 && f->p[start + neg] == '0') || (neg && x == 0))
		return false;
	if (f->i < f->n && (f->p[f->i] == '.' || f->p[f->i] == 'e' || f->p[f->i] == 'E'))
		return false;
	*v = neg ? -x : x;
	return true;
}

static bool flat_word(struct flat *f, const char *w, size_t len)
{
	if (f->n - f->i < len || memcmp(f->p + f->i, w, len) != 0)
		return false;
	f->i += len;
	return true;
}

/* a scalar; NULL for "not handled" (or out of memory: *nomem) */
static json_t *flat_scalar(struct flat *f, bool *nomem)
{
	const char *s;
	size_t len;
	json_int_t v;
	json_t *j = NULL;

	ws(f);
	if (f->i >= f->n)
		return NULL;
	switch (f->p[f->i]) {
	case '"':
		if (!flat_string(f, &s, &len))
			return NULL;
		j = json_stringn_nocheck(s, len);
		break;
	case 't':
		return flat_word(f, "true", 4) ? json_true() : NULL;
	case 'f':
		return flat_word(f, "false", 5) ? json_false() : NULL;
	case 'n':
		return flat_word(f, "null", 4) ? json_null() : NULL;
	default:
		if (!flat_int(f, &v))
			return NULL;
		j = json_integer(v);
		break;
	}
	*nomem = j == NULL;
	return j;
}

static json_t *flat_value(struct flat *f, bool *nomem)
{
	json_t *arr, *v;

	if (!eat(f, '['))
		return flat_scalar(f, nomem);
	arr = json_array();
	if (arr == NULL)
		return *nomem = true, NULL;
	if (eat(f, ']'))
		return arr;
	do {
		v = flat_scalar(f, nomem);
		if (v == NULL || json_array_append_new(arr, v) != 0) {
			*nomem = *nomem || v != NULL;
			json_decref(arr);
			return NULL;
		}
	} while (eat(f, ','));
	if (!eat(f, ']')) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

bool jwt_flat_parse(const void *p, size_t n, json_t **out, enum bw_err *err)
{
	struct flat f = {p, 0, n};
	json_t *obj = NULL, *v;
	const char *name;
	size_t len;
	bool nomem = false;

	*out = NULL;
	*err = BW_OK;
	if (!eat(&f, '{'))
		return false;
	obj = json_object();
	if (obj == NULL)
		goto nomem;
	if (!eat(&f, '}')) {
		do {
			size_t before = json_object_size(obj);

			if (!flat_string(&f, &name, &len) || !eat(&f, ':'))
				goto fallback;
			v = flat_value(&f, &nomem);
			if (v == NULL)
				goto fallback;
			if (json_object_setn_new_nocheck(obj, name, len, v) != 0)
				goto nomem;
			/* a repeated name replaced a member: the general parser refuses it */
			if (json_object_size(obj) == before)
				goto fallback;
		} while (eat(&f, ','));
		if (!eat(&f, '}'))
			goto fallback;
	}
	ws(&f);
	if (f.i != f.n)
		goto fallback;
	*out = obj;
	return true;
fallback:
	json_decref(obj);
	if (!nomem)
		return false;
	*err = BW_ERR_NOMEM;
	return true;
nomem:
	json_decref(obj);
	*err = BW_ERR_NOMEM;
	return true;
}
