/* How an MCP operation ends (mcp_session.h): its end and outcome are
 * written into its pending entry, which leaves the table, and the span goes
 * to the sink — or, for a SERVER op whose client is not known yet, into
 * the hold (mcp_hold.h) until its client's write is read or the poll round
 * after is over. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mcp_channels.h"
#include "mcp_tracker_int.h"

/* The operation p ended as: the span goes to the sink, p is freed. */
static void emit(struct mcp_tracker *t, struct mcp_pending *p)
{
	struct mcp_op op = {
		.role = p->role,
		.outcome = (enum mcp_outcome)p->outcome,
		.pid = p->pid,
		.tid = p->tid,
		.conn = p->conn,
		.transport = p->transport,
		.method = p->method,
		.name = p->name,
		.uri = p->uri,
		.id = p->id,
		.error_message = p->error_message ? p->error_message : "",
		.start_ns = p->start_ns,
		.end_ns = p->end_ns,
		.protocol_version = p->protocol_version,
		.session_id = p->session_id,
		.trace_hi = p->trace_hi,
		.trace_lo = p->trace_lo,
		.span_id = p->span_id,
		.parent_span_id = p->parent_span_id,
		.parent_remote = p->parent_remote,
		.parent_stitched = p->parent_stitched,
		.truncated = p->truncated,
		.arguments = p->arguments,
		.result = p->result,
	};

	memcpy(op.error_type, p->error_type, sizeof(op.error_type));
	t->stats.ops++;
	if (p->parent_stitched)
		t->stats.stitched++;
	if (t->sink.op)
		t->sink.op(t->sink.ctx, &op);
	mcp_pending_destroy(p);
}

/* A held SERVER op: its client's write was read (stitch finds it), or it
 * has waited long enough (a root: its client is not traced). */
void mcp_release(struct mcp_tracker *t, struct mcp_pending *p)
{
	mcp_stitch(t, p);
	if (!p->parent_stitched)
		t->stats.held_unstitched++;
	emit(t, p);
}

/* The end of a poll of the rings: what was held in an earlier round goes
 * (every record made before it has been read by now, bar a writer
 * preempted for a whole round); at the last poll, all. */
void mcp_poll_ended(void *ctx, bool final)
{
	struct mcp_tracker *t = ctx;

	for (struct mcp_pending *p; (p = mcp_hold_take_before(&t->held, final ? UINT64_MAX : t->round, 0));)
		mcp_release(t, p);
	t->round++;
}

void mcp_tracker_poll_end(struct mcp_tracker *t, bool final)
{
	mcp_poll_ended(t, final);
}

static void set_error(struct mcp_pending *p, enum mcp_outcome outcome, const struct jsonrpc_msg *resp)
{
	switch (outcome) {
	case MCP_OK: break;
	case MCP_RPC_ERROR:
		if (resp && resp->has_error_code)
			snprintf(p->error_type, sizeof(p->error_type), "%lld", (long long)resp->error_code);
		else
			snprintf(p->error_type, sizeof(p->error_type), "_OTHER");
		if (resp && resp->error_message[0])
			p->error_message = strdup(resp->error_message);
		break;
	case MCP_TOOL_ERROR: snprintf(p->error_type, sizeof(p->error_type), "tool_error"); break;
	case MCP_CANCELLED: snprintf(p->error_type, sizeof(p->error_type), "cancelled"); break;
	case MCP_TIMEOUT: snprintf(p->error_type, sizeof(p->error_type), "timeout"); break;
	case MCP_CLOSED: snprintf(p->error_type, sizeof(p->error_type), "closed"); break;
	}
}

void mcp_finish(struct mcp_tracker *t, struct mcp_pending *p, enum mcp_outcome outcome,
		   uint64_t end_ns, const struct jsonrpc_msg *resp, const struct mcp_io *rio,
		   bool resp_truncated)
{
	uint64_t shash = p->session_hash;
	bool was_stitched = p->parent_stitched;

	mcp_stitch(t, p);
	if (p->role == MCP_ROLE_SERVER && p->parent_stitched && !was_stitched)
		mcp_tell_server_span(t, p->pid, p); /* its trace is the client's now */
	/* HTTP: the session id arrives with the initialize response. */
	if (!shash && rio && mcp_session_hash_of(rio)) {
		shash = mcp_session_hash_of(rio);
		snprintf(p->session_id, sizeof(p->session_id), "%s", rio->session_id);
	}
	uint64_t chan = mcp_channels_chan(t->chans, p->conn, shash);
	struct mcp_session_rec *s = NULL;
	if (!strcmp(p->method, "initialize") && outcome == MCP_OK) {
		s = mcp_channels_session(t->chans, p->pid, chan, true);
		if (s) {
			s->role = p->role;
			s->transport = p->transport;
			s->start_ns = p->start_ns;
			snprintf(s->session_id, sizeof(s->session_id), "%s", p->session_id);
			const char *v = resp && resp->protocol_version[0] ? resp->protocol_version
									: p->protocol_version;
			snprintf(s->protocol_version, sizeof(s->protocol_version), "%s", v);
		}
	} else {
		s = mcp_channels_session(t->chans, p->pid, chan, false);
	}
	if (s && s->protocol_version[0])
		memcpy(p->protocol_version, s->protocol_version, sizeof(p->protocol_version));
	p->outcome = outcome;
	p->end_ns = end_ns > p->start_ns ? end_ns : p->start_ns;
	set_error(p, outcome, resp);
	p->truncated |= resp_truncated;
	if (resp && resp->content)
		p->result = strdup(resp->content);

	if (p->role == MCP_ROLE_CLIENT)
		mcp_pending_remember(t->pending, p);
	uint32_t pid = p->pid;
	bool server = p->role == MCP_ROLE_SERVER;
	mcp_pending_remove(t->pending, p);
	t->stats.inflight = mcp_pending_count(t->pending);
	if (server && !p->parent_stitched && !p->parent_remote && !t->cfg.no_hold) {
		t->stats.held++;
		struct mcp_pending *out = mcp_hold_put(&t->held, p, t->round);
		if (out)
			mcp_release(t, out);
	} else {
		emit(t, p);
	}
	if (server) /* the one still open, if any, is the server's span now */
		mcp_tell_server_span(t, pid, mcp_open_server(t, pid));
}
