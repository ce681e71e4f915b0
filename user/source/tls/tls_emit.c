/* LLM call -> pipeline call: see tls_emit.h. */
#include "source/tls/tls_emit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool hex64(const char *s, unsigned long long *out)
{
	char buf[17];
	char *end;
	memcpy(buf, s, 16);
	buf[16] = '\0';
	*out = strtoull(buf, &end, 16);
	return *end == '\0';
}

static int binding_of(const struct tls_bindings *b, const char *op)
{
	if (!strcmp(op, "embeddings"))
		return b->embeddings;
	if (!strcmp(op, "generate_content"))
		return b->generate_content;
	if (!strcmp(op, "text_completion"))
		return b->text_completion;
	return b->chat;
}

void tls_call_ids(const struct llm_call *k, const struct tls_origin *o, unsigned long long (*next_id)(void *),
		  void *id_ctx, unsigned long long trace_id[2], unsigned long long *span_id,
		  unsigned long long *parent_id)
{
	unsigned long long t0, t1, sp;
	*span_id = next_id(id_ctx);
	if (k->traceparent[0] && hex64(k->traceparent + 3, &t0) && hex64(k->traceparent + 19, &t1) &&
	    hex64(k->traceparent + 36, &sp)) {
		/* the request carries its trace: it joins it */
		trace_id[0] = t0;
		trace_id[1] = t1;
		*parent_id = sp;
	} else if (o->parent_span) {
		/* made inside an open native span on the same thread */
		trace_id[0] = o->parent_trace[0];
		trace_id[1] = o->parent_trace[1];
		*parent_id = o->parent_span;
	} else {
		trace_id[0] = next_id(id_ctx);
		trace_id[1] = next_id(id_ctx);
		*parent_id = 0;
	}
}

void tls_call_build(struct call *c, const struct probe_map *pm, const struct tls_bindings *b,
		    const struct llm_call *k, const struct tls_origin *o,
		    unsigned long long (*next_id)(void *), void *id_ctx)
{
	call_reset(c, pm, binding_of(b, k->operation));
	c->rec.pid = o->pid;
	c->rec.tid = o->tid;
	c->rec.start_ns = k->start_ns;
	c->rec.end_ns = k->end_ns >= k->start_ns ? k->end_ns : k->start_ns;
	if (k->span_id) {
		c->rec.trace_id[0] = k->trace_id[0];
		c->rec.trace_id[1] = k->trace_id[1];
		c->rec.span_id = k->span_id;
		c->rec.parent_id = k->parent_id;
	} else {
		tls_call_ids(k, o, next_id, id_ctx, c->rec.trace_id, &c->rec.span_id, &c->rec.parent_id);
	}
	c->rec.depth = c->rec.parent_id ? 1 : 0;
	const char *model = k->request_model[0] ? k->request_model : k->response_model[0] ? k->response_model : "unknown";
	/* The important ones first: attributes past the call's room are dropped. */
	call_add_str(c, "gen_ai.operation.name", k->operation);
	call_add_str(c, "gen_ai.provider.name", k->provider);
	call_add_str(c, "gen_ai.request.model", model);
	call_add_str(c, "mcp.model_type", model);
	if (k->response_model[0])
		call_add_str(c, "gen_ai.response.model", k->response_model);
	if (k->server_address[0]) {
		call_add_str(c, "server.address", k->server_address);
		call_add_int(c, "server.port", k->server_port);
	}
	if (k->status)
		call_add_int(c, "http.response.status_code", k->status);
	call_add_bool(c, "gen_ai.request.stream", k->stream);
	if (k->error_type[0]) {
		call_add_str(c, "error.type", k->error_type); /* the metrics' copy; the span has its own */
		call_fail(c, k->error_type);
	}
	bool ok = !k->error_type[0];
	if (k->input_tokens >= 0)
		call_add_int(c, "gen_ai.usage.input_tokens", k->input_tokens);
	if (k->output_tokens >= 0)
		call_add_int(c, "gen_ai.usage.output_tokens", k->output_tokens);
	if (ok && (k->input_tokens >= 0 || k->output_tokens >= 0))
		call_add_int(c, "mcp.tokens_used", (k->input_tokens > 0 ? k->input_tokens : 0) +
							   (k->output_tokens > 0 ? k->output_tokens : 0));
	if (k->has_cost)
		call_add_double(c, "mcp.cost", k->cost_usd);
	if (k->stream && k->first_chunk_ns >= k->start_ns && k->first_chunk_ns)
		call_add_double(c, "gen_ai.response.time_to_first_chunk", (double)(k->first_chunk_ns - k->start_ns) / 1e9);
	if (k->response_id[0])
		call_add_str(c, "gen_ai.response.id", k->response_id);
	if (k->n_finish) {
		char fr[LLM_FINISH_MAX * (LLM_FINISH_LEN + 1)];
		call_add_str(c, "gen_ai.response.finish_reasons", llm_finish_reasons_str(k, fr, sizeof(fr)));
	}
	if (k->max_tokens >= 0)
		call_add_int(c, "gen_ai.request.max_tokens", k->max_tokens);
	if (k->has_temperature)
		call_add_double(c, "gen_ai.request.temperature", k->temperature);
	/* --capture-content only (llm_api copies nothing otherwise) */
	if (k->input_messages)
		call_add_str(c, "gen_ai.input.messages", k->input_messages);
	if (k->output_text)
		call_add_str(c, "gen_ai.output.messages", k->output_text);
}
