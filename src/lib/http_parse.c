/*
 * http_parse.c — Host/authority and media-type parsing for the pipeline.
 * Strict: anything unexpected is a mismatch, never a best guess.
 */
#include "http_parse.h"

#include <string.h>
#include <strings.h>

/*
 * Host (or an absolute-form authority) against the allowlist. Names compare
 * case-insensitively. An entry with a port ("example.com:8443") needs that
 * port; an entry without one accepts no port or the port we listen on.
 */
bool bw_http_split_authority(struct bw_str a, struct bw_str *host, struct bw_str *port)
{
	size_t colon = a.len;

	*port = (struct bw_str){"", 0};
	if (a.len > 0 && a.p[0] == '[') {
		size_t close = 1;

		while (close < a.len && a.p[close] != ']')
			close++;
		if (close == a.len)
			return false;
		*host = (struct bw_str){a.p, close + 1};
		if (close + 1 == a.len)
			return true;
		if (a.p[close + 1] != ':')
			return false;
		*port = (struct bw_str){a.p + close + 2, a.len - close - 2};
		return port->len > 0;
	}
	for (size_t i = 0; i < a.len; i++)
		if (a.p[i] == ':') {
			colon = i;
			break;
		}
	*host = (struct bw_str){a.p, colon};
	if (colon < a.len) {
		*port = (struct bw_str){a.p + colon + 1, a.len - colon - 1};
		if (port->len == 0)
			return false;
	}
	return host->len > 0;
}

bool bw_http_host_allowed(const char *const *hosts, uint16_t listen_port, struct bw_str authority)
{
	struct bw_str host, port;
	uint64_t portnum = 0;

	if (hosts == NULL || !bw_http_split_authority(authority, &host, &port))
		return false;
	if (port.len > 0 && bw_parse_u64(port, 1, 65535, &portnum) != BW_OK)
		return false;
	for (size_t i = 0; hosts[i] != NULL; i++) {
		struct bw_str eh, ep;

		if (!bw_http_split_authority(bw_str_c(hosts[i]), &eh, &ep))
			continue;
		if (!bw_str_caseeq(host, eh))
			continue;
		if (ep.len > 0 ? bw_str_eq(ep, port) : (port.len == 0 || portnum == listen_port))
			return true;
	}
	return false;
}

/* Media type of a Content-Type value, parameters dropped; only charset=utf-8 is allowed. */
bool bw_http_media_type_is(const char *ct, const char *want)
{
	size_t n = strlen(want), i;

	if (ct == NULL || strncasecmp(ct, want, n) != 0)
		return false;
	i = n;
	while (ct[i] == ' ' || ct[i] == '\t')
		i++;
	if (ct[i] == '\0')
		return true;
	if (ct[i] != ';')
		return false;
	i++;
	while (ct[i] == ' ' || ct[i] == '\t')
		i++;
	if (strncasecmp(ct + i, "charset=", 8) != 0)
		return false;
	i += 8;
	return strcasecmp(ct + i, "utf-8") == 0 || strcasecmp(ct + i, "\"utf-8\"") == 0;
}
