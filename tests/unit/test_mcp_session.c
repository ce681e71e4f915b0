/* user/source/mcp/mcp_session.c (with mcp_pending.c, mcp_channels.c):
 * requests matched to responses on both sides, stitched into one trace. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "source/mcp/mcp_session.h"
#include "unit_test.h"

#define SEC 1000000000ULL

struct rec {
	enum mcp_role role;
	enum mcp_outcome outcome;
	uint32_t pid;
	char span_name[300], method[64], name[128], uri[256], id[64], error_type[24];
	char error_message[128], protocol_version[32], session_id[64], transport[8];
	int id_type;
	uint64_t start, end, trace_hi, trace_lo, span_id, parent;
	bool remote, stitched, truncated;
	char *args, *result;
};

static struct {
	struct rec *ops;
	int nops, cap;
	struct mcp_note notes[16];
	char note_methods[16][64];
	int nnotes;
	struct mcp_session_end sessions[8];
	char session_versions[8][32];
	int nsessions;
} got;

static void on_op(void *ctx, const struct mcp_op *op)
{
	(void)ctx;
	if (got.nops == got.cap) {
		got.cap = got.cap ? got.cap * 2 : 64;
		got.ops = realloc(got.ops, got.cap * sizeof(*got.ops));
	}
	struct rec *r = &got.ops[got.nops++];
	memset(r, 0, sizeof(*r));
	r->role = op->role;
	r->outcome = op->outcome;
	r->pid = op->pid;
	mcp_op_span_name(op, true, r->span_name, sizeof(r->span_name));
	snprintf(r->method, sizeof(r->method), "%s", op->method);
	snprintf(r->name, sizeof(r->name), "%s", op->name);
	snprintf(r->uri, sizeof(r->uri), "%s", op->uri);
	snprintf(r->id, sizeof(r->id), "%s", op->id.text);
	r->id_type = op->id.type;
	snprintf(r->error_type, sizeof(r->error_type), "%s", op->error_type);
	snprintf(r->error_message, sizeof(r->error_message), "%s", op->error_message);
	snprintf(r->protocol_version, sizeof(r->protocol_version), "%s", op->protocol_version);
	snprintf(r->session_id, sizeof(r->session_id), "%s", op->session_id);
	snprintf(r->transport, sizeof(r->transport), "%s", mcp_transport_name(op->transport));
	r->start = op->start_ns;
	r->end = op->end_ns;
	r->trace_hi = op->trace_hi;
	r->trace_lo = op->trace_lo;
	r->span_id = op->span_id;
	r->parent = op->parent_span_id;
	r->remote = op->parent_remote;
	r->stitched = op->parent_stitched;
	r->truncated = op->truncated;
	r->args = op->arguments ? strdup(op->arguments) : NULL;
	r->result = op->result ? strdup(op->result) : NULL;
}

static void on_note(void *ctx, const struct mcp_note *n)
{
	(void)ctx;
	if (got.nnotes < 16) {
		got.notes[got.nnotes] = *n;
		snprintf(got.note_methods[got.nnotes], 64, "%s", n->method);
		got.nnotes++;
	}
}

static void on_session(void *ctx, const struct mcp_session_end *s)
{
	(void)ctx;
	if (got.nsessions < 8) {
		got.sessions[got.nsessions] = *s;
		snprintf(got.session_versions[got.nsessions], 32, "%s", s->protocol_version);
		got.nsessions++;
	}
}

static uint64_t published[8][2]; /* server_span calls: pid, span */
static int npublished;

static void on_server_span(void *ctx, uint32_t pid, uint64_t hi, uint64_t lo, uint64_t span)
{
	(void)ctx;
	(void)hi;
	(void)lo;
	if (npublished < 8) {
		published[npublished][0] = pid;
		published[npublished][1] = span;
		npublished++;
	}
}

static void reset(void)
{
	for (int i = 0; i < got.nops; i++) {
		free(got.ops[i].args);
		free(got.ops[i].result);
	}
	free(got.ops);
	memset(&got, 0, sizeof(got));
}

static struct mcp_tracker *tracker(size_t max_inflight, bool content)
{
	/* no_hold: SERVER ops of untraced clients are emitted at once here;
	 * holding them is test_mcp_hold's */
	struct mcp_tracker_config cfg = {.max_inflight = max_inflight, .capture_content = content, .seed = 42,
					 .no_hold = true};
	struct mcp_sink sink = {.op = on_op, .note = on_note, .session = on_session, .server_span = on_server_span};

	reset();
	npublished = 0;
	return mcp_tracker_new(&cfg, &sink);
}

/* pid saw json on conn at ns, written (out) or read. */
static void msg(struct mcp_tracker *t, uint32_t pid, uint64_t conn, bool out, uint64_t ns,
		const char *json)
{
	struct mcp_io io = {.pid = pid, .tid = pid, .conn = conn, .outbound = out, .transport = MCP_TR_PIPE};
	struct jsonrpc_frame f = {.data = json, .len = strlen(json), .full_len = strlen(json),
				  .first_ns = ns, .last_ns = ns};
	mcp_tracker_frame(t, &io, &f);
}

static void http(struct mcp_tracker *t, uint32_t pid, uint64_t conn, bool out, uint64_t ns,
		 const char *session, const char *json)
{
	struct mcp_io io = {.pid = pid, .tid = pid, .conn = conn, .outbound = out,
			    .transport = MCP_TR_TCP, .session_id = session};
	struct jsonrpc_frame f = {.data = json, .len = strlen(json), .full_len = strlen(json),
				  .first_ns = ns, .last_ns = ns};
	mcp_tracker_frame(t, &io, &f);
}

static struct rec *find(uint32_t pid, const char *id)
{
	for (int i = 0; i < got.nops; i++)
		if (got.ops[i].pid == pid && !strcmp(got.ops[i].id, id))
			return &got.ops[i];
	return NULL;
}

#define CLIENT 100
#define SERVER 200
#define PIPE_IN 7001  /* the server's stdin: requests */
#define PIPE_OUT 7002 /* the server's stdout: responses */

static const char INIT_REQ[] = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":"
			       "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{}}}";
static const char INIT_RESP[] = "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"protocolVersion\":\"2025-03-26\"}}";

/* Both ends traced, stdio: the server span is the client span's child. */
static void test_stdio_both_sides_stitched(void)
{
	struct mcp_tracker *t = tracker(0, false);
	const char *req = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"get_weather\"}}";
	const char *resp = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":[]}}";

	msg(t, CLIENT, PIPE_IN, true, 1 * SEC, INIT_REQ);
	msg(t, SERVER, PIPE_IN, false, 2 * SEC, INIT_REQ);
	msg(t, SERVER, PIPE_OUT, true, 3 * SEC, INIT_RESP);
	msg(t, CLIENT, PIPE_OUT, false, 4 * SEC, INIT_RESP);
	msg(t, CLIENT, PIPE_IN, true, 10 * SEC, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
	msg(t, SERVER, PIPE_IN, false, 10 * SEC + 5, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
	msg(t, CLIENT, PIPE_IN, true, 11 * SEC, req);
	msg(t, SERVER, PIPE_IN, false, 12 * SEC, req);
	msg(t, SERVER, PIPE_OUT, true, 13 * SEC, resp);
	msg(t, CLIENT, PIPE_OUT, false, 14 * SEC, resp);
	CHECK_EQ_INT(got.nops, 4);
	struct rec *s = &got.ops[2], *c = &got.ops[3];
	CHECK_EQ_INT(s->role, MCP_ROLE_SERVER);
	CHECK_EQ_INT(c->role, MCP_ROLE_CLIENT);
	CHECK_STR_EQ(c->span_name, "tools/call get_weather");
	CHECK_STR_EQ(s->span_name, "tools/call get_weather");
	CHECK_EQ_INT(c->start, 11 * SEC);
	CHECK_EQ_INT(c->end, 14 * SEC);
	CHECK_EQ_INT(s->start, 12 * SEC);
	CHECK_EQ_INT(s->end, 13 * SEC);
	CHECK(s->stitched && !c->stitched);
	CHECK_EQ_INT(s->parent, c->span_id);
	CHECK(s->trace_hi == c->trace_hi && s->trace_lo == c->trace_lo);
	CHECK_EQ_INT(c->parent, 0);
	CHECK(s->span_id != c->span_id);
	/* The initialize of both sides is stitched too, and the protocol
	 * version is the one the server answered with. */
	CHECK_EQ_INT(got.ops[0].parent, got.ops[1].span_id);
	CHECK_STR_EQ(c->protocol_version, "2025-03-26");
	CHECK_STR_EQ(s->protocol_version, "2025-03-26");
	CHECK_STR_EQ(c->transport, "pipe");
	CHECK_STR_EQ(c->error_type, "");
	CHECK_EQ_INT(got.nnotes, 2);
	CHECK_STR_EQ(got.note_methods[0], "notifications/initialized");
	CHECK(got.notes[0].outbound && !got.notes[1].outbound);
	CHECK_EQ_INT(mcp_tracker_stats(t)->stitched, 2);
	CHECK_EQ_INT(mcp_tracker_stats(t)->inflight, 0);
	/* Sessions end when the processes do. */
	mcp_tracker_exit(t, SERVER, 20 * SEC);
	mcp_tracker_exit(t, CLIENT, 21 * SEC);
	CHECK_EQ_INT(got.nsessions, 2);
	CHECK_EQ_INT(got.sessions[0].role, MCP_ROLE_SERVER);
	CHECK_EQ_INT(got.sessions[0].start_ns, 2 * SEC);
	CHECK_EQ_INT(got.sessions[0].end_ns, 20 * SEC);
	CHECK_EQ_INT(got.sessions[1].role, MCP_ROLE_CLIENT);
	CHECK_EQ_INT(got.sessions[1].start_ns, 1 * SEC);
	CHECK_STR_EQ(got.session_versions[1], "2025-03-26");
	mcp_tracker_free(t);
}

static void test_errors_and_unmatched(void)
{
	struct mcp_tracker *t = tracker(0, false);

	msg(t, CLIENT, PIPE_IN, true, 1, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"explode\"}}");
	msg(t, CLIENT, PIPE_IN, true, 2, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"nope\"}}");
	msg(t, CLIENT, PIPE_IN, true, 3, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/read\",\"params\":{\"uri\":\"mem://a\"}}");
	msg(t, CLIENT, PIPE_OUT, false, 4, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":[],\"isError\":true}}");
	msg(t, CLIENT, PIPE_OUT, false, 5, "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-32602,\"message\":\"Tool nope not found\"}}");
	msg(t, CLIENT, PIPE_OUT, false, 6, "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"contents\":[]}}");
	msg(t, CLIENT, PIPE_OUT, false, 7, "{\"jsonrpc\":\"2.0\",\"id\":99,\"result\":{}}");
	msg(t, CLIENT, PIPE_OUT, false, 8, "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}"); /* twice */
	msg(t, CLIENT, PIPE_OUT, false, 9, "not json at all");
	CHECK_EQ_INT(got.nops, 3);
	CHECK_EQ_INT(find(CLIENT, "1")->outcome, MCP_TOOL_ERROR);
	CHECK_STR_EQ(find(CLIENT, "1")->error_type, "tool_error");
	CHECK_EQ_INT(find(CLIENT, "2")->outcome, MCP_RPC_ERROR);
	CHECK_STR_EQ(find(CLIENT, "2")->error_type, "-32602");
	CHECK_STR_EQ(find(CLIENT, "2")->error_message, "Tool nope not found");
	CHECK_STR_EQ(find(CLIENT, "3")->span_name, "resources/read mem://a");
	CHECK_STR_EQ(find(CLIENT, "3")->uri, "mem://a");
	CHECK_STR_EQ(find(CLIENT, "3")->name, "");
	CHECK_EQ_INT(mcp_tracker_stats(t)->unmatched, 2);
	CHECK_EQ_INT(mcp_tracker_stats(t)->invalid, 1);
	mcp_tracker_free(t);
}

/* Responses in any order; ids 5 and "5" in flight together. */
static void test_out_of_order_and_id_types(void)
{
	struct mcp_tracker *t = tracker(0, false);
	char buf[200];

	for (int i = 1; i <= 5; i++) {
		snprintf(buf, sizeof(buf), "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"ping\"}", i);
		msg(t, CLIENT, PIPE_IN, true, (uint64_t)i, buf);
	}
	msg(t, CLIENT, PIPE_IN, true, 6, "{\"jsonrpc\":\"2.0\",\"id\":\"5\",\"method\":\"tools/list\"}");
	int order[] = {3, 5, 1, 4, 2};
	for (int k = 0; k < 5; k++) {
		snprintf(buf, sizeof(buf), "{\"jsonrpc\":\"2.0\",\"id\":%d,\"result\":{}}", order[k]);
		msg(t, CLIENT, PIPE_OUT, false, (uint64_t)(100 + k), buf);
	}
	msg(t, CLIENT, PIPE_OUT, false, 200, "{\"jsonrpc\":\"2.0\",\"id\":\"5\",\"result\":{\"tools\":[]}}");
	CHECK_EQ_INT(got.nops, 6);
	int bad = 0;
	for (int k = 0; k < 5; k++) {
		struct rec *r = &got.ops[k];
		char want[8];
		snprintf(want, sizeof(want), "%d", order[k]);
		if (strcmp(r->id, want) || r->start != (uint64_t)order[k] || r->end != (uint64_t)(100 + k) ||
		    r->id_type != JID_NUM || strcmp(r->method, "ping"))
			bad++;
	}
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(got.ops[5].id_type, JID_STR);
	CHECK_STR_EQ(got.ops[5].method, "tools/list");
	CHECK_EQ_INT(got.ops[5].start, 6);
	mcp_tracker_free(t);
}

/* One client, two stdio servers, the same ids on both: the pipe pairs the
 * source names (each server's stdin and stdout) keep them apart even when
 * the second server answers first. */
static void test_two_servers_same_ids(void)
{
	struct mcp_tracker *t = tracker(0, false);
	struct mcp_io io = {.pid = CLIENT, .tid = CLIENT, .transport = MCP_TR_PIPE};
	const char *req = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{}}";
	const char *resp = "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{}}";
	struct jsonrpc_frame f = {.data = req, .len = strlen(req)};

	io.conn = 11; /* server 1 stdin */
	io.peer_conn = 12;
	io.outbound = true;
	f.first_ns = f.last_ns = 1;
	mcp_tracker_frame(t, &io, &f);
	io.conn = 21; /* server 2 stdin */
	io.peer_conn = 22;
	f.first_ns = f.last_ns = 2;
	mcp_tracker_frame(t, &io, &f);
	f.data = resp;
	f.len = strlen(resp);
	io.outbound = false;
	io.conn = 22; /* server 2 answers first */
	io.peer_conn = 21;
	f.first_ns = f.last_ns = 3;
	mcp_tracker_frame(t, &io, &f);
	io.conn = 12;
	io.peer_conn = 11;
	f.first_ns = f.last_ns = 4;
	mcp_tracker_frame(t, &io, &f);
	CHECK_EQ_INT(got.nops, 2);
	CHECK_EQ_INT(got.ops[0].start, 2); /* server 2's request */
	CHECK_EQ_INT(got.ops[0].end, 3);
	CHECK_EQ_INT(got.ops[1].start, 1);
	CHECK_EQ_INT(got.ops[1].end, 4);
	CHECK_EQ_INT(mcp_tracker_stats(t)->ambiguous, 0);
	mcp_tracker_free(t);

	/* Without the hint: learned from the first unambiguous answer. */
	t = tracker(0, false);
	msg(t, CLIENT, 11, true, 1, req);
	msg(t, CLIENT, 12, false, 2, resp); /* pairs 11 with 12 */
	msg(t, CLIENT, 21, true, 3, req);
	msg(t, CLIENT, 11, true, 4, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
	msg(t, CLIENT, 21, true, 5, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
	msg(t, CLIENT, 22, false, 6, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}"); /* server 2 */
	msg(t, CLIENT, 22, false, 7, resp);
	msg(t, CLIENT, 12, false, 8, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}");
	CHECK_EQ_INT(got.nops, 4);
	CHECK_EQ_INT(got.ops[1].start, 5); /* id 1 of server 2, not of server 1 */
	CHECK_EQ_INT(got.ops[2].start, 3);
	CHECK_EQ_INT(got.ops[3].start, 4);
	mcp_tracker_free(t);
}

static void test_cancellation(void)
{
	struct mcp_tracker *t = tracker(0, false);
	const char *req = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"slow\"}}";
	const char *cancel = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":7,\"reason\":\"timeout\"}}";

	msg(t, CLIENT, PIPE_IN, true, 1, req);
	msg(t, SERVER, PIPE_IN, false, 2, req);
	msg(t, CLIENT, PIPE_IN, true, 5, cancel);
	msg(t, SERVER, PIPE_IN, false, 6, cancel);
	msg(t, SERVER, PIPE_OUT, true, 7, "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{}}"); /* too late */
	CHECK_EQ_INT(got.nops, 2);
	CHECK_EQ_INT(got.ops[0].role, MCP_ROLE_CLIENT);
	CHECK_EQ_INT(got.ops[0].outcome, MCP_CANCELLED);
	CHECK_STR_EQ(got.ops[0].error_type, "cancelled");
	CHECK_EQ_INT(got.ops[0].end, 5);
	CHECK_EQ_INT(got.ops[1].role, MCP_ROLE_SERVER);
	CHECK_EQ_INT(got.ops[1].end, 6);
	CHECK_EQ_INT(got.nnotes, 2);
	CHECK_EQ_INT(got.notes[0].span_id, got.ops[0].span_id);
	CHECK_STR_EQ(got.notes[0].ref_id.text, "7");
	CHECK_EQ_INT(mcp_tracker_stats(t)->cancelled, 2);
	CHECK_EQ_INT(mcp_tracker_stats(t)->unmatched, 1);
	mcp_tracker_free(t);
}

/* The client cancels before the server has read the request (found by
 * test_mcp.sh: the server reads request and cancellation together): the
 * client's operation is over when the server's begins, and the server's is
 * still its child. */
static void test_cancelled_before_server_reads(void)
{
	struct mcp_tracker *t = tracker(0, false);
	const char *req = "{\"jsonrpc\":\"2.0\",\"id\":\"py-9\",\"method\":\"tools/call\",\"params\":{\"name\":\"slow\"}}";
	const char *cancel = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":\"py-9\"}}";

	msg(t, CLIENT, PIPE_IN, true, 1, req);
	msg(t, CLIENT, PIPE_IN, true, 2, cancel);
	msg(t, SERVER, PIPE_IN, false, 3, req);
	msg(t, SERVER, PIPE_IN, false, 3, cancel);
	CHECK_EQ_INT(got.nops, 2);
	CHECK_EQ_INT(got.ops[1].role, MCP_ROLE_SERVER);
	CHECK(got.ops[1].stitched);
	CHECK_EQ_INT(got.ops[1].parent, got.ops[0].span_id);
	CHECK(got.ops[1].trace_hi == got.ops[0].trace_hi && got.ops[1].trace_lo == got.ops[0].trace_lo);
	mcp_tracker_free(t);
}

/* params._meta.traceparent wins over stitching, on both sides. */
static void test_traceparent_wins(void)
{
	struct mcp_tracker *t = tracker(0, false);
	const char *req = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"prompts/get\",\"params\":{\"name\":\"summarize\","
			  "\"_meta\":{\"traceparent\":\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\"}}}";
	const char *resp = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"messages\":[]}}";

	msg(t, CLIENT, PIPE_IN, true, 1, req);
	msg(t, SERVER, PIPE_IN, false, 2, req);
	msg(t, SERVER, PIPE_OUT, true, 3, resp);
	msg(t, CLIENT, PIPE_OUT, false, 4, resp);
	CHECK_EQ_INT(got.nops, 2);
	for (int i = 0; i < 2; i++) {
		CHECK(got.ops[i].remote);
		CHECK(!got.ops[i].stitched);
		CHECK_EQ_INT(got.ops[i].trace_hi, 0x4bf92f3577b34da6ULL);
		CHECK_EQ_INT(got.ops[i].trace_lo, 0xa3ce929d0e0e4736ULL);
		CHECK_EQ_INT(got.ops[i].parent, 0x00f067aa0ba902b7ULL);
		CHECK_STR_EQ(got.ops[i].span_name, "prompts/get summarize");
	}
	mcp_tracker_free(t);

	/* A malformed traceparent is ignored: stitched as usual. */
	t = tracker(0, false);
	req = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"_meta\":{\"traceparent\":\"00-zz\"}}}";
	msg(t, CLIENT, PIPE_IN, true, 1, req);
	msg(t, SERVER, PIPE_IN, false, 2, req);
	msg(t, SERVER, PIPE_OUT, true, 3, resp);
	CHECK_EQ_INT(got.nops, 1);
	CHECK(got.ops[0].stitched && !got.ops[0].remote);
	mcp_tracker_free(t);
}

/* A server that calls another MCP server while it handles a request: its
 * CLIENT span is the child of its SERVER span; a request sent inside a
 * native span is that span's child; the SERVER span open in a process is
 * published while it is open. */
static void test_nested_and_native_parents(void)
{
	struct mcp_tracker *t = tracker(0, false);
	const char *call = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"search\"}}";
	const char *inner = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"tools/call\",\"params\":{\"name\":\"fetch\"}}";
	const char *ok1 = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}";
	const char *ok0 = "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{}}";

	msg(t, SERVER, PIPE_IN, false, 1, call);            /* SERVER handles id 1 */
	CHECK_EQ_INT(npublished, 1);
	CHECK_EQ_INT(published[0][0], SERVER);
	CHECK(published[0][1] != 0);
	msg(t, SERVER, 9001, true, 2, inner);               /* and calls another server */
	msg(t, SERVER, 9002, false, 3, ok0);
	msg(t, SERVER, PIPE_OUT, true, 4, ok1);
	CHECK_EQ_INT(got.nops, 2);
	struct rec *c = &got.ops[0], *s = &got.ops[1];
	CHECK_EQ_INT(c->role, MCP_ROLE_CLIENT);
	CHECK_EQ_INT(c->parent, s->span_id);
	CHECK(c->trace_hi == s->trace_hi && c->trace_lo == s->trace_lo);
	CHECK_EQ_INT(published[0][1], s->span_id);
	CHECK_EQ_INT(npublished, 2);
	CHECK_EQ_INT(published[1][1], 0); /* nothing open any more */
	mcp_tracker_free(t);

	t = tracker(0, false);
	struct mcp_io io = {.pid = CLIENT, .tid = CLIENT, .conn = PIPE_IN, .outbound = true, .transport = MCP_TR_PIPE,
			    .parent_trace_hi = 0x1111, .parent_trace_lo = 0x2222, .parent_span_id = 0x3333};
	struct jsonrpc_frame f = {.data = inner, .len = strlen(inner), .first_ns = 1, .last_ns = 1};
	mcp_tracker_frame(t, &io, &f);
	msg(t, CLIENT, PIPE_OUT, false, 2, ok0);
	CHECK_EQ_INT(got.nops, 1);
	CHECK_EQ_INT(got.ops[0].parent, 0x3333);
	CHECK_EQ_INT(got.ops[0].trace_hi, 0x1111);
	CHECK_EQ_INT(npublished, 0); /* a client publishes nothing */
	mcp_tracker_free(t);
}

/* A server asking its client (sampling): the server is the CLIENT side. */
static void test_server_to_client_request(void)
{
	struct mcp_tracker *t = tracker(0, false);
	const char *req = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"sampling/createMessage\",\"params\":{}}";
	const char *resp = "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"role\":\"assistant\"}}";

	msg(t, SERVER, PIPE_OUT, true, 1, req);
	msg(t, CLIENT, PIPE_OUT, false, 2, req);
	msg(t, CLIENT, PIPE_IN, true, 3, resp);
	msg(t, SERVER, PIPE_IN, false, 4, resp);
	CHECK_EQ_INT(got.nops, 2);
	CHECK_EQ_INT(got.ops[0].pid, CLIENT);
	CHECK_EQ_INT(got.ops[0].role, MCP_ROLE_SERVER);
	CHECK_EQ_INT(got.ops[1].pid, SERVER);
	CHECK_EQ_INT(got.ops[1].role, MCP_ROLE_CLIENT);
	CHECK_EQ_INT(got.ops[0].parent, got.ops[1].span_id);
	mcp_tracker_free(t);
}

/* Streamable HTTP: one TCP connection id for both ends; the session id
 * comes with the initialize response; a server with two clients whose ids
 * collide tells them apart by connection. */
static void test_http_sessions(void)
{
	struct mcp_tracker *t = tracker(0, false);
	const char *ping = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\"}}";
	const char *pong = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}";

	http(t, CLIENT, 501, true, 1, NULL, INIT_REQ);
	http(t, SERVER, 501, false, 2, NULL, INIT_REQ);
	http(t, SERVER, 501, true, 3, "sess-A", INIT_RESP);
	http(t, CLIENT, 501, false, 4, "sess-A", INIT_RESP);
	/* a second client of the same server, connection 502 */
	http(t, SERVER, 502, false, 5, "sess-B", ping);
	/* the first client, on a new connection 503 */
	http(t, CLIENT, 503, true, 6, "sess-A", ping);
	http(t, SERVER, 503, false, 7, "sess-A", ping);
	http(t, SERVER, 503, true, 8, "sess-A", pong);
	http(t, CLIENT, 503, false, 9, "sess-A", pong);
	http(t, SERVER, 502, true, 10, "sess-B", pong);
	CHECK_EQ_INT(got.nops, 5);
	struct rec *s1 = &got.ops[2], *c1 = &got.ops[3], *s2 = &got.ops[4];
	CHECK_EQ_INT(s1->start, 7);
	CHECK_EQ_INT(s1->end, 8);
	CHECK_EQ_INT(s1->parent, c1->span_id);
	CHECK_STR_EQ(c1->session_id, "sess-A");
	CHECK_STR_EQ(c1->protocol_version, "2025-03-26");
	CHECK_STR_EQ(c1->transport, "tcp");
	CHECK_STR_EQ(got.ops[1].session_id, "sess-A"); /* the initialize itself */
	CHECK_EQ_INT(s2->start, 5);
	CHECK_EQ_INT(s2->end, 10);
	CHECK(!s2->stitched);
	CHECK_STR_EQ(s2->protocol_version, ""); /* its initialize was not seen */
	mcp_tracker_session_closed(t, CLIENT, "sess-A", 20);
	CHECK_EQ_INT(got.nsessions, 1);
	CHECK_EQ_INT(got.sessions[0].start_ns, 1);
	CHECK_EQ_INT(got.sessions[0].end_ns, 20);
	mcp_tracker_free(t);
}

static void test_ten_thousand_in_flight(void)
{
	struct mcp_tracker *t = tracker(0, false);
	char buf[200];
	int n = 10000, bad = 0;

	for (int i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{\"name\":\"t%d\"}}",
			 i, i % 7);
		msg(t, CLIENT, PIPE_IN, true, (uint64_t)i, buf);
	}
	CHECK_EQ_INT(mcp_tracker_stats(t)->inflight, n);
	for (int i = n - 1; i >= 0; i--) {
		snprintf(buf, sizeof(buf), "{\"jsonrpc\":\"2.0\",\"id\":%d,\"result\":{}}", i);
		msg(t, CLIENT, PIPE_OUT, false, (uint64_t)(2 * n - i), buf);
	}
	CHECK_EQ_INT(got.nops, n);
	for (int k = 0; k < got.nops; k++) {
		struct rec *r = &got.ops[k];
		int i = atoi(r->id);
		char want[16];
		snprintf(want, sizeof(want), "t%d", i % 7);
		if (r->start != (uint64_t)i || r->end != (uint64_t)(2 * n - i) || strcmp(r->name, want))
			bad++;
	}
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(mcp_tracker_stats(t)->inflight_max, n);
	CHECK_EQ_INT(mcp_tracker_stats(t)->evicted, 0);
	CHECK_EQ_INT(mcp_tracker_stats(t)->inflight, 0);
	mcp_tracker_free(t);
}

static void test_eviction_timeout_exit(void)
{
	struct mcp_tracker *t = tracker(100, false);
	char buf[200];

	for (int i = 0; i < 150; i++) {
		snprintf(buf, sizeof(buf), "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"ping\"}", i);
		msg(t, CLIENT, PIPE_IN, true, (uint64_t)i * SEC, buf);
	}
	CHECK_EQ_INT(mcp_tracker_stats(t)->evicted, 50);
	CHECK_EQ_INT(mcp_tracker_stats(t)->inflight, 100);
	msg(t, CLIENT, PIPE_OUT, false, 200 * SEC, "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{}}");
	CHECK_EQ_INT(mcp_tracker_stats(t)->unmatched, 1); /* evicted */
	/* default timeout 300 s: requests 50..59 started before 60 s */
	mcp_tracker_sweep(t, 360 * SEC - 1);
	CHECK_EQ_INT(mcp_tracker_stats(t)->timeouts, 10);
	CHECK_EQ_INT(got.nops, 10);
	CHECK_STR_EQ(got.ops[0].error_type, "timeout");
	CHECK_EQ_INT(got.ops[0].end, 360 * SEC - 1);
	mcp_tracker_exit(t, SERVER, 400 * SEC); /* not the client: nothing */
	CHECK_EQ_INT(got.nops, 10);
	mcp_tracker_exit(t, CLIENT, 400 * SEC);
	CHECK_EQ_INT(got.nops, 100);
	CHECK_STR_EQ(got.ops[99].error_type, "closed");
	CHECK_EQ_INT(mcp_tracker_stats(t)->inflight, 0);
	mcp_tracker_free(t);
}

/* An id sent again on the same stream while in flight replaces the old
 * request (whose answer was missed). */
static void test_reused_id(void)
{
	struct mcp_tracker *t = tracker(0, false);

	msg(t, CLIENT, PIPE_IN, true, 1, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
	msg(t, CLIENT, PIPE_IN, true, 2, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
	msg(t, CLIENT, PIPE_OUT, false, 3, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}");
	CHECK_EQ_INT(got.nops, 1);
	CHECK_STR_EQ(got.ops[0].method, "tools/list");
	CHECK_EQ_INT(mcp_tracker_stats(t)->reused_ids, 1);
	mcp_tracker_free(t);
}

/* Content only with capture_content; a salvaged (cut) response still ends
 * its operation. */
static void test_content_and_truncated(void)
{
	const char *req = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"hi\"}}}";
	const char *resp = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}}";

	for (int content = 0; content <= 1; content++) {
		struct mcp_tracker *t = tracker(0, content);
		msg(t, CLIENT, PIPE_IN, true, 1, req);
		msg(t, CLIENT, PIPE_OUT, false, 2, resp);
		CHECK_EQ_INT(got.nops, 1);
		if (content) {
			CHECK_STR_EQ(got.ops[0].args, "{\"text\":\"hi\"}");
			CHECK_STR_HAS(got.ops[0].result, "\"text\":\"hi\"");
		} else {
			CHECK(!got.ops[0].args && !got.ops[0].result);
		}
		mcp_tracker_free(t);
	}

	struct mcp_tracker *t = tracker(0, false);
	msg(t, CLIENT, PIPE_IN, true, 1, req);
	const char *head = "{\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"aaaa";
	const char *tail = "aaaa\"}],\"isError\":true},\"jsonrpc\":\"2.0\",\"id\":1}";
	struct mcp_io io = {.pid = CLIENT, .conn = PIPE_OUT, .transport = MCP_TR_PIPE};
	struct jsonrpc_frame f = {.data = head, .len = strlen(head), .tail = tail, .tail_len = strlen(tail),
				  .full_len = 5000000, .truncated = true, .first_ns = 2, .last_ns = 9};
	mcp_tracker_frame(t, &io, &f);
	CHECK_EQ_INT(got.nops, 1);
	CHECK(got.ops[0].truncated);
	CHECK_EQ_INT(got.ops[0].outcome, MCP_TOOL_ERROR);
	CHECK_EQ_INT(got.ops[0].end, 9);
	CHECK_EQ_INT(mcp_tracker_stats(t)->salvaged, 1);
	mcp_tracker_free(t);
}

int main(void)
{
	test_stdio_both_sides_stitched();
	test_errors_and_unmatched();
	test_out_of_order_and_id_types();
	test_two_servers_same_ids();
	test_cancellation();
	test_cancelled_before_server_reads();
	test_traceparent_wins();
	test_server_to_client_request();
	test_nested_and_native_parents();
	test_http_sessions();
	test_ten_thousand_in_flight();
	test_eviction_timeout_exit();
	test_reused_id();
	test_content_and_truncated();
	reset();
	UNIT_DONE();
}
