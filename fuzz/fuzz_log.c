/*
 * fuzz_log.c — random keys, kinds, values and request ids into the logger
 * (fields or the header helper); whatever goes in, exactly one line comes
 * out: at most BW_LOG_LINE_MAX bytes, no byte below 0x20 but the final '\n',
 * one JSON object without duplicate keys, level and event untouched, and every
 * sensitive key redacted.
 *
 * Input: byte 0 picks the mode (bit 0: header helper; bit 1: a request id,
 * taken as the first record's value), then records of
 *   kind(1) keylen(1) key valuelen(2, big-endian) value repeat(1)
 * where the value is written repeat+1 times (to reach the caps cheaply).
 */
#include <fcntl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bulwark/log.h"

#define MAX_RECORDS (BW_LOG_FIELDS_MAX + 8)
#define SCRATCH_MAX (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int rd = -1;
static struct bw_log *logger;
static char out[4 * BW_LOG_LINE_MAX];

#define CHECK(cond)                                                                            \
	do {                                                                                   \
		if (!(cond)) {                                                                 \
			fprintf(stderr, "fuzz_log: %s failed: %.*s\n", #cond, (int)olen, out); \
			abort();                                                               \
		}                                                                              \
	} while (0)

static void setup(void)
{
	int p[2];

	if (logger != NULL)
		return;
	if (pipe(p) != 0 || fcntl(p[0], F_SETFL, O_NONBLOCK) != 0 ||
	    bw_log_new(p[1], BW_LOG_DEBUG, &logger) != BW_OK)
		abort();
	rd = p[0];
}

struct rec {
	uint8_t kind;
	char key[256];
	const uint8_t *val;
	size_t vlen;
	size_t repeat;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rec recs[MAX_RECORDS];
	static char scratch[SCRATCH_MAX];
	struct bw_log_field fields[MAX_RECORDS];
	struct bw_log_header hdrs[MAX_RECORDS];
	char rid[512];
	size_t nrec = 0, pos = 1, used = 0, olen = 0;
	uint8_t mode;
	bool with_rid;
	ssize_t r;
	json_t *o, *v;
	json_error_t err;
	const char *k;

	setup();
	if (size == 0)
		return 0;
	mode = data[0];
	while (nrec < MAX_RECORDS && pos + 4 <= size) {
		struct rec *c = &recs[nrec];
		size_t klen = data[pos + 1];

		c->kind = data[pos];
		pos += 2;
		if (klen > size - pos)
			klen = size - pos;
		memcpy(c->key, data + pos, klen);
		c->key[klen] = '\0'; /* an embedded NUL just shortens the key */
		pos += klen;
		if (size - pos < 2)
			break;
		c->vlen = (size_t)data[pos] << 8 | data[pos + 1];
		pos += 2;
		if (c->vlen > size - pos)
			c->vlen = size - pos;
		c->val = data + pos;
		pos += c->vlen;
		c->repeat = pos < size ? (size_t)data[pos++] + 1 : 1;
		nrec++;
	}

	with_rid = (mode & 2) != 0 && nrec > 0;
	if (with_rid) {
		size_t n = recs[0].vlen < sizeof(rid) - 1 ? recs[0].vlen : sizeof(rid) - 1;

		memcpy(rid, recs[0].val, n);
		rid[n] = '\0';
	}
	for (size_t i = 0; i < nrec; i++) {
		struct rec *c = &recs[i];
		struct bw_str s = {(const char *)c->val, c->vlen};

		/* repeated values go to the scratch area, as far as it goes */
		if (c->repeat > 1 && c->vlen > 0 && c->vlen * c->repeat <= SCRATCH_MAX - used) {
			for (size_t j = 0; j < c->repeat; j++)
				memcpy(scratch + used + j * c->vlen, c->val, c->vlen);
			s.p = scratch + used;
			s.len = c->vlen * c->repeat;
			used += s.len;
		}
		hdrs[i].name = (struct bw_str){c->key, strlen(c->key)};
		hdrs[i].value = s;
		switch (c->kind % 6) {
		case 0:
			fields[i] = BW_LOG_F_STR(c->key, s);
			break;
		case 1:
			fields[i] = BW_LOG_F_INT(c->key, (int64_t)(c->vlen * 0x9E3779B97F4A7C15u));
			break;
		case 2:
			fields[i] = BW_LOG_F_UINT(c->key, c->vlen * 0x9E3779B97F4A7C15u);
			break;
		case 3:
			fields[i] = BW_LOG_F_BOOL(c->key, c->vlen & 1);
			break;
		case 4:
			fields[i] = BW_LOG_F_SECRET(c->key);
			break;
		default:
			/* a kind no macro makes: must still print nothing of the value */
			fields[i] = BW_LOG_F_STR(c->key, s);
			fields[i].kind = (enum bw_log_kind)(c->kind | 0x80);
			break;
		}
	}

	if (mode & 1)
		bw_log_headers(logger, BW_LOG_WARN, with_rid ? rid : NULL, "fuzz.headers", hdrs,
		               nrec);
	else
		bw_log_event(logger, BW_LOG_WARN, with_rid ? rid : NULL, "fuzz.event", fields,
		             nrec);

	while (olen < sizeof(out) && (r = read(rd, out + olen, sizeof(out) - olen)) > 0)
		olen += (size_t)r;
	CHECK(olen > 0 && olen <= BW_LOG_LINE_MAX);
	CHECK(out[olen - 1] == '\n');
	for (size_t i = 0; i + 1 < olen; i++)
		CHECK((unsigned char)out[i] >= 0x20);
	o = json_loadb(out, olen - 1, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
	CHECK(o != NULL && json_is_object(o));
	CHECK(strcmp(json_string_value(json_object_get(o, "level")), "warn") == 0);
	CHECK(strcmp(json_string_value(json_object_get(o, "event")),
	             (mode & 1) ? "fuzz.headers" : "fuzz.event") == 0);
	CHECK(json_is_string(json_object_get(o, "ts")));
	CHECK(with_rid == (json_object_get(o, "request_id") != NULL));
	json_object_foreach(o, k, v)
	{
		if (bw_log_key_sensitive(bw_str_c(k)))
			CHECK(json_is_string(v) &&
			      strcmp(json_string_value(v), BW_LOG_REDACTED) == 0);
	}
	json_decref(o);
	return 0;
}
