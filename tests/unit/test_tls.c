/* test_tls.c — generated certificates, the on-disk pair checks, fingerprints and the TLS policy. */
#include "bw_test.h"

#include "bulwark/fsutil.h"
#include "bulwark/tls.h"

#include <ftw.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DAY 86400

static char tmpdir[512];
static char *hs_cert, *hs_key; /* the handshake tests' server pair */

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(p);
}

static int group_setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	if (bw_init() != BW_OK)
		return -1;
	if (tmp == NULL || tmp[0] == '\0')
		tmp = P_tmpdir;
	snprintf(tmpdir, sizeof(tmpdir), "%s/bw-tls-XXXXXX", tmp);
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	bw_tls_pem_free(hs_cert);
	bw_tls_pem_free(hs_key);
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* A fresh subdirectory per test, with cert and key paths in it. */
struct pair {
	char dir[600], cert[700], key[700];
};

static void pair_paths(struct pair *p, const char *name)
{
	snprintf(p->dir, sizeof(p->dir), "%s/%s", tmpdir, name);
	assert_int_equal(mkdir(p->dir, 0700), 0);
	snprintf(p->cert, sizeof(p->cert), "%s/cert.pem", p->dir);
	snprintf(p->key, sizeof(p->key), "%s/key.pem", p->dir);
}

static void put(const char *path, const void *data, size_t len, mode_t mode)
{
	FILE *fp;

	unlink(path);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static gnutls_x509_crt_t parse_cert(const char *pem)
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t d = {(unsigned char *)(uintptr_t)pem, (unsigned)strlen(pem)};

	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	assert_int_equal(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM), 0);
	return crt;
}

/* A certificate for the key in key_pem with the given validity, made directly with GnuTLS. */
static char *make_cert(const char *key_pem, time_t from, time_t until)
{
	gnutls_x509_privkey_t key;
	gnutls_x509_crt_t crt;
	gnutls_datum_t kd = {(unsigned char *)(uintptr_t)key_pem, (unsigned)strlen(key_pem)};
	gnutls_datum_t out;
	unsigned char serial[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	char *pem;

	assert_int_equal(gnutls_x509_privkey_init(&key), 0);
	assert_int_equal(gnutls_x509_privkey_import(key, &kd, GNUTLS_X509_FMT_PEM), 0);
	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	assert_int_equal(gnutls_x509_crt_set_version(crt, 3), 0);
	assert_int_equal(gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)), 0);
	assert_int_equal(gnutls_x509_crt_set_activation_time(crt, from), 0);
	assert_int_equal(gnutls_x509_crt_set_expiration_time(crt, until), 0);
	assert_int_equal(
	        gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "localhost", 9),
	        0);
	assert_int_equal(gnutls_x509_crt_set_key(crt, key), 0);
	assert_int_equal(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0), 0);
	assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &out), 0);
	pem = calloc(1, out.size + 1u);
	assert_non_null(pem);
	memcpy(pem, out.data, out.size);
	gnutls_free(out.data);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return pem;
}

static void gen_default(char **cert, char **key)
{
	static const char *const dns[] = {"localhost"};
	static const char *const ips[] = {"127.0.0.1"};

	assert_int_equal(bw_tls_selfsigned_generate(dns, 1, ips, 1, 30, cert, key), BW_OK);
}

static void generated_cert_has_the_profile(void **state)
{
	static const char *const dns[] = {"localhost", "api.example.test"};
	static const char *const ips[] = {"127.0.0.1", "::1"};
	static const unsigned char v4[4] = {127, 0, 0, 1};
	static const unsigned char v6[16] = {[15] = 1};
	char *cert = NULL, *key = NULL, *cert2 = NULL, *key2 = NULL;
	gnutls_x509_crt_t crt, crt2;
	gnutls_x509_privkey_t pk;
	gnutls_ecc_curve_t curve;
	gnutls_datum_t x, y, kd;
	unsigned char buf[512], s1[32], s2[32];
	size_t n, n1 = sizeof(s1), n2 = sizeof(s2);
	unsigned int critical, usage, ca, status = 99;
	int pathlen, type, dns_seen = 0, ip_seen = 0;
	time_t now = time(NULL);

	(void)state;
	assert_int_equal(bw_tls_selfsigned_generate(dns, 2, ips, 2, 90, &cert, &key), BW_OK);
	assert_non_null(strstr(cert, "-----BEGIN CERTIFICATE-----"));
	assert_non_null(strstr(key, "PRIVATE KEY-----"));
	crt = parse_cert(cert);

	assert_int_equal(gnutls_x509_crt_get_version(crt), 3);
	assert_int_equal(gnutls_x509_crt_get_pk_algorithm(crt, NULL), GNUTLS_PK_ECDSA);
	assert_int_equal(gnutls_x509_crt_get_pk_ecc_raw(crt, &curve, &x, &y), 0);
	assert_int_equal(curve, GNUTLS_ECC_CURVE_SECP256R1);
	gnutls_free(x.data);
	gnutls_free(y.data);
	assert_int_equal(gnutls_x509_crt_get_signature_algorithm(crt), GNUTLS_SIGN_ECDSA_SHA256);

	n = sizeof(buf);
	assert_int_equal(
	        gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, buf, &n), 0);
	assert_string_equal((char *)buf, "localhost");

	for (unsigned int i = 0;; i++) {
		n = sizeof(buf);
		type = gnutls_x509_crt_get_subject_alt_name(crt, i, buf, &n, &critical);
		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (type == GNUTLS_SAN_DNSNAME) {
			assert_string_equal((char *)buf, dns[dns_seen]);
			dns_seen++;
		} else if (type == GNUTLS_SAN_IPADDRESS) {
			assert_int_equal(n, ip_seen == 0 ? 4 : 16);
			assert_memory_equal(buf, ip_seen == 0 ? v4 : v6, n);
			ip_seen++;
		} else {
			fail_msg("unexpected SAN type %d", type);
		}
	}
	assert_int_equal(dns_seen, 2);
	assert_int_equal(ip_seen, 2);
	assert_int_equal(gnutls_x509_crt_check_hostname(crt, "localhost"), 1);
	assert_int_equal(gnutls_x509_crt_check_hostname(crt, "api.example.test"), 1);
	assert_int_equal(gnutls_x509_crt_check_hostname(crt, "127.0.0.1"), 1);
	assert_int_equal(gnutls_x509_crt_check_hostname(crt, "evil.example.test"), 0);

	ca = 99;
	assert_true(gnutls_x509_crt_get_basic_constraints(crt, &critical, &ca, &pathlen) >= 0);
	assert_int_equal(ca, 0);
	assert_int_equal(gnutls_x509_crt_get_key_usage(crt, &usage, &critical), 0);
	assert_int_equal(usage, GNUTLS_KEY_DIGITAL_SIGNATURE);
	n = sizeof(buf);
	assert_int_equal(gnutls_x509_crt_get_key_purpose_oid(crt, 0, buf, &n, &critical), 0);
	assert_string_equal((char *)buf, GNUTLS_KP_TLS_WWW_SERVER);
	n = sizeof(buf);
	assert_int_equal(gnutls_x509_crt_get_key_purpose_oid(crt, 1, buf, &n, &critical),
	                 GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE);
	n = sizeof(buf);
	assert_int_equal(gnutls_x509_crt_get_subject_key_id(crt, buf, &n, &critical), 0);
	assert_true(n > 0);

	assert_true(gnutls_x509_crt_get_activation_time(crt) <= now);
	assert_true(gnutls_x509_crt_get_expiration_time(crt) > now + 89 * DAY);
	assert_true(gnutls_x509_crt_get_expiration_time(crt) <= now + 90 * DAY + 5);
	assert_int_equal(gnutls_x509_crt_verify(crt, &crt, 1, 0, &status), 0);
	assert_int_equal(status, 0); /* the self-signature verifies */

	/* the key parses and belongs to the certificate */
	kd.data = (unsigned char *)key;
	kd.size = (unsigned)strlen(key);
	assert_int_equal(gnutls_x509_privkey_init(&pk), 0);
	assert_int_equal(gnutls_x509_privkey_import(pk, &kd, GNUTLS_X509_FMT_PEM), 0);
	assert_int_equal(gnutls_x509_privkey_get_key_id(pk, GNUTLS_KEYID_USE_SHA256, s1, &n1), 0);
	assert_int_equal(gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, s2, &n2), 0);
	assert_memory_equal(s1, s2, n1);
	gnutls_x509_privkey_deinit(pk);

	/* a second certificate: another serial (positive), another key */
	assert_int_equal(bw_tls_selfsigned_generate(dns, 1, NULL, 0, 1, &cert2, &key2), BW_OK);
	crt2 = parse_cert(cert2);
	n1 = sizeof(s1);
	n2 = sizeof(s2);
	assert_int_equal(gnutls_x509_crt_get_serial(crt, s1, &n1), 0);
	assert_int_equal(gnutls_x509_crt_get_serial(crt2, s2, &n2), 0);
	assert_int_equal(n1, 16);
	assert_int_equal(n2, 16);
	assert_int_equal(s1[0] & 0x80, 0);
	assert_int_equal(s2[0] & 0x80, 0);
	assert_false(n1 == n2 && memcmp(s1, s2, n1) == 0);
	assert_string_not_equal(key, key2);
	gnutls_x509_crt_deinit(crt2);
	gnutls_x509_crt_deinit(crt);
	bw_tls_pem_free(cert2);
	bw_tls_pem_free(key2);
	bw_tls_pem_free(cert);
	bw_tls_pem_free(key);
}

static void generate_refuses_bad_input(void **state)
{
	static const char *const bad_dns[] = {
	        "",    "-a",  "a-",          "a..b", ".a",   "a.", "a b", "*.example.test",
	        "a_b", "a\n", "caf\xc3\xa9", "a-.b", "a.-b",
	};
	static const char *const bad_ip[] = {"1.2.3", "256.1.1.1",  "localhost",   "::g",
	                                     "",      " 127.0.0.1", "127.0.0.1/8", "1.2.3.4.5"};
	static const char *const good[] = {"localhost"};
	const char *one[1];
	const char *many[BW_TLS_MAX_NAMES + 1];
	char label64[80], long_name[400], label63[80];
	char *cert = (char *)&cert, *key = (char *)&key;

	(void)state;
	for (size_t i = 0; i <= BW_TLS_MAX_NAMES; i++)
		many[i] = "localhost";
	assert_int_equal(bw_tls_selfsigned_generate(NULL, 0, NULL, 0, 30, &cert, &key),
	                 BW_ERR_RANGE);
	assert_null(cert);
	assert_null(key);
	assert_int_equal(
	        bw_tls_selfsigned_generate(many, BW_TLS_MAX_NAMES + 1, NULL, 0, 30, &cert, &key),
	        BW_ERR_RANGE);
	assert_int_equal(
	        bw_tls_selfsigned_generate(good, 1, many, BW_TLS_MAX_NAMES + 1, 30, &cert, &key),
	        BW_ERR_RANGE);
	assert_int_equal(bw_tls_selfsigned_generate(good, 1, NULL, 0, 0, &cert, &key),
	                 BW_ERR_RANGE);
	assert_int_equal(
	        bw_tls_selfsigned_generate(good, 1, NULL, 0, BW_TLS_MAX_DAYS + 1, &cert, &key),
	        BW_ERR_RANGE);

	for (size_t i = 0; i < sizeof(bad_dns) / sizeof(bad_dns[0]); i++) {
		one[0] = bad_dns[i];
		assert_int_equal(bw_tls_selfsigned_generate(one, 1, NULL, 0, 30, &cert, &key),
		                 BW_ERR_INVALID);
		assert_null(cert);
	}
	for (size_t i = 0; i < sizeof(bad_ip) / sizeof(bad_ip[0]); i++) {
		one[0] = bad_ip[i];
		assert_int_equal(bw_tls_selfsigned_generate(good, 1, one, 1, 30, &cert, &key),
		                 BW_ERR_INVALID);
		assert_null(cert);
		assert_null(key);
	}
	one[0] = NULL;
	assert_int_equal(bw_tls_selfsigned_generate(one, 1, NULL, 0, 30, &cert, &key),
	                 BW_ERR_INVALID);
	assert_int_equal(bw_tls_selfsigned_generate(good, 1, one, 1, 30, &cert, &key),
	                 BW_ERR_INVALID);

	/* labels of 63 bytes and names of 253 bytes are the limits */
	memset(label63, 'a', 63);
	label63[63] = '\0';
	memset(label64, 'a', 64);
	label64[64] = '\0';
	one[0] = label64;
	assert_int_equal(bw_tls_selfsigned_generate(one, 1, NULL, 0, 30, &cert, &key),
	                 BW_ERR_INVALID);
	snprintf(long_name, sizeof(long_name), "%s.%s.%s.%s", label63, label63, label63, label63);
	long_name[253] = '\0'; /* 253 bytes, ends in 'a' */
	one[0] = long_name;
	assert_int_equal(bw_tls_selfsigned_generate(one, 1, NULL, 0, 30, &cert, &key), BW_OK);
	bw_tls_pem_free(cert);
	bw_tls_pem_free(key);
	snprintf(long_name, sizeof(long_name), "%s.%s.%s.%s", label63, label63, label63, label63);
	long_name[254] = '\0'; /* 254 bytes */
	assert_int_equal(bw_tls_selfsigned_generate(one, 1, NULL, 0, 30, &cert, &key),
	                 BW_ERR_INVALID);
	one[0] = "xn--caf-dma.Example-1.test";
	assert_int_equal(bw_tls_selfsigned_generate(one, 1, NULL, 0, BW_TLS_MAX_DAYS, &cert, &key),
	                 BW_OK);
	bw_tls_pem_free(cert);
	bw_tls_pem_free(key);
	bw_tls_pem_free(NULL);
}

static void ensure_creates_then_reuses(void **state)
{
	struct pair p;
	bool created = false;
	struct stat st;
	char *cert = NULL, *key = NULL, *cert2 = NULL;
	char fp1[BW_TLS_FINGERPRINT_SIZE], fp2[BW_TLS_FINGERPRINT_SIZE];
	int64_t not_after = 0;
	gnutls_x509_crt_t crt;
	mode_t old;

	(void)state;
	pair_paths(&p, "ensure");
	old = umask(0);
	assert_int_equal(bw_tls_ensure(p.cert, p.key, &created), BW_OK);
	umask(old);
	assert_true(created);
	assert_int_equal(lstat(p.key, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(lstat(p.cert, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);

	assert_int_equal(bw_tls_load(p.cert, p.key, &cert, &key, &not_after), BW_OK);
	assert_true(not_after > (int64_t)time(NULL) + (BW_TLS_DEFAULT_DAYS - 1) * (int64_t)DAY);
	crt = parse_cert(cert);
	assert_int_equal(gnutls_x509_crt_check_hostname(crt, "localhost"), 1);
	assert_int_equal(gnutls_x509_crt_check_hostname(crt, "127.0.0.1"), 1);
	assert_int_equal(gnutls_x509_crt_check_hostname(crt, "::1"), 1);
	assert_int_equal(gnutls_x509_crt_get_expiration_time(crt), not_after);
	gnutls_x509_crt_deinit(crt);
	assert_int_equal(bw_tls_fingerprint(cert, fp1), BW_OK);

	/* second start: the same pair, not a new one */
	assert_int_equal(bw_tls_ensure(p.cert, p.key, &created), BW_OK);
	assert_false(created);
	assert_int_equal(bw_tls_load(p.cert, p.key, &cert2, NULL, NULL), BW_OK);
	assert_int_equal(bw_tls_fingerprint(cert2, fp2), BW_OK);
	assert_string_equal(fp1, fp2);
	assert_string_equal(cert, cert2);
	bw_tls_pem_free(cert);
	bw_tls_pem_free(cert2);
	bw_tls_pem_free(key);
}

static void ensure_refuses_a_lone_file(void **state)
{
	struct pair p;
	char *cert = NULL, *key = NULL;
	bool created = true;

	(void)state;
	pair_paths(&p, "lone");
	gen_default(&cert, &key);
	put(p.key, key, strlen(key), 0600);
	assert_int_equal(bw_tls_ensure(p.cert, p.key, &created), BW_ERR_NOT_FOUND);
	assert_false(created);
	assert_int_equal(access(p.cert, F_OK), -1); /* no partner was made up */
	unlink(p.key);
	put(p.cert, cert, strlen(cert), 0644);
	assert_int_equal(bw_tls_ensure(p.cert, p.key, &created), BW_ERR_NOT_FOUND);
	assert_int_equal(access(p.key, F_OK), -1);
	/* a dangling symlink in place of the key counts as present, and is refused */
	assert_int_equal(symlink("absent", p.key), 0);
	assert_int_equal(bw_tls_ensure(p.cert, p.key, &created), BW_ERR_DENIED);
	assert_false(created);
	bw_tls_pem_free(cert);
	bw_tls_pem_free(key);
}

static void ensure_refuses_unsafe_key_files(void **state)
{
	struct pair p;
	char elsewhere[700];
	char *cert = NULL, *key = NULL;

	(void)state;
	pair_paths(&p, "unsafe");
	gen_default(&cert, &key);
	put(p.cert, cert, strlen(cert), 0644);
	put(p.key, key, strlen(key), 0644);
	assert_int_equal(bw_tls_ensure(p.cert, p.key, NULL), BW_ERR_DENIED);
	assert_int_equal(chmod(p.key, 0640), 0);
	assert_int_equal(bw_tls_ensure(p.cert, p.key, NULL), BW_ERR_DENIED);
	assert_int_equal(chmod(p.key, 0600), 0);
	assert_int_equal(bw_tls_ensure(p.cert, p.key, NULL), BW_OK);

	/* the key behind a symlink, itself 0600 */
	snprintf(elsewhere, sizeof(elsewhere), "%s/real-key.pem", p.dir);
	assert_int_equal(rename(p.key, elsewhere), 0);
	assert_int_equal(symlink(elsewhere, p.key), 0);
	assert_int_equal(bw_tls_ensure(p.cert, p.key, NULL), BW_ERR_DENIED);
	assert_int_equal(bw_tls_load(p.cert, p.key, NULL, NULL, NULL), BW_ERR_DENIED);
	unlink(p.key);
	assert_int_equal(rename(elsewhere, p.key), 0);

	/* the certificate behind a symlink */
	snprintf(elsewhere, sizeof(elsewhere), "%s/real-cert.pem", p.dir);
	assert_int_equal(rename(p.cert, elsewhere), 0);
	assert_int_equal(symlink(elsewhere, p.cert), 0);
	assert_int_equal(bw_tls_ensure(p.cert, p.key, NULL), BW_ERR_DENIED);
	unlink(p.cert);
	assert_int_equal(rename(elsewhere, p.cert), 0);
	assert_int_equal(bw_tls_ensure(p.cert, p.key, NULL), BW_OK);
	bw_tls_pem_free(cert);
	bw_tls_pem_free(key);
}

static void load_checks_match_parse_and_expiry(void **state)
{
	struct pair p;
	char *cert = NULL, *key = NULL, *cert2 = NULL, *key2 = NULL, *old = NULL, *chain;
	const char *junk;
	char *big;
	size_t n;
	time_t now = time(NULL);
	char *out_c = (char *)&out_c, *out_k = (char *)&out_k;

	(void)state;
	pair_paths(&p, "checks");
	gen_default(&cert, &key);
	gen_default(&cert2, &key2);

	/* a key that belongs to another certificate */
	put(p.cert, cert, strlen(cert), 0644);
	put(p.key, key2, strlen(key2), 0600);
	assert_int_equal(bw_tls_load(p.cert, p.key, &out_c, &out_k, NULL), BW_ERR_VERIFY);
	assert_null(out_c);
	assert_null(out_k);
	assert_int_equal(bw_tls_ensure(p.cert, p.key, NULL), BW_ERR_VERIFY);
	put(p.key, key, strlen(key), 0600);
	assert_int_equal(bw_tls_load(p.cert, p.key, &out_c, &out_k, NULL), BW_OK);
	assert_string_equal(out_c, cert);
	assert_string_equal(out_k, key);
	bw_tls_pem_free(out_c);
	bw_tls_pem_free(out_k);

	/* expired yesterday; not yet expired; expired certificate further down the chain */
	old = make_cert(key, now - 10 * DAY, now - DAY);
	put(p.cert, old, strlen(old), 0644);
	assert_int_equal(bw_tls_load(p.cert, p.key, NULL, NULL, NULL), BW_ERR_CONFIG);
	assert_int_equal(bw_tls_ensure(p.cert, p.key, NULL), BW_ERR_CONFIG);
	bw_tls_pem_free(old);
	old = make_cert(key, now - 10 * DAY, now + DAY);
	put(p.cert, old, strlen(old), 0644);
	assert_int_equal(bw_tls_load(p.cert, p.key, NULL, NULL, NULL), BW_OK);
	bw_tls_pem_free(old);
	old = make_cert(key2, now - 10 * DAY, now - DAY);
	n = strlen(cert) + strlen(old) + 1;
	chain = malloc(n);
	assert_non_null(chain);
	snprintf(chain, n, "%s%s", cert, old);
	put(p.cert, chain, strlen(chain), 0644);
	assert_int_equal(bw_tls_load(p.cert, p.key, NULL, NULL, NULL), BW_ERR_CONFIG);
	free(chain);

	/* garbage, a truncated certificate, an empty file, a NUL inside */
	put(p.cert, "not a certificate\n", 18, 0644);
	assert_int_equal(bw_tls_load(p.cert, p.key, NULL, NULL, NULL), BW_ERR_INVALID);
	put(p.cert, cert, strlen(cert) / 2, 0644);
	assert_int_equal(bw_tls_load(p.cert, p.key, NULL, NULL, NULL), BW_ERR_INVALID);
	put(p.cert, "", 0, 0644);
	assert_int_equal(bw_tls_load(p.cert, p.key, NULL, NULL, NULL), BW_ERR_INVALID);
	put(p.cert, cert, strlen(cert) + 1, 0644); /* the trailing NUL written too */
	assert_int_equal(bw_tls_load(p.cert, p.key, NULL, NULL, NULL), BW_ERR_INVALID);
	put(p.cert, cert, strlen(cert), 0644);
	junk = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
	put(p.key, junk, strlen(junk), 0600);
	assert_int_equal(bw_tls_load(p.cert, p.key, NULL, NULL, NULL), BW_ERR_INVALID);
	put(p.key, cert, strlen(cert), 0600); /* a certificate is not a key */
	assert_int_equal(bw_tls_load(p.cert, p.key, NULL, NULL, NULL), BW_ERR_INVALID);

	/* over the size cap */
	big = malloc(BW_TLS_MAX_PEM + 1);
	assert_non_null(big);
	memset(big, 'A', BW_TLS_MAX_PEM + 1);
	put(p.key, key, strlen(key), 0600);
	put(p.cert, big, BW_TLS_MAX_PEM + 1, 0644);
	assert_int_equal(bw_tls_load(p.cert, p.key, NULL, NULL, NULL), BW_ERR_LIMIT);
	free(big);

	unlink(p.cert);
	assert_int_equal(bw_tls_load(p.cert, p.key, NULL, NULL, NULL), BW_ERR_NOT_FOUND);
	bw_tls_pem_free(old);
	bw_tls_pem_free(cert);
	bw_tls_pem_free(key);
	bw_tls_pem_free(cert2);
	bw_tls_pem_free(key2);
}

static void fingerprint_is_sha256_of_der(void **state)
{
	char *cert = NULL, *key = NULL, *cert2 = NULL, *key2 = NULL;
	char fp[BW_TLS_FINGERPRINT_SIZE], fp2[BW_TLS_FINGERPRINT_SIZE],
	        want[BW_TLS_FINGERPRINT_SIZE];
	unsigned char h[crypto_hash_sha256_BYTES];
	gnutls_x509_crt_t crt;
	gnutls_datum_t der;

	(void)state;
	gen_default(&cert, &key);
	gen_default(&cert2, &key2);
	crt = parse_cert(cert);
	assert_int_equal(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der), 0);
	crypto_hash_sha256(h, der.data, der.size);
	gnutls_free(der.data);
	gnutls_x509_crt_deinit(crt);
	for (size_t i = 0; i < sizeof(h); i++)
		snprintf(want + 3 * i, sizeof(want) - 3 * i, i + 1 < sizeof(h) ? "%02X:" : "%02X",
		         h[i]);

	assert_int_equal(bw_tls_fingerprint(cert, fp), BW_OK);
	assert_int_equal(strlen(fp), BW_TLS_FINGERPRINT_SIZE - 1);
	assert_string_equal(fp, want);
	assert_int_equal(bw_tls_fingerprint(cert2, fp2), BW_OK);
	assert_string_not_equal(fp, fp2);
	assert_int_equal(bw_tls_fingerprint("junk", fp), BW_ERR_INVALID);
	assert_string_equal(fp, "");
	assert_int_equal(bw_tls_fingerprint(key, fp), BW_ERR_INVALID);
	bw_tls_pem_free(cert);
	bw_tls_pem_free(key);
	bw_tls_pem_free(cert2);
	bw_tls_pem_free(key2);
}

/* ---- the policy, checked by real handshakes over a socketpair ---- */

struct side {
	int fd;
	const char *prio;
	const char *cert, *key; /* server only */
	int rc;
	gnutls_protocol_t version;
	gnutls_cipher_algorithm_t cipher;
	gnutls_kx_algorithm_t kx;
};

static void *run_side(void *arg)
{
	struct side *s = arg;
	gnutls_certificate_credentials_t cred;
	gnutls_session_t sess;
	int rc;

	gnutls_certificate_allocate_credentials(&cred);
	gnutls_init(&sess, (s->cert != NULL ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_NO_SIGNAL);
	if (s->cert != NULL) {
		gnutls_datum_t c = {(unsigned char *)(uintptr_t)s->cert, (unsigned)strlen(s->cert)};
		gnutls_datum_t k = {(unsigned char *)(uintptr_t)s->key, (unsigned)strlen(s->key)};

		/* no cmocka asserts here: this may run on the server thread */
		rc = gnutls_certificate_set_x509_key_mem(cred, &c, &k, GNUTLS_X509_FMT_PEM);
	} else {
		rc = 0;
	}
	if (rc == 0)
		rc = gnutls_priority_set_direct(sess, s->prio, NULL);
	if (rc == 0)
		rc = gnutls_credentials_set(sess, GNUTLS_CRD_CERTIFICATE, cred);
	gnutls_transport_set_int(sess, s->fd);
	gnutls_handshake_set_timeout(sess, 10000);
	if (rc == 0) {
		do
			rc = gnutls_handshake(sess);
		while (rc < 0 && gnutls_error_is_fatal(rc) == 0);
	}
	s->rc = rc;
	if (rc == 0) {
		s->version = gnutls_protocol_get_version(sess);
		s->cipher = gnutls_cipher_get(sess);
		s->kx = gnutls_kx_get(sess);
	}
	shutdown(s->fd, SHUT_RDWR); /* a failed side must not leave its peer waiting */
	gnutls_deinit(sess);
	gnutls_certificate_free_credentials(cred);
	return NULL;
}

static int handshake(const char *server_prio, const char *client_prio, struct side *cli)
{
	struct side srv = {0};
	pthread_t t;
	int sv[2];

	if (hs_cert == NULL)
		gen_default(&hs_cert, &hs_key); /* kept for the whole run, freed in teardown */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	srv.fd = sv[0];
	srv.prio = server_prio;
	srv.cert = hs_cert;
	srv.key = hs_key;
	memset(cli, 0, sizeof(*cli));
	cli->fd = sv[1];
	cli->prio = client_prio;
	assert_int_equal(pthread_create(&t, NULL, run_side, &srv), 0);
	run_side(cli);
	assert_int_equal(pthread_join(t, NULL), 0);
	close(sv[0]);
	close(sv[1]);
	return srv.rc == 0 && cli->rc == 0 ? 0 : -1;
}

#define PERMISSIVE "NORMAL:+VERS-TLS1.1:+VERS-TLS1.0:+AES-128-CBC:+SHA1:+SHA256"
#define TLS12_CBC                                                                                \
	"NONE:+VERS-TLS1.2:+AES-128-CBC:+AES-256-CBC:+SHA1:+SHA256:+SHA384:+ECDHE-ECDSA:+GROUP-" \
	"ALL"                                                                                    \
	":+SIGN-ALL:+COMP-NULL:+CTYPE-X509"

#define TLS13_CCM "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-CCM"

static void priorities_implement_the_policy(void **state)
{
	gnutls_priority_t prio;
	const char *err = NULL;
	struct side c;

	(void)state;
	assert_int_equal(gnutls_priority_init(&prio, BW_TLS_PRIORITIES, &err), 0);
	gnutls_priority_deinit(prio);

	assert_int_equal(handshake(BW_TLS_PRIORITIES, "NORMAL:-VERS-ALL:+VERS-TLS1.3", &c), 0);
	assert_int_equal(c.version, GNUTLS_TLS1_3);
	assert_int_equal(handshake(BW_TLS_PRIORITIES, "NORMAL:-VERS-ALL:+VERS-TLS1.2", &c), 0);
	assert_int_equal(c.version, GNUTLS_TLS1_2);
	assert_int_equal(c.kx, GNUTLS_KX_ECDHE_ECDSA);
	assert_true(c.cipher == GNUTLS_CIPHER_AES_128_GCM ||
	            c.cipher == GNUTLS_CIPHER_AES_256_GCM ||
	            c.cipher == GNUTLS_CIPHER_CHACHA20_POLY1305);
	assert_int_equal(handshake(BW_TLS_PRIORITIES,
	                           "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+CHACHA20-POLY1305",
	                           &c),
	                 0);
	assert_int_equal(c.cipher, GNUTLS_CIPHER_CHACHA20_POLY1305);

	/* what the policy refuses, each with a control showing the client itself works */
	assert_int_equal(handshake("NORMAL:+AES-128-CCM", TLS13_CCM, &c), 0);
	assert_int_equal(c.cipher, GNUTLS_CIPHER_AES_128_CCM);
	assert_int_equal(handshake(BW_TLS_PRIORITIES, TLS13_CCM, &c), -1);
	assert_int_equal(handshake(PERMISSIVE, TLS12_CBC, &c), 0);
	assert_int_equal(
	        c.cipher == GNUTLS_CIPHER_AES_128_CBC || c.cipher == GNUTLS_CIPHER_AES_256_CBC, 1);
	assert_int_equal(handshake(BW_TLS_PRIORITIES, TLS12_CBC, &c), -1);
	if (handshake(PERMISSIVE, "NORMAL:-VERS-ALL:+VERS-TLS1.1:+VERS-TLS1.0", &c) == 0) {
		assert_int_equal(c.version == GNUTLS_TLS1_1 || c.version == GNUTLS_TLS1_0, 1);
		assert_int_equal(handshake(BW_TLS_PRIORITIES,
		                           "NORMAL:-VERS-ALL:+VERS-TLS1.1:+VERS-TLS1.0", &c),
		                 -1);
	} else {
		print_message("TLS 1.0/1.1 disabled system-wide; old-version check not possible\n");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(generated_cert_has_the_profile),
	        cmocka_unit_test(generate_refuses_bad_input),
	        cmocka_unit_test(ensure_creates_then_reuses),
	        cmocka_unit_test(ensure_refuses_a_lone_file),
	        cmocka_unit_test(ensure_refuses_unsafe_key_files),
	        cmocka_unit_test(load_checks_match_parse_and_expiry),
	        cmocka_unit_test(fingerprint_is_sha256_of_der),
	        cmocka_unit_test(priorities_implement_the_policy),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
