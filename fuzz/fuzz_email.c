/*
 * fuzz_email.c — bw_email_canon never crashes, and what it gives is a
 * canonical form:
 *   - idempotent: canonicalising the result gives the same bytes;
 *   - ASCII only (the domain an A-label), lower case, NUL-terminated at its
 *     length, at most BW_EMAIL_MAX bytes;
 *   - valid per BW_RULE_EMAIL;
 *   - the arena variant gives the same bytes;
 *   - a refusal is one of the documented errors and leaves the output empty.
 * Input: the address as bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/arena.h"
#include "bulwark/email.h"
#include "bulwark/validate.h"

#define CHECK(c)                          \
	do {                              \
		if (!(c))                 \
			__builtin_trap(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct bw_rule rule = {.kind = BW_RULE_EMAIL};
	char out[BW_EMAIL_MAX + 1], again[BW_EMAIL_MAX + 1];
	size_t len = 7, len2 = 0;
	const char *code = NULL;
	struct bw_arena *a;
	struct bw_str s;
	enum bw_err rc;

	rc = bw_email_canon((struct bw_str){(const char *)data, size}, out, sizeof out, &len);
	if (rc != BW_OK) {
		CHECK(rc == BW_ERR_LIMIT || rc == BW_ERR_ENCODING || rc == BW_ERR_INVALID ||
		      rc == BW_ERR_NOMEM);
		CHECK(out[0] == '\0' && len == 0);
		return 0;
	}
	CHECK(len > 0 && len <= BW_EMAIL_MAX && out[len] == '\0' && strlen(out) == len);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)out[i];

		CHECK(c > 0x20 && c < 0x7F && !(c >= 'A' && c <= 'Z'));
	}
	CHECK(bw_validate(&rule, (struct bw_str){out, len}, &code) == BW_OK);
	CHECK(bw_email_canon((struct bw_str){out, len}, again, sizeof again, &len2) == BW_OK);
	CHECK(len2 == len && memcmp(out, again, len) == 0);

	a = bw_arena_new(1024);
	CHECK(a != NULL);
	CHECK(bw_email_canon_arena(a, (struct bw_str){(const char *)data, size}, &s) == BW_OK);
	CHECK(s.len == len && memcmp(s.p, out, len) == 0 && s.p[len] == '\0');
	bw_arena_free(a);
	return 0;
}
