/*
 * oauth_clients_int.h — what the client store's files share among
 * themselves (oauth_clients.c, oauth_client_auth.c, routes/clients.c);
 * not for other modules.
 */
#ifndef BULWARK_OAUTH_CLIENTS_INT_H
#define BULWARK_OAUTH_CLIENTS_INT_H

#include "oauth_clients.h"

/** The columns bw_oauth_client_from_row reads, in its order. */
#define BW_CLIENT_COLUMNS                                                                      \
	"SELECT id, client_id, name, confidential, auth_method, jwks, redirect_uris, scopes, " \
	"grant_types, id_token_alg, created_at, disabled FROM oauth_clients "

/**
 * bw_oauth_client_from_row - the client in the current row of st (columns
 * BW_CLIENT_COLUMNS) into *out, arena-owned. A row we could not have
 * written is BW_ERR_INTERNAL.
 */
BW_MUST_CHECK enum bw_err bw_oauth_client_from_row(struct bw_db_stmt *st, struct bw_arena *a,
                                                   struct bw_oauth_client **out);

/**
 * bw_oauth_client_keys - the public keys of c's registered JWKS into keys
 * (at most BW_CLIENT_JWKS_KEYS_MAX; *n_keys of them, each freed by the
 * caller with bw_jwk_free). BW_ERR_NOT_FOUND when c has none.
 */
BW_MUST_CHECK enum bw_err bw_oauth_client_keys(const struct bw_oauth_client *c,
                                               struct bw_jwk **keys, size_t *n_keys);

/**
 * bw_oauth_basic_parse - the credentials of an "Authorization: Basic" header
 * value h (RFC 7617 with RFC 6749 §2.3.1: client_id and secret are each
 * form-urlencoded, then joined by ':' and base64-encoded). Strict: the
 * scheme (any case) and one space, canonical padded base64 of at most 1 KiB,
 * a colon, both parts non-empty and well-formed once decoded (url.h rules).
 * *id and *secret are arena-owned. BW_ERR_DENIED for anything malformed;
 * BW_ERR_NOMEM.
 */
BW_MUST_CHECK enum bw_err bw_oauth_basic_parse(struct bw_arena *a, const char *h, struct bw_str *id,
                                               struct bw_str *secret);

#endif
