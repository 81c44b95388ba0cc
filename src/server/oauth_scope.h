/*
 * oauth_scope.h — OAuth scope values (RFC 6749 §3.3): parsing the
 * space-delimited list strictly, set operations, and the server's scope
 * policy (which scopes exist, which a client and a user may be granted).
 *
 * A scope value is one or more scope-tokens (%x21 / %x23-5B / %x5D-7E)
 * separated by exactly one space, no leading or trailing space. A repeated
 * token counts once. Anything else is refused, never repaired.
 */
#ifndef BULWARK_OAUTH_SCOPE_H
#define BULWARK_OAUTH_SCOPE_H

#include <stdbool.h>
#include <stddef.h>

#include "bulwark/buf.h"
#include "bulwark/err.h"
#include "bulwark/str.h"

/** Most distinct scopes in one value (the principal's cap, http.h). */
#define BW_SCOPE_MAX 16
/** Longest scope value in bytes. */
#define BW_SCOPE_TEXT_MAX 1024
/** Longest single scope-token in bytes. */
#define BW_SCOPE_TOKEN_MAX 64

/** A parsed scope value; the items borrow the parsed text. */
struct bw_scope_set {
	struct bw_str items[BW_SCOPE_MAX];
	size_t n;
};

/**
 * bw_scope_parse - parse text (borrowed; out's items point into it) into
 * *out. BW_ERR_INVALID for an empty value, a bad character, an empty token
 * (two spaces, a leading or trailing space) or a token longer than
 * BW_SCOPE_TOKEN_MAX; BW_ERR_LIMIT for more than BW_SCOPE_MAX distinct
 * tokens or more than BW_SCOPE_TEXT_MAX bytes. *out is emptied on error.
 */
BW_MUST_CHECK enum bw_err bw_scope_parse(struct bw_str text, struct bw_scope_set *out);

/** bw_scope_has - whether s holds the scope named (exact, case-sensitive). */
bool bw_scope_has(const struct bw_scope_set *s, struct bw_str scope);

/** bw_scope_has_c - bw_scope_has with a NUL-terminated name. */
bool bw_scope_has_c(const struct bw_scope_set *s, const char *scope);

/** bw_scope_subset - whether every scope of a is in b. */
bool bw_scope_subset(const struct bw_scope_set *a, const struct bw_scope_set *b);

/** bw_scope_remove - drop the scope named from s (no-op when absent). */
void bw_scope_remove(struct bw_scope_set *s, const char *scope);

/**
 * bw_scope_join - append s as a scope value (its order, one space apart) to
 * out. BW_ERR_LIMIT when out's cap is reached.
 */
BW_MUST_CHECK enum bw_err bw_scope_join(const struct bw_scope_set *s, struct bw_buf *out);

/* ---- the server's policy --------------------------------------------------- */

/** The scopes the server defines itself (OpenID Connect and administration). */
extern const char *const bw_scope_builtin[];

/**
 * bw_scope_known - whether scope is a builtin scope or one of the n API
 * scopes of the configuration (oauth.api_scopes; borrowed).
 */
bool bw_scope_known(struct bw_str scope, char *const *api_scopes, size_t n);

/**
 * bw_scope_token_ok - whether name is a valid scope-token: for checking the
 * configuration's API scopes at start-up.
 */
bool bw_scope_token_ok(struct bw_str name);

#endif
