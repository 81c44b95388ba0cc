/*
 * test_tmpl.c — the template engine: hostile values in every context with
 * the exact output expected, the placements it must refuse at compile time,
 * render errors (missing and mistyped values), if/each, partials, layouts,
 * the raw construct and thread-safe rendering of one set.
 */
#include "bw_test.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "bulwark/arena.h"
#include "bulwark/tmpl.h"

#define FFFD "\xEF\xBF\xBD"

static struct bw_tmpl_set *compile_n(const struct bw_tmpl_source *s, size_t n)
{
	struct bw_tmpl_set *set = NULL;
	struct bw_tmpl_error err;
	enum bw_err rc = bw_tmpl_compile(s, n, &set, &err);

	if (rc != BW_OK)
		fail_msg("compile: %s line %u: %s", err.name, err.line, err.message);
	return set;
}

static struct bw_tmpl_set *compile1(const char *text)
{
	struct bw_tmpl_source s = {"t", bw_str_c(text)};

	return compile_n(&s, 1);
}

/* Render "t" of set with vars; the output is a heap copy the caller frees. */
static char *render(const struct bw_tmpl_set *set, const char *name, const struct bw_tv *vars)
{
	struct bw_buf b;
	struct bw_tmpl_error err;
	enum bw_err rc;
	char *s;

	bw_buf_init(&b, 1 << 20);
	rc = bw_tmpl_render(set, name, vars, &b, &err);
	if (rc != BW_OK)
		fail_msg("render: %s %s line %u: %s", bw_err_str(rc), err.name, err.line,
		         err.message);
	s = strdup(bw_buf_cstr(&b));
	bw_buf_free(&b);
	return s;
}

/* One template with one string value v (given with its length). */
static void check_one(const char *tmpl, const char *v, size_t vlen, const char *want)
{
	struct bw_arena *a = bw_arena_new(1 << 16);
	struct bw_tmpl_set *set = compile1(tmpl);
	struct bw_tv *vars = bw_tv_record(a);
	char *got;

	bw_tv_put_str(vars, "v", (struct bw_str){v, vlen});
	got = render(set, "t", vars);
	if (strcmp(got, want) != 0)
		fail_msg("template %s\n value %s\n got  %s\n want %s", tmpl, v, got, want);
	free(got);
	bw_tmpl_set_free(set);
	bw_arena_free(a);
}

struct hostile {
	const char *tmpl;
	const char *in;
	size_t len; /* 0: strlen(in) */
	const char *out;
};

#define T_TEXT  "<p>{{v}}</p>"
#define T_ATTR  "<input value=\"{{v}}\">"
#define T_ATTRS "<input value='{{v}}'>"
#define T_URL   "<a href=\"{{v}}\">x</a>"
#define T_URLP  "<a href=\"/search?q={{v}}\">x</a>"
#define T_JS    "<script>var s = \"{{v}}\";</script>"
#define T_JSS   "<script>var s = '{{v}}';</script>"
#define T_JST   "<script>var s = `{{v}}`;</script>"
#define T_CSS   "<style>p { font-family: \"{{v}}\" }</style>"
#define T_CSSV  "<style>p { color: {{v}} }</style>"
#define T_STYLE "<p style=\"color: {{v}}\">x</p>"
#define T_TITLE "<title>{{v}}</title>"
#define T_AREA  "<textarea>{{v}}</textarea>"

#define BAD "about:invalid#bulwark"

static const struct hostile HOSTILE[] = {
        /* text */
        {T_TEXT, "<script>alert(1)</script>", 0, "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"},
        {T_TEXT, "\"onmouseover=alert(1)", 0, "<p>&quot;onmouseover=alert(1)</p>"},
        {T_TEXT, "' \" ` < > &", 0, "<p>&#x27; &quot; ` &lt; &gt; &amp;</p>"},
        {T_TEXT, "<!--", 0, "<p>&lt;!--</p>"},
        {T_TEXT, "&amp;", 0, "<p>&amp;amp;</p>"},
        {T_TEXT, "a\0b", 3, "<p>a" FFFD "b</p>"},
        {T_TEXT,
         "a\xC0\xBC"
         "b",
         0, "<p>a" FFFD FFFD "b</p>"},
        {T_TEXT, "caf\xC3\xA9", 0, "<p>caf\xC3\xA9</p>"},
        {T_TITLE, "</title><script>x</script>", 0,
         "<title>&lt;/title&gt;&lt;script&gt;x&lt;/script&gt;</title>"},
        {T_AREA, "</textarea><b>", 0, "<textarea>&lt;/textarea&gt;&lt;b&gt;</textarea>"},
        /* quoted attribute values */
        {T_ATTR, "\"onmouseover=alert(1)", 0, "<input value=\"&quot;onmouseover=alert(1)\">"},
        {T_ATTRS, "' onfocus='x", 0, "<input value='&#x27; onfocus=&#x27;x'>"},
        {T_ATTR, "<script>", 0, "<input value=\"&lt;script&gt;\">"},
        {T_ATTR, "` < > &", 0, "<input value=\"` &lt; &gt; &amp;\">"},
        {T_ATTR, "a\0b", 3, "<input value=\"a" FFFD "b\">"},
        {T_ATTR, "\xFF", 0, "<input value=\"" FFFD "\">"},
        /* URL attribute, whole value: the scheme is checked */
        {T_URL, "javascript:alert(1)", 0, "<a href=\"" BAD "\">x</a>"},
        {T_URL, "JaVaScRiPt:alert(1)", 0, "<a href=\"" BAD "\">x</a>"},
        {T_URL, " javascript:alert(1)", 0, "<a href=\"" BAD "\">x</a>"},
        {T_URL, "\x01\x02javascript:alert(1)", 0, "<a href=\"" BAD "\">x</a>"},
        {T_URL, "java\tscript:alert(1)", 0, "<a href=\"" BAD "\">x</a>"},
        {T_URL, "java\nscript:alert(1)", 0, "<a href=\"" BAD "\">x</a>"},
        {T_URL, "java\x01script:alert(1)", 0, "<a href=\"" BAD "\">x</a>"},
        {T_URL, "&#106;avascript:alert(1)", 0, "<a href=\"" BAD "\">x</a>"},
        {T_URL, "&#x6A;avascript&#x3A;alert(1)", 0, "<a href=\"" BAD "\">x</a>"},
        {T_URL, "&#0000106avascript:alert(1)", 0, "<a href=\"" BAD "\">x</a>"},
        {T_URL, "javascript&colon;alert(1)", 0, "<a href=\"" BAD "\">x</a>"},
        {T_URL, "data:text/html,<script>alert(1)</script>", 0, "<a href=\"" BAD "\">x</a>"},
        {T_URL, "vbscript:msgbox(1)", 0, "<a href=\"" BAD "\">x</a>"},
        {T_URL, "javascript\0:alert(1)", 21, "<a href=\"" BAD "\">x</a>"},
        {T_URL, "\xE2\x80\xA8javascript:x", 0, "<a href=\"" BAD "\">x</a>"},
        {T_URL, "https://example.com/a?b=c&d=\"e\"", 0,
         "<a href=\"https://example.com/a?b=c&amp;d=&quot;e&quot;\">x</a>"},
        {T_URL, "HTTP://x", 0, "<a href=\"HTTP://x\">x</a>"},
        {T_URL, "mailto:a@b", 0, "<a href=\"mailto:a@b\">x</a>"},
        {T_URL, "/account?x=1", 0, "<a href=\"/account?x=1\">x</a>"},
        {T_URL, "#top", 0, "<a href=\"#top\">x</a>"},
        {T_URL, "\" onclick=\"x", 0, "<a href=\"&quot; onclick=&quot;x\">x</a>"},
        /* URL attribute after static text: a URL component */
        {T_URLP, "javascript:alert(1)", 0, "<a href=\"/search?q=javascript%3Aalert%281%29\">x</a>"},
        {T_URLP, "a&b=c #\"'<>", 0, "<a href=\"/search?q=a%26b%3Dc%20%23%22%27%3C%3E\">x</a>"},
        {T_URLP, "\xC3\xA9", 0, "<a href=\"/search?q=%C3%A9\">x</a>"},
        /* JavaScript string literals */
        {T_JS, "</script><script>alert(1)</script>", 0,
         "<script>var s = \"\\x3C\\x2Fscript\\x3E\\x3Cscript\\x3Ealert\\x281\\x29\\x3C\\x2F"
         "script\\x3E\";</script>"},
        {T_JS, "\"; alert(1); \"", 0,
         "<script>var s = \"\\x22\\x3B\\x20alert\\x281\\x29\\x3B\\x20\\x22\";</script>"},
        {T_JSS, "'\\", 0, "<script>var s = '\\x27\\x5C';</script>"},
        {T_JST, "${alert(1)}`", 0,
         "<script>var s = `\\x24\\x7Balert\\x281\\x29\\x7D\\x60`;</script>"},
        {T_JS,
         "a\xE2\x80\xA8"
         "b\xE2\x80\xA9"
         "c",
         0, "<script>var s = \"a\\u2028b\\u2029c\";</script>"},
        {T_JS, "<!--", 0, "<script>var s = \"\\x3C\\x21\\x2D\\x2D\";</script>"},
        {T_JS, "a\0b", 3, "<script>var s = \"a\\x00b\";</script>"},
        {T_JS, "\xC0", 0, "<script>var s = \"\\uFFFD\";</script>"},
        /* CSS */
        {T_CSS, "\"}</style><script>x</script>", 0,
         "<style>p { font-family: \"\\22 \\7D \\3C \\2F style\\3E \\3C script\\3E x\\3C \\2F "
         "script\\3E \" }</style>"},
        {T_CSSV, "red;background:url(javascript:x)", 0,
         "<style>p { color: red\\3B background\\3A url\\28 javascript\\3A x\\29  }</style>"},
        {T_STYLE, "red\" onclick=\"x", 0,
         "<p style=\"color: red\\22 \\20 onclick\\3D \\22 x\">x</p>"},
        {T_STYLE, "expression(alert(1))", 0,
         "<p style=\"color: expression\\28 alert\\28 1\\29 \\29 \">x</p>"},
        {T_CSS, "a\0", 2, "<style>p { font-family: \"a\\FFFD \" }</style>"},
};

static void hostile_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(HOSTILE) / sizeof(HOSTILE[0]); i++) {
		const struct hostile *h = &HOSTILE[i];

		check_one(h->tmpl, h->in, h->len ? h->len : strlen(h->in), h->out);
	}
}

/* URL attributes by name: every one of them checks the scheme. */
static void url_attributes(void **state)
{
	static const char *const tmpls[] = {
	        "<a href=\"{{v}}\"></a>",           "<img src=\"{{v}}\">",
	        "<form action=\"{{v}}\"></form>",   "<button formaction=\"{{v}}\"></button>",
	        "<iframe src=\"{{v}}\"></iframe>",  "<object data=\"{{v}}\"></object>",
	        "<video poster=\"{{v}}\"></video>", "<q cite=\"{{v}}\"></q>",
	        "<a xlink:href=\"{{v}}\"></a>",     "<img srcset=\"{{v}}\">",
	        "<x data-url=\"{{v}}\"></x>",       "<a HREF=\"{{v}}\"></a>",
	        "<a ping=\"{{v}}\"></a>",           "<html manifest=\"{{v}}\"></html>",
	        "<a href = '{{v}}'></a>",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(tmpls) / sizeof(tmpls[0]); i++) {
		struct bw_arena *a = bw_arena_new(1 << 16);
		struct bw_tmpl_set *set = compile1(tmpls[i]);
		struct bw_tv *vars = bw_tv_record(a);
		char *got;

		bw_tv_put_cstr(vars, "v", "javascript:alert(1)");
		got = render(set, "t", vars);
		if (strstr(got, BAD) == NULL || strstr(got, "javascript") != NULL)
			fail_msg("%s gave %s", tmpls[i], got);
		free(got);
		bw_tmpl_set_free(set);
		bw_arena_free(a);
	}
}

struct bad {
	const char *tmpl;
	unsigned line;
	const char *msg; /* a part of the message */
};

static const struct bad BAD_TEMPLATES[] = {
        {"<{{v}}>", 1, "tag name"},
        {"<a{{v}}>", 1, "tag name"},
        {"</{{v}}>", 1, "tag name"},
        {"<a {{v}}>", 1, "attribute name"},
        {"<a x{{v}}=1>", 1, "attribute name"},
        {"<a href={{v}}>", 1, "unquoted"},
        {"<a title=x{{v}}>", 1, "unquoted"},
        {"<a onclick=\"f('{{v}}')\">", 1, "event-handler"},
        {"<a ONMOUSEOVER=\"{{v}}\">", 1, "event-handler"},
        {"<iframe srcdoc=\"{{v}}\">", 1, "srcdoc"},
        {"<script src=\"{{v}}\"></script>", 1, "<script src>"},
        {"<SCRIPT nonce=\"n\" SRC=\"/x/{{v}}\"></script>", 1, "<script src>"},
        {"<meta http-equiv=\"refresh\" content=\"0; url={{v}}\">", 1, "<meta content>"},
        {"<script>var x = {{v}};</script>", 1, "quoted string"},
        {"<script>{{v}}</script>", 1, "quoted string"},
        {"<script>// \"{{v}}\"\n</script>", 1, "quoted string"},
        {"<script>/* '{{v}}' */</script>", 1, "quoted string"},
        {"<script>x = /'{{v}}/;</script>", 1, "quoted string"},
        {"<script>`${a}`</script>", 1, "template literal"},
        {"<script>var s = \"</script>\";", 1, "inside a string"},
        {"<script>/* x </script>", 1, "inside a string"},
        {"<script>x = /a</script>", 1, "inside a string"},
        {"<script><!-- x</script>", 1, "<!"},
        {"<!-- {{v}} -->", 1, "comment"},
        {"<!doctype {{v}}>", 1, "comment"},
        {"<style>/* {{v}} */</style>", 1, "comment"},
        {"<style>a { background: url({{v}}) }</style>", 1, "url()"},
        {"<style>a { background: url(\"{{v}}\") }</style>", 1, "url()"},
        {"<p style=\"background: url({{v}})\">", 1, "url()"},
        {"<p style=\"a:&quot;{{v}}\">", 1, "character reference"},
        {"<noscript>{{v}}</noscript>", 1, "raw-text"},
        {"<xmp>{{v}}</xmp>", 1, "raw-text"},
        {"<svg><style>{{v}}</style></svg>", 1, "foreign content"},
        {"<p>\n\n<{{v}}", 3, "tag name"},
        {"<p>{{raw v}}</p><a title=\"{{raw v}}\">", 1, "raw"},
        {"<script>'{{raw v}}'</script>", 1, "raw"},
        {"<p>{{v</p>", 1, "closing"},
        {"{{#if x}}<p>", 1, "ends before {{/if}}"},
        {"{{/if}}", 1, "unexpected {{/if}}"},
        {"{{else}}", 1, "unexpected {{else}}"},
        {"{{#each xs}}{{/each}}", 1, "#each list as item"},
        {"{{#if x}}<a href=\"{{else}}<b>{{/if}}", 1, "different HTML contexts"},
        {"{{#each xs as x}}<a title=\"{{/each}}", 1, "another HTML context"},
        {"<input {{#if c}}ched{{/if}}ked>", 1, "followed by a space"},
        {"<a hr{{#if c}}ef{{/if}}=\"{{v}}\">", 1, "attribute name"},
        {"<a {{#if c}}href{{else}}title{{/if}}=\"{{v}}\">", 1, "followed by a space"},
        {"<sc{{#if c}}ript{{/if}}>", 1, "tag name"},
        {"<a href=x{{#if c}}y{{/if}}>", 1, "unquoted"},
        {"<!-- {{#if c}} -->{{/if}}", 1, "comment"},
        {"<p>{{raw}}</p>", 1, "raw"},
        {"<p>{{else x}}</p>", 1, "unexpected text"},
        {"<p>{{a..b}}</p>", 1, "not a template tag"},
        {"<p>{{ a b }}</p>", 1, "not a template tag"},
        {"<p>{{> nope}}</p>", 1, "no template named"},
        {"<p>{{> t}}</p>", 1, "includes itself"},
        {"<div", 1, "ends inside a tag"},
        {"<script>", 1, "ends inside"},
        {"<a title=\"x\"title=\"y\">", 1, "separated by a space"},
        {"<a \"x\">", 1, "attribute name"},
        {"<plaintext>", 1, "plaintext"},
        {"<p>\n{{#extends t}}", 2, "first tag"},
        {"{{#extends nope}}", 1, "no template named"},
};

static void compile_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(BAD_TEMPLATES) / sizeof(BAD_TEMPLATES[0]); i++) {
		const struct bad *b = &BAD_TEMPLATES[i];
		struct bw_tmpl_source s = {"t", bw_str_c(b->tmpl)};
		struct bw_tmpl_set *set = NULL;
		struct bw_tmpl_error err;
		enum bw_err rc = bw_tmpl_compile(&s, 1, &set, &err);

		if (rc == BW_OK)
			fail_msg("compiled: %s", b->tmpl);
		assert_null(set);
		if (strcmp(err.name, "t") != 0 || err.line != b->line ||
		    strstr(err.message, b->msg) == NULL)
			fail_msg("%s: got %s line %u \"%s\", want line %u \"%s\"", b->tmpl,
			         err.name, err.line, err.message, b->line, b->msg);
	}
}

/* Bytes a source may not hold, and names, limits and duplicates. */
static void compile_refuses_sources(void **state)
{
	struct bw_tmpl_set *set = NULL;
	struct bw_tmpl_error err;
	struct bw_tmpl_source nul = {"p", {"a\nb\0c", 5}};
	struct bw_tmpl_source utf = {"q", bw_str_c("a\n\nb\xC0\xAF")};
	struct bw_tmpl_source names[] = {{"a", BW_STR("x")}, {"a", BW_STR("y")}};
	struct bw_tmpl_source badname = {"a/b", BW_STR("x")};
	char *big = calloc(1, BW_TMPL_MAX_SOURCE + 2);
	struct bw_tmpl_source huge;

	(void)state;
	assert_int_equal(bw_tmpl_compile(&nul, 1, &set, &err), BW_ERR_INVALID);
	assert_string_equal(err.name, "p");
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.message, "NUL"));
	assert_int_equal(bw_tmpl_compile(&utf, 1, &set, &err), BW_ERR_INVALID);
	assert_int_equal(err.line, 3);
	assert_non_null(strstr(err.message, "UTF-8"));
	assert_int_equal(bw_tmpl_compile(names, 2, &set, &err), BW_ERR_INVALID);
	assert_non_null(strstr(err.message, "two templates"));
	assert_int_equal(bw_tmpl_compile(&badname, 1, &set, &err), BW_ERR_INVALID);
	assert_non_null(big);
	memset(big, 'a', BW_TMPL_MAX_SOURCE + 1);
	huge = (struct bw_tmpl_source){"h", {big, BW_TMPL_MAX_SOURCE + 1}};
	assert_int_equal(bw_tmpl_compile(&huge, 1, &set, &err), BW_ERR_LIMIT);
	assert_null(set);
	free(big);
}

static void nesting_limit(void **state)
{
	struct bw_buf b;
	struct bw_tmpl_set *set = NULL;
	struct bw_tmpl_error err;
	struct bw_tmpl_source s;

	(void)state;
	bw_buf_init(&b, 1 << 16);
	for (int i = 0; i < BW_TMPL_MAX_DEPTH + 1; i++)
		assert_int_equal(bw_buf_append_c(&b, "{{#if x}}"), BW_OK);
	for (int i = 0; i < BW_TMPL_MAX_DEPTH + 1; i++)
		assert_int_equal(bw_buf_append_c(&b, "{{/if}}"), BW_OK);
	s = (struct bw_tmpl_source){"deep", bw_buf_str(&b)};
	assert_int_equal(bw_tmpl_compile(&s, 1, &set, &err), BW_ERR_LIMIT);
	assert_non_null(strstr(err.message, "nesting"));
	bw_buf_free(&b);
}

/* Render-time errors: a missing or mistyped variable is never "". */
static void render_errors(void **state)
{
	static const struct {
		const char *tmpl;
		const char *msg;
	} cases[] = {
	        {"<p>\n{{missing}}</p>", "{{missing}}: missing variable"},
	        {"<p>{{user.email}}</p>", "{{user.email}}: missing variable"},
	        {"<p>{{name.x}}</p>", "{{name.x}}: not a record"},
	        {"{{#if missing}}x{{/if}}", "missing variable"},
	        {"{{#each name as x}}{{/each}}", "not a list"},
	        {"<p>{{flag}}</p>", "not a string"},
	        {"<p>{{html}}</p>", "{{raw}}"},
	        {"<p>{{raw name}}</p>", "trusted HTML"},
	        {"<p>{{list}}</p>", "not a string"},
	};
	struct bw_arena *a = bw_arena_new(1 << 16);
	struct bw_tv *vars = bw_tv_record(a);
	struct bw_buf b;

	(void)state;
	bw_tv_put_cstr(vars, "name", "n");
	bw_tv_put_bool(vars, "flag", true);
	bw_tv_put_html(vars, "html", BW_STR("<b>x</b>"));
	bw_tv_put(vars, "list", bw_tv_list(a));
	bw_buf_init(&b, 4096);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bw_tmpl_set *set = compile1(cases[i].tmpl);
		struct bw_tmpl_error err;

		bw_buf_reset(&b);
		assert_int_equal(bw_tmpl_render(set, "t", vars, &b, &err), BW_ERR_INVALID);
		assert_string_equal(err.name, "t");
		if (strstr(err.message, cases[i].msg) == NULL)
			fail_msg("%s: %s", cases[i].tmpl, err.message);
		bw_tmpl_set_free(set);
	}
	{
		struct bw_tmpl_set *set = compile1("<p>\n{{missing}}</p>");
		struct bw_tmpl_error err;

		assert_int_equal(bw_tmpl_render(set, "t", vars, &b, &err), BW_ERR_INVALID);
		assert_int_equal(err.line, 2);
		assert_int_equal(bw_tmpl_render(set, "nope", vars, &b, &err), BW_ERR_NOT_FOUND);
		assert_int_equal(bw_tmpl_render(set, "t", NULL, &b, &err), BW_ERR_NOMEM);
		bw_tmpl_set_free(set);
	}
	bw_buf_free(&b);
	bw_arena_free(a);
}

/* A full arena marks the tree failed: the render refuses, it never prints
 * a page with a value silently missing. */
static void failed_values(void **state)
{
	struct bw_arena *a = bw_arena_new(600);
	struct bw_tmpl_set *set = compile1("<p>{{a}}</p>");
	struct bw_tv *vars = bw_tv_record(a);
	struct bw_tmpl_error err;
	struct bw_buf b;
	char big[1024];

	(void)state;
	assert_non_null(vars);
	memset(big, 'x', sizeof(big));
	bw_tv_put_cstr(vars, "a", "ok");
	bw_tv_put_str(vars, "b", (struct bw_str){big, sizeof(big)});
	bw_buf_init(&b, 4096);
	assert_int_equal(bw_tmpl_render(set, "t", vars, &b, &err), BW_ERR_NOMEM);
	bw_buf_free(&b);
	bw_tmpl_set_free(set);
	bw_arena_free(a);
}

static void output_cap(void **state)
{
	struct bw_arena *a = bw_arena_new(1 << 16);
	struct bw_tmpl_set *set = compile1("<p>{{a}}</p>");
	struct bw_tv *vars = bw_tv_record(a);
	struct bw_tmpl_error err;
	struct bw_buf b;

	(void)state;
	bw_tv_put_cstr(vars, "a", "<<<<<<<<<<");
	bw_buf_init(&b, 16);
	assert_int_equal(bw_tmpl_render(set, "t", vars, &b, &err), BW_ERR_LIMIT);
	bw_buf_free(&b);
	bw_tmpl_set_free(set);
	bw_arena_free(a);
}

static void if_each(void **state)
{
	struct bw_arena *a = bw_arena_new(1 << 16);
	struct bw_tmpl_set *set = compile1(
	        "{{#if show}}yes{{else}}no{{/if}}|{{#if !show}}neg{{/if}}|"
	        "{{#if items}}has{{/if}}{{#if none}}{{else}}empty{{/if}}|"
	        "<ul>{{#each items as it}}<li class=\"{{it.cls}}\">{{it.name}}:{{title}}"
	        "{{#each it.tags as tag}}[{{tag}}]{{/each}}</li>{{else}}nothing{{/each}}</ul>"
	        "{{#each none as x}}{{x}}{{else}}(none){{/each}}|"
	        "{{#if s}}str{{/if}}{{#if e}}{{else}}nostr{{/if}}|{{! a comment }}"
	        "<input type=\"checkbox\" {{#if show}}checked{{/if}}>"
	        "<input {{#if !show}}disabled{{/if}} name=\"n\">");
	struct bw_tv *vars = bw_tv_record(a), *items = bw_tv_list(a), *it;
	struct bw_tv *tags = bw_tv_list(a);
	char *got;

	(void)state;
	bw_tv_put_bool(vars, "show", true);
	bw_tv_put_cstr(vars, "title", "T&");
	bw_tv_put_cstr(vars, "s", "x");
	bw_tv_put_cstr(vars, "e", "");
	it = bw_tv_record(a);
	bw_tv_put_cstr(it, "name", "<one>");
	bw_tv_put_cstr(it, "cls", "a b");
	bw_tv_append_str(tags, BW_STR("t1"));
	bw_tv_append_str(tags, BW_STR("<t2>"));
	bw_tv_put(it, "tags", tags);
	bw_tv_append(items, it);
	it = bw_tv_record(a);
	bw_tv_put_cstr(it, "name", "two");
	bw_tv_put_int(it, "cls", -42);
	bw_tv_put(it, "tags", bw_tv_list(a));
	bw_tv_append(items, it);
	bw_tv_put(vars, "items", items);
	bw_tv_put(vars, "none", bw_tv_list(a));
	got = render(set, "t", vars);
	assert_string_equal(got, "yes||hasempty|<ul><li class=\"a b\">&lt;one&gt;:T&amp;[t1][&lt;"
	                         "t2&gt;]</li><li class=\"-42\">two:T&amp;</li></ul>(none)|"
	                         "strnostr|<input type=\"checkbox\" checked><input  name=\"n\">");
	free(got);
	/* the same key again replaces the value */
	bw_tv_put_bool(vars, "show", false);
	got = render(set, "t", vars);
	assert_non_null(strstr(got, "no|neg|"));
	assert_non_null(strstr(got, "<input type=\"checkbox\" >"));
	free(got);
	bw_tmpl_set_free(set);
	bw_arena_free(a);
}

/* An each inside a URL attribute: the first item starts the URL (checked),
 * later ones are parts; the engine uses component encoding for all. */
static void each_in_url(void **state)
{
	struct bw_arena *a = bw_arena_new(1 << 16);
	struct bw_tmpl_set *set = compile1("<a href=\"{{#each xs as x}}{{x}}{{/each}}\">l</a>");
	struct bw_tv *vars = bw_tv_record(a), *xs = bw_tv_list(a);
	char *got;

	(void)state;
	bw_tv_append_str(xs, BW_STR("javascript:"));
	bw_tv_append_str(xs, BW_STR("alert(1)"));
	bw_tv_put(vars, "xs", xs);
	got = render(set, "t", vars);
	assert_string_equal(got, "<a href=\"javascript%3Aalert%281%29\">l</a>");
	free(got);
	bw_tmpl_set_free(set);
	bw_arena_free(a);
}

/* Branches that end in different words of script or CSS code still join. */
static void branches_in_code(void **state)
{
	struct bw_arena *a = bw_arena_new(1 << 16);
	struct bw_tmpl_set *set =
	        compile1("<script>var n = {{#if t}}1{{else}}22{{/if}}, s = \"{{v}}\";</script>"
	                 "<style>p { color: {{#if t}}red{{else}}blue{{/if}}; font-family: "
	                 "\"{{v}}\" }</style>"
	                 "<p style=\"color: {{#if t}}red{{else}}blue{{/if}}\">x</p>");
	struct bw_tv *vars = bw_tv_record(a);
	struct bw_tmpl_source bad = {
	        "t",
	        BW_STR("<style>p { background: {{#if t}}url{{else}}x{{/if}}({{v}}) }</style>")};
	struct bw_tmpl_set *none = NULL;
	struct bw_tmpl_error err;
	char *got;

	(void)state;
	bw_tv_put_bool(vars, "t", true);
	bw_tv_put_cstr(vars, "v", "\"");
	got = render(set, "t", vars);
	assert_string_equal(got, "<script>var n = 1, s = \"\\x22\";</script>"
	                         "<style>p { color: red; font-family: \"\\22 \" }</style>"
	                         "<p style=\"color: red\">x</p>");
	free(got);
	/* a word that might be url( still guards the parenthesis */
	assert_int_equal(bw_tmpl_compile(&bad, 1, &none, &err), BW_ERR_INVALID);
	assert_non_null(strstr(err.message, "url()"));
	bw_tmpl_set_free(set);
	bw_arena_free(a);
}

static void raw_construct(void **state)
{
	struct bw_arena *a = bw_arena_new(1 << 16);
	struct bw_tmpl_set *set = compile1("<div>{{raw qr}}</div><p>{{qr_text}}</p>");
	struct bw_tv *vars = bw_tv_record(a);
	char *got;

	(void)state;
	bw_tv_put_html(vars, "qr", BW_STR("<svg><rect/></svg>"));
	bw_tv_put_cstr(vars, "qr_text", "<svg>");
	got = render(set, "t", vars);
	assert_string_equal(got, "<div><svg><rect/></svg></div><p>&lt;svg&gt;</p>");
	free(got);
	bw_tmpl_set_free(set);
	bw_arena_free(a);
}

static void nonce_and_script(void **state)
{
	struct bw_arena *a = bw_arena_new(1 << 16);
	struct bw_tmpl_set *set =
	        compile1("<style nonce=\"{{csp_nonce}}\">p{}</style>"
	                 "<script nonce=\"{{csp_nonce}}\">var a = 1 / 2, r = /\"x'/g; // \"\n"
	                 "function f() { return /'/; }\n"
	                 "if (a) { b = \"{{v}}\"; } // done</script><p>{{v}}</p>");
	struct bw_tv *vars = bw_tv_record(a);
	char *got;

	(void)state;
	bw_tv_put_cstr(vars, "csp_nonce", "AbC-_1");
	bw_tv_put_cstr(vars, "v", "x\"");
	got = render(set, "t", vars);
	assert_string_equal(got, "<style nonce=\"AbC-_1\">p{}</style>"
	                         "<script nonce=\"AbC-_1\">var a = 1 / 2, r = /\"x'/g; "
	                         "// \"\nfunction f() { return /'/; }\nif (a) { b = \"x\\x22\"; "
	                         "} // done</script><p>x&quot;</p>");
	free(got);
	bw_tmpl_set_free(set);
	bw_arena_free(a);
}

static void partials_and_layout(void **state)
{
	struct bw_tmpl_source src[] = {
	        {"layout", BW_STR("<!doctype html><title>{{#block title}}bulwark{{/block}}"
	                          "</title><main>{{#block content}}{{/block}}</main>"
	                          "{{> footer}}")},
	        {"footer", BW_STR("<footer>{{version}}</footer>")},
	        {"page", BW_STR("{{! a page }}\n{{#extends layout}}\n"
	                        "{{#block title}}Sign in{{/block}}\n"
	                        "{{#block content}}<p>{{msg}}</p>{{> field}}{{/block}}\n")},
	        {"field", BW_STR("<input name=\"{{name}}\">")},
	        {"attrs", BW_STR("{{#block content}}{{/block}}")},
	};
	struct bw_tmpl_set *set = compile_n(src, 5);
	struct bw_arena *a = bw_arena_new(1 << 16);
	struct bw_tv *vars = bw_tv_record(a);
	char *got;

	(void)state;
	bw_tv_put_cstr(vars, "msg", "<hi>");
	bw_tv_put_cstr(vars, "name", "e\"mail");
	bw_tv_put_cstr(vars, "version", "0.1");
	assert_true(bw_tmpl_has(set, "page"));
	assert_false(bw_tmpl_has(set, "nope"));
	got = render(set, "page", vars);
	assert_string_equal(got, "<!doctype html><title>Sign in</title><main><p>&lt;hi&gt;</p>"
	                         "<input name=\"e&quot;mail\"></main><footer>0.1</footer>");
	free(got);
	got = render(set, "layout", vars);
	assert_string_equal(got, "<!doctype html><title>bulwark</title><main></main>"
	                         "<footer>0.1</footer>");
	free(got);
	bw_tmpl_set_free(set);
	bw_arena_free(a);
}

/* A block takes the context of the place in the layout it fills. */
static void block_context(void **state)
{
	struct bw_tmpl_source src[] = {
	        {"layout", BW_STR("<script>var s = '{{#block js}}{{/block}}';</script>")},
	        {"page", BW_STR("{{#extends layout}}{{#block js}}{{v}}{{/block}}")},
	};
	struct bw_tmpl_source bad[] = {
	        {"layout", BW_STR("<script>var s = {{#block js}}{{/block}};</script>")},
	        {"page", BW_STR("{{#extends layout}}{{#block js}}{{v}}{{/block}}")},
	};
	struct bw_tmpl_source other[][2] = {
	        {{"layout", BW_STR("<p>{{#block a}}{{/block}}</p>")},
	         {"page", BW_STR("{{#extends layout}}<b>{{#block a}}{{/block}}")}},
	        {{"layout", BW_STR("<p>{{#block a}}{{/block}}</p>")},
	         {"page", BW_STR("{{#extends layout}}{{#block b}}{{/block}}")}},
	        {{"layout", BW_STR("{{#extends page}}")},
	         {"page", BW_STR("{{#extends layout}}{{#block b}}{{/block}}")}},
	        {{"layout", BW_STR("<p>{{#block a}}{{/block}}</p>")},
	         {"page",
	          BW_STR("{{#extends layout}}{{#block a}}{{/block}}{{#block a}}{{/block}}")}},
	        {{"layout", BW_STR("<p>{{#block a}}{{/block}}</p>")},
	         {"page", BW_STR("{{#extends layout}}{{#block a}}<a href=\"{{/block}}")}},
	};
	static const char *const other_msg[] = {"only {{#block}}", "not in layout", "extend",
	                                        "defined twice", "ends inside a tag"};
	struct bw_tmpl_set *set = compile_n(src, 2), *none = NULL;
	struct bw_arena *a = bw_arena_new(1 << 16);
	struct bw_tv *vars = bw_tv_record(a);
	struct bw_tmpl_error err;
	char *got;

	(void)state;
	bw_tv_put_cstr(vars, "v", "';alert(1)//");
	got = render(set, "page", vars);
	assert_string_equal(got,
	                    "<script>var s = '\\x27\\x3Balert\\x281\\x29\\x2F\\x2F';</script>");
	free(got);
	assert_int_equal(bw_tmpl_compile(bad, 2, &none, &err), BW_ERR_INVALID);
	assert_string_equal(err.name, "page");
	assert_non_null(strstr(err.message, "quoted string"));
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		assert_int_equal(bw_tmpl_compile(other[i], 2, &none, &err), BW_ERR_INVALID);
		if (strstr(err.message, other_msg[i]) == NULL)
			fail_msg("case %zu: %s line %u: %s", i, err.name, err.line, err.message);
	}
	bw_tmpl_set_free(set);
	bw_arena_free(a);
}

static void include_cycle(void **state)
{
	struct bw_tmpl_source src[] = {
	        {"a", BW_STR("<p>{{> b}}</p>")},
	        {"b", BW_STR("<i>{{> a}}</i>")},
	};
	struct bw_tmpl_set *set = NULL;
	struct bw_tmpl_error err;

	(void)state;
	assert_int_equal(bw_tmpl_compile(src, 2, &set, &err), BW_ERR_INVALID);
	assert_non_null(strstr(err.message, "includes itself"));
}

/* One set, many threads rendering at once, each with its own values. */
struct job {
	const struct bw_tmpl_set *set;
	int id;
	int bad;
};

static void *render_many(void *arg)
{
	struct job *j = arg;

	for (int i = 0; i < 500; i++) {
		struct bw_arena *a = bw_arena_new(1 << 14);
		struct bw_tv *vars = bw_tv_record(a);
		struct bw_buf b;
		char want[64];

		bw_tv_put_int(vars, "v", j->id * 1000 + i);
		bw_buf_init(&b, 4096);
		snprintf(want, sizeof(want), "<p>%d</p>", j->id * 1000 + i);
		if (bw_tmpl_render(j->set, "t", vars, &b, NULL) != BW_OK ||
		    strcmp(bw_buf_cstr(&b), want) != 0)
			j->bad++;
		bw_buf_free(&b);
		bw_arena_free(a);
	}
	return NULL;
}

static void threads(void **state)
{
	struct bw_tmpl_set *set = compile1("<p>{{v}}</p>");
	pthread_t th[4];
	struct job jobs[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		jobs[i] = (struct job){set, i, 0};
		assert_int_equal(pthread_create(&th[i], NULL, render_many, &jobs[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(jobs[i].bad, 0);
	}
	bw_tmpl_set_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(hostile_values),   cmocka_unit_test(url_attributes),
	        cmocka_unit_test(compile_errors),   cmocka_unit_test(compile_refuses_sources),
	        cmocka_unit_test(nesting_limit),    cmocka_unit_test(render_errors),
	        cmocka_unit_test(failed_values),    cmocka_unit_test(output_cap),
	        cmocka_unit_test(if_each),          cmocka_unit_test(each_in_url),
	        cmocka_unit_test(branches_in_code), cmocka_unit_test(raw_construct),
	        cmocka_unit_test(nonce_and_script), cmocka_unit_test(partials_and_layout),
	        cmocka_unit_test(block_context),    cmocka_unit_test(include_cycle),
	        cmocka_unit_test(threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
