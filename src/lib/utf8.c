/* utf8.c — the strict UTF-8 decoder (Unicode Table 3-7 well-formed sequences). */
#include "bulwark/utf8.h"

bool bw_utf8_decode(const uint8_t *p, size_t len, uint32_t *cp, size_t *n)
{
	uint8_t b0;
	size_t need;
	uint32_t c;
	uint8_t lo = 0x80, hi = 0xBF;

	if (len == 0) {
		*n = 0;
		return false;
	}
	b0 = p[0];
	if (b0 < 0x80) {
		*cp = b0;
		*n = 1;
		return true;
	}
	if (b0 >= 0xC2 && b0 <= 0xDF) {
		need = 1;
		c = b0 & 0x1Fu;
	} else if (b0 >= 0xE0 && b0 <= 0xEF) {
		need = 2;
		c = b0 & 0x0Fu;
		if (b0 == 0xE0)
			lo = 0xA0; /* no overlongs */
		else if (b0 == 0xED)
			hi = 0x9F; /* no surrogates */
	} else if (b0 >= 0xF0 && b0 <= 0xF4) {
		need = 3;
		c = b0 & 0x07u;
		if (b0 == 0xF0)
			lo = 0x90;
		else if (b0 == 0xF4)
			hi = 0x8F; /* nothing above U+10FFFF */
	} else {
		*n = 1;
		return false;
	}
	for (size_t i = 1; i <= need; i++) {
		uint8_t b;

		if (i >= len) {
			*n = i;
			return false;
		}
		b = p[i];
		if (b < lo || b > hi) {
			*n = i;
			return false;
		}
		lo = 0x80;
		hi = 0xBF;
		c = (c << 6) | (b & 0x3Fu);
	}
	*cp = c;
	*n = need + 1;
	return true;
}

bool bw_utf8_valid(const void *p, size_t len)
{
	size_t count;

	return bw_utf8_count(p, len, &count) == BW_OK;
}

enum bw_err bw_utf8_count(const void *p, size_t len, size_t *count)
{
	const uint8_t *s = p;
	size_t i = 0, k = 0;

	while (i < len) {
		uint32_t cp;
		size_t n;

		if (s[i] < 0x80) {
			i++;
			k++;
			continue;
		}
		if (!bw_utf8_decode(s + i, len - i, &cp, &n))
			return BW_ERR_ENCODING;
		i += n;
		k++;
	}
	*count = k;
	return BW_OK;
}

size_t bw_utf8_encode(uint32_t cp, uint8_t out[4])
{
	if (cp < 0x80) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (uint8_t)(0xC0 | (cp >> 6));
		out[1] = (uint8_t)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp >= 0xD800 && cp <= 0xDFFF)
		return 0;
	if (cp < 0x10000) {
		out[0] = (uint8_t)(0xE0 | (cp >> 12));
		out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (uint8_t)(0x80 | (cp & 0x3F));
		return 3;
	}
	if (cp <= 0x10FFFF) {
		out[0] = (uint8_t)(0xF0 | (cp >> 18));
		out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
		out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		out[3] = (uint8_t)(0x80 | (cp & 0x3F));
		return 4;
	}
	return 0;
}
