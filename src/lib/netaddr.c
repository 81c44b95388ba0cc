/*
 * netaddr.c — strict IP literals, CIDR lists and the X-Forwarded-For walk.
 *
 * inet_pton does the core parsing; around it we refuse what different libcs
 * disagree on or what would let one address be spelled two ways (leading
 * zeros read as octal by some parsers, zone ids, stray characters), and we
 * fold IPv4-mapped IPv6 into IPv4 so every comparison sees one form.
 */
#include "bulwark/netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

/* Longest literal: a full IPv6 with an embedded IPv4 tail (INET6_ADDRSTRLEN - 1). */
#define ADDR_TEXT_MAX 45

static bool is_addr_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
	       c == ':' || c == '.';
}

/*
 * Whether the dotted-quad tail of a literal (all of it for IPv4, the part
 * after the last ':' for IPv6) is free of empty or zero-led octets. Some
 * parsers read "010" as octal 8; we accept only one spelling.
 */
static bool dotted_tail_ok(const char *p, size_t len)
{
	size_t start = 0, i;

	for (i = len; i > 0; i--)
		if (p[i - 1] == ':') {
			start = i;
			break;
		}
	if (memchr(p + start, '.', len - start) == NULL)
		return true;
	i = start;
	while (i <= len) {
		size_t j = i;

		while (j < len && p[j] != '.')
			j++;
		if (j == i || (j - i > 1 && p[i] == '0'))
			return false;
		i = j + 1;
	}
	return true;
}

/* Parse a literal without folding mapped IPv6; family and bytes on success. */
static enum bw_err parse_raw(const char *p, size_t len, uint8_t *family, uint8_t bytes[16])
{
	char buf[ADDR_TEXT_MAX + 1];
	bool v6 = false;

	if (p == NULL || len == 0 || len > ADDR_TEXT_MAX)
		return BW_ERR_INVALID;
	for (size_t i = 0; i < len; i++) {
		if (!is_addr_char((unsigned char)p[i]))
			return BW_ERR_INVALID;
		if (p[i] == ':')
			v6 = true;
	}
	if (!dotted_tail_ok(p, len))
		return BW_ERR_INVALID;
	memcpy(buf, p, len);
	buf[len] = '\0';
	memset(bytes, 0, 16);
	if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, bytes) != 1)
		return BW_ERR_INVALID;
	*family = v6 ? BW_NETADDR_V6 : BW_NETADDR_V4;
	return BW_OK;
}

static bool is_mapped(const uint8_t b[16])
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	return memcmp(b, prefix, sizeof(prefix)) == 0;
}

/* Fold ::ffff:a.b.c.d into IPv4 in place. */
static void normalise(struct bw_netaddr *a)
{
	if (a->family == BW_NETADDR_V6 && is_mapped(a->bytes)) {
		uint8_t v4[4];

		memcpy(v4, a->bytes + 12, 4);
		memset(a->bytes, 0, sizeof(a->bytes));
		memcpy(a->bytes, v4, 4);
		a->family = BW_NETADDR_V4;
	}
}

enum bw_err bw_netaddr_parse(struct bw_str s, struct bw_netaddr *out)
{
	struct bw_netaddr a;
	enum bw_err rc;

	BW_REQUIRE(out != NULL);
	memset(&a, 0, sizeof(a));
	rc = parse_raw(s.p, s.len, &a.family, a.bytes);
	if (rc != BW_OK)
		return rc;
	normalise(&a);
	*out = a;
	return BW_OK;
}

enum bw_err bw_netaddr_from_sockaddr(const struct sockaddr *sa, struct bw_netaddr *out)
{
	struct bw_netaddr a;

	BW_REQUIRE(out != NULL);
	if (sa == NULL)
		return BW_ERR_INVALID;
	memset(&a, 0, sizeof(a));
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in sin;

		memcpy(&sin, sa, sizeof(sin));
		memcpy(a.bytes, &sin.sin_addr, 4);
		a.family = BW_NETADDR_V4;
	} else if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 sin6;

		memcpy(&sin6, sa, sizeof(sin6));
		memcpy(a.bytes, &sin6.sin6_addr, 16);
		a.family = BW_NETADDR_V6;
		normalise(&a);
	} else {
		return BW_ERR_INVALID;
	}
	*out = a;
	return BW_OK;
}

static size_t addr_width(const struct bw_netaddr *a)
{
	if (a->family == BW_NETADDR_V4)
		return 32;
	if (a->family == BW_NETADDR_V6)
		return 128;
	bw_panic("netaddr: bad address family %u", (unsigned)a->family);
}

const char *bw_netaddr_format(const struct bw_netaddr *a, char out[BW_NETADDR_STR_SIZE])
{
	int af;

	BW_REQUIRE(a != NULL && out != NULL);
	af = addr_width(a) == 32 ? AF_INET : AF_INET6;
	if (inet_ntop(af, a->bytes, out, BW_NETADDR_STR_SIZE) == NULL)
		bw_panic("netaddr: inet_ntop failed");
	return out;
}

bool bw_netaddr_equal(const struct bw_netaddr *a, const struct bw_netaddr *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

void bw_netaddr_rate_key(const struct bw_netaddr *a, uint8_t out[BW_NETADDR_KEY_SIZE])
{
	memset(out, 0, BW_NETADDR_KEY_SIZE);
	if (addr_width(a) == 32) {
		out[10] = 0xff;
		out[11] = 0xff;
		memcpy(out + 12, a->bytes, 4);
	} else {
		memcpy(out, a->bytes, 8);
	}
}

/* Whether the first prefix bits of x and y agree. */
static bool prefix_equal(const uint8_t *x, const uint8_t *y, size_t prefix)
{
	size_t whole = prefix / 8, rest = prefix % 8;

	if (memcmp(x, y, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((x[whole] ^ y[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* Whether every bit of b from position prefix on is zero. */
static bool host_bits_zero(const uint8_t *b, size_t width, size_t prefix)
{
	for (size_t bit = prefix; bit < width; bit++)
		if (b[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}

enum bw_err bw_cidr_parse(struct bw_str s, struct bw_cidr *out)
{
	struct bw_cidr c;
	const char *slash;
	size_t alen, width;
	uint64_t prefix;
	enum bw_err rc;

	BW_REQUIRE(out != NULL);
	if (s.len == 0 || s.p == NULL)
		return BW_ERR_INVALID;
	memset(&c, 0, sizeof(c));
	slash = memchr(s.p, '/', s.len);
	alen = slash != NULL ? (size_t)(slash - s.p) : s.len;
	rc = parse_raw(s.p, alen, &c.addr.family, c.addr.bytes);
	if (rc != BW_OK)
		return rc;
	width = addr_width(&c.addr);
	if (slash != NULL) {
		struct bw_str digits = {slash + 1, s.len - alen - 1};

		rc = bw_parse_u64(digits, 0, width, &prefix);
		if (rc != BW_OK)
			return BW_ERR_INVALID;
	} else {
		prefix = width;
	}
	if (!host_bits_zero(c.addr.bytes, width, (size_t)prefix))
		return BW_ERR_INVALID;
	c.prefix = (uint8_t)prefix;
	/* A mapped network with prefix < 96 has host bits in the ffff: refused above. */
	if (c.addr.family == BW_NETADDR_V6 && is_mapped(c.addr.bytes)) {
		normalise(&c.addr);
		c.prefix = (uint8_t)(prefix - 96);
	}
	*out = c;
	return BW_OK;
}

bool bw_cidr_contains(const struct bw_cidr *c, const struct bw_netaddr *a)
{
	if (c->addr.family != a->family)
		return false;
	return prefix_equal(c->addr.bytes, a->bytes, c->prefix);
}

const char *bw_cidr_format(const struct bw_cidr *c, char out[BW_CIDR_STR_SIZE])
{
	char addr[BW_NETADDR_STR_SIZE];

	BW_REQUIRE(c != NULL && out != NULL);
	(void)bw_netaddr_format(&c->addr, addr);
	(void)snprintf(out, BW_CIDR_STR_SIZE, "%s/%u", addr, (unsigned)c->prefix);
	return out;
}

void bw_cidr_list_init(struct bw_cidr_list *l)
{
	memset(l, 0, sizeof(*l));
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Trim spaces and tabs from both ends of [*start, *end). */
static void trim_ows(const char *p, size_t *start, size_t *end)
{
	while (*start < *end && is_ows(p[*start]))
		(*start)++;
	while (*end > *start && is_ows(p[*end - 1]))
		(*end)--;
}

enum bw_err bw_cidr_list_parse(struct bw_str s, struct bw_cidr_list *out)
{
	struct bw_cidr_list l;
	size_t i = 0;

	BW_REQUIRE(out != NULL);
	if (s.len > BW_CIDR_LIST_TEXT_MAX)
		return BW_ERR_LIMIT;
	bw_cidr_list_init(&l);
	while (s.len > 0 && i <= s.len) {
		size_t start = i, end = i;
		enum bw_err rc;

		while (end < s.len && s.p[end] != ',')
			end++;
		i = end + 1;
		trim_ows(s.p, &start, &end);
		if (l.count == BW_CIDR_LIST_MAX)
			return BW_ERR_LIMIT;
		rc = bw_cidr_parse((struct bw_str){s.p + start, end - start}, &l.items[l.count]);
		if (rc != BW_OK)
			return rc;
		l.count++;
	}
	*out = l;
	return BW_OK;
}

bool bw_cidr_list_contains(const struct bw_cidr_list *l, const struct bw_netaddr *a)
{
	if (l == NULL)
		return false;
	for (size_t i = 0; i < l->count && i < BW_CIDR_LIST_MAX; i++)
		if (bw_cidr_contains(&l->items[i], a))
			return true;
	return false;
}

enum bw_err bw_netaddr_client(const struct sockaddr *peer, const char *xff_header,
                              const struct bw_cidr_list *trusted, struct bw_netaddr *out)
{
	struct bw_netaddr p, hop;
	size_t end;
	enum bw_err rc;

	BW_REQUIRE(out != NULL);
	rc = bw_netaddr_from_sockaddr(peer, &p);
	if (rc != BW_OK)
		return rc;
	*out = p;
	if (xff_header == NULL || !bw_cidr_list_contains(trusted, &p))
		return BW_OK;
	end = strnlen(xff_header, BW_NETADDR_XFF_MAX + 1);
	if (end > BW_NETADDR_XFF_MAX)
		return BW_OK;
	/* Right to left: each entry was appended by the hop to its right. */
	for (;;) {
		size_t start = end, s0, e = end;

		while (start > 0 && xff_header[start - 1] != ',')
			start--;
		s0 = start;
		trim_ows(xff_header, &s0, &e);
		if (bw_netaddr_parse((struct bw_str){xff_header + s0, e - s0}, &hop) != BW_OK)
			return BW_OK; /* malformed: *out stays the peer */
		if (!bw_cidr_list_contains(trusted, &hop) || start == 0) {
			*out = hop;
			return BW_OK;
		}
		end = start - 1;
	}
}
