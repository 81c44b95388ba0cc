/*
 * syslog.c — RFC 5424 lines: the formatter and its strict inverse.
 *
 * Both directions share the field rules below, so a line this file writes is
 * always one it reads back to the same message, and a line it reads is one it
 * could have written (up to the timestamp's spelling). The audit log emits its
 * signed checkpoints through here and reads exported copies back through
 * here, so the parser sees hostile bytes: it works on (pointer, length) only,
 * copies unescaped values into the caller's fixed buffer and never allocates.
 */
#include "bulwark/syslog.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bulwark/utf8.h"
#include "bulwark/validate.h"

#define UTF8_BOM     "\xEF\xBB\xBF"
#define UTF8_BOM_LEN 3u
#define PRI_MAX      191u /* facility 23, severity 7 */

static bool print_ascii(char c)
{
	return (unsigned char)c >= 33 && (unsigned char)c <= 126;
}

/* A header field: empty (NILVALUE) or 1..max printable ASCII bytes, never "-". */
static bool header_ok(struct bw_str s, size_t max)
{
	if (s.len == 0)
		return true;
	if (s.len > max || (s.len == 1 && s.p[0] == '-'))
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (!print_ascii(s.p[i]))
			return false;
	return true;
}

static bool sd_name_ok(struct bw_str s)
{
	if (s.len == 0 || s.len > BW_SYSLOG_SD_NAME_MAX)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		char c = s.p[i];

		if (!print_ascii(c) || c == '=' || c == ']' || c == '"')
			return false;
	}
	return true;
}

/* An SD-NAME, with at most one '@' followed by a dotted enterprise number. */
static bool sd_id_ok(struct bw_str s)
{
	const char *at;
	size_t i;
	bool digit = false;

	if (!sd_name_ok(s))
		return false;
	at = memchr(s.p, '@', s.len);
	if (at == NULL)
		return true;
	if (at == s.p)
		return false;
	for (i = (size_t)(at - s.p) + 1; i < s.len; i++) {
		if (s.p[i] >= '0' && s.p[i] <= '9') {
			digit = true;
		} else if (s.p[i] == '.' && digit) {
			digit = false;
		} else {
			return false;
		}
	}
	return digit;
}

/* UTF-8 text without C0, DEL or C1 controls; *ascii says whether it is all ASCII. */
static enum bw_err text_ok(struct bw_str s, bool *ascii)
{
	const uint8_t *p = (const uint8_t *)s.p;
	size_t i = 0, n;
	uint32_t cp;

	if (ascii != NULL)
		*ascii = true;
	while (i < s.len) {
		if (!bw_utf8_decode(p + i, s.len - i, &cp, &n))
			return BW_ERR_ENCODING;
		if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
			return BW_ERR_ENCODING;
		if (cp >= 0x80 && ascii != NULL)
			*ascii = false;
		i += n;
	}
	return BW_OK;
}

enum bw_err bw_syslog_time_format(int64_t time_ms, char out[BW_SYSLOG_TIME_SIZE])
{
	struct tm tm;
	time_t secs;
	int k;

	BW_REQUIRE(out != NULL);
	out[0] = '\0';
	if (time_ms < 0 || time_ms > BW_SYSLOG_TIME_MAX)
		return BW_ERR_RANGE;
	secs = (time_t)(time_ms / 1000);
	if (gmtime_r(&secs, &tm) == NULL)
		return BW_ERR_RANGE;
	k = snprintf(out, BW_SYSLOG_TIME_SIZE, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	             (int)(time_ms % 1000));
	if (k != BW_SYSLOG_TIME_SIZE - 1) {
		out[0] = '\0';
		return BW_ERR_RANGE;
	}
	return BW_OK;
}

enum bw_err bw_syslog_time_parse(struct bw_str s, int64_t *out)
{
	int64_t secs, ms = 0;
	size_t i = 19, digits = 0;

	BW_REQUIRE(out != NULL);
	if (s.len < 20 || s.len > BW_TIMESTAMP_MAX_LEN)
		return BW_ERR_INVALID;
	if (bw_parse_timestamp(s, &secs) != BW_OK)
		return BW_ERR_INVALID;
	/* bw_parse_timestamp has checked the syntax; only the fraction's length is ours */
	if (s.p[i] == '.') {
		for (i++; i < s.len && s.p[i] >= '0' && s.p[i] <= '9'; i++, digits++)
			if (digits < 3)
				ms = ms * 10 + (s.p[i] - '0');
		if (digits > 6)
			return BW_ERR_INVALID;
		for (; digits < 3; digits++)
			ms *= 10;
	}
	if (secs < 0 || secs > BW_SYSLOG_TIME_MAX / 1000)
		return BW_ERR_INVALID;
	*out = secs * 1000 + ms;
	return BW_OK;
}

static enum bw_err put_header(struct bw_buf *b, struct bw_str s)
{
	enum bw_err rc = bw_buf_append_byte(b, ' ');

	if (rc == BW_OK)
		rc = s.len == 0 ? bw_buf_append_byte(b, '-') : bw_buf_append_str(b, s);
	return rc;
}

static enum bw_err put_value(struct bw_buf *b, struct bw_str v)
{
	enum bw_err rc = BW_OK;

	for (size_t i = 0; i < v.len && rc == BW_OK; i++) {
		char c = v.p[i];

		if (c == '"' || c == '\\' || c == ']')
			rc = bw_buf_append_byte(b, '\\');
		if (rc == BW_OK)
			rc = bw_buf_append_byte(b, c);
	}
	return rc;
}

static enum bw_err put_sd(struct bw_buf *b, const struct bw_syslog_msg *m)
{
	enum bw_err rc;
	size_t total = 0;

	if (m->nsd == 0)
		return bw_buf_append_c(b, " -");
	if (m->nsd > BW_SYSLOG_SD_MAX)
		return BW_ERR_LIMIT;
	BW_REQUIRE(m->sd != NULL);
	rc = bw_buf_append_byte(b, ' ');
	for (size_t i = 0; i < m->nsd && rc == BW_OK; i++) {
		const struct bw_syslog_sd *e = &m->sd[i];

		if (!sd_id_ok(e->id))
			return BW_ERR_INVALID;
		for (size_t j = 0; j < i; j++)
			if (bw_str_eq(m->sd[j].id, e->id))
				return BW_ERR_INVALID;
		total += e->nparams;
		if (total > BW_SYSLOG_PARAMS_MAX)
			return BW_ERR_LIMIT;
		BW_REQUIRE(e->nparams == 0 || e->params != NULL);
		rc = bw_buf_append_byte(b, '[');
		if (rc == BW_OK)
			rc = bw_buf_append_str(b, e->id);
		for (size_t j = 0; j < e->nparams && rc == BW_OK; j++) {
			const struct bw_syslog_param *pa = &e->params[j];

			if (!sd_name_ok(pa->name))
				return BW_ERR_INVALID;
			rc = text_ok(pa->value, NULL);
			if (rc == BW_OK)
				rc = bw_buf_append_byte(b, ' ');
			if (rc == BW_OK)
				rc = bw_buf_append_str(b, pa->name);
			if (rc == BW_OK)
				rc = bw_buf_append_c(b, "=\"");
			if (rc == BW_OK)
				rc = put_value(b, pa->value);
			if (rc == BW_OK)
				rc = bw_buf_append_byte(b, '"');
		}
		if (rc == BW_OK)
			rc = bw_buf_append_byte(b, ']');
	}
	return rc;
}

enum bw_err bw_syslog_format(const struct bw_syslog_msg *m, struct bw_buf *out)
{
	struct bw_buf line;
	char ts[BW_SYSLOG_TIME_SIZE];
	enum bw_err rc = BW_OK;
	bool ascii = true;

	BW_REQUIRE(m != NULL && out != NULL);
	bw_buf_init(&line, BW_SYSLOG_LINE_MAX);
	if (m->facility > 23 || m->severity > 7) {
		rc = BW_ERR_RANGE;
		goto out;
	}
	if (m->time_ms != BW_SYSLOG_NO_TIME) {
		rc = bw_syslog_time_format(m->time_ms, ts);
		if (rc != BW_OK)
			goto out;
	}
	if (!header_ok(m->hostname, BW_SYSLOG_HOSTNAME_MAX) ||
	    !header_ok(m->app_name, BW_SYSLOG_APP_NAME_MAX) ||
	    !header_ok(m->procid, BW_SYSLOG_PROCID_MAX) ||
	    !header_ok(m->msgid, BW_SYSLOG_MSGID_MAX)) {
		rc = BW_ERR_INVALID;
		goto out;
	}
	rc = text_ok(m->msg, &ascii);
	if (rc != BW_OK)
		goto out;
	rc = bw_buf_printf(&line, "<%u>1 %s", m->facility * 8 + m->severity,
	                   m->time_ms == BW_SYSLOG_NO_TIME ? "-" : ts);
	if (rc == BW_OK)
		rc = put_header(&line, m->hostname);
	if (rc == BW_OK)
		rc = put_header(&line, m->app_name);
	if (rc == BW_OK)
		rc = put_header(&line, m->procid);
	if (rc == BW_OK)
		rc = put_header(&line, m->msgid);
	if (rc == BW_OK)
		rc = put_sd(&line, m);
	if (rc == BW_OK && m->msg.len > 0) {
		rc = bw_buf_append_c(&line, ascii ? " " : " " UTF8_BOM);
		if (rc == BW_OK)
			rc = bw_buf_append_str(&line, m->msg);
	}
	if (rc == BW_OK)
		rc = bw_buf_append_str(out, bw_buf_str(&line));
out:
	bw_buf_free(&line);
	return rc;
}

/* The parser's cursor over the input. */
struct cur {
	const char *p;
	size_t len;
	size_t pos;
};

static bool at_end(const struct cur *c)
{
	return c->pos >= c->len;
}

static bool take(struct cur *c, char ch)
{
	if (at_end(c) || c->p[c->pos] != ch)
		return false;
	c->pos++;
	return true;
}

/* The bytes up to the next space (or the end), which is left unread. */
static struct bw_str token(struct cur *c)
{
	size_t start = c->pos;

	while (!at_end(c) && c->p[c->pos] != ' ')
		c->pos++;
	return (struct bw_str){c->p + start, c->pos - start};
}

static enum bw_err parse_pri(struct cur *c, unsigned *pri)
{
	unsigned v = 0;
	size_t digits = 0;

	if (!take(c, '<'))
		return BW_ERR_INVALID;
	while (!at_end(c) && c->p[c->pos] >= '0' && c->p[c->pos] <= '9' && digits < 4) {
		if (digits == 1 && v == 0)
			return BW_ERR_INVALID; /* a leading zero */
		v = v * 10 + (unsigned)(c->p[c->pos] - '0');
		c->pos++;
		digits++;
	}
	if (digits == 0 || digits > 3 || v > PRI_MAX || !take(c, '>'))
		return BW_ERR_INVALID;
	*pri = v;
	return BW_OK;
}

/* A header field after its space: "-" is empty, else 1..max printable bytes. */
static enum bw_err parse_header(struct cur *c, size_t max, struct bw_str *out)
{
	struct bw_str s;

	if (!take(c, ' '))
		return BW_ERR_INVALID;
	s = token(c);
	if (s.len == 1 && s.p[0] == '-') {
		*out = (struct bw_str){NULL, 0};
		return BW_OK;
	}
	if (s.len == 0 || !header_ok(s, max))
		return BW_ERR_INVALID;
	*out = s;
	return BW_OK;
}

/* A PARAM-VALUE after its opening quote, unescaped into text; the closing quote is read. */
static enum bw_err parse_value(struct cur *c, struct bw_syslog_parsed *out, size_t *tlen,
                               struct bw_str *value)
{
	size_t start = *tlen;

	for (;;) {
		char ch;

		if (at_end(c))
			return BW_ERR_INVALID;
		ch = c->p[c->pos++];
		if (ch == '"')
			break;
		if (ch == ']')
			return BW_ERR_INVALID;
		if (ch == '\\') {
			if (at_end(c))
				return BW_ERR_INVALID;
			ch = c->p[c->pos++];
			if (ch != '"' && ch != '\\' && ch != ']')
				return BW_ERR_INVALID;
		}
		/* unescaped text is never longer than the line, which fits text[] */
		BW_REQUIRE(*tlen < sizeof(out->text));
		out->text[(*tlen)++] = ch;
	}
	*value = (struct bw_str){out->text + start, *tlen - start};
	return text_ok(*value, NULL);
}

static enum bw_err parse_sd(struct cur *c, struct bw_syslog_parsed *out)
{
	size_t tlen = 0, np = 0;
	enum bw_err rc;

	out->msg.sd = out->sd;
	out->msg.nsd = 0;
	if (!take(c, ' '))
		return BW_ERR_INVALID;
	if (take(c, '-'))
		return BW_OK;
	if (at_end(c) || c->p[c->pos] != '[')
		return BW_ERR_INVALID;
	while (take(c, '[')) {
		struct bw_syslog_sd *e;
		size_t start = c->pos;

		if (out->msg.nsd == BW_SYSLOG_SD_MAX)
			return BW_ERR_LIMIT;
		e = &out->sd[out->msg.nsd];
		while (!at_end(c) && c->p[c->pos] != ' ' && c->p[c->pos] != ']')
			c->pos++;
		e->id = (struct bw_str){c->p + start, c->pos - start};
		if (!sd_id_ok(e->id))
			return BW_ERR_INVALID;
		for (size_t j = 0; j < out->msg.nsd; j++)
			if (bw_str_eq(out->sd[j].id, e->id))
				return BW_ERR_INVALID;
		e->params = &out->params[np];
		e->nparams = 0;
		while (take(c, ' ')) {
			struct bw_syslog_param *pa;

			if (np == BW_SYSLOG_PARAMS_MAX)
				return BW_ERR_LIMIT;
			pa = &out->params[np];
			start = c->pos;
			while (!at_end(c) && c->p[c->pos] != '=')
				c->pos++;
			pa->name = (struct bw_str){c->p + start, c->pos - start};
			if (!sd_name_ok(pa->name) || !take(c, '=') || !take(c, '"'))
				return BW_ERR_INVALID;
			rc = parse_value(c, out, &tlen, &pa->value);
			if (rc != BW_OK)
				return rc;
			np++;
			e->nparams++;
		}
		if (!take(c, ']'))
			return BW_ERR_INVALID;
		out->msg.nsd++;
	}
	return BW_OK;
}

enum bw_err bw_syslog_parse(const char *p, size_t len, struct bw_syslog_parsed *out)
{
	struct cur c = {p, len, 0};
	struct bw_str ts, rest;
	unsigned pri = 0;
	enum bw_err rc;

	BW_REQUIRE(out != NULL && (p != NULL || len == 0));
	memset(&out->msg, 0, sizeof(out->msg));
	if (len > BW_SYSLOG_LINE_MAX)
		return BW_ERR_LIMIT;
	rc = parse_pri(&c, &pri);
	if (rc != BW_OK)
		return rc;
	if (!take(&c, '1') || !take(&c, ' '))
		return BW_ERR_INVALID;
	out->msg.facility = pri / 8;
	out->msg.severity = pri % 8;
	ts = token(&c);
	if (ts.len == 1 && ts.p[0] == '-')
		out->msg.time_ms = BW_SYSLOG_NO_TIME;
	else if (bw_syslog_time_parse(ts, &out->msg.time_ms) != BW_OK)
		return BW_ERR_INVALID;
	rc = parse_header(&c, BW_SYSLOG_HOSTNAME_MAX, &out->msg.hostname);
	if (rc == BW_OK)
		rc = parse_header(&c, BW_SYSLOG_APP_NAME_MAX, &out->msg.app_name);
	if (rc == BW_OK)
		rc = parse_header(&c, BW_SYSLOG_PROCID_MAX, &out->msg.procid);
	if (rc == BW_OK)
		rc = parse_header(&c, BW_SYSLOG_MSGID_MAX, &out->msg.msgid);
	if (rc == BW_OK)
		rc = parse_sd(&c, out);
	if (rc != BW_OK)
		return rc;
	if (at_end(&c))
		return BW_OK;
	if (!take(&c, ' '))
		return BW_ERR_INVALID;
	rest = (struct bw_str){p + c.pos, len - c.pos};
	if (rest.len >= UTF8_BOM_LEN && memcmp(rest.p, UTF8_BOM, UTF8_BOM_LEN) == 0) {
		rest.p += UTF8_BOM_LEN;
		rest.len -= UTF8_BOM_LEN;
		rc = text_ok(rest, NULL);
	} else {
		bool ascii = true;

		rc = text_ok(rest, &ascii);
		if (rc == BW_OK && !ascii)
			rc = BW_ERR_ENCODING; /* non-ASCII without the BOM: encoding unknown */
	}
	if (rc != BW_OK)
		return rc;
	out->msg.msg = rest;
	return BW_OK;
}
