/* mail.c — formatting, queueing and delivery of outgoing mail (mail.h). */
#include "mail.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bulwark/config.h"
#include "bulwark/email.h"
#include "bulwark/random.h"
#include "bulwark/token.h"
#include "outbox.h"
#include "smtp.h"

#define SMTP_TIMEOUT_S   30
#define STOP_DEADLINE_MS 5000

struct bw_mailer {
	struct bw_jobs *jobs;
	struct bw_secret *password; /* mail.smtp_password, resolved */
	bool smtp;                  /* deliver to the relay (else the outbox) */
};

/* One queued delivery: the formatted message and its recipient. */
struct delivery {
	char to[BW_EMAIL_MAX + 1];
	size_t len;
	char message[]; /* NUL-terminated */
};

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

enum bw_err bw_mail_format(const struct bw_app *app, const char *to, const char *subject,
                           const char *body, struct bw_buf *out)
{
	char host[256], from[300], date[64], rnd[BW_TOKEN_SIZE(16)];
	struct tm tm;
	time_t now = time(NULL);
	enum bw_err rc;

	BW_REQUIRE(app != NULL && to != NULL && subject != NULL && body != NULL);
	if (!bw_email_is_canon(to) || !text_ok(subject, false) || !text_ok(body, true))
		return BW_ERR_INVALID;
	if (strlen(body) > BW_MAIL_BODY_MAX)
		return BW_ERR_LIMIT;
	if (bw_random_token(16, rnd, sizeof(rnd)) != BW_OK)
		return BW_ERR_INTERNAL;
	origin_host(app->settings.public_origin, host, sizeof(host));
	if (app->settings.mail_from[0] != '\0')
		snprintf(from, sizeof(from), "%s", app->settings.mail_from);
	else
		snprintf(from, sizeof(from), "no-reply@%s", host);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	bw_buf_reset(out);
	rc = bw_buf_printf(out,
	                   "Date: %s\r\nFrom: bulwark <%s>\r\nTo: <%s>\r\n"
	                   "Subject: %s\r\nMessage-ID: <%s@%s>\r\nMIME-Version: 1.0\r\n"
	                   "Content-Type: text/plain; charset=utf-8\r\n"
	                   "Content-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n"
	                   "\r\n",
	                   date, from, to, subject, rnd, host);
	for (const char *p = body; rc == BW_OK && *p != '\0'; p++)
		rc = *p == '\n' ? bw_buf_append(out, "\r\n", 2) : bw_buf_append_byte(out, *p);
	return rc;
}

static void deliver(void *arg, void *ctx)
{
	struct bw_app *app = arg;
	struct delivery *d = ctx;
	const char *why = "written";
	enum bw_err rc;

	if (app->mailer->smtp) {
		struct bw_smtp s = {
		        .url = app->settings.smtp_url,
		        .from = app->settings.mail_from,
		        .user = app->settings.smtp_user,
		        .password = app->mailer->password,
		        .ca_file = app->settings.smtp_ca_file,
		        .timeout_s = SMTP_TIMEOUT_S,
		};

		rc = bw_smtp_send(&s, d->to, d->message, d->len, &why);
	} else {
		rc = bw_outbox_write(app->settings.data_dir, d->message, d->len);
	}
	if (rc == BW_OK)
		BW_LOG(app->log, BW_LOG_INFO, NULL, "mail.sent",
		       BW_LOG_F_CSTR("via", app->mailer->smtp ? "smtp" : "outbox"));
	else
		BW_LOG(app->log, BW_LOG_ERROR, NULL, "mail.failed",
		       BW_LOG_F_CSTR("via", app->mailer->smtp ? "smtp" : "outbox"),
		       BW_LOG_F_CSTR("reason", app->mailer->smtp ? why : bw_err_str(rc)));
}

static void release_delivery(void *ctx)
{
	struct delivery *d = ctx;

	bw_wipe(d->message, d->len); /* links in mail are credentials */
	free(d);
}

enum bw_err bw_mail_send(struct bw_app *app, const char *to, const char *subject, const char *body)
{
	struct bw_buf b;
	struct delivery *d;
	enum bw_err rc;

	BW_REQUIRE(app->mailer != NULL);
	bw_buf_init(&b, BW_MAIL_BODY_MAX * 2 + 2048);
	rc = bw_mail_format(app, to, subject, body, &b);
	if (rc != BW_OK) {
		bw_buf_free(&b);
		return rc;
	}
	d = malloc(sizeof(*d) + b.len + 1);
	if (d == NULL) {
		bw_buf_free(&b);
		return BW_ERR_NOMEM;
	}
	snprintf(d->to, sizeof(d->to), "%s", to);
	d->len = b.len;
	memcpy(d->message, bw_buf_str(&b).p, b.len);
	d->message[b.len] = '\0';
	bw_wipe(b.p, b.len);
	bw_buf_free(&b);
	return bw_jobs_submit(app->mailer->jobs, deliver, d, release_delivery);
}

enum bw_err bw_mail_submit(struct bw_app *app, bw_job_fn run, void *ctx, bw_job_release_fn release)
{
	BW_REQUIRE(app->mailer != NULL);
	return bw_jobs_submit(app->mailer->jobs, run, ctx, release);
}

enum bw_err bw_mail_start(struct bw_app *app, const char **why)
{
	struct bw_mailer *m = calloc(1, sizeof(*m));
	enum bw_err rc;

	*why = "the mail worker cannot start";
	if (m == NULL)
		return BW_ERR_NOMEM;
	m->smtp = app->settings.smtp_url[0] != '\0' && app->settings.mode != BW_MODE_DEVELOPMENT;
	if (m->smtp && app->settings.smtp_password[0] != '\0') {
		rc = bw_config_secret_resolve_flags(
		        app->settings.smtp_password,
		        app->settings.mode == BW_MODE_DEVELOPMENT ? BW_CONFIG_ALLOW_LITERAL : 0,
		        &m->password, NULL);
		if (rc != BW_OK) {
			*why = "the SMTP password cannot be read";
			free(m);
			return rc;
		}
	}
	if (m->smtp && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		bw_secret_free(m->password);
		free(m);
		return BW_ERR_INTERNAL;
	}
	rc = bw_jobs_start(app->settings.mail_queue, app, &m->jobs);
	if (rc != BW_OK) {
		if (m->smtp)
			curl_global_cleanup();
		bw_secret_free(m->password);
		free(m);
		return rc;
	}
	app->mailer = m;
	return BW_OK;
}

void bw_mail_stop(struct bw_app *app)
{
	struct bw_mailer *m = app->mailer;

	if (m == NULL)
		return;
	bw_jobs_stop(m->jobs, STOP_DEADLINE_MS);
	if (m->smtp)
		curl_global_cleanup();
	bw_secret_free(m->password);
	free(m);
	app->mailer = NULL;
}
