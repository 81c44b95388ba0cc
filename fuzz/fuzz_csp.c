/*
 * fuzz_csp.c — the CSP policy parser. Properties: a policy the parser
 * accepts serializes to a policy that parses again, serializes to the same
 * bytes (a fixed point), has no control byte or comma, and contains none of
 * the weak sources the validator exists to refuse.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/arena.h"
#include "bulwark/csp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bw_str in = {(const char *)data, size};
	struct bw_csp *csp = NULL, *again = NULL;
	struct bw_arena *a;
	const char *text = NULL, *text2 = NULL;
	unsigned flags = size > 0 && (data[0] & 1) ? BW_CSP_STATIC : 0;

	if (bw_csp_parse(in, flags, &csp) != BW_OK)
		return 0;
	a = bw_arena_new(1 << 20);
	if (a == NULL)
		abort();
	if (bw_csp_serialize(csp, a, &text) != BW_OK)
		abort();
	for (const char *p = text; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7F || *p == ',')
			abort();
	if (strstr(text, "'unsafe-inline'") || strstr(text, "'unsafe-eval'") ||
	    strstr(text, "'unsafe-hashes'"))
		abort();
	if (bw_csp_parse(bw_str_c(text), flags, &again) != BW_OK)
		abort();
	if (bw_csp_serialize(again, a, &text2) != BW_OK || strcmp(text, text2) != 0)
		abort();
	if (bw_csp_validate(bw_str_c(text), flags) != BW_OK)
		abort();
	bw_csp_free(again);
	bw_csp_free(csp);
	bw_arena_free(a);
	return 0;
}
