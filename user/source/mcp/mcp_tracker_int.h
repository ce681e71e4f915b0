/* The MCP tracker's state and the functions its files share
 * (mcp_session.c: requests and responses; mcp_finish.c: how operations
 * end). Not for use outside user/source/mcp. */
#ifndef MCP_TRACKER_INT_H
#define MCP_TRACKER_INT_H

#include "mcp_channels.h"
#include "mcp_hold.h"
#include "mcp_reserve.h"
#include "mcp_session.h"

struct mcp_tracker {
	struct mcp_tracker_config cfg;
	struct mcp_sink sink;
	struct mcp_pending_table *pending;
	struct mcp_channels *chans;
	uint64_t rng;
	struct mcp_tracker_stats stats;
	struct mcp_hold held;   /* SERVER ops whose client may not be read yet */
	uint64_t round;         /* poll rounds ended */
	struct tool_calls *tool_calls;
	struct mcp_reserve reserve; /* CLIENT spans named before their write is read */
};

static inline uint64_t mcp_session_hash_of(const struct mcp_io *io)
{
	return io->session_id && io->session_id[0] ? mcp_hash_str(io->session_id) : 0;
}

/* A SERVER op whose request a traced CLIENT wrote on the same stream with
 * the same id becomes that client span's child. */
void mcp_stitch(struct mcp_tracker *t, struct mcp_pending *p);
/* The newest SERVER op pid is handling, or NULL. */
struct mcp_pending *mcp_open_server(struct mcp_tracker *t, uint32_t pid);
/* sink.server_span: the SERVER span open in pid is p's (NULL: none). */
void mcp_tell_server_span(struct mcp_tracker *t, uint32_t pid, const struct mcp_pending *p);

/* p (in the table) ended: out of the table, its span emitted or held. */
void mcp_finish(struct mcp_tracker *t, struct mcp_pending *p, enum mcp_outcome outcome, uint64_t end_ns,
		const struct jsonrpc_msg *resp, const struct mcp_io *rio, bool resp_truncated);
/* A held SERVER op goes: stitched if its client is known by now. */
void mcp_release(struct mcp_tracker *t, struct mcp_pending *p);
/* sources_on_poll_end's callback (ctx: the tracker). */
void mcp_poll_ended(void *ctx, bool final);

#endif
