/*
 * fuzz_form.c — form bodies (application/x-www-form-urlencoded) as the HTTP
 * pipeline decodes them: the raw body, not a request target, so every byte
 * ('?', '#', '/', '+', raw controls) can appear. Properties on every
 * accepted body: at most the pair cap, every name and value valid UTF-8
 * without NUL or controls, no '+' left undecoded in the raw input's place.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/arena.h"
#include "bulwark/url.h"
#include "bulwark/utf8.h"

#define MAX_PAIRS 32 /* BW_HTTP_MAX_FORM_PAIRS */

static void check_text(struct bw_str s)
{
	if (!bw_utf8_valid(s.p, s.len))
		abort();
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (c < 0x20 || c == 0x7F)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bw_arena *a = bw_arena_new(1 << 20);
	struct bw_str body = {(const char *)data, size};
	struct bw_kv *kv;
	size_t n;

	if (a == NULL)
		return 0;
	if (bw_url_parse_query(a, body, MAX_PAIRS, &kv, &n) == BW_OK) {
		size_t plus = 0, spaces = 0;

		if (n > MAX_PAIRS)
			abort();
		for (size_t i = 0; i < size; i++)
			plus += data[i] == '+';
		for (size_t i = 0; i < n; i++) {
			check_text(kv[i].name);
			check_text(kv[i].value);
			if (!kv[i].has_value && kv[i].value.len != 0)
				abort();
			for (size_t j = 0; j < kv[i].name.len; j++)
				spaces += kv[i].name.p[j] == ' ';
			for (size_t j = 0; j < kv[i].value.len; j++)
				spaces += kv[i].value.p[j] == ' ';
		}
		/* every raw '+' became a space (more spaces may come from %20) */
		if (spaces < plus)
			abort();
	}
	bw_arena_free(a);
	return 0;
}
