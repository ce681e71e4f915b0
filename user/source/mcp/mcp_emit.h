/* MCP operations, notifications and ended sessions (mcp_session.h) as
 * calls for the pipeline (call.h): the spans the MCP semantic conventions
 * describe — "{mcp.method.name} {target}", CLIENT on the side that sent
 * the request, SERVER on the side that read it — and the catalog's
 * mcp_* operations that update mcp.client/server.operation.duration and
 * mcp.client/server.session.duration.
 *
 * Every (side, method) pair of the common methods has a binding of its
 * own, so that the summary and the live view show MCP methods as rows
 * ("client tools/call"); the others share "client other" / "server other". */
#ifndef MCP_EMIT_H
#define MCP_EMIT_H

#include "call.h"
#include "source/mcp/mcp_session.h"

#define MCP_EMIT_METHODS 10 /* the common request methods, and "other" last */

struct mcp_bindings {
	int client[MCP_EMIT_METHODS];
	int server[MCP_EMIT_METHODS];
	int note, client_session, server_session;
};

/* Adds the bindings to pm. 0, or -1 when out of memory or the catalog
 * lacks the mcp_* operations. */
int mcp_bindings_add(struct mcp_bindings *b, struct probe_map *pm);

/* Fills c from a finished operation. */
void mcp_call_from_op(struct call *c, const struct probe_map *pm, const struct mcp_bindings *b,
		      const struct mcp_op *op);
/* A notification as a point event: on the span it concerns (a
 * cancellation) when span_id is set, else counted alone. */
void mcp_call_from_note(struct call *c, const struct probe_map *pm, const struct mcp_bindings *b,
			const struct mcp_note *n);
/* An ended session as a point event whose mcp.session.duration (s) feeds
 * the session-duration histogram. */
void mcp_call_from_session(struct call *c, const struct probe_map *pm, const struct mcp_bindings *b,
			   const struct mcp_session_end *s);

#endif
