/* mail_text.c — the messages the server sends (mail.h). Static text; the
 * only values put in are the public origin and tokens in their text form. */
#include <stdio.h>

#include "bulwark/secret.h"
#include "bulwark/token.h"
#include "mail.h"

/* Send body, then wipe it: it may hold a one-time link. */
static enum bw_err send_wiped(struct bw_app *app, const char *to, const char *subject, char *body,
                              size_t size, int n)
{
	enum bw_err rc =
	        n < 0 || (size_t)n >= size ? BW_ERR_LIMIT : bw_mail_send(app, to, subject, body);

	bw_wipe(body, size);
	return rc;
}

static bool is_token(const char *token)
{
	uint8_t raw[BW_TOKEN_BYTES];
	bool ok = bw_token_parse(bw_str_c(token), raw) == BW_OK;

	bw_wipe(raw, sizeof(raw));
	return ok;
}

enum bw_err bw_mail_verification(struct bw_app *app, const char *to, const char *token)
{
	char body[1024];
	int n;

	if (!is_token(token))
		return BW_ERR_INVALID;
	n = snprintf(body, sizeof(body),
	             "Welcome to bulwark.\n\nConfirm your email address by opening this link:\n\n"
	             "%s/verify-email?token=%s\n\n"
	             "The link is valid for 24 hours. If you did not create an account, ignore "
	             "this message.\n",
	             app->settings.public_origin, token);
	return send_wiped(app, to, "Confirm your email address", body, sizeof(body), n);
}

enum bw_err bw_mail_taken_notice(struct bw_app *app, const char *to)
{
	char body[1024];
	int n = snprintf(
	        body, sizeof(body),
	        "Someone tried to create a bulwark account with this email address, which "
	        "already has one.\n\nIf it was you, sign in at %s/login instead. If it was "
	        "not, you need not do anything: no account was created and your password "
	        "was not changed.\n",
	        app->settings.public_origin);

	return send_wiped(app, to, "Registration attempt with your email address", body,
	                  sizeof(body), n);
}

enum bw_err bw_mail_reset(struct bw_app *app, const char *to, const char *token, unsigned ttl_min)
{
	char body[1024];
	int n;

	if (!is_token(token))
		return BW_ERR_INVALID;
	n = snprintf(body, sizeof(body),
	             "Someone asked to reset the password of the bulwark account with this email "
	             "address.\n\nTo choose a new password, open this link within %u minutes:\n\n"
	             "%s/password-reset/confirm?token=%s\n\n"
	             "The link works once. Choosing a new password signs out every session of the "
	             "account.\n\nIf you did not ask for this, ignore this message: your password "
	             "stays as it is.\n",
	             ttl_min, app->settings.public_origin, token);
	return send_wiped(app, to, "Reset your password", body, sizeof(body), n);
}
