/* HTTP/1.1 reassembly of one connection's plaintext, both directions, with
 * Debian's libhttp-parser doing the message framing (request/status line,
 * headers, Content-Length, chunked, keep-alive).
 *
 * Fed the bytes of each SSL_write/SSL_read in order (http1_feed), it pairs
 * each request with its response into an exchange and tells a handler:
 * want() when a request's head is parsed (the handler decides whether the
 * bodies are kept), sse() for each event of a text/event-stream response,
 * done() when the exchange is over, answered or not.
 *
 * What is kept of a message: method, path (never the query string: some
 * APIs put their key there), and only the headers named in struct
 * http1_exchange. No other header value (Authorization, x-api-key,
 * cookies...) is copied anywhere. Bodies are decoded (gzip, deflate, br)
 * and kept up to max_body bytes; past that they are counted as truncated,
 * while an event stream keeps being parsed to its last event.
 *
 * A connection joined in the middle (the tracer attached to a running
 * process) is read from the next message start on; what came before is
 * counted as skipped. An HTTP/2 connection (client preface) is recognised
 * and counted, not parsed. */
#ifndef TLS_HTTP1_H
#define TLS_HTTP1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source/tls/body_decoder.h"
#include "source/tls/sse.h"

/* Direction of a chunk of plaintext, as the traced process sees it. */
enum tls_dir { TLS_DIR_WRITE = 0, TLS_DIR_READ = 1 };

#define HTTP1_PATH_MAX 1024
#define HTTP1_HOST_MAX 256
#define HTTP1_TYPE_MAX 128
#define HTTP1_CODING_MAX 64
#define HTTP1_TRACEPARENT_MAX 64
#define HTTP1_MCP_SESSION_MAX 128

struct http1_body {
	char *data;        /* decoded bytes, NUL-terminated, at most max_body */
	size_t len, cap;
	uint64_t total;    /* decoded bytes seen, kept or not */
	bool truncated;    /* total > max_body */
	bool decode_failed;
};

enum http1_outcome {
	HTTP1_COMPLETE = 1,     /* a whole response */
	HTTP1_CLOSED_MID_RESPONSE, /* connection ended inside the response */
	HTTP1_NO_RESPONSE,      /* connection ended before any response */
	HTTP1_PARSE_ERROR,      /* the response did not parse */
	HTTP1_ABANDONED,        /* the tracer dropped the connection (evicted, stopped) */
};

struct http1_exchange {
	/* request */
	char method[16];
	char path[HTTP1_PATH_MAX];  /* up to '?': no query string */
	bool path_truncated;
	char host[HTTP1_HOST_MAX];
	char req_content_type[HTTP1_TYPE_MAX];
	char req_content_encoding[HTTP1_CODING_MAX];
	char traceparent[HTTP1_TRACEPARENT_MAX];
	/* Model Context Protocol, Streamable HTTP (source/mcp/): the session
	 * the request names and the one a response (to initialize) assigns */
	char mcp_session_id[HTTP1_MCP_SESSION_MAX];
	char resp_mcp_session_id[HTTP1_MCP_SESSION_MAX];
	char mcp_protocol_version[32];
	struct http1_body req_body;
	bool req_complete;
	uint64_t req_start_ns, req_end_ns;
	/* response */
	int status;
	char resp_content_type[HTTP1_TYPE_MAX];
	char resp_content_encoding[HTTP1_CODING_MAX];
	char resp_transfer_encoding[HTTP1_CODING_MAX];
	bool resp_started, sse;
	struct http1_body resp_body; /* SSE streams: only the first max_body bytes */
	uint64_t resp_start_ns, resp_end_ns;
	uint64_t first_event_ns; /* SSE: when the first event was complete */
	enum http1_outcome outcome;
	bool wanted;  /* the handler keeps this exchange's bodies */
	void *user;   /* the handler's per-exchange state */
	struct http1_exchange *next; /* queue of requests awaiting responses */
};

struct http1_handler {
	/* A request's head is parsed: return true to keep its bodies and get
	 * sse()/done() for it; false to skip it (framing is still followed). */
	bool (*want)(void *ctx, struct http1_exchange *x);
	/* One event of a wanted text/event-stream response. */
	void (*sse)(void *ctx, struct http1_exchange *x, const struct sse_event *ev, uint64_t ts_ns);
	/* A wanted exchange is over (see x->outcome); x is freed after. */
	void (*done)(void *ctx, struct http1_exchange *x);
	void *ctx;
};

struct http1_stats {
	uint64_t requests;         /* request heads parsed */
	uint64_t responses;        /* response heads parsed and paired */
	uint64_t ignored;          /* requests the handler did not want */
	uint64_t skipped_messages; /* partial messages skipped (mid-connection attach, after an error) */
	uint64_t skipped_bytes;
	uint64_t orphan_responses; /* responses whose request was not seen */
	uint64_t h2_connections;   /* HTTP/2 preface seen: connection not parsed */
	uint64_t upgrades;         /* Upgrade/CONNECT: the rest of the connection not parsed */
	uint64_t parse_errors;
	uint64_t bodies_truncated;
	uint64_t decode_errors;    /* corrupt or unsupported Content-Encoding */
	uint64_t closed_mid_response;
	uint64_t unanswered;       /* connection ended with a request unanswered */
	uint64_t gap_bytes;        /* plaintext lost before it reached us (see http1_gap) */
	uint64_t sse_events;
	uint64_t sse_truncated_events;
};

struct http1_ctx {
	struct http1_handler h;
	size_t max_body;  /* bytes of a decoded body kept (default 1 MiB) */
	size_t max_event; /* bytes of one SSE event kept (default 1 MiB) */
	size_t max_pending; /* requests awaiting responses per connection (default 64) */
	bool verbose;     /* a line on stderr per h2 connection / parse error */
	struct http1_stats st;
};

#define HTTP1_DEFAULT_MAX_BODY (1u << 20)

void http1_ctx_init(struct http1_ctx *ctx, const struct http1_handler *h);

struct http1_conn;
struct http1_conn *http1_conn_new(struct http1_ctx *ctx);
/* Plaintext bytes written (TLS_DIR_WRITE) or read by the traced process. */
void http1_feed(struct http1_conn *c, enum tls_dir dir, const char *p, size_t n, uint64_t ts_ns);
/* n bytes of a direction never arrived (a call larger than the BPF side
 * copies, records lost): a body of known length is cut there and framing
 * goes on; anywhere else the message is given up and the next one looked
 * for. */
void http1_gap(struct http1_conn *c, enum tls_dir dir, uint64_t n, uint64_t ts_ns);
/* The connection ended (SSL_free, SSL_shutdown): an EOF-delimited body
 * ends here; exchanges still open end as closed mid-response or unanswered.
 * Frees c. */
void http1_close(struct http1_conn *c, uint64_t ts_ns);
/* The tracer drops the connection (evicted, stopping): exchanges still
 * open end as HTTP1_ABANDONED. Frees c. */
void http1_abandon(struct http1_conn *c);
/* The connection speaks HTTP/2 or was upgraded: nothing more to parse. */
bool http1_conn_unparsed(const struct http1_conn *c);
/* sizeof(struct http1_conn), for tests that scan its bytes for secrets. */
size_t http1_conn_size(void);

#endif
