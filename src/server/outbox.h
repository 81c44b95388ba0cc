/*
 * outbox.h — outgoing mail as RFC 5322 files under <data_dir>/outbox/.
 *
 * Until SMTP delivery exists (and always in development), each message is
 * one file, written atomically (temporary file, fsync, rename) with mode
 * 0600 in a 0700 directory, named <unix-seconds>-<random>.eml so names never
 * collide and sort by time. Headers are built only from checked values: the
 * recipient must be a canonical address (email.h: ASCII dot-atom, no CR, LF
 * or other controls), subjects are static text, and links are built from
 * settings.public_origin, never from a request's Host or forwarding headers.
 */
#ifndef BULWARK_OUTBOX_H
#define BULWARK_OUTBOX_H

#include "app.h"

/** Largest message body accepted. */
#define BW_OUTBOX_BODY_MAX 8192

/**
 * bw_outbox_send - write one text/plain UTF-8 message to canonical address
 * to, with a static subject and body (CRLF line ends are made here from
 * LF). Borrows everything. Errors: BW_ERR_INVALID for a recipient that is not
 * canonical, or a subject or body holding CR or another control character
 * (LF allowed in the body only); BW_ERR_LIMIT for a body over
 * BW_OUTBOX_BODY_MAX; BW_ERR_IO when the directory or file cannot be made.
 */
BW_MUST_CHECK enum bw_err bw_outbox_send(const struct bw_app *app, const char *to,
                                         const char *subject, const char *body);

/**
 * bw_outbox_verification - the mail with the verification link
 * <public_origin>/verify-email?token=<token> for a new account. token must
 * be a token's text form (token.h), else BW_ERR_INVALID.
 */
BW_MUST_CHECK enum bw_err bw_outbox_verification(const struct bw_app *app, const char *to,
                                                 const char *token);

/**
 * bw_outbox_taken_notice - the notice to the owner of an address that
 * someone tried to register again (the registration answer itself does not
 * tell; only the mailbox's owner learns of it).
 */
BW_MUST_CHECK enum bw_err bw_outbox_taken_notice(const struct bw_app *app, const char *to);

#endif
