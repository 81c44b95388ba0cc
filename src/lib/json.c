/*
 * json.c — strict JSON bodies over jansson, declared schemas, safe dumping.
 *
 * jansson parses recursively, so nesting is bounded first by a linear
 * pre-scan that tracks strings and counts brackets; a million '[' costs one
 * pass over the bytes and no stack. UTF-8 is checked with bw_utf8_valid so
 * the library keeps one definition of "well-formed"; jansson checks again.
 */
#include "bulwark/json.h"

#include <string.h>

#include "bulwark/utf8.h"

static const char CODE_INVALID[] = "invalid";
static const char CODE_REQUIRED[] = "required";
static const char CODE_UNKNOWN[] = "unknown";
static const char CODE_LONG[] = "too_long";
static const char CODE_DEEP[] = "too_deep";
static const char CODE_DUPLICATE[] = "duplicate";
static const char CODE_ENCODING[] = "encoding";

static void add_error(struct bw_field_errors *errs, const char *field, const char *code)
{
	if (errs != NULL)
		bw_field_errors_add(errs, field, code);
}

/* ---- parsing ------------------------------------------------------------ */

/*
 * Whether p[0..len) nests arrays and objects deeper than max_depth. Brackets
 * inside strings do not count; a backslash in a string hides the next byte
 * (so \" does not end it). Malformed input may be counted loosely here: only
 * documents jansson would refuse anyway can be miscounted.
 */
static bool too_deep(const uint8_t *p, size_t len, size_t max_depth)
{
	size_t depth = 0;
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = p[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
			continue;
		}
		switch (c) {
		case '"':
			in_string = true;
			break;
		case '[':
		case '{':
			if (++depth > max_depth)
				return true;
			break;
		case ']':
		case '}':
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
	}
	return false;
}

enum bw_err bw_json_parse(const void *p, size_t len, const struct bw_json_limits *lim, json_t **out,
                          struct bw_field_errors *errs)
{
	size_t max_bytes = BW_JSON_DEFAULT_MAX_BYTES, max_depth = BW_JSON_DEFAULT_MAX_DEPTH;
	bool any_top = false;
	size_t flags = JSON_REJECT_DUPLICATES;
	json_error_t jerr;
	json_t *doc = NULL;
	const char *code = CODE_INVALID;
	enum bw_err rc = BW_ERR_INVALID;

	BW_REQUIRE(out != NULL && (p != NULL || len == 0));
	*out = NULL;
	if (lim != NULL) {
		if (lim->max_bytes != 0)
			max_bytes = lim->max_bytes;
		if (lim->max_depth != 0)
			max_depth = lim->max_depth;
		any_top = lim->allow_non_object;
	}
	BW_REQUIRE(max_depth <= BW_JSON_DEPTH_LIMIT);
	if (len > max_bytes) {
		code = CODE_LONG;
		rc = BW_ERR_LIMIT;
		goto out;
	}
	if (p == NULL)
		p = "";
	if (!bw_utf8_valid(p, len)) {
		code = CODE_ENCODING;
		rc = BW_ERR_ENCODING;
		goto out;
	}
	if (too_deep(p, len, max_depth)) {
		code = CODE_DEEP;
		goto out;
	}
	if (any_top)
		flags |= JSON_DECODE_ANY;
	/* without JSON_ALLOW_NUL jansson refuses \u0000; NUL in a key always */
	doc = json_loadb(p, len, flags, &jerr);
	if (doc == NULL) {
		switch (json_error_code(&jerr)) {
		case json_error_out_of_memory:
			return BW_ERR_NOMEM;
		case json_error_duplicate_key:
			code = CODE_DUPLICATE;
			break;
		case json_error_invalid_utf8:
		case json_error_null_character:
		case json_error_null_byte_in_key:
			code = CODE_ENCODING;
			rc = BW_ERR_ENCODING;
			break;
		case json_error_stack_overflow:
			code = CODE_DEEP;
			break;
		default:
			break;
		}
		goto out;
	}
	if (!any_top && !json_is_object(doc))
		goto out;
	*out = doc;
	return BW_OK;
out:
	json_decref(doc);
	add_error(errs, BW_JSON_FIELD_BODY, code);
	return rc;
}

/* ---- schemas ------------------------------------------------------------ */

/* A malformed declaration is the programmer's error, not the client's. */
static void field_require(const struct bw_json_field *f)
{
	BW_REQUIRE(f->name != NULL);
	switch (f->type) {
	case BW_JSON_STRING:
	case BW_JSON_STRING_ARRAY:
		BW_REQUIRE(f->rule != NULL);
		break;
	case BW_JSON_INT:
		BW_REQUIRE(f->rule != NULL && f->rule->kind == BW_RULE_INT &&
		           f->rule->min <= f->rule->max);
		break;
	case BW_JSON_BOOL:
		break;
	default:
		bw_panic("bw_json: field %s has unknown type %d", f->name, (int)f->type);
	}
}

static struct bw_str string_of(const json_t *v)
{
	return (struct bw_str){json_string_value(v), json_string_length(v)};
}

static const char *string_code(const struct bw_rule *rule, const json_t *v)
{
	const char *code = NULL;

	if (!json_is_string(v))
		return CODE_INVALID;
	if (bw_validate(rule, string_of(v), &code) != BW_OK)
		return code;
	return NULL;
}

/* NULL when v is a good value for f, else the error code. */
static const char *value_code(const struct bw_json_field *f, const json_t *v)
{
	json_int_t n;
	size_t count;

	switch (f->type) {
	case BW_JSON_STRING:
		return string_code(f->rule, v);
	case BW_JSON_INT:
		if (!json_is_integer(v))
			return CODE_INVALID;
		n = json_integer_value(v);
		if (n < f->rule->min || n > f->rule->max)
			return "out_of_range";
		return NULL;
	case BW_JSON_BOOL:
		return json_is_boolean(v) ? NULL : CODE_INVALID;
	case BW_JSON_STRING_ARRAY:
		if (!json_is_array(v))
			return CODE_INVALID;
		count = json_array_size(v);
		if (count > f->max_items)
			return CODE_LONG;
		for (size_t i = 0; i < count; i++) {
			const char *code = string_code(f->rule, json_array_get(v, i));

			if (code != NULL)
				return code;
		}
		return NULL;
	}
	return CODE_INVALID; /* not reached: field_require vetted the type */
}

enum bw_err bw_json_check(const json_t *obj, const struct bw_json_schema *schema,
                          struct bw_field_errors *errs)
{
	size_t present = 0, unknown;
	bool bad = false;

	BW_REQUIRE(schema != NULL && (schema->fields != NULL || schema->count == 0));
	for (size_t i = 0; i < schema->count; i++) {
		field_require(&schema->fields[i]);
		/* a name declared twice would make the unknown count below wrong */
		for (size_t j = 0; j < i; j++)
			if (strcmp(schema->fields[i].name, schema->fields[j].name) == 0)
				bw_panic("bw_json: field %s declared twice",
				         schema->fields[i].name);
	}
	if (!json_is_object(obj)) {
		add_error(errs, BW_JSON_FIELD_BODY, CODE_INVALID);
		return BW_ERR_INVALID;
	}
	for (size_t i = 0; i < schema->count; i++) {
		const struct bw_json_field *f = &schema->fields[i];
		const json_t *v = json_object_get(obj, f->name);
		const char *code;

		if (v == NULL) {
			if (f->required) {
				add_error(errs, f->name, CODE_REQUIRED);
				bad = true;
			}
			continue;
		}
		present++;
		code = value_code(f, v);
		if (code != NULL) {
			add_error(errs, f->name, code);
			bad = true;
		}
	}
	/*
	 * Member names are unique in a jansson object (and duplicates were
	 * refused when parsing), so whatever is not a declared field is unknown.
	 * Counting avoids echoing, or even iterating over, the input's names.
	 */
	unknown = json_object_size(obj) - present;
	if (unknown > 0) {
		bad = true;
		for (size_t i = 0; i < unknown && i <= BW_FIELD_ERRORS_MAX; i++)
			add_error(errs, BW_JSON_FIELD_UNKNOWN, CODE_UNKNOWN);
	}
	return bad ? BW_ERR_INVALID : BW_OK;
}

/* The declared field called name, which must have the given type. */
static const struct bw_json_field *declared(const struct bw_json_schema *schema, const char *name,
                                            enum bw_json_type type)
{
	BW_REQUIRE(schema != NULL && name != NULL);
	for (size_t i = 0; i < schema->count; i++) {
		const struct bw_json_field *f = &schema->fields[i];

		if (f->name != NULL && strcmp(f->name, name) == 0) {
			field_require(f);
			if (f->type != type)
				bw_panic("bw_json: field %s read as the wrong type", name);
			return f;
		}
	}
	bw_panic("bw_json: field %s is not declared in the schema", name);
}

/* The checked value of a declared field, or why there is none. */
static enum bw_err lookup(const json_t *obj, const struct bw_json_schema *schema, const char *name,
                          enum bw_json_type type, const json_t **v)
{
	const struct bw_json_field *f = declared(schema, name, type);
	const json_t *m;

	if (!json_is_object(obj))
		return BW_ERR_INVALID;
	m = json_object_get(obj, f->name);
	if (m == NULL)
		return BW_ERR_NOT_FOUND;
	if (value_code(f, m) != NULL)
		return BW_ERR_INVALID;
	*v = m;
	return BW_OK;
}

static int64_t int_of(const json_t *v)
{
	return (int64_t)json_integer_value(v);
}

static bool bool_of(const json_t *v)
{
	return json_is_true(v);
}

/*
 * The typed getters of json.h, one per field type: the declared, checked
 * value of name read with conv into *out, which is written only on BW_OK.
 */
#define JSON_GETTER(fn, type, ctype, conv)                                                       \
	enum bw_err fn(const json_t *obj, const struct bw_json_schema *schema, const char *name, \
	               ctype *out)                                                               \
	{                                                                                        \
		const json_t *v = NULL;                                                          \
		enum bw_err rc;                                                                  \
                                                                                                 \
		BW_REQUIRE(out != NULL);                                                         \
		rc = lookup(obj, schema, name, type, &v);                                        \
		if (rc == BW_OK)                                                                 \
			*out = conv(v);                                                          \
		return rc;                                                                       \
	}

JSON_GETTER(bw_json_get_str, BW_JSON_STRING, struct bw_str, string_of)
JSON_GETTER(bw_json_get_int, BW_JSON_INT, int64_t, int_of)
JSON_GETTER(bw_json_get_bool, BW_JSON_BOOL, bool, bool_of)
JSON_GETTER(bw_json_get_count, BW_JSON_STRING_ARRAY, size_t, json_array_size)

enum bw_err bw_json_get_item(const json_t *obj, const struct bw_json_schema *schema,
                             const char *name, size_t i, struct bw_str *out)
{
	const json_t *v = NULL;
	enum bw_err rc;

	BW_REQUIRE(out != NULL);
	rc = lookup(obj, schema, name, BW_JSON_STRING_ARRAY, &v);
	if (rc != BW_OK)
		return rc;
	if (i >= json_array_size(v))
		return BW_ERR_NOT_FOUND;
	*out = string_of(json_array_get(v, i));
	return BW_OK;
}

/* ---- dumping ------------------------------------------------------------ */

struct dump_ctx {
	struct bw_buf *b;
	enum bw_err rc;
};

/*
 * jansson hands over the output in pieces. With JSON_ENSURE_ASCII the only
 * places '<', '>', '&' and DEL can occur are inside strings, where \u003c and
 * friends mean the same character, so a byte-wise rewrite is exact.
 */
static int dump_piece(const char *p, size_t len, void *data)
{
	struct dump_ctx *c = data;
	size_t run = 0;

	for (size_t i = 0; i < len && c->rc == BW_OK; i++) {
		const char *esc = NULL;

		switch (p[i]) {
		case '<':
			esc = "\\u003c";
			break;
		case '>':
			esc = "\\u003e";
			break;
		case '&':
			esc = "\\u0026";
			break;
		case 0x7F: /* DEL: jansson writes it raw; keep the output free of controls */
			esc = "\\u007f";
			break;
		default:
			run++;
			continue;
		}
		c->rc = bw_buf_append(c->b, p + i - run, run);
		if (c->rc == BW_OK)
			c->rc = bw_buf_append(c->b, esc, 6);
		run = 0;
	}
	if (c->rc == BW_OK && run > 0)
		c->rc = bw_buf_append(c->b, p + len - run, run);
	return c->rc == BW_OK ? 0 : -1;
}

enum bw_err bw_json_dump(const json_t *json, struct bw_buf *b)
{
	struct bw_buf tmp;
	struct dump_ctx ctx;
	enum bw_err rc;

	BW_REQUIRE(json != NULL && b != NULL);
	if (b->len >= b->cap)
		return BW_ERR_LIMIT;
	/* dump aside, so that a failure half-way leaves b as it was */
	bw_buf_init(&tmp, b->cap - b->len);
	ctx.b = &tmp;
	ctx.rc = BW_OK;
	if (json_dump_callback(json, dump_piece, &ctx,
	                       JSON_COMPACT | JSON_ENSURE_ASCII | JSON_ENCODE_ANY) != 0) {
		rc = ctx.rc != BW_OK ? ctx.rc : BW_ERR_INVALID;
		goto out;
	}
	rc = bw_buf_append(b, tmp.p, tmp.len);
out:
	bw_buf_free(&tmp);
	return rc;
}
