/*
 * fuzz_listen.c — the --listen URL parser. Properties: an accepted URL is
 * exactly scheme://HOST:PORT (brackets for IPv6) rebuilt from the parts, the
 * port is in range, and the bind address is an IP literal.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[300], again[320];
	struct bw_listen l;
	unsigned char buf[16];
	bool v6;

	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (bw_listen_parse(in, &l) != BW_OK)
		return 0;
	v6 = strchr(l.host, ':') != NULL;
	snprintf(again, sizeof(again), "%s://%s%s%s:%u", l.tls ? "https" : "http", v6 ? "[" : "",
	         l.host, v6 ? "]" : "", (unsigned)l.port);
	if (strcmp(again, in) != 0)
		abort();
	if (inet_pton(AF_INET, l.address, buf) != 1 && inet_pton(AF_INET6, l.address, buf) != 1)
		abort();
	return 0;
}
