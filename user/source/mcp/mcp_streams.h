/* What the mcp source keeps per stream a traced process reads or writes
 * (a pipe, a Unix or TCP socket: one end, keyed by pid and inode): how the
 * stream is framed — newline-delimited JSON (stdio), HTTP/1.1 (Streamable
 * HTTP), or muted (not MCP) — a framer per direction, the chunk
 * bookkeeping that reveals lost bytes, and how much of it was MCP. Bounded:
 * the least recently used stream makes room. */
#ifndef MCP_STREAMS_H
#define MCP_STREAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "source/mcp/jsonrpc_framer.h"

enum mcp_stream_mode { MS_NEW = 0, MS_JSON, MS_HTTP, MS_MUTED };

struct http1_conn;

struct mcp_stream {
	uint32_t pid;
	uint64_t stream;            /* this end's inode */
	uint64_t conn;              /* what both ends share */
	uint8_t kind;               /* enum mcp_io_kind */
	enum mcp_stream_mode mode;
	struct jsonrpc_framer fr[2]; /* [0] written, [1] read */
	uint64_t next_off[2], total[2]; /* chunks of the call in progress */
	struct http1_conn *http;
	bool http_client;           /* this process sends the requests */
	void *http_pending;         /* the HTTP bridge's exchanges (mcp_http.c) */
	uint64_t bytes, messages;   /* seen; JSON-RPC messages among them */
	/* links (owned by the table) */
	struct mcp_stream *hnext, *older, *newer;
};

struct mcp_streams;

/* Called for a stream about to be dropped (evicted, its process gone, the
 * table freed), before its framers are: close its HTTP connection. */
typedef void (*mcp_stream_drop_fn)(void *ctx, struct mcp_stream *s);

struct mcp_streams *mcp_streams_new(size_t max, size_t max_msg, mcp_stream_drop_fn drop, void *ctx);
void mcp_streams_free(struct mcp_streams *t);
/* The stream (pid, stream), made when create is set (evicting the least
 * recently used one when full). NULL when absent or out of memory. */
struct mcp_stream *mcp_streams_get(struct mcp_streams *t, uint32_t pid, uint64_t stream, bool create);
/* Drops every stream of pid. */
void mcp_streams_drop_pid(struct mcp_streams *t, uint32_t pid);
size_t mcp_streams_count(const struct mcp_streams *t);
uint64_t mcp_streams_evicted(const struct mcp_streams *t);

/* A server on stdio reads requests on fd 0 and writes answers on fd 1:
 * remembering both per process names the pipe pair for the tracker. */
void mcp_streams_note_fd(struct mcp_streams *t, uint32_t pid, uint32_t fd, uint64_t conn);
/* The conn on the other standard fd of pid (0 <-> 1), 0 when unknown. */
uint64_t mcp_streams_std_peer(const struct mcp_streams *t, uint32_t pid, uint32_t fd);

#endif
