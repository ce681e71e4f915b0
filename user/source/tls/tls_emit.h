/* An LLM call (llm_api.h) as a call for the pipeline (call.h): the GenAI
 * span attributes, the ids that place it in a trace (a W3C traceparent the
 * request carried, else the native span open on the writing thread, else a
 * new trace) and the catalog's llm_* operation it counts under. */
#ifndef TLS_EMIT_H
#define TLS_EMIT_H

#include "call.h"
#include "source/tls/llm_api.h"

struct tls_origin {
	uint32_t pid, tid;
	unsigned long long parent_trace[2], parent_span; /* 0: none */
};

/* Ops of the catalog an LLM call counts under, by operation name. */
struct tls_bindings {
	int chat, text_completion, embeddings, generate_content;
};

/* The span's trace id, span id and parent id (0: a root) of k made from
 * o: a traceparent the request carried, else the native span open on the
 * writing thread, else a new trace; next_id makes ids (never 0). */
void tls_call_ids(const struct llm_call *k, const struct tls_origin *o, unsigned long long (*next_id)(void *),
		  void *id_ctx, unsigned long long trace_id[2], unsigned long long *span_id,
		  unsigned long long *parent_id);
/* Fills c; its ids are k's when set (k->span_id), else tls_call_ids'. */
void tls_call_build(struct call *c, const struct probe_map *pm, const struct tls_bindings *b,
		    const struct llm_call *k, const struct tls_origin *o,
		    unsigned long long (*next_id)(void *), void *id_ctx);

#endif
