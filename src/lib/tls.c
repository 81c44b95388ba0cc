/*
 * tls.c — self-signed certificate generation, loading and checking of the
 * certificate/key pair, and fingerprints, all through GnuTLS (the calls are
 * the ones verified with MHD 0.9.75 / GnuTLS 3.7). Private key bytes are
 * wiped wherever this file had them in memory.
 */
#include "bulwark/tls.h"

#include "bulwark/buf.h"
#include "bulwark/fsutil.h"
#include "bulwark/secret.h"

#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SERIAL_BYTES       16
#define DNS_NAME_MAX       253
#define DNS_LABEL_MAX      63
#define ACTIVATION_SLACK_S 60
#define KEY_ID_MAX         64
#define MAX_CHAIN          16

/* Host name of LDH labels: what a SAN dNSName may hold here (no wildcards). */
static bool valid_dns_name(const char *s)
{
	size_t len, label = 0;

	if (s == NULL)
		return false;
	len = strnlen(s, DNS_NAME_MAX + 1);
	if (len == 0 || len > DNS_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return false;
		if (c == '-' && label == 0)
			return false;
		if (++label > DNS_LABEL_MAX)
			return false;
	}
	return label > 0 && s[len - 1] != '-';
}

/* Copy a GnuTLS datum into a malloc'd NUL-terminated string. */
static enum bw_err datum_to_pem(const gnutls_datum_t *d, char **out)
{
	char *p = malloc((size_t)d->size + 1);

	if (p == NULL)
		return BW_ERR_NOMEM;
	memcpy(p, d->data, d->size);
	p[d->size] = '\0';
	*out = p;
	return BW_OK;
}

static enum bw_err dup_pem(const char *s, size_t len, char **out)
{
	char *p = malloc(len + 1);

	if (p == NULL)
		return BW_ERR_NOMEM;
	memcpy(p, s, len);
	p[len] = '\0';
	*out = p;
	return BW_OK;
}

void bw_tls_pem_free(char *pem)
{
	if (pem == NULL)
		return;
	bw_wipe(pem, strlen(pem));
	free(pem);
}

static enum bw_err add_ip(gnutls_x509_crt_t crt, const char *text)
{
	unsigned char addr[16];
	unsigned int n;

	if (text == NULL)
		return BW_ERR_INVALID;
	if (inet_pton(AF_INET, text, addr) == 1)
		n = 4;
	else if (inet_pton(AF_INET6, text, addr) == 1)
		n = 16;
	else
		return BW_ERR_INVALID;
	if (gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, addr, n,
	                                         GNUTLS_FSAN_APPEND) < 0)
		return BW_ERR_CRYPTO;
	return BW_OK;
}

enum bw_err bw_tls_selfsigned_generate(const char *const *dns_names, size_t n_dns,
                                       const char *const *ip_addrs, size_t n_ip, unsigned days,
                                       char **cert_pem, char **key_pem)
{
	enum bw_err rc = BW_ERR_CRYPTO;
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t cd = {NULL, 0}, kd = {NULL, 0};
	unsigned char serial[SERIAL_BYTES];
	unsigned char kid[KEY_ID_MAX];
	size_t kid_len = sizeof(kid);
	time_t now;

	BW_REQUIRE(cert_pem != NULL && key_pem != NULL);
	BW_REQUIRE(dns_names != NULL || n_dns == 0);
	BW_REQUIRE(ip_addrs != NULL || n_ip == 0);
	*cert_pem = NULL;
	*key_pem = NULL;
	if (n_dns + n_ip == 0 || n_dns > BW_TLS_MAX_NAMES || n_ip > BW_TLS_MAX_NAMES)
		return BW_ERR_RANGE;
	if (days == 0 || days > BW_TLS_MAX_DAYS)
		return BW_ERR_RANGE;
	for (size_t i = 0; i < n_dns; i++)
		if (!valid_dns_name(dns_names[i]))
			return BW_ERR_INVALID;

	if (gnutls_x509_privkey_init(&key) < 0) {
		key = NULL;
		goto out;
	}
	if (gnutls_x509_crt_init(&crt) < 0) {
		crt = NULL;
		goto out;
	}
	if (gnutls_x509_privkey_generate2(key, GNUTLS_PK_ECDSA,
	                                  GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0, NULL,
	                                  0) < 0)
		goto out;
	if (gnutls_rnd(GNUTLS_RND_RANDOM, serial, sizeof(serial)) < 0)
		goto out;
	serial[0] &= 0x7f; /* DER INTEGER: keep it positive */
	now = time(NULL);
	if (gnutls_x509_crt_set_version(crt, 3) < 0 ||
	    gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)) < 0 ||
	    gnutls_x509_crt_set_activation_time(crt, now - ACTIVATION_SLACK_S) < 0 ||
	    gnutls_x509_crt_set_expiration_time(crt, now + (time_t)days * 86400) < 0 ||
	    gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "localhost", 9) < 0)
		goto out;
	for (size_t i = 0; i < n_dns; i++)
		if (gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, dns_names[i],
		                                         (unsigned)strlen(dns_names[i]),
		                                         GNUTLS_FSAN_APPEND) < 0)
			goto out;
	for (size_t i = 0; i < n_ip; i++) {
		rc = add_ip(crt, ip_addrs[i]);
		if (rc != BW_OK)
			goto out;
	}
	rc = BW_ERR_CRYPTO;
	if (gnutls_x509_crt_set_key(crt, key) < 0 ||
	    gnutls_x509_crt_set_basic_constraints(crt, 0, -1) < 0 ||
	    gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE) < 0 ||
	    gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0) < 0 ||
	    gnutls_x509_crt_get_key_id(crt, 0, kid, &kid_len) < 0 ||
	    gnutls_x509_crt_set_subject_key_id(crt, kid, kid_len) < 0 ||
	    gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0) < 0)
		goto out;
	if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cd) < 0 ||
	    gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &kd) < 0)
		goto out;
	rc = datum_to_pem(&cd, cert_pem);
	if (rc != BW_OK)
		goto out;
	rc = datum_to_pem(&kd, key_pem);
	if (rc != BW_OK) {
		bw_tls_pem_free(*cert_pem);
		*cert_pem = NULL;
	}
out:
	if (kd.data != NULL) {
		bw_wipe(kd.data, kd.size);
		gnutls_free(kd.data);
	}
	gnutls_free(cd.data);
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	if (key != NULL)
		gnutls_x509_privkey_deinit(key); /* wipes the key */
	return rc;
}

/*
 * Parse and cross-check: the chain in cert (sorted, up to MAX_CHAIN), the key,
 * key id match on the leaf, no certificate expired.
 */
static enum bw_err check_pair(const struct bw_buf *cert, const struct bw_buf *keyb,
                              int64_t *not_after)
{
	enum bw_err rc = BW_ERR_INVALID;
	gnutls_x509_crt_t *crts = NULL;
	unsigned int ncrts = 0;
	gnutls_x509_privkey_t key = NULL;
	unsigned char id1[KEY_ID_MAX], id2[KEY_ID_MAX];
	size_t n1 = sizeof(id1), n2 = sizeof(id2);
	gnutls_datum_t d;
	time_t now = time(NULL), exp;

	/* MHD takes the PEM as a C string: an embedded NUL would cut it short */
	if (cert->len == 0 || keyb->len == 0 || strlen(cert->p) != cert->len ||
	    strlen(keyb->p) != keyb->len)
		return BW_ERR_INVALID;
	d.data = (unsigned char *)(uintptr_t)cert->p;
	d.size = (unsigned int)cert->len;
	if (gnutls_x509_crt_list_import2(&crts, &ncrts, &d, GNUTLS_X509_FMT_PEM,
	                                 GNUTLS_X509_CRT_LIST_FAIL_IF_UNSORTED) < 0) {
		crts = NULL;
		ncrts = 0;
		goto out;
	}
	if (ncrts == 0 || ncrts > MAX_CHAIN)
		goto out;
	if (gnutls_x509_privkey_init(&key) < 0) {
		key = NULL;
		rc = BW_ERR_CRYPTO;
		goto out;
	}
	d.data = (unsigned char *)(uintptr_t)keyb->p;
	d.size = (unsigned int)keyb->len;
	if (gnutls_x509_privkey_import2(key, &d, GNUTLS_X509_FMT_PEM, NULL, 0) < 0)
		goto out;
	if (gnutls_x509_crt_get_key_id(crts[0], GNUTLS_KEYID_USE_SHA256, id1, &n1) < 0 ||
	    gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA256, id2, &n2) < 0)
		goto out;
	if (!bw_ct_eq(id1, n1, id2, n2)) {
		rc = BW_ERR_VERIFY;
		goto out;
	}
	for (unsigned int i = 0; i < ncrts; i++) {
		exp = gnutls_x509_crt_get_expiration_time(crts[i]);
		if (exp == (time_t)-1)
			goto out;
		if (exp <= now) {
			rc = BW_ERR_CONFIG;
			goto out;
		}
		if (i == 0 && not_after != NULL)
			*not_after = (int64_t)exp;
	}
	rc = BW_OK;
out:
	if (key != NULL)
		gnutls_x509_privkey_deinit(key);
	for (unsigned int i = 0; i < ncrts; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
	return rc;
}

enum bw_err bw_tls_load(const char *cert_path, const char *key_path, char **cert_pem,
                        char **key_pem, int64_t *not_after)
{
	struct bw_buf cert, keyb;
	int64_t exp = 0;
	enum bw_err rc;

	BW_REQUIRE(cert_path != NULL && key_path != NULL);
	if (cert_pem != NULL)
		*cert_pem = NULL;
	if (key_pem != NULL)
		*key_pem = NULL;
	bw_buf_init(&cert, BW_TLS_MAX_PEM);
	bw_buf_init(&keyb, BW_TLS_MAX_PEM);
	rc = bw_fs_read_file(key_path, BW_FS_SECRET, &keyb);
	if (rc != BW_OK)
		goto out;
	rc = bw_fs_read_file(cert_path, 0, &cert);
	if (rc != BW_OK)
		goto out;
	rc = check_pair(&cert, &keyb, &exp);
	if (rc != BW_OK)
		goto out;
	if (cert_pem != NULL) {
		rc = dup_pem(cert.p, cert.len, cert_pem);
		if (rc != BW_OK)
			goto out;
	}
	if (key_pem != NULL) {
		rc = dup_pem(keyb.p, keyb.len, key_pem);
		if (rc != BW_OK) {
			if (cert_pem != NULL) {
				bw_tls_pem_free(*cert_pem);
				*cert_pem = NULL;
			}
			goto out;
		}
	}
	if (not_after != NULL)
		*not_after = exp;
out:
	bw_buf_free(&keyb);
	bw_buf_free(&cert);
	return rc;
}

enum bw_err bw_tls_ensure(const char *cert_path, const char *key_path, bool *created)
{
	static const char *const dns[] = {"localhost"};
	static const char *const ips[] = {"127.0.0.1", "::1"};
	char *cert = NULL, *key = NULL;
	bool have_cert = false, have_key = false;
	enum bw_err rc;

	BW_REQUIRE(cert_path != NULL && key_path != NULL);
	if (created != NULL)
		*created = false;
	rc = bw_fs_exists(cert_path, &have_cert);
	if (rc == BW_OK)
		rc = bw_fs_exists(key_path, &have_key);
	if (rc != BW_OK)
		return rc;
	if (have_cert != have_key)
		return BW_ERR_NOT_FOUND; /* a lone file is never paired with a new partner */
	if (!have_cert) {
		rc = bw_tls_selfsigned_generate(dns, 1, ips, 2, BW_TLS_DEFAULT_DAYS, &cert, &key);
		if (rc != BW_OK)
			goto out;
		rc = bw_fs_write_atomic(key_path, key, strlen(key), 0600, 0);
		if (rc == BW_ERR_EXISTS)
			goto check; /* another process is creating them: check its pair */
		if (rc != BW_OK)
			goto out;
		rc = bw_fs_write_atomic(cert_path, cert, strlen(cert), 0644, 0);
		if (rc != BW_OK) {
			unlink(key_path); /* leave no lone key behind */
			goto out;
		}
		if (created != NULL)
			*created = true;
	}
check:
	rc = bw_tls_load(cert_path, key_path, NULL, NULL, NULL);
out:
	bw_tls_pem_free(key);
	bw_tls_pem_free(cert);
	return rc;
}

enum bw_err bw_tls_fingerprint(const char *cert_pem, char out[BW_TLS_FINGERPRINT_SIZE])
{
	static const char hex[] = "0123456789ABCDEF";
	gnutls_x509_crt_t crt = NULL;
	unsigned char fp[32];
	size_t n = sizeof(fp);
	enum bw_err rc = BW_ERR_INVALID;
	gnutls_datum_t d;

	BW_REQUIRE(cert_pem != NULL && out != NULL);
	out[0] = '\0';
	d.data = (unsigned char *)(uintptr_t)cert_pem;
	d.size = (unsigned int)strnlen(cert_pem, BW_TLS_MAX_PEM + 1);
	if (d.size > BW_TLS_MAX_PEM)
		return BW_ERR_LIMIT;
	if (gnutls_x509_crt_init(&crt) < 0)
		return BW_ERR_CRYPTO;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM) < 0)
		goto out;
	if (gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, fp, &n) < 0 || n != sizeof(fp))
		goto out;
	for (size_t i = 0; i < sizeof(fp); i++) {
		out[3 * i] = hex[fp[i] >> 4];
		out[3 * i + 1] = hex[fp[i] & 0xf];
		out[3 * i + 2] = (i + 1 < sizeof(fp)) ? ':' : '\0';
	}
	rc = BW_OK;
out:
	gnutls_x509_crt_deinit(crt);
	return rc;
}
