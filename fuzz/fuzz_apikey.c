/*
 * fuzz_apikey.c — the API key parser (bwk_<random>_<checksum>). Checked
 * properties, not just "no crash": an accepted input is exactly
 * BW_APIKEY_LEN bytes of the prefix, base62, '_' and base62, its checksum
 * recomputes to the one presented, and bw_apikey_hash accepts exactly what
 * bw_apikey_parse accepts; a refused input is never hashed. The input with
 * its checksum replaced by the right one must always be accepted when the
 * rest is well formed, so the parser does not refuse valid keys either.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "bulwark/apikey.h"
#include "bulwark/bulwark.h"

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond))                                                 \
			bw_panic("fuzz_apikey: property failed: %s", #cond); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool b62(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Shape only: prefix, alphabet, separator, length; the checksum not looked at. */
static bool shaped(const char *p, size_t n)
{
	if (n != BW_APIKEY_LEN || memcmp(p, BW_APIKEY_PREFIX, BW_APIKEY_PREFIX_LEN) != 0)
		return false;
	for (size_t i = BW_APIKEY_PREFIX_LEN; i < n; i++) {
		bool sep = i == BW_APIKEY_PREFIX_LEN + BW_APIKEY_RANDOM_LEN;

		if (sep ? p[i] != '_' : !b62(p[i]))
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bw_secret *key;
	struct bw_str s = {(const char *)data, size};
	struct bw_apikey_hash h;
	enum bw_err rc;

	if (key == NULL) {
		uint8_t k[32] = {1};

		if (bw_init() != BW_OK || bw_secret_new(k, sizeof(k), &key) != BW_OK)
			bw_panic("fuzz_apikey: setup");
	}
	rc = bw_apikey_parse(s);
	CHECK(rc == BW_OK || rc == BW_ERR_INVALID);
	CHECK(bw_apikey_hash(key, s, &h) == rc);
	if (rc == BW_OK) {
		char sum[BW_APIKEY_CHECK_LEN];

		CHECK(shaped(s.p, s.len));
		bw_apikey_checksum(s.p + BW_APIKEY_PREFIX_LEN, sum);
		CHECK(memcmp(sum, s.p + BW_APIKEY_LEN - BW_APIKEY_CHECK_LEN, sizeof(sum)) == 0);
	} else if (shaped(s.p, s.len)) {
		char fixed[BW_APIKEY_SIZE];

		memcpy(fixed, s.p, BW_APIKEY_LEN);
		bw_apikey_checksum(fixed + BW_APIKEY_PREFIX_LEN,
		                   fixed + BW_APIKEY_LEN - BW_APIKEY_CHECK_LEN);
		CHECK(bw_apikey_parse((struct bw_str){fixed, BW_APIKEY_LEN}) == BW_OK);
	}
	return 0;
}
