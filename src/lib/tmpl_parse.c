/*
 * tmpl_parse.c — compiling a set of templates into trees.
 *
 * The lexer cuts a source into static text and {{tags}}; the parser builds
 * the node tree and, as it goes, feeds every piece of static text to the
 * HTML context machine (tmpl_html.c), so each substitution is given the
 * encoding of the exact place it stands in. Partials and layouts are parsed
 * inline at the place they are used, in the context of that place: a page
 * that extends a layout is the layout's text with the page's blocks spliced
 * in, parsed as one document. Every error names a template and a line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/utf8.h"
#include "tmpl_internal.h"

/* Everything a compiled set holds (sources, nodes) comes from one arena. */
#define SET_ARENA_CAP (64u * 1024u * 1024u)
/* Most templates in a set, and blocks in a page. */
#define MAX_TEMPLATES 256
#define MAX_BLOCKS    16
/* Rounds an {{#each}} body is parsed again to reach a stable context. */
#define EACH_ROUNDS 3

enum bw_err tmpl_err(struct bw_tmpl_error *err, enum bw_err rc, const char *name, unsigned line,
                     const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return rc;
	memset(err, 0, sizeof(*err));
	snprintf(err->name, sizeof(err->name), "%s", name != NULL ? name : "");
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- the lexer ---- */

enum tk {
	TK_END,
	TK_TEXT,
	TK_VAR,
	TK_RAW,
	TK_IF,
	TK_ELSE,
	TK_ENDIF,
	TK_EACH,
	TK_ENDEACH,
	TK_PARTIAL,
	TK_EXTENDS,
	TK_BLOCK,
	TK_ENDBLOCK,
	TK_COMMENT,
};

struct lex {
	const char *name; /* the template, for messages */
	const char *p;
	size_t len, pos;
	unsigned line; /* at pos */
};

struct tok {
	enum tk k;
	unsigned line;
	size_t start;     /* offset of the token in the source */
	struct bw_str s;  /* TEXT: the text; others: the tag's inside, trimmed */
	struct bw_str a;  /* the path or name argument */
	struct bw_str as; /* TK_EACH: the loop variable */
	bool neg;         /* TK_IF: {{#if !x}} */
};

struct parser {
	struct bw_arena *a;
	const struct bw_tmpl_source *src; /* arena copies */
	size_t n;
	struct bw_tmpl_error *err;
	unsigned depth;
	const char *stack[BW_TMPL_MAX_DEPTH + 2]; /* templates being parsed, for cycles */
	unsigned nstack;
	/* while a layout is parsed for a page: the page's blocks */
	struct block {
		struct bw_str name;
		struct lex body;
		bool used;
	} blocks[MAX_BLOCKS];
	size_t nblocks;
	bool in_layout;
};

static enum bw_err perr(struct parser *P, const struct lex *L, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static enum bw_err perr(struct parser *P, const struct lex *L, unsigned line, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return tmpl_err(P->err, BW_ERR_INVALID, L->name, line, "%s", msg);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static unsigned count_lines(const char *p, size_t n)
{
	unsigned k = 0;

	for (size_t i = 0; i < n; i++)
		k += p[i] == '\n';
	return k;
}

static struct bw_str trim(struct bw_str s)
{
	while (s.len > 0 && is_space(s.p[0]))
		s.p++, s.len--;
	while (s.len > 0 && is_space(s.p[s.len - 1]))
		s.len--;
	return s;
}

/* Split off the first word of *s. */
static struct bw_str word(struct bw_str *s)
{
	struct bw_str w = {s->p, 0};

	*s = trim(*s);
	w.p = s->p;
	while (w.len < s->len && !is_space(s->p[w.len]))
		w.len++;
	s->p += w.len;
	s->len -= w.len;
	*s = trim(*s);
	return w;
}

static bool ident_ok(struct bw_str s)
{
	if (s.len == 0 || s.len > 64)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		char c = s.p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		      (i > 0 && c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

static bool tmpl_name_ok(struct bw_str s)
{
	if (s.len == 0 || s.len > 63)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		char c = s.p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-' ||
		      (c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

/* A dotted path: identifiers joined by single dots. */
static bool path_ok(struct bw_str s)
{
	size_t start = 0, segs = 0;

	if (s.len == 0 || s.len > 128)
		return false;
	for (size_t i = 0; i <= s.len; i++) {
		if (i == s.len || s.p[i] == '.') {
			if (!ident_ok((struct bw_str){s.p + start, i - start}) ||
			    ++segs > TMPL_PATH_MAX)
				return false;
			start = i + 1;
		}
	}
	return true;
}

static const char *const reserved[] = {"raw", "else", "as", "if", "each", "block", "extends"};

/* Read the next token; BW_ERR_INVALID on a malformed tag. */
static enum bw_err lex_next(struct parser *P, struct lex *L, struct tok *t)
{
	const char *open, *close;
	struct bw_str in, w;

	memset(t, 0, sizeof(*t));
	t->line = L->line;
	t->start = L->pos;
	if (L->pos >= L->len) {
		t->k = TK_END;
		return BW_OK;
	}
	open = memmem(L->p + L->pos, L->len - L->pos, "{{", 2);
	if (open != L->p + L->pos) {
		size_t n = open != NULL ? (size_t)(open - (L->p + L->pos)) : L->len - L->pos;

		t->k = TK_TEXT;
		t->s = (struct bw_str){L->p + L->pos, n};
		L->pos += n;
		L->line += count_lines(t->s.p, n);
		return BW_OK;
	}
	close = memmem(open + 2, L->len - L->pos - 2, "}}", 2);
	if (close == NULL)
		return perr(P, L, t->line, "\"{{\" without a closing \"}}\"");
	in = (struct bw_str){open + 2, (size_t)(close - open - 2)};
	L->pos = (size_t)(close + 2 - L->p);
	L->line += count_lines(in.p, in.len);
	in = trim(in);
	t->s = in;
	if (in.len > 0 && in.p[0] == '!') {
		t->k = TK_COMMENT;
		return BW_OK;
	}
	w = word(&in);
	if (bw_str_eq_c(w, "else") || bw_str_eq_c(w, "/if") || bw_str_eq_c(w, "/each") ||
	    bw_str_eq_c(w, "/block")) {
		if (in.len != 0)
			return perr(P, L, t->line, "unexpected text after {{%.*s}}", (int)w.len,
			            w.p);
		t->k = w.p[0] == 'e'   ? TK_ELSE
		       : w.p[1] == 'i' ? TK_ENDIF
		       : w.p[1] == 'e' ? TK_ENDEACH
		                       : TK_ENDBLOCK;
		return BW_OK;
	}
	if (bw_str_eq_c(w, "#if")) {
		t->k = TK_IF;
		t->a = word(&in);
		if (t->a.len > 0 && t->a.p[0] == '!') {
			t->neg = true;
			t->a.p++, t->a.len--;
		}
		if (!path_ok(t->a) || in.len != 0)
			return perr(P, L, t->line, "{{#if}} takes one variable path");
		return BW_OK;
	}
	if (bw_str_eq_c(w, "#each")) {
		struct bw_str kw;

		t->k = TK_EACH;
		t->a = word(&in);
		kw = word(&in);
		t->as = word(&in);
		if (!path_ok(t->a) || !bw_str_eq_c(kw, "as") || !ident_ok(t->as) || in.len != 0)
			return perr(P, L, t->line, "{{#each}} is written {{#each list as item}}");
		return BW_OK;
	}
	if (bw_str_eq_c(w, "#extends") || bw_str_eq_c(w, "#block") || bw_str_eq_c(w, ">")) {
		t->k = w.p[0] == '>' ? TK_PARTIAL : w.p[1] == 'e' ? TK_EXTENDS : TK_BLOCK;
		t->a = word(&in);
		if (!tmpl_name_ok(t->a) || in.len != 0)
			return perr(P, L, t->line, "{{%.*s}} takes one name", (int)w.len, w.p);
		return BW_OK;
	}
	if (w.len > 1 && w.p[0] == '>') { /* {{>name}} */
		t->k = TK_PARTIAL;
		t->a = (struct bw_str){w.p + 1, w.len - 1};
		if (!tmpl_name_ok(t->a) || in.len != 0)
			return perr(P, L, t->line, "{{>}} takes one name");
		return BW_OK;
	}
	if (bw_str_eq_c(w, "raw")) {
		t->k = TK_RAW;
		t->a = word(&in);
		if (!path_ok(t->a) || in.len != 0)
			return perr(P, L, t->line, "{{raw}} takes one variable path");
		return BW_OK;
	}
	if (!path_ok(w) || in.len != 0)
		return perr(P, L, t->line, "not a template tag: {{%.*s}}",
		            (int)(t->s.len > 60 ? 60 : t->s.len), t->s.p);
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (bw_str_eq_c(w, reserved[i]))
			return perr(P, L, t->line, "\"%s\" is reserved and cannot name a variable",
			            reserved[i]);
	t->k = TK_VAR;
	t->a = w;
	return BW_OK;
}

/* ---- the parser ---- */

struct list {
	struct tnode *head, *tail;
};

static struct tnode *node_new(struct parser *P, struct list *l, enum tnode_kind k,
                              const struct lex *L, unsigned line)
{
	struct tnode *n = bw_arena_alloc(P->a, sizeof(*n));

	if (n == NULL)
		return NULL;
	n->kind = k;
	n->tmpl = L->name;
	n->line = line;
	if (l->tail != NULL)
		l->tail->next = n;
	else
		l->head = n;
	l->tail = n;
	return n;
}

static void list_splice(struct list *l, struct list *m)
{
	if (m->head == NULL)
		return;
	if (l->tail != NULL)
		l->tail->next = m->head;
	else
		l->head = m->head;
	l->tail = m->tail;
}

static enum bw_err set_path(struct parser *P, struct tpath *p, struct bw_str s)
{
	size_t start = 0;

	p->text = bw_arena_strndup(P->a, s.p, s.len);
	if (p->text == NULL)
		return BW_ERR_NOMEM;
	p->n = 0;
	for (size_t i = 0; i <= s.len; i++) {
		if (i == s.len || s.p[i] == '.') {
			p->seg[p->n] = p->text + start;
			p->seglen[p->n] = (uint8_t)(i - start);
			p->n++;
			start = i + 1;
		}
	}
	return BW_OK;
}

static const struct bw_tmpl_source *find_source(const struct parser *P, struct bw_str name)
{
	for (size_t i = 0; i < P->n; i++)
		if (bw_str_eq_c(name, P->src[i].name))
			return &P->src[i];
	return NULL;
}

static struct lex lex_of(const struct bw_tmpl_source *s)
{
	return (struct lex){s->name, s->text.p, s->text.len, 0, 1};
}

/* Stop tokens of a sequence, as a bit set of enum tk. */
#define STOP(k) (1u << (k))

static enum bw_err parse_seq(struct parser *P, struct lex *L, struct tc *c, unsigned stops,
                             struct list *out, struct tok *stop);

/* Enter one level of nesting (if, each, block, partial). */
static enum bw_err enter(struct parser *P, const struct lex *L, unsigned line)
{
	if (P->depth >= BW_TMPL_MAX_DEPTH) {
		tmpl_err(P->err, BW_ERR_LIMIT, L->name, line, "nesting deeper than %u",
		         (unsigned)BW_TMPL_MAX_DEPTH);
		return BW_ERR_LIMIT;
	}
	P->depth++;
	return BW_OK;
}

static enum bw_err control(struct parser *P, const struct lex *L, const struct tok *t, struct tc *c)
{
	const char *why = NULL;

	if (!tc_control(c, &why))
		return perr(P, L, t->line, "%s", why);
	return BW_OK;
}

static enum bw_err parse_if(struct parser *P, struct lex *L, const struct tok *t, struct tc *c,
                            struct list *out)
{
	struct tnode *n = node_new(P, out, TN_IF, L, t->line);
	struct list then = {0}, els = {0};
	struct tc c1 = *c, c2 = *c;
	struct tok stop;
	enum bw_err rc;

	if (n == NULL)
		return BW_ERR_NOMEM;
	n->neg = t->neg;
	rc = set_path(P, &n->path, t->a);
	if (rc == BW_OK)
		rc = parse_seq(P, L, &c1, STOP(TK_ELSE) | STOP(TK_ENDIF), &then, &stop);
	if (rc == BW_OK && stop.k == TK_ELSE)
		rc = parse_seq(P, L, &c2, STOP(TK_ENDIF), &els, &stop);
	if (rc != BW_OK)
		return rc;
	if (!tc_join(&c1, &c2, c))
		return perr(P, L, t->line,
		            "the branches of {{#if %.*s}} end in different HTML contexts",
		            (int)t->a.len, t->a.p);
	n->body = then.head;
	n->els = els.head;
	return BW_OK;
}

static enum bw_err parse_each(struct parser *P, struct lex *L, const struct tok *t, struct tc *c,
                              struct list *out)
{
	struct tnode *n = node_new(P, out, TN_EACH, L, t->line);
	struct tc start = *c, end, joined;
	struct lex body_at = *L;
	struct list body = {0}, els = {0};
	struct tok stop;
	enum bw_err rc;
	bool stable = false;

	if (n == NULL)
		return BW_ERR_NOMEM;
	rc = set_path(P, &n->path, t->a);
	if (rc != BW_OK)
		return rc;
	n->as = bw_arena_strndup(P->a, t->as.p, t->as.len);
	if (n->as == NULL)
		return BW_ERR_NOMEM;
	/* the body runs again where it ended: parse it until it ends where it
	 * starts (a URL value's "static text before" flag may need one round) */
	for (int round = 0; round < EACH_ROUNDS && !stable; round++) {
		*L = body_at;
		body = (struct list){0};
		end = start;
		rc = parse_seq(P, L, &end, STOP(TK_ELSE) | STOP(TK_ENDEACH), &body, &stop);
		if (rc != BW_OK)
			return rc;
		if (!tc_join(&start, &end, &joined))
			return perr(P, L, t->line,
			            "the body of {{#each %.*s}} ends in another HTML context than "
			            "it starts in",
			            (int)t->a.len, t->a.p);
		stable = tc_equal(&joined, &start);
		start = joined;
	}
	if (!stable)
		return perr(P, L, t->line, "{{#each}}: no stable HTML context");
	end = *c; /* no item: the else branch, from where the loop stands */
	if (stop.k == TK_ELSE) {
		rc = parse_seq(P, L, &end, STOP(TK_ENDEACH), &els, &stop);
		if (rc != BW_OK)
			return rc;
	}
	if (!tc_join(&start, &end, c))
		return perr(P, L, t->line,
		            "the {{else}} of {{#each %.*s}} ends in another HTML context than its "
		            "body",
		            (int)t->a.len, t->a.p);
	n->body = body.head;
	n->els = els.head;
	return BW_OK;
}

static bool on_stack(const struct parser *P, const char *name)
{
	for (unsigned i = 0; i < P->nstack; i++)
		if (strcmp(P->stack[i], name) == 0)
			return true;
	return false;
}

/* Parse a whole template source (a partial, a layout, a page's block) from
 * context c; it must hold no stray {{else}} or end tags. */
static enum bw_err parse_whole(struct parser *P, struct lex *L, struct tc *c, struct list *out)
{
	struct tok stop;

	return parse_seq(P, L, c, STOP(TK_END), out, &stop);
}

static enum bw_err parse_partial(struct parser *P, const struct lex *L, const struct tok *t,
                                 struct tc *c, struct list *out)
{
	const struct bw_tmpl_source *s = find_source(P, t->a);
	struct lex sub;
	enum bw_err rc;

	if (s == NULL)
		return perr(P, L, t->line, "no template named \"%.*s\"", (int)t->a.len, t->a.p);
	if (on_stack(P, s->name))
		return perr(P, L, t->line, "\"%s\" includes itself", s->name);
	P->stack[P->nstack++] = s->name;
	sub = lex_of(s);
	rc = parse_whole(P, &sub, c, out);
	P->nstack--;
	return rc;
}

static struct block *find_block(struct parser *P, struct bw_str name)
{
	for (size_t i = 0; i < P->nblocks; i++)
		if (bw_str_eq(P->blocks[i].name, name))
			return &P->blocks[i];
	return NULL;
}

static enum bw_err parse_block(struct parser *P, struct lex *L, const struct tok *t, struct tc *c,
                               struct list *out)
{
	struct tc start = *c;
	struct list dflt = {0};
	struct tok stop;
	struct block *b = P->in_layout ? find_block(P, t->a) : NULL;
	enum bw_err rc = parse_seq(P, L, c, STOP(TK_ENDBLOCK), &dflt, &stop);

	if (rc != BW_OK || b == NULL) {
		list_splice(out, &dflt);
		return rc;
	}
	/* the page's block, in the layout's context at this point */
	if (b->used)
		return perr(P, L, t->line, "block \"%.*s\" appears twice in the layout",
		            (int)t->a.len, t->a.p);
	b->used = true;
	*c = start;
	{
		struct lex body = b->body;
		bool saved = P->in_layout;

		P->in_layout = false;
		rc = parse_whole(P, &body, c, out);
		P->in_layout = saved;
	}
	return rc;
}

static enum bw_err parse_text(struct parser *P, const struct lex *L, const struct tok *t,
                              struct tc *c, struct list *out)
{
	size_t at = 0;
	const char *why = tc_feed(c, t->s.p, t->s.len, &at);
	struct tnode *n;

	if (why != NULL)
		return perr(P, L, t->line + count_lines(t->s.p, at), "%s", why);
	n = node_new(P, out, TN_TEXT, L, t->line);
	if (n == NULL)
		return BW_ERR_NOMEM;
	n->text = t->s.p;
	n->len = t->s.len;
	return BW_OK;
}

static enum bw_err parse_var(struct parser *P, const struct lex *L, const struct tok *t,
                             struct tc *c, struct list *out)
{
	const char *why = NULL;
	enum tc_enc enc = TENC_TEXT;
	struct tnode *n;

	if (t->k == TK_RAW) {
		if (!tc_raw_ok(c))
			return perr(P, L, t->line, "{{raw %.*s}} may stand only in HTML text",
			            (int)t->a.len, t->a.p);
	} else if (!tc_subst(c, &enc, &why)) {
		return perr(P, L, t->line, "{{%.*s}}: %s", (int)t->a.len, t->a.p, why);
	}
	n = node_new(P, out, t->k == TK_RAW ? TN_RAW : TN_VAR, L, t->line);
	if (n == NULL)
		return BW_ERR_NOMEM;
	n->enc = enc;
	if (t->k == TK_VAR)
		tc_after_subst(c, enc);
	return set_path(P, &n->path, t->a);
}

static const char *tk_name(enum tk k)
{
	switch (k) {
	case TK_ELSE:
		return "{{else}}";
	case TK_ENDIF:
		return "{{/if}}";
	case TK_ENDEACH:
		return "{{/each}}";
	case TK_ENDBLOCK:
		return "{{/block}}";
	case TK_EXTENDS:
		return "{{#extends}} (only the first tag of a page)";
	default:
		return "the end of the template";
	}
}

static enum bw_err parse_seq(struct parser *P, struct lex *L, struct tc *c, unsigned stops,
                             struct list *out, struct tok *stop)
{
	struct tok t;
	enum bw_err rc;

	for (;;) {
		rc = lex_next(P, L, &t);
		if (rc != BW_OK)
			return rc;
		if (stops & STOP(t.k)) {
			*stop = t;
			return t.k == TK_END ? BW_OK : control(P, L, &t, c);
		}
		switch (t.k) {
		case TK_TEXT:
			rc = parse_text(P, L, &t, c, out);
			break;
		case TK_VAR:
		case TK_RAW:
			rc = parse_var(P, L, &t, c, out);
			break;
		case TK_COMMENT:
			break;
		case TK_IF:
		case TK_EACH:
		case TK_PARTIAL:
		case TK_BLOCK:
			rc = control(P, L, &t, c);
			if (rc == BW_OK)
				rc = enter(P, L, t.line);
			if (rc != BW_OK)
				return rc;
			rc = t.k == TK_IF      ? parse_if(P, L, &t, c, out)
			     : t.k == TK_EACH  ? parse_each(P, L, &t, c, out)
			     : t.k == TK_BLOCK ? parse_block(P, L, &t, c, out)
			                       : parse_partial(P, L, &t, c, out);
			P->depth--;
			break;
		case TK_END:
			return perr(P, L, t.line, "the template ends before %s",
			            (stops & STOP(TK_ENDIF))     ? "{{/if}}"
			            : (stops & STOP(TK_ENDEACH)) ? "{{/each}}"
			                                         : "{{/block}}");
		default:
			return perr(P, L, t.line, "unexpected %s", tk_name(t.k));
		}
		if (rc != BW_OK)
			return rc;
	}
}

static bool blank(struct bw_str s)
{
	for (size_t i = 0; i < s.len; i++)
		if (!is_space(s.p[i]))
			return false;
	return true;
}

/* A page that extends a layout: collect its blocks (nothing else may stand
 * outside them), then parse the layout with them in place. */
static enum bw_err parse_extends(struct parser *P, struct lex *L, const struct tok *ext,
                                 struct tc *c, struct list *out)
{
	const struct bw_tmpl_source *layout = find_source(P, ext->a);
	struct lex ll;
	struct tok t;
	enum bw_err rc;

	if (layout == NULL)
		return perr(P, L, ext->line, "no template named \"%.*s\"", (int)ext->a.len,
		            ext->a.p);
	P->nblocks = 0;
	for (;;) {
		rc = lex_next(P, L, &t);
		if (rc != BW_OK)
			return rc;
		if (t.k == TK_END)
			break;
		if (t.k == TK_COMMENT || (t.k == TK_TEXT && blank(t.s)))
			continue;
		if (t.k != TK_BLOCK)
			return perr(P, L, t.line,
			            "a page that extends a layout holds only {{#block}}s");
		if (find_block(P, t.a) != NULL)
			return perr(P, L, t.line, "block \"%.*s\" is defined twice", (int)t.a.len,
			            t.a.p);
		if (P->nblocks >= MAX_BLOCKS)
			return perr(P, L, t.line, "more than %d blocks", MAX_BLOCKS);
		{
			struct block *b = &P->blocks[P->nblocks++];
			struct tok e;

			b->name = t.a;
			b->used = false;
			b->body = *L;
			do {
				rc = lex_next(P, L, &e);
				if (rc != BW_OK)
					return rc;
				if (e.k == TK_BLOCK || e.k == TK_EXTENDS)
					return perr(P, L, e.line, "blocks do not nest");
				if (e.k == TK_END)
					return perr(P, L, t.line,
					            "block \"%.*s\" has no {{/block}}",
					            (int)t.a.len, t.a.p);
			} while (e.k != TK_ENDBLOCK);
			b->body.len = e.start; /* the block's text ends before {{/block}} */
		}
	}
	if (on_stack(P, layout->name))
		return perr(P, L, ext->line, "\"%s\" extends itself", layout->name);
	P->stack[P->nstack++] = layout->name;
	ll = lex_of(layout);
	P->in_layout = true;
	{
		/* a layout may not extend another */
		struct lex peek = ll;

		do
			rc = lex_next(P, &peek, &t);
		while (rc == BW_OK && (t.k == TK_COMMENT || (t.k == TK_TEXT && blank(t.s))));
		if (rc == BW_OK && t.k == TK_EXTENDS)
			rc = perr(P, &peek, t.line, "a layout cannot extend another");
	}
	if (rc == BW_OK)
		rc = parse_whole(P, &ll, c, out);
	P->in_layout = false;
	P->nstack--;
	for (size_t i = 0; rc == BW_OK && i < P->nblocks; i++)
		if (!P->blocks[i].used)
			rc = perr(P, L, P->blocks[i].body.line,
			          "block \"%.*s\" is not in layout \"%s\"",
			          (int)P->blocks[i].name.len, P->blocks[i].name.p, layout->name);
	P->nblocks = 0;
	return rc;
}

static enum bw_err compile_page(struct parser *P, const struct bw_tmpl_source *s,
                                struct tmpl_page *page)
{
	struct lex L = lex_of(s), peek = lex_of(s);
	struct list out = {0};
	struct tc c;
	struct tok t;
	const char *why = NULL;
	enum bw_err rc;

	tc_init(&c);
	P->depth = 0;
	P->nstack = 0;
	P->stack[P->nstack++] = s->name;
	do
		rc = lex_next(P, &peek, &t);
	while (rc == BW_OK && (t.k == TK_COMMENT || (t.k == TK_TEXT && blank(t.s))));
	if (rc != BW_OK)
		return rc;
	if (t.k == TK_EXTENDS)
		rc = parse_extends(P, &peek, &t, &c, &out);
	else
		rc = parse_whole(P, &L, &c, &out);
	if (rc != BW_OK)
		return rc;
	if (!tc_end_ok(&c, &why))
		return perr(P, &L, L.line, "%s", why);
	page->name = s->name;
	page->root = out.head;
	return BW_OK;
}

/* Copy a source into the set, checking what the parser relies on. */
static enum bw_err copy_source(struct parser *P, const struct bw_tmpl_source *in,
                               struct bw_tmpl_source *out)
{
	const uint8_t *p = (const uint8_t *)in->text.p;
	size_t len = in->text.len;
	struct bw_str name = bw_str_c(in->name);

	if (in->name == NULL || !tmpl_name_ok(name))
		return tmpl_err(P->err, BW_ERR_INVALID, in->name, 0,
		                "a template name is letters, digits, '_' and '-'");
	if (len > BW_TMPL_MAX_SOURCE)
		return tmpl_err(P->err, BW_ERR_LIMIT, in->name, 0, "larger than %u bytes",
		                (unsigned)BW_TMPL_MAX_SOURCE);
	if (len > 0 && p == NULL)
		return tmpl_err(P->err, BW_ERR_INVALID, in->name, 0, "no text");
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n;

		if (p[i] == 0 || !bw_utf8_decode(p + i, len - i, &cp, &n))
			return tmpl_err(P->err, BW_ERR_INVALID, in->name,
			                1 + count_lines((const char *)p, i),
			                p[i] == 0 ? "a NUL byte" : "invalid UTF-8");
		i += n;
	}
	out->name = bw_arena_strndup(P->a, in->name, name.len);
	out->text = bw_arena_str(P->a, in->text);
	if (out->name == NULL || out->text.p == NULL)
		return BW_ERR_NOMEM;
	return BW_OK;
}

enum bw_err bw_tmpl_compile(const struct bw_tmpl_source *src, size_t n, struct bw_tmpl_set **out,
                            struct bw_tmpl_error *err)
{
	struct bw_tmpl_set *set = NULL;
	struct bw_tmpl_source *copies;
	struct parser *P = NULL;
	enum bw_err rc = BW_OK;

	BW_REQUIRE(out != NULL && (src != NULL || n == 0));
	*out = NULL;
	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (n > MAX_TEMPLATES)
		return tmpl_err(err, BW_ERR_LIMIT, "", 0, "more than %d templates", MAX_TEMPLATES);
	set = calloc(1, sizeof(*set));
	P = calloc(1, sizeof(*P));
	if (set == NULL || P == NULL) {
		rc = BW_ERR_NOMEM;
		goto out;
	}
	set->arena = bw_arena_new(SET_ARENA_CAP);
	copies = set->arena ? bw_arena_calloc(set->arena, n ? n : 1, sizeof(*copies)) : NULL;
	set->pages =
	        set->arena ? bw_arena_calloc(set->arena, n ? n : 1, sizeof(*set->pages)) : NULL;
	if (copies == NULL || set->pages == NULL) {
		rc = BW_ERR_NOMEM;
		goto out;
	}
	P->a = set->arena;
	P->err = err;
	for (size_t i = 0; i < n && rc == BW_OK; i++) {
		rc = copy_source(P, &src[i], &copies[i]);
		for (size_t k = 0; rc == BW_OK && k < i; k++)
			if (strcmp(copies[k].name, copies[i].name) == 0)
				rc = tmpl_err(err, BW_ERR_INVALID, copies[i].name, 0,
				              "two templates have this name");
	}
	P->src = copies;
	P->n = n;
	for (size_t i = 0; i < n && rc == BW_OK; i++)
		rc = compile_page(P, &copies[i], &set->pages[i]);
	set->n = n;
	if (rc == BW_ERR_NOMEM)
		tmpl_err(err, rc, "", 0, "out of memory");
out:
	free(P);
	if (rc != BW_OK) {
		bw_tmpl_set_free(set);
		return rc;
	}
	*out = set;
	return BW_OK;
}

void bw_tmpl_set_free(struct bw_tmpl_set *set)
{
	if (set == NULL)
		return;
	bw_arena_free(set->arena);
	free(set);
}

bool bw_tmpl_has(const struct bw_tmpl_set *set, const char *name)
{
	for (size_t i = 0; set != NULL && name != NULL && i < set->n; i++)
		if (strcmp(set->pages[i].name, name) == 0)
			return true;
	return false;
}
