/*
 * outbox.c — outgoing mail as files (outbox.h). Nothing from a request goes
 * into a header except the recipient, which must already be in canonical
 * form; the message id and the file name are random.
 */
#include "outbox.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bulwark/buf.h"
#include "bulwark/email.h"
#include "bulwark/fsutil.h"
#include "bulwark/random.h"
#include "bulwark/token.h"

#define PATH_MAX_LEN 2048

/* The host part of the public origin ("https://host:port" -> "host"), for
 * From and Message-ID; "localhost" when it cannot be found. */
static void origin_host(const char *origin, char *out, size_t size)
{
	const char *p = strstr(origin, "://");
	size_t n = 0;

	p = p != NULL ? p + 3 : origin;
	while (p[n] != '\0' && p[n] != ':' && p[n] != '/' && p[n] != ']' && n + 1 < size) {
		unsigned char c = (unsigned char)p[n];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
			break;
		out[n] = (char)c;
		n++;
	}
	if (n == 0 || (p[n] != '\0' && p[n] != ':' && p[n] != '/')) {
		snprintf(out, size, "%s", "localhost");
		return;
	}
	out[n] = '\0';
}

static bool text_ok(const char *s, bool newlines)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n' && newlines)
			continue;
		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

enum bw_err bw_outbox_send(const struct bw_app *app, const char *to, const char *subject,
                           const char *body)
{
	char canon[BW_EMAIL_MAX + 1];
	char host[256], date[64], rnd[BW_TOKEN_SIZE(16)], dir[PATH_MAX_LEN], path[PATH_MAX_LEN];
	struct bw_buf b;
	struct tm tm;
	time_t now = time(NULL);
	bool created;
	enum bw_err rc;

	BW_REQUIRE(app != NULL && to != NULL && subject != NULL && body != NULL);
	if (bw_email_canon(bw_str_c(to), canon, sizeof(canon), NULL) != BW_OK ||
	    strcmp(canon, to) != 0 || !text_ok(subject, false) || !text_ok(body, true))
		return BW_ERR_INVALID;
	if (strlen(body) > BW_OUTBOX_BODY_MAX)
		return BW_ERR_LIMIT;
	if (snprintf(dir, sizeof(dir), "%s/outbox", app->settings.data_dir) >= (int)sizeof(dir))
		return BW_ERR_LIMIT;
	rc = bw_fs_mkdir_private(dir, &created);
	if (rc != BW_OK)
		return BW_ERR_IO;
	if (bw_random_token(16, rnd, sizeof(rnd)) != BW_OK)
		return BW_ERR_INTERNAL;
	if (snprintf(path, sizeof(path), "%s/%lld-%s.eml", dir, (long long)now, rnd) >=
	    (int)sizeof(path))
		return BW_ERR_LIMIT;
	origin_host(app->settings.public_origin, host, sizeof(host));
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);

	bw_buf_init(&b, BW_OUTBOX_BODY_MAX * 2 + 2048);
	rc = bw_buf_printf(&b,
	                   "Date: %s\r\nFrom: bulwark <no-reply@%s>\r\nTo: <%s>\r\n"
	                   "Subject: %s\r\nMessage-ID: <%s@%s>\r\nMIME-Version: 1.0\r\n"
	                   "Content-Type: text/plain; charset=utf-8\r\n"
	                   "Content-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n"
	                   "\r\n",
	                   date, host, canon, subject, rnd, host);
	for (const char *p = body; rc == BW_OK && *p != '\0'; p++)
		rc = *p == '\n' ? bw_buf_append(&b, "\r\n", 2) : bw_buf_append_byte(&b, *p);
	if (rc == BW_OK)
		rc = bw_fs_write_atomic(path, bw_buf_str(&b).p, b.len, 0600, 0);
	bw_buf_free(&b);
	return rc == BW_OK ? BW_OK : (rc == BW_ERR_LIMIT ? rc : BW_ERR_IO);
}

enum bw_err bw_outbox_verification(const struct bw_app *app, const char *to, const char *token)
{
	uint8_t raw[BW_TOKEN_BYTES];
	char body[1024];

	if (bw_token_parse(bw_str_c(token), raw) != BW_OK)
		return BW_ERR_INVALID;
	bw_wipe(raw, sizeof(raw));
	if (snprintf(body, sizeof(body),
	             "Welcome to bulwark.\n\nConfirm your email address by opening this link:\n\n"
	             "%s/verify-email?token=%s\n\n"
	             "The link is valid for 24 hours. If you did not create an account, ignore "
	             "this message.\n",
	             app->settings.public_origin, token) >= (int)sizeof(body))
		return BW_ERR_LIMIT;
	return bw_outbox_send(app, to, "Confirm your email address", body);
}

enum bw_err bw_outbox_taken_notice(const struct bw_app *app, const char *to)
{
	char body[1024];

	if (snprintf(body, sizeof(body),
	             "Someone tried to create a bulwark account with this email address, which "
	             "already has one.\n\nIf it was you, sign in at %s/login instead. If it was "
	             "not, you need not do anything: no account was created and your password "
	             "was not changed.\n",
	             app->settings.public_origin) >= (int)sizeof(body))
		return BW_ERR_LIMIT;
	return bw_outbox_send(app, to, "Registration attempt with your email address", body);
}
