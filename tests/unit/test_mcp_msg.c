/* user/source/mcp/jsonrpc_msg.c and jsonrpc_salvage.c: classifying
 * JSON-RPC messages, whole and cut short. */
#include <stdlib.h>
#include <string.h>
#include "source/mcp/jsonrpc_msg.h"
#include "unit_test.h"

struct got {
	int n;
	struct jsonrpc_msg m[4];
	char *content[4];
};

static void collect(void *ctx, const struct jsonrpc_msg *m)
{
	struct got *g = ctx;

	if (g->n >= 4)
		return;
	g->m[g->n] = *m;
	g->m[g->n].content = NULL;
	g->content[g->n] = m->content ? strdup(m->content) : NULL;
	g->n++;
}

static void got_free(struct got *g)
{
	for (int i = 0; i < g->n; i++)
		free(g->content[i]);
	memset(g, 0, sizeof(*g));
}

/* Parses s from an exact-size heap copy (no NUL after it), so that ASan
 * sees any read past the end. */
static int parse(const char *s, bool content, struct got *g)
{
	size_t n = strlen(s);
	char *copy = malloc(n ? n : 1);

	memcpy(copy, s, n);
	memset(g, 0, sizeof(*g));
	int r = jsonrpc_msg_parse(copy, n, content, collect, g);
	free(copy);
	return r;
}

static void test_request_tools_call(void)
{
	struct got g;
	const char *s = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
			"\"get_weather\",\"arguments\":{\"city\":\"Paris\"},\"_meta\":{\"traceparent\":"
			"\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\"}}}";

	CHECK_EQ_INT(parse(s, false, &g), 1);
	CHECK_EQ_INT(g.m[0].kind, JR_REQUEST);
	CHECK_STR_EQ(g.m[0].method, "tools/call");
	CHECK_EQ_INT(g.m[0].id.type, JID_NUM);
	CHECK_STR_EQ(g.m[0].id.text, "3");
	CHECK_STR_EQ(g.m[0].name, "get_weather");
	CHECK_STR_EQ(g.m[0].traceparent, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
	CHECK(g.content[0] == NULL); /* content only when asked */
	got_free(&g);
	CHECK_EQ_INT(parse(s, true, &g), 1);
	CHECK_STR_EQ(g.content[0], "{\"city\":\"Paris\"}");
	got_free(&g);
}

static void test_other_requests(void)
{
	struct got g;

	parse("{\"jsonrpc\":\"2.0\",\"id\":\"req-1\",\"method\":\"resources/read\",\"params\":{\"uri\":\"file:///a.txt\"}}",
	      false, &g);
	CHECK_EQ_INT(g.m[0].id.type, JID_STR);
	CHECK_STR_EQ(g.m[0].id.text, "req-1");
	CHECK_STR_EQ(g.m[0].uri, "file:///a.txt");
	parse("{\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{}},"
	      "\"jsonrpc\":\"2.0\",\"id\":0}",
	      false, &g);
	CHECK_EQ_INT(g.m[0].kind, JR_REQUEST);
	CHECK_STR_EQ(g.m[0].protocol_version, "2025-06-18");
	CHECK_STR_EQ(g.m[0].id.text, "0");
	parse("{\"jsonrpc\":\"2.0\",\"id\":1.0,\"method\":\"ping\"}", false, &g);
	CHECK_STR_EQ(g.m[0].id.text, "1");
	parse("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}", false, &g);
	CHECK_STR_EQ(g.m[0].id.text, "1.5");
	parse("{\"jsonrpc\":\"2.0\",\"id\":-1e3,\"method\":\"ping\"}", false, &g);
	CHECK_STR_EQ(g.m[0].id.text, "-1000");
	parse("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}", false, &g);
	CHECK_EQ_INT(g.m[0].id.type, JID_NULL);
	/* 5 and "5" are different ids. */
	struct jsonrpc_id a = {JID_NUM, "5"}, b = {JID_STR, "5"};
	CHECK(!jsonrpc_id_equal(&a, &b));
	/* A method longer than its slot is cut and says so. */
	char longm[200];
	snprintf(longm, sizeof(longm), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%0100d\"}", 0);
	parse(longm, false, &g);
	CHECK_EQ_INT(strlen(g.m[0].method), JSONRPC_METHOD_MAX - 1);
	CHECK(g.m[0].methods_truncated);
}

static void test_notifications(void)
{
	struct got g;

	CHECK_EQ_INT(parse("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", false, &g), 1);
	CHECK_EQ_INT(g.m[0].kind, JR_NOTIFICATION);
	CHECK_EQ_INT(g.m[0].id.type, JID_NONE);
	parse("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":\"abc\","
	      "\"reason\":\"user\"}}",
	      false, &g);
	CHECK_EQ_INT(g.m[0].kind, JR_NOTIFICATION);
	CHECK_EQ_INT(g.m[0].ref_id.type, JID_STR);
	CHECK_STR_EQ(g.m[0].ref_id.text, "abc");
}

static void test_responses(void)
{
	struct got g;

	parse("{\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"boom\"}],\"isError\":true},"
	      "\"jsonrpc\":\"2.0\",\"id\":4}",
	      true, &g);
	CHECK_EQ_INT(g.m[0].kind, JR_RESULT);
	CHECK(g.m[0].is_error);
	CHECK_STR_HAS(g.content[0], "boom");
	got_free(&g);
	parse("{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"protocolVersion\":\"2025-03-26\",\"capabilities\":{}}}",
	      false, &g);
	CHECK(!g.m[0].is_error);
	CHECK_STR_EQ(g.m[0].protocol_version, "2025-03-26");
	parse("{\"jsonrpc\":\"2.0\",\"id\":5,\"error\":{\"code\":-32602,\"message\":\"Unknown tool: nope\"}}",
	      false, &g);
	CHECK_EQ_INT(g.m[0].kind, JR_ERROR);
	CHECK(g.m[0].has_error_code);
	CHECK_EQ_INT(g.m[0].error_code, -32602);
	CHECK_STR_EQ(g.m[0].error_message, "Unknown tool: nope");
	parse("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error\"}}",
	      false, &g);
	CHECK_EQ_INT(g.m[0].kind, JR_ERROR);
	CHECK_EQ_INT(g.m[0].id.type, JID_NULL);
	/* A code that is no integer is no code (converting 1e300 was undefined). */
	static const char *const odd[] = {"1e300", "-1e300", "1.5", "9.3e18"};

	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		char msg[160];

		snprintf(msg, sizeof(msg), "{\"jsonrpc\":\"2.0\",\"id\":6,\"error\":{\"code\":%s,\"message\":\"x\"}}",
			 odd[i]);
		parse(msg, false, &g);
		CHECK_EQ_INT(g.m[0].kind, JR_ERROR);
		CHECK(!g.m[0].has_error_code);
	}
}

static void test_invalid(void)
{
	static const char *bad[] = {
		"",
		"hello",
		"{",
		"{\"id\":1,\"method\":\"x\"}",                     /* no jsonrpc */
		"{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"x\"}", /* not 2.0 */
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":3}",     /* method not a string */
		"{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"x\"}", /* id an object */
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1,\"error\":{}}",
		"{\"jsonrpc\":\"2.0\",\"result\":{}}",            /* response without id */
		"{\"jsonrpc\":\"2.0\",\"id\":1}",                  /* neither */
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}}",  /* glued fragments */
		"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}} x",
		"[]",
		"[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}},7]", /* a batch with a stranger */
		"\"just a string\"",
	};
	struct got g;
	int bad_ok = 0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], false, &g) != 0 || g.n != 0) {
			UNIT_FAIL("accepted: %s", bad[i]);
			bad_ok++;
		}
	}
	CHECK_EQ_INT(bad_ok, 0);
	CHECK_EQ_INT(parse("  {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}  \r\n", false, &g), 1);
}

static void test_batch(void)
{
	struct got g;

	CHECK_EQ_INT(parse("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
			   "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}]",
			   false, &g),
		     2);
	CHECK_EQ_INT(g.m[0].kind, JR_REQUEST);
	CHECK_EQ_INT(g.m[1].kind, JR_NOTIFICATION);
}

/* ---------------------------------------------------------------- salvage */

static struct jsonrpc_msg salvage(const char *head, const char *tail)
{
	struct jsonrpc_msg m;
	size_t hn = strlen(head), tn = tail ? strlen(tail) : 0;
	char *h = malloc(hn ? hn : 1), *t = tail ? malloc(tn ? tn : 1) : NULL;

	memcpy(h, head, hn);
	if (t)
		memcpy(t, tail, tn);
	jsonrpc_msg_salvage(h, hn, t, tn, &m);
	free(h);
	free(t);
	return m;
}

static void test_salvage_python_order(void)
{
	struct jsonrpc_msg m = salvage("{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"tools/call\",\"params\":"
				       "{\"name\":\"upload\",\"arguments\":{\"blob\":\"AAAAAAAA",
				       NULL);
	CHECK_EQ_INT(m.kind, JR_REQUEST);
	CHECK(m.salvaged);
	CHECK_STR_EQ(m.id.text, "12");
	CHECK_STR_EQ(m.method, "tools/call");
	CHECK_STR_EQ(m.name, "upload");
	CHECK(m.content == NULL);

	m = salvage("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"xxxx",
		    "xxxx\"}],\"isError\":false}}");
	CHECK_EQ_INT(m.kind, JR_RESULT);
	CHECK(!m.is_error);
	CHECK_STR_EQ(m.id.text, "3");

	m = salvage("{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"code\":-32603,\"message\":\"xxxxx", NULL);
	CHECK_EQ_INT(m.kind, JR_ERROR);
	CHECK(m.has_error_code);
	CHECK_EQ_INT(m.error_code, -32603);
}

static void test_salvage_typescript_order(void)
{
	struct jsonrpc_msg m = salvage("{\"method\":\"tools/call\",\"params\":{\"name\":\"upload\",\"arguments\":"
				       "{\"blob\":\"AAAA",
				       "AAAA\"}},\"jsonrpc\":\"2.0\",\"id\":12}");
	CHECK_EQ_INT(m.kind, JR_REQUEST);
	CHECK_STR_EQ(m.id.text, "12");
	CHECK_STR_EQ(m.name, "upload");

	m = salvage("{\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"xx",
		    "x \\\"quoted\\\" x\"}],\"isError\":true},\"jsonrpc\":\"2.0\",\"id\":\"r-9\"}");
	CHECK_EQ_INT(m.kind, JR_RESULT);
	CHECK(m.is_error);
	CHECK_EQ_INT(m.id.type, JID_STR);
	CHECK_STR_EQ(m.id.text, "r-9");

	/* Without its tail, a request whose id comes last is dropped rather
	 * than reported as a notification. */
	m = salvage("{\"method\":\"tools/call\",\"params\":{\"name\":\"upload\",\"arguments\":{\"b\":\"AA", NULL);
	CHECK_EQ_INT(m.kind, JR_INVALID);
	CHECK_STR_EQ(m.method, "");
}

static void test_salvage_refuses_guesses(void)
{
	/* A number touching the edge of the head may be missing digits. */
	struct jsonrpc_msg m = salvage("{\"jsonrpc\":\"2.0\",\"result\":{},\"id\":12", NULL);
	CHECK_EQ_INT(m.kind, JR_INVALID);
	/* An "id" inside the result is not the message's id. */
	m = salvage("{\"result\":{\"items\":[{\"x\":\"", "yy\"}],\"id\":99}}");
	CHECK_EQ_INT(m.kind, JR_INVALID);
	CHECK_EQ_INT(m.id.type, JID_NONE);
	/* Head and tail from two messages glued over lost bytes. */
	m = salvage("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"a\":\"", "b\"},\"jsonrpc\":\"2.0\",\"id\":2}");
	CHECK_EQ_INT(m.kind, JR_INVALID);
	/* An escaped id string is not trusted. */
	m = salvage("{\"jsonrpc\":\"2.0\",\"id\":\"a\\\"b\",\"result\":{\"a\":\"", NULL);
	CHECK_EQ_INT(m.id.type, JID_NONE);
	/* Not an object at all. */
	m = salvage("[1,2,3", "]");
	CHECK_EQ_INT(m.kind, JR_INVALID);
	m = salvage("", "");
	CHECK_EQ_INT(m.kind, JR_INVALID);
	/* A NUL byte inside the head is passed over, not looped on (found by
	 * fuzz_jsonrpc_msg: the scan never advanced past it). */
	static const char nul_head[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"x\":1\0\0,\"y\":";
	jsonrpc_msg_salvage(nul_head, sizeof(nul_head) - 1, NULL, 0, &m);
	CHECK_EQ_INT(m.kind, JR_RESULT);
	static const char nul_tail[] = "\0,\"id\":\0}";
	jsonrpc_msg_salvage(nul_head, sizeof(nul_head) - 1, nul_tail, sizeof(nul_tail) - 1, &m);
	CHECK_EQ_INT(m.id.text[0], '1');
	/* Deep nesting in the head is skipped without recursion. */
	char deep[3000];
	int k = snprintf(deep, sizeof(deep), "{\"jsonrpc\":\"2.0\",\"id\":8,\"result\":");
	memset(deep + k, '[', sizeof(deep) - k - 1);
	deep[sizeof(deep) - 1] = '\0';
	m = salvage(deep, "]]]}");
	CHECK_EQ_INT(m.kind, JR_RESULT);
	CHECK_STR_EQ(m.id.text, "8");
}

int main(void)
{
	test_request_tools_call();
	test_other_requests();
	test_notifications();
	test_responses();
	test_invalid();
	test_batch();
	test_salvage_python_order();
	test_salvage_typescript_order();
	test_salvage_refuses_guesses();
	UNIT_DONE();
}
