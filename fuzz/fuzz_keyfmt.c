/*
 * fuzz_keyfmt.c — the master key text formats: the reference parser
 * (file:/env:/credential:) and the base64url key decoder. Checked properties,
 * not just "no crash": a decoded key re-encodes to exactly the input (so only
 * the canonical 43-character form is accepted); an accepted reference has a
 * known scheme, borrows the bytes right after it and satisfies that scheme's
 * character rules; a refusal is BW_ERR_INVALID for a known scheme and
 * BW_ERR_CONFIG (a literal, never accepted) for anything else.
 */
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "bulwark/bulwark.h"
#include "bulwark/keys.h"

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond))                                                 \
			bw_panic("fuzz_keyfmt: property failed: %s", #cond); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool has_prefix(const uint8_t *p, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && memcmp(p, prefix, k) == 0;
}

static bool in_set(char c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

static void check_decode(const uint8_t *data, size_t size)
{
	char again[BW_MASTER_KEY_TEXT_LEN + 1];
	struct bw_secret *s = NULL;
	enum bw_err rc = bw_master_key_decode((struct bw_str){(const char *)data, size}, &s);

	if (rc != BW_OK) {
		CHECK(s == NULL);
		CHECK(rc == BW_ERR_INVALID);
		return;
	}
	CHECK(size == BW_MASTER_KEY_TEXT_LEN);
	CHECK(bw_secret_len(s) == BW_MASTER_KEY_BYTES);
	sodium_bin2base64(again, sizeof(again), bw_secret_bytes(s), bw_secret_len(s),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	CHECK(memcmp(again, data, size) == 0);
	bw_wipe(again, sizeof(again));
	bw_secret_free(s);
}

static void check_ref(const uint8_t *data, size_t size)
{
	enum bw_key_ref_kind kind = 0;
	struct bw_str arg = {NULL, 0};
	size_t skip;
	enum bw_err rc = bw_key_ref_parse((struct bw_str){(const char *)data, size}, &kind, &arg);
	bool known = has_prefix(data, size, "file:") || has_prefix(data, size, "env:") ||
	             has_prefix(data, size, "credential:");

	if (rc != BW_OK) {
		CHECK(rc == (known ? BW_ERR_INVALID : BW_ERR_CONFIG));
		CHECK(arg.p == NULL && kind == 0);
		return;
	}
	CHECK(known);
	switch (kind) {
	case BW_KEY_REF_FILE:
		CHECK(has_prefix(data, size, "file:"));
		skip = 5;
		break;
	case BW_KEY_REF_ENV:
		CHECK(has_prefix(data, size, "env:"));
		skip = 4;
		break;
	case BW_KEY_REF_CREDENTIAL:
		CHECK(has_prefix(data, size, "credential:"));
		skip = 11;
		break;
	default:
		CHECK(!"unknown kind");
		return;
	}
	CHECK(arg.p == (const char *)data + skip && arg.len == size - skip && arg.len > 0);
	for (size_t i = 0; i < arg.len; i++) {
		char c = arg.p[i];

		if (kind == BW_KEY_REF_FILE)
			CHECK((unsigned char)c >= 0x20 && (unsigned char)c != 0x7f);
		else if (kind == BW_KEY_REF_ENV)
			CHECK(in_set(c, ALNUM "_") && !(i == 0 && c >= '0' && c <= '9'));
		else
			CHECK(in_set(c, ALNUM "_.-@"));
	}
	if (kind != BW_KEY_REF_FILE)
		CHECK(arg.len <= BW_KEY_REF_NAME_MAX);
	if (kind == BW_KEY_REF_CREDENTIAL)
		CHECK(!bw_str_eq_c(arg, ".") && !bw_str_eq_c(arg, ".."));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (bw_init() != BW_OK)
		return 0;
	check_decode(data, size);
	check_ref(data, size);
	return 0;
}
