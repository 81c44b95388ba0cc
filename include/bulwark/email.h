/*
 * email.h — the canonical form of an email address, for comparison and as a
 * storage key.
 *
 * Two spellings of one mailbox ("Alice@Example.COM", " alice@example.com ",
 * "user@bücher.de" and "user@xn--bcher-kva.de", a composed or decomposed
 * "é") give the same canonical bytes:
 *   1. ASCII spaces trimmed at both ends (nothing else is trimmed);
 *   2. NFC (libunistring u8_normalize);
 *   3. lower case, locale-independent (u8_tolower with no language);
 *   4. the domain as an IDNA A-label (libidn2 idn2_to_ascii_8z with
 *      IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
 *   5. the result checked with BW_RULE_EMAIL (validate.h): a practical
 *      RFC 5321 subset, so the local part is ASCII dot-atom and the whole is
 *      at most BW_EMAIL_MAX bytes.
 * The result is ASCII only. Canonicalising a canonical form gives it back.
 */
#ifndef BULWARK_EMAIL_H
#define BULWARK_EMAIL_H

#include <stdbool.h>
#include <stddef.h>

#include "bulwark/arena.h"
#include "bulwark/err.h"
#include "bulwark/str.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest canonical address in bytes (RFC 5321 path limit less the brackets). */
#define BW_EMAIL_MAX 254

/** Longest input accepted, in bytes before trimming. */
#define BW_EMAIL_INPUT_MAX 1024

/**
 * bw_email_canon - the canonical form of email into out[0..out_size).
 *
 * Borrows email. On BW_OK out holds the canonical address and a NUL, and
 * *out_len (may be NULL) its length without the NUL; out_size must be at
 * least *out_len + 1 (BW_EMAIL_MAX + 1 always suffices).
 * Returns BW_ERR_LIMIT when the input exceeds BW_EMAIL_INPUT_MAX, when the
 * address exceeds BW_EMAIL_MAX bytes after conversion (or a domain label 63),
 * or when out is too small; BW_ERR_ENCODING for ill-formed UTF-8 or a control
 * character (C0, DEL, C1, NUL included); BW_ERR_INVALID when there is no '@',
 * libidn2 refuses the domain (invalid punycode, disallowed characters) or the
 * result fails BW_RULE_EMAIL; BW_ERR_NOMEM. On error out is "" (when
 * out_size > 0) and *out_len 0.
 */
BW_MUST_CHECK enum bw_err bw_email_canon(struct bw_str email, char *out, size_t out_size,
                                         size_t *out_len);

/**
 * bw_email_is_canon - true when email (NUL-terminated) is already in
 * canonical form: what may go into a mail header or an SMTP envelope.
 */
bool bw_email_is_canon(const char *email);

/**
 * bw_email_canon_arena - bw_email_canon into arena memory.
 *
 * On BW_OK *out is the canonical form, NUL-terminated, owned by a (freed with
 * it). Errors as bw_email_canon, plus BW_ERR_NOMEM when the arena is full;
 * on error *out is empty.
 */
BW_MUST_CHECK enum bw_err bw_email_canon_arena(struct bw_arena *a, struct bw_str email,
                                               struct bw_str *out);

#ifdef __cplusplus
}
#endif
#endif
