/*
 * keys.h — the master key and the purpose keys derived from it.
 *
 * One 32-byte master key is the root of every server-side key: each use
 * (session MAC, CSRF, field encryption, audit chain, …) gets its own purpose
 * key, derived with libsodium's crypto_kdf (BLAKE2b) from the master key, a
 * fixed context string BW_KEYS_KDF_CONTEXT and a 64-bit subkey id made of the
 * purpose number (high 32 bits) and a key version (low 32 bits). Rotating a
 * purpose key means bumping its version; records store the version or the
 * short key id (bw_keys_id) so old data stays readable.
 *
 * Secret references. Where a secret comes from is given by a reference,
 * never by the secret itself (a config file holds only the reference). This
 * is the one implementation of them: bw_key_ref_parse and bw_key_ref_read
 * here, used by bw_master_key_load and by config.h's secret keys alike.
 *   file:PATH        the file PATH: a regular file reached without a symlink
 *                    in its last component, mode exactly 0600 or 0400, owned
 *                    by the effective uid or root (BW_FS_SECRET, fsutil.h).
 *   env:NAME         the environment variable NAME (secure_getenv).
 *   credential:NAME  a systemd credential: the file NAME in
 *                    $CREDENTIALS_DIRECTORY (set, absolute), checked like
 *                    file: except that group read is allowed (0640, 0440):
 *                    for a service with User=, systemd leaves the file owned
 *                    by root and grants that user read access with a POSIX
 *                    ACL, and the ACL mask shows in the group bits. Refusing
 *                    it would refuse every such credential; the directory is
 *                    systemd's own, private to the service, so this one bit
 *                    opens nothing to another user. Others still get nothing
 *                    and the group never gets write.
 * A reference to nothing (an empty file or variable) is refused.
 *
 * The master key itself is, for file: and credential:, exactly 32 raw bytes;
 * for env: 43 characters of unpadded base64url (RFC 4648 §5), e.g.
 * `head -c32 /dev/urandom | basenc --base64url | tr -d =`.
 * bw_init() must have succeeded before any of these is called.
 */
#ifndef BULWARK_KEYS_H
#define BULWARK_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/buf.h"
#include "bulwark/err.h"
#include "bulwark/secret.h"
#include "bulwark/str.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes in the master key. */
#define BW_MASTER_KEY_BYTES 32
/** Characters of the base64url text form of a master key (env:). */
#define BW_MASTER_KEY_TEXT_LEN 43
/** Bytes in every purpose key. */
#define BW_PURPOSE_KEY_BYTES 32
/** The crypto_kdf context of purpose keys (exactly 8 bytes; never change it). */
#define BW_KEYS_KDF_CONTEXT "bwkdf-v1"
/** Size of a key id buffer: 16 lowercase hex characters and a NUL. */
#define BW_KEY_ID_SIZE 17
/** Longest NAME after env: or credential:. */
#define BW_KEY_REF_NAME_MAX 255

/**
 * What a purpose key is for. The numbers go into the derivation: they are
 * part of the stored data format and must never be renumbered or reused.
 */
enum bw_key_purpose {
	BW_KEY_SESSION = 1,    /**< session token MAC */
	BW_KEY_CSRF = 2,       /**< CSRF token MAC */
	BW_KEY_FIELD = 3,      /**< field encryption at rest (XChaCha20-Poly1305) */
	BW_KEY_AUDIT = 4,      /**< audit log hash chain */
	BW_KEY_BACKUP = 5,     /**< backup encryption */
	BW_KEY_APIKEY = 6,     /**< keyed hash of API keys */
	BW_KEY_RATELIMIT = 7,  /**< keyed hash of rate-limit keys (IPs, accounts) */
	BW_KEY_SIGNING = 8,    /**< wraps JWT signing keys stored in the database */
	BW_KEY_REFRESH = 9,    /**< keyed hash of refresh tokens and their successors */
	BW_KEY_MAILTOKEN = 10, /**< keyed hash of one-time mail tokens (reset, verify) */
	BW_KEY_WEBHOOK = 11,   /**< encryption of webhook signing secrets */
	BW_KEY_CLIENT = 12,    /**< keyed hash of OAuth client secrets */
	BW_KEY_MFA = 13,       /**< keyed hash of MFA backup codes and MFA tokens */
	BW_KEY__END            /**< one past the last purpose */
};

/** Kinds of master key reference. */
enum bw_key_ref_kind {
	BW_KEY_REF_FILE = 1,       /**< file:PATH */
	BW_KEY_REF_ENV = 2,        /**< env:NAME */
	BW_KEY_REF_CREDENTIAL = 3, /**< credential:NAME */
};

/**
 * bw_key_ref_parse - split a master key reference into its kind and argument.
 *
 * file: needs a non-empty PATH without control bytes, shorter than PATH_MAX;
 * env: a NAME of [A-Za-z_][A-Za-z0-9_]*; credential: a NAME of [A-Za-z0-9_.@-]
 * that is not "." or "..". NAMEs are at most BW_KEY_REF_NAME_MAX bytes. A
 * string with no known scheme — a secret pasted into the config, say — gives
 * BW_ERR_CONFIG; a known scheme with a bad argument BW_ERR_INVALID. On BW_OK
 * *arg borrows the bytes of ref after the colon; nothing is written otherwise.
 */
BW_MUST_CHECK enum bw_err bw_key_ref_parse(struct bw_str ref, enum bw_key_ref_kind *kind,
                                           struct bw_str *arg);

/**
 * bw_key_ref_read - read the bytes ref names (see the top of this header)
 * into out, which must be empty and initialised with bw_buf_init; its cap
 * bounds them. The bytes are taken exactly (no newline stripped). *kind (may
 * be NULL) gets the kind of ref on BW_OK.
 *
 * Errors: those of bw_key_ref_parse; BW_ERR_NOT_FOUND when the file, the
 * variable or $CREDENTIALS_DIRECTORY (unset or empty) is missing;
 * BW_ERR_CONFIG when $CREDENTIALS_DIRECTORY is not absolute; BW_ERR_DENIED
 * when the file is a symlink, not regular, or fails the mode or owner rule;
 * BW_ERR_LIMIT for more than out's cap; BW_ERR_INVALID for no bytes at all
 * or a credential path longer than PATH_MAX; BW_ERR_IO, BW_ERR_NOMEM. On any
 * error out is left empty (wiped). The caller frees out with bw_buf_free
 * (which wipes). ref is borrowed.
 */
BW_MUST_CHECK enum bw_err bw_key_ref_read(struct bw_str ref, enum bw_key_ref_kind *kind,
                                          struct bw_buf *out);

/**
 * bw_master_key_decode - decode the text form (43 characters of unpadded,
 * canonical base64url) into a new secret. Anything else — padding, '+' or
 * '/', whitespace, a trailing newline, non-zero spare bits — is
 * BW_ERR_INVALID. The caller frees *out with bw_secret_free and should wipe
 * text.
 */
BW_MUST_CHECK enum bw_err bw_master_key_decode(struct bw_str text, struct bw_secret **out);

/**
 * bw_master_key_load - load the master key named by ref (see the top of this
 * header) into a new secret; the caller frees it with bw_secret_free.
 *
 * Errors: those of bw_key_ref_read, except that content which is not
 * exactly one key in its format (too long included) is BW_ERR_INVALID. The
 * environment is not changed: the caller may unset an env: variable once
 * loaded.
 */
BW_MUST_CHECK enum bw_err bw_master_key_load(const char *ref, struct bw_secret **out);

/**
 * bw_master_key_ensure - first start: create path with 32 fresh random bytes
 * (mode 0600, written atomically, never over an existing file) and set
 * *created (may be NULL). When path exists it is checked as file: would
 * check it, and left alone. Load it afterwards with bw_master_key_load.
 * The directory should be one made by bw_fs_mkdir_private. path is borrowed.
 */
BW_MUST_CHECK enum bw_err bw_master_key_ensure(const char *path, bool *created);

/**
 * bw_keys_derive - the purpose key for (purpose, version) under master, as a
 * new BW_PURPOSE_KEY_BYTES secret the caller frees with bw_secret_free. The
 * same inputs always give the same key; any other purpose or version gives an
 * unrelated one. Errors: BW_ERR_INVALID for a master key that is not
 * BW_MASTER_KEY_BYTES long or an unknown purpose, BW_ERR_RANGE for version 0
 * (versions start at 1), BW_ERR_NOMEM. master is borrowed.
 */
BW_MUST_CHECK enum bw_err bw_keys_derive(const struct bw_secret *master,
                                         enum bw_key_purpose purpose, uint32_t version,
                                         struct bw_secret **out);

/**
 * bw_keys_id - a short public id of key for logs and stored records: the
 * first 8 bytes of BLAKE2b-256(key) in lowercase hex, NUL-terminated in
 * out[BW_KEY_ID_SIZE]. It identifies a key; it does not reveal it.
 */
void bw_keys_id(const struct bw_secret *key, char out[BW_KEY_ID_SIZE]);

/** bw_key_purpose_name - a stable short name ("session", "csrf", …) or "unknown". */
const char *bw_key_purpose_name(enum bw_key_purpose purpose);

#ifdef __cplusplus
}
#endif
#endif
