/* A CLIENT span's identity, given before its write is read. When a traced
 * server's read of a request is read before the client's write of it (the
 * writer preempted before write() returned), the server cannot be
 * stitched yet, but it forks its tool's commands at once: they take the
 * trace of the span it has open then. If the stream's writer is known (it
 * wrote requests on it before), the tracker decides now what the client's
 * span will be — its trace, its parent, its span id — hangs the SERVER
 * span under it, and keeps that here for the client's request to take
 * when it is read: one trace from the LLM call down to the git the tool
 * ran, whichever ring or record is read first. */
#ifndef MCP_RESERVE_H
#define MCP_RESERVE_H

#include <stdbool.h>
#include <stdint.h>
#include "jsonrpc_msg.h"

#define MCP_WRITERS 1024
#define MCP_RESERVED 256

struct mcp_reserved {
	uint64_t conn;   /* 0: a free slot */
	struct jsonrpc_id id;
	uint64_t trace_hi, trace_lo, span_id, parent_span_id;
	bool parent_llm; /* the parent is the LLM call that asked for the tool */
};

struct mcp_reserve {
	struct {
		uint64_t conn;
		uint32_t pid;
	} writers[MCP_WRITERS]; /* by hash of conn: the last pid that wrote a request on it */
	struct mcp_reserved v[MCP_RESERVED]; /* round robin: an untaken one goes in time */
	unsigned next;
};

/* pid wrote a request on conn. */
void mcp_reserve_note_writer(struct mcp_reserve *r, uint64_t conn, uint32_t pid);
/* The last pid that wrote a request on conn, 0 when none is known. */
uint32_t mcp_reserve_writer(const struct mcp_reserve *r, uint64_t conn);
/* A slot for (conn, id), the caller fills the rest. */
struct mcp_reserved *mcp_reserve_add(struct mcp_reserve *r, uint64_t conn, const struct jsonrpc_id *id);
/* The identity kept for (conn, id), taken out into *out; false if none. */
bool mcp_reserve_take(struct mcp_reserve *r, uint64_t conn, const struct jsonrpc_id *id, struct mcp_reserved *out);

#endif
