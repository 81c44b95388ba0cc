/* test_keys.c — master key references and sources, first-start creation, purpose keys. */
#include "bw_test.h"

#include "bulwark/fsutil.h"
#include "bulwark/keys.h"

#include <ftw.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define NOBODY_UID 65534

/* The master key 00 01 02 … 1f, as raw bytes and in its env: text form. */
static uint8_t fixed_master[32];
static const char fixed_master_text[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

/*
 * Known answers, computed independently of libsodium from crypto_kdf's
 * definition: BLAKE2b-256 keyed with the master key, salt = subkey id as
 * little-endian u64 followed by 8 zero bytes, personal = "bwkdf-v1" followed
 * by 8 zero bytes, empty message; key id = first 8 bytes of BLAKE2b-256(key).
 */
static const struct {
	enum bw_key_purpose purpose;
	uint32_t version;
	const char *key_hex;
	const char *id;
} kat[] = {
        {BW_KEY_SESSION, 1, "1e057d2687ea7db485a794026a20787629ae14e4c7863ddc3d4effcfeab955a5",
         "54260ed23e28016c"},
        {BW_KEY_CSRF, 1, "89efec39a21e5ce59c6e51401b4de64ae45902344916064d017bc727abfa7c44",
         "8d1861deee1d0214"},
        {BW_KEY_SESSION, 2, "d167678b0461a6b12bbdae93b860c7f76ce4859c4bcc82cf42262a1adb102f35",
         "f7d0f52ec9248032"},
        {BW_KEY_AUDIT, 7, "06f693f6fdf36edcf9759f6b1819e12e8a63db1ffc7ab42b12f0e1614f4a8a8b",
         "76aba176c6c3a269"},
};

static char tmpdir[512];

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(p);
}

static int group_setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	if (bw_init() != BW_OK)
		return -1;
	for (size_t i = 0; i < sizeof(fixed_master); i++)
		fixed_master[i] = (uint8_t)i;
	if (tmp == NULL || tmp[0] == '\0')
		tmp = P_tmpdir;
	snprintf(tmpdir, sizeof(tmpdir), "%s/bw-keys-XXXXXX", tmp);
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static void path_of(char *out, size_t size, const char *name)
{
	int n = snprintf(out, size, "%s/%s", tmpdir, name);

	assert_true(n > 0 && (size_t)n < size);
}

static void put_bytes(const char *p, const void *data, size_t len, mode_t mode)
{
	FILE *fp;

	unlink(p);
	fp = fopen(p, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(p, mode), 0);
}

static void load_ref(const char *scheme, const char *arg, enum bw_err want)
{
	struct bw_secret *s = (struct bw_secret *)&s; /* must be reset to NULL on error */
	char ref[1024];

	snprintf(ref, sizeof(ref), "%s%s", scheme, arg);
	assert_int_equal(bw_master_key_load(ref, &s), want);
	if (want == BW_OK) {
		assert_int_equal(bw_secret_len(s), 32);
		assert_memory_equal(bw_secret_bytes(s), fixed_master, 32);
	} else {
		assert_null(s);
	}
	bw_secret_free(s);
}

static void ref_parse_accepts_and_refuses(void **state)
{
	static const char *const refused_config[] = {
	        "",        "hunter2", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
	        "FILE:/k", "file",    "env",
	        " env:X",  "vault:x", "credentials:x",
	};
	static const char *const refused_invalid[] = {
	        "file:",        "env:",           "env:1A",          "env:A-B",
	        "env:A B",      "env:A=B",        "credential:",     "credential:..",
	        "credential:.", "credential:a/b", "credential:../x", "credential:a b",
	        "file:a\nb",    "file:\x7f",
	};
	enum bw_key_ref_kind kind = 0;
	struct bw_str arg = {0};
	char big[300];

	(void)state;
	assert_int_equal(bw_key_ref_parse(bw_str_c("file:data/master.key"), &kind, &arg), BW_OK);
	assert_int_equal(kind, BW_KEY_REF_FILE);
	assert_true(bw_str_eq_c(arg, "data/master.key"));
	assert_int_equal(bw_key_ref_parse(bw_str_c("env:BULWARK_MASTER_KEY"), &kind, &arg), BW_OK);
	assert_int_equal(kind, BW_KEY_REF_ENV);
	assert_true(bw_str_eq_c(arg, "BULWARK_MASTER_KEY"));
	assert_int_equal(bw_key_ref_parse(bw_str_c("env:_k9"), &kind, &arg), BW_OK);
	assert_int_equal(bw_key_ref_parse(bw_str_c("credential:master.key-1_x"), &kind, &arg),
	                 BW_OK);
	assert_int_equal(kind, BW_KEY_REF_CREDENTIAL);
	assert_true(bw_str_eq_c(arg, "master.key-1_x"));
	assert_int_equal(bw_key_ref_parse(bw_str_c("credential:mk@host"), &kind, &arg), BW_OK);

	for (size_t i = 0; i < sizeof(refused_config) / sizeof(refused_config[0]); i++)
		assert_int_equal(bw_key_ref_parse(bw_str_c(refused_config[i]), &kind, &arg),
		                 BW_ERR_CONFIG);
	for (size_t i = 0; i < sizeof(refused_invalid) / sizeof(refused_invalid[0]); i++)
		assert_int_equal(bw_key_ref_parse(bw_str_c(refused_invalid[i]), &kind, &arg),
		                 BW_ERR_INVALID);
	/* an embedded NUL is a control byte, not the end of the path */
	assert_int_equal(bw_key_ref_parse((struct bw_str){"file:a\0b", 8}, &kind, &arg),
	                 BW_ERR_INVALID);

	/* names: 255 bytes fit, 256 do not */
	memcpy(big, "env:", 4);
	memset(big + 4, 'A', 256);
	assert_int_equal(bw_key_ref_parse((struct bw_str){big, 4 + 255}, &kind, &arg), BW_OK);
	assert_int_equal(arg.len, 255);
	assert_int_equal(bw_key_ref_parse((struct bw_str){big, 4 + 256}, &kind, &arg),
	                 BW_ERR_INVALID);
	memcpy(big, "credential:", 11);
	memset(big + 11, 'c', 256);
	assert_int_equal(bw_key_ref_parse((struct bw_str){big, 11 + 255}, &kind, &arg), BW_OK);
	assert_int_equal(bw_key_ref_parse((struct bw_str){big, 11 + 256}, &kind, &arg),
	                 BW_ERR_INVALID);
}

static void decode_is_strict(void **state)
{
	static const char *const refused[] = {
	        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh",   /* 42 */
	        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", /* padded */
	        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n",
	        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9", /* spare bits set */
	        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdH+8", /* '+' is not base64url */
	        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdH/8",
	        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd h8",
	        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh\n",
	        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdH\th",
	        "",
	        " AECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
	};
	struct bw_secret *s = NULL;

	(void)state;
	assert_int_equal(bw_master_key_decode(bw_str_c(fixed_master_text), &s), BW_OK);
	assert_int_equal(bw_secret_len(s), 32);
	assert_memory_equal(bw_secret_bytes(s), fixed_master, 32);
	bw_secret_free(s);
	assert_int_equal(
	        bw_master_key_decode(bw_str_c("-__-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v4"), &s),
	        BW_OK);
	assert_int_equal(bw_secret_bytes(s)[0], 0xfb);
	assert_int_equal(bw_secret_bytes(s)[31], 0xfe);
	bw_secret_free(s);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		s = (struct bw_secret *)&s;
		assert_int_equal(bw_master_key_decode(bw_str_c(refused[i]), &s), BW_ERR_INVALID);
		assert_null(s);
	}
	/* bytes >= 0x80 that libsodium 1.0.18 alone would decode (found by fuzzing) */
	assert_int_equal(
	        bw_master_key_decode(bw_str_c("-__-_v7-_v7-_v7-_v7-_v7\377\377T\330\264\215"
	                                      "\223\300-_v7-_v7-_v4"),
	                             &s),
	        BW_ERR_INVALID);
	assert_null(s);
	/* a NUL inside the text */
	assert_int_equal(
	        bw_master_key_decode(
	                (struct bw_str){"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\0h8", 43}, &s),
	        BW_ERR_INVALID);
}

static void load_from_file_checks_mode_owner_size(void **state)
{
	char p[600], link[600];
	uint8_t longer[33];

	(void)state;
	path_of(p, sizeof(p), "mk");
	path_of(link, sizeof(link), "mk-link");
	put_bytes(p, fixed_master, 32, 0600);
	load_ref("file:", p, BW_OK);
	assert_int_equal(chmod(p, 0400), 0);
	load_ref("file:", p, BW_OK);
	assert_int_equal(chmod(p, 0644), 0);
	load_ref("file:", p, BW_ERR_DENIED);
	assert_int_equal(chmod(p, 0640), 0);
	load_ref("file:", p, BW_ERR_DENIED);
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(symlink(p, link), 0);
	load_ref("file:", link, BW_ERR_DENIED);

	put_bytes(p, fixed_master, 31, 0600);
	load_ref("file:", p, BW_ERR_INVALID);
	memcpy(longer, fixed_master, 32);
	longer[32] = '\n';
	put_bytes(p, longer, 33, 0600);
	load_ref("file:", p, BW_ERR_INVALID);
	put_bytes(p, fixed_master_text, strlen(fixed_master_text), 0600); /* text is not raw */
	load_ref("file:", p, BW_ERR_INVALID);
	put_bytes(p, "", 0, 0600);
	load_ref("file:", p, BW_ERR_INVALID);

	path_of(p, sizeof(p), "absent");
	load_ref("file:", p, BW_ERR_NOT_FOUND);
	load_ref("file:", tmpdir, BW_ERR_DENIED); /* a directory */

	if (geteuid() == 0) {
		path_of(p, sizeof(p), "mk-nobody");
		put_bytes(p, fixed_master, 32, 0600);
		assert_int_equal(chown(p, NOBODY_UID, NOBODY_UID), 0);
		load_ref("file:", p, BW_ERR_DENIED);
	}
	load_ref("", "not-a-reference", BW_ERR_CONFIG);
}

static void load_from_env(void **state)
{
	(void)state;
	assert_int_equal(setenv("BW_TEST_MASTER", fixed_master_text, 1), 0);
	load_ref("env:", "BW_TEST_MASTER", BW_OK);
	assert_string_equal(getenv("BW_TEST_MASTER"), fixed_master_text);
	assert_int_equal(
	        setenv("BW_TEST_MASTER", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", 1), 0);
	load_ref("env:", "BW_TEST_MASTER", BW_ERR_INVALID);
	assert_int_equal(setenv("BW_TEST_MASTER", "", 1), 0);
	load_ref("env:", "BW_TEST_MASTER", BW_ERR_INVALID);
	assert_int_equal(unsetenv("BW_TEST_MASTER"), 0);
	load_ref("env:", "BW_TEST_MASTER", BW_ERR_NOT_FOUND);
	load_ref("env:", "BW-TEST", BW_ERR_INVALID);
}

static void load_from_credential(void **state)
{
	char dir[600], p[700];

	(void)state;
	path_of(dir, sizeof(dir), "creds");
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(p, sizeof(p), "%s/master", dir);
	put_bytes(p, fixed_master, 32, 0400);

	assert_int_equal(unsetenv("CREDENTIALS_DIRECTORY"), 0);
	load_ref("credential:", "master", BW_ERR_NOT_FOUND);
	assert_int_equal(setenv("CREDENTIALS_DIRECTORY", "", 1), 0);
	load_ref("credential:", "master", BW_ERR_NOT_FOUND);
	assert_int_equal(setenv("CREDENTIALS_DIRECTORY", "relative/creds", 1), 0);
	load_ref("credential:", "master", BW_ERR_CONFIG);
	assert_int_equal(setenv("CREDENTIALS_DIRECTORY", dir, 1), 0);
	load_ref("credential:", "master", BW_OK);
	load_ref("credential:", "other", BW_ERR_NOT_FOUND);
	load_ref("credential:", "../creds/master", BW_ERR_INVALID);
	/* systemd grants a service user read access through an ACL that shows as
	 * group read: 0440 and 0640 pass, anything for others or group write does not */
	assert_int_equal(chmod(p, 0440), 0);
	load_ref("credential:", "master", BW_OK);
	assert_int_equal(chmod(p, 0640), 0);
	load_ref("credential:", "master", BW_OK);
	assert_int_equal(chmod(p, 0660), 0);
	load_ref("credential:", "master", BW_ERR_DENIED);
	assert_int_equal(chmod(p, 0444), 0);
	load_ref("credential:", "master", BW_ERR_DENIED);
	assert_int_equal(unsetenv("CREDENTIALS_DIRECTORY"), 0);
}

static void ensure_creates_once_and_checks(void **state)
{
	struct bw_secret *a = NULL, *b = NULL;
	char p[600], link[600], ref[700];
	bool created = false;
	struct stat st;
	mode_t old;

	(void)state;
	path_of(p, sizeof(p), "first-start.key");
	old = umask(0); /* the key is 0600 even under a careless umask */
	assert_int_equal(bw_master_key_ensure(p, &created), BW_OK);
	umask(old);
	assert_true(created);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 32);
	snprintf(ref, sizeof(ref), "file:%s", p);
	assert_int_equal(bw_master_key_load(ref, &a), BW_OK);

	assert_int_equal(bw_master_key_ensure(p, &created), BW_OK);
	assert_false(created);
	assert_int_equal(bw_master_key_load(ref, &b), BW_OK);
	assert_true(bw_ct_eq(bw_secret_bytes(a), 32, bw_secret_bytes(b), 32)); /* reused */
	bw_secret_free(b);

	/* a second fresh key differs: the bytes are random */
	path_of(p, sizeof(p), "second.key");
	assert_int_equal(bw_master_key_ensure(p, NULL), BW_OK);
	snprintf(ref, sizeof(ref), "file:%s", p);
	assert_int_equal(bw_master_key_load(ref, &b), BW_OK);
	assert_false(bw_ct_eq(bw_secret_bytes(a), 32, bw_secret_bytes(b), 32));
	bw_secret_free(a);
	bw_secret_free(b);

	/* an existing bad file is refused, not replaced */
	assert_int_equal(chmod(p, 0644), 0);
	assert_int_equal(bw_master_key_ensure(p, &created), BW_ERR_DENIED);
	assert_false(created);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(chmod(p, 0600), 0);
	path_of(link, sizeof(link), "link.key");
	assert_int_equal(symlink(p, link), 0);
	assert_int_equal(bw_master_key_ensure(link, &created), BW_ERR_DENIED);
	path_of(p, sizeof(p), "short.key");
	put_bytes(p, fixed_master, 16, 0600);
	assert_int_equal(bw_master_key_ensure(p, &created), BW_ERR_INVALID);
	path_of(p, sizeof(p), "no-such-dir/x.key");
	assert_int_equal(bw_master_key_ensure(p, &created), BW_ERR_NOT_FOUND);
}

static void derive_known_answers(void **state)
{
	struct bw_secret *m = NULL, *k = NULL;
	char id[BW_KEY_ID_SIZE];
	uint8_t want[32];

	(void)state;
	assert_int_equal(bw_secret_new(fixed_master, 32, &m), BW_OK);
	for (size_t i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
		assert_int_equal(sodium_hex2bin(want, sizeof(want), kat[i].key_hex,
		                                strlen(kat[i].key_hex), NULL, NULL, NULL),
		                 0);
		assert_int_equal(bw_keys_derive(m, kat[i].purpose, kat[i].version, &k), BW_OK);
		assert_int_equal(bw_secret_len(k), BW_PURPOSE_KEY_BYTES);
		assert_memory_equal(bw_secret_bytes(k), want, 32);
		bw_keys_id(k, id);
		assert_string_equal(id, kat[i].id);
		bw_secret_free(k);
	}
	bw_secret_free(m);
}

static void derive_separates_purposes_and_versions(void **state)
{
	enum { NV = 3 };
	uint8_t seen[(BW_KEY__END - 1) * NV][32];
	struct bw_secret *m = NULL, *k = NULL, *k2 = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(bw_secret_random(32, &m), BW_OK);
	for (int p = 1; p < BW_KEY__END; p++) {
		for (uint32_t v = 1; v <= NV; v++) {
			assert_int_equal(bw_keys_derive(m, (enum bw_key_purpose)p, v, &k), BW_OK);
			assert_int_equal(bw_keys_derive(m, (enum bw_key_purpose)p, v, &k2), BW_OK);
			assert_true(bw_ct_eq(bw_secret_bytes(k), 32, bw_secret_bytes(k2), 32));
			assert_false(bw_ct_eq(bw_secret_bytes(k), 32, bw_secret_bytes(m), 32));
			for (size_t j = 0; j < n; j++)
				assert_false(bw_ct_eq(bw_secret_bytes(k), 32, seen[j], 32));
			memcpy(seen[n++], bw_secret_bytes(k), 32);
			bw_secret_free(k);
			bw_secret_free(k2);
		}
	}
	/* the largest version is distinct from its neighbour and from other purposes */
	assert_int_equal(bw_keys_derive(m, BW_KEY_SESSION, UINT32_MAX, &k), BW_OK);
	for (size_t j = 0; j < n; j++)
		assert_false(bw_ct_eq(bw_secret_bytes(k), 32, seen[j], 32));
	bw_secret_free(k);
	bw_wipe(seen, sizeof(seen));
	bw_secret_free(m);
}

static void derive_refuses_bad_input(void **state)
{
	struct bw_secret *m = NULL, *shortm = NULL, *longm = NULL;
	struct bw_secret *k = (struct bw_secret *)&k;

	(void)state;
	assert_int_equal(bw_secret_new(fixed_master, 32, &m), BW_OK);
	assert_int_equal(bw_keys_derive(m, BW_KEY_SESSION, 0, &k), BW_ERR_RANGE);
	assert_null(k);
	assert_int_equal(bw_keys_derive(m, (enum bw_key_purpose)0, 1, &k), BW_ERR_INVALID);
	assert_int_equal(bw_keys_derive(m, BW_KEY__END, 1, &k), BW_ERR_INVALID);
	assert_int_equal(bw_keys_derive(m, (enum bw_key_purpose) - 1, 1, &k), BW_ERR_INVALID);
	assert_int_equal(bw_secret_new(fixed_master, 16, &shortm), BW_OK);
	assert_int_equal(bw_keys_derive(shortm, BW_KEY_SESSION, 1, &k), BW_ERR_INVALID);
	assert_int_equal(bw_secret_random(64, &longm), BW_OK);
	assert_int_equal(bw_keys_derive(longm, BW_KEY_SESSION, 1, &k), BW_ERR_INVALID);
	assert_null(k);
	bw_secret_free(longm);
	bw_secret_free(shortm);
	bw_secret_free(m);
}

static void key_ids_and_names(void **state)
{
	struct bw_secret *a = NULL, *b = NULL;
	char ia[BW_KEY_ID_SIZE], ib[BW_KEY_ID_SIZE];

	(void)state;
	assert_int_equal(bw_secret_random(32, &a), BW_OK);
	assert_int_equal(bw_secret_random(32, &b), BW_OK);
	bw_keys_id(a, ia);
	bw_keys_id(b, ib);
	assert_int_equal(strlen(ia), 16);
	assert_int_equal(strspn(ia, "0123456789abcdef"), 16);
	assert_string_not_equal(ia, ib);
	bw_keys_id(a, ib);
	assert_string_equal(ia, ib);
	bw_secret_free(a);
	bw_secret_free(b);

	for (int p = 1; p < BW_KEY__END; p++) {
		const char *name = bw_key_purpose_name((enum bw_key_purpose)p);

		assert_string_not_equal(name, "unknown");
		for (int q = 1; q < p; q++)
			assert_string_not_equal(name, bw_key_purpose_name((enum bw_key_purpose)q));
	}
	assert_string_equal(bw_key_purpose_name(BW_KEY_SESSION), "session");
	assert_string_equal(bw_key_purpose_name((enum bw_key_purpose)0), "unknown");
	assert_string_equal(bw_key_purpose_name(BW_KEY__END), "unknown");
	assert_string_equal(bw_key_purpose_name((enum bw_key_purpose) - 3), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(ref_parse_accepts_and_refuses),
	        cmocka_unit_test(decode_is_strict),
	        cmocka_unit_test(load_from_file_checks_mode_owner_size),
	        cmocka_unit_test(load_from_env),
	        cmocka_unit_test(load_from_credential),
	        cmocka_unit_test(ensure_creates_once_and_checks),
	        cmocka_unit_test(derive_known_answers),
	        cmocka_unit_test(derive_separates_purposes_and_versions),
	        cmocka_unit_test(derive_refuses_bad_input),
	        cmocka_unit_test(key_ids_and_names),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
