/*
 * netaddr.h — client IP addresses: strict literals, CIDR lists, the
 * X-Forwarded-For walk, rate-limit keys and log formatting.
 *
 * An address is a small value type. IPv4-mapped IPv6 (::ffff:a.b.c.d) is
 * normalised to plain IPv4 everywhere (parsing, sockets, CIDR lists), so one
 * client has one spelling and an allowlist cannot be sidestepped by writing
 * the same address the other way. Parsers reject rather than repair: no zone
 * ids, no brackets, no ports, no spaces, no leading zeros in IPv4 octets.
 *
 * Forwarding headers are attacker-controlled unless a trusted proxy wrote
 * them; bw_netaddr_client trusts X-Forwarded-For only from a configured proxy
 * and reads it from the right, so spoofed leftmost entries never count.
 */
#ifndef BULWARK_NETADDR_H
#define BULWARK_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include "bulwark/err.h"
#include "bulwark/str.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Address families of a struct bw_netaddr. */
#define BW_NETADDR_V4 4
#define BW_NETADDR_V6 6

/** Size of a buffer for bw_netaddr_format (INET6_ADDRSTRLEN, NUL included). */
#define BW_NETADDR_STR_SIZE 46
/** Size of a buffer for bw_cidr_format ("address/128" and a NUL). */
#define BW_CIDR_STR_SIZE 50
/** Bytes of a rate-limit key made by bw_netaddr_rate_key. */
#define BW_NETADDR_KEY_SIZE 16
/** Most entries of a struct bw_cidr_list. */
#define BW_CIDR_LIST_MAX 64
/** Longest CIDR list text bw_cidr_list_parse reads. */
#define BW_CIDR_LIST_TEXT_MAX 4096
/** Longest X-Forwarded-For value bw_netaddr_client reads; longer is malformed. */
#define BW_NETADDR_XFF_MAX 8192

/**
 * An IP address. family is BW_NETADDR_V4 or BW_NETADDR_V6; bytes are in
 * network order, an IPv4 address in bytes[0..3] with the rest zero. Never an
 * IPv4-mapped IPv6 address: those are stored as IPv4.
 */
struct bw_netaddr {
	uint8_t family;
	uint8_t bytes[16];
};

/** A network: addr with every bit past prefix zero (prefix ≤ 32 or ≤ 128). */
struct bw_cidr {
	struct bw_netaddr addr;
	uint8_t prefix;
};

/**
 * A bounded list of networks (trusted proxies, allowlists). A zeroed list is
 * empty, and an empty list contains nothing, so "trust no proxy" is the
 * default.
 */
struct bw_cidr_list {
	struct bw_cidr items[BW_CIDR_LIST_MAX];
	size_t count;
};

/**
 * bw_netaddr_parse - a strict IPv4 or IPv6 literal (s borrowed, not kept).
 *
 * Accepts what inet_pton accepts, minus leading zeros in IPv4 octets (also
 * inside IPv6 such as ::ffff:1.2.3.04), and refuses zone ids ("fe80::1%eth0"),
 * brackets, ports, spaces, NUL bytes and anything longer than 45 bytes.
 * IPv4-mapped IPv6 comes out as IPv4. BW_ERR_INVALID on any refusal; *out is
 * written only on BW_OK.
 */
BW_MUST_CHECK enum bw_err bw_netaddr_parse(struct bw_str s, struct bw_netaddr *out);

/**
 * bw_netaddr_from_sockaddr - the address of an AF_INET or AF_INET6 socket
 * address (borrowed; the port is dropped; mapped IPv6 becomes IPv4).
 * BW_ERR_INVALID for any other family (AF_UNIX, …) or a NULL sa.
 */
BW_MUST_CHECK enum bw_err bw_netaddr_from_sockaddr(const struct sockaddr *sa,
                                                   struct bw_netaddr *out);

/**
 * bw_netaddr_format - the address for logs and headers into out: dotted
 * IPv4 or RFC 5952 IPv6 (lower case, longest zero run compressed), which
 * bw_netaddr_parse reads back to the same bytes. Returns out. A struct that
 * did not come from this module (bad family) is a programming error: abort.
 */
const char *bw_netaddr_format(const struct bw_netaddr *a, char out[BW_NETADDR_STR_SIZE]);

/** bw_netaddr_equal - same family and same address bytes. */
bool bw_netaddr_equal(const struct bw_netaddr *a, const struct bw_netaddr *b);

/**
 * bw_netaddr_rate_key - the bytes one client is rate-limited under: an IPv4
 * address whole (as ::ffff:a.b.c.d), an IPv6 address by its /64 prefix (the
 * rest zero), since one IPv6 host usually holds a whole /64. The two forms
 * never collide: a /64 key has bytes 10-11 zero, a mapped IPv4 has 0xffff.
 */
void bw_netaddr_rate_key(const struct bw_netaddr *a, uint8_t out[BW_NETADDR_KEY_SIZE]);

/**
 * bw_cidr_parse - one network, "10.0.0.0/8" or "2001:db8::/32"; a bare
 * address means a single host (/32 or /128). The prefix is a strict decimal
 * (no sign, no leading zero) within the family's width; host bits set
 * ("10.0.0.1/8") are refused, not masked. "::ffff:a.b.c.d/n" with n ≥ 96
 * becomes the IPv4 network a.b.c.d/(n - 96). BW_ERR_INVALID on any refusal;
 * *out is written only on BW_OK.
 */
BW_MUST_CHECK enum bw_err bw_cidr_parse(struct bw_str s, struct bw_cidr *out);

/** bw_cidr_contains - whether a lies in c (an IPv4 address is never in an IPv6 network). */
bool bw_cidr_contains(const struct bw_cidr *c, const struct bw_netaddr *a);

/** bw_cidr_format - "address/prefix" into out; returns out (abort on a bad family). */
const char *bw_cidr_format(const struct bw_cidr *c, char out[BW_CIDR_STR_SIZE]);

/** bw_cidr_list_init - make l empty. */
void bw_cidr_list_init(struct bw_cidr_list *l);

/**
 * bw_cidr_list_parse - a comma-separated list, "10.0.0.0/8, ::1/128" (s
 * borrowed). Spaces and tabs are allowed around commas only; an empty entry
 * ("a,,b", a trailing comma) is refused; the empty string gives an empty
 * list. All or nothing: on an error *out is left as it was. BW_ERR_INVALID
 * for a bad entry, BW_ERR_LIMIT for more than BW_CIDR_LIST_MAX entries or a
 * text over BW_CIDR_LIST_TEXT_MAX bytes.
 */
BW_MUST_CHECK enum bw_err bw_cidr_list_parse(struct bw_str s, struct bw_cidr_list *out);

/** bw_cidr_list_contains - whether a lies in any network of l. */
bool bw_cidr_list_contains(const struct bw_cidr_list *l, const struct bw_netaddr *a);

/**
 * bw_netaddr_client - the address of the client behind a request.
 *
 * peer is the socket's remote address (borrowed). When xff_header (the
 * X-Forwarded-For value, borrowed, may be NULL) is absent or peer is not in
 * trusted (borrowed, may be NULL = trust nobody), the answer is peer.
 * Otherwise the entries are read from the right: trusted proxies are
 * skipped and the first untrusted address is the client; if every entry is
 * trusted the leftmost is. A malformed entry met on the way (garbage, a
 * port, brackets, an empty entry) or a value over BW_NETADDR_XFF_MAX bytes
 * falls back to the peer — never to the attacker-written part to its left.
 * The caller must pass every X-Forwarded-For line joined by commas in order
 * (or refuse a request with several). BW_ERR_INVALID only when peer is not an
 * IP socket address; *out is written only on BW_OK.
 */
BW_MUST_CHECK enum bw_err bw_netaddr_client(const struct sockaddr *peer, const char *xff_header,
                                            const struct bw_cidr_list *trusted,
                                            struct bw_netaddr *out);

#ifdef __cplusplus
}
#endif
#endif
