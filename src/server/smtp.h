/*
 * smtp.h — mail delivery to a relay through libcurl.
 *
 * Always encrypted: smtp://HOST[:PORT] requires STARTTLS (the message is
 * never sent if the relay does not offer it), smtps://HOST[:PORT] is TLS
 * from the first byte. TLS 1.2 or later, the relay's certificate verified
 * against the system store or mail.ca_file, its name against the URL's
 * host. Only the smtp and smtps protocols are enabled, redirects never
 * followed, and every transfer has a time cap.
 */
#ifndef BULWARK_SMTP_H
#define BULWARK_SMTP_H

#include <stddef.h>

#include "bulwark/err.h"
#include "bulwark/secret.h"

/** How to reach the relay (all borrowed by bw_smtp_send). */
struct bw_smtp {
	const char *url;                  /**< smtp://host:port or smtps://host:port */
	const char *from;                 /**< envelope sender, a canonical address */
	const char *user;                 /**< "" or NULL: no authentication */
	const struct bw_secret *password; /**< with user */
	const char *ca_file;              /**< "" or NULL: the system's CAs */
	unsigned timeout_s;               /**< whole transfer */
};

/** bw_smtp_url_ok - true for a URL bw_smtp_send accepts (scheme, host, no path). */
bool bw_smtp_url_ok(const char *url);

/**
 * bw_smtp_send - deliver message (a complete RFC 5322 message with CRLF
 * line ends, borrowed) to one canonical address. BW_ERR_INVALID for a bad
 * URL or address, BW_ERR_IO when the relay cannot be reached or refuses
 * (no STARTTLS, bad certificate, authentication, recipient); *why (may be
 * NULL) then gets a static reason for the log, never the relay's words.
 */
BW_MUST_CHECK enum bw_err bw_smtp_send(const struct bw_smtp *s, const char *to, const char *message,
                                       size_t len, const char **why);

#endif
