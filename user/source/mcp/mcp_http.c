/* Streamable HTTP -> JSON-RPC messages: see mcp_http.h. */
#include "source/mcp/mcp_http.h"

#include "mcp_trace.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Per exchange: which stream it is on, whether its request went to the
 * tracker yet; listed on the stream for mcp_http_after_feed. */
struct xstate {
	struct http1_exchange *x;
	struct mcp_stream *st;
	bool req_done;
	struct xstate *next;
};

struct frame_ctx {
	struct mcp_http *h;
	const struct mcp_io *io;
};

static void on_frame(void *ctx, const struct jsonrpc_frame *f)
{
	struct frame_ctx *c = ctx;
	uint64_t invalid = mcp_tracker_stats(c->h->tracker)->invalid;

	mcp_tracker_frame(c->h->tracker, c->io, f);
	if (mcp_tracker_stats(c->h->tracker)->invalid == invalid) {
		c->h->messages++;
		if (c->h->cur)
			c->h->cur->messages++;
	}
}

/* One body or event: a JSON-RPC message or batch, seen by the traced
 * process as written (outbound) or read. */
static void message(struct mcp_http *h, struct mcp_stream *st, const char *p, size_t n, bool outbound,
		    const char *session, const char *version, uint64_t t0, uint64_t t1)
{
	struct mcp_io io = {
		.pid = st->pid,
		.tid = h->cur_tid ? h->cur_tid : st->pid,
		.conn = st->conn,
		.outbound = outbound,
		.transport = st->kind == MCP_IO_UNIX ? MCP_TR_UNIX : MCP_TR_TCP,
		.session_id = session && session[0] ? session : NULL,
		.protocol_version = version && version[0] ? version : NULL,
	};
	struct frame_ctx c = {h, &io};
	struct mcp_stream *saved = h->cur;

	h->cur = st;
	jsonrpc_feed_message(&st->fr[outbound ? 0 : 1], p, n, t0, t1, on_frame, &c);
	h->cur = saved;
}

static void request(struct mcp_http *h, struct xstate *xs)
{
	struct http1_exchange *x = xs->x;
	struct mcp_stream *st = xs->st;

	xs->req_done = true;
	if (!strcmp(x->method, "DELETE")) {
		mcp_tracker_session_closed(h->tracker, st->pid, x->mcp_session_id, x->req_end_ns);
		return;
	}
	if (x->req_body.data && x->req_body.len)
		message(h, st, x->req_body.data, x->req_body.len, st->http_client, x->mcp_session_id,
			x->mcp_protocol_version, x->req_start_ns, x->req_end_ns);
}

/* The session a response belongs to: the one it assigns (initialize),
 * else the one its request named. */
static const char *resp_session(const struct http1_exchange *x)
{
	return x->resp_mcp_session_id[0] ? x->resp_mcp_session_id : x->mcp_session_id;
}

static bool want(void *ctx, struct http1_exchange *x)
{
	struct mcp_http *h = ctx;

	if (!h->cur || (strcmp(x->method, "POST") && strcmp(x->method, "GET") && strcmp(x->method, "DELETE")))
		return false;
	struct xstate *xs = calloc(1, sizeof(*xs));
	if (!xs)
		return false;
	xs->x = x;
	xs->st = h->cur;
	xs->next = h->cur->http_pending;
	h->cur->http_pending = xs;
	x->user = xs;
	return true;
}

static void sse(void *ctx, struct http1_exchange *x, const struct sse_event *ev, uint64_t ts)
{
	struct mcp_http *h = ctx;
	struct xstate *xs = x->user;

	if (!xs)
		return;
	if (!xs->req_done && x->req_complete)
		request(h, xs);
	if (ev->data_len && !ev->truncated)
		message(h, xs->st, ev->data, ev->data_len, !xs->st->http_client, resp_session(x), NULL, ts, ts);
}

static bool is_json(const char *content_type)
{
	return !strncasecmp(content_type, "application/json", 16);
}

static void done(void *ctx, struct http1_exchange *x)
{
	struct mcp_http *h = ctx;
	struct xstate *xs = x->user;

	if (!xs)
		return;
	if (!xs->req_done && x->req_complete)
		request(h, xs);
	if (x->outcome == HTTP1_COMPLETE && !x->sse && is_json(x->resp_content_type) && x->resp_body.data &&
	    x->resp_body.len)
		message(h, xs->st, x->resp_body.data, x->resp_body.len, !xs->st->http_client, resp_session(x), NULL,
			x->resp_start_ns, x->resp_end_ns);
	for (struct xstate **pp = (struct xstate **)&xs->st->http_pending; *pp; pp = &(*pp)->next) {
		if (*pp == xs) {
			*pp = xs->next;
			break;
		}
	}
	free(xs);
	x->user = NULL;
}

void mcp_http_init(struct mcp_http *h, struct mcp_tracker *tracker)
{
	struct http1_handler hd = {.want = want, .sse = sse, .done = done, .ctx = h};

	memset(h, 0, sizeof(*h));
	http1_ctx_init(&h->http, &hd);
	h->tracker = tracker;
}

bool mcp_http_start(struct mcp_http *h, struct mcp_stream *st, bool client)
{
	st->http = http1_conn_new(&h->http);
	st->http_client = client;
	return st->http != NULL;
}

/* Requests whose body just completed go to the tracker now. */
static void after_feed(struct mcp_http *h, struct mcp_stream *st)
{
	for (struct xstate *xs = st->http_pending; xs; xs = xs->next)
		if (!xs->req_done && xs->x->req_complete)
			request(h, xs);
}

void mcp_http_feed(struct mcp_http *h, struct mcp_stream *st, uint32_t tid, int dir, const char *p, size_t n,
		   uint64_t ts)
{
	if (!st->http)
		return;
	h->cur = st;
	h->cur_tid = tid;
	http1_feed(st->http, dir ? TLS_DIR_READ : TLS_DIR_WRITE, p, n, ts);
	after_feed(h, st);
	h->cur = NULL;
	h->cur_tid = 0;
}

void mcp_http_gap(struct mcp_http *h, struct mcp_stream *st, int dir, uint64_t n, uint64_t ts)
{
	if (!st->http)
		return;
	h->cur = st;
	http1_gap(st->http, dir ? TLS_DIR_READ : TLS_DIR_WRITE, n, ts);
	h->cur = NULL;
}

void mcp_http_close(struct mcp_http *h, struct mcp_stream *st, uint64_t ts, bool abandon)
{
	if (!st->http)
		return;
	h->cur = st;
	if (abandon)
		http1_abandon(st->http);
	else
		http1_close(st->http, ts);
	st->http = NULL;
	h->cur = NULL;
	/* every exchange ended through done(), which freed its state */
}
