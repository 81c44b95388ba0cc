/*
 * outbox.h — outgoing mail as files under <data_dir>/outbox/, for
 * development and for deployments without a relay (mail.h decides).
 *
 * Each message is one file, written atomically (temporary file, fsync,
 * rename) with mode 0600 in a 0700 directory, named
 * <unix-seconds>-<random>.eml so names never collide and sort by time.
 */
#ifndef BULWARK_OUTBOX_H
#define BULWARK_OUTBOX_H

#include <stddef.h>

#include "bulwark/err.h"

/**
 * bw_outbox_write - store one formatted message (mail.h) under
 * data_dir/outbox/. BW_ERR_IO when the directory or file cannot be made,
 * BW_ERR_LIMIT for a data_dir too long for a path.
 */
BW_MUST_CHECK enum bw_err bw_outbox_write(const char *data_dir, const char *message, size_t len);

#endif
