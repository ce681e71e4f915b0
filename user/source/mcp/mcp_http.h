/* Streamable HTTP (MCP over plaintext HTTP/1.1, often on 127.0.0.1) into
 * JSON-RPC messages for the tracker: the POST bodies, the JSON or
 * text/event-stream responses (one message per SSE event), the GET event
 * stream a server sends its own requests on, and DELETE (the session
 * ends). HTTP/1.1 itself is the tls source's reassembly (tls/http1.h),
 * which keeps the Mcp-Session-Id and MCP-Protocol-Version headers.
 *
 * Order matters to the tracker: a request must be known before its
 * response, and before the response the traced peer reads. So a request
 * body goes to the tracker as soon as it is complete (checked after
 * every feed), not when its exchange ends. */
#ifndef MCP_HTTP_H
#define MCP_HTTP_H

#include "source/mcp/mcp_session.h"
#include "source/mcp/mcp_streams.h"
#include "source/tls/http1.h"

struct mcp_http {
	struct http1_ctx http;
	struct mcp_tracker *tracker;
	struct mcp_stream *cur; /* the stream being fed (set around http1_feed) */
	uint32_t cur_tid;
	uint64_t messages;      /* JSON-RPC messages found in HTTP */
};

void mcp_http_init(struct mcp_http *h, struct mcp_tracker *tracker);
/* Starts HTTP framing on st; client: this process sent the first request. */
bool mcp_http_start(struct mcp_http *h, struct mcp_stream *st, bool client);
/* Bytes of st in direction dir (0 written, 1 read) at ts. */
void mcp_http_feed(struct mcp_http *h, struct mcp_stream *st, uint32_t tid, int dir, const char *p, size_t n,
		   uint64_t ts);
void mcp_http_gap(struct mcp_http *h, struct mcp_stream *st, int dir, uint64_t n, uint64_t ts);
/* The stream ended (EOF) or is dropped (abandon): its open exchanges end. */
void mcp_http_close(struct mcp_http *h, struct mcp_stream *st, uint64_t ts, bool abandon);

#endif
