/* smtp.c — one message to a relay over STARTTLS or SMTPS (smtp.h). */
#include "smtp.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "bulwark/email.h"
#include "bulwark/str.h"

#define ADDR_MAX 300

struct reader {
	const char *p;
	size_t left;
};

static size_t read_cb(char *dst, size_t size, size_t n, void *ctx)
{
	struct reader *r = ctx;
	size_t want = size * n;

	if (want > r->left)
		want = r->left;
	memcpy(dst, r->p, want);
	r->p += want;
	r->left -= want;
	return want;
}

bool bw_smtp_url_ok(const char *url)
{
	const char *host, *end;

	if (url == NULL)
		return false;
	if (strncmp(url, "smtp://", 7) == 0)
		host = url + 7;
	else if (strncmp(url, "smtps://", 8) == 0)
		host = url + 8;
	else
		return false;
	if (*host == '\0' || *host == ':' || *host == '/')
		return false;
	/* host[:port] only: no userinfo (credentials go in mail.smtp_user /
	 * mail.smtp_password), no path, no query */
	end = host + strcspn(host, "/?#@");
	if (*end != '\0')
		return false;
	for (const char *p = host; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return false;
	return true;
}

/* A static reason for the log from curl's code; the relay's text is never kept. */
static const char *reason(CURLcode c)
{
	switch (c) {
	case CURLE_USE_SSL_FAILED:
		return "relay_offers_no_starttls";
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		return "bad_certificate";
	case CURLE_SSL_CONNECT_ERROR:
		return "tls_failed";
	case CURLE_LOGIN_DENIED:
		return "login_denied";
	case CURLE_OPERATION_TIMEDOUT:
		return "timeout";
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
		return "unreachable";
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
		return "connection_lost";
	default:
		return "refused";
	}
}

enum bw_err bw_smtp_send(const struct bw_smtp *s, const char *to, const char *message, size_t len,
                         const char **why)
{
	char from[ADDR_MAX], rcpt[ADDR_MAX];
	struct reader r = {message, len};
	struct curl_slist *rcpts = NULL;
	char pw[1024];
	CURL *c;
	CURLcode cc;

	if (why != NULL)
		*why = "invalid";
	if (!bw_smtp_url_ok(s->url) || !bw_email_is_canon(s->from) || !bw_email_is_canon(to))
		return BW_ERR_INVALID;
	snprintf(from, sizeof(from), "<%s>", s->from);
	snprintf(rcpt, sizeof(rcpt), "<%s>", to);
	c = curl_easy_init();
	if (c == NULL)
		return BW_ERR_NOMEM;
	rcpts = curl_slist_append(NULL, rcpt);
	if (rcpts == NULL) {
		curl_easy_cleanup(c);
		return BW_ERR_NOMEM;
	}
	curl_easy_setopt(c, CURLOPT_URL, s->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL); /* STARTTLS or nothing */
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (s->ca_file != NULL && s->ca_file[0] != '\0')
		curl_easy_setopt(c, CURLOPT_CAINFO, s->ca_file);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)s->timeout_s);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &r);
	pw[0] = '\0';
	if (s->user != NULL && s->user[0] != '\0' && s->password != NULL) {
		size_t n = bw_secret_len(s->password);

		if (n >= sizeof(pw)) {
			curl_slist_free_all(rcpts);
			curl_easy_cleanup(c);
			return BW_ERR_LIMIT;
		}
		memcpy(pw, bw_secret_bytes(s->password), n);
		pw[n] = '\0';
		curl_easy_setopt(c, CURLOPT_USERNAME, s->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, pw);
	}
	cc = curl_easy_perform(c);
	bw_wipe(pw, sizeof(pw));
	curl_slist_free_all(rcpts);
	curl_easy_cleanup(c);
	if (cc == CURLE_OK) {
		if (why != NULL)
			*why = "delivered";
		return BW_OK;
	}
	if (why != NULL)
		*why = reason(cc);
	return BW_ERR_IO;
}
