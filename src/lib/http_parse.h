/*
 * http_parse.h — (internal) the small parsers of the HTTP pipeline that work
 * on header values: Host / authority splitting and the allowlist match, and
 * media types. Kept apart from the engine so they can be fuzzed alone.
 */
#ifndef BULWARK_HTTP_PARSE_H
#define BULWARK_HTTP_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "bulwark/str.h"

/**
 * bw_http_split_authority - "host", "host:port", "[v6]" or "[v6]:port" into
 * host (brackets kept) and port (empty when absent). false for an empty
 * host, an empty port after ':', an unclosed bracket or junk after it.
 * Both parts borrow from a.
 */
bool bw_http_split_authority(struct bw_str a, struct bw_str *host, struct bw_str *port);

/**
 * bw_http_host_allowed - whether authority (a Host value or the authority of
 * an absolute-form target) is allowed by hosts (NULL-terminated, may be
 * NULL = nothing allowed). Host names compare case-insensitively. An entry
 * with a port needs exactly that port; one without accepts no port or
 * listen_port. A port must be canonical decimal 1-65535.
 */
bool bw_http_host_allowed(const char *const *hosts, uint16_t listen_port, struct bw_str authority);

/**
 * bw_http_media_type_is - whether a Content-Type value is the media type
 * want (case-insensitive), with no parameter or only charset=utf-8.
 * ct may be NULL (false).
 */
bool bw_http_media_type_is(const char *ct, const char *want);

#endif
