/*
 * fuzz_oauth_client.c — the parsers of client registration and client
 * authentication input (oauth_client_parse.c). The first byte picks one:
 *   redirect URI: an accepted URI has no fragment, no wildcard, no space or
 *     control, and is one of https://, http://127.0.0.1 / http://[::1], or
 *     a dotted private-use scheme; registered alone it matches itself;
 *   Basic credentials: an accepted header decodes to a non-empty id and
 *     secret, and parsing is deterministic.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oauth_clients.h"
#include "oauth_clients_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[2048];
	struct bw_str s;

	if (size < 1 || size >= sizeof(in))
		return 0;
	memcpy(in, data + 1, size - 1);
	in[size - 1] = '\0';
	s = (struct bw_str){in, size - 1};
	if (data[0] & 1) {
		const char *list[1] = {in};
		struct bw_oauth_client c = {.redirect_uris = list, .n_redirect_uris = 1};

		if (!bw_oauth_redirect_uri_valid(s))
			return 0;
		if (memchr(in, '\0', s.len) != NULL || memchr(in, '#', s.len) != NULL ||
		    memchr(in, '*', s.len) != NULL || memchr(in, ' ', s.len) != NULL)
			abort();
		if (strncmp(in, "https://", 8) != 0 && strncmp(in, "http://127.0.0.1", 16) != 0 &&
		    strncmp(in, "http://[::1]", 12) != 0 && memchr(in, '.', s.len) == NULL)
			abort();
		if (!bw_oauth_redirect_uri_ok(&c, s))
			abort();
	} else {
		struct bw_arena *a = bw_arena_new(16384);
		struct bw_str id, secret, id2, secret2;
		enum bw_err rc;

		if (a == NULL || memchr(in, '\0', s.len) != NULL) {
			bw_arena_free(a);
			return 0;
		}
		rc = bw_oauth_basic_parse(a, in, &id, &secret);
		if (rc == BW_OK) {
			if (id.len == 0 || secret.len == 0)
				abort();
			if (bw_oauth_basic_parse(a, in, &id2, &secret2) != BW_OK ||
			    !bw_str_eq(id, id2) || !bw_str_eq(secret, secret2))
				abort();
		} else if (rc != BW_ERR_DENIED && rc != BW_ERR_NOMEM) {
			abort();
		}
		bw_arena_free(a);
	}
	return 0;
}
