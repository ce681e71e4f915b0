/* The MCP tracker: requests and responses matched into operations, and
 * their trace context (mcp_session.h). How they end: mcp_finish.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include "mcp_channels.h"
#include "mcp_hold.h"
#include "mcp_names.h"
#include "mcp_reserve.h"
#include "mcp_session.h"
#include "mcp_tracker_int.h"
#include "source/source.h"
#include "source/tool_calls.h"

#define DEFAULT_MAX_INFLIGHT 65536
#define DEFAULT_TIMEOUT_NS (300ULL * 1000000000ULL)
#define DEFAULT_MAX_SESSIONS 4096
/* Learned pipe pairs: two entries per conversation. */
#define MAX_PAIRS 16384

/* ---------------------------------------------------------------- ids */

static uint64_t next_id(struct mcp_tracker *t)
{
	return mcp_next_id(&t->rng);
}

/* ---------------------------------------------------------------- life */

struct mcp_tracker *mcp_tracker_new(const struct mcp_tracker_config *cfg, const struct mcp_sink *sink)
{
	struct mcp_tracker *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (cfg)
		t->cfg = *cfg;
	if (!t->cfg.max_inflight)
		t->cfg.max_inflight = DEFAULT_MAX_INFLIGHT;
	if (!t->cfg.timeout_ns)
		t->cfg.timeout_ns = DEFAULT_TIMEOUT_NS;
	if (!t->cfg.max_sessions)
		t->cfg.max_sessions = DEFAULT_MAX_SESSIONS;
	t->sink = *sink;
	t->rng = t->cfg.seed;
	if (!t->rng && getrandom(&t->rng, sizeof(t->rng), 0) != sizeof(t->rng))
		t->rng = (uint64_t)(uintptr_t)t ^ 0x5851f42d4c957f2dULL;
	t->pending = mcp_pending_new(t->cfg.max_inflight);
	t->chans = mcp_channels_new(MAX_PAIRS, t->cfg.max_sessions);
	if (!t->pending || !t->chans || sources_on_poll_end(mcp_poll_ended, t)) {
		mcp_tracker_free(t);
		return NULL;
	}
	t->tool_calls = t->cfg.tool_calls ? t->cfg.tool_calls : tool_calls_shared();
	return t;
}

void mcp_tracker_free(struct mcp_tracker *t)
{
	if (!t)
		return;
	sources_off_poll_end(mcp_poll_ended, t);
	for (struct mcp_pending *p; (p = mcp_hold_take_before(&t->held, UINT64_MAX, 0));)
		mcp_pending_destroy(p);
	mcp_pending_free(t->pending);
	mcp_channels_free(t->chans);
	free(t);
}

const struct mcp_tracker_stats *mcp_tracker_stats(const struct mcp_tracker *t)
{
	return &t->stats;
}

/* ---------------------------------------------------------------- sessions */

static void end_session(struct mcp_tracker *t, struct mcp_session_rec *s, uint64_t now)
{
	struct mcp_session_end e = {
		.pid = s->pid,
		.role = s->role,
		.transport = s->transport,
		.start_ns = s->start_ns,
		.end_ns = now > s->start_ns ? now : s->start_ns,
		.protocol_version = s->protocol_version,
		.session_id = s->session_id,
	};

	if (t->sink.session)
		t->sink.session(t->sink.ctx, &e);
	if (!s->session_id[0])
		mcp_channels_unpair(t->chans, s->chan);
	mcp_channels_session_remove(t->chans, s);
}

/* ---------------------------------------------------------------- ops */

/* A SERVER operation whose request a traced CLIENT wrote on the same
 * stream with the same id becomes that client span's child. */
void mcp_stitch(struct mcp_tracker *t, struct mcp_pending *p)
{
	if (p->role != MCP_ROLE_SERVER || p->parent_remote || p->parent_stitched)
		return;
	struct mcp_pending *c = mcp_pending_find_client(t->pending, p->conn, &p->id, p->pid);
	if (c) {
		p->trace_hi = c->trace_hi;
		p->trace_lo = c->trace_lo;
		p->parent_span_id = c->span_id;
		p->parent_stitched = true;
		return;
	}
	const struct mcp_recent *r = mcp_pending_recall(t->pending, p->conn, &p->id, p->pid);
	if (r) {
		p->trace_hi = r->trace_hi;
		p->trace_lo = r->trace_lo;
		p->parent_span_id = r->span_id;
		p->parent_stitched = true;
	}
}

/* The newest SERVER operation pid is handling, among the newest requests
 * in flight (a bounded look: a server answers its own requests soon). */
#define OPEN_SERVER_LOOK 256
struct mcp_pending *mcp_open_server(struct mcp_tracker *t, uint32_t pid)
{
	int n = 0;

	for (struct mcp_pending *p = mcp_pending_newest(t->pending); p && n < OPEN_SERVER_LOOK;
	     p = mcp_pending_older(p), n++)
		if (p->pid == pid && p->role == MCP_ROLE_SERVER)
			return p;
	return NULL;
}

void mcp_tell_server_span(struct mcp_tracker *t, uint32_t pid, const struct mcp_pending *p)
{
	if (t->sink.server_span)
		t->sink.server_span(t->sink.ctx, pid, p ? p->trace_hi : 0, p ? p->trace_lo : 0, p ? p->span_id : 0);
}

void mcp_tracker_restitch(struct mcp_tracker *t, uint32_t pid)
{
	struct mcp_pending *p = mcp_open_server(t, pid);

	if (!p || p->parent_stitched || p->parent_remote)
		return;
	mcp_stitch(t, p);
	if (p->parent_stitched)
		mcp_tell_server_span(t, pid, p);
}

/* The same request (same id on the same stream) already in flight: its
 * end was missed. The newer one replaces it. */
static int same_stream(void *ctx, const struct mcp_pending *p)
{
	return p->conn == *(const uint64_t *)ctx;
}

/* The parent a CLIENT request of pid gets when neither a traceparent nor
 * a native span says: the LLM call whose answer asked for the tool (its
 * entry claimed), else the SERVER op pid is handling (an MCP server
 * calling another while it serves), else none: a trace of its own. */
static void implied_parent(struct mcp_tracker *t, uint32_t pid, const char *method, const char *name,
			   uint64_t at_ns, uint64_t *hi, uint64_t *lo, uint64_t *parent, bool *llm)
{
	struct mcp_pending *serving = mcp_open_server(t, pid);

	*llm = !strcmp(method, "tools/call") && tool_calls_claim(t->tool_calls, pid, name, at_ns, hi, lo, parent);
	if (*llm) {
		t->stats.llm_parented++;
	} else if (serving) {
		*hi = serving->trace_hi;
		*lo = serving->trace_lo;
		*parent = serving->span_id;
	} else {
		*hi = next_id(t);
		*lo = next_id(t);
		*parent = 0;
	}
}

static void client_context(struct mcp_tracker *t, const struct mcp_io *io, const struct jsonrpc_msg *m,
			   uint64_t first_ns, struct mcp_pending *p)
{
	struct mcp_reserved r;
	uint64_t hi, lo, parent;
	bool llm;

	mcp_reserve_note_writer(&t->reserve, io->conn, io->pid);
	if (mcp_reserve_take(&t->reserve, io->conn, &m->id, &r)) {
		/* its server's read came first and hung under this identity */
		p->trace_hi = r.trace_hi;
		p->trace_lo = r.trace_lo;
		p->parent_span_id = r.parent_span_id;
		p->parent_llm = r.parent_llm;
		p->span_id = r.span_id;
		return;
	}
	/* claimed whatever wins below: the next call of the tool takes the next entry */
	implied_parent(t, io->pid, p->method, p->name, first_ns, &hi, &lo, &parent, &llm);
	if (m->traceparent[0] &&
	    mcp_parse_traceparent(m->traceparent, &p->trace_hi, &p->trace_lo, &p->parent_span_id)) {
		p->parent_remote = true;
	} else if (io->parent_span_id) {
		p->trace_hi = io->parent_trace_hi; /* sent inside a native span */
		p->trace_lo = io->parent_trace_lo;
		p->parent_span_id = io->parent_span_id;
	} else {
		p->trace_hi = hi;
		p->trace_lo = lo;
		p->parent_span_id = parent;
		p->parent_llm = llm;
	}
	p->span_id = next_id(t);
}

/* A SERVER request: the traced client's span that wrote it, when its write
 * was read first (stitch); else, when the stream's writer is known, the
 * client span it will be (mcp_reserve.h); else a trace of its own for now
 * (finish() stitches it, or it is held until its client's write comes). */
static void server_context(struct mcp_tracker *t, const struct mcp_io *io, const struct jsonrpc_msg *m,
			   uint64_t last_ns, struct mcp_pending *p)
{
	p->span_id = next_id(t);
	if (m->traceparent[0] &&
	    mcp_parse_traceparent(m->traceparent, &p->trace_hi, &p->trace_lo, &p->parent_span_id)) {
		p->parent_remote = true;
		return;
	}
	mcp_stitch(t, p);
	if (p->parent_stitched)
		return;
	uint32_t writer = mcp_reserve_writer(&t->reserve, io->conn);
	if (writer && writer != io->pid) {
		struct mcp_reserved *r = mcp_reserve_add(&t->reserve, io->conn, &m->id);
		implied_parent(t, writer, p->method, p->name, last_ns, &r->trace_hi, &r->trace_lo, &r->parent_span_id,
			       &r->parent_llm);
		r->span_id = next_id(t);
		p->trace_hi = r->trace_hi;
		p->trace_lo = r->trace_lo;
		p->parent_span_id = r->span_id;
		p->parent_stitched = true;
		t->stats.reserved++;
		return;
	}
	p->trace_hi = next_id(t);
	p->trace_lo = next_id(t);
}

static void on_request(struct mcp_tracker *t, const struct mcp_io *io, const struct jsonrpc_msg *m,
		       uint64_t first_ns, uint64_t last_ns, bool truncated)
{
	enum mcp_role role = io->outbound ? MCP_ROLE_CLIENT : MCP_ROLE_SERVER;
	struct mcp_pending *old = mcp_pending_best(t->pending, io->pid, role, &m->id, same_stream,
						   (void *)&io->conn, NULL);

	t->stats.requests++;
	if (old) {
		t->stats.reused_ids++;
		mcp_pending_remove(t->pending, old);
		mcp_pending_destroy(old);
	}
	struct mcp_pending *p = calloc(1, sizeof(*p));
	if (!p)
		return;
	p->role = role;
	p->pid = io->pid;
	p->tid = io->tid;
	p->conn = io->conn;
	p->session_hash = mcp_session_hash_of(io);
	p->transport = io->transport;
	p->id = m->id;
	snprintf(p->method, sizeof(p->method), "%s", m->method);
	if (mcp_has_tool_or_prompt(m->method))
		snprintf(p->name, sizeof(p->name), "%s", m->name);
	if (mcp_has_uri(m->method))
		snprintf(p->uri, sizeof(p->uri), "%s", m->uri);
	snprintf(p->protocol_version, sizeof(p->protocol_version), "%s",
		 io->protocol_version ? io->protocol_version : m->protocol_version);
	snprintf(p->session_id, sizeof(p->session_id), "%s", io->session_id ? io->session_id : "");
	/* The requester's span starts when it began writing; the responder's
	 * when it had read the whole request. */
	p->start_ns = role == MCP_ROLE_CLIENT ? first_ns : last_ns;
	p->truncated = truncated;
	if (m->content)
		p->arguments = strdup(m->content);
	if (role == MCP_ROLE_CLIENT)
		client_context(t, io, m, first_ns, p);
	else
		server_context(t, io, m, last_ns, p);
	struct mcp_pending *evicted = mcp_pending_add(t->pending, p);
	if (evicted) {
		t->stats.evicted++;
		mcp_pending_destroy(evicted);
	}
	t->stats.inflight = mcp_pending_count(t->pending);
	if (t->stats.inflight > t->stats.inflight_max)
		t->stats.inflight_max = t->stats.inflight;
	if (role == MCP_ROLE_SERVER)
		mcp_tell_server_span(t, p->pid, p);
	/* the server's side of it ended before this write was read */
	struct mcp_pending *h = role == MCP_ROLE_CLIENT ? mcp_hold_take_match(&t->held, p->conn, &p->id, p->pid) : NULL;
	if (h)
		mcp_release(t, h);
}

struct pick {
	struct mcp_tracker *t;
	const struct mcp_io *io;
	uint64_t io_peer, shash;
	bool same_direction; /* a cancellation travels as its request did */
};

/* How well request p fits a response (or cancellation) seen at io. */
static int fit(void *ctx, const struct mcp_pending *p)
{
	const struct pick *k = ctx;

	if (p->conn == k->io->conn)
		return 4; /* a socket: both directions on one stream */
	if (k->same_direction)
		return k->shash && p->session_hash == k->shash ? 2 : 0;
	if (k->io_peer && k->io_peer == p->conn)
		return 3; /* the known pipe pair */
	if (k->shash && p->session_hash == k->shash)
		return 2; /* the same HTTP session, another connection */
	if (!k->io_peer && !mcp_channels_peer(k->t->chans, p->conn) && !k->shash && !p->session_hash)
		return 1; /* two unpaired pipes: maybe a pair */
	return 0;
}

static struct mcp_pending *match(struct mcp_tracker *t, const struct mcp_io *io,
				 enum mcp_role role, const struct jsonrpc_id *id, bool same_direction)
{
	struct pick k = {.t = t, .io = io, .shash = mcp_session_hash_of(io), .same_direction = same_direction};
	int n = 0;

	k.io_peer = mcp_channels_peer(t->chans, io->conn);
	struct mcp_pending *p = mcp_pending_best(t->pending, io->pid, role, id, fit, &k, &n);
	if (!p || same_direction)
		return p;
	if (fit(&k, p) == 1) {
		/* Learn the pair only from an answer nothing else could take. */
		if (n == 1) {
			if (!mcp_channels_pair(t->chans, p->conn, io->conn)) {
				/* Full of stale pairs (their sessions never ended
				 * cleanly): start over, the live ones come back. */
				t->stats.pairs_reset++;
				mcp_channels_clear_pairs(t->chans);
				mcp_channels_pair(t->chans, p->conn, io->conn);
			}
		} else {
			t->stats.ambiguous++;
		}
	}
	return p;
}

static void on_response(struct mcp_tracker *t, const struct mcp_io *io, const struct jsonrpc_msg *m,
			uint64_t last_ns, bool truncated)
{
	enum mcp_role role = io->outbound ? MCP_ROLE_SERVER : MCP_ROLE_CLIENT;

	t->stats.responses++;
	struct mcp_pending *p = match(t, io, role, &m->id, false);
	if (!p) {
		t->stats.unmatched++;
		return;
	}
	enum mcp_outcome o = m->kind == JR_ERROR ? MCP_RPC_ERROR : m->is_error ? MCP_TOOL_ERROR : MCP_OK;
	mcp_finish(t, p, o, last_ns, m, io, truncated);
}

static void on_notification(struct mcp_tracker *t, const struct mcp_io *io,
			    const struct jsonrpc_msg *m, uint64_t first_ns, uint64_t last_ns)
{
	struct mcp_note n = {
		.pid = io->pid,
		.tid = io->tid,
		.outbound = io->outbound,
		.method = m->method,
		.time_ns = io->outbound ? first_ns : last_ns,
		.conn = io->conn,
		.transport = io->transport,
	};

	t->stats.notifications++;
	if (!strcmp(m->method, "notifications/cancelled") && m->ref_id.type) {
		/* Sent by the side that sent the request: ours is the CLIENT op
		 * when we wrote it, the SERVER op when we read it. */
		enum mcp_role role = io->outbound ? MCP_ROLE_CLIENT : MCP_ROLE_SERVER;
		struct mcp_pending *p = match(t, io, role, &m->ref_id, true);
		n.ref_id = m->ref_id;
		if (p) {
			n.trace_hi = p->trace_hi;
			n.trace_lo = p->trace_lo;
			n.span_id = p->span_id;
		}
		if (t->sink.note)
			t->sink.note(t->sink.ctx, &n);
		if (p) {
			t->stats.cancelled++;
			mcp_finish(t, p, MCP_CANCELLED, n.time_ns, NULL, NULL, false);
		}
		return;
	}
	if (t->sink.note)
		t->sink.note(t->sink.ctx, &n);
}

static void handle(struct mcp_tracker *t, const struct mcp_io *io, const struct jsonrpc_msg *m,
		   uint64_t first_ns, uint64_t last_ns, bool truncated)
{
	if (io->peer_conn)
		mcp_channels_pair(t->chans, io->conn, io->peer_conn);
	switch (m->kind) {
	case JR_REQUEST:
		on_request(t, io, m, first_ns, last_ns, truncated);
		break;
	case JR_RESULT:
	case JR_ERROR:
		on_response(t, io, m, last_ns, truncated);
		break;
	case JR_NOTIFICATION:
		on_notification(t, io, m, first_ns, last_ns);
		break;
	default:
		t->stats.invalid++;
		break;
	}
}

void mcp_tracker_message(struct mcp_tracker *t, const struct mcp_io *io, const struct jsonrpc_msg *m)
{
	handle(t, io, m, io->first_ns, io->last_ns, m->salvaged);
}

struct frame_ctx {
	struct mcp_tracker *t;
	const struct mcp_io *io;
	const struct jsonrpc_frame *f;
};

static void parsed(void *ctx, const struct jsonrpc_msg *m)
{
	const struct frame_ctx *c = ctx;

	handle(c->t, c->io, m, c->f->first_ns, c->f->last_ns, false);
}

void mcp_tracker_frame(struct mcp_tracker *t, const struct mcp_io *io, const struct jsonrpc_frame *f)
{
	struct frame_ctx c = {t, io, f};

	t->stats.frames++;
	if (!f->truncated) {
		if (!jsonrpc_msg_parse(f->data, f->len, t->cfg.capture_content, parsed, &c))
			t->stats.invalid++;
		return;
	}
	struct jsonrpc_msg m;
	jsonrpc_msg_salvage(f->data, f->len, f->tail, f->tail_len, &m);
	if (m.kind == JR_INVALID) {
		t->stats.invalid++;
		return;
	}
	t->stats.salvaged++;
	handle(t, io, &m, f->first_ns, f->last_ns, true);
}

/* ---------------------------------------------------------------- ends */

void mcp_tracker_sweep(struct mcp_tracker *t, uint64_t now_ns)
{
	struct mcp_pending *p;

	while ((p = mcp_pending_oldest(t->pending)) && p->start_ns + t->cfg.timeout_ns < now_ns) {
		t->stats.timeouts++;
		mcp_finish(t, p, MCP_TIMEOUT, now_ns, NULL, NULL, false);
	}
}

void mcp_tracker_close(struct mcp_tracker *t, uint32_t pid, uint64_t conn, uint64_t now_ns)
{
	struct mcp_session_rec *s = mcp_channels_session(t->chans, pid, mcp_channels_chan(t->chans, conn, 0),
							 false);
	if (s)
		end_session(t, s, now_ns);
}

void mcp_tracker_session_closed(struct mcp_tracker *t, uint32_t pid, const char *session_id,
				uint64_t now_ns)
{
	if (!session_id || !session_id[0])
		return;
	struct mcp_session_rec *s = mcp_channels_session(t->chans, pid, mcp_hash_str(session_id), false);
	if (s)
		end_session(t, s, now_ns);
}

struct exit_ctx {
	struct mcp_tracker *t;
	uint64_t now;
};

static void exit_session(void *ctx, struct mcp_session_rec *s)
{
	struct exit_ctx *e = ctx;

	end_session(e->t, s, e->now);
}

void mcp_tracker_exit(struct mcp_tracker *t, uint32_t pid, uint64_t now_ns)
{
	struct exit_ctx e = {t, now_ns};

	for (struct mcp_pending *p = mcp_pending_oldest(t->pending), *next; p; p = next) {
		next = mcp_pending_newer(p);
		if (p->pid == pid) {
			t->stats.closed++;
			mcp_finish(t, p, MCP_CLOSED, now_ns, NULL, NULL, false);
		}
	}
	mcp_channels_sessions_of(t->chans, pid, exit_session, &e);
	for (struct mcp_pending *p; (p = mcp_hold_take_before(&t->held, UINT64_MAX, pid));)
		mcp_release(t, p);
	tool_calls_forget(t->tool_calls, pid);
}
