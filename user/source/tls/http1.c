/* HTTP/1.1 reassembly on libhttp-parser: see http1.h.
 *
 * Each connection has one parser per direction. Which direction carries
 * requests is learnt from the first message start seen: a client writes
 * requests and reads responses, a server (an LLM server traced on its own
 * side) the other way round. Responses pair with requests in order
 * (HTTP/1.1 answers in request order, pipelined or not). */
#include "source/tls/http1.h"

#include <ctype.h>
#include <http_parser.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "source/tls/http1_int.h"

void http1_ctx_init(struct http1_ctx *ctx, const struct http1_handler *h)
{
	memset(ctx, 0, sizeof(*ctx));
	if (h)
		ctx->h = *h;
	ctx->max_body = HTTP1_DEFAULT_MAX_BODY;
	ctx->max_event = HTTP1_DEFAULT_MAX_BODY;
	ctx->max_pending = 64;
}

struct http1_conn *http1_conn_new(struct http1_ctx *ctx)
{
	struct http1_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->ctx = ctx;
	for (int i = 0; i < 2; i++) {
		c->d[i].conn = c;
		c->d[i].p.data = &c->d[i];
	}
	return c;
}

bool http1_conn_unparsed(const struct http1_conn *c)
{
	return c->unparsed;
}

size_t http1_conn_size(void)
{
	return sizeof(struct http1_conn);
}

/* ---- bodies --------------------------------------------------------- */

static void body_put(struct http1_ctx *ctx, struct http1_body *b, const char *p, size_t n)
{
	b->total += n;
	size_t room = ctx->max_body > b->len ? ctx->max_body - b->len : 0;
	if (n > room) {
		if (!b->truncated)
			ctx->st.bodies_truncated++;
		b->truncated = true;
		n = room;
	}
	if (!n)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 512;
		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > ctx->max_body + 1)
			cap = ctx->max_body + 1;
		char *d = realloc(b->data, cap);
		if (!d) {
			b->truncated = true;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void on_sse_event(void *ud, const struct sse_event *ev)
{
	struct dirstate *d = ud;
	struct http1_ctx *ctx = d->conn->ctx;
	struct http1_exchange *x = d->x;
	ctx->st.sse_events++;
	if (ev->truncated)
		ctx->st.sse_truncated_events++;
	if (!x)
		return;
	if (!x->first_event_ns)
		x->first_event_ns = d->ts;
	if (ctx->h.sse)
		ctx->h.sse(ctx->h.ctx, x, ev, d->ts);
}

/* Decoded body bytes: kept (up to max_body) or, for an event stream,
 * parsed as they come. */
static void decoded_sink(void *ud, const char *p, size_t n)
{
	struct dirstate *d = ud;
	if (d->sse_on) {
		d->body->total += n;
		sse_feed(&d->sse, p, n, on_sse_event, d);
	} else {
		body_put(d->conn->ctx, d->body, p, n);
	}
}

static void body_start(struct dirstate *d, struct http1_body *b, const char *coding, bool sse)
{
	d->body = b;
	body_decoder_init(&d->dec, body_coding_parse(coding));
	d->dec_on = true;
	if (d->dec.failed) {
		b->decode_failed = true;
		d->conn->ctx->st.decode_errors++;
	}
	d->sse_on = sse;
	if (sse)
		sse_init(&d->sse, d->conn->ctx->max_event);
}

/* The message's body is over (complete = its framing says so). */
void http1_body_end(struct dirstate *d, bool complete)
{
	if (d->dec_on) {
		if (complete && d->body && !d->body->decode_failed && !body_decoder_complete(&d->dec)) {
			d->body->decode_failed = true;
			d->conn->ctx->st.decode_errors++;
		}
		body_decoder_free(&d->dec);
	}
	if (d->sse_on)
		sse_free(&d->sse);
	d->dec_on = d->sse_on = false;
	d->body = NULL;
}

/* ---- exchanges ------------------------------------------------------ */

static void queue_remove(struct http1_conn *c, struct http1_exchange *x)
{
	struct http1_exchange **pp = &c->qhead, *prev = NULL;
	while (*pp && *pp != x) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (!*pp)
		return;
	*pp = x->next;
	if (c->qtail == x)
		c->qtail = prev;
	c->nq--;
	x->next = NULL;
}

void http1_exchange_finish(struct http1_conn *c, struct http1_exchange *x, enum http1_outcome how)
{
	struct http1_ctx *ctx = c->ctx;
	for (int i = 0; i < 2; i++)
		if (c->d[i].x == x) {
			/* the other direction may be mid-header for this exchange
			 * (a request cut by a parse error while its response
			 * arrives): nothing of it may point into x any more */
			http1_body_end(&c->d[i], false);
			c->d[i].x = NULL;
			c->d[i].vtarget = NULL;
		}
	queue_remove(c, x);
	x->outcome = how;
	if (x->wanted && ctx->h.done)
		ctx->h.done(ctx->h.ctx, x);
	free(x->req_body.data);
	free(x->resp_body.data);
	free(x);
}

/* ---- parser callbacks ---------------------------------------------- */

static void append(char *dst, size_t cap, size_t *len, const char *p, size_t n)
{
	if (*len + 1 >= cap)
		return;
	if (n > cap - 1 - *len)
		n = cap - 1 - *len;
	memcpy(dst + *len, p, n);
	*len += n;
	dst[*len] = '\0';
}

static void header_end(struct dirstate *d)
{
	if (d->vtarget)
		while (d->vlen && (d->vtarget[d->vlen - 1] == ' ' || d->vtarget[d->vlen - 1] == '\t'))
			d->vtarget[--d->vlen] = '\0';
	d->in_value = false;
	d->vtarget = NULL;
	d->field_len = 0;
}

static int cb_message_begin(http_parser *p)
{
	struct dirstate *d = p->data;
	struct http1_conn *c = d->conn;
	d->in_msg = true;
	d->field_len = 0;
	d->in_value = false;
	d->vtarget = NULL;
	d->url_done = false;
	d->in_body = d->gapped = false;
	d->x = NULL;
	if (d->is_request) {
		if (c->nq >= c->ctx->max_pending) {
			c->ctx->st.skipped_messages++;
			return 0;
		}
		struct http1_exchange *x = calloc(1, sizeof(*x));
		if (!x)
			return 0;
		x->req_start_ns = d->ts;
		if (c->qtail)
			c->qtail->next = x;
		else
			c->qhead = x;
		c->qtail = x;
		c->nq++;
		d->x = x;
	} else {
		struct http1_exchange *x = c->qhead;
		while (x && x->resp_started)
			x = x->next;
		if (!x) {
			c->ctx->st.orphan_responses++;
			return 0;
		}
		x->resp_started = true;
		x->resp_start_ns = d->ts;
		d->x = x;
	}
	return 0;
}

static int cb_url(http_parser *p, const char *at, size_t n)
{
	struct dirstate *d = p->data;
	struct http1_exchange *x = d->x;
	if (!x || d->url_done)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (at[i] == '?' || at[i] == '#') {
			n = i;
			d->url_done = true;
			break;
		}
	size_t len = strlen(x->path);
	if (len + n >= sizeof(x->path))
		x->path_truncated = true;
	append(x->path, sizeof(x->path), &len, at, n);
	return 0;
}

static int cb_header_field(http_parser *p, const char *at, size_t n)
{
	struct dirstate *d = p->data;
	if (d->in_value)
		header_end(d);
	for (size_t i = 0; i < n; i++) {
		if (d->field_len < sizeof(d->field) - 1)
			d->field[d->field_len] = (char)tolower((unsigned char)at[i]);
		d->field_len++; /* past the buffer: matches no name */
	}
	return 0;
}

/* Where a header's value goes; NULL for every header not named here. */
static char *header_target(struct dirstate *d, size_t *cap)
{
	struct http1_exchange *x = d->x;
	if (!x || d->field_len >= sizeof(d->field))
		return NULL;
	d->field[d->field_len] = '\0';
	const char *f = d->field;
#define T(name, member)                          \
	if (!strcmp(f, name)) {                  \
		*cap = sizeof(x->member);        \
		return x->member;                \
	}
	if (d->is_request) {
		T("host", host)
		T("content-type", req_content_type)
		T("content-encoding", req_content_encoding)
		T("traceparent", traceparent)
		T("mcp-session-id", mcp_session_id)
		T("mcp-protocol-version", mcp_protocol_version)
	} else {
		T("mcp-session-id", resp_mcp_session_id)
		T("content-type", resp_content_type)
		T("content-encoding", resp_content_encoding)
		T("transfer-encoding", resp_transfer_encoding)
	}
#undef T
	return NULL;
}

static int cb_header_value(http_parser *p, const char *at, size_t n)
{
	struct dirstate *d = p->data;
	if (!d->in_value) {
		d->in_value = true;
		d->vtarget = header_target(d, &d->vcap);
		d->vlen = 0;
		if (d->vtarget)
			d->vtarget[0] = '\0';
	}
	if (d->vtarget)
		append(d->vtarget, d->vcap, &d->vlen, at, n);
	return 0;
}

static int cb_headers_complete(http_parser *p)
{
	struct dirstate *d = p->data;
	struct http1_ctx *ctx = d->conn->ctx;
	struct http1_exchange *x = d->x;
	if (d->in_value)
		header_end(d);
	d->in_body = true;
	if (d->is_request) {
		ctx->st.requests++;
		if (!x)
			return 0;
		snprintf(x->method, sizeof(x->method), "%s", http_method_str((enum http_method)p->method));
		x->wanted = ctx->h.want ? ctx->h.want(ctx->h.ctx, x) : false;
		if (!x->wanted)
			ctx->st.ignored++;
		else
			body_start(d, &x->req_body, x->req_content_encoding, false);
		return 0;
	}
	int status = p->status_code;
	if (status / 100 == 1 && status != 101) {
		d->interim = true; /* 100 Continue, 103 Early Hints: no body */
		return 1;
	}
	if (!x)
		return 0;
	x->status = status;
	ctx->st.responses++;
	x->sse = !strncasecmp(x->resp_content_type, "text/event-stream", 17);
	if (x->wanted)
		body_start(d, &x->resp_body, x->resp_content_encoding, x->sse);
	return !strcmp(x->method, "HEAD") ? 1 : 0;
}

static int cb_body(http_parser *p, const char *at, size_t n)
{
	struct dirstate *d = p->data;
	if (!d->body || !d->x || d->gapped)
		return 0;
	if (!body_decoder_feed(&d->dec, at, n, decoded_sink, d) && !d->body->decode_failed) {
		d->body->decode_failed = true;
		d->conn->ctx->st.decode_errors++;
	}
	return 0;
}

static int cb_message_complete(http_parser *p)
{
	struct dirstate *d = p->data;
	struct http1_conn *c = d->conn;
	struct http1_exchange *x = d->x;
	d->in_msg = d->in_body = false;
	if (d->interim) {
		d->interim = false;
		if (x)
			x->resp_started = false;
		d->x = NULL;
		return 0;
	}
	if (!x)
		return 0;
	if (d->is_request) {
		x->req_complete = true;
		x->req_end_ns = d->ts;
		http1_body_end(d, true);
		d->x = NULL;
		return 0;
	}
	x->resp_end_ns = d->ts;
	http1_body_end(d, true);
	d->x = NULL;
	http1_exchange_finish(c, x, HTTP1_COMPLETE);
	return 0;
}

const http_parser_settings http1_settings = {
	.on_message_begin = cb_message_begin,
	.on_url = cb_url,
	.on_header_field = cb_header_field,
	.on_header_value = cb_header_value,
	.on_headers_complete = cb_headers_complete,
	.on_body = cb_body,
	.on_message_complete = cb_message_complete,
};
