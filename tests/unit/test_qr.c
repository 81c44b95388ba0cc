/*
 * test_qr.c — the QR code SVG: its shape (one svg element, a viewBox of the
 * symbol plus the quiet zone, one background rect, one path, nothing
 * else), the symbol sizes libqrencode picks, that the drawn modules stay
 * inside the symbol, and refusals.
 */
#include "bw_test.h"

#include <stdio.h>
#include <stdlib.h>

#include "bulwark/qr.h"

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Walk the path "M{x} {y}h{n}v1h-{n}z"…: every run lies in the symbol, none overlap. */
static size_t check_path(const char *svg, unsigned modules)
{
	const char *d = strstr(svg, " d=\"");
	unsigned side = modules + 2 * BW_QR_QUIET;
	unsigned char *seen = calloc((size_t)side * side, 1);
	size_t dark = 0;

	assert_non_null(d);
	assert_non_null(seen);
	d += 4;
	while (*d == 'M') {
		unsigned x, y, n, n2;
		int used = 0;

		assert_int_equal(sscanf(d, "M%u %uh%uv1h-%uz%n", &x, &y, &n, &n2, &used), 4);
		assert_true(used > 0);
		assert_int_equal(n, n2);
		assert_true(n >= 1);
		assert_true(x >= BW_QR_QUIET && x + n <= BW_QR_QUIET + modules);
		assert_true(y >= BW_QR_QUIET && y < BW_QR_QUIET + modules);
		for (unsigned i = 0; i < n; i++) {
			assert_int_equal(seen[y * side + x + i], 0);
			seen[y * side + x + i] = 1;
		}
		dark += n;
		d += used;
	}
	assert_string_equal(d, "\"/></svg>");
	/* the three finder patterns' top-left corners are dark */
	assert_int_equal(seen[BW_QR_QUIET * side + BW_QR_QUIET], 1);
	assert_int_equal(seen[BW_QR_QUIET * side + BW_QR_QUIET + modules - 1], 1);
	assert_int_equal(seen[(BW_QR_QUIET + modules - 1) * side + BW_QR_QUIET], 1);
	/* and the module just inside the top-left finder's outer ring is light */
	assert_int_equal(seen[(BW_QR_QUIET + 1) * side + BW_QR_QUIET + 1], 0);
	free(seen);
	return dark;
}

static void svg_shape_and_size(void **state)
{
	static const char uri[] = "otpauth://totp/bulwark:alice%40example.com?secret="
	                          "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=bulwark&algorithm=SHA1"
	                          "&digits=6&period=30";
	struct bw_buf b;
	unsigned modules = 0;
	char head[160];
	size_t dark;

	(void)state;
	bw_buf_init(&b, 1 << 20);
	assert_int_equal(bw_qr_svg(&b, bw_str_c(uri), &modules), BW_OK);
	/* 131 bytes at level M: more than version 7 holds (122), version 8 (152): 49 modules */
	assert_int_equal(strlen(uri), 131);
	assert_int_equal(modules, 49);
	snprintf(head, sizeof(head),
	         "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %u %u\" "
	         "shape-rendering=\"crispEdges\"><rect width=\"%u\" height=\"%u\" fill=\"#fff\"/>",
	         modules + 8, modules + 8, modules + 8, modules + 8);
	assert_true(strncmp(bw_buf_cstr(&b), head, strlen(head)) == 0);
	assert_int_equal(count(bw_buf_cstr(&b), "<"), 4); /* svg, rect, path, /svg */
	assert_int_equal(count(bw_buf_cstr(&b), "<path"), 1);
	assert_int_equal(count(bw_buf_cstr(&b), "/>"), 2);
	assert_int_equal(count(bw_buf_cstr(&b), "</svg>"), 1);
	assert_null(strstr(bw_buf_cstr(&b), "script"));
	assert_null(strstr(bw_buf_cstr(&b), "otpauth"));
	dark = check_path(bw_buf_cstr(&b), modules);
	/* a QR symbol is roughly half dark */
	assert_true(dark > modules * modules / 3 && dark < modules * modules * 2 / 3);
	assert_true(b.len < 16384);
	bw_buf_free(&b);
}

static void versions_grow_with_input(void **state)
{
	char text[BW_QR_INPUT_MAX + 1];
	struct bw_buf b;
	unsigned m = 0;

	(void)state;
	memset(text, 'A', sizeof(text));
	bw_buf_init(&b, 1 << 20);
	assert_int_equal(bw_qr_svg(&b, (struct bw_str){text, 1}, &m), BW_OK);
	assert_int_equal(m, 21); /* version 1 */
	(void)check_path(bw_buf_cstr(&b), m);
	bw_buf_free(&b);
	bw_buf_init(&b, 1 << 20);
	assert_int_equal(bw_qr_svg(&b, (struct bw_str){text, BW_QR_INPUT_MAX}, &m), BW_OK);
	assert_true(m >= 157 && m <= 177 && (m - 17) % 4 == 0);
	(void)check_path(bw_buf_cstr(&b), m);
	bw_buf_free(&b);
}

static void refusals_leave_the_buffer(void **state)
{
	char text[BW_QR_INPUT_MAX + 1];
	struct bw_buf b;
	unsigned m = 5;

	(void)state;
	memset(text, 'A', sizeof(text));
	bw_buf_init(&b, 200);
	assert_int_equal(bw_buf_append_c(&b, "keep"), BW_OK);
	assert_int_equal(bw_qr_svg(&b, (struct bw_str){text, 0}, &m), BW_ERR_INVALID);
	assert_int_equal(bw_qr_svg(&b, (struct bw_str){NULL, 0}, &m), BW_ERR_INVALID);
	assert_int_equal(bw_qr_svg(&b, (struct bw_str){text, sizeof(text)}, &m), BW_ERR_INVALID);
	/* too small a buffer for the image */
	assert_int_equal(bw_qr_svg(&b, bw_str_c("hello"), &m), BW_ERR_LIMIT);
	assert_string_equal(bw_buf_cstr(&b), "keep");
	assert_int_equal(m, 5);
	bw_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(svg_shape_and_size),
	        cmocka_unit_test(versions_grow_with_input),
	        cmocka_unit_test(refusals_leave_the_buffer),
	};

	if (bw_init() != BW_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
