/* The LLM call is the parent of the tool calls it asked for: the tool
 * calls read from its answer (OpenAI chat streamed and whole, parallel,
 * the same tool twice; the Responses API; Anthropic tool_use blocks;
 * Gemini), names and ids only, never arguments; the per-process table
 * they are published in (FIFO per name, after the answer, within the
 * window); and the mcp tracker putting a tools/call CLIENT span, and the
 * SERVER span stitched to it, under the LLM call's span. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "source/mcp/mcp_session.h"
#include "source/tls/llm_internal.h"
#include "source/tool_calls.h"
#include "mcp_unit.h"
#include "test_tls_util.h"
#include "unit_test.h"

static const struct llm_opts no_content = {.capture_content = false};

static void event(struct llm_call *c, const char *name, const char *json)
{
	llm_stream_event(c, name, json, strlen(json), 1, &no_content);
}

/* A streamed answer of api, event by event ({event name, data}), read into c. */
static void streamed(struct llm_call *c, enum llm_api api, const char *const (*ev)[2], int n)
{
	llm_call_init(c, api, "api.test", "");
	for (int i = 0; i < n; i++)
		event(c, ev[i][0], ev[i][1]);
}

/* A whole (not streamed) answer of api, read into c. */
static void whole(struct llm_call *c, enum llm_api api, const char *body)
{
	llm_call_init(c, api, "api.test", "");
	llm_parse_response(c, body, strlen(body), &no_content);
}

static bool no_arguments(const struct llm_call *c, const char *secret)
{
	for (int i = 0; i < c->n_tool_calls; i++)
		if (strstr(c->tool_calls[i].name, secret) || strstr(c->tool_calls[i].id, secret))
			return false;
	return !c->output_text && !c->input_messages;
}

static const char *const chat_events[][2] = {
	{NULL,
	 "{\"id\":\"x\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null}}]}"},
	{NULL,
	 "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\","
			"\"function\":{\"name\":\"git_worktree\",\"arguments\":\"\"}}]}}]}"},
	{NULL,
	 "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"SECRET\\\"\"}}]}}]}"},
	{NULL,
	 "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\",\"type\":\"function\","
			"\"function\":{\"name\":\"lookup_ticket\",\"arguments\":\"\"}}]}}]}"},
	{NULL,
	 "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":2,\"id\":\"call_c\",\"type\":\"function\","
			"\"function\":{\"name\":\"git_worktree\",\"arguments\":\"{\\\"name\\\": 1}\"}}]}}]}"},
	{NULL,
	 "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\":7}\"}}]}}]}"},
	{NULL,
	 "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}"},
	{NULL,
	 "[DONE]"},
};

/* Two tool calls in parallel, the same tool twice: each call's first
 * chunk names it, its arguments come in later chunks, interleaved. */
static void test_openai_stream_parallel(void)
{
	struct llm_call c;
	streamed(&c, LLM_OPENAI_CHAT, chat_events, (int)(sizeof(chat_events) / sizeof(chat_events[0])));
	CHECK_EQ_INT(c.n_tool_calls, 3);
	CHECK_STR_EQ(c.tool_calls[0].name, "git_worktree");
	CHECK_STR_EQ(c.tool_calls[0].id, "call_a");
	CHECK_STR_EQ(c.tool_calls[1].name, "lookup_ticket");
	CHECK_STR_EQ(c.tool_calls[1].id, "call_b");
	CHECK_STR_EQ(c.tool_calls[2].name, "git_worktree");
	CHECK_STR_EQ(c.tool_calls[2].id, "call_c");
	CHECK(no_arguments(&c, "SECRET"));
	llm_call_free(&c);
}

/* A whole chat answer, and the older function_call. */
static void test_openai_whole(void)
{
	static const char body[] =
		"{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
		"\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"search\",\"arguments\":\"{}\"}},"
		"{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"search\",\"arguments\":\"{}\"}}]},"
		"\"finish_reason\":\"tool_calls\"}]}";
	struct llm_call c;
	whole(&c, LLM_OPENAI_CHAT, body);
	CHECK_EQ_INT(c.n_tool_calls, 2);
	CHECK_STR_EQ(c.tool_calls[0].id, "call_1");
	CHECK_STR_EQ(c.tool_calls[1].id, "call_2");
	CHECK_STR_EQ(c.tool_calls[1].name, "search");
	llm_call_free(&c);

	static const char old[] = "{\"choices\":[{\"index\":0,\"message\":{\"function_call\":{\"name\":\"f\",\"arguments\":\"{}\"}}}]}";
	whole(&c, LLM_OPENAI_CHAT, old);
	CHECK_EQ_INT(c.n_tool_calls, 1);
	CHECK_STR_EQ(c.tool_calls[0].name, "f");
	llm_call_free(&c);
}

static const char *const responses_events[][2] = {
	{"response.output_item.added",
	 "{\"type\":\"response.output_item.added\",\"item\":{\"type\":\"function_call\","
						"\"call_id\":\"fc_1\",\"name\":\"get_weather\",\"arguments\":\"\"}}"},
	{"response.function_call_arguments.delta",
	 "{\"type\":\"response.function_call_arguments.delta\",\"delta\":\"{\\\"SECRET\"}"},
	{"response.output_item.done",
	 "{\"type\":\"response.output_item.done\",\"item\":{\"type\":\"function_call\","
					       "\"call_id\":\"fc_1\",\"name\":\"get_weather\",\"arguments\":\"{\\\"SECRET\\\":1}\"}}"},
	{"response.completed",
	 "{\"type\":\"response.completed\",\"response\":{\"id\":\"r\",\"status\":\"completed\","
					"\"output\":[{\"type\":\"function_call\",\"call_id\":\"fc_1\",\"name\":\"get_weather\"}]}}"},
};

/* The Responses API: a function_call item told when added, when done and
 * again in response.completed: one call. */
static void test_responses(void)
{
	struct llm_call c;
	streamed(&c, LLM_OPENAI_RESPONSES, responses_events, (int)(sizeof(responses_events) / sizeof(responses_events[0])));
	CHECK_EQ_INT(c.n_tool_calls, 1);
	CHECK_STR_EQ(c.tool_calls[0].name, "get_weather");
	CHECK_STR_EQ(c.tool_calls[0].id, "fc_1");
	CHECK(no_arguments(&c, "SECRET"));
	llm_call_free(&c);
}

static const char *const anthropic_events[][2] = {
	{"message_start",
	 "{\"type\":\"message_start\",\"message\":{\"id\":\"msg\",\"model\":\"claude\",\"content\":[],"
				   "\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}"},
	{"content_block_start",
	 "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"},
	{"content_block_start",
	 "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
					 "\"id\":\"toolu_1\",\"name\":\"lookup_ticket\",\"input\":{}}}"},
	{"content_block_delta",
	 "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
					 "\"partial_json\":\"{\\\"SECRET\"}}"},
	{"content_block_start",
	 "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\","
					 "\"id\":\"toolu_2\",\"name\":\"lookup_ticket\",\"input\":{}}}"},
	{"message_stop",
	 "{\"type\":\"message_stop\"}"},
};

/* Anthropic: tool_use blocks, streamed (content_block_start, then the
 * input as input_json_delta) and whole. */
static void test_anthropic(void)
{
	struct llm_call c;
	streamed(&c, LLM_ANTHROPIC_MESSAGES, anthropic_events, (int)(sizeof(anthropic_events) / sizeof(anthropic_events[0])));
	CHECK_EQ_INT(c.n_tool_calls, 2);
	CHECK_STR_EQ(c.tool_calls[0].id, "toolu_1");
	CHECK_STR_EQ(c.tool_calls[1].id, "toolu_2");
	CHECK_STR_EQ(c.tool_calls[1].name, "lookup_ticket");
	CHECK(no_arguments(&c, "SECRET"));
	llm_call_free(&c);

	static const char body[] = "{\"id\":\"m\",\"type\":\"message\",\"model\":\"claude\",\"stop_reason\":\"tool_use\","
				   "\"content\":[{\"type\":\"text\",\"text\":\"ok\"},{\"type\":\"tool_use\",\"id\":\"toolu_9\","
				   "\"name\":\"git_worktree\",\"input\":{\"SECRET\":1}}]}";
	whole(&c, LLM_ANTHROPIC_MESSAGES, body);
	CHECK_EQ_INT(c.n_tool_calls, 1);
	CHECK_STR_EQ(c.tool_calls[0].name, "git_worktree");
	CHECK(no_arguments(&c, "SECRET"));
	llm_call_free(&c);
}

static void test_gemini_and_cap(void)
{
	static const char body[] = "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"a\",\"args\":{}}},"
				   "{\"functionCall\":{\"name\":\"b\",\"args\":{}}}]},\"finishReason\":\"STOP\"}]}";
	struct llm_call c;
	whole(&c, LLM_GEMINI_GENERATE, body);
	CHECK_EQ_INT(c.n_tool_calls, 2);
	CHECK_STR_EQ(c.tool_calls[1].name, "b");
	for (int i = 0; i < LLM_TOOL_CALLS_MAX + 3; i++) {
		char id[16];
		snprintf(id, sizeof(id), "id%d", i);
		llm_add_tool_call(&c, id, "t", -1);
	}
	CHECK_EQ_INT(c.n_tool_calls, LLM_TOOL_CALLS_MAX);
	CHECK_EQ_INT(c.tool_calls_dropped, 5);
	llm_call_free(&c);
}

/* A client that stops reading at [DONE] (Python's SDK breaks there) calls
 * the tools before the chunked body's end is read: the tool calls are told
 * when the stream's end event is read (llm_tracker answered), once, before
 * the call is emitted at the exchange's end. */
static int nanswered, answered_tools;
static uint64_t answered_at;
static void on_answered(void *ctx, struct llm_call *c, uint64_t ts)
{
	(void)ctx;
	nanswered++;
	answered_tools = c->n_tool_calls;
	answered_at = ts;
}

static void test_answered_at_done(void)
{
	static struct rec r;
	rec_init(&r, false, NULL);
	r.t.answered = on_answered;
	struct http1_conn *c = http1_conn_new(&r.http);
	static const char req[] = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[]}";
	char head[256];
	snprintf(head, sizeof(head), "POST /v1/chat/completions HTTP/1.1\r\nHost: api.test\r\nContent-Length: %zu\r\n\r\n",
		 strlen(req));
	feed_str(c, TLS_DIR_WRITE, head, 100);
	feed_str(c, TLS_DIR_WRITE, req, 100);
	feed_str(c, TLS_DIR_READ, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n", 200);
	for (size_t i = 0; i < sizeof(chat_events) / sizeof(chat_events[0]); i++) {
		char chunk[1024], ev[900];
		snprintf(ev, sizeof(ev), "data: %s\n\n", chat_events[i][1]);
		snprintf(chunk, sizeof(chunk), "%zx\r\n%s\r\n", strlen(ev), ev);
		feed_str(c, TLS_DIR_READ, chunk, 201 + i);
	}
	CHECK_EQ_INT(nanswered, 1);
	CHECK_EQ_INT(answered_tools, 3);
	CHECK_EQ_INT(answered_at, 201 + sizeof(chat_events) / sizeof(chat_events[0]) - 1);
	CHECK_EQ_INT(r.n, 0); /* the exchange is not over */
	feed_str(c, TLS_DIR_READ, "0\r\n\r\n", 400);
	CHECK_EQ_INT(r.n, 1);
	CHECK_EQ_INT(nanswered, 1);
	http1_close(c, 500);
}

/* ---- the table ---------------------------------------------------------- */

static void test_table(void)
{
	static struct tool_calls tc;
	uint64_t hi, lo, span;

	memset(&tc, 0, sizeof(tc));
	tc.window_ns = 1000;
	tool_calls_publish(&tc, 7, "git", 1, 2, 10, 100); /* answer 1: git, lookup, git */
	tool_calls_publish(&tc, 7, "lookup", 1, 2, 10, 100);
	tool_calls_publish(&tc, 7, "git", 1, 2, 10, 100);
	tool_calls_publish(&tc, 7, "git", 3, 4, 20, 200); /* answer 2: git */
	CHECK(!tool_calls_claim(&tc, 7, "git", 99, &hi, &lo, &span));  /* before the answer */
	CHECK(!tool_calls_claim(&tc, 8, "git", 150, &hi, &lo, &span)); /* another process */
	CHECK(!tool_calls_claim(&tc, 7, "nope", 150, &hi, &lo, &span));
	CHECK(tool_calls_claim(&tc, 7, "git", 150, &hi, &lo, &span) && span == 10 && hi == 1 && lo == 2);
	CHECK(tool_calls_claim(&tc, 7, "git", 160, &hi, &lo, &span) && span == 10);
	/* answer 2's is after 170: not yet */
	CHECK(!tool_calls_claim(&tc, 7, "git", 170, &hi, &lo, &span));
	CHECK(tool_calls_claim(&tc, 7, "git", 250, &hi, &lo, &span) && span == 20 && hi == 3);
	CHECK(!tool_calls_claim(&tc, 7, "lookup", 1101, &hi, &lo, &span)); /* past the window */
	CHECK(tool_calls_claim(&tc, 7, "lookup", 1100, &hi, &lo, &span) && span == 10);
	CHECK_EQ_INT(tc.claimed, 4);
	tool_calls_publish(&tc, 7, "x", 1, 2, 30, 300);
	tool_calls_forget(&tc, 7);
	CHECK(!tool_calls_claim(&tc, 7, "x", 300, &hi, &lo, &span));
}

/* A claim reads the publisher's ring first (sync): the answer published
 * then is found. */
static struct tool_calls *late_tc;
static void late_publish(void *ctx)
{
	(void)ctx;
	tool_calls_publish(late_tc, 5, "late", 9, 9, 99, 10);
}

static void test_sync_before_claim(void)
{
	static struct tool_calls tc;
	uint64_t hi, lo, span = 0;

	memset(&tc, 0, sizeof(tc));
	late_tc = &tc;
	tool_calls_set_sync(&tc, late_publish, NULL);
	CHECK(tool_calls_claim(&tc, 5, "late", 20, &hi, &lo, &span));
	CHECK_EQ_INT(span, 99);
}

/* ---- the mcp tracker ---------------------------------------------------- */

enum { AGENT = 100, SERVER = 200, PIPE_IN = 1, PIPE_OUT = 2 };
static struct { uint64_t hi, lo, span, parent; int role; char name[32]; } ops[16];
static int nops;

static void on_op(void *ctx, const struct mcp_op *op)
{
	(void)ctx;
	if (nops < 16) {
		ops[nops] = (typeof(ops[0])){op->trace_hi, op->trace_lo, op->span_id, op->parent_span_id, op->role, ""};
		snprintf(ops[nops].name, sizeof(ops[nops].name), "%s", op->name);
		nops++;
	}
}

#define msg mcp_unit_msg

/* One tools/call round trip: the agent's write, the server's read and
 * answer, the agent's read. */
static void call(struct mcp_tracker *t, int id, const char *tool, uint64_t ns)
{
	char req[256], resp[128];
	snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{\"name\":\"%s\"}}", id, tool);
	snprintf(resp, sizeof(resp), "{\"jsonrpc\":\"2.0\",\"id\":%d,\"result\":{\"content\":[]}}", id);
	msg(t, AGENT, PIPE_IN, true, ns, req);
	msg(t, SERVER, PIPE_IN, false, ns + 1, req);
	msg(t, SERVER, PIPE_OUT, true, ns + 2, resp);
	msg(t, AGENT, PIPE_OUT, false, ns + 3, resp);
}

static void test_tracker_parents(void)
{
	static struct tool_calls tc;
	memset(&tc, 0, sizeof(tc));
	struct mcp_tracker_config cfg = {.seed = 3, .tool_calls = &tc};
	struct mcp_sink sink = {.op = on_op};
	struct mcp_tracker *t = mcp_tracker_new(&cfg, &sink);

	nops = 0;
	/* the answer of LLM span 0xA1 (trace 0xAA/0xAB) asked for lookup and git */
	tool_calls_publish(&tc, AGENT, "lookup_ticket", 0xAA, 0xAB, 0xA1, 100);
	tool_calls_publish(&tc, AGENT, "git_worktree", 0xAA, 0xAB, 0xA1, 100);
	call(t, 1, "lookup_ticket", 110);
	call(t, 2, "git_worktree", 120);
	call(t, 3, "git_worktree", 130); /* asked for once only: a root */
	CHECK_EQ_INT(nops, 6);
	for (int i = 0; i < nops && i < 4; i++) { /* the first two round trips */
		CHECK_EQ_INT(ops[i].hi, 0xAA);
		CHECK_EQ_INT(ops[i].lo, 0xAB);
		if (ops[i].role == MCP_ROLE_CLIENT)
			CHECK_EQ_INT(ops[i].parent, 0xA1);
	}
	for (int i = 4; i < nops; i++) {
		CHECK(ops[i].hi != 0xAA);
		if (ops[i].role == MCP_ROLE_CLIENT)
			CHECK_EQ_INT(ops[i].parent, 0);
	}
	CHECK_EQ_INT(mcp_tracker_stats(t)->llm_parented, 2);
	mcp_tracker_free(t);
}

/* A native span open on the writing thread wins (the agent's own span
 * around the tool call), and the answer's entry is used up all the same. */
static void test_native_parent_wins(void)
{
	static struct tool_calls tc;
	memset(&tc, 0, sizeof(tc));
	struct mcp_tracker_config cfg = {.seed = 4, .tool_calls = &tc};
	struct mcp_sink sink = {.op = on_op};
	struct mcp_tracker *t = mcp_tracker_new(&cfg, &sink);
	uint64_t hi, lo, span;

	nops = 0;
	tool_calls_publish(&tc, AGENT, "git_worktree", 0xAA, 0xAB, 0xA1, 100);
	const char *req = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"git_worktree\"}}";
	struct mcp_io io = {.pid = AGENT, .tid = AGENT, .conn = PIPE_IN, .outbound = true, .transport = MCP_TR_PIPE,
			    .parent_trace_hi = 0xCC, .parent_trace_lo = 0xCD, .parent_span_id = 0xC1};
	struct jsonrpc_frame f = {.data = req, .len = strlen(req), .full_len = strlen(req), .first_ns = 110, .last_ns = 110};
	mcp_tracker_frame(t, &io, &f);
	msg(t, AGENT, PIPE_OUT, false, 120, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}");
	CHECK_EQ_INT(nops, 1);
	CHECK_EQ_INT(ops[0].parent, 0xC1);
	CHECK_EQ_INT(ops[0].hi, 0xCC);
	CHECK(!tool_calls_claim(&tc, AGENT, "git_worktree", 130, &hi, &lo, &span));
	mcp_tracker_free(t);
}

/* The server's read of a tools/call is read before the agent's write of it
 * (the writer preempted before write() returned), and the server forks its
 * tool's git at once: the span it has open then (what the git is given)
 * must already be in the LLM call's trace, under the CLIENT span the
 * agent's write becomes when it is read (mcp_reserve.h). The stream's
 * writer is known from the agent's earlier request on it. */
static struct { uint64_t hi, span; } told[8];
static int ntold;
static void on_server_span(void *ctx, uint32_t pid, uint64_t hi, uint64_t lo, uint64_t span)
{
	(void)ctx;
	(void)pid;
	(void)lo;
	if (ntold < 8)
		told[ntold++] = (typeof(told[0])){hi, span};
}

static void test_server_read_first(void)
{
	static struct tool_calls tc;
	memset(&tc, 0, sizeof(tc));
	struct mcp_tracker_config cfg = {.seed = 5, .tool_calls = &tc};
	struct mcp_sink sink = {.op = on_op, .server_span = on_server_span};
	struct mcp_tracker *t = mcp_tracker_new(&cfg, &sink);
	const char *req = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"git_worktree\"}}";
	const char *resp = "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"content\":[]}}";

	nops = ntold = 0;
	call(t, 1, "lookup_ticket", 50); /* not asked for: a root; the writer of PIPE_IN is learnt */
	tool_calls_publish(&tc, AGENT, "git_worktree", 0xAA, 0xAB, 0xA1, 100);
	nops = ntold = 0;
	msg(t, SERVER, PIPE_IN, false, 111, req); /* the server's read first */
	CHECK(ntold >= 1 && told[0].hi == 0xAA);  /* what its fork would get */
	msg(t, AGENT, PIPE_IN, true, 110, req);
	msg(t, SERVER, PIPE_OUT, true, 112, resp);
	msg(t, AGENT, PIPE_OUT, false, 113, resp);
	CHECK_EQ_INT(nops, 2);
	int c = ops[0].role == MCP_ROLE_CLIENT ? 0 : 1, sv = 1 - c;
	CHECK_EQ_INT(ops[c].role, MCP_ROLE_CLIENT);
	CHECK_EQ_INT(ops[c].parent, 0xA1);
	CHECK_EQ_INT(ops[c].hi, 0xAA);
	CHECK_EQ_INT(ops[sv].hi, 0xAA);
	CHECK(ops[sv].parent == ops[c].span && ops[c].span != 0);
	CHECK_EQ_INT(told[0].span, ops[sv].span);
	CHECK_EQ_INT(mcp_tracker_stats(t)->reserved, 1);
	CHECK_EQ_INT(mcp_tracker_stats(t)->llm_parented, 1);
	mcp_tracker_free(t);
}

int main(void)
{
	test_openai_stream_parallel();
	test_openai_whole();
	test_responses();
	test_anthropic();
	test_gemini_and_cap();
	test_answered_at_done();
	test_table();
	test_sync_before_claim();
	test_tracker_parents();
	test_native_parent_wins();
	test_server_read_first();
	UNIT_DONE();
}
