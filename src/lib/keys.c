/*
 * keys.c — secret references (parsed and read here for the master key and
 * for config.c's secret keys alike), master key loading and first-start
 * creation, and the purpose-key derivation (crypto_kdf) with short key ids.
 * Key bytes only ever sit in struct bw_secret or in local buffers that are
 * wiped before return.
 */
#include "bulwark/keys.h"

#include "bulwark/buf.h"
#include "bulwark/fsutil.h"

#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(BW_KEYS_KDF_CONTEXT) - 1 == crypto_kdf_CONTEXTBYTES,
               "the KDF context must be exactly crypto_kdf_CONTEXTBYTES long");
_Static_assert(BW_MASTER_KEY_BYTES == crypto_kdf_KEYBYTES, "master key size");
_Static_assert(BW_MASTER_KEY_TEXT_LEN >= BW_MASTER_KEY_BYTES, "the text form is the longer");
_Static_assert(BW_PURPOSE_KEY_BYTES >= crypto_kdf_BYTES_MIN &&
                       BW_PURPOSE_KEY_BYTES <= crypto_kdf_BYTES_MAX,
               "purpose key size");

static const char *const purpose_names[BW_KEY__END] = {
        [BW_KEY_SESSION] = "session",
        [BW_KEY_CSRF] = "csrf",
        [BW_KEY_FIELD] = "field",
        [BW_KEY_AUDIT] = "audit",
        [BW_KEY_BACKUP] = "backup",
        [BW_KEY_APIKEY] = "apikey",
        [BW_KEY_RATELIMIT] = "ratelimit",
        [BW_KEY_SIGNING] = "signing",
        [BW_KEY_REFRESH] = "refresh",
        [BW_KEY_MAILTOKEN] = "mailtoken",
        [BW_KEY_WEBHOOK] = "webhook",
        [BW_KEY_CLIENT] = "client",
        [BW_KEY_MFA] = "mfa",
};

const char *bw_key_purpose_name(enum bw_key_purpose purpose)
{
	if ((int)purpose <= 0 || purpose >= BW_KEY__END || purpose_names[purpose] == NULL)
		return "unknown";
	return purpose_names[purpose];
}

static bool is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool valid_env_name(struct bw_str s)
{
	if (s.len == 0 || s.len > BW_KEY_REF_NAME_MAX)
		return false;
	if (!is_alpha(s.p[0]) && s.p[0] != '_')
		return false;
	for (size_t i = 1; i < s.len; i++)
		if (!is_alpha(s.p[i]) && !is_digit(s.p[i]) && s.p[i] != '_')
			return false;
	return true;
}

static bool valid_credential_name(struct bw_str s)
{
	if (s.len == 0 || s.len > BW_KEY_REF_NAME_MAX)
		return false;
	if (bw_str_eq_c(s, ".") || bw_str_eq_c(s, ".."))
		return false;
	for (size_t i = 0; i < s.len; i++) {
		char c = s.p[i];

		if (!is_alpha(c) && !is_digit(c) && c != '_' && c != '.' && c != '-' && c != '@')
			return false;
	}
	return true;
}

static bool valid_path(struct bw_str s)
{
	if (s.len == 0 || s.len >= PATH_MAX)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

enum bw_err bw_key_ref_parse(struct bw_str ref, enum bw_key_ref_kind *kind, struct bw_str *arg)
{
	static const struct {
		const char *prefix;
		enum bw_key_ref_kind kind;
	} schemes[] = {
	        {"file:", BW_KEY_REF_FILE},
	        {"env:", BW_KEY_REF_ENV},
	        {"credential:", BW_KEY_REF_CREDENTIAL},
	};

	BW_REQUIRE(kind != NULL && arg != NULL);
	BW_REQUIRE(ref.p != NULL || ref.len == 0);
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t plen = strlen(schemes[i].prefix);
		struct bw_str rest;
		bool ok;

		if (!bw_str_has_prefix_c(ref, schemes[i].prefix))
			continue;
		rest.p = ref.p + plen;
		rest.len = ref.len - plen;
		switch (schemes[i].kind) {
		case BW_KEY_REF_FILE:
			ok = valid_path(rest);
			break;
		case BW_KEY_REF_ENV:
			ok = valid_env_name(rest);
			break;
		default:
			ok = valid_credential_name(rest);
			break;
		}
		if (!ok)
			return BW_ERR_INVALID;
		*kind = schemes[i].kind;
		*arg = rest;
		return BW_OK;
	}
	return BW_ERR_CONFIG;
}

enum bw_err bw_master_key_decode(struct bw_str text, struct bw_secret **out)
{
	char again[BW_MASTER_KEY_TEXT_LEN + 1];
	uint8_t raw[BW_MASTER_KEY_BYTES];
	enum bw_err rc = BW_ERR_INVALID;
	const char *end = NULL;
	size_t n = 0;

	BW_REQUIRE(out != NULL);
	BW_REQUIRE(text.p != NULL || text.len == 0);
	*out = NULL;
	if (text.len != BW_MASTER_KEY_TEXT_LEN)
		return BW_ERR_INVALID;
	/*
	 * Check the alphabet ourselves: libsodium 1.0.18 maps some bytes >= 0x80
	 * to valid digits (found by fuzz_keyfmt). It still rejects padding and
	 * non-zero spare bits, and the re-encoding below must give the input back.
	 */
	for (size_t i = 0; i < text.len; i++) {
		char c = text.p[i];

		if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '_')
			return BW_ERR_INVALID;
	}
	if (sodium_base642bin(raw, sizeof(raw), text.p, text.len, NULL, &n, &end,
	                      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		goto out;
	if (n != sizeof(raw) || end != text.p + text.len)
		goto out;
	sodium_bin2base64(again, sizeof(again), raw, sizeof(raw),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (!bw_ct_eq(again, BW_MASTER_KEY_TEXT_LEN, text.p, text.len))
		goto out;
	rc = bw_secret_new(raw, sizeof(raw), out);
out:
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(again, sizeof(again));
	return rc;
}

/* Copy a borrowed string into a NUL-terminated buffer; BW_ERR_INVALID if it does not fit. */
static enum bw_err to_cstr(struct bw_str s, char *buf, size_t size)
{
	if (s.len >= size)
		return BW_ERR_INVALID;
	memcpy(buf, s.p, s.len);
	buf[s.len] = '\0';
	return BW_OK;
}

/* The file a credential: NAME stands for, into path[PATH_MAX]. */
static enum bw_err credential_path(const char *name, char *path)
{
	const char *dir = secure_getenv("CREDENTIALS_DIRECTORY");
	int n;

	if (dir == NULL || dir[0] == '\0')
		return BW_ERR_NOT_FOUND;
	if (dir[0] != '/')
		return BW_ERR_CONFIG;
	n = snprintf(path, PATH_MAX, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= PATH_MAX)
		return BW_ERR_INVALID;
	return BW_OK;
}

enum bw_err bw_key_ref_read(struct bw_str ref, enum bw_key_ref_kind *kind, struct bw_buf *out)
{
	char name[PATH_MAX], path[PATH_MAX];
	enum bw_key_ref_kind k;
	const char *val;
	struct bw_str arg;
	enum bw_err rc;

	BW_REQUIRE(out != NULL && out->len == 0);
	rc = bw_key_ref_parse(ref, &k, &arg);
	if (rc == BW_OK)
		rc = to_cstr(arg, name, sizeof(name));
	if (rc != BW_OK)
		return rc;
	switch (k) {
	case BW_KEY_REF_FILE:
		rc = bw_fs_read_file(name, BW_FS_SECRET, out);
		break;
	case BW_KEY_REF_CREDENTIAL:
		/* group read: systemd's ACL for User= services (see keys.h) */
		rc = credential_path(name, path);
		if (rc == BW_OK)
			rc = bw_fs_read_file(path, BW_FS_SECRET | BW_FS_GROUP_READ, out);
		break;
	case BW_KEY_REF_ENV:
		val = secure_getenv(name);
		rc = val == NULL ? BW_ERR_NOT_FOUND : bw_buf_append_c(out, val);
		break;
	default:
		return BW_ERR_INTERNAL;
	}
	if (rc == BW_OK && out->len == 0)
		rc = BW_ERR_INVALID;
	if (rc != BW_OK) {
		bw_buf_reset(out);
		return rc;
	}
	if (kind != NULL)
		*kind = k;
	return BW_OK;
}

/* Exactly one raw key, as file: and credential: hold it. */
static enum bw_err raw_key(const struct bw_buf *b, struct bw_secret **out)
{
	if (b->len != BW_MASTER_KEY_BYTES)
		return BW_ERR_INVALID;
	return bw_secret_new(b->p, b->len, out);
}

enum bw_err bw_master_key_load(const char *ref, struct bw_secret **out)
{
	enum bw_key_ref_kind kind = BW_KEY_REF_FILE;
	struct bw_buf b;
	enum bw_err rc;

	BW_REQUIRE(ref != NULL && out != NULL);
	*out = NULL;
	/* the longer of the two forms: a longer content is no key either way */
	bw_buf_init(&b, BW_MASTER_KEY_TEXT_LEN);
	rc = bw_key_ref_read(bw_str_c(ref), &kind, &b);
	if (rc == BW_ERR_LIMIT)
		rc = BW_ERR_INVALID;
	if (rc == BW_OK)
		rc = kind == BW_KEY_REF_ENV ? bw_master_key_decode(bw_buf_str(&b), out)
		                            : raw_key(&b, out);
	bw_buf_free(&b);
	return rc;
}

enum bw_err bw_master_key_ensure(const char *path, bool *created)
{
	struct bw_secret *key = NULL;
	bool exists = false;
	struct bw_buf b;
	enum bw_err rc;

	BW_REQUIRE(path != NULL);
	if (created != NULL)
		*created = false;
	rc = bw_fs_exists(path, &exists);
	if (rc != BW_OK)
		return rc;
	if (!exists) {
		rc = bw_secret_random(BW_MASTER_KEY_BYTES, &key);
		if (rc != BW_OK)
			return rc;
		rc = bw_fs_write_atomic(path, bw_secret_bytes(key), BW_MASTER_KEY_BYTES, 0600, 0);
		bw_secret_free(key);
		key = NULL;
		if (rc == BW_OK && created != NULL)
			*created = true;
		else if (rc == BW_ERR_EXISTS)
			rc = BW_OK; /* another process won the race: check its file */
		if (rc != BW_OK)
			return rc;
	}
	/* check the file as a later file: load would */
	bw_buf_init(&b, BW_MASTER_KEY_BYTES);
	rc = bw_fs_read_file(path, BW_FS_SECRET, &b);
	if (rc == BW_ERR_LIMIT || (rc == BW_OK && b.len != BW_MASTER_KEY_BYTES))
		rc = BW_ERR_INVALID;
	bw_buf_free(&b);
	return rc;
}

enum bw_err bw_keys_derive(const struct bw_secret *master, enum bw_key_purpose purpose,
                           uint32_t version, struct bw_secret **out)
{
	uint8_t sub[BW_PURPOSE_KEY_BYTES];
	uint64_t id;
	enum bw_err rc;

	BW_REQUIRE(master != NULL && out != NULL);
	*out = NULL;
	if (bw_secret_len(master) != BW_MASTER_KEY_BYTES)
		return BW_ERR_INVALID;
	if ((int)purpose <= 0 || purpose >= BW_KEY__END)
		return BW_ERR_INVALID;
	if (version == 0)
		return BW_ERR_RANGE;
	id = ((uint64_t)(unsigned)purpose << 32) | version;
	if (crypto_kdf_derive_from_key(sub, sizeof(sub), id, BW_KEYS_KDF_CONTEXT,
	                               bw_secret_bytes(master)) != 0)
		rc = BW_ERR_CRYPTO;
	else
		rc = bw_secret_new(sub, sizeof(sub), out);
	sodium_memzero(sub, sizeof(sub));
	return rc;
}

void bw_keys_id(const struct bw_secret *key, char out[BW_KEY_ID_SIZE])
{
	uint8_t h[crypto_generichash_BYTES];

	BW_REQUIRE(key != NULL && out != NULL);
	BW_REQUIRE(crypto_generichash(h, sizeof(h), bw_secret_bytes(key), bw_secret_len(key), NULL,
	                              0) == 0);
	sodium_bin2hex(out, BW_KEY_ID_SIZE, h, (BW_KEY_ID_SIZE - 1) / 2);
	sodium_memzero(h, sizeof(h));
}
