/*
 * tmpl_internal.h — what the template compiler, the HTML context machine,
 * the value tree and the renderer share. Not a public interface.
 */
#ifndef BULWARK_TMPL_INTERNAL_H
#define BULWARK_TMPL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulwark/arena.h"
#include "bulwark/tmpl.h"

/* ---- the HTML context of a point in a template (tmpl_html.c) ---- */

/* Tokenizer states, after WHATWG HTML §13.2.5, reduced to what decides the
 * escaping of a substitution. */
enum tc_state {
	TC_DATA = 0,
	TC_RCDATA,   /* <title>, <textarea>: text, entities decoded */
	TC_RAWTEXT,  /* <iframe>, <noscript>, <xmp>, …: no substitution at all */
	TC_SCRIPT,   /* <script> content: the js sub-state */
	TC_STYLE,    /* <style> content: the css sub-state */
	TC_TAG_OPEN, /* after '<' */
	TC_END_OPEN, /* after '</' */
	TC_TAG_NAME, /* in a tag name */
	TC_BEFORE_ATTR,
	TC_ATTR_NAME,
	TC_AFTER_ATTR_NAME,
	TC_BEFORE_VALUE,
	TC_VALUE_DQ,
	TC_VALUE_SQ,
	TC_VALUE_UNQ,
	TC_AFTER_VALUE,
	TC_SELF_CLOSE, /* after '/' in a tag */
	TC_MARKUP,     /* after '<!' */
	TC_MARKUP_DASH,
	TC_COMMENT, /* <!-- …: cm holds the sub-state */
	TC_BOGUS,   /* <!…>, <?…>, </ followed by a non-letter: until '>' */
};

/* What an attribute value holds, by the attribute's name. */
enum tc_attr {
	TA_PLAIN = 0,
	TA_URL,
	TA_CSS,
	TA_UNSAFE, /* on…, srcdoc: no substitution */
};

/* What an element's content is, once its start tag ends. */
enum tc_elem {
	TE_NORMAL = 0,
	TE_SCRIPT,
	TE_STYLE,
	TE_RCDATA,
	TE_RAWTEXT,
	TE_META, /* <meta>: ordinary content, but content="…" may be a refresh URL */
};

/* JavaScript sub-states in <script>. */
enum tc_js {
	TJ_CODE = 0,
	TJ_DQ,
	TJ_SQ,
	TJ_TMPL, /* `…` */
	TJ_REGEX,
	TJ_REGEX_CLASS,
	TJ_LINE_COMMENT,
	TJ_BLOCK_COMMENT,
};

/* CSS sub-states in <style> and style="…". */
enum tc_css {
	TS_CODE = 0,
	TS_DQ,
	TS_SQ,
	TS_COMMENT,
};

#define TC_NAME_MAX 32

/* A context. Every field not in use is zero, so two contexts compare with
 * tc_equal field by field. */
struct tc {
	uint8_t state;       /* enum tc_state */
	uint8_t elem;        /* enum tc_elem of the tag being read, or of the content */
	uint8_t end_tag;     /* the tag being read is an end tag */
	uint8_t attr;        /* enum tc_attr of the value being read */
	uint8_t url_part;    /* a URL value has static text before this point */
	uint8_t cut;         /* an attribute name was ended by a template tag */
	uint8_t cm;          /* comment sub-state */
	uint8_t em;          /* characters of "</name" matched in raw content */
	uint8_t js;          /* enum tc_js */
	uint8_t js_esc;      /* a backslash is pending */
	uint8_t js_slash;    /* a '/' in code is pending (comment or not) */
	uint8_t js_star;     /* a '*' in a block comment is pending */
	uint8_t js_regex_ok; /* a '/' in code here starts a regular expression */
	uint8_t js_dollar;   /* a '$' in a template literal is pending */
	uint8_t js_wlen;     /* the identifier being read in code */
	char js_word[10];
	uint8_t css; /* enum tc_css */
	uint8_t css_esc, css_slash, css_star;
	uint8_t css_url;  /* inside url( … ) */
	char css_word[4]; /* the last letters of code, for "url(" */
	uint8_t name_len; /* tag or attribute name being read */
	char name[TC_NAME_MAX];
	uint8_t tag_len; /* the element's name, for its end tag */
	char tag[12];
};

/* How a substitution is encoded. */
enum tc_enc {
	TENC_TEXT,
	TENC_ATTR,
	TENC_URL_START, /* scheme check, then attribute encoding */
	TENC_URL_PART,  /* URL component */
	TENC_JS,
	TENC_CSS,
};

/** tc_init - the context at the start of a document. */
void tc_init(struct tc *c);

/**
 * tc_feed - advance c over the static text p[0..len). On a construct the
 * engine refuses, returns a static message and sets *at to the offset of the
 * byte at fault; NULL when all is well.
 */
const char *tc_feed(struct tc *c, const char *p, size_t len, size_t *at);

/** tc_subst - the encoding for a substitution at c, or NULL with *why set. */
bool tc_subst(const struct tc *c, enum tc_enc *enc, const char **why);

/** tc_after_subst - the context after a substitution encoded as enc. */
void tc_after_subst(struct tc *c, enum tc_enc enc);

/** tc_raw_ok - whether {{raw}} may stand at c (text only). */
bool tc_raw_ok(const struct tc *c);

/**
 * tc_control - a control tag ({{#if}}, {{else}}, {{/each}}, {{> p}}, …) at c:
 * false with *why when none may stand here; an attribute name ends here.
 */
bool tc_control(struct tc *c, const char **why);

/** tc_join - the context after two branches that end in a and b, or false. */
bool tc_join(const struct tc *a, const struct tc *b, struct tc *out);

/** tc_equal - whether two contexts are the same. */
bool tc_equal(const struct tc *a, const struct tc *b);

/** tc_end_ok - whether a template may end at c (only in text). */
bool tc_end_ok(const struct tc *c, const char **why);

/**
 * tc_url_safe - whether v, as the start of a URL attribute, is a relative
 * reference or an http, https or mailto URL, read the way a browser would
 * (spaces, tabs, newlines, controls and character references considered).
 */
bool tc_url_safe(const char *p, size_t len);

/* ---- the value tree (tmpl_value.c) ---- */

enum tv_kind { TV_STR, TV_BOOL, TV_HTML, TV_LIST, TV_RECORD };

struct tv_link {
	const char *key; /* records only */
	struct bw_tv *v;
	struct tv_link *next;
};

struct bw_tv {
	enum tv_kind kind;
	bool failed; /* something could not be added (arena full, NULL) */
	struct bw_arena *a;
	struct bw_str s; /* TV_STR, TV_HTML */
	bool b;          /* TV_BOOL */
	struct tv_link *head, *tail;
	size_t n;
};

/** tv_get - the value named name[0..n) in record r, or NULL. */
const struct bw_tv *tv_get(const struct bw_tv *r, const char *name, size_t n);

/* ---- the compiled tree (tmpl_parse.c, tmpl_render.c) ---- */

#define TMPL_PATH_MAX 8

struct tpath {
	const char *text; /* "a.b.c", for messages */
	uint8_t n;
	const char *seg[TMPL_PATH_MAX];
	uint8_t seglen[TMPL_PATH_MAX];
};

enum tnode_kind { TN_TEXT, TN_VAR, TN_RAW, TN_IF, TN_EACH };

struct tnode {
	enum tnode_kind kind;
	const char *tmpl; /* template whose text this node comes from */
	unsigned line;
	struct tnode *next;
	const char *text; /* TN_TEXT */
	size_t len;
	struct tpath path;  /* TN_VAR, TN_RAW, TN_IF, TN_EACH */
	enum tc_enc enc;    /* TN_VAR */
	bool neg;           /* TN_IF */
	const char *as;     /* TN_EACH: the loop variable */
	struct tnode *body; /* TN_IF: then; TN_EACH: body */
	struct tnode *els;
};

struct tmpl_page {
	const char *name;
	struct tnode *root;
};

struct bw_tmpl_set {
	struct bw_arena *arena;
	struct tmpl_page *pages;
	size_t n;
};

/** tmpl_err - fill err (may be NULL) and return rc. */
enum bw_err tmpl_err(struct bw_tmpl_error *err, enum bw_err rc, const char *name, unsigned line,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
