/*
 * oauth_scope.c — strict scope values and the server's scope names
 * (oauth_scope.h).
 */
#include "oauth_scope.h"

#include <string.h>

const char *const bw_scope_builtin[] = {"openid",         "profile", "email",
                                        "offline_access", "admin",   NULL};

static bool scope_char(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

bool bw_scope_token_ok(struct bw_str name)
{
	if (name.len == 0 || name.len > BW_SCOPE_TOKEN_MAX)
		return false;
	for (size_t i = 0; i < name.len; i++)
		if (!scope_char((unsigned char)name.p[i]))
			return false;
	return true;
}

enum bw_err bw_scope_parse(struct bw_str text, struct bw_scope_set *out)
{
	size_t start = 0;

	memset(out, 0, sizeof(*out));
	if (text.len == 0)
		return BW_ERR_INVALID;
	if (text.len > BW_SCOPE_TEXT_MAX)
		return BW_ERR_LIMIT;
	for (size_t i = 0; i <= text.len; i++) {
		struct bw_str tok;

		if (i < text.len && text.p[i] != ' ')
			continue;
		tok = (struct bw_str){text.p + start, i - start};
		start = i + 1;
		if (!bw_scope_token_ok(tok)) {
			memset(out, 0, sizeof(*out));
			return BW_ERR_INVALID;
		}
		if (bw_scope_has(out, tok))
			continue;
		if (out->n == BW_SCOPE_MAX) {
			memset(out, 0, sizeof(*out));
			return BW_ERR_LIMIT;
		}
		out->items[out->n++] = tok;
	}
	return BW_OK;
}

bool bw_scope_has(const struct bw_scope_set *s, struct bw_str scope)
{
	for (size_t i = 0; i < s->n; i++)
		if (bw_str_eq(s->items[i], scope))
			return true;
	return false;
}

bool bw_scope_has_c(const struct bw_scope_set *s, const char *scope)
{
	return bw_scope_has(s, bw_str_c(scope));
}

bool bw_scope_subset(const struct bw_scope_set *a, const struct bw_scope_set *b)
{
	for (size_t i = 0; i < a->n; i++)
		if (!bw_scope_has(b, a->items[i]))
			return false;
	return true;
}

void bw_scope_remove(struct bw_scope_set *s, const char *scope)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n; i++)
		if (!bw_str_eq_c(s->items[i], scope))
			s->items[k++] = s->items[i];
	s->n = k;
}

enum bw_err bw_scope_join(const struct bw_scope_set *s, struct bw_buf *out)
{
	enum bw_err rc = BW_OK;

	for (size_t i = 0; rc == BW_OK && i < s->n; i++) {
		if (i > 0)
			rc = bw_buf_append_byte(out, ' ');
		if (rc == BW_OK)
			rc = bw_buf_append_str(out, s->items[i]);
	}
	return rc;
}

bool bw_scope_known(struct bw_str scope, char *const *api_scopes, size_t n)
{
	for (size_t i = 0; bw_scope_builtin[i] != NULL; i++)
		if (bw_str_eq_c(scope, bw_scope_builtin[i]))
			return true;
	for (size_t i = 0; i < n; i++)
		if (bw_str_eq_c(scope, api_scopes[i]))
			return true;
	return false;
}
