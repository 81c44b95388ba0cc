/*
 * fuzz_tmpl.c — the template compiler (lexer, parser, HTML context machine)
 * and the renderer. The input is up to four templates named a, b, c, d,
 * separated by a line "%%"; each that compiles is rendered with one fixed
 * value tree whose strings are hostile. Properties: no crash or leak; the
 * marker "<zq>" inside every string value never reaches the output unescaped
 * (whatever context the fuzzer puts it in) unless the template itself holds
 * "zq"; a failed compile or render always names a template.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/arena.h"
#include "bulwark/tmpl.h"

#define HOSTILE                                                                             \
	"<zq>\"'`&<!--</script></style></title>javascript:alert(1)\xE2\x80\xA8\xE2\x80\xA9" \
	"${x}\\u003c\r\n\t\x01"

static struct bw_tv *values(struct bw_arena *a)
{
	struct bw_tv *v = bw_tv_record(a), *l = bw_tv_list(a), *r = bw_tv_record(a);
	struct bw_tv *strs = bw_tv_list(a);

	bw_tv_put_cstr(v, "s", HOSTILE);
	bw_tv_put_cstr(v, "u", "javascript:zzbad");
	bw_tv_put_cstr(v, "e", "");
	bw_tv_put_str(v, "n", (struct bw_str){"a\0\xC0\xFF", 4});
	bw_tv_put_bool(v, "t", true);
	bw_tv_put_bool(v, "f", false);
	bw_tv_put_html(v, "h", BW_STR("<b>trusted</b>"));
	bw_tv_put_cstr(r, "s", HOSTILE);
	bw_tv_put_bool(r, "t", true);
	bw_tv_put(v, "r", r);
	for (int i = 0; i < 3; i++) {
		struct bw_tv *it = bw_tv_record(a);

		bw_tv_put_cstr(it, "s", HOSTILE);
		bw_tv_put_int(it, "i", i);
		bw_tv_put(it, "r", r);
		bw_tv_append(l, it);
		bw_tv_append_str(strs, BW_STR(HOSTILE));
	}
	bw_tv_put(v, "l", l);
	bw_tv_put(v, "ls", strs);
	bw_tv_put(v, "empty", bw_tv_list(a));
	return v;
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
		struct bw_arena *a = bw_arena_new(1 << 20);
		struct bw_tv *v = values(a);
		struct bw_buf b;
		enum bw_err rc;

		bw_buf_init(&b, 1 << 20);
		rc = bw_tmpl_render(set, names[i], v, &b, &err);
		if (rc != BW_OK && err.name[0] == '\0')
			abort();
		if (rc == BW_OK) {
			/* the value's "zq" always follows its own '<', escaped or not;
			 * only a template holding "zq" could put a raw '<' before it */
			bool in_src = memmem(data, size, "zq", 2) != NULL;

			if (!in_src && memmem(b.p ? b.p : "", b.len, "<zq>", 4) != NULL)
				abort(); /* a value escaped its encoding */
		}
		bw_buf_free(&b);
		bw_arena_free(a);
	}
	bw_tmpl_set_free(set);
	return 0;
}
