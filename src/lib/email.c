/*
 * email.c — canonical email addresses: trimmed, NFC, lower case, IDNA A-label
 * domain, then checked with the EMAIL rule.
 *
 * The canonical form is what accounts are looked up and stored by, so two
 * spellings of one address must meet and no spelling may smuggle bytes past
 * the checks: controls and NUL are refused before anything reaches libidn2
 * (which takes C strings), and the final check runs on the canonical bytes,
 * not on the input. Addresses are not secret; buffers are plain malloc.
 */
#include "bulwark/email.h"

#include <errno.h>
#include <idn2.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>

#include "bulwark/utf8.h"
#include "bulwark/validate.h"

/* C0 controls, DEL and C1 controls: never part of an address. */
static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/*
 * Well-formed UTF-8 without controls (BW_ERR_ENCODING) and without default
 * ignorable code points (BW_ERR_INVALID): zero-width spaces and joiners, soft
 * hyphens, bidi controls. UTS #46 would silently drop some of them, so
 * "x\u200b.example" would become "x.example"; we refuse rather than repair,
 * as the EMAIL rule does for domain labels.
 */
static enum bw_err check_text(struct bw_str s)
{
	enum bw_err rc = BW_OK;

	for (size_t i = 0; i < s.len;) {
		uint32_t cp;
		size_t n;

		if (!bw_utf8_decode((const uint8_t *)s.p + i, s.len - i, &cp, &n))
			return BW_ERR_ENCODING;
		if (is_control(cp))
			return BW_ERR_ENCODING;
		if (uc_is_property_default_ignorable_code_point(cp))
			rc = BW_ERR_INVALID; /* keep looking: an encoding error wins */
		i += n;
	}
	return rc;
}

static enum bw_err idn2_err(int r)
{
	switch (r) {
	case IDN2_MALLOC:
		return BW_ERR_NOMEM;
	case IDN2_TOO_BIG_DOMAIN:
	case IDN2_TOO_BIG_LABEL:
	case IDN2_PUNYCODE_BIG_OUTPUT: /* an A-label longer than a label may be */
		return BW_ERR_LIMIT;
	case IDN2_ENCODING_ERROR:
		return BW_ERR_ENCODING;
	default:
		return BW_ERR_INVALID; /* punycode, disallowed code points, bidi, joiners, … */
	}
}

enum bw_err bw_email_canon(struct bw_str email, char *out, size_t out_size, size_t *out_len)
{
	static const struct bw_rule rule = {.kind = BW_RULE_EMAIL};
	enum bw_err rc = BW_OK;
	uint8_t *nfc = NULL, *low = NULL;
	char *domain = NULL, *ascii = NULL;
	char canon[BW_EMAIL_MAX + 1];
	size_t nfc_len = 0, low_len = 0, local_len, dom_len, len = 0;
	const uint8_t *at;
	const char *code = NULL;
	int r;

	BW_REQUIRE(out != NULL || out_size == 0);
	BW_REQUIRE(email.p != NULL || email.len == 0);
	if (out_size > 0)
		out[0] = '\0';
	if (out_len != NULL)
		*out_len = 0;
	if (email.len > BW_EMAIL_INPUT_MAX)
		return BW_ERR_LIMIT;
	while (email.len > 0 && email.p[0] == ' ') {
		email.p++;
		email.len--;
	}
	while (email.len > 0 && email.p[email.len - 1] == ' ')
		email.len--;
	if (email.len == 0)
		return BW_ERR_INVALID;
	rc = check_text(email);
	if (rc != BW_OK)
		return rc;

	nfc = u8_normalize(UNINORM_NFC, (const uint8_t *)email.p, email.len, NULL, &nfc_len);
	if (nfc == NULL) {
		rc = errno == ENOMEM ? BW_ERR_NOMEM : BW_ERR_ENCODING;
		goto out;
	}
	/* no language: the same lower case in every locale (no Turkish dotless i) */
	low = u8_tolower(nfc, nfc_len, NULL, UNINORM_NFC, NULL, &low_len);
	if (low == NULL) {
		rc = errno == ENOMEM ? BW_ERR_NOMEM : BW_ERR_ENCODING;
		goto out;
	}
	at = low_len ? memchr(low, '@', low_len) : NULL;
	if (at == NULL) {
		rc = BW_ERR_INVALID;
		goto out;
	}
	local_len = (size_t)(at - low);
	dom_len = low_len - local_len - 1;
	domain = malloc(dom_len + 1);
	if (domain == NULL) {
		rc = BW_ERR_NOMEM;
		goto out;
	}
	memcpy(domain, at + 1, dom_len);
	domain[dom_len] = '\0'; /* no NUL inside: controls were refused above */

	r = idn2_to_ascii_8z(domain, &ascii, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (r != IDN2_OK) {
		ascii = NULL;
		rc = idn2_err(r);
		goto out;
	}
	dom_len = strlen(ascii);
	/* local_len < BW_EMAIL_MAX first, so the subtraction cannot wrap */
	if (local_len >= BW_EMAIL_MAX || dom_len > BW_EMAIL_MAX - local_len - 1) {
		rc = BW_ERR_LIMIT;
		goto out;
	}
	len = local_len + 1 + dom_len;
	memcpy(canon, low, local_len);
	canon[local_len] = '@';
	memcpy(canon + local_len + 1, ascii, dom_len);
	canon[len] = '\0';
	/* the rule keeps the local part ASCII dot-atom and the domain LDH labels */
	if (bw_validate(&rule, (struct bw_str){canon, len}, &code) != BW_OK) {
		rc = BW_ERR_INVALID;
		goto out;
	}
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)canon[i] >= 0x80) {
			rc = BW_ERR_INVALID;
			goto out;
		}
	}
	if (out_size < len + 1) {
		rc = BW_ERR_LIMIT;
		goto out;
	}
	memcpy(out, canon, len + 1);
	if (out_len != NULL)
		*out_len = len;
out:
	idn2_free(ascii);
	free(domain);
	free(low);
	free(nfc);
	return rc;
}

enum bw_err bw_email_canon_arena(struct bw_arena *a, struct bw_str email, struct bw_str *out)
{
	char buf[BW_EMAIL_MAX + 1];
	size_t len = 0;
	enum bw_err rc;
	char *p;

	BW_REQUIRE(a != NULL && out != NULL);
	*out = (struct bw_str){"", 0};
	rc = bw_email_canon(email, buf, sizeof buf, &len);
	if (rc != BW_OK)
		return rc;
	p = bw_arena_strndup(a, buf, len);
	if (p == NULL)
		return BW_ERR_NOMEM;
	*out = (struct bw_str){p, len};
	return BW_OK;
}

bool bw_email_is_canon(const char *email)
{
	char buf[BW_EMAIL_MAX + 1];

	return email != NULL && bw_email_canon(bw_str_c(email), buf, sizeof buf, NULL) == BW_OK &&
	       strcmp(buf, email) == 0;
}
