/* Finished SERVER operations held back a while before they are emitted.
 * The server's read of a request can be read before the client's write
 * of it: the reader returns as soon as the bytes are in the pipe, the
 * writer's record is made when its write() returns, and a writer
 * preempted in between (a loaded machine) is read a poll later — or on
 * another ring. Emitted at once, such a SERVER span would have no CLIENT
 * parent; held, it is stitched when the client's write is read, or
 * emitted as it is (a root: its client is not traced) at the end of the
 * next poll round. A FIFO, bounded: when full the oldest leaves first. */
#ifndef MCP_HOLD_H
#define MCP_HOLD_H

#include <stddef.h>
#include <stdint.h>
#include "mcp_pending.h"

#define MCP_HOLD_MAX 4096

struct mcp_hold {
	struct mcp_pending *head, *tail;
	size_t n;
};

/* Holds p (out of the pending table, its end set), held in poll round
 * `round`. Returns the oldest when the queue was full (to emit now). */
struct mcp_pending *mcp_hold_put(struct mcp_hold *h, struct mcp_pending *p, uint64_t round);
/* The held SERVER side of (conn, id) read by another pid than not_pid. */
struct mcp_pending *mcp_hold_take_match(struct mcp_hold *h, uint64_t conn, const struct jsonrpc_id *id,
					uint32_t not_pid);
/* The oldest held before poll round `round` (every one with round
 * UINT64_MAX); pid: of that process only (0: any). NULL when none. */
struct mcp_pending *mcp_hold_take_before(struct mcp_hold *h, uint64_t round, uint32_t pid);

#endif
