/*
 * tmpl_html.c — the HTML context machine of the template compiler.
 *
 * A byte-at-a-time tokenizer after WHATWG HTML §13.2.5, reduced to what
 * decides how a substitution must be escaped: text, tags and attributes,
 * comments, raw-text elements, and the JavaScript and CSS inside <script>,
 * <style> and style="…". It runs only over the template's own static text, at
 * compile time; where it cannot tell for sure what a browser would see, it
 * refuses the template rather than guess.
 */
#include <string.h>

#include "tmpl_internal.h"

static bool is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\f' || ch == '\r';
}

static bool is_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static char lower(char ch)
{
	return (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
}

void tc_init(struct tc *c)
{
	memset(c, 0, sizeof(*c));
}

bool tc_equal(const struct tc *a, const struct tc *b)
{
	/* every member is one byte wide: no padding, unused fields are zero */
	return memcmp(a, b, sizeof(*a)) == 0;
}

static void clear_name(struct tc *c)
{
	c->name_len = 0;
	memset(c->name, 0, sizeof(c->name));
}

/* Forget everything and stand in state s (text after a tag, say). */
static void reset(struct tc *c, enum tc_state s)
{
	tc_init(c);
	c->state = (uint8_t)s;
}

static bool name_is(const struct tc *c, const char *lit)
{
	size_t n = strlen(lit);

	return c->name_len == n && memcmp(c->name, lit, n) == 0;
}

static bool name_has(const struct tc *c, const char *lit)
{
	size_t n = strlen(lit);

	for (size_t i = 0; i + n <= c->name_len; i++)
		if (memcmp(c->name + i, lit, n) == 0)
			return true;
	return false;
}

/* The tag name is complete: note what the element's content will be. */
static const char *end_tag_name(struct tc *c)
{
	static const struct {
		const char *name;
		enum tc_elem elem;
	} special[] = {
	        {"script", TE_SCRIPT},   {"style", TE_STYLE},      {"title", TE_RCDATA},
	        {"textarea", TE_RCDATA}, {"iframe", TE_RAWTEXT},   {"noscript", TE_RAWTEXT},
	        {"noembed", TE_RAWTEXT}, {"noframes", TE_RAWTEXT}, {"xmp", TE_RAWTEXT},
	        {"meta", TE_META},
	};

	c->elem = TE_NORMAL;
	if (!c->end_tag) {
		if (name_is(c, "plaintext"))
			return "<plaintext> is not supported";
		if (name_is(c, "svg") || name_is(c, "math"))
			return "foreign content (<svg>, <math>) is not supported: pass it as "
			       "trusted HTML";
		for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
			if (name_is(c, special[i].name)) {
				c->elem = (uint8_t)special[i].elem;
				memcpy(c->tag, c->name, c->name_len);
				c->tag_len = c->name_len;
			}
		}
	}
	clear_name(c);
	return NULL;
}

/* The attribute name is complete and a value follows: what kind of value. */
static enum tc_attr attr_kind(const struct tc *c)
{
	static const char *const url_attrs[] = {
	        "action",     "background", "cite",     "classid",  "codebase", "data",
	        "formaction", "icon",       "longdesc", "manifest", "ping",     "poster",
	        "profile",    "usemap",     "archive",  "lowsrc",   "dynsrc",   "xmlns",
	};

	if (c->name_len >= 2 && c->name[0] == 'o' && c->name[1] == 'n')
		return TA_UNSAFE;
	if (name_is(c, "srcdoc"))
		return TA_UNSAFE;
	/* which script runs, or where a refresh goes, is not for a value to say */
	if (c->elem == TE_SCRIPT && name_is(c, "src"))
		return TA_UNSAFE;
	if (c->elem == TE_META && (name_is(c, "content") || name_is(c, "http-equiv")))
		return TA_UNSAFE;
	if (name_is(c, "style"))
		return TA_CSS;
	if (name_has(c, "src") || name_has(c, "href") || name_has(c, "url") || name_has(c, "uri"))
		return TA_URL;
	for (size_t i = 0; i < sizeof(url_attrs) / sizeof(url_attrs[0]); i++)
		if (name_is(c, url_attrs[i]))
			return TA_URL;
	return TA_PLAIN;
}

static void start_value(struct tc *c, enum tc_state s)
{
	c->attr = (uint8_t)attr_kind(c);
	clear_name(c);
	c->state = (uint8_t)s;
}

static void end_value(struct tc *c)
{
	c->attr = 0;
	c->url_part = 0;
	c->css = 0;
	c->css_esc = c->css_slash = c->css_star = c->css_url = 0;
	memset(c->css_word, 0, sizeof(c->css_word));
}

/* '>' of a tag: the content of the element begins. */
static void close_tag(struct tc *c)
{
	enum tc_elem e = c->end_tag ? TE_NORMAL : (enum tc_elem)c->elem;
	uint8_t tag_len = c->tag_len;
	char tag[sizeof(c->tag)];

	memcpy(tag, c->tag, sizeof(tag));
	tc_init(c);
	switch (e) {
	case TE_SCRIPT:
		c->state = TC_SCRIPT;
		c->js_regex_ok = 1;
		break;
	case TE_STYLE:
		c->state = TC_STYLE;
		break;
	case TE_RCDATA:
		c->state = TC_RCDATA;
		break;
	case TE_RAWTEXT:
		c->state = TC_RAWTEXT;
		break;
	default: /* TE_NORMAL, TE_META */
		c->state = TC_DATA;
		return;
	}
	c->elem = (uint8_t)e;
	c->tag_len = tag_len;
	memcpy(c->tag, tag, sizeof(tag));
}

static const char *name_push(struct tc *c, char ch, const char *too_long)
{
	if (c->name_len >= TC_NAME_MAX) {
		if (too_long != NULL)
			return too_long;
		return NULL; /* a long tag name is an ordinary element */
	}
	c->name[c->name_len++] = lower(ch);
	return NULL;
}

/* ---- CSS ---- */

static void css_word_push(struct tc *c, char ch)
{
	memmove(c->css_word, c->css_word + 1, 2);
	c->css_word[2] = lower(ch);
	c->css_word[3] = '\0';
}

static const char *css_step(struct tc *c, char ch)
{
	if (c->css_esc) {
		c->css_esc = 0;
		return NULL;
	}
	switch (c->css) {
	case TS_CODE:
		if (c->css_slash) {
			c->css_slash = 0;
			if (ch == '*') {
				c->css = TS_COMMENT;
				return NULL;
			}
		}
		if (ch == '"' || ch == '\'') {
			c->css = ch == '"' ? TS_DQ : TS_SQ;
		} else if (ch == '/') {
			c->css_slash = 1;
		} else if (ch == '\\') {
			c->css_esc = 1;
		} else if (ch == '(') {
			if (memcmp(c->css_word, "url", 3) == 0)
				c->css_url = 1;
		} else if (ch == ')') {
			c->css_url = 0;
		}
		if (is_alpha(ch) || ch == '-' || ch == '_')
			css_word_push(c, ch);
		else if (ch != '\\')
			memset(c->css_word, 0, sizeof(c->css_word));
		return NULL;
	case TS_DQ:
	case TS_SQ:
		if (ch == '\\')
			c->css_esc = 1;
		else if (ch == (c->css == TS_DQ ? '"' : '\''))
			c->css = TS_CODE;
		return NULL;
	case TS_COMMENT:
		if (c->css_star && ch == '/')
			c->css = TS_CODE;
		c->css_star = ch == '*';
		return NULL;
	}
	return NULL;
}

static bool css_quiet(const struct tc *c)
{
	return c->css == TS_CODE && !c->css_esc && !c->css_slash && !c->css_url;
}

/* ---- JavaScript ---- */

static bool js_ident(char ch)
{
	return is_alpha(ch) || is_digit(ch) || ch == '_' || ch == '$' || (unsigned char)ch >= 0x80;
}

static const char *js_step(struct tc *c, char ch);

/* A '/' was pending in code and ch is not '/' or '*': a division or a regex. */
static const char *js_slash_resolve(struct tc *c, char ch)
{
	c->js_slash = 0;
	if (c->js_regex_ok) {
		c->js = TJ_REGEX;
		return js_step(c, ch);
	}
	c->js_regex_ok = 1; /* after the division operator */
	return js_step(c, ch);
}

/* Keywords after which a '/' starts a regular expression, not a division. */
static bool js_regex_keyword(const struct tc *c)
{
	static const char *const kw[] = {"return", "typeof", "instanceof", "in",    "of",
	                                 "new",    "delete", "void",       "throw", "case",
	                                 "do",     "else",   "yield",      "await"};

	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (strlen(kw[i]) == c->js_wlen && memcmp(kw[i], c->js_word, c->js_wlen) == 0)
			return true;
	return false;
}

static const char *js_code(struct tc *c, char ch)
{
	if (js_ident(ch) && !c->js_slash) {
		/* after an identifier or a number a '/' divides, after a keyword
		 * such as return it starts a regular expression */
		if (c->js_wlen < sizeof(c->js_word))
			c->js_word[c->js_wlen] = ch;
		if (c->js_wlen <= sizeof(c->js_word))
			c->js_wlen++;
		c->js_regex_ok = 0;
		return NULL;
	}
	if (c->js_wlen > 0) {
		c->js_regex_ok = js_regex_keyword(c) ? 1 : 0;
		c->js_wlen = 0;
		memset(c->js_word, 0, sizeof(c->js_word));
	}
	if (c->js_slash) {
		if (ch == '/' || ch == '*') {
			c->js_slash = 0;
			c->js = ch == '/' ? TJ_LINE_COMMENT : TJ_BLOCK_COMMENT;
			return NULL;
		}
		return js_slash_resolve(c, ch);
	}
	if (ch == '"' || ch == '\'' || ch == '`') {
		c->js = ch == '"' ? TJ_DQ : ch == '\'' ? TJ_SQ : TJ_TMPL;
		return NULL;
	}
	if (ch == '/') {
		c->js_slash = 1;
		return NULL;
	}
	if (is_ws(ch))
		return NULL;
	c->js_regex_ok = (ch == ')' || ch == ']') ? 0 : 1;
	return NULL;
}

static const char *js_step(struct tc *c, char ch)
{
	if (c->js_esc) {
		c->js_esc = 0;
		return NULL;
	}
	switch (c->js) {
	case TJ_CODE:
		return js_code(c, ch);
	case TJ_DQ:
	case TJ_SQ:
		if (ch == '\\')
			c->js_esc = 1;
		else if (ch == (c->js == TJ_DQ ? '"' : '\''))
			c->js = TJ_CODE, c->js_regex_ok = 0;
		return NULL;
	case TJ_TMPL:
		if (c->js_dollar) {
			c->js_dollar = 0;
			if (ch == '{')
				return "${…} in a script template literal is not supported";
		}
		if (ch == '\\')
			c->js_esc = 1;
		else if (ch == '`')
			c->js = TJ_CODE, c->js_regex_ok = 0;
		else if (ch == '$')
			c->js_dollar = 1;
		return NULL;
	case TJ_REGEX:
		if (ch == '\\')
			c->js_esc = 1;
		else if (ch == '[')
			c->js = TJ_REGEX_CLASS;
		else if (ch == '/')
			c->js = TJ_CODE, c->js_regex_ok = 0;
		return NULL;
	case TJ_REGEX_CLASS:
		if (ch == '\\')
			c->js_esc = 1;
		else if (ch == ']')
			c->js = TJ_REGEX;
		return NULL;
	case TJ_LINE_COMMENT:
		if (ch == '\n' || ch == '\r')
			c->js = TJ_CODE;
		return NULL;
	case TJ_BLOCK_COMMENT:
		if (c->js_star && ch == '/') {
			c->js = TJ_CODE;
			c->js_star = 0;
			return NULL;
		}
		c->js_star = ch == '*';
		return NULL;
	}
	return NULL;
}

static bool js_quiet(const struct tc *c)
{
	return c->js == TJ_CODE && !c->js_slash && !c->js_esc;
}

/* One character of content for the language of the element. */
static const char *lang_step(struct tc *c, char ch)
{
	if (c->state == TC_SCRIPT)
		return js_step(c, ch);
	if (c->state == TC_STYLE)
		return css_step(c, ch);
	return NULL;
}

/*
 * Raw content (script, style, title, textarea, raw-text elements) ends only
 * at "</name" followed by a space, '/' or '>'. While such a prefix is being
 * matched its characters are held back from the script or style machine,
 * then replayed if it turns out not to be the end tag.
 */
static const char *raw_step(struct tc *c, char ch)
{
	const char *why;

	if (c->em == 0) {
		if (ch == '<') {
			c->em = 1;
			return NULL;
		}
		return lang_step(c, ch);
	}
	if (c->em == 1) {
		if (ch == '/') {
			c->em = 2;
			return NULL;
		}
		if (ch == '!' && c->state == TC_SCRIPT)
			return "\"<!\" inside a script is not supported";
		c->em = 0;
		why = lang_step(c, '<');
		return why != NULL ? why : raw_step(c, ch);
	}
	{
		size_t k = (size_t)c->em - 2;

		if (k < c->tag_len && lower(ch) == c->tag[k]) {
			c->em++;
			return NULL;
		}
		if (k == c->tag_len && (is_ws(ch) || ch == '/' || ch == '>')) {
			/* a line comment may run up to the end tag; a string, block
			 * comment or regular expression left open is a broken script */
			if (c->state == TC_SCRIPT && !js_quiet(c) && c->js != TJ_LINE_COMMENT)
				return "the script ends inside a string, comment or regular "
				       "expression";
			if (c->state == TC_STYLE && (c->css != TS_CODE || c->css_esc))
				return "the style sheet ends inside a string or comment";
			reset(c, TC_BEFORE_ATTR);
			c->end_tag = 1;
			if (ch == '/')
				c->state = TC_SELF_CLOSE;
			else if (ch == '>')
				reset(c, TC_DATA);
			return NULL;
		}
		/* not the end tag: replay what was held back */
		c->em = 0;
		why = lang_step(c, '<');
		if (why == NULL)
			why = lang_step(c, '/');
		for (size_t i = 0; why == NULL && i < k; i++)
			why = lang_step(c, c->tag[i]);
		return why != NULL ? why : raw_step(c, ch);
	}
}

static const char *attr_name_start(struct tc *c, char ch)
{
	if (ch == '"' || ch == '\'' || ch == '<' || ch == '=' || ch == '`')
		return "a quote, '<', '=' or '`' where an attribute name should be";
	c->state = TC_ATTR_NAME;
	clear_name(c);
	return name_push(c, ch, "an attribute name longer than 32 characters");
}

static const char *value_char(struct tc *c, char ch, char quote)
{
	if (ch == quote) {
		if (c->attr == TA_CSS && (c->css != TS_CODE || c->css_esc))
			return "a style attribute ends inside a CSS string or comment";
		end_value(c);
		c->state = TC_AFTER_VALUE;
		return NULL;
	}
	if (c->attr == TA_URL && !is_ws(ch))
		c->url_part = 1;
	if (c->attr == TA_CSS) {
		if (ch == '&')
			return "a character reference in a style attribute is not supported";
		return css_step(c, ch);
	}
	return NULL;
}

static const char *comment_step(struct tc *c, char ch)
{
	enum { START, START_DASH, BODY, END_DASH, END, END_BANG };

	switch (c->cm) {
	case START:
	case START_DASH:
		if (ch == '>') {
			reset(c, TC_DATA);
			return NULL;
		}
		c->cm = ch == '-' ? (c->cm == START ? START_DASH : END) : BODY;
		return NULL;
	case BODY:
		if (ch == '-')
			c->cm = END_DASH;
		return NULL;
	case END_DASH:
		c->cm = ch == '-' ? END : BODY;
		return NULL;
	case END:
		if (ch == '>')
			reset(c, TC_DATA);
		else if (ch == '!')
			c->cm = END_BANG;
		else if (ch != '-')
			c->cm = BODY;
		return NULL;
	default: /* END_BANG */
		if (ch == '>')
			reset(c, TC_DATA);
		else
			c->cm = ch == '-' ? END_DASH : BODY;
		return NULL;
	}
}

static const char *step(struct tc *c, char ch)
{
	if (c->cut) {
		/* an attribute name ended at a template tag: the next character
		 * must not go on with it (a name split across a branch) */
		if (!(is_ws(ch) || ch == '/' || ch == '>'))
			return "an attribute name must be followed by a space, '/' or '>' after "
			       "a template tag";
		c->cut = 0;
	}
	switch ((enum tc_state)c->state) {
	case TC_DATA:
		if (ch == '<')
			c->state = TC_TAG_OPEN;
		return NULL;
	case TC_RCDATA:
	case TC_RAWTEXT:
	case TC_SCRIPT:
	case TC_STYLE:
		return raw_step(c, ch);
	case TC_TAG_OPEN:
		if (is_alpha(ch)) {
			c->state = TC_TAG_NAME;
			c->end_tag = 0;
			return name_push(c, ch, NULL);
		}
		if (ch == '!') {
			c->state = TC_MARKUP;
		} else if (ch == '/') {
			c->state = TC_END_OPEN;
		} else if (ch == '?') {
			c->state = TC_BOGUS;
		} else {
			c->state = TC_DATA;
			return step(c, ch);
		}
		return NULL;
	case TC_END_OPEN:
		if (is_alpha(ch)) {
			c->state = TC_TAG_NAME;
			c->end_tag = 1;
			return name_push(c, ch, NULL);
		}
		if (ch == '>')
			reset(c, TC_DATA);
		else
			c->state = TC_BOGUS;
		return NULL;
	case TC_TAG_NAME:
		if (is_ws(ch) || ch == '/' || ch == '>') {
			const char *why = end_tag_name(c);

			if (why != NULL)
				return why;
			c->state = TC_BEFORE_ATTR;
			return step(c, ch);
		}
		return name_push(c, ch, NULL);
	case TC_BEFORE_ATTR:
		if (is_ws(ch))
			return NULL;
		if (ch == '/') {
			c->state = TC_SELF_CLOSE;
			return NULL;
		}
		if (ch == '>') {
			close_tag(c);
			return NULL;
		}
		return attr_name_start(c, ch);
	case TC_ATTR_NAME:
		if (is_ws(ch)) {
			c->state = TC_AFTER_ATTR_NAME;
		} else if (ch == '/') {
			clear_name(c);
			c->state = TC_SELF_CLOSE;
		} else if (ch == '=') {
			c->state = TC_BEFORE_VALUE;
		} else if (ch == '>') {
			close_tag(c);
		} else if (ch == '"' || ch == '\'' || ch == '<' || ch == '`') {
			return "a quote, '<' or '`' in an attribute name";
		} else {
			return name_push(c, ch, "an attribute name longer than 32 characters");
		}
		return NULL;
	case TC_AFTER_ATTR_NAME:
		if (is_ws(ch))
			return NULL;
		if (ch == '=') {
			c->state = TC_BEFORE_VALUE;
			return NULL;
		}
		clear_name(c);
		c->state = TC_BEFORE_ATTR;
		return step(c, ch);
	case TC_BEFORE_VALUE:
		if (is_ws(ch))
			return NULL;
		if (ch == '"' || ch == '\'') {
			start_value(c, ch == '"' ? TC_VALUE_DQ : TC_VALUE_SQ);
			return NULL;
		}
		if (ch == '>') {
			clear_name(c);
			close_tag(c);
			return NULL;
		}
		start_value(c, TC_VALUE_UNQ);
		return step(c, ch);
	case TC_VALUE_DQ:
		return value_char(c, ch, '"');
	case TC_VALUE_SQ:
		return value_char(c, ch, '\'');
	case TC_VALUE_UNQ:
		if (is_ws(ch)) {
			end_value(c);
			c->state = TC_BEFORE_ATTR;
		} else if (ch == '>') {
			end_value(c);
			close_tag(c);
		} else if (ch == '"' || ch == '\'' || ch == '<' || ch == '=' || ch == '`') {
			return "a quote, '<', '=' or '`' in an unquoted attribute value";
		}
		return NULL;
	case TC_AFTER_VALUE:
		if (is_ws(ch)) {
			c->state = TC_BEFORE_ATTR;
			return NULL;
		}
		if (ch == '/') {
			c->state = TC_SELF_CLOSE;
			return NULL;
		}
		if (ch == '>') {
			close_tag(c);
			return NULL;
		}
		return "attributes must be separated by a space";
	case TC_SELF_CLOSE:
		if (ch == '>') {
			close_tag(c);
			return NULL;
		}
		c->state = TC_BEFORE_ATTR;
		return step(c, ch);
	case TC_MARKUP:
		if (ch == '-') {
			c->state = TC_MARKUP_DASH;
			return NULL;
		}
		c->state = TC_BOGUS;
		return step(c, ch);
	case TC_MARKUP_DASH:
		if (ch == '-') {
			c->state = TC_COMMENT;
			c->cm = 0;
			return NULL;
		}
		c->state = TC_BOGUS;
		return step(c, ch);
	case TC_COMMENT:
		return comment_step(c, ch);
	case TC_BOGUS:
		if (ch == '>')
			reset(c, TC_DATA);
		return NULL;
	}
	return "internal: unknown tokenizer state";
}

const char *tc_feed(struct tc *c, const char *p, size_t len, size_t *at)
{
	for (size_t i = 0; i < len; i++) {
		const char *why = step(c, p[i]);

		if (why != NULL) {
			*at = i;
			return why;
		}
	}
	return NULL;
}

bool tc_subst(const struct tc *c, enum tc_enc *enc, const char **why)
{
	switch ((enum tc_state)c->state) {
	case TC_DATA:
		*enc = TENC_TEXT;
		return true;
	case TC_RCDATA:
		if (c->em != 0)
			break;
		*enc = TENC_TEXT;
		return true;
	case TC_RAWTEXT:
		*why = "a substitution inside a raw-text element (iframe, noscript, xmp, …)";
		return false;
	case TC_SCRIPT:
		if (c->em == 0 && !c->js_esc &&
		    (c->js == TJ_DQ || c->js == TJ_SQ || (c->js == TJ_TMPL && !c->js_dollar))) {
			*enc = TENC_JS;
			return true;
		}
		*why = "a substitution in a script must stand inside a quoted string literal";
		return false;
	case TC_STYLE:
		if (c->em == 0 && (css_quiet(c) || ((c->css == TS_DQ || c->css == TS_SQ) &&
		                                    !c->css_esc && !c->css_url))) {
			*enc = TENC_CSS;
			return true;
		}
		*why = "a substitution in a style sheet inside a comment, escape or url()";
		return false;
	case TC_TAG_OPEN:
	case TC_END_OPEN:
	case TC_TAG_NAME:
		*why = "a substitution in a tag name";
		return false;
	case TC_BEFORE_ATTR:
	case TC_ATTR_NAME:
	case TC_AFTER_ATTR_NAME:
	case TC_AFTER_VALUE:
	case TC_SELF_CLOSE:
		*why = "a substitution where an attribute name stands";
		return false;
	case TC_BEFORE_VALUE:
	case TC_VALUE_UNQ:
		*why = "a substitution in an unquoted attribute value (quote the value)";
		return false;
	case TC_VALUE_DQ:
	case TC_VALUE_SQ:
		switch ((enum tc_attr)c->attr) {
		case TA_PLAIN:
			*enc = TENC_ATTR;
			return true;
		case TA_URL:
			*enc = c->url_part ? TENC_URL_PART : TENC_URL_START;
			return true;
		case TA_CSS:
			if (css_quiet(c) ||
			    ((c->css == TS_DQ || c->css == TS_SQ) && !c->css_esc && !c->css_url)) {
				*enc = TENC_CSS;
				return true;
			}
			*why = "a substitution in a style attribute inside a comment, escape or "
			       "url()";
			return false;
		case TA_UNSAFE:
			*why = "a substitution in an event-handler (on…), srcdoc, <script src> or "
			       "<meta content> attribute";
			return false;
		}
		break;
	case TC_MARKUP:
	case TC_MARKUP_DASH:
	case TC_COMMENT:
	case TC_BOGUS:
		*why = "a substitution inside a comment or <!…>";
		return false;
	}
	*why = "a substitution inside a partial end tag";
	return false;
}

void tc_after_subst(struct tc *c, enum tc_enc enc)
{
	if (enc == TENC_URL_START)
		c->url_part = 1;
	/* a value may end in letters: "url" then a '(' of the template */
	if (enc == TENC_CSS && c->css == TS_CODE)
		memcpy(c->css_word, "url", 4);
}

bool tc_raw_ok(const struct tc *c)
{
	return c->state == TC_DATA;
}

bool tc_control(struct tc *c, const char **why)
{
	switch ((enum tc_state)c->state) {
	case TC_TAG_OPEN:
	case TC_END_OPEN:
	case TC_TAG_NAME:
		*why = "a template tag inside a tag name";
		return false;
	case TC_VALUE_UNQ:
		*why = "a template tag inside an unquoted attribute value";
		return false;
	case TC_MARKUP:
	case TC_MARKUP_DASH:
	case TC_COMMENT:
	case TC_BOGUS:
		*why = "a template tag inside a comment or <!…>";
		return false;
	case TC_ATTR_NAME:
		/* <input {{#if c}}checked{{/if}}>: the name ends here, and the next
		 * character must end it in the browser's view too */
		clear_name(c);
		c->state = TC_BEFORE_ATTR;
		c->cut = 1;
		return true;
	default:
		return true;
	}
}

bool tc_join(const struct tc *a, const struct tc *b, struct tc *out)
{
	struct tc x = *a, y = *b;

	/* a URL value with and without static text before: component encoding
	 * is safe in both places */
	if (x.state == y.state && (x.state == TC_VALUE_DQ || x.state == TC_VALUE_SQ) &&
	    x.attr == TA_URL && y.attr == TA_URL)
		x.url_part = y.url_part = (uint8_t)(x.url_part | y.url_part);
	x.cut = y.cut = (uint8_t)(x.cut | y.cut);
	/* var n = {{#if a}}1{{else}}2{{/if}}: the last word read differs; take
	 * one that is no keyword (a '/' after it divides) */
	if (x.js_wlen != y.js_wlen || memcmp(x.js_word, y.js_word, sizeof(x.js_word)) != 0) {
		x.js_wlen = y.js_wlen = sizeof(x.js_word) + 1;
		memset(x.js_word, 0, sizeof(x.js_word));
		memset(y.js_word, 0, sizeof(y.js_word));
	}
	/* color: {{#if a}}red{{else}}blue{{/if}}: a word that may be "url" */
	if (memcmp(x.css_word, y.css_word, sizeof(x.css_word)) != 0) {
		memcpy(x.css_word, "url", 4);
		memcpy(y.css_word, "url", 4);
	}
	if (!tc_equal(&x, &y))
		return false;
	*out = x;
	return true;
}

bool tc_end_ok(const struct tc *c, const char **why)
{
	if (c->state == TC_DATA && !c->cut)
		return true;
	*why = "the template ends inside a tag, comment, script, style or raw-text element";
	return false;
}

/* ---- the URL scheme check ---- */

/* One character of v at *i as a browser reads an attribute value: a
 * character reference is decoded (numeric, and the named ones that spell a
 * scheme separator or whitespace). */
static uint32_t url_next(const char *p, size_t len, size_t *i)
{
	static const struct {
		const char *name;
		uint32_t cp;
	} named[] = {{"colon;", ':'}, {"tab;", '\t'},  {"newline;", '\n'},
	             {"sol;", '/'},   {"quest;", '?'}, {"num;", '#'}};
	unsigned char ch = (unsigned char)p[*i];

	if (ch != '&') {
		*i += 1;
		return ch;
	}
	if (*i + 1 < len && p[*i + 1] == '#') {
		size_t j = *i + 2;
		bool hex = j < len && (p[j] == 'x' || p[j] == 'X');
		uint32_t v = 0;
		size_t digits = 0;

		if (hex)
			j++;
		for (; j < len; j++, digits++) {
			char d = p[j];
			uint32_t dv;

			if (is_digit(d))
				dv = (uint32_t)(d - '0');
			else if (hex && lower(d) >= 'a' && lower(d) <= 'f')
				dv = (uint32_t)(lower(d) - 'a' + 10);
			else
				break;
			v = v > 0x10FFFF ? v : v * (hex ? 16u : 10u) + dv;
		}
		if (digits > 0) {
			if (j < len && p[j] == ';')
				j++;
			*i = j;
			return v > 0x10FFFF ? 0xFFFD : v;
		}
	}
	for (size_t k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
		size_t n = strlen(named[k].name);

		if (len - *i - 1 >= n) {
			size_t m = 0;

			while (m < n && lower(p[*i + 1 + m]) == named[k].name[m])
				m++;
			if (m == n) {
				*i += 1 + n;
				return named[k].cp;
			}
		}
	}
	*i += 1;
	return '&';
}

bool tc_url_safe(const char *p, size_t len)
{
	static const char *const allowed[] = {"http", "https", "mailto"};
	char scheme[8];
	size_t n = 0, i = 0;
	bool leading = true, too_long = false;

	while (i < len) {
		uint32_t cp = url_next(p, len, &i);

		if (cp == '\t' || cp == '\n' || cp == '\r')
			continue; /* the URL parser removes them anywhere */
		if (leading && cp <= 0x20)
			continue; /* and strips leading C0 controls and spaces */
		leading = false;
		if (cp == '/' || cp == '?' || cp == '#')
			return true; /* a relative reference */
		if (cp == ':') {
			if (too_long)
				return false;
			for (size_t k = 0; k < sizeof(allowed) / sizeof(allowed[0]); k++)
				if (strlen(allowed[k]) == n && memcmp(allowed[k], scheme, n) == 0)
					return true;
			return false;
		}
		if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
			return false;
		if (n < sizeof(scheme) && cp < 0x80)
			scheme[n++] = lower((char)cp);
		else
			too_long = true;
	}
	return true; /* no scheme: a relative path */
}
