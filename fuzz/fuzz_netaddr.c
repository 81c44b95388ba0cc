/*
 * fuzz_netaddr.c — IP literals, CIDR networks and lists, and the
 * X-Forwarded-For walk, with properties:
 *   - an accepted address formats and re-parses to the same bytes, and its
 *     text is stable; IPv4 keeps bytes 4..15 zero; no mapped IPv6 survives;
 *   - an accepted network re-parses from its text, has no host bits, and
 *     contains its own address; every list entry does too;
 *   - the client of an untrusted peer is the peer; any client re-parses.
 * Input for the walk: "trusted list \n X-Forwarded-For", the first byte
 * picking the peer.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/netaddr.h"

#define CHECK(c)                          \
	do {                              \
		if (!(c))                 \
			__builtin_trap(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_addr(const struct bw_netaddr *a)
{
	char text[BW_NETADDR_STR_SIZE], again[BW_NETADDR_STR_SIZE];
	struct bw_netaddr b;

	CHECK(a->family == BW_NETADDR_V4 || a->family == BW_NETADDR_V6);
	if (a->family == BW_NETADDR_V4)
		for (size_t i = 4; i < 16; i++)
			CHECK(a->bytes[i] == 0);
	else
		CHECK(!(memcmp(a->bytes, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0));
	bw_netaddr_format(a, text);
	CHECK(bw_netaddr_parse(bw_str_c(text), &b) == BW_OK);
	CHECK(bw_netaddr_equal(a, &b));
	CHECK(memcmp(a->bytes, b.bytes, 16) == 0);
	bw_netaddr_format(&b, again);
	CHECK(strcmp(text, again) == 0);
}

static void check_cidr(const struct bw_cidr *c)
{
	char text[BW_CIDR_STR_SIZE];
	struct bw_cidr d;

	check_addr(&c->addr);
	CHECK(c->prefix <= (c->addr.family == BW_NETADDR_V4 ? 32 : 128));
	CHECK(bw_cidr_contains(c, &c->addr));
	bw_cidr_format(c, text);
	CHECK(bw_cidr_parse(bw_str_c(text), &d) == BW_OK);
	CHECK(d.prefix == c->prefix && bw_netaddr_equal(&d.addr, &c->addr));
}

static void peer_of(uint8_t pick, struct sockaddr_storage *ss, struct bw_netaddr *want)
{
	static const char *const peers[] = {"10.0.0.1", "203.0.113.7", "::1", "::ffff:10.0.0.2",
	                                    "2001:db8::1"};
	const char *p = peers[pick % (sizeof(peers) / sizeof(peers[0]))];

	memset(ss, 0, sizeof(*ss));
	CHECK(bw_netaddr_parse(bw_str_c(p), want) == BW_OK);
	if (strchr(p, ':') == NULL) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		CHECK(inet_pton(AF_INET, p, &sin->sin_addr) == 1);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		CHECK(inet_pton(AF_INET6, p, &sin6->sin6_addr) == 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bw_str s = {(const char *)data, size};
	struct bw_netaddr a, peer, client;
	struct bw_cidr c;
	struct bw_cidr_list l;
	struct sockaddr_storage ss;
	const uint8_t *nl;
	char *xff;

	if (bw_netaddr_parse(s, &a) == BW_OK)
		check_addr(&a);
	if (bw_cidr_parse(s, &c) == BW_OK)
		check_cidr(&c);
	if (bw_cidr_list_parse(s, &l) == BW_OK) {
		CHECK(l.count <= BW_CIDR_LIST_MAX);
		for (size_t i = 0; i < l.count; i++)
			check_cidr(&l.items[i]);
	}

	if (size < 1)
		return 0;
	nl = memchr(data + 1, '\n', size - 1);
	if (nl == NULL)
		return 0;
	if (bw_cidr_list_parse((struct bw_str){(const char *)data + 1, (size_t)(nl - data - 1)},
	                       &l) != BW_OK)
		return 0;
	xff = malloc(size);
	if (xff == NULL)
		return 0;
	memcpy(xff, nl + 1, size - (size_t)(nl - data) - 1);
	xff[size - (size_t)(nl - data) - 1] = '\0';
	peer_of(data[0], &ss, &peer);
	CHECK(bw_netaddr_client((const struct sockaddr *)&ss, xff, &l, &client) == BW_OK);
	check_addr(&client);
	if (!bw_cidr_list_contains(&l, &peer))
		CHECK(bw_netaddr_equal(&client, &peer));
	/* with no header the peer is the answer whatever the trust */
	CHECK(bw_netaddr_client((const struct sockaddr *)&ss, NULL, &l, &client) == BW_OK);
	CHECK(bw_netaddr_equal(&client, &peer));
	free(xff);
	return 0;
}
