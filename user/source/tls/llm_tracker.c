/* HTTP exchanges -> LLM calls: see llm_tracker.h. */
#include "source/tls/llm_tracker.h"

#include <stdlib.h>
#include <string.h>

void llm_tracker_init(struct llm_tracker *t, const struct llm_opts *opts, struct price_table *prices,
		      llm_emit_fn emit, void *emit_ctx)
{
	memset(t, 0, sizeof(*t));
	if (opts)
		t->opts = *opts;
	if (!t->opts.content_max)
		t->opts.content_max = LLM_DEFAULT_CONTENT_MAX;
	t->prices = prices;
	t->emit = emit;
	t->emit_ctx = emit_ctx;
}

static bool want(void *ctx, struct http1_exchange *x)
{
	struct llm_tracker *t = ctx;
	char model[LLM_MODEL_MAX];
	enum llm_api api = llm_api_route(x->method, x->path, model, sizeof(model));
	if (api == LLM_API_NONE) {
		t->st.other_https++;
		return false;
	}
	struct llm_call *c = malloc(sizeof(*c));
	if (!c)
		return false;
	llm_call_init(c, api, x->host, x->traceparent);
	memcpy(c->request_model, model, sizeof(model));
	c->start_ns = x->req_start_ns;
	x->user = c;
	return true;
}

static void sse(void *ctx, struct http1_exchange *x, const struct sse_event *ev, uint64_t ts_ns)
{
	struct llm_tracker *t = ctx;
	struct llm_call *c = x->user;
	if (!c)
		return;
	llm_stream_event(c, ev->event, ev->data, ev->data_len, ts_ns, &t->opts);
	if (c->stream_ended && !c->answered) {
		c->answered = true;
		if (t->answered)
			t->answered(t->emit_ctx, c, ts_ns);
	}
}

static void price(struct llm_tracker *t, struct llm_call *c)
{
	if (c->input_tokens < 0 && c->output_tokens < 0)
		return;
	if (prices_cost(t->prices, c->provider, c->response_model, c->request_model, c->input_tokens,
			c->output_tokens, &c->cost_usd)) {
		c->has_cost = true;
		return;
	}
	t->st.unpriced++;
	const char *model = c->response_model[0] ? c->response_model : c->request_model;
	if (t->prices && t->note_unpriced && prices_warn_once(t->prices, c->provider, model))
		t->note_unpriced(t->emit_ctx, c->provider, model);
}

static void done(void *ctx, struct http1_exchange *x)
{
	struct llm_tracker *t = ctx;
	struct llm_call *c = x->user;
	x->user = NULL;
	if (!c)
		return;
	if (x->outcome == HTTP1_ABANDONED || x->outcome == HTTP1_PARSE_ERROR) {
		/* the tracer, not the call, lost track: nothing true to say */
		t->st.lost++;
		llm_call_free(c);
		free(c);
		return;
	}
	llm_parse_request(c, x->req_body.data, x->req_body.len, x->req_body.truncated || x->req_body.decode_failed,
			  &t->opts);
	if (!c->request_parsed)
		t->st.requests_unparsed++;
	if (x->resp_started && !x->sse && x->resp_body.len && !x->resp_body.truncated && !x->resp_body.decode_failed)
		llm_parse_response(c, x->resp_body.data, x->resp_body.len, &t->opts);
	if (x->resp_started && !c->response_parsed && x->status >= 200 && x->status <= 299)
		t->st.responses_unparsed++;
	c->end_ns = x->resp_end_ns ? x->resp_end_ns : x->req_end_ns;
	if (!c->first_chunk_ns && c->stream && x->resp_started && !x->sse)
		c->first_chunk_ns = x->resp_start_ns; /* a JSON-array stream (Gemini without alt=sse) */
	llm_call_finish(c, x->resp_started ? x->status : 0, x->outcome == HTTP1_CLOSED_MID_RESPONSE,
			x->resp_started);
	price(t, c);
	if (!c->answered) {
		c->answered = true;
		if (t->answered)
			t->answered(t->emit_ctx, c, c->end_ns);
	}
	t->st.calls++;
	if (t->emit)
		t->emit(t->emit_ctx, c);
	llm_call_free(c);
	free(c);
}

struct http1_handler llm_tracker_handler(struct llm_tracker *t)
{
	struct http1_handler h = { .want = want, .sse = sse, .done = done, .ctx = t };
	return h;
}
