/*
 * mfa.h — the second factor of an account: a TOTP key (totp.h), its backup
 * codes, and the short-lived tokens that carry a login from the password
 * step to the code step.
 *
 * Storage (migration "mfa"):
 *   mfa_totp — one row per user: the TOTP secret encrypted at rest
 *     (XChaCha20-Poly1305 under the BW_KEY_FIELD purpose key, a fresh
 *     24-byte nonce each time, the user's row id in the associated data so
 *     a ciphertext copied to another row does not open; the key id is
 *     stored so a rotation knows what to re-encrypt), its state (pending
 *     until the first valid code, then confirmed), and the last accepted
 *     time step: a code whose step is not later is refused (a code works
 *     once, and an older one never).
 *   mfa_backup_codes — ten per user, each 12 characters of base32 (60 bits
 *     from the CSPRNG) shown once as xxxx-xxxx-xxxx; stored as a keyed
 *     BLAKE2b-256 hash under the BW_KEY_MFA purpose key over the user id and
 *     the code. A keyed hash, not Argon2: a code is as random as a key, so
 *     there is no dictionary to slow down, and only the key's holder can
 *     compute a hash at all. Single use (used_at).
 *   mfa_tokens — the login's second step: a 256-bit token (token.h) stored
 *     as its keyed hash (label "mfa_token", BW_KEY_MFA), valid
 *     BW_MFA_TOKEN_TTL seconds, for BW_MFA_TOKEN_ATTEMPTS tries, bound to
 *     the user and to the password the login proved: a password change in
 *     between kills it.
 *
 * Every function takes the application for its database and keys; the
 * module keeps no state.
 */
#ifndef BULWARK_MFA_H
#define BULWARK_MFA_H

#include <stdbool.h>
#include <stdint.h>

#include "app.h"
#include "bulwark/buf.h"
#include "bulwark/csrf.h"
#include "bulwark/token.h"
#include "bulwark/totp.h"

/** Backup codes per user, and the text size of one ("xxxx-xxxx-xxxx" and a NUL). */
#define BW_MFA_BACKUP_CODES     10
#define BW_MFA_BACKUP_CODE_SIZE 15
/** An MFA token's lifetime (seconds) and the codes it may try. */
#define BW_MFA_TOKEN_TTL      300
#define BW_MFA_TOKEN_ATTEMPTS 5
/** The issuer shown by authenticator apps. */
#define BW_MFA_ISSUER "bulwark"

enum bw_mfa_state {
	BW_MFA_NONE = 0,  /**< no TOTP key */
	BW_MFA_PENDING,   /**< enrolment started, no code seen yet */
	BW_MFA_CONFIRMED, /**< in force: login needs a code */
};

/** What a code proved (for the audit log). */
enum bw_mfa_kind { BW_MFA_KIND_TOTP = 1, BW_MFA_KIND_BACKUP };

/** Ten fresh backup codes, shown once. Wipe after use. */
struct bw_mfa_backup {
	char codes[BW_MFA_BACKUP_CODES][BW_MFA_BACKUP_CODE_SIZE];
};

/**
 * bw_mfa_start - check the keys are there (BW_ERR_STATE otherwise) and
 * delete MFA tokens that expired while the server was down.
 */
BW_MUST_CHECK enum bw_err bw_mfa_start(struct bw_app *app);

/**
 * bw_mfa_status - user_id's state and (when confirmed) the unused backup
 * codes left.
 */
BW_MUST_CHECK enum bw_err bw_mfa_status(struct bw_app *app, int64_t user_id,
                                        enum bw_mfa_state *state, unsigned *backup_left);

/**
 * bw_mfa_totp_begin - a fresh secret for user_id, stored encrypted as a
 * pending key (replacing a pending one), into secret; wipe it once shown.
 * BW_ERR_EXISTS when a confirmed key is in force (nothing is written).
 */
BW_MUST_CHECK enum bw_err bw_mfa_totp_begin(struct bw_app *app, int64_t user_id,
                                            uint8_t secret[BW_TOTP_SECRET_BYTES]);

/**
 * bw_mfa_totp_confirm - the first valid code (borrowed) of the pending key
 * confirms it: in one transaction the key becomes confirmed with the code's
 * step as the last accepted one, and ten new backup codes replace any old
 * ones (into *out). BW_ERR_STATE when nothing is pending, BW_ERR_VERIFY for
 * a wrong code (nothing written either way).
 */
BW_MUST_CHECK enum bw_err bw_mfa_totp_confirm(struct bw_app *app, int64_t user_id,
                                              struct bw_str code, struct bw_mfa_backup *out);

/**
 * bw_mfa_check_code - prove user_id's confirmed second factor with code
 * (borrowed): six digits are a TOTP code (accepted once: its step is stored
 * as the last accepted one, atomically, so two racing uses cannot both
 * pass), anything shaped like a backup code is one (used up atomically).
 * *kind gets what matched. BW_ERR_VERIFY for a wrong, replayed or used code
 * or a shape that is neither, BW_ERR_STATE when no confirmed key is in
 * force. Nothing is written on a refusal.
 */
BW_MUST_CHECK enum bw_err bw_mfa_check_code(struct bw_app *app, int64_t user_id, struct bw_str code,
                                            enum bw_mfa_kind *kind);

/**
 * bw_mfa_disable - delete user_id's key, backup codes and MFA tokens.
 * *removed (may be NULL) tells whether there was a key.
 */
BW_MUST_CHECK enum bw_err bw_mfa_disable(struct bw_app *app, int64_t user_id, bool *removed);

/** bw_mfa_disable_db - bw_mfa_disable on a database alone (`bulwark user mfa-off`). */
BW_MUST_CHECK enum bw_err bw_mfa_disable_db(struct bw_db *db, int64_t user_id, bool *removed);

/**
 * bw_mfa_backup_regenerate - ten new backup codes replace user_id's old
 * ones (into *out). BW_ERR_STATE unless a confirmed key is in force.
 */
BW_MUST_CHECK enum bw_err bw_mfa_backup_regenerate(struct bw_app *app, int64_t user_id,
                                                   struct bw_mfa_backup *out);

/**
 * bw_mfa_token_issue - a login of user_id proved the password at
 * auth_time; a fresh MFA token for its second step into token (hand it to
 * the client, then wipe it). The user's expired tokens are deleted.
 */
BW_MUST_CHECK enum bw_err bw_mfa_token_issue(struct bw_app *app, int64_t user_id, int64_t auth_time,
                                             char token[BW_TOKEN_TEXT_SIZE]);

/**
 * bw_mfa_token_attempt - spend one attempt of the presented token
 * (borrowed): when it is well-formed, known, unexpired, has attempts left
 * and its user's password is unchanged since it was issued, the attempt is
 * counted and *user_id set. BW_ERR_NOT_FOUND otherwise (nothing counted).
 */
BW_MUST_CHECK enum bw_err bw_mfa_token_attempt(struct bw_app *app, struct bw_str token,
                                               int64_t *user_id);

/**
 * bw_mfa_token_consume - delete the presented token after its code passed.
 * BW_ERR_NOT_FOUND when it was gone already (a concurrent use won).
 */
BW_MUST_CHECK enum bw_err bw_mfa_token_consume(struct bw_app *app, struct bw_str token);

/**
 * bw_mfa_limits - charge one code attempt against user_id's account-wide
 * MFA policies (growing delays, whatever the address or token), as
 * bw_auth_login_limits does for passwords. *allowed false: answer 429.
 */
BW_MUST_CHECK enum bw_err bw_mfa_limits(struct bw_req *req, int64_t user_id, bool *allowed);

/* ---- the account actions (routes/mfa.c), shared by the JSON API and the pages -- */

/*
 * Each does the work and its checks (re-authentication, the MFA limits,
 * the audit) and says how it went in a struct bw_account_result (account.h);
 * routes/mfa.c answers problem documents, routes/web_mfa.c forms.
 */
struct bw_account_result;
struct bw_account_login;

/** A TOTP key being enrolled, shown once: wipe with bw_mfa_enrolment_wipe. */
struct bw_mfa_enrolment {
	char secret[BW_BASE32_LEN(BW_TOTP_SECRET_BYTES) + 1]; /**< base32, for typing in */
	struct bw_buf uri;                                    /**< the otpauth:// Key URI */
	struct bw_buf svg; /**< its QR code: an SVG document built from the URI alone */
};

/**
 * bw_account_mfa_begin - a new pending TOTP key for the signed-in user
 * into *out (BW_ACCOUNT_OK; wipe it after the answer is built).
 * BW_ACCOUNT_REAUTH without a recent proof, BW_ACCOUNT_STATE when a
 * confirmed key is in force. Audited.
 */
BW_MUST_CHECK enum bw_err bw_account_mfa_begin(struct bw_req *req, struct bw_mfa_enrolment *out,
                                               struct bw_account_result *res);

/** bw_mfa_enrolment_wipe - wipe and free an enrolment (also one never filled). */
void bw_mfa_enrolment_wipe(struct bw_mfa_enrolment *e);

/**
 * bw_account_mfa_confirm - confirm the pending key with its first code:
 * BW_ACCOUNT_OK with ten backup codes in *codes (wipe them) and the
 * session replaced (its cookie on resp, its CSRF token in csrf), every
 * other session of the user ended. BW_ACCOUNT_STATE when nothing is
 * pending, BW_ACCOUNT_FIELD ("code", "invalid") for a wrong code,
 * BW_ACCOUNT_RATE_LIMITED past the MFA limits. Audited.
 */
BW_MUST_CHECK enum bw_err bw_account_mfa_confirm(struct bw_req *req, struct bw_resp *resp,
                                                 struct bw_str code, struct bw_mfa_backup *codes,
                                                 char csrf[BW_CSRF_SESSION_TOKEN_SIZE],
                                                 struct bw_account_result *res);

/**
 * bw_account_mfa_disable - remove the signed-in user's second factor (key,
 * backup codes, MFA tokens): BW_ACCOUNT_OK (*removed: there was a key),
 * BW_ACCOUNT_REAUTH without a recent proof. Audited.
 */
BW_MUST_CHECK enum bw_err bw_account_mfa_disable(struct bw_req *req, bool *removed,
                                                 struct bw_account_result *res);

/**
 * bw_account_mfa_backup - ten new backup codes replace the old ones
 * (BW_ACCOUNT_OK, into *codes: wipe them); BW_ACCOUNT_REAUTH without a
 * recent proof, BW_ACCOUNT_STATE when no key is in force. Audited.
 */
BW_MUST_CHECK enum bw_err bw_account_mfa_backup(struct bw_req *req, struct bw_mfa_backup *codes,
                                                struct bw_account_result *res);

/**
 * bw_account_mfa_login - the login's second step with the MFA token of the
 * password step and a code (both borrowed; the caller checked the
 * pre-session CSRF token): one attempt of the token spent, the MFA limits
 * charged, the code checked (TOTP once, or a backup code used up); on
 * BW_ACCOUNT_OK the token is used up and a session opened (cookie on resp,
 * public id and CSRF token in *out). BW_ACCOUNT_DENIED for a wrong,
 * replayed or used code, BW_ACCOUNT_NOT_FOUND when the token is unknown,
 * expired or out of tries (or MFA was turned off since): the password step
 * must be done again; BW_ACCOUNT_RATE_LIMITED past the MFA limits. Audited.
 */
BW_MUST_CHECK enum bw_err bw_account_mfa_login(struct bw_req *req, struct bw_resp *resp,
                                               struct bw_str mfa_token, struct bw_str code,
                                               struct bw_account_login *out);

/**
 * bw_account_reauth - re-authenticate the signed-in session with exactly
 * one of password and code (the other NULL): on BW_ACCOUNT_OK the
 * session's auth_time is now. With a second factor in force only a code
 * counts (BW_ACCOUNT_MFA_REQUIRED for a password); without one only the
 * password (BW_ACCOUNT_FIELD "code" "mfa_not_enabled"); both or neither is
 * BW_ACCOUNT_FIELD "(body)" "password_or_code". BW_ACCOUNT_DENIED for a
 * wrong password or code, BW_ACCOUNT_RATE_LIMITED past the login limits
 * (password) or the MFA limits (code). Audited. Slow with a password.
 */
BW_MUST_CHECK enum bw_err bw_account_reauth(struct bw_req *req, const struct bw_str *password,
                                            const struct bw_str *code,
                                            struct bw_account_result *res);

/* routes/mfa.c: the MFA, second-step and re-authentication routes (routes/table.c) */
extern const struct bw_route bw_routes_mfa[];
extern const size_t bw_routes_mfa_n;

#endif
