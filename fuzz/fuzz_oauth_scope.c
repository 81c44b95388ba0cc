/*
 * fuzz_oauth_scope.c — the OAuth parameter checks of the authorization
 * server: scope values (RFC 6749 §3.3) and PKCE values (RFC 7636).
 * Properties: an accepted scope value joins back to a value that parses to
 * the same set; every token is a scope-token; the PKCE checks never accept a
 * malformed verifier or challenge.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/bulwark.h"
#include "oauth_pkce.h"
#include "oauth_scope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct bw_str in = {(const char *)data, size};
	struct bw_scope_set s, again;
	struct bw_buf b;
	size_t cut = size / 2;

	if (!ready) {
		if (bw_init() != BW_OK)
			abort();
		ready = 1;
	}
	if (bw_scope_parse(in, &s) == BW_OK) {
		bw_buf_init(&b, BW_SCOPE_TEXT_MAX + 1);
		if (bw_scope_join(&s, &b) != BW_OK ||
		    bw_scope_parse(bw_buf_str(&b), &again) != BW_OK || again.n != s.n ||
		    !bw_scope_subset(&s, &again) || !bw_scope_subset(&again, &s))
			abort();
		for (size_t i = 0; i < s.n; i++)
			if (!bw_scope_token_ok(s.items[i]) ||
			    memchr(s.items[i].p, ' ', s.items[i].len))
				abort();
		bw_buf_free(&b);
	}
	/* the first half as a verifier, the second as a challenge */
	{
		struct bw_str v = {(const char *)data, cut},
		              c = {(const char *)data + cut, size - cut};
		enum bw_err rc = bw_pkce_check(v, c);

		if (rc == BW_OK && (!bw_pkce_verifier_ok(v) || !bw_pkce_challenge_ok(c)))
			abort();
		if (bw_pkce_challenge_ok(c) && c.len != BW_PKCE_CHALLENGE_LEN)
			abort();
	}
	return 0;
}
