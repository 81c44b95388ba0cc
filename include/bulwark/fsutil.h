/*
 * fsutil.h — the few file-system operations bulwark's own files need, done
 * safely: a private directory (mode 0700, ours, not a symlink), atomic writes
 * with an exact mode, and bounded reads that refuse symlinks, devices and
 * FIFOs and, for secrets, files others can read or that someone else owns.
 *
 * Only the last path component is protected against symlinks (O_NOFOLLOW);
 * the directories above it are trusted, so keep key files in a directory
 * made with bw_fs_mkdir_private.
 */
#ifndef BULWARK_FSUTIL_H
#define BULWARK_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "bulwark/buf.h"
#include "bulwark/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * bw_fs_read_file flags. These are the one definition of what bulwark reads a
 * secret from (keys.h and config.h refer here):
 *   BW_FS_SECRET      mode exactly 0600 or 0400 (owner read, maybe owner
 *                     write; no execute, set-id, sticky, group or other bit),
 *                     owned by the effective uid or by root.
 *   BW_FS_GROUP_READ  with BW_FS_SECRET: group read is allowed too (0640,
 *                     0440). Only for systemd credentials, see keys.h.
 *   BW_FS_NO_SHARED_WRITE  no write bit for group or others (configuration).
 *   BW_FS_FOLLOW      follow a symlink in the last component. Never with
 *                     BW_FS_SECRET (a programming error that aborts).
 */
#define BW_FS_SECRET          0x1u
#define BW_FS_GROUP_READ      0x2u
#define BW_FS_NO_SHARED_WRITE 0x4u
#define BW_FS_FOLLOW          0x8u

/** bw_fs_write_atomic flag: replace an existing file (default: BW_ERR_EXISTS). */
#define BW_FS_REPLACE 0x1u

/**
 * bw_fs_umask_private - set the process umask to 077 and return the old one.
 * Call it once at start-up, before threads exist; files made by
 * bw_fs_write_atomic get their exact mode either way.
 */
mode_t bw_fs_umask_private(void);

/**
 * bw_fs_mkdir_private - make sure path is a private directory of ours.
 *
 * Creates it with mode 0700 (exactly, whatever the umask) when absent and sets
 * *created (may be NULL). An existing path is accepted only if it is a real
 * directory (not a symlink), owned by the effective uid, with no group or
 * other permission bits; otherwise BW_ERR_DENIED and nothing is changed. The
 * parent must exist (BW_ERR_NOT_FOUND). Other failures: BW_ERR_IO,
 * BW_ERR_INVALID for an empty or over-long path. path is borrowed.
 */
BW_MUST_CHECK enum bw_err bw_fs_mkdir_private(const char *path, bool *created);

/**
 * bw_fs_write_atomic - write len bytes of data to path so that readers see
 * either no file, the old file, or the whole new one.
 *
 * Writes a temporary file in the same directory (O_CREAT|O_EXCL|O_NOFOLLOW,
 * random name), gives it exactly mode (umask ignored), fsyncs it, renames it
 * over path and fsyncs the directory. Without BW_FS_REPLACE an existing path
 * is left alone and BW_ERR_EXISTS returned (atomically, so two processes
 * racing to create a key cannot both win). On any failure the temporary file
 * is removed. Errors: BW_ERR_INVALID (empty path, trailing '/', name too
 * long, mode outside 0777), BW_ERR_NOT_FOUND (directory missing), BW_ERR_IO.
 * path and data are borrowed.
 */
BW_MUST_CHECK enum bw_err bw_fs_write_atomic(const char *path, const void *data, size_t len,
                                             mode_t mode, unsigned flags);

/**
 * bw_fs_read_file - read the whole content of path into out, which must be
 * empty and initialised with bw_buf_init; its cap bounds the file size.
 *
 * The file must be a regular file reached without following a symlink in its
 * last component unless BW_FS_FOLLOW is given (else BW_ERR_DENIED; a FIFO or
 * device is never read, nor waited for), and pass the mode and owner checks
 * its flags ask for (see above; else BW_ERR_DENIED). A file larger than
 * out's cap gives BW_ERR_LIMIT, a missing one BW_ERR_NOT_FOUND, other failures
 * BW_ERR_IO. On any error out is left empty (wiped). The caller frees out with
 * bw_buf_free (which wipes). path is borrowed.
 */
BW_MUST_CHECK enum bw_err bw_fs_read_file(const char *path, unsigned flags, struct bw_buf *out);

/**
 * bw_fs_exists - whether path exists, without following a final symlink (a
 * dangling symlink exists). Returns BW_OK and sets *exists; BW_ERR_INVALID
 * for an empty or over-long path; BW_ERR_IO when lstat fails for another
 * reason than ENOENT (e.g. EACCES, ENOTDIR). path is borrowed.
 */
BW_MUST_CHECK enum bw_err bw_fs_exists(const char *path, bool *exists);

#ifdef __cplusplus
}
#endif
#endif
