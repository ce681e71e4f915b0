/* Shared by the unit tests of the MCP tracker (tests/unit/test_mcp_*.c,
 * test_tool_calls.c): one whole JSON-RPC message as a traced process saw
 * it on a pipe. */
#ifndef MCP_UNIT_H
#define MCP_UNIT_H

#include <string.h>
#include "source/mcp/mcp_session.h"

/* pid wrote (out) or read json on conn at ns. */
static inline void mcp_unit_msg(struct mcp_tracker *t, uint32_t pid, uint64_t conn, bool out, uint64_t ns,
				const char *json)
{
	struct mcp_io io = {.pid = pid, .tid = pid, .conn = conn, .outbound = out, .transport = MCP_TR_PIPE};
	struct jsonrpc_frame f = {.data = json, .len = strlen(json), .full_len = strlen(json),
				  .first_ns = ns, .last_ns = ns};
	mcp_tracker_frame(t, &io, &f);
}

#endif
