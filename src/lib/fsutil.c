/*
 * fsutil.c — private directories, atomic writes and bounded, symlink-refusing
 * reads. Every open uses O_CLOEXEC; every refusal happens on the opened file
 * descriptor (fstat), not on a path that could change between check and use.
 */
#include "bulwark/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes of randomness in a temporary file name (printed as hex). */
#define TMP_RANDOM_BYTES 8u
/* ".<base>." + hex + ".tmp" */
#define TMP_NAME_EXTRA (2u + 2u * TMP_RANDOM_BYTES + 4u)

mode_t bw_fs_umask_private(void)
{
	return umask(077);
}

static enum bw_err check_path(const char *path)
{
	size_t n;

	BW_REQUIRE(path != NULL);
	n = strnlen(path, PATH_MAX);
	if (n == 0 || n >= PATH_MAX)
		return BW_ERR_INVALID;
	return BW_OK;
}

enum bw_err bw_fs_mkdir_private(const char *path, bool *created)
{
	enum bw_err rc = BW_OK;
	bool made = false;
	struct stat st;
	int fd = -1;

	if (created != NULL)
		*created = false;
	rc = check_path(path);
	if (rc != BW_OK)
		return rc;
	if (mkdir(path, 0700) == 0) {
		made = true;
	} else if (errno == ENOENT) {
		return BW_ERR_NOT_FOUND;
	} else if (errno != EEXIST) {
		return BW_ERR_IO;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		/* ELOOP: a symlink; ENOTDIR: a file or a symlink to one */
		rc = (errno == ELOOP || errno == ENOTDIR) ? BW_ERR_DENIED : BW_ERR_IO;
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		rc = BW_ERR_IO;
		goto out;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
		rc = BW_ERR_DENIED;
		goto out;
	}
	if (made) {
		/* the umask may have taken owner bits away; we want exactly 0700 */
		if (fchmod(fd, 0700) != 0) {
			rc = BW_ERR_IO;
			goto out;
		}
	} else if ((st.st_mode & 077) != 0) {
		rc = BW_ERR_DENIED;
		goto out;
	}
	if (created != NULL)
		*created = made;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

static enum bw_err write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return BW_ERR_IO;
		}
		p += n;
		len -= (size_t)n;
	}
	return BW_OK;
}

static enum bw_err fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	enum bw_err rc = BW_OK;

	if (fd < 0)
		return BW_ERR_IO;
	if (fsync(fd) != 0 && errno != EINVAL)
		rc = BW_ERR_IO;
	close(fd);
	return rc;
}

/* Move tmp to path without replacing an existing path: atomic either way. */
static enum bw_err rename_noreplace(const char *tmp, const char *path)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return BW_OK;
	if (errno == EEXIST)
		return BW_ERR_EXISTS;
	if (errno != EINVAL && errno != ENOSYS)
		return BW_ERR_IO;
	/* the file system lacks RENAME_NOREPLACE: link() also fails on EEXIST */
	if (link(tmp, path) != 0)
		return errno == EEXIST ? BW_ERR_EXISTS : BW_ERR_IO;
	if (unlink(tmp) != 0)
		return BW_ERR_IO;
	return BW_OK;
}

enum bw_err bw_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                               unsigned flags)
{
	enum bw_err rc = BW_OK;
	char dir[PATH_MAX], tmp[PATH_MAX];
	char hex[2 * TMP_RANDOM_BYTES + 1];
	unsigned char rnd[TMP_RANDOM_BYTES];
	const char *slash, *base;
	bool have_tmp = false;
	struct stat st;
	int fd = -1, n;

	BW_REQUIRE(data != NULL || len == 0);
	rc = check_path(path);
	if (rc != BW_OK)
		return rc;
	if ((mode & ~(mode_t)0777) != 0)
		return BW_ERR_INVALID;
	slash = strrchr(path, '/');
	base = slash != NULL ? slash + 1 : path;
	if (base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return BW_ERR_INVALID;
	if (strlen(base) + TMP_NAME_EXTRA > NAME_MAX)
		return BW_ERR_INVALID;
	if (slash == NULL)
		n = snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		n = snprintf(dir, sizeof(dir), "/");
	else
		n = snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return BW_ERR_INVALID;
	if (!(flags & BW_FS_REPLACE) && lstat(path, &st) == 0)
		return BW_ERR_EXISTS;

	if (sodium_init() < 0)
		return BW_ERR_CRYPTO;
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	n = snprintf(tmp, sizeof(tmp), "%s/.%s.%s.tmp", dir, base, hex);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return BW_ERR_INVALID;

	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		rc = errno == ENOENT ? BW_ERR_NOT_FOUND : BW_ERR_IO;
		goto out;
	}
	have_tmp = true;
	/* the umask only ever removed bits; restore exactly what was asked for */
	if (fchmod(fd, mode) != 0) {
		rc = BW_ERR_IO;
		goto out;
	}
	rc = write_all(fd, data, len);
	if (rc != BW_OK)
		goto out;
	if (fsync(fd) != 0) {
		rc = BW_ERR_IO;
		goto out;
	}
	n = close(fd);
	fd = -1;
	if (n != 0) {
		rc = BW_ERR_IO;
		goto out;
	}
	if (flags & BW_FS_REPLACE)
		rc = rename(tmp, path) == 0 ? BW_OK : BW_ERR_IO;
	else
		rc = rename_noreplace(tmp, path);
	if (rc != BW_OK)
		goto out;
	have_tmp = false;
	rc = fsync_dir(dir);
out:
	if (fd >= 0)
		close(fd);
	if (have_tmp)
		unlink(tmp);
	return rc;
}

/* The mode and owner rules of the read flags (fsutil.h), on the opened file. */
static bool file_allowed(const struct stat *st, unsigned flags)
{
	mode_t perm = st->st_mode & 07777;

	if (flags & BW_FS_SECRET) {
		mode_t allowed = (flags & BW_FS_GROUP_READ) ? 0640 : 0600;

		if ((perm & ~allowed) != 0 || (perm & 0400) == 0)
			return false;
		if (st->st_uid != geteuid() && st->st_uid != 0)
			return false;
	}
	if ((flags & BW_FS_NO_SHARED_WRITE) && (perm & 022) != 0)
		return false;
	return true;
}

enum bw_err bw_fs_read_file(const char *path, unsigned flags, struct bw_buf *out)
{
	enum bw_err rc = BW_OK;
	uint8_t chunk[4096];
	struct stat st;
	int fd = -1, oflags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;

	BW_REQUIRE(out != NULL && out->len == 0);
	BW_REQUIRE(!((flags & BW_FS_FOLLOW) && (flags & BW_FS_SECRET)));
	rc = check_path(path);
	if (rc != BW_OK)
		return rc;
	if (!(flags & BW_FS_FOLLOW))
		oflags |= O_NOFOLLOW;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer before we refuse it */
	fd = open(path, oflags);
	if (fd < 0) {
		if (errno == ENOENT)
			rc = BW_ERR_NOT_FOUND;
		else if (errno == ELOOP)
			rc = BW_ERR_DENIED;
		else
			rc = BW_ERR_IO;
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		rc = BW_ERR_IO;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || !file_allowed(&st, flags)) {
		rc = BW_ERR_DENIED;
		goto out;
	}
	if (st.st_size < 0 || (uintmax_t)st.st_size > out->cap) {
		rc = BW_ERR_LIMIT;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = BW_ERR_IO;
			goto out;
		}
		if (n == 0)
			break;
		/* the file may have grown since fstat: the cap still holds */
		rc = bw_buf_append(out, chunk, (size_t)n);
		if (rc != BW_OK)
			goto out;
	}
out:
	sodium_memzero(chunk, sizeof(chunk));
	if (fd >= 0)
		close(fd);
	if (rc != BW_OK)
		bw_buf_reset(out);
	return rc;
}

enum bw_err bw_fs_exists(const char *path, bool *exists)
{
	struct stat st;
	enum bw_err rc;

	BW_REQUIRE(exists != NULL);
	*exists = false;
	rc = check_path(path);
	if (rc != BW_OK)
		return rc;
	if (lstat(path, &st) == 0) {
		*exists = true;
		return BW_OK;
	}
	return errno == ENOENT ? BW_OK : BW_ERR_IO;
}
