/* test_fsutil.c — private directories, atomic writes and guarded reads refuse what they must. */
#include "bw_test.h"

#include "bulwark/fsutil.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY_UID 65534

struct fx {
	char dir[512];
	mode_t old_umask;
};

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(p);
}

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	if (f == NULL)
		return -1;
	if (tmp == NULL || tmp[0] == '\0')
		tmp = P_tmpdir;
	snprintf(f->dir, sizeof(f->dir), "%s/bw-fsutil-XXXXXX", tmp);
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	f->old_umask = umask(022);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	umask(f->old_umask);
	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void join(char *out, size_t size, const struct fx *f, const char *name)
{
	int n = snprintf(out, size, "%s/%s", f->dir, name);

	assert_true(n > 0 && (size_t)n < size);
}

static mode_t mode_of(const char *p)
{
	struct stat st;

	assert_int_equal(lstat(p, &st), 0);
	return st.st_mode & 07777;
}

static void put(const char *p, const char *content, mode_t mode)
{
	FILE *fp = fopen(p, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(content, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(p, mode), 0);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void mkdir_creates_exact_0700(void **state)
{
	struct fx *f = *state;
	char p[600], q[600];
	bool created = false;

	join(p, sizeof(p), f, "data");
	umask(0777); /* would leave 0000 without the explicit chmod */
	assert_int_equal(bw_fs_mkdir_private(p, &created), BW_OK);
	umask(022);
	assert_true(created);
	assert_int_equal(mode_of(p), 0700);
	assert_int_equal(bw_fs_mkdir_private(p, &created), BW_OK);
	assert_false(created);
	assert_int_equal(bw_fs_mkdir_private(p, NULL), BW_OK);

	join(q, sizeof(q), f, "missing/data");
	assert_int_equal(bw_fs_mkdir_private(q, &created), BW_ERR_NOT_FOUND);
	assert_false(created);
	assert_int_equal(bw_fs_mkdir_private("", &created), BW_ERR_INVALID);
}

static void mkdir_refuses_loose_mode(void **state)
{
	struct fx *f = *state;
	char p[600];
	bool created = true;

	join(p, sizeof(p), f, "loose");
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(chmod(p, 0750), 0);
	assert_int_equal(bw_fs_mkdir_private(p, &created), BW_ERR_DENIED);
	assert_false(created);
	assert_int_equal(mode_of(p), 0750); /* refused, not repaired */
	assert_int_equal(chmod(p, 0701), 0);
	assert_int_equal(bw_fs_mkdir_private(p, &created), BW_ERR_DENIED);
	assert_int_equal(chmod(p, 0500), 0); /* tighter than 0700 is not looser */
	assert_int_equal(bw_fs_mkdir_private(p, &created), BW_OK);
	assert_int_equal(chmod(p, 0700), 0);
}

static void mkdir_refuses_symlink_and_file(void **state)
{
	struct fx *f = *state;
	char real[600], link[600], file[600], link2[600];

	join(real, sizeof(real), f, "real");
	join(link, sizeof(link), f, "link");
	join(file, sizeof(file), f, "file");
	join(link2, sizeof(link2), f, "link2");
	assert_int_equal(mkdir(real, 0700), 0);
	assert_int_equal(symlink(real, link), 0);
	assert_int_equal(bw_fs_mkdir_private(link, NULL), BW_ERR_DENIED);
	put(file, "x", 0600);
	assert_int_equal(bw_fs_mkdir_private(file, NULL), BW_ERR_DENIED);
	assert_int_equal(symlink(file, link2), 0);
	assert_int_equal(bw_fs_mkdir_private(link2, NULL), BW_ERR_DENIED);
	assert_int_equal(bw_fs_mkdir_private(real, NULL), BW_OK);
}

static void mkdir_refuses_dir_not_ours(void **state)
{
	struct fx *f = *state;
	char p[600];

	if (geteuid() != 0)
		skip(); /* only root can hand a directory to another user */
	join(p, sizeof(p), f, "theirs");
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(chown(p, NOBODY_UID, NOBODY_UID), 0);
	assert_int_equal(bw_fs_mkdir_private(p, NULL), BW_ERR_DENIED);
}

static void write_atomic_exact_mode(void **state)
{
	struct fx *f = *state;
	char p[600], q[600];
	struct bw_buf b;

	join(p, sizeof(p), f, "key");
	join(q, sizeof(q), f, "cert.pem");
	umask(0);
	assert_int_equal(bw_fs_write_atomic(p, "secret", 6, 0600, 0), BW_OK);
	assert_int_equal(mode_of(p), 0600);
	umask(077); /* an explicit 0644 is honoured, not narrowed */
	assert_int_equal(bw_fs_write_atomic(q, "cert", 4, 0644, 0), BW_OK);
	umask(022);
	assert_int_equal(mode_of(q), 0644);
	assert_int_equal(count_entries(f->dir), 2); /* no temporary files left */

	bw_buf_init(&b, 64);
	assert_int_equal(bw_fs_read_file(p, BW_FS_SECRET, &b), BW_OK);
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.p, "secret", 6);
	bw_buf_free(&b);

	assert_int_equal(bw_fs_write_atomic(p, "", 0, 0600, BW_FS_REPLACE), BW_OK);
	bw_buf_init(&b, 64);
	assert_int_equal(bw_fs_read_file(p, 0, &b), BW_OK);
	assert_int_equal(b.len, 0);
	bw_buf_free(&b);
}

static void write_atomic_no_replace(void **state)
{
	struct fx *f = *state;
	char p[600];
	struct bw_buf b;

	join(p, sizeof(p), f, "once");
	assert_int_equal(bw_fs_write_atomic(p, "first", 5, 0600, 0), BW_OK);
	assert_int_equal(bw_fs_write_atomic(p, "second", 6, 0600, 0), BW_ERR_EXISTS);
	bw_buf_init(&b, 64);
	assert_int_equal(bw_fs_read_file(p, 0, &b), BW_OK);
	assert_string_equal(bw_buf_cstr(&b), "first");
	bw_buf_free(&b);
	assert_int_equal(bw_fs_write_atomic(p, "second", 6, 0600, BW_FS_REPLACE), BW_OK);
	bw_buf_init(&b, 64);
	assert_int_equal(bw_fs_read_file(p, 0, &b), BW_OK);
	assert_string_equal(bw_buf_cstr(&b), "second");
	bw_buf_free(&b);
	assert_int_equal(count_entries(f->dir), 1);
}

static void write_atomic_never_follows_symlink(void **state)
{
	struct fx *f = *state;
	char target[600], link[600], dangling[600], gone[600];
	struct bw_buf b;
	struct stat st;

	join(target, sizeof(target), f, "target");
	join(link, sizeof(link), f, "link");
	join(dangling, sizeof(dangling), f, "dangling");
	join(gone, sizeof(gone), f, "gone");
	put(target, "keep", 0600);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(symlink(gone, dangling), 0);
	/* a dangling symlink counts as existing: no write through it */
	assert_int_equal(bw_fs_write_atomic(dangling, "x", 1, 0600, 0), BW_ERR_EXISTS);
	assert_int_equal(access(gone, F_OK), -1);
	assert_int_equal(bw_fs_write_atomic(link, "x", 1, 0600, 0), BW_ERR_EXISTS);
	/* replacing swaps the link itself; its target is untouched */
	assert_int_equal(bw_fs_write_atomic(link, "new", 3, 0600, BW_FS_REPLACE), BW_OK);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	bw_buf_init(&b, 64);
	assert_int_equal(bw_fs_read_file(link, 0, &b), BW_OK); /* now a plain file */
	assert_string_equal(bw_buf_cstr(&b), "new");
	bw_buf_free(&b);
	bw_buf_init(&b, 64);
	assert_int_equal(bw_fs_read_file(target, 0, &b), BW_OK);
	assert_string_equal(bw_buf_cstr(&b), "keep");
	bw_buf_free(&b);
}

static void write_atomic_bad_arguments(void **state)
{
	struct fx *f = *state;
	char p[600], longname[400];

	join(p, sizeof(p), f, "sub/");
	assert_int_equal(bw_fs_write_atomic(p, "x", 1, 0600, 0), BW_ERR_INVALID);
	join(p, sizeof(p), f, "..");
	assert_int_equal(bw_fs_write_atomic(p, "x", 1, 0600, 0), BW_ERR_INVALID);
	join(p, sizeof(p), f, "suid");
	assert_int_equal(bw_fs_write_atomic(p, "x", 1, 04755, 0), BW_ERR_INVALID);
	join(p, sizeof(p), f, "nodir/file");
	assert_int_equal(bw_fs_write_atomic(p, "x", 1, 0600, 0), BW_ERR_NOT_FOUND);
	memset(longname, 'a', 240); /* fits NAME_MAX alone, not with the temp suffix */
	longname[240] = '\0';
	join(p, sizeof(p), f, longname);
	assert_int_equal(bw_fs_write_atomic(p, "x", 1, 0600, 0), BW_ERR_INVALID);
	assert_int_equal(bw_fs_write_atomic("", "x", 1, 0600, 0), BW_ERR_INVALID);
	assert_int_equal(count_entries(f->dir), 0);
}

static void read_refuses_symlink_and_special(void **state)
{
	struct fx *f = *state;
	char file[600], link[600], fifo[600], sub[600];
	struct bw_buf b;

	join(file, sizeof(file), f, "file");
	join(link, sizeof(link), f, "link");
	join(fifo, sizeof(fifo), f, "fifo");
	join(sub, sizeof(sub), f, "sub");
	put(file, "data", 0600);
	assert_int_equal(symlink(file, link), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(mkdir(sub, 0700), 0);
	bw_buf_init(&b, 64);
	assert_int_equal(bw_fs_read_file(link, 0, &b), BW_ERR_DENIED);
	assert_int_equal(bw_fs_read_file(link, BW_FS_SECRET, &b), BW_ERR_DENIED);
	assert_int_equal(bw_fs_read_file(fifo, 0, &b), BW_ERR_DENIED); /* and does not block */
	assert_int_equal(bw_fs_read_file(sub, 0, &b), BW_ERR_DENIED);
	assert_int_equal(bw_fs_read_file("/dev/zero", 0, &b), BW_ERR_DENIED);
	join(file, sizeof(file), f, "absent");
	assert_int_equal(bw_fs_read_file(file, 0, &b), BW_ERR_NOT_FOUND);
	assert_int_equal(b.len, 0);
	bw_buf_free(&b);
}

static void read_secret_mode_and_owner(void **state)
{
	struct fx *f = *state;
	static const mode_t refused[] = {0644, 0640, 0604, 0620, 0602, 0700, 0610, 04600, 01600};
	char p[600];
	struct bw_buf b;

	join(p, sizeof(p), f, "secret");
	put(p, "s3cret", 0600);
	bw_buf_init(&b, 64);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(chmod(p, refused[i]), 0);
		assert_int_equal(bw_fs_read_file(p, BW_FS_SECRET, &b), BW_ERR_DENIED);
		assert_int_equal(b.len, 0);
	}
	assert_int_equal(chmod(p, 0644), 0);
	assert_int_equal(bw_fs_read_file(p, 0, &b), BW_OK); /* not a secret: fine */
	bw_buf_reset(&b);
	assert_int_equal(chmod(p, 0400), 0);
	assert_int_equal(bw_fs_read_file(p, BW_FS_SECRET, &b), BW_OK);
	bw_buf_reset(&b);
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(bw_fs_read_file(p, BW_FS_SECRET, &b), BW_OK);
	assert_string_equal(bw_buf_cstr(&b), "s3cret");
	bw_buf_reset(&b);
	if (geteuid() == 0) {
		/* owned by someone who is neither us nor root */
		assert_int_equal(chown(p, NOBODY_UID, NOBODY_UID), 0);
		assert_int_equal(bw_fs_read_file(p, BW_FS_SECRET, &b), BW_ERR_DENIED);
		assert_int_equal(bw_fs_read_file(p, 0, &b), BW_OK);
	}
	bw_buf_free(&b);
}

/* The flags that refine BW_FS_SECRET and plain reads: group read (systemd
 * credentials), no shared write (configuration), following a symlink. */
static void read_flags(void **state)
{
	struct fx *f = *state;
	char p[600], link[600];
	struct bw_buf b;

	join(p, sizeof(p), f, "cred");
	join(link, sizeof(link), f, "cred-link");
	put(p, "value", 0640);
	bw_buf_init(&b, 64);
	/* group read: only with BW_FS_GROUP_READ, and never group write or others */
	assert_int_equal(bw_fs_read_file(p, BW_FS_SECRET, &b), BW_ERR_DENIED);
	assert_int_equal(bw_fs_read_file(p, BW_FS_SECRET | BW_FS_GROUP_READ, &b), BW_OK);
	bw_buf_reset(&b);
	assert_int_equal(chmod(p, 0440), 0);
	assert_int_equal(bw_fs_read_file(p, BW_FS_SECRET | BW_FS_GROUP_READ, &b), BW_OK);
	bw_buf_reset(&b);
	assert_int_equal(chmod(p, 0660), 0);
	assert_int_equal(bw_fs_read_file(p, BW_FS_SECRET | BW_FS_GROUP_READ, &b), BW_ERR_DENIED);
	assert_int_equal(chmod(p, 0644), 0);
	assert_int_equal(bw_fs_read_file(p, BW_FS_SECRET | BW_FS_GROUP_READ, &b), BW_ERR_DENIED);
	/* a secret must be readable by its owner: 0200 and 0000 are refused */
	assert_int_equal(chmod(p, 0200), 0);
	assert_int_equal(bw_fs_read_file(p, BW_FS_SECRET, &b), BW_ERR_DENIED);
	assert_int_equal(chmod(p, 0000), 0);
	assert_int_equal(bw_fs_read_file(p, BW_FS_SECRET, &b), BW_ERR_DENIED);
	/* no shared write: group- or other-writable files are refused */
	assert_int_equal(chmod(p, 0664), 0);
	assert_int_equal(bw_fs_read_file(p, BW_FS_NO_SHARED_WRITE, &b), BW_ERR_DENIED);
	assert_int_equal(chmod(p, 0646), 0);
	assert_int_equal(bw_fs_read_file(p, BW_FS_NO_SHARED_WRITE, &b), BW_ERR_DENIED);
	assert_int_equal(chmod(p, 0644), 0);
	assert_int_equal(bw_fs_read_file(p, BW_FS_NO_SHARED_WRITE, &b), BW_OK);
	bw_buf_reset(&b);
	/* a symlink only with BW_FS_FOLLOW */
	assert_int_equal(symlink(p, link), 0);
	assert_int_equal(bw_fs_read_file(link, 0, &b), BW_ERR_DENIED);
	assert_int_equal(b.len, 0);
	assert_int_equal(bw_fs_read_file(link, BW_FS_FOLLOW, &b), BW_OK);
	assert_string_equal(bw_buf_cstr(&b), "value");
	bw_buf_free(&b);
}

static void follow_with_secret_is_a_programming_error(void **state)
{
	struct fx *f = *state;
	char p[600];
	pid_t pid;
	int status;

	join(p, sizeof(p), f, "s");
	put(p, "x", 0600);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct bw_buf b;

		bw_buf_init(&b, 16);
		(void)!bw_fs_read_file(p, BW_FS_SECRET | BW_FS_FOLLOW, &b);
		_exit(0); /* must not be reached */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
}

static void read_is_bounded_by_cap(void **state)
{
	struct fx *f = *state;
	char p[600];
	char big[10001];
	struct bw_buf b;

	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	join(p, sizeof(p), f, "big");
	put(p, big, 0600);
	bw_buf_init(&b, 9999);
	assert_int_equal(bw_fs_read_file(p, 0, &b), BW_ERR_LIMIT);
	assert_int_equal(b.len, 0);
	bw_buf_free(&b);
	bw_buf_init(&b, 10000);
	assert_int_equal(bw_fs_read_file(p, 0, &b), BW_OK);
	assert_int_equal(b.len, 10000);
	bw_buf_free(&b);
}

static void exists_and_umask(void **state)
{
	struct fx *f = *state;
	char p[600], l[600];
	bool e = true;

	join(p, sizeof(p), f, "nothing");
	join(l, sizeof(l), f, "dangling");
	assert_int_equal(bw_fs_exists(p, &e), BW_OK);
	assert_false(e);
	assert_int_equal(symlink(p, l), 0);
	assert_int_equal(bw_fs_exists(l, &e), BW_OK);
	assert_true(e);
	assert_int_equal(bw_fs_exists(f->dir, &e), BW_OK);
	assert_true(e);

	umask(0027);
	assert_int_equal(bw_fs_umask_private(), 0027);
	assert_int_equal(umask(022), 077);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(mkdir_creates_exact_0700, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(mkdir_refuses_loose_mode, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(mkdir_refuses_symlink_and_file, fx_setup,
	                                        fx_teardown),
	        cmocka_unit_test_setup_teardown(mkdir_refuses_dir_not_ours, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(write_atomic_exact_mode, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(write_atomic_no_replace, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(write_atomic_never_follows_symlink, fx_setup,
	                                        fx_teardown),
	        cmocka_unit_test_setup_teardown(write_atomic_bad_arguments, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(read_refuses_symlink_and_special, fx_setup,
	                                        fx_teardown),
	        cmocka_unit_test_setup_teardown(read_secret_mode_and_owner, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(read_flags, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(follow_with_secret_is_a_programming_error, fx_setup,
	                                        fx_teardown),
	        cmocka_unit_test_setup_teardown(read_is_bounded_by_cap, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(exists_and_umask, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
