/* test_netaddr.c — strict IP literals, CIDR lists, rate keys and the X-Forwarded-For walk. */
#include "bw_test.h"

#include "bulwark/netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/un.h>

static struct bw_netaddr addr(const char *s)
{
	struct bw_netaddr a;

	if (bw_netaddr_parse(bw_str_c(s), &a) != BW_OK)
		fail_msg("test address %s did not parse", s);
	return a;
}

static void assert_formats_as(const char *in, const char *want)
{
	struct bw_netaddr a = addr(in);
	char buf[BW_NETADDR_STR_SIZE];

	assert_string_equal(bw_netaddr_format(&a, buf), want);
}

static void parse_accepts_literals(void **state)
{
	struct bw_netaddr a;

	(void)state;
	a = addr("192.0.2.1");
	assert_int_equal(a.family, BW_NETADDR_V4);
	assert_int_equal(a.bytes[0], 192);
	assert_int_equal(a.bytes[3], 1);
	for (size_t i = 4; i < 16; i++)
		assert_int_equal(a.bytes[i], 0);
	assert_formats_as("0.0.0.0", "0.0.0.0");
	assert_formats_as("255.255.255.255", "255.255.255.255");
	assert_formats_as("10.0.0.0", "10.0.0.0");
	a = addr("::1");
	assert_int_equal(a.family, BW_NETADDR_V6);
	assert_int_equal(a.bytes[15], 1);
	/* RFC 5952 output: lower case, leading zeros dropped, longest run compressed */
	assert_formats_as("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1");
	assert_formats_as("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");
	assert_formats_as("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
	assert_formats_as("::", "::");
}

static void parse_refuses_non_canonical_and_junk(void **state)
{
	static const char *const bad[] = {
	        "",
	        "010.1.1.1",
	        "1.2.3.04",
	        "1.02.3.4",
	        "00.1.2.3",
	        "::ffff:1.2.3.04",
	        "::ffff:010.2.3.4",
	        "fe80::1%eth0",
	        "fe80::1%1",
	        " 1.2.3.4",
	        "1.2.3.4 ",
	        "\t::1",
	        "[::1]",
	        "1.2.3.4:80",
	        "[::1]:443",
	        "1.2.3",
	        "1.2.3.4.5",
	        "1..2.3",
	        "1.2.3.",
	        ".1.2.3",
	        "256.1.1.1",
	        "1.2.3.4/32",
	        "0x1.2.3.4",
	        "1.2.3.4\n",
	        ":::",
	        "1:2:3:4:5:6:7:8:9",
	        "12345::",
	        "::ffff:1.2.3",
	        "g::1",
	        "-1.2.3.4",
	        "１.2.3.4",
	        "2001:db8::1::2",
	};
	struct bw_netaddr a;
	char longest[100];

	(void)state;
	memset(&a, 0x5A, sizeof(a));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (bw_netaddr_parse(bw_str_c(bad[i]), &a) != BW_ERR_INVALID)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(a.family, 0x5A); /* untouched on error */
	}
	/* an embedded NUL must not cut the literal short for inet_pton */
	assert_int_equal(bw_netaddr_parse((struct bw_str){"1.2.3.4\0junk", 12}, &a),
	                 BW_ERR_INVALID);
	assert_int_equal(bw_netaddr_parse((struct bw_str){"1.2.3.4\0", 8}, &a), BW_ERR_INVALID);
	/* longer than any literal */
	memset(longest, '0', sizeof(longest));
	memcpy(longest, "0:0:0:0:0:0:0:", 14);
	assert_int_equal(bw_netaddr_parse((struct bw_str){longest, 46}, &a), BW_ERR_INVALID);
	assert_int_equal(bw_netaddr_parse((struct bw_str){NULL, 0}, &a), BW_ERR_INVALID);
	/* the longest valid literal (45 bytes) still parses */
	assert_int_equal(
	        bw_netaddr_parse(BW_STR("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"), &a),
	        BW_OK);
	assert_int_equal(a.family, BW_NETADDR_V6);
}

static void mapped_ipv6_is_ipv4(void **state)
{
	struct bw_netaddr a = addr("::ffff:192.0.2.7"), b = addr("192.0.2.7");
	struct bw_netaddr c = addr("::FFFF:c000:0207");
	struct sockaddr_in6 sin6;
	char buf[BW_NETADDR_STR_SIZE];

	(void)state;
	assert_int_equal(a.family, BW_NETADDR_V4);
	assert_true(bw_netaddr_equal(&a, &b));
	assert_true(bw_netaddr_equal(&c, &b));
	assert_string_equal(bw_netaddr_format(&a, buf), "192.0.2.7");
	/* not mapped: IPv4-compatible and NAT64 forms stay IPv6 */
	assert_int_equal(addr("::192.0.2.7").family, BW_NETADDR_V6);
	assert_int_equal(addr("64:ff9b::192.0.2.7").family, BW_NETADDR_V6);
	assert_int_equal(addr("::fffe:192.0.2.7").family, BW_NETADDR_V6);

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(443);
	assert_int_equal(inet_pton(AF_INET6, "::ffff:192.0.2.7", &sin6.sin6_addr), 1);
	assert_int_equal(bw_netaddr_from_sockaddr((const struct sockaddr *)&sin6, &c), BW_OK);
	assert_true(bw_netaddr_equal(&c, &b));
}

static void sockaddr_families(void **state)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr_un sun;
	struct bw_netaddr a, want = addr("2001:db8::42");

	(void)state;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(80);
	sin.sin_addr.s_addr = htonl(0x0A000001);
	assert_int_equal(bw_netaddr_from_sockaddr((const struct sockaddr *)&sin, &a), BW_OK);
	assert_int_equal(a.family, BW_NETADDR_V4);
	assert_int_equal(a.bytes[0], 10);
	assert_int_equal(a.bytes[3], 1);

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	memcpy(&sin6.sin6_addr, want.bytes, 16);
	assert_int_equal(bw_netaddr_from_sockaddr((const struct sockaddr *)&sin6, &a), BW_OK);
	assert_true(bw_netaddr_equal(&a, &want));

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memset(&a, 0x5A, sizeof(a));
	assert_int_equal(bw_netaddr_from_sockaddr((const struct sockaddr *)&sun, &a),
	                 BW_ERR_INVALID);
	assert_int_equal(a.family, 0x5A);
	assert_int_equal(bw_netaddr_from_sockaddr(NULL, &a), BW_ERR_INVALID);
}

static void rate_key_groups_ipv6_by_64(void **state)
{
	uint8_t k1[BW_NETADDR_KEY_SIZE], k2[BW_NETADDR_KEY_SIZE], k3[BW_NETADDR_KEY_SIZE];
	struct bw_netaddr a;
	static const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1};

	(void)state;
	a = addr("2001:db8:1:2:aaaa::1");
	bw_netaddr_rate_key(&a, k1);
	a = addr("2001:db8:1:2:ffff:ffff:ffff:ffff");
	bw_netaddr_rate_key(&a, k2);
	assert_memory_equal(k1, k2, sizeof(k1));
	for (size_t i = 8; i < 16; i++)
		assert_int_equal(k1[i], 0);
	a = addr("2001:db8:1:3::1"); /* the next /64 */
	bw_netaddr_rate_key(&a, k3);
	assert_memory_not_equal(k1, k3, sizeof(k1));

	/* IPv4 keeps all 32 bits, in mapped form, and its neighbours differ */
	a = addr("192.0.2.1");
	bw_netaddr_rate_key(&a, k1);
	assert_memory_equal(k1, mapped, sizeof(mapped));
	a = addr("192.0.2.2");
	bw_netaddr_rate_key(&a, k2);
	assert_memory_not_equal(k1, k2, sizeof(k1));
	/* the IPv6 network ::ffff:0:0/64 prefix is not the IPv4 key */
	a = addr("::ffff:0:0:c000:201");
	bw_netaddr_rate_key(&a, k3);
	assert_memory_not_equal(k1, k3, sizeof(k1));
}

static void assert_cidr(const char *in, const char *want)
{
	struct bw_cidr c;
	char buf[BW_CIDR_STR_SIZE];

	if (bw_cidr_parse(bw_str_c(in), &c) != BW_OK)
		fail_msg("refused network %s", in);
	assert_string_equal(bw_cidr_format(&c, buf), want);
}

static void cidr_parse_strict(void **state)
{
	static const char *const bad[] = {
	        "",
	        "/8",
	        "10.0.0.1/8",
	        "10.0.0.0/33",
	        "10.0.0.0/08",
	        "10.0.0.0/",
	        "10.0.0.0/-1",
	        "10.0.0.0/+8",
	        "10.0.0.0/8 ",
	        "10.0.0.0 /8",
	        "10.0.0.0/ 8",
	        "10.0.0.0/8/8",
	        "::/129",
	        "2001:db8::1/32",
	        "::ffff:0:0/80",
	        "::ffff:10.0.0.0/95",
	        "10.128.0.0/8",
	        "010.0.0.0/8",
	        "fe80::%1/64",
	        "10.0.0.0/1e1",
	        "0.0.0.1/0",
	};
	struct bw_cidr c;

	(void)state;
	assert_cidr("10.0.0.0/8", "10.0.0.0/8");
	assert_cidr("0.0.0.0/0", "0.0.0.0/0");
	assert_cidr("192.0.2.1", "192.0.2.1/32");
	assert_cidr("192.0.2.0/31", "192.0.2.0/31");
	assert_cidr("::/0", "::/0");
	assert_cidr("::1", "::1/128");
	assert_cidr("2001:db8::/32", "2001:db8::/32");
	assert_cidr("::ffff:10.0.0.0/104", "10.0.0.0/8");
	assert_cidr("::ffff:0:0/96", "0.0.0.0/0");
	assert_cidr("::ffff:192.0.2.9", "192.0.2.9/32");
	memset(&c, 0x5A, sizeof(c));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (bw_cidr_parse(bw_str_c(bad[i]), &c) != BW_ERR_INVALID)
			fail_msg("accepted network \"%s\"", bad[i]);
		assert_int_equal(c.prefix, 0x5A);
	}
}

static bool in(const char *net, const char *a)
{
	struct bw_cidr c;
	struct bw_netaddr x = addr(a);

	if (bw_cidr_parse(bw_str_c(net), &c) != BW_OK)
		fail_msg("refused network %s", net);
	return bw_cidr_contains(&c, &x);
}

static void cidr_membership_boundaries(void **state)
{
	(void)state;
	assert_true(in("10.0.0.0/8", "10.0.0.0"));
	assert_true(in("10.0.0.0/8", "10.255.255.255"));
	assert_false(in("10.0.0.0/8", "11.0.0.0"));
	assert_false(in("10.0.0.0/8", "9.255.255.255"));
	assert_true(in("192.0.2.0/31", "192.0.2.1"));
	assert_false(in("192.0.2.0/31", "192.0.2.2"));
	assert_true(in("192.0.2.1/32", "192.0.2.1"));
	assert_false(in("192.0.2.1/32", "192.0.2.0"));
	assert_true(in("0.0.0.0/0", "203.0.113.9"));
	assert_false(in("0.0.0.0/0", "::1")); /* families never mix */
	assert_false(in("::/0", "203.0.113.9"));
	assert_true(in("::/0", "2001:db8::1"));
	assert_true(in("2001:db8::/33", "2001:db8:7fff:ffff::1"));
	assert_false(in("2001:db8::/33", "2001:db8:8000::"));
	assert_true(in("::1/128", "::1"));
	assert_false(in("::1/128", "::2"));
	/* a mapped client and a mapped network both meet IPv4 */
	assert_true(in("10.0.0.0/8", "::ffff:10.1.2.3"));
	assert_true(in("::ffff:10.0.0.0/104", "10.1.2.3"));
}

static void cidr_list_parse(void **state)
{
	struct bw_cidr_list l, keep;
	struct bw_netaddr a;
	char *big;
	size_t n;

	(void)state;
	assert_int_equal(bw_cidr_list_parse(BW_STR("10.0.0.0/8, ::1/128"), &l), BW_OK);
	assert_int_equal(l.count, 2);
	a = addr("10.9.8.7");
	assert_true(bw_cidr_list_contains(&l, &a));
	a = addr("::1");
	assert_true(bw_cidr_list_contains(&l, &a));
	a = addr("192.0.2.1");
	assert_false(bw_cidr_list_contains(&l, &a));
	assert_int_equal(bw_cidr_list_parse(BW_STR("\t10.0.0.0/8 ,\t::1 "), &l), BW_OK);
	assert_int_equal(l.count, 2);
	assert_int_equal(bw_cidr_list_parse(BW_STR(""), &l), BW_OK);
	assert_int_equal(l.count, 0);
	assert_false(bw_cidr_list_contains(&l, &a));
	assert_false(bw_cidr_list_contains(NULL, &a));

	/* all or nothing: a failed parse leaves the old list */
	assert_int_equal(bw_cidr_list_parse(BW_STR("192.0.2.0/24"), &keep), BW_OK);
	static const char *const bad[] = {
	        "10.0.0.0/8,,::1",        "10.0.0.0/8,",    ",10.0.0.0/8",     " ",
	        "10.0.0.0/8, 10.0.0.1/8", "10.0.0.0/8;::1", "10.0.0.0/8\n,::1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		l = keep;
		if (bw_cidr_list_parse(bw_str_c(bad[i]), &l) != BW_ERR_INVALID)
			fail_msg("accepted list \"%s\"", bad[i]);
		assert_int_equal(l.count, 1);
		assert_memory_equal(&l, &keep, sizeof(l));
	}

	/* exactly BW_CIDR_LIST_MAX entries fit, one more is a limit */
	big = calloc(1, BW_CIDR_LIST_TEXT_MAX + 2);
	assert_non_null(big);
	n = 0;
	for (int i = 0; i < BW_CIDR_LIST_MAX; i++)
		n += (size_t)snprintf(big + n, 32, "%s10.0.%d.0/24", i ? "," : "", i);
	assert_int_equal(bw_cidr_list_parse((struct bw_str){big, n}, &l), BW_OK);
	assert_int_equal(l.count, BW_CIDR_LIST_MAX);
	n += (size_t)snprintf(big + n, 32, ",10.1.0.0/24");
	l = keep;
	assert_int_equal(bw_cidr_list_parse((struct bw_str){big, n}, &l), BW_ERR_LIMIT);
	assert_memory_equal(&l, &keep, sizeof(l));
	/* text over the cap is refused before it is read */
	memset(big, ' ', BW_CIDR_LIST_TEXT_MAX + 1);
	memcpy(big, "::1", 3);
	assert_int_equal(bw_cidr_list_parse((struct bw_str){big, BW_CIDR_LIST_TEXT_MAX + 1}, &l),
	                 BW_ERR_LIMIT);
	assert_int_equal(bw_cidr_list_parse((struct bw_str){big, BW_CIDR_LIST_TEXT_MAX}, &l),
	                 BW_OK);
	free(big);
}

/* The client address for a peer, an X-Forwarded-For value and a trust list. */
static const char *client(const char *peer, const char *xff, const char *trusted)
{
	static char buf[BW_NETADDR_STR_SIZE];
	struct sockaddr_storage ss;
	struct bw_netaddr p = addr(peer), out;
	struct bw_cidr_list l;

	memset(&ss, 0, sizeof(ss));
	if (p.family == BW_NETADDR_V4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, p.bytes, 4);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, p.bytes, 16);
	}
	if (bw_cidr_list_parse(bw_str_c(trusted), &l) != BW_OK)
		fail_msg("bad trust list %s", trusted);
	if (bw_netaddr_client((const struct sockaddr *)&ss, xff, &l, &out) != BW_OK)
		fail_msg("client failed");
	return bw_netaddr_format(&out, buf);
}

static void xff_untrusted_peer_is_the_client(void **state)
{
	(void)state;
	/* trust is off by default: an empty list */
	assert_string_equal(client("203.0.113.5", "1.2.3.4", ""), "203.0.113.5");
	/* a peer outside the list cannot speak for anyone */
	assert_string_equal(client("203.0.113.5", "1.2.3.4, 10.0.0.2", "10.0.0.0/8"),
	                    "203.0.113.5");
	assert_string_equal(client("10.0.0.1", NULL, "10.0.0.0/8"), "10.0.0.1");
}

static void xff_trusted_chain(void **state)
{
	(void)state;
	assert_string_equal(client("10.0.0.1", "1.2.3.4, 10.0.0.2", "10.0.0.0/8"), "1.2.3.4");
	assert_string_equal(client("10.0.0.1", "1.2.3.4", "10.0.0.0/8"), "1.2.3.4");
	assert_string_equal(client("10.0.0.1", "1.2.3.4,10.0.0.2", "10.0.0.0/8"), "1.2.3.4");
	assert_string_equal(client("10.0.0.1", "2001:db8::7 , 10.0.0.2", "10.0.0.0/8"),
	                    "2001:db8::7");
	assert_string_equal(client("::1", "192.0.2.44", "::1/128"), "192.0.2.44");
	/* a mapped peer is matched against the IPv4 list */
	assert_string_equal(client("::ffff:10.0.0.1", "1.2.3.4", "10.0.0.0/8"), "1.2.3.4");
	/* a mapped entry comes back as IPv4 */
	assert_string_equal(client("10.0.0.1", "::ffff:1.2.3.4", "10.0.0.0/8"), "1.2.3.4");
	/* every hop trusted: the leftmost, which a trusted proxy wrote */
	assert_string_equal(client("10.0.0.1", "10.0.0.3, 10.0.0.2", "10.0.0.0/8"), "10.0.0.3");
}

static void xff_spoofed_leftmost_ignored(void **state)
{
	(void)state;
	/* the attacker wrote "6.6.6.6" and "10.0.0.9"; the proxy appended the real address */
	assert_string_equal(client("10.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.2", "10.0.0.0/8"),
	                    "1.2.3.4");
	assert_string_equal(client("10.0.0.1", "10.0.0.9, 1.2.3.4", "10.0.0.0/8"), "1.2.3.4");
	assert_string_equal(client("10.0.0.1", "garbage, 1.2.3.4", "10.0.0.0/8"), "1.2.3.4");
	assert_string_equal(client("10.0.0.1", "::1, 1.2.3.4", "10.0.0.0/8, ::1"), "1.2.3.4");
}

static void xff_malformed_falls_back_to_peer(void **state)
{
	static const char *const bad[] = {
	        "",
	        "garbage",
	        "1.2.3.4, garbage",
	        "garbage, 10.0.0.2",
	        "1.2.3.4,",
	        "1.2.3.4,,10.0.0.2",
	        "1.2.3.4:80",
	        "[2001:db8::1]",
	        "unknown",
	        "010.2.3.4",
	        "fe80::1%eth0",
	        "1.2.3.4 10.0.0.2",
	        "1.2.3.4\n",
	        ",",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *got = client("10.0.0.1", bad[i], "10.0.0.0/8");

		if (strcmp(got, "10.0.0.1") != 0)
			fail_msg("XFF \"%s\" gave %s", bad[i], got);
	}
}

static void xff_length_cap(void **state)
{
	char *xff = malloc(BW_NETADDR_XFF_MAX + 2);
	size_t tail = strlen(",1.2.3.4");

	(void)state;
	assert_non_null(xff);
	/* a long run of attacker junk on the left does not matter when it fits */
	memset(xff, 'x', BW_NETADDR_XFF_MAX);
	memcpy(xff + BW_NETADDR_XFF_MAX - tail, ",1.2.3.4", tail);
	xff[BW_NETADDR_XFF_MAX] = '\0';
	assert_string_equal(client("10.0.0.1", xff, "10.0.0.0/8"), "1.2.3.4");
	/* one byte over: refused as a whole, the peer it is */
	memset(xff, 'x', BW_NETADDR_XFF_MAX + 1);
	memcpy(xff + BW_NETADDR_XFF_MAX + 1 - tail, ",1.2.3.4", tail);
	xff[BW_NETADDR_XFF_MAX + 1] = '\0';
	assert_string_equal(client("10.0.0.1", xff, "10.0.0.0/8"), "10.0.0.1");
	free(xff);
}

static void xff_bad_peer_and_null_list(void **state)
{
	struct sockaddr_un sun;
	struct sockaddr_in sin;
	struct bw_netaddr out;

	(void)state;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_int_equal(bw_netaddr_client((const struct sockaddr *)&sun, "1.2.3.4", NULL, &out),
	                 BW_ERR_INVALID);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x0A000001);
	assert_int_equal(bw_netaddr_client((const struct sockaddr *)&sin, "1.2.3.4", NULL, &out),
	                 BW_OK);
	assert_int_equal(out.bytes[0], 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(parse_accepts_literals),
	        cmocka_unit_test(parse_refuses_non_canonical_and_junk),
	        cmocka_unit_test(mapped_ipv6_is_ipv4),
	        cmocka_unit_test(sockaddr_families),
	        cmocka_unit_test(rate_key_groups_ipv6_by_64),
	        cmocka_unit_test(cidr_parse_strict),
	        cmocka_unit_test(cidr_membership_boundaries),
	        cmocka_unit_test(cidr_list_parse),
	        cmocka_unit_test(xff_untrusted_peer_is_the_client),
	        cmocka_unit_test(xff_trusted_chain),
	        cmocka_unit_test(xff_spoofed_leftmost_ignored),
	        cmocka_unit_test(xff_malformed_falls_back_to_peer),
	        cmocka_unit_test(xff_length_cap),
	        cmocka_unit_test(xff_bad_peer_and_null_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
