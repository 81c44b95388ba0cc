/*
 * config.h — a strict INI parser with a typed schema, BULWARK_* environment
 * overrides and secret references.
 *
 * The format is small on purpose (docs/config.md has the full grammar):
 * `[section]` headers, `key = value` lines, `#` or `;` comments on their own
 * line only, no continuation lines. Anything else is refused, never repaired:
 * an unknown section or key, a duplicate section or key, a line longer than
 * BW_CONFIG_LINE_MAX bytes, a NUL byte, invalid UTF-8, a control character, a
 * malformed value. A `#` inside a value is part of the value.
 *
 * A schema (an array of struct bw_config_key) says which keys exist, what type
 * each has and where its value goes in the caller's struct (an offset). The
 * parser validates every value against its type before anything is stored.
 *
 * Errors carry the line number and the key name, never a value: a secret that
 * was pasted into the wrong key does not end up in a log.
 */
#ifndef BULWARK_CONFIG_H
#define BULWARK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/buf.h"
#include "bulwark/err.h"
#include "bulwark/secret.h"
#include "bulwark/str.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BW_CONFIG_LINE_MAX   4096u           /**< most bytes in one line, terminator excluded */
#define BW_CONFIG_FILE_MAX   (1024u * 1024u) /**< most bytes in one configuration file */
#define BW_CONFIG_NAME_MAX   64u             /**< most bytes in a section or a key name */
#define BW_CONFIG_SECRET_MAX 16384u          /**< most bytes a secret reference resolves to */

/** The type of a key's value; docs/config.md describes each syntax. */
enum bw_config_type {
	BW_CONFIG_STRING = 1, /**< UTF-8 text into char[size]; may be empty */
	BW_CONFIG_UINT,       /**< strict decimal in [min, max] into an unsigned of `size` bytes */
	BW_CONFIG_SIZE,       /**< like UINT, with an optional K, M or G suffix (x1024) */
	BW_CONFIG_BOOL,       /**< exactly "true" or "false" into a bool */
	BW_CONFIG_ENUM,       /**< exactly one of `choices`; its index into an unsigned */
	BW_CONFIG_LIST,       /**< comma-separated items into char *[size / sizeof(char *)] */
	BW_CONFIG_SECRET,     /**< a secret reference (file:, env:, credential:) into char[size] */
	BW_CONFIG_DURATION,   /**< digits plus "ms", "s", "m" or "h"; stored in units of unit_ms */
};

/**
 * One key of a schema. name is "section.key": the section is the part before
 * the first dot ([a-z0-9_]), the key the rest ([a-z0-9_.]). Set offset and
 * size with BW_CONFIG_AT(type, member).
 */
struct bw_config_key {
	const char *name;           /**< "server.listen" */
	enum bw_config_type type;   /**< what the value may be */
	size_t offset;              /**< where the value goes in the target struct */
	size_t size;                /**< sizeof that member */
	size_t count_offset;        /**< LIST: where the size_t item count goes */
	uint64_t min, max;          /**< UINT, SIZE, DURATION: inclusive bounds, stored units */
	uint32_t unit_ms;           /**< DURATION: 1 stores milliseconds, 1000 seconds */
	const char *const *choices; /**< ENUM: NULL-terminated names */
	const char *doc;            /**< one line for docs and `--help` */
};

/** offset and size of a struct member, for a struct bw_config_key initializer. */
#define BW_CONFIG_AT(type, member) \
	.offset = offsetof(type, member), .size = sizeof(((type *)0)->member)

/** A schema: keys in the order they are documented and written. */
struct bw_config_schema {
	const struct bw_config_key *keys;
	size_t n_keys;
};

/** Why a configuration was refused. Both strings are safe to log. */
struct bw_config_error {
	unsigned line;     /**< 1-based line of the file, 0 when not about a file line */
	char key[128];     /**< "server.listen", an environment variable name, or "" */
	char message[160]; /**< what is wrong; never contains the value */
};

/** An opaque parsed and validated document. */
struct bw_config_doc;

/**
 * bw_config_doc_parse - parse and validate len bytes of INI text against
 * schema. Every value is checked against its key's type here, so a document
 * that parses can be applied. Borrows schema (it must outlive the document)
 * and text (only during the call). Caller frees *out with bw_config_doc_free.
 * Errors: BW_ERR_LIMIT (file or line too long), BW_ERR_ENCODING (NUL,
 * invalid UTF-8, control character), BW_ERR_INVALID (syntax or value),
 * BW_ERR_RANGE (number out of bounds), BW_ERR_NOT_FOUND (unknown section or
 * key), BW_ERR_EXISTS (duplicate section or key), BW_ERR_NOMEM; *err says
 * where (err may be NULL). A malformed schema is a programming error (abort).
 */
BW_MUST_CHECK enum bw_err bw_config_doc_parse(const struct bw_config_schema *schema,
                                              const void *text, size_t len,
                                              struct bw_config_doc **out,
                                              struct bw_config_error *err);

/** bw_config_doc_count - how many key = value lines the document has. */
size_t bw_config_doc_count(const struct bw_config_doc *doc);

/**
 * bw_config_doc_key - the schema key of entry i (< count), a pointer into the
 * schema; *line (may be NULL) gets its line number.
 */
const struct bw_config_key *bw_config_doc_key(const struct bw_config_doc *doc, size_t i,
                                              unsigned *line);

/**
 * bw_config_doc_apply - store every value of doc into target (a struct laid
 * out as the schema says). LIST members are replaced; their items are
 * malloc'd and owned by target (release with bw_config_free). Fails only
 * with BW_ERR_NOMEM; what was stored before the failure stays stored.
 */
BW_MUST_CHECK enum bw_err bw_config_doc_apply(const struct bw_config_doc *doc, void *target,
                                              struct bw_config_error *err);

/** bw_config_doc_free - wipe and release the document; NULL is a no-op. */
void bw_config_doc_free(struct bw_config_doc *doc);

/** bw_config_parse - bw_config_doc_parse then bw_config_doc_apply in one call. */
BW_MUST_CHECK enum bw_err bw_config_parse(const struct bw_config_schema *schema, const void *text,
                                          size_t len, void *target, struct bw_config_error *err);

/**
 * bw_config_load_file - read the file at path (a regular file, at most
 * BW_CONFIG_FILE_MAX bytes, not writable by group or others; a symlink to
 * one is followed: this is not a secret) with bw_fs_read_file and
 * bw_config_parse it. BW_ERR_IO / BW_ERR_NOT_FOUND when it cannot be read,
 * BW_ERR_DENIED for a wrong file type or mode, BW_ERR_LIMIT when too large,
 * else as bw_config_parse.
 */
BW_MUST_CHECK enum bw_err bw_config_load_file(const struct bw_config_schema *schema,
                                              const char *path, void *target,
                                              struct bw_config_error *err);

/**
 * bw_config_env_name - the environment variable of key into out:
 * "BULWARK_" + the name upper-cased with '.' turned into '_'
 * (server.listen -> BULWARK_SERVER_LISTEN). BW_ERR_LIMIT if it does not fit.
 */
BW_MUST_CHECK enum bw_err bw_config_env_name(const struct bw_config_key *key, char *out,
                                             size_t outsize);

/**
 * bw_config_apply_env - apply the BULWARK_* entries of envp (a
 * NULL-terminated array of "NAME=VALUE", borrowed; NULL means none) over
 * target. Values are taken verbatim (no trimming, no quotes). A variable
 * BULWARK_<SECTION>_... whose section is in the schema but whose name matches
 * no key is refused (BW_ERR_NOT_FOUND), as is the same variable twice
 * (BW_ERR_EXISTS); other BULWARK_* variables are not configuration and are
 * ignored. Everything is validated before anything is stored.
 */
BW_MUST_CHECK enum bw_err bw_config_apply_env(const struct bw_config_schema *schema,
                                              char *const *envp, void *target,
                                              struct bw_config_error *err);

/**
 * bw_config_set - set the key called name ("server.listen") from value,
 * verbatim, with the same checks as a file line (command-line flags).
 * BW_ERR_NOT_FOUND for an unknown name, else as bw_config_doc_parse.
 */
BW_MUST_CHECK enum bw_err bw_config_set(const struct bw_config_schema *schema, const char *name,
                                        struct bw_str value, void *target,
                                        struct bw_config_error *err);

/** bw_config_find - the key called name, or NULL. */
const struct bw_config_key *bw_config_find(const struct bw_config_schema *schema,
                                           struct bw_str name);

/**
 * bw_config_write - append target as INI text to out, every key of the
 * schema, in a form bw_config_parse reads back to the same values. Refuses
 * (BW_ERR_DENIED, nothing useful appended) to write a literal secret;
 * BW_ERR_LIMIT when a line or out's cap would be exceeded; BW_ERR_INVALID for
 * an ENUM index out of range.
 */
BW_MUST_CHECK enum bw_err bw_config_write(const struct bw_config_schema *schema, const void *target,
                                          struct bw_buf *out);

/**
 * bw_config_check - check the stored UINT, SIZE and DURATION values of target
 * against their keys' bounds, and ENUM indexes against their choices: what a
 * parsed value always meets, for a struct filled in by code (defaults,
 * derived values). BW_ERR_RANGE with *err (may be NULL) naming the first key
 * that fails, in schema order. target is borrowed.
 */
BW_MUST_CHECK enum bw_err bw_config_check(const struct bw_config_schema *schema, const void *target,
                                          struct bw_config_error *err);

/** bw_config_free - free the LIST items of target and zero their counts. */
void bw_config_free(const struct bw_config_schema *schema, void *target);

/*
 * Secret references are keys.h's: the syntax (bw_key_ref_parse) and the
 * reading, with the file mode and owner rules (bw_key_ref_read), are defined
 * and documented there once, for the master key and for these keys alike.
 */

/** What a secret reference refers to. */
enum bw_config_secret_kind {
	BW_CONFIG_SECRET_BAD = 0,    /**< empty, or a known scheme with a malformed rest */
	BW_CONFIG_SECRET_FILE,       /**< file:PATH */
	BW_CONFIG_SECRET_ENV,        /**< env:NAME */
	BW_CONFIG_SECRET_CREDENTIAL, /**< credential:NAME */
	BW_CONFIG_SECRET_LITERAL,    /**< no known scheme: the secret itself */
};

/**
 * bw_config_secret_kind - classify ref (a NUL-terminated string, borrowed)
 * by bw_key_ref_parse: BW_ERR_CONFIG from it is a literal, BW_ERR_INVALID
 * malformed.
 */
enum bw_config_secret_kind bw_config_secret_kind(const char *ref);

/** Flag for bw_config_secret_resolve_flags: accept a literal (development only). */
#define BW_CONFIG_ALLOW_LITERAL 0x1u

/**
 * bw_config_secret_resolve - read the secret ref names into a new secret
 * (caller frees with bw_secret_free), with bw_key_ref_read (keys.h has the
 * file, owner and mode rules): the bytes are taken exactly (no newline
 * stripped), 1..BW_CONFIG_SECRET_MAX of them. A literal is refused.
 * Errors: BW_ERR_DENIED (literal, owner, mode, file type, symlink),
 * BW_ERR_NOT_FOUND, BW_ERR_CONFIG ($CREDENTIALS_DIRECTORY not absolute),
 * BW_ERR_LIMIT, BW_ERR_INVALID (malformed or empty), BW_ERR_IO,
 * BW_ERR_NOMEM. Nothing is left in memory outside *out.
 */
BW_MUST_CHECK enum bw_err bw_config_secret_resolve(const char *ref, struct bw_secret **out);

/**
 * bw_config_secret_resolve_flags - bw_config_secret_resolve, but with
 * BW_CONFIG_ALLOW_LITERAL a literal becomes the secret and *literal (may be
 * NULL) is set to true, so the caller can warn loudly.
 */
BW_MUST_CHECK enum bw_err bw_config_secret_resolve_flags(const char *ref, unsigned flags,
                                                         struct bw_secret **out, bool *literal);

#ifdef __cplusplus
}
#endif
#endif
