/* Call records whose last string slot comes short (uprobe.bpf.c sends it
 * up to the 8 bytes that hold its NUL): decoded as the full record would
 * be, the rest of the slot empty; one too short for its strings refused. */
#include <stdio.h>
#include <string.h>
#include "mcp_trace.h"
#include "probe_map.h"
#include "source/uprobe/uprobe_decode.h"
#include "unit_test.h"

static const char MAP[] = "span model_inference infer\n"
			  "    mcp.model_type    = arg0 as str\n"
			  "    mcp.request_id    = arg2 as str\n"
			  "    mcp.prompt_length = arg1 as int\n";

/* The attribute `key` of a decoded call, or NULL. */
static const char *str_attr(const struct call *c, const char *key)
{
	for (int i = 0; i < c->nattrs; i++)
		if (c->attrs[i].key && !strcmp(c->attrs[i].key, key) && c->attrs[i].type == AT_STR)
			return c->attrs[i].s;
	return NULL;
}

static void fill(struct mcp_call_rec *r, size_t size)
{
	memset(r, 0xa5, sizeof(*r)); /* what a slot held before: never read */
	r->h.type = MCP_REC_SPAN_END;
	r->h.size = (unsigned short)size;
	r->h.start_ns = 1;
	r->h.end_ns = 2;
	r->binding = 0;
	r->depth = 0;
	r->nstrs = 2;
	r->cap_failed = 0;
	r->parent_id = 0;
	r->vals[0] = 42;
	strcpy(r->strs[0], "gpt-4o-mini");
	strcpy(r->strs[1], "req-7");
}

int main(void)
{
	struct probe_map pm;
	char err[256];
	static struct mcp_call_rec r;
	static struct call c;

	if (probe_map_parse(MAP, "short.probes", false, &pm, err, sizeof(err))) {
		UNIT_FAIL("probe map: %s", err);
		UNIT_DONE();
	}
	/* The second slot cut after the 8 bytes that hold "req-7" and its NUL. */
	fill(&r, MCP_CALL_REC_SIZE(1) + 8);
	CHECK_EQ_INT(uprobe_decode(&c, &r, MCP_CALL_REC_SIZE(1) + 8, &pm.bindings[0]), 0);
	CHECK_STR_EQ(str_attr(&c, "mcp.model_type"), "gpt-4o-mini");
	CHECK_STR_EQ(str_attr(&c, "mcp.request_id"), "req-7");
	CHECK_EQ_INT(c.strs[1][8], 0); /* past what was sent: empty, not 0xa5 */
	CHECK_EQ_INT(c.strs[1][MCP_STR_LEN - 1], 0);

	/* The whole record, as before. */
	fill(&r, MCP_CALL_REC_SIZE(2));
	CHECK_EQ_INT(uprobe_decode(&c, &r, sizeof(r), &pm.bindings[0]), 0);
	CHECK_STR_EQ(str_attr(&c, "mcp.request_id"), "req-7");

	/* No byte of the last slot, or a slot missing: refused. */
	fill(&r, MCP_CALL_REC_SIZE(1));
	CHECK_EQ_INT(uprobe_decode(&c, &r, sizeof(r), &pm.bindings[0]), -1);
	fill(&r, MCP_CALL_REC_SIZE(0) + 8);
	CHECK_EQ_INT(uprobe_decode(&c, &r, sizeof(r), &pm.bindings[0]), -1);
	/* Longer than its buffer: refused, as before. */
	fill(&r, MCP_CALL_REC_SIZE(1) + 8);
	CHECK_EQ_INT(uprobe_decode(&c, &r, MCP_CALL_REC_SIZE(1), &pm.bindings[0]), -1);
	probe_map_free(&pm);
	UNIT_DONE();
}
