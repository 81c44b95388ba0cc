/*
 * url.c — the one place where request targets and form/query bytes are
 * decoded (OpenBSD httpd's url_decode and canonicalize_path in spirit, but
 * refusing what they would repair).
 */
#include "bulwark/url.h"

#include "bulwark/utf8.h"

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum bw_err bw_url_decode(struct bw_arena *a, struct bw_str in, unsigned flags, struct bw_str *out)
{
	char *buf;
	size_t w = 0;

	buf = bw_arena_alloc(a, in.len + 1);
	if (buf == NULL)
		return BW_ERR_NOMEM;
	for (size_t i = 0; i < in.len; i++) {
		unsigned char c = (unsigned char)in.p[i];

		if (c == '%') {
			int hi, lo;

			if (in.len - i < 3)
				return BW_ERR_INVALID;
			hi = hexval((unsigned char)in.p[i + 1]);
			lo = hexval((unsigned char)in.p[i + 2]);
			if (hi < 0 || lo < 0)
				return BW_ERR_INVALID;
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
			if ((flags & BW_URL_SEGMENT) && (c == '/' || c == '\\'))
				return BW_ERR_INVALID;
		} else if (c == '+' && (flags & BW_URL_FORM)) {
			c = ' ';
		}
		if (c < 0x20 || c == 0x7F)
			return BW_ERR_INVALID; /* NUL, CR, LF, other controls */
		buf[w++] = (char)c;
	}
	buf[w] = '\0';
	if (!bw_utf8_valid(buf, w))
		return BW_ERR_ENCODING;
	out->p = buf;
	out->len = w;
	return BW_OK;
}

/* RFC 3986 pchar minus '%' (checked by the decoder): which raw bytes may
 * appear in a path. Anything else (space, quotes, '<', '\', '#', non-ASCII
 * raw bytes) must be percent-encoded by the client. */
static bool is_path_char(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	switch (c) {
	case '-':
	case '.':
	case '_':
	case '~':
	case '!':
	case '$':
	case '&':
	case '\'':
	case '(':
	case ')':
	case '*':
	case '+':
	case ',':
	case ';':
	case '=':
	case ':':
	case '@':
	case '%':
	case '/':
		return true;
	default:
		return false;
	}
}

static bool is_query_char(unsigned char c)
{
	return is_path_char(c) || c == '?';
}

enum bw_err bw_url_parse_target(struct bw_arena *a, struct bw_str raw, struct bw_target *out)
{
	size_t qpos = raw.len, start;
	enum bw_err rc;

	out->n_segments = 0;
	out->trailing_slash = false;
	out->has_query = false;
	out->query = (struct bw_str){"", 0};
	if (raw.len == 0 || raw.p[0] != '/')
		return BW_ERR_INVALID;
	for (size_t i = 0; i < raw.len; i++) {
		if (raw.p[i] == '?') {
			qpos = i;
			break;
		}
	}
	for (size_t i = 0; i < qpos; i++)
		if (!is_path_char((unsigned char)raw.p[i]))
			return BW_ERR_INVALID;
	if (qpos < raw.len) {
		out->has_query = true;
		out->query = (struct bw_str){raw.p + qpos + 1, raw.len - qpos - 1};
		for (size_t i = 0; i < out->query.len; i++)
			if (!is_query_char((unsigned char)out->query.p[i]))
				return BW_ERR_INVALID;
	}
	out->path = (struct bw_str){raw.p, qpos};
	if (qpos == 1)
		return BW_OK; /* "/" */

	start = 1;
	while (start <= qpos) {
		size_t end = start;
		struct bw_str seg;

		while (end < qpos && raw.p[end] != '/')
			end++;
		if (end == start) {
			if (end == qpos) {
				out->trailing_slash = true;
				break;
			}
			return BW_ERR_INVALID; /* "//" */
		}
		if (out->n_segments == BW_URL_MAX_SEGMENTS)
			return BW_ERR_LIMIT;
		rc = bw_url_decode(a, (struct bw_str){raw.p + start, end - start}, BW_URL_SEGMENT,
		                   &seg);
		if (rc != BW_OK)
			return rc;
		if (bw_str_eq_c(seg, ".") || bw_str_eq_c(seg, ".."))
			return BW_ERR_INVALID; /* also catches %2e and %2E%2e */
		out->segments[out->n_segments++] = seg;
		start = end + 1;
	}
	return BW_OK;
}

enum bw_err bw_url_parse_query(struct bw_arena *a, struct bw_str query, size_t max,
                               struct bw_kv **out, size_t *count)
{
	size_t n = 0, pairs = 1, i = 0;
	struct bw_kv *kv;
	enum bw_err rc;

	*out = NULL;
	*count = 0;
	if (query.len == 0)
		return BW_OK;
	for (size_t k = 0; k < query.len; k++)
		if (query.p[k] == '&')
			pairs++;
	if (pairs > max)
		return BW_ERR_LIMIT;
	kv = bw_arena_calloc(a, pairs, sizeof(*kv));
	if (kv == NULL)
		return BW_ERR_NOMEM;
	while (i <= query.len) {
		size_t end = i, eq = SIZE_MAX;

		while (end < query.len && query.p[end] != '&') {
			if (query.p[end] == '=' && eq == SIZE_MAX)
				eq = end;
			end++;
		}
		if (end == i)
			return BW_ERR_INVALID; /* empty pair: "a=1&&b=2", "&", trailing '&' */
		if (eq == i)
			return BW_ERR_INVALID; /* "=value" without a name */
		rc = bw_url_decode(a, (struct bw_str){query.p + i, (eq == SIZE_MAX ? end : eq) - i},
		                   BW_URL_FORM, &kv[n].name);
		if (rc != BW_OK)
			return rc;
		if (eq != SIZE_MAX) {
			rc = bw_url_decode(a, (struct bw_str){query.p + eq + 1, end - eq - 1},
			                   BW_URL_FORM, &kv[n].value);
			if (rc != BW_OK)
				return rc;
			kv[n].has_value = true;
		} else {
			kv[n].value = (struct bw_str){"", 0};
		}
		n++;
		i = end + 1;
	}
	*out = kv;
	*count = n;
	return BW_OK;
}

bool bw_url_local_path_ok(struct bw_str next)
{
	if (next.len == 0 || next.len > BW_URL_LOCAL_PATH_MAX || next.p[0] != '/')
		return false;
	if (next.len > 1 && (next.p[1] == '/' || next.p[1] == '\\'))
		return false;
	if (next.len >= 4 && next.p[1] == '%' &&
	    ((next.p[2] == '2' && (next.p[3] == 'f' || next.p[3] == 'F')) ||
	     (next.p[2] == '5' && (next.p[3] == 'c' || next.p[3] == 'C'))))
		return false;
	for (size_t i = 0; i < next.len; i++) {
		unsigned char c = (unsigned char)next.p[i];

		if (c <= 0x20 || c >= 0x7F || c == '\\')
			return false;
	}
	return true;
}
