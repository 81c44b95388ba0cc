/*
 * test_pages.c — the templates built into the server: every one compiles
 * (so a broken page fails here before it stops a server from starting), the
 * layout renders the values bw_page_render adds, and the static files are
 * there.
 */
#include "bw_test.h"

#include <stdlib.h>
#include <unistd.h>

#include "bulwark/arena.h"
#include "bulwark/tmpl.h"
#include "embedded.h"
#include "pages.h"

static struct bw_tmpl_set *compile_embedded(void)
{
	struct bw_tmpl_source src[256];
	struct bw_tmpl_set *set = NULL;
	struct bw_tmpl_error err;

	assert_true(bw_embedded_templates_n <= 256);
	for (size_t i = 0; i < bw_embedded_templates_n; i++)
		src[i] = (struct bw_tmpl_source){bw_embedded_templates[i].name,
		                                 {(const char *)bw_embedded_templates[i].data,
		                                  bw_embedded_templates[i].len}};
	if (bw_tmpl_compile(src, bw_embedded_templates_n, &set, &err) != BW_OK)
		fail_msg("templates/%s.html line %u: %s", err.name, err.line, err.message);
	return set;
}

static void every_template_compiles(void **state)
{
	struct bw_tmpl_set *set;

	(void)state;
	set = compile_embedded();
	assert_true(bw_tmpl_has(set, "layout"));
	assert_true(bw_tmpl_has(set, "home"));
	assert_null(bw_embedded_templates[bw_embedded_templates_n].name);
	bw_tmpl_set_free(set);
}

static void home_in_the_layout(void **state)
{
	struct bw_tmpl_set *set = compile_embedded();
	struct bw_arena *a = bw_arena_new(1 << 16);
	struct bw_tv *v = bw_tv_record(a);
	struct bw_buf b;
	struct bw_tmpl_error err;

	(void)state;
	bw_tv_put_cstr(v, "version", "<1>");
	bw_tv_put_cstr(v, "csp_nonce", "nonce");
	bw_tv_put_cstr(v, "stylesheet", "/static/bulwark.css?v=0123");
	bw_buf_init(&b, 1 << 20);
	assert_int_equal(bw_tmpl_render(set, "home", v, &b, &err), BW_OK);
	assert_non_null(strstr(bw_buf_cstr(&b), "<link rel=\"stylesheet\" "
	                                        "href=\"/static/bulwark.css?v=0123\">"));
	assert_non_null(strstr(bw_buf_cstr(&b), "version &lt;1&gt;."));
	assert_non_null(strstr(bw_buf_cstr(&b), "name=\"viewport\""));
	/* the page does not render without its values */
	bw_buf_reset(&b);
	v = bw_tv_record(a);
	assert_int_equal(bw_tmpl_render(set, "home", v, &b, &err), BW_ERR_INVALID);
	bw_buf_free(&b);
	bw_arena_free(a);
	bw_tmpl_set_free(set);
}

static void stylesheet_is_embedded(void **state)
{
	bool found = false;

	(void)state;
	for (size_t i = 0; i < bw_embedded_static_n; i++) {
		if (strcmp(bw_embedded_static[i].name, "bulwark.css") != 0)
			continue;
		found = true;
		assert_true(bw_embedded_static[i].len > 100);
		assert_int_equal(bw_embedded_static[i].data[bw_embedded_static[i].len], 0);
	}
	assert_true(found);
}

/* A broken template stops the start, and the log says which and where. */
static void start_refuses_a_broken_template(void **state)
{
	static const char layout[] = "<main>{{#block content}}{{/block}}</main>";
	static const char login[] = "{{#extends layout}}\n{{#block content}}\n"
	                            "<a href={{next}}>x</a>{{/block}}";
	const struct bw_embedded files[] = {
	        {"layout", (const unsigned char *)layout, sizeof(layout) - 1},
	        {"login", (const unsigned char *)login, sizeof(login) - 1},
	};
	struct bw_app app;
	char out[4096];
	int fds[2];
	ssize_t n;

	(void)state;
	memset(&app, 0, sizeof(app));
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(bw_log_new(fds[1], BW_LOG_INFO, &app.log), BW_OK);
	assert_int_equal(bw_pages_compile(&app, files, 2), BW_ERR_INVALID);
	assert_null(app.pages);
	bw_log_free(app.log);
	close(fds[1]);
	n = read(fds[0], out, sizeof(out) - 1);
	close(fds[0]);
	assert_true(n > 0);
	out[n] = '\0';
	assert_non_null(strstr(out, "\"event\":\"startup.refused\""));
	assert_non_null(strstr(out, "\"template\":\"login\""));
	assert_non_null(strstr(out, "\"line\":3"));
	assert_non_null(strstr(out, "unquoted"));
	/* the embedded ones start */
	memset(&app, 0, sizeof(app));
	assert_int_equal(bw_pages_start(&app), BW_OK);
	assert_non_null(app.pages);
	assert_int_equal(strlen(app.static_version), 16);
	bw_pages_stop(&app);
	assert_null(app.pages);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(every_template_compiles),
	        cmocka_unit_test(home_in_the_layout),
	        cmocka_unit_test(stylesheet_is_embedded),
	        cmocka_unit_test(start_refuses_a_broken_template),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
