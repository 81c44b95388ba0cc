/*
 * fuzz_url.c — request-target and query decoding. Properties checked on
 * every accepted input: no decoded segment is "." or "..", contains '/',
 * NUL or a control byte, or is invalid UTF-8; decoded query names and
 * values are valid UTF-8 without NUL or controls; a redirect path that
 * bw_url_local_path_ok accepts starts with exactly one '/' and holds no
 * backslash, space or control byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/arena.h"
#include "bulwark/url.h"
#include "bulwark/utf8.h"

static void check_text(struct bw_str s, int allow_slash)
{
	if (!bw_utf8_valid(s.p, s.len))
		abort();
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (c < 0x20 || c == 0x7F || (!allow_slash && (c == '/' || c == '\\')))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bw_arena *a = bw_arena_new(1 << 20);
	struct bw_target t;
	struct bw_str raw = {(const char *)data, size};

	if (a == NULL)
		return 0;
	if (bw_url_local_path_ok(raw)) {
		if (size == 0 || data[0] != '/' || (size > 1 && data[1] == '/'))
			abort();
		for (size_t i = 0; i < size; i++)
			if (data[i] <= 0x20 || data[i] >= 0x7F || data[i] == '\\')
				abort();
	}
	if (bw_url_parse_target(a, raw, &t) == BW_OK) {
		struct bw_kv *kv;
		size_t n;

		for (size_t i = 0; i < t.n_segments; i++) {
			struct bw_str s = t.segments[i];

			if (s.len == 0 || bw_str_eq_c(s, ".") || bw_str_eq_c(s, ".."))
				abort();
			check_text(s, 0);
		}
		if (bw_url_parse_query(a, t.query, 64, &kv, &n) == BW_OK) {
			for (size_t i = 0; i < n; i++) {
				check_text(kv[i].name, 1);
				check_text(kv[i].value, 1);
			}
		}
	}
	bw_arena_free(a);
	return 0;
}
