/*
 * config.c — the strict INI parser, typed schema values, BULWARK_*
 * environment overrides and secret references (config.h).
 *
 * Parsing is two-phase: bw_config_doc_parse checks the whole text and every
 * value against the schema without touching the caller's struct, so a file
 * with an error anywhere changes nothing; bw_config_doc_apply then stores.
 * One function, convert(), turns text into a typed value for files,
 * environment variables and flags alike, so there is one definition of what
 * a valid value is.
 */
#include "bulwark/config.h"

#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/fsutil.h"
#include "bulwark/keys.h"
#include "bulwark/utf8.h"

#define ENV_PREFIX     "BULWARK_"
#define ENV_PREFIX_LEN (sizeof(ENV_PREFIX) - 1)

struct entry {
	size_t key; /* index into the schema */
	unsigned line;
	char *value; /* unquoted, unescaped, NUL-terminated; wiped on free */
	size_t len;
};

struct bw_config_doc {
	const struct bw_config_schema *schema;
	struct entry *entries; /* at most n_keys: a key appears once */
	size_t n;
};

/* ---- errors ------------------------------------------------------------ */

static void err_set(struct bw_config_error *err, unsigned line, struct bw_str key, const char *msg)
{
	size_t n;

	if (err == NULL)
		return;
	err->line = line;
	n = key.len < sizeof(err->key) - 1 ? key.len : sizeof(err->key) - 1;
	if (n > 0)
		memcpy(err->key, key.p, n);
	err->key[n] = '\0';
	n = strlen(msg);
	if (n > sizeof(err->message) - 1)
		n = sizeof(err->message) - 1;
	memcpy(err->message, msg, n);
	err->message[n] = '\0';
}

/* Only a name made of these bytes is echoed in an error: it cannot carry a secret's shape. */
static bool name_echoable(struct bw_str s, bool upper)
{
	if (s.len == 0 || s.len > BW_CONFIG_NAME_MAX * 2)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (!((upper ? (c >= 'A' && c <= 'Z') : (c >= 'a' && c <= 'z')) ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.'))
			return false;
	}
	return true;
}

/* ---- names and the schema ---------------------------------------------- */

static bool is_name_byte(unsigned char c, bool dot)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (dot && c == '.');
}

/* [a-z0-9_]+ for sections; [a-z0-9_.]+ without empty dot-separated parts for keys. */
static bool valid_name(struct bw_str s, bool key)
{
	if (s.len == 0 || s.len > BW_CONFIG_NAME_MAX)
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (!is_name_byte((unsigned char)s.p[i], key))
			return false;
	if (key && (s.p[0] == '.' || s.p[s.len - 1] == '.' || memmem(s.p, s.len, "..", 2)))
		return false;
	return true;
}

static struct bw_str section_of(const char *name)
{
	const char *dot = strchr(name, '.');

	return (struct bw_str){name, dot ? (size_t)(dot - name) : strlen(name)};
}

static bool width_ok(size_t w)
{
	return w == 1 || w == 2 || w == 4 || w == 8;
}

static uint64_t width_max(size_t w)
{
	return w >= 8 ? UINT64_MAX : (UINT64_C(1) << (w * 8)) - 1;
}

static size_t choice_count(const char *const *choices)
{
	size_t n = 0;

	while (choices[n] != NULL)
		n++;
	return n;
}

static void env_name_raw(const char *name, char *out, size_t outsize, size_t *len)
{
	size_t n = strlen(name);

	BW_REQUIRE(ENV_PREFIX_LEN + n < outsize);
	memcpy(out, ENV_PREFIX, ENV_PREFIX_LEN);
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		out[ENV_PREFIX_LEN + i] = c == '.'                 ? '_'
		                          : (c >= 'a' && c <= 'z') ? (char)(c - 32)
		                                                   : c;
	}
	out[ENV_PREFIX_LEN + n] = '\0';
	*len = ENV_PREFIX_LEN + n;
}

/* A schema is written by programmers: a mistake in it aborts, loudly, at first use. */
static void schema_check(const struct bw_config_schema *schema)
{
	BW_REQUIRE(schema != NULL && schema->keys != NULL && schema->n_keys > 0);
	for (size_t i = 0; i < schema->n_keys; i++) {
		const struct bw_config_key *k = &schema->keys[i];
		struct bw_str sec;
		char a[160], b[160];
		size_t alen, blen;

		BW_REQUIRE(k->name != NULL && strchr(k->name, '.') != NULL);
		sec = section_of(k->name);
		BW_REQUIRE(valid_name(sec, false));
		BW_REQUIRE(valid_name(bw_str_c(k->name + sec.len + 1), true));
		BW_REQUIRE(k->size > 0);
		switch (k->type) {
		case BW_CONFIG_STRING:
		case BW_CONFIG_SECRET:
			break;
		case BW_CONFIG_DURATION:
			BW_REQUIRE(k->unit_ms == 1 || k->unit_ms == 1000);
			__attribute__((fallthrough)); /* bounds as for numbers */
		case BW_CONFIG_UINT:
		case BW_CONFIG_SIZE:
			BW_REQUIRE(width_ok(k->size) && k->min <= k->max &&
			           k->max <= width_max(k->size));
			break;
		case BW_CONFIG_BOOL:
			BW_REQUIRE(k->size == sizeof(bool));
			break;
		case BW_CONFIG_ENUM:
			BW_REQUIRE(width_ok(k->size) && k->choices != NULL &&
			           choice_count(k->choices) > 0);
			break;
		case BW_CONFIG_LIST:
			BW_REQUIRE(k->size % sizeof(char *) == 0);
			break;
		default:
			BW_REQUIRE(!"unknown bw_config_type");
		}
		env_name_raw(k->name, a, sizeof(a), &alen);
		for (size_t j = 0; j < i; j++) {
			BW_REQUIRE(strcmp(schema->keys[j].name, k->name) != 0);
			env_name_raw(schema->keys[j].name, b, sizeof(b), &blen);
			BW_REQUIRE(strcmp(a, b) != 0); /* "a.b_c" and "a.b.c" would share one */
		}
	}
}

static long find_key(const struct bw_config_schema *schema, struct bw_str name)
{
	for (size_t i = 0; i < schema->n_keys; i++)
		if (bw_str_eq_c(name, schema->keys[i].name))
			return (long)i;
	return -1;
}

static bool section_known(const struct bw_config_schema *schema, struct bw_str sec)
{
	for (size_t i = 0; i < schema->n_keys; i++)
		if (bw_str_eq(section_of(schema->keys[i].name), sec))
			return true;
	return false;
}

const struct bw_config_key *bw_config_find(const struct bw_config_schema *schema,
                                           struct bw_str name)
{
	long i;

	schema_check(schema);
	i = find_key(schema, name);
	return i < 0 ? NULL : &schema->keys[i];
}

enum bw_err bw_config_env_name(const struct bw_config_key *key, char *out, size_t outsize)
{
	size_t n;

	BW_REQUIRE(key != NULL && key->name != NULL && out != NULL);
	n = strlen(key->name);
	if (outsize == 0 || ENV_PREFIX_LEN + n >= outsize)
		return BW_ERR_LIMIT;
	env_name_raw(key->name, out, outsize, &n);
	return BW_OK;
}

/* ---- bytes ------------------------------------------------------------- */

/*
 * Valid UTF-8 with no control characters (C0 except tab, DEL, C1). A NUL is
 * reported apart because it is the classic truncation attack on C parsers.
 */
static enum bw_err check_text(const char *p, size_t len, const char **msg)
{
	size_t i = 0;

	if (memchr(p, '\0', len) != NULL) {
		*msg = "NUL byte";
		return BW_ERR_ENCODING;
	}
	while (i < len) {
		uint32_t cp;
		size_t n;

		if (!bw_utf8_decode((const uint8_t *)p + i, len - i, &cp, &n)) {
			*msg = "invalid UTF-8";
			return BW_ERR_ENCODING;
		}
		if ((cp < 0x20 && cp != '\t') || (cp >= 0x7f && cp <= 0x9f)) {
			*msg = "control character";
			return BW_ERR_ENCODING;
		}
		i += n;
	}
	return BW_OK;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static struct bw_str trim(struct bw_str s)
{
	while (s.len > 0 && is_ws(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && is_ws(s.p[s.len - 1]))
		s.len--;
	return s;
}

/* ---- typed values ------------------------------------------------------ */

static void store_uint(void *field, size_t width, uint64_t v)
{
	switch (width) {
	case 1: {
		uint8_t x = (uint8_t)v;
		memcpy(field, &x, 1);
		break;
	}
	case 2: {
		uint16_t x = (uint16_t)v;
		memcpy(field, &x, 2);
		break;
	}
	case 4: {
		uint32_t x = (uint32_t)v;
		memcpy(field, &x, 4);
		break;
	}
	default:
		memcpy(field, &v, 8);
	}
}

static uint64_t load_uint(const void *field, size_t width)
{
	switch (width) {
	case 1: {
		uint8_t x;
		memcpy(&x, field, 1);
		return x;
	}
	case 2: {
		uint16_t x;
		memcpy(&x, field, 2);
		return x;
	}
	case 4: {
		uint32_t x;
		memcpy(&x, field, 4);
		return x;
	}
	default: {
		uint64_t x;
		memcpy(&x, field, 8);
		return x;
	}
	}
}

static enum bw_err parse_size(struct bw_str s, uint64_t *out, const char **msg)
{
	uint64_t mul = 1, v;
	enum bw_err rc;

	if (s.len > 0) {
		switch (s.p[s.len - 1]) {
		case 'K':
			mul = UINT64_C(1) << 10;
			break;
		case 'M':
			mul = UINT64_C(1) << 20;
			break;
		case 'G':
			mul = UINT64_C(1) << 30;
			break;
		default:
			break;
		}
	}
	if (mul != 1)
		s.len--;
	rc = bw_parse_u64(s, 0, UINT64_MAX, &v);
	if (rc != BW_OK) {
		*msg = rc == BW_ERR_RANGE ? "number too large"
		                          : "not a size (digits, then K, M or G)";
		return rc;
	}
	if (v > UINT64_MAX / mul) {
		*msg = "number too large";
		return BW_ERR_RANGE;
	}
	*out = v * mul;
	return BW_OK;
}

/* Digits and a unit, in milliseconds; a value must be a whole number of the stored unit. */
static enum bw_err parse_duration(struct bw_str s, uint32_t unit_ms, uint64_t *out,
                                  const char **msg)
{
	static const struct {
		const char *suffix;
		uint64_t ms;
	} units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
	uint64_t v;
	enum bw_err rc;

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t n = strlen(units[i].suffix);
		struct bw_str digits = {s.p, s.len - n};

		if (s.len <= n || memcmp(s.p + s.len - n, units[i].suffix, n) != 0)
			continue;
		rc = bw_parse_u64(digits, 0, UINT64_MAX / units[i].ms, &v);
		if (rc != BW_OK) {
			*msg = rc == BW_ERR_RANGE ? "duration too large" : "not a duration";
			return rc;
		}
		v *= units[i].ms;
		if (v % unit_ms != 0) {
			*msg = "duration finer than the key's unit (whole seconds)";
			return BW_ERR_INVALID;
		}
		*out = v / unit_ms;
		return BW_OK;
	}
	*msg = "not a duration (digits, then ms, s, m or h)";
	return BW_ERR_INVALID;
}

/* The kind of a secret reference; the rules are keys.c's (bw_key_ref_parse). */
static enum bw_config_secret_kind secret_kind(struct bw_str s)
{
	enum bw_key_ref_kind kind;
	struct bw_str arg;

	if (s.len == 0)
		return BW_CONFIG_SECRET_BAD;
	switch (bw_key_ref_parse(s, &kind, &arg)) {
	case BW_OK:
		break;
	case BW_ERR_CONFIG: /* no known scheme */
		return BW_CONFIG_SECRET_LITERAL;
	default:
		return BW_CONFIG_SECRET_BAD;
	}
	switch (kind) {
	case BW_KEY_REF_FILE:
		return BW_CONFIG_SECRET_FILE;
	case BW_KEY_REF_ENV:
		return BW_CONFIG_SECRET_ENV;
	case BW_KEY_REF_CREDENTIAL:
		return BW_CONFIG_SECRET_CREDENTIAL;
	}
	return BW_CONFIG_SECRET_BAD;
}

enum bw_config_secret_kind bw_config_secret_kind(const char *ref)
{
	BW_REQUIRE(ref != NULL);
	return secret_kind(bw_str_c(ref));
}

static void free_items(char **items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i]);
}

/* Split a LIST value; with items NULL only validate. Items are trimmed, non-empty, distinct. */
static enum bw_err split_list(struct bw_str v, size_t max, char **items, size_t *count,
                              const char **msg)
{
	struct bw_str *parts;
	size_t n = 0, start = 0;
	enum bw_err rc = BW_OK;

	*count = 0;
	if (trim(v).len == 0)
		return BW_OK;
	parts = calloc(max > 0 ? max : 1, sizeof(*parts));
	if (parts == NULL) {
		*msg = "out of memory";
		return BW_ERR_NOMEM;
	}
	for (size_t i = 0; i <= v.len; i++) {
		struct bw_str item;

		if (i < v.len && v.p[i] != ',')
			continue;
		item = trim((struct bw_str){v.p + start, i - start});
		start = i + 1;
		if (item.len == 0) {
			*msg = "empty list item";
			rc = BW_ERR_INVALID;
			goto out;
		}
		if (n >= max) {
			*msg = "too many list items";
			rc = BW_ERR_LIMIT;
			goto out;
		}
		for (size_t j = 0; j < n; j++)
			if (bw_str_eq(parts[j], item)) {
				*msg = "duplicate list item";
				rc = BW_ERR_EXISTS;
				goto out;
			}
		parts[n++] = item;
	}
	for (size_t i = 0; items != NULL && i < n; i++) {
		items[i] = malloc(parts[i].len + 1);
		if (items[i] == NULL) {
			free_items(items, i);
			*msg = "out of memory";
			rc = BW_ERR_NOMEM;
			goto out;
		}
		memcpy(items[i], parts[i].p, parts[i].len);
		items[i][parts[i].len] = '\0';
	}
	*count = n;
out:
	free(parts);
	return rc;
}

/*
 * convert - check v against k's type and, when target is not NULL, store it.
 * v has already passed check_text. *msg gets a static description on error.
 */
static enum bw_err convert(const struct bw_config_key *k, struct bw_str v, void *target,
                           const char **msg)
{
	char *field = target ? (char *)target + k->offset : NULL;
	uint64_t u = 0;
	enum bw_err rc = BW_OK;

	switch (k->type) {
	case BW_CONFIG_SECRET:
		if (secret_kind(v) == BW_CONFIG_SECRET_BAD) {
			*msg = "malformed secret reference (file:PATH, env:NAME, credential:NAME)";
			return BW_ERR_INVALID;
		}
		/* stored as text; the mode decides later whether a literal may stay */
		__attribute__((fallthrough));
	case BW_CONFIG_STRING:
		if (v.len >= k->size) {
			*msg = "value too long";
			return BW_ERR_LIMIT;
		}
		if (field != NULL) {
			sodium_memzero(field, k->size);
			if (v.len > 0)
				memcpy(field, v.p, v.len);
		}
		return BW_OK;
	case BW_CONFIG_UINT:
		rc = bw_parse_u64(v, k->min, k->max, &u);
		if (rc != BW_OK)
			*msg = rc == BW_ERR_RANGE
			               ? "number out of range"
			               : "not a decimal number (digits, no leading zero)";
		break;
	case BW_CONFIG_SIZE:
		rc = parse_size(v, &u, msg);
		if (rc == BW_OK && (u < k->min || u > k->max)) {
			*msg = "size out of range";
			rc = BW_ERR_RANGE;
		}
		break;
	case BW_CONFIG_DURATION:
		rc = parse_duration(v, k->unit_ms, &u, msg);
		if (rc == BW_OK && (u < k->min || u > k->max)) {
			*msg = "duration out of range";
			rc = BW_ERR_RANGE;
		}
		break;
	case BW_CONFIG_BOOL:
		if (bw_str_eq_c(v, "true"))
			u = 1;
		else if (bw_str_eq_c(v, "false"))
			u = 0;
		else {
			*msg = "not a boolean (true or false)";
			return BW_ERR_INVALID;
		}
		if (field != NULL) {
			bool b = u != 0;
			memcpy(field, &b, sizeof(b));
		}
		return BW_OK;
	case BW_CONFIG_ENUM: {
		size_t i;

		for (i = 0; k->choices[i] != NULL; i++)
			if (bw_str_eq_c(v, k->choices[i]))
				break;
		if (k->choices[i] == NULL) {
			*msg = "not one of the allowed values";
			return BW_ERR_INVALID;
		}
		u = i;
		break;
	}
	case BW_CONFIG_LIST: {
		size_t max = k->size / sizeof(char *), n = 0, old;
		char **items = NULL;

		if (field != NULL) {
			items = calloc(max > 0 ? max : 1, sizeof(char *));
			if (items == NULL) {
				*msg = "out of memory";
				return BW_ERR_NOMEM;
			}
		}
		rc = split_list(v, max, items, &n, msg);
		if (rc == BW_OK && field != NULL) {
			char **slots = (char **)(void *)field;

			memcpy(&old, (char *)target + k->count_offset, sizeof(old));
			free_items(slots, old);
			memset(slots, 0, k->size);
			memcpy(slots, items, n * sizeof(char *));
			memcpy((char *)target + k->count_offset, &n, sizeof(n));
		}
		free(items);
		return rc;
	}
	default:
		BW_REQUIRE(!"unknown bw_config_type");
	}
	if (rc == BW_OK && field != NULL)
		store_uint(field, k->size, u);
	return rc;
}

/* ---- the INI text ------------------------------------------------------ */

/* Unquote a value: "..." with \" and \\ as the only escapes. out holds len + 1 bytes. */
static enum bw_err unquote(struct bw_str v, char *out, size_t *outlen, const char **msg)
{
	size_t n = 0;

	if (v.len == 0 || v.p[0] != '"') {
		if (v.len > 0)
			memcpy(out, v.p, v.len);
		out[v.len] = '\0';
		*outlen = v.len;
		return BW_OK;
	}
	if (v.len < 2 || v.p[v.len - 1] != '"') {
		*msg = "unterminated quoted value";
		return BW_ERR_INVALID;
	}
	for (size_t i = 1; i < v.len - 1; i++) {
		char c = v.p[i];

		if (c == '"') {
			*msg = "unescaped quote inside a quoted value";
			return BW_ERR_INVALID;
		}
		if (c == '\\') {
			if (i + 1 >= v.len - 1 || (v.p[i + 1] != '"' && v.p[i + 1] != '\\')) {
				*msg = "unknown escape (only \\\" and \\\\)";
				return BW_ERR_INVALID;
			}
			c = v.p[++i];
		}
		out[n++] = c;
	}
	out[n] = '\0';
	*outlen = n;
	return BW_OK;
}

void bw_config_doc_free(struct bw_config_doc *doc)
{
	if (doc == NULL)
		return;
	for (size_t i = 0; i < doc->n; i++) {
		sodium_memzero(doc->entries[i].value, doc->entries[i].len);
		free(doc->entries[i].value);
	}
	free(doc->entries);
	free(doc);
}

size_t bw_config_doc_count(const struct bw_config_doc *doc)
{
	BW_REQUIRE(doc != NULL);
	return doc->n;
}

const struct bw_config_key *bw_config_doc_key(const struct bw_config_doc *doc, size_t i,
                                              unsigned *line)
{
	BW_REQUIRE(doc != NULL && i < doc->n);
	if (line != NULL)
		*line = doc->entries[i].line;
	return &doc->schema->keys[doc->entries[i].key];
}

/* One "key = value" line in the current section. */
static enum bw_err parse_pair(struct bw_config_doc *doc, struct bw_str sec, struct bw_str s,
                              unsigned line, bool *seen, struct bw_config_error *err)
{
	const struct bw_config_schema *schema = doc->schema;
	const char *eq = memchr(s.p, '=', s.len);
	const char *msg = NULL;
	char full[2 * BW_CONFIG_NAME_MAX + 2];
	struct bw_str key, val, name;
	struct entry *e;
	long ki;
	enum bw_err rc;

	if (eq == NULL) {
		err_set(err, line, BW_STR(""), "expected [section] or key = value");
		return BW_ERR_INVALID;
	}
	key = trim((struct bw_str){s.p, (size_t)(eq - s.p)});
	val = trim((struct bw_str){eq + 1, s.len - (size_t)(eq - s.p) - 1});
	if (!valid_name(key, true)) {
		err_set(err, line, BW_STR(""), "malformed key (a-z, 0-9, '_' and '.' only)");
		return BW_ERR_INVALID;
	}
	if (sec.len == 0) {
		err_set(err, line, key, "key outside any [section]");
		return BW_ERR_INVALID;
	}
	memcpy(full, sec.p, sec.len);
	full[sec.len] = '.';
	memcpy(full + sec.len + 1, key.p, key.len);
	name = (struct bw_str){full, sec.len + 1 + key.len};
	ki = find_key(schema, name);
	if (ki < 0) {
		err_set(err, line, name, "unknown key");
		return BW_ERR_NOT_FOUND;
	}
	if (seen[ki]) {
		err_set(err, line, name, "duplicate key");
		return BW_ERR_EXISTS;
	}
	seen[ki] = true;
	e = &doc->entries[doc->n];
	e->value = malloc(val.len + 1);
	if (e->value == NULL) {
		err_set(err, line, name, "out of memory");
		return BW_ERR_NOMEM;
	}
	e->key = (size_t)ki;
	e->line = line;
	e->len = 0;
	doc->n++; /* owned by doc from here on, so a failure below frees it */
	rc = unquote(val, e->value, &e->len, &msg);
	if (rc == BW_OK)
		rc = convert(&schema->keys[ki], (struct bw_str){e->value, e->len}, NULL, &msg);
	if (rc != BW_OK)
		err_set(err, line, name, msg);
	return rc;
}

enum bw_err bw_config_doc_parse(const struct bw_config_schema *schema, const void *text, size_t len,
                                struct bw_config_doc **out, struct bw_config_error *err)
{
	const char *p = text;
	struct bw_config_doc *doc = NULL;
	struct bw_str sec = {"", 0};
	struct bw_str *sections = NULL;
	size_t n_sections = 0, pos = 0;
	bool *seen = NULL;
	unsigned line = 0;
	enum bw_err rc = BW_OK;

	schema_check(schema);
	BW_REQUIRE(out != NULL && (text != NULL || len == 0));
	*out = NULL;
	err_set(err, 0, BW_STR(""), "");
	if (len > BW_CONFIG_FILE_MAX) {
		err_set(err, 0, BW_STR(""), "file too large");
		return BW_ERR_LIMIT;
	}
	doc = calloc(1, sizeof(*doc));
	seen = calloc(schema->n_keys, sizeof(*seen));
	sections = calloc(schema->n_keys, sizeof(*sections));
	if (doc == NULL || seen == NULL || sections == NULL ||
	    (doc->entries = calloc(schema->n_keys, sizeof(*doc->entries))) == NULL) {
		rc = BW_ERR_NOMEM;
		err_set(err, 0, BW_STR(""), "out of memory");
		goto out;
	}
	doc->schema = schema;
	while (pos < len) {
		const char *nl = memchr(p + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - p) : len;
		struct bw_str s = {p + pos, end - pos};
		const char *msg = NULL;

		pos = nl ? end + 1 : len;
		line++;
		if (s.len > 0 && s.p[s.len - 1] == '\r')
			s.len--; /* CRLF; a lone CR elsewhere is a control character */
		if (s.len > BW_CONFIG_LINE_MAX) {
			rc = BW_ERR_LIMIT;
			err_set(err, line, BW_STR(""), "line too long");
			goto out;
		}
		rc = check_text(s.p, s.len, &msg);
		if (rc != BW_OK) {
			err_set(err, line, BW_STR(""), msg);
			goto out;
		}
		s = trim(s);
		if (s.len == 0 || s.p[0] == '#' || s.p[0] == ';')
			continue;
		if (s.p[0] == '[') {
			struct bw_str name = {s.p + 1, s.len - 1};

			if (s.len < 2 || s.p[s.len - 1] != ']') {
				rc = BW_ERR_INVALID;
				err_set(err, line, BW_STR(""), "malformed section header");
				goto out;
			}
			name.len--;
			if (!valid_name(name, false)) {
				rc = BW_ERR_INVALID;
				err_set(err, line, BW_STR(""),
				        "malformed section name (a-z, 0-9 and '_' only)");
				goto out;
			}
			if (!section_known(schema, name)) {
				rc = BW_ERR_NOT_FOUND;
				err_set(err, line, name, "unknown section");
				goto out;
			}
			for (size_t i = 0; i < n_sections; i++)
				if (bw_str_eq(sections[i], name)) {
					rc = BW_ERR_EXISTS;
					err_set(err, line, name, "duplicate section");
					goto out;
				}
			sections[n_sections++] = name; /* known and distinct: fewer than n_keys */
			sec = name;
			continue;
		}
		rc = parse_pair(doc, sec, s, line, seen, err);
		if (rc != BW_OK)
			goto out;
	}
	*out = doc;
	doc = NULL;
out:
	bw_config_doc_free(doc);
	free(seen);
	free(sections);
	return rc;
}

enum bw_err bw_config_doc_apply(const struct bw_config_doc *doc, void *target,
                                struct bw_config_error *err)
{
	BW_REQUIRE(doc != NULL && target != NULL);
	for (size_t i = 0; i < doc->n; i++) {
		const struct entry *e = &doc->entries[i];
		const struct bw_config_key *k = &doc->schema->keys[e->key];
		const char *msg = "invalid value";
		enum bw_err rc = convert(k, (struct bw_str){e->value, e->len}, target, &msg);

		if (rc != BW_OK) {
			err_set(err, e->line, bw_str_c(k->name), msg);
			return rc;
		}
	}
	return BW_OK;
}

enum bw_err bw_config_parse(const struct bw_config_schema *schema, const void *text, size_t len,
                            void *target, struct bw_config_error *err)
{
	struct bw_config_doc *doc = NULL;
	enum bw_err rc;

	BW_REQUIRE(target != NULL);
	rc = bw_config_doc_parse(schema, text, len, &doc, err);
	if (rc == BW_OK)
		rc = bw_config_doc_apply(doc, target, err);
	bw_config_doc_free(doc);
	return rc;
}

/* What to say about a configuration file bw_fs_read_file refused. */
static const char *read_message(enum bw_err rc)
{
	static const struct {
		enum bw_err rc;
		const char *message;
	} messages[] = {
	        {BW_ERR_NOT_FOUND, "file not found"},
	        {BW_ERR_DENIED, "not a regular file, or writable by group or others"},
	        {BW_ERR_LIMIT, "file too large"},
	        {BW_ERR_NOMEM, "out of memory"},
	};

	for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++)
		if (messages[i].rc == rc)
			return messages[i].message;
	return "cannot read file";
}

enum bw_err bw_config_load_file(const struct bw_config_schema *schema, const char *path,
                                void *target, struct bw_config_error *err)
{
	struct bw_buf text;
	enum bw_err rc;

	BW_REQUIRE(path != NULL && target != NULL);
	schema_check(schema);
	bw_buf_init(&text, BW_CONFIG_FILE_MAX);
	/*
	 * Not a secret: a symlink is followed (deployments link configuration
	 * into place); the file reached must not be writable by group or others.
	 */
	rc = bw_fs_read_file(path, BW_FS_NO_SHARED_WRITE | BW_FS_FOLLOW, &text);
	if (rc != BW_OK)
		err_set(err, 0, BW_STR(""), read_message(rc));
	else
		rc = bw_config_parse(schema, bw_buf_cstr(&text), text.len, target, err);
	bw_buf_free(&text);
	return rc;
}

/* ---- environment and flags -------------------------------------------- */

static enum bw_err check_value(const struct bw_config_key *k, struct bw_str v, const char **msg)
{
	enum bw_err rc;

	if (v.len > BW_CONFIG_LINE_MAX) {
		*msg = "value too long";
		return BW_ERR_LIMIT;
	}
	rc = check_text(v.p, v.len, msg);
	if (rc == BW_OK)
		rc = convert(k, v, NULL, msg);
	return rc;
}

enum bw_err bw_config_apply_env(const struct bw_config_schema *schema, char *const *envp,
                                void *target, struct bw_config_error *err)
{
	long *which = NULL; /* per schema key: index into envp of its variable, or -1 */
	enum bw_err rc = BW_OK;

	schema_check(schema);
	BW_REQUIRE(target != NULL);
	err_set(err, 0, BW_STR(""), "");
	if (envp == NULL)
		return BW_OK;
	which = malloc(schema->n_keys * sizeof(*which));
	if (which == NULL) {
		err_set(err, 0, BW_STR(""), "out of memory");
		return BW_ERR_NOMEM;
	}
	for (size_t i = 0; i < schema->n_keys; i++)
		which[i] = -1;
	for (size_t e = 0; envp[e] != NULL; e++) {
		const char *eq = strchr(envp[e], '=');
		struct bw_str name;
		bool matched = false;

		if (strncmp(envp[e], ENV_PREFIX, ENV_PREFIX_LEN) != 0 || eq == NULL)
			continue;
		name = (struct bw_str){envp[e], (size_t)(eq - envp[e])};
		for (size_t i = 0; i < schema->n_keys && !matched; i++) {
			char want[160];
			size_t wlen;
			const char *msg = "";

			env_name_raw(schema->keys[i].name, want, sizeof(want), &wlen);
			if (!bw_str_eq_c(name, want))
				continue;
			matched = true;
			if (which[i] >= 0) {
				rc = BW_ERR_EXISTS;
				err_set(err, 0, name, "environment variable given twice");
				goto out;
			}
			rc = check_value(&schema->keys[i], bw_str_c(eq + 1), &msg);
			if (rc != BW_OK) {
				err_set(err, 0, name, msg);
				goto out;
			}
			which[i] = (long)e;
		}
		if (matched)
			continue;
		/* BULWARK_<SECTION>_...: a known section with an unknown key is a typo to refuse */
		for (size_t i = 0; i < schema->n_keys; i++) {
			char want[160];
			size_t wlen;
			struct bw_str sec = section_of(schema->keys[i].name);
			char secname[BW_CONFIG_NAME_MAX + 2];

			memcpy(secname, sec.p, sec.len);
			secname[sec.len] = '\0';
			env_name_raw(secname, want, sizeof(want), &wlen);
			if (name.len > wlen + 1 && memcmp(name.p, want, wlen) == 0 &&
			    name.p[wlen] == '_') {
				rc = BW_ERR_NOT_FOUND;
				err_set(err, 0, name_echoable(name, true) ? name : BW_STR(""),
				        "environment variable names no known key");
				goto out;
			}
		}
	}
	for (size_t i = 0; i < schema->n_keys; i++) {
		const char *msg = "";
		const char *v;

		if (which[i] < 0)
			continue;
		v = strchr(envp[which[i]], '=') + 1;
		rc = convert(&schema->keys[i], bw_str_c(v), target, &msg);
		if (rc != BW_OK) {
			char want[160];
			size_t wlen;

			env_name_raw(schema->keys[i].name, want, sizeof(want), &wlen);
			err_set(err, 0, bw_str_c(want), msg);
			goto out;
		}
	}
out:
	free(which);
	return rc;
}

enum bw_err bw_config_set(const struct bw_config_schema *schema, const char *name,
                          struct bw_str value, void *target, struct bw_config_error *err)
{
	const char *msg = "";
	long ki;
	enum bw_err rc;

	schema_check(schema);
	BW_REQUIRE(name != NULL && target != NULL && (value.p != NULL || value.len == 0));
	err_set(err, 0, BW_STR(""), "");
	ki = find_key(schema, bw_str_c(name));
	if (ki < 0) {
		err_set(err, 0, name_echoable(bw_str_c(name), false) ? bw_str_c(name) : BW_STR(""),
		        "unknown key");
		return BW_ERR_NOT_FOUND;
	}
	rc = check_value(&schema->keys[ki], value, &msg);
	if (rc == BW_OK)
		rc = convert(&schema->keys[ki], value, target, &msg);
	if (rc != BW_OK)
		err_set(err, 0, bw_str_c(name), msg);
	return rc;
}

/* ---- writing ----------------------------------------------------------- */

static enum bw_err append_quoted(struct bw_buf *b, const char *s, size_t len)
{
	enum bw_err rc = bw_buf_append_byte(b, '"');

	for (size_t i = 0; i < len && rc == BW_OK; i++) {
		if (s[i] == '"' || s[i] == '\\')
			rc = bw_buf_append_byte(b, '\\');
		if (rc == BW_OK)
			rc = bw_buf_append_byte(b, s[i]);
	}
	if (rc == BW_OK)
		rc = bw_buf_append_byte(b, '"');
	return rc;
}

static enum bw_err write_value(const struct bw_config_key *k, const void *target, struct bw_buf *b)
{
	const char *field = (const char *)target + k->offset;
	uint64_t u;

	switch (k->type) {
	case BW_CONFIG_SECRET:
		if (secret_kind(bw_str_c(field)) == BW_CONFIG_SECRET_LITERAL)
			return BW_ERR_DENIED;
		__attribute__((fallthrough));
	case BW_CONFIG_STRING:
		return append_quoted(b, field, strnlen(field, k->size));
	case BW_CONFIG_UINT:
	case BW_CONFIG_SIZE:
		return bw_buf_printf(b, "%llu", (unsigned long long)load_uint(field, k->size));
	case BW_CONFIG_DURATION:
		u = load_uint(field, k->size);
		return bw_buf_printf(b, "%llu%s", (unsigned long long)u,
		                     k->unit_ms == 1000 ? "s" : "ms");
	case BW_CONFIG_BOOL: {
		bool v;

		memcpy(&v, field, sizeof(v));
		return bw_buf_append_c(b, v ? "true" : "false");
	}
	case BW_CONFIG_ENUM:
		u = load_uint(field, k->size);
		if (u >= choice_count(k->choices))
			return BW_ERR_INVALID;
		return bw_buf_append_c(b, k->choices[u]);
	case BW_CONFIG_LIST: {
		size_t n;
		char *const *items = (char *const *)(const void *)field;
		enum bw_err rc = BW_OK;
		struct bw_buf joined;

		memcpy(&n, (const char *)target + k->count_offset, sizeof(n));
		BW_REQUIRE(n <= k->size / sizeof(char *));
		bw_buf_init(&joined, BW_CONFIG_LINE_MAX);
		for (size_t i = 0; i < n && rc == BW_OK; i++) {
			if (i > 0)
				rc = bw_buf_append_byte(&joined, ',');
			if (rc == BW_OK)
				rc = bw_buf_append_c(&joined, items[i]);
		}
		if (rc == BW_OK)
			rc = append_quoted(b, bw_buf_cstr(&joined), joined.len);
		bw_buf_free(&joined);
		return rc;
	}
	default:
		BW_REQUIRE(!"unknown bw_config_type");
	}
	return BW_ERR_INTERNAL;
}

enum bw_err bw_config_write(const struct bw_config_schema *schema, const void *target,
                            struct bw_buf *out)
{
	enum bw_err rc = BW_OK;

	schema_check(schema);
	BW_REQUIRE(target != NULL && out != NULL);
	for (size_t i = 0; i < schema->n_keys && rc == BW_OK; i++) {
		struct bw_str sec = section_of(schema->keys[i].name);
		bool done = false;

		for (size_t j = 0; j < i && !done; j++)
			done = bw_str_eq(section_of(schema->keys[j].name), sec);
		if (done)
			continue; /* written with the first key of its section */
		rc = bw_buf_printf(out, "[%.*s]\n", (int)sec.len, sec.p);
		for (size_t j = i; j < schema->n_keys && rc == BW_OK; j++) {
			const struct bw_config_key *k = &schema->keys[j];
			size_t start;

			if (!bw_str_eq(section_of(k->name), sec))
				continue;
			start = out->len;
			rc = bw_buf_printf(out, "%s = ", k->name + sec.len + 1);
			if (rc == BW_OK)
				rc = write_value(k, target, out);
			if (rc == BW_OK && out->len - start > BW_CONFIG_LINE_MAX)
				rc = BW_ERR_LIMIT;
			if (rc == BW_OK)
				rc = bw_buf_append_byte(out, '\n');
		}
	}
	return rc;
}

enum bw_err bw_config_check(const struct bw_config_schema *schema, const void *target,
                            struct bw_config_error *err)
{
	BW_REQUIRE(target != NULL);
	schema_check(schema);
	for (size_t i = 0; i < schema->n_keys; i++) {
		const struct bw_config_key *k = &schema->keys[i];
		const void *field = (const char *)target + k->offset;
		uint64_t v;

		switch (k->type) {
		case BW_CONFIG_UINT:
		case BW_CONFIG_SIZE:
		case BW_CONFIG_DURATION:
			v = load_uint(field, k->size);
			if (v >= k->min && v <= k->max)
				continue;
			err_set(err, 0, bw_str_c(k->name), "value out of range");
			return BW_ERR_RANGE;
		case BW_CONFIG_ENUM:
			if (load_uint(field, k->size) < choice_count(k->choices))
				continue;
			err_set(err, 0, bw_str_c(k->name), "not one of the choices");
			return BW_ERR_RANGE;
		default:
			continue;
		}
	}
	return BW_OK;
}

void bw_config_free(const struct bw_config_schema *schema, void *target)
{
	schema_check(schema);
	BW_REQUIRE(target != NULL);
	for (size_t i = 0; i < schema->n_keys; i++) {
		const struct bw_config_key *k = &schema->keys[i];
		char **slots;
		size_t n, zero = 0;

		if (k->type != BW_CONFIG_LIST)
			continue;
		slots = (char **)(void *)((char *)target + k->offset);
		memcpy(&n, (char *)target + k->count_offset, sizeof(n));
		BW_REQUIRE(n <= k->size / sizeof(char *));
		free_items(slots, n);
		memset(slots, 0, k->size);
		memcpy((char *)target + k->count_offset, &zero, sizeof(zero));
	}
}

/* ---- secrets ----------------------------------------------------------- */

enum bw_err bw_config_secret_resolve_flags(const char *ref, unsigned flags, struct bw_secret **out,
                                           bool *literal)
{
	struct bw_buf b;
	struct bw_str s;
	enum bw_err rc;

	BW_REQUIRE(ref != NULL && out != NULL);
	*out = NULL;
	if (literal != NULL)
		*literal = false;
	s = bw_str_c(ref);
	switch (secret_kind(s)) {
	case BW_CONFIG_SECRET_BAD:
		return BW_ERR_INVALID;
	case BW_CONFIG_SECRET_LITERAL:
		if ((flags & BW_CONFIG_ALLOW_LITERAL) == 0)
			return BW_ERR_DENIED;
		if (s.len > BW_CONFIG_SECRET_MAX)
			return BW_ERR_LIMIT;
		if (literal != NULL)
			*literal = true;
		return bw_secret_new(s.p, s.len, out);
	default:
		break;
	}
	bw_buf_init(&b, BW_CONFIG_SECRET_MAX);
	rc = bw_key_ref_read(s, NULL, &b);
	if (rc == BW_OK)
		rc = bw_secret_new(b.p, b.len, out);
	bw_buf_free(&b); /* wipes */
	return rc;
}

enum bw_err bw_config_secret_resolve(const char *ref, struct bw_secret **out)
{
	return bw_config_secret_resolve_flags(ref, 0, out, NULL);
}
