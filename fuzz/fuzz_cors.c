/*
 * fuzz_cors.c — origin parsing and bw_cors_apply on hostile requests.
 *
 * Input: one flags byte, then newline-separated fields: a configured
 * origin, the request Origin, the method, Access-Control-Request-Method and
 * Access-Control-Request-Headers. Flags pick the route mode, preflight, and
 * which request headers are absent.
 *
 * Properties checked (abort on violation):
 *   - every header produced has a valid name and value;
 *   - Access-Control-Allow-Origin is absent, "*", or byte-equal to an
 *     allowlisted canonical origin, and then byte-equal to the request's
 *     Origin; at most one of it;
 *   - never "*" together with Access-Control-Allow-Credentials, credentials
 *     only on allowlist routes, nothing at all on BW_CORS_NONE routes;
 *   - the result agrees with the headers;
 *   - canonical origins parse to themselves.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/cors.h"

#define FIELDS 5

static const char *const fixed[] = {"https://app.example.com", "http://localhost:3000",
                                    "https://[2001:db8::1]:8443"};
static const char *const methods[] = {"GET", "POST", "PATCH", "DELETE", NULL};
static const char *const headers[] = {"content-type", "x-csrf-token", "authorization", NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_cors: property broken: %s\n", what);
		abort();
	}
}

/* Canonical forms must be fixed points of the parser. */
static void check_canon(const char *canon, size_t len)
{
	char again[BW_CORS_ORIGIN_SIZE];
	size_t alen = 0;

	check(strlen(canon) == len, "canonical length");
	check(bw_cors_origin_parse((struct bw_str){canon, len}, again, &alen) == BW_OK,
	      "canonical origin re-parses");
	check(alen == len && memcmp(again, canon, len) == 0, "canonical is a fixed point");
	{
		size_t start = strncmp(canon, "https://", 8) == 0  ? 8
		               : strncmp(canon, "http://", 7) == 0 ? 7
		                                                   : 0;

		check(start > 0, "canonical scheme");
		for (size_t i = start; i < len; i++)
			check(!(canon[i] >= 'A' && canon[i] <= 'Z') && canon[i] != '/' &&
			              canon[i] != '@' && canon[i] != '*',
			      "canonical origin: lower case, no path, userinfo or wildcard");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *field[FIELDS] = {NULL};
	char canon[4][BW_CORS_ORIGIN_SIZE];
	size_t canon_len[4], n_canon = 0, n_cfg = 3;
	const char *cfg[4];
	struct bw_cors *cors = NULL;
	struct bw_arena *arena = NULL;
	struct bw_hdrs h;
	enum bw_cors_result r = BW_CORS_OFF;
	enum bw_cors_mode mode;
	unsigned flags;
	bool preflight;
	const char *acao = NULL, *acac = NULL;
	size_t n_acao = 0;
	enum bw_err rc;

	if (size < 1 || size > 4096)
		return 0;
	flags = data[0];
	data++;
	size--;
	/* split into NUL-terminated fields; a missing field is empty */
	for (size_t f = 0, pos = 0; f < FIELDS; f++) {
		size_t end = pos;

		while (end < size && data[end] != '\n')
			end++;
		field[f] = calloc(1, (end > pos ? end - pos : 0) + 1);
		if (field[f] == NULL)
			goto out;
		if (end > pos)
			memcpy(field[f], data + pos, end - pos);
		pos = end < size ? end + 1 : size;
	}

	/* the parser alone, on the raw bytes of the Origin field */
	{
		char out[BW_CORS_ORIGIN_SIZE];
		size_t len = 0;

		if (bw_cors_origin_parse((struct bw_str){field[1], strlen(field[1])}, out, &len) ==
		    BW_OK)
			check_canon(out, len);
	}

	for (size_t i = 0; i < 3; i++) {
		cfg[i] = fixed[i];
		check(bw_cors_origin_parse(bw_str_c(fixed[i]), canon[n_canon],
		                           &canon_len[n_canon]) == BW_OK,
		      "fixed origin");
		n_canon++;
	}
	if (bw_cors_origin_parse(bw_str_c(field[0]), canon[n_canon], &canon_len[n_canon]) ==
	    BW_OK) {
		check_canon(canon[n_canon], canon_len[n_canon]);
		cfg[n_cfg++] = field[0];
		n_canon++;
	}
	rc = bw_cors_new(cfg, n_cfg, 600, &cors);
	if (rc != BW_OK) {
		/* only a duplicate of a fixed origin may be refused here */
		check(rc == BW_ERR_CONFIG && n_cfg == 4, "allowlist refused");
		n_canon = 3;
		rc = bw_cors_new(cfg, 3, 600, &cors);
		check(rc == BW_OK, "fixed allowlist");
	}
	arena = bw_arena_new(1 << 16);
	if (arena == NULL)
		goto out;

	mode = (enum bw_cors_mode)((flags & 3u) % 3u);
	preflight = (flags & 4u) != 0;
	bw_hdrs_init(&h);
	if (flags & 0x80u)
		check(bw_hdrs_add(&h, "Access-Control-Allow-Origin", "*") == BW_OK, "stray header");
	rc = bw_cors_apply(cors, mode, (flags & 8u) ? NULL : field[1], field[2], preflight,
	                   (flags & 16u) ? NULL : field[3], (flags & 32u) ? NULL : field[4],
	                   methods, (flags & 64u) ? NULL : headers, arena, &h, &r);
	check(rc == BW_OK, "apply with room never fails");

	for (size_t i = 0; i < h.count; i++) {
		const char *nm = h.items[i].name, *v = h.items[i].value;

		check(bw_hdr_name_valid(bw_str_c(nm)), "header name valid");
		check(bw_hdr_value_valid(bw_str_c(v)), "header value valid");
		if (bw_str_caseeq_c(bw_str_c(nm), "Access-Control-Allow-Origin")) {
			acao = v;
			n_acao++;
		}
		if (bw_str_caseeq_c(bw_str_c(nm), "Access-Control-Allow-Credentials"))
			acac = v;
	}
	check(n_acao <= 1, "one Allow-Origin at most");
	if (mode == BW_CORS_NONE)
		check(h.count == 0 && r == BW_CORS_OFF, "nothing on a no-CORS route");
	if (acao != NULL && strcmp(acao, "*") != 0) {
		bool listed = false;

		for (size_t i = 0; i < n_canon; i++)
			if (strlen(acao) == canon_len[i] &&
			    memcmp(acao, canon[i], canon_len[i]) == 0)
				listed = true;
		check(listed, "Allow-Origin is an allowlisted origin");
		check(mode == BW_CORS_ALLOWLIST, "exact origin only on allowlist routes");
		check(strcmp(acao, field[1]) == 0 && !(flags & 8u), "Allow-Origin equals Origin");
	}
	if (acao != NULL && strcmp(acao, "*") == 0)
		check(mode == BW_CORS_PUBLIC, "* only on public routes");
	check(!(acao != NULL && strcmp(acao, "*") == 0 && acac != NULL),
	      "never * with credentials");
	check(acac == NULL || (mode == BW_CORS_ALLOWLIST && acao != NULL),
	      "credentials only with an allowlisted origin");
	check((acao != NULL) == (r == BW_CORS_ALLOWED || r == BW_CORS_PREFLIGHT_OK),
	      "result agrees with headers");
	check(r != BW_CORS_PREFLIGHT_OK || preflight, "preflight result only for a preflight");
	if (preflight && r == BW_CORS_PREFLIGHT_OK) {
		const char *m = bw_hdrs_get(&h, "Access-Control-Allow-Methods");

		check(m != NULL && strcmp(m, field[3]) == 0, "Allow-Methods is the method asked");
	}
out:
	bw_arena_free(arena);
	bw_cors_free(cors);
	for (size_t f = 0; f < FIELDS; f++)
		free(field[f]);
	return 0;
}
