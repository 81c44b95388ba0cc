/*
 * fuzz_db_sql.c — the check and `?` -> $n rewrite of statement texts.
 * Properties on every input: counting alone and rewriting agree; an accepted
 * text comes back byte for byte except that the k-th rewritten `?` is $k
 * (k = 1..n, in order); the output is NUL-terminated and fits; one byte
 * less of room is BW_ERR_LIMIT, never an overflow.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/db.h"

static void check_rewrite(const char *in, size_t len, const char *out, size_t olen, unsigned n)
{
	size_t i = 0, j = 0;
	unsigned k = 0;

	while (i < len) {
		if (j < olen && in[i] == out[j]) {
			i++;
			j++;
			continue;
		}
		if (in[i] != '?' || j >= olen || out[j] != '$')
			abort();
		j++;
		unsigned v = 0;
		size_t d = 0;
		while (j < olen && out[j] >= '0' && out[j] <= '9' && d < 3) {
			v = v * 10 + (unsigned)(out[j] - '0');
			j++;
			d++;
		}
		if (d == 0 || v != ++k)
			abort();
		i++;
	}
	if (j != olen || k != n || out[olen] != '\0')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bw_sql s = {(const char *)data, size};
	size_t cap = size * 3 + 1, olen = 0, olen2 = 0;
	unsigned n = 0, n2 = 0;
	char *out;
	enum bw_err rc, rc2;

	if (size > BW_DB_SQL_MAX + 16)
		return 0;
	out = malloc(cap);
	if (out == NULL)
		return 0;
	rc = bw_db_sql_to_pg(s, out, cap, &olen, &n);
	rc2 = bw_db_sql_to_pg(s, NULL, 0, &olen2, &n2);
	if (rc != rc2)
		abort();
	if (rc == BW_OK) {
		if (n != n2 || olen != olen2 || olen >= cap || n > BW_DB_PARAMS_MAX)
			abort();
		check_rewrite(s.text, size, out, olen, n);
		/* exactly enough room works, one byte less does not */
		char *tight = malloc(olen + 1);
		if (tight != NULL) {
			if (bw_db_sql_to_pg(s, tight, olen + 1, &olen2, &n2) != BW_OK ||
			    memcmp(tight, out, olen + 1) != 0)
				abort();
			if (bw_db_sql_to_pg(s, tight, olen, &olen2, &n2) != BW_ERR_LIMIT)
				abort();
			free(tight);
		}
	} else if (rc != BW_ERR_INVALID && rc != BW_ERR_LIMIT) {
		abort();
	}
	free(out);
	return 0;
}
