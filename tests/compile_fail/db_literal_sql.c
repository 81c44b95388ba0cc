/*
 * db_literal_sql.c — the twin of db_runtime_sql.c that must compile: the same
 * uses of BW_SQL and BW_SQL_INIT, with string literals. If this file stopped
 * compiling, the failure of its twin would prove nothing.
 */
#include "bulwark/db.h"

static const struct bw_migration list[] = {
        {1, "first", BW_SQL_INIT("CREATE TABLE t (a INTEGER)"), {0}},
};

size_t use(void);
size_t use(void)
{
	struct bw_sql q = BW_SQL("SELECT a FROM t WHERE a = ?");

	return q.len + list[0].up.len;
}
