/*
 * db_runtime_sql.c — must NOT compile: BW_SQL and BW_SQL_INIT accept only a
 * string literal, so SQL built at run time cannot reach the database layer.
 * Each VARIANT (1..4) is one way to try; the build test compiles each alone
 * and passes only when the compiler refuses it.
 */
#include "bulwark/db.h"

#include <stdio.h>

size_t use(const char *name);
size_t use(const char *name)
{
	char buf[128];
	char *p = buf;
	const char *cp = "SELECT 1";
	struct bw_sql q;

	snprintf(buf, sizeof(buf), "SELECT * FROM users WHERE name = '%s'", name);
#if VARIANT == 1
	q = BW_SQL(p); /* a char * */
#elif VARIANT == 2
	q = BW_SQL(buf); /* an array filled at run time */
#elif VARIANT == 3
	q = BW_SQL(cp); /* even a pointer to a literal */
#elif VARIANT == 4
	struct bw_sql r = BW_SQL_INIT(name);
	q = r;
#else
#error "VARIANT must be 1..4"
#endif
	(void)p;
	(void)cp;
	return q.len;
}
