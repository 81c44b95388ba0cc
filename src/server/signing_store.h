/*
 * signing_store.h — the signing_keys table (signing.h): sealing and opening
 * private keys, loading the table, creating what is missing, rotating.
 * Shared by the server (signing.c) and `bulwark keys` (keys_cli.c); keeps
 * no state of its own.
 *
 * A stored key is sealed with XChaCha20-Poly1305 (libsodium
 * crypto_aead_xchacha20poly1305_ietf) under the BW_KEY_SIGNING purpose key:
 * sealed_key = 24-byte random nonce || ciphertext || 16-byte tag, the
 * additional data "bulwark-signing-v1" NUL kid NUL alg NUL use, so a sealed
 * key copied into another row (another kid, alg or use) does not open.
 */
#ifndef BULWARK_SIGNING_STORE_H
#define BULWARK_SIGNING_STORE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/buf.h"
#include "bulwark/db.h"
#include "bulwark/jwt.h"
#include "bulwark/secret.h"
#include "signing.h"

/** Random bytes in a kid (shown as base64url). */
#define BW_SIGNING_KID_BYTES 16
/** Size of a kid buffer. */
#define BW_SIGNING_KID_SIZE (BW_JWT_KID_MAX + 1)

/** Where a key is in its life. */
enum bw_signing_state {
	BW_KEY_STATE_NEXT = 0, /**< published, not signing yet */
	BW_KEY_STATE_ACTIVE,   /**< signs */
	BW_KEY_STATE_RETIRED,  /**< published and verifying until its tokens expired */
};

/** One row of signing_keys, opened. */
struct bw_signing_row {
	char kid[BW_SIGNING_KID_SIZE];
	enum bw_jwt_alg alg;
	enum bw_signing_use use;
	enum bw_signing_state state;
	int64_t created_at, activated_at, retired_at;
	char audited_state[8]; /**< the state last audited, "" for none */
	struct bw_jwk *key;    /**< the private key; NULL only in bw_signing_store_list */
};

/** bw_signing_use_name / bw_signing_state_name - "access"/"id", "next"/"active"/"retired". */
const char *bw_signing_use_name(enum bw_signing_use use);
const char *bw_signing_state_name(enum bw_signing_state state);

/** bw_signing_use_alg - the algorithm of use's keys (EdDSA, RS256). */
enum bw_jwt_alg bw_signing_use_alg(enum bw_signing_use use);

/**
 * bw_signing_seal - seal the private key material plain (len bytes) for a
 * row (kid, alg, use) under key into out (reset first). bw_signing_open is
 * the inverse: BW_ERR_VERIFY when the tag does not verify (wrong key,
 * tampered bytes, another row's kid/alg/use); out is wiped by the caller.
 */
BW_MUST_CHECK enum bw_err bw_signing_seal(const struct bw_secret *key, const char *kid,
                                          enum bw_jwt_alg alg, enum bw_signing_use use,
                                          const void *plain, size_t len, struct bw_buf *out);
BW_MUST_CHECK enum bw_err bw_signing_open(const struct bw_secret *key, const char *kid,
                                          enum bw_jwt_alg alg, enum bw_signing_use use,
                                          const void *sealed, size_t len, struct bw_buf *out);

/**
 * bw_signing_store_load - every row, opened, oldest first, into a new array
 * *rows of *n (bw_signing_rows_free). key NULL lists the rows without
 * opening them (row.key NULL). A row that does not open is BW_ERR_VERIFY and
 * nothing is returned.
 */
BW_MUST_CHECK enum bw_err bw_signing_store_load(struct bw_db *db, const struct bw_secret *key,
                                                struct bw_signing_row **rows, size_t *n);

/** bw_signing_rows_free - free what bw_signing_store_load returned. */
void bw_signing_rows_free(struct bw_signing_row *rows, size_t n);

/** A bit per use, for bw_signing_store_ensure. */
#define BW_SIGNING_USE_BIT(u) (1u << (unsigned)(u))
#define BW_SIGNING_ALL_USES \
	(BW_SIGNING_USE_BIT(BW_SIGNING_ACCESS) | BW_SIGNING_USE_BIT(BW_SIGNING_ID))

/**
 * bw_signing_store_ensure - give every use in uses (BW_SIGNING_USE_BIT
 * bits) one active and one next key, generating and storing what is
 * missing (at time now). *created (may be NULL) gets the number of keys
 * made. Safe against a concurrent process doing the same (the table allows
 * one next and one active key per use).
 */
BW_MUST_CHECK enum bw_err bw_signing_store_ensure(struct bw_db *db, const struct bw_secret *key,
                                                  int64_t now, unsigned uses, unsigned *created);

/*
 * The steps of bw_signing_store_ensure, for a caller that makes keys on
 * another thread: plan (what is missing; database), make (generate and
 * seal; slow for RSA, no database, no shared state), store (one
 * transaction; what another process made meanwhile is kept).
 */
struct bw_signing_batch;
BW_MUST_CHECK enum bw_err bw_signing_batch_plan(struct bw_db *db, unsigned uses,
                                                struct bw_signing_batch **out, unsigned *n);
BW_MUST_CHECK enum bw_err bw_signing_batch_make(const struct bw_secret *key,
                                                struct bw_signing_batch *b,
                                                const atomic_bool *abort);
BW_MUST_CHECK enum bw_err bw_signing_batch_store(struct bw_db *db, int64_t now,
                                                 struct bw_signing_batch *b, unsigned *created);
void bw_signing_batch_free(struct bw_signing_batch *b);

/**
 * bw_signing_store_rotate - for every use at time now: the active key is
 * retired, the next becomes active, a fresh next key is made; retired keys
 * whose last token has expired (retired before now - keep_s[use]) are
 * deleted. Needs a next key per use (bw_signing_store_ensure first):
 * BW_ERR_STATE otherwise. One transaction: a crash leaves the old state.
 * *dropped (may be NULL) gets the count of deleted keys.
 */
BW_MUST_CHECK enum bw_err bw_signing_store_rotate(struct bw_db *db, const struct bw_secret *key,
                                                  int64_t now, const int64_t keep_s[2],
                                                  unsigned *dropped);

/**
 * bw_signing_store_mark_audited - record that the state change of kid from
 * audited_state from to state to has been audited; *won true only for the
 * one caller whose update took effect (so two servers audit it once).
 */
BW_MUST_CHECK enum bw_err bw_signing_store_mark_audited(struct bw_db *db, const char *kid,
                                                        const char *from, const char *to,
                                                        bool *won);

#endif
