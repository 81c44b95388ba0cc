/*
 * db_sql.c — the check and `?` -> $n rewrite of one statement text.
 *
 * One text serves both dialects, so the scanner accepts only what SQLite and
 * PostgreSQL read the same way: '…' literals with '' as the only escape,
 * "…" identifiers, -- comments and non-nested block comments, `?` as the
 * only placeholder. It refuses `$` in code (PostgreSQL dollar quotes and
 * $n, SQLite $name), `?` followed by a digit (SQLite ?NNN), E'…' strings
 * (backslash escapes in PostgreSQL only), a block comment inside a block
 * comment (PostgreSQL nests them, SQLite does not), NUL bytes, anything
 * unterminated, code after a `;`, and a text without code. A text is read once, left to right.
 */
#include "db_internal.h"

#include <stdio.h>
#include <string.h>

static bool ident_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || c >= 0x80;
}

/* Skip a quoted run opened by q at s[*i]; a doubled q is an escaped q. */
static enum bw_err skip_quoted(const char *s, size_t len, size_t *i, char q)
{
	size_t j = *i + 1;

	for (;;) {
		if (j >= len)
			return BW_ERR_INVALID;
		if (s[j] == q) {
			if (j + 1 < len && s[j + 1] == q) {
				j += 2;
				continue;
			}
			*i = j + 1;
			return BW_OK;
		}
		j++;
	}
}

static enum bw_err skip_block_comment(const char *s, size_t len, size_t *i)
{
	for (size_t j = *i + 2; j + 1 < len; j++) {
		if (s[j] == '/' && s[j + 1] == '*')
			return BW_ERR_INVALID; /* nesting: the dialects disagree */
		if (s[j] == '*' && s[j + 1] == '/') {
			*i = j + 2;
			return BW_OK;
		}
	}
	return BW_ERR_INVALID;
}

/* Append n bytes to out when there is one; the count is kept either way. */
static enum bw_err put(char *out, size_t cap, size_t *o, const char *p, size_t n)
{
	if (out != NULL) {
		if (n >= cap - *o) /* room for the bytes and the final NUL */
			return BW_ERR_LIMIT;
		memcpy(out + *o, p, n);
	}
	*o += n;
	return BW_OK;
}

enum bw_err db_sql_scan(const char *s, size_t len, char *out, size_t cap, size_t *out_len,
                        unsigned *nparams)
{
	enum bw_err rc = BW_OK;
	unsigned n = 0;
	size_t i = 0, o = 0, start;
	bool ended = false; /* a ';' was seen: only blanks and comments may follow */
	bool code = false;  /* something besides blanks and comments */

	if (s == NULL || len == 0)
		return BW_ERR_INVALID;
	if (len > BW_DB_SQL_MAX)
		return BW_ERR_LIMIT;
	if (out != NULL && cap == 0)
		return BW_ERR_LIMIT;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		bool gap = false; /* this token is a blank or a comment */

		start = i;
		if (c == '\0')
			return BW_ERR_INVALID;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			i++;
			gap = true;
		} else if (c == '-' && i + 1 < len && s[i + 1] == '-') {
			while (i < len && s[i] != '\n')
				i++;
			gap = true;
		} else if (c == '/' && i + 1 < len && s[i + 1] == '*') {
			rc = skip_block_comment(s, len, &i);
			gap = true;
		} else if (ended) {
			return BW_ERR_INVALID; /* a second statement */
		} else if (c == '\'') {
			/* E'…' (not the end of a longer word such as ELSE) has backslash escapes */
			if (i > 0 && (s[i - 1] == 'e' || s[i - 1] == 'E') &&
			    (i == 1 || !ident_byte((unsigned char)s[i - 2])))
				return BW_ERR_INVALID;
			rc = skip_quoted(s, len, &i, '\'');
		} else if (c == '"') {
			rc = skip_quoted(s, len, &i, '"');
		} else if (c == '$') {
			return BW_ERR_INVALID;
		} else if (c == '?') {
			char num[16];
			int k;

			if (i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9')
				return BW_ERR_INVALID;
			if (n == BW_DB_PARAMS_MAX)
				return BW_ERR_LIMIT;
			n++;
			k = snprintf(num, sizeof(num), "$%u", n);
			if (k < 0 || (size_t)k >= sizeof(num))
				return BW_ERR_INTERNAL;
			rc = put(out, cap, &o, num, (size_t)k);
			if (rc != BW_OK)
				return rc;
			code = true;
			i++;
			continue;
		} else {
			if (c == ';')
				ended = true;
			i++;
		}
		if (rc != BW_OK)
			return rc;
		code |= !gap;
		rc = put(out, cap, &o, s + start, i - start);
		if (rc != BW_OK)
			return rc;
	}
	if (!code)
		return BW_ERR_INVALID; /* only blanks and comments */
	if (out != NULL)
		out[o] = '\0';
	if (out_len != NULL)
		*out_len = o;
	if (nparams != NULL)
		*nparams = n;
	return BW_OK;
}

enum bw_err bw_db_sql_to_pg(struct bw_sql sql, char *out, size_t cap, size_t *out_len,
                            unsigned *nparams)
{
	return db_sql_scan(sql.text, sql.len, out, cap, out_len, nparams);
}
