/* Model Context Protocol operations from JSON-RPC messages seen on the
 * wire, on both sides of it. A request written by a traced process and the
 * response it later reads make a CLIENT operation of that process; a
 * request read and the response written make a SERVER one. Matching is by
 * JSON-RPC id within a channel: the socket or HTTP session both directions
 * share, or, for stdio, the pipe pair (learned from the first exchange on
 * it, or given by the source when it knows the server's stdin and stdout).
 *
 * When both ends are traced, the SERVER operation is the child of the
 * CLIENT one in the same trace: they share the stream the request crossed
 * and its id. A W3C traceparent in params._meta wins when present. A
 * CLIENT operation's parent is, after a traceparent, the native span open
 * on the writing thread, else (tools/call) the LLM call whose answer asked
 * for the tool (tool_calls.h), else the SERVER operation its process is
 * handling (an MCP server calling another while it serves a request).
 *
 * Output is plain structs through callbacks: finished operations,
 * notifications (cancellations included), and ended sessions. */
#ifndef MCP_SESSION_H
#define MCP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "jsonrpc_framer.h"
#include "jsonrpc_msg.h"
#include "mcp_pending.h"

enum mcp_transport { MCP_TR_PIPE = 1, MCP_TR_UNIX, MCP_TR_TCP };

/* Where and when a message was seen. */
struct mcp_io {
	uint32_t pid, tid;
	uint64_t conn;      /* the stream, the same id on both ends: a pipe's
			     * inode, a socket pair's id (never 0) */
	uint64_t peer_conn; /* 0, or the stream known to carry the other
			     * direction (a server's stdin and stdout) */
	bool outbound;      /* pid wrote it (true) or read it */
	enum mcp_transport transport;
	const char *session_id;       /* Mcp-Session-Id, or NULL */
	const char *protocol_version; /* MCP-Protocol-Version header, or NULL */
	uint64_t first_ns, last_ns;   /* CLOCK_MONOTONIC */
	/* the span open on the writing thread (a native span), 0: none */
	uint64_t parent_trace_hi, parent_trace_lo, parent_span_id;
};

enum mcp_outcome {
	MCP_OK = 0,
	MCP_RPC_ERROR,  /* a JSON-RPC error response */
	MCP_TOOL_ERROR, /* a result with isError: true */
	MCP_CANCELLED,  /* notifications/cancelled for it */
	MCP_TIMEOUT,    /* no response within the timeout */
	MCP_CLOSED,     /* its process exited first */
};

struct mcp_op {
	enum mcp_role role;
	enum mcp_outcome outcome;
	uint32_t pid, tid;  /* tid: the thread that sent or read the request */
	uint64_t conn;
	enum mcp_transport transport;
	const char *method;
	const char *name;   /* tools/call: the tool; prompts/get: the prompt; else "" */
	const char *uri;    /* resources/read, (un)subscribe: params.uri; else "" */
	struct jsonrpc_id id;
	char error_type[24]; /* "" when OK; JSON-RPC code, tool_error, cancelled, timeout, closed */
	const char *error_message; /* JSON-RPC error.message; "" when none */
	uint64_t start_ns, end_ns;
	const char *protocol_version; /* "" when unknown */
	const char *session_id;       /* "" outside HTTP sessions */
	uint64_t trace_hi, trace_lo, span_id, parent_span_id; /* parent 0: a root */
	bool parent_remote;   /* the parent came from params._meta.traceparent */
	bool parent_stitched; /* the parent is the traced peer's CLIENT span */
	bool truncated;       /* its request or response was cut (over the cap) */
	const char *arguments, *result; /* content: capture_content only, else NULL */
};

/* The span name: "{method} {target}", target the tool or prompt name (and
 * the resource URI when uri_in_name is set); the method alone otherwise. */
void mcp_op_span_name(const struct mcp_op *op, bool uri_in_name, char *buf, size_t cap);
const char *mcp_transport_name(enum mcp_transport t); /* network.transport */

struct mcp_note {
	uint32_t pid, tid;
	bool outbound;
	const char *method;
	uint64_t time_ns;
	uint64_t conn;
	enum mcp_transport transport;
	struct jsonrpc_id ref_id;  /* notifications/cancelled: the request */
	/* the operation it concerns, when known (a cancellation): its span */
	uint64_t trace_hi, trace_lo, span_id;
};

struct mcp_session_end {
	uint32_t pid;
	enum mcp_role role; /* CLIENT: the side that sent initialize */
	enum mcp_transport transport;
	uint64_t start_ns, end_ns;
	const char *protocol_version;
	const char *session_id;
};

struct mcp_sink {
	void (*op)(void *ctx, const struct mcp_op *op);
	void (*note)(void *ctx, const struct mcp_note *n);
	void (*session)(void *ctx, const struct mcp_session_end *s);
	/* Optional: the SERVER span open in pid is now this one (span_id 0:
	 * none), for what else the server does meanwhile to hang under it. */
	void (*server_span)(void *ctx, uint32_t pid, uint64_t trace_hi, uint64_t trace_lo, uint64_t span_id);
	void *ctx;
};

struct mcp_tracker_config {
	size_t max_inflight;  /* 0: 65536 */
	uint64_t timeout_ns;  /* 0: 300 s */
	size_t max_sessions;  /* 0: 4096 */
	bool capture_content;
	uint64_t seed;        /* span ids; 0: from getrandom */
	/* A SERVER op that ends with no CLIENT parent found is held until its
	 * client's write is read or the next poll round ends (mcp_hold.h);
	 * no_hold: emitted at once (tests of other things) */
	bool no_hold;
	/* LLM answers' tool calls (tool_calls.h); NULL: the run's shared table */
	struct tool_calls *tool_calls;
};

struct mcp_tracker_stats {
	uint64_t frames, invalid, salvaged;  /* framed lines; not JSON-RPC; read from a cut one */
	uint64_t requests, responses, notifications;
	uint64_t ops;                        /* operations emitted */
	uint64_t unmatched;                  /* responses with no request (attached late, lost) */
	uint64_t ambiguous;                  /* responses with several possible requests */
	uint64_t evicted;                    /* requests pushed out of a full table */
	uint64_t timeouts, cancelled, closed;
	uint64_t reused_ids;                 /* an id sent again while in flight */
	uint64_t stitched;                   /* SERVER ops parented to a traced CLIENT op */
	uint64_t held, held_unstitched;      /* SERVER ops held; of them, emitted with no CLIENT */
	uint64_t llm_parented;               /* CLIENT tools/call ops under the LLM call that asked */
	uint64_t reserved;                   /* SERVER ops hung under their CLIENT span before its write was read */
	uint64_t pairs_reset;                /* the pipe-pair table was full and forgotten */
	uint64_t inflight, inflight_max;
};

struct mcp_tracker;
struct tool_calls;

struct mcp_tracker *mcp_tracker_new(const struct mcp_tracker_config *cfg, const struct mcp_sink *sink);
void mcp_tracker_free(struct mcp_tracker *t); /* drops what is in flight, emits nothing */

/* One framed message (see jsonrpc_framer.h) seen at io. io->first_ns and
 * last_ns are ignored: the frame's times are used. */
void mcp_tracker_frame(struct mcp_tracker *t, const struct mcp_io *io, const struct jsonrpc_frame *f);
/* One parsed message (for callers that classify themselves). */
void mcp_tracker_message(struct mcp_tracker *t, const struct mcp_io *io, const struct jsonrpc_msg *m);

/* The rings were read (final: for the last time): SERVER ops held in an
 * earlier round are emitted, stitched if they can be (every one when
 * final). The tracker registers this with sources_on_poll_end itself. */
void mcp_tracker_poll_end(struct mcp_tracker *t, bool final);
/* Requests older than the timeout end as MCP_TIMEOUT at now. */
void mcp_tracker_sweep(struct mcp_tracker *t, uint64_t now_ns);
/* pid read the end of conn (EOF) or closed it: its session on it ends. */
void mcp_tracker_close(struct mcp_tracker *t, uint32_t pid, uint64_t conn, uint64_t now_ns);
/* An HTTP session ended (DELETE with its Mcp-Session-Id). */
void mcp_tracker_session_closed(struct mcp_tracker *t, uint32_t pid, const char *session_id,
				uint64_t now_ns);
/* pid exited: its requests end as MCP_CLOSED, its sessions end. */
void mcp_tracker_exit(struct mcp_tracker *t, uint32_t pid, uint64_t now_ns);
/* pid forked: the SERVER span it is handling joins its CLIENT's trace now
 * if that was not known when the request was read (the client's write may
 * be read after the server's read), and is told again (sink.server_span),
 * so that the child is in the trace the span ends in. */
void mcp_tracker_restitch(struct mcp_tracker *t, uint32_t pid);

const struct mcp_tracker_stats *mcp_tracker_stats(const struct mcp_tracker *t);

#endif
