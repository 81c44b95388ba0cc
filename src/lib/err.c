/* err.c — names for enum bw_err and the abort path for programming errors. */
#include "bulwark/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const names[BW_ERR__COUNT] = {
        [BW_OK] = "ok",
        [BW_ERR_NOMEM] = "nomem",
        [BW_ERR_LIMIT] = "limit",
        [BW_ERR_INVALID] = "invalid",
        [BW_ERR_ENCODING] = "encoding",
        [BW_ERR_RANGE] = "range",
        [BW_ERR_NOT_FOUND] = "not_found",
        [BW_ERR_EXISTS] = "exists",
        [BW_ERR_DENIED] = "denied",
        [BW_ERR_VERIFY] = "verify",
        [BW_ERR_IO] = "io",
        [BW_ERR_CRYPTO] = "crypto",
        [BW_ERR_CONFIG] = "config",
        [BW_ERR_BUSY] = "busy",
        [BW_ERR_STATE] = "state",
        [BW_ERR_INTERNAL] = "internal",
};

const char *bw_err_str(enum bw_err err)
{
	if ((unsigned)err >= BW_ERR__COUNT)
		return "unknown";
	return names[err];
}

void bw_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bulwark: fatal: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}
