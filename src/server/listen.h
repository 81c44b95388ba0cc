/*
 * listen.h — the server's --listen URL: "https://HOST:PORT" or
 * "http://HOST:PORT", HOST an IPv4 literal, a bracketed IPv6 literal or
 * "localhost". Nothing else (no path, no userinfo, no default port).
 */
#ifndef BULWARK_LISTEN_H
#define BULWARK_LISTEN_H

#include <stdbool.h>
#include <stdint.h>

#include "bulwark/err.h"

struct bw_listen {
	bool tls;
	char host[64];    /* as written, brackets removed: "127.0.0.1", "::1", "localhost" */
	char address[64]; /* the literal to bind: "localhost" becomes "127.0.0.1" */
	uint16_t port;    /* 0 allowed: an ephemeral port */
	bool loopback;    /* 127.0.0.0/8, ::1 or localhost */
};

/** bw_listen_parse - parse url strictly; BW_ERR_INVALID on anything else. */
BW_MUST_CHECK enum bw_err bw_listen_parse(const char *url, struct bw_listen *out);

#endif
