/*
 * tmpl_value.c — the value tree a template is rendered with.
 *
 * Values live in an arena (the request's). Building never fails loudly: a
 * value that could not be made or added marks the record or list it was
 * meant for as failed, and rendering a failed tree answers BW_ERR_NOMEM, so a
 * handler builds its values without a check per line and still fails closed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tmpl_internal.h"

static struct bw_tv *tv_new(struct bw_arena *a, enum tv_kind kind)
{
	struct bw_tv *v;

	if (a == NULL)
		return NULL;
	v = bw_arena_alloc(a, sizeof(*v));
	if (v == NULL)
		return NULL;
	v->kind = kind;
	v->a = a;
	return v;
}

struct bw_tv *bw_tv_record(struct bw_arena *a)
{
	return tv_new(a, TV_RECORD);
}

struct bw_tv *bw_tv_list(struct bw_arena *a)
{
	return tv_new(a, TV_LIST);
}

/* A key is an identifier, as in a template path: anything else is a bug. */
static void check_key(const char *key)
{
	size_t n = key != NULL ? strlen(key) : 0;

	if (n == 0 || n > 64)
		bw_panic("tmpl: bad value key");
	for (size_t i = 0; i < n; i++) {
		char c = key[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		          (i > 0 && c >= '0' && c <= '9');

		if (!ok)
			bw_panic("tmpl: bad value key \"%s\"", key);
	}
}

static void link_to(struct bw_tv *parent, const char *key, struct bw_tv *child)
{
	struct tv_link *l;

	if (child == NULL || child->failed)
		parent->failed = true;
	if (child == NULL)
		return;
	if (key != NULL) {
		for (l = parent->head; l != NULL; l = l->next) {
			if (strcmp(l->key, key) == 0) {
				l->v = child;
				return;
			}
		}
	}
	l = bw_arena_alloc(parent->a, sizeof(*l));
	if (l == NULL) {
		parent->failed = true;
		return;
	}
	if (key != NULL) {
		l->key = bw_arena_strndup(parent->a, key, strlen(key));
		if (l->key == NULL) {
			parent->failed = true;
			return;
		}
	}
	l->v = child;
	if (parent->tail != NULL)
		parent->tail->next = l;
	else
		parent->head = l;
	parent->tail = l;
	parent->n++;
}

static void put(struct bw_tv *rec, const char *key, struct bw_tv *child)
{
	check_key(key);
	if (rec == NULL)
		return;
	if (rec->kind != TV_RECORD)
		bw_panic("tmpl: bw_tv_put* on a value that is not a record");
	link_to(rec, key, child);
}

static struct bw_tv *text_value(struct bw_tv *near, enum tv_kind kind, struct bw_str s)
{
	struct bw_tv *v = tv_new(near != NULL ? near->a : NULL, kind);

	if (v == NULL)
		return NULL;
	v->s = bw_arena_str(v->a, s);
	return v->s.p == NULL ? NULL : v;
}

void bw_tv_put_str(struct bw_tv *rec, const char *key, struct bw_str s)
{
	put(rec, key, text_value(rec, TV_STR, s));
}

void bw_tv_put_cstr(struct bw_tv *rec, const char *key, const char *s)
{
	if (s == NULL) {
		put(rec, key, NULL);
		return;
	}
	bw_tv_put_str(rec, key, bw_str_c(s));
}

void bw_tv_put_int(struct bw_tv *rec, const char *key, int64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%" PRId64, v);

	bw_tv_put_str(rec, key, (struct bw_str){tmp, (size_t)n});
}

void bw_tv_put_bool(struct bw_tv *rec, const char *key, bool b)
{
	struct bw_tv *v = tv_new(rec != NULL ? rec->a : NULL, TV_BOOL);

	if (v != NULL)
		v->b = b;
	put(rec, key, v);
}

void bw_tv_put_html(struct bw_tv *rec, const char *key, struct bw_str html)
{
	put(rec, key, text_value(rec, TV_HTML, html));
}

void bw_tv_put(struct bw_tv *rec, const char *key, struct bw_tv *child)
{
	if (child != NULL && child->kind != TV_LIST && child->kind != TV_RECORD)
		bw_panic("tmpl: bw_tv_put takes a list or record");
	put(rec, key, child);
}

void bw_tv_append(struct bw_tv *list, struct bw_tv *item)
{
	if (list == NULL)
		return;
	if (list->kind != TV_LIST)
		bw_panic("tmpl: bw_tv_append on a value that is not a list");
	link_to(list, NULL, item);
}

void bw_tv_append_str(struct bw_tv *list, struct bw_str s)
{
	bw_tv_append(list, text_value(list, TV_STR, s));
}

const struct bw_tv *tv_get(const struct bw_tv *r, const char *name, size_t n)
{
	for (const struct tv_link *l = r->head; l != NULL; l = l->next) {
		const char *have = l->key;

		if (strlen(have) == n && memcmp(have, name, n) == 0)
			return l->v;
	}
	return NULL;
}
