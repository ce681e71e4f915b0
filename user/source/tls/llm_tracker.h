/* The glue between HTTP/1.1 exchanges and LLM calls: an http1_handler
 * that keeps only the exchanges llm_api_route recognises, reads their
 * bodies and events into a struct llm_call, prices it and hands it to an
 * emit callback when the exchange is over. Everything else (other HTTPS
 * traffic) is counted and forgotten. */
#ifndef TLS_LLM_TRACKER_H
#define TLS_LLM_TRACKER_H

#include "source/tls/http1.h"
#include "source/tls/llm_api.h"
#include "source/tls/prices.h"

struct llm_tracker_stats {
	uint64_t calls;            /* emitted */
	uint64_t other_https;      /* requests that are not an LLM API call */
	uint64_t requests_unparsed;  /* request body not JSON (cut by the cap, compressed oddly) */
	uint64_t responses_unparsed; /* 2xx response body not JSON */
	uint64_t lost;             /* abandoned or unparsable exchanges: no call emitted */
	uint64_t unpriced;         /* calls whose model is not in the price table */
};

typedef void (*llm_emit_fn)(void *ctx, const struct llm_call *call);

struct llm_tracker {
	struct llm_opts opts;
	struct price_table *prices; /* may be NULL: no cost */
	llm_emit_fn emit;
	void *emit_ctx;
	/* optional: the answer is whole (a stream's end event, or the whole
	 * body) — its tool calls are known; the exchange may end later (a
	 * client stops reading at [DONE], the chunked end comes with its next
	 * read). Called once per call, before emit; may set the call's ids. */
	void (*answered)(void *ctx, struct llm_call *call, uint64_t ts_ns);
	/* said once per model with no price (NULL: silent) */
	void (*note_unpriced)(void *ctx, const char *provider, const char *model);
	struct llm_tracker_stats st;
};

void llm_tracker_init(struct llm_tracker *t, const struct llm_opts *opts, struct price_table *prices,
		      llm_emit_fn emit, void *emit_ctx);
/* The handler to give http1_ctx_init. */
struct http1_handler llm_tracker_handler(struct llm_tracker *t);

#endif
