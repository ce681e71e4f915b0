/* An LLM call as a pipeline call (user/source/tls/tls_emit.c): the
 * catalog operation, the GenAI attributes, and where it sits in a trace
 * (the request's traceparent, else the native span open on the thread,
 * else a trace of its own). */
#include <stdio.h>
#include <stdlib.h>

#include "attrs.h"
#include "call.h"
#include "catalog.h"
#include "source/tls/tls_emit.h"
#include "unit_test.h"

static unsigned long long ids(void *ctx)
{
	return ++*(unsigned long long *)ctx;
}

static const struct attr *get(const struct call *c, const char *key)
{
	return attr_find(c->attrs, c->nattrs, key);
}

static const char *str(const struct call *c, const char *key)
{
	const struct attr *a = get(c, key);
	return a && a->type == AT_STR ? a->s : NULL;
}

static void test_build(void)
{
	struct probe_map pm = {0};
	struct tls_bindings b = {
		.chat = probe_map_add_builtin(&pm, catalog_find_op("llm_chat"), "tls", "chat"),
		.text_completion = probe_map_add_builtin(&pm, catalog_find_op("llm_text_completion"), "tls", "tc"),
		.embeddings = probe_map_add_builtin(&pm, catalog_find_op("llm_embeddings"), "tls", "embeddings"),
		.generate_content = probe_map_add_builtin(&pm, catalog_find_op("llm_generate_content"), "tls", "gc"),
	};
	CHECK(b.chat >= 0 && b.embeddings >= 0 && b.generate_content >= 0 && b.text_completion >= 0);
	struct llm_call k;
	llm_call_init(&k, LLM_OPENAI_CHAT, "api.openai.com", NULL);
	snprintf(k.request_model, sizeof(k.request_model), "gpt-4o-mini");
	snprintf(k.response_model, sizeof(k.response_model), "gpt-4o-mini-2024-07-18");
	snprintf(k.response_id, sizeof(k.response_id), "chatcmpl-1");
	k.input_tokens = 10;
	k.output_tokens = 5;
	k.stream = true;
	k.start_ns = 1000;
	k.first_chunk_ns = 1500;
	k.end_ns = 4000;
	k.status = 200;
	k.has_cost = true;
	k.cost_usd = 0.25;
	k.n_finish = 1;
	snprintf(k.finish_reasons[0], LLM_FINISH_LEN, "stop");
	struct tls_origin o = {.pid = 7, .tid = 8};
	unsigned long long n = 100;
	static struct call c;
	tls_call_build(&c, &pm, &b, &k, &o, ids, &n);
	CHECK_STR_EQ(c.op->name, "llm_chat");
	CHECK_STR_EQ(c.op->span_name, "chat {gen_ai.request.model}");
	CHECK_EQ_INT(c.op->kind, SK_CLIENT);
	CHECK_EQ_INT(c.rec.pid, 7);
	CHECK_EQ_INT(c.rec.tid, 8);
	CHECK_EQ_INT(c.rec.start_ns, 1000);
	CHECK_EQ_INT(c.rec.end_ns, 4000);
	CHECK_EQ_INT(c.rec.parent_id, 0); /* a trace of its own */
	CHECK(c.rec.trace_id[0] && c.rec.trace_id[1] && c.rec.span_id);
	CHECK(!c.failed);
	CHECK_STR_EQ(str(&c, "gen_ai.operation.name"), "chat");
	CHECK_STR_EQ(str(&c, "gen_ai.provider.name"), "openai");
	CHECK_STR_EQ(str(&c, "gen_ai.request.model"), "gpt-4o-mini");
	CHECK_STR_EQ(str(&c, "mcp.model_type"), "gpt-4o-mini");
	CHECK_STR_EQ(str(&c, "gen_ai.response.model"), "gpt-4o-mini-2024-07-18");
	CHECK_STR_EQ(str(&c, "server.address"), "api.openai.com");
	CHECK_STR_EQ(str(&c, "gen_ai.response.finish_reasons"), "stop");
	CHECK(get(&c, "server.port") && get(&c, "server.port")->i == 443);
	CHECK(get(&c, "gen_ai.usage.input_tokens") && get(&c, "gen_ai.usage.input_tokens")->i == 10);
	CHECK(get(&c, "mcp.tokens_used") && get(&c, "mcp.tokens_used")->i == 15);
	CHECK(get(&c, "mcp.cost") && get(&c, "mcp.cost")->d == 0.25);
	CHECK(get(&c, "gen_ai.request.stream") && get(&c, "gen_ai.request.stream")->b);
	CHECK(get(&c, "gen_ai.response.time_to_first_chunk") &&
	      get(&c, "gen_ai.response.time_to_first_chunk")->d == 500e-9);
	CHECK(get(&c, "gen_ai.input.messages") == NULL); /* no capture */
	CHECK(get(&c, "error.type") == NULL);

	/* inside a native span on the same thread: its child */
	o.parent_trace[0] = 0x1111;
	o.parent_trace[1] = 0x2222;
	o.parent_span = 0x3333;
	tls_call_build(&c, &pm, &b, &k, &o, ids, &n);
	CHECK(c.rec.trace_id[0] == 0x1111 && c.rec.trace_id[1] == 0x2222 && c.rec.parent_id == 0x3333);

	/* a traceparent header wins: the request joins that trace */
	llm_call_init(&k, LLM_ANTHROPIC_MESSAGES, "h:8443", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
	k.status = 429;
	llm_call_finish(&k, 429, false, true);
	tls_call_build(&c, &pm, &b, &k, &o, ids, &n);
	CHECK(c.rec.trace_id[0] == 0x0af7651916cd43ddULL && c.rec.trace_id[1] == 0x8448eb211c80319cULL);
	CHECK(c.rec.parent_id == 0xb7ad6b7169203331ULL);
	CHECK(c.failed);
	CHECK_STR_EQ(c.error_type, "429");
	CHECK_STR_EQ(str(&c, "error.type"), "429");
	CHECK_STR_EQ(str(&c, "gen_ai.request.model"), "unknown");
	CHECK(get(&c, "mcp.tokens_used") == NULL);
	CHECK(get(&c, "server.port") && get(&c, "server.port")->i == 8443);

	/* embeddings and Gemini go to their own operations */
	llm_call_init(&k, LLM_OPENAI_EMBEDDINGS, NULL, NULL);
	tls_call_build(&c, &pm, &b, &k, &o, ids, &n);
	CHECK_STR_EQ(c.op->name, "llm_embeddings");
	llm_call_init(&k, LLM_GEMINI_STREAM, NULL, NULL);
	tls_call_build(&c, &pm, &b, &k, &o, ids, &n);
	CHECK_STR_EQ(c.op->name, "llm_generate_content");
	probe_map_free(&pm);
}

int main(void)
{
	test_build();
	UNIT_DONE();
}
