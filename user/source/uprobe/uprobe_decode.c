/* A uprobe/USDT call record, read through its binding: the call the
 * pipeline takes. */
#include <stdio.h>
#include <string.h>
#include "source/uprobe/uprobe_decode.h"

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

int uprobe_decode(struct call *c, const struct mcp_call_rec *r, size_t len,
		  const struct pm_binding *b)
{
	int nscratch = 0, spec_i = 0;
	struct attr failv = {0};
	bool entry_only = r->h.type == MCP_REC_SPAN_START;

	/* The last string slot may come short: the kernel sends it up to the
	 * 8 bytes that hold its NUL (uprobe.bpf.c, rec_size_sent()). */
	size_t text = r->h.size > MCP_CALL_REC_SIZE(0) ? r->h.size - MCP_CALL_REC_SIZE(0) : 0;

	if (len < MCP_CALL_REC_SIZE(0) || r->h.size > len || r->nstrs > MCP_MAX_STRS ||
	    (r->nstrs && text <= (size_t)(r->nstrs - 1) * MCP_STR_LEN))
		return -1;
	if (text > (size_t)r->nstrs * MCP_STR_LEN)
		text = (size_t)r->nstrs * MCP_STR_LEN;
	c->rec = (struct call_ids){
		.kind = r->h.type == MCP_REC_SPAN_START ? CALL_START
			: r->h.type == MCP_REC_POINT	? CALL_POINT
							: CALL_END,
		.depth = r->depth,
		.binding = r->binding,
		.pid = r->h.pid,
		.tid = r->h.tid,
		.start_ns = r->h.start_ns,
		.end_ns = r->h.end_ns,
		.trace_id = {r->trace_id[0], r->trace_id[1]},
		.span_id = r->span_id,
		.parent_id = r->parent_id,
		.ret = r->ret,
	};
	memcpy(c->strs, r->strs, text);
	memset((char *)c->strs + text, 0, (size_t)r->nstrs * MCP_STR_LEN - text);
	c->b = b;
	c->op = &catalog_ops[b->op];
	c->failed = false;
	c->error_type = NULL;
	c->nattrs = 0;
	for (int i = 0; i < b->ncaps; i++) {
		const struct pm_capture *pc = &b->caps[i];
		struct attr a = {.key = pc->key};

		/* The spec holds the non-constant captures in this order; the
		 * kernel marks by that index the ones it could not read. */
		bool unread = pc->type != PT_CONST && spec_i < MCP_MAX_CAPS && (r->cap_failed >> spec_i++ & 1);

		if (pc->type == PT_CONST) {
			a.type = AT_STR;
			a.s = pc->constant;
		} else if (entry_only && pc->spec.when == MCP_AT_RETURN) {
			continue;
		} else if (unread) {
			/* Left out, not exported as a 0 or "" the target never had.
			 * Counted from the end record only: a start record repeats
			 * the entry's captures, which the end record has again. */
			c->rec.capture_errors += !entry_only;
			continue;
		} else if (pc->type == PT_STR || pc->type == PT_STRPTR) {
			unsigned slot = pc->spec.slot % MCP_MAX_STRS;
			char *s = c->strs[slot];

			if (slot >= r->nstrs) /* a record shorter than its binding: no text */
				s[0] = 0;
			s[MCP_STR_LEN - 1] = 0;
			a.type = AT_STR;
			a.s = s;
		} else {
			decode_number(pc, r->vals[pc->spec.slot % MCP_MAX_CAPS], &a,
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
	return 0;
}

int uprobe_decode_record(struct call *c, const void *data, size_t len, const struct probe_map *pm)
{
	const struct mcp_call_rec *r = data;

	if (len < MCP_CALL_REC_SIZE(0) || r->h.type < MCP_REC_SPAN_END || r->h.type > MCP_REC_POINT ||
	    r->binding >= pm->n)
		return -1;
	return uprobe_decode(c, r, len, &pm->bindings[r->binding]);
}
