/*
 * fuzz_http_parse.c — Host/authority splitting, the Host allowlist and
 * media types. Properties: a split authority rebuilds the input exactly; an
 * allowed Host really names an allowlisted host (case-insensitively) with an
 * allowed port; an accepted media type starts with the wanted type.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_parse.h"

static const char *const hosts[] = {"localhost", "127.0.0.1", "[::1]", "api.example:8443", NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bw_str in = {(const char *)data, size};
	struct bw_str host, port;
	char *ct;

	if (bw_http_split_authority(in, &host, &port)) {
		size_t n = host.len + (port.len ? port.len + 1 : 0);

		if (host.len == 0 || n != size || host.p != in.p ||
		    (port.len && (host.p[host.len] != ':' || port.p != host.p + host.len + 1)))
			abort();
	}
	if (bw_http_host_allowed(hosts, 8443, in)) {
		bool named = false;

		if (!bw_http_split_authority(in, &host, &port))
			abort();
		for (size_t i = 0; hosts[i] != NULL; i++) {
			size_t hl = strcspn(hosts[i], hosts[i][0] == '[' ? "" : ":");

			if (hosts[i][0] == '[')
				hl = strlen(hosts[i]);
			if (hl == host.len && strncasecmp(hosts[i], host.p, hl) == 0)
				named = true;
		}
		if (!named)
			abort();
		if (port.len && !(port.len == 4 && memcmp(port.p, "8443", 4) == 0))
			abort();
	}
	ct = malloc(size + 1);
	if (ct == NULL)
		return 0;
	memcpy(ct, data, size);
	ct[size] = '\0';
	if (bw_http_media_type_is(ct, "application/json") &&
	    strncasecmp(ct, "application/json", 16) != 0)
		abort();
	free(ct);
	return 0;
}
