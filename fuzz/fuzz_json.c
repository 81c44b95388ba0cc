/*
 * fuzz_json.c — bw_json_parse never crashes or recurses without bound; an
 * accepted document nests no deeper than the cap, has an object at the top
 * unless allowed otherwise, and dumps (ASCII only, no '<', '>' or '&') to
 * text that parses again to an equal value. bw_json_check and the getters
 * run on every accepted document and only ever name static fields.
 *
 * Input: byte 0 holds the options (bit 0: any top-level value; bits 1-7: the
 * depth cap, 0 for the default); the rest is the document.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/buf.h"
#include "bulwark/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

static const struct bw_rule NAME = BW_RULE_TEXT(1, 64, 0);
static const struct bw_rule COUNT = BW_RULE_INT_RANGE(-1000, 1000);
static const struct bw_rule EMAIL = {.kind = BW_RULE_EMAIL};
static const struct bw_rule SCOPE = {.kind = BW_RULE_TOKEN, .min = 1, .max = 32};
static const struct bw_json_field FIELDS[] = {
        {.name = "name", .type = BW_JSON_STRING, .required = true, .rule = &NAME},
        {.name = "count", .type = BW_JSON_INT, .rule = &COUNT},
        {.name = "email", .type = BW_JSON_STRING, .rule = &EMAIL},
        {.name = "on", .type = BW_JSON_BOOL},
        {.name = "scopes", .type = BW_JSON_STRING_ARRAY, .rule = &SCOPE, .max_items = 8},
};
static const struct bw_json_schema SCHEMA = {FIELDS, sizeof(FIELDS) / sizeof(FIELDS[0])};

static size_t depth_of(const json_t *v)
{
	size_t d = 0;

	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++) {
			size_t e = depth_of(json_array_get(v, i));

			d = e > d ? e : d;
		}
		return d + 1;
	}
	if (json_is_object(v)) {
		/* json_object_foreach needs a mutable object; so does its iterator */
		void *it = json_object_iter((json_t *)(uintptr_t)v);

		for (; it != NULL; it = json_object_iter_next((json_t *)(uintptr_t)v, it)) {
			size_t e = depth_of(json_object_iter_value(it));

			d = e > d ? e : d;
		}
		return d + 1;
	}
	return 0;
}

static int static_field(const char *f)
{
	if (strcmp(f, BW_JSON_FIELD_BODY) == 0 || strcmp(f, BW_JSON_FIELD_UNKNOWN) == 0)
		return 1;
	for (size_t i = 0; i < SCHEMA.count; i++)
		if (f == FIELDS[i].name)
			return 1;
	return 0;
}

static void use_schema(const json_t *doc)
{
	struct bw_field_errors errs = {0};
	enum bw_err rc = bw_json_check(doc, &SCHEMA, &errs);
	struct bw_str s;
	int64_t n;
	bool b;
	size_t count;

	check(rc == BW_OK || rc == BW_ERR_INVALID);
	check((rc == BW_OK) == (errs.count == 0));
	for (size_t i = 0; i < errs.count; i++)
		check(static_field(errs.items[i].field));
	/* a checked document gives every declared value through the getters */
	rc = bw_json_get_str(doc, &SCHEMA, "name", &s);
	check(errs.count > 0 || rc == BW_OK);
	rc = bw_json_get_int(doc, &SCHEMA, "count", &n);
	check(rc != BW_OK || (n >= -1000 && n <= 1000));
	rc = bw_json_get_bool(doc, &SCHEMA, "on", &b);
	check(rc == BW_OK || rc == BW_ERR_NOT_FOUND || rc == BW_ERR_INVALID);
	if (bw_json_get_count(doc, &SCHEMA, "scopes", &count) == BW_OK) {
		check(count <= 8);
		for (size_t i = 0; i < count; i++)
			check(bw_json_get_item(doc, &SCHEMA, "scopes", i, &s) == BW_OK &&
			      s.len >= 1 && s.len <= 32);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bw_json_limits lim = {0};
	struct bw_field_errors errs = {0};
	json_t *doc = NULL, *again = NULL;
	struct bw_buf b;
	size_t cap;
	enum bw_err rc;

	if (size < 1)
		return 0;
	lim.allow_non_object = (data[0] & 1) != 0;
	lim.max_depth = data[0] >> 1;
	cap = lim.max_depth ? lim.max_depth : BW_JSON_DEFAULT_MAX_DEPTH;
	rc = bw_json_parse(data + 1, size - 1, &lim, &doc, &errs);
	if (rc != BW_OK) {
		check(doc == NULL && errs.count == 1 && static_field(errs.items[0].field));
		check(rc == BW_ERR_INVALID || rc == BW_ERR_ENCODING || rc == BW_ERR_LIMIT ||
		      rc == BW_ERR_NOMEM);
		return 0;
	}
	check(doc != NULL && errs.count == 0);
	check(depth_of(doc) <= cap);
	check(lim.allow_non_object || json_is_object(doc));
	use_schema(doc);

	/* escaping grows text at most 6-fold; numbers can grow by a few bytes */
	bw_buf_init(&b, 16 * size + 64);
	check(bw_json_dump(doc, &b) == BW_OK);
	for (size_t i = 0; i < b.len; i++) {
		unsigned char c = (unsigned char)b.p[i];

		check(c >= 0x20 && c < 0x7F && c != '<' && c != '>' && c != '&');
	}
	lim.max_bytes = b.len;
	check(bw_json_parse(b.p, b.len, &lim, &again, NULL) == BW_OK);
	check(json_equal(doc, again));
	json_decref(again);
	bw_buf_free(&b);
	json_decref(doc);
	return 0;
}
