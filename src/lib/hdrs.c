/* hdrs.c — the bounded response-header list with token/value checks. */
#include "bulwark/hdrs.h"

#include <strings.h>

void bw_hdrs_init(struct bw_hdrs *h)
{
	h->count = 0;
}

static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	switch (c) {
	case '!':
	case '#':
	case '$':
	case '%':
	case '&':
	case '\'':
	case '*':
	case '+':
	case '-':
	case '.':
	case '^':
	case '_':
	case '`':
	case '|':
	case '~':
		return true;
	default:
		return false;
	}
}

bool bw_hdr_name_valid(struct bw_str name)
{
	if (name.len == 0)
		return false;
	for (size_t i = 0; i < name.len; i++)
		if (!is_tchar((unsigned char)name.p[i]))
			return false;
	return true;
}

bool bw_hdr_value_valid(struct bw_str value)
{
	for (size_t i = 0; i < value.len; i++) {
		unsigned char c = (unsigned char)value.p[i];

		if ((c < 0x20 && c != '\t') || c == 0x7F)
			return false;
	}
	return true;
}

enum bw_err bw_hdrs_add(struct bw_hdrs *h, const char *name, const char *value)
{
	BW_REQUIRE(h != NULL && name != NULL && value != NULL);
	if (!bw_hdr_name_valid(bw_str_c(name)) || !bw_hdr_value_valid(bw_str_c(value)))
		return BW_ERR_INVALID;
	if (h->count >= BW_HDRS_MAX)
		return BW_ERR_LIMIT;
	h->items[h->count].name = name;
	h->items[h->count].value = value;
	h->count++;
	return BW_OK;
}

size_t bw_hdrs_remove(struct bw_hdrs *h, const char *name)
{
	size_t w = 0, gone;

	for (size_t r = 0; r < h->count; r++)
		if (strcasecmp(h->items[r].name, name) != 0)
			h->items[w++] = h->items[r];
	gone = h->count - w;
	h->count = w;
	return gone;
}

enum bw_err bw_hdrs_set(struct bw_hdrs *h, const char *name, const char *value)
{
	if (!bw_hdr_name_valid(bw_str_c(name)) || !bw_hdr_value_valid(bw_str_c(value)))
		return BW_ERR_INVALID;
	(void)bw_hdrs_remove(h, name);
	return bw_hdrs_add(h, name, value);
}

const char *bw_hdrs_get(const struct bw_hdrs *h, const char *name)
{
	for (size_t i = 0; i < h->count; i++)
		if (strcasecmp(h->items[i].name, name) == 0)
			return h->items[i].value;
	return NULL;
}
