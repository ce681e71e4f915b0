/* What every call carries, for any source: metric attribute text, copies. */
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
