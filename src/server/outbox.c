/* outbox.c — formatted messages as files (outbox.h). */
#include "outbox.h"

#include <stdio.h>
#include <time.h>

#include "bulwark/fsutil.h"
#include "bulwark/random.h"
#include "bulwark/token.h"

#define PATH_MAX_LEN 2048

enum bw_err bw_outbox_write(const char *data_dir, const char *message, size_t len)
{
	char rnd[BW_TOKEN_SIZE(16)], dir[PATH_MAX_LEN], path[PATH_MAX_LEN];
	bool created;

	if (snprintf(dir, sizeof(dir), "%s/outbox", data_dir) >= (int)sizeof(dir))
		return BW_ERR_LIMIT;
	if (bw_fs_mkdir_private(dir, &created) != BW_OK)
		return BW_ERR_IO;
	if (bw_random_token(16, rnd, sizeof(rnd)) != BW_OK)
		return BW_ERR_INTERNAL;
	if (snprintf(path, sizeof(path), "%s/%lld-%s.eml", dir, (long long)time(NULL), rnd) >=
	    (int)sizeof(path))
		return BW_ERR_LIMIT;
	return bw_fs_write_atomic(path, message, len, 0600, 0) == BW_OK ? BW_OK : BW_ERR_IO;
}
