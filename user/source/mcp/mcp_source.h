/* The mcp source: Model Context Protocol on the wire. What the traced
 * processes read and write on pipes and sockets (bpf/mcp_io.bpf.c, the
 * syscall tracepoints) is framed as newline-delimited JSON (stdio) or
 * HTTP/1.1 (Streamable HTTP; mcp_http.c), read as JSON-RPC
 * (jsonrpc_msg.c), matched request to response on both sides and stitched
 * into one trace (mcp_session.c), and handed on as the catalog's mcp_*
 * calls (mcp_emit.c). On by default; no probe map needed. */
#ifndef MCP_SOURCE_H
#define MCP_SOURCE_H

#include "source/source.h"

extern const struct source_ops mcp_source_ops;

#endif
