/*
 * fuzz_password_policy.c — bw_password_policy_check never crashes, and a
 * password it accepts has 12..1024 code points after NFC, is well-formed
 * UTF-8 without controls, and is accepted again (the check is deterministic).
 * A refusal carries one of the documented codes, or (for a bad address) no
 * code and bw_email_canon's error.
 *
 * Byte 0 picks the address (one of a few, or none), or, when it is 0xFF, the
 * rest is a stored PHC string for bw_password_needs_rehash instead (the
 * strict PHC parser, without Argon2's cost): an accepted one is an Argon2id
 * v=19 string shorter than BW_PASSWORD_HASH_MAX.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <uninorm.h>

#include "bulwark/password.h"
#include "bulwark/utf8.h"

#define CHECK(c)                          \
	do {                              \
		if (!(c))                 \
			__builtin_trap(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const EMAILS[] = {"", "alice.smith@example.com", "jo@x.example",
                                     "Bob@B\xC3\xBC"
                                     "cher.DE",
                                     "not an address"};
static const char *const CODES[] = {"encoding", "too_short",      "too_long", "common",
                                    "sequence", "contains_email", "too_weak"};

static void check_phc(struct bw_str s)
{
	bool needs = false;

	if (bw_password_needs_rehash(NULL, s, &needs) != BW_OK)
		return;
	CHECK(s.len < BW_PASSWORD_HASH_MAX && memchr(s.p, '\0', s.len) == NULL);
	CHECK(s.len > 15 && memcmp(s.p, "$argon2id$v=19$m=", 17) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bw_str pw, email;
	const char *code = "untouched", *code2 = "untouched";
	enum bw_err rc;
	uint8_t *nfc;
	size_t nfc_len = 0, count = 0;
	bool known = false;

	if (size < 1)
		return 0;
	pw = (struct bw_str){(const char *)data + 1, size - 1};
	if (data[0] == 0xFF) {
		check_phc(pw);
		return 0;
	}
	email = bw_str_c(EMAILS[data[0] % (sizeof(EMAILS) / sizeof(EMAILS[0]))]);
	rc = bw_password_policy_check(pw, email, &code);
	if (rc == BW_ERR_INVALID && code != NULL) {
		for (size_t i = 0; i < sizeof(CODES) / sizeof(CODES[0]); i++)
			known |= strcmp(code, CODES[i]) == 0;
		CHECK(known);
		return 0;
	}
	if (rc != BW_OK) {
		CHECK(code == NULL);
		CHECK(rc == BW_ERR_INVALID || rc == BW_ERR_NOMEM);
		return 0;
	}
	CHECK(code == NULL);
	CHECK(bw_utf8_valid(pw.p, pw.len));
	for (size_t i = 0; i < pw.len;) {
		uint32_t cp;
		size_t n;

		CHECK(bw_utf8_decode((const uint8_t *)pw.p + i, pw.len - i, &cp, &n));
		CHECK(cp >= 0x20 && !(cp >= 0x7F && cp <= 0x9F));
		i += n;
	}
	nfc = u8_normalize(UNINORM_NFC, (const uint8_t *)pw.p, pw.len, NULL, &nfc_len);
	CHECK(nfc != NULL);
	CHECK(bw_utf8_count(nfc, nfc_len, &count) == BW_OK);
	CHECK(count >= BW_PASSWORD_POLICY_MIN_LEN && count <= BW_PASSWORD_POLICY_MAX_LEN);
	free(nfc);
	CHECK(bw_password_policy_check(pw, email, &code2) == BW_OK && code2 == NULL);
	return 0;
}
