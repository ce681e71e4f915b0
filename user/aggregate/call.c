/* Decoding records into calls. */
#include <stdio.h>
#include <string.h>
#include "call.h"

/* Register captures carry the whole register: narrow to the declared C type. */
static void decode_number(const struct pm_capture *pc, uint64_t raw, struct attr *a,
			  char *scratch, size_t slen)
{
	a->type = AT_INT;
	switch (pc->type) {
	case PT_INT:
		a->i = (int32_t)raw;
		break;
	case PT_UINT:
		a->i = (uint32_t)raw;
		break;
	case PT_SHORT:
		a->i = (int16_t)raw;
		break;
	case PT_CHAR:
		a->i = (int8_t)raw;
		break;
	case PT_BOOL:
		a->type = AT_BOOL;
		a->b = (raw & 0xff) != 0;
		break;
	case PT_DOUBLE:
		a->type = AT_DOUBLE;
		memcpy(&a->d, &raw, sizeof(double));
		break;
	case PT_FLOAT: {
		float f;
		uint32_t lo = (uint32_t)raw;

		memcpy(&f, &lo, sizeof(f));
		a->type = AT_DOUBLE;
		a->d = f;
		break;
	}
	case PT_ENUM: {
		int32_t v = (int32_t)raw;

		a->type = AT_STR;
		if (v >= 0 && v < pc->nlabels) {
			a->s = pc->labels[v];
		} else {
			snprintf(scratch, slen, "%d", v);
			a->s = scratch;
		}
		break;
	}
	default: /* long, ulong */
		a->i = (int64_t)raw;
		break;
	}
}

static bool compare(long long v, enum pm_cmp cmp, long long ref, bool is_unsigned)
{
	if (is_unsigned) {
		unsigned long long u = (unsigned long long)v, r = (unsigned long long)ref;

		switch (cmp) {
		case PM_LT: return u < r;
		case PM_LE: return u <= r;
		case PM_EQ: return u == r;
		case PM_NE: return u != r;
		case PM_GT: return u > r;
		case PM_GE: return u >= r;
		}
		return false;
	}
	switch (cmp) {
	case PM_LT: return v < ref;
	case PM_LE: return v <= ref;
	case PM_EQ: return v == ref;
	case PM_NE: return v != ref;
	case PM_GT: return v > ref;
	case PM_GE: return v >= ref;
	}
	return false;
}

void call_decode(struct call *c, const struct mcp_record *r, const struct pm_binding *b,
		 bool entry_only)
{
	int nscratch = 0;
	struct attr failv = {0};

	memcpy(&c->rec, r, sizeof(*r));
	c->b = b;
	c->op = &catalog_ops[b->op];
	c->failed = false;
	c->error_type = NULL;
	c->nattrs = 0;
	for (int i = 0; i < b->ncaps; i++) {
		const struct pm_capture *pc = &b->caps[i];
		struct attr a = {.key = pc->key};

		if (pc->type == PT_CONST) {
			a.type = AT_STR;
			a.s = pc->constant;
		} else if (entry_only && pc->spec.when == MCP_AT_RETURN) {
			continue;
		} else if (pc->type == PT_STR || pc->type == PT_STRPTR) {
			char *s = c->rec.strs[pc->spec.slot % MCP_MAX_STRS];

			s[MCP_STR_LEN - 1] = 0;
			a.type = AT_STR;
			a.s = s;
		} else {
			decode_number(pc, c->rec.vals[pc->spec.slot % MCP_MAX_CAPS], &a,
				      c->scratch[nscratch % 4], sizeof(c->scratch[0]));
			nscratch += pc->type == PT_ENUM;
		}
		if (!pc->key[0]) { /* the hidden `fail if` value */
			failv = a;
			continue;
		}
		c->attrs[c->nattrs++] = a;
	}
	c->ret_value = c->rec.ret;
	if (b->fail.present && !entry_only && failv.type) {
		const struct pm_capture *fc = &b->caps[b->fail.cap];
		long long v = failv.type == AT_BOOL ? failv.b : failv.type == AT_DOUBLE ? (long long)failv.d : failv.i;

		c->failed = compare(v, b->fail.cmp, b->fail.value, fc->type == PT_ULONG);
		if (fc->spec.src == MCP_SRC_RET)
			c->ret_value = v;
	}
	if (c->failed) {
		const struct attr *et = attr_find(c->attrs, c->nattrs, "error.type");

		c->error_type = et && et->type == AT_STR && et->s[0] ? et->s : "_OTHER";
	}
	/* The catalog's default for an attribute the call left empty
	 * (model_routing's mcp.model_type is "auto" when none was asked for). */
	if (c->op->default_attr) {
		struct attr *d = NULL;

		for (int i = 0; i < c->nattrs; i++)
			if (!strcmp(c->attrs[i].key, c->op->default_attr))
				d = &c->attrs[i];
		if (!d && c->nattrs < CALL_MAX_ATTRS)
			d = &c->attrs[c->nattrs++];
		if (d && (d->type != AT_STR || !d->s || !d->s[0])) {
			d->key = c->op->default_attr;
			d->type = AT_STR;
			d->s = c->op->default_value;
		}
	}
}

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
