/*
 * tmpl.h — HTML templates with contextual auto-escaping.
 *
 * A set of named templates is compiled once (at start-up) into an immutable
 * tree; rendering it is thread-safe and allocation-light. While compiling,
 * the engine runs its own HTML tokenizer over the template text and decides,
 * for every substitution, how its value must be encoded for the place it
 * stands in (encode.h does the encoding):
 *
 *   text, <title>, <textarea>          HTML text encoding
 *   a quoted attribute value           HTML text encoding (both quotes, & < >
 *                                       escaped: complete for a quoted value,
 *                                       and the only kind of value allowed)
 *   a quoted URL attribute value       (href, src, action, formaction, …, and
 *                                       any name holding "src", "url", "uri",
 *                                       "href") — at the start of the value:
 *                                       the scheme is checked, then HTML text
 *                                       encoding; after static text: URL
 *                                       component encoding
 *   a JavaScript string in <script>    JavaScript string encoding
 *   CSS in <style> or style="…"        CSS string encoding (in or out of a
 *                                       quoted CSS string, never in url())
 *
 * Anywhere else a substitution is a compile error: tag and attribute names,
 * unquoted attribute values, event-handler attributes (on…), srcdoc, script
 * code outside a string literal, comments (HTML, JS, CSS), <!…>, raw-text
 * elements (iframe, noscript, xmp, …), foreign content (svg, math).
 *
 * URL check: a value that starts a URL attribute is refused unless it is a
 * relative reference or uses http, https or mailto. To look for the scheme,
 * leading and trailing spaces and controls are dropped, tabs and newlines
 * removed and character references (&#106; &#x3A; &colon; …) decoded, the
 * way a browser reads it; a refused value is replaced by
 * BW_TMPL_URL_INVALID (never an error: a hostile link must not take the page
 * down). Values are UTF-8; invalid sequences are replaced by U+FFFD, NUL and
 * other characters HTML forbids too (encode.h), so no input can fail a render.
 *
 * Syntax (whitespace inside the braces is ignored):
 *
 *   {{user.email}}                    a string value at a dotted path
 *   {{raw body}}                      the one raw output: the value must be
 *                                     trusted HTML (bw_tv_put_html), and it
 *                                     may stand only in text context
 *   {{#if flag}} … {{else}} … {{/if}} flag: a boolean; a list or string is
 *   {{#if !flag}} … {{/if}}           true when not empty
 *   {{#each items as it}} {{it.name}} {{else}} (empty) {{/each}}
 *   {{> partial}}                     another template of the set, inline
 *   {{#extends layout}}               first tag of a page: the page is the
 *   {{#block name}} … {{/block}}      layout with the page's blocks put in
 *                                     place of the layout's (a layout's own
 *                                     block content is the default)
 *   {{! a comment }}
 *
 * Branches of an if must end in the same HTML context, and an each body in
 * the context it started in. A variable that is missing, or of the wrong
 * kind, is a render error (BW_ERR_INVALID), never an empty string.
 */
#ifndef BULWARK_TMPL_H
#define BULWARK_TMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/arena.h"
#include "bulwark/buf.h"
#include "bulwark/err.h"
#include "bulwark/str.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What a URL attribute gets in place of a refused value. */
#define BW_TMPL_URL_INVALID "about:invalid#bulwark"
/** Longest template source accepted. */
#define BW_TMPL_MAX_SOURCE (256u * 1024u)
/** Deepest nesting of if/each/block, and of partials. */
#define BW_TMPL_MAX_DEPTH 24

/** One template source: name (letters, digits, '_', '-') and text, both borrowed. */
struct bw_tmpl_source {
	const char *name;
	struct bw_str text;
};

/** Where and why a compile or render failed (static text, never a value). */
struct bw_tmpl_error {
	char name[64];     /**< the template whose text is at fault */
	unsigned line;     /**< 1-based line in that template, 0 when none */
	char message[160]; /**< what is wrong; may quote a variable path */
};

struct bw_tmpl_set;

/**
 * bw_tmpl_compile - compile n named sources into a set (caller frees with
 * bw_tmpl_set_free). The sources are borrowed for the call only. Every
 * source is compiled as a page of its own, and again wherever another
 * includes or extends it. BW_ERR_INVALID with *err filled on any template
 * error (syntax, an unsafe substitution, an unknown partial, a cycle, a
 * duplicate name, invalid UTF-8 or NUL in a source), BW_ERR_LIMIT past
 * BW_TMPL_MAX_SOURCE or BW_TMPL_MAX_DEPTH, BW_ERR_NOMEM. err may be NULL.
 */
BW_MUST_CHECK enum bw_err bw_tmpl_compile(const struct bw_tmpl_source *src, size_t n,
                                          struct bw_tmpl_set **out, struct bw_tmpl_error *err);

/** bw_tmpl_set_free - release a set; NULL is a no-op. */
void bw_tmpl_set_free(struct bw_tmpl_set *set);

/** bw_tmpl_has - whether the set holds a template of that name. */
bool bw_tmpl_has(const struct bw_tmpl_set *set, const char *name);

/* ---- values: a tree built in an arena (the request's) ---- */

/** A value: a string, boolean, trusted HTML, list or record. Arena-owned. */
struct bw_tv;

/**
 * bw_tv_record - a new empty record (keys to values) in arena a.
 * NULL when the arena is full; every bw_tv function takes NULL and then
 * marks the value it adds to as failed, so a tree can be built without a
 * check per call: rendering a failed tree answers BW_ERR_NOMEM.
 */
struct bw_tv *bw_tv_record(struct bw_arena *a);

/** bw_tv_list - a new empty list in arena a (NULL when it is full). */
struct bw_tv *bw_tv_list(struct bw_arena *a);

/**
 * bw_tv_put_str - set key (an identifier: letters, digits, '_'; anything else
 * aborts) of record rec to a copy of s. Setting a key again replaces it.
 */
void bw_tv_put_str(struct bw_tv *rec, const char *key, struct bw_str s);

/** bw_tv_put_cstr - bw_tv_put_str with a NUL-terminated string (NULL fails rec). */
void bw_tv_put_cstr(struct bw_tv *rec, const char *key, const char *s);

/** bw_tv_put_int - an integer, stored as its decimal text. */
void bw_tv_put_int(struct bw_tv *rec, const char *key, int64_t v);

/** bw_tv_put_bool - a boolean, for {{#if}}. */
void bw_tv_put_bool(struct bw_tv *rec, const char *key, bool v);

/**
 * bw_tv_put_html - a copy of html, marked as trusted HTML: the only kind
 * {{raw}} prints. Only for markup the code itself built from encoded parts
 * (a QR code's SVG, say), never for input.
 */
void bw_tv_put_html(struct bw_tv *rec, const char *key, struct bw_str html);

/** bw_tv_put - set key of rec to a list or record (borrowed: same arena). */
void bw_tv_put(struct bw_tv *rec, const char *key, struct bw_tv *child);

/** bw_tv_append - append a record (or any value) to a list. */
void bw_tv_append(struct bw_tv *list, struct bw_tv *item);

/** bw_tv_append_str - append a copy of a string to a list. */
void bw_tv_append_str(struct bw_tv *list, struct bw_str s);

/* ---- rendering ---- */

/**
 * bw_tmpl_render - render template name of set with the values of record
 * vars, appending to out. Thread-safe: the set is only read. On error *err
 * (may be NULL) names the template and line, and out holds what it held
 * before plus, possibly, part of the page (reset it). BW_ERR_NOT_FOUND: no
 * such template; BW_ERR_INVALID: a variable is missing or of the wrong kind;
 * BW_ERR_NOMEM: vars is NULL or failed (see bw_tv_record); BW_ERR_LIMIT: the
 * buffer's cap.
 */
BW_MUST_CHECK enum bw_err bw_tmpl_render(const struct bw_tmpl_set *set, const char *name,
                                         const struct bw_tv *vars, struct bw_buf *out,
                                         struct bw_tmpl_error *err);

#ifdef __cplusplus
}
#endif
#endif
