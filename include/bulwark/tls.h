/*
 * tls.h — the server's TLS material (GnuTLS): the priority string that
 * implements the TLS policy, a self-signed ECDSA P-256 certificate for first
 * start, loading and checking a certificate/key pair from disk, and the
 * certificate fingerprint printed at start-up.
 *
 * PEM strings handed out here are NUL-terminated, as MHD_OPTION_HTTPS_MEM_KEY
 * and MHD_OPTION_HTTPS_MEM_CERT want them, and are freed with bw_tls_pem_free,
 * which wipes them (a private key is a secret).
 */
#ifndef BULWARK_TLS_H
#define BULWARK_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * GnuTLS priorities for the server (MHD_OPTION_HTTPS_PRIORITIES): TLS 1.3 and
 * 1.2 only; in 1.2 only ECDHE key exchange with AEAD ciphers (AES-GCM,
 * ChaCha20-Poly1305); no compression; the server's order wins.
 */
#define BW_TLS_PRIORITIES                                                                   \
	"NONE:+VERS-TLS1.3:+VERS-TLS1.2:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:+AEAD" \
	":+ECDHE-ECDSA:+ECDHE-RSA:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1"          \
	":+SIGN-ALL:+COMP-NULL:+CTYPE-X509:%SERVER_PRECEDENCE"

/** Most DNS names, and most IP addresses, in one generated certificate. */
#define BW_TLS_MAX_NAMES 16
/** Longest validity of a generated certificate, in days. */
#define BW_TLS_MAX_DAYS 3650
/** Validity of the certificate bw_tls_ensure generates, in days. */
#define BW_TLS_DEFAULT_DAYS 365
/** Largest certificate (chain) or key file bw_tls_load reads, in bytes. */
#define BW_TLS_MAX_PEM (64u * 1024u)
/** Size of a fingerprint buffer: 32 bytes as "AB:CD:…" (95 characters) and a NUL. */
#define BW_TLS_FINGERPRINT_SIZE 96

/**
 * bw_tls_selfsigned_generate - a fresh ECDSA P-256 key and a self-signed
 * X.509 v3 certificate for it, signed with SHA-256: CN "localhost", a random
 * positive 128-bit serial, valid from a minute ago for days days, SAN entries
 * for every DNS name and IP address given, basic constraints CA:FALSE, key
 * usage digitalSignature, extended key usage serverAuth, subject key id.
 *
 * dns_names (n_dns of them) must be host names of LDH labels (1..63 bytes
 * each, no leading or trailing '-', 253 bytes at most); ip_addrs (n_ip) IPv4
 * dotted quads or IPv6 text. At least one name in all, at most
 * BW_TLS_MAX_NAMES of each; days in 1..BW_TLS_MAX_DAYS. Bad input gives
 * BW_ERR_INVALID or BW_ERR_RANGE, GnuTLS failures BW_ERR_CRYPTO. The arrays
 * are borrowed. On BW_OK the caller frees *cert_pem and *key_pem with
 * bw_tls_pem_free; on error both are NULL.
 */
BW_MUST_CHECK enum bw_err bw_tls_selfsigned_generate(const char *const *dns_names, size_t n_dns,
                                                     const char *const *ip_addrs, size_t n_ip,
                                                     unsigned days, char **cert_pem,
                                                     char **key_pem);

/**
 * bw_tls_load - read cert_path (a PEM certificate, optionally followed by its
 * chain) and key_path (a PEM private key) and check them: the key file passes
 * the BW_FS_SECRET checks of bw_fs_read_file (regular, no symlink, mode
 * within 0600, owner us or root), the certificate file is regular and not a
 * symlink, both parse, the key belongs to the first certificate, and no
 * certificate of the chain has expired.
 *
 * Errors: BW_ERR_NOT_FOUND, BW_ERR_DENIED, BW_ERR_LIMIT (over BW_TLS_MAX_PEM)
 * from reading; BW_ERR_INVALID when either does not parse; BW_ERR_VERIFY when
 * the key does not match the certificate; BW_ERR_CONFIG when a certificate
 * has expired. On BW_OK, cert_pem, key_pem (each may be NULL if not wanted;
 * freed with bw_tls_pem_free) and not_after (may be NULL: the leaf's expiry,
 * seconds since the epoch) are set; on error the pointers are NULL.
 */
BW_MUST_CHECK enum bw_err bw_tls_load(const char *cert_path, const char *key_path, char **cert_pem,
                                      char **key_pem, int64_t *not_after);

/**
 * bw_tls_ensure - first start, or a check on every later start.
 *
 * When neither cert_path nor key_path exists, generates a certificate for
 * localhost, 127.0.0.1 and ::1 (BW_TLS_DEFAULT_DAYS), writes the key with mode
 * 0600 and the certificate with mode 0644 (atomically, never over an existing
 * file) and sets *created (may be NULL). When only one of them exists, it
 * refuses with BW_ERR_NOT_FOUND and writes nothing. When both exist, they are
 * checked as bw_tls_load checks them (same errors). Paths are borrowed; their
 * directory should be one made by bw_fs_mkdir_private.
 */
BW_MUST_CHECK enum bw_err bw_tls_ensure(const char *cert_path, const char *key_path, bool *created);

/**
 * bw_tls_fingerprint - the SHA-256 fingerprint of the (first) certificate in
 * cert_pem as uppercase hex pairs joined by ':' (as `openssl x509
 * -fingerprint -sha256` prints it) into out, NUL-terminated. BW_ERR_INVALID
 * when cert_pem does not parse, BW_ERR_LIMIT when it is longer than
 * BW_TLS_MAX_PEM. cert_pem is borrowed; out is "" on error.
 */
BW_MUST_CHECK enum bw_err bw_tls_fingerprint(const char *cert_pem,
                                             char out[BW_TLS_FINGERPRINT_SIZE]);

/** bw_tls_pem_free - wipe and free a PEM string from this module; NULL is a no-op. */
void bw_tls_pem_free(char *pem);

#ifdef __cplusplus
}
#endif
#endif
