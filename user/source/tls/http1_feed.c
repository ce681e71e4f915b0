/* HTTP/1.1 reassembly, feeding: bytes in order per direction, resynchronising
 * after a mid-connection attach or a parse error, holes, the connection's
 * end. The parser callbacks and bodies are in http1.c. */
#include <http_parser.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/tls/http1_int.h"

/* ---- feeding -------------------------------------------------------- */

static void set_role(struct http1_conn *c, int role)
{
	c->role = role;
	int reqdir = role == ROLE_CLIENT ? TLS_DIR_WRITE : TLS_DIR_READ;
	for (int i = 0; i < 2; i++) {
		struct dirstate *d = &c->d[i];
		d->is_request = i == reqdir;
		http_parser_init(&d->p, d->is_request ? HTTP_REQUEST : HTTP_RESPONSE);
		d->p.data = d;
	}
}

/* The message in progress in d cannot be finished (bad framing). */
static void message_abort(struct dirstate *d, enum http1_outcome how)
{
	struct http1_conn *c = d->conn;
	struct http1_exchange *x = d->x;
	http1_body_end(d, false);
	d->x = NULL;
	d->in_msg = false;
	d->interim = false;
	if (!x)
		return;
	if (d->is_request)
		http1_exchange_finish(c, x, HTTP1_PARSE_ERROR); /* the request never completed */
	else
		http1_exchange_finish(c, x, how);
}

static void feed_resync(struct http1_conn *c, struct dirstate *d, const char *p, size_t n);

static void feed_parser(struct http1_conn *c, struct dirstate *d, const char *p, size_t n)
{
	struct http1_ctx *ctx = c->ctx;
	size_t got = http_parser_execute(&d->p, &http1_settings, p, n);
	if (c->unparsed)
		return;
	if (d->p.upgrade) {
		/* CONNECT or Upgrade (websocket, h2c): not HTTP/1 from here on */
		ctx->st.upgrades++;
		c->unparsed = true;
		return;
	}
	enum http_errno e = HTTP_PARSER_ERRNO(&d->p);
	if (e == HPE_OK)
		return;
	ctx->st.parse_errors++;
	if (ctx->verbose)
		fprintf(stderr, "mcp-bpftrace: tls: HTTP/1 %s did not parse (%s); skipping to the next message\n",
			d->is_request ? "request" : "response", http_errno_name(e));
	message_abort(d, HTTP1_PARSE_ERROR);
	ctx->st.skipped_messages++;
	http_parser_init(&d->p, d->is_request ? HTTP_REQUEST : HTTP_RESPONSE);
	d->p.data = d;
	d->state = D_RESYNC;
	memset(&d->sync, 0, sizeof(d->sync));
	size_t skip = got < n ? got + 1 : n; /* past the byte that failed */
	ctx->st.skipped_bytes += skip;
	if (skip < n)
		feed_resync(c, d, p + skip, n - skip);
}

static void feed_resync(struct http1_conn *c, struct dirstate *d, const char *p, size_t n)
{
	struct http1_ctx *ctx = c->ctx;
	unsigned kinds = START_H2;
	if (c->role == ROLE_UNKNOWN)
		kinds |= START_REQUEST | START_RESPONSE;
	else
		kinds |= d->is_request ? START_REQUEST : START_RESPONSE;
	size_t off, cl;
	uint64_t skipped;
	char carried[HTTP1_SYNC_CARRY];
	int k = http1_sync_scan(&d->sync, kinds, p, n, &off, carried, &cl, &skipped);
	ctx->st.skipped_bytes += skipped;
	if (skipped)
		d->skipped_any = true;
	if (k == START_NONE)
		return;
	if (d->skipped_any)
		ctx->st.skipped_messages++;
	d->skipped_any = false;
	if (k == START_H2) {
		ctx->st.h2_connections++;
		c->unparsed = true;
		if (ctx->verbose)
			fprintf(stderr, "mcp-bpftrace: tls: HTTP/2 connection (client preface seen): not parsed\n");
		return;
	}
	if (c->role == ROLE_UNKNOWN) {
		bool request_written = (k == START_REQUEST) == (d == &c->d[TLS_DIR_WRITE]);
		set_role(c, request_written ? ROLE_CLIENT : ROLE_SERVER);
	}
	d->state = D_SYNC;
	if (cl)
		feed_parser(c, d, carried, cl);
	if (d->state == D_SYNC && !c->unparsed)
		feed_parser(c, d, p + off, n - off);
	else if (!c->unparsed)
		feed_resync(c, d, p + off, n - off);
}

void http1_feed(struct http1_conn *c, enum tls_dir dir, const char *p, size_t n, uint64_t ts_ns)
{
	if (!c || c->unparsed || !n || (dir != TLS_DIR_WRITE && dir != TLS_DIR_READ))
		return;
	struct dirstate *d = &c->d[dir];
	d->ts = ts_ns;
	if (d->state == D_FRESH)
		d->state = D_RESYNC;
	if (d->state == D_RESYNC)
		feed_resync(c, d, p, n);
	else
		feed_parser(c, d, p, n);
}

void http1_gap(struct http1_conn *c, enum tls_dir dir, uint64_t n, uint64_t ts_ns)
{
	if (!c || c->unparsed || !n || (dir != TLS_DIR_WRITE && dir != TLS_DIR_READ))
		return;
	struct dirstate *d = &c->d[dir];
	c->ctx->st.gap_bytes += n;
	d->ts = ts_ns;
	if (d->state != D_SYNC) {
		d->skipped_any = true;
		d->sync.carry_len = 0;
		return;
	}
	if (d->in_body && !(d->p.flags & F_CHUNKED) && d->p.content_length != ULLONG_MAX &&
	    n <= d->p.content_length) {
		/* A body of known length: framing goes on past the hole, the body
		 * is kept no further (a request's JSON keeps its head). */
		static const char fill[4096];
		if (d->body && !d->body->truncated) {
			d->body->truncated = true;
			c->ctx->st.bodies_truncated++;
		}
		d->gapped = true;
		while (n && d->state == D_SYNC && !c->unparsed) {
			size_t k = n < sizeof(fill) ? (size_t)n : sizeof(fill);
			feed_parser(c, d, fill, k);
			n -= k;
		}
		return;
	}
	message_abort(d, HTTP1_PARSE_ERROR);
	c->ctx->st.skipped_messages++;
	http_parser_init(&d->p, d->is_request ? HTTP_REQUEST : HTTP_RESPONSE);
	d->p.data = d;
	d->state = D_RESYNC;
	memset(&d->sync, 0, sizeof(d->sync));
}

static void conn_end(struct http1_conn *c, bool closed, uint64_t ts_ns)
{
	struct http1_ctx *ctx = c->ctx;
	if (closed && !c->unparsed) {
		/* EOF: ends a response whose body runs to the connection's end */
		for (int i = 0; i < 2; i++) {
			struct dirstate *d = &c->d[i];
			if (d->state == D_SYNC && d->in_msg) {
				d->ts = ts_ns;
				http_parser_execute(&d->p, &http1_settings, NULL, 0);
			}
		}
	}
	for (int i = 0; i < 2; i++)
		http1_body_end(&c->d[i], false);
	while (c->qhead) {
		struct http1_exchange *x = c->qhead;
		enum http1_outcome how = HTTP1_ABANDONED;
		if (closed) {
			x->resp_end_ns = ts_ns;
			if (x->resp_started) {
				how = HTTP1_CLOSED_MID_RESPONSE;
				ctx->st.closed_mid_response++;
			} else {
				how = HTTP1_NO_RESPONSE;
				ctx->st.unanswered++;
			}
		}
		http1_exchange_finish(c, x, how);
	}
	free(c);
}

void http1_close(struct http1_conn *c, uint64_t ts_ns)
{
	if (c)
		conn_end(c, true, ts_ns);
}

void http1_abandon(struct http1_conn *c)
{
	if (c)
		conn_end(c, false, 0);
}
