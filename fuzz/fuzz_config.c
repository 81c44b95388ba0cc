/*
 * fuzz_config.c — arbitrary bytes into the strict INI parser with a schema
 * that has every value type. Properties, not just "no crash":
 *   - when it accepts, every key it reports is a key of the schema, once;
 *   - writing the values back out and parsing that gives the same values
 *     (only a literal secret may refuse to be written, or a line grow past
 *     the cap through escaping);
 *   - a refusal names no key that is not a well-formed name;
 *   - the same holds for one value set directly through bw_config_set.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/bulwark.h"
#include "bulwark/config.h"

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond))                                                 \
			bw_panic("fuzz_config: property failed: %s", #cond); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct conf {
	char name[48];
	unsigned port;
	size_t body;
	bool flag;
	uint8_t level;
	char *hosts[4];
	size_t n_hosts;
	char key[64];
	uint64_t timeout_ms;
	uint16_t period_s;
	char cert[32];
};

static const char *const levels[] = {"low", "mid", "high", NULL};

static const struct bw_config_key keys[] = {
        {.name = "app.name", .type = BW_CONFIG_STRING, BW_CONFIG_AT(struct conf, name)},
        {.name = "app.port",
         .type = BW_CONFIG_UINT,
         BW_CONFIG_AT(struct conf, port),
         .min = 1,
         .max = 65535},
        {.name = "app.body",
         .type = BW_CONFIG_SIZE,
         BW_CONFIG_AT(struct conf, body),
         .min = 0,
         .max = UINT64_MAX},
        {.name = "app.flag", .type = BW_CONFIG_BOOL, BW_CONFIG_AT(struct conf, flag)},
        {.name = "app.level",
         .type = BW_CONFIG_ENUM,
         BW_CONFIG_AT(struct conf, level),
         .choices = levels},
        {.name = "net.hosts",
         .type = BW_CONFIG_LIST,
         BW_CONFIG_AT(struct conf, hosts),
         .count_offset = offsetof(struct conf, n_hosts)},
        {.name = "net.key", .type = BW_CONFIG_SECRET, BW_CONFIG_AT(struct conf, key)},
        {.name = "net.timeout",
         .type = BW_CONFIG_DURATION,
         BW_CONFIG_AT(struct conf, timeout_ms),
         .min = 0,
         .max = UINT64_MAX,
         .unit_ms = 1},
        {.name = "net.period",
         .type = BW_CONFIG_DURATION,
         BW_CONFIG_AT(struct conf, period_s),
         .min = 1,
         .max = 65535,
         .unit_ms = 1000},
        {.name = "net.tls.cert", .type = BW_CONFIG_STRING, BW_CONFIG_AT(struct conf, cert)},
};

static const struct bw_config_schema schema = {keys, sizeof(keys) / sizeof(keys[0])};

/* Values every key accepts, so keys the input leaves alone still read back. */
static void baseline(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->port = 1;
	c->period_s = 1;
	memcpy(c->key, "env:K", 6);
}

static bool same(const struct conf *a, const struct conf *b)
{
	for (size_t i = 0; i < schema.n_keys; i++) {
		const struct bw_config_key *k = &keys[i];
		const char *pa = (const char *)a + k->offset, *pb = (const char *)b + k->offset;

		switch (k->type) {
		case BW_CONFIG_STRING:
		case BW_CONFIG_SECRET:
			if (strcmp(pa, pb) != 0)
				return false;
			break;
		case BW_CONFIG_LIST:
			if (a->n_hosts != b->n_hosts)
				return false;
			for (size_t j = 0; j < a->n_hosts; j++)
				if (strcmp(a->hosts[j], b->hosts[j]) != 0)
					return false;
			break;
		default:
			if (memcmp(pa, pb, k->size) != 0)
				return false;
		}
	}
	return true;
}

static void check_error_key(const struct bw_config_error *err)
{
	for (const char *p = err->key; *p != '\0'; p++)
		CHECK((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.');
}

/* Write a out, parse it back into a fresh struct, and require the same values. */
static void round_trip(const struct conf *a)
{
	struct bw_buf out;
	struct bw_config_error err;
	struct conf b;
	enum bw_err rc;

	bw_buf_init(&out, 1u << 16);
	rc = bw_config_write(&schema, a, &out);
	if (rc == BW_ERR_DENIED) {
		CHECK(bw_config_secret_kind(a->key) == BW_CONFIG_SECRET_LITERAL);
	} else if (rc != BW_ERR_LIMIT) {
		CHECK(rc == BW_OK);
		baseline(&b);
		rc = bw_config_parse(&schema, out.p, out.len, &b, &err);
		CHECK(rc == BW_OK);
		CHECK(same(a, &b));
		bw_config_free(&schema, &b);
	}
	bw_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bw_config_doc *doc = NULL;
	struct bw_config_error err;
	struct conf a;
	bool seen[sizeof(keys) / sizeof(keys[0])] = {false};
	enum bw_err rc;

	rc = bw_config_doc_parse(&schema, data, size, &doc, &err);
	if (rc != BW_OK) {
		CHECK(doc == NULL);
		check_error_key(&err);
	} else {
		CHECK(bw_config_doc_count(doc) <= schema.n_keys);
		for (size_t i = 0; i < bw_config_doc_count(doc); i++) {
			unsigned line = 0;
			const struct bw_config_key *k = bw_config_doc_key(doc, i, &line);
			size_t idx;

			CHECK(k >= keys && k < keys + schema.n_keys);
			idx = (size_t)(k - keys);
			CHECK(!seen[idx]);
			seen[idx] = true;
			CHECK(line >= 1);
		}
		baseline(&a);
		CHECK(bw_config_doc_apply(doc, &a, &err) == BW_OK);
		bw_config_doc_free(doc);
		round_trip(&a);
		bw_config_free(&schema, &a);
	}

	/* the first byte picks a key, the rest is a flag's value */
	if (size > 0) {
		const struct bw_config_key *k = &keys[data[0] % schema.n_keys];

		baseline(&a);
		rc = bw_config_set(&schema, k->name,
		                   (struct bw_str){(const char *)data + 1, size - 1}, &a, &err);
		if (rc == BW_OK)
			round_trip(&a);
		else
			check_error_key(&err);
		bw_config_free(&schema, &a);
	}
	return 0;
}
