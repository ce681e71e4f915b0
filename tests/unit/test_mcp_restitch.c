/* The SERVER span an MCP server is handling, as the mcp source publishes it
 * for the exec source (mcp_session.c: sink.server_span): when the server's
 * read of a request is seen before the client's write of it (one ring,
 * two CPUs), the span starts in a trace of its own and joins the client's
 * when the write is seen. It must be told again then, before a child the
 * server forks is given its trace (mcp_tracker_restitch, on a fork), or at
 * the latest when it ends (finish): the exec spans under it would be in a
 * trace the span is not in. */
#include <stdlib.h>
#include <string.h>
#include "source/mcp/mcp_session.h"
#include "unit_test.h"

enum { CLIENT = 100, SERVER = 200, PIPE_IN = 1, PIPE_OUT = 2 };

static struct { uint32_t pid; uint64_t hi, lo, span; } told[16];
static int ntold;
static struct { uint64_t hi, lo, span; int role; } ops[8];
static int nops;

static void on_op(void *ctx, const struct mcp_op *op)
{
	(void)ctx;
	if (nops < 8) {
		ops[nops].hi = op->trace_hi;
		ops[nops].lo = op->trace_lo;
		ops[nops].span = op->span_id;
		ops[nops].role = op->role;
		nops++;
	}
}

static void on_server_span(void *ctx, uint32_t pid, uint64_t hi, uint64_t lo, uint64_t span)
{
	(void)ctx;
	if (ntold < 16) {
		told[ntold].pid = pid;
		told[ntold].hi = hi;
		told[ntold].lo = lo;
		told[ntold].span = span;
		ntold++;
	}
}

static struct mcp_tracker *tracker(void)
{
	struct mcp_tracker_config cfg = {.seed = 7};
	struct mcp_sink sink = {.op = on_op, .server_span = on_server_span};

	ntold = nops = 0;
	return mcp_tracker_new(&cfg, &sink);
}

static void msg(struct mcp_tracker *t, uint32_t pid, uint64_t conn, bool out, uint64_t ns, const char *json)
{
	struct mcp_io io = {.pid = pid, .tid = pid, .conn = conn, .outbound = out, .transport = MCP_TR_PIPE};
	struct jsonrpc_frame f = {.data = json, .len = strlen(json), .full_len = strlen(json),
				  .first_ns = ns, .last_ns = ns};
	mcp_tracker_frame(t, &io, &f);
}

static const char *req = "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"git_worktree\"}}";
static const char *resp = "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{\"content\":[]}}";

/* the CLIENT op's trace and the SERVER op's, once both ended */
static void ended(uint64_t *client_hi, uint64_t *server_hi, uint64_t *server_span)
{
	*client_hi = *server_hi = *server_span = 0;
	for (int i = 0; i < nops; i++) {
		if (ops[i].role == MCP_ROLE_CLIENT) {
			*client_hi = ops[i].hi;
		} else {
			*server_hi = ops[i].hi;
			*server_span = ops[i].span;
		}
	}
}

/* The server forks while it handles the request, the client's write read
 * by then: restitch tells the span again, in the client's trace. */
static void test_fork_restitches(void)
{
	struct mcp_tracker *t = tracker();
	uint64_t chi, shi, sspan;

	msg(t, SERVER, PIPE_IN, false, 2, req); /* the server's read, first */
	CHECK_EQ_INT(ntold, 1);
	uint64_t own_trace = told[0].hi;
	msg(t, CLIENT, PIPE_IN, true, 1, req);  /* then the client's write */
	mcp_tracker_restitch(t, SERVER);        /* the server forks */
	CHECK_EQ_INT(ntold, 2);
	CHECK_EQ_INT(told[1].pid, SERVER);
	CHECK_EQ_INT(told[1].span, told[0].span);
	mcp_tracker_restitch(t, SERVER);        /* again: nothing new to tell */
	mcp_tracker_restitch(t, CLIENT);        /* a process serving nothing */
	CHECK_EQ_INT(ntold, 2);
	msg(t, SERVER, PIPE_OUT, true, 3, resp);
	msg(t, CLIENT, PIPE_OUT, false, 4, resp);
	ended(&chi, &shi, &sspan);
	CHECK_EQ_INT(nops, 2);
	CHECK(chi != 0 && shi == chi);
	CHECK(chi != own_trace);
	CHECK_EQ_INT(told[1].hi, chi); /* what the fork was given: the trace it ends in */
	CHECK_EQ_INT(told[1].span, sspan);
	CHECK_EQ_INT(told[ntold - 1].span, 0); /* nothing open at the end */
	CHECK_EQ_INT(ntold, 3);
	mcp_tracker_free(t);
}

/* No fork: the span is told in its final trace when it ends, before the
 * process is told it has nothing open. */
static void test_finish_retells(void)
{
	struct mcp_tracker *t = tracker();
	uint64_t chi, shi, sspan;

	msg(t, SERVER, PIPE_IN, false, 2, req);
	msg(t, CLIENT, PIPE_IN, true, 1, req);
	CHECK_EQ_INT(ntold, 1);
	msg(t, SERVER, PIPE_OUT, true, 3, resp);
	msg(t, CLIENT, PIPE_OUT, false, 4, resp);
	ended(&chi, &shi, &sspan);
	CHECK(chi != 0 && shi == chi);
	CHECK_EQ_INT(ntold, 3);
	CHECK(told[1].span == sspan && told[1].hi == chi);
	CHECK_EQ_INT(told[2].span, 0);
	mcp_tracker_free(t);
}

/* In order (the client's write first), the span is told once, stitched. */
static void test_in_order(void)
{
	struct mcp_tracker *t = tracker();
	uint64_t chi, shi, sspan;

	msg(t, CLIENT, PIPE_IN, true, 1, req);
	msg(t, SERVER, PIPE_IN, false, 2, req);
	mcp_tracker_restitch(t, SERVER);
	msg(t, SERVER, PIPE_OUT, true, 3, resp);
	msg(t, CLIENT, PIPE_OUT, false, 4, resp);
	ended(&chi, &shi, &sspan);
	CHECK_EQ_INT(ntold, 2);
	CHECK(told[0].hi == chi && told[0].span == sspan);
	CHECK_EQ_INT(told[1].span, 0);
	mcp_tracker_free(t);
}

int main(void)
{
	test_fork_restitches();
	test_finish_retells();
	test_in_order();
	UNIT_DONE();
}
