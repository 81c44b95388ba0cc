/*
 * mail.h — outgoing mail: checked, formatted when it is sent, delivered by
 * a background worker (jobs.h) to the SMTP relay (smtp.h) when one is
 * configured, else to the outbox directory (outbox.h; always in
 * development mode).
 *
 * Nothing from a request goes into a header except the recipient, which
 * must already be canonical (email.h: ASCII dot-atom, no CR, LF or other
 * controls); subjects are static text; links are built from
 * settings.public_origin, never from a request's Host or forwarding
 * headers. Because delivery is queued, a request that sends mail takes the
 * same time as one that does not, and never waits for a slow relay.
 */
#ifndef BULWARK_MAIL_H
#define BULWARK_MAIL_H

#include "app.h"
#include "bulwark/buf.h"
#include "jobs.h"

/** Largest message body accepted. */
#define BW_MAIL_BODY_MAX 8192
/** Default of mail.queue: messages (and mail jobs) queued at most; more are BW_ERR_BUSY. */
#define BW_MAIL_QUEUE_DEFAULT 1024

/**
 * bw_mail_start - resolve the relay password, set up libcurl and start
 * the worker; app->mailer is set. On failure *why is a static sentence for
 * the operator.
 */
BW_MUST_CHECK enum bw_err bw_mail_start(struct bw_app *app, const char **why);

/** bw_mail_stop - deliver what is queued (a few seconds at most) and stop. */
void bw_mail_stop(struct bw_app *app);

/**
 * bw_mail_format - the RFC 5322 message (CRLF line ends, text/plain UTF-8,
 * random Message-ID) into out (reset first). BW_ERR_INVALID for a
 * recipient that is not canonical, or a subject or body holding CR or
 * another control character (LF allowed in the body only, made CRLF);
 * BW_ERR_LIMIT for a body over BW_MAIL_BODY_MAX.
 */
BW_MUST_CHECK enum bw_err bw_mail_format(const struct bw_app *app, const char *to,
                                         const char *subject, const char *body, struct bw_buf *out);

/**
 * bw_mail_send - format the message now (errors as bw_mail_format) and
 * queue its delivery. BW_ERR_BUSY when the queue is full (nothing queued).
 */
BW_MUST_CHECK enum bw_err bw_mail_send(struct bw_app *app, const char *to, const char *subject,
                                       const char *body);

/**
 * bw_mail_submit - run other mail-related work on the mail worker, in
 * order with the deliveries (jobs.h ownership rules for ctx): work whose
 * cost must not show in a response's timing, such as a password-reset
 * lookup. BW_ERR_BUSY when the queue is full.
 */
BW_MUST_CHECK enum bw_err bw_mail_submit(struct bw_app *app, bw_job_fn run, void *ctx,
                                         bw_job_release_fn release);

/* ---- the messages (mail_text.c) ------------------------------------------ */

/**
 * bw_mail_verification - the link <public_origin>/verify-email?token=<token>
 * for a new account. token must be a token's text form (token.h).
 */
BW_MUST_CHECK enum bw_err bw_mail_verification(struct bw_app *app, const char *to,
                                               const char *token);

/** bw_mail_taken_notice - to the owner of an address someone tried to register again. */
BW_MUST_CHECK enum bw_err bw_mail_taken_notice(struct bw_app *app, const char *to);

/**
 * bw_mail_reset - the link <public_origin>/password-reset/confirm?token=<token>,
 * valid for ttl_min minutes.
 */
BW_MUST_CHECK enum bw_err bw_mail_reset(struct bw_app *app, const char *to, const char *token,
                                        unsigned ttl_min);

#endif
