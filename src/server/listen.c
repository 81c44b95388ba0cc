/* listen.c — strict parsing of the --listen URL. */
#include "listen.h"

#include <arpa/inet.h>
#include <string.h>

#include "bulwark/str.h"

enum bw_err bw_listen_parse(const char *url, struct bw_listen *out)
{
	const char *p, *host_end, *port_start;
	size_t host_len;
	uint64_t port;
	unsigned char buf[16];
	bool bracketed;

	memset(out, 0, sizeof(*out));
	if (strncmp(url, "https://", 8) == 0) {
		out->tls = true;
		p = url + 8;
	} else if (strncmp(url, "http://", 7) == 0) {
		p = url + 7;
	} else {
		return BW_ERR_INVALID;
	}
	bracketed = *p == '[';
	if (bracketed) {
		host_end = strchr(p, ']');
		if (host_end == NULL || host_end[1] != ':')
			return BW_ERR_INVALID;
		p++;
		host_len = (size_t)(host_end - p);
		port_start = host_end + 2;
	} else {
		host_end = strchr(p, ':');
		if (host_end == NULL)
			return BW_ERR_INVALID;
		host_len = (size_t)(host_end - p);
		port_start = host_end + 1;
	}
	if (host_len == 0 || host_len >= sizeof(out->host))
		return BW_ERR_INVALID;
	memcpy(out->host, p, host_len);
	out->host[host_len] = '\0';
	if (bw_parse_u64(bw_str_c(port_start), 0, 65535, &port) != BW_OK)
		return BW_ERR_INVALID;
	out->port = (uint16_t)port;
	if (!bracketed && strcmp(out->host, "localhost") == 0) {
		memcpy(out->address, "127.0.0.1", sizeof("127.0.0.1"));
		out->loopback = true;
		return BW_OK;
	}
	/* Brackets hold an IPv6 literal and nothing else; IPv4 goes bare. */
	if (!bracketed && inet_pton(AF_INET, out->host, buf) == 1) {
		out->loopback = buf[0] == 127;
	} else if (bracketed && inet_pton(AF_INET6, out->host, buf) == 1) {
		static const unsigned char v6_loopback[16] = {[15] = 1};

		out->loopback = memcmp(buf, v6_loopback, 16) == 0;
	} else {
		return BW_ERR_INVALID;
	}
	memcpy(out->address, out->host, host_len + 1);
	return BW_OK;
}
