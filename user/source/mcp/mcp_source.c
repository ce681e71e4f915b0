/* The mcp source behind the source interface: see mcp_source.h. */
#include "source/core_btf.h"
#include "source/mcp/mcp_source.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "clock.h"
#include "source/mcp/mcp_capture.h"
#include "source/mcp/mcp_emit.h"
#include "source/mcp/mcp_http.h"
#include "source/mcp/mcp_session.h"
#include "source/mcp/mcp_streams.h"
#include "mcp_io.skel.h"

/* A stream that carried this much without one JSON-RPC message is not
 * MCP (a data pipe, a binary protocol): the kernel stops copying it. */
#define MUTE_AFTER_BYTES (256u << 10)
#define MAX_STREAMS 4096
#define SWEEP_NS 1000000000ULL

struct mcp_source {
	struct source *s;
	struct mcp_io_bpf *skel;
	struct mcp_capture_state cap; /* which links: tracepoints, libc probes, holds */
	struct ring_buffer *own_rb; /* our ring alone: drained before an exit is handled */
	struct mcp_tracker *tracker;
	struct mcp_streams *streams;
	struct mcp_http http;
	struct mcp_bindings b;
	struct call scratch;
	uint64_t last_sweep;
	uint64_t muted;
	uint64_t now_ns; /* the time of the record (or exit) being handled */
};

static struct mcp_source *priv(struct source *s)
{
	return s->priv;
}

static bool mcp_applies(const struct source_env *env)
{
	(void)env;
	return true; /* any process may speak MCP: on by default */
}

/* ---- tracker out: calls ---------------------------------------------- */

static void on_op(void *ctx, const struct mcp_op *op)
{
	struct mcp_source *p = ctx;
	const struct source_env *env = p->s->env;

	mcp_call_from_op(&p->scratch, env->pm, &p->b, op);
	env->sink.fn(env->sink.ctx, &p->scratch);
}

static void on_note(void *ctx, const struct mcp_note *n)
{
	struct mcp_source *p = ctx;
	const struct source_env *env = p->s->env;

	mcp_call_from_note(&p->scratch, env->pm, &p->b, n);
	env->sink.fn(env->sink.ctx, &p->scratch);
}

static void on_session(void *ctx, const struct mcp_session_end *e)
{
	struct mcp_source *p = ctx;
	const struct source_env *env = p->s->env;

	mcp_call_from_session(&p->scratch, env->pm, &p->b, e);
	env->sink.fn(env->sink.ctx, &p->scratch);
}

/* What the server does while it handles a request (an exec, an LLM call)
 * hangs under its SERVER span: the other sources look it up by the time
 * they saw it happen, so it is published with the time of the record that
 * opened or closed it. */
static void on_server_span(void *ctx, uint32_t pid, uint64_t trace_hi, uint64_t trace_lo, uint64_t span_id)
{
	struct mcp_source *p = ctx;
	const unsigned long long trace[2] = {trace_hi, trace_lo};

	if (p->s->set)
		sources_publish_span(p->s->set, (pid_t)pid, trace, span_id, p->now_ns);
}

/* ---- streams ---------------------------------------------------------- */

static void drop_stream(void *ctx, struct mcp_stream *st)
{
	struct mcp_source *p = ctx;

	mcp_http_close(&p->http, st, 0, true);
}

static void mute(struct mcp_source *p, struct mcp_stream *st)
{
	struct {
		uint32_t pid, pad;
		uint64_t stream;
	} key = {.pid = st->pid, .stream = st->stream};
	uint8_t one = 1;

	st->mode = MS_MUTED;
	mcp_http_close(&p->http, st, 0, true);
	if (!bpf_map_update_elem(bpf_map__fd(p->skel->maps.muted), &key, &one, BPF_ANY))
		p->muted++;
}

static bool starts(const char *p, size_t n, const char *what)
{
	size_t k = strlen(what);

	return n >= k && !memcmp(p, what, k);
}

/* The first bytes of a stream say how it is framed. */
static enum mcp_stream_mode classify(const struct mcp_io_rec *r, int dir, bool *client)
{
	static const char *const methods[] = {"POST ", "GET ", "DELETE ", "PUT ", "HEAD ", "OPTIONS ", "PATCH "};
	const char *d = r->data;
	size_t n = r->len;

	if (n >= 3 && d[0] >= 0x14 && d[0] <= 0x17 && d[1] == 0x03)
		return MS_MUTED; /* a TLS record: the tls source has the plaintext */
	if (starts(d, n, "PRI * HTTP/2"))
		return MS_MUTED;
	if (r->kind == MCP_IO_PIPE)
		return MS_JSON;
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (starts(d, n, methods[i])) {
			*client = dir == 0;
			return MS_HTTP;
		}
	if (starts(d, n, "HTTP/1.")) {
		*client = dir == 1;
		return MS_HTTP;
	}
	return MS_JSON;
}

struct frame_ctx {
	struct mcp_source *p;
	struct mcp_stream *st;
	const struct mcp_io_rec *r;
};

/* Newline-delimited JSON-RPC is the stdio transport, whatever carries it:
 * Node's child_process gives a child socketpairs, not pipes, for its
 * stdio. The conventions say `pipe` for stdio. */
static enum mcp_transport json_transport(uint8_t kind)
{
	return kind == MCP_IO_TCP ? MCP_TR_TCP : MCP_TR_PIPE;
}

static void on_frame(void *ctx, const struct jsonrpc_frame *f)
{
	struct frame_ctx *c = ctx;
	const struct mcp_io_rec *r = c->r;
	bool std = r->kind != MCP_IO_TCP && r->fd <= 1;
	struct mcp_io io = {
		.pid = r->h.pid,
		.tid = r->h.tid,
		.conn = r->conn,
		.peer_conn = std ? mcp_streams_std_peer(c->p->streams, r->h.pid, r->fd) : 0,
		.outbound = !(r->h.flags & MCP_IO_READ),
		.transport = json_transport(r->kind),
		.parent_trace_hi = r->parent_trace_id[0],
		.parent_trace_lo = r->parent_trace_id[1],
		.parent_span_id = r->parent_span_id,
	};
	uint64_t invalid = mcp_tracker_stats(c->p->tracker)->invalid;

	mcp_tracker_frame(c->p->tracker, &io, f);
	if (mcp_tracker_stats(c->p->tracker)->invalid == invalid) {
		c->st->messages++;
		if (std) /* a stdio server: its fd 0 and fd 1 are one conversation */
			mcp_streams_note_fd(c->p->streams, r->h.pid, r->fd, r->conn);
	}
}

static void on_data(struct mcp_source *p, const struct mcp_io_rec *r)
{
	int dir = (r->h.flags & MCP_IO_READ) ? 1 : 0;
	/* a write's bytes leave when it starts, a read's arrive when it ends */
	uint64_t ts = dir ? r->h.end_ns : r->h.start_ns;
	struct mcp_stream *st = mcp_streams_get(p->streams, r->h.pid, r->stream, true);

	if (!st || st->mode == MS_MUTED)
		return; /* muted: records already in the ring when it was */
	st->conn = r->conn;
	st->kind = r->kind;
	uint64_t missing = 0;
	if (r->offset == 0 && st->next_off[dir] && st->next_off[dir] < st->total[dir])
		missing = st->total[dir] - st->next_off[dir]; /* the last call's tail never came */
	else if (r->offset > st->next_off[dir])
		missing = r->offset - st->next_off[dir];
	st->total[dir] = r->total;
	st->next_off[dir] = r->offset + r->len;
	if (st->next_off[dir] >= st->total[dir])
		st->next_off[dir] = st->total[dir] = 0; /* the call is whole */
	if (st->mode == MS_NEW) {
		bool client = false;
		st->mode = missing || r->offset ? MS_JSON : classify(r, dir, &client);
		if (st->mode == MS_MUTED) {
			mute(p, st);
			return;
		}
		if (st->mode == MS_HTTP && !mcp_http_start(&p->http, st, client))
			st->mode = MS_JSON;
	}
	st->bytes += r->len;
	if (st->mode == MS_HTTP) {
		if (missing)
			mcp_http_gap(&p->http, st, dir, missing, ts);
		mcp_http_feed(&p->http, st, r->h.tid, dir, r->data, r->len, ts);
	} else {
		struct frame_ctx c = {p, st, r};
		if (missing)
			jsonrpc_framer_lost(&st->fr[dir], missing);
		jsonrpc_framer_feed(&st->fr[dir], r->data, r->len, ts, on_frame, &c);
	}
	if (!st->messages && st->bytes >= MUTE_AFTER_BYTES)
		mute(p, st);
}

static void on_close(struct mcp_source *p, const struct mcp_io_rec *r)
{
	struct mcp_stream *st = mcp_streams_get(p->streams, r->h.pid, r->stream, false);

	if (st && st->mode == MS_HTTP)
		mcp_http_close(&p->http, st, r->h.end_ns, false);
	mcp_tracker_close(p->tracker, r->h.pid, r->conn, r->h.end_ns);
}

static int handle(struct mcp_source *p, const void *data, size_t len)
{
	const struct mcp_io_rec *r = data;

	if (len < MCP_IO_REC_SIZE(0) || r->h.size > len)
		return -1;
	p->now_ns = r->h.end_ns;
	switch (r->h.type) {
	case MCP_REC_IO_DATA:
		if (r->len > MCP_IO_CHUNK || MCP_IO_REC_SIZE(r->len) > len)
			return -1;
		on_data(p, r);
		break;
	case MCP_REC_IO_CLOSE:
		on_close(p, r);
		break;
	default:
		return -1;
	}
	if (r->h.end_ns > p->last_sweep + SWEEP_NS) {
		p->last_sweep = r->h.end_ns;
		mcp_tracker_sweep(p->tracker, r->h.end_ns);
	}
	return 0;
}

static int mcp_on_record(struct source *s, const void *data, size_t len)
{
	return handle(priv(s), data, len);
}

static int own_record(void *ctx, void *data, size_t len)
{
	struct source *s = ctx;

	if (handle(priv(s), data, len))
		s->bad_records++;
	return 0;
}

/* ---- open / attach ----------------------------------------------------- */

static int mcp_open(struct source *s, char *err, size_t errlen)
{
	const struct source_env *env = s->env;
	struct mcp_source *p = calloc(1, sizeof(*p));

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return 1;
	}
	s->priv = p;
	p->s = s;
	if (mcp_bindings_add(&p->b, env->pm)) {
		snprintf(err, errlen, "mcp: cannot add its bindings (out of memory, or the catalog lacks mcp_*)");
		return 1;
	}
	struct mcp_tracker_config cfg = {.capture_content = env->capture_content};
	struct mcp_sink sink = {.op = on_op, .note = on_note, .session = on_session,
				.server_span = on_server_span, .ctx = p};
	p->tracker = mcp_tracker_new(&cfg, &sink);
	p->streams = mcp_streams_new(MAX_STREAMS, 0, drop_stream, p);
	if (!p->tracker || !p->streams) {
		snprintf(err, errlen, "out of memory");
		return 1;
	}
	mcp_http_init(&p->http, p->tracker);
	p->http.http.verbose = env->verbose;
	p->skel = mcp_io_bpf__open_opts(core_btf_open_opts(false));
	if (!p->skel) {
		snprintf(err, errlen, "cannot open the mcp BPF object: %s", strerror(errno));
		return 1;
	}
	SOURCE_SET_TASK_FILTER(p->skel, env, false); /* tracepoints see every process */
	if (mcp_capture_configure(&p->cap, s, p->skel, err, errlen))
		return 1;
	if (env->ringbuf_bytes)
		bpf_map__set_max_entries(p->skel->maps.events, (uint32_t)env->ringbuf_bytes);
	p->skel->rodata->wakeup_bytes = bpf_map__max_entries(p->skel->maps.events) / 16;
	if (source_share_maps(p->skel->obj, env, err, errlen))
		return 1;
	return 0;
}

static int mcp_load(struct source *s, char *err, size_t errlen)
{
	struct mcp_source *p = priv(s);
	int e = mcp_io_bpf__load(p->skel);

	if (e) {
		snprintf(err, errlen, "cannot load the mcp BPF programs: %s", strerror(-e));
		return 1;
	}
	s->obj = p->skel->obj;
	p->own_rb = ring_buffer__new(bpf_map__fd(p->skel->maps.events), own_record, s, NULL);
	if (!p->own_rb) {
		snprintf(err, errlen, "mcp: cannot map its ring buffer: %s", strerror(errno));
		return 1;
	}
	return 0;
}

static int mcp_attach(struct source *s)
{
	int n = mcp_capture_attach(&priv(s)->cap);

	s->nprobes += (size_t)n;
	return n;
}

static void mcp_on_process(struct source *s, const struct proc_event *e)
{
	struct mcp_source *p = priv(s);

	if (!p || !p->tracker || (e->kind != PROC_EXIT && e->kind != PROC_FORK))
		return;
	/* Its last reads and writes are in our ring, maybe not read yet (the
	 * rings are read one after the other): first them, then the exit. A
	 * fork: the request the parent read before forking publishes its
	 * SERVER span first, for the exec source to hang the child under. */
	if (p->own_rb)
		ring_buffer__consume(p->own_rb);
	if (e->kind == PROC_FORK) {
		mcp_tracker_restitch(p->tracker, (uint32_t)e->ppid);
		return;
	}
	p->now_ns = clock_mono_ns();
	mcp_tracker_exit(p->tracker, (uint32_t)e->pid, p->now_ns);
	mcp_streams_drop_pid(p->streams, (uint32_t)e->pid);
	mcp_capture_exit(&p->cap, e->pid);
}

static void mcp_detach(struct source *s)
{
	struct mcp_source *p = priv(s);

	if (!p)
		return;
	mcp_capture_detach(&p->cap);
}

static void report(const struct source *s, const struct mcp_source *p)
{
	const struct mcp_tracker_stats *t = mcp_tracker_stats(p->tracker);

	if (!s->env->verbose && !t->unmatched && !t->evicted && !t->salvaged && !t->ambiguous)
		return;
	fprintf(stderr,
		"mcp-bpftrace: mcp: %llu operations (%llu requests, %llu responses, %llu notifications), "
		"%llu stitched across processes; %llu responses unmatched, %llu ambiguous, %llu requests evicted, "
		"%llu timed out, %llu ended by exit; %llu lines not JSON-RPC, %llu cut messages salvaged; "
		"%llu streams muted (not MCP), %llu HTTP requests\n",
		(unsigned long long)t->ops, (unsigned long long)t->requests, (unsigned long long)t->responses,
		(unsigned long long)t->notifications, (unsigned long long)t->stitched,
		(unsigned long long)t->unmatched, (unsigned long long)t->ambiguous, (unsigned long long)t->evicted,
		(unsigned long long)t->timeouts, (unsigned long long)t->closed, (unsigned long long)t->invalid,
		(unsigned long long)t->salvaged, (unsigned long long)p->muted,
		(unsigned long long)p->http.http.st.requests);
}

static void mcp_close(struct source *s)
{
	struct mcp_source *p = priv(s);

	if (!p)
		return;
	mcp_detach(s);
	if (p->tracker)
		report(s, p);
	mcp_streams_free(p->streams); /* before the tracker: HTTP exchanges end into it */
	mcp_tracker_free(p->tracker);
	ring_buffer__free(p->own_rb);
	mcp_io_bpf__destroy(p->skel);
	free(p);
	s->priv = NULL;
}

const struct source_ops mcp_source_ops = {
	.name = "mcp",
	.applies = mcp_applies,
	.open = mcp_open,
	.load = mcp_load,
	.attach = mcp_attach,
	.on_record = mcp_on_record,
	.on_process = mcp_on_process,
	.detach = mcp_detach,
	.close = mcp_close,
};
