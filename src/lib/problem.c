/* problem.c — problem+json rendering with jansson. */
#include "problem.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum bw_err bw_problem_render(struct bw_arena *a, unsigned status, const char *slug,
                              const char *title, const char *detail, const char *request_id,
                              const struct bw_field_errors *errs, struct bw_str *out)
{
	char type[96];
	json_t *doc = NULL, *list;
	char *text = NULL;
	enum bw_err rc = BW_ERR_NOMEM;

	snprintf(type, sizeof(type), "/problems/%s", slug);
	doc = json_pack("{s:s, s:s, s:i}", "type", type, "title", title, "status", (int)status);
	if (doc == NULL)
		goto out;
	if (detail != NULL && json_object_set_new(doc, "detail", json_string(detail)) != 0)
		goto out;
	if (request_id != NULL &&
	    json_object_set_new(doc, "request_id", json_string(request_id)) != 0)
		goto out;
	if (errs != NULL && errs->count > 0) {
		list = json_array();
		if (list == NULL || json_object_set_new(doc, "errors", list) != 0)
			goto out;
		for (size_t i = 0; i < errs->count; i++) {
			json_t *e = json_pack("{s:s, s:s}", "field", errs->items[i].field, "code",
			                      errs->items[i].code);

			if (e == NULL || json_array_append_new(list, e) != 0)
				goto out;
		}
	}
	text = json_dumps(doc, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (text == NULL)
		goto out;
	*out = bw_arena_str(a, bw_str_c(text));
	if (out->p != NULL)
		rc = BW_OK;
out:
	free(text);
	json_decref(doc);
	return rc;
}
