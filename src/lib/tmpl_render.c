/*
 * tmpl_render.c — rendering a compiled template with a value tree.
 *
 * The compiled set is only read, so any number of threads may render from
 * it at once. Each substitution goes through the encoder its context was
 * given at compile time (encode.h), with invalid UTF-8 replaced by U+FFFD;
 * a value that starts a URL attribute is checked first (tc_url_safe).
 */
#include <string.h>

#include "bulwark/encode.h"
#include "tmpl_internal.h"

struct scope {
	const char *name;
	const struct bw_tv *v;
};

struct render {
	const struct bw_tv *root;
	struct scope sc[BW_TMPL_MAX_DEPTH];
	unsigned nsc;
	struct bw_buf *out;
	struct bw_tmpl_error *err;
};

static enum bw_err rerr(struct render *r, const struct tnode *n, enum bw_err rc, const char *what)
{
	return tmpl_err(r->err, rc, n->tmpl, n->line, "{{%s}}: %s", n->path.text, what);
}

static enum bw_err lookup(struct render *r, const struct tnode *n, const struct bw_tv **out)
{
	const struct tpath *p = &n->path;
	const struct bw_tv *v = NULL;

	for (unsigned i = r->nsc; i-- > 0;) {
		if (strlen(r->sc[i].name) == p->seglen[0] &&
		    memcmp(r->sc[i].name, p->seg[0], p->seglen[0]) == 0) {
			v = r->sc[i].v;
			break;
		}
	}
	if (v == NULL)
		v = tv_get(r->root, p->seg[0], p->seglen[0]);
	for (unsigned k = 1; v != NULL && k < p->n; k++) {
		if (v->kind != TV_RECORD)
			return rerr(r, n, BW_ERR_INVALID, "not a record");
		if (v->failed)
			return rerr(r, n, BW_ERR_NOMEM, "the values could not all be built");
		v = tv_get(v, p->seg[k], p->seglen[k]);
	}
	if (v == NULL)
		return rerr(r, n, BW_ERR_INVALID, "missing variable");
	if (v->failed)
		return rerr(r, n, BW_ERR_NOMEM, "the values could not all be built");
	*out = v;
	return BW_OK;
}

static enum bw_err emit(struct render *r, enum tc_enc enc, struct bw_str s)
{
	switch (enc) {
	case TENC_TEXT:
		return bw_encode_html_text(r->out, s.p, s.len, BW_UTF8_REPLACE);
	case TENC_ATTR:
		/* values are always quoted (the compiler refuses unquoted ones),
		 * and the text encoder escapes both quotes, & < and >: enough, and
		 * it keeps nonces, URLs and e-mail addresses readable */
		return bw_encode_html_text(r->out, s.p, s.len, BW_UTF8_REPLACE);
	case TENC_URL_START:
		if (!tc_url_safe(s.p, s.len))
			return bw_buf_append_c(r->out, BW_TMPL_URL_INVALID);
		return bw_encode_html_text(r->out, s.p, s.len, BW_UTF8_REPLACE);
	case TENC_URL_PART:
		return bw_encode_url_component(r->out, s.p, s.len, BW_UTF8_REPLACE);
	case TENC_JS:
		return bw_encode_js_string(r->out, s.p, s.len, BW_UTF8_REPLACE);
	case TENC_CSS:
		return bw_encode_css_string(r->out, s.p, s.len, BW_UTF8_REPLACE);
	}
	return BW_ERR_INTERNAL;
}

static bool truthy(const struct bw_tv *v)
{
	switch (v->kind) {
	case TV_BOOL:
		return v->b;
	case TV_STR:
	case TV_HTML:
		return v->s.len > 0;
	case TV_LIST:
		return v->n > 0;
	case TV_RECORD:
		return true;
	}
	return false;
}

static enum bw_err out_err(struct render *r, const struct tnode *n, enum bw_err rc)
{
	if (rc == BW_ERR_LIMIT)
		return tmpl_err(r->err, rc, n->tmpl, n->line, "the page outgrows its buffer");
	return tmpl_err(r->err, rc, n->tmpl, n->line, "cannot write the page");
}

static enum bw_err render_list(struct render *r, const struct tnode *n)
{
	enum bw_err rc = BW_OK;

	for (; n != NULL && rc == BW_OK; n = n->next) {
		const struct bw_tv *v = NULL;

		if (n->kind == TN_TEXT) {
			rc = bw_buf_append(r->out, n->text, n->len);
			if (rc != BW_OK)
				return out_err(r, n, rc);
			continue;
		}
		rc = lookup(r, n, &v);
		if (rc != BW_OK)
			return rc;
		switch (n->kind) {
		case TN_VAR:
			if (v->kind != TV_STR)
				return rerr(r, n, BW_ERR_INVALID,
				            v->kind == TV_HTML
				                    ? "trusted HTML: print it with {{raw}}"
				                    : "not a string");
			rc = emit(r, n->enc, v->s);
			if (rc != BW_OK)
				return out_err(r, n, rc);
			break;
		case TN_RAW:
			if (v->kind != TV_HTML)
				return rerr(r, n, BW_ERR_INVALID,
				            "{{raw}} prints only values marked as trusted HTML");
			rc = bw_buf_append_str(r->out, v->s);
			if (rc != BW_OK)
				return out_err(r, n, rc);
			break;
		case TN_IF:
			rc = render_list(r, truthy(v) != n->neg ? n->body : n->els);
			break;
		case TN_EACH:
			if (v->kind != TV_LIST)
				return rerr(r, n, BW_ERR_INVALID, "not a list");
			if (v->n == 0) {
				rc = render_list(r, n->els);
				break;
			}
			if (r->nsc >= BW_TMPL_MAX_DEPTH)
				return rerr(r, n, BW_ERR_LIMIT, "loops nested too deep");
			for (const struct tv_link *l = v->head; l != NULL && rc == BW_OK;
			     l = l->next) {
				r->sc[r->nsc++] = (struct scope){n->as, l->v};
				rc = render_list(r, n->body);
				r->nsc--;
			}
			break;
		default:
			return BW_ERR_INTERNAL;
		}
	}
	return rc;
}

enum bw_err bw_tmpl_render(const struct bw_tmpl_set *set, const char *name,
                           const struct bw_tv *vars, struct bw_buf *out, struct bw_tmpl_error *err)
{
	struct render r;

	BW_REQUIRE(set != NULL && name != NULL && out != NULL);
	if (err != NULL)
		memset(err, 0, sizeof(*err));
	for (size_t i = 0; i < set->n; i++) {
		if (strcmp(set->pages[i].name, name) != 0)
			continue;
		if (vars != NULL && vars->kind != TV_RECORD)
			bw_panic("tmpl: bw_tmpl_render takes a record");
		if (vars == NULL || vars->failed)
			return tmpl_err(err, BW_ERR_NOMEM, name, 0,
			                "the values could not all be built");
		memset(&r, 0, sizeof(r));
		r.root = vars;
		r.out = out;
		r.err = err;
		return render_list(&r, set->pages[i].root);
	}
	return tmpl_err(err, BW_ERR_NOT_FOUND, name, 0, "no such template");
}
