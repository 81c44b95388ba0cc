/*
 * signing_internal.h — what signing.c gives the access-token code
 * (access_token.c): verification against the current key snapshot, with the
 * reload on an unknown kid, and the periodic-reload hook. Not for other
 * modules: they use signing.h.
 */
#ifndef BULWARK_SIGNING_INTERNAL_H
#define BULWARK_SIGNING_INTERNAL_H

#include "bulwark/arena.h"
#include "bulwark/jwt.h"
#include "signing.h"

/**
 * bw_signing_verify - bw_jwt_verify of token against the keys of use that
 * may still verify (next, active, retired within its token lifetime). A
 * token naming a kid the snapshot lacks makes one reload (at most once per
 * BW_SIGNING_RELOAD_MIN_S) and one more try. Errors as bw_jwt_verify.
 */
BW_MUST_CHECK enum bw_err bw_signing_verify(struct bw_app *app, enum bw_signing_use use,
                                            struct bw_str token, const struct bw_jwt_expect *expect,
                                            json_t **claims, enum bw_jwt_reason *why);

/**
 * bw_signing_tick - the periodic work, called on the request path (signing
 * and verifying): when BW_SIGNING_RELOAD_S have passed since the last
 * reload, one caller reloads the keys and the denylist while the others go
 * on with what they have. Never blocks on another thread's reload.
 */
void bw_signing_tick(struct bw_app *app);

/**
 * bw_access_token_resolve - bw_access_token_authenticate without a request:
 * strings of *out are allocated in a; *reason (static) says why a token was
 * refused ("revoked", "unknown_user", a jwt.h reason, …) or "cached" for a
 * cache hit. For the authenticator and its tests.
 */
BW_MUST_CHECK enum bw_err bw_access_token_resolve(struct bw_app *app, struct bw_str token,
                                                  struct bw_arena *a, struct bw_principal *out,
                                                  const char **reason);

/**
 * bw_signing_wait - return once the id_token keys a first start makes in the
 * background are there (or could not be made). bw_signing_sign(BW_SIGNING_ID)
 * waits this way by itself.
 */
void bw_signing_wait(struct bw_app *app);

/* access_token.c: its state in struct bw_signing, made and freed by signing.c */
struct bw_access_state;
BW_MUST_CHECK enum bw_err bw_access_state_new(struct bw_app *app, struct bw_access_state **out);
void bw_access_state_free(struct bw_access_state *s);
/** bw_access_state_reload - re-read the denylist table (from bw_signing_tick). */
BW_MUST_CHECK enum bw_err bw_access_state_reload(struct bw_app *app, struct bw_access_state *s);
/** bw_signing_access_state - the access-token state of app (NULL before start). */
struct bw_access_state *bw_signing_access_state(struct bw_app *app);

#endif
