/*
 * fuzz_tmpl.c — the template compiler (lexer, parser, HTML context machine)
 * and the renderer. The input is up to four templates named a, b, c, d,
 * separated by a line "%%"; each that compiles is rendered twice with a fixed
 * value tree of hostile strings, once with the marker "<zq>" in them and once
 * with "_zq_". Properties: no crash or leak; the marked render holds no more
 * "<zq>" than the other (a value never leaves its encoding, whatever context
 * the fuzzer puts it in); a failed compile or render always names a template.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/arena.h"
#include "bulwark/tmpl.h"

/* The hostile string, around a marker: "<zq>" in the first render, "_zq_"
 * in the second; every other byte is the same. */
#define HOSTILE(m)                                                                        \
	m "\"'`&<!--</script></style></title>javascript:alert(1)\xE2\x80\xA8\xE2\x80\xA9" \
	  "${x}\\u003c\r\n\t\x01"

static struct bw_tv *values(struct bw_arena *a, bool marked)
{
	const char *hostile = marked ? HOSTILE("<zq>") : HOSTILE("_zq_");
	struct bw_tv *v = bw_tv_record(a), *l = bw_tv_list(a), *r = bw_tv_record(a);
	struct bw_tv *strs = bw_tv_list(a);

	bw_tv_put_cstr(v, "s", hostile);
	bw_tv_put_cstr(v, "u", "javascript:zzbad");
	bw_tv_put_cstr(v, "e", "");
	bw_tv_put_str(v, "n", (struct bw_str){"a\0\xC0\xFF", 4});
	bw_tv_put_bool(v, "t", true);
	bw_tv_put_bool(v, "f", false);
	bw_tv_put_html(v, "h", BW_STR("<b>trusted</b>"));
	bw_tv_put_cstr(r, "s", hostile);
	bw_tv_put_bool(r, "t", true);
	bw_tv_put(v, "r", r);
	for (int i = 0; i < 3; i++) {
		struct bw_tv *it = bw_tv_record(a);

		bw_tv_put_cstr(it, "s", hostile);
		bw_tv_put_int(it, "i", i);
		bw_tv_put(it, "r", r);
		bw_tv_append(l, it);
		bw_tv_append_str(strs, bw_str_c(hostile));
	}
	bw_tv_put(v, "l", l);
	bw_tv_put(v, "ls", strs);
	bw_tv_put(v, "empty", bw_tv_list(a));
	return v;
}

static size_t count(const struct bw_buf *b, const char *needle)
{
	size_t n = 0, k = strlen(needle);
	const char *p = b->p, *end;

	if (p == NULL)
		return 0;
	end = p + b->len;
	while ((p = memmem(p, (size_t)(end - p), needle, k)) != NULL) {
		n++;
		p += k;
	}
	return n;
}

/* Render template name with the marked or unmarked values; rc and text. */
static enum bw_err render(const struct bw_tmpl_set *set, const char *name, bool marked,
                          struct bw_buf *b)
{
	struct bw_arena *a = bw_arena_new(1 << 20);
	struct bw_tmpl_error err;
	enum bw_err rc;

	bw_buf_init(b, 1 << 20);
	rc = bw_tmpl_render(set, name, values(a, marked), b, &err);
	if (rc != BW_OK && err.name[0] == '\0')
		abort();
	bw_arena_free(a);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"a", "b", "c", "d"};
	struct bw_tmpl_source src[4];
	const char *p = (const char *)data, *end = p + size;
	struct bw_tmpl_set *set = NULL;
	struct bw_tmpl_error err;
	size_t n = 0;

	if (size > 64 * 1024)
		return 0;
	while (n < 4) {
		const char *sep = memmem(p, (size_t)(end - p), "\n%%\n", 4);
		const char *stop = sep != NULL && n < 3 ? sep : end;

		src[n] = (struct bw_tmpl_source){names[n], {p, (size_t)(stop - p)}};
		n++;
		if (stop == end)
			break;
		p = stop + 4;
	}
	if (bw_tmpl_compile(src, n, &set, &err) != BW_OK) {
		if (set != NULL || err.message[0] == '\0')
			abort();
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		struct bw_buf marked, plain;
		enum bw_err rc1 = render(set, names[i], true, &marked);
		enum bw_err rc2 = render(set, names[i], false, &plain);

		/* static text makes as many "<zq>" in both; a value that made one
		 * more got out of its encoding */
		if (rc1 == BW_OK && rc2 == BW_OK && count(&marked, "<zq>") > count(&plain, "<zq>"))
			abort();
		bw_buf_free(&marked);
		bw_buf_free(&plain);
	}
	bw_tmpl_set_free(set);
	return 0;
}
