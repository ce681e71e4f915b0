/* What every call carries, for any source: metric attribute text, copies. */
#include <stdio.h>
#include <string.h>
#include "call.h"

const char *call_metric_attr(const struct call *c, const char *key, char *buf, size_t len)
{
	const char *eq = strchr(key, '=');

	if (eq)
		return eq + 1;
	if (!strcmp(key, "mcp.success"))
		return c->failed ? "false" : "true";
	if (!strcmp(key, "mcp.error_type"))
		return c->error_type ? c->error_type : "";
	if (!strcmp(key, "mcp.verification_result")) {
		const struct attr *p = attr_find(c->attrs, c->nattrs, "mcp.verification_passed");

		if (c->failed)
			return "error";
		return p && attr_number(p) != 0 ? "passed" : "failed";
	}
	const struct attr *a = attr_find(c->attrs, c->nattrs, key);

	return a ? attr_text(a, buf, len) : "";
}

static const char *repoint(const char *p, const struct call *from, const struct call *to)
{
	const char *lo = (const char *)from, *hi = (const char *)(from + 1);

	return p >= lo && p < hi ? (const char *)to + (p - lo) : p;
}

void call_copy(struct call *dst, const struct call *src)
{
	memcpy(dst, src, sizeof(*dst));
	for (int i = 0; i < dst->nattrs; i++)
		if (dst->attrs[i].type == AT_STR)
			dst->attrs[i].s = repoint(src->attrs[i].s, src, dst);
	if (dst->error_type)
		dst->error_type = repoint(src->error_type, src, dst);
}

void call_reset(struct call *c, const struct probe_map *pm, int binding)
{
	c->rec = (struct call_ids){.kind = CALL_END, .binding = (uint16_t)binding};
	c->b = &pm->bindings[binding];
	c->op = &catalog_ops[c->b->op];
	c->failed = false;
	c->error_type = NULL;
	c->ret_value = 0;
	c->nattrs = 0;
	c->text_used = 0;
}

static struct attr *new_attr(struct call *c, const char *key)
{
	if (c->nattrs >= CALL_MAX_ATTRS)
		return NULL;
	struct attr *a = &c->attrs[c->nattrs++];

	*a = (struct attr){.key = key};
	return a;
}

/* Copies text into the call's arena: NULL when not even a NUL fits. */
static const char *keep_text(struct call *c, const char *val, bool *cut)
{
	size_t room = CALL_TEXT_LEN - c->text_used, n = strlen(val);
	char *dst = c->text + c->text_used;

	if (room == 0)
		return NULL;
	*cut = n >= room;
	if (*cut)
		n = room - 1;
	memcpy(dst, val, n);
	dst[n] = 0;
	c->text_used += n + 1;
	return dst;
}

bool call_add_str(struct call *c, const char *key, const char *val)
{
	bool cut = false;
	const char *t = keep_text(c, val, &cut);
	struct attr *a = t ? new_attr(c, key) : NULL;

	if (!a)
		return false;
	a->type = AT_STR;
	a->s = t;
	return !cut;
}

bool call_add_int(struct call *c, const char *key, int64_t v)
{
	struct attr *a = new_attr(c, key);

	if (a) {
		a->type = AT_INT;
		a->i = v;
	}
	return a != NULL;
}

bool call_add_double(struct call *c, const char *key, double v)
{
	struct attr *a = new_attr(c, key);

	if (a) {
		a->type = AT_DOUBLE;
		a->d = v;
	}
	return a != NULL;
}

bool call_add_bool(struct call *c, const char *key, bool v)
{
	struct attr *a = new_attr(c, key);

	if (a) {
		a->type = AT_BOOL;
		a->b = v;
	}
	return a != NULL;
}

void call_fail(struct call *c, const char *error_type)
{
	bool cut;

	c->failed = true;
	c->error_type = keep_text(c, error_type, &cut);
	if (!c->error_type)
		c->error_type = "_OTHER";
}
