/* Names and ids of MCP operations: see mcp_names.h. */
#include <stdio.h>
#include <string.h>
#include "mcp_names.h"

/* ---------------------------------------------------------------- names */

const char *mcp_transport_name(enum mcp_transport t)
{
	switch (t) {
	case MCP_TR_PIPE: return "pipe";
	case MCP_TR_UNIX: return "unix";
	case MCP_TR_TCP: return "tcp";
	}
	return "unknown";
}

bool mcp_has_tool_or_prompt(const char *method)
{
	return !strcmp(method, "tools/call") || !strcmp(method, "prompts/get");
}

bool mcp_has_uri(const char *method)
{
	return !strcmp(method, "resources/read") || !strcmp(method, "resources/subscribe") ||
	       !strcmp(method, "resources/unsubscribe");
}

void mcp_op_span_name(const struct mcp_op *op, bool uri_in_name, char *buf, size_t cap)
{
	const char *target = "";

	if (op->name && op->name[0])
		target = op->name;
	else if (uri_in_name && op->uri && op->uri[0])
		target = op->uri;
	snprintf(buf, cap, target[0] ? "%s %s" : "%s", op->method, target);
}

/* ---------------------------------------------------------------- ids */

uint64_t mcp_next_id(uint64_t *rng)
{
	uint64_t z;

	do {
		z = (*rng += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
	} while (!z);
	return z;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool hex_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	for (int i = 0; i < 16; i++) {
		int h = hexval(s[i]);
		if (h < 0)
			return false;
		v = v << 4 | (uint64_t)h;
	}
	*out = v;
	return true;
}

/* W3C traceparent, version 00: "00-<32 hex trace>-<16 hex span>-<2 hex>". */
bool mcp_parse_traceparent(const char *tp, uint64_t *hi, uint64_t *lo, uint64_t *span)
{
	if (strlen(tp) < 55 || tp[0] != '0' || tp[1] != '0' || tp[2] != '-' || tp[35] != '-' ||
	    tp[52] != '-' || hexval(tp[53]) < 0 || hexval(tp[54]) < 0 || (tp[55] && tp[55] != '-'))
		return false;
	if (!hex_u64(tp + 3, hi) || !hex_u64(tp + 19, lo) || !hex_u64(tp + 36, span))
		return false;
	return (*hi || *lo) && *span;
}
